"""A Word report's contents, the fields Word updates on opening, and the document's language.

Purpose
    Word's own table of contents is a TOC field whose entries Word writes when it updates the
    field, paginating the document as it does. A renderer cannot paginate as Word does, so the
    entries are written here as Word writes them (:func:`fill_toc`): each heading's words
    linking to a bookmark on the heading, a tab to the right margin with a dotted leader, and
    a PAGEREF field to the bookmark. Its result, the page, is taken from the printed PDF
    once it is printed (:func:`with_contents_pages`: the same numbering as the PDF's), and Word
    is asked to update the fields when it opens the file (:func:`update_fields_on_open`), so
    that it puts its own pages there; LibreOffice works PAGEREF fields out as it lays out.
    The document's language (:func:`set_language`) is the edition's BCP 47 tag, in the styles'
    default, the theme fonts' and the core properties: Word spell-checks and hyphenates by it.
    Split from :mod:`perspectives.docx_report`, which writes the rest of the document.

Inputs
    A python-docx document being written (its headings in Heading 1 and 2, a marker paragraph
    where the contents go); a written report's bytes and the printed contents' pages.

Outputs
    The contents and settings in the document; the report's bytes with the pages written in
    (the same bytes for the same inputs).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from lxml import etree

from .docx_text import set_style, style_id, xml_text
from .ooxml import normalise_zip

__all__ = ["TOC_BOOKMARK", "fill_toc", "set_language", "update_fields_on_open", "with_contents_pages"]

# The prefix of the bookmarks the contents link to (Word's own, hidden from its bookmark list).
TOC_BOOKMARK = "_Toc"


def _field_char(kind: str) -> Any:
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    return char


def fill_toc(doc: Any, marker: Any) -> None:
    """Write the contents: a TOC field holding one hyperlinked entry per Heading 1 and 2.

    Each entry is written as Word writes its own: the heading's text, a tab to the right
    margin (dotted leader), then a PAGEREF field to a bookmark on the heading, so the contents
    read and work before any field is updated. The field's result (the page) is left empty
    here: :func:`with_contents_pages` writes the PDF's pages into it once the PDF is printed,
    and Word, asked to update the fields on opening (:func:`update_fields_on_open`), puts
    its own pagination in their place (a renderer cannot know where Word breaks pages).
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
    section = doc.sections[-1]
    right = int((section.page_width - section.left_margin - section.right_margin) / 635)  # EMU to twips
    for i, (name, level, text) in enumerate(entries):
        paragraph = set_style(doc, marker.insert_paragraph_before(), f"TOC {level}")
        paragraph._p.get_or_add_pPr().append(parse_xml(
            f'<w:tabs {nsdecls("w")}><w:tab w:val="right" w:leader="dot" w:pos="{right}"/></w:tabs>'))
        if i == 0:
            first = paragraph.add_run()._r
            first.append(_field_char("begin"))
            first.append(instr)
            first.append(_field_char("separate"))
        link = parse_xml(
            f'<w:hyperlink {nsdecls("w")} w:anchor="{name}" w:history="1">'
            f'<w:r><w:t xml:space="preserve">{xml_escape(xml_text(text))}</w:t></w:r><w:r><w:tab/></w:r>'
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> PAGEREF {name} \\h </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t></w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:hyperlink>')
        paragraph._p.append(link)
        if i == len(entries) - 1:
            paragraph.add_run()._r.append(_field_char("end"))
    marker._p.getparent().remove(marker._p)


# The settings Word's schema orders after ``w:updateFields`` (ECMA-376 Part 1, CT_Settings): it
# goes before the first of them a document has.
_AFTER_UPDATE_FIELDS = ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids")


def update_fields_on_open(doc: Any) -> None:
    """Ask Word to update the document's fields when it opens it (``w:updateFields``).

    The contents' page numbers are the PDF's; Word breaks pages otherwise (its fonts and
    layout), and this makes it write its own. Word asks the reader first; LibreOffice works
    out PAGEREF fields as it lays out the pages.
    """
    settings = doc.settings.element
    if settings.find(qn("w:updateFields")) is not None:
        return
    update = parse_xml(f'<w:updateFields {nsdecls("w")} w:val="true"/>')
    following = [child for name in _AFTER_UPDATE_FIELDS if (child := settings.find(qn(f"w:{name}"))) is not None]
    if following:
        min(following, key=settings.index).addprevious(update)
    else:
        settings.append(update)


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


_PAGEREF = re.compile(r"\s*PAGEREF\s+(\S+)")


def with_contents_pages(docx: bytes, pages: Sequence[tuple[str, int | None]]) -> bytes:
    """``docx`` with the page of each contents entry written into its PAGEREF field's result.

    Args:
        docx: a report :func:`render_docx` wrote.
        pages: the printed report's contents, in order: each entry's text and the page its
            heading starts on (None: not known). The k-th entry of the Word file's contents
            takes the k-th page when it reads the same text; an entry that does not is left
            without a page (Word writes it when it updates the fields).

    Returns:
        The DOCX bytes, the same for the same inputs.
    """
    from docx.oxml import parse_xml as parse

    source = zipfile.ZipFile(io.BytesIO(docx))
    root = parse(source.read("word/document.xml"))
    number = {f"{TOC_BOOKMARK}{k:06d}": (" ".join(text.split()), page) for k, (text, page) in enumerate(pages, start=1)}
    for link in root.iter(qn("w:hyperlink")):
        anchor = link.get(qn("w:anchor"), "")
        runs = link.findall(qn("w:r"))
        fields = [i for i, run in enumerate(runs) if (instr := run.find(qn("w:instrText"))) is not None
                  and (found := _PAGEREF.match(instr.text or "")) and found.group(1) == anchor]
        if not fields or anchor not in number:
            continue
        text, page = number[anchor]
        shown = " ".join("".join(run.xpath("string(w:t)") for run in runs[:fields[0]]).split())
        result = runs[fields[0] + 2].find(qn("w:t")) if fields[0] + 2 < len(runs) else None
        if result is not None and page is not None and shown == text:
            result.text = str(page)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "word/document.xml":
                content = etree.tostring(root, encoding="UTF-8", standalone=True)
            target.writestr(info, content)
    return normalise_zip(out.getvalue())
