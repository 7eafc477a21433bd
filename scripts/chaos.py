#!/usr/bin/env python3
"""Chaos scenarios of issue 12 ("Hardening"), run for real against PostgreSQL, bounded in time.

Each scenario starts real processes (``ledger`` commands or small Python workers), does what
an operator or an outage does, and prints what was expected and what was observed::

    scenario                           expected                      observed               ok
    startup-fresh-database             12 of 12 opens succeed        12 of 12 succeed       yes
    …

Scenarios (docs/reporting.md, "Operations"):

- ``startup-fresh-database``: N processes open a new store at the same instant (before: some
  failed on ``pg_type_typname_nsp_index``, concurrent CREATE TYPE / CREATE TABLE);
- ``startup-existing-importers``: N importers start at once on an existing store (before:
  ``tuple concurrently updated``, every open ran DDL);
- ``project-wait-new-schema``: projectors with ``--wait`` start at once on a target schema
  that does not exist yet (before: CREATE SCHEMA raced);
- ``read-only-role``: a role with SELECT only replays and asks for the status (before:
  "permission denied for schema");
- ``poison-amount``: amounts the ledger accepted and a target column cannot hold (before: the
  projector died for good, the checkpoint never moved);
- ``lock-lost``: the follower's lock connection is terminated (before: it kept writing
  without its lock and a second projector started beside it);
- ``connections-dropped``: the follower's store and target connections are terminated
  (before: the follower died, blaming the target);
- ``two-ledgers``: ledger B projected into ledger A's target (before: exit 0, A's persons
  kept, B's first events skipped).

Usage: scripts/chaos.py [--pg URL] [--only NAME …] [--processes N] [--timeout SECONDS]
Exit status 1 when a scenario does not behave as expected. The tests run the same scenarios
(tests/test_chaos.py).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg.sql import SQL, Identifier  # noqa: E402

PG_URL = os.environ.get("LEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
KEY = "chaos-pseudonym-key-0123456789abcdef"
PROCESSES = 12


@dataclass
class Outcome:
    name: str
    expected: str
    observed: str
    ok: bool
    seconds: float = 0.0


class Chaos:
    """Runs scenarios in a scratch directory and scratch schemas (dropped afterwards)."""

    def __init__(self, pg_url: str = PG_URL, processes: int = PROCESSES, timeout: float = 90):
        self.pg_url = pg_url
        self.processes = processes
        self.timeout = timeout
        self.workdir = Path(tempfile.mkdtemp(prefix="ledger-chaos-"))
        self.schemas: list[str] = []
        self.roles: list[str] = []
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        env["LEDGER_PSEUDONYM_KEY"] = KEY
        env.pop("LEDGER_DB", None)
        self.env = env
        self.ledger = [sys.executable, "-c", "from ledger.cli import main; main()"]

    # ------------------------------------------------------------ plumbing

    def schema(self, name: str) -> str:
        schema = f"chaos_{name}_{uuid4().hex[:8]}"
        self.schemas.append(schema)
        return schema

    def db(self, schema: str, **params: str) -> str:
        extra = "".join(f"&{k}={v}" for k, v in params.items())
        return f"{self.pg_url}?schema={schema}{extra}"

    def close(self) -> None:
        with psycopg.connect(self.pg_url, autocommit=True) as conn:
            conn.execute("SET lock_timeout = '20s'")
            for schema in self.schemas:
                conn.execute(SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(Identifier(schema)))
            for role in self.roles:
                conn.execute(SQL("DROP ROLE IF EXISTS {0}").format(Identifier(role)))
        shutil.rmtree(self.workdir, ignore_errors=True)

    def run(self, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.ledger, *args],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=timeout or self.timeout,
        )

    def events_file(self, name: str, persons: int, start: int = 0, **amounts: str) -> Path:
        """A synthetic population's events (``ledger synth``), numbered from ``start``."""
        from ledger.synth import generate, to_line

        path = self.workdir / f"{name}.jsonl"
        with open(path, "w", encoding="utf-8") as out:
            for record in generate(persons, (2023, 2025), 7, start=start):
                out.write(to_line(record))
        return path

    def together(self, commands: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
        """Start every command, let them all import, then release them at one instant: each
        waits for a go file before running (``_barrier``). Returns each one's result."""
        go = self.workdir / f"go-{uuid4().hex[:6]}"
        procs = []
        for i, command in enumerate(commands):
            ready = self.workdir / f"{go.name}-ready-{i}"
            code = _BARRIER.format(ready=str(ready), go=str(go), argv=command)
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", code],
                    env=self.env,
                    cwd=self.workdir,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        deadline = time.monotonic() + self.timeout
        for i in range(len(commands)):
            while not (self.workdir / f"{go.name}-ready-{i}").exists():
                if time.monotonic() > deadline:
                    break
                time.sleep(0.02)
        go.touch()
        results = []
        for proc, command in zip(procs, commands, strict=True):
            try:
                out, err = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
                err += "\n(timed out)"
            results.append(subprocess.CompletedProcess(command, proc.returncode, out, err))
        return results

    def checkpoint(self, target_schema: str) -> int:
        with psycopg.connect(self.pg_url) as conn:
            try:
                row = conn.execute(
                    SQL("SELECT notification_id FROM {0}.projection_tracking").format(
                        Identifier(target_schema)
                    )
                ).fetchone()
            except psycopg.Error:
                return 0
        return int(row[0]) if row else 0

    def store_end(self, store_schema: str) -> int:
        with psycopg.connect(self.pg_url) as conn:
            row = conn.execute(
                SQL("SELECT COALESCE(MAX(notification_id), 0) FROM {0}.ledger_events").format(
                    Identifier(store_schema)
                )
            ).fetchone()
        return int(row[0]) if row else 0

    def count(self, schema: str, table: str) -> int:
        with psycopg.connect(self.pg_url) as conn:
            row = conn.execute(
                SQL("SELECT COUNT(*) FROM {0}.{1}").format(Identifier(schema), Identifier(table))
            ).fetchone()
        return int(row[0]) if row else 0

    def terminate(self, query: str, params: tuple[Any, ...]) -> int:
        """``pg_terminate_backend`` of the backends ``query`` selects (by pid); how many."""
        with psycopg.connect(self.pg_url, autocommit=True) as conn:
            pids = [r[0] for r in conn.execute(query, params).fetchall()]
            for pid in pids:
                conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        return len(pids)

    def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float | None = None,
        follower: _Follower | None = None,
    ) -> bool:
        """Poll ``predicate`` until true (``False`` after the timeout, or at once when the
        ``follower`` is gone)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            if predicate():
                return True
            if follower is not None and follower.proc.poll() is not None:
                return predicate()
            time.sleep(0.1)
        return False

    @contextmanager
    def follower(self, store: str, target: str) -> Iterator[_Follower]:
        proc = subprocess.Popen(
            [
                *self.ledger,
                "project",
                "--follow",
                "--interval",
                "0.2",
                "--log-format",
                "json",
                "--db",
                store,
                "--to",
                target,
            ],
            env=self.env,
            cwd=self.workdir,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        follower = _Follower(proc)
        try:
            yield follower
        finally:
            follower.stop()

    # ------------------------------------------------------------ scenarios

    def startup_fresh_database(self) -> Outcome:
        schema = self.schema("fresh")
        n = self.processes
        results = self.together([["open", self.db(schema)] for _ in range(n)])
        ok = sum(r.returncode == 0 for r in results)
        errors = _first_errors(results)
        return Outcome(
            "startup-fresh-database",
            f"{n} of {n} opens succeed",
            f"{ok} of {n} succeed" + errors,
            ok == n,
        )

    def startup_existing_importers(self) -> Outcome:
        schema = self.schema("importers")
        db = self.db(schema)
        first = self.run("import", str(self.events_file("base", 20)), "--db", db)
        if first.returncode != 0:
            return Outcome("startup-existing-importers", "-", first.stderr.strip(), False)
        n = self.processes
        files = [self.events_file(f"part{i}", 5, start=1000 * (i + 1)) for i in range(n)]
        stored_before = self.count(schema, "ledger_event_ids")
        expected_events = stored_before + sum(_lines(f) for f in files)
        results = self.together([["import", str(f), "--db", db] for f in files])
        ok = sum(r.returncode == 0 for r in results)
        stored = self.count(schema, "ledger_event_ids")
        return Outcome(
            "startup-existing-importers",
            f"{n} of {n} importers succeed, {expected_events} events stored",
            f"{ok} of {n} succeed, {stored} events stored" + _first_errors(results),
            ok == n and stored == expected_events,
        )

    def project_wait_new_schema(self) -> Outcome:
        # The store is a SQLite file: only the target's schema creation can race here.
        store = str(self.workdir / "pw.db")
        self.run("import", str(self.events_file("pw", 40)), "--db", store)
        target_schema = self.schema("ptarget")
        target = self.db(target_schema)
        n = max(2, self.processes // 2)
        results = self.together([["project", store, target] for _ in range(n)])
        ok = sum(r.returncode == 0 for r in results)
        end = _lines(self.workdir / "pw.jsonl")
        at = self.checkpoint(target_schema)
        return Outcome(
            "project-wait-new-schema",
            f"{n} of {n} projectors succeed, checkpoint {end}",
            f"{ok} of {n} succeed, checkpoint {at}" + _first_errors(results),
            ok == n and at == end,
        )

    def read_only_role(self) -> Outcome:
        schema = self.schema("ro")
        store = self.db(schema)
        self.run("import", str(self.events_file("ro", 10)), "--db", store)
        role = f"chaos_reader_{uuid4().hex[:8]}"
        self.roles.append(role)
        with psycopg.connect(self.pg_url, autocommit=True) as conn:
            conn.execute(SQL("CREATE ROLE {0} LOGIN").format(Identifier(role)))
            conn.execute(
                SQL("GRANT USAGE ON SCHEMA {0} TO {1}").format(*map(Identifier, (schema, role)))
            )
            conn.execute(
                SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {0} TO {1}").format(
                    Identifier(schema), Identifier(role)
                )
            )
        host = self.pg_url.split("@", 1)[1]
        reader = f"postgresql://{role}@{host}?schema={schema}"
        replay = self.run("replay", "--db", reader, "--format", "json")
        status = self.run("status", "--db", reader, "--format", "json")
        views = len(json.loads(replay.stdout)) if replay.returncode == 0 else 0
        persons = json.loads(status.stdout)["store"]["persons"] if status.returncode == 0 else 0
        with psycopg.connect(self.pg_url, autocommit=True) as conn:
            conn.execute(SQL("DROP OWNED BY {0}").format(Identifier(role)))
        return Outcome(
            "read-only-role",
            "replay 10 views, status 10 persons (exit 0, 0)",
            f"replay {views} views, status {persons} persons (exit {replay.returncode}, "
            f"{status.returncode})" + _first_errors([replay, status]),
            replay.returncode == 0 and status.returncode == 0 and views == 10 and persons == 10,
        )

    def poison_amount(self) -> Outcome:
        store_schema, target_schema = self.schema("poison"), self.schema("poison_t")
        store, target = self.db(store_schema), self.db(target_schema)
        path = self.workdir / "amounts.jsonl"
        person_a, person_b = "610902197003051215", "610924196508123425"
        lines = [
            _registered(person_a, "a-r"),
            _paid(person_a, "a-p", "100000000000.00"),  # 1e11: beyond the old NUMERIC(12,2)
            _registered(person_b, "b-r"),
            _paid(person_b, "b-p", "1000000000000000000.00"),  # 1e18: beyond NUMERIC(20,2)
        ]
        path.write_text("".join(json.dumps(line) + "\n" for line in lines))
        self.run("import", str(self.events_file("poison_pop", 30)), "--db", store)
        imported = self.run("import", str(path), "--db", store)
        # The import may refuse an amount this large (input limits): then nothing needs
        # quarantining and the scenario checks the rest.
        counted = re.search(r"(\d+) rejected", imported.stdout)
        big_stored = imported.returncode == 0 and counted is not None and counted.group(1) == "0"
        result = self.run("project", "--db", store, "--to", target)
        end, at = self.store_end(store_schema), self.checkpoint(target_schema)
        quarantined = self.count(target_schema, "reporting_quarantine") if at else -1
        persons = self.count(target_schema, "persons") if at else -1
        stored_persons = self.count(store_schema, "ledger_residents")
        want_q = 1 if big_stored else 0
        return Outcome(
            "poison-amount",
            f"exit 0, checkpoint {end}, {stored_persons - want_q} persons written, "
            f"{want_q} quarantined",
            f"exit {result.returncode}, checkpoint {at}, {persons} persons written, "
            f"{quarantined} quarantined" + _first_errors([result]),
            result.returncode == 0
            and at == end
            and quarantined == want_q
            and persons == stored_persons - want_q,
        )

    def lock_lost(self) -> Outcome:
        store_schema, target_schema = self.schema("lock"), self.schema("lock_t")
        store, target = self.db(store_schema), self.db(target_schema)
        self.run("import", str(self.events_file("lock1", 30)), "--db", store)
        with self.follower(store, target) as follower:
            caught_up = self.wait_for(
                lambda: self.checkpoint(target_schema) == self.store_end(store_schema) > 0,
                follower=follower,
            )
            key = _lock_key(target_schema)
            killed = self.terminate(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 1",
                ((key & 0xFFFF_FFFF_FFFF_FFFF) >> 32, key & 0xFFFF_FFFF),
            )
            retaken = self.wait_for(
                lambda: follower.saw("lock_reacquired"), timeout=30, follower=follower
            )
            second = self.run("project", "--db", store, "--to", target)
            self.run("import", str(self.events_file("lock2", 10, start=5000)), "--db", store)
            applied = self.wait_for(
                lambda: self.checkpoint(target_schema) == self.store_end(store_schema),
                follower=follower,
            )
            alive = follower.proc.poll() is None
        refused = second.returncode == 1 and "another projector is writing" in second.stderr
        return Outcome(
            "lock-lost",
            "1 lock backend terminated; follower retakes the lock, a second projector is "
            "refused, new events applied",
            f"{killed} terminated; retaken {_yn(retaken)}, second refused {_yn(refused)} "
            f"(exit {second.returncode}), new events applied {_yn(applied)}, follower alive "
            f"{_yn(alive)}",
            caught_up and killed == 1 and retaken and refused and applied and alive,
        )

    def connections_dropped(self) -> Outcome:
        store_schema, target_schema = self.schema("drop"), self.schema("drop_t")
        name = f"chaos_{uuid4().hex[:6]}"
        store = self.db(store_schema, application_name=f"{name}_store")
        target = self.db(target_schema, application_name=f"{name}_target")
        self.run("import", str(self.events_file("drop1", 30)), "--db", self.db(store_schema))
        with self.follower(store, target) as follower:
            caught_up = self.wait_for(
                lambda: self.checkpoint(target_schema) == self.store_end(store_schema) > 0,
                follower=follower,
            )
            dropped = self.terminate(
                "SELECT pid FROM pg_stat_activity WHERE application_name IN (%s, %s)",
                (f"{name}_store", f"{name}_target"),
            )
            more = self.events_file("drop2", 10, start=7000)
            self.run("import", str(more), "--db", self.db(store_schema))
            applied = self.wait_for(
                lambda: self.checkpoint(target_schema) == self.store_end(store_schema),
                follower=follower,
            )
            alive = follower.proc.poll() is None
            code = follower.stop()
        return Outcome(
            "connections-dropped",
            "store and target connections terminated; follower applies new events, exits 0",
            f"{dropped} connections terminated; new events applied {_yn(applied)}, follower "
            f"alive {_yn(alive)}, exit {code}" + (f": {follower.last_error()}" if code else ""),
            caught_up and dropped >= 2 and applied and alive and code == 0,
        )

    def two_ledgers(self) -> Outcome:
        a, b, t = self.schema("ledger_a"), self.schema("ledger_b"), self.schema("ab_t")
        self.run("import", str(self.events_file("a", 10)), "--db", self.db(a))
        self.run("import", str(self.events_file("b", 40, start=9000)), "--db", self.db(b))
        first = self.run("project", "--db", self.db(a), "--to", self.db(t))
        persons = self.count(t, "persons")
        second = self.run("project", "--db", self.db(b), "--to", self.db(t))
        after = self.count(t, "persons")
        refused = second.returncode == 2 and "built from ledger" in second.stderr
        return Outcome(
            "two-ledgers",
            f"ledger B refused (exit 2), target keeps A's {persons} persons",
            f"exit {second.returncode}, target holds {after} persons",
            first.returncode == 0 and refused and after == persons,
        )

    SCENARIOS: tuple[str, ...] = (
        "startup_fresh_database",
        "startup_existing_importers",
        "project_wait_new_schema",
        "read_only_role",
        "poison_amount",
        "lock_lost",
        "connections_dropped",
        "two_ledgers",
    )

    def scenario(self, name: str) -> Outcome:
        began = time.monotonic()
        try:
            outcome: Outcome = getattr(self, name)()
        except Exception as exc:  # noqa: BLE001 (a scenario that breaks is reported, not raised)
            outcome = Outcome(name.replace("_", "-"), "-", f"{type(exc).__name__}: {exc}", False)
        outcome.seconds = time.monotonic() - began
        return outcome


class _Follower:
    """A ``ledger project --follow --log-format json`` process and the lines it logged."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.code: int | None = None

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def events(self) -> list[dict[str, Any]]:
        out = []
        for line in list(self.lines):
            if line.startswith("{"):
                with suppress(ValueError):
                    out.append(json.loads(line))
        return out

    def saw(self, event: str) -> bool:
        return any(e.get("event") == event for e in self.events())

    def last_error(self) -> str:
        errors = [line.strip() for line in self.lines if line.startswith("Error")]
        return errors[-1] if errors else ""

    def stop(self) -> int:
        if self.code is None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self._reader.join(timeout=5)
            self.code = self.proc.returncode
        return self.code


