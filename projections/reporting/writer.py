"""Rows of a person view, and their replacement in the reporting tables.

:func:`person_rows` turns one person view (the JSON-ready dict of INTERCHANGE.md "Projections
out") into the rows of every reporting table; it never copies the person id, only the
pseudonym it is given. :func:`replace_persons` deletes and re-inserts all rows of a set of
persons inside the caller's transaction, so a reader sees a person's old rows or new rows,
never a mix. :func:`read_persons` and :func:`diff_persons` let a rebuild say what changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, select

from projections.reporting.schema import (
    CapAdjustment,
    ContinuityYear,
    ContributionYear,
    CoveragePeriod,
    Flag,
    Person,
    WaitingPeriod,
)

PERSONS: Table = Person.__table__  # type: ignore[assignment]
CONTRIBUTION_YEARS: Table = ContributionYear.__table__  # type: ignore[assignment]
COVERAGE_PERIODS: Table = CoveragePeriod.__table__  # type: ignore[assignment]
WAITING_PERIODS: Table = WaitingPeriod.__table__  # type: ignore[assignment]
CONTINUITY_YEARS: Table = ContinuityYear.__table__  # type: ignore[assignment]
CAP_ADJUSTMENTS: Table = CapAdjustment.__table__  # type: ignore[assignment]
FLAGS: Table = Flag.__table__  # type: ignore[assignment]

TABLES: tuple[Table, ...] = (
    PERSONS,
    CONTRIBUTION_YEARS,
    COVERAGE_PERIODS,
    WAITING_PERIODS,
    CONTINUITY_YEARS,
    CAP_ADJUSTMENTS,
    FLAGS,
)
"""Every table holding person rows, ``persons`` first."""

_KEY_COLUMNS = {"pseudonym", "year", "seq", "flag"}
_CHUNK = 900  # keys per DELETE … IN (…): below SQLite's bound-parameter limit


@dataclass
class PersonRows:
    """All reporting rows of one person: table name → rows (column → value)."""

    pseudonym: str
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def person_rows(
    view: Mapping[str, Any], pseudonym: str, *, events: int, position: int
) -> PersonRows:
    """The rows of one person view.

    ``events`` is how many ledger events were folded, ``position`` the notification id of the
    latest of them; every row carries ``position`` and the policy of its year."""
    years: Sequence[Mapping[str, Any]] = view.get("years") or []
    out = PersonRows(pseudonym, {table.name: [] for table in TABLES})
    last = years[-1] if years else None
    out.tables[PERSONS.name].append(
        {
            "pseudonym": pseudonym,
            "events": events,
            "first_year": years[0]["year"] if years else None,
            "last_year": last["year"] if last else None,
            "years": len(years),
            "region": last.get("region") if last else None,
            "policy": last.get("policy") if last else None,
            "policy_revision": last.get("policy_revision") if last else None,
            "position": position,
        }
    )
    for year_view in years:
        year = int(year_view["year"])
        produced = {
            "pseudonym": pseudonym,
            "year": year,
            "policy": year_view.get("policy"),
            "policy_revision": year_view.get("policy_revision"),
            "position": position,
        }
        contribution = year_view.get("contribution") or {}
        out.tables[CONTRIBUTION_YEARS.name].append(
            {
                **produced,
                "region": year_view.get("region"),
                "enrolled": bool(year_view.get("enrolled")),
                "standard": _money(contribution.get("standard")),
                "subsidy": _money(contribution.get("subsidy")),
                "subsidy_identity": contribution.get("subsidy_identity"),
                "subsidy_mode": contribution.get("subsidy_mode"),
                "individual_due": _money(contribution.get("individual_due")),
                "paid": _money(contribution.get("paid")),
                "refunded": _money(contribution.get("refunded")),
                "basis": " ".join(year_view.get("basis") or ()),
            }
        )
        for seq, period in enumerate(year_view.get("coverage") or ()):
            start = date.fromisoformat(period["start"])
            end = date.fromisoformat(period["end"])
            out.tables[COVERAGE_PERIODS.name].append(
                {
                    **produced,
                    "seq": seq,
                    "start_date": start,
                    "end_date": end,
                    "days": (end - start).days + 1,
                }
            )
        waiting = year_view.get("waiting")
        if waiting:
            out.tables[WAITING_PERIODS.name].append(
                {
                    **produced,
                    "fixed_months": int(waiting.get("fixed_months") or 0),
                    "variable_months": int(waiting.get("variable_months") or 0),
                    "repaired_months": int(waiting.get("repaired_months") or 0),
                    "total_months": int(waiting.get("total_months") or 0),
                }
            )
        continuity = year_view.get("continuity")
        if continuity:
            out.tables[CONTINUITY_YEARS.name].append(
                {
                    **produced,
                    "consecutive_years": int(continuity.get("consecutive_years") or 0),
                    "break_years": int(continuity.get("break_years") or 0),
                }
            )
        cap = year_view.get("critical_illness_cap")
        if cap:
            out.tables[CAP_ADJUSTMENTS.name].append(
                {
                    **produced,
                    "continuity_bonus": _money(cap.get("continuity_bonus")) or Decimal("0.00"),
                    "zero_claim_bonus": _money(cap.get("zero_claim_bonus")) or Decimal("0.00"),
                    "break_penalty": _money(cap.get("break_penalty")) or Decimal("0.00"),
                    "net_adjustment": _money(cap.get("net_adjustment")) or Decimal("0.00"),
                    "bonus_ceiling": _money(cap.get("bonus_ceiling")),
                }
            )
        reasons: Mapping[str, str] = year_view.get("reasons") or {}
        for flag in sorted(set(year_view.get("flags") or ()) | set(reasons)):
            out.tables[FLAGS.name].append({**produced, "flag": flag, "reason": reasons.get(flag)})
    return out


def _money(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value))


def replace_persons(conn: Connection, persons: Sequence[PersonRows]) -> None:
    """Delete every row of ``persons`` and insert their new rows, in the caller's transaction.

    The rows go through the driver directly (``COPY`` on PostgreSQL, ``executemany`` on
    SQLite): catch-up writes millions of rows and SQLAlchemy's per-row processing would cost
    more than the fold. Values are stored as SQLAlchemy would store them."""
    if not persons:
        return
    keys = [p.pseudonym for p in persons]
    driver = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with driver.cursor() as cursor:  # type: ignore[union-attr]
            for table in TABLES:
                cursor.execute(f"DELETE FROM {table.name} WHERE pseudonym = ANY(%s)", (keys,))
            for table in TABLES:
                columns = [c.name for c in table.c]
                rows = [r for p in persons for r in p.tables.get(table.name, ())]
                if not rows:
                    continue
                statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
                with cursor.copy(statement) as copy:
                    for row in rows:
                        copy.write_row([row[c] for c in columns])
        return
    cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        for table in TABLES:
            for chunk in _chunks(keys):
                cursor.execute(
                    f"DELETE FROM {table.name} WHERE pseudonym IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
        for table in TABLES:
            columns = [c.name for c in table.c]
            rows = [r for p in persons for r in p.tables.get(table.name, ())]
            if rows:
                cursor.executemany(
                    f"INSERT INTO {table.name} ({', '.join(columns)}) "
                    f"VALUES ({','.join('?' * len(columns))})",
                    [[_sqlite_value(row[c]) for c in columns] for row in rows],
                )
    finally:
        cursor.close()


def _sqlite_value(value: Any) -> Any:
    # SQLite has no decimal, date or boolean: text in NUMERIC columns, ISO dates, 0/1 (what
    # SQLAlchemy's types read back as Decimal, date and bool).
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def read_persons(conn: Connection, pseudonyms: Iterable[str]) -> dict[str, PersonRows]:
    """The stored rows of those ``pseudonyms`` that have any."""
    keys = list(pseudonyms)
    found: dict[str, PersonRows] = {}
    for table in TABLES:
        for chunk in _chunks(keys):
            for row in conn.execute(select(table).where(table.c.pseudonym.in_(chunk))).mappings():
                person = found.setdefault(row["pseudonym"], PersonRows(row["pseudonym"]))
                person.tables.setdefault(table.name, []).append(dict(row))
    return found


@dataclass
class TableChanges:
    """How one table's rows changed over a set of persons."""

    persons: int = 0
    """Persons whose rows in this table changed."""
    added: int = 0
    """Rows with a key (year, period number, flag) the person did not have."""
    removed: int = 0
    fields: dict[str, int] = field(default_factory=dict)
    """Column → how many rows kept their key but changed that column."""


