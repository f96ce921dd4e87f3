"""Zip archives and Excel workbooks: unpacked through a counter, and their table found.

Purpose
    How :mod:`perspectives.rawtable` reads the ``.csv.zip`` ODK Central downloads and Excel
    workbooks (a workbook is a zip of XML parts): every part is unpacked through a counter
    that refuses a part or a total beyond the :class:`~perspectives.rawtable_columns.Limits`,
    or packed more tightly than real exports are, as soon as the counter passes the limit;
    an archive's directory is bounded before it is read; a sheet's declared dimensions are
    ignored. Kept apart because an archive is the part of a partner's file that can unpack
    to far more than it weighs.

Inputs
    An open binary file, its name, a ``score`` that rates a header row, and the limits.

Outputs
    :func:`read_zip`, :func:`read_workbook` (each a
    :class:`~perspectives.rawtable_columns.RawTable`), :func:`zip_directory_bytes` and
    :func:`check_directory`.
"""

from __future__ import annotations

import contextlib
import decimal
import io
import itertools
import math
import os
import re
import struct
import zipfile
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any

from .problems import DataError, Problem, Text, column_letter
from .rawtable_columns import (
    DELIMITED,
    HEADER_SEARCH,
    READ_CHUNK,
    REEXPORT,
    FileFormat,
    Limits,
    RawTable,
    Score,
    build_table,
    cell_text,
)
from .rawtable_text import best_header, decode, read_delimited

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
# A zip archive's directory (its list of parts) is read whole, and each part costs the reader
# about a kilobyte: an archive of a million empty parts took a gigabyte before any check. An
# export, a workbook or a project lists a few parts (media attachments: thousands at most).
MAX_ZIP_DIRECTORY = 8 << 20
# The CSV files of an ODK Central archive: the form's, and one per repeat group.
MAX_ZIP_CSV = 100
# A cell's formula element in a worksheet's XML (<f>, <f t="shared" ...>, <x:f/> with a prefix).
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")


def readable_size(n: float) -> str:
    """A byte count as people read it: 612 KB, 5.8 MB, 1.2 GB."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{int(n)} bytes"


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
        self.formulas = False  # whether a worksheet part holds a formula (see drain)

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
                args={"kind": Text(self.kind), "size": readable_size(total), "mb": self.limits.max_uncompressed_mb}))

    def open(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
        """The part as a binary stream whose every read is counted."""
        return io.BufferedReader(_Counted(archive.open(info), lambda position: self._count(info, position)),
                                 buffer_size=READ_CHUNK)

    def drain(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        """Unpack a whole part through the counter, keeping nothing but whether a sheet holds a formula."""
        sheet = info.filename.lower().endswith(".xml") and "worksheets/" in info.filename.lower()
        tail = b""
        with self.open(archive, info) as stream:
            while chunk := stream.read(READ_CHUNK):
                if sheet and not self.formulas:
                    self.formulas = _FORMULA_TAG.search(tail + chunk) is not None
                    tail = chunk[-16:]

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
        args = {"part": info.filename, "kind": Text(self.kind), "packed": readable_size(packed),
                "mb": self.limits.max_uncompressed_mb}
        if unpacked > self.limits.max_bytes:
            raise DataError(self.file, Problem(
                "'{part}' inside the {kind} declares that it unpacks to {size} (packed: {packed})" if declared else
                "'{part}' inside the {kind} unpacks to more than {size} (packed: {packed}); reading stopped there",
                expected=self._EXPECTED_SIZE, fix=self.fix,
                args={**args, "size": readable_size(unpacked if declared else self.limits.max_bytes)}))
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
                args={**args, "size": readable_size(unpacked), "ratio": ratio, "fix": Text(self.fix)}))

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


def check_directory(handle: IO[bytes], name: str, kind: str) -> None:
    """Refuse an archive whose directory passes :data:`MAX_ZIP_DIRECTORY`, before zipfile reads it."""
    directory = zip_directory_bytes(handle)
    if directory is not None and directory > MAX_ZIP_DIRECTORY:
        raise DataError(name, Problem(
            "the {kind}'s list of parts takes {size}, more than {mb} MB (hundreds "
            "of thousands of parts): an export, a workbook or its attachments list far fewer",
            fix="check that this is the file you meant; give the export itself, not an archive of many files",
            args={"kind": Text(kind), "size": readable_size(directory), "mb": MAX_ZIP_DIRECTORY >> 20}))


def read_zip(handle: IO[bytes], name: str, score: Score, limits: Limits) -> RawTable:
    """ODK Central's ``.csv.zip``: the CSV inside whose header matches the form (repeats are others)."""
    unpacking = _Unpacking(name, Text("archive"), limits, _ZIP_FIX)
    check_directory(handle, name, "archive")
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
                text, _ = decode(raw, name)
            except DataError:
                text = ""
            head = [line.replace(";", ",").replace("\t", ",").split(",") for line in text.splitlines()[:HEADER_SEARCH]]
            scored.append((best_header(head, score, "CSV text")[1], info))
        _, info = max(scored, key=lambda item: item[0])
        _refuse_two_tables(name, [(value, member.filename) for value, member in scored], _TWO_MEMBERS)
        unpacking.check_declared([info])
        member = info.filename
        fmt = FileFormat("CSV text in a zip archive", member=member if len(members) == 1 else
                         f"{member} (the one of {len(members)} CSV files whose header matches the form)")
        return read_delimited(lambda: unpacking.open(archive, info), name, score, fmt)


