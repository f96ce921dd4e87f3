"""Open an export file and return its cells as text, saying how it was written.

Purpose
    The first step of reading a partner's export: find the table inside the file, whatever
    program wrote it, without interpreting a single answer. CSV text (any of ``,`` ``;``
    tab separators; UTF-8 with or without BOM, UTF-16 with BOM, Windows-1250/1252; CRLF or
    LF), the ``.csv.zip`` ODK Central downloads, Excel workbooks (the data sheet and its
    header row are found by matching the form) and SPSS ``.sav`` files (values, value
    labels and declared missing values from the file's metadata).

    Parsing is left to well-kept libraries: the standard ``csv`` module (its ``Sniffer``
    proposes the dialect, and reports every record's field count, so ragged rows are named
    instead of padded), ``openpyxl`` for workbooks, ``pyreadstat`` for SPSS. Our own code
    only decides between them: which separator yields the form's header, which sheet holds
    it, and which of the study's two legacy code pages a non-UTF-8 file uses (see
    :func:`_decode` for why a detector is not trusted with that).

    A partner's file is bounded before it is trusted:

    - only a regular file is opened (a folder, a named pipe, a device, a socket or a broken
      link is refused for what it is, and a pipe is never waited on);
    - an archive or a workbook (a workbook is a zip of XML parts) is unpacked through a
      counter: a part or an archive that unpacks to more than :class:`Limits` allow, or a
      part packed more tightly than real exports are, is refused as soon as the counter
      passes the limit, whatever the archive's directory declares;
    - a workbook's declared dimensions are ignored, and a sheet whose rows and columns
      spread far beyond what its XML holds is refused (a cell at column XFD on every row);
    - text is read as a stream, and the cells are kept column by column as small integer
      codes into each column's distinct values (:class:`Column`): a 200 MB export of
      800,000 rows is held in a few hundred megabytes, never as one Python string per cell.

Inputs
    A path, a ``score(cells, kind) -> int`` function that rates a candidate header row
    (:func:`perspectives.layouts.header_score`) and the :class:`Limits` (``limits`` in
    ``params/study.yml``).

Outputs
    :class:`RawTable`: header cells, data columns as text (``None`` where the file itself
    says "no value": an empty workbook cell, SPSS system- or user-missing), the partner's
    row numbers, SPSS value labels, and :class:`FileFormat` (what was recognised). Problems
    raise :class:`~perspectives.problems.DataError`.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import itertools
import math
import os
import stat
import struct
import zipfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from .problems import DataError, Problem, Text

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
SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
_REEXPORT = "open the file in the program that made it and export it again"

# How much text is decoded at a time, and how many cells are gathered before they are
# folded into the columns' codes: both bound the memory a file of any length needs.
READ_CHUNK = 1 << 20
CHUNK_CELLS = 250_000
# How many bytes of an archive member are read to find the member whose header is the form's.
HEAD_BYTES = 65536
# A part that unpacks to less than this is never judged by its compression ratio: small
# parts (an empty sheet, a style sheet) pack tightly without being dangerous. Apache POI's
# ZipSecureFile, which guards Excel readers in Java, works the same way.
RATIO_GRACE_BYTES = 1 << 20
# A sheet yields at most this many cells (its rows' widths, padded, plus the empty rows
# between them) per byte of XML the workbook unpacked to, and never fewer than the floor:
# real sheets stay far below; a few cells placed at column XFD or at row 1,048,576 would
# otherwise make the reader pad billions of empty cells.
CELLS_PER_XML_BYTE = 4
CELLS_FLOOR = 2_000_000
# A row holds at most as many columns as a spreadsheet (Excel's XFD): the study's form, split
# into one column per option, holds a few hundred. Three million empty columns fit in a 30 MB
# CSV and took two gigabytes and fifty seconds to refuse.
MAX_COLUMNS = 16_384
# A line of a CSV file is read whole before the parser sees it: a file of one 500 MB line held
# a gigabyte. Real lines hold a few kilobytes (a long answer may span several lines, quoted).
MAX_LINE_CHARS = 4 << 20
# A zip archive's directory (its list of parts) is read whole, and each part costs the reader
# about a kilobyte: an archive of a million empty parts took a gigabyte before any check. An
# export, a workbook or a project lists a few parts (media attachments: thousands at most).
MAX_ZIP_DIRECTORY = 8 << 20
# The CSV files of an ODK Central archive: the form's, and one per repeat group.
MAX_ZIP_CSV = 100


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


def _size(n: float) -> str:
    """A byte count as people read it: 612 KB, 5.8 MB, 1.2 GB."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{int(n)} bytes"


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

    @property
    def n_rows(self) -> int:
        """How many data rows the table holds."""
        return len(self.row_numbers)


