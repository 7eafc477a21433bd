"""One way to connect (issue 13.1): ``--db`` and ``--to`` read by the same parser, libpq's
parameters, ``PG*`` variables and the password file honoured, the server's reason at once.

The PostgreSQL tests run against the local server, which has no SSL.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from click.testing import CliRunner

from ledger.application import open_ledger
from ledger.cli import main
from ledger.dburl import InvalidDatabase, parse_database
from projections.reporting.target import InvalidTarget, make_engine, parse_target
from tests.conftest import PG_URL, _drop_schema

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "events.jsonl"
KEY_ENV = {"LEDGER_PSEUDONYM_KEY": "connect-tests-key-0123456789"}
PG_HOSTPORT = PG_URL.split("@", 1)[1].split("/", 1)[0]  # 127.0.0.1:5432
PG_DBNAME = PG_URL.rsplit("/", 1)[1]


@pytest.fixture
def pg_schema() -> Iterator[str]:
    schema = f"connect_{uuid4().hex[:10]}"
    try:
        yield schema
    finally:
        _drop_schema(schema)


@pytest.fixture
def pg_ledger(pg_schema: str) -> str:
    """A PostgreSQL ledger holding the example events."""
    db = f"{PG_URL}?schema={pg_schema}"
    result = CliRunner().invoke(main, ["import", str(EXAMPLES), "--db", db])
    assert result.exit_code == 0, result.output
    return db


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("spec", "backend", "params", "schema"),
    [
        ("ledger.db", "sqlite", {}, None),
        ("sqlite:///rel/l.db", "sqlite", {}, None),
        ("sqlite:////abs/l.db", "sqlite", {}, None),
        (
            "postgresql://u:p%40ss@db.example:6543/ledger?sslmode=verify-full&schema=s",
            "postgresql",
            {
                "host": "db.example",
                "port": "6543",
                "user": "u",
                "password": "p@ss",
                "dbname": "ledger",
                "sslmode": "verify-full",
            },
            "s",
        ),
        ("postgresql+psycopg://h/d", "postgresql", {"host": "h", "dbname": "d"}, None),
        ("postgres://h/d?application_name=x", "postgresql", {}, None),
        ("postgresql:///d?host=/var/run/postgresql", "postgresql", {}, None),
    ],
)
def test_db_and_to_are_read_by_one_parser(
    spec: str, backend: str, params: dict[str, str], schema: str | None
) -> None:
    """Before, --db refused sqlite:///… and postgresql+psycopg://…, which --to accepted."""
    db = parse_database(spec)
    target = parse_target(spec)
    assert db.backend == backend == target.dialect
    assert target.schema == db.schema == schema
    if backend == "sqlite":
        assert db.path is not None and target.path == db.path.resolve()
        return
    for name, value in params.items():
        assert db.param(name) == value
    assert "p@ss" not in db.display and "p@ss" not in target.display
    # The target's SQLAlchemy URL carries the same libpq parameters as the store's conninfo.
    engine = make_engine(target)
    _, kwargs = engine.dialect.create_connect_args(engine.url)
    for name, value in params.items():
        assert str(kwargs[name]) == value
    engine.dispose()


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "mysql://x/y",
        ":memory:",
        "postgresql://h/d?sslmod=require",  # a typo: libpq's own parser refuses it
        "postgresql://h/d?schema=a&schema=b",
        "postgresql://h:notaport/d",
        "sqlite://",
    ],
)
def test_bad_arguments_are_refused_by_both(spec: str) -> None:
    with pytest.raises(InvalidDatabase):
        parse_database(spec)
    with pytest.raises(InvalidTarget):
        parse_target(spec)


def test_the_store_accepts_what_the_target_accepts(tmp_path: Path, pg_schema: str) -> None:
    psycopg_url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    for spec in (f"sqlite:///{tmp_path}/a.db", f"{psycopg_url}?schema={pg_schema}"):
        result = CliRunner().invoke(main, ["import", str(EXAMPLES), "--db", spec])
        assert result.exit_code == 0, result.output
        assert "27 stored" in result.output
    assert (tmp_path / "a.db").is_file()


# ---------------------------------------------------------------- libpq parameters


