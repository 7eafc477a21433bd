"""The report model (审计报告): one person's events, folded for one cut, laid out for a reader.

:func:`build_report` folds the person's events (:func:`projections.person.project_person`,
with the trace) and gathers what the page shows: the header (masked ID, region and its name,
the cut, the versions used, when it was made), every event in the cut with its fields in
Chinese, per coverage year the view's figures and flags, and for every decision its rule, the
notice and section, and the clause's own text (:mod:`policies.clauses`). Pure: no I/O, no
clock unless ``made_at`` is left out. ID numbers are masked here, once, for every text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from ledger import labels as L
from ledger.events import Event, event_to_record
from ledger.labels import Label, Lang
from ledger.person_id import mask, mask_ids_in
from ledger.regions import region_label
from policies import clauses
from policies import labels as P
from policies.handler import YearOutcome
from policies.person import PersonFacts
from policies.registry import PolicyRegistry
from policies.version import PolicyVersion
from projections.person import CHINA, year_to_dict
from projections.replay import Cut
from projections.report.labels import UI, PageWording

# ------------------------------------------------------------------ the cut


def cut_rows(cut: Cut) -> list[tuple[Label, str]]:
    """The cut (截取条件) as label/value rows for the header; none for no cut."""
    rows = []
    if cut.as_of is not None:
        rows.append((L.FIELDS["as_of"], cut.as_of.isoformat()))
    if cut.known_on is not None:
        rows.append((L.FIELDS["known_on"], cut.known_on.isoformat()))
    if cut.stored_on is not None:
        rows.append((L.FIELDS["stored_on"], cut.stored_on.isoformat()))
    return rows


def events_in_cut(events: Iterable[Event], cut: Cut) -> list[Event]:
    """The events a cut keeps (AUDIT-as-of, AUDIT-known-on, AUDIT-stored-on), as the fold
    selects them."""
    return cut.select(events)


# ------------------------------------------------------------------ clauses


@dataclass(frozen=True)
class CitedClause:
    """One citation of a decision and what it leads to (条款原文)."""

    citation: str
    status: str
    """``text``, ``reading``, ``not_in_sources``, ``no_such_rule``, ``no_source`` (from
    :mod:`policies.clauses`), ``file_source`` (the source a parameter file names for its
    version: not in the sources), or ``unknown`` for a citation that leads nowhere."""
    document: str | None
    """The document's number and title, e.g. ``安医保发〔2024〕76号《关于做好…的通知》``."""
    section: str | None
    text: str | None
    """The clause's full text (its section with subsections), or the reading's definition."""
    excerpt: str | None
    """At most :data:`EXCERPT_CHARS` of the text around the cited phrase."""
    problem: str | None = None
    phrase: str | None = None
    """The words the citation quotes from its section, when it quotes some."""

    @property
    def excerpt_parts(self) -> tuple[str, str, str] | None:
        """The excerpt split around the quoted phrase (before, phrase, after), to mark it;
        ``None`` when the phrase is not in the excerpt word for word."""
        if not self.excerpt or not self.phrase or self.phrase not in self.excerpt:
            return None
        before, _, after = self.excerpt.partition(self.phrase)
        return before, self.phrase, after

    @property
    def anchor(self) -> str:
        """A stable HTML id for the clause's full text in the report."""
        return "clause-" + hashlib.sha1(self.citation.encode()).hexdigest()[:10]

    @property
    def status_label(self) -> Label:
        return {
            "text": L.FIELDS["clause"],
            "reading": UI["reading"],
            "not_in_sources": UI["text_not_in_sources"],
            "no_such_rule": UI["no_such_rule"],
            "no_source": UI["no_source"],
            "file_source": UI["file_source"],
        }.get(self.status, UI["unknown_citation"])


EXCERPT_CHARS = 240


