"""huaiyuan-2025: 怀远县 2025 coverage year, 怀远县2024年（2025年度）方案 (HY25).

Late window only for migrant workers (外出务工人员), covered from the day after payment; other
residents may still enrol in the year after the waiting period (国办发〔2024〕38号, WAIT-hy25).
No employee-insurance-stop rule, no break penalty, and Anhui's critical-illness maximum is not
in the sources (ceiling unknown).
"""

from __future__ import annotations

from policies.versions import build

N = "怀远县2024年（2025年度）方案"

VERSION = build(
    id="huaiyuan-2025",
    region="340321",
    coverage_year=2025,
    revision=2,
    source=N,
    rule_prefix="HY25",
    parameters={
        "individual_standard": ("400.00", f"{N} §二(一)"),
        "subsidy_cutoff": ("2024-12-31", f"{N} §二 (end of its central window)"),
        "subsidies": (
            {
                "tekun": "full",
                "orphan": "full",
                "dibao": "340.00",
                "monitored": "200.00",
                "priority_care": "full",
                "single_daughter_family": "full",
                "single_son_family": "200.00",
                "unsupported_child": "other",
            },
            f"{N} §二(二) (低保个人缴纳60元; 独男户补贴一半)",
        ),
        "subsidy_modes": (
            {
                "priority_care": "reimbursed",
                "single_daughter_family": "reimbursed",
                "single_son_family": "reimbursed",
            },
            f"{N} §二(二) 先缴后补",
        ),
        "subsidy_central_window_only": (False, f"{N} (no such rule)"),
        "recognised_after_payment": ("none", f"{N} (no such rule)"),
        "county_subsidies": ({}, f"{N} §二(二)"),
        "refund_deadline": ("coverage_start", f"{N} §四(二)"),
        "wrong_region_first_date": (False, f"{N} (no such rule)"),
        "duplicate_priority": ((), f"{N} §一; I-dup"),
        "central_window": (("2024-09-01", "2024-12-31"), f"{N} §三(一)"),
        "late_window": (("2025-01-01", "2025-02-28"), f"{N} §三(一) 外出务工人员"),
        "late_window_identities": (frozenset({"migrant_worker"}), f"{N} §三(一)"),
        "late_start": ("next_day", f"{N} §三(一) 缴费次日"),
        "outside_window_start": ("waiting", "国办发〔2024〕38号 (WAIT-hy25)"),
        "employee_stop": (False, f"{N} (no such rule)"),
        "employee_priority": ("end", f"{N} §一"),
        "status_lost_reasons": (frozenset({"enlisted"}), f"{N} §一"),
        "employee_start_ends_status": (False, f"{N} §一"),
        "status_lost_forfeits_payment": (False, f"{N} (no such rule)"),
        "employee_bridge": (False, f"{N} (no such rule)"),
        "bridge_max_gap_months": (3, f"{N} (no such rule)"),
        "bridge_min_insured_years": (2, f"{N} (no such rule)"),
        "newborn_days": (90, f"{N} §三(二)"),
        "newborn_eligibility": ("under_one", f"{N} §三(二) 未满1周岁"),
        "newborn_late_start": ("next_day", f"{N} §三(二) 缴费到账次日"),
        "newborn_after_days": ("general", f"{N} §三(二)"),
        "student_start": (None, f"{N} §三(三) (no student start rule)"),
        "new_student_start": (None, f"{N} (no such rule)"),
        "new_student_intake": (None, f"{N} (no such rule)"),
        "special_identities": (
            frozenset({"veteran", "veteran_spouse", "severe_mental_illness", "released_prisoner"}),
            f"{N} §三(二)",
        ),
        "special_in_year_identities": (frozenset({"veteran"}), f"{N} §三(二)2"),
        "special_late_reason_identities": (
            frozenset({"tekun", "dibao", "returned_poverty", "monitored", "dibao_edge"}),
            f"{N} §三(二)1",
        ),
        "special_new_identities": (
            frozenset(
                {"tekun", "dibao", "returned_poverty", "monitored", "dibao_edge", "retired_fisher"}
            ),
            f"{N} §三(二)2",
        ),
        "special_start": ("next_day", f"{N} §三(二) 缴费次日"),
        "place_check": (False, f"{N} (no such rule)"),
        "place_guardian_age": (12, f"{N} (no such rule)"),
        "place_exempt_under_age": (None, f"{N} (no such rule)"),
        "claims_by_discharge_year": (False, f"{N} (no such rule)"),
        "waiting_periods": (True, "国办发〔2024〕38号 (cited by HY25 as its basis)"),
        "fixed_waiting_months": (3, "国办发〔2024〕38号"),
        "variable_months_per_break_year": (1, "国办发〔2024〕38号"),
        "waiting_floor_break_years": (4, "国办发〔2024〕38号"),
        "waiting_floor_months": (6, "国办发〔2024〕38号"),
        "incentives": (True, "国办发〔2024〕38号; Anhui implementing opinion"),
        "continuity_count_from": (2025, "国办发〔2024〕38号 自2025年起"),
        "incentive_step": ("3000.00", "Anhui implementing opinion (国家标准的3倍)"),
        "continuity_bonus_from_year": (5, "国办发〔2024〕38号"),
        "break_penalty": ("0.00", f"{N} (no break penalty in its sources)"),
        "bonus_ceiling": (None, "Anhui's critical-illness maximum is not in the sources"),
    },
    rule_citations={
        "HY25-central": f"{N} §三(一)",
        "HY25-migrant": f"{N} §三(一)",
        "LATE-special": f"{N} §三(二)",
        "NB-90": f"{N} §三(二)",
        "REF-before": f"{N} §四(二)",
        "WAIT-hy25": "国办发〔2024〕38号",
        "EMP-lost": f"{N} §一",
        "EMP-priority": f"{N} §一",
        "DUP-region": f"{N} §一",
        "SUB-one": f"{N} §五(二)",
    },
)
