"""Accessibility checks of a built report, in HTML, PDF and Word: ``perspectives check-report``.

Purpose
    Say, for one report folder, whether every reader can use the report: each chart has a
    text alternative holding its numbers (or the word for withheld) and its data table;
    tables have captions, header cells with a scope and no empty header cell, and, where
    columns have two header rows, data cells naming their headers; heading levels never
    skip; figures and tables are numbered 1..N in reading order, the same in HTML and Word;
    the PDF is tagged, has a language, bookmarks, the document title shown, XMP metadata
    declaring PDF/UA, one described Figure per chart, tables tagged with header cells, no
    image drawn outside the tag tree, and no table row left alone on a page; every Word
    drawing has a description and every Word table a header row. With axe-core installed
    (``npm ci`` in ``tests/a11y``, which ``make env`` runs) the HTML is also checked by axe
    in Chromium at WCAG 2.1 A/AA, plus the best-practice rules ``empty-table-header`` and
    ``heading-order``. The counts behind each finding are printed too, so a before/after
    comparison is one command per folder.

    A report checked may come from anyone, so axe-core's browser sees only the report, as the
    PDF printer does: the page is served from an address that resolves nowhere, under a
    policy that runs none of its scripts and loads nothing, every other request is refused,
    and axe-core runs in an isolated world beside the page. A page that tries to leave is not
    checked, and says so.

Inputs
    A report folder (``outputs/MDA``, ``outputs/MDA/ro``): ``report.html``, ``report.pdf``,
    ``report.docx`` (whichever are present). On the command line a report folder also
    brings the report's other languages (``outputs/MDA/ro/`` with ``outputs/MDA``), and an
    output folder (``outputs``) every report in it (:func:`report_folders`); the report's language from the HTML's ``lang`` (the word for
    withheld and the caption templates come from its catalogue); axe-core's ``axe.min.js``
    (``PERSPECTIVES_AXE``, else ``tests/a11y/node_modules/axe-core``) and Chromium for axe.

Outputs
    :class:`ReportCheck` (counts and findings per format); ``perspectives check-report
    FOLDER [...] [--no-axe] [--json]`` prints them and exits 1 when there is a finding, 2 on
    a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perspectives.i18n import Translator
from perspectives.outline import ANNEX_PREFIX, FIGURE_LABEL, TABLE_LABEL, unformat
from perspectives.project import Project
from perspectives.study import repo_root

__all__ = [
    "AXE_BEST_PRACTICE",
    "AXE_TAGS",
    "Finding",
    "ReportCheck",
    "axe_script",
    "check_docx",
    "check_html",
    "check_pdf",
    "check_report",
    "check_reports",
    "main",
    "numbers_in_order",
    "run_axe",
]

# axe-core: every WCAG 2.1 A and AA rule, plus two best-practice rules the reports must pass.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
AXE_BEST_PRACTICE = ("empty-table-header", "heading-order")
AXE_FILE = Path("tests") / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
# The browser flags of perspectives.pdf: headless, no sandbox (containers), nothing fetched.
BROWSER_FLAGS = ("--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-extensions")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Finding:
    """One thing a reader could not use: the format, a short rule name and what was found."""

    format: str   # html, pdf, docx, numbering, axe
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.format}: {self.rule}: {self.message}"


@dataclass
class ReportCheck:
    """The counts measured in one report folder and the findings."""

    folder: str
    counts: dict[str, dict[str, Any]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the check found nothing."""
        return not self.findings

    def to_json(self) -> dict[str, Any]:
        """The counts and findings as plain data (``--json``)."""
        return {"folder": self.folder, "counts": self.counts, "findings": [vars(f) for f in self.findings]}


def numbers_in_order(numbers: Sequence[int]) -> bool:
    """Whether ``numbers`` is exactly 1, 2, ..., N (an empty list is in order)."""
    return list(numbers) == list(range(1, len(numbers) + 1))


def _label_number(template: str, text: str) -> int | None:
    """The number of a numbered caption (``"Figure 3. ..."`` in the report's language), or None."""
    found = unformat(template, " ".join(text.split()))
    if found and found["number"].isdigit():
        return int(found["number"])
    return None


def _describes(alt: str, withheld: str) -> bool:
    """A text alternative that holds a number or says a value is withheld."""
    return bool(_DIGIT.search(alt)) or withheld.lower() in alt.lower()


# --------------------------------------------------------------------------- HTML


