"""The small-cell rule's greedy search: which cells of a layout are withheld, and which show a share only.

Held apart from :mod:`perspectives.disclosure` (whose :func:`~perspectives.disclosure.suppress`
calls :func:`decide` for each place and for the pooled cells, and remembers the results)
because it is the one job of turning a layout and its linked masks into the attacker's
equations (sparse rows over the leaves, leaves alike merged) and choosing the cells
greedily: the module docstring of :mod:`perspectives.disclosure`, sections "How
complementary cells are chosen" and "How the rule is checked", describes it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from perspectives.disclosure_attacker import Attacker, PlaceAttacker
from perspectives.disclosure_cells import POOLED_PLACE, SHARE_DIGITS, Layout, Mask, rounding_interval
from perspectives.fmt import round_half_up

# Up to this many places a table linked to the population table may show pooled shares alone
# (see decide); the study's twelve countries of a "few" (params/study.yml many_countries).
_LINKED_SHARES_MAX_PLACES = 12


class DisclosureError(ValueError):
    """The numbers another table must publish already reveal a small group."""


@dataclass
class _Problem:
    """The attacker's view of one layout with the masks linked to it: leaves, cells, what is known.

    The equations are sparse (each names a few leaves): with a hundred countries a table of
    the chain of withheld bases is linked to the population table and to every table before
    it, tens of thousands of cells over as many leaves, which as dense rows held gigabytes.
    """

    leaves: list[tuple[str, str, str]]
    x: np.ndarray
    cells: list[str]                        # the layout's own cells, in the order of ``own``
    own: Any                                # their rows (sparse, cells x leaves)
    known: Any                              # linked published cells and ties (sparse rows)
    known_values: np.ndarray                # ... and their values
    small: Any                              # linked published bases below t (sparse rows)

    def __post_init__(self) -> None:
        self._at = {cell: k for k, cell in enumerate(self.cells)}

    def row(self, cell: str) -> np.ndarray:
        """One of the layout's cells as a dense row over the leaves."""
        return self.own[self._at[cell]].toarray().ravel()

    def leafset(self, cell: str) -> bytes:
        """The leaves a cell counts, as bytes (two cells of the same leaves give the same bytes)."""
        row = self.own[self._at[cell]]
        return np.sort(row.indices[row.data > 0.5]).astype(np.intp).tobytes()

    def rows_of(self, cells: Iterable[str]) -> Any:
        """Some of the layout's cells' rows (sparse)."""
        return self.own[[self._at[c] for c in cells]]


def _problem(lay: Layout, linked: Sequence[Mask], t: int) -> _Problem:
    from scipy.sparse import csr_matrix

    leaves: list[tuple[str, str, str]] = []
    values: list[float] = []
    for fam in [lay, *(m.layout for m in linked)]:
        grid = fam.counts.to_numpy(dtype=float)
        for i, c in enumerate(fam.categories):
            for j, p in enumerate(fam.places):
                leaves.append((fam.universe, p, c))
                values.append(grid[i, j])
    index = {leaf: i for i, leaf in enumerate(leaves)}

    def columns(universe: str, places: Iterable[str], cats: Iterable[str]) -> list[int]:
        return [index[(universe, p, c)] for c in cats for p in places]

    def matrix(rows: list[tuple[list[int], list[float]]]) -> Any:
        indptr = np.cumsum([0, *(len(cols) for cols, _ in rows)])
        cols = np.array([c for cols, _ in rows for c in cols], dtype=np.int64)
        data = np.array([v for _, vals in rows for v in vals], dtype=float)
        out = csr_matrix((data, cols, indptr), shape=(len(rows), len(leaves)))
        out.sum_duplicates()
        return out

    x = np.array(values)
    cells = list(lay.cells)
    own_cols = {cell: columns(lay.universe, *lay.cells[cell]) for cell in cells}
    known: list[tuple[list[int], list[float]]] = []
    known_values: list[float] = []
    small: list[tuple[list[int], list[float]]] = []
    universes = {m.universe: m for m in linked}
    for m in linked:
        for cell, (places, cats) in m.layout.cells.items():
            if m.shown(cell):
                cols = columns(m.universe, places, cats)
                value = float(x[cols].sum())
                known.append((cols, [1.0] * len(cols)))
                known_values.append(value)
                if cell in m.layout.bases and 1 <= value < t:
                    small.append((cols, [1.0] * len(cols)))
    for cell, (universe, places, cats) in lay.same_as.items():
        other = universes.get(universe)
        if other is not None and set(places) <= set(other.layout.places):
            theirs = columns(universe, places, cats)
            known.append((own_cols[cell] + theirs, [1.0] * len(own_cols[cell]) + [-1.0] * len(theirs)))
            known_values.append(0.0)
    prob = _Problem(leaves, x, cells, matrix([(own_cols[c], [1.0] * len(own_cols[c])) for c in cells]),
                    matrix(known), np.array(known_values), matrix(small))
    return _merged(prob)


