"""The bulk append path writes exactly what the library's own path would.

``LedgerApp.append`` does not build a domain event object per event: it advances the
Resident with ``start``/``note`` and encodes stored events itself. These tests pin that to the
library: same stored bytes as ``mapper.to_stored_event`` of the domain event that
``Resident.register``/``record`` triggers, same aggregate state, and events saved through
the library's ``save()`` mix with bulk-appended ones.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.aggregate import Resident, resident_id
from ledger.application import LedgerApp
from ledger.events import EVENT_TYPES, canonical_json, compact_json, parse_event
from tests.support import NEWBORN, PERSON, VALID, paid

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


def history(person_note: str = "") -> list[Any]:
    records = [{**VALID[k], "note": person_note} if person_note else VALID[k] for k in HISTORY]
    return [parse_event(r) for r in records]


def test_history_covers_every_type() -> None:
    assert set(HISTORY) | {"born"} == set(EVENT_TYPES)


@pytest.mark.parametrize("note", ["", '汉字 "quoted" \\ back\nslash \u2028 \x01 😀'])
def test_stored_bytes_and_state_match_the_library(app: LedgerApp, note: str) -> None:
    events = history(note)
    library = Resident.register(events[0])
    for event in events[1:]:
        library.record(event)
    domain_events = library.collect_events()

    bulk = Resident.start(resident_id(PERSON), domain_events[0].record, domain_events[0].timestamp)
    assert bulk.version == 1
    for event, domain_event in zip(events[1:], domain_events[1:], strict=True):
        bulk.check(event)
        bulk.note(event, domain_event.timestamp)
    for event, domain_event in zip(events, domain_events, strict=True):
        expected = app.mapper.to_stored_event(domain_event)
        moment = domain_event.timestamp
        for encode in (
            app._stored_event_encoder(moment),
            partial(app._stored_event, timestamp=moment),
        ):
            got = encode(
                domain_event.originator_id,
                domain_event.originator_version,
                event.type,
                canonical_json(event),
            )
            assert got == expected
    assert bulk.version == library.version == len(events)
    assert bulk.compact_state() == library.compact_state()
    assert bulk.created_on == library.created_on and bulk.modified_on == library.modified_on


def test_born_is_encoded_like_the_library(app: LedgerApp) -> None:
    born = parse_event(VALID["born"])
    library = Resident.register(born)
    [domain_event] = library.collect_events()
    moment = domain_event.timestamp
    for encode in (
        app._stored_event_encoder(moment),
        partial(app._stored_event, timestamp=moment),
    ):
        got = encode(resident_id(NEWBORN), 1, "born", canonical_json(born))
        assert got == app.mapper.to_stored_event(domain_event)
    bulk = Resident.start(resident_id(NEWBORN), canonical_json(born), domain_event.timestamp)
    assert bulk.compact_state() == library.compact_state()


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
    resident = Resident.register(reg)
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
_AMOUNT = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    person_id=st.text(min_size=1, max_size=20),
    died_on=st.none() | st.dates(),
    born_on=st.none() | st.dates(),
    paid=st.dictionaries(st.integers(1990, 2100), _AMOUNT, max_size=4),
    refunded=st.dictionaries(st.integers(1990, 2100), _AMOUNT, max_size=3),
    created_on=_AWARE,
    modified_on=_AWARE,
)
def test_compact_state_is_the_json_of_the_state(
    person_id: str,
    died_on: date | None,
    born_on: date | None,
    paid: dict[int, Decimal],
    refunded: dict[int, Decimal],
    created_on: datetime,
    modified_on: datetime,
) -> None:
    """``compact_state`` formats the text directly: it must be exactly the compact JSON of
    the state, and read back to the same state."""
    text = '{"person_id":' + json.dumps(person_id) + ',"type":"registered","date":"2018-01-01"}'
    resident = Resident.start(resident_id(PERSON), text, created_on)
    resident.died_on, resident.born_on, resident.modified_on = died_on, born_on, modified_on
    for year, amount in paid.items():
        resident.add_paid(year, amount)
    for year, amount in refunded.items():
        resident.add_refunded(year, amount)
    state = resident.compact_state()
    assert state == compact_json(resident.state_record())
    back = Resident.from_compact_state(resident.id, resident.version, state)
    assert back.state_record() == resident.state_record()


def test_compact_state_times_follow_each_moment() -> None:
    """``compact_state`` remembers formatted times per datetime object: equal instants in
    other zones, and a resident moved on to another moment, still format as themselves."""
    text = '{"person_id":"' + PERSON + '","type":"registered","date":"2018-01-01"}'
    utc = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    east = utc.astimezone(timezone(timedelta(hours=8)))
    assert utc == east
    first = Resident.start(resident_id(PERSON), text, utc)
    second = Resident.start(resident_id(PERSON), text, east)
    assert '"created_on":"2025-01-02T03:04:05+00:00"' in first.compact_state()
    assert '"created_on":"2025-01-02T11:04:05+08:00"' in second.compact_state()
    first.modified_on = east
    assert first.compact_state().endswith('"modified_on":"2025-01-02T11:04:05+08:00"}')
    assert first.compact_state() == compact_json(first.state_record())
