"""Integer tables and group values fitted to the statistics the report prints.

Purpose
    The search behind the synthetic survey's calibration, apart from what it calibrates:
    random tables with given margins moved by margin-preserving rectangle moves until their
    Pearson chi-square hits a printed value (:func:`fit_table`), pooled values swapped between
    groups until a one-way ANOVA F does (:func:`fit_groups`), small tables solved by
    enumerating every integer table that rounds to printed percentages, and the integer and
    rounding helpers they share. :mod:`perspectives_synth.completes` applies them to the
    published findings one block at a time; kept apart, the numerical search can be read and
    tested without the study's targets.

Inputs
    Margins, targets and seeded random generators from the caller; nothing is read.

Outputs
    Integer tables, arrays of values and counts (NumPy).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

# Chi-square and F are aimed at the printed three decimals.
TOLERANCE = 4e-4
# Calibration searches walk freely among solutions within this relative distance of a target.
WANDER = 0.05
# A constraint violation must always outweigh any gain in the statistic.
PENALTY = 1000.0

Table = np.ndarray
Penalty = Callable[[np.ndarray], float]


# ---------------------------------------------------------------------------------------------
# Integer helpers


def apportion(total: int, weights: Sequence[float]) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainders)."""
    w = np.asarray(weights, dtype=float)
    if total == 0 or w.sum() == 0:
        return np.zeros(len(w), dtype=int)
    exact = total * w / w.sum()
    base = np.floor(exact).astype(int)
    # Ties are broken by position so that the split is deterministic.
    order = np.argsort(-(exact - base), kind="stable")
    base[order[: total - base.sum()]] += 1
    return base


def chi2_stat(table: Table) -> float:
    """Pearson chi-square of a contingency table (empty rows and columns dropped)."""
    t = np.asarray(table, dtype=float)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    expected = np.outer(t.sum(axis=1), t.sum(axis=0)) / t.sum()
    return float(((t - expected) ** 2 / expected).sum())


def anova_f(sums: np.ndarray, sizes: np.ndarray, total_ss: float) -> float:
    """One-way ANOVA F from group sums, group sizes and the pooled sum of squared deviations."""
    n = sizes.sum()
    between = float((sums**2 / sizes).sum() - sums.sum() ** 2 / n)
    within = total_ss - between
    return (between / (len(sizes) - 1)) / (within / (n - len(sizes)))


def random_table(row_totals: Sequence[int], col_totals: Sequence[int], rng: np.random.Generator) -> Table:
    """A random integer table with the given margins (rows and columns paired at random)."""
    rows = np.repeat(np.arange(len(row_totals)), row_totals)
    cols = rng.permutation(np.repeat(np.arange(len(col_totals)), col_totals))
    table = np.zeros((len(row_totals), len(col_totals)), dtype=int)
    np.add.at(table, (rows, cols), 1)
    return table


