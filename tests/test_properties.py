"""Hypothesis properties on both backends.

- Random valid event sequences (several persons interleaved, dates in any order, unknown fields,
  random batch boundaries) round-trip through the store unchanged, in arrival order.
- Random garbage lines never crash the import; every one is rejected with a known reason.

Example counts are kept small (see ``SETTINGS``) so the suite stays fast; to hunt for bugs,
raise them with ``LEDGER_HYPOTHESIS_EXAMPLES=500``.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.aggregate import resident_id
from ledger.application import LedgerApp
from ledger.events import (
    EARLIEST_DATE,
    EVENT_MODELS,
    EVENT_TYPES,
    IDENTITY_CODES,
    LATE_REASONS,
    LATEST_DATE,
    MAX_AMOUNT,
    REFUND_REASONS,
    REJECT_REASONS,
    STATUS_LOSS_REASONS,
    EventBase,
    parse_event,
)
from ledger.importer import ImportFileError, import_file
from ledger.person_id import (
    InvalidPersonId,
    id_birth_date,
    is_id_number,
    normalise_person_id,
    validate_person_id,
)
from ledger.regions import all_regions
from tests.conftest import clear_ledger
from tests.support import VALID, id_number, read_rejects

SETTINGS = settings(
    max_examples=int(os.environ.get("LEDGER_HYPOTHESIS_EXAMPLES", "20")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

FIELD_NAMES = {name for model in EVENT_MODELS.values() for name in model.model_fields}

# ---------------------------------------------------------------- valid events

safe_text = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12
)
ident_text = safe_text.filter(lambda s: bool(s.strip()))

births = st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31))
id_numbers = st.builds(
    lambda region, birth, serial: id_number(f"{region}{birth:%Y%m%d}{serial}"),
    st.from_regex(r"\A[0-9]{6}\Z"),
    births,
    st.from_regex(r"\A[0-9]{3}\Z"),
)


def _opaque(text: str) -> bool:
    """A valid person id that is not an ID number (no digits of another script either: such
    an id is rejected, ``tests/test_person_id.py``)."""
    try:
        validate_person_id(text.strip())
    except InvalidPersonId:
        return False
    return not is_id_number(text.strip())


person_ids = st.one_of(
    id_numbers,
    id_numbers.map(str.lower),  # "…x" is normalised to "…X"
    ident_text.filter(_opaque),
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | safe_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(safe_text, children, max_size=3)
    ),
    max_leaves=6,
)
extras = st.dictionaries(
    safe_text.filter(lambda k: k not in FIELD_NAMES and k != "type"), json_values, max_size=3
)

offsets = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
# Within the contract's limits (docs/import.md, "Limits").
recorded_ats = st.none() | st.datetimes(
    min_value=datetime(EARLIEST_DATE.year, 1, 1),
    max_value=datetime(LATEST_DATE.year, 12, 31),
    timezones=offsets,
).map(lambda d: d.isoformat())
any_day = st.dates(min_value=EARLIEST_DATE, max_value=LATEST_DATE)
days = any_day.map(date.isoformat)
years = st.integers(1990, 2100)
regions = st.sampled_from([region.code for region in all_regions()])


def money(max_cents: int = int(MAX_AMOUNT * 100)) -> st.SearchStrategy[str]:
    cents = st.integers(0, max_cents)
    return st.one_of(
        cents.map(lambda c: f"{c // 100}.{c % 100:02d}"),
        cents.map(lambda c: str(c // 100)),
        cents.map(lambda c: f"{c // 100}.{c % 100 // 10}"),
    )


OWN_FIELDS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "registered": {"region": regions, "birth_date": days},
    "born": {"region": regions},
    "region_changed": {"region": regions},
    "paid": {"coverage_year": years, "amount": money()},
    "refunded": {
        "coverage_year": years,
        "amount": money(),
        "reason": st.sampled_from(REFUND_REASONS),
    },
    "identity_granted": {"identity": st.sampled_from(IDENTITY_CODES)},
    "identity_revoked": {"identity": st.sampled_from(IDENTITY_CODES)},
    "employee_insurance_started": {},
    "employee_insurance_stopped": {},
    "died": {},
    "reimbursed": {"year": years, "fund_amount": money()},
    "residence_permit_granted": {"region": regions},
    "resident_status_lost": {"reason": st.sampled_from(STATUS_LOSS_REASONS)},
}
OPTIONAL: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "registered": {"hukou_region": regions},
    "born": {"guardian_id": id_numbers, "hukou_region": regions},
    "paid": {
        "purpose": st.sampled_from(["contribution", "repair"]),
        "region": regions,
        "late_reason": st.sampled_from(LATE_REASONS),
        "receipt_id": ident_text,
        "channel": ident_text,
    },
    "refunded": {"region": regions},
    "identity_granted": {"recognized_on": days},
    "reimbursed": {
        "critical_illness_amount": money(),
        "reward_used": st.booleans(),
        "admitted_on": days,
        "discharged_on": days,
    },
}


@st.composite
def one_event(draw: st.DrawFn, kind: str, person_id: str, event_id: str) -> dict[str, Any]:
    """A valid event of ``kind``: for an ID number, dated on or after the birth it encodes
    (``born`` on it, ``registered`` with it as ``birth_date``), a guardian born before."""
    birth = id_birth_date(normalise_person_id(person_id))
    day = draw(st.dates(min_value=birth, max_value=LATEST_DATE)) if birth else draw(any_day)
    record: dict[str, Any] = {
        **draw(extras),
        "event_id": event_id,
        "person_id": person_id,
        "type": kind,
        "date": (birth if birth and kind == "born" else day).isoformat(),
    }
    recorded_at = draw(recorded_ats)
    if recorded_at is not None:
        record["recorded_at"] = recorded_at
    for name, strategy in OWN_FIELDS.get(kind, {}).items():
        record[name] = draw(strategy)
    if birth and kind == "registered":
        record["birth_date"] = birth.isoformat()
    for name, strategy in OPTIONAL.get(kind, {}).items():
        if draw(st.booleans()):
            record[name] = draw(strategy)
    guardian = record.get("guardian_id")
    if guardian is not None and id_birth_date(guardian) > date.fromisoformat(record["date"]):
        del record["guardian_id"]
    return record


@st.composite
def person_history(draw: st.DrawFn, person_id: str, tag: str) -> list[dict[str, Any]]:
    """Any history: events of any type in any order (I-order: the ledger stores them all;
    registration first or not at all, refunds above the payments, events after a death)."""
    ids = iter(f"{draw(ident_text)}#{tag}.{n}" for n in range(1000))
    kinds = draw(st.lists(st.sampled_from(EVENT_TYPES), min_size=1, max_size=7))
    return [draw(one_event(kind, person_id, next(ids))) for kind in kinds]


@st.composite
def arrivals(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[int]]:
    """Several persons' histories interleaved (each in its own order), and batch sizes."""
    people = draw(st.lists(person_ids, min_size=1, max_size=3, unique_by=lambda p: p.upper()))
    queues = [draw(person_history(p, str(i))) for i, p in enumerate(people)]
    labels = [i for i, q in enumerate(queues) for _ in q]
    order = draw(st.permutations(labels))
    merged = [queues[i].pop(0) for i in order]
    sizes = draw(st.lists(st.integers(1, 6), min_size=1, max_size=len(merged)))
    return merged, sizes


