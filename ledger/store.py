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

``ledger_meta``
    ``key``/``value`` settings of the store; ``ledger_id`` is a random UUID made with the
    tables: the ledger's identity, which a reporting target records (and checks).

:func:`persistence_env` turns a database argument (a path, or a PostgreSQL URL, read by
:mod:`ledger.dburl`) into the library's persistence settings; :func:`prepared_store` checks the
store before the library opens it: nothing is created by a reader, the server's reason is
reported at once, and DDL runs only when tables are missing, under an advisory lock.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable
from urllib.parse import quote
from uuid import UUID, uuid4

import psycopg
from eventsourcing.persistence import IntegrityError, PersistenceError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore, PostgresFactory
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore
from psycopg.rows import dict_row
from psycopg.sql import SQL, Identifier

from ledger.dburl import DatabaseSpec, InvalidDatabase, display_database, parse_database

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

    def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        ledger_index: Sequence[IndexRow] = (),
        ledger_states: Sequence[StateRow] = (),
        **_: Any,
    ) -> Sequence[int] | None:
        """The library's insert (its public method, replaced whole): events, then the index
        and state rows, in one write transaction; the events' notification ids."""
        if not stored_events:
            return []
        with self.datastore.transaction(commit=True) as c:
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
            # The write lock is held since the first insert, so the rowids just assigned are
            # the last len(stored_events) ones.
            c.execute(self.select_max_notification_id_statement)
            last: int = c.fetchone()[0]
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

    Writes go through :meth:`insert_events` (the library's public method: ``Application.save``
    and :meth:`ledger.application.LedgerApp.append` both call it), which writes events,
    index rows and resident states with ``COPY`` in one transaction."""

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
        events = SQL("{0}.{1}").format(schema, Identifier(self.events_table_name))
        self._events_relation = events.as_string(None)
        self._copy_index = SQL(
            "COPY {0} (event_id, fingerprint, originator_id, originator_version) "
            "FROM STDIN (FORMAT BINARY)"
        ).format(self.index_table)
        # A temporary table per transaction (dropped at its end): no per-connection state to
        # keep, one catalog entry per batch.
        self._create_stage = SQL(
            "CREATE TEMPORARY TABLE ledger_states_stage (originator_id uuid, person_id text, "
            "originator_version bigint, state text) ON COMMIT DROP"
        )
        self._copy_stage = SQL(
            "COPY ledger_states_stage (originator_id, person_id, originator_version, state) "
            "FROM STDIN (FORMAT BINARY)"
        )
        self._upsert_states = SQL(
            "INSERT INTO {0} (originator_id, person_id, originator_version, state) "
            "SELECT originator_id, person_id, originator_version, state "
            "FROM ledger_states_stage ORDER BY originator_id "
            "ON CONFLICT (originator_id) DO UPDATE SET "
            "originator_version = excluded.originator_version, state = excluded.state"
        ).format(self.residents_table)
        self._lock_timeout = SQL("SET LOCAL lock_timeout = {0}").format(
            f"{int(self.datastore.lock_timeout)}s"
        )
        self._lock_events = SQL("LOCK TABLE {0} IN EXCLUSIVE MODE").format(events)
        self._notify = SQL("NOTIFY {0}").format(Identifier(self.channel_name))
        self._copy_events = SQL(
            "COPY {0} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
        ).format(events)
        self._last_id = SQL("SELECT currval(pg_get_serial_sequence(%s, 'notification_id')) AS last")

    def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        ledger_index: Sequence[IndexRow] = (),
        ledger_states: Sequence[StateRow] = (),
        **_: Any,
    ) -> Sequence[int] | None:
        """Events, idempotency index and resident states in one transaction, each written with
        ``COPY`` (the library's public method, replaced whole); the events' notification ids.

        Order inside the transaction, so that concurrent writers neither deadlock nor hand a
        follower a gap it would skip:

        1. the index rows, sorted by ``event_id``: its primary key is the idempotency
           decision's arbiter (a writer that decided "new" for an id another writer stored
           first fails here with ``IntegrityError``, and ``LedgerApp.append`` decides again);
        2. the resident states, sorted by aggregate id: copied into a temporary table, then
           upserted in that order;
        3. the table lock (``LOCK TABLE … IN EXCLUSIVE MODE``, the library's own guarantee,
           held to the commit), then the events, whose notification ids the table's sequence
           assigns: one writer at a time assigns ids and commits, so ids are visible in
           increasing order and a follower never passes over an id that commits later.

        Every writer takes the row locks of 1 and 2 in the same global order and all of them
        before the table lock, so two writers touching the same persons or ids wait for each
        other but cannot deadlock (``tests/test_pg_write_path.py``). Only step 3 is serial
        among writers. Rows are formatted before the transaction (binary ``COPY``, psycopg's
        dumpers), so little client time is spent holding locks."""
        index = sorted(ledger_index)
        states = sorted(ledger_states, key=_first)
        events = [(s.originator_id, s.originator_version, s.topic, s.state) for s in stored_events]
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            if index:
                with curs.copy(self._copy_index) as copy:
                    copy.set_types(_INDEX_TYPES)
                    for row in index:
                        copy.write_row(row)
            if states:
                curs.execute(self._create_stage)
                with curs.copy(self._copy_stage) as copy:
                    copy.set_types(_STATE_TYPES)
                    for state in states:
                        copy.write_row(state)
                curs.execute(self._upsert_states)
            if not events:
                return []
            curs.execute(self._lock_timeout)
            curs.execute(self._lock_events)
            curs.execute(self._notify)
            with curs.copy(self._copy_events) as copy:
                copy.set_types(_EVENT_TYPES)
                for event in events:
                    copy.write_row(event)
            curs.execute(self._last_id, (self._events_relation,))
            found = curs.fetchone()
            assert found is not None
            last: int = found["last"]
        # Under the table lock only this transaction draws from the sequence (which the
        # library creates with the default cache of 1), so its ids are consecutive.
        return list(range(last - len(events) + 1, last + 1))

    def select_fingerprints(self, event_ids: Sequence[str]) -> dict[str, str]:
        if not event_ids:
            return {}
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT event_id, fingerprint FROM {0} WHERE event_id = ANY(%s::text[])"
                ).format(self.index_table),
                (array_literal(event_ids),),
            )
            return {row["event_id"]: row["fingerprint"] for row in curs.fetchall()}

    def select_resident_states(self, originator_ids: Sequence[UUID]) -> list[StateRow]:
        if not originator_ids:
            return []
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT originator_id, person_id, originator_version, state FROM {0} "
                    "WHERE originator_id = ANY(%s::uuid[])"
                ).format(self.residents_table),
                (array_literal([o.hex for o in originator_ids]),),
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

LEDGER_TABLES = {
    "sqlite": ("stored_events", "ledger_event_ids", "ledger_residents"),
    "postgresql": ("ledger_events", "ledger_event_ids", "ledger_residents"),
}
"""The tables a ledger has on each backend (the events table is named by the library)."""
META_TABLE = "ledger_meta"
"""``key``/``value`` settings of the store; ``ledger_id``: a random UUID made when the store
is created (under the DDL lock), the ledger's identity for the reporting targets fed from it."""
CONNINFO_KEY = "POSTGRES_CONNINFO"
"""The persistence setting holding the complete libpq connection string (see
:class:`LedgerPostgresFactory`)."""
DEFAULT_CONNECT_TIMEOUT = "10"


