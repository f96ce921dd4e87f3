"""The analysis engine: numbers from params/analyses.yml against independent pandas/scipy work,
and the disclosure links between a national report and the synthesis."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from perspectives import analysis, analysis_subsets, analysis_tables
from perspectives.readers import load_survey
from perspectives.study import load_study, repo_root

NAMES = {c.iso3: c.name for c in load_study().countries} | {"ALL": "All six countries"}
COUNTRIES = [c.iso3 for c in load_study().countries]


@pytest.fixture(scope="module")
def survey():
    return load_survey()


def _values(result) -> dict[tuple[str, str], object]:
    return {(v["name"], v["country"]): v["value"] for v in result.values}


def test_single_select_shares_and_chi_square_match_pandas_and_scipy(survey):
    data = survey.eligible
    result = analysis.run("gender", survey, "ALL", NAMES)
    values = _values(result)
    expected = data["gender"].value_counts(normalize=True) * 100
    # Moldova withholds its women (its one man would follow), so the pooled count of women
    # is withheld too. Its share alone, at a whole percent (81% of 413), would put Moldova's
    # women at 51..54 of 54 beside the other countries' published women, and so its men and
    # other answers at 0..3: below the threshold. To the nearest ten points (80%: 310 to 351 of
    # 413) it leaves them at 0..26, so it is published so, recorded with its decimals (-1),
    # and said "about 80%" (issue 25: the headline share of women is published).
    assert round(expected["female"]) == 81
    female = next(v for v in result.values if (v["name"], v["country"]) == ("gender.female.pct", "ALL"))
    assert (female["value"], female["digits"], female["suppressed"]) == (80, -1, False)
    assert values[("gender.female.n", "ALL")] is None
    text = result.narrative(analysis.load_specs()["gender"]["text"], "all six countries", "NOTE")
    # The men's number, published exactly as the table prints it, is said with it (review 2, R4).
    assert text.startswith("In all six countries, 19% (n = 77) of the workers who answered were men and about 80% "
                           "were women (a rounded share; see “Withheld number” in the definitions)"), text
    # Why it is rounded is said once, in the definition, not in the body (review 3, item 4).
    assert "because" not in text and "worked out" not in text, text
    # The men's share and count bound nothing below it: printed, as pandas gives them.
    assert values[("gender.male.pct", "ALL")] == pytest.approx(expected["male"])
    table = pd.crosstab(data["gender"], data["country"])
    chi2, p, dof, _ = sps.chi2_contingency(table, correction=False)
    # Its table withholds a cell (one "another gender" in Mexico), so the test is withheld
    # too, its values kept in memory only.
    assert result.test_withheld and values[("gender.chi2.stat", "ALL")] is None
    assert result.withheld[("gender.chi2.stat", "ALL")] == pytest.approx(chi2)
    assert result.withheld[("gender.chi2.df", "ALL")] == dof
    assert result.withheld[("gender.chi2.p", "ALL")] == pytest.approx(p, abs=1e-6)


def test_national_report_carries_its_own_and_the_pooled_value(survey):
    data = survey.eligible
    result = analysis.run("education", survey, "MDA", NAMES)
    values = _values(result)
    mda = data[data["country"] == "MDA"]["education"]
    for code in ("bachelor", "postgraduate", "below_bachelor"):
        expected = (mda == code).mean() * 100
        got = values[(f"education.{code}.pct", "MDA")]
        # Published, it is the pandas share; withheld, it is None and only in memory.
        if got is None:
            assert result.withheld[(f"education.{code}.pct", "MDA")] == pytest.approx(expected)
        else:
            assert got == pytest.approx(expected)
    assert values[("education.postgraduate.pct", "ALL")] == pytest.approx(
        (data["education"] == "postgraduate").mean() * 100)


def test_numeric_bands_means_and_anova(survey):
    data = survey.eligible
    result = analysis.run("se_share", survey, "ALL", NAMES)
    values = _values(result)
    shares = data["se_share"].astype(float)
    # A mean is published as the tables print it, to one decimal (issue 25: more digits give its n away).
    assert values[("se_share.mean", "ALL")] == round(shares.mean(), 1)
    assert values[("se_share.up_to_quarter.pct", "ALL")] == pytest.approx((shares <= 25).mean() * 100)
    f, p = sps.f_oneway(*[g["se_share"].astype(float) for _, g in data.groupby("country")])
    assert values[("se_share.anova.stat", "ALL")] == pytest.approx(f)
    assert values[("se_share.anova.p", "ALL")] == pytest.approx(p, abs=1e-6)


def test_multi_select_denominator_is_respondents(survey):
    data = survey.eligible
    result = analysis.run("barriers", survey, "ALL", NAMES)
    ticked = data["barriers"].fillna("").str.split().apply(lambda codes: "stigma_shame" in codes)
    assert _values(result)[("barriers.stigma_shame.pct", "ALL")] == pytest.approx(ticked.mean() * 100)


def test_population_filter_and_two_population_test(survey):
    data = survey.eligible
    result = analysis.run("forms", survey, "ALL", NAMES)
    values = _values(result)
    girls = data[data["girls_online_share"] > 0]["girls_forms"].fillna("").str.split()
    boys = data[data["boys_online_share"] > 0]["boys_forms"].fillna("").str.split()
    g, b = girls.apply(lambda c: "grooming" in c), boys.apply(lambda c: "grooming" in c)
    table = np.array([[g.sum(), b.sum()], [len(g) - g.sum(), len(b) - b.sum()]])
    assert values[("forms.grooming.girls.pct", "ALL")] == pytest.approx(g.mean() * 100)
    assert values[("forms.grooming.chi2.stat", "ALL")] == pytest.approx(
        sps.chi2_contingency(table, correction=False)[0])


SINGLE_BY_COUNTRY = [k for k, v in analysis.load_specs().items()
                     if k != "bands" and v.get("by") == "country" and v["kind"] == "single" and not v.get("synthesis_only")]


@pytest.mark.parametrize("analysis_id", SINGLE_BY_COUNTRY)
def test_national_tables_show_exactly_what_the_synthesis_shows(survey, analysis_id):
    """One mask: a national column and the pooled column read what the synthesis prints."""
    synthesis = analysis.run(analysis_id, survey, "ALL", NAMES)
    by_table = synthesis.tables["by_country"].frame
    pooled = synthesis.table.frame
    spec_ = analysis.load_specs()[analysis_id]
    combined = {str(c["label"]) for c in (spec_.get("combine") or {}).values()}
    members = {labels_of(survey, spec_).get(m, m) for c in (spec_.get("combine") or {}).values() for m in c["members"]}
    for iso3 in COUNTRIES:
        national = analysis.run(analysis_id, survey, iso3, NAMES).table.frame
        # Each report's table shows what its own chart draws: a combination or its members. A
        # row one shows and the other does not is one of those, and no other.
        differ = set(by_table.index) ^ set(national.index)
        assert differ <= combined | members, (iso3, differ)
        for label, shown in by_table[NAMES[iso3]].items():
            if label not in national.index:
                continue
            if label == "Respondents":
                assert national.loc[label, (NAMES[iso3], "n")] == shown.removeprefix("n = ")
                continue
            # Withheld, or shown in a combination below (issue 25): the one mark (issue 26), the same in both.
            absent = shown == "–"
            assert (national.loc[label, (NAMES[iso3], "n")] == shown) is absent, (iso3, label)
            if not absent:
                assert shown.endswith(f"(n = {national.loc[label, (NAMES[iso3], 'n')]})")
        # The same cells in the rows both show; each report's table is in its own chart's order.
        both = [label for label in pooled.index if label in national.index]
        assert len(both) >= 2 and set(pooled.index) ^ set(national.index) <= combined | members, iso3
        assert national[(NAMES["ALL"], "n")].reindex(both).equals(pooled[(NAMES["ALL"], "n")].reindex(both))
        assert national[(NAMES["ALL"], "%")].reindex(both).equals(pooled[(NAMES["ALL"], "%")].reindex(both))


def test_moldova_gender_no_longer_gives_back_one_man(survey):
    """Issue 15: 53 of 54 women printed with the rest withheld let 54 - 53 = 1 be read off."""
    result = analysis.run("gender", survey, "MDA", NAMES)
    column = result.table.frame[("Moldova", "n")]
    shown = [int(v) for k, v in column.items() if k != "Respondents" and v != "–"]
    withheld = int(column["Respondents"]) - sum(shown)
    assert withheld == 0 or withheld >= 5
    assert result.withheld[("gender.male.n", "MDA")] == 1  # in memory, for the fidelity check


@pytest.mark.parametrize("country", ["MDA", "COL", "ALL"])
def test_no_sentence_figure_or_value_states_a_withheld_number(survey, country):
    """Every analysis: a withheld count is not in the sentence, the figure or values.json."""
    for analysis_id, spec_ in analysis.load_specs().items():
        if analysis_id == "bands" or (spec_.get("synthesis_only") and country != "ALL"):
            continue
        result = analysis.run(analysis_id, survey, country, NAMES)
        text = result.narrative(spec_.get("text", ""), NAMES[country], "NOTE")
        assert "–" not in text  # a sentence with a withheld field is dropped, not printed with a mark
        recorded = {(v["name"], v["country"]): v for v in result.values}
        for key, true in result.withheld.items():
            assert recorded[key]["value"] is None and recorded[key]["suppressed"] is True
            if key[0].endswith(".n") and key[1] == country:
                assert not re.search(rf"\bn = {true:,}\b", text)
        for entry in result.values:
            if entry.get("suppressed"):
                assert entry["value"] is None
        if result.shares is not None and result.table is not None and result.figure_kind == "bars":
            frame = result.table.frame
            for place in result.shares.columns:
                for label, share in result.shares[place].items():
                    if (place, "%") in frame.columns and label in frame.index:
                        # not drawn where withheld or shown combined ("–", issues 25 and 26)
                        assert bool(np.isnan(share)) == (frame.loc[label, (place, "%")] in ("–", "")), \
                            (analysis_id, label)


def test_subsets_are_computed_once_and_match_pandas(survey, monkeypatch):
    data = survey.eligible
    analysis_subsets.warm_subsets(data, list(COUNTRIES))
    expected_girls = data[data["girls_online_share"] > 0]
    expected_col = expected_girls[expected_girls["country"] == "COL"]

    def no_more_queries(*args, **kwargs):
        raise AssertionError("a subset the warm-up computed was computed again")

    monkeypatch.setattr(pd.DataFrame, "query", no_more_queries)
    girls = analysis_subsets.population(data, "girls_online_share > 0")
    assert all((id(girls), "country", iso3) in analysis_subsets._SUBSETS for iso3 in COUNTRIES)
    pd.testing.assert_frame_equal(girls, expected_girls)
    pd.testing.assert_frame_equal(analysis_subsets._places(girls, "COL", load_study().synthesis_code)["COL"], expected_col)
    assert analysis_subsets.population(data, "girls_online_share > 0") is girls
    # Another frame, even with the same content, gets its own subsets.
    copy = data.copy()
    with pytest.raises(AssertionError, match="computed again"):
        analysis_subsets.population(copy, "girls_online_share > 0")
    monkeypatch.undo()
    pd.testing.assert_frame_equal(analysis_subsets.population(copy, "girls_online_share > 0"), expected_girls)


def test_withheld_values_stay_in_memory_and_out_of_values_json(tmp_path):
    """The fidelity check can compare a withheld claim in-process; nothing of it is written."""
    import contextlib
    import io
    import json

    from perspectives.report import Section

    section = Section("methods", "MDA", output_dir=str(tmp_path))
    with contextlib.redirect_stdout(io.StringIO()):
        section.run("gender")
        section.finish()
    assert section.withheld[("gender.male.n", "MDA")] == 1  # Moldova's one man (issue 15)
    written = json.loads((tmp_path / "values.json").read_text(encoding="utf-8"))
    male = next(v for v in written if v["name"] == "gender.male.n" and v["country"] == "MDA")
    assert male["value"] is None and male["suppressed"] is True
    assert all(v["value"] is None for v in written if v.get("suppressed"))


def labels_of(survey, spec_: dict) -> dict[str, str]:
    """An analysis's answer labels (codes of its question, or of its bands) as its table heads them."""
    if spec_.get("bands"):  # a slider's bands, labelled as run_numeric labels them
        bands = analysis.load_specs()["bands"][spec_["bands"]]
        return {b[0]: f"{b[1]:g}-{b[2]:g}%" if b[1] != b[2] else f"{b[1]:g}%" for b in bands}
    return survey.instrument.choice_labels(spec_["question"])


