"""A shorter thread switch interval while a writer thread writes to PostgreSQL.

One loader's bulk import into PostgreSQL is a pipeline of two threads in one interpreter: one
reads, validates and decides the next batch, in Python, while a writer thread only hands
``COPY`` data to libpq a buffer at a time and waits for the socket with the interpreter lock
released. To go on, the
writer needs the lock back. The reading thread gives it up only when the interpreter's switch
interval runs out, and Python's default interval is 5 ms. So the writer lagged, and the reader
waited for it at the end of each batch. With 1 ms, the import's wall time was 6-8% above its
CPU time instead of 10-11% (1,000,000 events into PostgreSQL, six runs each way,
alternating), for no more CPU. (The parallel loaders' writer threads also decide each round,
in Python: there it gave nothing, and they keep Python's interval.)

The interval belongs to the whole process. :func:`prompt_writer` counts the pipelines that
run: the first one in sets it, and the last one out puts back what was there before the
first. Imports that overlap in one process (two threads, two applications) therefore never
leave it changed. A Ctrl-C that lands while it is put back takes effect just after
(:func:`ledger.interrupts.interrupts_deferred`).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ledger.interrupts import interrupts_deferred

PIPELINE_SWITCH_INTERVAL = 0.001
"""The interpreter's thread switch interval, in seconds, while a pipeline writes; Python's
default is 0.005. A shorter interval already set is kept."""


class _Pipelines:
    """How many pipelines run, and the interval to put back after the last (``None``: it
    was already short enough, and was left alone)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.previous: float | None = None


_pipelines = _Pipelines()


@contextmanager
def prompt_writer() -> Iterator[None]:
    """The block runs with the switch interval at most :data:`PIPELINE_SWITCH_INTERVAL`;
    the interval the process had before the first such block comes back after the last."""
    with _pipelines.lock:
        if _pipelines.running == 0:
            previous = sys.getswitchinterval()
            if previous > PIPELINE_SWITCH_INTERVAL:
                sys.setswitchinterval(PIPELINE_SWITCH_INTERVAL)
                _pipelines.previous = previous
            else:
                _pipelines.previous = None
        _pipelines.running += 1
    try:
        yield
    finally:
        with interrupts_deferred(), _pipelines.lock:
            _pipelines.running -= 1
            if _pipelines.running == 0 and _pipelines.previous is not None:
                # The interpreter keeps whole microseconds and truncates what it is given:
                # half a microsecond more gives back exactly the value it had.
                sys.setswitchinterval(_pipelines.previous + 5e-7)
                _pipelines.previous = None


__all__ = ["PIPELINE_SWITCH_INTERVAL", "prompt_writer"]
