"""The disclosure audit of a build's outputs, done from what was published and nothing else.

Purpose
    After each run the build calls :func:`audit_run_folder` on what the run wrote. The audit
    plays an outsider who has the run's tables (``tables/*.csv``) and recorded values
    (``values.json``) and tries to recover small groups of respondents. It does not import
    or call the code that chose what to withhold (:mod:`perspectives.disclosure`): it reads
    the published numbers and the descriptions published beside them, and works out on its
    own what they fix. :func:`audit_outputs` does the same for a whole build (every report,
    and the fidelity page), or for several builds at once (the study's and a partner's
    build of one country: their numbers go into the same equations).

    The checks, each a finding that names the table (or ``values.json``, or the fidelity
    page):

    - ``sum``: parts do not add up to their base (a count larger than its base, a base whose
      published parts, all shown, do not sum to it; a percentage that is not its count over
      its base within rounding).
    - ``small-group``: a group of respondents holding 1 to threshold-1 is fixed by the
      published numbers (a small count printed, or a withheld group worked out by
      subtraction or by combining totals, in one table, across tables, between two bases of
      sub-populations, or between two builds), or is known to lie within 1..threshold-1
      (rounded shares and whole, non-negative counts); a published base is not a finding,
      nor a group that is a published base.
    - ``reveals``: a number withheld in one place is published in another, e.g. a
      percentage which, with its shown n, gives a count the table withholds; a test
      statistic published on a table with a withheld cell (the statistic can be inverted);
      or a fidelity verdict on a withheld value (it pins the value within a unit of the
      printed claim).
    - ``undescribed``: a table without its description (``<stem>.disclosure.json``).

What the outputs carry
    Every recorded count or share in ``values.json`` has ``cells`` (``universe``,
    ``places``, ``categories``: the answers and countries it sums) and, for a share,
    ``of`` (its base) and ``n``; a withheld value has ``value: null`` and ``suppressed:
    true``; a share printed alone, rounded, has ``digits``; a part shown within its
    combination has ``combined: true``. A test's statistic, df and p have ``measure:
    "test"`` and the ``cells`` of the table it was computed on.
    ``tables/<stem>.disclosure.json`` lists, for each table cell that shows a count or a
    share, its position (0-based data row and column of the CSV) and the same
    ``cells``/``of``. A cell reading ``–`` is withheld, ``↓`` is shown within its
    combination (unknown here, as a withheld cell). ``same_as`` ties cells of two families
    that count the same respondents: every table's base is tied to the atoms of the
    ``population`` family (:mod:`perspectives.populations`), whose names say nothing of
    the data, so a difference of two bases of different tables is a group of atoms.
    ``fidelity/claims.disclosure.json`` lists, for each claim the fidelity page gives a
    value or a verdict, the recorded values, mask cells and participant counts it shows.

Method
    Published counts are linear equations on the finest counts (the leaves); ties are
    equations too. A 0/1 group of leaves is fixed exactly when it lies in the row space of
    the equations (orthogonal to their null space); its value is then the group's sum over
    any solution. Leaves fixed one by one are read off; among the others, the 0/1 vectors of
    the row space are enumerated through a reduced row echelon basis (or found by an integer
    program when the space is large), and any whose value is 1 to threshold-1 is a finding:
    this is the population-differencing attack of the Eurostat/ESSnet *Handbook on
    Statistical Disclosure Control* (Hundepool et al. 2012, Wiley, chapters 4 and 5) over
    every table at once, linked tables included. Shares printed alone give intervals: one
    whole solution of everything published is found, the intervals are taken as exact at
    it to list the groups they could fix, and an integer program gives each one's least and
    greatest value (the linear programming attack, made exact for whole counts).

Inputs
    A run folder (``values.json``, ``tables/``) or one or more output folders; the threshold
    (default ``disclosure.threshold`` of ``params/study.yml``).

Outputs
    A list of :class:`Finding` (empty: nothing found); :func:`loss`, a report's withheld
    counts out of the counts it sets out to give.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.linalg import LinAlgError, svd

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = ["Finding", "Loss", "audit_outputs", "audit_run_folder", "loss"]

WITHHELD = "–"
COMBINED = "↓"  # a part shown within its combination's row: unknown here, as a withheld cell is
_TOL = 1e-6
MEAN_DIGITS = 1  # a mean's decimals in values.json: as the tables print it
# What a withheld claim's note on the fidelity page may say (nothing of the number).
WITHHELD_NOTES = ("withheld under the small-cell rule: no value and no verdict are given",
                  "the published report contradicts itself on this claim; "
                  "withheld under the small-cell rule: no value and no verdict are given")
_ENUMERATE_MAX = 20
# Columns every sum of an enumeration is tried on first (the most linked ones).
_PROBE_COLUMNS = 24

Leaf = tuple[str, str, str]  # (universe, place, category)


@dataclass(frozen=True)
class Finding:
    """One problem: where it is (a table or values.json), its kind and what was found."""

    source: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.source}: {self.kind}: {self.detail}"


@dataclass
class _Obs:
    """One published (or withheld) number about a set of leaves."""

    source: str
    leaves: frozenset[Leaf]
    count: float | None      # the count it fixes; None: withheld, or not exactly known
    withheld: bool
    is_percent: bool = False


def _leaves(spec: dict[str, Any]) -> frozenset[Leaf]:
    universes = spec["universe"] if isinstance(spec["universe"], list) else [spec["universe"]]
    return frozenset((str(u), str(p), str(c)) for u in universes for p in spec["places"]
                     for c in spec["categories"])


def _round_half_up(x: float, digits: int) -> float:
    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def _counts_for_percent(p: float, digits: int, n: int) -> list[int]:
    """The counts out of ``n`` that print as ``p`` percent with ``digits`` decimals."""
    return [k for k in range(n + 1) if _round_half_up(100.0 * k / n, digits) == p]


_NUM = r"([0-9][0-9,]*(?:\.[0-9]+)?)"


def _parse_count(text: str) -> int | None:
    m = re.search(r"\(n=" + _NUM + r"\)", text) or re.match(r"\s*n=" + _NUM, text) or re.match(r"\s*" + _NUM + r"\s*$", text)
    return int(float(m.group(1).replace(",", ""))) if m else None


def _parse_percent(text: str) -> tuple[float, int] | None:
    m = re.match(r"\s*" + _NUM + r"\s*%?", text)
    if not m:
        return None
    body = m.group(1).replace(",", "")
    return float(body), len(body.split(".")[1]) if "." in body else 0


# --------------------------------------------------------------------------- reading
class _Run:
    """Everything one or more run folders publish, as observations on leaves."""

    def __init__(self) -> None:
        self.obs: list[_Obs] = []
        self.relations: list[tuple[frozenset[Leaf], frozenset[Leaf], str]] = []
        self.bases: set[frozenset[Leaf]] = set()
        self.findings: list[Finding] = []
        # Table shares, resolved once every published count is known: (source, cells, base
        # cells, percent or None when withheld, decimals, text).
        self.pending: list[tuple[str, frozenset[Leaf], frozenset[Leaf], float | None, int, str]] = []
        # Published test statistics: (source, the name, the leaves of the test's table).
        self.tests: list[tuple[str, str, frozenset[Leaf]]] = []
        # Shares whose rounding leaves their count an interval: (source, cells, least, greatest).
        self.intervals: list[tuple[str, frozenset[Leaf], int, int]] = []

    def add_values(self, path: Path, label: str) -> None:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        for item in doc if isinstance(doc, list) else []:
            if isinstance(item, dict) and "cells" in item:
                self.add_item(item, label)
            elif isinstance(item, dict) and str(item.get("name", "")).endswith(".mean"):
                self.check_mean(item, label)

    def check_mean(self, item: dict[str, Any], label: str) -> None:
        """A mean printed with more decimals than the tables print gives its base away.

        ``mean * n`` is a whole sum of answers: with many decimals only one n (or few) fits,
        which pins a withheld base and, with the bands, bounds the withheld ones (the divisor
        attack of the issue 25 review). One decimal leaves every n from ten up.
        """
        value = item.get("value")
        if value is None or item.get("suppressed"):
            return
        decimals = len(repr(float(value)).split(".")[1].rstrip("0"))
        if decimals > MEAN_DIGITS:
            self.findings.append(Finding(label, "reveals", f"{item.get('name')}@{item.get('country')} = {value} "
                                         f"has {decimals} decimals: mean x n is a whole sum for few n, which "
                                         f"gives its base away (print it with {MEAN_DIGITS})"))

    def add_fidelity_rows(self, path: Path, label: str) -> None:
        """The fidelity page's rows: a withheld claim reads "withheld" and a fixed note, nothing else."""
        try:
            with path.open(encoding="utf-8", newline="") as fh:
                rows = list(csv.DictReader(fh))
        except OSError:
            return
        for row in rows:
            if row.get("reproduced") == "withheld" and row.get("note", "") not in WITHHELD_NOTES:
                self.findings.append(Finding(label, "reveals", f"claim {row.get('claim_id')} is withheld but its "
                                             f"note says more: {row.get('note', '')[:80]!r}"))

    def add_fidelity(self, path: Path, label: str) -> None:
        """What the fidelity page shows: the recorded values, mask cells and counts each verdict rests on.

        A verdict on a withheld value is itself a finding: it pins the value within a unit of
        the printed claim.
        """
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.findings.append(Finding(label, "undescribed", f"{path.name} cannot be read"))
            return
        for claim in doc if isinstance(doc, list) else []:
            cid = claim.get("claim_id", "?")
            for item in claim.get("values", []):
                if item.get("suppressed") or item.get("value") is None:
                    self.findings.append(Finding(label, "reveals", f"claim {cid} gives a verdict on "
                                                 f"{item.get('name')}@{item.get('country')}, which is withheld"))
                elif "cells" in item:
                    self.add_item(item, label)
            for mask in claim.get("masks", []):
                for cell in mask.get("cells", []):
                    leaves = _leaves(cell["cells"])
                    self._same_as(cell["cells"], leaves, label)
                    value = cell.get("value")
                    self.obs.append(_Obs(label, leaves, None if value is None else float(value), value is None))
            for count in claim.get("counts", []):
                universe = f"fidelity:{count['what']}"
                spec = {"universe": universe, "places": [count["place"]], "categories": ["yes"]}
                base = {**spec, "categories": ["yes", "no"]}
                self.obs.append(_Obs(label, _leaves(spec), float(count["count"]), False))
                self.obs.append(_Obs(label, _leaves(base), float(count["out_of"]), False))
                self.bases.add(_leaves(base))

    def add_item(self, item: dict[str, Any], label: str) -> None:
        """One recorded value (a ``values.json`` entry) as observations on leaves."""
        cells = _leaves(item["cells"])
        withheld = bool(item.get("suppressed")) or item.get("value") is None
        if item.get("measure") == "test":
            if not withheld:
                self.tests.append((label, str(item.get("name")), cells))
            return
        self._same_as(item["cells"], cells, label)
        n = item.get("n")
        if item.get("measure") == "percent":
            of = _leaves(item["of"])
            self._same_as(item["of"], of, label)
            self.bases.add(of)
            if n is not None:
                self.obs.append(_Obs(label, of, float(n), False))
            if withheld:
                if n is not None:  # with its base withheld, a withheld share says nothing of the count
                    self.obs.append(_Obs(label, cells, None, True, True))
            elif "digits" in item:
                # A share printed as rounded (its count withheld): the counts it allows.
                self.pending.append((label, cells, of, float(item["value"]), int(item["digits"]),
                                     f"{item['name']} = {item['value']}%"))
            elif n is not None:
                exact = float(item["value"]) * int(n) / 100.0
                if abs(exact - round(exact)) > 1e-3 * max(1, int(n)):
                    self.findings.append(Finding(label, "sum", f"{item['name']} = {item['value']}% is no "
                                                 f"whole count of its base n={n}"))
                self.obs.append(_Obs(label, cells, float(round(exact)), False, True))
        else:
            self.obs.append(_Obs(label, cells, None if withheld else float(item["value"]), withheld))

    def _same_as(self, spec: dict[str, Any], cells: frozenset[Leaf], label: str) -> None:
        if "same_as" in spec:
            self.relations.append((cells, _leaves(spec["same_as"]), label))

    def add_table(self, csv_path: Path, label: str) -> None:
        side = csv_path.with_name(csv_path.stem + ".disclosure.json")
        if not side.exists():
            self.findings.append(Finding(label, "undescribed", "no description of its cells "
                                         f"({side.name}); the audit cannot check it"))
            return
        with csv_path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))[1:]
        for item in json.loads(side.read_text(encoding="utf-8")):
            i, j = item["at"]
            try:
                text = rows[i][j + 1]
            except IndexError:
                self.findings.append(Finding(label, "undescribed", f"described cell {i},{j} is not in the table"))
                continue
            cells = _leaves(item["cells"])
            self._same_as(item["cells"], cells, label)
            withheld = (WITHHELD in text or COMBINED in text) and not re.search(r"[0-9]", text)
            if item["measure"] == "count":
                if withheld:
                    self.obs.append(_Obs(label, cells, None, True))
                    continue
                count = _parse_count(text)
                if count is None:
                    self.findings.append(Finding(label, "undescribed", f"cell {i},{j} ({text!r}) is no count"))
                    continue
                self.obs.append(_Obs(label, cells, float(count), False))
            else:
                of = _leaves(item["of"])
                self.bases.add(of)
                if withheld:
                    self.pending.append((label, cells, of, None, 0, text))
                    continue
                if not text.strip():
                    continue  # a base of nobody: no share
                parsed = _parse_percent(text)
                if parsed is None:
                    self.findings.append(Finding(label, "undescribed", f"cell {i},{j} ({text!r}) is no share"))
                    continue
                count = _parse_count(text) if "(n=" in text else None
                self.pending.append((label, cells, of, parsed[0], parsed[1], text))
                if count is not None:
                    self.obs.append(_Obs(label, cells, float(count), False))

    def resolve_percents(self) -> None:
        """Turn table percentages into counts where their base is published and the count unique."""
        known: dict[frozenset[Leaf], float] = {}
        for o in self.obs:
            if o.count is not None:
                known.setdefault(o.leaves, o.count)
        for label, cells, of, p, digits, text in self.pending:
            n = known.get(of)
            if n is None:
                continue  # without its base a share fixes no count, nor withholds one
            if p is None:
                self.obs.append(_Obs(label, cells, None, True, True))
                continue
            if n == 0:
                continue
            candidates = _counts_for_percent(p, digits, int(n))
            exact = known.get(cells)
            if not candidates or (exact is not None and int(exact) not in candidates):
                self.findings.append(Finding(label, "sum", f"{text!r} is not a count of {sorted(cells)[0][0]} "
                                             f"over its base {int(n)} within rounding"))
                continue
            if len(candidates) == 1:
                self.obs.append(_Obs(label, cells, float(candidates[0]), False, True))
            else:
                self.intervals.append((label, cells, min(candidates), max(candidates)))


