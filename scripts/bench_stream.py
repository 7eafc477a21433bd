#!/usr/bin/env python3
"""Benchmark the streaming replay of everyone: peak RSS of ``ledger replay`` at two store sizes.

For each size (default 20,000 and 200,000 persons, ``scripts/gen_events.py`` histories of
about nine events each) it fills a SQLite store through the import, then runs

    ledger replay --db STORE --format FORMAT --as-of 2026-12-31 > /dev/null

in a fresh process for ``jsonl`` and ``json`` and prints that process's peak RSS (``wait4``)
and wall time. (Linux carries a process's peak RSS across ``exec``: a child forked from a
large parent reports at least the parent's size. So this script keeps its own process small
and fills the stores in a child process of their own.) The replay streams persons in person
id order (keyset pages over the person index, one view written at a time), so its peak RSS
should not grow with the number of persons (issue 10 item 7; it was 1.4 GB at 20,000
persons when the views were gathered into one JSON array).

Usage: scripts/bench_stream.py [--persons 20000 200000] [--workdir DIR]
       scripts/bench_stream.py --smoke      # 1,000 and 5,000 persons (CI)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))


AS_OF = "2026-12-31"
RUN_CLI = "import sys; from ledger.cli import main; sys.exit(main())"


def write_population(path: Path, persons: int, seed: int = 5) -> int:
    """``persons`` gen_events histories as JSON Lines; returns the number of events."""
    from gen_events import person_events

    rng = random.Random(seed)
    count = 0
    with open(path, "w", encoding="utf-8") as f:
        for n in range(persons):
            for step in person_events(n, rng):
                for event in step:
                    count += 1
                    record = {"event_id": f"s{seed}-{count}", **event}
                    f.write(json.dumps(record, separators=(",", ":")) + "\n")
    return count


def fill(db: Path, persons: int, workdir: Path) -> None:
    """Import ``persons`` into ``db`` (run in a child process: see the module docstring)."""
    from ledger.application import open_ledger
    from ledger.importer import import_file

    source = workdir / f"population_{persons}.jsonl"
    started = time.perf_counter()
    events = write_population(source, persons)
    with open_ledger(str(db)) as app:
        summary = import_file(app, source, progress=False)
    source.unlink()
    took = time.perf_counter() - started
    print(
        f"store: {persons:,} persons, {events:,} events ({summary.stored:,} stored, "
        f"{summary.rejected} rejected) in {took:.0f} s",
        flush=True,
    )


def replay_rss(db: Path, fmt: str) -> tuple[float, float, int]:
    """(peak RSS in MB, wall seconds, bytes written) of one ``ledger replay`` process."""
    out = db.with_suffix(f".{fmt}")
    started = time.perf_counter()
    with open(out, "wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-c", RUN_CLI, "replay", "--db", str(db), "--format", fmt]
            + ["--as-of", AS_OF],
            stdout=sink,
            cwd=ROOT,
        )
        _, status, usage = os.wait4(process.pid, 0)
    took = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"ledger replay exited {process.returncode}")
    size = out.stat().st_size
    out.unlink()
    return usage.ru_maxrss / 1024, took, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--workdir", type=Path, default=None, help="keeps the stores")
    parser.add_argument("--smoke", action="store_true", help="1,000 and 5,000 persons (CI)")
    parser.add_argument("--fill", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill is not None:  # the child process that fills one store
        fill(args.fill, args.persons[0], args.fill.parent)
        return
    if args.smoke:
        args.persons = [1_000, 5_000]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench_stream_"))
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for persons in args.persons:
        db = workdir / f"stream_{persons}.db"
        if not db.exists():
            subprocess.run(
                [sys.executable, __file__, "--fill", str(db), "--persons", str(persons)],
                check=True,
            )
        for fmt in ("jsonl", "json"):
            rss, took, size = replay_rss(db, fmt)
            results.append((persons, fmt, rss, took, size))
            print(
                f"replay of everyone, {persons:>9,} persons, --format {fmt:<5}: "
                f"peak RSS {rss:7,.0f} MB, {took:7.1f} s ({persons / took:,.0f} persons/s), "
                f"{size / 1e6:,.0f} MB written",
                flush=True,
            )
    print()
    print("summary (peak RSS of the replay process)")
    for persons, fmt, rss, took, _ in results:
        print(f"  {persons:>9,} persons  {fmt:<5}  {rss:7,.0f} MB  {took:7.1f} s")
    if not args.workdir:
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
