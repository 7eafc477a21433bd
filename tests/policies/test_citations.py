"""Citations: every citation of every version, and of every trace, leads to the clause of one
of the version's own sources where the rule stands (POLICY.md "Citations").

The clause texts are data (policies/data/notices.json, written by scripts/extract_clauses.py
from the seeds); a version that cites another region's notice, POLICY.md, a section its notice
does not have, or a phrase the section does not contain, fails here.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tempfile
from functools import cache
from itertools import groupby
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ledger.events import parse_event
from policies import builtin_registry, clauses
from policies.catalogue import RULES
from policies.registry import PolicyRegistry
from policies.version import PolicyVersion
from projections.person import project_person
from tests.support import load_script, shared_dir

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = builtin_registry()
VERSIONS = list(BUILTIN)


SHARED = shared_dir()

KNOWN_GAPS = {
    # (version, parameter or rule id): applied today with no source in the version's documents
    # (the citation says "no source: …"). The rules change that stops applying them removes
    # them from the version and from this list; a new gap fails the test.
    ("ankang-2022", "NB-died"),
    ("ankang-2022", "WAIT-repair"),
    ("shaanxi-2024", "DEATH"),
    ("shaanxi-2024", "WAIT-repair"),
    ("xian-2024", "DEATH"),
    ("xian-2024", "WAIT-repair"),
    ("ankang-2025", "DEATH"),
    ("huaiyuan-2025", "GEN-outside"),
    ("huaiyuan-2025", "NB-died"),
    ("huaiyuan-2025", "ID-change"),
    ("huaiyuan-2025", "incentive_step"),
}


def applied_rules(version: PolicyVersion) -> set[str]:
    """The rule ids of the catalogue (and the window rules) that ``version`` can put in a trace,
    read from its parameters the way policies/handler.py and policies/rules/ apply them."""
    p = version.parameters
    prefix = version.rule_prefix
    rules = {
        f"{prefix}-central",
        "GEN-outside",
        "SUB-one",
        "SUB-cutoff",
        "SUB-mode",
        "SUB-due",
        "ID-change",
        "DEATH",
        "EMP-priority",
        "NB-90",
        "NB-died",
        "LATE-special",
        "DUP-region",
        "OVER-paid",
        "WAIT-repair",  # a repair payment's own year shows it whatever the version
        "REF-ak22" if p.refund_deadline == "central_window_end" else "REF-before",
    }
    if p.late_window is not None:
        allowed = p.late_window_identities
        if allowed is None or allowed - {"migrant_worker"}:
            rules.add(f"{prefix}-late")
        if allowed is not None and "migrant_worker" in allowed:
            rules.add(f"{prefix}-migrant")
    if p.subsidy_central_window_only:
        rules.add("SUB-window")
    if p.subsidy_hukou_province is not None:
        rules.add("XA24-hukou")
    if p.student_start is not None:
        rules.add("STU")
    if p.status_lost_reasons or p.employee_start_ends_status:
        rules.add("EMP-lost")
    if p.place_check:
        rules.add("PLACE-hukou")
    if p.claims_by_discharge_year:
        rules.add("INC-discharge")
    if p.outside_window_start == "waiting":
        rules.add("WAIT-hy25")
    if p.employee_stop:
        rules.add("EMP-stop")
    if p.employee_bridge:
        rules.add("EMP-bridge")
    if p.new_student_start is not None:
        rules.add("XA24-stu")
    if p.wrong_region_first_date:
        rules.add("REF-wrong-region")
    if p.waiting_periods:
        rules |= {"WAIT-fixed", "WAIT-var", "WAIT-floor", "WAIT-start"}
    if p.incentives:
        rules |= {"INC-count", "INC-cont", "INC-zero", "INC-reset"}
        if p.break_penalty:
            rules.add("INC-break")
        if p.bonus_ceiling is not None:
            rules.add("INC-cap")
    return rules


def citation_problems(version: PolicyVersion) -> list[str]:
    """Everything wrong with the citations of a built-in version (empty when all is well)."""
    problems = []
    cited = {**version.citations, **version.rule_citations}
    for rule_id in sorted(applied_rules(version)):
        if version.rule(rule_id).citation is None:
            problems.append(f"{rule_id}: applied without a citation")
    for key, text in sorted(cited.items()):
        for problem in clauses.check(text, version.sources, allow_unsourced=True):
            problems.append(f"{key}: {problem}")
        for part in text.split(clauses.SEPARATOR):
            try:
                canonical = str(clauses.parse(part))
            except clauses.UnknownCitation:
                continue  # reported by check
            if canonical != part.strip():
                problems.append(f"{key}: write {canonical!r}, not {part.strip()!r}")
    return problems


def gaps(version: PolicyVersion) -> set[tuple[str, str]]:
    cited = {**version.citations, **version.rule_citations}
    return {
        (version.id, key)
        for key, text in cited.items()
        if any(c.kind == "unsourced" for c in clauses.parse_all(text))
    }


# --- the versions' own citations ------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.id)
def test_every_citation_of_a_version_leads_to_a_clause_of_its_own_sources(
    version: PolicyVersion,
) -> None:
    assert citation_problems(version) == []


def test_the_rules_applied_without_a_source_are_the_known_gaps() -> None:
    found = set().union(*(gaps(v) for v in VERSIONS))
    assert found == KNOWN_GAPS


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.id)
def test_every_rule_a_version_applies_has_the_clause_text(version: PolicyVersion) -> None:
    """Through clause_text: a clause of the notice, or a document known to have no text here,
    or a reading; never the rule book's sections."""
    for rule_id in applied_rules(version):
        citation = version.rule(rule_id).citation
        assert citation is not None, rule_id
        for cited in clauses.parse_all(citation):
            if cited.kind == "unsourced":
                assert (version.id, rule_id) in KNOWN_GAPS
                continue
            assert cited.kind != "silent", f"{rule_id} is applied: it is not 'no such rule'"
            try:
                text = clauses.clause_text(cited)
            except clauses.TextNotInSources:
                assert cited.document in ("国办发〔2024〕38号", "市医保发〔2024〕73号")
                assert cited.document in version.sources
                continue
            assert text.strip(), rule_id


