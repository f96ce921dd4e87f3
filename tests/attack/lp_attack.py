"""An outsider's linear and integer programming attack on everything the builds publish.

Purpose
    Independent of the project's code (it imports nothing of ``perspectives``): it reads the
    published files of one or more build folders through :mod:`publish_reader` and, for every
    group it can name, solves for the least and greatest whole count the published numbers
    allow, all of them together (every table, value, mean, share and fidelity page of every
    build given). A group is:

    - a withheld number (a cell reading ``–`` or ``↓``, a value recorded as withheld, a value
      the fidelity page withholds), and a mean's sum whose mean is withheld;
    - a leaf (one answer of one question in one country, or one set of respondents the
      published descriptions name as an atom of the bases);
    - the difference of two published groups one inside the other (population differencing).

    A group whose whole-count interval lies within 1..threshold-1, or that is pinned to a
    value there, is a *finding*: a small group recoverable from what was published. A withheld
    group whose greatest value is below the threshold (its least 0) is listed apart as
    *bounded*: the reader learns it is small (τ-ARGUS: the protection interval does not reach
    the threshold). Published counts from 1 to threshold-1, withheld counts published
    elsewhere and test statistics over tables the published counts do not fix are listed too.

Method
    Published counts fix leaves one by one (propagation); the rest is solved per connected
    block of unknowns. A mean printed without its n is a whole sum of answers for few n (the
    divisor attack): each allowed n is a 0/1 choice, and where the relaxation's bounds on the
    base leave one, it is fixed. Each group is then decided by the linear relaxation
    (``scipy.optimize.linprog``, HiGHS; a pool of its solutions decides most groups without a
    solve), and the least value of a group the relaxation keeps below the threshold by the
    integer program (``scipy.optimize.milp``). This is the linear programming attack on linked
    tables (Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, chapters 4 and 5;
    the Eurostat/ESSnet handbook's differencing), made exact for whole counts where it matters.

Run
    ``python tests/attack/lp_attack.py BUILD [BUILD...]`` (``make audit-attack`` runs it over
    the study's and a partner's builds). Exit status 1 when anything is found.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix, vstack

sys.path.insert(0, str(Path(__file__).resolve().parent))
from publish_reader import Model, add_instrument_facts, add_mean_facts, read_build, read_instrument  # noqa: E402

_EPS = 1e-6
STATS: dict[str, int] = defaultdict(int)
MILP_SECONDS = 10.0
POOL_SEEDS = 12
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Finding:
    """One recoverable group: what it is, its whole-count interval and how it was found."""

    kind: str  # pinned, interval, bounded-small, published-small, reveals, test-on-open-table, inconsistent
    group: str
    low: float
    high: float
    sources: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        where = "; ".join(sorted(self.sources)[:3])
        return f"{self.kind}: {self.group} in [{self.low:g}, {self.high:g}] ({where})"


@dataclass
class Report:
    """What the attack read and found."""

    counts: dict[str, int]
    findings: list[Finding]
    bounded: list[Finding]
    published_small: list[Finding]
    reveals: list[Finding]
    open_tests: list[Finding]
    undescribed: list[str]
    seconds: float

    def summary(self) -> str:
        lines = [f"{k}: {v}" for k, v in sorted(self.counts.items())]
        lines.append(f"findings: {len(self.findings)}; bounded below the threshold: {len(self.bounded)}; "
                     f"published small counts: {len(self.published_small)}; withheld but published elsewhere: "
                     f"{len(self.reveals)}; tests over a table with unfixed cells: {len(self.open_tests)}; undescribed numbers: "
                     f"{len(self.undescribed)}; {self.seconds:.1f} s")
        return "\n".join(lines)


# ---------------------------------------------------------------------- presolve
class System:
    """The model's rows as sparse matrices, with the columns the equations fix one by one."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.n = len(model.names)
        self.fixed: dict[int, float] = {}
        self.inconsistent: list[str] = []
        self._propagate()

    def _propagate(self) -> None:
        rows = self.model.eq
        by_col: dict[int, list[int]] = defaultdict(list)
        for r, (row, _, _) in enumerate(rows):
            for c in row:
                by_col[c].append(r)
        queue = list(range(len(rows)))
        queued = set(queue)
        while queue:
            r = queue.pop()
            queued.discard(r)
            row, rhs, source = rows[r]
            rest = rhs - sum(v * self.fixed[c] for c, v in row.items() if c in self.fixed)
            free = {c: v for c, v in row.items() if c not in self.fixed}
            newly: dict[int, float] = {}
            if len(free) == 1:
                (c, v), = free.items()
                newly[c] = rest / v
            elif free and abs(rest) < _EPS and all(v > 0 for v in free.values()):
                newly = dict.fromkeys(free, 0.0)
            elif not free and abs(rest) > 1e-4:
                self.inconsistent.append(f"{source}: published numbers disagree by {rest:g}")
            for c, value in newly.items():
                if value < -_EPS:
                    self.inconsistent.append(f"{source}: {self.model.names[c]} would be {value:g}")
                self.fixed[c] = round(value) if abs(value - round(value)) < 1e-6 else value
                for r2 in by_col[c]:
                    if r2 not in queued:
                        queue.append(r2)
                        queued.add(r2)

    def components(self) -> tuple[dict[int, int], int]:
        """Connected components of the free columns (linked by any row)."""
        parent = list(range(self.n))

        def find(a: int) -> int:
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a

        for row, *_ in self.model.eq + [(r, lo, hi, s) for r, lo, hi, s in self.model.ineq]:
            free = [c for c in row if c not in self.fixed]
            for c in free[1:]:
                ra, rb = find(free[0]), find(c)
                if ra != rb:
                    parent[ra] = rb
        roots: dict[int, int] = {}
        comp = {}
        for c in range(self.n):
            if c not in self.fixed:
                comp[c] = roots.setdefault(find(c), len(roots))
        return comp, len(roots)


