"""The reporting projector: follows the ledger's log into the reporting tables.

One batch = one transaction on the target::

    read up to batch_size notifications after the checkpoint (gaps in ids are not the end)
    → the persons they touch (minus those whose rows already hold these events)
    → each person's full history, folded into a person view
    → the person's rows replaced, and the checkpoint moved to the batch's last id

The checkpoint is written with eventsourcing's tracking contract (:mod:`.tracking`): in the
same transaction as the rows, refusing a position that is not newer. A crash anywhere loses
the whole batch or nothing, and a batch is never applied twice. A person's rows are always the
fold of their complete history as read at that moment (which may hold events past the
checkpoint: they are folded again, harmlessly, when their batch comes; the ``events`` column of
``persons`` lets later batches skip persons whose rows already include their events).

The fold is given, not imported: ``fold(events) -> view`` (the fold's ``PersonView``, or the
view dict of INTERCHANGE.md "Projections out"), e.g.
``lambda events: project_person(events, registry)``.

Operations (docs/reporting.md):

- **Quarantine.** A person whose fold fails, or whose rows the target cannot hold (a value
  beyond a column), never stops the projector: the batch is written without that person
  (each person in a savepoint once the batch's write failed), the person goes to
  ``reporting_quarantine`` with the reason, and the checkpoint moves on. Quarantined persons
  are retried at every start (:meth:`Projector.retry_quarantine`), by a rebuild, and whenever
  a new event of theirs arrives; a success releases them.
- **What built the target.** The target records the ledger it is fed from (``source_ledger``,
  the store's identity: another ledger is refused, :class:`SourceMismatch`) and, when the
  projector is given its :class:`~.policyset.PolicySet`, the policy set of its rows: a run
  with another set is refused (:class:`PolicySetMismatch`) unless it rebuilds the target.
- **The lock is checked before each commit** (:meth:`Projector.transaction`); when following,
  a lost connection (store or target) or a lost lock is retried with back-off: connections are
  made again, the lock taken again (or the follower stops when another projector took it).
- **Schema upgrades** that drop data are applied only with ``open(upgrade=True)``
  (:mod:`.migrate`).
"""

from __future__ import annotations

import gc
import json
import os
import re
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    PersistenceError,
    Tracking,
)
from sqlalchemy import Connection, Engine, Table, delete, func, select
from sqlalchemy import exc as sa_exc

from ledger.aggregate import resident_id
from ledger.events import Event
from ledger.store import read_ledger_id
from projections.person import PersonView
from projections.reporting import migrate
from projections.reporting.policyset import PolicySet
from projections.reporting.pseudonym import PseudonymKey, PseudonymKeyError, new_local_key
from projections.reporting.schema import Quarantine, ReportingMeta
from projections.reporting.source import History, LedgerSource
from projections.reporting.target import (
    LockLost,
    ProjectorLock,
    Target,
    check_target,
    ensure_schema,
    make_engine,
    reason,
)
from projections.reporting.tracking import dialect_insert, record_position, tracked_position
from projections.reporting.writer import (
    CONTRIBUTION_YEARS,
    PERSONS,
    ChangeReport,
    PersonRecords,
    diff_persons,
    person_records,
    read_persons,
    replace_persons,
    typed_rows,
)

Fold = Callable[[Sequence[Event]], Mapping[str, Any] | PersonView]
"""A person's events (arrival order) → the person view: the fold's :class:`PersonView`
(written without building its dict) or the JSON-ready dict."""

Log = Callable[[str, Mapping[str, Any]], None]
"""``log(event, fields)``: what the projector reports as it goes (``batch``, ``quarantined``,
``connection_lost``, ``lock_reacquired`` …); fields are JSON-ready and hold no person id."""

DEFAULT_BATCH_SIZE = 5000
_META: Table = ReportingMeta.__table__  # type: ignore[assignment]
_QUARANTINE: Table = Quarantine.__table__  # type: ignore[assignment]
_KEY_CHECK = "pseudonym_key_check"
_LOCAL_KEY = "local_pseudonym_key"
POLICY_SET = "policy_set"
POLICY_SET_PENDING = "policy_set_pending"
SOURCE_LEDGER = "source_ledger"
LAST_RUN = "last_run"
_VERSIONS_CACHE_LIMIT = 2_000_000
_BACKOFF_FIRST = 0.5
_BACKOFF_MAX = 30.0
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{14,17}[0-9Xx](?![0-9A-Za-z])")