def chunks(items: list[Any], sizes: list[int]) -> list[list[Any]]:
    out, start = [], 0
    for size in sizes:
        if start >= len(items):
            break
        out.append(items[start : start + size])
        start += size
    if start < len(items):
        out.append(items[start:])
    return out


def comparable(stored: EventBase, original: EventBase) -> EventBase:
    """``stored`` without the ledger's clock (``stored_at``) and with ``recorded_at`` cleared
    when the ledger supplied it (from ``stored_at``)."""
    assert stored.stored_at is not None and stored.stored_at.utcoffset() is not None
    assert stored.recorded_at is not None and stored.recorded_at.utcoffset() is not None
    if original.recorded_at is None:
        assert stored.recorded_at == stored.stored_at
        assert "recorded_at" not in stored.model_fields_set
        return stored.model_copy(update={"recorded_at": None, "stored_at": None})
    assert stored.recorded_at.utcoffset() == original.recorded_at.utcoffset()
    return stored.model_copy(update={"stored_at": None})


@SETTINGS
@given(data=arrivals())
def test_valid_sequences_round_trip(app: LedgerApp, data: Any) -> None:
    records, sizes = data
    clear_ledger(app)
    parsed = [parse_event(r) for r in records]
    for batch in chunks(parsed, sizes):
        assert [o.status for o in app.append(batch)] == ["stored"] * len(batch), [
            o.message for o in app.append(batch)
        ]
    for person in {e.person_id for e in parsed}:
        mine = [e for e in parsed if e.person_id == person]
        stored = app.events_of(person)
        assert [comparable(s, o) for s, o in zip(stored, mine, strict=True)] == mine
        # The resident state the bulk path kept is the state a replay of the events gives.
        replayed = app.resident(person)
        assert replayed is not None
        [(_, _, version, state)] = app.ledger_recorder.select_resident_states([resident_id(person)])
        assert (version, state) == (replayed.version, replayed.compact_state())
    log = [e for _, e in app.read_log(1, 1000)]
    assert [comparable(s, o) for s, o in zip(log, parsed, strict=True)] == parsed
    # Everything again, in one batch: all already present.
    assert {o.status for o in app.append(parsed)} == {"present"}


