"""§2 subsidies: SUB-one, SUB-cutoff, SUB-window, SUB-frozen, SUB-due, SUB-mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.policies.support import History, coverage, registry_with


def test_SUB_one_highest_once() -> None:
    h = History().grant("2024-02-01", "dibao").grant("2024-05-01", "tekun")
    c = h.paid("2024-10-10", 2025, "0").year(2025)["contribution"]
    assert (c["subsidy"], c["subsidy_identity"], c["individual_due"]) == ("400.00", "tekun", "0.00")


def test_SUB_one_huaiyuan_dibao_beats_single_son() -> None:
    h = History("340321").grant("2024-01-01", "single_son_family").grant("2024-02-01", "dibao")
    year = h.paid("2024-11-01", 2025, "60").year(2025)
    c = year["contribution"]
    assert (c["subsidy"], c["subsidy_identity"], c["subsidy_mode"]) == (
        "340.00",
        "dibao",
        "deducted",
    )
    assert year["enrolled"] is True


def test_SUB_cutoff_ak22_last_day_counts() -> None:
    h = History().grant("2021-09-30", "dibao").paid("2021-11-20", 2022, "320")
    assert h.year(2022)["contribution"]["subsidy"] == "70.00"


def test_SUB_cutoff_ak22_day_after_counts_next_year() -> None:
    h = History().grant("2021-10-01", "dibao").paid("2021-11-20", 2022, "320")
    year = h.year(2022)
    assert year["contribution"]["subsidy"] == "0.00"
    assert "SUB-cutoff" in year["basis"]


def test_SUB_cutoff_uses_recognized_on_not_the_effective_date() -> None:
    h = History().grant("2021-09-01", "dibao", recognized_on="2021-10-05")
    assert h.paid("2021-11-20", 2022, "320").year(2022)["contribution"]["subsidy"] == "0.00"


def test_SUB_window_late_subsidised_payer_pays_full_from_next_month_without_waiting() -> None:
    h = History().grant("2024-02-01", "dibao").paid("2025-02-10", 2025, "400")
    year = h.year(2025)
    assert year["contribution"]["subsidy"] == "0.00"
    assert year["contribution"]["individual_due"] == "400.00"
    assert coverage(year) == [("2025-03-01", "2025-12-31")]
    assert year["waiting"]["total_months"] == 0
    assert "SUB-window" in year["basis"]


def test_SUB_window_late_subsidised_partial_payment() -> None:
    h = History().grant("2024-02-01", "dibao").paid("2025-02-10", 2025, "200")
    year = h.year(2025)
    assert (year["enrolled"], year["flags"]) == (False, ["partial_payment"])


def test_SUB_frozen_revocation_after_payment_keeps_subsidy() -> None:
    h = History().grant("2024-02-01", "dibao").paid("2024-10-10", 2025, "200")
    year = h.revoke("2024-11-01", "dibao").year(2025)
    assert year["enrolled"] is True
    assert year["contribution"]["subsidy"] == "200.00"


def test_revoked_before_payment_no_subsidy() -> None:
    h = History().grant("2024-02-01", "dibao").revoke("2024-09-30", "dibao")
    year = h.paid("2024-10-10", 2025, "200").year(2025)
    assert (year["enrolled"], year["flags"]) == (False, ["partial_payment"])


def test_SUB_due_zero_payment_enrols_only_the_fully_subsidised() -> None:
    assert History().paid("2024-10-10", 2025, "0").year(2025)["flags"] == ["partial_payment"]
    h = History().grant("2024-01-01", "orphan").paid("2024-10-10", 2025, "0")
    assert h.year(2025)["enrolled"] is True


def test_SUB_due_two_instalments_enrol_on_the_second() -> None:
    h = History().paid("2024-10-10", 2025, "150").paid("2024-11-10", 2025, "250")
    year = h.year(2025)
    assert year["enrolled"] is True and year["contribution"]["paid"] == "400.00"


def test_SUB_mode_ak22_dibao_pays_first() -> None:
    h = History().grant("2021-03-01", "dibao").paid("2021-11-20", 2022, "320")
    c = h.year(2022)["contribution"]
    assert (c["subsidy"], c["subsidy_mode"], c["individual_due"]) == (
        "70.00",
        "reimbursed",
        "320.00",
    )


def test_SUB_mode_ak22_dibao_paying_250_is_partial() -> None:
    h = History().grant("2021-03-01", "dibao").paid("2021-11-20", 2022, "250")
    assert h.year(2022)["flags"] == ["partial_payment"]


def test_SUB_mode_huaiyuan_priority_care_reimbursed_in_full() -> None:
    h = History("340321").grant("2024-01-01", "priority_care").paid("2024-10-01", 2025, "400")
    c = h.year(2025)["contribution"]
    assert (c["subsidy"], c["subsidy_mode"], c["individual_due"]) == (
        "400.00",
        "reimbursed",
        "400.00",
    )


def test_subsidy_amount_unknown_is_flagged_not_guessed() -> None:
    h = History().grant("2024-01-01", "single_daughter_family").paid("2024-10-10", 2025, "400")
    year = h.year(2025)
    c = year["contribution"]
    assert (c["subsidy"], c["subsidy_identity"], c["individual_due"]) == (
        "0.00",
        "single_daughter_family",
        "400.00",
    )
    assert year["flags"] == ["subsidy_amount_unknown"]
    assert "single_daughter_family" in year["reasons"]["subsidy_amount_unknown"]
    assert year["enrolled"] is True


def test_county_subsidy_parameter_ziyang(tmp_path: Path) -> None:
    registry = registry_with(
        tmp_path,
        {
            "id": "ankang-2025-counties",
            "extends": "ankang-2025",
            "region": "610900",
            "coverage_year": 2025,
            "revision": 2,
            "source": "紫阳县 table",
            "parameters": {"county_subsidies": {"610924": {"dibao": "260.00"}}},
        },
    )
    ziyang = History("610924").grant("2024-01-01", "dibao").paid("2024-10-10", 2025, "140")
    year = ziyang.year(2025, registry)
    assert (year["policy"], year["policy_revision"]) == ("ankang-2025-counties", 2)
    assert year["contribution"]["subsidy"] == "260.00" and year["enrolled"] is True
    hanbin = History("610902").grant("2024-01-01", "dibao").paid("2024-10-10", 2025, "200")
    assert hanbin.year(2025, registry)["contribution"]["subsidy"] == "200.00"


def test_ID_change_in_the_year_is_traced_and_changes_nothing_paid() -> None:
    h = History().grant("2024-02-01", "dibao").paid("2024-10-10", 2025, "200")
    year = h.revoke("2025-05-10", "dibao").year(2025, explain=True)
    assert year["contribution"]["subsidy"] == "200.00" and year["enrolled"] is True
    [step] = [s for s in year["trace"] if s["rule"] == "ID-change"]
    assert step["type"] == "identity_revoked" and "2025-06-01" in step["note"]
    assert step["citation"] == "安医保发〔2024〕76号 §四(二)4(3)"


def test_SUB_cutoff_sx24_recognised_after_full_payment_is_paid_back() -> None:
    # SX24 §四(一): 系统内未标识但已全额参保缴费的人员，由各统筹区落实资助政策
    h = History().paid("2023-10-10", 2024, "380").grant("2023-11-15", "dibao")
    c = h.year(2024)["contribution"]
    assert (c["subsidy"], c["subsidy_identity"], c["subsidy_mode"], c["individual_due"]) == (
        "190.00",
        "dibao",
        "reimbursed",
        "380.00",
    )


def test_SUB_cutoff_ak25_recognised_after_payment_gets_nothing_that_year() -> None:
    h = History().paid("2024-10-10", 2025, "400").grant("2024-11-15", "dibao")
    assert h.year(2025)["contribution"]["subsidy"] == "0.00"


def test_SUB_one_huaiyuan_unsupported_child_alone_is_unknown() -> None:
    h = History("340321").grant("2024-01-01", "unsupported_child").paid("2024-10-10", 2025, "400")
    year = h.year(2025)
    c = year["contribution"]
    assert (c["subsidy"], c["subsidy_identity"], c["individual_due"]) == (
        "0.00",
        "unsupported_child",
        "400.00",
    )
    assert "subsidy_amount_unknown" in year["flags"]


@pytest.mark.parametrize(
    ("other", "subsidy"), [("dibao", "340.00"), ("monitored", "200.00"), ("orphan", "400.00")]
)
def test_SUB_one_huaiyuan_unsupported_child_as_its_other_identity(other: str, subsidy: str) -> None:
    h = History("340321").grant("2024-01-01", "unsupported_child").grant("2024-01-01", other)
    year = h.paid("2024-10-10", 2025, "400").year(2025)
    assert year["contribution"]["subsidy"] == subsidy
    assert "subsidy_amount_unknown" not in year["flags"]


def test_SUB_one_shaanxi_unsupported_child_full() -> None:
    h = History().grant("2023-01-01", "unsupported_child").paid("2023-10-10", 2024, "0")
    assert h.year(2024)["contribution"]["subsidy"] == "380.00"


# ---------------------------------------------------------------- OVER-paid


@pytest.mark.parametrize(("amount", "overpaid"), [("200.00", False), ("200.01", True)])
def test_OVER_paid_boundary(amount: str, overpaid: bool) -> None:
    h = History().grant("2024-03-01", "dibao").paid("2024-10-15", 2025, amount)
    year = h.year(2025, explain=True)
    assert ("overpaid" in year["flags"]) is overpaid
    if overpaid:
        [step] = [s for s in year["trace"] if s["rule"] == "OVER-paid"]
        assert step["citation"] == "I-overpaid"


def test_OVER_paid_reimbursed_mode_pays_the_standard() -> None:
    h = History().grant("2021-03-01", "dibao").paid("2021-11-20", 2022, "320")
    assert h.year(2022)["flags"] == []
    h = History().paid("2023-10-10", 2024, "380").grant("2023-11-15", "dibao")
    assert h.year(2024)["flags"] == []  # SUB-recognised: the due stays the standard


def test_OVER_paid_repairs_and_refunded_excess_do_not_count() -> None:
    h = History().paid("2021-10-10", 2022, "320").repair("2024-10-01", 2024, "400")
    assert "overpaid" not in h.paid("2024-10-10", 2025, "400").year(2025)["flags"]
    h = History().paid("2024-10-01", 2025, "400").paid("2024-10-02", 2025, "400")
    assert h.refund("2024-11-01", 2025, "400").year(2025)["flags"] == []
    h = History().paid("2024-10-01", 2025, "400").paid("2024-10-02", 2025, "400")
    assert h.year(2025)["flags"] == ["overpaid"]


# XA24-hukou: 市医保发〔2023〕57号 §二
# "具有陕西省户籍的拟参加我市城乡居民医保特殊人员享受参保资助政策".


@pytest.mark.parametrize(
    ("hukou", "subsidy", "due"),
    [
        ("610113", "190.00", "190.00"),  # a Xi'an hukou
        ("610902", "190.00", "190.00"),  # another city of Shaanxi: still 陕西省户籍
        (None, "190.00", "190.00"),  # no hukou on record: nothing says otherwise
        ("620102", "0.00", "380.00"),  # 甘肃 (Lanzhou): no subsidy in Xi'an
    ],
)
def test_XA24_hukou_subsidy_needs_a_shaanxi_hukou(
    hukou: str | None, subsidy: str, due: str
) -> None:
    h = History("610113", hukou=hukou).grant("2023-03-01", "dibao").paid("2023-10-10", 2024, due)
    year = h.year(2024, explain=True)
    assert year["policy"] == "xian-2024"
    assert year["enrolled"] is True
    assert year["contribution"]["subsidy"] == subsidy
    assert year["contribution"]["individual_due"] == due
    rules = [step["rule"] for step in year["trace"]]
    assert ("XA24-hukou" in rules) is (subsidy == "0.00")


def test_XA24_hukou_is_xian_only() -> None:
    # shaanxi-2024 elsewhere in the province has no such condition
    h = (
        History("610702", hukou="620102")
        .grant("2023-03-01", "dibao")
        .paid("2023-10-10", 2024, "190")
    )
    year = h.year(2024)
    assert year["policy"] == "shaanxi-2024"
    assert year["contribution"]["subsidy"] == "190.00"
