"""§4 special groups: NB-90, NB-died, STU, XA24-stu, EMP-stop, EMP-bridge, EMP-priority,
LATE-special, I-days."""

from __future__ import annotations

import pytest

from tests.policies.support import History, coverage


def newborn(region: str = "610902") -> History:
    return History(region, registered=None)


@pytest.mark.parametrize(
    ("paid_on", "start"),
    [("2024-06-08", "2024-03-10"), ("2024-06-09", "2024-07-01")],  # day 90, day 91
)
def test_NB_90_shaanxi_day_90_and_91(paid_on: str, start: str) -> None:
    year = newborn().born("2024-03-10").paid(paid_on, 2024, "380").year(2024)
    assert coverage(year) == [(start, "2024-12-31")]


@pytest.mark.parametrize(
    ("paid_on", "start"),
    [("2025-04-05", "2025-01-05"), ("2025-04-06", "2025-04-07")],  # day 90, day 91
)
def test_NB_90_huaiyuan_day_90_and_91(paid_on: str, start: str) -> None:
    year = newborn("340321").born("2025-01-05").paid(paid_on, 2025, "400").year(2025)
    assert coverage(year) == [(start, "2025-12-31")]


def test_NB_90_year_end_birth_next_year_paid_on_day_90() -> None:
    # born 89 days before 31 December: a year-end newborn; day 90 is 2025-01-01
    h = newborn().born("2024-10-03").paid("2025-01-01", 2025, "400")
    year = h.year(2025)
    assert coverage(year) == [("2025-01-01", "2025-12-31")]
    assert year["waiting"]["total_months"] == 0


def test_NB_90_year_end_birth_ak22_after_90_days_gives_nothing() -> None:
    h = newborn().born("2021-12-15").paid("2022-04-01", 2022, "320")
    year = h.year(2022)
    assert (year["enrolled"], year["coverage"]) == (False, [])


def test_NB_90_birth_year_payment_for_birth_year_within_90_days() -> None:
    year = newborn().born("2024-12-15").paid("2024-12-20", 2024, "380").year(2024)
    assert coverage(year) == [("2024-12-15", "2024-12-31")]


def test_NB_90_huaiyuan_under_one_born_last_year_paid_late() -> None:
    year = newborn("340321").born("2024-06-01").paid("2025-02-01", 2025, "400").year(2025)
    assert coverage(year) == [("2025-02-02", "2025-12-31")]
    assert year["waiting"]["total_months"] == 0


def test_NB_died_keeps_coverage_bought_within_90_days() -> None:
    h = newborn().born("2025-01-10").died("2025-02-01").paid("2025-03-01", 2025, "400")
    year = h.year(2025)
    assert coverage(year) == [("2025-01-10", "2025-02-01")]
    assert "NB-died" in year["basis"]


def test_STU_covered_from_payment_day() -> None:
    h = History().grant("2023-09-01", "college_student").paid("2024-03-15", 2024, "380")
    assert coverage(h.year(2024)) == [("2024-03-15", "2024-12-31")]


def test_STU_student_paying_late_in_ak25_has_no_waiting() -> None:
    h = History().grant("2023-09-01", "college_student").paid("2025-02-15", 2025, "400")
    year = h.year(2025)
    assert coverage(year) == [("2025-02-15", "2025-12-31")]
    assert year["waiting"]["total_months"] == 0


def test_XA24_stu_new_student() -> None:
    h = History("610100", registered="2023-09-01", birth="2005-04-04")
    h.grant("2023-09-01", "college_student").paid("2023-09-20", 2024, "380")
    assert coverage(h.year(2024)) == [("2023-09-01", "2024-12-31")]


def test_XA24_stu_not_for_a_student_who_paid_last_school_year() -> None:
    h = History("610100").grant("2022-09-01", "college_student")
    h.paid("2022-10-10", 2023, "350").paid("2023-10-10", 2024, "380")
    assert coverage(h.year(2024)) == [("2024-01-01", "2024-12-31")]


def test_XA24_stu_only_in_xian() -> None:
    h = History("610902", registered="2023-09-01").grant("2023-09-01", "college_student")
    assert coverage(h.paid("2023-09-20", 2024, "380").year(2024))[0][0] == "2024-01-01"


def test_EMP_stop_shaanxi_next_month_no_subsidy() -> None:
    h = History().grant("2020-01-01", "dibao").employee("2018-01-01", "2024-08-10")
    year = h.paid("2024-08-20", 2024, "380").year(2024)
    assert coverage(year) == [("2024-09-01", "2024-12-31")]
    assert year["contribution"]["subsidy"] == "0.00"