# What a path is when it is not a regular file, and what to do instead.
_NOT_A_FILE = (
    (stat.S_ISDIR, Text("is a directory, not a file"),
     Text("give the export file itself (the .csv, .xlsx, .sav or .zip inside this folder), not its folder")),
    (stat.S_ISFIFO, Text("is a named pipe (FIFO), not a file: it is not read, since reading a pipe can wait forever"),
     Text("save the export as a file and give that file")),
    (stat.S_ISCHR, Text("is a character device, not a file"), Text("give the export file itself")),
    (stat.S_ISBLK, Text("is a block device, not a file"), Text("give the export file itself")),
    (stat.S_ISSOCK, Text("is a socket, not a file"), Text("give the export file itself")),
)


def path_problem(path: Path | str) -> Problem | None:
    """Why a path cannot be read as an export file, or None for a regular file (or a link to one).

    Nothing is opened: a named pipe is recognised without waiting for a writer. The reader
    checks again on the opened file (:func:`read_raw`), so a path swapped in between is
    refused too.

    Args:
        path: the path given for an export or a conversations file.

    Returns:
        A :class:`~perspectives.problems.Problem` saying what the path is ("is a directory",
        "is a named pipe (FIFO)", "is a broken symbolic link" ...) and the fix, or None.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            return Problem("the path is a symbolic link to something that does not exist (a broken link)",
                           fix="give the export file itself, or repair the link")
        return Problem("file not found", fix="check the path given on the command line")
    except NotADirectoryError:
        return Problem("file not found (a folder on its path is a file)", fix="check the path given on the command line")
    except PermissionError:
        return Problem("the file cannot be opened (permission denied)",
                       fix="give yourself read permission on the file and its folders, or copy it somewhere you can read")
    except OSError as error:
        return Problem("the file cannot be opened ({reason})", fix="check the path given on the command line",
                       args={"reason": error.strerror or error})
    return _mode_problem(mode)


def _mode_problem(mode: int) -> Problem | None:
    if stat.S_ISREG(mode):
        return None
    for test, what, fix in _NOT_A_FILE:
        if test(mode):
            return Problem("the path {what}", fix=fix, args={"what": Text(what)})
    return Problem("the path is not a regular file", fix="give the export file itself")


def _open_regular(path: Path, name: str) -> IO[bytes]:
    """Open a regular file for reading, never blocking on a pipe swapped in after the check."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        problem = path_problem(path) or Problem("the file cannot be opened ({reason})",
                                                fix="check the path given on the command line",
                                                args={"reason": error.strerror or error})
        raise DataError(name, problem) from error
    problem = _mode_problem(os.fstat(fd).st_mode)
    if problem is not None:
        os.close(fd)
        raise DataError(name, problem)
    return os.fdopen(fd, "rb")


def read_raw(path: Path, score: Score, limits: Limits | None = None) -> RawTable:
    """Open an export of any supported kind.

    Args:
        path: the export (``.csv``/``.tsv``/``.txt``, ``.zip``/``.csv.zip``, ``.xlsx``/``.xlsm``,
            ``.sav``/``.zsav``).
        score: rates a candidate header row by how many cells name the form's columns.
        limits: how far an archive or a workbook may unpack (default :class:`Limits`).

    Returns:
        The :class:`RawTable`.

    Raises:
        DataError: the path is not a regular file; the file is missing, empty, of another
            type, unpacks beyond the limits, not decodable, ragged, or the parser cannot
            read it; the message names the file and the fix.
    """
    path = Path(path)
    name = path.name
    limits = limits or Limits()
    problem = path_problem(path)
    if problem is not None:
        raise DataError(name, problem)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DataError(name, Problem("unsupported file type '{suffix}'", expected="one of {supported}",
                                      fix="export the survey as CSV, XLSX or SPSS .sav",
                                      args={"suffix": suffix or "(none)", "supported": ", ".join(SUPPORTED)}))
    with _open_regular(path, name) as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            raise DataError(name, Problem("the file is empty", fix="export the data again; the file has no rows"))
        try:
            if suffix in DELIMITED:
                table = _read_delimited(_reopener(handle), name, score, FileFormat("CSV text"))
            elif suffix in ZIPPED:
                table = _read_zip(handle, name, score, limits)
            elif suffix in WORKBOOK:
                table = _read_workbook(handle, name, score, limits)
            else:
                table = _read_spss(path, limits)
        except DataError:
            raise
        except Exception as error:  # a parser's own words are the best description of a broken file
            raise DataError(name, Problem("the file could not be read as {suffix} ({error})", fix=_REEXPORT,
                                          args={"suffix": suffix, "error": f"{type(error).__name__}: {error}"})
                            ) from error
    if not table.row_numbers:
        raise DataError(name, Problem("the file has a header but no responses",
                                      fix="export the responses, not only the form"))
    return table


