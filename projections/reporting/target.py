"""The reporting target: a SQLite file or a PostgreSQL database, its engine and its lock.

``--to`` takes a SQLite file path (or ``sqlite:///PATH``) or a ``postgresql://`` URL with an
optional ``?schema=NAME`` (created when missing; the reporting tables then live in that schema).

Only one projector writes a target at a time. A second one either waits or stops with a
clear message (:class:`TargetBusy`):

- PostgreSQL: a session-level advisory lock, keyed by the schema, held on its own connection
  for the whole run; the server releases it when the process dies.
- SQLite: an exclusive ``flock`` on ``FILE.projector-lock`` next to the database; the kernel
  releases it when the process dies.

Even without the lock two projectors could not apply a position twice (the tracking table
refuses a position that is not newer, see :mod:`.tracking`); the lock saves the loser its work
and gives the operator a clear message instead of a rolled-back transaction.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import Engine, create_engine, event, text

LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})


class InvalidTarget(ValueError):
    """A ``--to`` argument that is neither a SQLite file nor a ``postgresql://`` URL."""


class TargetBusy(RuntimeError):
    """Another projector holds the target's lock."""


@dataclass(frozen=True)
class Target:
    """Where the reporting tables go."""

    url: str
    """The SQLAlchemy URL (``sqlite:///…`` or ``postgresql+psycopg://…``), without schema."""
    dialect: str
    """``sqlite`` or ``postgresql``."""
    schema: str | None = None
    path: Path | None = None
    """The SQLite file."""
    host: str = ""
    """PostgreSQL host ("" or a directory: a unix socket)."""

    @property
    def is_local(self) -> bool:
        """A SQLite file, or PostgreSQL on this machine (loopback or unix socket)."""
        if self.dialect == "sqlite":
            return True
        return self.host in LOCAL_HOSTS or self.host.startswith("/")

    @property
    def display(self) -> str:
        """The target fit for messages (no password)."""
        if self.path is not None:
            return str(self.path)
        parts = urlsplit(self.url)
        netloc = parts.netloc
        if parts.password is not None:
            netloc = netloc.replace(f":{parts.password}@", ":***@")
        shown = urlunsplit(("postgresql", netloc, parts.path, "", ""))
        return f"{shown}?schema={self.schema}" if self.schema else shown

    @property
    def lock_key(self) -> int:
        """The advisory lock id of this target (PostgreSQL), from its schema."""
        digest = hashlib.sha256(f"ledger-reporting:{self.schema or 'public'}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)


def parse_target(spec: str) -> Target:
    """A :class:`Target` from a ``--to`` argument."""
    spec = spec.strip()
    if not spec:
        raise InvalidTarget("empty target")
    if spec.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return _postgres_target(spec)
    if spec.startswith("sqlite:///"):
        spec = spec[len("sqlite:///") :]
    elif "://" in spec:
        raise InvalidTarget(
            f"unsupported target {spec.split('://')[0]}://…: give a SQLite file or a "
            "postgresql:// URL"
        )
    if spec == ":memory:":
        raise InvalidTarget("an in-memory SQLite target would lose everything on exit")
    path = Path(spec).expanduser().resolve()
    return Target(url=f"sqlite:///{path}", dialect="sqlite", path=path)


def _postgres_target(spec: str) -> Target:
    parts = urlsplit(spec)
    query = parse_qsl(parts.query)
    schema = next((v for k, v in query if k == "schema"), None) or None
    rest = [(k, v) for k, v in query if k != "schema"]
    host = parts.hostname or next((v for k, v in rest if k == "host"), "")
    if not parts.path.strip("/"):
        raise InvalidTarget("no database name in the target URL")
    url = urlunsplit(("postgresql+psycopg", parts.netloc, parts.path, urlencode(rest), ""))
    return Target(url=url, dialect="postgresql", schema=schema, host=host)


def make_engine(target: Target) -> Engine:
    """An engine whose connections see the reporting tables (schema on PostgreSQL) and, on
    SQLite, begin transactions explicitly (pysqlite would begin them late)."""
    if target.dialect == "sqlite":
        assert target.path is not None
        target.path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(target.url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, begin transactions (pysqlite's own BEGIN is
            # deferred and late); WAL lets analysts read while the projector writes.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode survives a process crash; a power loss may drop the last
            # commits, rows and checkpoint together, which the next run applies again.
            cursor.execute("PRAGMA synchronous=NORMAL")
            # 64 MiB of page cache (default 2 MiB): catch-up inserts into every table's
            # primary-key index at once, and a million persons' indexes outgrow 2 MiB.
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN")

        return engine
    engine = create_engine(target.url, pool_pre_ping=True)
    if target.schema:
        schema = _ident(target.schema)

        @event.listens_for(engine, "connect")
        def _pg_connect(dbapi_connection: Any, _record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f'SET search_path TO "{schema}"')
            dbapi_connection.commit()

        with engine.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            conn.commit()
    return engine


def _ident(name: str) -> str:
    if '"' in name or not name:
        raise InvalidTarget(f"bad schema name {name!r}")
    return name


@contextmanager
def projector_lock(target: Target, engine: Engine, *, wait: bool = False) -> Iterator[None]:
    """Hold the target's projector lock for the block; :class:`TargetBusy` when taken and
    ``wait`` is false."""
    if target.dialect == "postgresql":
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            key = target.lock_key
            if wait:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            elif not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                raise TargetBusy(
                    f"another projector is writing {target.display} "
                    "(PostgreSQL advisory lock held); wait for it or stop it"
                )
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        return
    assert target.path is not None
    lock_path = target.path.with_name(target.path.name + ".projector-lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TargetBusy(
                f"another projector is writing {target.display} (lock file {lock_path}); "
                "wait for it or stop it"
            ) from None
        yield
    finally:
        os.close(fd)
