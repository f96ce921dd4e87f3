"""Analysis primitives for the survey sections: frequencies, crosstabs and tests.

Purpose
    The small set of calculations the report sections share, written once so that every
    country and the synthesis compute a share, a crosstab or a test the same way, with the
    checks the house rules ask for (shares sum to 100, parts sum to totals).

Inputs
    pandas Series/DataFrames of survey answers: one value per respondent for single-select
    and numeric questions, one 0/1 column per option for multi-select questions.

Outputs
    Frequency tables (columns ``n``, ``percent``; base N in ``attrs["base"]``), integer
    crosstabs and their column percentages, frozen result objects for Pearson's chi-square
    (``ChiSquareResult``) and one-way ANOVA (``AnovaResult``), Likert and slider summaries.
    That published tables add up (parts to their base) is checked after every run by
    :mod:`perspectives.audit`, on what was published.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd

__all__ = [
    "AnovaResult",
    "ChiSquareResult",
    "anova_oneway",
    "chi_square",
    "column_percent",
    "crosstab",
    "frequency",
    "likert_summary",
    "multi_frequency",
    "slider_bands",
]


def _scipy_stats():  # noqa: ANN202 - the scipy.stats module
    """``scipy.stats``, imported on first use.

    National reports compute no test, and the import costs half a second a run.
    """
    from scipy import stats

    return stats


@dataclass(frozen=True)
class ChiSquareResult:
    """Pearson chi-square test of independence on a contingency table."""

    statistic: float
    df: int
    p: float
    n: int
    min_expected: float
    share_expected_below_5: float  # fraction (0-1) of cells with an expected count below 5
    small_expected: bool  # Cochran's rule broken: any expected < 1 or > 20% of cells < 5
    cramers_v: float


@dataclass(frozen=True)
class AnovaResult:
    """One-way analysis of variance of a numeric answer across groups."""

    statistic: float
    df_between: int
    df_within: int
    p: float
    eta_squared: float
    n: int
    group_means: dict[Hashable, float] = field(default_factory=dict)


def _order(observed: Iterable[Hashable], order: Sequence[Hashable] | None, what: str) -> list:
    """Categories in the caller's order, or sorted observed values; unknown codes are errors.

    A value outside the declared categories is a codebook or data error, so we raise
    rather than silently drop it from the table.
    """
    seen = list(dict.fromkeys(observed))
    if order is None:
        return sorted(seen, key=str)
    order = list(order)
    if len(set(order)) != len(order):
        raise ValueError(f"{what}: categories repeat in {order}")
    unknown = [v for v in seen if v not in set(order)]
    if unknown:
        raise ValueError(f"{what}: values {unknown} are not among the categories {order}")
    return order


def _table(n: pd.Series, base: int, additive: bool) -> pd.DataFrame:
    """Assemble the ``n``/``percent`` frame shared by the frequency functions."""
    out = pd.DataFrame({"n": n.astype("int64")})
    out["percent"] = (100.0 * out["n"] / base) if base > 0 else np.nan
    out.attrs["base"] = int(base)
    # Single-select categories add up to the base; multi-select ticks do not. The
    # disclosure module reads this to decide whether complementary suppression applies.
    out.attrs["additive"] = additive
    return out


def frequency(
    values: pd.Series,
    categories: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Counts and percentages of a single-select answer, one row per category.

    Missing answers are left out of the base. Categories keep the given order and appear
    even with zero respondents. ``labels`` renames the index for display.
    """
    valid = values.dropna()
    if categories is None and isinstance(values.dtype, pd.CategoricalDtype):
        categories = list(values.cat.categories)  # a declared scale keeps its own order
    cats = _order(valid, categories, f"frequency({values.name})")
    counts = valid.value_counts().reindex(cats, fill_value=0)
    out = _table(counts, len(valid), additive=True)
    if labels is not None:
        out.index = [labels.get(c, c) for c in cats]
    out.index.name = values.name
    return out


