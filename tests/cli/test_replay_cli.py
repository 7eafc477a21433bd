"""``ledger replay`` end to end through the command line (click's runner, real SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ledger.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "events.jsonl"


def test_replay_file_json_is_ordered_by_person() -> None:
    result = CliRunner().invoke(main, ["replay", "--events", str(EXAMPLES), "--format", "json"])
    assert result.exit_code == 0, result.output
    views = json.loads(result.output)
    ids = [v["person_id"] for v in views]
    assert ids == sorted(ids) and len(ids) >= 5
    for view in views:
        for year in view["years"]:
            assert set(year) >= {"policy", "policy_revision", "coverage", "basis", "flags"}


def test_replay_table_masks_ids_and_explains() -> None:
    result = CliRunner().invoke(main, ["replay", "--events", str(EXAMPLES), "--explain"])
    assert result.exit_code == 0, result.output
    assert "610902197003051215" not in result.output
    assert "610902********1215" in result.output
    assert "安医保发〔2024〕76号" in result.output


def test_replay_person_from_the_store(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    runner = CliRunner()
    assert runner.invoke(main, ["import", "--db", db, str(EXAMPLES)]).exit_code == 0
    result = runner.invoke(
        main, ["replay", "610902197003051215", "--db", db, "--format", "json", "--explain"]
    )
    assert result.exit_code == 0, result.output
    [view] = json.loads(result.output)
    assert [y["year"] for y in view["years"]] == [2024, 2025]
    assert view["years"][1]["trace"][0]["rule"] == "AK25-central"


def test_replay_bad_lines_named_and_good_lines_kept(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    good = EXAMPLES.read_text(encoding="utf-8").splitlines()[:3]
    path.write_text("\n".join([*good, '{"event_id": "x"']) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["replay", "--events", str(path), "--format", "json"])
    assert result.exit_code == 1
    assert f"{path}:4" in result.stderr and "invalid_json" in result.stderr


def test_replay_bad_policy_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "p.json"
    bad.write_text('{"versions": [{"id": "x"}]}', encoding="utf-8")
    result = CliRunner().invoke(main, ["replay", "--events", str(EXAMPLES), "--policies", str(bad)])
    assert result.exit_code != 0
    assert "versions[0]" in result.output