@cache
def cite(citation: str, own_sources: tuple[str, ...] = ()) -> tuple[CitedClause, ...]:
    """Every part of a ``"; "``-joined citation with its clause text (cached: few distinct
    citations, many decisions). ``own_sources`` are the citing version's documents: a
    version added from a parameter file cites its own source (``recite``), a document the
    sources do not hold (``file_source``)."""
    found = []
    for part in citation.split(clauses.SEPARATOR):
        part = part.strip()
        if not part:
            continue
        try:
            clause = clauses.lookup(part)
        except clauses.ClauseError as exc:
            document = part.removesuffix(clauses.NO_SUCH_RULE).strip()
            if document in own_sources:
                status = "no_such_rule" if part != document else "file_source"
                found.append(CitedClause(part, status, document, None, None, None))
            else:
                found.append(CitedClause(part, "unknown", None, None, None, None, str(exc)))
            continue
        cited = clause.citation
        found.append(
            CitedClause(
                citation=part,
                status=clause.status,
                document=_document_name(cited.document),
                section=cited.section,
                text=clause.text,
                excerpt=clause.excerpt(EXCERPT_CHARS),
                phrase=cited.phrase,
            )
        )
    return tuple(found)


def _document_name(name: str | None) -> str | None:
    """The cited document as a reader knows it: 《title》 and its date (the citation itself
    already names its number)."""
    if name is None:
        return None
    doc = clauses.document(name)
    title = f"《{doc.title}》" if doc.title else doc.id
    return f"{title}（{doc.date}）" if doc.date else title


# ------------------------------------------------------------------ events


@dataclass(frozen=True)
class EventLine:
    """One event as the report shows it (ID numbers masked)."""

    number: int
    """Its number on the timeline (1 = earliest in business order)."""
    key: str = field(repr=False)
    """The raw event id, to match events across cuts; never shown (``event_id`` is)."""
    event_id: str
    date: date
    type: str
    label: Label
    details: tuple[tuple[Label, str], ...]
    recorded_at: str | None
    stored_at: str | None
    year: int | None = None
    """The coverage year a payment or refund is for, or a claim's year."""
    summary: str = ""
    """One line in the page's language: type and the main details."""


_DETAIL_FIELDS = (
    "region",
    "hukou_region",
    "birth_date",
    "guardian_id",
    "coverage_year",
    "amount",
    "purpose",
    "reason",
    "late_reason",
    "identity",
    "recognized_on",
    "year",
    "fund_amount",
    "critical_illness_amount",
    "reward_used",
    "admitted_on",
    "discharged_on",
    "receipt_id",
    "channel",
)


def _detail_value(event_type: str, key: str, value: Any, say: PageWording) -> str:
    if key in ("region", "hukou_region"):
        return region_text(str(value))
    if key in ("amount", "fund_amount", "critical_illness_amount"):
        return say.money(Decimal(str(value)))
    if key == "identity":
        return say(L.IDENTITIES[str(value)])
    if key == "purpose":
        return say(L.PURPOSES[str(value)])
    if key == "reason":
        table = L.REFUND_REASONS if event_type == "refunded" else L.STATUS_LOSS_REASONS
        return say(table[str(value)])
    if key == "late_reason":
        return say(L.LATE_REASONS[str(value)])
    if key == "reward_used":
        return say.yes_no(bool(value))
    if key in ("coverage_year", "year"):
        return say.year(value)
    return mask_ids_in(str(value))


def _china(moment: datetime | None) -> str | None:
    """A moment in China Standard Time, to the second (both clocks read alike)."""
    return moment.astimezone(CHINA).isoformat(timespec="seconds") if moment else None


def event_line(number: int, event: Event, lang: Lang = "zh") -> EventLine:
    """The event as the report shows it, in ``lang``; ``stored_at`` is the ledger's (None
    from a file never stored)."""
    say = PageWording(lang)
    stored_at = event.stored_at
    record = event_to_record(event)
    details = []
    for key in _DETAIL_FIELDS:
        if key not in record or (key == "purpose" and record[key] == "contribution"):
            continue
        label = L.FIELDS["year"] if key == "year" else L.FIELDS[key]
        details.append((label, _detail_value(event.type, key, record[key], say)))
    kind = L.EVENT_TYPES[event.type]
    summary = say.phrase([say(kind)] + [f"{say(k)} {v}" for k, v in details])
    return EventLine(
        number=number,
        key=event.event_id,
        event_id=mask_ids_in(event.event_id),
        date=event.date,
        type=event.type,
        label=kind,
        details=tuple(details),
        recorded_at=_china(event.recorded_at),
        stored_at=_china(stored_at),
        year=record.get("coverage_year", record.get("year")),
        summary=summary,
    )


# ------------------------------------------------------------------ years


