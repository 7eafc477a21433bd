"""The rule book's rule ids (POLICY.md), each with what it says and where it comes from.

Code cites these ids; a person view's ``basis`` lists them in the order applied, and
``--explain`` pairs each with the notice and section. Version-specific citations (the same rule
stated in several notices) live on the version (:attr:`PolicyVersion.rule_citations`); the
citation here is the rule book's own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    citation: str


_RULES = [
    Rule("SUB-one", "one subsidy per person per year, the highest (就高不就低)", "POLICY.md §2"),
    Rule("SUB-cutoff", "identity recognised on or before the version's cutoff", "POLICY.md §2"),
    Rule("SUB-window", "subsidy only for a payment in the central window", "POLICY.md §2"),
    Rule("SUB-frozen", "identity change after payment keeps the subsidy granted", "AK25 §三(一)"),
    Rule(
        "SUB-due", "individual due = standard − subsidy; less is a partial payment", "AK22 §二(四)"
    ),
    Rule("SUB-mode", "subsidy deducted (资助) or reimbursed (先缴后补)", "POLICY.md §2"),
    Rule("GEN-outside", "payment outside every window buys no coverage", "POLICY.md §3"),
    Rule(
        "EMP-stop",
        "employee insurance stopped: pay in the year, covered from next month",
        "POLICY.md §4",
    ),
    Rule("EMP-bridge", "system switch with gap ≤ 3 months: no waiting period", "AK25 §五(六)"),
    Rule(
        "EMP-priority",
        "employee insurance active: resident coverage pauses (重复参保)",
        "SX24 §六(三), AK25 §五(三), AK22 §八(三)",
    ),
    Rule("NB-90", "newborn paid within 90 days after birth covered from birth", "POLICY.md §4"),
    Rule(
        "NB-died",
        "a newborn who dies keeps the coverage bought within 90 days",
        "SX24; AK25 §四(二)2(3)",
    ),
    Rule("STU", "college student covered from the payment date (自缴费完成之日起)", "POLICY.md §4"),
    Rule("XA24-stu", "Xi'an new student covered from 2023-09-01", "市医保发〔2023〕57号 §三"),
    Rule(
        "LATE-special",
        "special persons joining in the year: next month / next day",
        "POLICY.md §4; HY25 §三(二)",
    ),
    Rule(
        "ID-change",
        "identity change in the year takes effect from next month",
        "AK22 §五(三)3, SX24 §五(二)4(3), AK25 §四(二)4(3)",
    ),
    Rule("WAIT-fixed", "3 months' fixed waiting period (固定待遇等待期)", "AK25 §四(二)4(7)"),
    Rule(
        "WAIT-var",
        "1 month more per break year beyond the first (变动待遇等待期)",
        "AK25 §四(二)4(7)",
    ),
    Rule(
        "WAIT-repair",
        "each repaid break year removes 1 variable month (缴费修复)",
        "AK25 §四(二)4(7)",
    ),
    Rule("WAIT-floor", "break of 4+ years: at least 6 months after repair", "AK25 §四(二)4(7)"),
    Rule("WAIT-start", "waiting starts on the payment day (or 1 January)", "AK25 §四(二)4(7)"),
    Rule("WAIT-hy25", "Huaiyuan: in-year enrolment after the waiting period", "国办发〔2024〕38号"),
    Rule("INC-count", "consecutive years counted from coverage year 2025", "AK25 §四(二)4(6)"),
    Rule("INC-cont", "5th consecutive year on: +3000 per year", "AK25 §四(二)4(6)"),
    Rule("INC-zero", "zero-claim year: +3000 from the next year", "AK25 §四(二)4(6)"),
    Rule("INC-reset", "using the reward clears the zero-claim bonus", "AK25 §四(二)4(6)"),
    Rule("INC-break", "re-enrolment after a break: −3000 that year", "AK25 §四(二)4(6)"),
    Rule("INC-cap", "bonuses together at most the ceiling", "市医保发〔2024〕73号"),
    Rule("REF-before", "refund only before coverage starts", "AK25 §五(四), SX24 §六(四)"),
    Rule("REF-ak22", "Ankang 2022 refund restrictions", "AK22 §八(三)(五)"),
    Rule(
        "REF-wrong-region", "payment to the wrong region counts from its first date", "AK22 §八(三)"
    ),
    Rule("DEATH", "coverage ends on the date of death", "POLICY.md §8"),
    Rule("AUDIT-as-of", "only events dated on or before the audit date", "INTERCHANGE.md"),
    Rule("AUDIT-known-on", "only events recorded on or before the audit time", "INTERCHANGE.md"),
    Rule("POLICY-missing", "no policy version for the region and year", "POLICY.md §1"),
    Rule(
        "EMP-lost", "resident status lost: the year's coverage ends the day before", "AK22 §八(五)"
    ),
    Rule("DUP-region", "contributions standing in two pooling regions (重复参保)", "AK25 §五(三)"),
    Rule("PLACE-hukou", "参保地 must match 户籍地 or 居住证所在地", "AK25 §五(一)2"),
    Rule("INC-discharge", "a cross-year stay counts for its discharge year", "AK25 §五(五)"),
    Rule("OVER-paid", "standing amount above the individual due: flagged", "I-overpaid"),
]

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}


def version_rule(prefix: str, kind: str, citation: str) -> Rule:
    """A version's own window rule, e.g. ``AK25-central`` or ``SX24-late``."""
    titles = {
        "central": "paid in the central window (集中缴费期): the whole coverage year",
        "late": "paid in the late window (补缴期)",
        "migrant": "migrant worker paying in the late window: from the day after payment",
    }
    return Rule(f"{prefix}-{kind}", titles[kind], citation)
