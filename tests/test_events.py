"""Validation at the boundary (INTERCHANGE.md "Events in"): every event type, every field rule."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.events import (
    EVENT_MODELS,
    EVENT_TYPES,
    IDENTITY_CODES,
    REJECT_REASONS,
    InvalidEvent,
    Paid,
    Registered,
    canonical_json,
    compact_json,
    event_to_record,
    fingerprint,
    parse_event,
    sort_key,
)
from tests.support import BAD_CHECK, NEWBORN, VALID


def reason_of(raw: Any) -> str:
    with pytest.raises(InvalidEvent) as info:
        parse_event(raw)
    assert info.value.reason in REJECT_REASONS
    return info.value.reason


def with_(kind: str, **changes: Any) -> dict[str, Any]:
    record = dict(VALID[kind])
    for key, value in changes.items():
        if value is ...:
            record.pop(key, None)
        else:
            record[key] = value
    return record


def test_every_event_type_has_a_valid_example() -> None:
    assert set(VALID) == set(EVENT_TYPES) == set(EVENT_MODELS)


@pytest.mark.parametrize("kind", EVENT_TYPES)
def test_valid_example_parses_to_its_model(kind: str) -> None:
    event = parse_event(VALID[kind])
    assert isinstance(event, EVENT_MODELS[kind])
    assert event.type == kind
    assert event.event_id == VALID[kind]["event_id"]
    record = event_to_record(event)
    for key, value in VALID[kind].items():
        if key in ("amount", "fund_amount", "critical_illness_amount"):
            assert Decimal(record[key]) == Decimal(value)
            assert record[key] == format(Decimal(value).quantize(Decimal("0.01")), "f")
        else:
            assert record[key] == value, key


def test_parsed_values_have_domain_types() -> None:
    paid = parse_event(VALID["paid"])
    assert isinstance(paid, Paid)
    assert paid.amount == Decimal("400.00") and isinstance(paid.amount, Decimal)
    assert paid.date == date(2024, 10, 10)
    assert paid.coverage_year == 2025
    reg = parse_event(VALID["registered"])
    assert isinstance(reg, Registered) and reg.birth_date == date(1970, 3, 5)
    died = parse_event(VALID["died"])
    assert died.recorded_at == datetime(2025, 7, 3, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize("kind", EVENT_TYPES)
@pytest.mark.parametrize("field", ["event_id", "person_id", "type", "date"])
def test_common_fields_are_required(kind: str, field: str) -> None:
    assert reason_of(with_(kind, **{field: ...})) == "missing_field"
    # An empty CSV cell is an absent field.
    assert reason_of(with_(kind, **{field: ""})) == "missing_field"


REQUIRED_OWN_FIELDS = {
    "registered": ["region", "birth_date"],
    "region_changed": ["region"],
    "born": ["region"],
    "paid": ["coverage_year", "amount"],
    "refunded": ["coverage_year", "amount", "reason"],
    "identity_granted": ["identity"],
    "identity_revoked": ["identity"],
    "reimbursed": ["year", "fund_amount"],
}


@pytest.mark.parametrize(
    ("kind", "field"), [(k, f) for k, fields in REQUIRED_OWN_FIELDS.items() for f in fields]
)
def test_own_fields_are_required(kind: str, field: str) -> None:
    assert reason_of(with_(kind, **{field: ...})) == "missing_field"


OPTIONAL_FIELDS = {
    "born": ["guardian_id"],
    "paid": ["purpose", "receipt_id", "channel"],
    "identity_granted": ["recognized_on"],
    "reimbursed": ["critical_illness_amount", "reward_used"],
}


@pytest.mark.parametrize(
    ("kind", "field"), [(k, f) for k, fields in OPTIONAL_FIELDS.items() for f in fields]
)
def test_optional_fields_may_be_absent(kind: str, field: str) -> None:
    parse_event(with_(kind, **{field: ...}))


def test_defaults() -> None:
    paid = parse_event(with_("paid", purpose=...))
    assert paid.purpose == "contribution"
    granted = parse_event(with_("identity_granted", recognized_on=...))
    assert granted.recognized == granted.date
    assert parse_event(VALID["identity_granted"]).recognized == date(2023, 2, 20)
    assert parse_event(with_("reimbursed", reward_used=...)).reward_used is False
    assert parse_event(VALID["registered"]).recorded_at is None


@pytest.mark.parametrize("kind", ["deleted", "Paid", "PAID", " paid", 5, None, ["paid"]])
def test_unknown_type(kind: Any) -> None:
    record = with_("paid", type=kind)
    expected = "missing_field" if kind is None else "unknown_type"
    assert reason_of(record) == expected


@pytest.mark.parametrize("raw", [[1, 2], "text", 5, None, True])
def test_not_an_object_is_invalid_json(raw: Any) -> None:
    assert reason_of(raw) == "invalid_json"


@pytest.mark.parametrize("identity", IDENTITY_CODES)
def test_every_identity_code_is_accepted(identity: str) -> None:
    assert parse_event(with_("identity_granted", identity=identity)).identity == identity


@pytest.mark.parametrize("kind", ["identity_granted", "identity_revoked"])
@pytest.mark.parametrize("identity", ["poor", "DIBAO", "", 3])
def test_unknown_identity(kind: str, identity: Any) -> None:
    expected = "missing_field" if identity == "" else "unknown_identity"
    assert reason_of(with_(kind, identity=identity)) == expected


@pytest.mark.parametrize("kind", EVENT_TYPES)
def test_person_id_check_digit(kind: str) -> None:
    assert reason_of(with_(kind, person_id=BAD_CHECK)) == "bad_check_digit"


def test_person_id_forms() -> None:
    # Lower-case x is canonicalised; ids that are not ID numbers are kept as they are.
    assert parse_event(with_("born", person_id=NEWBORN.lower())).person_id == NEWBORN
    assert parse_event(with_("paid", person_id="P-00017")).person_id == "P-00017"
    assert parse_event(with_("paid", person_id="61090219700305121")).person_id  # 17 chars
    assert reason_of(with_("paid", person_id=610902197003051215)) == "bad_value"
    assert reason_of(with_("born", guardian_id=BAD_CHECK)) == "bad_check_digit"


def test_rejection_messages_mask_id_numbers() -> None:
    with pytest.raises(InvalidEvent) as info:
        parse_event(with_("paid", person_id=BAD_CHECK))
    assert BAD_CHECK not in info.value.message
    assert "610902********1210" in info.value.message


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("paid", "amount"),
        ("refunded", "amount"),
        ("reimbursed", "fund_amount"),
        ("reimbursed", "critical_illness_amount"),
    ],
)
@pytest.mark.parametrize(
    "amount",
    [
        "-400",
        "400.001",
        "1e3",
        "abc",
        "4 00",
        "NaN",
        "Infinity",
        400.5,
        True,
        "+4",
        # ASCII digits only (\d and Decimal read these as 400); at most MAX_AMOUNT.
        "٤٠٠",
        "４００",
        "۴۰۰",
        "100000000",
        "99999999.991",
        10**8,
        Decimal("1E+999999"),
        Decimal("-1E+999999"),
        Decimal("sNaN"),
    ],
)
def test_bad_amount(kind: str, field: str, amount: Any) -> None:
    assert reason_of(with_(kind, **{field: amount})) == "bad_amount"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("400", "400.00"),
        ("400.00", "400.00"),
        ("60.5", "60.50"),
        ("0", "0.00"),
        (7, "7.00"),
        ("99999999.99", "99999999.99"),
        (Decimal("99999999.99"), "99999999.99"),
        ("0000000400", "400.00"),
    ],
)
def test_good_amount(amount: Any, expected: str) -> None:
    event = parse_event(with_("paid", amount=amount))
    assert event_to_record(event)["amount"] == expected
    assert event.amount == Decimal(expected)


def test_a_number_too_long_to_print_is_a_clear_reject() -> None:
    """Python refuses to print an integer past 4,300 digits (with a hint about
    sys.set_int_max_str_digits): the reject says what is wrong instead."""
    for field, reason in (("amount", "bad_amount"), ("coverage_year", "bad_value")):
        with pytest.raises(InvalidEvent) as info:
            parse_event(with_("paid", **{field: 10**5000}))
        assert info.value.reason == reason
        assert "set_int_max_str_digits" not in info.value.message
        assert "too long to show" in info.value.message


@pytest.mark.parametrize("kind", ["registered", "region_changed", "born"])
@pytest.mark.parametrize("region", ["999999", "61090", "6109021", "beijing", 610902.0])
def test_unknown_region(kind: str, region: Any) -> None:
    assert reason_of(with_(kind, region=region)) == "unknown_region"


@pytest.mark.parametrize(
    ("kind", "field"),
    [(k, "date") for k in EVENT_TYPES]
    + [("registered", "birth_date"), ("identity_granted", "recognized_on")],
)
@pytest.mark.parametrize("value", ["2025-02-30", "2025-13-01", "2025-1-1", "01/02/2025", 20250101])
def test_bad_date(kind: str, field: str, value: Any) -> None:
    assert reason_of(with_(kind, **{field: value})) == "bad_date"


def test_a_datetime_is_not_a_date() -> None:
    assert reason_of(with_("died", date="2025-06-30T00:00:00+08:00")) == "bad_date"


@pytest.mark.parametrize(
    "value", ["2025-07-03T09:30:00", "2025-07-03", "yesterday", 1751506200, "2025-07-03T09:30"]
)
def test_recorded_at_must_be_timezone_aware(value: Any) -> None:
    assert reason_of(with_("died", recorded_at=value)) == "bad_date"


@pytest.mark.parametrize(
    "value",
    ["2025-07-03T09:30:00+08:00", "2025-07-03T01:30:00Z", "2025-07-03T01:30:00.250+00:00"],
)
def test_recorded_at_with_offset(value: Any) -> None:
    event = parse_event(with_("died", recorded_at=value))
    assert event.recorded_at is not None and event.recorded_at.utcoffset() is not None
    again = parse_event(event_to_record(event))
    assert again.recorded_at == event.recorded_at
    assert again.recorded_at.utcoffset() == event.recorded_at.utcoffset()


def test_recorded_at_offset_with_seconds_is_rejected() -> None:
    # ISO 8601 offsets are whole minutes; one with seconds used to be stored without them,
    # moving the instant.
    assert reason_of(with_("died", recorded_at="2025-07-03T09:30:00+05:30:15")) == "bad_date"
    odd = datetime(2025, 7, 3, tzinfo=timezone(timedelta(seconds=19532)))
    assert reason_of(with_("died", recorded_at=odd)) == "bad_date"


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("paid", "coverage_year", "twenty"),
        ("paid", "coverage_year", 1989),
        ("paid", "coverage_year", 2101),
        ("paid", "coverage_year", True),
        ("paid", "coverage_year", 2025.0),
        ("refunded", "coverage_year", "2025.5"),
        ("reimbursed", "year", None),
        ("paid", "purpose", "gift"),
        ("paid", "receipt_id", 12),
        ("refunded", "reason", "changed_mind"),
        ("reimbursed", "reward_used", "maybe"),
        ("reimbursed", "reward_used", 2),
        ("paid", "event_id", "   "),
        ("paid", "event_id", 17),
        ("paid", "event_id", "a\x00b"),
        ("paid", "person_id", "P\x001"),
    ],
)
def test_bad_value(kind: str, field: str, value: Any) -> None:
    expected = "missing_field" if value is None else "bad_value"
    assert reason_of(with_(kind, **{field: value})) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("1", True), ("false", False), ("", False)]
)
def test_reward_used_csv_forms(value: str, expected: bool) -> None:
    assert parse_event(with_("reimbursed", reward_used=value)).reward_used is expected


def test_year_from_csv_cell() -> None:
    assert parse_event(with_("paid", coverage_year=" 2025 ")).coverage_year == 2025


def test_unknown_fields_are_kept() -> None:
    record = with_(
        "paid", 经办机构="旬阳市医保中心", batch={"n": 3, "tags": ["a", None]}, score=1.5
    )
    event = parse_event(record)
    out = event_to_record(event)
    assert out["经办机构"] == "旬阳市医保中心"
    assert out["batch"] == {"n": 3, "tags": ["a", None]}
    assert out["score"] == 1.5
    assert parse_event(out) == event


def test_deeply_nested_unknown_field_is_rejected_not_a_crash() -> None:
    nested: Any = 1
    for _ in range(400):
        nested = [nested]
    assert reason_of(with_("paid", deep=nested)) == "bad_value"
    shallow: Any = 1
    for _ in range(50):
        shallow = [shallow]
    event = parse_event(with_("paid", deep=shallow))
    assert parse_event(event_to_record(event)) == event


def test_canonical_form_ignores_input_formatting() -> None:
    a = parse_event(with_("paid", amount="400"))
    b = parse_event({**with_("paid", amount="400.00"), "coverage_year": "2025"})
    assert canonical_json(a) == canonical_json(b)
    assert fingerprint(a) == fingerprint(b)
    c = parse_event(with_("paid", amount="400.01"))
    assert fingerprint(c) != fingerprint(a)


def test_events_are_frozen() -> None:
    event = parse_event(VALID["paid"])
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises its ValidationError
        event.amount = Decimal("1")  # type: ignore[misc]


def test_sort_key_business_date_then_recorded_at() -> None:
    early = parse_event(with_("paid", event_id="a", date="2024-10-10"))
    late_recorded = parse_event(
        with_("paid", event_id="b", date="2024-10-10", recorded_at="2024-10-11T00:00:00+08:00")
    )
    earlier_date = parse_event(with_("paid", event_id="c", date="2024-09-01"))
    ordered = sorted([late_recorded, early, earlier_date], key=sort_key)
    assert [e.event_id for e in ordered] == ["c", "a", "b"]


json_objects = st.dictionaries(
    st.text(),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda children: (
            st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3)
        ),
        max_leaves=10,
    ),
)


@settings(max_examples=100, deadline=None)
@given(obj=json_objects, sort_keys=st.booleans())
def test_compact_json_is_json_dumps(obj: dict[str, Any], sort_keys: bool) -> None:
    expected = json.dumps(obj, sort_keys=sort_keys, ensure_ascii=False, separators=(",", ":"))
    assert compact_json(obj, sort_keys=sort_keys) == expected
