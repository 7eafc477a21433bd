#!/usr/bin/env python3
"""Generate a simple, valid events file (JSON Lines) for benchmarks and smoke tests.

Each person is registered (or born), then pays a contribution for a few coverage years, may
get an identity, a claim, a refund or die. Persons are emitted in blocks whose events are
interleaved by year, as a department's export would be, so one import batch touches many
persons. Deterministic for a given ``--seed``. (The synthetic population generator with
realistic rates comes later; this one only has to be valid and varied.)

Usage: scripts/gen_events.py --events 1000000 --out events.jsonl [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger.person_id import check_digit  # noqa: E402

COUNTIES = ("610902", "610921", "610922", "610924", "610925", "610926", "610928", "340321")
IDENTITIES = ("dibao", "monitored", "tekun", "orphan", "college_student", "migrant_worker")
BLOCK = 5_000
FIRST_BIRTH = date(1940, 1, 1)
DAYS = 29_200  # 1940-01-01 … 2019-12-13


def person_id(n: int) -> str:
    """A valid ID number, distinct for every ``n`` below 200 million."""
    county = COUNTIES[(n // 1000) % len(COUNTIES)]
    # Spread birth dates over 1940-2019 with a bijection on day numbers (7919 is prime to
    # DAYS), so (county, birth date, serial) never repeats.
    day = ((n // (1000 * len(COUNTIES))) * 7919) % DAYS
    birth = FIRST_BIRTH + timedelta(days=day)
    body = f"{county}{birth:%Y%m%d}{n % 1000:03d}"
    return body + check_digit(body)


def person_events(n: int, rng: random.Random) -> list[list[dict[str, object]]]:
    """A person's events grouped in steps (step 0: registration, then one per year)."""
    pid = person_id(n)
    region = pid[:6]
    birth = f"{pid[6:10]}-{pid[10:12]}-{pid[12:14]}"
    first: dict[str, object]
    if rng.random() < 0.05:
        first = {"type": "born", "date": birth, "region": region}
    else:
        # Registered on 2018-01-01, or at birth for the youngest (no event before the birth
        # an ID number encodes: INTERCHANGE.md "ID numbers").
        registered_on = max("2018-01-01", birth)
        first = {"type": "registered", "date": registered_on, "region": region, "birth_date": birth}
    steps: list[list[dict[str, object]]] = [[first]]
    if rng.random() < 0.15:
        identity = rng.choice(IDENTITIES)
        steps[0].append({"type": "identity_granted", "date": "2020-02-01", "identity": identity})
    for year in range(2021, 2027):
        step: list[dict[str, object]] = []
        amount = "400" if year >= 2025 else "380"
        step.append(
            {
                "type": "paid",
                "date": f"{year - 1}-10-{rng.randint(1, 28):02d}",
                "coverage_year": year,
                "amount": amount,
                "channel": rng.choice(("tax_app", "bank", "village")),
            }
        )
        if rng.random() < 0.3:
            step.append(
                {
                    "type": "reimbursed",
                    "date": f"{year}-0{rng.randint(2, 9)}-15",
                    "year": year,
                    "fund_amount": f"{rng.randint(0, 50000)}.{rng.randint(0, 99):02d}",
                }
            )
        if rng.random() < 0.02:
            step.append(
                {
                    "type": "refunded",
                    "date": f"{year - 1}-12-01",
                    "coverage_year": year,
                    "amount": amount,
                    "reason": "employee_insurance",
                }
            )
        steps.append(step)
        if rng.random() < 0.01:
            steps.append([{"type": "died", "date": f"{year}-06-30"}])
            break
    for step in steps:
        for event in step:
            event["person_id"] = pid
    return steps


def generate(events: int, seed: int = 1) -> Iterator[dict[str, object]]:
    """Exactly ``events`` valid events."""
    rng = random.Random(seed)
    emitted = 0
    n = 0
    while emitted < events:
        block = [person_events(n + i, rng) for i in range(BLOCK)]
        n += BLOCK
        depth = max(len(steps) for steps in block)
        for s in range(depth):
            for steps in block:
                if s >= len(steps):
                    continue
                for event in steps[s]:
                    if emitted >= events:
                        return
                    emitted += 1
                    yield {"event_id": f"gen-{seed}-{emitted:09d}", **event}


def write(path: Path, events: int, seed: int = 1) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for event in generate(events, seed):
            f.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    write(args.out, args.events, args.seed)


if __name__ == "__main__":
    main()
