"""The replay table (projections/table.py) in both languages: aligned by display width through
the one table renderer, a Chinese policy id included, and no English label left in Chinese."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from ledger import labels as L
from projections.table import render_table
from tests.policies.support import History, ankang_year, registry_with
from tests.support import assert_aligned, id_number

PERSON = id_number("61090219800101123")


def _view(tmp_path: Path, explain: bool = True) -> dict[str, Any]:
    """A person over four years: a year with no version, a repair, a late payment with its
    waiting period and break penalty, a year under a parameter file's version ``安康-2026``
    with a subsidy, a refund and an overpayment."""
    version = ankang_year(2026)
    version["id"] = "安康-2026"
    registry = registry_with(tmp_path, version)
    history = History(person_id=PERSON)
    history.paid("2022-10-10", 2023, "380").paid("2025-02-10", 2025, "400")
    history.repair("2025-02-11", 2024, "400").paid("2025-07-01", 2025, "50")
    history.grant("2025-10-01", "dibao").paid("2025-10-10", 2026, "400")
    history.refund("2025-10-20", 2026, "100")
    view = history.view(registry, explain=explain, as_of=None)
    # A repaired month as well (the fold gives one only after a longer break).
    view["years"][2]["waiting"]["repaired_months"] = 1
    return view


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_chinese_policy_id_keeps_the_table_aligned(tmp_path: Path, lang: L.Lang) -> None:
    text = render_table(_view(tmp_path), lang=lang)
    lines = assert_aligned(text)  # the years and the trace, by display width
    assert sum(1 for line in lines if line and set(line) <= {"-", " "}) == 2
    version = "安康-2026 第1版" if lang == "zh" else "安康-2026 r1"
    [row] = [line for line in lines[3:7] if line.startswith("2026 ")]
    assert version in row and "610902 汉滨区" in row
    assert PERSON not in text and "610902********1230" in lines[0]


def test_the_alignment_check_catches_padding_by_characters() -> None:
    """Padding by code points (``str.ljust``, the trace's old ``:<14``) misaligns CJK."""
    rows = [("policy", "region"), ("安康-2026 r1", "610902"), ("ankang-2025 r2", "610902")]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    with pytest.raises(AssertionError):
        assert_aligned("\n".join(lines))


def test_the_english_table(tmp_path: Path) -> None:
    lines = render_table(_view(tmp_path), lang="en").splitlines()
    assert lines[0] == f"person 610902********1230 as of {_view(tmp_path)['as_of']}"
    assert lines[1].split() == [
        "year",
        "policy",
        "region",
        "enrolled",
        "coverage",
        "due",
        "paid",
        "subsidy",
        "waiting",
        "consecutive",
        "break",
        "cap_adjustment",
        "flags",
    ]
    text = "\n".join(lines)
    assert "3 mo (1 repaired)" in text and "400.00 (−100.00)" in text
    assert "200.00 dibao (deducted)" in text and "2026-01-01..2026-12-31" in text
    assert "  2023 policy_missing: no policy version for region 610902" in text
    assert "  2026 basis: SUB-one, SUB-mode, AK25-central" in text


def test_the_chinese_table(tmp_path: Path) -> None:
    text = render_table(_view(tmp_path), lang="zh")
    lines = text.splitlines()
    assert lines[0].startswith("参保人 610902********1230，业务日期截至 ")
    assert lines[1].split()[:4] == ["参保年度", "政策版本", "参保地", "是否参保"]
    assert "3个月（修复减少1个月）" in text and "400.00（退费100.00）" in text
    assert "200.00 低保对象，资助（个人只缴差额）" in text
    assert "2026-01-01 至 2026-12-31" in text
    assert "  2024年度 缴费修复：" + L.FLAGS["repair_paid"].explain in lines
    assert "    no policy version for region 610902 in coverage year 2023" in lines
    assert "2025年度  AK25-late 补缴期缴费" in text and "2025-10-20 退费 e8" in text


def test_no_english_label_is_left_in_the_chinese_table(tmp_path: Path) -> None:
    """Take out what is data (version and rule ids, the fold's reasons, event ids, the
    notes and citations of the trace): no Latin letter is left."""
    view = _view(tmp_path)
    text = render_table(view, lang="zh")
    assert re.search("[A-Za-z]", text)
    data = ["—"]
    for year in view["years"]:
        data += [year["policy"] or "", *year["basis"], *year.get("reasons", {}).values()]
        for step in year["trace"]:
            data += [step["rule"], step["note"], step["citation"] or "", step["event_id"] or ""]
    for token in sorted(data, key=len, reverse=True):
        text = text.replace(token, "")
    assert re.findall("[A-Za-z]+", text) == []


def test_an_english_view_is_the_same_data(tmp_path: Path) -> None:
    """The view (the JSON the table is made from) is not touched by rendering."""
    view = _view(tmp_path)
    before = copy.deepcopy(view)
    render_table(view, lang="zh")
    render_table(view, lang="en")
    assert view == before
