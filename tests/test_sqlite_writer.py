"""A bulk import into a SQLite file has a process of its own write its batches while it reads
and decides the next (:mod:`ledger.sqlite_writer`): the same stored rows as an import in turn,
and whatever stops either process, whole batches counted, nothing doubled, no process left
behind. Real processes, real SQLite files."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from eventsourcing.persistence import PersistenceError

import ledger.importer as importer
import ledger.sqlite_writer as sqlite_writer
from ledger.application import LedgerApp, open_ledger
from ledger.cli import main
from ledger.importer import import_file
from ledger.sqlite_writer import SQLiteWriterProcess
from ledger.store import StoreError, WriteRows
from tests.support import (
    PERSON,
    child_processes,
    paid,
    process_alive,
    read_rejects,
    write_generated_events,
    write_jsonl,
)
from tests.test_import import generated, spy_writer_processes

ROOT = Path(__file__).parent.parent
STORED_AT = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def _rows(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the ledger's tables, in storage order (notification id for the events)."""
    with sqlite3.connect(db) as c:
        return {
            "stored_events": c.execute(
                "SELECT rowid, originator_id, originator_version, topic, state "
                "FROM stored_events ORDER BY rowid"
            ).fetchall(),
            "ledger_event_ids": c.execute(
                "SELECT * FROM ledger_event_ids ORDER BY event_id"
            ).fetchall(),
            "ledger_residents": c.execute(
                "SELECT * FROM ledger_residents ORDER BY originator_id"
            ).fetchall(),
        }


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> list[SQLiteWriterProcess]:
    """A writer process for any import of more than one batch, whatever its batch size; the
    writer processes started, as they start."""
    monkeypatch.setattr(importer, "WRITER_PROCESS_MIN_BATCH", 1)
    monkeypatch.setattr(importer, "WRITER_PROCESS_AFTER", 0)
    return spy_writer_processes(monkeypatch)


def test_an_import_through_the_writer_process_stores_what_one_in_turn_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row for row, in the same notification order, with the same rejects: new persons and
    persons stored before, repeats (present), other content under a stored id (conflict),
    invalid lines, events of one person spread over many batches."""
    first = [paid(f"early-{i}", person_id=PERSON) for i in range(5)]
    lines: list[Any] = list(generated(400))
    lines[50] = '{"event_id": "broken"'
    lines[130] = lines[20]  # present
    lines[260] = {**paid("early-3", person_id=PERSON), "amount": "1"}  # a conflict
    lines += [paid(f"late-{i}", person_id=PERSON) for i in range(30)]
    path = write_jsonl(tmp_path / "events.jsonl", lines)
    started = spy_writer_processes(monkeypatch)
    results = []
    monkeypatch.setattr(importer, "WRITER_PROCESS_AFTER", 0)
    for name, threshold in (("in_turn", 10**9), ("process", 1)):
        monkeypatch.setattr(importer, "WRITER_PROCESS_MIN_BATCH", threshold)
        db = tmp_path / f"{name}.db"
        with open_ledger(str(db)) as app:
            early = write_jsonl(tmp_path / f"first-{name}.jsonl", first)
            import_file(app, early, stored_at=STORED_AT)
            started.clear()
            summary = import_file(app, path, batch_size=16, stored_at=STORED_AT)
        rejects = [(r["line"], r["reason"]) for r in read_rejects(path)]
        results.append(((summary.stored, summary.present, summary.rejected), rejects))
        assert len(started) == (threshold == 1)
        results.append(_rows(db))
    assert results[0] == results[2] and results[1] == results[3]
    assert results[0] == ((len(lines) - 3, 1, 2), [(51, "invalid_json"), (261, "conflict")])


def test_a_long_import_into_a_sqlite_file_gets_a_writer_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import stores :data:`~ledger.importer.WRITER_PROCESS_AFTER` lines in turn; when
    more follow, it starts a writer process, stores batches in turn until it is ready, then
    through it. An input no longer, a batch size below :data:`~ledger.importer.
    WRITER_PROCESS_MIN_BATCH`, or an in-memory database never starts one."""
    monkeypatch.setattr(importer, "PIPELINE_FIRST_BATCH", 20)
    monkeypatch.setattr(importer, "WRITER_PROCESS_MIN_BATCH", 40)
    monkeypatch.setattr(importer, "WRITER_PROCESS_AFTER", 60)
    started = spy_writer_processes(monkeypatch)  # (then waited for: every batch after)
    real = SQLiteWriterProcess.insert_rows
    through: list[int] = []

    def insert_rows(self: SQLiteWriterProcess, rows: WriteRows) -> Any:
        through.append(len(rows.events))
        return real(self, rows)

    monkeypatch.setattr(SQLiteWriterProcess, "insert_rows", insert_rows)
    with open_ledger(str(tmp_path / "ledger.db")) as app:
        short = write_jsonl(tmp_path / "short.jsonl", [paid(f"a-{i}") for i in range(60)])
        assert import_file(app, short).stored == 60  # batches of 20 and 40
        assert started == []
        long = write_jsonl(tmp_path / "long.jsonl", [paid(f"b-{i}") for i in range(3000)])
        assert import_file(app, long).stored == 3000
        assert len(started) == 1
        assert sum(through) == 3000 - 60  # the first 60 lines in turn
        small = write_jsonl(tmp_path / "small.jsonl", [paid(f"c-{i}") for i in range(200)])
        assert import_file(app, small, batch_size=39).stored == 200
        assert len(started) == 1
        assert app.count_events() == 3260
    # (The ledger's commands refuse an in-memory database; the library opens one.)
    in_memory = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": ":memory:",
        "APPLICATION_RECORDER_TOPIC": "ledger.store:LedgerSQLiteRecorder",
        "CREATE_TABLE": "y",
    }
    with LedgerApp(env=in_memory) as memory:
        assert memory.writer_process_settings is None
        assert import_file(memory, long).stored == 3000
    assert len(started) == 1


