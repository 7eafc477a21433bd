"""Issue 12.4 and 12.5: a CSV file's encoding is decided from evidence that cannot silently
mis-decode (``ledger/encodings.py``), and the file is decoded line by line: a line that does
not decode is a reject with its line number, every other row is stored (docs/import.md,
"Encodings")."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import encodings
from ledger.application import LedgerApp, open_ledger
from ledger.cli import main
from ledger.importer import ImportFileError, detect_encoding, import_file
from ledger.regions import all_regions
from tests.support import PERSON, read_rejects

HEADER = "event_id,person_id,type,date,region,birth_date,coverage_year,amount,备注"
NAMES = sorted({region.name for region in all_regions()})
"""Real Chinese texts (the national list of region names): remarks of the rows."""


def remark(n: int) -> str:
    return f"{NAMES[n % len(NAMES)]}医保中心"


def rows(count: int) -> list[str]:
    """The header and ``count`` rows: a registration, then payments with distinct remarks."""
    lines = [HEADER, f"r-1,{PERSON},registered,2018-01-01,610902,1970-03-05,,,{remark(0)}"]
    for n in range(1, count):
        person = f"P-{n % 997}"
        lines.append(f"p-{n},{person},paid,2024-10-10,,,2025,400,{remark(n)}")
    return lines


def remarks_stored(app: LedgerApp, person: str) -> list[str]:
    return [e.model_dump()["备注"] for e in app.events_of(person)]


def reads_as_gb18030(data: bytes) -> bool:
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return True


def test_a_stray_byte_in_a_utf8_file_rejects_its_line_only(app: LedgerApp, tmp_path: Path) -> None:
    """Issue 12.4 as reported: a UTF-8 CSV with one stray byte was re-decoded whole as
    GB18030, so 备注 was stored as 澶囨敞 (exit 0), and the corrected file was then rejected
    line by line as conflicts. Now the file is UTF-8 (its other lines say so), the damaged
    line is rejected with its line number, and every other row keeps 备注 intact.

    As in the issue, every line of the file, the damaged one included, also reads as
    GB18030 (texts of an even number of characters: six bytes of UTF-8 are three GB18030
    characters), so nothing but evidence tells the encodings apart."""
    texts = [f"{name}医保中心" for name in NAMES]
    even = [t for t in texts if len(t) % 2 == 0 and reads_as_gb18030(t.encode())][:39]
    damaged_text = next(
        t for t in texts if len(t) % 2 and reads_as_gb18030(t.encode()[:3] + b"\xb1")
    )
    lines = [HEADER, f"r-1,{PERSON},registered,2018-01-01,610902,1970-03-05,,,{even[0]}"]
    lines += [f"p-{n},P-{n},paid,2024-10-10,,,2025,400,{even[n]}" for n in range(1, 39)]
    lines.insert(7, f"p-x,P-x,paid,2024-10-10,,,2025,400,{damaged_text}")  # line 8
    body = [line.encode("utf-8") for line in lines]
    cut = body[7].index(damaged_text.encode()) + 3  # after the text's first character
    body[7] = body[7][:cut] + b"\xb1" + body[7][cut:]
    path = tmp_path / "export.csv"
    path.write_bytes(b"\n".join(body) + b"\n")
    assert all(reads_as_gb18030(line) for line in body)

    summary = import_file(app, path)
    assert (summary.stored, summary.rejected) == (39, 1)
    [reject] = read_rejects(path)
    assert (reject["line"], reject["reason"]) == (8, "bad_encoding")
    assert f"is not UTF-8: invalid start byte at byte {cut + 1} (0xb1)" in reject["message"]
    assert reject["event_id"] is None and "\ufffd" in reject["raw"]
    assert remarks_stored(app, PERSON) == [even[0]]
    stored = [e for n in range(1, 39) for e in app.events_of(f"P-{n}")]
    assert [e.model_dump()["备注"] for e in stored] == even[1:39]
    assert all("备注" in e.model_dump() for e in stored)

    # The corrected file: the line stored, every other one already present, no conflict.
    body[7] = lines[7].encode("utf-8")
    path.write_bytes(b"\n".join(body) + b"\n")
    again = import_file(app, path)
    assert (again.stored, again.present, again.rejected) == (1, 39, 0)
    assert remarks_stored(app, "P-x") == [damaged_text]


def test_a_bad_byte_in_a_gb18030_file_rejects_its_line_only(app: LedgerApp, tmp_path: Path) -> None:
    """Issue 12.5 as reported: a GB18030 CSV with one bad byte at line 20,027 was
    half-applied: 20,000 rows stored (two batches), then an error with a byte offset into the
    file and no line number, no rejects, the good rows after it not stored. Now that line is
    rejected with its line number and every other row is stored."""
    lines = rows(20_100)
    body = [line.encode("gb18030") for line in lines]
    bad = body[20_026]  # line 20,027
    at = bad.index(b",2025,")
    body[20_026] = bad[:at] + b"\x81" + bad[at:]  # a lead byte followed by a comma
    path = tmp_path / "legacy.csv"
    path.write_bytes(b"\r\n".join(body) + b"\r\n")
    assert detect_encoding(path) == "gb18030"

    summary = import_file(app, path, batch_size=10_000)
    assert (summary.stored, summary.present, summary.rejected) == (20_099, 0, 1)
    [reject] = read_rejects(path)
    assert (reject["line"], reject["reason"]) == (20_027, "bad_encoding")
    assert (
        f"is not GB18030: illegal multibyte sequence at byte {at + 1} (0x81)" in (reject["message"])
    )
    assert app.count_events() == 20_099
    assert remarks_stored(app, PERSON) == [remark(0)]
    [last] = [e for e in app.events_of(f"P-{20_099 % 997}") if e.event_id == "p-20099"]
    assert last.model_dump()["备注"] == remark(20_099)


def test_a_row_of_several_lines_is_rejected_whole(app: LedgerApp, tmp_path: Path) -> None:
    body = [line.encode("utf-8") for line in rows(12)]
    body[3:3] = [  # lines 4 and 5: one row, its last cell quoted across them
        f'p-x,{PERSON},paid,2024-10-11,,,2025,400,"first line'.encode(),
        b'second line, bad \xff byte"',
    ]
    path = tmp_path / "multi.csv"
    path.write_bytes(b"\n".join(body) + b"\n")
    summary = import_file(app, path)
    [reject] = read_rejects(path)
    assert (reject["line"], reject["reason"]) == (4, "bad_encoding")
    assert reject["message"].startswith("line 5 is not UTF-8")
    assert (summary.stored, summary.rejected) == (12, 1)
    assert "p-4" in [e.event_id for e in app.events_of("P-4")]  # the row after it: line 6


def test_a_row_longer_than_the_limit_is_rejected(app: LedgerApp, tmp_path: Path) -> None:
    lines = rows(10)
    lines[4] = lines[4] + "x" * 20_000
    path = tmp_path / "long.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = import_file(app, path)
    [reject] = read_rejects(path)
    assert (reject["line"], reject["reason"]) == (5, "too_long")
    assert "more than 16,384" in reject["message"] and len(reject["raw"]) <= 200
    assert (summary.stored, summary.rejected) == (9, 1)


def test_a_line_too_long_to_read_refuses_the_file_before_storing(
    app: LedgerApp, tmp_path: Path
) -> None:
    lines = rows(10)
    lines[8] = lines[8] + "x" * (encodings.HARD_LINE_BYTES + 1)
    path = tmp_path / "huge.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for encoding in (None, "utf-8"):
        with pytest.raises(ImportFileError, match="line 9 is longer than 1,048,576 bytes"):
            import_file(app, path, encoding=encoding)
        assert app.count_events() == 0


@pytest.mark.parametrize(
    ("name", "problem"),
    [("utf-16", "does not write ASCII as ASCII"), ("no-such-codec", "unknown encoding")],
)
def test_encodings_that_cannot_be_read_line_by_line(
    app: LedgerApp, tmp_path: Path, name: str, problem: str
) -> None:
    path = tmp_path / "x.csv"
    path.write_text("\n".join(rows(3)) + "\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match=problem):
        import_file(app, path, encoding=name)


def test_a_given_encoding_decodes_line_by_line(app: LedgerApp, tmp_path: Path) -> None:
    """--encoding skips the decision, not the per-line decoding."""
    body = [line.encode("gb18030") for line in rows(6)]
    body[2] = body[2] + b"\xff"
    path = tmp_path / "given.txt"
    path.write_bytes(b"\n".join(body) + b"\n")
    summary = import_file(app, path, encoding="GB18030")
    assert (summary.stored, summary.rejected) == (5, 1)
    assert [(r["line"], r["reason"]) for r in read_rejects(path)] == [(3, "bad_encoding")]


def test_undecided_files_are_refused_with_the_evidence(app: LedgerApp, tmp_path: Path) -> None:
    """Too little text to tell, or both kinds: refused, nothing stored, the message names
    the lines and asks for --encoding; with it, the file is read."""
    path = tmp_path / "thin.csv"
    path.write_bytes(
        b"event_id,person_id,type,date,x\n"
        + f"d-1,{PERSON},died,2025-06-30,".encode()
        + "柜台".encode("gb18030")
        + b"\n"
    )
    with pytest.raises(ImportFileError) as info:
        import_file(app, path)
    assert "cannot tell whether it is UTF-8 or GB18030" in str(info.value)
    assert "a line read only as GB18030 (first: line 2)" in str(info.value)
    assert "--encoding" in str(info.value) and app.count_events() == 0
    assert import_file(app, path, encoding="gb18030").stored == 1
    assert app.events_of(PERSON)[0].model_dump()["x"] == "柜台"

    mixed = tmp_path / "mixed.csv"
    utf8 = [line.encode("utf-8") for line in rows(10)]
    gb = [line.encode("gb18030") for line in rows(10)[1:]]
    mixed.write_bytes(b"\n".join(utf8 + gb) + b"\n")
    with pytest.raises(ImportFileError, match="read as UTF-8 .* read only as GB18030"):
        import_file(app, mixed)


def test_stdin_csv_is_decided_and_decoded_alike(ledger_db: str) -> None:
    body = [line.encode("utf-8") for line in rows(12)]
    body[5] = body[5] + b"\xc3"
    result = CliRunner().invoke(
        main, ["import", "-", "--db", ledger_db], input=b"\n".join(body) + b"\n"
    )
    assert result.exit_code == 1
    assert "rejected -:6: bad_encoding: the line is not UTF-8" in result.stderr
    assert "-: 11 stored, 0 already present, 1 rejected" in result.stdout
    with open_ledger(ledger_db) as app:
        assert remarks_stored(app, PERSON) == [remark(0)]


# ---------------------------------------------------------------- the decision


def decide(data: bytes) -> str:
    return encodings.scan(io.BytesIO(data)).decide()


def csv_bytes(texts: list[str], encoding: str) -> bytes:
    return "".join(f"e-{n},P,died,2025-01-01,{t}\n" for n, t in enumerate(texts)).encode(encoding)


def test_the_decision_table() -> None:
    names = NAMES[:20]
    assert decide(b"\xef\xbb\xbf" + csv_bytes(["x"], "utf-8")) == "utf-8-sig"
    assert decide(csv_bytes(["plain", "ascii"], "ascii")) == "utf-8"
    assert decide(csv_bytes(["a"], "ascii") + b"junk \xff\n") == "utf-8"  # no evidence
    assert decide(csv_bytes(names, "utf-8")) == "utf-8"
    assert decide(csv_bytes(names[:2], "gb18030")) == "gb18030"
    # 9 bytes between two ASCII characters: cannot be GB18030 (two such lines are conclusive;
    # one could be a damaged GB18030 line).
    assert decide(csv_bytes(["备注栏", "村委会"], "utf-8")) == "utf-8"
    with pytest.raises(encodings.Undecided):
        decide(csv_bytes(["备注栏"], "utf-8"))
    damaged = "e-0,P,died,2025-01-01,前\n".encode("gb18030").replace(b"\xc7", b"\xc7\x80\xe1\x80")
    assert damaged.decode("utf-8").endswith("ǀူ\n")  # GB18030 damaged into UTF-8
    with pytest.raises(encodings.Undecided):
        decide(damaged)
    with pytest.raises(encodings.Undecided, match="too little text"):
        decide(csv_bytes(["备注"], "utf-8"))  # 6 bytes: GB18030 reads them too (澶囨敞)
    with pytest.raises(encodings.Undecided):
        decide(csv_bytes(names[:1], "gb18030"))  # one line: a damaged UTF-8 line as well
    # A GB18030 file whose short texts happen to be UTF-8 (女 is C5 AE: "Ů") stays GB18030.
    assert "女".encode("gb18030").decode("utf-8") == "Ů"
    assert decide(csv_bytes([*names, "女"], "gb18030")) == "gb18030"
    # The legacy example file.
    example = Path(__file__).parent.parent / "examples" / "legacy_gb18030.csv"
    assert decide(example.read_bytes()) == "gb18030"


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(st.sampled_from(NAMES), min_size=1, max_size=30),
    encoding=st.sampled_from(["utf-8", "gb18030"]),
    damage=st.none()
    | st.tuples(
        st.integers(0, 29),
        st.integers(0, 40),
        st.binary(min_size=1, max_size=3).filter(lambda b: b"\n" not in b),
    ),
)
def test_never_a_silent_mis_decoding(
    texts: list[str], encoding: str, damage: tuple[int, int, bytes] | None
) -> None:
    """Whatever the texts, and with one line damaged: the file is refused, or every line
    that decodes in the encoding decided reads as it does in the file's own encoding (the
    others are rejected). Deciding GB18030 for a UTF-8 file would mis-decode every line."""
    lines = csv_bytes(texts, encoding).split(b"\n")
    if damage is not None:
        index, at, junk = damage
        index %= len(texts)
        lines[index] = lines[index][:at] + junk + lines[index][at:]
    try:
        decided = decide(b"\n".join(lines))
    except encodings.Undecided:
        return
    for line in lines:
        try:
            text = line.decode(decided)
        except UnicodeDecodeError:
            continue  # rejected (bad_encoding)
        assert text == line.decode(encoding)
    if damage is None:
        assert decided.replace("-sig", "") == encoding or all(line.isascii() for line in lines)
