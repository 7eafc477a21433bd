#!/usr/bin/env python3
"""Benchmark the backfill end to end: generate → load → project into SQLite.

Stages, each with wall time, CPU time (this process and its children: the parse helpers and
the Dask workers), events/s and peak RSS (the sum over this process and all its descendants,
sampled every 0.2 s):

1. generate ``--persons`` persons with ``ledger.synth`` (2021-2025, person order) into a file;
2. load it into a fresh SQLite store (``projections.backfill.load_files``, the ``ledger import``
   path);
3. replay into a fresh SQLite reporting database on a Dask LocalCluster of 2 workers
   (``projections.backfill.project_partitions``): with stage 2, what ``ledger backfill
   --workers 2`` does;
4. the replay again, into another fresh target, on a LocalCluster of 1 worker (and in this
   process with ``--in-process``), for the per-core rate and the speed-up.

Target (issue 5): 1,000,000 persons loaded and projected (stages 2 + 3) in ≤ 10 min on the
2-core machine, peak memory ≤ 2 GB.

Usage: scripts/bench_backfill.py [--persons 1000000] [--workdir DIR] [--keep] [--in-process]
       scripts/bench_backfill.py --smoke      # tiny, for CI
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger.application import open_ledger  # noqa: E402
from ledger.synth import generate, to_line  # noqa: E402
from projections.backfill import load_files, project_partitions  # noqa: E402
from projections.reporting.pseudonym import PseudonymKey  # noqa: E402
from projections.reporting.target import parse_target  # noqa: E402

AS_OF = date(2025, 12, 31)
KEY = PseudonymKey(b"bench-backfill-key-0123456789", "env")


class Monitor:
    """Samples the RSS of this process and its descendants (sum) and their CPU time."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.me = psutil.Process()
        self.peak = 0
        self.child_cpu: dict[tuple[int, float], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Monitor:
        self._cpu_self = self._self_cpu()
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    @staticmethod
    def _self_cpu() -> float:
        times = os.times()
        return times.user + times.system

    def _sample(self) -> None:
        total = 0
        try:
            total = self.me.memory_info().rss
            children = self.me.children(recursive=True)
        except psutil.Error:
            return
        for child in children:
            try:
                with child.oneshot():
                    total += child.memory_info().rss
                    cpu = child.cpu_times()
                    key = (child.pid, child.create_time())
                    self.child_cpu[key] = cpu.user + cpu.system
            except psutil.Error:
                continue
        self.peak = max(self.peak, total)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    @property
    def cpu(self) -> float:
        """CPU seconds of this process (since entry) and of every descendant seen."""
        return self._self_cpu() - self._cpu_self + sum(self.child_cpu.values())


@dataclass
class Stage:
    name: str
    wall: float
    cpu: float
    events: int
    persons: int
    peak_mb: float

    def line(self) -> str:
        return (
            f"{self.name:<26} {self.wall:>8.1f} s wall {self.cpu:>8.1f} s CPU "
            f"{self.events / self.wall:>10,.0f} events/s {self.persons / self.wall:>9,.0f} "
            f"persons/s  peak {self.peak_mb:>7,.0f} MB"
        )


def measure(
    name: str, events: int | None, persons: int, run: Callable[[], Any]
) -> tuple[Stage, Any]:
    """Run one stage under the monitor; ``events=None``: the stage returns the event count."""
    with Monitor() as monitor:
        began = time.perf_counter()
        result = run()
        wall = time.perf_counter() - began
    count = result if events is None else events
    stage = Stage(name, wall, monitor.cpu, count, persons, monitor.peak / 2**20)
    print(stage.line(), flush=True)
    return stage, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary dir")
    parser.add_argument("--keep", action="store_true", help="keep the files afterwards")
    parser.add_argument("--in-process", action="store_true", help="also replay in process")
    parser.add_argument(
        "--replay-only",
        action="store_true",
        help="reuse the loaded ledger.db of --workdir: only the replays",
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    args = parser.parse_args()
    if args.smoke:
        args.persons = 2_000
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-backfill-"))
    workdir.mkdir(parents=True, exist_ok=True)
    source, store = workdir / "population.jsonl", workdir / "ledger.db"
    if args.replay_only and (args.workdir is None or not store.is_file()):
        parser.error("--replay-only needs a --workdir holding a loaded ledger.db")
    for path in workdir.glob("*.db*"):
        if not (args.replay_only and path.name == store.name):
            path.unlink()
    print(f"backfill benchmark: {args.persons:,} persons, {os.cpu_count()} cores, in {workdir}")
    stages: list[Stage] = []
    try:

        def write_population() -> int:
            count = 0
            with open(source, "w", encoding="utf-8") as out:
                for record in generate(args.persons, (2021, 2025), args.seed):
                    out.write(to_line(record))
                    count += 1
            return count

        if not args.replay_only:
            stage, events = measure("generate (synth)", None, args.persons, write_population)
            stages.append(stage)

        with open_ledger(str(store)) as app:
            if args.replay_only:
                events = app.count_events()
            else:
                stage, loaded = measure(
                    "load (ledger import path)",
                    events,
                    args.persons,
                    lambda: load_files(app, [source], progress=False),
                )
                stages.append(stage)
                assert loaded.stored == events and not loaded.rejected, loaded.files[0].describe()

            runs = [("replay, LocalCluster 2", 2), ("replay, LocalCluster 1", 1)]
            if args.in_process:
                runs.append(("replay, in process", 0))
            for name, workers in runs:
                target = parse_target(str(workdir / f"reports-{workers}.db"))
                stage, report = measure(
                    name,
                    events,
                    args.persons,
                    partial(
                        project_partitions,
                        app,
                        str(store),
                        target,
                        KEY,
                        workers=workers,
                        as_of=AS_OF,
                        progress=False,
                    ),
                )
                assert report.persons == args.persons, report
                stages.append(stage)
                print(
                    f"{'':<26} {report.rows:,} rows in {report.partitions} partitions; tasks "
                    f"{report.task_seconds:,.1f} s (sum), copy into target "
                    f"{report.merge_seconds:,.1f} s"
                )
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    two = next(s for s in stages if s.name.endswith("Cluster 2"))
    one = next(s for s in stages if s.name.endswith("Cluster 1"))
    print(
        f"\nper core: replay {events / one.cpu:,.0f} events/s CPU "
        f"({args.persons / one.cpu:,.0f} persons/s); 2 workers vs 1: {one.wall / two.wall:.2f}x"
    )
    if args.replay_only:
        return
    load = stages[1]
    total = load.wall + two.wall
    peak = max(load.peak_mb, two.peak_mb)
    print(
        f"load + replay (2 workers): {total:,.1f} s wall ({total / 60:.1f} min), "
        f"{load.cpu + two.cpu:,.1f} s CPU, {events / total:,.0f} events/s end to end, "
        f"peak {peak:,.0f} MB (target: ≤ 600 s, ≤ 2,048 MB); load {events / load.cpu:,.0f} "
        "events/s CPU"
    )


if __name__ == "__main__":  # Dask's LocalCluster spawns its workers: keep the guard
    main()
