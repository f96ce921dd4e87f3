"""Every chart one size and one font scale, no text under 8 pt on the page, no title repeating its caption (issue 26).

The printed size of a text is its size in the chart times the scale the page gives the chart:
the printed width over the chart's width. The printed widths are read from where the pages set
them, not from the code under test: the HTML (and the PDF printed from it) shows a picture
at its pixel width in CSS pixels (96 to the inch), at most the A4 page's text width (the
``@page`` margins of the report's CSS); Word places it as a rendered Word file's picture
says (its extent, read back from the file). Sizes are read from matplotlib's own Text
artists after the chart is saved, and widths from the PNG files written.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.text import Text
from PIL import Image

from perspectives import docx_report, figures, figures_png
from perspectives.study import repo_root

ROOT = repo_root()
CSS = ROOT / "lib" / "perspectives" / "templates" / "report.css"
A4_WIDTH_MM = 210.0
CSS_PX_PER_INCH = 96.0
QUESTION = ("An adult abroad pays a 16-year-old girl in your country to undress during a video call. Is the girl "
            "a victim of online sexual exploitation or abuse?")


def _theme_chart() -> dict:
    return yaml.safe_load((ROOT / "params" / "figure_theme.yml").read_text(encoding="utf-8"))["chart"]


def _page_text_width_in() -> float:
    """The A4 page's text width, from the report CSS's own @page margins."""
    css = CSS.read_text(encoding="utf-8")
    page = re.search(r"@page\s*{\s*size:\s*A4;\s*margin:\s*([\d.]+)mm\s+([\d.]+)mm", css)
    assert page, "the report CSS sets an A4 page with its margins"
    return (A4_WIDTH_MM - 2 * float(page.group(2))) / 25.4


def _charts() -> dict[str, tuple[object, str]]:
    """Every kind of chart the reports draw, with long labels, withheld cells and many legend entries."""
    shares = pd.DataFrame({"Moldova": [62.0, np.nan, 18.0, 100.0], "All six countries": [55.0, 30.0, 15.0, 97.0]},
                          index=["Stigma and shame that victims face (silence)", "Gaming", "Messaging",
                                 "Fear of how others will react"])
    ratings = pd.DataFrame({"Excellent": [5.0, 10.0], "Good": [20.0, np.nan], "Fair": [30.0, 20.0],
                            "Poor": [np.nan, 40.0], "No action at all": [20.0, 20.0], "Don't know": [20.0, 5.0]},
                           index=[QUESTION, "Short"])
    countries = ["Albania", "Bosnia and Herzegovina", "Colombia", "Moldova", "Mexico", "Peru"]
    by_country = pd.DataFrame({"No university degree": [np.nan, 5, 2, np.nan, 5, 3],
                               "Bachelor's degree": [20.0, 70, 50, np.nan, 70, 60],
                               "Master's degree or doctorate": [80.0, 25, 48, 52, 25, 37]}, index=countries)
    means = pd.Series([40.0, 50.0, np.nan, 45.0, 30.0, 20.0], index=countries)
    counts = pd.DataFrame({c: [1.0, 2.0, np.nan] for c in countries},
                          index=["Theme one", "Did not know of local child protection workers", "Risk at home"])
    many = pd.DataFrame({"Yes": np.linspace(10, 90, 40)}, index=[f"Country {k}" for k in range(40)])
    return {
        "bars": (figures.share_bars(shares, "Barriers — Moldova"), "Barriers — Moldova"),
        "stacked": (figures.stacked_shares(ratings, "Ratings — Moldova"), "Ratings — Moldova"),
        "by country": (figures.country_shares(by_country, "Education — All six countries"),
                       "Education — All six countries"),
        "means": (figures.mean_bars(means, "Caseload: mean by country", "Mean (%)"), "Caseload: mean by country"),
        "heatmap": (figures.heatmap(counts, "Participants raising each theme, by country"),
                    "Participants raising each theme, by country"),
        "dots": (figures.dot_plot(many, "Answers by country", "Share of respondents (%)", extremes=10),
                 "Answers by country"),
    }


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[object, str, int]]:
    """kind -> (figure, its title, the saved PNG's width in pixels)."""
    folder = tmp_path_factory.mktemp("charts")
    out = {}
    for kind, (fig, title) in _charts().items():
        png = figures_png.save(fig, folder, kind.replace(" ", "_"))
        out[kind] = (fig, title, Image.open(io.BytesIO(png)).size[0])
    return out


def _word_width_in(width_px: int) -> float:
    """The width, in inches, a Word report gives a picture ``width_px`` pixels wide (read from the file written)."""
    import docx

    doc = docx.Document(str(ROOT / docx_report.REFERENCE_FILE))
    image = io.BytesIO()
    Image.new("RGB", (width_px, 100), "white").save(image, format="PNG", dpi=(110, 110))
    docx_report._figure(doc, image.getvalue(), "a chart")
    return doc.inline_shapes[-1].width.inches


def test_word_prints_every_chart_at_the_pdfs_size(saved) -> None:
    # Word's chart (and so its labels) prints as large as the PDF's, not smaller (issue 26:
    # one size across the formats; on the old code Word printed charts at 0.87 of the PDF's).
    for kind, (_, _, width_px) in saved.items():
        pdf = min(width_px / CSS_PX_PER_INCH, _page_text_width_in())
        assert _word_width_in(width_px) == pytest.approx(pdf, abs=0.01), kind


def _texts(fig) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def test_every_chart_is_one_width_set_by_the_theme(saved) -> None:
    widths = {kind: width for kind, (_, _, width) in saved.items()}
    dpi = figures.plt.rcParams["savefig.dpi"]
    assert set(widths.values()) == {round(float(_theme_chart()["width"]) * dpi)}, widths


def test_no_text_prints_smaller_than_the_theme_allows(saved) -> None:
    smallest = float(_theme_chart()["min_printed_pt"])
    assert smallest >= 8
    dpi = figures.plt.rcParams["savefig.dpi"]
    for kind, (fig, _, width_px) in saved.items():
        chart_in = width_px / dpi
        scales = {"Word": _word_width_in(width_px) / chart_in,
                  "HTML/PDF": min(width_px / CSS_PX_PER_INCH, _page_text_width_in()) / chart_in}
        texts = _texts(fig)
        assert texts, kind
        for text in texts:
            for page, scale in scales.items():
                printed = text.get_fontsize() * scale
                assert printed >= smallest, (kind, page, text.get_text(), round(printed, 2))


def test_one_font_scale_every_text_at_the_theme_sizes(saved) -> None:
    chart = _theme_chart()
    allowed = {float(chart["font_size"]), float(chart["small_font_size"])}
    for kind, (fig, _, _) in saved.items():
        sizes = {round(t.get_fontsize(), 3) for t in _texts(fig)}
        assert sizes <= allowed, (kind, sizes)


def test_a_chart_draws_no_title_repeating_its_caption(saved) -> None:
    for kind, (fig, title, _) in saved.items():
        drawn = [t.get_text() for t in _texts(fig)]
        assert not [d for d in drawn if title in d], (kind, drawn)
        assert not any(ax.get_title(loc) == title for ax in fig.axes for loc in ("left", "center", "right"))


def test_ink_stays_inside_the_width_with_long_labels_and_a_long_legend(tmp_path: Path) -> None:
    # A legend of long answers takes fewer columns rather than run past the chart's edge
    # (a chart wider than the others would print at another scale).
    shares = pd.DataFrame({"Affection, protection or a relationship": [40.0], "Shelter or food": [20.0],
                           "Something other than money and a rather long answer": [20.0],
                           "Goods or gifts": [np.nan], "Money": [20.0]}, index=[QUESTION])
    png = figures_png.save(figures.stacked_shares(shares, "Exchange"), tmp_path, "exchange")
    assert Image.open(io.BytesIO(png)).size[0] == round(figures.WIDTH * figures.plt.rcParams["savefig.dpi"])
