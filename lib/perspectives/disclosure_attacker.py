"""The attacker of the small-cell rule: what published counts fix about the leaves, and its search.

Held apart from :mod:`perspectives.disclosure` because it is linear algebra and integer
programming on arrays alone: it knows no layout, mask or table. Given the leaves' values,
the threshold and the published cells as rows over the leaves, it keeps the null space of
those equations (dense, or place by place in :class:`PlaceAttacker`) and finds the 0/1
groups of leaves the equations fix whose total lies within 1..t-1 (rule 1 of the module
docstring of :mod:`perspectives.disclosure`, section "How the rule is checked").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

# Beyond this many dimensions the 0/1 search over a row space goes to an integer program.
_ENUMERATE_MAX = 20
# A block of the space (see Attacker.violation) is searched by enumeration up to this many
# rows: the integer program answers whether a group in range exists as exactly, and past
# 2**16 sums it is the quicker.
_BLOCK_ENUMERATE_MAX = 16
# The integer program lists the groups in range one by one (each found one cut off), and a
# group that published small bases explain is passed over. After this many groups, every one
# explained, the search stops and answers "maybe": the cell tried is withheld. Listing on
# grows the work without bound on a small export (one step took a minute with 200 groups),
# and stopping with "none" would publish what was not proven safe.
_MILP_GROUPS_MAX = 12
_TOL = 1e-9
# Singular values below this are zero in the place-by-place search (:class:`PlaceAttacker`):
# its matrices are rows of orthonormal bases, whose scale is one, and a part that vanishes
# leaves rounding noise, which a tolerance relative to the largest value would count.
_RANK_TOL = 1e-10


class _SearchLimit(Exception):
    """The integer program listed :data:`_MILP_GROUPS_MAX` groups and did not finish."""


def null_space(a: np.ndarray) -> np.ndarray:
    """An orthonormal basis (columns) of the null space of ``a``, as ``scipy.linalg.null_space``.

    Only the right singular vectors are needed: the left ones are computed no larger than
    ``a`` (scipy's full SVD of a tall matrix builds a square left factor, which made the
    mask search grow with the cube of the number of countries). LAPACK's divide-and-conquer
    driver fails to converge on some large rank-deficient matrices; the QR-iteration driver
    then gives the same factors.

    Args:
        a: an ``m x n`` matrix.

    Returns:
        An ``n x (n - rank)`` matrix with orthonormal columns spanning ``{y: a @ y = 0}``.
    """
    # scipy only here: a run that draws no mask need not import it (half a second)
    from scipy.linalg import LinAlgError, svd

    m, n = a.shape
    try:
        _, s, vh = svd(a, full_matrices=m < n, check_finite=False)
    except LinAlgError:
        _, s, vh = svd(a, full_matrices=m < n, check_finite=False, lapack_driver="gesvd")
    tol = (s.max(initial=0.0)) * np.finfo(float).eps * max(m, n)
    rank = int((s > tol).sum())
    return vh[rank:, :].T.conj()


def _without(basis: np.ndarray, coeffs: np.ndarray) -> np.ndarray:
    """``basis`` restricted to the combinations whose image under ``coeffs`` is zero.

    The same subspace as ``basis @ null_space(coeffs[None, :])``, with orthonormal columns,
    by one Householder reflection (which maps ``coeffs`` onto one coordinate axis; the other
    axes span its null space): a rank-one update instead of an SVD and a full product.
    """
    norm = float(np.linalg.norm(coeffs))
    j = int(np.argmax(np.abs(coeffs)))
    w = coeffs / norm
    w[j] += 1.0 if w[j] >= 0 else -1.0
    reflected = basis - np.outer(basis @ w, w) * (2.0 / float(w @ w))
    return np.delete(reflected, j, axis=1)


class Attacker:
    """What the published counts fix about the leaves, kept as the null space of the equations.

    ``basis`` spans the leaf vectors the published cells cannot see (their null space); a
    0/1 group is fixed exactly when it is orthogonal to every column of ``basis``.
    """

    def __init__(self, values: np.ndarray, threshold: int, small_bases: list[np.ndarray],
                 known: Iterable[np.ndarray] = (), basis: Any = None) -> None:
        self.values = values
        self.t = threshold
        self.small_bases = small_bases  # published bases below t: their total is printed
        self.basis: Any = np.eye(len(values)) if basis is None else basis
        for row in known:
            self.basis = self.with_row(row)

    def with_row(self, row: np.ndarray) -> Any:
        """The null-space basis once ``row`` (a published cell) is known too."""
        return self.add(self.basis, row)

    def add(self, basis: Any, row: np.ndarray) -> Any:
        """``basis`` once ``row`` is known too (``basis`` itself when it implies the row already)."""
        return _with_row(basis, row)

    def violation(self, basis: np.ndarray, maybe: bool = True) -> np.ndarray | None:
        """A withheld group holding 1..t-1 that ``basis`` leaves fixed, or None.

        ``maybe``: where the search stops undecided (:data:`_MILP_GROUPS_MAX`), answer with
        the last group found (the caller then withholds); False answers only what is proven.
        """
        return next(self.violations(basis, maybe), None)

    def violations(self, basis: np.ndarray, maybe: bool = True) -> Iterable[np.ndarray]:
        """Every withheld group holding 1..t-1 that ``basis`` leaves fixed (the first ones first)."""
        x, t = self.values, self.t
        fixed_one = self._fixed_one(basis)
        for leaf in np.flatnonzero(fixed_one & (x >= 1) & (x < t)):
            group = np.zeros(len(x))
            group[leaf] = 1.0
            if not self._explained(group):
                yield group
        small = np.flatnonzero(~fixed_one & (x < t))
        if not len(small) or not basis.size:
            return
        yield from self._search(small, self._fixed_groups(basis, small), maybe)

    def _fixed_one(self, basis: np.ndarray) -> np.ndarray:
        """Which leaves ``basis`` fixes on their own (no free direction moves them)."""
        return np.abs(basis).max(axis=1, initial=0.0) < _TOL if basis.size else np.ones(len(self.values), bool)

    def _fixed_groups(self, basis: np.ndarray, small: np.ndarray) -> np.ndarray:
        """The space in which the 0/1 groups over ``small`` that ``basis`` fixes lie."""
        return null_space(basis[small].T)

    def _search(self, small: np.ndarray, space: np.ndarray, maybe: bool) -> Iterable[np.ndarray]:
        """The groups in 1..t-1 of ``space`` (columns: vectors over the leaves ``small``) not explained."""
        if space.shape[1] == 0:
            return
        reduced, _ = _rref(space.T)
        blocks = _blocks(reduced)
        if blocks:
            # The space is a sum of blocks on disjoint leaves; a 0/1 group of it is a sum of
            # 0/1 groups of the blocks, and its total (1..t-1, counts being >= 0) is at least
            # one block group's total, in 1..t-1 too. So a block search that finds no group
            # in range proves there is none, at the cost of a sum of 2**q_block instead of
            # the product; an unexplained one found is a violation. Only when every group in
            # range is explained by published small bases is the whole space searched.
            in_range = False  # (one block: the same search, by the quicker method for its size)
            unexplained = False
            for rows, cols in blocks:
                for found in self._unexplained(reduced[np.ix_(rows, cols)], small[cols], _BLOCK_ENUMERATE_MAX, maybe):
                    in_range = True
                    if found is not None:
                        unexplained = True
                        yield found
            if not in_range or unexplained:
                return
        yield from filter(lambda g: g is not None, self._unexplained(reduced, small, _ENUMERATE_MAX, maybe))

    def _unexplained(self, reduced: np.ndarray, leaves: np.ndarray, enumerate_max: int,
                     maybe: bool) -> Iterable[np.ndarray | None]:
        """Each group in range of the space ``reduced`` over ``leaves``: itself when unexplained, else None.

        Past :data:`_MILP_GROUPS_MAX` explained groups from the integer program, the last one
        is given as unexplained when ``maybe``: the search could not rule a disclosure out, so
        the caller withholds (the safe answer; see the constant).
        """
        x = self.values
        group = np.zeros(len(x))
        try:
            for found in _zero_one_in(reduced, x[leaves], self.t, enumerate_max):
                group = np.zeros(len(x))
                group[leaves] = found
                yield None if self._explained(group) else group
        except _SearchLimit:
            if maybe:
                yield group

    def _explained(self, group: np.ndarray) -> bool:
        """A group whose total is that of published small bases (plus nobody) discloses nothing."""
        rest = group.copy()
        for base in self.small_bases:
            if np.all(rest[base > 0] > 0.5):
                rest = rest - base
        return float(rest @ self.values) == 0.0 and bool((rest >= -_TOL).all())


@dataclass(frozen=True, eq=False)
class _Split:
    """A null space kept place by place: each place's own, then what rows across places remove.

    The null space is ``{(N_p c_p)_p : q.T @ c = 0}``: ``nulls[p]`` (``N_p``, orthonormal
    columns) spans what the rows within place ``p`` leave unknown of its leaves, and ``q``
    (orthonormal columns, in the coordinates ``c`` of all the ``N_p`` one after the other)
    what the rows across places tell of them.
    """

    nulls: tuple[np.ndarray, ...]
    q: np.ndarray

    @property
    def size(self) -> int:
        """The dimension of the space (0: every leaf is fixed)."""
        return sum(n.shape[1] for n in self.nulls) - self.q.shape[1]


def _sparse_rows(rows: Any, n: int) -> Iterable[tuple[np.ndarray, np.ndarray]]:
    """(columns, coefficients) of each row of a sparse matrix, or of a list of dense rows."""
    if hasattr(rows, "indptr"):
        for r in range(rows.shape[0]):
            lo, hi = rows.indptr[r], rows.indptr[r + 1]
            yield rows.indices[lo:hi].astype(np.intp), rows.data[lo:hi]
        return
    for row in rows:
        cols = np.flatnonzero(np.asarray(row)[:n])
        yield cols, np.asarray(row)[cols]


class PlaceAttacker(Attacker):
    """The attacker of :class:`Attacker`, its null space kept place by place (:class:`_Split`).

    Every leaf belongs to one place, and most published cells and ties lie within one place;
    the pooled cells are the few rows across places. A dense basis of the null space has a
    column per unknown leaf of every place: with a hundred countries the population table's
    pooled step worked on 3,300 x 2,600 matrices (an SVD of that size for every cell tried).
    Kept place by place, the work is a small matrix per place and a few vectors across them.
    The spaces are the same, and so are the groups found: the fixed groups are searched in
    the reduced row echelon form of their space, which depends on the space alone.
    """

    def __init__(self, values: np.ndarray, threshold: int, small_bases: list[np.ndarray],
                 known: Iterable[np.ndarray], places: np.ndarray) -> None:
        self.blocks = [np.flatnonzero(places == p) for p in range(int(places.max(initial=-1)) + 1)]
        position = np.zeros(len(places), dtype=np.intp)  # a leaf's position in its place's block
        for block in self.blocks:
            position[block] = np.arange(len(block))
        local: list[list[np.ndarray]] = [[] for _ in self.blocks]
        across = []
        for cols, coefs in _sparse_rows(known, len(places)):
            keep = np.abs(coefs) > _TOL
            cols, coefs = cols[keep], coefs[keep]
            touched = np.unique(places[cols])
            if len(touched) == 1:
                row = np.zeros(len(self.blocks[int(touched[0])]))
                np.add.at(row, position[cols], coefs)
                local[int(touched[0])].append(row)
            elif len(touched):
                row = np.zeros(len(places))
                np.add.at(row, cols, coefs)
                across.append(row)
        nulls = tuple(null_space(np.vstack(rows)) if rows else np.eye(len(block))
                      for rows, block in zip(local, self.blocks, strict=True))
        self.starts = np.cumsum([0, *(n.shape[1] for n in nulls)])
        super().__init__(values, threshold, small_bases, across, _Split(nulls, np.zeros((int(self.starts[-1]), 0))))

    def _coords(self, split: _Split, row: np.ndarray) -> np.ndarray:
        return np.concatenate([row[block] @ n for block, n in zip(self.blocks, split.nulls, strict=True)])

    def add(self, basis: Any, row: np.ndarray) -> Any:
        """``basis`` once ``row`` is known too (``basis`` itself when it implies the row already)."""
        if not isinstance(basis, _Split):
            return _with_row(basis, row)
        z = self._coords(basis, row)
        for _ in range(2):  # twice: orthogonal to working precision
            z = z - basis.q @ (basis.q.T @ z)
        if np.abs(z).max(initial=0.0) < _TOL:
            return basis
        return _Split(basis.nulls, np.hstack([basis.q, (z / np.linalg.norm(z))[:, None]]))


    def _fixed_one(self, split: Any) -> np.ndarray:
        """The leaves the published cells fix one by one: those the null space does not reach."""
        if not isinstance(split, _Split):
            return super()._fixed_one(split)
        fixed = np.zeros(len(self.values), bool)
        q = split.q
        for p, (block, n) in enumerate(zip(self.blocks, split.nulls, strict=True)):
            lo, hi = self.starts[p], self.starts[p + 1]
            # A leaf's image in the null space: its row of N_p, less what the rows across places
            # tell of it (in its own place and, through them, in the others).
            c = n @ q[lo:hi]
            near = np.abs(n - c @ q[lo:hi].T).max(axis=1, initial=0.0) < _TOL
            if near.any():  # only a leaf its own place leaves unknown can be fixed: the rest is checked for those
                other = c[near] @ q.T
                other[:, lo:hi] = 0.0
                fixed[block[near]] = np.abs(other).max(axis=1, initial=0.0) < _TOL
        return fixed

    def _fixed_groups(self, split: Any, small: np.ndarray) -> np.ndarray:
        """A basis (columns, over ``small``) of the vectors on ``small`` the published cells fix.

        ``g`` is fixed when ``M_p g_p = q_p a`` for some ``a`` at every place ``p`` (``M_p``:
        the rows of ``N_p`` at the place's small leaves, transposed): the groups fixed within
        one place (``a = 0``), and for each ``a`` that every place can meet, one group across.
        """
        if not isinstance(split, _Split):
            return super()._fixed_groups(split, small)
        where = np.full(len(self.values), -1)
        where[small] = np.arange(len(small))
        q = split.q
        within, across_d, solve = [], [], []
        for p, (block, n) in enumerate(zip(self.blocks, split.nulls, strict=True)):
            lo, hi = self.starts[p], self.starts[p + 1]
            at = block[where[block] >= 0]
            m = n[np.isin(block, at)].T  # k_p x s_p
            qp = q[lo:hi]
            if m.size:
                u, s, vh = np.linalg.svd(m, full_matrices=True)
                rank = int((s > _RANK_TOL).sum())
            else:
                u, s, vh, rank = np.eye(m.shape[0]), np.zeros(0), np.eye(m.shape[1]), 0
            for v in vh[rank:]:
                g = np.zeros(len(small))
                g[where[at]] = v
                within.append(g)
            ur = u[:, :rank]
            across_d.append(qp - ur @ (ur.T @ qp))
            # M_p's pseudo-inverse applied to q_p: the place's part of a group across places
            solve.append((where[at], vh[:rank].T @ ((ur.T @ qp) / s[:rank, None])))
        vectors = within
        if q.shape[1]:
            # The a's every place can meet: the parts of q_p outside the range of M_p must vanish.
            _, s, vh = np.linalg.svd(np.vstack(across_d), full_matrices=True)
            for a in vh[int((s > _RANK_TOL).sum()):]:
                g = np.zeros(len(small))
                for at, part in solve:
                    g[at] = part @ a
                vectors.append(g)
        return np.array(vectors).T if vectors else np.zeros((len(small), 0))


def _rref(rows: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Reduced row echelon form (floats, partial pivoting) and the pivot columns."""
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
        a[r] /= a[r, col]
        for other in range(a.shape[0]):
            if other != r:
                a[other] -= a[other, col] * a[r]
        pivots.append(col)
        r += 1
    return a[:r], pivots


def _blocks(reduced: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Group the rows of a reduced row echelon form into blocks that share columns.

    Returns (rows, columns) of each block; blocks touch disjoint columns, and each one is in
    reduced form too.
    """
    q = reduced.shape[0]
    parent = list(range(q))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    nonzero = np.abs(reduced) > 1e-9
    for col in range(reduced.shape[1]):
        rows = np.flatnonzero(nonzero[:, col])
        for r in rows[1:]:
            a, b = find(int(rows[0])), find(int(r))
            if a != b:
                parent[b] = a
    members: dict[int, list[int]] = {}
    for r in range(q):
        members.setdefault(find(r), []).append(r)
    out = []
    for rows in members.values():
        idx = np.array(rows)
        out.append((idx, np.flatnonzero(nonzero[idx].any(axis=0))))
    return out


def _zero_one_vectors(span_rows: np.ndarray, values: np.ndarray, t: int) -> Iterable[np.ndarray]:
    """0/1 vectors of the row space of ``span_rows`` whose weighted sum is 1..t-1."""
    reduced, _ = _rref(span_rows)
    yield from _zero_one_in(reduced, values, t)


def _zero_one_in(reduced: np.ndarray, values: np.ndarray, t: int,
                 enumerate_max: int = _ENUMERATE_MAX) -> Iterable[np.ndarray]:
    """0/1 vectors of the row space of ``reduced`` whose weighted sum is 1..t-1.

    ``reduced`` is in reduced row echelon form, pivots first in each row. All vectors are
    enumerated up to ``enumerate_max`` rows; beyond that the integer program finds them.
    """
    q = reduced.shape[0]
    if q > enumerate_max:
        yield from _zero_one_vectors_milp(reduced, values, t)
        return
    # In reduced form a vector of the space is the sum of the rows at its pivots, and a 0/1
    # vector has 0 or 1 there: the 2**q sums of rows are all of them (checked in chunks).
    chunk = 1 << 14
    for start in range(1, 1 << q, chunk):
        codes = np.arange(start, min(start + chunk, 1 << q))
        choose = ((codes[:, None] >> np.arange(q)[None, :]) & 1).astype(float)
        vecs = choose @ reduced
        zero_one = np.all((np.abs(vecs) < 1e-7) | (np.abs(vecs - 1) < 1e-7), axis=1)
        totals = np.round(vecs) @ values
        for k in np.flatnonzero(zero_one & (totals >= 1) & (totals <= t - 1)):
            yield np.round(vecs[k])


def _zero_one_vectors_milp(reduced: np.ndarray, values: np.ndarray, t: int) -> Iterable[np.ndarray]:
    """The same search as an integer program, for spaces too large to enumerate.

    In reduced form a 0/1 vector of the space is the sum of the rows at its pivots: the
    program chooses those rows (0/1) and requires their sum to be 0/1 everywhere, an exact
    statement with the form's small whole coefficients. (Asking instead that the vector be
    orthogonal to a floating-point basis of the complement made the solver call feasible
    problems infeasible, and miss groups, with a hundred countries.)

    Raises:
        _SearchLimit: after :data:`_MILP_GROUPS_MAX` vectors, when more may remain.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    q, k = reduced.shape
    rows = np.where(np.abs(reduced) < 1e-9, 0.0, reduced)
    sums = np.hstack([-rows.T, np.eye(k)])  # vector - chosen rows' sum = 0
    cuts: list[np.ndarray] = []
    for _ in range(_MILP_GROUPS_MAX):
        constraints = [LinearConstraint(np.hstack([np.zeros(q), values])[None, :], 1, t - 1),
                       LinearConstraint(sums, -1e-9, 1e-9)]
        for cut in cuts:
            constraints.append(LinearConstraint(np.hstack([np.zeros(q), np.where(cut > 0.5, 1.0, -1.0)])[None, :],
                                                -np.inf, cut.sum() - 1))
        res = milp(np.zeros(q + k), constraints=constraints, integrality=np.ones(q + k), bounds=Bounds(0, 1))
        if res.x is None:
            return
        vec = np.round(res.x[q:])
        yield vec
        cuts.append(vec)
    raise _SearchLimit


def _with_row(basis: np.ndarray, row: np.ndarray) -> np.ndarray:
    coeffs = row @ basis
    return basis if np.abs(coeffs).max(initial=0.0) < _TOL else _without(basis, coeffs)
