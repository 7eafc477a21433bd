"""The page: self-contained, masked, and complete for every acceptance case's person."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from policies import builtin_registry
from projections.report.html import render_report
from projections.report.model import build_report
from tests.report.support import (
    EXAMPLE_PERSON,
    MADE_AT,
    acceptance_cases,
    example_events,
    shared_dir,
)

_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])")


class _Page(HTMLParser):
    """Elements with their attributes, and the page's text."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def having(self, attribute: str) -> list[str]:
        return [str(a[attribute]) for _, a in self.elements if a.get(attribute) is not None]


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _example_html() -> str:
    report = build_report(EXAMPLE_PERSON, example_events(), builtin_registry(), made_at=MADE_AT)
    return render_report(report)


def test_the_page_is_self_contained() -> None:
    html = _example_html()
    page = _parse(html)
    tags = {tag for tag, _ in page.elements}
    assert "script" not in tags and "link" not in tags and "img" not in tags
    for _, attrs in page.elements:
        for name in ("src", "href"):
            value = attrs.get(name)
            assert value is None or value.startswith("#"), value
    assert "url(http" not in html and "@import" not in html
    assert html.startswith("<!doctype html>")
    assert 'lang="zh-CN"' in html


def test_the_page_shows_the_example_person() -> None:
    html = _example_html()
    page = _parse(html)
    text = "".join(page.text)
    assert EXAMPLE_PERSON not in html
    assert "610926********0016" in text
    assert "610926 平利县" in text
    assert sorted(set(page.having("data-year"))) == ["2022", "2025"]
    assert "2025-05-01 至 2025-12-31" in text
    assert "低保对象" in text
    assert "2026-01-05T09:30:00+08:00" in text
    assert "REF-before" in page.having("data-rule")
    for part in ("timeline", "events", "years", "clauses", "header"):
        assert part in page.having("id")
    # the timeline: one marker per event, bars for coverage, waiting and the break years
    assert page.having("data-number").count("6") >= 2  # marker and table row
    lanes = page.having("data-lane")
    assert lanes.count("coverage") == 2 and lanes.count("waiting") == 1
    assert lanes.count("break") == 2 and lanes.count("identity") == 1


def _cases(tmp_path_factory: pytest.TempPathFactory) -> list:  # type: ignore[type-arg]
    if shared_dir() is None:
        pytest.skip("the acceptance cases are not beside the repo: set LEDGER_SHARED")
    return list(acceptance_cases(tmp_path_factory.mktemp("cases")))


def test_every_case_person_has_every_year_flag_and_clause(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    cases = _cases(tmp_path_factory)
    assert len(cases) >= 30
    for case in cases:
        for person in case.persons:
            events = case.events_of(person)
            if not events:
                continue
            report = build_report(person, events, case.registry, cut=case.cut, made_at=MADE_AT)
            html = render_report(report)
            page = _parse(html)
            where = f"{case.name} {person}"
            assert not _ID.search(html), where
            years = {str(y["year"]) for y in report.view["years"]}
            assert years <= set(page.having("data-year")), where
            flags = [f for y in report.view["years"] for f in y["flags"]]
            assert set(flags) <= set(page.having("data-flag")), where
            cited = set(page.having("data-citation"))
            for year in report.view["years"]:
                for step in year["trace"]:
                    if step["citation"]:
                        for part in step["citation"].split("; "):
                            assert part.strip() in cited, f"{where}: {part}"
            for clause in report.clauses:
                assert clause.status != "unknown", f"{where}: {clause.citation}: {clause.problem}"
                if clause.status in ("text", "reading"):
                    assert clause.text and clause.text.strip() in _unescape(html), where


def _unescape(html: str) -> str:
    import html as html_module

    return html_module.unescape(html)


def test_a_rendered_page_is_written_whole(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    out.write_text(_example_html(), encoding="utf-8")
    assert out.read_text(encoding="utf-8").rstrip().endswith("</html>")


def test_compiled_templates_are_kept_for_the_next_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each ``ledger report`` is a new process: the templates it compiled are read back from
    Jinja2's per-user cache directory (private) instead of being compiled again, and a page
    rendered from the cache is the page rendered from the sources."""
    import tempfile

    from projections.report import html as page

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    page.environment.cache_clear()
    try:
        first = _example_html()
        caches = list(tmp_path.glob("_jinja2-cache-*"))
        assert len(caches) == 1 and caches[0].stat().st_mode & 0o077 == 0
        compiled = sorted(caches[0].iterdir())
        assert len(compiled) >= 2  # the page and its macros
        page.environment.cache_clear()  # as a new process: an empty environment
        assert _example_html() == first
        assert sorted(caches[0].iterdir()) == compiled
    finally:
        page.environment.cache_clear()
