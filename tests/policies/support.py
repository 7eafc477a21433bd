"""Building person histories for rule tests: plain lists of events, no storage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ledger.events import Event, parse_event
from policies import PolicyRegistry, builtin_registry
from projections.person import project_person

BUILTIN = builtin_registry()


class History:
    """A person's events, written the way a test reads: ``h.paid("2024-10-10", 2025, "400")``."""

    def __init__(
        self,
        region: str = "610902",
        *,
        person_id: str = "P-TEST",
        registered: str | None = "2018-01-01",
        birth: str = "1980-01-01",
        hukou: str | None = None,
    ) -> None:
        self.person_id = person_id
        self.region = region
        self.events: list[dict[str, Any]] = []
        if registered:
            extra = {"hukou_region": hukou} if hukou else {}
            self.add("registered", registered, region=region, birth_date=birth, **extra)

    def add(self, type_: str, day: str, **fields: Any) -> History:
        n = len(self.events) + 1
        self.events.append(
            {"event_id": f"e{n}", "person_id": self.person_id, "type": type_, "date": day, **fields}
        )
        return self

    def born(self, day: str, **fields: Any) -> History:
        return self.add("born", day, region=self.region, **fields)

    def moved(self, day: str, region: str) -> History:
        return self.add("region_changed", day, region=region)

    def permit(self, day: str, region: str) -> History:
        return self.add("residence_permit_granted", day, region=region)

    def status_lost(self, day: str, reason: str) -> History:
        return self.add("resident_status_lost", day, reason=reason)

    def paid(self, day: str, year: int, amount: str, **fields: Any) -> History:
        return self.add("paid", day, coverage_year=year, amount=amount, **fields)

    def repair(self, day: str, year: int, amount: str) -> History:
        return self.paid(day, year, amount, purpose="repair")

    def refund(
        self, day: str, year: int, amount: str, reason: str = "duplicate", **fields: Any
    ) -> History:
        return self.add("refunded", day, coverage_year=year, amount=amount, reason=reason, **fields)

    def grant(self, day: str, identity: str, **fields: Any) -> History:
        return self.add("identity_granted", day, identity=identity, **fields)

    def revoke(self, day: str, identity: str) -> History:
        return self.add("identity_revoked", day, identity=identity)

    def employee(self, start: str | None, stop: str | None = None) -> History:
        if start:
            self.add("employee_insurance_started", start)
        if stop:
            self.add("employee_insurance_stopped", stop)
        return self

    def died(self, day: str) -> History:
        return self.add("died", day)

    def claim(
        self, day: str, year: int, fund: str, reward_used: bool = False, **fields: Any
    ) -> History:
        return self.add(
            "reimbursed", day, year=year, fund_amount=fund, reward_used=reward_used, **fields
        )

    def parsed(self) -> list[Event]:
        return [parse_event(e) for e in self.events]  # type: ignore[misc]

    def view(self, registry: PolicyRegistry = BUILTIN, **kwargs: Any) -> dict[str, Any]:
        return project_person(self.parsed(), registry, person_id=self.person_id, **kwargs).to_dict()

    def year(self, year: int, registry: PolicyRegistry = BUILTIN, **kwargs: Any) -> dict[str, Any]:
        for entry in self.view(registry, **kwargs)["years"]:
            if entry["year"] == year:
                return entry
        raise AssertionError(f"no year {year} in the view")


def coverage(entry: dict[str, Any]) -> list[tuple[str, str]]:
    return [(s["start"], s["end"]) for s in entry["coverage"]]


def registry_with(tmp_path: Path, *versions: dict[str, Any]) -> PolicyRegistry:
    path = tmp_path / "policies.json"
    path.write_text(json.dumps({"versions": list(versions)}), encoding="utf-8")
    return BUILTIN.with_file(path)


def ankang_year(year: int, **parameters: Any) -> dict[str, Any]:
    """An added Ankang version for ``year`` (the shape of POLICY.md "Adding a version")."""
    return {
        "id": f"ankang-{year}",
        "extends": "ankang-2025" if year == 2026 else f"ankang-{year - 1}",
        "region": "610900",
        "coverage_year": year,
        "source": "test version",
        "parameters": {
            "individual_standard": "400.00",
            "central_window": [f"{year - 1}-09-01", f"{year - 1}-12-20"],
            "late_window": [f"{year}-01-01", f"{year}-03-31"],
            "subsidy_cutoff": f"{year - 1}-12-31",
            **parameters,
        },
    }
