"""Reading the ledger for the projector: the notification log and persons' full histories.

The log is read with the library's ``recorder.select_notifications`` (arrival order; ids may
have gaps, an empty page is "nothing new yet"). Only each notification's position and
originator (the person's aggregate id and version) are used; the events themselves are read
per person, all of a batch's persons in one query, with their notification ids, so that a
person's rows can say which event produced them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from psycopg.sql import SQL, Identifier

from ledger.application import LedgerApp, to_contract_event
from ledger.events import Event
from ledger.store import LedgerPostgresRecorder, LedgerSQLiteRecorder

_IN_CHUNK = 900  # SQLite bound-parameter limit, with room to spare


@dataclass(frozen=True)
class LogEntry:
    """One notification of the ledger's log, without its event."""

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

    @property
    def application_name(self) -> str:
        return self.app.name

    def max_position(self) -> int:
        """The highest notification id in the log (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    def read_log(self, after: int, limit: int) -> list[LogEntry]:
        """Up to ``limit`` notifications with ids greater than ``after``."""
        return [
            LogEntry(n.id, _uuid(n.originator_id), n.originator_version)
            for n in self.recorder.select_notifications(
                start=after, limit=limit, inclusive_of_start=False
            )
        ]

    def histories(self, originator_ids: Sequence[UUID]) -> dict[UUID, History]:
        """The full histories of these persons' aggregates (all their events, now)."""
        rows = self._select(list(originator_ids))
        rows.sort(key=lambda r: (r[1], r[2]))
        by_originator: dict[UUID, tuple[list[Event], list[int]]] = {}
        mapper = self.app.mapper
        for position, originator_id, version, topic, state in rows:
            domain_event = mapper.to_domain_event(
                StoredEvent(
                    originator_id=originator_id,
                    originator_version=version,
                    topic=topic,
                    state=state,
                )
            )
            events, positions = by_originator.setdefault(originator_id, ([], []))
            events.append(to_contract_event(domain_event))
            positions.append(position)
        return {
            originator_id: History(events[0].person_id, events, positions)
            for originator_id, (events, positions) in by_originator.items()
        }

    def _select(self, originator_ids: list[UUID]) -> list[tuple[int, UUID, int, str, bytes]]:
        if not originator_ids:
            return []
        recorder = self.recorder
        if isinstance(recorder, LedgerSQLiteRecorder):  # rowid is the notification id
            out: list[tuple[int, UUID, int, str, bytes]] = []
            with recorder.datastore.transaction(commit=False) as c:
                for i in range(0, len(originator_ids), _IN_CHUNK):
                    chunk = [o.hex for o in originator_ids[i : i + _IN_CHUNK]]
                    c.execute(
                        "SELECT rowid, originator_id, originator_version, topic, state "
                        f"FROM {recorder.events_table_name} "
                        f"WHERE originator_id IN ({','.join('?' * len(chunk))})",
                        chunk,
                    )
                    out.extend(
                        (row[0], UUID(row[1]), row[2], row[3], row[4]) for row in c.fetchall()
                    )
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
    return value if isinstance(value, UUID) else UUID(str(value))
