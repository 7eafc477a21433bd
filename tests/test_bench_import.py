"""The import benchmark's issue-15 arithmetic: each round's ratio against the raw ``COPY`` runs
measured just around it, and the median over rounds."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import PG_URL
from tests.support import load_script


@pytest.fixture(scope="module")
def bench() -> Any:
    return load_script("bench_import")


def _round(bench: Any, before: float, one: float, two: float, after: float) -> Any:
    def measure(label: str, rate: float) -> Any:
        return bench.Measure(label, 1_000_000, 1_000_000 / rate, 1.0)

    return bench.PgRound(
        measure("copy", before),
        {1: measure("one", one), 2: measure("two", two)},
        measure("copy", after),
    )


def test_a_round_is_measured_against_the_copies_around_it_together(bench: Any) -> None:
    """Their rows over their time (the harmonic mean of the two rates), not the plain mean."""
    r = _round(bench, before=100_000, one=30_000, two=36_000, after=150_000)
    assert r.copy_rate == pytest.approx(120_000)  # 2,000,000 rows in 10 + 6.67 s
    lines = bench.summarise_rounds([r])
    assert "baseline 120,000" in lines[0]
    assert "30,000 ev/s = 0.250 of raw COPY" in lines[1]
    assert "1.20x one loader" in lines[1]
    assert "import/raw COPY 0.250 (target at least 0.25)" in lines[2]
    assert "median" not in lines[2]


def test_rounds_give_the_median_ratio(bench: Any) -> None:
    rounds = [
        _round(bench, 100_000, 20_000, 30_000, 100_000),  # 0.200, 1.50x
        _round(bench, 100_000, 30_000, 30_000, 100_000),  # 0.300, 1.00x
        _round(bench, 100_000, 22_000, 33_000, 100_000),  # 0.220, 1.50x
    ]
    lines = bench.summarise_rounds(rounds)
    assert len(lines) == 2 * 3 + 2
    assert "1 loader 22,000 ev/s wall" in lines[-2]
    assert "import/raw COPY 0.220 (target at least 0.25), median of 3 rounds" in lines[-2]
    assert "1.50x one loader" in lines[-1]


def test_an_even_number_of_rounds_gives_the_middle_two_averaged(bench: Any) -> None:
    rounds = [
        _round(bench, 100_000, 20_000, 30_000, 100_000),  # 0.200
        _round(bench, 100_000, 24_000, 30_000, 100_000),  # 0.240
    ]
    assert "import/raw COPY 0.220" in bench.summarise_rounds(rounds)[-2]


def test_each_round_starts_with_the_copy_that_closed_the_one_before(
    bench: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runs in order: COPY, 1 loader, 2 loaders, COPY, 1, 2, COPY (without a server:
    the measurements are stood in for)."""
    order: list[str] = []

    def measure(label: str, out: list[Any]) -> Any:
        order.append(label)
        out.append(bench.Measure(f"{label} {len(order)}", 1_000, 1.0, 1.0))
        return out[-1]

    monkeypatch.setattr(bench, "drop_pg_schema", lambda *_: None)
    monkeypatch.setattr(
        bench, "bench_pg_copy", lambda pg, db, size, label, out: measure("copy", out)
    )
    monkeypatch.setattr(
        bench,
        "bench_import",
        lambda db, path, size, label, out, workers=1: measure(f"import {workers}", out),
    )
    args = argparse.Namespace(rounds=2, batch_size=None, pg="postgresql://x/test")
    out: list[Any] = []
    rounds = bench.bench_postgres(Path("ledger.db"), Path("events.jsonl"), args, out)
    assert order == ["copy", "import 1", "import 2", "copy", "import 1", "import 2", "copy"]
    assert [r.copy_before.label for r in rounds] == ["copy 1", "copy 4"]
    assert [r.copy_after.label for r in rounds] == ["copy 4", "copy 7"]
    assert [r.imports[1].label for r in rounds] == ["import 1 2", "import 1 5"]
    assert [r.imports[2].label for r in rounds] == ["import 2 3", "import 2 6"]


def test_no_postgres_no_lines(bench: Any) -> None:
    assert bench.summarise_rounds([]) == []


PROC_STAT = """cpu  4705 356 584 3699176 23 0 93 120 7 0
cpu0 2352 178 292 1849588 11 0 46 60 3 0
intr 1 2 3
"""


def test_the_machine_cpu_times_are_read_from_proc_stat(bench: Any) -> None:
    """``(steal, total)`` of the ``cpu`` line: the first eight counters (guest time is already
    in user and nice, so it is not added again)."""
    assert bench.parse_proc_stat(PROC_STAT) == (120, 4705 + 356 + 584 + 3699176 + 23 + 93 + 120)
    assert bench.parse_proc_stat("intr 1 2 3\n") is None
    assert bench.parse_proc_stat("cpu 1 2 3\n") is None  # a kernel too old to count steal


def test_steal_is_the_share_of_the_machine_time_between_two_readings(bench: Any) -> None:
    assert bench.stolen_share((100, 10_000), (150, 11_000)) == pytest.approx(0.05)
    assert bench.stolen_share(None, (150, 11_000)) is None
    assert bench.stolen_share((100, 10_000), None) is None
    assert bench.stolen_share((100, 10_000), (100, 10_000)) is None  # no time passed
    assert bench.stolen_share((100, 10_000), (90, 11_000)) is None  # the counter went back


