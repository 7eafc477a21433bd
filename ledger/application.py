"""The ledger application: stores contract events in Resident aggregates and reads them back.

Public API (used by ``projections/`` and the CLI)::

    with open_ledger("ledger.db") as app:           # or "postgresql://user@host:5432/db"
        outcomes = app.append(events)              # idempotent, in any order, atomic
        plan = app.decide(events)                  # what append would do, nothing written;
        outcomes = app.write(plan)                 # ... then written (a bulk import decides
                                                   # the next batch while this one is written)
        app.events_of("610902198001011230")        # a person's events, in arrival order
        for person_id in app.person_ids(): ...     # every person, sorted
        for position, event in app.read_log(1, 1000): ...   # the whole log, in arrival order

Following the log (for reporting feeds): :meth:`LedgerApp.read_log` returns
``(notification_id, event)`` pairs in the order the events were stored. ``event.person_id``
names the person; ``event.event_id`` is the contract id. Ids increase but may have gaps (on
PostgreSQL a rolled-back write consumes ids): a follower remembers the last id it processed and
asks for ``read_log(last + 1, limit)``; an empty answer means "nothing new yet", never a gap.

Every event returned has ``stored_at`` set (the ledger's own clock: the commit time of the write
that stored it) and ``recorded_at`` set: the source's value, or else ``stored_at``.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Literal, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import TZINFO
from eventsourcing.persistence import JSONTranscoder, Recording

from ledger import sqlite_writer
from ledger.aggregate import DateAsISO, Resident, resident_id
from ledger.events import (
    Event,
    EventBase,
    EventKey,
    canonical_json,
    fingerprint_of,
    trusted_event,
)
from ledger.mapper import MAPPER_TOPIC, LedgerMapper, general_row_encoder
from ledger.store import (
    DEFAULT_DB,
    EventRow,
    IndexRow,
    LedgerRecorder,
    OriginatorKey,
    StateRow,
    WriteRows,
    is_write_conflict,
    prepared_store,
)
from ledger.transcoder import TRANSCODER_TOPIC

Status = Literal["stored", "present", "rejected"]


@dataclass(frozen=True)
class Outcome:
    """What :meth:`LedgerApp.append` did with one event."""

    status: Status
    reason: str | None = None
    """For ``rejected``: the reject reason (``conflict``: the one rule of the store itself)."""
    message: str | None = None

    @property
    def stored(self) -> bool:
        return self.status == "stored"


STORED = Outcome("stored")
PRESENT = Outcome("present")

EventRowEncoder = Callable[[OriginatorKey, int, str], EventRow]


@dataclass(frozen=True)
class StoredFact:
    """One event as the ledger holds it."""

    position: int
    """Arrival order within the person (1 for the registering event)."""
    stored_at: datetime
    event: Event


_UNKNOWN: Any = object()
"""A store position nobody knows (another writer wrote in between)."""


@dataclass(eq=False)
class WritePlan:
    """A batch of events decided but not yet written (:meth:`LedgerApp.decide`): what
    happens to each event, and the rows that store those to be stored."""

    outcomes: list[Outcome]
    """One per event, in order: ``stored`` once the plan is written, ``present``, or a
    ``conflict``."""
    event_rows: list[EventRow]
    """The rows of the events to be stored (:data:`ledger.store.EventRow`)."""
    index: list[IndexRow]
    """The idempotency index rows of the events to be stored."""
    states: list[StateRow]
    """The state of every resident the plan advances that the store held when the plan was
    decided, as the plan leaves them."""
    new_states: list[StateRow]
    """The state of every resident the plan advances that the store did not hold (the
    resident's first events): written as new rows, not upserted."""
    residents: dict[str, Resident]
    """Every resident the plan read or advanced, as it leaves them (by person id)."""
    accepted: dict[str, str]
    """The fingerprint of every event id the plan stores."""
    after: WritePlan | None
    """The plan not yet written that this one was decided on (``None`` once this one is
    written)."""
    position: int | None
    """The store's highest notification id when the plan was decided (without ``after``)."""
    generation: int
    written: bool = False
    last_id: int | None = None
    """Once written: the highest notification id it wrote."""
    cache_current: bool = False
    """Once written: whether nothing else was stored between the plan's decision and its
    write, so the residents it leaves are the store's."""


class LedgerWriteConflict(RuntimeError):
    """Another writer kept changing the same persons; the batch could not be stored."""


class LedgerApp(Application[UUID]):
    """Event-sourced ledger of residents (参保人), one :class:`Resident` aggregate each."""

    name = "Ledger"
    env: ClassVar[dict[str, str]] = {
        "MAPPER_TOPIC": MAPPER_TOPIC,
        "TRANSCODER_TOPIC": TRANSCODER_TOPIC,
    }
    """The library's settings the ledger brings: its mapper (:mod:`ledger.mapper`) and its
    transcoder (:mod:`ledger.transcoder`)."""
    write_attempts = 10
    """How often a batch is decided and written again when a concurrent writer stored the
    same persons or event ids first, or the database chose it as a deadlock's or
    serialisation failure's victim (with a short random pause, growing, between tries)."""
    resident_cache_size = 100_000
    """How many residents' states (person id, version) :meth:`append` keeps in memory between
    calls (least recently used dropped first). They are used only while nothing else was stored
    since this application's last write (checked once per call by the highest notification
    id), so the store stays the truth; a failed write forgets them all."""
    owns_its_persons = False
    """Set by a loader that is the only writer of the persons it appends (a parallel import's
    loaders split the input by person): the cached states are then kept even while other
    loaders store events. Safe whoever else writes: a state that turns out stale makes the
    write fail on the events' primary key, and the batch is decided again on fresh states."""

    def __init__(self, env: Any = None) -> None:
        super().__init__(env)
        self._residents: OrderedDict[str, Resident] = OrderedDict()
        self._cached_at: int | None = None
        self._generation = 0
        """Bumped whenever the cache is forgotten: a plan decided before does not fill it."""

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    @property
    def store_works_apart(self) -> bool:
        """Whether the store does its work in a process of its own (PostgreSQL), so that a
        bulk import gains by reading the next batch while one is written."""
        return getattr(self.recorder, "backend", None) == "postgresql"

    @property
    def writer_process_settings(self) -> dict[str, str] | None:
        """The persistence settings a process of its own needs to write this ledger's bulk
        imports (:mod:`ledger.sqlite_writer`): a SQLite file's; ``None`` for PostgreSQL,
        whose server does the writing apart already, for an in-memory database, which no
        other process can open, and on a system without POSIX pipes."""
        recorder = self.recorder
        if not sqlite_writer.SUPPORTED or getattr(recorder, "backend", None) != "sqlite":
            return None
        if recorder.datastore.pool.is_sqlite_memory_mode:  # type: ignore[attr-defined]
            return None
        return {name: str(value) for name, value in self.env.items()}

    @property
    def ledger_recorder(self) -> LedgerRecorder:
        recorder = self.recorder
        if not isinstance(recorder, LedgerRecorder):
            raise TypeError(
                f"the ledger needs its own recorder, got {type(recorder).__name__}: "
                "open it with open_ledger()"
            )
        return recorder

    # ------------------------------------------------------------ writing

    def append(
        self,
        events: Sequence[EventBase | EventKey],
        *,
        canonical: Sequence[str | None] | None = None,
        stored_at: datetime | None = None,
    ) -> list[Outcome]:
        """Store validated events in arrival order; one :class:`Outcome` per event.

        Idempotent by ``event_id``: an id already stored with the same content is ``present``;
        with other content it is rejected as a ``conflict``. Nothing else is rejected: any
        event may be a person's first, whatever the person's other events say (POLICY.md
        ``I-order``; the fold judges). Everything stored by one call is written in one
        transaction, events, idempotency index and resident states together.

        ``canonical`` may give, per event, its :func:`~ledger.events.canonical_json` text when
        the caller already has it (the importer's fast path), ``None`` where it has not. An
        event given by its :class:`~ledger.events.EventKey` alone (the importer's fast path
        again) needs its text given.

        Every event stored by the call gets one ``stored_at`` (the stored domain events'
        timestamp): the time of the write, or ``stored_at`` when given (``replay --events``
        stamps the replay's start time); aware."""
        for attempt in range(1, self.write_attempts + 1):
            try:
                return self.write(self.decide(events, canonical=canonical, stored_at=stored_at))
            except Exception as exc:
                # A concurrent writer stored one of these persons or event ids first (or the
                # database broke a deadlock or a serialisation failure by aborting this
                # write): nothing of it is stored; reload the states and decide again.
                if not is_write_conflict(exc):
                    raise
                if attempt == self.write_attempts:
                    raise LedgerWriteConflict(
                        f"could not store a batch of {len(events)} events after "
                        f"{attempt} attempts: {exc}"
                    ) from exc
                time.sleep(random.uniform(0, 0.01 * 2**attempt))  # noqa: S311 (jitter)
        raise AssertionError("unreachable")  # pragma: no cover

    def decide(
        self,
        events: Sequence[EventBase | EventKey],
        *,
        canonical: Sequence[str | None] | None = None,
        stored_at: datetime | None = None,
        after: WritePlan | None = None,
        assume_new: bool = False,
    ) -> WritePlan:
        """Decide what :meth:`append` would do with ``events`` — each one stored, present or
        a conflict, and the rows that store them — without writing anything; :meth:`write`
        writes the plan. ``append(events)`` is ``write(decide(events))``, tried again on a
        write conflict.

        ``after``: a plan not written yet that this one follows, itself perhaps decided after
        another not yet written, and so on. The events are decided as if that chain were
        stored (every event id of it known, each resident as the latest plan of it that read
        or advanced them leaves them), so that a bulk import decides the next batch while the
        database writes those before; the plan may be written only once ``after`` is written
        (:meth:`write` refuses it otherwise), and is dropped if the write of any plan of the
        chain fails. Deciding changes nothing shared: a plan never
        written leaves the application as it was.

        ``assume_new``: decide without asking the store which of the event ids it holds, as
        if it held none (a bulk import whose batches so far were all new: the read costs a
        probe of the index per event, and the write probes it again). The idempotency
        index's primary key still refuses an id the store holds: :meth:`write` fails as on a
        write conflict (:func:`ledger.store.is_write_conflict`), storing nothing, and the
        caller decides again, reading (as :meth:`append` does, which never assumes). Ids of
        ``after`` and of the events before in ``events`` are known all the same."""
        if stored_at is not None and stored_at.utcoffset() is None:
            raise ValueError("stored_at must be timezone-aware")
        # Each event's canonical text, fingerprint, id and person id, in one pass over the
        # events (a batch's events are far more than the processor's caches hold: every pass
        # reads them from memory again).
        texts: list[str] = []
        fingerprints: list[str] = []
        ids: list[str] = []
        person_ids: list[str] = []
        add_text, add_fingerprint = texts.append, fingerprints.append
        add_id, add_person = ids.append, person_ids.append
        if canonical is None:
            canonical = [None] * len(events)
        for event, text in zip(events, canonical, strict=True):
            if text is None:
                if not isinstance(event, EventBase):
                    raise TypeError("an EventKey is stored by its canonical text: give it")
                text = canonical_json(event)
            add_text(text)
            add_fingerprint(fingerprint_of(text))
            add_id(event.event_id)
            add_person(event.person_id)
        event_ids = set(ids)
        # The chain before the store: a plan written meanwhile is in one or the other (a
        # plan leaves the chain once its write committed).
        unwritten = _unwritten(after)
        known = {} if assume_new else self.ledger_recorder.select_fingerprints(list(event_ids))
        if unwritten:
            for plan in unwritten:  # (each id is accepted by one plan of a chain at most)
                overlay = plan.accepted
                known.update((i, overlay[i]) for i in event_ids & overlay.keys())
            position = None
        else:
            position = None if self.owns_its_persons else self._check_cache()
        # Every person with an event not stored yet (one event id may come under several
        # persons in a batch: the first stands, but every one of them needs its state).
        # The aggregate ids of the persons the store has no state for (those of their events
        # become version 1): made once each, here, and taken again below.
        new_ids: dict[str, UUID] = {}
        residents = self._residents_of(
            {p for p, i in zip(person_ids, ids, strict=True) if i not in known},
            [plan.residents for plan in unwritten],
            new_ids,
        )
        outcomes: list[Outcome] = []
        event_rows: list[EventRow] = []
        # Per person with events stored by this plan: [aggregate id, version of the last,
        # the resident before the plan or None, the aggregate id in the recorder's key form].
        touched: dict[str, list[Any]] = {}
        index: list[IndexRow] = []
        accepted: dict[str, str] = {}
        # One timestamp per write (stored_at): the events of a call are stored by one
        # transaction. (Resident.Event.create_timestamp() is datetime.now(tz=TZINFO).)
        timestamp = stored_at if stored_at is not None else datetime.now(tz=TZINFO)
        encode = self.event_row_encoder(timestamp)
        key_of = self.ledger_recorder.originator_key
        add_outcome, add_event, add_index = outcomes.append, event_rows.append, index.append
        for event, event_id, person_id, text, fp in zip(
            events, ids, person_ids, texts, fingerprints, strict=True
        ):
            # ``known`` also collects this batch's own ids as they are accepted.
            prior = known.get(event_id)
            if prior is not None:
                add_outcome(PRESENT if prior == fp else _conflict(event))
                continue
            # What Resident.begin/record plus save() would do, without building a domain
            # event object per event (most of the cost at this volume): the person's next
            # version, and the stored event encoded exactly as the library's mapper encodes
            # that domain event (tests/test_bulk_encoding.py). Any event may be a person's
            # first (I-order).
            slot = touched.get(person_id)
            if slot is None:
                before = residents.get(person_id)
                if before is None:
                    originator_id = new_ids.get(person_id)
                    if originator_id is None:  # (every such person is in new_ids)
                        originator_id = resident_id(person_id)
                    slot = [originator_id, 1, None, key_of(originator_id)]
                else:
                    slot = [before.id, before.version + 1, before, key_of(before.id)]
                touched[person_id] = slot
            else:
                slot[1] += 1
            _, version, _, key = slot
            add_event(encode(key, version, text))
            add_index((event_id, fp, key, version))
            known[event_id] = accepted[event_id] = fp
            add_outcome(STORED)
        # The residents as the plan leaves them: new objects, the plan's own (those read
        # from the cache or from ``after`` are left as they were).
        advanced: dict[str, Resident] = {}
        states: list[StateRow] = []
        new_states: list[StateRow] = []
        for person_id, (originator_id, version, before, _) in touched.items():
            resident = advanced[person_id] = Resident.at(
                originator_id,
                person_id,
                version,
                before.created_on if before is not None else timestamp,
                timestamp,
            )
            (states if before is not None else new_states).append(self._state_row(resident))
        residents.update(advanced)
        return WritePlan(
            outcomes=outcomes,
            event_rows=event_rows,
            index=index,
            states=states,
            new_states=new_states,
            residents=residents,
            accepted=accepted,
            after=after,
            position=position,
            generation=self._generation,
        )

    def write(
        self,
        plan: WritePlan,
        insert_rows: Callable[[WriteRows], Sequence[int]] | None = None,
    ) -> list[Outcome]:
        """Write a plan of :meth:`decide` — events, idempotency index and resident states in
        one transaction — and return its outcomes. A plan is written once; one decided
        ``after`` another only once that one is written.

        ``insert_rows``: what writes the rows, in place of the recorder's own
        :meth:`~ledger.store.LedgerRecorder.insert_rows` (a bulk import into SQLite has a
        process of its own do it: :mod:`ledger.sqlite_writer`)."""
        if plan.written:
            raise ValueError("this plan is already written")
        if plan.after is not None and not plan.after.written:
            raise ValueError(
                "this plan follows one that is not written: decide it again once that one is"
            )
        if not plan.event_rows:  # nothing to write: the store is as ``after`` left it
            plan.written = True
            if plan.after is not None:
                plan.last_id, plan.cache_current = plan.after.last_id, plan.after.cache_current
                plan.after = None
            else:
                plan.last_id, plan.cache_current = plan.position, True
            return plan.outcomes
        try:
            # Events, idempotency index and resident states in one transaction. (No snapshots
            # and no _notify: the ledger configures no snapshotting and has no in-process
            # followers; readers follow the log with read_log.)
            notification_ids = (insert_rows or self.ledger_recorder.insert_rows)(
                WriteRows(plan.event_rows, plan.index, plan.states, plan.new_states)
            )
        except BaseException:
            # Nothing of it is stored; the cache may be behind the store: forget it.
            self.forget_residents()
            raise
        plan.written = True
        ids = sorted(notification_ids or ())
        plan.last_id = ids[-1] if ids else None
        cache = self._residents
        if plan.after is not None:
            # Decided on the states ``after`` left: current if that write followed the store.
            position = plan.after.last_id if plan.after.cache_current else _UNKNOWN
            plan.after = None  # (no chain of written plans is kept alive)
        else:
            position = plan.position
        plan.event_rows, plan.index, plan.states, plan.new_states = [], [], [], []  # written
        plan.cache_current = self.owns_its_persons or (
            bool(ids) and position is not _UNKNOWN and ids[0] == (position or 0) + 1
        )
        if plan.generation != self._generation:
            return plan.outcomes  # the cache was forgotten since the plan was decided
        if not plan.cache_current:  # someone else stored events just before: it may be behind
            self.forget_residents()
            return plan.outcomes
        self._cached_at = plan.last_id
        for person_id, resident in plan.residents.items():
            cache[person_id] = resident
            cache.move_to_end(person_id)
        while len(cache) > self.resident_cache_size:
            cache.popitem(last=False)
        return plan.outcomes

    def _check_cache(self) -> int | None:
        """The store's highest notification id; the cached residents are forgotten unless it
        is the one they were cached at (nothing stored since by anyone else)."""
        position: int | None = self.recorder.max_notification_id()
        if position != self._cached_at:
            self.forget_residents()
            self._cached_at = position
        return position

    def _residents_of(
        self,
        person_ids: set[str],
        pending: Sequence[dict[str, Resident]],
        new_ids: dict[str, UUID] | None = None,
    ) -> dict[str, Resident]:
        """The current state of those of ``person_ids`` the ledger has: as the plans not yet
        written left them (``pending``, the newest first), else from the cache (see
        :meth:`_check_cache`), else from the state table. ``new_ids``, when given, receives
        the aggregate id of each of ``person_ids`` the ledger has no state for."""
        cache = self._residents
        residents: dict[str, Resident] = {}
        missing: dict[UUID, str] = {}
        for person_id in person_ids:
            for plan_residents in pending:
                resident = plan_residents.get(person_id)
                if resident is not None:
                    break
            else:
                resident = cache.get(person_id)
            if resident is None:
                missing[resident_id(person_id)] = person_id
            else:
                residents[person_id] = resident
        if missing:
            loaded = self._load_residents(list(missing))
            for originator_id, person_id in missing.items():
                resident = loaded.get(originator_id)
                if resident is not None:
                    residents[resident.person_id] = resident
                elif new_ids is not None:
                    new_ids[person_id] = originator_id
        return residents

    def forget_residents(self) -> None:
        """Drop the cached resident states (they are reloaded from the store when needed);
        plans decided before are still written, but no longer fill the cache."""
        self._residents.clear()
        self._cached_at = None
        self._generation += 1

    def event_row_encoder(self, timestamp: datetime) -> EventRowEncoder:
        """``encode(key, version, record)``: the stored form of the Resident event at
        ``version`` carrying a canonical record, created at ``timestamp`` (``Created`` at
        version 1, else ``Recorded``) — the row (:data:`ledger.store.EventRow`) of what
        ``self.mapper.to_stored_event`` returns for that domain event, its aggregate id given
        as ``key``, in the recorder's key form (:meth:`LedgerRecorder.originator_key`). The
        ledger's mapper forms it without the domain event object
        (:meth:`ledger.mapper.LedgerMapper.row_encoder`); another mapper (a ``MAPPER_TOPIC``
        setting) gets the domain event."""
        mapper = self.mapper
        if isinstance(mapper, LedgerMapper):
            return mapper.row_encoder(timestamp)
        return general_row_encoder(mapper.to_stored_event, timestamp)

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's ``save``, writing each saved Resident's idempotency index rows and
        state in the same transaction as its events (:mod:`ledger.store`), whoever calls it.

        The Residents' pending events are collected here and saved as events (the library
        accepts both): the ledger configures no snapshots and no repository cache, the only
        uses the library has for the aggregates themselves."""
        saved: list[Any] = []
        states: list[StateRow] = []
        for obj in objs:
            if isinstance(obj, Resident):
                saved.extend(obj.collect_events())
                states.append(self._state_row(obj))
            else:
                saved.append(obj)
        if "ledger_index" not in kwargs:
            kwargs["ledger_index"] = _index_rows(
                [e for e in saved if isinstance(getattr(e, "record", None), str)]
            )
        if "ledger_states" not in kwargs:
            kwargs["ledger_states"] = states
        return super().save(*saved, **kwargs)

    @staticmethod
    def _state_row(resident: Resident) -> StateRow:
        return resident.id, resident.person_id, resident.version, resident.compact_state()

    def _load_residents(self, originator_ids: list[UUID]) -> dict[UUID, Resident]:
        return {
            originator_id: Resident.from_compact_state(originator_id, version, state)
            for originator_id, _, version, state in self.ledger_recorder.select_resident_states(
                originator_ids
            )
        }

    # ------------------------------------------------------------ reading

    def resident(self, person_id: str) -> Resident | None:
        """The person's aggregate, rebuilt from their events; ``None`` when unknown."""
        try:
            return cast(Resident, self.repository.get(resident_id(person_id)))
        except AggregateNotFoundError:
            return None

    def history(self, person_id: str) -> list[StoredFact]:
        """The person's events with their arrival position and storage time."""
        return [
            StoredFact(
                position=domain_event.originator_version,
                stored_at=domain_event.timestamp,
                event=to_contract_event(domain_event),
            )
            for domain_event in self._domain_events(person_id)
        ]

    def events_of(self, person_id: str) -> list[Event]:
        """The person's events as contract models, in arrival order, ``recorded_at`` set."""
        return [to_contract_event(domain_event) for domain_event in self._domain_events(person_id)]

    def _domain_events(self, person_id: str) -> list[Any]:
        # Resident.Created and Resident.Event subclasses, all with ``record`` and ``timestamp``.
        return list(self.events.get(resident_id(person_id)))

    def person_ids(self) -> Iterator[str]:
        """Every person in the ledger, sorted by person id."""
        return iter(self.ledger_recorder.select_person_ids())

    def read_log(self, start: int = 1, limit: int = 1000) -> list[tuple[int, Event]]:
        """Up to ``limit`` stored events from notification id ``start`` on (inclusive), in
        arrival order, as ``(notification_id, event)``. See the module docstring."""
        notifications = self.recorder.select_notifications(start=start, limit=limit)
        return [(n.id, to_contract_event(self.mapper.to_domain_event(n))) for n in notifications]

    def count_events(self) -> int:
        """How many contract events the ledger holds."""
        return self.ledger_recorder.count_events()


