"""ID numbers as INTERCHANGE.md "ID numbers" has them: normalisation, 15 → 18 digits, a real
birth date not after the event, ``birth_date`` (``born``: ``date``) equal to the encoded one,
the check digit; each failure with its own reason; normalised ids stored, compared, sorted,
output; never shown unmasked."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.application import LedgerApp
from ledger.events import InvalidEvent, parse_event
from ledger.importer import import_file
from ledger.person_id import (
    BadIdBirthDate,
    InvalidPersonId,
    check_digit,
    id_birth_date,
    is_id_number,
    mask,
    mask_ids_in,
    normalise_person_id,
    validate_person_id,
)
from tests.support import NEWBORN, PERSON, VALID, id_number, paid, read_rejects, write_jsonl

FULL_WIDTH = PERSON.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})
"""PERSON in full-width digits (６１０９…)."""
FIRST_GENERATION = PERSON[:6] + PERSON[8:17]
"""PERSON's 15-digit (first-generation) form: no century, no check digit."""
MONTH_13 = id_number("61090219701305123")
"""Check digit right, birth month 13."""


def reason_of(record: dict[str, Any]) -> str:
    with pytest.raises(InvalidEvent) as info:
        parse_event(record)
    return info.value.reason


def test_normalisation() -> None:
    assert FULL_WIDTH != PERSON and len(FULL_WIDTH) == 18
    assert validate_person_id(FULL_WIDTH) == PERSON
    assert validate_person_id(f"  {PERSON}\u3000") == PERSON
    assert validate_person_id(NEWBORN.lower()) == NEWBORN
    assert validate_person_id(NEWBORN[:-1] + "ｘ") == NEWBORN
    assert validate_person_id(NEWBORN[:-1] + "Ｘ") == NEWBORN
    assert validate_person_id(FIRST_GENERATION) == PERSON
    assert validate_person_id(FULL_WIDTH[:6] + FULL_WIDTH[8:17]) == PERSON
    # Opaque ids are kept as given (trimmed): no mapping, no case change.
    opaque_ids = ("P-00017", "p-ｘ", "６１０９０２", PERSON[:17], PERSON + "0", "6109021970030512X")
    for opaque in opaque_ids:
        assert validate_person_id(f" {opaque} ") == opaque
        assert not is_id_number(opaque)


def test_fifteen_digits_become_eighteen() -> None:
    body = "610902" + "19" + "700305121"
    assert validate_person_id("610902700305121") == body + check_digit(body)
    assert normalise_person_id("610902700305121") == PERSON
    # The 15-digit form has no check digit of its own: only the birth date can be wrong.
    with pytest.raises(BadIdBirthDate):
        validate_person_id("610902701305121")


@pytest.mark.parametrize(
    "number",
    [
        MONTH_13,
        id_number("61090219700230123"),  # 30 February
        id_number("61090219700005123"),  # month 00
        id_number("61090219700300123"),  # day 00
        "610902700230121",  # 15 digits, 30 February
    ],
)
def test_no_real_birth_date(number: str) -> None:
    with pytest.raises(BadIdBirthDate) as info:
        validate_person_id(number)
    assert info.value.reason == "bad_id_birth_date"
    assert number not in str(info.value) and "********" in str(info.value)
    assert reason_of({**VALID["paid"], "person_id": number}) == "bad_id_birth_date"
    assert reason_of({**VALID["born"], "guardian_id": number}) == "bad_id_birth_date"


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_digit_is_iso_7064_mod_11_2(body: str) -> None:
    """GB 11643's check character, as the standard writes it: the digits weighed by
    2^(17-i) mod 11, summed, mod 11, mapped to 1 0 X 9 8 7 6 5 4 3 2."""
    total = sum(int(digit) * (2 ** (17 - i) % 11) for i, digit in enumerate(body))
    assert check_digit(body) == "10X98765432"[total % 11]


def test_check_digit_of_the_standards_example() -> None:
    assert check_digit("11010519491231002") == "X"
    with pytest.raises(ValueError):
        check_digit("1101051949123100")
    with pytest.raises(ValueError):
        check_digit("1101051949123100\uff12")  # a full-width digit: not ASCII


def test_wrong_check_digit() -> None:
    wrong = PERSON[:17] + ("0" if PERSON[17] != "0" else "1")
    with pytest.raises(InvalidPersonId) as info:
        validate_person_id(wrong)
    assert not isinstance(info.value, BadIdBirthDate)
    assert info.value.reason == "bad_check_digit"
    assert reason_of({**VALID["paid"], "person_id": wrong}) == "bad_check_digit"


def test_birth_date_must_match_the_number() -> None:
    """The issue's case: an ID number of 1970 with birth_date 1980 (and the reverse)."""
    assert reason_of({**VALID["registered"], "birth_date": "1980-03-05"}) == ("birth_date_mismatch")
    assert reason_of({**VALID["born"], "date": "2025-01-11"}) == "birth_date_mismatch"
    # The same through the 15-digit and full-width forms.
    for form in (FIRST_GENERATION, FULL_WIDTH):
        assert parse_event({**VALID["registered"], "person_id": form}).person_id == PERSON
        record = {**VALID["registered"], "person_id": form, "birth_date": "1970-03-06"}
        assert reason_of(record) == "birth_date_mismatch"
    # An opaque id has no encoded birth date to compare.
    assert parse_event({**VALID["registered"], "person_id": "P-1", "birth_date": "1980-01-01"})


def test_no_event_before_the_encoded_birth() -> None:
    assert reason_of({**VALID["paid"], "date": "1970-03-04"}) == "id_birth_after_date"
    assert parse_event({**VALID["paid"], "date": "1970-03-05"})
    registered = {**VALID["registered"], "date": "1970-03-04"}
    assert reason_of(registered) == "id_birth_after_date"
    young_guardian = id_number("61090220250111001")
    assert reason_of({**VALID["born"], "guardian_id": young_guardian}) == "id_birth_after_date"
    assert parse_event({**VALID["born"], "guardian_id": id_number("61090220250110002")})


