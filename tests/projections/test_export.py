"""Exports (projections.export): the person views, the status export, the reporting tables and
the lookup tables, written as CSV, JSON Lines and Parquet from a real store on SQLite and on
PostgreSQL; the same rows in every format, pseudonyms that join with the reporting database,
no clear ID number anywhere, lookups that cover every code written, and flat memory."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

import pyarrow.parquet as pq
import pytest

from ledger.application import LedgerApp
from ledger.importer import import_file
from ledger.stored_read import iter_persons
from ledger.synth import generate, to_line
from policies import builtin_registry
from policies.clauses import parse_all
from projections.export import (
    Output,
    PersonIds,
    export_insured,
    export_lookup,
    export_table,
    export_views,
)
from projections.export.formats import ROW_GROUP_ROWS, format_of, open_sink
from projections.export.lookups import LOOKUPS
from projections.export.persons import PERSON_YEAR_COLUMNS
from projections.export.reporting import REPORTING_TABLES, target_key
from projections.person import project_person
from projections.replay import Cut, store_views
from projections.reporting.projector import Projector
from projections.reporting.pseudonym import PseudonymKey, PseudonymKeyError
from projections.reporting.target import Target, parse_target
from tests.conftest import PG_URL, _drop_schema

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = builtin_registry()
KEY = PseudonymKey(b"export-tests-key-0123456789abcdef", "env")
AS_OF = date(2025, 7, 15)
ID_SHAPE = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
"""Anything shaped like a PRC ID number (18 or 15 digits) standing on its own."""


@pytest.fixture
def store(app: LedgerApp, tmp_path: Path) -> LedgerApp:
    """The example events and 60 synthetic persons (2021-2025) in the test's store."""
    synthetic = tmp_path / "synth.jsonl"
    with synthetic.open("w", encoding="utf-8") as out:
        for record in generate(60, (2021, 2025), seed=11):
            out.write(to_line(record))
    for path in (ROOT / "examples" / "events.jsonl", synthetic):
        import_file(app, path, progress=False)
    return app


def _person_ids(app: LedgerApp) -> list[str]:
    """The persons with an event dated on or before AS_OF (those the exports hold)."""
    return [p for p, events in iter_persons(app) if any(e.date <= AS_OF for e in events)]


def _read(path: Path, encoding: str = "utf-8-sig") -> list[dict[str, Any]]:
    """An export file's rows, every value as the text CSV writes ("" for nothing)."""
    fmt = format_of(path)
    if fmt == "csv":
        with path.open(encoding=encoding, newline="") as handle:
            return list(csv.DictReader(handle))
    if fmt == "jsonl":
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    else:
        records = pq.read_table(path).to_pylist()
    return [{k: _text(v) for k, v in record.items()} for record in records]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _output(path: Path, **options: Any) -> Output:
    return Output(path, format_of(path), **options)


# ---------------------------------------------------------------- person views


def test_views_export_is_the_views_one_row_per_person_and_year(
    store: LedgerApp, tmp_path: Path
) -> None:
    report = export_views(
        store, REGISTRY, _output(tmp_path / "views.jsonl"), ids=PersonIds(KEY), cut=Cut(AS_OF)
    )
    rows = _read(tmp_path / "views.jsonl")
    persons = set(_person_ids(store))
    views = [
        v.to_dict()
        for v in store_views(store, REGISTRY, cut=Cut(as_of=AS_OF))
        if v.person_id in persons
    ]
    expected = [(view, year) for view in views for year in view["years"]]
    assert report.rows == len(rows) == len(expected) > 100
    assert report.persons == len(views)
    for row, (view, year) in zip(rows, expected, strict=True):
        contribution, cap = year["contribution"], year["critical_illness_cap"]
        periods = year["coverage"]
        assert row["pseudonym"] == KEY.pseudonym(view["person_id"])
        assert row["as_of"] == "2025-07-15" and row["known_on"] == row["stored_on"] == ""
        assert row["year"] == str(year["year"])
        assert row["policy"] == (year["policy"] or "")
        assert row["region"] == (year["region"] or "")
        assert row["enrolled"] == ("true" if year["enrolled"] else "false")
        for field in ("standard", "subsidy", "individual_due", "paid", "refunded"):
            assert row[field] == (contribution[field] or ""), field
        assert row["subsidy_mode"] == contribution["subsidy_mode"]
        assert row["coverage"] == " ".join(f"{p['start']}/{p['end']}" for p in periods)
        assert row["coverage_start"] == (periods[0]["start"] if periods else "")
        assert row["coverage_end"] == (periods[-1]["end"] if periods else "")
        days = sum(
            (date.fromisoformat(p["end"]) - date.fromisoformat(p["start"])).days + 1
            for p in periods
        )
        assert row["coverage_days"] == str(days)
        assert row["total_months"] == str(year["waiting"]["total_months"])
        assert row["consecutive_years"] == str(year["continuity"]["consecutive_years"])
        assert row["net_adjustment"] == cap["net_adjustment"]
        assert row["bonus_ceiling"] == (cap["bonus_ceiling"] or "")
        assert row["flags"].split() == year["flags"]
        assert row["basis"].split() == year["basis"]


