"""Issue 12, the input boundary: the contract's limits (docs/import.md, "Limits") enforced as
reject reasons, on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import json
import os
import random
import stat
import string
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.application import LedgerApp, open_ledger
from ledger.cli import main
from ledger.events import MAX_LINE_BYTES, MAX_TEXT_LENGTH
from ledger.importer import ImportSummary, import_file, import_files, rejects_path_for
from tests.support import PERSON, paid, read_rejects, registered, write_jsonl

MASKED = "610902********1215"


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


# ---------------------------------------------------------------- lines and numbers


def test_a_line_longer_than_the_limit_is_rejected_unread(app: LedgerApp, tmp_path: Path) -> None:
    """A JSON Lines line over MAX_LINE_BYTES is rejected (too_long) and skipped in pieces,
    never read whole: the lines after it are stored. At the limit it is read."""
    # (In canonical form, as the record limit counts, shorter: no spaces, nothing added.)
    full = {**paid("p-at", amount="400.00"), "purpose": "contribution"}
    pad = MAX_LINE_BYTES - len(json.dumps({**full, "note": ""}))
    at_limit = json.dumps({**full, "note": "n" * pad})
    assert len(at_limit.encode()) == MAX_LINE_BYTES
    over = json.dumps({**full, "event_id": "p-over", "note": "n" * (pad - 1)})
    assert len(over.encode()) == MAX_LINE_BYTES + 1
    huge = json.dumps({**paid("p-huge"), "note": "h" * 5_000_000})
    path = tmp_path / "long.jsonl"
    path.write_bytes(
        "\r\n".join(
            [
                json.dumps(registered(PERSON, "r-1")),
                at_limit,
                over,
                huge,
                json.dumps(paid("p-ok", year=2026)),
            ]
        ).encode()
        + b"\r\n"
    )
    summary = import_file(app, path)
    assert (summary.stored, summary.rejected) == (3, 2)
    rejects = read_rejects(path)
    assert [(r["line"], r["reason"]) for r in rejects] == [(3, "too_long"), (4, "too_long")]
    assert "the line is 16,385 bytes, more than 16,384" in rejects[0]["message"]
    assert "the line is 5,000," in rejects[1]["message"]
    assert all(len(r["raw"]) <= 201 and r["raw"].endswith("…") for r in rejects)
    assert [e.event_id for e in app.events_of(PERSON)] == ["r-1", "p-at", "p-ok"]


def test_a_long_first_line_on_stdin(ledger_db: str) -> None:
    lines = [json.dumps({**paid("p-long"), "note": "x" * 100_000}), json.dumps(registered())]
    result = CliRunner().invoke(
        main, ["import", "-", "--db", ledger_db], input="\n".join(lines) + "\n"
    )
    assert result.exit_code == 1
    assert "rejected -:1: too_long: the line is 100,1" in result.stderr
    assert "-: 1 stored" in result.stdout


@pytest.mark.parametrize(
    ("extra", "reason", "message"),
    [
        ('"n": ' + "1" * 5000, "too_long", "a JSON number of 5,000 characters, more than 100"),
        ('"coverage_year": ' + "2" * 5000, "too_long", "a JSON number of 5,000 characters"),
        ('"n": 0.' + "5" * 200, "too_long", "a JSON number of 202 characters"),
        ('"n": NaN', "invalid_json", "not JSON: NaN is no JSON value"),
        ('"n": [1, -Infinity]', "invalid_json", "not JSON: -Infinity is no JSON value"),
        ('"n": 1e400', "bad_value", "n: an infinite or NaN number is no JSON value"),
        ('"n": {"m": [1e999]}', "bad_value", "n: an infinite or NaN number is no JSON value"),
    ],
)
def test_what_json_loads_reads_and_the_contract_does_not(
    app: LedgerApp, tmp_path: Path, extra: str, reason: str, message: str
) -> None:
    """Python's json reads NaN, Infinity and numbers of any length; the contract does not.
    A 5,000-digit number was rejected with Python's own hint about
    sys.set_int_max_str_digits; 1e400 and NaN were stored as null."""
    line = json.dumps(paid("p-n"))[:-1] + ", " + extra + "}"
    path = tmp_path / "numbers.jsonl"
    path.write_text(json.dumps(registered()) + "\n" + line + "\n", encoding="utf-8")
    summary = import_file(app, path)
    assert (summary.stored, summary.rejected) == (1, 1)
    [reject] = read_rejects(path)
    assert (reject["line"], reject["reason"]) == (2, reason)
    assert message in reject["message"]
    assert "set_int_max_str_digits" not in reject["message"]


# ---------------------------------------------------------------- rejects files


def test_rejects_files_are_masked_and_private(
    ledger_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rejects files kept the raw line with the ID number in clear and were created
    world-readable. Now every ID number in them is masked (raw, message, event id) and they
    are created with mode 0600 whatever the umask, replacing an earlier, readable one."""
    old = os.umask(0)
    try:
        path = write_jsonl(
            tmp_path / "events.jsonl",
            [
                registered(PERSON, "r-1"),
                {**paid(f"pay-{PERSON}"), "amount": "-1", "note": f"for {PERSON}"},
                {**paid("p-2"), "person_id": f" {PERSON.lower()} ", "date": "2101-01-01"},
            ],
        )
        rejects_file = rejects_path_for(path)
        rejects_file.write_text("old\n")
        rejects_file.chmod(0o644)
        result = CliRunner().invoke(main, ["import", str(path), "--db", ledger_db])
        assert result.exit_code == 1
        assert stat.S_IMODE(rejects_file.stat().st_mode) == 0o600
        text = rejects_file.read_text(encoding="utf-8")
        assert PERSON not in text and PERSON[6:14] not in text
        first, second = read_rejects(path)
        assert first["event_id"] == "pay-610902********1215"
        assert f"for {MASKED}" in first["raw"] and first["line"] == 2
        assert second["event_id"] == "p-2" and MASKED in second["raw"]

        # Standard input with --rejects FILE: the same.
        stdin_rejects = tmp_path / "stdin.rejects.jsonl"
        result = CliRunner().invoke(
            main,
            ["import", "-", "--db", ledger_db, "--rejects", str(stdin_rejects)],
            input=path.read_text(encoding="utf-8"),
        )
        assert result.exit_code == 1
        assert stat.S_IMODE(stdin_rejects.stat().st_mode) == 0o600
        assert PERSON not in stdin_rejects.read_text(encoding="utf-8")
    finally:
        os.umask(old)


