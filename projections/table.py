"""The auditor's table: one row per coverage year of a person view, in Chinese or English.

Version and revision, the region with its name (``610902 汉滨区``), coverage dates, due/paid,
subsidy, waiting, consecutive years, cap adjustment and flags; then each year's basis and the
reasons of its flags, and with the trace (``--explain``) every step with its rule, event,
note and citation. ID numbers masked. Rendered by the project's one table renderer
(:func:`ledger.tables.render_table`, CJK measured as two columns); the words are the
catalogue's (:mod:`ledger.labels`, rule titles from :mod:`policies.labels`). The trace's
notes and the reasons of flags come in the table's language (the view made with
``to_dict(notes=lang)``, :mod:`policies.notes`).
"""

from __future__ import annotations

from typing import Any

from ledger import labels as L
from ledger.labels import Lang, Wording
from ledger.person_id import mask, mask_ids_in
from ledger.regions import region_label
from ledger.tables import EMPTY
from ledger.tables import render_table as render_rows
from policies import labels as P

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
TRACE_COLUMNS = ("year", "rule", "event", "note", "citation")


def _row(year: dict[str, Any], say: Wording) -> list[str]:
    c = year["contribution"]
    policy = say.revision(year["policy"], year["policy_revision"]) if year["policy"] else EMPTY
    spans = [say.span(s["start"], s["end"]) for s in year["coverage"]]
    coverage = (say.join(spans) if say.lang == "zh" else ", ".join(spans)) or EMPTY
    subsidy = EMPTY
    if c["subsidy"] not in (None, "0.00"):
        identity, mode = c["subsidy_identity"], c["subsidy_mode"]
        if say.lang == "zh":
            who = L.IDENTITIES[identity].zh if identity in L.IDENTITIES else identity
            subsidy = f"{c['subsidy']} {who}，{L.SUBSIDY_MODES[mode].zh}"
        else:
            subsidy = f"{c['subsidy']} {identity} ({mode})"
    waiting = year["waiting"]
    wait = say.months(waiting["total_months"]) if waiting["total_months"] else EMPTY
    if waiting["repaired_months"]:
        repaired = waiting["repaired_months"]
        if say.lang == "zh":
            wait += f"（{say.word('repaired')}{say.months(repaired)}）"
        else:
            wait += f" ({repaired} {say.word('repaired')})"
    paid = c["paid"]
    if c["refunded"] != "0.00":
        refund = say.word("refunded")
        paid += (
            f"（{refund}{c['refunded']}）" if say.lang == "zh" else f" ({refund}{c['refunded']})"
        )
    cap = year["critical_illness_cap"]
    if say.lang == "zh":
        flags = say.join(L.FLAGS[f].zh for f in year["flags"])
    else:
        flags = ", ".join(year["flags"])
    return [
        str(year["year"]),
        policy,
        region_label(year["region"]) if year.get("region") else EMPTY,
        say.yes_no(year["enrolled"]),
        coverage,
        c["individual_due"] or EMPTY,
        paid,
        subsidy,
        wait,
        str(year["continuity"]["consecutive_years"]),
        str(year["continuity"]["break_years"]),
        cap["net_adjustment"] if year["policy"] else EMPTY,
        flags or EMPTY,
    ]


def _title(view: dict[str, Any], say: Wording) -> str:
    cut = [
        f"{say(L.FIELDS[key])} {view[key]}"
        for key in ("as_of", "known_on", "stored_on")
        if view.get(key)
    ]
    person = f"{say.word('person')} {mask(view['person_id'])}"
    if say.lang == "zh":
        return "，".join([person, *cut])
    return " ".join([person, ", ".join(cut)]) if cut else person


def _notes(view: dict[str, Any], say: Wording) -> list[str]:
    """Each year's basis, and what its flags mean (in Chinese) and why they were raised."""
    lines = []
    for year in view["years"]:
        name = say.year(year["year"])
        basis = (say.join if say.lang == "zh" else ", ".join)(year["basis"]) or EMPTY
        lines.append(f"  {name} {say.word('basis')}{say.colon}{basis}")
        reasons = year.get("reasons", {})
        if say.lang == "zh":
            for flag in year["flags"]:
                label = L.FLAGS[flag]
                lines.append(f"  {name} {label.zh}：{label.explain}")
                if flag in reasons:
                    lines.append(f"    {mask_ids_in(reasons[flag])}")
        else:
            for flag, reason in reasons.items():
                lines.append(f"  {name} {flag}: {mask_ids_in(reason)}")
    return lines


def _trace_rows(view: dict[str, Any], say: Wording) -> list[list[str]]:
    rows = [[say.column(key) for key in TRACE_COLUMNS]]
    for year in view["years"]:
        for step in year.get("trace", []):
            rule = step["rule"]
            if say.lang == "zh":
                rule = f"{rule} {_rule_title(rule)}".rstrip()
            event = EMPTY
            if step["event_id"]:
                kind = L.EVENT_TYPES[step["type"]].zh if say.lang == "zh" else step["type"]
                event = f"{step['date']} {kind} {mask_ids_in(step['event_id'])}"
            note = mask_ids_in(step["note"])
            rows.append([say.year(year["year"]), rule, event, note, step["citation"] or EMPTY])
    return rows


def _rule_title(rule_id: str) -> str:
    try:
        return P.rule_label(rule_id).zh
    except KeyError:  # a parameter file's rule prefix with a window rule it names itself
        return ""


def render_table(view: dict[str, Any], *, lang: Lang = "en", width: int | None = None) -> str:
    """A person view (``PersonView.to_dict()``) as a table in ``lang``: the years, each
    year's basis and flags, and the trace when the view has one."""
    say = Wording(lang)
    rows = [[say.column(key) for key in COLUMNS]] + [_row(y, say) for y in view["years"]]
    parts = [render_rows(rows, title=_title(view, say), width=width), *_notes(view, say)]
    trace = _trace_rows(view, say)
    if len(trace) > 1:
        parts += ["", render_rows(trace, width=width)]
    return "\n".join(parts)