def test_the_writer_process_killed_mid_import_stops_it_loudly_and_a_rerun_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_batches: list[SQLiteWriterProcess]
) -> None:
    """The writer process gone (here SIGKILL, before the third batch reaches it): the command
    says so in one line, with what is stored counted (exit status 2, no traceback), and a
    second run stores the rest, nothing doubled."""
    lines = generated(100)
    path = write_jsonl(tmp_path / "big.jsonl", lines)
    db = str(tmp_path / "ledger.db")
    real = SQLiteWriterProcess.insert_rows
    sent: list[int] = []

    def kill_before_the_third(self: SQLiteWriterProcess, rows: WriteRows) -> Any:
        sent.append(len(rows.events))
        if len(sent) == 3:
            os.kill(self._process.pid, signal.SIGKILL)
            self._process.wait()
        return real(self, rows)

    monkeypatch.setattr(SQLiteWriterProcess, "insert_rows", kill_before_the_third)
    result = CliRunner().invoke(
        main, ["import", "--db", db, "--batch-size", "10", "--no-progress", str(path)]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "the SQLite writer process ended (killed by signal 9)" in result.output
    assert "20 stored" in result.output and "run the same command again" in result.output
    monkeypatch.undo()
    with open_ledger(db) as app:
        assert app.count_events() == 20
        rerun = import_file(app, path, batch_size=10)
        assert (rerun.stored, rerun.present, rerun.rejected) == (80, 20, 0)
        assert [e.event_id for _, e in app.read_log(1, 1000)] == [x["event_id"] for x in lines]


def _writer_processes_of(pid: int) -> list[int]:
    """The writer processes that ``pid`` started and that still run."""
    return [
        child
        for child in child_processes(pid)
        if b"ledger.sqlite_writer" in _command_line(child) and process_alive(child)
    ]


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.fixture
def big_file(tmp_path: Path) -> Iterator[tuple[Path, list[str]]]:
    path = tmp_path / "events.jsonl"
    yield path, write_generated_events(path, 60_000, seed=11)


def _import_command(path: Path, db: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        # (a writer process from the first batch on: the defaults wait for 100,000 lines)
        "import ledger.importer as i; i.WRITER_PROCESS_AFTER = 0\n"
        "from ledger.cli import main; main()",
        "import",
        str(path),
        "--db",
        db,
        "--no-progress",
    ]


def _started(process: subprocess.Popen[bytes], app: LedgerApp) -> int:
    """Once the import ``process`` has stored its first batch: its writer process."""
    deadline = time.monotonic() + 60
    while app.count_events() == 0:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the import never got going"
        time.sleep(0.005)
    [writer] = _writer_processes_of(process.pid)
    return writer


def _whole_batches(stored: int, total: int) -> set[int]:
    """The counts an import in batches growing from PIPELINE_FIRST_BATCH may stop at."""
    counts, size, done = {0}, importer.PIPELINE_FIRST_BATCH, 0
    while done < total:
        done = min(done + size, total)
        counts.add(done)
        size = min(2 * size, importer.PIPELINE_BATCH_SIZE)
    return counts


def test_an_import_killed_with_sigkill_leaves_no_writer_process_and_a_rerun_completes(
    tmp_path: Path, big_file: tuple[Path, list[str]]
) -> None:
    """``ledger import`` into a SQLite file killed with SIGKILL after its first batch: its
    writer process finishes what it was writing and exits by itself; the store holds whole
    batches, in file order; a second run stores the rest."""
    path, event_ids = big_file
    db = str(tmp_path / "ledger.db")
    open_ledger(db).close()
    process = subprocess.Popen(
        _import_command(path, db), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    with open_ledger(db) as app:
        writer = _started(process, app)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while process_alive(writer):
            assert time.monotonic() < deadline, "the writer process outlived its import"
            time.sleep(0.01)
        stored = app.count_events()
        assert stored in _whole_batches(stored, len(event_ids))
        assert [e.event_id for _, e in app.read_log(1, len(event_ids) + 1)] == event_ids[:stored]
        rerun = import_file(app, path)
        total = len(event_ids)
        assert (rerun.stored, rerun.present, rerun.rejected) == (total - stored, stored, 0)
        assert app.count_events() == total


def test_ctrl_c_at_the_terminal_reaches_the_import_not_its_writer_process(
    tmp_path: Path, big_file: tuple[Path, list[str]]
) -> None:
    """A Ctrl-C reaches every process of the terminal's foreground group. The writer process
    runs in a session of its own: the import waits for the batches sent to it, counts them
    and stops (exit status 130, no traceback), and what it counted is what is stored."""
    path, event_ids = big_file
    db = str(tmp_path / "ledger.db")
    open_ledger(db).close()
    process = subprocess.Popen(
        _import_command(path, db),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # the test's stand-in for the terminal's foreground group
    )
    with open_ledger(db) as app:
        writer = _started(process, app)
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 130, (out, err)
        assert b"Traceback" not in err and b"interrupted" in err
        stored = app.count_events()
        assert f"{stored} stored".encode() in out
        assert 0 < stored < len(event_ids)
        assert not process_alive(writer)


def test_a_writer_process_that_cannot_open_the_ledger_says_why(tmp_path: Path) -> None:
    """The child's failure is raised in the importer as it was raised there."""
    with open_ledger(str(tmp_path / "ledger.db")) as app:
        settings = app.writer_process_settings
    assert settings is not None
    settings["SQLITE_DBNAME"] = str(tmp_path / "no such directory" / "ledger.db")
    with SQLiteWriterProcess(settings) as writer, pytest.raises(PersistenceError) as info:
        writer.insert_rows(WriteRows([("0" * 32, 1, "ledger:Resident.Created", b"{}")]))
    assert "unable to open database file" in str(info.value)


def test_a_writer_process_whose_start_is_interrupted_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C while the child is being given its settings (its constructor has not
    returned, so no ``with`` block will close it): the child is killed and reaped, and
    every file descriptor opened for it is closed."""
    with open_ledger(str(tmp_path / "ledger.db")) as app:
        settings = app.writer_process_settings
    assert settings is not None
    children: list[subprocess.Popen[bytes]] = []
    real_popen = subprocess.Popen

    def popen(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        children.append(real_popen(*args, **kwargs))
        return children[-1]

    def interrupted(self: SQLiteWriterProcess, message: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(subprocess, "Popen", popen)
    monkeypatch.setattr(SQLiteWriterProcess, "_send", interrupted)
    descriptors = len(os.listdir("/proc/self/fd"))
    with pytest.raises(KeyboardInterrupt):
        SQLiteWriterProcess(settings)
    [child] = children
    assert child.returncode is not None  # killed and reaped
    assert len(os.listdir("/proc/self/fd")) == descriptors


def _settings(tmp_path: Path) -> dict[str, str]:
    with open_ledger(str(tmp_path / "ledger.db")) as app:
        settings = app.writer_process_settings
    assert settings is not None
    return settings


def _wait_ready(writer: SQLiteWriterProcess) -> None:
    deadline = time.monotonic() + 30
    while not writer.ready():
        assert time.monotonic() < deadline, "the writer process never got ready"
        time.sleep(0.01)


def test_the_importer_needs_no_posix_module_and_elsewhere_stores_in_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen (a review): ``ledger.sqlite_writer`` imported ``fcntl`` (POSIX only) and the
    importer imports it: on Windows no import could start, on any backend. Without POSIX
    pipes a SQLite file gets no writer process."""
    code = "import sys; sys.modules['fcntl'] = None; import ledger.importer"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    monkeypatch.setattr(sqlite_writer, "SUPPORTED", False)
    with open_ledger(str(tmp_path / "ledger.db")) as app:
        assert app.writer_process_settings is None


def test_the_writer_process_runs_the_importers_code_not_the_working_directorys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen (a review): started with ``python -m``, the child put the working directory
    first on its path, and a ``ledger.py`` there was imported and run (and the import then
    failed, every time). It now imports the importer's own package."""
    settings = _settings(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    (work / "ledger.py").write_text("open('ran', 'w').write('code of the working directory')\n")
    monkeypatch.chdir(work)
    with SQLiteWriterProcess(settings) as writer:
        _wait_ready(writer)
        ids = writer.insert_rows(WriteRows([("0" * 32, 1, "ledger:Resident.Created", b"{}")]))
    assert list(ids) == [1]
    assert not (work / "ran").exists()


def test_a_child_failure_that_cannot_be_unpickled_is_a_store_error_with_its_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen (a review): an exception that pickles but does not unpickle (an ``__init__``
    with two arguments) came out as a ``TypeError`` about that ``__init__``, the child's
    error lost. The child sends such an error's text instead (ID numbers masked)."""
    settings = _settings(tmp_path)
    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "row_error.py").write_text(
        "class RowError(Exception):\n"
        "    def __init__(self, table, detail):\n"
        "        super().__init__(f'{table}: {detail}')\n"
    )
    (inject / "sitecustomize.py").write_text(  # (the child's recorder, made to fail so)
        "import ledger.store as store\n"
        "def insert_rows(self, rows):\n"
        "    from row_error import RowError\n"
        f"    raise RowError('ledger_residents', 'refused {PERSON}')\n"
        "store.LedgerSQLiteRecorder.insert_rows = insert_rows\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(inject))
    with SQLiteWriterProcess(settings) as writer, pytest.raises(StoreError) as info:
        writer.insert_rows(WriteRows([("0" * 32, 1, "ledger:Resident.Created", b"{}")]))
    assert "RowError: ledger_residents: refused" in str(info.value)
    assert PERSON not in str(info.value)


def test_an_import_whose_writer_process_cannot_start_goes_on_in_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Seen (a review): with no file descriptor to spare the writer process could not be
    started, and the import stopped (exit 1, no summary) where it used to complete. The
    process is a speed-up: without it (it cannot be started, or it ends before it is ready)
    the import says so on one line and stores every batch in turn."""
    monkeypatch.setattr(importer, "WRITER_PROCESS_MIN_BATCH", 1)
    monkeypatch.setattr(importer, "WRITER_PROCESS_AFTER", 0)
    lines = generated(100)

    def no_descriptors(*_: Any, **__: Any) -> Any:
        raise OSError(24, "Too many open files")

    with open_ledger(str(tmp_path / "ledger.db")) as app:
        with monkeypatch.context() as patch:
            patch.setattr(importer, "SQLiteWriterProcess", no_descriptors)
            path = write_jsonl(tmp_path / "a.jsonl", lines[:50])
            assert import_file(app, path, batch_size=10).stored == 50
        with monkeypatch.context() as patch:
            patch.setattr(sys, "executable", "/bin/false")  # a child that ends at once
            path = write_jsonl(tmp_path / "b.jsonl", lines[50:])
            assert import_file(app, path, batch_size=10).stored == 50
        assert [e.event_id for _, e in app.read_log(1, 1000)] == [x["event_id"] for x in lines]
    warnings = [r.getMessage() for r in caplog.records if r.name == "ledger.importer"]
    assert len(warnings) == 2
    assert warnings == [
        "the SQLite writer process could not start ([Errno 24] Too many open files); "
        "storing batches in turn",
        "the SQLite writer process could not start (exit status 1); storing batches in turn",
    ]


def test_an_import_whose_writer_process_ends_before_its_settings_go_on_in_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Seen (CI, once in many runs): a writer process that ended before the importer had sent
    it its settings (the pipe broken in the constructor, not in :meth:`ready`) stopped the
    import with ``WriterNotStarted`` where it should have gone on in turn. The child here is
    waited for before the settings are sent, so it is always gone by then."""
    monkeypatch.setattr(importer, "WRITER_PROCESS_MIN_BATCH", 1)
    monkeypatch.setattr(importer, "WRITER_PROCESS_AFTER", 0)
    monkeypatch.setattr(sys, "executable", "/bin/false")
    real_popen = subprocess.Popen

    def ended_at_once(*args: Any, **kwargs: Any) -> Any:
        process = real_popen(*args, **kwargs)
        process.wait()
        return process

    monkeypatch.setattr(sqlite_writer.subprocess, "Popen", ended_at_once)
    lines = generated(40)
    path = write_jsonl(tmp_path / "a.jsonl", lines)
    with open_ledger(str(tmp_path / "ledger.db")) as app:
        descriptors = sorted(os.listdir("/proc/self/fd"))
        assert import_file(app, path, batch_size=10).stored == 40
        assert sorted(os.listdir("/proc/self/fd")) == descriptors  # (its pipes closed)
        assert [e.event_id for _, e in app.read_log(1, 1000)] == [x["event_id"] for x in lines]
    warnings = [r.getMessage() for r in caplog.records if r.name == "ledger.importer"]
    assert warnings == [
        "the SQLite writer process could not start (exit status 1); storing batches in turn"
    ]
