"""§6 Critical-illness cap incentives (大病保险最高支付限额激励), AK25 §四(二)4(6).

INC-cont +3000 per enrolled year from the 5th consecutive year (counted from 2025, INC-count);
INC-zero +3000 per zero-claim year from the next enrolled year, cleared by INC-reset; INC-break
−3000 in a re-enrolment year; INC-cap bonuses together at most the ceiling.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ledger.events import Reimbursed
from policies.notes import Note
from policies.person import PersonFacts
from policies.rules import Step
from policies.version import PolicyVersion

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CapAdjustment:
    continuity_bonus: Decimal = ZERO
    zero_claim_bonus: Decimal = ZERO
    break_penalty: Decimal = ZERO
    bonus_ceiling: Decimal | None = None
    steps: tuple[Step, ...] = ()

    @property
    def net_adjustment(self) -> Decimal:
        return self.continuity_bonus + self.zero_claim_bonus + self.break_penalty

    def to_dict(self) -> dict[str, str | None]:
        return {
            "continuity_bonus": f"{self.continuity_bonus:.2f}",
            "zero_claim_bonus": f"{self.zero_claim_bonus:.2f}",
            "break_penalty": f"{self.break_penalty:.2f}",
            "net_adjustment": f"{self.net_adjustment:.2f}",
            "bonus_ceiling": None if self.bonus_ceiling is None else f"{self.bonus_ceiling:.2f}",
        }


Claims = Mapping[int, Sequence[Reimbursed]]
"""The claims each coverage year counts (INC-discharge moves a cross-year stay)."""


NO_CAP = CapAdjustment()
"""No adjustment (a year without incentives)."""


def zero_claim_year(claims: Claims, year: int) -> bool:
    """No fund reimbursement for ``year`` (no claim, or only zero ``fund_amount``)."""
    return all(claim.fund_amount == 0 for claim in claims.get(year, ()))


def cap_adjustment(
    version: PolicyVersion,
    year: int,
    facts: PersonFacts,
    enrolled: Collection[int],
    consecutive: Callable[[int], int],
    break_years: int,
    claims: Claims | None = None,
) -> CapAdjustment:
    """The adjustment of ``year``'s critical-illness maximum for an enrolled person;
    ``claims`` by the year they count for (default: their ``year``)."""
    counted: Claims = facts.claims if claims is None else claims
    p = version.parameters
    if not p.incentives or year < p.continuity_count_from:
        return CapAdjustment(bonus_ceiling=p.bonus_ceiling if p.incentives else None)
    step = p.incentive_step
    steps: list[Step] = [
        Step(
            "INC-count",
            Note("incentive_count", count=consecutive(year), since=p.continuity_count_from),
        )
    ]
    continuity_bonus = ZERO
    zero_claim_bonus = ZERO
    for y in range(p.continuity_count_from, year + 1):
        if y > p.continuity_count_from:
            used = [c for c in counted.get(y - 1, ()) if c.reward_used]
            if used and zero_claim_bonus:
                zero_claim_bonus = ZERO
                steps.append(
                    Step("INC-reset", Note("incentive_reset", used=y - 1, year=y), used[0])
                )
            if (y - 1) in enrolled and y in enrolled and zero_claim_year(counted, y - 1):
                zero_claim_bonus += step
                steps.append(
                    Step(
                        "INC-zero", Note("incentive_zero_claim", previous=y - 1, step=step, year=y)
                    )
                )
        if y in enrolled and consecutive(y) >= p.continuity_bonus_from_year:
            continuity_bonus += step
            steps.append(
                Step(
                    "INC-cont",
                    Note("incentive_continuity", year=y, count=consecutive(y), step=step),
                )
            )
    penalty = ZERO
    if break_years and p.break_penalty:
        penalty = -p.break_penalty
        steps.append(Step("INC-break", Note("incentive_break", penalty=penalty, year=year)))
    ceiling = p.bonus_ceiling
    if ceiling is not None and continuity_bonus + zero_claim_bonus > ceiling:
        continuity_bonus = min(continuity_bonus, ceiling)
        zero_claim_bonus = ceiling - continuity_bonus
        steps.append(Step("INC-cap", Note("incentive_cap", ceiling=ceiling)))
    return CapAdjustment(continuity_bonus, zero_claim_bonus, penalty, ceiling, tuple(steps))
