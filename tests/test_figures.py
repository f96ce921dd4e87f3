"""Tests of perspectives.figures: files written, reproducible bytes, withheld cells not drawn.

Expected values are read from the files written (PNG signature and size, SVG text) and from
matplotlib's own artists, not from the code under test.
"""

from __future__ import annotations

import struct
from pathlib import Path

import matplotlib.colors
import numpy as np
import pandas as pd
import yaml

from perspectives import figures, figures_png
from perspectives.fmt import WITHHELD_MARK
from perspectives.study import repo_root


def _shares() -> pd.DataFrame:
    return pd.DataFrame({"Moldova": [62.0, np.nan, 18.0], "All six countries": [55.0, 30.0, 15.0]},
                        index=["Social media", "Gaming", "Messaging"])


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_png_only_by_default_and_svg_on_request(tmp_path: Path) -> None:
    png = figures_png.save(figures.share_bars(_shares(), "Platforms — Moldova"), tmp_path / "a", "fig")
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["fig.png"]
    width, height = _png_size(png)
    assert width > 300 and height > 150
    figures_png.save(figures.share_bars(_shares(), "Platforms — Moldova"), tmp_path / "b", "fig", ("png", "svg"))
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["fig.png", "fig.svg"]
    svg = (tmp_path / "b" / "fig.svg").read_text(encoding="utf-8")
    assert "Social media" in svg  # svg.fonttype none keeps text as text
    # The title is the caption's (under the chart in the report), never drawn in the picture (issue 26).
    assert "Platforms — Moldova" not in svg
    assert "<dc:date>" not in svg


def test_same_figure_gives_same_bytes(tmp_path: Path) -> None:
    first = figures_png.save(figures.share_bars(_shares(), "T"), tmp_path / "1", "f", ("png", "svg"))
    second = figures_png.save(figures.share_bars(_shares(), "T"), tmp_path / "2", "f", ("png", "svg"))
    assert first == second
    assert (tmp_path / "1" / "f.svg").read_bytes() == (tmp_path / "2" / "f.svg").read_bytes()


def test_withheld_share_has_no_bar_label_and_no_error_bars() -> None:
    fig = figures.share_bars(_shares(), "T")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.texts]
    # five values shown, one withheld: five labels and the withheld mark, never "nan%"
    assert sorted(lab for lab in labels if lab) == sorted(["62%", "18%", "55%", "30%", "15%", WITHHELD_MARK])
    assert not any("nan" in lab for lab in labels)
    assert len(ax.lines) == 0  # one value per bar: no error-bar lines
    figures.plt.close(fig)


def test_long_category_labels_wrap_instead_of_widening_the_figure(tmp_path: Path) -> None:
    question = ("Another adult watches the video call while the child undresses. Has this viewer "
                "committed online sexual exploitation or abuse?")
    shares = pd.DataFrame({"Yes": [46.0, 80.0], "No": [35.0, 15.0], "Don't know": [19.0, 5.0]},
                          index=[question, "Short label"])
    fig = figures.stacked_shares(shares, "Scenario answers — Moldova")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0].replace("\n", " ") == question and labels[0].count("\n") >= 2
    assert all(len(line) <= figures.LABEL_CHARS for line in labels[0].splitlines())
    assert labels[1] == "Short label"
    width, height = _png_size(figures_png.save(fig, tmp_path, "scenarios"))
    # 7.5 in at 110 dpi is 825 px: the tight box may add the labels' overhang, not double it
    assert width < 1100, width
    assert height > 200


def test_ink_box_of_a_hand_made_canvas() -> None:
    canvas = np.full((20, 30, 4), 255, dtype=np.uint8)
    canvas[5:9, 7:12, :3] = 0  # a black block: rows 5-8, columns 7-11
    canvas[14, 25] = (255, 255, 254, 255)  # one pixel a shade off white is ink too
    assert figures_png._ink_box(canvas) == (7, 5, 26, 15)
    assert figures_png._ink_box(np.full((4, 4, 4), 255, dtype=np.uint8)) is None
    framed = canvas.copy()
    framed[:, 0, :3] = 0  # a frame (or ink) on the border: the background is unknown
    assert figures_png._ink_box(framed) is None


