"""Reading the ledger for the projector: the notification log and persons' full histories.

The log is read in arrival order (ids may have gaps, an empty page is "nothing new yet"), as
the library's ``recorder.select_notifications`` reads it but only each notification's position
and originator (the person's aggregate id and version). The events themselves are read per
person, all of a batch's persons in one query, with their notification ids, so that a person's
rows can say which event produced them; they are decoded by
:class:`ledger.stored_read.StoredEventDecoder` (the mapper's result, without its domain
event objects).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple
from uuid import UUID, SafeUUID

from psycopg.sql import SQL, Identifier

from ledger.application import LedgerApp
from ledger.events import Event
from ledger.store import LedgerSQLiteRecorder
from ledger.store_postgres import LedgerPostgresRecorder
from ledger.stored_read import StoredEventDecoder

_IN_CHUNK = 900  # SQLite bound-parameter limit, with room to spare


class LogEntry(NamedTuple):
    """One notification of the ledger's log, without its event (a tuple: one per event read,
    cheaper to make than a frozen dataclass)."""

    position: int
    originator_id: UUID
    originator_version: int


@dataclass(frozen=True)
class History:
    """A person's events in arrival order, each with its notification id."""

    person_id: str
    events: list[Event]
    positions: list[int]

    @property
    def version(self) -> int:
        """How many events (the aggregate version of the last one)."""
        return len(self.events)

    @property
    def position(self) -> int:
        """The notification id of the latest event."""
        return self.positions[-1] if self.positions else 0


class LedgerSource:
    """The ledger as the projector reads it."""

    def __init__(self, app: LedgerApp) -> None:
        self.app = app
        self.recorder = app.recorder
        if not isinstance(self.recorder, LedgerSQLiteRecorder | LedgerPostgresRecorder):
            raise TypeError(
                f"cannot project from a {type(self.recorder).__name__}: open the ledger "
                "with open_ledger()"
            )
        self.decoder = StoredEventDecoder(app.mapper)

    @property
    def application_name(self) -> str:
        return self.app.name

    def reconnect(self) -> None:
        """After a lost connection: test the pooled connections to the store, replacing those
        the server dropped (PostgreSQL; SQLite has nothing to lose)."""
        if isinstance(self.recorder, LedgerPostgresRecorder):
            self.recorder.datastore.pool.check()

    def max_position(self) -> int:
        """The highest notification id in the log (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    def read_log(self, after: int, limit: int) -> list[LogEntry]:
        """Up to ``limit`` notifications with ids greater than ``after``.

        The same rows as ``recorder.select_notifications(start=after, limit=limit,
        inclusive_of_start=False)``, reading only the three columns the projector uses (not the
        events' states)."""
        recorder = self.recorder
        uuids: dict[Any, UUID] = {}

        def entry(position: int, originator: Any, version: int) -> LogEntry:
            uuid = uuids.get(originator)
            if uuid is None:
                uuid = uuids[originator] = _uuid(originator)
            return LogEntry(position, uuid, version)

        if isinstance(recorder, LedgerSQLiteRecorder):
            with recorder.datastore.transaction(commit=False) as c:
                c.execute(
                    "SELECT rowid, originator_id, originator_version "
                    f"FROM {recorder.events_table_name} WHERE rowid>? ORDER BY rowid LIMIT ?",
                    (after, limit),
                )
                return [entry(r[0], r[1], r[2]) for r in c.fetchall()]
        assert isinstance(recorder, LedgerPostgresRecorder)
        statement = SQL(
            "SELECT notification_id, originator_id, originator_version FROM {0}.{1} "
            "WHERE notification_id>%s ORDER BY notification_id LIMIT %s"
        ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (after, limit), prepare=True)
            return [
                entry(r["notification_id"], r["originator_id"], r["originator_version"])
                for r in curs.fetchall()
            ]

    def histories(self, originator_ids: Sequence[UUID]) -> dict[UUID, History]:
        """The full histories of these persons' aggregates (all their events, now)."""
        grouped: dict[Any, list[tuple[int, int, str, bytes]]] = {}
        for position, originator, version, topic, state in self._select(list(originator_ids)):
            rows = grouped.get(originator)
            if rows is None:
                rows = grouped[originator] = []
            rows.append((version, position, topic, state))
        decode = self.decoder
        out: dict[UUID, History] = {}
        for originator, rows in grouped.items():
            rows.sort()  # by version (already so, as the primary key index returns them)
            originator_id = _uuid(originator)
            events = [decode(originator_id, v, topic, state) for v, _, topic, state in rows]
            out[originator_id] = History(events[0].person_id, events, [r[1] for r in rows])
        return out

    def _select(self, originator_ids: list[UUID]) -> list[tuple[int, Any, int, str, bytes]]:
        """(notification id, originator id as stored, version, topic, state) of every event
        of these aggregates."""
        if not originator_ids:
            return []
        recorder = self.recorder
        if isinstance(recorder, LedgerSQLiteRecorder):  # rowid is the notification id
            out: list[tuple[int, Any, int, str, bytes]] = []
            with recorder.datastore.transaction(commit=False) as c:
                for i in range(0, len(originator_ids), _IN_CHUNK):
                    chunk = [o.hex for o in originator_ids[i : i + _IN_CHUNK]]
                    c.execute(
                        "SELECT rowid, originator_id, originator_version, topic, state "
                        f"FROM {recorder.events_table_name} "
                        f"WHERE originator_id IN ({','.join('?' * len(chunk))})",
                        chunk,
                    )
                    out.extend(c.fetchall())
            return out
        assert isinstance(recorder, LedgerPostgresRecorder)
        statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {0}.{1} WHERE originator_id = ANY(%s)"
        ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (originator_ids,))
            return [
                (
                    r["notification_id"],
                    r["originator_id"],
                    r["originator_version"],
                    r["topic"],
                    bytes(r["state"]),
                )
                for r in curs.fetchall()
            ]


def _uuid(value: Any) -> UUID:
    """The UUID of an originator id as the store returns it (a UUID on PostgreSQL, 32 hex
    digits on SQLite)."""
    if isinstance(value, UUID):
        return value
    if type(value) is str and len(value) == 32:
        # UUID(hex) validates and normalises in Python (~1 µs, once per event read); the
        # store holds the ``.hex`` the ledger wrote, so set the number directly, as
        # UUID.__init__ does. int() still refuses anything that is not hex.
        uuid = object.__new__(UUID)
        object.__setattr__(uuid, "int", int(value, 16))
        object.__setattr__(uuid, "is_safe", SafeUUID.unknown)
        return uuid
    return UUID(str(value))
