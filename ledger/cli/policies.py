"""``ledger policies``: the policy versions a run knows, one version's effective parameters with
the source of each value, and what two versions differ in (thin over :mod:`policies.describe`).

An operator revising a version as a parameter file runs ``ledger policies show VERSION
--policies FILE`` (and ``diff``) before rebuilding a reporting target with it.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from ledger.cli._common import lang_option, load_registry, policies_option
from ledger.labels import Lang
from ledger.tables import render_table
from policies import PolicyRegistry
from policies.describe import (
    describe_version,
    diff_rows,
    diff_versions,
    list_rows,
    list_versions,
    show_rows,
    show_title,
)
from policies.version import PolicyVersion

_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A table for people (in --lang), or JSON for programs.",
)


def _version(registry: PolicyRegistry, version_id: str) -> PolicyVersion:
    if version_id not in registry:
        known = ", ".join(v.id for v in registry)
        raise click.BadParameter(
            f"unknown policy version {version_id!r} (known: {known})", param_hint="VERSION"
        )
    return registry.get(version_id)


def _echo_json(document: object) -> None:
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


@click.group("policies")
def policies_command() -> None:
    """The policy versions: list them, show one's parameters, diff two.

    \b
    Examples:
      ledger policies list
      ledger policies show ankang-2025
      ledger policies show ankang-2026 --policies revision.json
      ledger policies diff ankang-2025 ankang-2026 --policies revision.json
    """


@policies_command.command("list")
@policies_option
@_FORMAT
@lang_option
def list_command(policies: Path | None, fmt: str, lang: Lang) -> None:
    """The versions known to a run (built in, and from --policies FILE), by coverage year."""
    summaries = list_versions(load_registry(policies))
    if fmt == "json":
        _echo_json([summary.to_dict() for summary in summaries])
    else:
        click.echo(render_table(list_rows(summaries, lang)))


@policies_command.command("show")
@click.argument("version_id", metavar="VERSION")
@policies_option
@_FORMAT
@lang_option
def show_command(version_id: str, policies: Path | None, fmt: str, lang: Lang) -> None:
    """VERSION's effective parameters: each value, where it comes from (built in, or which
    file and version) and its citation."""
    version = _version(load_registry(policies), version_id)
    if fmt == "json":
        _echo_json(describe_version(version))
    else:
        click.echo(render_table(show_rows(version, lang), title=show_title(version, lang)))


@policies_command.command("diff")
@click.argument("first", metavar="A")
@click.argument("second", metavar="B")
@policies_option
@_FORMAT
@lang_option
def diff_command(first: str, second: str, policies: Path | None, fmt: str, lang: Lang) -> None:
    """The parameters in which versions A and B differ (nothing printed but the header when
    they are the same)."""
    registry = load_registry(policies)
    a, b = _version(registry, first), _version(registry, second)
    if fmt == "json":
        _echo_json([difference.to_dict() for difference in diff_versions(a, b)])
    else:
        click.echo(render_table(diff_rows(a, b, lang)))
