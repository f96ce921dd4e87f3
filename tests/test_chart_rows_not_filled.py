"""A chart draws no row it cannot fill; its caption names the rows left out (review 3, item 7).

Peru's Figure 15 drew two scenarios as empty rows marked "–", and the synthesis's Figure 1 an
empty row for Moldova. The frames here are written by hand: a row every value of which is NaN
(withheld), beside rows with some values.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from perspectives import figures, report_analyses
from perspectives.alttext import Chart
from perspectives.i18n import Translator


def _section(lang: str = "en") -> SimpleNamespace:
    return SimpleNamespace(t=Translator(lang), lang=lang, names={"MDA": "Moldova", "MEX": "Mexico"})


def test_a_row_with_no_value_is_not_drawn_and_the_caption_names_it() -> None:
    shares = pd.DataFrame({"Girls": [32.0, np.nan, np.nan, 11.0], "Boys": [68.0, np.nan, 74.0, 89.0]},
                          index=["Albania", "Moldova", "Mexico", "Peru"])
    drawn, caption = report_analyses.fillable_rows(_section(), shares, "Figure 1. Gender (n = 413)")
    assert list(drawn.index) == ["Albania", "Mexico", "Peru"]  # Mexico keeps its row: one value is published
    assert caption.startswith("Figure 1. Gender (n = 413). ")
    assert caption.endswith("small-cell rule: Moldova.")


def test_a_stacked_row_whose_only_published_share_is_0_is_not_drawn() -> None:
    # Moldova in the synthesis's Figure 1: men and women withheld, "another gender" a published 0.
    shares = pd.DataFrame({"Man": [32.0, np.nan, np.nan, 11.0], "Woman": [68.0, np.nan, 74.0, 89.0],
                           "Another": [0.0, 0.0, np.nan, 0.0]}, index=["Albania", "Moldova", "Mexico", "Peru"])
    drawn, caption = report_analyses.fillable_rows(_section(), shares, "Figure 1.", kind="stacked")
    assert list(drawn.index) == ["Albania", "Mexico", "Peru"] and caption.endswith(": Moldova.")
    # Grouped bars write "0%" by a bar of no length: there that row says something.
    bars = pd.DataFrame({"Moldova": [20.0, 0.0, 80.0], "All": [30.0, 0.0, 70.0]}, index=["Man", "Another", "Woman"])
    kept, same = report_analyses.fillable_rows(_section(), bars, "Figure 1.")
    assert list(kept.index) == list(bars.index) and same == "Figure 1."


def test_answers_left_out_are_quoted_and_a_full_chart_is_unchanged() -> None:
    shares = pd.DataFrame({"Yes": [86.0, 68.0, np.nan], "No": [14.0, 32.0, np.nan]},
                          index=["Scenario A?", "Scenario C?", "Scenario B?"])
    drawn, caption = report_analyses.fillable_rows(_section(), shares, "Figure 15. Scenarios.")
    assert list(drawn.index) == ["Scenario A?", "Scenario C?"]
    assert "“Scenario B?”" in caption
    full = shares.fillna(1.0)
    same, unchanged = report_analyses.fillable_rows(_section(), full, "Figure 15. Scenarios.")
    assert same.equals(full) and unchanged == "Figure 15. Scenarios."


def test_a_chart_that_gives_way_to_its_table_is_judged_on_every_row() -> None:
    # Moldova's scenarios: one readable bar of three is too little to show (figures.too_little_to_show);
    # leaving out the empty rows first would have drawn it after all.
    shares = pd.DataFrame({"Yes": [86.0, np.nan, np.nan], "No": [14.0, np.nan, np.nan]}, index=["A?", "B?", "C?"])
    assert figures.too_little_to_show(Chart.of("stacked", shares, "S"))
    same, caption = report_analyses.fillable_rows(_section(), shares, "Figure 15.", kind="stacked")
    assert same.equals(shares) and caption == "Figure 15."


def test_means_left_out() -> None:
    means = pd.Series([21.0, 30.0, np.nan], index=["Mexico", "Peru", "Moldova"])
    drawn, caption = report_analyses.fillable_rows(_section(), means, "Means", kind="means")
    assert list(drawn.index) == ["Mexico", "Peru"] and caption.endswith(": Moldova.")


def test_the_note_is_translated() -> None:
    shares = pd.DataFrame({"Sí": [86.0, 40.0, np.nan]}, index=["A", "B", "C"])
    _, caption = report_analyses.fillable_rows(_section("es"), shares, "Figura 15.")
    assert "regla de celdas pequeñas" in caption and "small-cell" not in caption
