"""Synthetic population (合成参保人群) for scale tests, backfills and benchmarks.

``generate(persons=N, years=(2021, 2025), seed=S)`` yields contract event records (dicts in the
form of INTERCHANGE.md "Events in", valid for :func:`ledger.events.parse_event`) for persons
``start … start+N-1``. The mix and its rates are :class:`SynthRates`; docs/synth.md explains
them. Properties the backfill relies on:

- **Deterministic per person**: person ``k``'s events depend only on ``(seed, k, years, rates)``,
  never on which persons were generated before, so a population can be generated in parallel
  partitions (``start=``) and concatenated: ``generate(0, 100)`` == ``generate(0, 50)`` +
  ``generate(50, 50)`` in ``person`` order.
- **Streaming**: one person (``order="person"``) or one block of persons (``order="date"``) is in
  memory at a time, whatever N.
- **Valid histories**, for any range of years: each person's events come in business-date
  order, the first one registers them (``registered`` or ``born``), nothing but a death refund
  follows ``died``, refunds never exceed what was paid for the year. (The import stores any
  order — POLICY.md ``I-order`` — so these are the generator's own guarantees, held by
  tests/ledger/test_synth.py; an import stores every line.)
- **Payments are the individual due** (POLICY.md ``SUB-due``) for the payer's identity, window
  and region, paid inside the windows of POLICY.md §3 (special groups: their own rules, §4).

Person ids are valid GB 11643 numbers: ``region + birth date + serial + check``; ``(birth date,
serial)`` is a bijection of ``k`` (an affine map modulo the capacity), so ids never repeat.
The capacity is 1,000 persons per birth day from 1940-01-01 to the last year's 12-31
(31.4 million for 2021-2025).
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from ledger.person_id import check_digit

FIRST_BIRTH = date(1940, 1, 1)
"""Earliest birth date of the synthetic population."""

FAMILIES: dict[str, tuple[str, ...]] = {
    # POLICY.md §1: the pooling regions of the policy versions.
    "ankang": (
        "610902",
        "610921",
        "610922",
        "610923",
        "610924",
        "610925",
        "610926",
        "610927",
        "610928",
        "610929",
    ),
    "xian": ("610100",),
    "shaanxi": ("610000",),  # 陕西省 outside Xi'an and Ankang: no county code is known
    "huaiyuan": ("340321",),
}

STANDARDS: dict[int, Decimal] = {
    # Individual standard (个人缴费标准) by coverage year. 2022, 2024 and 2025 are POLICY.md
    # §2; the other years follow the national minimums and only price years that have no
    # policy version (the fold reports them as policy_missing).
    2014: Decimal("90.00"),
    2015: Decimal("120.00"),
    2016: Decimal("150.00"),
    2017: Decimal("180.00"),
    2018: Decimal("220.00"),
    2019: Decimal("250.00"),
    2020: Decimal("250.00"),
    2021: Decimal("280.00"),
    2022: Decimal("320.00"),
    2023: Decimal("350.00"),
    2024: Decimal("380.00"),
    2025: Decimal("400.00"),
}

FULL = None
"""A subsidy that covers the whole individual standard (全额资助)."""

SHAANXI_SUBSIDY_IDENTITIES = ("dibao", "monitored", "tekun", "returned_poverty", "orphan")
HUAIYUAN_SUBSIDY_IDENTITIES = (
    "dibao",
    "monitored",
    "tekun",
    "orphan",
    "priority_care",
    "single_son_family",
)
SUBSIDY_IDENTITIES = frozenset(SHAANXI_SUBSIDY_IDENTITIES + HUAIYUAN_SUBSIDY_IDENTITIES) | {
    "unsupported_child"
}
CHILD_ONLY = frozenset({"orphan", "unsupported_child"})


@dataclass(frozen=True)
class YearRules:
    """What coverage year ``year`` asks of a payer in one region family (POLICY.md §2-3)."""

    version: str | None
    """The policy version (None: no version in POLICY.md; plausible figures)."""
    standard: Decimal
    central: tuple[date, date]
    """集中缴费期, both ends inclusive."""
    late: tuple[date, date] | None
    """补缴期, both ends inclusive, or None."""
    late_only: str | None
    """The identity a late payer must hold (huaiyuan: ``migrant_worker``), or None for all."""
    subsidies: Mapping[str, Decimal | None]
    """Subsidy per identity; ``None`` is full."""
    reimbursed: frozenset[str]
    """Identities whose subsidy is 先缴后补: the person pays the full standard."""

    def due(self, identities: frozenset[str] | set[str], central: bool) -> Decimal:
        """个人应缴 (``SUB-due``): standard − subsidy; no subsidy outside the central window
        (``SUB-window``) or when the subsidy is paid back later (``SUB-mode`` reimbursed)."""
        if not central:
            return self.standard
        best: Decimal = Decimal("0.00")
        best_identity: str | None = None
        for identity in sorted(identities):
            if identity not in self.subsidies:
                continue
            amount = self.subsidies[identity]
            amount = self.standard if amount is None else amount
            if amount > best:  # SUB-one: the highest subsidy only
                best, best_identity = amount, identity
        if best_identity is None or best_identity in self.reimbursed:
            return self.standard
        return self.standard - best


def _window(start: str, end: str) -> tuple[date, date]:
    return date.fromisoformat(start), date.fromisoformat(end)


_SX_FULL: dict[str, Decimal | None] = {"tekun": FULL, "orphan": FULL, "unsupported_child": FULL}
_SX24_SUBSIDIES: dict[str, Decimal | None] = {
    **_SX_FULL,
    "dibao": Decimal("190.00"),
    "monitored": Decimal("190.00"),
    "returned_poverty": Decimal("190.00"),
}
_VERSIONED: dict[tuple[str, int], YearRules] = {
    ("ankang", 2022): YearRules(
        "ankang-2022",
        Decimal("320.00"),
        _window("2021-09-01", "2021-12-31"),
        None,
        None,
        {
            **_SX_FULL,
            "dibao": Decimal("70.00"),
            "monitored": Decimal("70.00"),
            "returned_poverty": Decimal("70.00"),
        },
        frozenset({"dibao", "monitored", "returned_poverty"}),  # AK22 §七(二) 先缴后补
    ),
    **{
        (family, 2024): YearRules(
            "xian-2024" if family == "xian" else "shaanxi-2024",
            Decimal("380.00"),
            _window("2023-09-01", "2023-12-20"),
            _window("2024-01-01", "2024-06-30"),
            None,
            _SX24_SUBSIDIES,
            frozenset(),
        )
        for family in ("ankang", "xian", "shaanxi")
    },
    ("ankang", 2025): YearRules(
        "ankang-2025",
        Decimal("400.00"),
        _window("2024-09-01", "2024-12-20"),
        _window("2025-01-01", "2025-03-31"),
        None,
        {
            **_SX_FULL,
            "dibao": Decimal("200.00"),
            "monitored": Decimal("200.00"),
            "returned_poverty": Decimal("200.00"),
        },
        frozenset(),
    ),
    ("huaiyuan", 2025): YearRules(
        "huaiyuan-2025",
        Decimal("400.00"),
        _window("2024-09-01", "2024-12-31"),
        _window("2025-01-01", "2025-02-28"),
        "migrant_worker",
        {
            "tekun": FULL,
            "orphan": FULL,
            "dibao": Decimal("340.00"),
            "monitored": Decimal("200.00"),
            "priority_care": FULL,
            "single_son_family": Decimal("200.00"),
        },
        frozenset({"priority_care", "single_son_family"}),
    ),
}


@lru_cache(maxsize=512)
def year_rules(family: str, year: int) -> YearRules:
    """The rules of (region family, coverage year): POLICY.md's version when there is one,
    else plausible figures (national standard, usual windows, full subsidies full and fixed
    ones half the standard) for a year the fold will report as ``policy_missing``."""
    if (family, year) in _VERSIONED:
        return _VERSIONED[(family, year)]
    standard = STANDARDS.get(year, STANDARDS[max(STANDARDS)] if year > 2025 else STANDARDS[2014])
    half = (standard / 2).quantize(Decimal("0.01"))
    if family == "huaiyuan":
        return YearRules(
            None,
            standard,
            (date(year - 1, 9, 1), date(year - 1, 12, 31)),
            (date(year, 1, 1), date(year, 2, 28)),
            "migrant_worker",
            {
                "tekun": FULL,
                "orphan": FULL,
                "dibao": half,
                "monitored": half,
                "priority_care": FULL,
                "single_son_family": half,
            },
            frozenset({"priority_care", "single_son_family"}),
        )
    return YearRules(
        None,
        standard,
        (date(year - 1, 9, 1), date(year - 1, 12, 20)),
        (date(year, 1, 1), date(year, 3, 31)),
        None,
        {**_SX_FULL, "dibao": half, "monitored": half, "returned_poverty": half},
        frozenset(),
    )


# ---------------------------------------------------------------- the rates


@dataclass(frozen=True)
class SynthRates:
    """The mix of the synthetic population. Probabilities are per person unless they say
    "per year" (per person-year) or "per payment". docs/synth.md explains each one."""

    region_weights: Mapping[str, float] = field(
        default_factory=lambda: {"ankang": 0.45, "xian": 0.30, "shaanxi": 0.10, "huaiyuan": 0.15}
    )
    mortality: tuple[tuple[int, float], ...] = (
        # (age below, annual probability of death)
        (1, 0.006),
        (40, 0.001),
        (60, 0.004),
        (70, 0.010),
        (80, 0.025),
        (200, 0.070),
    )
    initial_identity: float = 0.075
    """Holds a subsidy identity (资助身份) when the window opens."""
    identity_weights: Mapping[str, float] = field(
        default_factory=lambda: {
            "dibao": 0.45,
            "monitored": 0.33,
            "tekun": 0.08,
            "returned_poverty": 0.05,
            "orphan": 0.02,
            "unsupported_child": 0.02,
            "priority_care": 0.02,
            "single_son_family": 0.03,
        }
    )
    identity_grant_per_year: float = 0.01
    """Per year, a person without a subsidy identity is granted one (Jan-Jun)."""
    identity_revoke_per_year: float = 0.12
    """Per year, a holder loses the identity (Jan-Jun)."""
    migrant_worker: float = 0.20
    """Huaiyuan residents aged 18-59 holding ``migrant_worker`` (the only late payers there)."""
    college_student: float = 0.35
    """Of those turning 18 in the window, the share who start college on 09-01."""
    break_share: float = 0.12
    """Persons with one break (断保) in their history."""
    break_lengths: Mapping[int, float] = field(
        default_factory=lambda: {1: 0.40, 2: 0.25, 3: 0.15, 4: 0.10, 5: 0.10}
    )
    repair: float = 0.5
    """Of re-enrolments from ``repair_from`` on, the share that repair (缴费修复) break years."""
    repair_from: int = 2025
    """Repairs only matter from the first year with waiting periods (POLICY.md §5)."""
    late_payer: float = 0.06
    """Per payment where a late window is open to the payer: paid in the late window."""
    duplicate_payment: float = 0.005
    """Per central-window payment with a non-zero due: paid twice, then refunded."""
    employee_start_per_year: float = 0.025
    """Per year, a person aged 22-54 joins employee insurance (at most once)."""
    employee_stop: float = 0.35
    """Of those, the share who stop again 1-3 years later and come back (EMP-stop)."""
    newborn_late_birth_year_too: float = 0.4
    """A child born in the last 90 days of a year pays for the next year within 90 days; this
    share also pays for the birth year."""
    newborn_unpaid: float = 0.05
    """A newborn not paid for within 90 days (enrolled from the next central window)."""
    claim_year: float = 0.25
    """Per enrolled year, has settled claims (医保报销); the rest are zero-claim years."""
    second_claim: float = 0.25
    """Of claim years, the share with two claims."""
    zero_fund_claim: float = 0.03
    """Per claim, a fund amount of 0.00 (the year stays a zero-claim year)."""
    critical_claim: float = 0.04
    """Per claim, a large one with a critical-illness (大病保险) amount."""
    reward_used: float = 0.30
    """Of critical-illness claims in years ≥ ``reward_from``, the share using the reward."""
    reward_from: int = 2025


DEFAULT_RATES = SynthRates()


# ---------------------------------------------------------------- person ids


def id_capacity(last_year: int) -> int:
    """How many distinct persons the id scheme has for a window ending in ``last_year``."""
    return ((date(last_year, 12, 31) - FIRST_BIRTH).days + 1) * 1000


@lru_cache(maxsize=64)
def _affine(seed: int, capacity: int) -> tuple[int, int]:
    mixer = random.Random(f"synth-ids-{seed}")
    while True:
        multiplier = mixer.randrange(capacity // 3, capacity) | 1
        if math.gcd(multiplier, capacity) == 1:
            return multiplier, mixer.randrange(capacity)


def birth_and_serial(k: int, seed: int, last_year: int) -> tuple[date, int]:
    """Person ``k``'s birth date and 3-digit serial: a bijection of ``k`` below the capacity."""
    capacity = id_capacity(last_year)
    if not 0 <= k < capacity:
        raise ValueError(f"person number {k} outside the id capacity {capacity}")
    multiplier, offset = _affine(seed, capacity)
    x = (k * multiplier + offset) % capacity
    return FIRST_BIRTH + timedelta(days=x // 1000), x % 1000


def make_person_id(region: str, birth: date, serial: int) -> str:
    body = f"{region}{birth:%Y%m%d}{serial:03d}"
    return body + check_digit(body)


# ---------------------------------------------------------------- one person


def _int(rng: random.Random, lo: int, hi: int) -> int:
    """Uniform in ``lo … hi`` (faster than ``randint``, for spans far below 2**53)."""
    return lo + int(rng.random() * (hi - lo + 1))


def _day(rng: random.Random, lo: date, hi: date) -> date:
    first = lo.toordinal()
    return date.fromordinal(first + int(rng.random() * (hi.toordinal() - first + 1)))


def _money(rng: random.Random, lo: int, hi: int) -> str:
    cents = _int(rng, lo * 100, hi * 100)
    return f"{cents // 100}.{cents % 100:02d}"


def _weighted(rng: random.Random, weights: Mapping[Any, float]) -> Any:
    x = rng.random() * sum(weights.values())
    for key, weight in weights.items():
        x -= weight
        if x < 0:
            return key
    return key


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _fmt(amount: Decimal) -> str:
    return format(amount, "f")


class _Person:
    """Builds one person's events; ``events`` holds ``(date, counter, record)``."""

    def __init__(self, person_id: str, event_prefix: str) -> None:
        self.person_id = person_id
        self.prefix = event_prefix
        self.events: list[tuple[date, int, dict[str, Any]]] = []
        self.paid: dict[int, Decimal] = {}
        self.refunded: dict[int, Decimal] = {}
        self.covered_early: dict[int, date] = {}
        """Years whose coverage starts before 1 January (XA24-stu): no refund after that."""

    def add(self, day: date, kind: str, **fields: Any) -> None:
        self.events.append((day, len(self.events), {"type": kind, "date": day, **fields}))

    def pay(self, day: date, year: int, amount: Decimal, purpose: str = "contribution") -> None:
        fields: dict[str, Any] = {"coverage_year": year, "amount": _fmt(amount)}
        if purpose != "contribution":
            fields["purpose"] = purpose
        self.add(day, "paid", **fields)
        if purpose == "contribution":
            self.paid[year] = self.paid.get(year, Decimal(0)) + amount

    def refund(self, day: date, year: int, amount: Decimal, reason: str) -> None:
        left = self.paid.get(year, Decimal(0)) - self.refunded.get(year, Decimal(0))
        amount = min(amount, left)  # a refund never exceeds what was paid for the year
        if amount <= 0:
            return
        self.add(day, "refunded", coverage_year=year, amount=_fmt(amount), reason=reason)
        self.refunded[year] = self.refunded.get(year, Decimal(0)) + amount

    def net_paid(self, year: int) -> Decimal:
        return self.paid.get(year, Decimal(0)) - self.refunded.get(year, Decimal(0))

    def truncate_at_death(self, death: date) -> None:
        """Drop what would have happened after death, then record it and refund the years
        whose coverage had not started (退费, reason ``death``, POLICY.md ``REF-before``)."""
        kept = [e for e in self.events if e[0] <= death]
        self.events = kept
        self.paid, self.refunded = {}, {}
        for _, _, record in kept:
            if record["type"] == "paid" and record.get("purpose") is None:
                year = record["coverage_year"]
                self.paid[year] = self.paid.get(year, Decimal(0)) + Decimal(record["amount"])
            elif record["type"] == "refunded":
                year = record["coverage_year"]
                self.refunded[year] = self.refunded.get(year, Decimal(0)) + Decimal(
                    record["amount"]
                )
        self.add(death, "died")
        for year in sorted(self.paid):
            started = self.covered_early.get(year, date(year, 1, 1))
            if death < started and self.net_paid(year) > 0:
                refund_day = min(death + timedelta(days=14), date(death.year, 12, 31))
                self.refund(refund_day, year, self.net_paid(year), "death")

    def records(self) -> list[dict[str, Any]]:
        self.events.sort(key=lambda e: (e[0], e[1]))
        out: list[dict[str, Any]] = []
        for i, (day, _, record) in enumerate(self.events):
            iso = day.isoformat()
            record["date"] = iso
            if "recognized_on" in record:
                record["recognized_on"] = record["recognized_on"].isoformat()
            out.append(
                {
                    "event_id": f"{self.prefix}-{i:02d}",
                    "person_id": self.person_id,
                    **record,
                    "recorded_at": f"{iso}T{9 + i // 60:02d}:{i % 60:02d}:00+08:00",
                }
            )
        return out


def person_events(
    k: int,
    seed: int = 1,
    years: tuple[int, int] = (2021, 2025),
    rates: SynthRates = DEFAULT_RATES,
) -> list[dict[str, Any]]:
    """Person ``k``'s events, in business order, as contract records. Depends only on the
    arguments (see the module docstring)."""
    first, last = years
    if first > last:
        raise ValueError(f"bad years {first}-{last}")
    rng = random.Random(seed * 2**40 + k)
    birth, serial = birth_and_serial(k, seed, last)
    family = _weighted(rng, rates.region_weights)
    region = rng.choice(FAMILIES[family])
    person = _Person(make_person_id(region, birth, serial), f"syn{seed}-{k}")
    window_opens = date(first - 1, 6, 1)
    newborn = birth >= window_opens
    identities: set[str] = set()

    # --- a break (断保): years break_from … reenrol-1 unpaid; maybe one payment before the
    # window for the last year enrolled before a long break.
    break_years: set[int] = set()
    reenrol: int | None = None
    history_pay: tuple[int, date] | None = None
    if not newborn and first < last and rng.random() < rates.break_share:
        length = _weighted(rng, rates.break_lengths)
        reenrol = _int(rng, first + 1, last)
        before = reenrol - length - 1
        if before < first:
            day = _day(rng, *year_rules(family, before).central)
            if birth + timedelta(days=30) < day and day.year >= 2012:
                history_pay = (before, day)
            else:
                reenrol = None
        if reenrol is not None:
            break_years = set(range(reenrol - length, reenrol))

    # --- the first event: 参保登记 (or born)
    entry: date
    if newborn:
        entry = birth
        person.add(birth, "born", region=region)
    else:
        # Registered before the first window opens: from 2012 on (from the year before the
        # first coverage year when that is earlier), so nothing of the window precedes it.
        lo = max(birth + timedelta(days=1), min(date(2012, 1, 1), date(first - 1, 1, 1)))
        hi = date(first - 1, 6, 30)
        if history_pay is not None:
            hi = min(hi, history_pay[1] - timedelta(days=1))
        entry = _day(rng, lo, max(lo, hi))
        person.add(entry, "registered", region=region, birth_date=birth.isoformat())
        if history_pay is not None:
            year, day = history_pay
            person.pay(day, year, year_rules(family, year).due(identities, central=True))
        # initial identities, granted after registration and before the first cutoff
        grant_by = date(first - 1, 6, 30)
        if rng.random() < rates.initial_identity:
            identity = _pick_identity(rng, rates, family, birth, grant_by)
            day = _day(rng, entry, max(entry, grant_by))
            if history_pay is not None and day < history_pay[1]:
                day = history_pay[1]
            person.add(day, "identity_granted", identity=identity, recognized_on=day)
            identities.add(identity)
        adult = 18 <= _age(birth, grant_by) < 60
        if family == "huaiyuan" and adult and rng.random() < rates.migrant_worker:
            day = _day(rng, entry, max(entry, grant_by))
            person.add(day, "identity_granted", identity="migrant_worker")
            identities.add("migrant_worker")

    # --- calendar events: identity changes (Jan-Jun, effective from the next coverage year),
    # college, employee insurance, death
    identity_at: dict[int, frozenset[str]] = {first: frozenset(identities)}
    employed_from: date | None = None
    employed_to: date | None = None
    college_from: date | None = None
    death: date | None = None
    for cal in range(first, last + 1):
        lo = max(date(cal, 1, 1), entry + timedelta(days=1))
        hi = date(cal, 6, 30)
        subsidy = identities & SUBSIDY_IDENTITIES
        if lo <= hi:
            if subsidy and rng.random() < rates.identity_revoke_per_year:
                identity = min(subsidy)
                person.add(_day(rng, lo, hi), "identity_revoked", identity=identity)
                identities.discard(identity)
            elif not subsidy and rng.random() < rates.identity_grant_per_year:
                identity = _pick_identity(rng, rates, family, birth, hi)
                day = _day(rng, lo, hi)
                person.add(day, "identity_granted", identity=identity, recognized_on=day)
                identities.add(identity)
        identity_at[cal + 1] = frozenset(identities)
        if not newborn and birth.year + 18 == cal and rng.random() < rates.college_student:
            college_from = date(cal, 9, 1)
            person.add(college_from, "identity_granted", identity="college_student")
            if cal + 4 <= last:
                person.add(date(cal + 4, 6, 30), "identity_revoked", identity="college_student")
        if (
            employed_from is None
            and not newborn
            and 22 <= cal - birth.year <= 54
            and rng.random() < rates.employee_start_per_year
        ):
            employed_from = _day(rng, max(date(cal, 1, 1), entry + timedelta(1)), date(cal, 12, 31))
            person.add(employed_from, "employee_insurance_started")
            if rng.random() < rates.employee_stop:
                stop_year = cal + _int(rng, 1, 3)
                # EMP-stop: stopped between January and August, paid within 30 days
                employed_to = date(stop_year, _int(rng, 1, 8), _int(rng, 1, 28))
                if stop_year <= last:
                    person.add(employed_to, "employee_insurance_stopped")
        if death is None:
            age = cal - birth.year
            if age >= 0 and rng.random() < _mortality(rates, age):
                lo = max(date(cal, 1, 1), entry + timedelta(days=1))
                if lo <= date(cal, 12, 31):
                    death = _day(rng, lo, date(cal, 12, 31))

    def employed(on: date) -> bool:
        if employed_from is None or on < employed_from:
            return False
        return employed_to is None or on < employed_to

    # --- coverage years: payments and claims
    start_year = first
    if newborn:
        start_year = _newborn_payments(person, rng, rates, family, birth, first, last)
    for year in range(start_year, last + 1):
        rules = year_rules(family, year)
        held = identity_at.get(year, frozenset(identities))
        if employed(date(year, 1, 1)) and employed_to is not None and employed_to.year == year:
            # EMP-stop: the individual standard, no subsidy, within 30 days of stopping
            day = employed_to + timedelta(days=_int(rng, 1, 30))
            person.pay(day, year, rules.standard)
            _claims(person, rng, rates, year, day + timedelta(days=30))
            continue
        if year in break_years:
            continue
        late = (
            rules.late is not None
            and (rules.late_only is None or rules.late_only in held)
            and rng.random() < rates.late_payer
        )
        if late:
            assert rules.late is not None
            day = _day(rng, *rules.late)
        else:
            lo = max(rules.central[0], entry + timedelta(days=1))
            day = _day(rng, lo, max(lo, rules.central[1]))
        if employed(day):
            continue  # in employee insurance when the window opens: does not pay
        due = rules.due(held, central=not late)
        person.pay(day, year, due)
        if (
            rules.version == "xian-2024"
            and college_from is not None
            and college_from.year == year - 1
            and day >= college_from
        ):
            person.covered_early[year] = college_from  # XA24-stu: covered from 09-01
        if not late and due > 0 and rng.random() < rates.duplicate_payment:
            again = min(day + timedelta(days=_int(rng, 0, 10)), rules.central[1])
            person.pay(again, year, due)
            back = min(again + timedelta(days=_int(rng, 5, 20)), date(year - 1, 12, 31))
            person.refund(back, year, due, "duplicate")
        if year == reenrol and year >= rates.repair_from and rng.random() < rates.repair:
            # WAIT-repair: priced at the individual standard of the re-enrolment year
            repaired = sorted(break_years)[-_int(rng, 1, len(break_years)) :]
            for past in repaired:
                person.pay(day, past, rules.standard, purpose="repair")
        started = person.covered_early.get(year, date(year, 1, 1))
        if employed_from is not None and day < employed_from < started:
            # joined employee insurance before coverage started: REF-before
            back = min(employed_from + timedelta(days=_int(rng, 1, 20)), date(year - 1, 12, 31))
            person.refund(back, year, due, "employee_insurance")
            continue
        covered_from = date(year, 1, 1)
        if late or year == reenrol:
            covered_from = max(covered_from, day) + timedelta(days=200)
        _claims(person, rng, rates, year, covered_from)

    if death is not None:
        person.truncate_at_death(death)
    return person.records()


def _newborn_payments(
    person: _Person,
    rng: random.Random,
    rates: SynthRates,
    family: str,
    birth: date,
    first: int,
    last: int,
) -> int:
    """NB-90: a newborn is paid for within 90 days of birth. Returns the first coverage year
    left to the general rules."""
    year_end_birth = (date(birth.year, 12, 31) - birth).days < 90
    if birth.year < first:
        # born in the second half of the year before the window: the first coverage year
        if not year_end_birth:
            return first  # the central window is still ahead of the child
        targets = [first]
    elif year_end_birth and birth.year < last:
        targets = [birth.year + 1]
        if rng.random() < rates.newborn_late_birth_year_too:
            targets.insert(0, birth.year)
    else:
        targets = [birth.year]
    if rng.random() < rates.newborn_unpaid:
        return max(targets) + 1
    for year in targets:
        # I-days: within 90 days after birth. The birth year is paid by its 12-31.
        latest = 90 if year != birth.year else min(90, (date(year, 12, 31) - birth).days)
        if latest < 1:
            continue
        day = birth + timedelta(days=_int(rng, 1, latest))
        person.pay(day, year, year_rules(family, year).standard)
        _claims(person, rng, rates, year, max(date(year, 1, 1), day + timedelta(days=1)))
    return max(targets) + 1


def _claims(
    person: _Person, rng: random.Random, rates: SynthRates, year: int, covered_from: date
) -> None:
    """Settled claims (医保报销) of an enrolled year, dated while it is covered."""
    if rng.random() >= rates.claim_year:
        return
    hi = date(year, 12, 31)
    if covered_from > hi:
        return
    count = 2 if rng.random() < rates.second_claim else 1
    for _ in range(count):
        day = _day(rng, covered_from, hi)
        roll = rng.random()
        if roll < rates.zero_fund_claim:
            person.add(day, "reimbursed", year=year, fund_amount="0.00")
        elif roll < rates.zero_fund_claim + rates.critical_claim:
            fields: dict[str, Any] = {
                "year": year,
                "fund_amount": _money(rng, 20_000, 120_000),
                "critical_illness_amount": _money(rng, 5_000, 150_000),
            }
            if year >= rates.reward_from and rng.random() < rates.reward_used:
                fields["reward_used"] = True
            person.add(day, "reimbursed", **fields)
        else:
            person.add(day, "reimbursed", year=year, fund_amount=_money(rng, 30, 3_000))


def _pick_identity(
    rng: random.Random, rates: SynthRates, family: str, birth: date, on: date
) -> str:
    allowed = HUAIYUAN_SUBSIDY_IDENTITIES if family == "huaiyuan" else SHAANXI_SUBSIDY_IDENTITIES
    if family != "huaiyuan":
        allowed = (*allowed, "unsupported_child")
    weights = {i: w for i, w in rates.identity_weights.items() if i in allowed}
    identity: str = _weighted(rng, weights)
    if identity in CHILD_ONLY and _age(birth, on) >= 18:
        return "dibao"
    return identity


def _mortality(rates: SynthRates, age: int) -> float:
    for below, probability in rates.mortality:
        if age < below:
            return probability
    return rates.mortality[-1][1]


# ---------------------------------------------------------------- many persons

Order = Literal["person", "date"]


def generate(
    persons: int,
    years: tuple[int, int] = (2021, 2025),
    seed: int = 1,
    *,
    start: int = 0,
    order: Order = "person",
    block: int = 10_000,
    rates: SynthRates = DEFAULT_RATES,
) -> Iterator[dict[str, Any]]:
    """Events of persons ``start … start+persons-1``.

    ``order="person"``: each person's events together, persons in number order.
    ``order="date"``: blocks of ``block`` persons, each block's events in business-date order
    (as a department's export would interleave them); every person's own events keep their
    order, so an import stores them all either way."""
    capacity = id_capacity(years[1])
    if start < 0 or persons < 0 or start + persons > capacity:
        raise ValueError(f"persons {start}…{start + persons - 1} exceed the id capacity {capacity}")
    end = start + persons
    if order == "person":
        for k in range(start, end):
            yield from person_events(k, seed, years, rates)
        return
    if order != "date":
        raise ValueError(f"unknown order {order!r}")
    for lo in range(start, end, block):
        pending: list[tuple[str, int, int, dict[str, Any]]] = []
        for k in range(lo, min(lo + block, end)):
            for i, record in enumerate(person_events(k, seed, years, rates)):
                pending.append((record["date"], k, i, record))
        pending.sort(key=lambda item: item[:3])
        for item in pending:
            yield item[3]


_PLAIN = re.compile(r'^[^"\\\x00-\x1f]*$')


def to_line(record: Mapping[str, Any]) -> str:
    """One JSON Lines line (compact, UTF-8 characters kept, trailing newline): the text of
    ``json.dumps(record, ensure_ascii=False, separators=(",", ":"))``, built directly for the
    flat records this module makes (about three times faster)."""
    parts = []
    for key, value in record.items():
        if value is True:
            parts.append(f'"{key}":true')
        elif type(value) is int:
            parts.append(f'"{key}":{value}')
        elif type(value) is str and _PLAIN.match(value):
            parts.append(f'"{key}":"{value}"')
        else:
            return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
    return "{" + ",".join(parts) + "}\n"


def parse_years(text: str) -> tuple[int, int]:
    """``"2021-2025"`` → ``(2021, 2025)``; ``"2025"`` → ``(2025, 2025)``."""
    parts = text.split("-")
    try:
        if len(parts) == 1:
            return int(parts[0]), int(parts[0])
        if len(parts) == 2:
            first, last = int(parts[0]), int(parts[1])
            if first <= last:
                return first, last
    except ValueError:
        pass
    raise ValueError(f"expected years as FIRST-LAST (e.g. 2021-2025), got {text!r}")
