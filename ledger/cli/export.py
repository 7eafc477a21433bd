"""``ledger export``: files for spreadsheets and BI tools (thin shell over
:mod:`projections.export`; docs/export.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import click

from ledger import progress as bars
from ledger.cli._common import (
    F,
    OperatorError,
    db_option,
    ledger_session,
    load_registry,
    one_line,
    policies_option,
    recorded_cut_options,
)
from ledger.cli.project import TARGET_ERRORS, key_file_option
from ledger.status import count_persons
from projections.export import (
    ExportReport,
    Output,
    PersonIds,
    export_insured,
    export_lookup,
    export_table,
    export_views,
)
from projections.export.columns import LANGS
from projections.export.formats import (
    ENCODINGS,
    EXTENSIONS,
    FORMATS,
    ExportFormatError,
    ParquetMissing,
    format_of,
    require_pyarrow,
)
from projections.export.lookups import LOOKUPS
from projections.export.reporting import REPORTING_TABLES, target_key
from projections.replay import Cut
from projections.reporting.pseudonym import KEY_ENV, PseudonymKeyError, configured_key
from projections.reporting.target import InvalidTarget, parse_target, reason


@click.group("export")
def export_command() -> None:
    """Write person views, the insured status, reporting tables or lookup tables to a file:
    CSV (Excel: UTF-8 with BOM, or --encoding gb18030), JSON Lines or Parquet, chosen by the
    extension or --format. Rows are written as they are made: memory stays flat. No export
    holds a clear ID number (persons by keyed pseudonym, or --ids mask). See docs/export.md.

    \b
    Examples:
      ledger export views --to views.csv --as-of 2025-12-31
      ledger export insured --to insured.parquet --as-of 2025-06-30
      ledger export table contribution_years --from reports.db --to years.csv --lang zh
      ledger export lookup all --to lookups/ --format csv
    """


def output_options(f: F) -> F:
    """``--to``, ``--format``, ``--lang``, ``--encoding``."""
    for option in reversed(
        [
            click.option(
                "--to",
                "to",
                required=True,
                type=click.Path(path_type=Path),
                help=f"The file to write; its extension ({', '.join(EXTENSIONS)}) gives the "
                "format unless --format does.",
            ),
            click.option(
                "--format", "fmt", type=click.Choice(FORMATS), default=None, help="Format."
            ),
            click.option(
                "--lang",
                type=click.Choice(LANGS),
                default="en",
                show_default=True,
                help="Headers: en field names, zh Chinese names, both.",
            ),
            click.option(
                "--encoding",
                type=click.Choice(ENCODINGS),
                default=None,
                help="CSV only [default: utf-8-sig, which Excel reads as UTF-8].",
            ),
        ]
    ):
        f = option(f)
    return f


def person_options(f: F) -> F:
    """The store, the cut, the policies and how persons are named."""
    for option in reversed(
        [
            db_option,
            click.option(
                "--as-of",
                "as_of",
                type=click.DateTime(["%Y-%m-%d"]),
                default=None,
                help="Only events dated on or before this day [default: today in China].",
            ),
            recorded_cut_options,
            policies_option,
            click.option(
                "--ids",
                type=click.Choice(["pseudonym", "mask"]),
                default="pseudonym",
                show_default=True,
                help="Persons by the reporting database's keyed pseudonym, or by masked ID "
                "number (610902********1215: for reading, not a key).",
            ),
            key_file_option,
            click.option(
                "--progress/--no-progress",
                default=None,
                help="A progress bar on stderr [default: when it is a terminal].",
            ),
            click.option(
                "--key-from",
                "key_from",
                default=None,
                metavar="PATH|URL",
                help="Use the pseudonym key this reporting database was built with (its own "
                "random key if it was built without one); checks a key given against it.",
            ),
        ]
    ):
        f = option(f)
    return f


def _output(to: Path, fmt: str | None, lang: str, encoding: str | None) -> Output:
    if to.is_dir():
        raise click.BadParameter(f"{to} is a directory; name the file", param_hint="--to")
    try:
        chosen = format_of(to, fmt)
    except ExportFormatError as exc:
        raise click.BadParameter(str(exc), param_hint="--to") from None
    if encoding is not None and chosen != "csv":
        raise click.BadParameter(f"for CSV only; {chosen} is always UTF-8", param_hint="--encoding")
    if not to.parent.is_dir():
        raise OperatorError(f"cannot write {to}: the directory {to.parent} does not exist")
    if chosen == "parquet":
        try:
            require_pyarrow()
        except ParquetMissing as exc:
            raise OperatorError(str(exc)) from None
    return Output(to, chosen, lang, encoding)  # type: ignore[arg-type]


def _ids(mode: str, key_file: Path | None, key_from: str | None) -> PersonIds:
    if mode == "mask":
        if key_from is not None:
            raise click.UsageError("--key-from is for --ids pseudonym")
        return PersonIds()
    try:
        key = configured_key(key_file)
        target = parse_target(key_from) if key_from is not None else None
        if target is not None:
            try:
                key = target_key(target, key)
            except TARGET_ERRORS as exc:
                raise OperatorError(f"reporting database {target.display}: {reason(exc)}") from None
    except (PseudonymKeyError, InvalidTarget) as exc:
        raise OperatorError(str(exc)) from None
    if key is None:
        raise OperatorError(
            f"persons are exported by keyed pseudonym: set {KEY_ENV} (or --key-file) to the "
            "key of the reporting database the export should join with, or --key-from that "
            "database, or use --ids mask"
        )
    return PersonIds(key)


def _run(write: Callable[[], ExportReport], output: Output, *, say: bool = True) -> ExportReport:
    """Run an export and say what it wrote (``say``); problems writing the file become one
    line."""
    try:
        report = write()
    except OSError as exc:
        raise click.ClickException(
            f"cannot write {output.path}: {exc.strerror or one_line(exc)}"
        ) from None
    if say:
        click.echo(report.describe())
    return report


def _person_export(
    kind: str,
    to: Path,
    fmt: str | None,
    lang: str,
    encoding: str | None,
    db: str | None,
    as_of: datetime | None,
    known_on: datetime | None,
    stored_on: datetime | None,
    policies: Path | None,
    ids: str,
    key_file: Path | None,
    key_from: str | None,
    progress: bool | None,
) -> None:
    output = _output(to, fmt, lang, encoding)
    cut = Cut(
        as_of=as_of.date() if as_of else None,
        known_on=known_on,
        stored_on=stored_on,
    )
    registry = load_registry(policies)
    persons = _ids(ids, key_file, key_from)
    export = export_views if kind == "views" else export_insured
    show = bars.wanted(progress)
    with ledger_session(db) as app:
        total = count_persons(app.recorder) if show else None
        with bars.bar(
            total=total, desc=f"export {kind}", unit="person", enabled=show, forced=progress
        ) as bar:
            report = _run(
                lambda: export(
                    app, registry, output, ids=persons, cut=cut, read=lambda: bar.update(1)
                ),
                output,
                say=False,
            )
    click.echo(report.describe())  # after the bar is gone


@export_command.command("views")
@output_options
@person_options
def views_command(**options: Any) -> None:
    """The person views, one row per person and coverage year: region, policy, enrolled,
    contribution (standard, subsidy, due, paid, refunded), coverage, waiting period,
    continuity, critical-illness cap adjustments, flags and the rules applied.

    \b
    Example:
      ledger export views --to views.csv --as-of 2025-12-31 --lang both
    """
    _person_export("views", **options)


@export_command.command("insured")
@output_options
@person_options
def insured_command(**options: Any) -> None:
    """Each person's insured-person record on --as-of, in the shape of the national
    medical-insurance platform's 参保信息 (险种 390, 人员参保状态, 个人参保日期, 暂停参保日期,
    参保地医保区划 …): the field mapping is in docs/export.md.

    \b
    Example:
      ledger export insured --to insured.csv --as-of 2025-06-30 --encoding gb18030
    """
    _person_export("insured", **options)


_TABLE_HELP = f"""A table of a reporting database, rows as stored, persons by its pseudonym.

