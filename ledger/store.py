"""Persistence of the ledger: eventsourcing's own SQLite and PostgreSQL recorders, extended.

The event store is the library's application recorder (``stored_events`` in SQLite,
``ledger_events`` in PostgreSQL). Beside it the ledger keeps two tables, written in the same
transaction as the events they describe, so they can never disagree with the store:

``ledger_event_ids``
    one row per stored contract event: ``event_id`` (the idempotency key), the fingerprint of
    its content, and where it is stored (``originator_id``, ``originator_version``).
``ledger_residents``
    one row per person: the compact state of the :class:`~ledger.aggregate.Resident` at its
    latest version (person id and version: where the next event goes). The bulk import loads
    these instead of replaying every person's events; they can always be rebuilt from the
    events. Indexed by ``person_id``: the replay of everyone reads persons in person id order
    by keyset pages (:meth:`LedgerRecorder.select_person_page`).

Both recorders accept ``ledger_index=`` and ``ledger_states=`` keyword arguments on
``insert_events`` (the library passes ``Application.save`` keywords through), so both the
library's save path and the bulk import write events and index atomically.

:func:`persistence_env` turns a database argument (a path, or a ``postgresql://`` URL) into
the library's persistence settings.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import UUID

import psycopg
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

DEFAULT_DB = "ledger.db"
"""The SQLite file used when neither ``--db`` nor ``LEDGER_DB`` names a database."""

IndexRow = tuple[str, str, UUID, int]
"""``(event_id, fingerprint, originator_id, originator_version)`` of one stored event."""

StateRow = tuple[UUID, str, int, str]
"""``(originator_id, person_id, originator_version, state)``: a resident's compact state
(:meth:`ledger.aggregate.Resident.compact_state`) at a version."""

_IN_CHUNK = 900  # stay far below SQLite's bound-parameter limit

SQLITE_CACHE_MIB = 64
_SQLITE_CACHE_PRAGMA = f"PRAGMA cache_size=-{SQLITE_CACHE_MIB * 1024}"
"""Page cache of the connections the bulk import uses (SQLite's default is 2 MiB). The
idempotency index, the resident states and the events' (originator_id, version) key take
random inserts and lookups; with the default cache a million-event ledger reads most of those
pages back from the OS on every batch."""


class InvalidDatabase(ValueError):
    """A database argument that is neither a file path nor a ``postgresql://`` URL."""


@runtime_checkable
class LedgerRecorder(Protocol):
    """What the ledger application needs from its recorder beyond the library's interface."""

    def select_fingerprints(self, event_ids: Sequence[str]) -> dict[str, str]:
        """Fingerprints of those of ``event_ids`` already stored."""
        ...

    def select_resident_states(self, originator_ids: Sequence[UUID]) -> list[StateRow]:
        """The stored resident states of those of ``originator_ids`` the ledger has."""
        ...

    def select_person_ids(self) -> list[str]:
        """Every person id in the ledger, sorted."""
        ...

    def select_person_page(self, after: str | None, limit: int) -> list[tuple[UUID, str]]:
        """Up to ``limit`` persons ``(originator_id, person_id)`` whose person id sorts after
        ``after`` (from the first when ``None``), in person id order (code point order on both
        backends): keyset pages over the person index."""
        ...

    def select_stored_events(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        """Every stored event of these aggregates, by aggregate then version."""
        ...

    def count_events(self) -> int:
        """How many contract events are stored."""
        ...


# ---------------------------------------------------------------- SQLite


class LedgerSQLiteRecorder(SQLiteApplicationRecorder):
    """The library's SQLite application recorder plus the ledger's index and state tables.

    Events are inserted with one ``executemany`` per transaction; their notification ids are
    the rowids SQLite assigns, which are consecutive inside the write transaction."""

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        statements.append(
            "CREATE TABLE IF NOT EXISTS ledger_event_ids ("
            "event_id TEXT PRIMARY KEY, "
            "fingerprint TEXT NOT NULL, "
            "originator_id TEXT NOT NULL, "
            "originator_version INTEGER NOT NULL) "
            "WITHOUT ROWID"
        )
        statements.append(
            "CREATE TABLE IF NOT EXISTS ledger_residents ("
            "originator_id TEXT PRIMARY KEY, "
            "person_id TEXT NOT NULL, "
            "originator_version INTEGER NOT NULL, "
            "state TEXT NOT NULL)"
        )
        # Persons in person id order (the replay of everyone, INTERCHANGE.md) without sorting
        # the whole table: keyset pages over this index. BINARY collation: code point order.
        statements.append(
            "CREATE INDEX IF NOT EXISTS ledger_residents_person_id ON ledger_residents (person_id)"
        )
        return statements

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        *,
        ledger_index: Sequence[IndexRow] = (),
        ledger_states: Sequence[StateRow] = (),
        **_: Any,
    ) -> Sequence[int] | None:
        if not stored_events:
            return []
        c.execute(_SQLITE_CACHE_PRAGMA)
        hexes = _HexCache()
        c.executemany(
            self.insert_events_statement,
            [
                (
                    hexes[s.originator_id],
                    s.originator_version,
                    s.topic,
                    s.state,
                )
                for s in stored_events
            ],
        )
        # The write lock is held since the first insert, so the rowids just assigned are the
        # last len(stored_events) ones.
        last = self._max_notification_id(c)
        if ledger_index:
            c.executemany(
                "INSERT INTO ledger_event_ids VALUES (?,?,?,?)",
                [(e, f, hexes[o], v) for e, f, o, v in ledger_index],
            )
        if ledger_states:
            c.executemany(
                "INSERT INTO ledger_residents VALUES (?,?,?,?) "
                "ON CONFLICT (originator_id) DO UPDATE SET "
                "originator_version=excluded.originator_version, state=excluded.state",
                [(o.hex, p, v, state) for o, p, v, state in ledger_states],
            )
        return list(range(last - len(stored_events) + 1, last + 1))

    def select_fingerprints(self, event_ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        with self.datastore.transaction(commit=False) as c:
            c.execute(_SQLITE_CACHE_PRAGMA)
            for chunk in _chunks(list(event_ids)):
                c.execute(
                    "SELECT event_id, fingerprint FROM ledger_event_ids "
                    f"WHERE event_id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
                found.update((row[0], row[1]) for row in c.fetchall())
        return found

    def select_resident_states(self, originator_ids: Sequence[UUID]) -> list[StateRow]:
        states: list[StateRow] = []
        with self.datastore.transaction(commit=False) as c:
            c.execute(_SQLITE_CACHE_PRAGMA)
            for chunk in _chunks([o.hex for o in originator_ids]):
                c.execute(
                    "SELECT originator_id, person_id, originator_version, state "
                    "FROM ledger_residents "
                    f"WHERE originator_id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
                states.extend((UUID(r[0]), r[1], r[2], r[3]) for r in c.fetchall())
        return states

    def select_person_ids(self) -> list[str]:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT person_id FROM ledger_residents ORDER BY person_id")
            return [row[0] for row in c.fetchall()]

    def count_events(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT COUNT(*) FROM ledger_event_ids")
            count: int = c.fetchone()[0]
            return count

    def select_person_page(self, after: str | None, limit: int) -> list[tuple[UUID, str]]:
        with self.datastore.transaction(commit=False) as c:
            if after is None:
                c.execute(
                    "SELECT originator_id, person_id FROM ledger_residents "
                    "ORDER BY person_id LIMIT ?",
                    (limit,),
                )
            else:
                c.execute(
                    "SELECT originator_id, person_id FROM ledger_residents "
                    "WHERE person_id > ? ORDER BY person_id LIMIT ?",
                    (after, limit),
                )
            return [(UUID(row[0]), row[1]) for row in c.fetchall()]

    def select_stored_events(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        events: list[StoredEvent] = []
        with self.datastore.transaction(commit=False) as c:
            for chunk in _chunks([o.hex for o in originator_ids]):
                c.execute(
                    "SELECT originator_id, originator_version, topic, state "
                    f"FROM {self.events_table_name} "
                    f"WHERE originator_id IN ({','.join('?' * len(chunk))}) "
                    "ORDER BY originator_id, originator_version",
                    chunk,
                )
                events.extend(StoredEvent(UUID(r[0]), r[1], r[2], r[3]) for r in c.fetchall())
        return events


# ---------------------------------------------------------------- PostgreSQL


class LedgerPostgresRecorder(PostgresApplicationRecorder):
    """The library's PostgreSQL application recorder plus the ledger's index and state tables.

    The index and state rows are written by ``_insert_events``, which the library runs inside
    the same transaction (and pipeline) as the insert of the stored events."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        self.index_table = SQL("{0}.{1}").format(schema, Identifier("ledger_event_ids"))
        self.residents_table = SQL("{0}.{1}").format(schema, Identifier("ledger_residents"))
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} ("
                "event_id text PRIMARY KEY, "
                "fingerprint text NOT NULL, "
                "originator_id uuid NOT NULL, "
                "originator_version bigint NOT NULL)"
            ).format(self.index_table)
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} ("
                "originator_id uuid PRIMARY KEY, "
                "person_id text NOT NULL, "
                "originator_version bigint NOT NULL, "
                "state text NOT NULL)"
            ).format(self.residents_table)
        )
        # Persons in person id order without sorting the table (see the SQLite recorder):
        # byte order ("C"), the order Python and SQLite sort in.
        self.sql_create_statements.append(
            SQL('CREATE INDEX IF NOT EXISTS {0} ON {1} (person_id COLLATE "C")').format(
                Identifier("ledger_residents_person_id"), self.residents_table
            )
        )

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """The library's insert (index and states, table lock, events, their ids: one
        transaction), in a plain transaction instead of psycopg's pipeline mode. The pipeline
        saves round trips the ledger does not make (a batch is three statements) and hangs
        for good on a large enough batch (psycopg issue #685: seen at 30,000 events)."""
        if self.datastore.enable_db_functions:
            return super().insert_events(stored_events, **kwargs)
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return None
            self._insert_stored_events(curs, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def _insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        *,
        ledger_index: Sequence[IndexRow] = (),
        ledger_states: Sequence[StateRow] = (),
        **_: Any,
    ) -> None:
        if ledger_index:
            curs.execute(
                SQL(
                    "INSERT INTO {0} (event_id, fingerprint, originator_id, originator_version) "
                    "SELECT * FROM unnest(%s::text[], %s::text[], %s::uuid[], %s::bigint[])"
                ).format(self.index_table),
                (
                    [row[0] for row in ledger_index],
                    [row[1] for row in ledger_index],
                    [row[2] for row in ledger_index],
                    [row[3] for row in ledger_index],
                ),
            )
        if ledger_states:
            curs.execute(
                SQL(
                    "INSERT INTO {0} (originator_id, person_id, originator_version, state) "
                    "SELECT * FROM unnest(%s::uuid[], %s::text[], %s::bigint[], %s::text[]) "
                    "ON CONFLICT (originator_id) DO UPDATE SET "
                    "originator_version = excluded.originator_version, state = excluded.state"
                ).format(self.residents_table),
                (
                    [row[0] for row in ledger_states],
                    [row[1] for row in ledger_states],
                    [row[2] for row in ledger_states],
                    [row[3] for row in ledger_states],
                ),
            )

    def select_fingerprints(self, event_ids: Sequence[str]) -> dict[str, str]:
        if not event_ids:
            return {}
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL("SELECT event_id, fingerprint FROM {0} WHERE event_id = ANY(%s)").format(
                    self.index_table
                ),
                (list(event_ids),),
            )
            return {row["event_id"]: row["fingerprint"] for row in curs.fetchall()}

    def select_resident_states(self, originator_ids: Sequence[UUID]) -> list[StateRow]:
        if not originator_ids:
            return []
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT originator_id, person_id, originator_version, state FROM {0} "
                    "WHERE originator_id = ANY(%s)"
                ).format(self.residents_table),
                (list(originator_ids),),
            )
            return [
                (r["originator_id"], r["person_id"], r["originator_version"], r["state"])
                for r in curs.fetchall()
            ]

    def select_person_ids(self) -> list[str]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL('SELECT person_id FROM {0} ORDER BY person_id COLLATE "C"').format(
                    self.residents_table
                )
            )
            return [row["person_id"] for row in curs.fetchall()]

    def count_events(self) -> int:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(SQL("SELECT COUNT(*) AS n FROM {0}").format(self.index_table))
            row = curs.fetchone()
            assert row is not None
            count: int = row["n"]
            return count

    def select_person_page(self, after: str | None, limit: int) -> list[tuple[UUID, str]]:
        where = SQL("") if after is None else SQL('WHERE person_id COLLATE "C" > %s ')
        params: tuple[Any, ...] = (limit,) if after is None else (after, limit)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT originator_id, person_id FROM {0} {1}"
                    'ORDER BY person_id COLLATE "C" LIMIT %s'
                ).format(self.residents_table, where),
                params,
            )
            return [(row["originator_id"], row["person_id"]) for row in curs.fetchall()]

    def select_stored_events(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        if not originator_ids:
            return []
        table = SQL("{0}.{1}").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name)
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT originator_id, originator_version, topic, state FROM {0} "
                    "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
                ).format(table),
                (list(originator_ids),),
            )
            return [
                StoredEvent(
                    r["originator_id"], r["originator_version"], r["topic"], bytes(r["state"])
                )
                for r in curs.fetchall()
            ]