def test_a_heatmap_column_with_every_cell_withheld_keeps_its_width(tmp_path: Path) -> None:
    counts = pd.DataFrame({"ALB": [6.0, 7.0], "COL": [8.0, 9.0], "PER": [10.0, 11.0]}, index=["Theme one", "Theme two"])
    withheld = counts.assign(PER=np.nan)
    full = _png_size(figures_png.save(figures.heatmap(counts, "Themes"), tmp_path, "full"))
    blank = _png_size(figures_png.save(figures.heatmap(withheld, "Themes"), tmp_path, "blank"))
    assert blank == full


def test_saved_png_is_opaque_rgb_as_wide_as_every_chart_with_the_padding_above_and_below(tmp_path: Path) -> None:
    import io

    from PIL import Image

    data = figures_png.save(figures.share_bars(_shares(), "Platforms — Moldova"), tmp_path, "fig")
    image = Image.open(io.BytesIO(data))
    assert image.mode == "RGB"
    pixels = np.asarray(image.convert("RGBA"))
    ink = (pixels[..., :3] != pixels[0, 0, :3]).any(axis=2)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    pad = round(figures.plt.rcParams["savefig.pad_inches"] * figures.plt.rcParams["savefig.dpi"])
    height, width = ink.shape
    # Every chart is the theme's width, labels included (issue 26: one size for every chart);
    # the ink sets the height, with the padding above and below, and stays inside the width.
    assert width == round(figures.WIDTH * figures.plt.rcParams["savefig.dpi"])
    assert (rows[0], height - 1 - rows[-1]) == (pad, pad)
    assert cols[0] >= 0 and cols[-1] <= width - 1


def test_a_withheld_segment_leaves_the_other_segments_where_they_were() -> None:
    # Issue 25: a stacked rating bar moved its remaining segments to 0 when one was withheld.
    # One withheld segment: the others stay in place, the withheld one is a grey block of the
    # width the published ones leave (100 - 30 - 50).
    assert figures.stacked_layout([30.0, float("nan"), 50.0]) == [(0, 0.0, 30.0), (None, 30.0, 20.0), (2, 50.0, 50.0)]
    # The first segment withheld: the others do not slide to 0.
    layout = figures.stacked_layout([float("nan"), 40.0, 35.0])
    assert layout == [(None, 0.0, 25.0), (1, 25.0, 40.0), (2, 65.0, 35.0)]
    # Two withheld segments side by side are one room, where they stood.
    assert figures.stacked_layout([20.0, float("nan"), float("nan"), 30.0, 40.0]) == [
        (0, 0.0, 20.0), (None, 20.0, 10.0), (3, 30.0, 30.0), (4, 60.0, 40.0)]
    # Options of a multi-select question sum past 100: no room is invented.
    assert figures.stacked_layout([70.0, float("nan"), 60.0]) == [(0, 0.0, 70.0), (2, 70.0, 60.0)]
    # The drawn bars: the third segment starts at 65, not at 40 (the withheld room draws nothing).
    shares = pd.DataFrame({"a": [float("nan")], "b": [40.0], "c": [35.0]}, index=["Moldova"])
    fig = figures.stacked_shares(shares, "Ratings — Moldova")
    starts = sorted(round(p.get_x(), 6) for p in fig.axes[0].patches)
    assert starts == [25.0, 65.0]
    figures.plt.close(fig)


NAN = float("nan")