def fit_table(
    table: Table,
    target: float,
    rng: np.random.Generator,
    fixed: Mapping[tuple[int, int], int] | None = None,
    penalty: Penalty | None = None,
    max_iter: int = 400_000,
) -> Table:
    """Move ``table`` by margin-preserving rectangle moves until its chi-square hits ``target``.

    ``fixed`` pins published cells; ``penalty`` returns a positive, graded distance while
    any other published condition (an ordering, a share range) fails.
    """
    fixed = dict(fixed or {})
    t = np.array(table, dtype=int)
    n_rows, n_cols = t.shape
    # Margins never change, so the expected counts are fixed and chi-square is
    # sum(observed^2 / expected) - N: a move updates it from four cells alone.
    expected = np.outer(t.sum(axis=1), t.sum(axis=0)) / t.sum()
    inv = np.where(expected > 0, 1.0 / np.where(expected > 0, expected, 1.0), 0.0).tolist()
    cells = t.tolist()
    n = float(t.sum())
    s = sum(cells[i][j] ** 2 * inv[i][j] for i in range(n_rows) for j in range(n_cols))

    def constraint(c: list[list[int]]) -> float:
        violation = sum(abs(c[i][j] - v) for (i, j), v in fixed.items())
        return violation + (penalty(np.array(c)) if penalty else 0.0)

    bad = constraint(cells)
    best = abs(s - n - target) + PENALTY * bad
    # Near the target every single move overshoots the three printed decimals, so once
    # inside the band a feasible move is always taken: a random walk among tables whose
    # chi-square is within WANDER of the target, until one lands on it.
    wander = WANDER * target
    best_cells, best_cost = [row[:] for row in cells], best
    moves = 0
    while best >= TOLERANCE and moves < max_iter:
        batch = rng.integers(0, [n_rows, n_rows, n_cols, n_cols], size=(4096, 4)).tolist()
        for i, k, j, m in batch:
            moves += 1
            if i == k or j == m or cells[i][m] == 0 or cells[k][j] == 0:
                continue
            ds = ((2 * cells[i][j] + 1) * inv[i][j] + (2 * cells[k][m] + 1) * inv[k][m]
                  + (1 - 2 * cells[i][m]) * inv[i][m] + (1 - 2 * cells[k][j]) * inv[k][j])
            cells[i][j] += 1
            cells[k][m] += 1
            cells[i][m] -= 1
            cells[k][j] -= 1
            new_bad = constraint(cells) if (fixed or penalty) else 0.0
            new = abs(s + ds - n - target) + PENALTY * new_bad
            if new <= best or (new_bad == 0 and new < wander):
                best, s, bad = new, s + ds, new_bad
                if best < best_cost:
                    best_cells, best_cost = [row[:] for row in cells], best
                if best < TOLERANCE:
                    break
            else:
                cells[i][j] -= 1
                cells[k][m] -= 1
                cells[i][m] += 1
                cells[k][j] += 1
    if best_cost >= PENALTY * 1e-6:
        raise RuntimeError(f"fit_table: constraints not met (cost {best_cost:.3f})")
    return np.array(best_cells, dtype=int)


def fit_groups(
    values: np.ndarray,
    groups: np.ndarray,
    target: float,
    rng: np.random.Generator,
    penalty: Callable[[dict[Any, float]], float] | None = None,
    max_iter: int = 60_000,
    restarts: int = 8,
) -> np.ndarray:
    """Swap ``values`` between respondents of different ``groups`` until the ANOVA F hits ``target``.

    Swaps keep the pooled values (and so every band count) as they are; ``penalty`` receives
    the group means and returns a graded positive distance while a published mean condition fails.
    """
    x = np.array(values, dtype=float)
    labels, codes = np.unique(groups, return_inverse=True)
    sizes = np.bincount(codes).astype(float)
    sums = np.bincount(codes, weights=x)
    total_ss = float(((x - x.mean()) ** 2).sum())

    def cost(s: np.ndarray) -> float:
        extra = penalty(dict(zip(labels, s / sizes, strict=True))) if penalty else 0.0
        return abs(anova_f(s, sizes, total_ss) - target) + PENALTY * extra

    current = cost(sums)
    best_x, best_cost = x.copy(), current
    wander = WANDER * target
    n = len(x)
    moves = 0
    while best_cost >= TOLERANCE and moves < max_iter:
        for a, b in rng.integers(0, n, size=(4096, 2)).tolist():
            moves += 1
            ga, gb = codes[a], codes[b]
            if ga == gb or x[a] == x[b]:
                continue
            delta = x[b] - x[a]
            sums[ga] += delta
            sums[gb] -= delta
            new = cost(sums)
            if new <= current or new < wander:
                current = new
                x[a], x[b] = x[b], x[a]
                if new < best_cost:
                    best_x, best_cost = x.copy(), new
                    if best_cost < TOLERANCE:
                        break
            else:
                sums[ga] -= delta
                sums[gb] += delta
    if best_cost >= PENALTY * 1e-6 or best_cost > WANDER * target:
        if restarts == 0:
            raise RuntimeError(f"fit_groups: target not reached (cost {best_cost:.3f})")
        # A greedy walk can stall in a poor arrangement: start again from a fresh shuffle.
        return fit_groups(rng.permutation(values), groups, target, rng, penalty, max_iter, restarts - 1)
    return best_x


def excess(others: np.ndarray, value: float) -> float:
    """Graded miss of "``value`` is strictly above every one of ``others``" (0 when it is)."""
    gap = np.asarray(others, dtype=float) - value
    return float(np.clip(gap, 0, None).sum() + 0.01 * (gap >= 0).sum())


