"""The report in either language (``ledger report --lang``): Chinese first with the English term
in small type (the default), or English first with the Chinese term in small type."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main
from ledger.labels import Lang
from policies import builtin_registry
from projections.report.html import render_report
from projections.report.model import build_report
from tests.report.support import (
    EXAMPLE,
    EXAMPLE_PERSON,
    MADE_AT,
    example_events,
    revised_policies,
)

_SKIP = ("alt", "muted")


def _has_cjk(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith("CJK UNIFIED") for ch in text)


class _Primary(HTMLParser):
    """The page's text in its own language: the text of the chosen elements (``tags``, and
    any element with a ``data-field`` among ``fields``), without what is in small type in the
    other language or muted (``alt``, ``muted``), per element."""

    def __init__(self, tags: set[str]) -> None:
        super().__init__()
        self.tags = tags
        self.stack: list[tuple[str, bool, bool]] = []  # tag, collecting, skipping
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "meta", "i", "circle", "line", "rect", "pattern"):
            return
        a = dict(attrs)
        collecting = bool(self.stack and self.stack[-1][1])
        skipping = bool(self.stack and self.stack[-1][2])
        if tag in self.tags:
            collecting = True
            self.texts.append("")
        classes = (a.get("class") or "").split()
        if any(c in _SKIP for c in classes):
            skipping = True
        self.stack.append((tag, collecting, skipping))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][1] and not self.stack[-1][2]:
            self.texts[-1] += data


def _primary(html: str, tags: set[str]) -> list[str]:
    parser = _Primary(tags)
    parser.feed(html)
    return [" ".join(text.split()) for text in parser.texts if text.strip()]


def _page(lang: Lang) -> str:
    report = build_report(
        EXAMPLE_PERSON, example_events(), builtin_registry(), made_at=MADE_AT, lang=lang
    )
    return render_report(report)


HEADINGS = {"h1", "h2", "h3", "h4", "th", "caption"}
_CITATION = re.compile(r"^(#|[A-Z][A-Z0-9]*-|.*〔)")
"""A heading that is data: an event's number, a citation (``I-months``, ``安医保发〔2024〕76号
§四``)."""


def test_chinese_is_the_default() -> None:
    report = build_report(EXAMPLE_PERSON, example_events(), builtin_registry(), made_at=MADE_AT)
    assert render_report(report) == _page("zh")
    assert '<html lang="zh-CN">' in _page("zh")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_heading_is_in_the_page_language(lang: Lang) -> None:
    html = _page(lang)
    headings = _primary(html, HEADINGS)
    assert len(headings) > 50
    for text in headings:
        if _CITATION.match(text):
            continue
        assert _has_cjk(text) == (lang == "zh"), text


def test_the_english_page() -> None:
    html = _page("en")
    assert '<html lang="en">' in html
    assert "<title>auditor&#39;s report · 610926********0016</title>" in html
    # the Chinese term beside each heading, in small type, marked as Chinese
    assert '<small class="alt" lang="zh-CN">城乡居民基本医疗保险参保记录审计报告</small>' in html
    values = _primary(html, {"td"})
    for phrase in (
        "2025-05-01 to 2025-12-31",
        "400.00 yuan",
        "4 months",
        "1 year",
        "2 years",
        "2023, 2024",
        "ankang-2025 revision 2",
        "dibao",
        "deducted",
    ):
        assert phrase in values, phrase
    assert "coverage year 2025" in html and "enrolled: yes" in html
    # the notices' clauses are quoted as they are written
    assert "缴费后居民医保待遇享受期为2025年1月1日至2025年12月31日" in html


def test_the_chinese_page_is_unchanged_in_its_words() -> None:
    values = _primary(_page("zh"), {"td"})
    for phrase in ("2025-05-01 至 2025-12-31", "400.00 元", "4 个月", "1 年", "2 年"):
        assert phrase in values, phrase
    assert "2023年度、2024年度" in values and "ankang-2025 第2版" in values


def test_no_cjk_in_the_english_values_but_data() -> None:
    """In English, a year's values are English but for the data: region names, the notice's
    number, and the version's source."""
    html = _page("en")
    groups = html.split('<section id="years">')[1].split('<section id="clauses">')[0]
    for row in groups.split('<tr data-field="')[1:]:
        field = row.split('"')[0]
        value = " ".join(_primary(row.split("</tr>")[0], {"td"}))
        if field not in ("region", "source"):
            assert not _has_cjk(value), (field, value)


def test_report_lang_on_the_command_line(tmp_path: Path) -> None:
    args = ["report", EXAMPLE_PERSON, "--events", str(EXAMPLE)]
    english = CliRunner().invoke(main, [*args, "--lang", "en"])
    assert english.exit_code == 0, english.output
    assert '<html lang="en">' in english.output
    chinese = CliRunner().invoke(main, args, env={"LANG": "en_US.UTF-8"})
    # a document's language is not the terminal's: Chinese unless asked
    assert '<html lang="zh-CN">' in chinese.output
    asked = CliRunner().invoke(main, args, env={"LEDGER_LANG": "en"})
    assert '<html lang="en">' in asked.output
    revised = revised_policies(tmp_path)
    compare = [*args, "--compare-policies", "builtin", str(revised), "--lang", "en"]
    result = CliRunner().invoke(main, compare)
    assert result.exit_code == 0, result.output
    html = result.output
    assert '<html lang="en">' in html and "comparison of two cuts" in html
    assert "fixed_waiting_months: 3 → 2" in html
    assert "ankang-2025 revision 2 → ankang-2025 revision 9" in html
    assert "policies file revised.json" in html and "built-in versions" in html
