"""``ledger report``: the auditor's report of one person as an HTML page or a PDF (a thin shell
over :mod:`projections.report`)."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import click

from ledger import labels as L
from ledger.cli._common import (
    OperatorError,
    db_option,
    ledger_session,
    load_registry,
    page_lang_option,
    parse_moment,
    policies_option,
    recorded_cut_options,
)
from ledger.events import Event
from ledger.importer import ImportFileError, is_stdin
from ledger.labels import Lang
from ledger.person_id import InvalidPersonId, mask, validate_person_id
from policies import PolicyRegistry
from projections.person import CHINA
from projections.replay import Cut, LineError, load_files, scratch_ledger
from projections.report.html import render_report
from projections.report.labels import UI
from projections.report.model import Report, build_report

# The comparison and the PDF are imported where used: a plain report does not pay for them.

BUILTIN = "builtin"
"""``--compare-policies builtin FILE``: one side with the built-in versions only."""


def _moment(value: str, hint: str) -> datetime:
    moment = parse_moment(value, hint)
    assert moment is not None
    return moment


def _day(value: str, hint: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO date: {value!r}", param_hint=hint) from None


def _read(
    person_id: str, events_files: tuple[Path, ...], db: str | None
) -> tuple[list[Event], list[LineError]]:
    """The person's events, each with the ledger's ``stored_at``, and the bad lines of
    ``--events`` files (imported, as ``replay --events`` does, into a scratch ledger under the
    import's rules, stamped with the report's start time)."""
    errors: list[LineError] = []
    if events_files:
        if sum(is_stdin(path) for path in events_files) > 1:
            raise click.UsageError("standard input (-) can be read once")
        app = scratch_ledger()
        try:
            load_files(app, events_files, errors)
            return app.events_of(person_id), errors
        except ImportFileError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            app.close()
    with ledger_session(db) as app:
        return app.events_of(person_id), errors


@click.command("report")
@click.argument("person_id")
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the page here (default: standard output, unless --pdf is given).",
)
@click.option(
    "--pdf",
    "pdf_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Print the same page to this PDF (needs Chromium).",
)
@click.option(
    "--events",
    "events_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
    help="Read the person's events from a file (JSON Lines or CSV; - is standard input), not "
    "the store, under the import's rules. Repeatable.",
)
@db_option
@click.option("--as-of", "as_of", default=None, help="Only events dated on or before this day.")
@recorded_cut_options
@policies_option
@click.option(
    "--compare-as-of", nargs=2, default=None, metavar="D1 D2", help="Compare two as-of days."
)
@click.option(
    "--compare-known-on", nargs=2, default=None, metavar="T1 T2", help="Compare two known-on cuts."
)
@click.option(
    "--compare-stored-on",
    nargs=2,
    default=None,
    metavar="T1 T2",
    help="Compare two stored-on cuts.",
)
@click.option(
    "--compare-policies",
    nargs=2,
    default=None,
    metavar="A B",
    help="Compare two parameter files (either may be 'builtin': the built-in versions only).",
)
@page_lang_option
def report_command(
    person_id: str,
    html_file: Path | None,
    pdf_file: Path | None,
    events_files: tuple[Path, ...],
    db: str | None,
    as_of: str | None,
    known_on: datetime | None,
    stored_on: datetime | None,
    policies: Path | None,
    compare_as_of: tuple[str, str] | None,
    compare_known_on: tuple[str, str] | None,
    compare_stored_on: tuple[str, str] | None,
    compare_policies: tuple[str, str] | None,
    lang: Lang,
) -> None:
    """The auditor's report of one person: a self-contained HTML page (timeline, every year,
    every decision with its rule, notice, section and clause text), or a PDF. In Chinese with
    the English term in small type, or with --lang en in English with the Chinese term; the
    notices' clauses are quoted as written.

    With one --compare-* option, two cuts (or two parameter files) side by side: what changed
    in each year, and the events or parameters that caused it.

    \b
    Examples:
      ledger report 610926198003150016 --html report.html
      ledger report 610926198003150016 --pdf report.pdf --as-of 2025-06-30
      ledger report 610926198003150016 --lang en --html report-en.html
      ledger report 610926198003150016 --compare-known-on 2025-01-01 2025-06-01 --html cmp.html
      ledger report P-1 --events events.jsonl --compare-policies builtin revised.toml
    """
    comparisons = [
        name
        for name, value in (
            ("--compare-as-of", compare_as_of),
            ("--compare-known-on", compare_known_on),
            ("--compare-stored-on", compare_stored_on),
            ("--compare-policies", compare_policies),
        )
        if value
    ]
    if len(comparisons) > 1:
        raise click.UsageError(f"give one comparison at a time, not {' and '.join(comparisons)}")
    for target in (html_file, pdf_file):
        if target is not None and not target.parent.is_dir():
            # Before any work, as export does: a mistake in the command, not a failed write.
            raise OperatorError(
                f"cannot write {target}: the directory {target.parent} does not exist"
            )
    try:
        wanted = validate_person_id(person_id)
    except InvalidPersonId as exc:
        raise click.ClickException(str(exc)) from None
    base = Cut(
        as_of=_day(as_of, "--as-of") if as_of else None,
        known_on=known_on,
        stored_on=stored_on,
    )
    events, errors = _read(wanted, events_files, db)
    if not events:
        raise click.ClickException(f"no events for person {mask(wanted)}")
    made_at = datetime.now(CHINA)

    def one(cut: Cut, registry: PolicyRegistry, policies_file: str | None) -> Report:
        return build_report(
            wanted,
            events,
            registry,
            cut=cut,
            made_at=made_at,
            policies_file=policies_file,
            lang=lang,
        )

    if comparisons:
        from projections.report.compare import Side, compare_reports
        from projections.report.html import render_comparison

        sides = _sides(
            base,
            policies,
            compare_as_of,
            compare_known_on,
            compare_stored_on,
            compare_policies,
            lang,
        )
        (cut_a, reg_a, file_a, text_a), (cut_b, reg_b, file_b, text_b) = sides
        comparison = compare_reports(
            Side(UI["side_a"], text_a, one(cut_a, reg_a, file_a)),
            Side(UI["side_b"], text_b, one(cut_b, reg_b, file_b)),
        )
        html = render_comparison(comparison)
    else:
        registry = load_registry(policies)
        html = render_report(one(base, registry, policies.name if policies else None))
    _write(html, html_file, pdf_file)
    for error in errors:
        click.echo(f"skipped {error}", err=True)
    if errors:
        click.echo(f"{len(errors)} bad line(s) left out; the report uses every good line", err=True)
        sys.exit(1)


_Side = tuple[Cut, PolicyRegistry, str | None, str]


def _sides(
    base: Cut,
    policies: Path | None,
    compare_as_of: tuple[str, str] | None,
    compare_known_on: tuple[str, str] | None,
    compare_stored_on: tuple[str, str] | None,
    compare_policies: tuple[str, str] | None,
    lang: Lang,
) -> tuple[_Side, _Side]:
    """The two sides of a comparison: each a cut, a registry, its file and its description
    (in ``lang``)."""
    if compare_policies:
        built: list[_Side] = []
        for value in compare_policies:
            if value == BUILTIN:
                built.append((base, load_registry(None), None, UI["builtin"].text(lang)))
                continue
            path = Path(value)
            if not path.is_file():
                raise click.BadParameter(
                    f"no such parameter file: {value}", param_hint="--compare-policies"
                )
            built.append(
                (
                    base,
                    load_registry(path),
                    path.name,
                    f"{L.FIELDS['policies_file'].text(lang)} {path.name}",
                )
            )
        return built[0], built[1]
    registry = load_registry(policies)
    file_name = policies.name if policies else None
    cuts: list[Cut] = []
    if compare_as_of:
        cuts = [replace(base, as_of=_day(v, "--compare-as-of")) for v in compare_as_of]
        key = "as_of"
    elif compare_known_on:
        cuts = [
            replace(base, known_on=parse_moment(v, "--compare-known-on")) for v in compare_known_on
        ]
        key = "known_on"
    else:
        assert compare_stored_on
        cuts = [
            replace(base, stored_on=parse_moment(v, "--compare-stored-on"))
            for v in compare_stored_on
        ]
        key = "stored_on"
    label = L.FIELDS[key].text(lang)
    a, b = ((cut, registry, file_name, f"{label} {getattr(cut, key).isoformat()}") for cut in cuts)
    return a, b


def _write(html: str, html_file: Path | None, pdf_file: Path | None) -> None:
    if html_file is not None:
        try:
            html_file.write_text(html, encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"cannot write {html_file}: {exc.strerror}") from None
    if pdf_file is not None:
        from projections.report.pdf import PdfError, print_pdf

        try:
            print_pdf(html, pdf_file)
        except PdfError as exc:
            raise click.ClickException(str(exc)) from None
    if html_file is None and pdf_file is None:
        click.echo(html)