_BARRIER = """
import os, sys, time
argv = {argv!r}
if argv[0] == "open":
    from ledger.application import open_ledger
elif argv[0] == "project":
    # The library calls of ledger project --wait, everything loaded and the store open
    # before the start signal: the projectors reach the target within milliseconds.
    from ledger.application import open_ledger
    from ledger.cli.project import policy_fold
    from projections.reporting.projector import Projector
    from projections.reporting.pseudonym import configured_key
    from projections.reporting.target import parse_target
    from sqlalchemy import create_engine, text
    app = open_ledger(argv[1])
    fold, key, target = policy_fold(None), configured_key(None), parse_target(argv[2])
    warm = create_engine(target.url)  # the dialect loaded and initialised before the signal
    with warm.connect() as conn:
        conn.execute(text("SELECT 1"))
    warm.dispose()
else:
    import importlib
    from ledger.cli import COMMANDS, main
    name = argv[1] if argv[0] == "ledger" else argv[0]
    importlib.import_module(COMMANDS[name][0].partition(":")[0])  # before the start signal
open({ready!r}, "w").close()
while not os.path.exists({go!r}):
    time.sleep(0.002)
if argv[0] == "open":
    try:
        open_ledger(argv[1]).close()
    except Exception as exc:
        print(type(exc).__name__, " ".join(str(exc).split()), file=sys.stderr)
        sys.exit(1)
    sys.exit(0)
if argv[0] == "project":
    try:
        projector = Projector(app, target, fold, key)
        with projector.open(wait=True):
            print(projector.catch_up().describe())
    except Exception as exc:
        print(type(exc).__name__, " ".join(str(exc).split()), file=sys.stderr)
        sys.exit(1)
    sys.exit(0)
sys.argv = argv if argv[0] == "ledger" else ["ledger", *argv]
main()
"""


