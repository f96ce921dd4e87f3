"""Delimited text exports: their encoding, line endings, separator and header row.

Purpose
    How :mod:`perspectives.rawtable` reads a CSV (or TSV) export as its author wrote it:
    the byte-order mark or, without one, UTF-8 or whichever of the study's two legacy code
    pages the letters show; every line read with a bound; and the separator that yields the
    form's header (the ``csv`` module's ``Sniffer`` proposes it). Kept apart because
    deciding the encoding is a rule of its own (:func:`decode` says why no detector is
    trusted), which the zip reader shares.

Inputs
    An opener of the file's bytes, its name, and a ``score`` that rates a header row.

Outputs
    :func:`read_delimited` (a :class:`~perspectives.rawtable_columns.RawTable`),
    :func:`decode` and :func:`best_header`.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
from collections.abc import Iterator, Sequence

from .problems import DataError, Problem
from .rawtable_columns import HEADER_SEARCH, READ_CHUNK, REEXPORT, FileFormat, Opener, RawTable, Score, build_table

SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
# A line of a CSV file is read whole before the parser sees it: a file of one 500 MB line held
# a gigabyte. Real lines hold a few kilobytes (a long answer may span several lines, quoted).
MAX_LINE_CHARS = 4 << 20




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


def decode(raw: bytes, name: str) -> tuple[str, str]:
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


def best_header(rows: Sequence[Sequence[object]], score: Score, kind: str) -> tuple[int, int]:
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


def read_delimited(open_bytes: Opener, name: str, score: Score, fmt: FileFormat) -> RawTable:
    """Delimited text: its encoding, line endings and separator recognised, and its table from the header row on."""
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
        index, value = best_header(_records(head_text, _dialect(delimiter)), score, fmt.kind)
        candidates.append((value, delimiter == sniffed, delimiter == ",", delimiter, index))
    _, _, _, delimiter, index = max(candidates, key=lambda c: c[:3])
    fmt.separator = f"{SEPARATORS[delimiter]} ('{delimiter}')" if delimiter != "\t" else "tab"
    with _text_stream(open_bytes, codec) as stream:
        return build_table(name, csv.reader(_bounded_lines(stream, name), _dialect(delimiter)), index, fmt, "rows")


def _bounded_lines(stream: io.TextIOWrapper, name: str) -> Iterator[str]:
    """The stream's lines, each read with a bound (:data:`MAX_LINE_CHARS`), never one unbounded string."""
    number = 0
    while line := stream.readline(MAX_LINE_CHARS):
        number += 1
        if len(line) == MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            raise DataError(name, Problem(
                "line {number} is longer than {millions} million characters without a line break: "
                "it is not a survey export (or its line breaks were lost)", fix=REEXPORT,
                args={"number": number, "millions": MAX_LINE_CHARS >> 20}))
        yield line


def _dialect(delimiter: str) -> type[csv.Dialect]:
    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    return Dialect
