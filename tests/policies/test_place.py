"""PLACE-hukou: 参保人选择的参保地必须至少与户籍地或居住证所在地中一项相同 (AK22 §八(一)2,
SX24 §六(一)2, AK25 §五(一)2)."""

from __future__ import annotations

import pytest

from tests.policies.support import History, coverage

ELSEWHERE = "340321"


def test_PLACE_hukou_elsewhere_without_permit_is_flagged() -> None:
    h = History("610902", hukou=ELSEWHERE).paid("2024-10-10", 2025, "400")
    year = h.year(2025)
    assert year["flags"] == ["place_not_eligible"]
    assert "PLACE-hukou" in year["basis"]
    assert year["enrolled"] is True and coverage(year) == [("2025-01-01", "2025-12-31")]


@pytest.mark.parametrize(("permit_on", "flagged"), [("2024-10-10", False), ("2024-10-11", True)])
def test_PLACE_hukou_residence_permit_on_the_payment_date(permit_on: str, flagged: bool) -> None:
    h = History("610902", hukou=ELSEWHERE).permit(permit_on, "610925")
    year = h.paid("2024-10-10", 2025, "400").year(2025)
    assert ("place_not_eligible" in year["flags"]) is flagged


def test_PLACE_hukou_same_pooling_region_and_unknown_hukou() -> None:
    assert (
        History("610902", hukou="610924").paid("2024-10-10", 2025, "400").year(2025)["flags"] == []
    )
    assert History("610902").paid("2024-10-10", 2025, "400").year(2025)["flags"] == []


@pytest.mark.parametrize(("birth", "flagged"), [("2006-10-10", True), ("2006-10-11", False)])
def test_PLACE_hukou_ak25_not_checked_under_18(birth: str, flagged: bool) -> None:
    h = History("610902", hukou=ELSEWHERE, birth=birth).paid("2024-10-10", 2025, "400")
    assert ("place_not_eligible" in h.year(2025)["flags"]) is flagged


@pytest.mark.parametrize(("birth", "flagged"), [("2011-10-10", False), ("2010-10-10", True)])
def test_PLACE_hukou_child_of_12_may_use_its_guardians(birth: str, flagged: bool) -> None:
    h = History("610902", registered=None)
    h.born(birth, guardian_id="G-1", hukou_region=ELSEWHERE).paid("2023-10-10", 2024, "380")
    assert ("place_not_eligible" in h.year(2024)["flags"]) is flagged


def test_PLACE_hukou_not_checked_for_a_college_student() -> None:
    h = History("610902", hukou=ELSEWHERE).grant("2023-09-01", "college_student")
    assert h.paid("2023-10-10", 2024, "380").year(2024)["flags"] == []


def test_PLACE_hukou_ak22_checked_huaiyuan_not() -> None:
    ak22 = History("610902", hukou=ELSEWHERE).paid("2021-10-10", 2022, "320").year(2022)
    assert ak22["flags"] == ["place_not_eligible"]
    hy25 = History(ELSEWHERE, hukou="610902").paid("2024-10-10", 2025, "400").year(2025)
    assert "place_not_eligible" not in hy25["flags"]


def test_PLACE_hukou_latest_registration_names_the_hukou() -> None:
    h = History("610902", hukou=ELSEWHERE)
    h.add(
        "registered", "2024-06-01", region="610902", birth_date="1980-01-01", hukou_region="610902"
    )
    assert h.paid("2024-10-10", 2025, "400").year(2025)["flags"] == []
