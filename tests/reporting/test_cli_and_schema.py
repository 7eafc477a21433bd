"""``ledger project`` end to end, target parsing, and the migration against the models."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import func, select

from ledger.application import LedgerApp, open_ledger
from ledger.cli import main
from projections.reporting.schema import Base
from projections.reporting.target import InvalidTarget, ensure_schema, make_engine, parse_target
from projections.reporting.writer import FLAGS, PERSONS

from .conftest import ROOT, generated_events

KEY_ENV = {"LEDGER_PSEUDONYM_KEY": "cli-tests-key-0123456789"}


def _db(app: LedgerApp) -> str:
    from .test_projector import _store_arg

    return _store_arg(app)


def test_ledger_project_catches_up_then_applies_only_new_events(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    events = generated_events(500)
    store.append(events[:300])
    target = make_db("cli")
    runner = CliRunner()
    first = runner.invoke(main, ["project", "--to", target, "--db", _db(store)], env=KEY_ENV)
    assert first.exit_code == 0, first.output
    assert "applied 300 events" in first.output
    store.append(events[300:])
    second = runner.invoke(main, ["project", "--to", target, "--db", _db(store)], env=KEY_ENV)
    assert second.exit_code == 0, second.output
    assert "applied 200 events" in second.output
    with make_engine(parse_target(target)).connect() as conn:
        persons = conn.execute(select(func.count()).select_from(PERSONS)).scalar()
        flagged = conn.execute(select(func.count()).select_from(FLAGS)).scalar()
    assert persons == len(list(store.person_ids()))
    assert flagged  # the generated years before 2022 have no policy version


def test_ledger_project_rebuild_reports_and_policy_needs_rebuild(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    store.append(generated_events(300))
    target = make_db("cli")
    runner = CliRunner()
    args = ["project", "--to", target, "--db", _db(store)]
    assert runner.invoke(main, args, env=KEY_ENV).exit_code == 0
    rebuilt = runner.invoke(main, [*args, "--rebuild", "--policy", "ankang-2025"], env=KEY_ENV)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "rebuild of persons with a year under ankang-2025" in rebuilt.output
    assert ", 0 with changed rows" in rebuilt.output
    alone = runner.invoke(main, [*args, "--policy", "ankang-2025"], env=KEY_ENV)
    assert alone.exit_code == 2 and "--policy goes with --rebuild" in alone.output


def test_ledger_project_refuses_a_remote_target_without_a_key(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["project", "--to", "postgresql://u@reports.example.org/db", "--db", str(tmp_path / "l")],
        env={"LEDGER_PSEUDONYM_KEY": ""},
    )
    assert result.exit_code == 2  # a mistake of the run's settings (README): one line, 2
    assert "not on this machine" in result.output and "LEDGER_PSEUDONYM_KEY" in result.output


def test_ledger_project_stops_when_another_projector_holds_the_target(tmp_path: Path) -> None:
    from projections.reporting.target import projector_lock

    open_ledger(str(tmp_path / "ledger.db")).close()  # project never creates a ledger
    target = parse_target(str(tmp_path / "reports.db"))
    with projector_lock(target, make_engine(target)):
        proc = subprocess.run(
            [str(Path(sys.executable).with_name("ledger")), "project", "--to", str(target.path)]
            + ["--db", str(tmp_path / "ledger.db")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        )
    assert proc.returncode == 1, proc.stderr
    assert "another projector is writing" in proc.stderr and "--wait" in proc.stderr


def test_a_waiting_projector_says_it_waits(make_db: Callable[[str], str]) -> None:
    """Seen: ``ledger project --wait`` behind another projector printed nothing for the
    whole wait. It says, once, that it waits and for what."""
    import threading

    from projections.reporting.target import ProjectorLock

    target = parse_target(make_db("waiting"))
    holder = ProjectorLock(target, make_engine(target))
    holder.acquire()
    said: list[str] = []
    waiter = ProjectorLock(target, make_engine(target))
    thread = threading.Thread(
        target=lambda: waiter.acquire(wait=True, poll=0.05, on_wait=said.append)
    )
    try:
        thread.start()
        deadline = time.monotonic() + 10
        while not said and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(said) == 1 and "waiting for it" in said[0]
    finally:
        holder.release()
        thread.join(timeout=30)
        waiter.release()
        holder.engine.dispose()
        waiter.engine.dispose()
    assert said == [said[0]]  # said once


@pytest.mark.parametrize(
    ("spec", "local"),
    [
        ("reports.db", True),
        ("sqlite:///tmp/r.db", True),
        ("postgresql://postgres@127.0.0.1:5432/test", True),
        ("postgresql://postgres@localhost/test?schema=rep", True),
        ("postgresql://postgres@[::1]:5432/test", True),
        ("postgresql:///test?host=/var/run/postgresql", True),
        ("postgresql://postgres@10.1.2.3/test", False),
        ("postgresql://postgres@reports.example.org/test", False),
    ],
)
def test_which_targets_are_local(spec: str, local: bool) -> None:
    assert parse_target(spec).is_local is local


@pytest.mark.parametrize("spec", ["", "mysql://x/y", ":memory:", "postgresql://h:5432/"])
def test_bad_targets_are_refused(spec: str) -> None:
    with pytest.raises(InvalidTarget):
        parse_target(spec)


def test_a_password_never_shows_in_messages() -> None:
    target = parse_target("postgresql://u:s3cret@db.example.org/r?schema=x")
    assert "s3cret" not in target.display and target.schema == "x"


def test_the_migration_creates_exactly_the_models(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    from .test_projector import catch_up

    p = catch_up(store, make_db("schema"))
    with p.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        sqlite = conn.dialect.name == "sqlite"
    # SQLite has no NUMERIC precision (type affinity): migration 0003 widens the money columns
    # on PostgreSQL only, so a SQLite target keeps the declared NUMERIC(12, 2) of 0002.
    diffs = [d for d in diffs if not (sqlite and _numeric_precision_only(d))]
    assert [d for d in diffs if not (d[0] == "remove_table" and "alembic" in d[1].name)] == []


def _numeric_precision_only(diff: object) -> bool:
    from sqlalchemy import Numeric

    if not isinstance(diff, list) or len(diff) != 1 or diff[0][0] != "modify_type":
        return False
    old, new = diff[0][5], diff[0][6]
    return isinstance(old, Numeric) and isinstance(new, Numeric) and old.scale == new.scale


def test_the_documented_queries_run_and_find_rows(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    import re

    from sqlalchemy import text

    from ledger.events import parse_event
    from ledger.person_id import check_digit

    from .test_projector import catch_up

    late = "61090219900101777"
    late += check_digit(late)
    store.append(generated_events(4000, seed=2))
    store.append(
        [
            parse_event(e)
            for e in (
                {
                    "event_id": "late-1",
                    "person_id": late,
                    "type": "registered",
                    "date": "2020-01-01",
                    "region": "610902",
                    "birth_date": "1990-01-01",
                },
                {
                    "event_id": "late-2",
                    "person_id": late,
                    "type": "paid",
                    "date": "2025-06-15",
                    "coverage_year": 2025,
                    "amount": "400",
                },
            )
        ]
    )
    p = catch_up(store, make_db("docs"))
    doc = (ROOT / "docs" / "reporting.md").read_text(encoding="utf-8")
    queries = re.findall(r"```sql\n(.*?)```", doc, flags=re.S)
    assert len(queries) >= 4
    with p.engine.connect() as conn:
        counts = [len(conn.execute(text(q)).all()) for q in queries]
    assert all(counts), counts


def test_ledger_project_follow_stops_cleanly_on_sigterm(store: LedgerApp, tmp_path: Path) -> None:
    import signal

    store.append(generated_events(200))
    first, code, out, err = _follow_then_signal(store, tmp_path / "follow.db", signal.SIGTERM)
    assert "following the ledger" in first, first
    assert code == 0, err
    assert "stopped on request" in out
    assert "applied 200 events in 1 batch," in out


def test_upgrading_a_target_from_0001_rebuilds_its_rows_when_asked(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    """0002 re-keys the person tables by ``person_key``: a target built before it is emptied
    and its checkpoint removed, so the next catch-up rebuilds it from the ledger. That drops
    data, so it is applied only when asked (``upgrade=True``, ``ledger project --upgrade``),
    saying so first; without it the target is left untouched. Downgrading gives the 0001
    layout back."""
    from sqlalchemy import inspect, text

    from projections.reporting import migrate

    from .conftest import dump
    from .test_projector import catch_up, projector

    store.append(generated_events(400, seed=3))
    old = make_db("old")
    target = parse_target(old)
    engine = make_engine(target)
    ensure_schema(target, engine)
    with engine.begin() as conn:
        migrate.upgrade(conn, "0001")
        conn.execute(
            text(
                "INSERT INTO persons (pseudonym, events, years, position) VALUES ('stale', 1, 0, 5)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO projection_tracking (application_name, notification_id, updated_at)"
                " VALUES ('Ledger', 5, CURRENT_TIMESTAMP)"
            )
        )
    with pytest.raises(migrate.UpgradeNeeded, match=r"0002 \(DROPS DATA\).*--upgrade"):
        catch_up(store, old)
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == "0001"
        assert conn.execute(text("SELECT pseudonym FROM persons")).scalars().all() == ["stale"]
    said: list[str] = []
    upgraded = projector(store, old)
    upgraded.warn = said.append
    with upgraded.open(upgrade=True):
        upgraded.catch_up()
    assert said[0] == "reporting schema upgrade from 0001 to 0003:"
    assert "0002 (DROPS DATA)" in said[1] and "0003 (additive)" in said[2]
    with upgraded.engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision() == "0003"
    assert dump(upgraded.engine) == dump(catch_up(store, make_db("new")).engine)
    with engine.begin() as conn:
        migrate.command.downgrade(migrate.alembic_config(conn), "0001")
        schema = inspect(conn)
        for table in ("persons", "flags"):
            assert "person_key" not in [c["name"] for c in schema.get_columns(table)]
        assert schema.get_pk_constraint("persons")["constrained_columns"] == ["pseudonym"]
    engine.dispose()


def _follow_then_signal(
    store: LedgerApp, target: Path, sig: int, *options: str
) -> tuple[str, int, str, str]:
    """``ledger project --follow`` into ``target`` in a process of its own, given ``sig`` half
    a second after its first stderr line: ``(first line, exit status, stdout, the rest of
    stderr)``."""
    from .test_projector import _store_arg

    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("ledger")), "project", "--follow"]
        + ["--interval", "0.1", "--to", str(target), "--db", _store_arg(store), *options],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **KEY_ENV},
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        time.sleep(0.5)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    return first, proc.returncode, out, err


def test_a_json_log_is_json_lines_only(store: LedgerApp, tmp_path: Path) -> None:
    """Seen: with --log-format json, "following the ledger into …" and "stopping after the
    current batch…" came as plain text among the JSON objects, which a log collector cannot
    read. Every stderr line is now one JSON object."""
    import json
    import signal

    store.append(generated_events(200))
    first, code, _, err = _follow_then_signal(
        store, tmp_path / "follow.db", signal.SIGINT, "--log-format", "json"
    )
    assert code == 0, err
    assert json.loads(first)["event"] == "following"
    records = [json.loads(line) for line in err.splitlines()]
    assert "stopping" in [r["event"] for r in records] and "batch" in [r["event"] for r in records]


def test_a_second_ctrl_c_is_recorded_as_a_stopped_run(
    store: LedgerApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen: two Ctrl-C in a row printed "Aborted!" (exit 1) and left ``ledger status``
    saying the run was running, with no process behind it. The second Ctrl-C (here: the
    KeyboardInterrupt its handler raises, in the middle of a batch) now ends with exit 130, a
    line saying where the target stands, and the last run recorded as stopped."""
    import json

    from projections.reporting.projector import Projector

    from .test_projector import _store_arg

    store.append(generated_events(200))
    target = str(tmp_path / "r.db")
    real = Projector._apply_batch
    calls = [0]

    def second_ctrl_c(self: Projector, after: int) -> object:
        calls[0] += 1
        if calls[0] == 2:
            raise KeyboardInterrupt
        return real(self, after)

    monkeypatch.setattr(Projector, "_apply_batch", second_ctrl_c)
    result = CliRunner().invoke(
        main,
        ["project", "--db", _store_arg(store), "--to", target, "--batch-size", "50"],
        env=KEY_ENV,
    )
    assert result.exit_code == 130, result.output
    assert "Aborted" not in result.output and "continues from there" in result.output
    status = CliRunner().invoke(
        main, ["status", "--db", _store_arg(store), "--to", target, "--format", "json"]
    )
    last_run = json.loads(status.stdout)["target"]["last_run"]
    assert (last_run["state"], last_run["checkpoint"]) == ("stopped", 50)


