"""``ledger status``: the store and, with ``--to``, a reporting target, for operators and
monitoring (thin shell over :mod:`ledger.status` and :mod:`projections.reporting.status`)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

import click
import psycopg
from eventsourcing.persistence import PersistenceError
from sqlalchemy.exc import SQLAlchemyError

from ledger.cli._common import OperatorError, db_option, ledger_session, one_line
from ledger.status import events_after, store_status, stored_at
from ledger.store import display_db
from projections.reporting.status import TargetStatus, target_status
from projections.reporting.target import InvalidTarget, parse_target, reason


@click.command("status")
@db_option
@click.option(
    "--to",
    "to",
    default=None,
    metavar="PATH|URL",
    help="Also report on this reporting database (as for ledger project).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people, json for monitoring.",
)
def status_command(db: str | None, to: str | None, fmt: str) -> None:
    """Show the store (events, persons, newest event, backend) and, with --to, the reporting
    target (checkpoint, lag, schema, policy set, quarantine, last run). Reads only.

    \b
    Examples:
      ledger status --db ledger.db
      ledger status --db ledger.db --to reports.db --format json
    """
    shown = display_db(db) if db else "ledger.db"
    target = None
    if to is not None:
        try:
            target = parse_target(to)
        except InvalidTarget as exc:
            raise OperatorError(str(exc)) from None
    with ledger_session(db) as app:
        store = store_status(app, shown)
        report: dict[str, Any] = {"store": store.as_dict()}
        problems: list[str] = []
        if target is not None:
            try:
                status = target_status(target, app.name)
            except InvalidTarget as exc:
                raise OperatorError(str(exc)) from None
            except (SQLAlchemyError, psycopg.Error, sqlite3.Error) as exc:
                raise OperatorError(f"reporting target {target.display}: {reason(exc)}") from None
            try:
                _lag(app, status)
            except PersistenceError as exc:
                raise click.ClickException(f"ledger {shown}: {one_line(exc)}") from None
            if status.source_ledger is not None and store.ledger_id is not None:
                status.source_matches = status.source_ledger == store.ledger_id
                if not status.source_matches:
                    status.problems.append("the target was built from another ledger")
            report["target"] = status.as_dict()
            problems = status.problems
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for line in _table(report, problems):
        click.echo(line)


def _lag(app: Any, status: TargetStatus) -> None:
    behind, first = events_after(app, status.checkpoint)
    status.lag_events = behind
    if first is None:
        status.lag_seconds = 0.0
        return
    waited = stored_at(app, first)
    status.lag_seconds = (
        round((datetime.now(UTC) - waited).total_seconds(), 1) if waited is not None else None
    )


def _table(report: dict[str, Any], problems: list[str]) -> list[str]:
    store = report["store"]
    lines = [
        f"store     {store['database']} ({store['backend']})",
        f"  ledger id       {store['ledger_id'] or '(none yet)'}",
        f"  events          {store['events']:,} (log position {store['position']:,})",
        f"  persons         {store['persons']:,}",
        f"  last stored at  {store['last_stored_at'] or '-'}",
    ]
    target = report.get("target")
    if target is None:
        return lines
    policy = target["policy_set"]
    policy_text = "(not recorded)"
    if policy:
        versions = ", ".join(f"{k} r{v['revision']}" for k, v in policy["versions"].items())
        policy_text = f"{policy['id']}: {versions}"
        if policy.get("file"):
            policy_text += f" (file {policy.get('file_name') or ''} {policy['file'][:19]}…)"
    last = target["last_run"]
    last_text = "-"
    if last:
        last_text = f"{last.get('mode')} {last.get('state')} at {last.get('at')}"
        if last.get("state") != "running" and "events" in last:
            last_text += f": {last['events']:,} events, {last.get('quarantined', 0)} quarantined"
        last_text += f" (pid {last.get('pid')} on {last.get('host')})"
    running = {True: "yes (lock held)", False: "no", None: "unknown"}[target["projector_running"]]
    lines += [
        f"target    {target['database']} ({target['backend']})",
        f"  schema          {target['schema_revision']} (this ledger writes "
        f"{target['schema_head']})",
        f"  checkpoint      {target['checkpoint']:,} at {target['checkpoint_at'] or '-'}",
        f"  behind          {target['lag_events']:,} events, {_seconds(target['lag_seconds'])}",
        f"  source ledger   {target['source_ledger'] or '(not recorded)'}",
        f"  policy set      {policy_text}",
        f"  quarantined     {target['quarantined']:,} persons",
        *(
            f"    {q['pseudonym']}… position {q['position']} (tried {q['attempts']}x): "
            f"{q['reason'][:160]}"
            for q in target["quarantine"]
        ),
        f"  last run        {last_text}",
        f"  projector       {running}",
    ]
    if problems:
        lines.append("problems:")
        lines += [f"  - {p}" for p in problems]
    return lines


def _seconds(value: float | None) -> str:
    if value is None:
        return "? s"
    return f"{value:,.1f} s"
