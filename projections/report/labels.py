"""The auditor's report's own headings and words, in Chinese with the English term. The codes'
labels are in :mod:`ledger.labels` (the contract) and :mod:`policies.labels` (the rule book)."""

from __future__ import annotations

from ledger.labels import Label, label_table

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
