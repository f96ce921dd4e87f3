"""Text alternatives for the reports' charts, written from the numbers each chart drew.

Purpose
    A reader who cannot see a chart gets the same facts in words: what the chart shows, what
    its values are shares (or means, or counts) of and on how many respondents, and every
    value in the order the chart draws it. A value the chart leaves out under the small-cell
    rule is named as withheld and never given. The chart's data table (for the HTML
    ``<details>``, the Word document and the PDF) is made from the same numbers, with the same
    words, so the text, the table and the picture cannot disagree.

    :mod:`perspectives.figures` records what each chart drew with :func:`attach`;
    :meth:`perspectives.report.Section.show_figure` stores it (:meth:`Chart.to_json`) in the
    figure's display metadata; the assembler reads it back (:meth:`Chart.from_json`) and
    writes :func:`describe` as the image's ``alt``, the Word drawing's ``descr`` and the PDF
    Figure's ``/Alt`` (through the HTML), in the report's language.

Inputs
    The numbers a chart drew (a ``pd.DataFrame`` or ``pd.Series`` already through disclosure
    control: NaN where a cell is withheld), its title and labels (already in the report's
    language) and a :class:`perspectives.i18n.Translator` for the fixed words.

Outputs
    :class:`Chart` (JSON-safe, stored in the executed notebook), :func:`describe` (one plain
    paragraph) and :func:`data_table` (header and rows of display strings).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from perspectives.fmt import WITHHELD_MARK, fmt_number, fmt_pct
from perspectives.i18n import Translator
from perspectives.locales import percents_in_text

__all__ = [
    "ATTRIBUTE",
    "KINDS",
    "WITHHELD",
    "Chart",
    "attach",
    "attached",
    "data_table",
    "describe",
]

# The attribute of a matplotlib figure that holds its Chart (a public name: figures sets it,
# report reads it, through attach/attached).
ATTRIBUTE = "perspectives_chart"
# bars: one bar per row and column (grouped when several columns); stacked: one bar per row,
# one segment per column, each bar adding to 100; means: one bar per row of a single column
# of means; heatmap: a grid of counts.
KINDS = ("bars", "stacked", "means", "heatmap")
# The word a withheld value is shown as, in every format and language (through the catalogue).
WITHHELD = "withheld"
# What each kind is called, and what its numbers are (with and without the base).
KIND_NAMES = {"bars": "Bar chart", "stacked": "Stacked bar chart", "means": "Bar chart", "heatmap": "Heat map"}
MEASURE = {
    "bars": ("Share of respondents (%).", "Share of respondents (%), n = {n}."),
    "stacked": ("Share of respondents (%) in each bar.", "Share of respondents (%) in each bar, n = {n}."),
    "means": ("Mean (%) in each group.", "Mean (%) in each group, n = {n}."),
    "heatmap": ("Number of participants.", "Number of participants, n = {n}."),
}
# Digits kept in the stored numbers: more than any report shows, so that rounding happens
# once, when a value is written out, and the JSON is the same on every machine.
STORED_DIGITS = 6


@dataclass(frozen=True)
class Chart:
    """The numbers one chart drew, in drawing order.

    Attributes:
        kind: one of :data:`KINDS`.
        title: the chart's title as drawn (in the report's language).
        rows: labels of the bars (``bars``: categories; ``stacked``: one bar each; ``means``:
            groups; ``heatmap``: grid rows), top to bottom.
        columns: labels of the series (``bars``: places or populations; ``stacked``: the
            segments, left to right; ``means``: one label; ``heatmap``: grid columns).
        values: ``len(rows)`` tuples of ``len(columns)`` numbers (percentages 0-100 for
            ``bars`` and ``stacked``, means for ``means``, counts for ``heatmap``); None where
            the cell is withheld.
    """

    kind: str
    title: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    values: tuple[tuple[float | None, ...], ...]

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown chart kind {self.kind!r}; use one of {KINDS}")
        if len(self.values) != len(self.rows) or any(len(row) != len(self.columns) for row in self.values):
            raise ValueError(f"chart {self.title!r}: values must be {len(self.rows)} rows of "
                             f"{len(self.columns)} numbers")

    @classmethod
    def of(cls, kind: str, data: Any, title: str) -> Chart:
        """The chart of ``data`` as a figure function draws it.

        Args:
            kind: one of :data:`KINDS`.
            data: a ``pd.DataFrame`` (rows x columns, as described on the class) or, for
                ``means``, a ``pd.Series`` (one value per row; its name, if any, labels the
                column). NaN (or None) marks a withheld cell.
            title: the chart's title.

        Returns:
            The chart, numbers rounded to :data:`STORED_DIGITS` decimals.

        Raises:
            ValueError: an unknown kind, or a value that is not a number.
        """
        frame = data.to_frame(name="" if data.name is None else str(data.name)) if data.ndim == 1 else data
        values = tuple(tuple(_number(v) for v in row) for row in frame.itertuples(index=False, name=None))
        return cls(kind, str(title), tuple(str(r) for r in frame.index), tuple(str(c) for c in frame.columns),
                   values)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (withheld cells as null)."""
        return {"kind": self.kind, "title": self.title, "rows": list(self.rows), "columns": list(self.columns),
                "values": [list(row) for row in self.values]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Chart:
        """The chart :meth:`to_json` wrote. Raises ``KeyError``/``ValueError`` on another shape."""
        return cls(str(data["kind"]), str(data["title"]), tuple(map(str, data["rows"])),
                   tuple(map(str, data["columns"])),
                   tuple(tuple(_number(v) for v in row) for row in data["values"]))

    @property
    def withheld(self) -> int:
        """How many cells are withheld."""
        return sum(v is None for row in self.values for v in row)


def _number(value: Any) -> float | None:
    """A stored number: None for a withheld cell (None or NaN), else a rounded float."""
    if value is None:
        return None
    number = float(value)
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise ValueError(f"a chart value must be finite, got {value!r}")
    return round(number, STORED_DIGITS)


def attach(fig: Any, kind: str, data: Any, title: str) -> None:
    """Record on a matplotlib figure what it draws (:meth:`Chart.of`); :func:`attached` reads it."""
    setattr(fig, ATTRIBUTE, Chart.of(kind, data, title))


def attached(fig: Any) -> Chart | None:
    """The :class:`Chart` a figure function recorded on ``fig``, or None."""
    chart = getattr(fig, ATTRIBUTE, None)
    return chart if isinstance(chart, Chart) else None


# --------------------------------------------------------------------------- words


def value_text(chart: Chart, value: float | None, tr: Translator) -> str:
    """One value as the reports write it.

    ``"81%"`` (shares), ``"43"`` (means), ``"7"`` (counts), or the word for withheld in the report's
    language.
    """
    if value is None:
        return tr(WITHHELD)
    if chart.kind in ("bars", "stacked"):
        return percents_in_text(fmt_pct(value), tr.lang)  # rounded by the house rule, then the language's sign
    if chart.kind == "heatmap":
        return f"{int(round(value)):,}"
    return fmt_number(value, 0)


def _label(label: str, tr: Translator) -> str:
    """A row or column label as the report's language writes its shares ("0-25%": "0-25 %" in Spanish)."""
    return percents_in_text(str(label), tr.lang)


def _series(chart: Chart, pairs: Sequence[tuple[str, float | None]], tr: Translator) -> str:
    """``"A 81%, B 15%; withheld: C"``: the shown values in order, then the withheld names."""
    shown = [f"{_label(label, tr)} {value_text(chart, value, tr)}" for label, value in pairs if value is not None]
    hidden = [_label(label, tr) for label, value in pairs if value is None]
    if not hidden:
        return ", ".join(shown)
    names = ", ".join(hidden)
    if not shown:
        return tr("withheld: {names}", names=names)
    return tr("{values}; withheld: {names}", values=", ".join(shown), names=names)


def describe(chart: Chart, tr: Translator, base: str | None = None) -> str:
    """The chart's text alternative: kind and title, what the numbers are, then every value.

    A single series reads ``"A 81%, B 15%; withheld: C."``; several series are read a bar
    (``stacked``) or a category (grouped ``bars``, ``heatmap``) at a time, each value in its
    place: ``"Woman: Moldova 98%, All six countries 81%. Man: Moldova withheld, All six
    countries 15%."``

    Args:
        chart: what the chart drew.
        tr: the report's language.
        base: how many respondents the numbers rest on, as the caption states it (``"54"``,
            ``"girls 50; boys 30"``), or None when the caption states none.

    Returns:
        One paragraph, in ``tr``'s language.
    """
    head = tr("{kind}: {title}.", kind=tr(KIND_NAMES[chart.kind]), title=chart.title)
    plain, with_base = MEASURE[chart.kind]
    measure = tr(with_base, n=base) if base else tr(plain)
    if len(chart.columns) == 1:
        groups = [_series(chart, [(row, values[0]) for row, values in zip(chart.rows, chart.values, strict=True)],
                          tr)]
    else:
        # A few values a group: each in its place, a withheld one named where it would be.
        groups = [tr("{group}: {values}", group=_label(row, tr),
                     values=", ".join(f"{_label(label, tr)} {value_text(chart, value, tr)}"
                                      for label, value in zip(chart.columns, values, strict=True)))
                  for row, values in zip(chart.rows, chart.values, strict=True)]
    return " ".join([head, measure, *(g.rstrip(".") + "." for g in groups)])


def data_table(chart: Chart, tr: Translator) -> tuple[list[str], list[list[str]]]:
    """The chart's numbers as a table: (column labels, rows of [row label, values...]).

    The first column holds the row labels (its header is empty: the renderers write it as a
    data cell, not an empty header). Values are written as in :func:`describe`, but for a
    withheld one: a table shows the one withheld mark, as the chart and the report's tables do
    (the chart's caption explains it); the text alternative, read aloud, says the word.
    """
    header = ["", *(_label(label, tr) for label in chart.columns)]
    rows = [[_label(label, tr), *(WITHHELD_MARK if v is None else value_text(chart, v, tr) for v in values)]
            for label, values in zip(chart.rows, chart.values, strict=True)]
    return header, rows
