"""The report model of one person: the cut, the years in Chinese, the decisions and clauses."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from policies import builtin_registry
from projections.person import CHINA
from projections.replay import Cut
from projections.report.model import build_report, events_in_cut
from tests.report.support import EXAMPLE_PERSON, MADE_AT, example_events


def _report(cut: Cut | None = None, **kwargs):  # type: ignore[no-untyped-def]
    return build_report(
        EXAMPLE_PERSON, example_events(), builtin_registry(), cut=cut, made_at=MADE_AT, **kwargs
    )


def _rows(year) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {row.key: row.value for _, rows in year.groups for row in rows}


def test_header_masks_the_person_and_names_the_region() -> None:
    report = _report()
    assert report.person == "610926********0016"
    assert report.region_text == "610926 平利县"
    builtin = builtin_registry()
    assert [(v.id, v.revision) for v in report.versions] == [
        ("ankang-2022", builtin.get("ankang-2022").revision),
        ("ankang-2025", builtin.get("ankang-2025").revision),
    ]
    assert report.made_at == MADE_AT
    assert report.left_out == 0
    assert [e.number for e in report.events] == list(range(1, 8))


def test_year_2025_waits_after_a_two_year_break_with_a_subsidy_and_a_refund() -> None:
    year = {y.year: y for y in _report().years}[2025]
    rows = _rows(year)
    assert rows["enrolled"] == "是"
    assert rows["subsidy"] == "200.00 元"
    assert rows["subsidy_identity"] == "低保对象"
    assert rows["individual_due"] == "200.00 元"
    assert rows["paid"] == "400.00 元"
    assert rows["refunded"] == "200.00 元"
    assert rows["total_months"] == "4 个月"
    assert rows["coverage"] == "2025-05-01 至 2025-12-31"
    assert rows["break_year_list"] == "2023年度、2024年度"
    assert year.waiting == (date(2025, 1, 1), date(2025, 4, 30))
    assert year.break_years == (2023, 2024)
    assert year.coverage == ((date(2025, 5, 1), date(2025, 12, 31)),)
    refund = [d for d in year.decisions if d.rule == "REF-before"]
    assert refund and refund[0].event is not None and refund[0].event.number == 6
    assert "重复缴费" in refund[0].event.summary


def test_every_decision_carries_its_citation_and_clause() -> None:
    report = _report()
    for year in report.years:
        assert year.decisions
        for decision in year.decisions:
            assert decision.label.zh
            if decision.citation:
                assert decision.clauses
                assert [c.citation for c in decision.clauses] == [
                    part.strip() for part in decision.citation.split("; ")
                ]
    cited = {c.citation for c in report.clauses}
    assert len(cited) == len(report.clauses)


def test_the_cut_leaves_out_events() -> None:
    as_of = _report(Cut(as_of=date(2024, 12, 31)))
    assert as_of.left_out == 1  # the 2025 claim
    assert as_of.region == "610926"
    known = _report(Cut(known_on=datetime(2025, 1, 1, tzinfo=CHINA)))
    assert known.left_out == 1  # the refund, recorded 2025-02-10
    year = {y.year: y for y in known.years}[2025]
    assert _rows(year)["refunded"] == "0.00 元"


def test_stored_on_uses_the_ledgers_storage_times() -> None:
    first = datetime(2025, 3, 1, tzinfo=CHINA)
    events = [
        e.model_copy(update={"stored_at": first + timedelta(days=n)})
        for n, e in enumerate(example_events())
    ]
    cut = Cut(stored_on=first + timedelta(days=2))
    assert [e.event_id for e in events_in_cut(events, cut)] == ["r-01", "r-02", "r-03"]
    report = build_report(EXAMPLE_PERSON, events, builtin_registry(), cut=cut, made_at=MADE_AT)
    assert report.left_out == 4
    assert report.events[0].stored_at == "2025-03-01T00:00:00+08:00"
    assert report.view["stored_on"] == "2025-03-03T00:00:00+08:00"
    assert [label.zh for label, _ in report.cut_rows] == ["本账本存储截至"]


def test_cut_times_must_be_aware() -> None:
    with pytest.raises(ValueError, match="known_on"):
        _report(Cut(known_on=datetime(2025, 1, 1)))


def test_guardian_ids_are_masked() -> None:
    from ledger.events import parse_event

    guardian = "610902197003051215"
    born = parse_event(
        {
            "event_id": f"b-{guardian}",
            "person_id": "61090220250110001X",
            "type": "born",
            "date": "2025-01-10",
            "region": "610902",
            "guardian_id": guardian,
        }
    )
    paid = parse_event(
        {
            "event_id": "p-1",
            "person_id": "61090220250110001X",
            "type": "paid",
            "date": "2025-02-01",
            "coverage_year": 2025,
            "amount": "400",
        }
    )
    report = build_report("61090220250110001X", [born, paid], builtin_registry())
    line = report.events[0]
    assert guardian not in repr(line.details) and guardian not in line.event_id
    assert ("监护人", "610902********1215") in [(k.zh, v) for k, v in line.details]


def test_a_person_with_no_coverage_year_and_open_spans() -> None:
    from ledger.events import parse_event
    from projections.report.html import render_report
    from projections.report.timeline import build_timeline

    person = "P-EDGE"
    records = [
        {
            "type": "registered",
            "date": "2019-04-01",
            "region": "610902",
            "birth_date": "1990-01-01",
        },
        {"type": "employee_insurance_stopped", "date": "2020-06-30"},
        {"type": "employee_insurance_started", "date": "2023-02-01"},
        {"type": "identity_granted", "date": "2021-01-01", "identity": "dibao"},
    ]
    events = [
        parse_event({"event_id": f"e-{n}", "person_id": person, **record})
        for n, record in enumerate(records)
    ]
    report = build_report(person, events, builtin_registry(), made_at=MADE_AT)
    assert report.years == ()
    assert [(s.kind, s.start, s.end) for s in report.spans] == [
        ("identity", date(2021, 1, 1), None),
        ("employee", date(2020, 6, 30), date(2020, 6, 30)),  # no recorded start: that day
        ("employee", date(2023, 2, 1), None),
    ]
    timeline = build_timeline(report)
    assert (timeline.start, timeline.end) == (date(2019, 1, 1), date(2023, 12, 31))
    employee = [b for b in timeline.bars if b.lane == "employee"]
    assert len(employee) == 2 and employee[1].x + employee[1].width == timeline.plot_right
    html = render_report(report)
    assert "P-EDGE" in html and 'data-year="' not in html
