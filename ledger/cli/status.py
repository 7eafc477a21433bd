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

from ledger import labels as L
from ledger.cli._common import OperatorError, db_option, lang_option, ledger_session, one_line
from ledger.labels import Lang, Wording
from ledger.status import events_after, store_status, stored_at
from ledger.store import display_db
from ledger.tables import EMPTY, render_table
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
    help="table for people (in --lang), json for monitoring.",
)
@lang_option
def status_command(db: str | None, to: str | None, fmt: str, lang: Lang) -> None:
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
    click.echo(_table(report, problems, Wording(lang)))


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


def _table(report: dict[str, Any], problems: list[str], say: Wording) -> str:
    """The report for people: the store, the target with its quarantine, then the problems
    (their text as the checks wrote it)."""
    w = say.word
    store = report["store"]
    rows = [
        [w("store"), f"{store['database']} ({store['backend']})"],
        _item(say, "ledger_id", store["ledger_id"] or w("none_yet")),
        _item(
            say,
            "events",
            w("events_value", events=f"{store['events']:,}", position=f"{store['position']:,}"),
        ),
        _item(say, "persons", f"{store['persons']:,}"),
        _item(say, "last_stored_at", store["last_stored_at"] or EMPTY),
    ]
    target = report.get("target")
    if target is not None:
        rows += _target_rows(target, say)
    lines = [render_table(rows, header=False)]
    if problems:
        lines.append(f"{w('problems')}{say.colon.rstrip()}")
        lines += [f"  - {p}" for p in problems]
    return "\n".join(lines)


def _item(say: Wording, key: str, value: str) -> list[str]:
    return [f"  {say.word(key)}", value]


def _target_rows(target: dict[str, Any], say: Wording) -> list[list[str]]:
    w = say.word
    policy = target["policy_set"]
    policy_text = w("not_recorded")
    if policy:
        versions = ", ".join(say.revision(k, v["revision"]) for k, v in policy["versions"].items())
        policy_text = f"{policy['id']}{say.colon}{versions}"
        if policy.get("file"):
            name = policy.get("file_name") or ""
            policy_text += w("policy_file", name=name, digest=policy["file"][:19])
    last = target["last_run"]
    last_text = EMPTY
    if last:
        mode, state = str(last.get("mode")), str(last.get("state"))
        last_text = w(
            "last_run_value",
            mode=say(L.RUN_MODES[mode]) if mode in L.RUN_MODES else mode,
            state=say(L.RUN_STATES[state]) if state in L.RUN_STATES else state,
            at=last.get("at"),
        )
        if state != "running" and "events" in last:
            last_text += w(
                "last_run_counts",
                events=f"{last['events']:,}",
                quarantined=last.get("quarantined", 0),
            )
        last_text += w("last_run_process", pid=last.get("pid"), host=last.get("host"))
    running = {
        True: w("projector_running"),
        False: w("projector_idle"),
        None: w("unknown"),
    }[target["projector_running"]]
    return [
        [w("target"), f"{target['database']} ({target['backend']})"],
        _item(
            say,
            "schema",
            w("schema_value", revision=target["schema_revision"], head=target["schema_head"]),
        ),
        _item(
            say,
            "checkpoint",
            w(
                "checkpoint_value",
                position=f"{target['checkpoint']:,}",
                at=target["checkpoint_at"] or EMPTY,
            ),
        ),
        _item(
            say,
            "behind",
            w(
                "behind_value",
                events=f"{target['lag_events']:,}",
                seconds=_seconds(target["lag_seconds"]),
            ),
        ),
        _item(say, "source_ledger", target["source_ledger"] or w("not_recorded")),
        _item(say, "policy_set", policy_text),
        _item(say, "quarantined", w("quarantined_value", n=f"{target['quarantined']:,}")),
        *(
            [
                "",
                "  "
                + w(
                    "quarantine_entry",
                    pseudonym=q["pseudonym"],
                    position=q["position"],
                    attempts=q["attempts"],
                    reason=q["reason"][:160],
                ),
            ]
            for q in target["quarantine"]
        ),
        _item(say, "last_run", last_text),
        _item(say, "projector", running),
    ]


def _seconds(value: float | None) -> str:
    return "?" if value is None else f"{value:,.1f}"