def multi_frequency(selected: pd.DataFrame, options: Sequence[str]) -> pd.DataFrame:
    """Counts and percentages of a multi-select question.

    ``selected`` has one 0/1 (or boolean) column per option and one row per respondent; a
    row that is missing in every option is a respondent who did not answer and is left
    out. The percentage denominator is the number of respondents who answered, not the
    number of ticks, so the percentages may add up to more than 100.
    """
    options = list(options)
    missing_cols = [o for o in options if o not in selected.columns]
    if missing_cols:
        raise KeyError(f"multi_frequency: options {missing_cols} are not columns of the frame")
    block = selected[options]
    answered = block.notna().any(axis=1)
    partial = answered & block.isna().any(axis=1)
    if partial.any():
        # A half-missing row is ambiguous (unticked or skipped?); the loader must decide.
        raise ValueError(
            f"multi_frequency: {int(partial.sum())} rows are missing some options but not all"
        )
    block = block[answered]
    numeric = block.astype("float64")
    if not numeric.isin([0.0, 1.0]).all().all():
        raise ValueError("multi_frequency: selections must be 0/1 or boolean")
    counts = numeric.sum(axis=0).astype("int64")
    return _table(counts, int(answered.sum()), additive=False)


def crosstab(
    row: pd.Series,
    col: pd.Series,
    row_order: Sequence[Hashable] | None = None,
    col_order: Sequence[Hashable] | None = None,
) -> pd.DataFrame:
    """Integer counts of ``row`` by ``col``; respondents missing either are left out.

    Categories follow the given orders and zero rows/columns are kept, so tables for
    different countries line up.
    """
    if not row.index.equals(col.index):
        raise ValueError("crosstab: the two series must share one index (one row per respondent)")
    both = row.notna() & col.notna()
    r, c = row[both], col[both]
    rows = _order(r, row_order, f"crosstab rows ({row.name})")
    cols = _order(c, col_order, f"crosstab columns ({col.name})")
    counts = pd.crosstab(r, c) if len(r) else pd.DataFrame()
    counts = counts.reindex(index=rows, columns=cols, fill_value=0).fillna(0).astype("int64")
    counts.index.name, counts.columns.name = row.name, col.name
    return counts


def column_percent(counts: pd.DataFrame) -> pd.DataFrame:
    """Each cell as a percentage of its column total; NaN in an empty column."""
    totals = counts.sum(axis=0).astype("float64")
    return 100.0 * counts.astype("float64") / totals.replace(0.0, np.nan)


def chi_square(counts: pd.DataFrame) -> ChiSquareResult:
    """Pearson chi-square test of independence, without Yates' continuity correction.

    This matches the first row of SPSS's output, which the published report quotes. Rows
    and columns that are entirely zero are dropped first: an empty category would add a
    degree of freedom (and lower the p-value's sensitivity) while carrying no information,
    and its expected counts would be zero.
    """
    obs = counts.to_numpy(dtype="float64")
    if np.isnan(obs).any() or (obs < 0).any():
        raise ValueError("chi_square: counts must be non-negative and complete")
    obs = obs[obs.sum(axis=1) > 0][:, obs.sum(axis=0) > 0]
    if obs.ndim != 2 or obs.shape[0] < 2 or obs.shape[1] < 2:
        raise ValueError("chi_square: needs at least two non-empty rows and columns")
    n = obs.sum()
    expected = np.outer(obs.sum(axis=1), obs.sum(axis=0)) / n
    statistic = float(((obs - expected) ** 2 / expected).sum())
    df = (obs.shape[0] - 1) * (obs.shape[1] - 1)
    below5 = float((expected < 5).mean())
    return ChiSquareResult(
        statistic=statistic,
        df=int(df),
        p=float(_scipy_stats().chi2.sf(statistic, df)),
        n=int(n),  # counts are whole, so the float sum is exact
        min_expected=float(expected.min()),
        share_expected_below_5=below5,
        small_expected=bool(expected.min() < 1 or below5 > 0.20),
        cramers_v=float(np.sqrt(statistic / (n * (min(obs.shape) - 1)))),
    )


