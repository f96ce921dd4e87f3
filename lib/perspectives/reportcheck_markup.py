"""The checks of a built report's HTML and Word files: text alternatives, tables, headings, numbers.

Purpose
    Read ``report.html`` (lxml) and ``report.docx`` (python-docx) as a reader's tools do:
    each chart's text alternative holds its numbers or the word for withheld, figures have
    captions and their data tables, tables have captions and header cells with a scope,
    heading levels never skip, and figures and tables are numbered 1..N in reading order.
    Kept apart from :mod:`perspectives.reportcheck`, which runs every format's check on a
    report folder, because these two formats are read through their markup and share the
    caption and description rules.

Inputs
    A report's HTML or Word file; the report's catalogue (:class:`perspectives.i18n.Translator`)
    for the word for withheld and the caption templates.

Outputs
    :func:`check_html` and :func:`check_docx`: counts and :class:`Finding` lists.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from perspectives.i18n import Translator
from perspectives.locales import language_of
from perspectives.outline import ANNEX_PREFIX, FIGURE_LABEL, TABLE_LABEL, unformat
from perspectives.project import Project, default
from perspectives.reportcheck_findings import Finding, numbers_in_order, short_numbers

_DIGIT = re.compile(r"\d")


def _label_number(template: str, text: str) -> int | None:
    """The number of a numbered caption (``"Figure 3. ..."`` in the report's language), or None."""
    found = unformat(template, " ".join(text.split()))
    if found and found["number"].isdigit():
        return int(found["number"])
    return None


def _describes(alt: str, withheld: str) -> bool:
    """A text alternative that holds a number or says a value is withheld."""
    return bool(_DIGIT.search(alt)) or withheld.lower() in alt.lower()


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
        tr = Translator(language_of(lang, default(project).study.languages), project=project)
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
        findings.append(Finding("numbering", "figures", f"HTML figure numbers run {short_numbers(figure_numbers)} for "
                                                        f"{charts} charts"))
    if not numbers_in_order(table_numbers):
        findings.append(Finding("numbering", "tables", f"HTML table numbers run {short_numbers(table_numbers)}"))


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
    tr = tr or Translator(language_of(document.core_properties.language or "en", default().study.languages))
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
        findings.append(Finding("numbering", "docx-figures", f"Word figure numbers run {short_numbers(figures)} for "
                                                             f"{len(doc_pr)} drawings"))
    return c, findings, figures
