"""The arithmetic of printed numbers: a test's p from its statistic, a share from its n, a chi-square from shares.

Purpose
    What :mod:`perspectives.claims` checks on one printed claim, as statcheck does on a paper:
    recompute a p-value from its statistic and degrees of freedom, a percentage from its n
    and base within its rounding, the bases a share and its n allow, and the range of
    chi-squares that tables matching some printed shares can give. Apart from the registry
    and the relations between claims, because these checks need only the numbers of one
    claim (or one comparison), never the registry.

Inputs
    A claim's row (``data/claims.csv`` columns), or the numbers themselves.

Outputs
    :class:`TestCheck` and :class:`Check` verdicts; numbers and intervals.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
from scipy import stats as sps

from perspectives.fmt import round_half_up
from perspectives.stats import chi_square

ALPHA = 0.05


@dataclass(frozen=True)
class TestCheck:
    """Outcome of recomputing one printed test."""

    __test__ = False  # not a pytest class, despite the name

    recomputed_p: float
    consistent: bool
    gross: bool
    reason: str


@dataclass(frozen=True)
class Check:
    """Outcome of one check: ``ok`` and why."""

    ok: bool
    reason: str



# --------------------------------------------------------------------------- tests

def recompute_p(kind: str, statistic: float, df1: float, df2: float | None = None) -> float:
    """Upper-tail p of a chi-square (``chi2``) or F (``anova``) statistic."""
    if kind == "chi2":
        return float(sps.chi2.sf(statistic, df1))
    if kind == "anova":
        if df2 is None or not np.isfinite(df2):
            raise ValueError("an F test needs df2")
        return float(sps.f.sf(statistic, df1, df2))
    raise ValueError(f"no p-value for kind {kind!r}")


def printed_decimals(x: float) -> int:
    """Decimals in the shortest printed form of ``x`` (0.004 -> 3, 0.81 -> 2)."""
    exp = Decimal(repr(float(x))).normalize().as_tuple().exponent
    return max(0, -int(exp))


def half_unit(precision: float) -> float:
    """Half a unit of the last printed decimal (``precision`` decimals): the rounding's reach."""
    return 0.5 * 10.0 ** (-int(precision))


def cell_number(row: Mapping[str, object], col: str) -> float:
    """A numeric cell of a claim's row, NaN where it is empty."""
    v = row.get(col)
    return float(v) if v is not None and v == v else math.nan  # v == v is False for NaN


def check_test(row: Mapping[str, object]) -> TestCheck:
    """Recompute a printed chi-square or F test and compare it with the printed p.

    The statistic is printed rounded, so p is computed at statistic +/- half a unit in its
    last digit; an ``=`` p is consistent when that interval meets the printed p's own rounding
    interval, a ``<`` p when the smallest reachable p is below the bound. Gross means the
    verdict at .05 flips.
    """
    kind, stat = str(row["kind"]), cell_number(row, "statistic")
    df1, df2 = cell_number(row, "df1"), cell_number(row, "df2")
    prec = cell_number(row, "precision")
    h = half_unit(prec if np.isfinite(prec) else printed_decimals(stat))
    p_mid = recompute_p(kind, stat, df1, df2)
    p_lo, p_hi = recompute_p(kind, stat + h, df1, df2), recompute_p(kind, max(stat - h, 0.0), df1, df2)
    p, op = cell_number(row, "p"), str(row["p_op"])
    if op == "<":
        consistent = p_lo < p
        printed_sig = p <= ALPHA
    else:
        hp = half_unit(printed_decimals(p))
        consistent = p_lo <= p + hp and p_hi >= p - hp
        printed_sig = p < ALPHA
    gross = (not consistent) and printed_sig != (p_mid < ALPHA)
    reason = (f"recomputed p={p_mid:.4g} (range {p_lo:.4g}-{p_hi:.4g} over the statistic's "
              f"rounding) vs printed p {op} {p:g}")
    if not consistent:
        reason = ("gross: significance flips; " if gross else "inconsistent: ") + reason
    return TestCheck(p_mid, bool(consistent), bool(gross), reason)


# --------------------------------------------------------------------------- percentages

def percent_interval(percent: float, precision: float) -> tuple[float, float]:
    """The true shares a share printed with ``precision`` decimals may round from."""
    h = half_unit(precision if np.isfinite(precision) else 0)
    return percent - h, percent + h


