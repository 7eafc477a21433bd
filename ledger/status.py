"""What ``ledger status`` says about a store: its size, identity and newest event.

Read-only: counts and the newest event's time, read with one query each (no person id is
read or shown).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger.store import LedgerSQLiteRecorder, read_ledger_id

# The PostgreSQL branches import psycopg where they run: ``ledger replay`` counts the persons
# of a SQLite file without it.


@dataclass(frozen=True)
class StoreStatus:
    """The store at a glance."""

    database: str
    backend: str
    ledger_id: str | None
    events: int
    persons: int
    position: int
    """The highest notification id (the log's end)."""
    last_stored_at: datetime | None
    """When the newest event was stored (its stored timestamp)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "backend": self.backend,
            "ledger_id": self.ledger_id,
            "events": self.events,
            "persons": self.persons,
            "position": self.position,
            "last_stored_at": self.last_stored_at.isoformat() if self.last_stored_at else None,
        }


def store_status(app: Any, shown: str) -> StoreStatus:
    """The status of the ledger ``app`` (opened with :func:`ledger.application.open_ledger`)."""
    recorder = app.recorder
    position = recorder.max_notification_id() or 0
    return StoreStatus(
        database=shown,
        backend=recorder.backend,
        ledger_id=read_ledger_id(recorder),
        events=app.count_events(),
        persons=count_persons(recorder),
        position=position,
        last_stored_at=stored_at(app, position) if position else None,
    )


def count_persons(recorder: Any) -> int:
    """How many persons the store holds (one ``COUNT(*)`` of the resident states)."""
    if isinstance(recorder, LedgerSQLiteRecorder):
        with recorder.datastore.transaction(commit=False) as c:
            c.execute("SELECT COUNT(*) FROM ledger_residents")
            return int(c.fetchone()[0])
    from psycopg.sql import SQL

    from ledger.store_postgres import LedgerPostgresRecorder

    assert isinstance(recorder, LedgerPostgresRecorder)
    with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
        curs.execute(SQL("SELECT COUNT(*) AS n FROM {0}").format(recorder.residents_table))
        row = curs.fetchone()
        return int(row["n"]) if row else 0


def stored_at(app: Any, position: int) -> datetime | None:
    """When the event at notification id ``position`` was stored (``None``: no such id)."""
    found = app.recorder.select_notifications(start=position, limit=1)
    if not found or found[0].id != position:
        return None
    moment: datetime = app.mapper.to_domain_event(found[0]).timestamp
    return moment


def events_after(app: Any, position: int) -> tuple[int, int | None]:
    """How many events the log holds after ``position``, and the id of the first of them."""
    recorder = app.recorder
    if isinstance(recorder, LedgerSQLiteRecorder):
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT COUNT(*), MIN(rowid) FROM {recorder.events_table_name} WHERE rowid > ?",
                (position,),
            )
            count, first = c.fetchone()
            return int(count), first
    from psycopg.sql import SQL, Identifier

    from ledger.store_postgres import LedgerPostgresRecorder

    assert isinstance(recorder, LedgerPostgresRecorder)
    statement = SQL(
        "SELECT COUNT(*) AS n, MIN(notification_id) AS first FROM {0}.{1} "
        "WHERE notification_id > %s"
    ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
    with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
        curs.execute(statement, (position,))
        row = curs.fetchone()
        assert row is not None
        return int(row["n"]), row["first"]
