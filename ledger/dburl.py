"""One way to name a database: ``--db`` (the ledger) and ``--to`` (a reporting target).

:func:`parse_database` reads an argument with the libraries' own parsers and gives a
:class:`DatabaseSpec` that can say it as a psycopg/libpq ``conninfo`` (the store, through
eventsourcing's settings) or as a SQLAlchemy URL (the reporting target):

- a file path (``ledger.db``, ``/data/reports.db``) or ``sqlite:///PATH`` (``sqlite:////abs``):
  a SQLite file;
- ``postgresql://[USER[:PASSWORD]@][HOST][:PORT][/DBNAME][?PARAM=VALUE&…]`` (also
  ``postgres://`` and ``postgresql+psycopg://``), read by :func:`sqlalchemy.engine.make_url`.
  ``schema=NAME`` is the ledger's own parameter (the schema holding the tables); every other
  parameter is a libpq connection parameter (``sslmode``, ``sslrootcert``,
  ``connect_timeout``, ``application_name``, ``host`` for a unix socket directory …), checked
  by libpq's own parser (:func:`psycopg.conninfo.conninfo_to_dict`) and passed on as given.

What the URL leaves out, libpq takes from its environment as ``psql`` does: ``PGHOST``,
``PGPORT``, ``PGUSER``, ``PGPASSWORD``, ``PGDATABASE``, ``PGSSLMODE`` … and the password file
(``~/.pgpass`` or ``PGPASSFILE``). Nothing is filled in here (no user name guessed, no
``localhost``), so both the store and the target connect exactly as ``psql`` would with the
same URL.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

# psycopg's and SQLAlchemy's parsers are imported where a URL is read: a command on a SQLite
# file (``ledger report PERSON``) does not pay ~0.3-0.4 s of imports for them.

Backend = Literal["sqlite", "postgresql"]

POSTGRES_SCHEMES = frozenset({"postgresql", "postgres", "postgresql+psycopg"})
SQLITE_SCHEMES = frozenset({"sqlite", "sqlite+pysqlite"})
LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})
MAX_IDENTIFIER = 63
"""PostgreSQL truncates longer names (NAMEDATALEN - 1)."""


class InvalidDatabase(ValueError):
    """A database argument that names no SQLite file and no PostgreSQL database."""


@dataclass(frozen=True)
class DatabaseSpec:
    """A parsed ``--db`` or ``--to`` argument."""

    backend: Backend
    path: Path | None = None
    """SQLite: the file (absolute)."""
    params: tuple[tuple[str, str], ...] = ()
    """PostgreSQL: the libpq connection parameters the argument gives (password included),
    in the order given; nothing else (libpq's environment supplies the rest)."""
    schema: str | None = None
    """PostgreSQL: the schema holding the tables (``None``: ``public``)."""
    shown: str = field(default="", compare=False)
    """The argument fit for messages (no password)."""

    @property
    def is_postgres(self) -> bool:
        return self.backend == "postgresql"

    def param(self, name: str) -> str | None:
        return dict(self.params).get(name)

    def conninfo(self, **defaults: str) -> str:
        """The libpq connection string; ``defaults`` are added where the argument gives
        nothing (e.g. ``fallback_application_name``)."""
        if self.backend != "postgresql":
            raise TypeError("a SQLite database has no conninfo")
        from psycopg.conninfo import make_conninfo

        params = {**defaults, **dict(self.params)}
        return make_conninfo("", **params)

    def sqlalchemy_url(self, **defaults: str) -> URL:
        """The SQLAlchemy URL (``sqlite:///…`` or ``postgresql+psycopg://…``): the same
        libpq parameters, as the psycopg dialect passes them to ``psycopg.connect``."""
        from sqlalchemy.engine import URL

        if self.backend == "sqlite":
            return URL.create("sqlite", database=str(self.path))
        params = {**defaults, **dict(self.params)}
        host = params.get("host", "")
        port = params.get("port", "")
        plain = bool(host) and "," not in host and "/" not in host and (port.isdigit() or not port)
        if plain:  # host[:port] in the URL; else (sockets, several hosts) as parameters
            del params["host"]
            params.pop("port", None)
        return URL.create(
            "postgresql+psycopg",
            username=params.pop("user", None),
            password=params.pop("password", None),
            host=host if plain else None,
            port=int(port) if plain and port else None,
            database=params.pop("dbname", None),
            query=params,
        )

    @property
    def host(self) -> str:
        """Where a PostgreSQL server is: the ``host`` parameter, else ``PGHOST`` ("" or a
        directory: a unix socket)."""
        return self.param("host") or os.environ.get("PGHOST", "")

    @property
    def is_local(self) -> bool:
        """A SQLite file, or PostgreSQL on this machine (loopback or unix socket)."""
        if self.backend == "sqlite":
            return True
        hosts = [h.strip() for h in self.host.split(",")]
        return all(h in LOCAL_HOSTS or h.startswith("/") for h in hosts)

    @property
    def display(self) -> str:
        return self.shown


def parse_database(spec: str, *, allow_memory: bool = False) -> DatabaseSpec:
    """A :class:`DatabaseSpec` from a ``--db``/``--to`` argument; :class:`InvalidDatabase`
    (one line, no password) when it names nothing usable."""
    text = spec.strip()
    if not text:
        raise InvalidDatabase("empty database argument")
    if "://" not in text:
        return _sqlite(text, text, allow_memory)
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict, make_conninfo
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    scheme = text.split("://", 1)[0].lower()
    try:
        url = make_url(text)
    except (ArgumentError, ValueError) as exc:
        raise InvalidDatabase(f"cannot read {_shown_raw(text)!r}: {exc}") from None
    shown = url.render_as_string(hide_password=True)
    if scheme in SQLITE_SCHEMES:
        if not url.database:
            raise InvalidDatabase(f"no file in {shown!r} (sqlite:///relative or sqlite:////abs)")
        return _sqlite(url.database, shown, allow_memory)
    if scheme not in POSTGRES_SCHEMES:
        raise InvalidDatabase(
            f"unsupported database {scheme}://…: give a SQLite file path, sqlite:///PATH or a "
            "postgresql:// URL"
        )
    params: list[tuple[str, str]] = []
    for name, value in (
        ("host", url.host),
        ("port", str(url.port) if url.port is not None else None),
        ("user", url.username),
        ("password", url.password),
        ("dbname", url.database),
    ):
        if value:
            params.append((name, value))
    schema: str | None = None
    for name, given in url.query.items():
        if not isinstance(given, str):
            raise InvalidDatabase(f"{name} given twice in {shown!r}")
        if name == "schema":
            schema = given.strip() or None
            continue
        if name in dict(params):
            raise InvalidDatabase(f"{name} given twice in {shown!r}")
        params.append((name, given))
    try:
        conninfo_to_dict(make_conninfo("", **dict(params)))
    except ProgrammingError as exc:
        raise InvalidDatabase(f"{shown}: {' '.join(str(exc).split())}") from None
    if "dbname" not in dict(params) and not os.environ.get("PGDATABASE"):
        raise InvalidDatabase(f"no database name in {shown!r} (…/DBNAME, or set PGDATABASE)")
    if schema is not None and (
        not _SCHEMA_NAME.fullmatch(schema) or len(schema.encode()) > MAX_IDENTIFIER
    ):
        raise InvalidDatabase(
            f"bad schema name {schema!r} in {shown!r}: use lowercase letters, digits and "
            f"underscores, starting with a letter or an underscore, at most {MAX_IDENTIFIER} "
            "characters (eventsourcing names its types after the schema without quotes)"
        )
    shown = _postgres_shown(url)
    return DatabaseSpec("postgresql", params=tuple(params), schema=schema, shown=shown)


_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]*")
"""A schema name PostgreSQL keeps as written without quotes: the library writes some of its
statements with the schema unquoted (``%s::schema.stored_event_uuid[]``), so any other name
(a hyphen, a capital, a space) would create the schema and then fail on raw SQL."""


