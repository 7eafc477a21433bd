"""§7 REF-before, §8 DEATH, AUDIT-as-of, AUDIT-known-on."""

from __future__ import annotations

from tests.policies.support import History, coverage


def test_REF_before_start_undoes_enrolment() -> None:
    h = History().paid("2024-10-01", 2025, "400").refund("2024-12-31", 2025, "400", "other_region")
    year = h.year(2025)
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
