"""Progress bars (ledger/progress.py): the import's moves within a batch, with rate and ETA;
project catch-up and rebuild, the replay of everyone; on stderr only, never into JSON; nothing
when stderr is not a terminal unless --progress forces it."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tqdm import tqdm

from ledger import progress as bars
from ledger.application import LedgerApp
from ledger.cli import main
from ledger.importer import ImportSummary, import_file
from ledger.synth import generate
from tests.support import write_jsonl

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "events.jsonl"


def generated_events(count: int, seed: int) -> list[dict[str, Any]]:
    """The first ``count`` events of a synthetic population (valid contract records)."""
    return list(itertools.islice(generate(count, (2023, 2025), seed), count))


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_shows_on_a_terminal_unless_told() -> None:
    assert bars.wanted(None, _Tty()) is True
    assert bars.wanted(None, io.StringIO()) is False
    assert bars.wanted(False, _Tty()) is False
    assert bars.wanted(True, io.StringIO()) is True


class _Seen(list[tuple[str, int, Any]]):
    def __init__(self, items: list[tuple[str, int, Any]], probe: dict[str, Any]) -> None:
        super().__init__()
        self.items = items
        self.probe = probe

    def __iter__(self) -> Any:
        return iter(self.items)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> _Seen:
    """Every update of every bar: (its description, its position after it, the probe's value
    then); ``probe`` is set by the test."""
    seen: list[tuple[str, int, Any]] = []
    probe: dict[str, Any] = {"read": lambda: None}

    class Recording(tqdm):  # type: ignore[misc]
        def update(self, n: float | None = 1) -> bool | None:
            done = super().update(n)
            seen.append((str(self.desc), int(self.n), probe["read"]()))
            return done

    monkeypatch.setattr(bars, "tqdm", Recording)
    return _Seen(seen, probe)


def _lines(tmp_path: Path, count: int) -> Path:
    return write_jsonl(tmp_path / "events.jsonl", generated_events(count, seed=5))


def test_the_import_bar_moves_within_a_batch(
    app: LedgerApp, tmp_path: Path, recorded: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _lines(tmp_path, 5_000)
    summary = ImportSummary(path)
    recorded.probe["read"] = lambda: summary.stored
    import_file(app, path, batch_size=5_000, progress=True, summary=summary)
    assert summary.stored == 5_000
    positions = [(n, stored) for desc, n, stored in recorded if desc == "events.jsonl"]
    # Every 2,000 lines while the one batch is read (nothing stored yet), then its end.
    assert positions == [(2_000, 0), (4_000, 0), (5_000, 5_000)]
    err = capsys.readouterr().err
    assert "events.jsonl" in err and "5,000/5,000" in err
    assert "line/s" in err and "<00:00" in err  # rate and ETA (remaining time)


def test_every_few_thousand_lines_across_batches(
    app: LedgerApp, tmp_path: Path, recorded: Any
) -> None:
    path = _lines(tmp_path, 7_000)
    import_file(app, path, batch_size=3_000, progress=True)
    positions = [n for desc, n, _ in recorded if desc == "events.jsonl"]
    assert positions == sorted(positions) and positions[-1] == 7_000
    assert max(b - a for a, b in zip([0, *positions], positions, strict=False)) <= 2_000


def test_no_bar_when_stderr_is_not_a_terminal(
    app: LedgerApp, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _lines(tmp_path, 3_000)
    import_file(app, path, batch_size=1_000)
    import_file(app, path, batch_size=1_000, progress=False)
    assert capsys.readouterr().err == ""


def test_the_command_line(tmp_path: Path) -> None:
    path = _lines(tmp_path, 2_500)
    db = str(tmp_path / "l.db")
    quiet = CliRunner().invoke(main, ["import", "--db", db, str(path)])
    assert quiet.exit_code == 0 and quiet.stderr == ""
    db2 = str(tmp_path / "l2.db")
    loud = CliRunner().invoke(main, ["import", "--db", db2, "--progress", str(path)])
    assert loud.exit_code == 0
    assert "events.jsonl" in loud.stderr and "2,500/2,500" in loud.stderr
    assert "100%" in loud.stderr and "line/s" in loud.stderr
    assert "2500 stored" in loud.stdout and "line/s" not in loud.stdout


def test_standard_input_has_a_rate_and_no_eta(tmp_path: Path) -> None:
    text = _lines(tmp_path, 2_500).read_text(encoding="utf-8")
    db = str(tmp_path / "l.db")
    result = CliRunner().invoke(main, ["import", "--db", db, "--progress", "-"], input=text)
    assert result.exit_code == 0, result.output
    assert " 2,500 [" in result.stderr and "line/s" in result.stderr
    assert "%|" not in result.stderr  # no total, no percentage, no ETA


def test_project_catch_up_and_rebuild(tmp_path: Path) -> None:
    db, target = str(tmp_path / "l.db"), str(tmp_path / "r.db")
    write_jsonl(tmp_path / "e.jsonl", generated_events(1_200, seed=6))
    assert (
        CliRunner().invoke(main, ["import", "--db", db, str(tmp_path / "e.jsonl")]).exit_code == 0
    )
    quiet = CliRunner().invoke(main, ["project", "--db", db, "--to", target])
    assert quiet.exit_code == 0 and "catch-up" not in quiet.stderr
    more = write_jsonl(tmp_path / "more.jsonl", generated_events(1_500, seed=6)[1_200:])
    assert CliRunner().invoke(main, ["import", "--db", db, str(more)]).exit_code == 0
    args = ["project", "--db", db, "--to", target, "--progress", "--batch-size", "100"]
    loud = CliRunner().invoke(main, args)
    assert loud.exit_code == 0, loud.output
    # total: the log's end minus the checkpoint (300 events behind)
    assert "catch-up: 100%" in loud.stderr and "300/300" in loud.stderr
    assert "event/s" in loud.stderr
    rebuild = CliRunner().invoke(main, [*args, "--rebuild"])
    assert rebuild.exit_code == 0, rebuild.output
    assert "rebuild: 100%" in rebuild.stderr and "person/s" in rebuild.stderr
    assert "catch-up" not in rebuild.stderr  # nothing left behind: no empty bar


def test_replay_of_everyone_never_in_json(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    assert CliRunner().invoke(main, ["import", "--db", db, str(EXAMPLES)]).exit_code == 0
    result = CliRunner().invoke(main, ["replay", "--db", db, "--format", "json", "--progress"])
    assert result.exit_code == 0, result.output
    views = json.loads(result.stdout)
    assert "replay: 100%" in result.stderr and f"{len(views)}/{len(views)}" in result.stderr
    quiet = CliRunner().invoke(main, ["replay", "--db", db, "--format", "json"])
    assert quiet.stdout == result.stdout and quiet.stderr == ""
    files = CliRunner().invoke(
        main, ["replay", "--events", str(EXAMPLES), "--format", "jsonl", "--progress"]
    )
    assert files.exit_code == 0 and "person/s" in files.stderr
    assert [json.loads(line) for line in files.stdout.splitlines()] == views
