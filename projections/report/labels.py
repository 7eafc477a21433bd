"""The label catalogue (标签目录): every word the auditor's report shows, in Chinese with its
English term, in one place.

Columns of a year, event types, identities, refund reasons, subsidy modes, flags (with what
each means in plain Chinese), rule titles and the report's own headings. The report renders
``zh`` as the text and ``en`` in small type beside it; the terminal tables can reuse the same
entries. A code missing here is a :class:`KeyError` at render time, and the tests check that
every code of the contract (INTERCHANGE.md) and every rule id of the catalogue has its entry.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    """One term: ``zh`` for the reader, ``en`` (the contract's or rule book's word) beside it."""

    zh: str
    en: str


@dataclass(frozen=True)
class FlagLabel:
    """A flag (需关注事项): its name and what it means for the person, in plain Chinese."""

    zh: str
    en: str
    explain: str


def _labels(table: dict[str, tuple[str, str]]) -> dict[str, Label]:
    return {key: Label(zh, en) for key, (zh, en) in table.items()}


FIELDS: dict[str, Label] = _labels(
    {
        "person_id": ("参保人", "person"),
        "region": ("参保地", "region"),
        "year": ("参保年度", "coverage year"),
        "policy": ("政策版本", "policy version"),
        "policy_revision": ("修订号", "revision"),
        "source": ("依据文件", "notice"),
        "enrolled": ("是否参保", "enrolled"),
        "contribution": ("缴费", "contribution"),
        "standard": ("个人缴费标准", "individual standard"),
        "subsidy": ("资助金额", "subsidy"),
        "subsidy_identity": ("资助身份", "subsidy identity"),
        "subsidy_mode": ("资助方式", "subsidy mode"),
        "individual_due": ("个人应缴", "individual due"),
        "paid": ("实缴", "paid"),
        "refunded": ("退费", "refunded"),
        "overpaid": ("多缴", "overpaid"),
        "coverage": ("待遇享受期", "coverage"),
        "waiting": ("待遇等待期", "waiting period"),
        "fixed_months": ("固定等待期（月）", "fixed months"),
        "variable_months": ("变动等待期（月）", "variable months"),
        "repaired_months": ("修复减少（月）", "repaired months"),
        "total_months": ("等待期合计（月）", "total months"),
        "waiting_from": ("等待期起止", "waiting from–to"),
        "continuity": ("连续参保", "continuity"),
        "consecutive_years": ("连续参保年数", "consecutive years"),
        "break_years": ("断保年数", "break years"),
        "break_year_list": ("断保年度", "which years"),
        "critical_illness_cap": ("大病保险最高支付限额调整", "critical-illness cap"),
        "continuity_bonus": ("连续参保激励", "continuity bonus"),
        "zero_claim_bonus": ("零报销激励", "zero-claim bonus"),
        "break_penalty": ("断保后再参保扣减", "break penalty"),
        "net_adjustment": ("合计调整", "net adjustment"),
        "bonus_ceiling": ("激励上限", "bonus ceiling"),
        "flags": ("需关注事项", "flags"),
        "basis": ("适用规则", "basis"),
        "rule": ("规则", "rule"),
        "citation": ("出处", "citation"),
        "clause": ("条款原文", "clause text"),
        "note": ("说明", "note"),
        "event": ("事件", "event"),
        "event_id": ("事件编号", "event id"),
        "date": ("日期", "date"),
        "type": ("类型", "type"),
        "amount": ("金额", "amount"),
        "recorded_at": ("来源系统记录时间", "recorded at"),
        "stored_at": ("本账本存储时间", "stored at"),
        "as_of": ("业务日期截至", "as of"),
        "known_on": ("来源记录截至", "known on"),
        "stored_on": ("本账本存储截至", "stored on"),
        "made_at": ("生成时间", "made at"),
        "events": ("事件数", "events"),
        "left_out": ("截取条件之外的事件", "events outside the cut"),
        "policies_file": ("附加参数文件", "policies file"),
        "guardian_id": ("监护人", "guardian"),
        "birth_date": ("出生日期", "birth date"),
        "hukou_region": ("户籍地", "hukou region"),
        "identity": ("身份", "identity"),
        "recognized_on": ("认定日期", "recognised on"),
        "coverage_year": ("缴费所属年度", "coverage year"),
        "purpose": ("缴费用途", "purpose"),
        "reason": ("原因", "reason"),
        "late_reason": ("补缴原因", "late reason"),
        "fund_amount": ("基本医保基金支付", "fund amount"),
        "critical_illness_amount": ("大病保险支付", "critical-illness amount"),
        "reward_used": ("使用激励额度", "reward used"),
        "admitted_on": ("入院日期", "admitted on"),
        "discharged_on": ("出院日期", "discharged on"),
        "receipt_id": ("票据号", "receipt"),
        "channel": ("缴费渠道", "channel"),
        "field": ("项目", "field"),
        "cause": ("原因", "cause"),
    }
)
"""Column and field names (字段)."""

EVENT_TYPES: dict[str, Label] = _labels(
    {
        "registered": ("参保登记", "registered"),
        "region_changed": ("参保地变更", "region changed"),
        "born": ("新生儿出生", "born"),
        "paid": ("缴费", "paid"),
        "refunded": ("退费", "refunded"),
        "residence_permit_granted": ("取得居住证", "residence permit granted"),
        "resident_status_lost": ("居民医保参保身份丧失", "resident status lost"),
        "identity_granted": ("身份认定", "identity granted"),
        "identity_revoked": ("身份取消", "identity revoked"),
        "employee_insurance_started": ("参加职工医保", "employee insurance started"),
        "employee_insurance_stopped": ("职工医保断保/停保", "employee insurance stopped"),
        "died": ("死亡", "died"),
        "reimbursed": ("医疗费用结算", "reimbursed"),
    }
)
"""Event types of INTERCHANGE.md (事件类型)."""

IDENTITIES: dict[str, Label] = _labels(
    {
        "tekun": ("特困人员", "tekun"),
        "orphan": ("孤儿", "orphan"),
        "unsupported_child": ("事实无人抚养儿童", "unsupported child"),
        "dibao": ("低保对象", "dibao"),
        "monitored": ("防止返贫监测对象", "monitored"),
        "returned_poverty": ("返贫致贫人口", "returned poverty"),
        "dibao_edge": ("低保边缘家庭成员", "dibao edge"),
        "priority_care": ("重点优抚对象", "priority care"),
        "single_daughter_family": ("农村独女户、双女户", "single-daughter family"),
        "single_son_family": ("农村独男户", "single-son family"),
        "college_student": ("在校大学生", "college student"),
        "veteran": ("退役士兵", "veteran"),
        "veteran_spouse": ("随军未就业配偶", "veteran's spouse"),
        "returning_graduate": ("毕业回乡大学生", "returning graduate"),
        "released_prisoner": ("刑满释放人员", "released prisoner"),
        "lost_contact": ("失联人员", "lost contact"),
        "migrant_worker": ("农民工", "migrant worker"),
        "retired_fisher": ("退捕渔民", "retired fisher"),
        "severe_mental_illness": ("严重精神障碍患者", "severe mental illness"),
    }
)
"""Identity codes (身份)."""

REFUND_REASONS: dict[str, Label] = _labels(
    {
        "duplicate": ("重复缴费", "duplicate"),
        "employee_insurance": ("参加职工医保", "employee insurance"),
        "other_region": ("在其他统筹区参保", "other region"),
        "death": ("死亡", "death"),
        "wrong_region": ("误缴至其他统筹区", "wrong region"),
        "other": ("其他", "other"),
    }
)

PURPOSES: dict[str, Label] = _labels(
    {"contribution": ("参保缴费", "contribution"), "repair": ("缴费修复", "repair")}
)

LATE_REASONS: dict[str, Label] = _labels(
    {"not_own_fault": ("非因个人原因停保断保", "not own fault")}
)

STATUS_LOSS_REASONS: dict[str, Label] = _labels(
    {
        "enlisted": ("应征入伍", "enlisted"),
        "imprisoned": ("服刑", "imprisoned"),
        "other_scheme": ("参加其他制度", "other scheme"),
    }
)

SUBSIDY_MODES: dict[str, Label] = _labels(
    {
        "none": ("无资助", "none"),
        "deducted": ("资助（个人只缴差额）", "deducted"),
        "reimbursed": ("先缴后补", "reimbursed"),
    }
)
"""INTERCHANGE.md ``subsidy_mode``."""

PARAMETERS: dict[str, Label] = _labels(
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
    }
)
"""Parameters of a policy version (政策参数), for comparisons of two parameter files."""

YES_NO: dict[bool, Label] = {True: Label("是", "yes"), False: Label("否", "no")}

FLAGS: dict[str, FlagLabel] = {
    "paid_outside_window": FlagLabel(
        "窗口期外缴费",
        "paid outside window",
        "缴费日期既不在集中缴费期也不在补缴期内，本年度不享受居民医保待遇；这笔钱已记录，可以申请退回。",
    ),
    "partial_payment": FlagLabel(
        "缴费不足",
        "partial payment",
        "实际缴纳的金额少于个人应缴金额，本年度没有完成参保，不享受待遇。",
    ),
    "refund_after_start": FlagLabel(
        "待遇开始后退费",
        "refund after start",
        "退费发生在待遇享受期开始之后，按政策不应退费；账本保留待遇享受期，请经办人员核查这笔退费。",
    ),
    "policy_missing": FlagLabel(
        "无适用政策",
        "policy missing",
        "该参保地、该年度没有可用的政策版本（或参保地不明）：缴费照常记录并计入连续参保，"
        "但不计算待遇享受期、资助和等待期。",
    ),
    "subsidy_amount_unknown": FlagLabel(
        "资助标准不明",
        "subsidy amount unknown",
        "参保人的资助身份已记录，但政策文件没有写明该身份的资助金额，本年度未计算资助。",
    ),
    "ceiling_unknown": FlagLabel(
        "激励上限不明",
        "ceiling unknown",
        "政策文件没有给出本省大病保险最高支付限额，激励金额未设上限，请按省里的标准核对。",
    ),
    "duplicate_enrolment": FlagLabel(
        "重复参保",
        "duplicate enrolment",
        "同一时期还参加了职工医保，或在两个统筹区都缴了费：职工医保有效期间居民医保待遇暂停，"
        "或按优先原则确定在哪里享受待遇。",
    ),
    "repair_paid": FlagLabel(
        "缴费修复",
        "repair paid",
        "为以前断保的年度补缴了费用（缴费修复）：不产生该年度的待遇，但可缩短以后再参保时的变动等待期。",
    ),
    "overpaid": FlagLabel(
        "多缴",
        "overpaid",
        "本年度实缴金额超过个人应缴金额，请复核；账本不认定多出的部分应当退还。",
    ),
    "place_not_eligible": FlagLabel(
        "参保地不符",
        "place not eligible",
        "参保地与户籍地、居住证所在地都不一致，不符合参保地要求；本年度仍按已缴费计算，请核查。",
    ),
    "status_lost": FlagLabel(
        "参保身份丧失",
        "status lost",
        "本年度因入伍、服刑、参加其他制度或职工医保等原因丧失居民医保参保身份，待遇在前一天结束。",
    ),
    "after_death": FlagLabel(
        "死亡后事件",
        "after death",
        "有日期在死亡之后的事件：已记录在案，但不产生效力，请核查来源数据。",
    ),
    "refund_exceeds_paid": FlagLabel(
        "退费超过实缴",
        "refund exceeds paid",
        "退费金额大于该年度实际缴纳的金额，只按已缴部分处理，请核查。",
    ),
}
"""Flags of INTERCHANGE.md (需关注事项), each explained for a reader at a service window."""


RULES: dict[str, Label] = _labels(
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

READINGS: dict[str, Label] = _labels(
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

WINDOW_RULES: dict[str, Label] = _labels(
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


UI: dict[str, Label] = _labels(
    {
        "title": ("城乡居民基本医疗保险参保记录审计报告", "auditor's report"),
        "compare_title": ("两个截取条件下的参保记录对比", "comparison of two cuts"),
        "header": ("基本信息", "header"),
        "cut": ("截取条件", "cut"),
        "no_cut": ("全部事件（未截取）", "every event"),
        "versions": ("适用政策版本", "policy versions"),
        "timeline": ("时间轴", "timeline"),
        "years": ("分年度情况", "per year"),
        "decisions": ("决定及依据", "decisions"),
        "clauses": ("引用条款原文", "cited clauses"),
        "legend": ("图例", "legend"),
        "lane_events": ("事件", "events"),
        "lane_coverage": ("待遇享受期", "coverage"),
        "lane_waiting": ("等待期", "waiting"),
        "lane_break": ("断保年度", "break years"),
        "lane_identity": ("身份", "identities"),
        "lane_employee": ("职工医保", "employee insurance"),
        "no_flags": ("无", "none"),
        "none": ("无", "none"),
        "open": ("至今", "open"),
        "text_not_in_sources": ("该文件原文不在资料中，无法引用", "text not in the sources"),
        "no_such_rule": ("该文件没有此项规定", "no such rule"),
        "no_source": ("资料中没有出处", "no source"),
        "file_source": ("参数文件给出的依据，原文不在资料中", "the parameter file's source"),
        "reading": ("本账本规则书的解释", "reading"),
        "unknown_citation": ("出处无法核对", "citation not found"),
        "no_citation": ("无出处", "no citation"),
        "side_a": ("截取条件一", "cut A"),
        "side_b": ("截取条件二", "cut B"),
        "changes": ("变化", "changes"),
        "no_changes": ("两个截取条件下结果相同", "no change"),
        "only_in_a": ("仅在截取条件一中的事件", "events only in cut A"),
        "only_in_b": ("仅在截取条件二中的事件", "events only in cut B"),
        "parameters": ("参数变化", "parameters changed"),
        "earlier_year": ("较早年度的参保状态变化", "an earlier year changed"),
        "year_absent": ("该年度不存在", "no such year"),
        "builtin": ("内置政策版本", "built-in versions"),
        "yuan": ("元", "yuan"),
        "months": ("个月", "months"),
        "years_unit": ("年", "years"),
        "masked": ("身份证号已脱敏", "ID numbers masked"),
        "generated_by": ("生成程序", "made by"),
        "event_detail": ("事件内容", "event"),
        "quote_full": ("全文见", "full text at"),
        "not_computed": ("未计算", "not computed"),
    }
)
"""The report's own headings and words."""


__all__ = [
    "EVENT_TYPES",
    "FIELDS",
    "FLAGS",
    "IDENTITIES",
    "LATE_REASONS",
    "PARAMETERS",
    "PURPOSES",
    "READINGS",
    "REFUND_REASONS",
    "RULES",
    "STATUS_LOSS_REASONS",
    "SUBSIDY_MODES",
    "UI",
    "WINDOW_RULES",
    "YES_NO",
    "FlagLabel",
    "Label",
    "rule_label",
]
