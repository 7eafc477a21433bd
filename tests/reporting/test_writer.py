"""The writer's rows: the stored form (``person_records``) against the typed rows the writer
produced before it wrote tuples directly (kept here as the reference), and against what the
targets give back."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import tempfile
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from itertools import groupby
from pathlib import Path
from typing import Any

from ledger.application import LedgerApp
from ledger.events import Event, parse_event
from policies import builtin_registry
from projections.person import PersonView, project_person
from projections.reporting.writer import (
    COLUMNS,
    TABLES,
    person_records,
    person_rows,
    read_persons,
    replace_persons,
)
from tests.reporting.conftest import FOLD, TEST_KEY, generated_events
from tests.reporting.test_projector import catch_up


def _reference_money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def reference_rows(
    view: Mapping[str, Any], pseudonym: str, *, events: int, position: int
) -> dict[str, list[dict[str, Any]]]:
    """``writer.person_rows`` as it was (9ce2aeb): table name → typed rows."""
    money = _reference_money
    years: Sequence[Mapping[str, Any]] = view.get("years") or []
    out: dict[str, list[dict[str, Any]]] = {table.name: [] for table in TABLES}
    last = years[-1] if years else None
    out["persons"].append(
        {
            "pseudonym": pseudonym,
            "events": events,
            "first_year": years[0]["year"] if years else None,
            "last_year": last["year"] if last else None,
            "years": len(years),
            "region": last.get("region") if last else None,
            "policy": last.get("policy") if last else None,
            "policy_revision": last.get("policy_revision") if last else None,
            "position": position,
        }
    )
    for year_view in years:
        produced = {
            "pseudonym": pseudonym,
            "year": int(year_view["year"]),
            "policy": year_view.get("policy"),
            "policy_revision": year_view.get("policy_revision"),
            "position": position,
        }
        contribution = year_view.get("contribution") or {}
        out["contribution_years"].append(
            {
                **produced,
                "region": year_view.get("region"),
                "enrolled": bool(year_view.get("enrolled")),
                "standard": money(contribution.get("standard")),
                "subsidy": money(contribution.get("subsidy")),
                "subsidy_identity": contribution.get("subsidy_identity"),
                "subsidy_mode": contribution.get("subsidy_mode"),
                "individual_due": money(contribution.get("individual_due")),
                "paid": money(contribution.get("paid")),
                "refunded": money(contribution.get("refunded")),
                "basis": " ".join(year_view.get("basis") or ()),
            }
        )
        for seq, period in enumerate(year_view.get("coverage") or ()):
            start = date.fromisoformat(period["start"])
            end = date.fromisoformat(period["end"])
            out["coverage_periods"].append(
                {
                    **produced,
                    "seq": seq,
                    "start_date": start,
                    "end_date": end,
                    "days": (end - start).days + 1,
                }
            )
        waiting = year_view.get("waiting")
        if waiting:
            out["waiting_periods"].append(
                {
                    **produced,
                    **{
                        k: int(waiting.get(k) or 0)
                        for k in (
                            "fixed_months",
                            "variable_months",
                            "repaired_months",
                            "total_months",
                        )
                    },
                }
            )
        continuity = year_view.get("continuity")
        if continuity:
            out["continuity_years"].append(
                {
                    **produced,
                    "consecutive_years": int(continuity.get("consecutive_years") or 0),
                    "break_years": int(continuity.get("break_years") or 0),
                }
            )
        cap = year_view.get("critical_illness_cap")
        if cap:
            out["cap_adjustments"].append(
                {
                    **produced,
                    **{
                        k: money(cap.get(k)) or Decimal("0.00")
                        for k in (
                            "continuity_bonus",
                            "zero_claim_bonus",
                            "break_penalty",
                            "net_adjustment",
                        )
                    },
                    "bonus_ceiling": money(cap.get("bonus_ceiling")),
                }
            )
        reasons: Mapping[str, str] = year_view.get("reasons") or {}
        for flag in sorted(set(year_view.get("flags") or ()) | set(reasons)):
            out["flags"].append({**produced, "flag": flag, "reason": reasons.get(flag)})
    return out


def reference_sqlite_value(value: Any) -> Any:
    """``writer._sqlite_value`` as it was: what the SQLite target received."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _views() -> list[tuple[Mapping[str, Any], int]]:
    events = sorted(generated_events(3000, seed=11), key=lambda e: e.person_id)
    views: list[tuple[Mapping[str, Any], int]] = []
    for _, group in groupby(events, key=lambda e: e.person_id):
        history: list[Event] = list(group)
        views.append((FOLD(history), len(history)))
    return views