def check_html(path: Path, project: Project | None = None) -> tuple[dict[str, Any], list[Finding], Translator]:
    """Counts and findings of ``report.html``, and the report's language (from ``lang``).

    Args:
        path: the report's HTML file.
        project: the study folder whose catalogue words the report (default: the one around
            the working directory).

    Returns:
        (counts, findings, translator). Counts: images and their text alternatives, figures
        with a caption and a data table, tables, header cells (with ``scope``, empty),
        tables with two or more header rows and those whose data cells name their headers,
        heading-level skips, figure and table numbers in reading order.
    """
    from lxml import html as lxml_html

    root = lxml_html.fromstring(Path(path).read_bytes())
    lang = root.get("lang") or "en"
    try:
        tr = Translator(lang, project=project)
    except ValueError:
        tr = Translator("en", project=project)
    findings: list[Finding] = []
    c: dict[str, Any] = {"lang": lang}
    images = _check_images(root, tr("withheld"), c, findings)
    _check_tables(root, c, findings)
    _check_headings(root, c, findings)
    _check_numbering(root, tr, len(images), c, findings)
    return c, findings, tr


def _check_images(root: Any, withheld: str, c: dict[str, Any], findings: list[Finding]) -> list[Any]:
    """Count the report's images into ``c`` and add what they lack to ``findings``; the charts."""
    # A cover's logo is an image with its text alternative, not a chart: it has no numbers.
    logos = [img for img in root.findall(".//img") if "logo" in (img.get("class") or "").split()]
    images = [img for img in root.findall(".//img") if img not in logos]
    c["logos"] = len(logos)
    for img in logos:
        if not (img.get("alt") or "").strip():
            findings.append(Finding("html", "img-alt", "the cover's logo has no text alternative"))
    alts = [(img.get("alt") or "").strip() for img in images]
    c["img"] = len(images)
    c["img_alt_nonempty"] = sum(1 for a in alts if a)
    c["img_alt_with_numbers"] = sum(1 for a in alts if a and _describes(a, withheld))
    for i, alt in enumerate(alts, start=1):
        if not alt:
            findings.append(Finding("html", "img-alt", f"image {i} has no text alternative"))
        elif not _describes(alt, withheld):
            findings.append(Finding("html", "img-alt-numbers",
                                    f"image {i}'s text alternative holds no number and no '{withheld}'"))
    in_figure = [img for img in images if img.getparent() is not None and img.getparent().tag == "figure"]
    c["img_in_figure_with_caption"] = sum(1 for img in in_figure if img.getparent().find("figcaption") is not None)
    with_data = sum(1 for img in images if _has_data_table(img))
    c["charts_with_data_table"] = with_data
    for i, img in enumerate(images, start=1):
        if img not in in_figure or img.getparent().find("figcaption") is None:
            findings.append(Finding("html", "figure", f"image {i} is not in a <figure> with a <figcaption>"))
    if with_data < len(images):
        findings.append(Finding("html", "chart-data", f"{len(images) - with_data} of {len(images)} charts have "
                                                      "no data table one click away"))
    return images


def _has_data_table(img: Any) -> bool:
    """Whether a chart's figure is followed by a ``<details>`` holding its table."""
    figure = img.getparent() if img.getparent() is not None and img.getparent().tag == "figure" else None
    following = figure.getnext() if figure is not None else None
    return following is not None and following.tag == "details" and following.find(".//table") is not None


def _check_tables(root: Any, c: dict[str, Any], findings: list[Finding]) -> None:
    """Count the tables and header cells into ``c`` and add what they lack to ``findings``."""
    tables = root.findall(".//table")
    th = root.findall(".//th")
    c["tables"] = len(tables)
    c["tables_with_caption"] = sum(1 for t in tables if t.find("caption") is not None)
    c["th"] = len(th)
    c["th_with_scope"] = sum(1 for cell in th if cell.get("scope") in ("col", "row", "colgroup", "rowgroup"))
    c["th_empty"] = sum(1 for cell in th if not "".join(cell.itertext()).strip())
    two_rows = linked = 0
    for t in tables:
        head_rows = [row for row in t.findall("./thead/tr") if row.find("th") is not None]
        if len(head_rows) >= 2:
            two_rows += 1
            linked += _cells_name_headers(t)
    c["tables_two_header_rows"] = two_rows
    c["tables_two_header_rows_linked"] = linked
    if c["tables_with_caption"] < len(tables):
        findings.append(Finding("html", "table-caption", f"{len(tables) - c['tables_with_caption']} of "
                                                         f"{len(tables)} tables have no <caption>"))
    if c["th_with_scope"] < len(th):
        findings.append(Finding("html", "th-scope", f"{len(th) - c['th_with_scope']} of {len(th)} header cells "
                                                    "have no scope"))
    if c["th_empty"]:
        findings.append(Finding("html", "empty-th", f"{c['th_empty']} header cells are empty"))
    if linked < two_rows:
        findings.append(Finding("html", "headers-id", f"{two_rows - linked} of {two_rows} tables with two header "
                                                      "rows do not tie each data cell to its headers"))


