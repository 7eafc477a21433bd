"""``ledger replay``: person views from an events file or from the store (a thin shell over
:mod:`projections.replay`)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click

from ledger.cli._common import db_option, ledger_session, load_registry, policies_option
from ledger.person_id import InvalidPersonId, mask, validate_person_id
from projections.replay import LineError, events_by_person, replay_events
from projections.table import render_table


def _known_on(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"not an ISO datetime: {value!r}", param_hint="--known-on"
        ) from None
    if moment.tzinfo is None:
        raise click.BadParameter(
            "give a UTC offset, e.g. 2025-05-01T00:00:00+08:00", param_hint="--known-on"
        )
    return moment


@click.command("replay")
@click.argument("person_id", required=False)
@click.option(
    "--events",
    "events_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Replay straight from an events file (JSON Lines or CSV), not the store. Repeatable.",
)
@click.option("--person", "person", default=None, help="Only this person (with --events).")
@db_option
@click.option(
    "--format", "fmt", type=click.Choice(["json", "table"]), default="table", show_default=True
)
@click.option("--explain", is_flag=True, help="Add the trace: each event, rule and citation.")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Only events dated on or before this day.",
)
@click.option(
    "--known-on",
    "known_on",
    default=None,
    help="Only events recorded on or before this moment (ISO datetime with offset).",
)
@policies_option
def replay_command(
    person_id: str | None,
    events_files: tuple[Path, ...],
    person: str | None,
    db: str | None,
    fmt: str,
    explain: bool,
    as_of: datetime | None,
    known_on: str | None,
    policies: Path | None,
) -> None:
    """Replay persons' events through the policy versions into person views.

    From the store: one PERSON_ID, or everyone when none is given. From files: --events.

    \b
    Examples:
      ledger replay --events examples/events.jsonl --format json
      ledger replay 610902197003051215 --explain --as-of 2025-06-30
      ledger replay --format json > views.json
    """
    registry = load_registry(policies)
    wanted = person or person_id
    if wanted is not None:
        try:
            wanted = validate_person_id(wanted)
        except InvalidPersonId as exc:
            raise click.ClickException(str(exc)) from None
    errors: list[LineError] = []
    if events_files:
        grouped = events_by_person(events_files, errors)
    else:
        with ledger_session(db) as app:
            people = [wanted] if wanted is not None else list(app.person_ids())
            grouped = {pid: list(app.events_of(pid)) for pid in people}
        if wanted is not None and not grouped[wanted]:
            raise click.ClickException(f"no events for person {mask(wanted)}")
    if wanted is not None and wanted not in grouped:
        raise click.ClickException(f"no events for person {mask(wanted)}")
    views = replay_events(
        grouped,
        registry,
        person_id=wanted,
        as_of=as_of.date() if as_of else None,
        known_on=_known_on(known_on),
        explain=explain,
    )
    documents = [view.to_dict() for view in views]
    if fmt == "json":
        click.echo(json.dumps(documents, ensure_ascii=False, indent=2))
    else:
        click.echo("\n\n".join(render_table(d) for d in documents))
    for error in errors:
        click.echo(f"skipped {error}", err=True)
    if errors:
        click.echo(f"{len(errors)} bad line(s) left out; the views use every good line", err=True)
        sys.exit(1)