# ---------------------------------------------------------------- settings


def is_postgres_url(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


def persistence_env(db: str) -> dict[str, str]:
    """eventsourcing persistence settings for a database argument.

    ``db`` is a SQLite file path, or ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME``
    with an optional ``?schema=NAME`` (created if missing)."""
    if is_postgres_url(db):
        return _postgres_env(db)
    if "://" in db:
        raise InvalidDatabase(
            f"unsupported database {db!r}: give a SQLite file path or a postgresql:// URL"
        )
    if not db.strip():
        raise InvalidDatabase("empty database path")
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": os.path.abspath(db),
        "APPLICATION_RECORDER_TOPIC": "ledger.store:LedgerSQLiteRecorder",
    }


def _postgres_env(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname:
        raise InvalidDatabase(f"no database name in {display_db(url)!r}")
    try:
        port = parts.port or 5432
    except ValueError:
        raise InvalidDatabase(f"bad port in {display_db(url)!r}") from None
    query = parse_qs(parts.query)
    schema = query.get("schema", [""])[0]
    timeout = query.get("connect_timeout", ["10"])[0]
    if not timeout.isdigit():
        raise InvalidDatabase(f"bad connect_timeout in {display_db(url)!r}")
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": parts.hostname or "localhost",
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": unquote(parts.username) if parts.username else getpass.getuser(),
        "POSTGRES_PASSWORD": unquote(parts.password) if parts.password else "",
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_CONNECT_TIMEOUT": timeout,
        # Keep the table-lock insert path: with database functions on, a follower of the log
        # was seen to skip events under concurrent writers (notes/eventsourcing.md).
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        "APPLICATION_RECORDER_TOPIC": "ledger.store:LedgerPostgresRecorder",
    }
    if schema:
        _create_schema(env)
    return env


def _create_schema(env: dict[str, str]) -> None:
    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"],
        connect_timeout=int(env["POSTGRES_CONNECT_TIMEOUT"]),
        autocommit=True,
    ) as conn:
        conn.execute(
            SQL("CREATE SCHEMA IF NOT EXISTS {0}").format(Identifier(env["POSTGRES_SCHEMA"]))
        )


def display_db(url: str) -> str:
    """A database argument fit for messages: a URL loses its password."""
    if not is_postgres_url(url):
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()


def _hex(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id


class _HexCache(dict[UUID | str, str]):
    """``_hex`` of each originator id, computed once per batch (persons recur in a batch)."""

    def __missing__(self, key: UUID | str) -> str:
        value = self[key] = _hex(key)
        return value


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + _IN_CHUNK] for i in range(0, len(items), _IN_CHUNK)]


__all__ = [
    "DEFAULT_DB",
    "IndexRow",
    "InvalidDatabase",
    "LedgerPostgresRecorder",
    "LedgerRecorder",
    "LedgerSQLiteRecorder",
    "StateRow",
    "display_db",
    "is_postgres_url",
    "persistence_env",
]