def _cells_name_headers(table: Any) -> bool:
    """Whether every data cell of a table names, in ``headers``, header cells of the table."""
    ids = {cell.get("id") for cell in table.iter("th") if cell.get("id")}
    cells = table.findall("./tbody/tr/td")
    return bool(cells) and all(cell.get("headers") and set(cell.get("headers").split()) <= ids for cell in cells)


def _check_headings(root: Any, c: dict[str, Any], findings: list[Finding]) -> None:
    """Count the headings and the levels they skip."""
    levels = [int(h.tag[1]) for h in root.iter() if isinstance(h.tag, str) and re.fullmatch(r"h[1-6]", h.tag)]
    skips = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    c["headings"] = len(levels)
    c["heading_skips"] = len(skips)
    for a, b in skips:
        findings.append(Finding("html", "heading-skip", f"an h{b} follows an h{a}"))


def _check_numbering(root: Any, tr: Translator, charts: int, c: dict[str, Any], findings: list[Finding]) -> None:
    """Figure, table and annex-table numbers in reading order, one figure number per chart."""
    figure_numbers, table_numbers = _numbers(root, tr)
    c["figure_numbers"] = figure_numbers
    c["table_numbers"] = table_numbers
    annex = _annex_numbers(root, tr)
    c["annex_table_numbers"] = annex
    if not numbers_in_order(annex):
        findings.append(Finding("numbering", "annex-tables", f"annex table numbers run A{', A'.join(map(str, annex))}"))
    c["figures_numbered_in_order"] = numbers_in_order(figure_numbers)
    c["figures_unnumbered"] = max(0, charts - len(figure_numbers))
    if not numbers_in_order(figure_numbers) or len(figure_numbers) != charts:
        findings.append(Finding("numbering", "figures", f"HTML figure numbers run {_short(figure_numbers)} for "
                                                        f"{charts} charts"))
    if not numbers_in_order(table_numbers):
        findings.append(Finding("numbering", "tables", f"HTML table numbers run {_short(table_numbers)}"))


def _numbers(root: Any, tr: Translator) -> tuple[list[int], list[int]]:
    """Figure and table numbers of the captions, in reading order.

    (a figure's own caption, or an italic caption paragraph as reports written before figures had
    one).
    """
    figures: list[int] = []
    tables: list[int] = []
    for element in root.iter("figcaption", "caption", "em"):
        text = "".join(element.itertext()).strip()
        number = _label_number(tr(FIGURE_LABEL), text)
        if number is not None and element.tag in ("figcaption", "em"):
            figures.append(number)
            continue
        number = _label_number(tr(TABLE_LABEL), text)
        if number is not None and element.tag in ("caption", "em"):
            tables.append(number)
    return figures, tables


def _annex_numbers(root: Any, tr: Translator) -> list[int]:
    """The annex tables' numbers (A1, A2...) in reading order, each counted once.

    (An annex table is also shown behind its chart in HTML: the same number, met first there.)
    """
    seen: list[int] = []
    for element in root.iter("caption"):
        found = unformat(tr(TABLE_LABEL), " ".join("".join(element.itertext()).split()))
        number = found["number"] if found else ""
        if number.startswith(ANNEX_PREFIX) and number[len(ANNEX_PREFIX):].isdigit():
            value = int(number[len(ANNEX_PREFIX):])
            if value not in seen:
                seen.append(value)
    return seen


def _short(numbers: Sequence[int]) -> str:
    shown = ", ".join(map(str, numbers[:20]))
    return (shown + ", ..." if len(numbers) > 20 else shown) or "(none)"


# --------------------------------------------------------------------------- PDF


