"""Fixtures: ``ledger_db`` runs a test on a real SQLite file and on the real PostgreSQL server.

PostgreSQL (127.0.0.1:5432, database ``test``, or ``$LEDGER_TEST_PG``) variants are marked
``postgres`` (deselect with ``-m "not postgres"``). Each PostgreSQL test gets its own schema,
so the ledger's tables (``ledger_events``, ``ledger_event_ids``, ``ledger_residents``) are
created fresh in it and dropped with it afterwards: tests never see each other's events, and
never touch tables other programs keep in ``public``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from uuid import uuid4

import psycopg
import pytest
from psycopg.sql import SQL, Identifier

from ledger.application import LedgerApp, open_ledger

PG_URL = os.environ.get("LEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def _drop_schema(schema: str) -> None:
    with psycopg.connect(PG_URL, autocommit=True, connect_timeout=10) as conn:
        conn.execute("SET lock_timeout = '20s'")
        conn.execute(SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(Identifier(schema)))


@pytest.fixture(autouse=True)
def _english_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables speak the locale's language by default: every test starts in an English
    locale (tests of Chinese tables ask for them), whatever the machine's."""
    for name in ("LEDGER_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture(params=BACKENDS)
def ledger_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database argument for an empty ledger: a SQLite file path or a PostgreSQL URL."""
    if request.param == "sqlite":
        yield str(tmp_path_factory.mktemp("db") / "ledger.db")
        return
    schema = f"ledger_test_{uuid4().hex[:12]}"
    _drop_schema(schema)
    try:
        yield f"{PG_URL}?schema={schema}"
    finally:
        _drop_schema(schema)


@pytest.fixture
def pg_db() -> Iterator[str]:
    """An empty ledger on the PostgreSQL server only, in a schema of its own (for tests of
    what only PostgreSQL has: concurrent writers, COPY). Mark such tests ``postgres``."""
    schema = f"ledger_test_{uuid4().hex[:12]}"
    _drop_schema(schema)
    try:
        yield f"{PG_URL}?schema={schema}"
    finally:
        _drop_schema(schema)


@pytest.fixture
def other_ledger_db(ledger_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second empty ledger on the same backend as ``ledger_db``."""
    if not ledger_db.startswith("postgresql://"):
        yield str(tmp_path_factory.mktemp("db") / "other.db")
        return
    schema = ledger_db.rsplit("schema=", 1)[1] + "_other"
    _drop_schema(schema)
    try:
        yield f"{PG_URL}?schema={schema}"
    finally:
        _drop_schema(schema)


@pytest.fixture
def app(ledger_db: str) -> Iterator[LedgerApp]:
    """The ledger application on ``ledger_db``, closed afterwards."""
    ledger = open_ledger(ledger_db)
    try:
        yield ledger
    finally:
        ledger.close()


def clear_ledger(app: LedgerApp) -> None:
    """Empty the ledger's tables (for property tests that reuse one store per test)."""
    app.forget_residents()  # the ledger is append-only: its cache does not expect deletions
    recorder = app.recorder
    if app.env.get("PERSISTENCE_MODULE") == "eventsourcing.sqlite":
        with recorder.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
            for table in ("stored_events", "ledger_event_ids", "ledger_residents"):
                c.execute(f"DELETE FROM {table}")
        return
    schema = app.env["POSTGRES_SCHEMA"]
    with recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
        conn.execute(
            SQL("TRUNCATE {0}, {1}, {2}").format(
                *(
                    Identifier(schema, t)
                    for t in ("ledger_events", "ledger_event_ids", "ledger_residents")
                )
            )
        )
        conn.commit()


def execute_sql(ledger_db: str, statements: dict[str, list[str]]) -> None:
    """Run the ``"sqlite"`` or ``"postgres"`` statements on ``ledger_db`` (in its schema)."""
    if not ledger_db.startswith("postgresql://"):
        with sqlite3.connect(ledger_db) as conn:
            for statement in statements["sqlite"]:
                conn.execute(statement)
        return
    schema = ledger_db.rsplit("schema=", 1)[1]
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(SQL("SET search_path TO {0}").format(Identifier(schema)))
        for statement in statements["postgres"]:
            conn.execute(statement.encode())
