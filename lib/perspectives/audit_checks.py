"""The disclosure audit's checks: sums, small groups fixed by subtraction, intervals of rounded shares.

Held apart from :mod:`perspectives.audit` (which reads run folders and builds and calls
:func:`check`) because it is the section "Method" of that module's docstring: the published
numbers as sparse equations over the leaves, solved component by component, and every
finding that the equations (and the intervals of shares printed alone) give. Like
:mod:`perspectives.audit`, it imports none of the rule's code (:mod:`perspectives.disclosure`
and its parts).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .audit_groups import explained, groups_searched, min_norm_solution, reduced_rows
from .audit_reading import Finding, Leaf, Obs, Run

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

_TOL = 1e-6


def check(run: Run, t: int, intervals: bool = True, touching: frozenset[Leaf] | None = None) -> list[Finding]:
    """Every finding what ``run`` read gives at threshold ``t`` (``intervals``: the rounded shares' too).

    ``touching``: solve only the families of linked leaves that hold one of these leaves (the
    others' findings are known already); None solves every family.
    """
    findings = list(run.findings)
    # A number withheld in one place and published in another is published.
    published = {}
    for o in run.obs:
        if not o.withheld and o.count is not None:
            published.setdefault(o.leaves, o)
    for o in run.obs:
        if o.withheld and o.leaves in published:
            other = published[o.leaves]
            what = "a percentage with its n" if other.is_percent else "a count"
            findings.append(Finding(other.source, "reveals", f"{what} publishes {_name(o.leaves)} = "
                                    f"{int(other.count)}, which {o.source} withholds"))
    # A test statistic is a function of every cell of its table: published beside a withheld
    # cell of that table, it can be inverted (one table of counts fits the margins and it).
    for source, name, cells in run.tests:
        hidden = sorted({leaf for o in run.obs if o.withheld and o.leaves & cells for leaf in o.leaves & cells})
        if hidden:
            findings.append(Finding(source, "reveals", f"the test {name} is published although its table "
                                    f"withholds {_name(frozenset(hidden[:3]))}{' and more' if len(hidden) > 3 else ''}"))
    # Families of leaves linked by shared cells or same_as relations are solved together.
    leaves = sorted({leaf for o in run.obs for leaf in o.leaves}
                    | {leaf for a, b, _ in run.relations for leaf in a | b})
    index = {leaf: k for k, leaf in enumerate(leaves)}
    # The equations as a sparse matrix (a hundred countries' tables hold tens of thousands of
    # numbers over as many leaves: dense, that was gigabytes), split into the families of
    # leaves that equations link; each family is reduced on its own, sparse.
    from scipy.sparse import coo_matrix

    r_idx, c_idx, vals, rhs, sources = _equations(run, index)
    if not rhs:
        return findings + (_interval_findings(run, t) if intervals else [])
    a_sp = coo_matrix((vals, (r_idx, c_idx)), shape=(len(rhs), len(leaves))).tocsr()  # duplicates add up
    a_sp.eliminate_zeros()
    b_vec = np.array(rhs, dtype=float)
    for comp, used in _families(a_sp):
        if touching is not None and not any(leaves[c] in touching for c in comp):
            continue
        sub = a_sp[used][:, comp]
        findings += _check_component(sub, b_vec[used], [sources[k] for k in used],
                                     [leaves[c] for c in comp], run, t)
    if intervals and not any(f.kind == "small-group" for f in findings):
        findings += _interval_findings(run, t)
    return findings


def _families(a_sp: csr_matrix) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Each family of leaves the equations link, as (its leaves, its equations), in order of its first leaf.

    Rows and leaves are one graph: a family is a connected part of it. Leaves no published
    number touches fix nothing and are left out.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n_rows, n_leaves = a_sp.shape
    graph = coo_matrix((np.ones(a_sp.nnz), (a_sp.nonzero()[0], a_sp.nonzero()[1] + n_rows)),
                       shape=(n_rows + n_leaves,) * 2)
    _, labels = connected_components(graph, directed=False)
    row_label, leaf_label = labels[:n_rows], labels[n_rows:]
    for family in sorted(set(leaf_label), key=lambda f: int(np.flatnonzero(leaf_label == f)[0])):
        used = np.flatnonzero(row_label == family)
        if len(used):
            yield np.flatnonzero(leaf_label == family), used


def distinct_rows(a_mat: csr_matrix, b_vec: np.ndarray) -> np.ndarray:
    """The first of each set of equal equations (row of ``a_mat`` and right-hand side), ascending.

    The rows ``np.unique`` of the dense ``[a_mat | b_vec]`` keeps (``return_index``), found
    from the sparse rows' entries: no dense copy of the equations is made.
    """
    rows = a_mat.tocsr(copy=True)
    rows.sum_duplicates()  # canonical: sorted columns, one entry each
    rows.eliminate_zeros()
    seen: set[tuple[bytes, bytes, float]] = set()
    first = []
    for r in range(rows.shape[0]):
        start, end = rows.indptr[r], rows.indptr[r + 1]
        # + 0.0: a zero of either sign is one value, as np.unique compares them
        key = (rows.indices[start:end].tobytes(), (rows.data[start:end] + 0.0).tobytes(), float(b_vec[r]) + 0.0)
        if key not in seen:
            seen.add(key)
            first.append(r)
    return np.array(first, dtype=np.intp)


def _check_component(a_mat: csr_matrix, b_vec: np.ndarray, sources: list[str], leaves: list[Leaf],
                     run: Run, t: int) -> list[Finding]:
    # A published number that leaves one leaf unknown fixes that leaf: leaves are read off so,
    # again and again, and the other equations are solved for the leaves left (an exact
    # presolve; with a hundred countries most cells are published one by one). The presolve
    # works on the sparse equations: a family of a hundred countries' table is thousands of
    # equations over thousands of leaves.
    a_mat = a_mat.tocsr()
    known, x_p, residual, active = _presolve(a_mat, b_vec, len(leaves))
    rest = np.flatnonzero(active)
    unknown = np.flatnonzero(~known)
    rest_rows = a_mat[rest]
    # Kept sparse throughout: the equations left are rows x leaves, both growing with the
    # countries (the pooled column links every country's cells), and a dense copy of them, its
    # SVD and its least-squares solution grew with the square of the countries.
    a_rest = rest_rows[:, unknown].tocsr()
    b_rest = b_vec[rest] - rest_rows[:, np.flatnonzero(known)] @ x_p[known]
    reduced, pivots = a_rest[:0], np.zeros(0, dtype=np.intp)
    if len(unknown) and len(rest):
        # Repeated equations (one number published in several places) reduced once each.
        first = distinct_rows(a_rest, b_rest)
        form = reduced_rows(a_rest[first], b_rest[first])
        reduced, pivots = form.rows, form.pivots
        if form.consistent:
            x_p[unknown] = min_norm_solution(form)
        else:  # numbers that contradict each other: the least-squares solution measures by how much
            x_p[unknown], *_ = np.linalg.lstsq(a_rest[first].toarray(), b_rest[first], rcond=None)
    residual[rest] = a_rest @ x_p[unknown] - b_rest
    if np.abs(residual).max(initial=0.0) > 0.5:
        worst = int(np.argmax(np.abs(residual)))
        return [Finding(sources[worst], "sum", f"the published parts of {leaves[0][0]} do not add up to "
                        f"their totals (off by {abs(residual[worst]):.0f})")]
    small_bases = _small_bases(run, leaves, t)
    # A leaf is fixed when it lies in the row space of the equations: read off, or a row of
    # the remaining equations' reduced form that holds it alone (the form is unique: a unit
    # vector of the space is one of its rows).
    fixed = known.copy()
    alone = np.diff(reduced.indptr) == 1
    fixed[unknown[pivots[alone]]] = True
    findings = _fixed_leaf_findings(fixed, x_p, small_bases, leaves, run, t)
    free = np.flatnonzero(~fixed)
    if len(free) and len(rest):
        # The space of the free leaves: the other rows without the fixed leaves' columns
        # (a fixed leaf is a pivot, so those rows are zero there), still reduced.
        on_free = ~fixed[unknown]
        space = reduced[np.flatnonzero(~alone)][:, np.flatnonzero(on_free)]
        _add_subtraction_findings(findings, space, free, x_p, small_bases, leaves, run, t)
    return findings


def _presolve(a_mat: csr_matrix, b_vec: np.ndarray, n_leaves: int) -> tuple[np.ndarray, ...]:
    """Read off every leaf an equation leaves alone unknown, again and again.

    Returns:
        (leaves known, their values, the residual of each equation used up, the equations left).
    """
    pattern = a_mat.copy()
    pattern.data = np.ones_like(pattern.data)
    known = np.zeros(n_leaves, bool)
    x_p = np.zeros(n_leaves)
    residual = np.zeros(len(b_vec))
    active = np.ones(len(b_vec), bool)
    while True:
        open_counts = pattern @ (~known).astype(float)
        done = np.flatnonzero(active & (open_counts <= 1.5))
        if not len(done):
            return known, x_p, residual, active
        for r in done:
            start, end = a_mat.indptr[r], a_mat.indptr[r + 1]
            cols, coef = a_mat.indices[start:end], a_mat.data[start:end]
            is_known = known[cols]
            rest_of_row = b_vec[r] - coef[is_known] @ x_p[cols[is_known]]
            open_cols = cols[~is_known]
            if len(open_cols) == 1:
                c = int(open_cols[0])
                known[c], x_p[c] = True, rest_of_row / coef[~is_known][0]
            else:
                residual[r] = -rest_of_row
            active[r] = False


def _small_bases(run: Run, leaves: list[Leaf], t: int) -> list[np.ndarray]:
    """The published small bases over these leaves, as 0/1 vectors (what a finding may be explained by)."""
    names = {leaf: k for k, leaf in enumerate(leaves)}
    answers: dict[str, set[str]] = {}
    for u, _, c in leaves:
        answers.setdefault(u, set()).add(c)
    small_bases = []
    for o in run.obs:
        if o.count is None or not 1 <= o.count < t or not o.leaves <= set(names):
            continue
        # A base: the base of a share, or a place's total over every answer of its question.
        whole = {(u, p, c) for u, p, _ in o.leaves for c in answers[u]} == set(o.leaves)
        if o.leaves in run.bases or whole:
            vec = np.zeros(len(leaves))
            vec[[names[leaf] for leaf in o.leaves]] = 1.0
            small_bases.append(vec)
    return small_bases


def _fixed_leaf_findings(fixed: np.ndarray, x_p: np.ndarray, small_bases: list[np.ndarray], leaves: list[Leaf],
                         run: Run, t: int) -> list[Finding]:
    """A leaf the published numbers fix at a small value (not explained by a published small base)."""
    findings = []
    for k in np.flatnonzero(fixed):
        value = round(float(x_p[k]))
        if 1 <= value < t:
            g = np.zeros(len(leaves))
            g[k] = 1.0
            if not explained(g, x_p, small_bases):
                findings.append(Finding(_source_of(g, leaves, run), "small-group",
                                        f"{_name(frozenset([leaves[k]]))} = {value} is fixed by the published numbers"))
    return findings


def _add_subtraction_findings(findings: list[Finding], space: csr_matrix, free: np.ndarray, x_p: np.ndarray,
                              small_bases: list[np.ndarray], leaves: list[Leaf], run: Run, t: int) -> None:
    """Add to ``findings`` the small groups of free leaves the equations fix together (by subtraction).

    ``space``: the reduced row echelon form of the equations' row space on the free leaves
    (sparse, ``rank x len(free)``): the 0/1 groups of free leaves that the equations fix lie
    in it (the fixed leaves being in the row space). The search stops once ``findings``
    holds more than 20 (those of fixed leaves included).
    """
    if not space.shape[0]:
        return
    for found in groups_searched(space, x_p[free], t, free, x_p, small_bases):
        g = np.zeros(len(leaves))
        g[free] = found
        if explained(g, x_p, small_bases):
            continue
        group = frozenset(leaves[k] for k in np.flatnonzero(g > 0.5))
        findings.append(Finding(_source_of(g, leaves, run), "small-group",
                                f"{_name(group)} together hold {round(float(g @ x_p))}, fixed by "
                                "subtraction from the published numbers"))
        if len(findings) > 20:
            break


def _equations(run: Run, index: dict[Leaf, int]) -> tuple[list[int], list[int], list[float], list[float], list[str]]:
    """Every published count (its leaves sum to it) and tie (two sets of leaves are equal) as sparse rows.

    Returns:
        Row indices, column indices and values of the entries, each row's right-hand side and
        each row's source (the table, or the tie's label).
    """
    r_idx: list[int] = []
    c_idx: list[int] = []
    vals: list[float] = []
    rhs: list[float] = []
    sources: list[str] = []
    # Row by row, each row's entries added at once (the same entries, in the same order).
    for o in run.obs:
        if o.count is not None:
            c_idx += [index[leaf] for leaf in o.leaves]
            vals += [1.0] * len(o.leaves)
            r_idx += [len(rhs)] * len(o.leaves)
            rhs.append(float(o.count))
            sources.append(o.source)
    for a, b, label in run.relations:
        c_idx += [index[leaf] for leaf in a]
        c_idx += [index[leaf] for leaf in b]
        vals += [1.0] * len(a) + [-1.0] * len(b)
        r_idx += [len(rhs)] * (len(a) + len(b))
        rhs.append(0.0)
        sources.append(label)
    return r_idx, c_idx, vals, rhs, sources


def _system(run: Run) -> tuple[list[Leaf], Any, np.ndarray]:
    """Every published count and tie as sparse equations over the leaves: (leaves, matrix, values)."""
    from scipy.sparse import coo_matrix

    leaves = sorted({leaf for o in run.obs for leaf in o.leaves} | {leaf for a, b, _ in run.relations
                                                                     for leaf in a | b}
                    | {leaf for _, cells, _, _ in run.intervals for leaf in cells})
    index = {leaf: k for k, leaf in enumerate(leaves)}
    r_idx, c_idx, vals, rhs, _ = _equations(run, index)
    matrix = coo_matrix((vals, (r_idx, c_idx)), shape=(len(rhs), len(leaves))).tocsr()
    return leaves, matrix, np.array(rhs, dtype=float)


def _interval_findings(run: Run, t: int) -> list[Finding]:
    """Withheld numbers that rounded shares, with the published numbers, pin within 1..t-1.

    A share printed rounded (its count withheld) tells the count only to an interval; counts
    are whole and never negative. Taking each such count as exact, at one whole solution of
    everything published, lists the groups the intervals could fix at all (those the exact
    search then finds in range); for each, an integer program over everything published
    gives its least and greatest value. One known to lie within 1..t-1 is recovered (the
    linear programming attack of the issue's audit, made exact for whole numbers).
    """
    if not run.intervals:
        return []
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import vstack

    leaves, matrix, rhs = _system(run)
    index = {leaf: k for k, leaf in enumerate(leaves)}
    # One sparse row per share (a dense row per share over every leaf grew with the square of
    # the countries: a hundred countries' synthesis holds thousands of each).
    members = [sorted({index[c] for c in cells}) for _, cells, _, _ in run.intervals]
    box = _incidence(members, len(leaves))
    lows = np.array([lo for *_, lo, _ in run.intervals], dtype=float)
    highs = np.array([hi for *_, hi in run.intervals], dtype=float)
    big = float(max(1.0, rhs.max(initial=0.0)))
    constraints = [LinearConstraint(vstack([matrix, box]), np.concatenate([rhs, lows]) - 1e-6,
                                    np.concatenate([rhs, highs]) + 1e-6)]
    point = milp(np.zeros(len(leaves)), constraints=constraints, integrality=np.ones(len(leaves)),
                 bounds=Bounds(0, big))
    if point.x is None:
        return [Finding(run.intervals[0][0], "sum", "the published numbers and rounded shares admit no whole "
                        "counts: they contradict each other")]
    x = np.round(point.x)
    solver = _Families(vstack([matrix, box]).tocsr(), np.concatenate([rhs, lows]), np.concatenate([rhs, highs]),
                       len(rhs), big, x)
    exact = Run()
    exact.obs = [*run.obs, *(Obs(source, cells, float(x[members[k]].sum()), False, True)
                             for k, (source, cells, _, _) in enumerate(run.intervals))]
    exact.relations, exact.bases = run.relations, run.bases
    found = []
    # Only the families a share's interval touches can differ from the first pass, which
    # found no small group (it runs this only then): the others hold the same equations.
    touched = frozenset(leaf for _, cells, _, _ in run.intervals for leaf in cells)
    for finding in check(exact, t, intervals=False, touching=touched):
        if finding.kind != "small-group":
            continue
        group = _group_in(finding.detail, leaves)
        if group is None:
            continue
        cols = [index[c] for c in group]
        if solver.reaches(cols, t):
            continue  # a whole solution already puts it at t or more
        low, high = solver.least(cols), solver.greatest(cols)
        if low >= 1 and high <= t - 1:
            found.append(Finding(finding.source, "small-group", f"{_name(group)} lies between {low:.0f} and "
                                 f"{high:.0f}: the published numbers and rounded shares pin it below {t}"))
    return found + _bounded_findings(run, index, solver, t)


class _Families:
    """Integer programs over the published numbers, one family of linked leaves at a time.

    Equations and intervals link leaves into families (connected parts of the graph of rows
    and leaves); a group's least or greatest whole value depends only on its families, so
    each integer program is solved over those alone (over the union of a hundred countries'
    reports, one program over everything took seconds, and the audit asks thousands). Whole
    solutions found on the way are kept: one that puts a group at ``t`` or more settles
    that its greatest value is not below the threshold without a program.

    Args:
        matrix: the published equations, then the interval rows (rows x leaves, sparse).
        lows, highs: each row's least and greatest value (equal for an equation).
        n_plain: how many of the first rows are equations (the rest are intervals).
        big: an upper bound on every leaf (the largest published number).
        point: one whole solution of every row, shape (leaves,).
    """

    _KEEP = 64  # whole solutions kept for the shortcut (each check is one matrix product)

    def __init__(self, matrix: Any, lows: np.ndarray, highs: np.ndarray, n_plain: int, big: float,
                 point: np.ndarray) -> None:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        self.matrix, self.lows, self.highs, self.n_plain, self.big = matrix, lows, highs, n_plain, big
        n_rows, n_leaves = matrix.shape
        nz_rows, nz_cols = matrix.nonzero()
        graph = coo_matrix((np.ones(len(nz_rows)), (nz_rows, nz_cols + n_rows)), shape=(n_rows + n_leaves,) * 2)
        _, labels = connected_components(graph, directed=False)
        self.row_label, self.leaf_label = labels[:n_rows], labels[n_rows:]
        self.points = [point]

    def _part(self, cols: list[int], plain: bool) -> tuple[np.ndarray, np.ndarray]:
        """The leaves and rows of the families holding ``cols`` (``plain``: equations only)."""
        families = np.unique(self.leaf_label[cols])
        leaves = np.flatnonzero(np.isin(self.leaf_label, families))
        rows = np.flatnonzero(np.isin(self.row_label, families))
        if plain:
            rows = rows[rows < self.n_plain]
        return leaves, rows

    def has_interval(self, cols: list[int]) -> bool:
        """Whether a rounded share's interval touches the families of ``cols``."""
        return bool((self._part(cols, plain=False)[1] >= self.n_plain).any())

    def reaches(self, cols: list[int], t: int) -> bool:
        """Whether a kept whole solution puts the group ``cols`` at ``t`` or more."""
        return bool((np.array(self.points)[:, cols].sum(axis=1) >= t - _TOL).any())

    def reach_together(self, groups: list[list[int]], t: int) -> list[bool]:
        """Which groups one whole solution puts at ``t`` or more, found by one program for all.

        The program maximises the sum of ``min(group, t)`` over the groups (a variable per
        group, at most ``t`` and at most the group's sum): each group it brings to ``t`` is
        shown to reach the threshold, without a program of its own. A group it leaves below
        may still reach ``t`` alone; the caller asks again for those.
        """
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import csr_matrix, hstack, identity, vstack

        leaves, rows = self._part(sorted({c for g in groups for c in g}), plain=False)
        where = {leaf: k for k, leaf in enumerate(leaves)}
        n, k = len(leaves), len(groups)
        # sparse: thousands of withheld groups over thousands of leaves, dense, were gigabytes
        members = _incidence([sorted({where[c] for c in g}) for g in groups], n)
        # y_i - group_i . x <= 0, with 0 <= y_i <= t
        link = hstack([-members, identity(k, format="csr")])
        equations = hstack([self.matrix[rows][:, leaves], csr_matrix((len(rows), k))])
        constraints = [LinearConstraint(vstack([equations, link]).tocsr(),
                                        np.concatenate([self.lows[rows] - 1e-6, np.full(k, -np.inf)]),
                                        np.concatenate([self.highs[rows] + 1e-6, np.zeros(k)]))]
        res = milp(np.concatenate([np.zeros(n), -np.ones(k)]), constraints=constraints,
                   integrality=np.concatenate([np.ones(n), np.zeros(k)]),
                   bounds=Bounds(np.zeros(n + k), np.concatenate([np.full(n, self.big), np.full(k, float(t))])))
        if res.x is None:
            return [False] * k
        x_part = np.round(res.x[:n])
        self._keep(leaves, x_part)
        return [bool(v >= t - _TOL) for v in members @ x_part]

    def _keep(self, leaves: np.ndarray, x_part: np.ndarray) -> None:
        """Keep a whole solution of the families of ``leaves`` for :meth:`reaches`.

        The other families are independent of these: the first point with this part replaced
        is a whole solution of everything.
        """
        if len(self.points) < self._KEEP:
            whole = self.points[0].copy()
            whole[leaves] = x_part
            self.points.append(whole)

    def least(self, cols: list[int], plain: bool = False) -> float:
        """The group's least whole value (inf: no whole solution)."""
        return self._solve(cols, 1.0, plain)

    def greatest(self, cols: list[int], plain: bool = False) -> float:
        """The group's greatest whole value (inf: no whole solution)."""
        value = self._solve(cols, -1.0, plain)
        return -value if np.isfinite(value) else value

    def _solve(self, cols: list[int], sign: float, plain: bool) -> float:
        from scipy.optimize import Bounds, LinearConstraint, milp

        leaves, rows = self._part(cols, plain)
        g = np.isin(leaves, cols).astype(float)
        constraints = []
        if len(rows):
            constraints.append(LinearConstraint(self.matrix[rows][:, leaves], self.lows[rows] - 1e-6,
                                                self.highs[rows] + 1e-6))
        res = milp(sign * g, constraints=constraints, integrality=np.ones(len(leaves)),
                   bounds=Bounds(0, self.big))
        if res.x is None:
            return float("inf")
        x_part = np.round(res.x)
        if not plain:  # a solution of the equations alone may break an interval
            self._keep(leaves, x_part)
        return sign * float(g @ x_part)


def _incidence(members: list[list[int]], n: int) -> Any:
    """A sparse 0/1 matrix: row ``i`` has a one in each (ascending, distinct) column of ``members[i]``."""
    from scipy.sparse import csr_matrix

    indptr = np.cumsum([0, *(len(m) for m in members)])
    indices = np.array([c for m in members for c in m], dtype=np.int64)
    return csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(members), n))