class Component:
    """One connected block of free columns, with its rows, both solvers and a pool of solutions.

    Every whole solution the integer program returns is kept: the values a group takes over
    the pool are values it can take, so a group the pool already shows at 0 (or less) and at
    the threshold (or more) needs no more solving.
    """

    def __init__(self, system: System, cols: list[int]) -> None:
        model = system.model
        self.cols = cols
        self.pos = {c: i for i, c in enumerate(cols)}
        colset = set(cols)
        merged: dict[tuple[tuple[int, float], ...], list[float]] = {}
        rows = [(row, rhs, rhs) for row, rhs, _ in model.eq] + [(row, a, b) for row, a, b, _ in model.ineq]
        for row, a, b in rows:
            free = tuple(sorted((self.pos[c], round(v, 9)) for c, v in row.items() if c in colset))
            if not free:
                continue
            shift = sum(v * system.fixed[c] for c, v in row.items() if c in system.fixed)
            lo, hi = a - shift - (_EPS if a == b else 0.0), b - shift + (_EPS if a == b else 0.0)
            if free in merged:  # the same row read twice (a table and its value, two builds): intersect
                merged[free][0] = max(merged[free][0], lo)
                merged[free][1] = min(merged[free][1], hi)
            else:
                merged[free] = [lo, hi]
        data, ri, ci = [], [], []
        for r, free in enumerate(merged):
            for i, v in free:
                data.append(v)
                ri.append(r)
                ci.append(i)
        self.a = csr_matrix((data, (ri, ci)), shape=(len(merged), len(cols)))
        self.lo = np.array([b[0] for b in merged.values()], dtype=float)
        self.hi = np.array([b[1] for b in merged.values()], dtype=float)
        self.upper = np.full(len(cols), 10.0 ** 7)
        self.integrality = np.array([0.0 if c in model.continuous else 1.0 for c in cols])
        self.rows = len(merged)
        self._ub: tuple[csr_matrix, np.ndarray] | None = None
        self.pool: list[np.ndarray] = []
        # The pool stacked as rows of one array, grown by doubling: a group's values over the
        # pool are one product, without stacking the pool again for every group.
        self._stacked = np.empty((0, len(cols)))
        self._filled = 0

    def _lp(self, c: np.ndarray) -> float | None:
        if self._ub is None:
            finite_hi, finite_lo = np.isfinite(self.hi), np.isfinite(self.lo)
            self._ub = (vstack([self.a[finite_hi], -self.a[finite_lo]]).tocsr(),
                        np.concatenate([self.hi[finite_hi], -self.lo[finite_lo]]))
        STATS["lp"] += 1
        res = linprog(c, A_ub=self._ub[0], b_ub=self._ub[1], bounds=(0, self.upper[0]), method="highs")
        if res.status != 0:
            return None
        self.pool.append(res.x)
        return float(res.fun)

    def _milp(self, c: np.ndarray) -> float | None:
        STATS["milp"] += 1
        res = milp(c, constraints=LinearConstraint(self.a, self.lo, self.hi), integrality=self.integrality,
                   bounds=Bounds(np.zeros(len(c)), self.upper), options={"time_limit": MILP_SECONDS})
        if res.status == 0:
            return float(res.fun)
        if res.status == 1:  # out of time: the best bound proved so far still bounds the group
            STATS["milp out of time"] += 1
            bound = getattr(res, "mip_dual_bound", None)
            return float(bound) if bound is not None and np.isfinite(bound) else self._lp(c)
        return None

    def vector(self, group: dict[int, float]) -> np.ndarray:
        """A group's part in this component as a vector over its columns."""
        v = np.zeros(len(self.cols))
        for c, w in group.items():
            v[self.pos[c]] = w
        return v

    def achieved(self, group: dict[int, float]) -> tuple[float, float]:
        """The least and greatest value the group takes over the pool of relaxed solutions.

        Seeded with varied vertices (everything as large as it can be, then random weights);
        every linear program solved since adds its solution.
        """
        if not self.pool:
            rng = np.random.default_rng(25)
            if self._lp(-np.ones(len(self.cols))) is None:
                return math.nan, math.nan
            for _ in range(POOL_SEEDS if len(self.cols) > 1 else 0):
                self._lp(-rng.random(len(self.cols)))
        values = self._pool_rows() @ self.vector(group)
        return float(values.min()), float(values.max())

    def _pool_rows(self) -> np.ndarray:
        """The pool's solutions as the rows of one array (the first ``len(pool)`` rows of a buffer)."""
        size = len(self.pool)
        if size > self._stacked.shape[0]:
            grown = np.empty((max(size, 2 * self._stacked.shape[0], 16), len(self.cols)))
            grown[:self._filled] = self._stacked[:self._filled]
            self._stacked = grown
        if size > self._filled:
            self._stacked[self._filled:size] = self.pool[self._filled:size]
            self._filled = size
        return self._stacked[:size]

    def bound(self, group: dict[int, float], integer: bool, upper: bool) -> float:
        """The least (or greatest) value of the group's part in this component."""
        v = self.vector(group)
        value = (self._milp if integer else self._lp)(-v if upper else v)
        if value is None:
            return math.nan
        return -value if upper else value


