"""Replay services: person views from the ledger's store, or from events files.

What ``ledger replay`` runs; usable from Python alike. Views come one person at a time, in
person id order, as they are made (:func:`store_views`): memory does not grow with the number
of persons.

Files are replayed under exactly the import's rules (:func:`file_views`): they are imported
into a scratch ledger in memory — the same decoding, validation, idempotency by ``event_id``
and conflict rule as ``ledger import``, every event stamped with the replay's start time as
its ``stored_at`` — and the views are made from that store. So ``replay --events F`` gives the
views of ``import F`` then ``replay``, for every file. Bad lines are reported with their line
number and reason (:class:`LineError`) and left out; every good line counts.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from uuid import uuid4

from eventsourcing.domain import TZINFO

from ledger.application import LedgerApp
from ledger.events import Event
from ledger.importer import Reject, import_file
from ledger.person_id import mask_ids_in
from ledger.store import persistence_env
from ledger.stored_read import PERSONS_PAGE, iter_persons
from policies.registry import PolicyRegistry
from projections.person import PersonView, project_person, select_events


@dataclass(frozen=True)
class LineError:
    path: Path
    line: int
    event_id: str | None
    reason: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        ident = f" (event {mask_ids_in(self.event_id)})" if self.event_id else ""
        return f"{where}{ident}: {self.reason}: {self.message}"


@dataclass(frozen=True)
class Cut:
    """What a view is computed for (INTERCHANGE.md): ``as_of`` (business date),
    ``known_on`` (``recorded_at``), ``stored_on`` (``stored_at``)."""

    as_of: date | None = None
    known_on: datetime | None = None
    stored_on: datetime | None = None

    def select(self, events: Iterable[Event]) -> list[Event]:
        """The events this cut keeps (AUDIT-as-of, AUDIT-known-on, AUDIT-stored-on), as the
        fold selects them."""
        return select_events(
            events, as_of=self.as_of, known_on=self.known_on, stored_on=self.stored_on
        )

    def fold(
        self,
        person_id: str,
        events: Iterable[Event],
        registry: PolicyRegistry,
        *,
        explain: bool = False,
    ) -> PersonView:
        """The person view of ``events`` under this cut (the view states the cut)."""
        return project_person(
            events,
            registry,
            as_of=self.as_of,
            known_on=self.known_on,
            stored_on=self.stored_on,
            explain=explain,
            person_id=person_id,
        )


def store_views(
    app: LedgerApp,
    registry: PolicyRegistry,
    *,
    cut: Cut = Cut(),  # noqa: B008 - frozen, never mutated
    explain: bool = False,
    page: int = PERSONS_PAGE,
) -> Iterator[PersonView]:
    """The view of every person of ``app``, in person id order, one at a time."""
    for person_id, events in iter_persons(app, page=page):
        yield cut.fold(person_id, events, registry, explain=explain)


def person_view(
    app: LedgerApp,
    person_id: str,
    registry: PolicyRegistry,
    *,
    cut: Cut = Cut(),  # noqa: B008
    explain: bool = False,
) -> PersonView | None:
    """One person's view; ``None`` when the ledger has no event of theirs."""
    events = app.events_of(person_id)
    if not events:
        return None
    return cut.fold(person_id, events, registry, explain=explain)


def scratch_ledger() -> LedgerApp:
    """An empty ledger in memory (SQLite, shared by the application's connections, gone when
    it is closed): where :func:`file_views` imports files."""
    env = persistence_env(os.devnull)
    env["SQLITE_DBNAME"] = f"file:ledger-replay-{uuid4().hex}?mode=memory&cache=shared"
    return LedgerApp(env=env)


def load_files(
    app: LedgerApp,
    paths: Iterable[Path],
    errors: list[LineError],
    *,
    stored_at: datetime | None = None,
) -> None:
    """Import ``paths`` into ``app`` by the import's rules; every rejected line (bad, or a
    conflicting ``event_id``) goes to ``errors``, ID numbers masked; no rejects file is
    written. ``-`` is standard input."""
    for path in paths:
        path = Path(path)

        def collect(reject: Reject, path: Path = path) -> None:
            errors.append(
                LineError(
                    path, reject.line, reject.event_id, reject.reason, mask_ids_in(reject.message)
                )
            )

        import_file(app, path, on_reject=collect, stored_at=stored_at, progress=False)


def file_views(
    paths: Iterable[Path],
    registry: PolicyRegistry,
    errors: list[LineError],
    *,
    person_id: str | None = None,
    cut: Cut = Cut(),  # noqa: B008
    explain: bool = False,
    stored_at: datetime | None = None,
) -> Iterator[PersonView]:
    """The views of the good lines of ``paths`` (every person, or ``person_id``: none when it
    has no good line), exactly as ``import`` + ``replay`` would give them; rejected lines go
    to ``errors`` (complete once the first view is made). ``stored_at`` defaults to now: the
    replay's start time, the ``stored_at`` of every event."""
    stamp = stored_at or datetime.now(tz=TZINFO)
    app = scratch_ledger()
    try:
        load_files(app, paths, errors, stored_at=stamp)
        if person_id is None:
            yield from store_views(app, registry, cut=cut, explain=explain)
            return
        view = person_view(app, person_id, registry, cut=cut, explain=explain)
        if view is not None:
            yield view
    finally:
        app.close()
