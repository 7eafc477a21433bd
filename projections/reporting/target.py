"""The reporting target: a SQLite file or a PostgreSQL database, its engine and its lock.

``--to`` is read by :func:`ledger.dburl.parse_database`, as ``--db`` is: a SQLite file path (or
``sqlite:///PATH``) or a PostgreSQL URL whose parameters are libpq's (``sslmode`` …; ``PG*``
variables and ``.pgpass`` apply), with an optional ``?schema=NAME`` (created when missing,
under the projector lock; the reporting tables then live in that schema).

Nothing is created by mistake: a SQLite target is created only in an existing directory, and
an existing file must be a reporting database or empty (another application's database, or a
file that is not SQLite, is refused).

Only one projector writes a target at a time (:class:`ProjectorLock`). A second one either
waits or stops with a clear message (:class:`TargetBusy`):

- PostgreSQL: a session-level advisory lock, keyed by the schema, held on its own connection
  for the whole run; the server releases it when the process dies (or the connection is
  terminated). Before each commit the projector checks, in the writing transaction, that the
  lock's connection still holds it (:meth:`ProjectorLock.verify`): a lost lock rolls the batch
  back (:class:`LockLost`) instead of writing beside another projector.
- SQLite: an exclusive lock on ``FILE.projector-lock`` next to the database (``flock`` on
  POSIX, ``msvcrt.locking`` on Windows); the system releases it when the process dies.

Even without the lock two projectors could not apply a position twice (the tracking table
refuses a position that is not newer, see :mod:`.tracking`); the lock saves the loser its work
and gives the operator a clear message instead of a rolled-back transaction.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ledger.dburl import InvalidDatabase, parse_database
from ledger.store import LEDGER_TABLES, META_TABLE

LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})
VERSION_TABLE = "reporting_alembic_version"
APPLICATION_NAME = "ledger-projector"


class InvalidTarget(ValueError):
    """A ``--to`` argument that names no usable reporting database (missing directory, not a
    SQLite database, another application's database …)."""


class TargetUnavailable(RuntimeError):
    """The target's server cannot be reached or refused us (its reason, one line)."""


class TargetBusy(RuntimeError):
    """Another projector holds the target's lock."""


class LockLost(RuntimeError):
    """The projector no longer holds the target's lock (its connection was dropped, or the
    lock file was replaced): nothing more may be written without taking it again."""


@dataclass(frozen=True)
class Target:
    """Where the reporting tables go."""

    url: str
    """The SQLAlchemy URL (``sqlite:///…`` or ``postgresql+psycopg://…``, with the libpq
    parameters), without the schema."""
    dialect: str
    """``sqlite`` or ``postgresql``."""
    schema: str | None = None
    path: Path | None = None
    """The SQLite file."""
    host: str = ""
    """PostgreSQL host ("" or a directory: a unix socket)."""
    shown: str = ""

    @property
    def is_local(self) -> bool:
        """A SQLite file, or PostgreSQL on this machine (loopback or unix socket)."""
        if self.dialect == "sqlite":
            return True
        hosts = [h.strip() for h in self.host.split(",")]
        return all(h in LOCAL_HOSTS or h.startswith("/") for h in hosts)

    @property
    def display(self) -> str:
        """The target fit for messages (no password)."""
        if self.path is not None:
            return str(self.path)
        return self.shown

    @property
    def lock_key(self) -> int:
        """The advisory lock id of this target (PostgreSQL), from its schema."""
        digest = hashlib.sha256(f"ledger-reporting:{self.schema or 'public'}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    @property
    def lock_path(self) -> Path:
        """The lock file of a SQLite target."""
        assert self.path is not None
        return self.path.with_name(self.path.name + ".projector-lock")


def parse_target(spec: str) -> Target:
    """A :class:`Target` from a ``--to`` argument (no I/O)."""
    try:
        db = parse_database(spec)
    except InvalidDatabase as exc:
        raise InvalidTarget(str(exc)) from None
    if db.backend == "sqlite":
        assert db.path is not None
        path = db.path.resolve()
        return Target(url=f"sqlite:///{path}", dialect="sqlite", path=path, shown=str(path))
    url = db.sqlalchemy_url().render_as_string(hide_password=False)
    return Target(url=url, dialect="postgresql", schema=db.schema, host=db.host, shown=db.display)


def check_target(target: Target, *, create: bool) -> bool:
    """Whether the target already holds reporting tables; :class:`InvalidTarget` when it
    names nothing a projector may write (or, without ``create``, read): a SQLite file in a
    missing directory, a file that is not a SQLite database, another application's database.
    PostgreSQL targets are checked when connecting (:func:`ensure_schema`)."""
    if target.dialect != "sqlite":
        return True
    path = target.path
    assert path is not None
    if create and path.parent.is_dir() and not os.access(path.parent, os.W_OK):
        raise InvalidTarget(
            f"the directory {path.parent} is not writable: the target {path.name}, its -wal "
            "and -shm files and the projector's lock file go there"
        )
    if not path.exists():
        if not create:
            raise InvalidTarget(f"no reporting database at {path} (no such file)")
        if not path.parent.is_dir():
            raise InvalidTarget(
                f"no directory {path.parent} for the target {path.name}: create it first"
            )
        return False
    if path.is_dir():
        raise InvalidTarget(f"{path} is a directory, not a reporting database")
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=30)
        try:
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc) or "malformed" in str(exc):
            raise InvalidTarget(f"{path} is not a SQLite database") from None
        raise InvalidTarget(f"cannot read {path}: {' '.join(str(exc).split())}") from None
    if VERSION_TABLE in tables:
        return True
    if tables:
        listed = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        raise InvalidTarget(
            f"{path} is another application's SQLite database (tables {listed}), not a "
            "reporting database"
        )
    if not create:
        raise InvalidTarget(f"no reporting tables in {path} (an empty database)")
    return False