def test_a_scale_s_published_answers_are_drawn_in_its_order_and_the_withheld_room_is_no_bar() -> None:
    # Issue 26: Moldova's ratings of law enforcement drew one outlined "–" block over three
    # quarters of the bar, and "Fair" after it, where "No action at all" stands on the scale.
    scale = ["Excellent", "Good", "Fair", "Poor", "No action at all"]
    law = [NAN, NAN, 24.0, NAN, NAN]
    # Withheld answers on both sides of a published one: where "Fair" stood is not known, so
    # it starts the bar, and the withheld room ends it.
    assert figures.stacked_layout(law) == [(2, 0.0, 24.0), (None, 24.0, 76.0)]
    assert figures.stacked_layout([20.0, NAN, 30.0, NAN, 40.0]) == [
        (0, 0.0, 20.0), (2, 20.0, 30.0), (4, 50.0, 40.0), (None, 90.0, 10.0)]
    shares = pd.DataFrame([law, [NAN, NAN, 17.0, 39.0, 30.0], [10.0, 30.0, NAN, 25.0, 20.0]],
                          columns=scale, index=["Law enforcement", "Funding", "Laws"])
    fig = figures.stacked_shares(shares, "Ratings — Moldova")
    ax = fig.axes[0]
    colours = {tuple(np.round(matplotlib.colors.to_rgba(c), 4)) for c in figures.PALETTE}
    for y, (_, row) in enumerate(shares.iterrows()):
        drawn = sorted((p for p in ax.patches if abs(p.get_y() + p.get_height() / 2 - y) < 1e-6),
                       key=lambda p: p.get_x())
        # Every rectangle drawn is an answer, in one of the palette's colours: none is white or outlined.
        assert all(tuple(np.round(p.get_facecolor(), 4)) in colours for p in drawn)
        # The published answers left to right in the scale's order, the bar starting with the first
        # one where its place is not known, and each as wide as its share.
        published = [k for k, v in enumerate(row) if not np.isnan(v)]
        widths = [round(p.get_width(), 6) for p in drawn]
        assert widths == [round(row.iloc[k], 6) for k in published]
        lefts = [round(p.get_x(), 6) for p in drawn]
        assert lefts == sorted(lefts)
    law_bar = sorted((p for p in ax.patches if abs(p.get_y() + p.get_height() / 2) < 1e-6), key=lambda p: p.get_x())
    assert round(law_bar[0].get_x(), 6) == 0.0
    # The mark sits in the middle of the room the withheld answers take.
    assert (62.0, 0.0) in _marks(fig)
    figures.plt.close(fig)


def _marks(fig) -> list[tuple[float, float]]:
    """Where a chart wrote the withheld mark, in data coordinates."""
    ax = fig.axes[0]
    return [tuple(round(float(v), 3) for v in (t.xy if hasattr(t, "xy") else t.get_position()))
            for t in ax.texts if t.get_text() == WITHHELD_MARK]


def test_a_withheld_bar_shows_the_one_mark_where_it_would_be() -> None:
    # Issue 26: a withheld bar was left out, with nothing where it stood.
    fig = figures.share_bars(_shares(), "T")
    bars = [p for p in fig.axes[0].patches if np.isnan(p.get_width())]
    assert len(bars) == 1 and _marks(fig) == [(0.0, round(bars[0].get_y() + bars[0].get_height() / 2, 3))]
    figures.plt.close(fig)
    means = figures.mean_bars(pd.Series([40.0, np.nan], index=["Moldova", "Peru"]), "T", "Mean")
    assert _marks(means) == [(0.0, 1.0)]
    figures.plt.close(means)


def test_a_withheld_segment_is_the_one_mark_not_a_hatching() -> None:
    # Issue 26: the withheld block was hatched grey, a mark of its own.
    shares = pd.DataFrame({"a": [float("nan"), 20.0], "b": [40.0, 80.0], "c": [35.0, 0.0]}, index=["Moldova", "Peru"])
    fig = figures.stacked_shares(shares, "Ratings")
    assert not any(p.get_hatch() for p in fig.axes[0].patches)
    assert _marks(fig) == [(12.5, 0.0)]  # the middle of the block (0 to 25) on Moldova's bar
    names = [t.get_text() for t in fig.legends[0].get_texts()] if fig.legends else \
        [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert names == ["a", "b", "c"]  # the legend names the answers only: the caption explains the mark
    figures.plt.close(fig)


def test_a_heatmap_writes_the_mark_or_the_word_in_every_cell_without_a_count() -> None:
    # Issue 26: a withheld cell was left blank; a country saying none, some or all had no column.
    counts = pd.DataFrame({"ALB": [0.0, 7.0], "MDA": [5.0, np.nan], "PER": [np.nan, np.nan]},
                          index=["Theme one", "Theme two"])
    words = pd.DataFrame({"ALB": ["none", "all"], "MDA": ["", ""], "PER": ["some", ""]}, index=counts.index)
    fig = figures.heatmap(counts, "Themes", words)
    texts = {(round(t.get_position()[0], 1), round(t.get_position()[1], 1)): t.get_text() for t in fig.axes[0].texts}
    assert texts == {(0.5, 0.5): "none", (0.5, 1.5): "all", (1.5, 0.5): "5", (1.5, 1.5): WITHHELD_MARK,
                     (2.5, 0.5): "some", (2.5, 1.5): WITHHELD_MARK}
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["ALB", "MDA", "PER"]
    figures.plt.close(fig)


def test_a_heatmap_of_a_chapter_s_themes_fits_one_printed_page() -> None:
    # Issue 26: the disclosure chapter's heatmap (28 themes, a few labels on two lines) ran
    # over two PDF pages: taller than a page, no break-inside could keep it whole.
    labels = [f"Theme {k}" for k in range(24)] + [f"A theme whose label is long enough to wrap {k}" for k in range(4)]
    labels[5] = "Did not know of local child protection workers"  # 46 letters: one line when it must
    counts = pd.DataFrame({c: [1.0] * 28 for c in ["ALB", "COL", "MDA", "MEX", "PER"]}, index=labels)
    fig = figures.heatmap(counts, "Themes")
    assert figures.PAGE_ROOM >= fig.get_size_inches()[1]
    # ... and no label overlaps its neighbour: a heatmap's rows are of one height, that of its tallest label.
    ax = fig.axes[0]
    row_pt = ax.get_window_extent().height / len(labels) * 72.0 / fig.dpi
    tallest = max(t.get_text().count("\n") + 1 for t in ax.get_yticklabels())
    assert row_pt >= tallest * figures.FONT * 1.2
    figures.plt.close(fig)
    two_lines = figures.heatmap(pd.DataFrame({"ALB": [1.0, 2.0]}, index=["Short", " ".join(["long words"] * 12)]), "T")
    ax = two_lines.axes[0]
    assert ax.get_window_extent().height / 2 * 72.0 / two_lines.dpi >= 2 * figures.FONT * 1.2
    figures.plt.close(two_lines)


def _segment_colours(fig) -> dict[str, str]:
    """Each legend entry's colour, as drawn."""
    legend = fig.axes[0].get_legend()
    return {t.get_text(): matplotlib.colors.to_hex(h.get_facecolor())
            for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)}


