"""The text a PDF shows, read with pikepdf (no other PDF tool needed), for tests.

Chromium writes text with embedded font subsets whose ``/ToUnicode`` maps turn glyph codes
back into characters; the text-showing operators of each page's content are decoded through
them. Glyphs are shown one run at a time, so words may come out split by spaces: compare
with :func:`squeezed`, which drops all white space and spells ligatures out.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pikepdf

_HEX_PAIR = re.compile(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_RANGE = re.compile(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]+>)")


def _unicode(hex_text: str) -> str:
    return bytes.fromhex(hex_text).decode("utf-16-be", "replace")


def _to_unicode(stream: Any) -> dict[int, str]:
    """A ``/ToUnicode`` CMap (its ``bfchar`` and ``bfrange`` entries) as code -> text."""
    text = stream.read_bytes().decode("latin-1")
    table: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for code, target in _HEX_PAIR.findall(block):
            table[int(code, 16)] = _unicode(target)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for low, high, target in _RANGE.findall(block):
            first, last = int(low, 16), int(high, 16)
            if target.startswith("["):
                for offset, item in enumerate(re.findall(r"<([0-9A-Fa-f]+)>", target)):
                    table[first + offset] = _unicode(item)
            else:
                start = bytes.fromhex(target[1:-1])
                base = int.from_bytes(start, "big")
                for offset in range(last - first + 1):
                    table[first + offset] = _unicode((base + offset).to_bytes(len(start), "big").hex())
    return table


def pdf_text(path: Path) -> str:
    """The text of every page of the PDF at ``path``, in content order."""
    out: list[str] = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            fonts = page.Resources.get("/Font", pikepdf.Dictionary())
            maps = {str(name): (_to_unicode(font.ToUnicode) if "/ToUnicode" in font else {},
                                2 if font.get("/Subtype") == pikepdf.Name.Type0 else 1)
                    for name, font in fonts.items()}
            table, width = {}, 1
            for operands, operator in pikepdf.parse_content_stream(page, "Tf Tj TJ ' \""):
                if str(operator) == "Tf":
                    table, width = maps.get(str(operands[0]), ({}, 1))
                    continue
                shown = operands[0] if str(operator) == "TJ" else [operands[-1]]
                for item in shown:
                    if isinstance(item, pikepdf.String):
                        raw = bytes(item)
                        out.append("".join(table.get(int.from_bytes(raw[i:i + width], "big"), "")
                                           for i in range(0, len(raw), width)))
                out.append(" ")
    return "".join(out)


def squeezed(text: str) -> str:
    """``text`` without any white space, its ligatures (``ﬁ``) spelled out (NFKC)."""
    return "".join(unicodedata.normalize("NFKC", text).split())


_HEADINGS = frozenset({"/H", "/H1", "/H2", "/H3", "/H4", "/H5", "/H6"})


def _marked_leaves(element: Any, page: Any, pages: dict[Any, int], out: list[tuple[str, int]],
                   owner: str = "") -> None:
    """Each struct element's marked content, in reading order, as (tag, page number).

    Chromium wraps a block's runs of text in ``/NonStruct`` elements: their content counts as
    the block's (``owner``), so that a heading's text is the heading's.
    """
    page = element.get("/Pg", page)
    kids = element.get("/K")
    if kids is None:
        return
    kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    tag = str(element.get("/S", ""))
    tag = owner if tag in {"/NonStruct", "/Span"} and owner else tag
    for kid in kids:
        if isinstance(kid, int):  # a marked-content id on the element's page
            out.append((tag, pages.get(page.objgen, 0) if page is not None else 0))
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            on = kid.get("/Pg", page)
            out.append((tag, pages.get(on.objgen, 0) if on is not None else 0))
        elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            _marked_leaves(kid, page, pages, out, tag)


def stranded_headings(path: Path) -> list[tuple[str, int]]:
    """The headings a tagged PDF leaves as the last content of their page, as (tag, page).

    Read from the structure tree (the reading order a screen reader follows): a heading whose
    next tagged content lies on a later page stands alone at the foot of its page.
    """
    with pikepdf.open(path) as document:
        pages = {page.obj.objgen: number for number, page in enumerate(document.pages, 1)}
        leaves: list[tuple[str, int]] = []
        _marked_leaves(document.Root.StructTreeRoot, None, pages, leaves)
    return stranded(leaves)


def stranded(leaves: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Of content pieces in reading order, as (tag, page), the headings whose next piece is on a later page."""
    return [(tag, page) for (tag, page), (_, next_page) in zip(leaves, leaves[1:], strict=False)
            if tag in _HEADINGS and next_page > page]
