"""One set of rules for a file: ``replay --events F`` gives exactly the views (and the
rejects) of ``import F`` then ``replay``, for every file — random files with repeated lines,
conflicting event ids, bad lines, in shuffled order, split over several files, JSON Lines or
CSV. On SQLite and PostgreSQL. And the issue's cases: a payment line delivered twice counts
once; the same id with other content is a conflict, reported, exit 1."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from ledger.application import LedgerApp
from ledger.cli import main
from ledger.importer import Reject, import_file
from ledger.synth import generate
from policies import builtin_registry
from projections.replay import Cut, LineError, file_views, store_views
from tests.conftest import clear_ledger
from tests.support import PERSON, paid, registered, write_jsonl
from tests.test_properties import SETTINGS

CUT = Cut(as_of=date(2025, 12, 31))
POOL = list(generate(40, (2023, 2025), seed=9))
"""Realistic lines of 40 synthetic persons: the views have enrolled years, waits, flags."""

GARBAGE = [
    '{"event_id": "g-1", "person_id": "P"',
    "[1, 2]",
    json.dumps({**POOL[0], "event_id": "g-2", "amount": "-1", "type": "paid"}),
    json.dumps({**POOL[0], "event_id": "g-3", "type": "moved"}),
    json.dumps({**POOL[0], "event_id": "g-4", "person_id": "610902197003051210"}),
    json.dumps({**POOL[0], "event_id": "g-5", "date": "2025-02-30"}),
]


@st.composite
def files(draw: st.DrawFn) -> list[tuple[str, list[Any]]]:
    """1-3 files (name, lines): pool lines, repeated and conflicting ones, garbage,
    shuffled; some files CSV."""
    lines: list[Any] = draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=40))
    for record in draw(st.lists(st.sampled_from(lines), max_size=6)):
        lines.append(dict(record))  # a repeat: present, counted once
    for record in draw(st.lists(st.sampled_from(lines), max_size=4)):
        if not isinstance(record, dict):
            continue
        changed = dict(record)
        changed["date"] = "2024-12-31" if record["date"] != "2024-12-31" else "2024-12-30"
        lines.append(changed)  # same event_id, other content: the first stored stands
    lines.extend(draw(st.lists(st.sampled_from(GARBAGE), max_size=4)))
    lines = draw(st.permutations(lines))
    count = draw(st.integers(1, 3))
    cuts = sorted(
        draw(st.lists(st.integers(0, len(lines)), min_size=count - 1, max_size=count - 1))
    )
    parts = [lines[a:b] for a, b in zip([0, *cuts], [*cuts, len(lines)], strict=True)]
    out = []
    for n, part in enumerate(parts):
        as_csv = draw(st.booleans()) and all(isinstance(line, dict) for line in part)
        out.append((f"f{n}.{'csv' if as_csv else 'jsonl'}", part))
    return out


COMMON = ["event_id", "person_id", "type", "date"]


def write(directory: Path, name: str, lines: list[Any]) -> Path:
    path = directory / name
    if name.endswith(".jsonl"):
        return write_jsonl(path, lines)
    header = COMMON + sorted({key for line in lines for key in line} - set(COMMON))
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows([_cell(line.get(column)) for column in header] for line in lines)
    return path


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def imported_then_replayed(
    app: LedgerApp, paths: list[Path]
) -> tuple[list[dict[str, Any]], list[tuple[str, int, str]]]:
    clear_ledger(app)
    rejects: list[tuple[str, int, str]] = []
    for path in paths:

        def collect(reject: Reject, path: Path = path) -> None:
            rejects.append((path.name, reject.line, reject.reason))

        import_file(app, path, on_reject=collect, batch_size=7)
    registry = builtin_registry()
    return [v.to_dict() for v in store_views(app, registry, cut=CUT)], rejects


def replayed(paths: list[Path]) -> tuple[list[dict[str, Any]], list[tuple[str, int, str]]]:
    errors: list[LineError] = []
    views = [v.to_dict() for v in file_views(paths, builtin_registry(), errors, cut=CUT)]
    return views, [(e.path.name, e.line, e.reason) for e in errors]


@SETTINGS
@given(data=files())
def test_replay_of_files_equals_import_then_replay(
    app: LedgerApp, tmp_path_factory: pytest.TempPathFactory, data: Any
) -> None:
    directory = tmp_path_factory.mktemp("files")
    paths = [write(directory, name, lines) for name, lines in data]
    views, rejects = replayed(paths)
    assert (views, rejects) == imported_then_replayed(app, paths)
    persons = {line["person_id"] for _, lines in data for line in lines if isinstance(line, dict)}
    assert [v["person_id"] for v in views] == sorted(persons)


# ---------------------------------------------------------------- the cases


def test_a_payment_delivered_twice_counts_once(tmp_path: Path) -> None:
    line = paid("p-1", amount="400")
    path = write_jsonl(tmp_path / "e.jsonl", [registered(PERSON, "r-1"), line, line])
    result = CliRunner().invoke(
        main, ["replay", "--events", str(path), "--format", "json", "--as-of", "2025-12-31"]
    )
    assert result.exit_code == 0, result.output
    [view] = json.loads(result.output)
    [year] = view["years"]
    assert year["contribution"]["paid"] == "400.00"


def test_the_same_id_with_other_content_is_a_conflict(tmp_path: Path) -> None:
    first, second = paid("p-1", amount="400"), paid("p-1", amount="380")
    path = write_jsonl(tmp_path / "e.jsonl", [registered(PERSON, "r-1"), first, second])
    result = CliRunner().invoke(
        main, ["replay", "--events", str(path), "--format", "json", "--as-of", "2025-12-31"]
    )
    assert result.exit_code == 1
    assert f"{path}:3 (event p-1): conflict" in result.stderr
    [view] = json.loads(result.stdout)
    assert view["years"][0]["contribution"]["paid"] == "400.00"
