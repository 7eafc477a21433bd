"""A tiny stand-in for the policy fold, for the projector's tests only (never shipped).

It has the shape of ``project_person(events, registry).to_dict()`` (INTERCHANGE.md
"Projections out") and depends only on the events' content, so incremental and full
projections must agree exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from ledger.events import Event

STANDARD = Decimal("400.00")


def fake_fold(events: Sequence[Event]) -> Mapping[str, Any]:
    region = None
    regions: dict[int, str] = {}
    paid: dict[int, Decimal] = {}
    first_paid: dict[int, date] = {}
    refunded: dict[int, Decimal] = {}
    claims: dict[int, Decimal] = {}
    identity = None
    for event in events:
        kind = event.type
        if kind in ("registered", "born", "region_changed"):
            region = event.region  # type: ignore[union-attr]
        elif kind == "identity_granted":
            identity = event.identity  # type: ignore[union-attr]
        elif kind == "paid":
            year = event.coverage_year  # type: ignore[union-attr]
            paid[year] = paid.get(year, Decimal(0)) + event.amount  # type: ignore[union-attr]
            first_paid[year] = min(first_paid.get(year, event.date), event.date)
            regions.setdefault(year, region or "")
        elif kind == "refunded":
            year = event.coverage_year  # type: ignore[union-attr]
            refunded[year] = refunded.get(year, Decimal(0)) + event.amount  # type: ignore[union-attr]
        elif kind == "reimbursed":
            year = event.year  # type: ignore[union-attr]
            claims[year] = claims.get(year, Decimal(0)) + event.fund_amount  # type: ignore[union-attr]
    years = sorted(set(paid) | set(refunded) | set(claims))
    out = []
    consecutive = 0
    previous: int | None = None
    for year in years:
        net = paid.get(year, Decimal(0)) - refunded.get(year, Decimal(0))
        subsidy = Decimal("200.00") if identity == "dibao" else Decimal("0.00")
        enrolled = net >= STANDARD - subsidy
        breaks = 0 if previous is None else max(0, year - previous - 1)
        consecutive = consecutive + 1 if enrolled and breaks == 0 else (1 if enrolled else 0)
        late = year in first_paid and first_paid[year] >= date(year, 1, 1)
        waiting = 3 + max(0, breaks - 1) if (late or breaks) and enrolled else 0
        coverage = []
        if enrolled:
            start_month = 1 + waiting
            coverage.append({"start": f"{year}-{start_month:02d}-01", "end": f"{year}-12-31"})
        flags = []
        if late:
            flags.append("paid_outside_window")
        if Decimal(0) < net < STANDARD - subsidy:
            flags.append("partial_payment")
        bonus = Decimal(3000) * max(0, consecutive - 4)
        policy = "ankang-2025" if year >= 2025 else None
        out.append(
            {
                "year": year,
                "policy": policy,
                "policy_revision": 1 if policy else None,
                "region": regions.get(year, region),
                "enrolled": enrolled,
                "contribution": {
                    "standard": f"{STANDARD:.2f}",
                    "subsidy": f"{subsidy:.2f}",
                    "subsidy_identity": identity if subsidy else None,
                    "subsidy_mode": "deducted" if subsidy else "none",
                    "individual_due": f"{STANDARD - subsidy:.2f}",
                    "paid": f"{paid.get(year, Decimal(0)):.2f}",
                    "refunded": f"{refunded.get(year, Decimal(0)):.2f}",
                },
                "coverage": coverage,
                "waiting": {
                    "fixed_months": 3 if waiting else 0,
                    "variable_months": waiting - 3 if waiting else 0,
                    "repaired_months": 0,
                    "total_months": waiting,
                },
                "continuity": {"consecutive_years": consecutive, "break_years": breaks},
                "critical_illness_cap": {
                    "continuity_bonus": f"{bonus:.2f}",
                    "zero_claim_bonus": "0.00",
                    "break_penalty": "-3000.00" if breaks else "0.00",
                    "net_adjustment": f"{bonus - (3000 if breaks else 0):.2f}",
                    "bonus_ceiling": "60000.00",
                },
                "flags": sorted(flags),
                "basis": ["FAKE-fold"],
            }
        )
        if enrolled:
            previous = year
    return {"person_id": events[0].person_id, "as_of": None, "years": out}
