"""Reading the store one partition of persons at a time (for parallel and distributed replays).

A person's aggregate id is ``uuid5(RESIDENT_NAMESPACE, person_id)`` (:func:`ledger.aggregate.
resident_id`): a hash of the person id, spread evenly over the 128-bit range. Partition ``i``
of ``n`` holds the persons whose aggregate id lies in ``[i·2¹²⁸/n, (i+1)·2¹²⁸/n)``, so any
process finds a partition's persons without a lookup table and the partitions together hold
every person exactly once, whatever ``n``.

:func:`persons_in_partition` streams a partition's persons with their events (in arrival order,
as :meth:`ledger.application.LedgerApp.events_of` gives them) by keyset pages over the events
table's primary key ``(originator_id, originator_version)``: one range scan, memory bounded by
the page size, the same on SQLite and PostgreSQL. :func:`histories_in_partition` gives each
event's notification id too (the log position a reporting row records).

:func:`open_ledger_readonly` opens the store without creating tables (and, for SQLite, with a
read-only connection), as a replay worker should.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from psycopg.sql import SQL, Identifier

from ledger.aggregate import resident_id
from ledger.application import LedgerApp, to_contract_event
from ledger.events import Event
from ledger.store import (
    DEFAULT_DB,
    LedgerSQLiteRecorder,
    is_postgres_url,
    persistence_env,
)
from ledger.store_postgres import LedgerPostgresRecorder

_SPACE = 1 << 128
DEFAULT_PAGE = 20_000
"""Events read per query."""


def partition_bounds(index: int, count: int) -> tuple[UUID, UUID | None]:
    """The aggregate ids ``[low, high)`` of partition ``index`` of ``count`` (``high`` is
    ``None`` for the last partition)."""
    if count < 1 or not 0 <= index < count:
        raise ValueError(f"no partition {index} of {count}")
    low = UUID(int=index * _SPACE // count)
    high = None if index == count - 1 else UUID(int=(index + 1) * _SPACE // count)
    return low, high


def partition_of(person_id: str, count: int) -> int:
    """The partition (of ``count``) that holds ``person_id``."""
    return resident_id(person_id).int * count // _SPACE


def open_ledger_readonly(db: str | None = None) -> LedgerApp:
    """Open an existing ledger for reading: no table is created; a SQLite file is opened with
    a read-only connection (``mode=ro``)."""
    spec = db or os.environ.get("LEDGER_DB") or DEFAULT_DB
    env = persistence_env(spec)
    env["CREATE_TABLE"] = "n"
    if not is_postgres_url(spec):
        path = env["SQLITE_DBNAME"]
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no ledger at {spec}")
        env["SQLITE_DBNAME"] = f"file:{quote(path)}?mode=ro"
    return LedgerApp(env=env)


def persons_in_partition(
    app: LedgerApp, index: int, count: int, *, page: int = DEFAULT_PAGE
) -> Iterator[tuple[str, list[Event]]]:
    """``(person_id, events)`` of every person in partition ``index`` of ``count``, in aggregate
    id order; events in arrival order with ``recorded_at`` set."""
    low, high = partition_bounds(index, count)
    current: UUID | str | None = None
    events: list[Event] = []
    for stored in _stored_events(app, low, high, page):
        if stored.originator_id != current:
            if events:
                yield events[0].person_id, events
            current, events = stored.originator_id, []
        events.append(to_contract_event(app.mapper.to_domain_event(stored)))
    if events:
        yield events[0].person_id, events


def histories_in_partition(
    app: LedgerApp, index: int, count: int, *, page: int = DEFAULT_PAGE
) -> Iterator[tuple[str, list[Event], list[int]]]:
    """``(person_id, events, positions)`` of every person in partition ``index`` of ``count``,
    as :func:`persons_in_partition`, with each event's notification id (its position in the
    log, what the reporting rows record)."""
    low, high = partition_bounds(index, count)
    current: UUID | str | None = None
    events: list[Event] = []
    positions: list[int] = []
    for position, stored in _positioned_events(app, low, high, page):
        if stored.originator_id != current:
            if events:
                yield events[0].person_id, events, positions
            current, events, positions = stored.originator_id, [], []
        events.append(to_contract_event(app.mapper.to_domain_event(stored)))
        positions.append(position)
    if events:
        yield events[0].person_id, events, positions


def _stored_events(
    app: LedgerApp, low: UUID, high: UUID | None, page: int
) -> Iterator[StoredEvent]:
    for _, stored in _positioned_events(app, low, high, page):
        yield stored


def _positioned_events(
    app: LedgerApp, low: UUID, high: UUID | None, page: int
) -> Iterator[tuple[int, StoredEvent]]:
    recorder = app.recorder
    if isinstance(recorder, LedgerSQLiteRecorder):
        fetch = _sqlite_page(recorder, high)
        after: tuple[Any, int] = (low.hex, -1)
    elif isinstance(recorder, LedgerPostgresRecorder):
        fetch = _postgres_page(recorder, high)
        after = (low, -1)
    else:
        raise TypeError(f"cannot read partitions from {type(recorder).__name__}")
    while True:
        rows = fetch(after, page)
        yield from rows
        if len(rows) < page:
            return
        last = rows[-1][1]
        after = (
            last.originator_id.hex
            if isinstance(recorder, LedgerSQLiteRecorder)
            else last.originator_id,
            last.originator_version,
        )


def _sqlite_page(recorder: LedgerSQLiteRecorder, high: UUID | None) -> Any:
    table = recorder.events_table_name
    bound = "" if high is None else "AND originator_id < ? "
    statement = (
        f"SELECT originator_id, originator_version, topic, state, rowid FROM {table} "
        "WHERE (originator_id, originator_version) > (?, ?) "
        f"{bound}ORDER BY originator_id, originator_version LIMIT ?"
    )

    def fetch(after: tuple[str, int], limit: int) -> list[tuple[int, StoredEvent]]:
        params: list[Any] = [after[0], after[1]]
        if high is not None:
            params.append(high.hex)
        params.append(limit)
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            # The rowid is the notification id (eventsourcing's SQLite recorder).
            return [
                (
                    row[4],
                    StoredEvent(
                        originator_id=UUID(row[0]),
                        originator_version=row[1],
                        topic=row[2],
                        state=row[3],
                    ),
                )
                for row in c.fetchall()
            ]

    return fetch


def _postgres_page(recorder: LedgerPostgresRecorder, high: UUID | None) -> Any:
    table = SQL("{0}.{1}").format(
        Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
    )
    bound = SQL("") if high is None else SQL("AND originator_id < %s ")
    statement = SQL(
        "SELECT originator_id, originator_version, topic, state, notification_id FROM {0} "
        "WHERE (originator_id, originator_version) > (%s, %s) "
        "{1}ORDER BY originator_id, originator_version LIMIT %s"
    ).format(table, bound)

    def fetch(after: tuple[UUID, int], limit: int) -> list[tuple[int, StoredEvent]]:
        params: list[Any] = [after[0], after[1]]
        if high is not None:
            params.append(high)
        params.append(limit)
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(statement, params)
            return [
                (
                    row["notification_id"],
                    StoredEvent(
                        originator_id=row["originator_id"],
                        originator_version=row["originator_version"],
                        topic=row["topic"],
                        state=bytes(row["state"]),
                    ),
                )
                for row in curs.fetchall()
            ]

    return fetch


__all__ = [
    "DEFAULT_PAGE",
    "histories_in_partition",
    "open_ledger_readonly",
    "partition_bounds",
    "partition_of",
    "persons_in_partition",
]
