"""The status export's mapping (projections.export.insured, docs/export.md): each ledger state
from a person's events, with the national platform's 人员参保状态 code and dates it gives."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ledger.events import Event, parse_event
from policies import builtin_registry
from policies.person import PersonFacts
from projections.export.insured import (
    INSURED_COLUMNS,
    LEDGER_STATES,
    PSN_INSU_STAS,
    InsuredStatus,
    insured_row,
    insured_status,
)
from projections.export.persons import PersonIds
from projections.person import project_person

REGISTRY = builtin_registry()
PERSON = "610902197003051215"


def _events(*rows: tuple[str, str, dict[str, Any]]) -> list[Event]:
    events = [
        parse_event(
            {
                "event_id": f"e-{n}",
                "person_id": PERSON,
                "type": kind,
                "date": day,
                **fields,
            }
        )
        for n, (kind, day, fields) in enumerate(rows)
    ]
    return events


REGISTERED = ("registered", "2018-01-01", {"region": "610902", "birth_date": "1970-03-05"})
PAID_2024 = ("paid", "2023-10-10", {"coverage_year": 2024, "amount": "380"})
PAID_2025 = ("paid", "2024-10-10", {"coverage_year": 2025, "amount": "400"})


def _status(events: list[Event], day: str) -> InsuredStatus:
    as_of = date.fromisoformat(day)
    chosen = [e for e in events if e.date <= as_of]
    view = project_person(chosen, REGISTRY, as_of=as_of, person_id=PERSON)
    return insured_status(view, PersonFacts.from_events(PERSON, chosen))


def test_covered_from_the_start_of_consecutive_years() -> None:
    found = _status(_events(REGISTERED, PAID_2024, PAID_2025), "2025-06-01")
    assert (found.state, found.code) == ("covered", "1")
    assert found.insu_date == date(2024, 1, 1)  # 2024 and 2025 join into one run
    assert found.paus_date is None
    assert found.region == "610902"


def test_not_renewed_pauses_from_the_day_after_the_last_covered_day() -> None:
    found = _status(_events(REGISTERED, PAID_2024), "2025-03-01")
    assert (found.state, found.code) == ("not_renewed", "2")
    assert (found.insu_date, found.paus_date) == (date(2024, 1, 1), date(2025, 1, 1))


def test_never_enrolled_is_not_insured_in_the_registered_region() -> None:
    found = _status(_events(REGISTERED), "2025-03-01")
    assert (found.state, found.code) == ("never_enrolled", "0")
    assert (found.insu_date, found.paus_date, found.region) == (None, None, "610902")


def test_death_terminates_the_day_after() -> None:
    died = ("died", "2025-06-30", {})
    found = _status(_events(REGISTERED, PAID_2024, PAID_2025, died), "2025-07-15")
    assert (found.state, found.code) == ("died", "4")
    assert (found.insu_date, found.paus_date) == (date(2024, 1, 1), date(2025, 7, 1))
    assert _status(_events(REGISTERED, PAID_2024, PAID_2025, died), "2025-06-30").state == (
        "covered"
    )


def test_status_lost_terminates_on_the_day_it_was_lost() -> None:
    lost = ("resident_status_lost", "2025-05-10", {"reason": "enlisted"})
    found = _status(_events(REGISTERED, PAID_2025, lost), "2025-06-01")
    assert (found.state, found.code) == ("status_lost", "4")
    assert (found.insu_date, found.paus_date) == (date(2025, 1, 1), date(2025, 5, 10))


def test_employee_insurance_pauses_resident_coverage() -> None:
    # ankang-2025: employee insurance does not end the resident status (§五(三)), it pauses
    # the resident benefits while it lasts (EMP-priority).
    started = ("employee_insurance_started", "2025-03-01", {})
    found = _status(_events(REGISTERED, PAID_2025, started), "2025-04-01")
    assert (found.state, found.code) == ("employee_insurance", "2")
    assert (found.insu_date, found.paus_date) == (date(2025, 1, 1), date(2025, 3, 1))


def test_employee_insurance_ends_the_status_where_the_version_says_so() -> None:
    # ankang-2022: joining employee insurance ends the resident status (§八(五)).
    events = _events(
        ("registered", "2018-01-01", {"region": "610902", "birth_date": "1970-03-05"}),
        ("paid", "2021-10-10", {"coverage_year": 2022, "amount": "320"}),
        ("employee_insurance_started", "2022-04-01", {}),
    )
    found = _status(events, "2022-05-01")
    assert (found.state, found.code) == ("status_lost", "4")
    assert found.paus_date == date(2022, 4, 1)


def test_a_waiting_period_is_insured_with_coverage_still_to_come() -> None:
    # Paid 2022, missed 2023 and 2024, paid 2025 in the central window: 3 + 1 months' wait.
    events = [
        parse_event({**fields, "person_id": PERSON, "event_id": f"w-{n}"})
        for n, fields in enumerate(
            [
                {"type": "registered", "date": "2018-03-01", "region": "610926",
                 "birth_date": "1970-03-05"},
                {"type": "paid", "date": "2021-10-08", "coverage_year": 2022, "amount": "320"},
                {"type": "paid", "date": "2024-10-09", "coverage_year": 2025, "amount": "400"},
            ]
        )
    ]  # fmt: skip
    found = _status(events, "2025-02-01")
    assert (found.state, found.code) == ("waiting", "1")
    assert found.insu_date is not None and found.insu_date > date(2025, 2, 1)
    assert found.paus_date is None
    later = _status(events, found.insu_date.isoformat())
    assert (later.state, later.insu_date) == ("covered", found.insu_date)


def test_a_year_without_policy_version_has_no_status_code() -> None:
    events = _events(
        ("registered", "2018-01-01", {"region": "110101", "birth_date": "1970-03-05"}),
        ("paid", "2024-10-10", {"coverage_year": 2025, "amount": "400"}),
    )
    found = _status(events, "2025-06-01")
    assert found.state == "no_coverage_computed"
    assert found.code == ""


def test_every_state_maps_to_a_platform_code() -> None:
    for state, (code, zh, en) in LEDGER_STATES.items():
        assert code == "" or code in PSN_INSU_STAS, state
        assert zh and en


@pytest.mark.parametrize("mode", ["pseudonym", "mask"])
def test_the_row_names_the_person_without_the_id_number(mode: str) -> None:
    from projections.reporting.pseudonym import PseudonymKey

    key = PseudonymKey(b"insured-tests-key-0123456789", "env")
    ids = PersonIds(key) if mode == "pseudonym" else PersonIds()
    events = _events(REGISTERED, PAID_2024, PAID_2025)
    view = project_person(events, REGISTRY, as_of=date(2025, 6, 1), person_id=PERSON)
    row = insured_row(view, events, ids)
    assert len(row) == len(INSURED_COLUMNS) + 1
    assert PERSON not in row
    assert row[0] == (key.pseudonym(PERSON) if mode == "pseudonym" else "610902********1215")
    assert row[1:5] == (date(2025, 6, 1), "390", "1", date(2024, 1, 1))
