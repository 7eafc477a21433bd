"""Contract events straight from stored events, without the library's domain event objects.

The ledger stores each contract event as a ``Resident`` domain event whose state is, with the
library's plain JSON transcoder (the ledger's setting)::

    {"timestamp": {"_type_": "datetime_iso", "_data_": "2026-…+00:00"},
     ["originator_topic": "ledger:Resident",] "record": "<canonical contract JSON>"}

The general read path (``mapper.to_domain_event`` then :func:`ledger.application.to_contract_event`)
decodes that with a Python ``object_hook`` per JSON object, builds the domain event and parses
the record; at projection volume that is most of the read cost. :class:`StoredEventDecoder`
reads the state and the record with orjson (no hook) and goes to the contract event directly.

It takes the fast path only when it gives exactly what the general path gives (a test holds
the two equal on every event type):

- the mapper has the library's plain :class:`~eventsourcing.persistence.JSONTranscoder`, no
  compressor and no cipher;
- the topic is one of the ledger's stored topics (the two of new writes and the per-type ones
  of earlier versions, :data:`ledger.aggregate.READABLE_TOPICS`) whose class is at
  ``class_version`` 1 and the state carries no ``class_version`` (**the fast path assumes
  version 1 of every event class**: once a class gets ``class_version = 2`` and an
  ``upcast_v1_v2``, its events go through the mapper, which upcasts them, until this module
  learns the new layout);
- the state has exactly the fields above, ``timestamp`` encoded as ``datetime_iso``.

Anything else goes through the mapper, so an unexpected stored form is never misread.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent
from eventsourcing.utils import resolve_topic

from ledger.aggregate import READABLE_TOPICS
from ledger.application import LedgerApp, to_contract_event
from ledger.events import Event, trusted_event

_FAST_KEYS = (
    frozenset({"timestamp", "record"}),
    frozenset({"timestamp", "originator_topic", "record"}),
)


def _split(state: bytes) -> tuple[str, str] | None:
    """(timestamp text, record text) of a state in the transcoder's form; ``None`` for any
    other form (or what is not JSON: the mapper then says what is wrong).

    orjson decodes the state: it holds strings only, which orjson reads exactly as the
    standard library does, several times faster than the pure-Python cutting this replaced."""
    try:
        decoded = orjson.loads(state)
    except orjson.JSONDecodeError:
        return None
    if type(decoded) is not dict or decoded.keys() not in _FAST_KEYS:
        return None
    timestamp = decoded["timestamp"]
    text = decoded["record"]
    if (
        type(text) is not str
        or type(timestamp) is not dict
        or timestamp.keys() != {"_type_", "_data_"}
        or timestamp["_type_"] != "datetime_iso"
        or type(timestamp["_data_"]) is not str
    ):
        return None
    return timestamp["_data_"], text


_MOMENTS: dict[str, datetime] = {}
_MOMENTS_LIMIT = 10_000


def _stored_moment(text: str) -> datetime:
    """The time a stored event was written, parsed once per distinct text: every event of
    one write carries the same one (``LedgerApp.append``)."""
    moment = _MOMENTS.get(text)
    if moment is None:
        if len(_MOMENTS) >= _MOMENTS_LIMIT:
            _MOMENTS.clear()
        moment = _MOMENTS[text] = datetime.fromisoformat(text)
    return moment


_NESTED_OR_FLOAT = (dict, list, float)


def _loads_record(text: str) -> dict[str, Any]:
    """``json.loads`` of a stored record. orjson reads it when every value is a string, an
    integer, a boolean or null (the contract fields; then both give the same dict); a record
    with any other value (an unknown field holding a number orjson would round, say) is
    read by the standard library."""
    record: dict[str, Any] = orjson.loads(text)
    for value in record.values():
        if isinstance(value, _NESTED_OR_FLOAT):
            return json.loads(text)
    return record


def _fast_topics() -> frozenset[str]:
    return frozenset(
        topic for topic in READABLE_TOPICS if getattr(resolve_topic(topic), "class_version", 1) == 1
    )


class StoredEventDecoder:
    """``decoder(originator_id, version, topic, state) -> Event``: the contract event of one
    stored event, ``stored_at`` set and ``recorded_at`` defaulting to it (what
    ``to_contract_event(mapper.to_domain_event(stored))`` returns)."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        self.mapper = mapper
        plain = (
            type(mapper.transcoder) is JSONTranscoder
            and not mapper.compressor
            and not mapper.cipher
        )
        self.fast_topics = _fast_topics() if plain else frozenset()

    def __call__(self, originator_id: Any, version: int, topic: str, state: bytes) -> Event:
        if topic in self.fast_topics:
            event = self._fast(state)
            if event is not None:
                return event
        return self._general(originator_id, version, topic, state)

    @staticmethod
    def _fast(state: bytes) -> Event | None:
        fields = _split(state)
        if fields is None:
            return None
        stored_at, text = fields
        return trusted_event(_loads_record(text), _stored_moment(stored_at))

    def _general(self, originator_id: Any, version: int, topic: str, state: bytes) -> Event:
        return to_contract_event(
            self.mapper.to_domain_event(
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