def make_engine(target: Target) -> Engine:
    """An engine whose connections see the reporting tables (schema on PostgreSQL) and, on
    SQLite, begin transactions explicitly (pysqlite would begin them late). Creates nothing:
    see :func:`check_target` and :func:`ensure_schema`."""
    if target.dialect == "sqlite":
        assert target.path is not None
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
    url = make_url(target.url)
    if "application_name" not in url.query:
        url = url.update_query_dict({"fallback_application_name": APPLICATION_NAME})
    if "connect_timeout" not in url.query and not os.environ.get("PGCONNECT_TIMEOUT"):
        url = url.update_query_dict({"connect_timeout": "10"})
    engine = create_engine(url, pool_pre_ping=True)
    if target.schema:
        schema = _ident(target.schema)

        @event.listens_for(engine, "connect")
        def _pg_connect(dbapi_connection: Any, _record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f'SET search_path TO "{schema}"')
            dbapi_connection.commit()

    return engine


def ensure_schema(target: Target, engine: Engine) -> None:
    """Check the target's PostgreSQL schema and create it if it is missing (call it holding
    the projector lock, which is keyed by the schema: two projectors never race on ``CREATE
    SCHEMA``). :class:`InvalidTarget` when the schema is a ledger's store (the store given as
    the target would get reporting tables among its own), or a named schema holding other
    tables and no reporting tables (as for a SQLite file: another application's)."""
    if target.dialect != "postgresql":
        return
    schema = _ident(target.schema) if target.schema else "public"
    with engine.connect() as conn:
        tables = set(
            conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}
            ).scalars()
        )
        if VERSION_TABLE in tables:
            return
        store = sorted(tables & _LEDGER_STORE_TABLES)
        if store:
            raise InvalidTarget(
                f"{target.display} holds a ledger's store (tables {', '.join(store)}), not "
                "reporting tables: give the reporting tables a schema or a database of their own"
            )
        if target.schema and tables:
            listed = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
            raise InvalidTarget(
                f"schema {schema} of {target.display} holds other tables ({listed}) and no "
                "reporting tables: give the reporting tables a schema of their own"
            )
        if target.schema:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            conn.commit()


_LEDGER_STORE_TABLES = frozenset(
    {*LEDGER_TABLES["postgresql"], *LEDGER_TABLES["sqlite"], META_TABLE}
)
"""Tables that say a schema is a ledger's store."""


def _ident(name: str) -> str:
    if '"' in name or not name:
        raise InvalidTarget(f"bad schema name {name!r}")
    return name


