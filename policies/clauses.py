"""Citations (出处) of the ledger's rules and parameters, and the notice text they point at.

Every parameter of a policy version and every step of an ``--explain`` trace cites where its
rule stands (POLICY.md "Citations"). A citation is one of:

- ``<document> §<section> [phrase]``: a numbered section of a notice, e.g.
  ``安医保发〔2024〕76号 §四(二)4(7) 固定待遇等待期3个月``. The document is its number (文号), or
  for Huaiyuan's 方案, which has none, its title; the section path is the notice's own
  numbering with half-width brackets (``四``, ``四(二)``, ``四(二)4``, ``四(二)4(7)``, and
  ``preamble`` for the text before ``一、``). The optional phrase, separated by a space, is
  quoted from the section (whitespace and bracket width aside) and is checked.
- ``<document>``: a document whose text is not in the sources (国办发〔2024〕38号,
  市医保发〔2024〕73号): known, named by POLICY.md as a source, but nothing to quote.
- ``<document> (no such rule)``: the document states no such rule; for a parameter that
  switches a rule off in a version (e.g. no waiting periods before 2025).
- ``I-…``: a reading (解释) POLICY.md fixes, where no notice states the rule.
- ``no source: <why>``: a rule a version applies with no source in its documents, said openly
  (a gap to close, never a citation to trust).

Several citations are joined by ``"; "``. The texts come from ``policies/data/notices.json``,
written by ``scripts/extract_clauses.py`` from the notices in ``shared/seeds``; nothing is
fetched at run time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

DATA = Path(__file__).parent / "data" / "notices.json"
SEPARATOR = "; "
NO_SUCH_RULE = "(no such rule)"
NO_SOURCE = "no source:"

_CN = "一二三四五六七八九十"
_PATH = re.compile(
    rf"(?P<path>preamble|[{_CN}]+(?:[(（][{_CN}]+[)）])?(?:\d+)?(?:[(（]\d+[)）])?)(?P<rest>.*)",
    re.DOTALL,
)
_READING = re.compile(r"I-[a-z0-9]+(?:-[a-z0-9]+)*")
_WIDTH = str.maketrans("（）：，；！？“”「」", '():,;!?""""')
_QUOTES = "「」“”\"'"

Kind = Literal["clause", "document", "silent", "reading", "unsourced"]
Status = Literal["text", "reading", "not_in_sources", "no_such_rule", "no_source"]


class ClauseError(ValueError):
    """A citation that does not lead to notice text; the message says why."""


class UnknownCitation(ClauseError):
    """A citation that is wrong: malformed, an unknown document or reading, no such section,
    or a phrase that is not in the section."""


class TextNotInSources(ClauseError):
    """The document is known (POLICY.md names it as a source) but its text is not in the
    sources: there is no clause to quote."""


class NoClause(ClauseError):
    """The citation names no clause: ``(no such rule)`` or ``no source: …``."""


@dataclass(frozen=True)
class Document:
    """One notice (or a named document whose text is not in the sources)."""

    id: str
    short: str | None
    aliases: tuple[str, ...]
    number: str | None
    """文号; ``None`` for Huaiyuan's 方案."""
    title: str | None
    issuers: tuple[str, ...]
    date: str | None
    seed_file: str | None
    sha256: str | None
    has_text: bool
    preamble: str | None
    sections: Mapping[str, str]
    """Section path → its own text: heading and paragraphs before its first subsection."""
    tails: Mapping[str, str]
    """Section path → paragraphs after its subsections that belong to it."""

    def section_text(self, path: str) -> str:
        """The section's text with its subsections (in the notice's order) and its tail."""
        if path == "preamble" and self.preamble:
            return self.preamble
        if path not in self.sections:
            raise UnknownCitation(f"{self.id}: no section §{path}")
        parts = [text for key, text in self.sections.items() if _within(key, path)]
        if path in self.tails:
            parts.append(self.tails[path])
        return "\n".join(parts)


_PART = re.compile(rf"[{_CN}]+|\([{_CN}]+\)|\d+|\(\d+\)")


def _within(key: str, path: str) -> bool:
    """``key`` is ``path`` or one of its subsections (``四(二)4`` is within ``四(二)``, ``十一``
    is not within ``十``)."""
    inner, outer = _PART.findall(key), _PART.findall(path)
    return inner[: len(outer)] == outer


