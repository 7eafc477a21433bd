"""What ``ledger policies list|show|diff`` print: the versions a run knows, the effective
parameters of one with the source of each value, and the parameters two versions differ in.

An operator adding or revising a version as a parameter file sees here, before rebuilding,
every value the version will apply and where it comes from — built in (a module of
:mod:`policies.versions`) or a file (and which version in it), with its citation — so a
mapping that a file was meant to change in one key shows its other keys still in place.
Pure functions of a :class:`~policies.registry.PolicyRegistry`; the CLI prints their data
(``--format json``) or their rows through the project's table renderer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ledger import regions
from ledger.labels import Lang, Wording
from ledger.tables import EMPTY
from policies.labels import parameter_name
from policies.parameters import MAPPING_KEYS, Parameters
from policies.registry import PolicyRegistry
from policies.version import Origin, PolicyVersion


def region_name(code: str) -> str | None:
    """The division's name (汉滨区), ``None`` for a code outside the national list."""
    return regions.region_name(code) if regions.is_known_region(code) else None


@dataclass(frozen=True)
class VersionSummary:
    """One line of ``ledger policies list``."""

    id: str
    coverage_year: int
    region: str
    region_name: str | None
    revision: int
    extends: str | None
    source: str
    built_in: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "coverage_year": self.coverage_year,
            "region": self.region,
            "region_name": self.region_name,
            "revision": self.revision,
            "extends": self.extends,
            "source": self.source,
            "origin": "built-in" if self.built_in else "file",
        }


@dataclass(frozen=True)
class ParameterValue:
    """One effective value of a version: a parameter, or one key of a mapping parameter
    (``subsidies.dibao``), with its :class:`~policies.version.Origin`."""

    name: str
    value: Any
    """The value as JSON data (amounts and dates as strings)."""
    origin: Origin

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "origin": self.origin.kind,
            "file": self.origin.file,
            "version": self.origin.version,
            "citation": self.origin.citation,
        }


@dataclass(frozen=True)
class ParameterDifference:
    """A parameter (or mapping key) whose value differs between two versions; ``None`` on a
    side where a mapping lacks the key."""

    name: str
    a: Any
    b: Any
    present_in_a: bool = True
    present_in_b: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "a": self.a if self.present_in_a else None,
            "b": self.b if self.present_in_b else None,
            "in_a": self.present_in_a,
            "in_b": self.present_in_b,
        }


def list_versions(registry: PolicyRegistry) -> list[VersionSummary]:
    """The versions of ``registry`` by coverage year and id, each with its region's name."""
    return [
        VersionSummary(
            version.id,
            version.coverage_year,
            version.region,
            region_name(version.region),
            version.revision,
            version.extends,
            version.source,
            not version.origins,
        )
        for version in registry
    ]


def _json_values(version: PolicyVersion) -> dict[str, Any]:
    """The parameters as JSON data; sets (identity lists) sorted, so equal sets print alike."""
    values: dict[str, Any] = version.parameters.model_dump(mode="json")
    for name, raw in version.parameters.model_dump().items():
        if isinstance(raw, frozenset | set):
            values[name] = sorted(values[name])
    return values


def _flatten(version: PolicyVersion) -> dict[str, Any]:
    """Every value by name, mapping parameters one entry per key (``subsidies.dibao``)."""
    flat: dict[str, Any] = {}
    for name, value in _json_values(version).items():
        if name in MAPPING_KEYS and isinstance(value, dict) and value:
            for key in sorted(value, key=str):
                flat[f"{name}.{key}"] = value[key]
        else:
            flat[name] = value
    return flat


def effective_parameters(version: PolicyVersion) -> list[ParameterValue]:
    """Every value ``version`` applies, in the order of :class:`Parameters`, with its origin."""
    origins = version.value_origins()
    return [
        ParameterValue(name, value, origins.get(name) or origins[name.partition(".")[0]])
        for name, value in _flatten(version).items()
    ]


