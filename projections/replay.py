"""Replay services: person views from an events file or from the ledger's store.

What ``ledger replay`` runs; usable from Python alike. Bad lines of a file are reported with
their line number and reason (:class:`LineError`) and left out; every good line counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ledger.events import Event
from ledger.importer import read_events
from ledger.person_id import mask_ids_in
from policies.registry import PolicyRegistry
from projections.person import PersonView, project_person


@dataclass(frozen=True)
class LineError:
    path: Path
    line: int
    event_id: str | None
    reason: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        ident = f" (event {self.event_id})" if self.event_id else ""
        return f"{where}{ident}: {self.reason}: {self.message}"


def events_by_person(paths: Iterable[Path], errors: list[LineError]) -> dict[str, list[Event]]:
    """The good events of ``paths`` grouped by person, in file order; bad lines go to
    ``errors``."""
    grouped: dict[str, list[Event]] = defaultdict(list)
    for path in paths:
        for number, event, error in read_events(path):
            if error is not None or event is None:
                assert error is not None
                errors.append(
                    LineError(path, number, error.event_id, error.reason, _masked(error.message))
                )
                continue
            grouped[event.person_id].append(event)  # type: ignore[arg-type]
    return grouped


def _masked(message: str) -> str:
    # Error messages from validation may quote the person id: mask ID numbers.
    return mask_ids_in(message)


def replay_events(
    grouped: dict[str, list[Event]],
    registry: PolicyRegistry,
    *,
    person_id: str | None = None,
    as_of: date | None = None,
    known_on: datetime | None = None,
    explain: bool = False,
) -> list[PersonView]:
    """Views of every person (or one), ordered by person id (INTERCHANGE.md)."""
    people = sorted(grouped) if person_id is None else [person_id]
    return [
        project_person(
            grouped.get(pid, []),
            registry,
            as_of=as_of,
            known_on=known_on,
            explain=explain,
            person_id=pid,
        )
        for pid in people
    ]