@pytest.mark.parametrize("country", ["MDA", "ALL"])
def test_a_chart_draws_every_row_its_table_shows_combined_answers_included(survey, country):
    """Where small answers are combined (their rows "–"), the chart draws the combination as its table shows it.

    Moldova's boys' exchanges are Money and, combined, everything else: a chart of Money
    alone would say less than its table. Each bar is the table's share, under the table's label.
    A chart draws one set of answers in every series (its bars add up to each series' whole):
    a combination instead of its members where a series withholds one of them and shows the
    combination (no bar left short of it), else its members (``analysis_tables.recoded_for_chart``);
    the table keeps every row.
    """
    drawn = 0
    for analysis_id, spec_ in analysis.load_specs().items():
        if analysis_id == "bands" or not spec_.get("combine") or (spec_.get("synthesis_only") and country != "ALL"):
            continue
        result = analysis.run(analysis_id, survey, country, NAMES)
        if result.shares is None or result.figure_kind != "bars":
            continue
        frame = result.table.frame
        combos = {str(c["label"]): [labels_of(survey, spec_).get(m, m) for m in c["members"]]
                  for c in spec_["combine"].values()}
        rows = _drawn_rows(result, spec_, combos)
        # Those rows, in the order the sentence lists them (tests/test_sentences.py), not the table's.
        assert sorted(result.shares.index) == sorted(rows) and len(result.shares) == len(rows), analysis_id
        for place in result.shares.columns:
            for label in rows:
                printed = frame.loc[label, (place, "%")]
                share = result.shares.loc[label, place]
                if printed in ("–", ""):
                    assert np.isnan(share), (analysis_id, label, place)
                else:
                    assert f"{share:.0f}%" == printed, (analysis_id, label, place)
                    drawn += 1
    assert drawn


