"""The printed contents give each heading's page, Word's contents the same pages, every format the edition's language.

Read on the built reports (Moldova and the synthesis, in English and in Romanian: the shared
builds of conftest), each format opened by its own reader, independently of the code that
wrote it:

* the PDF: each entry of the contents page reads its heading's words followed by the page on
  which the heading's named destination lies (pikepdf), and links to that destination;
* Word: each contents entry reads its heading's words, a tab and the same page as the PDF's,
  and Word is asked to update the fields when it opens the file (its own pagination then);
* the language: the HTML's ``lang``, the PDF's ``/Lang`` and XMP ``dc:language``, and the Word
  file's styles, theme fonts and core properties all state the edition's BCP 47 tag, written
  here by hand: Moldova's report in Romanian is ``ro-MD``, the English reports British English
  (``en-GB``, as the reports spell), the synthesis in Romanian ``ro`` (no one country's);
* the page is the study's (A4).
"""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path

import docx
import pikepdf
import pytest
from lxml import html as lxml_html
from pdf_text import pdf_text, squeezed

from perspectives import pdf
from perspectives.study import load_study, report_folder

needs_chromium = pytest.mark.skipif(pdf.find_chromium() is None, reason="chromium is not installed (make pdf-tools)")
REPORTS = ("MDA", "ALL")
LANGS = ("en", "ro")
CASES = [(lang, code) for lang in LANGS for code in REPORTS]
# The edition's language, by hand (see the module's docstring).
TAGS = {("en", "MDA"): "en-GB", ("en", "ALL"): "en-GB", ("ro", "MDA"): "ro-MD", ("ro", "ALL"): "ro"}


@pytest.fixture(scope="module")
def built(study_build: Path, romanian_build: Path) -> dict[str, Path]:
    """lang -> the shared output folder holding Moldova and the synthesis in that language."""
    return {"en": study_build, "ro": romanian_build}


def _folder(built: dict[str, Path], lang: str, code: str) -> Path:
    return built[lang] / report_folder(code, load_study(), lang)


def _contents(folder: Path) -> list[tuple[str, str]]:
    """The HTML's contents: each entry's heading id and words."""
    root = lxml_html.fromstring((folder / "report.html").read_bytes())
    return [(a.get("href").removeprefix("#"), " ".join(a.text_content().split()))
            for a in root.xpath("//nav[contains(@class, 'toc')]//a")]


def _destinations(path: Path) -> dict[str, int]:
    """Each named destination of the PDF and the page (1 for the cover) it lies on."""
    with pikepdf.open(path) as document:
        number = {page.objgen: i for i, page in enumerate(document.pages, start=1)}
        return {str(name).lstrip("/"): number[dest[0].objgen] for name, dest in document.Root.Dests.items()}


def _pages_text(path: Path, first: int, last: int, folder: Path) -> str:
    """The text of pages ``first``..``last`` (1 for the cover) of the PDF at ``path``."""
    with pikepdf.open(path) as document, warnings.catch_warnings():
        # The copy is read for its text alone: that its links lose their destinations is no matter.
        warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
        part = pikepdf.Pdf.new()
        part.pages.extend(document.pages[first - 1:last])
        part.save(folder / "part.pdf")
    return pdf_text(folder / "part.pdf")


@needs_chromium
@pytest.mark.parametrize(("lang", "code"), CASES)
def test_the_printed_contents_give_each_headings_page(built: dict[str, Path], lang: str, code: str,
                                                      tmp_path: Path) -> None:
    folder = _folder(built, lang, code)
    contents = _contents(folder)
    where = _destinations(folder / "report.pdf")
    pages = [where[anchor] for anchor, _ in contents]
    assert len(contents) > 20 and pages == sorted(pages) and pages[0] > 2
    # The contents start on page 2 (after the cover) and end before the first heading's page.
    text = squeezed(_pages_text(folder / "report.pdf", 2, pages[0] - 1, tmp_path))
    expected = "".join(squeezed(words) + str(page) for (_, words), page in zip(contents, pages, strict=True))
    assert expected in text
    with pikepdf.open(folder / "report.pdf") as document:
        links = [str(annot.Dest).lstrip("/") for page in document.pages[1:pages[0] - 1]
                 for annot in page.get("/Annots", []) if "/Dest" in annot]
    assert links == [anchor for anchor, _ in contents]


@needs_chromium
@pytest.mark.parametrize(("lang", "code"), CASES)
def test_word_contents_carry_no_pages(built: dict[str, Path], lang: str, code: str) -> None:
    # The PDF's pages are not the Word file's: its entries are the headings' words alone.
    folder = _folder(built, lang, code)
    expected = [words for _, words in _contents(folder)]
    document = docx.Document(str(folder / "report.docx"))
    entries = [p.text for p in document.paragraphs if p.style.name in ("TOC 1", "TOC 2")]
    assert entries == expected
    settings = document.settings.element
    assert settings.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}updateFields") is None
    for section in document.sections:  # the study's page, A4
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


@needs_chromium
@pytest.mark.parametrize(("lang", "code"), CASES)
def test_every_format_states_the_editions_language(built: dict[str, Path], lang: str, code: str) -> None:
    folder = _folder(built, lang, code)
    tag = TAGS[(lang, code)]
    assert lxml_html.fromstring((folder / "report.html").read_bytes()).get("lang") == tag
    with pikepdf.open(folder / "report.pdf") as document:
        assert str(document.Root.Lang) == tag
        xmp = document.Root.Metadata.read_bytes().decode("utf-8")
    assert re.findall(r"<dc:language><rdf:Bag><rdf:li>([^<]*)</rdf:li>", xmp) == [tag]
    with zipfile.ZipFile(folder / "report.docx") as package:
        styles = package.read("word/styles.xml").decode("utf-8")
        settings = package.read("word/settings.xml").decode("utf-8")
    assert set(re.findall(r'<w:lang w:val="([^"]+)"', styles)) == {tag}
    assert set(re.findall(r'<w:themeFontLang w:val="([^"]+)"', settings)) <= {tag}
    assert docx.Document(str(folder / "report.docx")).core_properties.language == tag
