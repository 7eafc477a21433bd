"""The Resident aggregate: one event-sourced aggregate per person (参保人).

The aggregate is a recorder of facts, not a judge of policy (POLICY.md ``I-order``): each
stored event carries the contract record (INTERCHANGE.md) exactly as validated, so it
round-trips unchanged, unknown fields included, and **any** contract event may be a person's
first — the aggregate is created by whatever arrives first (a payment before the registration,
a death before the payments it ends). Nothing is rejected for what the person's other events
say; those judgements (``not_registered``, ``after_death``, ``refund_exceeds_paid``) are the
fold's (:mod:`projections.person`). Its state is only what the ledger itself needs: the person
id (for the person listing) and the version (where the next event goes).

The aggregate id is ``uuid5(RESIDENT_NAMESPACE, person_id)`` of the normalised person id, so
any process finds a person's aggregate without a lookup table.

Stored form. New writes use two topics: ``ledger:Resident.Created`` for a person's first event
and ``ledger:Resident.Recorded`` for every later one; the contract record's ``type`` says what
the event is. Events written by earlier versions carry one topic per contract type
(``ledger:Resident.Registered``, ``…Paid`` …): those classes stay registered under their topics
and read exactly as before (no rewrite).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import lru_cache
from hashlib import sha1 as _sha1
from json.encoder import encode_basestring
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Transcoding
from eventsourcing.utils import get_topic

from ledger.events import EventBase, canonical_json
from ledger.person_id import validate_person_id

RESIDENT_NAMESPACE = UUID("4f1b7c2e-9a53-5d0e-8c61-2b7a3e9d0c15")
"""Fixed namespace of resident aggregate ids. Changing it orphans every stored person."""

STATE_VERSION = 2
"""Format of :meth:`Resident.compact_state`. Version 1 (before the aggregate became a pure
recorder) also held the death date, the birth date and per-year paid and refunded sums; such
states still load (the extra fields are ignored)."""
READABLE_STATE_VERSIONS = (1, 2)


@lru_cache(maxsize=1 << 16)
def resident_id(person_id: str) -> UUID:
    """The aggregate id of a person: ``uuid5`` of the normalised person id."""
    return _uuid5_of(validate_person_id(person_id))


_NAMESPACE_BYTES = RESIDENT_NAMESPACE.bytes
_VERSION_5 = (0x8000 << 48) | (5 << 76)
"""The variant (RFC 4122) and version (5) bits ``uuid5`` sets."""
_NOT_VERSION = ((1 << 128) - 1) & ~((0xC000 << 48) | (0xF000 << 64))
"""Every bit but those of the variant and the version."""


def _uuid5_of(name: str) -> UUID:
    """``uuid5(RESIDENT_NAMESPACE, name)``, in half its time (1.2 against 2.4 µs: one per new
    person on the import's hot path): the same SHA-1 and bits, made with ``UUID(int=…)``
    (``tests/test_bulk_encoding.py`` holds it equal to ``uuid5``)."""
    digest = _sha1(_NAMESPACE_BYTES + name.encode("utf-8")).digest()
    return UUID(int=(int.from_bytes(digest[:16]) & _NOT_VERSION) | _VERSION_5)


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


_STATE_FORMAT = '{"state_version":%d,"person_id":%s,"created_on":"%s","modified_on":"%s"}'


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
        """A person's first event, of any contract type (what new writes store)."""

        TOPIC = "ledger:Resident.Created"
        record: str

    class Recorded(Event):
        """Any later event of a person (what new writes store)."""

        TOPIC = "ledger:Resident.Recorded"

    # ---- stored forms of earlier versions: one topic per contract type. Read, never written.

    class Registered(Created):
        """参保登记 as a first event (stored by earlier versions)."""

        TOPIC = "ledger:Resident.Registered"

    class Born(Created):
        """新生儿 as a first event (stored by earlier versions)."""

        TOPIC = "ledger:Resident.Born"

    class RegionChanged(Event):
        TOPIC = "ledger:Resident.RegionChanged"

    class Paid(Event):
        TOPIC = "ledger:Resident.Paid"

    class Refunded(Event):
        TOPIC = "ledger:Resident.Refunded"

    class ResidencePermitGranted(Event):
        TOPIC = "ledger:Resident.ResidencePermitGranted"

    class ResidentStatusLost(Event):
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

    class Reimbursed(Event):
        TOPIC = "ledger:Resident.Reimbursed"

    def __init__(self, record: str) -> None:
        self.person_id: str = json.loads(record)["person_id"]

    # ------------------------------------------------------------ commands

    @classmethod
    def begin(cls, event: EventBase, canonical: str | None = None) -> Resident:
        """A new person from their first event, whatever its type."""
        return cls._create(
            cls.Created,
            id=resident_id(event.person_id),
            record=canonical if canonical is not None else canonical_json(event),
        )

    def record(self, event: EventBase, canonical: str | None = None) -> None:
        """Append a later event of this person."""
        if event.person_id != self.person_id:
            raise ValueError(
                f"event {event.event_id!r} belongs to another person than this aggregate's"
            )
        self.trigger_event(
            self.Recorded,
            record=canonical if canonical is not None else canonical_json(event),
        )

    # ------------------------------------------------------------ bulk path

    @classmethod
    def at(
        cls,
        originator_id: UUID,
        person_id: str,
        version: int,
        created_on: datetime,
        modified_on: datetime,
    ) -> Resident:
        """The aggregate as ``version`` events leave it, without the events (the first event's
        timestamp ``created_on``, the last one's ``modified_on``): the state ``Created.mutate``
        and ``Recorded.mutate`` reach one event at a time, made at once for a bulk write
        (:meth:`ledger.application.LedgerApp.decide`; tests/test_bulk_encoding.py holds it to
        the library's)."""
        resident = object.__new__(cls)
        resident.__base_init__(
            originator_id=originator_id, originator_version=version, timestamp=created_on
        )
        resident.modified_on = modified_on
        resident.person_id = person_id
        return resident

    # ------------------------------------------------------------ state

    def compact_state(self) -> str:
        """The state as JSON text, for the ledger's resident-state table.

        Cheaper than a library snapshot (no event object, no transcoder pass): the bulk import
        writes one per touched person per batch. Formatted directly: byte for byte
        ``compact_json`` of :meth:`state_record` (a test holds it to that)."""
        return _STATE_FORMAT % (
            STATE_VERSION,
            encode_basestring(self.person_id),
            _isoformat(self.created_on),
            _isoformat(self.modified_on),
        )

    def state_record(self) -> dict[str, Any]:
        """The state as a JSON-ready dict (what :meth:`compact_state` encodes)."""
        return {
            "state_version": STATE_VERSION,
            "person_id": self.person_id,
            "created_on": self.created_on.isoformat(),
            "modified_on": self.modified_on.isoformat(),
        }

    @classmethod
    def from_compact_state(cls, originator_id: UUID, version: int, text: str) -> Resident:
        """The aggregate at ``version`` from :meth:`compact_state` text (of this version or
        an earlier one, see :data:`STATE_VERSION`)."""
        state = json.loads(text)
        if state.get("state_version") not in READABLE_STATE_VERSIONS:
            raise ValueError(
                f"resident state of {originator_id} has version {state.get('state_version')}, "
                f"expected one of {READABLE_STATE_VERSIONS}: rebuild the resident states"
            )
        resident = object.__new__(cls)
        resident.__base_init__(
            originator_id=originator_id,
            originator_version=version,
            timestamp=datetime.fromisoformat(state["created_on"]),
        )
        resident.modified_on = datetime.fromisoformat(state["modified_on"])
        resident.person_id = state["person_id"]
        return resident


CREATED_TOPIC = get_topic(Resident.Created)
"""The topic new writes give a person's first event."""
RECORDED_TOPIC = get_topic(Resident.Recorded)
"""The topic new writes give every later event of a person."""
RESIDENT_TOPIC = get_topic(Resident)
LEGACY_TOPICS: dict[str, str] = {
    kind: get_topic(cls)
    for kind, cls in {
        "registered": Resident.Registered,
        "born": Resident.Born,
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
    }.items()
}
"""The per-type topics earlier versions stored (still read, never written)."""
READABLE_TOPICS: frozenset[str] = frozenset(
    {CREATED_TOPIC, RECORDED_TOPIC, *LEGACY_TOPICS.values()}
)
"""Every topic a stored Resident event may carry."""

__all__ = [
    "CREATED_TOPIC",
    "LEGACY_TOPICS",
    "READABLE_TOPICS",
    "RECORDED_TOPIC",
    "RESIDENT_NAMESPACE",
    "RESIDENT_TOPIC",
    "DateAsISO",
    "Resident",
    "resident_id",
]
