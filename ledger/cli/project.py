"""``ledger project``: keep a reporting database current (thin shell over :mod:`.projector`)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from eventsourcing.persistence import PersistenceError
from sqlalchemy.exc import SQLAlchemyError

from ledger.cli._common import F, db_option, ledger_session, load_registry, policies_option
from ledger.events import Event
from projections.person import PersonView, project_person
from projections.reporting.projector import DEFAULT_BATCH_SIZE, Fold, Projector, TargetAhead
from projections.reporting.pseudonym import KEY_FILE_ENV, PseudonymKeyError, configured_key
from projections.reporting.target import InvalidTarget, TargetBusy, parse_target


def policy_fold(policies: Path | None) -> Fold:
    """The fold with the built-in policy versions, plus those of ``policies`` if given."""
    registry = load_registry(policies)

    def fold(events: Sequence[Event]) -> PersonView:
        return project_person(events, registry)

    return fold


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by Ctrl-C or SIGTERM; the projector checks it between transactions."""
    stop = threading.Event()

    def handler(signum: int, _frame: Any) -> None:
        if stop.is_set():  # a second Ctrl-C: the operator insists
            raise KeyboardInterrupt
        stop.set()
        click.echo("stopping after the current batch…", err=True)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def key_file_option(f: F) -> F:
    """``--key-file``: where the pseudonym key is (LEDGER_PSEUDONYM_KEY wins)."""
    return click.option(
        "--key-file",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar=KEY_FILE_ENV,
        default=None,
        help=f"File holding the pseudonym key [env {KEY_FILE_ENV}; env LEDGER_PSEUDONYM_KEY wins].",
    )(f)


@click.command("project")
@click.option(
    "--to",
    "to",
    required=True,
    metavar="PATH|URL",
    help="Reporting database: SQLite file or postgresql://user@host:port/db[?schema=NAME].",
)
@db_option
@click.option("--follow", is_flag=True, help="Keep running and apply new events until Ctrl-C.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=1.0,
    show_default=True,
    help="Seconds between polls with --follow.",
)
@click.option("--rebuild", is_flag=True, help="Recompute every person (after a policy change).")
@click.option(
    "--policy",
    "policy",
    default=None,
    metavar="VERSION",
    help="With --rebuild: only persons with a year under this policy version.",
)
@policies_option
@key_file_option
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=DEFAULT_BATCH_SIZE,
    show_default=True,
    help="Events (or, with --rebuild, persons) per transaction.",
)
@click.option(
    "--wait", is_flag=True, help="Wait for another projector on the target instead of stopping."
)
def project_command(
    to: str,
    db: str | None,
    follow: bool,
    interval: float,
    rebuild: bool,
    policy: str | None,
    policies: Path | None,
    key_file: Path | None,
    batch_size: int,
    wait: bool,
) -> None:
    """Write the person views into reporting tables, incrementally and exactly once.

    Reads the ledger's event log from the target's checkpoint and rewrites the rows of every
    person touched, each batch in one transaction with the checkpoint. Persons are known by
    an HMAC pseudonym (key: env LEDGER_PSEUDONYM_KEY or --key-file; required unless the target
    is on this machine). See docs/reporting.md.

    Example: ledger project --to postgresql://postgres@127.0.0.1:5432/reports --follow
    """
    if policy is not None and not rebuild:
        raise click.UsageError("--policy goes with --rebuild")
    try:
        target = parse_target(to)
        key = configured_key(key_file)
    except (InvalidTarget, PseudonymKeyError) as exc:
        raise click.ClickException(str(exc)) from None
    fold = policy_fold(policies)
    with ledger_session(db) as app:
        try:
            projector = Projector(app, target, fold, key, batch_size=batch_size)
            with projector.open(wait=wait), stop_on_signals() as stop:
                if rebuild:
                    result = projector.rebuild(policy, stop)
                    for line in result.describe():
                        click.echo(line)
                if follow:
                    click.echo(
                        f"following the ledger into {target.display} from position "
                        f"{projector.position()} (Ctrl-C to stop)",
                        err=True,
                    )
                    report = projector.follow(
                        stop,
                        interval,
                        on_batch=lambda r: click.echo(r.describe(), err=True),
                    )
                else:
                    report = projector.catch_up(stop)
                click.echo(report.describe())
        except (PseudonymKeyError, TargetBusy, TargetAhead) as exc:
            raise click.ClickException(str(exc)) from None
        except (SQLAlchemyError, PersistenceError) as exc:
            raise click.ClickException(
                f"reporting target {target.display}: {' '.join(str(exc).split())[:500]}"
            ) from None