def _sqlite(path: str, shown: str, allow_memory: bool) -> DatabaseSpec:
    if path == ":memory:" or path.startswith("file::memory:"):
        if not allow_memory:
            raise InvalidDatabase("an in-memory SQLite database would lose everything on exit")
        return DatabaseSpec("sqlite", path=Path(path), shown=":memory:")
    if path.startswith("file:"):
        raise InvalidDatabase(f"give a SQLite file path, not a URI: {path!r}")
    return DatabaseSpec("sqlite", path=Path(path).expanduser().absolute(), shown=shown)


def _postgres_shown(url: URL) -> str:
    """``postgresql://user:***@host:port/db?…`` (the scheme as written is kept out: one form)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=True)


def _shown_raw(text: str) -> str:
    """An unparsable argument, with anything between ``:`` and ``@`` hidden."""
    head, sep, rest = text.partition("://")
    if "@" in rest:
        credentials, _, tail = rest.rpartition("@")
        if ":" in credentials:
            credentials = credentials.split(":", 1)[0] + ":***"
        rest = f"{credentials}@{tail}"
    return head + sep + rest


def display_database(spec: str) -> str:
    """An argument fit for messages (no password), even when it does not parse."""
    try:
        return parse_database(spec, allow_memory=True).display
    except InvalidDatabase:
        return _shown_raw(spec)


__all__ = [
    "DatabaseSpec",
    "InvalidDatabase",
    "display_database",
    "parse_database",
]
