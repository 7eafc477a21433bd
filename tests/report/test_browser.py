"""The report in a real browser: Debian's Chromium, headless, driven by Playwright.

Every acceptance case's persons get their report rendered and opened; the DOM must hold every
year, every flag and every cited clause of the person's view; a screenshot of each page is
saved under a temporary directory; any console error, page error or request that leaves the
page (the report is self-contained) fails the test. The PDF path is tested by printing the
README's example and reading its text back.

Skipped, with the reason, only when no Chromium is installed; CI installs it (.ci/run).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from policies import builtin_registry
from projections.replay import Cut
from projections.report.compare import Side, compare_reports
from projections.report.html import render_comparison, render_report
from projections.report.labels import UI
from projections.report.model import Report, build_report
from projections.report.pdf import chromium_args, find_chromium, print_pdf
from tests.report.support import (
    EXAMPLE_PERSON,
    MADE_AT,
    acceptance_cases,
    example_events,
    shared_dir,
)

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium installed (Debian: apt-get install chromium fonts-noto-cjk); "
    "CI installs it",
)

_DOM = """() => {
  const years = [...document.querySelectorAll('#years article.year')].map(a => a.dataset.year);
  const flags = {};
  const cites = {};
  for (const a of document.querySelectorAll('#years article.year')) {
    flags[a.dataset.year] = [...a.querySelectorAll('[data-flag]')]
      .filter(f => f.offsetHeight > 0).map(f => f.dataset.flag);
    cites[a.dataset.year] = [...a.querySelectorAll('.cite[data-citation]')]
      .map(c => c.dataset.citation);
  }
  const clauses = {};
  for (const c of document.querySelectorAll('#clauses .clause[data-citation]')) {
    const q = c.querySelector('blockquote');
    clauses[c.dataset.citation] = {status: c.dataset.status, text: q ? q.innerText : ''};
  }
  const svg = document.querySelector('svg.timeline');
  return {years, flags, cites, clauses,
          markers: document.querySelectorAll('#timeline .event-marker').length,
          timelineWidth: svg ? svg.getBoundingClientRect().width : 0,
          title: document.title};
}"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    args = [a for a in chromium_args(profile) if not a.startswith(("--headless", "--user-data"))]
    with sync_playwright() as p:
        # Debian's /usr/bin/chromium: Playwright downloads no browser of its own.
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("report-screenshots")


class _Tab:
    """One page, reused for every report: its console errors, page errors and any request
    that leaves the page's own file are collected per load."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1200, "height": 900})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.allowed = ""
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("request", self._request)
        self.page.on("requestfailed", lambda r: self.problems.append(f"request failed {r.url}"))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def _request(self, request: Any) -> None:
        if request.url != self.allowed:
            self.problems.append(f"request {request.url}")

    def open(self, html: str, path: Path) -> Any:
        path.write_text(html, encoding="utf-8")
        self.problems = []
        self.allowed = path.as_uri()
        self.page.goto(self.allowed, wait_until="load")
        return self.page


@pytest.fixture(scope="module")
def tab(browser: Any) -> Iterator[_Tab]:
    opened = _Tab(browser)
    try:
        yield opened
    finally:
        opened.context.close()


def _check(tab: _Tab, report: Report, name: str, screenshots: Path, png: bool = False) -> None:
    page = tab.open(render_report(report), screenshots / f"{name}.html")
    dom = page.evaluate(_DOM)
    # JPEG for the many case pages (a third of PNG's time), PNG for the example.
    shot = screenshots / f"{name}.{'png' if png else 'jpg'}"
    page.screenshot(path=str(shot), full_page=True, **({} if png else {"quality": 70}))
    assert not tab.problems, f"{name}: {tab.problems}"
    assert dom["title"].startswith(UI["title"].zh)
    assert dom["timelineWidth"] > 600
    assert dom["markers"] == len(report.events)
    view_years = report.view["years"]
    assert dom["years"] == [str(y["year"]) for y in view_years], name
    for year in view_years:
        key = str(year["year"])
        assert sorted(dom["flags"][key]) == sorted(year["flags"]), f"{name} {key}"
        for step in year["trace"]:
            for part in (step["citation"] or "").split("; "):
                if not part.strip():
                    continue
                assert part.strip() in dom["cites"][key], f"{name} {key}: {part}"
                clause = dom["clauses"][part.strip()]
                if clause["status"] in ("text", "reading"):
                    assert clause["text"].strip(), f"{name}: {part} has no text"
    assert shot.stat().st_size > 10_000


def test_every_acceptance_case_renders(
    tab: _Tab, screenshots: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    if shared_dir() is None:
        pytest.skip("the acceptance cases are not beside the repo: set LEDGER_SHARED")
    checked = 0
    for case in acceptance_cases(tmp_path_factory.mktemp("cases")):
        for person in case.persons:
            events = case.events_of(person)
            if not events:
                continue
            report = build_report(person, events, case.registry, cut=case.cut, made_at=MADE_AT)
            _check(tab, report, f"{case.name}-{person}", screenshots)
            checked += 1
    assert checked >= 30
    print(f"screenshots: {screenshots}")


def test_the_example_and_its_comparison_render(tab: _Tab, screenshots: Path) -> None:
    report = build_report(EXAMPLE_PERSON, example_events(), builtin_registry(), made_at=MADE_AT)
    _check(tab, report, "example", screenshots, png=True)
    early = build_report(
        EXAMPLE_PERSON,
        example_events(),
        builtin_registry(),
        cut=Cut(known_on=MADE_AT.replace(year=2025, month=1, day=1)),
        made_at=MADE_AT,
    )
    comparison = compare_reports(
        Side(UI["side_a"], "known_on 2025-01-01", early),
        Side(UI["side_b"], "all", report),
    )
    page = tab.open(render_comparison(comparison), screenshots / "compare.html")
    changed = page.eval_on_selector_all(
        "#changes article[data-changed=yes]", "els => els.map(e => e.dataset.year)"
    )
    causes = page.eval_on_selector_all("#year-2025 .cause", "els => els.map(e => e.dataset.kind)")
    timelines = page.eval_on_selector_all("svg.timeline", "els => els.length")
    page.screenshot(path=str(screenshots / "compare.png"), full_page=True)
    assert not tab.problems, tab.problems
    assert changed == ["2025"]
    assert "event_b" in causes
    assert timelines == 2


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) absent")
def test_the_pdf_holds_the_page_text(tmp_path: Path) -> None:
    report = build_report(EXAMPLE_PERSON, example_events(), builtin_registry(), made_at=MADE_AT)
    out = print_pdf(render_report(report), tmp_path / "report.pdf")
    assert out.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    squeezed = "".join(text.split())
    for expected in (
        UI["title"].zh,
        "610926********0016",
        "610926平利县",
        "2025-05-01",
        "低保对象",
        "REF-before",
        "安医保发〔2024〕76号",
    ):
        assert expected in squeezed, expected
    assert EXAMPLE_PERSON not in squeezed
