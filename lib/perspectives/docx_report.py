"""Each report as an editable Word document, styled by a replaceable reference document.

Purpose
    Partners edit and rebrand their national report in Word. This module walks a report's
    executed section notebooks in report order (as :mod:`perspectives.assemble` does) and
    writes ``report.docx``: real Word headings (Heading 1-3), paragraphs, bullets and
    quotes from a small Markdown subset, native Word tables rebuilt from each published
    table's CSV, figures with their captions in Word's Caption style, and a table-of-contents
    field at the start (Word fills it when the document is opened). The styles come from
    ``params/reference.docx``; a partner replaces that file with their own branded one that
    defines the same style names.

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
import json
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
from docx.shared import Cm, Pt, RGBColor

from .i18n import Translator
from .ooxml import normalise_zip

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DOCX = ROOT / "params" / "reference.docx"
# Core-property dates are fixed so that two builds of the same inputs give the same bytes.
FIXED_DATE = dt.datetime(2021, 4, 1, 0, 0, 0)
FIGURE_WIDTH = Cm(15.5)
DROP_CELL_TAGS = frozenset({"parameters", "injected-parameters", "remove", "remove-cell", "remove_cell"})
DROP_OUTPUT_TAGS = frozenset({"remove-output", "remove_output"})
# Styles the renderer uses; a partner's reference document should define them all.
STYLES = ("Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "Normal", "List Bullet", "Quote",
          "Caption", "TOC Heading", "Table Grid")

__all__ = ["REFERENCE_DOCX", "STYLES", "build_reference", "main", "render_docx"]


# --------------------------------------------------------------------------- reference document


def build_reference(path: Path | None = None) -> Path:
    """Write the default reference document: the house styles, no content."""
    doc = Document()
    styles = doc.styles
    base = styles["Normal"]
    base.font.name = "Calibri"
    base.font.size = Pt(10.5)
    base.paragraph_format.space_after = Pt(6)
    ink = RGBColor(0x1F, 0x3A, 0x5F)
    for name, size in (("Title", 24), ("Subtitle", 13), ("Heading 1", 17), ("Heading 2", 13.5),
                       ("Heading 3", 11.5), ("TOC Heading", 14)):
        style = styles[name]
        style.font.name = "Calibri"
        style.font.size = Pt(size)
        style.font.color.rgb = ink
    styles["Heading 1"].paragraph_format.page_break_before = True
    caption = styles["Caption"]
    caption.font.size = Pt(9)
    caption.font.italic = True
    caption.font.color.rgb = RGBColor(0x44, 0x44, 0x44)
    styles["Quote"].font.italic = True
    _fix_core(doc, "Reference styles for the survivors' perspectives reports")
    target = Path(path) if path else REFERENCE_DOCX
    target.parent.mkdir(parents=True, exist_ok=True)
    raw = io.BytesIO()
    doc.save(raw)
    target.write_bytes(normalise_zip(raw.getvalue()))
    return target


def _fix_core(doc: Any, title: str) -> None:
    props = doc.core_properties
    props.author = "perspectives"
    props.last_modified_by = "perspectives"
    props.title = title
    props.created = FIXED_DATE
    props.modified = FIXED_DATE
    props.last_printed = FIXED_DATE
    props.revision = 1


def _open_reference(path: Path | None) -> Any:
    """The reference document with its body emptied (only its styles and page setup are kept)."""
    reference = Path(path) if path else REFERENCE_DOCX
    doc = Document(str(reference)) if reference.is_file() else Document()
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return doc


def _style(doc: Any, name: str, fallback: str = "Normal") -> str:
    """A style name the document defines (a partner's reference may lack one)."""
    try:
        doc.styles[name]
        return name
    except KeyError:
        return fallback


def _para(doc: Any, name: str, text: str | None = None) -> Any:
    """A new paragraph in style ``name`` (or Normal when the reference lacks it).

    The style id is looked up once per document and set directly: python-docx's own
    ``style=`` path searches every style on every paragraph, which dominated a report.
    """
    paragraph = doc.add_paragraph(text) if text is not None else doc.add_paragraph()
    paragraph._p.style = _style_id(doc, name)
    return paragraph


def _style_id(doc: Any, name: str, fallback: str = "Normal") -> str:
    """The id of style ``name`` (or of ``fallback``), looked up once per document."""
    cache = doc.__dict__.setdefault("_perspectives_style_ids", {})
    if name not in cache:
        cache[name] = doc.styles[_style(doc, name, fallback)].style_id
    return cache[name]


# --------------------------------------------------------------------------- markdown subset

_INLINE = re.compile(r"(\*\*[^*]+\*\*|\*[^*\s][^*]*\*|_[^_\s][^_]*_|`[^`]+`)")


def _inline(paragraph: Any, text: str) -> None:
    """Add runs for **bold**, *italic*/_italic_ and `code` (no nesting: our narrative needs none)."""
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    for part in _INLINE.split(text):
        if not part:
            continue
        if part.startswith("**") and part.endswith("**") and len(part) > 4:
            paragraph.add_run(part[2:-2]).bold = True
        elif (part[0] in "*_") and part.endswith(part[0]) and len(part) > 2:
            paragraph.add_run(part[1:-1]).italic = True
        elif part.startswith("`") and part.endswith("`"):
            paragraph.add_run(part[1:-1]).font.name = "Consolas"
        else:
            paragraph.add_run(part)


def _markdown(doc: Any, source: str, style: str | None = None) -> None:
    """Headings (#, ##, ###), bullets, blockquotes and paragraphs of a Markdown text."""
    paragraph_lines: list[str] = []

    def flush() -> None:
        if paragraph_lines:
            text = " ".join(line.strip() for line in paragraph_lines)
            _inline(_para(doc, style or "Normal"), text)
            paragraph_lines.clear()

    for line in source.splitlines():
        stripped = line.strip()
        heading = re.match(r"^(#{1,6})\s+(.*)$", stripped)
        bullet = re.match(r"^[-*+]\s+(.*)$", stripped)
        if not stripped:
            flush()
        elif heading:
            flush()
            level = min(len(heading.group(1)), 3)
            _inline(_para(doc, f"Heading {level}"), heading.group(2).strip("# "))
        elif bullet:
            flush()
            _inline(_para(doc, "List Bullet"), bullet.group(1))
        elif stripped.startswith(">"):
            flush()
            _inline(_para(doc, "Quote"), stripped.lstrip("> ").strip())
        else:
            paragraph_lines.append(stripped)
    flush()


# --------------------------------------------------------------------------- tables, figures, fields


def _table(doc: Any, csv_path: Path) -> None:
    """A native Word table from a published CSV (first row: headers; first column: row labels)."""
    with csv_path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.reader(handle)]
    if not rows:
        return
    width = max(len(row) for row in rows)
    section = doc.sections[-1]
    column = int((section.page_width - section.left_margin - section.right_margin) / width)
    # The table is written as WordprocessingML and parsed once: python-docx's add_table and
    # cell-by-cell filling (each text assignment and style lookup searches the XML) were
    # most of a report's assembly. The header row is bold and repeats on every page.
    xml = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="{_style_id(doc, "Table Grid", "Normal Table")}"/>'
           '<w:tblW w:type="auto" w:w="0"/><w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" '
           'w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/></w:tblPr><w:tblGrid>'
           + f'<w:gridCol w:w="{column}"/>' * width + "</w:tblGrid>"]
    for r, row in enumerate(rows):
        xml.append('<w:tr><w:trPr><w:tblHeader w:val="true"/></w:trPr>' if r == 0 else "<w:tr>")
        bold = "<w:rPr><w:b/></w:rPr>" if r == 0 else ""
        for c in range(width):
            text = row[c] if c < len(row) else ""
            run = f'<w:r>{bold}<w:t xml:space="preserve">{xml_escape(text)}</w:t></w:r>' if text else ""
            xml.append(f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{column}"/></w:tcPr><w:p>{run}</w:p></w:tc>')
        xml.append("</w:tr>")
    xml.append("</w:tbl>")
    body = doc.element.body
    section_properties = body.find(qn("w:sectPr"))
    table = parse_xml("".join(xml))
    if section_properties is not None:
        section_properties.addprevious(table)
    else:
        body.append(table)


def _figure(doc: Any, png: bytes) -> None:
    doc.add_picture(io.BytesIO(png), width=FIGURE_WIDTH)


def _toc(doc: Any, heading: str, placeholder: str) -> None:
    """A TOC field (headings 1-3) that Word fills in when the document is opened."""
    doc.add_paragraph(heading, style=_style(doc, "TOC Heading"))
    paragraph = doc.add_paragraph()
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = 'TOC \\o "1-3" \\h \\z \\u'
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run._r.append(begin)
    run._r.append(instr)
    run._r.append(separate)
    paragraph.add_run(placeholder)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    paragraph.add_run()._r.append(end)
    # Ask Word to refresh fields on opening, so the contents list is filled in.
    settings = doc.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


# --------------------------------------------------------------------------- notebook walk


def _join(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _meta(output: dict[str, Any]) -> dict[str, Any]:
    return (output.get("metadata") or {}).get("perspectives") or {}


def _output(doc: Any, output: dict[str, Any], run_dir: Path) -> None:
    """One notebook output: a table, a figure, a caption, narrative or plain text."""
    kind = output.get("output_type")
    if kind == "stream":
        if output.get("name") == "stdout" and _join(output.get("text", "")).strip():
            doc.add_paragraph(_join(output["text"]).strip())
        return
    if kind not in ("display_data", "execute_result"):
        return
    data = output.get("data", {})
    meta = _meta(output)
    if meta.get("kind") == "table":
        csv_path = run_dir / meta["csv"]
        if csv_path.is_file():
            _table(doc, csv_path)
            return
    if meta.get("kind") == "figure" or "image/png" in data:
        png_path = run_dir / meta["png"] if meta.get("png") else None
        if png_path is not None and png_path.is_file():
            _figure(doc, png_path.read_bytes())
        elif "image/png" in data:
            _figure(doc, base64.b64decode(_join(data["image/png"]).replace("\n", "")))
        return
    if "text/markdown" in data:
        style = "Caption" if meta.get("kind") == "caption" else None
        text = _join(data["text/markdown"])
        if style:
            _inline(_para(doc, style), text.strip().strip("*"))
        else:
            _markdown(doc, text)
        return
    if "text/html" in data:
        # An HTML output without table metadata: keep its words, lose the layout.
        text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", _join(data["text/html"])))).strip()
        if text:
            doc.add_paragraph(text)
        return
    plain = _join(data.get("text/plain", "")).strip()
    if plain and not re.match(r"^<.*(?: at 0x[0-9a-fA-F]+|Figure size [^>]*)>$", plain, re.DOTALL):
        doc.add_paragraph(plain)


def _is_caption(outputs: list[dict[str, Any]], i: int) -> bool:
    """Whether output ``i`` is the caption of the table after it or the figure before it.

    Runs record captions with ``kind: caption`` metadata; for notebooks executed before that,
    a one-line italic Markdown output next to a table or figure is taken as its caption.
    """
    output = outputs[i]
    text = _join((output.get("data") or {}).get("text/markdown", "")).strip()
    if not text:
        return False
    if _meta(output).get("kind") == "caption":
        return True
    if "\n" in text or not re.fullmatch(r"\*[^*].*[^*]\*", text):
        return False
    after = _meta(outputs[i + 1]).get("kind") if i + 1 < len(outputs) else None
    before = _meta(outputs[i - 1]).get("kind") if i > 0 else None
    return after == "table" or before == "figure"


def _section(doc: Any, notebook: Path, title: str, translator: Translator) -> None:
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    run_dir = Path(notebook).parent
    start = len(doc.paragraphs)
    for cell in nb.get("cells", []):
        tags = set(cell.get("metadata", {}).get("tags", []) or [])
        if tags & DROP_CELL_TAGS:
            continue
        if cell.get("cell_type") == "markdown":
            _markdown(doc, translator.markdown(_join(cell.get("source", ""))))
        elif cell.get("cell_type") == "code" and not tags & DROP_OUTPUT_TAGS:
            outputs = cell.get("outputs", [])
            for i, output in enumerate(outputs):
                if _is_caption(outputs, i):
                    text = _join(output["data"]["text/markdown"]).strip().strip("*")
                    _inline(_para(doc, "Caption"), text)
                else:
                    _output(doc, output, run_dir)
    # As in the HTML report: a section without its own h1 gets the grid title. (Compared by
    # style id: asking each paragraph for its style object searches every style.)
    added = doc.paragraphs[start:]
    heading_id = _style_id(doc, "Heading 1")
    if not any(p._p.style == heading_id for p in added):
        first = added[0] if added else doc.add_paragraph()
        first.insert_paragraph_before(title, style=_style(doc, "Heading 1"))


def render_docx(meta: Any, sections: Sequence[Any], translator: Translator | None = None,
                reference: Path | None = None) -> bytes:
    """The report as DOCX bytes (``meta``: assemble.ReportMeta; ``sections``: SectionDoc list)."""
    tr = translator or Translator(getattr(meta, "lang", "en"))
    doc = _open_reference(reference)
    doc.add_paragraph(meta.name, style=_style(doc, "Title"))
    doc.add_paragraph(meta.study_title, style=_style(doc, "Subtitle"))
    if meta.partner:
        doc.add_paragraph(tr("Partner organisation: {partner}", partner=meta.partner))
    if meta.inputs:
        doc.add_paragraph(tr("Built from:"))
        rows = [(tr("Input"), tr("File"), "sha256")] + [(i["role"], i["name"], i["sha256"]) for i in meta.inputs]
        table = doc.add_table(rows=len(rows), cols=3)
        table.style = _style(doc, "Table Grid", "Normal Table")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
    for warning in meta.warnings:
        doc.add_paragraph(warning).runs[0].bold = True
    _toc(doc, tr("Contents"), tr("Right-click and choose Update Field to show the contents."))
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    for section in sections:
        _section(doc, section.notebook, tr(section.title), tr)
    _fix_core(doc, f"{meta.name} | {meta.study_title}")
    doc.core_properties.language = tr.lang
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
