"""``ledger export`` (issue 13.5): the four exports through the command line on SQLite and
PostgreSQL, how persons are named (a key, the key of a reporting database, masked), and every
mistake as one line with exit status 2."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from ledger.cli import main
from projections.export.lookups import LOOKUPS
from projections.reporting.pseudonym import PseudonymKey
from tests.cli.test_extras import run_without
from tests.conftest import PG_URL, _drop_schema

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "events.jsonl"
SECRET = "export-cli-tests-key-0123456789"
KEY = PseudonymKey(SECRET.encode(), "env")
PERSON = "610902197003051215"


def run(*args: str, key: bool = True) -> Result:
    env = {"LEDGER_PSEUDONYM_KEY": SECRET if key else ""}
    return CliRunner().invoke(main, list(args), env=env)


def assert_one_line_error(result: Result, *expected: str, usage: bool = False) -> None:
    """Exit status 2 and one line saying what is wrong (a usage mistake: click's usage lines,
    then that one line)."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"a traceback: {result.exception!r}"
    )
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    if usage:
        assert lines[0].startswith("Usage: "), result.output
        lines = lines[-1:]
    assert len(lines) == 1 and lines[0].startswith("Error"), result.output
    for text in expected:
        assert text in lines[0], result.output


@pytest.fixture
def ledger(ledger_db: str) -> str:
    assert run("import", str(EXAMPLES), "--db", ledger_db).exit_code == 0
    return ledger_db


@pytest.fixture
def target(ledger_db: str, tmp_path: Path) -> Iterator[str]:
    """A reporting database argument on the ledger's backend (not yet built)."""
    if not ledger_db.startswith("postgresql://"):
        yield str(tmp_path / "reports.db")
        return
    schema = f"export_cli_{uuid4().hex[:10]}"
    try:
        yield f"{PG_URL}?schema={schema}"
    finally:
        _drop_schema(schema)


def _rows(path: Path, encoding: str = "utf-8-sig") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle))


def test_export_is_listed_and_every_subcommand_explains_itself() -> None:
    assert "export" in run("--help").output
    for sub in ("views", "insured", "table", "lookup"):
        result = run("export", sub, "--help")
        assert result.exit_code == 0 and "Example" in result.output, sub


def test_views_and_insured_by_pseudonym(ledger: str, tmp_path: Path) -> None:
    views, insured = tmp_path / "views.csv", tmp_path / "insured.jsonl"
    result = run("export", "views", "--db", ledger, "--to", str(views), "--as-of", "2025-12-31")
    assert result.exit_code == 0, result.output
    assert "wrote 11 rows (7 persons)" in result.output
    rows = _rows(views)
    assert KEY.pseudonym(PERSON) in {r["pseudonym"] for r in rows}
    assert PERSON not in views.read_text(encoding="utf-8-sig")
    result = run("export", "insured", "--db", ledger, "--to", str(insured), "--as-of", "2025-07-15")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in insured.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 7
    died = next(r for r in records if r["pseudonym"] == KEY.pseudonym("610902195011204534"))
    assert (died["psn_insu_stas"], died["paus_insu_date"]) == ("4", "2025-07-01")


