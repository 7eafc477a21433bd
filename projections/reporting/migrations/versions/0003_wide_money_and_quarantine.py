"""Money columns widened to NUMERIC(20,2); the quarantine table (reporting_quarantine).

Additive: nothing is dropped or rewritten, so it is applied automatically.

- PostgreSQL: every money column goes from ``NUMERIC(12,2)`` (at most 9,999,999,999.99) to
  ``NUMERIC(20,2)`` (at most 999,999,999,999,999,999.99): an amount the ledger accepted, or a
  year's sum of them, no longer stops the projector with "numeric field overflow". Raising a
  numeric's precision keeps its scale, so PostgreSQL changes the catalog only (no table
  rewrite). SQLite stores NUMERIC by affinity whatever the declared precision: nothing to do.
- ``reporting_quarantine``: persons whose rows could not be folded or written (a value no
  column can hold …), with the reason; the projector moves on without them and retries them
  (docs/reporting.md, "Quarantine").

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

drops_data = False

_MONEY = {
    "contribution_years": (
        ("standard", True),
        ("subsidy", True),
        ("individual_due", True),
        ("paid", True),
        ("refunded", True),
    ),
    "cap_adjustments": (
        ("continuity_bonus", False),
        ("zero_claim_bonus", False),
        ("break_penalty", False),
        ("net_adjustment", False),
        ("bonus_ceiling", True),
    ),
}


def _money(precision: int) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in _MONEY.items():
        for column, nullable in columns:
            op.alter_column(
                table,
                column,
                type_=sa.Numeric(precision=precision, scale=2),
                existing_type=sa.Numeric(precision=12 if precision == 20 else 20, scale=2),
                existing_nullable=nullable,
            )


def upgrade() -> None:
    _money(20)
    op.create_table(
        "reporting_quarantine",
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("quarantined_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym", name=op.f("pk_reporting_quarantine")),
    )


def downgrade() -> None:
    op.drop_table("reporting_quarantine")
    _money(12)