def _drawn_rows(result, spec_: dict, combos: dict[str, list[str]]) -> list[str]:
    """The rows of ``result``'s table its chart should draw: a combination or its members.

    A combination shown without its members is what the chart draws (the table shows what the
    chart draws: ``analysis_tables.beside_chart``); shown beside them, it stands for them where
    a series withholds a member and shows the combination.
    """
    frame = result.table.frame
    # The base and a banded slider's mean row are the table's own; no chart draws them.
    rows = [label for label in frame.index if label not in ("Respondents", analysis_tables.MEAN_ROW)]
    for combined, members in combos.items():
        if combined not in rows or not [m for m in members if m in rows]:
            continue
        stands_for = any(frame.loc[combined, (place, "%")] not in ("–", "")
                         and any(frame.loc[m, (place, "%")] == "–" for m in members if m in rows)
                         for place in result.shares.columns)
        # The synthesis draws the question by country: its countries decide with the pooled column.
        by_country = result.tables.get("by_country")
        if by_country is not None and spec_.get("figure"):
            countries = by_country.frame
            stands_for = stands_for or any(
                countries.loc[combined, c] not in ("–", "")
                and any(countries.loc[m, c] == "–" for m in members if m in countries.index)
                for c in countries.columns)
        rows = [r for r in rows if r not in (members if stands_for else [combined])]
    return rows


