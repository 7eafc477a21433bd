"""Exports (导出) for spreadsheets and BI tools: the person views, the status in the national
platform's shape, the reporting tables and the lookup tables, as CSV, JSON Lines or Parquet.

What ``ledger export`` runs (docs/export.md); usable from Python alike:

- :func:`export_views`: the person views of the store, one row per person and coverage year
  (:data:`~projections.export.persons.PERSON_YEAR_COLUMNS`), folded under a cut (``as_of``,
  ``known_on``, ``stored_on``) as ``ledger replay`` folds them;
- :func:`export_insured`: each person's insured-person record (参保信息) on ``as_of``, in the
  shape of the national medical-insurance platform's (:mod:`.insured`);
- :func:`export_table`: a table of a reporting database (:mod:`.reporting`);
- :func:`export_lookup`: a lookup table (:mod:`.lookups`).

Persons are streamed (one page of the store, one person's fold at a time) and every row is
written as it is made (:mod:`.formats`): memory stays flat whatever the population. No export
holds a clear ID number: persons are named by the reporting database's keyed pseudonym or by
their masked ID number (:class:`~projections.export.persons.PersonIds`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ledger.application import LedgerApp
from policies.registry import PolicyRegistry
from projections.export.columns import Column, Lang
from projections.export.formats import Format, open_sink
from projections.export.insured import insured_columns, insured_row
from projections.export.lookups import LOOKUPS
from projections.export.persons import (
    PersonIds,
    fixed_cut,
    fold_persons,
    person_year_columns,
    person_year_rows,
)
from projections.export.reporting import table_columns, table_rows
from projections.replay import Cut
from projections.reporting.target import Target


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote."""

    path: Path
    format: str
    rows: int
    persons: int | None
    seconds: float

    def describe(self) -> str:
        persons = f" ({self.persons:,} persons)" if self.persons is not None else ""
        return (
            f"wrote {self.rows:,} rows{persons} to {self.path} ({self.format}) "
            f"in {self.seconds:.1f} s"
        )


@dataclass(frozen=True)
class Output:
    """Where and how an export is written."""

    path: Path
    format: Format
    lang: Lang = "en"
    encoding: str | None = None
    """CSV only: ``utf-8-sig`` (default), ``utf-8`` or ``gb18030``."""


def _metadata(table: str, **fields: Any) -> dict[str, str]:
    about = {"table": table, "made_at": datetime.now(UTC).isoformat(timespec="seconds")}
    about.update({k: v for k, v in fields.items() if v is not None})
    return {"ledger.export": json.dumps(about, ensure_ascii=False, default=str)}


def _write(
    output: Output,
    columns: tuple[Column, ...],
    rows: Iterable[tuple[Any, ...]],
    metadata: dict[str, str],
) -> int:
    with open_sink(
        output.path,
        columns,
        fmt=output.format,
        lang=output.lang,
        encoding=output.encoding,
        metadata=metadata,
    ) as sink:
        for row in rows:
            sink.write(row)
    return sink.rows


def _cut_fields(cut: Cut, ids: PersonIds) -> dict[str, Any]:
    return {
        "as_of": cut.as_of,
        "known_on": cut.known_on,
        "stored_on": cut.stored_on,
        "persons_by": ids.mode,
    }


def export_views(
    app: LedgerApp,
    registry: PolicyRegistry,
    output: Output,
    *,
    ids: PersonIds,
    cut: Cut = Cut(),  # noqa: B008 - frozen
    read: Callable[[], None] | None = None,
) -> ExportReport:
    """The person views of ``app`` under ``cut``, one row per person and coverage year;
    ``read()`` is called for each person read from the store (for a progress bar)."""
    began = time.perf_counter()
    cut = fixed_cut(cut)
    persons = 0

    def rows() -> Iterable[tuple[Any, ...]]:
        nonlocal persons
        for view, _events in fold_persons(app, registry, cut, read=read):
            persons += 1
            yield from person_year_rows(view, ids)

    written = _write(
        output, person_year_columns(ids), rows(), _metadata("views", **_cut_fields(cut, ids))
    )
    return ExportReport(output.path, output.format, written, persons, time.perf_counter() - began)


def export_insured(
    app: LedgerApp,
    registry: PolicyRegistry,
    output: Output,
    *,
    ids: PersonIds,
    cut: Cut = Cut(),  # noqa: B008 - frozen
    read: Callable[[], None] | None = None,
) -> ExportReport:
    """Each person's insured-person record on ``cut.as_of`` (default today in China);
    ``read()`` as for :func:`export_views`."""
    began = time.perf_counter()
    cut = fixed_cut(cut)
    folded = fold_persons(app, registry, cut, read=read)
    rows = (insured_row(view, events, ids) for view, events in folded)
    written = _write(
        output, insured_columns(ids), rows, _metadata("insured", **_cut_fields(cut, ids))
    )
    return ExportReport(output.path, output.format, written, written, time.perf_counter() - began)


def export_table(target: Target, name: str, output: Output) -> ExportReport:
    """Reporting table ``name`` of ``target``, rows as stored, persons by pseudonym."""
    began = time.perf_counter()
    rows = table_rows(target, name)
    written = _write(output, table_columns(name), rows, _metadata(name, source=target.display))
    return ExportReport(output.path, output.format, written, None, time.perf_counter() - began)


def export_lookup(name: str, output: Output, registry: PolicyRegistry) -> ExportReport:
    """Lookup table ``name`` (:data:`~projections.export.lookups.LOOKUPS`)."""
    began = time.perf_counter()
    lookup = LOOKUPS[name]
    written = _write(output, lookup.columns, lookup.rows(registry), _metadata(f"lookup {name}"))
    return ExportReport(output.path, output.format, written, None, time.perf_counter() - began)


__all__ = [
    "ExportReport",
    "Output",
    "PersonIds",
    "export_insured",
    "export_lookup",
    "export_table",
    "export_views",
]
