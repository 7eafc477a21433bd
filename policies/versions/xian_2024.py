"""xian-2024: 西安市 2024 coverage year, 陕医保发〔2023〕24号 as forwarded and amended by
市医保发〔2023〕57号 (XA24).

Extends ``shaanxi-2024``; adds the new-student rule (XA24-stu): a student enrolled in
September 2023, or one who did not pay the previous school year, is covered from 2023-09-01;
and subsidies only for persons with a Shaanxi hukou (XA24-hukou, 57号 §二).
Xi'an's dibao amount is "资助标准另行通知": the provincial default stands.
"""

from __future__ import annotations

from policies.versions import build
from policies.versions.shaanxi_2024 import VERSION as SHAANXI_2024

N = "市医保发〔2023〕57号"
S = "陕医保发〔2023〕24号"
SHAANXI_HUKOU = "具有陕西省户籍的拟参加我市城乡居民医保特殊人员享受参保资助政策"

VERSION = build(
    id="xian-2024",
    region="610100",
    coverage_year=2024,
    revision=2,
    source=N,
    sources=(N, S),
    rule_prefix="XA24",
    base=SHAANXI_2024,
    parameters={
        "individual_standard": ("380.00", f"{N} §一 每人每年380元"),
        "subsidy_hukou_province": ("610000", f"{N} §二 {SHAANXI_HUKOU}"),
        "new_student_start": ("2023-09-01", f"{N} §三 待遇享受期自2023年9月1日起至2024年12月31日"),
        "new_student_intake": (("2023-09-01", "2023-09-30"), f"{N} §三 2023年9月入学的新生"),
    },
    rule_citations={
        # 57号 forwards 24号 (preamble: 转发你们…请一并贯彻执行); the windows are the province's.
        "XA24-central": f"{S} §五(一) 缴费后居民医保待遇享受期为2024年1月1日至2024年12月31日",
        "XA24-late": f"{S} §五(一) 待遇享受期为缴费后次月起至2024年12月31日",
        "XA24-stu": f"{N} §三 未缴纳上一学年大学生医保的在校学生",
        "XA24-hukou": f"{N} §二 {SHAANXI_HUKOU}",
    },
)