def check_pdf(path: Path, charts: int | None = None) -> tuple[dict[str, Any], list[Finding]]:
    """Counts and findings of ``report.pdf`` (pikepdf).

    Args:
        path: the PDF.
        charts: how many charts the report has (its HTML images), to compare with the PDF's
            described Figures; None to skip that comparison.

    Returns:
        (counts, findings). Counts: tagged, language, title shown, XMP fields, Figure
        elements (with ``/Alt``), Table/TH/TD elements, bookmarks, pages, images drawn outside
        a tag or artifact, tables leaving one row alone on a page.
    """
    import pikepdf

    findings: list[Finding] = []
    c: dict[str, Any] = {}
    with pikepdf.open(path) as pdf:
        root = pdf.Root
        c["pages"] = len(pdf.pages)
        mark = root.get("/MarkInfo")
        c["tagged"] = bool(mark is not None and mark.get("/Marked") and "/StructTreeRoot" in root)
        c["lang"] = str(root.get("/Lang", "")) or None
        prefs = root.get("/ViewerPreferences")
        c["display_doc_title"] = bool(prefs is not None and prefs.get("/DisplayDocTitle"))
        xmp = _xmp(pdf)
        c.update(xmp)
        c["outline_items"] = _outline_items(root)
        elements = _struct_elements(root)
        kinds = Counter(str(e.get("/S")) for e in elements)
        figures = [e for e in elements if e.get("/S") == pikepdf.Name.Figure]
        described = [e for e in figures if str(e.get("/Alt", "")).strip()]
        c["figure_elements"] = len(figures)
        c["figure_elements_with_alt"] = len(described)
        c["table_elements"] = kinds["/Table"]
        c["th_elements"] = kinds["/TH"]
        c["td_elements"] = kinds["/TD"]
        c["images_untagged"] = _untagged_images(pdf)
        c["orphaned_rows"] = _orphaned_rows(elements)
    for key, rule, message in (("tagged", "tagged", "the PDF is not tagged"),
                               ("lang", "lang", "the PDF has no /Lang"),
                               ("display_doc_title", "display-doc-title", "DisplayDocTitle is not set"),
                               ("xmp", "xmp", "the PDF has no XMP metadata stream"),
                               ("xmp_dc_title", "xmp-dc-title", "the XMP has no dc:title"),
                               ("xmp_dc_language", "xmp-dc-language", "the XMP has no dc:language"),
                               ("xmp_pdfuaid_part", "xmp-pdfuaid", "the XMP does not declare PDF/UA (pdfuaid:part)"),
                               ("outline_items", "outlines", "the PDF has no bookmarks")):
        if not c[key]:
            findings.append(Finding("pdf", rule, message))
    if len(described) < len(figures):
        findings.append(Finding("pdf", "figure-alt", f"{len(figures) - len(described)} Figure elements have no /Alt"))
    if charts is not None and len(described) != charts:
        findings.append(Finding("pdf", "figure-per-chart", f"{len(described)} described Figure elements for "
                                                           f"{charts} charts"))
    for kind in ("table", "th", "td"):
        if not c[f"{kind}_elements"]:
            findings.append(Finding("pdf", "table-tags", f"no {kind.upper()} element in the structure tree"))
    if c["images_untagged"]:
        findings.append(Finding("pdf", "untagged-image", f"{c['images_untagged']} images are drawn outside a tag "
                                                         "or an artifact"))
    if c["orphaned_rows"]:
        findings.append(Finding("pdf", "orphaned-row", f"{c['orphaned_rows']} table rows stand alone on a page"))
    return c, findings


def _xmp(pdf: Any) -> dict[str, Any]:
    out = {"xmp": False, "xmp_dc_title": None, "xmp_dc_language": None, "xmp_pdfuaid_part": None}
    if "/Metadata" not in pdf.Root:
        return out
    out["xmp"] = True
    meta = pdf.open_metadata()
    for key, name in (("xmp_dc_title", "dc:title"), ("xmp_dc_language", "dc:language"),
                      ("xmp_pdfuaid_part", "pdfuaid:part")):
        value = meta.get(name)
        if isinstance(value, (list, set, tuple)):
            value = ", ".join(sorted(map(str, value)))
        out[key] = str(value) if value else None
    return out


def _outline_items(root: Any) -> int:
    outlines = root.get("/Outlines")
    if outlines is None:
        return 0
    count, pending, seen = 0, [outlines.get("/First")], set()
    while pending:
        item = pending.pop()
        while item is not None and item.objgen not in seen:
            seen.add(item.objgen)
            count += 1
            if "/First" in item:
                pending.append(item.First)
            item = item.get("/Next")
    return count


def _struct_elements(root: Any) -> list[Any]:
    """Every structure element, in document order."""
    import pikepdf

    tree = root.get("/StructTreeRoot")
    if tree is None:
        return []
    found: list[Any] = []
    pending = [tree]
    while pending:
        element = pending.pop()
        if element is not tree:
            found.append(element)
        kids = element.get("/K")
        children = [k for k in (kids if isinstance(kids, pikepdf.Array) else [kids])
                    if isinstance(k, pikepdf.Dictionary) and "/S" in k]
        pending.extend(reversed(children))
    return found


