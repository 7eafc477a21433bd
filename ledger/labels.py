"""The contract's vocabulary in Chinese and English (标签目录): fields, event types,
identities, reasons, subsidy modes, flags (with what each means in plain Chinese), yes and no.

One catalogue for every face that shows these codes to people: the auditor's report, the
terminal tables (``--lang zh|en``), the lookup tables of ``ledger export``. ``zh`` is the
reader's word, ``en`` the contract's (INTERCHANGE.md). A code missing here is a
:class:`KeyError` where it is shown; the tests check that every code of the contract has its
entry. The rule book's words (rule titles, readings, parameters) are in :mod:`policies.labels`.

The terminal tables' own words are here too (:data:`COLUMNS`, :data:`WORDS`), with
:class:`Wording`: the phrases they build (``3个月`` / ``3 months``, a date span, a version's
revision) in one language. Which language a command speaks: :func:`default_lang`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

Lang = Literal["zh", "en"]
"""The language of a table or page meant for people (``--lang``). JSON is never translated."""
LANGS: tuple[Lang, ...] = ("zh", "en")
LANG_ENV = "LEDGER_LANG"
"""The environment variable that chooses the language (``zh`` or ``en``) over the locale."""
_LOCALE_ENV = ("LC_ALL", "LC_MESSAGES", "LANG")


def default_lang(environ: Mapping[str, str] | None = None) -> Lang:
    """The language when ``--lang`` is not given: :data:`LANG_ENV` when set, else the locale's
    messages language — the first of ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set (POSIX
    order) — ``zh`` when it starts with ``zh`` (``zh_CN.UTF-8``, ``zh_TW``…), else ``en``."""
    env = os.environ if environ is None else environ
    chosen = env.get(LANG_ENV, "").strip().lower()
    if chosen in LANGS:
        return "zh" if chosen == "zh" else "en"
    for name in _LOCALE_ENV:
        value = env.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


@dataclass(frozen=True)
class Label:
    """One term: ``zh`` for the reader, ``en`` (the contract's or rule book's word) beside it."""

    zh: str
    en: str

    def text(self, lang: Lang) -> str:
        """The term in ``lang``."""
        return self.zh if lang == "zh" else self.en

    def other(self, lang: Lang) -> str:
        """The term in the other language (shown beside it in small type)."""
        return self.en if lang == "zh" else self.zh


@dataclass(frozen=True)
class FlagLabel:
    """A flag (需关注事项): its name and what it means for the person, in plain Chinese
    (``explain``) and in English (``explain_en``)."""

    zh: str
    en: str
    explain: str
    explain_en: str

    def text(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en

    def other(self, lang: Lang) -> str:
        return self.en if lang == "zh" else self.zh

    def explanation(self, lang: Lang) -> str:
        """What the flag means for the person, in ``lang``."""
        return self.explain if lang == "zh" else self.explain_en


def label_table(table: dict[str, tuple[str, str]]) -> dict[str, Label]:
    return {key: Label(zh, en) for key, (zh, en) in table.items()}


FIELDS: dict[str, Label] = label_table(
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

EVENT_TYPES: dict[str, Label] = label_table(
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

IDENTITIES: dict[str, Label] = label_table(
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

REFUND_REASONS: dict[str, Label] = label_table(
    {
        "duplicate": ("重复缴费", "duplicate"),
        "employee_insurance": ("参加职工医保", "employee insurance"),
        "other_region": ("在其他统筹区参保", "other region"),
        "death": ("死亡", "death"),
        "wrong_region": ("误缴至其他统筹区", "wrong region"),
        "other": ("其他", "other"),
    }
)

PURPOSES: dict[str, Label] = label_table(
    {"contribution": ("参保缴费", "contribution"), "repair": ("缴费修复", "repair")}
)

LATE_REASONS: dict[str, Label] = label_table(
    {"not_own_fault": ("非因个人原因停保断保", "not own fault")}
)

STATUS_LOSS_REASONS: dict[str, Label] = label_table(
    {
        "enlisted": ("应征入伍", "enlisted"),
        "imprisoned": ("服刑", "imprisoned"),
        "other_scheme": ("参加其他制度", "other scheme"),
    }
)

SUBSIDY_MODES: dict[str, Label] = label_table(
    {
        "none": ("无资助", "none"),
        "deducted": ("资助（个人只缴差额）", "deducted"),
        "reimbursed": ("先缴后补", "reimbursed"),
    }
)
"""INTERCHANGE.md ``subsidy_mode``."""

YES_NO: dict[bool, Label] = {True: Label("是", "yes"), False: Label("否", "no")}

FLAGS: dict[str, FlagLabel] = {
    "paid_outside_window": FlagLabel(
        "窗口期外缴费",
        "paid outside window",
        "缴费日期既不在集中缴费期也不在补缴期内，本年度不享受居民医保待遇；这笔钱已记录，可以申请退回。",
        "The payment date is in neither the central nor the late payment window: no resident "
        "insurance benefits for this year; the money is on record and can be refunded on "
        "request.",
    ),
    "partial_payment": FlagLabel(
        "缴费不足",
        "partial payment",
        "实际缴纳的金额少于个人应缴金额，本年度没有完成参保，不享受待遇。",
        "Less was paid than the individual contribution due: the person is not enrolled for "
        "this year and has no benefits.",
    ),
    "refund_after_start": FlagLabel(
        "待遇开始后退费",
        "refund after start",
        "退费发生在待遇享受期开始之后，按政策不应退费；账本保留待遇享受期，请经办人员核查这笔退费。",
        "The refund came after coverage had begun, which the policy does not allow; the ledger "
        "keeps the coverage: a caseworker should check this refund.",
    ),
    "policy_missing": FlagLabel(
        "无适用政策",
        "policy missing",
        "该参保地、该年度没有可用的政策版本（或参保地不明）：缴费照常记录并计入连续参保，"
        "但不计算待遇享受期、资助和等待期。",
        "No policy version for this region and year (or the region is unknown): payments are "
        "recorded and count towards continuity, but no coverage, subsidy or waiting period is "
        "computed.",
    ),
    "subsidy_amount_unknown": FlagLabel(
        "资助标准不明",
        "subsidy amount unknown",
        "参保人的资助身份已记录，但政策文件没有写明该身份的资助金额，本年度未计算资助。",
        "The person's subsidy identity is on record, but the notice gives no subsidy amount for "
        "it: no subsidy is computed for this year.",
    ),
    "ceiling_unknown": FlagLabel(
        "激励上限不明",
        "ceiling unknown",
        "政策文件没有给出本省大病保险最高支付限额，激励金额未设上限，请按省里的标准核对。",
        "The notice does not give the province's critical-illness maximum: no ceiling is "
        "applied to the incentives; check them against the provincial standard.",
    ),
    "duplicate_enrolment": FlagLabel(
        "重复参保",
        "duplicate enrolment",
        "同一时期还参加了职工医保，或在两个统筹区都缴了费：职工医保有效期间居民医保待遇暂停，"
        "或按优先原则确定在哪里享受待遇。",
        "Insured at the same time in the employee scheme, or paid in two pooling regions: "
        "resident benefits pause while employee insurance is in force, or the priority rule "
        "decides where benefits are drawn.",
    ),
    "repair_paid": FlagLabel(
        "缴费修复",
        "repair paid",
        "为以前断保的年度补缴了费用（缴费修复）：不产生该年度的待遇，但可缩短以后再参保时的变动等待期。",
        "A payment for an earlier break year (contribution repair): it buys no benefits for "
        "that year, but shortens the variable waiting period of a later re-enrolment.",
    ),
    "overpaid": FlagLabel(
        "多缴",
        "overpaid",
        "本年度实缴金额超过个人应缴金额，请复核；账本不认定多出的部分应当退还。",
        "More was paid for this year than the individual contribution due: for review; the "
        "ledger does not decide that the excess is due back.",
    ),
    "place_not_eligible": FlagLabel(
        "参保地不符",
        "place not eligible",
        "参保地与户籍地、居住证所在地都不一致，不符合参保地要求；本年度仍按已缴费计算，请核查。",
        "The region of enrolment matches neither the hukou nor the residence permit: the place "
        "requirement is not met; the year is still computed from the payments, for review.",
    ),
    "status_lost": FlagLabel(
        "参保身份丧失",
        "status lost",
        "本年度因入伍、服刑、参加其他制度或职工医保等原因丧失居民医保参保身份，待遇在前一天结束。",
        "Resident insurance status was lost this year (enlistment, prison, another scheme or "
        "employee insurance): benefits ended the day before.",
    ),
    "after_death": FlagLabel(
        "死亡后事件",
        "after death",
        "有日期在死亡之后的事件：已记录在案，但不产生效力，请核查来源数据。",
        "Events dated after the death: on record, but without effect; check the source data.",
    ),
    "refund_exceeds_paid": FlagLabel(
        "退费超过实缴",
        "refund exceeds paid",
        "退费金额大于该年度实际缴纳的金额，只按已缴部分处理，请核查。",
        "The refund is larger than what was paid for the year: only the paid part is taken into "
        "account; for review.",
    ),
}
"""Flags of INTERCHANGE.md (需关注事项), each explained for a reader at a service window."""


COLUMNS: dict[str, Label] = label_table(
    {
        # ledger replay
        "year": ("参保年度", "year"),
        "policy": ("政策版本", "policy"),
        "region": ("参保地", "region"),
        "enrolled": ("是否参保", "enrolled"),
        "coverage": ("待遇享受期", "coverage"),
        "due": ("个人应缴（元）", "due"),
        "paid": ("实缴（元）", "paid"),
        "subsidy": ("资助（元）", "subsidy"),
        "waiting": ("等待期", "waiting"),
        "consecutive": ("连续参保年数", "consecutive"),
        "break": ("断保年数", "break"),
        "cap_adjustment": ("大病保险限额调整（元）", "cap_adjustment"),
        "flags": ("需关注事项", "flags"),
        "rule": ("规则", "rule"),
        "event": ("事件", "event"),
        "note": ("说明", "note"),
        "citation": ("出处", "citation"),
        # ledger history
        "number": ("序号", "#"),
        "date": ("日期", "date"),
        "type": ("类型", "type"),
        "details": ("事件内容", "details"),
        "event_id": ("事件编号", "event_id"),
        "recorded_at": ("来源系统记录时间（北京时间）", "recorded_at (CST)"),
        "stored_at": ("本账本存储时间（北京时间）", "stored_at (CST)"),
        # ledger policies
        "version": ("政策版本", "version"),
        "coverage_year": ("参保年度", "year"),
        "revision": ("修订号", "revision"),
        "extends": ("继承自", "extends"),
        "origin": ("来源", "origin"),
        "source": ("依据文件", "source"),
        "parameter": ("政策参数", "parameter"),
        "value": ("取值", "value"),
        "from": ("取值来源", "from"),
    }
)
"""Column names of the terminal tables (表头): ``en`` is the name the English table has always
printed, ``zh`` the reader's."""

