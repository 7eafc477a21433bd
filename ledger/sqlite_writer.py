"""A process of its own that writes a bulk import's batches into a SQLite ledger.

PostgreSQL does a batch's writing in its own server process, so a bulk import reads and
decides the next batch while the server writes the one before (:func:`ledger.importer.
_store_ahead`). SQLite's writing is done by the library inside the process that calls it:
about 9 µs an event (B-tree inserts of random keys into the events, the idempotency index
and the resident states, and the commit), on the same core as the reading and deciding. A
writer *thread* does not help: the ``sqlite3`` module gives up the interpreter lock for every
row it steps and has to win it back from the reading thread each time (measured slower, 24 s
against 22.5 s for 1,000,000 events).

:class:`SQLiteWriterProcess` runs that writing in a child process with its own connection to
the same file. The importer's writer thread hands it a batch's rows
(:class:`ledger.store.WriteRows`, marshalled) and waits for their notification ids, the
interpreter lock released meanwhile; the child inserts them with the ledger's own recorder
(:meth:`ledger.store.LedgerSQLiteRecorder.insert_rows`), in one transaction, so the stored
rows are those the import writes itself. SQLite's WAL journal lets the importer read the
store (which event ids it holds, residents' states) while the child writes.

The child is started in a session of its own: a Ctrl-C at the terminal reaches the importer
only, which finishes or drops its batches as it does on PostgreSQL
(:mod:`ledger.interrupts`), while a batch the child is writing is committed or rolled back
whole. When the importer ends, however it ends (even killed), the child reads the end of its
input and exits.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from multiprocessing.connection import Connection
from typing import Any, cast
from uuid import UUID

import ledger
from ledger.person_id import mask_ids_in
from ledger.store import StoreUnavailable, WriteRows

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

SUPPORTED = os.name == "posix"
"""Whether this system can run a writer process: its pipes are wrapped in
:class:`multiprocessing.connection.Connection`, which on Windows makes socket calls and
cannot take a pipe's descriptor. Elsewhere every batch is stored in turn."""

_LEDGER_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(ledger.__file__)))
"""The directory the importer's own ``ledger`` package is in: the child imports that one."""

PIPE_BYTES = 1 << 20
"""The capacity asked for the pipe a batch goes through (Linux's default is 64 KiB). A batch
of 50,000 events is about 23 MB marshalled; each write into the pipe gives up the interpreter
lock, and the writer thread waits up to a switch interval to win it back from the reading
thread: with 64 KiB, some 350 waits per batch (0.3 s measured), with 1 MiB about 22."""

_READY = "ready"
_ROWS = "rows"
_ERROR = "error"


class SQLiteWriterProcess:
    """A child process writing :class:`~ledger.store.WriteRows` into the SQLite ledger whose
    persistence settings are ``env`` (the application's, see :func:`ledger.store.
    prepared_store`). :meth:`insert_rows` is the recorder's :meth:`~ledger.store.
    LedgerSQLiteRecorder.insert_rows`, done there; one thread at a time may call it. Use it
    as a context manager, or call :meth:`close`."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._ready = False
        self._closed = False
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        try:
            self._process = subprocess.Popen(  # noqa: S603 - this interpreter, this module
                # -P: not the working directory first on the path (a ledger.py there would be
                # imported and run); the importer's own package first instead.
                [sys.executable, "-P", "-m", __name__],
                env=_child_environment(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._errors,  # (a failure to start: its last line in the error)
                start_new_session=True,  # a Ctrl-C at the terminal is the importer's to handle
                close_fds=True,
            )
        except BaseException:
            self._errors.close()
            raise
        try:
            stdin, stdout = self._process.stdin, self._process.stdout
            assert stdin is not None and stdout is not None
            with contextlib.suppress(OSError, AttributeError):  # (Linux only; else 64 KiB)
                fcntl.fcntl(stdin.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
            with stdin, stdout:  # (each end kept once, as a Connection)
                self._to_child = Connection(os.dup(stdin.fileno()), readable=False)
                self._from_child = Connection(os.dup(stdout.fileno()), writable=False)
            settings = {k: str(v) for k, v in env.items()}
            settings["CREATE_TABLE"] = "n"  # the importer's application made them
            self._send(pickle.dumps(settings, protocol=pickle.HIGHEST_PROTOCOL))
        except BaseException:  # (a Ctrl-C, a child gone at once): nothing left behind
            self._end(kill=True)
            raise

    def ready(self) -> bool:
        """Whether the child has opened the ledger and waits for rows (without waiting; its
        start takes about 0.3 s, in which the importer may store batches itself). Raises
        the child's failure to open it."""
        if not self._ready and not self._closed:
            try:
                waiting = self._from_child.poll()
            except (EOFError, OSError) as exc:
                raise self._gone() from exc
            if waiting:
                self._receive()
                self._ready = True
        return self._ready

    def insert_rows(self, rows: WriteRows) -> Sequence[int]:
        """Write ``rows`` in one transaction in the child; their notification ids. The
        child's failure is raised here as it was raised there (an ``IntegrityError`` is a
        write conflict, :func:`ledger.store.is_write_conflict`)."""
        if self._closed:
            raise StoreUnavailable("the SQLite writer process is closed")
        if not self._ready:  # (waited for: the importer has rows to write)
            self._receive()
            self._ready = True
        self._send(_dump_rows(rows))
        result: Sequence[int] = self._receive()
        return result

    def close(self) -> None:
        """End the child: it reads the end of its input and exits (killed if it does not
        within 30 s, a write it was doing then rolled back by SQLite)."""
        if not self._closed:
            self._end(kill=False)

    def _end(self, kill: bool) -> None:
        """Close the child's input (or, with ``kill``, kill it: a constructor failed), wait
        for it, and free what it held."""
        self._closed = True
        to_child = getattr(self, "_to_child", None)
        if to_child is not None:
            to_child.close()
        if kill:
            self._process.kill()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover - a child stuck in a write
            self._process.kill()
            self._process.wait()
        # Only now: a writer thread still waiting for a reply (a Ctrl-C stopped the import
        # while it waited) has read the end of the pipe, not a descriptor reused meanwhile.
        from_child = getattr(self, "_from_child", None)
        if from_child is not None:
            from_child.close()
        self._errors.close()

    def __enter__(self) -> SQLiteWriterProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _send(self, data: bytes) -> None:
        try:
            self._to_child.send_bytes(data)
        except OSError as exc:  # (BrokenPipeError: the child is gone)
            raise self._gone() from exc

    def _receive(self) -> Any:
        try:
            data = self._from_child.recv_bytes()
        except (EOFError, OSError) as exc:
            raise self._gone() from exc
        try:
            kind, value = pickle.loads(data)  # noqa: S301 - from our child
        except Exception as exc:  # noqa: BLE001 - (the child checks what it sends)
            raise StoreUnavailable(
                f"the SQLite writer process sent a reply that cannot be read: {exc}"
            ) from exc
        if kind == _ERROR:
            raise value
        return value

    def _gone(self) -> StoreUnavailable:
        """The error to raise once the child is found gone: how it ended, its last words
        (ID numbers masked), and whether a batch may have been stored."""
        code = self._process.poll()
        if code is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self._process.wait(timeout=5)
        if code is None:
            how = ""
        elif code < 0:
            how = f" (killed by signal {-code})"
        else:
            how = f" (exit status {code})"
        said = []
        if not self._errors.closed:
            self._errors.seek(0)
            said = self._errors.read()[-2000:].decode("utf-8", "replace").strip().splitlines()
        why = f": {mask_ids_in(said[-1])}" if said else ""
        if not self._ready:
            return WriterNotStarted(f"the SQLite writer process could not start{how}{why}")
        return StoreUnavailable(
            f"the SQLite writer process ended{how}{why}; the batch being written may or may "
            "not be stored: running the import again stores what is missing"
        )


