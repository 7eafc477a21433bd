"""The policy set of a projection: which policy versions (and revisions) folded the rows.

A reporting target records the set that built it (``reporting_meta.policy_set``): every
version of the registry the fold used, with its handler revision and a digest of its
parameters, and the digest of the parameter file (``--policies``) if one was given. The
projector refuses to write a person under another set than the target's (their rows would
mix revisions: one person on revision 1 beside thousands on revision 2, silently), unless a
rebuild switches the target (docs/reporting.md, "Policy set").

Two sets are the same when every version has the same revision and parameters; the file's
digest is recorded for the operator (which file was it?) and does not count by itself (the
same versions loaded from a reformatted file are the same set).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policies import PolicyVersion


@dataclass(frozen=True)
class VersionMark:
    """One version as a set records it."""

    revision: int
    digest: str
    """SHA-256 (first 16 hex digits) of the version's parameters, region, year and source."""


@dataclass(frozen=True)
class PolicySet:
    """The versions a fold uses, and the parameter file they came with."""

    versions: Mapping[str, VersionMark]
    file: str | None = None
    """``sha256:…`` of the parameter file's bytes (``None``: built-in versions only)."""
    file_name: str | None = None

    @property
    def id(self) -> str:
        """A short identity of the versions (what makes two sets the same)."""
        canonical = json.dumps(
            {k: [v.revision, v.digest] for k, v in sorted(self.versions.items())},
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def same_as(self, other: PolicySet) -> bool:
        return dict(self.versions) == dict(other.versions)

    def differing(self, other: PolicySet) -> list[str]:
        """Version ids present in one set only, or with another revision or parameters."""
        ids = set(self.versions) | set(other.versions)
        return sorted(i for i in ids if self.versions.get(i) != other.versions.get(i))

    def describe(self) -> str:
        """``ankang-2025 r2, shaanxi-2024 r1 … (file sha256:1a2b…)``, one line."""
        parts = ", ".join(f"{k} r{v.revision}" for k, v in sorted(self.versions.items()))
        if self.file:
            named = f"{self.file_name} " if self.file_name else ""
            parts += f" (file {named}{self.file[:19]}…)"
        return f"{self.id}: {parts}"

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "versions": {
                    k: {"revision": v.revision, "digest": v.digest}
                    for k, v in sorted(self.versions.items())
                },
                "file": self.file,
                "file_name": self.file_name,
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> PolicySet:
        data: dict[str, Any] = json.loads(text)
        return cls(
            versions={
                k: VersionMark(int(v["revision"]), str(v["digest"]))
                for k, v in data.get("versions", {}).items()
            },
            file=data.get("file"),
            file_name=data.get("file_name"),
        )

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.to_json())
        return result


def version_mark(version: PolicyVersion) -> VersionMark:
    """The version's revision and a digest of what the fold reads from it (parameters,
    region, year, source), the same in every process."""
    described = {
        "id": version.id,
        "region": version.region,
        "coverage_year": version.coverage_year,
        "revision": version.revision,
        "source": version.source,
        "parameters": _canonical(version.parameters.model_dump(mode="python")),
    }
    canonical = json.dumps(described, sort_keys=True, ensure_ascii=False)
    return VersionMark(version.revision, hashlib.sha256(canonical.encode()).hexdigest()[:16])


def _canonical(value: Any) -> Any:
    """``value`` as JSON-ready data in one order: sets sorted (their iteration order changes
    with the process's hash seed), mappings by key, lists and tuples as they are."""
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, set | frozenset):
        items = [_canonical(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)  # Decimal, date, enums: their text


def policy_set_of(registry: Iterable[PolicyVersion], policies: Path | str | None) -> PolicySet:
    """The set of ``registry`` (the fold's versions), loaded with the parameter file
    ``policies`` if any."""
    file_digest = None
    file_name = None
    if policies is not None:
        path = Path(policies)
        file_digest = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
        file_name = path.name
    return PolicySet(
        versions={v.id: version_mark(v) for v in registry},
        file=file_digest,
        file_name=file_name,
    )


__all__ = ["PolicySet", "VersionMark", "policy_set_of", "version_mark"]
