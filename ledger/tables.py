"""The one table renderer of the command line: rows of text → an aligned plain-text table.

Every command that prints a table for people (``history``, ``replay``, ``policies``, ``status``
…) goes through :func:`render_table`, so alignment rules live in one place. Rendering is
rich's (a well-kept library): it measures CJK characters as two columns, so Chinese labels,
region names and policy ids stay aligned. Cells are plain text, never markup: a ``[`` in the
data prints as it is. No colours, no box-drawing characters: the output is meant for terminals,
pipes and files alike.
"""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

PLAIN = box.Box("    \n    \n -  \n    \n    \n    \n    \n    \n", ascii=True)
"""Columns apart, a line of dashes under the header, no other rules (rich's SIMPLE_HEAD in
ASCII). With a cell's padding on its right only, each column's dashes start where its text
does."""

EMPTY = "—"
"""An empty cell (no value), in every language."""

WIDE = 1_000
"""Width when the output is not a terminal: rows are never wrapped in a file or a pipe."""


def render_table(
    rows: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    width: int | None = None,
    header: bool = True,
) -> str:
    """``rows`` (the header first) as an aligned table; ``title`` on its own line above.
    ``header=False``: the first row is a row like the others, no dashes (a list of names and
    values).

    ``width`` defaults to the terminal's when stdout is one, else :data:`WIDE`."""
    if not rows:
        raise ValueError("a table needs at least its header row")
    if header:
        header_row, *body = rows
    else:
        header_row, body = ["" for _ in rows[0]], list(rows)
    table = Table(
        box=PLAIN,
        show_header=header,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
        header_style="",
    )
    for name in header_row:
        table.add_column(Text(str(name)), overflow="fold")
    for row in body:
        if len(row) != len(header_row):
            raise ValueError(f"row has {len(row)} cells, the header {len(header_row)}: {row!r}")
        table.add_row(*(Text(str(cell)) for cell in row))
    console = Console(
        file=io.StringIO(),
        width=width or _width(),
        color_system=None,
        force_terminal=False,
        record=True,
        emoji=False,
        highlight=False,
    )
    console.print(table)
    text = "\n".join(line.rstrip() for line in console.export_text().splitlines()).strip("\n")
    return f"{title}\n{text}" if title else text


def _width() -> int:
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return WIDE
