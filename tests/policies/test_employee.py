"""Employee insurance and resident status: EMP-stop, EMP-bridge (I-insured-2y, I-this-month),
the WAIT-fixed exemption of a bridge, EMP-lost, EMP-priority per version."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.events import trusted_event
from policies.calendar import years_before
from policies.person import PersonFacts
from policies.rules.starts import insured_two_years
from tests.policies.support import History, coverage


def resident_then_employee(start: str = "2024-06-01", stop: str = "2025-04-30") -> History:
    """Resident 2023 and 2024, then employee insurance (the acceptance case's person)."""
    h = History().paid("2022-10-10", 2023, "350").paid("2023-10-10", 2024, "380")
    return h.employee(start, stop)


@pytest.mark.parametrize(
    ("paid_on", "start", "months"),
    [
        ("2025-05-20", "2025-06-01", 0),
        ("2025-07-30", "2025-08-01", 0),  # S + 3 months: the last day of the bridge
        ("2025-07-31", "2025-10-31", 3),  # the first day after: EMP-stop, waits from payment
    ],
)
def test_EMP_bridge_last_day_of_three_months(paid_on: str, start: str, months: int) -> None:
    year = resident_then_employee().paid(paid_on, 2025, "400").year(2025)
    assert coverage(year) == [(start, "2025-12-31")]
    assert year["waiting"]["total_months"] == months
    assert year["continuity"]["break_years"] == 0
    assert ("EMP-bridge" in year["basis"]) is (months == 0)
    assert "EMP-stop" in year["basis"]


@pytest.mark.parametrize(("first", "bridge"), [("2023-05-01", True), ("2023-05-02", False)])
def test_I_insured_2y_first_day(first: str, bridge: bool) -> None:
    # S = 2025-04-30: every day from 2023-05-01 must be insured; 2024 is a resident year
    h = History().paid("2023-10-10", 2024, "380").employee(first, "2023-12-31")
    h.employee("2025-01-01", "2025-04-30").paid("2025-05-20", 2025, "400")
    year = h.year(2025)
    assert coverage(year)[0][0] == ("2025-06-01" if bridge else "2025-08-20")


def test_I_insured_2y_29_february_reads_as_28() -> None:
    assert years_before(date(2024, 2, 29), 2) == date(2022, 2, 28)
    for first, holds in (("2022-03-01", True), ("2022-03-02", False)):
        facts = PersonFacts.from_events("P-TEST", History().employee(first, "2024-02-29").parsed())
        assert insured_two_years(facts, date(2024, 2, 29), frozenset(), 2) is holds


def test_I_insured_2y_a_stop_without_start_spans_one_day() -> None:
    h = History().paid("2023-10-10", 2024, "380").employee(None, "2025-04-30")
    year = h.paid("2025-05-20", 2025, "400").year(2025)
    assert "EMP-bridge" not in year["basis"]
    assert coverage(year) == [("2025-08-20", "2025-12-31")]


def test_I_insured_2y_counts_resident_years_without_version() -> None:
    # 2023 has no version (policy_missing) but is enrolled: all its days count
    h = History().paid("2022-10-10", 2023, "1").paid("2023-10-10", 2024, "380")
    h.employee("2024-06-01", "2025-04-30").paid("2025-05-20", 2025, "400")
    assert coverage(h.year(2025)) == [("2025-06-01", "2025-12-31")]


@pytest.mark.parametrize(
    ("paid_on", "start"),
    [
        ("2024-12-25", "2025-01-01"),  # paid before the year, outside the windows
        ("2025-01-15", "2025-01-01"),
        ("2025-03-01", "2025-03-01"),  # S + 3 months (30 February rolls to 1 March)
    ],
)
def test_I_this_month_stop_before_the_coverage_year(paid_on: str, start: str) -> None:
    h = History().paid("2021-10-10", 2022, "320").paid("2022-10-10", 2023, "350")
    h.paid("2023-10-10", 2024, "380")
    year = h.employee("2024-06-01", "2024-11-30").paid(paid_on, 2025, "400").year(2025)
    assert coverage(year) == [(start, "2025-12-31")]
    assert year["waiting"]["total_months"] == 0
    assert {"EMP-bridge"} <= set(year["basis"]) and "EMP-stop" not in year["basis"]


def test_EMP_bridge_stop_before_the_year_without_bridge_follows_the_general_rules() -> None:
    h = History().employee("2024-06-01", "2024-11-30")  # seven months insured
    year = h.paid("2025-01-15", 2025, "400").year(2025)
    assert coverage(year) == [("2025-04-15", "2025-12-31")]
    assert year["basis"][0] == "AK25-late"
    # the same person paying between the windows buys nothing
    h = History().employee("2024-06-01", "2024-11-30").paid("2024-12-25", 2025, "400")
    assert h.year(2025)["flags"] == ["paid_outside_window"]


def test_WAIT_fixed_EMP_stop_without_bridge_waits_fixed_and_variable() -> None:
    # enrolled 2021 (no version); 2022 and 2023 break years, 2024 bridged by employment
    h = History().paid("2020-10-10", 2021, "1").employee("2024-06-01", "2025-04-30")
    year = h.paid("2025-08-05", 2025, "400").year(2025)
    assert year["continuity"]["break_years"] == 2  # 2022 and 2023
    assert year["waiting"] == {
        "fixed_months": 3,
        "variable_months": 1,
        "repaired_months": 0,
        "total_months": 4,
    }
    assert coverage(year) == [("2025-12-05", "2025-12-31")]


def test_EMP_stop_shaanxi_needs_the_stop_in_the_coverage_year() -> None:
    between = History().employee("2018-01-01", "2023-12-25").paid("2023-12-28", 2024, "380")
    assert between.year(2024)["flags"] == ["paid_outside_window"]
    after = History().employee("2018-01-01", "2024-01-01").paid("2024-07-05", 2024, "380")
    assert coverage(after.year(2024)) == [("2024-08-01", "2024-12-31")]


# ---------------------------------------------------------------- EMP-lost


def ak22() -> History:
    return History("610921").paid("2021-11-01", 2022, "320")


@pytest.mark.parametrize(
    ("started", "expected"),
    [
        ("2022-01-01", []),  # on the start: no coverage
        ("2022-01-02", [("2022-01-01", "2022-01-01")]),
        ("2022-03-15", [("2022-01-01", "2022-03-14")]),
    ],
)
def test_EMP_lost_ak22_joining_employee_insurance(
    started: str, expected: list[tuple[str, str]]
) -> None:
    year = ak22().employee(started, "2022-10-31").year(2022)
    assert coverage(year) == expected
    assert year["enrolled"] is True  # the payment stays enrolled, not refunded
    assert year["flags"] == ["status_lost"]
    assert "EMP-lost" in year["basis"] and "EMP-priority" not in year["basis"]


def test_EMP_lost_ak22_a_later_payment_is_a_new_enrolment() -> None:
    h = ak22().employee("2022-03-15", "2022-10-31").paid("2022-11-05", 2022, "320")
    year = h.year(2022)
    assert coverage(year) == [("2022-01-01", "2022-03-14"), ("2022-12-01", "2022-12-31")]
    assert "overpaid" not in year["flags"]  # the first payment was spent (不予退还)
    assert year["contribution"]["paid"] == "640.00"


@pytest.mark.parametrize("reason", ["enlisted", "imprisoned", "other_scheme"])
def test_EMP_lost_ak22_every_status_loss(reason: str) -> None:
    year = ak22().status_lost("2022-06-01", reason).year(2022)
    assert coverage(year) == [("2022-01-01", "2022-05-31")]
    assert year["flags"] == ["status_lost"]


@pytest.mark.parametrize(
    ("region", "year", "reason", "cut"),
    [
        ("610902", 2024, "enlisted", True),
        ("610902", 2024, "other_scheme", True),
        ("610902", 2024, "imprisoned", False),
        ("610100", 2024, "enlisted", True),
        ("610902", 2025, "other_scheme", True),
        ("610902", 2025, "imprisoned", False),
        ("340321", 2025, "enlisted", True),
        ("340321", 2025, "other_scheme", False),
        ("340321", 2025, "imprisoned", False),
    ],
)
def test_EMP_lost_per_version(region: str, year: int, reason: str, cut: bool) -> None:
    h = History(region).paid(f"{year - 1}-10-10", year, "400" if year == 2025 else "380")
    entry = h.status_lost(f"{year}-06-01", reason).year(year)
    end = f"{year}-05-31" if cut else f"{year}-12-31"
    assert coverage(entry) == [(f"{year}-01-01", end)]
    assert "status_lost" in entry["flags"]


def test_EMP_lost_only_the_year_containing_the_loss() -> None:
    h = History().paid("2023-10-10", 2024, "380").paid("2024-10-10", 2025, "400")
    view = {y["year"]: y for y in h.status_lost("2024-11-01", "enlisted").view()["years"]}
    assert coverage(view[2024]) == [("2024-01-01", "2024-10-31")]
    assert coverage(view[2025]) == [("2025-01-01", "2025-12-31")]
    assert "status_lost" not in view[2025]["flags"]


def test_EMP_lost_a_veteran_comes_back_in_the_year() -> None:
    h = History().paid("2024-10-10", 2025, "400").status_lost("2025-03-10", "enlisted")
    h.grant("2025-09-01", "veteran").paid("2025-09-10", 2025, "400")
    year = h.year(2025)
    assert coverage(year) == [("2025-01-01", "2025-03-09"), ("2025-10-01", "2025-12-31")]
    # OVER-paid counts the first payment outside ankang-2022 (POLICY.md §7)
    assert year["flags"] == ["overpaid", "status_lost"]


# ---------------------------------------------------------------- EMP-priority


@pytest.mark.parametrize(
    ("stop", "expected"),
    [
        ("2025-04-15", [("2025-05-10", "2025-12-31")]),  # stopped before the start: nothing
        ("2025-05-20", [("2025-05-21", "2025-12-31")]),  # never before its own start
        ("2026-02-28", []),  # the next stop is after the year: no resumption
    ],
)
def test_EMP_priority_resumes_after_the_stop_in_the_year(
    stop: str, expected: list[tuple[str, str]]
) -> None:
    h = History().paid("2025-02-10", 2025, "400").employee("2025-03-01", stop)
    assert coverage(h.year(2025)) == expected


def test_EMP_priority_huaiyuan_ends_without_resumption() -> None:
    h = History("340321").paid("2024-10-10", 2025, "400").employee("2025-05-01", "2025-08-31")
    year = h.year(2025)
    assert coverage(year) == [("2025-01-01", "2025-04-30")]
    assert "duplicate_enrolment" in year["flags"] and "EMP-priority" in year["basis"]


def test_EMP_priority_huaiyuan_active_at_the_start_gives_nothing() -> None:
    h = History("340321").employee("2024-06-01", "2025-02-28").paid("2024-10-10", 2025, "400")
    assert h.year(2025)["coverage"] == []


def test_EMP_priority_ak22_employment_from_before_the_year_pauses() -> None:
    year = ak22().employee("2021-06-01", "2022-02-28").year(2022)
    assert coverage(year) == [("2022-03-01", "2022-12-31")]
    assert year["flags"] == ["duplicate_enrolment"]


def test_I_insured_2y_stop_in_year_one_does_not_fail() -> None:
    # The import refuses such a date now (bad_date, docs/import.md "Limits"); a store written
    # before may hold one, and the fold reads stored events without validating them again.
    events = [trusted_event(e) for e in History().employee(None, "0001-06-30").events]
    facts = PersonFacts.from_events("P-TEST", events)
    assert insured_two_years(facts, date(1, 6, 30), frozenset(), 2) is False
