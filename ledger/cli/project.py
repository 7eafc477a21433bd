"""``ledger project``: keep a reporting database current (thin shell over :mod:`.projector`)."""

from __future__ import annotations

import json
import signal
import sqlite3
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import psycopg
from eventsourcing.persistence import PersistenceError
from sqlalchemy.exc import SQLAlchemyError

from ledger import progress as bars
from ledger.cli._common import (
    F,
    OperatorError,
    db_option,
    ledger_session,
    load_registry,
    one_line,
    policies_option,
)
from ledger.events import Event
from ledger.status import count_persons
from ledger.store import display_db
from policies import PolicyRegistry
from projections.person import PersonView, project_person
from projections.reporting.migrate import SchemaTooNew, UpgradeNeeded
from projections.reporting.policyset import PolicySet, policy_set_of
from projections.reporting.projector import (
    DEFAULT_BATCH_SIZE,
    Fold,
    Log,
    PolicySetMismatch,
    Projector,
    SourceMismatch,
    TargetAhead,
    masked,
)
from projections.reporting.pseudonym import KEY_FILE_ENV, PseudonymKeyError, configured_key
from projections.reporting.target import (
    InvalidTarget,
    LockLost,
    TargetBusy,
    TargetUnavailable,
    parse_target,
    reason,
)

TARGET_ERRORS = (SQLAlchemyError, psycopg.Error, sqlite3.Error)
"""What a reporting target's driver raises (the writer uses the driver directly)."""
MISTAKES = (
    InvalidTarget,
    TargetUnavailable,
    SchemaTooNew,
    UpgradeNeeded,
    PolicySetMismatch,
    SourceMismatch,
    TargetAhead,
    PseudonymKeyError,
)
"""Errors that say the target is not what this run expects (built from another ledger, with
another pseudonym key, under another policy set …): one line, exit status 2."""


def policy_fold(policies: Path | None) -> Fold:
    """The fold with the built-in policy versions, plus those of ``policies`` if given."""
    return fold_of(load_registry(policies))


def fold_of(registry: PolicyRegistry) -> Fold:
    def fold(events: Sequence[Event]) -> PersonView:
        return project_person(events, registry)

    return fold


def policy_set(registry: PolicyRegistry, policies: Path | None) -> PolicySet:
    """The identity of the fold's versions (what a target records, see docs/reporting.md)."""
    return policy_set_of(registry, policies)


def log_writer(fmt: str) -> Log:
    """``--log-format``: one line per event on stderr, text or JSON (no person id)."""

    def log(event: str, fields: Mapping[str, Any]) -> None:
        if fmt == "json":
            line = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event}
            line.update(fields)
            click.echo(json.dumps(line, ensure_ascii=False, default=str), err=True)
        elif event != "batch":  # text: batches are reported by on_batch
            details = ", ".join(f"{k}={v}" for k, v in fields.items())
            click.echo(f"{event}: {details}", err=True)

    return log


