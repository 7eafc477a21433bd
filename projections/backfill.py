"""Backfill (历史数据回灌): bulk-load event files into the ledger, then build the reporting tables
from the whole store, partitioned by person, in one process or on Dask.

Two stages (``ledger backfill``, docs/backfill.md):

1. **Load** — :func:`load_files`: the files go through :func:`ledger.importer.import_files`,
   the path of ``ledger import``: the same validation, the same ``FILE.rejects.jsonl``, the same
   idempotency by ``event_id`` (loading a file twice stores nothing the second time).
2. **Replay** — :func:`project_partitions`: the persons of the store are cut into partitions by
   aggregate id (:mod:`ledger.partitions`); one task per partition (in this process, on a Dask
   ``LocalCluster`` or on an existing cluster: :func:`projections.distributed.run_partitions`)
   folds each person (:func:`projections.person.project_person`) into the rows of the reporting
   tables (:func:`projections.reporting.writer.person_records`, by pseudonym) and writes
   them, :data:`WRITE_CHUNK` persons at a time, so a task holds one chunk of rows and the client
   one small :class:`PartitionWritten` per partition: no view is ever gathered.

Writes, atomic **per partition**:

- PostgreSQL target: the task writes its partition's rows straight into the target (``DELETE``
  of those persons' rows, then ``COPY``) in **one transaction** that commits when the partition
  is complete.
- SQLite target (one writer at a time): the task writes its rows into a staging SQLite file of
  its own (in a directory beside the target, which the workers must be able to write); the
  client copies each completed partition into the target in one transaction (``ATTACH`` +
  ``INSERT … SELECT``: no row passes through Python twice) and deletes the staging file.

A person whose fold fails, or whose rows the target cannot hold, is not written: the task
returns them (pseudonym, masked reason) and the client puts them in the target's quarantine,
as ``ledger project`` does (:class:`projections.reporting.projector.Failure`).

The checkpoint (``projection_tracking``, the one ``ledger project`` keeps) is moved to the end
of the log as it was when the replay began, in a last transaction, **only after every partition
is written**. Rows are always *replaced* (a person's old rows deleted with the new ones
written), so running a backfill again gives the same tables; and a ``ledger project`` after it
continues from that checkpoint, applying only what arrived since (the persons those events
touch are folded again, their rows replaced, never added to). An interrupted replay leaves the
checkpoint where it was: every partition written so far holds complete, current persons, and
running the backfill (or ``ledger project``) again completes the target.

During the replay the target's projector lock is held (no ``ledger project`` runs beside it).
"""

from __future__ import annotations

import gc
import math
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Tracking
from psycopg.sql import SQL
from sqlalchemy import Engine, select

from ledger import progress as bars
from ledger.application import LedgerApp
from ledger.importer import ImportSummary, import_files
from ledger.loaders import LoaderPool
from ledger.partitions import DEFAULT_PAGE, histories_in_partition, open_ledger_readonly
from ledger.store import LedgerSQLiteRecorder
from ledger.store_postgres import LedgerPostgresRecorder
from projections.distributed import _registry, run_partitions
from projections.person import project_person, today_in_china
from projections.reporting.policyset import policy_set_of
from projections.reporting.projector import Failure, Projector, write_persons
from projections.reporting.pseudonym import PseudonymKey
from projections.reporting.target import Target, make_engine
from projections.reporting.tracking import record_position
from projections.reporting.writer import (
    COLUMNS,
    KEY,
    PERSONS,
    TABLES,
    PersonRecords,
    person_records,
)

PERSONS_PER_PARTITION = 20_000
"""Default partition size: enough partitions for a meaningful progress bar and for Dask to
balance, few enough that each task's fixed cost (opening the store, a transaction) is small."""
WRITE_CHUNK = 1_000
"""Persons whose rows a task holds before writing them."""
SOURCE_SUFFIXES = (".jsonl", ".csv")
"""What a directory given to the backfill contributes: ``*.jsonl`` and ``*.csv``, name order."""


