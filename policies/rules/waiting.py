"""§5 Waiting periods (待遇等待期), from coverage year 2025 (国办发〔2024〕38号, AK25 §四(二)4(7)).

WAIT-fixed 3 months for a late payer or a re-enrolment after a break; WAIT-var one more month
per break year beyond the first; WAIT-repair one month less per break year paid back (缴费修复);
WAIT-floor at least 6 months when the break lasted 4+ years; WAIT-start from the payment day
(or 1 January when paid before the year), same day of month N months later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from policies.calendar import add_months, year_start
from policies.notes import Note
from policies.person import PersonFacts
from policies.rules import Step
from policies.version import PolicyVersion


@dataclass(frozen=True)
class WaitingPeriod:
    fixed_months: int = 0
    variable_months: int = 0
    """Before repair."""
    repaired_months: int = 0
    starts_on: date | None = None
    coverage_start: date | None = None
    steps: tuple[Step, ...] = ()

    @property
    def total_months(self) -> int:
        return self.fixed_months + self.variable_months - self.repaired_months

    def to_dict(self) -> dict[str, int]:
        return {
            "fixed_months": self.fixed_months,
            "variable_months": self.variable_months,
            "repaired_months": self.repaired_months,
            "total_months": self.total_months,
        }


NO_WAITING = WaitingPeriod()


def repaired_years(
    version: PolicyVersion, facts: PersonFacts, break_years: tuple[int, ...], by: date
) -> list[int]:
    """WAIT-repair: break years paid back on or before ``by`` (the waiting period's first
    day), each at least the individual standard of the version being enrolled."""
    price = version.parameters.individual_standard
    repaired = []
    for year in break_years:
        paid = sum((p.amount for p in facts.repairs.get(year, []) if p.date <= by), Decimal("0"))
        refunded = sum((r.amount for r in facts.refunds.get(year, [])), Decimal("0"))
        if paid - refunded >= price:
            repaired.append(year)
    return repaired


def waiting_period(
    version: PolicyVersion,
    facts: PersonFacts,
    year: int,
    paid_on: date,
    break_years: tuple[int, ...],
    late: bool,
) -> WaitingPeriod:
    """The waiting period of an enrolment paid on ``paid_on`` (``late``: not in the central
    window), or :data:`NO_WAITING` when none applies."""
    p = version.parameters
    if not p.waiting_periods or not (late or break_years):
        return NO_WAITING
    steps = []
    fixed = p.fixed_waiting_months
    steps.append(
        Step(
            "WAIT-fixed",
            Note("waiting_fixed_late", months=fixed)
            if late
            else Note(
                "waiting_fixed_break",
                months=fixed,
                count=len(break_years),
                years=tuple(break_years),
            ),
        )
    )
    variable = max(len(break_years) - 1, 0) * p.variable_months_per_break_year
    if variable:
        steps.append(Step("WAIT-var", Note("waiting_variable", months=variable)))
    starts_on = max(paid_on, year_start(year))
    repaired = repaired_years(version, facts, break_years, starts_on)
    repaired_months = min(variable, len(repaired) * p.variable_months_per_break_year)
    if repaired_months:
        steps.append(
            Step(
                "WAIT-repair",
                Note("waiting_repaired", months=repaired_months, years=tuple(repaired)),
            )
        )
    total = fixed + variable - repaired_months
    if len(break_years) >= p.waiting_floor_break_years and total < p.waiting_floor_months:
        # WAIT-floor: a break of 4+ years keeps at least 6 months after repair.
        repaired_months -= p.waiting_floor_months - total
        steps.append(
            Step(
                "WAIT-floor",
                Note("waiting_floor", count=len(break_years), months=p.waiting_floor_months),
            )
        )
    waiting = WaitingPeriod(fixed, variable, repaired_months, starts_on)
    coverage_start = add_months(starts_on, waiting.total_months)
    steps.append(
        Step(
            "WAIT-start",
            Note(
                "waiting_start",
                months=waiting.total_months,
                starts=starts_on,
                start=coverage_start,
            ),
        )
    )
    return WaitingPeriod(fixed, variable, repaired_months, starts_on, coverage_start, tuple(steps))