def test_every_format_holds_the_same_rows(store: LedgerApp, tmp_path: Path) -> None:
    written = {}
    for name in ("views.csv", "views.jsonl", "views.parquet", "views-gb.csv"):
        encoding = "gb18030" if name == "views-gb.csv" else None
        output = _output(tmp_path / name, encoding=encoding, lang="both")
        export_views(store, REGISTRY, output, ids=PersonIds(KEY), cut=Cut(AS_OF))
        written[name] = _read(tmp_path / name, encoding or "utf-8-sig")
    assert written["views.csv"] == written["views.jsonl"] == written["views.parquet"]
    assert written["views-gb.csv"] == written["views.csv"]
    assert list(written["views.csv"][0])[:3] == ["假名编号 pseudonym", "业务日期截至 as_of",
                                                  "来源记录截至 known_on"]  # fmt: skip


def test_csv_for_excel_utf8_with_bom_or_gb18030(store: LedgerApp, tmp_path: Path) -> None:
    for name, encoding in (("a.csv", None), ("b.csv", "gb18030")):
        export_views(
            store,
            REGISTRY,
            _output(tmp_path / name, encoding=encoding, lang="zh"),
            ids=PersonIds(),
            cut=Cut(AS_OF),
        )
    utf8, gb = (tmp_path / "a.csv").read_bytes(), (tmp_path / "b.csv").read_bytes()
    assert utf8.startswith(b"\xef\xbb\xbf")  # the BOM Excel looks for
    assert utf8.decode("utf-8-sig").startswith("参保人（证件号已遮盖）,业务日期截至")
    assert not gb.startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        gb.decode("utf-8")
    assert gb.decode("gb18030") == utf8.decode("utf-8-sig")
    assert b"\r\n" in gb and b"\n" not in gb.replace(b"\r\n", b"")


def test_parquet_types_money_exact_and_metadata(store: LedgerApp, tmp_path: Path) -> None:
    path = tmp_path / "views.parquet"
    export_views(store, REGISTRY, _output(path), ids=PersonIds(KEY), cut=Cut(AS_OF))
    table = pq.read_table(path)
    schema = table.schema
    assert str(schema.field("paid").type) == "decimal128(20, 2)"
    assert str(schema.field("coverage_start").type) == "date32[day]"
    assert str(schema.field("enrolled").type) == "bool"
    assert str(schema.field("year").type) == "int64"
    assert schema.field("paid").metadata == {b"zh": "实缴".encode(), b"en": b"paid"}
    about = json.loads(schema.metadata[b"ledger.export"])
    assert about["table"] == "views" and about["as_of"] == "2025-07-15"
    assert about["persons_by"] == "pseudonym"
    paid = table.column("paid").to_pylist()
    assert all(isinstance(v, Decimal) for v in paid if v is not None)


# ---------------------------------------------------------------- the status export


