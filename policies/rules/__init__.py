"""Small rule functions grouped by family (POLICY.md sections); each cites its rule ids.

- :mod:`.subsidies` §2 — who is subsidised, how much, how it reaches the person
- :mod:`.starts` §3-4 — when coverage can start after a payment (windows, special groups)
- :mod:`.waiting` §5 — waiting periods (待遇等待期)
- :mod:`.continuity` I-break — break years and consecutive years (连续参保年数)
- :mod:`.incentives` §6 — critical-illness cap incentives (大病保险最高支付限额激励)

Every function is pure: a version, a person's facts and a year in, a decision out, with the
steps (rule id, event, note) an auditor's ``--explain`` trace shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.events import Event
from policies.notes import Note


@dataclass(frozen=True)
class Step:
    """One line of the audit trail: a rule applied, the event that triggered it, and why."""

    rule: str
    note: Note | str
    """Why (:mod:`policies.notes`: written in English or Chinese when shown)."""
    event: Event | None = None
