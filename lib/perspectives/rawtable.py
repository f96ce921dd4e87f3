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
    :func:`perspectives.rawtable_text.decode` for why a detector is not trusted with that).

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

Where the parts live
    This module checks the path, picks the reader by the file's kind and reads SPSS files;
    ``rawtable_text`` reads delimited text (encoding, line endings, separator, header row);
    ``rawtable_archives`` reads zip archives and workbooks through the unpacking counter;
    ``rawtable_columns`` holds the table they all fill, its columns and the limits.
"""

from __future__ import annotations

import itertools
import os
import stat
from pathlib import Path
from typing import IO

from .problems import DataError, Problem, Text
from .rawtable_archives import RATIO_GRACE_BYTES, read_workbook, read_zip, readable_size
from .rawtable_columns import (
    DELIMITED,
    REEXPORT,
    SUPPORTED,
    WORKBOOK,
    ZIPPED,
    Column,
    FileFormat,
    Limits,
    Opener,
    RawTable,
    Score,
    build_table,
    cell_text,
)
from .rawtable_text import read_delimited

# RawTable, Column, FileFormat and Limits live in rawtable_columns; they stay names of this
# module's public API because read_raw's inputs and outputs are described by them.
__all__ = ["Column", "FileFormat", "Limits", "RawTable", "path_problem", "read_raw"]
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
                table = read_delimited(_reopener(handle), name, score, FileFormat("CSV text"))
            elif suffix in ZIPPED:
                table = read_zip(handle, name, score, limits)
            elif suffix in WORKBOOK:
                table = read_workbook(handle, name, score, limits)
            else:
                table = _read_spss(path, limits)
        except DataError:
            raise
        except Exception as error:  # a parser's own words are the best description of a broken file
            raise DataError(name, Problem("the file could not be read as {suffix} ({error})", fix=REEXPORT,
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
    table = build_table(path.name, records, 0, FileFormat("SPSS data file"), "cases", first_number=0)
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
            args={"cases": f"{cases:,}", "each": f"{case_bytes:,}", "unpacked": readable_size(unpacked), "packed": readable_size(packed),
                  "mb": limits.max_uncompressed_mb},
            fix="check that this is the export you meant; a genuine one can be saved from SPSS as an uncompressed "
                ".sav of the survey's cases only, or the limit raised (limits.max_uncompressed_mb in params/study.yml)"))
    if unpacked > RATIO_GRACE_BYTES and unpacked > ratio * packed:
        raise DataError(path.name, Problem(
            "the SPSS file declares {cases} cases of {each} bytes each: {unpacked} from "
            "{packed}, more than {ratio} times its own size (real exports pack about 10 to 1)",
            expected="at most {ratio} times the file's size (limits.max_compression_ratio in params/study.yml)",
            args={"cases": f"{cases:,}", "each": f"{case_bytes:,}", "unpacked": readable_size(unpacked), "packed": readable_size(packed),
                  "ratio": ratio},
            fix="export the data again from SPSS; if the file is genuine, raise limits.max_compression_ratio in "
                "params/study.yml"))


def _in_range(value: object, missing: dict[str, object]) -> bool:
    low, high = missing.get("lo"), missing.get("hi")
    try:
        return low <= value <= high  # type: ignore[operator]
    except TypeError:
        return value == low
