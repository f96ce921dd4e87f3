"""The audit's integer programs are stated sparsely, and find what they found dense.

A hundred countries' synthesis has thousands of leaves and of withheld groups: the dense
matrices its integer programs were stated with (an identity over every leaf of a space, a
row over every leaf for each group or share) grew with the square of the countries. These
tests check that the programs are handed sparse matrices and still find the hand-worked
groups of each planted case.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import scipy.optimize
from scipy.sparse import issparse

from perspectives import audit, audit_checks, audit_groups, audit_reading


@pytest.fixture
def programs(monkeypatch: pytest.MonkeyPatch) -> list[list[object]]:
    """Every constraint matrix handed to scipy's ``milp`` while the test runs."""
    seen: list[list[object]] = []
    solve = scipy.optimize.milp

    def recording(*args, **kwargs):
        constraints = kwargs.get("constraints") or []
        seen.append([c.A for c in constraints])
        return solve(*args, **kwargs)

    monkeypatch.setattr(scipy.optimize, "milp", recording)
    return seen


def test_a_large_space_is_searched_by_a_sparse_program(programs: list[list[object]]) -> None:
    # 22 rows (more than are enumerated), each pairing one pivot leaf with one leaf of its own:
    # every sum of rows is a 0/1 group. Each pair holds 10 + 10, except the pair of row 3
    # (1 + 1): the one group below 5 is that pair (worked by hand: any other sum holds 20 or more).
    q = audit_groups._ENUMERATE_MAX + 2
    reduced = np.hstack([np.eye(q), np.eye(q)])
    value = np.full(2 * q, 10.0)
    value[[3, q + 3]] = 1.0
    found = [tuple(np.flatnonzero(g > 0.5)) for g in audit_groups._groups_of_reduced(reduced, value, 5)]
    assert found == [(3, q + 3)]
    # The program's matrix of sums is sparse (a dense identity over a hundred countries' leaves
    # took gigabytes).
    assert programs
    sums = [a for constraints in programs for a in constraints if a.shape[0] == 2 * q]
    assert sums and all(issparse(a) for a in sums)
    dense = np.hstack([-reduced.T, np.eye(2 * q)])
    assert all(np.array_equal(a.toarray(), dense) for a in sums)


def test_the_incidence_of_groups_is_sparse_and_exact() -> None:
    matrix = audit_checks._incidence([[0, 2], [1], [], [0, 1, 3]], 4)
    assert issparse(matrix)
    assert matrix.toarray().tolist() == [[1, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0], [1, 1, 0, 1]]


