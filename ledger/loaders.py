"""Parallel loaders: one import split by person across N processes, or N Dask workers.

``ledger import --workers N`` (and the backfill's load with ``--workers``/``--scheduler``)
runs the import of :mod:`ledger.importer` in N loader processes, each with its own connection
to the store, and serialises only what must be serial:

- **Reading** is this process's (the coordinator's): it reads the files in order, cuts each
  line (or CSV row) without validating it (:func:`ledger.importer.read_units`), and sends it
  to the loader that owns its person: loader ``crc32(person id) mod N`` of the normalised
  person id (an unreadable line goes to any loader, which rejects it). Lines travel as read
  (bytes, cells), never as validated events.
- **Validating, deciding and writing** are the loaders': each validates its lines, decides
  idempotency and conflicts (``LedgerApp.append``) and writes its batches (on PostgreSQL:
  ``COPY`` of index rows and states in parallel with the other loaders; only the events'
  ``COPY`` under the table lock is serial, :class:`ledger.store_postgres.LedgerPostgresRecorder`).

**The result is the one loader's.** The only rule that looks across lines is idempotency by
``event_id`` (the first stored stands, POLICY.md ``I-order``): a person's lines all go to one
loader, in file order, so every decision about one person is made in file order. Lines of
*different* persons that share an ``event_id`` (a conflict, or a line repeated under another
person id) must be decided in file order too, across loaders. So the input moves in
**rounds** of about ``N × batch size`` lines: a loader stores round ``k`` only when every
loader has committed round ``k - 1`` (it validates round ``k`` meanwhile), and a round is cut
short before a line whose ``event_id`` an earlier line of the same round sent to another
loader. Every decision is then made on everything earlier in the file: the same events, the
same conflicts, the same rejects (with their line numbers, in ``FILE.rejects.jsonl`` in line
order) and the same views as one loader; only the notification order may differ.

**Interruptions.** Ctrl-C stops the reading; the round being stored is completed and
counted, nothing after it started (loaders ignore SIGINT: the coordinator decides). A killed
coordinator leaves its loaders nothing more to read: each finishes the batch it is writing
and exits. Every batch a loader writes is one transaction with its index rows, so any stop
leaves whole batches, and a second run stores exactly what is missing.

**Where the loaders run.** ``scheduler=None``: local processes (multiprocessing, forked from
a fork server that has imported the ledger; Dask is not imported).
``scheduler="tcp://HOST:PORT"``: Dask actors on that cluster (``dask.distributed``,
imported only then), one per loader; the workers need this package installed and must
reach the store (a PostgreSQL URL); the files are read here and only lines travel.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any, Protocol

import orjson

from ledger import progress as bars
from ledger.application import open_ledger
from ledger.events import _person_text
from ledger.importer import (
    DEFAULT_BATCH_SIZE,
    PROGRESS_EVERY,
    AssumeNew,
    ImportSummary,
    JsonlUnit,
    Reject,
    RejectSink,
    Unit,
    _count_lines,
    _fewer_gc_passes,
    _key_jsonl,
    _Line,
    _store_batch,
    _want_progress,
    import_each,
    is_stdin,
    open_rejects_file,
    read_units,
    start_input,
)
from ledger.interrupts import interrupts_deferred
from ledger.store import DEFAULT_DB

Counts = tuple[int, int, int]
"""``(stored, present, rejected)``."""
RoundResult = tuple[list[Reject], Counts]


class LoaderError(RuntimeError):
    """A loader failed; the message names it and the reason (one line)."""


# ---------------------------------------------------------------- routing


def route(unit: Unit, count: int) -> tuple[int, str | None]:
    """``(loader, event id)`` of a line: the loader of its person (``crc32`` of the person id
    as the validator normalises it, modulo ``count``) and the ``event_id`` it claims (as the
    validator normalises it: stripped; ``None`` when it has none). A line whose person id
    cannot be valid goes to a loader by its line number (whatever loader validates it
    rejects it)."""
    if type(unit) is JsonlUnit:
        return _route_line(unit.number, unit.data, count)
    return _route_record(unit.record(), unit.number, count)


def _route_line(number: int, data: bytes, count: int) -> tuple[int, str | None]:
    """:func:`route` of line ``number`` of JSON Lines, ``data``."""
    try:
        record = _orjson_loads(data)
    except _OrjsonError:
        record = JsonlUnit(number, data).record()
    return _route_record(record, number, count)


def _route_record(record: Any, number: int, count: int) -> tuple[int, str | None]:
    """:func:`route` of line ``number`` decoded as ``record``."""
    if type(record) is not dict:
        return number % count, None
    loader = number % count
    person = record.get("person_id")
    if type(person) is str:
        try:
            person = _person_text(person)  # the validator's own (cached) normalisation
        except ValueError:
            pass
        else:
            loader = _crc32(person.encode("utf-8", "surrogatepass")) % count
    event_id = record.get("event_id")
    return loader, event_id.strip() if type(event_id) is str else None


_crc32 = zlib.crc32
_orjson_loads = orjson.loads
_OrjsonError = orjson.JSONDecodeError


CHUNK = 20_000
"""Lines sent to the loaders at a time: a round goes out in such chunks as it is read, so the
loaders validate it while the rest is read."""


def rounds(
    units: Iterator[Unit], count: int, size: int, chunk: int = CHUNK
) -> Iterator[tuple[list[Share], bool]]:
    """The lines in rounds of at most ``size``, each split into ``count`` shares by person
    (each a :data:`Share`), as ``(shares, last)`` chunks of at most ``chunk`` lines
    (``last``: the round ends with this chunk); a round ends early before a line whose
    ``event_id`` another share of it already holds."""
    shares = [_Share() for _ in range(count)]
    claims: dict[str, int] = {}
    held = taken = 0
    for unit in units:
        if type(unit) is JsonlUnit:
            jsonl = True
            number, data = unit
            loader, event_id = _route_line(number, data, count)
        else:
            jsonl = False
            loader, event_id = route(unit, count)
        if event_id is not None:
            owner = claims.setdefault(event_id, loader)
            if owner != loader:
                yield [share.packed() for share in shares], True
                shares = [_Share() for _ in range(count)]
                claims = {event_id: loader}
                held = taken = 0
        share = shares[loader]
        if jsonl and share.units is None:
            share.numbers.append(number)
            share.lines.append(data)
        else:
            share.add(unit)
        held += 1
        taken += 1
        if held >= size:
            yield [share.packed() for share in shares], True
            shares = [_Share() for _ in range(count)]
            claims = {}
            held = taken = 0
        elif taken >= chunk:
            yield [share.packed() for share in shares], False
            shares = [_Share() for _ in range(count)]
            taken = 0
    if held:
        yield [share.packed() for share in shares], True


Share = tuple[list[int], bytes] | list[Unit]
"""A loader's lines of a chunk as sent: lines of JSON Lines as their numbers and one blob
(cheaper to send than a tuple a line); any other mix (CSV rows, lines rejected as read) as its
units, in order."""


class _Share:
    """A loader's lines of a chunk as they are routed: the numbers and bytes of JSON Lines
    lines, gathered apart for :data:`Share`'s blob (no unit kept per line: the coordinator
    reads and routes every line of the input, and for 16 loaders it is the load's ceiling,
    docs/scale.md), until a line of another kind comes (a CSV row, a line rejected as read:
    too long, not UTF-8): from then on, units in order."""

    __slots__ = ("lines", "numbers", "units")

    def __init__(self) -> None:
        self.numbers: list[int] = []
        self.lines: list[bytes] = []
        self.units: list[Unit] | None = None

    def add(self, unit: Unit) -> None:
        if self.units is None:
            self.units = list(map(JsonlUnit, self.numbers, self.lines))
            self.numbers, self.lines = [], []  # (held once: as units from now on)
        self.units.append(unit)

    def packed(self) -> Share:
        if self.units is not None:  # (it holds a line of another kind: never all JSON Lines)
            return self.units
        if not self.numbers:
            return []
        return self.numbers, b"\n".join(self.lines)


def jsonl_lines(share: tuple[list[int], bytes]) -> Iterator[tuple[int, bytes]]:
    """The ``(number, data)`` of each line of a JSON Lines share."""
    numbers, blob = share
    return zip(numbers, blob.split(b"\n"), strict=True)


def last_line(share: Share) -> int | None:
    """The number of the last line of a share, ``None`` when it is empty."""
    if isinstance(share, tuple):
        return share[0][-1] if share[0] else None
    return share[-1].number if share else None


# ---------------------------------------------------------------- a loader


class Loader:
    """One loader's state: its own application on the store; the lines it has validated,
    by round. Runs in a loader process or as a Dask actor."""

    def __init__(self, db: str, batch_size: int, stored_at: datetime | None) -> None:
        self.app = open_ledger(db, create=False)
        self.app.owns_its_persons = True
        self.batch_size = batch_size
        self.stored_at = stored_at
        self.parsed: dict[int, list[_Line]] = {}
        self.guess = AssumeNew()
        """When a batch is decided without reading the store's event ids, as one loader
        does."""

    def parse(self, round_no: int, share: Share) -> None:
        """Validate a chunk of round ``round_no``'s lines."""
        with _fewer_gc_passes():
            if isinstance(share, tuple):  # JSON Lines: no unit made per line
                lines = [_key_jsonl(n, d) for n, d in jsonl_lines(share)]
            else:
                lines = [unit.parse() for unit in share]
        self.parsed.setdefault(round_no, []).extend(lines)

    def store(self, round_no: int) -> RoundResult:
        lines = self.parsed.pop(round_no, [])
        rejects: list[Reject] = []
        stored = present = rejected = 0
        with _fewer_gc_passes():
            for start in range(0, len(lines), self.batch_size):
                batch = lines[start : start + self.batch_size]
                got, part = _store_batch(self.app, batch, Path("-"), self.stored_at, self.guess)
                rejects += got
                stored += part.stored
                present += part.present
                rejected += part.rejected
        return rejects, (stored, present, rejected)

    def close(self) -> None:
        self.app.close()