def _odd_views(view: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Edge cases the fold rarely gives: zero caps of either sign, missing parts, reasons
    without flags, no years."""
    odd: list[Mapping[str, Any]] = [{"person_id": view["person_id"], "years": []}]
    changed = copy.deepcopy(dict(view))
    for y in changed["years"]:
        y["critical_illness_cap"] = {
            "continuity_bonus": "-0.00",
            "zero_claim_bonus": None,
            "break_penalty": "0.00",
            "net_adjustment": "12.50",
            "bonus_ceiling": None,
        }
        y["reasons"] = {"policy_missing": "no version for 610902 in 2031"}
        y["flags"] = []
        y["waiting"] = None
        y["continuity"] = {}
        y["contribution"] = {"standard": "0.00", "paid": "1200.10"}
    odd.append(changed)
    return odd


def test_records_equal_the_reference_rows() -> None:
    views = _views()
    assert len(views) > 100
    views += [(v, 1) for v in _odd_views(views[0][0])]
    for i, (view, events) in enumerate(views):
        pseudonym = f"p{i:04d}"
        reference = reference_rows(view, pseudonym, events=events, position=10 * i)
        records = person_records(view, pseudonym, events=events, position=10 * i)
        assert records.pseudonym == pseudonym
        for table, rows in zip(TABLES, records.tables, strict=True):
            expected = [
                tuple(reference_sqlite_value(row[c]) for c in COLUMNS[table.name])
                for row in reference[table.name]
            ]
            assert [tuple(reference_sqlite_value(v) for v in row) for row in rows] == expected, (
                table.name
            )
            # the driver gets the same text as before: Decimal(text) round-trips exactly
            for row, ref in zip(rows, reference[table.name], strict=True):
                for column, value in zip(COLUMNS[table.name], row, strict=True):
                    assert type(value) is not Decimal and not isinstance(value, date)
                    if isinstance(ref[column], Decimal):
                        assert value == str(ref[column])
        typed = person_rows(view, pseudonym, events=events, position=10 * i)
        # The per-year tables no longer repeat the pseudonym (schema 0002): persons has it.
        reference = {
            name: [
                {k: v for k, v in row.items() if k != "pseudonym" or name == "persons"}
                for row in rows
            ]
            for name, rows in reference.items()
        }
        assert typed.tables == reference
        for name, rows in typed.tables.items():
            for row, ref in zip(rows, reference[name], strict=True):
                assert {k: type(v) for k, v in row.items()} == {k: type(v) for k, v in ref.items()}


def test_targets_read_back_the_typed_rows(store: LedgerApp, make_db: Callable[[str], str]) -> None:
    store.append(generated_events(800, seed=5))
    p = catch_up(store, make_db("target"))
    person_ids = list(store.person_ids())
    pseudonyms = {TEST_KEY.pseudonym(pid): pid for pid in person_ids}
    with p.engine.connect() as conn:
        stored = read_persons(conn, list(pseudonyms))
    assert set(stored) == set(pseudonyms)
    for pseudonym, pid in pseudonyms.items():
        events = store.events_of(pid)
        got = stored[pseudonym].tables
        position = got["persons"][0]["position"]
        expected = person_rows(FOLD(events), pseudonym, events=len(events), position=position)
        for table in TABLES:
            keys = [c.name for c in table.primary_key.columns if c.name != "person_key"]
            rows = sorted(got.get(table.name, []), key=lambda r: [r[k] for k in keys])
            assert rows == expected.tables[table.name], table.name


CASES = Path("/work/shared/cases")


def _case_views() -> list[PersonView]:
    """The fold of every person of the acceptance cases (with their added policy versions),
    when the cases are at hand."""
    views: list[PersonView] = []
    for path in sorted(CASES.glob("*.json")) if CASES.is_dir() else []:
        case = json.loads(path.read_text(encoding="utf-8"))
        registry = builtin_registry()
        if case.get("policies"):
            policy_file = Path(tempfile.mkdtemp()) / "policies.json"
            policy_file.write_text(json.dumps({"versions": case["policies"]}), encoding="utf-8")
            registry = registry.with_file(policy_file)
        events = sorted((parse_event(e) for e in case["events"]), key=lambda e: e.person_id)
        for _, group in groupby(events, key=lambda e: e.person_id):
            views.append(project_person(list(group), registry))
    return views


def test_records_of_the_person_view_equal_those_of_its_dict() -> None:
    """The projector writes the fold's PersonView without building its dict: same rows."""
    registry = builtin_registry()
    events = sorted(generated_events(3000, seed=13), key=lambda e: e.person_id)
    views = [
        project_person(list(group), registry)
        for _, group in groupby(events, key=lambda e: e.person_id)
    ]
    views += _case_views()
    assert len(views) > 100
    seen_tables = set()
    for i, view in enumerate(views):
        direct = person_records(view, f"p{i}", events=i + 1, position=7 * i)
        via_dict = person_records(view.to_dict(), f"p{i}", events=i + 1, position=7 * i)
        assert direct == via_dict, view.person_id
        seen_tables.update(t for t, rows in zip(COLUMNS, direct.tables, strict=True) if rows)
    assert seen_tables == set(COLUMNS)
    empty = PersonView("610902197003051215", date(2026, 1, 1))
    assert person_records(empty, "p", events=1, position=1) == person_records(
        empty.to_dict(), "p", events=1, position=1
    )


def test_pseudonym_is_the_hmac_sha256_of_the_id() -> None:
    for person_id in ("610902197003051215", "61090220250110001X"):
        expected = hmac.new(TEST_KEY.secret, person_id.encode(), hashlib.sha256).hexdigest()
        assert TEST_KEY.pseudonym(person_id) == expected


def _year(year: int, periods: int) -> dict[str, Any]:
    return {
        "year": year,
        "region": "610902",
        "enrolled": True,
        "coverage": [
            {"start": f"{year}-{m + 1:02d}-01", "end": f"{year}-{m + 1:02d}-28"}
            for m in range(periods)
        ],
        "flags": ["paid_outside_window"] if periods > 1 else [],
        "basis": [],
    }


def test_replacing_drops_old_rows_and_adds_new_persons(
    store: LedgerApp, make_db: Callable[[str], str]
) -> None:
    """Persons already in the target lose every old row (here: a year, a period and a flag
    fewer); persons new to it are only inserted; others are left alone."""
    p = catch_up(store, make_db("target"))  # an empty ledger: just the schema
    before = {"years": [_year(2024, 2), _year(2025, 2)]}
    after = {"years": [_year(2025, 1)]}
    with p.engine.begin() as conn:
        replace_persons(
            conn,
            [
                person_records(before, "a" * 64, events=3, position=3),
                person_records(before, "c" * 64, events=3, position=3),
            ],
        )
    with p.engine.begin() as conn:
        replace_persons(
            conn,
            [
                person_records(after, "a" * 64, events=4, position=9),
                person_records(after, "b" * 64, events=1, position=9),
            ],
        )
    with p.engine.connect() as conn:
        stored = read_persons(conn, ["a" * 64, "b" * 64, "c" * 64])
    for pseudonym in ("a" * 64, "b" * 64):
        expected = person_rows(after, pseudonym, events=4 if pseudonym[0] == "a" else 1, position=9)
        got = stored[pseudonym].tables
        assert {t: got.get(t, []) for t in expected.tables} == expected.tables
    assert len(stored["c" * 64].tables["coverage_periods"]) == 4


def test_amount_text_keeps_the_sign_of_zero_and_equal_amounts_agree() -> None:
    from projections.reporting.writer import _fmt

    for amounts in (
        ["400", "400.00", "4E+2", "400.000"],
        ["0.005", "0.00500"],
        ["-25", "-25.0"],
    ):
        texts = {_fmt(Decimal(a)) for a in amounts}
        assert texts == {f"{Decimal(amounts[0]):.2f}"}, amounts
    assert _fmt(Decimal("0.00")) == "0.00"
    assert _fmt(Decimal("-0.00")) == "-0.00"
    assert _fmt(Decimal("0")) == "0.00"
    assert _fmt(None) is None
