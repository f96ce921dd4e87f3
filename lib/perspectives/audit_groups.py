"""The disclosure audit's algebra: the 0/1 groups of leaves a row space holds, within 1..t-1.

Held apart from :mod:`perspectives.audit_checks` because it is linear algebra alone: the
row space of the published equations, its reduced row echelon form split into blocks of
shared leaves, and the 0/1 vectors of it whose total is small (enumerated, or found by an
integer program when the space is large). It is written anew for the audit, as the rest of
it: like :mod:`perspectives.audit`, it imports none of the rule's code
(:mod:`perspectives.disclosure` and its parts).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from scipy.linalg import LinAlgError, svd
from scipy.sparse import csc_array, hstack, identity

_ENUMERATE_MAX = 20
# Columns every sum of an enumeration is tried on first (the most linked ones).
_PROBE_COLUMNS = 24


def row_space(a: np.ndarray) -> np.ndarray:
    """An orthonormal basis (rows) of the row space of ``a`` (``rank x n``)."""
    if a.shape[0] > a.shape[1]:
        # A number published in several places (a table, values.json, every report of the
        # union) repeats its equation: the row space is that of the distinct rows, and the
        # factorisation's cost grows with the rows (a whole build's family: 7,000 rows, 480 distinct).
        a = np.unique(a, axis=0)
    m, n = a.shape
    try:
        _, s, vh = svd(a, full_matrices=False, check_finite=False)
    except LinAlgError:
        _, s, vh = svd(a, full_matrices=False, check_finite=False, lapack_driver="gesvd")
    rank = int((s > s.max(initial=0.0) * np.finfo(float).eps * max(m, n)).sum())
    return vh[:rank]


def _rref(rows: np.ndarray) -> tuple[np.ndarray, list[int]]:
    a = rows.astype(float).copy()
    pivots: list[int] = []
    r = 0
    for col in range(a.shape[1]):
        if r == a.shape[0]:
            break
        best = r + int(np.argmax(np.abs(a[r:, col])))
        if abs(a[best, col]) < 1e-8:
            continue
        a[[r, best]] = a[[best, r]]
        a[r] = a[r] / a[r, col]
        others = [k for k in range(a.shape[0]) if k != r]
        a[others] -= np.outer(a[others, col], a[r])
        pivots.append(col)
        r += 1
    return a[:r], pivots


def _groups_in_space(span: np.ndarray, value: np.ndarray, t: int) -> Iterable[np.ndarray]:
    """0/1 vectors of the row space of ``span`` whose value (``value @ g``) is 1..t-1."""
    reduced, _ = _rref(span)
    yield from _groups_of_reduced(reduced, value, t)


def _row_blocks(reduced: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Rows of a reduced row echelon form grouped by the columns they share: (rows, columns)."""
    nonzero = np.abs(reduced) > 1e-9
    return [(rows, np.flatnonzero(nonzero[rows].any(axis=0))) for rows in linked(nonzero.T)]


