"""Extract the numbered clauses of the policy notices into ``policies/data/notices.json``.

The notices in ``shared/seeds/`` are the authority every citation of the ledger points at
(POLICY.md "Citations"). This script reads them and writes, per document: its number (文号, or
for Huaiyuan's 方案, which has none, its title), POLICY.md's short name (AK22, SX24, XA24, AK25,
HY25), title, issuers, date, the seed file with its sha256, and every numbered section as a
path → text map (``四``, ``四(二)``, ``四(二)4``, ``四(二)4(7)``). It also lists the documents
POLICY.md names as sources whose text is not among the seeds (国办发〔2024〕38号,
市医保发〔2024〕73号), with the sentences that name them, and the reading ids (``I-…``) POLICY.md
defines, with their text. :mod:`policies.clauses` reads the file; nothing is fetched at run time.

Usage::

    python scripts/extract_clauses.py [SEEDS_DIR] [--spec POLICY.md] [--out FILE] [--check]

``SEEDS_DIR`` defaults to ``shared/seeds`` beside the repository root or one of its ancestors
(``../shared/seeds`` for the main checkout). ``--check`` compares with the committed file
(ignoring the generation date) and exits 1 when they differ. Deterministic: the same seeds give
the same file, but for ``generated_on``.

How the text is read (recorded in the file's ``normalisation``):
- section numbers: ``一、`` (level 1), ``（一）``/``(一)`` (2), ``1.``/``1、`` (3),
  ``（1）``/``(1)`` (4); keys use half-width brackets; a level may be skipped (Xi'an's §二
  numbers ``1.`` directly);
- a line that neither ends a sentence (。；：！？) nor is short (a title) is continued by the
  next line: the seeds break lines mid-sentence;
- whitespace is collapsed and removed next to Chinese characters and punctuation; markdown marks
  (``#``, ``**``, list dashes) and the letterhead word 文件 are dropped; the seed of AK22 prints
  its bold sub-titles with every character four times (``1111....职职职职…``): such runs are
  read once;
- a few paragraphs that follow a list but belong to the list's parent are attached to it
  (``tails``), by their first words, per document.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

SCRIPT_VERSION = 1
ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "policies" / "data" / "notices.json"
CHINA = timezone(timedelta(hours=8))

CN = "一二三四五六七八九十"
HEADINGS = [
    (1, re.compile(rf"^([{CN}]+)、")),
    (2, re.compile(rf"^[（(]([{CN}]+)[）)]")),
    (3, re.compile(r"^(\d+)[.、．]")),
    (4, re.compile(r"^[（(](\d+)[）)]")),
]
TERMINAL = tuple("。；：！？;:")
CONTINUING = tuple("，、,（(《“")
SHORT_LINE = 24
"""A line shorter than this (whitespace aside) that ends without punctuation is a title or the
end of a paragraph; the seeds' full lines are 24-30 characters."""


@dataclass(frozen=True)
class Notice:
    """Where one notice is in the seeds, and what it is (checked against its text)."""

    id: str
    short: str
    number: str | None
    title: str
    issuers: tuple[str, ...]
    date: str
    date_text: str
    file: str
    preamble_start: str
    body_start: str
    body_end: str
    part: str | None = None
    begin: str | None = None
    """The first line of this notice's part of a file holding two."""
    closing_end: str | None = None
    """With ``body_end``: the closing sentences run from ``body_end`` up to this line."""
    tails: dict[str, str] = field(default_factory=dict)
    """First words of a paragraph → the section it belongs to (after that section's list)."""


