"""Figures in one house style, saved so that equal inputs give equal bytes.

Purpose
    A few chart shapes cover every figure the reports regenerate: horizontal bars of
    shares (optionally a country beside the all-country picture), stacked shares by group,
    grouped bars for two populations, and a heatmap of counts; with many countries, the
    charts by country become sorted dot plots (:func:`country_shares`, :func:`country_means`). Every figure is drawn from
    values that already passed disclosure control (hidden cells arrive as NaN): where a
    withheld value's bar, segment or cell would be, the chart writes the report's one withheld
    mark (:data:`perspectives.fmt.WITHHELD_MARK`), never a hatching nor a gap, and the caption
    under it says what the mark means (``report_display.show_figure``).

    One size and one font scale for every chart (``chart:`` in ``params/figure_theme.yml``):
    each picture is the same width, labels included (labels are wrapped and the axes placed
    to fit), so that a page places every chart at the same scale; every text is drawn at the
    theme's sizes, chosen so that none prints smaller than ``min_printed_pt`` on the page
    (:func:`printed_scales`). A chart draws no title: the caption under it is its one title
    (the title given is kept for its text alternative).

Inputs
    Tidy frames of percentages (already suppressed) and labels.

Outputs
    PNG files (and SVG copies when ``build.figure_formats`` in ``params/study.yml`` asks)
    with no timestamps or random ids (matplotlib metadata removed, a fixed SVG hash salt),
    and the PNG bytes for display, by :func:`perspectives.figures_png.save` (kept apart: it
    knows pixels and file formats, not chart shapes). Each figure carries the numbers it drew
    (:func:`perspectives.alttext.attach`), from which its text alternative is written.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402
from cycler import cycler  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.transforms import offset_copy  # noqa: E402

from perspectives.alttext import attach  # noqa: E402
from perspectives.figures_theme import (  # noqa: E402
    CHART,
    CHART_DEFAULTS,
    COLOURS,
    PALETTE_DEFAULTS,
    THEME,
    THEME_FILE,
    answer_colours,
    chart_settings,
    flush_left,
    palette_settings,
    seaborn_theme,
)
from perspectives.figures_theme import PALETTE as PALETTE  # noqa: E402 - callers ask it here
from perspectives.figures_theme import UNSET_BY_THEME as UNSET_BY_THEME  # noqa: E402 - as PALETTE
from perspectives.figures_theme import readable_bars as readable_bars  # noqa: E402 - callers ask it here
from perspectives.figures_theme import theme_file as _theme_file  # noqa: E402
from perspectives.figures_theme import too_little_to_show as too_little_to_show  # noqa: E402 - as readable_bars
from perspectives.fmt import WITHHELD_MARK, fmt_mean, fmt_pct  # noqa: E402 - numbers written as everywhere
from perspectives.project import Project  # noqa: E402
from perspectives.study import Study  # noqa: E402


def apply_theme(settings: dict[str, object]) -> None:
    """Set matplotlib's settings from ``params/figure_theme.yml``'s form of the theme."""
    rc = dict(settings)
    rc["axes.prop_cycle"] = cycler(color=[tuple(rgb) for rgb in rc["axes.prop_cycle"]])  # type: ignore[union-attr]
    plt.rcParams.update(rc)


def use_theme(project: Project) -> None:
    """Draw the figures that follow in the study's theme (``params/figure_theme.yml``), then the house settings.

    A section run calls it as it starts: the study's ``chart:`` sizes become the charts' (the
    defaults until then). Without the file (a study folder that lost it), seaborn gives the
    same settings, slower.
    """
    global WIDTH, FONT, SMALL  # the sizes every chart of the run draws at
    CHART.clear()
    CHART.update(chart_settings(project))
    COLOURS.clear()
    COLOURS.update(palette_settings(project))
    WIDTH, FONT, SMALL = CHART["width"], CHART["font_size"], CHART["small_font_size"]
    theme = project.figure_theme
    apply_theme(theme if theme is not None else seaborn_theme())
    plt.rcParams.update(house_settings())


WIDTH, FONT, SMALL = CHART["width"], CHART["font_size"], CHART["small_font_size"]
FAMILY = "DejaVu Sans"



def house_settings() -> dict[str, object]:
    """What every figure keeps, whatever the study's theme (applied over it), at the chart's type size."""
    return {
        "svg.hashsalt": "perspectives",  # SVG element ids are otherwise random
        "svg.fonttype": "none",
        "figure.dpi": 100,
        "savefig.dpi": 110,
        "font.family": FAMILY,
        # One type size for every text of every chart (the theme's sizes are seaborn's own).
        **{key: FONT for key in ("font.size", "axes.labelsize", "axes.titlesize", "xtick.labelsize",
                                 "ytick.labelsize", "legend.fontsize", "legend.title_fontsize")},
        # A fixed title height: matplotlib would otherwise measure every tick label at each draw
        # to keep the title clear of top ticks, which these figures never have.
        "axes.titley": 1.0,
        # Labels and titles come from data: "$...$" in one is text, never mathtext to parse.
        "text.parse_math": False,
    }


plt.rcParams.update(house_settings())


LABEL_CHARS = 45  # a category label longer than this is wrapped onto more lines (at the most)


@functools.lru_cache(maxsize=8192)
def text_width(text: str, size: float) -> float:
    """The width of one line of text in points, as the charts draw it."""
    width, _, _ = _measurer().get_text_width_height_descent(text, FontProperties(family=FAMILY, size=size),
                                                           ismath=False)
    return float(width)


@functools.lru_cache(maxsize=1)
def _measurer():
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(8, 8, 72)  # 72 dots to the inch: a width in dots is a width in points


def _line_width(words: Sequence[str], size: float) -> float:
    """A line's width from its words' (measured once each), with a little room for kerning."""
    return 1.03 * (sum(text_width(w, size) for w in words) + text_width(" ", size) * max(0, len(words) - 1))


def _wrap(labels: Iterable[object], width_pt: float | None = None, size: float | None = None,
          chars: int = LABEL_CHARS) -> list[str]:
    """Category labels wrapped to fit ``width_pt`` (default: the labels' share of a chart) and ``chars`` a line.

    Long question texts would otherwise stretch the chart sideways and squeeze the bars.
    ``size`` defaults to the chart's type size.
    """
    size = FONT if size is None else size
    width_pt = width_pt if width_pt is not None else CHART["label_share"] * WIDTH * 72.0
    out = []
    for label in labels:
        lines: list[list[str]] = []
        for word in str(label).split():
            line = lines[-1] if lines else None
            if line is not None and (_line_width([*line, word], size) <= width_pt
                                     and len(" ".join([*line, word])) <= chars):
                line.append(word)
            else:
                lines.append([word])
        out.append("\n".join(" ".join(line) for line in lines) or str(label))
    return out


def _label_room(labels: Sequence[str], size: float | None = None) -> float:
    """Inches the widest line of the wrapped labels takes, with the ticks' padding (``size``: the chart's)."""
    size = FONT if size is None else size
    widest = max((_line_width(line.split(), size) for label in labels for line in label.split("\n")), default=0.0)
    # Matplotlib sets a tick label off by the tick's length and pad, drawn or not.
    return (widest + plt.rcParams["ytick.major.pad"] + plt.rcParams["ytick.major.size"] + 6.0) / 72.0


RIGHT_ROOM = 0.4  # inches right of the axes: a bar's value written past its end
# The labels are wrapped to `label_share` of the width; one word longer than that may take up to this share.
LABEL_ROOM_MAX = 0.55


def _place_axes(fig: plt.Figure, ax: plt.Axes, labels: Sequence[str], right: float = RIGHT_ROOM) -> None:
    """Place the axes in the chart's fixed width: the labels' room on the left, the values' on the right."""
    width, height = fig.get_size_inches()
    left = min(_label_room(labels), LABEL_ROOM_MAX * width)
    fig.subplots_adjust(left=left / width, right=1.0 - right / width, top=1.0 - 0.12 / height,
                        bottom=min(0.45, 0.7 / height))