@contextmanager
def stop_on_signals(log: Log | None = None) -> Iterator[threading.Event]:
    """An event set by Ctrl-C or SIGTERM; the projector checks it between transactions. The
    stop is announced on stderr, or as a ``stopping`` record of ``log`` (``--log-format
    json``: one JSON object per line, nothing else)."""
    stop = threading.Event()

    def handler(signum: int, _frame: Any) -> None:
        if stop.is_set():  # a second Ctrl-C: the operator insists
            raise KeyboardInterrupt
        stop.set()
        if log is not None:
            log("stopping", {"signal": signal.Signals(signum).name})
        else:
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
@click.option(
    "--follow",
    is_flag=True,
    help="Keep running and apply new events until Ctrl-C or SIGTERM (after the current batch).",
)
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
@click.option(
    "--upgrade",
    is_flag=True,
    help="Apply a reporting schema upgrade that drops data (it is printed first).",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Progress lines on stderr: text, or JSON Lines only (one object per batch and per "
    "incident, for log collectors).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on stderr for a catch-up (events) or a rebuild (persons), with rate "
    "and ETA [default: when stderr is a terminal, not with --follow or --log-format json].",
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
    upgrade: bool,
    log_format: str,
    progress: bool | None,
) -> None:
    """Write the person views into reporting tables, incrementally and exactly once.

    Reads the ledger's event log from the target's checkpoint and rewrites the rows of every
    person touched, each batch in one transaction with the checkpoint. Persons are known by
    an HMAC pseudonym (key: env LEDGER_PSEUDONYM_KEY or --key-file; required unless the target
    is on this machine). See docs/reporting.md.

    \b
    Example:
      ledger project --to postgresql://postgres@127.0.0.1:5432/reports --follow
    """
    if policy is not None and not rebuild:
        raise click.UsageError("--policy goes with --rebuild")
    try:
        target = parse_target(to)
        key = configured_key(key_file)
    except (InvalidTarget, PseudonymKeyError) as exc:
        raise OperatorError(str(exc)) from None
    if key is None and not target.is_local:
        raise OperatorError(
            f"{target.display} is not on this machine: set LEDGER_PSEUDONYM_KEY (or give a "
            "key file) so that the reporting database gets keyed pseudonyms"
        )
    registry = load_registry(policies)
    if policy is not None and policy not in registry:
        known = ", ".join(v.id for v in registry)
        raise OperatorError(f"unknown policy version {policy!r} (known: {known})")
    log = log_writer(log_format)
    show = bars.wanted(progress) and (progress or log_format == "text")
    with ledger_session(db) as app:
        try:
            projector = Projector(
                app,
                target,
                fold_of(registry),
                key,
                batch_size=batch_size,
                policy_set=policy_set(registry, policies),
                log=log,
                warn=lambda message: click.echo(message, err=True),
            )
            json_log = log if log_format == "json" else None
            with (
                projector.open(wait=wait, upgrade=upgrade),
                stop_on_signals(json_log) as stop,
                projector.run_recorded(
                    "rebuild" if rebuild else "follow" if follow else "catch_up"
                ) as mode,
            ):
                if rebuild:
                    with bars.bar(
                        total=count_persons(projector.source.app.recorder) if show else None,
                        desc="rebuild",
                        unit="person",
                        enabled=show,
                        forced=progress,
                    ) as bar:
                        result = projector.rebuild(policy, stop, on_chunk=bar.update)
                    for line in result.describe():
                        click.echo(line)
                if follow:
                    if json_log is not None:
                        json_log("following", {"checkpoint": projector.position()})
                    else:
                        click.echo(
                            f"following the ledger into {target.display} from position "
                            f"{projector.position()} (Ctrl-C to stop)",
                            err=True,
                        )
                    report = projector.follow(
                        stop,
                        interval,
                        on_batch=None
                        if log_format == "json"
                        else lambda r: click.echo(r.describe(), err=True),
                    )
                else:
                    # The bar's total: the log's last notification id minus the checkpoint.
                    behind = projector.source.max_position() - projector.position() if show else 0
                    with bars.bar(
                        total=behind,
                        desc="catch-up",
                        unit="event",
                        enabled=behind > 0,
                        forced=progress,
                    ) as bar:
                        report = projector.catch_up(
                            stop, on_batch=lambda b: bar.update(b.end - b.start)
                        )
                projector.record_run(
                    mode=mode,
                    state="stopped" if report.interrupted else "finished",
                    events=report.events,
                    batches=report.batches,
                    persons=report.persons,
                    quarantined=report.quarantined,
                    checkpoint=report.end,
                )
                click.echo(report.describe())
        except KeyboardInterrupt:
            # A second Ctrl-C (the first stops after the current batch): every batch is one
            # transaction with its checkpoint, so the target is whole at its checkpoint.
            click.echo(
                "interrupted: the target is complete up to its checkpoint; ledger project "
                "continues from there",
                err=True,
            )
            sys.exit(130)
        except MISTAKES as exc:
            raise OperatorError(str(exc)) from None
        except TargetBusy as exc:
            raise click.ClickException(str(exc)) from None
        except LockLost as exc:
            raise click.ClickException(f"{exc}; nothing was written after that") from None
        except PersistenceError as exc:
            raise click.ClickException(
                f"ledger {app_display(db)}: {masked(one_line(exc))[:500]}"
            ) from None
        except TARGET_ERRORS as exc:
            raise click.ClickException(
                f"reporting target {target.display}: {masked(reason(exc))[:500]}"
            ) from None


def app_display(db: str | None) -> str:
    return display_db(db) if db else "ledger.db"
