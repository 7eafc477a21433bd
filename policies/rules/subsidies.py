"""§2 Contribution standards and subsidies (个人缴费标准, 参保资助).

SUB-one (the highest, once), SUB-cutoff (recognised by the cutoff), SUB-window (central window
only), SUB-frozen (later changes don't matter: decided at the payment), SUB-due, SUB-mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ledger.events import IDENTITY_CODES
from policies.notes import Note
from policies.parameters import OTHER, UNKNOWN
from policies.person import IdentitySpan, PersonFacts
from policies.rules import Step
from policies.version import PolicyVersion

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class SubsidyDecision:
    standard: Decimal
    subsidy: Decimal
    identity: str | None
    mode: str
    """``none``, ``deducted`` or ``reimbursed`` (INTERCHANGE.md ``subsidy_mode``)."""
    flags: tuple[str, ...] = ()
    steps: tuple[Step, ...] = field(default=())
    reasons: tuple[tuple[str, Note | str], ...] = ()
    """(flag, why) for the flags that mark an unsupported situation."""

    @property
    def individual_due(self) -> Decimal:
        """SUB-due: what the person must pay at payment time to be enrolled."""
        if self.mode == "deducted":
            return self.standard - self.subsidy
        return self.standard


def province_of(region: str) -> str:
    """The province of a division code (GB/T 2260: its first two digits): 610113 → 610000."""
    return region[:2] + "0000"


def in_window(day: date, window: tuple[date, date] | None) -> bool:
    """I-window-days: both ends of a window are in it."""
    return window is not None and window[0] <= day <= window[1]


def eligible_identities(
    version: PolicyVersion, facts: PersonFacts, paid_on: date
) -> tuple[list[IdentitySpan], list[IdentitySpan]]:
    """Subsidy identities held on ``paid_on``: (recognised by the cutoff, recognised later).

    SUB-cutoff: identities recognised after the cutoff count from the next coverage year."""
    cutoff = version.parameters.subsidy_cutoff
    held = [
        span
        for span in facts.identities_on(paid_on)
        if span.identity in version.parameters.subsidies
        or any(span.identity in table for table in version.parameters.county_subsidies.values())
    ]
    return (
        [s for s in held if s.recognized_on <= cutoff],
        [s for s in held if s.recognized_on > cutoff],
    )


def decide_subsidy(
    version: PolicyVersion, facts: PersonFacts, region: str, paid_on: date
) -> SubsidyDecision:
    """The subsidy for a payment made on ``paid_on`` (SUB-frozen: decided then, for good)."""
    p = version.parameters
    standard = p.individual_standard
    eligible, too_late = eligible_identities(version, facts, paid_on)
    steps: list[Step] = [
        Step(
            "SUB-cutoff",
            Note(
                "subsidy_after_cutoff",
                identity=s.identity,
                recognized=s.recognized_on,
                cutoff=p.subsidy_cutoff,
            ),
            s.granted,
        )
        for s in too_late
    ]
    if eligible and p.subsidy_hukou_province is not None:
        hukou = facts.hukou_on(paid_on)
        if hukou is not None and province_of(hukou) != p.subsidy_hukou_province:
            steps.append(
                Step(
                    "XA24-hukou",
                    Note(
                        "subsidy_hukou",
                        identity=eligible[0].identity,
                        hukou=hukou,
                        province=p.subsidy_hukou_province,
                    ),
                    eligible[0].granted,
                )
            )
            return SubsidyDecision(standard, ZERO, None, "none", steps=tuple(steps))
    if not eligible:
        if p.recognised_after_payment == "reimbursed" and in_window(paid_on, p.central_window):
            later = _recognised_after_payment(version, facts, region, paid_on)
            if later is not None:
                amount, span = later
                steps.append(
                    Step(
                        "SUB-cutoff",
                        Note(
                            "subsidy_after_payment",
                            identity=span.identity,
                            recognized=span.recognized_on,
                            cutoff=p.subsidy_cutoff,
                            paid=paid_on,
                            amount=amount,
                        ),
                        span.granted,
                    )
                )
                return SubsidyDecision(
                    standard, amount, span.identity, "reimbursed", steps=tuple(steps)
                )
        return SubsidyDecision(standard, ZERO, None, "none", steps=tuple(steps))
    if p.subsidy_central_window_only and not in_window(paid_on, p.central_window):
        steps.append(
            Step(
                "SUB-window",
                Note(
                    "subsidy_outside_window",
                    day=paid_on,
                    first=p.central_window[0],
                    last=p.central_window[1],
                ),
            )
        )
        return SubsidyDecision(standard, ZERO, None, "none", steps=tuple(steps))

    known: list[tuple[Decimal, int, IdentitySpan]] = []
    unknown: list[IdentitySpan] = []
    as_other: list[IdentitySpan] = []
    for span in eligible:
        listed = p.subsidy_for(span.identity, region)
        if listed == UNKNOWN:
            unknown.append(span)
        elif listed == OTHER:
            as_other.append(span)
        elif isinstance(listed, Decimal):
            known.append((listed, IDENTITY_CODES.index(span.identity), span))
    if as_other and not known:
        # Subsidised as the person's other identity (HY25 §二(二) 困难儿童分类资助): with none,
        # the amount is not in the sources.
        unknown.extend(as_other)
    flags: tuple[str, ...] = ()
    reasons: tuple[tuple[str, Note | str], ...] = ()
    if unknown and not any(amount >= standard for amount, _, _ in known):
        flags = ("subsidy_amount_unknown",)
        why = Note("subsidy_unknown", identities=tuple(s.identity for s in unknown))
        reasons = (("subsidy_amount_unknown", why),)
        steps.append(Step("SUB-one", why, unknown[0].granted))
    if not known:
        return SubsidyDecision(
            standard, ZERO, unknown[0].identity, "none", flags, tuple(steps), reasons
        )
    # SUB-one: the highest available, once (就高不就低); ties go to the rule book's order.
    amount, _, best = max(known, key=lambda k: (k[0], -k[1]))
    mode = p.mode_for(best.identity)
    others = [s.identity for _, _, s in known if s is not best]
    steps.append(
        Step(
            "SUB-one",
            Note(
                "subsidy_one_others" if others else "subsidy_one",
                identity=best.identity,
                recognized=best.recognized_on,
                amount=amount,
                standard=standard,
                **({"identities": tuple(others)} if others else {}),
            ),
            best.granted,
        )
    )
    steps.append(
        Step(
            "SUB-mode",
            Note("subsidy_deducted" if mode == "deducted" else "subsidy_reimbursed"),
        )
    )
    return SubsidyDecision(standard, amount, best.identity, mode, flags, tuple(steps), reasons)


def _recognised_after_payment(
    version: PolicyVersion, facts: PersonFacts, region: str, paid_on: date
) -> tuple[Decimal, IdentitySpan] | None:
    """The best subsidy identity granted after ``paid_on`` and recognised by the cutoff."""
    cutoff = version.parameters.subsidy_cutoff
    best: tuple[Decimal, IdentitySpan] | None = None
    for span in facts.identities:
        if not (paid_on < span.granted.date and span.recognized_on <= cutoff):
            continue
        listed = version.parameters.subsidy_for(span.identity, region)
        if isinstance(listed, Decimal) and (best is None or listed > best[0]):
            best = (listed, span)
    return best
