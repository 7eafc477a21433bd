"""The handler: one coverage year of one person under one policy version.

A pure function of the person's facts (:class:`~policies.person.PersonFacts`), the version, and
the years already known to be enrolled: it finds the payment that enrols the person (SUB-due),
the rule that starts the coverage (the earliest of those that fit, §4), the waiting period
(§5), applies refunds (§7), death (§8) and employee insurance (EMP-priority) to the coverage,
and the cap incentives (§6). Every decision leaves a :class:`~policies.rules.Step`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ledger.events import Event, Paid, Refunded, sort_key
from policies.calendar import next_day, next_month_start, year_end
from policies.person import PersonFacts
from policies.rules import Step
from policies.rules.continuity import Continuity, continuity
from policies.rules.incentives import CapAdjustment, cap_adjustment
from policies.rules.starts import (
    Candidate,
    employee_stop_candidates,
    newborn_candidates,
    special_candidates,
    student_candidates,
    window_candidates,
)
from policies.rules.subsidies import SubsidyDecision, decide_subsidy
from policies.rules.waiting import NO_WAITING, WaitingPeriod, waiting_period
from policies.version import PolicyVersion

ZERO = Decimal("0.00")
Segment = tuple[date, date]


@dataclass
class YearOutcome:
    """Everything the handler decided for one coverage year."""

    year: int
    version: PolicyVersion | None
    region: str | None
    enrolled: bool = False
    subsidy: SubsidyDecision | None = None
    paid: Decimal = ZERO
    refunded: Decimal = ZERO
    coverage: list[Segment] = field(default_factory=list)
    waiting: WaitingPeriod = NO_WAITING
    continuity: Continuity | None = None
    cap: CapAdjustment = field(default_factory=CapAdjustment)
    flags: set[str] = field(default_factory=set)
    steps: list[Step] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def basis(self) -> list[str]:
        """Rule ids in the order applied, each once."""
        seen: dict[str, None] = {}
        for step in self.steps:
            if not step.rule.startswith("I-"):
                seen.setdefault(step.rule, None)
        return list(seen)


def _sum(items: Collection[Paid] | Collection[Refunded]) -> Decimal:
    return sum((item.amount for item in items), ZERO)


def unsupported_year(facts: PersonFacts, year: int, region: str | None) -> YearOutcome:
    """No version for (region, year): payments recorded and counted for continuity, nothing
    computed (POLICY.md §1)."""
    outcome = YearOutcome(year, None, region)
    outcome.paid = _sum(facts.contributions.get(year, []))
    outcome.refunded = _sum(facts.refunds.get(year, []))
    outcome.enrolled = outcome.paid - outcome.refunded > 0
    outcome.flags.add("policy_missing")
    outcome.reasons["policy_missing"] = (
        f"no policy version for region {region} in coverage year {year}"
        if region
        else f"no region known for the person in coverage year {year}"
    )
    if facts.repairs.get(year):
        outcome.flags.add("repair_paid")
    return outcome


def _candidates(
    version: PolicyVersion, facts: PersonFacts, paid: Paid, enrolled_year_before: bool
) -> list[Candidate]:
    return [
        *window_candidates(version, facts, paid),
        *newborn_candidates(version, facts, paid),
        *employee_stop_candidates(version, facts, paid),
        *student_candidates(version, facts, paid, enrolled_year_before),
        *special_candidates(version, facts, paid),
    ]


def evaluate_year(
    version: PolicyVersion,
    facts: PersonFacts,
    year: int,
    region: str,
    enrolled_before: Collection[int],
) -> YearOutcome:
    """The outcome of ``year`` for a person insured in ``region`` under ``version``;
    ``enrolled_before`` are the enrolled years before it (for breaks and incentives)."""
    p = version.parameters
    outcome = YearOutcome(year, version, region)
    contributions = facts.contributions.get(year, [])
    refunds = facts.refunds.get(year, [])
    outcome.paid = _sum(contributions)
    outcome.refunded = _sum(refunds)
    if facts.repairs.get(year):
        outcome.flags.add("repair_paid")
        outcome.steps.append(
            Step(
                "WAIT-repair",
                f"repair of {year} paid: buys no coverage for {year}",
                facts.repairs[year][0],
            )
        )
    count_from = p.continuity_count_from
    cont = continuity(year, enrolled_before, facts, count_from)

    enrolment, outside, last_decision, money_steps = _walk_money(
        version, facts, year, region, cont, (year - 1) in enrolled_before, outcome
    )
    if enrolment is None:
        outcome.subsidy = last_decision or decide_subsidy(
            version, facts, region, contributions[0].date if contributions else date(year, 1, 1)
        )
        outcome.steps.extend(outcome.subsidy.steps)
        outcome.flags.update(outcome.subsidy.flags)
        outcome.reasons.update(outcome.subsidy.reasons)
        outcome.steps.extend(money_steps)
        if outside is not None:
            outcome.flags.add("paid_outside_window")
            outcome.steps.append(
                Step(
                    "GEN-outside",
                    f"paid {outside.date} outside every window: no coverage "
                    f"for {year}; the money can be refunded",
                    outside,
                )
            )
        elif contributions and _short(outcome.paid, outcome.refunded, outcome.subsidy):
            outcome.flags.add("partial_payment")
            outcome.steps.append(
                Step(
                    "SUB-due",
                    f"paid {outcome.paid - outcome.refunded} of "
                    f"{outcome.subsidy.individual_due} due: not enrolled",
                    contributions[-1],
                )
            )
        outcome.continuity = Continuity(0, 0, (), False)
        return outcome

    paid, decision, candidate, waiting, start = enrolment
    outcome.subsidy = decision
    outcome.flags.update(decision.flags)
    outcome.steps.extend(decision.steps)
    outcome.steps.extend(Step(rule, candidate.note, paid) for rule in candidate.rules)
    outcome.steps.extend(waiting.steps)
    outcome.steps.extend(money_steps)
    outcome.waiting = waiting
    outcome.enrolled = True
    outcome.continuity = cont
    outcome.reasons.update(decision.reasons)
    outcome.coverage = _coverage(outcome, facts, start, year_end(year))
    outcome.steps.extend(_identity_changes(facts, year, paid))
    return outcome


def _short(paid: Decimal, refunded: Decimal, subsidy: SubsidyDecision) -> bool:
    """SUB-due: a partial payment stands (a year refunded in full is not one)."""
    net = paid - refunded
    return net < subsidy.individual_due and (net > 0 or not refunded)


_Enrolment = tuple[Paid, SubsidyDecision, Candidate, WaitingPeriod, date]


def _walk_money(
    version: PolicyVersion,
    facts: PersonFacts,
    year: int,
    region: str,
    cont: Continuity,
    enrolled_year_before: bool,
    outcome: YearOutcome,
) -> tuple[_Enrolment | None, Paid | None, SubsidyDecision | None, list[Step]]:
    """SUB-due and §7: walk the year's payments and refunds in business order.

    The payment that brings the net paid up to the individual due (decided at that payment,
    SUB-frozen) enrols the person. A refund before coverage starts that leaves less than the due
    undoes the enrolment (REF-before; a later payment may enrol again, from its own date — or,
    REF-wrong-region, from the first payment's date); a refund after the start (or, REF-ak22,
    after the central window) is not allowed: the coverage stays, flagged."""
    p = version.parameters
    money: list[Paid | Refunded] = sorted(
        [*facts.contributions.get(year, []), *facts.refunds.get(year, [])], key=sort_key
    )
    running = ZERO
    enrolment: _Enrolment | None = None
    outside: Paid | None = None
    last_decision: SubsidyDecision | None = None
    first_paid_on: date | None = None
    steps: list[Step] = []
    refund_rule = "REF-ak22" if p.refund_deadline == "central_window_end" else "REF-before"
    for item in money:
        if isinstance(item, Refunded):
            running -= item.amount
            if enrolment is None:
                steps.append(Step(refund_rule, f"refund of {item.amount} ({item.reason})", item))
                continue
            deadline = enrolment[4]
            if p.refund_deadline == "central_window_end":
                deadline = min(deadline, next_day(p.central_window[1]))
            if item.date >= deadline:
                outcome.flags.add("refund_after_start")
                steps.append(
                    Step(
                        refund_rule,
                        f"refund of {item.amount} on {item.date}, after {deadline}: not allowed "
                        "by policy; coverage kept",
                        item,
                    )
                )
                continue
            steps.append(
                Step(
                    refund_rule,
                    f"refund of {item.amount} ({item.reason}) on {item.date}, before coverage "
                    f"starts {enrolment[4]}",
                    item,
                )
            )
            if running < enrolment[1].individual_due:
                if item.reason == "wrong_region" and p.wrong_region_first_date:
                    first_paid_on = first_paid_on or enrolment[0].date
                enrolment = None
            continue
        running += item.amount
        if enrolment is not None:
            continue
        paid = item
        if first_paid_on is not None:
            paid = item.model_copy(update={"date": first_paid_on})
            steps.append(
                Step(
                    "REF-wrong-region",
                    f"repaid {item.date} after a wrong-region refund: counts from the first "
                    f"payment's date {first_paid_on}",
                    item,
                )
            )
        decision = decide_subsidy(version, facts, region, paid.date)
        last_decision = decision
        if running < decision.individual_due:
            continue
        best = _choose(version, facts, paid, cont, enrolled_year_before)
        if best is None:
            outside = outside or item
            continue
        candidate, waiting = best
        start = waiting.coverage_start or candidate.start
        assert start is not None
        enrolment = (paid, decision, candidate, waiting, start)
    return enrolment, outside, last_decision, steps


def _identity_changes(facts: PersonFacts, year: int, paid: Paid) -> list[Step]:
    """ID-change: an identity granted or revoked during the coverage year, after the enrolling
    payment, takes effect for benefits from the first of the next month; the contribution and
    subsidy already decided stay as they are (SUB-frozen)."""
    steps = []
    for span in facts.identities:
        changes: list[tuple[date, str, Event]] = [(span.granted.date, "granted", span.granted)]
        if span.revoked_on is not None and span.revoked_by is not None:
            changes.append((span.revoked_on, "revoked", span.revoked_by))
        for day, what, event in changes:
            if day.year == year and day > paid.date:
                steps.append(
                    Step(
                        "ID-change",
                        f"{span.identity} {what} {day}: for benefits from "
                        f"{next_month_start(day)}; contribution and subsidy unchanged",
                        event,
                    )
                )
    return steps


def _choose(
    version: PolicyVersion,
    facts: PersonFacts,
    paid: Paid,
    cont: Continuity,
    enrolled_year_before: bool,
) -> tuple[Candidate, WaitingPeriod] | None:
    """The candidate giving the earliest coverage start (有利于参保人员), with its waiting."""
    options: list[tuple[date, int, Candidate, WaitingPeriod]] = []
    for index, candidate in enumerate(_candidates(version, facts, paid, enrolled_year_before)):
        waiting = NO_WAITING
        if candidate.waiting != "none":
            late = candidate.waiting == "always"
            waiting = waiting_period(
                version, facts, paid.coverage_year, paid.date, cont.break_year_list, late
            )
        start = waiting.coverage_start or candidate.start
        if start is None:
            continue
        options.append((start, index, candidate, waiting))
    if not options:
        return None
    _, _, candidate, waiting = min(options, key=lambda o: (o[0], o[1]))
    return candidate, waiting


def _coverage(outcome: YearOutcome, facts: PersonFacts, start: date, end: date) -> list[Segment]:
    """待遇享受期: ``start``..``end`` cut at death (DEATH) and paused while employee insurance
    is active (EMP-priority)."""
    if facts.died_on is not None and facts.died_on < end:
        end = facts.died_on
        outcome.steps.append(Step("DEATH", f"coverage ends on the date of death {end}", facts.died))
    if start > end:
        return []
    segments = [(start, end)]
    for span in facts.employee:
        if not span.overlaps(start, end):
            continue
        outcome.flags.add("duplicate_enrolment")
        outcome.steps.append(
            Step(
                "EMP-priority",
                f"employee insurance active {span.start}.."
                f"{span.stop or 'open'}: resident coverage pauses",
                span.started_by,
            )
        )
        cut: list[Segment] = []
        for first, last in segments:
            if span.stop is not None and span.stop < first or span.start > last:
                cut.append((first, last))
                continue
            if span.start > first:
                cut.append((first, date.fromordinal(span.start.toordinal() - 1)))
            if span.stop is not None and span.stop < last:
                cut.append((date.fromordinal(span.stop.toordinal() + 1), last))
        segments = cut
    return segments


def incentives_for(outcome: YearOutcome, facts: PersonFacts, enrolled: Collection[int]) -> None:
    """Fill in the cap adjustment of an enrolled year once the enrolled years are known."""
    version = outcome.version
    if version is None or not outcome.enrolled or outcome.continuity is None:
        return
    p = version.parameters

    def consecutive(y: int) -> int:
        return continuity(y, enrolled, facts, p.continuity_count_from).consecutive_years

    outcome.cap = cap_adjustment(
        version, outcome.year, facts, enrolled, consecutive, outcome.continuity.break_years
    )
    outcome.steps.extend(outcome.cap.steps)
    if p.incentives and p.bonus_ceiling is None and outcome.year >= p.continuity_count_from:
        outcome.flags.add("ceiling_unknown")
        outcome.reasons["ceiling_unknown"] = (
            f"{version.id}: the province's critical-illness maximum is not in the sources; "
            "no ceiling applied"
        )


__all__ = ["YearOutcome", "evaluate_year", "incentives_for", "unsupported_year"]
