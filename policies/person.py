"""What the rules read of a person: the facts of their events, laid out on a timeline.

Built once per fold from the person's events in the order I-order fixes (date, type, event_id;
:mod:`policies.order`); pure data, no policy judgement. Rules ask questions of it ("which
identities were held on this day", "was employee insurance active in that year").

§8: events dated after the person's death are stored but not applied. Payments and refunds
stay listed (their totals are what was received) and the money walk decides which of them
still apply (a newborn's payment within 90 days of birth, ``NB-died``; a refund for death);
every other event after the death is left out of the timeline and kept in
:attr:`PersonFacts.after_death` for the ``after_death`` flag.
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
    ResidencePermitGranted,
    ResidentStatusLost,
)
from policies.calendar import year_end, year_start
from policies.order import event_order


def pool_of(region: str | None) -> str | None:
    """I-pool: the pooling region (统筹区) of a division code, its first four digits (SX24
    §六(四) "其他统筹区", HY25 §一 "外地市")."""
    return None if region is None else region[:4]


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
    ``stop`` is ``None``). A stop with no recorded start spans that one day (I-insured-2y)."""

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
    """All events the fold considers, in I-order."""
    birth_date: date | None = None
    born: Born | None = None
    """The ``born`` event when the person was registered as a newborn (新生儿)."""
    registered: bool = False
    """A ``registered`` or ``born`` event is on record (I-order: ``not_registered``)."""
    regions: list[tuple[date, str]] = field(default_factory=list)
    hukou: list[tuple[date, str]] = field(default_factory=list)
    """户籍地 from ``registered``/``born`` events that name one (PLACE-hukou)."""
    permits: list[tuple[date, str]] = field(default_factory=list)
    """居住证: (from, region); a permit has no end (PLACE-hukou)."""
    identities: list[IdentitySpan] = field(default_factory=list)
    employee: list[EmployeeSpan] = field(default_factory=list)
    status_losses: list[ResidentStatusLost] = field(default_factory=list)
    died: Died | None = None
    contributions: dict[int, list[Paid]] = field(default_factory=lambda: defaultdict(list))
    repairs: dict[int, list[Paid]] = field(default_factory=lambda: defaultdict(list))
    refunds: dict[int, list[Refunded]] = field(default_factory=lambda: defaultdict(list))
    claims: dict[int, list[Reimbursed]] = field(default_factory=lambda: defaultdict(list))
    after_death: list[Event] = field(default_factory=list)
    """§8: events dated after the death, other than payments, refunds and claims, left out."""

    @classmethod
    def from_events(cls, person_id: str, events: Iterable[Event]) -> PersonFacts:
        ordered = sorted(events, key=event_order)
        facts = cls(person_id=person_id, events=ordered)
        died_on: date | None = None
        for event in ordered:
            if isinstance(event, Died) and died_on is None:
                died_on = event.date
                facts.died = event
        open_identities: dict[str, IdentityGranted] = {}
        employee_since: EmployeeInsuranceStarted | None = None
        for event in ordered:
            if isinstance(event, Paid):
                target = facts.repairs if event.purpose == "repair" else facts.contributions
                target[event.coverage_year].append(event)
                continue
            if isinstance(event, Refunded):
                facts.refunds[event.coverage_year].append(event)
                continue
            if isinstance(event, Reimbursed):
                facts.claims[event.year].append(event)
                continue
            if died_on is not None and event.date > died_on:
                facts.after_death.append(event)
                continue
            if isinstance(event, Registered):
                facts.registered = True
                facts.birth_date = facts.birth_date or event.birth_date
                facts.regions.append((event.date, event.region))
                if event.hukou_region:
                    facts.hukou.append((event.date, event.hukou_region))
            elif isinstance(event, Born):
                facts.registered = True
                facts.born = facts.born or event
                facts.birth_date = facts.born.date
                facts.regions.append((event.date, event.region))
                if event.hukou_region:
                    facts.hukou.append((event.date, event.hukou_region))
            elif isinstance(event, RegionChanged):
                facts.regions.append((event.date, event.region))
            elif isinstance(event, ResidencePermitGranted):
                facts.permits.append((event.date, event.region))
            elif isinstance(event, ResidentStatusLost):
                facts.status_losses.append(event)
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
                    # A stop with no recorded start: active that day, as far as we know.
                    facts.employee.append(EmployeeSpan(event.date, event.date, None, event))
        facts.identities.extend(IdentitySpan(i, g) for i, g in open_identities.items())
        if employee_since is not None:
            facts.employee.append(EmployeeSpan(employee_since.date, None, employee_since, None))
        return facts

    # ------------------------------------------------------------ questions

    @property
    def died_on(self) -> date | None:
        return self.died.date if self.died else None

    def is_after_death(self, event: Event) -> bool:
        """§8: dated after the death (the death's own day is before it, I-order)."""
        return self.died is not None and event.date > self.died.date

    def losses_in(self, year: int) -> list[ResidentStatusLost | EmployeeInsuranceStarted]:
        """``resident_status_lost`` and ``employee_insurance_started`` events dated in ``year``
        (EMP-lost), in I-order."""
        if not self.status_losses and not self.employee:
            return []
        found: list[ResidentStatusLost | EmployeeInsuranceStarted] = [
            loss for loss in self.status_losses if loss.date.year == year
        ]
        found.extend(
            span.started_by
            for span in self.employee
            if span.started_by is not None and span.started_by.date.year == year
        )
        found.sort(key=event_order)
        return found

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

    def payment_region(self, paid: Paid) -> str | None:
        """I-year-region: the region that collected a payment, ``paid.region``, else the
        person's region on its date; ``None`` while no ``registered``/``born`` is on record."""
        if paid.region is not None:
            return paid.region
        return self.region_on(paid.date) if self.registered else None

    def hukou_on(self, day: date) -> str | None:
        """户籍地 on ``day``: the latest one named on or before it (the first one before)."""
        current: str | None = None
        for since, region in self.hukou:
            if since <= day or current is None:
                current = region
            else:
                break
        return current

    def permits_on(self, day: date) -> list[str]:
        """Regions of the residence permits (居住证) held on ``day``."""
        return [region for since, region in self.permits if since <= day]

    def age_on(self, day: date) -> int | None:
        """Completed years of age (周岁) on ``day``; ``None`` when the birth date is unknown."""
        birth = self.birth_date
        if birth is None:
            return None
        return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))

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

    def latest_stop_by(self, day: date) -> EmployeeSpan | None:
        """The span of the latest ``employee_insurance_stopped`` on or before ``day``."""
        found: EmployeeSpan | None = None
        latest: date | None = None
        for span in self.employee:
            stop = span.stop
            if stop is not None and stop <= day and (latest is None or stop >= latest):
                found, latest = span, stop
        return found
