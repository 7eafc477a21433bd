"""The layers' dependencies point one way, and the face stays light.

- ``ledger/`` (the write side) imports nothing from ``projections/`` or ``policies/``; only the
  command-line package ``ledger/cli/`` may import from all three;
- no library module imports the command-line package;
- ``ledger --help`` imports no command module (nor SQLAlchemy, Alembic, eventsourcing, Dask).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_the_write_side_imports_neither_policies_nor_projections() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in _imports(path) if name.split(".")[0] in ("policies", "projections")
        )
        for path in _modules("ledger")
        if "cli" not in path.relative_to(ROOT / "ledger").parts
    }
    assert {path: names for path, names in offenders.items() if names} == {}


@pytest.mark.parametrize("package", ["ledger", "policies", "projections"])
def test_no_library_module_imports_the_command_line(package: str) -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in _modules(package)
        if "cli" not in path.relative_to(ROOT).parts[1:2]
        and any(name == "ledger.cli" or name.startswith("ledger.cli.") for name in _imports(path))
    ]
    assert offenders == []


def test_help_imports_no_command_module() -> None:
    probe = (
        "import sys\n"
        "from ledger.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'alembic', 'eventsourcing', 'dask', 'distributed', 'psycopg') "
        "or m.startswith('ledger.cli.'))\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert "HEAVY []" in result.stdout, result.stdout[-2000:]
    assert "Commands:" in result.stdout


def test_every_listed_command_loads_with_its_name() -> None:
    from ledger.cli import COMMANDS, main

    for name in COMMANDS:
        command = main.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None and command.name == name


def test_reading_a_sqlite_ledger_imports_no_sqlalchemy_and_no_psycopg(tmp_path: Path) -> None:
    """An auditor's commands on a SQLite file (``replay``, ``history``, ``report``) do not pay
    for SQLAlchemy and Alembic, which only reporting targets and URL arguments need, nor for
    psycopg, which only a PostgreSQL store or target needs (about 0.5 s of each process)."""
    events = ROOT / "examples" / "report_person.jsonl"
    person = json.loads(events.read_text(encoding="utf-8").splitlines()[0])["person_id"]
    db = str(tmp_path / "ledger.db")
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from ledger.cli import main; main()",
            "import",
            str(events),
            "--db",
            db,
        ],
        capture_output=True,
        check=True,
        cwd=ROOT,
    )
    probe = (
        "import sys\n"
        "from ledger.cli import main\n"
        "db, person, out = sys.argv[1:]\n"
        "for args in (['replay', '--db', db, '--format', 'json'],\n"
        "             ['history', person, '--db', db, '--format', 'json'],\n"
        "             ['report', person, '--db', db, '--html', out]):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit as exit:\n"
        "        assert not exit.code, (args, exit.code)\n"
        "heavy = sorted(m for m in sys.modules\n"
        "               if m.split('.')[0] in ('sqlalchemy', 'alembic', 'psycopg'))\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, db, person, str(tmp_path / "report.html")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert "HEAVY []" in result.stderr, result.stderr[-2000:]
