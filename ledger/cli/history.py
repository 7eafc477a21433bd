"""``ledger history``: a person's stored events (a thin shell over :mod:`ledger.history`)."""

from __future__ import annotations

import click

from ledger.cli._common import db_option, lang_option, ledger_session
from ledger.history import history_json, history_jsonl, history_table
from ledger.labels import Lang
from ledger.person_id import InvalidPersonId, mask, validate_person_id


@click.command("history")
@click.argument("person_id")
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "jsonl"]),
    default="table",
    show_default=True,
    help="table (ID numbers masked, times in CST), json (one array) or jsonl (one record a "
    "line, fit for `ledger import -`): the records as the source gave them, plus stored_at.",
)
@lang_option
def history_command(person_id: str, db: str | None, fmt: str, lang: Lang) -> None:
    """Show a person's events in arrival order, with both clocks: recorded_at (the
    source's, defaulting to stored_at) and stored_at (this ledger's).

    \b
    Examples:
      ledger history 610926197506067893
      ledger history 610926197506067893 --lang zh
      ledger history 610926197506067893 --format jsonl | ledger import --db other.db -
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
    elif fmt == "jsonl":
        for line in history_jsonl(facts):
            click.echo(line)
    else:
        click.echo(history_table(person_id, facts, lang=lang))
