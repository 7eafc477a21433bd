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
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking
from sqlalchemy import Connection, Engine, select

from ledger.aggregate import resident_id
from ledger.events import Event
from projections.person import PersonView
from projections.reporting import migrate
from projections.reporting.pseudonym import PseudonymKey, PseudonymKeyError, new_local_key
from projections.reporting.schema import ReportingMeta
from projections.reporting.source import History, LedgerSource
from projections.reporting.target import Target, make_engine, projector_lock
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

DEFAULT_BATCH_SIZE = 5000
_META = ReportingMeta.__table__
_KEY_CHECK = "pseudonym_key_check"
_LOCAL_KEY = "local_pseudonym_key"
_VERSIONS_CACHE_LIMIT = 2_000_000


class TargetAhead(RuntimeError):
    """The target's checkpoint is past the end of the ledger (another ledger's target?)."""


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
    interrupted: bool = False

    def describe(self) -> str:
        text = (
            f"applied {self.events} events in {self.batches} batches, "
            f"{self.persons} person rewrites; checkpoint {self.start} -> {self.end}"
        )
        return text + (" (stopped on request)" if self.interrupted else "")


@dataclass
class RebuildReport:
    """What a rebuild recomputed and changed."""

    policy: str | None
    changes: ChangeReport = field(default_factory=ChangeReport)
    interrupted: bool = False

    def describe(self) -> list[str]:
        scope = f"persons with a year under {self.policy}" if self.policy else "every person"
        lines = [f"rebuild of {scope}:", *self.changes.describe()]
        if self.interrupted:
            lines.append("stopped on request: run the rebuild again to complete it")
        return lines


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
    ) -> None:
        if key is None and not target.is_local:
            raise PseudonymKeyError(
                f"{target.display} is not on this machine: set LEDGER_PSEUDONYM_KEY (or give a "
                "key file) so that the reporting database gets keyed pseudonyms"
            )
        self.source = LedgerSource(app)
        self.target = target
        self.fold = fold
        self.key = key
        self.batch_size = batch_size
        self.engine = engine or make_engine(target)
        self.warn = warn or (lambda message: print(message, file=sys.stderr))
        self._versions: dict[UUID, int] = {}
        """Persons whose rows hold their events up to this aggregate version."""

    # ------------------------------------------------------------ session

    def open(self, *, wait: bool = False) -> _Session:
        """Take the target's lock, migrate its schema and settle the pseudonym key."""
        return _Session(self, wait)

    def _prepare(self) -> None:
        with self.engine.begin() as conn:
            migrate.upgrade(conn)
            self.key = self._settle_key(conn)
            position = tracked_position(conn, self.source.application_name) or 0
        end = self.source.max_position()
        if position > end:
            raise TargetAhead(
                f"{self.target.display} has applied the ledger up to position {position}, but "
                f"this ledger ends at {end}: was it built from another ledger?"
            )

    def _settle_key(self, conn: Connection) -> PseudonymKey:
        meta = dict(conn.execute(select(_META.c.key, _META.c.value)).all())
        key = self.key
        if key is None:
            stored = meta.get(_LOCAL_KEY)
            if stored is not None:
                key = PseudonymKey(stored.encode("ascii"), "target")
            elif _KEY_CHECK in meta:
                raise PseudonymKeyError(
                    f"{self.target.display} was built with a pseudonym key: set "
                    "LEDGER_PSEUDONYM_KEY (or give the key file)"
                )
            else:
                key = new_local_key()
                self._set_meta(conn, _LOCAL_KEY, key.secret.decode("ascii"))
                self.warn(
                    "no LEDGER_PSEUDONYM_KEY: pseudonyms use a random key stored in the target "
                    "(fine on this machine; see docs/reporting.md)"
                )
        if meta.get(_KEY_CHECK, key.check) != key.check:
            raise PseudonymKeyError(
                f"{self.target.display} was built with another pseudonym key; with this one "
                "every person would get a second pseudonym. Use the original key, or project "
                "into a new target"
            )
        self._set_meta(conn, _KEY_CHECK, key.check)
        return key

    def _set_meta(self, conn: Connection, key: str, value: str) -> None:
        stmt = dialect_insert(conn, _META).values(key=key, value=value)
        conn.execute(
            stmt.on_conflict_do_update(index_elements=[_META.c.key], set_={"value": value})
        )

    # ------------------------------------------------------------ incremental

    def position(self) -> int:
        """The checkpoint: the last notification id applied (0 before the first batch)."""
        with self.engine.connect() as conn:
            return tracked_position(conn, self.source.application_name) or 0

    def catch_up(self, stop: threading.Event | None = None) -> CatchUpReport:
        """Apply the log from the checkpoint to its current end, batch by batch; returns early,
        between two transactions, when ``stop`` is set."""
        start = self.position()
        report = CatchUpReport(start=start, end=start)
        with fewer_gc_passes():
            while not (stop is not None and stop.is_set()):
                applied = self._apply_batch(report.end)
                if applied is None:
                    break
                position, events, persons = applied
                report.end = position
                report.events += events
                report.persons += persons
                report.batches += 1
        report.interrupted = stop is not None and stop.is_set()
        return report

    def follow(
        self,
        stop: threading.Event,
        interval: float = 1.0,
        on_batch: Callable[[CatchUpReport], None] | None = None,
    ) -> CatchUpReport:
        """Keep catching up, polling every ``interval`` seconds, until ``stop`` is set."""
        start = self.position()
        total = CatchUpReport(start=start, end=start)
        while not stop.is_set():
            report = self.catch_up(stop)
            if report.batches:
                total.end = report.end
                total.events += report.events
                total.batches += report.batches
                total.persons += report.persons
                if on_batch is not None:
                    on_batch(report)
            else:
                stop.wait(interval)
        total.interrupted = True
        return total

    def _apply_batch(self, after: int) -> tuple[int, int, int] | None:
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
        rows = [self._rows(history) for history in histories.values()]
        with self.engine.begin() as conn:
            replace_persons(conn, rows)
            record_position(conn, Tracking(self.source.application_name, last))
        self._remember(histories)
        return last, len(entries), len(rows)

    def _rows(self, history: History) -> PersonRecords:
        assert self.key is not None, "open() the projector first"
        view = self.fold(history.events)
        return person_records(
            view,
            self.key.pseudonym(history.person_id),
            events=history.version,
            position=history.position,
        )

    def _remember(self, histories: Mapping[UUID, History]) -> None:
        if len(self._versions) > _VERSIONS_CACHE_LIMIT:
            self._versions.clear()  # only an optimisation: a miss folds the person again
        for originator_id, history in histories.items():
            self._versions[originator_id] = history.version

    # ------------------------------------------------------------ rebuild

    def rebuild(
        self,
        policy: str | None = None,
        stop: threading.Event | None = None,
        person_ids: Sequence[str] | None = None,
    ) -> RebuildReport:
        """Fold every person again (after a policy revision) and replace their rows, a batch of
        persons per transaction; report what changed.

        With ``policy``, only persons having a year under that version, before or after,
        are rewritten (all are folded: a new version can capture years that had none).
        A full rebuild (no ``policy``, no ``person_ids``) also moves the checkpoint to the end
        of the log as it was when the rebuild started, so one rebuild builds a new target."""
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
            self._rebuild_chunks(ids, policy, under_policy, report, stop)
        if report.interrupted:
            return report
        if policy is None and person_ids is None:
            with self.engine.begin() as conn:
                current = tracked_position(conn, self.source.application_name) or 0
                if end > current:
                    record_position(conn, Tracking(self.source.application_name, end))
        return report

    def _rebuild_chunks(
        self,
        ids: Sequence[str],
        policy: str | None,
        under_policy: set[str],
        report: RebuildReport,
        stop: threading.Event | None,
    ) -> None:
        for chunk in _chunked(ids, self.batch_size):
            if stop is not None and stop.is_set():
                report.interrupted = True
                return
            histories = self.source.histories([resident_id(p) for p in chunk])
            records = [self._rows(h) for h in histories.values()]
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
            with self.engine.begin() as conn:
                diff_persons(report.changes, read_persons(conn, [r.pseudonym for r in rows]), rows)
                replace_persons(conn, records)
            self._remember(histories)


class _Session:
    """``with projector.open(): …``: the target's lock is held inside the block."""

    def __init__(self, projector: Projector, wait: bool) -> None:
        self.projector = projector
        self.wait = wait
        self._lock: Any = None

    def __enter__(self) -> Projector:
        self._lock = projector_lock(self.projector.target, self.projector.engine, wait=self.wait)
        self._lock.__enter__()
        try:
            self.projector._prepare()
        except BaseException:
            self._lock.__exit__(*sys.exc_info())
            raise
        return self.projector

    def __exit__(self, *exc: Any) -> None:
        self._lock.__exit__(*exc)


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
