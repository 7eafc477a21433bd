"""Parallel loaders (``ledger import --workers N``): the result is one loader's.

A messy input — shuffled histories, repeated lines, conflicts within a person and across
persons (the same ``event_id`` under another person: a line another loader holds), the
15-digit and 18-digit forms of one ID number, opaque ids, bad lines, a CSV file after a
JSON Lines one — imported by one loader and by three: the same stored rows byte for byte
(events by person and version, idempotency index, resident states: the storage time fixed),
the same counts, the same rejects file, the same views. On SQLite and PostgreSQL.

And a parallel import killed with SIGKILL mid-COPY: its loaders stop, and a second run
loses and doubles nothing.
"""

from __future__ import annotations

import csv
import json
import random
import signal
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from ledger.application import open_ledger
from ledger.events import MAX_LINE_BYTES
from ledger.importer import ImportSummary, JsonlUnit, Unit, import_file, import_files, read_units
from ledger.loaders import Loader, LoaderPool, Share, jsonl_lines, rounds, route
from ledger.synth import generate
from policies import builtin_registry
from projections.replay import Cut, store_views
from tests.conftest import PG_URL
from tests.reporting.conftest import gen_events
from tests.support import PERSON, child_processes, id_number, process_alive, registered
from tests.test_pg_write_path import check_consistent, finish, rows_of, start, wait_for_copy

MOMENT = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
CUT = Cut(as_of=date(2025, 12, 31))


def unpack(share: Share) -> list[Unit]:
    """A share's lines as units, in order."""
    if isinstance(share, tuple):
        return [JsonlUnit(n, d) for n, d in jsonl_lines(share)]
    return share


def messy_records(seed: int, persons: int = 150) -> list[dict[str, Any] | str]:
    rng = random.Random(seed)
    records: list[dict[str, Any] | str] = list(generate(persons, (2022, 2025), seed=seed))
    rng.shuffle(records)
    good = [r for r in records if isinstance(r, dict)]
    people = sorted({r["person_id"] for r in good})
    extra: list[dict[str, Any] | str] = []
    for record in rng.sample(good, 40):  # repeated lines: already present
        extra.append(dict(record))
    for record in rng.sample(good, 15):  # the same id, other content: a conflict
        extra.append({**record, "note": "changed"})
    for record in rng.sample(good, 25):  # the same id under another person
        other = rng.choice(people)
        extra.append({**record, "person_id": other, "note": "moved"})
    old_form = [p for p in people if len(p) == 18 and p[6:8] == "19"][:10]
    for n, person in enumerate(old_form):  # the first-generation form of the same number
        extra.append({**registered(person[:6] + person[8:17]), "event_id": f"old-form-{n}"})
    for record in rng.sample(good, 10):  # the same line with spaces around its ids
        extra.append(
            {
                **record,
                "event_id": f" {record['event_id']} ",
                "person_id": f"{record['person_id']} ",
            }
        )
    for n in range(5):
        opaque = f"护照 P{n}\t"
        extra.append({**registered(opaque.strip(), event_id=f"opaque-{n}"), "person_id": opaque})
    extra += [
        "not json at all",
        json.dumps({"event_id": "half", "type": "paid"}),
        json.dumps({**registered(id_number("61090219800101999")), "person_id": "6109021"}),
    ]
    for item in extra:
        records.insert(rng.randrange(len(records) + 1), item)
    return records


def write_files(tmp_path: Path, seed: int) -> list[Path]:
    records = messy_records(seed)
    half = len(records) // 2
    first = tmp_path / f"part-{seed}.jsonl"
    with open(first, "w", encoding="utf-8") as f:
        for record in records[:half]:
            f.write(record if isinstance(record, str) else json.dumps(record, ensure_ascii=False))
            f.write("\n")
    second = tmp_path / f"part-{seed}.csv"
    rows = [r for r in records[half:] if isinstance(r, dict)]
    columns = sorted({key for row in rows for key in row})
    # With a byte order mark: its only non-ASCII text (护照) is too little to tell UTF-8 from
    # GB18030 by (docs/import.md, "Encodings"), as an export from a spreadsheet would have it.
    with open(second, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else _cell(row.get(c)) for c in columns])
        writer.writerow(["too", "few"])
    return [first, second]


