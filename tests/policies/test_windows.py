"""§3 windows and the general rule: AK22-central, SX24-central/late, AK25-central/late,
HY25-central/migrant, GEN-outside, I-window-days, I-next-month, I-next-day."""

from __future__ import annotations

import pytest

from tests.policies.support import History, coverage


@pytest.mark.parametrize(
    ("paid_on", "expected"),
    [
        ("2021-09-01", [("2022-01-01", "2022-12-31")]),
        ("2021-12-31", [("2022-01-01", "2022-12-31")]),
    ],
)
def test_AK22_central_first_and_last_day(paid_on: str, expected: list[tuple[str, str]]) -> None:
    year = History().paid(paid_on, 2022, "320").year(2022)
    assert year["policy"] == "ankang-2022" and year["policy_revision"] == 2
    assert coverage(year) == expected
    assert year["basis"][0] == "AK22-central"


@pytest.mark.parametrize("paid_on", ["2021-08-31", "2022-01-01", "2022-06-30"])
def test_GEN_outside_AK22_has_no_late_window(paid_on: str) -> None:
    year = History().paid(paid_on, 2022, "320").year(2022)
    assert year["enrolled"] is False
    assert year["coverage"] == []
    assert year["flags"] == ["paid_outside_window"]
    assert year["contribution"]["paid"] == "320.00"
    assert "GEN-outside" in year["basis"]


@pytest.mark.parametrize(
    ("paid_on", "start"),
    [
        ("2023-09-01", "2024-01-01"),
        ("2023-12-20", "2024-01-01"),
        ("2024-01-01", "2024-02-01"),
        ("2024-01-31", "2024-02-01"),
        ("2024-06-30", "2024-07-01"),
    ],
)
def test_SX24_windows_boundaries(paid_on: str, start: str) -> None:
    year = History("610925").paid(paid_on, 2024, "380").year(2024)
    assert year["policy"] == "shaanxi-2024"
    assert coverage(year) == [(start, "2024-12-31")]


@pytest.mark.parametrize("paid_on", ["2023-08-31", "2023-12-21", "2023-12-31", "2024-07-01"])
def test_GEN_outside_SX24_between_and_after_windows(paid_on: str) -> None:
    year = History("610925").paid(paid_on, 2024, "380").year(2024)
    assert (year["enrolled"], year["flags"]) == (False, ["paid_outside_window"])


def test_SX24_late_basis_names_the_reading() -> None:
    year = History().paid("2024-03-15", 2024, "380").year(2024)
    assert year["basis"] == ["SX24-late"]


def test_XA24_inherits_the_provincial_windows() -> None:
    year = History("610100").paid("2024-02-10", 2024, "380").year(2024)
    assert year["policy"] == "xian-2024"
    assert coverage(year) == [("2024-03-01", "2024-12-31")]


@pytest.mark.parametrize(
    ("paid_on", "start"),
    [
        ("2024-09-01", "2025-01-01"),
        ("2024-12-20", "2025-01-01"),
        ("2025-01-01", "2025-04-01"),  # WAIT-start: the payment day is day one
        ("2025-03-31", "2025-07-01"),  # 31 June does not exist: 1 July
    ],
)
def test_AK25_windows_boundaries(paid_on: str, start: str) -> None:
    year = History().paid(paid_on, 2025, "400").year(2025)
    assert coverage(year) == [(start, "2025-12-31")]


@pytest.mark.parametrize("paid_on", ["2024-08-31", "2024-12-21", "2025-04-01"])
def test_GEN_outside_AK25(paid_on: str) -> None:
    year = History().paid(paid_on, 2025, "400").year(2025)
    assert (year["enrolled"], year["coverage"], year["flags"]) == (
        False,
        [],
        ["paid_outside_window"],
    )


def test_HY25_central_last_day_is_31_december() -> None:
    year = History("340321").paid("2024-12-31", 2025, "400").year(2025)
    assert coverage(year) == [("2025-01-01", "2025-12-31")]
    assert year["basis"][0] == "HY25-central"


@pytest.mark.parametrize(
    ("paid_on", "start"), [("2025-01-01", "2025-01-02"), ("2025-02-28", "2025-03-01")]
)
def test_HY25_migrant_late_window_next_day(paid_on: str, start: str) -> None:
    h = History("340321").grant("2020-01-01", "migrant_worker").paid(paid_on, 2025, "400")
    year = h.year(2025)
    assert coverage(year) == [(start, "2025-12-31")]
    assert year["waiting"]["total_months"] == 0
    assert year["basis"][0] == "HY25-migrant"


def test_WAIT_hy25_general_resident_enrols_after_waiting() -> None:
    year = History("340321").paid("2025-01-10", 2025, "400").year(2025)
    assert year["enrolled"] is True
    assert coverage(year) == [("2025-04-10", "2025-12-31")]
    assert year["waiting"] == {
        "fixed_months": 3,
        "variable_months": 0,
        "repaired_months": 0,
        "total_months": 3,
    }
    assert "WAIT-hy25" in year["basis"]


def test_HY25_migrant_after_late_window_waits_like_everyone() -> None:
    h = History("340321").grant("2020-01-01", "migrant_worker").paid("2025-03-01", 2025, "400")
    assert coverage(h.year(2025)) == [("2025-06-01", "2025-12-31")]


def test_policy_missing_year_counts_for_continuity_only() -> None:
    year = History().paid("2022-10-10", 2023, "350").year(2023)
    assert year["policy"] is None and year["policy_revision"] is None
    assert year["enrolled"] is True
    assert year["coverage"] == []
    assert year["flags"] == ["policy_missing"]
    assert "2023" in year["reasons"]["policy_missing"]


@pytest.mark.parametrize(("paid_on", "start"), [("2024-08-31", "2025-04-01"), ("2025-12-31", None)])
def test_WAIT_hy25_payment_before_the_central_window(paid_on: str, start: str | None) -> None:
    # GEN-outside does not apply to huaiyuan-2025: a payment before the central window waits
    # from 1 January (WAIT-start); one on 31 December would wait past the year's end: it buys
    # nothing of 2025 and is not an enrolment
    year = History("340321").paid(paid_on, 2025, "400").year(2025)
    assert year["enrolled"] is (start is not None)
    assert ("paid_outside_window" in year["flags"]) is (start is None)
    assert coverage(year) == ([(start, "2025-12-31")] if start else [])
