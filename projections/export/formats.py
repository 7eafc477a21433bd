"""Writing rows to a file as they come: CSV, JSON Lines or Parquet, with bounded memory.

A :class:`Sink` takes one row at a time (values in the order of its columns, typed as the
columns' kinds say) and writes it out at once (CSV, JSON Lines) or in row groups (Parquet:
rows are turned into Arrow record batches of :data:`BATCH_ROWS` and written out every
:data:`ROW_GROUP_ROWS`), so what an export holds in memory does not grow with the number of
rows. The file is written under ``NAME.partial`` and renamed when complete: a file with the
name asked for is always whole (an interrupted export leaves no such file).

- **CSV** (RFC 4180, ``\\r\\n`` line ends): ``utf-8-sig`` by default (UTF-8 with the byte order
  mark Excel looks for), or ``gb18030`` for older Excel and Chinese-locale tools, or plain
  ``utf-8``. Money as ``400.00``, dates ``2025-01-01``, booleans ``true``/``false``, nothing as an
  empty cell.
- **JSON Lines** (UTF-8): one object per row, keys the headers; money as decimal strings
  (``"400.00"``, as INTERCHANGE.md writes amounts), dates ISO strings, ``null`` for nothing.
- **Parquet** (needs pyarrow, the ``parquet`` extra): money ``decimal128(20, 2)``, dates
  ``date32``, times ``timestamp[us, UTC]``, booleans, ``int64``, strings; each field's metadata
  holds its Chinese and English names.

The format comes from the file's extension (``.csv``, ``.jsonl``/``.ndjson``, ``.parquet``/``.pq``)
or is given (:func:`format_of`).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal

from projections.export.columns import Column, Lang, headers

Format = Literal["csv", "jsonl", "parquet"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl", "parquet")
EXTENSIONS: dict[str, Format] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
ENCODINGS = ("utf-8-sig", "utf-8", "gb18030")
"""CSV encodings: UTF-8 with a byte order mark (the default: Excel reads it as UTF-8), plain
UTF-8, GB18030 (every Unicode character, for tools that expect the Chinese code page)."""

PARQUET_EXTRA = "pip install -e '.[parquet]'"
BATCH_ROWS = 4_096
"""Parquet: rows held as Python values before they become an Arrow record batch."""
ROW_GROUP_ROWS = 65_536
"""Parquet: rows per row group (held as Arrow arrays, a few bytes a value, until written)."""

_CENT = Decimal("0.01")


class ExportFormatError(ValueError):
    """A format, extension or encoding the exports do not write; the message says which."""


class ParquetMissing(ImportError):
    """Parquet was asked for and pyarrow is not installed."""


def format_of(path: Path, fmt: str | None = None) -> Format:
    """The format of an export to ``path``: ``fmt`` when given, else by the extension."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise ExportFormatError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
        return fmt
    found = EXTENSIONS.get(path.suffix.lower())
    if found is None:
        known = ", ".join(EXTENSIONS)
        raise ExportFormatError(
            f"{path.name}: cannot tell the format from the extension (one of {known}); "
            "give --format"
        )
    return found


def require_pyarrow() -> Any:
    """The ``pyarrow`` module; :class:`ParquetMissing`, naming the extra, without it."""
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError as exc:
        raise ParquetMissing(
            f"writing Parquet needs pyarrow, which is not installed ({exc}): {PARQUET_EXTRA} "
            "(or pip install 'resident-ledger[parquet]'); CSV and JSON Lines need nothing more"
        ) from None
    return pyarrow


def money(value: Any) -> Decimal | None:
    """An amount as a ``Decimal`` with two places (from a ``Decimal``, an int or its text);
    more places are an error, never rounded away."""
    if value is None:
        return None
    if value:  # a few hundred amounts recur in millions of rows (zero: 0.00 and -0.00 differ)
        found = _MONEY.get(value)
        if found is not None:
            return found
    elif value == "":
        return None
    amount = value if type(value) is Decimal else Decimal(str(value))
    cents = amount.quantize(_CENT)
    if cents != amount:
        raise ValueError(f"amount {value} has more than two decimal places")
    if value:
        if len(_MONEY) >= _CACHE_LIMIT:
            _MONEY.clear()
        _MONEY[value] = cents
    return cents