# --------------------------------------------------------------------------- checks
def _row_space(a: np.ndarray) -> np.ndarray:
    """An orthonormal basis (rows) of the row space of ``a`` (``rank x n``)."""
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
    return [(rows, np.flatnonzero(nonzero[rows].any(axis=0))) for rows in _linked(nonzero.T)]


def _linked(incidence: np.ndarray) -> list[np.ndarray]:
    """Columns of a rows x columns incidence linked through shared rows, each group ascending.

    Groups come in the order of their first column (a connected part of the bipartite graph
    of rows and columns, by ``scipy.sparse.csgraph``).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n_rows, n_cols = incidence.shape
    r, c = np.nonzero(incidence)
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
    sums = np.hstack([-rows.T, np.eye(k)])
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


def _check(run: _Run, t: int, intervals: bool = True) -> list[Finding]:
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
    # leaves that equations link; each family is solved densely on its own.
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    r_idx, c_idx, vals, rhs, sources = _equations(run, index)
    if not rhs:
        return findings + (_interval_findings(run, t) if intervals else [])
    a_sp = coo_matrix((vals, (r_idx, c_idx)), shape=(len(rhs), len(leaves))).tocsr()  # duplicates add up
    a_sp.eliminate_zeros()
    b_vec = np.array(rhs, dtype=float)
    # Rows and leaves as one graph: a family is a connected part of it.
    n_rows = len(rhs)
    graph = coo_matrix((np.ones(a_sp.nnz), (a_sp.nonzero()[0], a_sp.nonzero()[1] + n_rows)),
                       shape=(n_rows + len(leaves),) * 2)
    _, labels = connected_components(graph, directed=False)
    row_label, leaf_label = labels[:n_rows], labels[n_rows:]
    for family in sorted(set(leaf_label), key=lambda f: int(np.flatnonzero(leaf_label == f)[0])):
        comp = np.flatnonzero(leaf_label == family)
        used = np.flatnonzero(row_label == family)
        if not len(used):
            continue  # leaves no published number touches: nothing is fixed
        sub = a_sp[used][:, comp]
        findings += _check_component(sub, b_vec[used], [sources[k] for k in used],
                                     [leaves[c] for c in comp], run, t)
    if intervals and not any(f.kind == "small-group" for f in findings):
        findings += _interval_findings(run, t)
    return findings


def _components(a_mat: np.ndarray) -> list[list[int]]:
    """Leaves linked through a shared equation, as lists of column indices."""
    return [g.tolist() for g in _linked(np.abs(a_mat) > 0)]


def _check_component(a_mat: csr_matrix, b_vec: np.ndarray, sources: list[str], leaves: list[Leaf],
                     run: _Run, t: int) -> list[Finding]:
    # A published number that leaves one leaf unknown fixes that leaf: leaves are read off so,
    # again and again, and the other equations are solved for the leaves left (an exact
    # presolve; with a hundred countries most cells are published one by one, and the dense
    # factorisations below grow with the cube of the leaves left). The presolve works on the
    # sparse equations: a family of a hundred countries' table is thousands of equations over
    # thousands of leaves, and only the equations left are made dense.
    a_mat = a_mat.tocsr()
    known, x_p, residual, active = _presolve(a_mat, b_vec, len(leaves))
    rest = np.flatnonzero(active)
    unknown = np.flatnonzero(~known)
    rest_rows = a_mat[rest]
    a_rest = rest_rows[:, unknown].toarray()
    b_rest = b_vec[rest] - rest_rows[:, np.flatnonzero(known)] @ x_p[known]
    if len(unknown) and len(rest):
        x_p[unknown], *_ = np.linalg.lstsq(a_rest, b_rest, rcond=None)
    residual[rest] = a_rest @ x_p[unknown] - b_rest
    if np.abs(residual).max(initial=0.0) > 0.5:
        worst = int(np.argmax(np.abs(residual)))
        return [Finding(sources[worst], "sum", f"the published parts of {leaves[0][0]} do not add up to "
                        f"their totals (off by {abs(residual[worst]):.0f})")]
    small_bases = _small_bases(run, leaves, t)
    # A leaf is fixed when it lies in the row space of the equations: read off, or a unit
    # vector of the remaining equations' row space (its projection there has length one).
    # The remaining equations fall apart into families of leaves again; each is factorised alone.
    fixed = known.copy()
    blocks = []
    if len(unknown) and len(rest):
        for comp in _components(a_rest):
            rows = np.flatnonzero(np.abs(a_rest[:, comp]).sum(axis=1) > 0)
            basis = _row_space(a_rest[np.ix_(rows, comp)]) if len(rows) else np.zeros((0, len(comp)))
            cols = unknown[comp]
            fixed[cols] = (basis ** 2).sum(axis=0) > 1.0 - _TOL**2
            blocks.append((rows, comp, cols, basis))
    findings = _fixed_leaf_findings(fixed, x_p, small_bases, leaves, run, t)
    free = np.flatnonzero(~fixed)
    if len(free) and len(rest):
        _add_subtraction_findings(findings, a_rest, blocks, fixed, free, x_p, small_bases, leaves, run, t)
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


def _small_bases(run: _Run, leaves: list[Leaf], t: int) -> list[np.ndarray]:
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
                         run: _Run, t: int) -> list[Finding]:
    """A leaf the published numbers fix at a small value (not explained by a published small base)."""
    findings = []
    for k in np.flatnonzero(fixed):
        value = round(float(x_p[k]))
        if 1 <= value < t:
            g = np.zeros(len(leaves))
            g[k] = 1.0
            if not _explained(g, x_p, small_bases):
                findings.append(Finding(_source_of(g, leaves, run), "small-group",
                                        f"{_name(frozenset([leaves[k]]))} = {value} is fixed by the published numbers"))
    return findings


def _add_subtraction_findings(findings: list[Finding], a_rest: np.ndarray, blocks: list[tuple], fixed: np.ndarray,
                              free: np.ndarray, x_p: np.ndarray, small_bases: list[np.ndarray], leaves: list[Leaf],
                              run: _Run, t: int) -> None:
    """Add to ``findings`` the small groups of free leaves the equations fix together (by subtraction).

    The search stops once ``findings`` holds more than 20 (those of fixed leaves included).
    """
    # The 0/1 groups of free leaves that the equations fix lie in the row space of the
    # equations restricted to the free leaves (the fixed leaves being in the row space),
    # the sum of the families' row spaces.
    position = {int(leaf): k for k, leaf in enumerate(free)}
    parts = []
    for rows, comp, cols, basis in blocks:
        mine = [k for k, leaf in enumerate(cols) if not fixed[leaf]]
        if not mine or not len(rows):
            continue
        # With no leaf of the family fixed, its row space is the one already factorised.
        part = basis if len(mine) == len(cols) else _row_space(a_rest[np.ix_(rows, [comp[k] for k in mine])])
        full = np.zeros((part.shape[0], len(free)))
        full[:, [position[int(cols[k])] for k in mine]] = part
        parts.append(full)
    space = np.vstack(parts) if parts else np.zeros((0, len(free)))
    if not space.shape[0]:
        return
    for found in _groups_searched(space, x_p[free], t, free, x_p, small_bases):
        g = np.zeros(len(leaves))
        g[free] = found
        if _explained(g, x_p, small_bases):
            continue
        group = frozenset(leaves[k] for k in np.flatnonzero(g > 0.5))
        findings.append(Finding(_source_of(g, leaves, run), "small-group",
                                f"{_name(group)} together hold {round(float(g @ x_p))}, fixed by "
                                "subtraction from the published numbers"))
        if len(findings) > 20:
            break


def _equations(run: _Run, index: dict[Leaf, int]) -> tuple[list[int], list[int], list[float], list[float], list[str]]:
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
    rows = [([(leaf, 1.0) for leaf in o.leaves], float(o.count), o.source) for o in run.obs if o.count is not None]
    rows += [([(leaf, 1.0) for leaf in a] + [(leaf, -1.0) for leaf in b], 0.0, label) for a, b, label in run.relations]
    for entries, value, source in rows:
        for leaf, weight in entries:
            r_idx.append(len(rhs))
            c_idx.append(index[leaf])
            vals.append(weight)
        rhs.append(value)
        sources.append(source)
    return r_idx, c_idx, vals, rhs, sources


def _system(run: _Run) -> tuple[list[Leaf], Any, np.ndarray]:
    """Every published count and tie as sparse equations over the leaves: (leaves, matrix, values)."""
    from scipy.sparse import coo_matrix

    leaves = sorted({leaf for o in run.obs for leaf in o.leaves} | {leaf for a, b, _ in run.relations
                                                                     for leaf in a | b}
                    | {leaf for _, cells, _, _ in run.intervals for leaf in cells})
    index = {leaf: k for k, leaf in enumerate(leaves)}
    r_idx, c_idx, vals, rhs, _ = _equations(run, index)
    matrix = coo_matrix((vals, (r_idx, c_idx)), shape=(len(rhs), len(leaves))).tocsr()
    return leaves, matrix, np.array(rhs, dtype=float)


def _interval_findings(run: _Run, t: int) -> list[Finding]:
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
    from scipy.sparse import csr_matrix, vstack

    leaves, matrix, rhs = _system(run)
    index = {leaf: k for k, leaf in enumerate(leaves)}
    rows = []
    for _, cells, _, _ in run.intervals:
        row = np.zeros(len(leaves))
        row[[index[c] for c in cells]] = 1.0
        rows.append(row)
    box = csr_matrix(np.array(rows))
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
    exact = _Run()
    exact.obs = [*run.obs, *(_Obs(source, cells, float(rows[k] @ x), False, True)
                             for k, (source, cells, _, _) in enumerate(run.intervals))]
    exact.relations, exact.bases = run.relations, run.bases
    found = []
    for finding in _check(exact, t, intervals=False):
        if finding.kind != "small-group":
            continue
        group = _group_in(finding.detail, leaves)
        if group is None:
            continue
        g = np.zeros(len(leaves))
        g[[index[c] for c in group]] = 1.0
        ends = []
        for sign in (1.0, -1.0):  # least, then greatest
            res = milp(sign * g, constraints=constraints, integrality=np.ones(len(leaves)), bounds=Bounds(0, big))
            ends.append(None if res.x is None else float(g @ np.round(res.x)))
        low, high = (ends[0], ends[1])
        if low is not None and high is not None and low >= 1 and high <= t - 1:
            found.append(Finding(finding.source, "small-group", f"{_name(group)} lies between {low:.0f} and "
                                 f"{high:.0f}: the published numbers and rounded shares pin it below {t}"))
    return found + _bounded_findings(run, leaves, matrix, rhs, constraints, big, t)


def _bounded_findings(run: _Run, leaves: list[Leaf], matrix: Any, rhs: np.ndarray, constraints: list[Any],
                      big: float, t: int) -> list[Finding]:
    """Withheld counts the rounded shares bring below the threshold (greatest whole value 1..t-1).

    A withheld count known to be below ``t`` tells that it is small (tau-ARGUS: the protection
    interval must reach the threshold). One already below it without the shares (inside a
    small published base, which the rule allows) is not the shares' doing.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    index = {leaf: k for k, leaf in enumerate(leaves)}
    plain = [LinearConstraint(matrix, rhs - 1e-6, rhs + 1e-6)]

    def greatest(g: np.ndarray, cons: list[Any]) -> float:
        res = milp(-g, constraints=cons, integrality=np.ones(len(leaves)), bounds=Bounds(0, big))
        return float(g @ np.round(res.x)) if res.x is not None else float("inf")

    found, seen = [], set()
    for o in run.obs:
        if not o.withheld or o.leaves in seen or not o.leaves <= index.keys():
            continue
        seen.add(o.leaves)
        g = np.zeros(len(leaves))
        g[[index[c] for c in o.leaves]] = 1.0
        high = greatest(g, constraints)
        if 1 <= high <= t - 1 and not 1 <= greatest(g, plain) <= t - 1:
            found.append(Finding(o.source, "small-group", f"{_name(o.leaves)} is withheld but at most "
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


def _groups_searched(space: np.ndarray, value: np.ndarray, t: int, free: np.ndarray, x_p: np.ndarray,
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
        if all(_explained(g, x_p, small_bases) for g in full):
            yield from _groups_of_reduced(reduced, value, t)


def _explained(g: np.ndarray, x_p: np.ndarray, small_bases: list[np.ndarray]) -> bool:
    """A group made of published small bases (and nobody else) discloses nothing new."""
    rest = g.copy()
    for base in small_bases:
        if np.all(rest[base > 0.5] > 0.5):
            rest = rest - base
    return abs(float(rest @ x_p)) < 0.5 and bool((rest > -0.5).all())


def _name(group: frozenset[Leaf]) -> str:
    universes = sorted({u for u, _, _ in group})
    cells = ", ".join(sorted(f"{p}/{c}" for _, p, c in group))
    return f"{'+'.join(universes)} [{cells}]"


def _source_of(g: np.ndarray, leaves: list[Leaf], run: _Run) -> str:
    """The table (or values.json) that publishes a number touching the group, tables first."""
    group = {leaves[k] for k in np.flatnonzero(g > 0.5)}
    touching = sorted({o.source for o in run.obs if o.leaves & group},
                      key=lambda s: (not s.split(":")[-1].startswith("tables/"), s))
    return touching[0] if touching else "values.json"


# --------------------------------------------------------------------------- entry points
def _threshold(threshold: int | None) -> int:
    """The threshold given, else the study's around the working directory."""
    if threshold is not None:
        return int(threshold)
    from .project import default

    return int(default().study.disclosure["threshold"])


def _section_folders(out: Path) -> list[Path]:
    """Every finished section folder of every report, in every language (``R/sections/S``, ``R/ro/sections/S``).

    A hidden folder (a run still writing, or one an interruption left) is not published, so
    it is not read.
    """
    found = [*out.glob("*/sections/*"), *out.glob("*/*/sections/*")]
    return sorted(f for f in found if f.is_dir() and not any(part.startswith(".") for part in f.relative_to(out).parts))


def _read_folder(run: _Run, folder: Path, prefix: str = "") -> None:
    if (folder / "values.json").exists():
        run.add_values(folder / "values.json", f"{prefix}values.json")
    for csv_path in sorted((folder / "tables").glob("*.csv")):
        run.add_table(csv_path, f"{prefix}tables/{csv_path.name}")


def audit_run_folder(folder: Path | str, threshold: int | None = None) -> list[Finding]:
    """Audit what one run wrote (its ``values.json`` and ``tables/``).

    Args:
        folder: The run's folder (``outputs/<REPORT>/sections/<section>`` or the build's
            temporary folder of the run).
        threshold: The small-cell threshold (default ``params/study.yml``).

    Returns:
        The findings, each naming its table (or ``values.json``); empty when none.
    """
    run = _Run()
    _read_folder(run, Path(folder))
    run.resolve_percents()
    return _check(run, _threshold(threshold))


def audit_outputs(out_dir: Path | str | Sequence[Path | str], threshold: int | None = None) -> list[Finding]:
    """Audit a whole build at once, as an outsider holding every report would; or several builds.

    Numbers from every report's runs go into one set of equations, so a national count that
    the synthesis's table lets one subtract is found too, and so is the fidelity page
    (``fidelity/claims.disclosure.json``: a verdict on a withheld value is a finding). Given
    several output folders (the study's build and a partner's build of one country), their
    numbers go into the same equations: two builds that withhold different cells of the same
    table are caught. Sources are named ``<REPORT>/<section>:tables/<stem>.csv``, prefixed
    with the folder's position (``#2 ``) when there are several.
    """
    folders = [Path(out_dir)] if isinstance(out_dir, (str, Path)) else [Path(f) for f in out_dir]
    run = _Run()
    for k, out in enumerate(folders):
        tag = f"#{k + 1} " if len(folders) > 1 else ""
        for folder in _section_folders(out):
            report = folder.parents[1].relative_to(out).as_posix()
            _read_folder(run, folder, f"{tag}{report}/{folder.name}:")
        fidelity = out / "fidelity" / "claims.disclosure.json"
        if fidelity.is_file():
            run.add_fidelity(fidelity, f"{tag}fidelity/claims.csv")
        if (out / "fidelity" / "claims.csv").is_file():
            run.add_fidelity_rows(out / "fidelity" / "claims.csv", f"{tag}fidelity/claims.csv")
    run.resolve_percents()
    return _check(run, _threshold(threshold))


@dataclass(frozen=True)
class Loss:
    """How many of a report's counts are withheld, of how many it sets out to publish."""

    withheld: int
    published: int

    @property
    def share(self) -> float:
        """The withheld share (0 when nothing is published)."""
        return self.withheld / self.published if self.published else 0.0


def loss(runs: Iterable[Path | str]) -> Loss:
    """A report's loss: its distinct count cells (``values.json`` and tables), and those withheld.

    ``runs`` are the report's finished run folders (a folder being written is never read). A count cell is one set of leaves a count is described as summing (a table's cell and the
    recorded value of the same answers and places are one count); it is withheld where no
    table or value of the report shows it. Shares are not counted (a share is of a count).
    """
    shown: dict[frozenset[Leaf], bool] = {}
    for folder in sorted(Path(run) for run in runs):
        for cells, value in _count_cells(folder):
            shown[cells] = shown.get(cells, False) or value is not None
    return Loss(sum(not v for v in shown.values()), len(shown))


def _count_cells(folder: Path) -> Iterable[tuple[frozenset[Leaf], float | None]]:
    """Every count a run folder describes: (its leaves, its value or None where withheld)."""
    try:
        doc = json.loads((folder / "values.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        doc = []
    for item in doc if isinstance(doc, list) else []:
        if isinstance(item, dict) and item.get("measure") == "count" and "cells" in item and not item.get("combined"):
            withheld = bool(item.get("suppressed")) or item.get("value") is None
            yield _leaves(item["cells"]), None if withheld else float(item["value"])
    for side in sorted((folder / "tables").glob("*.disclosure.json")):
        with side.with_name(side.name.replace(".disclosure.json", ".csv")).open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))[1:]
        for item in json.loads(side.read_text(encoding="utf-8")):
            if item.get("measure") != "count":
                continue
            i, j = item["at"]
            text = rows[i][j + 1] if i < len(rows) and j + 1 < len(rows[i]) else ""
            if COMBINED in text:
                continue  # shown within its combination: not a count the report sets out to give
            yield _leaves(item["cells"]), None if WITHHELD in text and not re.search(r"[0-9]", text) \
                else _parse_count(text)
