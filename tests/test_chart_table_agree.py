"""A chart, its table and its words agree (issue 26, a reviewer reading Moldova's English PDF).

* Figure 8 drew "11 to 17" as one bar while Table A8 printed its parts: the table beside a
  chart (and in the annex) shows the answers the chart draws, one decision for both.
* Moldova's mean share of cases involving technology read 31% in its sentence and "30" on
  the chart by country: a chart writes a number as :mod:`perspectives.fmt` rounds it.
* A legend named "Excellent", which no bar drew: a legend names only what the chart draws.
* "rural areas, only or with urban areas together": a combination's label is one phrase.
* A theme label holding the language's closing quotation mark ended its quote early.

Expected values are worked by hand (30.5 rounds half up to 31; 12.5 to 13) or read from the
survey export with pandas, not from the code under test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from perspectives import analysis, figures
from perspectives.i18n import Translator
from perspectives.readers import load_survey
from perspectives.study import load_study, repo_root
from perspectives.texts import Texts

STUDY = load_study()
NAMES = {c.iso3: c.name for c in STUDY.countries} | {"ALL": "the six countries"}
SPECS = analysis.load_specs()
LANGS = ("ro", "es", "sq", "bs")


@pytest.fixture(scope="module")
def survey():
    return load_survey()


def _charted_singles() -> list[str]:
    return [a for a, s in SPECS.items() if isinstance(s, dict) and s.get("kind") == "single"
            and s.get("figure") and s.get("combine")]


# --------------------------------------------------------------------------- 1. chart and table
def test_moldovas_boys_age_table_shows_the_combination_its_chart_draws_and_not_its_parts(survey) -> None:
    # Read from the export: among Moldova's workers who supported boys with online cases, the
    # answers 11-15 and 16-17 together, and the pooled 16-17 (small in some country: the
    # pooled parts are withheld, so the chart draws "11 to 17" for both series).
    data = survey.eligible
    mda = data[(data["country"] == "MDA") & (data["boys_online_share"] > 0)]["boys_age"].dropna()
    together = int(mda.isin(["11_15", "16_17"]).sum())
    result = analysis.run("boys_age", survey, "MDA", NAMES)
    rows = [r for r in result.table.frame.index if r != "Respondents"]
    assert "11 to 17" in list(result.shares.index)
    assert rows == list(result.shares.index), (rows, list(result.shares.index))
    assert "11 to 15" not in rows and "16 or 17" not in rows
    assert str(result.table.frame.loc["11 to 17"].iloc[0]).strip() == str(together)


@pytest.mark.parametrize("country", [c.iso3 for c in STUDY.countries] + ["ALL"])
def test_every_table_beside_a_chart_of_combined_answers_shows_what_the_chart_draws(survey, country: str) -> None:
    for analysis_id in _charted_singles():
        result = analysis.run(analysis_id, survey, country, NAMES)
        rows = {r for r in result.table.frame.index if r != "Respondents"}
        assert rows == set(result.shares.index), (analysis_id, country, rows, list(result.shares.index))
        by_country = result.tables.get("by_country")
        if by_country is not None and "by_safe_shares" in result.context:
            rows = {r for r in by_country.frame.index if r != "Respondents"}
            assert rows == set(result.context["by_safe_shares"].index), (analysis_id, sorted(rows))


def test_the_table_keeps_no_subtotal_the_chart_does_not_draw(survey) -> None:
    # Girls: no series withholds 11-15 or 16-17, so the chart draws the parts; the table has
    # no "11 to 17" subtotal row and no note about it.
    result = analysis.run("girls_age", survey, "MDA", NAMES)
    assert "11 to 17" not in set(result.shares.index)
    assert "11 to 17" not in set(result.table.frame.index)
    assert not any("11 to 17" in note for note in result.notes_extra), result.notes_extra


# --------------------------------------------------------------------------- 2. one formatter
def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_a_chart_writes_a_mean_as_the_sentence_rounds_it() -> None:
    # 30.5 rounds half up to 31 (the sentence's "31%"); Python's format rounded it to even, "30".
    fig = figures.mean_bars(pd.Series({"Moldova": 30.5, "Peru": 47.7}), "T", "Mean (%)")
    assert "31" in _texts(fig) and "30" not in _texts(fig), _texts(fig)
    figures.plt.close(fig)


def test_a_chart_writes_a_share_as_the_tables_round_it() -> None:
    fig = figures.share_bars(pd.DataFrame({"Moldova": [12.5, 87.5]}, index=["a", "b"]), "T")
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].texts if t.get_text()]
    assert sorted(labels) == ["13%", "88%"], labels
    figures.plt.close(fig)
    fig = figures.stacked_shares(pd.DataFrame([[62.5, 37.5]], columns=["Yes", "No"], index=["q"]), "T")
    assert {"63%", "38%"} <= set(_texts(fig)), _texts(fig)
    figures.plt.close(fig)


# --------------------------------------------------------------------------- 3. legend
def test_a_legend_names_no_category_that_no_bar_draws() -> None:
    nan = np.nan
    shares = pd.DataFrame([[0.0, nan, 17, 69, nan], [nan, 13, 22, 54, nan], [nan, 30, 35, 20, nan]],
                          columns=["Excellent", "Good", "Fair", "Poor", "Don't know"], index=["q1", "q2", "q3"])
    fig = figures.stacked_shares(shares, "T")
    named = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert named == ["Good", "Fair", "Poor"], named
    figures.plt.close(fig)
    # A category first met as a zero, then drawn: named once, in its place.
    fig = figures.stacked_shares(pd.DataFrame([[0.0, 60, 40], [10, 50, 40]], columns=["A", "B", "C"],
                                              index=["q1", "q2"]), "T")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["A", "B", "C"]
    figures.plt.close(fig)
    # Bars side by side: a place with no bar drawn is not named.
    fig = figures.share_bars(pd.DataFrame({"Moldova": [nan, nan], "All": [40.0, 60.0], "Peru": [30.0, 70.0]},
                                          index=["a", "b"]), "T")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["All", "Peru"]
    figures.plt.close(fig)


# --------------------------------------------------------------------------- 4. combination labels
def _combination_labels() -> list[str]:
    spec = yaml.safe_load((repo_root() / "params" / "analyses.yml").read_text(encoding="utf-8"))
    return sorted({str(c["label"]) for s in spec.values() if isinstance(s, dict)
                   for c in (s.get("combine") or {}).values()})


@pytest.mark.parametrize("lang", ("en", *LANGS))
def test_a_combination_label_is_one_phrase_in_every_language(lang: str) -> None:
    # A sentence lists answers with commas ("a (57%), b (31%) and c (12%)"): a label with a comma
    # of its own reads as two answers, and "{answer} together" then closes on half of it.
    tr = Translator(lang)
    for label in _combination_labels():
        assert "," not in tr(label), (lang, label, tr(label))


# --------------------------------------------------------------------------- 5. quotation marks
@pytest.mark.parametrize(("lang", "label", "expected"), [
    ("en", "Plain label", "“Plain label”"),
    ("en", "Said “no” *twice*", "‘Said “no” &#42;twice&#42;’"),  # escaped as every field
    ("es", "Dijo «no»", "“Dijo «no»”"),
    ("ro", "A spus „nu”", "«A spus „nu”»"),
    ("bs", "Rekla „ne“", "‚Rekla „ne“‘"),
])
def test_a_theme_label_holding_the_closing_mark_is_quoted_in_the_secondary_marks(lang, label, expected) -> None:
    from perspectives.qualitative_recommendations import _theme_name

    texts = Texts(Translator(lang), {"place": "Moldova"}, {"always", "national"})
    assert _theme_name(texts, label) == expected