def test_insured_export_one_record_per_person(store: LedgerApp, tmp_path: Path) -> None:
    path = tmp_path / "insured.csv"
    report = export_insured(store, REGISTRY, _output(path), ids=PersonIds(KEY), cut=Cut(AS_OF))
    rows = _read(path)
    persons = _person_ids(store)
    assert report.rows == len(rows) == len(persons)
    assert [r["pseudonym"] for r in rows] == [KEY.pseudonym(p) for p in persons]
    assert {r["insutype"] for r in rows} == {"390"}
    assert {r["psn_insu_stas"] for r in rows} <= {"0", "1", "2", "4", ""}
    by_person = dict(zip(persons, rows, strict=True))
    died = by_person["610902195011204534"]  # examples: died 2025-06-30
    assert (died["psn_insu_stas"], died["paus_insu_date"], died["ledger_state"]) == (
        "4",
        "2025-07-01",
        "died",
    )
    covered = by_person["610924196508123425"]  # paid 2024 and 2025 in 610924
    assert (covered["psn_insu_stas"], covered["psn_insu_date"], covered["insuplc_admdvs"]) == (
        "1",
        "2024-01-01",
        "610924",
    )
    for row in rows:
        assert row["psn_type"] == row["cvlserv_flag"] == row["emp_name"] == row["balc"] == ""
        if row["psn_insu_stas"] in ("2", "4"):
            assert row["paus_insu_date"] and row["paus_insu_date"] <= "2025-07-15"
        if row["psn_insu_stas"] in ("0", "1"):
            assert row["paus_insu_date"] == ""


# ---------------------------------------------------------------- the reporting tables


@pytest.fixture
def reporting(store: LedgerApp, ledger_db: str, tmp_path: Path) -> Iterator[Target]:
    """A reporting database on the store's backend, projected with ``KEY``."""
    if ledger_db.startswith("postgresql://"):
        schema = f"export_test_{uuid4().hex[:10]}"
        spec = f"{PG_URL}?schema={schema}"
    else:
        schema, spec = "", str(tmp_path / "reports.db")
    target = parse_target(spec)
    projector = Projector(store, target, _fold, KEY, warn=lambda message: None)
    try:
        with projector.open():
            projector.catch_up()
    finally:
        projector.engine.dispose()
    try:
        yield target
    finally:
        if schema:
            _drop_schema(schema)


def _fold(events: Any) -> Any:
    return project_person(events, REGISTRY)


@pytest.mark.parametrize("name", sorted(REPORTING_TABLES))
def test_reporting_table_export_holds_the_stored_rows(
    reporting: Target, store: LedgerApp, tmp_path: Path, name: str
) -> None:
    path = tmp_path / f"{name}.parquet"
    report = export_table(reporting, name, _output(path))
    rows = pq.read_table(path).to_pylist()
    assert report.rows == len(rows) > 0
    pseudonyms = {KEY.pseudonym(p) for p, _ in iter_persons(store)}
    assert {row["pseudonym"] for row in rows} <= pseudonyms
    if name == "persons":
        assert {row["pseudonym"] for row in rows} == pseudonyms
        assert "person_key" not in rows[0]


def test_views_export_joins_with_the_reporting_database(
    reporting: Target, store: LedgerApp, tmp_path: Path
) -> None:
    export_table(reporting, "contribution_years", _output(tmp_path / "years.csv"))
    # Both fold as of today (the projector always does; the export by default).
    export_views(store, REGISTRY, _output(tmp_path / "views.csv"), ids=PersonIds(KEY))
    stored = {(r["pseudonym"], r["year"]): r for r in _read(tmp_path / "years.csv")}
    exported = {(r["pseudonym"], r["year"]): r for r in _read(tmp_path / "views.csv")}
    assert stored.keys() == exported.keys()
    for key, row in exported.items():
        for field in ("region", "paid", "refunded", "individual_due", "policy"):
            assert stored[key][field] == row[field], (key, field)


def test_the_key_of_a_reporting_database(reporting: Target) -> None:
    assert target_key(reporting, KEY) is KEY
    with pytest.raises(PseudonymKeyError, match="not the one"):
        target_key(reporting, PseudonymKey(b"another-key-0123456789abcdef", "env"))
    with pytest.raises(PseudonymKeyError, match="built with a pseudonym key"):
        target_key(reporting, None)


