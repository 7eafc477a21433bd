"""The fold: one person's events → the person view of INTERCHANGE.md ("Projections out").

Pure: no I/O, no clock except the default ``as_of`` date. Events are filtered for audits
(``as_of``: business date; ``known_on``: recording time) and folded year by year
(:func:`policies.handler.judge_year`, which orders them as I-order says and decides each year's
region and version). Years are evaluated in ascending order because continuity, waiting
periods and incentives of a year depend on which earlier years were enrolled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from ledger.events import Event
from ledger.labels import Lang
from policies.handler import YearOutcome, attribute_claims, incentives_for, judge_year
from policies.notes import note_text
from policies.person import PersonFacts
from policies.registry import PolicyRegistry

CHINA = timezone(timedelta(hours=8), "CST")


def today_in_china() -> date:
    return datetime.now(CHINA).date()


@dataclass
class PersonView:
    """A person's projection: one :class:`~policies.handler.YearOutcome` per coverage year."""

    person_id: str
    as_of: date
    years: list[YearOutcome] = field(default_factory=list)
    explain: bool = False
    known_on: datetime | None = None
    """The AUDIT-known-on cut it was computed for (``None``: none)."""
    stored_on: datetime | None = None
    """The cut by the ledger's own clock (``stored_at``) it was computed for (``None``: none)."""

    def to_dict(self, notes: Lang = "en") -> dict[str, Any]:
        """The JSON-ready view, field names exactly as INTERCHANGE.md; the trace's notes in
        English (the contract's), or in ``notes`` for people (``ledger replay --lang zh``)."""
        return {
            "person_id": self.person_id,
            "as_of": self.as_of.isoformat(),
            "known_on": self.known_on.isoformat() if self.known_on else None,
            "stored_on": self.stored_on.isoformat() if self.stored_on else None,
            "years": [year_to_dict(y, self.explain, notes) for y in self.years],
        }


def _money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


def year_to_dict(outcome: YearOutcome, explain: bool = False, notes: Lang = "en") -> dict[str, Any]:
    version = outcome.version
    subsidy = outcome.subsidy
    cont = outcome.continuity
    view: dict[str, Any] = {
        "year": outcome.year,
        "policy": version.id if version else None,
        "policy_revision": version.revision if version else None,
        "region": outcome.region,
        "enrolled": outcome.enrolled,
        "contribution": {
            "standard": _money(subsidy.standard) if subsidy else None,
            "subsidy": _money(subsidy.subsidy) if subsidy else None,
            "subsidy_identity": subsidy.identity if subsidy else None,
            "subsidy_mode": subsidy.mode if subsidy else "none",
            "individual_due": _money(subsidy.individual_due) if subsidy else None,
            "paid": _money(outcome.paid),
            "refunded": _money(outcome.refunded),
        },
        "coverage": [
            {"start": start.isoformat(), "end": end.isoformat()} for start, end in outcome.coverage
        ],
        "waiting": outcome.waiting.to_dict(),
        "continuity": {
            "consecutive_years": cont.consecutive_years if cont and outcome.enrolled else 0,
            "break_years": cont.break_years if cont and outcome.enrolled else 0,
        },
        "critical_illness_cap": outcome.cap.to_dict(),
        "flags": sorted(outcome.flags),
        "basis": outcome.basis,
    }
    if outcome.reasons:
        view["reasons"] = {k: note_text(v, notes) for k, v in sorted(outcome.reasons.items())}
    if explain:
        view["trace"] = [
            {
                "event_id": step.event.event_id if step.event else None,
                "date": step.event.date.isoformat() if step.event else None,
                "type": step.event.type if step.event else None,
                "rule": step.rule,
                "citation": version.rule(step.rule).citation
                if version and _known_rule(version, step.rule)
                else None,
                "note": note_text(step.note, notes),
            }
            for step in outcome.steps
        ]
    return view


def _known_rule(version: Any, rule_id: str) -> bool:
    try:
        version.rule(rule_id)
    except KeyError:
        return False
    return True


def select_events(
    events: Iterable[Event],
    *,
    as_of: date | None = None,
    known_on: datetime | None = None,
    stored_on: datetime | None = None,
) -> list[Event]:
    """AUDIT-as-of: events dated on or before ``as_of``; AUDIT-known-on: events recorded on or
    before ``known_on`` (``recorded_at``, which defaults to ``stored_at``; an event read from a
    file, never stored, counts as known); ``stored_on``: events this ledger held then
    (``stored_at`` on or before it; an event never stored counts as held)."""
    if as_of is None and known_on is None and stored_on is None:
        return list(events)
    selected = []
    for event in events:
        if as_of is not None and event.date > as_of:
            continue
        if known_on is not None and event.recorded_at is not None and event.recorded_at > known_on:
            continue
        if stored_on is not None and event.stored_at is not None and event.stored_at > stored_on:
            continue
        selected.append(event)
    return selected


def project_person(
    events: Iterable[Event],
    registry: PolicyRegistry,
    *,
    as_of: date | None = None,
    known_on: datetime | None = None,
    explain: bool = False,
    person_id: str | None = None,
    stored_on: datetime | None = None,
) -> PersonView:
    """Fold one person's events through the versions of ``registry`` into their view."""
    for name, moment in (("known_on", known_on), ("stored_on", stored_on)):
        if moment is not None and moment.tzinfo is None:
            raise ValueError(f"{name} must be timezone-aware")
    chosen = select_events(events, as_of=as_of, known_on=known_on, stored_on=stored_on)
    if person_id is None:
        if not chosen:
            raise ValueError("no events to project and no person_id given")
        person_id = chosen[0].person_id
    facts = PersonFacts.from_events(person_id, chosen)
    view = PersonView(
        person_id,
        as_of or today_in_china(),
        explain=explain,
        known_on=known_on,
        stored_on=stored_on,
    )
    enrolled: set[int] = set()
    for year in facts.coverage_years():
        outcome = judge_year(registry, facts, year, enrolled)
        if outcome.enrolled:
            enrolled.add(year)
        view.years.append(outcome)
    claims = attribute_claims({outcome.year: outcome for outcome in view.years}, facts)
    for outcome in view.years:
        incentives_for(outcome, facts, enrolled, claims)
    return view
