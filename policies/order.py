"""I-order: the order in which the fold reads a person's events (POLICY.md INTERPRETATIONS).

Events arrive in any order, across files and within one, and the store keeps every valid one
whatever its arrival order. The projection orders a person's events by business ``date``; on
the same date by type, in :data:`TYPE_ORDER` (a registration before what happens to the person
that day, a payment before its refund, a death last); then by ``event_id``. Neither the arrival
order nor ``recorded_at`` decides anything: the same events give the same view however they
came.
"""

from __future__ import annotations

from datetime import date

from ledger.events import EventBase

TYPE_ORDER: tuple[str, ...] = (
    "registered",
    "born",
    "region_changed",
    "residence_permit_granted",
    "identity_granted",
    "identity_revoked",
    "employee_insurance_stopped",
    "employee_insurance_started",
    "resident_status_lost",
    "paid",
    "refunded",
    "reimbursed",
    "died",
)
"""Same-date order of event types (I-order)."""

_RANK: dict[str, int] = {kind: rank for rank, kind in enumerate(TYPE_ORDER)}


def event_order(event: EventBase) -> tuple[date, int, str]:
    """I-order: ``(date, type rank, event_id)``, a total order of a person's events."""
    return (event.date, _RANK[event.type], event.event_id)  # type: ignore[attr-defined]


__all__ = ["TYPE_ORDER", "event_order"]
