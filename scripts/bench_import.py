#!/usr/bin/env python3
"""Benchmark ``ledger import`` against the raw insert rates and the library's one-save path.

Generates N events (``scripts/gen_events.py``), then measures, in one run:

1. ``ledger import`` into a fresh SQLite file (its batches written by a writer process,
   :mod:`ledger.sqlite_writer`), and as its baseline just before it the same import with
   every batch stored in turn by the importer itself (``--rounds N``: N of each, median);
2. ``ledger import`` into PostgreSQL with one loader, then with 2 (``--workers 2``: loader
   processes split by person), each into a fresh schema dropped afterwards (``--no-pg``
   skips the PostgreSQL measurements);
3. raw ``COPY`` (binary, psycopg's ``write_row``, one client) of the same rows -- the
   stored-event rows the SQLite import wrote (originator_id, version, topic, state) -- into
   a PostgreSQL table of the events table's shape with its primary key and its notification
   id (``bigserial``) and unique index, in transactions of the batch size: before the
   PostgreSQL imports and again after them, so that their ratio is taken against the two
   runs around them together, their rows over their time (``--rounds N`` repeats imports
   and closing ``COPY`` N times and gives the median ratio: this machine's speed drifts by
   tens of percent over minutes);
4. raw ``executemany`` of the same rows into a bare SQLite table (no key, no index);
5. the library's own path: each event applied to its Resident aggregate (kept in memory) and
   stored with one ``Application.save`` call per aggregate, on the first ``--save-events``
   events (default 50,000) of the same file, parsed the same way as the import does;

and prints events/s for each (wall clock, and per CPU second of this process and its loader
processes: the machine may be shared; the PostgreSQL server's CPU is not counted), on Linux
the share of the machine's CPU time its hypervisor gave to other machines during each run
(``steal``: a virtual machine's runs slowed by its host, which the load average does not
show), the ratios the issues ask for, the load average before and after, and the peak RSS.
Examples::

    python scripts/bench_import.py                       # 1,000,000 events (a few minutes)
    python scripts/bench_import.py --rounds 3             # the issue-15 ratio, median of 3
    python scripts/bench_import.py --events 20000 --no-pg
    python scripts/bench_import.py --smoke               # CI: 20,000 events

``--profile FILE`` then imports the file once more into a fresh SQLite file under cProfile
(not timed), writes the profile to FILE and prints its top functions.
Targets: SQLite import ≥ 50,000 events/s, within 5x of raw inserts and ≥ 5x the
one-save path (issue 2); PostgreSQL import ≥ 50,000 events/s with one loader and ≥ 0.25 of
raw COPY in the same run, more with 2 loaders (issue 15).
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import json
import os
import pstats
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ledger.importer as importer  # noqa: E402
from ledger.aggregate import Resident, resident_id  # noqa: E402
from ledger.application import open_ledger  # noqa: E402
from ledger.events import parse_event  # noqa: E402
from ledger.importer import (  # noqa: E402
    DEFAULT_BATCH_SIZE,
    import_file,
)
from ledger.loaders import LoaderPool  # noqa: E402

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class Measure:
    label: str
    events: int
    wall: float
    cpu: float
    stolen: float | None = None
    """The share of the machine's CPU time its hypervisor gave to other machines during the
    run (``steal``, :func:`stolen_share`); ``None`` where it cannot be read."""
    server_cpu: float | None = None
    """CPU seconds the PostgreSQL server's processes used during the run (a local server:
    :func:`server_cpu_seconds`); ``None`` for SQLite or where it cannot be read."""

    @property
    def rate(self) -> float:
        return self.events / self.wall if self.wall else float("inf")

    @property
    def cpu_rate(self) -> float:
        return self.events / self.cpu if self.cpu else float("inf")

    def line(self) -> str:
        return (
            f"{self.label:<44} {self.events:>10,} ev {self.wall:>8.2f} s "
            f"{self.rate:>10,.0f} ev/s   (cpu {self.cpu:>7.2f} s, {self.cpu_rate:>9,.0f} ev/cpu-s)"
            + ("" if self.stolen is None else f" steal {self.stolen:.0%}")
            + ("" if self.server_cpu is None else f" server cpu {self.server_cpu:.2f} s")
        )


CpuTimes = tuple[int, int]
"""``(stolen, total)`` CPU time of the whole machine since it booted, in clock ticks."""


def parse_proc_stat(text: str) -> CpuTimes | None:
    """The machine's :data:`CpuTimes` from the text of Linux's ``/proc/stat`` (its ``cpu``
    line: user, nice, system, idle, iowait, irq, softirq, steal, then guest times already
    counted in user and nice); ``None`` when the text has no such line."""
    fields = text.split("\n", 1)[0].split()
    if len(fields) < 9 or fields[0] != "cpu":
        return None
    ticks = [int(value) for value in fields[1:9]]
    return ticks[7], sum(ticks)


def machine_cpu_times() -> CpuTimes | None:
    """The machine's :data:`CpuTimes` now (Linux; ``None`` elsewhere)."""
    try:
        return parse_proc_stat(Path("/proc/stat").read_text())
    except (OSError, ValueError):
        return None


