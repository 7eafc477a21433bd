"""Which encoding a CSV export is in: UTF-8 or GB18030, decided per file from evidence that
cannot silently mis-decode, or refused (docs/import.md, "Encodings").

The two encodings are told apart by what one of them could not have written:

- UTF-8 is structured: a multi-byte character is a lead byte and 1-3 continuation bytes.
  Chinese text in GB18030 is valid UTF-8 only by accident: about one character in six alone,
  one two-character text in forty, a five-character one in ten thousand (measured on the
  national list of region names). So UTF-8 text is evidence *for* UTF-8 in proportion to its
  length: :data:`UTF8_EVIDENCE` characters of it (in distinct texts: a text repeated on every
  line is one piece of evidence) are not an accident of GB18030 text. A line that is valid
  UTF-8 and *not* valid GB18030 (an odd number of bytes between two ASCII characters, say)
  cannot be GB18030 text at all, unless damaged: two such lines are conclusive (one damaged
  line of a GB18030 file can happen to be UTF-8: ``前`` with three stray bytes in it is).
- GB18030 reads almost any byte sequence, UTF-8 text included (``备注`` in UTF-8 reads as
  ``澶囨敞``): that a line decodes as GB18030 is no evidence. A line that is *not* UTF-8
  is: either GB18030 text or a damaged UTF-8 line (a stray byte). One damaged line must not
  turn a UTF-8 file into GB18030 (every other line would be silently mis-decoded), so
  GB18030 needs at least two such lines and no more than a little UTF-8 text beside them
  (what GB18030 text gives by accident).

:func:`scan` collects the evidence over the whole file (distinct runs of non-ASCII bytes:
memory is bounded by :data:`DISTINCT_RUNS`); :meth:`Evidence.decide` applies the rule;
a file it cannot decide is refused with the evidence, asking for ``--encoding``. The chosen
encoding decodes the file line by line; a line it cannot decode is rejected (``bad_encoding``)
and the others are stored.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import BinaryIO

UTF8_EVIDENCE = 8
"""Characters of UTF-8 text (in distinct runs) that decide UTF-8: GB18030 text would be
valid UTF-8 this long about once in a few million files (one character in six by accident)."""
RATIO = 4
"""How many times more runs of one encoding than of the other a file needs when it holds
both: a damaged line or two in a UTF-8 file, a few accidental UTF-8 texts in a GB18030 one."""
DISTINCT_RUNS = 100_000
"""Distinct runs of non-ASCII bytes remembered (beyond them, runs are counted each time)."""
HARD_LINE_BYTES = 1 << 20
"""A CSV physical line longer than this makes the file unreadable: refused before anything
is stored (a row is rejected ``too_long`` beyond :data:`ledger.events.MAX_LINE_BYTES`; a
line this long would have to be read whole to know where the row ends)."""

_ASCII_TO_SPACE = bytes.maketrans(bytes(range(128)), b" " * 128)
"""With it, ``data.translate(_ASCII_TO_SPACE).split()`` is the list of the runs of non-ASCII
bytes of ``data`` (six times faster than a regular expression)."""


def _runs(data: bytes) -> list[bytes]:
    return data.translate(_ASCII_TO_SPACE).split()


_CHUNK = 1 << 20


class Undecided(ValueError):
    """The file's bytes do not tell its encoding (or hold a line too long to read)."""