def _legend_below(fig: plt.Figure, ax: plt.Axes, handles: Sequence, names: Sequence[str], below: float = 34) -> None:
    """A legend centred under the chart, in as many columns (up to four) as fit its width, naming what it draws."""
    handles, names = drawn_entries(handles, names)
    if not names:
        return
    size = FONT
    em = size
    room = WIDTH * 72.0 - 12.0
    # An entry is wrapped only where one column could not hold it (the section run translates
    # the fixed words a chart draws by their whole text).
    entries = [name if _line_width(str(name).split(), size) + 2.8 * em <= room else _wrap([name], room - 2.8 * em)[0]
               for name in names]
    widths = [max(_line_width(line.split(), size) for line in e.split("\n")) + 2.8 * em for e in entries]
    ncol = 1
    for n in range(min(4, len(entries)), 0, -1):
        # Read row by row, in the entries' order (a scale's answers in its order): column c
        # holds entries c, c + n, c + 2n...; matplotlib's first columns are the longer ones too.
        columns = [max(widths[c::n], default=0.0) for c in range(n)]
        if sum(columns) + 2.0 * em * (n - 1) <= room:
            ncol = n
            break
    # Matplotlib fills a legend column by column: given column by column, it reads row by row.
    order = [k for c in range(ncol) for k in range(c, len(entries), ncol)]
    handles, entries = [list(handles)[k] for k in order], [entries[k] for k in order]
    # Centred on the chart (not on the axes, which sit right of the labels), a fixed distance
    # below the axes; in the axes' own units, which keep their size when the figure is saved.
    x0, _, w, _ = ax.get_position().bounds
    centre = (0.5 - x0) / w
    transform = offset_copy(ax.transAxes, fig=fig, y=-below, units="points")
    ax.legend(list(handles), entries, loc="upper center", bbox_to_anchor=(centre, 0.0), bbox_transform=transform,
              ncol=ncol, fontsize=size, frameon=False)


