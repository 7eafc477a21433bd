"""I-break and INC-count: break years (断保年数) and consecutive years (连续参保年数).

A break before year Y is the number of whole coverage years between the last enrolled year
before Y and Y; a year with employee insurance active on any day is not a break year (it
bridges, without adding to the consecutive count). No enrolment on record before Y is a first
enrolment: no break.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from policies.person import PersonFacts


@dataclass(frozen=True)
class Continuity:
    consecutive_years: int
    break_years: int
    break_year_list: tuple[int, ...]
    first_enrolment: bool


def continuity(
    year: int, enrolled: Collection[int], facts: PersonFacts, count_from: int | None
) -> Continuity:
    """Continuity of an enrolled ``year`` given the enrolled years before it.

    ``count_from`` (INC-count, 自2025年起): when ``year`` ≥ it, only years from it on are
    counted; years before it are counted from the start of the record."""
    earlier = [y for y in enrolled if y < year]
    if not earlier:
        return Continuity(1, 0, (), True)
    floor = min(earlier)
    breaks: list[int] = []
    y = year - 1
    while y >= floor and y not in enrolled:
        if not facts.employee_active_in(y):
            breaks.append(y)
        y -= 1
    if breaks:
        return Continuity(1, len(breaks), tuple(sorted(breaks)), False)
    lowest = count_from if count_from is not None and year >= count_from else floor
    count = 1
    y = year - 1
    while y >= max(floor, lowest):
        if y in enrolled:
            count += 1
        elif not facts.employee_active_in(y):
            break
        y -= 1
    return Continuity(count, 0, (), False)
