"""The year's money: I-year-region, I-enrolled, DUP-region, §7 refunds, EMP-lost, §8 deaths.

One walk over a coverage year's contributions, refunds and status losses in I-order decides,
for every pooling region (统筹区, I-pool) the person paid into:

- what stands of each payment: a ``refunded`` undoes standing contributions — of its
  ``region``'s pool when it names one; for ``other_region``, of a pool other than the person's
  on the refund date; otherwise of any — earliest first for ``other_region`` and
  ``wrong_region``, latest first for the other reasons. A refund dated on or after the
  coverage start a pool's payments gave cannot take it below its due (REF-before,
  ``refund_after_start``; REF-ak22 also from the day after the central window; a
  ``wrong_region`` refund under REF-wrong-region whatever its date); a refund larger than what
  stands is applied up to it (``refund_exceeds_paid``, §8);
- when the pool's standing amount reaches the individual due (SUB-due, decided at that
  payment): the enrolment and its start (:func:`~policies.rules.starts.choose_start`); a refund
  before the start that leaves less than the due undoes it (I-enrolled);
- EMP-lost: a status loss dated in the year ends the enrolment on the day before; a later
  payment is a new enrolment;
- §8: a payment or refund dated after the death is not applied (``after_death``), except a
  refund for death and a newborn's payment within 90 days of birth (NB-died).

Then the year's region (I-year-region) is that of the pool that reaches its due first; when
two do, DUP-region decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from ledger.events import EmployeeInsuranceStarted, Event, Paid, Refunded, ResidentStatusLost
from policies.calendar import last_day_within, next_day, year_start
from policies.notes import Note
from policies.order import event_order
from policies.person import PersonFacts, pool_of
from policies.registry import PolicyRegistry
from policies.rules import Step
from policies.rules.continuity import Continuity, continuity
from policies.rules.starts import Candidate, YearContext, choose_start
from policies.rules.subsidies import SubsidyDecision, decide_subsidy
from policies.rules.waiting import WaitingPeriod
from policies.version import PolicyVersion

ZERO = Decimal("0.00")
NOT_REGISTERED = "not_registered"
"""The ``policy_missing`` reason of a year whose payments carry no region while the person has
no ``registered`` or ``born`` event (I-order)."""


@dataclass(eq=False, slots=True)
class Contribution:
    """One ``paid`` (contribution) for the year, and what of it still stands."""

    paid: Paid
    region: str | None
    pool: str | None
    version: PolicyVersion | None = None
    """The version of ``region`` for the year."""
    applied: bool = True
    """§8: ``False`` for a payment dated after the death (not NB-died)."""
    undone: Decimal = ZERO
    cancelled: bool = False
    """Undone in full by refunds."""
    spent: bool = False
    """Its enrolment ended under EMP-lost (the status it bought is gone)."""

    @property
    def standing(self) -> Decimal:
        if not self.applied or self.cancelled:
            return ZERO
        return self.paid.amount - self.undone

    @property
    def stands(self) -> bool:
        return self.applied and not self.cancelled


@dataclass(eq=False, slots=True)
class Enrolment:
    """A pool's payments reached the individual due at ``event`` and a start rule fits."""

    version: PolicyVersion
    event: Paid
    """The enrolling payment as recorded."""
    paid: Paid
    """The same, re-dated to the first payment's date under REF-wrong-region."""
    decision: SubsidyDecision
    candidate: Candidate
    waiting: WaitingPeriod
    start: date
    deadline: date
    """Refunds dated on or after it cannot take the pool below its due (REF-before/REF-ak22)."""
    ends_on: date | None = None
    """EMP-lost: the last day of the status (the day before the loss)."""
    ended_by: Event | None = None


@dataclass(eq=False, slots=True)
class PoolMoney:
    """The money of one pooling region (I-pool) for the year."""

    pool: str | None
    region: str | None
    """The region of the pool's first payment (of its reaching payment once it reaches)."""
    version: PolicyVersion | None = None
    has_version: bool = False
    """Some payment of the pool is in a region with a version for the year."""
    contributions: list[Contribution] = field(default_factory=list)
    epoch: list[Contribution] = field(default_factory=list)
    """The payments since the last EMP-lost (a later payment is a new enrolment)."""
    running: Decimal = ZERO
    """What stands of ``epoch``."""
    reached: Contribution | None = None
    """I-year-region: the payment at which the standing amount reached the due."""
    reached_due: Decimal = ZERO
    current: Enrolment | None = None
    ended: list[Enrolment] = field(default_factory=list)
    outside: Paid | None = None
    """A payment that reached the due when no start rule fitted (GEN-outside)."""
    last_decision: SubsidyDecision | None = None
    refunded: bool = False
    """A refund undid some of its money."""

    @property
    def enrolments(self) -> list[Enrolment]:
        return [*self.ended, *([self.current] if self.current else [])]

    @property
    def standing(self) -> Decimal:
        return sum((c.standing for c in self.contributions), ZERO)

    def first_standing(self) -> Contribution | None:
        for contribution in self.contributions:
            if contribution.applied and not contribution.cancelled:
                return contribution
        return None


