"""The charts' settings from ``params/figure_theme.yml``: one size and type scale, one palette, one rule for a chart too sparse to show.

Purpose
    Every chart takes its sizes from ``chart:`` (:func:`chart_settings`) and its colours from
    ``palette:`` (:func:`answer_colours`: no two entries of a chart share a colour, and an
    answer keeps its colour in every chart); a chart with fewer readable bars than
    ``min_readable_bars`` gives way to its table (:func:`too_little_to_show`).
    :mod:`perspectives.figures` sets the study's settings in place as a run starts
    (``use_theme``) and draws with them.
"""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import matplotlib.colors

from perspectives.alttext import Chart
from perspectives.project import Project

__all__ = ["CHART", "CHART_DEFAULTS", "COLOURS", "PALETTE", "PALETTE_DEFAULTS", "THEME", "THEME_FILE", "UNSET_BY_THEME",
           "answer_colours", "chart_settings", "flush_left", "palette_settings", "readable_bars", "seaborn_theme",
           "theme_file", "too_little_to_show"]

PALETTE = ["#2f5d8a", "#e08a3c", "#6a9f58", "#b5525c", "#8a6fb0", "#c9a13b", "#5aa6b5", "#7f7f7f"]
THEME_FILE = "params/figure_theme.yml"


# Every chart's size and type sizes, when params/figure_theme.yml has no `chart:` block.
CHART_DEFAULTS = {"width": 6.1, "font_size": 9.0, "small_font_size": 8.0, "min_printed_pt": 8.0, "label_share": 0.42,
                  "min_readable_bars": 2.0, "readable_share": 50.0,
                  "min_readable_bars_share": 50.0}


def theme_file(project: Project) -> dict[str, object]:
    """``params/figure_theme.yml`` of ``project`` (empty without the file)."""
    return project.yaml(THEME_FILE, "figure_theme") if project.path(THEME_FILE).is_file() else {}


# The one palette every chart takes its colours from, when params/figure_theme.yml has no
# `palette:` block: distinct colours for the series and answers of a chart, in order, and the
# colours some answers keep in every chart (by their code in the form).
PALETTE_DEFAULTS: dict[str, object] = {"categories": list(PALETTE), "fixed": {"dont_know": "#7f7f7f"}}


def palette_settings(project: Project) -> dict[str, object]:
    """The charts' palette: ``palette:`` of ``params/figure_theme.yml`` (see :func:`answer_colours`)."""
    given = theme_file(project).get("palette") or {}
    return {"categories": [str(c) for c in given.get("categories") or PALETTE_DEFAULTS["categories"]],
            "fixed": {str(k): str(v) for k, v in (given.get("fixed") or PALETTE_DEFAULTS["fixed"]).items()}}


def answer_colours(names: Sequence[str], answers: dict[str, str] | None = None) -> list[str]:
    """The one rule for a chart's colours: one per series or answer, no two alike.

    Args:
        names: the series (or a stacked bar's answers) in drawing order.
        answers: where the names are the answers of a question: every answer of it, code ->
            label, in the form's order. None (or a name it lacks): the names are series
            (places, groups), coloured in drawing order.

    Returns:
        A colour for each name. An answer whose code the palette's ``fixed`` names (``Don't
        know``) has that colour in every chart; the others take the palette's ``categories``
        in the form's order, so that a scale's answers are coloured in its order and the same
        answer has the same colour whatever order a chart draws it in, and whatever answers
        it leaves out. Past the palette's end, lighter tints of it keep every colour distinct.
    """
    fixed: dict[str, str] = dict(COLOURS["fixed"])  # type: ignore[call-overload]
    taken = {c.lower() for c in fixed.values()}
    free = [c for c in COLOURS["categories"] if c.lower() not in taken]  # type: ignore[union-attr]
    free += [_tint(c) for c in free]
    code_of = {label: code for code, label in (answers or {}).items()}
    if not all(name in code_of for name in names):
        answers, code_of, fixed = {name: name for name in names}, {name: name for name in names}, {}
    colour: dict[str, str] = {}
    for code in answers:  # type: ignore[union-attr]
        colour[code] = fixed[code] if code in fixed else free[sum(k not in fixed for k in colour) % len(free)]
    return [colour[code_of[name]] for name in names]


def _tint(colour: str) -> str:
    """``colour`` mixed half and half with white."""
    red, green, blue = matplotlib.colors.to_rgb(colour)
    return matplotlib.colors.to_hex(((1 + red) / 2, (1 + green) / 2, (1 + blue) / 2))