def drawn_entries(handles: Sequence, names: Sequence[str]) -> tuple[list, list[str]]:
    """The legend entries of what a chart draws: bars of which one at least has a width (a dot, a line: kept).

    A category whose every value is withheld (no bar) or zero (a bar of no width) shows no colour to name.
    """
    pairs = [(h, n) for h, n in zip(handles, names, strict=True) if getattr(h, "patches", None) is None
             or any(np.isfinite(p.get_width()) and p.get_width() > 0 for p in h.patches)]
    return [h for h, _ in pairs], [n for _, n in pairs]


def _height(labels: Sequence[str], n_hue: int = 1) -> float:
    """Figure height for one row per label: room for each bar group and each label line."""
    lines = sum(max(1, label.count("\n") + 1) for label in labels)
    per_row = 0.38 * len(labels) * max(1, n_hue) ** 0.6
    return max(2.2, max(per_row, 0.26 * lines) + 1.0)


# The tallest a chart may be, in inches, to print whole on an A4 page with its caption: a page's
# text is 265 mm (10.4 in) high, and a chart saved at 110 dpi prints at 96 (1.15 times its size),
# less four lines of caption and the figure's margins. A chart taller than that cannot be kept
# whole by the print style's break-inside: it runs over two pages, or leaves its caption behind.
PAGE_ROOM = 7.6


def _grid_height(labels: Sequence[str]) -> float:
    """Figure height of a heatmap: its rows are of one height, that of the label with the most lines."""
    lines = max((label.count("\n") + 1 for label in labels), default=1)
    return max(2.2, len(labels) * max(0.22, 0.155 * lines + 0.06) + 0.82)  # 0.82: the margins, the column names