POISON: tuple[type[BaseException], ...] = (
    psycopg.DataError,
    psycopg.IntegrityError,
    sqlite3.DataError,
    sqlite3.IntegrityError,
    sa_exc.DataError,
    sa_exc.IntegrityError,
    ValueError,
    OverflowError,
)
"""Errors of writing one person's rows that say the rows, not the target, are at fault (a
value beyond a column, a NOT NULL violation …): the person is quarantined."""

TRANSIENT: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
    LockLost,
)
"""Errors a follower outlives: connections lost (store or target), the lock lost."""


class TargetAhead(RuntimeError):
    """The target's checkpoint is past the end of the ledger (another ledger's target?)."""


class SourceMismatch(RuntimeError):
    """The target was built from another ledger."""


class PolicySetMismatch(RuntimeError):
    """The target's rows were built under another policy set than this run's."""


def masked(text: str) -> str:
    """``text`` without anything shaped like an ID number (reasons are stored and logged)."""
    return _ID_NUMBER.sub("[id]", text)


def is_source_error(exc: BaseException) -> bool:
    """Whether ``exc`` came from the ledger (the store), not from the target."""
    return isinstance(exc, PersistenceError)


@dataclass
class CatchUpReport:
    """What a catch-up applied."""

    start: int
    """Checkpoint before the run."""
    end: int
    """Checkpoint after the run."""
    events: int = 0
    """Notifications read."""
    batches: int = 0
    persons: int = 0
    """Person rewrites (a person rewritten in two batches counts twice)."""
    quarantined: int = 0
    """Persons that could not be written (see ``reporting_quarantine``)."""
    interrupted: bool = False

    def describe(self) -> str:
        text = (
            f"applied {self.events} events in {self.batches} batch"
            f"{'es' * (self.batches != 1)}, "
            f"{self.persons} person rewrites; checkpoint {self.start} -> {self.end}"
        )
        if self.quarantined:
            text += f"; {self.quarantined} persons quarantined (see ledger status)"
        return text + (" (stopped on request)" if self.interrupted else "")


@dataclass
class RebuildReport:
    """What a rebuild recomputed and changed."""

    policy: str | None
    changes: ChangeReport = field(default_factory=ChangeReport)
    quarantined: int = 0
    interrupted: bool = False

    def describe(self) -> list[str]:
        scope = f"persons with a year under {self.policy}" if self.policy else "every person"
        lines = [f"rebuild of {scope}:", *self.changes.describe()]
        if self.quarantined:
            lines.append(f"{self.quarantined} persons quarantined (see ledger status)")
        if self.interrupted:
            lines.append("stopped on request: run the rebuild again to complete it")
        return lines


def require_key(target: Target, key: PseudonymKey | None) -> None:
    """:class:`PseudonymKeyError` when ``target`` is not on this machine and no key is given
    (a local target may keep a random key of its own: docs/reporting.md)."""
    if key is None and not target.is_local:
        raise PseudonymKeyError(
            f"{target.display} is not on this machine: set LEDGER_PSEUDONYM_KEY (or give a "
            "key file) so that the reporting database gets keyed pseudonyms"
        )


def _key_for(
    target: Target, meta: Mapping[str, str], key: PseudonymKey | None
) -> PseudonymKey | None:
    """The pseudonym key to write ``target`` with, given its ``meta`` and the configured
    ``key``: that key, or the target's own local key; ``None`` when the target has neither
    (a new local key is then made). :class:`PseudonymKeyError` when the target was built
    with another key, or with a configured key and none is given."""
    if key is None:
        stored = meta.get(_LOCAL_KEY)
        if stored is not None:
            key = PseudonymKey(stored.encode("ascii"), "target")
        elif _KEY_CHECK in meta:
            raise PseudonymKeyError(
                f"{target.display} was built with a pseudonym key: set "
                "LEDGER_PSEUDONYM_KEY (or give the key file)"
            )
        else:
            return None
    if meta.get(_KEY_CHECK, key.check) != key.check:
        raise PseudonymKeyError(
            f"{target.display} was built with another pseudonym key; with this one "
            "every person would get a second pseudonym. Use the original key, or project "
            "into a new target"
        )
    return key