def rounds_to(value: float, percent: float, precision: int) -> bool:
    """Whether ``value`` prints as ``percent`` at ``precision`` decimals (half up)."""
    return round_half_up(value, precision) == round_half_up(percent, precision)


def check_percent_vs_n(row: Mapping[str, object]) -> Check | None:
    """Does n / denominator round (half up) to the printed percent? None if not checkable.

    Rounding is taken once, as a reader would redo it. A percent reached only by rounding to
    one more decimal first (38.499 -> 38.5 -> 39) fails, and the reason says so: double
    rounding would also excuse 70.46 -> 71 and so hide real base mismatches.
    """
    n, d, pct = cell_number(row, "n"), cell_number(row, "denominator"), cell_number(row, "percent")
    if str(row["kind"]) != "percent" or not (np.isfinite(n) and np.isfinite(d) and np.isfinite(pct)) or d <= 0:
        return None
    prec = int(cell_number(row, "precision")) if np.isfinite(cell_number(row, "precision")) else 0
    exact = 100.0 * n / d
    if rounds_to(exact, pct, prec):
        return Check(True, f"{n:g}/{d:g} = {exact:.3f}% rounds to {pct:g}")
    bases = implied_denominators(n, pct, prec)
    where = f"; bases that give it: {bases[0]}-{bases[-1]}" if bases else ""
    double = " (only by double rounding)" if rounds_to(round_half_up(exact, prec + 1), pct, prec) else ""
    return Check(False, f"{n:g}/{d:g} = {exact:.3f}% does not round to {pct:g}{double}{where}")


def implied_denominators(n: float, percent: float, precision: int = 0, max_base: int = 100_000) -> list[int]:
    """All whole bases D >= n for which n / D rounds (half up) to ``percent``."""
    lo, hi = percent_interval(percent, precision)
    if hi <= 0:
        return []
    first = max(int(n), math.floor(100.0 * n / hi))
    last = min(max_base, math.ceil(100.0 * n / lo)) if lo > 0 else max_base
    return [d for d in range(max(first, 1), last + 1) if rounds_to(100.0 * n / d, percent, precision)]


# --------------------------------------------------------------------------- chi-square from shares

def _count_options(n: float, d: int, percent: float, precision: float) -> list[int]:
    if np.isfinite(n):
        return [int(n)]
    lo, hi = percent_interval(percent, precision)
    return [k for k in range(d + 1) if lo <= 100.0 * k / d <= hi]


def _yates_2x2(obs: np.ndarray) -> float:
    n = obs.sum()
    r, c = obs.sum(axis=1), obs.sum(axis=0)
    num = n * max(abs(obs[0, 0] * obs[1, 1] - obs[0, 1] * obs[1, 0]) - n / 2, 0.0) ** 2
    return float(num / (r[0] * r[1] * c[0] * c[1]))


def chi2_range_from_shares(
    groups: Sequence[tuple[int, float, float, float]],
    remainder: int = 0,
    overall: tuple[int, float, float] | None = None,
) -> tuple[float, float] | None:
    """Smallest and largest chi-square of any yes/no-by-group table matching printed shares.

    ``groups``: (size, printed n or NaN, printed percent, precision) per group. ``remainder``:
    size of a further group whose share is unprinted (any count allowed). ``overall``:
    (population, percent, precision) that the yes total must round to. Pearson without
    correction, plus Yates for 2x2 tables, so either convention the authors used is covered.
    """
    options = [_count_options(n, size, pct, prec) for size, n, pct, prec in groups]
    sizes = [size for size, *_ in groups]
    if remainder:
        options.append(list(range(remainder + 1)))
        sizes.append(remainder)
    found: list[float] = []
    for ks in itertools.product(*options):
        if overall is not None:
            pop, pct, prec = overall
            lo, hi = percent_interval(pct, prec)
            if not lo <= 100.0 * sum(ks) / pop <= hi:
                continue
        obs = np.array([[k, s - k] for k, s in zip(ks, sizes, strict=True)], dtype=float)
        try:
            found.append(chi_square(pd.DataFrame(obs)).statistic)
        except ValueError:  # a table with an empty margin has no statistic
            continue
        if obs.shape == (2, 2):
            found.append(_yates_2x2(obs))
    return (min(found), max(found)) if found else None
