"""Two clocks (INTERCHANGE.md "Order and time"): every stored event carries ``stored_at`` (the
ledger's own time) beside ``recorded_at`` (the source's, defaulting to ``stored_at``);
``--known-on`` cuts by ``recorded_at``, ``--stored-on`` by ``stored_at``, both accept a date;
every view states its ``as_of``, ``known_on`` and ``stored_on``. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledger.aggregate import Resident, resident_id
from ledger.application import LedgerApp, open_ledger
from ledger.cli import main
from ledger.events import canonical_json, fingerprint, parse_event, source_record
from ledger.stored_read import StoredEventDecoder
from tests.support import PERSON, VALID, paid, registered, write_jsonl

CST = timezone(timedelta(hours=8))
REG = registered(PERSON, "r-1")


def test_every_stored_event_carries_the_time_of_its_write(app: LedgerApp) -> None:
    before = datetime.now(UTC)
    app.append([parse_event(REG), parse_event(paid("p-1"))])
    middle = datetime.now(UTC)
    app.append([parse_event({**VALID["died"], "event_id": "d-1"})])
    after = datetime.now(UTC)
    first, second, third = app.events_of(PERSON)
    assert first.stored_at == second.stored_at  # one write, one time
    assert first.stored_at is not None and third.stored_at is not None
    assert before <= first.stored_at <= middle <= third.stored_at <= after
    # recorded_at defaults to stored_at; the source's value is kept.
    assert first.recorded_at == first.stored_at
    assert "recorded_at" not in first.model_fields_set
    assert third.recorded_at == datetime(2025, 7, 3, 9, 30, tzinfo=CST)
    # The same on the log and the fast decoder.
    assert [e.stored_at for _, e in app.read_log(1, 10)] == [
        e.stored_at for e in (first, second, third)
    ]
    decoder = StoredEventDecoder(app.mapper)
    stored = list(app.recorder.select_events(resident_id(PERSON)))
    fast = [decoder(s.originator_id, s.originator_version, s.topic, s.state) for s in stored]
    assert [e.stored_at for e in fast] == [first.stored_at, second.stored_at, third.stored_at]
    assert [f.stored_at for f in app.history(PERSON)] == [e.stored_at for e in fast]


def test_stored_at_is_no_part_of_the_record(app: LedgerApp) -> None:
    """An input line's ``stored_at`` is not the source's to give: dropped, on both the fast
    and the general path; the record, its canonical form and fingerprint do not hold it."""
    plain = parse_event(REG)
    with_clock = parse_event({**REG, "stored_at": "1999-01-01T00:00:00+08:00"})
    odd = parse_event({**REG, "stored_at": {"not": "a time"}, "note": 1.5})
    assert with_clock.stored_at is None and odd.stored_at is None
    assert canonical_json(with_clock) == canonical_json(plain)
    assert fingerprint(with_clock) == fingerprint(plain)
    assert "stored_at" not in canonical_json(odd)
    assert [o.status for o in app.append([plain, with_clock])] == ["stored", "present"]
    [stored] = app.events_of(PERSON)
    assert stored.stored_at is not None and stored.stored_at.year > 2000
    assert source_record(stored) == json.loads(canonical_json(plain))


def test_events_stored_before_read_their_stored_at_from_the_stored_record(
    app: LedgerApp,
) -> None:
    """Events written by earlier versions (per-type topics) carry no stored_at field: it is
    the stored domain event's own timestamp, read the same way (no rewrite)."""
    reg, pay = parse_event(REG), parse_event(paid("p-1"))
    resident = Resident._create(
        Resident.Registered, id=resident_id(PERSON), record=canonical_json(reg)
    )
    resident.trigger_event(Resident.Paid, record=canonical_json(pay))
    moments = [e.timestamp for e in resident.pending_events]
    app.save(resident)
    events = app.events_of(PERSON)
    assert [e.stored_at for e in events] == moments
    assert [e.recorded_at for e in events] == moments
    decoder = StoredEventDecoder(app.mapper)
    stored = list(app.recorder.select_events(resident_id(PERSON)))
    assert [
        decoder(s.originator_id, s.originator_version, s.topic, s.state).stored_at for s in stored
    ] == moments


# ---------------------------------------------------------------- the cuts, through the CLI