def _refund_rule(version: PolicyVersion | None) -> str:
    if version is not None and version.parameters.refund_deadline == "central_window_end":
        return "REF-ak22"
    return "REF-before"


class YearMoney:
    """One coverage year's money walk (see the module docstring) and what it decided: the
    year's ``region``, its ``version`` and the ``pool`` judged."""

    region: str | None
    version: PolicyVersion | None
    pool: PoolMoney | None
    enrolled_no_version: bool
    """I-enrolled for a region without a version: a payment stands there."""
    missing_reason: str | None
    continuity: Continuity | None
    """I-break of the year under ``version`` (computed once for the walk)."""

    def __init__(
        self, registry: PolicyRegistry, facts: PersonFacts, year: int, enrolled: frozenset[int]
    ) -> None:
        self.registry = registry
        self.facts = facts
        self.year = year
        self.ctx = YearContext(facts, year, enrolled)
        self.pools: dict[str | None, PoolMoney] = {}
        self.contributions: list[Contribution] = []
        self.flags: set[str] = set()
        self.steps: list[Step] = []
        self.wrong_region_first: date | None = None
        self._continuity: dict[int, Continuity] = {}
        self.region = self.version = self.pool = self.continuity = self.missing_reason = None
        self.enrolled_no_version = False

    # ------------------------------------------------------------ helpers

    def version_for(self, region: str | None) -> PolicyVersion | None:
        return self.registry.find(region, self.year) if region else None

    def continuity_for(self, version: PolicyVersion) -> Continuity:
        count_from = version.parameters.continuity_count_from
        found = self._continuity.get(count_from) if self._continuity else None
        if found is None:
            found = continuity(self.year, self.ctx.enrolled_before, self.facts, count_from)
            self._continuity[count_from] = found
        return found

    def _applies_after_death(self, paid: Paid, version: PolicyVersion | None) -> bool:
        """§8 / NB-died: a newborn's payment within 90 days of birth still applies."""
        born = self.facts.born
        if version is None or born is None:
            return False
        return paid.date <= last_day_within(born.date, version.parameters.newborn_days)

    # ------------------------------------------------------------ the walk

    def run(self) -> None:
        facts, year = self.facts, self.year
        items: list[Event] = [*facts.contributions.get(year, ()), *facts.refunds.get(year, ())]
        if facts.status_losses or facts.employee:
            items.extend(facts.losses_in(year))
        if len(items) > 1:
            items.sort(key=event_order)
        for item in items:
            if isinstance(item, Paid):
                self.pay(item)
            elif isinstance(item, Refunded):
                self.refund(item)
            elif isinstance(item, ResidentStatusLost | EmployeeInsuranceStarted):
                self.lose_status(item)

    def pay(self, paid: Paid) -> None:
        region = self.facts.payment_region(paid)
        version = self.version_for(region)
        contribution = Contribution(paid, region, pool_of(region), version)
        self.contributions.append(contribution)
        died = self.facts.died
        if (
            died is not None
            and paid.date > died.date
            and not self._applies_after_death(paid, version)
        ):
            contribution.applied = False
            self.flags.add("after_death")
            self.steps.append(Step("DEATH", Note("paid_after_death", day=paid.date), paid))
            return
        pool = self.pools.get(contribution.pool)
        if pool is None:
            pool = self.pools[contribution.pool] = PoolMoney(contribution.pool, region)
        pool.has_version = pool.has_version or version is not None
        pool.contributions.append(contribution)
        pool.epoch.append(contribution)
        pool.running += paid.amount
        if pool.current is not None:
            return
        if version is None:
            pool.version = None
            pool.region = pool.region or region
            return
        pool.version = version
        dated = paid
        first = self.wrong_region_first
        if first is not None and version.parameters.wrong_region_first_date and first < paid.date:
            dated = paid.model_copy(update={"date": first})
            self.steps.append(
                Step(
                    "REF-wrong-region",
                    Note("repaid_after_wrong_region", day=paid.date, first=first),
                    paid,
                )
            )
        decision = decide_subsidy(version, self.facts, region or "", dated.date)
        pool.last_decision = decision
        due = decision.individual_due
        if pool.running < due:
            return
        if pool.reached is None:
            pool.reached = contribution
            pool.reached_due = due
            pool.region = region
        chosen = choose_start(version, self.ctx, dated, self.continuity_for(version))
        if chosen is None:
            pool.outside = pool.outside or paid
            return
        candidate, waiting, start = chosen
        deadline = start
        p = version.parameters
        if p.refund_deadline == "central_window_end":
            deadline = min(deadline, next_day(p.central_window[1]))
        pool.current = Enrolment(
            version, paid, dated, decision, candidate, waiting, start, deadline
        )

    def refund(self, refund: Refunded) -> None:
        facts = self.facts
        if facts.is_after_death(refund) and refund.reason != "death":
            self.flags.add("after_death")
            self.steps.append(
                Step(
                    "DEATH",
                    Note("refund_after_death", amount=refund.amount, day=refund.date),
                    refund,
                )
            )
            return
        if refund.region is not None:
            target = pool_of(refund.region)
            eligible = [c for c in self.contributions if c.stands and c.pool == target]
        elif refund.reason == "other_region":
            home = pool_of(facts.region_on(refund.date))
            eligible = [c for c in self.contributions if c.stands and c.pool != home]
        else:
            eligible = [c for c in self.contributions if c.stands]
        if refund.reason not in ("other_region", "wrong_region"):
            eligible.reverse()  # latest first
        rule = _refund_rule(self.pools[eligible[0].pool].version if eligible else None)
        available = sum((c.standing for c in eligible), ZERO)
        if refund.amount > available:
            self.flags.add("refund_exceeds_paid")
            self.steps.append(
                Step(
                    rule,
                    Note(
                        "refund_exceeds",
                        amount=refund.amount,
                        refund_reason=refund.reason,
                        available=available,
                    ),
                    refund,
                )
            )
        remaining = refund.amount
        blocked = False
        touched: list[PoolMoney] = []
        for contribution in eligible:
            if remaining <= 0:
                break
            pool = self.pools[contribution.pool]
            cap = contribution.standing
            enrolment = self._protecting(pool, contribution, refund)
            if enrolment is not None:
                blocked = True
                in_epoch = pool.current is enrolment
                excess = max(pool.running - enrolment.decision.individual_due, ZERO)
                cap = min(cap, excess) if in_epoch else ZERO
            undo = min(remaining, cap)
            if undo <= 0:
                continue
            remaining -= undo
            if undo == contribution.standing:
                contribution.cancelled = True
            contribution.undone += undo
            if contribution in pool.epoch:
                pool.running -= undo
            pool.refunded = True
            if pool not in touched:
                touched.append(pool)
            if refund.reason == "wrong_region":
                first = self.wrong_region_first
                day = contribution.paid.date
                self.wrong_region_first = day if first is None else min(first, day)
        if blocked:
            self.flags.add("refund_after_start")
            self.steps.append(
                Step(
                    rule,
                    Note(
                        "refund_after_start",
                        amount=refund.amount,
                        refund_reason=refund.reason,
                        day=refund.date,
                    ),
                    refund,
                )
            )
        elif remaining < refund.amount:
            self.steps.append(
                Step(
                    rule,
                    Note(
                        "refund",
                        amount=refund.amount - remaining,
                        refund_reason=refund.reason,
                        day=refund.date,
                    ),
                    refund,
                )
            )
        for pool in touched:
            self._after_refund(pool, refund)

    def _protecting(
        self, pool: PoolMoney, contribution: Contribution, refund: Refunded
    ) -> Enrolment | None:
        """The enrolment whose start has come that keeps ``contribution`` from the refund."""
        died_on = self.facts.died_on
        for enrolment in pool.enrolments:
            if refund.date < enrolment.deadline:
                continue
            if died_on is not None and died_on < enrolment.start:
                continue  # died before the benefit period began: it never started
            if (
                refund.reason == "wrong_region"
                and enrolment.version.parameters.wrong_region_first_date
            ):
                continue  # REF-wrong-region: refunded there whatever its date
            if enrolment is pool.current and contribution in pool.epoch:
                return enrolment
            if enrolment is not pool.current and contribution.spent:
                return enrolment
        return None

    def _after_refund(self, pool: PoolMoney, refund: Refunded) -> None:
        current = pool.current
        if current is not None and pool.running < current.decision.individual_due:
            self.steps.append(
                Step(
                    _refund_rule(pool.version),
                    Note(
                        "enrolment_undone",
                        start=current.start,
                        standing=pool.running,
                        due=current.decision.individual_due,
                    ),
                    refund,
                )
            )
            pool.current = None
        if pool.reached is not None and pool.running < pool.reached_due and not pool.ended:
            pool.reached = None

    def lose_status(self, event: ResidentStatusLost | EmployeeInsuranceStarted) -> None:
        """EMP-lost: the enrolment in force ends on the day before the loss."""
        for pool in self.pools.values():
            current = pool.current
            if current is None:
                continue
            p = current.version.parameters
            if isinstance(event, ResidentStatusLost):
                if event.reason not in p.status_lost_reasons:
                    continue
                what = Note("status_lost", loss_reason=event.reason, day=event.date)
            else:
                if not p.employee_start_ends_status:
                    continue
                what = Note("employee_started", day=event.date)
            current.ends_on = event.date - timedelta(days=1)
            current.ended_by = event
            self.steps.append(
                Step(
                    "EMP-lost",
                    Note("enrolment_ended", what=what, year=self.year, ends=current.ends_on),
                    event,
                )
            )
            for contribution in pool.epoch:
                contribution.spent = True
            pool.ended.append(current)
            pool.current = None
            pool.epoch = []
            pool.running = ZERO

    # ------------------------------------------------------------ the year's region

    def reached_pools(self) -> list[PoolMoney]:
        """Pools whose standing amount reached the due (a pool without a version: whose
        first payment stands)."""
        return [
            pool
            for pool in self.pools.values()
            if pool.reached is not None
            or (not pool.has_version and pool.first_standing() is not None)
        ]

    def reach_point(self, pool: PoolMoney) -> Contribution:
        if pool.reached is not None:
            return pool.reached
        first = pool.first_standing()
        assert first is not None
        return first

    def decide(self) -> None:
        if len(self.pools) == 1:
            only = next(iter(self.pools.values()))
            single = only.reached is not None or (
                not only.has_version and only.first_standing() is not None
            )
            reached = [only] if single else []
        else:
            reached = self.reached_pools()
        if not reached:
            self._unreached()
        else:
            chosen = reached[0] if len(reached) == 1 else self._duplicate(reached)
            point = self.reach_point(chosen)
            self.region = point.region
            self.version = point.version if chosen.reached is not None else None
            self.pool = chosen
            if self.version is None:
                self.enrolled_no_version = True
                self.missing_reason = None if self.region else NOT_REGISTERED
        if self.version is not None:
            self.continuity = self.continuity_for(self.version)

    def _unreached(self) -> None:
        applied = [c for c in self.contributions if c.applied]
        if applied:
            first = applied[0]
            pool = self.pools[first.pool]
            region = first.region
        else:
            pool = None
            region = self.facts.region_on(year_start(self.year)) if self.facts.registered else None
            if region is None and self.contributions:
                region = self.contributions[0].region
        self.region, self.version, self.pool = region, self.version_for(region), pool
        if self.version is None and region is None:
            self.missing_reason = NOT_REGISTERED

    def _duplicate(self, reached: list[PoolMoney]) -> PoolMoney:
        """DUP-region: contributions reaching their due in two pooling regions."""
        self.flags.add("duplicate_enrolment")
        priorities = {
            rule
            for pool in reached
            if pool.version is not None
            for rule in pool.version.parameters.duplicate_priority
        }
        standing = sorted(
            (c for pool in reached for c in pool.contributions if c.stands),
            key=lambda c: (c.paid.date, c.paid.event_id),
        )
        by_pool = {pool.pool: pool for pool in reached}
        names = tuple(sorted(str(pool.pool) for pool in reached))
        if "college_student" in priorities:
            student = next(
                (c for c in standing if self.facts.holds("college_student", c.paid.date)), None
            )
            if student is not None:
                self.steps.append(
                    Step(
                        "DUP-region",
                        Note("duplicate_student", pools=names, day=student.paid.date),
                        student.paid,
                    )
                )
                return by_pool[student.pool]
        if "residence" in priorities and standing:
            day = max(year_start(self.year), standing[0].paid.date)
            home = pool_of(self.facts.region_on(day)) if self.facts.registered else None
            if home in by_pool:
                self.steps.append(
                    Step(
                        "DUP-region",
                        Note("duplicate_residence", pools=names, home=home, day=day),
                    )
                )
                return by_pool[home]
        first = standing[0]
        self.steps.append(
            Step(
                "DUP-region",
                Note("duplicate_first", pools=names, day=first.paid.date),
                first.paid,
            )
        )
        return by_pool[first.pool]


def year_money(
    registry: PolicyRegistry, facts: PersonFacts, year: int, enrolled_before: frozenset[int]
) -> YearMoney:
    """Walk the money of ``year`` and decide its region (I-year-region, DUP-region)."""
    money = YearMoney(registry, facts, year, enrolled_before)
    money.run()
    money.decide()
    return money


__all__ = [
    "NOT_REGISTERED",
    "Contribution",
    "Enrolment",
    "PoolMoney",
    "YearMoney",
    "year_money",
]