# ---------------------------------------------------------------- stage 1: load


@dataclass
class LoadReport:
    """What the load stage did."""

    files: list[ImportSummary] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def stored(self) -> int:
        return sum(s.stored for s in self.files)

    @property
    def present(self) -> int:
        return sum(s.present for s in self.files)

    @property
    def rejected(self) -> int:
        return sum(s.rejected for s in self.files)

    @property
    def lines(self) -> int:
        return self.stored + self.present + self.rejected


def source_files(source: Path) -> list[Path]:
    """The files of a backfill source: the file itself, or every ``*.jsonl`` and ``*.csv`` of a
    directory in name order (not its ``*.rejects.jsonl``, written by earlier loads)."""
    if not source.is_dir():
        return [source]
    return sorted(
        path
        for path in source.iterdir()
        if path.is_file()
        and path.suffix.lower() in SOURCE_SUFFIXES
        and not path.name.endswith(".rejects.jsonl")
    )


def load_files(
    app: LedgerApp,
    paths: Sequence[Path],
    *,
    progress: bool | None = None,
    loaders: int = 1,
    scheduler: str | None = None,
    db: str | None = None,
) -> LoadReport:
    """Import ``paths`` in order (:func:`ledger.importer.import_files`: validation, rejects
    files, idempotency); :class:`ledger.importer.ImportInterrupted` on Ctrl-C.

    With ``loaders`` above 1, or a Dask ``scheduler``, the files are split by person across
    that many loaders on the store ``db`` (the one ``app`` holds), local processes or actors
    on the cluster (:class:`ledger.loaders.LoaderPool`: the same result as one loader)."""
    began = time.perf_counter()
    try:
        if loaders > 1 or scheduler is not None:
            with LoaderPool(db, loaders if loaders > 1 else 0, scheduler=scheduler) as pool:
                report = LoadReport(pool.import_files(paths, progress=progress))
        else:
            report = LoadReport(import_files(app, paths, progress=progress))
    finally:
        # The import caches up to 100,000 residents' states; the replay needs none of them.
        app.forget_residents()
        gc.collect()
    report.seconds = time.perf_counter() - began
    return report


# ---------------------------------------------------------------- stage 2: replay tasks


@dataclass(frozen=True)
class BackfillOptions:
    """What every partition task needs (picklable: sent to the workers)."""

    db: str
    target: Target
    secret: bytes
    """The pseudonym key: workers compute the pseudonyms (see docs/backfill.md on clusters)."""
    partitions: int
    as_of: date
    policies: str | None = None
    stage_dir: str | None = None
    """SQLite target: where tasks stage their rows for the client to copy in."""
    page: int = DEFAULT_PAGE
    chunk: int = WRITE_CHUNK

    def __repr__(self) -> str:  # never show the key
        return (
            f"BackfillOptions(target={self.target.display!r}, partitions={self.partitions}, "
            f"as_of={self.as_of})"
        )


@dataclass(frozen=True)
class PartitionWritten:
    """What one partition task did; no personal data."""

    index: int
    persons: int
    events: int
    rows: int
    seconds: float
    stage: str | None = None
    """SQLite target: the staging file holding the partition's rows."""
    quarantined: tuple[Failure, ...] = ()
    """The persons not written (their fold failed, or the target cannot hold their rows):
    pseudonyms and masked reasons only."""


