"""The printed contents' page numbers: where each heading landed in the print, written into its entry.

Purpose
    Chromium has no CSS ``target-counter()``, so a report's contents cannot give the page of
    each heading as it prints. The standard way round is two passes (as Paged.js and
    WeasyPrint users do by hand): print, read where each heading landed, write the numbers
    into the contents, print again. The report's template leaves an empty slot at the end of
    each contents entry, naming the heading's id (:data:`CONTENTS_SLOT`); Chromium makes a
    named destination of every element a link points to, so the page of each heading is
    read from the print's destinations (:func:`destination_pages`, pikepdf) and written into
    the slots (:func:`fill_contents_pages`). :class:`perspectives.pdf.Printer` runs the passes.
    The Word file's contents carry no pages: Word lays the pages out otherwise.

Inputs
    The report's HTML bytes; a PDF's bytes.

Outputs
    The ids of the headings the contents list (:func:`contents_slots`), the HTML with their
    pages written in, each named destination's page.
"""

from __future__ import annotations

import base64
import binascii
import functools
import html
import io
import re
import struct
import zlib
from pathlib import Path
from typing import Any

__all__ = ["CONTENTS_PASSES", "CONTENTS_SLOT", "contents_slots", "destination_pages", "fill_contents_pages", "layout_copy",
           "LAYOUT_PRINT"]

# Where a contents entry of the report's HTML (templates/report.html.j2) takes the page its
# heading starts on: an empty slot naming the heading's id, filled by the printer alone, since
# only the print knows the pages (the HTML on screen has none).
CONTENTS_SLOT = re.compile(rb'<span class="toc-page" data-page-of="([^"<>]*)"></span>')
# Prints of one page at most while its contents' page numbers settle (two, unless filling the
# numbers moved a heading to another page).
CONTENTS_PASSES = 3


def contents_slots(body: bytes) -> list[str]:
    """The ids of the headings whose pages a report's contents give, in the contents' order."""
    return [html.unescape(found.decode("utf-8")) for found in CONTENTS_SLOT.findall(body)]


def fill_contents_pages(body: bytes, pages: dict[str, int]) -> bytes:
    """``body`` with each contents slot holding its heading's page (left empty for a heading not found)."""
    def fill(found: re.Match[bytes]) -> bytes:
        page = pages.get(html.unescape(found.group(1).decode("utf-8")))
        return found.group(0) if page is None else found.group(0).replace(b"></span>", b">%d</span>" % page)

    return CONTENTS_SLOT.sub(fill, body)


def destination_pages(pdf: bytes) -> dict[str, int]:
    """The page (1 for the first) on which each named destination of ``pdf`` lies.

    Chromium names a destination after the ``id`` of each element a link of the page points
    to (the contents' entries point to their headings), in the catalogue's ``/Dests``
    dictionary; a name tree (``/Names /Dests``), as other writers make, is read too.

    Args:
        pdf: a PDF's bytes.

    Returns:
        Destination name (without its ``/``) -> page number, counted as the printed page
        numbers count (the cover is page 1).

    Raises:
        pikepdf.PdfError: ``pdf`` is not a readable PDF.
    """
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        numbers = {page.objgen: index for index, page in enumerate(document.pages, start=1)}
        root = document.Root
        named: list[tuple[str, Any]] = []
        if "/Dests" in root:
            named.extend((str(key).lstrip("/"), value) for key, value in root.Dests.items())
        if "/Names" in root and "/Dests" in root.Names:
            named.extend((str(key), value) for key, value in pikepdf.NameTree(root.Names.Dests).items())
        pages = {}
        for name, value in named:
            target = value.get("/D") if isinstance(value, pikepdf.Dictionary) else value
            if isinstance(target, pikepdf.Array) and len(target) and target[0].objgen in numbers:
                pages[name] = numbers[target[0].objgen]
        return pages


def previous_pages(pdf: Path) -> dict[str, int] | None:
    """The page each heading landed on in a report's previous PDF, or None (none there, or unreadable).

    The printer's first guess at the contents' numbers: an edited section seldom moves a
    heading, and where none moved one print gives the bytes two would (the numbers move
    nothing), so the previous file changes how often the page is printed, never the PDF.
    """
    try:
        return destination_pages(pdf.read_bytes())
    except Exception:  # noqa: BLE001 - only a guess: without it the page is printed twice
        return None


# The print options of a print made only to read where the headings land (the first of a page
# whose contents' numbers are not known yet), over the PDF's: no structure tree, no bookmarks,
# which move nothing on the page.
LAYOUT_PRINT = {"generateTaggedPDF": False, "generateDocumentOutline": False}
# A PNG embedded in the report's HTML (the charts), as the assembler writes it.
_PNG_SOURCE = re.compile(rb'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Bytes per pixel of each PNG colour type, at 8 bits a sample.
_SAMPLES = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def layout_copy(body: bytes) -> bytes:
    """``body`` with each embedded PNG blank: the page as it lays out, cheaper to print.

    A print made only to read where the headings land needs the page's layout, not its
    pictures: each chart keeps every chunk that sizes it (its header, its resolution), with
    its pixels all zero, which Chromium decodes and embeds in a fraction of the time. An image
    it cannot read so is left as it is.
    """
    return _PNG_SOURCE.sub(_blanked, body)


def _blanked(found: re.Match[bytes]) -> bytes:
    try:
        png = base64.b64decode(found.group(1), validate=True)
    except (binascii.Error, ValueError):
        return found.group(0)
    blank = _blank_png(png)
    return found.group(0) if blank is None else b'src="data:image/png;base64,' + base64.b64encode(blank) + b'"'


def _blank_png(png: bytes) -> bytes | None:
    """``png`` with its image data replaced by zero pixels, every other chunk kept; None if not a plain PNG."""
    if not png.startswith(_PNG_SIGNATURE):
        return None
    kept, at = [], len(_PNG_SIGNATURE)
    while at + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        chunk = png[at:at + 12 + length]
        if kind == b"IHDR":
            header = chunk[8:8 + length]
        if kind not in (b"IDAT", b"IEND"):
            kept.append(chunk)
        at += 12 + length
    if not kept or kept[0][4:8] != b"IHDR":
        return None
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header[:13])
    if interlace or colour not in _SAMPLES:
        return None
    row = 1 + (width * _SAMPLES[colour] * depth + 7) // 8  # a filter byte, then the row's samples
    return _PNG_SIGNATURE + b"".join(kept) + _zero_data(row, height) + _chunk(b"IEND", b"")


@functools.lru_cache(maxsize=64)
def _zero_data(row: int, height: int) -> bytes:
    return _chunk(b"IDAT", zlib.compress(bytes(row * height), 9))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
