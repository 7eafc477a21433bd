"""The ledger's mapper: eventsourcing's :class:`~eventsourcing.persistence.Mapper`, fast for the
ledger's own events, through the library's public extension points only.

The application is configured with ``MAPPER_TOPIC=ledger.mapper:LedgerMapper`` (the library's
setting for the mapper class, :class:`ledger.application.LedgerApp`'s ``env``); the mapper
overrides the public :meth:`to_stored_event` and adds the two paths the bulk import and the
projections use at volume:

- :meth:`LedgerMapper.stored_event`: the stored form of the ``Resident`` event carrying a
  record at a version and a timestamp (``Created`` at version 1, ``Recorded`` after), without
  building the domain event object — what ``to_stored_event`` returns for that event;
- :meth:`LedgerMapper.contract_event`: the contract event a stored event carries, without the
  domain event object — what ``to_contract_event(to_domain_event(stored))`` returns.

**What the stored form is.** With the library's :class:`~eventsourcing.persistence.JSONTranscoder`
(the ledger's setting: :class:`ledger.transcoder.LedgerTranscoder`, a subclass that writes the
same bytes, no compressor, no cipher) a ``Resident`` event's state is the transcoder's JSON
object of its fields::

    {"timestamp": <the transcoder's encoding of the datetime>,
     ["originator_topic": "ledger:Resident",] "record": "<canonical contract JSON>"}

The mapper never writes or parses the transcoder's own encodings by hand: every value (the
timestamp, the topic, the record) is encoded by ``transcoder.encode`` and every timestamp is
decoded by ``transcoder.decode``; the mapper only joins encoded fields into the object, with
the encoder's own separators, and cuts objects apart with orjson. It takes these fast paths
only after proving, when it is made, that they give byte for byte what the library's general
path gives for probe events of both kinds (:attr:`LedgerMapper.fast`); any other
configuration (another transcoder, compression, encryption, a layout the probe does not
reproduce) uses the library's general path for everything, unchanged. Stored bytes do not
depend on the path (a test holds both to the library's), so events stored by every earlier
version of the ledger — which used the library's plain ``Mapper`` — read as before.

Reading: only topics whose class is at ``class_version`` 1 take the fast path (a class given
``class_version = 2`` and an upcaster goes through the library's mapper, which upcasts), and
only states with exactly the fields above; anything else goes through ``to_domain_event``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent
from eventsourcing.utils import resolve_topic

from ledger.aggregate import (
    CREATED_TOPIC,
    READABLE_TOPICS,
    RECORDED_TOPIC,
    RESIDENT_TOPIC,
    Resident,
)
from ledger.events import Event, trusted_event
from ledger.store import EventRow, OriginatorKey, event_row, originator_uuid

MAPPER_TOPIC = "ledger.mapper:LedgerMapper"
"""The library's ``MAPPER_TOPIC`` setting that selects this mapper."""

_FAST_KEYS = (
    frozenset({"timestamp", "record"}),
    frozenset({"timestamp", "originator_topic", "record"}),
)
_NESTED_OR_FLOAT = (dict, list, float)
_PROBE_ID = UUID("00000000-0000-4000-8000-000000000001")
_PROBE_RECORD = '{"event_id":"probe \\"1\\" 汉字","person_id":"p","type":"paid"}'