def build_partition(options: BackfillOptions, index: int) -> PartitionWritten:
    """Fold every person of partition ``index`` and write their reporting rows: one task."""
    began = time.perf_counter()
    registry = _registry(options.policies)
    key = PseudonymKey(options.secret, "backfill")
    sink: _Sink
    if options.target.dialect == "postgresql":
        sink = _PostgresSink(options.target)
    else:
        assert options.stage_dir is not None
        path = os.path.join(options.stage_dir, f"part-{index:05d}-of-{options.partitions:05d}.db")
        sink = _StageSink(path)
    persons = events = rows = 0
    failed: list[Failure] = []
    app = open_ledger_readonly(options.db)
    try:
        chunk: list[PersonRecords] = []
        for person_id, person_events, positions in histories_in_partition(
            app, index, options.partitions, page=options.page
        ):
            persons += 1
            events += len(person_events)
            pseudonym = key.pseudonym(person_id)
            try:
                view = project_person(
                    person_events, registry, as_of=options.as_of, person_id=person_id
                )
                records = person_records(
                    view, pseudonym, events=len(person_events), position=positions[-1]
                )
            except Exception as exc:  # noqa: BLE001 (one person's failure is quarantined)
                failed.append(Failure.of_fold(pseudonym, positions[-1], len(person_events), exc))
                continue
            chunk.append(records)
            if len(chunk) >= options.chunk:
                rows += sink.write(chunk, failed)
                chunk = []
        if chunk:
            rows += sink.write(chunk, failed)
        sink.commit()
    finally:
        sink.close()
        app.close()
    stage = sink.path if isinstance(sink, _StageSink) else None
    return PartitionWritten(
        index, persons, events, rows, time.perf_counter() - began, stage, tuple(failed)
    )


class _Sink:
    def write(self, persons: Sequence[PersonRecords], failed: list[Failure]) -> int:
        """Write the persons' rows; the rows written. The persons whose rows the target
        cannot hold are added to ``failed`` (not written)."""
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _PostgresSink(_Sink):
    """The partition's rows straight into the target, in one transaction."""

    def __init__(self, target: Target) -> None:
        self.engine = make_engine(target)
        self.conn = self.engine.connect()
        self.transaction = self.conn.begin()

    def write(self, persons: Sequence[PersonRecords], failed: list[Failure]) -> int:
        lost = write_persons(self.conn, persons)  # values beyond a column: quarantined
        failed += lost
        names = {f.pseudonym for f in lost}
        return _row_count(p for p in persons if p.pseudonym not in names)

    def commit(self) -> None:
        self.transaction.commit()

    def close(self) -> None:
        if self.transaction.is_active:
            self.transaction.rollback()
        self.conn.close()
        self.engine.dispose()