def test_moldovas_combined_exchange_is_drawn_as_one_bar(survey):
    result = analysis.run("boys_exchange", survey, "MDA", NAMES)
    label = analysis_tables.combination_labels("boys_exchange")["not_money"]
    data = survey.eligible
    boys = data[(data["country"] == "MDA") & (data["boys_online_share"] > 0)]["boys_exchange"].dropna()
    assert result.shares.loc[label, NAMES["MDA"]] == pytest.approx((boys != "money").mean() * 100)


def test_a_combined_answers_bar_is_named_in_the_reports_language(tmp_path, monkeypatch):
    """The chart's combined answer reads as its table reads it, in the picture and in its text alternative."""
    import yaml

    from perspectives import report, report_display

    charts: list[dict] = []
    monkeypatch.setattr(report_display, "display", lambda obj, metadata=None, **_: charts.append(
        (metadata or {}).get("perspectives") or {}))
    report.Section("csea_online", "MDA", "ro", output_dir=str(tmp_path)).run("boys_exchange")
    catalogue = yaml.safe_load((repo_root() / "params" / "i18n" / "ro.yml").read_text(encoding="utf-8"))
    romanian = catalogue["All forms other than money"]["text"]
    figure = next(meta for meta in charts if meta.get("kind") == "figure")
    assert romanian in json.dumps(figure["chart"], ensure_ascii=False)
    assert "All forms other than money" not in json.dumps(figure, ensure_ascii=False)