def _cell(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def outcome(db: str, summaries: list[ImportSummary]) -> dict[str, Any]:
    with open_ledger(db, create=False) as app:
        views = [v.to_dict() for v in store_views(app, builtin_registry(), cut=CUT)]
    rows = rows_of(db)
    rows["ledger_events"] = sorted(rows["ledger_events"])  # notification order may differ
    rejects = [
        s.rejects_path.read_text(encoding="utf-8") if s.rejects_path else None for s in summaries
    ]
    counts = [(s.stored, s.present, s.rejected, dict(s.reasons)) for s in summaries]
    return {"rows": rows, "views": views, "rejects": rejects, "counts": counts}


@pytest.mark.parametrize("seed", [3, 8])
def test_three_loaders_store_what_one_loader_stores(
    ledger_db: str, other_ledger_db: str, tmp_path: Path, seed: int
) -> None:
    paths = write_files(tmp_path, seed)
    with open_ledger(ledger_db) as app:
        one = import_files(app, paths, batch_size=97, stored_at=MOMENT)
    expected = outcome(ledger_db, one)
    assert sum(c[2] for c in expected["counts"]) >= 20  # conflicts and bad lines
    assert any("conflict" in c[3] for c in expected["counts"])
    with open_ledger(other_ledger_db):
        pass  # the tables, before the loaders
    with LoaderPool(other_ledger_db, 3, batch_size=31, stored_at=MOMENT, chunk=20) as pool:
        three = pool.import_files(paths)
        assert pool.next_round > sum(s.lines for s in three) // (31 * 3)  # rounds were cut
    assert outcome(other_ledger_db, three) == expected


def test_loaders_on_a_dask_cluster_store_what_one_loader_stores(
    ledger_db: str, other_ledger_db: str, tmp_path: Path
) -> None:
    """The same with the loaders as actors on a Dask cluster (two workers)."""
    distributed = pytest.importorskip("distributed")
    paths = write_files(tmp_path, 5)
    with open_ledger(ledger_db) as app:
        one = import_files(app, paths, batch_size=97, stored_at=MOMENT)
    expected = outcome(ledger_db, one)
    with open_ledger(other_ledger_db):
        pass
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        LoaderPool(
            other_ledger_db, 0, scheduler=cluster.scheduler_address, batch_size=31, stored_at=MOMENT
        ) as pool,
    ):
        assert pool.count == 2
        two = pool.import_files(paths)
    assert outcome(other_ledger_db, two) == expected


