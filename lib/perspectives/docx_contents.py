"""A Word report's contents and the document's language.

Purpose
    Word's own table of contents is a TOC field whose entries Word writes when it updates the
    field, paginating the document as it does. A renderer cannot paginate as Word (or
    LibreOffice, or a phone's viewer) does, and the printed PDF's pages are not the Word
    file's: Mexico's English report is 42 pages as PDF and about 32 as Word. So the entries
    are written here (:func:`fill_toc`) without page numbers: each heading's words, linking
    to a bookmark on the heading, so a reader clicks to it. A wrong page is worse than none.
    The entries sit inside a TOC field, so a reader who wants pages updates it (F9 in Word)
    and Word writes its own; the file does not ask to update fields on opening.
    The document's language (:func:`set_language`) is the edition's BCP 47 tag, in the styles'
    default, the theme fonts' and the core properties: Word spell-checks and hyphenates by it.
    Its type (:func:`set_print_font`) is the print CSS's body family as a reader's machine
    has it: the first family of the CSS's list that Windows and macOS ship (a family no reader
    has, Source Serif Pro, is set in LibreOffice's default sans-serif: it reads neither
    Word's ``w:altName`` nor the font's kind), the next one as Word's stand-in for it
    (``w:altName``), and the generic kind (serif: ``roman``).
    Split from :mod:`perspectives.docx_report`, which writes the rest of the document.

Inputs
    A python-docx document being written (its headings in Heading 1 and 2, a marker paragraph
    where the contents go); the print CSS's text (``templates/report.css``).

Outputs
    The contents and the language settings in the document.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn

from .docx_text import set_style, style_id, xml_text

__all__ = ["PRINT_CSS", "SHIPPED_FAMILIES", "TOC_BOOKMARK", "fill_toc", "print_fonts", "set_language", "set_print_font"]

# The prefix of the bookmarks the contents link to (Word's own, hidden from its bookmark list).
TOC_BOOKMARK = "_Toc"


def _field_char(kind: str) -> Any:
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    return char


def fill_toc(doc: Any, marker: Any) -> None:
    """Write the contents: a TOC field holding one hyperlinked entry per Heading 1 and 2.

    Each entry is the heading's text, linking to a bookmark on the heading (Word's ``_Toc``
    prefix), with no page number: no renderer here knows where Word breaks pages, and the
    PDF's pages differ from it. Updating the field in Word rewrites the entries with its
    own pages; until then the contents read and work as links.
    """
    levels = {style_id(doc, "Heading 1"): 1, style_id(doc, "Heading 2"): 2}
    headings = [(p, levels[p._p.style]) for p in doc.paragraphs if p._p.style in levels and p.text.strip()]
    entries = []
    for k, (paragraph, level) in enumerate(headings, start=1):
        name = f"{TOC_BOOKMARK}{k:06d}"  # Word's own prefix for the bookmarks its contents link to
        start = OxmlElement("w:bookmarkStart")
        start.set(qn("w:id"), str(k))
        start.set(qn("w:name"), name)
        end = OxmlElement("w:bookmarkEnd")
        end.set(qn("w:id"), str(k))
        paragraph._p.insert(1 if paragraph._p.pPr is not None else 0, start)
        paragraph._p.append(end)
        entries.append((name, level, paragraph.text))
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = 'TOC \\o "1-2" \\h \\z \\u'
    for i, (name, level, text) in enumerate(entries):
        paragraph = set_style(doc, marker.insert_paragraph_before(), f"TOC {level}")
        if i == 0:
            first = paragraph.add_run()._r
            first.append(_field_char("begin"))
            first.append(instr)
            first.append(_field_char("separate"))
        link = parse_xml(
            f'<w:hyperlink {nsdecls("w")} w:anchor="{name}" w:history="1">'
            f'<w:r><w:t xml:space="preserve">{xml_escape(xml_text(text))}</w:t></w:r></w:hyperlink>')
        paragraph._p.append(link)
        if i == len(entries) - 1:
            paragraph.add_run()._r.append(_field_char("end"))
    marker._p.getparent().remove(marker._p)


def set_language(doc: Any, tag: str) -> None:
    """Tag the document's text as written in ``tag`` (BCP 47): the styles' default and the theme's fonts.

    Word spell-checks and hyphenates by it, and a screen reader reads by it. Only the Latin
    script's language is set (``w:val``); the East Asian and complex-script ones are left as
    the reference document gives them.
    """
    styles = doc.styles.element
    parent = styles
    for name in ("docDefaults", "rPrDefault", "rPr"):  # each made, first in its parent, when missing
        child = parent.find(qn(f"w:{name}"))
        if child is None:
            child = parse_xml(f'<w:{name} {nsdecls("w")}/>')
            parent.insert(0, child)
        parent = child
    if parent.find(qn("w:lang")) is None:
        parent.append(parse_xml(f'<w:lang {nsdecls("w")}/>'))
    # Every style that names a language, and the theme's fonts, name the edition's.
    for element in (*styles.iter(qn("w:lang")), *doc.settings.element.iter(qn("w:themeFontLang"))):
        element.set(qn("w:val"), tag)
    doc.core_properties.language = tag


# The print style the PDF is printed with: the one home of the report's type.
PRINT_CSS = Path(__file__).with_name("templates") / "report.css"
# The families of the CSS's lists that Windows and macOS both ship (Word's platforms; Linux's
# fontconfig maps each to a metric-compatible or like family): a Word file names one of them.
SHIPPED_FAMILIES = ("Georgia", "Times New Roman", "Arial", "Verdana", "Trebuchet MS", "Courier New", "Tahoma")
# CSS's generic families and the kind Word's font table gives them (ECMA-376 ST_FontFamily).
_GENERIC = {"serif": "roman", "sans-serif": "swiss", "monospace": "modern", "system-ui": "swiss",
            "ui-monospace": "modern", "cursive": "script", "fantasy": "decorative"}


def print_fonts(css: str) -> tuple[str, str | None, str]:
    """The body's type in a CSS text as Word names it: (family, stand-in or None, generic family).

    The family is the first of the ``body`` rule's list that :data:`SHIPPED_FAMILIES` holds
    (the list's first named one when none is), the stand-in the named one after it.

    Raises:
        ValueError: the CSS's ``body`` rule names no font family, or only generic ones.
    """
    found = re.search(r"(?:^|[}\s])body\s*\{[^}]*?font-family:\s*([^;}]+)", css)
    if found is None:
        raise ValueError("the print CSS's body rule names no font-family")
    families = [f.strip().strip("\"'") for f in found.group(1).split(",") if f.strip()]
    named = [f for f in families if f not in _GENERIC]
    generic = next((f for f in families if f in _GENERIC), "serif")
    if not named:
        raise ValueError("the print CSS's body font-family names only generic families")
    first = next((k for k, family in enumerate(named) if family in SHIPPED_FAMILIES), 0)
    return named[first], (named[first + 1] if first + 1 < len(named) else None), generic


def set_print_font(doc: Any, css: str | None = None) -> str:
    """Set every style's type to the print CSS's body family, with its fallback in the font table.

    Args:
        doc: a python-docx document (the reference document being written).
        css: the print CSS's text; None: :data:`PRINT_CSS`.

    Returns:
        The family named.
    """
    name, fallback, generic = print_fonts(PRINT_CSS.read_text(encoding="utf-8") if css is None else css)
    doc.styles["Normal"].font.name = name
    # A style's theme font (Word's template gives the headings one) would win over the name.
    for fonts in doc.styles.element.iter(qn("w:rFonts")):
        for kind in ("ascii", "hAnsi"):
            fonts.attrib.pop(qn(f"w:{kind}Theme"), None)
            fonts.set(qn(f"w:{kind}"), name)
    table = next(part for part in doc.part.package.iter_parts() if str(part.partname) == "/word/fontTable.xml")
    root = parse_xml(table.blob)
    for old in root.findall(qn("w:font")):
        if old.get(qn("w:name")) == name:
            root.remove(old)
    alt = f'<w:altName w:val="{xml_escape(fallback, {chr(34): "&quot;"})}"/>' if fallback else ""
    root.append(parse_xml(f'<w:font {nsdecls("w")} w:name="{xml_escape(name, {chr(34): "&quot;"})}">{alt}'
                          f'<w:charset w:val="00"/><w:family w:val="{_GENERIC[generic]}"/>'
                          '<w:pitch w:val="variable"/></w:font>'))
    from lxml import etree

    table._blob = etree.tostring(root, encoding="UTF-8", standalone=True)
    return name