def _reopener(handle: IO[bytes]) -> Opener:
    """Opens the already opened file again from its start (its own descriptor, closed after use)."""
    def reopen() -> IO[bytes]:
        copy = os.fdopen(os.dup(handle.fileno()), "rb")
        copy.seek(0)
        return copy
    return reopen


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


def _table(name: str, records: Iterable[Sequence[object]], header_index: int, fmt: FileFormat, row_word: str,
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
                    fix=_REEXPORT, args={"n": f"{len(record):,}", "most": f"{MAX_COLUMNS:,}"}))
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


# --------------------------------------------------------------------------- text


# Letters of the study's languages that the two legacy Windows code pages encode at
# different byte values: Albanian and Spanish (Windows-1252, which also reads Latin-1 text)
# and Romanian and Bosnian (Windows-1250).
_LETTERS = {
    "cp1252": set("ëËçÇñÑáÁéÉíÍóÓúÚüÜ¿¡"),
    "cp1250": set("ăĂâÂîÎșȘşŞțȚţŢčČćĆđĐšŠžŽ"),
}
_CODE_PAGE_NAMES = {"cp1252": "Windows-1252", "cp1250": "Windows-1250"}
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32", "UTF-32 with byte-order mark"),
         (codecs.BOM_UTF32_BE, "utf-32", "UTF-32 with byte-order mark"),
         (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with byte-order mark"),
         (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 with byte-order mark"),
         (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 with byte-order mark"))
_ASCII_LABEL = "ASCII (the same in UTF-8 and Windows-1250/1252)"


def _decode(raw: bytes, name: str) -> tuple[str, str]:
    """Text of a CSV export's bytes and the name of its encoding (the rule of :func:`_scan_text`).

    Used on the first bytes of each CSV inside an archive, to find the one whose header is
    the form's; a whole export is decoded as a stream by :func:`_scan_text`.
    """
    codec, label, _ = _scan_text(lambda: io.BytesIO(raw), name)
    return raw.decode(codec), label


def _chunks(open_bytes: Opener) -> Iterator[bytes]:
    with open_bytes() as stream:
        while chunk := stream.read(READ_CHUNK):
            yield chunk


class _Endings:
    """Which line endings a text uses, seen chunk by chunk."""

    def __init__(self) -> None:
        self.crlf = self.cr = False
        self.last = ""

    def see(self, text: str) -> None:
        if not text:
            return
        self.crlf = self.crlf or "\r\n" in text or (self.last == "\r" and text[0] == "\n")
        self.cr = self.cr or "\r" in text
        self.last = text[-1]

    def name(self) -> str:
        if self.crlf:
            return "CRLF (Windows)"
        return "CR (old Mac)" if self.cr else "LF"


class _BadBytes(Exception):
    """Bytes that are not text in the codec tried, and where they start in the file."""

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(reason)
        self.reason, self.offset = reason, offset


def _decode_all(open_bytes: Opener, codec: str, endings: _Endings | None = None) -> Iterator[str]:
    """The text of the whole stream, chunk by chunk.

    Raises:
        _BadBytes: bytes that are not valid in ``codec`` (with their offset in the file).
    """
    decoder = codecs.getincrementaldecoder(codec)("strict")
    offset = 0
    for chunk in itertools.chain(_chunks(open_bytes), [None]):
        pending = len(decoder.getstate()[0])
        try:
            # b"" with final=True: a character cut at the very end of the file is an error too.
            text = decoder.decode(chunk, final=False) if chunk is not None else decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            raise _BadBytes(error.reason, offset - pending + error.start) from error
        offset += len(chunk or b"")
        if endings is not None:
            endings.see(text)
        yield text


def _scan_text(open_bytes: Opener, name: str) -> tuple[str, str, str]:
    """(codec, encoding's name, line endings) of a CSV export, read as a stream.

    A byte-order mark decides (UTF-8, UTF-16, UTF-32); then strict UTF-8; then one of the
    study's legacy code pages. Single-byte code pages decode any bytes, and detectors
    (charset-normalizer 3.x included, measured on the study's Albanian and Spanish text)
    mistake Windows-1252 for Windows-1250 on short texts, so we pick the code page under
    which the text holds more letters of the study's languages and refuse a tie between two
    different readings rather than guess.
    """
    with open_bytes() as stream:
        head = stream.read(4096)
    for bom, codec, label in _BOMS:
        if head.startswith(bom):
            endings = _Endings()
            try:
                for _ in _decode_all(open_bytes, codec, endings):
                    pass
            except _BadBytes as error:
                raise DataError(name, Problem("the file starts with a {label} but is not valid {codec} text "
                                              "({reason} at byte {offset})",
                                              fix="save the export again as 'CSV UTF-8'",
                                              args={"label": label, "codec": codec, "reason": error.reason,
                                                    "offset": error.offset})) from error
            return codec, label, endings.name()
    # Zero bytes never occur in text; they are valid UTF-8 all the same, so look first.
    if b"\x00" in head:
        raise DataError(name, Problem("the file holds zero bytes between its letters: UTF-16 text without a "
                                      "byte-order mark, or not text at all",
                                      fix="save the export as 'CSV UTF-8' (or as UTF-16 with a byte-order mark)"))
    endings = _Endings()
    ascii_only = True
    try:
        for text in _decode_all(open_bytes, "utf-8", endings):
            ascii_only = ascii_only and text.isascii()
    except _BadBytes:
        pass
    else:
        # Plain ASCII reads the same in UTF-8 and both code pages: say so rather than claim UTF-8.
        return "utf-8", "UTF-8" if not ascii_only else _ASCII_LABEL, endings.name()
    return _code_page(open_bytes, name)


def _code_page(open_bytes: Opener, name: str) -> tuple[str, str, str]:
    """The legacy code page under which the text holds more of the study's letters."""
    letters = {encoding: 0 for encoding in _LETTERS}
    readable = dict.fromkeys(_LETTERS, True)
    differ = False
    endings = _Endings()
    for chunk in _chunks(open_bytes):
        texts = {}
        for encoding in _LETTERS:
            if not readable[encoding]:
                continue
            try:
                texts[encoding] = chunk.decode(encoding)  # single-byte: chunks decode alone
            except UnicodeDecodeError:
                readable[encoding] = False
                continue
            letters[encoding] += sum(texts[encoding].count(letter) for letter in _LETTERS[encoding])
        if len(set(texts.values())) > 1:
            differ = True
        if texts:
            endings.see(next(iter(texts.values())))
    ranked = sorted(((letters[e], e) for e in _LETTERS if readable[e]), key=lambda item: -item[0])
    if not ranked:
        raise DataError(name, Problem("the file is neither UTF-8 nor Windows-1252/1250 text",
                                      fix="save the export as 'CSV UTF-8' and try again"))
    if len(ranked) > 1 and ranked[0][0] == ranked[1][0] and differ:
        raise DataError(name, Problem("the file is not UTF-8, and Windows-1252 and Windows-1250 read its "
                                      "letters equally well, so its accented letters cannot be told apart",
                                      fix="save the export as 'CSV UTF-8' and try again"))
    encoding = ranked[0][1]
    return encoding, _CODE_PAGE_NAMES[encoding], endings.name()


def _records(text: str, dialect: type[csv.Dialect]) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), dialect))


