"""``ledger history``: a person's stored events as a table or as JSON.

Tables are for people, so ID numbers in them are masked (``610902********1234``), including
guardians' ids and any unknown field holding one, and region codes carry their names
(``region=610902 汉滨区``). JSON is for programs: the contract records,
in arrival order, each with ``recorded_at`` filled in.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from ledger.application import StoredFact
from ledger.events import event_to_record
from ledger.person_id import mask
from ledger.regions import region_label

_ID_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
"""An ID-number-shaped run of characters inside a longer text (a note, a composite id)."""

_COMMON = ("event_id", "person_id", "type", "date", "recorded_at")
_HEADERS = ("#", "date", "type", "details", "event_id", "recorded_at")


def history_json(facts: Sequence[StoredFact]) -> str:
    """The contract records of ``facts`` as one JSON array, in arrival order."""
    records = [event_to_record(fact.event) for fact in facts]
    return json.dumps(records, ensure_ascii=False, indent=1)


def history_table(person_id: str, facts: Sequence[StoredFact]) -> str:
    """A plain-text table of ``facts`` (arrival order), ID numbers masked."""
    rows = [
        (
            str(fact.position),
            fact.event.date.isoformat(),
            fact.event.type,
            _details(event_to_record(fact.event)),
            _mask_text(fact.event.event_id),
            fact.event.recorded_at.isoformat(timespec="seconds") if fact.event.recorded_at else "",
        )
        for fact in facts
    ]
    widths = [
        max([_width(header)] + [_width(row[i]) for row in rows])
        for i, header in enumerate(_HEADERS)
    ]
    lines = [f"person {mask(person_id)}: {len(facts)} events, in arrival order"]
    lines.append(_line(_HEADERS, widths))
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(_line(row, widths) for row in rows)
    return "\n".join(lines)


def _details(record: dict[str, Any]) -> str:
    parts = []
    for key, value in record.items():
        if key in _COMMON:
            continue
        if _is_region_field(key) and isinstance(value, str):
            value = region_label(value)
        parts.append(f"{_mask_text(key)}={_masked(value)}")
    return ", ".join(parts)


def _is_region_field(key: str) -> bool:
    """``region``, ``hukou_region`` (户籍地) …: fields of the contract holding a division code."""
    return key == "region" or key.endswith("_region")


def _mask_text(text: str) -> str:
    """Mask every ID number in ``text``, whole or embedded."""
    return _ID_IN_TEXT.sub(lambda m: mask(m.group()), text)


def _masked(value: Any) -> str:
    if isinstance(value, str):
        return _mask_text(value)
    # Numbers, lists and objects as JSON text, ID numbers masked wherever they appear.
    return _mask_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    padded = [c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)]
    return "  ".join(padded).rstrip()
