"""Import event files into the ledger: JSON Lines, or CSV with the same columns.

- JSON Lines (``.jsonl``, ``.ndjson``, ``.json``): UTF-8, one event object per line.
- CSV (``.csv``): a header row naming the contract fields (INTERCHANGE.md), one event per row;
  UTF-8 (with or without BOM) or GB18030, the encoding of legacy government exports, decided
  for the file from evidence that cannot silently mis-decode (:mod:`ledger.encodings`; a
  file that does not tell is refused, asking for ``--encoding``). An empty cell means the
  field is absent; columns the contract does not know are kept as unknown fields.

Both are decoded line by line: a line that does not decode is rejected (``bad_encoding``), a
line longer than :data:`ledger.events.MAX_LINE_BYTES` too (``too_long``, read in pieces and
dropped), and the rest of the file is stored.

A file of another name is read as JSON Lines when its first non-blank character is ``{``, else
as CSV. ``-`` is standard input (a pipe or device path is read alike): sniffed the same way,
JSON Lines read as they come, CSV spooled to a temporary file first.

Each good line is stored, in any order (POLICY.md ``I-order``: nothing is rejected for what the
person's other events say), each bad one written to ``FILE.rejects.jsonl`` (next to the input,
replaced on every run; created with mode 0600, every ID number in it masked) as
``{"line", "event_id", "reason", "message", "raw"}``, or handed to ``on_reject`` (masked
too). Blank lines are skipped. docs/import.md lists every reason. Lines are stored in
batches, each in one transaction with its idempotency index (see
:meth:`ledger.application.LedgerApp.append`): an interrupted import keeps every batch it
reported, never half an event, and running it again stores only what is missing.

Durability: on SQLite the ledger keeps the library's settings, WAL journal with
``synchronous=FULL``, so a batch reported stored survives a killed process and an OS crash or
power loss alike. ``synchronous=NORMAL`` (which may lose the last commits on an OS crash) was
measured and gave nothing measurable: with 50,000 lines per transaction the import commits
a few times a minute and its time is CPU, not fsync.

Speed (``scripts/bench_import.py``): plain records take a fast path that validates and makes
the canonical form in one pass (:mod:`ledger.fastparse`), the residents touched stay in memory
between batches (:class:`~ledger.application.LedgerApp`), the garbage collector runs
rarely while importing, and on PostgreSQL the next batch is read, validated and decided while
one is written (:func:`_store_ahead`).
"""

from __future__ import annotations

import codecs
import csv
import gc
import itertools
import json
import json.scanner
import logging
import os
import shutil
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import IO, Any, BinaryIO, NamedTuple, TypeVar, cast

import orjson

from ledger import encodings
from ledger import progress as bars
from ledger.application import LedgerApp, Outcome, WritePlan
from ledger.events import (
    MAX_LINE_BYTES,
    MAX_NUMBER_LENGTH,
    EventBase,
    EventKey,
    InvalidEvent,
    TooLong,
    parse_event,
)
from ledger.fastparse import parse_plain
from ledger.interrupts import interrupts_deferred
from ledger.person_id import mask_ids_in
from ledger.sqlite_writer import SQLiteWriterProcess, WriterNotStarted
from ledger.store import WriteRows, is_write_conflict
from ledger.switching import prompt_writer

_log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 100_000
"""Lines per transaction (SQLite, and the parallel loaders; one PostgreSQL loader:
:data:`PIPELINE_BATCH_SIZE`). Larger batches write each touched resident's state fewer times
and commit less often (10,000 → 50,000: about 8% less CPU per event on the benchmark; 50,000 →
100,000: about 3% less); a batch is held in memory until it commits (peak RSS of a
1,000,000-line import: ~510 MB at 50,000, ~670 MB at 100,000). Into PostgreSQL it was
10,000 while the library's insert ran in psycopg's pipeline mode, which hung for good on
batches of 30,000 events, psycopg issue #685; the ledger's PostgreSQL recorder now writes a
batch in a plain transaction)."""
PIPELINE_BATCH_SIZE = 50_000
"""Lines per transaction of a pipelined import (PostgreSQL: :func:`_store_ahead`) by
default. It holds :data:`WRITES_AHEAD` batches sent to be written and the one it decides:
150,000 lines at 50,000, fewer than the two batches of 100,000 it held with one batch
written ahead; and when the reading ends, what is left to write is two smaller batches.
(Measured on 1,000,000 events, alternating: two batches of 50,000 ahead against one of
100,000, 4 pairs twice: wall median 24.20 against 24.94 s and 22.89 against 24.27 s, client
CPU 0.3-0.4 s more; two of 100,000 ahead: 24.78 against 25.18 s; docs/scale.md.)"""
PIPELINE_FIRST_BATCH = 5_000
"""Lines of the first batch when batches are written while the next is read (PostgreSQL:
:func:`_store_ahead`); each next batch doubles, up to the batch size. Nothing overlaps the
reading of the first batch: a whole batch first (100,000 lines) left the database idle about
a second."""
GC_THRESHOLD = 1_000_000
"""First-generation threshold of the garbage collector during an import (see
``_fewer_gc_passes``)."""
PROGRESS_MIN_BYTES = 1_000_000
"""Files at least this large show a progress bar (when stderr is a terminal); standard input
and pipes show one whatever their size (after a second: :data:`ledger.progress.DELAY`)."""
WRITES_AHEAD = 2
"""Batches a pipelined import (PostgreSQL: :func:`_store_ahead`) sends to be written before
it waits for the oldest to commit. With one, a write that took longer than the next batch's
reading and deciding kept the reader waiting, and a shorter one left the writer idle until
the reader was done: one loader's wall time was 1.4-2.6 s above its client CPU time per
1,000,000 events (8 runs). With two, the next batch is queued behind the one being written,
the writer goes from one to the next without waiting (timed in the writer: 0-3 ms between
writes of full batches), and the gap was 0.8-1.4 s (11 runs), most of it the last batches'
writes, which nothing overlaps. (Batches of 50,000 lines with one written ahead: 10% slower
than with two.)"""
WRITER_PROCESS_MIN_BATCH = 10_000
"""The smallest batch size at which an import into a SQLite file may have a process of its
own write the batches (:mod:`ledger.sqlite_writer`) while it reads and decides the next;
below it, every batch is stored in turn (:func:`_store_in_turn`): each batch's round trip to
the writer process is then not paid back."""
WRITER_PROCESS_AFTER = 100_000
"""Lines an import into a SQLite file stores in turn before it starts a writer process (when
more follow). The process's start and the round trips are paid back by a long input only.
Measured with the process from the first batch on, each import's wall time against the same
import in turn just before: 20,000 events 0.95-1.82 times (6 pairs), 100,000 events 1.06-1.27
times, 250,000 events 0.87-0.95 times, 1,000,000 events 0.73-1.01 times (2-3 pairs each;
docs/scale.md)."""
PROGRESS_EVERY = 2_000
"""Lines between two moves of the progress bar: it moves as lines are read, then to the end
of each batch as the batch commits (a redraw is at most every 0.2 s, whatever the rate)."""

_JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
_CSV_REQUIRED = ("event_id", "person_id", "type", "date")


class ImportFileError(Exception):
    """A file that cannot be imported at all (unreadable, undecodable, no CSV header…)."""


@dataclass(frozen=True)
class Reject:
    """A line that was not stored, and why."""

    line: int
    event_id: str | None
    reason: str
    message: str
    raw: str

    def to_json(self) -> str:
        return json.dumps(
            {
                "line": self.line,
                "event_id": self.event_id,
                "reason": self.reason,
                "message": self.message,
                "raw": self.raw,
            },
            ensure_ascii=False,
        )


@dataclass
class ImportSummary:
    """What importing one file did."""

    path: Path
    stored: int = 0
    present: int = 0
    """Events whose ``event_id`` was already stored with the same content."""
    rejected: int = 0
    rejects_path: Path | None = None
    reasons: dict[str, int] = field(default_factory=dict)
    """Rejected lines per reason."""

    @property
    def lines(self) -> int:
        return self.stored + self.present + self.rejected

    def count(self, stored: int, present: int, rejected: int) -> None:
        """Add a committed batch's counts."""
        self.stored += stored
        self.present += present
        self.rejected += rejected

    def describe(self) -> str:
        text = (
            f"{self.path}: {self.stored} stored, {self.present} already present, "
            f"{self.rejected} rejected"
        )
        if self.rejected:
            reasons = ", ".join(f"{n} {r}" for r, n in sorted(self.reasons.items()))
            where = f"see {self.rejects_path}" if self.rejects_path else "listed on stderr"
            text += f" ({reasons}; {where})"
        return text


class ImportInterrupted(Exception):
    """The import was interrupted; ``summaries`` holds what was stored before."""

    def __init__(self, summaries: list[ImportSummary]) -> None:
        super().__init__("import interrupted")
        self.summaries = summaries


class _Line(NamedTuple):
    """One input line: its event, or the error that rejects it. (A tuple: cheap to make.)"""

    number: int
    raw: str | bytes
    """The line as read: text, or for a valid JSON line its UTF-8 bytes (decoded only if the
    line is rejected after all, a conflict)."""
    event: EventBase | EventKey | None
    """The event (valid), or only its key (:class:`EventKey`: the import's fast path, which
    gives ``canonical`` too)."""
    error: InvalidEvent | None
    canonical: str | None = None
    """``canonical_json(event)`` when the fast path already made it."""


_new_tuple = tuple.__new__
"""``_new_tuple(_Line, (…))`` is ``_Line(…)`` with every field given, without the Python-level
``__new__`` a ``NamedTuple`` has (half the time: it is made for every line imported)."""


def read_events(
    path: Path, encoding: str | None = None
) -> Iterator[tuple[int, EventBase | None, InvalidEvent | None]]:
    """``(line number, event, error)`` for each non-blank line of an events file (JSON Lines,
    or CSV in UTF-8/GB18030; ``-`` is standard input): decoding and validation only, nothing
    stored, no idempotency (for that, import into a store: ``projections.replay``)."""
    for number, _, event, error, _ in _read_lines(Path(path), encoding):
        yield number, cast(EventBase | None, event), error  # (models: not read by keys)


STDIN = Path("-")
"""The path that means standard input (``ledger import -``, ``ledger replay --events -``)."""


def is_stdin(path: Path | str) -> bool:
    return str(path) == "-"


def rejects_path_for(path: Path) -> Path:
    """``FILE.rejects.jsonl`` beside ``FILE``."""
    return path.with_name(path.name + ".rejects.jsonl")


RejectSink = Callable[[Reject], None]


def import_files(
    app: LedgerApp,
    paths: Sequence[Path],
    *,
    batch_size: int | None = None,
    encoding: str | None = None,
    progress: bool | None = None,
    on_reject: RejectSink | None = None,
    stored_at: datetime | None = None,
) -> list[ImportSummary]:
    """Import files in order; see :func:`import_file`. Raises :class:`ImportInterrupted`
    (carrying the summaries so far) on Ctrl-C."""
    return import_each(
        paths,
        lambda path, summary: import_file(
            app,
            path,
            batch_size=batch_size,
            encoding=encoding,
            progress=progress,
            summary=summary,
            on_reject=on_reject,
            stored_at=stored_at,
        ),
    )


def import_each(
    paths: Sequence[Path], import_one: Callable[[Path, ImportSummary], object]
) -> list[ImportSummary]:
    """``import_one(path, summary)`` for each file in order, each with its summary; Ctrl-C
    raises :class:`ImportInterrupted` carrying the summaries so far (the one being imported
    holds what was committed of it)."""
    summaries: list[ImportSummary] = []
    for path in paths:
        summary = ImportSummary(Path(path))
        summaries.append(summary)
        try:
            import_one(Path(path), summary)
        except KeyboardInterrupt:
            raise ImportInterrupted(summaries) from None
    return summaries


def start_input(
    path: Path,
    summary: ImportSummary | None,
    rejects_to: Path | None,
    on_reject: RejectSink | None,
) -> tuple[Path, ImportSummary, Path | None]:
    """What every import of one input does first: the input must be a file (or ``-``), its
    summary is made unless given, and its rejects file — ``rejects_to``, by default
    ``FILE.rejects.jsonl`` beside a file, none for standard input, none when rejects go to
    ``on_reject`` — is replaced (private and masked, :func:`replace_rejects_file`).
    Returns ``(path, summary, rejects_to)``."""
    path = Path(path)
    summary = summary if summary is not None else ImportSummary(path)
    stdin = is_stdin(path)
    if not stdin and (not path.exists() or path.is_dir()):
        raise ImportFileError(f"{path}: no such file")
    if on_reject is not None:
        return path, summary, None
    rejects_to = rejects_to or (None if stdin else rejects_path_for(path))
    if rejects_to is not None:
        replace_rejects_file(rejects_to)
    return path, summary, rejects_to


