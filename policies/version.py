"""A policy version: the complete rule set for one coverage year in one pooling region.

A version is parameters (data, each with a citation) plus a handler revision. The handler logic
is shared by composition: every version runs the same small rule functions
(:mod:`policies.rules`), and its parameters choose between the readings the notices differ on.
A later correction of a version's logic bumps its ``revision``; every projected row carries
``(id, revision)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from policies.catalogue import RULES, Rule, version_rule
from policies.parameters import MAPPING_KEYS, Parameters


@dataclass(frozen=True)
class Origin:
    """The source of one parameter value: ``built-in`` (a module of :mod:`policies.versions`)
    or ``file`` (a parameter file), the version that set it, and its citation."""

    kind: Literal["built-in", "file"]
    version: str
    citation: str
    file: str | None = None


@dataclass(frozen=True)
class PolicyVersion:
    id: str
    region: str
    coverage_year: int
    revision: int
    source: str
    """The notice (文号, or Huaiyuan's title) the version implements."""
    rule_prefix: str
    """Prefix of the version's window rule ids in ``basis``: ``AK25`` → ``AK25-central``."""
    parameters: Parameters
    citations: Mapping[str, str]
    """Parameter name → notice and section."""
    rule_citations: Mapping[str, str] = field(default_factory=dict)
    """Rule id → where one of the version's ``sources`` states it (:mod:`policies.clauses`)."""
    extends: str | None = None
    sources: tuple[str, ...] = ()
    """The documents the version's citations may name: its notice and those POLICY.md names
    for it ("Citations"); default ``(source,)``."""
    origins: Mapping[str, Origin] = field(default_factory=dict)
    """Where each value of a version added from a parameter file comes from: parameter name,
    or ``name.key`` for a key of a mapping parameter → :class:`Origin`. Empty for a built-in
    version (every value built in, cited in ``citations``)."""

    def __post_init__(self) -> None:
        missing = [key for key in Parameters.model_fields if key not in self.citations]
        if missing:
            raise ValueError(f"version {self.id}: parameters without a citation: {missing}")
        if not self.sources:
            object.__setattr__(self, "sources", (self.source,))

    def rule(self, rule_id: str) -> Rule:
        """The rule with this version's citation for it: ``citation`` is ``None`` when the
        version has none (a bug the citation tests catch). A reading id (``I-…``) cites itself.
        Raises ``KeyError`` for an id neither the rule book nor the version knows."""
        if rule_id.startswith("I-"):
            return Rule(rule_id, "reading fixed by the rule book (POLICY.md)", rule_id)
        prefix, _, kind = rule_id.partition("-")
        if prefix == self.rule_prefix and kind in ("central", "late", "migrant"):
            return version_rule(prefix, kind, self.rule_citations.get(rule_id))
        base = RULES[rule_id]
        return Rule(base.id, base.title, self.rule_citations.get(rule_id))

    def cite(self, parameter: str) -> str:
        return self.citations[parameter]

    def value_origins(self) -> dict[str, Origin]:
        """The :class:`Origin` of every value: each parameter by name, and each key of a
        mapping parameter as ``name.key`` (a built-in version: all ``built-in``)."""
        if self.origins:
            return dict(self.origins)
        found: dict[str, Origin] = {}
        values = self.parameters.model_dump()
        for name in Parameters.model_fields:
            origin = Origin("built-in", self.id, self.citations[name])
            found[name] = origin
            if name in MAPPING_KEYS:
                for key in values[name]:
                    found[f"{name}.{key}"] = origin
        return found

    def describe(self) -> dict[str, Any]:
        """The version as data: what ``ledger policies show`` prints."""
        return {
            "id": self.id,
            "extends": self.extends,
            "region": self.region,
            "coverage_year": self.coverage_year,
            "revision": self.revision,
            "source": self.source,
            "sources": list(self.sources),
            "rules": dict(self.rule_citations),
            "parameters": {
                key: {"value": value, "citation": self.citations[key]}
                for key, value in self.parameters.model_dump(mode="json").items()
            },
        }
