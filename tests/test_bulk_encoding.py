"""The bulk append path writes exactly what the library's own path would.

``LedgerApp.append`` does not build a domain event object per event: it advances the
Resident with ``start``/``note`` and encodes stored events itself. These tests pin that to the
library: same stored bytes as ``mapper.to_stored_event`` of the domain event that
``Resident.begin``/``record`` triggers, same aggregate state, and events saved through
the library's ``save()`` mix with bulk-appended ones. Events stored by earlier versions (one
topic per contract type, a larger resident state) are read and appended to alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid5

import pytest
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.aggregate import (
    CREATED_TOPIC,
    LEGACY_TOPICS,
    RECORDED_TOPIC,
    RESIDENT_NAMESPACE,
    Resident,
    resident_id,
)
from ledger.application import LedgerApp
from ledger.events import EVENT_TYPES, canonical_json, compact_json, parse_event
from ledger.mapper import LedgerMapper, new_stored_event
from ledger.person_id import InvalidPersonId, validate_person_id
from tests.support import NEWBORN, PERSON, VALID, paid

PERSON_ID = UUID("00000000-0000-4000-8000-00000000abcd")

HISTORY = [
    "registered",
    "region_changed",
    "identity_granted",
    "paid",
    "refunded",
    "residence_permit_granted",
    "identity_revoked",
    "employee_insurance_started",
    "employee_insurance_stopped",
    "reimbursed",
    "resident_status_lost",
    "died",
]


def library_stored_event(app: LedgerApp, domain_event: Any) -> StoredEvent:
    """The library's own ``Mapper.to_stored_event`` (not the ledger mapper's fast form), with
    the library's own transcoder (not the ledger's) and the application's transcodings."""
    transcoder = JSONTranscoder()
    app.register_transcodings(transcoder)
    return Mapper(transcoder).to_stored_event(domain_event)


def encoders(app: LedgerApp) -> list[Callable[[UUID, int, str, datetime], StoredEvent]]:
    """``encode(originator_id, version, record, timestamp)`` by the ledger mapper's bulk
    encoder, its one-event form, and the general one (the application's under another
    mapper)."""
    general = LedgerApp(
        env={
            **app.env,
            "MAPPER_TOPIC": "eventsourcing.persistence:Mapper",
            "TRANSCODER_TOPIC": "eventsourcing.persistence:JSONTranscoder",
        }
    )
    try:
        assert not isinstance(general.mapper, LedgerMapper)
        assert type(general.mapper.transcoder) is JSONTranscoder
        assert isinstance(app.mapper, LedgerMapper)
        return [
            lambda o, v, r, t: StoredEvent(*app.event_row_encoder(t)(o, v, r)),
            app.mapper.stored_event,
            lambda o, v, r, t: StoredEvent(*general.event_row_encoder(t)(o, v, r)),
        ]
    finally:
        general.close()


def history(person_note: str = "") -> list[Any]:
    records = [{**VALID[k], "note": person_note} if person_note else VALID[k] for k in HISTORY]
    return [parse_event(r) for r in records]


def test_history_covers_every_type() -> None:
    assert set(HISTORY) | {"born"} == set(EVENT_TYPES)


@pytest.mark.parametrize("note", ["", '汉字 "quoted" \\ back\nslash \u2028 \x01 😀'])
@pytest.mark.parametrize("first", [0, 3, 11])
def test_stored_bytes_and_state_match_the_library(app: LedgerApp, note: str, first: int) -> None:
    """Whatever type comes first (a registration, a payment, a death), it creates the
    person: ``Created``, then ``Recorded`` for every later event."""
    events = history(note)
    events = [events[first], *events[:first], *events[first + 1 :]]
    library = Resident.begin(events[0])
    for event in events[1:]:
        library.record(event)
    domain_events = library.collect_events()
    assert [type(d) for d in domain_events] == [Resident.Created] + [Resident.Recorded] * (
        len(events) - 1
    )

    # The resident a bulk write leaves, made at once (Resident.at).
    bulk = Resident.at(
        resident_id(PERSON),
        PERSON,
        len(domain_events),
        domain_events[0].timestamp,
        domain_events[-1].timestamp,
    )
    assert isinstance(app.mapper, LedgerMapper) and app.mapper.fast
    for event, domain_event in zip(events, domain_events, strict=True):
        expected = library_stored_event(app, domain_event)
        moment = domain_event.timestamp
        for encode in encoders(app):
            got = encode(
                domain_event.originator_id,
                domain_event.originator_version,
                canonical_json(event),
                moment,
            )
            assert got == expected
        assert app.mapper.to_stored_event(domain_event) == expected
        assert expected.topic == (
            CREATED_TOPIC if domain_event.originator_version == 1 else RECORDED_TOPIC
        )
    assert bulk.version == library.version == len(events)
    assert bulk.compact_state() == library.compact_state()
    assert bulk.created_on == library.created_on and bulk.modified_on == library.modified_on


