"""ankang-2025: 安康市 2025 coverage year, 安医保发〔2024〕76号 (AK25).

First version with waiting periods (待遇等待期, 国办发〔2024〕38号) and the critical-illness
cap incentives (大病保险最高支付限额激励); the late window's coverage comes after a waiting
period of at least 3 months.
"""

from __future__ import annotations

from policies.clauses import NO_SOURCE, NO_SUCH_RULE
from policies.versions import build

N = "安医保发〔2024〕76号"
NAT = "国办发〔2024〕38号"
"""The national waiting periods and incentives AK25 §四(二)4(6)(7) implements (text not in the
sources)."""
CAP = "市医保发〔2024〕73号"
"""Shaanxi's critical-illness maximum 300,000 (POLICY.md §6; text not in the sources)."""
OUTSIDE = "未在集中缴费期或补缴期参保缴费的，不得享受参保年度的居民医保待遇"
LATE = "补缴期内缴纳城乡居民医疗保险费，设置固定待遇等待期3个月"
VARIABLE = "每多断保1年，原则上在固定待遇等待期基础上增加变动待遇等待期1个月"
FLOOR = "修复后固定待遇等待期和变动待遇等待期之和原则上不少于6个月"
INCENTIVES = "建立对居民医保连续参保人员和零报销人员的大病保险待遇激励机制"
CONTINUITY = "对连续参加居民医保满4年的参保人员，之后每连续参保1年，提高大病保险最高支付限额3000元"
PENALTY = "对断保人员再参保的，降低大病保险最高支付限额3000元"
CEILING = "累计提高总额不超过我省大病保险封顶线的20%"
ZERO = "对当年基金零报销的居民医保参保人员，次年提高大病保险最高支付限额3000元"

