"""Shared test data and helpers: valid events of every type, ID numbers, file writers."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from ledger.person_id import check_digit, id_birth_date, validate_person_id

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path | None:
    """The shared spec, seeds and acceptance cases: ``$LEDGER_SHARED``, else ``shared/`` beside
    the repository or beside one of its ancestors (``None``: not at hand, the tests that need
    it are skipped)."""
    given = os.environ.get("LEDGER_SHARED")
    if given:
        return Path(given) if (Path(given) / "cases").is_dir() else None
    for parent in REPO.parents:
        if (parent / "shared" / "cases").is_dir():
            return parent / "shared"
    return None


PERSON = "610902197003051215"
"""A valid ID number (汉滨区, born 1970-03-05)."""
OTHER = "610924196508123425"
BAD_CHECK = "610902197003051210"
"""PERSON with a wrong check digit."""


def id_number(body17: str) -> str:
    """A valid 18-character ID number from its first 17 digits."""
    return body17 + check_digit(body17)


NEWBORN = id_number("61090220250110001")
"""Ends in X."""

# One valid example of every event type of INTERCHANGE.md, all for PERSON (NEWBORN for
# ``born``), in an order the ledger accepts (registration first, death last).
VALID: dict[str, dict[str, Any]] = {
    "registered": {
        "event_id": "v-registered",
        "person_id": PERSON,
        "type": "registered",
        "date": "2018-01-01",
        "region": "610902",
        "birth_date": "1970-03-05",
        "hukou_region": "610902",
    },
    "region_changed": {
        "event_id": "v-region_changed",
        "person_id": PERSON,
        "type": "region_changed",
        "date": "2019-05-01",
        "region": "610924",
    },
    "identity_granted": {
        "event_id": "v-identity_granted",
        "person_id": PERSON,
        "type": "identity_granted",
        "date": "2023-03-01",
        "identity": "dibao",
        "recognized_on": "2023-02-20",
    },
    "paid": {
        "event_id": "v-paid",
        "person_id": PERSON,
        "type": "paid",
        "date": "2024-10-10",
        "coverage_year": 2025,
        "amount": "400",
        "purpose": "contribution",
        "region": "610902",
        "receipt_id": "R-2024-0101",
        "channel": "tax_app",
    },
    "refunded": {
        "event_id": "v-refunded",
        "person_id": PERSON,
        "type": "refunded",
        "date": "2024-12-01",
        "coverage_year": 2025,
        "amount": "150.5",
        "reason": "employee_insurance",
        "region": "610902",
    },
    "residence_permit_granted": {
        "event_id": "v-residence_permit_granted",
        "person_id": PERSON,
        "type": "residence_permit_granted",
        "date": "2020-04-01",
        "region": "610924",
    },
    "resident_status_lost": {
        "event_id": "v-resident_status_lost",
        "person_id": PERSON,
        "type": "resident_status_lost",
        "date": "2025-08-01",
        "reason": "enlisted",
    },
    "identity_revoked": {
        "event_id": "v-identity_revoked",
        "person_id": PERSON,
        "type": "identity_revoked",
        "date": "2025-01-01",
        "identity": "dibao",
    },
    "employee_insurance_started": {
        "event_id": "v-employee_insurance_started",
        "person_id": PERSON,
        "type": "employee_insurance_started",
        "date": "2025-02-01",
    },
    "employee_insurance_stopped": {
        "event_id": "v-employee_insurance_stopped",
        "person_id": PERSON,
        "type": "employee_insurance_stopped",
        "date": "2025-03-01",
    },
    "reimbursed": {
        "event_id": "v-reimbursed",
        "person_id": PERSON,
        "type": "reimbursed",
        "date": "2025-06-01",
        "year": 2025,
        "fund_amount": "1860.50",
        "critical_illness_amount": "0",
        "reward_used": False,
        "admitted_on": "2025-05-20",
        "discharged_on": "2025-05-30",
    },
    "died": {
        "event_id": "v-died",
        "person_id": PERSON,
        "type": "died",
        "date": "2025-06-30",
        "recorded_at": "2025-07-03T09:30:00+08:00",
    },
    "born": {
        "event_id": "v-born",
        "person_id": NEWBORN,
        "type": "born",
        "date": "2025-01-10",
        "region": "610902",
        "guardian_id": PERSON,
    },
}


def registered(person_id: str = PERSON, event_id: str | None = None, **fields: Any) -> dict:
    """A ``registered`` event for ``person_id``; ``birth_date`` is the one an ID number
    encodes (1970-03-05 for other ids)."""
    birth = id_birth_date(validate_person_id(person_id)) if "\x00" not in person_id else None
    return {
        "event_id": event_id or f"reg-{person_id}",
        "person_id": person_id,
        "type": "registered",
        "date": "2018-01-01",
        "region": "610902",
        "birth_date": birth.isoformat() if birth else "1970-03-05",
        **fields,
    }


def paid(event_id: str, person_id: str = PERSON, year: int = 2025, amount: str = "400", **f: Any):
    """A ``paid`` contribution."""
    return {
        "event_id": event_id,
        "person_id": person_id,
        "type": "paid",
        "date": f"{year - 1}-10-10",
        "coverage_year": year,
        "amount": amount,
        **f,
    }


def write_jsonl(path: Path, lines: Iterable[dict[str, Any] | str | bytes]) -> Path:
    """One line per item: dicts as JSON, strings as they are (UTF-8), bytes as they are."""
    with open(path, "wb") as f:
        for line in lines:
            if isinstance(line, dict):
                line = json.dumps(line, ensure_ascii=False)
            f.write((line if isinstance(line, bytes) else line.encode("utf-8")) + b"\n")
    return path


def read_rejects(path: Path) -> list[dict[str, Any]]:
    """The records of ``FILE.rejects.jsonl`` for ``path`` (empty when there is none)."""
    rejects = path.with_name(path.name + ".rejects.jsonl")
    if not rejects.exists():
        return []
    # Split on "\n" only: U+0085 or U+2028 inside a JSON string is not a line break.
    text = rejects.read_text(encoding="utf-8")
    return [json.loads(line) for line in text.split("\n") if line]


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: CJK characters (East Asian wide or fullwidth)
    two, others one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def cell_starts(line: str) -> list[int]:
    """The display columns where the cells of a table line start: cells are apart by two
    spaces or more (one space may be inside a cell: ``610902 汉滨区``)."""
    starts = []
    column = 0
    gap = 2
    for ch in line:
        if ch != " " and gap >= 2:
            starts.append(column)
        gap = gap + 1 if ch == " " else 0
        column += display_width(ch)
    return starts


def assert_aligned(text: str) -> list[str]:
    """Check that every line of each table in ``text`` (header, dashes, rows up to a blank or
    indented line) starts its cells at the display columns where the dashes under the header
    start; the lines of ``text``. At least one table must be there."""
    lines = text.splitlines()
    tables = [i for i, line in enumerate(lines) if line and set(line) <= {"-", " "}]
    assert tables, f"no table in {text!r}"
    for dashes in tables:
        rule = lines[dashes]
        starts = [i for i, ch in enumerate(rule) if ch == "-" and (i == 0 or rule[i - 1] == " ")]
        rows = [lines[dashes - 1]]
        for line in lines[dashes + 1 :]:
            if not line or line.startswith(" "):
                break
            rows.append(line)
        for line in rows:
            assert cell_starts(line) == starts, (
                f"{line!r}: cells at {cell_starts(line)}, not {starts}"
            )
    return lines


def load_script(name: str) -> ModuleType:
    """``scripts/<name>.py`` loaded as a module (the scripts are not a package), a fresh one
    each call: a test may set its module constants. Registered under ``name`` in
    ``sys.modules``: its dataclasses look their module up."""
    script = Path(__file__).parent.parent / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def write_generated_events(path: Path, events: int, seed: int) -> list[str]:
    """``events`` events of ``scripts/gen_events.py`` written to ``path``; their ids, in
    file order."""
    load_script("gen_events").write(path, events, seed=seed)
    return [json.loads(line)["event_id"] for line in path.read_text().splitlines()]


def child_processes(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux's /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def process_alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, ended but not yet reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