def test_born_is_encoded_like_the_library(app: LedgerApp) -> None:
    born = parse_event(VALID["born"])
    library = Resident.begin(born)
    [domain_event] = library.collect_events()
    moment = domain_event.timestamp
    expected = library_stored_event(app, domain_event)
    for encode in encoders(app):
        assert encode(resident_id(NEWBORN), 1, canonical_json(born), moment) == expected
    assert app.mapper.to_stored_event(domain_event) == expected
    moment = domain_event.timestamp
    bulk = Resident.at(resident_id(NEWBORN), NEWBORN, 1, moment, moment)
    assert bulk.compact_state() == library.compact_state()


def test_record_refuses_another_persons_event() -> None:
    resident = Resident.begin(parse_event(VALID["registered"]))
    with pytest.raises(ValueError, match="another person"):
        resident.record(parse_event(VALID["born"]))


def test_bulk_events_replay_through_the_repository(app: LedgerApp) -> None:
    app.append(history())
    replayed = app.resident(PERSON)
    assert replayed is not None and replayed.version == len(HISTORY)
    [(_, _, version, state)] = app.ledger_recorder.select_resident_states([resident_id(PERSON)])
    assert version == replayed.version
    assert state == replayed.compact_state()


def test_library_save_and_bulk_append_mix(app: LedgerApp) -> None:
    """Events saved with the library's own ``save()`` get index rows and a resident state in
    the same transaction, so ``append`` treats them like its own."""
    reg = parse_event(VALID["registered"])
    first = parse_event(paid("p-1"))
    resident = Resident.begin(reg)
    resident.record(first)
    app.save(resident)
    assert app.count_events() == 2
    outcomes = app.append([reg, first, parse_event(paid("p-2", year=2026))])
    assert [o.status for o in outcomes] == ["present", "present", "stored"]
    loaded = app.resident(PERSON)
    assert loaded is not None
    loaded.record(parse_event(paid("p-3", year=2027)))
    app.save(loaded)
    assert [e.event_id for e in app.events_of(PERSON)] == ["v-registered", "p-1", "p-2", "p-3"]
    assert [o.status for o in app.append([parse_event(paid("p-3", year=2027))])] == ["present"]


_AWARE = st.datetimes(
    min_value=datetime(1990, 1, 1), timezones=st.sampled_from([UTC, timezone(timedelta(hours=8))])
)


@settings(max_examples=200, deadline=None)
@given(person_id=st.text(min_size=1, max_size=20), created_on=_AWARE, modified_on=_AWARE)
def test_compact_state_is_the_json_of_the_state(
    person_id: str, created_on: datetime, modified_on: datetime
) -> None:
    """``compact_state`` formats the text directly: it must be exactly the compact JSON of
    the state, and read back to the same state."""
    resident = Resident.at(resident_id(PERSON), person_id, 1, created_on, modified_on)
    state = resident.compact_state()
    assert state == compact_json(resident.state_record())
    back = Resident.from_compact_state(resident.id, resident.version, state)
    assert back.state_record() == resident.state_record()


def test_compact_state_times_follow_each_moment() -> None:
    """``compact_state`` remembers formatted times per datetime object: equal instants in
    other zones, and a resident moved on to another moment, still format as themselves."""
    utc = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    east = utc.astimezone(timezone(timedelta(hours=8)))
    assert utc == east
    first = Resident.at(resident_id(PERSON), PERSON, 1, utc, utc)
    second = Resident.at(resident_id(PERSON), PERSON, 1, east, east)
    assert '"created_on":"2025-01-02T03:04:05+00:00"' in first.compact_state()
    assert '"created_on":"2025-01-02T11:04:05+08:00"' in second.compact_state()
    first.modified_on = east
    assert first.compact_state().endswith('"modified_on":"2025-01-02T11:04:05+08:00"}')
    assert first.compact_state() == compact_json(first.state_record())


# ---------------------------------------------------------------- what earlier versions stored

V1_STATE = (
    '{"state_version":1,"person_id":"%s","died_on":"2025-06-30","born_on":null,'
    '"paid":{"2025":"400.00"},"refunded":{"2025":"150.50"},'
    '"created_on":"2025-01-02T03:04:05+00:00","modified_on":"2025-01-03T03:04:05+00:00"}'
)


