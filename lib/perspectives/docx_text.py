"""Word paragraphs and runs from text and from the small Markdown subset a report's Word file reads.

Purpose
    The text primitives :mod:`perspectives.docx_report` writes a report with: a style looked
    up by name (a partner's reference document may lack one) and its id kept per document,
    text made safe for XML 1.0, a styled paragraph, and Markdown read by mistune (CommonMark,
    as the HTML report reads it) into headings, bullets, quotes and paragraphs whose runs are
    bold, italic, code or struck through. Text from data, which the runs wrote as escaped
    Markdown, becomes text runs only, never markup or a field, and no link is read in a run's
    Markdown. Separate from :mod:`perspectives.docx_report`, which walks the notebooks and
    builds the document's tables, figures, cover and contents.

Inputs
    A python-docx ``Document`` and the Markdown or plain text to add to it.

Outputs
    Paragraphs and runs added to the document.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from .escape import OUTPUT_INLINE_RULES_OFF
from .fmt import unbroken_bases
from .outline import HeadingLevels

__all__ = ["inline_runs", "set_style", "style_id", "style_named", "styled_paragraph", "write_markdown", "xml_text"]


def style_named(doc: Any, name: str, fallback: str = "Normal") -> str:
    """A style name the document defines (a partner's reference may lack one)."""
    try:
        doc.styles[name]
        return name
    except KeyError:
        return fallback


# Characters XML 1.0 cannot hold (python-docx refuses them): shown as the replacement character.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """``text`` as a Word run may hold it (XML escaping itself is python-docx's and lxml's).

    A base it writes (``n = 54``) is kept on one line (:func:`perspectives.fmt.unbroken_bases`):
    every text Word prints goes through here.
    """
    return unbroken_bases(_NOT_XML.sub("\ufffd", text))


def xml_attribute(text: str) -> str:
    """``text`` as a Word attribute may hold it (a drawing's description: never broken into lines)."""
    return _NOT_XML.sub("\ufffd", text)


def styled_paragraph(doc: Any, name: str, text: str | None = None) -> Any:
    """A new paragraph in style ``name`` (or Normal when the reference lacks it).

    The style id is looked up once per document and set directly: python-docx's own
    ``style=`` path searches every style on every paragraph, which dominated a report.
    """
    paragraph = doc.add_paragraph(xml_text(text)) if text is not None else doc.add_paragraph()
    paragraph._p.style = style_id(doc, name)
    return paragraph


def set_style(doc: Any, paragraph: Any, name: str) -> Any:
    """Give ``paragraph`` style ``name`` (or Normal) as python-docx's ``style=`` does; the paragraph.

    The same XML as ``paragraph.style = style_named(doc, name)`` (no ``pStyle`` for the
    document's default style), with the ids looked up once per document: python-docx's own
    path searches every style for the default one on each call.
    """
    cache = doc.__dict__.setdefault("_perspectives_style_ids", {})
    if _DEFAULT not in cache:
        from docx.enum.style import WD_STYLE_TYPE

        default = doc.styles.default(WD_STYLE_TYPE.PARAGRAPH)
        cache[_DEFAULT] = default.style_id if default is not None else None
    chosen = style_id(doc, name)
    paragraph._p.style = None if chosen == cache[_DEFAULT] else chosen
    return paragraph


# The key of the document's default paragraph style in the cache of style ids (no style's name).
_DEFAULT = "\0default"


def style_id(doc: Any, name: str, fallback: str = "Normal") -> str:
    """The id of style ``name`` (or of ``fallback``), looked up once per document."""
    cache = doc.__dict__.setdefault("_perspectives_style_ids", {})
    if name not in cache:
        cache[name] = doc.styles[style_named(doc, name, fallback)].style_id
    return cache[name]


# --------------------------------------------------------------------------- markdown subset

@functools.cache
def _inline_parser(composed: bool) -> Any:
    """The inline Markdown parser (mistune's, CommonMark); for a run's Markdown (``composed``) without links."""
    import mistune

    md = mistune.create_markdown(renderer=None, plugins=["strikethrough"])
    if composed:
        md.inline.rules = [r for r in md.inline.rules if r not in OUTPUT_INLINE_RULES_OFF]
    return md.inline


# A run's look: bold, italic, code, struck through.
_Look = tuple[bool, bool, bool, bool]


def _segments(tokens: list[dict[str, Any]], look: _Look = (False, False, False, False)) -> list[tuple[str, _Look]]:
    """(text, look) pieces of parsed inline Markdown: every token's text, literally."""
    from mistune.util import unescape

    bold, italic, code, strike = look
    out: list[tuple[str, _Look]] = []
    for token in tokens:
        kind = token["type"]
        if kind == "text":
            out.append((unescape(token["raw"]), look))  # a character reference is its character
        elif kind == "codespan":
            out.append((token["raw"], (bold, italic, True, strike)))
        elif kind in ("softbreak", "linebreak"):
            out.append((" ", look))
        elif kind == "strong":
            out += _segments(token["children"], (True, italic, code, strike))
        elif kind == "emphasis":
            out += _segments(token["children"], (bold, True, code, strike))
        elif kind == "strikethrough":
            out += _segments(token["children"], (bold, italic, code, True))
        elif "children" in token:  # a link's text, an image's alt text
            out += _segments(token["children"], look)
        else:  # raw HTML is shown as the text it is, as in the HTML report
            out.append((str(token.get("raw", "")), look))
    return out


def inline_runs(paragraph: Any, text: str, composed: bool = True, caption: bool = False) -> None:
    """Add the runs of one paragraph's inline Markdown: **bold**, *italic*, `code`, the rest text.

    Args:
        paragraph: the Word paragraph.
        text: its Markdown (lines already joined).
        composed: the Markdown a run composed (no link is read in it) or a notebook's own.
        caption: a caption written in italics as a whole (``*...*``): the Caption style
            shows it so; the emphasis is not repeated on the run.
    """
    tokens = _inline_parser(composed)(text, {"ref_links": {}})
    if caption and len(tokens) == 1 and tokens[0]["type"] == "emphasis":
        tokens = tokens[0]["children"]
    merged: list[tuple[str, _Look]] = []
    for piece, look in _segments(tokens):
        if merged and merged[-1][1] == look:
            merged[-1] = (merged[-1][0] + piece, look)
        elif piece:
            merged.append((piece, look))
    for piece, (bold, italic, code, strike) in merged:
        run = paragraph.add_run(xml_text(piece))
        if bold:
            run.bold = True
        if italic:
            run.italic = True
        if code:
            run.font.name = "Consolas"
        if strike:
            run.font.strike = True


def write_markdown(doc: Any, source: str, style: str | None = None, levels: HeadingLevels | None = None,
              composed: bool = True) -> None:
    """Headings (#, ##, ###), bullets, blockquotes and paragraphs of a Markdown text.

    ``levels`` keeps heading levels from skipping across the whole document (Word's
    navigation pane and the PDF a partner exports from Word follow them). ``composed``: a
    run's Markdown output, whose texts from data are escaped and in which no link is read
    (False for a notebook's own Markdown cell).
    """
    levels = levels or HeadingLevels()
    paragraph_lines: list[str] = []

    def flush() -> None:
        if paragraph_lines:
            text = " ".join(line.strip() for line in paragraph_lines)
            inline_runs(styled_paragraph(doc, style or "Normal"), text, composed)
            paragraph_lines.clear()

    for line in source.splitlines():
        stripped = line.strip()
        heading = re.match(r"^(#{1,6})\s+(.*)$", stripped)
        bullet = re.match(r"^[-*+]\s+(.*)$", stripped)
        if not stripped:
            flush()
        elif heading:
            flush()
            level = levels(min(len(heading.group(1)), 3))
            inline_runs(styled_paragraph(doc, f"Heading {level}"), heading.group(2).strip("# "), composed)
        elif bullet:
            flush()
            inline_runs(styled_paragraph(doc, "List Bullet"), bullet.group(1), composed)
        elif stripped.startswith(">"):
            flush()
            inline_runs(styled_paragraph(doc, "Quote"), stripped.lstrip("> ").strip(), composed)
        else:
            paragraph_lines.append(stripped)
    flush()