def _untagged_images(pdf: Any) -> int:
    """How many image XObjects are painted outside both tagged content (an MCID) and artifacts.

    Marked content is followed through the page's content stream and into form XObjects (a
    form drawn inside a tag passes its tag on to what it draws).
    """
    import pikepdf

    count = 0

    def walk(content: Any, resources: Any, covered: bool, depth: int) -> None:
        nonlocal count
        xobjects = resources.get("/XObject") if resources is not None else None
        stack: list[bool] = []
        for operands, operator in pikepdf.parse_content_stream(content, "BDC BMC EMC Do"):
            name = str(operator)
            if name in ("BDC", "BMC"):
                tag = operands[0] if operands else None
                props = operands[1] if name == "BDC" and len(operands) > 1 else None
                marks = tag == pikepdf.Name.Artifact or (isinstance(props, pikepdf.Dictionary) and "/MCID" in props)
                stack.append(marks)
            elif name == "EMC":
                if stack:
                    stack.pop()
            elif name == "Do" and xobjects is not None and operands:
                xobject = xobjects.get(operands[0])
                inside = covered or any(stack)
                if xobject is None:
                    continue
                if xobject.get("/Subtype") == pikepdf.Name.Image and not inside:
                    count += 1
                elif xobject.get("/Subtype") == pikepdf.Name.Form and depth < 8:
                    walk(xobject, xobject.get("/Resources"), inside, depth + 1)

    for page in pdf.pages:
        walk(page, page.obj.get("/Resources"), False, 0)
    return count


def _orphaned_rows(elements: Sequence[Any]) -> int:
    """Rows left alone on a page.

    A body row (a row with a TD) of a table that runs across pages alone on its page, or a table's
    header rows on a page that holds none of its body.
    """
    import pikepdf

    rows_by_table: dict[Any, list[Any]] = defaultdict(list)
    for element in elements:
        if element.get("/S") == pikepdf.Name.TR:
            table = element.get("/P")
            while table is not None and table.get("/S") not in (pikepdf.Name.Table, None):
                table = table.get("/P")
            if table is not None:
                rows_by_table[table.objgen].append(element)
    orphans = 0
    for rows in rows_by_table.values():
        pages: Counter[Any] = Counter()
        header_pages: set[Any] = set()
        for row in rows:
            cells = [k for k in _kids(row) if k.get("/S") in (pikepdf.Name.TD, pikepdf.Name.TH)]
            row_pages = {p.objgen for cell in cells for p in _pages_of(cell)}
            if not any(cell.get("/S") == pikepdf.Name.TD for cell in cells):
                header_pages |= row_pages  # a header row (repeated copies are not tagged)
                continue
            for page in row_pages:
                pages[page] += 1
        if len(pages) > 1:
            orphans += sum(1 for n in pages.values() if n == 1)
        # A header row left at the foot of a page, its body rows all on the next.
        orphans += sum(1 for page in header_pages if pages and page not in pages)
    return orphans


def _kids(element: Any) -> list[Any]:
    import pikepdf

    kids = element.get("/K")
    return [k for k in (kids if isinstance(kids, pikepdf.Array) else [kids])
            if isinstance(k, pikepdf.Dictionary) and "/S" in k]


def _pages_of(element: Any) -> list[Any]:
    """The pages an element's content is on (its /Pg and its descendants')."""
    found: list[Any] = []
    pending = [element]
    while pending:
        current = pending.pop()
        page = current.get("/Pg")
        if page is not None:
            found.append(page)
        pending.extend(_kids(current))
    return found


# --------------------------------------------------------------------------- Word


def check_docx(path: Path, tr: Translator | None = None) -> tuple[dict[str, Any], list[Finding], list[int]]:
    """Counts and findings of ``report.docx``, and its figure numbers in reading order.

    Args:
        path: the Word file.
        tr: the report's language (default: the document's language property), for the word
            for withheld and the caption template.

    Returns:
        (counts, findings, figure numbers). Counts: drawings (with a description holding a
        number or the word for withheld), tables (with a marked header row), heading-level
        skips.
    """
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(str(path))
    tr = tr or Translator(document.core_properties.language or "en")
    withheld = tr("withheld")
    findings: list[Finding] = []
    c: dict[str, Any] = {}
    body = document.element.body
    doc_pr = [el for el in body.iter(qn("wp:docPr"))]
    descriptions = [(el.get("descr") or "").strip() for el in doc_pr]
    c["drawings"] = len(doc_pr)
    c["drawings_with_descr"] = sum(1 for d in descriptions if d)
    for i, text in enumerate(descriptions, start=1):
        if not text:
            findings.append(Finding("docx", "descr", f"drawing {i} has no description"))
        elif not _describes(text, withheld):
            findings.append(Finding("docx", "descr-numbers", f"drawing {i}'s description holds no number and no "
                                                             f"'{withheld}'"))
    tables = body.findall(f".//{qn('w:tbl')}")
    marked = 0
    for table in tables:
        first = table.find(qn("w:tr"))
        header = first.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") if first is not None else None
        if header is not None and header.get(qn("w:val"), "true") not in ("false", "0"):
            marked += 1
    c["tables"] = len(tables)
    c["tables_with_header_row"] = marked
    if marked < len(tables):
        findings.append(Finding("docx", "header-row", f"{len(tables) - marked} of {len(tables)} tables have no "
                                                      "header row"))
    levels: list[int] = []
    figures: list[int] = []
    for paragraph in document.paragraphs:
        name = paragraph.style.name if paragraph.style is not None else ""
        match = re.fullmatch(r"Heading ([1-9])", name)
        if match:
            levels.append(int(match.group(1)))
        elif name == "Caption":
            number = _label_number(tr(FIGURE_LABEL), paragraph.text)
            if number is not None:
                figures.append(number)
    skips = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    c["heading_skips"] = len(skips)
    for a, b in skips:
        findings.append(Finding("docx", "heading-skip", f"a Heading {b} follows a Heading {a}"))
    c["figure_numbers"] = figures
    if not numbers_in_order(figures) or len(figures) != len(doc_pr):
        findings.append(Finding("numbering", "docx-figures", f"Word figure numbers run {_short(figures)} for "
                                                             f"{len(doc_pr)} drawings"))
    return c, findings, figures


