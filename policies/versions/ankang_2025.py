"""ankang-2025: 安康市 2025 coverage year, 安医保发〔2024〕76号 (AK25).

First version with waiting periods (待遇等待期, 国办发〔2024〕38号) and the critical-illness
cap incentives (大病保险最高支付限额激励); the late window's coverage comes after a waiting
period of at least 3 months.
"""

from __future__ import annotations

from policies.versions import build

N = "安医保发〔2024〕76号"

VERSION = build(
    id="ankang-2025",
    region="610900",
    coverage_year=2025,
    revision=2,
    source=N,
    rule_prefix="AK25",
    parameters={
        "individual_standard": ("400.00", f"{N} §一(二)"),
        "subsidy_cutoff": ("2024-12-31", f"{N} §三(一)"),
        "subsidies": (
            {
                "tekun": "full",
                "orphan": "full",
                "unsupported_child": "full",
                "dibao": "200.00",
                "monitored": "200.00",
                "returned_poverty": "200.00",
                "single_daughter_family": "unknown",
            },
            f"{N} §二(二); 独女户 under 安卫函〔2023〕86号, amounts not in the sources",
        ),
        "subsidy_modes": ({}, f"{N} §二 (资助: 个人承担部分自行缴纳)"),
        "subsidy_central_window_only": (True, f"{N} §四(二)4(2)"),
        "recognised_after_payment": ("none", f"{N} (no such rule)"),
        "county_subsidies": (
            {},
            f"{N} §二(二) 目前高于200元的紫阳县、白河县保持现行资助标准不变: 610924 and 610929 "
            "amounts to be configured (default 200 until then)",
        ),
        "refund_deadline": ("coverage_start", f"{N} §五(四)"),
        "wrong_region_first_date": (False, f"{N} (no such rule)"),
        "duplicate_priority": (("college_student", "residence"), f"{N} §五(三)"),
        "central_window": (("2024-09-01", "2024-12-20"), f"{N} §四(一)"),
        "late_window": (("2025-01-01", "2025-03-31"), f"{N} §四(二)"),
        "late_window_identities": (None, f"{N} §四(二)"),
        "late_start": ("waiting", f"{N} §四(二)4(7)"),
        "outside_window_start": (None, f"{N} §四(二)"),
        "employee_stop": (True, f"{N} §四(二)1"),
        "employee_priority": ("resume", f"{N} §五(三); {N} §五(六)"),
        "status_lost_reasons": (frozenset({"enlisted", "other_scheme"}), f"{N} §一(一)"),
        "employee_start_ends_status": (False, f"{N} §五(三)"),
        "status_lost_forfeits_payment": (False, f"{N} (no such rule)"),
        "employee_bridge": (True, f"{N} §五(六)"),
        "bridge_max_gap_months": (3, f"{N} §五(六) 中断3个月以内"),
        "bridge_min_insured_years": (2, f"{N} §五(六) 连续参保2年以上"),
        "newborn_days": (90, f"{N} §四(二)2"),
        "newborn_eligibility": ("birth_year", f"{N} §四(二)2"),
        "newborn_late_start": ("next_month", f"{N} §四(二)2"),
        "newborn_after_days": ("general", f"{N} §四(二)2"),
        "student_start": ("paid_on", f"{N} §四(二)3"),
        "new_student_start": (None, f"{N} (no such rule)"),
        "new_student_intake": (None, f"{N} (no such rule)"),
        "special_identities": (
            frozenset(
                {
                    "veteran",
                    "veteran_spouse",
                    "returning_graduate",
                    "college_student",
                    "released_prisoner",
                    "lost_contact",
                }
            ),
            f"{N} §四(二)",
        ),
        "special_in_year_identities": (
            frozenset({"veteran", "returning_graduate"}),
            f"{N} §一(四)",
        ),
        "special_late_reason_identities": (frozenset(), f"{N} (no such rule)"),
        "special_new_identities": (None, f"{N} §一(四)"),
        "special_start": ("next_month", f"{N} §四(二)"),
        "place_check": (True, f"{N} §五(一)2"),
        "place_guardian_age": (12, f"{N} §一(一)"),
        "place_exempt_under_age": (18, f"{N} §一(一)"),
        "claims_by_discharge_year": (True, f"{N} §五(五)"),
        "waiting_periods": (True, f"{N} §四(二)4(7); 国办发〔2024〕38号"),
        "fixed_waiting_months": (3, f"{N} §四(二)4(7) 固定待遇等待期3个月"),
        "variable_months_per_break_year": (1, f"{N} §四(二)4(7) 每多断保1年增加1个月"),
        "waiting_floor_break_years": (4, f"{N} §四(二)4(7)"),
        "waiting_floor_months": (6, f"{N} §四(二)4(7)"),
        "incentives": (True, f"{N} §四(二)4(6)"),
        "continuity_count_from": (2025, f"{N} §四(二)4(6) 自2025年起"),
        "incentive_step": ("3000.00", f"{N} §四(二)4(6)"),
        "continuity_bonus_from_year": (5, f"{N} §四(二)4(6) 连续参保满4年后"),
        "break_penalty": ("3000.00", f"{N} §四(二)4(6)"),
        "bonus_ceiling": ("60000.00", "市医保发〔2024〕73号 (20% of 300,000)"),
    },
    rule_citations={
        "AK25-central": f"{N} §四(一)",
        "AK25-late": f"{N} §四(二)",
        "SUB-one": f"{N} §二",
        "SUB-cutoff": f"{N} §三(一)",
        "SUB-frozen": f"{N} §三(一)",
        "SUB-window": f"{N} §四(二)4(2)",
        "EMP-stop": f"{N} §四(二)1",
        "EMP-bridge": f"{N} §五(六)",
        "EMP-priority": f"{N} §五(三)",
        "ID-change": f"{N} §四(二)4(3)",
        "NB-died": f"{N} §四(二)2(3)",
        "REF-before": f"{N} §五(四)",
        "EMP-lost": f"{N} §一(一)",
        "DUP-region": f"{N} §五(三)",
        "PLACE-hukou": f"{N} §五(一)2; {N} §一(一)",
        "INC-discharge": f"{N} §五(五)",
        "LATE-special": f"{N} §一(四); {N} §四(二)4(1)",
        "STU": f"{N} §四(二)3(1)",
    },
)