@dataclass(frozen=True)
class Decision:
    """One step of a year's trace: the rule applied, the event behind it, the clause."""

    rule: str
    label: Label
    event: EventLine | None
    note: str
    citation: str | None
    clauses: tuple[CitedClause, ...]


@dataclass(frozen=True)
class Row:
    key: str
    label: Label
    value: str


Groups = tuple[tuple[Label, tuple[Row, ...]], ...]
"""Titled groups of rows (参保, 缴费, 待遇, 等待期, 连续参保, 大病保险)."""


@dataclass(frozen=True)
class FlagLine:
    code: str
    label: L.FlagLabel
    reason: str | None


@dataclass(frozen=True)
class YearReport:
    """One coverage year: the view's figures in Chinese, its flags and its decisions."""

    year: int
    view: dict[str, Any]
    """The year of the person view (``year_to_dict`` with the trace)."""
    version: PolicyVersion | None
    groups: Groups
    flags: tuple[FlagLine, ...]
    decisions: tuple[Decision, ...]
    coverage: tuple[tuple[date, date], ...]
    waiting: tuple[date, date] | None
    """The waiting period's first and last day, when one delays the coverage."""
    break_years: tuple[int, ...]

    @property
    def enrolled(self) -> bool:
        return bool(self.view["enrolled"])


def money(value: Decimal | str | None, lang: Lang = "zh") -> str:
    """An amount with its unit (``400.00 元``; ``—`` for none)."""
    return PageWording(lang).money(value)


def region_text(code: str | None) -> str:
    """``610902 汉滨区``: the code with its name (the code alone when it has none)."""
    return region_label(code) if code else "—"


def _overpaid(view: dict[str, Any], say: PageWording) -> str:
    c = view["contribution"]
    if "overpaid" in c:
        return say.money(c["overpaid"])
    if "overpaid" not in view["flags"] or c["individual_due"] is None:
        return say.money(Decimal("0"))
    standing = Decimal(c["paid"]) - Decimal(c["refunded"]) - Decimal(c["individual_due"])
    return say.money(max(standing, Decimal("0")))


def _groups(view: dict[str, Any], outcome: YearOutcome, say: PageWording) -> Groups:
    F = L.FIELDS
    c = view["contribution"]
    version = outcome.version
    none = say.ui("none")
    money = say.money
    months = say.months

    def row(key: str, value: str) -> Row:
        return Row(key, F[key], value)

    identity = c["subsidy_identity"]
    enrolment = (
        row(
            "policy",
            say.revision(version.id, version.revision) if version else say.ui("not_computed"),
        ),
        row("source", version.source if version else "—"),
        row("region", region_text(view["region"])),
        row("enrolled", say.yes_no(bool(view["enrolled"]))),
    )
    contribution = (
        row("standard", money(c["standard"])),
        row("subsidy", money(c["subsidy"])),
        row("subsidy_identity", say(L.IDENTITIES[identity]) if identity else none),
        row("subsidy_mode", say(L.SUBSIDY_MODES[c["subsidy_mode"]])),
        row("individual_due", money(c["individual_due"])),
        row("paid", money(c["paid"])),
        row("refunded", money(c["refunded"])),
        row("overpaid", _overpaid(view, say)),
    )
    segments = say.sentence(say.span(s["start"], s["end"]) for s in view["coverage"])
    w = view["waiting"]
    waiting_span = _waiting_span(outcome)
    cover = (row("coverage", segments or none),)
    waiting = (
        row("fixed_months", months(w["fixed_months"])),
        row("variable_months", months(w["variable_months"])),
        row("repaired_months", months(w["repaired_months"])),
        row("total_months", months(w["total_months"])),
        row("waiting_from", say.span(*waiting_span) if waiting_span else none),
    )
    cont = view["continuity"]
    breaks = _break_years(outcome)
    continuity = (
        row("consecutive_years", say.years(cont["consecutive_years"])),
        row("break_years", say.years(cont["break_years"])),
        row("break_year_list", say.join(say.year(y) for y in breaks) or none),
    )
    cap = view["critical_illness_cap"]
    incentives = (
        row("continuity_bonus", money(cap["continuity_bonus"])),
        row("zero_claim_bonus", money(cap["zero_claim_bonus"])),
        row("break_penalty", money(cap["break_penalty"])),
        row("net_adjustment", money(cap["net_adjustment"])),
        row("bonus_ceiling", money(cap["bonus_ceiling"])),
    )
    return (
        (F["enrolled"], enrolment),
        (F["contribution"], contribution),
        (F["coverage"], cover),
        (F["waiting"], waiting),
        (F["continuity"], continuity),
        (F["critical_illness_cap"], incentives),
    )


