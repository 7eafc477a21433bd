"""§5 WAIT-fixed/var/repair/floor/start, I-break; §6 INC-count/cont/zero/reset/break/cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.policies.support import History, ankang_year, coverage, registry_with


def test_WAIT_fixed_and_INC_break_after_one_year_break() -> None:
    h = History().paid("2021-10-10", 2022, "320").paid("2022-10-10", 2023, "350")
    year = h.paid("2024-11-11", 2025, "400").year(2025)
    assert coverage(year) == [("2025-04-01", "2025-12-31")]
    assert year["continuity"] == {"consecutive_years": 1, "break_years": 1}
    assert year["critical_illness_cap"]["break_penalty"] == "-3000.00"
    assert {"WAIT-fixed", "WAIT-start", "INC-break"} <= set(year["basis"])


def test_WAIT_var_two_year_break() -> None:
    year = History().paid("2021-10-10", 2022, "320").paid("2024-10-10", 2025, "400").year(2025)
    assert year["waiting"] == {
        "fixed_months": 3,
        "variable_months": 1,
        "repaired_months": 0,
        "total_months": 4,
    }
    assert coverage(year) == [("2025-05-01", "2025-12-31")]


def test_WAIT_repair_one_year_repaid() -> None:
    h = History().paid("2021-10-10", 2022, "320").repair("2024-10-01", 2024, "400")
    h.paid("2024-10-10", 2025, "400")
    view = h.view()["years"]
    repaired = next(y for y in view if y["year"] == 2024)
    assert (repaired["enrolled"], repaired["flags"]) == (False, ["repair_paid"])
    year = next(y for y in view if y["year"] == 2025)
    assert year["waiting"]["repaired_months"] == 1 and year["waiting"]["total_months"] == 3
    assert coverage(year) == [("2025-04-01", "2025-12-31")]
    assert year["continuity"]["break_years"] == 2


def test_WAIT_repair_underpaid_repair_does_not_count() -> None:
    h = History().paid("2021-10-10", 2022, "320").repair("2024-10-01", 2024, "399.99")
    year = h.paid("2024-10-10", 2025, "400").year(2025)
    assert year["waiting"]["repaired_months"] == 0


def test_WAIT_floor_five_year_break_keeps_six_months() -> None:
    h = History(registered="2015-01-01").paid("2018-10-10", 2019, "250")
    for y in (2021, 2022, 2023):
        h.repair("2024-10-01", y, "400")
    year = h.paid("2024-10-10", 2025, "400").year(2025)
    assert year["continuity"]["break_years"] == 5
    assert year["waiting"]["total_months"] == 6
    assert coverage(year) == [("2025-07-01", "2025-12-31")]
    assert "WAIT-floor" in year["basis"]


def test_WAIT_fixed_first_enrolment_central_has_no_waiting() -> None:
    year = History().paid("2024-10-10", 2025, "400").year(2025)
    assert year["waiting"]["total_months"] == 0
    assert year["critical_illness_cap"]["break_penalty"] == "0.00"


def test_I_break_employee_year_bridges() -> None:
    h = History().paid("2022-10-10", 2023, "350").employee("2024-01-01", "2024-08-31")
    year = h.paid("2024-10-10", 2025, "400").year(2025)
    assert year["continuity"] == {"consecutive_years": 1, "break_years": 0}
    assert year["waiting"]["total_months"] == 0


def test_I_break_refunded_year_breaks() -> None:
    h = History().paid("2023-10-10", 2024, "380").refund("2023-11-10", 2024, "380", "other")
    h.paid("2022-10-10", 2023, "350").paid("2024-10-10", 2025, "400")
    assert h.year(2025)["continuity"]["break_years"] == 1


def test_INC_break_huaiyuan_no_penalty_ceiling_unknown() -> None:
    h = History("340321").paid("2022-10-10", 2023, "350").paid("2024-10-10", 2025, "400")
    year = h.year(2025)
    assert year["critical_illness_cap"]["break_penalty"] == "0.00"
    assert year["critical_illness_cap"]["bonus_ceiling"] is None
    assert "ceiling_unknown" in year["flags"]


def test_INC_cap_bonuses_capped(tmp_path: Path) -> None:
    registry = registry_with(
        tmp_path,
        ankang_year(2026, bonus_ceiling="2000.00"),
        ankang_year(2027, bonus_ceiling="60000.00"),
    )
    h = History().paid("2024-10-10", 2025, "400").paid("2025-10-10", 2026, "400")
    h.paid("2026-10-10", 2027, "400")
    years = {y["year"]: y for y in h.view(registry)["years"]}
    assert years[2026]["critical_illness_cap"]["zero_claim_bonus"] == "2000.00"
    assert "INC-cap" in years[2026]["basis"]
    assert years[2027]["critical_illness_cap"]["zero_claim_bonus"] == "6000.00"


def test_INC_zero_needs_enrolment_in_the_next_year(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, ankang_year(2026), ankang_year(2027))
    h = History().paid("2024-10-10", 2025, "400").paid("2026-10-10", 2027, "400")
    year = h.year(2027, registry)
    assert year["critical_illness_cap"]["zero_claim_bonus"] == "0.00"
    assert year["critical_illness_cap"]["break_penalty"] == "-3000.00"


def test_INC_zero_claim_with_zero_fund_amount_is_zero_claim(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, ankang_year(2026))
    h = History().paid("2024-10-10", 2025, "400").claim("2025-05-01", 2025, "0.00")
    year = h.paid("2025-10-10", 2026, "400").year(2026, registry)
    assert year["critical_illness_cap"]["zero_claim_bonus"] == "3000.00"


def test_INC_count_years_before_2025_do_not_count(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, ankang_year(2026))
    h = History().paid("2021-10-10", 2022, "320").paid("2022-10-10", 2023, "350")
    h.paid("2023-10-10", 2024, "380").paid("2024-10-10", 2025, "400")
    h.claim("2025-06-01", 2025, "10.00").paid("2025-10-10", 2026, "400")
    year = h.year(2026, registry)
    assert year["continuity"]["consecutive_years"] == 2
    assert year["critical_illness_cap"]["continuity_bonus"] == "0.00"


def test_I_enrolled_paid_outside_window_does_not_count_for_continuity() -> None:
    h = History().paid("2022-10-10", 2023, "350").paid("2024-07-02", 2024, "380")
    year = h.paid("2024-10-10", 2025, "400").year(2025)
    assert year["continuity"]["break_years"] == 1  # 2024 was paid, but bought no coverage


def test_I_window_days_both_ends_in() -> None:
    first = History().paid("2024-09-01", 2025, "400").year(2025)
    last = History().paid("2024-12-20", 2025, "400").year(2025)
    assert first["basis"][0] == last["basis"][0] == "AK25-central"


def test_INC_cont_grows_each_year_from_the_fifth(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, *(ankang_year(y) for y in range(2026, 2031)))
    h = History()
    for y in range(2025, 2031):
        h.paid(f"{y - 1}-10-10", y, "400").claim(f"{y}-06-01", y, "100.00")
    years = {y["year"]: y for y in h.view(registry)["years"]}
    assert [years[y]["critical_illness_cap"]["continuity_bonus"] for y in range(2025, 2031)] == [
        "0.00",
        "0.00",
        "0.00",
        "0.00",
        "3000.00",
        "6000.00",
    ]
    assert "INC-cont" in years[2029]["basis"] and "INC-cont" not in years[2028]["basis"]
    assert "INC-count" in years[2028]["basis"]


def test_INC_reset_clears_zero_claim_from_the_next_year_continuity_kept(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, ankang_year(2026), ankang_year(2027))
    h = History().paid("2024-10-10", 2025, "400").paid("2025-10-10", 2026, "400")
    h.claim("2026-03-01", 2026, "50.00", reward_used=True).paid("2026-10-10", 2027, "400")
    years = {y["year"]: y for y in h.view(registry)["years"]}
    assert years[2026]["critical_illness_cap"]["zero_claim_bonus"] == "3000.00"
    assert years[2027]["critical_illness_cap"]["zero_claim_bonus"] == "0.00"
    assert "INC-reset" in years[2027]["basis"]


# ---------------------------------------------------------------- INC-discharge


def _stay(tmp_path: Path, discharged: str, region: str = "610902", **years: str) -> dict:
    registry = registry_with(tmp_path, ankang_year(2026), huaiyuan_2026())
    h = History(region).paid("2024-10-10", 2025, "400")
    if years.get("moved"):
        h.moved(years["moved"], "340321")
        h.paid("2025-10-10", 2026, "400", region="340321")
    elif years.get("skip") is None:
        h.paid("2025-10-10", 2026, "400")
    h.claim(discharged, 2025, "5000.00", admitted_on="2025-12-20", discharged_on=discharged)
    h.paid("2026-10-10", 2027, "400")
    return {y["year"]: y for y in h.view(registry, explain=True)["years"]}


def huaiyuan_2026() -> dict:
    return {
        "id": "huaiyuan-2026",
        "extends": "huaiyuan-2025",
        "region": "340321",
        "coverage_year": 2026,
        "source": "test version",
        "parameters": {
            "central_window": ["2025-09-01", "2025-12-31"],
            "late_window": ["2026-01-01", "2026-02-28"],
            "subsidy_cutoff": "2025-12-31",
        },
    }


@pytest.mark.parametrize(
    ("discharged", "bonus_2026"), [("2025-12-31", "0.00"), ("2026-01-05", "3000.00")]
)
def test_INC_discharge_counts_for_the_discharge_year(
    tmp_path: Path, discharged: str, bonus_2026: str
) -> None:
    years = _stay(tmp_path, discharged)
    # the stay discharged in 2026 counts for 2026: 2025 was a zero-claim year
    assert years[2026]["critical_illness_cap"]["zero_claim_bonus"] == bonus_2026
    assert ("INC-discharge" in years[2026]["basis"]) is (discharged.startswith("2026"))


def test_INC_discharge_not_when_the_discharge_year_is_not_enrolled(tmp_path: Path) -> None:
    years = _stay(tmp_path, "2026-01-05", skip="yes")
    assert years[2025]["critical_illness_cap"]["zero_claim_bonus"] == "0.00"
    assert "INC-discharge" not in years[2025]["basis"]


def test_INC_discharge_not_across_pooling_regions(tmp_path: Path) -> None:
    years = _stay(tmp_path, "2026-01-05", moved="2025-10-01")
    assert years[2026]["policy"] == "huaiyuan-2026"
    assert years[2026]["critical_illness_cap"]["zero_claim_bonus"] == "0.00"


def test_INC_discharge_not_in_huaiyuan(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, huaiyuan_2026())
    h = History("340321").paid("2024-10-10", 2025, "400").paid("2025-10-10", 2026, "400")
    h.claim("2026-01-05", 2025, "5000.00", discharged_on="2026-01-05")
    year = h.year(2026, registry)
    assert year["critical_illness_cap"]["zero_claim_bonus"] == "0.00"