class _StageSink(_Sink):
    """The partition's rows into a staging SQLite file (disposable: no journal, no sync)."""

    def __init__(self, path: str) -> None:
        self.path = path
        partial = Path(path + ".partial")
        partial.unlink(missing_ok=True)
        self.partial = str(partial)
        self.db = sqlite3.connect(self.partial, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("BEGIN")
        self.statements: list[str] = []
        for table in TABLES:
            # The per-year rows carry their person's pseudonym here (the target numbers
            # persons only when the partition is merged).
            columns = _staged_columns(table)
            self.db.execute(f"CREATE TABLE {table.name} ({', '.join(columns)})")
            self.statements.append(
                f"INSERT INTO {table.name} VALUES ({','.join('?' * len(columns))})"
            )
        self.done = False

    def write(self, persons: Sequence[PersonRecords], failed: list[Failure]) -> int:
        # Rows are already in the form the target stores (writer.PersonRecords); SQLite holds
        # any value, so nothing fails here (the staged rows go into a SQLite target).
        self.db.executemany(self.statements[0], [p.tables[0][0] for p in persons])
        for index, statement in enumerate(self.statements[1:], start=1):
            self.db.executemany(
                statement, [(p.pseudonym, *row) for p in persons for row in p.tables[index]]
            )
        return _row_count(persons)

    def commit(self) -> None:
        self.db.execute("COMMIT")
        self.db.close()
        os.replace(self.partial, self.path)  # the staging file appears only when complete
        self.done = True

    def close(self) -> None:
        if not self.done:
            self.db.close()
            Path(self.partial).unlink(missing_ok=True)


def _staged_columns(table: Any) -> tuple[str, ...]:
    columns = COLUMNS[table.name]
    return columns if table is PERSONS else ("pseudonym", *columns)


def _row_count(persons: Iterable[PersonRecords]) -> int:
    return sum(len(rows) for person in persons for rows in person.tables)


def merge_stage(engine: Engine, stage: str, *, replace: bool = True) -> None:
    """Copy one partition's staged rows into the SQLite target, replacing those persons' rows
    (``replace=False``: the target holds none of them), in one transaction.

    Persons the target has keep their ``person_key``; new ones are numbered past the largest,
    and every table gets its rows in key order: appended to the keys' B-trees, not inserted at
    random places. The staged rows carry pseudonyms; a temporary table maps them to numbers."""
    raw = engine.raw_connection()
    try:
        db: Any = raw.driver_connection  # autocommit sqlite3 connection (see target.py)
        db.execute("ATTACH DATABASE ? AS stage", (stage,))
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                _merge_staged_rows(db, replace)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        finally:
            db.execute("DROP TABLE IF EXISTS temp.stage_keys")
            db.execute("DETACH DATABASE stage")
    finally:
        raw.close()


def _merge_staged_rows(db: Any, replace: bool) -> None:
    # The largest number before any delete: persons replaced below keep theirs, which may be
    # the largest ones.
    (last,) = db.execute(f"SELECT COALESCE(MAX({KEY}), 0) FROM main.persons").fetchone()
    # One row per staged person, numbered 1, 2, … in the stage's order (``n``); their
    # number in the target where it has them.
    db.execute(
        "CREATE TEMP TABLE stage_keys "
        "(n INTEGER PRIMARY KEY, pseudonym TEXT NOT NULL UNIQUE, person_key INTEGER)"
    )
    if replace:
        db.execute(
            "INSERT INTO temp.stage_keys (pseudonym, person_key) "
            "SELECT s.pseudonym, p.person_key FROM stage.persons s "
            "LEFT JOIN main.persons p ON p.pseudonym = s.pseudonym ORDER BY s.rowid"
        )
        present = "SELECT person_key FROM temp.stage_keys WHERE person_key IS NOT NULL"
        for table in TABLES:
            db.execute(f"DELETE FROM main.{table.name} WHERE {KEY} IN ({present})")
    else:
        db.execute(
            "INSERT INTO temp.stage_keys (pseudonym) "
            "SELECT pseudonym FROM stage.persons ORDER BY rowid"
        )
    # New persons: numbered past the largest (n keeps them in order; the numbers of persons
    # the target had are skipped, which leaves gaps, harmless).
    db.execute("UPDATE temp.stage_keys SET person_key = ? + n WHERE person_key IS NULL", (last,))
    for table in TABLES:
        columns = COLUMNS[table.name]
        order = ", ".join(f"t.{c.name}" for c in table.primary_key.columns if c.name != KEY)
        db.execute(
            f"INSERT INTO main.{table.name} ({KEY}, {', '.join(columns)}) "
            f"SELECT k.person_key, {', '.join('t.' + c for c in columns)} "
            f"FROM stage.{table.name} t JOIN temp.stage_keys k ON k.pseudonym = t.pseudonym "
            f"ORDER BY k.person_key{', ' + order if order else ''}"
        )


# ---------------------------------------------------------------- stage 2: the client


@dataclass
class ReplayReport:
    """What the replay stage did."""

    partitions: int
    checkpoint_before: int
    checkpoint: int
    done: int = 0
    """Partitions written."""
    persons: int = 0
    events: int = 0
    rows: int = 0
    seconds: float = 0.0
    task_seconds: float = 0.0
    """Sum of the partition tasks' times (read, fold, rows, write or stage), over all workers."""
    merge_seconds: float = 0.0
    """SQLite target: time the client spent copying staged partitions into the target."""
    staged: bool = False
    """Whether partitions were staged and copied in by the client (a SQLite target)."""
    interrupted: bool = False
    quarantined: list[Failure] = field(default_factory=list)
    """The persons not written, for the target's quarantine (``ledger project`` retries
    them at every start)."""

    def add(self, result: PartitionWritten) -> None:
        self.done += 1
        self.quarantined += result.quarantined
        self.persons += result.persons
        self.events += result.events
        self.rows += result.rows
        self.task_seconds += result.seconds


def count_persons(app: LedgerApp) -> int:
    """How many persons the store holds (one ``COUNT(*)``, no list of ids)."""
    recorder = app.recorder
    if isinstance(recorder, LedgerSQLiteRecorder):
        with recorder.datastore.transaction(commit=False) as c:
            c.execute("SELECT COUNT(*) FROM ledger_residents")
            count: int = c.fetchone()[0]
            return count
    if isinstance(recorder, LedgerPostgresRecorder):
        with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(SQL("SELECT COUNT(*) AS n FROM {0}").format(recorder.residents_table))
            row = curs.fetchone()
            assert row is not None
            return int(row["n"])
    raise TypeError(f"cannot count the persons of a {type(recorder).__name__}")


def default_partitions(persons: int, workers: int, scheduler: str | None) -> int:
    """About :data:`PERSONS_PER_PARTITION` persons a partition, and at least 4 per worker (16 on
    an existing cluster) so that a slow partition does not hold the others back."""
    floor = 16 if scheduler else 4 * workers if workers else 1
    return max(floor, math.ceil(persons / PERSONS_PER_PARTITION))


@dataclass
class ReplaySession:
    """A replay's target, opened and checked: its projector (holding the target's lock) and
    the policies file (``None``: the built-in policies)."""

    projector: Projector
    policies: str | None


@contextmanager
def replay_session(
    app: LedgerApp,
    target: Target,
    key: PseudonymKey | None,
    *,
    policies: str | Path | None = None,
    wait: bool = False,
    warn: Callable[[str], None] | None = None,
) -> Iterator[ReplaySession]:
    """Everything that can refuse a replay into ``target``, checked before anything is done,
    and the target's lock, held until the block ends: the policies file, the pseudonym key
    (missing for a target on another machine, not the one the target was built with), the
    target's schema (an upgrade that drops data), its source ledger, the projector lock.
    ``ledger backfill`` opens it before loading a single file: a refused run stores nothing
    (it used to load every file, then refuse). ``key`` as for ``ledger project``."""
    policies_path = str(policies) if policies is not None else None
    registry = _registry(policies_path)  # a bad parameter file fails before any worker starts
    projector = Projector(
        app,
        target,
        lambda events: project_person(events, registry).to_dict(),
        key,
        warn=warn,
        policy_set=policy_set_of(registry, policies_path),
    )
    with projector.open(wait=wait):
        yield ReplaySession(projector, policies_path)


def project_partitions(
    app: LedgerApp,
    db: str,
    target: Target,
    key: PseudonymKey | None,
    *,
    workers: int = 0,
    scheduler: str | None = None,
    partitions: int | None = None,
    policies: str | Path | None = None,
    as_of: date | None = None,
    progress: bool | None = None,
    wait: bool = False,
    warn: Callable[[str], None] | None = None,
    session: ReplaySession | None = None,
) -> ReplayReport:
    """Build the reporting tables of ``target`` from every person of the store ``db`` (opened
    as ``app``); see the module docstring. ``key`` as for ``ledger project`` (``None``: the
    target's local key, for a local target). ``session``: a :func:`replay_session` already
    open on ``target`` (then ``key``, ``policies`` and ``wait`` are its); else one is opened
    for the replay."""
    if workers < 0:
        raise ValueError("workers must be 0 (in process) or more")
    if workers and scheduler:
        raise ValueError("give either workers (a local cluster) or scheduler, not both")
    began = time.perf_counter()
    run = partial(
        _replay,
        app,
        db,
        target,
        began=began,
        workers=workers,
        scheduler=scheduler,
        partitions=partitions,
        as_of=as_of,
        progress=progress,
    )
    if session is not None:
        return run(session)
    with replay_session(app, target, key, policies=policies, wait=wait, warn=warn) as opened:
        return run(opened)


def _replay(
    app: LedgerApp,
    db: str,
    target: Target,
    session: ReplaySession,
    *,
    began: float,
    workers: int,
    scheduler: str | None,
    partitions: int | None,
    as_of: date | None,
    progress: bool | None,
) -> ReplayReport:
    """The replay of :func:`project_partitions`, in an open session (its lock held)."""
    projector = session.projector
    policies_path = session.policies
    assert projector.key is not None
    # Every person is written again: the target may switch to this policy set, which is
    # recorded once every partition is written (docs/reporting.md, "Policy set").
    projector.check_policy_set(rebuild=True)
    projector.begin_switch(None)
    start = projector.position()
    end = projector.source.max_position()
    persons = count_persons(app)
    count = partitions or default_partitions(persons, workers, scheduler)
    stage_dir = None
    if target.dialect == "sqlite":
        assert target.path is not None
        # Staging left by a killed backfill of this target (the lock we hold says no other
        # backfill is using it).
        for stale in target.path.parent.glob(f".{target.path.name}.backfill-*"):
            shutil.rmtree(stale, ignore_errors=True)
        stage_dir = tempfile.mkdtemp(
            prefix=f".{target.path.name}.backfill-", dir=target.path.parent
        )
    options = BackfillOptions(
        db=db if "://" in db else os.path.abspath(db),
        target=target,
        secret=projector.key.secret,
        partitions=count,
        as_of=as_of or today_in_china(),
        policies=policies_path,
        stage_dir=stage_dir,
    )
    report = ReplayReport(
        partitions=count,
        checkpoint_before=start,
        checkpoint=start,
        staged=stage_dir is not None,
    )
    # An empty target (a first backfill) has no rows to replace: skip the deletes. Safe
    # because the projector lock is held and partitions hold disjoint persons.
    replace = not _is_empty(projector.engine)
    show = bars.wanted(progress)
    try:
        with projector.run_recorded("backfill"):
            with bars.bar(
                total=persons, desc="replay", unit="person", enabled=show, forced=progress
            ) as bar:
                for result in _results(options, workers, scheduler):
                    if result.stage is not None:
                        merging = time.perf_counter()
                        merge_stage(projector.engine, result.stage, replace=replace)
                        os.remove(result.stage)
                        report.merge_seconds += time.perf_counter() - merging
                    report.add(result)
                    bar.update(result.persons)
                    bar.set_postfix(partitions=f"{report.done}/{count}")
            # Every partition is written: only now may the checkpoint move, and the quarantine
            # become this replay's (every person was written again, or failed again).
            with projector.transaction() as conn:
                projector.replace_quarantine(conn, report.quarantined)
                if end > start:
                    record_position(conn, Tracking(projector.source.application_name, end))
            report.checkpoint = max(end, start)
            projector.record_run(
                mode="backfill",
                state="finished",
                events=report.events,
                persons=report.persons,
                quarantined=len(report.quarantined),
                checkpoint=report.checkpoint,
            )
            projector.finish_switch()
    except KeyboardInterrupt:
        report.interrupted = True
        raise
    finally:
        if stage_dir is not None:
            shutil.rmtree(stage_dir, ignore_errors=True)
        report.seconds = time.perf_counter() - began
    return report


def _is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(PERSONS.c.pseudonym).limit(1)).first() is None


def _results(
    options: BackfillOptions, workers: int, scheduler: str | None
) -> Iterator[PartitionWritten]:
    yield from run_partitions(
        build_partition, options, options.partitions, workers=workers, scheduler=scheduler
    )


__all__ = [
    "BackfillOptions",
    "LoadReport",
    "PartitionWritten",
    "ReplayReport",
    "build_partition",
    "count_persons",
    "default_partitions",
    "load_files",
    "merge_stage",
    "project_partitions",
    "replay_session",
    "ReplaySession",
    "source_files",
]
