"""Finding the policy version of a (region, coverage year), and loading added versions.

Lookup walks county → city → province and takes the first version attached for that year
(POLICY.md §1): (610924, 2025) → ``ankang-2025``; (610902, 2024) → ``shaanxi-2024``;
(610902, 2023) → none (unsupported, ``policy_missing``).

Versions added as parameter files ("Adding a version") extend a known version and override
some of its parameters; they are validated here, with errors naming the file and the key.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ledger.regions import ancestry, is_known_region
from policies.clauses import recite
from policies.parameters import MAPPING_KEYS, Parameters
from policies.version import Origin, PolicyVersion


class PolicyFileError(ValueError):
    """A parameter file that cannot be loaded; the message names the file and the key."""


class PolicyRegistry:
    """The versions known to a run, by id and by (region, coverage year)."""

    def __init__(self, versions: Iterable[PolicyVersion] = ()) -> None:
        self._by_id: dict[str, PolicyVersion] = {}
        self._by_key: dict[tuple[str, int], PolicyVersion] = {}
        self._found: dict[tuple[str, int], PolicyVersion | None] = {}
        """Memo of :meth:`find` (the fold asks once per person-year)."""
        for version in versions:
            self.add(version)

    def add(self, version: PolicyVersion) -> None:
        """Register ``version``; it replaces any version of the same id or (region, year)."""
        old = self._by_id.pop(version.id, None)
        if old is not None:
            self._by_key.pop((old.region, old.coverage_year), None)
        self._by_id[version.id] = version
        self._by_key[(version.region, version.coverage_year)] = version
        self._found.clear()

    def find(self, region: str, coverage_year: int) -> PolicyVersion | None:
        """The version for a person insured in ``region`` for ``coverage_year``, or ``None``."""
        key = (region, coverage_year)
        try:
            return self._found[key]
        except KeyError:
            pass
        found = None
        for code in ancestry(region):
            found = self._by_key.get((code, coverage_year))
            if found is not None:
                break
        self._found[key] = found
        return found

    def get(self, version_id: str) -> PolicyVersion:
        try:
            return self._by_id[version_id]
        except KeyError:
            raise KeyError(f"unknown policy version {version_id!r}") from None

    def __contains__(self, version_id: object) -> bool:
        return version_id in self._by_id

    def __iter__(self) -> Iterator[PolicyVersion]:
        return iter(sorted(self._by_id.values(), key=lambda v: (v.coverage_year, v.id)))

    def __len__(self) -> int:
        return len(self._by_id)

    def with_file(self, path: str | Path) -> PolicyRegistry:
        """A new registry: these versions plus those of the parameter file at ``path``."""
        registry = PolicyRegistry(self)
        for version in load_policy_file(path, registry):
            registry.add(version)
        return registry


def builtin_registry() -> PolicyRegistry:
    """The five versions built from the notices in the sources."""
    from policies.versions import (
        ankang_2022,
        ankang_2025,
        huaiyuan_2025,
        shaanxi_2024,
        xian_2024,
    )

    return PolicyRegistry(
        module.VERSION
        for module in (ankang_2022, shaanxi_2024, xian_2024, ankang_2025, huaiyuan_2025)
    )


class _VersionSpec(BaseModel):
    """One entry of a parameter file's ``versions`` list."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    extends: str = Field(min_length=1)
    region: str
    coverage_year: int = Field(ge=1990, le=2100)
    source: str = Field(min_length=1)
    revision: int = Field(1, ge=1)
    rule_prefix: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    citations: dict[str, str] = Field(default_factory=dict)

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if not is_known_region(value):
            raise ValueError(f"unknown region code {value!r}")
        return value


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        if path.suffix.lower() == ".toml":
            return tomllib.loads(text)
        return json.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PolicyFileError(
            f"{path}: not valid {path.suffix.lstrip('.') or 'JSON'}: {exc}"
        ) from None


def _loc(prefix: str, loc: tuple[int | str, ...]) -> str:
    parts = [prefix]
    for item in loc:
        parts.append(f"[{item}]" if isinstance(item, int) else f".{item}")
    return "".join(parts)


