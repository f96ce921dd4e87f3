"""The eligible completes of the synthetic survey, built one published block at a time.

Purpose
    Each method of the builder answers the questions of one published finding (gender by
    country, services by organisation type, the online cases of boys and girls, ...) so that
    the eligible completes reproduce its counts, percentages and test statistics, through the
    searches of :mod:`perspectives_synth.calibration`. Kept apart from
    :mod:`perspectives_synth.survey`, which adds the partial and disqualified submissions and
    writes the export, because this is where the published report's findings are encoded.

Inputs
    ``data/synthetic_targets.yml`` as read by :func:`perspectives.targets.load_targets`, the
    study's country codes and a seeded random generator.

Outputs
    :func:`build_completes`: one row per eligible complete, a column per calibrated question.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from perspectives_synth.calibration import (
    Table,
    apportion,
    chi2_stat,
    distance_to_range,
    excess,
    fit_groups,
    fit_table,
    labels_from_counts,
    mean_rounds_to,
    pair_within_groups,
    pct_range,
    random_table,
    round_half_up,
    solve_share_by_group,
    solve_two_by_two,
)


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
            return sum(excess([share_low], v) + excess([v], share_high) for v in inner)

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
            return excess(np.delete(share, mex), share[mex])

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
            return float(distance_to_range(t[young, orgs.index("ngo")], ngo_ok)
                         + distance_to_range(t[young, orgs.index("government")], gov_ok))

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
            return sum(excess([lo_share], v) + excess([v], hi_share) for v in inner)

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
            cells = solve_share_by_group(org_n, orgs, spec, pct_range(pub["pct"][option], n))
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
        values = pair_within_groups(values, groups, df.loc[answered, "se_share"].to_numpy(float),
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
            miss = excess(np.delete(share[goods], mda), share[goods, mda])
            if sex == "boys":
                miss += excess(np.delete(share[shelter], per), share[shelter, per])
                g_share = girls_table / girls_table.sum(axis=0)
                miss += excess([g_share[goods, mda]], share[goods, mda])
                miss += excess([g_share[shelter, per]], share[shelter, per])
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
            counts[form] = solve_two_by_two(n_g, n_b, syn["girls_pct_range"][form], syn["boys_pct_range"][form], stat)
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
            return excess(np.delete(share, col), share[col])

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


def build_completes(targets: Mapping[str, Any], codes: Sequence[str], rng: np.random.Generator) -> pd.DataFrame:
    """The eligible completes, every published block calibrated in turn.

    Args:
        targets: the calibration targets (``data/synthetic_targets.yml``).
        codes: the study's country codes, in the study's order.
        rng: the seeded generator; the blocks draw from it in a fixed order.

    Returns:
        One row per eligible complete, with ``country`` and each calibrated question.
    """
    return _Completes(targets, codes, rng).build()
