"""What an export file holds: its columns (名称, 中文名, 类型), and how a header is spelt.

A :class:`Column` has its field name (the header in English, stable for programs: the
contract's and the reporting schema's names), its Chinese name, and its kind, which decides
how each format writes a value (:mod:`.formats`). Chinese names are those of the contract's
catalogue (:data:`ledger.labels.FIELDS`) where it has the field; the few columns only the
exports have (``pseudonym``, ``coverage_start`` …) name themselves here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ledger.labels import FIELDS

Kind = Literal["text", "int", "money", "date", "datetime", "bool"]
"""How a value is written: ``money`` is a ``Decimal`` of yuan with two places (text in CSV and
JSON Lines, ``decimal128(20, 2)`` in Parquet, never a float); ``date`` a ``datetime.date``;
``datetime`` an aware ``datetime``."""

Lang = Literal["en", "zh", "both"]
"""Header language: ``en`` the field name (``individual_due``), ``zh`` the Chinese name
(``个人应缴``), ``both`` the two (``个人应缴 individual_due``)."""

LANGS: tuple[Lang, ...] = ("en", "zh", "both")

_OWN_NAMES: dict[str, str] = {
    "pseudonym": "假名编号",
    "person_masked": "参保人（证件号已遮盖）",
    "coverage_start": "待遇享受期起",
    "coverage_end": "待遇享受期止",
    "coverage_days": "待遇享受天数",
    "coverage_periods": "待遇享受期段数",
    "seq": "序号",
    "start_date": "起始日期",
    "end_date": "终止日期",
    "days": "天数",
    "position": "日志位置",
    "first_year": "首个参保年度",
    "last_year": "最近参保年度",
    "years": "参保年度数",
    "flag": "需关注事项",
    "ledger_state": "账本状态",
    "code": "代码",
    "zh": "中文名称",
    "en": "英文名称",
    "explain": "说明",
    "name": "名称",
    "level": "级别",
    "level_zh": "级别名称",
    "parent": "上级代码",
    "status": "状态",
    "status_zh": "状态名称",
    "last_listed": "最后公布",
    "retired": "撤销年份",
    "change": "变更",
    "successor": "继承代码",
    "former_names": "曾用名",
    "version": "政策版本",
    "document": "文件",
    "section": "条款",
    "phrase": "引文",
    "kind": "类型",
    "table": "表",
    "column": "列",
    # The national platform's insured-person record (参保信息, 1101 insuinfo), docs/export.md
    "insutype": "险种类型",
    "psn_type": "人员类别",
    "psn_insu_stas": "人员参保状态",
    "psn_insu_date": "个人参保日期",
    "paus_insu_date": "暂停参保日期",
    "cvlserv_flag": "公务员标志",
    "insuplc_admdvs": "参保地医保区划",
    "emp_name": "单位名称",
    "balc": "余额",
}


@dataclass(frozen=True)
class Column:
    """One column of an export: ``name`` (the English header), its kind and Chinese name."""

    name: str
    kind: Kind = "text"
    zh: str = ""

    def __post_init__(self) -> None:
        if not self.zh:
            label = FIELDS.get(self.name)
            zh = label.zh if label is not None else _OWN_NAMES.get(self.name)
            if zh is None:
                raise KeyError(f"export column {self.name!r} has no Chinese name")
            object.__setattr__(self, "zh", zh)

    def header(self, lang: Lang) -> str:
        if lang == "zh":
            return self.zh
        if lang == "both":
            return f"{self.zh} {self.name}"
        return self.name


def headers(columns: Sequence[Column], lang: Lang) -> list[str]:
    return [column.header(lang) for column in columns]


def columns(*specs: str | tuple[str, Kind]) -> tuple[Column, ...]:
    """``columns("region", ("year", "int"))``: text unless a kind is given."""
    return tuple(Column(s) if isinstance(s, str) else Column(s[0], s[1]) for s in specs)
