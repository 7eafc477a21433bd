"""Persons for the exports: every person of the store folded one at a time, known by a keyed
pseudonym or a masked ID number, never by the clear ID number; and the person views as rows.

:func:`fold_persons` streams the store in person id order (:func:`ledger.stored_read.iter_persons`,
keyset pages: one page of persons in memory at a time) and folds each person under the export's
cut, giving the view with the events it was folded from (the status export needs both).

How a person is named in an export (:class:`PersonIds`):

- **pseudonym** (default): ``HMAC-SHA256(key, person_id)``, the reporting database's own
  pseudonym (:mod:`projections.reporting.pseudonym`) with the same key, so an export joins with
  ``persons.pseudonym`` of a reporting database built with that key.
- **mask**: the ID number with its birth date and sequence digits hidden
  (``610902********1215``), for a reader at a desk who must recognise a person they already
  know; not unique (two persons may share a masked form) and not a key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ledger.application import LedgerApp
from ledger.events import Event
from ledger.person_id import mask_ids_in
from ledger.stored_read import PERSONS_PAGE, iter_persons
from policies.registry import PolicyRegistry
from projections.export.columns import Column, columns
from projections.person import PersonView, today_in_china
from projections.replay import Cut
from projections.reporting.pseudonym import PseudonymKey


@dataclass(frozen=True)
class PersonIds:
    """How the persons of an export are named: by keyed pseudonym (``key`` given) or by
    masked ID number."""

    key: PseudonymKey | None = None

    @property
    def column(self) -> Column:
        return Column("pseudonym") if self.key is not None else Column("person_masked")

    @property
    def mode(self) -> str:
        return "pseudonym" if self.key is not None else "mask"

    def __call__(self, person_id: str) -> str:
        if self.key is not None:
            return self.key.pseudonym(person_id)
        return mask_ids_in(person_id)


def fixed_cut(cut: Cut) -> Cut:
    """``cut`` with its ``as_of`` fixed (today in China when not given): every person of one
    export is folded for the same day, even across midnight."""
    return Cut(as_of=cut.as_of or today_in_china(), known_on=cut.known_on, stored_on=cut.stored_on)


def fold_persons(
    app: LedgerApp,
    registry: PolicyRegistry,
    cut: Cut,
    *,
    page: int = PERSONS_PAGE,
    read: Callable[[], None] | None = None,
) -> Iterator[tuple[PersonView, list[Event]]]:
    """Every person of ``app`` with an event inside ``cut`` (its ``as_of`` fixed, see
    :func:`fixed_cut`), in person id order: their view and the events it was folded from.
    A person none of whose events is inside the cut is left out. ``read()`` is called for
    every person read, left out or not (a progress bar's tick)."""
    for person_id, events in iter_persons(app, page=page):
        if read is not None:
            read()
        chosen = cut.select(events)
        if chosen:
            yield cut.fold(person_id, chosen, registry), chosen


# ---------------------------------------------------------------- person views as rows

PERSON_YEAR_COLUMNS: tuple[Column, ...] = columns(
    ("as_of", "date"),
    ("known_on", "datetime"),
    ("stored_on", "datetime"),
    ("year", "int"),
    "policy",
    ("policy_revision", "int"),
    "region",
    ("enrolled", "bool"),
    ("standard", "money"),
    ("subsidy", "money"),
    "subsidy_identity",
    "subsidy_mode",
    ("individual_due", "money"),
    ("paid", "money"),
    ("refunded", "money"),
    ("coverage_start", "date"),
    ("coverage_end", "date"),
    ("coverage_days", "int"),
    ("coverage_periods", "int"),
    "coverage",
    ("fixed_months", "int"),
    ("variable_months", "int"),
    ("repaired_months", "int"),
    ("total_months", "int"),
    ("consecutive_years", "int"),
    ("break_years", "int"),
    ("continuity_bonus", "money"),
    ("zero_claim_bonus", "money"),
    ("break_penalty", "money"),
    ("net_adjustment", "money"),
    ("bonus_ceiling", "money"),
    "flags",
    "basis",
)
"""One row per person and coverage year (the ``years`` of INTERCHANGE.md's view), its parts
side by side: ``coverage`` is every period as ``start/end`` (ISO 8601 intervals) separated by
spaces, ``coverage_start``/``coverage_end`` the first day and the last, ``coverage_days`` the
days covered; ``flags`` and ``basis`` are codes and rule ids separated by spaces."""


def person_year_columns(ids: PersonIds) -> tuple[Column, ...]:
    return (ids.column, *PERSON_YEAR_COLUMNS)


def _amount(text: Any) -> Decimal | None:
    return None if text is None else Decimal(text)


def person_year_rows(view: PersonView, ids: PersonIds) -> Iterator[tuple[Any, ...]]:
    """The rows of one view (:data:`PERSON_YEAR_COLUMNS`, led by the person's name), read
    from its JSON-ready form (``PersonView.to_dict``): the view of INTERCHANGE.md, nothing
    else."""
    document = view.to_dict()
    who = ids(view.person_id)
    head = (who, view.as_of, view.known_on, view.stored_on)
    for year in document["years"]:
        contribution = year["contribution"]
        periods = [
            (date.fromisoformat(p["start"]), date.fromisoformat(p["end"])) for p in year["coverage"]
        ]
        waiting = year["waiting"]
        continuity = year["continuity"]
        cap = year["critical_illness_cap"]
        yield (
            *head,
            year["year"],
            year["policy"],
            year["policy_revision"],
            year["region"],
            year["enrolled"],
            _amount(contribution["standard"]),
            _amount(contribution["subsidy"]),
            contribution["subsidy_identity"],
            contribution["subsidy_mode"],
            _amount(contribution["individual_due"]),
            _amount(contribution["paid"]),
            _amount(contribution["refunded"]),
            periods[0][0] if periods else None,
            periods[-1][1] if periods else None,
            sum((end - start).days + 1 for start, end in periods),
            len(periods),
            " ".join(f"{start.isoformat()}/{end.isoformat()}" for start, end in periods),
            waiting["fixed_months"],
            waiting["variable_months"],
            waiting["repaired_months"],
            waiting["total_months"],
            continuity["consecutive_years"],
            continuity["break_years"],
            _amount(cap.get("continuity_bonus")),
            _amount(cap.get("zero_claim_bonus")),
            _amount(cap.get("break_penalty")),
            _amount(cap.get("net_adjustment")),
            _amount(cap.get("bonus_ceiling")),
            " ".join(year["flags"]),
            " ".join(year["basis"]),
        )
