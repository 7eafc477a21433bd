"""Nothing created by mistake, no traceback anywhere (issues 13.2 and 12.7).

Every command is run against the mistakes an operator makes: a typo in --db, a file that is
not SQLite, another application's SQLite file, a ledger in a read-only directory, a server
that is down (with ``?schema=``), a database that does not exist; --to in a missing directory,
on such files, at a schema revision newer than this ledger knows; an unknown --policy
version. Each gives one line and exit status 2, and creates nothing.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.cli import main
from tests.conftest import PG_URL, _drop_schema

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "events.jsonl"
PERSON = "610902197003051215"
KEY_ENV = {"LEDGER_PSEUDONYM_KEY": "mistakes-tests-key-0123456789"}
PG_DOWN = "postgresql://postgres@127.0.0.1:1/test?schema=ledger_x"
PG_NO_DATABASE = PG_URL.rsplit("/", 1)[0] + "/ledger_no_such_database?schema=x"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=KEY_ENV)


def assert_one_line_error(result: Result, *expected: str) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"a traceback: {result.exception!r}"
    )
    assert "Traceback" not in result.output
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for text in expected:
        assert text in result.output, result.output


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("ledger") / "ledger.db")
    assert run("import", str(EXAMPLES), "--db", db).exit_code == 0
    return db


@pytest.fixture
def not_sqlite(tmp_path: Path) -> str:
    path = tmp_path / "notes.txt"
    path.write_text("not a database, just some text that is long enough\n" * 20)
    return str(path)


@pytest.fixture
def other_app(tmp_path: Path) -> str:
    path = tmp_path / "crm.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    return str(path)


def db_commands(db: str, tmp: Path, *, writers: bool = True) -> list[list[str]]:
    """Every command that opens the store, pointed at ``db``."""
    readers = [
        ["history", PERSON, "--db", db],
        ["replay", "--db", db],
        ["replay", PERSON, "--db", db, "--format", "json"],
        ["project", "--db", db, "--to", str(tmp / "r.db")],
        ["status", "--db", db],
    ]
    if not writers:
        return readers
    return [
        ["import", str(EXAMPLES), "--db", db],
        ["backfill", str(EXAMPLES), "--db", db, "--to", str(tmp / "b.db")],
        *readers,
    ]


def test_read_commands_never_create_a_store(tmp_path: Path) -> None:
    """Before: ``ledger replay`` on a typo printed a blank line and exited 0, and ``project``
    reported "applied 0 events", both leaving a new empty store behind."""
    typo = tmp_path / "ledgr.db"
    for command in db_commands(str(typo), tmp_path, writers=False):
        assert_one_line_error(run(*command), "no ledger at", "ledgr.db")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.postgres
def test_read_commands_never_create_a_store_on_postgres(tmp_path: Path) -> None:
    import psycopg

    schema = "ledger_typo_never_created"
    _drop_schema(schema)
    for command in db_commands(f"{PG_URL}?schema={schema}", tmp_path, writers=False):
        assert_one_line_error(run(*command), "no ledger in")
    with psycopg.connect(PG_URL) as conn:
        found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
        assert found.fetchone() is None


def test_a_file_that_is_not_sqlite(not_sqlite: str, tmp_path: Path) -> None:
    for command in db_commands(not_sqlite, tmp_path):
        assert_one_line_error(run(*command), "is not a SQLite database")


def test_another_applications_sqlite_file_is_left_alone(other_app: str, tmp_path: Path) -> None:
    """Before: the ledger's tables were added to it silently."""
    for command in db_commands(other_app, tmp_path):
        assert_one_line_error(run(*command), "another application's SQLite database", "customers")
    with sqlite3.connect(other_app) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert tables == ["customers"]


@pytest.mark.postgres
def test_a_server_that_is_down(tmp_path: Path) -> None:
    """Before: a traceback with ?schema= (the schema was created on a raw connection)."""
    for command in db_commands(PG_DOWN, tmp_path):
        assert_one_line_error(run(*command), "cannot connect to", "Connection refused")


@pytest.mark.postgres
def test_a_database_that_does_not_exist(tmp_path: Path) -> None:
    for command in db_commands(PG_NO_DATABASE, tmp_path):
        assert_one_line_error(run(*command), 'database "ledger_no_such_database" does not exist')