# ---------------------------------------------------------------------- the attack
def _describe(model: Model, group: frozenset[int]) -> str:
    names = sorted(model.names[c] for c in group)
    return names[0] if len(names) == 1 else "{" + ", ".join(names[:4]) + (", ..." if len(names) > 4 else "") + "}"


def candidate_groups(model: Model) -> dict[frozenset[int], set[str]]:
    """Withheld numbers, single leaves, and differences of nested groups (published or withheld)."""
    groups: dict[frozenset[int], set[str]] = defaultdict(set)
    for group, sources in model.targets.items():
        groups[group] |= sources
    for leaf, col in model.index.items():
        if leaf[0] not in ("sum", "choice"):
            groups[frozenset({col})].add("leaf")
    by_universe: dict[tuple[str, ...], list[frozenset[int]]] = defaultdict(list)
    named = set(model.published) | set(model.targets)
    for group in list(named):
        named |= model.aliases.get(group, set())
    for group in named:
        universes = tuple(sorted({model.names[c].split("/")[0] for c in group}))
        by_universe[universes].append(group)
    for sets in by_universe.values():
        sets = sorted(set(sets), key=len)
        for i, small in enumerate(sets):
            for big in sets[i + 1:]:
                if small < big:
                    groups[big - small].add("difference of two groups, one inside the other")
    return groups


