"""The built-in policy versions, one module each (POLICY.md §1).

Each module holds the version's parameters as data, every value beside its citation, and
builds a :class:`~policies.version.PolicyVersion` with :func:`build`. Citations follow
:mod:`policies.clauses`: a section of one of the version's ``sources``, a reading id, or
``(no such rule)`` for a parameter that switches off a rule the version's notice does not state
(written bare here, it is completed with the version's notice).
"""

from __future__ import annotations

from typing import Any

from policies.clauses import NO_SUCH_RULE
from policies.parameters import Parameters
from policies.version import PolicyVersion

Cited = tuple[Any, str]
"""``(value, citation)``: a parameter value and the notice and section it comes from."""


BEFORE_2025: dict[str, Cited] = {
    "waiting_periods": (False, NO_SUCH_RULE),
    "fixed_waiting_months": (3, NO_SUCH_RULE),
    "variable_months_per_break_year": (1, NO_SUCH_RULE),
    "waiting_floor_break_years": (4, NO_SUCH_RULE),
    "waiting_floor_months": (6, NO_SUCH_RULE),
    "incentives": (False, NO_SUCH_RULE),
    "continuity_count_from": (2025, NO_SUCH_RULE),
    "incentive_step": ("3000.00", NO_SUCH_RULE),
    "continuity_bonus_from_year": (5, NO_SUCH_RULE),
    "break_penalty": ("0.00", NO_SUCH_RULE),
    "bonus_ceiling": (None, NO_SUCH_RULE),
}
"""Waiting periods and cap incentives start with coverage year 2025 (国办发〔2024〕38号, AK25
§四(二)4(6)): the same values for every earlier version, whose notices have no such rule."""


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
    sources: tuple[str, ...] = (),
) -> PolicyVersion:
    """A version from cited parameters; with ``base``, unlisted parameters are inherited.
    ``sources``: the documents its citations name (default: ``source``)."""
    values: dict[str, Any] = base.parameters.model_dump() if base else {}
    citations: dict[str, str] = dict(base.citations) if base else {}
    for key, (value, citation) in parameters.items():
        values[key] = value
        citations[key] = f"{source} {NO_SUCH_RULE}" if citation == NO_SUCH_RULE else citation
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
        sources=sources or (source,),
    )