def import_file(
    app: LedgerApp,
    path: Path,
    *,
    batch_size: int | None = None,
    encoding: str | None = None,
    progress: bool | None = None,
    summary: ImportSummary | None = None,
    rejects_to: Path | None = None,
    on_reject: RejectSink | None = None,
    stored_at: datetime | None = None,
) -> ImportSummary:
    """Import one file into ``app``; counts go into ``summary`` as batches commit.

    ``path`` ``-`` is standard input (JSON Lines when its first non-blank character is ``{``,
    else CSV). ``encoding`` overrides CSV encoding detection. ``progress`` forces the progress
    bar (stderr: lines, rate, and for a file the ETA) on or off; by default it shows for large
    files and for standard input when stderr is a terminal.
    ``batch_size`` defaults to :data:`DEFAULT_BATCH_SIZE`, on PostgreSQL to
    :data:`PIPELINE_BATCH_SIZE`.

    Rejected lines go to ``on_reject`` when given; else to the file ``rejects_to``, by default
    ``FILE.rejects.jsonl`` beside the input (replaced on every run; standard input has none
    unless ``rejects_to`` is given: they are then only counted). ``stored_at`` fixes the
    ledger's storage time of every event stored (see :meth:`LedgerApp.append`)."""
    if batch_size is None:
        pipelined = app.store_works_apart or app.writer_process_settings is not None
        batch_size = PIPELINE_BATCH_SIZE if pipelined else DEFAULT_BATCH_SIZE
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    path, summary, rejects_to = start_input(path, summary, rejects_to, on_reject)
    lines = _read_lines(path, encoding, keys=True)
    show = _want_progress(path, progress)
    # The total of a file gives the ETA; standard input and pipes have none: rate only.
    total = _count_lines(path) if show and not is_stdin(path) and path.is_file() else None
    rejects_file: IO[str] | None = None
    try:
        with (
            _fewer_gc_passes(),
            bars.bar(
                total=total, desc=path.name, unit="line", enabled=show, forced=progress
            ) as bar,
        ):
            if show:
                lines = bars.ticking(lines, bar, PROGRESS_EVERY)

            def handle(batch: list[_Line], rejects: list[Reject]) -> None:
                nonlocal rejects_file
                for reject in rejects:
                    summary.reasons[reject.reason] = summary.reasons.get(reject.reason, 0) + 1
                    if on_reject is not None:
                        on_reject(reject)
                        continue
                    if rejects_to is None:
                        continue
                    if rejects_file is None:
                        rejects_file = open_rejects_file(rejects_to)
                        summary.rejects_path = rejects_to
                    rejects_file.write(reject.to_json() + "\n")
                if rejects_file is not None:
                    rejects_file.flush()
                if batch[-1].number > bar.n:  # (reading may be past it: the next batch)
                    bar.update(batch[-1].number - bar.n)

            if app.store_works_apart:
                batches = _batches(lines, batch_size, first=PIPELINE_FIRST_BATCH)
                _store_ahead(app, batches, summary, stored_at, handle)
            else:
                _store_here(app, lines, batch_size, summary, stored_at, handle)
    finally:
        if rejects_file is not None:
            rejects_file.close()
    return summary


def replace_rejects_file(path: Path) -> None:
    """Remove an earlier rejects file at ``path`` (a regular file, or a link: a device or a
    pipe given as ``--rejects`` is written to as it is)."""
    if path.is_symlink() or path.is_file():
        path.unlink()


def open_rejects_file(path: Path) -> IO[str]:
    """``path`` for writing, created readable and writable by its owner only (mode 0600 from
    the start, not a chmod after: a rejects file holds the input's lines)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
    return open(os.open(path, flags, 0o600), "w", encoding="utf-8")


@contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """Run the cyclic garbage collector less often while importing.

    A batch keeps hundreds of thousands of objects alive (events, records, residents) and
    makes almost no reference cycles, yet with the default thresholds the collector scanned
    them again and again: about 15% of the import's time, still 8% with a first-generation
    threshold of 50,000. At 1,000,000 it costs about as little as no collection at all, and
    cyclic garbage (rejected lines' exceptions) stays bounded. Previous thresholds are
    restored."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], GC_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _store_here(
    app: LedgerApp,
    lines: Iterable[_Line],
    batch_size: int,
    summary: ImportSummary,
    stored_at: datetime | None,
    handle: Callable[[list[_Line], list[Reject]], None],
) -> None:
    """Store the lines into a store whose writing is this process's own (SQLite).

    Batches are stored in turn (:func:`_store_in_turn`). Into a file, in batches of at least
    :data:`WRITER_PROCESS_MIN_BATCH` lines, once :data:`WRITER_PROCESS_AFTER` lines are
    stored and more follow, a writer process is started (:mod:`ledger.sqlite_writer`):
    batches are stored in turn until it is ready, then it writes each batch while this
    process reads and decides the next (:func:`_store_ahead`)."""
    settings = app.writer_process_settings
    if settings is None or batch_size < WRITER_PROCESS_MIN_BATCH:
        _store_in_turn(app, _batches(lines, batch_size), summary, stored_at, handle)
        return
    batches = _batches(lines, batch_size, first=PIPELINE_FIRST_BATCH)
    guess = AssumeNew()  # (what the batches in turn found goes on)
    if WRITER_PROCESS_AFTER > 0:
        start = summary.lines
        _store_in_turn(
            app,
            batches,
            summary,
            stored_at,
            handle,
            guess,
            until=lambda: summary.lines - start >= WRITER_PROCESS_AFTER,
        )
    following = next(batches, None)
    if following is None:
        return
    rest = itertools.chain([following], batches)
    failure: Exception | None = None

    def ready() -> bool:  # (whether to stop storing in turn: it is ready, or it failed)
        nonlocal failure
        try:
            return writer.ready()
        except Exception as exc:  # noqa: BLE001 - it never got a batch: said, and on
            failure = exc
            return True

    try:
        writer = SQLiteWriterProcess(settings)
    except (OSError, WriterNotStarted) as exc:  # (no process or file to spare, or a child
        failure = exc  # gone before it had its settings): a speed-up missed, nothing else
    else:
        with writer:
            # Its start (an interpreter, the ledger's modules, the connection: about 0.3 s)
            # on the other core, while this one goes on storing batches itself.
            if not ready():
                _store_in_turn(app, rest, summary, stored_at, handle, guess, until=ready)
            if failure is None:
                _store_ahead(app, rest, summary, stored_at, handle, writer.insert_rows, guess)
                return
    assert failure is not None  # (the writer failed to start, or before it was ready)
    _without_writer(failure)
    _store_in_turn(app, rest, summary, stored_at, handle, guess)