def anova_oneway(values: pd.Series, groups: pd.Series) -> AnovaResult:
    """One-way ANOVA of ``values`` across ``groups``; pairs with a missing side are dropped."""
    if not values.index.equals(groups.index):
        raise ValueError("anova_oneway: values and groups must share one index")
    keep = values.notna() & groups.notna()
    y = pd.to_numeric(values[keep], errors="raise").astype("float64")
    g = groups[keep]
    k, n = g.nunique(), len(y)
    if k < 2 or n <= k:
        raise ValueError(f"anova_oneway: needs two groups and more answers than groups ({k}, {n})")
    grand = y.mean()
    by = y.groupby(g, sort=True)
    means, sizes = by.mean(), by.size()
    ss_between = float((sizes * (means - grand) ** 2).sum())
    ss_within = float(((y - g.map(means)) ** 2).sum())
    if ss_within == 0:
        raise ValueError("anova_oneway: no variation within groups, F is undefined")
    df_b, df_w = k - 1, n - k
    f = (ss_between / df_b) / (ss_within / df_w)
    return AnovaResult(
        statistic=float(f),
        df_between=int(df_b),
        df_within=int(df_w),
        p=float(_scipy_stats().f.sf(f, df_b, df_w)),
        eta_squared=ss_between / (ss_between + ss_within),
        n=int(n),
        group_means={key: float(m) for key, m in means.items()},
    )


def likert_summary(
    values: pd.Series, order: Sequence[str], bottom: Sequence[str], top: Sequence[str]
) -> pd.DataFrame:
    """Distribution of a rating in scale order, with bottom and top shares in ``attrs``.

    ``attrs["bottom_share"]`` is the percentage choosing any of ``bottom`` (e.g. "poor",
    "none"); ``attrs["top_share"]`` the same for ``top``.
    """
    order = list(order)
    for name, part in (("bottom", bottom), ("top", top)):
        stray = [c for c in part if c not in order]
        if stray:
            raise ValueError(f"likert_summary: {name} categories {stray} are not in the scale")
    if set(bottom) & set(top):
        raise ValueError("likert_summary: a category cannot be both bottom and top")
    out = frequency(values, order)
    out.attrs["bottom_share"] = float(out.loc[list(bottom), "percent"].sum(min_count=1))
    out.attrs["top_share"] = float(out.loc[list(top), "percent"].sum(min_count=1))
    return out


def slider_bands(values: pd.Series, bands: Sequence[tuple[str, float, float]]) -> pd.DataFrame:
    """Counts and percentages of a numeric answer in inclusive bands ``(label, lo, hi)``.

    Bands may not overlap, and every non-missing value must fall in a band: a value in a
    gap means the bands do not match the question's scale.
    """
    bands = list(bands)
    labels = [b[0] for b in bands]
    if len(set(labels)) != len(labels):
        raise ValueError("slider_bands: band labels repeat")
    for label, lo, hi in bands:
        if lo > hi:
            raise ValueError(f"slider_bands: band {label!r} has lo > hi")
    ranked = sorted(bands, key=lambda b: b[1])
    for (l1, _, hi1), (l2, lo2, _) in pairwise(ranked):
        if lo2 <= hi1:
            raise ValueError(f"slider_bands: bands {l1!r} and {l2!r} overlap")
    x = pd.to_numeric(values.dropna(), errors="raise").astype("float64")
    counts = {}
    placed = pd.Series(False, index=x.index)
    for label, lo, hi in bands:
        inside = (x >= lo) & (x <= hi)
        counts[label] = int(inside.sum())
        placed |= inside
    if not placed.all():
        stray = sorted(x[~placed].unique().tolist())
        raise ValueError(f"slider_bands: values {stray[:10]} fall in no band")
    out = _table(pd.Series(counts, index=labels), len(x), additive=True)
    out.index.name = values.name
    return out
