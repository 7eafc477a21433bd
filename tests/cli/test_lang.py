"""``--lang zh|en``: tables for people in Chinese or English, the default from the locale (or
LEDGER_LANG), JSON never translated."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main
from ledger.labels import default_lang
from tests.support import assert_aligned, cell_starts

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "events.jsonl"
PERSON = "610902197003051215"


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "C", "LC_MESSAGES": "zh_CN.UTF-8"}, "en"),
        ({"LC_ALL": "zh_CN.GB18030", "LANG": "C"}, "zh"),
        ({"LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LEDGER_LANG": "en", "LC_ALL": "zh_CN.UTF-8"}, "en"),
        ({"LEDGER_LANG": "zh", "LANG": "C"}, "zh"),
        ({"LEDGER_LANG": "fr", "LANG": "zh_CN.UTF-8"}, "zh"),
    ],
)
def test_the_default_language_follows_the_locale(environ: dict[str, str], lang: str) -> None:
    assert default_lang(environ) == lang


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("lang") / "ledger.db")
    assert CliRunner().invoke(main, ["import", "--db", db, str(EXAMPLES)]).exit_code == 0
    return db


def _run(args: list[str], **env: str | None) -> str:
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("command", ["history", "replay"])
def test_a_chinese_locale_gives_chinese_tables(store: str, command: str) -> None:
    english = _run([command, PERSON, "--db", store])
    chinese = _run([command, PERSON, "--db", store], LANG="zh_CN.UTF-8")
    assert english.startswith("person 610902********1215")
    assert chinese.startswith("参保人 610902********1215")
    assert_aligned(english)
    assert_aligned(chinese)
    # An explicit --lang wins over the locale and over LEDGER_LANG.
    assert _run([command, PERSON, "--db", store, "--lang", "en"], LANG="zh_CN.UTF-8") == english
    assert _run([command, PERSON, "--db", store, "--lang", "zh"], LEDGER_LANG="en") == chinese
    assert _run([command, PERSON, "--db", store], LEDGER_LANG="zh", LANG="C.UTF-8") == chinese


def test_the_chinese_history(store: str) -> None:
    lines = assert_aligned(_run(["history", PERSON, "--db", store, "--lang", "zh"]))
    assert lines[0] == "参保人 610902********1215：共 4 个事件，按到达顺序"
    assert lines[1].split() == [
        "序号",
        "日期",
        "类型",
        "事件内容",
        "事件编号",
        "来源系统记录时间（北京时间）",
        "本账本存储时间（北京时间）",
    ]
    assert "参保登记" in lines[3] and "出生日期：1970-03-05；参保地：610902 汉滨区" in lines[3]
    assert "缴费用途：参保缴费" in lines[4] and "缴费所属年度：2024" in lines[4]
    assert "医疗费用结算" in lines[6] and "使用激励额度：否" in lines[6]


@pytest.mark.parametrize(
    "args",
    [
        ["history", PERSON, "--format", "json"],
        ["history", PERSON, "--format", "jsonl"],
        ["replay", "--format", "json", "--explain"],
        ["replay", PERSON, "--format", "jsonl"],
    ],
)
def test_json_is_never_translated(store: str, args: list[str]) -> None:
    english = _run([*args, "--db", store, "--lang", "en"])
    assert _run([*args, "--db", store, "--lang", "zh"]) == english
    assert _run([*args, "--db", store], LANG="zh_CN.UTF-8") == english
    json.loads(english.splitlines()[0] if "jsonl" in args else english)


def test_an_unknown_language_is_a_usage_error(store: str) -> None:
    result = CliRunner().invoke(main, ["history", PERSON, "--db", store], env={"LEDGER_LANG": "fr"})
    assert result.exit_code == 2 and "LEDGER_LANG" in result.output and "fr" in result.output
    result = CliRunner().invoke(main, ["replay", PERSON, "--db", store, "--lang", "de"])
    assert result.exit_code == 2 and "'de' is not one of 'zh', 'en'" in result.output


def test_status_in_both_languages(store: str, tmp_path: Path) -> None:
    target = str(tmp_path / "reports.db")
    assert CliRunner().invoke(main, ["project", "--db", store, "--to", target]).exit_code == 0
    english = _run(["status", "--db", store, "--to", target])
    chinese = _run(["status", "--db", store, "--to", target, "--lang", "zh"])
    for text in (english, chinese):
        lines = text.splitlines()
        # two columns: every value starts at the same display column
        assert len({cell_starts(line)[-1] for line in lines}) == 1, text
    assert "  events          27 (log position 27)" in english
    assert "  last run        catch_up finished at " in english
    assert "  事件数        27（日志位置 27）" in chinese
    assert "  落后          0 个事件，0.0 秒" in chinese
    assert "  最近一次运行  追赶，已完成，时间 " in chinese and "  投影进程      未运行" in chinese
    words = {"store", "target", "events", "persons", "schema", "checkpoint", "behind", "yes", "no"}
    assert not words & set(re.findall("[a-z]+", chinese))
    as_json = ["status", "--db", store, "--to", target, "--format", "json"]
    assert (
        json.loads(_run([*as_json, "--lang", "zh"]))["store"]
        == json.loads(_run([*as_json, "--lang", "en"]))["store"]
    )


def test_policies_in_both_languages(tmp_path: Path) -> None:
    listed = assert_aligned(_run(["policies", "list", "--lang", "zh"]))
    assert listed[0].split() == [
        "政策版本",
        "参保年度",
        "参保地",
        "修订号",
        "继承自",
        "来源",
        "依据文件",
    ]
    assert any("xian-2024" in line and "shaanxi-2024  内置" in line for line in listed)
    shown = assert_aligned(_run(["policies", "show", "ankang-2025", "--lang", "zh"]))
    assert shown[0] == "ankang-2025 第2版：2025年度，610900 安康市，安医保发〔2024〕76号"
    assert any(line.startswith("subsidies.dibao 资助标准（低保对象）") for line in shown)
    english = assert_aligned(_run(["policies", "show", "ankang-2025", "--lang", "en"]))
    assert english[0] == "ankang-2025 r2: coverage year 2025, 610900 安康市, 安医保发〔2024〕76号"
    path = tmp_path / "p.json"
    version = {
        "id": "安康-2026",
        "extends": "ankang-2025",
        "region": "610900",
        "coverage_year": 2026,
        "source": "安医保发〔2025〕99号",
        "parameters": {
            "central_window": ["2025-09-01", "2025-12-20"],
            "late_window": ["2026-01-01", "2026-03-31"],
            "subsidy_cutoff": "2025-12-31",
            "subsidies": {"single_daughter_family": None},
        },
    }
    path.write_text(json.dumps({"versions": [version]}, ensure_ascii=False), encoding="utf-8")
    diff = ["policies", "diff", "ankang-2025", "安康-2026", "--policies", str(path)]
    for lang, absent in (("zh", "（没有此项）"), ("en", "(absent)")):
        lines = assert_aligned(_run([*diff, "--lang", lang]))
        assert lines[0].split()[1:] == ["ankang-2025", "安康-2026"]
        assert any("single_daughter_family" in line and absent in line for line in lines)