WORDS: dict[str, Label] = label_table(
    {
        "months": ("个月", "mo"),
        "repaired": ("修复减少", "repaired"),
        "revision": ("第{n}版", "r{n}"),
        "span": ("{start} 至 {end}", "{start}..{end}"),
        "coverage_year": ("{year}年度", "{year}"),
        "refunded": ("退费", "−"),
        "person": ("参保人", "person"),
        "history_title": (
            "参保人 {person}：共 {count} 个事件，按到达顺序",
            "person {person}: {count} events, in arrival order",
        ),
        "basis": ("适用规则", "basis"),
        "built_in": ("内置", "built-in"),
        "file": ("参数文件", "file"),
        "absent": ("（没有此项）", "(absent)"),
        "version_title": (
            "{version} {revision}：{year}年度，{place}，{source}",
            "{version} {revision}: coverage year {year}, {place}, {source}",
        ),
        "version_extends": ("（继承自 {parent}）", " (extends {parent})"),
        # ledger status
        "store": ("账本", "store"),
        "target": ("报表库", "target"),
        "ledger_id": ("账本编号", "ledger id"),
        "events": ("事件数", "events"),
        "events_value": ("{events}（日志位置 {position}）", "{events} (log position {position})"),
        "persons": ("参保人数", "persons"),
        "last_stored_at": ("最近存储时间", "last stored at"),
        "none_yet": ("（尚无）", "(none yet)"),
        "not_recorded": ("（未记录）", "(not recorded)"),
        "schema": ("报表结构版本", "schema"),
        "schema_value": (
            "{revision}（本程序写入 {head}）",
            "{revision} (this ledger writes {head})",
        ),
        "checkpoint": ("检查点", "checkpoint"),
        "checkpoint_value": ("{position}，时间 {at}", "{position} at {at}"),
        "behind": ("落后", "behind"),
        "behind_value": ("{events} 个事件，{seconds} 秒", "{events} events, {seconds} s"),
        "source_ledger": ("来源账本", "source ledger"),
        "policy_set": ("政策集", "policy set"),
        "policy_file": ("（参数文件 {name} {digest}…）", " (file {name} {digest}…)"),
        "quarantined": ("隔离", "quarantined"),
        "quarantined_value": ("{n} 人", "{n} persons"),
        "quarantine_entry": (
            "{pseudonym}… 日志位置 {position}（已尝试 {attempts} 次）：{reason}",
            "{pseudonym}… position {position} (tried {attempts}x): {reason}",
        ),
        "last_run": ("最近一次运行", "last run"),
        "last_run_value": ("{mode}，{state}，时间 {at}", "{mode} {state} at {at}"),
        "last_run_counts": (
            "：{events} 个事件，隔离 {quarantined} 人",
            ": {events} events, {quarantined} quarantined",
        ),
        "last_run_process": ("（进程 {pid}，主机 {host}）", " (pid {pid} on {host})"),
        "projector": ("投影进程", "projector"),
        "projector_running": ("运行中（持有锁）", "yes (lock held)"),
        "projector_idle": ("未运行", "no"),
        "unknown": ("未知", "unknown"),
        "problems": ("问题", "problems"),
    }
)
"""Other words of the terminal tables; ``{name}`` marks where :class:`Wording` puts a value."""

