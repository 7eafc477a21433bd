"""Real exports are not in registration order: a synthetic population whose lines are shuffled
and split across three files, imported in random order, gives exactly the views of the
ordered import (POLICY.md I-order). On SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from ledger.application import open_ledger
from ledger.importer import import_file
from ledger.synth import generate, to_line
from policies import builtin_registry
from projections.replay import Cut, store_views

PERSONS = 300
CUT = Cut(as_of=date(2025, 12, 31))


def _views(db: str, paths: list[Path]) -> list[dict]:  # type: ignore[type-arg]
    with open_ledger(db) as app:
        for path in paths:
            summary = import_file(app, path, batch_size=500)
            assert summary.rejected == 0, summary.reasons
        return [v.to_dict() for v in store_views(app, builtin_registry(), cut=CUT)]


def test_shuffled_split_population_gives_the_views_of_the_ordered_import(
    ledger_db: str, other_ledger_db: str, tmp_path: Path
) -> None:
    lines = [to_line(record) for record in generate(PERSONS, (2021, 2025), seed=23)]
    ordered = tmp_path / "ordered.jsonl"
    ordered.write_text("".join(lines), encoding="utf-8")

    rng = random.Random(23)
    shuffled = lines[:]
    rng.shuffle(shuffled)
    cuts = sorted(rng.sample(range(1, len(shuffled)), 2))
    parts = [shuffled[: cuts[0]], shuffled[cuts[0] : cuts[1]], shuffled[cuts[1] :]]
    paths = []
    for n, part in enumerate(parts):
        path = tmp_path / f"part-{n}.jsonl"
        path.write_text("".join(part), encoding="utf-8")
        paths.append(path)
    rng.shuffle(paths)
    # The registrations really are spread: some payment precedes its registration.
    position = {line: n for n, line in enumerate(shuffled)}
    assert any(
        position[a] > position[b]
        for a, b in zip(lines, lines[1:], strict=False)
        if '"registered"' in a
    )

    expected = _views(ledger_db, [ordered])
    got = _views(other_ledger_db, paths)
    assert len(expected) == PERSONS
    assert got == expected
    assert sum(len(v["years"]) for v in expected) > PERSONS  # the views are not empty