_MONEY: dict[Any, Decimal] = {}
_CACHE_LIMIT = 10_000


class Sink:
    """Rows → one export file. Use as a context manager: the file appears complete when the
    block ends normally, and not at all when it raises."""

    def __init__(self, path: Path, columns: Sequence[Column], lang: Lang) -> None:
        self.path = Path(path)
        self.columns = tuple(columns)
        self.headers = headers(self.columns, lang)
        self.rows = 0
        self.partial = self.path.with_name(self.path.name + ".partial")
        self._done = False

    def write(self, row: Sequence[Any]) -> None:
        if len(row) != len(self.columns):
            raise ValueError(f"a row of {len(row)} values for {len(self.columns)} columns")
        self._write(row)
        self.rows += 1

    def _write(self, row: Sequence[Any]) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        raise NotImplementedError

    def _discard(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Complete the file: write what is buffered, then give it its name."""
        if self._done:
            return
        self._done = True
        try:
            self._finish()
        except BaseException:
            self.partial.unlink(missing_ok=True)
            raise
        os.replace(self.partial, self.path)

    def abort(self) -> None:
        """Give up: the partial file is removed, no file is left under the name asked for."""
        if self._done:
            return
        self._done = True
        try:
            self._discard()
        finally:
            self.partial.unlink(missing_ok=True)

    def __enter__(self) -> Sink:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def _money_text(value: Any) -> str | None:
    if value:
        found = _MONEY_TEXT.get(value)
        if found is not None:
            return found
    amount = money(value)
    if amount is None:
        return None
    text = str(amount)
    if value:
        if len(_MONEY_TEXT) >= _CACHE_LIMIT:
            _MONEY_TEXT.clear()
        _MONEY_TEXT[value] = text
    return text


_MONEY_TEXT: dict[Any, str] = {}


def _iso(value: date | datetime) -> str:
    return value.isoformat()


_TEXT_CONVERTERS: dict[str, Callable[[Any], Any] | None] = {
    "text": None,
    "int": None,
    "money": _money_text,
    "date": _iso,
    "datetime": _iso,
    "bool": lambda value: "true" if value else "false",
}
"""Kind → what a non-null value becomes in CSV and JSON Lines (``None``: as it is)."""


def _converters(columns: Sequence[Column]) -> list[Callable[[Any], Any] | None]:
    return [_TEXT_CONVERTERS[column.kind] for column in columns]


class CsvSink(Sink):
    def __init__(
        self, path: Path, columns: Sequence[Column], lang: Lang, encoding: str = "utf-8-sig"
    ) -> None:
        if encoding not in ENCODINGS:
            raise ExportFormatError(
                f"CSV encoding {encoding!r} is not offered (one of {', '.join(ENCODINGS)})"
            )
        super().__init__(path, columns, lang)
        self._convert = _converters(self.columns)
        self._file: IO[str] = open(self.partial, "w", encoding=encoding, newline="")  # noqa: SIM115
        self._writer = csv.writer(self._file, lineterminator="\r\n")
        self._writer.writerow(self.headers)

    def _write(self, row: Sequence[Any]) -> None:
        # csv writes None as an empty cell
        self._writer.writerow(
            [
                v if convert is None or v is None else convert(v)
                for v, convert in zip(row, self._convert, strict=True)
            ]
        )

    def _finish(self) -> None:
        self._file.close()

    def _discard(self) -> None:
        self._file.close()


class JsonLinesSink(Sink):
    def __init__(self, path: Path, columns: Sequence[Column], lang: Lang) -> None:
        super().__init__(path, columns, lang)
        # JSON has its own booleans: only money, dates and times become text
        self._convert = [None if c.kind == "bool" else f for c, f in
                         zip(self.columns, _converters(self.columns), strict=True)]  # fmt: skip
        self._file: IO[str] = open(self.partial, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        self._encode = json.JSONEncoder(ensure_ascii=False).encode

    def _write(self, row: Sequence[Any]) -> None:
        record = {
            header: v if convert is None or v is None else convert(v)
            for header, v, convert in zip(self.headers, row, self._convert, strict=True)
        }
        self._file.write(self._encode(record) + "\n")

    def _finish(self) -> None:
        self._file.close()

    def _discard(self) -> None:
        self._file.close()


def _arrow_type(pa: Any, column: Column) -> Any:
    return {
        "text": pa.string(),
        "int": pa.int64(),
        "money": pa.decimal128(20, 2),
        "date": pa.date32(),
        "datetime": pa.timestamp("us", tz="UTC"),
        "bool": pa.bool_(),
    }[column.kind]


class ParquetSink(Sink):
    def __init__(
        self,
        path: Path,
        columns: Sequence[Column],
        lang: Lang,
        *,
        batch_rows: int = BATCH_ROWS,
        row_group_rows: int = ROW_GROUP_ROWS,
        metadata: dict[str, str] | None = None,
    ) -> None:
        pa = require_pyarrow()
        import pyarrow.parquet as pq

        super().__init__(path, columns, lang)
        self._pa = pa
        self.schema = pa.schema(
            [
                pa.field(
                    header,
                    _arrow_type(pa, column),
                    metadata={"zh": column.zh, "en": column.name},
                )
                for header, column in zip(self.headers, self.columns, strict=True)
            ],
            metadata=metadata,
        )
        self._convert = [money if c.kind == "money" else None for c in self.columns]
        self._batch_rows = batch_rows
        self._row_group_rows = row_group_rows
        self._rows: list[Sequence[Any]] = []
        self._batches: list[Any] = []
        self._batched = 0
        self._writer = pq.ParquetWriter(str(self.partial), self.schema)

    def _write(self, row: Sequence[Any]) -> None:
        self._rows.append(row)
        if len(self._rows) >= self._batch_rows:
            self._to_batch()
            if self._batched >= self._row_group_rows:
                self._flush()

    def _to_batch(self) -> None:
        if not self._rows:
            return
        pa = self._pa
        arrays = []
        for index, (field, convert) in enumerate(zip(self.schema, self._convert, strict=True)):
            values = [row[index] for row in self._rows]
            if convert is not None:
                values = [convert(v) for v in values]
            arrays.append(pa.array(values, type=field.type))
        self._batches.append(pa.RecordBatch.from_arrays(arrays, schema=self.schema))
        self._batched += len(self._rows)
        self._rows = []

    def _flush(self) -> None:
        if self._batches:
            table = self._pa.Table.from_batches(self._batches, schema=self.schema)
            self._writer.write_table(table, row_group_size=max(self._batched, 1))
        self._batches = []
        self._batched = 0

    def _finish(self) -> None:
        try:
            self._to_batch()
            self._flush()
        finally:
            self._writer.close()

    def _discard(self) -> None:
        self._rows = []
        self._batches = []
        self._writer.close()


def open_sink(
    path: Path,
    columns: Sequence[Column],
    *,
    fmt: Format,
    lang: Lang = "en",
    encoding: str | None = None,
    metadata: dict[str, str] | None = None,
) -> Sink:
    """A sink writing ``columns`` to ``path`` in ``fmt``. ``encoding`` is for CSV only
    (default ``utf-8-sig``); ``metadata`` goes into a Parquet file's key-value metadata."""
    if encoding is not None and fmt != "csv":
        raise ExportFormatError(f"--encoding is for CSV; {fmt} is always UTF-8")
    if fmt == "csv":
        return CsvSink(path, columns, lang, encoding or "utf-8-sig")
    if fmt == "jsonl":
        return JsonLinesSink(path, columns, lang)
    return ParquetSink(path, columns, lang, metadata=metadata)