def linked(incidence: Any) -> list[np.ndarray]:
    """Columns of a rows x columns incidence (an array or a sparse matrix) linked through shared rows, each group ascending.

    Groups come in the order of their first column (a connected part of the bipartite graph
    of rows and columns, by ``scipy.sparse.csgraph``).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n_rows, n_cols = incidence.shape
    r, c = incidence.nonzero()  # an array's or a sparse matrix's: the same entries
    graph = coo_matrix((np.ones(len(r)), (r, c + n_rows)), shape=(n_rows + n_cols,) * 2)
    _, labels = connected_components(graph, directed=False)
    columns = labels[n_rows:]
    groups: dict[int, list[int]] = {}
    for k, label in enumerate(columns):
        groups.setdefault(int(label), []).append(k)
    return [np.array(g) for g in groups.values()]


def _groups_of_reduced(reduced: np.ndarray, value: np.ndarray, t: int) -> Iterable[np.ndarray]:
    """As :func:`_groups_in_space`, from the space's reduced row echelon form."""
    q = reduced.shape[0]
    if q <= _ENUMERATE_MAX:
        # Every sum of rows at once, a chunk of choices at a time (2**q of them).
        # Most sums fail on a few columns: those are tried first, and only the sums that pass
        # them are made whole (the same sums pass, in the same order).
        chunk = 1 << 14
        probe = np.argsort(-(np.abs(reduced) > 1e-9).sum(axis=0), kind="stable")[:_PROBE_COLUMNS]
        for start in range(1, 1 << q, chunk):
            codes = np.arange(start, min(start + chunk, 1 << q))
            choose = ((codes[:, None] >> np.arange(q)[None, :]) & 1).astype(float)
            part = choose @ reduced[:, probe]
            choose = choose[np.all((np.abs(part) < 1e-6) | (np.abs(part - 1) < 1e-6), axis=1)]
            vecs = choose @ reduced
            zero_one = np.all((np.abs(vecs) < 1e-6) | (np.abs(vecs - 1) < 1e-6), axis=1)
            totals = np.round(vecs) @ value
            for k in np.flatnonzero(zero_one & (totals >= 0.5) & (totals <= t - 0.5)):
                yield np.round(vecs[k])
        return
    from scipy.optimize import Bounds, LinearConstraint, milp

    # A 0/1 vector of the space is the sum of the reduced rows at its pivots: choose those
    # rows (0/1) and require their sum to be 0/1, exact with the form's whole coefficients
    # (orthogonality to a floating-point basis made the solver miss groups at scale).
    k = reduced.shape[1]
    rows = np.where(np.abs(reduced) < 1e-9, 0.0, reduced)
    sums = _sums_matrix(rows)
    cuts: list[np.ndarray] = []
    for _ in range(100):
        cons = [LinearConstraint(np.hstack([np.zeros(q), value])[None, :], 0.5, t - 0.5),
                LinearConstraint(sums, -1e-9, 1e-9)]
        cons += [LinearConstraint(np.hstack([np.zeros(q), np.where(c > 0.5, 1.0, -1.0)])[None, :], -np.inf,
                                  c.sum() - 1) for c in cuts]
        res = milp(np.zeros(q + k), constraints=cons, integrality=np.ones(q + k), bounds=Bounds(0, 1))
        if res.x is None:
            return
        g = np.round(res.x[q:])
        yield g
        cuts.append(g)



def _sums_matrix(rows: np.ndarray) -> csc_array:
    """``[-rows.T | I]`` as a sparse matrix: the leaves' values minus the chosen rows' sum.

    Sparse because a space of a hundred countries has thousands of leaves: its dense identity
    alone took gigabytes. The solver receives the same matrix either way (scipy's ``milp``
    turns every constraint into a sparse one, with the same entries in the same order).
    """
    k = rows.shape[1]
    sums = hstack([csc_array(-rows.T), identity(k, format="csc")], format="csc")
    sums.eliminate_zeros()
    sums.sort_indices()
    return sums


def groups_searched(space: np.ndarray, value: np.ndarray, t: int, free: np.ndarray, x_p: np.ndarray,
                     small_bases: list[np.ndarray]) -> Iterable[np.ndarray]:
    """The groups in range of ``space``, searched block by block of its reduced form.

    A 0/1 group of the space is a sum of groups of its blocks (they touch disjoint leaves);
    its value, 1..t-1, is then at least one block group's value, in range too. So the blocks'
    groups in range are what the whole space's search would report first, found at the cost
    of a sum of searches instead of one search over their product (or a dense integer
    program over every leaf). Only when every one of them is made of published small bases
    is the whole space searched, as a combination could then still be a finding.
    """
    reduced, _ = _rref(space)
    blocks = _row_blocks(reduced)
    in_range = []
    for rows, cols in blocks:
        for part in _groups_of_reduced(reduced[np.ix_(rows, cols)], value[cols], t):
            found = np.zeros(len(value))
            found[cols] = part
            in_range.append(found)
    yield from in_range
    if len(blocks) > 1 and in_range:
        full = np.zeros((len(in_range), len(x_p)))
        full[:, free] = np.array(in_range)
        if all(explained(g, x_p, small_bases) for g in full):
            yield from _groups_of_reduced(reduced, value, t)


def explained(g: np.ndarray, x_p: np.ndarray, small_bases: list[np.ndarray]) -> bool:
    """A group made of published small bases (and nobody else) discloses nothing new."""
    rest = g.copy()
    for base in small_bases:
        if np.all(rest[base > 0.5] > 0.5):
            rest = rest - base
    return abs(float(rest @ x_p)) < 0.5 and bool((rest > -0.5).all())