def test_EMP_bridge_ak25_long_insured_short_gap_no_waiting() -> None:
    h = History().employee("2020-01-01", "2025-03-10").paid("2025-04-15", 2025, "400")
    year = h.year(2025)
    assert coverage(year) == [("2025-05-01", "2025-12-31")]
    assert year["waiting"]["total_months"] == 0
    assert "EMP-bridge" in year["basis"]


def test_EMP_bridge_ak25_short_employment_waits() -> None:
    # AK25 §五(六) requires 2 consecutive insured years: 9 months is not a bridge.
    h = History().employee("2024-06-01", "2025-03-10").paid("2025-04-15", 2025, "400")
    year = h.year(2025)
    assert coverage(year) == [("2025-07-15", "2025-12-31")]
    assert year["waiting"]["fixed_months"] == 3


def test_EMP_bridge_ak25_gap_over_three_months_waits() -> None:
    h = History().employee("2020-01-01", "2025-01-10").paid("2025-04-15", 2025, "400")
    assert coverage(h.year(2025)) == [("2025-07-15", "2025-12-31")]


def test_EMP_stop_not_in_huaiyuan() -> None:
    h = History("340321").employee("2018-01-01", "2025-05-10").paid("2025-05-20", 2025, "400")
    year = h.year(2025)
    assert "EMP-stop" not in year["basis"]
    assert coverage(year) == [("2025-08-20", "2025-12-31")]


def test_EMP_priority_pauses_resident_coverage() -> None:
    h = History().paid("2024-10-10", 2025, "400").employee("2025-05-01", "2025-08-31")
    year = h.year(2025)
    assert coverage(year) == [("2025-01-01", "2025-04-30"), ("2025-09-01", "2025-12-31")]
    assert year["flags"] == ["duplicate_enrolment"]
    assert "EMP-priority" in year["basis"]


def test_EMP_priority_open_employment_ends_coverage() -> None:
    h = History().paid("2024-10-10", 2025, "400").employee("2025-05-01")
    assert coverage(h.year(2025)) == [("2025-01-01", "2025-04-30")]


def test_LATE_special_veteran_shaanxi_next_month() -> None:
    h = History().grant("2024-05-01", "veteran").paid("2024-08-10", 2024, "380")
    assert coverage(h.year(2024)) == [("2024-09-01", "2024-12-31")]


def test_LATE_special_huaiyuan_next_day() -> None:
    h = History("340321").grant("2025-05-01", "released_prisoner").paid("2025-06-10", 2025, "400")
    year = h.year(2025)
    assert coverage(year) == [("2025-06-11", "2025-12-31")]
    assert year["waiting"]["total_months"] == 0


def test_LATE_special_newly_recognised_subsidy_identity() -> None:
    h = History().grant("2025-05-10", "dibao").paid("2025-05-20", 2025, "400")
    year = h.year(2025)
    assert coverage(year) == [("2025-06-01", "2025-12-31")]
    assert year["contribution"]["subsidy"] == "0.00"
    assert "LATE-special" in year["basis"]


def test_earliest_start_wins_student_with_break() -> None:
    h = History().paid("2021-10-10", 2022, "320").grant("2023-09-01", "college_student")
    year = h.paid("2024-10-10", 2025, "400").year(2025)
    assert coverage(year) == [("2025-01-01", "2025-12-31")]
    assert year["basis"][0] == "STU"


def test_NB_90_year_end_birth_year_paid_after_31_december_within_90_days() -> None:
    year = newborn().born("2024-12-15").paid("2025-01-10", 2024, "380").year(2024)
    assert year["enrolled"] is True
    assert coverage(year) == [("2024-12-15", "2024-12-31")]


def test_I_paid_on_student_paying_on_1_january_of_the_late_window() -> None:
    h = History().grant("2023-09-01", "college_student").paid("2024-01-01", 2024, "380")
    assert coverage(h.year(2024)) == [("2024-01-01", "2024-12-31")]


# ---------------------------------------------------------------- LATE-special (2026-11-30)


@pytest.mark.parametrize(
    ("region", "year", "paid_on", "start"),
    [("610902", 2024, "2024-08-10", "2024-09-01"), ("610902", 2025, "2025-08-10", "2025-09-01")],
)
def test_LATE_special_veteran_spouse(region: str, year: int, paid_on: str, start: str) -> None:
    h = History(region).grant("2019-05-01", "veteran_spouse").paid(paid_on, year, "400")
    assert coverage(h.year(year)) == [(start, f"{year}-12-31")]


def test_LATE_special_ak22_names_only_veterans_not_spouses() -> None:
    h = History("610902").grant("2022-03-01", "veteran_spouse").paid("2022-05-10", 2022, "320")
    assert h.year(2022)["flags"] == ["paid_outside_window"]


