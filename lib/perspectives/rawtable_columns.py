"""The table an export's reader fills: its cells column by column, the formats and the bounds.

Purpose
    What every reader of :mod:`perspectives.rawtable` (delimited text, zip archives,
    workbooks, SPSS) hands back: :class:`RawTable`, whose cells are kept column by column as
    small integer codes into each column's distinct values (:class:`Column`), with
    :class:`FileFormat` saying what was recognised; and the :class:`Limits` a partner's file
    is read within. Kept apart so that each reader builds the same table the same way
    (:func:`build_table`), below the readers that share it.

Inputs
    Rows of cells as text (``None`` where the file says "no value"), in chunks.

Outputs
    :class:`RawTable`, :class:`Column`, :class:`FileFormat`, :class:`Limits`, :func:`cell_text`,
    and the file kinds each reader takes (:data:`SUPPORTED`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np

from .problems import DataError, Problem

# Rates a candidate header row (cells, file kind) by how many cells name the form's columns.
Score = Callable[[Sequence[object], str], int]
# Opens the file (or the archive member) again from its first byte, as a binary stream.
Opener = Callable[[], IO[bytes]]

DELIMITED = (".csv", ".tsv", ".txt")
WORKBOOK = (".xlsx", ".xlsm")
SPSS = (".sav", ".zsav")
ZIPPED = (".zip",)
SUPPORTED = DELIMITED + WORKBOOK + SPSS + ZIPPED
# The header is looked for in the first rows only: a title or a note sits above it, data below.
HEADER_SEARCH = 20
REEXPORT = "open the file in the program that made it and export it again"

# How much text is decoded at a time, and how many cells are gathered before they are
# folded into the columns' codes: both bound the memory a file of any length needs.
READ_CHUNK = 1 << 20
CHUNK_CELLS = 250_000
# A row holds at most as many columns as a spreadsheet (Excel's XFD): the study's form, split
# into one column per option, holds a few hundred. Three million empty columns fit in a 30 MB
# CSV and took two gigabytes and fifty seconds to refuse.
MAX_COLUMNS = 16_384


# --------------------------------------------------------------------------- limits


@dataclass(frozen=True)
class Limits:
    """How far a partner's archive or workbook may unpack (``limits`` in ``params/study.yml``).

    Attributes:
        max_uncompressed_mb: the most, in MB, that one part of an archive or of a workbook,
            or all the parts read from it together, may unpack to. The default (256 MB)
            holds a CSV export of about a million responses of the study's form.
        max_compression_ratio: the most a part larger than 1 MB may grow when unpacked
            (unpacked size / packed size). Survey exports pack about 10 to 1; 100 is Apache
            POI's default for Excel files.
    """

    max_uncompressed_mb: int = 256
    max_compression_ratio: int = 100

    @property
    def max_bytes(self) -> int:
        """:attr:`max_uncompressed_mb` in bytes."""
        return self.max_uncompressed_mb * 1024 * 1024

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> Limits:
        """The limits of a ``limits`` mapping (``params/study.yml``); defaults for keys left out.

        Raises:
            ValueError: a value is not a whole number of at least 1.
        """
        values: dict[str, int] = {}
        for key in ("max_uncompressed_mb", "max_compression_ratio"):
            value = (settings or {}).get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"params/study.yml: limits.{key} must be a whole number of at least 1, "
                                 f"not {value!r}")
            values[key] = value
        return cls(**values)


# --------------------------------------------------------------------------- the file itself


@dataclass
class FileFormat:
    """What the reader recognised about the file itself (no answers).

    Attributes:
        kind: "CSV text", "CSV text in a zip archive", "Excel workbook" or "SPSS data file".
        encoding: the text encoding (CSV only).
        separator: the field separator's name (CSV only).
        line_endings: "CRLF (Windows)", "LF" or "CR" (CSV only).
        member: the file read inside a zip archive.
        sheet: the workbook sheet read, with its position.
        header_row: the row (1-based, as the program shows it) that holds the header.
        skipped_above: rows above the header that were skipped (a title or a note).
    """

    kind: str
    encoding: str | None = None
    separator: str | None = None
    line_endings: str | None = None
    member: str | None = None
    sheet: str | None = None
    header_row: int | None = None
    skipped_above: int = 0


@dataclass
class Column:
    """One column's cells: its distinct values and, for every data row, the index of its value.

    Survey answers repeat: a question answered 800,000 times holds a few dozen distinct codes.
    Keeping each distinct text once and a small integer per row holds a large export in a
    fraction of the memory of one string per cell, and lets every reading rule run once per
    distinct value (:meth:`map`) instead of once per cell.

    Attributes:
        values: the distinct cells (text, or None for "no value") in the order first met,
            except that None may stand anywhere.
        codes: for every data row, the index of its cell in ``values``.
    """

    values: list[str | None]
    codes: np.ndarray

    def __len__(self) -> int:
        return len(self.codes)

    def array(self, out: np.ndarray | None = None) -> np.ndarray:
        """The cells as an object array (each distinct value shared, not copied), or into ``out``."""
        table = np.empty(len(self.values), dtype=object)
        table[:] = self.values
        return np.take(table, self.codes, out=out)

    def cells(self) -> list[str | None]:
        """The cells as a list."""
        return self.array().tolist()

    def counts(self) -> np.ndarray:
        """How many rows hold each of :attr:`values`."""
        return np.bincount(self.codes, minlength=len(self.values))

    def where(self, test: Callable[[str | None], bool]) -> np.ndarray:
        """A boolean mask of the rows whose cell passes ``test`` (run once per distinct value)."""
        passed = np.fromiter((bool(test(value)) for value in self.values), dtype=bool, count=len(self.values))
        return passed[self.codes] if len(self.values) else np.zeros(len(self.codes), dtype=bool)

    def map(self, change: Callable[[str | None], str | None]) -> Column:
        """The column with every cell replaced by ``change(cell)`` (called once per distinct value)."""
        index: dict[str | None, int] = {}
        values: list[str | None] = []
        table = np.empty(len(self.values), dtype=np.int64)
        for k, value in enumerate(self.values):
            new = change(value)
            if new not in index:
                index[new] = len(values)
                values.append(new)
            table[k] = index[new]
        return Column(values, _compact(table, len(values))[self.codes] if len(self.values) else self.codes)


def _compact(codes: np.ndarray, n_values: int) -> np.ndarray:
    """Codes in the smallest unsigned integer type that holds them."""
    for kind in (np.uint8, np.uint16, np.uint32):
        if n_values <= np.iinfo(kind).max + 1:
            return codes.astype(kind, copy=False)
    return codes.astype(np.int64, copy=False)


@dataclass
class RawTable:
    """The cells of an export, as text, column by column.

    Attributes:
        file: the file's name (never its folder).
        header: the header cells as written (empty string for an empty cell).
        columns: one :class:`Column` per header cell, one entry per data row.
        row_numbers: each data row's number as the partner's program shows it (a compact
            sequence of ints: an ``array``, indexed and iterated like a list).
        row_word: "rows" or "cases" (SPSS).
        format: what was recognised.
        empty_rows: row numbers of rows with no value at all (skipped).
        empty_columns: how many columns with neither a header nor a value were dropped.
        value_labels: SPSS value labels, column -> {value as text -> label}.
        user_missing: SPSS values declared missing by the file, column -> how many cells.
        empty_strings: SPSS string variables' empty values (SPSS has no missing string),
            column -> how many cells; the reader's missing-value rule reads them as no answer.
        formula_values: a workbook's formula cells read as the value the spreadsheet program
            computed and saved (what the partner saw), column -> how many cells.
    """

    file: str
    header: list[str]
    columns: list[Column]
    row_numbers: Sequence[int]
    row_word: str
    format: FileFormat
    empty_rows: list[int] = field(default_factory=list)
    empty_columns: int = 0
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    user_missing: dict[str, int] = field(default_factory=dict)
    empty_strings: dict[str, int] = field(default_factory=dict)
    formula_values: dict[str, int] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        """How many data rows the table holds."""
        return len(self.row_numbers)



# --------------------------------------------------------------------------- columns


class _Growing:
    """One column being read: its distinct values so far and its codes, chunk by chunk."""

    def __init__(self, none_rows: int = 0) -> None:
        self.index: dict[str | None, int] = {}
        self.values: list[str | None] = []
        self.parts: list[np.ndarray | int] = []  # an int: that many rows of None
        if none_rows:
            self.parts.append(none_rows)

    def _code(self, value: str | None) -> int:
        code = self.index.get(value)
        if code is None:
            code = self.index[value] = len(self.values)
            self.values.append(value)
        return code

    def add(self, cells: Sequence[str | None]) -> None:
        """Append a chunk of cells (text or None)."""
        if cells[0] is None and cells.count(None) == len(cells):
            self.parts.append(len(cells))
            return
        import pandas as pd

        array = np.empty(len(cells), dtype=object)
        array[:] = cells
        codes, uniques = pd.factorize(array)
        table = np.fromiter((self._code(value) for value in uniques), dtype=np.int64, count=len(uniques))
        if (codes < 0).any():
            table = np.append(table, self._code(None))  # factorize's -1 (None) reads the last entry
        self.parts.append(_compact(table[codes], len(self.values)))

    def empty(self) -> bool:
        """Whether the column holds no value at all (only None or empty text)."""
        return all(value in (None, "") for value in self.values)

    def finish(self) -> Column:
        """The column, its codes in the smallest integer type that holds them."""
        if any(isinstance(part, int) for part in self.parts):
            self._code(None)
        codes = _compact(np.zeros(sum(part if isinstance(part, int) else len(part) for part in self.parts),
                                  dtype=np.uint8), len(self.values))
        start = 0
        for part in self.parts:
            size = part if isinstance(part, int) else len(part)
            codes[start:start + size] = self.index[None] if isinstance(part, int) else part
            start += size
        self.parts = []
        return Column(self.values, codes)


class _Columns:
    """Rows gathered in chunks and folded, chunk by chunk, into one :class:`_Growing` per column."""

    def __init__(self) -> None:
        self.columns: list[_Growing] = []
        self.rows = 0
        self.chunk: list[Sequence[str | None]] = []
        self.width = 0

    def add(self, record: Sequence[str | None]) -> None:
        self.chunk.append(record)
        self.width = max(self.width, len(record))
        if len(self.chunk) * max(self.width, 1) >= CHUNK_CELLS:
            self.flush()

    def flush(self) -> None:
        if not self.chunk:
            return
        n = len(self.chunk)
        while len(self.columns) < self.width:
            self.columns.append(_Growing(self.rows))
        for growing, cells in zip(self.columns, itertools.zip_longest(*self.chunk, fillvalue=None), strict=False):
            growing.add(cells)
        for growing in self.columns[self.width:]:
            growing.parts.append(n)
        self.rows += n
        self.chunk, self.width = [], 0

    def finish(self, width: int) -> list[_Growing]:
        self.flush()
        while len(self.columns) < width:
            self.columns.append(_Growing(self.rows))
        return self.columns


def build_table(name: str, records: Iterable[Sequence[object]], header_index: int, fmt: FileFormat, row_word: str,
           first_number: int = 1, pad: bool = False) -> RawTable:
    """Split records into header and data; drop empty rows and empty columns; refuse ragged rows.

    Records are read one at a time, so a file of any length is never held as rows. With
    ``pad`` (workbooks), rows shorter or longer than the header are padded with empty cells,
    as a spreadsheet shows them; otherwise a row whose field count differs is ragged.
    """
    header: list[str] | None = None
    fmt.header_row = header_index + first_number
    fmt.skipped_above = header_index
    columns = _Columns()
    numbers = array("q")  # 8 bytes a row, where a list of ints takes 36
    empty: list[int] = []
    ragged: list[tuple[int, int]] = []
    for offset, record in enumerate(records):
        if offset < header_index:
            continue
        if header is None:
            if len(record) > MAX_COLUMNS:
                raise DataError(name, Problem(
                    "the header has {n} columns, more than a spreadsheet holds ({most}): it is not a survey export",
                    fix=REEXPORT, args={"n": f"{len(record):,}", "most": f"{MAX_COLUMNS:,}"}))
            header = ["" if cell is None else str(cell) for cell in record]
            continue
        number = offset + first_number
        first = record[0] if record else None
        if not (isinstance(first, str) and first.strip()) and all(
                cell is None or (isinstance(cell, str) and cell.strip() == "") for cell in record):
            empty.append(number)
            continue
        if not pad and len(record) != len(header):
            ragged.append((number, len(record)))
            continue
        columns.add(record)  # type: ignore[arg-type]  # text or None: csv, cell_text
        numbers.append(number)
    if header is None:
        raise IndexError("list index out of range")  # no record at the header's row, as a list would say
    if ragged:
        counts = sorted({n for _, n in ragged})
        raise DataError(name, Problem(
            problem="{n} row(s) have {counts} fields where the header has "
                    "{width}: a value was cut, an extra separator was typed, or a line was broken",
            rows=[number for number, _ in ragged], row_word=row_word,
            expected="{width} fields on every row",
            args={"n": len(ragged), "counts": ", ".join(map(str, counts)), "width": len(header)},
            fix="open the file in a spreadsheet, correct those rows (look for a separator inside an unquoted "
                "answer or a row that was cut short) and save it again"))
    growing = columns.finish(len(header))
    if pad and len(growing) > len(header):
        header += [""] * (len(growing) - len(header))
    # Columns with neither header nor value (a spreadsheet's formatted but unused columns).
    keep = [i for i, cell in enumerate(header) if cell.strip() or not growing[i].empty()]
    dropped = len(header) - len(keep)
    return RawTable(name, [header[i] for i in keep], [growing[i].finish() for i in keep], numbers, row_word, fmt,
                    empty_rows=empty, empty_columns=dropped)



def cell_text(value: object) -> str | None:
    """A workbook or SPSS cell as text: whole numbers without '.0', dates in ISO 8601.

    Args:
        value: a cell value as openpyxl or pyreadstat return it.

    Returns:
        The text, or None for an empty cell (None) or a missing number (NaN).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()
    return str(value)
