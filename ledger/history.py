"""``ledger history``: a person's stored events as a table, a JSON array or JSON Lines.

Tables are for people, so ID numbers in them are masked (``610902********1234``), including
guardians' ids and any unknown field holding one, and region codes carry their names
(``region=610902 汉滨区``); both clocks are shown in China Standard Time (``recorded_at``,
defaulting to ``stored_at``, and ``stored_at``). JSON is for programs: in arrival order, each
event's contract record as the source gave it (``recorded_at`` only when the source gave one)
plus ``stored_at`` (China Standard Time). Such a record imported again is the same record (the
import drops ``stored_at``, the ledger's own clock), so ``ledger history P --format jsonl |
ledger import -`` copies a person into another store unchanged, and into the same store
stores nothing.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any

from ledger.application import StoredFact
from ledger.clock import in_china
from ledger.events import event_to_record, source_record
from ledger.person_id import mask, mask_ids_in
from ledger.regions import region_label

_COMMON = ("event_id", "person_id", "type", "date", "recorded_at")
_HEADERS = ("#", "date", "type", "details", "event_id", "recorded_at (CST)", "stored_at (CST)")


def history_record(fact: StoredFact) -> dict[str, Any]:
    """One stored event for programs: its source record plus ``stored_at`` (CST)."""
    record = source_record(fact.event)
    record["stored_at"] = in_china(fact.stored_at).isoformat()
    return record


def history_json(facts: Sequence[StoredFact]) -> str:
    """The records of ``facts`` (:func:`history_record`) as one JSON array, arrival order."""
    return json.dumps([history_record(fact) for fact in facts], ensure_ascii=False, indent=1)


def history_jsonl(facts: Sequence[StoredFact]) -> Iterator[str]:
    """The records of ``facts`` (:func:`history_record`) as JSON Lines, one per event."""
    for fact in facts:
        yield json.dumps(history_record(fact), ensure_ascii=False, separators=(",", ":"))


def _seconds(moment: Any) -> str:
    return in_china(moment).isoformat(timespec="seconds") if moment is not None else ""


def history_table(person_id: str, facts: Sequence[StoredFact]) -> str:
    """A plain-text table of ``facts`` (arrival order), ID numbers masked, times in CST."""
    rows = [
        (
            str(fact.position),
            fact.event.date.isoformat(),
            fact.event.type,
            _details(event_to_record(fact.event)),
            _mask_text(fact.event.event_id),
            _seconds(fact.event.recorded_at),
            _seconds(fact.stored_at),
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


_mask_text = mask_ids_in


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
