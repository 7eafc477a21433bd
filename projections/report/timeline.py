"""The timeline (时间轴) of a report: events on a date axis across the years, with coverage
periods, waiting periods, break years, identities and employee insurance drawn as bars.

Pure geometry: :func:`build_timeline` turns a :class:`~projections.report.model.Report` into
lanes, bars and markers with x/y coordinates in an SVG ``viewBox``; the template draws them.
A gap or a wait is seen as a hole or an amber bar, not read from a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger.labels import Label
from projections.report.labels import UI
from projections.report.model import Report

WIDTH = 1100
LEFT = 130
RIGHT = 16
AXIS = 28
LANE_GAP = 6
ROW = 20
MARKER_GAP = 17
"""Markers closer than this (in viewBox units) go on separate rows."""


@dataclass(frozen=True)
class Lane:
    key: str
    label: Label
    y: float
    height: float


@dataclass(frozen=True)
class Bar:
    lane: str
    css: str
    x: float
    y: float
    width: float
    height: float
    text: str
    title: str


@dataclass(frozen=True)
class Marker:
    number: int
    css: str
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str
    span: float
    """Width of the year's column."""


@dataclass(frozen=True)
class Timeline:
    width: int
    height: float
    left: int
    plot_right: float
    start: date
    end: date
    lanes: tuple[Lane, ...]
    bars: tuple[Bar, ...]
    markers: tuple[Marker, ...]
    ticks: tuple[Tick, ...]
    cut_x: float | None
    """The as-of day of the cut, drawn as a line."""


EVENT_CSS = {
    "registered": "ev-life",
    "born": "ev-life",
    "region_changed": "ev-life",
    "residence_permit_granted": "ev-life",
    "died": "ev-death",
    "paid": "ev-paid",
    "refunded": "ev-refund",
    "identity_granted": "ev-identity",
    "identity_revoked": "ev-identity",
    "employee_insurance_started": "ev-employee",
    "employee_insurance_stopped": "ev-employee",
    "resident_status_lost": "ev-employee",
    "reimbursed": "ev-claim",
}


_Item = tuple[date, date, str, str, str]
"""A bar to draw: first day, last day, CSS class, text, tooltip."""


def _r(value: float) -> float:
    """Coordinates with two decimals: short attributes, and never a long run of digits that
    the page's ID masking could take for an ID number."""
    return round(value, 2)


class _Scale:
    def __init__(self, start: date, end: date) -> None:
        self.start = start
        self.end = end
        self.days = max(1, (end - start).days + 1)
        self.plot = WIDTH - LEFT - RIGHT

    def x(self, day: date) -> float:
        day = min(max(day, self.start), self.end)
        return _r(LEFT + (day - self.start).days / self.days * self.plot)

    def x_end(self, day: date) -> float:
        """The right edge of ``day``."""
        day = min(max(day, self.start), self.end)
        return _r(LEFT + ((day - self.start).days + 1) / self.days * self.plot)


def _rows(xs: list[tuple[float, float]]) -> list[int]:
    """Greedy rows so that intervals on one row do not overlap (index order kept)."""
    ends: list[float] = []
    rows = []
    for first, last in xs:
        for index, end in enumerate(ends):
            if first >= end:
                ends[index] = last
                rows.append(index)
                break
        else:
            ends.append(last)
            rows.append(len(ends) - 1)
    return rows


