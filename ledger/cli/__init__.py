"""The ``ledger`` command: the face of the library, one module per command group.

This package is the only place that imports from all three layers (``ledger``, ``policies``,
``projections``); nothing below it imports it. Each command is a few lines over a library
function; errors are one line (``click.ClickException``, exit 1; usage mistakes exit 2), never
a traceback.

Commands are loaded lazily: ``ledger --help`` and ``ledger import`` do not pay for SQLAlchemy,
Alembic or Dask. To add a command, write its module here with one ``@click.command`` and list
it in :data:`COMMANDS` with its one-line help.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from typing import Any

import click

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{14,17}[0-9Xx](?![0-9A-Za-z])")

COMMANDS: dict[str, tuple[str, str]] = {
    "import": ("ledger.cli.import_:import_command", "Import event files (JSON Lines or CSV)."),
    "history": ("ledger.cli.history:history_command", "Show a person's stored events."),
    "replay": ("ledger.cli.replay:replay_command", "Replay events through the policies."),
    "report": ("ledger.cli.report:report_command", "The auditor's report of a person (HTML, PDF)."),
    "project": ("ledger.cli.project:project_command", "Keep a reporting database current."),
    "status": ("ledger.cli.status:status_command", "Show the store and a reporting target."),
    "backfill": ("ledger.cli.backfill:backfill_command", "Bulk-load history and build reports."),
    "synth": ("ledger.cli.synth:synth_command", "Write a synthetic population."),
    "export": (
        "ledger.cli.export:export_command",
        "Write views, insured status, reporting or lookup tables (CSV, JSONL, Parquet).",
    ),
    "policies": (
        "ledger.cli.policies:policies_command",
        "List policy versions, show one's parameters, diff two.",
    ),
}
"""Command name → (``module:attribute`` of its click command, one-line help for the list)."""


class LazyGroup(click.Group):
    """A group whose commands are imported only when one is run (or its help is asked)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, _, attribute = entry[0].partition(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; an error nothing anticipated still ends in one line (exit 1),
        never a traceback (``LEDGER_DEBUG=1`` shows it)."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            # The reader went away (``ledger replay --format jsonl | head``): stop quietly,
            # as Unix tools do, with the shell's status for SIGPIPE. Output still buffered
            # goes to /dev/null so that the interpreter's last flush does not fail again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise SystemExit(141) from None
        except Exception as exc:
            if os.environ.get("LEDGER_DEBUG"):
                raise
            text = _ID_NUMBER.sub("[id]", " ".join(str(exc).split()))[:500]
            raise click.ClickException(
                f"unexpected error ({type(exc).__name__}): {text or '-'}; run again with "
                "LEDGER_DEBUG=1 for the traceback and report it"
            ) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # The list from COMMANDS' one-liners: showing it imports no command module.
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup)
@click.version_option(package_name="resident-ledger")
def main(**_: Any) -> None:
    """Event-sourced enrollment ledger for urban-rural resident basic medical insurance
    (城乡居民基本医疗保险).

    Every command that reads or writes the store takes --db (a SQLite file, or a
    postgresql:// URL; default $LEDGER_DB, else ledger.db in the working directory).
    `ledger COMMAND --help` explains a command, with examples.

    \b
    Examples:
      ledger import examples/events.jsonl
      ledger replay
      ledger replay 610926197506067893 --explain --lang en
      ledger report 610926197506067893 --html report.html
      ledger project --to reports.db
      ledger status --to reports.db
    """