class StoreError(RuntimeError):
    """The ledger cannot be opened: the message is one line, fit for the user."""


class NoLedger(StoreError):
    """There is no ledger where the argument points (missing, empty, not a database, another
    application's database)."""


class StoreUnavailable(StoreError):
    """The store exists, or may, but cannot be reached or used (the server's reason)."""


class LedgerPostgresFactory(PostgresFactory):
    """eventsourcing's PostgreSQL factory, connecting with the complete libpq connection
    string of the ``--db`` argument (``sslmode`` and every other parameter, the ``PG*``
    variables and the password file) instead of the five fields the library passes."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        conninfo = self.env.get(CONNINFO_KEY)
        if conninfo:
            pool = self.datastore.pool
            pool.conninfo = conninfo
            pool.kwargs = {"row_factory": dict_row}


def is_postgres_url(db: str) -> bool:
    return db.strip().lower().startswith(("postgresql://", "postgres://", "postgresql+psycopg://"))


def persistence_env(db: str) -> dict[str, str]:
    """eventsourcing persistence settings for a database argument (no I/O).

    ``db`` is a SQLite file path (or ``sqlite:///PATH``), or a PostgreSQL URL
    (:mod:`ledger.dburl`: libpq parameters, ``PG*`` variables and ``.pgpass`` honoured), with
    an optional ``?schema=NAME``. Tables are created on open unless ``CREATE_TABLE`` is set to
    ``n`` (:func:`prepared_store` decides)."""
    spec = parse_database(db)
    if spec.backend == "sqlite":
        assert spec.path is not None
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(spec.path),
            "APPLICATION_RECORDER_TOPIC": "ledger.store:LedgerSQLiteRecorder",
        }
    params = dict(spec.params)
    timeout = params.get("connect_timeout") or os.environ.get("PGCONNECT_TIMEOUT") or ""
    if not timeout.strip().isdigit():
        timeout = DEFAULT_CONNECT_TIMEOUT
    return {
        "PERSISTENCE_MODULE": "ledger.store:LedgerPostgresFactory",
        CONNINFO_KEY: _store_conninfo(spec),
        # The library's own fields: informative (the connection string above is what connects).
        "POSTGRES_DBNAME": params.get("dbname") or os.environ.get("PGDATABASE", ""),
        "POSTGRES_HOST": params.get("host", ""),
        "POSTGRES_PORT": params.get("port", ""),
        "POSTGRES_USER": params.get("user", ""),
        "POSTGRES_PASSWORD": params.get("password", ""),
        "POSTGRES_SCHEMA": spec.schema or "",
        "POSTGRES_CONNECT_TIMEOUT": timeout.strip(),
        # Keep the table-lock insert path: with database functions on, a follower of the log
        # was seen to skip events under concurrent writers (notes/eventsourcing.md).
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        "APPLICATION_RECORDER_TOPIC": "ledger.store:LedgerPostgresRecorder",
    }


def _store_conninfo(spec: DatabaseSpec) -> str:
    defaults = {"fallback_application_name": "ledger"}
    if not os.environ.get("PGCONNECT_TIMEOUT"):
        defaults["connect_timeout"] = DEFAULT_CONNECT_TIMEOUT
    return spec.conninfo(**defaults)


@contextmanager
def prepared_store(db: str, *, create: bool) -> Iterator[dict[str, str]]:
    """The persistence settings of the ledger at ``db``, checked: construct the application
    inside the block.

    - Nothing is created unless ``create``: a missing store, an empty file, a file that is not
      a SQLite database, another application's database raise :class:`NoLedger`; a server
      that cannot be reached raises :class:`StoreUnavailable` with the server's reason, at
      once (one connection is made here, before the library's pool).
    - A complete store is opened without any DDL (a read-only role can read it; concurrent
      openers never race on the catalog).
    - Tables are created (``create``) under a PostgreSQL advisory lock held on that first
      connection for the block, so concurrent first openers create them once; on SQLite the
      database's own write lock serialises them. A store without its ``ledger_meta`` identity
      (made before it existed) gets one here when the role may write."""
    spec = parse_database(db)
    env = persistence_env(db)
    if spec.backend == "sqlite":
        assert spec.path is not None
        complete = _check_sqlite(spec, create=create)
        env["CREATE_TABLE"] = "n" if complete else "y"
        yield env
        _ensure_sqlite_meta(spec, required=create)
        return
    yield from _prepared_postgres(spec, env, create=create)


def _check_sqlite(spec: DatabaseSpec, *, create: bool) -> bool:
    """Whether the SQLite ledger at ``spec`` has all its tables; raises :class:`NoLedger`
    when there is no ledger to open (or, with ``create``, to create there)."""
    path = spec.path
    assert path is not None
    shown = spec.display
    if not path.exists():
        if not create:
            raise NoLedger(f"no ledger at {shown} (no such file)")
        if not path.parent.is_dir():
            raise NoLedger(f"cannot create the ledger {shown}: no directory {path.parent}")
        return False
    if path.is_dir():
        raise NoLedger(f"{shown} is a directory, not a ledger file")
    tables = _sqlite_tables(spec)
    ledger = LEDGER_TABLES["sqlite"]
    if all(t in tables for t in ledger):
        return True
    if any(t in tables for t in ledger):  # a creation that stopped half way
        if create:
            return False
        raise NoLedger(f"{shown} holds an incomplete ledger: open it once with ledger import")
    if tables:
        listed = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        raise NoLedger(
            f"{shown} is another application's SQLite database (tables {listed}), not a ledger"
        )
    if not create:
        raise NoLedger(f"no ledger at {shown} (an empty database)")
    return False


def _sqlite_tables(spec: DatabaseSpec) -> set[str]:
    assert spec.path is not None
    try:
        conn = sqlite3.connect(f"file:{quote(str(spec.path))}?mode=ro", uri=True, timeout=30)
        try:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        message = str(exc)
        if "not a database" in message or "malformed" in message:
            raise NoLedger(f"{spec.display} is not a SQLite database, not a ledger") from None
        raise StoreUnavailable(f"cannot read {spec.display}: {_sqlite_reason(spec, exc)}") from None
    return {row[0] for row in rows}


def _sqlite_reason(spec: DatabaseSpec, exc: BaseException) -> str:
    """SQLite's reason, with the usual cause of "unable to open" named."""
    message = " ".join(str(exc).split())
    assert spec.path is not None
    directory = spec.path.parent
    if ("unable to open" in message or "readonly" in message) and not os.access(directory, os.W_OK):
        return (
            f"{message} (the directory {directory} is not writable: SQLite keeps its -wal and "
            "-shm files beside the database)"
        )
    return message


def _ensure_sqlite_meta(spec: DatabaseSpec, *, required: bool) -> None:
    """Give the ledger its identity if it has none (``required``: failing to is an error)."""
    assert spec.path is not None
    try:
        conn = sqlite3.connect(str(spec.path), timeout=60, isolation_level=None)
        try:
            if (
                conn.execute(
                    f"SELECT 1 FROM sqlite_master WHERE type='table' AND name='{META_TABLE}'"
                ).fetchone()
                and conn.execute(f"SELECT 1 FROM {META_TABLE} WHERE key='ledger_id'").fetchone()
            ):
                return
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {META_TABLE} "
                "(key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
            conn.executemany(f"INSERT OR IGNORE INTO {META_TABLE} VALUES (?, ?)", _new_meta_rows())
            conn.execute("COMMIT")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        if required:
            raise StoreUnavailable(
                f"cannot write {spec.display}: {_sqlite_reason(spec, exc)}"
            ) from None


def _new_meta_rows() -> list[tuple[str, str]]:
    return [
        ("ledger_id", str(uuid4())),
        ("created_at", datetime.now(UTC).isoformat(timespec="seconds")),
    ]


def _prepared_postgres(
    spec: DatabaseSpec, env: dict[str, str], *, create: bool
) -> Iterator[dict[str, str]]:
    schema = spec.schema or "public"
    shown = spec.display
    try:
        conn = psycopg.connect(env[CONNINFO_KEY], autocommit=True)
    except psycopg.Error as exc:
        raise StoreUnavailable(f"cannot connect to {shown}: {postgres_reason(exc)}") from None
    with conn:
        try:
            tables = _postgres_tables(conn, schema)
            complete = all(t in tables for t in LEDGER_TABLES["postgresql"])
            if complete and META_TABLE in tables and _has_postgres_id(conn, schema):
                env["CREATE_TABLE"] = "n"
                yield env
                return
            if not complete and not create:
                raise NoLedger(f"no ledger in {shown}" + ("" if tables else " (no ledger tables)"))
            key = _ddl_lock_key(schema)
            conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        except psycopg.Error as exc:
            raise StoreUnavailable(f"ledger {shown}: {postgres_reason(exc)}") from None
        try:
            try:
                # Another process may have created the tables while this one waited.
                tables = _postgres_tables(conn, schema)
                complete = all(t in tables for t in LEDGER_TABLES["postgresql"])
                if not complete and spec.schema is not None and not _schema_exists(conn, schema):
                    conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {0}").format(Identifier(schema)))
            except psycopg.Error as exc:
                raise StoreUnavailable(
                    f"cannot create the ledger in {shown}: {postgres_reason(exc)}"
                ) from None
            env["CREATE_TABLE"] = "n" if complete else "y"
            yield env
            try:
                _ensure_postgres_meta(conn, schema)
            except psycopg.Error as exc:
                if create:
                    raise StoreUnavailable(
                        f"cannot write the ledger {shown}: {postgres_reason(exc)}"
                    ) from None
        finally:
            with suppress(psycopg.Error):
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def _postgres_tables(conn: psycopg.Connection[Any], schema: str) -> set[str]:
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND c.relname = ANY(%s)",
        (schema, [*LEDGER_TABLES["postgresql"], META_TABLE]),
    ).fetchall()
    return {row[0] for row in rows}


def _schema_exists(conn: psycopg.Connection[Any], schema: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
        is not None
    )


def _has_postgres_id(conn: psycopg.Connection[Any], schema: str) -> bool:
    query = SQL("SELECT 1 FROM {0}.{1} WHERE key = 'ledger_id'").format(
        Identifier(schema), Identifier(META_TABLE)
    )
    return conn.execute(query).fetchone() is not None


def _ensure_postgres_meta(conn: psycopg.Connection[Any], schema: str) -> None:
    table = SQL("{0}.{1}").format(Identifier(schema), Identifier(META_TABLE))
    if META_TABLE in _postgres_tables(conn, schema) and _has_postgres_id(conn, schema):
        return
    with conn.transaction():
        conn.execute(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} (key text PRIMARY KEY, value text NOT NULL)"
            ).format(table)
        )
        for key, value in _new_meta_rows():
            conn.execute(
                SQL("INSERT INTO {0} (key, value) VALUES (%s, %s) ON CONFLICT DO NOTHING").format(
                    table
                ),
                (key, value),
            )


