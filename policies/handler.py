"""The handler: one coverage year of one person.

A pure function of the person's facts (:class:`~policies.person.PersonFacts`), the versions of
the registry, and the years already known to be enrolled. The year's money is walked first
(:mod:`policies.rules.money`: which region the year is judged under, I-year-region and
DUP-region; what stands after refunds, §7; the enrolling payment, SUB-due, and its start, §3-5;
EMP-lost; §8); the chosen region's version then gives the coverage (death, EMP-priority), the
checks that only flag (PLACE-hukou, OVER-paid), and later the cap incentives (§6). Every
decision leaves a :class:`~policies.rules.Step`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from ledger.events import Event, Paid, Refunded, Reimbursed
from policies.calendar import next_month_start, year_end
from policies.notes import Note
from policies.person import PersonFacts, pool_of
from policies.registry import PolicyRegistry
from policies.rules import Step
from policies.rules.continuity import Continuity, continuity
from policies.rules.incentives import NO_CAP, CapAdjustment, cap_adjustment
from policies.rules.money import NOT_REGISTERED, Enrolment, PoolMoney, YearMoney, year_money
from policies.rules.subsidies import SubsidyDecision, decide_subsidy
from policies.rules.waiting import NO_WAITING, WaitingPeriod
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
    cap: CapAdjustment = NO_CAP
    flags: set[str] = field(default_factory=set)
    steps: list[Step] = field(default_factory=list)
    reasons: dict[str, Note | str] = field(default_factory=dict)
    """Why a flag marks an unsupported situation (a code, or a note written when shown)."""

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


def _event_year(event: Event) -> int:
    """§8: the year an event belongs to: its coverage year, else the year of its date."""
    year = getattr(event, "coverage_year", None)
    return year if isinstance(year, int) else event.date.year


def judge_year(
    registry: PolicyRegistry, facts: PersonFacts, year: int, enrolled_before: Collection[int]
) -> YearOutcome:
    """The outcome of coverage ``year``; ``enrolled_before`` are the enrolled years before it
    (for breaks, EMP-bridge and incentives)."""
    money = year_money(registry, facts, year, frozenset(enrolled_before))
    if money.version is None:
        outcome = unsupported_year(facts, year, money)
    else:
        outcome = evaluate_year(money.version, facts, year, money, enrolled_before)
    if facts.after_death:
        late = [event for event in facts.after_death if _event_year(event) == year]
        if late:
            outcome.flags.add("after_death")
            outcome.steps.append(
                Step(
                    "DEATH",
                    Note("event_after_death", event_type=late[0].type, day=late[0].date),
                    late[0],
                )
            )
    if facts.status_losses and any(loss.date.year == year for loss in facts.status_losses):
        outcome.flags.add("status_lost")
    return outcome


def unsupported_year(facts: PersonFacts, year: int, money: YearMoney) -> YearOutcome:
    """No version for the year's region: payments recorded and counted for continuity (a
    payment stands there, I-enrolled), nothing computed (POLICY.md §1)."""
    region = money.region
    outcome = YearOutcome(year, None, region)
    outcome.paid = _sum(facts.contributions.get(year, []))
    outcome.refunded = _sum(facts.refunds.get(year, []))
    outcome.enrolled = money.enrolled_no_version
    outcome.flags.update(money.flags)
    # No version, no sources to cite: the year keeps the money walk's flags, not its rule steps
    # (POLICY.md "Citations"; the reasons say why nothing was computed).
    outcome.steps.extend(step for step in money.steps if step.rule.startswith("I-"))
    outcome.flags.add("policy_missing")
    if money.missing_reason == NOT_REGISTERED or region is None:
        outcome.reasons["policy_missing"] = Note("not_registered")  # the contract's code
    else:
        outcome.reasons["policy_missing"] = Note("no_policy_version", region=region, year=year)
    if facts.repairs.get(year):
        outcome.flags.add("repair_paid")
    return outcome


def evaluate_year(
    version: PolicyVersion,
    facts: PersonFacts,
    year: int,
    money: YearMoney,
    enrolled_before: Collection[int],
) -> YearOutcome:
    """The outcome of ``year`` judged under ``version``, from the year's money walk."""
    p = version.parameters
    region = money.region or ""
    outcome = YearOutcome(year, version, money.region)
    contributions = facts.contributions.get(year, [])
    outcome.paid = _sum(contributions)
    outcome.refunded = _sum(facts.refunds.get(year, []))
    outcome.flags.update(money.flags)
    if facts.repairs.get(year):
        outcome.flags.add("repair_paid")
        outcome.steps.append(
            Step(
                "WAIT-repair",
                Note("repair_no_coverage", year=year),
                facts.repairs[year][0],
            )
        )
    cont = money.continuity or continuity(year, enrolled_before, facts, p.continuity_count_from)
    pool = money.pool
    enrolments = pool.enrolments if pool is not None else []
    if not enrolments:
        _not_enrolled(outcome, version, facts, year, region, money)
        return outcome

    first = enrolments[0]
    decision = first.decision
    outcome.subsidy = decision
    outcome.flags.update(decision.flags)
    outcome.steps.extend(decision.steps)
    outcome.reasons.update(decision.reasons)
    for enrolment in enrolments:
        outcome.steps.extend(
            Step(rule, enrolment.candidate.note, enrolment.event)
            for rule in enrolment.candidate.rules
        )
        outcome.steps.extend(enrolment.waiting.steps)
    outcome.steps.extend(money.steps)
    outcome.waiting = first.waiting
    outcome.enrolled = True
    outcome.continuity = cont
    outcome.coverage = _coverage(outcome, version, facts, enrolments, year_end(year))
    outcome.steps.extend(_identity_changes(facts, year, first.paid))
    assert pool is not None
    _place(outcome, version, facts, pool, first)
    _overpaid(outcome, version, pool)
    if p.employee_start_ends_status and any(
        span.started_by is not None and span.start.year == year for span in facts.employee
    ):
        outcome.flags.add("status_lost")
    return outcome