def _write(folder: Path, rows: list[list[str]], cells: list[dict]) -> None:
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    with (folder / "tables" / "gender.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["", "n", "%"])
        writer.writerows(rows)
    (folder / "tables" / "gender.disclosure.json").write_text(json.dumps(cells), encoding="utf-8")


def test_the_bounded_withheld_count_is_found_with_sparse_groups(tmp_path: Path, programs: list[list[object]],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # As in test_audit: 77 men of 413 printed, the women's count withheld but 81% printed
    # (333 to 336), the other gender withheld: it is 0 to 3, below the threshold.
    answers = ["female", "male", "other"]

    def count(i: int, answer: list[str]) -> dict:
        return {"at": [i, 0], "measure": "count", "cells": {"universe": "gender", "places": ["*"], "categories": answer}}

    rows = [["Woman", "–", "81%"], ["Man", "77", "19%"], ["Other", "–", "–"], ["Respondents", "413", ""]]
    cells = [count(k, [a]) for k, a in enumerate(answers)] + [count(3, answers)]
    cells += [{"at": [k, 1], "measure": "percent",
               "cells": {"universe": "gender", "places": ["*"], "categories": [a]},
               "of": {"universe": "gender", "places": ["*"], "categories": answers}} for k, a in enumerate(answers)]
    _write(tmp_path, rows, cells)
    # No dense identity and no dense row per group or share is made on the way.
    real_eye = np.eye
    made: list[int] = []

    def eye(n: int, *args, **kwargs):
        made.append(n)
        return real_eye(n, *args, **kwargs)

    monkeypatch.setattr(np, "eye", eye)
    found = audit.audit_run_folder(tmp_path, 5)
    assert any(f.kind == "small-group" and "*/other" in f.detail and "at most 3" in f.detail for f in found), found
    assert programs and made == []
    assert all(issparse(a) for constraints in programs for a in constraints if a.shape[0] > 1)


def _equations_with_repeats(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random 0/±1 equations, some repeated (with the same or another right-hand side)."""
    rng = np.random.default_rng(seed)
    a = rng.choice([0.0, 0.0, 0.0, 1.0, -1.0], size=(30, 12))
    b = rng.integers(0, 4, size=30).astype(float)
    a[[5, 9, 20]] = a[2]
    b[[5, 9]] = b[2]  # row 20 repeats row 2's coefficients with another total: a distinct equation
    b[20] = b[2] + 1
    a[[11, 25]] = 0.0  # two empty equations, one with a zero of each sign
    b[11], b[25] = 0.0, -0.0
    return a, b


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_repeated_equations_are_the_ones_np_unique_finds(seed: int) -> None:
    from scipy.sparse import csr_matrix

    a, b = _equations_with_repeats(seed)
    _, first = np.unique(np.column_stack([a, b]), axis=0, return_index=True)
    assert audit_checks.distinct_rows(csr_matrix(a), b).tolist() == sorted(first.tolist())


def test_repeated_equations_are_found_without_a_dense_copy_of_them(monkeypatch: pytest.MonkeyPatch) -> None:
    # A family's equations that remain after the presolve: their dense copy (rows x leaves) grows
    # with the square of the countries; finding the repeated ones must not copy and sort it.
    from scipy.sparse import csr_matrix

    a, _ = _equations_with_repeats(3)
    a[:, :2] = 1.0  # every equation over two leaves at least: none is read off alone
    b = a @ (np.arange(a.shape[1], dtype=float) % 3)  # consistent totals
    real_unique = np.unique
    sorted_rows: list[tuple[int, ...]] = []

    def unique(ar, *args, **kwargs):
        if kwargs.get("axis") == 0:
            sorted_rows.append(np.shape(ar))
        return real_unique(ar, *args, **kwargs)

    monkeypatch.setattr(np, "unique", unique)
    leaves = [("q", "A", f"c{k}") for k in range(a.shape[1])]
    run = audit.Run()
    found = audit_checks._check_component(csr_matrix(a), b, ["t.csv"] * len(b), leaves, run, 5)
    assert all(f.kind != "sum" for f in found), found
    # The equations were never sorted whole with their totals (one column more than the leaves).
    assert not [shape for shape in sorted_rows if shape[1] > a.shape[1]], sorted_rows


def _pooled_network(countries: int, small_at: int) -> audit.Run:
    """A table of a network's countries and its pooled column, as the audit reads it.

    Each country publishes its total and answers ``c``..``f`` of one question and withholds
    ``a`` and ``b``; the pooled column publishes every answer over all countries. So ``a`` and
    ``b`` of each country are left together (its total minus its four published answers), and
    the pooled ``a`` and ``b`` link every country's pair into one family. Country ``small_at``'s
    pair holds 1 + 2; every other pair 6 + 7 (worked by hand: that one pair is the only
    group of 1..4 the numbers fix; no single cell is fixed).
    """
    run = audit.Run()
    places = [f"P{k:04d}" for k in range(countries)]
    answers = ["a", "b", "c", "d", "e", "f"]
    value = {(p, c): (1 + (c == "b") if k == small_at else 6 + (c == "b")) if c in "ab" else 20
             for k, p in enumerate(places) for c in answers}
    for p in places:
        run.obs.append(audit_reading.Obs("tables/t.csv", frozenset(("q", p, c) for c in answers),
                                 float(sum(value[p, c] for c in answers)), False))
        for c in answers:
            shown = c not in "ab"
            run.obs.append(audit_reading.Obs("tables/t.csv", frozenset([("q", p, c)]),
                                     float(value[p, c]) if shown else None, not shown))
    for c in answers:
        run.obs.append(audit_reading.Obs("tables/t.csv", frozenset(("q", p, c) for p in places),
                                 float(sum(value[p, c] for p in places)), False))
    return run


def test_a_pooled_column_over_many_countries_is_audited_in_little_memory() -> None:
    # 1,000 countries: after the published cells are read off, 1,002 equations over 2,000
    # leaves remain, one family linked by the pooled column. Factorised dense (an SVD and a
    # least-squares solution of rows x leaves, both growing with the countries), that took
    # well over 100 MB traced; its reduced form has 4 entries a country. The one small pair
    # must still be found, by subtraction, and nothing else.
    import tracemalloc

    run = _pooled_network(1000, small_at=700)
    tracemalloc.start()
    try:
        found = audit_checks.check(run, 5)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(f.kind, f.detail) for f in found] == [
        ("small-group", "q [P0700/a, P0700/b] together hold 3, fixed by subtraction from the published numbers")]
    assert peak < 25e6, f"{peak / 1e6:.0f} MB traced"


def test_the_pooled_family_is_reduced_exactly() -> None:
    # Three countries' pairs (a + b each) and the pooled a and b (five equations of rank 4),
    # reduced by hand column by column: the pooled a less the first pair gives the first
    # country's b, the second pair's a pivots, and the third pair's a; no pivot at P1/b.
    from scipy.sparse import csr_matrix

    # leaves: P0/a P0/b P1/a P1/b P2/a P2/b
    rows = [[1, 1, 0, 0, 0, 0], [0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 1, 1], [1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1]]
    # totals: pairs 3, 13, 13 (P0: 1 + 2, the others 6 + 7), pooled a 13, pooled b 16
    form = audit_groups.reduced_rows(csr_matrix(np.array(rows, dtype=float)), np.array([3.0, 13, 13, 13, 16]))
    assert form.pivots.tolist() == [0, 1, 2, 4]
    assert form.rows.toarray().tolist() == [[1, 0, 0, -1, 0, -1], [0, 1, 0, 1, 0, 1],
                                            [0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 1, 1]]
    # P0/a - P1/b - P2/b = 1 - 7 - 7; P0/b + P1/b + P2/b = 16; P1/a + P1/b = 13; P2/a + P2/b = 13
    assert form.totals.tolist() == [-13, 16, 13, 13] and form.consistent
    # Least norm: numpy's least-squares solution of the five equations.
    expected = np.linalg.lstsq(np.array(rows, dtype=float), np.array([3.0, 13, 13, 13, 16]), rcond=None)[0]
    assert np.allclose(audit_groups.min_norm_solution(form), expected, atol=1e-12)
    # Totals that contradict each other (the pooled b one more) reduce to 0 = 1.
    assert not audit_groups.reduced_rows(csr_matrix(np.array(rows, dtype=float)),
                                         np.array([3.0, 13, 13, 13, 17])).consistent
    with pytest.raises(ValueError, match="whole numbers"):
        audit_groups.reduced_rows(csr_matrix(np.array([[0.5, 1.0]])), np.array([1.0]))
