"""Each report as an editable Word document, styled by a replaceable reference document.

Purpose
    Partners edit and rebrand their national report in Word. This module walks a report's
    executed section notebooks in report order (as :mod:`perspectives.assemble` does) and
    writes ``report.docx``: a cover (title, partner, date, the partner's logo in the first
    page's header), a table of contents whose entries are written in the file (a TOC field
    holding a hyperlinked entry per level-1 and level-2 heading, without page numbers: the
    PDF's pages are not Word's, and Word writes its own when a reader updates the field;
    :mod:`perspectives.docx_contents`), real Word headings (Heading 1-3), paragraphs, bullets and quotes from
    a small Markdown subset, native Word tables rebuilt from each published table's CSV with
    the notes on their marks, figures with their captions in Word's Caption style, and the
    annex (the full tables behind the figures, and how the report was built). Figures and
    tables are numbered by the report's one outline (:mod:`perspectives.outline`), as in the
    HTML and PDF; the page size is the study's (A4 by default), and the document's language
    the edition's BCP 47 tag (``ro-MD``: the styles' default, the theme fonts', the core
    properties'), as the HTML and the PDF state it. The pages break by the PDF's rules: the
    chapters run on after the contents, the annex opens a page and its short parts stay whole,
    a caption stays with its table and a chart with its caption, no table row is cut and a
    short table stays on one page; a table's columns are sized to what they hold. Markdown is read by the
    same parser as the HTML report's (mistune, CommonMark): text from data, which the runs
    wrote as escaped Markdown, becomes text runs only, never markup or a field, and no link
    is made from a run's Markdown; a published CSV's cells are shown as the text they stand
    for (:func:`perspectives.escape.csv_cell_text`). The styles come from
    ``params/reference.docx``; a partner replaces that file with their own branded one that
    defines the same style names.
    Its paragraphs, runs and Markdown subset are written by :mod:`perspectives.docx_text`.

Inputs
    ``ReportMeta`` and ``SectionDoc`` list from the assembler; each run folder's
    ``executed.ipynb``, ``tables/*.csv`` and ``figures/*.png`` (named by the outputs'
    ``perspectives`` metadata); ``params/reference.docx``; a :class:`perspectives.i18n.Translator`
    for the report frame's words.

Outputs
    ``report.docx`` bytes, deterministic for the same inputs (fixed core-property dates and
    zip timestamps). ``python -m perspectives.docx_report --reference [PATH]`` regenerates
    the default reference document.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import io
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from docx import Document
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Emu, Pt, RGBColor

from .alttext import describe
from .assemble_tables import SHORT_TABLE_ROWS
from .docx_contents import fill_toc, set_language, set_print_font
from .docx_text import (
    inline_runs,
    set_style,
    style_id,
    style_named,
    styled_paragraph,
    write_markdown,
    xml_attribute,
    xml_text,
)
from .escape import csv_cell_text, sanitize_html
from .i18n import Translator
from .locales import number_text
from .ooxml import normalise_zip
from .outline import FigureItem, HeadingLevels, Outline, TableItem, shown_cells
from .project import default

# The Word reference document (styles, page setup), from the study folder's root.
REFERENCE_FILE = "params/reference.docx"
# Core-property dates are fixed so that two builds of the same inputs give the same bytes.
FIXED_DATE = dt.datetime(2021, 4, 1, 0, 0, 0)
# A chart is placed as the HTML shows it and the PDF prints it: a pixel of the picture to a CSS
# pixel (96 to the inch), at most the text's width; its labels print at the PDF's size.
CSS_PX_PER_INCH = 96
# Styles the renderer uses; a partner's reference document should define them all.
STYLES = ("Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "Normal", "List Bullet", "Quote",
          "Caption", "Table Note", "TOC Heading", "TOC 1", "TOC 2", "Table Grid")
# Page sizes in millimetres (the names params/study.yml allows for page_size).
PAGE_SIZES_MM = {"A4": (210, 297), "A5": (148, 210), "A3": (297, 420), "Letter": (215.9, 279.4),
                 "Legal": (215.9, 355.6)}
LOGO_HEIGHT = Cm(2.2)

__all__ = ["REFERENCE_FILE", "STYLES", "build_reference", "main", "render_docx"]


# --------------------------------------------------------------------------- reference document


def build_reference(path: Path | None = None) -> Path:
    """Write the default reference document: the house styles, no content."""
    doc = Document()
    styles = doc.styles
    base = styles["Normal"]
    base.font.size = Pt(10.5)
    base.paragraph_format.space_after = Pt(6)
    ink = RGBColor(0x1F, 0x3A, 0x5F)
    for name, size in (("Title", 24), ("Subtitle", 13), ("Heading 1", 17), ("Heading 2", 13.5),
                       ("Heading 3", 11.5), ("TOC Heading", 14)):
        style = styles[name]
        style.font.size = Pt(size)
        style.font.color.rgb = ink
    # As in the PDF, the chapters run on: a page forced before each left the page before it
    # with a few lines of the chapter's end. The text starts after the contents and the annex
    # opens its own page (render_docx); a chapter's heading keeps a wide space above it.
    styles["Heading 1"].paragraph_format.space_before = Pt(22)
    from docx.enum.style import WD_STYLE_TYPE

    for level, indent in ((1, 0), (2, 0.6)):
        toc = styles.add_style(f"TOC {level}", WD_STYLE_TYPE.PARAGRAPH)
        toc.base_style = base
        toc.paragraph_format.left_indent = Cm(indent)
        # Set close, so that a report's contents (some fifty headings) fit on their one page.
        toc.paragraph_format.space_after = Pt(0 if level == 2 else 1)
        if level == 1:
            toc.font.bold = True
    caption = styles["Caption"]
    caption.font.size = Pt(9)
    caption.font.italic = True
    caption.font.color.rgb = RGBColor(0x44, 0x44, 0x44)
    # The notes on a table's marks: small print under the table, not a caption (Word lists every
    # paragraph in Caption style when it builds a table of figures).
    note = styles.add_style("Table Note", WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = base
    note.font.size = Pt(8.5)
    note.font.color.rgb = RGBColor(0x55, 0x5B, 0x66)
    note.paragraph_format.space_after = Pt(8)
    styles["Quote"].font.italic = True
    # The PDF's type (the print CSS's body family, its fallback in the font table) and margins
    # (its @page: 16 mm above and below, 14 at the sides): a chart is as wide as the PDF prints
    # it, a table of labels and four numbers reads on one line per row, and the contents fit.
    set_print_font(doc)
    from docx.shared import Mm

    for section in doc.sections:
        section.top_margin = section.bottom_margin = Mm(16)
        section.left_margin = section.right_margin = Mm(14)
    _fix_core(doc, "Reference styles for the survivors' perspectives reports")
    target = Path(path) if path else default().path(REFERENCE_FILE)
    target.parent.mkdir(parents=True, exist_ok=True)
    raw = io.BytesIO()
    doc.save(raw)
    target.write_bytes(normalise_zip(raw.getvalue()))
    return target


def _fix_core(doc: Any, title: str, author: str | None = None, issued: str | None = None) -> None:
    """Set the file's properties as the report states them: title, author, publication date.

    ``issued`` is the study's publication date (``2022``, ``2022-07``, ``2022-07-26``); Word
    stores a full date, so a year stands for its first day. Without one, a fixed date keeps the
    bytes reproducible. The program is named once, in the extended properties, not as author.
    """
    from perspectives.provenance import generator

    def fit(text: str) -> str:
        # Word's core properties hold at most 255 characters (a long name or title is cut, not refused).
        return text if len(text) <= 255 else text[:254] + "…"  # noqa: PLR2004

    props = doc.core_properties
    props.author = fit(author or "")
    props.last_modified_by = fit(author or "")
    props.comments = ""  # python-docx's template says it generated the file
    props.title = fit(title)
    parts = [int(p) for p in issued.split("-")] if issued else []
    date = dt.datetime(parts[0], *(parts[1:] + [1, 1])[:2]) if parts else FIXED_DATE
    props.created = date
    props.modified = date
    for printed in props._element.findall(qn("cp:lastPrinted")):  # never printed by Word
        props._element.remove(printed)
    props.revision = 1
    for part in doc.part.package.parts:
        if str(part.partname) == "/docProps/app.xml":
            # The template's extended properties name "Microsoft Macintosh Word" as the application.
            part._blob = re.sub(rb"<Application>[^<]*</Application>",
                                b"<Application>" + xml_escape(generator()).encode() + b"</Application>", part.blob)


def _open_reference(path: Path | None) -> Any:
    """The reference document with its body emptied (only its styles and page setup are kept)."""
    reference = Path(path) if path else default().path(REFERENCE_FILE)
    doc = Document(str(reference)) if reference.is_file() else Document()
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return doc


# --------------------------------------------------------------------------- tables, figures, fields


def _table(doc: Any, csv_path: Path, lang: str = "en") -> None:
    """A native Word table from a published CSV (first row: headers; first column: row labels).

    A cell the CSV neutralised for spreadsheets is shown as the text it stands for; a data
    cell holding one number, written the English way in the CSV, as ``lang`` writes it.
    """
    with csv_path.open(encoding="utf-8", newline="") as handle:
        rows = [[csv_cell_text(cell) for cell in row] for row in csv.reader(handle)]
    _table_rows(doc, [row if r == 0 else row[:1] + [number_text(cell, lang) for cell in row[1:]]
                      for r, row in enumerate(rows)])


def _table_rows(doc: Any, rows: Sequence[Sequence[str]]) -> None:
    """A native Word table of ``rows`` (the first is the header row, marked as such)."""
    if not rows:
        return
    width = max(len(row) for row in rows)
    section = doc.sections[-1]
    # Widths in twentieths of a point (dxa), as w:tcW states them; python-docx measures in EMU.
    columns = _column_widths(rows, width, (section.page_width - section.left_margin - section.right_margin) // 635)
    # The table is written as WordprocessingML and parsed once: python-docx's add_table and
    # cell-by-cell filling (each text assignment and style lookup searches the XML) were
    # most of a report's assembly. The header row is bold and repeats on every page.
    xml = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="{style_id(doc, "Table Grid", "Normal Table")}"/>'
           '<w:tblW w:type="auto" w:w="0"/><w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" '
           'w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/></w:tblPr><w:tblGrid>'
           + "".join(f'<w:gridCol w:w="{w}"/>' for w in columns) + "</w:tblGrid>"]
    # As on the printed page: no row is cut in two, a short table stays on one page (each of its
    # rows kept with the next), and a long one keeps its header with its first two rows and its
    # last row with the one before it, so that no row stands alone on a page.
    short = len(rows) - 1 <= SHORT_TABLE_ROWS
    for r, row in enumerate(rows):
        header = '<w:tblHeader w:val="true"/>' if r == 0 else ""
        xml.append(f"<w:tr><w:trPr><w:cantSplit/>{header}</w:trPr>")
        look = f'<w:rPr>{"<w:b/>" if r == 0 else ""}<w:sz w:val="{_TABLE_TEXT_SIZE}"/></w:rPr>'
        keep = "<w:keepNext/>" if r < len(rows) - 1 and (short or r < 2 or r == len(rows) - 2) else ""
        for c in range(width):
            text = row[c] if c < len(row) else ""
            run = f'<w:r>{look}<w:t xml:space="preserve">{xml_escape(xml_text(text))}</w:t></w:r>' if text else ""
            # Numbers are set flush right under their headers, as in the HTML and PDF tables.
            align = '<w:jc w:val="right"/>' if c else ""
            props = f"<w:pPr>{keep}{align}</w:pPr>" if keep or align else ""
            xml.append(f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{columns[c]}"/></w:tcPr><w:p>{props}{run}</w:p></w:tc>')
        xml.append("</w:tr>")
    xml.append("</w:tbl>")
    body = doc.element.body
    section_properties = body.find(qn("w:sectPr"))
    table = parse_xml("".join(xml))
    if section_properties is not None:
        section_properties.addprevious(table)
    else:
        body.append(table)


def _column_widths(rows: Sequence[Sequence[str]], width: int, total: int) -> list[int]:
    """Each column's width in twentieths of a point (``total``: the text's width), from the text it holds.

    Shared out evenly, a table of questions and four numbers gave the questions a fifth of the
    page, a word or two a line, and split its headers inside words. Each column asks for room
    for its longest word at least (a cell wraps between words, never inside one) and for its
    longest cell, or 40 characters of a label, at most, with three characters of padding. When
    every column has what it asks for, the labels' column takes the rest of the width; when
    not, each has its least and the rest is shared in proportion to what more it asks; when
    even the least is too much, the least is scaled down.
    """
    least, want = zip(*(_column_needs([str(row[c]) for row in rows[1:] if c < len(row)],
                                      str(rows[0][c]) if c < len(rows[0]) else "") for c in range(width)), strict=True)
    if sum(want) <= total:
        widths = list(want)
    elif sum(least) < total:
        spare, more = total - sum(least), [w - n for w, n in zip(want, least, strict=True)]
        widths = [n + spare * m // sum(more) for n, m in zip(least, more, strict=True)]
    else:
        widths = [n * total // sum(least) for n in least]
    widths[0] += total - sum(widths)
    return widths


def _column_needs(cells: Sequence[str], header: str) -> tuple[int, int]:
    """A column's least and wanted width (twips): its longest word; its longest cell (at most 40 characters)."""
    # Split at breaking spaces only: "n = 54" is written with no-break spaces and never wraps.
    words = [len(word) for text in (*cells, header) for word in re.split(r"[ \t\n]+", text) if word]
    least = 3 + max(words, default=1)
    return _CHARACTER_WIDTH * least, _CHARACTER_WIDTH * max(least, 3 + min(max(map(len, cells), default=1), 40))


