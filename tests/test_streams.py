"""Streams: ``-`` is standard input for ``import`` and ``replay --events``; ``history`` and
``replay`` write JSON Lines; ``history --format jsonl | ledger import -`` copies a person into
another store unchanged; the replay of everyone streams, in person id order. On SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledger.application import LedgerApp, open_ledger
from ledger.cli import main
from ledger.stored_read import iter_persons
from policies import builtin_registry
from projections.replay import Cut, person_view, store_views
from tests.support import NEWBORN, OTHER, PERSON, VALID, paid, registered, write_jsonl

MASKED = "610902********1215"
EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _lines(*records: dict[str, Any] | str) -> bytes:
    return "".join(
        (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records
    ).encode("utf-8")


# ---------------------------------------------------------------- standard input


def test_import_jsonl_from_stdin(runner: CliRunner, ledger_db: str) -> None:
    data = b"\xef\xbb\xbf\n" + _lines(registered(PERSON, "r-1"), paid("p-1"), '{"event_id": "x"')
    result = runner.invoke(main, ["import", "-", "--db", ledger_db], input=data)
    assert result.exit_code == 1
    assert "-: 2 stored, 0 already present, 1 rejected (1 invalid_json; listed on stderr)" in (
        result.stdout
    )
    assert "rejected -:4 (event" not in result.stderr  # no event id: invalid JSON
    assert "rejected -:4: invalid_json" in result.stderr
    with open_ledger(ledger_db) as app:
        assert [e.event_id for e in app.events_of(PERSON)] == ["r-1", "p-1"]
    again = runner.invoke(main, ["import", "-", "--db", ledger_db], input=data)
    assert "0 stored, 2 already present, 1 rejected" in again.stdout


def test_import_csv_from_stdin_in_gb18030(runner: CliRunner, ledger_db: str) -> None:
    data = (EXAMPLES / "legacy_gb18030.csv").read_bytes()
    result = runner.invoke(main, ["import", "-", "--db", ledger_db], input=data)
    assert result.exit_code == 0, result.output
    assert "-: 3 stored" in result.stdout
    with open_ledger(ledger_db) as app:
        [first, *_] = app.events_of("610928198002021119")
        assert first.model_dump()["经办机构"] == "旬阳市医保中心"


def test_stdin_rejects_are_masked_or_go_to_a_file(
    runner: CliRunner, ledger_db: str, tmp_path: Path
) -> None:
    bad = {**paid(f"pay-{PERSON}"), "amount": "-1"}
    data = _lines(registered(PERSON, "r-1"), bad)
    result = runner.invoke(main, ["import", "-", "--db", ledger_db], input=data)
    assert result.exit_code == 1
    assert f"rejected -:2 (event pay-{MASKED}): bad_amount" in result.stderr
    assert PERSON not in result.output
    rejects = tmp_path / "stdin.rejects.jsonl"
    result = runner.invoke(
        main, ["import", "-", "--db", ledger_db, "--rejects", str(rejects)], input=data
    )
    assert result.exit_code == 1 and f"see {rejects}" in result.stdout
    [reject] = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert (reject["line"], reject["reason"]) == (2, "bad_amount")


def test_stdin_usage_errors(runner: CliRunner, tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    twice = runner.invoke(main, ["import", "-", "-", "--db", db], input=b"")
    assert twice.exit_code == 2 and "once" in twice.output
    path = write_jsonl(tmp_path / "e.jsonl", [registered(PERSON, "r-1")])
    misplaced = runner.invoke(main, ["import", str(path), "--db", db, "--rejects", "x.jsonl"])
    assert misplaced.exit_code == 2 and "--rejects" in misplaced.output
    empty = runner.invoke(main, ["import", "-", "--db", db], input=b"")
    assert empty.exit_code == 0 and "-: 0 stored" in empty.stdout


def test_replay_events_from_stdin(runner: CliRunner, tmp_path: Path) -> None:
    data = (EXAMPLES / "events.jsonl").read_bytes()
    piped = runner.invoke(main, ["replay", "--events", "-", "--format", "json"], input=data)
    named = runner.invoke(
        main, ["replay", "--events", str(EXAMPLES / "events.jsonl"), "--format", "json"]
    )
    assert piped.exit_code == named.exit_code == 0, piped.output
    assert piped.stdout == named.stdout


# ---------------------------------------------------------------- JSON Lines and round trips


def test_history_jsonl_round_trips_a_person(
    runner: CliRunner, ledger_db: str, other_ledger_db: str, tmp_path: Path
) -> None:
    """A person piped from one store into another: the same records (fingerprints), the same
    views; piped back into the first store: nothing new."""
    lines = [
        paid("p-1"),  # before the registration (I-order)
        registered(PERSON, "r-1", hukou_region="610902", note="汉字 \u2028"),
        {**paid("p-2", year=2026), "recorded_at": "2025-10-10T08:00:00+00:00", "x": [1, 2.5]},
        {**VALID["born"], "guardian_id": PERSON},
        {**VALID["died"], "event_id": "d-1"},
    ]
    path = write_jsonl(tmp_path / "e.jsonl", lines)
    assert runner.invoke(main, ["import", str(path), "--db", ledger_db]).exit_code == 0
    exported = runner.invoke(main, ["history", PERSON, "--db", ledger_db, "--format", "jsonl"])
    assert exported.exit_code == 0, exported.output
    # Split on "\n" only: U+2028 in a string is no line break of JSON Lines.
    records = [json.loads(line) for line in exported.stdout.split("\n") if line]
    assert len(records) == 4 and all("stored_at" in r for r in records)

    into_other = runner.invoke(
        main, ["import", "-", "--db", other_ledger_db], input=exported.stdout
    )
    assert into_other.exit_code == 0, into_other.output
    assert "-: 4 stored, 0 already present, 0 rejected" in into_other.stdout
    back = runner.invoke(main, ["import", "-", "--db", ledger_db], input=exported.stdout)
    assert "-: 0 stored, 4 already present, 0 rejected" in back.stdout

    with open_ledger(ledger_db) as first, open_ledger(other_ledger_db) as second:
        a, b = first.history(PERSON), second.history(PERSON)
        assert [f.event.event_id for f in a] == [f.event.event_id for f in b]
        fingerprints = [first.ledger_recorder.select_fingerprints([f.event.event_id]) for f in a]
        assert fingerprints == [
            second.ledger_recorder.select_fingerprints([f.event.event_id]) for f in b
        ]
        assert all(x.stored_at < y.stored_at for x, y in zip(a, b, strict=True))
        registry = builtin_registry()
        cut = Cut(as_of=date(2026, 12, 31))
        view_a = person_view(first, PERSON, registry, cut=cut)
        view_b = person_view(second, PERSON, registry, cut=cut)
        assert view_a is not None and view_b is not None
        assert view_a.to_dict() == view_b.to_dict()
    again = runner.invoke(main, ["history", PERSON, "--db", other_ledger_db, "--format", "jsonl"])
    strip = [
        {k: v for k, v in json.loads(x).items() if k != "stored_at"}
        for x in again.stdout.split("\n")
        if x
    ]
    assert strip == [{k: v for k, v in r.items() if k != "stored_at"} for r in records]


def test_replay_jsonl_and_the_streamed_array(runner: CliRunner) -> None:
    events = str(EXAMPLES / "events.jsonl")
    as_json = runner.invoke(main, ["replay", "--events", events, "--format", "json"])
    as_jsonl = runner.invoke(main, ["replay", "--events", events, "--format", "jsonl"])
    assert as_json.exit_code == as_jsonl.exit_code == 0
    documents = json.loads(as_json.stdout)
    # The streamed array is exactly what json.dumps of the whole list writes.
    assert as_json.stdout == json.dumps(documents, ensure_ascii=False, indent=2) + "\n"
    assert [json.loads(line) for line in as_jsonl.stdout.splitlines()] == documents
    assert len(documents) == 7
    empty = runner.invoke(main, ["replay", "--events", "/dev/null", "--format", "json"])
    assert empty.exit_code == 0 and empty.stdout == "[]\n"


# ---------------------------------------------------------------- the replay of everyone


PEOPLE = [
    PERSON,
    OTHER,
    NEWBORN,
    "P-10",
    "P-9",
    "p-1",
    "Z",
    "汉滨-1",
    "é-2",
    "😀",
    "610902197003051215-a",
]


def test_everyone_streams_in_person_id_order(app: LedgerApp, tmp_path: Path) -> None:
    """Keyset pages over the person index give every person once, in code point order (the
    order of Python's sort, on both backends), with all their events, whatever the page."""
    from ledger.events import parse_event

    records: list[dict[str, Any]] = []
    for n, person in enumerate(PEOPLE):
        records.append(paid(f"p-{n}", person_id=person, year=2026))
        if person != NEWBORN:
            records.append(registered(person, f"r-{n}"))
        else:
            records.append({**VALID["born"], "event_id": f"b-{n}"})
    app.append([parse_event(r) for r in records])
    expected = sorted(PEOPLE)
    for page in (1, 2, 3, 1000):
        got = list(iter_persons(app, page=page))
        assert [p for p, _ in got] == expected
        assert all(
            [e.event_id for e in events] == [e.event_id for e in app.events_of(p)]
            for p, events in got
        )
    assert list(app.person_ids()) == expected
    registry = builtin_registry()
    streamed = [v.to_dict() for v in store_views(app, registry, page=4)]
    one_by_one = [person_view(app, p, registry) for p in expected]
    assert streamed == [v.to_dict() for v in one_by_one if v is not None]


def test_a_reader_that_goes_away_stops_the_replay_quietly(tmp_path: Path) -> None:
    """``ledger replay --format jsonl | head -1``: no error message, the shell's SIGPIPE status."""
    db = str(tmp_path / "ledger.db")
    events = str(tmp_path / "events.jsonl")
    runner = CliRunner()
    assert runner.invoke(main, ["synth", "--persons", "400", "--out", events]).exit_code == 0
    assert runner.invoke(main, ["import", events, "--db", db]).exit_code == 0
    # 400 persons' views are far more than a pipe holds: the writer meets the closed pipe.
    command = ["replay", "--db", db, "--format", "jsonl"]
    process = subprocess.Popen(
        [sys.executable, "-c", "from ledger.cli import main; main()", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().startswith(b"{")
    process.stdout.close()
    error = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert "error" not in error.lower() and "Traceback" not in error
