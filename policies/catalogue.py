"""The rule book's rule ids (POLICY.md), each with what it says.

Code cites these ids; a person view's ``basis`` lists them in the order applied, and
``--explain`` pairs each with the notice and section where the version applying it states it
(:attr:`PolicyVersion.rule_citations`, read through :meth:`PolicyVersion.rule`). The catalogue
itself cites nothing: a rule stands where a notice says it, and a version with no citation for
a rule it applies is a bug that ``tests/policies/test_citations.py`` catches (POLICY.md
"Citations": never the rule book's own sections, never another region's notice).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    citation: str | None = None
    """Where the version applying the rule states it (:mod:`policies.clauses` grammar); set by
    :meth:`PolicyVersion.rule`, ``None`` in the catalogue."""


_RULES = [
    Rule("SUB-one", "one subsidy per person per year, the highest (就高不就低)"),
    Rule("SUB-cutoff", "identity recognised on or before the version's cutoff"),
    Rule("SUB-window", "subsidy only for a payment in the central window"),
    Rule("SUB-frozen", "identity change after payment keeps the subsidy granted"),
    Rule("SUB-due", "individual due = standard − subsidy; less is a partial payment"),
    Rule("SUB-mode", "subsidy deducted (资助) or reimbursed (先缴后补)"),
    Rule("GEN-outside", "payment outside every window buys no coverage"),
    Rule("EMP-stop", "employee insurance stopped: pay in the year, covered from next month"),
    Rule("EMP-bridge", "system switch with gap ≤ 3 months: no waiting period"),
    Rule("EMP-priority", "employee insurance active: resident coverage pauses (重复参保)"),
    Rule("NB-90", "newborn paid within 90 days after birth covered from birth"),
    Rule("NB-died", "a newborn who dies keeps the coverage bought within 90 days"),
    Rule("STU", "college student covered from the payment date (自缴费完成之日起)"),
    Rule("XA24-stu", "Xi'an new student covered from 2023-09-01"),
    Rule("XA24-hukou", "Xi'an subsidies only for persons with a Shaanxi hukou"),
    Rule("LATE-special", "special persons joining in the year: next month / next day"),
    Rule("ID-change", "identity change in the year takes effect from next month"),
    Rule("WAIT-fixed", "3 months' fixed waiting period (固定待遇等待期)"),
    Rule("WAIT-var", "1 month more per break year beyond the first (变动待遇等待期)"),
    Rule("WAIT-repair", "each repaid break year removes 1 variable month (缴费修复)"),
    Rule("WAIT-floor", "break of 4+ years: at least 6 months after repair"),
    Rule("WAIT-start", "waiting starts on the payment day (or 1 January)"),
    Rule("WAIT-hy25", "Huaiyuan: in-year enrolment after the waiting period"),
    Rule("INC-count", "consecutive years counted from coverage year 2025"),
    Rule("INC-cont", "5th consecutive year on: +3000 per year"),
    Rule("INC-zero", "zero-claim year: +3000 from the next year"),
    Rule("INC-reset", "using the reward clears the zero-claim bonus"),
    Rule("INC-break", "re-enrolment after a break: −3000 that year"),
    Rule("INC-cap", "bonuses together at most the ceiling"),
    Rule("REF-before", "refund only before coverage starts"),
    Rule("REF-ak22", "Ankang 2022 refund restrictions"),
    Rule("REF-wrong-region", "payment to the wrong region counts from its first date"),
    Rule("DEATH", "coverage ends on the date of death"),
    Rule("AUDIT-as-of", "only events dated on or before the audit date"),
    Rule("AUDIT-known-on", "only events recorded on or before the audit time"),
    Rule("POLICY-missing", "no policy version for the region and year"),
    Rule("EMP-lost", "resident status lost: the year's coverage ends the day before"),
    Rule("DUP-region", "contributions standing in two pooling regions (重复参保)"),
    Rule("PLACE-hukou", "参保地 must match 户籍地 or 居住证所在地"),
    Rule("INC-discharge", "a cross-year stay counts for its discharge year"),
    Rule("OVER-paid", "standing amount above the individual due: flagged"),
]

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}


def version_rule(prefix: str, kind: str, citation: str | None) -> Rule:
    """A version's own window rule, e.g. ``AK25-central`` or ``SX24-late``."""
    titles = {
        "central": "paid in the central window (集中缴费期): the whole coverage year",
        "late": "paid in the late window (补缴期)",
        "migrant": "migrant worker paying in the late window: from the day after payment",
    }
    return Rule(f"{prefix}-{kind}", titles[kind], citation)
