"""Progress bars of the long commands (import, project, replay of everyone, backfill, synth).

One way for all of them: a tqdm bar on standard error with the count, the rate and — when the
total is known — the ETA; never on standard output, so JSON and tables stay clean. By default a
bar shows only when standard error is a terminal (``--progress`` forces it, e.g. into a log
file; ``--no-progress`` turns it off), and only after :data:`DELAY` seconds, so short runs
print nothing. A bar is redrawn at most every :data:`MIN_INTERVAL` seconds whatever its
callers update, so updating it is cheap.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import IO, Protocol, TypeVar

from tqdm import tqdm

DELAY = 1.0
"""Seconds before a bar that was not forced appears."""
MIN_INTERVAL = 0.2
"""Seconds between two redraws of a bar."""

_WITH_TOTAL = (
    "{desc}: {percentage:3.0f}%|{bar}| {n:,.0f}/{total:,.0f} [{elapsed}<{remaining}, "
    "{rate_fmt}{postfix}]"
)
_WITHOUT_TOTAL = "{desc}: {n:,.0f} [{elapsed}, {rate_fmt}{postfix}]"
"""tqdm's bars, but counts as whole numbers with thousands separators (1,234,567/2,000,000;
4/4): tqdm's own unit scaling writes small counts as 4.00/4.00 and large ones as 1.23M."""

T = TypeVar("T")


class Numbered(Protocol):
    @property
    def number(self) -> int: ...


N = TypeVar("N", bound=Numbered)


def wanted(forced: bool | None, stream: IO[str] | None = None) -> bool:
    """Whether to show a bar: as ``--progress/--no-progress`` says, else when ``stream``
    (standard error) is a terminal."""
    if forced is not None:
        return forced
    stream = stream if stream is not None else sys.stderr
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream
        return False


def bar(
    *,
    total: int | None,
    desc: str,
    unit: str,
    enabled: bool,
    forced: bool | None = None,
    initial: int = 0,
) -> tqdm:
    """A bar on standard error (as it is at the call: a test's capture included); disabled
    (a no-op) unless ``enabled``. ``total`` ``None``: count and rate only, no ETA."""
    return tqdm(
        total=total,
        initial=initial,
        desc=desc,
        unit=unit,
        unit_scale=True,  # the rate: 45.1kline/s
        bar_format=_WITH_TOTAL if total is not None else _WITHOUT_TOTAL,
        disable=not enabled,
        file=sys.stderr,
        dynamic_ncols=True,
        mininterval=MIN_INTERVAL,
        delay=0 if forced else DELAY,
    )


def ticking(lines: Iterable[N], progress: tqdm, every: int) -> Iterator[N]:
    """``lines`` as they come, moving ``progress`` to each ``every``-th line's number (a
    file's line numbers: blank lines counted, as in the total)."""
    step = every
    for line in lines:
        if line.number >= step:
            progress.update(line.number - progress.n)
            step = line.number + every
        yield line


def counting(items: Iterable[T], progress: tqdm) -> Iterator[T]:
    """``items`` as they come, counting each on ``progress``."""
    for item in items:
        yield item
        progress.update(1)
