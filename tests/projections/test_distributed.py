"""Distributed replay (projections.distributed, ledger.partitions): partitions hold every person
once, and the replay on Dask gives exactly the single-process views (real SQLite, real
PostgreSQL, real Dask clusters)."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ledger.application import open_ledger
from ledger.importer import import_file, read_events
from ledger.partitions import (
    open_ledger_readonly,
    partition_bounds,
    partition_of,
    persons_in_partition,
)
from ledger.synth import generate, to_line
from policies import builtin_registry
from projections.distributed import replay, view_json
from projections.person import project_person

AS_OF = date(2025, 12, 31)
PERSONS = 400


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pop") / "pop.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for record in generate(PERSONS, (2021, 2025), seed=17, order="date", block=150):
            f.write(to_line(record))
    return path


@pytest.fixture(scope="module")
def store(population: Path) -> str:
    db = str(population.with_name("ledger.db"))
    with open_ledger(db) as app:
        summary = import_file(app, population)
    assert summary.rejected == 0
    return db


@pytest.fixture(scope="module")
def expected_views(population: Path) -> dict[str, str]:
    """Each person's view folded straight from the file, without the store or partitions."""
    grouped: dict[str, list[Any]] = defaultdict(list)
    for _, event, error in read_events(population):
        assert error is None and event is not None
        grouped[event.person_id].append(event)
    assert len(grouped) == PERSONS
    registry = builtin_registry()
    return {
        pid: view_json(project_person(events, registry, as_of=AS_OF, person_id=pid).to_dict())
        for pid, events in grouped.items()
    }


def _views(paths: list[str]) -> dict[str, str]:
    views: dict[str, str] = {}
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            person_id = json.loads(line)["person_id"]
            assert person_id not in views
            views[person_id] = line
    return views


# ---------------------------------------------------------------- partitions


def test_partition_bounds_cover_the_id_space() -> None:
    bounds = [partition_bounds(i, 7) for i in range(7)]
    assert bounds[0][0].int == 0 and bounds[-1][1] is None
    for (_, high), (low, _) in zip(bounds, bounds[1:], strict=False):
        assert high == low
    with pytest.raises(ValueError):
        partition_bounds(7, 7)


def test_partitions_hold_every_person_once_with_all_their_events(store: str) -> None:
    with open_ledger(store) as full:
        everyone = sorted(full.person_ids())
        app = open_ledger_readonly(store)
        try:
            for count in (1, 3, 8):
                seen: list[str] = []
                for index in range(count):
                    # a small page makes persons straddle pages
                    for person_id, events in persons_in_partition(app, index, count, page=97):
                        assert partition_of(person_id, count) == index
                        if count == 3:
                            assert events == full.events_of(person_id)
                        seen.append(person_id)
                assert sorted(seen) == everyone
        finally:
            app.close()


def test_readonly_store_refuses_writes_and_missing_files(store: str, tmp_path: Path) -> None:
    app = open_ledger_readonly(store)
    try:
        alive = next(
            events
            for _, events in persons_in_partition(app, 0, 1)
            if all(e.type != "died" for e in events) and len(events) > 1
        )
        with pytest.raises(Exception, match="readonly|read-only"):
            app.append([alive[-1].model_copy(update={"event_id": "new-id"})])
    finally:
        app.close()
    with pytest.raises(FileNotFoundError):
        open_ledger_readonly(str(tmp_path / "missing.db"))


# ---------------------------------------------------------------- replay


def test_single_process_replay_matches_the_fold(
    store: str, expected_views: dict[str, str], tmp_path: Path
) -> None:
    summary = replay(store, as_of=AS_OF, partitions=3, out_dir=tmp_path / "views")
    assert summary.persons == PERSONS and summary.partitions == 3
    assert _views(summary.paths) == expected_views
    one = replay(store, as_of=AS_OF)  # one partition, no files
    assert one.digest == summary.digest and one.paths == []
    assert (one.events, one.years) == (summary.events, summary.years)


def test_local_cluster_of_two_processes_gives_the_single_process_result(
    store: str, expected_views: dict[str, str], tmp_path: Path
) -> None:
    single = replay(store, as_of=AS_OF, out_dir=tmp_path / "single")
    distributed = replay(store, as_of=AS_OF, workers=2, out_dir=tmp_path / "dask")
    assert distributed.partitions == 8
    assert distributed.digest == single.digest
    assert (distributed.persons, distributed.events, distributed.years) == (
        single.persons,
        single.events,
        single.years,
    )
    assert _views(distributed.paths) == _views(single.paths) == expected_views


def test_existing_scheduler(store: str) -> None:
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        seen: list[int] = []
        summary = replay(
            store,
            as_of=AS_OF,
            scheduler=cluster.scheduler_address,
            partitions=5,
            on_result=lambda r: seen.append(r.index),
        )
    assert sorted(seen) == list(range(5))
    assert summary.digest == replay(store, as_of=AS_OF).digest


def test_bad_arguments(store: str) -> None:
    with pytest.raises(ValueError):
        replay(store, workers=2, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ValueError):
        replay(store, partitions=0)


# ---------------------------------------------------------------- PostgreSQL


@pytest.fixture
def pg_url() -> Iterator[str]:
    schema = f"scale_{uuid.uuid4().hex[:10]}"
    yield f"postgresql://postgres@127.0.0.1:5432/test?schema={schema}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.mark.postgres
def test_postgres_partitions_replay_like_sqlite(pg_url: str, population: Path, store: str) -> None:
    with open_ledger(pg_url) as app:
        assert import_file(app, population).rejected == 0
    on_pg = replay(pg_url, as_of=AS_OF, partitions=4, page=101)
    assert on_pg.persons == PERSONS
    assert on_pg.digest == replay(store, as_of=AS_OF).digest
