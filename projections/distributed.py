"""Replay every person's view, partitioned by person, in one process or on Dask.

The store is cut into ``P`` partitions of persons by their aggregate id (a hash of the person
id, :mod:`ledger.partitions`). Each partition is one task: it opens the store read-only,
streams its persons' events and folds each person with
:func:`projections.person.project_person`. A task returns only a small
:class:`PartitionResult` (counts and a digest of its views) and, when ``out_dir`` is given,
writes its views to ``out_dir/views-IIIII-of-PPPPP.jsonl`` (one JSON view per line, in
aggregate-id order). No view travels back to the client, so memory stays bounded on both
sides whatever the population: a worker holds one person at a time, the client one result per
partition.

Where it runs:

- ``workers=0`` and no ``scheduler`` (default): every partition in this process, one after
  another; Dask is not even imported.
- ``workers=N``: a ``dask.distributed.LocalCluster`` of N worker processes with one thread each,
  started for the replay and closed after it.
- ``scheduler="tcp://HOST:PORT"``: an existing Dask cluster. Its workers need this package
  installed and must reach the store: a PostgreSQL URL, or a SQLite path they can read.

Dask is an optional extra (``pip install -e '.[dask]'``): nothing here imports it until a
cluster is asked for, and then :func:`require_dask` says what to install
(:class:`DaskMissing`) instead of an ``ImportError`` from deep inside.

The :attr:`ReplaySummary.digest` combines the views' hashes by addition modulo 2²⁵⁶, so it does
not depend on the number of partitions, on their order or on where they ran: two replays of the
same store agree on it exactly when they produced the same views.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from ledger.partitions import DEFAULT_PAGE, open_ledger_readonly, persons_in_partition
from policies import PolicyRegistry, builtin_registry
from projections.person import today_in_china
from projections.replay import Cut

_MODULUS = 1 << 256
R = TypeVar("R")

DASK_EXTRA = "pip install -e '.[dask]'"
"""How to install what a cluster needs (the package's ``dask`` extra)."""


class DaskMissing(ImportError):
    """Work was asked to run on Dask (``workers`` or ``scheduler``) and Dask is not installed."""


def require_dask() -> None:
    """Import ``dask.distributed``; :class:`DaskMissing`, naming the extra, when it is not
    installed (or cannot be imported)."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError as exc:
        raise DaskMissing(
            f"Dask is not installed ({exc}): {DASK_EXTRA} (or pip install 'resident-ledger[dask]')"
        ) from None


@dataclass(frozen=True)
class ReplayOptions:
    """What every partition task needs (picklable: sent to the workers)."""

    db: str
    partitions: int
    as_of: date
    known_on: datetime | None = None
    stored_on: datetime | None = None
    policies: str | None = None
    """A parameter file adding policy versions (POLICY.md "Adding a version")."""
    out_dir: str | None = None
    page: int = DEFAULT_PAGE


@dataclass(frozen=True)
class PartitionResult:
    """What one partition did; no personal data."""

    index: int
    persons: int
    events: int
    years: int
    digest: int
    """Sum modulo 2²⁵⁶ of the SHA-256 of each view's canonical JSON."""
    path: str | None
    seconds: float


@dataclass
class ReplaySummary:
    """The whole replay."""

    partitions: int
    persons: int = 0
    events: int = 0
    years: int = 0
    digest_sum: int = 0
    seconds: float = 0.0
    paths: list[str] = field(default_factory=list)

    def add(self, result: PartitionResult) -> None:
        self.persons += result.persons
        self.events += result.events
        self.years += result.years
        self.digest_sum = (self.digest_sum + result.digest) % _MODULUS
        if result.path:
            self.paths.append(result.path)

    @property
    def digest(self) -> str:
        """The replay's digest as 64 hex characters."""
        return f"{self.digest_sum:064x}"


def view_json(view: dict[str, Any]) -> str:
    """A view's canonical JSON text (sorted keys, compact, UTF-8 characters kept)."""
    return json.dumps(view, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def view_digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest(), "big")


@lru_cache(maxsize=8)
def _registry(policies: str | None) -> PolicyRegistry:
    # Built once per worker process, not shipped with every task.
    registry = builtin_registry()
    return registry if policies is None else registry.with_file(policies)


def partition_path(out_dir: str, index: int, count: int) -> str:
    return os.path.join(out_dir, f"views-{index:05d}-of-{count:05d}.jsonl")


def replay_partition(options: ReplayOptions, index: int) -> PartitionResult:
    """Fold every person of partition ``index``: one Dask task (or one step in process)."""
    began = time.perf_counter()
    registry = _registry(options.policies)
    persons = events = years = 0
    digest = 0
    path = partition_path(options.out_dir, index, options.partitions) if options.out_dir else None
    partial = f"{path}.partial" if path else None
    out = open(partial, "w", encoding="utf-8") if partial else None  # noqa: SIM115
    cut = Cut(as_of=options.as_of, known_on=options.known_on, stored_on=options.stored_on)
    app = open_ledger_readonly(options.db)
    try:
        for person_id, person_events in persons_in_partition(
            app, index, options.partitions, page=options.page
        ):
            view = cut.fold(person_id, person_events, registry).to_dict()
            text = view_json(view)
            digest = (digest + view_digest(text)) % _MODULUS
            persons += 1
            events += len(person_events)
            years += len(view["years"])
            if out is not None:
                out.write(text + "\n")
    finally:
        app.close()
        if out is not None:
            out.close()
    if partial and path:
        os.replace(partial, path)  # a partition's file appears only when complete
    return PartitionResult(index, persons, events, years, digest, path, time.perf_counter() - began)


def iter_replay(
    db: str,
    *,
    workers: int = 0,
    scheduler: str | None = None,
    partitions: int | None = None,
    as_of: date | None = None,
    known_on: datetime | None = None,
    stored_on: datetime | None = None,
    policies: str | Path | None = None,
    out_dir: str | Path | None = None,
    page: int = DEFAULT_PAGE,
) -> Iterator[PartitionResult]:
    """Replay the store ``db`` partition by partition; yields each partition's result as it
    completes (in index order in process, in completion order on Dask).

    ``partitions`` defaults to 1 in process and to 4 per worker on Dask (16 on an existing
    cluster), so that a slow partition does not hold the others back. ``as_of`` defaults to
    today in China, fixed once for every partition."""
    if workers < 0:
        raise ValueError("workers must be 0 (in process) or more")
    if workers and scheduler:
        raise ValueError("give either workers (a local cluster) or scheduler, not both")
    if partitions is None:
        partitions = 16 if scheduler else max(1, 4 * workers)
    if partitions < 1:
        raise ValueError("partitions must be at least 1")
    if out_dir is not None:
        os.makedirs(out_dir, exist_ok=True)
    options = ReplayOptions(
        db=db if "://" in db else os.path.abspath(db),
        partitions=partitions,
        as_of=as_of or today_in_china(),
        known_on=known_on,
        stored_on=stored_on,
        policies=str(policies) if policies is not None else None,
        out_dir=os.path.abspath(out_dir) if out_dir is not None else None,
        page=page,
    )
    _registry(options.policies)  # a bad parameter file fails here, before any worker starts
    yield from run_partitions(
        replay_partition, options, partitions, workers=workers, scheduler=scheduler
    )


def run_partitions(
    task: Callable[[Any, int], R],
    options: Any,
    partitions: int,
    *,
    workers: int = 0,
    scheduler: str | None = None,
) -> Iterator[R]:
    """``task(options, index)`` for every partition index: in this process one after another
    (``workers=0``, no ``scheduler``; Dask is not imported), on a ``LocalCluster`` of
    ``workers`` single-threaded processes, or on the cluster of ``scheduler``. Yields each
    result as it completes; only results travel back, one at a time.

    ``task`` and ``options`` must be picklable (a module-level function, a frozen dataclass)."""
    if not workers and not scheduler:
        for index in range(partitions):
            yield task(options, index)
        return
    require_dask()
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="30s")
    else:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
    try:
        futures = client.map(task, [options] * partitions, range(partitions), pure=False)
        for future in as_completed(futures):
            result: R = future.result()
            future.release()
            yield result
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def replay(
    db: str,
    *,
    on_result: Callable[[PartitionResult], None] | None = None,
    **kwargs: Any,
) -> ReplaySummary:
    """Run :func:`iter_replay` to the end; ``on_result`` sees each partition as it completes
    (for progress). Returns the summary."""
    began = time.perf_counter()
    summary: ReplaySummary | None = None
    for result in iter_replay(db, **kwargs):
        if summary is None:
            summary = ReplaySummary(partitions=0)
        summary.partitions += 1
        summary.add(result)
        if on_result is not None:
            on_result(result)
    summary = summary or ReplaySummary(partitions=0)
    summary.paths.sort()
    summary.seconds = time.perf_counter() - began
    return summary


__all__ = [
    "DASK_EXTRA",
    "DaskMissing",
    "PartitionResult",
    "ReplayOptions",
    "ReplaySummary",
    "iter_replay",
    "partition_path",
    "replay",
    "replay_partition",
    "require_dask",
    "run_partitions",
    "view_digest",
    "view_json",
]
