"""The printed contents' page numbers: where each heading landed in the print, written into its entry.

Purpose
    Chromium has no CSS ``target-counter()``, so a report's contents cannot give the page of
    each heading as it prints. The standard way round is two passes (as Paged.js and
    WeasyPrint users do by hand): print, read where each heading landed, write the numbers
    into the contents, print again. The report's template leaves an empty slot at the end of
    each contents entry, naming the heading's id (:data:`CONTENTS_SLOT`); Chromium makes a
    named destination of every element a link points to, so the page of each heading is
    read from the print's destinations (:func:`destination_pages`, pikepdf) and written into
    the slots (:func:`fill_contents_pages`). :class:`perspectives.pdf.Printer` runs the passes;
    the assembler reads the same destinations to give Word's contents the PDF's pages.

Inputs
    The report's HTML bytes; a PDF's bytes.

Outputs
    The ids of the headings the contents list (:func:`contents_slots`), the HTML with their
    pages written in, each named destination's page.
"""

from __future__ import annotations

import html
import io
import re
from pathlib import Path
from typing import Any

__all__ = ["CONTENTS_PASSES", "CONTENTS_SLOT", "contents_slots", "destination_pages", "fill_contents_pages"]

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
