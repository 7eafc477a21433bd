"""Date arithmetic of the notices, each reading named by its interpretation id (POLICY.md).

- ``I-next-month`` 缴费后次月起: the first day of the calendar month after a date.
- ``I-next-day`` 缴费次日: the day after.
- ``I-days`` "within N days after": the start day is not counted (Civil Code art. 201), so the
  last day inside is ``start + N days``.
- ``WAIT-start`` months of a waiting period: the same day of month N months later; when that
  month has no such day, the first day of the month after.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def next_month_start(day: date) -> date:
    """I-next-month: the first day of the month after ``day``."""
    if day.month == 12:
        return date(day.year + 1, 1, 1)
    return date(day.year, day.month + 1, 1)


def next_day(day: date) -> date:
    """I-next-day: 缴费次日."""
    return day + timedelta(days=1)


def last_day_within(start: date, days: int) -> date:
    """I-days: the last day "within ``days`` days after ``start``" (start day not counted)."""
    return start + timedelta(days=days)


def add_months(day: date, months: int) -> date:
    """WAIT-start: ``day`` plus ``months`` months, same day of month; a day the target month
    lacks (31 April) rolls to the first day of the month after."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if day.day <= calendar.monthrange(year, month)[1]:
        return date(year, month, day.day)
    return next_month_start(date(year, month, 1))


def year_start(year: int) -> date:
    return date(year, 1, 1)


def year_end(year: int) -> date:
    return date(year, 12, 31)


def first_birthday(birth: date) -> date:
    """The day a child turns one (29 February births turn one on 1 March)."""
    try:
        return birth.replace(year=birth.year + 1)
    except ValueError:
        return date(birth.year + 1, 3, 1)


def years_before(day: date, years: int) -> date:
    """The same date ``years`` years earlier; 29 February is read as 28 February
    (I-insured-2y)."""
    if day.year - years < 1:
        return date.min
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return date(day.year - years, 2, 28)


def month_start(day: date) -> date:
    """I-this-month (缴费当月): the first day of the month of ``day``."""
    return day.replace(day=1)
