"""Rows of a person view, and their replacement in the reporting tables.

:func:`person_records` turns one person view (the JSON-ready dict of INTERCHANGE.md
"Projections out") into the rows of every reporting table, as stored (:func:`person_rows`: the
same with typed values); it never copies the person id, only the pseudonym it is given.
:func:`replace_persons` deletes and re-inserts all rows of a set of persons inside the caller's
transaction, so a reader sees a person's old rows or new rows, never a mix.
:func:`read_persons` and :func:`diff_persons` let a rebuild say what changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Boolean, Connection, Date, Numeric, Table, select

from policies.handler import YearOutcome
from policies.notes import note_text
from projections.person import PersonView
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

_T = TypeVar("_T")
_KEY_COLUMNS = {"person_key", "pseudonym", "year", "seq", "flag"}
_CHUNK = 900  # keys per DELETE … IN (…): below SQLite's bound-parameter limit

_PRODUCED = ("year", "policy", "policy_revision", "position")
COLUMNS: dict[str, tuple[str, ...]] = {
    PERSONS.name: (
        "pseudonym",
        "events",
        "first_year",
        "last_year",
        "years",
        "region",
        "policy",
        "policy_revision",
        "position",
    ),
    CONTRIBUTION_YEARS.name: (
        *_PRODUCED,
        "region",
        "enrolled",
        "standard",
        "subsidy",
        "subsidy_identity",
        "subsidy_mode",
        "individual_due",
        "paid",
        "refunded",
        "basis",
    ),
    COVERAGE_PERIODS.name: (*_PRODUCED, "seq", "start_date", "end_date", "days"),
    WAITING_PERIODS.name: (
        *_PRODUCED,
        "fixed_months",
        "variable_months",
        "repaired_months",
        "total_months",
    ),
    CONTINUITY_YEARS.name: (*_PRODUCED, "consecutive_years", "break_years"),
    CAP_ADJUSTMENTS.name: (
        *_PRODUCED,
        "continuity_bonus",
        "zero_claim_bonus",
        "break_penalty",
        "net_adjustment",
        "bonus_ceiling",
    ),
    FLAGS.name: (*_PRODUCED, "flag", "reason"),
}
"""The columns of each table in the order of :class:`PersonRecords` rows (every column)."""

KEY = "person_key"
"""The column every table is keyed by; the writer assigns it (records do not carry it)."""

for _table in TABLES:  # a schema change must change the rows too
    if sorted((KEY, *COLUMNS[_table.name])) != sorted(c.name for c in _table.c):
        raise RuntimeError(f"writer.COLUMNS of {_table.name} does not match the schema")


@dataclass
class PersonRecords:
    """All reporting rows of one person as stored: one list of rows per table of
    :data:`TABLES` (same order), each row a tuple in the order of :data:`COLUMNS`.

    Values are in the form the drivers store: money as its decimal text (``"400.00"``),
    dates as ISO text, booleans as ``bool``, the rest as ints, strings or ``None``: exactly
    what SQLAlchemy's types store in SQLite, and what PostgreSQL reads as ``NUMERIC``, ``DATE``
    and ``BOOLEAN``. :func:`typed_rows` gives the values as SQLAlchemy reads them back."""

    pseudonym: str
    tables: tuple[list[tuple[Any, ...]], ...]


@dataclass
class PersonRows:
    """All reporting rows of one person: table name → rows (column → value as SQLAlchemy
    reads it: ``Decimal``, ``date``, ``bool`` …)."""

    pseudonym: str
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class _TextCache(dict[Any, str]):
    """``cache[value]``: ``text_of(value)``, computed once per distinct value. A few hundred
    amounts and days recur millions of times in the rows; the cache is emptied when it holds
    :data:`_TEXT_CACHE_LIMIT` values, so odd inputs cannot grow it without bound."""

    def __init__(self, text_of: Callable[[Any], str]) -> None:
        super().__init__()
        self.text_of = text_of

    def __missing__(self, value: Any) -> str:
        if len(self) >= _TEXT_CACHE_LIMIT:
            self.clear()
        text = self[value] = self.text_of(value)
        return text


_TEXT_CACHE_LIMIT = 100_000


def _decimal_text(value: Any) -> str:
    return str(Decimal(str(value)))


def _cap_decimal_text(value: Any) -> str:
    amount = None if value is None else Decimal(str(value))
    return str(amount) if amount else "0.00"


_MONEY_TEXT = _TextCache(_decimal_text)
_CAP_TEXT = _TextCache(_cap_decimal_text)


def _money_text(value: Any) -> str | None:
    """A money amount of the view as stored: the text of its ``Decimal``."""
    return None if value is None else _MONEY_TEXT[value]


def _cap_text(value: Any) -> str:
    """A cap adjustment as stored: absent or zero is ``0.00``."""
    return _CAP_TEXT[value]


def person_records(
    view: Mapping[str, Any] | PersonView, pseudonym: str, *, events: int, position: int
) -> PersonRecords:
    """The rows of one person view, as stored.

    ``view`` is the JSON-ready view (INTERCHANGE.md) or the fold's :class:`PersonView`
    itself (read directly, without building the dict: the same rows, by test).
    ``events`` is how many ledger events were folded, ``position`` the notification id of the
    latest of them; every row carries ``position`` and the policy of its year."""
    if isinstance(view, PersonView):
        return _outcome_records(view.years, pseudonym, events, position)
    years: Sequence[Mapping[str, Any]] = view.get("years") or []
    persons: list[tuple[Any, ...]] = []
    contribution_years: list[tuple[Any, ...]] = []
    coverage_periods: list[tuple[Any, ...]] = []
    waiting_periods: list[tuple[Any, ...]] = []
    continuity_years: list[tuple[Any, ...]] = []
    cap_adjustments: list[tuple[Any, ...]] = []
    flags: list[tuple[Any, ...]] = []
    last = years[-1] if years else None
    persons.append(
        (
            pseudonym,
            events,
            years[0]["year"] if years else None,
            last["year"] if last else None,
            len(years),
            last.get("region") if last else None,
            last.get("policy") if last else None,
            last.get("policy_revision") if last else None,
            position,
        )
    )
    money = _money_text
    for year_view in years:
        produced = (
            int(year_view["year"]),
            year_view.get("policy"),
            year_view.get("policy_revision"),
            position,
        )
        contribution = year_view.get("contribution") or {}
        contribution_years.append(
            (
                *produced,
                year_view.get("region"),
                bool(year_view.get("enrolled")),
                money(contribution.get("standard")),
                money(contribution.get("subsidy")),
                contribution.get("subsidy_identity"),
                contribution.get("subsidy_mode"),
                money(contribution.get("individual_due")),
                money(contribution.get("paid")),
                money(contribution.get("refunded")),
                " ".join(year_view.get("basis") or ()),
            )
        )
        for seq, period in enumerate(year_view.get("coverage") or ()):
            start = date.fromisoformat(period["start"])
            end = date.fromisoformat(period["end"])
            coverage_periods.append(
                (*produced, seq, start.isoformat(), end.isoformat(), (end - start).days + 1)
            )
        waiting = year_view.get("waiting")
        if waiting:
            waiting_periods.append(
                (
                    *produced,
                    int(waiting.get("fixed_months") or 0),
                    int(waiting.get("variable_months") or 0),
                    int(waiting.get("repaired_months") or 0),
                    int(waiting.get("total_months") or 0),
                )
            )
        continuity = year_view.get("continuity")
        if continuity:
            continuity_years.append(
                (
                    *produced,
                    int(continuity.get("consecutive_years") or 0),
                    int(continuity.get("break_years") or 0),
                )
            )
        cap = year_view.get("critical_illness_cap")
        if cap:
            cap_adjustments.append(
                (
                    *produced,
                    _cap_text(cap.get("continuity_bonus")),
                    _cap_text(cap.get("zero_claim_bonus")),
                    _cap_text(cap.get("break_penalty")),
                    _cap_text(cap.get("net_adjustment")),
                    money(cap.get("bonus_ceiling")),
                )
            )
        reasons: Mapping[str, str] = year_view.get("reasons") or {}
        year_flags = year_view.get("flags") or ()
        if reasons or year_flags:
            for flag in sorted(set(year_flags) | set(reasons)):
                flags.append((*produced, flag, reasons.get(flag)))
    return PersonRecords(
        pseudonym,
        (
            persons,
            contribution_years,
            coverage_periods,
            waiting_periods,
            continuity_years,
            cap_adjustments,
            flags,
        ),
    )


def _two_places(value: Decimal) -> str:
    return f"{value:.2f}"  # projections.person._money: how the view writes an amount


_AMOUNT_TEXT = _TextCache(_two_places)


def _fmt(value: Decimal | None) -> str | None:
    """``f"{value:.2f}"``, from a cache. Equal amounts give equal text, except zero and
    negative zero (equal, but ``0.00`` and ``-0.00``), which are never cached."""
    if value is None:
        return None
    return _AMOUNT_TEXT[value] if value else _two_places(value)


def _cap_amount(value: Decimal | None) -> str:
    """A cap adjustment as stored (``_cap_text`` of its text): absent or zero is ``0.00``."""
    return _fmt(value) if value else "0.00"  # type: ignore[return-value]


_day_text = _TextCache(date.isoformat).__getitem__
"""``day.isoformat()``, from a cache (coverage periods share a few hundred days)."""


def _outcome_records(
    years: Sequence[YearOutcome], pseudonym: str, events: int, position: int
) -> PersonRecords:
    """:func:`person_records` of the view ``years`` would give (see ``year_to_dict``).

    Amounts are the view's text as is: ``f"{amount:.2f}"`` is already the text of its own
    ``Decimal``, what :func:`_money_text` would give."""
    contribution_years: list[tuple[Any, ...]] = []
    coverage_periods: list[tuple[Any, ...]] = []
    waiting_periods: list[tuple[Any, ...]] = []
    continuity_years: list[tuple[Any, ...]] = []
    cap_adjustments: list[tuple[Any, ...]] = []
    flags: list[tuple[Any, ...]] = []
    fmt, cap_amount, day = _fmt, _cap_amount, _day_text
    for outcome in years:
        version = outcome.version
        policy = version.id if version else None
        produced = (
            int(outcome.year),
            policy,
            version.revision if version else None,
            position,
        )
        subsidy = outcome.subsidy
        contribution_years.append(
            (
                *produced,
                outcome.region,
                bool(outcome.enrolled),
                fmt(subsidy.standard) if subsidy else None,
                fmt(subsidy.subsidy) if subsidy else None,
                subsidy.identity if subsidy else None,
                subsidy.mode if subsidy else "none",
                fmt(subsidy.individual_due) if subsidy else None,
                fmt(outcome.paid),
                fmt(outcome.refunded),
                " ".join(outcome.basis),
            )
        )
        for seq, (start, end) in enumerate(outcome.coverage):
            coverage_periods.append((*produced, seq, day(start), day(end), (end - start).days + 1))
        waiting = outcome.waiting
        waiting_periods.append(
            (
                *produced,
                int(waiting.fixed_months or 0),
                int(waiting.variable_months or 0),
                int(waiting.repaired_months or 0),
                int(waiting.total_months or 0),
            )
        )
        cont = outcome.continuity
        counted = cont is not None and outcome.enrolled
        continuity_years.append(
            (
                *produced,
                int(cont.consecutive_years or 0) if counted and cont else 0,
                int(cont.break_years or 0) if counted and cont else 0,
            )
        )
        cap = outcome.cap
        cap_adjustments.append(
            (
                *produced,
                cap_amount(cap.continuity_bonus),
                cap_amount(cap.zero_claim_bonus),
                cap_amount(cap.break_penalty),
                cap_amount(cap.net_adjustment),
                fmt(cap.bonus_ceiling),
            )
        )
        reasons = outcome.reasons
        if reasons or outcome.flags:
            for flag in sorted(set(outcome.flags) | set(reasons)):
                reason = reasons.get(flag)
                flags.append((*produced, flag, None if reason is None else note_text(reason)))
    last = years[-1] if years else None
    last_version = last.version if last else None
    persons = [
        (
            pseudonym,
            events,
            years[0].year if years else None,
            last.year if last else None,
            len(years),
            last.region if last else None,
            last_version.id if last_version else None,
            last_version.revision if last_version else None,
            position,
        )
    ]
    return PersonRecords(
        pseudonym,
        (
            persons,
            contribution_years,
            coverage_periods,
            waiting_periods,
            continuity_years,
            cap_adjustments,
            flags,
        ),
    )


def _reader(column: Any) -> Any:
    kind = column.type
    if isinstance(kind, Numeric):
        return Decimal
    if isinstance(kind, Date):
        return date.fromisoformat
    if isinstance(kind, Boolean):
        return bool
    return None


_READERS = {
    table.name: [(name, _reader(table.c[name])) for name in COLUMNS[table.name]] for table in TABLES
}


def typed_rows(records: PersonRecords) -> PersonRows:
    """The rows of :class:`PersonRecords` with their values as SQLAlchemy reads them."""
    out = PersonRows(records.pseudonym)
    for table, rows in zip(TABLES, records.tables, strict=True):
        readers = _READERS[table.name]
        out.tables[table.name] = [
            {
                name: value if read is None or value is None else read(value)
                for (name, read), value in zip(readers, row, strict=True)
            }
            for row in rows
        ]
    return out


def person_rows(
    view: Mapping[str, Any], pseudonym: str, *, events: int, position: int
) -> PersonRows:
    """The rows of one person view (:func:`person_records`, values typed)."""
    return typed_rows(person_records(view, pseudonym, events=events, position=position))


def replace_persons(conn: Connection, persons: Sequence[PersonRecords]) -> None:
    """Delete every row of ``persons`` and insert their new rows, in the caller's transaction.

    A person the target has keeps their ``person_key``; a new person gets the next numbers
    (so their rows are appended to every key). Rows go through the driver directly (``COPY``
    on PostgreSQL, ``executemany`` on SQLite): catch-up writes millions of rows and
    SQLAlchemy's per-row processing would cost more than the fold. Values are stored as
    SQLAlchemy would store them."""
    if not persons:
        return
    driver = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        _replace_postgres(driver, persons)
    else:
        _replace_sqlite(driver, persons)


def _insert_statement(table: Table, *, key: bool = True) -> str:
    columns = (KEY, *COLUMNS[table.name]) if key else COLUMNS[table.name]
    return (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({','.join('?' * len(columns))})"
    )


def _keyed_rows(
    persons: Sequence[PersonRecords], keys: Mapping[str, int], index: int
) -> list[tuple[Any, ...]]:
    """The rows of table ``index`` of ``persons`` (in key order), each led by its person's
    key."""
    return [(keys[p.pseudonym], *row) for p in persons for row in p.tables[index]]


def _in_key_order(
    persons: Sequence[PersonRecords], kept: Mapping[str, int]
) -> tuple[list[PersonRecords], list[PersonRecords]]:
    """``persons`` the target has (``kept``: pseudonym → key), by key; and the new ones, in
    the order they get their keys. Their rows then reach each table in key order."""
    old = sorted((p for p in persons if p.pseudonym in kept), key=lambda p: kept[p.pseudonym])
    return old, [p for p in persons if p.pseudonym not in kept]


def _replace_sqlite(db: Any, persons: Sequence[PersonRecords]) -> None:
    cursor = db.cursor()
    try:
        keys: dict[str, int] = {}
        pseudonyms = [p.pseudonym for p in persons]
        for chunk in _chunks(pseudonyms):
            cursor.execute(
                "SELECT pseudonym, person_key FROM persons "
                f"WHERE pseudonym IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            keys.update(cursor.fetchall())
        # Persons the target has: their rows go, their number stays.
        for table in TABLES if keys else ():
            for numbers in _chunks(sorted(keys.values())):
                cursor.execute(
                    f"DELETE FROM {table.name} WHERE {KEY} IN ({','.join('?' * len(numbers))})",
                    numbers,
                )
        old, new = _in_key_order(persons, keys)
        if old:
            cursor.executemany(_insert_statement(PERSONS), _keyed_rows(old, keys, 0))
        if new:
            # New persons: SQLite numbers them (person_key is the rowid), each one past the
            # largest so far; in one transaction, holding the write lock, they are consecutive.
            cursor.executemany(_insert_statement(PERSONS, key=False), [p.tables[0][0] for p in new])
            last = cursor.execute("SELECT last_insert_rowid()").fetchone()[0]
            given = range(last - len(new) + 1, last + 1)
            keys.update(zip((p.pseudonym for p in new), given, strict=True))
        ordered = old + new
        for index, table in enumerate(TABLES[1:], start=1):
            rows = _keyed_rows(ordered, keys, index)
            if rows:
                cursor.executemany(_insert_statement(table), rows)
    finally:
        cursor.close()


def _replace_postgres(db: Any, persons: Sequence[PersonRecords]) -> None:
    with db.cursor() as cursor:
        pseudonyms = [p.pseudonym for p in persons]
        cursor.execute(
            "SELECT pseudonym, person_key FROM persons WHERE pseudonym = ANY(%s)", (pseudonyms,)
        )
        keys: dict[str, int] = dict(cursor.fetchall())
        if keys:
            present = sorted(keys.values())
            for table in TABLES:
                cursor.execute(f"DELETE FROM {table.name} WHERE {KEY} = ANY(%s)", (present,))
        old, new = _in_key_order(persons, keys)
        if new:
            # Numbers from the column's sequence: concurrent writers (backfill tasks) never
            # share one.
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('persons', 'person_key')) "
                "FROM generate_series(1, %s)",
                (len(new),),
            )
            numbers = sorted(row[0] for row in cursor.fetchall())
            keys.update(zip((p.pseudonym for p in new), numbers, strict=True))
        ordered = old + new
        for index, table in enumerate(TABLES):
            rows = _keyed_rows(ordered, keys, index)
            if not rows:
                continue
            columns = ", ".join((KEY, *COLUMNS[table.name]))
            with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


def read_persons(conn: Connection, pseudonyms: Iterable[str]) -> dict[str, PersonRows]:
    """The stored rows of those ``pseudonyms`` that have any (without ``person_key``, which
    only numbers the person in this target)."""
    keys: dict[int, str] = {}
    for chunk in _chunks(list(pseudonyms)):
        query = select(PERSONS.c.person_key, PERSONS.c.pseudonym).where(
            PERSONS.c.pseudonym.in_(chunk)
        )
        keys.update((row.person_key, row.pseudonym) for row in conn.execute(query))
    found: dict[str, PersonRows] = {}
    numbers = sorted(keys)
    for table in TABLES:
        for i in range(0, len(numbers), _CHUNK):
            query = select(table).where(table.c.person_key.in_(numbers[i : i + _CHUNK]))
            for row in conn.execute(query).mappings():
                values = dict(row)
                pseudonym = keys[values.pop(KEY)]
                person = found.setdefault(pseudonym, PersonRows(pseudonym))
                person.tables.setdefault(table.name, []).append(values)
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
    key_columns = [c.name for c in table.primary_key.columns if c.name != KEY]
    return {tuple(row[c] for c in key_columns): row for row in rows}


def _chunks(items: list[_T]) -> list[list[_T]]:
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]