NOTICES = [
    Notice(
        id="安医保发〔2021〕86号",
        short="AK22",
        number="安医保发〔2021〕86号",
        title="关于做好2022年度城乡居民基本医疗保险参保缴费工作的通知",
        issuers=(
            "安康市医疗保障局",
            "安康市财政局",
            "国家税务总局安康市税务局",
            "安康市民政局",
            "安康市卫生健康委员会",
            "安康市乡村振兴局",
        ),
        date="2021-10-12",
        date_text="安康市医疗保障局政办科2021年10月12日印发",
        file="003_5c4f747d2bcece09.txt",
        preamble_start="各县（市、区）人民政府",
        body_start="一、中省市政策依据",
        body_end="本通知自印发之日起执行。",
        closing_end="安局",
        tails={"缴费开始前，全市各高校": "五(二)3"},
    ),
    Notice(
        id="市医保发〔2023〕57号",
        short="XA24",
        number="市医保发〔2023〕57号",
        title="西安市医疗保障局等七部门转发陕西省医疗保障局等七部门关于做好2023年城乡居民基本"
        "医疗保险参保缴费工作的通知",
        issuers=(
            "西安市医疗保障局",
            "西安市财政局",
            "国家税务总局西安市税务局",
            "西安市教育局",
            "西安市民政局",
            "西安市卫生健康委员会",
            "西安市乡村振兴局",
        ),
        date="2023-08-31",
        date_text="2023年8月31日",
        file="001_4943b77135a0f7eb.txt",
        part="first",
        preamble_start="各区（县）、开发区医疗保障部门",
        body_start="一、个人参保缴费标准",
        body_end="西咸新区参照本通知执行。",
        closing_end="西安市医疗保障局",
    ),
    Notice(
        id="陕医保发〔2023〕24号",
        short="SX24",
        number="陕医保发〔2023〕24号",
        title="关于做好2023年城乡居民基本医疗保险参保缴费工作的通知",
        issuers=(
            "陕西省医疗保障局",
            "陕西省财政厅",
            "国家税务总局陕西省税务局",
            "陕西省教育厅",
            "陕西省民政厅",
            "陕西省卫生健康委员会",
            "陕西省乡村振兴局",
        ),
        date="2023-08-14",
        date_text="2023年8月14日",
        file="001_4943b77135a0f7eb.txt",
        part="second",
        begin="陕西省医疗保障局",
        preamble_start="各市（区）医疗保障局",
        body_start="一、政策依据",
        body_end="(此页无正文)",
    ),
    Notice(
        id="安医保发〔2024〕76号",
        short="AK25",
        number="安医保发〔2024〕76号",
        title="关于做好2024年城乡居民基本医疗保险参保缴费工作的通知",
        issuers=(
            "安康市医疗保障局",
            "安康市教育体育局",
            "安康市民政局",
            "安康市财政局",
            "安康市农业农村局",
            "安康市卫生健康委员会",
            "国家税务总局安康市税务局",
            "安康市妇女联合会",
        ),
        date="2024-09-10",
        date_text="2024年9月10日",
        file="000_6145f28b3106866a.txt",
        preamble_start="各县（市、区）人民政府",
        body_start="一、参保缴费对象及标准",
        body_end="安康市医疗保障局",
    ),
    Notice(
        id="怀远县2024年（2025年度）城乡居民基本医疗保险参保缴费工作方案",
        short="HY25",
        number=None,
        title="怀远县2024年（2025年度）城乡居民基本医疗保险参保缴费工作方案",
        issuers=(
            "怀远县医疗保障局",
            "国家税务总局怀远县税务局",
            "怀远县民政局",
            "怀远县农业农村局",
            "怀远县退役军人事务局",
            "怀远县卫生健康委员会",
            "怀远县财政局",
            "怀远县教育局",
        ),
        date="2024-09-24",
        date_text="2024年9月24日",
        file="004_695eda9d9bb48b94.txt",
        preamble_start="为做好2024年城乡居民基本医疗保险参保",
        body_start="一、参保对象",
        body_end="附件：1.",
        tails={"严禁重复参保": "一", "特殊群体补办参保居民医保待遇": "三(二)"},
    ),
]

ALIASES = {"HY25": ["怀远县2024年（2025年度）方案"]}
"""Other names a citation may use for a document (besides its short name); POLICY.md §1 calls
Huaiyuan's 方案 怀远县2024年（2025年度）方案."""


@dataclass(frozen=True)
class NamedDocument:
    """A document POLICY.md names as a version's source whose text is not in the seeds."""

    number: str
    issuer: str | None
    title_pattern: str | None
    """A regex finding the title (group 1) next to the number in the seeds, if they name it."""


NAMED = [
    NamedDocument(
        "国办发〔2024〕38号", "国务院办公厅", r"《([^《》]+)》[（(]国办发〔2024〕38号[）)]"
    ),
    NamedDocument("市医保发〔2024〕73号", None, None),
]


# --- reading the seed text ------------------------------------------------------------------


def squash(text: str) -> str:
    """No whitespace at all: for comparing a configured string with the seed text."""
    return re.sub(r"\s+", "", text)


def _cjk(char: str) -> bool:
    return not char.isascii()


def normalise(text: str) -> str:
    """Collapse whitespace; drop it next to Chinese characters and full-width punctuation."""
    text = re.sub(r"\s+", " ", text).strip()
    out = []
    for i, char in enumerate(text):
        if char == " ":
            before, after = text[i - 1], text[i + 1]
            if _cjk(before) or _cjk(after) or before in "(（〔" or after in ")）〕":
                continue
        out.append(char)
    return "".join(out)


