"""A report's outline, decided once at assembly for every format.

Figure and table numbers, captions, charts and heading levels.

Purpose
    Section notebooks run one at a time and cannot know where their figures fall in the
    report; the analyses also carry the reference report's own figure numbers, which run out of
    order once the sections are put together. So the numbers are given here, in one pass over
    the report's executed notebooks in report order: figures 1..N and tables 1..M, in the
    order a reader meets them. The HTML, Word and PDF renderers all read this one
    :class:`Outline`, so the same figure has the same number in every format and language.
    :class:`HeadingLevels` keeps heading levels from skipping (a level-3 heading straight
    under a level-1 one becomes level 2), again the same way in every format.

Inputs
    The executed section notebooks (``executed.ipynb``) in report order, with the display
    metadata :mod:`perspectives.report` attaches (``perspectives.kind``: ``figure``,
    ``table`` or ``caption``; a figure's ``caption`` and ``chart``; a table's ``caption`` and
    ``csv``; on both, ``result``: the analysis they show), and a
    :class:`perspectives.i18n.Translator` for the report's language.

Each result once
    A result is shown once in the body: as its chart (with the sentence before it) when it
    has one, else as its table. The tables of a result that has a chart go to the annex,
    numbered A1..AK in the order of their figures; the HTML also shows them behind the chart
    (``<details>``). A table with no chart stays in the body, numbered 1..M.

Cross-references
    A run's Markdown may cite a figure or table of the report before their numbers exist:
    ``[[figure:RESULT]]`` (the first figure of that result) and ``[[table:STEM]]`` (the table
    written as ``tables/STEM.csv``). :meth:`Outline.resolve` writes the numbers in. Text from
    data never holds ``[[``: :func:`perspectives.escape.markdown_text` writes brackets as
    character references.

Outputs
    :class:`Outline` (figures and tables by notebook, cell and output index, the caption
    outputs they absorb, the annex tables of each figure, the notebooks read once),
    :func:`unformat` (a catalogue template read backwards) and :class:`HeadingLevels`.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perspectives.alttext import Chart
from perspectives.i18n import Translator

__all__ = [
    "ANNEX_PREFIX",
    "ANNEX_TABLE_LABEL",
    "DROP_CELL_TAGS",
    "DROP_OUTPUT_TAGS",
    "FIGURE_LABEL",
    "TABLE_LABEL",
    "FigureItem",
    "HeadingLevels",
    "Outline",
    "REFERENCE",
    "TableItem",
    "shown_cells",
    "unformat",
]

# Cells never shown: the parameters (they hold absolute paths) and explicitly removed ones.
DROP_CELL_TAGS = frozenset({"parameters", "injected-parameters", "remove", "remove-cell", "remove_cell"})
DROP_OUTPUT_TAGS = frozenset({"remove-output", "remove_output"})
# How a numbered caption reads (catalogue keys) and how a run writes them before numbering.
FIGURE_LABEL = "Figure {number}. {caption}"
TABLE_LABEL = "Table {number}. {caption}"
# An annex table names the figure whose numbers it holds; its number is "A1", "A2"...
ANNEX_TABLE_LABEL = "Table {number}. {caption} (Figure {figure})"
ANNEX_PREFIX = "A"
# A cross-reference a run writes for the assembler to number (see the module's docstring).
REFERENCE = re.compile(r"\[\[(figure|table):([A-Za-z0-9_.-]+)\]\]")
RUN_TABLE_CAPTION = "Table: {caption}"
# A figure caption written by Section.run ends with the base it rests on.
CAPTION_WITH_BASE = "{caption} — {place} (n = {n})"


def unformat(template: str, text: str, whole: bool = True) -> dict[str, str] | None:
    """The fields ``template.format(**fields)`` would need to give ``text`` (None if it cannot).

    Literal parts must match exactly; each field takes the shortest text that lets the rest
    match. With ``whole=False`` the text may go on after the template's end.

    Args:
        template: a ``str.format`` template with named fields, each used once
            (``"Figure {number}. {caption}"``).
        text: the formatted text.
        whole: whether the template must cover the whole text.

    Returns:
        ``{field: text}``, or None when ``text`` is not of that form.

    Raises:
        ValueError: a template with an unnamed or repeated field.
    """
    pattern, seen = [], set()
    for literal, name, _, _ in string.Formatter().parse(template):
        pattern.append(re.escape(literal))
        if name is None:
            continue
        if not name.isidentifier() or name in seen:
            raise ValueError(f"template {template!r}: fields must be named and used once")
        seen.add(name)
        pattern.append(f"(?P<{name}>.+?)")
    regex = re.compile("".join(pattern), re.DOTALL)
    found = regex.fullmatch(text) if whole else regex.match(text)
    return found.groupdict() if found else None


@dataclass(frozen=True)
class FigureItem:
    """A figure of the report: its number, caption, numbered label and what it drew."""

    number: int
    caption: str            # without its number, in the report's language
    label: str              # "Figure 3. caption", in the report's language
    chart: Chart | None     # None for an image a section showed without chart data
    base: str | None        # the n the caption states ("54", "girls 50; boys 30"), if any
    result: str | None = None  # the analysis it shows (display metadata), if the run said


@dataclass(frozen=True)
class TableItem:
    """A published table of the report: its number, caption and numbered label.

    A body table is numbered 1..M; an annex table (the numbers of a figure) "A1".."AK",
    with ``figure`` the number of the figure whose numbers it holds.
    """

    number: int | str
    caption: str
    label: str
    result: str | None = None   # the analysis it shows, if the run said
    stem: str | None = None     # its CSV's name without the suffix (tables/STEM.csv)
    figure: int | None = None   # an annex table: the figure it belongs to

    @property
    def annex(self) -> bool:
        """Whether the table is shown in the annex (and behind its figure in HTML)."""
        return self.figure is not None

    @property
    def anchor(self) -> str:
        """A document-unique id for the table (``table-3``, ``table-a3``)."""
        return f"table-{str(self.number).lower()}"


@dataclass(frozen=True)
class Placed:
    """Where an output of the report is: its notebook, cell index and output index."""

    notebook: Path
    cell: int
    output: int


def _join(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _meta(output: dict[str, Any]) -> dict[str, Any]:
    return (output.get("metadata") or {}).get("perspectives") or {}


def _markdown_caption(output: dict[str, Any] | None) -> str | None:
    """The text of a one-line italic Markdown caption output (``*...*``), or None."""
    if output is None:
        return None
    text = _join((output.get("data") or {}).get("text/markdown", "")).strip()
    if "\n" in text or not re.fullmatch(r"\*[^*].*[^*]\*", text):
        return None
    return text[1:-1]


def _is_figure(output: dict[str, Any]) -> bool:
    meta = _meta(output)
    return meta.get("kind") == "figure" or (
        not meta.get("kind") and output.get("output_type") in ("display_data", "execute_result")
        and "image/png" in (output.get("data") or {}))


def shown_cells(notebook: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, cell) of each cell a report shows: markdown, and code cells whose outputs show."""
    for index, cell in enumerate(notebook.get("cells", [])):
        tags = set(cell.get("metadata", {}).get("tags", []) or [])
        if tags & DROP_CELL_TAGS:
            continue
        if cell.get("cell_type") == "markdown" or (cell.get("cell_type") == "code"
                                                   and not tags & DROP_OUTPUT_TAGS):
            yield index, cell


