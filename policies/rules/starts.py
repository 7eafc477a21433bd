"""§3-4 When coverage can start after the payment that enrols a person (待遇享受期起点).

Each rule that fits the payment proposes a start; the earliest wins ("按有利于参保人员待遇享受
原则", POLICY.md §4). General rules (central window, late window, WAIT-hy25) may be subject to a
waiting period (§5); the special groups' own start rules are exempt (WAIT-fixed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from ledger.events import Paid
from policies.calendar import (
    add_months,
    first_birthday,
    last_day_within,
    next_day,
    next_month_start,
    year_end,
    year_start,
)
from policies.person import PersonFacts
from policies.rules.subsidies import eligible_identities, in_window
from policies.version import PolicyVersion

Waiting = Literal["none", "if_break", "always"]


@dataclass(frozen=True)
class Candidate:
    """A start of coverage proposed by one rule.

    ``start`` is ``None`` for a rule whose start is the end of a waiting period (computed by
    :mod:`policies.rules.waiting`); ``waiting`` says when a waiting period applies: never
    (special groups), only after a break (central window), or always (a late payer)."""

    start: date | None
    rules: tuple[str, ...]
    note: str
    waiting: Waiting = "none"


def _after(rule: str, paid_on: date) -> tuple[date, str]:
    if rule == "next_day":
        return next_day(paid_on), "I-next-day"
    return next_month_start(paid_on), "I-next-month"


def window_candidates(version: PolicyVersion, facts: PersonFacts, paid: Paid) -> list[Candidate]:
    """The general rule: central window, late window, or (WAIT-hy25) in-year enrolment."""
    p = version.parameters
    year = paid.coverage_year
    day = paid.date
    prefix = version.rule_prefix
    if in_window(day, p.central_window):
        return [
            Candidate(
                year_start(year),
                (f"{prefix}-central",),
                f"paid {day} in the central window: covered from {year_start(year)}",
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
                return [
                    Candidate(
                        None, (rule,), f"paid {day} in the late window: after waiting", "always"
                    )
                ]
            start, reading = _after(p.late_start, day)
            return [
                Candidate(start, (rule, reading), f"paid {day} in the late window: from {start}")
            ]
    if p.outside_window_start == "waiting" and p.central_window[1] < day <= year_end(year):
        return [
            Candidate(
                None,
                ("WAIT-hy25",),
                f"paid {day} in the coverage year outside the windows: after waiting",
                "always",
            )
        ]
    return []


def newborn_candidates(version: PolicyVersion, facts: PersonFacts, paid: Paid) -> list[Candidate]:
    """NB-90: newborns (新生儿) and, in Huaiyuan, children under one."""
    p = version.parameters
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
        return [Candidate(start, rules, f"born {birth}, paid {day} within {p.newborn_days} days")]
    if birth.year == year or p.newborn_eligibility == "under_one":
        start, reading = _after(p.newborn_late_start, day)
        return [
            Candidate(
                max(start, year_start(year)),
                ("NB-90", reading),
                f"born {birth}, paid {day} after {p.newborn_days} days: from {start}",
            )
        ]
    # Born at the end of the year before, paid for this year after the 90 days: AK22 gives
    # nothing (不能享受对应年度的医保待遇); the others fall back to the general rules.
    return []


def employee_stop_candidates(
    version: PolicyVersion, facts: PersonFacts, paid: Paid
) -> list[Candidate]:
    """EMP-stop (职工医保断保) and EMP-bridge: pay in the year, covered from next month."""
    p = version.parameters
    year = paid.coverage_year
    if not p.employee_stop or paid.date > year_end(year):
        return []
    stops = facts.employee_stops_between(p.central_window[0], paid.date)
    if not stops or facts.employee_active_on(paid.date):
        return []
    stop = stops[-1]
    start = max(next_month_start(paid.date), year_start(year))
    rules: tuple[str, ...] = ("EMP-stop", "I-next-month")
    note = f"employee insurance stopped {stop.stop}, paid {paid.date}"
    waiting: Waiting = "none"
    if p.employee_bridge:
        # EMP-bridge (AK25 §五(六)): no waiting period only for a person insured 2+ consecutive
        # years who pays within 3 months of the stop; the notice wins over POLICY.md's wider
        # exemption (see docs/policies.md).
        assert stop.stop is not None
        insured_long = stop.start == date.min or add_months(
            stop.start, 12 * p.bridge_min_insured_years
        ) <= next_day(stop.stop)
        if insured_long and paid.date <= add_months(stop.stop, p.bridge_max_gap_months):
            rules += ("EMP-bridge",)
        else:
            waiting = "always"
            note += (
                f": not a bridge (needs {p.bridge_min_insured_years} insured years and payment "
                f"within {p.bridge_max_gap_months} months)"
            )
    return [Candidate(start, rules, note, waiting)]


def student_candidates(
    version: PolicyVersion, facts: PersonFacts, paid: Paid, enrolled_year_before: bool
) -> list[Candidate]:
    """STU (自缴费完成之日起) and XA24-stu (new students from 2023-09-01)."""
    p = version.parameters
    year = paid.coverage_year
    student = facts.holds("college_student", paid.date)
    if student is None or paid.date < p.central_window[0] or paid.date > year_end(year):
        return []
    candidates = [
        Candidate(
            max(paid.date, year_start(year)),
            ("STU", "I-paid-on"),
            f"college student paid {paid.date}: covered from the payment date",
        )
    ]
    intake = p.new_student_intake
    if p.new_student_start is not None and paid.date >= p.new_student_start:
        new_student = intake is not None and intake[0] <= student.granted.date <= intake[1]
        if new_student or not enrolled_year_before:
            candidates.append(
                Candidate(
                    p.new_student_start,
                    ("XA24-stu",),
                    f"new student (identity from {student.granted.date}) paid {paid.date}: "
                    f"covered from {p.new_student_start}",
                )
            )
    return candidates


def special_candidates(version: PolicyVersion, facts: PersonFacts, paid: Paid) -> list[Candidate]:
    """LATE-special (special persons joining in the year) and SUB-window (a subsidised person
    paying outside the central window: the full standard, from next month)."""
    p = version.parameters
    year = paid.coverage_year
    day = paid.date
    if not (p.central_window[1] < day <= year_end(year)):
        return []
    candidates: list[Candidate] = []
    eligible, newly_recognised = eligible_identities(version, facts, day)
    special = [s for s in facts.identities_on(day) if s.identity in p.special_identities]
    if special or newly_recognised:
        who = (special or newly_recognised)[0]
        start, reading = _after(p.special_start, day)
        candidates.append(
            Candidate(
                max(start, year_start(year)),
                ("LATE-special", reading),
                f"{who.identity} (from {who.granted.date}) joined in the year, paid {day}",
            )
        )
    if eligible:
        start = max(next_month_start(day), year_start(year))
        candidates.append(
            Candidate(
                start,
                ("SUB-window", "I-next-month"),
                f"{eligible[0].identity} paid {day} outside the central window: full standard, "
                f"from {start}",
            )
        )
    return candidates
