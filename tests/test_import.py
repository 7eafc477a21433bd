"""Import through ``ledger.importer`` on both backends: rejects, idempotency, CSV, interruption."""

from __future__ import annotations

import _thread
import codecs
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import ledger.importer as importer
from ledger.aggregate import resident_id
from ledger.application import LedgerApp, open_ledger
from ledger.events import (
    MAX_LINE_BYTES,
    REJECT_REASONS,
    EventBase,
    EventKey,
    canonical_json,
    parse_event,
)
from ledger.importer import (
    ImportFileError,
    ImportInterrupted,
    ImportSummary,
    detect_encoding,
    import_file,
    import_files,
    read_events,
    rejects_path_for,
)
from ledger.person_id import mask_ids_in
from ledger.sqlite_writer import SQLiteWriterProcess
from ledger.store import is_write_conflict
from tests.conftest import execute_sql
from tests.support import (
    BAD_CHECK,
    NEWBORN,
    OTHER,
    PERSON,
    VALID,
    id_number,
    paid,
    read_rejects,
    registered,
    write_jsonl,
)

Line = dict[str, Any] | str | bytes

REG = registered(PERSON, "r-1")
PAY = paid("p-1", amount="400")
LATER = paid("p-later", year=2026)

# reason → (lines before, the bad line, lines after); every good line must be stored.
CASES: dict[str, tuple[list[Line], Line, list[Line]]] = {
    "invalid_json": ([REG], '{"event_id": "x-1", "person_id": "P", "type": "died"', [PAY]),
    "missing_field": ([REG], {k: v for k, v in paid("x-2").items() if k != "date"}, [PAY]),
    "unknown_type": ([REG], {**paid("x-3"), "type": "transferred"}, [PAY]),
    "unknown_identity": (
        [REG],
        {**VALID["identity_granted"], "event_id": "x-4", "identity": "vip"},
        [PAY],
    ),
    "bad_check_digit": ([REG], paid("x-5", person_id=BAD_CHECK), [PAY]),
    "bad_id_birth_date": ([REG], paid("x-5b", person_id=id_number("61090219701305123")), [PAY]),
    "id_birth_after_date": ([REG], {**paid("x-5c"), "date": "1970-03-04"}, [PAY]),
    "birth_date_mismatch": ([], registered(PERSON, "x-5d", birth_date="1980-03-05"), [REG, PAY]),
    "bad_amount": ([REG], paid("x-6", amount="-400"), [PAY]),
    "unknown_region": ([], registered(PERSON, "x-7", region="999999"), [REG, PAY]),
    "bad_date": ([REG], {**paid("x-8"), "date": "2024-02-30"}, [PAY]),
    "bad_value": ([REG], {**paid("x-9"), "purpose": "gift"}, [PAY]),
    "too_long": ([REG], paid("x-" + "y" * 300), [PAY]),
    "bad_encoding": (
        [REG],
        json.dumps(paid("x-10", channel="柜台"), ensure_ascii=False).encode("gb18030"),
        [PAY],
    ),
    "conflict": ([REG, PAY], paid("p-1", amount="380"), [LATER]),
}


def event_id_of(line: Line) -> str | None:
    return line.get("event_id") if isinstance(line, dict) else None


def stored_ids(app: LedgerApp, *persons: str) -> list[str]:
    return [e.event_id for p in persons or (PERSON,) for e in app.events_of(p)]


def test_every_reject_reason_has_a_case() -> None:
    # bad_row is CSV-only: see test_csv_bad_row.
    assert set(CASES) | {"bad_row"} == set(REJECT_REASONS)


@pytest.mark.parametrize("reason", sorted(CASES))
def test_reject_reason(app: LedgerApp, tmp_path: Path, reason: str) -> None:
    before, bad, after = CASES[reason]
    path = write_jsonl(tmp_path / "events.jsonl", [*before, bad, *after])
    summary = import_file(app, path)

    good = [line for line in [*before, *after] if isinstance(line, dict)]
    assert (summary.stored, summary.present, summary.rejected) == (len(good), 0, 1)
    assert summary.reasons == {reason: 1}
    assert summary.rejects_path == rejects_path_for(path)
    [reject] = read_rejects(path)
    if isinstance(bad, bytes):
        raw = bad.decode("utf-8", errors="replace")
    else:
        raw = bad if isinstance(bad, str) else json.dumps(bad, ensure_ascii=False)
    assert reject["line"] == len(before) + 1
    assert reject["reason"] == reason
    # ID numbers masked (the line number and the event id find the line).
    assert reject["raw"] == mask_ids_in(raw) and PERSON not in reject["raw"]
    assert reject["message"]
    if reason not in ("invalid_json", "bad_encoding"):
        expected_id = event_id_of(bad)
        if reason == "too_long":  # cut to the length an event id may have
            assert expected_id is not None
            expected_id = expected_id[:255] + "…"
        assert reject["event_id"] == expected_id
    # The good lines around the bad one are stored, in file order.
    assert stored_ids(app) == [event_id_of(line) for line in good]
    assert app.count_events() == len(good)


def test_all_reasons_in_one_file(app: LedgerApp, tmp_path: Path) -> None:
    """One file mixing every JSONL reject with good lines and blank lines: line numbers count
    every physical line, good lines are all stored, rejects are in line order."""
    lines: list[Line] = [REG, PAY]
    expected: list[tuple[int, str]] = []
    for n, reason in enumerate(sorted(CASES)):
        _, bad, _ = CASES[reason]
        if isinstance(bad, dict) and bad.get("event_id", "").startswith("x-"):
            bad = {**bad, "event_id": f"{bad['event_id']}-{n}"}
        lines.append(bad)
        expected.append((len(lines), reason))
        lines.append("")
    lines.append(LATER)
    path = write_jsonl(tmp_path / "mixed.jsonl", lines)
    summary = import_file(app, path, batch_size=4)
    rejects = read_rejects(path)
    assert [(r["line"], r["reason"]) for r in rejects] == expected
    assert summary.rejected == len(expected)
    assert stored_ids(app) == ["r-1", "p-1", "p-later"]
    assert summary.stored == 3