@dataclass
class Evidence:
    """What a file's non-ASCII bytes say about its encoding."""

    bom: bool = False
    utf8_runs: int = 0
    """Distinct runs of non-ASCII bytes that are valid UTF-8."""
    utf8_chars: int = 0
    """The characters those runs hold."""
    utf8_only_lines: int = 0
    """Lines that are valid UTF-8 and not valid GB18030 (counted up to two: two are conclusive
    for UTF-8; one may be a damaged line of a GB18030 file that happens to be UTF-8)."""
    first_utf8_line: int | None = None
    gb_runs: int = 0
    """Distinct runs that are not UTF-8, on lines that are valid GB18030."""
    gb_lines: int = 0
    """Lines that are not UTF-8 and are GB18030 (counted up to the first chunk after two)."""
    first_gb_line: int | None = None
    junk_lines: int = 0
    """Lines that neither encoding reads (rejected whichever is chosen: no evidence; counted
    where lines are looked at one by one)."""
    long_line: int | None = None
    """The first line longer than :data:`HARD_LINE_BYTES`."""

    def decide(self) -> str:
        """``utf-8-sig``, ``utf-8`` or ``gb18030``; :class:`Undecided` with the reason."""
        if self.long_line is not None:
            raise Undecided(
                f"line {self.long_line} is longer than {HARD_LINE_BYTES:,} bytes: not a CSV "
                "export (nothing was stored)"
            )
        if self.bom:
            return "utf-8-sig"
        utf8, gb = self.utf8_runs, self.gb_runs
        says_utf8 = gb * RATIO <= utf8 and (
            utf8 == 0  # ASCII (and lines neither encoding reads)
            or self.utf8_chars >= UTF8_EVIDENCE
            or self.utf8_only_lines >= 2
        )
        says_gb = self.gb_lines >= 2 and (utf8 * RATIO <= gb or self.utf8_chars < UTF8_EVIDENCE)
        if says_utf8 and not says_gb:
            return "utf-8"
        if says_gb and not says_utf8:
            return "gb18030"
        raise Undecided(self._undecided())

    def _undecided(self) -> str:
        parts = []
        if self.utf8_runs:
            parts.append(
                f"{self.utf8_runs:,} distinct text(s) of {self.utf8_chars:,} characters read as "
                f"UTF-8 (first on line {self.first_utf8_line})"
            )
        if self.gb_lines:
            lines = "a line" if self.gb_lines == 1 else "lines"
            parts.append(f"{lines} read only as GB18030 (first: line {self.first_gb_line})")
        what = "; ".join(parts) or "no text to tell by"
        return (
            f"cannot tell whether it is UTF-8 or GB18030 ({what}): too little text, or both; "
            "give --encoding utf-8 or --encoding gb18030"
        )


def scan(f: BinaryIO) -> Evidence:
    """The evidence of the whole binary stream ``f`` (read to its end, or to its first line
    longer than :data:`HARD_LINE_BYTES`)."""
    evidence = Evidence()
    head = f.read(len(codecs.BOM_UTF8))
    if head == codecs.BOM_UTF8:
        evidence.bom = True
        head = b""
    seen: dict[bytes, bool] = {}
    gb_seen: set[bytes] = set()
    number = 1  # the line the next chunk starts on
    carry = head
    while True:
        block = f.read(_CHUNK)
        data = carry + block
        if block:
            cut = data.rfind(b"\n") + 1  # whole lines only
            if cut == 0:
                if len(data) > HARD_LINE_BYTES:
                    evidence.long_line = number
                    return evidence
                carry = data
                continue
            chunk, carry = data[:cut], data[cut:]
        else:
            chunk, carry = data, b""
        lines = chunk.split(b"\n")
        if max(map(len, lines)) > HARD_LINE_BYTES:
            evidence.long_line = number + next(
                n for n, line in enumerate(lines) if len(line) > HARD_LINE_BYTES
            )
            return evidence
        if not chunk.isascii():
            _scan_chunk(chunk, lines, number, evidence, seen, gb_seen)
        number += len(lines) - 1
        if not block:
            break
    evidence.utf8_runs += sum(seen.values())
    evidence.gb_runs += len(gb_seen)
    return evidence