@pytest.mark.postgres
def test_sslmode_require_fails_with_the_servers_reason_for_db(pg_ledger: str) -> None:
    """Before, --db "postgresql://…?sslmode=require" connected without encryption."""
    runner = CliRunner()
    for command in (["history", "610902197003051215"], ["replay"], ["status"]):
        result = runner.invoke(main, [*command, "--db", f"{pg_ledger}&sslmode=require"])
        assert result.exit_code == 2, result.output
        assert "server does not support SSL, but SSL was required" in result.output
        assert "Traceback" not in result.output and len(result.output.splitlines()) == 1


@pytest.mark.postgres
def test_sslmode_require_fails_with_the_servers_reason_for_to(
    pg_ledger: str, pg_schema: str
) -> None:
    target = f"{PG_URL}?schema={pg_schema}_target&sslmode=require"
    result = CliRunner().invoke(main, ["project", "--db", pg_ledger, "--to", target], env=KEY_ENV)
    assert result.exit_code == 2, result.output
    assert "server does not support SSL, but SSL was required" in result.output
    _drop_schema(f"{pg_schema}_target")


@pytest.mark.postgres
def test_pg_variables_and_the_password_file_are_honoured(
    pg_ledger: str, pg_schema: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, the store used the login name as user and an empty password, so PGUSER and
    PGPASSWORD were ignored (and the login "root" has no role)."""
    bare = f"postgresql://{PG_HOSTPORT}/{PG_DBNAME}?schema={pg_schema}"
    monkeypatch.setenv("PGUSER", "postgres")
    monkeypatch.setenv("PGPASSWORD", "from-the-environment")
    app = open_ledger(bare, create=False)
    try:
        with app.recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
            assert conn.info.user == "postgres"
            assert conn.info.password == "from-the-environment"
    finally:
        app.close()
    engine = make_engine(parse_target(bare))
    with engine.connect() as conn:
        info = conn.connection.driver_connection.info  # type: ignore[union-attr]
        assert (info.user, info.password) == ("postgres", "from-the-environment")
    engine.dispose()

    monkeypatch.delenv("PGPASSWORD")
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"{PG_HOSTPORT}:{PG_DBNAME}:postgres:from-the-password-file\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    app = open_ledger(bare, create=False)
    try:
        with app.recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
            assert conn.info.password == "from-the-password-file"
    finally:
        app.close()

    monkeypatch.setenv("PGUSER", "ledger_no_such_role")
    result = CliRunner().invoke(main, ["replay", "--db", bare])
    assert result.exit_code == 2
    assert 'role "ledger_no_such_role" does not exist' in result.output


@pytest.mark.postgres
def test_a_missing_database_is_reported_at_once_with_the_servers_reason() -> None:
    """Before: a 10 s wait, then only "couldn't get a connection"."""
    began = time.monotonic()
    url = f"postgresql://postgres@{PG_HOSTPORT}/ledger_no_such_database"
    result = CliRunner().invoke(main, ["replay", "--db", url])
    assert result.exit_code == 2, result.output
    assert 'database "ledger_no_such_database" does not exist' in result.output
    assert time.monotonic() - began < 5


@pytest.mark.parametrize("name", ["trial-x", "Trial", "Trial-X;drop", "1st", "a b"])
def test_a_schema_name_the_store_cannot_use_is_refused_before_anything_is_made(
    name: str, tmp_path: Path
) -> None:
    """Seen: ``?schema=trial-x`` created the schema, then failed with raw SQL ("syntax error
    at or near "-" … invalid type name "trial-x.stored_event_uuid""), leaving the schema
    behind. The library names its types after the schema unquoted: only lowercase letters,
    digits and underscores work (a name PostgreSQL keeps as written without quotes)."""
    spec = f"{PG_URL}?schema={name}"
    with pytest.raises(InvalidDatabase, match="schema name"):
        parse_database(spec)
    with pytest.raises(InvalidTarget):
        parse_target(spec)
    result = CliRunner().invoke(main, ["import", "--db", spec, str(EXAMPLES)])
    assert result.exit_code == 2 and "schema name" in result.output
    with psycopg.connect(PG_URL) as conn:
        found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (name,)).fetchone()
    assert found is None