# --------------------------------------------------------------------------- axe


def axe_script() -> Path | None:
    """axe-core's ``axe.min.js``: ``PERSPECTIVES_AXE`` if set, else the repository's npm install."""
    explicit = os.environ.get("PERSPECTIVES_AXE")
    path = Path(explicit) if explicit else repo_root() / AXE_FILE
    return path if path.is_file() else None


def run_axe(pages: Iterable[Path], script: Path | None = None) -> dict[str, list[dict[str, Any]] | str]:
    """axe-core's violations for each HTML page, run in Chromium through Playwright.

    The browser is the machine's Chromium (as for the PDF), never one Playwright downloads.
    Every rule tagged WCAG 2.0/2.1 A or AA runs, plus :data:`AXE_BEST_PRACTICE`.

    A report checked may be anyone's, so the page is served as the printer serves it
    (:func:`_axe_page`): from an address that resolves nowhere, under a policy that lets none
    of its own scripts run, with every other request it makes refused. axe-core runs beside
    the page, in an isolated world the page's policy does not bind, and reads its DOM.

    Args:
        pages: HTML files.
        script: ``axe.min.js`` (default :func:`axe_script`).

    Returns:
        ``{page path: [{"id", "impact", "help", "nodes"}, ...]}`` (nodes: how many elements),
        or for a page axe-core could not check (it tried to leave, it broke the browser), why.

    Raises:
        RuntimeError: no axe-core or no Chromium.
    """
    from playwright.sync_api import sync_playwright

    from perspectives.pdf import find_chromium

    script = script or axe_script()
    if script is None:
        raise RuntimeError("axe-core is not installed (run `make env`, or `npm ci --prefix tests/a11y`)")
    browser_path = find_chromium()
    if browser_path is None:
        raise RuntimeError("no Chromium found to run axe-core in (apt-get install chromium)")
    source = script.read_text(encoding="utf-8")
    results: dict[str, list[dict[str, Any]] | str] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, headless=True,
                                             args=[*BROWSER_FLAGS, *SANDBOX_FLAGS])
        try:
            for path in pages:
                results[str(path)] = _axe_page(browser, Path(path), source)
        finally:
            browser.close()
    return results


# Where a checked page is served from (RFC 2606: resolves nowhere, never looked up), and the
# policy it is served under: its inline styles and data: images and fonts, nothing else (no
# script of its own, no frame, no remote or local load). Every host name also resolves to
# nothing, for what a policy does not cover (a DNS prefetch).
AXE_ORIGIN = "https://report.invalid/"
AXE_PAGE_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"
SANDBOX_FLAGS = ("--host-resolver-rules=MAP * ~NOTFOUND",)
_AXE_RUN = """axe.run(document, {runOnly: {type: 'rule', values: axe.getRules(%s).map(r => r.ruleId).concat(%s)},
                                 resultTypes: ['violations']})
   .then(out => out.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length})))"""