# --------------------------------------------------------------------------- two tables of the form

_TWO_MEMBERS = (
    Text("CSV files"),
    Text("put the responses into one CSV file under one header (the rows of the second file pasted below "
         "the first's, without its header row), or give each file on its own: unzip the archive and check and "
         "build each CSV file separately"),
)
_TWO_SHEETS = (
    Text("sheets"),
    Text("put the responses into one sheet under one header (the rows of the other sheets pasted below the "
         "first's, without their header rows) and delete the other copies, or save each sheet as its own file "
         "and check and build each separately"),
)


def _refuse_two_tables(name: str, scored: Sequence[tuple[int, str]], words: tuple[Text, Text]) -> None:
    """Refuse a file in which more than one table (sheet or archive member) carries the form's header.

    A table carries the form's header when its best header row names at least half as many
    of the form's columns as the best table's does: an ODK repeat group's CSV or a Kobo
    repeat sheet names a handful of tool columns and none of the form's questions, while a
    second wave of responses, or the same form exported twice, names them all. Reading one
    such table would drop the other's responses without a word, and reading both would
    guess how the partner meant them to go together (two waves, or one export twice).

    Args:
        name: the file's name.
        scored: (header score, sheet title or member name) per table, in the file's order.
        words: what the tables are called and the fix.
    """
    best = max((value for value, _ in scored), default=0)
    matching = [table for value, table in scored if best and 2 * value >= best]
    if len(matching) < 2:
        return
    what, fix = words
    raise DataError(name, Problem(
        "{n} {what} carry the form's header and hold responses: {tables}; only one is read, so the "
        "responses of the others would be left out without a word",
        expected="the responses in one table under the form's header",
        fix=fix, values=matching,
        args={"n": len(matching), "what": what, "tables": ", ".join(f"'{table}'" for table in matching)}))


# --------------------------------------------------------------------------- workbooks


def read_workbook(handle: IO[bytes], name: str, score: Score, limits: Limits) -> RawTable:
    """An Excel workbook: the sheet whose header row is the form's, its cells as text."""
    from openpyxl import load_workbook

    # Every part is unpacked through the counter before openpyxl reads any: openpyxl then
    # reads parts whose true sizes are known to be within the limits.
    unpacking = _Unpacking(name, Text("workbook"), limits, _WORKBOOK_FIX)
    check_directory(handle, name, "workbook")
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
        best, scored = None, []
        for position, sheet in enumerate(workbook.worksheets, start=1):
            sheet.reset_dimensions()  # a sheet's declared size is not trusted (see _sheet_rows)
            head = [list(row) for row in _sheet_rows(sheet, name, budget, HEADER_SEARCH)]
            index, value = best_header(head, score, "Excel workbook")
            scored.append((value if len(head) > index + 1 else 0, sheet.title))  # a header without rows holds none
            if best is None or value > best[0]:
                best = (value, position, sheet, index, bool(head))
        if best is None:
            raise DataError(name, Problem("the workbook has no sheets", fix=REEXPORT))
        _refuse_two_tables(name, scored, _TWO_SHEETS)
        _, position, sheet, index, filled = best
        if not filled:
            raise DataError(name, Problem("sheet '{sheet}' is empty", fix="export the responses again",
                                          args={"sheet": sheet.title}))
        fmt = FileFormat("Excel workbook", sheet=f"'{sheet.title}' (sheet {position} of {len(workbook.worksheets)})")
        formulas = _Formulas(handle, position, sheet.title, name, budget) if unpacking.formulas else None
        rows = _sheet_rows(sheet, name, budget)
        records = ([cell_text(cell) for cell in row] for row in (formulas.follow(rows) if formulas else rows))
        table = build_table(name, records, index, fmt, "rows", pad=True)
        if formulas:
            formulas.judge(table, index)
        return table
    finally:
        workbook.close()