def _bounded_findings(run: Run, index: dict[Leaf, int], solver: _Families, t: int) -> list[Finding]:
    """Withheld counts the rounded shares bring below the threshold (greatest whole value 1..t-1).

    A withheld count known to be below ``t`` tells that it is small (tau-ARGUS: the protection
    interval must reach the threshold, the upper protection level; Hundepool et al. 2012,
    ch. 4). Every withheld number is asked about, a share withheld with its base (a
    country's column left out) too: its count is withheld all the same. One already below ``t`` without the shares (inside a
    small published base, which the rule allows) is not the shares' doing; so is none whose
    family no share's interval touches (without intervals the two programs are the same).
    """
    asked, seen = [], set()
    for source, leaves in [*((o.source, o.leaves) for o in run.obs if o.withheld), *run.unknown]:
        if leaves in seen or not leaves <= index.keys():
            continue
        seen.add(leaves)
        cols = [index[c] for c in leaves]
        if solver.has_interval(cols) and not solver.reaches(cols, t):
            asked.append((source, leaves, cols))
    # One program for all shows most of them reach the threshold; again for the rest while
    # that shows more. Only those left get a program each (their greatest value).
    while asked:
        reached = solver.reach_together([cols for *_, cols in asked], t)
        if not any(reached):
            break
        asked = [item for item, done in zip(asked, reached, strict=True) if not done]
    found = []
    for source, leaves, cols in asked:
        high = solver.greatest(cols)
        if 1 <= high <= t - 1 and not 1 <= solver.greatest(cols, plain=True) <= t - 1:
            found.append(Finding(source, "small-group", f"{_name(leaves)} is withheld but at most "
                                 f"{high:.0f}: the rounded shares tell it is below {t}"))
    return found


def _group_in(detail: str, leaves: list[Leaf]) -> frozenset[Leaf] | None:
    """The leaves a small-group finding names (``universe [place/answer, ...]``)."""
    m = re.match(r"(?P<u>[^\[]+) \[(?P<cells>[^\]]*)\]", detail)
    if not m:
        return None
    universes = m["u"].split("+")
    named = {tuple(c.split("/", 1)) for c in m["cells"].split(", ")}
    group = frozenset(leaf for leaf in leaves if leaf[0] in universes and (leaf[1], leaf[2]) in named)
    return group or None



def _name(group: frozenset[Leaf]) -> str:
    universes = sorted({u for u, _, _ in group})
    cells = ", ".join(sorted(f"{p}/{c}" for _, p, c in group))
    return f"{'+'.join(universes)} [{cells}]"


def _source_of(g: np.ndarray, leaves: list[Leaf], run: Run) -> str:
    """The table (or values.json) that publishes a number touching the group, tables first."""
    group = {leaves[k] for k in np.flatnonzero(g > 0.5)}
    touching = sorted({o.source for o in run.obs if o.leaves & group},
                      key=lambda s: (not s.split(":")[-1].startswith("tables/"), s))
    return touching[0] if touching else "values.json"
