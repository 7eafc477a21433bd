"""An import process killed with SIGKILL mid-way: whole batches or nothing, and a re-run
completes the job. Real processes, real databases."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from ledger.application import open_ledger
from ledger.importer import import_file
from tests.support import write_generated_events

ROOT = Path(__file__).parent.parent
EVENTS = 12_000
BATCH = 200


def test_killed_import_loses_nothing_and_rerun_completes(ledger_db: str, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    event_ids = write_generated_events(path, EVENTS, seed=7)
    with open_ledger(ledger_db):
        pass  # create the tables before the race
    command = [
        sys.executable,
        "-c",
        "from ledger.cli import main; main()",
        "import",
        str(path),
        "--db",
        ledger_db,
        "--batch-size",
        str(BATCH),
        "--no-progress",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with open_ledger(ledger_db) as app:
        deadline = time.monotonic() + 60
        while app.count_events() < 3 * BATCH and process.poll() is None:
            assert time.monotonic() < deadline, "the import never got going"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

        stored = app.count_events()
        log = [event.event_id for _, event in app.read_log(1, EVENTS + 1)]
        # Whole batches, in file order, each event with its index row: nothing half-stored.
        assert stored % BATCH == 0 or stored == EVENTS
        assert log == event_ids[:stored]
        assert len(app.ledger_recorder.select_fingerprints(event_ids)) == stored

        rerun = import_file(app, path, batch_size=1000)
        assert (rerun.stored, rerun.present, rerun.rejected) == (EVENTS - stored, stored, 0)
        assert [e.event_id for _, e in app.read_log(1, EVENTS + 1)] == event_ids
