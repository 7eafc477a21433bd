"""The import's fast path (``ledger.fastparse``) agrees with ``parse_event`` and
``canonical_json`` wherever it answers, and answers for the usual records."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any, Literal, get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import ledger.importer as importer
from ledger.events import (
    EVENT_MODELS,
    EVENT_TYPES,
    KNOWN_FIELDS_BOUND,
    MAX_RECORD_BYTES,
    MAX_TEXT_LENGTH,
    EventKey,
    InvalidEvent,
    canonical_json,
    event_to_record,
    parse_event,
)
from ledger.fastparse import _SHAPES_PER_TYPE, _SPECS, parse_plain
from tests.support import BAD_CHECK, NEWBORN, OTHER, PERSON, VALID, id_number, load_script


def assert_same(record: Any) -> bool:
    """The fast path either declines or gives exactly what the general path gives."""
    fast = parse_plain(record)
    # The import's form: the same decision, the event's key and the same text.
    keyed = parse_plain(record, key_only=True)
    if fast is None:
        assert keyed is None, f"key_only accepted what the model path declines: {record!r}"
    else:
        assert keyed is not None, f"key_only declined what the model path accepts: {record!r}"
        assert keyed == (EventKey(fast[0].event_id, fast[0].person_id), fast[1])
        assert type(keyed[0]) is EventKey
    try:
        slow = parse_event(record)
    except InvalidEvent:
        assert fast is None, f"fast path accepted what parse_event rejects: {record!r}"
        return False
    if fast is None:
        return False
    event, canonical = fast
    assert type(event) is type(slow)
    assert event == slow
    assert event.__dict__ == slow.__dict__ and list(event.__dict__) == list(slow.__dict__)
    assert {k: type(v) for k, v in event.__dict__.items()} == {
        k: type(v) for k, v in slow.__dict__.items()
    }
    assert event.__pydantic_fields_set__ == slow.__pydantic_fields_set__
    assert event.__pydantic_extra__ == slow.__pydantic_extra__
    assert canonical == canonical_json(slow)
    assert event_to_record(event) == event_to_record(slow)
    assert repr(event) == repr(slow)
    return True


def test_fields_are_the_models_fields() -> None:
    # stored_at is the ledger's, never read from a record (both paths drop it).
    for kind, model in EVENT_MODELS.items():
        assert set(_SPECS[kind].converters) == set(model.model_fields) - {"stored_at"}, kind


def test_events_of_one_shape_share_a_fields_set_no_one_can_change() -> None:
    """Records with the same keys in the same order and none absent get one fields set
    object (the import holds two batches of events: one set each was their largest part).
    It stays right for each of them: the models are frozen, and pydantic gives a copy its
    own set; other shapes and records with absent fields get sets of their own."""
    first = parse_plain({**VALID["paid"], "event_id": "shape-1"})
    second = parse_plain({**VALID["paid"], "event_id": "shape-2", "person_id": OTHER})
    assert first is not None and second is not None
    one, other = first[0], second[0]
    assert one.__pydantic_fields_set__ is other.__pydantic_fields_set__
    assert one.model_fields_set == parse_event({**VALID["paid"]}).model_fields_set
    with pytest.raises(ValidationError):
        one.event_id = "changed"  # type: ignore[misc]
    copied = one.model_copy(update={"recorded_at": "2025-01-01T00:00:00+08:00"})
    assert "recorded_at" in copied.model_fields_set
    assert "recorded_at" not in one.model_fields_set
    assert other.model_fields_set == one.model_fields_set == set(VALID["paid"])
    assert copied.__pydantic_fields_set__ is not one.__pydantic_fields_set__
    reordered = parse_plain(dict(reversed(list({**VALID["paid"]}.items()))))
    with_absent = parse_plain({**VALID["paid"], "channel": ""})
    assert reordered is not None and with_absent is not None
    assert reordered[0].model_fields_set == one.model_fields_set
    assert reordered[0].__pydantic_fields_set__ is not one.__pydantic_fields_set__
    assert with_absent[0].model_fields_set == set(VALID["paid"]) - {"channel"}
    assert with_absent[0].__pydantic_fields_set__ is not one.__pydantic_fields_set__


def test_records_in_ever_new_key_orders_still_agree() -> None:
    """Past the shapes kept per type, every record still gets its own, right fields set."""
    orders = itertools.islice(itertools.permutations(VALID["registered"]), 3 * _SHAPES_PER_TYPE)
    for n, keys in enumerate(orders):
        assert assert_same({name: VALID["registered"][name] for name in keys})
        if n % 2:
            assert assert_same(
                {**{name: VALID["registered"][name] for name in keys}, "hukou_region": None}
            )
    assert len(_SPECS["registered"].shapes) == _SHAPES_PER_TYPE


def test_literal_fields_accept_exactly_the_models_values() -> None:
    for kind, model in EVENT_MODELS.items():
        for name, info in model.model_fields.items():
            if getattr(info.annotation, "__origin__", None) is not Literal:
                continue
            allowed = get_args(info.annotation)
            convert = _SPECS[kind].converters[name]
            for value in (*allowed, "other", "Contribution", " death"):
                try:
                    convert(value)
                    accepted = True
                except Exception:  # noqa: BLE001
                    accepted = False
                assert accepted == (value in allowed), (kind, name, value)


@pytest.mark.parametrize("kind", EVENT_TYPES)
def test_every_valid_example_takes_the_fast_path(kind: str) -> None:
    assert assert_same(json.loads(json.dumps(VALID[kind])))


def test_generated_events_take_the_fast_path(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    load_script("gen_events").write(path, 3000, seed=3)
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert all(assert_same(record) for record in records)


TRICKY: list[Any] = [
    None,
    "",
    " ",
    "x",
    " padded ",
    "a\x00b",
    0,
    1,
    -1,
    2025,
    "2025",
    1989,
    2101,
    True,
    False,
    "true",
    "0",
    1.5,
    2025.0,
    [],
    {},
    ["x"],
    {"a": 1},
    "2024-10-10",
    " 2024-10-10 ",
    "2024-1-10",
    "2025-02-30",
    "2024-10-10T00:00:00",
    "20241010",
    "2024-10-10T10:00:00+08:00",
    "2024-10-10T10:00:00Z",
    "2024-10-10T10:00:00.123456+00:00",
    "2024-10-10T10:00:00+05:30:30",
    " 2024-10-10T10:00:00+08:00",
    "2024-10-10T10:00:00",
    "400",
    "400.5",
    "400.50",
    "400.555",
    " 400 ",
    "-1",
    "1e3",
    "0400",
    "49870.57",
    "0.05",
    "00.05",
    "010.50",
    "4.05 ",
    "12345678901234567890123456.00",
    "123456789012345678901234567.00",
    "NaN",
    "610902",
    " 610902 ",
    "999999",
    "dibao",
    " dibao",
    "contribution",
    "repair",
    "death",
    "other",
    "paid",
    "registered",
    PERSON,
    PERSON.lower(),
    f" {PERSON} ",
    BAD_CHECK,
    NEWBORN,
    NEWBORN.lower(),
    "not-an-id",
    PERSON.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"}),  # full-width
    PERSON[:6] + PERSON[8:17],  # 15 digits
    NEWBORN[:-1] + "ｘ",
    id_number("61090219701305123"),  # month 13
    "610902701305121",  # 15 digits, month 13
    id_number("61090220300101123"),  # born after every example's date
    "1970-03-05",
    "2025-01-10",
    # The contract's limits (docs/import.md, "Limits"): each side of each bound.
    "99999999.99",
    "100000000.00",
    "100000000",
    "٤٠٠",  # Arabic-Indic digits
    "４００",  # full-width
    "４００.００",
    "２０２５",
    "1" * 5000,
    10**30,
    "1899-12-31",
    "1900-01-01",
    "2100-12-31",
    "2101-01-01",
    "0001-01-01",
    "9999-12-31",
    "1899-12-31T23:59:59+08:00",
    "1900-01-01T00:00:00+08:00",
    "2101-01-01T00:00:00+08:00",
    "x" * MAX_TEXT_LENGTH,
    "x" * (MAX_TEXT_LENGTH + 1),
    f" {'x' * MAX_TEXT_LENGTH} ",  # trimmed to the limit where the field is trimmed
    "٦١٠٩٠٢١٩٧٠٠٣٠٥١٢١٥",  # PERSON in Arabic-Indic digits
    "P-٣",
    "a" * (MAX_RECORD_BYTES + 1),
    float("inf"),
    float("nan"),
]
FIELDS = sorted({name for model in EVENT_MODELS.values() for name in model.model_fields})
"""Every field name of the models (``stored_at`` among them: an input's is dropped)."""


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A valid example of a type with some of its model's fields (and maybe an unknown one)
    set to tricky values or dropped."""
    kind = draw(st.sampled_from(EVENT_TYPES))
    record = dict(VALID[kind])
    for name in EVENT_MODELS[kind].model_fields:
        action = draw(st.sampled_from(["keep", "keep", "set", "drop"]))
        if action == "set":
            record[name] = draw(st.sampled_from(TRICKY))
        elif action == "drop":
            record.pop(name, None)
    if draw(st.booleans()):
        record[draw(st.sampled_from(["note", "x", "type_"]))] = draw(st.sampled_from(TRICKY))
    return record


@settings(max_examples=1500, deadline=None)
@given(record=mutated())
def test_mutated_records_agree(record: dict[str, Any]) -> None:
    assert_same(record)


@settings(max_examples=200, deadline=None)
@given(
    record=st.dictionaries(
        st.sampled_from(FIELDS), st.sampled_from(TRICKY), min_size=3, max_size=10
    ).map(lambda r: {**r, "type": r.get("type") or "paid"})
)
def test_random_records_agree(record: dict[str, Any]) -> None:
    assert_same(record)


def test_non_objects_decline() -> None:
    for value in ([VALID["paid"]], "paid", 1, None):
        assert parse_plain(value) is None


def test_every_tricky_value_in_every_field_agrees() -> None:
    """Exhaustively: each field of each type (and an unknown one) set to each tricky value."""
    taken = 0
    for kind in EVENT_TYPES:
        for name in [*EVENT_MODELS[kind].model_fields, "note"]:
            for value in TRICKY:
                taken += assert_same({**VALID[kind], name: value})
    assert taken > 500  # the fast path does answer for most usual forms


def test_canonical_text_of_every_code_point_agrees() -> None:
    """The fast path writes the canonical text with orjson: for every character a text field
    can hold, it is the standard library's ``canonical_json`` text."""
    step = MAX_TEXT_LENGTH  # a text field holds at most this many characters
    for start in range(0, 0x110000, step):
        if 0xD800 <= start <= 0xDFFF:
            continue  # surrogates are no text (the importer rejects them)
        text = "".join(chr(c) for c in range(max(start, 1), start + step))
        record = {**VALID["paid"], "receipt_id": text, "channel": "a\x00b" + text[:7]}
        assert assert_same(record), start


# ---------------------------------------------------------------- one set of rules


ID_FORMS = st.sampled_from(
    [
        PERSON,
        PERSON.lower(),
        f" {PERSON} ",
        PERSON.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"}),
        PERSON[:6] + PERSON[8:17],
        BAD_CHECK,
        NEWBORN,
        NEWBORN[:-1] + "x",
        NEWBORN[:-1] + "Ｘ",
        id_number("61090219701305123"),
        id_number("61090219700230123"),
        "610902700230121",
        id_number("61090220300101123"),
        "P-OPAQUE",
        "６１０９",
        "٦١٠٩٠٢١٩٧٠٠٣٠٥١٢١٥",
        "P" * MAX_TEXT_LENGTH,
        "P" * (MAX_TEXT_LENGTH + 1),
    ]
)
DATES = st.sampled_from(
    [
        "1970-03-04",
        "1970-03-05",
        "1980-03-05",
        "2018-01-01",
        "2025-01-10",
        "2025-01-11",
        "1899-12-31",
        "2101-01-01",
    ]
)


@st.composite
def id_records(draw: st.DrawFn) -> dict[str, Any]:
    """A valid example whose person id, guardian id, date and birth date are drawn from forms
    that hit every ID rule (normalisation, 15 digits, birth dates, check digits)."""
    kind = draw(st.sampled_from(EVENT_TYPES))
    record = {**VALID[kind], "person_id": draw(ID_FORMS), "date": draw(DATES)}
    if kind == "registered":
        record["birth_date"] = draw(DATES)
    if kind == "born" and draw(st.booleans()):
        record["guardian_id"] = draw(ID_FORMS)
    return record


def outcome(record: Any) -> tuple[str, Any]:
    """What the import decides for a decoded line (its fast path, else parse_event)."""
    line = importer._parse(1, "", record)
    if line.event is None:
        assert line.error is not None
        return "rejected", line.error.reason
    assert line.canonical is None or line.canonical == canonical_json(line.event)
    return "accepted", canonical_json(line.event)


def expected(record: Any) -> tuple[str, Any]:
    """What the models decide."""
    try:
        return "accepted", canonical_json(parse_event(record))
    except InvalidEvent as exc:
        return "rejected", exc.reason


@settings(max_examples=1500, deadline=None)
@given(record=st.one_of(id_records(), mutated()))
def test_the_import_decides_exactly_as_the_models(record: dict[str, Any]) -> None:
    """The import's fast path accepts and rejects exactly the records the pydantic models
    accept and reject, with the same reason (and the same canonical form when accepted)."""
    assert_same(record)
    assert outcome(record) == expected(record)


def test_id_forms_take_the_fast_path() -> None:
    """The usual forms of a valid number (full-width, 15 digits, lower-case x) are decided by
    the fast path, not left to the general one."""
    for person_id in (
        PERSON.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"}),
        PERSON[:6] + PERSON[8:17],
        f" {PERSON} ",
    ):
        record = {**VALID["registered"], "person_id": person_id}
        assert assert_same(record)
        fast = parse_plain(record)
        assert fast is not None and fast[0].person_id == PERSON
    assert assert_same({**VALID["born"], "person_id": NEWBORN.lower()})
    # And a record failing an ID rule only after its fields are valid: declined, then
    # rejected by the models with the rule's reason.
    assert parse_plain({**VALID["registered"], "birth_date": "1980-03-05"}) is None
    assert parse_plain({**VALID["registered"], "birth_date": "1980-03-05"}, key_only=True) is None


# ---------------------------------------------------------------- the contract's limits


LIMITS: list[tuple[str, str, Any, str | None]] = [
    # (type, field, value, reason: None when accepted)
    ("paid", "amount", "99999999.99", None),
    ("paid", "amount", "100000000.00", "bad_amount"),
    ("paid", "amount", "٤٠٠", "bad_amount"),
    ("paid", "amount", "４００", "bad_amount"),
    ("refunded", "amount", "1" * 5000, "bad_amount"),
    ("reimbursed", "fund_amount", "100000000", "bad_amount"),
    ("reimbursed", "critical_illness_amount", "99999999.99", None),
    ("paid", "coverage_year", "２０２５", "bad_value"),
    ("paid", "coverage_year", "1" * 5000, "bad_value"),
    ("paid", "date", "0001-01-01", "bad_date"),
    ("paid", "date", "9999-12-31", "bad_date"),
    ("paid", "date", "1899-12-31", "bad_date"),
    ("paid", "date", "2100-12-31", None),
    ("registered", "birth_date", "1899-12-31", "bad_date"),
    ("reimbursed", "discharged_on", "2101-01-01", "bad_date"),
    ("died", "recorded_at", "0001-01-01T00:00:00+00:00", "bad_date"),
    ("paid", "event_id", "e" * MAX_TEXT_LENGTH, None),
    ("paid", "event_id", "e" * (MAX_TEXT_LENGTH + 1), "too_long"),
    ("died", "person_id", "P" * (MAX_TEXT_LENGTH + 1), "too_long"),
    ("born", "guardian_id", "P" * (MAX_TEXT_LENGTH + 1), "too_long"),
    ("paid", "receipt_id", "r" * (MAX_TEXT_LENGTH + 1), "too_long"),
    ("paid", "channel", "c" * MAX_TEXT_LENGTH, None),
    ("paid", "note", "n" * MAX_RECORD_BYTES, "too_long"),
    ("paid", "note", "n" * 10_000, None),  # measured (its bound is over), and under
    ("paid", "note", ["n" * 5_000] * 4, "too_long"),
    ("paid", "note", float("inf"), "bad_value"),
    ("died", "person_id", "٦١٠٩٠٢١٩٧٠٠٣٠٥١٢١٥", "bad_value"),
    ("born", "guardian_id", "６１０９０２１９７００３０５１２１５", None),  # full-width: mapped
]


@pytest.mark.parametrize(("kind", "name", "value", "reason"), LIMITS)
def test_limits_are_decided_alike(kind: str, name: str, value: Any, reason: str | None) -> None:
    """Each limit of the contract, each side: the models and the import's fast path agree,
    with the limit's reason."""
    record = {**VALID[kind], name: value}
    assert_same(record)
    assert outcome(record) == expected(record)
    assert expected(record)[0] == ("accepted" if reason is None else "rejected")
    if reason is not None:
        assert expected(record)[1] == reason


def test_a_plain_record_never_exceeds_the_record_limit() -> None:
    """Known fields are bounded, so only unknown fields (never plain) can make a record too
    large: the fast path needs no size check. The largest plain record, every text field at
    its limit in the characters with the longest canonical form, is under the limit."""
    worst = "\x01" * MAX_TEXT_LENGTH  # "\u0001" in JSON: six bytes a character
    record = {
        **VALID["paid"],
        "event_id": "e" + worst[1:],
        "receipt_id": worst,
        "channel": worst,
        "person_id": "P" + worst[1:],
        "recorded_at": "2024-10-10T10:00:00.123456+08:00",
    }
    fast = parse_plain(record)
    assert fast is not None
    assert len(fast[1].encode("utf-8")) < KNOWN_FIELDS_BOUND <= MAX_RECORD_BYTES / 2
