"""The rule book's vocabulary in Chinese and English: rule titles, readings (解释), a version's
window rules and its parameters (政策参数). The contract's words are in :mod:`ledger.labels`."""

from __future__ import annotations

from ledger.labels import IDENTITIES, Label, Lang, label_table
from ledger.regions import region_label

PARAMETERS: dict[str, Label] = label_table(
    {
        "individual_standard": ("个人缴费标准", "individual standard"),
        "subsidy_cutoff": ("资助身份认定截止日", "subsidy cutoff"),
        "subsidies": ("资助标准", "subsidies"),
        "subsidy_modes": ("资助方式", "subsidy modes"),
        "recognised_after_payment": ("缴费后认定身份的资助", "recognised after payment"),
        "county_subsidies": ("县级资助标准", "county subsidies"),
        "refund_deadline": ("退费截止", "refund deadline"),
        "wrong_region_first_date": ("误缴他地重缴按首次缴费日", "wrong region: first date"),
        "central_window": ("集中缴费期", "central window"),
        "late_window": ("补缴期", "late window"),
        "late_window_identities": ("可在补缴期缴费的身份", "late window identities"),
        "late_start": ("补缴期缴费的待遇起始", "late start"),
        "outside_window_start": ("窗口期外缴费的待遇起始", "outside window start"),
        "employee_stop": ("职工医保断保人员参保", "employee stop"),
        "employee_bridge": ("职工医保与居民医保转换免等待期", "employee bridge"),
        "bridge_max_gap_months": ("转换中断最长月数", "bridge max gap months"),
        "bridge_min_insured_years": ("转换前连续参保最少年数", "bridge min insured years"),
        "newborn_days": ("新生儿参保天数", "newborn days"),
        "newborn_eligibility": ("新生儿范围", "newborn eligibility"),
        "newborn_late_start": ("新生儿逾期参保的待遇起始", "newborn late start"),
        "newborn_after_days": ("新生儿超过期限参保", "newborn after days"),
        "student_start": ("大学生待遇起始", "student start"),
        "new_student_start": ("新入学大学生待遇起始", "new student start"),
        "new_student_intake": ("新入学时段", "new student intake"),
        "special_identities": ("年度中可参保的特殊人员", "special identities"),
        "special_start": ("特殊人员待遇起始", "special start"),
        "waiting_periods": ("设置待遇等待期", "waiting periods"),
        "fixed_waiting_months": ("固定待遇等待期（月）", "fixed waiting months"),
        "variable_months_per_break_year": ("每断保1年增加等待期（月）", "months per break year"),
        "waiting_floor_break_years": ("等待期下限适用的断保年数", "waiting floor break years"),
        "waiting_floor_months": ("修复后等待期下限（月）", "waiting floor months"),
        "incentives": ("大病保险激励", "incentives"),
        "continuity_count_from": ("连续参保起算年度", "continuity counted from"),
        "incentive_step": ("每年激励金额", "incentive step"),
        "continuity_bonus_from_year": ("连续参保激励起始年数", "continuity bonus from year"),
        "break_penalty": ("断保再参保扣减金额", "break penalty"),
        "bonus_ceiling": ("激励上限", "bonus ceiling"),
        "subsidy_central_window_only": ("资助仅限集中缴费期缴费", "subsidy central window only"),
        "duplicate_priority": ("重复参保时的优先原则", "duplicate priority"),
        "employee_priority": ("参加职工医保期间的居民待遇", "employee priority"),
        "status_lost_reasons": ("丧失参保身份的原因", "status lost reasons"),
        "employee_start_ends_status": (
            "参加职工医保即丧失居民参保身份",
            "employee start ends status",
        ),
        "status_lost_forfeits_payment": ("丧失参保身份不退缴费", "status lost forfeits payment"),
        "special_in_year_identities": ("当年可参保的特殊人员", "special in-year identities"),
        "special_late_reason_identities": (
            "非因个人原因停保断保可补缴的身份",
            "special late-reason identities",
        ),
        "special_new_identities": ("新认定可补缴的身份", "special new identities"),
        "place_check": ("参保地核对", "place check"),
        "place_guardian_age": ("可用监护人户籍的年龄上限", "place guardian age"),
        "place_exempt_under_age": ("免核参保地的年龄", "place exempt under age"),
        "claims_by_discharge_year": ("跨年度住院按出院年度结算", "claims by discharge year"),
        "subsidy_hukou_province": ("享受资助须具有户籍的省份", "subsidy hukou province"),
    }
)
"""Parameters of a policy version (政策参数), for comparisons of two parameter files."""

