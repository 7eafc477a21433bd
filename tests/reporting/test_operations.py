"""Operating a reporting target (issues 12 and 13): what built it (policy set), poison rows
(quarantine), the wider money columns, ``ledger status``, structured logs, explicit
upgrades, the lock file on every platform."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from ledger.application import LedgerApp
from ledger.cli import main
from ledger.events import MAX_AMOUNT, Event
from policies import builtin_registry
from projections.reporting.policyset import policy_set_of
from projections.reporting.projector import PolicySetMismatch, Projector
from projections.reporting.schema import Quarantine
from projections.reporting.target import make_engine, parse_target
from projections.reporting.writer import CONTRIBUTION_YEARS, PERSONS
from tests.support import PERSON, paid, registered

from .conftest import FOLD, ROOT, TEST_KEY, dump, generated_events
from .test_projector import _store_arg, catch_up, projector

KEY_ENV = {"LEDGER_PSEUDONYM_KEY": "operations-tests-key-0123456789"}
QUARANTINE = Quarantine.__table__


def cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), env=KEY_ENV)


BUILT_IN = builtin_registry().get("ankang-2025").revision
REVISED = BUILT_IN + 1


def revision_file(tmp_path: Path, revision: int = REVISED) -> Path:
    """A parameter file shipping ankang-2025 again as a new revision (docs/policies.md)."""
    base = builtin_registry().get("ankang-2025")
    version = {
        "id": base.id,
        "extends": base.id,
        "region": base.region,
        "coverage_year": base.coverage_year,
        "source": base.source,
        "revision": revision,
        "parameters": {},
    }
    path = tmp_path / f"ankang-2025-r{revision}.json"
    path.write_text(json.dumps({"versions": [version]}), encoding="utf-8")
    return path


def revisions(target: str, policy: str = "ankang-2025") -> dict[int, int]:
    engine = make_engine(parse_target(target))
    with engine.connect() as conn:
        rows = conn.execute(
            select(CONTRIBUTION_YEARS.c.policy_revision, func.count())
            .where(CONTRIBUTION_YEARS.c.policy == policy)
            .group_by(CONTRIBUTION_YEARS.c.policy_revision)
        ).all()
    engine.dispose()
    return {int(r): int(n) for r, n in rows}


# ---------------------------------------------------------------- policy set


def test_policy_revisions_never_mix_in_a_target(
    store: LedgerApp, make_db: Callable[[str], str], tmp_path: Path
) -> None:
    """Issue 13: after a rebuild under a parameter file, one new event and a plain
    ``ledger project`` put that person back on the built-in revision (r1 ×1 beside r2 ×8,624).
    Now the target records the set that built it and refuses another one."""
    events = generated_events(1500, seed=31)
    store.append(events[:1200])
    db, target = _store_arg(store), make_db("policyset")
    file = revision_file(tmp_path)
    assert cli("project", "--db", db, "--to", target).exit_code == 0
    assert set(revisions(target)) == {BUILT_IN}
    rebuilt = cli("project", "--db", db, "--to", target, "--rebuild", "--policies", str(file))
    assert rebuilt.exit_code == 0, rebuilt.output
    assert set(revisions(target)) == {REVISED}
    store.append(events[1200:])
    plain = cli("project", "--db", db, "--to", target)
    assert plain.exit_code == 2, plain.output
    assert "was built under policy set" in plain.stderr
    assert "they differ in ankang-2025" in plain.stderr and "--rebuild" in plain.stderr
    assert set(revisions(target)) == {REVISED}  # nothing written
    same = cli("project", "--db", db, "--to", target, "--policies", str(file))
    assert same.exit_code == 0, same.output
    assert "applied 300 events" in same.stdout
    assert set(revisions(target)) == {REVISED}
    # A rebuild of another version's persons cannot switch a set differing in ankang-2025 ...
    other = cli("project", "--db", db, "--to", target, "--rebuild", "--policy", "shaanxi-2024")
    assert other.exit_code == 2 and "they differ in ankang-2025" in other.stderr
    # ... one of ankang-2025's persons can: they are all the rows the difference touches.
    back = cli("project", "--db", db, "--to", target, "--rebuild", "--policy", "ankang-2025")
    assert back.exit_code == 0, back.output
    assert set(revisions(target)) == {BUILT_IN}
    status = json.loads(cli("status", "--db", db, "--to", target, "--format", "json").stdout)
    assert status["target"]["policy_set"]["versions"]["ankang-2025"]["revision"] == BUILT_IN
    assert status["target"]["policy_set"]["file"] is None


def test_an_interrupted_switch_must_be_completed(
    store: LedgerApp, make_db: Callable[[str], str], tmp_path: Path
) -> None:
    store.append(generated_events(600, seed=32))
    target = make_db("switch")
    registry = builtin_registry()
    file = revision_file(tmp_path)
    first = projector(store, target)
    first.policy_set = policy_set_of(registry, None)
    with first.open():
        first.catch_up()
    revised = registry.with_file(file)
    switching = projector(store, target)
    switching.policy_set = policy_set_of(revised, file)
    with switching.open():
        switching.begin_switch(None)  # as a rebuild does before its first batch; then stopped
    again = projector(store, target)
    again.policy_set = policy_set_of(registry, None)
    with again.open(), pytest.raises(PolicySetMismatch, match="was interrupted"):
        again.catch_up()
    status = cli("status", "--db", _store_arg(store), "--to", target)
    assert "rebuild that switches the policy set was interrupted" in status.stdout
    completing = projector(store, target)
    completing.policy_set = policy_set_of(revised, file)
    with completing.open():
        completing.rebuild()
        assert completing.catch_up().events == 0
    assert completing.pending_set is None


def test_the_policy_set_is_the_same_in_every_process() -> None:
    """Set parameters iterate in hash order: the identity must not depend on the seed."""
    code = (
        "from policies import builtin_registry\n"
        "from projections.reporting.policyset import policy_set_of\n"
        "print(policy_set_of(builtin_registry(), None).id)\n"
    )
    ids = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert len(ids) == 1 and ids == {policy_set_of(builtin_registry(), None).id}


# ---------------------------------------------------------------- quarantine


def poisoned(bad: set[str]) -> Callable[[Sequence[Event]], Mapping[str, Any]]:
    def fold(events: Sequence[Event]) -> Mapping[str, Any]:
        person_id = events[0].person_id
        if person_id in bad:
            raise RuntimeError(f"cannot fold {person_id}")
        return FOLD(events)

    return fold


def test_a_person_whose_fold_fails_is_quarantined_and_retried(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    store.append(generated_events(900, seed=33))
    person_ids = list(store.person_ids())
    bad = set(person_ids[3:5])
    target = make_db("quarantine")
    p = catch_up(store, target, fold=poisoned(bad), batch_size=100)
    assert p.position() == store.recorder.max_notification_id()  # the checkpoint moved on
    with p.engine.connect() as conn:
        rows = conn.execute(select(QUARANTINE)).mappings().all()
        written = set(conn.execute(select(PERSONS.c.pseudonym)).scalars())
    assert {r["pseudonym"] for r in rows} == {TEST_KEY.pseudonym(b) for b in bad}
    assert written == {TEST_KEY.pseudonym(i) for i in person_ids if i not in bad}
    for row in rows:
        assert row["reason"].startswith("fold failed: RuntimeError: cannot fold [id]")
        assert not any(b in row["reason"] for b in bad)  # no ID number stored
    status = cli("status", "--db", _store_arg(store), "--to", target, "--format", "json")
    quarantine = json.loads(status.stdout)["target"]
    assert quarantine["quarantined"] == 2 and "2 persons quarantined" in quarantine["problems"]
    # Fixed (the fold no longer fails): the next start retries and releases them.
    fixed = catch_up(store, target)
    with fixed.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(QUARANTINE)).scalar() == 0
    assert dump(fixed.engine) == dump(catch_up(store, make_db("clean")).engine)


@pytest.mark.postgres
def test_values_beyond_a_column_are_quarantined_not_fatal(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    """Issue 12.3: a value the column cannot hold stopped the PostgreSQL projector for good
    (the checkpoint never moved, the rest of the batch was never projected)."""
    target = make_db("poison")
    if not target.startswith("postgresql"):
        pytest.skip("SQLite stores any length and any NUMERIC")
    store.append(generated_events(600, seed=34))
    person_ids = list(store.person_ids())
    too_long, too_big = person_ids[1], person_ids[7]

    def fold(events: Sequence[Event]) -> Mapping[str, Any]:
        view = dict(FOLD(events))
        years = [dict(y) for y in view["years"]]
        if years and events[0].person_id == too_long:
            years[-1]["region"] = "6109021"  # varchar(6)
        if years and events[0].person_id == too_big:
            contribution = dict(years[-1].get("contribution") or {})
            contribution["paid"] = "1" + "0" * 19 + ".00"  # past NUMERIC(20,2)
            years[-1]["contribution"] = contribution
        view["years"] = years
        return view

    p = catch_up(store, target, fold=fold, batch_size=1000)
    assert p.position() == store.recorder.max_notification_id()
    with p.engine.connect() as conn:
        reasons = {
            k: v for k, v in conn.execute(select(QUARANTINE.c.pseudonym, QUARANTINE.c.reason))
        }
        written = conn.execute(select(func.count()).select_from(PERSONS)).scalar()
    assert "value too long" in reasons[TEST_KEY.pseudonym(too_long)]
    assert "numeric field overflow" in reasons[TEST_KEY.pseudonym(too_big)]
    assert written == len(person_ids) - 2


def test_the_largest_amount_and_its_yearly_sum_fit_the_target(
    make_db: Callable[[str], str], tmp_path: Path
) -> None:
    """Issue 12.3 as reported: "100000000000.00" imported fine and the PostgreSQL projector
    died on NUMERIC(12,2); a year's sum can overflow even when each amount fits. The import
    now refuses amounts above MAX_AMOUNT (bad_amount), and what it accepts fits every target
    exactly, a person-year's sum of many such amounts included (past NUMERIC(12,2), within
    the 15 digits a SQLite NUMERIC keeps exactly)."""
    db, target = make_db("amounts"), make_db("amounts_target")
    from tests.support import read_rejects, write_jsonl

    largest = format(MAX_AMOUNT, "f")
    other = "610924196508123425"
    many = 150  # 150 x 99,999,999.99 = 14,999,999,998.50: past NUMERIC(12,2)
    path = write_jsonl(
        tmp_path / "big.jsonl",
        [
            registered(PERSON, "r-1"),
            paid("p-1", amount=largest),
            paid("p-too-big", amount="100000000000.00", year=2026),
            registered(other, "r-2"),
            *(paid(f"p-2-{i}", person_id=other, amount=largest) for i in range(many)),
        ],
    )
    imported = cli("import", str(path), "--db", db)
    assert imported.exit_code == 1, imported.output
    assert [(r["line"], r["reason"]) for r in read_rejects(path)] == [(3, "bad_amount")]
    result = cli("project", "--db", db, "--to", target)
    assert result.exit_code == 0, result.output
    assert "quarantined" not in result.stdout
    engine = make_engine(parse_target(target))
    with engine.connect() as conn:
        paid_column = conn.execute(select(CONTRIBUTION_YEARS.c.paid)).scalars().all()
    engine.dispose()
    assert sorted(Decimal(str(v)) for v in paid_column) == [MAX_AMOUNT, MAX_AMOUNT * many]


# ---------------------------------------------------------------- status and logs


def test_status_reports_the_store_and_the_lag(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    events = generated_events(700, seed=35)
    store.append(events[:500])
    db, target = _store_arg(store), make_db("status")
    assert cli("project", "--db", db, "--to", target).exit_code == 0
    store.append(events[500:])
    result = cli("status", "--db", db, "--to", target, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    end = store.recorder.max_notification_id()
    assert report["store"]["events"] == 700 == store.count_events()
    assert report["store"]["persons"] == len(list(store.person_ids()))
    assert report["store"]["position"] == end
    assert report["store"]["backend"] in ("sqlite", "postgresql")
    assert report["store"]["last_stored_at"] is not None
    t = report["target"]
    assert t["lag_events"] == 200 and t["lag_seconds"] >= 0
    assert t["checkpoint"] < end and t["schema_revision"] == t["schema_head"] == "0003"
    assert t["source_matches"] is True and t["quarantined"] == 0
    assert t["last_run"]["state"] == "finished" and t["last_run"]["events"] == 500
    assert t["projector_running"] is False
    table = cli("status", "--db", db, "--to", target)
    assert "behind          200 events" in table.stdout


def test_project_logs_one_json_line_per_batch(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    store.append(generated_events(450, seed=36))
    db, target = _store_arg(store), make_db("logs")
    args = ("project", "--db", db, "--to", target, "--batch-size", "100", "--log-format", "json")
    result = cli(*args)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    batches = [line for line in lines if line["event"] == "batch"]
    assert len(batches) == 5 and sum(b["events"] for b in batches) == 450
    assert batches[-1]["behind"] == 0 and batches[-1]["checkpoint"] > batches[0]["checkpoint"]
    assert all({"time", "persons", "quarantined", "seconds"} <= set(b) for b in batches)
    assert not any(pid in result.stderr for pid in store.person_ids())


def test_project_upgrade_prints_the_plan_before_dropping_data(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    from projections.reporting import migrate
    from projections.reporting.target import ensure_schema

    store.append(generated_events(200, seed=37))
    db, target = _store_arg(store), make_db("upgrade")
    parsed = parse_target(target)
    engine = make_engine(parsed)
    ensure_schema(parsed, engine)
    with engine.begin() as conn:
        migrate.upgrade(conn, "0001")
    refused = cli("project", "--db", db, "--to", target)
    assert refused.exit_code == 2 and "ledger project --upgrade" in refused.stderr
    upgraded = cli("project", "--db", db, "--to", target, "--upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert upgraded.stderr.index("0002 (DROPS DATA)") < upgraded.stderr.index("0003 (additive)")
    assert "applied 200 events" in upgraded.stdout
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == "0003"
        assert conn.execute(text("SELECT COUNT(*) FROM persons")).scalar()
    engine.dispose()


def test_the_target_module_needs_no_fcntl() -> None:
    """Issue 13.6: fcntl was imported unconditionally (no Windows)."""
    code = "import sys; sys.modules['fcntl'] = None; import projections.reporting.target"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_a_replaced_lock_file_stops_the_writer(store: LedgerApp, tmp_path: Path) -> None:
    """The SQLite lock is a lock on a file: if the file is removed (and a second projector
    makes a new one), the first must not write beside it."""
    from projections.reporting.target import LockLost

    store.append(generated_events(300, seed=38))
    target = str(tmp_path / "r.db")
    p: Projector = projector(store, target)
    with p.open():
        p.lock.target.lock_path.unlink()
        with pytest.raises(LockLost, match="removed or replaced"):
            p.catch_up()
    assert catch_up(store, target).position() == store.recorder.max_notification_id()
