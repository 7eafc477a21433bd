"""What the rules read of a person: the facts of their events, laid out on a timeline.

Built once per fold from the person's events in business order (date, then recording time);
pure data, no policy judgement. Rules ask questions of it ("which identities were held on this
day", "was employee insurance active in that year").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from ledger.events import (
    Born,
    Died,
    EmployeeInsuranceStarted,
    EmployeeInsuranceStopped,
    Event,
    IdentityGranted,
    IdentityRevoked,
    Paid,
    Refunded,
    RegionChanged,
    Registered,
    Reimbursed,
    sort_key,
)
from policies.calendar import year_end, year_start


@dataclass(frozen=True)
class IdentitySpan:
    """An identity (身份) held from ``granted.date`` until ``revoked_on`` (exclusive)."""

    identity: str
    granted: IdentityGranted
    revoked_on: date | None = None
    revoked_by: IdentityRevoked | None = None

    @property
    def recognized_on(self) -> date:
        return self.granted.recognized

    def held_on(self, day: date) -> bool:
        return self.granted.date <= day and (self.revoked_on is None or day < self.revoked_on)


@dataclass(frozen=True)
class EmployeeSpan:
    """Employee insurance (职工医保) active from ``start`` to ``stop`` inclusive (open when
    ``stop`` is ``None``)."""

    start: date
    stop: date | None
    started_by: EmployeeInsuranceStarted | None
    stopped_by: EmployeeInsuranceStopped | None

    def overlaps(self, first: date, last: date) -> bool:
        return self.start <= last and (self.stop is None or self.stop >= first)


@dataclass
class PersonFacts:
    person_id: str
    events: list[Event]
    """All events the fold considers, in business order."""
    birth_date: date | None = None
    born: Born | None = None
    """The ``born`` event when the person was registered as a newborn (新生儿)."""
    regions: list[tuple[date, str]] = field(default_factory=list)
    identities: list[IdentitySpan] = field(default_factory=list)
    employee: list[EmployeeSpan] = field(default_factory=list)
    died: Died | None = None
    contributions: dict[int, list[Paid]] = field(default_factory=lambda: defaultdict(list))
    repairs: dict[int, list[Paid]] = field(default_factory=lambda: defaultdict(list))
    refunds: dict[int, list[Refunded]] = field(default_factory=lambda: defaultdict(list))
    claims: dict[int, list[Reimbursed]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def from_events(cls, person_id: str, events: Iterable[Event]) -> PersonFacts:
        ordered = sorted(events, key=sort_key)
        facts = cls(person_id=person_id, events=ordered)
        open_identities: dict[str, IdentityGranted] = {}
        employee_since: EmployeeInsuranceStarted | None = None
        for event in ordered:
            if isinstance(event, Registered):
                facts.birth_date = facts.birth_date or event.birth_date
                facts.regions.append((event.date, event.region))
            elif isinstance(event, Born):
                facts.born = event
                facts.birth_date = event.date
                facts.regions.append((event.date, event.region))
            elif isinstance(event, RegionChanged):
                facts.regions.append((event.date, event.region))
            elif isinstance(event, IdentityGranted):
                # A second grant of an identity already held changes nothing.
                open_identities.setdefault(event.identity, event)
            elif isinstance(event, IdentityRevoked):
                granted = open_identities.pop(event.identity, None)
                if granted is not None:
                    facts.identities.append(
                        IdentitySpan(event.identity, granted, event.date, event)
                    )
            elif isinstance(event, EmployeeInsuranceStarted):
                employee_since = employee_since or event
            elif isinstance(event, EmployeeInsuranceStopped):
                if employee_since is not None:
                    facts.employee.append(
                        EmployeeSpan(employee_since.date, event.date, employee_since, event)
                    )
                    employee_since = None
                else:
                    # Stopped with no recorded start: active until the stop, as far as we know.
                    facts.employee.append(EmployeeSpan(date.min, event.date, None, event))
            elif isinstance(event, Died):
                facts.died = facts.died or event
            elif isinstance(event, Paid):
                target = facts.repairs if event.purpose == "repair" else facts.contributions
                target[event.coverage_year].append(event)
            elif isinstance(event, Refunded):
                facts.refunds[event.coverage_year].append(event)
            elif isinstance(event, Reimbursed):
                facts.claims[event.year].append(event)
        facts.identities.extend(IdentitySpan(i, g) for i, g in open_identities.items())
        if employee_since is not None:
            facts.employee.append(EmployeeSpan(employee_since.date, None, employee_since, None))
        return facts

    # ------------------------------------------------------------ questions

    @property
    def died_on(self) -> date | None:
        return self.died.date if self.died else None

    def coverage_years(self) -> list[int]:
        """Years named by a ``paid``, ``refunded`` or ``reimbursed`` event (INTERCHANGE.md)."""
        return sorted(
            {y for y, p in self.contributions.items() if p}
            | {y for y, p in self.repairs.items() if p}
            | {y for y, r in self.refunds.items() if r}
            | {y for y, c in self.claims.items() if c}
        )

    def region_on(self, day: date) -> str | None:
        """The insured region in effect on ``day`` (the first one known when ``day`` is
        earlier than every registration)."""
        current: str | None = None
        for since, region in self.regions:
            if since <= day or current is None:
                current = region
            else:
                break
        return current

    def identities_on(self, day: date) -> list[IdentitySpan]:
        return [span for span in self.identities if span.held_on(day)]

    def holds(self, identity: str, day: date) -> IdentitySpan | None:
        for span in self.identities:
            if span.identity == identity and span.held_on(day):
                return span
        return None

    def employee_active_in(self, year: int) -> bool:
        """Employee insurance active on any day of ``year`` (I-break: it bridges)."""
        return any(span.overlaps(year_start(year), year_end(year)) for span in self.employee)

    def employee_active_on(self, day: date) -> bool:
        return any(span.overlaps(day, day) for span in self.employee)

    def employee_stops_between(self, first: date, last: date) -> list[EmployeeSpan]:
        return [s for s in self.employee if s.stop is not None and first <= s.stop <= last]