# ---------------------------------------------------------------- personal data


def test_no_export_holds_a_clear_id_number(
    reporting: Target, store: LedgerApp, tmp_path: Path
) -> None:
    persons = _person_ids(store)
    assert any(ID_SHAPE.fullmatch(p) for p in persons)
    files: list[Path] = []
    for suffix in ("csv", "jsonl", "parquet"):
        for ids in (PersonIds(KEY), PersonIds()):
            for kind, export in (("views", export_views), ("insured", export_insured)):
                path = tmp_path / f"{kind}-{ids.mode}.{suffix}"
                export(store, REGISTRY, _output(path), ids=ids, cut=Cut(AS_OF))
                files.append(path)
        for name in REPORTING_TABLES:
            files.append(tmp_path / f"{name}.{suffix}")
            export_table(reporting, name, _output(files[-1]))
        for name in LOOKUPS:
            files.append(tmp_path / f"lookup-{name}.{suffix}")
            export_lookup(name, _output(files[-1]), REGISTRY)
    for path in files:
        text = json.dumps(_read(path), ensure_ascii=False)
        if path.suffix != ".parquet":
            text += path.read_text(encoding="utf-8-sig")
        assert ID_SHAPE.search(text) is None, path.name
        assert not any(p in text for p in persons), path.name


# ---------------------------------------------------------------- lookups


def test_lookups_name_every_code_an_export_writes(store: LedgerApp, tmp_path: Path) -> None:
    export_views(
        store, REGISTRY, _output(tmp_path / "views.jsonl"), ids=PersonIds(), cut=Cut(AS_OF)
    )
    export_insured(
        store, REGISTRY, _output(tmp_path / "insured.jsonl"), ids=PersonIds(), cut=Cut(AS_OF)
    )
    views, insured = _read(tmp_path / "views.jsonl"), _read(tmp_path / "insured.jsonl")
    lookups = {}
    for name in LOOKUPS:
        export_lookup(name, _output(tmp_path / f"{name}.csv"), REGISTRY)
        lookups[name] = _read(tmp_path / f"{name}.csv")
    regions = {r["code"] for r in lookups["regions"]}
    identities = {r["code"] for r in lookups["identities"]}
    flags = {r["code"] for r in lookups["flags"]}
    rules = {(r["rule"], r["version"]) for r in lookups["rules"]}
    codes = {(r["field"], r["code"]) for r in lookups["codes"]}
    for row in views:
        assert row["region"] in regions
        assert row["subsidy_identity"] in identities | {""}
        assert ("subsidy_mode", row["subsidy_mode"]) in codes
        assert set(row["flags"].split()) <= flags
        for rule in row["basis"].split():
            assert (rule, row["policy"]) in rules, (rule, row["policy"])
    for row in insured:
        assert ("insutype", row["insutype"]) in codes
        assert ("ledger_state", row["ledger_state"]) in codes
        assert row["psn_insu_stas"] == "" or ("psn_insu_stas", row["psn_insu_stas"]) in codes
    assert {"610902", "610000", "610928"} <= regions  # a retired county is listed too
    columns = {(r["table"], r["column"]) for r in lookups["columns"]}
    assert {("views", c.name) for c in PERSON_YEAR_COLUMNS} <= columns
    assert all(r["zh"] and r["en"] for r in lookups["identities"] + lookups["flags"])


def test_rules_lookup_gives_each_versions_notice_and_section(tmp_path: Path) -> None:
    export_lookup("rules", _output(tmp_path / "rules.jsonl"), REGISTRY)
    rows = _read(tmp_path / "rules.jsonl")
    found = {(r["rule"], r["version"]): r for r in rows}
    wait = found[("WAIT-fixed", "ankang-2025")]
    assert wait["zh"] == "固定待遇等待期3个月"
    cited = parse_all(REGISTRY.get("ankang-2025").rule_citations["WAIT-fixed"])[0]
    assert (wait["document"], wait["section"]) == (cited.document, cited.section)
    assert wait["document"].endswith("号") and wait["section"]  # a notice's numbered section
    for version in REGISTRY:
        for rule_id in version.rule_citations:
            assert (rule_id, version.id) in found
    reading = found[("I-next-month", "")]
    assert reading["citation"] == "I-next-month" and reading["zh"]


