"""The reporting schema (报表库): one table per part of the person view, keyed by person.

Every table mirrors a part of the person view of INTERCHANGE.md ("Projections out"); the
documentation of each column is in ``docs/reporting.md``. Rows of a person are always replaced
together (see :mod:`projections.reporting.writer`), so a person's rows never mix two folds.

Common columns of the person tables:

``person_key``
    the person's number in this target: assigned when the person is first written, kept
    when their rows are replaced. Every table is keyed by it (with the year …): new persons
    get increasing numbers, so catching up appends to the keys' B-trees instead of inserting
    at random places (the pseudonyms are uniformly spread). ``persons`` maps it to the
    pseudonym. Numbers differ between targets: compare targets by pseudonym.
``pseudonym`` (``persons`` only)
    HMAC-SHA256 of the person id (hex), never the ID number itself (:mod:`.pseudonym`): the
    person's identity across targets and rebuilds, unique. The per-year tables do not repeat
    it (it would be most of their bytes): join ``persons`` on ``person_key``.
``policy`` / ``policy_revision``
    the policy version and handler revision that produced the row (``NULL`` when no version
    applies: the year is flagged ``policy_missing``).
``position``
    the notification id (position in the ledger's event log) of the latest event of the person
    folded into the row.

The schema is created and migrated with Alembic (``projections/reporting/migrations``): this
module is the target the migrations are written against, and a change here needs a migration.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = Numeric(20, 2, asdecimal=True)
"""Yuan with two decimals: exact ``NUMERIC(20,2)`` in PostgreSQL, up to 999,999,999,999,999,999.99
(revision 0003; ``NUMERIC(12,2)`` before); SQLite: NUMERIC affinity, any size."""

PSEUDONYM_LENGTH = 64


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


PersonKey = BigInteger().with_variant(Integer(), "sqlite")
"""``BIGINT`` on PostgreSQL; ``INTEGER`` on SQLite, where ``persons.person_key`` is then the
rowid (``INTEGER PRIMARY KEY``)."""


def _person_key() -> Mapped[int]:
    # No foreign key to persons: the writer replaces a person's rows in all tables together,
    # and a key check per inserted row would cost catch-up throughput.
    return mapped_column(PersonKey, primary_key=True, autoincrement=False)


class _Produced:
    """Columns saying what produced a row: policy version, revision, log position; and, on
    SQLite, no rowid: a per-year table is then one B-tree, keyed by (person_key, year …), not a
    rowid table plus a key index, and each row is written once."""

    __table_args__ = {"sqlite_with_rowid": False}

    policy: Mapped[str | None] = mapped_column(String(64))
    policy_revision: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(BigInteger)


class Person(Base):
    """参保人: one row per person in the ledger."""

    __tablename__ = "persons"

    person_key: Mapped[int] = mapped_column(PersonKey, primary_key=True, autoincrement=True)
    pseudonym: Mapped[str] = mapped_column(String(PSEUDONYM_LENGTH), unique=True)
    events: Mapped[int] = mapped_column(Integer)
    """How many ledger events of the person were folded (the aggregate version)."""
    first_year: Mapped[int | None] = mapped_column(Integer)
    last_year: Mapped[int | None] = mapped_column(Integer)
    years: Mapped[int] = mapped_column(Integer)
    region: Mapped[str | None] = mapped_column(String(6))
    """Region of the latest coverage year."""
    policy: Mapped[str | None] = mapped_column(String(64))
    """Policy version of the latest coverage year."""
    policy_revision: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(BigInteger)


class ContributionYear(_Produced, Base):
    """参保年度与缴费: one row per person and coverage year."""

    __tablename__ = "contribution_years"

    person_key: Mapped[int] = _person_key()
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    region: Mapped[str | None] = mapped_column(String(6))
    enrolled: Mapped[bool] = mapped_column(Boolean)
    standard: Mapped[Decimal | None] = mapped_column(Money)
    subsidy: Mapped[Decimal | None] = mapped_column(Money)
    subsidy_identity: Mapped[str | None] = mapped_column(String(40))
    subsidy_mode: Mapped[str | None] = mapped_column(String(16))
    individual_due: Mapped[Decimal | None] = mapped_column(Money)
    paid: Mapped[Decimal | None] = mapped_column(Money)
    refunded: Mapped[Decimal | None] = mapped_column(Money)
    basis: Mapped[str] = mapped_column(Text)
    """Rule ids that produced the year, space-separated, in the order applied."""


class CoveragePeriod(_Produced, Base):
    """待遇享受期: closed date ranges, both ends inclusive; none when not covered."""

    __tablename__ = "coverage_periods"

    person_key: Mapped[int] = _person_key()
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)


class WaitingPeriod(_Produced, Base):
    """待遇等待期: the waiting period of a coverage year (all zero when none)."""

    __tablename__ = "waiting_periods"

    person_key: Mapped[int] = _person_key()
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    fixed_months: Mapped[int] = mapped_column(Integer)
    variable_months: Mapped[int] = mapped_column(Integer)
    repaired_months: Mapped[int] = mapped_column(Integer)
    total_months: Mapped[int] = mapped_column(Integer)


class ContinuityYear(_Produced, Base):
    """连续参保: consecutive enrolled years and the break before the year."""

    __tablename__ = "continuity_years"

    person_key: Mapped[int] = _person_key()
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    consecutive_years: Mapped[int] = mapped_column(Integer)
    break_years: Mapped[int] = mapped_column(Integer)


class CapAdjustment(_Produced, Base):
    """大病保险最高支付限额激励: the critical-illness cap adjustments of a year."""

    __tablename__ = "cap_adjustments"

    person_key: Mapped[int] = _person_key()
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    continuity_bonus: Mapped[Decimal] = mapped_column(Money)
    zero_claim_bonus: Mapped[Decimal] = mapped_column(Money)
    break_penalty: Mapped[Decimal] = mapped_column(Money)
    net_adjustment: Mapped[Decimal] = mapped_column(Money)
    bonus_ceiling: Mapped[Decimal | None] = mapped_column(Money)


class Flag(_Produced, Base):
    """What an auditor must look at in a year (``paid_outside_window`` …)."""

    __tablename__ = "flags"

    person_key: Mapped[int] = _person_key()
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    flag: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    """Why, when the fold says (``policy_missing``: which region and year had no version)."""


class ProjectionTracking(Base):
    """The projector's checkpoint: the last log position applied, per source application.

    Same contract as eventsourcing's single-row tracking table: a position is recorded in the
    transaction that applied it, and a position that is not newer is refused."""

    __tablename__ = "projection_tracking"

    application_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    notification_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReportingMeta(Base):
    """Settings the target remembers (pseudonym key check, policy set, source ledger, last
    run)."""

    __tablename__ = "reporting_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Quarantine(Base):
    """Persons whose rows could not be folded or written (a value no column holds, a fold
    that failed): the projector moved on without them; their older rows, if any, stay."""

    __tablename__ = "reporting_quarantine"

    pseudonym: Mapped[str] = mapped_column(String(PSEUDONYM_LENGTH), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger)
    """Notification id of the person's latest event when it failed (how a retry finds the
    person again: the reporting database holds no person id)."""
    events: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    quarantined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


PERSON_TABLES = (
    ContributionYear.__table__,
    CoveragePeriod.__table__,
    WaitingPeriod.__table__,
    ContinuityYear.__table__,
    CapAdjustment.__table__,
    Flag.__table__,
)
"""The per-year tables of a person (rows keyed by ``person_key`` and ``year``)."""