TABLE: {", ".join(sorted(REPORTING_TABLES))}.

\b
Example:
  ledger export table coverage_periods --from reports.db --to periods.parquet
"""


@export_command.command("table", help=_TABLE_HELP)
@click.argument("name", metavar="TABLE", type=click.Choice(sorted(REPORTING_TABLES)))
@click.option(
    "--from",
    "source",
    required=True,
    metavar="PATH|URL",
    help="The reporting database (as ledger project --to names it).",
)
@output_options
def table_command(
    name: str, source: str, to: Path, fmt: str | None, lang: str, encoding: str | None
) -> None:
    """A table of a reporting database (help: ``_TABLE_HELP``)."""
    output = _output(to, fmt, lang, encoding)
    try:
        target = parse_target(source)
    except InvalidTarget as exc:
        raise OperatorError(str(exc)) from None
    try:
        _run(lambda: export_table(target, name, output), output)
    except InvalidTarget as exc:
        raise OperatorError(str(exc)) from None
    except TARGET_ERRORS as exc:
        raise OperatorError(f"reporting database {target.display}: {reason(exc)}") from None


@export_command.command("lookup")
@click.argument("name", type=click.Choice([*LOOKUPS, "all"]))
@output_options
@policies_option
def lookup_command(
    name: str,
    to: Path,
    fmt: str | None,
    lang: str,
    encoding: str | None,
    policies: Path | None,
) -> None:
    """A lookup table (codes with their Chinese and English names): regions, identities,
    flags, rules (with the notice and section each version cites), codes (event types,
    reasons, the status export's codes …), columns (every export's columns); or all of them
    into the directory --to, one file each (--format, default csv).

    \b
    Example:
      ledger export lookup regions --to regions.csv --encoding gb18030
    """
    registry = load_registry(policies)
    if name != "all":
        output = _output(to, fmt, lang, encoding)
        _run(lambda: export_lookup(name, output, registry), output)
        return
    if to.exists() and not to.is_dir():
        raise click.BadParameter(f"{to} is not a directory", param_hint="--to")
    if not to.parent.is_dir():
        raise OperatorError(f"cannot write into {to}: {to.parent} does not exist")
    to.mkdir(exist_ok=True)
    chosen = fmt or "csv"
    suffix = {"csv": ".csv", "jsonl": ".jsonl", "parquet": ".parquet"}[chosen]
    for each in LOOKUPS:
        output = _output(to / f"{each}{suffix}", chosen, lang, encoding)
        _run(partial(export_lookup, each, output, registry), output)
