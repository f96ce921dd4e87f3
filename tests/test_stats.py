"""Tests for perspectives.stats against hand-worked tables, scipy and statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats as sps
from scipy.stats.contingency import association

from perspectives import stats as st

# --- frequencies -------------------------------------------------------------------------

def test_frequency_hand_worked() -> None:
    values = pd.Series(["a", "b", "a", None, "c", "a"], name="q1")
    out = st.frequency(values, ["a", "b", "c", "d"])
    assert out.index.tolist() == ["a", "b", "c", "d"]  # given order, zero row kept
    assert out["n"].tolist() == [3, 1, 1, 0]
    assert out["percent"].tolist() == pytest.approx([60.0, 20.0, 20.0, 0.0])
    assert out.attrs["base"] == 5  # the missing answer is not in the base
    assert out.attrs["additive"] is True
    assert out.index.name == "q1"


def test_frequency_labels_and_categorical_order() -> None:
    values = pd.Series(pd.Categorical(["lo", "hi", "hi"], categories=["hi", "mid", "lo"]))
    out = st.frequency(values, labels={"hi": "High", "lo": "Low"})
    assert out.index.tolist() == ["High", "mid", "Low"]
    assert out["n"].tolist() == [2, 0, 1]


def test_frequency_rejects_unknown_codes_and_handles_empty_base() -> None:
    with pytest.raises(ValueError, match="not among"):
        st.frequency(pd.Series(["a", "z"]), ["a", "b"])
    empty = st.frequency(pd.Series([None, None], dtype=object), ["a", "b"])
    assert empty["n"].tolist() == [0, 0] and empty.attrs["base"] == 0
    assert empty["percent"].isna().all()


def test_multi_frequency_uses_respondents_not_ticks() -> None:
    selected = pd.DataFrame(
        {"x": [1, 1, 0, 1, np.nan], "y": [1, 1, 0, 0, np.nan], "z": [0, 0, 0, 0, np.nan]}
    )
    out = st.multi_frequency(selected, ["x", "y", "z"])
    assert out["n"].tolist() == [3, 2, 0]
    assert out.attrs["base"] == 4  # four answered; five ticks; one skipped
    assert out["percent"].tolist() == pytest.approx([75.0, 50.0, 0.0])
    assert out["percent"].sum() == pytest.approx(125.0)
    assert out.attrs["additive"] is False


def test_multi_frequency_booleans_and_errors() -> None:
    selected = pd.DataFrame({"x": [True, False, None], "y": [False, False, None]}, dtype=object)
    out = st.multi_frequency(selected, ["x", "y"])
    assert out["n"].tolist() == [1, 0] and out.attrs["base"] == 2
    with pytest.raises(ValueError, match="some options"):
        st.multi_frequency(pd.DataFrame({"x": [1, np.nan], "y": [0, 1]}), ["x", "y"])
    with pytest.raises(ValueError, match="0/1"):
        st.multi_frequency(pd.DataFrame({"x": [2, 0], "y": [0, 1]}), ["x", "y"])
    with pytest.raises(KeyError):
        st.multi_frequency(pd.DataFrame({"x": [1]}), ["x", "w"])


# --- crosstabs -----------------------------------------------------------------------------

def test_crosstab_hand_worked() -> None:
    row = pd.Series(["f", "m", "f", "f", None, "m"], name="gender")
    col = pd.Series(["ALB", "ALB", "MEX", "ALB", "MEX", None], name="country")
    out = st.crosstab(row, col, ["f", "m", "other"], ["ALB", "BIH", "MEX"])
    expected = pd.DataFrame(
        [[2, 0, 1], [1, 0, 0], [0, 0, 0]], index=["f", "m", "other"], columns=["ALB", "BIH", "MEX"]
    )
    assert (out.to_numpy() == expected.to_numpy()).all()
    assert out.index.tolist() == expected.index.tolist()
    assert out.columns.tolist() == expected.columns.tolist()
    assert out.dtypes.map(lambda d: d.kind == "i").all()
    pct = st.column_percent(out)
    assert pct["ALB"].tolist() == pytest.approx([200 / 3, 100 / 3, 0.0])
    assert pct["BIH"].isna().all()  # an empty column has no shares
    assert pct["MEX"].tolist() == pytest.approx([100.0, 0.0, 0.0])


# --- chi-square ----------------------------------------------------------------------------

def test_chi_square_published_2x2_by_hand_formula() -> None:
    a, b, c, d = 179, 139, 91, 144
    n = a + b + c + d
    by_hand = n * (a * d - b * c) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    res = st.chi_square(pd.DataFrame([[a, b], [c, d]]))
    assert res.statistic == pytest.approx(by_hand, rel=1e-12)
    assert res.df == 1 and res.n == n
    assert res.p == pytest.approx(sps.chi2.sf(by_hand, 1), rel=1e-12)
    # Phi for a 2x2 is sqrt(chi2 / n), which is Cramer's V.
    assert res.cramers_v == pytest.approx(np.sqrt(by_hand / n))
    # Without Yates: SPSS's first row; scipy's default (corrected) statistic is smaller.
    corrected = sps.chi2_contingency([[a, b], [c, d]], correction=True)[0]
    assert corrected < res.statistic


@pytest.mark.parametrize("seed", range(6))
def test_chi_square_matches_scipy_on_random_tables(seed: int) -> None:
    rng = np.random.default_rng(seed)
    r, c = rng.integers(2, 6), rng.integers(2, 7)
    table = pd.DataFrame(rng.integers(1, 60, size=(r, c)))
    res = st.chi_square(table)
    stat, p, dof, expected = sps.chi2_contingency(table.to_numpy(), correction=False)
    assert res.statistic == pytest.approx(stat, rel=1e-10)
    assert res.p == pytest.approx(p, rel=1e-8)
    assert res.df == dof
    assert res.min_expected == pytest.approx(expected.min())
    assert res.share_expected_below_5 == pytest.approx((expected < 5).mean())
    assert res.cramers_v == pytest.approx(association(table.to_numpy(), method="cramer"))


def test_chi_square_drops_empty_rows_and_columns() -> None:
    table = pd.DataFrame([[10, 0, 20], [0, 0, 0], [15, 0, 5]])
    res = st.chi_square(table)
    stat, p, dof, _ = sps.chi2_contingency([[10, 20], [15, 5]], correction=False)
    assert res.df == dof == 1
    assert res.statistic == pytest.approx(stat)
    assert res.p == pytest.approx(p)


def test_chi_square_cochran_flag_hand_worked() -> None:
    # Row totals 6 and 14, column totals 10 and 10, n=20: expected 3, 3, 7, 7.
    res = st.chi_square(pd.DataFrame([[1, 5], [9, 5]]))
    assert res.min_expected == pytest.approx(3.0)
    assert res.share_expected_below_5 == pytest.approx(0.5)
    assert res.small_expected is True
    big = st.chi_square(pd.DataFrame([[30, 20], [25, 25]]))
    assert big.small_expected is False
    with pytest.raises(ValueError):
        st.chi_square(pd.DataFrame([[1, 2], [0, 0]]))


# --- ANOVA ----------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(4))
def test_anova_matches_scipy_and_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    k = int(rng.integers(2, 7))
    groups = pd.Series(rng.choice([f"g{i}" for i in range(k)], size=120))
    values = pd.Series(rng.normal(40, 15, size=120) + groups.str[1:].astype(int) * 2.0)
    values[rng.choice(120, 8, replace=False)] = np.nan
    groups[rng.choice(120, 5, replace=False)] = None
    res = st.anova_oneway(values, groups)

    data = pd.DataFrame({"y": values, "g": groups}).dropna()
    samples = [grp["y"].to_numpy() for _, grp in data.groupby("g")]
    f, p = sps.f_oneway(*samples)
    assert res.statistic == pytest.approx(f, rel=1e-10)
    assert res.p == pytest.approx(p, rel=1e-8)
    assert res.n == len(data)

    table = sm.stats.anova_lm(smf.ols("y ~ C(g)", data=data).fit(), typ=1)
    assert res.df_between == int(table.loc["C(g)", "df"])
    assert res.df_within == int(table.loc["Residual", "df"])
    assert res.statistic == pytest.approx(table.loc["C(g)", "F"], rel=1e-10)
    eta2 = table.loc["C(g)", "sum_sq"] / table["sum_sq"].sum()
    assert res.eta_squared == pytest.approx(eta2, rel=1e-10)


def test_anova_hand_worked_and_errors() -> None:
    # Means 2 and 6.333..., grand mean 4.1667; SSB = 3*(2.1667^2 + 2.1667^2) = 28.1667,
    # SSW = 2 + 12.6667 = 14.6667, F = 28.1667 / (14.6667 / 4) = 7.6818.
    values = pd.Series([1.0, 2.0, 3.0, 4.0, 6.0, 9.0, np.nan])
    groups = pd.Series(["a", "a", "a", "b", "b", "b", "a"])
    res = st.anova_oneway(values, groups)
    assert res.group_means == pytest.approx({"a": 2.0, "b": 19 / 3})
    assert res.statistic == pytest.approx((169 / 6) / ((44 / 3) / 4))
    assert (res.df_between, res.df_within, res.n) == (1, 4, 6)
    with pytest.raises(ValueError):
        st.anova_oneway(pd.Series([1.0, 2.0]), pd.Series(["a", "a"]))
    with pytest.raises(ValueError, match="within"):
        st.anova_oneway(pd.Series([1.0, 1.0, 2.0, 2.0]), pd.Series(["a", "a", "b", "b"]))


# --- Likert and sliders --------------------------------------------------------------------

def test_likert_summary_hand_worked() -> None:
    order = ["none", "poor", "fair", "good", "excellent"]
    values = pd.Series(["none", "poor", "poor", "good", "excellent", "fair", "good", "good", None])
    out = st.likert_summary(values, order, bottom=["none", "poor"], top=["good", "excellent"])
    assert out["n"].tolist() == [1, 2, 1, 3, 1]
    assert out.attrs["base"] == 8
    assert out.attrs["bottom_share"] == pytest.approx(37.5)
    assert out.attrs["top_share"] == pytest.approx(50.0)
    with pytest.raises(ValueError):
        st.likert_summary(values, order, bottom=["awful"], top=["good"])


def test_slider_bands_inclusive_edges_and_errors() -> None:
    bands = [("0-25", 0, 25), ("26-50", 26, 50), ("51-100", 51, 100)]
    values = pd.Series([0, 25, 26, 50, 51, 100, 70, np.nan])
    out = st.slider_bands(values, bands)
    assert out.index.tolist() == ["0-25", "26-50", "51-100"]
    assert out["n"].tolist() == [2, 2, 3]
    assert out.attrs["base"] == 7
    assert out["percent"].tolist() == pytest.approx([200 / 7, 200 / 7, 300 / 7])
    with pytest.raises(ValueError, match="overlap"):
        st.slider_bands(values, [("a", 0, 50), ("b", 50, 100)])
    with pytest.raises(ValueError, match="no band"):
        st.slider_bands(pd.Series([25.5]), bands)


# --- checks ---------------------------------------------------------------------------------