def pct_range(pct: float, n: int) -> range:
    """Counts out of ``n`` whose percentage rounds (half up) to the whole number ``pct``."""
    low = int(np.ceil((pct - 0.5) * n / 100 - 1e-9))
    high = int(np.ceil((pct + 0.5) * n / 100 - 1e-9))
    return range(max(low, 0), min(high, n + 1))


def distance_to_range(value: int, allowed: range) -> int:
    """How far an integer lies outside a range of allowed integers (0 inside)."""
    return max(allowed.start - value, 0, value - (allowed.stop - 1))


def round_half_up(x: float) -> int:
    """Round to a whole number, halves away from zero (the report's convention)."""
    return int(np.floor(x + 0.5))


def mean_rounds_to(mean: float, value: float) -> float:
    """Distance of ``mean`` from the interval of means that round to ``value`` (0 inside)."""
    low, high = value - 0.5 + 1e-6, value + 0.5 - 1e-6
    return max(low - mean, 0.0, mean - high)


def labels_from_counts(counts: Mapping[str, int], rng: np.random.Generator) -> np.ndarray:
    """A shuffled array holding each label exactly ``counts[label]`` times."""
    labels = np.repeat(np.array(list(counts), dtype=object), list(counts.values()))
    return rng.permutation(labels)


def solve_share_by_group(sizes: np.ndarray, groups: Sequence[str], spec: Mapping[str, float],
                          total_ok: range) -> tuple[int, ...]:
    """Integer 'yes' counts per group that round to the printed shares and best match the chi-square."""
    ranges = [pct_range(spec[g], n) if g in spec else range(0, n + 1) for g, n in zip(groups, sizes, strict=True)]
    best: tuple[float, tuple[int, ...]] | None = None
    for a in ranges[0]:
        for b in ranges[1]:
            for c in ranges[2]:
                if a + b + c not in total_ok:
                    continue
                yes = np.array([a, b, c])
                gap = abs(chi2_stat(np.vstack([yes, sizes - yes])) - spec["stat"])
                if best is None or gap < best[0]:
                    best = (gap, (a, b, c))
    if best is None:
        raise ValueError(f"no table rounds to the printed shares {dict(spec)}")
    return best[1]


def solve_two_by_two(n_a: int, n_b: int, range_a: Sequence[float], range_b: Sequence[float],
                      target: float) -> tuple[int, int]:
    """Counts out of ``n_a`` and ``n_b`` (within percentage ranges) whose 2x2 chi-square is nearest ``target``."""
    best: tuple[float, float, int, int] | None = None
    mid_a, mid_b = np.mean(range_a) * n_a / 100, np.mean(range_b) * n_b / 100
    for a in range(int(range_a[0] * n_a / 100), int(range_a[1] * n_a / 100) + 1):
        for b in range(int(range_b[0] * n_b / 100), int(range_b[1] * n_b / 100) + 1):
            gap = round(abs(chi2_stat(np.array([[a, n_a - a], [b, n_b - b]])) - target), 4)
            # Ties go to the counts nearest the middle of the plausible ranges.
            key = (gap, abs(a - mid_a) + abs(b - mid_b), a, b)
            if best is None or key < best:
                best = key
    assert best is not None
    return best[2], best[3]


def pair_within_groups(values: np.ndarray, groups: np.ndarray, weights: np.ndarray, target_pct: float,
                        rng: np.random.Generator, max_iter: int = 100_000) -> np.ndarray:
    """Swap values inside groups until mean(weights * values) / 100 rounds to ``target_pct``.

    Swaps inside a group leave group means (and the ANOVA) unchanged.
    """
    x = np.array(values, dtype=float)
    product = float((weights * x).sum())
    n = len(x)
    for _ in range(max_iter):
        gap = mean_rounds_to(product / n / 100, target_pct)
        if gap == 0:
            return x
        a, b = rng.integers(0, n, 2)
        if groups[a] != groups[b]:
            continue
        change = (weights[a] - weights[b]) * (x[b] - x[a])
        if mean_rounds_to((product + change) / n / 100, target_pct) < gap:
            product += change
            x[a], x[b] = x[b], x[a]
    raise RuntimeError("pairing: product share not reached")