def build_timeline(report: Report, years: tuple[int, int] | None = None) -> Timeline:
    """The timeline of ``report``, across its own years or the given ``(first, last)`` (two
    timelines on one axis compare at a glance)."""
    first_year, last_year = years or (report.first_day.year, report.last_day.year)
    start = date(first_year, 1, 1)
    end = date(last_year, 12, 31)
    scale = _Scale(start, end)
    lanes: list[Lane] = []
    bars: list[Bar] = []
    markers: list[Marker] = []
    y = float(AXIS)

    def lane(key: str, label: Label, rows: int) -> float:
        nonlocal y
        height = max(1, rows) * ROW
        lanes.append(Lane(key, label, y, height))
        top = y
        y += height + LANE_GAP
        return top

    # Events: numbered markers, on extra rows where they would touch.
    events = sorted(report.events, key=lambda e: (e.date, e.number))
    xs = [_r((scale.x(e.date) + scale.x_end(e.date)) / 2) for e in events]
    rows = _rows([(x - MARKER_GAP / 2, x + MARKER_GAP / 2) for x in xs])
    top = lane("events", UI["lane_events"], max(rows, default=0) + 1)
    for event, x, row in zip(events, xs, rows, strict=True):
        markers.append(
            Marker(
                event.number,
                EVENT_CSS.get(event.type, "ev-life"),
                x,
                top + row * ROW + ROW / 2,
                f"{event.number} {event.date} {event.summary}",
            )
        )

    def bar_lane(key: str, label: Label, items: list[_Item]) -> None:
        spans = [(scale.x(first), scale.x_end(last)) for first, last, *_ in items]
        rows = _rows(spans)
        top = lane(key, label, max(rows, default=0) + 1)
        for (_, _, css, text, title), (x0, x1), row in zip(items, spans, rows, strict=True):
            bars.append(
                Bar(key, css, x0, top + row * ROW + 2, max(1.5, _r(x1 - x0)), ROW - 4, text, title)
            )

    say = report.say
    coverage: list[_Item] = []
    waiting: list[_Item] = []
    breaks: list[_Item] = []
    seen_breaks: set[int] = set()
    for year in report.years:
        for first, last in year.coverage:
            coverage.append(
                (
                    first,
                    last,
                    "bar-coverage",
                    str(year.year),
                    f"{say.ui('year_heading', year=year.year)} {say.span(first, last)}",
                )
            )
        if year.waiting is not None:
            first, last = year.waiting
            months = year.view["waiting"]["total_months"]
            waiting.append(
                (
                    first,
                    last,
                    "bar-waiting",
                    say.ui("n_months_short", n=months),
                    say.ui("waiting_title", start=first, end=last),
                )
            )
        for b in year.break_years:
            if b not in seen_breaks:
                seen_breaks.add(b)
                breaks.append(
                    (
                        date(b, 1, 1),
                        date(b, 12, 31),
                        "bar-break",
                        say.ui("break_bar"),
                        say.ui("break_title", year=b, again=year.year),
                    )
                )
    bar_lane("coverage", UI["lane_coverage"], coverage)
    bar_lane("waiting", UI["lane_waiting"], waiting)
    bar_lane("break", UI["lane_break"], breaks)
    identities: list[_Item] = []
    employee: list[_Item] = []
    for span in report.spans:
        first = span.start or start
        last = span.end or end
        if last < first:
            continue
        shown_end = str(span.end) if span.end else say.ui("open")
        title = f"{say(span.label)} {say.span(span.start or '…', shown_end)}"
        item = (first, last, f"bar-{span.kind}", say(span.label), title)
        (identities if span.kind == "identity" else employee).append(item)
    bar_lane("identity", UI["lane_identity"], identities)
    bar_lane("employee", UI["lane_employee"], employee)

    ticks = tuple(
        Tick(
            scale.x(date(year, 1, 1)),
            str(year),
            scale.x_end(date(year, 12, 31)) - scale.x(date(year, 1, 1)),
        )
        for year in range(start.year, end.year + 1)
    )
    cut_x = (
        scale.x(report.cut.as_of) if report.cut.as_of and start <= report.cut.as_of <= end else None
    )
    return Timeline(
        width=WIDTH,
        height=y,
        left=LEFT,
        plot_right=WIDTH - RIGHT,
        start=start,
        end=end,
        lanes=tuple(lanes),
        bars=tuple(bars),
        markers=tuple(markers),
        ticks=tuple(ticks),
        cut_x=cut_x,
    )


__all__ = ["Bar", "Lane", "Marker", "Tick", "Timeline", "build_timeline"]