def test_messages_never_show_the_number() -> None:
    for record in (
        {**VALID["registered"], "birth_date": "1980-03-05"},
        {**VALID["paid"], "date": "1960-01-01"},
        {**VALID["paid"], "person_id": MONTH_13},
        {**VALID["born"], "guardian_id": id_number("61090220250111001")},
        {**VALID["born"], "date": "2025-01-11"},
        {**VALID["paid"], "event_id": f"pay {PERSON}", "amount": "-1"},
    ):
        with pytest.raises(InvalidEvent) as info:
            parse_event(record)
        assert not any(
            str(v) in info.value.message for v in record.values() if is_id_number(str(v))
        ), info.value.message
        assert mask_ids_in(info.value.message) == info.value.message


def test_mask() -> None:
    assert mask(PERSON) == "610902********1215"
    assert mask(FULL_WIDTH) == "610902********1215"
    assert mask(FIRST_GENERATION) == "610902******121"
    assert mask(NEWBORN.lower()) == "610902********001x"
    assert mask("P-1") == "P-1"
    text = f"a {PERSON}, b {FULL_WIDTH}x, c ({FIRST_GENERATION}) d {PERSON}0 e"
    assert mask_ids_in(text) == (
        "a 610902********1215, b " + FULL_WIDTH + "x, c (610902******121) d " + PERSON + "0 e"
    )


@settings(max_examples=300, deadline=None)
@given(
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)),
    region=st.from_regex(r"\A[0-9]{6}\Z"),
    serial=st.from_regex(r"\A[0-9]{3}\Z"),
)
def test_both_generations_are_one_number(birth: date, region: str, serial: str) -> None:
    eighteen = id_number(f"{region}{birth:%Y%m%d}{serial}")
    fifteen = f"{region}{birth:%y%m%d}{serial}"
    assert validate_person_id(fifteen) == eighteen
    assert id_birth_date(eighteen) == birth
    assert mask(fifteen)[:6] == mask(eighteen)[:6] == region


# ---------------------------------------------------------------- through the store


def test_every_form_of_a_number_is_one_person(app: LedgerApp, tmp_path: Path) -> None:
    """Full-width, 15-digit and lower-case forms are stored as the normalised number: one
    person, one aggregate; the same line in another form is present, not a conflict."""
    registered = {**VALID["registered"], "person_id": FIRST_GENERATION}
    payment = paid("p-1", person_id=FULL_WIDTH)
    same_payment = paid("p-1", person_id=f" {PERSON} ")
    path = write_jsonl(tmp_path / "forms.jsonl", [registered, payment, same_payment])
    summary = import_file(app, path)
    assert (summary.stored, summary.present, summary.rejected) == (2, 1, 0)
    assert list(app.person_ids()) == [PERSON]
    events = app.events_of(FIRST_GENERATION)
    assert [e.person_id for e in events] == [PERSON, PERSON]
    assert [e.event_id for e in app.events_of(FULL_WIDTH)] == ["v-registered", "p-1"]


def test_each_id_failure_is_rejected_with_its_reason(app: LedgerApp, tmp_path: Path) -> None:
    lines = [
        {**VALID["registered"], "event_id": "r-1980", "birth_date": "1980-03-05"},
        paid("p-13", person_id=MONTH_13),
        paid("p-check", person_id=PERSON[:17] + "0"),
        {**paid("p-early"), "date": "1969-12-31"},
        paid("p-ok", person_id=FIRST_GENERATION),
    ]
    path = write_jsonl(tmp_path / "ids.jsonl", lines)
    summary = import_file(app, path)
    assert summary.stored == 1
    assert [(r["event_id"], r["reason"]) for r in read_rejects(path)] == [
        ("r-1980", "birth_date_mismatch"),
        ("p-13", "bad_id_birth_date"),
        ("p-check", "bad_check_digit"),
        ("p-early", "id_birth_after_date"),
    ]
    assert all(PERSON not in r["message"] for r in read_rejects(path))


ARABIC_INDIC = PERSON.translate({ord(c): 0x0660 + int(c) for c in "0123456789"})
DEVANAGARI = PERSON.translate({ord(c): 0x0966 + int(c) for c in "0123456789"})


@pytest.mark.parametrize("person_id", [ARABIC_INDIC, DEVANAGARI, "P-٣", "６１０٩"])
def test_digits_of_other_scripts_are_refused(person_id: str) -> None:
    """INTERCHANGE.md "ID numbers" maps full-width digits to ASCII; digits of any other script
    would make an opaque id that is an ID number in disguise (another spelling of a person,
    shown unmasked): refused, without showing the number."""
    with pytest.raises(InvalidPersonId) as info:
        validate_person_id(person_id)
    assert info.value.reason == "bad_value"
    assert person_id not in str(info.value) and "another script" in str(info.value)
    record = {**VALID["paid"], "person_id": person_id}
    with pytest.raises(InvalidEvent) as rejected:
        parse_event(record)
    assert rejected.value.reason == "bad_value"
    assert person_id not in rejected.value.message


def test_ids_in_other_scripts_are_masked_in_texts() -> None:
    """A rejected line keeps its text in the rejects file, masked: an ID number written in
    another script's digits is masked too."""
    assert mask(ARABIC_INDIC) == "610902********1215"
    assert mask_ids_in(f'{{"person_id": "{DEVANAGARI}"}}') == '{"person_id": "610902********1215"}'
    assert mask_ids_in("٣٣٣") == "٣٣٣"  # not ID-shaped: kept
