"""The Word report: real headings, native tables from the CSVs, figures with captions, a TOC.

Builds a small executed notebook by hand (the shape papermill writes, with the metadata
perspectives.report attaches) and checks the document python-docx reads back.
"""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

from perspectives.assemble import ReportMeta, SectionDoc
from perspectives.docx_report import build_reference, render_docx
from perspectives.i18n import Translator


def _png() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1))
    ax.bar(["a", "b"], [1, 2])
    raw = io.BytesIO()
    fig.savefig(raw, format="png", metadata={"Software": None})
    plt.close(fig)
    return raw.getvalue()


def _display(data: dict, meta: dict | None = None) -> dict:
    return {"output_type": "display_data", "data": data, "metadata": {"perspectives": meta} if meta else {}}


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    run = tmp_path / "sections" / "methods"
    (run / "tables").mkdir(parents=True)
    (run / "figures").mkdir()
    (run / "tables" / "gender.csv").write_text(",Moldova n,Moldova %\nWoman,53,98%\nMan,<5,–\n", encoding="utf-8")
    png = _png()
    (run / "figures" / "fig01_gender.png").write_bytes(png)
    cells = [
        {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "country = 'MDA'",
         "outputs": [{"output_type": "stream", "name": "stdout", "text": "/home/secret/path\n"}]},
        {"cell_type": "code", "metadata": {}, "source": "section.header()",
         "outputs": [_display({"text/markdown": "# Methods and sample"})]},
        {"cell_type": "markdown", "metadata": {}, "source": "## The survey\n\nWorkers answered **online**.\n\n- one\n- two\n\n> a quote"},
        {"cell_type": "code", "metadata": {}, "source": "section.run('gender')", "outputs": [
            _display({"image/png": base64.b64encode(png).decode()},
                     {"kind": "figure", "png": "figures/fig01_gender.png", "caption": "Figure 1. Gender"}),
            _display({"text/markdown": "*Figure 1. Gender*"}, {"kind": "caption", "of": "figure"}),
            _display({"text/markdown": "*Table: Gender — Moldova*"}, {"kind": "caption", "of": "table"}),
            _display({"text/html": "<table>…</table>"}, {"kind": "table", "csv": "tables/gender.csv",
                                                         "caption": "Gender — Moldova"}),
        ]},
    ]
    (run / "executed.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                                    "nbformat_minor": 5}), encoding="utf-8")
    return run


def _meta(lang: str = "en") -> ReportMeta:
    return ReportMeta(code="MDA", name="Moldova", study_title="Study", partner="Partner", lang=lang,
                      inputs=({"role": "survey", "name": "export.csv", "sha256": "ab" * 32},))


def _render(run_dir: Path, tmp_path: Path, lang: str = "en") -> docx.document.Document:
    reference = build_reference(tmp_path / "reference.docx")
    data = render_docx(_meta(lang), [SectionDoc("methods", "Methods and sample", run_dir / "executed.ipynb")],
                       Translator(lang), reference)
    out = tmp_path / "report.docx"
    out.write_bytes(data)
    return docx.Document(str(out))


def test_headings_are_word_headings(run_dir: Path, tmp_path: Path) -> None:
    doc = _render(run_dir, tmp_path)
    styled = [(p.style.name, p.text) for p in doc.paragraphs]
    assert ("Heading 1", "Methods and sample") in styled
    assert ("Heading 2", "The survey") in styled
    assert ("List Bullet", "one") in styled and ("List Bullet", "two") in styled
    assert ("Quote", "a quote") in styled
    bold = [r.text for p in doc.paragraphs for r in p.runs if r.bold]
    assert "online" in bold


def test_tables_are_native_and_come_from_the_csv(run_dir: Path, tmp_path: Path) -> None:
    doc = _render(run_dir, tmp_path)
    # the provenance table, then the published one
    table = doc.tables[-1]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells == [["", "Moldova n", "Moldova %"], ["Woman", "53", "98%"], ["Man", "<5", "–"]]
    header = table.rows[0]._tr.trPr
    assert header is not None and header.find(docx.oxml.ns.qn("w:tblHeader")) is not None


def test_figures_are_embedded_with_captions(run_dir: Path, tmp_path: Path) -> None:
    doc = _render(run_dir, tmp_path)
    assert len(doc.inline_shapes) == 1
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert captions == ["Figure 1. Gender", "Table 1. Gender — Moldova"]


def test_contents_written_in_the_file_and_no_parameters_cell(run_dir: Path, tmp_path: Path) -> None:
    doc = _render(run_dir, tmp_path)
    xml = doc.element.xml
    assert 'TOC \\o "1-2"' in xml
    assert "/home/secret/path" not in xml  # the parameters cell is never shown
    # The entries are in the file, each linking to a bookmark on its heading, with no page
    # number (the PDF's pages are not Word's); Word is not asked to update fields on opening.
    entries = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name in ("TOC 1", "TOC 2")]
    assert entries == [("TOC 1", "Methods and sample"), ("TOC 2", "The survey")]
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    anchors = doc.element.body.xpath(".//w:hyperlink/@w:anchor")
    marks = {b.get(f"{w}name"): "".join(b.getparent().xpath(".//w:t/text()"))
             for b in doc.element.body.iter(f"{w}bookmarkStart")}
    assert [marks[a] for a in anchors] == ["Methods and sample", "The survey"]
    assert not doc.element.body.xpath(".//w:hyperlink//w:instrText")  # no PAGEREF: no page to get wrong
    assert doc.settings.element.find(docx.oxml.ns.qn("w:updateFields")) is None



