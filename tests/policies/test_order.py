"""I-order: a person's events are read by date, then type, then event_id — never by arrival
order or recorded_at."""

from __future__ import annotations

import random
from typing import Any

from ledger.events import EVENT_TYPES, parse_event
from policies.order import TYPE_ORDER, event_order
from policies.person import PersonFacts
from projections.person import project_person
from tests.policies.support import BUILTIN, History, coverage


def test_I_order_names_every_event_type_once() -> None:
    assert sorted(TYPE_ORDER) == sorted(EVENT_TYPES)
    assert len(set(TYPE_ORDER)) == len(TYPE_ORDER)


def test_I_order_same_date_type_then_event_id() -> None:
    h = History(registered=None)
    h.add("died", "2025-03-01")
    h.add("refunded", "2025-03-01", coverage_year=2025, amount="1", reason="other")
    h.add("paid", "2025-03-01", coverage_year=2025, amount="1")
    h.add("registered", "2025-03-01", region="610902", birth_date="1980-01-01")
    h.add("paid", "2025-03-01", coverage_year=2025, amount="2", event_id="a")
    ordered = sorted(h.parsed(), key=event_order)
    assert [e.type for e in ordered] == ["registered", "paid", "paid", "refunded", "died"]
    assert [e.event_id for e in ordered if e.type == "paid"] == ["a", "e3"]


def test_I_order_ignores_recorded_at_and_arrival() -> None:
    late = "2030-01-01T00:00:00+08:00"
    early = "2000-01-01T00:00:00+08:00"
    h = History()
    h.paid("2024-10-10", 2025, "400", recorded_at=late)
    h.refund("2024-10-10", 2025, "400", "other", recorded_at=early)
    # same date: the payment comes before its refund whatever was recorded first
    year = h.year(2025)
    assert (year["enrolled"], year["flags"]) == (False, [])


def test_I_order_the_view_does_not_depend_on_arrival_order() -> None:
    h = History(registered=None)
    h.add("identity_granted", "2024-06-01", identity="dibao")
    h.paid("2024-10-08", 2025, "200")
    h.add("registered", "2005-01-01", region="610902", birth_date="1960-01-01")
    h.employee("2025-03-01", "2025-05-31")
    h.paid("2025-06-10", 2025, "1")
    h.refund("2025-06-10", 2025, "1", "duplicate")
    events = h.parsed()
    expected = project_person(events, BUILTIN, person_id=h.person_id).to_dict()
    rng = random.Random(7)
    for _ in range(20):
        shuffled = events[:]
        rng.shuffle(shuffled)
        assert project_person(shuffled, BUILTIN, person_id=h.person_id).to_dict() == expected
    assert coverage(expected["years"][0]) == [
        ("2025-01-01", "2025-02-28"),
        ("2025-06-01", "2025-12-31"),
    ]


def test_I_order_payment_before_registration_in_the_file() -> None:
    h = History(registered=None)
    h.paid("2024-10-08", 2025, "400")
    h.add("registered", "2024-11-01", region="340321", birth_date="1960-01-01")
    year = h.year(2025)
    # I-year-region: before the earliest registration, that registration's region
    assert (year["policy"], year["region"], year["enrolled"]) == ("huaiyuan-2025", "340321", True)


def test_I_order_not_registered_is_policy_missing() -> None:
    h = History(registered=None).paid("2024-10-08", 2025, "400")
    year = h.year(2025)
    assert (year["policy"], year["region"], year["flags"]) == (None, None, ["policy_missing"])
    assert year["reasons"]["policy_missing"] == "not_registered"
    assert year["enrolled"] is True  # I-enrolled: the payment stands (continuity)


def test_I_order_payment_naming_its_region_needs_no_registration() -> None:
    year = History(registered=None).paid("2024-10-08", 2025, "400", region="610902").year(2025)
    assert (year["policy"], year["enrolled"]) == ("ankang-2025", True)


def test_I_order_multiple_registrations_move_the_person() -> None:
    h = History("610902")
    h.add("registered", "2024-10-01", region="340321", birth_date="1980-01-01")
    h.paid("2024-10-10", 2025, "400")
    assert h.year(2025)["policy"] == "huaiyuan-2025"
    facts = PersonFacts.from_events("P-TEST", h.parsed())
    assert facts.birth_date is not None and facts.birth_date.isoformat() == "1980-01-01"


def _record(**fields: Any) -> Any:
    return parse_event({"event_id": "x", "person_id": "P", **fields})


def test_I_order_key_is_date_type_event_id() -> None:
    paid = _record(type="paid", date="2025-01-01", coverage_year=2025, amount="1")
    assert event_order(paid) == (paid.date, TYPE_ORDER.index("paid"), "x")
