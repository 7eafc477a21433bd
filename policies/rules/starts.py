"""§3-4 When coverage can start after the payment that enrols a person (待遇享受期起点).

Each rule that fits the payment proposes a start; the earliest wins ("按有利于参保人员待遇享受
原则", POLICY.md §4). General rules (central window, late window, WAIT-hy25) may be subject to a
waiting period (§5); the special groups' own start rules are exempt (WAIT-fixed), except an
``EMP-stop`` payer for whom ``EMP-bridge`` does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from ledger.events import Paid
from policies.calendar import (
    add_months,
    first_birthday,
    last_day_within,
    month_start,
    next_day,
    next_month_start,
    year_end,
    year_start,
    years_before,
)
from policies.notes import Note
from policies.person import PersonFacts
from policies.rules.continuity import Continuity
from policies.rules.subsidies import eligible_identities, in_window
from policies.rules.waiting import NO_WAITING, WaitingPeriod, waiting_period
from policies.version import PolicyVersion

Waiting = Literal["none", "if_break", "always"]


@dataclass(slots=True)
class YearContext:
    """What a start rule may know besides the payment: the person, the coverage year and the
    years already found enrolled before it (I-enrolled, with or without a version)."""

    facts: PersonFacts
    year: int
    enrolled_before: frozenset[int]

    @property
    def enrolled_year_before(self) -> bool:
        return (self.year - 1) in self.enrolled_before


@dataclass(frozen=True)
class Candidate:
    """A start of coverage proposed by one rule.

    ``start`` is ``None`` for a rule whose start is the end of a waiting period (computed by
    :mod:`policies.rules.waiting`); ``waiting`` says when a waiting period applies: never
    (special groups), only after a break (central window), or always (a late payer)."""

    start: date | None
    rules: tuple[str, ...]
    note: Note
    waiting: Waiting = "none"


def _after(rule: str, paid_on: date) -> tuple[date, str]:
    if rule == "next_day":
        return next_day(paid_on), "I-next-day"
    return next_month_start(paid_on), "I-next-month"


def window_candidates(version: PolicyVersion, ctx: YearContext, paid: Paid) -> list[Candidate]:
    """The general rule: central window, late window, or (WAIT-hy25) in-year enrolment."""
    p = version.parameters
    facts = ctx.facts
    year = paid.coverage_year
    day = paid.date
    prefix = version.rule_prefix
    if in_window(day, p.central_window):
        return [
            Candidate(
                year_start(year),
                (f"{prefix}-central",),
                Note("central", day=day, start=year_start(year)),
                "if_break",
            )
        ]
    if in_window(day, p.late_window):
        allowed = p.late_window_identities
        holder = (
            None
            if allowed is None
            else next((i for i in sorted(allowed) if facts.holds(i, day)), None)
        )
        if allowed is None or holder is not None:
            rule = f"{prefix}-migrant" if holder == "migrant_worker" else f"{prefix}-late"
            if p.late_start == "waiting":
                return [Candidate(None, (rule,), Note("late_after_waiting", day=day), "always")]
            start, reading = _after(p.late_start, day)
            return [Candidate(start, (rule, reading), Note("late_from", day=day, start=start))]
    if p.outside_window_start == "waiting" and day <= year_end(year):
        # WAIT-hy25: GEN-outside has no source in HY25; under 38号 any payment for the year
        # outside the windows enrols after the waiting period (from 1 January when paid before)
        return [
            Candidate(
                None,
                ("WAIT-hy25",),
                Note("outside_after_waiting", day=day),
                "always",
            )
        ]
    return []


def newborn_candidates(version: PolicyVersion, ctx: YearContext, paid: Paid) -> list[Candidate]:
    """NB-90: newborns (新生儿) and, in Huaiyuan, children under one."""
    p = version.parameters
    facts = ctx.facts
    birth = facts.birth_date
    if facts.born is None or birth is None or paid.date < birth:
        return []
    year = paid.coverage_year
    day = paid.date
    within = day <= last_day_within(birth, p.newborn_days)  # I-days
    if p.newborn_eligibility == "under_one":
        eligible = birth.year in (year, year - 1) and day < first_birthday(birth)
    else:
        eligible = birth.year == year or (
            birth.year == year - 1 and (year_end(year - 1) - birth).days < p.newborn_days
        )
    # A birth-year payment within the 90 days may come after 31 December (year-end births).
    if not eligible or (day > year_end(year) and not (within and birth.year == year)):
        return []
    rules: tuple[str, ...] = ("NB-90", "I-days")
    if facts.died is not None:
        rules += ("NB-died",)
    if within:
        start = birth if birth.year == year else year_start(year)
        return [
            Candidate(
                start, rules, Note("newborn_within", birth=birth, day=day, days=p.newborn_days)
            )
        ]
    if birth.year == year or p.newborn_eligibility == "under_one":
        start, reading = _after(p.newborn_late_start, day)
        return [
            Candidate(
                max(start, year_start(year)),
                ("NB-90", reading),
                Note("newborn_after", birth=birth, day=day, days=p.newborn_days, start=start),
            )
        ]
    # Born at the end of the year before, paid for this year after the 90 days: AK22 gives
    # nothing (不能享受对应年度的医保待遇); the others fall back to the general rules.
    return []


def insured_two_years(facts: PersonFacts, stop: date, enrolled: frozenset[int], years: int) -> bool:
    """I-insured-2y: every day from the day after the same date ``years`` years before
    ``stop`` to ``stop`` lies in an enrolled resident year (all its days) or in an employee
    span (连续参保 of basic medical insurance, employee or resident: AK25 §五(六))."""
    day = next_day(years_before(stop, years))
    spans = sorted(facts.employee, key=lambda s: s.start)
    while day <= stop:
        if day.year in enrolled:
            day = year_start(day.year + 1)
            continue
        reach: date | None = None
        for span in spans:
            if span.start <= day and (span.stop is None or span.stop >= day):
                if span.stop is None:
                    return True
                reach = span.stop if reach is None else max(reach, span.stop)
        if reach is None:
            return False
        day = reach + timedelta(days=1)
    return True


def employee_stop_candidates(
    version: PolicyVersion, ctx: YearContext, paid: Paid
) -> list[Candidate]:
    """EMP-stop (职工医保断保) and EMP-bridge (待遇衔接).

    S is the latest ``employee_insurance_stopped`` on or before the payment (the last day of
    employee cover). EMP-stop: S in the coverage year, covered from the month after payment,
    no subsidy (SUB-window). EMP-bridge (versions with ``employee_bridge``): when I-insured-2y
    holds and the payment falls after S and within ``bridge_max_gap_months`` of it, no waiting
    period — from the month after payment, or, S before the coverage year, from the payment
    month (I-this-month); otherwise an EMP-stop payer waits the fixed + variable months from
    the payment day, and a payer whose S is before the year follows the general rules."""
    p = version.parameters
    facts = ctx.facts
    year = paid.coverage_year
    if not p.employee_stop or paid.date > year_end(year) or facts.employee_active_on(paid.date):
        return []
    span = facts.latest_stop_by(paid.date)
    if span is None or span.stop is None:
        return []
    stop = span.stop
    in_year = stop >= year_start(year)
    if p.employee_bridge:
        insured = insured_two_years(facts, stop, ctx.enrolled_before, p.bridge_min_insured_years)
        last_day = add_months(stop, p.bridge_max_gap_months)  # WAIT-start month arithmetic
        if insured and stop < paid.date <= last_day:
            if in_year:
                start = next_month_start(paid.date)
                rules: tuple[str, ...] = ("EMP-stop", "EMP-bridge", "I-insured-2y", "I-next-month")
            else:
                start = max(month_start(paid.date), year_start(year))
                rules = ("EMP-bridge", "I-insured-2y", "I-this-month")
            return [
                Candidate(
                    start,
                    rules,
                    Note(
                        "employee_bridge",
                        stop=stop,
                        paid=paid.date,
                        last_day=last_day,
                        start=start,
                    ),
                )
            ]
        if not in_year:
            return []
        why = (
            Note(
                "employee_not_bridge_insured",
                stop=stop,
                paid=paid.date,
                years=p.bridge_min_insured_years,
            )
            if not insured
            else Note("employee_not_bridge_late", stop=stop, paid=paid.date, last_day=last_day)
        )
        return [Candidate(None, ("EMP-stop",), why, "always")]
    if not in_year:
        return []
    start = next_month_start(paid.date)
    note = Note("employee_stop_from", stop=stop, paid=paid.date, start=start)
    return [Candidate(start, ("EMP-stop", "I-next-month"), note)]


def student_candidates(version: PolicyVersion, ctx: YearContext, paid: Paid) -> list[Candidate]:
    """STU (自缴费完成之日起, I-paid-on) and XA24-stu (new students from 2023-09-01)."""
    p = version.parameters
    facts = ctx.facts
    year = paid.coverage_year
    if p.student_start is None:
        return []  # no student start rule in the notice: students are general residents
    student = facts.holds("college_student", paid.date)
    if student is None or paid.date < p.central_window[0] or paid.date > year_end(year):
        return []
    start = max(paid.date, year_start(year))
    candidates = [
        Candidate(
            start,
            ("STU", "I-paid-on"),
            Note("student", paid=paid.date, start=start),
        )
    ]
    intake = p.new_student_intake
    if p.new_student_start is not None and paid.date >= p.new_student_start:
        new_student = intake is not None and intake[0] <= student.granted.date <= intake[1]
        if new_student or not ctx.enrolled_year_before:
            candidates.append(
                Candidate(
                    p.new_student_start,
                    ("XA24-stu",),
                    Note(
                        "new_student",
                        granted=student.granted.date,
                        paid=paid.date,
                        start=p.new_student_start,
                    ),
                )
            )
    return candidates


def special_candidates(version: PolicyVersion, ctx: YearContext, paid: Paid) -> list[Candidate]:
    """LATE-special (special persons joining in the year) and SUB-window (a subsidised person
    paying outside the central window: the full standard, from next month)."""
    p = version.parameters
    facts = ctx.facts
    year = paid.coverage_year
    day = paid.date
    if not (p.central_window[1] < day <= year_end(year)):
        return []
    candidates: list[Candidate] = []
    eligible, newly_recognised = eligible_identities(version, facts, day)
    held = facts.identities_on(day)
    special = [
        s
        for s in held
        if (
            s.identity in p.special_identities
            and (s.identity not in p.special_in_year_identities or s.recognized_on.year == year)
        )
        or (s.identity in p.special_late_reason_identities and paid.late_reason == "not_own_fault")
    ]
    if p.special_new_identities is not None:
        newly_recognised = [
            s
            for s in held
            if s.identity in p.special_new_identities and s.recognized_on > p.subsidy_cutoff
        ]
    if special or newly_recognised:
        who = (special or newly_recognised)[0]
        start, reading = _after(p.special_start, day)
        key = (
            "special_joined_not_own_fault"
            if paid.late_reason == "not_own_fault"
            else "special_joined"
        )
        candidates.append(
            Candidate(
                max(start, year_start(year)),
                ("LATE-special", reading),
                Note(
                    key,
                    identity=who.identity,
                    granted=who.granted.date,
                    recognized=who.recognized_on,
                    day=day,
                ),
            )
        )
    if eligible and p.subsidy_central_window_only:
        start = max(next_month_start(day), year_start(year))
        candidates.append(
            Candidate(
                start,
                ("SUB-window", "I-next-month"),
                Note(
                    "subsidised_outside_window", identity=eligible[0].identity, day=day, start=start
                ),
            )
        )
    return candidates


def candidates(version: PolicyVersion, ctx: YearContext, paid: Paid) -> list[Candidate]:
    """Every start rule that fits ``paid``, in the rule book's order."""
    return [
        *window_candidates(version, ctx, paid),
        *newborn_candidates(version, ctx, paid),
        *employee_stop_candidates(version, ctx, paid),
        *student_candidates(version, ctx, paid),
        *special_candidates(version, ctx, paid),
    ]


def choose_start(
    version: PolicyVersion, ctx: YearContext, paid: Paid, cont: Continuity
) -> tuple[Candidate, WaitingPeriod, date] | None:
    """The candidate giving the earliest coverage start (有利于参保人员), with its waiting
    period and start; ``None`` when no rule fits (GEN-outside)."""
    options: list[tuple[date, int, Candidate, WaitingPeriod]] = []
    for index, candidate in enumerate(candidates(version, ctx, paid)):
        waiting = NO_WAITING
        if candidate.waiting != "none":
            late = candidate.waiting == "always"
            waiting = waiting_period(
                version, ctx.facts, paid.coverage_year, paid.date, cont.break_year_list, late
            )
        start = waiting.coverage_start or candidate.start
        if start is None or start > year_end(paid.coverage_year):
            continue  # nothing of the coverage year: not an enrolment (I-enrolled)
        options.append((start, index, candidate, waiting))
    if not options:
        return None
    start, _, candidate, waiting = min(options, key=lambda o: (o[0], o[1]))
    return candidate, waiting, start