def share_bars(shares: pd.DataFrame, title: str, xlabel: str = "Share of respondents (%)") -> plt.Figure:
    """Horizontal bars; ``shares`` has one row per category and one column per place."""
    # Plain grouped bars: the values are already estimates, so seaborn's barplot (which
    # re-aggregates a long frame and lays out its categorical axis) would only add cost.
    n_rows, n_places = shares.shape
    labels = _wrap(shares.index)
    fig, ax = plt.subplots(figsize=(WIDTH, _height(labels, n_places)))
    positions = np.arange(n_rows, dtype=float)
    height = 0.8 / n_places
    colours = answer_colours([str(c) for c in shares.columns])
    for i, place in enumerate(shares.columns):
        values = shares[place].to_numpy(dtype=float)
        bars = ax.barh(positions - 0.4 + height * (i + 0.5), values, height=height,
                       color=colours[i], label=str(place))
        # Withheld shares arrive as NaN: no bar, and the withheld mark where its label would be.
        ax.bar_label(bars, labels=["" if np.isnan(v) else fmt_pct(v) for v in values], padding=2, fontsize=SMALL)
        for y in np.flatnonzero(np.isnan(values)):
            mark_withheld(ax, 0.0, float(positions[y] - 0.4 + height * (i + 0.5)))
    ax.set_yticks(positions, labels)
    ax.set_ylim(n_rows - 0.5, -0.5)  # first category on top
    ax.yaxis.grid(False)
    ax.set_xlim(0, 105)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    # No title: the caption is the chart's one title (``title`` names it for its text alternative).
    _place_axes(fig, ax, labels)
    if n_places > 1:  # under the chart, where it covers no bar
        handles, names = ax.get_legend_handles_labels()
        _legend_below(fig, ax, handles, names)
    attach(fig, "bars", shares, title)
    return fig


def mark_withheld(ax: plt.Axes, x: float, y: float, centred: bool = False) -> None:
    """Write the withheld mark where a value would be drawn: at ``x`` (a bar's start, or a block's middle)."""
    if centred:
        ax.text(x, y, WITHHELD_MARK, ha="center", va="center", fontsize=SMALL, color=".25")
    else:
        ax.annotate(WITHHELD_MARK, (x, y), xytext=(2, 0), textcoords="offset points", ha="left", va="center",
                    fontsize=SMALL, color=".25")


def stacked_layout(row: Sequence[float]) -> list[tuple[int | None, float, float]]:
    """Where each segment of one stacked bar is drawn: (segment, left, width); None is the withheld room.

    The published segments are drawn in the scale's order (the columns'), left to right. The
    withheld ones (NaN) take, together, the room the published shares leave (they sum to 100
    with them, so the room says nothing the shares do not), and that room is left empty:
    nothing is filled or outlined there, so that it never reads as an answer.

    * Withheld segments side by side (one run of them) take their own place: every
      published segment stays where it was (issue 25).
    * Withheld segments with a published one between them: where each published segment
      stood is not known, so the published ones follow each other from the bar's start, in
      the scale's order, and the withheld room ends the bar. A published segment is never
      drawn where another answer of the scale stands (issue 26).

    A row whose published shares exceed 100 (options of a multi-select question) gets no room.
    """
    values = [float(v) for v in row]
    hidden = [k for k, v in enumerate(values) if np.isnan(v)]
    shown_total = sum(v for v in values if not np.isnan(v))
    room = 100.0 - shown_total if hidden and shown_total <= 100.0 + 1e-9 else 0.0
    one_run = bool(hidden) and hidden == list(range(hidden[0], hidden[-1] + 1))
    out: list[tuple[int | None, float, float]] = []
    left = 0.0
    for k, value in enumerate(values):
        if np.isnan(value):
            if one_run and k == hidden[0] and room > 1e-9:
                out.append((None, left, room))
                left += room
            continue
        out.append((k, left, value))
        left += value
    if not one_run and room > 1e-9:
        out.append((None, left, room))
    return out