def _not_enrolled(
    outcome: YearOutcome,
    version: PolicyVersion,
    facts: PersonFacts,
    year: int,
    region: str,
    money: YearMoney,
) -> None:
    pool = money.pool
    applied = [c for c in money.contributions if c.applied]
    decision = pool.last_decision if pool is not None else None
    if decision is None:
        day = applied[0].paid.date if applied else date(year, 1, 1)
        decision = decide_subsidy(version, facts, region, day)
    outcome.subsidy = decision
    outcome.steps.extend(decision.steps)
    outcome.flags.update(decision.flags)
    outcome.reasons.update(decision.reasons)
    outcome.steps.extend(money.steps)
    outcome.continuity = Continuity(0, 0, (), False)
    if pool is not None and pool.outside is not None:
        outcome.flags.add("paid_outside_window")
        outcome.steps.append(
            Step(
                "GEN-outside",
                Note("outside_every_window", day=pool.outside.date, year=year),
                pool.outside,
            )
        )
        return
    standing = pool.standing if pool is not None else ZERO
    refunded = pool is not None and pool.refunded
    if applied and standing < decision.individual_due and (standing > 0 or not refunded):
        outcome.flags.add("partial_payment")
        outcome.steps.append(
            Step(
                "SUB-due",
                Note("partial_payment", standing=standing, due=decision.individual_due),
                applied[-1].paid,
            )
        )


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
                        Note(
                            f"identity_{what}",
                            identity=span.identity,
                            day=day,
                            start=next_month_start(day),
                        ),
                        event,
                    )
                )
    return steps


def _coverage(
    outcome: YearOutcome,
    version: PolicyVersion,
    facts: PersonFacts,
    enrolments: Sequence[Enrolment],
    end: date,
) -> list[Segment]:
    """待遇享受期: each enrolment from its start to 31 December, or to the day before its
    status was lost (EMP-lost); cut at death (DEATH); while employee insurance is active
    resident coverage does not run (EMP-priority)."""
    segments: list[Segment] = []
    for enrolment in enrolments:
        last = end if enrolment.ends_on is None else min(end, enrolment.ends_on)
        if enrolment.start <= last:
            segments.append((enrolment.start, last))
    died_on = facts.died_on
    if died_on is not None and segments and died_on < segments[-1][1]:
        outcome.steps.append(Step("DEATH", Note("death_ends_coverage", day=died_on), facts.died))
        segments = [(first, min(last, died_on)) for first, last in segments if first <= died_on]
    if not segments:
        return []
    mode = version.parameters.employee_priority
    for span in facts.employee:
        overlapping = [(a, b) for a, b in segments if span.overlaps(a, b)]
        if not overlapping:
            continue
        outcome.flags.add("duplicate_enrolment")
        if mode == "end":
            # HY25 §一: coverage ends the day before; resumption has no source.
            stop_at = max(span.start, overlapping[0][0])
            segments = [
                (a, min(b, stop_at - timedelta(days=1))) for a, b in segments if a < stop_at
            ]
            note = Note("employee_priority_end", start=span.start)
        else:
            cut: list[Segment] = []
            for first, last in segments:
                if not span.overlaps(first, last):
                    cut.append((first, last))
                    continue
                if span.start > first:
                    cut.append((first, span.start - timedelta(days=1)))
                if span.stop is not None and span.stop < last:
                    cut.append((span.stop + timedelta(days=1), last))
            segments = cut
            note = (
                Note("employee_priority_open", start=span.start)
                if span.stop is None
                else Note("employee_priority_span", start=span.start, stop=span.stop)
            )
        outcome.steps.append(Step("EMP-priority", note, span.started_by or span.stopped_by))
    return segments


