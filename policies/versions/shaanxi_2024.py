"""shaanxi-2024: 陕西省 2024 coverage year, 陕医保发〔2023〕24号 (SX24).

Applies to every Shaanxi county without a more specific version for 2024 (Ankang included).
"""

from __future__ import annotations

from policies.versions import BEFORE_2025, build

N = "陕医保发〔2023〕24号"

VERSION = build(
    id="shaanxi-2024",
    region="610000",
    coverage_year=2024,
    revision=2,
    source=N,
    rule_prefix="SX24",
    parameters={
        "individual_standard": ("380.00", f"{N} §二(二)"),
        "subsidy_cutoff": ("2023-12-31", f"{N} §四(一)"),
        "subsidies": (
            {
                "tekun": "full",
                "orphan": "full",
                "unsupported_child": "full",
                "dibao": "190.00",
                "monitored": "190.00",
                "returned_poverty": "190.00",
                "single_daughter_family": "unknown",
            },
            f"{N} §三(一) 各级财政补助之和不低于个人缴费标准的50% (190 is the floor); 独女户 "
            "under 陕卫人口发〔2023〕36号, amounts not in the sources",
        ),
        "subsidy_modes": ({}, f"{N} §三(一) 享受资助后个人承担部分由参保人员自行缴纳"),
        "subsidy_central_window_only": (True, f"{N} §五(二)4(2)"),
        "recognised_after_payment": (
            "reimbursed",
            f"{N} §四(一) 系统内未标识但已全额参保缴费的人员",
        ),
        "county_subsidies": ({}, f"{N} §三(一) (cities set the amount)"),
        "refund_deadline": ("coverage_start", f"{N} §六(四)"),
        "wrong_region_first_date": (False, f"{N} (no such rule)"),
        "duplicate_priority": (("college_student", "residence"), f"{N} §六(三)"),
        "central_window": (("2023-09-01", "2023-12-20"), f"{N} §五(一)"),
        "late_window": (("2024-01-01", "2024-06-30"), f"{N} §五(二)"),
        "late_window_identities": (None, f"{N} §五(二)"),
        "late_start": ("next_month", f"{N} §五(二)4(2)"),
        "outside_window_start": (None, f"{N} §五(二) 未在集中缴费期或补缴期参保缴费的"),
        "employee_stop": (True, f"{N} §五(二)1"),
        "employee_priority": ("resume", f"{N} §六(三)"),
        "status_lost_reasons": (frozenset({"enlisted", "other_scheme"}), f"{N} §二(一)"),
        "employee_start_ends_status": (False, f"{N} §六(三)"),
        "status_lost_forfeits_payment": (False, f"{N} (no such rule)"),
        "employee_bridge": (False, f"{N} (no such rule)"),
        "bridge_max_gap_months": (3, f"{N} (no such rule)"),
        "bridge_min_insured_years": (2, f"{N} (no such rule)"),
        "newborn_days": (90, f"{N} §五(二)2"),
        "newborn_eligibility": ("birth_year", f"{N} §五(二)2"),
        "newborn_late_start": ("next_month", f"{N} §五(二)2"),
        "newborn_after_days": ("general", f"{N} §五(二)2"),
        "student_start": ("paid_on", f"{N} §五(二)3"),
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
            f"{N} §五(二)",
        ),
        "special_in_year_identities": (
            frozenset({"veteran", "returning_graduate"}),
            f"{N} §二(四)",
        ),
        "special_late_reason_identities": (frozenset(), f"{N} (no such rule)"),
        "special_new_identities": (None, f"{N} §二(四)"),
        "special_start": ("next_month", f"{N} §五(二)"),
        "place_check": (True, f"{N} §六(一)2"),
        "place_guardian_age": (12, f"{N} §二(一)"),
        "place_exempt_under_age": (None, f"{N} §六(一)2"),
        "claims_by_discharge_year": (True, f"{N} §六(五)"),
        **BEFORE_2025,
    },
    rule_citations={
        "SX24-central": f"{N} §五(一)",
        "SX24-late": f"{N} §五(二)",
        "SUB-one": f"{N} §三",
        "SUB-cutoff": f"{N} §四(一)",
        "SUB-window": f"{N} §五(二)4(2)",
        "SUB-mode": f"{N} §三(一)",
        "EMP-stop": f"{N} §五(二)1",
        "EMP-priority": f"{N} §六(三)",
        "ID-change": f"{N} §五(二)4(3)",
        "REF-before": f"{N} §六(四)",
        "EMP-lost": f"{N} §二(一)",
        "DUP-region": f"{N} §六(三)",
        "PLACE-hukou": f"{N} §六(一)2",
        "INC-discharge": f"{N} §六(五)",
        "LATE-special": f"{N} §二(四); {N} §五(二)4(1)",
        "STU": f"{N} §五(二)3(1)",
    },
)
