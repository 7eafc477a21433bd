"""``ledger policies list|show|diff``: what a run knows, before a rebuild uses it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ledger.cli import main

REVISION = {
    "versions": [
        {
            "id": "ankang-2026",
            "extends": "ankang-2025",
            "region": "610900",
            "coverage_year": 2026,
            "source": "安医保发〔2025〕99号",
            "parameters": {
                "central_window": ["2025-09-01", "2025-12-20"],
                "late_window": ["2026-01-01", "2026-03-31"],
                "subsidy_cutoff": "2025-12-31",
                "subsidies": {"dibao": "210.00", "single_daughter_family": None},
            },
        }
    ]
}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def revision_file(tmp_path: Path) -> str:
    path = tmp_path / "revision.json"
    path.write_text(json.dumps(REVISION, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_list_names_each_version_with_its_region() -> None:
    code, out = run("policies", "list")
    assert code == 0, out
    assert "ankang-2025" in out and "610900 安康市" in out
    assert "huaiyuan-2025" in out and "340321 怀远县" in out


def test_list_adds_the_versions_of_a_parameter_file(tmp_path: Path) -> None:
    code, out = run("policies", "list", "--policies", revision_file(tmp_path), "--format", "json")
    assert code == 0, out
    listed = {v["id"]: v for v in json.loads(out)}
    assert listed["ankang-2026"]["extends"] == "ankang-2025"
    assert listed["ankang-2026"]["origin"] == "file"
    assert listed["ankang-2025"]["origin"] == "built-in"


def test_show_gives_each_value_its_source(tmp_path: Path) -> None:
    code, out = run("policies", "show", "ankang-2026", "--policies", revision_file(tmp_path))
    assert code == 0, out
    lines = {line.split()[0]: line for line in out.splitlines()[3:] if line.strip()}
    # the file changed 低保 and removed 独女户; every other identity is still there, built in
    assert "210.00" in lines["subsidies.dibao"] and "file" in lines["subsidies.dibao"]
    assert "subsidies.single_daughter_family" not in lines
    assert (
        "built-in" in lines["subsidies.tekun"]
        and "安医保发〔2024〕76号" in lines["subsidies.tekun"]
    )


def test_diff_prints_only_what_differs(tmp_path: Path) -> None:
    code, out = run(
        "policies", "diff", "ankang-2025", "ankang-2026", "--policies", revision_file(tmp_path)
    )
    assert code == 0, out
    assert "subsidies.dibao" in out and "200.00" in out and "210.00" in out
    assert "subsidies.single_daughter_family" in out and "(absent)" in out
    assert "subsidies.tekun" not in out
    code, out = run("policies", "diff", "ankang-2025", "ankang-2025", "--format", "json")
    assert code == 0 and json.loads(out) == []


def test_an_unknown_version_is_a_usage_error() -> None:
    code, out = run("policies", "show", "ankang-2099")
    assert code == 2
    assert "unknown policy version 'ankang-2099'" in out and "Traceback" not in out