def test_a_loader_reads_the_stores_event_ids_until_a_batch_is_all_new(
    ledger_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A loader decides its batches as one loader storing in turn does: it reads which of a
    batch's event ids the store holds until a batch is all new, then assumes the next ones
    new (a batch that meets a stored id after all is decided again, and the next reads)."""
    with open_ledger(ledger_db):
        pass
    path = tmp_path / "events.jsonl"
    lines = [registered(PERSON, f"r-{i}") for i in range(6)]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    loader = Loader(ledger_db, 2, MOMENT)
    try:
        reads: list[int] = []
        real = loader.app.ledger_recorder.select_fingerprints

        def spy(event_ids: list[str]) -> dict[str, str]:
            reads.append(len(event_ids))
            return real(event_ids)

        monkeypatch.setattr(loader.app.ledger_recorder, "select_fingerprints", spy)
        units = list(read_units(path, None))
        loader.parse(0, units[:4])
        assert loader.store(0)[1] == (4, 0, 0)
        assert reads == [2]  # the second batch assumed new
        loader.parse(1, units[1:2] + units[4:])  # a line stored, then new ones
        assert loader.store(1)[1] == (2, 1, 0)
        assert reads == [2, 2, 1]  # refused, decided again reading; the next batch reads
    finally:
        loader.close()


def test_rounds_are_cut_before_a_line_another_loader_holds() -> None:
    lines = [
        {"event_id": "a", "person_id": id_number(f"6109021980010{n}001"), "type": "paid"}
        for n in range(1, 10)
    ]
    units = [JsonlUnit(n + 1, json.dumps(line).encode()) for n, line in enumerate(lines)]
    owners = [route(unit, 4)[0] for unit in units]
    sizes = [0]
    for shares, last in rounds(iter(units), 4, 1000, chunk=2):
        sizes[-1] += sum(len(unpack(share)) for share in shares)
        if last:
            sizes.append(0)
    assert sizes.pop() == 0
    # A round holds lines of one event id only while they go to the same loader.
    expected = [1]
    for previous, owner in zip(owners, owners[1:], strict=False):
        if owner == previous:
            expected[-1] += 1
        else:
            expected.append(1)
    assert sizes == expected and len(sizes) > 1
    # The two forms of one ID number go to the same loader.
    person = id_number("61090219800101001")
    short = person[:6] + person[8:17]
    same = [JsonlUnit(1, json.dumps({"person_id": p}).encode()) for p in (person, short)]
    assert route(same[0], 7)[0] == route(same[1], 7)[0]


def test_each_share_holds_its_loaders_lines_in_file_order_whatever_their_kind(
    tmp_path: Path,
) -> None:
    """The shares ``rounds`` sends are exactly the lines ``route`` gives each loader, in file
    order: JSON Lines as numbers and one blob, and a share that also holds a line of another
    kind (one too long, rejected as read; a CSV row) as its units in order."""
    paths = write_files(tmp_path, 6)
    jsonl = paths[0]
    lines = jsonl.read_bytes().splitlines(keepends=True)
    too_long = b'{"event_id": "' + b"x" * (MAX_LINE_BYTES + 10) + b'"}\n'
    jsonl.write_bytes(b"".join(lines[:40] + [too_long] + lines[40:]))
    units = [unit for path in paths for unit in read_units(path, None)]
    kinds = {type(unit).__name__ for unit in units}
    assert kinds == {"JsonlUnit", "RejectedUnit", "CsvUnit"}
    forms = set()
    at = 0
    for count, chunk in ((3, 7), (2, 1000), (5, 64)):
        at = 0
        for shares, _ in rounds(iter(units), count, 100, chunk=chunk):
            got = [unpack(share) for share in shares]
            taken = sum(map(len, got))
            expected: list[list[Any]] = [[] for _ in range(count)]
            for unit in units[at : at + taken]:
                expected[route(unit, count)[0]].append(unit)
            assert got == expected
            forms.update(type(share).__name__ for share in shares if len(unpack(share)))
            at += taken
        assert at == len(units)
    assert forms == {"tuple", "list"}


@pytest.mark.postgres
def test_a_parallel_import_killed_mid_copy_loses_and_doubles_nothing(
    pg_db: str, tmp_path: Path
) -> None:
    """``ledger import --workers 2`` killed with SIGKILL while a loader's COPY is under way:
    its loaders find nothing more to read and stop; whole batches are stored, and a second
    run stores exactly the rest."""
    count = 40_000
    path = tmp_path / "events.jsonl"
    gen_events.write(path, count, seed=13)
    event_ids = [json.loads(line)["event_id"] for line in path.read_text().splitlines()]
    with open_ledger(pg_db) as app:
        process = start(
            "import", str(path), "--db", pg_db, "--batch-size", "2000", "--workers", "2"
        )
        while app.count_events() < 8_000:
            assert process.poll() is None, finish(process)[1]
            time.sleep(0.005)
        wait_for_copy(pg_db, "ledger_events", process)
        loaders = child_processes(process.pid)
        assert loaders
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        deadline = time.monotonic() + 60
        while any(process_alive(pid) for pid in loaders):
            assert time.monotonic() < deadline, "loaders outlived their coordinator"
            time.sleep(0.05)
        stored = app.count_events()
        assert 8_000 <= stored < count
        rerun = import_file(app, path, batch_size=10_000)
        assert (rerun.stored, rerun.present, rerun.rejected) == (count - stored, stored, 0)
    check_consistent(pg_db, set(event_ids))


def test_routing_reads_ids_as_the_validator_does(tmp_path: Path) -> None:
    """For every line that is valid: the event id it claims is the stored one, and its
    loader is its stored person id's (ids with spaces, first-generation numbers, opaque ids,
    CSV cells alike)."""
    paths = write_files(tmp_path, 4)
    checked = 0
    for path in paths:
        for unit in read_units(path, None):
            line = unit.parse()
            if line.event is None:
                continue
            loader, event_id = route(unit, 5)
            assert event_id == line.event.event_id
            alone = JsonlUnit(1, json.dumps({"person_id": line.event.person_id}).encode())
            assert route(alone, 5)[0] == loader
            checked += 1
    assert checked > 500


@pytest.mark.postgres
def test_ctrl_c_completes_the_round_in_flight_and_counts_it(pg_db: str, tmp_path: Path) -> None:
    """SIGINT to ``ledger import --workers 2``: the loaders ignore it, the round being written
    is completed, every line counted as stored is stored, exit status 130; a second run
    stores exactly the rest."""
    count = 40_000
    path = tmp_path / "events.jsonl"
    gen_events.write(path, count, seed=17)
    with open_ledger(pg_db) as app:
        process = start(
            "import", str(path), "--db", pg_db, "--batch-size", "2000", "--workers", "2"
        )
        while app.count_events() < 8_000:
            assert process.poll() is None, finish(process)[1]
            time.sleep(0.005)
        process.send_signal(signal.SIGINT)
        try:
            code, output = finish(process, timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
        assert code == 130, output
        assert "interrupted" in output
        counted = int(output.split(": ", 1)[1].split(" stored", 1)[0])
        stored = app.count_events()
        assert 8_000 <= counted <= stored < count
        rerun = import_file(app, path, batch_size=10_000)
        assert (rerun.stored, rerun.present, rerun.rejected) == (count - stored, stored, 0)
    check_consistent(
        pg_db, {json.loads(line)["event_id"] for line in path.read_text().splitlines()}
    )


@pytest.mark.postgres
def test_loaders_that_lose_the_server_end_the_import_with_its_reason(
    pg_db: str, tmp_path: Path
) -> None:
    """Seen: the server dropped every connection (``pg_terminate_backend``) during
    ``ledger import --workers 2``; the import then waited for good, near-zero CPU, and Ctrl-C
    did nothing (the round whose results had failed was waited for a second time). It ends,
    with the server's reason on one line; a second run stores exactly the rest."""
    import psycopg

    count = 60_000
    path = tmp_path / "events.jsonl"
    gen_events.write(path, count, seed=17)
    name = f"lost_{time.monotonic_ns()}"
    db = f"{pg_db}&application_name={name}"
    with open_ledger(pg_db) as app:
        process = start("import", str(path), "--db", db, "--batch-size", "2000", "--workers", "2")
        while app.count_events() < 8_000:
            assert process.poll() is None, finish(process)[1]
            time.sleep(0.005)
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s",
                (name,),
            )
        try:
            code, output = finish(process, timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
        assert code == 2, output  # not 1: "lines rejected, the rest stored"
        # libpq reports the server's reason, or, when the socket closed before it read that,
        # the connection's loss (about 1 run in 10 here): either is the reason, on one line.
        lost = ("terminating connection", "server closed the connection unexpectedly")
        assert any(reason in output for reason in lost), output
        assert "Traceback" not in output
        assert "run the same command again" in output
        stored = app.count_events()
        assert f"{stored} stored" in output  # what it stored, counted
        rerun = import_file(app, path, batch_size=10_000)
        assert (rerun.stored, rerun.present, rerun.rejected) == (count - stored, stored, 0)
