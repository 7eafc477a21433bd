"""``ledger history``: a person's stored events as a table, a JSON array or JSON Lines.

Tables are for people, so ID numbers in them are masked (``610902********1234``), including
guardians' ids and any unknown field holding one, and region codes carry their names
(``region=610902 汉滨区``); both clocks are shown in China Standard Time (``recorded_at``,
defaulting to ``stored_at``, and ``stored_at``). A table speaks Chinese or English
(``lang``): in Chinese its headers, event types, field names and coded values (identities,
reasons, purposes, yes/no) are the catalogue's words (:mod:`ledger.labels`); in English the
contract's own. JSON is for programs, and never translated: in arrival order, each
event's contract record as the source gave it (``recorded_at`` only when the source gave one)
plus ``stored_at`` (China Standard Time). Such a record imported again is the same record (the
import drops ``stored_at``, the ledger's own clock), so ``ledger history P --format jsonl |
ledger import -`` copies a person into another store unchanged, and into the same store
stores nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from ledger import labels as L
from ledger.application import StoredFact
from ledger.clock import in_china
from ledger.events import event_to_record, source_record
from ledger.labels import Lang, Wording
from ledger.person_id import mask, mask_ids_in
from ledger.regions import region_label
from ledger.tables import render_table

_COMMON = ("event_id", "person_id", "type", "date", "recorded_at")
_COLUMNS = ("number", "date", "type", "details", "event_id", "recorded_at", "stored_at")
_CODED: dict[str, dict[str, L.Label]] = {
    "identity": L.IDENTITIES,
    "purpose": L.PURPOSES,
    "late_reason": L.LATE_REASONS,
    "subsidy_mode": L.SUBSIDY_MODES,
}
"""Fields whose values are codes of the contract, shown in Chinese in a Chinese table."""


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


def history_table(person_id: str, facts: Sequence[StoredFact], *, lang: Lang = "en") -> str:
    """A plain-text table of ``facts`` (arrival order) in ``lang``, ID numbers masked, times
    in CST, through the project's table renderer."""
    say = Wording(lang)
    rows = [[say.column(key) for key in _COLUMNS]]
    rows += [
        [
            str(fact.position),
            fact.event.date.isoformat(),
            fact.event.type if lang == "en" else L.EVENT_TYPES[fact.event.type].zh,
            _details(fact.event.type, event_to_record(fact.event), say),
            _mask_text(fact.event.event_id),
            _seconds(fact.event.recorded_at),
            _seconds(fact.stored_at),
        ]
        for fact in facts
    ]
    title = say.word("history_title", person=mask(person_id), count=len(facts))
    return render_table(rows, title=title)


def _details(event_type: str, record: dict[str, Any], say: Wording) -> str:
    parts = []
    for key, value in record.items():
        if key in _COMMON:
            continue
        shown = _value(event_type, key, value, say)
        if say.lang == "zh":
            parts.append(f"{_mask_text(say.field(key))}：{shown}")
        else:
            parts.append(f"{_mask_text(key)}={shown}")
    return ("；" if say.lang == "zh" else ", ").join(parts)


def _value(event_type: str, key: str, value: Any, say: Wording) -> str:
    """A field's value for the table: a region with its name, in Chinese a code of the
    contract by its name (身份, 缴费用途, 原因 …) and yes/no; ID numbers masked."""
    if _is_region_field(key) and isinstance(value, str):
        return _mask_text(region_label(value))
    if say.lang == "zh":
        if key == "reason" and isinstance(value, str):
            table = L.REFUND_REASONS if event_type == "refunded" else L.STATUS_LOSS_REASONS
            if value in table:
                return table[value].zh
        elif key in _CODED and isinstance(value, str) and value in _CODED[key]:
            return _CODED[key][value].zh
        elif isinstance(value, bool):
            return say.yes_no(value)
    return _masked(value)


def _is_region_field(key: str) -> bool:
    """``region``, ``hukou_region`` (户籍地) …: fields of the contract holding a division code."""
    return key == "region" or key.endswith("_region")


_mask_text = mask_ids_in


def _masked(value: Any) -> str:
    if isinstance(value, str):
        return _mask_text(value)
    # Numbers, lists and objects as JSON text, ID numbers masked wherever they appear.
    return _mask_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
