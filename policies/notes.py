"""The audit trail's notes (说明): why a rule applied, in English and in Chinese.

A rule leaves a :class:`~policies.rules.Step` with a :class:`Note`: the key of a template of
:data:`TEMPLATES` and the values to put in it. Nothing is formatted while the fold runs (most
folds never show their trace); :func:`note_text` writes a note in the language asked for:

- English is the interchange contract's ``trace[].note`` (``ledger replay --format json``);
- Chinese is for people: ``ledger replay --explain --lang zh`` and the auditor's report.

The reasons a flag gives (``reasons`` of a view) are notes too, where they are not a code.

In Chinese, values named for a code list are written with the code list's Chinese label
(``identity`` → 低保对象, ``refund_reason``, ``loss_reason``, ``event_type``; ``identities``,
a tuple of identity codes, joined with 、), and a region (``region``, ``home``, ``hukou``) with its
name; dates, amounts and years as they are. A value that is itself a :class:`Note` is written
in the same language. ``tests/policies/test_notes.py`` checks that every template of both
languages takes the same values and that the Chinese notes of every trace of the acceptance
cases and of generated histories hold no English.
"""

from __future__ import annotations

from typing import Any

from ledger import labels as L
from ledger.labels import Lang
from ledger.regions import region_label

TEMPLATES: dict[str, tuple[str, str]] = {
    # start rules (policies/rules/starts)
    "central": (
        "paid {day} in the central window: covered from {start}",
        "{day}在集中缴费期内缴费：{start}起享受待遇",
    ),
    "late_after_waiting": (
        "paid {day} in the late window: after waiting",
        "{day}在补缴期内缴费：等待期满后享受待遇",
    ),
    "late_from": (
        "paid {day} in the late window: from {start}",
        "{day}在补缴期内缴费：{start}起享受待遇",
    ),
    "outside_after_waiting": (
        "paid {day} in the coverage year outside the windows: after waiting",
        "{day}在参保年度内、缴费期外缴费：等待期满后享受待遇",
    ),
    "newborn_within": (
        "born {birth}, paid {day} within {days} days",
        "{birth}出生，{day}缴费，在出生后{days}天内",
    ),
    "newborn_after": (
        "born {birth}, paid {day} after {days} days: from {start}",
        "{birth}出生，{day}缴费，超过出生后{days}天：{start}起享受待遇",
    ),
    "employee_bridge": (
        "employee insurance stopped {stop}, paid {paid} (by {last_day}): bridge, from {start}",
        "{stop}职工医保停保，{paid}缴费（不晚于{last_day}）：按接续参保，{start}起享受待遇",
    ),
    "employee_not_bridge_insured": (
        "employee insurance stopped {stop}, paid {paid}: not a bridge (not insured {years} "
        "years to the stop)",
        "{stop}职工医保停保，{paid}缴费：不属于接续参保（停保前连续参保不满{years}年）",
    ),
    "employee_not_bridge_late": (
        "employee insurance stopped {stop}, paid {paid}: not a bridge (paid after {last_day})",
        "{stop}职工医保停保，{paid}缴费：不属于接续参保（{last_day}之后缴费）",
    ),
    "employee_stop_from": (
        "employee insurance stopped {stop}, paid {paid}: from {start}",
        "{stop}职工医保停保，{paid}缴费：{start}起享受待遇",
    ),
    "student": (
        "college student paid {paid}: covered from {start}",
        "大学生{paid}缴费：{start}起享受待遇",
    ),
    "new_student": (
        "new student (identity from {granted}) paid {paid}: covered from {start}",
        "新入学大学生（{granted}起具有身份）{paid}缴费：{start}起享受待遇",
    ),
    "special_joined": (
        "{identity} (from {granted}, recognised {recognized}) joined in the year, paid {day}",
        "{identity}（{granted}起，{recognized}认定）年度中参保，{day}缴费",
    ),
    "special_joined_not_own_fault": (
        "{identity} (from {granted}, recognised {recognized}) joined in the year "
        "(非因个人原因), paid {day}",
        "{identity}（{granted}起，{recognized}认定）非因个人原因年度中参保，{day}缴费",
    ),
    "subsidised_outside_window": (
        "{identity} paid {day} outside the central window: full standard, from {start}",
        "{identity}在集中缴费期外于{day}缴费：按全额标准缴费，{start}起享受待遇",
    ),
    # subsidies (policies/rules/subsidies)
    "subsidy_after_cutoff": (
        "{identity} recognised {recognized}, after the cutoff {cutoff}: counts from the next "
        "coverage year",
        "{identity}于{recognized}认定，晚于截止日{cutoff}：从下一参保年度起计算",
    ),
    "subsidy_hukou": (
        "{identity} held, but the hukou {hukou} is outside {province}: no subsidy, the full "
        "standard is due",
        "具有{identity}身份，但户籍{hukou}不在{province}：不享受资助，按全额标准缴费",
    ),
    "subsidy_after_payment": (
        "{identity} recognised {recognized} (by the cutoff {cutoff}) after the full payment on "
        "{paid}: {amount} paid back (先缴后补)",
        "{paid}全额缴费后，{identity}于{recognized}认定（不晚于截止日{cutoff}）：返还{amount}"
        "（先缴后补）",
    ),
    "subsidy_outside_window": (
        "paid {day} outside the central window {first}..{last}: no subsidy, the full standard "
        "is due",
        "{day}缴费，不在集中缴费期{first}至{last}内：不享受资助，按全额标准缴费",
    ),
    "subsidy_unknown": (
        "{identities}: subsidy amount not in the sources; identity recorded, no subsidy computed",
        "{identities}：文件未载明资助金额；身份已记录，未计算资助",
    ),
    "subsidy_one": (
        "{identity} (recognised {recognized}) covers {amount} of {standard}",
        "{identity}（{recognized}认定）资助{amount}，个人缴费标准{standard}",
    ),
    "subsidy_one_others": (
        "{identity} (recognised {recognized}) covers {amount} of {standard}; also held, lower "
        "or equal: {identities}",
        "{identity}（{recognized}认定）资助{amount}，个人缴费标准{standard}；同时具有的身份资助"
        "较低或相同：{identities}",
    ),
    "subsidy_deducted": (
        "deducted (资助): the person pays standard − subsidy",
        "直接资助：个人按缴费标准减去资助金额缴费",
    ),
    "subsidy_reimbursed": (
        "reimbursed (先缴后补): the person pays the full standard first",
        "先缴后补：个人先按全额标准缴费",
    ),
    # the money walk (policies/rules/money)
    "paid_after_death": (
        "paid {day}, after the death: stored, not applied",
        "{day}缴费在死亡之后：已记录，不适用",
    ),
    "repaid_after_wrong_region": (
        "repaid {day} after a wrong-region refund: counts from the first payment's date {first}",
        "因参保地错误退费后于{day}重新缴费：按首次缴费日期{first}计算",
    ),
    "refund_after_death": (
        "refund of {amount} on {day}, after the death: stored, not applied",
        "{day}退费{amount}在死亡之后：已记录，不适用",
    ),
    "refund_exceeds": (
        "refund of {amount} ({refund_reason}) exceeds the {available} standing: applied up to it",
        "退费{amount}（{refund_reason}）超过实有的{available}：按实有金额退费",
    ),
    "refund_after_start": (
        "refund of {amount} ({refund_reason}) on {day}, after coverage started: not allowed by "
        "policy; coverage kept",
        "{day}退费{amount}（{refund_reason}）在待遇享受期开始之后：政策不允许，待遇保留",
    ),
    "refund": (
        "refund of {amount} ({refund_reason}) on {day}",
        "{day}退费{amount}（{refund_reason}）",
    ),
    "enrolment_undone": (
        "before coverage starts {start}: {standing} stands of {due} due, the enrolment is undone",
        "待遇享受期{start}开始前退费：应缴{due}，实有{standing}，参保撤销",
    ),
    "status_lost": (
        "resident status lost ({loss_reason}) on {day}",
        "{day}失去居民医保参保身份（{loss_reason}）",
    ),
    "employee_started": (
        "employee insurance started {day}: resident status lost",
        "{day}参加职工医保：失去居民医保参保身份",
    ),
    "enrolment_ended": (
        "{what}: the coverage of {year} ends {ends}; the payment is not refunded, a later "
        "payment is a new enrolment",
        "{what}：{year}年度待遇至{ends}止；所缴费用不退，此后缴费为重新参保",
    ),
    "duplicate_student": (
        "contributions stand in pools {pools}: the college student's payment of {day} decides "
        "(大学生身份医保待遇)",
        "{pools}统筹区都有有效缴费：以大学生{day}的缴费为准（大学生身份医保待遇）",
    ),
    "duplicate_residence": (
        "contributions stand in pools {pools}: the person lives in {home} on {day} "
        "(常住地医保待遇)",
        "{pools}统筹区都有有效缴费：{day}常住{home}（常住地医保待遇）",
    ),
    "duplicate_first": (
        "contributions stand in pools {pools}: the earliest standing payment ({day}) decides "
        "(I-dup)",
        "{pools}统筹区都有有效缴费：以最早的有效缴费（{day}）为准",
    ),
    # waiting periods (policies/rules/waiting)
    "waiting_fixed_late": (
        "{months} months: paid outside the central window",
        "固定等待期{months}个月：在集中缴费期外缴费",
    ),
    "waiting_fixed_break": (
        "{months} months: break of {count} year(s) ({years})",
        "固定等待期{months}个月：断保{count}年（{years}）",
    ),
    "waiting_variable": (
        "{months} month(s) for break years beyond the first",
        "变动等待期{months}个月：断保超过1年的部分",
    ),
    "waiting_repaired": (
        "{months} month(s) repaid ({years})",
        "补缴{years}年度：减少{months}个月",
    ),
    "waiting_floor": (
        "break of {count} years: at least {months} months",
        "断保{count}年：等待期不少于{months}个月",
    ),
    "waiting_start": (
        "{months} months from {starts}: covered from {start}",
        "自{starts}起等待{months}个月：{start}起享受待遇",
    ),
    # the year (policies/handler)
    "event_after_death": (
        "{event_type} on {day}, after the death: not applied",
        "{day}的{event_type}在死亡之后：不适用",
    ),
    "repair_no_coverage": (
        "repair of {year} paid: buys no coverage for {year}",
        "已补缴{year}年度：不产生{year}年度的待遇",
    ),
    "outside_every_window": (
        "paid {day} outside every window: no coverage for {year}; the money can be refunded",
        "{day}缴费不在任何缴费期内：{year}年度不享受待遇，所缴费用可以申请退回",
    ),
    "partial_payment": (
        "{standing} stands of {due} due: not enrolled",
        "应缴{due}，实有{standing}：未参保",
    ),
    "identity_granted": (
        "{identity} granted {day}: for benefits from {start}; contribution and subsidy unchanged",
        "{day}认定{identity}身份：自{start}起按新身份享受待遇；缴费和资助不变",
    ),
    "identity_revoked": (
        "{identity} revoked {day}: for benefits from {start}; contribution and subsidy unchanged",
        "{day}取消{identity}身份：自{start}起按新身份享受待遇；缴费和资助不变",
    ),
    "death_ends_coverage": (
        "coverage ends on the date of death {day}",
        "待遇享受期至死亡之日{day}止",
    ),
    "employee_priority_end": (
        "employee insurance from {start}: resident coverage ends, no resumption",
        "{start}起参加职工医保：居民医保待遇终止，不再恢复",
    ),
    "employee_priority_span": (
        "employee insurance active {start}..{stop}: resident coverage does not run",
        "{start}至{stop}参加职工医保：期间不享受居民医保待遇",
    ),
    "employee_priority_open": (
        "employee insurance active {start}..open: resident coverage does not run",
        "{start}起参加职工医保（未停保）：期间不享受居民医保待遇",
    ),
    "place_not_eligible": (
        "enrolled in {region} on {day}: neither the 户籍地 {hukou} nor a residence permit is in "
        "that pooling region",
        "{day}在{region}参保：户籍地{hukou}和居住证都不在该统筹区",
    ),
    "overpaid": (
        "{standing} stands for {year}, {due} was due: for review (the notices do not say the "
        "excess is due back)",
        "{year}年度实有{standing}，应缴{due}：待核查（文件未规定多缴部分是否退还）",
    ),
    "claim_discharged": (
        "claim for {year} discharged {day}: counts for {counts_for}",
        "{year}年度的报销于{day}出院：计入{counts_for}年度",
    ),
    # reasons of flags (policies/handler)
    "not_registered": (
        "not_registered",
        "未登记：没有参保登记或出生登记，无法确定参保地",
    ),
    "no_policy_version": (
        "no policy version for region {region} in coverage year {year}",
        "{year}年度{region}没有政策版本",
    ),
    "ceiling_unknown": (
        "{version}: the province's critical-illness maximum is not in the sources; no ceiling "
        "applied",
        "{version}：文件未载明全省大病保险最高支付限额；未设上限",
    ),
    # incentives (policies/rules/incentives)
    "incentive_count": (
        "consecutive year {count} counted from {since}",
        "自{since}年起计算，连续参保第{count}年",
    ),
    "incentive_reset": (
        "reward used in {used}: cleared from {year}",
        "{used}年度已使用奖励：自{year}年度起清零",
    ),
    "incentive_zero_claim": (
        "no fund claim in {previous}: +{step} from {year}",
        "{previous}年度未发生基金支付：自{year}年度起提高{step}",
    ),
    "incentive_continuity": (
        "{year} is consecutive year {count}: +{step}",
        "{year}年度为连续参保第{count}年：提高{step}",
    ),
    "incentive_break": (
        "re-enrolment after a break: {penalty} in {year}",
        "断保后再次参保：{year}年度调整{penalty}",
    ),
    "incentive_cap": (
        "bonuses capped at {ceiling}",
        "奖励合计不超过{ceiling}",
    ),
}
"""Note key → (English, Chinese) templates, in :meth:`str.format` syntax."""


