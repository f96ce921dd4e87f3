"""The check of a built report's PDF: tags, language, bookmarks, metadata, figures and table rows.

Purpose
    Read ``report.pdf`` with pikepdf as an assistive technology would: the document is
    tagged and has a language, bookmarks, its title shown and XMP metadata declaring PDF/UA;
    each chart is one described Figure, tables are tagged with header cells, no image is
    drawn outside the tag tree, and no table row is left alone on a page. Kept apart from
    :mod:`perspectives.reportcheck` because walking a PDF's structure tree and content
    streams is a job of its own.

Inputs
    A PDF file and, to compare with, the number of charts the report's HTML has.

Outputs
    :func:`check_pdf`: counts and :class:`Finding` lists.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from perspectives.reportcheck_findings import Finding


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