def _axe_page(browser: Any, path: Path, source: str) -> list[dict[str, Any]] | str:
    """axe-core's violations on one page, or why it could not check it (see :func:`run_axe`)."""
    import urllib.parse

    url = AXE_ORIGIN + urllib.parse.quote(path.name)
    body = path.read_bytes()
    context = browser.new_context(java_script_enabled=True, bypass_csp=False, service_workers="block")
    served: list[str] = []
    left: list[str] = []
    try:
        page = context.new_page()

        def answer(route: Any) -> None:
            request = route.request
            main = request.is_navigation_request() and request.frame == page.main_frame
            if main and request.url == url and not served:  # the page's document, once
                served.append(url)
                route.fulfill(status=200, body=body, headers={"Content-Type": "text/html; charset=utf-8",
                                                              "Content-Security-Policy": AXE_PAGE_POLICY})
                return
            if main:
                parts = urllib.parse.urlsplit(request.url)
                left.append(f"{parts.scheme}://{parts.netloc}" if parts.netloc else f"{parts.scheme}:")
            route.abort("blockedbyclient")

        context.route("**/*", answer)
        page.goto(url)
        session = context.new_cdp_session(page)
        frame = session.send("Page.getFrameTree")["frameTree"]["frame"]["id"]
        world = session.send("Page.createIsolatedWorld", {"frameId": frame, "worldName": "axe"})["executionContextId"]
        loaded = session.send("Runtime.evaluate", {"expression": source, "contextId": world})
        found = session.send("Runtime.evaluate", {
            "expression": _AXE_RUN % (json.dumps(list(AXE_TAGS)), json.dumps(list(AXE_BEST_PRACTICE))),
            "contextId": world, "awaitPromise": True, "returnByValue": True})
    except Exception as exc:  # noqa: BLE001 - Playwright's and the protocol's errors alike: not checked
        return f"axe-core could not check {path.name} ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})"
    finally:
        context.close()
    if left:
        return f"axe-core did not check {path.name}: the page tried to leave the report for {left[0]}"
    failure = loaded.get("exceptionDetails") or found.get("exceptionDetails")
    if failure:
        return f"axe-core failed on {path.name}: {failure.get('exception', {}).get('description', failure)}"[:300]
    return list(found["result"]["value"])


# --------------------------------------------------------------------------- a report


def check_reports(folders: Sequence[Path], axe: bool = True, project: Project | None = None) -> list[ReportCheck]:
    """Check several report folders, axe-core running in one browser for all of them.

    Args:
        folders: report folders (see :func:`check_report`).
        axe: run axe-core as well (a finding says so when it cannot run).
        project: the study folder that built them (see :func:`check_html`).

    Returns:
        One :class:`ReportCheck` per folder, in order.
    """
    pages = [Path(f) / "report.html" for f in folders if (Path(f) / "report.html").is_file()]
    violations: dict[str, list[dict[str, Any]] | str] | str | None = None
    if axe and pages:
        try:
            violations = run_axe(pages)
        except RuntimeError as exc:
            violations = str(exc)
    return [check_report(folder, axe=axe, violations=violations, project=project) for folder in folders]


def _with_languages(folder: Path) -> list[Path]:
    """A report folder holding ``report.html``, and its languages' folders below it that hold one."""
    own = [folder] if (folder / "report.html").is_file() else []
    return own + [sub for sub in sorted(folder.iterdir()) if sub.is_dir() and (sub / "report.html").is_file()]


def report_folders(folder: Path) -> list[Path]:
    """The report folders a folder given on the command line stands for.

    A report folder and the folders of its other languages below it (``MDA/``, ``MDA/ro/``);
    an output folder: every report folder in it, in every language. A folder holding none
    stands for itself, so that the missing report is a finding.
    """
    folder = Path(folder)
    if (folder / "report.html").is_file() or (folder / "sections").is_dir():  # a report's folder
        found = _with_languages(folder)
    else:  # an output folder (or a report's folder holding only its other languages)
        found = [f for child in sorted(folder.iterdir()) if child.is_dir() for f in _with_languages(child)]
    return found or [folder]


def _label(folder: Path) -> str:
    """A report folder's name in messages: ``MDA``, or ``MDA/ro`` for a language's folder."""
    parent = folder.parent
    if (parent / "report.html").is_file() or (parent / "sections").is_dir():
        return f"{parent.name}/{folder.name}"
    return folder.name


def check_report(folder: Path, axe: bool = True,
                 violations: dict[str, list[dict[str, Any]] | str] | str | None = None,
                 project: Project | None = None) -> ReportCheck:
    """Check every format of one report folder (see the module's docstring).

    Args:
        folder: a report folder with ``report.html`` and, when built, ``report.pdf`` and
            ``report.docx``.
        axe: run axe-core as well (a finding says so when it cannot run).
        violations: axe-core's results already gathered (:func:`run_axe`, keyed by the HTML
            path), or the reason it could not run; None runs it here.
        project: the study folder that built it (see :func:`check_html`).

    Returns:
        The :class:`ReportCheck`; a missing ``report.html`` is a finding.
    """
    folder = Path(folder)
    result = ReportCheck(_label(folder))
    html_path, pdf_path, docx_path = (folder / f"report.{ext}" for ext in ("html", "pdf", "docx"))
    if not html_path.is_file():
        result.findings.append(Finding("html", "missing", f"no report.html in {result.folder}"))
        return result
    counts, findings, tr = check_html(html_path, project)
    # The PDF tags every image as a Figure with its /Alt: the charts and the cover's logo.
    result.counts["html"], charts = counts, counts["img"] + counts.get("logos", 0)
    result.findings += findings
    if pdf_path.is_file():
        try:
            result.counts["pdf"], found = check_pdf(pdf_path, charts)
        except Exception as exc:  # noqa: BLE001 - a damaged file is a finding, whatever the reader raises
            found = [_unreadable("pdf", pdf_path, exc)]
        result.findings += found
    if docx_path.is_file():
        try:
            _within_limits(docx_path)
            counts_docx, found, figures = check_docx(docx_path, tr)
        except Exception as exc:  # noqa: BLE001 - as for the PDF
            result.findings.append(_unreadable("docx", docx_path, exc))
        else:
            result.counts["docx"] = counts_docx
            result.findings += found
            if figures != result.counts["html"]["figure_numbers"]:
                result.findings.append(Finding("numbering", "formats",
                                               "the Word figure numbers differ from the HTML's"))
    if axe:
        if violations is None:
            try:
                violations = run_axe([html_path])
            except RuntimeError as exc:
                violations = str(exc)
        found = violations if isinstance(violations, str) else violations[str(html_path)]
        if isinstance(found, str):  # axe-core could not run, or not on this page: why
            result.findings.append(Finding("axe", "not-run", found))
        else:
            result.counts["axe"] = {v["id"]: v["nodes"] for v in found}
            for v in found:
                result.findings.append(Finding("axe", v["id"], f"{v['help']} ({v['nodes']} elements, {v['impact']})"))
    return result