def stacked_shares(shares: pd.DataFrame, title: str, answers: dict[str, str] | None = None) -> plt.Figure:
    """100% stacked horizontal bars: one bar per group (row), one segment per category (column).

    ``answers`` (code -> label, in the form's order) names the answers the columns are: their
    colours follow the form's order (:func:`answer_colours`), whatever order they are drawn in.

    The published segments keep the scale's order (see :func:`stacked_layout`); the room the
    withheld segments of a bar take is left empty, with the withheld mark written in it.
    """
    labels = _wrap(shares.index)
    fig, ax = plt.subplots(figsize=(WIDTH, _height(labels)))
    positions = np.arange(len(shares), dtype=float)
    drawn: set[int | None] = set()
    colours = answer_colours([str(c) for c in shares.columns], answers)
    for y, (_, row) in enumerate(shares.iterrows()):
        for segment, left, width in stacked_layout(row.to_numpy(dtype=float)):
            if segment is None:
                # Nothing drawn in the withheld room (no fill, no outline: it is no answer); the mark in it.
                mark_withheld(ax, left + width / 2, float(positions[y]), centred=True)
            else:
                # The legend names a category by its first bar of some width (none: not named).
                ax.barh(positions[y], width, left=left, color=colours[segment],
                        label=f"_{segment}" if segment in drawn or not width > 0 else str(shares.columns[segment]))
                if width > 0:
                    drawn.add(segment)
                if text_width(fmt_pct(width), SMALL) + 2 <= width / 100 * _axes_points(fig, labels):
                    ax.text(left + width / 2, y, fmt_pct(width), ha="center", va="center", fontsize=SMALL,
                            color="white")
    ax.set_yticks(positions, labels)
    ax.yaxis.grid(False)  # no line runs through the empty room of the withheld answers
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.set_xlabel("Share of respondents (%)")
    # The legend in the columns' order (a category first drawn in a later bar keeps its place).
    handles, names = ax.get_legend_handles_labels()
    order = {str(c): k for k, c in enumerate(shares.columns)}
    pairs = sorted(zip(handles, names, strict=True), key=lambda hn: order.get(hn[1], len(order)))
    _place_axes(fig, ax, labels, right=0.15)
    # Below the axis label, a fixed distance whatever the figure's height.
    _legend_below(fig, ax, [h for h, _ in pairs], [n for _, n in pairs])
    attach(fig, "stacked", shares, title)
    return fig


def _axes_points(fig: plt.Figure, labels: Sequence[str], right: float = 0.15) -> float:
    """The width in points the axes of a chart with these labels get (see :func:`_place_axes`)."""
    width = fig.get_size_inches()[0]
    return (width - min(_label_room(labels), LABEL_ROOM_MAX * width) - right) * 72.0


def mean_bars(means: pd.Series, title: str, xlabel: str) -> plt.Figure:
    """Horizontal bars of group means (e.g. a slider's mean by country)."""
    labels = _wrap(means.index)
    fig, ax = plt.subplots(figsize=(WIDTH, _height(labels)))
    ax.barh(np.arange(len(means), dtype=float), means.to_numpy(), color=answer_colours(["mean"])[0])
    ax.set_yticks(np.arange(len(means), dtype=float), labels)
    for y, value in enumerate(means.to_numpy()):
        if pd.notna(value):
            ax.text(value + 1, y, fmt_mean(value), va="center", fontsize=SMALL)
        else:
            mark_withheld(ax, 0.0, float(y))
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel)
    _place_axes(fig, ax, labels)
    attach(fig, "means", means.rename(xlabel), title)
    return fig


# --------------------------------------------------------------------------- many countries
# A chart with a bar per country stays readable up to a dozen or so countries. With more
# (the network's 104), the country charts become sorted dot plots: one row per country,
# sorted, and beyond twice `extremes` countries only the highest and the lowest `extremes`
# are drawn (every country stays in the table by country beside the figure). Both numbers
# are study parameters (params/study.yml: synthesis.many_countries, synthesis.extremes).


def _many_settings(study: Study | None) -> tuple[int, int]:
    from perspectives.project import default

    study = study or default().study
    return study.many_countries, study.extremes


def country_shares(shares: pd.DataFrame, title: str, study: Study | None = None,
                   answers: dict[str, str] | None = None) -> plt.Figure:
    """Answers by country: stacked bars for a few countries, a sorted dot plot for many.

    Args:
        shares: one row per country, one column per answer, percentages (NaN: withheld).
        title: the figure's title.
        study: the study, whose ``synthesis`` settings say what "many" is (default: the one
            around the working directory).
        answers: the answers the columns are (see :func:`stacked_shares`).

    Returns:
        :func:`stacked_shares` of ``shares`` up to ``many_countries`` countries (the very
        same figure as before the study grew); above, :func:`dot_plot` sorted by the share
        of the first answer.
    """
    many, extremes = _many_settings(study)
    if len(shares) <= many:
        return stacked_shares(shares, title, answers)
    return dot_plot(shares, title, "Share of respondents (%)", extremes)


def country_means(means: pd.Series, title: str, xlabel: str, study: Study | None = None) -> plt.Figure:
    """Means by country: bars for a few countries, a sorted dot plot for many.

    See :func:`country_shares`.
    """
    many, extremes = _many_settings(study)
    if len(means) <= many:
        return mean_bars(means, title, xlabel)
    return dot_plot(means.to_frame(xlabel), title, xlabel, extremes, legend=False)