VERSION = build(
    id="ankang-2025",
    region="610900",
    coverage_year=2025,
    revision=2,
    source=N,
    sources=(N, NAT, CAP),
    rule_prefix="AK25",
    parameters={
        "individual_standard": ("400.00", f"{N} §一(三) 每人每年400元"),
        "subsidy_cutoff": ("2024-12-31", f"{N} §三(一) 认定时间以缴费当年12月31日前"),
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
            # 独女户 under 安卫函〔2023〕86号, amounts not in the sources
            f"{N} §二(一); {N} §二(二) 定额资助标准为每人每年200元; {N} §二(三); {N} §二(四)",
        ),
        "subsidy_modes": ({}, f"{N} §三(二) 税务部门依此组织征收"),
        "subsidy_central_window_only": (True, f"{N} §四(二)4(2)"),
        "subsidy_hukou_province": (None, NO_SUCH_RULE),
        "recognised_after_payment": ("none", NO_SUCH_RULE),
        "county_subsidies": (
            {},
            # 610924 and 610929 amounts to be configured (default 200 until then)
            f"{N} §二(二) 目前高于200元的紫阳县、白河县保持现行资助标准不变",
        ),
        "refund_deadline": ("coverage_start", f"{N} §五(四) 进入待遇享受期后，个人缴费不再退回"),
        "wrong_region_first_date": (False, NO_SUCH_RULE),
        "duplicate_priority": (("college_student", "residence"), f"{N} §五(三)"),
        "central_window": (
            ("2024-09-01", "2024-12-20"),
            f"{N} §四 集中缴费期为2024年9月至2024年12月20日",
        ),
        "late_window": (
            ("2025-01-01", "2025-03-31"),
            f"{N} §四 补缴时间为2025年1月1日至2025年3月31日",
        ),
        "late_window_identities": (None, f"{N} §四(一) 补缴期内缴纳城乡居民医疗保险费"),
        "late_start": ("waiting", f"{N} §四(一) {LATE}"),
        "outside_window_start": (None, f"{N} §四(一) {OUTSIDE}"),
        "employee_stop": (True, f"{N} §四(二)1 待遇享受期为参加居民医保缴费后的次月起"),
        "employee_priority": ("resume", f"{N} §五(三); {N} §五(六)"),
        "status_lost_reasons": (frozenset({"enlisted", "other_scheme"}), f"{N} §一(一)"),
        "employee_start_ends_status": (False, f"{N} §五(三)"),
        "status_lost_forfeits_payment": (False, NO_SUCH_RULE),
        "employee_bridge": (True, f"{N} §五(六) 补缴后不设待遇等待期"),
        "bridge_max_gap_months": (3, f"{N} §五(六) 中断缴费3个月（含）以内"),
        "bridge_min_insured_years": (2, f"{N} §五(六) 已连续两年（含两年）以上参加基本医疗保险"),
        "newborn_days": (90, f"{N} §四(二)2 出生90天内"),
        "newborn_eligibility": ("birth_year", f"{N} §四(二)2"),
        "newborn_late_start": ("next_month", f"{N} §四(二)2(1) 待遇享受期为出生当年缴费的次月起"),
        "newborn_after_days": (
            "general",
            f"{N} §四(二)2(2) 按一般人员参保缴费及享受待遇相关规定执行",
        ),
        "student_start": ("paid_on", f"{N} §四(二)3(1) 自缴费完成之日起享受医保待遇"),
        "new_student_start": (None, NO_SUCH_RULE),
        "new_student_intake": (None, NO_SUCH_RULE),
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
            f"{N} §一(四) 军人退出现役当年; {N} §四(二)4(1)",
        ),
        "special_in_year_identities": (
            frozenset({"veteran", "returning_graduate"}),
            f"{N} §一(四)",
        ),
        "special_late_reason_identities": (frozenset(), NO_SUCH_RULE),
        "special_new_identities": (None, f"{N} §一(四)"),
        "special_start": ("next_month", f"{N} §四(二)4(1) 待遇享受期从居民医保缴费后的次月起"),
        "place_check": (True, f"{N} §五(一)2"),
        "place_guardian_age": (12, f"{N} §一(一)"),
        "place_exempt_under_age": (18, f"{N} §一(一)"),
        "claims_by_discharge_year": (True, f"{N} §五(五)"),
        "waiting_periods": (True, f"{N} §四(二)4(7) 设置参保后固定待遇等待期3个月; {NAT}"),
        "fixed_waiting_months": (3, f"{N} §四(二)4(7) 固定待遇等待期3个月"),
        "variable_months_per_break_year": (1, f"{N} §四(二)4(7) {VARIABLE}"),
        "waiting_floor_break_years": (4, f"{N} §四(二)4(7) 连续断缴4年及以上的"),
        "waiting_floor_months": (6, f"{N} §四(二)4(7) {FLOOR}"),
        "incentives": (True, f"{N} §四(二)4(6) {INCENTIVES}"),
        "continuity_count_from": (2025, f"{N} §四(二)4(6) 自2025年起"),
        "incentive_step": ("3000.00", f"{N} §四(二)4(6) 提高大病保险最高支付限额3000元"),
        "continuity_bonus_from_year": (5, f"{N} §四(二)4(6) {CONTINUITY}"),
        "break_penalty": ("3000.00", f"{N} §四(二)4(6) {PENALTY}"),
        # 20% of Shaanxi's 300,000 (市医保发〔2024〕73号)
        "bonus_ceiling": ("60000.00", f"{N} §四(二)4(6) {CEILING}; {CAP}"),
    },
    rule_citations={
        "OVER-paid": "I-overpaid",
        "AK25-central": f"{N} §四(一) 缴费后居民医保待遇享受期为2025年1月1日至2025年12月31日",
        "AK25-late": f"{N} §四(一) {LATE}",
        "GEN-outside": f"{N} §四(一) {OUTSIDE}",
        "SUB-one": f"{N} §二 资助标准就高不就低",
        "SUB-cutoff": f"{N} §三(一); {N} §三(三)",
        "SUB-frozen": f"{N} §三(一) 已享受的资助参保金额不调整",
        "SUB-window": f"{N} §四(二)4(2)",
        "SUB-mode": f"{N} §三(二) 税务部门依此组织征收",
        "SUB-due": f"{N} §五(一)1 及时足额缴纳参保个人缴费",
        "EMP-stop": f"{N} §四(二)1",
        "EMP-bridge": f"{N} §五(六) 补缴后不设待遇等待期",
        "EMP-priority": f"{N} §五(三) 优先享受职工医保",
        "ID-change": f"{N} §四(二)4(3)",
        "NB-90": f"{N} §四(二)2",
        "NB-died": f"{N} §四(二)2(3)",
        "STU": f"{N} §四(二)3(1) 自缴费完成之日起享受医保待遇",
        "LATE-special": f"{N} §一(四); {N} §四(二)4(1)",
        "REF-before": f"{N} §五(四)",
        "DEATH": f"{NO_SOURCE} {N} ends coverage at death nowhere (§五(四): refund if death "
        "comes before the coverage start)",
        "WAIT-fixed": f"{N} §四(二)4(7) 设置参保后固定待遇等待期3个月",
        "WAIT-var": f"{N} §四(二)4(7) {VARIABLE}",
        "WAIT-repair": f"{N} §四(二)4(7) 参保人员可通过缴费修复变动待遇等待期",
        "WAIT-floor": f"{N} §四(二)4(7) {FLOOR}",
        "WAIT-start": f"{N} §四(二)4(7) 参保后固定待遇等待期; I-months",
        "INC-count": f"{N} §四(二)4(6) 自2025年起",
        "INC-cont": f"{N} §四(二)4(6) {CONTINUITY}",
        "INC-zero": f"{N} §四(二)4(6) {ZERO}",
        "INC-reset": f"{N} §四(二)4(6) 前期积累的零报销激励额度清零",
        "INC-break": f"{N} §四(二)4(6) {PENALTY}",
        "INC-cap": f"{N} §四(二)4(6) {CEILING}; {CAP}",
        "EMP-lost": f"{N} §一(一)",
        "DUP-region": f"{N} §五(三)",
        "PLACE-hukou": f"{N} §五(一)2; {N} §一(一)",
        "INC-discharge": f"{N} §五(五)",
    },
)
