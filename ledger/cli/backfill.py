"""``ledger backfill``: bulk-load history and build the reporting tables (thin shell over
:mod:`projections.backfill`)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path

import click
from eventsourcing.persistence import PersistenceError

from ledger.application import LedgerWriteConflict
from ledger.cli._common import OperatorError, db_option, ledger_session, one_line, policies_option
from ledger.cli.project import MISTAKES, TARGET_ERRORS, key_file_option
from ledger.importer import ImportFileError, ImportInterrupted
from ledger.loaders import LoaderError
from ledger.store import StoreError, display_db
from policies import PolicyFileError
from projections.backfill import (
    LoadReport,
    ReplayReport,
    load_files,
    project_partitions,
    replay_session,
    source_files,
)
from projections.distributed import DaskMissing, require_dask
from projections.reporting.projector import check_key, require_key
from projections.reporting.pseudonym import PseudonymKeyError, configured_key
from projections.reporting.target import (
    InvalidTarget,
    LockLost,
    Target,
    TargetBusy,
    check_target,
    parse_target,
    reason,
)


@click.command("backfill")
@click.argument(
    "source", type=click.Path(exists=True, file_okay=True, dir_okay=True, path_type=Path)
)
@db_option
@click.option(
    "--to",
    "to",
    default=None,
    metavar="PATH|URL",
    help="Reporting database to build (as for ledger project); without it, load only.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Load with N loader processes split by person, and replay on a Dask LocalCluster of "
    "N processes (0: both in this process).",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="tcp://HOST:PORT",
    help="Replay on an existing Dask cluster.",
)
@click.option(
    "--partitions",
    type=click.IntRange(min=1),
    default=None,
    help="Partitions of persons [default: ~20,000 persons each, at least 4 per worker].",
)
@policies_option
@key_file_option
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bars on stderr [default: on a terminal].",
)
@click.option(
    "--wait", is_flag=True, help="Wait for a projector writing the target instead of stopping."
)
def backfill_command(
    source: Path,
    db: str | None,
    to: str | None,
    workers: int,
    scheduler: str | None,
    partitions: int | None,
    policies: Path | None,
    key_file: Path | None,
    progress: bool | None,
    wait: bool,
) -> None:
    """Bulk-load history from FILE or DIR (every *.jsonl and *.csv, in name order) into the
    ledger, then build the reporting tables at --to from every person, partitioned by person.

    Loading validates like ledger import (rejects in FILE.rejects.jsonl, idempotent by
    event_id), split by person across N loaders with --workers N or on the --scheduler's
    cluster (the same result as one loader). The replay runs in this process, on a Dask
    LocalCluster (--workers N) or on an existing cluster (--scheduler). Its checkpoint is the
    one ledger project keeps: run ledger project --to the same target afterwards to follow
    new events. Running the backfill again gives the same tables. Exit status 1 when any line
    was rejected. See docs/backfill.md.

    \b
    Example:
      ledger backfill history/ --db ledger.db --to reports.db --workers 2
    """
    if workers and scheduler:
        raise click.UsageError("give either --workers or --scheduler, not both")
    if workers or scheduler:
        _require_dask()
    # Everything that can refuse the run is checked before a single line is loaded (a refused
    # run used to load every file first): the target and the key here; the policies file,
    # the key the target was built with, its source ledger, its schema and its lock when the
    # replay session opens, before loading (the lock is then held until the replay ends).
    try:
        target = parse_target(to) if to is not None else None
        key = configured_key(key_file) if to is not None else None
        if target is not None:
            check_target(target, create=True)
            require_key(target, key)
            check_key(target, key)  # before the store is opened (or created)
    except (InvalidTarget, PseudonymKeyError) as exc:
        raise OperatorError(str(exc)) from None
    paths = source_files(source)
    if not paths:
        raise click.ClickException(f"{source}: no *.jsonl or *.csv file to load")
    database = db or "ledger.db"
    warn = partial(click.echo, err=True)
    with ledger_session(db, create=True) as app, ExitStack() as held:
        session = None
        if target is not None:
            with _replay_errors(target, database):
                session = held.enter_context(
                    replay_session(app, target, key, policies=policies, wait=wait, warn=warn)
                )
        try:
            loaded = load_files(
                app, paths, progress=progress, loaders=workers, scheduler=scheduler, db=db
            )
        except ImportInterrupted as exc:
            for summary in exc.summaries:
                click.echo(summary.describe())
            click.echo(
                "interrupted while loading: every batch counted above is stored; "
                "run the same command again to complete the backfill",
                err=True,
            )
            sys.exit(130)
        except ImportFileError as exc:
            raise click.ClickException(str(exc)) from None
        except (LedgerWriteConflict, LoaderError, PersistenceError, StoreError) as exc:
            # Exit status 2: 1 says "lines rejected", and the backfill did not finish.
            raise OperatorError(
                f"{one_line(exc)}\nstopped while loading: the batches stored so far are kept; "
                "run the same command again once the store is back to complete the backfill"
            ) from None
        for summary in loaded.files:
            if summary.rejected:
                click.echo(summary.describe(), err=True)
        replayed = None
        if target is not None:
            began = time.perf_counter()
            try:
                with _replay_errors(target, database):
                    replayed = project_partitions(
                        app,
                        database,
                        target,
                        key,
                        workers=workers,
                        scheduler=scheduler,
                        partitions=partitions,
                        progress=progress,
                        session=session,
                    )
            except KeyboardInterrupt:
                click.echo(describe(loaded, None, display_db(database), None)[0])
                click.echo(
                    f"interrupted after {time.perf_counter() - began:.0f} s of replay: the "
                    "checkpoint did not move; run the same command again (or ledger project) "
                    "to complete the target",
                    err=True,
                )
                sys.exit(130)
    shown = target.display if target else None
    for line in describe(loaded, replayed, display_db(database), shown):
        click.echo(line)
    if loaded.rejected:
        sys.exit(1)


@contextmanager
def _replay_errors(target: Target, database: str) -> Iterator[None]:
    """The replay's refusals and failures as one-line errors (exit 1, or 2 for a mistake)."""
    try:
        yield
    except PolicyFileError as exc:
        raise click.ClickException(str(exc)) from None
    except DaskMissing as exc:
        raise OperatorError(_no_dask(exc)) from None
    except MISTAKES as exc:
        raise OperatorError(str(exc)) from None
    except (TargetBusy, LockLost) as exc:
        raise click.ClickException(str(exc)) from None
    except PersistenceError as exc:
        shown = f"ledger {display_db(database)}: {one_line(exc)[:500]}"
        raise click.ClickException(shown) from None
    except (*TARGET_ERRORS, OSError) as exc:
        shown = f"reporting target {target.display}: {reason(exc)[:500]}"
        raise click.ClickException(shown) from None