def _loader_process(
    db: str, batch_size: int, stored_at: datetime | None, channel: Connection
) -> None:
    """A loader process: messages ``("parse", k, share)``, ``("store", k)``, ``None`` (end)
    from the coordinator; answers ``("done", k, result)`` or ``("error", k, message)`` to
    each ``store``. Round ``k`` is stored on a writer thread while this thread validates
    round ``k + 1`` (the database's time overlaps the validation, as in one loader). Ends
    when the coordinator is gone (its end of the pipe closed), after the batch being
    written."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's to handle
    try:
        loader = Loader(db, batch_size, stored_at)
    except Exception as exc:  # noqa: BLE001 (reported to the coordinator)
        channel.send(("error", -1, _reason(exc)))
        return
    channel.send(("ready", -1, None))
    sending = threading.Lock()
    unparsed: dict[int, str] = {}

    def reply(message: tuple[str, int, Any]) -> None:
        with sending, suppress(OSError):
            channel.send(message)

    def store(round_no: int) -> None:
        try:
            if round_no in unparsed:
                raise LoaderError(unparsed.pop(round_no))
            reply(("done", round_no, loader.store(round_no)))
        except Exception as exc:  # noqa: BLE001 (reported to the coordinator)
            loader.parsed.pop(round_no, None)
            reply(("error", round_no, _reason(exc)))

    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-loader-writer")
    try:
        while True:
            try:
                message = channel.recv()
            except (EOFError, OSError):
                return  # the coordinator is gone
            if message is None:
                return
            kind, round_no, *rest = message
            if kind == "parse":
                try:
                    loader.parse(round_no, rest[0])
                except Exception as exc:  # noqa: BLE001 (reported with the round's store)
                    unparsed[round_no] = _reason(exc)
            else:
                writer.submit(store, round_no)
    finally:
        writer.shutdown(wait=True)
        loader.close()


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# ---------------------------------------------------------------- where loaders run


class _Loaders(Protocol):
    count: int

    def parse(self, round_no: int, shares: list[Share]) -> None: ...

    def store(self, round_no: int) -> None: ...

    def results(self, round_no: int) -> list[RoundResult]: ...

    def close(self) -> None: ...


class _LocalLoaders:
    """Loader processes on this machine, one pipe each."""

    def __init__(self, db: str, count: int, batch_size: int, stored_at: datetime | None) -> None:
        self.count = count
        # A fork server with the ledger imported once: loaders start in milliseconds (each
        # spawned process imported it again, about a second of CPU), and none is forked from
        # this process, whose connection pools run threads.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["ledger.loaders"])
        self.channels: list[Connection] = []
        self.processes: list[Any] = []
        for _ in range(count):
            mine, theirs = context.Pipe()
            process = context.Process(
                target=_loader_process,
                args=(db, batch_size, stored_at, theirs),
                name="ledger-loader",
                daemon=True,
            )
            process.start()
            theirs.close()
            self.channels.append(mine)
            self.processes.append(process)
        failed = []
        for index, channel in enumerate(self.channels):
            try:
                kind, _, payload = channel.recv()
            except (EOFError, OSError):
                kind, payload = "error", "stopped while starting"
            if kind != "ready":
                failed.append(f"loader {index + 1}: {payload}")
        if failed:
            self.close()
            raise LoaderError("; ".join(failed))

    def parse(self, round_no: int, shares: list[Share]) -> None:
        for channel, share in zip(self.channels, shares, strict=True):
            channel.send(("parse", round_no, share))

    def store(self, round_no: int) -> None:
        for channel in self.channels:
            channel.send(("store", round_no))

    def results(self, round_no: int) -> list[RoundResult]:
        results: list[RoundResult] = []
        errors: list[str] = []
        for index, channel in enumerate(self.channels):
            try:
                kind, got_round, payload = channel.recv()
            except (EOFError, OSError):
                errors.append(f"loader {index + 1} stopped")
                continue
            if kind == "error":
                errors.append(f"loader {index + 1}: {payload}")
            else:
                assert got_round == round_no, (got_round, round_no)
                results.append(payload)
        if errors:
            raise LoaderError("; ".join(errors))
        return results

    def close(self) -> None:
        for channel in self.channels:
            with suppress(OSError):
                channel.send(None)
        deadline = time.monotonic() + 60
        for process in self.processes:
            process.join(timeout=max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                process.terminate()
        for channel in self.channels:
            channel.close()


class _DaskLoaders:
    """Loaders as Dask actors on an existing cluster (``dask.distributed``, imported here)."""

    def __init__(
        self,
        db: str,
        count: int | None,
        batch_size: int,
        stored_at: datetime | None,
        scheduler: str,
    ) -> None:
        try:
            from distributed import Client  # Dask is optional: imported only for a cluster
        except ImportError:
            raise LoaderError(
                "loaders on a Dask cluster need Dask: pip install 'resident-ledger[dask]'"
            ) from None

        self.client = Client(scheduler)
        if not count:
            count = max(1, len(self.client.scheduler_info().get("workers", {})))
        self.count = count
        futures = [
            self.client.submit(Loader, db, batch_size, stored_at, actor=True, pure=False)
            for _ in range(count)
        ]
        self.actors: list[Any] = [future.result() for future in futures]
        self.parsing: list[Any] = []
        self.pending: list[Any] = []

    def parse(self, round_no: int, shares: list[Share]) -> None:
        self.parsing += [
            actor.parse(round_no, share) for actor, share in zip(self.actors, shares, strict=True)
        ]

    def store(self, round_no: int) -> None:
        # Calls to an actor may arrive out of order: a round is stored once it is parsed.
        parsing, self.parsing = self.parsing, []
        for future in parsing:
            future.result()
        self.pending = [actor.store(round_no) for actor in self.actors]

    def results(self, round_no: int) -> list[RoundResult]:
        pending, self.pending = self.pending, []
        results: list[RoundResult] = []
        errors: list[str] = []
        for index, future in enumerate(pending):
            try:
                results.append(future.result())
            except Exception as exc:  # noqa: BLE001 (one line for the user)
                errors.append(f"loader {index + 1}: {_reason(exc)}")
        if errors:
            raise LoaderError("; ".join(errors))
        return results

    def close(self) -> None:
        for actor in self.actors:
            with suppress(Exception):  # the cluster may be gone
                actor.close().result()
        self.client.close()


# ---------------------------------------------------------------- the coordinator


@dataclass
class LoaderPool:
    """N loaders on the store ``db`` for the files of one command. ``workers`` loader
    processes here, or, with ``scheduler``, Dask actors on that cluster (``workers`` 0: one
    per Dask worker). Use as a context manager; the store must exist (create it first)."""

    db: str | None
    workers: int
    scheduler: str | None = None
    batch_size: int | None = None
    stored_at: datetime | None = None
    chunk: int = CHUNK
    """Lines sent at a time (:func:`rounds`)."""

    def __post_init__(self) -> None:
        if self.scheduler is None and self.workers < 1:
            raise ValueError("workers must be at least 1")
        size = self.batch_size if self.batch_size is not None else DEFAULT_BATCH_SIZE
        if size < 1:
            raise ValueError("batch_size must be at least 1")
        self.size = size
        spec = self.db or os.environ.get("LEDGER_DB") or DEFAULT_DB
        self.loaders: _Loaders
        if self.scheduler is None:
            self.loaders = _LocalLoaders(spec, self.workers, size, self.stored_at)
        else:
            self.loaders = _DaskLoaders(spec, self.workers, size, self.stored_at, self.scheduler)
        self.next_round = 0

    @property
    def count(self) -> int:
        return self.loaders.count

    def __enter__(self) -> LoaderPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.loaders.close()

    def import_files(
        self,
        paths: Sequence[Path],
        *,
        encoding: str | None = None,
        progress: bool | None = None,
        on_reject: RejectSink | None = None,
    ) -> list[ImportSummary]:
        """:func:`ledger.importer.import_files` across the loaders."""
        return import_each(
            paths,
            lambda path, summary: self.import_file(
                path, encoding=encoding, progress=progress, summary=summary, on_reject=on_reject
            ),
        )

    def import_file(
        self,
        path: Path,
        *,
        encoding: str | None = None,
        progress: bool | None = None,
        summary: ImportSummary | None = None,
        rejects_to: Path | None = None,
        on_reject: RejectSink | None = None,
    ) -> ImportSummary:
        """:func:`ledger.importer.import_file` across the loaders: the same counts, rejects
        and stored events (see the module). Counts go into ``summary`` round by round, as
        each round is committed by every loader."""
        path, summary, rejects_to = start_input(path, summary, rejects_to, on_reject)
        show = _want_progress(path, progress)
        # The total of a file gives the ETA; standard input and pipes have none: rate only.
        total = _count_lines(path) if show and not is_stdin(path) and path.is_file() else None
        sink = _RejectsSink(summary, rejects_to, on_reject)
        try:
            with bars.bar(
                total=total, desc=path.name, unit="line", enabled=show, forced=progress
            ) as bar:
                units = read_units(path, encoding)
                if show:
                    units = bars.ticking(units, bar, PROGRESS_EVERY)
                self._run(units, summary, sink, bar if show else None)
        finally:
            sink.close()
        return summary

    def _run(
        self,
        units: Iterator[Unit],
        summary: ImportSummary,
        sink: _RejectsSink,
        bar: Any,
    ) -> None:
        loaders = self.loaders
        pending: tuple[int, int] | None = None  # the round being stored, and its last line

        def finish() -> None:
            nonlocal pending
            assert pending is not None
            round_no, last = pending
            with interrupts_deferred():  # a round's results are taken whole and counted
                try:
                    results = loaders.results(round_no)
                finally:
                    # Taken, or failed: never waited for twice (every loader answered once).
                    pending = None
                rejects: list[Reject] = []
                for got, counts in results:
                    rejects += got
                    summary.count(*counts)
                rejects.sort(key=lambda r: r.line)
                sink.write(rejects)
            if bar is not None and last > bar.n:  # (reading may be past it)
                bar.update(last - bar.n)

        try:
            last = 0
            for shares, ends in rounds(units, loaders.count, self.size * loaders.count, self.chunk):
                round_no = self.next_round
                loaders.parse(round_no, shares)
                last = max([last, *(n for n in map(last_line, shares) if n is not None)])
                if not ends:
                    continue
                if pending is not None:
                    finish()
                with interrupts_deferred():  # a round sent to be stored is a round in flight
                    loaders.store(round_no)
                    pending = (round_no, last)
                self.next_round += 1
            if pending is not None:
                finish()
        finally:
            if pending is not None:  # reading stopped: complete and count the round in flight
                with suppress(Exception):  # (the first error is the one reported)
                    finish()


class _RejectsSink:
    """Where rejected lines go: ``on_reject``, else the rejects file (made at the first)."""

    def __init__(
        self, summary: ImportSummary, path: Path | None, on_reject: RejectSink | None
    ) -> None:
        self.summary = summary
        self.path = path
        self.on_reject = on_reject
        self.file: IO[str] | None = None

    def write(self, rejects: list[Reject]) -> None:
        summary = self.summary
        for reject in rejects:
            summary.reasons[reject.reason] = summary.reasons.get(reject.reason, 0) + 1
            if self.on_reject is not None:
                self.on_reject(reject)
                continue
            if self.path is None:
                continue
            if self.file is None:
                self.file = open_rejects_file(self.path)
                summary.rejects_path = self.path
            self.file.write(reject.to_json() + "\n")
        if self.file is not None:
            self.file.flush()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


__all__ = ["LoaderError", "LoaderPool", "route", "rounds"]
