"""The PostgreSQL write path under concurrent writers: real importer processes, real server.

- Importers touching the same persons in opposite order never deadlock (issue 12, item 6:
  the resident-state upsert used to take its row locks in the batch's order, before the
  table lock) and every event is stored once.
- Four importers at once, five rounds, with a follower running: it skips and doubles
  nothing, and a reporting feed following the store equals a clean rebuild.
- The COPY path stores exactly the rows the previous path (and SQLite) stores.
- A loader killed with SIGKILL in the middle of a COPY and run again loses and doubles
  nothing.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg.sql import SQL, Identifier

from ledger.application import LedgerApp, open_ledger
from ledger.events import parse_event
from ledger.importer import import_file
from ledger.mapper import LedgerMapper
from ledger.store import WriteRows, originator_uuid, persistence_env
from ledger.store_postgres import LedgerPostgresRecorder, array_literal
from projections.reporting.projector import Projector
from projections.reporting.target import parse_target
from projections.reporting.tracking import ReportingTrackingRecorder
from tests.conftest import PG_URL, _drop_schema
from tests.reporting.conftest import FOLD, TEST_KEY, dump, gen_events
from tests.support import VALID, id_number, paid, registered, write_jsonl

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent


def ledger_command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from ledger.cli import main; main()", *args]


def start(*args: str) -> subprocess.Popen[str]:
    """A ``ledger`` process on this checkout's code."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        ledger_command(*args),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], timeout: float = 300) -> tuple[int, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out + err


def persons(count: int, offset: int = 0) -> list[str]:
    """Valid, distinct ID numbers (born on the first days of 1980)."""
    return [
        id_number(f"6109021980010{1 + n // 1000}{n % 1000:03d}")
        for n in range(offset, offset + count)
    ]


def table_rows(db: str, table: str, columns: str) -> list[tuple[object, ...]]:
    schema = db.rsplit("schema=", 1)[1]
    with psycopg.connect(PG_URL) as conn:
        query = SQL("SELECT {0} FROM {1} ORDER BY 1, 2").format(
            SQL(columns), Identifier(schema, table)
        )
        return [tuple(row) for row in conn.execute(query).fetchall()]


def check_consistent(db: str, expected_ids: set[str]) -> None:
    """Every expected event stored once; each person's versions 1..n with its index rows and
    its state at n."""
    with open_ledger(db, create=False) as app:
        log = []
        position = 0
        while page := app.read_log(position + 1, 5000):
            log.extend(event.event_id for _, event in page)
            position = page[-1][0]
        assert len(log) == len(set(log)), "an event stored twice"
        assert set(log) == expected_ids
    events = table_rows(db, "ledger_events", "originator_id, originator_version")
    versions: dict[object, list[int]] = {}
    for originator_id, version in events:
        versions.setdefault(originator_id, []).append(int(version))  # type: ignore[call-overload]
    for found in versions.values():
        assert found == list(range(1, len(found) + 1))
    index = table_rows(db, "ledger_event_ids", "originator_id, originator_version")
    assert sorted(index) == sorted(events)
    states = table_rows(db, "ledger_residents", "originator_id, originator_version")
    assert {o: int(v) for o, v in states} == {o: len(v) for o, v in versions.items()}  # type: ignore[call-overload]


# ---------------------------------------------------------------- issue 12, item 6


def test_importers_in_opposite_person_order_do_not_deadlock(pg_db: str, tmp_path: Path) -> None:
    """Two importers, the same 300 registered persons, every batch one event for each of
    them, three rounds: one file lists the persons upwards, the other downwards. Each batch
    locks its persons' states in its own order: before, PostgreSQL saw a lock cycle, aborted one
    importer's transaction as a deadlock, and that import failed. Now every writer locks in
    aggregate id order (and a write that loses a race is decided again): both complete,
    nothing doubled or lost."""
    people = persons(300)
    with open_ledger(pg_db) as app:
        app.append([parse_event(registered(p)) for p in people])
    expected = {f"reg-{p}" for p in people}
    years = range(2001, 2011)
    for round_ in range(3):
        up = [paid(f"up-{round_}-{y}-{p}", p, year=y) for y in years for p in people]
        down = [paid(f"down-{round_}-{y}-{p}", p, year=y) for y in years for p in people[::-1]]
        files = [
            write_jsonl(tmp_path / f"up-{round_}.jsonl", up),
            write_jsonl(tmp_path / f"down-{round_}.jsonl", down),
        ]
        batch = str(len(people))
        processes = [
            start("import", str(f), "--db", pg_db, "--batch-size", batch, "--no-progress")
            for f in files
        ]
        for code, output in [finish(p) for p in processes]:
            assert code == 0, output
            assert "deadlock" not in output
        expected |= {line["event_id"] for line in up + down}
        check_consistent(pg_db, expected)