def _once(line: str) -> str:
    """AK22's seed prints bold text with each character four times: read it once."""
    if len(line) >= 8 and len(line) % 4 == 0:
        groups = [line[i : i + 4] for i in range(0, len(line), 4)]
        if all(len(set(g)) == 1 for g in groups):
            return "".join(g[0] for g in groups)
    return line


def clean(line: str) -> str:
    line = line.strip()
    line = re.sub(r"^#+\s*", "", line)
    line = re.sub(r"^[-*]\s+", "", line)
    line = line.replace("**", "").strip()
    tight = squash(line)
    if _once(tight) != tight:
        line = _once(tight)
    return "" if squash(line) == "文件" else line


def heading(line: str) -> tuple[int, str] | None:
    """(level, number) when ``line`` starts a numbered section."""
    for level, pattern in HEADINGS:
        match = pattern.match(squash(line))
        if match:
            return level, match.group(1)
    return None


def paragraphs(lines: Iterable[str]) -> list[str]:
    """Join the physical lines of the seed into paragraphs (see the module docstring)."""
    result: list[str] = []
    open_ = False
    for raw in lines:
        line = clean(raw)
        if not line:
            continue
        if result and open_ and heading(line) is None:
            joiner = " " if result[-1][-1:].isascii() and line[:1].isascii() else ""
            result[-1] += joiner + line
        else:
            result.append(line)
        tight = squash(line)
        open_ = tight.endswith(CONTINUING) or (
            not tight.endswith(TERMINAL) and len(tight) >= SHORT_LINE
        )
    return [normalise(p) for p in result]