@pytest.mark.parametrize(
    "bad",
    [
        b"[1, 2, 3]",
        b'"just a string"',
        b"null",
        b'{"a": NaN}',
        b'{"a": -Infinity}',
        b'{"event_id": "\\ud800", "person_id": "P", "type": "died", "date": "2024-01-01"}',
        b'{"event_id": "s", "person_id": "P","type": "died", "date": "2024-01-01", "n": "\\udc00"}',
        b"[" * 5000 + b"]" * 5000,
    ],
)
def test_invalid_json_forms(app: LedgerApp, tmp_path: Path, bad: bytes) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(json.dumps(REG).encode() + b"\n" + bad + b"\n")
    summary = import_file(app, path)
    assert (summary.stored, summary.rejected) == (1, 1)
    assert [(r["line"], r["reason"]) for r in read_rejects(path)] == [(2, "invalid_json")]


def test_surrogate_pair_escapes_are_text(app: LedgerApp, tmp_path: Path) -> None:
    path = tmp_path / "emoji.jsonl"
    path.write_text(json.dumps({**REG, "note": "\U0001f600"}) + "\n", encoding="utf-8")
    assert "\\ud83d\\ude00" in path.read_text()
    assert import_file(app, path).stored == 1
    assert app.events_of(PERSON)[0].note == "\U0001f600"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('"n": 123456789012345678901234567890', 123456789012345678901234567890),
        ('"n": 0.30000000000000004', 0.30000000000000004),
        ('"n": [1, 2.5, -0.0]', [1, 2.5, -0.0]),
        ('"coverage_year": 20250000000000000000000', None),
    ],
)
def test_lines_read_as_json_loads_reads_them(
    app: LedgerApp, tmp_path: Path, extra: str, expected: Any
) -> None:
    """orjson reads the usual line; one it would read otherwise (big integers become floats
    there) is read by the standard library: kept exactly, or rejected."""
    path = tmp_path / "numbers.jsonl"
    line = json.dumps(PAY, ensure_ascii=False)[:-1] + ", " + extra + "}"
    path.write_text(json.dumps(REG) + "\n" + line + "\n", encoding="utf-8")
    summary = import_file(app, path)
    if expected is None:
        assert (summary.stored, summary.rejected) == (1, 1)
        return
    assert summary.stored == 2
    stored = app.events_of(PERSON)[1]
    assert stored.model_extra == {"n": expected}


def test_nul_in_ids_is_rejected_on_every_backend(app: LedgerApp, tmp_path: Path) -> None:
    # PostgreSQL text cannot hold NUL; it used to abort the whole import there.
    path = write_jsonl(
        tmp_path / "nul.jsonl",
        [registered("P\x001", "n-1"), registered("P1", "n\x002"), REG],
    )
    summary = import_file(app, path)
    assert (summary.stored, summary.rejected) == (1, 2)
    assert [r["reason"] for r in read_rejects(path)] == ["bad_value", "bad_value"]


def test_reimport_is_idempotent(app: LedgerApp, tmp_path: Path) -> None:
    lines = [REG, PAY, VALID["born"], LATER, {**VALID["died"], "event_id": "d-9"}]
    path = write_jsonl(tmp_path / "events.jsonl", lines)
    first = import_file(app, path)
    assert (first.stored, first.present, first.rejected) == (5, 0, 0)
    assert not rejects_path_for(path).exists()
    log = app.read_log(1, 100)
    second = import_file(app, path)
    assert (second.stored, second.present, second.rejected) == (0, 5, 0)
    assert "0 stored, 5 already present, 0 rejected" in second.describe()
    assert app.read_log(1, 100) == log
    assert app.count_events() == 5


def test_same_content_in_another_form_is_present_not_conflict(
    app: LedgerApp, tmp_path: Path
) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", [REG, PAY])
    # Same facts, other spelling: amount with decimals, year as a string, keys reordered.
    same = {**dict(reversed(list(PAY.items()))), "amount": "400.00", "coverage_year": "2025"}
    b = write_jsonl(tmp_path / "b.jsonl", [same])
    first, second = import_files(app, [a, b])
    assert (first.stored, second.present, second.rejected) == (2, 1, 0)


