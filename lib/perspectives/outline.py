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
    ``table`` or ``caption``; a figure's ``caption`` and ``chart``; a table's ``caption``), and
    a :class:`perspectives.i18n.Translator` for the report's language.

Outputs
    :class:`Outline` (figures and tables by notebook, cell and output index, the caption
    outputs they absorb, the notebooks read once), :func:`unformat` (a catalogue template
    read backwards) and :class:`HeadingLevels`.
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
    "DROP_CELL_TAGS",
    "DROP_OUTPUT_TAGS",
    "FIGURE_LABEL",
    "TABLE_LABEL",
    "FigureItem",
    "HeadingLevels",
    "Outline",
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


@dataclass(frozen=True)
class TableItem:
    """A published table of the report: its number, caption and numbered label."""

    number: int
    caption: str
    label: str


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
        for path in notebooks:
            self._number(Path(path))

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

    def _number(self, path: Path) -> None:
        key = str(path)
        for index, cell in shown_cells(self.notebook(path)):
            if cell.get("cell_type") != "code":
                continue
            outputs = cell.get("outputs", [])
            for i, output in enumerate(outputs):
                meta = _meta(output)
                after = outputs[i + 1] if i + 1 < len(outputs) else None
                before = outputs[i - 1] if i > 0 else None
                if meta.get("kind") == "table":
                    previous = _markdown_caption(before)
                    if previous is not None and _meta(before).get("kind") in ("caption", None):
                        self._absorbed.add((key, index, i - 1))
                    caption = meta.get("caption") or self._run_table_caption(previous) or ""
                    number = len(self.tables) + 1
                    table = TableItem(number, caption, self.tr(TABLE_LABEL, number=number, caption=caption))
                    self.tables.append(table)
                    self._items[(key, index, i)] = table
                elif _is_figure(output):
                    following = _markdown_caption(after)
                    if following is not None and _meta(after).get("kind") in ("caption", None):
                        self._absorbed.add((key, index, i + 1))
                    caption = self._figure_caption(meta.get("caption") or following or "")
                    chart = Chart.from_json(meta["chart"]) if meta.get("chart") else None
                    found = unformat(self.tr(CAPTION_WITH_BASE), caption, whole=False)
                    number = len(self.figures) + 1
                    figure = FigureItem(number, caption, self.tr(FIGURE_LABEL, number=number, caption=caption),
                                        chart, found["n"] if found else None)
                    self.figures.append(figure)
                    self._items[(key, index, i)] = figure

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