def _interval(components: dict[int, Component], parts: dict[int, dict[int, float]], known: float, t: int,
              integer: bool) -> tuple[float, float]:
    """A group's whole-count interval, solved only as far as it decides whether the group is small.

    The values the pool of relaxed solutions shows first (a group seen at the threshold or more
    is taken as able to hold it: the linear attack's reading); then the relaxation's greatest
    value, rounded inwards: a group it lets reach the threshold is not small whatever its least
    value (the pool's is given); then its least value, rounded inwards; the integer program
    last, for the least value of a group the relaxation keeps below the threshold but cannot
    keep from 0 (whole counts may).
    """
    def total(upper: bool, whole: bool) -> float:
        return known + sum(components[k].bound(part, whole, upper) for k, part in parts.items())

    if not parts:
        return known, known
    seen = [components[k].achieved(part) for k, part in parts.items()]
    if any(math.isnan(a) for a, _ in seen):
        return math.nan, math.nan
    seen_low, seen_high = known + sum(a for a, _ in seen), known + sum(b for _, b in seen)
    if seen_high >= t:
        return math.floor(seen_low + 1e-6), math.ceil(seen_high - 1e-6)
    high = total(True, False)
    if math.isnan(high):
        return math.nan, math.nan
    high_i = math.floor(high + 1e-6)
    if high_i >= t:
        return math.floor(seen_low + 1e-6), high_i
    low = total(False, False)
    if math.isnan(low):
        return math.nan, math.nan
    low_i = math.ceil(low - 1e-6)
    if low_i >= 1 or not integer:
        return low_i, high_i
    low_m = total(False, True)
    return (max(low_i, math.ceil(low_m - 1e-6)) if not math.isnan(low_m) else low_i), high_i


def _settle_choices(model: Model, system: System, components: dict[int, Component],
                    comp_of: dict[int, int]) -> int:
    """Fix each mean's base where the relaxation leaves it one whole n: the divisor attack.

    The base's least and greatest values (the bands printed, the eligible respondents) leave
    few of the n the mean's decimals allow; one left fixes the base and the sum of answers.
    Returns how many bases were fixed (the system is then solved again).
    """
    settled = 0
    for source, base, sums, options in model.choices:
        live = [(z, n, lo, hi) for z, n, lo, hi in options if system.fixed.get(z, 1) != 0]
        if len(live) <= 1 or any(z in system.fixed for z, *_ in live):
            continue
        free = {c: 1.0 for c in base if c not in system.fixed}
        known = sum(system.fixed[c] for c in base if c in system.fixed)
        parts: dict[int, dict[int, float]] = defaultdict(dict)
        for c in free:
            parts[comp_of[c]][c] = 1.0
        low = known + sum(components[k].bound(p, False, False) for k, p in parts.items())
        high = known + sum(components[k].bound(p, False, True) for k, p in parts.items())
        fits = [o for o in live if low - 1e-6 <= o[1] <= high + 1e-6]
        if len(fits) == 1:
            z, n, lo, hi = fits[0]
            model.eq.append(({z: 1.0}, 1.0, f"{source}: only n = {n} fits"))
            model.eq.append(({c: 1.0 for c in base}, float(n), f"{source}: only n = {n} fits"))
            if lo == hi:
                model.eq.append((dict(sums), float(lo), f"{source}: the sum of answers is {lo}"))
            settled += 1
    return settled