# What a Word report may unpack to before it is read: a report holds a few megabytes; a part
# packed a thousand times tighter would be read whole into memory by python-docx.
MAX_DOCX_UNPACKED = 256 << 20


def _within_limits(path: Path) -> None:
    """Unpack every part of a Word file through a counter, a megabyte at a time, keeping nothing.

    Raises:
        ValueError: the parts unpack to more than :data:`MAX_DOCX_UNPACKED`, or list more
            than :data:`perspectives.rawtable_archives.MAX_ZIP_DIRECTORY` of parts.
    """
    import zipfile

    from perspectives.rawtable_archives import MAX_ZIP_DIRECTORY, zip_directory_bytes

    with open(path, "rb") as handle:
        directory = zip_directory_bytes(handle)
        if directory is not None and directory > MAX_ZIP_DIRECTORY:
            raise ValueError(f"its list of parts takes more than {MAX_ZIP_DIRECTORY >> 20} MB")
        total = 0
        with zipfile.ZipFile(handle) as archive:
            for info in archive.infolist():
                with archive.open(info) as part:
                    while chunk := part.read(1 << 20):
                        total += len(chunk)
                        if total > MAX_DOCX_UNPACKED:
                            raise ValueError(f"it unpacks to more than {MAX_DOCX_UNPACKED >> 20} MB")


def _unreadable(fmt: str, path: Path, exc: Exception) -> Finding:
    """The finding for a report file that cannot be read (damaged, cut short, hostile)."""
    why = str(exc).replace(str(path), path.name).splitlines()[0][:200] if str(exc) else ""
    return Finding(fmt, "unreadable", f"{path.name} could not be read ({type(exc).__name__}: {why})")


def _print(result: ReportCheck, out: Any) -> None:
    print(f"{result.folder}:", file=out)
    for fmt, counts in result.counts.items():
        shown = ", ".join(f"{k}={_short(v) if isinstance(v, list) else v}" for k, v in counts.items())
        print(f"  {fmt}: {shown or 'no violations'}", file=out)
    if result.ok:
        print("  no findings", file=out)
    for finding in result.findings:
        print(f"  FINDING {finding}", file=out)


def main(argv: list[str] | None = None, project: Project | None = None) -> int:
    """``perspectives check-report FOLDER [...] [--no-axe] [--json]``; exit 1 on any finding.

    ``project``: the study folder that built the reports (default: the one around the working directory).
    """
    parser = argparse.ArgumentParser(prog="perspectives check-report",
                                     description="Check that a built report is accessible (HTML, PDF, Word).")
    parser.add_argument("folders", nargs="+", type=Path, metavar="FOLDER",
                        help="report folder, e.g. outputs/MDA (its other languages too, outputs/MDA/ro), or an "
                             "output folder (every report in it)")
    parser.add_argument("--no-axe", action="store_true", help="skip axe-core (HTML checked by the other rules only)")
    parser.add_argument("--json", action="store_true", help="print the counts and findings as JSON")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    missing = [f for f in args.folders if not f.is_dir()]
    if missing:
        print(f"perspectives check-report: not a folder: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    folders = list(dict.fromkeys(f for given in args.folders for f in report_folders(given)))
    results = check_reports(folders, axe=not args.no_axe, project=project)
    if args.json:
        json.dump([r.to_json() for r in results], sys.stdout, indent=1, ensure_ascii=False)
        print()
    else:
        for result in results:
            _print(result, sys.stdout)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