def _waiting_span(outcome: YearOutcome) -> tuple[date, date] | None:
    waiting = outcome.waiting
    if not outcome.enrolled or waiting.total_months <= 0:
        return None
    if waiting.starts_on is None or waiting.coverage_start is None:
        return None
    last = date.fromordinal(waiting.coverage_start.toordinal() - 1)
    return (waiting.starts_on, last) if last >= waiting.starts_on else None


def _break_years(outcome: YearOutcome) -> tuple[int, ...]:
    cont = outcome.continuity
    if cont is None or not outcome.enrolled:
        return ()
    return tuple(sorted(cont.break_year_list))


def _year_report(
    outcome: YearOutcome,
    numbers: Mapping[str, EventLine],
    lines_of: dict[int, EventLine],
    say: PageWording,
) -> YearReport:
    view = year_to_dict(outcome, explain=True, notes=say.lang)
    decisions = []
    for step, traced in zip(outcome.steps, view["trace"], strict=True):
        line = numbers.get(step.event.event_id) if step.event is not None else None
        if line is None and step.event is not None:
            # An event the fold used that is not among the person's listed events (the
            # REF-wrong-region copy of a payment): shown by itself.
            line = lines_of.setdefault(id(step.event), event_line(0, step.event, say.lang))
        citation = traced["citation"]
        decisions.append(
            Decision(
                rule=step.rule,
                label=P.rule_label(step.rule),
                event=line,
                note=mask_ids_in(traced["note"]),
                citation=citation,
                clauses=cite(citation, outcome.version.sources if outcome.version else ())
                if citation
                else (),
            )
        )
    reasons = view.get("reasons", {})
    flags = tuple(
        FlagLine(code, L.FLAGS[code], mask_ids_in(reasons[code]) if code in reasons else None)
        for code in view["flags"]
    )
    return YearReport(
        year=outcome.year,
        view=view,
        version=outcome.version,
        groups=_groups(view, outcome, say),
        flags=flags,
        decisions=tuple(decisions),
        coverage=tuple(outcome.coverage),
        waiting=_waiting_span(outcome),
        break_years=_break_years(outcome),
    )


# ------------------------------------------------------------------ the report


@dataclass(frozen=True)
class VersionUsed:
    id: str
    revision: int
    source: str
    region: str
    coverage_year: int
    extends: str | None


@dataclass(frozen=True)
class Span:
    """Something held over days, drawn as a bar: an identity (身份) or employee insurance
    (职工医保); ``end`` is ``None`` while it lasts."""

    kind: str
    """``identity`` or ``employee``."""
    label: Label
    start: date | None
    """``None``: started before anything on record (a stop with no recorded start)."""
    end: date | None


@dataclass(frozen=True)
class Report:
    """Everything the auditor's page shows, for one person and one cut."""

    person: str
    """The person id, masked."""
    region: str | None
    """The person's region on the last day the report looks at."""
    cut: Cut
    made_at: datetime
    policies_file: str | None
    versions: tuple[VersionUsed, ...]
    events: tuple[EventLine, ...]
    """The events in the cut, numbered in business order among all the person's events."""
    left_out: int
    """How many of the person's events the cut leaves out."""
    years: tuple[YearReport, ...]
    spans: tuple[Span, ...]
    view: dict[str, Any] = field(repr=False)
    """The whole person view (``PersonView.to_dict()``, with the trace)."""
    lang: Lang = "zh"
    """The page's language: its words, amounts and dates in it, the other language's term in
    small type beside each heading."""

    @property
    def say(self) -> PageWording:
        return PageWording(self.lang)

    @property
    def clauses(self) -> tuple[CitedClause, ...]:
        """Every distinct citation of the report, in order of first use."""
        seen: dict[str, CitedClause] = {}
        for year in self.years:
            for decision in year.decisions:
                for clause in decision.clauses:
                    seen.setdefault(clause.citation, clause)
        return tuple(seen.values())

    @property
    def cut_rows(self) -> list[tuple[Label, str]]:
        return cut_rows(self.cut)

    @property
    def region_text(self) -> str:
        return region_text(self.region)

    def version_text(self, version: VersionUsed) -> str:
        """A version used, with its revision: ``ankang-2025 第2版``."""
        return self.say.revision(version.id, version.revision)

    @property
    def first_day(self) -> date:
        days = [e.date for e in self.events]
        for year in self.years:
            days.append(date(year.year, 1, 1))
            days.extend(s for s, _ in year.coverage)
            days.extend(date(b, 1, 1) for b in year.break_years)
        return min(days) if days else date(self.made_at.year, 1, 1)

    @property
    def last_day(self) -> date:
        days = [e.date for e in self.events]
        for year in self.years:
            days.append(date(year.year, 12, 31))
        return max(days) if days else date(self.made_at.year, 12, 31)


