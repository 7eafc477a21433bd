"""The synthetic population (ledger.synth, ``ledger synth``): determinism, validity against the
contract, plausible histories for any years, agreement with the fold, and its documented
rates."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledger.application import open_ledger
from ledger.cli import main
from ledger.events import parse_event
from ledger.importer import import_file
from ledger.synth import (
    DEFAULT_RATES,
    FAMILIES,
    FIRST_BIRTH,
    birth_and_serial,
    generate,
    id_capacity,
    parse_years,
    person_events,
    to_line,
    year_rules,
)

YEARS = (2021, 2025)
FAMILY_OF = {region: family for family, regions in FAMILIES.items() for region in regions}


def _by_person(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        grouped[record["person_id"]].append(record)
    return grouped


@pytest.fixture(scope="module")
def population() -> list[dict[str, Any]]:
    """20,000 persons: the sample the rates are checked on."""
    return list(generate(20_000, YEARS, seed=11))


@pytest.fixture(scope="module")
def persons(population: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return _by_person(population)


# ---------------------------------------------------------------- determinism


def test_same_seed_same_lines_other_seed_other_lines() -> None:
    first = [to_line(r) for r in generate(300, YEARS, seed=7)]
    again = [to_line(r) for r in generate(300, YEARS, seed=7)]
    other = [to_line(r) for r in generate(300, YEARS, seed=8)]
    assert first == again
    assert first != other


def test_partitions_concatenate_to_one_run() -> None:
    whole = list(generate(300, YEARS, seed=7))
    parts = list(generate(120, YEARS, seed=7)) + list(generate(180, YEARS, seed=7, start=120))
    assert parts == whole
    # person k alone, without anyone generated before
    assert person_events(250, 7, YEARS) == [
        r for r in whole if r["event_id"].startswith("syn7-250-")
    ]


def test_output_does_not_depend_on_hash_randomisation() -> None:
    code = (
        "import hashlib, sys; from ledger.synth import generate, to_line; "
        "h = hashlib.sha256(); [h.update(to_line(r).encode()) for r in generate(300, seed=3)]; "
        "print(h.hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": str(hash_seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in (1, 2)
    }
    assert len(digests) == 1


def test_date_order_keeps_each_persons_order() -> None:
    by_person = _by_person(list(generate(500, YEARS, seed=3)))
    interleaved = list(generate(500, YEARS, seed=3, order="date", block=200))
    assert _by_person(interleaved) == by_person
    dates = [r["date"] for r in interleaved[: len(interleaved) // 3]]
    assert dates == sorted(dates)  # the first block is in business-date order


def test_ids_are_a_bijection_within_capacity() -> None:
    capacity = id_capacity(2025)
    assert capacity == ((date(2025, 12, 31) - FIRST_BIRTH).days + 1) * 1000
    seen = {birth_and_serial(k, 5, 2025) for k in range(50_000)}
    assert len(seen) == 50_000
    with pytest.raises(ValueError):
        list(generate(1, YEARS, seed=1, start=capacity))


def test_parse_years() -> None:
    assert parse_years("2021-2025") == (2021, 2025)
    assert parse_years("2024") == (2024, 2024)
    for bad in ("2025-2021", "x", "2021-2022-2023"):
        with pytest.raises(ValueError):
            parse_years(bad)


# ---------------------------------------------------------------- validity


def test_every_line_parses_and_ids_are_unique(population: list[dict[str, Any]]) -> None:
    event_ids = set()
    for record in population:
        parse_event(json.loads(to_line(record)))
        event_ids.add(record["event_id"])
    assert len(event_ids) == len(population)


@pytest.mark.parametrize("years", [None, (2010, 2025), (1995, 2026), (2012, 2012), (2005, 2013)])
def test_histories_are_plausible_for_any_years(
    persons: dict[str, list[dict[str, Any]]], years: tuple[int, int] | None
) -> None:
    """The generator's guarantees (the import no longer checks them, I-order): registered or
    born first, in date order, nothing but a death refund after a death, refunds within the
    payments, nothing before the birth the ID number encodes. ``ledger synth --years
    2010-2025`` once had claims dated before the registration."""
    if years is not None:
        persons = _by_person(list(generate(1_500, years, seed=5)))
    for person_id, events in persons.items():
        assert all(
            e["date"] >= f"{person_id[6:10]}-{person_id[10:12]}-{person_id[12:14]}" for e in events
        )
        assert events[0]["type"] in ("registered", "born"), person_id
        assert all(e["type"] not in ("registered", "born") for e in events[1:])
        keys = [(e["date"], e["recorded_at"]) for e in events]
        assert keys == sorted(keys)
        died = [i for i, e in enumerate(events) if e["type"] == "died"]
        if died:
            after = events[died[0] + 1 :]
            assert all(e["type"] == "refunded" and e["reason"] == "death" for e in after)
        paid: Counter[int] = Counter()
        for event in events:
            if event["type"] == "paid" and event.get("purpose", "contribution") == "contribution":
                paid[event["coverage_year"]] += Decimal(event["amount"])  # type: ignore[assignment]
            if event["type"] == "refunded":
                paid[event["coverage_year"]] -= Decimal(event["amount"])  # type: ignore[assignment]
                assert paid[event["coverage_year"]] >= 0, person_id


def test_import_into_sqlite_stores_every_line(tmp_path: Path) -> None:
    for order in ("person", "date"):
        source = tmp_path / f"pop-{order}.jsonl"
        with open(source, "w", encoding="utf-8") as f:
            for record in generate(800, YEARS, seed=21, order=order, block=300):  # type: ignore[arg-type]
                f.write(to_line(record))
        lines = len(source.read_text(encoding="utf-8").splitlines())
        with open_ledger(str(tmp_path / f"{order}.db")) as app:
            summary = import_file(app, source, batch_size=2_000)
            assert (summary.stored, summary.rejected) == (lines, 0), summary.reasons
            assert app.count_events() == lines


@pytest.mark.parametrize("years", [(2025, 2025), (2023, 2027), (2016, 2019), (2010, 2025)])
def test_other_windows_import_without_rejects(years: tuple[int, int], tmp_path: Path) -> None:
    source = tmp_path / "pop.jsonl"
    source.write_text("".join(to_line(r) for r in generate(300, years, seed=2)), encoding="utf-8")
    with open_ledger(str(tmp_path / "l.db")) as app:
        summary = import_file(app, source)
    assert summary.rejected == 0 and summary.stored > 300


def test_payments_are_the_individual_due_of_the_fold(
    persons: dict[str, list[dict[str, Any]]],
) -> None:
    """The fold finds no partial payment, no payment outside a window and no refund after
    coverage started; where a version exists, each contribution equals the individual due."""
    from policies import builtin_registry
    from projections.person import project_person

    registry = builtin_registry()
    flagged: Counter[str] = Counter()
    checked = 0
    for events in list(persons.values())[:3_000]:
        view = project_person(
            [parse_event(e) for e in events], registry, as_of=date(2025, 12, 31)
        ).to_dict()
        amounts = defaultdict(set)
        for e in events:
            if e["type"] == "paid" and "purpose" not in e:
                amounts[e["coverage_year"]].add(e["amount"])
        for year in view["years"]:
            flagged.update(
                f
                for f in year["flags"]
                if f in ("partial_payment", "paid_outside_window", "refund_after_start")
            )
            due = year["contribution"]["individual_due"]
            if year["policy"] and year["year"] in amounts and due is not None:
                assert amounts[year["year"]] == {due}, (year["policy"], year["contribution"])
                checked += 1
    assert not flagged
    assert checked > 2_000


# ---------------------------------------------------------------- rates (docs/synth.md)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def test_rates_match_the_documented_mix(persons: dict[str, list[dict[str, Any]]]) -> None:
    rates = DEFAULT_RATES
    n = len(persons)
    assert n == 20_000
    events = sum(len(e) for e in persons.values())
    assert 6.0 <= events / n <= 8.0

    # regions
    regions = Counter(FAMILY_OF[e[0]["region"]] for e in persons.values())
    for family, weight in rates.region_weights.items():
        assert abs(_share(regions[family], n) - weight) < 0.015, family

    # births: what the id space gives (birth dates from 1940 to the window's end)
    opens = date(YEARS[0] - 1, 6, 1)
    expected_born = (date(YEARS[1], 12, 31) - opens).days / (
        (date(YEARS[1], 12, 31) - FIRST_BIRTH).days
    )
    born = sum(1 for e in persons.values() if e[0]["type"] == "born")
    assert abs(_share(born, n) - expected_born) < 0.006

    # deaths: the mortality table applied to each person's ages, within 4 standard deviations
    expected_deaths = 0.0
    variance = 0.0
    for events in persons.values():
        birth = date.fromisoformat(
            events[0].get("birth_date") or events[0]["date"]  # born: date is the birth date
        )
        alive = 1.0
        for cal in range(YEARS[0], YEARS[1] + 1):
            age = cal - birth.year
            if age >= 0:
                alive *= 1 - next(p for below, p in rates.mortality if age < below)
        expected_deaths += 1 - alive
        variance += (1 - alive) * alive
    deaths = sum(1 for e in persons.values() if any(x["type"] == "died" for x in e))
    assert abs(deaths - expected_deaths) < 4 * math.sqrt(variance) + 10

    # late payers, where every payer may pay late (Shaanxi versions with a late window)
    central = late = 0
    for events in persons.values():
        if events[0]["type"] == "born":
            continue
        family = FAMILY_OF[events[0]["region"]]
        for e in events:
            if e["type"] != "paid" or "purpose" in e or family == "huaiyuan":
                continue
            rules = year_rules(family, e["coverage_year"])
            if rules.late is None:
                continue
            day = date.fromisoformat(e["date"])
            if rules.central[0] <= day <= rules.central[1]:
                central += 1
            elif rules.late[0] <= day <= rules.late[1]:
                late += 1
    assert abs(_share(late, central + late) - rates.late_payer) < 0.01

    # breaks (断保): persons never employed, alive, not newborn, with a gap between paid years
    with_break = eligible = 0
    for events in persons.values():
        kinds = {e["type"] for e in events}
        if kinds & {"born", "died", "employee_insurance_started"}:
            continue
        eligible += 1
        paid_years = {
            e["coverage_year"] for e in events if e["type"] == "paid" and "purpose" not in e
        }
        span = set(range(min(paid_years), YEARS[1] + 1))
        if (span - paid_years) or min(paid_years) < YEARS[0]:
            with_break += 1
    assert abs(_share(with_break, eligible) - rates.break_share) < 0.015

    # claims: share of paid years with a settled claim; zero-claim years are the rest
    paid_years_all = {
        (pid, e["coverage_year"])
        for pid, events in persons.items()
        for e in events
        if e["type"] == "paid" and "purpose" not in e and e["coverage_year"] >= YEARS[0]
    }
    claim_years = {
        (pid, e["year"])
        for pid, events in persons.items()
        for e in events
        if e["type"] == "reimbursed"
    }
    assert claim_years <= paid_years_all
    assert abs(_share(len(claim_years), len(paid_years_all)) - rates.claim_year) < 0.02

    # duplicate payments refunded
    refunds = Counter(
        e["reason"] for events in persons.values() for e in events if e["type"] == "refunded"
    )
    payments = sum(1 for events in persons.values() for e in events if e["type"] == "paid")
    assert abs(_share(refunds["duplicate"], payments) - rates.duplicate_payment) < 0.002


def test_every_part_of_the_mix_occurs(persons: dict[str, list[dict[str, Any]]]) -> None:
    everything = [e for events in persons.values() for e in events]
    kinds = Counter(e["type"] for e in everything)
    granted = Counter(e["identity"] for e in everything if e["type"] == "identity_granted")
    revoked = Counter(e["identity"] for e in everything if e["type"] == "identity_revoked")
    reasons = Counter(e["reason"] for e in everything if e["type"] == "refunded")
    for identity in ("dibao", "tekun", "monitored", "orphan", "college_student", "migrant_worker"):
        assert granted[identity] > 0, identity
    assert revoked["dibao"] > 0 and revoked["college_student"] > 0
    assert set(reasons) == {"duplicate", "death", "employee_insurance"}
    assert kinds["employee_insurance_started"] > kinds["employee_insurance_stopped"] > 0
    repairs = [e for e in everything if e.get("purpose") == "repair"]
    assert repairs and all(e["coverage_year"] < int(e["date"][:4]) + 1 for e in repairs)
    claims = [e for e in everything if e["type"] == "reimbursed"]
    assert any(e.get("reward_used") for e in claims)
    assert any(e["fund_amount"] == "0.00" for e in claims)
    assert any("critical_illness_amount" in e for e in claims)
    late_2025 = [
        e
        for e in everything
        if e["type"] == "paid" and e["coverage_year"] == 2025 and e["date"] >= "2025-01-01"
    ]
    assert late_2025


# ---------------------------------------------------------------- CLI


def test_cli_writes_the_same_lines(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["synth", "--persons", "40", "--seed", "4"])
    assert result.exit_code == 0, result.output
    expected = "".join(to_line(r) for r in generate(40, YEARS, seed=4))
    assert result.stdout == expected
    out = tmp_path / "pop.jsonl"
    result = runner.invoke(
        main,
        ["synth", "--persons", "40", "--seed", "4", "--years", "2021-2025", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == expected
    assert "40 persons" in result.stderr


def test_cli_refuses_bad_years() -> None:
    result = CliRunner().invoke(main, ["synth", "--persons", "1", "--years", "2025-2021"])
    assert result.exit_code == 2
    assert "FIRST-LAST" in result.output
