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

Inputs
    A path and a ``score(cells, kind) -> int`` function that rates a candidate header row
    (:func:`perspectives.layouts.header_score`).

Outputs
    :class:`RawTable`: header cells, data rows as text (``None`` where the file itself says
    "no value": an empty workbook cell, SPSS system- or user-missing), the partner's row
    numbers, SPSS value labels, and :class:`FileFormat` (what was recognised). Problems
    raise :class:`~perspectives.problems.DataError`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .problems import DataError, Problem

# Rates a candidate header row (cells, file kind) by how many cells name the form's columns.
Score = Callable[[Sequence[object], str], int]

DELIMITED = (".csv", ".tsv", ".txt")
WORKBOOK = (".xlsx", ".xlsm")
SPSS = (".sav", ".zsav")
ZIPPED = (".zip",)
SUPPORTED = DELIMITED + WORKBOOK + SPSS + ZIPPED
# The header is looked for in the first rows only: a title or a note sits above it, data below.
HEADER_SEARCH = 20
SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
_REEXPORT = "open the file in the program that made it and export it again"


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
class RawTable:
    """The cells of an export, as text.

    Attributes:
        file: the file's name (never its folder).
        header: the header cells as written (empty string for an empty cell).
        rows: one list per data row, as long as the header; a cell is text or None.
        row_numbers: each data row's number as the partner's program shows it.
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
    rows: list[list[str | None]]
    row_numbers: list[int]
    row_word: str
    format: FileFormat
    empty_rows: list[int] = field(default_factory=list)
    empty_columns: int = 0
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    user_missing: dict[str, int] = field(default_factory=dict)
    empty_strings: dict[str, int] = field(default_factory=dict)


def read_raw(path: Path, score: Score) -> RawTable:
    """Open an export of any supported kind.

    Args:
        path: the export (``.csv``/``.tsv``/``.txt``, ``.zip``/``.csv.zip``, ``.xlsx``/``.xlsm``,
            ``.sav``/``.zsav``).
        score: rates a candidate header row by how many cells name the form's columns.

    Returns:
        The :class:`RawTable`.

    Raises:
        DataError: the file is missing, empty, of another type, not decodable, ragged, or
            the parser cannot read it; the message names the file and the fix.
    """
    path = Path(path)
    name = path.name
    if not path.exists():
        raise DataError(name, Problem("file not found", fix="check the path given on the command line"))
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DataError(name, Problem(f"unsupported file type '{suffix or '(none)'}'",
                                      expected=f"one of {', '.join(SUPPORTED)}",
                                      fix="export the survey as CSV, XLSX or SPSS .sav"))
    if path.stat().st_size == 0:
        raise DataError(name, Problem("the file is empty", fix="export the data again; the file has no rows"))
    try:
        if suffix in DELIMITED:
            table = _read_delimited(path.read_bytes(), name, score, FileFormat("CSV text"))
        elif suffix in ZIPPED:
            table = _read_zip(path, score)
        elif suffix in WORKBOOK:
            table = _read_workbook(path, score)
        else:
            table = _read_spss(path)
    except DataError:
        raise
    except Exception as error:  # a parser's own words are the best description of a broken file
        raise DataError(name, Problem(f"the file could not be read as {suffix} ({type(error).__name__}: {error})",
                                      fix=_REEXPORT)) from error
    if not table.rows:
        raise DataError(name, Problem("the file has a header but no responses",
                                      fix="export the responses, not only the form"))
    return table


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


def _decode(raw: bytes, name: str) -> tuple[str, str]:
    """Text of a CSV export and the name of its encoding.

    A byte-order mark decides (UTF-8, UTF-16, UTF-32); then strict UTF-8; then one of the
    study's legacy code pages. Single-byte code pages decode any bytes, and detectors
    (charset-normalizer 3.x included, measured on the study's Albanian and Spanish text)
    mistake Windows-1252 for Windows-1250 on short texts, so we pick the code page under
    which the text holds more letters of the study's languages and refuse a tie between two
    different readings rather than guess.
    """
    for bom, codec, label in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec), label
            except UnicodeDecodeError as error:
                raise DataError(name, Problem(f"the file starts with a {label} but is not valid {codec} text "
                                              f"({error.reason} at byte {error.start})",
                                              fix="save the export again as 'CSV UTF-8'")) from error
    # Zero bytes never occur in text; they are valid UTF-8 all the same, so look first.
    if b"\x00" in raw[:4096]:
        raise DataError(name, Problem("the file holds zero bytes between its letters: UTF-16 text without a "
                                      "byte-order mark, or not text at all",
                                      fix="save the export as 'CSV UTF-8' (or as UTF-16 with a byte-order mark)"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        # Plain ASCII reads the same in UTF-8 and both code pages: say so rather than claim UTF-8.
        return text, "UTF-8" if not text.isascii() else "ASCII (the same in UTF-8 and Windows-1250/1252)"
    readings = {}
    for encoding, letters in _LETTERS.items():
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        readings[encoding] = (sum(ch in letters for ch in text), text)
    if not readings:
        raise DataError(name, Problem("the file is neither UTF-8 nor Windows-1252/1250 text",
                                      fix="save the export as 'CSV UTF-8' and try again"))
    ranked = sorted(readings.items(), key=lambda item: -item[1][0])
    if len(ranked) > 1 and ranked[0][1][0] == ranked[1][1][0] and ranked[0][1][1] != ranked[1][1][1]:
        raise DataError(name, Problem("the file is not UTF-8, and Windows-1252 and Windows-1250 read its "
                                      "letters equally well, so its accented letters cannot be told apart",
                                      fix="save the export as 'CSV UTF-8' and try again"))
    return ranked[0][1][1], _CODE_PAGE_NAMES[ranked[0][0]]


def _line_endings(text: str) -> str:
    crlf = text.count("\r\n")
    if crlf:
        return "CRLF (Windows)"
    return "CR (old Mac)" if "\r" in text else "LF"


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


def _read_delimited(raw: bytes, name: str, score: Score, fmt: FileFormat) -> RawTable:
    text, encoding = _decode(raw, name)
    fmt.encoding = encoding
    fmt.line_endings = _line_endings(text)
    sample = text[:65536]
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
    records = _records(text, _dialect(delimiter))
    fmt.separator = f"{SEPARATORS[delimiter]} ('{delimiter}')" if delimiter != "\t" else "tab"
    return _table(name, records, index, fmt, "rows")


def _dialect(delimiter: str) -> type[csv.Dialect]:
    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    return Dialect


def _table(name: str, records: list[list[object]], header_index: int, fmt: FileFormat, row_word: str,
           first_number: int = 1) -> RawTable:
    """Split records into header and data; drop empty rows and empty columns; refuse ragged rows."""
    header = ["" if cell is None else str(cell) for cell in records[header_index]]
    fmt.header_row = header_index + first_number
    fmt.skipped_above = header_index
    rows, numbers, empty, ragged = [], [], [], []
    for offset, record in enumerate(records[header_index + 1:], start=header_index + 1):
        number = offset + first_number
        if all(cell is None or (isinstance(cell, str) and cell.strip() == "") for cell in record):
            empty.append(number)
            continue
        if len(record) != len(header):
            ragged.append((number, len(record)))
            continue
        rows.append([None if cell is None else str(cell) for cell in record])
        numbers.append(number)
    if ragged:
        counts = sorted({n for _, n in ragged})
        raise DataError(name, Problem(
            problem=f"{len(ragged)} row(s) have {', '.join(map(str, counts))} fields where the header has "
                    f"{len(header)}: a value was cut, an extra separator was typed, or a line was broken",
            rows=[number for number, _ in ragged], row_word=row_word,
            expected=f"{len(header)} fields on every row",
            fix="open the file in a spreadsheet, correct those rows (look for a separator inside an unquoted "
                "answer or a row that was cut short) and save it again"))
    # Columns with neither header nor value (a spreadsheet's formatted but unused columns).
    keep = [i for i, cell in enumerate(header) if cell.strip() or any(row[i] not in (None, "") for row in rows)]
    dropped = len(header) - len(keep)
    if dropped:
        header = [header[i] for i in keep]
        rows = [[row[i] for i in keep] for row in rows]
    return RawTable(name, header, rows, numbers, row_word, fmt, empty_rows=empty, empty_columns=dropped)


def _read_zip(path: Path, score: Score) -> RawTable:
    """ODK Central's ``.csv.zip``: the CSV inside whose header matches the form (repeats are others)."""
    name = path.name
    with zipfile.ZipFile(path) as archive:
        members = [m for m in archive.namelist()
                   if m.lower().endswith(DELIMITED) and not m.startswith("__MACOSX/") and not m.endswith("/")]
        if not members:
            raise DataError(name, Problem("the zip archive holds no CSV file",
                                          fix="download the CSV export again, or unzip it and give the CSV file"))
        scored = []
        for member in members:
            raw = archive.read(member)
            try:
                text, _ = _decode(raw[:65536], name)
            except DataError:
                text = ""
            head = [line.replace(";", ",").replace("\t", ",").split(",") for line in text.splitlines()[:HEADER_SEARCH]]
            scored.append((_best_header(head, score, "CSV text")[1], member, raw))
        value, member, raw = max(scored, key=lambda item: item[0])
    fmt = FileFormat("CSV text in a zip archive", member=member if len(members) == 1 else
                     f"{member} (the one of {len(members)} CSV files whose header matches the form)")
    return _read_delimited(raw, name, score, fmt)


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


def _read_workbook(path: Path, score: Score) -> RawTable:
    from openpyxl import load_workbook

    name = path.name
    # data_only: a formula's last computed value, as the partner sees it in Excel.
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        best = None
        for position, sheet in enumerate(workbook.worksheets, start=1):
            head = [list(row) for row in sheet.iter_rows(max_row=HEADER_SEARCH, values_only=True)]
            index, value = _best_header(head, score, "Excel workbook")
            if best is None or value > best[0]:
                best = (value, position, sheet, index)
        if best is None:
            raise DataError(name, Problem("the workbook has no sheets", fix=_REEXPORT))
        _, position, sheet, index = best
        records = [list(row) for row in sheet.iter_rows(values_only=True)]
        count = len(workbook.worksheets)
    finally:
        workbook.close()
    if not records:
        raise DataError(name, Problem(f"sheet '{sheet.title}' is empty", fix="export the responses again"))
    width = max(len(row) for row in records)
    records = [[cell_text(cell) for cell in row] + [None] * (width - len(row)) for row in records]
    fmt = FileFormat("Excel workbook", sheet=f"'{sheet.title}' (sheet {position} of {count})")
    return _table(name, records, index, fmt, "rows")


# --------------------------------------------------------------------------- SPSS


def _read_spss(path: Path) -> RawTable:
    """An SPSS file: values as text, system-missing and declared user-missing values as None."""
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True)
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
    rows = [list(row) for row in zip(*columns, strict=True)] if columns else []
    labels = {str(column): {cell_text(value) or "": str(label) for value, label in mapping.items()}
              for column, mapping in (meta.variable_value_labels or {}).items()}
    records: list[list[object]] = [header, *rows]
    table = _table(path.name, records, 0, FileFormat("SPSS data file"), "cases", first_number=0)
    table.format.header_row = None  # SPSS has variable names, not a header row
    table.value_labels = labels
    table.user_missing = user_missing
    strings = [c for c in header if (meta.readstat_variable_types or {}).get(c) == "string"]
    table.empty_strings = {c: n for c in strings if (n := int((frame[c] == "").sum()))}
    return table


def _in_range(value: object, missing: dict[str, object]) -> bool:
    low, high = missing.get("lo"), missing.get("hi")
    try:
        return low <= value <= high  # type: ignore[operator]
    except TypeError:
        return value == low
