"""The auditor's table: one row per coverage year of a person view.

Version and revision, the region with its name (``610902 汉滨区``), coverage dates, due/paid,
waiting, consecutive years, cap adjustment and flags; ID numbers masked.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from ledger.person_id import mask
from ledger.regions import region_label

COLUMNS = (
    "year",
    "policy",
    "region",
    "enrolled",
    "coverage",
    "due",
    "paid",
    "subsidy",
    "waiting",
    "consecutive",
    "break",
    "cap_adjustment",
    "flags",
)


def _row(year: dict[str, Any]) -> list[str]:
    c = year["contribution"]
    policy = f"{year['policy']} r{year['policy_revision']}" if year["policy"] else "—"
    coverage = ", ".join(f"{s['start']}..{s['end']}" for s in year["coverage"]) or "—"
    subsidy = "—"
    if c["subsidy"] not in (None, "0.00"):
        subsidy = f"{c['subsidy']} {c['subsidy_identity']} ({c['subsidy_mode']})"
    waiting = year["waiting"]
    wait = f"{waiting['total_months']} mo" if waiting["total_months"] else "—"
    if waiting["repaired_months"]:
        wait += f" ({waiting['repaired_months']} repaired)"
    cap = year["critical_illness_cap"]
    return [
        str(year["year"]),
        policy,
        region_label(year["region"]) if year.get("region") else "—",
        "yes" if year["enrolled"] else "no",
        coverage,
        c["individual_due"] or "—",
        c["paid"] + (f" (−{c['refunded']})" if c["refunded"] != "0.00" else ""),
        subsidy,
        wait,
        str(year["continuity"]["consecutive_years"]),
        str(year["continuity"]["break_years"]),
        cap["net_adjustment"] if year["policy"] else "—",
        ", ".join(year["flags"]) or "—",
    ]


def render_table(view: dict[str, Any]) -> str:
    """A person view (``PersonView.to_dict()``) as a fixed-width text table."""
    rows = [list(COLUMNS)] + [_row(y) for y in view["years"]]
    widths = [max(_width(r[i]) for r in rows) for i in range(len(COLUMNS))]
    header = f"person {mask(view['person_id'])} as of {view['as_of']}"
    if view.get("known_on"):
        header += f", known on {view['known_on']}"
    if view.get("stored_on"):
        header += f", stored on {view['stored_on']}"
    lines = [header]
    for index, row in enumerate(rows):
        cells = (cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True))
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    for year in view["years"]:
        basis = ", ".join(year["basis"])
        lines.append(f"  {year['year']} basis: {basis or '—'}")
        for flag, reason in year.get("reasons", {}).items():
            lines.append(f"  {year['year']} {flag}: {reason}")
        for step in year.get("trace", []):
            event = f"{step['date']} {step['type']} {step['event_id']}" if step["event_id"] else "—"
            lines.append(
                f"    {step['rule']:<14} {event:<40} {step['note']}"
                + (f"  [{step['citation']}]" if step["citation"] else "")
            )
    return "\n".join(lines)


def _width(text: str) -> int:
    """Display width: CJK characters (region names) take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