def dot_plot(values: pd.DataFrame, title: str, xlabel: str, extremes: int = 15,
             legend: bool = True) -> plt.Figure:
    """Dots by country, sorted by the first column; only the extremes when there are many.

    Args:
        values: one row per country, one column per series (percentages or means on a
            0-100 scale; NaN: withheld, not drawn).
        title: the figure's title.
        xlabel: the value axis's label.
        extremes: with more than twice this many countries with a value, only the
            ``extremes`` highest and lowest on the first column are drawn, with a marked gap.
        legend: whether to name the series (one series needs no legend).

    Returns:
        The figure: countries withheld on the first column are left out, and a line under
        the title says how many countries are drawn of how many.
    """
    key = values.columns[0]
    ranked = values[values[key].notna()].sort_values(key, ascending=False, kind="mergesort")
    total, shown = len(values), len(ranked)
    if shown > 2 * extremes:
        top, bottom = ranked.iloc[:extremes], ranked.iloc[-extremes:]
        rows = [*top.index, None, *bottom.index]
        note = (f"The {extremes} highest and {extremes} lowest of {total} countries on "
                f"'{key}'; every country is in the table.")
    else:
        rows = list(ranked.index)
        note = f"{shown} of {total} countries, sorted by '{key}'." if shown < total else \
            f"All {total} countries, sorted by '{key}'."
    labels = _wrap("…" if r is None else str(r) for r in rows)
    fig, ax = plt.subplots(figsize=(WIDTH, max(2.2, 0.26 * len(rows) + 1.4)))
    positions = np.arange(len(rows), dtype=float)
    colours = answer_colours([str(c) for c in values.columns])
    for i, column in enumerate(values.columns):
        xs = [np.nan if r is None else float(values.at[r, column]) for r in rows]
        ax.plot(xs, positions, "o", color=colours[i], markersize=5, label=str(column))
    if None in rows:
        gap = rows.index(None)
        ax.axhline(gap, color=".6", linewidth=0.8, linestyle=(0, (2, 2)))
    ax.set_yticks(positions, labels)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.yaxis.grid(True, linewidth=0.5, color=".9")
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel)
    _place_axes(fig, ax, labels)
    # Not the caption: which countries are drawn, which only the picture can say (within its width).
    lines = _wrap([note], _axes_points(fig, labels, RIGHT_ROOM), chars=10_000)[0]
    ax.set_title(lines, fontsize=FONT, loc="left")
    fig.subplots_adjust(top=1.0 - (0.2 + 0.18 * (lines.count("\n") + 1)) / fig.get_size_inches()[1])
    if legend and values.shape[1] > 1:
        handles, names = ax.get_legend_handles_labels()
        _legend_below(fig, ax, handles, names)
    return fig


# A sub-theme's label starts this far right of its theme's (labels flush left): an indent, as in the tables.
SUBTHEME_INDENT = "\u2003\u2003"


def _heatmap_labels(rows: Sequence[object], sub: Sequence[str], indent: float, width_pt: float | None = None,
                    chars: int = LABEL_CHARS) -> tuple[list[str], float]:
    """A heatmap's row labels wrapped (a sub-theme's to the room its ``indent``, points, leaves), and their room (in)."""
    width = CHART["label_share"] * WIDTH * 72.0 if width_pt is None else width_pt
    labels = [_wrap([r], width - indent if r in set(sub) else width, chars=chars)[0] for r in rows]
    subs = [lb for lb, r in zip(labels, rows, strict=True) if r in set(sub)]
    return labels, max(_label_room([lb for lb in labels if lb not in subs]), _label_room(subs) + indent / 72.0)