@dataclass(frozen=True)
class Citation:
    """One parsed citation (see the module docstring for the forms)."""

    kind: Kind
    document: str | None = None
    """The document's id (its 文号 or title), whatever name the citation used."""
    section: str | None = None
    phrase: str | None = None
    reading: str | None = None
    note: str | None = None

    def __str__(self) -> str:
        if self.kind == "reading":
            return str(self.reading)
        if self.kind == "unsourced":
            return f"{NO_SOURCE} {self.note}"
        if self.kind == "silent":
            return f"{self.document} {NO_SUCH_RULE}"
        if self.kind == "document":
            return str(self.document)
        text = f"{self.document} §{self.section}"
        return f"{text} {self.phrase}" if self.phrase else text


@dataclass(frozen=True)
class Clause:
    """What a citation leads to: the clause's text, or why there is none."""

    citation: Citation
    status: Status
    text: str | None

    def excerpt(self, max_chars: int) -> str | None:
        """The text, or at most ``max_chars`` of it around the cited phrase, marked with …."""
        if self.text is None or len(self.text) <= max_chars:
            return self.text
        start = 0
        phrase = self.citation.phrase
        if phrase and phrase in self.text:
            start = max(0, self.text.index(phrase) - max_chars // 3)
        end = min(len(self.text), start + max_chars)
        start = max(0, end - max_chars)
        return ("…" if start else "") + self.text[start:end] + ("…" if end < len(self.text) else "")


@cache
def _data() -> dict[str, Any]:
    with DATA.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


@cache
def _documents() -> dict[str, Document]:
    """Every document by its id and by each of its other names."""
    found: dict[str, Document] = {}
    for entry in _data()["documents"]:
        doc = Document(
            id=entry["id"],
            short=entry.get("short"),
            aliases=tuple(entry.get("aliases", ())),
            number=entry.get("number"),
            title=entry.get("title"),
            issuers=tuple(entry.get("issuers", ())),
            date=entry.get("date"),
            seed_file=entry.get("seed_file"),
            sha256=entry.get("sha256"),
            has_text=entry["text"] == "sections",
            preamble=entry.get("preamble"),
            sections=entry["sections"],
            tails=entry.get("tails", {}),
        )
        for name in (doc.id, doc.short, doc.number, doc.title, *doc.aliases):
            if name:
                found[name] = doc
    return found


def documents() -> list[Document]:
    """The documents citations may name, in the order of the data file."""
    unique: dict[str, Document] = {}
    for doc in _documents().values():
        unique.setdefault(doc.id, doc)
    return list(unique.values())


def document(name: str) -> Document:
    """The document called ``name`` (its 文号, title, POLICY.md short name or an alias)."""
    try:
        return _documents()[name.strip()]
    except KeyError:
        raise UnknownCitation(f"unknown document {name.strip()!r}") from None


def readings() -> dict[str, str]:
    """Reading id → its definition in POLICY.md."""
    table: dict[str, str] = _data()["rule_book"]["readings"]
    return table


def reading_text(reading: str) -> str:
    try:
        return readings()[reading]
    except KeyError:
        raise UnknownCitation(f"unknown reading {reading!r} (POLICY.md defines none)") from None


def parse(text: str) -> Citation:
    """One citation (no ``"; "``); raises :class:`UnknownCitation` naming what is wrong."""
    text = text.strip()
    if not text:
        raise UnknownCitation("empty citation")
    if SEPARATOR in text:
        raise UnknownCitation(f"{text!r}: several citations (use parse_all)")
    if text.startswith("I-"):
        if not _READING.fullmatch(text):
            raise UnknownCitation(f"{text!r}: a reading id is I- and lower-case words")
        reading_text(text)
        return Citation("reading", reading=text)
    if text.startswith(NO_SOURCE):
        note = text[len(NO_SOURCE) :].strip()
        if not note:
            raise UnknownCitation(f"{text!r}: say why there is no source")
        return Citation("unsourced", note=note)
    if "§" in text:
        name, _, rest = text.partition("§")
        doc = document(name)
        match = _PATH.match(rest.strip())
        if match is None:
            raise UnknownCitation(f"{text!r}: no section path after §")
        path = match.group("path").translate(_WIDTH)
        after = match.group("rest")
        if after and not after[0].isspace():
            raise UnknownCitation(
                f"{text!r}: section path §{path} followed by {after.split()[0]!r} "
                "(one section per citation, then a space and the phrase)"
            )
        phrase = after.strip().strip(_QUOTES).strip() or None
        return Citation("clause", document=doc.id, section=path, phrase=phrase)
    if text.endswith(NO_SUCH_RULE):
        return Citation("silent", document=document(text[: -len(NO_SUCH_RULE)]).id)
    return Citation("document", document=document(text).id)


def parse_all(text: str) -> tuple[Citation, ...]:
    """The citations of a ``"; "``-joined citation text."""
    return tuple(parse(part) for part in text.split(SEPARATOR))


def _loose(text: str) -> str:
    return re.sub(r"\s+", "", text).translate(_WIDTH)


def lookup(citation: str | Citation) -> Clause:
    """What one citation leads to; raises :class:`UnknownCitation` when it is wrong."""
    cited = parse(citation) if isinstance(citation, str) else citation
    if cited.kind == "reading":
        return Clause(cited, "reading", reading_text(str(cited.reading)))
    if cited.kind == "unsourced":
        return Clause(cited, "no_source", None)
    doc = document(str(cited.document))
    if cited.kind == "silent":
        return Clause(cited, "no_such_rule", None)
    if not doc.has_text:
        return Clause(cited, "not_in_sources", None)
    if cited.kind == "document" or cited.section is None:
        raise UnknownCitation(f"{doc.id}: cites the whole notice; name the section")
    text = doc.section_text(cited.section)
    if cited.phrase and _loose(cited.phrase) not in _loose(text):
        raise UnknownCitation(f"{doc.id} §{cited.section}: phrase {cited.phrase!r} not in it")
    return Clause(cited, "text", text)


def lookup_all(text: str) -> tuple[Clause, ...]:
    return tuple(lookup(c) for c in parse_all(text))


def clause_text(citation: str | Citation, *, max_chars: int | None = None) -> str:
    """The text of the cited clause (the section with its subsections), or of the cited
    reading; at most ``max_chars`` around the phrase when given.

    Raises :class:`UnknownCitation` for a wrong citation, :class:`TextNotInSources` for a
    document whose text is not in the sources, :class:`NoClause` for ``(no such rule)`` and
    ``no source: …``."""
    clause = lookup(citation)
    if clause.text is None:
        if clause.status == "not_in_sources":
            raise TextNotInSources(f"{clause.citation}: document known, text not in the sources")
        raise NoClause(f"{clause.citation}: names no clause ({clause.status.replace('_', ' ')})")
    if max_chars is not None:
        return str(clause.excerpt(max_chars))
    return clause.text


def check(text: str, sources: Iterable[str], *, allow_unsourced: bool = False) -> list[str]:
    """What is wrong with ``text`` as the citation of a version whose documents are
    ``sources``: each part must lead to a clause (or reading) of one of them."""
    own = {document(s).id for s in sources}
    problems = []
    for part in text.split(SEPARATOR):
        try:
            clause = lookup(part)
        except UnknownCitation as exc:
            problems.append(str(exc))
            continue
        cited = clause.citation
        if cited.kind == "unsourced":
            if not allow_unsourced:
                problems.append(f"{part!r}: no source in the version's documents")
            continue
        if cited.document is not None and cited.document not in own:
            problems.append(f"{part!r}: {cited.document} is not one of the version's sources")
        elif clause.status == "not_in_sources" and cited.section is not None:
            problems.append(f"{part!r}: a section of a document whose text is not in the sources")
    return problems


def recite(text: str, source: str) -> str:
    """``text`` as cited by a version added from a file, whose only document is ``source``:
    notice citations become ``source`` (its sections are unknown), ``(no such rule)`` stays
    so for ``source``, readings and ``no source`` stay as they are."""
    parts: dict[str, None] = {}
    for part in text.split(SEPARATOR):
        try:
            cited = parse(part)
        except UnknownCitation:
            parts[source] = None
            continue
        if cited.kind in ("reading", "unsourced"):
            parts[part.strip()] = None
        elif cited.kind == "silent":
            parts[f"{source} {NO_SUCH_RULE}"] = None
        else:
            parts[source] = None
    return SEPARATOR.join(parts)


__all__ = [
    "NO_SOURCE",
    "NO_SUCH_RULE",
    "SEPARATOR",
    "Citation",
    "Clause",
    "ClauseError",
    "Document",
    "NoClause",
    "TextNotInSources",
    "UnknownCitation",
    "check",
    "clause_text",
    "document",
    "documents",
    "lookup",
    "lookup_all",
    "parse",
    "parse_all",
    "reading_text",
    "readings",
    "recite",
]
