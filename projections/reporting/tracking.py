"""The projector's checkpoint, with eventsourcing's tracking contract.

:class:`ReportingTrackingRecorder` is an :class:`eventsourcing.persistence.TrackingRecorder`
over the ``projection_tracking`` table of the target: one row per source application holding
the last notification id applied. :func:`record_position` writes it inside the caller's
transaction, the one that also rewrote the rows of the persons touched, and refuses (raises
:class:`eventsourcing.persistence.IntegrityError`) a position that is not newer than the one
recorded, like the library's single-row tracking tables. So a batch is applied exactly once: a
crash before commit loses the rows and the position together, and a second writer that
processed the same positions cannot commit them again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder
from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from projections.reporting.schema import ProjectionTracking

_TABLE = ProjectionTracking.__table__


def dialect_insert(conn: Connection, table: Any) -> Any:
    """``INSERT`` with ``ON CONFLICT`` support for the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def record_position(conn: Connection, tracking: Tracking) -> None:
    """Record ``tracking`` in the current transaction; refuse a position that is not newer."""
    stmt = dialect_insert(conn, _TABLE).values(
        application_name=tracking.application_name,
        notification_id=tracking.notification_id,
        updated_at=datetime.now(UTC),
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[_TABLE.c.application_name],
        set_={
            "notification_id": stmt.excluded.notification_id,
            "updated_at": stmt.excluded.updated_at,
        },
        where=_TABLE.c.notification_id < stmt.excluded.notification_id,
    ).returning(_TABLE.c.notification_id)
    if conn.execute(stmt).first() is None:
        raise IntegrityError(
            f"position {tracking.notification_id} of {tracking.application_name!r} is not "
            "newer than the one already recorded (applied by another projector?)"
        )


def tracked_position(conn: Connection, application_name: str) -> int | None:
    """The last position recorded for ``application_name`` (``None``: nothing applied yet)."""
    return conn.execute(
        select(_TABLE.c.notification_id).where(_TABLE.c.application_name == application_name)
    ).scalar()


class ReportingTrackingRecorder(TrackingRecorder):
    """The library's tracking-recorder interface over the target's ``projection_tracking``
    table (``wait()``, ``has_tracking_id()`` … come with it)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def insert_tracking(self, tracking: Tracking) -> None:
        with self.engine.begin() as conn:
            record_position(conn, tracking)

    def max_tracking_id(self, application_name: str) -> int | None:
        with self.engine.connect() as conn:
            return tracked_position(conn, application_name)
