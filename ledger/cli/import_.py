"""``ledger import``: store event files (a thin shell over :mod:`ledger.importer`)."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click
from eventsourcing.persistence import PersistenceError

from ledger.application import LedgerWriteConflict
from ledger.cli._common import OperatorError, db_option, ledger_session, one_line
from ledger.importer import (
    DEFAULT_BATCH_SIZE,
    PIPELINE_BATCH_SIZE,
    ImportFileError,
    ImportSummary,
    Reject,
    import_file,
    is_stdin,
)
from ledger.loaders import LoaderError, LoaderPool
from ledger.person_id import mask_ids_in
from ledger.store import StoreError


@click.command("import")
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
)
@db_option
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=None,
    help=f"Lines per transaction [default: {PIPELINE_BATCH_SIZE:,} into PostgreSQL "
    f"with one loader or into a SQLite file, else {DEFAULT_BATCH_SIZE:,}].",
)
@click.option(
    "--encoding",
    default=None,
    help="CSV encoding [default: UTF-8 or GB18030, decided from the file; a file that does "
    "not tell is refused, asking for this option].",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on stderr [default: for large files on a terminal].",
)
@click.option(
    "--rejects",
    "rejects_to",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Where the rejected lines of standard input (-) go, as FILE.rejects.jsonl does for "
    "a file [default: one line each on stderr].",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Loader processes: the input is split by person across them (the result is one "
    "loader's). With --scheduler, Dask workers (default: one per worker of the cluster).",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="tcp://HOST:PORT",
    help="Run the loaders on an existing Dask cluster (they must reach the store).",
)
def import_command(
    files: tuple[Path, ...],
    db: str | None,
    batch_size: int | None,
    encoding: str | None,
    progress: bool | None,
    rejects_to: Path | None,
    workers: int,
    scheduler: str | None,
) -> None:
    """Import event files (JSON Lines, or CSV in UTF-8 or GB18030); - is standard input.

    Events are stored in any order (a payment before the registration, files in any order).
    Idempotent by event_id: importing a file again stores nothing new. Bad lines go to
    FILE.rejects.jsonl (for -: stderr, or --rejects FILE). Exit status: 1 when any line was
    rejected (the rest is stored); 2 when the store failed under the import (what was stored
    is counted: run it again) or was a mistake; 130 when interrupted.

    --workers N splits the input by person across N loader processes (PostgreSQL: only the
    events' insert is serial among them); the same events, rejects and views as one loader.

    \b
    Examples:
      ledger import examples/events.jsonl
      ledger import big-export.jsonl --db postgresql://ledger@db/ledger --workers 8
      ledger history 610902197003051215 --format jsonl | ledger import --db copy.db -
    """
    if sum(is_stdin(path) for path in files) > 1:
        raise click.UsageError("standard input (-) can be read once")
    if rejects_to is not None and not any(is_stdin(path) for path in files):
        raise click.UsageError("--rejects is for standard input (-); files have FILE.rejects.jsonl")
    with ledger_session(db, create=True) as app:
        summaries: list[ImportSummary] = []
        try:
            with ExitStack() as stack:
                pool = None
                if workers > 1 or scheduler:
                    pool = stack.enter_context(
                        LoaderPool(
                            db,
                            workers if workers > 1 or not scheduler else 0,
                            scheduler=scheduler,
                            batch_size=batch_size,
                        )
                    )
                for path in files:
                    summary = ImportSummary(path)
                    summaries.append(summary)
                    stdin = is_stdin(path)
                    options: dict[str, Any] = {
                        "encoding": encoding,
                        "progress": progress,
                        "summary": summary,
                        "rejects_to": rejects_to if stdin else None,
                        "on_reject": _report if stdin and rejects_to is None else None,
                    }
                    if pool is None:
                        import_file(app, path, batch_size=batch_size, **options)
                    else:
                        pool.import_file(path, **options)
        except KeyboardInterrupt:
            _print_summaries(summaries)
            click.echo(
                "interrupted: every batch counted above is stored; "
                "run the same command again to complete the import",
                err=True,
            )
            sys.exit(130)
        except ImportFileError as exc:
            raise click.ClickException(str(exc)) from None
        except (LedgerWriteConflict, LoaderError, PersistenceError, StoreError) as exc:
            # The store failed under the import (a server gone, a lost race): say what is
            # stored, and that a second run completes it.
            # Exit status 2, not 1: 1 says "lines rejected, the rest stored", which a script
            # would take for a finished import.
            _print_summaries(summaries)
            raise OperatorError(
                f"{one_line(exc)}\nstopped: every batch counted above is stored; run the same "
                "command again once the store is back to complete the import"
            ) from None
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


def _report(reject: Reject) -> None:
    """A rejected line of standard input, on stderr (ID numbers masked)."""
    ident = f" (event {mask_ids_in(reject.event_id)})" if reject.event_id else ""
    click.echo(f"rejected -:{reject.line}{ident}: {reject.reason}: {reject.message}", err=True)