def _place(
    outcome: YearOutcome,
    version: PolicyVersion,
    facts: PersonFacts,
    pool: PoolMoney,
    enrolment: Enrolment,
) -> None:
    """PLACE-hukou: the year's pooling region must be that of the person's 户籍地 or of a
    residence permit (居住证) held on the enrolling payment's date."""
    p = version.parameters
    if not p.place_check or not facts.hukou:
        return  # no 户籍地 on record: nothing to compare
    day = enrolment.event.date
    if facts.holds("college_student", day):
        return
    age = facts.age_on(day)
    if p.place_exempt_under_age is not None and age is not None and age < p.place_exempt_under_age:
        return
    if (
        age is not None
        and age <= p.place_guardian_age
        and facts.born is not None
        and facts.born.guardian_id
    ):
        # The child may use its guardian's 户籍 or 居住证: another person's events, which a
        # per-person fold does not see. Unknown: not flagged.
        return
    hukou = facts.hukou_on(day)
    if hukou is None:
        return
    places = {pool_of(hukou), *(pool_of(region) for region in facts.permits_on(day))}
    if pool.pool in places:
        return
    outcome.flags.add("place_not_eligible")
    outcome.steps.append(
        Step(
            "PLACE-hukou",
            Note("place_not_eligible", region=pool.region, day=day, hukou=hukou),
            enrolment.event,
        )
    )


def _overpaid(outcome: YearOutcome, version: PolicyVersion, pool: PoolMoney) -> None:
    """OVER-paid (I-overpaid): the year's standing amount above the enrolling payment's
    individual due is flagged for review; repairs, other pools' payments (DUP-region) and, where
    the status lost forfeits it (EMP-lost), a spent payment do not count."""
    p = version.parameters
    enrolments = pool.enrolments
    if len(pool.contributions) == 1 and len(enrolments) == 1:
        only = pool.contributions[0]
        if only.standing > enrolments[0].decision.individual_due:
            _flag_overpaid(outcome, only.standing, enrolments[0].decision.individual_due)
        return
    counted = [c for c in pool.contributions if c.stands]
    if p.status_lost_forfeits_payment:
        counted = [c for c in counted if not c.spent]
        if pool.current is None:
            return
        due = pool.current.decision.individual_due
    else:
        due = enrolments[0].decision.individual_due
    standing = sum((c.standing for c in counted), ZERO)
    if standing > due:
        _flag_overpaid(outcome, standing, due)


def _flag_overpaid(outcome: YearOutcome, standing: Decimal, due: Decimal) -> None:
    outcome.flags.add("overpaid")
    outcome.steps.append(
        Step(
            "OVER-paid",
            Note("overpaid", standing=standing, year=outcome.year, due=due),
        )
    )


def attribute_claims(
    outcomes: Mapping[int, YearOutcome], facts: PersonFacts
) -> dict[int, list[Reimbursed]]:
    """INC-discharge: the claims each year counts (INC-zero, INC-reset): a claim counts for
    its ``year``, except when ``discharged_on`` falls in another year, both years are enrolled,
    both regions are in one pooling region and the discharge year's version settles by
    discharge year (出院时间当年度结算政策): then for the discharge year."""
    claims: dict[int, list[Reimbursed]] = {}
    for year, items in facts.claims.items():
        for claim in items:
            target = year
            discharged = claim.discharged_on
            if discharged is not None and discharged.year != year:
                other = outcomes.get(discharged.year)
                here = outcomes.get(year)
                if (
                    other is not None
                    and here is not None
                    and other.enrolled
                    and here.enrolled
                    and other.version is not None
                    and other.version.parameters.claims_by_discharge_year
                    and pool_of(other.region) == pool_of(here.region)
                ):
                    target = discharged.year
                    other.steps.append(
                        Step(
                            "INC-discharge",
                            Note(
                                "claim_discharged",
                                year=year,
                                day=discharged,
                                counts_for=discharged.year,
                            ),
                            claim,
                        )
                    )
            claims.setdefault(target, []).append(claim)
    return claims


def incentives_for(
    outcome: YearOutcome,
    facts: PersonFacts,
    enrolled: Collection[int],
    claims: Mapping[int, Sequence[Reimbursed]] | None = None,
) -> None:
    """Fill in the cap adjustment of an enrolled year once the enrolled years are known;
    ``claims`` by the year they count for (:func:`attribute_claims`)."""
    version = outcome.version
    if version is None or not outcome.enrolled or outcome.continuity is None:
        return
    p = version.parameters

    def consecutive(y: int) -> int:
        return continuity(y, enrolled, facts, p.continuity_count_from).consecutive_years

    outcome.cap = cap_adjustment(
        version,
        outcome.year,
        facts,
        enrolled,
        consecutive,
        outcome.continuity.break_years,
        facts.claims if claims is None else claims,
    )
    outcome.steps.extend(outcome.cap.steps)
    if p.incentives and p.bonus_ceiling is None and outcome.year >= p.continuity_count_from:
        outcome.flags.add("ceiling_unknown")
        outcome.reasons["ceiling_unknown"] = Note("ceiling_unknown", version=version.id)


__all__ = [
    "YearOutcome",
    "attribute_claims",
    "evaluate_year",
    "incentives_for",
    "judge_year",
    "unsupported_year",
]
