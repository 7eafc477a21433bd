#!/usr/bin/env python3
"""Benchmark ``ledger report``: one person's report from a store of N persons.

Builds (or reuses) a SQLite store of ``--persons`` synthetic persons (``ledger/synth.py``,
imported with ``ledger/importer.py``), then for ``--samples`` random persons times the report
as ``ledger report PERSON --html FILE`` makes it with the ledger open: read the person's
events with their storage times (``LedgerApp.events_of``: the person's own rows by key, no
scan), fold them and build the report model (with every clause text), render the HTML page.
Prints p50 and p99 in ms of each part and of the whole, and the same for a few runs of the
command in a new process (interpreter start, imports and opening the store included).

Target (issue 14): a report in under 1 s for a person in a store of 1,000,000 persons.

Usage: scripts/bench_report.py [--persons 1000000] [--samples 200] [--db FILE]
       scripts/bench_report.py --smoke      # 2,000 persons in a temporary store, for CI
The store is kept (default bench-data/report-N.db) and reused by later runs of the same N.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ledger.application import LedgerApp, open_ledger  # noqa: E402
from ledger.importer import import_file  # noqa: E402
from ledger.synth import generate, person_events, to_line  # noqa: E402
from policies import builtin_registry  # noqa: E402
from projections.report.html import render_report  # noqa: E402
from projections.report.model import build_report  # noqa: E402

YEARS = (2021, 2025)
SEED = 14


def fill(app: LedgerApp, persons: int, work: Path) -> None:
    """Write the synthetic population to a JSON Lines file and import it."""
    path = work / f"synth-{persons}.jsonl"
    started = time.perf_counter()
    with path.open("w", encoding="utf-8") as out:
        for record in generate(persons, YEARS, SEED):
            out.write(to_line(record))
    print(f"store: generated {persons:,} persons in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    summary = import_file(app, path, progress=persons >= 100_000)
    took = time.perf_counter() - started
    print(f"store: imported {summary.stored:,} events in {took:.0f} s")
    path.unlink()


def person_id(k: int) -> str:
    """The id of synthetic person ``k`` (its events depend only on the seed and ``k``)."""
    return str(next(iter(person_events(k, SEED, YEARS)))["person_id"])


def _ledger() -> str:
    """The ``ledger`` command of this interpreter's environment."""
    beside = Path(sys.executable).parent / "ledger"
    return str(beside) if beside.exists() else "ledger"


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def line(name: str, samples: list[float]) -> str:
    ms = [s * 1000 for s in samples]
    return (
        f"  {name:<28} p50 {percentile(ms, 0.5):8.1f} ms   p99 {percentile(ms, 0.99):8.1f} ms"
        f"   mean {statistics.fmean(ms):8.1f} ms"
    )


def bench(db: Path, persons: int, samples: int, cli_runs: int) -> float:
    app = open_ledger(str(db))
    registry = builtin_registry()
    try:
        if app.count_events() == 0:
            print(f"store: filling {db} with {persons:,} persons …")
            fill(app, persons, db.parent)
        print(f"store: {db} holds {app.count_events():,} events")
        rng = random.Random(7)
        chosen = [person_id(rng.randrange(persons)) for _ in range(samples)]
        # one report first: templates compile and the clause table loads once per process
        render_report(build_report(chosen[0], app.events_of(chosen[0]), registry))
        read, model, render, total, sizes = [], [], [], [], []
        for pid in chosen:
            t0 = time.perf_counter()
            events = app.events_of(pid)
            t1 = time.perf_counter()
            report = build_report(pid, events, registry)
            t2 = time.perf_counter()
            html = render_report(report)
            t3 = time.perf_counter()
            read.append(t1 - t0)
            model.append(t2 - t1)
            render.append(t3 - t2)
            total.append(t3 - t0)
            sizes.append(len(events))
    finally:
        app.close()
    print(
        f"report: {samples} random persons, {statistics.fmean(sizes):.1f} events each "
        f"(max {max(sizes)}), page {len(html) // 1024} KiB"
    )
    print(line("read events (store)", read))
    print(line("fold + model + clauses", model))
    print(line("render HTML", render))
    print(line("whole report", total))
    cli = []
    # As on a user's machine: Python keeps compiled modules (__pycache__), so the first run
    # (not counted) compiles the ledger's modules and the timed ones read them. An environment
    # with PYTHONDONTWRITEBYTECODE set (some CI images) would compile them in every process.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as out:
        for n, pid in enumerate([chosen[0], *chosen[:cli_runs]]):
            command = [_ledger(), "report", pid, "--db", str(db)]
            started = time.perf_counter()
            subprocess.run(
                [*command, "--html", str(Path(out) / "r.html")],
                check=True,
                cwd=ROOT,
                capture_output=True,
                env=env,
            )
            if n:
                cli.append(time.perf_counter() - started)
    print(line(f"ledger report ({cli_runs} runs)", cli))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS {rss:.0f} MB")
    p99 = percentile(total, 0.99)
    verdict = "met" if p99 < 1.0 else "NOT met"
    print(f"target: a report in under 1 s (p99 {p99 * 1000:.1f} ms): {verdict}")
    cli_p99 = percentile(cli, 0.99)
    verdict = "met" if cli_p99 < 1.0 else "NOT met"
    print(f"        and as a command, a new process each (p99 {cli_p99 * 1000:.0f} ms): {verdict}")
    return p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--cli-runs", type=int, default=5)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--smoke", action="store_true", help="2,000 persons, for CI")
    args = parser.parse_args()
    if args.smoke:
        with tempfile.TemporaryDirectory() as work:
            bench(Path(work) / "report.db", 2_000, 30, 2)
        return
    db = args.db or ROOT / "bench-data" / f"report-{args.persons}.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    bench(db, args.persons, args.samples, args.cli_runs)


if __name__ == "__main__":
    main()
