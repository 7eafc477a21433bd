"""Contract events straight from stored events, without the library's domain event objects.

:class:`StoredEventDecoder` gives the contract event of a stored event, ``stored_at`` set:
what ``to_contract_event(mapper.to_domain_event(stored))`` gives. The work is the ledger's
mapper's (:meth:`ledger.mapper.LedgerMapper.contract_event`: orjson for the state and the
record, the transcoder for the timestamp, and the library's own path for anything it does not
prove it reads exactly); with another mapper every event goes through that mapper.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from ledger.application import LedgerApp, to_contract_event
from ledger.events import Event
from ledger.mapper import LedgerMapper


class StoredEventDecoder:
    """``decoder(originator_id, version, topic, state) -> Event``: the contract event of one
    stored event, ``stored_at`` set and ``recorded_at`` defaulting to it (what
    ``to_contract_event(mapper.to_domain_event(stored))`` returns)."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        self.mapper = mapper
        self.fast_topics: frozenset[str] = (
            mapper.fast_topics if isinstance(mapper, LedgerMapper) else frozenset()
        )
        """The topics read without the domain event objects."""

    def __call__(self, originator_id: Any, version: int, topic: str, state: bytes) -> Event:
        mapper = self.mapper
        if isinstance(mapper, LedgerMapper):
            return mapper.contract_event(originator_id, version, topic, state)
        return to_contract_event(
            mapper.to_domain_event(
                StoredEvent(
                    originator_id=originator_id,
                    originator_version=version,
                    topic=topic,
                    state=state,
                )
            )
        )


PERSONS_PAGE = 1_000
"""Persons read per page by :func:`iter_persons` (with all their events)."""


def iter_persons(
    app: LedgerApp, *, after: str | None = None, page: int = PERSONS_PAGE
) -> Iterator[tuple[str, list[Event]]]:
    """``(person_id, events)`` of every person of the ledger in person id order (events in
    arrival order, ``stored_at`` set): keyset pages of ``page`` persons over the person index,
    each page's events in one query. Memory is bounded by the page, whatever the number of
    persons (the streaming replay of everyone, ``ledger replay``)."""
    if page < 1:
        raise ValueError("page must be at least 1")
    recorder = app.ledger_recorder
    decode = StoredEventDecoder(app.mapper)
    while True:
        persons = recorder.select_person_page(after, page)
        if not persons:
            return
        grouped: dict[UUID | str, list[Event]] = {originator_id: [] for originator_id, _ in persons}
        for stored in recorder.select_stored_events([o for o, _ in persons]):
            grouped[stored.originator_id].append(
                decode(stored.originator_id, stored.originator_version, stored.topic, stored.state)
            )
        for originator_id, person_id in persons:
            yield person_id, grouped[originator_id]
        after = persons[-1][1]