def test_a_run_says_how_much_was_stolen_when_it_is_known(bench: Any) -> None:
    assert "steal" not in bench.Measure("copy", 1_000, 1.0, 1.0).line()
    assert bench.Measure("copy", 1_000, 1.0, 1.0, stolen=0.043).line().endswith(" steal 4%")
    r = _round(bench, 100_000, 30_000, 36_000, 150_000)
    assert not any("steal" in line for line in bench.summarise_rounds([r]))
    runs = (r.copy_before, r.imports[1], r.imports[2], r.copy_after)
    for m, share in zip(runs, (0.01, 0.02, 0.12, 0.0), strict=True):
        m.stolen = share
    lines = bench.summarise_rounds([r])
    assert lines[2] == (
        "  steal (CPU time the host gave to other machines): 1%, 2%, 12%, 0% "
        "(COPY before, 1 loader, 2 loaders, COPY after)"
    )


def test_the_machine_cpu_times_are_readable_here(bench: Any) -> None:
    """On Linux (CI's machine) the reading works and moves forward."""
    if not Path("/proc/stat").exists():
        pytest.skip("no /proc/stat")
    first = bench.machine_cpu_times()
    assert first is not None and 0 <= first[0] <= first[1]


# A process whose command name holds spaces and a parenthesis; utime 7, stime 3, cutime 20,
# cstime 5 (fields 14-17), then the rest.
PROC_PID_STAT = "1234 (postgres: a (b) c) S 1 1234 1234 0 -1 4194560 90 0 0 0 7 3 20 5 20 0 1 0"


def test_a_process_cpu_is_its_own_and_its_reaped_childrens(bench: Any) -> None:
    assert bench.stat_cpu_ticks(PROC_PID_STAT) == 7 + 3 + 20 + 5


def test_the_server_cpu_used_is_the_difference_of_two_readings(bench: Any) -> None:
    assert bench.server_cpu_used(10.0, 12.5) == pytest.approx(2.5)
    assert bench.server_cpu_used(None, 12.5) is None
    assert bench.server_cpu_used(10.0, None) is None
    assert bench.server_cpu_used(10.0, 9.0) is None  # the server restarted meanwhile


def test_a_run_says_the_servers_cpu_when_it_is_known(bench: Any) -> None:
    assert "server" not in bench.Measure("copy", 1_000, 1.0, 1.0).line()
    line = bench.Measure("copy", 1_000, 1.0, 1.0, stolen=0.0, server_cpu=2.345).line()
    assert line.endswith(" steal 0% server cpu 2.35 s")
    r = _round(bench, 100_000, 30_000, 36_000, 150_000)
    assert not any("server" in line for line in bench.summarise_rounds([r]))
    runs = (r.copy_before, r.imports[1], r.imports[2], r.copy_after)
    for m, seconds in zip(runs, (4.0, 11.25, 12.5, 4.5), strict=True):
        m.server_cpu = seconds
    assert bench.summarise_rounds([r])[2] == (
        "  server CPU: 4.00 s, 11.25 s, 12.50 s, 4.50 s (COPY before, 1 loader, 2 loaders, "
        "COPY after)"
    )


def test_the_local_servers_cpu_is_readable_here(bench: Any) -> None:
    """CI's PostgreSQL runs on the same machine: its processes' CPU is read, and it grows
    with the work the server is given."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("no /proc")
    if urlsplit(PG_URL).hostname not in (None, "", "127.0.0.1", "localhost", "::1"):
        pytest.skip("the tests' PostgreSQL server is on another machine")
    first = bench.server_cpu_seconds()
    assert first is not None
    psycopg = pytest.importorskip("psycopg")
    with psycopg.connect(PG_URL) as conn:
        conn.execute("SELECT count(*) FROM generate_series(1, 3000000)").fetchone()
        # Read while the backend lives: once it exits, its time reaches the postmaster's
        # children's total only when the postmaster reaps it, which may be later.
        second = bench.server_cpu_seconds()
    assert second is not None and second > first
    assert bench.server_cpu_seconds("no-such-server-process") is None


def test_each_sqlite_round_is_measured_against_the_same_import_in_turn(bench: Any) -> None:
    """A round's gain is its import's rate over the in-turn import's just before it; the
    summary gives the medians of the imports, of the gains and of the in-turn runs."""

    def measure(label: str, rate: float) -> Any:
        return bench.Measure(label, 1_000_000, 1_000_000 / rate, 1.0)

    runs = [
        (measure("in turn", 50_000), measure("import", 60_000)),  # 1.20x
        (measure("in turn", 40_000), measure("import", 60_000)),  # 1.50x
        (measure("in turn", 52_000), measure("import", 65_000)),  # 1.25x
    ]
    lines = bench.summarise_sqlite(runs)
    assert "60,000 ev/s" in lines[0] and "1.20x the same import in turn (50,000" in lines[0]
    assert "1.50x" in lines[1]
    assert lines[3] == (
        "SQLite import 60,000 ev/s wall (target 50,000), 1.25x in turn; "
        "in turn, on one core: 50,000 ev/s, median of 3 rounds"
    )