def test_one_palette_by_one_rule_an_answer_keeps_its_colour_and_no_two_share_one() -> None:
    # Issue 26: "Goods or gifts" was orange in the boys' chart and green in the girls' (each chart
    # coloured its answers in the order it drew them), "Don't know" gold in one chart and green in
    # another, and a ninth answer took the first one's colour.
    form = {"money": "Money", "goods": "Goods or gifts", "affection": "Affection", "shelter": "Shelter",
            "other": "Something else"}
    boys = pd.DataFrame([[40.0, 30.0, 20.0, 5.0, 5.0]], columns=["Money", "Goods or gifts", "Affection", "Shelter",
                                                                "Something else"], index=["Peru"])
    girls = boys[["Affection", "Money", "Shelter", "Goods or gifts", "Something else"]]
    one, two = (figures.stacked_shares(frame, "T", form) for frame in (boys, girls))
    assert _segment_colours(one) == _segment_colours(two)
    rating = {"excellent": "Excellent", "good": "Good", "fair": "Fair", "poor": "Poor", "none": "No action at all",
              "dont_know": "Don't know"}
    yes_no = {"yes": "Yes", "no": "No", "dont_know": "Don't know"}
    scale = figures.stacked_shares(pd.DataFrame([[10.0, 20, 20, 20, 20, 10]], columns=list(rating.values())), "T",
                                   rating)
    scenario = figures.stacked_shares(pd.DataFrame([[60.0, 30, 10]], columns=list(yes_no.values())), "T", yes_no)
    assert _segment_colours(scale)["Don't know"] == _segment_colours(scenario)["Don't know"]
    # A scale's colours are the palette's in the scale's order.
    theme = yaml.safe_load((repo_root() / figures.THEME_FILE).read_text(encoding="utf-8"))["palette"]
    assert [_segment_colours(scale)[name] for name in list(rating.values())[:5]] == \
        [c.lower() for c in theme["categories"][:5]]
    assert _segment_colours(scale)["Don't know"] == theme["fixed"]["dont_know"].lower()
    many = figures.stacked_shares(pd.DataFrame([[10.0] * 10], columns=[f"answer {k}" for k in range(10)]), "T")
    for fig in (one, two, scale, scenario, many):
        colours = list(_segment_colours(fig).values())
        assert len(set(colours)) == len(colours)
        figures.plt.close(fig)