@pytest.mark.parametrize(("recognised", "special"), [("2024-01-01", True), ("2023-12-31", False)])
def test_LATE_special_veteran_and_graduate_of_the_coverage_year(
    recognised: str, special: bool
) -> None:
    for identity in ("veteran", "returning_graduate"):
        h = History().grant(recognised, identity).paid("2024-08-10", 2024, "380")
        year = h.year(2024)
        assert (coverage(year) == [("2024-09-01", "2024-12-31")]) is special, identity
        assert (year["flags"] == ["paid_outside_window"]) is not special, identity


def test_LATE_special_ak22_veteran_from_any_year() -> None:
    # AK22 §四(三) 军人退出现役后: no discharge-year limit in the Ankang 2022 notice
    h = History().grant("2020-05-01", "veteran").paid("2022-05-10", 2022, "320")
    assert coverage(h.year(2022)) == [("2022-06-01", "2022-12-31")]


def test_LATE_special_other_uninsured_college_student_sx24() -> None:
    # SX24 §二(四) 其他未参保大学生: a student's own start (STU) is earlier and wins
    h = History().grant("2023-09-01", "college_student").paid("2024-08-10", 2024, "380")
    assert coverage(h.year(2024)) == [("2024-08-10", "2024-12-31")]


HY = "340321"


@pytest.mark.parametrize(
    ("recognised", "start"), [("2025-01-01", "2025-03-11"), ("2024-12-31", "2025-06-10")]
)
def test_LATE_special_huaiyuan_veteran_discharged_in_the_year(recognised: str, start: str) -> None:
    h = History(HY).grant(recognised, "veteran").paid("2025-03-10", 2025, "400")
    assert coverage(h.year(2025)) == [(start, "2025-12-31")]


def test_LATE_special_huaiyuan_veteran_spouse() -> None:
    h = History(HY).grant("2020-01-01", "veteran_spouse").paid("2025-03-10", 2025, "400")
    assert coverage(h.year(2025)) == [("2025-03-11", "2025-12-31")]


@pytest.mark.parametrize(
    ("late_reason", "start"), [("not_own_fault", "2025-03-11"), (None, "2025-06-10")]
)
def test_LATE_special_huaiyuan_late_reason(late_reason: str | None, start: str) -> None:
    h = History(HY).grant("2024-01-01", "dibao")
    fields = {"late_reason": late_reason} if late_reason else {}
    year = h.paid("2025-03-10", 2025, "60", **fields).year(2025)
    assert coverage(year) == [(start, "2025-12-31")]
    # SUB-window has no source in HY25: the 低保 subsidy stands outside the central window
    assert (year["contribution"]["subsidy"], year["contribution"]["individual_due"]) == (
        "340.00",
        "60.00",
    )


@pytest.mark.parametrize(
    ("recognised", "start"), [("2025-01-01", "2025-03-11"), ("2024-12-31", "2025-06-10")]
)
def test_LATE_special_huaiyuan_newly_recognised(recognised: str, start: str) -> None:
    for identity in ("retired_fisher", "dibao_edge", "dibao"):
        h = History(HY).grant(recognised, identity).paid("2025-03-10", 2025, "400")
        assert coverage(h.year(2025)) == [(start, "2025-12-31")], identity


def test_LATE_special_huaiyuan_priority_care_is_a_general_resident() -> None:
    h = History(HY).grant("2025-02-01", "priority_care").paid("2025-03-10", 2025, "400")
    assert coverage(h.year(2025)) == [("2025-06-10", "2025-12-31")]


# ---------------------------------------------------------------- STU, I-paid-on


def test_STU_huaiyuan_students_are_general_residents() -> None:
    h = History(HY).grant("2023-09-01", "college_student").paid("2025-03-15", 2025, "400")
    year = h.year(2025)
    assert coverage(year) == [("2025-06-15", "2025-12-31")]
    assert "STU" not in year["basis"]


@pytest.mark.parametrize(
    ("paid_on", "start"),
    [("2023-12-20", "2024-01-01"), ("2024-01-01", "2024-01-01"), ("2024-01-02", "2024-01-02")],
)
def test_I_paid_on_before_and_in_the_year(paid_on: str, start: str) -> None:
    h = History().grant("2023-09-01", "college_student").paid(paid_on, 2024, "380")
    assert coverage(h.year(2024)) == [(start, "2024-12-31")]


@pytest.mark.parametrize(("paid_on", "enrolled"), [("2024-09-01", True), ("2024-08-31", False)])
def test_STU_payment_from_the_start_of_the_central_window(paid_on: str, enrolled: bool) -> None:
    h = History().grant("2023-09-01", "college_student").paid(paid_on, 2025, "400")
    assert h.year(2025)["enrolled"] is enrolled
