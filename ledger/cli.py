"""The ``ledger`` command: a thin shell over the library (one function per command).

Every command that touches the store takes ``--db`` (a SQLite file, or a ``postgresql://`` URL;
default ``$LEDGER_DB``, else ``ledger.db`` in the working directory). Errors are one line, not
a traceback. To add a command, write one function decorated with ``@main.command(...)`` and,
when it reads the store, ``@db_option`` plus ``with ledger_session(db) as app:``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ledger.application import LedgerWriteConflict
from ledger.cli_common import db_option, ledger_session, one_line
from ledger.history import history_json, history_table
from ledger.importer import (
    DEFAULT_BATCH_SIZE,
    ImportFileError,
    ImportInterrupted,
    ImportSummary,
    import_files,
)
from ledger.person_id import InvalidPersonId, mask, validate_person_id


@click.group()
@click.version_option(package_name="resident-ledger")
def main() -> None:
    """Event-sourced enrollment ledger for urban-rural resident basic medical insurance
    (城乡居民基本医疗保险)."""


@main.command("import")
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@db_option
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=None,
    help=f"Lines per transaction [default: {DEFAULT_BATCH_SIZE:,}].",
)
@click.option("--encoding", default=None, help="CSV encoding (default: UTF-8, else GB18030).")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on stderr [default: for large files on a terminal].",
)
def import_command(
    files: tuple[Path, ...],
    db: str | None,
    batch_size: int | None,
    encoding: str | None,
    progress: bool | None,
) -> None:
    """Import event files (JSON Lines, or CSV in UTF-8 or GB18030).

    Idempotent by event_id: importing a file again stores nothing new. Bad lines go to
    FILE.rejects.jsonl; the exit status is 1 when any line was rejected.

    Example: ledger import examples/events.jsonl
    """
    with ledger_session(db) as app:
        try:
            summaries = import_files(
                app, files, batch_size=batch_size, encoding=encoding, progress=progress
            )
        except ImportInterrupted as exc:
            _print_summaries(exc.summaries)
            click.echo(
                "interrupted: every batch counted above is stored; "
                "run the same command again to complete the import",
                err=True,
            )
            sys.exit(130)
        except ImportFileError as exc:
            raise click.ClickException(str(exc)) from None
        except LedgerWriteConflict as exc:
            raise click.ClickException(str(exc)) from None
    _print_summaries(summaries)
    if any(summary.rejected for summary in summaries):
        sys.exit(1)


def _print_summaries(summaries: list[ImportSummary]) -> None:
    for summary in summaries:
        click.echo(summary.describe())
    if len(summaries) > 1:
        stored = sum(s.stored for s in summaries)
        present = sum(s.present for s in summaries)
        rejected = sum(s.rejected for s in summaries)
        click.echo(f"total: {stored} stored, {present} already present, {rejected} rejected")


@main.command("history")
@click.argument("person_id")
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table (ID numbers masked) or json (contract records).",
)
def history_command(person_id: str, db: str | None, fmt: str) -> None:
    """Show a person's events in arrival order.

    Example: ledger history 610902198001011230 --format json
    """
    try:
        person_id = validate_person_id(person_id)
    except InvalidPersonId as exc:
        raise click.ClickException(str(exc)) from None
    with ledger_session(db) as app:
        facts = app.history(person_id)
    if not facts:
        raise click.ClickException(f"no events for person {mask(person_id)}")
    if fmt == "json":
        click.echo(history_json(facts))
    else:
        click.echo(history_table(person_id, facts))


_one_line = one_line


# Commands kept in their own modules, registered here.
from ledger.cli_replay import replay_command  # noqa: E402
from projections.reporting.cli import project_command  # noqa: E402

main.add_command(replay_command)
main.add_command(project_command)

from ledger.commands_synth import synth_command  # noqa: E402

main.add_command(synth_command)

from projections.backfill_cli import backfill_command  # noqa: E402

main.add_command(backfill_command)
