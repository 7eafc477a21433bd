"""Create or migrate the reporting schema on a target (``alembic upgrade head``).

The migration scripts ship inside the package (``projections/reporting/migrations``), so an
installed ledger migrates its targets without a checkout or an ``alembic.ini``.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

SCRIPT_LOCATION = "projections.reporting:migrations"
VERSION_TABLE = "reporting_alembic_version"
"""Not ``alembic_version``: the target database may hold another application's migrations."""


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