def test_page_size_is_the_studys(run_dir: Path, tmp_path: Path) -> None:
    reference = build_reference(tmp_path / "reference.docx")  # python-docx's default page is US Letter
    sections = [SectionDoc("methods", "Methods and sample", run_dir / "executed.ipynb")]
    for size, (width, height) in (("A4", (210, 297)), ("Letter", (215.9, 279.4))):
        out = tmp_path / f"{size}.docx"
        out.write_bytes(render_docx(_meta(), sections, Translator("en"), reference, page_size=size))
        section = docx.Document(str(out)).sections[0]
        assert (round(section.page_width.mm, 1), round(section.page_height.mm, 1)) == (width, height)


def test_same_inputs_same_bytes(run_dir: Path, tmp_path: Path) -> None:
    reference = build_reference(tmp_path / "reference.docx")
    sections = [SectionDoc("methods", "Methods and sample", run_dir / "executed.ipynb")]
    first = render_docx(_meta(), sections, Translator("en"), reference)
    second = render_docx(_meta(), sections, Translator("en"), reference)
    assert first == second


def test_frame_words_follow_the_language(run_dir: Path, tmp_path: Path) -> None:
    doc = _render(run_dir, tmp_path, "es")
    texts = [p.text for p in doc.paragraphs]
    assert "Contenido" in texts
    assert "Organización socia: Partner" in texts
    assert doc.core_properties.language == "es"


def test_the_document_states_the_editions_language(run_dir: Path, tmp_path: Path) -> None:
    """Styles, theme fonts and core properties say the edition's BCP 47 tag, never the reference's en-US."""
    reference = build_reference(tmp_path / "reference.docx")
    sections = [SectionDoc("methods", "Methods and sample", run_dir / "executed.ipynb")]
    meta = ReportMeta(**{**_meta().__dict__, "lang": "ro", "language_tag": "ro-MD"})
    out = tmp_path / "ro.docx"
    out.write_bytes(render_docx(meta, sections, Translator("ro"), reference))
    with zipfile.ZipFile(out) as package:
        styles = package.read("word/styles.xml").decode("utf-8")
        settings = package.read("word/settings.xml").decode("utf-8")
    assert re.findall(r'<w:lang w:val="([^"]+)"', styles) == ["ro-MD"]
    assert re.findall(r'<w:themeFontLang w:val="([^"]+)"', settings) == ["ro-MD"]
    assert docx.Document(str(out)).core_properties.language == "ro-MD"


