"""Shared pieces of the report tests: the README's example person and the acceptance cases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ledger.events import Event, parse_event
from policies import PolicyRegistry, builtin_registry
from projections.person import CHINA
from projections.replay import Cut
from tests.support import shared_dir

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "report_person.jsonl"
EXAMPLE_PERSON = "610926198003150016"
"""平利县, 低保 from 2024: paid 2022, broke 2023-2024, paid twice for 2025 and was refunded the
duplicate (recorded late, 2025-02-10); waits 3 + 1 months in 2025."""
MADE_AT = datetime(2026, 1, 5, 9, 30, tzinfo=CHINA)


def revised_policies(tmp: Path) -> Path:
    """A parameter file revising ankang-2025 (revision 9: a fixed waiting period of 2 months
    instead of 3), for comparing the built-in reading with a revised one."""
    path = tmp / "revised.json"
    version = {
        "id": "ankang-2025",
        "extends": "ankang-2025",
        "region": "610900",
        "coverage_year": 2025,
        "revision": 9,
        "source": "安医保发〔2024〕76号",
        "parameters": {"fixed_waiting_months": 2},
    }
    path.write_text(json.dumps({"versions": [version]}), encoding="utf-8")
    return path


def example_events() -> list[Event]:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    return [parse_event(json.loads(line)) for line in lines if line.strip()]  # type: ignore[misc]


@dataclass
class Case:
    name: str
    persons: list[str]
    events: list[Event]
    registry: PolicyRegistry
    cut: Cut
    raw: dict[str, Any]

    def events_of(self, person: str) -> list[Event]:
        return [e for e in self.events if e.person_id == person]


def _cut(args: list[str]) -> Cut:
    options = dict(zip(args[::2], args[1::2], strict=True))
    known = options.get("--known-on")
    return Cut(
        as_of=date.fromisoformat(options["--as-of"]) if "--as-of" in options else None,
        known_on=datetime.fromisoformat(known) if known else None,
    )


def acceptance_cases(tmp: Path) -> Iterator[Case]:
    """Every acceptance case with its events (good lines, first of each id), its registry
    (built-in plus the case's versions) and its cut."""
    shared = shared_dir()
    assert shared is not None
    for path in sorted((shared / "cases").glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        registry = builtin_registry()
        if raw.get("policies"):
            file = tmp / f"{path.stem}.policies.json"
            file.write_text(json.dumps({"versions": raw["policies"]}), encoding="utf-8")
            registry = registry.with_file(file)
        events: dict[str, Event] = {}
        for record in raw["events"]:
            try:
                event = parse_event(record)
            except ValueError:  # a bad line, left out as the import leaves it out
                continue
            events.setdefault(event.event_id, event)  # type: ignore[arg-type]  # first stands
        yield Case(
            path.stem,
            sorted(raw["expect"]),
            list(events.values()),
            registry,
            _cut([str(a) for a in raw.get("args", [])]),
            raw,
        )
