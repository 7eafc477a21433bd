"""What ``ledger status --to`` says about a reporting target, read without writing to it.

Checkpoint and lag (events of the ledger not yet applied, and how long the oldest of them has
waited), schema revision, the policy set and source ledger recorded, the quarantine, the last
run and whether a projector holds the lock now.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, inspect, select, text

from projections.reporting import migrate
from projections.reporting.policyset import PolicySet
from projections.reporting.schema import ProjectionTracking, Quarantine, ReportingMeta
from projections.reporting.target import Target, check_target, make_engine

QUARANTINE_SHOWN = 20


@dataclass
class TargetStatus:
    database: str
    backend: str
    schema_revision: str | None
    schema_head: str | None
    checkpoint: int = 0
    checkpoint_at: datetime | None = None
    lag_events: int | None = None
    lag_seconds: float | None = None
    policy_set: dict[str, Any] | None = None
    policy_set_pending: dict[str, Any] | None = None
    source_ledger: str | None = None
    source_matches: bool | None = None
    quarantined: int = 0
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    last_run: dict[str, Any] | None = None
    projector_running: bool | None = None
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "backend": self.backend,
            "schema_revision": self.schema_revision,
            "schema_head": self.schema_head,
            "checkpoint": self.checkpoint,
            "checkpoint_at": self.checkpoint_at.isoformat() if self.checkpoint_at else None,
            "lag_events": self.lag_events,
            "lag_seconds": self.lag_seconds,
            "policy_set": self.policy_set,
            "policy_set_pending": self.policy_set_pending,
            "source_ledger": self.source_ledger,
            "source_matches": self.source_matches,
            "quarantined": self.quarantined,
            "quarantine": self.quarantine,
            "last_run": self.last_run,
            "projector_running": self.projector_running,
            "problems": self.problems,
        }


def target_status(target: Target, application_name: str = "Ledger") -> TargetStatus:
    """Read the target's bookkeeping (nothing is created or migrated)."""
    check_target(target, create=False)
    engine = make_engine(target)
    try:
        return _read(target, engine, application_name)
    finally:
        engine.dispose()


def _read(target: Target, engine: Engine, application_name: str) -> TargetStatus:
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        if migrate.VERSION_TABLE not in tables:
            from projections.reporting.target import InvalidTarget

            raise InvalidTarget(f"no reporting tables in {target.display}")
        current = migrate.current_revision(conn)
        status = TargetStatus(
            database=target.display,
            backend=target.dialect,
            schema_revision=current,
            schema_head=migrate.head_revision(),
        )
        try:
            upgrade = migrate.plan(conn)
            if upgrade.steps:
                status.problems.append(
                    "schema upgrade pending"
                    + (" (drops data: ledger project --upgrade)" if upgrade.drops_data else "")
                )
        except migrate.SchemaTooNew as exc:
            status.problems.append(str(exc))
        tracking = ProjectionTracking.__table__
        row = conn.execute(
            select(tracking.c.notification_id, tracking.c.updated_at).where(
                tracking.c.application_name == application_name
            )
        ).first()
        if row is not None:
            status.checkpoint = int(row[0])
            status.checkpoint_at = _aware(row[1])
        meta_table = ReportingMeta.__table__
        meta = {k: v for k, v in conn.execute(select(meta_table.c.key, meta_table.c.value))}
        if meta.get("policy_set"):
            status.policy_set = PolicySet.from_json(meta["policy_set"]).as_dict()
        if meta.get("policy_set_pending"):
            pending = json.loads(meta["policy_set_pending"])
            status.policy_set_pending = pending
            status.problems.append(
                "a rebuild that switches the policy set was interrupted: run it again"
            )
        status.source_ledger = meta.get("source_ledger")
        if meta.get("last_run"):
            status.last_run = json.loads(meta["last_run"])
        if Quarantine.__tablename__ in tables:
            quarantine = Quarantine.__table__
            status.quarantined = int(
                conn.execute(select(func.count()).select_from(quarantine)).scalar_one()
            )
            for q in conn.execute(
                select(quarantine)
                .order_by(quarantine.c.quarantined_at.desc())
                .limit(QUARANTINE_SHOWN)
            ).mappings():
                status.quarantine.append(
                    {
                        "pseudonym": q["pseudonym"][:12],
                        "position": q["position"],
                        "events": q["events"],
                        "attempts": q["attempts"],
                        "since": _aware(q["quarantined_at"]).isoformat()
                        if q["quarantined_at"]
                        else None,
                        "reason": q["reason"],
                    }
                )
            if status.quarantined:
                status.problems.append(f"{status.quarantined} persons quarantined")
        if target.dialect == "postgresql":
            status.projector_running = bool(
                conn.execute(
                    text(
                        "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                        "AND database = (SELECT oid FROM pg_database "
                        "WHERE datname = current_database()) "
                        "AND classid::bigint = :hi AND objid::bigint = :lo AND objsubid = 1"
                    ),
                    {
                        "hi": (target.lock_key & 0xFFFF_FFFF_FFFF_FFFF) >> 32,
                        "lo": target.lock_key & 0xFFFF_FFFF,
                    },
                ).first()
            )
    if target.dialect == "sqlite":
        status.projector_running = _file_lock_held(target)
    return status


def _file_lock_held(target: Target) -> bool | None:
    from projections.reporting.target import ProjectorLock, TargetBusy

    if not target.lock_path.exists():
        return False
    probe = ProjectorLock(target, None)  # type: ignore[arg-type]
    try:
        probe.acquire(wait=False)
    except TargetBusy:
        return True
    except OSError:
        return None
    probe.release()
    return False


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