def test_masked_ids_chinese_headers_and_gb18030(ledger: str, tmp_path: Path) -> None:
    path = tmp_path / "views.csv"
    result = run(
        "export", "views", "--db", ledger, "--to", str(path), "--ids", "mask",
        "--lang", "zh", "--encoding", "gb18030", "--as-of", "2025-12-31", key=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = _rows(path, "gb18030")
    assert "610902********1215" in {r["参保人（证件号已遮盖）"] for r in rows}
    assert {"参保年度", "实缴", "待遇享受期起", "适用规则"} <= set(rows[0])


def test_the_key_of_a_local_reporting_database(ledger: str, target: str, tmp_path: Path) -> None:
    # A target built without a key keeps a random one (docs/reporting.md): --key-from uses it,
    # so the export joins with the target.
    assert run("project", "--db", ledger, "--to", target, key=False).exit_code == 0
    persons = tmp_path / "persons.csv"
    result = run("export", "table", "persons", "--from", target, "--to", str(persons))
    assert result.exit_code == 0, result.output
    stored = {r["pseudonym"] for r in _rows(persons)}
    views = tmp_path / "views.csv"
    result = run(
        "export", "views", "--db", ledger, "--to", str(views), "--key-from", target, key=False
    )
    assert result.exit_code == 0, result.output
    assert {r["pseudonym"] for r in _rows(views)} <= stored
    # with a key of its own, the export must not claim to join with that target
    result = run("export", "views", "--db", ledger, "--to", str(views), "--key-from", target)
    assert_one_line_error(result, "not the one", "built with")


def test_reporting_tables_to_parquet(ledger: str, target: str, tmp_path: Path) -> None:
    assert run("project", "--db", ledger, "--to", target).exit_code == 0
    path = tmp_path / "periods.parquet"
    result = run("export", "table", "coverage_periods", "--from", target, "--to", str(path))
    assert result.exit_code == 0, result.output
    table = pq.read_table(path)
    assert table.column_names[:3] == ["pseudonym", "year", "policy"]
    assert KEY.pseudonym(PERSON) in table.column("pseudonym").to_pylist()


def test_all_lookups_into_a_directory(tmp_path: Path) -> None:
    out = tmp_path / "lookups"
    result = run("export", "lookup", "all", "--to", str(out), "--format", "jsonl", key=False)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.jsonl" for n in LOOKUPS)
    one = tmp_path / "regions.csv"
    assert run("export", "lookup", "regions", "--to", str(one), key=False).exit_code == 0
    assert {"code": "610902", "name": "汉滨区"}.items() <= next(
        r for r in _rows(one) if r["code"] == "610902"
    ).items()


def test_mistakes_are_one_line(ledger: str, tmp_path: Path) -> None:
    to = str(tmp_path / "views.csv")
    assert_one_line_error(
        run("export", "views", "--db", ledger, "--to", to, key=False),
        "LEDGER_PSEUDONYM_KEY",
        "--ids mask",
    )
    assert_one_line_error(
        run("export", "views", "--db", ledger, "--to", str(tmp_path / "views.xlsx")),
        "cannot tell the format",
        usage=True,
    )
    assert_one_line_error(
        run("export", "views", "--db", ledger, "--to", str(tmp_path / "v.parquet"),
            "--encoding", "gb18030"),
        "for CSV only", usage=True,
    )  # fmt: skip
    assert_one_line_error(
        run("export", "views", "--db", ledger, "--to", str(tmp_path / "no" / "v.csv")),
        "does not exist",
    )
    assert_one_line_error(
        run("export", "views", "--db", ledger, "--to", str(tmp_path)), "is a directory", usage=True
    )
    assert_one_line_error(
        run("export", "table", "persons", "--from", str(tmp_path / "none.db"), "--to", to),
    )
    down = "postgresql://postgres:secret@127.0.0.1:1/test?schema=x"
    assert_one_line_error(
        run("export", "table", "persons", "--from", down, "--to", to), "connection", "***"
    )
    assert_one_line_error(
        run("export", "views", "--db", ledger, "--to", to, "--key-from", down), "connection"
    )
    assert not list(tmp_path.glob("*.csv*")), "nothing written by a mistake"


def test_a_ledger_is_not_a_reporting_database(ledger: str, tmp_path: Path) -> None:
    to = str(tmp_path / "persons.csv")
    assert_one_line_error(
        run("export", "table", "persons", "--from", ledger, "--to", to), "reporting"
    )
    assert_one_line_error(
        run("export", "views", "--db", ledger, "--to", to, "--key-from", ledger), "reporting"
    )


def test_parquet_without_pyarrow_says_what_to_install(tmp_path: Path) -> None:
    result = run_without(
        {"pyarrow"}, "export", "lookup", "flags", "--to", str(tmp_path / "flags.parquet"),
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install -e '.[parquet]'" in lines[0], result.stderr
    assert not list(tmp_path.iterdir())
    result = run_without(
        {"pyarrow"}, "export", "lookup", "flags", "--to", str(tmp_path / "flags.csv"),
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_a_progress_bar_on_stderr_only_when_asked_or_on_a_terminal(
    ledger: str, tmp_path: Path
) -> None:
    to = str(tmp_path / "insured.csv")
    args = ["export", "insured", "--db", ledger, "--to", to, "--ids", "mask"]
    loud = CliRunner().invoke(main, [*args, "--progress"])
    assert loud.exit_code == 0, loud.output
    assert "export insured: 100%" in loud.stderr and "7/7" in loud.stderr
    assert loud.stdout.startswith("wrote 7 rows")  # the summary after the bar, on stdout
    quiet = CliRunner().invoke(main, args)
    assert quiet.exit_code == 0 and quiet.stderr == ""