def open_ledger(db: str | None = None, *, create: bool = True) -> LedgerApp:
    """Open the ledger in ``db``: a SQLite file path or a PostgreSQL URL (:mod:`ledger.dburl`).

    Without ``db``, the environment variable ``LEDGER_DB`` is used, else ``ledger.db`` in the
    working directory. With ``create`` (writers) missing tables are created; without it
    (readers) a missing store raises :class:`ledger.store.NoLedger` and nothing is written.
    See :func:`ledger.store.prepared_store`."""
    spec = db or os.environ.get("LEDGER_DB") or DEFAULT_DB
    with prepared_store(spec, create=create) as env:
        return LedgerApp(env=env)


def _unwritten(plan: WritePlan | None) -> list[WritePlan]:
    """``plan`` and the plans it was decided after, the newest first, back to the first one
    written (included: a written plan drops the one it followed, and the writer thread may
    be writing any of them meanwhile)."""
    chain: list[WritePlan] = []
    while plan is not None:
        chain.append(plan)
        plan = plan.after
    return chain


def to_contract_event(domain_event: Any) -> Event:
    """The contract event a stored domain event carries, with ``stored_at`` the time the
    ledger stored it (the domain event's timestamp: one per write transaction, for events of
    every version alike) and ``recorded_at`` defaulting to it. Records were validated when
    stored: not validated again."""
    return trusted_event(json.loads(domain_event.record), domain_event.timestamp)


def _index_rows(domain_events: Sequence[Any]) -> list[IndexRow]:
    rows: list[IndexRow] = []
    for domain_event in domain_events:
        record: str = domain_event.record
        event_id: str = json.loads(record)["event_id"]
        rows.append(
            (
                event_id,
                fingerprint_of(record),
                domain_event.originator_id,
                domain_event.originator_version,
            )
        )
    return rows


def _conflict(event: EventBase | EventKey) -> Outcome:
    return Outcome(
        "rejected",
        "conflict",
        f"event_id {event.event_id!r} is already stored with different content",
    )


__all__ = [
    "to_contract_event",
    "LedgerApp",
    "LedgerWriteConflict",
    "Outcome",
    "StoredFact",
    "WritePlan",
    "open_ledger",
]