class LedgerMapper(Mapper[UUID]):
    """The library's mapper with fast paths for ``Resident`` events (see the module)."""

    def __init__(self, transcoder: Any, compressor: Any = None, cipher: Any = None) -> None:
        super().__init__(transcoder, compressor, cipher)
        self._prefixes: dict[int, tuple[datetime, bytes, bytes]] = {}
        self._moments: dict[bytes, datetime] = {}
        self._classes = {topic: resolve_topic(topic) for topic in READABLE_TOPICS}
        self.fast = False
        """Whether the fast paths are on: they proved equal to the general path."""
        if isinstance(transcoder, JSONTranscoder) and not compressor and not cipher:
            self.fast = self._proves_equal()

    @property
    def fast_topics(self) -> frozenset[str]:
        """The stored topics :meth:`contract_event` reads without the general path: the
        ledger's, whose classes are at ``class_version`` 1 (checked on every event: a class
        given a version leaves the fast path at once)."""
        if not self.fast:
            return frozenset()
        return frozenset(
            topic for topic, cls in self._classes.items() if getattr(cls, "class_version", 1) == 1
        )

    # ------------------------------------------------------------ writing

    def stored_event(
        self, originator_id: UUID, version: int, record: str, timestamp: datetime
    ) -> StoredEvent:
        """The stored form of the ``Resident`` event at ``version`` carrying ``record`` (the
        canonical contract JSON) created at ``timestamp``: ``Created`` at version 1, else
        ``Recorded`` — what :meth:`to_stored_event` returns for that domain event."""
        return new_stored_event(*self.row_encoder(timestamp)(originator_id, version, record))

    def row_encoder(self, timestamp: datetime) -> Callable[[OriginatorKey, int, str], EventRow]:
        """:meth:`stored_event` for many events of one ``timestamp`` (a bulk write's), as rows
        (:data:`ledger.store.EventRow`, the stored event's fields in order):
        ``encode(key, version, record)``, ``key`` the aggregate id in the recorder's key form
        (the row carries it as given), the checks and the encoded fields before the record
        made once."""
        if not self.fast or _versioned(Resident.Created) or _versioned(Resident.Recorded):
            return general_row_encoder(super().to_stored_event, timestamp)
        created, later = self._prefix(timestamp)
        encode_value = self.transcoder.encode

        def encode(key: OriginatorKey, version: int, record: str) -> EventRow:
            if version == 1:
                return key, 1, CREATED_TOPIC, created + encode_value(record) + b"}"
            return key, version, RECORDED_TOPIC, later + encode_value(record) + b"}"

        return encode

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        """The library's result; for the two kinds new writes store, formed directly."""
        cls = type(domain_event)
        if self.fast and (cls is Resident.Created or cls is Resident.Recorded):
            fields = vars(domain_event)
            if fields.keys() == _EXPECTED_FIELDS[cls]:
                if cls is Resident.Created and fields["originator_topic"] != RESIDENT_TOPIC:
                    return super().to_stored_event(domain_event)
                return self.stored_event(
                    fields["originator_id"],
                    fields["originator_version"],
                    fields["record"],
                    fields["timestamp"],
                )
        return super().to_stored_event(domain_event)

    def _prefix(self, timestamp: datetime) -> tuple[bytes, bytes]:
        """The encoded fields before the record, for a first event and for a later one, made
        once per timestamp object (a batch shares one). Keyed by identity: equal instants in
        other time zones encode differently."""
        entry = self._prefixes.get(id(timestamp))
        if entry is not None and entry[0] is timestamp:
            return entry[1], entry[2]
        if len(self._prefixes) >= 256:
            self._prefixes.clear()
        created = self._join({"timestamp": timestamp, "originator_topic": RESIDENT_TOPIC})
        later = self._join({"timestamp": timestamp})
        self._prefixes[id(timestamp)] = (timestamp, created, later)  # holds the object
        return created, later

    def _join(self, fields: dict[str, Any]) -> bytes:
        """``{"k":v,…,"record":`` — each key and value encoded by the transcoder, joined with
        its encoder's separators — the object's text up to the record's value."""
        encoder = cast(JSONTranscoder, self.transcoder).encoder
        key_separator = encoder.key_separator.encode()
        item_separator = encoder.item_separator.encode()
        parts = [
            self.transcoder.encode(key) + key_separator + self.transcoder.encode(value)
            for key, value in fields.items()
        ]
        parts.append(self.transcoder.encode("record") + key_separator)
        return b"{" + item_separator.join(parts)

    # ------------------------------------------------------------ reading

    def contract_event(self, originator_id: Any, version: int, topic: str, state: bytes) -> Event:
        """The contract event of one stored event, ``stored_at`` set and ``recorded_at``
        defaulting to it: what ``to_contract_event(self.to_domain_event(stored))`` returns
        (:func:`ledger.application.to_contract_event`)."""
        cls = self._classes.get(topic) if self.fast else None
        if cls is not None and not _versioned(cls):
            event = self._fast_contract_event(state)
            if event is not None:
                return event
        domain_event: Any = self.to_domain_event(
            StoredEvent(
                originator_id=originator_id,
                originator_version=version,
                topic=topic,
                state=state,
            )
        )
        return trusted_event(json.loads(domain_event.record), domain_event.timestamp)

    def _fast_contract_event(self, state: bytes) -> Event | None:
        try:
            fields = orjson.loads(state)
        except orjson.JSONDecodeError:
            return None  # the general path says what is wrong
        if type(fields) is not dict or fields.keys() not in _FAST_KEYS:
            return None
        text = fields["record"]
        if type(text) is not str:
            return None
        if "originator_topic" in fields and fields["originator_topic"] != RESIDENT_TOPIC:
            return None
        moment = self._moment(fields["timestamp"])
        if moment is None:
            return None
        return trusted_event(_loads_record(text), moment)

    def _moment(self, value: Any) -> datetime | None:
        """The datetime the transcoder decodes ``value`` (a decoded JSON value) to, once per
        distinct value (every event of one write carries the same one); ``None`` when it is
        not an aware datetime."""
        key = orjson.dumps(value)
        moment = self._moments.get(key)
        if moment is None:
            try:
                decoded = self.transcoder.decode(key)
            except Exception:  # noqa: BLE001 (the general path reports it)
                return None
            if type(decoded) is not datetime or decoded.utcoffset() is None:
                return None
            if len(self._moments) >= 10_000:
                self._moments.clear()
            moment = self._moments[key] = decoded
        return moment

    # ------------------------------------------------------------ the proof

    def _proves_equal(self) -> bool:
        """Whether the fast paths give exactly the general path's bytes and events, for a
        first and a later event with a record that needs escaping."""
        self.fast = True
        try:
            moment = datetime.fromisoformat("2026-01-02T03:04:05.123456+08:00")
            for version in (1, 2):
                domain_event = resident_event(_PROBE_ID, version, _PROBE_RECORD, moment)
                general = super().to_stored_event(domain_event)
                if self.stored_event(_PROBE_ID, version, _PROBE_RECORD, moment) != general:
                    return False
                if self.to_stored_event(domain_event) != general:
                    return False
                back: Any = self.to_domain_event(general)
                fields = orjson.loads(general.state)
                if (
                    fields.keys() not in _FAST_KEYS
                    or self._moment(fields["timestamp"]) != back.timestamp
                    or fields["record"] != back.record
                ):
                    return False
            return True
        except Exception:  # noqa: BLE001 (a configuration the fast path does not handle)
            return False
        finally:
            self.fast = False
            self._prefixes.clear()
            self._moments.clear()