def test_reference_document_defines_the_styles_used(tmp_path: Path) -> None:
    from perspectives.docx_report import STYLES

    reference = docx.Document(str(build_reference(tmp_path / "reference.docx")))
    names = {s.name for s in reference.styles}
    assert set(STYLES) <= names
    assert not reference.paragraphs or all(not p.text for p in reference.paragraphs)


@pytest.mark.parametrize("name", ["Title", "Heading 1", "TOC Heading", "Normal", "No Such Style"])
def test_set_style_writes_what_python_docx_writes(name: str) -> None:
    """A paragraph styled by ``set_style`` is the XML python-docx's ``style=`` writes (none for the default)."""
    from perspectives.docx_text import set_style, style_named

    ours, theirs = docx.Document(), docx.Document()
    for doc in (ours, theirs):
        doc.add_paragraph("before")
    set_style(ours, ours.add_paragraph("text"), name)
    theirs.add_paragraph("text", style=style_named(theirs, name))
    set_style(ours, ours.paragraphs[0].insert_paragraph_before(), name)
    theirs.paragraphs[0].insert_paragraph_before(style=style_named(theirs, name))
    assert ours.element.body.xml == theirs.element.body.xml
    has_style = ours.paragraphs[-1]._p.pPr is not None and ours.paragraphs[-1]._p.pPr.pStyle is not None
    assert has_style == (style_named(ours, name) != "Normal")



def test_every_page_but_the_cover_carries_its_number(run_dir: Path, tmp_path: Path) -> None:
    section = _render(run_dir, tmp_path).sections[0]
    assert section.different_first_page_header_footer  # the cover's footer is its own, and empty
    assert not "".join(p.text for p in section.first_page_footer.paragraphs).strip()
    fields = section.footer._element.xpath(".//w:fldSimple/@w:instr")
    assert [f.strip() for f in fields] == ["PAGE"]