def _without_writer(failure: BaseException) -> None:
    """Say (a warning on the ``ledger.importer`` logger, standard error by default) that a
    SQLite import goes on storing its batches in turn: its writer process did not start."""
    reason = mask_ids_in(" ".join(str(failure).split()) or type(failure).__name__)
    if not isinstance(failure, WriterNotStarted):  # (that one says it all)
        reason = f"the SQLite writer process could not start ({reason})"
    _log.warning("%s; storing batches in turn", reason)


def _store_in_turn(
    app: LedgerApp,
    batches: Iterable[list[_Line]],
    summary: ImportSummary,
    stored_at: datetime | None,
    handle: Callable[[list[_Line], list[Reject]], None],
    guess: AssumeNew | None = None,
    until: Callable[[], bool] | None = None,
) -> None:
    """Store the batches in order, reading each after the one before is committed (SQLite:
    its work is this process's own, and the sqlite3 module gives up the interpreter lock for
    every row it steps: a writer thread beside the reading was measured slower, 24 s against
    22.5 s for 1,000,000 events). With ``until``, stop after the first batch stored once it
    says so (the batches not stored are left in ``batches``). ``guess``: whether to read
    the store's event ids (:class:`AssumeNew`), as the batches before found."""
    guess = guess if guess is not None else AssumeNew()
    for batch in batches:
        with interrupts_deferred():  # a batch committed is a batch counted
            rejects, part = _store_batch(app, batch, summary.path, stored_at, guess)
            summary.count(part.stored, part.present, part.rejected)
            handle(batch, rejects)
        if until is not None and until():
            return


def _store_ahead(
    app: LedgerApp,
    batches: Iterable[list[_Line]],
    summary: ImportSummary,
    stored_at: datetime | None,
    handle: Callable[[list[_Line], list[Reject]], None],
    insert_rows: Callable[[WriteRows], Sequence[int]] | None = None,
    guess: AssumeNew | None = None,
) -> None:
    """Store the batches in order, each decided on everything the ones before it stored;
    once a batch is committed its counts are added to ``summary`` and ``handle`` gets it with
    its rejects.

    A pipeline of two threads: one writer thread writes the batches in order
    (:meth:`LedgerApp.write`; the database's share of the work runs in a process of its own:
    PostgreSQL's server, or for a SQLite file the writer process whose ``insert_rows`` is
    given, :mod:`ledger.sqlite_writer`) while this thread reads and validates the next batch
    and decides it on top of those sent to be written and not yet committed
    (:meth:`LedgerApp.decide` with ``after``). Up to :data:`WRITES_AHEAD` batches are sent to
    be written at a time; each is written only once the one before is committed. If a
    batch's write fails on a concurrent writer's conflict, it is stored again with
    :meth:`LedgerApp.append` (decided afresh, tried again) and every batch decided on it is
    decided again. (SQLite's own writing in a writer thread of this process was measured
    slower than in turn: :func:`_store_here`.) At most :data:`WRITES_AHEAD` + 1 batches are
    held. When reading stops
    (an error, Ctrl-C) the batches sent to be written are waited for and, stored, counted;
    the one being read or decided is never written.

    A batch may be decided without reading which of its event ids the store holds: see
    :class:`AssumeNew`."""
    write = app.write if insert_rows is None else partial(app.write, insert_rows=insert_rows)
    with (
        prompt_writer(),  # the writer thread gets the interpreter back sooner
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-writer") as writer,
    ):
        pending: deque[tuple[_Decided, Future[list[Outcome]]]] = deque()
        """The batches sent to be written, the oldest first."""
        guess = guess if guess is not None else AssumeNew()
        counted: _Decided | None = None
        """The batch last counted, freed only once the next batch's write is under way:
        freeing a batch's lines, events and rows holds the interpreter some 45 ms per 100,000
        lines, during which the server, done with the batch, would wait for the next."""

        def finish() -> bool:
            """Wait for the oldest pending batch and count it (a Ctrl-C meanwhile takes
            effect once it is counted: the write goes on and commits whatever this thread
            does); whether its write went as decided."""
            nonlocal counted
            decided, future = pending[0]
            with interrupts_deferred():
                try:
                    outcomes = future.result()
                except Exception as exc:
                    outcomes = decided.store_again(app, exc, stored_at)
                    settled = False
                else:
                    settled = True
                pending.popleft()
                rejects, part = decided.settle(outcomes, summary.path)
                guess.count(decided, part, settled)
                summary.count(part.stored, part.present, part.rejected)
                handle(decided.batch, rejects)
                counted = decided
            return settled

        def decided_again(stale: list[_Decided]) -> list[_Decided]:
            """The batches decided on a batch whose write failed (their writes, refused, are
            waited for), decided again in order, each on the one before."""
            for _, future in pending:
                with suppress(Exception):
                    future.result()  # refused: it follows a plan never written
            pending.clear()
            fresh: list[_Decided] = []
            for decided in stale:
                after = fresh[-1].plan if fresh else None
                fresh.append(_decide_batch(app, decided.batch, stored_at, after))
            return fresh

        def send(unsent: list[_Decided], room: int) -> None:
            """Send ``unsent`` to be written, in order, and wait until at most ``room``
            batches are pending: a batch sent to be written is a batch pending; one whose
            write failed has those decided on it decided again and sent."""
            nonlocal counted
            while unsent or len(pending) > room:
                if unsent and len(pending) < WRITES_AHEAD:
                    with interrupts_deferred():
                        decided = unsent.pop(0)
                        pending.append((decided, writer.submit(write, decided.plan)))
                    counted = None
                elif not finish():
                    unsent = decided_again([d for d, _ in pending] + unsent)

        try:
            for batch in batches:
                after = pending[-1][0].plan if pending else None
                send([_decide_batch(app, batch, stored_at, after, guess.now())], WRITES_AHEAD)
            send([], 0)
        finally:
            # Reading stopped (an error, Ctrl-C) while batches were sent to be written: each
            # is waited for and counted, in one stretch (a Ctrl-C meanwhile takes effect
            # after the last), until one whose write failed (those after it are refused).
            # Whatever stops this (a second Ctrl-C), the writes not yet begun are dropped: a
            # batch written is a batch counted, but for the one being written.
            try:
                with interrupts_deferred():
                    while pending:
                        head = pending[0]
                        try:
                            if not finish():
                                break
                        except Exception:
                            if pending and pending[0] is head:
                                break  # its write failed: those after it are refused
            finally:
                for _, future in pending:
                    future.cancel()


