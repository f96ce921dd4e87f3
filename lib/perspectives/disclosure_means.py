"""The small-cell rule for means (rule 4): a mean is published only where it brings no withheld group below the threshold.

Held apart from :mod:`perspectives.disclosure` because a mean is decided after the mask of
its bands, from that mask alone: an integer program over the mask's published cells and
the mean's bounds (each answer within its band) asks whether the mean narrows a group of
withheld cells into 1..t-1. The analysis calls :func:`means_published`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from perspectives.disclosure_cells import POOLED_PLACE, Layout, Mask, rounding_interval
from perspectives.fmt import round_half_up

# A mean is published as the tables print it (one decimal): ``mean * n`` is then a whole sum
# of answers for every n from 10**MEAN_DIGITS up, so its decimals cannot single out its base.
MEAN_DIGITS = 1
_MEAN_SUBSETS_MAX = 6  # withheld answers of one place tried in every combination up to this many


def means_published(mask: Mask, means: Mapping[str, float | None],
                    ranges: Mapping[str, tuple[float, float]]) -> dict[str, float | None]:
    """Each place's mean as it may be published (rounded to ``MEAN_DIGITS``), or None (rule 4).

    A mean is a sum of answers over its base: each answer lies within its band's range, so a
    published mean bounds the band counts (and, printed without its n, the base). It is
    published when its base holds at least the threshold, and where the base is withheld
    only if that base holds at least ``10**MEAN_DIGITS`` (the decimals then allow every n),
    and when, with the mean, no group of the place's withheld cells is fixed within
    1..t-1 or known to lie below ``t`` that was not so without it (an integer program over
    the mask's published cells and the means, each answer within its band: the attacker's
    linear programming, Hundepool et al. 2012, chapter 4). Each place is decided on its own
    cells (the invariance between builds); the pooled mean (``*``) last, with every
    national mean so published.

    Args:
        mask: The slider's mask (its bands by place).
        means: The true mean of each place (and ``*``), None where there is none.
        ranges: Each band (category) -> the least and greatest answer it holds; empty when
            the mask has no bands (its one category is then the base).

    Returns:
        Place -> the published (rounded) mean, or None where it is withheld.
    """
    t = mask.threshold
    out: dict[str, float | None] = {}
    accepted: list[tuple[str, float]] = []
    for place in [p for p in means if p != POOLED_PLACE] + [p for p in means if p == POOLED_PLACE]:
        mean, base = means[place], f"{place}|*"
        if mean is None or base not in mask.layout.cells or mask.layout.value(base) < t:
            out[place] = None
            continue
        rounded = round_half_up(float(mean), MEAN_DIGITS)
        if not mask.shown(base) and mask.layout.value(base) < 10 ** MEAN_DIGITS:
            out[place] = None
            continue
        own = mask if place == POOLED_PLACE else mask.restricted(place)
        trial = [*(a for a in accepted if place == POOLED_PLACE), (place, rounded)]
        safe = not ranges or not _mean_narrows(own, place, trial, ranges)
        out[place] = rounded if safe else None
        if safe:
            accepted.append((place, rounded))
    return out


def _mean_rows(lay: Layout, means: Sequence[tuple[str, float]], ranges: Mapping[str, tuple[float, float]],
               columns: Mapping[tuple[str, str], int]) -> list[tuple[np.ndarray, float, float]]:
    """The means as linear rows over the leaves and one sum of answers per place (after the leaves).

    An attacker reads a mean as its place's sum of answers, within half a unit of its last
    decimal times its base, and each place's sum as lying between its bands' least and
    greatest answers. The sums are kept as variables of their own, one per place: a pooled
    mean is the sum of every place's sum, so with the other places' means printed it bounds
    the sum of a place whose mean is withheld (the pooled mean less the others'), and with
    it that place's withheld bands. Eliminating the sums row by row (each mean against its
    own bands only) loses that coupling: it let a pooled mean, beside five national ones,
    bound a country of five's withheld bands below the threshold.
    """
    half = 0.5 * 10.0 ** -MEAN_DIGITS
    width = len(columns) + len(lay.places)
    sums = {p: len(columns) + k for k, p in enumerate(lay.places)}
    rows = []
    for p in lay.places:  # least answers <= sum <= greatest answers, in each place
        low, high = np.zeros(width), np.zeros(width)
        for c in lay.categories:
            lo, hi = ranges.get(c, (-np.inf, np.inf))
            low[columns[(c, p)]], high[columns[(c, p)]] = lo, hi
        low[sums[p]] = high[sums[p]] = -1.0
        rows += [(np.nan_to_num(low, neginf=-1e9, posinf=1e9), -np.inf, 0.0),
                 (np.nan_to_num(high, neginf=-1e9, posinf=1e9), 0.0, np.inf)]
    for place, mean in means:  # (mean - half) n <= the sum of its places' sums <= (mean + half) n
        places, cats = lay.cells[f"{place}|*"]
        below, above = np.zeros(width), np.zeros(width)
        for p in places:
            below[sums[p]] = above[sums[p]] = 1.0
            for c in cats:
                below[columns[(c, p)]] -= mean - half
                above[columns[(c, p)]] -= mean + half
        rows += [(below, 0.0, np.inf), (above, -np.inf, 0.0)]
    return rows


def _mean_narrows(mask: Mask, place: str, means: Sequence[tuple[str, float]],
                  ranges: Mapping[str, tuple[float, float]]) -> bool:
    """Whether the means bring a group of withheld cells into 1..t-1, or below ``t``, that was not."""
    lay, t = mask.layout, mask.threshold
    columns = {(c, p): k for k, (c, p) in enumerate(itertools.product(lay.categories, lay.places))}
    width = len(columns) + len(lay.places)

    def vector(cell: str) -> np.ndarray:
        v = np.zeros(width)
        places, cats = lay.cells[cell]
        for p in places:
            for c in cats:
                v[columns[(c, p)]] = 1.0
        return v

    known = [(vector(c), float(lay.value(c)), float(lay.value(c))) for c in sorted(lay.cells) if mask.shown(c)]
    for cell in sorted(mask.share_only):
        found = mask.approximate(cell)
        if found is None:
            continue  # its base is withheld: the share is not printed
        lo, hi = rounding_interval(found[0], lay.value(mask.base_of(cell)), found[1])  # at its own precision
        known.append((vector(cell), float(lo), float(hi)))
    with_means = [*known, *_mean_rows(lay, means, ranges, columns)]
    whole = _whole_answers(ranges)
    for group in _withheld_groups(mask, place, vector):
        if _small(group, with_means, t, len(columns), whole) and not _small(group, known, t, len(columns), whole):
            return True
    return False


def _whole_answers(ranges: Mapping[str, tuple[float, float]]) -> bool:
    """Whether the bands hold whole answers only (whole ends, each band starting one after the last).

    A sum of whole answers is whole, and the attacker may use it; answers with decimals are
    summed as real numbers.
    """
    ends = sorted(ranges.values())
    return bool(ends) and all(float(v).is_integer() for pair in ends for v in pair) \
        and all(b[0] == a[1] + 1 for a, b in itertools.pairwise(ends))


def _withheld_groups(mask: Mask, place: str, vector: Any) -> list[np.ndarray]:
    """The withheld cells of ``place`` (all places for the pooled one), and unions of its withheld answers."""
    cells = [c for c in sorted(mask.layout.cells) if not mask.shown(c) and c not in mask.share_only
             and (place == POOLED_PLACE or c.startswith(f"{place}|"))]
    groups = [vector(c) for c in cells]
    single = [g for c, g in zip(cells, groups, strict=True) if len(mask.layout.cells[c][1]) == 1]
    if len(single) <= _MEAN_SUBSETS_MAX:
        for k in range(2, len(single) + 1):
            groups += [np.clip(sum(combo), 0, 1) for combo in itertools.combinations(single, k)]
    return groups


def _small(group: np.ndarray, rows: Sequence[tuple[np.ndarray, float, float]], t: int, n_leaves: int,
           whole_sums: bool = False) -> bool:
    """Whether the greatest whole value ``rows`` allow ``group`` is 1..t-1 (pinned small, or known below ``t``).

    The first ``n_leaves`` variables are counts (whole, >= 0); the rest are the places' sums
    of answers (whole when ``whole_sums``). Rows that no whole counts meet (the means read
    against counts they were not computed on) prove nothing safe: the group counts as small.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    width = len(group)
    constraints = [LinearConstraint(np.array([r for r, _, _ in rows]), np.array([lo for _, lo, _ in rows]),
                                    np.array([hi for _, _, hi in rows]))] if rows else []
    integrality = np.r_[np.ones(n_leaves), np.full(width - n_leaves, 1.0 if whole_sums else 0.0)]
    lower = np.r_[np.zeros(n_leaves), np.full(width - n_leaves, -np.inf)]
    res = milp(-group, constraints=constraints, integrality=integrality, bounds=Bounds(lower, np.inf))
    if res.status == 2:
        return True  # infeasible: the attacker's reading cannot be ruled out
    if res.status != 0 or res.x is None:
        return False  # unbounded: nothing is learnt
    return 1 <= float(group @ np.round(res.x)) <= t - 1