# ---------------------------------------------------------------- a follower during the load


class LogFollower(threading.Thread):
    """Follows the log as a reporting feed does (``read_log(last + 1, …)``, as fast as it
    can), remembering every (notification id, event_id) it is handed."""

    def __init__(self, db: str) -> None:
        super().__init__(daemon=True)
        self.app = open_ledger(db, create=False)
        self.seen: list[tuple[int, str]] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    @property
    def last(self) -> int:
        return self.seen[-1][0] if self.seen else 0

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                page = self.app.read_log(self.last + 1, 500)
                self.seen.extend((position, event.event_id) for position, event in page)
                if not page:
                    time.sleep(0.002)
        except BaseException as exc:  # noqa: BLE001 (reported by the test)
            self.error = exc

    def wait_for(self, position: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.last < position:
            assert self.error is None, self.error
            assert time.monotonic() < deadline, f"the follower is stuck at {self.last}"
            time.sleep(0.01)

    def close(self) -> None:
        self.stop.set()
        self.join(timeout=30)
        self.app.close()


def overlapping_files(tmp_path: Path, round_: int, count: int, files: int) -> list[Path]:
    """``count`` generated events (seed ``round_``: the same persons every round, new events),
    each in two of ``files`` files, in generated order."""
    events = list(gen_events.generate(count, seed=100 + round_))
    paths = []
    for j in range(files):
        mine = [e for i, e in enumerate(events) if (i + j) % files in (0, 1)]
        paths.append(write_jsonl(tmp_path / f"round-{round_}-{j}.jsonl", mine))
    return paths


def test_concurrent_importers_with_a_follower_skip_and_double_nothing(
    pg_db: str, tmp_path: Path
) -> None:
    """Five rounds of four importers at once on overlapping files (every event in two of
    them), batches of 97 lines, while a log follower and a reporting projector follow the
    store. After each round: the follower was handed every stored event exactly once (none
    skipped, none doubled: notification ids are assigned and committed in order under the
    table lock, whatever the interleaving of the writers) and the projector's tables equal a
    clean rebuild's."""
    with open_ledger(pg_db):
        pass  # the tables, before the race
    follower = LogFollower(pg_db)
    follower.start()
    store = open_ledger(pg_db, create=False)
    feed = Projector(store, parse_target(str(tmp_path / "feed.db")), FOLD, TEST_KEY, batch_size=200)
    stop = threading.Event()
    try:
        with feed.open():
            feeding = threading.Thread(target=lambda: feed.follow(stop, interval=0.02))
            feeding.start()
            try:
                for round_ in range(5):
                    paths = overlapping_files(tmp_path, round_, 3000, files=4)
                    processes = [
                        start(
                            "import", str(p), "--db", pg_db, "--batch-size", "97", "--no-progress"
                        )
                        for p in paths
                    ]
                    for code, output in [finish(p) for p in processes]:
                        assert code == 0, output
                    end = store.recorder.max_notification_id()
                    follower.wait_for(end)
                    ids = [event_id for _, event_id in follower.seen]
                    assert len(ids) == len(set(ids)), "the follower was handed an event twice"
                    stored = {e.event_id for _, e in store.read_log(1, 10**6)}
                    assert len(stored) == store.count_events() == 3000 * (round_ + 1)
                    assert set(ids) == stored, f"skipped: {len(stored - set(ids))}"
                    positions = [position for position, _ in follower.seen]
                    assert positions == sorted(positions)
                    ReportingTrackingRecorder(feed.engine).wait(store.name, end, timeout=120)
                    clean = Projector(
                        store,
                        parse_target(str(tmp_path / f"clean-{round_}.db")),
                        FOLD,
                        TEST_KEY,
                        batch_size=1000,
                    )
                    with clean.open():
                        clean.catch_up()
                    assert dump(feed.engine) == dump(clean.engine)
            finally:
                stop.set()
                feeding.join(timeout=60)
    finally:
        follower.close()
        store.close()


# ---------------------------------------------------------------- the same rows on every path


class PreviousPathRecorder(LedgerPostgresRecorder):
    """The write path before COPY, for comparison: the index and states by ``unnest``, then
    the library's own insert of the events (table lock, composite-type array)."""

    def insert_rows(self, rows: WriteRows) -> Sequence[int]:
        stored_events = [StoredEvent(originator_uuid(row[0]), *row[1:]) for row in rows.events]
        ledger_index = [(e, f, originator_uuid(o), v) for e, f, o, v in rows.index]
        ledger_states = [*rows.new_states, *rows.states]
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            if ledger_index:
                curs.execute(
                    SQL(
                        "INSERT INTO {0} (event_id, fingerprint, originator_id, "
                        "originator_version) "
                        "SELECT * FROM unnest(%s::text[], %s::text[], %s::uuid[], %s::bigint[])"
                    ).format(self.index_table),
                    [list(column) for column in zip(*ledger_index, strict=True)],
                )
            if ledger_states:
                curs.execute(
                    SQL(
                        "INSERT INTO {0} (originator_id, person_id, originator_version, state) "
                        "SELECT * FROM unnest(%s::uuid[], %s::text[], %s::bigint[], %s::text[]) "
                        "ON CONFLICT (originator_id) DO UPDATE SET "
                        "originator_version = excluded.originator_version, state = excluded.state"
                    ).format(self.residents_table),
                    [list(column) for column in zip(*ledger_states, strict=True)],
                )
            PostgresApplicationRecorder._insert_stored_events(self, curs, stored_events)
            return PostgresApplicationRecorder._fetch_ids_after_insert_events(
                self, curs, stored_events
            )


TRICKY = '汉字 "quoted" \\ back\nslash \u2028 \x01 😀\ttab'


def mixed_records() -> list[dict[str, Any]]:
    """Every event type, generated histories, and text that needs escaping everywhere
    (records, a person id that is no ID number, an event id with a tab)."""
    records: list[dict[str, Any]] = [dict(r) for r in VALID.values()]
    records += list(gen_events.generate(1500, seed=9))
    records += [{**VALID["paid"], "event_id": f"odd\t{i}", "note": TRICKY * i} for i in range(5)]
    opaque = "外籍 A\\B\t1"
    records += [
        registered(opaque, event_id="opaque-1", birth_date="1980-01-01"),
        paid("opaque-2", opaque, note=TRICKY, extra_number=12345678901234567890),
    ]
    return records


def rows_of(db: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the three tables (no notification ids), comparable across backends."""
    if db.startswith("postgresql"):
        schema = db.rsplit("schema=", 1)[1]
        with psycopg.connect(PG_URL) as conn:
            fetched = {
                table: conn.execute(
                    SQL("SELECT {0} FROM {1} ORDER BY notification_id").format(
                        SQL(columns), Identifier(schema, table)
                    )
                    if table == "ledger_events"
                    else SQL("SELECT {0} FROM {1}").format(SQL(columns), Identifier(schema, table))
                ).fetchall()
                for table, columns in COLUMNS.items()
            }
    else:
        with sqlite3.connect(db) as conn:
            fetched = {
                "ledger_events": conn.execute(
                    f"SELECT {COLUMNS['ledger_events']} FROM stored_events ORDER BY rowid"
                ).fetchall(),
                **{
                    table: conn.execute(f"SELECT {columns} FROM {table}").fetchall()
                    for table, columns in COLUMNS.items()
                    if table != "ledger_events"
                },
            }
    out = {}
    for table, rows in fetched.items():
        normal = [tuple(_normal(v) for v in row) for row in rows]
        out[table] = normal if table == "ledger_events" else sorted(normal)
    return out


COLUMNS = {
    "ledger_events": "originator_id, originator_version, topic, state",
    "ledger_event_ids": "event_id, fingerprint, originator_id, originator_version",
    "ledger_residents": "originator_id, person_id, originator_version, state",
}


def _normal(value: Any) -> Any:
    if isinstance(value, UUID):
        return value.hex
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def test_every_path_stores_the_same_rows(pg_db: str, tmp_path: Path) -> None:
    """The same file (every type, escapes everywhere, batches of 170) imported through the
    COPY path with the ledger's mapper, through the previous path (unnest and the library's
    insert) with the library's plain mapper, and into SQLite: the same rows, byte for byte,
    apart from notification ids (one loader: in the same order too). Each store reads back
    the same events through the ledger's application, whichever wrote it."""
    path = write_jsonl(tmp_path / "mixed.jsonl", mixed_records())
    moment = datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=timezone(timedelta(hours=8)))
    previous_db = pg_db.replace("schema=", "schema=prev_")
    sqlite_db = str(tmp_path / "ledger.db")
    try:
        with open_ledger(pg_db) as app:
            assert isinstance(app.mapper, LedgerMapper) and app.mapper.fast
            summary = import_file(app, path, batch_size=170, stored_at=moment)
            assert summary.rejected == 0, summary.describe()
        with open_ledger(previous_db):
            pass  # the tables
        env = {
            **persistence_env(previous_db),
            "CREATE_TABLE": "n",
            "APPLICATION_RECORDER_TOPIC": "tests.test_pg_write_path:PreviousPathRecorder",
            "MAPPER_TOPIC": "eventsourcing.persistence:Mapper",
        }
        with LedgerApp(env=env) as previous:
            assert type(previous.mapper) is Mapper
            assert isinstance(previous.recorder, PreviousPathRecorder)
            import_file(previous, path, batch_size=170, stored_at=moment)
        with open_ledger(sqlite_db) as app:
            import_file(app, path, batch_size=170, stored_at=moment)
        new_rows = rows_of(pg_db)
        assert len(new_rows["ledger_events"]) == len(mixed_records())
        assert new_rows == rows_of(previous_db)
        assert new_rows == rows_of(sqlite_db)
        views = []
        for db in (pg_db, previous_db, sqlite_db):
            with open_ledger(db, create=False) as app:
                views.append([event for _, event in app.read_log(1, 10**6)])
                assert views[-1][0].stored_at == moment
        assert views[0] == views[1] == views[2]
    finally:
        _drop_schema(previous_db.rsplit("schema=", 1)[1])


