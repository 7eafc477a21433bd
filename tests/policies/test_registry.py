"""§1 version lookup, parameters as cited data, and versions added as parameter files."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from policies import Parameters, PolicyFileError, builtin_registry
from policies.calendar import add_months, next_month_start
from tests.policies.support import BUILTIN, History, ankang_year


@pytest.mark.parametrize(
    ("region", "year", "version"),
    [
        ("610924", 2025, "ankang-2025"),
        ("610902", 2024, "shaanxi-2024"),
        ("610100", 2024, "xian-2024"),
        ("610902", 2023, None),
        ("610900", 2022, "ankang-2022"),
        ("340321", 2025, "huaiyuan-2025"),
        ("340321", 2024, None),
    ],
)
def test_lookup_walks_county_city_province(region: str, year: int, version: str | None) -> None:
    found = BUILTIN.find(region, year)
    assert (found.id if found else None) == version


def test_every_parameter_of_every_version_has_a_citation() -> None:
    for version in builtin_registry():
        assert set(version.citations) == set(Parameters.model_fields), version.id
        assert all(version.citations.values()), version.id
        assert version.revision >= 1


def test_versions_share_logic_xian_extends_shaanxi() -> None:
    xian = BUILTIN.get("xian-2024")
    assert xian.extends == "shaanxi-2024"
    assert xian.parameters.central_window == BUILTIN.get("shaanxi-2024").parameters.central_window


def test_month_arithmetic() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 3, 1)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 3, 1)
    assert add_months(date(2024, 11, 29), 3) == date(2025, 3, 1)
    assert add_months(date(2023, 11, 29), 3) == date(2024, 2, 29)
    assert next_month_start(date(2024, 12, 5)) == date(2025, 1, 1)


def write(tmp_path: Path, document: Any, name: str = "p.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_added_version_is_used(tmp_path: Path) -> None:
    registry = BUILTIN.with_file(write(tmp_path, {"versions": [ankang_year(2026)]}))
    year = History().paid("2025-10-10", 2026, "400").year(2026, registry)
    assert (year["policy"], year["policy_revision"], year["enrolled"]) == ("ankang-2026", 1, True)
    assert year["critical_illness_cap"]["bonus_ceiling"] == "60000.00"


def test_added_version_toml(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        """
[[versions]]
id = "ankang-2026"
extends = "ankang-2025"
region = "610900"
coverage_year = 2026
source = "安医保发〔2025〕NN号"
[versions.parameters]
individual_standard = "420.00"
central_window = ["2025-09-01", "2025-12-20"]
late_window = ["2026-01-01", "2026-03-31"]
subsidy_cutoff = "2025-12-31"
subsidies = { dibao = "210.00", monitored = "210.00", tekun = "full" }
""",
        encoding="utf-8",
    )
    version = BUILTIN.with_file(path).get("ankang-2026")
    assert version.parameters.individual_standard == 420
    assert version.cite("individual_standard") == "安医保发〔2025〕NN号"
    # Inherited values and rules are cited in the file's own notice, not in ankang-2025's.
    assert version.cite("bonus_ceiling") == "安医保发〔2025〕NN号"
    assert version.cite("recognised_after_payment") == "安医保发〔2025〕NN号 (no such rule)"
    assert version.sources == ("安医保发〔2025〕NN号",)
    assert version.rule("WAIT-fixed").citation == "安医保发〔2025〕NN号"
    assert version.rule("WAIT-start").citation == "安医保发〔2025〕NN号; I-months"
    assert version.rule("AK25-central").citation == "安医保发〔2025〕NN号"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"central_window": ["2025-09-31", "2025-12-20"]}, "parameters.central_window"),
        ({"central_window": ["2025-12-20", "2025-09-01"]}, "starts 2025-12-20 after it ends"),
        ({"individual_standard": "4OO"}, "parameters.individual_standard"),
        ({"subsidies": {"nobody": "10.00"}}, "parameters.subsidies.nobody"),
        ({"subsidies": {"dibao": "500.00"}}, "subsidies.dibao"),
        ({"ceiling": "1"}, "parameters.ceiling: unknown parameter"),
        ({"late_window": ["2027-01-01", "2027-03-31"]}, "parameters.late_window"),
    ],
)
def test_bad_parameter_file_names_the_key(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    version = ankang_year(2026)
    version["parameters"].update(change)
    with pytest.raises(PolicyFileError, match=message.replace(".", r"\.")):
        BUILTIN.with_file(write(tmp_path, {"versions": [version]}))


def test_bad_parameter_file_unknown_base_and_region(tmp_path: Path) -> None:
    version = ankang_year(2026)
    version["extends"] = "ankang-2099"
    with pytest.raises(PolicyFileError, match=r"versions\[0\]\.extends"):
        BUILTIN.with_file(write(tmp_path, {"versions": [version]}))
    version = ankang_year(2026)
    version["region"] = "999999"
    with pytest.raises(PolicyFileError, match=r"versions\[0\]\.region"):
        BUILTIN.with_file(write(tmp_path, {"versions": [version]}))


def test_bad_parameter_file_not_json(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(PolicyFileError, match="not valid"):
        BUILTIN.with_file(path)


def test_I_days_I_next_month_I_next_day_readings() -> None:
    from policies.calendar import last_day_within, next_day

    # I-days: "within 90 days after birth" ends on birth + 90 days (the birth day not counted)
    assert last_day_within(date(2022, 3, 10), 90) == date(2022, 6, 8)
    # I-next-month: 缴费后次月起 — the first day of the month after the payment
    assert next_month_start(date(2024, 1, 31)) == date(2024, 2, 1)
    assert next_month_start(date(2024, 2, 1)) == date(2024, 3, 1)
    # I-next-day: 缴费次日
    assert next_day(date(2024, 12, 31)) == date(2025, 1, 1)


# ---------------------------------------------------------------- mapping parameters merge


def test_mapping_parameter_merges_key_by_key(tmp_path: Path) -> None:
    version = ankang_year(
        2026, subsidies={"dibao": "210.00", "monitored": "210.00", "tekun": "full"}
    )
    added = BUILTIN.with_file(write(tmp_path, {"versions": [version]})).get("ankang-2026")
    inherited = BUILTIN.get("ankang-2025").parameters.subsidies
    subsidies = added.parameters.subsidies
    assert set(subsidies) == set(inherited)  # orphan, unsupported_child, … kept
    assert subsidies["dibao"] == Decimal("210.00") and subsidies["orphan"] == "full"


def test_mapping_key_set_to_null_is_removed(tmp_path: Path) -> None:
    version = ankang_year(2026, subsidies={"single_daughter_family": None})
    added = BUILTIN.with_file(write(tmp_path, {"versions": [version]})).get("ankang-2026")
    assert "single_daughter_family" not in added.parameters.subsidies
    assert "dibao" in added.parameters.subsidies
    year = History().grant("2024-01-01", "single_daughter_family").paid("2025-10-10", 2026, "400")
    assert year.year(2026, BUILTIN.with_file(tmp_path / "p.json"))["flags"] == []


def test_nested_mapping_merges_and_other_parameters_replace(tmp_path: Path) -> None:
    first = {
        "id": "ankang-2025-a",
        "extends": "ankang-2025",
        "region": "610900",
        "coverage_year": 2025,
        "revision": 2,
        "source": "紫阳县 table",
        "parameters": {"county_subsidies": {"610924": {"dibao": "260.00", "monitored": "250.00"}}},
    }
    second = {
        **first,
        "id": "ankang-2025-b",
        "extends": "ankang-2025-a",
        "revision": 3,
        "source": "白河县 table",
        "parameters": {
            "county_subsidies": {"610924": {"monitored": None}, "610929": {"dibao": "240.00"}},
            "special_identities": ["veteran"],
        },
    }
    registry = BUILTIN.with_file(write(tmp_path, {"versions": [first, second]}))
    counties = registry.get("ankang-2025-b").parameters.county_subsidies
    assert counties == {
        "610924": {"dibao": Decimal("260.00")},
        "610929": {"dibao": Decimal("240.00")},
    }
    assert registry.get("ankang-2025-b").parameters.special_identities == frozenset({"veteran"})


def test_citation_for_a_parameter_not_given_is_refused(tmp_path: Path) -> None:
    version = ankang_year(2026)
    version["citations"] = {"bonus_ceiling": "somewhere"}
    with pytest.raises(PolicyFileError, match=r"versions\[0\]\.citations\.bonus_ceiling"):
        BUILTIN.with_file(write(tmp_path, {"versions": [version]}))