def reason(exc: BaseException) -> str:
    """The driver's (server's) reason for a database error, on one line, without
    SQLAlchemy's statement dump and background link."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    text_ = " ".join(str(exc).split())
    text_ = text_.split(" [SQL: ")[0].split(" (Background on this error")[0]
    return text_ or type(exc).__name__


class ProjectorLock:
    """The target's projector lock (see the module docstring): :meth:`acquire`,
    :meth:`verify` before each commit, :meth:`release`."""

    def __init__(self, target: Target, engine: Engine) -> None:
        self.target = target
        self.engine = engine
        self._conn: Connection | None = None
        self._pid: int | None = None
        self._fd: int | None = None
        self._inode: int | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None or self._fd is not None

    def acquire(
        self,
        *,
        wait: bool = False,
        poll: float = 0.5,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        """Take the lock; :class:`TargetBusy` when another projector has it and not ``wait``;
        :class:`TargetUnavailable` when the server cannot be reached. With ``wait``,
        ``on_wait`` is told once that the lock is held by another and this one waits (a
        silent wait looks like a hang)."""
        if self.target.dialect == "postgresql":
            self._acquire_postgres(wait, on_wait)
        else:
            self._acquire_file(wait, poll, on_wait)

    def _waiting(self, on_wait: Callable[[str], None] | None) -> None:
        if on_wait is not None:
            on_wait(
                f"another projector is writing {self.target.display}: waiting for it to "
                "finish (--wait; Ctrl-C to give up)"
            )

    def _acquire_postgres(self, wait: bool, on_wait: Callable[[str], None] | None) -> None:
        key = self.target.lock_key
        try:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except SQLAlchemyError as exc:
            raise TargetUnavailable(
                f"cannot connect to {self.target.display}: {reason(exc)}"
            ) from None
        try:
            conn.execute(text("SET application_name = 'ledger-projector-lock'"))
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                if not wait:
                    raise TargetBusy(
                        f"another projector is writing {self.target.display} "
                        "(PostgreSQL advisory lock held); wait for it (--wait) or stop it"
                    )
                self._waiting(on_wait)
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            self._pid = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
        except BaseException:
            with suppress(SQLAlchemyError):
                conn.close()
            raise
        self._conn = conn

    def _acquire_file(self, wait: bool, poll: float, on_wait: Callable[[str], None] | None) -> None:
        lock_path = self.target.lock_path
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise InvalidTarget(
                f"cannot open the lock file {lock_path}: {exc.strerror} (the projector keeps "
                "it beside the target; its directory must be writable)"
            ) from None
        try:
            announced = False
            while not _try_lock_file(fd):
                if not wait:
                    raise TargetBusy(
                        f"another projector is writing {self.target.display} (lock file "
                        f"{lock_path}); wait for it (--wait) or stop it"
                    )
                if not announced:
                    self._waiting(on_wait)
                    announced = True
                time.sleep(poll)
            self._inode = os.fstat(fd).st_ino
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def verify(self, conn: Connection | None = None) -> None:
        """Raise :class:`LockLost` unless this projector still holds the lock. On PostgreSQL,
        ``conn`` (the writing transaction's connection) asks the server whether the lock's
        own connection still holds it; without ``conn`` a pooled connection asks."""
        if not self.held:
            raise LockLost(f"the projector lock of {self.target.display} is not held")
        if self.target.dialect == "postgresql":
            if conn is None:
                with self.engine.connect() as own:
                    self._verify_postgres(own)
            else:
                self._verify_postgres(conn)
            return
        try:
            inode = os.stat(self.target.lock_path).st_ino
        except FileNotFoundError:
            inode = None
        if inode != self._inode:
            raise LockLost(
                f"the lock file {self.target.lock_path} was removed or replaced while this "
                "projector held it"
            )

    def _verify_postgres(self, conn: Connection) -> None:
        key = self.target.lock_key & 0xFFFF_FFFF_FFFF_FFFF
        held = conn.execute(
            text(
                "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = :pid AND database = (SELECT oid FROM pg_database "
                "WHERE datname = current_database()) "
                "AND classid::bigint = :hi AND objid::bigint = :lo AND objsubid = 1"
            ),
            {"pid": self._pid, "hi": key >> 32, "lo": key & 0xFFFF_FFFF},
        ).first()
        if held is None:
            raise LockLost(
                f"the projector lock of {self.target.display} was lost (its connection, "
                f"backend {self._pid}, was closed or terminated)"
            )

    def release(self) -> None:
        """Let the lock go (quietly when it was already lost)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with suppress(SQLAlchemyError):
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.target.lock_key})
            with suppress(SQLAlchemyError):
                conn.close()
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the lock


def _try_lock_file(fd: int) -> bool:
    """Take an exclusive lock on the open file ``fd`` without waiting; whether it was free."""
    if sys.platform == "win32":  # pragma: no cover (Windows)
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def projector_lock(target: Target, engine: Engine, *, wait: bool = False) -> Iterator[None]:
    """Hold the target's projector lock for the block; :class:`TargetBusy` when taken and
    ``wait`` is false."""
    lock = ProjectorLock(target, engine)
    lock.acquire(wait=wait)
    try:
        yield
    finally:
        lock.release()