def _lock_key(schema: str) -> int:
    from projections.reporting.target import Target

    return Target(url="", dialect="postgresql", schema=schema).lock_key


def _registered(person_id: str, event_id: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "person_id": person_id,
        "type": "registered",
        "date": "2018-01-01",
        "region": person_id[:6],
        "birth_date": f"{person_id[6:10]}-{person_id[10:12]}-{person_id[12:14]}",
    }


def _paid(person_id: str, event_id: str, amount: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "person_id": person_id,
        "type": "paid",
        "date": "2024-10-10",
        "coverage_year": 2025,
        "amount": amount,
    }


def _lines(path: Path) -> int:
    with open(path, encoding="utf-8") as f:
        return sum(1 for _ in f)


def _first_errors(results: list[subprocess.CompletedProcess[str]]) -> str:
    failed = [r for r in results if r.returncode != 0]
    if not failed:
        return ""
    text = " ".join(failed[0].stderr.strip().splitlines()[-1:])[:160]
    return f" (first failure: {text})"


def _yn(flag: bool) -> str:
    return "yes" if flag else "no"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default=PG_URL, help="PostgreSQL URL (scratch schemas go there)")
    parser.add_argument("--only", nargs="*", default=None, help="scenario names to run")
    parser.add_argument("--processes", type=int, default=PROCESSES)
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds per wait")
    args = parser.parse_args(argv)
    chaos = Chaos(args.pg, args.processes, args.timeout)
    names = [n.replace("-", "_") for n in args.only] if args.only else list(Chaos.SCENARIOS)
    outcomes = []
    began = time.monotonic()
    try:
        for name in names:
            outcome = chaos.scenario(name)
            outcomes.append(outcome)
            print(
                f"{outcome.name:28} {'ok' if outcome.ok else 'FAILED':6} {outcome.seconds:5.1f} s\n"
                f"    expected: {outcome.expected}\n    observed: {outcome.observed}",
                flush=True,
            )
    finally:
        chaos.close()
    failed = [o.name for o in outcomes if not o.ok]
    print(
        f"{len(outcomes) - len(failed)} of {len(outcomes)} scenarios as expected in "
        f"{time.monotonic() - began:.1f} s" + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
