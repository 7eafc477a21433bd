"""Ctrl-C at the edges of an import's bookkeeping: a batch (or a round) committed is counted.

An import reports what it stored batch by batch (``N stored`` in its summary, then
"interrupted: every batch counted above is stored"). A Ctrl-C that lands after a batch's
commit but before its count would leave a batch stored and not counted; one that lands while
the importer waits for a write in flight would abandon the count of a write that goes on and
commits. :func:`interrupts_deferred` makes such a stretch whole: the first Ctrl-C takes effect
when the block ends. A second Ctrl-C inside the block stops at once (a write that never
returns, a server gone: the user keeps the last word), with a line on standard error saying
that the last batch may be stored without being counted (running the import again counts it
as already present).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SECOND_INTERRUPT = (
    "interrupted again: stopping now; the batch being written may be stored without being "
    "counted above (running the import again reports it as already present)"
)


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Ctrl-C (SIGINT) during the block takes effect when the block ends; a second one stops
    at once (see the module). Outside the main thread (where signals are not delivered) the
    block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def defer(signum: int, _frame: FrameType | None) -> None:
        caught.append(signum)
        if len(caught) > 1:
            print(SECOND_INTERRUPT, file=sys.stderr, flush=True)
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, defer)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        if callable(previous):
            previous(signal.SIGINT, None)
        elif previous == signal.SIG_DFL:
            raise KeyboardInterrupt


__all__ = ["interrupts_deferred"]