class _Decided(NamedTuple):
    """A batch's valid events decided (:meth:`LedgerApp.decide`), its invalid lines
    rejected."""

    batch: list[_Line]
    valid: list[_Line]
    events: list[EventBase | EventKey]
    canonical: list[str | None]
    plan: WritePlan
    invalid: list[Reject]
    assumed_new: bool = False
    """Whether it was decided without reading the store's event ids (:class:`AssumeNew`)."""

    def store_again(
        self, app: LedgerApp, failure: Exception, stored_at: datetime | None
    ) -> list[Outcome]:
        """After the plan's write failed with ``failure``: on a concurrent writer's
        conflict, the events stored with :meth:`LedgerApp.append` (decided afresh, and tried
        again); any other failure is raised."""
        if not is_write_conflict(failure):
            raise failure
        return app.append(self.events, canonical=self.canonical, stored_at=stored_at)

    def all_new(self, counts: ImportSummary) -> bool:
        """Whether, by its ``counts`` (:meth:`settle`'s), every valid line of the batch was
        stored: none present, none a conflict."""
        return counts.stored == len(self.valid)

    def settle(self, outcomes: Sequence[Outcome], path: Path) -> tuple[list[Reject], ImportSummary]:
        """The batch's rejects (in line order) and counts, once its events' ``outcomes``
        are known (written)."""
        summary = ImportSummary(path)
        rejects = list(self.invalid)
        for line, outcome in zip(self.valid, outcomes, strict=True):
            if outcome.status == "stored":
                summary.stored += 1
            elif outcome.status == "present":
                summary.present += 1
            else:
                assert line.event is not None
                rejects.append(
                    _reject(line, outcome.reason or "", outcome.message or "", line.event.event_id)
                )
        summary.rejected += len(rejects)
        rejects.sort(key=lambda r: r.line)
        return rejects, summary


def _decide_batch(
    app: LedgerApp,
    batch: list[_Line],
    stored_at: datetime | None,
    after: WritePlan | None,
    assume_new: bool = False,
) -> _Decided:
    invalid: list[Reject] = []
    valid: list[_Line] = []
    events: list[EventBase | EventKey] = []
    canonical: list[str | None] = []
    for line in batch:  # (one pass: a batch is far more than the processor's caches hold)
        event = line.event
        if event is not None:
            valid.append(line)
            events.append(event)
            canonical.append(line.canonical)
        else:
            error = line.error
            assert error is not None
            invalid.append(_reject(line, error.reason, error.message, error.event_id))
    # Whole, whatever the thread does meanwhile: a Ctrl-C in the middle of its reads of the
    # store (just after SQLite's BEGIN) left the connection inside their transaction.
    with interrupts_deferred():
        plan = app.decide(
            events, canonical=canonical, stored_at=stored_at, after=after, assume_new=assume_new
        )
    return _Decided(batch, valid, events, canonical, plan, invalid, assume_new)


def _store_batch(
    app: LedgerApp,
    batch: list[_Line],
    path: Path,
    stored_at: datetime | None,
    guess: AssumeNew,
) -> tuple[list[Reject], ImportSummary]:
    """Store one batch; its rejects (in line order) and its counts. Decided assuming its
    event ids new when ``guess`` says so, and ``guess`` told how it went."""
    decided = _decide_batch(app, batch, stored_at, None, guess.now())
    settled = True
    try:
        outcomes = app.write(decided.plan)
    except Exception as exc:
        outcomes = decided.store_again(app, exc, stored_at)
        settled = False
    rejects, part = decided.settle(outcomes, path)
    guess.count(decided, part, settled)
    return rejects, part


class AssumeNew:
    """When an import decides a batch **assuming its event ids new**, without reading which
    of them the store holds (:meth:`LedgerApp.decide`'s ``assume_new``): after
    :attr:`needed` batches in a row were all new (every valid line stored, none present,
    none a conflict: :meth:`_Decided.all_new`) and written as decided.

    The read costs the store a probe of the idempotency index per event (the write probes it
    again); skipping it costs nothing while the ids are new, and a whole batch's write and a
    second decision when one is not: the index's key refuses it (nothing of it stored) and it
    is decided again, reading. So :attr:`needed` starts at 1 and doubles after each batch
    written in vain: a first import reads its first batch only, a second import of the same
    file reads every batch and never writes in vain, and a file whose repeats of stored lines
    are spread through it writes a few batches in vain (at most about the base-2 logarithm of
    its number of batches) and then reads every batch."""

    def __init__(self) -> None:
        self.needed = 1
        """All-new batches in a row before the next is assumed new."""
        self.streak = 0
        """All-new batches in a row so far (counted ones)."""

    def now(self) -> bool:
        """Whether to decide the next batch assuming its ids new."""
        return self.streak >= self.needed

    def count(self, decided: _Decided, counts: ImportSummary, as_decided: bool) -> None:
        """Learn from a batch counted (``counts``, :meth:`_Decided.settle`'s), which was
        written ``as_decided`` or, refused, decided again and stored."""
        if decided.assumed_new and not as_decided:
            self.needed *= 2
        self.streak = self.streak + 1 if as_decided and decided.all_new(counts) else 0


def _reject(line: _Line, reason: str, message: str, event_id: str | None) -> Reject:
    """A rejected line with every ID number in it masked (its text, its ``event_id``, the
    message): the line number and the event id find it in the input."""
    return Reject(
        line.number,
        mask_ids_in(event_id) if event_id is not None else None,
        reason,
        mask_ids_in(message),
        mask_ids_in(line.raw if isinstance(line.raw, str) else line.raw.decode("utf-8")),
    )


