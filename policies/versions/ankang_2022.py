"""ankang-2022: 安康市 2022 coverage year, 安医保发〔2021〕86号 (AK22).

No late window (补缴期): a general resident paying after the central window gets nothing for
the year; newborns not paid within 90 days get nothing for that year either.
"""

from __future__ import annotations

from policies.versions import BEFORE_2025, build

N = "安医保发〔2021〕86号"

VERSION = build(
    id="ankang-2022",
    region="610900",
    coverage_year=2022,
    revision=2,
    source=N,
    rule_prefix="AK22",
    parameters={
        "individual_standard": ("320.00", f"{N} §四"),
        "subsidy_cutoff": ("2021-09-30", f"{N} §六(一)"),
        "subsidies": (
            {
                "tekun": "full",
                "orphan": "full",
                "unsupported_child": "full",
                "dibao": "70.00",
                "monitored": "70.00",
                "returned_poverty": "70.00",
                "single_daughter_family": "unknown",
            },
            f"{N} §四(一); 低保/监测 70 is the county floor (每人每年不少于70元); 独女户 under "
            "陕卫人口发〔2023〕36号, amounts not in the sources",
        ),
        "subsidy_modes": (
            {"dibao": "reimbursed", "monitored": "reimbursed", "returned_poverty": "reimbursed"},
            f"{N} §七(二) 先缴后补",
        ),
        "subsidy_central_window_only": (True, f"{N} §五(三)2"),
        "recognised_after_payment": ("none", f"{N} (no such rule)"),
        "county_subsidies": ({}, f"{N} §四(一)2 (county tables may raise the floor)"),
        "refund_deadline": ("central_window_end", f"{N} §八(三)(五)"),
        "wrong_region_first_date": (True, f"{N} §八(三)"),
        "duplicate_priority": (("college_student",), f"{N} §八(三)"),
        "central_window": (("2021-09-01", "2021-12-31"), f"{N} §五(一)"),
        "late_window": (None, f"{N} §五 (no 补缴期)"),
        "late_window_identities": (None, f"{N} §五"),
        "late_start": ("next_month", f"{N} §五(三)2"),
        "outside_window_start": (None, f"{N} §五 (未在集中缴费期参保缴费的，不得享受待遇)"),
        "employee_stop": (True, f"{N} §五(二)1"),
        "employee_priority": ("lost", f"{N} §八(五)"),
        "status_lost_reasons": (
            frozenset({"enlisted", "imprisoned", "other_scheme"}),
            f"{N} §八(五)",
        ),
        "employee_start_ends_status": (True, f"{N} §八(五)"),
        "status_lost_forfeits_payment": (True, f"{N} §八(五)"),
        "employee_bridge": (False, f"{N} (no such rule)"),
        "bridge_max_gap_months": (3, f"{N} (no such rule)"),
        "bridge_min_insured_years": (2, f"{N} (no such rule)"),
        "newborn_days": (90, f"{N} §五(二)2"),
        "newborn_eligibility": ("birth_year", f"{N} §五(二)2"),
        "newborn_late_start": ("next_month", f"{N} §五(二)2"),
        "newborn_after_days": ("nothing", f"{N} §五(二)2 不能享受对应年度的医保待遇"),
        "student_start": ("paid_on", f"{N} §五(二)3"),
        "new_student_start": (None, f"{N} (no such rule)"),
        "new_student_intake": (None, f"{N} (no such rule)"),
        "special_identities": (
            frozenset({"veteran", "returning_graduate", "released_prisoner", "lost_contact"}),
            f"{N} §五(二)",
        ),
        "special_in_year_identities": (frozenset({"returning_graduate"}), f"{N} §四(四)"),
        "special_late_reason_identities": (frozenset(), f"{N} (no such rule)"),
        "special_new_identities": (None, f"{N} §四(五)"),
        "special_start": ("next_month", f"{N} §五(二)"),
        "place_check": (True, f"{N} §八(一)2"),
        "place_guardian_age": (12, f"{N} §三(一)"),
        "place_exempt_under_age": (None, f"{N} §八(一)2"),
        "claims_by_discharge_year": (True, f"{N} §八(四)"),
        **BEFORE_2025,
    },
    rule_citations={
        "AK22-central": f"{N} §五(一)",
        "SUB-window": f"{N} §五(三)2",
        "SUB-cutoff": f"{N} §六(一)",
        "SUB-one": f"{N} §四",
        "SUB-mode": f"{N} §七(二)",
        "SUB-due": f"{N} §二(四)",
        "EMP-stop": f"{N} §五(二)1",
        "EMP-priority": f"{N} §八(三)",
        "ID-change": f"{N} §五(三)3",
        "NB-90": f"{N} §五(二)2",
        "REF-ak22": f"{N} §八(三)(五)",
        "REF-wrong-region": f"{N} §八(三)",
        "EMP-lost": f"{N} §八(五)",
        "DUP-region": f"{N} §八(三)",
        "PLACE-hukou": f"{N} §八(一)2",
        "INC-discharge": f"{N} §八(四)",
        "LATE-special": f"{N} §四(三)(四)(五); {N} §五(三)1",
        "STU": f"{N} §五(二)3",
    },
)
