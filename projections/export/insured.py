"""The status export: each person's insured-person record (参保信息) in the shape of the national
medical-insurance platform (国家医疗保障信息平台), for the resident scheme (险种 ``390``).

The platform's record is the ``insuinfo`` list of its person query (transaction ``1101``
人员信息获取): ``insutype`` 险种类型, ``psn_type`` 人员类别, ``psn_insu_stas`` 人员参保状态,
``psn_insu_date`` 个人参保日期, ``paus_insu_date`` 暂停参保日期, ``cvlserv_flag`` 公务员标志,
``insuplc_admdvs`` 参保地医保区划, ``emp_name`` 单位名称, ``balc`` 余额. The codes and the
mapping from the ledger's views, with their sources and what the ledger has no data for, are
in ``docs/export.md``; this module is that mapping.

The record says where a person stands **on the view's ``as_of`` day** (D), from their coverage
periods (待遇享受期) and the events the fold read (death, loss of the resident status,
employee insurance). :data:`LEDGER_STATES` are the ledger's own finer reasons, each mapped to
one ``psn_insu_stas`` code, checked in this order:

1. ``covered``: D is in a coverage period → ``1`` 正常参保.
2. ``died``: the person died on or before D, and was enrolled → ``4`` 终止参保 (DEATH).
3. ``waiting``: enrolled for D's year, coverage starts after D (a waiting period, or a late
   payment's later start) and none of that year's coverage has ended → ``1`` 正常参保.
4. ``status_lost``: the resident status was lost on or before D (EMP-lost: enlisted,
   imprisoned, another scheme; or employee insurance where the version says it ends the
   status) and no coverage started since → ``4`` 终止参保.
5. ``employee_insurance``: employee insurance is active on D, after resident coverage
   (EMP-priority: 职工医保有效期间居民医保待遇暂停) → ``2`` 暂停参保.
6. ``paused``: enrolled for D's year, covered earlier, not on D (a gap) → ``2`` 暂停参保.
7. ``no_coverage_computed``: enrolled for D's year, but the ledger computed no coverage for it
   (no policy version for the region and year: flag ``policy_missing``) → no code (empty).
8. ``not_renewed``: covered before, not enrolled for D's year (居民医保按年度缴费) →
   ``2`` 暂停参保.
9. ``never_enrolled``: never enrolled by D → ``0`` 未参保.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ledger.events import Event
from policies.handler import YearOutcome
from policies.person import PersonFacts
from projections.export.columns import Column, columns
from projections.export.persons import PersonIds
from projections.person import PersonView

INSUTYPE_RESIDENT = "390"
"""险种类型 ``390`` 城乡居民基本医疗保险: every record of this export."""

INSUTYPES = {"390": ("城乡居民基本医疗保险", "urban-rural resident basic medical insurance")}
"""The ``insutype`` code this export writes, for the lookup table (the platform lists others:
310 职工基本医疗保险 …)."""

PSN_INSU_STAS = {
    "0": ("未参保", "not insured"),
    "1": ("正常参保", "insured"),
    "2": ("暂停参保", "insurance paused"),
    "4": ("终止参保", "insurance terminated"),
}
"""人员参保状态 (``psn_insu_stas``) codes (docs/export.md gives the sources)."""

LEDGER_STATES: dict[str, tuple[str, str, str]] = {
    "covered": ("1", "待遇享受期内", "in a coverage period"),
    "died": ("4", "死亡", "died"),
    "waiting": ("1", "已参保，待遇尚未开始（等待期等）", "enrolled, coverage not begun yet"),
    "status_lost": ("4", "居民医保参保身份丧失", "resident status lost"),
    "employee_insurance": ("2", "参加职工医保期间暂停", "paused: employee insurance active"),
    "paused": ("2", "本年度待遇中断", "paused within the year"),
    "no_coverage_computed": ("", "已参保，无适用政策，未计算待遇", "enrolled, no policy version"),
    "not_renewed": ("2", "本年度未续保", "not enrolled for this year"),
    "never_enrolled": ("0", "未参保", "never enrolled"),
}
"""``ledger_state`` → (``psn_insu_stas`` code, Chinese, English)."""

INSURED_COLUMNS: tuple[Column, ...] = columns(
    ("as_of", "date"),
    "insutype",
    "psn_insu_stas",
    ("psn_insu_date", "date"),
    ("paus_insu_date", "date"),
    "insuplc_admdvs",
    "psn_type",
    "cvlserv_flag",
    "emp_name",
    ("balc", "money"),
    "ledger_state",
)
"""The platform's ``insuinfo`` fields (those the ledger has no data for stay empty: ``psn_type``,
``cvlserv_flag``, ``emp_name``, ``balc``), with ``as_of`` and the ledger's own ``ledger_state``."""


def insured_columns(ids: PersonIds) -> tuple[Column, ...]:
    return (ids.column, *INSURED_COLUMNS)


