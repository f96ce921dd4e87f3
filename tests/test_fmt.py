"""Tests for perspectives.fmt: the house style for statistics, shares and counts.

Expected strings come from the published report's footnotes (statistics and degrees of
freedom), with p-values recomputed independently by scipy from those statistics.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats as sps

from perspectives import fmt
from perspectives.stats import anova_oneway, chi_square


@pytest.mark.parametrize(
    ("x", "digits", "expected"),
    [(43.5, 0, 44.0), (0.5, 0, 1.0), (2.5, 0, 3.0), (-0.5, 0, -1.0), (25.645, 2, 25.65),
     (2.675, 2, 2.68), (40.65, 1, 40.7), (41.44, 0, 41.0), (0.0045, 3, 0.005)],
)
def test_round_half_up(x: float, digits: int, expected: float) -> None:
    assert fmt.round_half_up(x, digits) == expected


def test_round_half_up_differs_from_builtin_round() -> None:
    # The reason the helper exists: banker's rounding and binary floats disagree with print.
    assert round(2.5) == 2 and fmt.round_half_up(2.5) == 3.0
    assert round(25.645, 2) == 25.64 and fmt.round_half_up(25.645, 2) == 25.65
    assert math.isnan(fmt.round_half_up(float("nan"), 1))


@pytest.mark.parametrize(
    ("p", "expected"),
    [(0.004, "p = .004"), (0.0809, "p = .081"), (0.0004, "p < .001"), (0.000999, "p < .001"),
     (0.001, "p = .001"), (0.0005, "p < .001"), (0.05, "p = .050"), (0.9994, "p = .999"),
     (0.9995, "p > .999"), (1.0, "p > .999"), (0.0, "p < .001")],
)
def test_fmt_p(p: float, expected: str) -> None:
    assert fmt.fmt_p(p) == expected


@pytest.mark.parametrize("bad", [-0.01, 1.01, float("nan")])
def test_fmt_p_rejects_impossible_values(bad: float) -> None:
    with pytest.raises(ValueError):
        fmt.fmt_p(bad)


@pytest.mark.parametrize(
    ("stat", "df", "expected"),
    [  # footnotes 23, 24, 25 and 27 of the published report
        (25.645, 10, "χ²(10) = 25.65, p = .004"),
        (14.605, 6, "χ²(6) = 14.61, p = .024"),
        (26.817, 10, "χ²(10) = 26.82, p = .003"),
        (16.046, 2, "χ²(2) = 16.05, p < .001"),
    ],
)
def test_fmt_chi2_reproduces_published_footnotes(stat: float, df: int, expected: str) -> None:
    assert fmt.fmt_chi2(stat, df, sps.chi2.sf(stat, df)) == expected


@pytest.mark.parametrize(
    ("stat", "df1", "df2", "expected"),
    [  # footnotes 31, 32 and 34; footnote 31 prints "0.81", the F distribution gives .081
        (1.978, 5, 407, "F(5, 407) = 1.98, p = .081"),
        (4.657, 5, 394, "F(5, 394) = 4.66, p < .001"),
        (2.073, 5, 312, "F(5, 312) = 2.07, p = .069"),
    ],
)
def test_fmt_f_reproduces_published_footnotes(stat: float, df1: int, df2: int, expected: str) -> None:
    assert fmt.fmt_f(stat, df1, df2, sps.f.sf(stat, df1, df2)) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [  # footnote 31 again, as each edition writes its numbers (CLDR's decimal mark: "," in all four)
        ("en", "F(5, 407) = 1.98, p = .081"),
        ("ro", "F(5, 407) = 1,98, p = 0,081"),
        ("es", "F(5, 407) = 1,98, p = 0,081"),
        ("sq", "F(5, 407) = 1,98, p = 0,081"),
        ("bs", "F(5, 407) = 1,98, p = 0,081"),
    ],
)
def test_a_test_is_written_with_the_editions_decimal_mark(lang: str, expected: str) -> None:
    assert fmt.fmt_f(1.978, 5, 407, sps.f.sf(1.978, 5, 407), lang) == expected


def test_a_chi_square_and_its_p_bounds_in_romanian() -> None:
    # Footnotes 23 and 27 in a Romanian edition: the statistic's and p's decimal comma, the zero kept.
    assert fmt.fmt_chi2(25.645, 10, sps.chi2.sf(25.645, 10), "ro") == "χ²(10) = 25,65, p = 0,004"
    assert fmt.fmt_chi2(16.046, 2, sps.chi2.sf(16.046, 2), "ro") == "χ²(2) = 16,05, p < 0,001"
    assert fmt.fmt_p(0.9995, "ro") == "p > 0,999"
    table = pd.DataFrame([[179, 139], [91, 144]])
    chi = chi_square(table)
    assert fmt.fmt_test(chi, "ro") == fmt.fmt_chi2(chi.statistic, 1, chi.p, "ro")
    assert "." not in fmt.fmt_test(chi, "ro")


def test_the_significance_level_is_written_as_the_edition_writes_p() -> None:
    from perspectives.texts import p_text

    assert p_text(0.05) == ".05"
    assert p_text(0.05, "ro") == "0,05"
    assert p_text(0.05, "es") == "0,05"


def test_fmt_stat_rejects_fractional_df() -> None:
    with pytest.raises(ValueError):
        fmt.fmt_chi2(3.0, 1.5, 0.2)
    with pytest.raises(ValueError):
        fmt.fmt_f(3.0, 0, 10, 0.2)


def test_pct() -> None:
    assert fmt.pct(171, 413) == pytest.approx(41.404358353510896)
    assert math.isnan(fmt.pct(0, 0))
    assert fmt.pct(0, 5) == 0.0
    with pytest.raises(ValueError):
        fmt.pct(6, 5)
    with pytest.raises(ValueError):
        fmt.pct(1.5, 5)


def test_fmt_pct() -> None:
    assert fmt.fmt_pct(41.4) == "41%"
    assert fmt.fmt_pct(43.5) == "44%"
    assert fmt.fmt_pct(40.65, 1) == "40.7%"
    assert fmt.fmt_pct(float("nan")) == "–"


def test_pct_with_n_reproduces_published_shares() -> None:
    # Sample section: 81% female (n=335) and 19% male (n=77) of 413 workers.
    assert fmt.pct_with_n(335, 413) == "81% (n = 335)"
    assert fmt.pct_with_n(77, 413) == "19% (n = 77)"
    # Self-generated content: 56% (n=179) of workers supporting girls, 39% (n=91) for boys,
    # on the bases of the 2x2 table used in test_stats.
    assert fmt.pct_with_n(179, 179 + 139) == "56% (n = 179)"
    assert fmt.pct_with_n(91, 91 + 144) == "39% (n = 91)"


def test_fmt_n() -> None:
    assert fmt.fmt_n(413) == "n = 413"
    assert fmt.fmt_n(1254) == "n = 1,254"
    assert fmt.fmt_n(413.0) == "n = 413"
    with pytest.raises(ValueError):
        fmt.fmt_n(2.5)
    with pytest.raises(ValueError):
        fmt.fmt_n(-1)


def test_fmt_test_dispatches_on_result_type() -> None:
    table = pd.DataFrame([[179, 139], [91, 144]])
    chi = chi_square(table)
    assert fmt.fmt_test(chi) == fmt.fmt_chi2(chi.statistic, 1, chi.p)
    assert fmt.fmt_test(chi).startswith("χ²(1) = ")
    values = pd.Series([1.0, 2.0, 3.0, 4.0, 6.0, 9.0])
    groups = pd.Series(["a", "a", "a", "b", "b", "b"])
    res = anova_oneway(values, groups)
    assert fmt.fmt_test(res) == fmt.fmt_f(res.statistic, 1, 4, res.p)
    with pytest.raises(TypeError):
        fmt.fmt_test(3.0)  # type: ignore[arg-type]


def test_fmt_number_rounds_half_up_like_the_report():
    from perspectives.fmt import fmt_number

    assert fmt_number(39.5) == "40"  # Python's round() would give 40 here but 38.5 -> 38
    assert fmt_number(38.5) == "39"
    assert fmt_number(float("nan")) == "–"
    assert fmt_number(2.345, 2) == "2.35"