def test_conflict_across_files_and_within_a_batch(app: LedgerApp, tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", [REG, PAY])
    changed_amount = paid("p-1", amount="380")
    changed_extra = {**PAY, "channel": "bank"}
    added_recorded_at = {**PAY, "recorded_at": "2024-10-10T08:00:00+08:00"}
    twice = paid("p-2", amount="100")
    twice_other = paid("p-2", amount="200")
    b = write_jsonl(
        tmp_path / "b.jsonl", [changed_amount, changed_extra, added_recorded_at, twice, twice_other]
    )
    _, summary = import_files(app, [a, b])
    assert (summary.stored, summary.present, summary.rejected) == (1, 0, 4)
    rejects = read_rejects(b)
    assert [(r["line"], r["reason"], r["event_id"]) for r in rejects] == [
        (1, "conflict", "p-1"),
        (2, "conflict", "p-1"),
        (3, "conflict", "p-1"),
        (5, "conflict", "p-2"),
    ]
    stored = {e.event_id: e for e in app.events_of(PERSON)}
    assert str(stored["p-1"].amount) == "400.00"  # type: ignore[attr-defined]
    assert str(stored["p-2"].amount) == "100.00"  # type: ignore[attr-defined]


def test_duplicate_line_in_one_file_is_present(app: LedgerApp, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "dup.jsonl", [REG, PAY, PAY])
    summary = import_file(app, path, batch_size=2)
    assert (summary.stored, summary.present, summary.rejected) == (2, 1, 0)


def test_rejects_file_is_replaced_on_every_run(app: LedgerApp, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "events.jsonl", [REG, paid("x", amount="oops")])
    import_file(app, path)
    assert len(read_rejects(path)) == 1
    write_jsonl(path, [REG, PAY])
    summary = import_file(app, path)
    assert (summary.stored, summary.present, summary.rejected) == (1, 1, 0)
    assert not rejects_path_for(path).exists()


def test_rejected_events_are_not_remembered(app: LedgerApp, tmp_path: Path) -> None:
    """A rejected line is not an idempotency key: once corrected, the same event_id is
    stored."""
    early = write_jsonl(tmp_path / "early.jsonl", [{**PAY, "amount": "four hundred"}])
    assert import_file(app, early).reasons == {"bad_amount": 1}
    fixed = write_jsonl(tmp_path / "fixed.jsonl", [REG, PAY])
    assert import_file(app, fixed).stored == 2


# What earlier versions rejected for what the person's other events say: now stored
# (POLICY.md I-order; the fold judges: not_registered, after_death, refund_exceeds_paid).
HISTORY_RULES: dict[str, list[Line]] = {
    "payment before any registration": [paid("x-10", person_id=OTHER)],
    "registered twice": [REG, registered(PERSON, "x-11", region="610924")],
    "after a death": [REG, PAY, {**VALID["died"], "event_id": "d-1"}, paid("x-12", year=2026)],
    "refund above the payment": [
        REG,
        PAY,
        {**VALID["refunded"], "event_id": "rf-2", "amount": "300"},
        {**VALID["refunded"], "event_id": "x-13", "amount": "100.01"},
    ],
    "refund before any payment": [{**VALID["refunded"], "event_id": "x-14"}, REG],
    "death first": [{**VALID["died"], "event_id": "d-2"}, PAY, REG],
}


@pytest.mark.parametrize("case", sorted(HISTORY_RULES))
def test_nothing_is_rejected_for_what_other_events_say(
    app: LedgerApp, tmp_path: Path, case: str
) -> None:
    lines = HISTORY_RULES[case]
    path = write_jsonl(tmp_path / "events.jsonl", lines)
    summary = import_file(app, path, batch_size=2)
    assert (summary.stored, summary.rejected) == (len(lines), 0)
    persons = sorted({str(line["person_id"]) for line in lines if isinstance(line, dict)})
    assert sorted(stored_ids(app, *persons)) == sorted(event_id_of(x) for x in lines)


def test_a_person_first_seen_in_a_later_file(app: LedgerApp, tmp_path: Path) -> None:
    """Payments in one file, the registration in a later one: all stored, nothing lost."""
    payments = write_jsonl(tmp_path / "tax.jsonl", [PAY, LATER])
    registrations = write_jsonl(tmp_path / "civil.jsonl", [REG])
    first, second = import_files(app, [payments, registrations])
    assert (first.stored, second.stored, first.rejected + second.rejected) == (2, 1, 0)
    assert stored_ids(app) == ["p-1", "p-later", "r-1"]


# ---------------------------------------------------------------- CSV


CSV_HEADER = "event_id,person_id,type,date,region,birth_date,coverage_year,amount,channel,经办机构"


def csv_rows() -> list[str]:
    return [
        CSV_HEADER,
        f"c-1,{PERSON},registered,2019-01-01,610928,1970-03-05,,,,旬阳市医保中心",
        f"c-2,{PERSON},paid,2024-10-08,,,2025,400.00,柜台,旬阳市医保中心",
        f'c-3,{PERSON},paid,2025-10-08,,,2026,"400",村委会,"旬阳市,医保中心"',
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(app: LedgerApp, tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("\r\n".join(csv_rows()).encode(encoding) + b"\r\n")
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")
        assert detect_encoding(path) == "gb18030"
    else:
        assert detect_encoding(path) == encoding
    summary = import_file(app, path)
    assert (summary.stored, summary.rejected) == (3, 0)
    events = app.events_of(PERSON)
    assert [e.event_id for e in events] == ["c-1", "c-2", "c-3"]
    records = [e.model_dump() for e in events]
    assert records[0]["经办机构"] == "旬阳市医保中心"
    assert records[1]["channel"] == "柜台"
    assert records[2]["经办机构"] == "旬阳市,医保中心"
    # Empty cells are absent fields, not empty strings.
    assert "channel" not in records[0] and "amount" not in records[0]
    # The same rows as JSON Lines are the same events: nothing new, no conflict.
    jsonl = write_jsonl(
        tmp_path / "same.jsonl",
        [
            {
                k: v
                for k, v in e.model_dump(mode="json").items()
                if k != "recorded_at" and v is not None
            }
            for e in events
        ],
    )
    again = import_file(app, jsonl)
    assert (again.present, again.rejected) == (3, 0)


def test_csv_with_explicit_encoding(app: LedgerApp, tmp_path: Path) -> None:
    path = tmp_path / "export.txt"  # not .csv: sniffed as CSV since it does not start with {
    path.write_bytes("\n".join(csv_rows()).encode("gb18030"))
    summary = import_file(app, path, encoding="gb18030")
    assert summary.stored == 3
    with pytest.raises(ImportFileError):
        import_file(app, path, encoding="utf-8")


def test_example_gb18030_file(app: LedgerApp, tmp_path: Path) -> None:
    source = Path(__file__).parent.parent / "examples" / "legacy_gb18030.csv"
    path = tmp_path / source.name
    path.write_bytes(source.read_bytes())
    summary = import_file(app, path)
    assert (summary.stored, summary.rejected) == (3, 0)
    [first, *_] = app.events_of("610928198002021119")
    assert first.model_dump()["经办机构"] == "旬阳市医保中心"


def test_csv_bad_row_and_line_numbers(app: LedgerApp, tmp_path: Path) -> None:
    rows = csv_rows()
    lines = [
        rows[0],
        rows[1],
        "c-9,too,few",  # line 3: bad_row
        "",  # blank: skipped
        f'c-4,{PERSON},paid,2022-10-08,,,2023,380,"multi\nline",x',  # lines 5-6, stored
        f"c-5,{PERSON},paid,2022-10-09,,,2023,-1,,",  # line 7: bad_amount
        rows[2],  # line 8
    ]
    path = tmp_path / "rows.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = import_file(app, path)
    assert (summary.stored, summary.rejected) == (3, 2)
    assert [(r["line"], r["reason"]) for r in read_rejects(path)] == [
        (3, "bad_row"),
        (7, "bad_amount"),
    ]
    assert read_rejects(path)[0]["raw"] == "c-9,too,few"
    assert [e.event_id for e in app.events_of(PERSON)] == ["c-1", "c-4", "c-2"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("person_id,type,date\nP,died,2024-01-01\n", "event_id"),
        ("event_id,person_id,type,date,date\n", "twice"),
    ],
)
def test_csv_without_usable_header(
    app: LedgerApp, tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "x.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFileError, match=problem):
        import_file(app, path)


def test_jsonl_with_bom_and_crlf(app: LedgerApp, tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    body = "\r\n".join(json.dumps(x, ensure_ascii=False) for x in [REG, PAY]) + "\r\n"
    path.write_bytes(codecs.BOM_UTF8 + body.encode("utf-8"))
    assert import_file(app, path).stored == 2


# ---------------------------------------------------------------- interruption


def generated(n: int) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for i in range(n // 4):
        pid = f"P-{i:05d}"
        lines.append(registered(pid, f"g-{i}-r"))
        lines.extend(paid(f"g-{i}-{y}", person_id=pid, year=y) for y in (2024, 2025, 2026))
    return lines


def failing_after(
    count: int, exc: BaseException, failed: threading.Event | None = None
) -> Callable[..., Iterator[Any]]:
    """The importer's line reader, raising ``exc`` instead of reading line ``count`` (from
    0), and setting ``failed`` when it does."""
    real = importer._read_lines

    def read(path: Path, encoding: str | None, keys: bool = False) -> Iterator[Any]:
        for n, line in enumerate(real(path, encoding, keys)):
            if n == count:
                if failed is not None:
                    failed.set()
                raise exc
            yield line

    return read


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), OSError("disk went away")])
def test_interrupted_import_keeps_whole_batches_and_rerun_completes(
    app: LedgerApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException
) -> None:
    lines = generated(100)
    path = write_jsonl(tmp_path / "big.jsonl", lines)
    monkeypatch.setattr(importer, "_read_lines", failing_after(37, exc))
    if isinstance(exc, KeyboardInterrupt):
        with pytest.raises(ImportInterrupted) as info:
            import_files(app, [path], batch_size=8)
        [summary] = info.value.summaries
        # Reported as stored: the four whole batches before the interruption, all of them kept.
        assert summary.stored == 32
    else:
        with pytest.raises(OSError):
            import_files(app, [path], batch_size=8)
    assert app.count_events() == 32
    stored = [event.event_id for _, event in app.read_log(1, 1000)]
    assert stored == [line["event_id"] for line in lines[:32]]

    monkeypatch.undo()
    rerun = import_file(app, path, batch_size=8)
    assert (rerun.stored, rerun.present, rerun.rejected) == (68, 32, 0)
    assert [e.event_id for _, e in app.read_log(1, 1000)] == [x["event_id"] for x in lines]


def test_failed_batch_stores_nothing_of_it(ledger_db: str, tmp_path: Path) -> None:
    """The database refuses one event in the middle of the third batch (a trigger): none of
    that batch is left behind, the two batches before it are, and a re-run completes."""
    lines = generated(40)
    path = write_jsonl(tmp_path / "big.jsonl", lines)
    with open_ledger(ledger_db) as app:
        execute_sql(ledger_db, REFUSE_ONE_EVENT)
        with pytest.raises(Exception, match="injected"):  # noqa: B017 - the backend's own
            import_file(app, path, batch_size=10)
        assert app.count_events() == 20
        assert [e.event_id for _, e in app.read_log(1, 1000)] == [x["event_id"] for x in lines[:20]]
        execute_sql(ledger_db, ALLOW_ALL_EVENTS)
        rerun = import_file(app, path, batch_size=10)
        assert (rerun.stored, rerun.present) == (20, 20)


REFUSE_ONE_EVENT = {
    "sqlite": [
        "CREATE TRIGGER refuse BEFORE INSERT ON ledger_event_ids "
        "WHEN NEW.event_id = 'g-6-2025' BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
    ],
    "postgres": [
        "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
        "IF NEW.event_id = 'g-6-2025' THEN RAISE EXCEPTION 'injected failure'; END IF; "
        "RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse BEFORE INSERT ON ledger_event_ids "
        "FOR EACH ROW EXECUTE FUNCTION refuse()",
    ],
}
ALLOW_ALL_EVENTS = {
    "sqlite": ["DROP TRIGGER refuse"],
    "postgres": ["DROP TRIGGER refuse ON ledger_event_ids", "DROP FUNCTION refuse()"],
}


# ---------------------------------------------------------------- arrival order


def test_out_of_date_order_keeps_arrival_order_and_business_date(
    app: LedgerApp, tmp_path: Path
) -> None:
    grant = {**VALID["identity_granted"], "event_id": "ig-1"}  # 2023-03-01
    first = write_jsonl(tmp_path / "tax-2025.jsonl", [REG, paid("p-2025", year=2025)])
    second = write_jsonl(
        tmp_path / "tax-2024.jsonl",
        [paid("p-2024", year=2024), grant, paid("p-2026", year=2026)],
    )
    import_files(app, [first, second])
    events = app.events_of(PERSON)
    assert [e.event_id for e in events] == ["r-1", "p-2025", "p-2024", "ig-1", "p-2026"]
    assert [str(e.date) for e in events] == [
        "2018-01-01",
        "2024-10-10",
        "2023-10-10",
        "2023-03-01",
        "2025-10-10",
    ]
    history = app.history(PERSON)
    assert [fact.position for fact in history] == [1, 2, 3, 4, 5]
    stored_at = [fact.stored_at for fact in history]
    assert stored_at == sorted(stored_at)
    from ledger.events import sort_key

    assert [e.event_id for e in sorted(events, key=sort_key)] == [
        "r-1",
        "ig-1",
        "p-2024",
        "p-2025",
        "p-2026",
    ]


def test_newborn_and_guardian_are_separate_people(app: LedgerApp, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "b.jsonl", [VALID["born"], REG])
    assert import_file(app, path).stored == 2
    assert list(app.person_ids()) == sorted([PERSON, NEWBORN])


@pytest.mark.parametrize(
    "text",
    [
        '{"a":1}',
        '{"a": [1, 2.5, null, true], "b": {"c": "\\u00e9"}}',
        '{"a":1} ',
        ' {"a":1}',
        '{"a":1}{"b":2}',
        '{"a":1',
        '{"a":1,}',
        "{}",
        "[1]",
        '"x"',
        "",
        "{" * 5000 + "}" * 5000,
        '{"a":"\\ud800"}',
        '{"a":1, "a":2}',
    ],
)
def test_loads_is_json_loads(text: str) -> None:
    """The importer's line decoder gives json.loads's value, or its error and message (for
    JSON: NaN, Infinity and numbers longer than MAX_NUMBER_LENGTH are read otherwise, see
    tests/test_input_limits.py)."""
    try:
        expected: Any = json.loads(text)
    except (ValueError, RecursionError) as exc:
        with pytest.raises(type(exc)) as info:
            importer._loads(text)
        assert str(info.value) == str(exc)
        return
    got = importer._loads(text)
    assert got == expected or (got != got and expected != expected)


def test_a_large_batch_is_stored(app: LedgerApp, tmp_path: Path) -> None:
    """35,000 events in one transaction: on PostgreSQL the library's pipelined insert hung for
    good at 30,000 (psycopg issue #685); the ledger's recorder inserts without the pipeline.
    Run in a thread so that a hang fails the test instead of stopping the suite."""
    path = tmp_path / "large.jsonl"
    lines = [REG] + [
        {**PAY, "event_id": f"p-{i}", "amount": "1", "coverage_year": 2025} for i in range(34_999)
    ]
    write_jsonl(path, lines)
    done: list[Any] = []
    worker = threading.Thread(
        target=lambda: done.append(import_file(app, path, batch_size=35_000)), daemon=True
    )
    worker.start()
    worker.join(timeout=120)
    assert done, "the import of one 35,000-event batch did not finish in 120 s"
    assert done[0].stored == 35_000
    assert app.count_events() == 35_000


# ---------------------------------------------------------------- the pipelined import


@pytest.fixture(
    params=[0, 1, 2, "process"], ids=["in turn", "1 ahead", "2 ahead", "writer process"]
)
def ahead(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """The import's ways of storing batches, on either backend: one after the other (0:
    a SQLite import of one batch, or of small batches), or decided on this thread while up
    to 1 or 2 batches before it are sent to be written (PostgreSQL's,
    :data:`ledger.importer.WRITES_AHEAD`). ``writer process``: two ahead, written by a
    SQLite file's writer process (:mod:`ledger.sqlite_writer`), here whatever the batch
    size; the test must start one (skipped on PostgreSQL)."""
    if request.param == "process":
        if str(request.getfixturevalue("ledger_db")).startswith("postgresql"):
            pytest.skip("a SQLite file's writer process")
        started = spy_writer_processes(monkeypatch)
        monkeypatch.setattr(importer, "WRITER_PROCESS_MIN_BATCH", 1)
        monkeypatch.setattr(importer, "WRITER_PROCESS_AFTER", 0)
        monkeypatch.setattr(LedgerApp, "store_works_apart", property(lambda _: False))
        yield 2
        assert started, "no writer process was started"
        return
    monkeypatch.setattr(LedgerApp, "store_works_apart", property(lambda _: request.param > 0))
    if request.param == 0:  # (a SQLite file: whatever the input, in turn)
        monkeypatch.setattr(importer, "WRITER_PROCESS_MIN_BATCH", 10**9)
    else:
        monkeypatch.setattr(importer, "WRITES_AHEAD", request.param)
    yield int(request.param)


def spy_writer_processes(
    monkeypatch: pytest.MonkeyPatch, wait: bool = True
) -> list[SQLiteWriterProcess]:
    """The SQLite writer processes the importer starts, as they start. With ``wait``, the
    import waits for each to be ready after its first batch (instead of storing batches in
    turn until it is), so that every batch after the first goes through it."""
    started: list[SQLiteWriterProcess] = []

    class Spied(SQLiteWriterProcess):
        def __init__(self, env: Any) -> None:
            super().__init__(env)
            started.append(self)

        def ready(self) -> bool:
            deadline = time.monotonic() + 60
            while wait and not super().ready():
                assert time.monotonic() < deadline, "the writer process never got ready"
                time.sleep(0.005)
            return super().ready()

    monkeypatch.setattr(importer, "SQLiteWriterProcess", Spied)
    return started


def test_batches_decided_ahead_store_what_batches_in_turn_store(
    app: LedgerApp, tmp_path: Path, ahead: int
) -> None:
    """Each batch is decided on everything before it, written or not yet: a repeat of an
    earlier batch's line is present, other content under its id a conflict, and every
    person's versions go on without a gap across batches."""
    path = write_jsonl(
        tmp_path / "events.jsonl",
        [
            REG,
            registered(OTHER, "r-2"),
            PAY,
            paid("p-2", person_id=OTHER),
            PAY,  # present: stored two batches before
            {**PAY, "amount": "1"},  # conflict
            LATER,
            paid("p-later-2", person_id=OTHER, year=2026),
        ],
    )
    summary = import_file(app, path, batch_size=2)
    assert (summary.stored, summary.present, summary.rejected) == (6, 1, 1)
    assert [(r["line"], r["reason"]) for r in read_rejects(path)] == [(6, "conflict")]
    assert stored_ids(app, PERSON) == ["r-1", "p-1", "p-later"]
    assert stored_ids(app, OTHER) == ["r-2", "p-2", "p-later-2"]
    for person in (PERSON, OTHER):
        versions = [s.originator_version for s in app.recorder.select_events(resident_id(person))]
        assert versions == [1, 2, 3]


def test_a_writer_between_decision_and_write_is_met_by_deciding_again(
    ledger_db: str, tmp_path: Path, ahead: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer stores an event of a person of the batch being written after the batch
    (and the next, on top of it) was decided: the write meets the version it took and fails;
    the batch is decided again and stored, the next decided again on it. Nothing is lost,
    nothing doubled, no version skipped."""
    path = write_jsonl(
        tmp_path / "events.jsonl",
        [REG, PAY, refund_line("rf-1"), refund_line("rf-2"), {**VALID["died"], "event_id": "d"}],
    )
    with open_ledger(ledger_db) as app, open_ledger(ledger_db) as other:
        real = app.write
        meddled: list[bool] = []

        def meddle(plan: Any, **how: Any) -> Any:
            if len(meddled) == 1:  # the second batch: its person is written by another
                other.append([parse_event(paid("p-other"))])
            meddled.append(True)
            return real(plan, **how)

        app.write = meddle  # type: ignore[method-assign]
        again = spy_stored_again(monkeypatch)
        summary = import_file(app, path, batch_size=2)
        assert (summary.stored, summary.present, summary.rejected) == (5, 0, 0)
        assert len(again) == 1  # the second batch's write, which met the other writer
        ids = stored_ids(app, PERSON)
        assert sorted(ids) == sorted(["r-1", "p-1", "rf-1", "rf-2", "d", "p-other"])
        assert ids[:2] == ["r-1", "p-1"] and ids[-1] == "d"
        versions = [s.originator_version for s in app.recorder.select_events(resident_id(PERSON))]
        assert versions == [1, 2, 3, 4, 5, 6]


def spy_reads(app: LedgerApp, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of event ids of each read of the store's fingerprints, as they come."""
    reads: list[int] = []
    real = app.ledger_recorder.select_fingerprints

    def spy(event_ids: list[str]) -> dict[str, str]:
        reads.append(len(event_ids))
        return real(event_ids)

    monkeypatch.setattr(app.ledger_recorder, "select_fingerprints", spy)
    return reads


def spy_stored_again(monkeypatch: pytest.MonkeyPatch) -> list[Exception]:
    """The failures of batches written in vain and stored again, as they come."""
    failures: list[Exception] = []
    store_again = importer._Decided.store_again

    def spy(self: Any, app: LedgerApp, failure: Exception, stored_at: Any) -> Any:
        failures.append(failure)
        return store_again(self, app, failure, stored_at)

    monkeypatch.setattr(importer._Decided, "store_again", spy)
    return failures


def test_a_first_import_reads_the_stores_event_ids_for_its_first_batches_only(
    app: LedgerApp, tmp_path: Path, ahead: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a batch was all new, the next ones are decided without asking the store which of
    their ids it holds (one read of the index per event saved, the write's own probe
    remains): in turn, only the first batch reads; pipelined, those decided before the first
    is counted too (one more per batch written ahead)."""
    path = write_jsonl(tmp_path / "events.jsonl", [paid(f"p-{i}") for i in range(10)])
    reads = spy_reads(app, monkeypatch)
    again = spy_stored_again(monkeypatch)
    summary = import_file(app, path, batch_size=2)
    assert (summary.stored, summary.present, summary.rejected) == (10, 0, 0)
    assert reads == [2] * (ahead + 1)
    assert again == []
    assert stored_ids(app, PERSON) == [f"p-{i}" for i in range(10)]


def test_a_second_import_of_a_file_reads_every_batch_and_writes_none_in_vain(
    app: LedgerApp, tmp_path: Path, ahead: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch with a line already stored keeps the next one reading: a file imported again
    is decided on what the store holds, batch after batch, and no write fails."""
    path = write_jsonl(tmp_path / "events.jsonl", [paid(f"p-{i}") for i in range(10)])
    import_file(app, path, batch_size=2)
    reads = spy_reads(app, monkeypatch)
    again = spy_stored_again(monkeypatch)
    summary = import_file(app, path, batch_size=2)
    assert (summary.stored, summary.present, summary.rejected) == (0, 10, 0)
    assert reads == [2] * 5
    assert again == []


def test_a_stored_id_met_by_a_batch_assumed_new_is_decided_again_as_one_loader_would(
    app: LedgerApp, tmp_path: Path, ahead: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches after an all-new one are assumed new; the first batch assumed new here (the
    second in turn, one later per batch written ahead) repeats an event id of an earlier
    import with other content. Its write is refused by the idempotency index (once, storing
    nothing of it), it is decided again reading the store, and the import ends as one that
    read every batch: the conflict rejected on its line, every other line stored, no
    version skipped; the batches after it read again."""
    import_file(app, write_jsonl(tmp_path / "first.jsonl", [REG, PAY]))
    new = 2 * (ahead + 1)  # the lines of the batches decided before the first is counted
    lines = [paid(f"n-{i}") for i in range(new)]
    lines += [{**PAY, "amount": "1"}] + [paid(f"n-{i}") for i in range(new, new + 5)]
    path = write_jsonl(tmp_path / "second.jsonl", lines)
    reads = spy_reads(app, monkeypatch)
    again = spy_stored_again(monkeypatch)
    summary = import_file(app, path, batch_size=2)
    assert (summary.stored, summary.present, summary.rejected) == (new + 5, 0, 1)
    assert [(r["line"], r["reason"]) for r in read_rejects(path)] == [(new + 1, "conflict")]
    assert len(again) == 1 and is_write_conflict(again[0])
    # The batches decided before the first is counted read; the batch refused reads when
    # decided again, and so do the two after it (decided again on it, or decided after it
    # was written in vain: two all-new batches are needed now before one is assumed new).
    assert reads == [2] * (ahead + 4)
    assert stored_ids(app, PERSON) == ["r-1", "p-1"] + [f"n-{i}" for i in range(new + 5)]
    versions = [s.originator_version for s in app.recorder.select_events(resident_id(PERSON))]
    assert versions == list(range(1, new + 8))


def test_repeats_spread_through_a_file_soon_stop_the_batches_assumed_new(
    app: LedgerApp, tmp_path: Path, ahead: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen (a review): a file with a line of an earlier import every few batches wrote
    almost every such batch in vain, each time after one all-new batch, and imported 25-40%
    slower than reading every batch. After each batch written in vain, twice as many all-new
    batches in a row are needed before the next is assumed new: here, in turn, the third
    and the sixth batch are written in vain, then none, where four would be without the
    doubling. Pipelined, a batch is decided before those sent ahead of it are counted: one
    ahead, only the third is written in vain; two ahead, every batch with a repeat is
    decided on a count that includes the batch with the repeat before it, and none is. The
    import stores what one that read every batch stores."""
    import_file(app, write_jsonl(tmp_path / "first.jsonl", [paid(f"s-{i}") for i in range(4)]))
    lines: list[dict[str, Any]] = []
    for k in range(12):  # every third batch of two holds a line stored before
        first = paid(f"s-{k // 3}") if k % 3 == 2 else paid(f"n-{k}-a")
        lines += [first, paid(f"n-{k}-b")]
    path = write_jsonl(tmp_path / "second.jsonl", lines)
    again = spy_stored_again(monkeypatch)
    summary = import_file(app, path, batch_size=2)
    assert (summary.stored, summary.present, summary.rejected) == (20, 4, 0)
    assert len(again) == {0: 2, 1: 1, 2: 0}[ahead]
    assert len(stored_ids(app, PERSON)) == 24


def test_the_guess_doubles_the_all_new_batches_it_needs_after_each_in_vain() -> None:
    guess = importer.AssumeNew()

    class Batch:
        def __init__(self, assumed_new: bool, all_new: bool) -> None:
            self.assumed_new = assumed_new
            self.new = all_new

        def all_new(self, counts: Any) -> bool:
            return self.new

    def count(assumed_new: bool, all_new: bool, as_decided: bool) -> bool:
        guess.count(Batch(assumed_new, all_new), None, as_decided)  # type: ignore[arg-type]
        return guess.now()

    assert not guess.now()  # the first batch reads
    assert count(False, True, True)  # one all-new batch: the next is assumed new
    assert not count(True, False, False)  # written in vain: two needed now
    assert not count(False, True, True)
    assert count(False, True, True)
    assert not count(False, False, True)  # a batch with a line present: reading again
    assert not count(False, True, False)  # refused while reading (another writer): no doubling
    assert not count(False, True, True)
    assert count(False, True, True)
    assert guess.needed == 2


def refund_line(event_id: str) -> dict[str, Any]:
    return {**VALID["refunded"], "event_id": event_id, "amount": "100", "coverage_year": 2025}


def test_the_import_holds_event_keys_and_read_events_gives_models(tmp_path: Path) -> None:
    """A plain line of a file being imported carries only its event's key (the canonical
    text is what is stored; a batch of models cost about 3 µs an event in memory); a line
    the general path reads (here: a field the contract does not know, kept) its model.
    ``read_events`` gives every valid line's model."""
    extra = {**paid("p-extra"), "note": "kept"}
    path = write_jsonl(tmp_path / "events.jsonl", [PAY, extra])
    plain, general = importer._read_lines(path, None, keys=True)
    assert plain.event == EventKey("p-1", PERSON) and type(plain.event) is EventKey
    assert plain.canonical == canonical_json(parse_event(PAY))
    assert isinstance(general.event, EventBase) and general.event.event_id == "p-extra"
    models = [event for _, event, _ in read_events(path)]
    assert models == [parse_event(PAY), parse_event(extra)]


def test_an_event_key_without_its_text_is_refused(app: LedgerApp) -> None:
    """``decide`` stores an event given by its key only with the key's canonical text."""
    with pytest.raises(TypeError, match="canonical text"):
        app.decide([EventKey("p-1", PERSON)])
    assert app.count_events() == 0


def test_a_pipelined_import_starts_with_a_small_batch() -> None:
    """The pipeline's first batch is small so the writer starts early; each next batch
    doubles up to the batch size, and every line is in exactly one batch, in order."""
    lines: list[Any] = list(range(250))
    batches = list(importer._batches(lines, 100, first=10))
    assert [len(b) for b in batches] == [10, 20, 40, 80, 100]
    assert [line for batch in batches for line in batch] == lines
    assert [len(b) for b in importer._batches(lines, 100)] == [100, 100, 50]
    assert [len(b) for b in importer._batches(lines, 8, first=10)] == [8] * 31 + [2]


def test_a_pipelined_import_writes_smaller_batches_by_default(
    app: LedgerApp, tmp_path: Path, ahead: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a batch size, an import into PostgreSQL with one loader, or into a SQLite
    file, writes batches of :data:`~ledger.importer.PIPELINE_BATCH_SIZE` lines (pipelined, it
    holds those it writes ahead and the one it decides); otherwise of
    :data:`~ledger.importer.DEFAULT_BATCH_SIZE`. A batch size given is used either way;
    pipelined, the batches grow to it from :data:`~ledger.importer.PIPELINE_FIRST_BATCH`."""
    monkeypatch.setattr(importer, "DEFAULT_BATCH_SIZE", 8)
    monkeypatch.setattr(importer, "PIPELINE_BATCH_SIZE", 3)
    monkeypatch.setattr(importer, "PIPELINE_FIRST_BATCH", 3)
    real = app.write
    written: list[int] = []

    def spy(plan: Any, **how: Any) -> Any:
        written.append(len(plan.outcomes))
        return real(plan, **how)

    app.write = spy  # type: ignore[method-assign]
    path = write_jsonl(tmp_path / "events.jsonl", [paid(f"p-{i}") for i in range(10)])
    assert import_file(app, path).stored == 10
    sqlite_file = app.writer_process_settings is not None
    assert written == ([3, 3, 3, 1] if ahead or sqlite_file else [8, 2])
    written.clear()
    path = write_jsonl(tmp_path / "more.jsonl", [paid(f"q-{i}") for i in range(10)])
    assert import_file(app, path, batch_size=5).stored == 10
    assert written == ([3, 5, 2] if ahead else [5, 5])


def test_ctrl_c_while_a_batch_is_written_still_counts_it(
    app: LedgerApp, tmp_path: Path, ahead: int
) -> None:
    """Seen: after Ctrl-C a PostgreSQL import said "33000 stored … every batch counted above
    is stored" while the store held 40,000: the interrupt came while the importer waited for
    the batch being written, which went on and committed, uncounted. Every batch stored is
    counted, whenever Ctrl-C comes (here: just after the third batch's commit)."""
    lines = generated(80)
    path = write_jsonl(tmp_path / "big.jsonl", lines)
    real = app.write
    writes: list[bool] = []

    def write_then_interrupt(plan: Any, **how: Any) -> Any:
        outcomes = real(plan, **how)
        writes.append(True)
        if len(writes) == 3:
            _thread.interrupt_main()  # Ctrl-C, as the terminal sends it to the main thread
            time.sleep(0.2)  # (the main thread meanwhile: reading, deciding or waiting)
        return outcomes

    app.write = write_then_interrupt  # type: ignore[method-assign]
    summary = interrupted_import(app, path)
    assert summary.stored == app.count_events() >= 24


def interrupted_import(app: LedgerApp, path: Path) -> ImportSummary:
    """The summary of an import of ``path`` in batches of 8 that a Ctrl-C stops."""
    with pytest.raises(ImportInterrupted) as info:
        import_files(app, [path], batch_size=8)
    [summary] = info.value.summaries
    return summary


def test_a_store_failing_under_the_command_says_what_is_stored(
    ledger_db: str, tmp_path: Path
) -> None:
    """Seen: losing the server mid-import exited 1 (the status of "lines rejected, the rest
    stored") with the server's reason only. The command now counts what was stored, says a
    second run completes it, and exits 2; no traceback."""
    from click.testing import CliRunner

    from ledger.cli import main

    lines = generated(40)
    path = write_jsonl(tmp_path / "big.jsonl", lines)
    open_ledger(ledger_db).close()
    execute_sql(ledger_db, REFUSE_ONE_EVENT)
    result = CliRunner().invoke(
        main, ["import", "--db", ledger_db, "--batch-size", "10", str(path)]
    )
    assert result.exit_code == 2, result.output
    assert "injected failure" in result.output and "Traceback" not in result.output
    assert "20 stored" in result.output and "run the same command again" in result.output


def test_a_jsonl_file_is_validated_as_read_exactly_as_its_units_are(tmp_path: Path) -> None:
    """The import reads a JSON Lines file validating each line as it is read (no unit per
    line); every kind of line comes out as the unit of that line parses it (what the
    parallel loaders and standard input use): plain and general records, a byte order mark,
    CRLF endings, blank lines, JSON errors, bytes that are not UTF-8, a line too long."""
    long_line = json.dumps({**VALID["died"], "event_id": "x" * (MAX_LINE_BYTES + 10)})
    lines = [
        codecs.BOM_UTF8 + json.dumps(VALID["registered"]).encode(),
        b"",
        b"   \t",
        json.dumps({**VALID["paid"], "event_id": "p-crlf"}).encode() + b"\r",
        json.dumps({**VALID["paid"], "event_id": "p-big", "coverage_year": 2025.0}).encode(),
        b'{"event_id": "bad", ',
        b'{"event_id": "\xff\xfe", "type": "died"}',
        long_line.encode(),
        json.dumps({**VALID["born"], "extra": [1, 2]}).encode(),
        b"[1, 2]",
        json.dumps({**VALID["died"], "event_id": "\ud800x"}, ensure_ascii=True).encode(),
    ]
    path = tmp_path / "tricky.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")

    def seen(line: Any) -> tuple[Any, ...]:
        error = line.error
        told = None if error is None else (error.reason, str(error), error.event_id)
        return line.number, line.raw, line.event, told, line.canonical

    read = [seen(line) for line in importer._read_lines(path, None)]
    assert read == [seen(unit.parse()) for unit in importer.read_units(path, None)]
    assert [number for number, *_ in read] == [1, 4, 5, 6, 7, 8, 9, 10, 11]
    assert [told[0] if told else "ok" for _, _, _, told, _ in read] == [
        "ok",
        "ok",
        "bad_value",
        "invalid_json",
        "bad_encoding",
        "too_long",
        "ok",
        "invalid_json",
        "invalid_json",
    ]
