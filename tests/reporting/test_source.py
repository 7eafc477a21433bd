"""The projector's reads of the ledger give exactly what the library's general path gives."""

from __future__ import annotations

import json
import zlib
from typing import Any

import pytest
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic

from ledger.aggregate import READABLE_TOPICS, RECORDED_TOPIC, Resident, resident_id
from ledger.application import LedgerApp, to_contract_event
from ledger.events import canonical_json, parse_event
from ledger.mapper import LedgerMapper
from ledger.stored_read import StoredEventDecoder
from projections.reporting.source import LedgerSource
from tests.reporting.conftest import generated_events
from tests.support import VALID


def _general(app: LedgerApp, stored: StoredEvent) -> Any:
    return to_contract_event(app.mapper.to_domain_event(stored))


def _fill(app: LedgerApp) -> list[str]:
    valid = [parse_event(r) for r in VALID.values()]
    events = [*valid, *generated_events(400, seed=3)]
    outcomes = app.append(events)
    assert all(o.stored for o in outcomes[: len(valid)])
    return sorted({e.person_id for e in events})


def _assert_same(got: list[Any], expected: list[Any]) -> None:
    assert len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        assert type(a) is type(b)
        assert a == b
        assert a.recorded_at == b.recorded_at and a.recorded_at is not None
        assert canonical_json(a) == canonical_json(b)
        assert a.model_dump() == b.model_dump()


def test_histories_equal_the_mapper_path(store: LedgerApp) -> None:
    persons = _fill(store)
    source = LedgerSource(store)
    assert source.decoder.fast_topics == READABLE_TOPICS
    histories = source.histories([resident_id(p) for p in persons])
    assert len(histories) == len(persons)
    for person_id in persons:
        history = histories[resident_id(person_id)]
        assert history.person_id == person_id
        _assert_same(history.events, store.events_of(person_id))
        assert history.version == len(history.events)
    # every type was read, with and without a recorded_at of its own
    read = [e for h in histories.values() for e in h.events]
    assert {e.type for e in read} == set(VALID)


def test_log_equals_select_notifications(store: LedgerApp) -> None:
    _fill(store)
    source = LedgerSource(store)
    for after, limit in [(0, 1000), (0, 7), (13, 50), (store.recorder.max_notification_id(), 5)]:
        expected = store.recorder.select_notifications(
            start=after, limit=limit, inclusive_of_start=False
        )
        got = source.read_log(after, limit)
        assert [(e.position, e.originator_id, e.originator_version) for e in got] == [
            (n.id, n.originator_id, n.originator_version) for n in expected
        ]
        # positions in the histories are the notification ids
        histories = source.histories(list({e.originator_id for e in got}))
        positions = {p for h in histories.values() for p in h.positions}
        assert {e.position for e in got} <= positions


def _stored(app: LedgerApp, person_id: str) -> list[StoredEvent]:
    return list(app.recorder.select_events(resident_id(person_id)))


def test_unexpected_states_go_through_the_mapper(store: LedgerApp) -> None:
    _fill(store)
    decoder = StoredEventDecoder(store.mapper)
    assert isinstance(store.mapper, LedgerMapper)
    fast = store.mapper._fast_contract_event
    for stored in _stored(store, VALID["paid"]["person_id"]):
        state = json.loads(stored.state)
        assert fast(stored.state) is not None
        for odd in (
            {**state, "class_version": 1},
            {**state, "extra": 1},
            {**state, "timestamp": {**state["timestamp"], "_type_": "other"}},
        ):
            assert fast(json.dumps(odd).encode()) is None
            compact = json.dumps(odd, separators=(",", ":"), ensure_ascii=False)
            assert fast(compact.encode()) is None
        # the same state in another layout (spaces, other field order) reads the same
        for layout in (json.dumps(state), json.dumps(dict(reversed(state.items())))):
            again = fast(layout.encode())
            assert again is not None and again == fast(stored.state)
        event = decoder(stored.originator_id, stored.originator_version, stored.topic, stored.state)
        assert event == _general(store, stored)


def test_an_upcast_class_leaves_the_fast_path(
    store: LedgerApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast path assumes class_version 1: a versioned class is read by the mapper, which
    upcasts."""
    _fill(store)
    upcasts: list[int] = []

    def upcast_v1_v2(state: dict[str, Any]) -> None:
        upcasts.append(1)

    monkeypatch.setattr(Resident.Recorded, "class_version", 2, raising=False)
    monkeypatch.setattr(
        Resident.Recorded, "upcast_v1_v2", staticmethod(upcast_v1_v2), raising=False
    )
    decoder = StoredEventDecoder(store.mapper)
    assert get_topic(Resident.Recorded) not in decoder.fast_topics
    assert get_topic(Resident.Created) in decoder.fast_topics
    paid = [s for s in _stored(store, VALID["paid"]["person_id"]) if s.topic == RECORDED_TOPIC]
    assert paid
    for stored in paid:
        decoder(stored.originator_id, stored.originator_version, stored.topic, stored.state)
    assert len(upcasts) == len(paid)


def test_a_compressed_store_is_read_by_the_mapper(store: LedgerApp) -> None:
    _fill(store)

    class Zlib:
        def compress(self, data: bytes) -> bytes:
            return zlib.compress(data)

        def decompress(self, data: bytes) -> bytes:
            return zlib.decompress(data)

    transcoder: Transcoder = store.mapper.transcoder
    mapper: Mapper[Any] = Mapper(transcoder=transcoder, compressor=Zlib())
    decoder = StoredEventDecoder(mapper)
    assert not decoder.fast_topics
    for stored in _stored(store, VALID["paid"]["person_id"]):
        packed = zlib.compress(stored.state)
        event = decoder(stored.originator_id, stored.originator_version, stored.topic, packed)
        assert event == _general(store, stored)


@pytest.mark.parametrize(
    "extra",
    [
        {"n": 123456789012345678901234567890},
        {"n": 0.30000000000000004},
        {"n": [1, {"m": 2**70}]},
        {"n": -(2**63) - 1, "note": "汉字\u2028"},
    ],
)
def test_unknown_numbers_read_back_exactly(store: LedgerApp, extra: dict[str, Any]) -> None:
    """The fast read decodes records with orjson, which rounds integers beyond 64 bits: any
    record with such a value is read by the standard library instead."""
    event = parse_event({**VALID["registered"], **extra})
    store.append([event])
    [stored] = _stored(store, VALID["registered"]["person_id"])
    decoder = StoredEventDecoder(store.mapper)
    got = decoder(stored.originator_id, stored.originator_version, stored.topic, stored.state)
    assert got.model_extra == extra
    assert got == _general(store, stored)


def test_stored_originator_ids_read_as_the_same_uuid() -> None:
    from uuid import UUID, uuid4

    from projections.reporting.source import _uuid

    for _ in range(200):
        expected = uuid4()
        for stored in (expected.hex, str(expected), expected):
            got = _uuid(stored)
            assert got == expected and hash(got) == hash(expected) and repr(got) == repr(expected)
            assert isinstance(got, UUID) and got.hex == expected.hex
    with pytest.raises(ValueError):
        _uuid("z" * 32)