class _Formulas:
    """A sheet's formula cells, read beside its values: refused without a saved value, counted with one.

    A workbook stores a formula and, once a spreadsheet program has computed it, the value it
    computed. A file written by a program that computes nothing (openpyxl, R's openxlsx or
    writexl, pandas) holds the formula alone, and Excel shows its result only when it opens
    the file: read for its value, such a cell is empty, an answer lost. A formula with its
    saved value is read as that value, the one the partner saw in the sheet, and counted.
    The sheet is read a second time, formulas as written, row beside row; only when a part of
    the workbook holds a formula at all.

    openpyxl reads a formula whose saved value is empty text (``=IF(A2="", "", A2)`` on an
    empty ``A2``) as None, as it reads one without a saved value. The sheet's XML tells them
    apart (:func:`_saved_empty_text`): such a formula is read as an empty answer, and counted.
    """

    def __init__(self, handle: IO[bytes], position: int, title: str, name: str, budget: int) -> None:
        from openpyxl import load_workbook

        handle.seek(0)
        self.handle = handle
        self.workbook = load_workbook(handle, read_only=True, data_only=False)
        self.sheet = self.workbook.worksheets[position - 1]
        # The sheet's part in the workbook's archive, where an empty saved value can be told
        # from none (openpyxl keeps it on the read-only sheet; None: not known, nothing is read so).
        self.part: str | None = getattr(self.sheet, "_worksheet_path", None)
        self.sheet.reset_dimensions()
        self.title, self.name, self.budget = title, name, budget
        self.head: list[tuple[object, ...]] = []  # the rows a header is looked for in
        self.unsaved: dict[int, list[int]] = {}  # column index -> offsets (record numbers) of the rows
        self.saved: dict[int, list[int]] = {}  # column index -> offsets of formulas read as their saved value

    def follow(self, rows: Iterator[tuple[object, ...]]) -> Iterator[tuple[object, ...]]:
        """The sheet's rows of values, unchanged, noting each formula cell beside them."""
        try:
            written = _sheet_rows(self.sheet, self.name, self.budget)
            for offset, (values, formulas) in enumerate(itertools.zip_longest(rows, written, fillvalue=())):
                if offset < HEADER_SEARCH:
                    self.head.append(values)
                for column, (value, formula) in enumerate(itertools.zip_longest(values, formulas)):
                    if formula is not None and formula != value:
                        (self.unsaved if value is None else self.saved).setdefault(column, []).append(offset)
                yield values
        finally:
            self.workbook.close()

    def judge(self, table: RawTable, header_index: int) -> None:
        """Refuse the formulas without a saved value (naming column and rows); count the others."""
        below = header_index + 1  # formulas in the header or above it (a title) hold no answer
        head = self.head[header_index] if header_index < len(self.head) else ()
        names = {i: str(cell).strip() for i, cell in enumerate(head) if cell is not None and str(cell).strip()}
        self._read_empty_text(below)
        unsaved = {column: [offset + 1 for offset in offsets if offset >= below]
                   for column, offsets in sorted(self.unsaved.items())}
        problems = [Problem(
            "{n} cell(s) of sheet '{sheet}' hold a formula without its computed value: the workbook was written "
            "by a program that does not compute formulas (a script, R or pandas), so these answers would read "
            "as empty",
            column=names.get(column, column_letter(column)), rows=rows,
            expected="each answer as a value (or a formula with the value a spreadsheet program computed and saved)",
            fix="open the workbook in Excel or LibreOffice and save it again (that stores each formula's value), "
                "or copy the column and paste it as values",
            args={"n": len(rows), "sheet": self.title})
            for column, rows in unsaved.items() if rows]
        if problems:
            raise DataError(self.name, problems)
        table.formula_values = {names.get(column, column_letter(column)): n for column, offsets in self.saved.items()
                                if (n := sum(1 for offset in offsets if offset >= below))}


    def _read_empty_text(self, below: int) -> None:
        """Move the formulas whose saved value is empty text from the unsaved to the saved ones."""
        wanted = {(offset + 1, column + 1) for column, offsets in self.unsaved.items() for offset in offsets
                  if offset >= below}
        if not wanted or self.part is None:
            return
        self.handle.seek(0)
        with zipfile.ZipFile(self.handle) as archive, archive.open(self.part) as source:
            empty = _saved_empty_text(source, wanted)
        for column, offsets in list(self.unsaved.items()):
            moved = [offset for offset in offsets if (offset + 1, column + 1) in empty]
            if moved:
                self.saved.setdefault(column, []).extend(moved)
                self.unsaved[column] = [offset for offset in offsets if (offset + 1, column + 1) not in empty]