def cn_number(text: str) -> int:
    """一 → 1, 十二 → 12 (the numbers of a notice's sections)."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, units = text.partition("十")
        return (CN.index(tens) + 1 if tens else 1) * 10 + (CN.index(units) + 1 if units else 0)
    return CN.index(text) + 1


def section_key(path: list[tuple[int, str]]) -> str:
    key = ""
    for level, number in path:
        key += f"({number})" if level in (2, 4) else number
    return key


class ExtractError(ValueError):
    pass


def _index(lines: list[str], start: int, marker: str, what: str, name: str) -> int:
    target = squash(marker)
    for i in range(start, len(lines)):
        if squash(clean(lines[i])).startswith(target):
            return i
    raise ExtractError(f"{name}: {what} {marker!r} not found")


def sections(paras: list[str], notice: Notice) -> tuple[dict[str, str], dict[str, str]]:
    """Path → own text (heading and paragraphs before its first subsection), and the tails."""
    own: dict[str, list[str]] = {}
    tails: dict[str, list[str]] = {}
    stack: list[tuple[int, str]] = []
    for para in paras:
        found = heading(para)
        if found is not None:
            level, number = found
            while stack and stack[-1][0] >= level:
                stack.pop()
            parent = section_key(stack)
            siblings = [k for k in own if _parent(k) == parent and _level(k) == level]
            expected = 1 + (cn_number(_last_number(siblings[-1])) if siblings else 0)
            if cn_number(number) != expected:
                raise ExtractError(
                    f"{notice.short}: section {section_key([*stack, found])!r} after "
                    f"{siblings[-1] if siblings else parent or 'the start'!r}: numbering jumps"
                )
            stack.append(found)
            own[section_key(stack)] = [para]
            continue
        if not stack:
            raise ExtractError(f"{notice.short}: text before the first section: {para[:20]!r}")
        target = next((p for w, p in notice.tails.items() if para.startswith(w)), None)
        if target is not None:
            if target not in own:
                raise ExtractError(f"{notice.short}: tail for unknown section {target!r}")
            tails.setdefault(target, []).append(para)
        else:
            own[section_key(stack)].append(para)
    if set(tails) != set(notice.tails.values()):
        raise ExtractError(f"{notice.short}: tails not found: {sorted(notice.tails)}")
    return (
        {k: "\n".join(v) for k, v in own.items()},
        {k: "\n".join(v) for k, v in tails.items()},
    )


_PATH = re.compile(rf"[{CN}]+|\([{CN}]+\)|\d+|\(\d+\)")


def _parts(key: str) -> list[str]:
    return _PATH.findall(key)


def _level(key: str) -> int:
    last = _parts(key)[-1]
    if last.startswith("("):
        return 2 if last[1] in CN else 4
    return 1 if last[0] in CN else 3


def _parent(key: str) -> str:
    return "".join(_parts(key)[:-1])


def _last_number(key: str) -> str:
    return _parts(key)[-1].strip("()")


def extract_notice(notice: Notice, seeds: Path, others: list[Notice]) -> dict[str, Any]:
    path = seeds / notice.file
    raw = path.read_bytes()
    lines = raw.decode("utf-8").splitlines()
    start = _index(lines, 0, notice.begin, "part start", notice.short) if notice.begin else 0
    end = len(lines)
    for other in others:
        if other.file == notice.file and other.begin and other is not notice:
            at = _index(lines, 0, other.begin, "part start", other.short)
            if at > start:
                end = min(end, at)
    part = lines[start:end]
    whole = squash("".join(part))
    for what, text in [
        ("title", notice.title),
        ("number", notice.number or notice.title),
        ("date", notice.date_text),
        *[("issuer", issuer) for issuer in notice.issuers],
    ]:
        if squash(text) not in whole:
            raise ExtractError(f"{notice.short}: {what} {text!r} not in {notice.file}")
    pre = _index(part, 0, notice.preamble_start, "preamble start", notice.short)
    body = _index(part, pre, notice.body_start, "body start", notice.short)
    stop = _index(part, body, notice.body_end, "body end", notice.short)
    own, tails = sections(paragraphs(part[body:stop]), notice)
    closing = None
    if notice.closing_end is not None:
        close = _index(part, stop, notice.closing_end, "closing end", notice.short)
        closing = "\n".join(paragraphs(part[stop:close]))
    entry: dict[str, Any] = {
        "id": notice.id,
        "short": notice.short,
        "aliases": ALIASES.get(notice.short, []),
        "number": notice.number,
        "title": notice.title,
        "issuers": list(notice.issuers),
        "date": notice.date,
        "date_text": notice.date_text,
        "seed_file": notice.file,
        "seed_part": notice.part,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "text": "sections",
        "preamble": "\n".join(paragraphs(part[pre:body])),
        "closing": closing,
        "sections": own,
        "tails": tails,
    }
    return entry


def _sentences(blocks: Iterable[str], needle: str, chinese: bool) -> list[str]:
    """The sentences of ``blocks`` (paragraphs) that contain ``needle``."""
    found = []
    for block in blocks:
        flat = normalise(block) if chinese else re.sub(r"\s+", " ", block).strip()
        for sentence in re.split(r"(?<=[。])|(?<=\.)\s", flat):
            if needle in sentence:
                found.append(sentence.strip())
    return found


def named_documents(seeds: Path, spec: Path) -> list[dict[str, Any]]:
    """The documents POLICY.md names as sources that are not in the seeds: where they are named,
    and their title when the seeds give it."""
    texts = {f.name: f.read_text(encoding="utf-8") for f in sorted(seeds.glob("*.txt"))}
    policy = _blocks(spec.read_text(encoding="utf-8"))
    result: list[dict[str, Any]] = []
    for doc in NAMED:
        named_in = [
            {"file": f"seeds/{name}", "text": s}
            for name, text in texts.items()
            for s in _sentences(text.splitlines(), doc.number, True)
        ]
        named_in += [
            {"file": "spec/POLICY.md", "text": s} for s in _sentences(policy, doc.number, False)
        ]
        if not named_in:
            raise ExtractError(f"{doc.number}: named nowhere in the seeds or POLICY.md")
        title = None
        if doc.title_pattern:
            for text in texts.values():
                match = re.search(doc.title_pattern, squash(text))
                if match:
                    title = match.group(1)
                    break
            if title is None:
                raise ExtractError(f"{doc.number}: title not found in the seeds")
        if doc.issuer and title and doc.issuer not in title:
            raise ExtractError(f"{doc.number}: issuer {doc.issuer!r} not in its title")
        result.append(
            {
                "id": doc.number,
                "short": None,
                "aliases": [],
                "number": doc.number,
                "title": title,
                "issuers": [doc.issuer] if doc.issuer else [],
                "date": None,
                "text": "not_in_sources",
                "named_in": named_in,
                "sections": {},
                "tails": {},
            }
        )
    return result


# --- the rule book's readings ---------------------------------------------------------------


def _blocks(markdown: str) -> list[str]:
    """Paragraphs and top-level list items of a markdown file, each as one line."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in markdown.splitlines():
        if not line.strip() or line.startswith("#"):
            current = None
            continue
        if line.startswith("- ") or current is None:
            current = [line.strip()]
            blocks.append(current)
        else:
            current.append(line.strip())
    return [" ".join(b) for b in blocks]


