#!/usr/bin/env python3
"""Benchmark of the reporting feed: catch-up throughput (events/s) from a ledger of N events
into a SQLite file and into PostgreSQL, next to the fold alone in the same run.

Reported, per stage, events of the log per second of wall time (one process, one core), and
per second of this process's CPU time (``time.process_time``: steadier on a shared machine; it
leaves out the PostgreSQL server's own work):

- ``fold only``: every person's events already in memory, folded into ``PersonView``s (no
  I/O at all; the projector writes rows from those, without their JSON-ready dicts);
- ``read + fold``: the projector's reads of the ledger (log and histories) and the fold, no
  writes (what catch-up would cost with a free target);
- ``catch-up → SQLite`` / ``catch-up → PostgreSQL``: ``Projector.catch_up`` into an empty target.

The ratio catch-up / fold-only is the cost of reading and writing around the fold.

Usage::

    scripts/bench_project.py                      # 1,000,000 events (builds a ledger once)
    scripts/bench_project.py --events 20000       # a small size
    scripts/bench_project.py --smoke              # 5,000 events in a temporary directory
    scripts/bench_project.py --store ledger.db    # an existing ledger (SQLite or postgresql://)

The generated ledger is kept in ``--workdir`` (default ``./bench-data``) and reused by later
runs of the same size and seed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from psycopg.sql import SQL, Identifier  # noqa: E402

from ledger.application import open_ledger  # noqa: E402
from ledger.importer import import_files  # noqa: E402
from policies import builtin_registry  # noqa: E402
from projections.person import project_person  # noqa: E402
from projections.reporting.projector import (  # noqa: E402
    DEFAULT_BATCH_SIZE,
    Projector,
    fewer_gc_passes,
)
from projections.reporting.pseudonym import PseudonymKey  # noqa: E402
from projections.reporting.source import LedgerSource  # noqa: E402
from projections.reporting.target import parse_target  # noqa: E402

PG_URL = os.environ.get("LEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
KEY = PseudonymKey(b"bench-key-0123456789abcdef", "env")


def build_store(events: int, seed: int, workdir: Path) -> str:
    workdir.mkdir(parents=True, exist_ok=True)
    store = workdir / f"ledger-{events}-{seed}.db"
    if store.exists():
        return str(store)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import gen_events

    source = workdir / f"events-{events}-{seed}.jsonl"
    print(f"generating {events} events …", file=sys.stderr)
    gen_events.write(source, events, seed)
    print(f"importing into {store} …", file=sys.stderr)
    partial = store.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    app = open_ledger(str(partial))
    try:
        import_files(app, [source], progress=False)
    finally:
        app.close()
    partial.rename(store)
    return str(store)


def read_and_fold(
    app: Any, fold: Any, batch_size: int, count: int, results: list[tuple[str, float, float, int]]
) -> int:
    """The ``read + fold`` and ``fold only`` stages; returns how many persons were folded."""
    source = LedgerSource(app)
    start, cpu = time.perf_counter(), time.process_time()
    histories_by_person: dict[str, list[Any]] = defaultdict(list)
    after, seen = 0, set()
    folded = 0
    while entries := source.read_log(after, batch_size):
        after = entries[-1].position
        fresh = [e.originator_id for e in entries if e.originator_id not in seen]
        seen.update(fresh)
        for history in source.histories(list(dict.fromkeys(fresh))).values():
            fold(history.events)
            histories_by_person[history.person_id] = history.events
            folded += 1
    results.append(("read + fold", time.perf_counter() - start, time.process_time() - cpu, count))

    # fold only, every history already in memory
    start, cpu = time.perf_counter(), time.process_time()
    for events in histories_by_person.values():
        fold(events)
    results.append(("fold only", time.perf_counter() - start, time.process_time() - cpu, count))
    return folded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--store", default=None, help="an existing ledger instead")
    parser.add_argument("--workdir", type=Path, default=Path("bench-data"))
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--pg", default=PG_URL, help="PostgreSQL for the target ('' to skip)")
    parser.add_argument(
        "--smoke", action="store_true", help="5,000 events in a temporary directory (for CI)"
    )
    args = parser.parse_args()
    if args.smoke:
        args.events = 5_000
        args.workdir = Path(tempfile.mkdtemp(prefix="bench-project-"))

    store = args.store or build_store(args.events, args.seed, args.workdir)
    registry = builtin_registry()

    def fold(events: Sequence[Any]) -> Any:
        return project_person(events, registry)  # what `ledger project` folds with

    app = open_ledger(store)
    try:
        total = app.recorder.max_notification_id() or 0
        count = app.count_events()
        print(f"ledger: {store}, {count} events (log end {total})")
        results: list[tuple[str, float, float, int]] = []

        # read + fold, no writes: the projector's read path, batch by batch; then the fold
        # alone (both with the projector's garbage-collector setting)
        with fewer_gc_passes():
            folded = read_and_fold(app, fold, args.batch_size, count, results)

        targets = [("catch-up -> SQLite", str(args.workdir / f"reports-{uuid4().hex[:8]}.db"))]
        schema = None
        if args.pg:
            schema = f"bench_reports_{uuid4().hex[:8]}"
            targets.append(("catch-up -> PostgreSQL", f"{args.pg}?schema={schema}"))
        try:
            for name, target in targets:
                projector = Projector(
                    app, parse_target(target), fold, KEY, batch_size=args.batch_size
                )
                with projector.open():
                    start, cpu = time.perf_counter(), time.process_time()
                    report = projector.catch_up()
                    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
                assert report.end == total, report.describe()
                results.append((name, elapsed, cpu, report.events))
                projector.engine.dispose()
        finally:
            if schema:
                with psycopg.connect(args.pg, autocommit=True) as conn:
                    conn.execute(
                        SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(Identifier(schema))
                    )
            for _, target in targets[:1]:
                for suffix in ("", "-wal", "-shm", ".projector-lock"):
                    Path(target + suffix).unlink(missing_ok=True)
    finally:
        app.close()

    fold_rate = next(n / t for name, t, _, n in results if name == "fold only")
    print(
        f"{'stage':<24}{'seconds':>10}{'events/s':>12}{'vs fold':>9}"
        f"{'CPU s':>9}{'events/CPU s':>14}"
    )
    for name, seconds, cpu, events in results:
        rate = events / seconds
        print(
            f"{name:<24}{seconds:>10.1f}{rate:>12,.0f}{rate / fold_rate:>9.2f}"
            f"{cpu:>9.1f}{events / cpu:>14,.0f}"
        )
    print(f"persons: {folded}")
    if args.smoke:
        shutil.rmtree(args.workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
