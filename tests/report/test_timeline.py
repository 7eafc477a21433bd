"""The timeline's geometry: bars where the dates are, markers that do not overlap."""

from __future__ import annotations

from datetime import date

from policies import builtin_registry
from projections.replay import Cut
from projections.report.model import build_report
from projections.report.timeline import LEFT, RIGHT, WIDTH, build_timeline
from tests.report.support import EXAMPLE_PERSON, MADE_AT, example_events


def _timeline(cut: Cut | None = None):  # type: ignore[no-untyped-def]
    report = build_report(
        EXAMPLE_PERSON, example_events(), builtin_registry(), cut=cut, made_at=MADE_AT
    )
    return report, build_timeline(report)


def _x(timeline, day: date) -> float:  # type: ignore[no-untyped-def]
    days = (timeline.end - timeline.start).days + 1
    return LEFT + (day - timeline.start).days / days * (WIDTH - LEFT - RIGHT)


def test_the_axis_spans_whole_years() -> None:
    _, t = _timeline()
    assert (t.start, t.end) == (date(2018, 1, 1), date(2025, 12, 31))
    assert [tick.label for tick in t.ticks] == [str(y) for y in range(2018, 2026)]
    assert t.ticks[0].x == LEFT


def test_bars_sit_on_their_dates() -> None:
    _, t = _timeline()
    by_lane: dict[str, list] = {}  # type: ignore[type-arg]
    for bar in t.bars:
        by_lane.setdefault(bar.lane, []).append(bar)
    coverage_2025 = [b for b in by_lane["coverage"] if b.text == "2025"][0]
    assert abs(coverage_2025.x - _x(t, date(2025, 5, 1))) < 0.01
    assert abs(coverage_2025.x + coverage_2025.width - WIDTH + RIGHT) < 0.01
    (waiting,) = by_lane["waiting"]
    assert abs(waiting.x - _x(t, date(2025, 1, 1))) < 0.01
    assert abs(waiting.x + waiting.width - _x(t, date(2025, 5, 1))) < 0.01
    assert waiting.text == "4个月"
    assert [round(b.x, 2) for b in by_lane["break"]] == [
        round(_x(t, date(2023, 1, 1)), 2),
        round(_x(t, date(2024, 1, 1)), 2),
    ]
    (identity,) = by_lane["identity"]
    assert identity.text == "低保对象"
    assert "employee" not in by_lane


def test_markers_do_not_overlap() -> None:
    report, t = _timeline()
    assert sorted(m.number for m in t.markers) == [e.number for e in report.events]
    for a in t.markers:
        for b in t.markers:
            if a is not b and a.y == b.y:
                assert abs(a.x - b.x) >= 15
    events_lane = [lane for lane in t.lanes if lane.key == "events"][0]
    assert events_lane.height >= 3 * 20  # 9, 16 October and 5 November 2024 stack


def test_the_as_of_day_is_drawn() -> None:
    _, t = _timeline(Cut(as_of=date(2025, 6, 30)))
    assert t.cut_x is not None and abs(t.cut_x - _x(t, date(2025, 6, 30))) < 0.01
    _, whole = _timeline()
    assert whole.cut_x is None