def _stored_event_maker() -> Callable[[Any, int, str, bytes], StoredEvent]:
    """``StoredEvent(originator_id, originator_version, topic, state)``, made without the frozen
    dataclass's ``__init__`` when the library's ``StoredEvent`` is the plain frozen dataclass of
    those four fields it is in the pinned version (its ``__init__`` sets each through
    ``object.__setattr__``: 40% of the bulk encoder's time, measured). The object made is the
    same: same class, same ``vars``, equal (``tests/test_bulk_encoding.py``). Any other
    ``StoredEvent`` (slots, a ``__post_init__``, other fields) is made by its constructor."""
    names = tuple(f.name for f in dataclasses.fields(StoredEvent))
    plain = (
        names == ("originator_id", "originator_version", "topic", "state")
        and not hasattr(StoredEvent, "__slots__")
        and not hasattr(StoredEvent, "__post_init__")
        and StoredEvent.__new__ is object.__new__
    )
    if not plain:  # pragma: no cover - another version of the library
        return StoredEvent
    new = object.__new__
    cls = StoredEvent

    def make(originator_id: Any, originator_version: int, topic: str, state: bytes) -> StoredEvent:
        event = new(cls)
        event.__dict__.update(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=topic,
            state=state,
        )
        return event

    return make


new_stored_event = _stored_event_maker()


def _versioned(cls: type) -> bool:
    return getattr(cls, "class_version", 1) != 1


def general_row_encoder(
    to_stored_event: Callable[[Any], StoredEvent], timestamp: datetime
) -> Callable[[OriginatorKey, int, str], EventRow]:
    """``encode(key, version, record)`` through a mapper's ``to_stored_event`` of the domain
    event itself (:func:`resident_event`): the path of any mapper without a fast one."""

    def encode(key: OriginatorKey, version: int, record: str) -> EventRow:
        event = resident_event(originator_uuid(key), version, record, timestamp)
        return event_row(to_stored_event(event), key)

    return encode


def resident_event(originator_id: UUID, version: int, record: str, timestamp: datetime) -> Any:
    """The domain event ``Resident.begin``/``record`` would trigger (built by the event
    classes' own constructors)."""
    created: Any = Resident.Created
    recorded: Any = Resident.Recorded
    if version == 1:
        return created(
            originator_id=originator_id,
            originator_version=1,
            timestamp=timestamp,
            originator_topic=RESIDENT_TOPIC,
            record=record,
        )
    return recorded(
        originator_id=originator_id,
        originator_version=version,
        timestamp=timestamp,
        record=record,
    )


_EXPECTED_FIELDS: dict[type, frozenset[str]] = {
    Resident.Created: frozenset(
        vars(resident_event(_PROBE_ID, 1, _PROBE_RECORD, datetime.fromtimestamp(0).astimezone()))
    ),
    Resident.Recorded: frozenset(
        vars(resident_event(_PROBE_ID, 2, _PROBE_RECORD, datetime.fromtimestamp(0).astimezone()))
    ),
}


def _loads_record(text: str) -> dict[str, Any]:
    """``json.loads`` of a stored record. orjson reads it when every value is a string, an
    integer, a boolean or null (the contract fields; then both give the same dict); a record
    with any other value (an unknown field holding a number orjson would round, say) is read
    by the standard library."""
    record: dict[str, Any] = orjson.loads(text)
    for value in record.values():
        if isinstance(value, _NESTED_OR_FLOAT):
            return json.loads(text)
    return record


__all__ = ["MAPPER_TOPIC", "LedgerMapper", "resident_event"]
