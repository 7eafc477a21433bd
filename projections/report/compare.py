"""Two cuts side by side (两个截取条件对比): what changed in each year, and why.

The auditor's questions: "why did this person's cover change after the late-recorded refund"
(``--compare-known-on``), "what did the ledger hold then" (``--compare-stored-on``), "what
was in effect" (``--compare-as-of``), "what does the revised reading do to this person"
(``--compare-policies``). :func:`compare_reports` lines up the years of two reports of the same
person, field by field, and traces each changed year to its causes:

- the events in one cut and not the other that bear on the year (a payment or refund for it, a
  claim of it or of the year before, an event a decision of the year rests on, or an event
  about the person — identity, employee insurance, region, death — dated in the year or the
  year before);
- earlier years whose enrolment changed (breaks, waiting periods and incentives depend on them);
- the policy version, and each parameter whose value differs between the two versions used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger import labels as L
from ledger.labels import Label
from policies import labels as P
from policies.describe import diff_versions
from policies.version import PolicyVersion
from projections.report.labels import UI, PageWording
from projections.report.model import EventLine, Report, YearReport


@dataclass(frozen=True)
class Side:
    """One of the two reports, with what sets it apart (its cut or parameter file)."""

    label: Label
    description: str
    report: Report


@dataclass(frozen=True)
class FieldChange:
    key: str
    label: Label
    a: str
    b: str

    @property
    def changed(self) -> bool:
        return self.a != self.b


@dataclass(frozen=True)
class Cause:
    """Why a year changed: an event in one cut only, an earlier year, a version or parameter."""

    kind: str
    """``event_a`` / ``event_b`` (in that side only), ``earlier_year``, ``version``,
    ``parameter``."""
    label: Label
    text: str
    detail: str | None = None


@dataclass(frozen=True)
class YearComparison:
    year: int
    rows: tuple[FieldChange, ...]
    causes: tuple[Cause, ...]
    in_a: bool
    in_b: bool

    @property
    def changed(self) -> bool:
        return any(row.changed for row in self.rows)

    @property
    def changes(self) -> tuple[FieldChange, ...]:
        return tuple(row for row in self.rows if row.changed)


@dataclass(frozen=True)
class Comparison:
    a: Side
    b: Side
    years: tuple[YearComparison, ...]
    only_in_a: tuple[EventLine, ...]
    only_in_b: tuple[EventLine, ...]

    @property
    def person(self) -> str:
        return self.a.report.person


def _rows(year: YearReport | None, say: PageWording) -> dict[str, tuple[Label, str]]:
    if year is None:
        return {}
    rows = {row.key: (row.label, row.value) for _, group in year.groups for row in group}
    flags = say.join(say(f.label) for f in year.flags) or say.ui("none")
    rows["flags"] = (L.FIELDS["flags"], flags)
    basis = say.join(f"{d.rule} {say(d.label)}" for d in _basis(year)) or say.ui("none")
    rows["basis"] = (L.FIELDS["basis"], basis)
    return rows


def _basis(year: YearReport) -> list[Any]:
    seen: dict[str, Any] = {}
    for decision in year.decisions:
        if decision.rule in year.view["basis"]:
            seen.setdefault(decision.rule, decision)
    return list(seen.values())


def _field_changes(
    a: YearReport | None, b: YearReport | None, say: PageWording
) -> tuple[FieldChange, ...]:
    ra, rb = _rows(a, say), _rows(b, say)
    absent = say.ui("year_absent")
    keys = list(ra) + [k for k in rb if k not in ra]
    return tuple(
        FieldChange(
            key,
            (ra.get(key) or rb[key])[0],
            ra[key][1] if key in ra else absent,
            rb[key][1] if key in rb else absent,
        )
        for key in keys
    )


def _decision_events(year: YearReport | None) -> set[str]:
    if year is None:
        return set()
    return {d.event.key for d in year.decisions if d.event is not None}


def _bears_on(line: EventLine, year: int, decided: set[str]) -> bool:
    if line.key in decided:
        return True
    if line.type in ("paid", "refunded"):
        return line.year == year
    if line.type == "reimbursed":
        return line.year in (year, year - 1)
    return line.date.year in (year, year - 1)  # the types without a year: by their date


def _event_cause(line: EventLine, side: str, say: PageWording) -> Cause:
    label = UI["only_in_a"] if side == "a" else UI["only_in_b"]
    when = []
    if line.recorded_at:
        when.append(f"{say(L.FIELDS['recorded_at'])} {line.recorded_at}")
    if line.stored_at:
        when.append(f"{say(L.FIELDS['stored_at'])} {line.stored_at}")
    return Cause(
        f"event_{side}",
        label,
        f"#{line.number} {line.date} {line.summary}",
        say.sentence(when) or None,
    )


def _side_word(side: str, say: PageWording) -> str:
    return say(UI["only_in_a"] if side == "a" else UI["only_in_b"])


def _version_causes(a: YearReport | None, b: YearReport | None, say: PageWording) -> list[Cause]:
    """The version used, when it differs, and every parameter whose value differs (a
    corrected reading shipped as a new revision changes the parameters, not the id)."""
    va = a.version if a else None
    vb = b.version if b else None
    causes = []
    key_a = (va.id, va.revision) if va else None
    key_b = (vb.id, vb.revision) if vb else None
    if key_a != key_b:
        causes.append(
            Cause(
                "version",
                L.FIELDS["policy"],
                f"{_version_name(va, say)} → {_version_name(vb, say)}",
            )
        )
    if va is not None and vb is not None:
        causes.extend(_parameter_causes(va, vb, say))
    return causes


def _version_name(version: PolicyVersion | None, say: PageWording) -> str:
    if version is None:
        return say.ui("not_computed")
    return say.revision(version.id, version.revision)


def _parameter_causes(va: PolicyVersion, vb: PolicyVersion, say: PageWording) -> list[Cause]:
    """Each parameter (or mapping key: ``subsidies.dibao``) whose value differs, from
    :func:`policies.describe.diff_versions`, named in the page's language (Chinese: the
    notices' name; English: the parameter files' key), with the new value's citation."""
    absent = say.ui("none")
    causes = []
    for d in diff_versions(va, vb):
        key = d.name.partition(".")[0]
        name = P.parameter_name(d.name, say.lang)
        before = _value(d.a) if d.present_in_a else absent
        after = _value(d.b) if d.present_in_b else absent
        citation = vb.citations.get(key, "")
        causes.append(
            Cause(
                "parameter",
                UI["parameters"],
                f"{name}{say.colon}{before} → {after}",
                f"{d.name}; {citation}".rstrip("; "),
            )
        )
    return causes


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return "—" if value is None else str(value)