def test_sources_of_the_versions() -> None:
    assert {v.id: v.sources for v in VERSIONS} == {
        "ankang-2022": ("安医保发〔2021〕86号",),
        "shaanxi-2024": ("陕医保发〔2023〕24号",),
        "xian-2024": ("市医保发〔2023〕57号", "陕医保发〔2023〕24号"),
        "ankang-2025": ("安医保发〔2024〕76号", "国办发〔2024〕38号", "市医保发〔2024〕73号"),
        "huaiyuan-2025": (
            "怀远县2024年（2025年度）城乡居民基本医疗保险参保缴费工作方案",
            "国办发〔2024〕38号",
        ),
    }
    described = BUILTIN.get("xian-2024").describe()
    assert described["sources"] == ["市医保发〔2023〕57号", "陕医保发〔2023〕24号"]
    assert described["rules"]["XA24-stu"].startswith("市医保发〔2023〕57号 §三")


def test_the_catalogue_cites_nothing() -> None:
    """No fallback: a rule is cited only by the version that applies it."""
    assert all(rule.citation is None for rule in RULES.values())


@pytest.mark.parametrize(
    ("rule_id", "citation", "complaint"),
    [
        (
            "SUB-one",
            "安医保发〔2024〕76号 §二 资助标准就高不就低",
            "not one of the version's sources",
        ),
        ("SUB-mode", "POLICY.md §2", "unknown document 'POLICY.md'"),
        ("NB-90", "怀远县2024年（2025年度）城乡居民基本医疗保险参保缴费工作方案 §三(二)", "phrase"),
        (
            "HY25-central",
            "怀远县2024年（2025年度）城乡居民基本医疗保险参保缴费工作方案 §九",
            "no section",
        ),
        ("NB-90", "HY25 §三(一)", "write"),
        ("WAIT-fixed", "国办发〔2024〕38号 §二(三)", "text is not in the sources"),
        (
            "LATE-special",
            "怀远县2024年（2025年度）城乡居民基本医疗保险参保缴费工作方案 §三(二)1(2)",
            "",
        ),
    ],
)
def test_the_checker_catches_a_wrong_citation(rule_id: str, citation: str, complaint: str) -> None:
    """Another region's notice, the rule book, a wrong section or phrase, a short name."""
    huaiyuan = BUILTIN.get("huaiyuan-2025")
    if complaint == "phrase":
        citation += " 自出生之日起90日内"
    wrong = dataclasses.replace(
        huaiyuan, rule_citations={**huaiyuan.rule_citations, rule_id: citation}
    )
    problems = citation_problems(wrong)
    assert problems, citation
    assert all(p.startswith(f"{rule_id}: ") for p in problems)
    assert complaint in " ".join(problems)