def test_rejects_to_a_pipe_are_written_not_replaced(ledger_db: str, tmp_path: Path) -> None:
    """--rejects to a pipe (or a device) writes to it; only a regular file is replaced."""
    fifo = tmp_path / "rejects.fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    data = json.dumps(registered()) + "\n" + json.dumps(paid("p-bad", amount="x")) + "\n"
    result = CliRunner().invoke(
        main, ["import", "-", "--db", ledger_db, "--rejects", str(fifo)], input=data
    )
    reader.join(timeout=30)
    assert result.exit_code == 1, result.output
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    [reject] = [json.loads(line) for line in received[0].splitlines()]
    assert (reject["line"], reject["reason"]) == (2, "bad_amount")


def test_parallel_loaders_reject_what_one_loader_rejects(
    ledger_db: str, other_ledger_db: str, tmp_path: Path
) -> None:
    """Lines rejected as they are read (not text, too long) travel to a loader like any line
    (ledger.importer.RejectedUnit): ``--workers`` gives the same counts and the same rejects
    file (masked, mode 0600) as one loader."""
    from ledger.loaders import LoaderPool

    people = [registered(PERSON, "r-1"), registered("610924196508123425", "r-2")]
    jsonl = write_jsonl(
        tmp_path / "events.jsonl",
        [
            *people,
            json.dumps({**paid("p-long"), "note": "x" * 20_000}),
            json.dumps(paid("p-gb", channel="柜台"), ensure_ascii=False).encode("gb18030"),
            paid("p-" + "y" * 300),
            *(paid(f"p-{n}", year=2020 + n % 6) for n in range(40)),
            paid("p-bad", amount="٤٠٠"),
        ],
    )
    rows = [f"c-{n},{PERSON},paid,2024-10-10,2025,400,{NAMES[n]}" for n in range(12)]
    body = [line.encode() for line in ["event_id,person_id,type,date,coverage_year,amount,x"]]
    body += [row.encode() for row in rows]
    body[5] = body[5][:-3] + b"\xff" + body[5][-3:]
    csv_path = tmp_path / "rows.csv"
    csv_path.write_bytes(b"\n".join(body) + b"\n")
    paths = [jsonl, csv_path]

    def outcome(summaries: list[ImportSummary]) -> list[tuple[int, int, int, str]]:
        result = []
        for summary in summaries:
            assert summary.rejects_path is not None
            assert stat.S_IMODE(summary.rejects_path.stat().st_mode) == 0o600
            text = summary.rejects_path.read_text(encoding="utf-8")
            assert PERSON not in text
            result.append((summary.stored, summary.present, summary.rejected, text))
        return result

    with open_ledger(ledger_db) as app:
        one = outcome(import_files(app, paths, batch_size=7))
    with open_ledger(other_ledger_db):
        pass
    with LoaderPool(other_ledger_db, 2, batch_size=5, chunk=3) as pool:
        two = outcome(pool.import_files(paths))
    assert two == one
    assert [json.loads(line)["reason"] for line in one[0][3].splitlines()] == [
        "too_long",
        "bad_encoding",
        "too_long",
        "bad_amount",
    ]
    assert [json.loads(line)["reason"] for line in one[1][3].splitlines()] == ["bad_encoding"]


NAMES = ["旬阳市医保中心", "汉滨区医保中心", "汉阴县医保中心", "石泉县医保中心", "宁陕县医保中心",
         "紫阳县医保中心", "岚皋县医保中心", "平利县医保中心", "镇坪县医保中心", "白河县医保中心",
         "安康市医保中心", "西安市医保中心"]  # fmt: skip
