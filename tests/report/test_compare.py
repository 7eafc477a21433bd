"""Two cuts side by side: each changed year with the events or parameters that caused it."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from policies import builtin_registry
from projections.person import CHINA
from projections.replay import Cut
from projections.report.compare import Side, compare_reports
from projections.report.html import render_comparison
from projections.report.labels import UI
from projections.report.model import build_report
from tests.report.support import EXAMPLE_PERSON, MADE_AT, example_events, revised_policies


def _side(label: str, cut: Cut, registry=None) -> Side:  # type: ignore[no-untyped-def]
    report = build_report(
        EXAMPLE_PERSON,
        example_events(),
        registry or builtin_registry(),
        cut=cut,
        made_at=MADE_AT,
    )
    return Side(UI[label], str(cut), report)


def test_the_late_recorded_refund_changes_2025() -> None:
    before = _side("side_a", Cut(known_on=datetime(2025, 1, 1, tzinfo=CHINA)))
    after = _side("side_b", Cut(known_on=datetime(2025, 6, 1, tzinfo=CHINA)))
    comparison = compare_reports(before, after)
    years = {y.year: y for y in comparison.years}
    assert not years[2022].changed and not years[2022].causes
    changed = {row.key: (row.a, row.b) for row in years[2025].changes}
    assert changed["refunded"] == ("0.00 元", "200.00 元")
    (cause,) = [c for c in years[2025].causes if c.kind.startswith("event")]
    assert cause.kind == "event_b" and "#6 2024-11-05 退费" in cause.text
    assert "2025-02-10T10:00:00+08:00" in (cause.detail or "")
    assert [line.key for line in comparison.only_in_b] == ["r-06"]
    assert comparison.only_in_a == ()
    html = render_comparison(comparison)
    assert 'data-year="2025" data-changed="yes"' in html
    assert 'data-year="2022" data-changed="no"' in html
    assert EXAMPLE_PERSON not in html


def test_an_earlier_year_is_a_cause() -> None:
    # Without the 2022 payment, 2025 is a first enrolment: no break, no waiting.
    a = _side("side_a", Cut(as_of=date(2025, 12, 31)))
    events = [e for e in example_events() if e.event_id != "r-02"]
    report = build_report(EXAMPLE_PERSON, events, builtin_registry(), made_at=MADE_AT)
    comparison = compare_reports(a, Side(UI["side_b"], "without r-02", report))
    year = {y.year: y for y in comparison.years}[2025]
    changed = {row.key: (row.a, row.b) for row in year.changes}
    assert changed["total_months"] == ("4 个月", "0 个月")
    assert changed["coverage"] == ("2025-05-01 至 2025-12-31", "2025-01-01 至 2025-12-31")
    (earlier,) = year.causes
    assert earlier.kind == "earlier_year"
    assert earlier.text == "2022年度 是否参保：是 → 否"
    assert "仅在截取条件一中的事件 #2 2021-10-08 缴费" in (earlier.detail or "")
    gone = {y.year: y for y in comparison.years}[2022]
    assert gone.in_a and not gone.in_b
    assert {row.b for row in gone.rows} == {"该年度不存在"}


def test_a_revised_reading_is_traced_to_its_parameters(tmp_path: Path) -> None:
    revised = revised_policies(tmp_path)
    a = _side("side_a", Cut())
    b = _side("side_b", Cut(), builtin_registry().with_file(revised))
    year = {y.year: y for y in compare_reports(a, b).years}[2025]
    changed = {row.key: (row.a, row.b) for row in year.changes}
    assert changed["total_months"] == ("4 个月", "3 个月")
    revision = builtin_registry().get("ankang-2025").revision
    assert changed["policy"] == (f"ankang-2025 第{revision}版", "ankang-2025 第9版")
    texts = [c.text for c in year.causes]
    assert f"ankang-2025 第{revision}版 → ankang-2025 第9版" in texts
    assert "固定待遇等待期（月）：3 → 2" in texts
    assert not [c for c in year.causes if c.kind.startswith("event")]