def load_policy_file(path: str | Path, known: PolicyRegistry) -> list[PolicyVersion]:
    """The versions of a parameter file (JSON, or TOML with the same shape), each validated
    against the version it extends (from ``known`` or earlier in the same file)."""
    path = Path(path)
    document = _read(path)
    if not isinstance(document, dict) or not isinstance(document.get("versions"), list):
        raise PolicyFileError(f"{path}: expected an object with a 'versions' list")
    available = PolicyRegistry(known)
    loaded: list[PolicyVersion] = []
    seen: set[str] = set()
    for index, entry in enumerate(document["versions"]):
        where = f"versions[{index}]"
        try:
            spec = _VersionSpec.model_validate(entry)
        except ValidationError as exc:
            error = exc.errors()[0]
            raise PolicyFileError(
                f"{path}: {_loc(where, tuple(error['loc']))}: {error['msg']}"
            ) from None
        if spec.id in seen:
            raise PolicyFileError(f"{path}: {where}.id: version {spec.id!r} given twice")
        seen.add(spec.id)
        if spec.extends not in available:
            raise PolicyFileError(
                f"{path}: {where}.extends: unknown version {spec.extends!r} "
                "(a built-in version or one earlier in this file)"
            )
        base = available.get(spec.extends)
        unknown = sorted(set(spec.parameters) - set(Parameters.model_fields))
        if unknown:
            raise PolicyFileError(
                f"{path}: {where}.parameters.{unknown[0]}: unknown parameter "
                f"(known: {', '.join(Parameters.model_fields)})"
            )
        stray = sorted(c for c in spec.citations if c.partition(".")[0] not in spec.parameters)
        if stray:
            raise PolicyFileError(
                f"{path}: {where}.citations.{stray[0]}: cites no parameter given in this version"
            )
        values, origins = _merge(base, spec, str(path))
        try:
            parameters = Parameters.model_validate(values)
        except ValidationError as exc:
            error = exc.errors()[0]
            loc = tuple(error["loc"]) or ("",)
            raise PolicyFileError(
                f"{path}: {_loc(where + '.parameters', loc).rstrip('.')}: {error['msg']}"
            ) from None
        _check_year(path, where, spec, parameters)
        # The file's version is its own notice: what it inherits, it cites there (POLICY.md
        # "Citations": never the notice of the version it extends).
        citations = {key: recite(text, spec.source) for key, text in base.citations.items()}
        for key in spec.parameters:
            citations[key] = spec.citations.get(key, spec.source)
        prefix = spec.rule_prefix or base.rule_prefix
        version = PolicyVersion(
            id=spec.id,
            region=spec.region,
            coverage_year=spec.coverage_year,
            revision=spec.revision,
            source=spec.source,
            rule_prefix=prefix,
            parameters=parameters,
            citations=citations,
            rule_citations={
                _own_rule(rule_id, base.rule_prefix, prefix): recite(text, spec.source)
                for rule_id, text in base.rule_citations.items()
            },
            extends=base.id,
            sources=(spec.source,),
            origins=origins,
        )
        available.add(version)
        loaded.append(version)
    return loaded


def _own_rule(rule_id: str, base_prefix: str, prefix: str) -> str:
    """``AK25-central`` of the base is ``AK26-central`` of a version with prefix ``AK26``."""
    head, _, kind = rule_id.partition("-")
    if head == base_prefix and kind in ("central", "late", "migrant"):
        return f"{prefix}-{kind}"
    return rule_id


def _merge(
    base: PolicyVersion, spec: _VersionSpec, file: str
) -> tuple[dict[str, Any], dict[str, Origin]]:
    """The parameter values of ``spec`` over those of ``base``, and the origin of each.

    A mapping parameter (:data:`~policies.parameters.MAPPING_KEYS`) merges key by key over the
    inherited mapping, a nested mapping likewise, and a key set to ``null`` removes it: a file
    giving ``subsidies: {"dibao": "210.00"}`` changes 低保 and keeps every other identity. Any
    other parameter given replaces the inherited value."""
    values = base.parameters.model_dump()
    origins = base.value_origins()

    def origin(name: str) -> Origin:
        citation = spec.citations.get(name) or spec.citations.get(name.partition(".")[0])
        return Origin("file", spec.id, citation or spec.source, file)

    for name, given in spec.parameters.items():
        origins[name] = origin(name)
        inherited = values.get(name)
        if name not in MAPPING_KEYS or not isinstance(given, dict):
            values[name] = given
            if name in MAPPING_KEYS:
                for key in [k for k in origins if k.startswith(f"{name}.")]:
                    del origins[key]
            continue
        values[name] = _merge_mapping(inherited if isinstance(inherited, dict) else {}, given)
        for key, item in given.items():
            if item is None:
                origins.pop(f"{name}.{key}", None)
            else:
                origins[f"{name}.{key}"] = origin(f"{name}.{key}")
    return values, origins


def _merge_mapping(inherited: dict[Any, Any], given: dict[Any, Any]) -> dict[Any, Any]:
    merged = dict(inherited)
    for key, item in given.items():
        if item is None:
            merged.pop(key, None)
        elif isinstance(item, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge_mapping(merged[key], item)
        else:
            merged[key] = item
    return merged


def _check_year(path: Path, where: str, spec: _VersionSpec, parameters: Parameters) -> None:
    """Windows must lie around the coverage year they sell (a typo'd year is the usual error)."""
    first = date(spec.coverage_year - 1, 1, 1)
    last = date(spec.coverage_year, 12, 31)
    windows = {"central_window": parameters.central_window, "late_window": parameters.late_window}
    for key, window in windows.items():
        if window is None:
            continue
        if not (first <= window[0] and window[1] <= last):
            raise PolicyFileError(
                f"{path}: {where}.parameters.{key}: {window[0]}..{window[1]} is not within "
                f"{spec.coverage_year - 1}-{spec.coverage_year} for coverage year "
                f"{spec.coverage_year}"
            )