def describe_version(version: PolicyVersion) -> dict[str, Any]:
    """The version as JSON data: what ``ledger policies show VERSION --format json`` prints."""
    return {
        "id": version.id,
        "extends": version.extends,
        "region": version.region,
        "region_name": region_name(version.region),
        "coverage_year": version.coverage_year,
        "revision": version.revision,
        "source": version.source,
        "parameters": [value.to_dict() for value in effective_parameters(version)],
    }


def diff_versions(a: PolicyVersion, b: PolicyVersion) -> list[ParameterDifference]:
    """The parameters (and mapping keys) whose values differ between ``a`` and ``b``."""
    left, right = _flatten(a), _flatten(b)
    order = list(left) + [name for name in right if name not in left]
    key = {name: index for index, name in enumerate(Parameters.model_fields)}
    order.sort(key=lambda name: (key[name.partition(".")[0]], name))
    return [
        ParameterDifference(name, left.get(name), right.get(name), name in left, name in right)
        for name in order
        if name not in left or name not in right or left[name] != right[name]
    ]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


Rows = list[list[str]]
"""Table rows as text cells, the header first, for the project's one table renderer."""


def _place(region: str) -> str:
    name = region_name(region)
    return f"{region} {name}" if name else region


def list_rows(summaries: Iterable[VersionSummary], lang: Lang = "en") -> Rows:
    """``ledger policies list``: one row per version, in ``lang``."""
    say = Wording(lang)
    columns = ("version", "coverage_year", "region", "revision", "extends", "origin", "source")
    rows = [[say.column(key) for key in columns]]
    for s in summaries:
        origin = say.word("built_in" if s.built_in else "file")
        place = _place(s.region)
        rows.append(
            [
                s.id,
                str(s.coverage_year),
                place,
                str(s.revision),
                s.extends or EMPTY,
                origin,
                s.source,
            ]
        )
    return rows


def show_title(version: PolicyVersion, lang: Lang = "en") -> str:
    """The line above ``ledger policies show VERSION``'s table, in ``lang``."""
    say = Wording(lang)
    title = say.word(
        "version_title",
        version=version.id,
        revision=say.word("revision", n=version.revision),
        year=version.coverage_year,
        place=_place(version.region),
        source=version.source,
    )
    if version.extends:
        title += say.word("version_extends", parent=version.extends)
    return title


def _parameter(name: str, say: Wording) -> str:
    """The parameter's name as files spell it, and in Chinese its name in the notices."""
    return name if say.lang == "en" else f"{name} {parameter_name(name)}"


def show_rows(version: PolicyVersion, lang: Lang = "en") -> Rows:
    """``ledger policies show VERSION``: one row per effective value, with where it comes
    from (``built-in`` or ``file PATH (VERSION)``) and its citation, in ``lang``."""
    say = Wording(lang)
    rows = [[say.column(key) for key in ("parameter", "value", "from", "citation")]]
    for value in effective_parameters(version):
        origin = value.origin
        if origin.kind == "built-in":
            where = say.word("built_in")
        elif lang == "zh":
            where = f"{say.word('file')} {origin.file}（{origin.version}）"
        else:
            where = f"{say.word('file')} {origin.file} ({origin.version})"
        rows.append([_parameter(value.name, say), _text(value.value), where, origin.citation])
    return rows


def diff_rows(a: PolicyVersion, b: PolicyVersion, lang: Lang = "en") -> Rows:
    """``ledger policies diff A B``: one row per differing value (only the header when the
    parameters are the same), ``(absent)`` where a mapping lacks the key; in ``lang``."""
    say = Wording(lang)
    absent = say.word("absent")
    rows = [[say.column("parameter"), a.id, b.id]]
    for d in diff_versions(a, b):
        rows.append(
            [
                _parameter(d.name, say),
                _text(d.a) if d.present_in_a else absent,
                _text(d.b) if d.present_in_b else absent,
            ]
        )
    return rows


__all__ = [
    "ParameterDifference",
    "Rows",
    "ParameterValue",
    "VersionSummary",
    "describe_version",
    "diff_versions",
    "effective_parameters",
    "list_versions",
    "diff_rows",
    "list_rows",
    "region_name",
    "show_rows",
    "show_title",
]
