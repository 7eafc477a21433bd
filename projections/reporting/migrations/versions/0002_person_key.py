"""Key every person table by ``person_key``, a number per person, instead of the pseudonym.

The pseudonym (64 hex characters, uniformly spread) as the first key column made every row a
random insert into each table's key B-tree; a catch-up into a large target spent most of its
time there. New persons now get increasing numbers, so their rows are appended. ``persons``
maps numbers to pseudonyms (unique); the per-year tables no longer repeat the pseudonym (it was
most of their bytes).

Upgrading drops the person tables and recreates them empty, and removes the checkpoint: the
next ``ledger project`` (or ``ledger backfill``) rebuilds them from the ledger, which holds
everything they held. The pseudonym key settings (``reporting_meta``) are kept.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

drops_data = True
"""Upgrading empties the person tables (the checkpoint too): ``ledger project --upgrade``
applies it only when asked, after saying so (projections.reporting.migrate)."""

_PERSON_TABLES = (
    "persons",
    "contribution_years",
    "coverage_periods",
    "waiting_periods",
    "continuity_years",
    "cap_adjustments",
    "flags",
)
_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_MONEY = sa.Numeric(precision=12, scale=2)


def _without_rowid(by_number: bool) -> dict[str, bool]:
    """SQLite: a per-year table keyed by number is one B-tree (its key), not a rowid table
    plus a key index; each row is written once."""
    return {"sqlite_with_rowid": False} if by_number else {}


def _produced() -> list[sa.Column[object]]:
    return [
        sa.Column("policy", sa.String(length=64), nullable=True),
        sa.Column("policy_revision", sa.Integer(), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
    ]


def _person_tables(key: str) -> None:
    """The person tables, keyed by ``key`` (``person_key`` from 0002, ``pseudonym`` before)."""
    by_number = key == "person_key"

    def lead() -> list[sa.Column[object]]:
        if by_number:
            return [sa.Column("person_key", _KEY, autoincrement=False, nullable=False)]
        return [sa.Column("pseudonym", sa.String(length=64), nullable=False)]

    key_constraints: list[sa.Constraint] = [sa.PrimaryKeyConstraint(key, name=op.f("pk_persons"))]
    if by_number:
        key_constraints.append(sa.UniqueConstraint("pseudonym", name=op.f("uq_persons_pseudonym")))
    op.create_table(
        "persons",
        *([sa.Column("person_key", _KEY, autoincrement=True, nullable=False)] if by_number else []),
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("first_year", sa.Integer(), nullable=True),
        sa.Column("last_year", sa.Integer(), nullable=True),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=True),
        *_produced(),
        *key_constraints,
    )
    op.create_table(
        "contribution_years",
        *lead(),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=True),
        sa.Column("enrolled", sa.Boolean(), nullable=False),
        sa.Column("standard", _MONEY, nullable=True),
        sa.Column("subsidy", _MONEY, nullable=True),
        sa.Column("subsidy_identity", sa.String(length=40), nullable=True),
        sa.Column("subsidy_mode", sa.String(length=16), nullable=True),
        sa.Column("individual_due", _MONEY, nullable=True),
        sa.Column("paid", _MONEY, nullable=True),
        sa.Column("refunded", _MONEY, nullable=True),
        sa.Column("basis", sa.Text(), nullable=False),
        *_produced(),
        sa.PrimaryKeyConstraint(key, "year", name=op.f("pk_contribution_years")),
        **_without_rowid(by_number),
    )
    op.create_table(
        "coverage_periods",
        *lead(),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        *_produced(),
        sa.PrimaryKeyConstraint(key, "year", "seq", name=op.f("pk_coverage_periods")),
        **_without_rowid(by_number),
    )
    op.create_table(
        "waiting_periods",
        *lead(),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("fixed_months", sa.Integer(), nullable=False),
        sa.Column("variable_months", sa.Integer(), nullable=False),
        sa.Column("repaired_months", sa.Integer(), nullable=False),
        sa.Column("total_months", sa.Integer(), nullable=False),
        *_produced(),
        sa.PrimaryKeyConstraint(key, "year", name=op.f("pk_waiting_periods")),
        **_without_rowid(by_number),
    )
    op.create_table(
        "continuity_years",
        *lead(),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("consecutive_years", sa.Integer(), nullable=False),
        sa.Column("break_years", sa.Integer(), nullable=False),
        *_produced(),
        sa.PrimaryKeyConstraint(key, "year", name=op.f("pk_continuity_years")),
        **_without_rowid(by_number),
    )
    op.create_table(
        "cap_adjustments",
        *lead(),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("continuity_bonus", _MONEY, nullable=False),
        sa.Column("zero_claim_bonus", _MONEY, nullable=False),
        sa.Column("break_penalty", _MONEY, nullable=False),
        sa.Column("net_adjustment", _MONEY, nullable=False),
        sa.Column("bonus_ceiling", _MONEY, nullable=True),
        *_produced(),
        sa.PrimaryKeyConstraint(key, "year", name=op.f("pk_cap_adjustments")),
        **_without_rowid(by_number),
    )
    op.create_table(
        "flags",
        *lead(),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("flag", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        *_produced(),
        sa.PrimaryKeyConstraint(key, "year", "flag", name=op.f("pk_flags")),
        **_without_rowid(by_number),
    )
    op.create_index(op.f("ix_flags_flag"), "flags", ["flag"], unique=False)


def _drop_person_tables() -> None:
    op.drop_index(op.f("ix_flags_flag"), table_name="flags")
    for table in _PERSON_TABLES:
        op.drop_table(table)
    # The rows are gone: the projector must start again from the beginning of the log.
    op.execute("DELETE FROM projection_tracking")


def upgrade() -> None:
    _drop_person_tables()
    _person_tables("person_key")


def downgrade() -> None:
    _drop_person_tables()
    _person_tables("pseudonym")