@dataclass
class ChangeReport:
    """What a rebuild changed: persons looked at, persons changed, per-table detail."""

    persons: int = 0
    changed: int = 0
    tables: dict[str, TableChanges] = field(default_factory=dict)

    def describe(self) -> list[str]:
        lines = [f"{self.persons} persons recomputed, {self.changed} with changed rows"]
        for name, change in self.tables.items():
            if not change.persons:
                continue
            parts = [f"{change.persons} persons"]
            if change.added:
                parts.append(f"{change.added} rows added")
            if change.removed:
                parts.append(f"{change.removed} rows removed")
            parts.extend(f"{column} changed in {n}" for column, n in sorted(change.fields.items()))
            lines.append(f"  {name}: " + ", ".join(parts))
        return lines


def diff_persons(
    report: ChangeReport, old: Mapping[str, PersonRows], new: Sequence[PersonRows]
) -> None:
    """Add to ``report`` how the rows of ``new`` persons differ from their ``old`` rows."""
    for person in new:
        report.persons += 1
        before = old.get(person.pseudonym)
        person_changed = False
        for table in TABLES:
            change = report.tables.setdefault(table.name, TableChanges())
            old_rows = _keyed(table, before.tables.get(table.name, []) if before else [])
            new_rows = _keyed(table, person.tables.get(table.name, []))
            table_changed = False
            for key in old_rows.keys() | new_rows.keys():
                if key not in old_rows:
                    change.added += 1
                    table_changed = True
                elif key not in new_rows:
                    change.removed += 1
                    table_changed = True
                else:
                    for column in table.c.keys():  # noqa: SIM118 (column names, not Columns)
                        if column in _KEY_COLUMNS:
                            continue
                        if old_rows[key].get(column) != new_rows[key].get(column):
                            change.fields[column] = change.fields.get(column, 0) + 1
                            table_changed = True
            if table_changed:
                change.persons += 1
                person_changed = True
        if person_changed:
            report.changed += 1


def _keyed(table: Table, rows: Iterable[Mapping[str, Any]]) -> dict[tuple[Any, ...], Any]:
    key_columns = [c.name for c in table.primary_key.columns]
    return {tuple(row[c] for c in key_columns): row for row in rows}


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]