class Note:
    """A note of the audit trail, not yet written: a template key and its values.

    ``str(note)`` is the English text (the contract's); :func:`note_text` writes it in a
    language. Two notes are equal when they say the same in English."""

    __slots__ = ("key", "values")

    def __init__(self, key: str, **values: Any) -> None:
        if key not in TEMPLATES:
            raise KeyError(f"no note template {key!r}")
        self.key = key
        self.values = values

    def __str__(self) -> str:
        return note_text(self, "en")

    def __repr__(self) -> str:
        return f"Note({self.key!r}, {self.values!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Note | str):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))


_CODE_LISTS: dict[str, dict[str, L.Label]] = {
    "identity": L.IDENTITIES,
    "refund_reason": L.REFUND_REASONS,
    "loss_reason": L.STATUS_LOSS_REASONS,
    "event_type": L.EVENT_TYPES,
}
_REGIONS = frozenset({"region", "home", "hukou"})


def _zh_value(name: str, value: Any) -> Any:
    if isinstance(value, Note):
        return note_text(value, "zh")
    codes = _CODE_LISTS.get(name)
    if codes is not None and value in codes:
        return codes[value].zh
    if name == "identities":
        return "、".join(L.IDENTITIES[v].zh if v in L.IDENTITIES else str(v) for v in value)
    if name in _REGIONS and isinstance(value, str):
        return region_label(value)
    if isinstance(value, tuple):
        return "、".join(map(str, value))
    return value


def _en_value(value: Any) -> Any:
    if isinstance(value, Note):
        return str(value)
    if isinstance(value, tuple):
        return ", ".join(map(str, value))
    return value


def note_text(note: Note | str, lang: Lang = "en") -> str:
    """``note`` written in ``lang`` (a plain text, from before notes had templates, as it is)."""
    if not isinstance(note, Note):
        return note
    english, chinese = TEMPLATES[note.key]
    if lang == "zh":
        return chinese.format(**{k: _zh_value(k, v) for k, v in note.values.items()})
    return english.format(**{k: _en_value(v) for k, v in note.values.items()})


__all__ = ["TEMPLATES", "Note", "note_text"]
