"""The Resident aggregate: one event-sourced aggregate per person (参保人).

The aggregate is a recorder of facts, not a judge of policy: each stored event carries the
contract record (INTERCHANGE.md) exactly as validated, so it round-trips unchanged, unknown
fields included. Its state is only what the ledger's own invariants need:

- the first event of a person registers them (``registered`` or ``born``);
- nothing dated after a death is accepted but a refund with reason ``death`` (and, NB-died, a
  newborn's contribution paid within 90 days after birth);
- a refund never makes the refunds of a coverage year exceed what was paid for that year.

Each violation is a typed error (a subclass of :class:`~ledger.events.InvalidEvent`) whose
``reason`` is the reject reason the importer reports.

The aggregate id is ``uuid5(RESIDENT_NAMESPACE, person_id)`` of the canonical person id, so any
process finds a person's aggregate without a lookup table. Event classes carry explicit topics
(``ledger:Resident.Paid`` …): moving this module never strands stored events.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any, ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Transcoding
from eventsourcing.utils import get_topic

from ledger.events import Died as DiedEvent
from ledger.events import EventBase, InvalidEvent, Paid, Refunded, canonical_json
from ledger.person_id import mask, validate_person_id

RESIDENT_NAMESPACE = UUID("4f1b7c2e-9a53-5d0e-8c61-2b7a3e9d0c15")
"""Fixed namespace of resident aggregate ids. Changing it orphans every stored person."""

REGISTERING_TYPES = ("registered", "born")
NEWBORN_DAYS = 90
"""NB-died: days after birth within which a newborn's payment counts even after its death."""
STATE_VERSION = 1
"""Format of :meth:`Resident.compact_state`; bump it (and rebuild states) when the state changes."""


@lru_cache(maxsize=1 << 16)
def resident_id(person_id: str) -> UUID:
    """The aggregate id of a person: ``uuid5`` of the canonical person id."""
    return uuid5(RESIDENT_NAMESPACE, validate_person_id(person_id))


# ---------------------------------------------------------------- invariant errors


class LedgerRuleViolation(InvalidEvent):
    """A well-formed event that the person's history does not allow."""

    reason_code: ClassVar[str] = ""

    def __init__(self, message: str, event_id: str | None = None) -> None:
        super().__init__(self.reason_code, message, event_id)


class NotRegistered(LedgerRuleViolation):
    """The first event of a person must register them (``registered`` or ``born``)."""

    reason_code = "not_registered"


class AlreadyRegistered(LedgerRuleViolation):
    """A ``registered`` or ``born`` event for a person the ledger already has."""

    reason_code = "already_registered"


class AfterDeath(LedgerRuleViolation):
    """An event other than a death refund (退费, reason ``death``) after ``died``."""

    reason_code = "after_death"


class RefundExceedsPayment(LedgerRuleViolation):
    """A refund larger than what is left of the payments for that coverage year."""

    reason_code = "refund_exceeds_payment"


# ---------------------------------------------------------------- transcoding