# ---------------------------------------------------------------- garbage


def corrupt(record: dict[str, Any], how: str, noise: str) -> str:
    record = dict(record)
    if how == "drop":
        record.pop(noise and sorted(record)[len(noise) % 4] or "event_id", None)
        if all(k in record for k in ("event_id", "person_id", "type", "date")):
            record.pop("date")
    elif how == "type":
        record["type"] = noise if noise not in EVENT_TYPES else noise + "?"
    elif how == "amount":
        record = {**VALID["paid"], "amount": f"-{noise or 1}"}
    elif how == "date":
        record["date"] = noise + "-99"
    elif how == "check":
        record["person_id"] = "610902197003051210"
    elif how == "surrogate":
        return json.dumps({**record, "x": "\ud800" + noise})
    elif how == "truncate":
        text = json.dumps(record, ensure_ascii=False)
        return text[: 1 + len(noise) % (len(text) - 1)]
    return json.dumps(record, ensure_ascii=False)


garbage_lines = st.one_of(
    st.binary(max_size=80),
    st.text(max_size=80).map(lambda t: t.encode("utf-8", errors="surrogatepass")),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.builds(
        corrupt,
        st.sampled_from([VALID[k] for k in EVENT_TYPES]),
        st.sampled_from(["drop", "type", "amount", "date", "check", "surrogate", "truncate"]),
        safe_text,
    ).map(lambda s: s.encode("utf-8", errors="surrogatepass")),
)


def nonblank_line_numbers(content: bytes) -> list[int]:
    numbers = []
    for number, line in enumerate(content.split(b"\n"), start=1):
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if line.rstrip(b"\r").strip():
            numbers.append(number)
    return numbers


@SETTINGS
@given(lines=st.lists(garbage_lines, min_size=1, max_size=12))
def test_garbage_lines_are_all_rejected(
    app: LedgerApp, tmp_path_factory: pytest.TempPathFactory, lines: list[bytes]
) -> None:
    path: Path = tmp_path_factory.mktemp("garbage") / "garbage.jsonl"
    content = b"\n".join(lines) + b"\n"
    path.write_bytes(content)
    summary = import_file(app, path, batch_size=3)
    expected = nonblank_line_numbers(content)
    rejects = read_rejects(path)
    assert summary.stored == 0 and summary.present == 0
    assert summary.rejected == len(expected)
    assert [r["line"] for r in rejects] == expected
    assert all(r["reason"] in REJECT_REASONS and r["message"] for r in rejects)
    assert app.count_events() == 0


@SETTINGS
@given(
    rows=st.lists(st.text(max_size=60), min_size=1, max_size=8),
    encoding=st.sampled_from(["utf-8", "gb18030"]),
)
def test_garbage_csv_rows_never_crash(
    app: LedgerApp, tmp_path_factory: pytest.TempPathFactory, rows: list[str], encoding: str
) -> None:
    path: Path = tmp_path_factory.mktemp("garbage") / "garbage.csv"
    text = "event_id,person_id,type,date,amount,备注\n" + "\n".join(rows) + "\n"
    path.write_bytes(text.encode(encoding, errors="replace"))
    try:
        summary = import_file(app, path, batch_size=2)
    except ImportFileError as exc:  # too little text to tell the encoding: nothing stored
        assert "--encoding" in str(exc) and app.count_events() == 0
        summary = import_file(app, path, batch_size=2, encoding=encoding)
    rejects = read_rejects(path)
    assert summary.stored == 0
    assert summary.rejected == len(rejects)
    assert all(r["reason"] in REJECT_REASONS for r in rejects)
    assert app.count_events() == 0
