"""shaanxi-2024: 陕西省 2024 coverage year, 陕医保发〔2023〕24号 (SX24).

Applies to every Shaanxi county without a more specific version for 2024 (Ankang included).
"""

from __future__ import annotations

from policies.clauses import NO_SOURCE, NO_SUCH_RULE
from policies.versions import BEFORE_2025, build

N = "陕医保发〔2023〕24号"
OUTSIDE = "未在集中缴费期或补缴期参保缴费的，不得享受参保年度的居民医保待遇"

VERSION = build(
    id="shaanxi-2024",
    region="610000",
    coverage_year=2024,
    revision=2,
    source=N,
    rule_prefix="SX24",
    parameters={
        "individual_standard": ("380.00", f"{N} §二(三) 每人每年380元"),
        "subsidy_cutoff": ("2023-12-31", f"{N} §四(一) 认定时间以缴费当年12月31日前"),
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
            # 190 is the 50% floor; 独女户 under 陕卫人口发〔2023〕36号, amounts not in the sources
            f"{N} §三(一) 各级财政补助之和不低于个人缴费标准的50%; {N} §三(二); {N} §三(三)",
        ),
        "subsidy_modes": ({}, f"{N} §三(一) 享受资助后个人承担部分由参保人员自行缴纳"),
        "subsidy_central_window_only": (True, f"{N} §五(二)4(2)"),
        "subsidy_hukou_province": (None, NO_SUCH_RULE),
        "recognised_after_payment": (
            "reimbursed",
            f"{N} §四(一) 系统内未标识但已全额参保缴费的人员，由各统筹区落实资助政策",
        ),
        "county_subsidies": ({}, f"{N} §三(一) 市县财政资助标准由各市自行确定"),
        "refund_deadline": ("coverage_start", f"{N} §六(四) 进入待遇享受期后，个人缴费不再退回"),
        "wrong_region_first_date": (False, NO_SUCH_RULE),
        "duplicate_priority": (("college_student", "residence"), f"{N} §六(三)"),
        "central_window": (
            ("2023-09-01", "2023-12-20"),
            f"{N} §五 集中缴费期为2023年9月至2023年12月20日",
        ),
        "late_window": (
            ("2024-01-01", "2024-06-30"),
            f"{N} §五 补缴时间为2024年1月1日至2024年6月30日",
        ),
        "late_window_identities": (None, f"{N} §五(一) 补缴期内缴纳城乡居民医疗保险费"),
        "late_start": ("next_month", f"{N} §五(一) 待遇享受期为缴费后次月起"),
        "outside_window_start": (None, f"{N} §五(一) {OUTSIDE}"),
        "employee_stop": (True, f"{N} §五(二)1 待遇享受期为参加居民医保缴费后的次月起"),
        "employee_priority": ("resume", f"{N} §六(三)"),
        "status_lost_reasons": (frozenset({"enlisted", "other_scheme"}), f"{N} §二(一)"),
        "employee_start_ends_status": (False, f"{N} §六(三)"),
        "status_lost_forfeits_payment": (False, NO_SUCH_RULE),
        "employee_bridge": (False, NO_SUCH_RULE),
        "bridge_max_gap_months": (3, NO_SUCH_RULE),
        "bridge_min_insured_years": (2, NO_SUCH_RULE),
        "newborn_days": (90, f"{N} §五(二)2 出生90天内"),
        "newborn_eligibility": ("birth_year", f"{N} §五(二)2"),
        "newborn_late_start": ("next_month", f"{N} §五(二)2(1) 待遇享受期为出生当年缴费的次月起"),
        "newborn_after_days": (
            "general",
            f"{N} §五(二)2(2) 按一般人员参保缴费及享受待遇相关规定执行",
        ),
        "student_start": ("paid_on", f"{N} §五(二)3(1) 自学生缴费完成之日起享受医保待遇"),
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
            f"{N} §二(四) 军人退出现役当年及其随军未就业配偶; "
            f"{N} §二(四) 参保年度应届外省毕业回陕大学生及其他未参保大学生; {N} §五(二)4(1)",
        ),
        "special_in_year_identities": (
            frozenset({"veteran", "returning_graduate"}),
            f"{N} §二(四)",
        ),
        "special_late_reason_identities": (frozenset(), NO_SUCH_RULE),
        "special_new_identities": (None, f"{N} §二(四)"),
        "special_start": ("next_month", f"{N} §五(二)4(1) 待遇享受期从居民医保缴费后的次月起"),
        "place_check": (True, f"{N} §六(一)2"),
        "place_guardian_age": (12, f"{N} §二(一)"),
        "place_exempt_under_age": (None, f"{N} §六(一)2"),
        "claims_by_discharge_year": (True, f"{N} §六(五)"),
        **BEFORE_2025,
    },
    rule_citations={
        "OVER-paid": "I-overpaid",
        "SX24-central": f"{N} §五(一) 缴费后居民医保待遇享受期为2024年1月1日至2024年12月31日",
        "SX24-late": f"{N} §五(一) 待遇享受期为缴费后次月起至2024年12月31日",
        "GEN-outside": f"{N} §五(一) {OUTSIDE}",
        "SUB-one": f"{N} §三 只能按一种身份享受对应的参保资助政策",
        "SUB-cutoff": f"{N} §四(一); {N} §四(三)",
        "SUB-window": f"{N} §五(二)4(2)",
        "SUB-mode": (
            f"{N} §三(一) 享受资助后个人承担部分由参保人员自行缴纳; "
            f"{N} §四(一) 系统内未标识但已全额参保缴费的人员"
        ),
        "SUB-due": f"{N} §六(一)1 及时足额缴纳参保个人缴费",
        "EMP-stop": f"{N} §五(二)1",
        "EMP-priority": f"{N} §六(三) 优先享受职工医保",
        "ID-change": f"{N} §五(二)4(3)",
        "NB-90": f"{N} §五(二)2",
        "NB-died": f"{N} §五(二)2(3)",
        "STU": f"{N} §五(二)3(1) 自学生缴费完成之日起享受医保待遇",
        "LATE-special": f"{N} §二(四); {N} §五(二)4(1)",
        "REF-before": f"{N} §六(四)",
        "DEATH": f"{NO_SOURCE} {N} ends coverage at death nowhere (§六(四): refund if death "
        "comes before the coverage start)",
        "WAIT-repair": f"{NO_SOURCE} {N} has no repair of break years (缴费修复), a 2025 rule",
        "EMP-lost": f"{N} §二(一)",
        "DUP-region": f"{N} §六(三)",
        "PLACE-hukou": f"{N} §六(一)2",
        "INC-discharge": f"{N} §六(五)",
    },
)