class DateAsISO(Transcoding):
    """``datetime.date`` as an ISO string (the library's JSON transcoder has no date)."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


# ---------------------------------------------------------------- the aggregate


_STATE_FORMAT = (
    '{"state_version":%d,"person_id":%s,"died_on":%s,"born_on":%s,"paid":{%s},'
    '"refunded":{%s},"created_on":"%s","modified_on":"%s"}'
)


_ZERO = Decimal("0.00")


_ISOFORMATS: dict[int, tuple[datetime, str]] = {}
_ISOFORMATS_MAX = 1024


def _isoformat(moment: datetime) -> str:
    """``moment.isoformat()``, remembered for the same object.

    An aware datetime formats slowly (~0.6 µs) and the bulk import writes a state per touched
    person per batch whose times are the few timestamps of its batches (shared objects). Keyed
    by identity, not equality: equal instants in other time zones format differently."""
    entry = _ISOFORMATS.get(id(moment))
    if entry is not None and entry[0] is moment:
        return entry[1]
    if len(_ISOFORMATS) >= _ISOFORMATS_MAX:
        _ISOFORMATS.clear()
    text = moment.isoformat()
    _ISOFORMATS[id(moment)] = (moment, text)  # holding moment keeps its id from being reused
    return text


def _year_key(year: int) -> str:
    # JSON object keys are strings; keeping them strings makes the state round-trip as is.
    return str(year)


class Resident(Aggregate):
    """A person's ledger. ``record`` on every event is the canonical contract record
    (:func:`ledger.events.canonical_json`), kept as opaque JSON text so no unknown field can be
    mistaken for a transcoded value."""

    TOPIC = "ledger:Resident"

    class Event(Aggregate.Event):
        record: str

        def contract(self) -> dict[str, Any]:
            """The contract record as a dict."""
            parsed: dict[str, Any] = json.loads(self.record)
            return parsed

    class Created(Aggregate.Created):
        """Base of the events that register a person; never triggered itself."""

        TOPIC = "ledger:Resident.Created"
        record: str

    class Registered(Created):
        """参保登记: the person's first event."""

        TOPIC = "ledger:Resident.Registered"

    class Born(Created):
        """新生儿: a newborn registers the person."""

        TOPIC = "ledger:Resident.Born"

    class RegionChanged(Event):
        TOPIC = "ledger:Resident.RegionChanged"

    class Paid(Event):
        """缴费."""

        TOPIC = "ledger:Resident.Paid"

        def apply(self, aggregate: Any) -> None:
            record = self.contract()
            aggregate.add_paid(int(record["coverage_year"]), Decimal(record["amount"]))

    class Refunded(Event):
        """退费."""

        TOPIC = "ledger:Resident.Refunded"

        def apply(self, aggregate: Any) -> None:
            record = self.contract()
            aggregate.add_refunded(int(record["coverage_year"]), Decimal(record["amount"]))

    class ResidencePermitGranted(Event):
        """居住证."""

        TOPIC = "ledger:Resident.ResidencePermitGranted"

    class ResidentStatusLost(Event):
        """参保身份丧失."""

        TOPIC = "ledger:Resident.ResidentStatusLost"

    class IdentityGranted(Event):
        TOPIC = "ledger:Resident.IdentityGranted"

    class IdentityRevoked(Event):
        TOPIC = "ledger:Resident.IdentityRevoked"

    class EmployeeInsuranceStarted(Event):
        TOPIC = "ledger:Resident.EmployeeInsuranceStarted"

    class EmployeeInsuranceStopped(Event):
        TOPIC = "ledger:Resident.EmployeeInsuranceStopped"

    class Died(Event):
        TOPIC = "ledger:Resident.Died"

        def apply(self, aggregate: Any) -> None:
            aggregate.died_on = date.fromisoformat(self.contract()["date"])

    class Reimbursed(Event):
        TOPIC = "ledger:Resident.Reimbursed"

    def __init__(self, record: str) -> None:
        contract = json.loads(record)
        self.person_id: str = contract["person_id"]
        self.died_on: date | None = None
        self.born_on: date | None = (
            date.fromisoformat(contract["date"]) if contract["type"] == "born" else None
        )
        """Birth date of a person registered as a newborn (新生儿)."""
        self.paid: dict[str, Decimal] = {}
        """Paid per coverage year (all purposes), keyed by the year as a string."""
        self.refunded: dict[str, Decimal] = {}
        """Refunded per coverage year, keyed by the year as a string."""

    # ------------------------------------------------------------ commands

    @classmethod
    def register(cls, event: EventBase, canonical: str | None = None) -> Resident:
        """A new person from their first event, which must be ``registered`` or ``born``."""
        cls.check_first(event)
        event_class = cls.Registered if event.type == "registered" else cls.Born  # type: ignore[attr-defined]
        return cls._create(
            event_class,
            id=resident_id(event.person_id),
            record=canonical if canonical is not None else canonical_json(event),
        )

    def record(self, event: EventBase, canonical: str | None = None) -> None:
        """Append a later event of this person, enforcing the ledger's invariants."""
        self.check(event)
        self.trigger_event(
            _EVENT_CLASSES[event.type],  # type: ignore[attr-defined]
            record=canonical if canonical is not None else canonical_json(event),
        )

    @staticmethod
    def check_first(event: EventBase) -> None:
        """Raise :class:`NotRegistered` unless ``event`` may be a person's first event."""
        if event.type not in REGISTERING_TYPES:  # type: ignore[attr-defined]
            raise NotRegistered(
                f"{event.type} for {mask(event.person_id)}, who is not registered: "  # type: ignore[attr-defined]
                "the first event of a person must be 'registered' or 'born'",
                event.event_id,
            )

    def check(self, event: EventBase) -> None:
        """Raise the :class:`LedgerRuleViolation` that forbids appending ``event``, if any."""
        kind: str = event.type  # type: ignore[attr-defined]
        if event.person_id != self.person_id:
            raise ValueError(
                f"event {event.event_id!r} belongs to {mask(event.person_id)}, "
                f"not to {mask(self.person_id)}"
            )
        if (
            self.died_on is not None
            and event.date > self.died_on
            and not self._allowed_after_death(event)
        ):
            raise AfterDeath(
                f"{kind} on {event.date} for {mask(self.person_id)}, who died on "
                f"{self.died_on}: only a refund with reason 'death' may follow a death",
                event.event_id,
            )
        if kind in REGISTERING_TYPES:
            raise AlreadyRegistered(
                f"{kind} for {mask(self.person_id)}, who is already registered",
                event.event_id,
            )
        if isinstance(event, Refunded):
            paid = self.paid_for(event.coverage_year)
            refunded = self.refunded_for(event.coverage_year)
            if refunded + event.amount > paid:
                raise RefundExceedsPayment(
                    f"refund of {event.amount} for {event.coverage_year} exceeds what is left "
                    f"of the payments for that year ({paid} paid, {refunded} already refunded)",
                    event.event_id,
                )

    # ------------------------------------------------------------ bulk path

    @classmethod
    def start(cls, originator_id: UUID, canonical: str, timestamp: datetime) -> Resident:
        """The aggregate as its registering event (already checked) leaves it, without the
        event object: for :meth:`ledger.application.LedgerApp.append`, which writes the
        stored events itself. Same state as ``Registered``/``Born`` ``mutate``."""
        resident = object.__new__(cls)
        resident.__base_init__(
            originator_id=originator_id, originator_version=1, timestamp=timestamp
        )
        resident.__init__(canonical)  # type: ignore[misc]
        return resident

    def note(self, event: EventBase, timestamp: datetime) -> None:
        """Advance the aggregate by a later event (already checked), without the event
        object: the same state change as the event's ``apply`` plus ``mutate``."""
        if isinstance(event, Paid):
            # add_paid, inlined (the bulk path's most frequent event)
            paid = self.paid
            key = _year_key(event.coverage_year)
            paid[key] = paid.get(key, _ZERO) + event.amount
        elif isinstance(event, Refunded):
            self.add_refunded(event.coverage_year, event.amount)
        elif isinstance(event, DiedEvent):
            self.died_on = event.date
        self.version += 1
        self.modified_on = timestamp

    def _allowed_after_death(self, event: EventBase) -> bool:
        """A death refund; or NB-died: a newborn's contribution paid within 90 days after
        birth counts even after the child died (SX24 §五(二)2(3), AK25 §四(二)2(3))."""
        if isinstance(event, Refunded):
            return event.reason == "death"
        return (
            isinstance(event, Paid)
            and self.born_on is not None
            and event.date <= self.born_on + timedelta(days=NEWBORN_DAYS)
        )

    # ------------------------------------------------------------ state

    def compact_state(self) -> str:
        """The invariant state as JSON text, for the ledger's resident-state table.

        Cheaper than a library snapshot (no event object, no transcoder pass): the bulk import
        writes one per touched person per batch. Formatted directly: byte for byte
        ``compact_json`` of :meth:`state_record` (a test holds it to that), about three times
        faster. Only the person id can need escaping: years, amounts, dates and times are
        digits and ``.-+:ET``."""
        died_on, born_on = self.died_on, self.born_on
        return _STATE_FORMAT % (
            STATE_VERSION,
            encode_basestring(self.person_id),
            f'"{died_on.isoformat()}"' if died_on else "null",
            f'"{born_on.isoformat()}"' if born_on else "null",
            ",".join([f'"{year}":"{amount}"' for year, amount in self.paid.items()]),
            ",".join([f'"{year}":"{amount}"' for year, amount in self.refunded.items()]),
            _isoformat(self.created_on),
            _isoformat(self.modified_on),
        )

    def state_record(self) -> dict[str, Any]:
        """The invariant state as a JSON-ready dict (what :meth:`compact_state` encodes)."""
        return {
            "state_version": STATE_VERSION,
            "person_id": self.person_id,
            "died_on": self.died_on.isoformat() if self.died_on else None,
            "born_on": self.born_on.isoformat() if self.born_on else None,
            "paid": {year: str(amount) for year, amount in self.paid.items()},
            "refunded": {year: str(amount) for year, amount in self.refunded.items()},
            "created_on": self.created_on.isoformat(),
            "modified_on": self.modified_on.isoformat(),
        }

    @classmethod
    def from_compact_state(cls, originator_id: UUID, version: int, text: str) -> Resident:
        """The aggregate at ``version`` from :meth:`compact_state` text."""
        state = json.loads(text)
        if state.get("state_version") != STATE_VERSION:
            raise ValueError(
                f"resident state of {originator_id} has version {state.get('state_version')}, "
                f"expected {STATE_VERSION}: rebuild the resident states"
            )
        resident = object.__new__(cls)
        resident.__base_init__(
            originator_id=originator_id,
            originator_version=version,
            timestamp=datetime.fromisoformat(state["created_on"]),
        )
        resident.modified_on = datetime.fromisoformat(state["modified_on"])
        resident.person_id = state["person_id"]
        died_on = state["died_on"]
        resident.died_on = date.fromisoformat(died_on) if died_on else None
        born_on = state.get("born_on")  # absent in states written before NB-died
        resident.born_on = date.fromisoformat(born_on) if born_on else None
        resident.paid = {year: Decimal(amount) for year, amount in state["paid"].items()}
        resident.refunded = {year: Decimal(amount) for year, amount in state["refunded"].items()}
        return resident

    def paid_for(self, coverage_year: int) -> Decimal:
        return self.paid.get(_year_key(coverage_year), _ZERO)

    def refunded_for(self, coverage_year: int) -> Decimal:
        return self.refunded.get(_year_key(coverage_year), _ZERO)

    def add_paid(self, coverage_year: int, amount: Decimal) -> None:
        self.paid[_year_key(coverage_year)] = self.paid_for(coverage_year) + amount

    def add_refunded(self, coverage_year: int, amount: Decimal) -> None:
        self.refunded[_year_key(coverage_year)] = self.refunded_for(coverage_year) + amount


