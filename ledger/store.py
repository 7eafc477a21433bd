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

The SQLite recorder is here; the PostgreSQL recorder, its factory and its store checks are in
:mod:`ledger.store_postgres`, imported only when a PostgreSQL store is opened (the settings
name it by topic), so that commands on a SQLite file do not load psycopg.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable
from urllib.parse import quote
from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError, PersistenceError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

from ledger.dburl import DatabaseSpec, InvalidDatabase, display_database, parse_database

DEFAULT_DB = "ledger.db"
"""The SQLite file used when neither ``--db`` nor ``LEDGER_DB`` names a database."""

OriginatorKey = UUID | str | bytes
"""An aggregate id as a recorder's rows carry it (:meth:`LedgerRecorder.originator_key`): its
16 bytes for PostgreSQL's binary ``COPY`` into ``uuid`` columns, its 32 hex digits for
SQLite's text columns (the library's SQLite schema), made once per person by the bulk write
path instead of once per row by the recorder."""

IndexRow = tuple[str, str, OriginatorKey, int]
"""``(event_id, fingerprint, originator_id, originator_version)`` of one stored event."""

StateRow = tuple[UUID, str, int, str]
"""``(originator_id, person_id, originator_version, state)``: a resident's compact state
(:meth:`ledger.aggregate.Resident.compact_state`) at a version."""

EventRow = tuple[OriginatorKey, int, str, bytes]
"""``(originator_id, originator_version, topic, state)``: a stored event's row, the fields of
the library's ``StoredEvent`` in its order (the aggregate id in the recorder's key form,
:data:`OriginatorKey`). The bulk write path carries these instead of ``StoredEvent``
objects: a tuple is a tenth of the time to make (28 against 306 ns) and of the memory a
batch holds until it is written."""


def originator_uuid(key: OriginatorKey) -> UUID:
    """The aggregate id a row's key stands for (:data:`OriginatorKey`)."""
    if isinstance(key, UUID):
        return key
    return UUID(bytes=key) if isinstance(key, bytes) else UUID(key)


def event_row(stored: StoredEvent, key: OriginatorKey) -> EventRow:
    """The row of one of the library's stored events (:data:`EventRow`), its aggregate id
    given as ``key``."""
    return key, stored.originator_version, stored.topic, stored.state


@dataclass(frozen=True)
class WriteRows:
    """The rows one write stores in one transaction (:meth:`LedgerRecorder.insert_rows`), each
    aggregate id in the recorder's key form (:meth:`LedgerRecorder.originator_key`)."""

    events: Sequence[EventRow]
    index: Sequence[IndexRow] = ()
    """The events' idempotency index rows."""
    states: Sequence[StateRow] = ()
    """The states of residents the store holds: upserted."""
    new_states: Sequence[StateRow] = ()
    """The states of residents the writer found no state for: inserted. One the store holds
    after all (a concurrent writer's) fails the write with ``IntegrityError``, a write
    conflict: the caller decides again."""

    @classmethod
    def of_stored(
        cls,
        stored_events: Sequence[StoredEvent],
        index: Sequence[IndexRow],
        states: Sequence[StateRow],
        key: Callable[[UUID], OriginatorKey],
    ) -> WriteRows:
        """The rows of the library's save path (``insert_events``): its stored events and
        index rows, their aggregate ids made keys by ``key``; every state upserted."""
        return cls(
            [event_row(s, key(originator_uuid(s.originator_id))) for s in stored_events],
            [(e, f, key(originator_uuid(o)), v) for e, f, o, v in index],
            states,
        )


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

    backend: str
    """``"sqlite"`` or ``"postgresql"``: which store, without importing the other one's
    recorder class (the PostgreSQL one imports psycopg)."""

    def select_ledger_id(self) -> str | None:
        """The ledger's identity (``ledger_meta``); ``None`` when the store has none yet or
        it cannot be read."""
        ...

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

    def originator_key(self, originator_id: UUID) -> OriginatorKey:
        """``originator_id`` as this recorder's rows carry it (:data:`OriginatorKey`)."""
        ...

    def insert_rows(self, rows: WriteRows) -> Sequence[int]:
        """The library's ``insert_events`` for events given as rows: the events, their index
        rows and the residents' states (:class:`WriteRows`) in one transaction; the events'
        notification ids. ``insert_events`` (the library's public method, which
        ``Application.save`` calls) is this with :meth:`WriteRows.of_stored`."""
        ...

    def count_events(self) -> int:
        """How many contract events are stored."""
        ...


# ---------------------------------------------------------------- SQLite


