"""The small-cell rule's attacker kept place by place finds what the dense attacker finds.

With a hundred countries the dense null space of the population table's pooled step was a
3,300 x 2,600 matrix, factorised for every cell tried; the rule now keeps it place by place
(:class:`perspectives.disclosure_attacker.PlaceAttacker`). It must protect the same cells: on random
problems (leaves in places, published cells within a place and across places, counts with
zeros and small values) both attackers must fix the same leaves one by one and find the same
small groups, in the same order; and at a scale the dense one cannot reach, its answer must
agree with a brute-force check of the groups it declares safe.
"""

from __future__ import annotations

import numpy as np
import pytest

from perspectives import disclosure as dc
from perspectives import disclosure_attacker as da


def _problem(seed: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Counts, each leaf's place, and published rows (most within a place, some across)."""
    rng = np.random.default_rng(seed)
    n_places, per = int(rng.integers(2, 7)), int(rng.integers(1, 6))
    places = np.repeat(np.arange(n_places), per)
    x = rng.choice([0, 0, 1, 2, 3, 4, 6, 9, 30], size=len(places)).astype(float)
    rows = []
    for _ in range(int(rng.integers(0, 14))):
        row = np.zeros(len(places))
        if rng.random() < 0.6:
            block = np.flatnonzero(places == rng.integers(n_places))
            row[rng.choice(block, size=int(rng.integers(1, len(block) + 1)), replace=False)] = 1.0
        else:
            row = (rng.random(len(places)) < 0.5).astype(float)
        rows.append(row)
    return x, places, rows


@pytest.mark.parametrize("seed", range(200))
def test_the_place_attacker_finds_the_groups_the_dense_one_finds(seed: int):
    x, places, rows = _problem(seed)
    dense = da.Attacker(x, 5, [], rows)
    split = da.PlaceAttacker(x, 5, [], rows, places)
    assert [list(g) for g in split.violations(split.basis)] == [list(g) for g in dense.violations(dense.basis)]
    dense_fixed = np.abs(dense.basis).max(axis=1, initial=0.0) < 1e-9 if dense.basis.size \
        else np.ones(len(x), bool)
    assert (split._fixed_one(split.basis) == dense_fixed).all()


@pytest.mark.parametrize("seed", range(40))
def test_a_row_added_across_places_changes_the_answer_as_it_does_densely(seed: int):
    x, places, rows = _problem(seed)
    extra = np.ones(len(x))  # a pooled total over every place
    dense = da.Attacker(x, 5, [], rows)
    split = da.PlaceAttacker(x, 5, [], rows, places)
    trial_dense, trial_split = dense.add(dense.basis, extra), split.add(split.basis, extra)
    assert (trial_dense is dense.basis) == (trial_split is split.basis)  # implied in both, or in neither
    assert [list(g) for g in split.violations(trial_split)] == [list(g) for g in dense.violations(trial_dense)]


def test_a_pooled_table_of_a_hundred_places_is_decided_in_moments():
    """A table of 100 places, one small cell in each: the pooled cells must not give any back."""
    rng = np.random.default_rng(7)
    import pandas as pd

    counts = pd.DataFrame(rng.choice([0, 1, 2, 8, 20, 40], size=(4, 100)), index=["a", "b", "c", "d"],
                          columns=[f"P{i:03d}" for i in range(100)])
    mask = dc.suppress(dc.layout("q", counts), threshold=5)
    # every published pooled count, and the withheld cells of each answer across places
    for cat in counts.index:
        withheld = [p for p in counts.columns if not mask.shown(f"{p}|{cat}")]
        if mask.shown(f"*|{cat}") and withheld:
            total = int(counts.loc[cat, withheld].sum())
            assert not 1 <= total < 5, (cat, withheld, total)
    for cell in mask.layout.cells:
        if mask.shown(cell) and cell not in mask.layout.bases:
            assert not 1 <= mask.withheld_value(cell) < 5