_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _saved_empty_text(source: IO[bytes], wanted: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """The cells among ``wanted`` (row, column, from 1) whose formula's saved value is empty text.

    Excel and LibreOffice save a formula whose result is text with ``t="str"`` and the text in
    ``<v>``, empty for empty text: ``<c r="B2" t="str"><f>IF(A2="","",A2)</f><v></v></c>``.
    A formula never computed has no ``<v>``, or (as openpyxl writes it) an empty ``<v>`` with no
    ``t="str"``: an empty number is no value. Cells without a reference are placed as openpyxl
    places them (the next column, the next row).
    """
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.xml.functions import iterparse  # the parser openpyxl reads the sheet with

    found: set[tuple[int, int]] = set()
    row = column = 0
    for event, element in iterparse(source, events=("start", "end")):
        if element.tag == f"{_SHEET_NS}row" and event == "start":
            row = int(element.get("r") or row + 1)
            column = 0
        elif element.tag == f"{_SHEET_NS}c" and event == "end":
            reference = element.get("r")
            if reference:
                row, column = coordinate_to_tuple(reference)
            else:
                column += 1
            if ((row, column) in wanted and element.get("t") == "str" and element.find(f"{_SHEET_NS}f") is not None
                    and element.find(f"{_SHEET_NS}v") is not None):
                found.add((row, column))
            element.clear()
        elif element.tag == f"{_SHEET_NS}row" and event == "end":
            element.clear()
    return found


_LITERAL_IN_FORMAT = re.compile(r'"[^"]*"|\\.')


def shown_value(cell: Any) -> object:
    """A workbook cell's value, or the text the sheet shows where its number is formatted as a percentage.

    Typing "100%" in Excel stores the number 1 under the format ``0%``: every reader of the
    sheet sees 100%, the raw value is 1. Neither is the answer's own number without a guess
    at what its author meant (a share of 100, or of 1), so the cell is read as it is shown,
    "100%", and the answer checks refuse it as they refuse the same text in a CSV (naming
    file, question, rows and fix). Any other cell is its value as openpyxl reads it.

    Args:
        cell: an openpyxl cell of a read-only sheet (an empty one has no number format).
    """
    value = getattr(cell, "value", cell)
    # A "%" quoted or escaped in the format is printed as it is; only a bare one multiplies by 100.
    number_format = _LITERAL_IN_FORMAT.sub("", str(getattr(cell, "number_format", "") or ""))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or "%" not in number_format:
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return value
    shown = decimal.Decimal(repr(value)).scaleb(2).normalize()
    return f"{shown:f}%"


def _sheet_rows(sheet: Any, name: str, budget: int, max_row: int | None = None) -> Iterator[tuple[object, ...]]:
    """A sheet's rows (openpyxl's values), stopping a sheet that spreads beyond what its XML can hold.

    openpyxl pads every row to its last cell and yields an empty row for every row number
    skipped: a few cells at column XFD or row 1,048,576 would make billions of empty cells.
    """
    spent = 0
    for cells in sheet.iter_rows(max_row=max_row):
        row = tuple(shown_value(cell) for cell in cells)
        spent += max(len(row), 1)
        if spent > budget:
            raise DataError(name, Problem(
                "sheet '{sheet}' spreads over more than {budget} cells (rows reaching far to the right, "
                "or row numbers far below the data) while the workbook holds far fewer values: it is not a "
                "survey export as Excel or a survey tool writes one",
                fix="copy the responses into a new workbook (or save the sheet as 'CSV UTF-8') and give that file",
                args={"sheet": sheet.title, "budget": f"{budget:,}"}))
        yield row
