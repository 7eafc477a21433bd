"""Fixtures of the reporting feed's tests: a ledger and reporting targets, on SQLite files and
on the real PostgreSQL server (each PostgreSQL fixture in its own schema, dropped afterwards).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from psycopg.sql import SQL, Identifier
from sqlalchemy import Engine, select

from ledger.application import LedgerApp, open_ledger
from ledger.events import Event, parse_event
from policies import builtin_registry
from projections.person import project_person
from projections.reporting.pseudonym import PseudonymKey
from projections.reporting.writer import PERSONS, TABLES
from tests.support import load_script

PG_URL = os.environ.get("LEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
ROOT = Path(__file__).resolve().parents[2]
TEST_KEY = PseudonymKey(b"reporting-tests-key-0123456789", "env")

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]

REGISTRY = builtin_registry()


def FOLD(events: Sequence[Event]) -> Mapping[str, Any]:  # noqa: N802 (a constant's role)
    """The real fold with the built-in policy versions."""
    return project_person(events, REGISTRY).to_dict()


gen_events = load_script("gen_events")
gen_events.BLOCK = 40  # interleave small blocks of persons: every year shows up in small logs


def generated_events(count: int, seed: int = 1) -> list[Any]:
    """``count`` valid, varied contract events (scripts/gen_events.py)."""
    return [parse_event(raw) for raw in gen_events.generate(count, seed)]


def drop_schema(schema: str) -> None:
    with psycopg.connect(PG_URL, autocommit=True, connect_timeout=10) as conn:
        conn.execute("SET lock_timeout = '20s'")
        conn.execute(SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(Identifier(schema)))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_db(backend: str, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """``make_db(name)``: a fresh database argument (SQLite file or PostgreSQL URL with its
    own schema) on the test's backend."""
    schemas: list[str] = []

    def make(name: str) -> str:
        if backend == "sqlite":
            return str(tmp_path / f"{name}.db")
        schema = f"rep_{name}_{uuid4().hex[:10]}"
        schemas.append(schema)
        return f"{PG_URL}?schema={schema}"

    yield make
    for schema in schemas:
        drop_schema(schema)


@pytest.fixture
def store(make_db: Callable[[str], str]) -> Iterator[LedgerApp]:
    app = open_ledger(make_db("store"))
    try:
        yield app
    finally:
        app.close()


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every person row of a target, normalised and sorted, table by table, each led by its
    person's pseudonym instead of ``person_key`` (a number per person in this target: two
    targets number persons differently)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        numbers = dict(conn.execute(select(PERSONS.c.person_key, PERSONS.c.pseudonym)).all())
        for table in TABLES:
            rows = []
            for row in conn.execute(select(table)).mappings():
                values = dict(row)
                pseudonym = numbers[values.pop("person_key")]
                if table is not PERSONS:
                    values = {"pseudonym": pseudonym, **values}
                rows.append(
                    tuple(f"{v:.2f}" if isinstance(v, Decimal) else v for v in values.values())
                )
            out[table.name] = sorted(rows)
    return out
