"""``ledger report`` end to end through the command line: from the store (real SQLite and
PostgreSQL) and from a file, the comparisons, and one-line errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main
from tests.report.support import EXAMPLE, EXAMPLE_PERSON, revised_policies

MASKED = "610926********0016"


def _invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["report", *args])


def test_report_from_the_store(ledger_db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["import", "--db", ledger_db, str(EXAMPLE)]).exit_code == 0
    out = tmp_path / "r.html"
    result = _invoke(EXAMPLE_PERSON, "--db", ledger_db, "--html", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert MASKED in html and EXAMPLE_PERSON not in html
    assert 'data-year="2025"' in html
    # the ledger's storage time of each event is shown, in China time
    assert "+08:00" in html.split('id="events"')[1].split("</table>")[0]
    # stored_on before anything was stored: nothing to report
    early = _invoke(EXAMPLE_PERSON, "--db", ledger_db, "--stored-on", "2000-01-01")
    assert early.exit_code == 0, early.output
    assert "7" in early.output.split('data-field="events"')[1].split("</tr>")[0]
    assert 'data-year="2025"' not in early.output


def test_report_from_a_file_to_stdout() -> None:
    result = _invoke(EXAMPLE_PERSON, "--events", str(EXAMPLE), "--as-of", "2024-12-31")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("<!doctype html>")
    assert "业务日期截至" in result.output and "2024-12-31" in result.output


def test_compare_known_on_from_a_file(tmp_path: Path) -> None:
    out = tmp_path / "c.html"
    result = _invoke(
        EXAMPLE_PERSON,
        "--events",
        str(EXAMPLE),
        "--compare-known-on",
        "2025-01-01",
        "2025-06-01T00:00:00+08:00",
        "--html",
        str(out),
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert 'data-year="2025" data-changed="yes"' in html
    assert 'data-kind="event_b"' in html
    assert "来源记录截至 2025-01-01T00:00:00+08:00" in html


def test_compare_policies_builtin_against_a_file(tmp_path: Path) -> None:
    revised = revised_policies(tmp_path)
    result = _invoke(
        EXAMPLE_PERSON, "--events", str(EXAMPLE), "--compare-policies", "builtin", str(revised)
    )
    assert result.exit_code == 0, result.output
    assert 'data-kind="parameter"' in result.output
    assert "固定待遇等待期（月）：3 → 2" in result.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["610926198003150017"], 1, "bad ID check digit"),
        (["P-NOBODY", "--events", str(EXAMPLE)], 1, "no events for person P-NOBODY"),
        ([EXAMPLE_PERSON, "--events", str(EXAMPLE), "--known-on", "soon"], 2, "not an ISO"),
        ([EXAMPLE_PERSON, "--events", str(EXAMPLE), "--known-on", "2025-01-01T00:00"], 2, "offset"),
        ([EXAMPLE_PERSON, "--events", str(EXAMPLE), "--as-of", "2025-13-01"], 2, "not an ISO date"),
        (
            [
                EXAMPLE_PERSON,
                "--events",
                str(EXAMPLE),
                "--compare-as-of",
                "2024-01-01",
                "2025-01-01",
                "--compare-known-on",
                "2024-01-01",
                "2025-01-01",
            ],
            2,
            "one comparison at a time",
        ),
        (
            [EXAMPLE_PERSON, "--events", str(EXAMPLE), "--compare-policies", "builtin", "no.toml"],
            2,
            "no such parameter file",
        ),
        (
            [EXAMPLE_PERSON, "--events", str(EXAMPLE), "--html", "/no-such-dir/r.html"],
            2,
            "the directory /no-such-dir does not exist",
        ),
        (
            [EXAMPLE_PERSON, "--events", str(EXAMPLE), "--pdf", "/no-such-dir/r.pdf"],
            2,
            "the directory /no-such-dir does not exist",
        ),
    ],
)
def test_mistakes_are_one_line(args: list[str], code: int, message: str) -> None:
    result = _invoke(*args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not re.search(r"[0-9]{17}[0-9X]", result.output)  # ID numbers masked


def test_pdf_without_chromium_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_CHROMIUM", str(tmp_path / "no-such-browser"))
    result = _invoke(EXAMPLE_PERSON, "--events", str(EXAMPLE), "--pdf", str(tmp_path / "r.pdf"))
    assert result.exit_code == 1
    assert "no Chromium found for --pdf" in result.output