class Outline:
    """Figure and table numbers of one report, in reading order, for every renderer.

    Args:
        notebooks: the report's executed section notebooks, in report order.
        tr: the report's language (captions are read and written through its catalogue).

    Raises:
        OSError, ValueError: a notebook that cannot be read as JSON.
    """

    def __init__(self, notebooks: Sequence[Path], tr: Translator) -> None:
        self.tr = tr
        self._notebooks: dict[str, dict[str, Any]] = {}
        self._items: dict[tuple[str, int, int], FigureItem | TableItem] = {}
        self._absorbed: set[tuple[str, int, int]] = set()
        self.figures: list[FigureItem] = []
        self.tables: list[TableItem] = []
        # The annex tables in the order of their figures, and where each output is.
        self.annex: list[TableItem] = []
        self._where: dict[int, Placed] = {}
        self._of_figure: dict[int, list[TableItem]] = {}
        found: list[tuple[Placed, dict[str, Any], dict[str, Any] | None]] = []
        for path in notebooks:
            found.extend(self._read(Path(path)))
        charted = {_meta(out).get("result") for _, out, _ in found
                   if _is_figure(out) and _meta(out).get("result")}
        self._number(found, charted)
        self._number_annex()

    def notebook(self, path: Path) -> dict[str, Any]:
        """The notebook at ``path`` as read for numbering (read once per report)."""
        key = str(path)
        if key not in self._notebooks:
            self._notebooks[key] = json.loads(Path(path).read_text(encoding="utf-8"))
        return self._notebooks[key]

    def item(self, path: Path, cell: int, output: int) -> FigureItem | TableItem | None:
        """The figure or table shown by output ``output`` of cell ``cell``, or None."""
        return self._items.get((str(path), cell, output))

    def absorbed(self, path: Path, cell: int, output: int) -> bool:
        """Whether that output is a caption its figure or table shows instead."""
        return (str(path), cell, output) in self._absorbed

    def figure_tables(self, figure: FigureItem) -> list[TableItem]:
        """The annex tables holding ``figure``'s numbers: its result's (empty: none was published)."""
        return list(self._of_figure.get(figure.number, []))

    def where(self, table: TableItem) -> Placed:
        """The notebook, cell and output that show ``table``."""
        return self._where[id(table)]

    def output(self, table: TableItem) -> dict[str, Any]:
        """The notebook output that shows ``table`` (its HTML and display metadata)."""
        place = self.where(table)
        return self.notebook(place.notebook)["cells"][place.cell]["outputs"][place.output]

    def reference(self, kind: str, key: str) -> str | None:
        """The number a cross-reference stands for (``"3"``, ``"A2"``), or None when absent.

        Args:
            kind: ``figure`` (``key`` is a result: its first figure) or ``table`` (``key``
                is the table's CSV stem, or a result: its first table).
            key: what the run named.
        """
        if kind == "figure":
            return next((str(f.number) for f in self.figures if f.result == key), None)
        return next((str(t.number) for t in self.tables if t.stem == key),
                    next((str(t.number) for t in self.tables if t.result == key), None))

    def resolve(self, markdown: str) -> tuple[str, list[str]]:
        """A run's Markdown with its cross-references numbered.

        Returns:
            The Markdown, and the references that name nothing in this report (each written
            as the withheld mark's neighbour, a question mark, so the text still reads).
        """
        unresolved: list[str] = []

        def number(m: re.Match[str]) -> str:
            found = self.reference(m.group(1), m.group(2))
            if found is None:
                unresolved.append(m.group(0))
                return "?"
            return found

        return REFERENCE.sub(number, markdown), unresolved

    def _read(self, path: Path) -> list[tuple[Placed, dict[str, Any], dict[str, Any] | None]]:
        """Each figure and table output of a notebook with the caption output beside it."""
        key = str(path)
        found = []
        for index, cell in shown_cells(self.notebook(path)):
            if cell.get("cell_type") != "code":
                continue
            outputs = cell.get("outputs", [])
            for i, output in enumerate(outputs):
                if _meta(output).get("kind") == "table":
                    before = outputs[i - 1] if i > 0 else None
                    if _markdown_caption(before) is not None and _meta(before).get("kind") in ("caption", None):
                        self._absorbed.add((key, index, i - 1))
                        found.append((Placed(path, index, i), output, before))
                    else:
                        found.append((Placed(path, index, i), output, None))
                elif _is_figure(output):
                    after = outputs[i + 1] if i + 1 < len(outputs) else None
                    if _markdown_caption(after) is not None and _meta(after).get("kind") in ("caption", None):
                        self._absorbed.add((key, index, i + 1))
                        found.append((Placed(path, index, i), output, after))
                    else:
                        found.append((Placed(path, index, i), output, None))
        return found

    def _number(self, found: list[tuple[Placed, dict[str, Any], dict[str, Any] | None]],
                charted: set[str | None]) -> None:
        """Number figures 1..N and body tables 1..M in reading order; set annex tables aside."""
        body = 0
        for place, output, caption_output in found:
            meta = _meta(output)
            result = meta.get("result")
            key = (str(place.notebook), place.cell, place.output)
            if meta.get("kind") == "table":
                caption = meta.get("caption") or self._run_table_caption(_markdown_caption(caption_output)) or ""
                stem = Path(str(meta["csv"])).stem if meta.get("csv") else None
                if result is not None and result in charted:
                    # Numbered once its figure's number is known (_number_annex).
                    table = TableItem(0, caption, "", result, stem, figure=0)
                else:
                    body += 1
                    table = TableItem(body, caption, self.tr(TABLE_LABEL, number=body, caption=caption), result, stem)
                self.tables.append(table)
                self._items[key] = table
                self._where[id(table)] = place
            else:
                caption = self._figure_caption(meta.get("caption") or _markdown_caption(caption_output) or "")
                chart = Chart.from_json(meta["chart"]) if meta.get("chart") else None
                base = unformat(self.tr(CAPTION_WITH_BASE), caption, whole=False)
                number = len(self.figures) + 1
                figure = FigureItem(number, caption, self.tr(FIGURE_LABEL, number=number, caption=caption),
                                    chart, base["n"] if base else None, result)
                self.figures.append(figure)
                self._items[key] = figure

    def _number_annex(self) -> None:
        """Number the annex tables A1..AK in the order of their figures, each with its figure."""
        first_figure = {}
        for figure in self.figures:
            if figure.result is not None:
                first_figure.setdefault(figure.result, figure.number)
        pending = [t for t in self.tables if t.annex]
        pending.sort(key=lambda t: first_figure[t.result])  # stable: reading order within a figure
        renumbered: dict[int, TableItem] = {}
        for k, table in enumerate(pending, start=1):
            number = f"{ANNEX_PREFIX}{k}"
            figure = first_figure[table.result]
            done = TableItem(number, table.caption,
                             self.tr(ANNEX_TABLE_LABEL, number=number, caption=table.caption, figure=figure),
                             table.result, table.stem, figure)
            renumbered[id(table)] = done
            self.annex.append(done)
            self._where[id(done)] = self._where.pop(id(table))
        # Every chart of a result has the result's tables behind it (a synthesis's chart of the
        # means by country reads from the same table as the chart of the answers).
        for figure in self.figures:
            if figure.result is not None:
                self._of_figure[figure.number] = [t for t in self.annex if t.result == figure.result]
        self.tables = [renumbered.get(id(t), t) for t in self.tables]
        for key, item in list(self._items.items()):
            if id(item) in renumbered:
                self._items[key] = renumbered[id(item)]

    def _figure_caption(self, caption: str) -> str:
        """A run's figure caption without the number the run gave it."""
        found = unformat(self.tr(FIGURE_LABEL), caption)
        return found["caption"] if found and found["number"].strip().isdigit() else caption

    def _run_table_caption(self, caption: str | None) -> str | None:
        if caption is None:
            return None
        found = unformat(self.tr(RUN_TABLE_CAPTION), caption)
        return found["caption"] if found else caption


class HeadingLevels:
    """Heading levels that never skip, keeping which headings are siblings and which nested.

    Each heading is written one level below the nearest heading before it that was written
    at a higher level (a smaller number) in the source, or at level 1 when there is none: an
    h1 followed by two h3s becomes an h1 and two h2s (siblings still), an h2 under them an h3.

    Args:
        last: the level of a heading that comes before the first one given (0: none). The
            HTML report's title is an h1 in the page header: a section heading of level 1 is
            its sibling, a deeper one goes under it.
    """

    def __init__(self, last: int = 0) -> None:
        self.restart(last)

    def __call__(self, level: int) -> int:
        """The level to write (1-6) for a heading written at ``level`` in the source."""
        while self._open and self._open[-1][0] >= level:
            self._open.pop()
        written = min(6, self._open[-1][1] + 1) if self._open else 1
        self._open.append((level, written))
        self.last = written
        return written

    def restart(self, last: int) -> None:
        """Forget the headings seen: the next one is placed as if one of level ``last`` came just before."""
        # (level in the source, level written) of the headings still open, outermost first
        self._open: list[tuple[int, int]] = [(last, last)] if last else []
        self.last = last
