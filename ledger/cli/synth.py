"""``ledger synth``: write a synthetic population as JSON Lines (see :mod:`ledger.synth`)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import IO

import click

from ledger import progress as bars
from ledger.synth import generate, parse_years, to_line


def _years(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[int, int]:
    try:
        return parse_years(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("synth")
@click.option("--persons", type=click.IntRange(min=0), required=True, help="How many persons.")
@click.option(
    "--years",
    default="2021-2025",
    show_default=True,
    callback=_years,
    help="Coverage years FIRST-LAST.",
)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--start",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Number of the first person: partitions generated apart concatenate to one run.",
)
@click.option(
    "--order",
    type=click.Choice(["person", "date"]),
    default="person",
    show_default=True,
    help="person: each person's events together; date: blocks of 10,000 persons, each "
    "block's events by business date.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Output file [default: standard output].",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on stderr [default: when writing to a file from a terminal].",
)
def synth_command(
    persons: int,
    years: tuple[int, int],
    seed: int,
    start: int,
    order: str,
    out: Path | None,
    progress: bool | None,
) -> None:
    """Generate a synthetic population's events (JSON Lines), deterministic for a seed.

    Mix and rates: docs/synth.md. Person ids are valid but fictitious.

    \b
    Example:
      ledger synth --persons 100000 --years 2021-2025 --seed 7 --out pop.jsonl
    """
    show = progress if progress is not None else (out is not None and sys.stderr.isatty())
    began = time.perf_counter()
    events = 0
    target: IO[str]
    try:
        target = open(out, "w", encoding="utf-8") if out else sys.stdout  # noqa: SIM115
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror}") from None
    try:
        records = generate(persons, years, seed, start=start, order=order)  # type: ignore[arg-type]
        by_person = order == "person"
        with bars.bar(
            total=persons if by_person else None,
            desc="synth",
            unit="person" if by_person else "event",
            enabled=show,
            forced=progress,
        ) as bar:
            last_person = None
            for record in records:
                target.write(to_line(record))
                events += 1
                if not show:
                    continue
                if not by_person:
                    bar.update(1)
                elif record["person_id"] != last_person:
                    last_person = record["person_id"]
                    bar.update(1)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if out:
            target.close()
    elapsed = time.perf_counter() - began
    click.echo(
        f"{persons} persons, {events} events in {elapsed:.1f} s "
        f"({events / elapsed if elapsed else 0:,.0f} events/s)",
        err=True,
    )