def build_report(
    person_id: str,
    events: Sequence[Event],
    registry: PolicyRegistry,
    *,
    cut: Cut | None = None,
    made_at: datetime | None = None,
    policies_file: str | None = None,
    lang: Lang = "zh",
) -> Report:
    """The report of ``person_id`` from all of their ``events`` (the cut is applied here),
    in ``lang`` (Chinese by default); ``made_at`` defaults to now in China Standard Time."""
    say = PageWording(lang)
    cut = cut or Cut()
    for name in ("known_on", "stored_on"):
        moment = getattr(cut, name)
        if moment is not None and moment.tzinfo is None:
            raise ValueError(f"{name} must be timezone-aware")
    chosen = events_in_cut(events, cut)
    view = cut.fold(person_id, chosen, registry, explain=True)
    # Numbered in business order among all the person's events (ties by id), so an event has
    # the same number in every cut of a comparison; a cut's gaps show what it left out.
    ordered = sorted(events, key=lambda e: (e.date, e.recorded_at or _EARLIEST, e.event_id))
    number_of = {e.event_id: n for n, e in enumerate(ordered, start=1)}
    kept = sorted(chosen, key=lambda e: number_of[e.event_id])
    lines = [event_line(number_of[e.event_id], e, lang) for e in kept]
    numbers = {line.key: line for line in lines}
    extra: dict[int, EventLine] = {}
    years = tuple(_year_report(outcome, numbers, extra, say) for outcome in view.years)
    versions: dict[tuple[str, int], VersionUsed] = {}
    for outcome in view.years:
        v = outcome.version
        if v is not None:
            versions.setdefault(
                (v.id, v.revision),
                VersionUsed(v.id, v.revision, v.source, v.region, v.coverage_year, v.extends),
            )
    facts = PersonFacts.from_events(person_id, chosen)
    spans = [
        Span("identity", L.IDENTITIES[s.identity], s.granted.date, _day_before(s.revoked_on))
        for s in sorted(facts.identities, key=lambda s: (s.granted.date, s.identity))
    ] + [
        Span("employee", L.EVENT_TYPES["employee_insurance_started"], _known(s.start), s.stop)
        for s in facts.employee
    ]
    last = cut.as_of or (max(e.date for e in chosen) if chosen else None)
    region = _region_on(chosen, last) if last else None
    return Report(
        person=mask(person_id),
        region=region,
        cut=cut,
        made_at=made_at or datetime.now(CHINA),
        policies_file=policies_file,
        versions=tuple(versions.values()),
        events=tuple(lines),
        left_out=len(events) - len(chosen),
        years=years,
        spans=tuple(spans),
        view=view.to_dict(),
        lang=lang,
    )


_EARLIEST = datetime.min.replace(tzinfo=CHINA)


def _day_before(day: date | None) -> date | None:
    return None if day is None else date.fromordinal(day.toordinal() - 1)


def _known(day: date) -> date | None:
    return None if day == date.min else day


def _region_on(events: Iterable[Event], day: date) -> str | None:
    region = None
    for event in sorted(events, key=lambda e: e.date):
        code = getattr(event, "region", None)
        registers = event.type in ("registered", "born", "region_changed") and code
        if registers and (event.date <= day or region is None):
            region = code
    return region


__all__ = [
    "EXCERPT_CHARS",
    "CitedClause",
    "Cut",
    "Decision",
    "EventLine",
    "FlagLine",
    "Report",
    "Row",
    "Span",
    "VersionUsed",
    "YearReport",
    "build_report",
    "cite",
    "cut_rows",
    "event_line",
    "events_in_cut",
    "money",
    "region_text",
]