def check_key(target: Target, key: PseudonymKey | None) -> None:
    """The pseudonym key refusals of :meth:`Projector.open`, made before anything is created
    or loaded (``ledger backfill`` checks them before it opens the store): reads the target's
    settings, writes nothing. A target without reporting tables (new, or unreachable: opening
    it says why later) refuses nothing here."""
    if target.dialect == "sqlite" and (target.path is None or not target.path.is_file()):
        return
    engine = make_engine(target)
    try:
        with engine.connect() as conn:
            meta = {k: v for k, v in conn.execute(select(_META.c.key, _META.c.value))}
    except sa_exc.SQLAlchemyError:
        return  # no settings table yet (or no target): nothing to refuse here
    finally:
        engine.dispose()
    _key_for(target, meta, key)


class Projector:
    """Writes the reporting tables of one ledger into one target."""

    def __init__(
        self,
        app: Any,
        target: Target,
        fold: Fold,
        key: PseudonymKey | None,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        engine: Engine | None = None,
        warn: Callable[[str], None] | None = None,
        policy_set: PolicySet | None = None,
        log: Log | None = None,
    ) -> None:
        require_key(target, key)
        self.source = LedgerSource(app)
        self.target = target
        self.fold = fold
        self.key = key
        self.batch_size = batch_size
        self.engine = engine or make_engine(target)
        self.warn = warn or (lambda message: print(message, file=sys.stderr))
        self.policy_set = policy_set
        """The policy set of ``fold`` (``None``: not checked, not recorded)."""
        self.log: Log = log or (lambda event, fields: None)
        self.lock = ProjectorLock(target, self.engine)
        self.wait = False
        self.upgrade = False
        self.recorded_set: PolicySet | None = None
        self.pending_set: tuple[PolicySet, str | None] | None = None
        """A switch of policy set begun and not finished: (set, policy of a partial rebuild)."""
        self.quarantined: set[str] = set()
        self.ledger_id: str | None = None
        self._retried = False
        self._versions: dict[UUID, int] = {}
        """Persons whose rows hold their events up to this aggregate version."""

    # ------------------------------------------------------------ session

    def open(self, *, wait: bool = False, upgrade: bool = False) -> _Session:
        """Take the target's lock, migrate its schema (``upgrade``: also when the upgrade
        drops data) and settle the pseudonym key, the source ledger and the checkpoint."""
        return _Session(self, wait, upgrade)

    def _prepare(self) -> None:
        ensure_schema(self.target, self.engine)
        self.ledger_id = read_ledger_id(self.source.recorder)
        with self.engine.begin() as conn:
            steps = migrate.plan(conn)
            if steps.steps:
                if steps.drops_data and not self.upgrade:
                    raise migrate.UpgradeNeeded(steps, self.target.display)
                if steps.current is not None:  # an upgrade (a new target is just created)
                    for line in steps.describe():
                        self.warn(line)
                migrate.upgrade(conn)
            self.key = self._settle_key(conn)
            meta = self._meta(conn)
            self._settle_source(conn, meta)
            recorded = meta.get(POLICY_SET)
            self.recorded_set = PolicySet.from_json(recorded) if recorded else None
            pending = meta.get(POLICY_SET_PENDING)
            if pending:
                data = json.loads(pending)
                self.pending_set = (PolicySet.from_json(json.dumps(data["set"])), data["policy"])
            else:
                self.pending_set = None
            position = tracked_position(conn, self.source.application_name) or 0
            self.quarantined = set(conn.execute(select(_QUARANTINE.c.pseudonym)).scalars())
        end = self.source.max_position()
        if position > end:
            raise TargetAhead(
                f"{self.target.display} has applied the ledger up to position {position}, but "
                f"this ledger ends at {end}: was it built from another ledger?"
            )

    def _meta(self, conn: Connection) -> dict[str, str]:
        return {k: v for k, v in conn.execute(select(_META.c.key, _META.c.value))}

    def _settle_source(self, conn: Connection, meta: Mapping[str, str]) -> None:
        recorded = meta.get(SOURCE_LEDGER)
        if self.ledger_id is None:
            self.warn(
                "this ledger has no identity yet (open it once with a writer, e.g. ledger "
                f"import): cannot check that {self.target.display} was built from it"
            )
            return
        if recorded is None:
            self._set_meta(conn, SOURCE_LEDGER, self.ledger_id)
        elif recorded != self.ledger_id:
            raise SourceMismatch(
                f"{self.target.display} was built from ledger {recorded}, not from this one "
                f"({self.ledger_id}): projecting it here would mix two ledgers; project into "
                "a new target"
            )

    def _settle_key(self, conn: Connection) -> PseudonymKey:
        meta = {k: v for k, v in conn.execute(select(_META.c.key, _META.c.value))}
        key = _key_for(self.target, meta, self.key)
        if key is None:
            key = new_local_key()
            self._set_meta(conn, _LOCAL_KEY, key.secret.decode("ascii"))
            self.warn(
                "no LEDGER_PSEUDONYM_KEY: pseudonyms use a random key stored in the target "
                "(fine on this machine; see docs/reporting.md)"
            )
        self._set_meta(conn, _KEY_CHECK, key.check)
        return key

    def _set_meta(self, conn: Connection, key: str, value: str) -> None:
        stmt = dialect_insert(conn, _META).values(key=key, value=value)
        conn.execute(
            stmt.on_conflict_do_update(index_elements=[_META.c.key], set_={"value": value})
        )

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A transaction on the target that commits only if this projector still holds the
        target's lock when the block ends (:class:`LockLost` otherwise: rolled back)."""
        with self.engine.begin() as conn:
            yield conn
            self.lock.verify(conn)

    @contextmanager
    def run_recorded(self, mode: str) -> Iterator[str]:
        """The run noted in the target as running (``ledger status``: last run) for the
        block; Ctrl-C that ends it (``KeyboardInterrupt``) notes it stopped, at the checkpoint
        it reached, instead of leaving it "running" for good. The caller notes how it
        finished (:meth:`record_run`)."""
        self.record_run(mode=mode, state="running")
        try:
            yield mode
        except KeyboardInterrupt:
            with suppress(Exception):  # (the interruption is what is reported)
                self.record_run(mode=mode, state="stopped", checkpoint=self.position())
            raise

    def record_run(self, **fields: Any) -> None:
        """Note in the target what this run is doing or did (``ledger status``: last run)."""
        run = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "host": socket.gethostname(),
            "pid": os.getpid(),
            **fields,
        }
        with self.engine.begin() as conn:
            self._set_meta(conn, LAST_RUN, json.dumps(run, ensure_ascii=False))

    # ------------------------------------------------------------ policy set

    def check_policy_set(self, rebuild: str | bool = False) -> None:
        """Refuse (:class:`PolicySetMismatch`) to write under another policy set than the
        target's. ``rebuild``: ``True`` for a full rebuild (it may switch the set), a version
        id for a rebuild of that version's persons (it may switch a set that differs in that
        version only), ``False`` for catching up."""
        mine = self.policy_set
        if mine is None:
            return
        shown = self.target.display
        if self.pending_set is not None:
            pending, policy = self.pending_set
            if rebuild is True or (
                rebuild == policy and policy is not None and pending.same_as(mine)
            ):
                return
            scope = f"--rebuild --policy {policy}" if policy else "--rebuild"
            raise PolicySetMismatch(
                f"a rebuild of {shown} under policy set {pending.describe()} was interrupted: "
                f"its persons are under two sets. Run ledger project {scope} with that "
                "set's --policies to complete it"
            )
        recorded = self.recorded_set
        if recorded is None or recorded.same_as(mine) or rebuild is True:
            return
        differing = recorded.differing(mine)
        if isinstance(rebuild, str) and differing == [rebuild]:
            return
        raise PolicySetMismatch(
            f"{shown} was built under policy set {recorded.describe()}; this run's set is "
            f"{mine.describe()} (they differ in {', '.join(differing)}). Give the same "
            "--policies, or switch the target with ledger project --rebuild"
            + (f" (or --rebuild --policy {differing[0]})" if len(differing) == 1 else "")
        )

    def _adopt_policy_set(self) -> None:
        """A target without a recorded set takes this run's."""
        if self.policy_set is None or self.recorded_set is not None:
            return
        if self.pending_set is not None:
            return
        with self.transaction() as conn:
            persons = conn.execute(select(func.count()).select_from(PERSONS)).scalar_one()
            self._set_meta(conn, POLICY_SET, self.policy_set.to_json())
        if persons:
            self.warn(
                f"{self.target.display} had no recorded policy set: recorded this run's "
                f"({self.policy_set.describe()})"
            )
        self.recorded_set = self.policy_set

    def begin_switch(self, policy: str | None) -> None:
        """Mark the target as being switched to this run's policy set (a rebuild or backfill
        begins; cleared by :meth:`finish_switch`)."""
        if self.policy_set is None:
            return
        if (
            self.recorded_set is not None
            and self.recorded_set.same_as(self.policy_set)
            and self.pending_set is None
        ):
            return
        pending = {"set": self.policy_set.as_dict(), "policy": policy}
        with self.transaction() as conn:
            self._set_meta(conn, POLICY_SET_PENDING, json.dumps(pending, ensure_ascii=False))
        self.pending_set = (self.policy_set, policy)

    def finish_switch(self) -> None:
        """The rebuild is complete: the target's set is this run's."""
        if self.policy_set is None:
            return
        with self.transaction() as conn:
            self._set_meta(conn, POLICY_SET, self.policy_set.to_json())
            conn.execute(delete(_META).where(_META.c.key == POLICY_SET_PENDING))
        self.recorded_set = self.policy_set
        self.pending_set = None

    # ------------------------------------------------------------ incremental

    def position(self) -> int:
        """The checkpoint: the last notification id applied (0 before the first batch)."""
        with self.engine.connect() as conn:
            return tracked_position(conn, self.source.application_name) or 0

    def catch_up(
        self,
        stop: threading.Event | None = None,
        on_batch: Callable[[CatchUpReport], None] | None = None,
    ) -> CatchUpReport:
        """Apply the log from the checkpoint to its current end, batch by batch; returns early,
        between two transactions, when ``stop`` is set. ``on_batch`` gets each batch's
        report."""
        self.check_policy_set()
        self._adopt_policy_set()
        if not self._retried:
            self._retried = True
            self.retry_quarantine()
        start = self.position()
        report = CatchUpReport(start=start, end=start)
        with fewer_gc_passes():
            while not (stop is not None and stop.is_set()):
                began = time.perf_counter()
                applied = self._apply_batch(report.end)
                if applied is None:
                    break
                position, events, persons, quarantined = applied
                batch = CatchUpReport(
                    report.end, position, events, 1, persons, quarantined=quarantined
                )
                report.end = position
                report.events += events
                report.persons += persons
                report.quarantined += quarantined
                report.batches += 1
                # The batch is committed: it is logged and counted whatever happens next (how
                # far behind it is needs the store, whose connection may just have gone).
                try:
                    behind: int | None = max(0, self.source.max_position() - position)
                except TRANSIENT:
                    behind = None
                self.log(
                    "batch",
                    {
                        "events": events,
                        "persons": persons,
                        "quarantined": quarantined,
                        "checkpoint": position,
                        "behind": behind,
                        "seconds": round(time.perf_counter() - began, 3),
                    },
                )
                if on_batch is not None:
                    on_batch(batch)
        report.interrupted = stop is not None and stop.is_set()
        return report

    def follow(
        self,
        stop: threading.Event,
        interval: float = 1.0,
        on_batch: Callable[[CatchUpReport], None] | None = None,
    ) -> CatchUpReport:
        """Keep catching up, polling every ``interval`` seconds, until ``stop`` is set.

        A lost connection to the ledger or the target, or a lost lock, does not end it: the
        error is logged and the work retried (at once, then after 0.5 s doubling to 30 s) with
        new connections, the lock taken again first (:class:`TargetBusy` ends the follow if
        another projector took it meanwhile, unless the session waits). Other errors end it.
        The lock is also checked at every poll, so an idle follower notices a lost lock within
        ``interval``."""
        start = self.position()
        total = CatchUpReport(start=start, end=start)
        failures = 0

        def counted(batch: CatchUpReport) -> None:
            # Each committed batch counts at once: a catch-up that fails later (a connection
            # lost) has still applied it. And a batch gone through ends a run of failures.
            nonlocal failures
            failures = 0
            total.end = batch.end
            total.events += batch.events
            total.batches += batch.batches
            total.persons += batch.persons
            total.quarantined += batch.quarantined
            if on_batch is not None:
                on_batch(batch)

        reconnect = False
        while not stop.is_set():
            try:
                if reconnect:
                    self._reconnect()
                    reconnect = False
                report = self.catch_up(stop, counted)
                if not report.batches:
                    self.lock.verify()
                    stop.wait(interval)
                failures = 0
            except TRANSIENT as exc:
                # Try again at once, then after 0.5 s, 1 s, 2 s … 30 s.
                delay = min(_BACKOFF_FIRST * 2 ** (failures - 1), _BACKOFF_MAX) if failures else 0
                failures += 1
                reconnect = True
                self._lost(exc, delay)
                if delay and stop.wait(delay):
                    break
        total.interrupted = True
        return total

    def _lost(self, exc: BaseException, backoff: float) -> None:
        side = (
            "lock"
            if isinstance(exc, LockLost)
            else ("ledger" if is_source_error(exc) else "target")
        )
        self.log(
            "connection_lost" if side != "lock" else "lock_lost",
            {"side": side, "reason": masked(reason(exc))[:300], "retry_in": backoff},
        )

    def _reconnect(self) -> None:
        """New connections to the target, the store's pooled connections tested (dropped ones
        replaced); the lock taken again if it was lost."""
        self.engine.dispose()
        self.source.reconnect()
        try:
            self.lock.verify()
            return
        except TRANSIENT:
            pass
        self.lock.release()
        self.lock.acquire(wait=self.wait, on_wait=self.warn)
        self._versions.clear()
        self._prepare()
        self.log("lock_reacquired", {"checkpoint": self.position()})

    def _apply_batch(self, after: int) -> tuple[int, int, int, int] | None:
        entries = self.source.read_log(after, self.batch_size)
        if not entries:
            return None
        last = entries[-1].position
        latest: dict[UUID, int] = {}
        for entry in entries:
            latest[entry.originator_id] = max(
                latest.get(entry.originator_id, 0), entry.originator_version
            )
        stale = [o for o, version in latest.items() if self._versions.get(o, 0) < version]
        histories = self.source.histories(stale)
        records, failed = self._fold_all(histories.values())
        with self.transaction() as conn:
            failed += self._write(conn, records)
            self._settle_quarantine(conn, records, failed)
            record_position(conn, Tracking(self.source.application_name, last))
        self._after_commit(records, failed)
        self._remember(histories, failed)
        return last, len(entries), len(records) - len(failed), len(failed)

    # ------------------------------------------------------------ quarantine

    def _fold_all(self, histories: Iterable[History]) -> tuple[list[PersonRecords], list[Failure]]:
        """Each person's rows; the persons whose fold (or rows) failed, with the reason."""
        records: list[PersonRecords] = []
        failed: list[Failure] = []
        for history in histories:
            try:
                records.append(self._rows(history))
            except Exception as exc:  # noqa: BLE001 (one person's failure is quarantined)
                assert self.key is not None
                pseudonym = self.key.pseudonym(history.person_id)
                failed.append(Failure.of_fold(pseudonym, history.position, history.version, exc))
        return records, failed

    def _write(self, conn: Connection, records: Sequence[PersonRecords]) -> list[Failure]:
        return write_persons(conn, records)

    def _settle_quarantine(
        self, conn: Connection, records: Sequence[PersonRecords], failed: Sequence[Failure]
    ) -> None:
        """Release the persons written, quarantine (again) those that failed."""
        failed_names = {f.pseudonym for f in failed}
        released = [
            r.pseudonym
            for r in records
            if r.pseudonym in self.quarantined and r.pseudonym not in failed_names
        ]
        for i in range(0, len(released), 500):
            conn.execute(
                delete(_QUARANTINE).where(_QUARANTINE.c.pseudonym.in_(released[i : i + 500]))
            )
        _quarantine(conn, failed)

    def replace_quarantine(self, conn: Connection, failed: Sequence[Failure]) -> None:
        """After every person was written again (a backfill's replay): the quarantine holds
        exactly ``failed``, in the transaction of ``conn``."""
        conn.execute(delete(_QUARANTINE))
        _quarantine(conn, failed)
        self.quarantined = {f.pseudonym for f in failed}
        for failure in failed:
            self.log(
                "quarantined",
                {
                    "pseudonym": failure.pseudonym[:12],
                    "position": failure.position,
                    "reason": failure.reason[:300],
                },
            )

    def _after_commit(self, records: Sequence[PersonRecords], failed: Sequence[Failure]) -> None:
        failed_names = {f.pseudonym for f in failed}
        for record in records:
            if record.pseudonym not in failed_names:
                self.quarantined.discard(record.pseudonym)
        for failure in failed:
            self.quarantined.add(failure.pseudonym)
            self.log(
                "quarantined",
                {
                    "pseudonym": failure.pseudonym[:12],
                    "position": failure.position,
                    "reason": masked(failure.reason)[:300],
                },
            )

    def retry_quarantine(self) -> tuple[int, int]:
        """Fold and write the quarantined persons again (after a fix: a wider column, a
        corrected policy …); ``(released, still quarantined)``. The checkpoint does not move.
        The target holds no person id: each is found again by the log position of their
        latest event when they failed."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(_QUARANTINE.c.pseudonym, _QUARANTINE.c.position)).all()
        if not rows:
            return 0, 0
        originators: list[UUID] = []
        for _, position in rows:
            entries = self.source.read_log(position - 1, 1)
            if entries and entries[0].position == position:
                originators.append(entries[0].originator_id)
        histories = self.source.histories(originators)
        records, failed = self._fold_all(histories.values())
        with self.transaction() as conn:
            failed += self._write(conn, records)
            self._settle_quarantine(conn, records, failed)
        self._after_commit(records, failed)
        self._remember(histories, failed)
        failed_names = {f.pseudonym for f in failed}
        released = sum(1 for r in records if r.pseudonym not in failed_names)
        self.log("quarantine_retried", {"released": released, "still": len(self.quarantined)})
        return released, len(self.quarantined)

    def _rows(self, history: History) -> PersonRecords:
        assert self.key is not None, "open() the projector first"
        view = self.fold(history.events)
        return person_records(
            view,
            self.key.pseudonym(history.person_id),
            events=history.version,
            position=history.position,
        )

    def _remember(self, histories: Mapping[UUID, History], failed: Sequence[Failure] = ()) -> None:
        if len(self._versions) > _VERSIONS_CACHE_LIMIT:
            self._versions.clear()  # only an optimisation: a miss folds the person again
        failed_names = {f.pseudonym for f in failed}
        for originator_id, history in histories.items():
            if failed_names and self.key and self.key.pseudonym(history.person_id) in failed_names:
                continue
            self._versions[originator_id] = history.version

    # ------------------------------------------------------------ rebuild

    def rebuild(
        self,
        policy: str | None = None,
        stop: threading.Event | None = None,
        person_ids: Sequence[str] | None = None,
        on_chunk: Callable[[int], None] | None = None,
    ) -> RebuildReport:
        """Fold every person again (after a policy revision) and replace their rows, a batch of
        persons per transaction; report what changed.

        With ``policy``, only persons having a year under that version, before or after,
        are rewritten (all are folded: a new version can capture years that had none).
        A full rebuild (no ``policy``, no ``person_ids``) also moves the checkpoint to the end
        of the log as it was when the rebuild started, so one rebuild builds a new target.
        A rebuild may switch the target to this projector's policy set (a full one always, one
        of ``policy`` when the sets differ in that version only); the set is recorded when the
        rebuild completes. ``on_chunk`` gets the number of persons of each chunk folded (for
        a progress bar)."""
        full = policy is None and person_ids is None
        self.check_policy_set(True if full else (policy or False))
        switching = self.policy_set is not None and (
            self.pending_set is not None
            or self.recorded_set is None
            or not self.recorded_set.same_as(self.policy_set)
        )
        if switching:
            self.begin_switch(policy)
        report = RebuildReport(policy)
        end = self.source.max_position()
        ids = list(person_ids) if person_ids is not None else list(self.source.app.person_ids())
        under_policy: set[str] = set()
        if policy is not None:
            with self.engine.connect() as conn:
                under_policy = set(
                    conn.execute(
                        select(PERSONS.c.pseudonym).where(
                            PERSONS.c.person_key.in_(
                                select(CONTRIBUTION_YEARS.c.person_key).where(
                                    CONTRIBUTION_YEARS.c.policy == policy
                                )
                            )
                        )
                    ).scalars()
                )
        self._versions.clear()
        with fewer_gc_passes():
            self._rebuild_chunks(ids, policy, under_policy, report, stop, on_chunk)
        if report.interrupted:
            return report
        if full:
            with self.transaction() as conn:
                current = tracked_position(conn, self.source.application_name) or 0
                if end > current:
                    record_position(conn, Tracking(self.source.application_name, end))
        if switching and person_ids is None:
            self.finish_switch()
        return report

    def _rebuild_chunks(
        self,
        ids: Sequence[str],
        policy: str | None,
        under_policy: set[str],
        report: RebuildReport,
        stop: threading.Event | None,
        on_chunk: Callable[[int], None] | None = None,
    ) -> None:
        for chunk in _chunked(ids, self.batch_size):
            if stop is not None and stop.is_set():
                report.interrupted = True
                return
            histories = self.source.histories([resident_id(p) for p in chunk])
            records, failed = self._fold_all(histories.values())
            rows = [typed_rows(r) for r in records]
            if policy is not None:
                kept = [
                    i
                    for i, r in enumerate(rows)
                    if r.pseudonym in under_policy
                    or any(y["policy"] == policy for y in r.tables[CONTRIBUTION_YEARS.name])
                ]
                records = [records[i] for i in kept]
                rows = [rows[i] for i in kept]
            with self.transaction() as conn:
                old = read_persons(conn, [r.pseudonym for r in rows])
                failed += self._write(conn, records)
                self._settle_quarantine(conn, records, failed)
            failed_names = {f.pseudonym for f in failed}
            diff_persons(report.changes, old, [r for r in rows if r.pseudonym not in failed_names])
            report.quarantined += len(failed)
            self._after_commit(records, failed)
            self._remember(histories, failed)
            if on_chunk is not None:
                on_chunk(len(chunk))


@dataclass(frozen=True)
class Failure:
    """A person that could not be written, and why (a row of ``reporting_quarantine``)."""

    pseudonym: str
    position: int
    """The notification id of the person's latest event folded (finds the person again)."""
    events: int
    reason: str
    """Its ID numbers masked."""

    @classmethod
    def of_fold(cls, pseudonym: str, position: int, events: int, exc: Exception) -> Failure:
        """The failure of a person whose fold (or rows) raised ``exc``."""
        text = f"fold failed: {type(exc).__name__}: {' '.join(str(exc).split())}"
        return cls(pseudonym, position, events, masked(text))


