"""Text alternatives of the charts (perspectives.alttext) and what the figure functions record.

The expected sentences are written out by hand from the numbers given (rounding halves up, as
the reports' tables do: 12.5% reads "13%"); a withheld cell's true value is known to the test
and must appear nowhere in the text or the data table.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from perspectives import alttext, figures
from perspectives.alttext import Chart, data_table, describe
from perspectives.fmt import WITHHELD_MARK
from perspectives.i18n import Translator

EN = Translator("en")


def test_a_single_series_gives_its_values_in_order_then_the_withheld_names() -> None:
    shares = pd.DataFrame({"All six countries": [62.0, np.nan, 18.4]}, index=["Shame", "Fear", "Taboo"])
    chart = Chart.of("bars", shares, "Barriers to disclosure — All six countries")
    assert describe(chart, EN, "413") == (
        "Bar chart: Barriers to disclosure — All six countries. Share of respondents (%), n = 413. "
        "Shame 62%, Taboo 18%; withheld: Fear.")


def test_grouped_bars_are_read_a_category_at_a_time_each_value_in_its_place() -> None:
    shares = pd.DataFrame({"Moldova": [98.1, np.nan], "All six countries": [81.1, 15.0]}, index=["Woman", "Man"])
    text = describe(Chart.of("bars", shares, "Gender — Moldova"), EN, "54")
    assert text == ("Bar chart: Gender — Moldova. Share of respondents (%), n = 54. "
                    "Woman: Moldova 98%, All six countries 81%. Man: Moldova withheld, All six countries 15%.")


def test_stacked_bars_round_halves_up_as_the_tables_do() -> None:
    shares = pd.DataFrame({"Poor": [12.5, 40.0], "Fair": [87.5, np.nan]}, index=["Albania", "Peru"])
    text = describe(Chart.of("stacked", shares, "Ratings"), EN)
    assert text == ("Stacked bar chart: Ratings. Share of respondents (%) in each bar. "
                    "Albania: Poor 13%, Fair 88%. Peru: Poor 40%, Fair withheld.")


def test_means_and_heatmap_counts() -> None:
    means = pd.Series([38.2, 47.6], index=["Albania", "Peru"], name="Mean (%)")
    assert describe(Chart.of("means", means, "Caseload: mean by country"), EN) == (
        "Bar chart: Caseload: mean by country. Mean (%) in each group. Albania 38, Peru 48.")
    counts = pd.DataFrame({"Albania": [np.nan, 0.0], "Colombia": [7.0, 12.0]}, index=["Telling someone", "Schools"])
    assert describe(Chart.of("heatmap", counts, "Themes by country"), EN) == (
        "Heat map: Themes by country. Number of participants. Telling someone: Albania withheld, Colombia 7. "
        "Schools: Albania 0, Colombia 12.")


def test_every_value_withheld() -> None:
    chart = Chart.of("bars", pd.DataFrame({"Moldova": [np.nan, np.nan]}, index=["A", "B"]), "T")
    assert describe(chart, EN).endswith("Share of respondents (%). withheld: A, B.")


def test_a_withheld_value_appears_nowhere() -> None:
    # 3 of 50 is 6%: the small-cell rule withholds it, so the chart gets NaN.
    counts = {"Gaming": 3, "Social media": 31, "Messaging": 16}
    truth = {k: 100 * v / 50 for k, v in counts.items()}
    shares = pd.DataFrame({"Moldova": [np.nan if counts[k] < 5 else truth[k] for k in counts]}, index=list(counts))
    chart = Chart.of("bars", shares, "Platforms — Moldova")
    text = describe(chart, EN, "50")
    header, rows = data_table(chart, EN)
    assert "6%" not in text
    assert "Gaming" in text and "withheld" in text
    # The data table shows the reports' one withheld mark (issue 26); the text read aloud says the word.
    assert rows == [["Gaming", WITHHELD_MARK], ["Social media", "62%"], ["Messaging", "32%"]]
    assert header == ["", "Moldova"]
    assert chart.withheld == 1


def test_spanish_words_from_the_catalogue() -> None:
    shares = pd.DataFrame({"Los seis países": [62.0, np.nan]}, index=["Vergüenza", "Miedo"])
    text = describe(Chart.of("bars", shares, "Barreras"), Translator("es"), "89")
    assert text == ("Gráfico de barras: Barreras. Porcentaje de personas encuestadas (%), n = 89. "
                    "Vergüenza 62\u00a0%; omitido: Miedo.")  # Spanish writes a share "62 %" (CLDR)
    # The data table shows the one withheld mark in every language (issue 26), the text the word.
    assert data_table(Chart.of("bars", shares, "Barreras"), Translator("es"))[1][1] == ["Miedo", WITHHELD_MARK]


def test_share_labels_take_the_languages_percent_sign() -> None:
    """A band labelled by shares ("0-25%") reads as the language writes a share (CLDR: "25 %" in Spanish)."""
    shares = pd.DataFrame({"Perú": [35.0, 45.0]}, index=["0-25%", "26-74%"])
    chart = Chart.of("bars", shares, "Casos")
    assert describe(chart, Translator("es"), "80").endswith("0-25\u00a0% 35\u00a0%, 26-74\u00a0% 45\u00a0%.")
    assert [row[0] for row in data_table(chart, Translator("es"))[1]] == ["0-25\u00a0%", "26-74\u00a0%"]
    assert describe(chart, EN, "80").endswith("0-25% 35%, 26-74% 45%.")


def test_json_round_trip_is_strict_json() -> None:
    chart = Chart.of("stacked", pd.DataFrame({"a": [1 / 3, np.nan]}, index=["x", "y"]), "T")
    text = json.dumps(chart.to_json(), allow_nan=False)  # NaN would not be JSON
    back = Chart.from_json(json.loads(text))
    assert back == chart and back.values == ((0.333333,), (None,))


def test_bad_charts_are_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        Chart("pie", "T", ("a",), ("b",), ((1.0,),))
    with pytest.raises(ValueError, match="rows"):
        Chart("bars", "T", ("a", "b"), ("c",), ((1.0,),))
    with pytest.raises(ValueError, match="finite"):
        Chart.of("bars", pd.DataFrame({"c": [math.inf]}, index=["a"]), "T")


@pytest.mark.parametrize("kind", ["bars", "stacked", "heatmap", "means"])
def test_each_figure_function_records_what_it_drew(kind: str) -> None:
    frame = pd.DataFrame({"Moldova": [62.0, np.nan, 18.0], "All six countries": [55.0, 30.0, 15.0]},
                         index=["Social media", "Gaming", "Messaging"])
    if kind == "bars":
        fig = figures.share_bars(frame, "Platforms")
    elif kind == "stacked":
        fig = figures.stacked_shares(frame, "Platforms")
    elif kind == "heatmap":
        fig = figures.heatmap(frame, "Platforms")
    else:
        fig = figures.mean_bars(frame["Moldova"], "Platforms", "Mean (%)")
    chart = alttext.attached(fig)
    figures.plt.close(fig)
    assert chart is not None and chart.kind == kind and chart.title == "Platforms"
    assert chart.rows == ("Social media", "Gaming", "Messaging")
    if kind == "means":
        assert chart.columns == ("Mean (%)",) and chart.values == ((62.0,), (None,), (18.0,))
    else:
        assert chart.columns == ("Moldova", "All six countries")
        assert chart.values == ((62.0, 55.0), (None, 30.0), (18.0, 15.0))


def test_a_figure_without_a_record_has_none() -> None:
    fig, _ = figures.plt.subplots()
    assert alttext.attached(fig) is None
    figures.plt.close(fig)