_EVENT_CLASSES: dict[str, type[Resident.Event]] = {
    "region_changed": Resident.RegionChanged,
    "paid": Resident.Paid,
    "refunded": Resident.Refunded,
    "residence_permit_granted": Resident.ResidencePermitGranted,
    "resident_status_lost": Resident.ResidentStatusLost,
    "identity_granted": Resident.IdentityGranted,
    "identity_revoked": Resident.IdentityRevoked,
    "employee_insurance_started": Resident.EmployeeInsuranceStarted,
    "employee_insurance_stopped": Resident.EmployeeInsuranceStopped,
    "died": Resident.Died,
    "reimbursed": Resident.Reimbursed,
}

RESIDENT_TOPIC = get_topic(Resident)
STORED_TOPICS: dict[str, str] = {
    "registered": get_topic(Resident.Registered),
    "born": get_topic(Resident.Born),
    **{kind: get_topic(cls) for kind, cls in _EVENT_CLASSES.items()},
}
"""The stored-event topic of each contract event type."""

__all__ = [
    "RESIDENT_NAMESPACE",
    "RESIDENT_TOPIC",
    "STORED_TOPICS",
    "AfterDeath",
    "AlreadyRegistered",
    "DateAsISO",
    "LedgerRuleViolation",
    "NotRegistered",
    "RefundExceedsPayment",
    "Resident",
    "resident_id",
]