def test_a_state_of_version_1_still_loads() -> None:
    """States written before the aggregate became a pure recorder held sums and dates the
    ledger no longer keeps: they load, the extra fields ignored."""
    resident = Resident.from_compact_state(resident_id(PERSON), 4, V1_STATE % PERSON)
    assert (resident.person_id, resident.version) == (PERSON, 4)
    assert resident.created_on == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert resident.modified_on == datetime(2025, 1, 3, 3, 4, 5, tzinfo=UTC)
    with pytest.raises(ValueError, match="rebuild"):
        Resident.from_compact_state(resident_id(PERSON), 4, '{"state_version":9}')


def _save_as_version_1(app: LedgerApp, records: list[dict[str, Any]]) -> None:
    """Store events as earlier versions did: one topic per contract type, version-1 states."""
    events = [parse_event(r) for r in records]
    kinds = {
        "registered": Resident.Registered,
        "born": Resident.Born,
    }
    resident = Resident._create(
        kinds[events[0].type],  # type: ignore[attr-defined]
        id=resident_id(events[0].person_id),
        record=canonical_json(events[0]),
    )
    for event in events[1:]:
        resident.trigger_event(LEGACY[event.type], record=canonical_json(event))  # type: ignore[attr-defined]
    state = (V1_STATE % events[0].person_id).replace(
        "2025-01-02T03:04:05+00:00", resident.created_on.isoformat()
    )
    app.save(
        resident,
        ledger_states=[(resident.id, resident.person_id, resident.version, state)],
    )


LEGACY = {
    "region_changed": Resident.RegionChanged,
    "paid": Resident.Paid,
    "refunded": Resident.Refunded,
    "residence_permit_granted": Resident.ResidencePermitGranted,
    "resident_status_lost": Resident.ResidentStatusLost,
    "identity_granted": Resident.IdentityGranted,
    "identity_revoked": Resident.IdentityRevoked,
    "employee_insurance_started": Resident.EmployeeInsuranceStarted,
    "employee_insurance_stopped": Resident.EmployeeInsuranceStopped,
    "died": Resident.Died,
    "reimbursed": Resident.Reimbursed,
}


def test_events_of_earlier_versions_read_and_extend(app: LedgerApp) -> None:
    """A store written by an earlier version (per-type topics, version-1 states) reads as
    before, through the library's mapper and through the fast decoder alike, and takes new
    events after them."""
    from ledger.stored_read import StoredEventDecoder

    _save_as_version_1(app, [VALID[k] for k in HISTORY])
    stored = list(app.recorder.select_events(resident_id(PERSON)))
    assert {s.topic for s in stored} == {LEGACY_TOPICS[k] for k in HISTORY}
    decoder = StoredEventDecoder(app.mapper)
    assert set(LEGACY_TOPICS.values()) <= decoder.fast_topics
    read = app.events_of(PERSON)
    assert [e.event_id for e in read] == [VALID[k]["event_id"] for k in HISTORY]
    fast = [decoder(s.originator_id, s.originator_version, s.topic, s.state) for s in stored]
    assert fast == read
    app.forget_residents()  # the version-1 state is loaded from the table
    outcomes = app.append([parse_event(paid("p-new", year=2026)), parse_event(VALID["paid"])])
    assert [o.status for o in outcomes] == ["stored", "present"]
    later = list(app.recorder.select_events(resident_id(PERSON)))
    assert (later[-1].originator_version, later[-1].topic) == (len(HISTORY) + 1, RECORDED_TOPIC)
    assert app.events_of(PERSON)[-1].event_id == "p-new"
    replayed = app.resident(PERSON)
    assert replayed is not None and replayed.version == len(HISTORY) + 1


@given(st.text(min_size=1) | st.sampled_from([PERSON, NEWBORN, PERSON[:6] + PERSON[8:17]]))
def test_a_residents_id_is_uuid5_of_its_normalised_person_id(person_id: str) -> None:
    """The aggregate id is made without ``uuid5`` (faster), equal to it: ids stored by
    earlier versions are found."""
    try:
        name = validate_person_id(person_id)
    except InvalidPersonId:
        return
    made = resident_id.__wrapped__(person_id)
    expected = uuid5(RESIDENT_NAMESPACE, name)
    assert made == expected and str(made) == str(expected) and made.bytes == expected.bytes
    assert (made.version, made.variant) == (5, expected.variant)


def test_the_bulk_stored_event_is_the_one_its_constructor_makes() -> None:
    made = new_stored_event(PERSON_ID, 3, RECORDED_TOPIC, b'{"x":1}')
    built = StoredEvent(
        originator_id=PERSON_ID, originator_version=3, topic=RECORDED_TOPIC, state=b'{"x":1}'
    )
    assert new_stored_event is not StoredEvent  # the pinned library: the fast maker is on
    assert type(made) is StoredEvent
    assert made == built
    assert list(vars(made).items()) == list(vars(built).items())
    assert hash(made) == hash(built)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.state = b"{}"  # type: ignore[misc]
