"""``ledger replay``: person views from the store or from events files (a thin shell over
:mod:`projections.replay`). Views are written as they are made, one person at a time."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import click

from ledger import progress as bars
from ledger.cli._common import (
    db_option,
    lang_option,
    ledger_session,
    load_registry,
    policies_option,
    recorded_cut_options,
)
from ledger.importer import ImportFileError, is_stdin
from ledger.labels import Lang
from ledger.person_id import InvalidPersonId, mask, validate_person_id
from ledger.status import count_persons
from projections.person import PersonView
from projections.replay import Cut, LineError, file_views, person_view, store_views
from projections.table import render_table


@click.command("replay")
@click.argument("person_id", required=False)
@click.option(
    "--events",
    "events_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
    help="Replay an events file (JSON Lines or CSV; - is standard input) instead of the "
    "store, under the import's rules (idempotency, conflicts, bad lines left out and "
    "reported). Repeatable.",
)
@click.option("--person", "person", default=None, help="Only this person (with --events).")
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "jsonl", "table"]),
    default="table",
    show_default=True,
    help="json: one array; jsonl: one view a line; table: for people (ID numbers masked).",
)
@click.option("--explain", is_flag=True, help="Add the trace: each event, rule and citation.")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Only events dated on or before this day.",
)
@recorded_cut_options
@policies_option
@lang_option
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on stderr for the replay of everyone: persons, rate, ETA [default: "
    "when stderr is a terminal and the views go to a file or a pipe].",
)
def replay_command(
    person_id: str | None,
    events_files: tuple[Path, ...],
    person: str | None,
    db: str | None,
    fmt: str,
    explain: bool,
    as_of: datetime | None,
    known_on: datetime | None,
    stored_on: datetime | None,
    policies: Path | None,
    lang: Lang,
    progress: bool | None,
) -> None:
    """Replay persons' events through the policy versions into person views.

    From the store: one PERSON_ID, or everyone (streamed, in person id order) when none is
    given. From files: --events (the same rules as import, so the views are those of
    `ledger import FILE` then `ledger replay`). Each view states the as_of, known_on and
    stored_on it was computed for.

    \b
    Examples:
      ledger replay --events examples/events.jsonl --format json
      ledger replay 610902197003051215 --explain --as-of 2025-06-30
      ledger replay 610902197003051215 --lang zh
      ledger replay --format jsonl --stored-on 2025-07-01 > views.jsonl
    """
    registry = load_registry(policies)
    cut = Cut(
        as_of=as_of.date() if as_of else None,
        known_on=known_on,
        stored_on=stored_on,
    )
    wanted = person or person_id
    if wanted is not None:
        try:
            wanted = validate_person_id(wanted)
        except InvalidPersonId as exc:
            raise click.ClickException(str(exc)) from None
    if sum(is_stdin(path) for path in events_files) > 1:
        raise click.UsageError("standard input (-) can be read once")
    errors: list[LineError] = []
    # A bar for the replay of everyone, on stderr; by default only when the views do not go
    # to the same terminal (they would scroll through it).
    show = wanted is None and bars.wanted(progress) and (progress or not sys.stdout.isatty())
    if events_files:
        views = file_views(
            events_files, registry, errors, person_id=wanted, cut=cut, explain=explain
        )
        try:
            with bars.bar(
                total=None, desc="replay", unit="person", enabled=show, forced=progress
            ) as bar:
                written = _write(bars.counting(views, bar), fmt, sys.stdout, lang)
        except ImportFileError as exc:
            raise click.ClickException(str(exc)) from None
    else:
        with ledger_session(db) as app:
            if wanted is None:
                total = count_persons(app.recorder) if show else None
                with bars.bar(
                    total=total, desc="replay", unit="person", enabled=show, forced=progress
                ) as bar:
                    views = store_views(app, registry, cut=cut, explain=explain)
                    written = _write(bars.counting(views, bar), fmt, sys.stdout, lang)
            else:
                view = person_view(app, wanted, registry, cut=cut, explain=explain)
                written = _write([view] if view else [], fmt, sys.stdout, lang)
    if wanted is not None and not written:
        raise click.ClickException(f"no events for person {mask(wanted)}")
    for error in errors:
        click.echo(f"skipped {error}", err=True)
    if errors:
        click.echo(f"{len(errors)} bad line(s) left out; the views use every good line", err=True)
        sys.exit(1)


def _write(views: Iterable[PersonView], fmt: str, out: IO[str], lang: Lang) -> int:
    """Write each view as it comes (a table in ``lang``); how many were written."""
    count = 0
    # JSON is the contract (notes in English); a table is for people (notes in ``lang``).
    documents = (view.to_dict(notes="en" if fmt in ("json", "jsonl") else lang) for view in views)
    if fmt == "jsonl":
        for document in documents:
            out.write(json.dumps(document, ensure_ascii=False) + "\n")
            count += 1
    elif fmt == "json":
        for text in _json_array(documents):
            out.write(text)
            count += 1
        count -= 1  # the closing bracket
    else:
        for document in documents:
            out.write(("\n\n" if count else "") + render_table(document, lang=lang))
            count += 1
        if count:
            out.write("\n")
    out.flush()
    return count


def _json_array(documents: Iterator[dict[str, Any]]) -> Iterator[str]:
    """``json.dumps(list(documents), ensure_ascii=False, indent=2) + "\\n"``, one element at a
    time (then the closing bracket): the same text, without holding the list."""
    first = True
    for document in documents:
        element = json.dumps(document, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        yield ("[\n  " if first else ",\n  ") + element
        first = False
    yield "[]\n" if first else "\n]\n"