def _quarantine(conn: Connection, failed: Sequence[Failure]) -> None:
    """Quarantine (again) the persons of ``failed``: one row each, ``attempts`` counted."""
    now = datetime.now(UTC)
    for failure in failed:
        stmt = dialect_insert(conn, _QUARANTINE).values(
            pseudonym=failure.pseudonym,
            position=failure.position,
            events=failure.events,
            reason=masked(failure.reason)[:2000],
            attempts=1,
            quarantined_at=now,
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[_QUARANTINE.c.pseudonym],
                set_={
                    "position": stmt.excluded.position,
                    "events": stmt.excluded.events,
                    "reason": stmt.excluded.reason,
                    "attempts": _QUARANTINE.c.attempts + 1,
                    "quarantined_at": stmt.excluded.quarantined_at,
                },
            )
        )


def write_persons(conn: Connection, records: Sequence[PersonRecords]) -> list[Failure]:
    """Replace the rows of ``records`` in the transaction of ``conn``: all at once, or, when
    that fails on the rows' values (:data:`POISON`), person by person, each in a savepoint;
    the persons that could not be written, with the reason."""
    if not records:
        return []
    try:
        with conn.begin_nested():
            replace_persons(conn, records)
        return []
    except POISON:
        pass
    failed: list[Failure] = []
    for record in records:
        try:
            with conn.begin_nested():
                replace_persons(conn, [record])
        except POISON as exc:
            head = record.tables[0][0]
            failed.append(
                Failure(
                    record.pseudonym,
                    int(head[-1]),
                    int(head[1]),
                    masked(f"write failed: {reason(exc)}"),
                )
            )
    return failed


class _Session:
    """``with projector.open(): …``: the target's lock is held inside the block."""

    def __init__(self, projector: Projector, wait: bool, upgrade: bool) -> None:
        self.projector = projector
        self.wait = wait
        self.upgrade = upgrade

    def __enter__(self) -> Projector:
        projector = self.projector
        projector.wait = self.wait
        projector.upgrade = self.upgrade
        check_target(projector.target, create=True)
        projector.lock.acquire(wait=self.wait, on_wait=projector.warn)
        try:
            projector._prepare()
        except BaseException:
            projector.lock.release()
            raise
        return projector

    def __exit__(self, *exc: Any) -> None:
        self.projector.lock.release()


@contextmanager
def fewer_gc_passes() -> Iterator[None]:
    """Run the cyclic garbage collector less often while catching up or rebuilding.

    A batch keeps tens of thousands of objects alive (events, views, rows) and makes almost
    no reference cycles; with the default thresholds the collector scanned them again and
    again (5-10% of catch-up's CPU time). Previous thresholds are restored."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], 50_000), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _chunked(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