class WriterNotStarted(StoreUnavailable):
    """The writer process ended before it was ready: no batch was given to it (the import
    goes on, storing its batches in turn)."""


def _child_environment() -> dict[str, str]:
    """This process's environment, with the directory of its ``ledger`` package first on
    ``PYTHONPATH``: the child writes with the very code that decided the rows."""
    env = dict(os.environ)
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = _LEDGER_ROOT + (os.pathsep + path if path else "")
    return env


def _dump_rows(rows: WriteRows) -> bytes:
    """``rows`` as bytes for the child: :mod:`marshal`, which takes the rows' tuples of
    strings, bytes and integers as they are, at about 0.5 µs an event (``pickle``, which
    remembers every object it writes, took 1.3-2.2 µs: on the importer's interpreter lock,
    2.4 s of 1,000,000 events). The aggregate ids of the state rows go as hex text."""
    return marshal.dumps(
        (
            cast(list[Any], rows.events),  # (tuples of str, bytes and int: marshal takes them)
            cast(list[Any], rows.index),
            [(o.hex, p, v, state) for o, p, v, state in rows.states],
            [(o.hex, p, v, state) for o, p, v, state in rows.new_states],
        )
    )


def _load_rows(data: bytes) -> WriteRows:
    events, index, states, new_states = marshal.loads(data)  # noqa: S302 - from our parent
    return WriteRows(
        events,
        index,
        [(UUID(hex=o), p, v, state) for o, p, v, state in states],
        [(UUID(hex=o), p, v, state) for o, p, v, state in new_states],
    )


def _serve(requests: Connection, replies: Connection) -> None:
    """The child: open the ledger, then write each batch of rows received, replying with
    their notification ids or the failure, until the input ends."""
    from ledger.application import LedgerApp

    def reply(kind: str, value: Any) -> None:
        try:
            data = pickle.dumps((kind, value), protocol=pickle.HIGHEST_PROTOCOL)
            pickle.loads(data)  # noqa: S301 - (an exception may pickle and not unpickle)
        except Exception:  # noqa: BLE001 - then its text, ID numbers masked
            text = mask_ids_in(f"{type(value).__name__}: {value}")
            data = pickle.dumps((_ERROR, StoreUnavailable(text)))
        replies.send_bytes(data)

    try:
        settings = pickle.loads(requests.recv_bytes())  # noqa: S301 - from our parent
        app = LedgerApp(env=settings)
        recorder = app.ledger_recorder
    except EOFError:
        return
    except Exception as exc:  # noqa: BLE001 - sent to the importer, which raises it
        reply(_ERROR, exc)
        return
    reply(_READY, None)
    while True:
        try:
            rows = _load_rows(requests.recv_bytes())
        except EOFError:
            return
        try:
            ids = recorder.insert_rows(rows)
        except Exception as exc:  # noqa: BLE001 - sent to the importer, which raises it
            reply(_ERROR, exc)
        else:
            reply(_ROWS, list(ids))


def main() -> None:
    requests = Connection(os.dup(sys.stdin.fileno()), writable=False)
    replies = Connection(os.dup(sys.stdout.fileno()), readable=False)
    # Nothing else may write to the replies' pipe: standard output goes to standard error.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):  # the importer is gone
        _serve(requests, replies)


if __name__ == "__main__":
    main()


__all__ = ["PIPE_BYTES", "SUPPORTED", "SQLiteWriterProcess", "WriterNotStarted"]
