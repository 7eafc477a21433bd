"""Resident identity numbers (公民身份号码, GB 11643-1999), as INTERCHANGE.md "ID numbers" has them.

A person id in the interchange format is any non-empty string. It is trimmed; full-width digits
and ``Ｘ``/``ｘ`` are mapped to ASCII and a final ``x`` is upper-cased. The result is an ID
number when it is 17 digits plus a digit or ``X`` (second generation), or 15 digits (first
generation); anything else is an opaque id, kept as given (trimmed). A 15-digit number becomes
18 digits: ``19`` inserted after the sixth digit, then the check digit appended, so both forms
of one person's number are one person. An ID number is valid when its birth date is a real
date and its check digit is right (the region digits are not checked); that the birth date is
not after the event's date, and equals ``birth_date`` on ``registered`` (``date`` on ``born``),
is checked with the event (:func:`ledger.events.check_id_dates`).

:func:`validate_person_id` gives the normalised form, which is what the ledger stores, compares,
sorts and prints. ID numbers are personal data: :func:`mask` (one id) and :func:`mask_ids_in`
(ids inside a text) are the only forms that may appear in logs, errors and tables.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache
from operator import mul

_ID18 = re.compile(r"[0-9]{17}[0-9Xx]")
_ID15 = re.compile(r"[0-9]{15}")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_ZEROS_WEIGHED = ord("0") * sum(_WEIGHTS)
_TO_ASCII = str.maketrans(
    {**{chr(0xFF10 + n): str(n) for n in range(10)}, "\uff38": "X", "\uff58": "x"}
)
"""Full-width digits ``０``-``９`` and ``Ｘ``/``ｘ`` → ASCII."""
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")
"""A decimal digit (Unicode ``Nd``) other than ASCII, once full-width ones are mapped: ``٦``,
``६``, ``๖`` … (``\\d`` of a ``str`` pattern is every ``Nd`` character)."""


class InvalidPersonId(ValueError):
    """A person id that is an ID number but not a valid one. ``reason`` is its reject reason
    (INTERCHANGE.md, "Bad input")."""

    reason = "bad_check_digit"


class BadIdBirthDate(InvalidPersonId):
    """An ID number whose birth date digits are no real date (month 13, 30 February …)."""

    reason = "bad_id_birth_date"


class OtherScriptDigits(InvalidPersonId):
    """A person id with decimal digits of another script than ASCII and full-width
    (Arabic-Indic ``٦١٠…``, Devanagari …): no ID number is written so, and as an opaque id it
    would be a second, unmaskable spelling of one."""

    reason = "bad_value"


def check_digit(first17: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2) for the first 17 digits."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError(f"expected 17 digits, got {len(first17)} characters")
    # The digits' bytes (ASCII: "0" is 48), each weighed, less the weighed 48s: one call per
    # distinct id on the import's hot path, 0.8 µs against 1.9 with int() of each digit.
    total = sum(map(mul, first17.encode("ascii"), _WEIGHTS)) - _ZEROS_WEIGHED
    return _CHECK_CHARS[total % 11]


def _shape(text: str) -> str | None:
    """The 18-character form of ``text`` (already trimmed) when it has the shape of an ID
    number, full-width characters mapped, ``x`` upper-cased, 15 digits widened (``19`` and
    the check digit); ``None`` for an opaque id. The check digit of 18 characters is not
    checked here."""
    if not text.isascii():
        text = text.translate(_TO_ASCII)
    if len(text) == 18 and _ID18.fullmatch(text):
        return text.upper() if text[17] == "x" else text
    if len(text) == 15 and _ID15.fullmatch(text):
        body = text[:6] + "19" + text[6:]
        return body + check_digit(body)
    return None


def normalise_person_id(person_id: str) -> str:
    """The normalised form of ``person_id`` without validating it: an ID number as 18 ASCII
    characters, an opaque id trimmed."""
    text = person_id.strip()
    return _shape(text) or text


def is_id_number(person_id: str) -> bool:
    """True when ``person_id`` has the shape of a resident ID number (18 characters or 15
    digits, full-width or not)."""
    return _shape(person_id.strip()) is not None


def _birth_date(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


@lru_cache(maxsize=1 << 16)
def validate_person_id(person_id: str) -> str:
    """Return the normalised person id or raise :class:`InvalidPersonId` (wrong check digit)
    or :class:`BadIdBirthDate` (no real birth date)."""
    text = person_id.strip()
    if not text:
        raise InvalidPersonId("person_id is empty")
    if not text.isascii():
        other = _OTHER_DIGIT.search(text.translate(_TO_ASCII))
        if other is not None:
            digit = other.group()
            name = unicodedata.name(digit, "a digit")
            raise OtherScriptDigits(
                f"person id has a digit of another script (U+{ord(digit):04X} {name}): "
                "ID numbers are written in ASCII or full-width digits"
            )
    number = _shape(text)
    if number is None:
        return text
    if _birth_date(number) is None:
        raise BadIdBirthDate(f"ID number {mask(number)} encodes no real birth date")
    if len(text) != 15:
        expected = check_digit(number[:17])
        if number[17] != expected:
            raise InvalidPersonId(f"bad ID check digit: {mask(number)} should end in {expected}")
    return number


@lru_cache(maxsize=1 << 16)
def id_birth_date(person_id: str) -> date | None:
    """The birth date a normalised, valid ID number encodes; ``None`` for an opaque id.
    (Cached: the import asks it for every event, of persons who recur.)"""
    if len(person_id) != 18 or not _ID18.fullmatch(person_id):
        return None
    return _birth_date(person_id)


def mask(person_id: str) -> str:
    """Mask an ID number for display: ``610902********1234`` (a 15-digit one:
    ``610902******123``); other ids are shown as they are."""
    text = person_id.strip()
    ascii_text = _ascii_digits(text) if not text.isascii() else text
    if len(ascii_text) == 18 and _ID18.fullmatch(ascii_text):
        return ascii_text[:6] + "*" * 8 + ascii_text[14:]
    if len(ascii_text) == 15 and _ID15.fullmatch(ascii_text):
        return ascii_text[:6] + "*" * 6 + ascii_text[12:]
    return person_id


def _ascii_digits(text: str) -> str:
    """``text`` with full-width ``Ｘ``/``ｘ`` and every decimal digit of any script in ASCII."""
    return _OTHER_DIGIT.sub(
        lambda m: str(unicodedata.decimal(m.group())), text.translate(_TO_ASCII)
    )


_ID_IN_TEXT = re.compile(r"(?<!\d)(?:\d{17}[\dXxＸｘ]|\d{15})(?![\dA-Za-zＸｘ])")
"""An ID-number-shaped run of characters inside a longer text (a note, a composite id, a
message, a rejected line): 18 characters or 15 digits, in ASCII, full-width or any other
script's decimal digits (``\\d`` of a ``str`` pattern)."""


def mask_ids_in(text: str) -> str:
    """``text`` with every ID number in it masked, whole or embedded."""
    return _ID_IN_TEXT.sub(lambda m: mask(m.group()), text)


__all__ = [
    "BadIdBirthDate",
    "InvalidPersonId",
    "OtherScriptDigits",
    "check_digit",
    "id_birth_date",
    "is_id_number",
    "mask",
    "mask_ids_in",
    "normalise_person_id",
    "validate_person_id",
]
