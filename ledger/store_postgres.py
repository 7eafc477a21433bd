"""The ledger's PostgreSQL store: eventsourcing's PostgreSQL recorder and factory, extended with
the ledger's index and state tables (see :mod:`ledger.store` for the tables), written with
``COPY``; and the checks :func:`ledger.store.prepared_store` makes before the library opens a
PostgreSQL store.

Kept apart from :mod:`ledger.store` so that a command on a SQLite file never imports psycopg
(about 0.15 s of every process): :func:`ledger.store.persistence_env` names these classes by
topic, and the library imports this module when it opens a PostgreSQL store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import suppress
from operator import itemgetter
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import PersistenceError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore, PostgresFactory
from psycopg.adapt import PyFormat
from psycopg.rows import dict_row
from psycopg.sql import SQL, Identifier

from ledger.dburl import DatabaseSpec
from ledger.store import (
    CONNINFO_KEY,
    LEDGER_TABLES,
    META_TABLE,
    IndexRow,
    NoLedger,
    StateRow,
    StoreUnavailable,
    WriteRows,
    _new_meta_rows,
)


class LedgerPostgresRecorder(PostgresApplicationRecorder):
    """The library's PostgreSQL application recorder plus the ledger's index and state tables.

    Writes go through :meth:`insert_events` (the library's public method: ``Application.save``
    and :meth:`ledger.application.LedgerApp.append` both call it), which writes events,
    index rows and resident states with ``COPY`` in one transaction."""

    backend = "postgresql"

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
        self._copy_new_states = SQL(
            "COPY {0} (originator_id, person_id, originator_version, state) "
            "FROM STDIN (FORMAT BINARY)"
        ).format(self.residents_table)
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

    def select_ledger_id(self) -> str | None:
        query = SQL("SELECT value FROM {0}.{1} WHERE key = 'ledger_id'").format(
            Identifier(self.datastore.schema), Identifier(META_TABLE)
        )
        try:
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(query)
                found = curs.fetchone()
                return None if found is None else str(found["value"])
        except (PersistenceError, psycopg.Error):
            return None

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

    def originator_key(self, originator_id: UUID) -> bytes:
        """The UUID's 16 bytes: a ``uuid`` in binary ``COPY`` is its bytes, which psycopg's C
        dumper for ``bytes`` writes as they are (its ``UUID`` dumper is Python, one call a
        row: 0.12 µs a row more, two rows an event)."""
        return originator_id.bytes

    def insert_rows(self, rows: WriteRows) -> Sequence[int]:
        """Events, idempotency index and resident states (:class:`~ledger.store.WriteRows`) in
        one transaction, each written with ``COPY``; the events' notification ids. The states
        of residents the store holds are upserted, the new ones inserted: one the store holds
        after all (a concurrent writer's) fails the write with ``IntegrityError``, as a stored
        event id does.

        Order inside the transaction, so that concurrent writers neither deadlock nor hand a
        follower a gap it would skip:

        1. the index rows, sorted by ``event_id``: its primary key is the idempotency
           decision's arbiter (a writer that decided "new" for an id another writer stored
           first fails here with ``IntegrityError``, and ``LedgerApp.append`` decides again);
        2. the new residents' states, copied into the table in aggregate id order (sorted
           here; no temporary table, no upsert: 0.1 s of the server's time per batch of
           100,000 events of new persons), then the other states, copied into a temporary
           table and upserted in aggregate id order (the upsert's ``ORDER BY``). A resident
           one writer inserts and another found stored is a committed row: that insert fails
           at once, without waiting;
        3. the table lock (``LOCK TABLE … IN EXCLUSIVE MODE``, the library's own guarantee,
           held to the commit), then the events, whose notification ids the table's sequence
           assigns: one writer at a time assigns ids and commits, so ids are visible in
           increasing order and a follower never passes over an id that commits later.

        Every writer takes the row locks of 1 and 2 in the same global order and all of them
        before the table lock, so two writers touching the same persons or ids wait for each
        other but cannot deadlock (``tests/test_pg_write_path.py``). Only step 3 is serial
        among writers. Rows are sorted and gathered before the transaction; psycopg formats
        them for binary ``COPY`` as they are sent (its C dumpers: building the payloads in
        Python beforehand was measured slower, 19,600 against 22,800-24,600 events/s with one
        loader, and held more memory)."""
        index = sorted(rows.index, key=_first)
        fresh = sorted(rows.new_states, key=_aggregate_order)
        states = rows.states  # the upsert takes them in aggregate id order (ORDER BY)
        events = rows.events
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            use_fast_dumpers(curs)
            if index:
                with curs.copy(self._copy_index) as copy:
                    copy.set_types(_INDEX_TYPES)
                    for row in index:
                        copy.write_row(row)
            if fresh:
                with curs.copy(self._copy_new_states) as copy:
                    copy.set_types(_STATE_TYPES)
                    for state in fresh:
                        copy.write_row(state)
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


def prepared_postgres(
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


def postgres_reason(exc: BaseException) -> str:
    """The server's (or libpq's) reason for a psycopg error, on one line."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def use_fast_dumpers(curs: psycopg.Cursor[Any]) -> None:
    """Make ``curs``'s binary ``COPY`` dump ``bytea`` columns with the dumper psycopg picks for
    ``bytes`` (its C one, with the ``binary`` extra), not with the one it picks by the type
    name given to ``set_types``: that is DB-API's ``Binary`` dumper, in Python, one call a
    row. The bytes written are the same (a ``bytea`` in binary format is its bytes)."""
    curs.adapters.register_dumper(bytes, _BYTES_BINARY_DUMPER)


_BYTES_BINARY_DUMPER = psycopg.postgres.adapters.get_dumper(bytes, PyFormat.BINARY)
_INDEX_TYPES = ("text", "text", "bytea", "int8")
"""The dumpers of the index rows' columns: the ``uuid`` column's value is its 16 bytes
(:meth:`LedgerPostgresRecorder.originator_key`), dumped as a ``bytea`` (its bytes) and read by
the server as the column's type, ``uuid`` (which refuses any other length)."""
_STATE_TYPES = ("uuid", "text", "int8", "text")
_EVENT_TYPES = ("bytea", "int8", "text", "bytea")
"""The dumpers of the event rows' columns (``originator_id``: as for :data:`_INDEX_TYPES`)."""


def array_literal(values: Sequence[str]) -> str:
    """A PostgreSQL array literal of ``values`` (text, never a NUL: PostgreSQL's text cannot
    hold one): one parameter the server parses, made by a few whole-string operations
    (psycopg adapts a list element by element, about 1 µs each). The values are joined with
    NUL, the one character none has, escaped at once, and the NULs turned into the
    separators."""
    if not values:
        return "{}"
    text = "\x00".join(values)
    if text.count("\x00") != len(values) - 1:
        raise ValueError("a value of a text array holds a NUL")
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if '"' in text:
        text = text.replace('"', '\\"')
    return '{"' + text.replace("\x00", '","') + '"}'


_first = itemgetter(0)


def _aggregate_order(state: StateRow) -> int:
    """A state row's place in aggregate id order: PostgreSQL orders ``uuid`` by its bytes,
    the order of the UUID's integer."""
    return state[0].int