def _ddl_lock_key(schema: str) -> int:
    digest = hashlib.sha256(f"ledger-store-ddl:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def is_write_conflict(exc: BaseException) -> bool:
    """Whether a failed write lost to a concurrent writer and may simply be decided again:
    a unique key another writer filled first (the library's ``IntegrityError``), or a
    transaction the database aborted to break a deadlock or a serialisation failure
    (SQLSTATE class 40, which the library reports as an ``OperationalError``). Nothing of
    such a write is stored."""
    if isinstance(exc, IntegrityError):
        return True
    cause = exc if isinstance(exc, psycopg.Error) else exc.__cause__
    return isinstance(cause, psycopg.errors.TransactionRollback)


def postgres_reason(exc: BaseException) -> str:
    """The server's (or libpq's) reason for a psycopg error, on one line."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def read_ledger_id(recorder: Any) -> str | None:
    """The identity of the ledger behind ``recorder`` (``None``: a store made before ledger
    identities, opened by a role that could not give it one)."""
    try:
        if isinstance(recorder, LedgerSQLiteRecorder):
            with recorder.datastore.transaction(commit=False) as c:
                c.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'ledger_id'")
                row = c.fetchone()
                return None if row is None else str(row[0])
        if isinstance(recorder, LedgerPostgresRecorder):
            query = SQL("SELECT value FROM {0}.{1} WHERE key = 'ledger_id'").format(
                Identifier(recorder.datastore.schema), Identifier(META_TABLE)
            )
            with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(query)
                found = curs.fetchone()
                return None if found is None else str(found["value"])
    except (PersistenceError, sqlite3.Error, psycopg.Error):
        return None
    raise TypeError(f"not a ledger recorder: {type(recorder).__name__}")


def display_db(url: str) -> str:
    """A database argument fit for messages: a URL loses its password."""
    return display_database(url)


def _hex(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id


class _HexCache(dict[UUID | str, str]):
    """``_hex`` of each originator id, computed once per batch (persons recur in a batch)."""

    def __missing__(self, key: UUID | str) -> str:
        value = self[key] = _hex(key)
        return value


_INDEX_TYPES = ("text", "text", "uuid", "int8")
_STATE_TYPES = ("uuid", "text", "int8", "text")
_EVENT_TYPES = ("uuid", "int8", "text", "bytea")


def array_literal(values: Sequence[str]) -> str:
    """A PostgreSQL array literal of ``values`` (text): one parameter the server parses, made
    by one join (psycopg adapts a list element by element, about 1 µs each)."""
    text = '","'.join(values)
    if "\\" in text or '"' in text:
        text = '","'.join(v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return '{"' + text + '"}' if values else "{}"


def _first(row: StateRow) -> UUID:
    return row[0]


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + _IN_CHUNK] for i in range(0, len(items), _IN_CHUNK)]


__all__ = [
    "DEFAULT_DB",
    "IndexRow",
    "InvalidDatabase",
    "LedgerPostgresFactory",
    "LedgerPostgresRecorder",
    "LedgerRecorder",
    "LedgerSQLiteRecorder",
    "NoLedger",
    "StateRow",
    "StoreError",
    "StoreUnavailable",
    "display_db",
    "is_postgres_url",
    "is_write_conflict",
    "array_literal",
    "persistence_env",
    "prepared_store",
    "read_ledger_id",
]