@pytest.fixture
def read_only_ledger(tmp_path: Path) -> Iterator[str]:
    """A ledger whose directory cannot be written (SQLite needs to create its -wal and -shm
    files there): chmod for a user, the immutable attribute for root (who ignores modes)."""
    directory = tmp_path / "ro"
    directory.mkdir()
    db = directory / "ledger.db"
    assert run("import", str(EXAMPLES), "--db", str(db)).exit_code == 0
    for leftover in directory.glob("ledger.db-*"):
        leftover.unlink()
    if os.geteuid() == 0:
        done = subprocess.run(["chattr", "+i", str(directory)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"cannot make a directory read-only as root: {done.stderr!r}")
        try:
            yield str(db)
        finally:
            subprocess.run(["chattr", "-i", str(directory)], check=True)
        return
    directory.chmod(0o555)
    try:
        yield str(db)
    finally:
        directory.chmod(0o755)


def test_a_ledger_in_a_read_only_directory(read_only_ledger: str, tmp_path: Path) -> None:
    for command in db_commands(read_only_ledger, tmp_path):
        assert_one_line_error(run(*command), "is not writable")


# ---------------------------------------------------------------- --to


def to_commands(ledger: str, target: str) -> list[list[str]]:
    return [
        ["project", "--db", ledger, "--to", target],
        ["project", "--db", ledger, "--to", target, "--rebuild"],
        ["status", "--db", ledger, "--to", target],
        ["backfill", str(EXAMPLES), "--db", ledger, "--to", target],
    ]


def test_a_target_in_a_missing_directory_is_not_created(ledger: str, tmp_path: Path) -> None:
    """Before: ``--to /nonexistent/dir/r.db`` created the directory tree."""
    target = tmp_path / "no" / "such" / "dir" / "r.db"
    for command in to_commands(ledger, str(target)):
        assert_one_line_error(run(*command), "no directory" if "status" not in command else "")
    assert not (tmp_path / "no").exists()


def test_targets_that_are_not_reporting_databases(
    ledger: str, not_sqlite: str, other_app: str
) -> None:
    for command in to_commands(ledger, not_sqlite):
        assert_one_line_error(run(*command), "is not a SQLite database")
    for command in to_commands(ledger, other_app):
        assert_one_line_error(run(*command), "another application's SQLite database")
    with sqlite3.connect(other_app) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert tables == ["customers"]


@pytest.mark.postgres
def test_a_target_server_that_is_down_or_a_database_that_does_not_exist(ledger: str) -> None:
    for command in to_commands(ledger, PG_DOWN):
        assert_one_line_error(run(*command), "Connection refused")
    for command in to_commands(ledger, PG_NO_DATABASE):
        assert_one_line_error(run(*command), 'database "ledger_no_such_database" does not exist')


def test_a_target_in_a_read_only_directory(
    ledger: str, read_only_ledger: str, tmp_path: Path
) -> None:
    target = str(Path(read_only_ledger).with_name("reports.db"))
    for command in to_commands(ledger, target)[:2] + to_commands(ledger, target)[3:]:
        assert_one_line_error(run(*command))


def test_a_target_at_a_newer_schema_revision(ledger: str, tmp_path: Path) -> None:
    """Before: a traceback (Can't locate revision)."""
    target = str(tmp_path / "r.db")
    assert run("project", "--db", ledger, "--to", target).exit_code == 0
    with sqlite3.connect(target) as conn:
        conn.execute("UPDATE reporting_alembic_version SET version_num = '0999'")
    for command in to_commands(ledger, target)[:2] + to_commands(ledger, target)[3:]:
        assert_one_line_error(run(*command), "revision 0999", "upgrade the ledger software")
    status = run("status", "--db", ledger, "--to", target)
    assert status.exit_code == 0 and "revision 0999" in status.output


def test_an_unknown_policy_version(ledger: str, tmp_path: Path) -> None:
    """Before: ``--rebuild --policy ankang-2099`` reported 0 persons and exited 0."""
    target = str(tmp_path / "r.db")
    result = run("project", "--db", ledger, "--to", target, "--rebuild", "--policy", "ankang-2099")
    assert_one_line_error(result, "unknown policy version 'ankang-2099'", "ankang-2025")
    assert not Path(target).exists()
