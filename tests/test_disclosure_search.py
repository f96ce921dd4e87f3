"""The small-cell rule's integer-program search stops, and then withholds: it never says "safe" unproven.

A space too large to enumerate is searched by an integer program that lists the groups in
range one by one; a group that published small bases explain is passed over. On a small
partner export (ten workers per country) the population table's spaces held hundreds of
explained groups, and a build ran for over fifteen minutes listing them (the search stopped
after 200 and then answered "no group", which was not proven either). The search now stops
after ``_MILP_GROUPS_MAX`` explained groups and answers "maybe": the cell tried is withheld.
The expected groups below are worked by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from perspectives import disclosure_attacker as da


def _pairs(n_pairs: int) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Leaves of 1 in pairs; each pair's total published (a small base of 2); no single leaf known.

    The groups the published rows fix are unions of pairs: one pair (2) or two (4) lie in
    1..4, and every one of them is the union of published small bases, so none discloses.
    """
    x = np.ones(2 * n_pairs)
    rows = []
    for i in range(n_pairs):
        row = np.zeros(len(x))
        row[[2 * i, 2 * i + 1]] = 1.0
        rows.append(row)
    return x, rows, [r.copy() for r in rows]


def _groups(attacker: da.Attacker, maybe: bool, enumerate_max: int) -> list[np.ndarray | None]:
    reduced, _ = da._rref(np.array(attacker.known_rows))
    return list(attacker._unexplained(reduced, np.arange(len(attacker.values)), enumerate_max, maybe))


@pytest.fixture
def attacker() -> da.Attacker:
    x, rows, bases = _pairs(4)
    found = da.Attacker(x, 5, bases, rows)
    found.known_rows = rows  # the rows the tests' searches span
    return found


def test_every_group_in_range_is_found_and_explained_by_enumeration(attacker) -> None:
    # 4 pairs: 4 single pairs (total 2) and 6 pairs of pairs (total 4) lie in 1..4: 10 groups.
    found = _groups(attacker, maybe=True, enumerate_max=20)
    assert len(found) == 10 and all(g is None for g in found)


def test_the_integer_program_finds_the_same_groups_when_it_may_list_them_all(attacker, monkeypatch) -> None:
    monkeypatch.setattr(da, "_MILP_GROUPS_MAX", 50)
    found = _groups(attacker, maybe=True, enumerate_max=0)  # 0: always the integer program
    assert len(found) == 10 and all(g is None for g in found)


def test_past_the_limit_the_search_answers_maybe_and_the_cell_is_withheld(attacker, monkeypatch) -> None:
    monkeypatch.setattr(da, "_MILP_GROUPS_MAX", 3)
    found = _groups(attacker, maybe=True, enumerate_max=0)
    # three explained groups, then the last of them given back as a possible disclosure
    assert [g is None for g in found] == [True, True, True, False]
    assert found[-1] @ attacker.values in (2.0, 4.0)


def test_past_the_limit_a_proven_answer_is_asked_for_and_none_is_given(attacker, monkeypatch) -> None:
    monkeypatch.setattr(da, "_MILP_GROUPS_MAX", 3)
    assert all(g is None for g in _groups(attacker, maybe=False, enumerate_max=0))

