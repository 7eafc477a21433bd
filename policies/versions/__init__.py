"""The built-in policy versions, one module each (POLICY.md §1).

Each module holds the version's parameters as data, every value beside its citation, and
builds a :class:`~policies.version.PolicyVersion` with :func:`build`.
"""

from __future__ import annotations

from typing import Any

from policies.parameters import Parameters
from policies.version import PolicyVersion

Cited = tuple[Any, str]
"""``(value, citation)``: a parameter value and the notice and section it comes from."""


BEFORE_2025: dict[str, Cited] = {
    "waiting_periods": (False, "国办发〔2024〕38号: waiting periods from coverage year 2025"),
    "fixed_waiting_months": (3, "not applicable before 2025"),
    "variable_months_per_break_year": (1, "not applicable before 2025"),
    "waiting_floor_break_years": (4, "not applicable before 2025"),
    "waiting_floor_months": (6, "not applicable before 2025"),
    "incentives": (False, "incentives count from coverage year 2025 (AK25 §四(二)4(6))"),
    "continuity_count_from": (2025, "AK25 §四(二)4(6) 自2025年起"),
    "incentive_step": ("3000.00", "not applicable before 2025"),
    "continuity_bonus_from_year": (5, "not applicable before 2025"),
    "break_penalty": ("0.00", "not applicable before 2025"),
    "bonus_ceiling": (None, "not applicable before 2025"),
}
"""Waiting periods and cap incentives start with coverage year 2025 (国办发〔2024〕38号, AK25
§四(二)4(6)): the same values for every earlier version."""


def build(
    *,
    id: str,
    region: str,
    coverage_year: int,
    revision: int,
    source: str,
    rule_prefix: str,
    parameters: dict[str, Cited],
    rule_citations: dict[str, str] | None = None,
    base: PolicyVersion | None = None,
) -> PolicyVersion:
    """A version from cited parameters; with ``base``, unlisted parameters are inherited."""
    values: dict[str, Any] = base.parameters.model_dump() if base else {}
    citations: dict[str, str] = dict(base.citations) if base else {}
    for key, (value, citation) in parameters.items():
        values[key] = value
        citations[key] = citation
    return PolicyVersion(
        id=id,
        region=region,
        coverage_year=coverage_year,
        revision=revision,
        source=source,
        rule_prefix=rule_prefix,
        parameters=Parameters.model_validate(values),
        citations=citations,
        rule_citations={**(base.rule_citations if base else {}), **(rule_citations or {})},
        extends=base.id if base else None,
    )