@dataclass(frozen=True)
class InsuredStatus:
    """Where a person stands on ``as_of`` (see the module docstring)."""

    as_of: date
    state: str
    insu_date: date | None
    """个人参保日期: the first day of the coverage the state is about (the run of consecutive
    coverage periods containing D, or the last one before D; for ``waiting``, the coming start)."""
    paus_date: date | None
    """暂停参保日期: the first day without coverage (the day after the last covered day), for
    states 2 and 4."""
    region: str | None

    @property
    def code(self) -> str:
        return LEDGER_STATES[self.state][0]


_DAY = timedelta(days=1)


def _runs(periods: list[tuple[date, date, str | None]]) -> list[tuple[date, date, str | None]]:
    """Coverage periods joined where one starts the day after the previous ends (a new
    coverage year following the last): (first day, last day, region of the last year)."""
    runs: list[tuple[date, date, str | None]] = []
    for start, end, region in sorted(periods):
        if runs and start <= runs[-1][1] + _DAY:
            first, last, _ = runs[-1]
            runs[-1] = (first, max(last, end), region)
        else:
            runs.append((start, end, region))
    return runs


def _losses(facts: PersonFacts, outcomes: dict[int, YearOutcome], day: date) -> list[date]:
    """Days the resident status was lost on or before ``day`` (EMP-lost)."""
    found = [loss.date for loss in facts.status_losses if loss.date <= day]
    for span in facts.employee:
        if span.started_by is None or span.start > day:
            continue
        outcome = outcomes.get(span.start.year)
        version = outcome.version if outcome is not None else None
        if (
            outcome is not None
            and outcome.enrolled
            and version is not None
            and version.parameters.employee_start_ends_status
        ):
            found.append(span.start)
    return sorted(found)


def insured_status(view: PersonView, facts: PersonFacts) -> InsuredStatus:
    """The person's status on ``view.as_of`` from their view and the facts of the events the
    view was folded from (:class:`~policies.person.PersonFacts`)."""
    day = view.as_of
    outcomes = {outcome.year: outcome for outcome in view.years}
    periods = [
        (start, end, outcome.region)
        for outcome in view.years
        if outcome.enrolled
        for start, end in outcome.coverage
        if start <= end
    ]
    runs = _runs(periods)
    before = [run for run in runs if run[0] <= day]
    last = before[-1] if before else None
    ever_enrolled = bool(before) or any(o.enrolled and o.year <= day.year for o in view.years)
    enrolled_regions = [o.region for o in view.years if o.enrolled and o.year <= day.year]
    last_region = (last[2] if last else None) or (
        enrolled_regions[-1] if enrolled_regions else None
    )

    def status(
        state: str, insu: date | None = None, paus: date | None = None, region: str | None = None
    ) -> InsuredStatus:
        return InsuredStatus(day, state, insu, paus, region)

    if last is not None and last[1] >= day:
        return status("covered", last[0], None, last[2])
    stopped = last[1] + _DAY if last is not None else None
    since = last[0] if last is not None else None
    died = facts.died_on
    if died is not None and died <= day and ever_enrolled:
        return status("died", since, stopped or died + _DAY, last_region)
    this_year = outcomes.get(day.year)
    if this_year is not None and this_year.enrolled:
        own = sorted(p for p in this_year.coverage if p[0] <= p[1])
        if own and own[0][0] > day:
            return status("waiting", own[0][0], None, this_year.region)
    losses = _losses(facts, outcomes, day)
    if losses and ever_enrolled and (since is None or losses[-1] >= since):
        return status("status_lost", since, stopped or losses[-1], last_region)
    employee = any(
        span.start <= day and (span.stop is None or span.stop >= day) for span in facts.employee
    )
    if employee and last is not None:
        return status("employee_insurance", since, stopped, last_region)
    if this_year is not None and this_year.enrolled:
        if this_year.coverage and last is not None:
            return status("paused", since, stopped, this_year.region)
        if not this_year.coverage:
            return status("no_coverage_computed", since, None, this_year.region)
    if last is not None:
        return status("not_renewed", since, stopped, last_region)
    return status("never_enrolled", region=_registered_region(facts, day) or last_region)


def _registered_region(facts: PersonFacts, day: date) -> str | None:
    """The region the events place the person in on ``day`` (registration, region change)."""
    regions = [region for since, region in sorted(facts.regions) if since <= day]
    return regions[-1] if regions else None


def insured_row(view: PersonView, events: list[Event], ids: PersonIds) -> tuple[Any, ...]:
    """The export row of one person (:func:`insured_columns`)."""
    found = insured_status(view, PersonFacts.from_events(view.person_id, events))
    return (
        ids(view.person_id),
        found.as_of,
        INSUTYPE_RESIDENT,
        found.code or None,
        found.insu_date,
        found.paus_date,
        found.region,
        None,
        None,
        None,
        None,
        found.state,
    )


def insured_rows(
    folded: Iterator[tuple[PersonView, list[Event]]], ids: PersonIds
) -> Iterator[tuple[Any, ...]]:
    for view, events in folded:
        yield insured_row(view, events, ids)