def _best_header(rows: Sequence[Sequence[object]], score: Score, kind: str) -> tuple[int, int]:
    """(index, score) of the best-scoring header candidate among the first rows (earliest on ties)."""
    best, best_score = 0, -1
    for i, row in enumerate(rows[:HEADER_SEARCH]):
        value = score(row, kind)
        if value > best_score:
            best, best_score = i, value
    return best, max(best_score, 0)


@contextlib.contextmanager
def _text_stream(open_bytes: Opener, codec: str) -> Iterator[io.TextIOWrapper]:
    stream = io.TextIOWrapper(open_bytes(), encoding=codec, newline="")
    try:
        yield stream
    finally:
        stream.close()


def _read_delimited(open_bytes: Opener, name: str, score: Score, fmt: FileFormat) -> RawTable:
    codec, fmt.encoding, fmt.line_endings = _scan_text(open_bytes, name)
    with _text_stream(open_bytes, codec) as stream:
        sample = stream.read(65536)
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        sniffed = None
    # The Sniffer guesses from character counts; the header decides: the separator under
    # which a row names the most of the form's columns wins, the Sniffer's guess on a tie.
    # Quoting is always RFC 4180 (what Kobo, ODK, Excel and pandas write): the Sniffer's
    # guess of a quote character is unreliable on free text, so only its separator is used.
    head_text = "\n".join(sample.splitlines()[:HEADER_SEARCH + 1])
    candidates = []
    for delimiter in SEPARATORS:
        index, value = _best_header(_records(head_text, _dialect(delimiter)), score, fmt.kind)
        candidates.append((value, delimiter == sniffed, delimiter == ",", delimiter, index))
    _, _, _, delimiter, index = max(candidates, key=lambda c: c[:3])
    fmt.separator = f"{SEPARATORS[delimiter]} ('{delimiter}')" if delimiter != "\t" else "tab"
    with _text_stream(open_bytes, codec) as stream:
        return _table(name, csv.reader(_bounded_lines(stream, name), _dialect(delimiter)), index, fmt, "rows")