def test_the_checker_catches_a_rule_applied_without_a_citation() -> None:
    ankang = BUILTIN.get("ankang-2025")
    rule_citations = {k: v for k, v in ankang.rule_citations.items() if k != "EMP-bridge"}
    problems = citation_problems(dataclasses.replace(ankang, rule_citations=rule_citations))
    assert problems == ["EMP-bridge: applied without a citation"]


def test_readings_the_code_cites_are_defined_in_the_rule_book() -> None:
    used = set()
    for path in (ROOT / "policies").rglob("*.py"):
        used |= set(re.findall(r"\bI-[a-z][a-z0-9]*(?:-[a-z0-9]+)*", path.read_text("utf-8")))
    assert used >= {"I-next-month", "I-next-day", "I-days", "I-paid-on", "I-months"}
    for reading in used:
        assert clauses.clause_text(reading)


# --- traces ---------------------------------------------------------------------------------


def trace_problems(registry: PolicyRegistry, events: list[Any]) -> list[str]:
    """What is wrong with the citations of every trace step of these persons' views."""
    problems = []
    events = sorted(events, key=lambda e: e.person_id)
    for person, group in groupby(events, key=lambda e: e.person_id):
        view = project_person(list(group), registry, explain=True)
        for year, outcome in zip(view.to_dict()["years"], view.years, strict=True):
            version = outcome.version
            if version is None:
                assert not year["trace"], year
                continue
            builtin = version.id in BUILTIN and BUILTIN.get(version.id) is version
            for step in year["trace"]:
                where = f"{person} {year['year']} {version.id} {step['rule']}"
                citation = step["citation"]
                if citation is None:
                    problems.append(f"{where}: no citation")
                elif builtin:
                    for problem in clauses.check(citation, version.sources, allow_unsourced=True):
                        problems.append(f"{where}: {problem}")
                    if (
                        clauses.NO_SOURCE in citation
                        and (version.id, step["rule"]) not in KNOWN_GAPS
                    ):
                        problems.append(f"{where}: unknown gap")
                else:
                    problems += [f"{where}: {p}" for p in file_version_problems(version, citation)]
    return problems


def file_version_problems(version: PolicyVersion, citation: str) -> list[str]:
    """A version from a parameter file cites its own source (or a reading)."""
    problems = []
    for part in citation.split(clauses.SEPARATOR):
        part = part.strip()
        if part.startswith(("I-", clauses.NO_SOURCE)):
            clauses.parse(part)
        elif part not in (version.source, f"{version.source} {clauses.NO_SUCH_RULE}"):
            problems.append(f"{part!r} is not its source {version.source!r}")
    return problems


def _cases() -> list[Path]:
    if SHARED is None or not (SHARED / "cases").is_dir():
        return []
    return sorted((SHARED / "cases").glob("*.json"))