def stolen_share(before: CpuTimes | None, after: CpuTimes | None) -> float | None:
    """The share of the machine's CPU time stolen between two readings: on a virtual machine,
    time its CPUs were ready to run but the hypervisor ran another machine (``steal``). Runs
    measured while it was high were slowed by the host, not by what they measure."""
    if before is None or after is None or after[1] <= before[1] or after[0] < before[0]:
        return None  # (no time passed, or a counter went back: a migrated virtual machine)
    return (after[0] - before[0]) / (after[1] - before[1])


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds a running process has used (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stat_cpu_ticks(text: str) -> int:
    """Clock ticks of CPU of a process and of its children it has reaped, from the text of
    its Linux ``/proc/PID/stat`` (utime, stime, cutime, cstime: fields 14-17; the command
    name before them, in parentheses, may hold spaces)."""
    fields = text.rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15])


def server_cpu_seconds(name: str = "postgres") -> float | None:
    """CPU seconds used so far by the processes of a local server called ``name`` (Linux
    ``/proc``): every backend, the background processes, and through the postmaster's
    children's time the backends that have ended. ``None`` when none can be read (another
    system, a server on another machine or out of sight)."""
    ticks, found = 0, False
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != name:
                continue
            ticks += stat_cpu_ticks((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue  # (ended meanwhile)
        found = True
    return ticks / os.sysconf("SC_CLK_TCK") if found else None


def server_cpu_used(before: float | None, after: float | None) -> float | None:
    if before is None or after is None or after < before:
        return None  # (a server restarted meanwhile)
    return after - before


out_cpu_extra: list[float] = []
"""CPU seconds of the loader processes of the last parallel import (they are the fork
server's children, not this process's)."""


@contextmanager
def clock(
    label: str, events: Callable[[], int], results: list[Measure], server: bool = False
) -> Iterator[None]:
    """Time the block: wall, this process's CPU and its loaders', steal, and with ``server``
    the local PostgreSQL server's CPU."""
    out_cpu_extra.clear()
    times = machine_cpu_times()
    server_before = server_cpu_seconds() if server else None
    wall, cpu = time.perf_counter(), cpu_seconds()
    yield
    cpu = cpu_seconds() - cpu + sum(out_cpu_extra)
    wall = time.perf_counter() - wall
    measure = Measure(label, events(), wall, cpu, stolen_share(times, machine_cpu_times()))
    if server:
        measure.server_cpu = server_cpu_used(server_before, server_cpu_seconds())
    results.append(measure)
    print(measure.line(), f"[peak RSS so far {peak_rss_mb():,.0f} MB]", flush=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def load_generator() -> Any:
    spec = importlib.util.spec_from_file_location("gen_events", ROOT / "scripts/gen_events.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


# ---------------------------------------------------------------- the measurements


def bench_import(
    db: str,
    path: Path,
    batch_size: int | None,
    label: str,
    out: list[Measure],
    workers: int = 1,
) -> int:
    """``ledger import`` of ``path`` into ``db`` (empty), with ``workers`` loaders; timed
    from the start of the loaders (their start-up included) to the end of the last."""
    with open_ledger(db) as app:
        summary = None

        def stored() -> int:
            return summary.stored if summary else 0

        with clock(label, stored, out, server=db.startswith("postgresql")):
            if workers == 1:
                summary = import_file(app, path, batch_size=batch_size, progress=False)
            else:
                with LoaderPool(db, workers, batch_size=batch_size) as pool:
                    summary = pool.import_file(path, progress=False)
                    # (local loader processes; Dask actors have none here)
                    processes = getattr(pool.loaders, "processes", ())
                    loaders_cpu = sum((process_cpu(p.pid) for p in processes), 0.0)
                out_cpu_extra.append(loaders_cpu)
        if summary.rejected or summary.present:
            raise SystemExit(f"unexpected: {summary.describe()}")
        return summary.stored


IN_TURN = "ledger import, SQLite, in turn"
WRITER_PROCESS = "ledger import, SQLite"


def bench_sqlite(
    db: Path, events_path: Path, args: argparse.Namespace, out: list[Measure]
) -> list[tuple[Measure, Measure]]:
    """``--rounds`` SQLite imports, each into a fresh file: as ``ledger import`` does it
    (more than one batch: a writer process, :mod:`ledger.sqlite_writer`), and just before,
    its baseline from the same round, the same import with every batch stored in turn by
    this process. The file of the last import is kept (the raw measurements read its rows)."""
    runs: list[tuple[Measure, Measure]] = []
    for _ in range(args.rounds):
        remove_sqlite(db)
        threshold = importer.WRITER_PROCESS_MIN_BATCH
        importer.WRITER_PROCESS_MIN_BATCH = 2**62  # (no writer process)
        try:
            bench_import(str(db), events_path, args.batch_size, IN_TURN, out)
        finally:
            importer.WRITER_PROCESS_MIN_BATCH = threshold
        in_turn = out[-1]
        remove_sqlite(db)
        bench_import(str(db), events_path, args.batch_size, WRITER_PROCESS, out)
        runs.append((in_turn, out[-1]))
    return runs


def summarise_sqlite(runs: list[tuple[Measure, Measure]]) -> list[str]:
    """The SQLite lines of the summary: each round's import against its in-turn baseline,
    and the median over rounds."""
    lines = []
    for number, (in_turn, imported) in enumerate(runs, start=1):
        lines.append(
            f"SQLite round {number}: {imported.rate:,.0f} ev/s ({imported.cpu_rate:,.0f} "
            f"ev/cpu-s, both processes) = {imported.rate / in_turn.rate:.2f}x the same import "
            f"in turn ({in_turn.rate:,.0f} ev/s)"
        )
    rates = [imported.rate for _, imported in runs]
    in_turn_rates = [in_turn.rate for in_turn, _ in runs]
    gains = [imported.rate / in_turn.rate for in_turn, imported in runs]
    median = f", median of {len(runs)} rounds" if len(runs) > 1 else ""
    lines.append(
        f"SQLite import {statistics.median(rates):,.0f} ev/s wall (target 50,000), "
        f"{statistics.median(gains):.2f}x in turn; in turn, on one core: "
        f"{statistics.median(in_turn_rates):,.0f} ev/s{median}"
    )
    return lines


def bench_raw(ledger_db: Path, raw_db: Path, batch_size: int, out: list[Measure]) -> None:
    """executemany of the stored-event rows into a bare table; only the inserts and commits
    are timed (reading the rows back is not)."""
    remove_sqlite(raw_db)
    source = sqlite3.connect(ledger_db)
    target = sqlite3.connect(raw_db, isolation_level=None)
    target.execute("PRAGMA journal_mode=WAL")  # as the library sets it
    target.execute(
        "CREATE TABLE bare (originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB)"
    )
    rows_done = 0
    wall = cpu = 0.0
    times = machine_cpu_times()
    cursor = source.execute(
        "SELECT originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid"
    )
    while rows := cursor.fetchmany(batch_size):
        w, c = time.perf_counter(), time.process_time()
        target.execute("BEGIN")
        target.executemany("INSERT INTO bare VALUES (?,?,?,?)", rows)
        target.execute("COMMIT")
        wall += time.perf_counter() - w
        cpu += time.process_time() - c
        rows_done += len(rows)
    source.close()
    target.close()
    stolen = stolen_share(times, machine_cpu_times())
    measure = Measure("raw executemany, bare SQLite table", rows_done, wall, cpu, stolen)
    out.append(measure)
    print(measure.line(), f"[peak RSS so far {peak_rss_mb():,.0f} MB]", flush=True)


def copy_rows(curs: Any, statement: Any, rows: list[tuple[Any, ...]]) -> None:
    with curs.copy(statement) as copy:
        copy.set_types(["uuid", "int8", "text", "bytea"])
        for row in rows:
            copy.write_row(row)


def bench_raw_copy(
    ledger_db: Path,
    pg: str,
    schema: str,
    batch_size: int,
    out: list[Measure],
    label: str = "raw COPY, PostgreSQL table with its keys",
) -> None:
    """Binary COPY of the stored-event rows into a PostgreSQL table of the events table's
    shape (primary key, bigserial notification id and its unique index), one client, one
    transaction per ``batch_size`` rows; only the COPY and the commits are timed."""
    import psycopg
    from psycopg.sql import SQL, Identifier

    from ledger.store_postgres import use_fast_dumpers

    table = Identifier(schema, "raw_events")
    source = sqlite3.connect(ledger_db)
    rows_done = 0
    wall = cpu = 0.0
    server: float | None = 0.0  # (None once a reading fails)
    times = machine_cpu_times()
    with psycopg.connect(pg.split("?", 1)[0], autocommit=True) as conn:
        conn.execute(SQL("CREATE SCHEMA {0}").format(Identifier(schema)))
        conn.execute(
            SQL(
                "CREATE TABLE {0} (originator_id uuid NOT NULL, originator_version bigint NOT "
                "NULL, topic text, state bytea, notification_id bigserial, "
                "PRIMARY KEY (originator_id, originator_version))"
            ).format(table)
        )
        conn.execute(
            SQL("CREATE UNIQUE INDEX {0} ON {1} (notification_id)").format(
                Identifier("raw_events_notification_id"), table
            )
        )
        statement = SQL(
            "COPY {0} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
        ).format(table)
        cursor = source.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events "
            "ORDER BY rowid"
        )
        while rows := cursor.fetchmany(batch_size):
            batch = [(UUID(o), v, t, s) for o, v, t, s in rows]
            server_before = server_cpu_seconds()
            w, c = time.perf_counter(), time.process_time()
            with conn.transaction(), conn.cursor() as curs:
                use_fast_dumpers(curs)  # as the import does
                copy_rows(curs, statement, batch)
            wall += time.perf_counter() - w
            cpu += time.process_time() - c
            used = server_cpu_used(server_before, server_cpu_seconds())
            server = None if server is None or used is None else server + used
            rows_done += len(rows)
    source.close()
    measure = Measure(label, rows_done, wall, cpu, stolen_share(times, machine_cpu_times()))
    measure.server_cpu = server
    out.append(measure)
    print(measure.line(), f"[peak RSS so far {peak_rss_mb():,.0f} MB]", flush=True)


def bench_one_save(db: Path, path: Path, limit: int, out: list[Measure]) -> None:
    """The library's path: parse, Resident.begin/record, then one app.save() per event."""
    remove_sqlite(db)
    count = 0
    with open_ledger(str(db)) as app:
        residents: dict[UUID, Resident] = {}
        with (
            clock(f"one Application.save per aggregate (first {limit:,})", lambda: count, out),
            open(path, "rb") as f,
        ):
            for line in f:
                if count >= limit:
                    break
                event = parse_event(json.loads(line))
                key = resident_id(event.person_id)
                resident = residents.get(key)
                if resident is None:
                    resident = residents[key] = Resident.begin(event)
                else:
                    resident.record(event)
                app.save(resident)
                count += 1


# ---------------------------------------------------------------- PostgreSQL


def pg_schema_url(base: str, schema: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}schema={schema}"


def drop_pg_schema(base: str, schema: str) -> None:
    import psycopg
    from psycopg.sql import SQL, Identifier

    url = base.split("?", 1)[0]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(Identifier(schema)))


# ---------------------------------------------------------------- main


@dataclass
class PgRound:
    """One PostgreSQL round: the imports with 1 and 2 loaders, and the raw ``COPY`` runs
    just before and just after them (their baseline)."""

    copy_before: Measure
    imports: dict[int, Measure]
    copy_after: Measure

    @property
    def copy_rate(self) -> float:
        """The baseline: the rate of the raw ``COPY`` runs around the imports taken together
        (their rows over their time: the harmonic mean of their rates, each run copying the
        same rows)."""
        before, after = self.copy_before, self.copy_after
        return (before.events + after.events) / (before.wall + after.wall)


def bench_pg_copy(
    pg: str, sqlite_db: Path, batch_size: int, label: str, out: list[Measure]
) -> Measure:
    schema = f"bench_import_{os.getpid()}_raw"
    drop_pg_schema(pg, schema)
    try:
        bench_raw_copy(sqlite_db, pg, schema, batch_size, out, label)
    finally:
        drop_pg_schema(pg, schema)
    return out[-1]


def bench_postgres(
    sqlite_db: Path, events_path: Path, args: argparse.Namespace, out: list[Measure]
) -> list[PgRound]:
    """``args.rounds`` rounds of raw ``COPY``, import with 1 loader, import with 2, then raw
    ``COPY`` once more: each round's imports lie between two baseline runs (the next round
    starts with the previous one's closing run). The machine's speed drifts over minutes
    (measured here: the same import's client CPU time 24-34 s within one hour), so a ratio
    is taken against the baseline measured just around it, not minutes apart."""
    batch_size = args.batch_size or DEFAULT_BATCH_SIZE
    rounds: list[PgRound] = []
    label = "raw COPY, PostgreSQL table with its keys"
    before = bench_pg_copy(args.pg, sqlite_db, batch_size, label, out)
    for _ in range(args.rounds):
        imports: dict[int, Measure] = {}
        for workers in (1, 2):
            schema = f"bench_import_{os.getpid()}_{workers}"
            drop_pg_schema(args.pg, schema)
            try:
                bench_import(
                    pg_schema_url(args.pg, schema),
                    events_path,
                    args.batch_size,
                    f"ledger import, PostgreSQL, {workers} loader" + "s" * (workers > 1),
                    out,
                    workers=workers,
                )
                imports[workers] = out[-1]
            finally:
                drop_pg_schema(args.pg, schema)
        after = bench_pg_copy(args.pg, sqlite_db, batch_size, label, out)
        rounds.append(PgRound(before, imports, after))
        before = after
    return rounds


def summarise_rounds(rounds: list[PgRound]) -> list[str]:
    """The issue-15 lines of the summary: each round's ratios, and the median over rounds."""
    lines = []
    for number, r in enumerate(rounds, start=1):
        one, two = r.imports[1], r.imports[2]
        lines.append(
            f"PostgreSQL round {number}: raw COPY {r.copy_before.rate:,.0f} rows/s before, "
            f"{r.copy_after.rate:,.0f} after: baseline {r.copy_rate:,.0f}"
        )
        lines.append(
            f"  1 loader {one.rate:,.0f} ev/s = {one.rate / r.copy_rate:.3f} of raw COPY; "
            f"2 loaders {two.rate:,.0f} ev/s = {two.rate / one.rate:.2f}x one loader"
        )
        runs = (r.copy_before, one, two, r.copy_after)
        if all(m.stolen is not None for m in runs):
            lines.append(
                "  steal (CPU time the host gave to other machines): "
                + ", ".join(f"{m.stolen:.0%}" for m in runs)
                + " (COPY before, 1 loader, 2 loaders, COPY after)"
            )
        if all(m.server_cpu is not None for m in runs):
            lines.append(
                "  server CPU: "
                + ", ".join(f"{m.server_cpu:.2f} s" for m in runs)
                + " (COPY before, 1 loader, 2 loaders, COPY after)"
            )
    if not rounds:
        return lines
    ones = [r.imports[1] for r in rounds]
    ratios = [r.imports[1].rate / r.copy_rate for r in rounds]
    gains = [r.imports[2].rate / r.imports[1].rate for r in rounds]
    median = statistics.median
    lines.append(
        f"PostgreSQL import, 1 loader {median(m.rate for m in ones):,.0f} ev/s wall "
        f"(target 50,000); import/raw COPY {median(ratios):.3f} (target at least 0.25)"
        + (f", median of {len(rounds)} rounds" if len(rounds) > 1 else "")
    )
    lines.append(
        f"PostgreSQL import, 2 loaders: {median(gains):.2f}x one loader (target: more than 1)"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events to generate")
    parser.add_argument(
        "--save-events", type=int, default=50_000, help="subset for the one-save path"
    )
    parser.add_argument("--pg", default=DEFAULT_PG, help=f"PostgreSQL URL [default {DEFAULT_PG}]")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help=f"default: the import's ({DEFAULT_BATCH_SIZE:,})",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="rounds of the SQLite imports (in turn, then with a writer process) and of the "
        "PostgreSQL ones (raw COPY, 1 loader, 2 loaders; raw COPY closes): figures per "
        "round and their median [default 1]",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary dir")
    parser.add_argument("--profile", type=Path, default=None, help="cProfile the SQLite import")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="CI run: 20,000 events (one-save path on 2,000) in a temporary directory",
    )
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.smoke:
        args.events, args.save_events, args.workdir = 20_000, 2_000, None

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench_import_"))
    workdir.mkdir(parents=True, exist_ok=True)
    events_path = workdir / f"events_{args.events}_{args.seed}.jsonl"
    print(f"python {sys.version.split()[0]}, pid {os.getpid()}, workdir {workdir}")
    if not events_path.exists():
        started = time.perf_counter()
        load_generator().write(events_path, args.events, args.seed)
        print(f"generated {args.events:,} events in {time.perf_counter() - started:.1f} s")
    size_mb = events_path.stat().st_size / 1e6
    batch = f"{args.batch_size:,}" if args.batch_size else "the import's default"
    print(f"events file {events_path} ({size_mb:,.0f} MB), batch size {batch}")

    load_before = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    results: list[Measure] = []
    sqlite_db = workdir / "ledger.db"
    sqlite_runs = bench_sqlite(sqlite_db, events_path, args, results)
    by_rate = sorted((imported for _, imported in sqlite_runs), key=lambda m: m.rate)
    sqlite_import = by_rate[(len(by_rate) - 1) // 2]  # (the median run, the lower of two)

    rounds: list[PgRound] = []
    if not args.no_pg:
        rounds = bench_postgres(sqlite_db, events_path, args, results)

    bench_raw(sqlite_db, workdir / "raw.db", args.batch_size or DEFAULT_BATCH_SIZE, results)
    raw = results[-1]
    bench_one_save(
        workdir / "one_save.db", events_path, min(args.save_events, args.events), results
    )
    one_save = results[-1]

    if args.profile:
        # Not timed: cProfile slows the import down. A fresh database, the same file.
        profiled_db = workdir / "profiled.db"
        remove_sqlite(profiled_db)
        profiler = cProfile.Profile()
        profiler.enable()
        bench_import(str(profiled_db), events_path, args.batch_size, "(profiled import)", [])
        profiler.disable()
        profiler.dump_stats(args.profile)
        pstats.Stats(str(args.profile)).sort_stats("tottime").print_stats(25)
        remove_sqlite(profiled_db)

    print()
    print("summary")
    for measure in results:
        print("  " + measure.line())
    print(
        f"  import/raw      {sqlite_import.rate / raw.rate:6.3f}  "
        f"(raw is {raw.rate / sqlite_import.rate:.1f}x faster; target: within 5x)"
    )
    print(
        f"  import/one-save {sqlite_import.rate / one_save.rate:6.2f}x  (target: at least 5x; "
        f"one-save measured on the first {one_save.events:,} events)"
    )
    for line in summarise_sqlite(sqlite_runs):
        print("  " + line)
    for line in summarise_rounds(rounds):
        print("  " + line)
    load_after = os.getloadavg()
    print(f"  load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (2 cores)")
    print(f"  peak RSS {peak_rss_mb():,.0f} MB")
    if not args.workdir:
        for name in ("ledger.db", "raw.db", "one_save.db"):
            remove_sqlite(workdir / name)
        events_path.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
