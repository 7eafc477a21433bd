"""The ledger's clocks as people read them: China Standard Time.

Every stored event carries two times (INTERCHANGE.md, "Order and time"): ``recorded_at``, when
the source system recorded it (defaulting to ``stored_at``), and ``stored_at``, when this
ledger stored it. Both are aware datetimes; the commands show them in China Standard Time.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")
"""China Standard Time (UTC+08:00)."""


def in_china(moment: datetime) -> datetime:
    """``moment`` (aware) as China Standard Time."""
    return moment.astimezone(CHINA)


__all__ = ["CHINA", "in_china"]