def _require_dask() -> None:
    """--workers and --scheduler need the ``dask`` extra: one line and exit 2 without it,
    before anything is loaded."""
    try:
        require_dask()
    except DaskMissing as exc:
        raise OperatorError(_no_dask(exc)) from None


def _no_dask(exc: DaskMissing) -> str:
    return f"--workers and --scheduler run the replay on Dask: {exc}"


def describe(
    loaded: LoadReport, replayed: ReplayReport | None, db: str, target: str | None
) -> list[str]:
    """The closing summary: events stored/already/rejected, persons, rows, time per stage."""
    lines = [
        f"load: {len(loaded.files)} file(s), {loaded.lines:,} lines: {loaded.stored:,} stored, "
        f"{loaded.present:,} already present, {loaded.rejected:,} rejected "
        f"into {db} in {loaded.seconds:.1f} s ({_rate(loaded.lines, loaded.seconds)} lines/s)"
    ]
    if replayed is None:
        lines.append("replay: skipped (no --to)")
    else:
        partitions = f"{replayed.partitions:,} partition" + "s" * (replayed.partitions != 1)
        lines.append(
            f"replay: {replayed.persons:,} persons ({replayed.events:,} events) in "
            f"{partitions}, {replayed.rows:,} rows written to {target} "
            f"in {replayed.seconds:.1f} s ({_rate(replayed.events, replayed.seconds)} events/s, "
            f"{_rate(replayed.persons, replayed.seconds)} persons/s)"
        )
        tasks = f"  partition tasks {replayed.task_seconds:.1f} s (all workers)"
        if replayed.staged:  # a SQLite target: the client copies each staged partition in
            tasks += f", copying partitions into the target {replayed.merge_seconds:.1f} s"
        lines.append(tasks)
        if replayed.quarantined:
            lines.append(
                f"  {len(replayed.quarantined):,} persons quarantined: not written (see ledger "
                "status --to); ledger project tries them again at every start"
            )
        lines.append(
            f"checkpoint: {replayed.checkpoint_before:,} -> {replayed.checkpoint:,} "
            "(ledger project --to the same target continues from here)"
        )
    total = loaded.seconds + (replayed.seconds if replayed else 0.0)
    lines.append(f"total: {total:.1f} s")
    return lines


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}" if seconds > 0 else "-"