# --------------------------------------------------------------------------- the page's layout

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _text(element: etree._Element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{_W}t"))


def _keeps_with_next(paragraph: etree._Element) -> bool:
    return paragraph.find(f"{_W}pPr/{_W}keepNext") is not None


def _bold_width_twips(word: str, points: float) -> float:
    """How wide ``word`` is set in bold DejaVu Sans (the wide face LibreOffice falls back to), in twips."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    width, _, _ = TextToPath().get_text_width_height_descent(
        word, FontProperties(family="DejaVu Sans", weight="bold", size=points), ismath=False)
    return width * 20


def test_a_table_is_as_wide_as_the_text_and_no_header_word_is_split(run_dir: Path, tmp_path: Path) -> None:
    """Looked at in LibreOffice: columns shared out evenly, and stated in EMU where Word reads twips,
    cramped a table's labels and split its headers inside words ("Moldo va n")."""
    doc = _render(run_dir, tmp_path)
    table = doc.tables[-1]._tbl
    section = doc.sections[-1]
    text_width = round((section.page_width - section.left_margin - section.right_margin) / 635)
    grid = [int(w) for w in table.xpath("./w:tblGrid/w:gridCol/@w:w")]
    assert sum(grid) == text_width
    # The cells' own widths are the grid's.
    first_row = table.xpath("./w:tr[1]/w:tc/w:tcPr/w:tcW/@w:w")
    assert [int(w) for w in first_row] == grid
    # Each header word fits its column in a wide bold face, with Word's cell margins (0.08 inch a side).
    header = [c.text for c in doc.tables[-1].rows[0].cells]
    size = {int(v) / 2 for v in table.xpath(".//w:rPr/w:sz/@w:val")}
    assert len(size) == 1 and 8 <= size.pop() <= 10  # one small size for a table's text, as in the HTML
    for width, text in zip(grid[1:], header[1:], strict=True):
        assert all(_bold_width_twips(word, 9) + 2 * 115 <= width for word in text.split()), (text, width)
    # The labels' column is the widest.
    assert grid[0] == max(grid)


def test_a_table_keeps_its_caption_and_rows_on_one_page(run_dir: Path, tmp_path: Path) -> None:
    """A caption stays with its table, a chart with its caption, no row is cut in two, and a short
    table's rows each stay with the next (as the printed report keeps a short table whole)."""
    doc = _render(run_dir, tmp_path)
    table = doc.tables[-1]._tbl
    caption = table.getprevious()
    assert _text(caption) == "Table 1. Gender — Moldova" and _keeps_with_next(caption)
    picture = next(p for p in doc.element.body.iter(f"{_W}p") if p.xpath(".//w:drawing"))
    assert _keeps_with_next(picture) and "Figure 1" in _text(picture.getnext())
    rows = table.xpath("./w:tr")
    assert all(row.xpath("./w:trPr/w:cantSplit") for row in rows)
    kept = [all(_keeps_with_next(p) for p in row.iter(f"{_W}p")) for row in rows]
    assert kept == [True] * (len(rows) - 1) + [False]


def test_the_back_matters_short_parts_are_kept_on_one_page(run_dir: Path, tmp_path: Path) -> None:
    """How the report was built stays on one page: its last paragraph alone on the report's last
    page was a nearly empty page, in Word as in the PDF."""
    from perspectives.report_annex import Block

    reference = build_reference(tmp_path / "reference.docx")
    annex = [Block("heading", "Annex", 1), Block("paragraph", "The full tables."),
             Block("heading", "How this report was built", 2, whole=True), Block("paragraph", "Every number."),
             Block("inputs", rows=(("Input", "File"), ("Survey export", "survey.csv"))),
             Block("paragraph", "Code version."), Block("paragraph", "Check the digests.")]
    out = tmp_path / "annex.docx"
    out.write_bytes(render_docx(_meta(), [SectionDoc("methods", "Methods and sample", run_dir / "executed.ipynb")],
                                Translator("en"), reference, annex=annex))
    body = list(docx.Document(str(out)).element.body)
    start = max(i for i, e in enumerate(body) if _text(e) == "How this report was built")  # the heading, after the contents
    part = [p for e in body[start:] for p in ([e] if e.tag == f"{_W}p" else e.iter(f"{_W}p"))
            if _text(p) or e.tag == f"{_W}tbl"]
    assert _text(part[-1]) == "Check the digests."
    assert [_keeps_with_next(p) for p in part] == [True] * (len(part) - 1) + [False]
    # The annex's opening paragraph, not in a part kept whole, is free to end its page.
    intro = next(e for e in body if _text(e) == "The full tables.")
    assert not _keeps_with_next(intro)


def test_chapters_run_on_as_in_the_pdf(run_dir: Path, tmp_path: Path) -> None:
    """Only the text after the contents and the annex open a page: a page forced before every
    chapter left the Word report with pages holding a chapter's last few lines (LibreOffice's
    rendering of Moldova's: 45 pages, 7 of them filled less than 40%; the PDF runs chapters on)."""
    from perspectives.report_annex import Block

    reference = build_reference(tmp_path / "reference.docx")
    notebook = run_dir / "executed.ipynb"
    sections = [SectionDoc("methods", "Methods and sample", notebook), SectionDoc("again", "Methods again", notebook)]
    out = tmp_path / "chapters.docx"
    out.write_bytes(render_docx(_meta(), sections, Translator("en"), reference,
                                annex=[Block("heading", "Annex", 1), Block("paragraph", "The full tables.")]))
    doc = docx.Document(str(out))

    def opens_a_page(paragraph: docx.text.paragraph.Paragraph) -> bool:
        own = paragraph.paragraph_format.page_break_before
        return bool(paragraph.style.paragraph_format.page_break_before if own is None else own)

    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["Methods and sample", "Methods and sample", "Annex"]
    assert [p.text for p in doc.paragraphs if opens_a_page(p)] == ["Methods and sample", "Annex"]
    assert len(doc.element.body.xpath(".//w:br[@w:type='page']")) == 1  # the cover's own page


def test_a_count_written_with_no_break_spaces_gets_its_whole_width() -> None:
    """'(n = 71)' is one unbreakable word: its column holds it on one line, even when the
    country columns of the synthesis share the page ('89% (n = 7' / '1)' in LibreOffice)."""
    from perspectives.docx_report import _column_widths

    count = "89% (n\u00a0=\u00a071)"
    head = ["", "Albania", "Bosnia and Herzegovina", "Colombia", "Moldova", "Mexico", "Peru"]
    rows = [head, ["Another gender or prefer to self-describe", *[count] * 6]]
    widths = _column_widths(rows, 7, 9638)
    assert sum(widths) == 9638
    needed = max(_bold_width_twips("(n\u00a0=\u00a071)", 9), _bold_width_twips("Herzegovina", 9)) + 2 * 115
    assert min(widths[1:]) >= _bold_width_twips("(n\u00a0=\u00a071)", 9) + 2 * 115
    assert widths[2] >= needed


def test_word_sets_the_print_css_type_with_its_fallback(run_dir: Path, tmp_path: Path) -> None:
    """The body's type is the PDF's: the print CSS's first family a reader has, its next one as Word's stand-in.

    The families are read from the CSS here, not from the code under test; "Source Serif Pro"
    (the CSS's first) is on few machines and LibreOffice sets it in its sans-serif default,
    so the file names Georgia (the CSS's second, shipped with Windows and macOS) and Times New
    Roman as its stand-in. On the old code the Word file was set in Calibri (sans-serif) while
    the PDF is serif.
    """
    css = (Path(__file__).parents[1] / "lib" / "perspectives" / "templates" / "report.css").read_text(encoding="utf-8")
    declared = re.search(r"\nbody \{[^}]*font-family: ([^;]+);", css)
    assert declared
    families = [f.strip().strip('"') for f in declared.group(1).split(",")][1:]
    assert families[:2] == ["Georgia", "Times New Roman"]
    doc = _render(run_dir, tmp_path)
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    for name in ("Normal", "Heading 1", "Heading 2", "Caption", "TOC 1"):
        style = doc.styles[name]
        while style.font.name is None and style.base_style is not None:  # Word's "based on" chain
            style = style.base_style
        assert style.font.name == families[0], name
        fonts = style.element.find(f"{w}rPr/{w}rFonts")
        assert fonts.get(f"{w}asciiTheme") is None, name  # a theme font would win over the name
    table = etree.fromstring(zipfile.ZipFile(tmp_path / "report.docx").read("word/fontTable.xml"))
    entry = next(f for f in table.iter(f"{w}font") if f.get(f"{w}name") == families[0])
    assert entry.find(f"{w}altName").get(f"{w}val") == families[1]
    assert entry.find(f"{w}family").get(f"{w}val") == "roman"  # serif, for a program without either


def test_the_word_family_is_the_first_a_reader_has_and_a_css_without_one_is_refused() -> None:
    from perspectives.docx_contents import print_fonts

    # Hand-read: Georgia is the list's first family Windows and macOS ship; the one after stands in.
    assert print_fonts('body { font-family: "Source Serif Pro", Georgia, "Times New Roman", serif; }') == (
        "Georgia", "Times New Roman", "serif")
    assert print_fonts("p {} body { color: red; font-family: Inter, Arial, sans-serif }") == ("Arial", None, "sans-serif")
    assert print_fonts("body { font-family: Inter, sans-serif }") == ("Inter", None, "sans-serif")
    with pytest.raises(ValueError, match="names no font-family"):
        print_fonts("body { color: red }")
