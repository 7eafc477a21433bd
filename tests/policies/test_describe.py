"""policies.describe: `ledger policies list|show|diff` — versions with region names, effective
parameters with the source of each value, and the parameters two versions differ in."""

from __future__ import annotations

import json
from pathlib import Path

from policies.describe import (
    describe_version,
    diff_rows,
    diff_versions,
    effective_parameters,
    list_rows,
    list_versions,
    region_name,
    show_rows,
    show_title,
)
from policies.parameters import Parameters
from tests.policies.support import BUILTIN, ankang_year


def registry_of(tmp_path: Path, *versions: dict) -> object:
    path = tmp_path / "policies.json"
    path.write_text(json.dumps({"versions": list(versions)}), encoding="utf-8")
    return BUILTIN.with_file(path), path


def test_list_versions_with_region_names(tmp_path: Path) -> None:
    summaries = list_versions(BUILTIN)
    assert [s.id for s in summaries] == [
        "ankang-2022",
        "shaanxi-2024",
        "xian-2024",
        "ankang-2025",
        "huaiyuan-2025",
    ]
    assert {s.id: s.region_name for s in summaries}["huaiyuan-2025"] == "怀远县"
    assert all(s.built_in for s in summaries)
    registry, _ = registry_of(tmp_path, ankang_year(2026))
    added = list_versions(registry)[-1]  # type: ignore[arg-type]
    assert (added.id, added.built_in, added.extends) == ("ankang-2026", False, "ankang-2025")
    assert added.to_dict()["origin"] == "file"
    rows = list_rows(summaries)
    assert rows[0][:3] == ["version", "year", "region"]
    assert rows[-1][:3] == ["huaiyuan-2025", "2025", "340321 怀远县"]


def test_region_name_unknown_code_is_none() -> None:
    assert region_name("610902") == "汉滨区"
    assert region_name("999999") is None


def test_show_builtin_every_value_built_in_and_cited() -> None:
    values = effective_parameters(BUILTIN.get("ankang-2025"))
    names = {v.name.partition(".")[0] for v in values}
    assert names == set(Parameters.model_fields)
    assert all(v.origin.kind == "built-in" and v.origin.citation for v in values)
    dibao = next(v for v in values if v.name == "subsidies.dibao")
    assert dibao.value == "200.00"


def test_show_file_version_names_the_file_for_what_it_changes(tmp_path: Path) -> None:
    version = ankang_year(2026, subsidies={"dibao": "210.00"})
    version["citations"] = {"subsidies.dibao": "安医保发〔2025〕NN号 §二(二)"}
    registry, path = registry_of(tmp_path, version)
    added = registry.get("ankang-2026")  # type: ignore[attr-defined]
    by_name = {v.name: v for v in effective_parameters(added)}
    dibao = by_name["subsidies.dibao"]
    assert (dibao.value, dibao.origin.kind, dibao.origin.file) == ("210.00", "file", str(path))
    assert dibao.origin.citation == "安医保发〔2025〕NN号 §二(二)"
    orphan = by_name["subsidies.orphan"]  # untouched key of the merged mapping: still built in
    assert (orphan.value, orphan.origin.kind) == ("full", "built-in")
    standard = by_name["individual_standard"]
    assert (standard.origin.kind, standard.origin.citation) == ("file", "test version")
    ceiling = by_name["bonus_ceiling"]
    assert (ceiling.origin.kind, ceiling.value) == ("built-in", "60000.00")
    data = describe_version(added)
    assert (
        data["region_name"] == "安康市" and data["parameters"][0]["name"] == "individual_standard"
    )
    rows = {row[0]: row for row in show_rows(added)}
    assert rows["subsidies.dibao"][1:3] == ["210.00", f"file {path} (ankang-2026)"]
    assert rows["subsidies.orphan"][2] == "built-in"
    assert show_title(added).startswith("ankang-2026 r1: coverage year 2026, 610900 安康市")


def test_show_chained_file_versions_keep_the_first_files_origin(tmp_path: Path) -> None:
    registry, path = registry_of(
        tmp_path, ankang_year(2026, subsidies={"dibao": "210.00"}), ankang_year(2027)
    )
    later = {v.name: v for v in effective_parameters(registry.get("ankang-2027"))}  # type: ignore[attr-defined]
    assert later["subsidies.dibao"].origin.version == "ankang-2026"
    assert later["individual_standard"].origin.version == "ankang-2027"


def test_diff_lists_only_what_differs() -> None:
    differences = diff_versions(BUILTIN.get("shaanxi-2024"), BUILTIN.get("xian-2024"))
    by_name = {d.name: d for d in differences}
    assert list(by_name) == ["subsidy_hukou_province", "new_student_start", "new_student_intake"]
    assert by_name["new_student_start"].a is None and by_name["new_student_start"].b == "2023-09-01"
    assert by_name["subsidy_hukou_province"].b == "610000"
    assert diff_rows(BUILTIN.get("xian-2024"), BUILTIN.get("xian-2024")) == [
        ["parameter", "xian-2024", "xian-2024"]
    ]


def test_diff_mapping_keys_one_by_one() -> None:
    differences = {
        d.name: d for d in diff_versions(BUILTIN.get("ankang-2025"), BUILTIN.get("huaiyuan-2025"))
    }
    assert differences["subsidies.dibao"].a == "200.00"
    assert differences["subsidies.dibao"].b == "340.00"
    assert differences["subsidies.priority_care"].present_in_a is False
    assert "subsidies.tekun" not in differences  # full in both
    assert "individual_standard" not in differences
    rows = {
        row[0]: row for row in diff_rows(BUILTIN.get("ankang-2025"), BUILTIN.get("huaiyuan-2025"))
    }
    assert rows["subsidies.priority_care"][1:] == ["(absent)", "full"]
