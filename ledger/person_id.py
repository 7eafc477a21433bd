"""Resident identity numbers (公民身份号码, GB 11643-1999).

A person id in the interchange format is any non-empty string; when it has the shape of an
18-character resident ID number (17 digits and a check character), its check digit must be valid.
ID numbers are personal data: :func:`mask` is the only form that may appear in logs and tables.
"""

from __future__ import annotations

import re
from operator import mul

_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9Xx]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


class InvalidPersonId(ValueError):
    """The person id looks like a resident ID number but its check digit is wrong."""


def is_id_number(person_id: str) -> bool:
    """True when ``person_id`` has the shape of an 18-character resident ID number."""
    return bool(_ID_SHAPE.match(person_id))


def check_digit(first17: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2) for the first 17 digits."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError(f"expected 17 digits, got {len(first17)} characters")
    # map() keeps this on the import's hot path cheap (one call per event).
    total = sum(map(mul, map(int, first17), _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def validate_person_id(person_id: str) -> str:
    """Return the canonical person id (upper-case X) or raise :class:`InvalidPersonId`."""
    person_id = person_id.strip()
    if not person_id:
        raise InvalidPersonId("person_id is empty")
    if is_id_number(person_id):
        person_id = person_id.upper()
        expected = check_digit(person_id[:17])
        if person_id[17] != expected:
            raise InvalidPersonId(f"bad ID check digit: {mask(person_id)} should end in {expected}")
    return person_id


def mask(person_id: str) -> str:
    """Mask an ID number for display: ``610902********1234``; other ids are shown as they are."""
    if is_id_number(person_id):
        return person_id[:6] + "*" * 8 + person_id[14:]
    return person_id