class LedgerSQLiteRecorder(SQLiteApplicationRecorder):
    """The library's SQLite application recorder plus the ledger's index and state tables.

    Events are inserted with one ``executemany`` per transaction; their notification ids are
    the rowids SQLite assigns, which are consecutive inside the write transaction."""

    backend = "sqlite"

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)

    def select_ledger_id(self) -> str | None:
        try:
            with self.datastore.transaction(commit=False) as c:
                c.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'ledger_id'")
                row = c.fetchone()
                return None if row is None else str(row[0])
        except (PersistenceError, sqlite3.Error):
            return None

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
        """The library's insert (its public method, replaced whole): :meth:`insert_rows`."""
        return self.insert_rows(
            WriteRows.of_stored(stored_events, ledger_index, ledger_states, self.originator_key)
        )

    def originator_key(self, originator_id: UUID) -> str:
        """The hex digits the library's SQLite table stores an aggregate id as."""
        return originator_id.hex

    def insert_rows(self, rows: WriteRows) -> Sequence[int]:
        """The index rows, the events, then the state rows (new ones inserted, the others
        upserted), in one write transaction; the events' notification ids. The rows'
        aggregate ids are hex digits (:meth:`originator_key`): a ``UUID`` is refused by
        ``sqlite3``, loudly. The index rows go first: an event id the store already holds
        fails the write there, before the events are inserted (a batch decided assuming its
        ids new, :meth:`ledger.application.LedgerApp.decide`, costs no events' insert in
        vain)."""
        events = rows.events
        if not events:
            return []
        with self.datastore.transaction(commit=True) as c:
            c.execute(_SQLITE_CACHE_PRAGMA)
            if rows.index:
                c.executemany("INSERT INTO ledger_event_ids VALUES (?,?,?,?)", rows.index)
            c.executemany(self.insert_events_statement, events)
            # The write lock is held since the first insert, so the rowids just assigned are
            # the last len(events) ones.
            c.execute(self.select_max_notification_id_statement)
            last: int = c.fetchone()[0]
            if rows.new_states:
                c.executemany(
                    "INSERT INTO ledger_residents VALUES (?,?,?,?)", _state_params(rows.new_states)
                )
            if rows.states:
                c.executemany(
                    "INSERT INTO ledger_residents VALUES (?,?,?,?) "
                    "ON CONFLICT (originator_id) DO UPDATE SET "
                    "originator_version=excluded.originator_version, state=excluded.state",
                    _state_params(rows.states),
                )
        return list(range(last - len(events) + 1, last + 1))

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
        "PERSISTENCE_MODULE": "ledger.store_postgres:LedgerPostgresFactory",
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
        "APPLICATION_RECORDER_TOPIC": "ledger.store_postgres:LedgerPostgresRecorder",
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
    from ledger.store_postgres import prepared_postgres

    yield from prepared_postgres(spec, env, create=create)


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


def is_write_conflict(exc: BaseException) -> bool:
    """Whether a failed write lost to a concurrent writer and may simply be decided again:
    a unique key another writer filled first (the library's ``IntegrityError``), or a
    transaction the database aborted to break a deadlock or a serialisation failure
    (SQLSTATE class 40, which the library reports as an ``OperationalError``). Nothing of
    such a write is stored."""
    if isinstance(exc, IntegrityError):
        return True
    psycopg = sys.modules.get("psycopg")
    if psycopg is None:  # no PostgreSQL store in this process: no psycopg error to look at
        return False
    cause = exc if isinstance(exc, psycopg.Error) else exc.__cause__
    return isinstance(cause, psycopg.errors.TransactionRollback)


def read_ledger_id(recorder: Any) -> str | None:
    """The identity of the ledger behind ``recorder`` (``None``: a store made before ledger
    identities, opened by a role that could not give it one)."""
    if not isinstance(recorder, LedgerRecorder):
        raise TypeError(f"not a ledger recorder: {type(recorder).__name__}")
    return recorder.select_ledger_id()


def display_db(url: str) -> str:
    """A database argument fit for messages: a URL loses its password."""
    return display_database(url)


def _state_params(states: Sequence[StateRow]) -> list[tuple[str, str, int, str]]:
    """SQLite's parameters of state rows: the aggregate id as the hex text it stores."""
    return [(o.hex, p, v, state) for o, p, v, state in states]


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + _IN_CHUNK] for i in range(0, len(items), _IN_CHUNK)]


__all__ = [
    "DEFAULT_DB",
    "IndexRow",
    "InvalidDatabase",
    "LedgerRecorder",
    "LedgerSQLiteRecorder",
    "NoLedger",
    "StateRow",
    "StoreError",
    "StoreUnavailable",
    "display_db",
    "is_postgres_url",
    "is_write_conflict",
    "persistence_env",
    "prepared_store",
    "read_ledger_id",
]
