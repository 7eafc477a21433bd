"""The after-death invariant is about business dates, with the NB-died exception."""

from __future__ import annotations

from pathlib import Path

from ledger.application import open_ledger
from ledger.events import parse_event


def _events(*rows: str) -> list:  # type: ignore[type-arg]
    out = []
    for n, row in enumerate(rows):
        kind, day, *rest = row.split()
        fields = dict(item.split("=") for item in rest)
        out.append(
            parse_event(
                {"event_id": f"e{n}", "person_id": "P-D", "type": kind, "date": day, **fields}
            )
        )
    return out


def reasons(tmp_path: Path, *rows: str) -> list[str | None]:
    app = open_ledger(str(tmp_path / "l.db"))
    try:
        # one append per event: the state is reloaded from the store each time
        return [app.append([e])[0].reason for e in _events(*rows)]
    finally:
        app.close()


def test_event_dated_before_death_arriving_after_it_is_stored(tmp_path: Path) -> None:
    got = reasons(
        tmp_path,
        "registered 2018-01-01 region=610902 birth_date=1940-01-01",
        "died 2025-06-30",
        "paid 2024-10-10 coverage_year=2025 amount=400",
        "paid 2025-06-30 coverage_year=2025 amount=1",
        "paid 2025-07-01 coverage_year=2026 amount=400",
        "refunded 2025-08-01 coverage_year=2025 amount=400 reason=death",
    )
    assert got == [None, None, None, None, "after_death", None]


def test_NB_died_newborn_payment_within_90_days_after_death(tmp_path: Path) -> None:
    got = reasons(
        tmp_path,
        "born 2025-01-10 region=610902",
        "died 2025-02-01",
        "paid 2025-04-10 coverage_year=2025 amount=400",
        "paid 2025-04-11 coverage_year=2025 amount=400",
    )
    assert got == [None, None, None, "after_death"]
