"""The reporting tables (报表库, docs/reporting.md) as export files: read from a reporting
database, streamed row by row (a server-side cursor on PostgreSQL), in key order.

Each table is written as it is stored, with the person's ``pseudonym`` in place of
``person_key`` (a number that means something only inside that database): the file joins with
the reporting database's ``persons``, with the person-view exports made with the same key, and
with the other tables' files. Nothing is computed: what the projector wrote is what is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Boolean, Date, Engine, Integer, Numeric, Table, inspect, select

from projections.export.columns import Column, Kind
from projections.reporting import migrate
from projections.reporting.projector import _KEY_CHECK as KEY_CHECK
from projections.reporting.projector import _LOCAL_KEY as LOCAL_KEY
from projections.reporting.pseudonym import PseudonymKey, PseudonymKeyError
from projections.reporting.schema import ReportingMeta
from projections.reporting.target import InvalidTarget, Target, check_target, make_engine
from projections.reporting.writer import COLUMNS, KEY, PERSONS, TABLES

STREAM_ROWS = 5_000
"""Rows fetched at a time from the reporting database."""

REPORTING_TABLES: dict[str, Table] = {table.name: table for table in TABLES}
"""The tables that hold person rows, by name: ``persons``, ``contribution_years``,
``coverage_periods``, ``waiting_periods``, ``continuity_years``, ``cap_adjustments``,
``flags``."""


def _kind(column: Any) -> Kind:
    kind = column.type
    if isinstance(kind, Numeric):
        return "money"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, Integer):
        return "int"
    return "text"


def table_columns(name: str) -> tuple[Column, ...]:
    """The columns of the export of reporting table ``name``: ``pseudonym``, then the table's
    own (``person_key`` left out)."""
    table = REPORTING_TABLES[name]
    own = [c for c in COLUMNS[name] if c != "pseudonym"]
    return (Column("pseudonym"), *(Column(c, _kind(table.c[c])) for c in own))


class TargetNotCurrent(InvalidTarget):
    """A reporting database at another schema revision than this ledger's: its tables may
    not have the columns the export names."""


def table_rows(
    target: Target, name: str, *, stream_rows: int = STREAM_ROWS
) -> Iterator[tuple[Any, ...]]:
    """The rows of reporting table ``name`` of ``target`` (:func:`table_columns`), ordered by
    person then key, fetched ``stream_rows`` at a time. Reads only. The target is checked
    before this returns: :class:`InvalidTarget` when it is no reporting database,
    :class:`TargetNotCurrent` when its schema is not this ledger's."""
    if name not in REPORTING_TABLES:
        raise KeyError(f"no reporting table {name!r}")
    check_target(target, create=False)
    engine = make_engine(target)
    try:
        with engine.connect() as conn:
            if migrate.VERSION_TABLE not in inspect(conn).get_table_names():
                raise InvalidTarget(f"no reporting tables in {target.display}")
            current, head = migrate.current_revision(conn), migrate.head_revision()
        if current != head:
            raise TargetNotCurrent(
                f"{target.display} is at reporting schema {current}, this ledger reads "
                f"{head}: bring it up to date with ledger project --to it first"
            )
    except BaseException:
        engine.dispose()
        raise
    return _stream(engine, name, stream_rows)


def _stream(engine: Engine, name: str, stream_rows: int) -> Iterator[tuple[Any, ...]]:
    table = REPORTING_TABLES[name]
    own = [table.c[c] for c in COLUMNS[name] if c != "pseudonym"]
    keys = [c for c in table.primary_key.columns if c.name != KEY]
    if table is PERSONS:
        query = select(PERSONS.c.pseudonym, *own).order_by(PERSONS.c[KEY])
    else:
        query = (
            select(PERSONS.c.pseudonym, *own)
            .join_from(table, PERSONS, table.c[KEY] == PERSONS.c[KEY])
            .order_by(table.c[KEY], *keys)
        )
    try:
        with engine.connect() as conn:
            for row in conn.execution_options(yield_per=stream_rows).execute(query):
                yield tuple(row)
    finally:
        engine.dispose()


def target_key(target: Target, configured: PseudonymKey | None) -> PseudonymKey:
    """The pseudonym key ``target`` was built with, so that an export's pseudonyms are that
    database's: ``configured`` (``LEDGER_PSEUDONYM_KEY`` or a key file) when the target's
    check value says it is the same key; else, for a target built without one, the random
    key it keeps (docs/reporting.md). :class:`PseudonymKeyError` otherwise."""
    check_target(target, create=False)
    engine = make_engine(target)
    try:
        with engine.connect() as conn:
            if ReportingMeta.__tablename__ not in inspect(conn).get_table_names():
                raise InvalidTarget(f"no reporting tables in {target.display}")
            meta = ReportingMeta.__table__
            stored = {k: v for k, v in conn.execute(select(meta.c.key, meta.c.value))}
    finally:
        engine.dispose()
    check = stored.get(KEY_CHECK)
    if configured is not None:
        if check is not None and check != configured.check:
            raise PseudonymKeyError(
                f"the pseudonym key given is not the one {target.display} was built with: "
                "the export would not join with it"
            )
        return configured
    local = stored.get(LOCAL_KEY)
    if local is not None:
        return PseudonymKey(local.encode("ascii"), "target")
    if check is not None:
        raise PseudonymKeyError(
            f"{target.display} was built with a pseudonym key: set LEDGER_PSEUDONYM_KEY "
            "(or give the key file)"
        )
    raise PseudonymKeyError(f"{target.display} has no pseudonym key yet (nothing projected)")
