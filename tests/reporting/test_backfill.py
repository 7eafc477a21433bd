"""``ledger backfill`` end to end: the distributed replay (a 2-process Dask LocalCluster) writes
exactly the tables of the single-process one and of ``ledger project``; a ``ledger project``
after a backfill applies nothing twice; re-running is idempotent; an interrupted replay leaves
the checkpoint alone (real SQLite files, real PostgreSQL, real Dask)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

import projections.backfill as backfill_module
from ledger.application import open_ledger
from ledger.cli import main
from ledger.synth import generate, to_line
from projections.backfill import source_files
from projections.reporting.schema import ProjectionTracking, Quarantine
from projections.reporting.target import make_engine, parse_target

from .conftest import PG_URL, drop_schema, dump

KEY_ENV = {"LEDGER_PSEUDONYM_KEY": "backfill-tests-key-0123456789"}
PERSONS = 300
LATER = 40


def _write(path: Path, records: Iterator[dict[str, Any]]) -> int:
    lines = 0
    with open(path, "w", encoding="utf-8") as f:
        for record in records:
            f.write(to_line(record))
            lines += 1
    return lines


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of two event files (persons interleaved by date, split across the files),
    plus a file the backfill must ignore."""
    directory = tmp_path_factory.mktemp("history")
    records = list(generate(PERSONS, (2021, 2025), seed=23, order="date", block=120))
    cut = len(records) * 3 // 5
    _write(directory / "2021-2023.jsonl", iter(records[:cut]))
    _write(directory / "2024-2025.jsonl", iter(records[cut:]))
    (directory / "notes.txt").write_text("not events\n", encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def later_events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Events that arrive after the backfill: new persons."""
    path = tmp_path_factory.mktemp("later") / "later.jsonl"
    _write(path, generate(LATER, (2021, 2025), seed=23, start=PERSONS))
    return path


def _invoke(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args), env=KEY_ENV)
    assert result.exit_code == 0, result.output
    return result


def _checkpoint(target: str) -> int | None:
    engine = make_engine(parse_target(target))
    try:
        with engine.connect() as conn:
            return conn.execute(select(ProjectionTracking.notification_id)).scalar()
    finally:
        engine.dispose()


def _dump(target: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = make_engine(parse_target(target))
    try:
        return dump(engine)
    finally:
        engine.dispose()


def _log_end(db: str) -> int:
    with open_ledger(db) as app:
        return app.recorder.max_notification_id() or 0


@pytest.fixture
def pg_target() -> Iterator[Any]:
    schemas: list[str] = []

    def make(name: str) -> str:
        schema = f"backfill_{name}_{uuid4().hex[:10]}"
        schemas.append(schema)
        return f"{PG_URL}?schema={schema}"

    yield make
    for schema in schemas:
        drop_schema(schema)


def test_directory_sources_skip_rejects_and_other_files(history: Path) -> None:
    (history / "2021-2023.jsonl.rejects.jsonl").write_text("{}\n", encoding="utf-8")
    try:
        assert [p.name for p in source_files(history)] == ["2021-2023.jsonl", "2024-2025.jsonl"]
    finally:
        (history / "2021-2023.jsonl.rejects.jsonl").unlink()


def test_distributed_backfill_equals_single_process_and_ledger_project(
    history: Path, later_events: Path, tmp_path: Path
) -> None:
    db = str(tmp_path / "ledger.db")
    single, distributed, projected = (str(tmp_path / f"{n}.db") for n in ("one", "two", "proj"))

    first = _invoke("backfill", str(history), "--db", db, "--to", single, "--no-progress")
    assert "rejected" in first.output and f"{PERSONS:,} persons" in first.output
    _invoke(
        "backfill", str(history), "--db", db, "--to", distributed, "--workers", "2",
        "--partitions", "5", "--no-progress",
    )  # fmt: skip
    _invoke("project", "--db", db, "--to", projected)

    expected = _dump(projected)
    assert len(expected["persons"]) == PERSONS and expected["contribution_years"]
    assert _dump(single) == expected
    assert _dump(distributed) == expected
    end = _log_end(db)
    assert _checkpoint(single) == _checkpoint(distributed) == _checkpoint(projected) == end

    # A ledger project after the backfill applies nothing twice…
    again = _invoke("project", "--db", db, "--to", distributed)
    assert "applied 0 events" in again.output
    assert _dump(distributed) == expected
    # …and, once new events arrive, only them; the result is the fold of the whole store.
    _invoke("import", "--db", db, str(later_events))
    caught_up = _invoke("project", "--db", db, "--to", distributed)
    new_events = _log_end(db) - end
    assert new_events > 0 and f"applied {new_events} events" in caught_up.output
    _invoke("project", "--db", db, "--to", projected)
    assert len(_dump(projected)["persons"]) == PERSONS + LATER
    assert _dump(distributed) == _dump(projected)


def test_backfill_again_is_idempotent(history: Path, tmp_path: Path) -> None:
    db, target = str(tmp_path / "ledger.db"), str(tmp_path / "reports.db")
    _invoke("backfill", str(history), "--db", db, "--to", target, "--no-progress")
    before, checkpoint = _dump(target), _checkpoint(target)
    second = _invoke(
        "backfill", str(history), "--db", db, "--to", target, "--partitions", "3", "--no-progress"
    )
    assert " 0 stored" in second.output and " 0 rejected" in second.output
    assert _dump(target) == before
    assert _checkpoint(target) == checkpoint == _log_end(db)
    assert not [p for p in tmp_path.iterdir() if ".backfill-" in p.name]  # staging removed


def _failing_partition(failing: int, exc: BaseException) -> Any:
    """``build_partition`` whose task for partition ``failing`` raises ``exc``."""
    real = backfill_module.build_partition

    def build(options: Any, index: int) -> Any:
        if index == failing:
            raise exc
        return real(options, index)

    return build


def test_interrupted_replay_keeps_the_checkpoint_and_a_rerun_completes(
    history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, target, reference = (str(tmp_path / n) for n in ("ledger.db", "r.db", "ref.db"))
    real = backfill_module.build_partition
    monkeypatch.setattr(
        backfill_module, "build_partition", _failing_partition(2, RuntimeError("worker lost"))
    )
    result = CliRunner().invoke(
        main,
        ["backfill", str(history), "--db", db, "--to", target, "--partitions", "4"],
        env=KEY_ENV,
    )
    assert result.exit_code != 0
    assert _checkpoint(target) is None  # partitions 0 and 1 were written, the checkpoint not
    assert 0 < len(_dump(target)["persons"]) < PERSONS
    monkeypatch.setattr(backfill_module, "build_partition", real)
    _invoke("backfill", str(history), "--db", db, "--to", target, "--partitions", "4")
    _invoke("project", "--db", db, "--to", reference)
    assert _dump(target) == _dump(reference)
    assert _checkpoint(target) == _log_end(db)


def test_rejected_lines_are_reported_and_the_rest_projected(history: Path, tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    lines = (history / "2021-2023.jsonl").read_text(encoding="utf-8").splitlines()
    lines.insert(5, json.dumps({"event_id": "bad-1", "type": "paid", "date": "2024-01-01"}))
    (source / "part.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    db, target = str(tmp_path / "ledger.db"), str(tmp_path / "r.db")
    result = CliRunner().invoke(
        main, ["backfill", str(source), "--db", db, "--to", target], env=KEY_ENV
    )
    assert result.exit_code == 1, result.output
    assert "1 rejected" in result.output
    rejects = (source / "part.jsonl.rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(rejects) == 1 and json.loads(rejects[0])["line"] == 6
    assert _checkpoint(target) == _log_end(db)
    with open_ledger(db) as app:
        assert len(_dump(target)["persons"]) == len(list(app.person_ids())) > 0


@pytest.mark.postgres
def test_distributed_backfill_into_postgresql_equals_single_process(
    history: Path, tmp_path: Path, pg_target: Any
) -> None:
    db, reference = str(tmp_path / "ledger.db"), str(tmp_path / "ref.db")
    single, distributed = pg_target("one"), pg_target("two")
    _invoke("backfill", str(history), "--db", db, "--to", single, "--no-progress")
    _invoke(
        "backfill", str(history), "--db", db, "--to", distributed, "--workers", "2",
        "--partitions", "6", "--no-progress",
    )  # fmt: skip
    _invoke("project", "--db", db, "--to", reference)
    expected = _dump(reference)
    assert _dump(single) == expected
    assert _dump(distributed) == expected
    assert _checkpoint(distributed) == _log_end(db)
    assert "applied 0 events" in _invoke("project", "--db", db, "--to", distributed).output
    # Again into the same target: rows replaced, not added to.
    _invoke("backfill", str(history), "--db", db, "--to", distributed, "--no-progress")
    assert _dump(distributed) == expected


def test_backfill_on_an_existing_scheduler(history: Path, tmp_path: Path) -> None:
    from dask.distributed import LocalCluster

    db, single, remote = (str(tmp_path / n) for n in ("ledger.db", "one.db", "remote.db"))
    _invoke("backfill", str(history), "--db", db, "--to", single, "--no-progress")
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        result = _invoke(
            "backfill", str(history), "--db", db, "--to", remote, "--no-progress",
            "--scheduler", cluster.scheduler_address,
        )  # fmt: skip
    assert "16 partitions" in result.output  # the default on an existing cluster
    assert _dump(remote) == _dump(single)
    assert _checkpoint(remote) == _log_end(db)


def test_merging_a_stage_keeps_numbers_and_gives_new_ones_past_the_largest(
    tmp_path: Path,
) -> None:
    """A staged partition holding persons the SQLite target has (here the ones with the
    largest numbers) and new persons: the former keep their numbers, the latter get fresh
    ones, and every row is replaced."""
    from projections.reporting import migrate
    from projections.reporting.writer import PERSONS as PERSONS_TABLE
    from projections.reporting.writer import person_records, replace_persons

    def view(periods: int) -> dict[str, Any]:
        return {
            "years": [
                {
                    "year": 2025,
                    "enrolled": True,
                    "coverage": [
                        {"start": f"2025-0{m + 1}-01", "end": f"2025-0{m + 1}-20"}
                        for m in range(periods)
                    ],
                }
            ]
        }

    engine = make_engine(parse_target(str(tmp_path / "target.db")))
    with engine.begin() as conn:
        migrate.upgrade(conn)
        replace_persons(
            conn, [person_records(view(2), p * 64, events=1, position=1) for p in "abcd"]
        )
    with engine.connect() as conn:
        before = dict(
            conn.execute(select(PERSONS_TABLE.c.pseudonym, PERSONS_TABLE.c.person_key)).all()
        )
    stage = backfill_module._StageSink(str(tmp_path / "stage.db"))
    stage.write([person_records(view(1), p * 64, events=2, position=9) for p in "edcf"], [])
    stage.commit()
    backfill_module.merge_stage(engine, stage.path, replace=True)
    with engine.connect() as conn:
        after = dict(
            conn.execute(select(PERSONS_TABLE.c.pseudonym, PERSONS_TABLE.c.person_key)).all()
        )
    assert {p: after[p * 64] for p in "abcd"} == {p: before[p * 64] for p in "abcd"}
    assert len(set(after.values())) == 6 and min(after["e" * 64], after["f" * 64]) > max(
        before.values()
    )
    tables = dump(engine)
    periods = {row[0][0]: 0 for row in tables["persons"]}
    for row in tables["coverage_periods"]:
        periods[row[0][0]] += 1
    assert periods == {"a": 2, "b": 2, "c": 1, "d": 1, "e": 1, "f": 1}
    engine.dispose()


# ---------------------------------------------------------------- refused before loading


def _count(db: str) -> int:
    with open_ledger(db) as app:
        return app.count_events()


def test_a_refused_backfill_loads_nothing(ledger_db: str, tmp_path: Path) -> None:
    """Issue 12: the backfill loaded the files before checking the pseudonym key, so a refused
    run still stored events. Now every refusal comes before the first line is loaded: the
    key the target was built with, another key, a missing key for a remote target, a bad
    policies file, a target another projector is writing."""
    from projections.reporting.target import ProjectorLock
    from tests.support import PERSON, paid, registered, write_jsonl

    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    first = write_jsonl(tmp_path / "first" / "a.jsonl", [registered(PERSON, "r-1")])
    second = write_jsonl(tmp_path / "second" / "b.jsonl", [paid("p-1"), paid("p-bad", amount="x")])
    target = str(tmp_path / "reports.db")
    no_key = {"LEDGER_PSEUDONYM_KEY": None, "LEDGER_PSEUDONYM_KEY_FILE": None}
    built = CliRunner().invoke(
        main, ["backfill", str(first), "--db", ledger_db, "--to", target], env=KEY_ENV
    )
    assert built.exit_code == 0, built.output
    assert _count(ledger_db) == 1
    bad_policies = tmp_path / "policies.toml"
    bad_policies.write_text("not = [valid", encoding="utf-8")
    args = ["backfill", str(second), "--db", ledger_db]
    refusals = [
        (args + ["--to", target], no_key, "was built with a pseudonym key"),
        (args + ["--to", target], {"LEDGER_PSEUDONYM_KEY": "another-key-0123456789"}, "another"),
        (
            args + ["--to", "postgresql://postgres@example.invalid:5432/reports"],
            no_key,
            "is not on this machine",
        ),
        (args + ["--to", target, "--policies", str(bad_policies)], KEY_ENV, "policies.toml"),
    ]
    for command, env, message in refusals:
        result = CliRunner().invoke(main, command, env=env)
        assert result.exit_code != 0 and message in result.output, (command, result.output)
        assert _count(ledger_db) == 1, command  # nothing of the second file stored
        assert not (tmp_path / "second" / "b.jsonl.rejects.jsonl").exists()
        if "policies" not in message:  # a target built otherwise: a mistake, exit 2
            assert result.exit_code == 2, (command, result.output)
    # Seen: into a new store, a refusal of the key still created that store (empty).
    fresh = tmp_path / "fresh.db"
    wrong = {"LEDGER_PSEUDONYM_KEY": "another-key-0123456789"}
    result = CliRunner().invoke(
        main, ["backfill", str(second), "--db", str(fresh), "--to", target], env=wrong
    )
    assert result.exit_code == 2 and "another pseudonym key" in result.output
    assert not fresh.exists()

    lock = ProjectorLock(parse_target(target), make_engine(parse_target(target)))
    lock.acquire()
    try:
        busy = CliRunner().invoke(main, args + ["--to", target], env=KEY_ENV)
    finally:
        lock.release()
        lock.engine.dispose()
    assert busy.exit_code == 1 and "another projector is writing" in busy.output
    assert _count(ledger_db) == 1

    # Nothing refuses: loaded and projected.
    done = CliRunner().invoke(main, args + ["--to", target], env=KEY_ENV)
    assert done.exit_code == 1, done.output  # one line rejected
    assert _count(ledger_db) == 2 and _checkpoint(target) == _log_end(ledger_db)


def _quarantine(target: str) -> dict[str, str]:
    engine = make_engine(parse_target(target))
    try:
        with engine.connect() as conn:
            table = Quarantine.__table__
            return {p: r for p, r in conn.execute(select(table.c.pseudonym, table.c.reason))}
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_person_whose_fold_fails_is_quarantined_not_fatal(
    backend: str,
    history: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pg_target: Any,
) -> None:
    """One person's fold failing (a policy handler's bug on an odd history) stopped the whole
    backfill, partition after partition written for nothing. Such a person goes to the
    target's quarantine, as ``ledger project`` does it, the rest is written, the checkpoint
    moves; once fixed, the next ``ledger project`` releases them."""
    db = str(tmp_path / "ledger.db")
    target = str(tmp_path / "reports.db") if backend == "sqlite" else pg_target("fold")
    reference = str(tmp_path / "reference.db")
    first_lines = (history / "2021-2023.jsonl").read_text(encoding="utf-8").splitlines()
    persons = sorted({json.loads(line)["person_id"] for line in first_lines})
    broken = {persons[3], persons[-5]}
    real = backfill_module.project_person

    def failing(events: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("person_id") in broken:
            raise RuntimeError(f"handler bug for {kwargs['person_id']}")
        return real(events, *args, **kwargs)

    monkeypatch.setattr(backfill_module, "project_person", failing)
    result = _invoke(
        "backfill", str(history), "--db", db, "--to", target, "--partitions", "3", "--no-progress"
    )
    assert "2 persons quarantined" in result.output
    assert len(_dump(target)["persons"]) == PERSONS - 2
    assert _checkpoint(target) == _log_end(db)
    assert f"checkpoint: 0 -> {_log_end(db):,} " in result.output
    assert "in 3 partitions," in result.output
    # Only a SQLite target has partitions staged and copied in by the client.
    assert ("copying partitions" in result.output) == (backend == "sqlite")
    reasons = _quarantine(target)
    assert len(reasons) == 2
    assert all(
        r.startswith("fold failed: RuntimeError: handler bug for ") for r in reasons.values()
    )
    assert not any(p in r for p in broken for r in reasons.values())  # ID numbers masked
    status = _invoke("status", "--db", db, "--to", target, "--format", "json")
    assert json.loads(status.stdout)["target"]["quarantined"] == 2
    last_run = json.loads(status.stdout)["target"]["last_run"]  # the backfill, as project's
    assert (last_run["mode"], last_run["state"]) == ("backfill", "finished")
    assert (last_run["quarantined"], last_run["checkpoint"]) == (2, _log_end(db))
    table = _invoke("status", "--db", db, "--to", target)
    assert "backfill finished at" in table.stdout

    monkeypatch.setattr(backfill_module, "project_person", real)
    released = _invoke("project", "--db", db, "--to", target)
    assert "applied 0 events" in released.output
    assert _quarantine(target) == {}
    _invoke("project", "--db", db, "--to", reference)
    assert _dump(target) == _dump(reference)


def test_rows_the_target_cannot_hold_are_quarantined_not_fatal(
    history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_target: Any
) -> None:
    """A person whose rows a PostgreSQL column cannot hold (written straight into the target
    by the partition task) is quarantined with the server's reason; the partition's other
    persons are written."""
    db, target = str(tmp_path / "ledger.db"), pg_target("poison")
    first_lines = (history / "2021-2023.jsonl").read_text(encoding="utf-8").splitlines()
    too_long = sorted({json.loads(line)["person_id"] for line in first_lines})[7]
    real = backfill_module.project_person

    def poisoned(events: Any, *args: Any, **kwargs: Any) -> Any:
        view = real(events, *args, **kwargs)
        if kwargs.get("person_id") != too_long:
            return view
        record = view.to_dict()
        record["years"] = [dict(y) for y in record["years"]]
        record["years"][-1]["region"] = "6109021"  # varchar(6)
        return record

    monkeypatch.setattr(backfill_module, "project_person", poisoned)
    result = _invoke(
        "backfill", str(history), "--db", db, "--to", target, "--partitions", "1", "--no-progress"
    )
    assert "1 persons quarantined" in result.output and "in 1 partition," in result.output
    assert len(_dump(target)["persons"]) == PERSONS - 1
    [reason] = _quarantine(target).values()
    assert reason.startswith("write failed: ") and "value too long" in reason


def test_ctrl_c_during_the_replay_still_says_what_was_loaded(
    history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The load's summary was printed only when the whole backfill ended: a replay stopped
    with Ctrl-C said nothing of the files just loaded. The target's last run says stopped."""
    db, target = str(tmp_path / "ledger.db"), str(tmp_path / "r.db")
    monkeypatch.setattr(
        backfill_module, "build_partition", _failing_partition(1, KeyboardInterrupt())
    )
    result = CliRunner().invoke(
        main,
        ["backfill", str(history), "--db", db, "--to", target, "--partitions", "3"],
        env=KEY_ENV,
    )
    assert result.exit_code == 130
    assert "load: 2 file(s)" in result.output and "interrupted after" in result.output
    status = _invoke("status", "--db", db, "--to", target, "--format", "json")
    assert json.loads(status.stdout)["target"]["last_run"]["state"] == "stopped"


def test_a_store_failing_under_the_load_is_not_taken_for_rejected_lines(
    history: Path, tmp_path: Path
) -> None:
    """Exit status 1 says "lines rejected, the rest loaded and projected": a store that fails
    under the load (here a trigger refusing one event) stops the backfill with 2 and says
    that a second run completes it."""
    import sqlite3

    db, target = tmp_path / "ledger.db", str(tmp_path / "r.db")
    open_ledger(str(db)).close()
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON ledger_event_ids "
            "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )
    result = CliRunner().invoke(
        main, ["backfill", str(history), "--db", str(db), "--to", target], env=KEY_ENV
    )
    assert result.exit_code == 2, result.output
    assert "injected failure" in result.output and "run the same command again" in result.output