@pytest.mark.skipif(not _cases(), reason="the acceptance cases (shared/cases) are not at hand")
@pytest.mark.parametrize("path", _cases(), ids=lambda p: p.stem)
def test_every_trace_step_of_the_acceptance_cases_is_cited(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    registry = BUILTIN
    if case.get("policies"):
        with tempfile.TemporaryDirectory() as tmp:
            policy_file = Path(tmp) / "policies.json"
            policy_file.write_text(json.dumps({"versions": case["policies"]}), encoding="utf-8")
            registry = BUILTIN.with_file(policy_file)
    events = [parse_event(e) for e in case["events"]]
    assert trace_problems(registry, events) == []


def _generator() -> ModuleType:
    return load_script("gen_events")


def test_every_trace_step_of_generated_histories_is_cited() -> None:
    """A sweep over varied generated persons: every rule the fold applies has a citation."""
    gen = _generator()
    gen.BLOCK = 40
    events = [parse_event(raw) for raw in gen.generate(4000, 7)]
    assert trace_problems(BUILTIN, events) == []


def test_a_trace_shows_the_citation_of_the_version_that_decided() -> None:
    from tests.policies.support import History

    year = (
        History("340321")
        .paid("2025-01-20", 2025, "400")
        .add("identity_granted", "2025-01-01", identity="migrant_worker")
        .year(2025, explain=True)
    )
    steps = {s["rule"]: s["citation"] for s in year["trace"]}
    assert steps["HY25-migrant"] == (
        "怀远县2024年（2025年度）城乡居民基本医疗保险参保缴费工作方案 §三 "
        "在2025年1月1日至2月底前缴费的外出务工人员，自参保缴费次日起享受待遇"
    )
    assert steps["I-next-day"] == "I-next-day"


# --- the clause data ------------------------------------------------------------------------


@cache
def _extractor() -> ModuleType:
    return load_script("extract_clauses")


@pytest.mark.skipif(SHARED is None, reason="the seed notices (shared/seeds) are not at hand")
def test_the_committed_clauses_are_what_the_script_extracts_from_the_seeds() -> None:
    assert SHARED is not None
    committed = json.loads(clauses.DATA.read_text(encoding="utf-8"))
    extractor = _extractor()
    fresh = extractor.build(
        SHARED / "seeds", SHARED / "spec" / "POLICY.md", committed["generated_on"]
    )
    assert extractor.dump(fresh) == clauses.DATA.read_text(encoding="utf-8")


@pytest.mark.skipif(SHARED is None, reason="the seed notices (shared/seeds) are not at hand")
def test_the_extractor_fails_loudly_on_a_changed_notice(tmp_path: Path) -> None:
    assert SHARED is not None
    extractor = _extractor()
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for seed in (SHARED / "seeds").glob("*.txt"):
        text = seed.read_text(encoding="utf-8")
        if seed.name.startswith("000_"):
            text = text.replace("(3) 新生儿出生后死亡的", "(4) 新生儿出生后死亡的")
        (seeds / seed.name).write_text(text, encoding="utf-8")
    with pytest.raises(extractor.ExtractError, match="numbering jumps"):
        extractor.build(seeds, SHARED / "spec" / "POLICY.md", "2026-01-01")


def test_documents_and_their_seeds() -> None:
    docs = {d.short or d.id: d for d in clauses.documents()}
    assert set(docs) == {"AK22", "SX24", "XA24", "AK25", "HY25", "国办发〔2024〕38号",
                         "市医保发〔2024〕73号"}  # fmt: skip
    assert docs["HY25"].number is None
    assert docs["HY25"].id == "怀远县2024年（2025年度）城乡居民基本医疗保险参保缴费工作方案"
    assert clauses.document("怀远县2024年（2025年度）方案") is docs["HY25"]
    assert docs["XA24"].seed_file == docs["SX24"].seed_file == "001_4943b77135a0f7eb.txt"
    assert (docs["AK25"].date, docs["SX24"].date, docs["XA24"].date) == (
        "2024-09-10",
        "2023-08-14",
        "2023-08-31",
    )
    assert not docs["国办发〔2024〕38号"].has_text
    assert (
        docs["国办发〔2024〕38号"].title == "国务院办公厅关于健全基本医疗保险参保长效机制的指导意见"
    )
    if SHARED is not None:
        import hashlib

        for doc in docs.values():
            if doc.seed_file:
                seed = (SHARED / "seeds" / doc.seed_file).read_bytes()
                assert hashlib.sha256(seed).hexdigest() == doc.sha256


@pytest.mark.parametrize(
    ("citation", "contains"),
    [
        ("安医保发〔2024〕76号 §四(二)4(7)", "固定待遇等待期3个月"),
        ("安医保发〔2024〕76号 §四(二)4(6)", "累计提高总额不超过我省大病保险封顶线的20%"),
        ("安医保发〔2024〕76号 §四", "补缴时间为2025年1月1日至2025年3月31日"),
        ("安医保发〔2024〕76号 §四", "(7)自2025年起"),  # a section includes its subsections
        (
            "怀远县2024年（2025年度）城乡居民基本医疗保险参保缴费工作方案 §三",
            "2024年9月1日至2024年12月31日",
        ),
        ("怀远县2024年（2025年度）城乡居民基本医疗保险参保缴费工作方案 §三", "2025年2月28日"),
        (
            "怀远县2024年（2025年度）城乡居民基本医疗保险参保缴费工作方案 §三(一)",
            "自出生之日起90日内",
        ),
        (
            "怀远县2024年（2025年度）城乡居民基本医疗保险参保缴费工作方案 §一",
            "不得跨制度重复参加职工医保",
        ),
        (
            "怀远县2024年（2025年度）城乡居民基本医疗保险参保缴费工作方案 §preamble",
            "国办发〔2024〕38号",
        ),
        ("陕医保发〔2023〕24号 §二(一)", "参保缴费对象"),
        ("陕医保发〔2023〕24号 §二(四)", "部分特殊人员个人缴费标准"),
        ("陕医保发〔2023〕24号 §五(二)4(2)", "不享受个人缴费分类资助政策"),
        ("市医保发〔2023〕57号 §三", "2023年9月1日起至2024年12月31日"),
        ("市医保发〔2023〕57号 §二2", "资助标准另行通知"),
        ("安医保发〔2021〕86号 §五(二)1", "1.职工医保断保人员"),  # printed 1111....职职职职…
        ("安医保发〔2021〕86号 §五(二)2(2)", "不能享受对应年度的医保待遇"),
        ("AK22 §八(五)", "居民医保参保身份自动丧失"),
        ("I-next-day", "缴费次日"),
    ],
)
def test_clause_texts(citation: str, contains: str) -> None:
    assert contains in clauses.clause_text(citation)


def test_a_section_is_not_a_neighbour_with_the_same_beginning() -> None:
    ak22 = clauses.document("AK22")
    assert "（十一）" not in ak22.section_text("一(十)")
    assert ak22.section_text("一").count("《") == 12


@pytest.mark.parametrize(
    ("citation", "error", "message"),
    [
        ("POLICY.md §2", clauses.UnknownCitation, "unknown document 'POLICY.md'"),
        ("安医保发〔2024〕76号 §九", clauses.UnknownCitation, "no section §九"),
        ("安医保发〔2024〕76号 §四(二)4(7) 固定待遇等待期6个月", clauses.UnknownCitation, "not in"),
        ("安医保发〔2021〕86号 §八(三)(五)", clauses.UnknownCitation, "one section per citation"),
        ("安医保发〔2021〕86号", clauses.UnknownCitation, "name the section"),
        ("I-nowhere", clauses.UnknownCitation, "unknown reading"),
        ("国办发〔2024〕38号", clauses.TextNotInSources, "text not in the sources"),
        ("市医保发〔2024〕73号", clauses.TextNotInSources, "document known"),
        ("安医保发〔2021〕86号 (no such rule)", clauses.NoClause, "no such rule"),
        ("no source: the 方案 is silent", clauses.NoClause, "no source"),
        ("", clauses.UnknownCitation, "empty"),
        ("AK25 §四; AK25 §五", clauses.UnknownCitation, "several citations"),
    ],
)
def test_clause_text_says_what_is_wrong(citation: str, error: type, message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        clauses.clause_text(citation)


def test_parse() -> None:
    cited = clauses.parse("AK25 §四（二）4（7） “固定待遇等待期3个月”")
    assert (cited.document, cited.section, cited.phrase) == (
        "安医保发〔2024〕76号",
        "四(二)4(7)",
        "固定待遇等待期3个月",
    )
    assert str(cited) == "安医保发〔2024〕76号 §四(二)4(7) 固定待遇等待期3个月"
    both = clauses.parse_all("安医保发〔2024〕76号 §四(二)4(6); 市医保发〔2024〕73号; I-months")
    assert [c.kind for c in both] == ["clause", "document", "reading"]


def test_an_excerpt_is_bounded_and_around_the_phrase() -> None:
    text = clauses.clause_text("安医保发〔2024〕76号 §四 断保之后再次参保的", max_chars=60)
    assert len(text) <= 62
    assert "断保之后再次参保的" in text
    assert text.startswith("…")


def test_recite_for_a_file_version() -> None:
    source = "安医保发〔2025〕NN号"
    assert clauses.recite(
        "安医保发〔2024〕76号 §四(二)4(7) 固定待遇等待期3个月; I-months", source
    ) == (f"{source}; I-months")
    assert (
        clauses.recite("安医保发〔2024〕76号 (no such rule)", source) == f"{source} (no such rule)"
    )
    assert clauses.recite("test version", source) == source
