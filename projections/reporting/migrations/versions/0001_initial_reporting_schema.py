"""Initial reporting schema: persons, the per-year tables, tracking and meta.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 14:06:21.158279
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

drops_data = False


def upgrade() -> None:
    op.create_table(
        "cap_adjustments",
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("continuity_bonus", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("zero_claim_bonus", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("break_penalty", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("net_adjustment", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("bonus_ceiling", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("policy", sa.String(length=64), nullable=True),
        sa.Column("policy_revision", sa.Integer(), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym", "year", name=op.f("pk_cap_adjustments")),
    )
    op.create_table(
        "continuity_years",
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("consecutive_years", sa.Integer(), nullable=False),
        sa.Column("break_years", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=64), nullable=True),
        sa.Column("policy_revision", sa.Integer(), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym", "year", name=op.f("pk_continuity_years")),
    )
    op.create_table(
        "contribution_years",
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=True),
        sa.Column("enrolled", sa.Boolean(), nullable=False),
        sa.Column("standard", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("subsidy", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("subsidy_identity", sa.String(length=40), nullable=True),
        sa.Column("subsidy_mode", sa.String(length=16), nullable=True),
        sa.Column("individual_due", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("paid", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("refunded", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("policy", sa.String(length=64), nullable=True),
        sa.Column("policy_revision", sa.Integer(), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym", "year", name=op.f("pk_contribution_years")),
    )
    op.create_table(
        "coverage_periods",
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=64), nullable=True),
        sa.Column("policy_revision", sa.Integer(), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym", "year", "seq", name=op.f("pk_coverage_periods")),
    )
    op.create_table(
        "flags",
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("flag", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("policy", sa.String(length=64), nullable=True),
        sa.Column("policy_revision", sa.Integer(), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym", "year", "flag", name=op.f("pk_flags")),
    )
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flags_flag"), ["flag"], unique=False)

    op.create_table(
        "persons",
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("first_year", sa.Integer(), nullable=True),
        sa.Column("last_year", sa.Integer(), nullable=True),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=True),
        sa.Column("policy", sa.String(length=64), nullable=True),
        sa.Column("policy_revision", sa.Integer(), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym", name=op.f("pk_persons")),
    )
    op.create_table(
        "projection_tracking",
        sa.Column("application_name", sa.String(length=64), nullable=False),
        sa.Column("notification_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("application_name", name=op.f("pk_projection_tracking")),
    )
    op.create_table(
        "reporting_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_reporting_meta")),
    )
    op.create_table(
        "waiting_periods",
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("fixed_months", sa.Integer(), nullable=False),
        sa.Column("variable_months", sa.Integer(), nullable=False),
        sa.Column("repaired_months", sa.Integer(), nullable=False),
        sa.Column("total_months", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=64), nullable=True),
        sa.Column("policy_revision", sa.Integer(), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym", "year", name=op.f("pk_waiting_periods")),
    )


def downgrade() -> None:
    op.drop_table("waiting_periods")
    op.drop_table("reporting_meta")
    op.drop_table("projection_tracking")
    op.drop_table("persons")
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flags_flag"))

    op.drop_table("flags")
    op.drop_table("coverage_periods")
    op.drop_table("contribution_years")
    op.drop_table("continuity_years")
    op.drop_table("cap_adjustments")
