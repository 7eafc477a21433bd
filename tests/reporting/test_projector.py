"""The reporting projector against real SQLite files and the real PostgreSQL server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, OperationalError, Tracking
from psycopg.sql import SQL, Identifier
from sqlalchemy import String, Text, select

from ledger.application import LedgerApp, open_ledger
from ledger.events import Event
from projections.reporting import migrate
from projections.reporting.projector import Projector
from projections.reporting.pseudonym import PseudonymKey, PseudonymKeyError
from projections.reporting.schema import Base
from projections.reporting.target import TargetBusy, parse_target
from projections.reporting.tracking import ReportingTrackingRecorder, record_position
from projections.reporting.writer import CONTRIBUTION_YEARS, PERSONS, person_rows

from .conftest import FOLD, PG_URL, ROOT, TEST_KEY, dump, generated_events

Fold = Callable[[Sequence[Event]], Mapping[str, Any]]


def projector(
    app: LedgerApp,
    target: str,
    *,
    fold: Fold = FOLD,
    key: PseudonymKey | None = TEST_KEY,
    batch_size: int = 100,
) -> Projector:
    return Projector(
        app, parse_target(target), fold, key, batch_size=batch_size, warn=lambda m: None
    )


def catch_up(app: LedgerApp, target: str, *, upgrade: bool = False, **kwargs: Any) -> Projector:
    p = projector(app, target, **kwargs)
    with p.open(upgrade=upgrade):
        p.catch_up()
    return p


def test_schema_is_migrated_to_head_and_reopening_is_harmless(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    target = make_db("target")
    p = catch_up(store, target)
    with p.engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
        tables = set(p.engine.dialect.get_table_names(conn))
    assert set(Base.metadata.tables) <= tables
    assert "reporting_alembic_version" in tables
    catch_up(store, target)  # a second start migrates nothing and fails nothing


def test_catch_up_writes_every_person_with_its_fold(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    store.append(generated_events(1500))
    target = make_db("target")
    p = catch_up(store, target, batch_size=128)
    person_ids = list(store.person_ids())
    assert p.position() == store.recorder.max_notification_id()
    with p.engine.connect() as conn:
        stored = dict(conn.execute(select(PERSONS.c.pseudonym, PERSONS.c.events)).all())
    assert set(stored) == {TEST_KEY.pseudonym(pid) for pid in person_ids}
    tables = dump(p.engine)
    for pid in person_ids[:: max(1, len(person_ids) // 25)]:
        events = store.events_of(pid)
        assert stored[TEST_KEY.pseudonym(pid)] == len(events)
        expected = person_rows(
            FOLD(events), TEST_KEY.pseudonym(pid), events=len(events), position=0
        )
        got = [r for r in tables[CONTRIBUTION_YEARS.name] if r[0] == TEST_KEY.pseudonym(pid)]
        assert [r[1] for r in got] == [r["year"] for r in expected.tables[CONTRIBUTION_YEARS.name]]


def test_rows_carry_the_position_of_the_persons_latest_event(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    store.append(generated_events(600))
    p = catch_up(store, make_db("target"), batch_size=50)
    latest: dict[str, int] = {}
    position = 0
    while page := store.read_log(position + 1, 1000):
        for position, event in page:
            latest[TEST_KEY.pseudonym(event.person_id)] = position
    tables = dump(p.engine)
    for name, rows in tables.items():
        columns = [c.name for c in Base.metadata.tables[name].c if c.name != "person_key"]
        if "pseudonym" not in columns:  # dump() leads every row with it
            columns.insert(0, "pseudonym")
        column, person = columns.index("position"), columns.index("pseudonym")
        for row in rows:
            assert row[column] == latest[row[person]], name


def test_ten_incremental_runs_give_the_tables_of_one_rebuild(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    events = generated_events(3000, seed=7)
    incremental = make_db("incremental")
    size = len(events) // 10
    for i in range(10):
        store.append(events[i * size : (i + 1) * size])
        catch_up(store, incremental, batch_size=97)
    rebuilt = projector(store, make_db("rebuilt"))
    with rebuilt.open():
        report = rebuilt.rebuild()
    assert report.changes.persons == report.changes.changed > 0  # a new target: all new
    assert rebuilt.position() == store.recorder.max_notification_id()
    inc = projector(store, incremental)
    assert inc.position() == rebuilt.position()
    assert dump(inc.engine) == dump(rebuilt.engine)


def test_a_projector_killed_mid_run_and_restarted_gives_the_clean_tables(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    store.append(generated_events(6000, seed=3))
    end = store.recorder.max_notification_id()
    target = make_db("killed")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.reporting.projector_proc", _store_arg(store), target, "7"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    tracker = ReportingTrackingRecorder(projector(store, target).engine)
    deadline = time.monotonic() + 60
    position = 0
    while time.monotonic() < deadline:
        try:
            position = tracker.max_tracking_id(store.name) or 0
        except Exception:  # noqa: BLE001 (tables not created yet)
            position = 0
        if position > end // 4:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, err
    assert 0 < position < end, "the kill did not land mid-run"
    # The killed projector's server session may hold the target's lock a moment longer
    # (PostgreSQL ends a busy backend once it notices the client gone): the restart waits
    # for it, as an operator would with --wait, instead of failing as busy.
    restarted = projector(store, target, batch_size=7)
    with restarted.open(wait=True):
        restarted.catch_up()
    assert restarted.position() == end
    clean = catch_up(store, make_db("clean"), batch_size=500)
    assert dump(restarted.engine) == dump(clean.engine)


def _store_arg(app: LedgerApp) -> str:
    env = app.env
    if env.get("PERSISTENCE_MODULE") == "eventsourcing.sqlite":
        return env["SQLITE_DBNAME"]
    return f"{PG_URL}?schema={env['POSTGRES_SCHEMA']}"


def test_a_second_projector_stops_with_a_clear_message(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    store.append(generated_events(300))
    target = make_db("target")
    first = projector(store, target)
    second = projector(store, target)
    with first.open():
        with pytest.raises(TargetBusy, match="another projector is writing"):
            second.open().__enter__()
        first.catch_up()
    with second.open():
        assert second.catch_up().events == 0


def test_a_waiting_projector_starts_when_the_first_is_done_and_applies_nothing_twice(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    store.append(generated_events(400))
    target = make_db("target")
    first = projector(store, target)
    second = projector(store, target)
    results: list[Any] = []
    with first.open():
        waiter = threading.Thread(target=lambda: _open_and_catch_up(second, results))
        waiter.start()
        time.sleep(0.3)
        assert not results, "the second projector did not wait for the lock"
        first.catch_up()
    waiter.join(timeout=30)
    assert results and results[0].events == 0 and results[0].batches == 0
    assert first.position() == store.recorder.max_notification_id()


def _open_and_catch_up(p: Projector, results: list[Any]) -> None:
    with p.open(wait=True):
        results.append(p.catch_up())


def test_the_checkpoint_refuses_a_position_already_applied(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    store.append(generated_events(300))
    target = make_db("target")
    p = catch_up(store, target)
    before = dump(p.engine)
    # Another writer that ignored the lock and processed the same positions cannot commit.
    rogue = projector(store, target)
    rogue._prepare()
    with pytest.raises(IntegrityError, match="not newer"):
        rogue._apply_batch(0)
    with p.engine.begin() as conn, pytest.raises(IntegrityError):
        record_position(conn, Tracking(store.name, p.position()))
    assert dump(p.engine) == before


def test_follow_applies_new_events_until_stopped(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    events = generated_events(800, seed=5)
    store.append(events[:300])
    p = projector(store, make_db("target"))
    stop = threading.Event()
    reports: list[Any] = []
    with p.open():
        thread = threading.Thread(target=lambda: reports.append(p.follow(stop, interval=0.05)))
        thread.start()
        try:
            tracker = ReportingTrackingRecorder(p.engine)
            tracker.wait(store.name, store.recorder.max_notification_id(), timeout=30)
            store.append(events[300:])
            tracker.wait(store.name, store.recorder.max_notification_id(), timeout=30)
        finally:
            stop.set()
            thread.join(timeout=30)
    assert reports and reports[0].interrupted
    # (a target of make_db's: on PostgreSQL its schema is dropped afterwards)
    assert dump(p.engine) == dump(catch_up(store, make_db("other"), batch_size=1000).engine)


def test_a_follower_counts_and_logs_every_batch_it_commits_across_lost_connections(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    """Seen: a follower whose store connection was dropped again and again logged no batch
    line for 40,000 -> 120,000 (the checkpoint moved through them) and ended with "applied
    66127 events" for 166,127. The connection broke after a batch's commit, while the
    follower asked how far behind it was: the batch was neither logged nor counted, and the
    back-off kept growing though batches went through."""
    store.append(generated_events(600, seed=11))
    p = projector(store, make_db("target"))
    logged: list[tuple[str, dict[str, Any]]] = []
    p.log = lambda event, fields: logged.append((event, fields))
    real = p.source.max_position
    calls = [0]

    def flaky() -> int:
        calls[0] += 1
        if calls[0] % 3 == 2:  # the connection goes, now and then, after a commit
            raise OperationalError("server closed the connection unexpectedly")
        return real()

    p.source.max_position = flaky  # type: ignore[method-assign]
    read_log = p.source.read_log
    reads = [0]

    def flaky_read(*args: Any, **kwargs: Any) -> Any:
        reads[0] += 1
        if reads[0] % 4 == 3:  # and now and then before a batch
            raise OperationalError("terminating connection due to administrator command")
        return read_log(*args, **kwargs)

    p.source.read_log = flaky_read  # type: ignore[method-assign]
    stop = threading.Event()
    with p.open():
        thread = threading.Thread(
            target=lambda: reports.append(p.follow(stop, interval=0.05)), daemon=True
        )
        reports: list[Any] = []
        thread.start()
        end = store.recorder.max_notification_id()
        deadline = time.monotonic() + 30
        while p.position() != end and time.monotonic() < deadline:
            time.sleep(0.02)
        stop.set()
        thread.join(timeout=30)
    [report] = reports
    batches = [fields for event, fields in logged if event == "batch"]
    assert report.end == end and report.events == end
    assert sum(b["events"] for b in batches) == end  # every committed batch logged
    assert [b["checkpoint"] for b in batches] == sorted({b["checkpoint"] for b in batches})
    lost = [fields for event, fields in logged if event == "connection_lost"]
    assert lost and max(f["retry_in"] for f in lost) == 0  # a batch between: no back-off
    assert dump(p.engine) == dump(catch_up(store, make_db("other"), batch_size=1000).engine)


@pytest.mark.postgres
def test_gaps_in_notification_ids_are_not_the_end(make_db: Callable[[str], str]) -> None:
    db = make_db("gaps")
    if not db.startswith("postgresql"):
        pytest.skip("rolled-back writes leave gaps in ids on PostgreSQL")
    app = open_ledger(db)
    try:
        events = generated_events(200)
        app.append(events[:100])
        schema = app.env["POSTGRES_SCHEMA"]
        with psycopg.connect(PG_URL) as conn:  # consume ids in a write that rolls back
            conn.execute(
                SQL(
                    "INSERT INTO {0}.ledger_events (originator_id, originator_version, topic, "
                    "state) SELECT gen_random_uuid(), 1, 't', '\\x00' FROM generate_series(1, 50)"
                ).format(Identifier(schema))
            )
            conn.rollback()
        app.append(events[100:])
        positions = [n for n, _ in app.read_log(1, 1000)]
        assert positions[-1] - positions[0] + 1 > len(positions), "no gap was made"
        target = make_db("gaps_target")
        p = catch_up(app, target, batch_size=60)
        assert p.position() == positions[-1]
        clean = projector(app, make_db("gaps_clean"))
        with clean.open():
            clean.rebuild()
        assert dump(p.engine) == dump(clean.engine)
    finally:
        app.close()


def test_rebuild_after_a_fold_change_reports_what_changed(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    store.append(generated_events(2000, seed=11))
    target = make_db("target")
    catch_up(store, target)

    def revised(events: Sequence[Event]) -> Mapping[str, Any]:
        view = FOLD(events)
        for year in view["years"]:
            if year["policy"] == "ankang-2025" and year["coverage"]:
                year["coverage"][0]["start"] = f"{year['year']}-02-01"
                year["policy_revision"] += 1
        return view

    p = projector(store, target, fold=revised)
    with p.open():
        unchanged = projector(store, target)
        report = p.rebuild(policy="ankang-2025")
    coverage = report.changes.tables["coverage_periods"]
    assert report.changes.changed > 0
    assert coverage.persons == report.changes.changed
    assert coverage.fields["start_date"] == coverage.fields["days"] > 0
    assert report.changes.tables["persons"].fields.get("policy_revision", 0) > 0
    # flags rows carry the revision too; nothing else of them changed
    assert set(report.changes.tables["flags"].fields) <= {"policy_revision"}
    text = "\n".join(report.describe())
    assert "start_date changed in" in text
    with unchanged.open():
        again = unchanged.rebuild()  # back to the original fold: the same persons change back
    assert again.changes.changed == report.changes.changed


def test_no_clear_id_number_reaches_the_reporting_database(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    store.append(generated_events(1200))
    p = catch_up(store, make_db("target"), key=None)  # the local random key
    with p.open():
        p.rebuild()
    ids = set(store.person_ids())
    assert ids
    seen = 0
    with p.engine.connect() as conn:
        for table in Base.metadata.tables.values():
            columns = [c for c in table.c if isinstance(c.type, String | Text)]
            for row in conn.execute(select(*columns)):
                for value in row:
                    seen += 1
                    assert not any(pid in str(value) for pid in ids if len(pid) >= 8)
                    assert not any(pid[6:14] + pid[14:] in str(value) for pid in ids)
    assert seen > len(ids)


def test_a_non_local_target_is_refused_without_a_key(store: LedgerApp) -> None:
    with pytest.raises(PseudonymKeyError, match="not on this machine"):
        projector(store, "postgresql://report@reports.example.org:5432/db", key=None)


def test_the_local_key_is_kept_and_another_key_is_refused(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    store.append(generated_events(100))
    target = make_db("target")
    first = catch_up(store, target, key=None)
    second = catch_up(store, target, key=None)
    assert first.key is not None and second.key is not None
    assert first.key.secret == second.key.secret
    other = projector(store, target, key=PseudonymKey(b"another-key-0123456789", "env"))
    with pytest.raises(PseudonymKeyError, match="another pseudonym key"):
        other.open().__enter__()


def test_a_target_built_with_a_key_refuses_a_run_without_it(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    target = make_db("target")
    catch_up(store, target)
    with pytest.raises(PseudonymKeyError, match="built with a pseudonym key"):
        projector(store, target, key=None).open().__enter__()


def test_a_target_ahead_of_the_ledger_is_refused(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    """The backstop for a target that does not know its source (built before targets
    recorded it): a checkpoint past the ledger's end."""
    from sqlalchemy import delete

    from projections.reporting.projector import SOURCE_LEDGER, TargetAhead
    from projections.reporting.schema import ReportingMeta

    store.append(generated_events(100))
    target = make_db("target")
    built = catch_up(store, target)
    with built.engine.begin() as conn:
        meta = ReportingMeta.__table__
        conn.execute(delete(meta).where(meta.c.key == SOURCE_LEDGER))  # type: ignore[attr-defined]
    other = open_ledger(make_db("other_store"))
    try:
        with pytest.raises(TargetAhead, match="another ledger"):
            projector(other, target).open().__enter__()
    finally:
        other.close()


def test_a_target_refuses_another_ledger(store: LedgerApp, make_db: Callable[[str], str]) -> None:
    """Issue 12.9: ledger B projected into a target built from ledger A (B longer than A, so
    the checkpoint is not past B's end) exited 0, kept A's persons and skipped B's first
    events. The target records its source ledger's identity and refuses another one."""
    from projections.reporting.projector import SourceMismatch

    events = generated_events(600, seed=21)
    store.append(events[:100])
    target = make_db("target")
    built = catch_up(store, target)
    before = dump(built.engine)
    other = open_ledger(make_db("other_store"))
    try:
        other.append(generated_events(600, seed=22))
        assert other.recorder.max_notification_id() > built.position()
        with pytest.raises(SourceMismatch, match="built from ledger .* not from this one"):
            catch_up(other, target)
    finally:
        other.close()
    assert dump(built.engine) == before
    store.append(events[100:])
    assert catch_up(store, target).position() == store.recorder.max_notification_id()