def _batches(lines: Iterable[_Line], size: int, first: int | None = None) -> Iterator[list[_Line]]:
    """Batches of ``size`` lines; with ``first``, the first batch has ``first`` lines and each
    next one twice as many as the one before, up to ``size`` (a pipeline's ramp: the writer
    starts early instead of waiting for a whole batch to be read)."""
    batch: list[_Line] = []
    limit = min(first, size) if first is not None else size
    for line in lines:
        batch.append(line)
        if len(batch) >= limit:
            yield batch
            batch = []
            limit = min(2 * limit, size)
    if batch:
        yield batch


def _want_progress(path: Path, progress: bool | None) -> bool:
    if not bars.wanted(progress):
        return False
    if progress or is_stdin(path) or not path.is_file():
        return True
    return path.stat().st_size >= PROGRESS_MIN_BYTES


def _count_lines(path: Path) -> int:
    count = 0
    last = b"\n"
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


# ---------------------------------------------------------------- reading


def _read_lines(path: Path, encoding: str | None, keys: bool = False) -> Iterator[_Line]:
    """The lines of a file, each decoded and validated. (A JSON Lines file's lines are
    validated as they are read, without a unit each: the bulk import's usual input.)
    ``keys``: a JSON Lines file's plain lines carry their :class:`EventKey` instead of the
    event's model (the import, which stores their canonical text)."""
    if not is_stdin(path) and path.is_file() and _is_jsonl(path):
        return _parsed_jsonl(path, keys)
    return (unit.parse() for unit in read_units(path, encoding))


def read_units(path: Path, encoding: str | None) -> Iterator[Unit]:
    """The lines of a file as read, not yet validated (:data:`Unit`): blank lines skipped,
    rows cut, lines that do not decode or are too long already rejected
    (:class:`RejectedUnit`), the file's own errors (no CSV header, an encoding it does not
    tell) raised as :class:`ImportFileError`. ``unit.parse()`` validates one (anywhere:
    units pickle)."""
    if is_stdin(path):
        return _read_stream(STDIN, sys.stdin.buffer, encoding)
    if not path.is_file():  # a pipe or a device (/dev/stdin, <(command)): read as it comes
        return _read_pipe(path, encoding)
    if _is_jsonl(path):
        return _read_jsonl(path)
    return _read_csv(path, encoding)


def _read_pipe(path: Path, encoding: str | None) -> Iterator[Unit]:
    with open(path, "rb") as stream:
        yield from _read_stream(path, stream, encoding)


_BLANK = codecs.BOM_UTF8 + b" \t\r\n"
_READ_LIMIT = MAX_LINE_BYTES + 2
"""``readline``'s limit: a line, its line ending (``\\r\\n``) and no more."""


def _read_stream(path: Path, stream: BinaryIO, encoding: str | None) -> Iterator[Unit]:
    """Lines of standard input (or a pipe): JSON Lines when the first non-blank character is
    ``{``, read as they come; else CSV, spooled to a temporary file first (its encoding is
    decided on the whole input, as for a file)."""
    head: list[bytes] = []
    while line := stream.readline(_READ_LIMIT):
        head.append(line)
        if line.strip(_BLANK):
            break
    if b"".join(head).lstrip(_BLANK).startswith(b"{"):
        yield from _jsonl_units(stream, head)
        return
    with tempfile.TemporaryFile() as spool:
        spool.writelines(head)
        shutil.copyfileobj(stream, spool)
        spool.seek(0)
        yield from _decoded_csv(path, spool, encoding)