def _scan_chunk(
    chunk: bytes,
    lines: list[bytes],
    number: int,
    evidence: Evidence,
    seen: dict[bytes, bool],
    gb_seen: set[bytes],
) -> None:
    """The evidence of a chunk of whole lines: line by line only where lines must be told
    apart (the first two lines only GB18030 reads, the first two that cannot be GB18030); else
    from its distinct runs and one decoding of the whole chunk (a GB18030 character never
    spans a newline, so the chunk decodes exactly when each of its lines does)."""
    invalid = []
    for run in set(_runs(chunk)):
        valid = seen.get(run)
        if valid is None:
            valid = _classify(run, chunk, number, evidence, seen)
        if not valid:
            invalid.append(run)
    if not invalid:
        if evidence.utf8_only_lines < 2 and not _is_gb18030(chunk):
            for line in lines:
                if not line.isascii() and not _is_gb18030(line):
                    evidence.utf8_only_lines += 1
                    if evidence.utf8_only_lines >= 2:
                        break
        return
    if evidence.gb_lines >= 2 and _is_gb18030(chunk):
        # Every line reads as GB18030 (none is UTF-8 only, none is junk); lines are no longer
        # counted (two decide), the distinct runs are.
        for run in invalid:
            if len(gb_seen) < DISTINCT_RUNS:
                gb_seen.add(run)
            elif run not in gb_seen:
                evidence.gb_runs += 1
        return
    if evidence.gb_lines < 2:  # line by line until two lines only GB18030 reads, then as above
        done = _scan_lines(lines, number, evidence, seen, gb_seen, until_two=True)
        if done < len(lines):
            rest = lines[done:]
            _scan_chunk(b"\n".join(rest), rest, number + done, evidence, seen, gb_seen)
        return
    _scan_lines(lines, number, evidence, seen, gb_seen)


def _classify(
    run: bytes, chunk: bytes, number: int, evidence: Evidence, seen: dict[bytes, bool]
) -> bool:
    """Whether ``run`` (first seen in ``chunk``) is UTF-8, remembered in ``seen``."""
    try:
        chars = len(run.decode("utf-8"))
    except UnicodeDecodeError:
        valid = False
    else:
        valid = True
        evidence.utf8_chars += chars
        line = number + chunk.count(b"\n", 0, chunk.find(run))
        if evidence.first_utf8_line is None or line < evidence.first_utf8_line:
            evidence.first_utf8_line = line
    if len(seen) < DISTINCT_RUNS:
        seen[run] = valid
    elif valid:
        evidence.utf8_runs += 1
    return valid


def _scan_lines(
    lines: list[bytes],
    number: int,
    evidence: Evidence,
    seen: dict[bytes, bool],
    gb_seen: set[bytes],
    *,
    until_two: bool = False,
) -> int:
    """The evidence of ``lines``, one by one; how many were looked at (``until_two``: up to
    the second line only GB18030 reads)."""
    for offset, line in enumerate(lines):
        if line.isascii():
            continue
        bad: list[bytes] = []
        for run in _runs(line):
            valid = seen.get(run)
            if valid is None:
                valid = _classify(run, line, number + offset, evidence, seen)
            if not valid:
                bad.append(run)
        if not bad:
            if evidence.utf8_only_lines < 2 and not _is_gb18030(line):
                evidence.utf8_only_lines += 1
            continue
        if not _is_gb18030(line):
            evidence.junk_lines += 1
            continue
        evidence.gb_lines += 1
        if evidence.first_gb_line is None:
            evidence.first_gb_line = number + offset
        for run in bad:
            if len(gb_seen) < DISTINCT_RUNS:
                gb_seen.add(run)
            elif run not in gb_seen:
                evidence.gb_runs += 1
        if until_two and evidence.gb_lines >= 2:
            return offset + 1
    return len(lines)


def _is_gb18030(line: bytes) -> bool:
    try:
        line.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return True


def text_codec(name: str) -> str:
    """The codec name for ``--encoding NAME``; :class:`LookupError` unless it is a text
    encoding that writes ASCII as ASCII (lines are split on the newline byte and decoded one
    by one: UTF-16 or EBCDIC cannot be read so)."""
    try:
        info = codecs.lookup(name)
        probe = '\n\r,"event_id'.encode(info.name)
    except (LookupError, TypeError, ValueError):
        raise LookupError(f"unknown encoding {name!r}") from None
    if probe != b'\n\r,"event_id' or not getattr(info, "_is_text_encoding", True):
        raise LookupError(
            f"encoding {name!r} does not write ASCII as ASCII (UTF-8, GB18030, GBK, Big5 … do)"
        )
    return info.name


__all__ = ["Evidence", "Undecided", "HARD_LINE_BYTES", "scan", "text_codec"]
