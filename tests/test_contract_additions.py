"""The contract's additions (INTERCHANGE.md): ``paid.region``, ``paid.late_reason``,
``refunded.region``, ``hukou_region``, ``residence_permit_granted``, ``resident_status_lost``,
``reimbursed.admitted_on``/``discharged_on``, the identities ``veteran_spouse`` and
``returning_graduate`` — accepted and validated, from CSV columns as from JSON Lines, stored,
shown by history, and handed to the policies. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import projections.person as fold
from ledger.application import LedgerApp
from ledger.cli import main
from ledger.events import InvalidEvent, parse_event
from ledger.importer import import_file
from policies import builtin_registry
from tests.support import VALID, read_rejects, write_jsonl

EXAMPLE = Path(__file__).parent.parent / "examples" / "contract_additions.csv"
MIGRANT = "610924196508123425"
GRADUATE = "610100199909012346"

EXPECTED: dict[str, dict[str, Any]] = {
    "ca-01": {"type": "registered", "region": "610924", "hukou_region": "340321"},
    "ca-02": {"type": "residence_permit_granted", "region": "610902"},
    "ca-03": {
        "type": "identity_granted",
        "identity": "veteran_spouse",
        "recognized_on": date(2024, 2, 20),
    },
    "ca-04": {
        "type": "paid",
        "region": "610902",
        "late_reason": "not_own_fault",
        "amount": Decimal("400.00"),
    },
    "ca-05": {"type": "refunded", "region": "610924", "reason": "other_region"},
    "ca-06": {
        "type": "reimbursed",
        "year": 2025,
        "admitted_on": date(2025, 12, 20),
        "discharged_on": date(2026, 1, 5),
    },
    "ca-07": {"type": "registered", "hukou_region": "610100"},
    "ca-08": {"type": "identity_granted", "identity": "returning_graduate"},
    "ca-09": {"type": "resident_status_lost", "reason": "enlisted"},
}


@pytest.fixture
def imported(app: LedgerApp, tmp_path: Path) -> LedgerApp:
    path = tmp_path / EXAMPLE.name
    path.write_bytes(EXAMPLE.read_bytes())
    summary = import_file(app, path)
    assert (summary.stored, summary.rejected) == (9, 0), summary.reasons
    return app


def test_every_new_column_is_stored_with_its_value(imported: LedgerApp, tmp_path: Path) -> None:
    stored = {e.event_id: e for p in (MIGRANT, GRADUATE) for e in imported.events_of(p)}
    assert set(stored) == set(EXPECTED)
    for event_id, fields in EXPECTED.items():
        event = stored[event_id]
        for name, value in fields.items():
            got = getattr(event, name)
            assert got == value and type(got) is type(value), (event_id, name, got)
    # Empty cells are absent: the CSV's other columns do not appear as fields.
    assert stored["ca-02"].model_dump(exclude_none=True).keys() >= {"region"}
    assert "late_reason" not in stored["ca-02"].model_dump(exclude_none=True)
    assert stored["ca-01"].model_extra == {"经办机构": "紫阳县医保中心"}
    # The same events as JSON Lines are the same records: nothing new, no conflict.
    again = write_jsonl(
        tmp_path / "same.jsonl",
        [
            {**e.model_dump(mode="json", exclude_none=True), "recorded_at": None}
            for e in stored.values()
        ],
    )
    summary = import_file(imported, again)
    assert (summary.present, summary.rejected) == (9, 0)


def test_history_shows_the_new_fields(imported: LedgerApp, ledger_db: str) -> None:
    runner = CliRunner()
    table = runner.invoke(main, ["history", MIGRANT, "--db", ledger_db])
    assert table.exit_code == 0, table.output
    for text in (
        "hukou_region=340321",
        "residence_permit_granted",
        "identity=veteran_spouse",
        "late_reason=not_own_fault",
        "region=610902",
        "reason=other_region",
        "admitted_on=2025-12-20",
        "discharged_on=2026-01-05",
    ):
        assert text in table.output, text
    records = json.loads(
        runner.invoke(main, ["history", GRADUATE, "--db", ledger_db, "--format", "json"]).output
    )
    assert [r["type"] for r in records] == [
        "registered",
        "identity_granted",
        "resident_status_lost",
    ]
    assert records[2]["reason"] == "enlisted" and records[1]["identity"] == "returning_graduate"


def test_the_new_fields_reach_the_policies(
    imported: LedgerApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fold hands the policies (PersonFacts) every event, new types and fields intact."""
    seen: list[Any] = []
    real = fold.PersonFacts.from_events

    def spy(person_id: str, events: Any) -> Any:
        facts = real(person_id, events)
        seen.append(facts)
        return facts

    monkeypatch.setattr(fold.PersonFacts, "from_events", spy)
    fold.project_person(imported.events_of(MIGRANT), builtin_registry(), as_of=date(2026, 12, 31))
    [facts] = seen
    by_id = {e.event_id: e for e in facts.events}
    assert by_id["ca-02"].type == "residence_permit_granted"
    assert by_id["ca-04"].late_reason == "not_own_fault" and by_id["ca-04"].region == "610902"
    assert by_id["ca-05"].region == "610924"
    assert by_id["ca-06"].discharged_on == date(2026, 1, 5)
    assert by_id["ca-01"].hukou_region == "340321"
    assert facts.contributions[2025][0].late_reason == "not_own_fault"


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({**VALID["paid"], "late_reason": "forgot"}, "bad_value"),
        ({**VALID["paid"], "region": "999999"}, "unknown_region"),
        ({**VALID["refunded"], "region": "12"}, "unknown_region"),
        ({**VALID["registered"], "hukou_region": "999999"}, "unknown_region"),
        ({**VALID["born"], "hukou_region": "x"}, "unknown_region"),
        ({**VALID["residence_permit_granted"], "region": None}, "missing_field"),
        ({**VALID["resident_status_lost"], "reason": "retired"}, "bad_value"),
        ({**VALID["resident_status_lost"], "reason": ""}, "missing_field"),
        ({**VALID["reimbursed"], "admitted_on": "2025-02-30"}, "bad_date"),
        ({**VALID["reimbursed"], "discharged_on": "20250530"}, "bad_date"),
        ({**VALID["identity_granted"], "identity": "veteran_wife"}, "unknown_identity"),
    ],
)
def test_the_new_fields_are_validated(
    app: LedgerApp, tmp_path: Path, record: dict[str, Any], reason: str
) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [record])
    summary = import_file(app, path)
    assert summary.rejected == 1
    [reject] = read_rejects(path)
    assert reject["reason"] == reason, reject["message"]
    # The model says the same.
    with pytest.raises(InvalidEvent) as info:
        parse_event({k: v for k, v in record.items() if v is not None})
    assert info.value.reason == reason


def test_new_identities_are_known() -> None:
    for identity in ("veteran_spouse", "returning_graduate"):
        assert parse_event({**VALID["identity_granted"], "identity": identity}).identity == identity


def test_every_reject_reason_is_documented() -> None:
    from ledger.events import REJECT_REASONS

    text = (Path(__file__).parent.parent / "docs" / "import.md").read_text(encoding="utf-8")
    for reason in REJECT_REASONS:
        assert f"| `{reason}` |" in text, reason
