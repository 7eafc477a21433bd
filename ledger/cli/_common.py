"""Pieces shared by the ``ledger`` commands: the ``--db`` option and opening the ledger with
one-line errors.

Mistakes of the operator (a database that is not there or not a ledger, a server that cannot
be reached, a target built otherwise) are :class:`OperatorError`: one line, exit status 2.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from eventsourcing.persistence import PersistenceError

from ledger.application import LedgerApp, open_ledger
from ledger.clock import CHINA
from ledger.labels import LANG_ENV, LANGS, Lang, default_lang
from ledger.store import InvalidDatabase, StoreError, display_db
from policies import PolicyFileError, PolicyRegistry, builtin_registry

F = TypeVar("F", bound=Callable[..., Any])


def policies_option(f: F) -> F:
    """``--policies FILE``: policy versions added from a parameter file (JSON or TOML)."""
    return click.option(
        "--policies",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="Parameter file (JSON or TOML) adding policy versions beside the built-in ones.",
    )(f)


def _moment_option(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    return parse_moment(value, param.opts[0])


def recorded_cut_options(f: F) -> F:
    """``--known-on`` and ``--stored-on`` (the two clocks' cuts), each given to the command as
    an aware ``datetime`` or ``None`` (:func:`parse_moment`)."""
    f = click.option(
        "--stored-on",
        "stored_on",
        default=None,
        metavar="DATETIME|DATE",
        callback=_moment_option,
        help="Only events this ledger held by then (stored_at). A date is the start of that day "
        "in China (+08:00).",
    )(f)
    return click.option(
        "--known-on",
        "known_on",
        default=None,
        metavar="DATETIME|DATE",
        callback=_moment_option,
        help="Only events the sources had recorded by then (recorded_at, which defaults to "
        "stored_at). A date is the start of that day in China (+08:00).",
    )(f)


def db_option(f: F) -> F:
    """The ``--db`` option shared by every command that opens the ledger."""
    return click.option(
        "--db",
        envvar="LEDGER_DB",
        default=None,
        metavar="PATH|URL",
        help="SQLite file or postgresql://user@host:port/dbname[?schema=NAME&sslmode=…] "
        "[env LEDGER_DB; default: ledger.db in the working directory]",
    )(f)


def _chosen_lang(ctx: click.Context, param: click.Parameter) -> Lang | None:
    """The language :data:`LANG_ENV` chooses, if any; a usage error for an unknown one."""
    chosen = os.environ.get(LANG_ENV, "").strip()
    if not chosen:
        return None
    if chosen.lower() not in LANGS:
        raise click.BadParameter(
            f"{LANG_ENV}={chosen!r} is not one of 'zh', 'en'", ctx=ctx, param=param
        )
    return "zh" if chosen.lower() == "zh" else "en"


def _table_lang(ctx: click.Context, param: click.Parameter, value: str | None) -> Lang:
    if value is not None:
        return "zh" if value == "zh" else "en"
    _chosen_lang(ctx, param)
    return default_lang()


def _page_lang(ctx: click.Context, param: click.Parameter, value: str | None) -> Lang:
    if value is not None:
        return "zh" if value == "zh" else "en"
    return _chosen_lang(ctx, param) or "zh"


def lang_option(f: F) -> F:
    """``--lang zh|en``: the language of a table for people (never of JSON); by default
    :data:`LANG_ENV`, else the locale's (:func:`ledger.labels.default_lang`)."""
    return click.option(
        "--lang",
        type=click.Choice(LANGS),
        default=None,
        callback=_table_lang,
        help=f"Language of the table: zh (Chinese) or en [env {LANG_ENV}; default: zh when "
        "the locale (LC_ALL, LC_MESSAGES, LANG) is Chinese, else en]. JSON is never "
        "translated.",
    )(f)


def page_lang_option(f: F) -> F:
    """``--lang zh|en`` of a document (the auditor's report): Chinese unless asked otherwise
    (:data:`LANG_ENV` or the option); the terminal's locale does not choose a document's
    language."""
    return click.option(
        "--lang",
        type=click.Choice(LANGS),
        default=None,
        callback=_page_lang,
        help=f"Language of the page: zh (Chinese, the English term in small type) or en "
        f"(English, the Chinese term in small type) [env {LANG_ENV}; default: zh].",
    )(f)


class OperatorError(click.ClickException):
    """A mistake in what the command was pointed at: one line, exit status 2."""

    exit_code = 2


@contextmanager
def ledger_session(db: str | None, *, create: bool = False) -> Iterator[LedgerApp]:
    """Open the ledger for a command; database problems become one-line errors (exit 2).

    Readers (the default) never create a store: a path that holds no ledger is an error.
    Writers (``create=True``: import, backfill) create it when missing."""
    shown = display_db(db) if db else "ledger.db"
    try:
        app = open_ledger(db, create=create)
    except (InvalidDatabase, StoreError) as exc:
        raise OperatorError(str(exc)) from None
    except (PersistenceError, OSError) as exc:
        raise OperatorError(f"cannot open the ledger {shown}: {one_line(exc)}") from None
    try:
        yield app
    except PersistenceError as exc:
        raise click.ClickException(f"ledger {shown}: {one_line(exc)}") from None
    finally:
        app.close()


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def load_registry(policies: Path | None) -> PolicyRegistry:
    registry = builtin_registry()
    if policies is None:
        return registry
    try:
        return registry.with_file(policies)
    except PolicyFileError as exc:
        raise click.ClickException(str(exc)) from None


def parse_moment(value: str | None, option: str) -> datetime | None:
    """A ``--known-on``/``--stored-on`` value: an ISO datetime with its UTC offset, or a date
    meaning the start of that day in China Standard Time (``2025-05-01`` is
    ``2025-05-01T00:00:00+08:00``). A usage error (exit 2) otherwise."""
    if value is None:
        return None
    text = value.strip()
    if len(text) == 10:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise click.BadParameter(f"not an ISO date: {value!r}", param_hint=option) from None
        return datetime(day.year, day.month, day.day, tzinfo=CHINA)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"not an ISO date or datetime: {value!r}", param_hint=option
        ) from None
    if moment.tzinfo is None:
        raise click.BadParameter(
            "give a UTC offset, e.g. 2025-05-01T00:00:00+08:00, or a date", param_hint=option
        )
    return moment
