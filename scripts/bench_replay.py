#!/usr/bin/env python3
"""Benchmark the replay: fold throughput, and one person's replay latency from the store.

Prints, measured in the same run:
- fold: events/s of ``project_person`` on one core over a generated population (default
  100,000 persons), next to the parse cost;
- latency: p50/p99 ms of ``ledger replay PERSON_ID`` (read the person's events from the store
  and fold them) over random persons of a store holding ``--store-persons`` persons (default
  1,000,000), next to eventsourcing's own ``repository.get`` of the same aggregates;
- peak RSS.
Targets (issue 3): fold ≥ 100,000 events/s per core; replay p50 ≤ 2 ms on SQLite.

Usage: scripts/bench_replay.py [--persons 100000] [--store-persons 1000000] [--db FILE]
       scripts/bench_replay.py --smoke     # small sizes, for CI
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gen_events import person_events  # noqa: E402

from ledger.aggregate import resident_id  # noqa: E402
from ledger.application import LedgerApp, open_ledger  # noqa: E402
from ledger.events import Event, parse_event  # noqa: E402
from policies import builtin_registry  # noqa: E402
from projections.person import project_person  # noqa: E402

AS_OF = date(2026, 12, 31)


def population(persons: int, seed: int = 7, first: int = 0) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    counter = 0
    for n in range(first, first + persons):
        for step in person_events(n, rng):
            for event in step:
                counter += 1
                yield {"event_id": f"b{seed}-{n}-{counter}", **event}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_fold(persons: int) -> None:
    started = time.perf_counter()
    grouped: dict[str, list[Event]] = defaultdict(list)
    count = 0
    for record in population(persons):
        event: Event = parse_event(record)
        grouped[event.person_id].append(event)
        count += 1
    parsed = time.perf_counter() - started
    registry = builtin_registry()
    started = time.perf_counter()
    cpu_started = time.process_time()
    for person_id, events in grouped.items():
        project_person(events, registry, person_id=person_id, as_of=AS_OF)
    folded = time.perf_counter() - started
    folded_cpu = time.process_time() - cpu_started
    started = time.perf_counter()
    for person_id, events in list(grouped.items())[: max(1, len(grouped) // 10)]:
        project_person(events, registry, person_id=person_id, as_of=AS_OF).to_dict()
    share = max(1, len(grouped) // 10)
    with_json = (time.perf_counter() - started) * len(grouped) / share
    print(f"fold: {len(grouped):,} persons, {count:,} events")
    print(f"  parse (pydantic)        {count / parsed:>12,.0f} events/s")
    print(f"  fold (project_person)   {count / folded:>12,.0f} events/s   target ≥ 100,000")
    print(f"  fold, per CPU second    {count / folded_cpu:>12,.0f} events/s   (one core)")
    print(f"  fold + view dict        {count / with_json:>12,.0f} events/s")


def fill_store(app: LedgerApp, persons: int, batch: int = 5_000) -> int:
    events: list[Any] = []
    stored = 0
    started = time.perf_counter()
    for record in population(persons, seed=11):
        events.append(parse_event(record))
        if len(events) >= batch:
            app.append(events)
            stored += len(events)
            events = []
            if stored % 500_000 < batch:
                rate = stored / (time.perf_counter() - started)
                print(f"  stored {stored:,} events ({rate:,.0f}/s)", file=sys.stderr)
    if events:
        app.append(events)
        stored += len(events)
    return stored


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_latency(db: Path, persons: int, samples: int) -> None:
    app = open_ledger(str(db))
    try:
        have = app.count_events()
        if have == 0:
            print(f"store: importing {persons:,} persons into {db} …", file=sys.stderr)
            started = time.perf_counter()
            stored = fill_store(app, persons)
            took = time.perf_counter() - started
            print(f"store: {stored:,} events in {took:.0f} s ({stored / took:,.0f} events/s)")
        else:
            print(f"store: reusing {db} with {have:,} events")
        person_ids = list(app.person_ids())
        rng = random.Random(3)
        chosen = [rng.choice(person_ids) for _ in range(samples)]
        registry = builtin_registry()
        replay: list[float] = []
        library: list[float] = []
        for person_id in chosen:
            started = time.perf_counter()
            project_person(app.events_of(person_id), registry, person_id=person_id, as_of=AS_OF)
            replay.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            app.repository.get(resident_id(person_id))
            library.append((time.perf_counter() - started) * 1000)
        print(f"latency over {samples:,} random persons of {len(person_ids):,} stored:")
        for name, values in (("replay (events + fold)", replay), ("repository.get", library)):
            print(
                f"  {name:<24} p50 {statistics.median(values):6.2f} ms   "
                f"p99 {percentile(values, 0.99):6.2f} ms"
            )
        ratio = statistics.median(replay) / statistics.median(library)
        print(f"  replay / repository.get (p50): {ratio:.2f}×   target p50 ≤ 2 ms")
    finally:
        app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--store-persons", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=2_000)
    parser.add_argument("--db", type=Path, default=None, help="SQLite store to reuse or fill")
    parser.add_argument("--smoke", action="store_true", help="small sizes (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.persons, args.store_persons, args.samples = 2_000, 2_000, 200
    bench_fold(args.persons)
    with tempfile.TemporaryDirectory() as tmp:
        bench_latency(args.db or Path(tmp) / "bench.db", args.store_persons, args.samples)
    print(f"peak RSS: {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