RULES: dict[str, Label] = label_table(
    {
        "SUB-one": ("一人一年只享受一种资助，就高不就低", "one subsidy, the highest"),
        "SUB-cutoff": ("身份须在截止日前认定", "identity recognised by the cutoff"),
        "SUB-window": ("资助只适用于集中缴费期内的缴费", "subsidy only in the central window"),
        "SUB-frozen": ("缴费后身份变化不影响已享受的资助", "subsidy frozen at payment"),
        "SUB-recognised": ("已全额缴费后认定的身份，资助先缴后补", "recognised after payment"),
        "SUB-due": ("个人应缴 = 缴费标准 − 资助；缴费不足不能参保", "individual due"),
        "SUB-mode": ("资助方式：直接资助或先缴后补", "subsidy mode"),
        "GEN-outside": ("窗口期外缴费不享受当年度待遇", "outside every window"),
        "EMP-stop": ("职工医保断保人员当年参保，缴费次月起享受待遇", "employee insurance stopped"),
        "EMP-bridge": ("职工医保与居民医保转换，中断3个月以内不设等待期", "system switch bridge"),
        "EMP-priority": ("重复参保：职工医保有效期间居民医保待遇暂停", "employee insurance first"),
        "EMP-lost": ("居民医保参保身份丧失，当年待遇提前终止", "resident status lost"),
        "DUP-region": ("两个统筹区重复参保：按优先原则确定参保地", "two pooling regions"),
        "PLACE-hukou": ("参保地须与户籍地或居住证所在地一致", "place of enrolment"),
        "NB-90": ("新生儿出生90天内参保缴费，自出生之日起享受待遇", "newborn within 90 days"),
        "NB-died": ("新生儿死亡，保留90天内缴费取得的待遇", "newborn died"),
        "STU": ("在校大学生自缴费完成之日起享受待遇", "college student"),
        "XA24-stu": ("西安新入学大学生自2023年9月1日起享受待遇", "Xi'an new student"),
        "XA24-hukou": ("西安参保资助限具有陕西省户籍的人员", "Xi'an subsidy: Shaanxi hukou"),
        "LATE-special": ("特殊人员年度中参保：次月起或次日起享受待遇", "special persons"),
        "ID-change": ("年度内身份变化，次月起调整待遇", "identity change"),
        "WAIT-fixed": ("固定待遇等待期3个月", "fixed waiting period"),
        "WAIT-var": ("每多断保1年增加1个月变动待遇等待期", "variable waiting period"),
        "WAIT-repair": ("每修复1年断保减少1个月变动等待期", "repair"),
        "WAIT-floor": ("断保4年及以上，修复后等待期不少于6个月", "waiting floor"),
        "WAIT-start": ("等待期自缴费之日（或1月1日）起算", "waiting start"),
        "WAIT-hy25": ("怀远县：年度中参保，等待期满后享受待遇", "Huaiyuan in-year enrolment"),
        "INC-count": ("连续参保年数自2025年起计算", "counted from 2025"),
        "INC-cont": ("连续参保满4年后，每多1年提高大病保险最高支付限额", "continuity bonus"),
        "INC-zero": ("当年未报销，次年提高大病保险最高支付限额", "zero-claim bonus"),
        "INC-reset": ("使用激励额度后，零报销激励清零", "reward used"),
        "INC-break": ("断保后再参保，当年降低大病保险最高支付限额", "break penalty"),
        "INC-cap": ("激励合计不超过上限", "bonus ceiling"),
        "INC-discharge": ("跨年度住院按出院年度结算", "discharge year"),
        "OVER-paid": ("实缴超过个人应缴，标记复核", "overpaid"),
        "REF-before": ("待遇享受期开始前方可退费", "refund before start"),
        "REF-ak22": ("安康2022年度退费限制", "Ankang 2022 refunds"),
        "REF-wrong-region": ("误缴他地退回后重缴，自首次缴费日起计", "wrong-region refund"),
        "DEATH": ("待遇至死亡之日终止", "death"),
        "AUDIT-as-of": ("只计业务日期在截止日及以前的事件", "as of"),
        "AUDIT-known-on": ("只计来源系统在截止时点前记录的事件", "known on"),
        "AUDIT-stored-on": ("只计本账本在截止时点前存储的事件", "stored on"),
        "POLICY-missing": ("该地区该年度无政策版本", "policy missing"),
    }
)
"""Rule ids of the rule book (规则), with what each says."""

