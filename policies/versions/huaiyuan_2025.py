"""huaiyuan-2025: 怀远县 2025 coverage year, 怀远县2024年（2025年度）方案 (HY25).

Late window only for migrant workers (外出务工人员), covered from the day after payment; other
residents may still enrol in the year after the waiting period (国办发〔2024〕38号, WAIT-hy25).
No employee-insurance-stop rule, no break penalty, and Anhui's critical-illness maximum is not
in the sources (ceiling unknown).
"""

from __future__ import annotations

from policies.clauses import NO_SOURCE, NO_SUCH_RULE
from policies.versions import build

N = "怀远县2024年（2025年度）城乡居民基本医疗保险参保缴费工作方案"
"""The 方案 has no 文号: its title is its id (POLICY.md §1: 怀远县2024年（2025年度）方案)."""
NAT = "国办发〔2024〕38号"
"""The national waiting periods and incentives, named in the 方案's preamble as its basis (text
not in the sources)."""
WINDOW = "集中参保缴费期为2024年9月1日至2024年12月31日"
MIGRANT = "在2025年1月1日至2月底前缴费的外出务工人员，自参保缴费次日起享受待遇"
INCENTIVES = "对居民医保连续参保人员和零报销人员的大病保险待遇激励机制"

VERSION = build(
    id="huaiyuan-2025",
    region="340321",
    coverage_year=2025,
    revision=2,
    source=N,
    sources=(N, NAT),
    rule_prefix="HY25",
    parameters={
        "individual_standard": ("400.00", f"{N} §二(一) 居民个人缴费标准为每人400元"),
        # the lists of subsidised persons are collected in the enrolment phase, 9-01 to 12-31
        "subsidy_cutoff": ("2024-12-31", f"{N} §五(二) 参保阶段（9月1日至12月31日）"),
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
            f"{N} §二(二) 个人缴纳60元; {N} §二(三) 县财政补贴一半",
        ),
        "subsidy_modes": (
            {
                "priority_care": "reimbursed",
                "single_daughter_family": "reimbursed",
                "single_son_family": "reimbursed",
            },
            f"{N} §二(三) 先缴后补",
        ),
        "subsidy_central_window_only": (False, NO_SUCH_RULE),
        "subsidy_hukou_province": (None, NO_SUCH_RULE),
        "recognised_after_payment": ("none", NO_SUCH_RULE),
        "county_subsidies": ({}, NO_SUCH_RULE),
        "refund_deadline": (
            "coverage_start",
            f"{N} §四(二) 待遇享受期开始后，暂停或终止参保关系，个人缴费不再退回",
        ),
        "wrong_region_first_date": (False, NO_SUCH_RULE),
        "duplicate_priority": ((), f"{N} §一; I-dup"),
        "central_window": (("2024-09-01", "2024-12-31"), f"{N} §三 {WINDOW}"),
        "late_window": (
            ("2025-01-01", "2025-02-28"),
            f"{N} §三 该群体的筹资时间可延长到2025年2月28日",
        ),
        "late_window_identities": (frozenset({"migrant_worker"}), f"{N} §三 {MIGRANT}"),
        "late_start": ("next_day", f"{N} §三 {MIGRANT}"),
        "outside_window_start": ("waiting", NAT),
        "employee_stop": (False, NO_SUCH_RULE),
        "employee_priority": ("end", f"{N} §一"),
        "status_lost_reasons": (frozenset({"enlisted"}), f"{N} §一"),
        "employee_start_ends_status": (False, f"{N} §一"),
        "status_lost_forfeits_payment": (False, NO_SUCH_RULE),
        "employee_bridge": (False, NO_SUCH_RULE),
        "bridge_max_gap_months": (3, NO_SUCH_RULE),
        "bridge_min_insured_years": (2, NO_SUCH_RULE),
        "newborn_days": (90, f"{N} §三(一) 自出生之日起90日内"),
        "newborn_eligibility": ("under_one", f"{N} §三(一) 一周岁以内新生儿"),
        "newborn_late_start": ("next_day", f"{N} §三(一) 自缴费到账次日起享受居民医保待遇"),
        "newborn_after_days": ("general", f"{N} §三(一) 超过90日参保缴费的一周岁内新生儿"),
        "student_start": (None, NO_SUCH_RULE),  # §三(三) only lets subsidised students enrol
        "new_student_start": (None, NO_SUCH_RULE),
        "new_student_intake": (None, NO_SUCH_RULE),
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
        "special_start": ("next_day", f"{N} §三(二) 自参保缴费次日起享受居民医保待遇"),
        "place_check": (False, NO_SUCH_RULE),
        "place_guardian_age": (12, NO_SUCH_RULE),
        "place_exempt_under_age": (None, NO_SUCH_RULE),
        "claims_by_discharge_year": (False, NO_SUCH_RULE),
        "waiting_periods": (True, f"{N} §preamble 国办发〔2024〕38号; {NAT}"),
        "fixed_waiting_months": (3, NAT),
        "variable_months_per_break_year": (1, NAT),
        "waiting_floor_break_years": (4, NAT),
        "waiting_floor_months": (6, NAT),
        "incentives": (True, f"{N} §三 {INCENTIVES}; {NAT}"),
        "continuity_count_from": (2025, f"{N} §三 自2025年起"),
        "incentive_step": (
            "3000.00",
            f"{NO_SOURCE} 3000 per step is Anhui's implementing opinion (国家标准的3倍), which "
            "is not among the version's documents",
        ),
        "continuity_bonus_from_year": (5, NAT),
        # the 方案 names incentives for continuous and zero-claim years only: no break penalty
        "break_penalty": ("0.00", f"{N} §三 {INCENTIVES}"),
        # 38号 caps the bonuses at 20% of the original maximum; Anhui's is not in the sources
        "bonus_ceiling": (None, NAT),
    },
    rule_citations={
        "OVER-paid": "I-overpaid",
        "HY25-central": f"{N} §三 {WINDOW}，待遇保障周期为2025年1月1日至2025年12月31日",
        "HY25-migrant": f"{N} §三 {MIGRANT}",
        "GEN-outside": f"{NO_SOURCE} the 方案 sets no rule for payments outside its windows "
        "(POLICY.md §4: GEN-outside does not apply to huaiyuan-2025)",
        "SUB-one": f"{N} §五(二) 核实并剔除双重身份的信息",
        "SUB-cutoff": f"{N} §五(二) 参保阶段（9月1日至12月31日）",
        "SUB-mode": f"{N} §二(二) 个人缴纳60元; {N} §二(三) 先缴后补",
        "SUB-due": f"{N} §二(一) 居民个人缴费标准为每人400元; {N} §二(二) 个人缴纳60元",
        "EMP-priority": f"{N} §一 除国家政策允许的情形外，不得跨制度重复参加职工医保",
        "NB-90": f"{N} §三(一)",
        "NB-died": f"{NO_SOURCE} the 方案 says nothing of a newborn who dies (§三(一))",
        "LATE-special": f"{N} §三(二)",
        "ID-change": f"{NO_SOURCE} the 方案 has no rule for identity changes in the year",
        "REF-before": f"{N} §四(二)",
        "DEATH": f"{N} §一 死亡等工作或生活状况变化的，要及时暂停或终止本县参保关系",
        "WAIT-hy25": NAT,
        "WAIT-fixed": NAT,
        "WAIT-var": NAT,
        "WAIT-repair": NAT,
        "WAIT-floor": NAT,
        "WAIT-start": f"{NAT}; I-months",
        "INC-count": f"{N} §三 自2025年起",
        "INC-cont": f"{N} §三 {INCENTIVES}; {NAT}",
        "INC-zero": f"{N} §三 {INCENTIVES}; {NAT}",
        "INC-reset": f"{N} §三 {INCENTIVES}; {NAT}",
        "EMP-lost": f"{N} §一 因就业、入学、入伍、婚嫁、死亡等工作或生活状况变化的",
        "DUP-region": f"{N} §一; I-dup",
    },
)