# ---------------------------------------------------------------- killed mid-COPY


def wait_for_copy(db: str, table: str, process: subprocess.Popen[str], timeout: float = 120) -> int:
    """Wait until a COPY into ``table`` of ``db`` is under way (rows sent, not committed);
    the number of rows it has processed."""
    schema = db.rsplit("schema=", 1)[1]
    relation = Identifier(schema, table).as_string(None)
    deadline = time.monotonic() + timeout
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        while time.monotonic() < deadline:
            assert process.poll() is None, finish(process)[1]
            row = conn.execute(
                "SELECT tuples_processed FROM pg_stat_progress_copy "
                "WHERE relid = to_regclass(%s) AND tuples_processed > 0",
                (relation,),
            ).fetchone()
            if row is not None:
                return int(row[0])
            time.sleep(0.001)
    raise AssertionError(f"no COPY into {table} seen")


@pytest.mark.parametrize("table", ["ledger_event_ids", "ledger_events"])
def test_a_loader_killed_mid_copy_loses_and_doubles_nothing(
    pg_db: str, tmp_path: Path, table: str
) -> None:
    """``ledger import`` killed with SIGKILL while a COPY of its third or later batch is
    under way (of the index rows, or of the events under the table lock): whole batches are
    stored, in file order, and a second run stores exactly the rest."""
    count, batch = 30_000, 3_000
    path = tmp_path / "events.jsonl"
    gen_events.write(path, count, seed=11)
    event_ids = [json.loads(line)["event_id"] for line in path.read_text().splitlines()]
    with open_ledger(pg_db) as app:
        process = start("import", str(path), "--db", pg_db, "--batch-size", str(batch))
        while app.count_events() < 2 * batch:
            assert process.poll() is None, finish(process)[1]
            time.sleep(0.005)
        wait_for_copy(pg_db, table, process)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        stored = app.count_events()
        assert stored % batch == 0 and 2 * batch <= stored < count
        assert [e.event_id for _, e in app.read_log(1, count + 1)] == event_ids[:stored]
        rerun = import_file(app, path, batch_size=7_000)
        assert (rerun.stored, rerun.present, rerun.rejected) == (count - stored, stored, 0)
        log = [e.event_id for _, e in app.read_log(1, count + 1)]
        assert log == event_ids
    check_consistent(pg_db, set(event_ids))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)))
