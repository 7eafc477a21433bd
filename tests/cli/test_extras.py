"""Optional extras: Dask (``.[dask]``) and pyarrow (``.[parquet]``) are not needed by the core.

Each test runs ``ledger`` in a fresh interpreter whose import system refuses the extra's
modules (a meta-path finder that raises ``ModuleNotFoundError`` for them), as if the extra
were not installed: what needs it stops with one line naming ``pip install -e '.[…]'`` and exit
status 2; everything else works.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "examples" / "events.jsonl"

_HIDE = """
import sys
from importlib.abc import MetaPathFinder

HIDDEN = {hidden!r}

class Hide(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, Hide())
for loaded in [m for m in sys.modules if m.split(".")[0] in HIDDEN]:
    del sys.modules[loaded]
from ledger.cli import main
main({args!r}, prog_name="ledger")
"""


def run_without(hidden: set[str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``ledger ARGS`` in a fresh interpreter that cannot import the ``hidden`` packages."""
    code = _HIDE.format(hidden=sorted(hidden), args=list(args))
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def test_the_hiding_works(tmp_path: Path) -> None:
    probe = _HIDE.split("from ledger.cli")[0].format(hidden=["dask", "distributed"])
    probe += "import dask\n"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 1 and "No module named 'dask'" in result.stderr


@pytest.mark.parametrize(
    "cluster", [["--workers", "2"], ["--scheduler", "tcp://127.0.0.1:8786"]], ids=str
)
def test_backfill_on_dask_without_dask_says_what_to_install(
    tmp_path: Path, cluster: list[str]
) -> None:
    db, target = tmp_path / "ledger.db", tmp_path / "reports.db"
    result = run_without(
        {"dask", "distributed"},
        "backfill", str(EVENTS), "--db", str(db), "--to", str(target), *cluster,
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "pip install -e '.[dask]'" in lines[0]
    assert "--workers and --scheduler" in lines[0]
    assert "Traceback" not in result.stderr
    assert not db.exists(), "nothing is loaded before the check"


def test_backfill_in_process_needs_no_dask(tmp_path: Path) -> None:
    db, target = tmp_path / "ledger.db", tmp_path / "reports.db"
    result = run_without(
        {"dask", "distributed"},
        "backfill", str(EVENTS), "--db", str(db), "--to", str(target), "--no-progress",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "replay:" in result.stdout and "rows written" in result.stdout


def test_dask_and_pyarrow_are_extras_that_dev_installs() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = " ".join(project["dependencies"])
    assert "dask" not in core and "pyarrow" not in core
    extras = project["optional-dependencies"]
    assert any(d.startswith("dask[distributed]") for d in extras["dask"])
    assert any(d.startswith("pyarrow") for d in extras["parquet"])
    assert "resident-ledger[dask,parquet]" in extras["dev"]  # the suite and CI test both


def test_the_core_commands_need_neither_extra(tmp_path: Path) -> None:
    hidden = {"dask", "distributed", "pyarrow"}
    db, target = str(tmp_path / "ledger.db"), str(tmp_path / "reports.db")
    key = "--key-from"
    for args in (
        ["import", str(EVENTS), "--db", db],
        ["replay", "--db", db, "--format", "jsonl"],
        ["project", "--db", db, "--to", target],
        ["status", "--db", db, "--to", target],
        ["export", "views", "--db", db, "--to", str(tmp_path / "v.csv"), key, target],
        ["export", "insured", "--db", db, "--to", str(tmp_path / "i.jsonl"), "--ids", "mask"],
        ["export", "table", "flags", "--from", target, "--to", str(tmp_path / "f.csv")],
    ):
        result = run_without(hidden, *args, cwd=tmp_path)
        assert result.returncode == 0, (args, result.stderr)
