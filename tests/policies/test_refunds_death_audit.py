"""§7 REF-before, §8 DEATH, AUDIT-as-of, AUDIT-known-on."""

from __future__ import annotations

from tests.policies.support import History, coverage


def test_REF_before_start_undoes_enrolment() -> None:
    # other_region: the person has moved to another pooling region by the refund date
    h = History().paid("2024-10-01", 2025, "400").moved("2024-12-01", "340321")
    year = h.refund("2024-12-31", 2025, "400", "other_region").year(2025)
    assert (year["enrolled"], year["coverage"]) == (False, [])
    assert year["contribution"]["refunded"] == "400.00"
    assert "REF-before" in year["basis"]


def test_REF_before_duplicate_refund_keeps_enrolment() -> None:
    h = History().paid("2024-10-01", 2025, "400").paid("2024-10-02", 2025, "400")
    year = h.refund("2024-11-01", 2025, "400").year(2025)
    assert year["enrolled"] is True and year["flags"] == []


def test_refund_after_start_is_flagged_and_coverage_kept() -> None:
    h = History().paid("2024-10-01", 2025, "400").refund("2025-01-01", 2025, "400", "other")
    year = h.year(2025)
    assert year["enrolled"] is True
    assert coverage(year) == [("2025-01-01", "2025-12-31")]
    assert year["flags"] == ["refund_after_start"]


def test_DEATH_before_start_no_coverage() -> None:
    h = History().paid("2024-10-01", 2025, "400").died("2024-12-01")
    year = h.year(2025)
    assert year["coverage"] == []


def test_DEATH_on_first_day() -> None:
    h = History().paid("2024-10-01", 2025, "400").died("2025-01-01")
    assert coverage(h.year(2025)) == [("2025-01-01", "2025-01-01")]


def test_AUDIT_as_of_filters_by_business_date() -> None:
    h = History().paid("2024-10-01", 2025, "400").died("2025-06-30")
    view = h.view(as_of=__import__("datetime").date(2025, 6, 29))
    assert view["as_of"] == "2025-06-29"
    assert coverage(view["years"][0]) == [("2025-01-01", "2025-12-31")]
    assert coverage(h.year(2025)) == [("2025-01-01", "2025-06-30")]


def test_AUDIT_known_on_filters_by_recording_time() -> None:
    from datetime import datetime

    h = History().paid("2024-10-01", 2025, "400", recorded_at="2024-10-01T10:00:00+08:00")
    h.add("died", "2025-03-10", recorded_at="2025-06-01T10:00:00+08:00")
    before = h.view(known_on=datetime.fromisoformat("2025-06-01T09:59:59+08:00"))
    after = h.view(known_on=datetime.fromisoformat("2025-06-01T10:00:00+08:00"))
    assert coverage(before["years"][0]) == [("2025-01-01", "2025-12-31")]
    assert coverage(after["years"][0]) == [("2025-01-01", "2025-03-10")]


def test_years_listed_for_paid_refunded_and_reimbursed() -> None:
    h = History().paid("2024-10-01", 2025, "400").claim("2026-02-01", 2026, "10.00")
    assert [y["year"] for y in h.view()["years"]] == [2025, 2026]


def test_REF_before_refund_then_late_repayment_enrols_from_the_repayment() -> None:
    h = History().paid("2024-10-01", 2025, "400").refund("2024-11-01", 2025, "400", "other")
    year = h.paid("2025-02-15", 2025, "400").year(2025)
    assert year["enrolled"] is True
    assert coverage(year) == [("2025-05-15", "2025-12-31")]  # a late payer now: 3 months
    assert year["contribution"]["paid"] == "800.00"
    assert year["contribution"]["refunded"] == "400.00"


def test_REF_ak22_no_refund_from_1_january() -> None:
    h = History().paid("2021-10-01", 2022, "320").paid("2021-10-02", 2022, "320")
    ok = h.refund("2021-12-31", 2022, "320").year(2022)
    assert (ok["enrolled"], ok["flags"]) == (True, [])
    assert "REF-ak22" in ok["basis"]
    h = History().paid("2021-10-01", 2022, "320").paid("2021-10-02", 2022, "320")
    late = h.refund("2022-01-01", 2022, "320").year(2022)
    assert late["flags"] == ["refund_after_start"]


def test_REF_ak22_newborn_refund_after_the_window_is_not_allowed() -> None:
    h = History(registered=None).born("2022-03-10").paid("2022-03-20", 2022, "320")
    year = h.refund("2022-03-21", 2022, "320", "duplicate").year(2022)
    assert year["flags"] == ["refund_after_start"] and year["enrolled"] is True


def test_REF_wrong_region_counts_from_the_first_payment() -> None:
    h = History().paid("2021-11-01", 2022, "320").refund("2021-12-10", 2022, "320", "wrong_region")
    year = h.paid("2022-02-10", 2022, "320").year(2022)
    assert year["enrolled"] is True
    assert coverage(year) == [("2022-01-01", "2022-12-31")]
    assert "REF-wrong-region" in year["basis"]


def test_REF_wrong_region_only_in_ak22() -> None:
    h = History().paid("2023-11-01", 2024, "380").refund("2023-12-10", 2024, "380", "wrong_region")
    year = h.paid("2024-02-10", 2024, "380").year(2024)
    assert coverage(year) == [("2024-03-01", "2024-12-31")]


def test_REF_before_full_refund_is_not_a_partial_payment() -> None:
    h = History().paid("2024-10-01", 2025, "400").refund("2024-11-01", 2025, "400", "other")
    assert h.year(2025)["flags"] == []
    h = History().paid("2024-10-01", 2025, "400").refund("2024-11-01", 2025, "100", "other")
    assert h.year(2025)["flags"] == ["partial_payment"]
