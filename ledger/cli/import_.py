"""``ledger import``: store event files (a thin shell over :mod:`ledger.importer`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ledger.application import LedgerWriteConflict
from ledger.cli._common import db_option, ledger_session
from ledger.importer import (
    DEFAULT_BATCH_SIZE,
    ImportFileError,
    ImportInterrupted,
    ImportSummary,
    import_files,
)


@click.command("import")
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
    with ledger_session(db, create=True) as app:
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