# A character of a table's text (9 points; a wide face's bold header letter), in twentieths of a point.
_CHARACTER_WIDTH = 120
# The size of a table's text, in half-points (9 pt: as the HTML's tables, set smaller than the text).
_TABLE_TEXT_SIZE = 18


def _figure(doc: Any, png: bytes, description: str) -> None:
    """The chart's image with its text alternative.

    (the drawing's ``descr``, which Word shows as Alt Text and screen readers read).
    """
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.keep_with_next = True  # the chart stays with its caption below
    section = doc.sections[-1]
    text_width = section.page_width - section.left_margin - section.right_margin
    pixels = _png_width(png)
    width = min(text_width, Emu(pixels * 914400 // CSS_PX_PER_INCH)) if pixels else text_width
    shape = paragraph.add_run().add_picture(io.BytesIO(png), width=Emu(width))
    shape._inline.docPr.set("descr", xml_attribute(description))


def _png_width(png: bytes) -> int:
    """A PNG's width in pixels, from its header (0 when it is not a PNG)."""
    return int.from_bytes(png[16:20], "big") if png[:8] == b"\x89PNG\r\n\x1a\n" else 0


def _toc(doc: Any, heading: str) -> Any:
    """The contents' heading and a marker paragraph where :func:`perspectives.docx_contents.fill_toc` writes the entries."""
    set_style(doc, doc.add_paragraph(heading), "TOC Heading")
    return doc.add_paragraph()


def _opens_a_page(element: Any) -> None:
    """Start a new page at ``element`` (the text after the contents, the annex), as the PDF does; None: nothing to do."""
    paragraph = element if element is not None and element.tag == qn("w:p") else None
    if paragraph is not None:
        paragraph.get_or_add_pPr().get_or_add_pageBreakBefore()


def _page_size(doc: Any, page_size: str) -> None:
    """Every section of the document on the study's page size (portrait)."""
    from docx.shared import Mm

    width, height = PAGE_SIZES_MM.get(page_size, PAGE_SIZES_MM["A4"])
    for section in doc.sections:
        section.page_width, section.page_height = Mm(width), Mm(height)


def _page_numbers(doc: Any) -> None:
    """A page number at the foot of every page but the cover (Word's PAGE field, worked out as Word lays out)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    for section in doc.sections:
        section.different_first_page_header_footer = True  # the cover shows no number
        paragraph = section.footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), "PAGE")
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = "1"
        run.append(text)
        field.append(run)
        paragraph._p.append(field)


def _cover(doc: Any, cover: Any, warnings: Sequence[str]) -> None:
    """The cover: title, subtitle, partner and date lines, notice; the logo in the first page's header."""
    set_style(doc, doc.add_paragraph(xml_text(cover.title)), "Title")
    set_style(doc, doc.add_paragraph(xml_text(cover.subtitle)), "Subtitle")
    for line in cover.lines:
        doc.add_paragraph(xml_text(line))
    if cover.notice:
        styled_paragraph(doc, "Quote", cover.notice)
    for warning in warnings:
        doc.add_paragraph(xml_text(warning)).runs[0].bold = True
    if cover.logo is not None:
        # In the first page's header: the cover shows it, and it is no figure of the report.
        section = doc.sections[0]
        section.different_first_page_header_footer = True
        paragraph = section.first_page_header.paragraphs[0]
        shape = paragraph.add_run().add_picture(str(cover.logo), height=LOGO_HEIGHT)
        shape._inline.docPr.set("descr", xml_attribute(cover.logo_alt or ""))


def _notes(doc: Any, output: dict[str, Any]) -> None:
    """The notes on the marks a table's cells use, under the table (in Caption style with an older reference)."""
    notes = _meta(output).get("notes") or []
    if notes:
        styled_paragraph(doc, "Table Note" if style_named(doc, "Table Note", "") else "Caption", " ".join(str(n) for n in notes))


def _blocks(doc: Any, blocks: Sequence[Any], outline: Outline, levels: HeadingLevels, lang: str = "en") -> None:
    """A part the assembler adds (the annex): headings, paragraphs, the full tables, the input files.

    A part its heading marks ``whole`` (how to cite, how the report was built) is kept on one
    page, as the printed report keeps it.
    """
    body = doc.element.body
    whole: int | None = None  # where the part being kept whole starts (its heading's place in the body)
    for block in blocks:
        if block.kind == "heading":
            _keep_together(list(body)[whole:-1] if whole is not None else [])
            whole = len(body) - 1 if block.whole else None  # the body ends with its sectPr
            styled_paragraph(doc, f"Heading {levels(block.level)}", block.text)
        elif block.kind == "paragraph":
            write_markdown(doc, block.text, levels=levels)
        elif block.kind == "table":
            _annex_table(doc, outline, block.table, lang)
        elif block.kind == "inputs":
            _table_rows(doc, block.rows)
    _keep_together(list(body)[whole:-1] if whole is not None else [])


def _keep_together(elements: Sequence[Any]) -> None:
    """Keep body ``elements`` (paragraphs and tables, in order) on one page: each kept with the next but the last."""
    for element in elements[:-1]:
        for paragraph in element.iter(qn("w:p")):
            paragraph.get_or_add_pPr().get_or_add_keepNext()


def _annex_table(doc: Any, outline: Outline, table: TableItem, lang: str) -> None:
    output = outline.output(table)
    csv_path = outline.where(table).notebook.parent / _meta(output).get("csv", "")
    if csv_path.is_file():
        styled_paragraph(doc, "Caption", table.label).paragraph_format.keep_with_next = True
        _table(doc, csv_path, lang)
        _notes(doc, output)


# --------------------------------------------------------------------------- notebook walk


def _join(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _meta(output: dict[str, Any]) -> dict[str, Any]:
    return (output.get("metadata") or {}).get("perspectives") or {}


def _numbered_figure(doc: Any, output: dict[str, Any], run_dir: Path, item: FigureItem, tr: Translator) -> None:
    """A figure as the outline numbers it: image (with its description), caption, data table."""
    meta = _meta(output)
    data = output.get("data", {})
    png_path = run_dir / meta["png"] if meta.get("png") else None
    if png_path is not None and png_path.is_file():
        png = png_path.read_bytes()
    elif "image/png" in data:
        png = base64.b64decode(_join(data["image/png"]).replace("\n", ""))
    else:
        return
    _figure(doc, png, describe(item.chart, tr, item.base) if item.chart else item.label)
    # On paper the chart's own labels show its values; its full table is in the annex.
    styled_paragraph(doc, "Caption", item.label)


def _output(doc: Any, output: dict[str, Any], run_dir: Path, lang: str = "en") -> None:
    """One notebook output: a table, a figure, a caption, narrative or plain text."""
    kind = output.get("output_type")
    if kind == "stream":
        if output.get("name") == "stdout" and _join(output.get("text", "")).strip():
            doc.add_paragraph(xml_text(_join(output["text"]).strip()))
        return
    if kind not in ("display_data", "execute_result"):
        return
    data = output.get("data", {})
    meta = _meta(output)
    if meta.get("kind") == "table":
        csv_path = run_dir / meta["csv"]
        if csv_path.is_file():
            _table(doc, csv_path, lang)
            return
    if "text/markdown" in data:
        style = "Caption" if meta.get("kind") == "caption" else None
        text = _join(data["text/markdown"])
        if style:
            inline_runs(styled_paragraph(doc, style), text.strip(), caption=True)
        else:
            write_markdown(doc, text)
        return
    if "text/html" in data:
        # An HTML output without table metadata: keep its words, lose the layout.
        clean = sanitize_html(_join(data["text/html"]))
        text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", clean))).strip()
        if text:
            doc.add_paragraph(xml_text(text))
        return
    plain = _join(data.get("text/plain", "")).strip()
    if plain and not re.match(r"^<.*(?: at 0x[0-9a-fA-F]+|Figure size [^>]*)>$", plain, re.DOTALL):
        doc.add_paragraph(xml_text(plain))


def _section(doc: Any, notebook: Path, title: str, translator: Translator, outline: Outline,
             levels: HeadingLevels) -> None:
    """One section's cells, figures and tables numbered as ``outline`` says."""
    run_dir = Path(notebook).parent
    start = len(doc.paragraphs)
    for index, cell in shown_cells(outline.notebook(notebook)):
        if cell.get("cell_type") == "markdown":
            write_markdown(doc, translator.markdown(_join(cell.get("source", ""))), levels=levels, composed=False)
            continue
        for i, output in enumerate(cell.get("outputs", [])):
            if outline.absorbed(notebook, index, i) or _meta(output).get("kind") == "notes":
                continue
            item = outline.item(notebook, index, i)
            if isinstance(item, TableItem) and item.annex:
                continue  # in the annex, beside the other full tables
            if isinstance(item, FigureItem):
                _numbered_figure(doc, output, run_dir, item, translator)
            elif isinstance(item, TableItem) and (run_dir / _meta(output).get("csv", "")).is_file():
                styled_paragraph(doc, "Caption", item.label).paragraph_format.keep_with_next = True
                _table(doc, run_dir / _meta(output)["csv"], translator.lang)
                _notes(doc, output)
            elif "text/markdown" in output.get("data", {}) and _meta(output).get("kind") != "caption":
                write_markdown(doc, outline.resolve(_join(output["data"]["text/markdown"]))[0], levels=levels)
            else:
                _output(doc, output, run_dir, translator.lang)
    # As in the HTML report: a section without its own h1 gets the grid title. (Compared by
    # style id: asking each paragraph for its style object searches every style.)
    added = doc.paragraphs[start:]
    heading_id = style_id(doc, "Heading 1")
    if not any(p._p.style == heading_id for p in added):
        first = added[0] if added else doc.add_paragraph()
        set_style(doc, first.insert_paragraph_before(xml_text(title)), "Heading 1")
        # The section's own headings were levelled before its title existed: level them again
        # under it, so that none skips.
        ids = {style_id(doc, f"Heading {k}"): k for k in (3, 2, 1)}
        again = HeadingLevels(last=1)
        for paragraph in added:
            if paragraph._p.style in ids:
                paragraph._p.style = style_id(doc, f"Heading {again(ids[paragraph._p.style])}")
        levels.restart(1)


def render_docx(meta: Any, sections: Sequence[Any], translator: Translator | None = None,
                reference: Path | None = None, outline: Outline | None = None, cover: Any = None,
                annex: Sequence[Any] = (), page_size: str = "A4") -> bytes:
    """The report as DOCX bytes.

    Args:
        meta: what the title page states (``assemble.ReportMeta``).
        sections: ``assemble.SectionDoc`` list, in report order.
        translator: the report's language (default: ``meta.lang``).
        reference: the reference document whose styles are used (default: ``params/reference.docx``
            of the study folder around the working directory).
        outline: the figure and table numbers of the report (the assembler passes the one the
            HTML used); made here when not given.
        cover: what the cover states (:class:`perspectives.texts.Cover`); by default the
            report's name, the study's title and the partner.
        annex: the annex's blocks (:func:`perspectives.report_annex.annex`), after the sections.
        page_size: the study's page size (A4, Letter...).

    Returns:
        The DOCX bytes (the same for the same inputs).
    """
    from .texts import Cover

    tr = translator or Translator(getattr(meta, "lang", "en"))
    outline = outline or Outline([s.notebook for s in sections], tr)
    doc = _open_reference(reference)
    _page_size(doc, page_size)
    _page_numbers(doc)
    # The frame's texts (names, titles, file names) are plain runs: Word reads no markup in them.
    partner = (tr("Partner organisation: {partner}", partner=meta.partner),) if meta.partner else ()
    _cover(doc, cover or Cover(meta.study_title, meta.name, partner, None, None, None), meta.warnings)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    marker = _toc(doc, tr("Contents"))
    levels = HeadingLevels()
    body = doc.element.body
    start = len(body) - 1  # the body ends with its section properties
    for section in sections:
        _section(doc, section.notebook, tr(section.title), tr, outline, levels)
    _opens_a_page(body[start] if len(body) > start + 1 else None)
    if annex:
        levels.restart(0)
        start = len(body) - 1
        _blocks(doc, annex, outline, levels, tr.lang)
        _opens_a_page(body[start])
    fill_toc(doc, marker)
    said = cover or Cover(meta.study_title, meta.name, (), None, None, None)
    _fix_core(doc, xml_text(f"{said.title} — {said.subtitle}"), said.author and xml_text(said.author), said.issued)
    # The edition's language (BCP 47, ro-MD), as the HTML and the PDF state it.
    set_language(doc, getattr(meta, "language_tag", None) or tr.lang)
    raw = io.BytesIO()
    doc.save(raw)
    return normalise_zip(raw.getvalue())


def main(argv: list[str] | None = None) -> int:
    """``python -m perspectives.docx_report --reference [PATH]``: (re)write the reference document."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] != "--reference":
        print("usage: python -m perspectives.docx_report --reference [PATH]", file=sys.stderr)
        return 2
    path = build_reference(Path(args[1]) if len(args) > 1 else None)
    print(f"wrote {path.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