def attack(builds: list[Path], threshold: int = 5, instrument: Path | None = None,  # noqa: C901 - the outside auditor is kept as its author wrote it
           integer: bool = True, progress: bool = False, mean_digits: int | None = None,
           means: bool = True, fidelity: bool = True, sections: set[tuple[str, str]] | None = None) -> Report:
    """Read every build given into one model and attack every group it names.

    ``mean_digits`` reads the means as rounded to that many decimals; ``means=False`` leaves
    them out (to tell which findings the means make); ``fidelity=False`` leaves the fidelity
    page out (it recomputes values of every report, whether built or not); ``sections`` reads
    only those (report folder, section) runs.
    """
    start = time.monotonic()
    model = Model(threshold=threshold)
    for k, root in enumerate(builds):
        read_build(model, root, f"build{k + 1}", fidelity, sections)
    add_instrument_facts(model, read_instrument(instrument or REPO / "data" / "instrument" / "survey.csv"))
    if means:
        add_mean_facts(model, mean_digits)
    model.finish()
    settled = 0
    while True:
        system = System(model)
        comp_of, n_comp = system.components()
        members: dict[int, list[int]] = defaultdict(list)
        for c, k in comp_of.items():
            members[k].append(c)
        components = {k: Component(system, cols) for k, cols in members.items()}
        newly = _settle_choices(model, system, components, comp_of)
        settled += newly
        if not newly:
            break
    findings: list[Finding] = [Finding("inconsistent", msg, math.nan, math.nan) for msg in system.inconsistent]
    bounded: list[Finding] = []
    t = threshold
    groups = candidate_groups(model)
    for col, sources in model.mean_targets.items():
        groups[frozenset({col})] |= sources
    attacked = 0
    for group, sources in groups.items():
        attacked += 1
        if progress and attacked % 500 == 0:
            print(f"  {attacked} of {len(groups)} groups, {time.monotonic() - start:.0f} s, {dict(STATS)}",
                  file=sys.stderr, flush=True)
        known = sum(system.fixed[c] for c in group if c in system.fixed)
        parts: dict[int, dict[int, float]] = defaultdict(dict)
        for c in group:
            if c not in system.fixed:
                parts[comp_of[c]][c] = 1.0
        low_i, high_i = _interval(components, parts, known, t, integer)
        if math.isnan(low_i):
            findings.append(Finding("inconsistent", _describe(model, group), low_i, high_i, sorted(sources)))
            continue
        label = _describe(model, group)
        if 1 <= low_i and high_i <= t - 1:
            kind = "pinned" if low_i == high_i else "interval"
            published = model.published.get(group)
            if published and group not in model.targets:
                continue  # a published number: listed with the published small counts
            findings.append(Finding(kind, label, low_i, high_i, sorted(sources)))
        elif low_i <= 0 < high_i <= t - 1 and group in model.targets:
            bounded.append(Finding("bounded-small", label, low_i, high_i, sorted(sources)))
    reveals = [Finding("reveals", _describe(model, g), min(v for v, _ in model.published[g]),
                       max(v for v, _ in model.published[g]), sorted(model.targets[g])[:2] + [sorted(model.published[g])[0][1]])
               for g in model.withheld_counts if g in model.published]
    published_small = []
    for group, values in model.published.items():
        for value, source in values:
            if 1 <= value <= t - 1 and not model.names[next(iter(group))].startswith("fidelity:"):
                published_small.append(Finding("published-small", _describe(model, group), value, value, [source]))
    # A test statistic is a function of every cell of its table: published over a table with a
    # cell the published counts do not fix, it may be inverted; listed for that attack.
    open_tests = []
    pinned: dict[int, bool] = {}
    for source, name, group in model.tests:
        loose = []
        for c in sorted(group):
            if c in system.fixed:
                continue
            if c not in pinned:
                comp = components[comp_of[c]]
                low, high = comp.bound({c: 1.0}, integer, False), comp.bound({c: 1.0}, integer, True)
                pinned[c] = not math.isnan(low + high) and round(low) == round(high)
            if not pinned[c]:
                loose.append(model.names[c])
        if loose and not any(f.group.startswith(f"{name} ") for f in open_tests):
            open_tests.append(Finding("test-on-open-table", f"{name} (cells not fixed: {', '.join(loose[:4])})",
                                      math.nan, math.nan, [source]))
    counts = dict(model.read)
    counts["tests published"] = len(model.tests)
    counts["mean bases fixed by their decimals"] = settled
    counts.update({"variables": len(model.names), "free variables": len(comp_of), "components": n_comp,
                   "groups attacked": attacked, "withheld groups": len(model.targets),
                   "inequalities": len(model.ineq), "equalities (incl. ties)": len(model.eq)})
    return Report(counts, findings, bounded, published_small, reveals, open_tests, model.undescribed,
                  time.monotonic() - start)


def main(argv: list[str] | None = None) -> int:
    """Attack the build folders given; print what was read and found."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("builds", nargs="+", type=Path)
    parser.add_argument("--threshold", type=int, default=5)
    parser.add_argument("--no-integer", action="store_true", help="linear relaxation only")
    parser.add_argument("--mean-digits", type=int, help="read the means as rounded to this many decimals")
    parser.add_argument("--no-means", action="store_true", help="leave the means out")
    parser.add_argument("--no-fidelity", action="store_true", help="leave the fidelity page out")
    args = parser.parse_args(argv)
    report = attack(args.builds, args.threshold, integer=not args.no_integer, progress=True,
                    mean_digits=args.mean_digits, means=not args.no_means, fidelity=not args.no_fidelity)
    for f in report.findings:
        print("FINDING", f)
    for f in report.bounded:
        print("BOUNDED", f)
    for f in report.published_small:
        print("PUBLISHED-SMALL", f)
    for f in report.reveals:
        print("REVEALS", f)
    for f in report.open_tests:
        print("OPEN-TEST", f)
    for u in report.undescribed:
        print("UNDESCRIBED", u)
    print(report.summary())
    return 1 if report.findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
