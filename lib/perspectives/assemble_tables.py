"""A report's tables as a screen reader can follow them.

Purpose
    A published table as pandas writes it, made accessible (:func:`accessible_table`: a
    caption, every header cell scoped, nested headers tied to the cells they head, numbers
    written as the report's language writes them, short tables kept on one page), and a
    chart's numbers as such a table (:func:`chart_table`). Separate from the rendering of
    cells (:mod:`perspectives.assemble_cells`), which calls them for every table and figure.

Inputs
    One ``<table>`` fragment and its numbered caption, or a chart
    (:class:`perspectives.alttext.Chart`) and the report's translator.

Outputs
    The table's HTML. Same inputs give the same bytes.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from perspectives.alttext import Chart, data_table
from perspectives.i18n import Translator
from perspectives.locales import number_text

__all__ = ["SHORT_TABLE_ROWS", "accessible_table", "chart_table"]

# Presentational attributes pandas writes that HTML does not define or the stylesheet replaces.
_DROP_TABLE_ATTRIBUTES = ("halign", "border", "style", "valign")
# A table of at most this many body rows is printed whole on one page (class "short"): moved
# to the next page rather than split, so that none of its rows is left alone on a page.
SHORT_TABLE_ROWS = 16


def _cell_text(cell: Any) -> str:
    return "".join(cell.itertext()).strip()


def accessible_table(fragment: str, caption: str, prefix: str, lang: str = "en",
                     subtotals: Sequence[int] = ()) -> str:
    """A published table as a screen reader can follow it.

    The table gets ``caption`` as its ``<caption>``; every header cell a ``scope`` (``col``,
    ``colgroup`` over several columns, ``row``); an empty header cell becomes a data cell
    (a header that names nothing is noise to a screen reader); and where the columns have
    two or more header rows (country over n and %), every header cell an ``id`` and every
    data cell the ``headers`` it falls under, with ``<colgroup>`` elements matching the
    spanning headers.

    Args:
        fragment: one ``<table>`` element as pandas' ``to_html`` writes it (a thead of one or
            more header rows, a tbody whose rows start with a row header).
        caption: the numbered caption (``"Table 3. ..."``), plain text.
        prefix: a document-unique prefix for the ids (``"table-3"``).
        lang: the report's language: a data cell holding one number the analysis wrote the
            English way (11.9, 1,254) is shown as that language writes it (11,9, 1.254).
        subtotals: the body rows (0-based) that add up other rows: each gets the class
            ``subtotal``, which the stylesheet sets apart (the label says so in words too).

    Returns:
        The table's HTML; a fragment that is not one table comes back unchanged.
    """
    from lxml import etree
    from lxml import html as lxml_html

    try:
        table = lxml_html.fragment_fromstring(fragment.strip())
    except (etree.ParserError, ValueError):
        return fragment
    if table.tag != "table":
        return fragment
    for element in table.iter():
        for name in _DROP_TABLE_ATTRIBUTES:
            element.attrib.pop(name, None)
    head = table.find("thead")
    body = table.find("tbody")
    head_rows = head.findall("tr") if head is not None else []
    columns, spans = _header_rows(head_rows, prefix)
    several = len([cov for cov in columns if cov]) >= 2
    for r, row in enumerate(body.findall("tr") if body is not None else []):
        _body_row(row, r, columns, several, prefix, lang)
        if r in set(subtotals):
            row.set("class", "subtotal")
    if several:
        _nested_headers(head_rows, columns)
        if any(span > 1 for span in spans):
            _column_groups(table, spans)
    element = etree.Element("caption")
    element.text = caption
    table.insert(0, element)
    if body is not None and len(body) <= SHORT_TABLE_ROWS:
        table.set("class", " ".join(filter(None, [table.get("class"), "short"])))
    return lxml_html.tostring(table, encoding="unicode")


def _span(cell: Any) -> int:
    return int(cell.get("colspan", "1") or 1)


def _header_rows(head_rows: list[Any], prefix: str) -> tuple[list[dict[int, str]], list[int]]:
    """Scope and id the column headers; which header cells cover each column, per header row.

    Returns:
        One ``{column: header id}`` per header row (columns counted with colspan), and the
        spans of the first header row.
    """
    columns: list[dict[int, str]] = []
    spans: list[int] = []
    for r, row in enumerate(head_rows):
        covered: dict[int, str] = {}
        position = 0
        for c, cell in enumerate(row):
            span = _span(cell)
            if cell.tag == "th" and not _cell_text(cell):
                cell.tag = "td"
            elif cell.tag == "th":
                cell.set("scope", "colgroup" if span > 1 else "col")
                cell.set("id", f"{prefix}-h{r}-{c}")
                for k in range(position, position + span):
                    covered[k] = cell.get("id")
            if r == 0:
                spans.append(span)
            position += span
        columns.append(covered)
    return columns, spans


def _body_row(row: Any, r: int, columns: list[dict[int, str]], several: bool, prefix: str, lang: str) -> None:
    """Scope a body row's header cells and localise its numbers; with several header rows, give each cell its ``headers``."""
    position = 0
    row_headers: list[str] = []
    for c, cell in enumerate(row):
        span = _span(cell)
        if cell.tag == "th" and not _cell_text(cell):
            cell.tag = "td"
        elif cell.tag == "th":
            cell.set("scope", "row")
            if several:
                cell.set("id", f"{prefix}-r{r}-{c}")
                row_headers.append(cell.get("id"))
        else:
            _localise_cell(cell, lang)
            if several:
                over = [cov[k] for cov in columns for k in range(position, position + span) if k in cov]
                ids = list(dict.fromkeys(row_headers + over))
                if ids:
                    cell.set("headers", " ".join(ids))
        position += span


def _column_groups(table: Any, spans: list[int]) -> None:
    """``<colgroup>`` elements matching the first header row's spans, before the table's rows."""
    from lxml import etree

    for span in reversed(spans):
        group = etree.Element("colgroup")
        if span > 1:
            group.set("span", str(span))
        table.insert(0, group)


def _nested_headers(head_rows: list[Any], columns: list[dict[int, str]]) -> None:
    """A header below a spanning one falls under it too."""
    for r, row in enumerate(head_rows[1:], start=1):
        position = 0
        for cell in row:
            span = _span(cell)
            above = [columns[q][k] for q in range(r) for k in range(position, position + span)
                     if k in columns[q]]
            if cell.tag == "th" and above:
                cell.set("headers", " ".join(dict.fromkeys(above)))
            position += span


def _localise_cell(cell: Any, lang: str) -> None:
    """A data cell's one number as the report's language writes it (:func:`perspectives.locales.number_text`)."""
    if lang != "en" and len(cell) == 0 and cell.text:
        cell.text = number_text(cell.text, lang)


def chart_table(chart: Chart, tr: Translator, caption: str, prefix: str) -> str:
    """A chart's numbers (:func:`perspectives.alttext.data_table`) as an accessible table.

    ``caption`` is already HTML-escaped; ``prefix`` keeps the table's ids unique in the page.
    """
    header, rows = data_table(chart, tr)
    head = "".join(f'<th scope="col">{html.escape(label)}</th>' if label else "<td></td>" for label in header)
    body = "".join("<tr>" + f'<th scope="row">{html.escape(row[0])}</th>'
                   + "".join(f"<td>{html.escape(number_text(value, tr.lang))}</td>" for value in row[1:]) + "</tr>"
                   for row in rows)
    short = " short" if len(rows) <= SHORT_TABLE_ROWS else ""
    return (f'<table class="report-table chart-data{short}" id="{prefix}"><caption>{caption}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
