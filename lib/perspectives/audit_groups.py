"""The disclosure audit's algebra: the 0/1 groups of leaves a row space holds, within 1..t-1.

Held apart from :mod:`perspectives.audit_checks` because it is linear algebra alone: the
row space of the published equations, its reduced row echelon form split into blocks of
shared leaves, and the 0/1 vectors of it whose total is small (enumerated, or found by an
integer program when the space is large). It is written anew for the audit, as the rest of
it: like :mod:`perspectives.audit`, it imports none of the rule's code
(:mod:`perspectives.disclosure` and its parts).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np
from scipy.sparse import csc_array, hstack, identity

_ENUMERATE_MAX = 20
# Columns every sum of an enumeration is tried on first (the most linked ones).
_PROBE_COLUMNS = 24


class Reduced(NamedTuple):
    """The reduced row echelon form of equations ``a x = b`` (:func:`reduced_rows`).

    Attributes:
        rows: the reduced rows, ``rank x leaves`` CSR of floats, in order of their pivots.
        pivots: each row's pivot column, ascending, shape ``(rank,)``.
        totals: each row's right-hand side, shape ``(rank,)`` (``rows x = totals``).
        consistent: whether ``a x = b`` has a solution (no row reduced to ``0 = nonzero``).
    """

    rows: Any
    pivots: np.ndarray
    totals: np.ndarray
    consistent: bool


def reduced_rows(a: Any, b: np.ndarray) -> Reduced:
    """The reduced row echelon form of equations with whole coefficients, found exactly and kept sparse.

    A family of a hundred countries' numbers is thousands of equations over thousands of
    leaves, linked through the pooled column: a dense factorisation of it (an SVD) held copies
    of rows x leaves, both growing with the countries. Its reduced form is sparse (each row
    a pivot and the few leaves it is tied to; 4,930 entries for 154 x 2,780 at 20
    countries), so it is built row by row with whole numbers (fraction-free, each row divided
    by the gcd of its entries), the totals carried as one more column: exact, and no larger
    than its result. The form is unique, so it is the one a dense elimination of the same
    rows gives.

    Args:
        a: equations x leaves, a scipy sparse matrix of whole numbers (published counts and
            ties: 0, 1, -1, or sums of them).
        b: the equations' totals, shape ``(equations,)`` (each float taken exactly).

    Returns:
        The form, its pivots and totals, and whether the equations are consistent.

    Raises:
        ValueError: a coefficient is not a whole number.
    """
    from scipy.sparse import csr_matrix

    a = csr_matrix(a)
    if not np.array_equal(a.data, np.round(a.data)):
        raise ValueError("the equations' coefficients must be whole numbers for an exact reduction")
    n = a.shape[1]  # the totals' column: after every leaf, so a pivot there is 0 = nonzero
    pivot_rows: dict[int, dict[int, int]] = {}
    holders: dict[int, set[int]] = {}  # column -> the pivots whose rows have an entry there
    for r in range(a.shape[0]):
        start, end = a.indptr[r], a.indptr[r + 1]
        # A total that is not whole (a float is a fraction of a power of two) scales its row.
        total = Fraction(float(b[r]))
        row = {int(c): int(v) * total.denominator
               for c, v in zip(a.indices[start:end], a.data[start:end], strict=True) if v}
        if total:
            row[n] = total.numerator
        for pivot in sorted(c for c in row if c in pivot_rows):
            if pivot in row:
                _eliminate(row, pivot_rows[pivot], pivot)
        if row:
            _add_pivot(_divided(row), pivot_rows, holders)
    order = [p for p in sorted(pivot_rows) if p < n]
    indptr, indices, data = [0], [], []
    for pivot in order:
        row = pivot_rows[pivot]
        cols = sorted(c for c in row if c < n)
        indices += cols
        data += [row[c] / row[pivot] for c in cols]  # int / int: the nearest float
        indptr.append(len(indices))
    rows = csr_matrix((np.array(data, dtype=float), np.array(indices, dtype=np.int64), np.array(indptr)),
                      shape=(len(order), n))
    totals = np.array([pivot_rows[p].get(n, 0) / pivot_rows[p][p] for p in order], dtype=float)
    return Reduced(rows, np.array(order, dtype=np.intp), totals, n not in pivot_rows)


def _eliminate(row: dict[int, int], by: dict[int, int], pivot: int) -> None:
    """Cancel ``row``'s entry at ``pivot`` with the pivot row ``by``, in place, in whole numbers.

    Only the entries ``by`` holds change when its pivot is 1 (most are): a long row (the
    pooled column's, over every country) is not copied for each pivot it meets.
    """
    p, q = by[pivot], row[pivot]
    if p != 1:
        for c in row:
            row[c] *= p
    for c, v in by.items():
        w = row.get(c, 0) - q * v
        if w:
            row[c] = w
        else:
            row.pop(c, None)
    if p != 1 and row:
        _divided(row)


def _divided(row: dict[int, int]) -> dict[int, int]:
    """``row`` divided, in place, by the gcd of its entries (and returned)."""
    g = math.gcd(*row.values())
    if g > 1:
        for c in row:
            row[c] //= g
    return row


def _add_pivot(row: dict[int, int], pivot_rows: dict[int, dict[int, int]], holders: dict[int, set[int]]) -> None:
    """Add ``row`` (zero at every pivot) as a pivot row at its first column, cancelling that column in the others."""
    pivot = min(row)
    if row[pivot] < 0:
        for c in row:
            row[c] = -row[c]
    for other in sorted(holders.get(pivot, ())):
        changed = pivot_rows[other]
        before = set(changed)
        _eliminate(changed, row, pivot)
        _divided(changed)  # its pivot's entry stays positive: scaled by row[pivot] > 0
        for c in before - changed.keys():
            holders[c].discard(other)
        for c in changed.keys() - before:
            holders.setdefault(c, set()).add(other)
    pivot_rows[pivot] = row
    for c in row:
        holders.setdefault(c, set()).add(pivot)


def min_norm_solution(reduced: Reduced) -> np.ndarray:
    """The solution of least norm of consistent equations (``np.linalg.lstsq``'s), from their reduced form.

    It lies in the row space: ``x = R^T z`` with ``R R^T z = totals`` (``R = reduced.rows``),
    solved sparse (``R R^T`` is the identity plus a positive semi-definite part, and sparse as
    ``R`` is; a dense least-squares solution of the equations grew with the square of the
    countries).

    Args:
        reduced: :func:`reduced_rows` of consistent equations.

    Returns:
        x, shape ``(leaves,)``.
    """
    from scipy.sparse.linalg import spsolve

    rows = reduced.rows
    if not rows.shape[0]:
        return np.zeros(rows.shape[1])
    z = np.atleast_1d(spsolve((rows @ rows.T).tocsc(), reduced.totals))
    return np.asarray(rows.T @ z).ravel()


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


def _groups_of_reduced(reduced: Any, value: np.ndarray, t: int) -> Iterable[np.ndarray]:
    """As :func:`_groups_in_space`, from the space's reduced row echelon form (an array, or sparse)."""
    from scipy.sparse import issparse

    q = reduced.shape[0]
    if q <= _ENUMERATE_MAX:
        reduced = reduced.toarray() if issparse(reduced) else reduced
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
    # sparse as given (exact: no rounding noise to drop), else the entries below 1e-9 dropped
    rows = csc_array(reduced) if issparse(reduced) else np.where(np.abs(reduced) < 1e-9, 0.0, reduced)
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



def _sums_matrix(rows: Any) -> csc_array:
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


def groups_searched(reduced: Any, value: np.ndarray, t: int, free: np.ndarray, x_p: np.ndarray,
                     small_bases: list[np.ndarray]) -> Iterable[np.ndarray]:
    """The groups in range of a space, searched block by block of its reduced form.

    A 0/1 group of the space is a sum of groups of its blocks (they touch disjoint leaves);
    its value, 1..t-1, is then at least one block group's value, in range too. So the blocks'
    groups in range are what the whole space's search would report first, found at the cost
    of a sum of searches instead of one search over their product (or a dense integer
    program over every leaf). Only when every one of them is made of published small bases
    is the whole space searched, as a combination could then still be a finding.

    Args:
        reduced: the space's reduced row echelon form (:func:`reduced_rows`), sparse,
            ``rank x len(free)``; never made dense (it grows with the square of the
            countries), but a block of at most 20 rows that is enumerated.
        value: each free leaf's value, shape ``(len(free),)``.
        t: the threshold (a group of 1..t-1 is in range).
        free: the free leaves' positions among all, ascending.
        x_p: every leaf's value (one solution of the equations), shape ``(leaves,)``.
        small_bases: the published small bases, 0/1 over every leaf.
    """
    from scipy.sparse import csr_matrix

    reduced = csr_matrix(reduced)
    blocks = [(rows, np.unique(reduced[rows].indices)) for rows in linked(reduced.T)]
    in_range = []
    for rows, cols in blocks:
        # Sparse: one block can hold every country (the pooled column's row); an enumeration
        # makes its at most 20 rows dense.
        for part in _groups_of_reduced(reduced[rows][:, cols], value[cols], t):
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

