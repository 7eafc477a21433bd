"""The read path decodes stored records without validating them again: it must give exactly
what validation gives."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings

from ledger.events import canonical_json, parse_event, trusted_event
from tests.support import VALID
from tests.test_properties import person_history, person_ids


def test_every_type_reads_back_equal() -> None:
    for record in VALID.values():
        event = parse_event(record)
        stored = json.loads(canonical_json(event))
        again = trusted_event(stored)
        assert again == event
        assert type(again) is type(event)
        assert again.model_dump() == event.model_dump()
        assert canonical_json(again) == canonical_json(event)


@settings(max_examples=60, deadline=None)
@given(person_ids.flatmap(lambda pid: person_history(pid, "t")))
def test_random_valid_events_read_back_equal(records: list[dict[str, Any]]) -> None:
    for record in records:
        event = parse_event(record)
        again = trusted_event(json.loads(canonical_json(event)))
        assert again == event and canonical_json(again) == canonical_json(event)