def test_the_documented_way_to_find_a_persons_rows_works(
    store: LedgerApp, make_db: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen: docs/reporting.md showed ``PseudonymKey(key).pseudonym(person_id)``, which
    raises TypeError. Its Python block now runs, and the pseudonym finds the person."""
    from .conftest import TEST_KEY
    from .test_projector import catch_up

    monkeypatch.setenv("LEDGER_PSEUDONYM_KEY", TEST_KEY.secret.decode())
    store.append(generated_events(50))
    person = sorted(store.person_ids())[0]
    p = catch_up(store, make_db("docs_key"))
    doc = (ROOT / "docs" / "reporting.md").read_text(encoding="utf-8")
    [block] = re.findall(r"```python\n(.*?)```", doc, flags=re.S)
    scope: dict[str, Any] = {}
    exec(block.replace('"610902198001011230"', repr(person)), scope)  # noqa: S102
    with p.engine.connect() as conn:
        found = conn.execute(
            select(PERSONS.c.person_key).where(PERSONS.c.pseudonym == scope["pseudonym"])
        ).first()
    assert found is not None


@pytest.mark.postgres
def test_a_schema_holding_other_tables_is_not_a_target(tmp_path: Path) -> None:
    """Seen: ``ledger project --to`` the store's own schema was accepted and put eleven
    reporting tables among the ledger's; a schema holding an unrelated ``persons`` table
    failed with the server's raw error and exit 1. Both are refused before anything is
    written, in one line, exit 2."""
    import psycopg
    from psycopg.sql import SQL, Identifier

    from .conftest import PG_URL, drop_schema, generated_events

    store_schema, other = f"store_{time.monotonic_ns()}", f"other_{time.monotonic_ns()}"
    store_db = f"{PG_URL}?schema={store_schema}"
    try:
        with open_ledger(store_db) as app:
            app.append(generated_events(20))
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(SQL("CREATE SCHEMA {0}").format(Identifier(other)))
            conn.execute(SQL("CREATE TABLE {0}.persons (id int)").format(Identifier(other)))
        for target, says in (
            (store_db, "ledger's store"),
            (f"{PG_URL}?schema={other}", "other tables"),
        ):
            result = CliRunner().invoke(
                main,
                ["project", "--db", store_db, "--to", target],
                env={"LEDGER_PSEUDONYM_KEY": "cli-tests-key-0123456789abcdef"},
            )
            assert result.exit_code == 2 and says in result.output, result.output
        with psycopg.connect(PG_URL) as conn:
            tables = conn.execute(
                "SELECT count(*) FROM pg_tables "
                "WHERE schemaname = %s AND tablename LIKE 'reporting%%'",
                (store_schema,),
            ).fetchone()
        assert tables == (0,)
    finally:
        drop_schema(store_schema)
        drop_schema(other)
