"""I-year-region, I-pool, DUP-region, I-enrolled; §7 refunds below the due; §8 events after a
death, refund_exceeds_paid."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.policies.support import History, coverage, registry_with

AK = "610902"
HY = "340321"


def mover() -> History:
    """Pays in Ankang, moves to Huaiyuan and pays there (the acceptance case's person)."""
    h = History(AK).paid("2024-10-10", 2025, "400", region=AK)
    return h.moved("2024-11-01", HY).paid("2024-11-05", 2025, "400", region=HY)


def test_I_year_region_refunded_first_payment_does_not_decide() -> None:
    h = mover().refund("2024-11-20", 2025, "400", "other_region", region=AK)
    year = h.year(2025)
    assert (year["policy"], year["region"], year["enrolled"]) == ("huaiyuan-2025", HY, True)
    assert (year["contribution"]["paid"], year["contribution"]["refunded"]) == ("800.00", "400.00")
    assert "duplicate_enrolment" not in year["flags"]
    assert year["critical_illness_cap"]["break_penalty"] == "0.00"  # HY25, not AK25


def test_I_year_region_other_region_refund_without_region_undoes_the_other_pool() -> None:
    # no refunded.region: other_region undoes what stands outside the person's pool on the
    # refund date (Huaiyuan, where they now live, keeps its payment)
    year = mover().refund("2024-11-20", 2025, "400", "other_region").year(2025)
    assert (year["policy"], year["enrolled"]) == ("huaiyuan-2025", True)
    assert year["flags"] == ["ceiling_unknown"]  # HY25 INC-cap, nothing about the money


def test_I_year_region_other_region_refund_before_the_move_undoes_huaiyuan() -> None:
    h = History(AK).paid("2024-10-10", 2025, "400").paid("2024-10-20", 2025, "400", region=HY)
    year = h.refund("2024-10-25", 2025, "400", "other_region").year(2025)
    assert (year["policy"], year["region"], year["flags"]) == ("ankang-2025", AK, [])


def test_I_year_region_other_reasons_undo_the_latest_first() -> None:
    h = History(AK).paid("2024-10-10", 2025, "400").paid("2024-10-20", 2025, "400", region=HY)
    year = h.refund("2024-10-25", 2025, "400", "duplicate").year(2025)
    assert year["policy"] == "ankang-2025"
    h = History(AK).paid("2024-10-10", 2025, "400").paid("2024-10-20", 2025, "400", region=HY)
    year = h.refund("2024-10-25", 2025, "400", "wrong_region").year(2025)
    assert year["policy"] == "huaiyuan-2025"  # wrong_region: earliest first


def test_I_year_region_is_where_the_due_is_first_reached() -> None:
    # 200 in Ankang never reaches Ankang's 400; Huaiyuan's 400 reaches Huaiyuan's
    h = History(AK).paid("2024-10-01", 2025, "200").paid("2024-10-05", 2025, "400", region=HY)
    year = h.year(2025)
    assert (year["policy"], year["region"], year["enrolled"]) == ("huaiyuan-2025", HY, True)
    assert year["flags"] == ["ceiling_unknown"]


def test_I_year_region_partial_refund_reduces_the_next_payment() -> None:
    h = History(AK).paid("2024-10-01", 2025, "200").paid("2024-10-05", 2025, "200")
    year = h.refund("2024-10-10", 2025, "300", "other").year(2025)
    assert (year["enrolled"], year["flags"]) == (False, ["partial_payment"])
    assert year["contribution"]["refunded"] == "300.00"


def test_I_pool_same_city_is_one_pooling_region() -> None:
    # 610924 紫阳县 and 610902 汉滨区 are both Ankang (6109): an other_region refund with the
    # person living in 610902 does not undo a 610924 payment
    h = History(AK).paid("2024-10-01", 2025, "400", region="610924")
    year = h.refund("2024-10-10", 2025, "400", "other_region").year(2025)
    assert (year["enrolled"], year["region"], year["flags"]) == (
        True,
        "610924",
        ["refund_exceeds_paid"],
    )


def test_I_year_region_a_region_without_version_reaches_with_its_first_payment() -> None:
    h = History("610100").paid("2024-10-01", 2025, "1")
    year = h.year(2025)
    assert (year["policy"], year["region"], year["enrolled"]) == (None, "610100", True)
    assert "no policy version for region 610100" in year["reasons"]["policy_missing"]


# ---------------------------------------------------------------- DUP-region


def two_pools(home: str = AK, ak_on: str = "2024-10-20", hy_on: str = "2024-10-01") -> History:
    h = History(home)
    h.paid(hy_on, 2025, "400", region=HY)
    return h.paid(ak_on, 2025, "400", region=AK)


def test_DUP_region_residence_wins_in_ankang_2025() -> None:
    # rule (2): either version is ankang-2025; the person lives in Ankang on 1 January
    year = two_pools().year(2025)
    assert (year["policy"], year["region"]) == ("ankang-2025", AK)
    assert "duplicate_enrolment" in year["flags"]
    assert "DUP-region" in year["basis"]
    assert "overpaid" not in year["flags"]  # the other pool's payment does not count


@pytest.mark.parametrize(
    ("moved_on", "policy"), [("2025-01-01", "huaiyuan-2025"), ("2025-01-02", "ankang-2025")]
)
def test_DUP_region_residence_on_1_january(moved_on: str, policy: str) -> None:
    assert two_pools().moved(moved_on, HY).year(2025)["policy"] == policy


def test_DUP_region_residence_on_the_earliest_payment_when_paid_in_the_year() -> None:
    h = History(AK).moved("2025-02-10", HY)
    h.paid("2025-02-10", 2025, "400", region=AK).paid("2025-02-12", 2025, "400", region=HY)
    # the later of 1 January and the earliest standing payment: 2025-02-10, in Huaiyuan
    assert h.year(2025)["policy"] == "huaiyuan-2025"


@pytest.mark.parametrize(
    ("granted", "policy"), [("2024-10-20", "ankang-2025"), ("2024-10-21", "huaiyuan-2025")]
)
def test_DUP_region_college_student_payment_first(granted: str, policy: str) -> None:
    # rule (1) before (2): the Ankang payment was made as a student; living in Huaiyuan
    h = two_pools(home=HY).grant(granted, "college_student")
    assert h.year(2025)["policy"] == policy


def test_DUP_region_earliest_standing_payment_ties_by_event_id(tmp_path: Path) -> None:
    # two versions without rules (1) and (2) (huaiyuan-2025 and one extending it): rule (3),
    # even for a student living in the other region
    registry = registry_with(
        tmp_path,
        {
            "id": "test-2025",
            "extends": "huaiyuan-2025",
            "region": "610100",
            "coverage_year": 2025,
            "source": "test version",
        },
    )
    h = History("610100").grant("2024-01-01", "college_student")
    h.paid("2024-10-05", 2025, "400", region=HY, event_id="b")
    h.paid("2024-10-05", 2025, "400", region="610100", event_id="c")
    assert h.year(2025, registry)["policy"] == "huaiyuan-2025"
    h = History("610100").paid("2024-10-06", 2025, "400", region=HY)
    h.paid("2024-10-05", 2025, "400", region="610100")
    assert h.year(2025, registry)["policy"] == "test-2025"


def test_DUP_region_the_other_payment_is_refunded_only_before_its_start() -> None:
    ok = two_pools().refund("2024-12-31", 2025, "400", "other_region", region=HY).year(2025)
    assert "refund_after_start" not in ok["flags"] and "duplicate_enrolment" not in ok["flags"]
    late = two_pools().refund("2025-01-01", 2025, "400", "other_region", region=HY).year(2025)
    assert {"refund_after_start", "duplicate_enrolment"} <= set(late["flags"])
    assert late["policy"] == "ankang-2025"


def test_DUP_region_a_region_without_version_counts_too() -> None:
    h = History("610100").paid("2024-10-01", 2025, "400").paid("2024-10-20", 2025, "400", region=AK)
    year = h.year(2025)
    # rule (2): lives in Xi'an (no 2025 version): policy_missing, flagged duplicate
    assert (year["policy"], year["flags"]) == (None, ["duplicate_enrolment", "policy_missing"])


# ---------------------------------------------------------------- I-enrolled, §7


@pytest.mark.parametrize(("refund", "enrolled"), [("400.00", True), ("400.01", False)])
def test_I_enrolled_standing_amount_against_the_due(refund: str, enrolled: bool) -> None:
    h = History().paid("2023-10-10", 2024, "380").paid("2024-10-01", 2025, "400")
    h.paid("2024-10-02", 2025, "400").refund("2024-11-01", 2025, refund, "duplicate")
    h.paid("2025-10-10", 2026, "1")
    view = {y["year"]: y for y in h.view()["years"]}
    assert view[2025]["enrolled"] is enrolled
    if not enrolled:
        assert view[2025]["coverage"] == []


def test_refund_below_the_due_breaks_continuity() -> None:
    h = History().paid("2022-10-10", 2023, "350").paid("2023-10-10", 2024, "380")
    h.refund("2023-11-10", 2024, "0.01", "other")
    year = h.paid("2024-10-10", 2025, "400").year(2025)
    assert year["continuity"]["break_years"] == 1
    assert coverage(year) == [("2025-04-01", "2025-12-31")]


def test_refund_exceeds_paid_applied_up_to_what_stands() -> None:
    year = (
        History()
        .paid("2024-10-01", 2025, "400")
        .refund("2024-11-01", 2025, "500", "other")
        .year(2025)
    )
    assert (year["enrolled"], year["flags"]) == (False, ["refund_exceeds_paid"])
    assert year["contribution"]["refunded"] == "500.00"


def test_refund_exactly_what_stands_does_not_exceed() -> None:
    year = (
        History()
        .paid("2024-10-01", 2025, "400")
        .refund("2024-11-01", 2025, "400", "other")
        .year(2025)
    )
    assert (year["enrolled"], year["flags"]) == (False, [])


def test_refund_dated_before_its_payment_exceeds_what_stood() -> None:
    h = History().refund("2024-10-01", 2025, "400", "other").paid("2024-10-02", 2025, "400")
    year = h.year(2025)
    assert (year["enrolled"], year["flags"]) == (True, ["refund_exceeds_paid"])


def test_refund_for_a_year_without_payment_is_listed_and_flagged() -> None:
    year = History().refund("2024-11-01", 2025, "400", "other").year(2025)
    assert (year["enrolled"], year["flags"]) == (False, ["refund_exceeds_paid"])


def test_refund_after_start_takes_only_the_excess() -> None:
    h = History().paid("2024-10-01", 2025, "400").paid("2024-10-02", 2025, "400")
    year = h.refund("2025-01-05", 2025, "800", "duplicate").year(2025)
    assert year["enrolled"] is True and coverage(year) == [("2025-01-01", "2025-12-31")]
    assert year["flags"] == ["refund_after_start"]


# ---------------------------------------------------------------- §8


def test_DEATH_payment_after_death_is_not_applied() -> None:
    h = History().died("2024-09-30").paid("2024-10-01", 2025, "400")
    year = h.year(2025)
    assert (year["enrolled"], year["coverage"], year["flags"]) == (False, [], ["after_death"])
    assert year["contribution"]["paid"] == "400.00"


def test_DEATH_payment_on_the_day_of_death_applies() -> None:
    year = History().died("2024-10-01").paid("2024-10-01", 2025, "400").year(2025)
    assert (year["enrolled"], year["coverage"], year["flags"]) == (True, [], [])


def test_DEATH_refund_after_death() -> None:
    h = History().paid("2024-10-01", 2025, "400").died("2024-11-01")
    other = h.refund("2024-11-10", 2025, "400", "other").year(2025)
    assert (other["enrolled"], other["flags"]) == (True, ["after_death"])
    h = History().paid("2024-10-01", 2025, "400").died("2024-11-01")
    death = h.refund("2025-02-10", 2025, "400", "death").year(2025)
    assert (death["enrolled"], death["flags"]) == (False, [])


def test_DEATH_claim_after_death_counts() -> None:
    h = History().paid("2024-10-01", 2025, "400").died("2025-03-01")
    year = h.claim("2025-04-01", 2025, "100.00").year(2025)
    assert year["flags"] == []


def test_DEATH_other_events_after_death_flag_their_year() -> None:
    h = History().paid("2024-10-01", 2025, "400").died("2025-03-01")
    h.grant("2025-04-01", "dibao").employee("2025-05-01").died("2025-06-01")
    year = h.year(2025)
    assert year["flags"] == ["after_death"]
    assert coverage(year) == [("2025-01-01", "2025-03-01")]  # the employee start is not applied


@pytest.mark.parametrize(("paid_on", "applied"), [("2025-04-11", True), ("2025-04-12", False)])
def test_NB_died_payment_after_death_within_90_days(paid_on: str, applied: bool) -> None:
    h = History(registered=None).born("2025-01-11").died("2025-02-01").paid(paid_on, 2025, "400")
    year = h.year(2025)
    assert year["enrolled"] is applied
    assert ("after_death" in year["flags"]) is not applied
    if applied:
        assert coverage(year) == [("2025-01-11", "2025-02-01")]