# The chart settings and palette in use: the defaults until a run's use_theme sets its study's
# (changed in place, so that every module holding them sees the study's).
CHART: dict[str, float] = dict(CHART_DEFAULTS)
COLOURS: dict[str, object] = {"categories": list(PALETTE), "fixed": dict(PALETTE_DEFAULTS["fixed"])}  # type: ignore[call-overload]


def chart_settings(project: Project) -> dict[str, float]:
    """One size and font scale for every chart: ``chart:`` of ``params/figure_theme.yml``.

    ``width`` (inches) is every picture's width, labels included; ``font_size`` and
    ``small_font_size`` (points) are the sizes of every text a chart draws (the small one for
    the values written on bars); ``min_printed_pt`` is the smallest a text may print on the
    page; ``label_share`` is the largest share of the width the category labels may take;
    ``min_readable_bars``, ``min_readable_bars_share`` and ``readable_share`` say when a chart has too little to show
    (:func:`too_little_to_show`).
    """
    return {**CHART_DEFAULTS, **{k: float(v) for k, v in (theme_file(project).get("chart") or {}).items()}}




def readable_bars(chart: Chart) -> int:
    """How many bars of a chart a reader can read: the one count :func:`too_little_to_show` weighs.

    * Bars side by side (``bars``, ``means``): each series counts its bars with a published
      value (0% is one); the chart has the fewest of any series, since a series with one bar
      compares nothing (a place whose every share is withheld beside the pooled one).
    * Stacked bars: a bar is readable when its published segments cover at least
      ``readable_share`` per cent of it (the rest is withheld room).
    * A heatmap writes a word or a count in most cells: each row counts.
    """
    if chart.kind == "stacked":
        return sum(sum(v for v in row if v is not None) >= CHART["readable_share"] - 1e-9 for row in chart.values)
    if chart.kind in ("bars", "means"):
        return min((sum(row[k] is not None for row in chart.values) for k in range(len(chart.columns))), default=0)
    return len(chart.rows)


def too_little_to_show(chart: Chart | None) -> bool:
    """The one rule for a chart that gives way to its table: too few of its bars can be read.

    Fewer than ``min_readable_bars`` readable bars, or readable bars fewer than
    ``min_readable_bars_share`` per cent of the bars drawn: a chart most of whose bars are
    withheld room (or that has one bar) shows marks, not numbers; its table, which says the
    same and names what is withheld, takes its place. A figure that carries no numbers
    (None) is kept.
    """
    if chart is None:
        return False
    readable = readable_bars(chart)
    return (readable < CHART["min_readable_bars"]
            or 100.0 * readable < CHART["min_readable_bars_share"] * len(chart.rows))


def flush_left(fig, ax, margin: float = 2.0) -> None:
    """Set a chart's row labels flush left at the figure's edge (``margin`` points in), so an indent shows."""
    left_pt = fig.subplotpars.left * fig.get_size_inches()[0] * 72.0
    ax.tick_params(axis="y", pad=max(0.0, left_pt - matplotlib.rcParams["ytick.major.size"] - margin))
    for label in ax.get_yticklabels():
        label.set_horizontalalignment("left")


# seaborn's theme, as the matplotlib settings it makes (see seaborn_theme): importing seaborn
# imports scipy.stats, half a second that a run drawing bars without a test need not pay.
THEME = {"style": "whitegrid", "context": "notebook", "font": "sans-serif"}
UNSET_BY_THEME = "image.cmap"


def seaborn_theme() -> dict[str, object]:
    """The matplotlib settings ``seaborn.set_theme(**THEME, palette=PALETTE)`` makes.

    ``set_theme`` applies ``plotting_context``, then ``axes_style`` with the font, then a
    colour cycle of the palette (a list palette remaps no colour codes); this returns the
    same settings, the cycle as a list of RGB triples, ready for ``params/figure_theme.yml``.
    """
    import seaborn as sns

    settings: dict[str, object] = dict(sns.plotting_context(THEME["context"]))
    settings.update(sns.axes_style(THEME["style"], rc={"font.family": THEME["font"]}))
    settings["axes.prop_cycle"] = [list(map(float, rgb)) for rgb in sns.color_palette(PALETTE)]
    # seaborn's default colour map ("rocket") exists only once seaborn is imported; no figure
    # here uses the default map (the heatmap names its own), so matplotlib's stays.
    settings.pop(UNSET_BY_THEME)
    return settings
