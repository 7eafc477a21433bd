"""ankang-2022: 安康市 2022 coverage year, 安医保发〔2021〕86号 (AK22).

No late window (补缴期): a general resident paying after the central window gets nothing for
the year; newborns not paid within 90 days get nothing for that year either.
"""

from __future__ import annotations

from policies.clauses import NO_SOURCE, NO_SUCH_RULE
from policies.versions import BEFORE_2025, build

N = "安医保发〔2021〕86号"
OUTSIDE = "超过集中缴费期未参保缴费的，不得享受参保年度的居民医保待遇"

VERSION = build(
    id="ankang-2022",
    region="610900",
    coverage_year=2022,
    revision=2,
    source=N,
    rule_prefix="AK22",
    parameters={
        "individual_standard": ("320.00", f"{N} §四 个人参保缴费标准每人每年320元"),
        "subsidy_cutoff": ("2021-09-30", f"{N} §六(一) 认定时间以2021年9月30日前"),
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
            # 低保/监测 70 is the county floor; 计划生育家庭 "按原政策": amounts not in the sources
            f"{N} §四(一) 每人每年不少于70元; {N} §四(二) 继续按原政策进行补助",
        ),
        "subsidy_modes": (
            {"dibao": "reimbursed", "monitored": "reimbursed", "returned_poverty": "reimbursed"},
            f"{N} §七(二) 先缴后补",
        ),
        "recognised_after_payment": ("none", NO_SUCH_RULE),
        "county_subsidies": ({}, f"{N} §四(一)2 定额资助标准由各县（市、区）研究确定"),
        "refund_deadline": (
            "central_window_end",
            f"{N} §八(三) 在居民医保集中缴费期结束前; {N} §八(五) 待遇享受期(1月1日)开始，不予退费",
        ),
        "wrong_region_first_date": (True, f"{N} §八(三) 待遇享受期从首次缴费时间起算"),
        "central_window": (("2021-09-01", "2021-12-31"), f"{N} §五 原则上为2021年9月1日至12月31日"),
        "late_window": (None, f"{N} §五(一) {OUTSIDE}"),
        "late_window_identities": (None, NO_SUCH_RULE),
        "late_start": ("next_month", NO_SUCH_RULE),
        "outside_window_start": (None, f"{N} §五(一) {OUTSIDE}"),
        "employee_stop": (True, f"{N} §五(二)1 待遇享受期从居民医保缴费后的次月算起"),
        "employee_bridge": (False, NO_SUCH_RULE),
        "bridge_max_gap_months": (3, NO_SUCH_RULE),
        "bridge_min_insured_years": (2, NO_SUCH_RULE),
        "newborn_days": (90, f"{N} §五(二)2 出生90天内"),
        "subsidy_central_window_only": (True, f"{N} §五(三)2"),
        "subsidy_hukou_province": (None, NO_SUCH_RULE),
        "duplicate_priority": (("college_student",), f"{N} §八(三)"),
        "employee_priority": ("lost", f"{N} §八(五)"),
        "status_lost_reasons": (
            frozenset({"enlisted", "imprisoned", "other_scheme"}),
            f"{N} §八(五)",
        ),
        "employee_start_ends_status": (True, f"{N} §八(五)"),
        "status_lost_forfeits_payment": (True, f"{N} §八(五)"),
        "newborn_eligibility": ("birth_year", f"{N} §五(二)2"),
        "newborn_late_start": ("next_month", f"{N} §五(二)2(1) 待遇享受期为出生当年缴费的次月起"),
        "newborn_after_days": ("nothing", f"{N} §五(二)2(2) 不能享受对应年度的医保待遇"),
        "student_start": ("paid_on", f"{N} §五(二)3 自缴费完成之日起享受医保待遇"),
        "new_student_start": (None, NO_SUCH_RULE),
        "new_student_intake": (None, NO_SUCH_RULE),
        "special_identities": (
            frozenset({"veteran", "returning_graduate", "released_prisoner", "lost_contact"}),
            f"{N} §四(三) 退役士兵; {N} §四(四); {N} §四(五) 刑满释放人员、失联人员",
        ),
        "special_in_year_identities": (frozenset({"returning_graduate"}), f"{N} §四(四)"),
        "special_late_reason_identities": (frozenset(), NO_SUCH_RULE),
        "special_new_identities": (None, f"{N} §四(五)"),
        "special_start": ("next_month", f"{N} §五(三)1 待遇享受期从居民医保缴费后的次月算起"),
        "place_check": (True, f"{N} §八(一)2"),
        "place_guardian_age": (12, f"{N} §三(一)"),
        "place_exempt_under_age": (None, f"{N} §八(一)2"),
        "claims_by_discharge_year": (True, f"{N} §八(四)"),
        **BEFORE_2025,
    },
    rule_citations={
        "OVER-paid": "I-overpaid",
        "AK22-central": f"{N} §五(一) 缴费后其居民医保待遇享受期为参保年度1月1日至12月31日",
        "GEN-outside": f"{N} §五(一) {OUTSIDE}",
        "SUB-window": f"{N} §五(三)2",
        "SUB-cutoff": f"{N} §六(一); {N} §四(一)5 作为下一年认定依据享受参保资助政策",
        "SUB-one": f"{N} §四 只能按一种身份享受对应的参保资助政策",
        "SUB-mode": f"{N} §七(一); {N} §七(二) 先缴后补",
        "SUB-due": f"{N} §二(四) 及时足额缴纳个人参保费用",
        "EMP-stop": f"{N} §五(二)1",
        "EMP-priority": f"{N} §八(三) 按照优先享受职工医保",
        "ID-change": f"{N} §五(三)3",
        "NB-90": f"{N} §五(二)2",
        "NB-died": f"{NO_SOURCE} {N} §五(二)2 says nothing of a newborn who dies",
        "STU": f"{N} §五(二)3 自缴费完成之日起享受医保待遇",
        "LATE-special": f"{N} §四(三); {N} §四(四); {N} §四(五); {N} §五(三)1",
        "REF-ak22": f"{N} §八(三); {N} §八(五)",
        "REF-wrong-region": f"{N} §八(三) 待遇享受期从首次缴费时间起算",
        "DEATH": f"{N} §八(五) 居民医保参保身份自动丧失",
        "WAIT-repair": f"{NO_SOURCE} {N} has no repair of break years (缴费修复), a 2025 rule",
        "EMP-lost": f"{N} §八(五)",
        "DUP-region": f"{N} §八(三)",
        "PLACE-hukou": f"{N} §八(一)2",
        "INC-discharge": f"{N} §八(四)",
    },
)