def compare_reports(a: Side, b: Side) -> Comparison:
    """The two sides' years side by side, each changed year with its causes (in the
    language of ``b``'s report)."""
    ra, rb = a.report, b.report
    say = rb.say
    keys_a = {line.key for line in ra.events}
    keys_b = {line.key for line in rb.events}
    only_a = tuple(line for line in ra.events if line.key not in keys_b)
    only_b = tuple(line for line in rb.events if line.key not in keys_a)
    years_a = {y.year: y for y in ra.years}
    years_b = {y.year: y for y in rb.years}
    enrolled_a = {y for y, r in years_a.items() if r.enrolled}
    enrolled_b = {y for y, r in years_b.items() if r.enrolled}
    compared = []
    for year in sorted(set(years_a) | set(years_b)):
        ya, yb = years_a.get(year), years_b.get(year)
        rows = _field_changes(ya, yb, say)
        causes: list[Cause] = []
        if any(row.changed for row in rows):
            decided = _decision_events(ya) | _decision_events(yb)
            causes.extend(
                _event_cause(line, "a", say) for line in only_a if _bears_on(line, year, decided)
            )
            causes.extend(
                _event_cause(line, "b", say) for line in only_b if _bears_on(line, year, decided)
            )
            for earlier in sorted((enrolled_a ^ enrolled_b) & set(range(0, year))):
                # The events behind the earlier year's change, so the chain is traced whole.
                behind = _decision_events(years_a.get(earlier)) | _decision_events(
                    years_b.get(earlier)
                )
                events = [
                    f"{_side_word(side, say)} #{line.number} {line.date} {line.summary}"
                    for side, lines in (("a", only_a), ("b", only_b))
                    for line in lines
                    if _bears_on(line, earlier, behind)
                ]
                causes.append(
                    Cause(
                        "earlier_year",
                        UI["earlier_year"],
                        f"{say.ui('year_heading', year=earlier)} "
                        f"{say(L.FIELDS['enrolled'])}{say.colon}"
                        f"{say.yes_no(earlier in enrolled_a)} → "
                        f"{say.yes_no(earlier in enrolled_b)}",
                        say.sentence(events) or None,
                    )
                )
            causes.extend(_version_causes(ya, yb, say))
        compared.append(
            YearComparison(year, rows, tuple(causes), in_a=ya is not None, in_b=yb is not None)
        )
    return Comparison(a, b, tuple(compared), only_a, only_b)


__all__ = [
    "Cause",
    "Comparison",
    "FieldChange",
    "Side",
    "YearComparison",
    "compare_reports",
]