def _replay(runner: CliRunner, *args: str) -> Any:
    result = runner.invoke(main, ["replay", *args, "--format", "json", "--as-of", "2025-12-31"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_stored_on_asks_what_this_ledger_held(ledger_db: str, tmp_path: Path) -> None:
    """Two imports at two times: --stored-on between them sees the first only, and the view
    says which cut it was computed for."""
    runner = CliRunner()
    first = write_jsonl(tmp_path / "a.jsonl", [REG, paid("p-25", year=2025)])
    second = write_jsonl(tmp_path / "b.jsonl", [{**VALID["died"], "event_id": "d-1"}])
    assert runner.invoke(main, ["import", str(first), "--db", ledger_db]).exit_code == 0
    time.sleep(0.05)
    between = datetime.now(UTC)
    time.sleep(0.05)
    assert runner.invoke(main, ["import", str(second), "--db", ledger_db]).exit_code == 0

    [now] = _replay(runner, "--db", ledger_db)
    assert now["stored_on"] is None and now["known_on"] is None
    assert now["years"][0]["coverage"] == [{"start": "2025-01-01", "end": "2025-06-30"}]

    cut = between.astimezone(CST).isoformat()
    [then] = _replay(runner, "--db", ledger_db, "--stored-on", cut)
    assert then["stored_on"] == cut and then["as_of"] == "2025-12-31"
    assert then["years"][0]["coverage"] == [{"start": "2025-01-01", "end": "2025-12-31"}]
    # The same cut for one person, and as a table header.
    [one] = _replay(runner, PERSON, "--db", ledger_db, "--stored-on", cut)
    assert one == then
    table = runner.invoke(main, ["replay", "--db", ledger_db, "--stored-on", cut])
    assert f"stored on {cut}" in table.output
    # A day: the start of that day in China. Nothing was stored before today.
    today = datetime.now(CST).date().isoformat()
    [early] = _replay(runner, "--db", ledger_db, "--stored-on", today)
    assert early["stored_on"] == f"{today}T00:00:00+08:00"
    assert early["years"] == []


def test_known_on_accepts_a_date_and_defaults_to_stored_at(ledger_db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    lines = [
        {**REG, "recorded_at": "2018-01-02T09:00:00+08:00"},
        {**paid("p-25", year=2025), "recorded_at": "2024-10-10T15:00:00+08:00"},
        {**VALID["died"], "event_id": "d-1", "date": "2025-03-10"},  # recorded 2025-07-03
        {**VALID["reimbursed"], "event_id": "c-1", "date": "2025-02-01"},  # no recorded_at
    ]
    path = write_jsonl(tmp_path / "e.jsonl", lines)
    assert runner.invoke(main, ["import", str(path), "--db", ledger_db]).exit_code == 0
    by_date = _replay(runner, "--db", ledger_db, "--known-on", "2025-05-01")
    by_time = _replay(runner, "--db", ledger_db, "--known-on", "2025-05-01T00:00:00+08:00")
    assert by_date == by_time
    [view] = by_date
    assert view["known_on"] == "2025-05-01T00:00:00+08:00" and view["stored_on"] is None
    # The death was recorded later; the claim, recorded when it was stored (today), too.
    assert view["years"][0]["coverage"] == [{"start": "2025-01-01", "end": "2025-12-31"}]
    [now] = _replay(runner, "--db", ledger_db, "--known-on", datetime.now(UTC).isoformat())
    assert now["years"][0]["coverage"] == [{"start": "2025-01-01", "end": "2025-03-10"}]


@pytest.mark.parametrize(
    "value", ["2025-13-01", "tomorrow", "2025-05-01T00:00:00", "2025-05-01 00:00"]
)
@pytest.mark.parametrize("option", ["--known-on", "--stored-on"])
def test_bad_cuts_are_usage_errors(option: str, value: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["replay", "--db", str(tmp_path / "l.db"), option, value])
    assert result.exit_code == 2
    assert option in result.output and "Traceback" not in result.output


def test_replay_events_stamps_its_start_time(tmp_path: Path) -> None:
    """``replay --events`` stores the file in a scratch ledger at the replay's start time: a
    --stored-on before it sees nothing, one after it everything."""
    runner = CliRunner()
    path = write_jsonl(tmp_path / "e.jsonl", [REG, paid("p-25", year=2025)])
    before = datetime.now(UTC) - timedelta(seconds=1)
    [early] = _replay(runner, "--events", str(path), "--stored-on", before.isoformat())
    assert early["years"] == []
    after = datetime.now(UTC) + timedelta(seconds=5)
    [late] = _replay(runner, "--events", str(path), "--stored-on", after.isoformat())
    assert [y["year"] for y in late["years"]] == [2025]


# ---------------------------------------------------------------- history shows both clocks


def test_history_table_shows_both_clocks_in_china_time(ledger_db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    lines = [REG, {**paid("p-1"), "recorded_at": "2024-10-10T01:00:00+00:00"}]
    path = write_jsonl(tmp_path / "e.jsonl", lines)
    assert runner.invoke(main, ["import", str(path), "--db", ledger_db]).exit_code == 0
    result = runner.invoke(main, ["history", PERSON, "--db", ledger_db])
    assert result.exit_code == 0, result.output
    header, _, first, second = result.output.splitlines()[1:5]
    assert "recorded_at (CST)" in header and "stored_at (CST)" in header
    with open_ledger(ledger_db) as app:
        facts = app.history(PERSON)
    stored = [f.stored_at.astimezone(CST).isoformat(timespec="seconds") for f in facts]
    assert first.count(stored[0]) == 2  # recorded_at defaults to stored_at
    assert "2024-10-10T09:00:00+08:00" in second and stored[1] in second