POINTER = re.compile(r"((?:`I-[a-z0-9-]+`(?:, )?)+):? ([^.`]*`((?!I-)[A-Z][\w-]+)`[^.]*)")
"""``I-a``, ``I-b``: defined in ``RULE`` (a reading defined inside a rule's item)."""


def readings(spec: Path) -> dict[str, Any]:
    """Reading id → its definition in POLICY.md: the paragraph or item it opens, or for an id
    defined inside a rule ("defined in `EMP-bridge`"), that sentence and the rule's item."""
    text = spec.read_text(encoding="utf-8")
    blocks = _blocks(text)
    ids = sorted(set(re.findall(r"`(I-[a-z0-9-]+)`", text)))
    table: dict[str, str] = {}
    for reading in ids:
        own = next((b for b in blocks if re.match(rf"(- )?`{re.escape(reading)}` [^`]", b)), None)
        if own is not None:
            table[reading] = own.removeprefix("- ")
            continue
        pointer = next(
            (
                m
                for b in blocks
                for m in re.finditer(
                    r"((?:`I-[a-z0-9-]+`(?:, )?)+):? ([^.`]*`((?!I-)[A-Z][\w-]+)`[^.]*)", b
                )
                if f"`{reading}`" in m.group(1)
            ),
            None,
        )
        if pointer is None:
            raise ExtractError(f"POLICY.md: reading {reading} has no definition")
        rule = pointer.group(3)
        item = next((b for b in blocks if b.startswith(f"- `{rule}`")), None)
        if item is None:
            raise ExtractError(f"POLICY.md: {reading} points at {rule}, which has no item")
        table[reading] = f"{reading}: {pointer.group(2).strip()}. {item.removeprefix('- ')}"
    return {
        "file": "spec/POLICY.md",
        "sha256": hashlib.sha256(spec.read_bytes()).hexdigest(),
        "readings": table,
    }


# --- the file -------------------------------------------------------------------------------


def build(seeds: Path, spec: Path, generated_on: str) -> dict[str, Any]:
    documents = [extract_notice(n, seeds, NOTICES) for n in NOTICES]
    documents += named_documents(seeds, spec)
    return {
        "generated_by": "scripts/extract_clauses.py",
        "script_version": SCRIPT_VERSION,
        "generated_on": generated_on,
        "sources": "the seed notices (shared/seeds) and the rule book (shared/spec/POLICY.md)",
        "normalisation": [
            "sections keyed by their numbers, brackets half-width: 四, 四(二), 四(二)4, 四(二)4(7)",
            "lines broken mid-sentence joined; whitespace next to Chinese text removed",
            "markdown marks, list dashes and the letterhead word 文件 dropped",
            "AK22's bold sub-titles, printed with each character four times, read once",
            "a section's text is its heading and the paragraphs before its first subsection; "
            "'tails' holds paragraphs following a section's list that belong to the section",
        ],
        "documents": documents,
        "rule_book": readings(spec),
    }


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def default_shared() -> Path | None:
    """``shared/`` beside the repository root or one of its ancestors."""
    for parent in ROOT.parents:
        candidate = parent / "shared"
        if (candidate / "seeds").is_dir():
            return candidate
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("seeds", nargs="?", type=Path, help="the seeds directory")
    parser.add_argument("--spec", type=Path, help="POLICY.md (default: SEEDS/../spec/POLICY.md)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="compare with --out, write nothing")
    args = parser.parse_args(argv)
    seeds = args.seeds
    if seeds is None:
        shared = default_shared()
        if shared is None:
            parser.error("no shared/seeds found beside the repository; give SEEDS_DIR")
        seeds = shared / "seeds"
    spec = args.spec or seeds.parent / "spec" / "POLICY.md"
    today = datetime.now(CHINA).date().isoformat()
    try:
        data = build(seeds, spec, today)
    except (ExtractError, OSError) as exc:
        print(f"extract_clauses: {exc}", file=sys.stderr)
        return 2
    if args.check:
        try:
            committed = json.loads(args.out.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"extract_clauses: cannot read {args.out}: {exc}", file=sys.stderr)
            return 2
        committed["generated_on"] = today
        if dump(committed) != dump(data):
            print(f"{args.out} differs from the seeds: rerun scripts/extract_clauses.py")
            return 1
        print(f"{args.out} matches the seeds")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(dump(data), encoding="utf-8")
    sections = sum(len(d["sections"]) for d in data["documents"])
    print(f"wrote {args.out}: {len(data['documents'])} documents, {sections} sections")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
