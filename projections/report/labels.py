"""The auditor's report's own headings and words, in Chinese with the English term. The codes'
labels are in :mod:`ledger.labels` (the contract) and :mod:`policies.labels` (the rule book).

A page is written in one language (``ledger report --lang``, Chinese by default) with the other
language's term beside each heading in small type; :class:`PageWording` makes its phrases
(amounts, months, spans of days, a version's revision) in that language."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ledger.labels import Label, Lang, Wording, label_table

UI: dict[str, Label] = label_table(
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
        "amount": ("{amount} 元", "{amount} yuan"),
        "n_months": ("{n} 个月", "{n} months"),
        "one_month": ("1 个月", "1 month"),
        "n_months_short": ("{n}个月", "{n} mo"),
        "n_years": ("{n} 年", "{n} years"),
        "one_year": ("1 年", "1 year"),
        "span": ("{start} 至 {end}", "{start} to {end}"),
        "revision": ("第{n}版", "revision {n}"),
        "coverage_year": ("{year}年度", "{year}"),
        "year_heading": ("{year}年度", "coverage year {year}"),
        "version_line": ("（{region}，{year}年度）", " ({region}, coverage year {year})"),
        "break_bar": ("断保", "break"),
        "break_title": (
            "{year}年度断保（{again}年度再参保）",
            "no cover in {year} (enrolled again for {again})",
        ),
        "waiting_title": ("等待期 {start} 至 {end}", "waiting {start} to {end}"),
        "masked": ("身份证号已脱敏", "ID numbers masked"),
        "generated_by": ("生成程序", "made by"),
        "event_detail": ("事件内容", "event"),
        "quote_full": ("全文见", "full text at"),
        "not_computed": ("未计算", "not computed"),
    }
)
"""The report's own headings and words."""


@dataclass(frozen=True)
class PageWording(Wording):
    """The report's phrases in one language: the report's own words (:data:`UI`) beside the
    catalogue's (:class:`~ledger.labels.Wording`)."""

    def ui(self, key: str, **values: object) -> str:
        """:data:`UI` ``key`` in this language, ``{name}`` filled from ``values``."""
        return UI[key].text(self.lang).format(**values)

    @property
    def alt(self) -> Lang:
        """The other language (the small type beside each heading)."""
        return "en" if self.lang == "zh" else "zh"

    def money(self, value: Decimal | str | None) -> str:
        if value is None:
            return "—"
        return self.ui("amount", amount=f"{Decimal(value):.2f}")

    def months(self, n: int) -> str:
        return self.ui("one_month") if n == 1 else self.ui("n_months", n=n)

    def years(self, n: int) -> str:
        return self.ui("one_year") if n == 1 else self.ui("n_years", n=n)

    def span(self, start: object, end: object) -> str:
        return self.ui("span", start=start, end=end)

    def revision(self, version: str, revision: int) -> str:
        return f"{version} {self.ui('revision', n=revision)}"

    def year(self, year: object) -> str:
        return self.ui("coverage_year", year=year)

    def sentence(self, items: Iterable[str]) -> str:
        """Parts of one line: ``；`` between them in Chinese, ``; `` in English."""
        return ("；" if self.lang == "zh" else "; ").join(items)

    def phrase(self, items: Iterable[str]) -> str:
        """Parts of a phrase: ``，`` between them in Chinese, ``, `` in English."""
        return ("，" if self.lang == "zh" else ", ").join(items)
