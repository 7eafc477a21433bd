"""Lookup tables (代码表) for the exports: every code an export writes, with its Chinese and
English names, so a spreadsheet or a BI model can join a code to its label.

- ``regions``: every division code of the national list the ledger knows (GB/T 2260, current
  and retired, :mod:`ledger.regions`; its sources and data dates in ``docs/regions.md``);
- ``identities``: subsidy identities (身份);
- ``flags``: the flags (需关注事项), each with what it means for the person;
- ``rules``: every rule id with the notice and section where each policy version states it
  (one row per version and citation), and the rule book's readings (解释);
- ``codes``: the small vocabularies: event types, subsidy modes, refund reasons, payment
  purposes, late reasons, status-loss reasons, region levels and statuses, and the status
  export's platform codes (``insutype``, ``psn_insu_stas``) and ``ledger_state``;
- ``columns``: the data dictionary: every column of every export with its Chinese name and
  type.

The labels are the catalogues the report and the terminal tables use (:mod:`ledger.labels`,
:mod:`policies.labels`): one vocabulary everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ledger import labels as L
from ledger.regions import all_regions
from policies import labels as PL
from policies.catalogue import RULES as CATALOGUE
from policies.clauses import UnknownCitation, parse_all, readings
from policies.registry import PolicyRegistry
from projections.export.columns import Column, columns
from projections.export.insured import INSURED_COLUMNS, INSUTYPES, LEDGER_STATES, PSN_INSU_STAS
from projections.export.persons import PERSON_YEAR_COLUMNS
from projections.export.reporting import REPORTING_TABLES, table_columns

REGION_LEVELS = {
    "province": ("省级", "province"),
    "prefecture": ("地级", "prefecture"),
    "county": ("县级", "county"),
}
REGION_STATUSES = {"current": ("现行", "current"), "retired": ("已撤销", "retired")}


@dataclass(frozen=True)
class Lookup:
    """A lookup table: its columns and a function giving its rows."""

    name: str
    columns: tuple[Column, ...]
    rows: Callable[[PolicyRegistry], Iterator[tuple[Any, ...]]]


def _regions(_: PolicyRegistry) -> Iterator[tuple[Any, ...]]:
    for region in all_regions():
        yield (
            region.code,
            region.name,
            region.level,
            REGION_LEVELS[region.level][0],
            region.parent,
            region.status,
            REGION_STATUSES[region.status][0],
            region.last_listed or None,
            region.retired or None,
            region.change or None,
            " ".join(region.successor) or None,
            " ".join(region.former_names) or None,
        )


def _labelled(table: dict[str, L.Label]) -> Callable[[PolicyRegistry], Iterator[tuple[Any, ...]]]:
    def rows(_: PolicyRegistry) -> Iterator[tuple[Any, ...]]:
        for code, label in table.items():
            yield code, label.zh, label.en

    return rows


def _flags(_: PolicyRegistry) -> Iterator[tuple[Any, ...]]:
    for code, label in L.FLAGS.items():
        yield code, label.zh, label.en, label.explain


def _rule_label(rule_id: str) -> tuple[str, str | None]:
    try:
        label = PL.rule_label(rule_id)
    except KeyError:
        rule = CATALOGUE.get(rule_id)
        return "", rule.title if rule is not None else None
    return label.zh, label.en


def _rules(registry: PolicyRegistry) -> Iterator[tuple[Any, ...]]:
    cited: set[str] = set()
    for version in registry:
        for rule_id, citation in sorted(version.rule_citations.items()):
            cited.add(rule_id)
            zh, en = _rule_label(rule_id)
            try:
                parts = parse_all(citation)
            except UnknownCitation:
                parts = ()
            if not parts:
                yield (rule_id, zh, en, version.id, version.region, version.coverage_year,
                       citation, None, None, None)  # fmt: skip
            for part in parts:
                yield (
                    rule_id,
                    zh,
                    en,
                    version.id,
                    version.region,
                    version.coverage_year,
                    str(part),
                    part.document,
                    part.section,
                    part.phrase,
                )
    for rule_id in [*PL.RULES, *readings()]:
        if rule_id in cited:
            continue
        zh, en = _rule_label(rule_id)
        reading = rule_id if rule_id.startswith("I-") else None
        yield rule_id, zh, en, None, None, None, reading, None, None, None


def _codes(_: PolicyRegistry) -> Iterator[tuple[Any, ...]]:
    vocabularies: list[tuple[str, dict[str, tuple[str, str]]]] = [
        ("type", {k: (v.zh, v.en) for k, v in L.EVENT_TYPES.items()}),
        ("subsidy_mode", {k: (v.zh, v.en) for k, v in L.SUBSIDY_MODES.items()}),
        ("refund_reason", {k: (v.zh, v.en) for k, v in L.REFUND_REASONS.items()}),
        ("purpose", {k: (v.zh, v.en) for k, v in L.PURPOSES.items()}),
        ("late_reason", {k: (v.zh, v.en) for k, v in L.LATE_REASONS.items()}),
        ("status_loss_reason", {k: (v.zh, v.en) for k, v in L.STATUS_LOSS_REASONS.items()}),
        ("level", REGION_LEVELS),
        ("status", REGION_STATUSES),
        ("insutype", INSUTYPES),
        ("psn_insu_stas", PSN_INSU_STAS),
        ("ledger_state", {k: (zh, en) for k, (_, zh, en) in LEDGER_STATES.items()}),
    ]
    for field, table in vocabularies:
        for code, (zh, en) in table.items():
            yield field, code, zh, en


def export_columns() -> dict[str, tuple[Column, ...]]:
    """Every export's columns by its name: the person views (``views``, after the person's
    pseudonym or masked ID), the status export (``insured``, likewise), each reporting table
    and each lookup table."""
    found: dict[str, tuple[Column, ...]] = {
        "views": PERSON_YEAR_COLUMNS,
        "insured": INSURED_COLUMNS,
    }
    found.update({name: table_columns(name) for name in REPORTING_TABLES})
    found.update({f"lookup {name}": lookup.columns for name, lookup in LOOKUPS.items()})
    return found


def _columns(_: PolicyRegistry) -> Iterator[tuple[Any, ...]]:
    for table, table_columns_ in export_columns().items():
        for column in table_columns_:
            yield table, column.name, column.zh, column.kind


LOOKUPS: dict[str, Lookup] = {
    lookup.name: lookup
    for lookup in (
        Lookup(
            "regions",
            columns(
                "code",
                "name",
                "level",
                "level_zh",
                "parent",
                "status",
                "status_zh",
                "last_listed",
                "retired",
                "change",
                "successor",
                "former_names",
            ),  # fmt: skip
            _regions,
        ),
        Lookup("identities", columns("code", "zh", "en"), _labelled(L.IDENTITIES)),
        Lookup("flags", columns("code", "zh", "en", "explain"), _flags),
        Lookup(
            "rules",
            columns(
                "rule",
                "zh",
                "en",
                "version",
                "region",
                ("coverage_year", "int"),
                "citation",
                "document",
                "section",
                "phrase",
            ),  # fmt: skip
            _rules,
        ),
        Lookup("codes", columns("field", "code", "zh", "en"), _codes),
        Lookup("columns", columns("table", "column", "zh", "kind"), _columns),
    )
}
"""The lookup tables by name."""