# ---------------------------------------------------------------- streaming


def test_an_interrupted_export_leaves_no_file(store: LedgerApp, tmp_path: Path) -> None:
    for suffix in ("csv", "jsonl", "parquet"):
        path = tmp_path / f"broken.{suffix}"
        with (
            pytest.raises(RuntimeError, match="stop"),
            open_sink(path, PERSON_YEAR_COLUMNS, fmt=format_of(path)) as sink,
        ):
            sink.write((date(2025, 1, 1), None, None, 2025, *[None] * 29))
            raise RuntimeError("stop")
        assert list(tmp_path.glob("broken.*")) == []


_MEMORY_PROBE = """
import resource, sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from projections.export.formats import open_sink
from projections.export.persons import PERSON_YEAR_COLUMNS

rows, path = int(sys.argv[1]), Path(sys.argv[2])
row = (date(2025, 7, 15), None, None, 2025, "ankang-2025", 2, "610902", True,
       Decimal("400.00"), Decimal("0.00"), None, "none", Decimal("400.00"), Decimal("400.00"),
       Decimal("0.00"), date(2025, 1, 1), date(2025, 12, 31), 365, 1,
       "2025-01-01/2025-12-31", 0, 0, 0, 0, 1, 0, Decimal("0.00"), Decimal("0.00"),
       Decimal("0.00"), Decimal("0.00"), Decimal("60000.00"), "", "AK25-central INC-count")
with open_sink(path, PERSON_YEAR_COLUMNS, fmt=sys.argv[3]) as sink:
    for n in range(rows):
        sink.write((*row[:3], 2000 + n % 30, *row[4:]))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_memory_stays_flat_with_the_number_of_rows(tmp_path: Path, fmt: str) -> None:
    """Peak memory (resident set, Arrow's allocations included) writing N rows and several
    times N: the same, give or take a few MiB."""

    def peak_kib(rows: int) -> int:
        result = subprocess.run(
            [sys.executable, "-c", _MEMORY_PROBE, str(rows), str(tmp_path / f"x.{fmt}"), fmt],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        return int(result.stdout.strip())

    # Parquet: 2 row groups against 5; the others write each row as it comes.
    few, many = (2 * ROW_GROUP_ROWS, 5 * ROW_GROUP_ROWS) if fmt == "parquet" else (20_000, 100_000)
    small, large = peak_kib(few), peak_kib(many)
    assert large - small < 8 * 1024, (small, large)
    if fmt == "parquet":
        groups = pq.ParquetFile(tmp_path / "x.parquet").metadata
        assert groups.num_rows == many and groups.num_row_groups == 5


def test_cut_moments_keep_their_instant_in_every_format(store: LedgerApp, tmp_path: Path) -> None:
    from datetime import datetime

    from ledger.clock import CHINA

    known_on = datetime(2030, 5, 1, tzinfo=CHINA)  # after every stored_at: all events known
    cut = Cut(as_of=AS_OF, known_on=known_on)
    for name in ("v.csv", "v.jsonl", "v.parquet"):
        export_views(store, REGISTRY, _output(tmp_path / name), ids=PersonIds(), cut=cut)
    csv_rows, json_rows = _read(tmp_path / "v.csv"), _read(tmp_path / "v.jsonl")
    parquet = pq.read_table(tmp_path / "v.parquet").column("known_on").to_pylist()
    assert {r["known_on"] for r in csv_rows} == {"2030-05-01T00:00:00+08:00"}
    assert {r["known_on"] for r in json_rows} == {"2030-05-01T00:00:00+08:00"}
    assert set(parquet) == {known_on}  # the same instant, stored in UTC
    assert len(parquet) == len(csv_rows) > 100
