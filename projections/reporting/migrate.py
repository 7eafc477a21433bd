"""Create or migrate the reporting schema on a target, explicitly when it drops data.

The migration scripts ship inside the package (``projections/reporting/migrations``), so an
installed ledger migrates its targets without a checkout or an ``alembic.ini``.

Each script says whether upgrading through it drops data (module attribute ``drops_data``;
its docstring's first line says what it does). :func:`plan` lists what an upgrade of a target
would do; the projector applies additive steps by itself and a step that drops data only when
the operator asks (``ledger project --upgrade``), after printing the plan. A target at a
revision this software does not know (written by a newer ledger) is refused
(:class:`SchemaTooNew`) before anything is touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection

SCRIPT_LOCATION = "projections.reporting:migrations"
VERSION_TABLE = "reporting_alembic_version"
"""Not ``alembic_version``: the target database may hold another application's migrations."""


class SchemaTooNew(RuntimeError):
    """The target's schema revision is unknown to this software (a newer ledger wrote it)."""


class UpgradeNeeded(RuntimeError):
    """The target needs a schema upgrade that drops data: it is applied only when asked."""

    def __init__(self, upgrade: UpgradePlan, shown: str) -> None:
        self.plan = upgrade
        lines = "; ".join(step.describe() for step in upgrade.steps if step.drops_data)
        super().__init__(
            f"{shown} is at reporting schema {upgrade.current}, this ledger writes "
            f"{upgrade.head}; the upgrade drops data ({lines}). Run ledger project --upgrade "
            "to apply it (the tables are then rebuilt from the ledger)"
        )


@dataclass(frozen=True)
class Step:
    """One migration of an upgrade."""

    revision: str
    title: str
    drops_data: bool

    def describe(self) -> str:
        kind = "DROPS DATA" if self.drops_data else "additive"
        return f"{self.revision} ({kind}): {self.title}"


@dataclass
class UpgradePlan:
    """What upgrading a target to ``head`` would do."""

    current: str | None
    head: str | None
    steps: list[Step] = field(default_factory=list)

    @property
    def drops_data(self) -> bool:
        """Whether a step drops rows the target holds (nothing to drop on a new target)."""
        return self.current is not None and any(s.drops_data for s in self.steps)

    def describe(self) -> list[str]:
        if not self.steps:
            return [f"reporting schema at {self.current}: nothing to upgrade"]
        start = self.current or "nothing (a new target)"
        return [
            f"reporting schema upgrade from {start} to {self.head}:",
            *(f"  {step.describe()}" for step in self.steps),
        ]


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Bring the schema on ``connection`` to ``revision``, inside the caller's transaction."""
    command.upgrade(alembic_config(connection), revision)


def current_revision(connection: Connection) -> str | None:
    """The schema revision the target is at (``None``: no reporting schema yet)."""
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def plan(connection: Connection) -> UpgradePlan:
    """The steps from the target's revision to head (oldest first); :class:`SchemaTooNew`
    when the target's revision is not one of ours."""
    scripts = ScriptDirectory.from_config(alembic_config())
    current = current_revision(connection)
    head = scripts.get_current_head()
    if current is not None:
        try:
            known = scripts.get_revision(current)
        except CommandError:
            known = None
        if known is None:
            raise SchemaTooNew(
                f"the target's reporting schema is at revision {current}, which this ledger "
                f"does not know (it knows up to {head}): a newer ledger wrote it; upgrade the "
                "ledger software, or project into another target"
            )
    steps = [
        Step(
            script.revision,
            script.doc.strip().splitlines()[0].replace("``", "").rstrip(".")
            if script.doc
            else script.revision,
            bool(getattr(script.module, "drops_data", False)),
        )
        for script in scripts.iterate_revisions(head, current)
    ]
    steps.reverse()
    return UpgradePlan(current, head, steps)