RUN_MODES: dict[str, Label] = label_table(
    {
        "catch_up": ("追赶", "catch_up"),
        "follow": ("持续跟随", "follow"),
        "rebuild": ("重建", "rebuild"),
        "backfill": ("历史回灌", "backfill"),
    }
)
"""How a ``ledger project`` (or ``ledger backfill``) run went about it (``ledger status``:
last run)."""

RUN_STATES: dict[str, Label] = label_table(
    {
        "running": ("运行中", "running"),
        "finished": ("已完成", "finished"),
        "stopped": ("已停止", "stopped"),
    }
)
"""Where a ``ledger project`` run is (``ledger status``: last run)."""


@dataclass(frozen=True)
class Wording:
    """The phrases of a table or a page in one language: terms of the catalogue, numbers with
    their units, spans of days, a version's revision, lists."""

    lang: Lang

    def __call__(self, label: Label | FlagLabel) -> str:
        return label.text(self.lang)

    def word(self, key: str, **values: object) -> str:
        """:data:`WORDS` ``key`` in this language, ``{name}`` filled from ``values``."""
        return WORDS[key].text(self.lang).format(**values)

    def column(self, key: str) -> str:
        return COLUMNS[key].text(self.lang)

    def field(self, key: str) -> str:
        """A contract field's name (:data:`FIELDS`); in English the field's own key, the
        contract's word (``hukou_region``), also for a field the catalogue does not know."""
        if self.lang == "en" or key not in FIELDS:
            return key
        return FIELDS[key].zh

    def months(self, n: int) -> str:
        return f"{n}{self.word('months')}" if self.lang == "zh" else f"{n} {self.word('months')}"

    def span(self, start: object, end: object) -> str:
        return self.word("span", start=start, end=end)

    def revision(self, version: str, revision: int) -> str:
        return f"{version} {self.word('revision', n=revision)}"

    def year(self, year: object) -> str:
        return self.word("coverage_year", year=year)

    def yes_no(self, value: bool) -> str:
        return YES_NO[bool(value)].text(self.lang)

    def join(self, items: Iterable[str]) -> str:
        """Items of a list: ``、`` between them in Chinese, ``, `` in English."""
        return ("、" if self.lang == "zh" else ", ").join(items)

    @property
    def colon(self) -> str:
        return "：" if self.lang == "zh" else ": "