def _bounded_lines(stream: io.TextIOWrapper, name: str) -> Iterator[str]:
    """The stream's lines, each read with a bound (:data:`MAX_LINE_CHARS`), never one unbounded string."""
    number = 0
    while line := stream.readline(MAX_LINE_CHARS):
        number += 1
        if len(line) == MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            raise DataError(name, Problem(
                "line {number} is longer than {millions} million characters without a line break: "
                "it is not a survey export (or its line breaks were lost)", fix=_REEXPORT,
                args={"number": number, "millions": MAX_LINE_CHARS >> 20}))
        yield line


def _dialect(delimiter: str) -> type[csv.Dialect]:
    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    return Dialect


# --------------------------------------------------------------------------- archives


class _Unpacking:
    """Counts what an archive's parts unpack to; refuses a part or a total beyond the limits.

    The directory of a zip archive declares each part's sizes, and a hostile archive may
    lie: the declared sizes refuse an archive at once, and every read is counted as well,
    so a part that unpacks to more than it declared is stopped at the limit all the same.
    """

    def __init__(self, file: str, kind: str, limits: Limits, fix: str) -> None:
        self.file, self.kind, self.limits, self.fix = file, kind, limits, fix
        self.unpacked: dict[str, int] = {}
        self.total = 0

    def check_methods(self, infos: Sequence[zipfile.ZipInfo]) -> None:
        """Refuse parts packed with a method other than the standard ones (stored, deflate).

        Python unpacks BZIP2 and LZMA parts in one piece, so a tiny part could fill the
        memory before the counter sees it.
        """
        for info in infos:
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                method = {zipfile.ZIP_BZIP2: "BZIP2", zipfile.ZIP_LZMA: "LZMA"}.get(info.compress_type,
                                                                                   f"method {info.compress_type}")
                raise DataError(self.file, Problem(
                    "'{part}' inside the {kind} is packed with {method}, which the reader does not "
                    "unpack (survey tools and Excel pack with the standard method, deflate)",
                    fix="pack it again with the standard zip method, or give the file itself",
                    args={"part": info.filename, "kind": Text(self.kind), "method": method}))

    def check_declared(self, infos: Sequence[zipfile.ZipInfo]) -> None:
        """Refuse parts whose declared sizes already pass a limit, or a method we do not unpack."""
        self.check_methods(infos)
        for info in infos:
            self._judge(info, info.file_size, declared=True)
        total = sum(info.file_size for info in infos)
        if total > self.limits.max_bytes:
            raise DataError(self.file, Problem(
                "the {kind}'s parts declare that they unpack to {size} together, more than the limit of {mb} MB",
                expected=self._EXPECTED_SIZE, fix=self.fix,
                args={"kind": Text(self.kind), "size": _size(total), "mb": self.limits.max_uncompressed_mb}))

    def open(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
        """The part as a binary stream whose every read is counted."""
        return io.BufferedReader(_Counted(archive.open(info), lambda position: self._count(info, position)),
                                 buffer_size=READ_CHUNK)

    def drain(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        """Unpack a whole part through the counter, keeping nothing."""
        with self.open(archive, info) as stream:
            while stream.read(READ_CHUNK):
                pass

    def _count(self, info: zipfile.ZipInfo, position: int) -> None:
        before = self.unpacked.get(info.filename, 0)
        if position > before:
            self.unpacked[info.filename] = position
            self.total += position - before
        self._judge(info, position, declared=False)
        if self.total > self.limits.max_bytes:
            raise DataError(self.file, Problem(
                "the {kind}'s parts unpack to more than {mb} MB together (reading stopped at '{part}')",
                expected=self._EXPECTED_SIZE, fix=self.fix,
                args={"kind": Text(self.kind), "mb": self.limits.max_uncompressed_mb, "part": info.filename}))

    def _judge(self, info: zipfile.ZipInfo, unpacked: int, declared: bool) -> None:
        packed = info.compress_size
        args = {"part": info.filename, "kind": Text(self.kind), "packed": _size(packed),
                "mb": self.limits.max_uncompressed_mb}
        if unpacked > self.limits.max_bytes:
            raise DataError(self.file, Problem(
                "'{part}' inside the {kind} declares that it unpacks to {size} (packed: {packed})" if declared else
                "'{part}' inside the {kind} unpacks to more than {size} (packed: {packed}); reading stopped there",
                expected=self._EXPECTED_SIZE, fix=self.fix,
                args={**args, "size": _size(unpacked if declared else self.limits.max_bytes)}))
        ratio = self.limits.max_compression_ratio
        if unpacked > RATIO_GRACE_BYTES and unpacked > ratio * max(packed, 1):
            raise DataError(self.file, Problem(
                ("'{part}' inside the {kind} declares that it unpacks to {size} from {packed} packed, "
                 "more than {ratio} times its packed size: real exports pack about 10 to 1, and a file packed "
                 "this tightly can fill the computer's memory") if declared else
                ("'{part}' inside the {kind} unpacks to more than {size} from {packed} packed, "
                 "more than {ratio} times its packed size: real exports pack about 10 to 1, and a file packed "
                 "this tightly can fill the computer's memory; reading stopped there"),
                expected="at most {ratio} times the packed size (limits.max_compression_ratio in params/study.yml)",
                fix="{fix}; if the file is genuine, raise limits.max_compression_ratio in params/study.yml",
                args={**args, "size": _size(unpacked), "ratio": ratio, "fix": Text(self.fix)}))

    _EXPECTED_SIZE = "at most {mb} MB unpacked (limits.max_uncompressed_mb in params/study.yml)"


class _Counted(io.RawIOBase):
    """A readable stream that reports its position after every read (the counter of :class:`_Unpacking`)."""

    def __init__(self, inner: IO[bytes], report: Callable[[int], None]) -> None:
        super().__init__()
        self.inner, self.report, self.position = inner, report, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.position += n
        self.report(self.position)
        return n

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.inner.close()
        super().close()


_ZIP_FIX = Text("check that this is the export you meant; a genuine one can be unzipped and the CSV file given "
            "itself, or the limit raised (limits.max_uncompressed_mb in params/study.yml)")
_WORKBOOK_FIX = Text("check that this is the export you meant; a genuine one can be saved from Excel as 'CSV UTF-8' "
                 "and that file given, or the limit raised (limits.max_uncompressed_mb in params/study.yml)")


def zip_directory_bytes(handle: IO[bytes]) -> int | None:
    """The size of a zip archive's directory as its end record states it, which is what zipfile reads.

    The end record is looked for as :mod:`zipfile` looks for it (the last signature in the
    file's last 64 kB), and a ZIP64 record just before it is read as zipfile reads it.
    None when there is no end record (zipfile then refuses the file itself).
    """
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(max(0, size - (22 + 0xFFFF)))
    tail = handle.read()
    handle.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    (directory,) = struct.unpack_from("<I", tail, at + 12)
    if at >= 76 and tail[at - 20:at - 16] == b"PK\x06\x07" and tail[at - 76:at - 72] == b"PK\x06\x06":
        (directory,) = struct.unpack_from("<Q", tail, at - 76 + 40)  # the ZIP64 end record's
    return int(directory)


def _check_directory(handle: IO[bytes], name: str, kind: str) -> None:
    """Refuse an archive whose directory passes :data:`MAX_ZIP_DIRECTORY`, before zipfile reads it."""
    directory = zip_directory_bytes(handle)
    if directory is not None and directory > MAX_ZIP_DIRECTORY:
        raise DataError(name, Problem(
            "the {kind}'s list of parts takes {size}, more than {mb} MB (hundreds "
            "of thousands of parts): an export, a workbook or its attachments list far fewer",
            fix="check that this is the file you meant; give the export itself, not an archive of many files",
            args={"kind": Text(kind), "size": _size(directory), "mb": MAX_ZIP_DIRECTORY >> 20}))


def _read_zip(handle: IO[bytes], name: str, score: Score, limits: Limits) -> RawTable:
    """ODK Central's ``.csv.zip``: the CSV inside whose header matches the form (repeats are others)."""
    unpacking = _Unpacking(name, Text("archive"), limits, _ZIP_FIX)
    _check_directory(handle, name, "archive")
    with zipfile.ZipFile(handle) as archive:
        members = [info for info in archive.infolist()
                   if info.filename.lower().endswith(DELIMITED) and not info.filename.startswith("__MACOSX/")
                   and not info.is_dir()]
        if not members:
            raise DataError(name, Problem("the zip archive holds no CSV file",
                                          fix="download the CSV export again, or unzip it and give the CSV file"))
        if len(members) > MAX_ZIP_CSV:
            raise DataError(name, Problem(
                "the zip archive holds {n} CSV files; an ODK Central export holds one for the form "
                "and one per repeat group (at most {most} are read)",
                fix="unzip it and give the CSV file of the form itself",
                args={"n": f"{len(members):,}", "most": MAX_ZIP_CSV}))
        unpacking.check_methods(members)
        scored = []
        for info in members:
            with unpacking.open(archive, info) as stream:
                raw = stream.read(HEAD_BYTES)
            try:
                text, _ = _decode(raw, name)
            except DataError:
                text = ""
            head = [line.replace(";", ",").replace("\t", ",").split(",") for line in text.splitlines()[:HEADER_SEARCH]]
            scored.append((_best_header(head, score, "CSV text")[1], info))
        _, info = max(scored, key=lambda item: item[0])
        unpacking.check_declared([info])
        member = info.filename
        fmt = FileFormat("CSV text in a zip archive", member=member if len(members) == 1 else
                         f"{member} (the one of {len(members)} CSV files whose header matches the form)")
        return _read_delimited(lambda: unpacking.open(archive, info), name, score, fmt)


# --------------------------------------------------------------------------- workbooks


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


def _read_workbook(handle: IO[bytes], name: str, score: Score, limits: Limits) -> RawTable:
    from openpyxl import load_workbook

    # Every part is unpacked through the counter before openpyxl reads any: openpyxl then
    # reads parts whose true sizes are known to be within the limits.
    unpacking = _Unpacking(name, Text("workbook"), limits, _WORKBOOK_FIX)
    _check_directory(handle, name, "workbook")
    with zipfile.ZipFile(handle) as archive:
        infos = archive.infolist()
        unpacking.check_declared(infos)
        for info in infos:
            unpacking.drain(archive, info)
    handle.seek(0)
    budget = max(CELLS_FLOOR, CELLS_PER_XML_BYTE * unpacking.total)
    # data_only: a formula's last computed value, as the partner sees it in Excel.
    workbook = load_workbook(handle, read_only=True, data_only=True)
    try:
        best = None
        for position, sheet in enumerate(workbook.worksheets, start=1):
            sheet.reset_dimensions()  # a sheet's declared size is not trusted (see _sheet_rows)
            head = [list(row) for row in _sheet_rows(sheet, name, budget, HEADER_SEARCH)]
            index, value = _best_header(head, score, "Excel workbook")
            if best is None or value > best[0]:
                best = (value, position, sheet, index, bool(head))
        if best is None:
            raise DataError(name, Problem("the workbook has no sheets", fix=_REEXPORT))
        _, position, sheet, index, filled = best
        if not filled:
            raise DataError(name, Problem("sheet '{sheet}' is empty", fix="export the responses again",
                                          args={"sheet": sheet.title}))
        fmt = FileFormat("Excel workbook", sheet=f"'{sheet.title}' (sheet {position} of {len(workbook.worksheets)})")
        records = ([cell_text(cell) for cell in row] for row in _sheet_rows(sheet, name, budget))
        return _table(name, records, index, fmt, "rows", pad=True)
    finally:
        workbook.close()


def _sheet_rows(sheet: Any, name: str, budget: int, max_row: int | None = None) -> Iterator[tuple[object, ...]]:
    """A sheet's rows (openpyxl's values), stopping a sheet that spreads beyond what its XML can hold.

    openpyxl pads every row to its last cell and yields an empty row for every row number
    skipped: a few cells at column XFD or row 1,048,576 would make billions of empty cells.
    """
    spent = 0
    for row in sheet.iter_rows(max_row=max_row, values_only=True):
        spent += max(len(row), 1)
        if spent > budget:
            raise DataError(name, Problem(
                "sheet '{sheet}' spreads over more than {budget} cells (rows reaching far to the right, "
                "or row numbers far below the data) while the workbook holds far fewer values: it is not a "
                "survey export as Excel or a survey tool writes one",
                fix="copy the responses into a new workbook (or save the sheet as 'CSV UTF-8') and give that file",
                args={"sheet": sheet.title, "budget": f"{budget:,}"}))
        yield row


# --------------------------------------------------------------------------- SPSS


def _read_spss(path: Path, limits: Limits) -> RawTable:
    """An SPSS file: values as text, system-missing and declared user-missing values as None.

    A ``.zsav`` is packed (zlib) and a ``.sav`` may be (bytecode): the cases the file declares
    are weighed against the limits before any is read, and the reading stops one case past
    what the limit holds, whatever the file declares.
    """
    import pyreadstat

    _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    case_bytes = max(1, sum(max(8, int(width or 0)) for width in (meta.variable_storage_width or {}).values()))
    most = limits.max_bytes // case_bytes
    declared = meta.number_rows if isinstance(meta.number_rows, int) and meta.number_rows >= 0 else None
    if declared is not None:
        _judge_cases(path, declared, case_bytes, limits)
    frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True, row_limit=most + 1)
    if len(frame) > most:
        _judge_cases(path, len(frame), case_bytes, limits)
    header = [str(column) for column in frame.columns]
    columns: list[list[str | None]] = []
    user_missing: dict[str, int] = {}
    for column in header:
        values = [cell_text(value) for value in frame[column].tolist()]
        ranges = (meta.missing_ranges or {}).get(column, [])
        if ranges:
            hits = 0
            for i, raw in enumerate(frame[column].tolist()):
                if values[i] is not None and any(_in_range(raw, r) for r in ranges):
                    values[i] = None
                    hits += 1
            if hits:
                user_missing[column] = hits
        columns.append(values)
    labels = {str(column): {cell_text(value) or "": str(label) for value, label in mapping.items()}
              for column, mapping in (meta.variable_value_labels or {}).items()}
    records = itertools.chain([header], zip(*columns, strict=True)) if columns else iter([header])
    table = _table(path.name, records, 0, FileFormat("SPSS data file"), "cases", first_number=0)
    table.format.header_row = None  # SPSS has variable names, not a header row
    table.value_labels = labels
    table.user_missing = user_missing
    strings = [c for c in header if (meta.readstat_variable_types or {}).get(c) == "string"]
    table.empty_strings = {c: n for c in strings if (n := int((frame[c] == "").sum()))}
    return table


def _judge_cases(path: Path, cases: int, case_bytes: int, limits: Limits) -> None:
    """Refuse an SPSS file whose cases unpack beyond the size limit, or far beyond its own size."""
    unpacked, packed = cases * case_bytes, max(path.stat().st_size, 1)
    ratio = limits.max_compression_ratio
    if unpacked > limits.max_bytes:
        raise DataError(path.name, Problem(
            "the SPSS file holds {cases} cases of {each} bytes each: {unpacked} unpacked (the file itself: {packed})",
            expected="at most {mb} MB unpacked (limits.max_uncompressed_mb in params/study.yml)",
            args={"cases": f"{cases:,}", "each": f"{case_bytes:,}", "unpacked": _size(unpacked), "packed": _size(packed),
                  "mb": limits.max_uncompressed_mb},
            fix="check that this is the export you meant; a genuine one can be saved from SPSS as an uncompressed "
                ".sav of the survey's cases only, or the limit raised (limits.max_uncompressed_mb in params/study.yml)"))
    if unpacked > RATIO_GRACE_BYTES and unpacked > ratio * packed:
        raise DataError(path.name, Problem(
            "the SPSS file declares {cases} cases of {each} bytes each: {unpacked} from "
            "{packed}, more than {ratio} times its own size (real exports pack about 10 to 1)",
            expected="at most {ratio} times the file's size (limits.max_compression_ratio in params/study.yml)",
            args={"cases": f"{cases:,}", "each": f"{case_bytes:,}", "unpacked": _size(unpacked), "packed": _size(packed),
                  "ratio": ratio},
            fix="export the data again from SPSS; if the file is genuine, raise limits.max_compression_ratio in "
                "params/study.yml"))


def _in_range(value: object, missing: dict[str, object]) -> bool:
    low, high = missing.get("lo"), missing.get("hi")
    try:
        return low <= value <= high  # type: ignore[operator]
    except TypeError:
        return value == low