def heatmap(counts: pd.DataFrame, title: str, words: pd.DataFrame | None = None,
            sub: Sequence[str] = ()) -> plt.Figure:
    """Annotated heatmap of counts (themes by country): every row and column drawn, none left out.

    Args:
        counts: the published counts (NaN: withheld); the chart's data table gives them.
        title: the figure's title (for its text alternative).
        words: optional, the same shape: a word to write in a cell in place of its count
            ("none", "some", "all" where a place's counts by theme are said that way); such
            a cell is not coloured. A cell with neither a word nor a count shows the
            withheld mark.
        sub: the rows that are sub-themes: their labels are indented under their theme's
            (:data:`SUBTHEME_INDENT`; the chart's numbers, and its text alternative, keep the
            plain labels).
    """
    # A heatmap's rows are all as tall as its tallest label: where the labels wrapped as every
    # chart's would make it taller than a printed page, they take the widest room a chart gives
    # them (LABEL_ROOM_MAX), on one line where they can.
    indent = text_width(SUBTHEME_INDENT, FONT)
    labels, room = _heatmap_labels(counts.index, sub, indent)
    if _grid_height(labels) > PAGE_ROOM:
        labels, room = _heatmap_labels(counts.index, sub, indent, LABEL_ROOM_MAX * WIDTH * 72.0
                                       - _label_room([""]) * 72.0, chars=10_000)
    import seaborn as sns  # only here: see THEME_FILE

    fig, ax = plt.subplots(figsize=(WIDTH, _grid_height(labels)))
    _place_axes(fig, ax, labels, right=0.15)
    fig.subplots_adjust(left=min(room, LABEL_ROOM_MAX * WIDTH) / WIDTH)  # the indent's room too
    labels = ["\n".join(SUBTHEME_INDENT + line for line in lb.split("\n")) if r in set(sub) else lb
              for lb, r in zip(labels, counts.index, strict=True)]
    column = _axes_points(fig, labels) / max(1, counts.shape[1])
    # Column names wrapped to their column; one with a word wider than its column is written
    # upright, whole, rather than overlap its neighbour.
    upright = any(text_width(word, FONT) > column - 2 for name in counts.columns for word in str(name).split())
    names = [str(c) for c in counts.columns] if upright else _wrap(counts.columns, column - 2)
    values = counts.astype(float)
    said = pd.DataFrame(False, index=counts.index, columns=counts.columns) if words is None else \
        words.map(lambda w: isinstance(w, str) and bool(w))
    drawn = values.mask(said.to_numpy())  # a cell that says a word is not coloured by its count
    top = float(np.nanmax(drawn.to_numpy())) if drawn.notna().any().any() else 1.0  # a scale even with no count
    sns.heatmap(drawn, annot=True, fmt=".0f", cmap="Blues", cbar=False, ax=ax, linewidths=0.5, vmin=0, vmax=top,
                yticklabels=labels, xticklabels=names, annot_kws={"fontsize": FONT})
    # seaborn writes nothing in a cell without a number (it is masked): the word, or the mark.
    for (r, c), value in np.ndenumerate(drawn.to_numpy()):
        if np.isnan(value):
            text = words.iat[r, c] if said.iat[r, c] else WITHHELD_MARK
            ax.text(c + 0.5, r + 0.5, text, ha="center", va="center", fontsize=FONT, color=".25")
    ax.tick_params(axis="x", labelrotation=90 if upright else 0)
    flush_left(fig, ax)
    ax.grid(False)  # the style's grid would run across the cells
    ax.set_xlabel("")
    ax.set_ylabel("")
    attach(fig, "heatmap", counts, title)
    return fig


def main(argv: list[str] | None = None, project: Project | None = None) -> int:
    """``python -m perspectives.figures``: rewrite ``params/figure_theme.yml``'s ``rc`` from seaborn (``chart`` kept).

    Args:
        argv: unused.
        project: the study folder (default: the one around the working directory).
    """
    from perspectives.project import default

    doc = {"source": f"seaborn.set_theme(style={THEME['style']!r}, context={THEME['context']!r}, "
                     f"font={THEME['font']!r}, palette=PALETTE) as matplotlib settings; written by "
                     "`python -m perspectives.figures`, checked against seaborn by the tests",
           "rc": seaborn_theme(), "chart": _theme_file(default(project)).get("chart") or CHART_DEFAULTS,
           "palette": _theme_file(default(project)).get("palette") or PALETTE_DEFAULTS}
    (default(project).path(THEME_FILE)).write_text(yaml.safe_dump(doc, sort_keys=True, allow_unicode=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
