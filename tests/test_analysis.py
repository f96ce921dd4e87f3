"""The analysis engine: numbers from params/analyses.yml against independent pandas/scipy work,
and the disclosure links between a national report and the synthesis."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from perspectives import analysis
from perspectives.readers import load_survey
from perspectives.study import load_study

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
    assert values[("gender.female.pct", "ALL")] == pytest.approx(expected["female"])
    table = pd.crosstab(data["gender"], data["country"])
    chi2, p, dof, _ = sps.chi2_contingency(table, correction=False)
    assert values[("gender.chi2.stat", "ALL")] == pytest.approx(chi2)
    assert values[("gender.chi2.df", "ALL")] == dof and values[("gender.chi2.p", "ALL")] == pytest.approx(p, abs=1e-6)


def test_national_report_carries_its_own_and_the_pooled_value(survey):
    data = survey.eligible
    result = analysis.run("education", survey, "MDA", NAMES)
    values = _values(result)
    mda = data[data["country"] == "MDA"]["education"]
    assert values[("education.postgraduate.pct", "MDA")] == pytest.approx((mda == "postgraduate").mean() * 100)
    assert values[("education.postgraduate.pct", "ALL")] == pytest.approx(
        (data["education"] == "postgraduate").mean() * 100)


def test_numeric_bands_means_and_anova(survey):
    data = survey.eligible
    result = analysis.run("se_share", survey, "ALL", NAMES)
    values = _values(result)
    shares = data["se_share"].astype(float)
    assert values[("se_share.mean", "ALL")] == pytest.approx(shares.mean())
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


@pytest.mark.parametrize("analysis_id", [k for k, v in analysis.load_specs().items()
                                         if k != "bands" and v.get("by") == "country" and v["kind"] == "single"])
def test_national_tables_hide_what_the_synthesis_breakdown_hides(survey, analysis_id):
    """A cell withheld in the synthesis's by-country table is withheld in that country's report."""
    synthesis = analysis.run(analysis_id, survey, "ALL", NAMES)
    by_table = synthesis.context["by_table"]
    for iso3 in COUNTRIES:
        national = analysis.run(analysis_id, survey, iso3, NAMES)
        column = national.table[(NAMES[iso3], "n")]
        for label, shown in by_table[NAMES[iso3]].items():
            withheld_in_synthesis = shown.startswith("<") or shown == "–"
            if withheld_in_synthesis:
                assert column[label] in ("–",) or column[label].startswith("<"), (iso3, label)


def test_narrative_never_states_a_withheld_count(survey):
    result = analysis.run("gender", survey, "MDA", NAMES)
    text = result.narrative(analysis.spec("gender")["text"], "Moldova")
    table = result.table[("Moldova", "n")]
    for label, shown in table.items():
        if shown.startswith("<") or shown == "–":
            hidden_count = survey.eligible.query("country == 'MDA'")["gender"].map(
                survey.instrument.choice_labels("gender")).value_counts().get(label, 0)
            assert f"n={hidden_count})" not in text


def test_subsets_are_computed_once_and_match_pandas(survey, monkeypatch):
    data = survey.eligible
    analysis.warm_subsets(data, list(COUNTRIES))
    expected_girls = data[data["girls_online_share"] > 0]
    expected_col = expected_girls[expected_girls["country"] == "COL"]

    def no_more_queries(*args, **kwargs):
        raise AssertionError("a subset the warm-up computed was computed again")

    monkeypatch.setattr(pd.DataFrame, "query", no_more_queries)
    girls = analysis.population(data, "girls_online_share > 0")
    assert all((id(girls), "country", iso3) in analysis._SUBSETS for iso3 in COUNTRIES)
    pd.testing.assert_frame_equal(girls, expected_girls)
    pd.testing.assert_frame_equal(analysis._places(girls, "COL")["COL"], expected_col)
    assert analysis.population(data, "girls_online_share > 0") is girls
    # Another frame, even with the same content, gets its own subsets.
    copy = data.copy()
    with pytest.raises(AssertionError, match="computed again"):
        analysis.population(copy, "girls_online_share > 0")
    monkeypatch.undo()
    pd.testing.assert_frame_equal(analysis.population(copy, "girls_online_share > 0"), expected_girls)
