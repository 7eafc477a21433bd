"""Issue 12, the input boundary: the contract's limits (docs/import.md, "Limits") enforced as
reject reasons, on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.application import LedgerApp, open_ledger
from ledger.cli import main
from ledger.events import MAX_TEXT_LENGTH
from ledger.importer import import_file
from tests.support import PERSON, paid, read_rejects, registered, write_jsonl


def incompressible(length: int, seed: int = 12) -> str:
    """Text PostgreSQL cannot compress below its B-tree row limit (a run of one character
    compresses, and then fit)."""
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))


def test_a_long_event_id_is_one_reject_not_a_lost_batch(ledger_db: str, tmp_path: Path) -> None:
    """Issue 12.2 as reported: a 3,000-character event_id exceeded PostgreSQL's B-tree row
    limit; the import stopped with exit 1, stored none of the batch's good lines, wrote no
    rejects, and every rerun failed the same way (SQLite stored the same file). Now the
    line is rejected (too_long) on both backends, the good lines are stored, and a rerun
    stores nothing new."""
    long_id = incompressible(3000)
    long_person = "P-" + incompressible(3000, seed=13)
    path = write_jsonl(
        tmp_path / "events.jsonl",
        [
            registered(PERSON, "r-1"),
            paid(long_id),
            paid("p-2"),
            registered(long_person, "r-long-person"),
            paid("p-3", year=2026),
        ],
    )
    runner = CliRunner()
    first = runner.invoke(main, ["import", str(path), "--db", ledger_db])
    assert first.exit_code == 1, first.output
    assert "3 stored, 0 already present, 2 rejected (2 too_long" in first.stdout
    rejects = read_rejects(path)
    assert [(r["line"], r["reason"]) for r in rejects] == [(2, "too_long"), (4, "too_long")]
    assert rejects[0]["event_id"] == long_id[: MAX_TEXT_LENGTH - 1] + "…"
    assert "event_id: 3,000 characters, more than 256" in rejects[0]["message"]
    assert "person_id: 3,002 characters, more than 256" in rejects[1]["message"]
    with open_ledger(ledger_db) as app:
        assert [e.event_id for e in app.events_of(PERSON)] == ["r-1", "p-2", "p-3"]
    again = runner.invoke(main, ["import", str(path), "--db", ledger_db])
    assert again.exit_code == 1
    assert "0 stored, 3 already present, 2 rejected" in again.stdout


def test_text_fields_at_the_limit_are_stored(app: LedgerApp, tmp_path: Path) -> None:
    """The limit itself is accepted on both backends: 256 characters of four-byte UTF-8
    (1,024 bytes) in the indexed event_id and person_id."""
    wide = "𠀀" * MAX_TEXT_LENGTH  # U+20000: four bytes in UTF-8
    path = write_jsonl(
        tmp_path / "wide.jsonl",
        [
            registered(wide, "e" + wide[1:]),
            paid("p-wide", person_id=wide, receipt_id=wide, channel=wide),
        ],
    )
    summary = import_file(app, path)
    assert (summary.stored, summary.rejected) == (2, 0)
    assert [e.event_id for e in app.events_of(wide)] == ["e" + wide[1:], "p-wide"]


@pytest.mark.parametrize(
    ("line", "reason", "message"),
    [
        (paid("a-1", amount="４００"), "bad_amount", "ASCII digits"),
        (paid("a-2", amount="٤٠٠"), "bad_amount", "ASCII digits"),
        (paid("a-3", amount="100000000.00"), "bad_amount", "largest amount"),
        (paid("a-4", amount="1" * 5000), "bad_amount", "largest amount"),
        ({**paid("d-1"), "date": "0001-01-01"}, "bad_date", "outside 1900-01-01..2100-12-31"),
        ({**paid("d-2"), "date": "9999-12-31"}, "bad_date", "outside 1900-01-01..2100-12-31"),
        ({**paid("y-1"), "coverage_year": "２０２５"}, "bad_value", "between 1990 and 2100"),
        ({**paid("y-2"), "coverage_year": "1" * 5000}, "bad_value", "between 1990 and 2100"),
        (paid("i-1", person_id="٦١٠٩٠٢١٩٧٠٠٣٠٥١٢١٥"), "bad_value", "another script"),
        ({**paid("n-1"), "note": "n" * 17_000}, "too_long", "16,384"),
    ],
)
def test_weak_points_of_issue_12_are_rejects(
    app: LedgerApp, tmp_path: Path, line: dict[str, object], reason: str, message: str
) -> None:
    """The issue's weaker points: dates like 0001-01-01 and 9999-12-31 accepted into a year's
    totals; amounts in full-width or Arabic-Indic digits read as 400.00 (\\d matches any
    digit); a 5,000-digit number rejected with Python's own sys.set_int_max_str_digits hint."""
    path = write_jsonl(tmp_path / "weak.jsonl", [registered(PERSON, "r-1"), line, paid("p-ok")])
    summary = import_file(app, path)
    assert (summary.stored, summary.rejected) == (2, 1)
    [reject] = read_rejects(path)
    assert (reject["line"], reject["reason"]) == (2, reason)
    assert message in reject["message"]
    assert "set_int_max_str_digits" not in reject["message"]
    assert len(reject["message"]) < 300