def _is_jsonl(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix in _JSONL_SUFFIXES:
        return True
    if suffix == ".csv":
        return False
    with open(path, "rb") as f:
        head = f.read(4096).lstrip(codecs.BOM_UTF8 + b" \t\r\n")
    return head.startswith(b"{")


def _parse(number: int, raw: str, record: Any) -> _Line:
    plain = parse_plain(record)
    if plain is not None:
        return _Line(number, raw, plain[0], None, plain[1])
    try:
        event: EventBase = parse_event(record)
    except InvalidEvent as exc:
        return _Line(number, raw, None, exc)
    return _Line(number, raw, event, None)


_T = TypeVar("_T")


def _itself(value: _T) -> _T:
    return value


def _read_jsonl(path: Path) -> Iterator[Unit]:
    with open(path, "rb") as f:
        yield from _jsonl_units(f)


def _parsed_jsonl(path: Path, keys: bool = False) -> Iterator[_Line]:
    """The lines of JSON Lines file ``path``, each validated as it is read (no unit each:
    the bulk import's usual input); ``keys``: see :func:`_read_lines`."""
    with open(path, "rb") as f:
        yield from _jsonl_lines(f, (), _key_jsonl if keys else _parse_jsonl, RejectedUnit.parse)


def _jsonl_units(f: BinaryIO, head: Sequence[bytes] = ()) -> Iterator[Unit]:
    """The lines of JSON Lines ``f`` (after ``head``, lines already read from it) as units
    (:func:`_jsonl_lines`)."""
    return _jsonl_lines(f, head, JsonlUnit, _itself)


def _jsonl_lines(
    f: BinaryIO,
    head: Sequence[bytes],
    make: Callable[[int, bytes], _T],
    rejected: Callable[[RejectedUnit], _T],
) -> Iterator[_T]:
    """The lines of JSON Lines ``f`` (after ``head``, lines already read from it), each read
    with a limit: a line longer than :data:`MAX_LINE_BYTES` is rejected (``too_long``), the
    rest of it skipped, without being held in memory. Each line is ``make(number, data)``,
    each line too long ``rejected(its RejectedUnit)``."""
    lines = itertools.chain(head, iter(partial(f.readline, _READ_LIMIT), b""))
    for number, data in enumerate(lines, start=1):
        if number == 1 and data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        if len(data) >= _READ_LIMIT - 1:
            too_long = _long_line(f, number, data)
            if too_long is not None:
                yield rejected(too_long)
                continue
        data = data.rstrip(b"\r\n")
        if not data.strip():
            continue
        yield make(number, data)


def _long_line(f: BinaryIO, number: int, data: bytes) -> RejectedUnit | None:
    """The reject of line ``number`` (read so far: ``data``) when it is longer than
    :data:`MAX_LINE_BYTES`, its rest read and dropped; ``None`` when it is not."""
    length = len(data.rstrip(b"\r\n"))
    if not data.endswith(b"\n"):  # cut by the limit: the line goes on
        while chunk := f.readline(1 << 20):
            length += len(chunk.rstrip(b"\r\n"))
            if chunk.endswith(b"\n"):
                break
    if length <= MAX_LINE_BYTES:
        return None
    message = f"the line is {length:,} bytes, more than {MAX_LINE_BYTES:,}"
    return RejectedUnit(number, _preview(data), "too_long", message)


def _preview(data: bytes, encoding: str = "utf-8") -> str:
    """The start of a line too long to keep, for the rejects file."""
    return data[:_PREVIEW_BYTES].decode(encoding, errors="replace") + "…"


_PREVIEW_BYTES = 200


def _not_text(exc: UnicodeDecodeError, encoding: str, number: int | None = None) -> InvalidEvent:
    line = "the line" if number is None else f"line {number}"
    return InvalidEvent(
        "bad_encoding",
        f"{line} is not {encoding}: {exc.reason} at byte {exc.start + 1} "
        f"(0x{exc.object[exc.start]:02x})",
    )


class JsonlUnit(NamedTuple):
    """One non-blank line of a JSON Lines file, as read."""

    number: int
    data: bytes

    def parse(self) -> _Line:
        """The line decoded and validated."""
        return _parse_jsonl(*self)

    def record(self) -> Any:
        """The decoded line (anything JSON gives), or ``None`` when it is not JSON."""
        try:
            return _orjson_loads(self.data)
        except _OrjsonError:
            pass
        try:
            return _loads(self.data.decode("utf-8"))
        except (ValueError, RecursionError):
            return None


def _parse_jsonl(number: int, data: bytes) -> _Line:
    """Line ``number`` of JSON Lines, ``data`` (its bytes), decoded and validated."""
    return _jsonl_line(False, number, data)


def _jsonl_line(key_only: bool, number: int, data: bytes) -> _Line:
    """:func:`_parse_jsonl`; ``key_only``: a plain line carries its :class:`EventKey`
    instead of its event's model (:func:`ledger.fastparse.parse_plain`)."""
    # The usual line: orjson decodes it and it is a plain record (ledger.fastparse).
    # Anything else is decoded again by the standard library, so that every other
    # line (big integers, lone surrogates, errors and their messages) is read
    # exactly as json.loads reads it (but for what the contract refuses: _DECODER).
    try:
        plain = parse_plain(_orjson_loads(data), key_only)
    except _OrjsonError:
        plain = None
    if plain is not None:  # (orjson read it: valid UTF-8)
        return _new_tuple(_Line, (number, data, plain[0], None, plain[1]))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raw = data.decode("utf-8", errors="replace")
        return _Line(number, raw, None, _not_text(exc, "UTF-8"))
    try:
        record = _loads(text)
    except TooLong as exc:
        return _Line(number, text, None, InvalidEvent("too_long", f"a JSON number of {exc}"))
    except (ValueError, RecursionError) as exc:
        error = InvalidEvent("invalid_json", f"not JSON: {_short(str(exc))}")
        return _Line(number, text, None, error)
    if "\\u" in text and _has_lone_surrogate(record):
        # Valid JSON ("\ud800") but not text: it could be neither hashed nor stored.
        error = InvalidEvent("invalid_json", "unpaired surrogate escape in a string")
        return _Line(number, text, None, error)
    return _parse(number, text, record)


_orjson_loads = orjson.loads
_OrjsonError = orjson.JSONDecodeError


_key_jsonl = partial(_jsonl_line, True)
"""``_key_jsonl(number, data)``: :func:`_parse_jsonl` with each plain line's
:class:`EventKey` (the import's)."""


def _json_int(text: str) -> int:
    if len(text) > MAX_NUMBER_LENGTH:
        raise TooLong(f"{len(text):,} characters, more than {MAX_NUMBER_LENGTH}")
    return int(text)


def _json_float(text: str) -> float:
    if len(text) > MAX_NUMBER_LENGTH:
        raise TooLong(f"{len(text):,} characters, more than {MAX_NUMBER_LENGTH}")
    return float(text)


def _json_constant(name: str) -> Any:
    raise ValueError(f"{name} is no JSON value")


_DECODER = json.JSONDecoder(
    parse_int=_json_int, parse_float=_json_float, parse_constant=_json_constant
)
"""``json.loads``, but for JSON that Python reads and the contract does not: ``NaN`` and
``Infinity`` (no JSON text has them), and numbers longer than :data:`MAX_NUMBER_LENGTH`
(:class:`TooLong`: Python itself refuses integers past 4,300 digits, with a hint about
``sys.set_int_max_str_digits`` that means nothing to the sender)."""
_SCAN_ONCE = json.scanner.make_scanner(_DECODER)  # type: ignore[arg-type]


def _loads(text: str) -> Any:
    """:data:`_DECODER` ``.decode(text)``, minus its Python-level wrappers for the usual line:
    one object from the first character to the last. Anything else (and every error, so its
    message is json's own) goes through the decoder's ``decode``."""
    if text[:1] == "{":
        try:
            record, end = _SCAN_ONCE(text, 0)
        except (StopIteration, ValueError, RecursionError):
            return _DECODER.decode(text)
        if end == len(text):
            return record
    return _DECODER.decode(text)


def _has_lone_surrogate(record: Any) -> bool:
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except (ValueError, RecursionError):
        return False  # not a surrogate problem; validation decides
    return False


def detect_encoding(path: Path) -> str:
    """The encoding of CSV file ``path``: ``utf-8-sig`` (a UTF-8 byte order mark),
    ``utf-8`` or ``gb18030``, decided from evidence that cannot silently mis-decode
    (:mod:`ledger.encodings`); :class:`ImportFileError` when the file does not tell."""
    with open(path, "rb") as f:
        return _detect_encoding(path, f)


def _detect_encoding(path: Path, f: BinaryIO) -> str:
    try:
        return encodings.scan(f).decide()
    except encodings.Undecided as exc:
        raise ImportFileError(f"{path}: {exc}") from None


class _LineTap:
    """Feeds the csv reader the physical lines of a binary file, each decoded on its own, and
    remembers the text of the current row and the first line of it that did not decode
    (decoded with replacement characters for the csv reader: the row is rejected). A UTF-8
    byte order mark at the start is skipped."""

    def __init__(self, binary: BinaryIO, encoding: str) -> None:
        if encoding == "utf-8" and binary.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
            binary.seek(0)
        self._next = iter(partial(binary.readline, encodings.HARD_LINE_BYTES + 2), b"").__next__
        self._decode = codecs.getdecoder(encoding)  # cheaper per line than bytes.decode(name)
        self.encoding = encoding
        self.shown = encoding.upper()
        self.taken: list[str] = []
        self.size = 0
        """Bytes of the row's lines, line endings included."""
        self.problem: InvalidEvent | None = None
        self.next_number = 1

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        data = self._next()
        self.next_number += 1
        self.size += len(data)
        try:
            text: str = self._decode(data)[0]
        except UnicodeDecodeError as exc:
            text = self._undecodable(data, exc)
        self.taken.append(text)
        return text

    def _undecodable(self, data: bytes, exc: UnicodeDecodeError) -> str:
        if self.problem is None:  # (a row's later line is named)
            number = self.next_number - 1
            self.problem = _not_text(exc, self.shown, number if self.taken else None)
        return data.decode(self.encoding, errors="replace")

    def take(self) -> tuple[str, InvalidEvent | None]:
        """The row's text, and why it is rejected whatever its cells say (a line that did not
        decode, or longer than :data:`MAX_LINE_BYTES`)."""
        text = "".join(self.taken).rstrip("\r\n")
        problem = self.problem
        if self.size > MAX_LINE_BYTES:  # without the line endings?
            size = sum(
                len(line.rstrip("\r\n").encode(self.encoding, errors="replace"))
                for line in self.taken
            )
            if size > MAX_LINE_BYTES:
                problem = problem or InvalidEvent(
                    "too_long", f"the row is {size:,} bytes, more than {MAX_LINE_BYTES:,}"
                )
                text = _short(text, _PREVIEW_BYTES)
        self.taken = []
        self.size = 0
        self.problem = None
        return text, problem


def _read_csv(path: Path, encoding: str | None) -> Iterator[Unit]:
    with open(path, "rb") as f:
        yield from _decoded_csv(path, f, encoding)


def _decoded_csv(path: Path, binary: BinaryIO, encoding: str | None) -> Iterator[Unit]:
    """The rows of a CSV file, line by line in ``encoding`` (``None``: decided from the
    file, :mod:`ledger.encodings`). A file with a line longer than
    :data:`ledger.encodings.HARD_LINE_BYTES` is refused before any row is read."""
    if encoding is not None:
        try:
            codec = encodings.text_codec(encoding)
        except LookupError as exc:
            raise ImportFileError(f"{path}: {exc}") from None
        long_line = encodings.scan(binary).long_line  # the one thing given encodings need
        if long_line is not None:
            raise ImportFileError(
                f"{path}: line {long_line} is longer than {encodings.HARD_LINE_BYTES:,} "
                "bytes: not a CSV export (nothing was stored)"
            )
    else:
        codec = _detect_encoding(path, binary)
    binary.seek(0)
    if codec in ("utf-8", "utf-8-sig", "utf_8"):
        codec = "utf-8"  # a byte order mark is dropped from the first line
    yield from _csv_units(path, _LineTap(binary, codec))


def _csv_units(path: Path, tap: _LineTap) -> Iterator[Unit]:
    reader = csv.reader(tap)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise ImportFileError(f"{path}: unreadable CSV header: {exc}") from None
    _, problem = tap.take()
    if problem is not None:
        raise ImportFileError(f"{path}: the CSV header: {problem.message}")
    header = [name.strip().lstrip("\ufeff") for name in header]
    missing = [name for name in _CSV_REQUIRED if name not in header]
    if missing:
        raise ImportFileError(
            f"{path}: the CSV header has no {missing[0]!r} column "
            f"(expected the contract's field names, got {', '.join(header)[:200]})"
        )
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise ImportFileError(f"{path}: the CSV header names {duplicates[0]!r} twice")
    while True:
        number = tap.next_number
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raw, problem = tap.take()
            if problem is not None:
                yield RejectedUnit(number, raw, problem.reason, problem.message)
            else:
                yield CsvUnit(number, raw, None, f"unreadable CSV row: {exc}", header)
            continue
        raw, problem = tap.take()
        if problem is not None:
            yield RejectedUnit(number, raw, problem.reason, problem.message)
            continue
        if len(row) <= 1 and not "".join(row).strip():
            continue  # a blank line
        if len(row) != len(header):
            error = f"row has {len(row)} cells but the header has {len(header)}"
            yield CsvUnit(number, raw, None, error, header)
            continue
        yield CsvUnit(number, raw, row, None, header)


class CsvUnit(NamedTuple):
    """One non-blank row of a CSV file, as read: its cells, or why it cannot be read."""

    number: int
    raw: str
    cells: list[str] | None
    bad_row: str | None
    """The ``bad_row`` message when ``cells`` is ``None``."""
    header: list[str]

    def parse(self) -> _Line:
        """The row validated."""
        if self.cells is None:
            return _Line(self.number, self.raw, None, InvalidEvent("bad_row", self.bad_row or ""))
        return _parse(self.number, self.raw, dict(zip(self.header, self.cells, strict=True)))

    def record(self) -> Any:
        """The row as a record, or ``None`` when it cannot be read."""
        if self.cells is None:
            return None
        return dict(zip(self.header, self.cells, strict=True))


class RejectedUnit(NamedTuple):
    """A line (or CSV row) rejected as it was read, before any validation: not text in the
    file's encoding (``bad_encoding``), or too long to read (``too_long``)."""

    number: int
    raw: str
    reason: str
    message: str

    def parse(self) -> _Line:
        """The line, rejected."""
        return _Line(self.number, self.raw, None, InvalidEvent(self.reason, self.message))

    def record(self) -> Any:
        """No record: the line cannot be read."""
        return None


Unit = JsonlUnit | CsvUnit | RejectedUnit
"""A line of an events file as read (:func:`read_units`)."""


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = [
    "DEFAULT_BATCH_SIZE",
    "PIPELINE_BATCH_SIZE",
    "WRITES_AHEAD",
    "AssumeNew",
    "STDIN",
    "RejectSink",
    "is_stdin",
    "read_events",
    "ImportFileError",
    "ImportInterrupted",
    "ImportSummary",
    "Reject",
    "detect_encoding",
    "import_file",
    "import_files",
    "rejects_path_for",
]
