"""A projector process for the crash test: ``python -m tests.reporting.projector_proc STORE
TARGET BATCH_SIZE`` catches the target up with the test fold and the test key."""

from __future__ import annotations

import sys

from ledger.application import open_ledger
from projections.reporting.projector import Projector
from projections.reporting.target import parse_target

from .conftest import FOLD, TEST_KEY


def main() -> None:
    store, target, batch_size = sys.argv[1], sys.argv[2], int(sys.argv[3])
    app = open_ledger(store)
    try:
        projector = Projector(app, parse_target(target), FOLD, TEST_KEY, batch_size=batch_size)
        with projector.open(wait=True):
            print("started", flush=True)
            print(projector.catch_up().describe(), flush=True)
    finally:
        app.close()


if __name__ == "__main__":
    main()
