"""The report as one self-contained HTML page (Jinja2 templates in ``templates/``).

No network: the styles are inline and the fonts are the system's CJK fonts (Noto Sans CJK SC
where installed), the timeline is inline SVG, there is no script. Every text that reaches the
page passes :func:`ledger.person_id.mask_ids_in` (the environment's ``finalize``), so an ID
number cannot appear unmasked whatever a template prints.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)
from markupsafe import Markup

from ledger import labels as L
from ledger.labels import Lang
from ledger.person_id import mask_ids_in
from projections.report.compare import Comparison
from projections.report.labels import UI, PageWording
from projections.report.model import CitedClause, Report, region_text
from projections.report.timeline import build_timeline

TEMPLATES = Path(__file__).parent / "templates"


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup):  # a macro's output: already escaped, still masked
        return Markup(mask_ids_in(str(value)))
    if isinstance(value, str):
        return mask_ids_in(value)
    return value


def _package_version() -> str:
    try:
        return version("resident-ledger")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _bytecode_cache() -> BytecodeCache | None:
    """Jinja2's cache of compiled templates in its per-user directory of the system's temporary
    directory (created private, 0700, by Jinja2; entries keyed by the template's name and
    checksum of its source, so an edited template is compiled again). Compiling the report's
    templates is about 0.2 s of every ``ledger report`` process otherwise. ``None`` where no
    such directory can be made (the templates then compile in each process)."""
    try:
        return FileSystemBytecodeCache()
    except (OSError, RuntimeError):
        return None


@cache
def environment() -> Environment:
    """The template environment (built once per process: the templates compile once, or are
    read compiled from :func:`_bytecode_cache`)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        bytecode_cache=_bytecode_cache(),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True),
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.globals.update(
        ui=UI,
        fields=L.FIELDS,
        event_types=L.EVENT_TYPES,
        yes_no=L.YES_NO,
        region_text=region_text,
        css=(TEMPLATES / "report.css").read_text(encoding="utf-8"),
        package_version=_package_version(),
    )
    return env


LANG_CODES: dict[Lang, str] = {"zh": "zh-CN", "en": "en"}
"""The page's ``lang`` attribute for each language (and the small type's, for the other)."""


def _language(lang: Lang) -> dict[str, Any]:
    """What the templates need to write in ``lang``: ``lang`` and ``alt`` (the other language,
    for ``label[lang]`` and ``label[alt]``), their HTML codes, and the phrases of each."""
    say = PageWording(lang)
    return {
        "lang": lang,
        "alt": say.alt,
        "lang_code": LANG_CODES[lang],
        "alt_code": LANG_CODES[say.alt],
        "say": say,
        "alt_say": PageWording(say.alt),
    }


def render_report(report: Report) -> str:
    """The report page as HTML text, in the report's language (``report.lang``)."""
    template = environment().get_template("report.html.j2")
    return template.render(r=report, timeline=build_timeline(report), **_language(report.lang))


def render_comparison(comparison: Comparison) -> str:
    """Two cuts side by side as HTML text: the changed years with their causes, both
    timelines, and the second side's decisions for the changed years with their clauses."""
    changed = {y.year for y in comparison.years if y.changed}
    years = [y for y in comparison.b.report.years if y.year in changed]
    seen: dict[str, CitedClause] = {}
    for year in years:
        for decision in year.decisions:
            for clause in decision.clauses:
                seen.setdefault(clause.citation, clause)
    a, b = comparison.a.report, comparison.b.report
    span = (
        min(a.first_day, b.first_day).year,
        max(a.last_day, b.last_day).year,
    )
    template = environment().get_template("compare.html.j2")
    return template.render(
        c=comparison,
        timeline_a=build_timeline(a, span),
        timeline_b=build_timeline(b, span),
        changed_years=years,
        changed_clauses=list(seen.values()),
        **_language(b.lang),
    )


__all__ = ["environment", "render_comparison", "render_report"]
