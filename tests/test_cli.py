"""The ``ledger`` command through click's CliRunner, on both backends."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledger.application import open_ledger
from ledger.cli import main
from tests.support import NEWBORN, PERSON, VALID, paid, registered, write_jsonl

MASKED = "610902********1215"

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_import_exit_status(runner: CliRunner, ledger_db: str, tmp_path: Path) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", [registered(PERSON, "r-1"), paid("p-1")])
    result = runner.invoke(main, ["import", str(good), "--db", ledger_db])
    assert result.exit_code == 0, result.output
    assert "2 stored, 0 already present, 0 rejected" in result.output

    again = runner.invoke(main, ["import", str(good), "--db", ledger_db])
    assert again.exit_code == 0
    assert "0 stored, 2 already present, 0 rejected" in again.output

    bad = write_jsonl(tmp_path / "bad.jsonl", [paid("p-2"), paid("p-1", amount="1")])
    result = runner.invoke(main, ["import", str(bad), "--db", ledger_db])
    assert result.exit_code == 1
    assert "1 stored, 0 already present, 1 rejected (1 conflict; see" in result.output
    assert PERSON not in result.output


def test_import_several_files_prints_a_total(
    runner: CliRunner, ledger_db: str, tmp_path: Path
) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", [registered(PERSON, "r-1")])
    b = write_jsonl(tmp_path / "b.jsonl", [paid("p-1"), "not json"])
    result = runner.invoke(main, ["import", str(a), str(b), "--db", ledger_db, "--batch-size", "1"])
    assert result.exit_code == 1
    assert "total: 2 stored, 0 already present, 1 rejected" in result.output


def test_import_examples(runner: CliRunner, ledger_db: str, tmp_path: Path) -> None:
    files = []
    for name in ("events.jsonl", "legacy_gb18030.csv", "bad_events.jsonl"):
        (tmp_path / name).write_bytes((EXAMPLES / name).read_bytes())
        files.append(str(tmp_path / name))
    result = runner.invoke(main, ["import", *files[:2], "--db", ledger_db])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["import", files[2], "--db", ledger_db])
    assert result.exit_code == 1
    rejects = [
        json.loads(line)
        for line in (tmp_path / "bad_events.jsonl.rejects.jsonl").read_text().splitlines()
    ]
    assert [(r["line"], r["reason"]) for r in rejects] == [
        (1, "invalid_json"),
        (2, "bad_check_digit"),
        (3, "bad_amount"),
        (4, "unknown_type"),
        (5, "bad_value"),
        (6, "bad_id_birth_date"),
        (7, "birth_date_mismatch"),
        (8, "id_birth_after_date"),
        (9, "conflict"),
    ]


def test_import_errors_are_one_line(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    result = runner.invoke(main, ["import", str(path), "--db", str(tmp_path / "l.db")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "event_id" in result.output
    result = runner.invoke(main, ["import", str(path), "--db", "mysql://x/y"])
    assert result.exit_code == 2 and "unsupported database" in result.output
    assert "Traceback" not in result.output


def test_history_table_masks_id_numbers(runner: CliRunner, ledger_db: str, tmp_path: Path) -> None:
    born = {
        **VALID["born"],
        "note": f"guardian {PERSON}",
        "ids": [PERSON, int(PERSON)],
        f"by {PERSON}": {"k": PERSON},
    }
    path = write_jsonl(
        tmp_path / "e.jsonl",
        [registered(PERSON, "r-1"), paid("p-1", 经办机构="汉滨区医保中心"), born],
    )
    assert runner.invoke(main, ["import", str(path), "--db", ledger_db]).exit_code == 0

    result = runner.invoke(main, ["history", PERSON, "--db", ledger_db])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"person {MASKED}: 2 events, in arrival order"
    assert PERSON not in result.output
    assert "registered" in lines[3] and "paid" in lines[4]
    assert "amount=400.00" in result.output and "经办机构=汉滨区医保中心" in result.output

    child = runner.invoke(main, ["history", NEWBORN.lower(), "--db", ledger_db])
    assert child.exit_code == 0, child.output
    assert NEWBORN not in child.output and PERSON not in child.output
    assert f"guardian_id={MASKED}" in child.output
    assert "610902********001X" in child.output


def test_history_json(runner: CliRunner, ledger_db: str, tmp_path: Path) -> None:
    died = {**VALID["died"], "event_id": "d-1"}
    path = write_jsonl(tmp_path / "e.jsonl", [registered(PERSON, "r-1"), paid("p-1"), died])
    runner.invoke(main, ["import", str(path), "--db", ledger_db])
    result = runner.invoke(main, ["history", PERSON, "--db", ledger_db, "--format", "json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert [r["event_id"] for r in records] == ["r-1", "p-1", "d-1"]
    assert all(r["person_id"] == PERSON for r in records)
    assert records[1]["amount"] == "400.00" and records[1]["coverage_year"] == 2025
    # The records as the source gave them: recorded_at only where the source had one; the
    # ledger's own clock beside it, in China Standard Time.
    assert records[2]["recorded_at"] == "2025-07-03T09:30:00+08:00"
    assert "recorded_at" not in records[0] and "recorded_at" not in records[1]
    assert all(r["stored_at"].endswith("+08:00") for r in records)
    stored = [datetime.fromisoformat(r["stored_at"]) for r in records]
    assert stored == [fact.stored_at for fact in _history(ledger_db)]


def test_history_of_unknown_or_invalid_person(runner: CliRunner, ledger_db: str) -> None:
    open_ledger(ledger_db).close()  # an empty ledger (history never creates one)
    result = runner.invoke(main, ["history", PERSON, "--db", ledger_db])
    assert result.exit_code == 1
    assert MASKED in result.output and PERSON not in result.output
    result = runner.invoke(main, ["history", "610902197003051210", "--db", ledger_db])
    assert result.exit_code == 1 and "check digit" in result.output


def _history(ledger_db: str) -> list[Any]:
    with open_ledger(ledger_db) as app:
        return app.history(PERSON)
