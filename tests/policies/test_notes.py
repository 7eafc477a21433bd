"""The audit trail's notes (policies/notes.py): one template per kind, in English and Chinese.

English is the contract's ``trace[].note``; Chinese is what ``--lang zh`` tables and the
auditor's report show. Every note the fold writes — for the acceptance cases and for a sweep of
generated histories — has both, and its Chinese holds no English word.
"""

from __future__ import annotations

import json
import re
import string
from datetime import date
from decimal import Decimal
from itertools import groupby
from typing import Any

import pytest

from ledger.events import parse_event
from policies import builtin_registry
from policies.notes import TEMPLATES, Note, note_text
from projections.person import project_person
from tests.report.support import shared_dir
from tests.support import load_script

ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_both_languages_take_the_same_values(key: str) -> None:
    english, chinese = TEMPLATES[key]
    assert _fields(english) == _fields(chinese)
    assert not ENGLISH_WORD.search(string.Formatter().vformat(chinese, (), _Blank()))


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def test_a_note_is_written_in_each_language() -> None:
    note = Note("employee_stop_from", stop=date(2024, 8, 10), paid=date(2024, 8, 20), start="x")
    assert str(note) == "employee insurance stopped 2024-08-10, paid 2024-08-20: from x"
    assert note_text(note, "en") == str(note)
    assert note_text(note, "zh") == "2024-08-10职工医保停保，2024-08-20缴费：x起享受待遇"
    assert note == str(note) and note != "something else"


def test_codes_and_regions_are_named_in_chinese() -> None:
    refund = Note("refund", amount=Decimal("400.00"), refund_reason="duplicate", day="2025-01-02")
    assert "duplicate" in str(refund)
    assert "duplicate" not in note_text(refund, "zh")
    held = Note("subsidy_unknown", identities=("dibao", "orphan"))
    assert str(held).startswith("dibao, orphan:")
    assert not ENGLISH_WORD.search(note_text(held, "zh"))
    place = Note("place_not_eligible", region="610902", day="2025-01-05", hukou="610926")
    assert "610902 汉滨区" in note_text(place, "zh") and "610926 平利县" in note_text(place, "zh")
    nested = Note(
        "enrolment_ended",
        what=Note("status_lost", loss_reason="enlisted", day="2025-03-01"),
        year=2025,
        ends="2025-02-28",
    )
    assert str(nested).startswith("resident status lost (enlisted) on 2025-03-01:")
    assert not ENGLISH_WORD.search(note_text(nested, "zh"))


def test_an_unknown_note_is_an_error() -> None:
    with pytest.raises(KeyError):
        Note("no-such-note")


def test_a_plain_text_note_is_shown_as_it_is() -> None:
    assert note_text("written by hand", "zh") == "written by hand"


def _notes_of(events: list[Any], registry: Any) -> list[Any]:
    notes = []
    events = sorted(events, key=lambda e: e.person_id)
    for _, group in groupby(events, key=lambda e: e.person_id):
        view = project_person(list(group), registry, explain=True)
        notes += [step.note for outcome in view.years for step in outcome.steps]
    return notes


def _generated() -> list[Any]:
    gen = load_script("gen_events")
    gen.BLOCK = 40
    return [parse_event(raw) for raw in gen.generate(4000, 7)]


def _case_notes() -> list[Any]:
    shared = shared_dir()
    if shared is None:
        return []
    notes = []
    for path in sorted((shared / "cases").glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        events = []
        for record in case["events"]:
            try:
                events.append(parse_event(record))
            except ValueError:
                continue  # the case's bad lines
        notes += _notes_of(events, builtin_registry())
    return notes


def _problems(notes: list[Any]) -> list[str]:
    problems = []
    for note in notes:
        if not isinstance(note, Note):
            problems.append(f"a note without a template: {note!r}")
            continue
        chinese = note_text(note, "zh")
        if ENGLISH_WORD.search(chinese):
            problems.append(f"{note.key}: English left in {chinese!r}")
    return sorted(set(problems))


def test_every_note_of_generated_histories_is_written_in_chinese() -> None:
    notes = _notes_of(_generated(), builtin_registry())
    assert len({n.key for n in notes if isinstance(n, Note)}) >= 10
    assert _problems(notes) == []


@pytest.mark.skipif(shared_dir() is None, reason="the acceptance cases are not at hand")
def test_every_note_of_the_acceptance_cases_is_written_in_chinese() -> None:
    notes = _case_notes()
    assert notes
    assert _problems(notes) == []


def test_the_contract_keeps_english_notes_and_a_table_for_people_shows_chinese() -> None:
    from tests.policies.support import History

    history = (
        History("610926")
        .add("employee_insurance_stopped", "2024-08-10")
        .paid("2024-08-20", 2024, "380")
    )
    english = history.year(2024, explain=True)
    assert any("employee insurance stopped" in step["note"] for step in english["trace"])
    view = project_person(history.parsed(), builtin_registry(), explain=True)
    chinese = next(y for y in view.to_dict(notes="zh")["years"] if y["year"] == 2024)["trace"]
    assert any("职工医保停保" in step["note"] for step in chinese)
    assert not any(ENGLISH_WORD.search(step["note"]) for step in chinese)


def test_the_reasons_of_flags_are_notes_too() -> None:
    """A flag's reason (``reasons`` of the view) is English in the contract and Chinese for
    people, like the trace's notes."""
    from tests.policies.support import History

    history = History("110101").paid("2024-10-10", 2025, "400")
    english = history.year(2025)["reasons"]["policy_missing"]
    assert english == "no policy version for region 110101 in coverage year 2025"
    view = project_person(history.parsed(), builtin_registry())
    chinese = next(y for y in view.to_dict(notes="zh")["years"] if y["year"] == 2025)
    assert chinese["reasons"]["policy_missing"] == "2025年度110101 东城区没有政策版本"


def test_the_not_registered_reason_keeps_its_code_in_the_contract() -> None:
    from tests.policies.support import History

    history = History("610902", registered=None).paid("2024-10-10", 2025, "400")
    assert history.year(2025)["reasons"]["policy_missing"] == "not_registered"
    view = project_person(history.parsed(), builtin_registry(), person_id=history.person_id)
    chinese = next(y for y in view.to_dict(notes="zh")["years"] if y["year"] == 2025)
    assert not ENGLISH_WORD.search(chinese["reasons"]["policy_missing"])
