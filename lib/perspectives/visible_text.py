"""A built report's visible text, piece by piece, with where a reader meets each piece.

Purpose
    What :mod:`perspectives.untranslated` measures is read here: the HTML's text and text
    alternatives, the Word file's paragraphs, cells, drawings' descriptions, headers and
    footers, and the words each chart drew into its picture; quotations and code left out.
    Also the pieces a reader sees of a Markdown template (:func:`visible`). Apart from the
    measure itself, because this is how a report is read, whatever is then looked for in it.

Inputs
    A built report folder (``report.html``, ``report.docx``, ``sections/*/executed.ipynb``).

Outputs
    :class:`Segment` pieces (:func:`report_segments`).
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Segment:
    """One piece of visible text and where a reader meets it."""

    text: str
    where: str



def normal(text: str) -> str:
    """Whitespace as a reader sees it: single spaces, none at the ends."""
    return " ".join(text.split())


# Elements whose text is one piece a reader meets; nested ones are pieces of their own.
_BLOCKS = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "th", "td", "caption", "figcaption", "summary",
                     "dt", "dd", "pre", "title", "div", "section", "main", "header", "footer", "nav", "body",
                     "figure", "details", "table", "thead", "tbody", "tr", "ul", "ol", "dl", "article", "aside"})
# Left out: not text, or not prose to translate (quotations in their own words, code).
_SKIPPED = frozenset({"script", "style", "code", "blockquote", "svg", "template", "meta", "link"})
_KINDS = {"p": "paragraph", "li": "list item", "th": "table header", "td": "table cell", "caption": "table caption",
          "figcaption": "figure caption", "summary": "summary", "title": "page title", "pre": "text"}


def _own_text(element: Any) -> str:
    """The text of an element outside its nested blocks and skipped elements."""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag not in _BLOCKS and tag not in _SKIPPED:
            parts.append(_own_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def html_segments(path: Path) -> Iterator[Segment]:
    """The visible text of an HTML report, piece by piece, with where each piece is."""
    from lxml import html as lxml_html

    root = lxml_html.fromstring(Path(path).read_bytes())
    section = ""
    skipped: set[Any] = set()
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIPPED or element.getparent() in skipped:
            skipped.add(element)
            continue
        if tag == "h1":
            section = normal(element.text_content())
        elif tag in ("nav", "main"):
            section = "contents" if tag == "nav" else ""
        kind = "heading" if re.fullmatch(r"h[1-6]", tag) else _KINDS.get(tag, tag)
        place = f"HTML: {section} › " if section else "HTML: "
        if tag in _BLOCKS:
            text = normal(_own_text(element))
            if text:
                yield Segment(text, place + kind)
        for name, what in (("alt", "image text alternative"), ("title", "tooltip"), ("aria-label", "label")):
            value = normal(element.get(name) or "")
            if value:
                yield Segment(value, place + what)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"


def _run_is_code(run: Any) -> bool:
    fonts = run.find(f"{_W}rPr/{_W}rFonts")
    return fonts is not None and "Consolas" in (fonts.get(f"{_W}ascii") or "")


def _docx_paragraphs(xml: bytes, part: str) -> Iterator[Segment]:
    from lxml import etree

    section = ""
    for element in etree.fromstring(xml).iter(f"{_W}p", _DRAWING):
        if element.tag == _DRAWING:
            value = normal(element.get("descr") or "")
            if value:
                yield Segment(value, f"Word: {section} › image text alternative" if section else "Word: image")
            continue
        style = element.find(f"{_W}pPr/{_W}pStyle")
        style_id = style.get(f"{_W}val") if style is not None else ""
        if style_id == "Quote":
            continue  # quotations in the words they were given in
        text = normal("".join(t.text or "" for run in element.iter(f"{_W}r") if not _run_is_code(run)
                               for t in run.iter(f"{_W}t", f"{_W}tab")))
        if style_id == "Heading1":
            section = text
        if text:
            kind = "heading" if style_id.startswith("Heading") else "caption" if style_id == "Caption" else "paragraph"
            yield Segment(text, f"Word{part}: {section} › {kind}" if section else f"Word{part}: {kind}")


def docx_segments(path: Path) -> Iterator[Segment]:
    """The visible text of a Word report: body, headers and footers, drawings' descriptions, title."""
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        for name in ["word/document.xml", *sorted(n for n in names if re.fullmatch(r"word/(header|footer)\d*\.xml",
                                                                                    n))]:
            if name in names:
                part = "" if name == "word/document.xml" else f" {Path(name).stem}"
                yield from _docx_paragraphs(z.read(name), part)
        if "docProps/core.xml" in names:
            for element in etree.fromstring(z.read("docProps/core.xml")).iter("{*}title"):
                if normal(element.text or ""):
                    yield Segment(normal(element.text), "Word: document title")


def figure_segments(folder: Path) -> Iterator[Segment]:
    """The words each chart drew into its picture, as the section runs recorded them."""
    for notebook in sorted(Path(folder).glob("sections/*/executed.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
        for cell in cells:
            for output in cell.get("outputs", []):
                meta = output.get("metadata", {}).get("perspectives", {})
                if meta.get("kind") != "figure":
                    continue
                where = f"chart: {meta.get('png', notebook.parent.name)}"
                for text in meta.get("texts", []):
                    if normal(str(text)):
                        yield Segment(normal(str(text)), where)


def report_segments(folder: Path) -> list[Segment]:
    """Everything a reader of the report in ``folder`` meets: HTML, Word and the charts' words."""
    folder = Path(folder)
    segments = list(html_segments(folder / "report.html"))
    if (folder / "report.docx").is_file():
        segments += docx_segments(folder / "report.docx")
    return segments + list(figure_segments(folder))


def visible(text: str) -> list[str]:
    """The pieces a reader sees of a Markdown template: markup dropped, one piece per paragraph or list item."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link shows its text
    pieces: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = block.split("\n")
        items = [ln for ln in lines if re.match(r"^\s*(?:[-*+]|\d+\.)\s", ln)]
        chunks = lines if items else [" ".join(lines)]
        for chunk in chunks:
            chunk = re.sub(r"^\s*(?:[-*+]\s|\d+\.\s|#{1,6}\s|>\s?)", "", chunk)
            chunk = re.sub(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|`", "", chunk)
            chunk = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|>])", r"\1", chunk)
            if chunk.strip():
                pieces.append(chunk)
    return pieces