def test_array_literals_read_back_as_the_values(values: list[str]) -> None:
    """The index lookup sends its event ids as one array literal: any text the ledger can
    store (no NUL) comes back as itself."""
    with psycopg.connect(PG_URL) as conn:
        row = conn.execute("SELECT %s::text[]", (array_literal(values),)).fetchone()
    assert row is not None and row[0] == values


def test_an_array_literal_refuses_a_nul() -> None:
    """NUL separates the values while the literal is made: a value holding one (which
    PostgreSQL's text could not store anyway) is refused, never split in two."""
    with pytest.raises(ValueError, match="NUL"):
        array_literal(["a\x00b", "c"])


def test_the_pipelined_import_switches_threads_sooner_while_it_writes(
    pg_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer thread gets the interpreter back within 1 ms (not Python's 5 ms) while
    batches are written; the interval is restored after, also when the import fails."""
    from ledger.switching import PIPELINE_SWITCH_INTERVAL
    from tests.support import paid

    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(paid(f"e{i}")) + "\n" for i in range(30)))
    seen: list[float] = []
    with open_ledger(pg_db) as app:
        assert app.store_works_apart
        write = app.write

        def spy(plan: Any) -> Any:
            seen.append(sys.getswitchinterval())
            return write(plan)

        monkeypatch.setattr(app, "write", spy)
        before = sys.getswitchinterval()
        summary = import_file(app, path, batch_size=10, progress=False)
        assert summary.stored == 30
        assert seen and set(seen) == {min(before, PIPELINE_SWITCH_INTERVAL)}
        assert sys.getswitchinterval() == before

        def broken(plan: Any) -> Any:
            seen.append(sys.getswitchinterval())
            raise RuntimeError("the disk is full")

        monkeypatch.setattr(app, "write", broken)
        path.write_text(json.dumps(paid("e-new")) + "\n")
        with pytest.raises(RuntimeError, match="disk is full"):
            import_file(app, path, progress=False)
        assert seen[-1] == min(before, PIPELINE_SWITCH_INTERVAL)
        assert sys.getswitchinterval() == before


def test_the_write_path_uses_the_fast_dumpers(
    pg_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ledger.store_postgres as store_postgres
    from tests.support import paid

    cursors: list[Any] = []
    use = store_postgres.use_fast_dumpers

    def spy(curs: Any) -> None:
        use(curs)
        cursors.append(curs)

    monkeypatch.setattr(store_postgres, "use_fast_dumpers", spy)
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(paid(f"e{i}")) + "\n" for i in range(3)))
    with open_ledger(pg_db) as app:
        assert import_file(app, path, progress=False).stored == 3
    assert len(cursors) == 1  # the one write's cursor


def test_copy_dumps_bytea_with_the_bytes_dumper_and_the_same_bytes() -> None:
    """``use_fast_dumpers``: a ``bytea`` column given to ``set_types`` is dumped by psycopg's
    dumper for ``bytes`` (not DB-API's ``Binary`` one, in Python), and reads back the same."""
    from psycopg.adapt import PyFormat
    from psycopg.pq import Format

    from ledger.store_postgres import use_fast_dumpers

    values = [b"", b"\x00\xff", '{"record":"汉字"}'.encode(), bytes(range(256)) * 40]
    with psycopg.connect(PG_URL, autocommit=True) as conn, conn.cursor() as curs:
        bytea = conn.adapters.types["bytea"].oid
        use_fast_dumpers(curs)
        dumper = curs.adapters.get_dumper_by_oid(bytea, Format.BINARY)
        assert dumper is conn.adapters.get_dumper(bytes, PyFormat.BINARY)
        assert (
            conn.adapters.get_dumper_by_oid(bytea, Format.BINARY) is not dumper
        )  # the cursor's only
        curs.execute("CREATE TEMPORARY TABLE fast_dumpers (n int, value bytea)")
        with curs.copy("COPY fast_dumpers FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "bytea"])
            for n, value in enumerate(values):
                copy.write_row((n, value))
        curs.execute("SELECT value FROM fast_dumpers ORDER BY n")
        assert [bytes(row[0]) for row in curs.fetchall()] == values