READINGS: dict[str, Label] = label_table(
    {
        "I-days": ("按日计算的期限，起算当日不计入", "days: the start day not counted"),
        "I-next-month": ("“缴费后次月起”：缴费日的下一个月1日", "next month"),
        "I-next-day": ("“缴费次日”：缴费日的第二天", "next day"),
        "I-paid-on": ("“自缴费完成之日起”：缴费日，年度开始前缴费的为1月1日", "paid on"),
        "I-enrolled": ("参保：该年度有效缴费不少于个人应缴", "enrolled"),
        "I-break": ("断保：与上一个参保年度之间相隔的整年度数", "break"),
        "I-window-days": ("缴费期按缴费日期判断，起止两天都在期内", "window days"),
        "I-order": ("事件按业务日期排序，与到达顺序无关", "order"),
        "I-pool": ("区划代码前四位相同即同一统筹区", "pooling region"),
        "I-year-region": ("参保年度按达到应缴时缴费所在统筹区确定", "year's region"),
        "I-insured-2y": ("连续参保2年以上的认定", "insured two years"),
        "I-this-month": ("缴费当月即可享受待遇", "this month"),
        "I-months": ("等待期按月计算：起算日加N个月的同一日", "months"),
        "I-dup": ("重复参保时按最早的有效缴费确定", "duplicate: the earliest"),
        "I-overpaid": ("多缴标记所依据的解释", "overpaid reading"),
    }
)
"""The rule book's readings (解释): where POLICY.md fixes what an unclear phrase means."""

WINDOW_RULES: dict[str, Label] = label_table(
    {
        "central": ("集中缴费期缴费，享受整个参保年度待遇", "central window"),
        "late": ("补缴期缴费", "late window"),
        "migrant": ("农民工补缴期缴费，缴费次日起享受待遇", "migrant worker, late window"),
    }
)
"""A version's own window rules, ``<prefix>-central`` and the like (POLICY.md §3)."""


def rule_label(rule_id: str) -> Label:
    """The label of a rule id, a version's window rules (``AK25-central``) included."""
    if rule_id in RULES:
        return RULES[rule_id]
    if rule_id in READINGS:
        return READINGS[rule_id]
    prefix, _, kind = rule_id.partition("-")
    if prefix.isalnum() and prefix.isupper() and kind in WINDOW_RULES:
        return WINDOW_RULES[kind]
    raise KeyError(f"no label for rule {rule_id!r}")


def parameter_name(name: str, lang: Lang = "zh") -> str:
    """A parameter, or one key of a mapping parameter (``subsidies.dibao``), in Chinese:
    ``资助标准（低保对象）``; a key that is a region code with its name; the name itself when
    the catalogue does not know it. In English the name itself (the parameter files' key)."""
    if lang == "en":
        return name
    key, _, member = name.partition(".")
    label = PARAMETERS.get(key)
    text = label.zh if label else key
    if not member:
        return text
    if member in IDENTITIES:
        part = IDENTITIES[member].zh
    elif member.isdigit():
        part = region_label(member)
    else:
        part = member
    return f"{text}（{part}）"