def test_a_chart_with_fewer_than_two_readable_bars_gives_way() -> None:
    # Issue 26: Moldova's gender chart drew marks only for Moldova beside the pooled bars, and
    # its scenario chart one readable bar of five.
    from perspectives.alttext import Chart

    gender = Chart.of("bars", pd.DataFrame({"Moldova": [NAN, NAN, 0.0], "All six countries": [NAN, 19.0, 0.0]},
                                           index=["Woman", "Man", "Other"]), "Gender")
    scenarios = Chart.of("stacked", pd.DataFrame([[46.0, 35.0, 19.0], [NAN] * 3, [NAN] * 3, [NAN] * 3,
                                                  [19.0, NAN, NAN]], columns=["Yes", "No", "Don't know"]), "S")
    ages = Chart.of("bars", pd.DataFrame({"Moldova": [20.0, 37.0, NAN], "All": [25.0, 41.0, 30.0]}), "Age")
    ratings = Chart.of("stacked", pd.DataFrame([[NAN, 17.0, 39.0, 30.0], [NAN, NAN, 24.0, NAN],
                                                [NAN, 30.0, 35.0, NAN]]), "Ratings")
    assert [figures.readable_bars(c) for c in (gender, scenarios, ages, ratings)] == [1, 1, 2, 2]
    assert [figures.too_little_to_show(c) for c in (gender, scenarios, ages, ratings)] == [True, True, False, False]
    assert not figures.too_little_to_show(None)  # a figure without its numbers is kept


def test_a_chart_most_of_whose_bars_are_withheld_gives_way() -> None:
    # Moldova's scenario chart, once it drew the combined answer: 2 readable bars of 5, three rows of empty room.
    from perspectives.alttext import Chart

    two_of_five = Chart.of("stacked", pd.DataFrame([[46.0, 54.0], [NAN] * 2, [NAN] * 2, [NAN] * 2, [19.0, 81.0]],
                                                   columns=["Yes", "No or don't know"]), "S")
    two_of_four = Chart.of("stacked", pd.DataFrame([[46.0, 54.0], [NAN] * 2, [NAN] * 2, [19.0, 81.0]],
                                                   columns=["Yes", "No or don't know"]), "S")
    three_of_five = Chart.of("bars", pd.DataFrame({"Moldova": [20.0, 37.0, 11.0, NAN, NAN]}), "Age")
    assert [figures.readable_bars(c) for c in (two_of_five, two_of_four, three_of_five)] == [2, 2, 3]
    assert [figures.too_little_to_show(c) for c in (two_of_five, two_of_four, three_of_five)] == [True, False, False]


def test_a_heatmap_indents_a_sub_theme_with_no_mark_and_keeps_its_numbers_plain() -> None:
    # Review 3, item 12: a "›" before a sub-theme read as an arrow in print and to a screen reader.
    counts = pd.DataFrame({"ALB": [3.0, 2.0, 1.0]}, index=["Telling someone", "Described their own disclosure",
                                                            "Formal reporting"])
    fig = figures.heatmap(counts, "Themes", sub=["Described their own disclosure"])
    ticks = fig.axes[0].get_yticklabels()
    labels = [t.get_text() for t in ticks]
    assert not any("›" in label for label in labels)
    assert [label.strip() for label in labels] == list(counts.index)
    # Set flush left, the sub-theme's text starts to the right of its theme's, inside the figure.
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ticks]
    axes_left = fig.axes[0].get_window_extent(renderer).x0
    assert {t.get_horizontalalignment() for t in ticks} == {"left"}
    assert boxes[0].x0 == boxes[2].x0 >= 0 and boxes[1].x1 > boxes[0].x1 - 1
    assert labels[1].startswith("\u2003") and not labels[0][0].isspace()
    assert max(b.x1 for b in boxes) <= axes_left
    from perspectives.alttext import attached

    assert attached(fig).rows == tuple(counts.index)
    figures.plt.close(fig)


def test_a_legend_reads_row_by_row_in_the_scale_s_order() -> None:
    # Issue 26: the ratings' legend read "Excellent, Fair, Poor, No action at all" on its first line
    # and "Good" under "Excellent": matplotlib fills a legend column by column.
    scale = ["Excellent", "Good", "Fair", "Poor", "No action at all", "Don't know"]
    fig = figures.stacked_shares(pd.DataFrame([[10.0, 20, 20, 20, 20, 10]], columns=scale,
                                              index=["How would you rate the coordination between agencies?"]), "T")
    fig.canvas.draw()
    texts = fig.axes[0].get_legend().get_texts()
    assert len({round(t.get_window_extent().y0) for t in texts}) > 1  # on more than one line
    reading = sorted(texts, key=lambda t: (-round(t.get_window_extent().y0), t.get_window_extent().x0))
    assert [t.get_text() for t in reading] == scale
    figures.plt.close(fig)