def _merged(prob: _Problem) -> _Problem:
    """The same problem with the leaves that every equation treats alike merged into one.

    Two leaves whose columns are equal in every row (every cell the layout may publish,
    every linked cell and tie) are equal in every vector of any row space those rows span:
    a group the attacker can fix holds both or neither. Merging them (their counts added) is
    exact, and it makes the linked population table, whose atoms most cells do not tell
    apart, as small as the distinctions the published cells draw.
    """
    from scipy.sparse import vstack

    matrix = vstack([prob.own, prob.known, prob.small], format="csr")
    first, inverse = _same_columns(matrix)
    if len(first) == len(prob.x):
        return prob
    order = np.argsort(first)              # keep the leaves' first-seen order
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    group = rank[inverse]
    keep = first[order]
    x = np.bincount(group, weights=prob.x, minlength=len(keep))
    leaves = [prob.leaves[k] for k in keep]
    squeezed = matrix.tocsc()[:, keep].tocsr()
    k, n = prob.own.shape[0], prob.known.shape[0]
    return _Problem(leaves, x, prob.cells, squeezed[:k], squeezed[k:k + n], prob.known_values,
                    squeezed[k + n:])


def _same_columns(matrix: Any) -> tuple[np.ndarray, np.ndarray]:
    """Which columns of a sparse ``matrix`` are equal: each class's first column, and each column's class.

    The classes of ``np.unique`` of the columns (``return_index``, ``return_inverse``; numbered
    in another order, which :func:`_merged` does not read), without making the matrix dense
    or sorting its columns: with a hundred countries a chain table's problem has ten
    thousand columns of thousands of rows. The equations' coefficients are 0 and +-1, so each
    column gets three signatures, its sums with random whole weights below 2**20: every
    partial sum is a whole number below 2**53, exact in floating point whatever the order of
    the sum. Columns alike in all three are then compared entry by entry; a pair that
    differs (the signatures make it unlikely beyond measure) is told apart by its entries.
    """
    n_rows, n_cols = matrix.shape
    if not n_cols:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    weights = np.random.default_rng(20210726).integers(1, 2**20, size=(n_rows, 3)).astype(float)
    whole = bool(np.isin(matrix.data, (-1.0, 0.0, 1.0)).all()) and n_rows < 2**32
    signatures = np.asarray(matrix.T @ weights) if whole else np.zeros((n_cols, 3))
    _, first, inverse = np.unique(signatures, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    columns = matrix.tocsc()
    columns.sum_duplicates()
    columns.eliminate_zeros()

    def entries(j: int) -> tuple[bytes, bytes]:
        lo, hi = columns.indptr[j], columns.indptr[j + 1]
        return columns.indices[lo:hi].tobytes(), columns.data[lo:hi].tobytes()

    shared = np.bincount(inverse, minlength=len(first)) > 1
    if not shared.any():
        return first, inverse
    # Within a class of equal signatures, the columns' entries decide (almost always all alike).
    classes: dict[tuple[int, tuple[bytes, bytes]], int] = {}
    firsts: list[int] = []
    out = np.empty(n_cols, dtype=np.intp)
    for j in range(n_cols):
        key = (int(inverse[j]), entries(j) if shared[inverse[j]] else (b"", b""))
        if key not in classes:
            classes[key] = len(firsts)
            firsts.append(j)
        out[j] = classes[key]
    return np.array(firsts, dtype=np.intp), out


def decide(lay: Layout, t: int, linked: Sequence[Mask], share_only: bool,
           share_digits: Sequence[int] = (SHARE_DIGITS,)) -> tuple[set[str], dict[str, int]]:
    """The greedy search of the module docstring: the cells withheld, and the share-only ones.

    Args:
        lay: The layout, with the cells another table publishes or withholds.
        t: The threshold.
        linked: The masks of the families the layout is tied to.
        share_only: Whether a withheld pooled cell may show its rounded share alone.
        share_digits: The precisions such a share may be published at, finest first
            (``disclosure.share_digits``: 0 whole percent, -1 the nearest ten points).

    Returns:
        The cells withheld, and the share-only cells with the decimals each share is rounded to.
    """
    from scipy.sparse import vstack

    prob = _problem(lay, linked, t)
    x = prob.x
    values = {cell: int(round(float(v))) for cell, v in zip(prob.cells, prob.own @ x, strict=True)}
    known = vstack([prob.known, prob.rows_of(sorted(lay.published))], format="csr")
    places = _place_index(prob.leaves)
    small_bases = [row for row in prob.small.toarray()]
    attacker = PlaceAttacker(x, t, small_bases, known, places) if places.max(initial=0) > 0 \
        else Attacker(x, t, small_bases, known.toarray())
    published: set[str] = set()
    for cell in sorted(lay.published):
        published.add(cell)
        if cell in lay.bases and 1 <= values[cell] < t:
            attacker.small_bases.append(prob.row(cell))
    if lay.published or prob.known.shape[0]:
        # Cells that are published whatever this table does (the sample flow, other tables'):
        # only a proven group is an error here.
        group = attacker.violation(attacker.basis, maybe=False)
        if group is not None:
            raise DisclosureError(f"{lay.universe}: the cells other tables publish reveal a group of "
                                  f"{int(group @ x)} ({_describe(group, prob.leaves)})")
    # A cell counting the very respondents of a withheld cell is withheld with it (printing it
    # would publish what the other withholds, whether or not that is a small group).
    withheld_sets = {prob.leafset(c) for c in lay.withheld}
    first = [c for c in lay.first if c not in lay.bases]
    others = sorted((c for c in lay.cells if c not in lay.bases and c not in lay.first),
                    key=lambda c: (-values[c], c))
    # Linked to the population table with many places, the pooled cells are published only
    # where the published cells already fix them: the search over every place's atoms would
    # outgrow a build, and publishing what is known already is always safe.
    searched = not (share_only and linked and len(lay.places) > _LINKED_SHARES_MAX_PLACES)
    for cell in [*lay.bases, *first, *others]:
        if cell in published or cell in lay.withheld:
            continue
        leafset = prob.leafset(cell)
        small = cell not in lay.bases and 1 <= values[cell] < t  # a small count is never printed
        # A zero on a small base that is withheld says "none of that small group", and no
        # report prints it (the place's column shows no share, and is left out): withheld
        # with its base, as on a small base printed (rule 2), so that what the reports leave
        # out is what the rule withholds, and its upper protection is checked with the rest.
        base = f"{cell.split('|', 1)[0]}|*"
        small |= values[cell] == 0 and cell not in lay.bases and base in values and base not in published \
            and 1 <= values[base] < t
        if leafset in withheld_sets or small:
            withheld_sets.add(leafset)
            continue
        small_base = cell in lay.bases and 1 <= values[cell] < t
        if small_base:  # a printed base is no disclosure (rule 2): a group that is the base is explained
            attacker.small_bases.append(prob.row(cell))
        trial = attacker.with_row(prob.row(cell))
        # A cell the published ones already fix adds nothing an attacker does not know.
        if trial is attacker.basis or (searched and attacker.violation(trial) is None):
            attacker.basis = trial
            published.add(cell)
        else:
            withheld_sets.add(leafset)
            if small_base:
                attacker.small_bases.pop()
    withheld = set(lay.cells) - published
    # Linked to the population table, a pooled share's interval is judged against the atoms
    # of every place: with many places that search outgrows a build, so such a table then
    # shows no share alone (it withholds, which is always safe).
    allowed = share_only and (not linked or len(lay.places) <= _LINKED_SHARES_MAX_PLACES)
    chosen = _share_only(lay, prob, attacker, published, values, t, share_digits) if allowed else {}
    return withheld, chosen


def _place_index(leaves: Sequence[tuple[str, str, str]]) -> np.ndarray:
    """Each leaf's place, numbered in order of first appearance."""
    numbers: dict[str, int] = {}
    return np.array([numbers.setdefault(place, len(numbers)) for _, place, _ in leaves], dtype=int)



def _share_only(lay: Layout, prob: _Problem, attacker: Attacker, published: set[str], values: dict[str, int],
                t: int, share_digits: Sequence[int] = (SHARE_DIGITS,)) -> dict[str, int]:
    """Pooled cells withheld as counts whose rounded share alone can be published, with its decimals.

    A share of a published base, rounded as printed, tells the count only to an interval.
    The cell is taken at the first precision of ``share_digits`` (finest first) at which no
    group holding 1..t-1 that the exact count would fix is, with every interval so far,
    known to lie within 1..t-1, and no withheld cell's greatest value is brought below
    ``t`` (the integer program's least and greatest value of the group, counts being whole
    and >= 0). A coarser precision widens the interval: rounding as a protection method
    (Hundepool et al. 2012, *Statistical Disclosure Control*, ch. 5, rounding; the
    protection interval of tau-ARGUS). None fits: the share is withheld with its count.
    """
    chosen: dict[str, int] = {}
    intervals: list[tuple[np.ndarray, int, int]] = []
    candidates = sorted((c for c in lay.cells if c.startswith(f"{POOLED_PLACE}|") and c not in published
                         and c not in lay.withheld and c not in lay.bases and values[c] >= t),
                        key=lambda c: (-values[c], c))
    equalities = [*zip(prob.known.toarray(), prob.known_values, strict=True),
                  *((prob.row(c), float(values[c])) for c in sorted(published))]
    for cell in candidates:
        base = f"{cell.split('|', 1)[0]}|*"
        if base not in published or values[base] == 0:
            continue
        for digits in share_digits:
            trial = _share_trial(prob, attacker, cell, values[cell], values[base], digits, intervals, equalities,
                                 lay, published | set(chosen), t)
            if trial is not None:
                chosen[cell] = digits
                intervals = trial
                break
    return chosen


def _share_trial(prob: _Problem, attacker: Attacker, cell: str, count: int, base: int, digits: int,
                 intervals: list[tuple[np.ndarray, int, int]], equalities: list[tuple[np.ndarray, float]],
                 lay: Layout, shown: set[str], t: int) -> list[tuple[np.ndarray, int, int]] | None:
    """The intervals with ``cell``'s share at ``digits`` decimals, or None when that share pins a small group."""
    share = round_half_up(100.0 * count / base, digits)
    lo, hi = rounding_interval(share, base, digits)
    if lo >= hi:
        return None  # the share gives the count itself, which the rule withholds
    trial = [*intervals, (prob.row(cell), lo, hi)]
    basis = attacker.basis
    for vec, _, _ in trial:
        basis = attacker.add(basis, vec)
    groups = itertools.islice(attacker.violations(basis), 64)
    if any(_pinned(g, prob.x, equalities, trial, t) for g in groups) \
            or _bounds_below(lay, prob, shown, equalities, intervals, trial, t):
        return None
    return trial


def _bounds_below(lay: Layout, prob: _Problem, shown: set[str], equalities: list[tuple[np.ndarray, float]],
                  before: list[tuple[np.ndarray, int, int]], after: list[tuple[np.ndarray, int, int]], t: int) -> bool:
    """Whether the intervals ``after`` bring a withheld cell's greatest whole value to 1..t-1.

    A withheld count known to be below the threshold tells that it is small (tau-ARGUS: its
    protection interval must reach the threshold, the upper protection level). Only a cell
    the new interval brings there counts: one already there is not this share's doing.
    """
    for cell in sorted(set(lay.cells) - shown - set(lay.bases)):
        row = prob.row(cell)
        if 1 <= _greatest(row, prob.x, equalities, after) <= t - 1 \
                and not 1 <= _greatest(row, prob.x, equalities, before) <= t - 1:
            return True
    return False


def _greatest(group: np.ndarray, x: np.ndarray, equalities: list[tuple[np.ndarray, float]],
              intervals: list[tuple[np.ndarray, int, int]]) -> float:
    """The greatest whole, non-negative value of ``group`` under the equalities and intervals (inf: unbounded)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    rows = [(vec, value, value) for vec, value in equalities] + [(vec, float(lo), float(hi)) for vec, lo, hi in intervals]
    constraints = [LinearConstraint(np.array([r for r, _, _ in rows]), np.array([lo for _, lo, _ in rows]),
                                    np.array([hi for _, _, hi in rows]))] if rows else []
    res = milp(-group, constraints=constraints, integrality=np.ones(len(x)), bounds=Bounds(0, float(x.sum())))
    return float(group @ np.round(res.x)) if res.x is not None else float("inf")


def _pinned(group: np.ndarray, x: np.ndarray, equalities: list[tuple[np.ndarray, float]],
            intervals: list[tuple[np.ndarray, int, int]], t: int) -> bool:
    """Whether every whole, non-negative solution puts ``group`` within 1..t-1."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    constraints = []
    if equalities:
        a = np.array([vec for vec, _ in equalities])
        b = np.array([value for _, value in equalities])
        constraints.append(LinearConstraint(a, b, b))
    if intervals:
        constraints.append(LinearConstraint(np.array([vec for vec, _, _ in intervals]),
                                            np.array([lo for _, lo, _ in intervals], dtype=float),
                                            np.array([hi for _, _, hi in intervals], dtype=float)))
    bounds = Bounds(0, float(x.sum()))
    ends = []
    for sign in (1.0, -1.0):
        res = milp(sign * group, constraints=constraints, integrality=np.ones(len(x)), bounds=bounds)
        if res.x is None:
            return False
        ends.append(float(group @ np.round(res.x)))
    low, high = ends
    return low >= 1 and high <= t - 1


def _describe(group: np.ndarray, leaves: list[tuple[str, str, str]]) -> str:
    return ", ".join(f"{u}:{p}/{c}" for (u, p, c), g in zip(leaves, group, strict=True) if g > 0.5)
