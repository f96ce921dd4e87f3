"""Submissions sent again: eligible completes with the same answer to every question, under different ids.

Purpose
    Find the rows that give the same answer to every question (ids and times aside), for
    ``check``'s field-team listing, and refuse a file that holds them: a submission sent
    again is counted twice, and a partner's build of the study's data plus one copy differs
    from the study's own by that one respondent in every count (disclosure by differencing).

Inputs
    The normalised answers (text, None = no answer), a mask of the eligible completes, the
    ids and the partner's row numbers.

Outputs
    Groups of row numbers, and the refusal (:func:`copies_problem`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .problems import SHOWN, Problem, Text


def answer_keys(answers: pd.DataFrame, positions: np.ndarray) -> np.ndarray:
    """One integer per chosen row, equal exactly when two rows give the same answer to every question.

    No answer and an empty answer count as the same. Each column's answers become integer
    codes, folded into one key per row (renumbered whenever the key could overflow): rows
    are compared as integers, and a large export's answers are never copied as text.
    """
    keys = np.zeros(len(positions), dtype=np.int64)
    for name in answers.columns:
        codes, uniques = pd.factorize(answers[name].to_numpy()[positions])
        empty = np.flatnonzero(np.asarray(uniques, dtype=object) == "")
        codes[codes < 0] = empty[0] if len(empty) else len(uniques)  # no answer reads as ''
        width = len(uniques) + 1
        if len(keys) and int(keys.max()) >= (1 << 62) // width:
            keys = pd.factorize(keys)[0].astype(np.int64)
        keys = keys * width + codes
    return keys


def row_groups(keys: np.ndarray, positions: np.ndarray, row_numbers: Sequence[int]) -> list[tuple[int, list[int]]]:
    """Rows grouped by equal key: (position of the group's first row, its row numbers), in file order.

    One pass however many groups there are: a large export with many copies is not compared
    with itself group by group.
    """
    grouped: dict[int, tuple[int, list[int]]] = {}
    numbers = np.asarray(row_numbers)[positions].tolist()
    for key, position, number in zip(keys.tolist(), positions.tolist(), numbers, strict=True):
        grouped.setdefault(key, (position, []))[1].append(number)
    return list(grouped.values())


def _identical_positions(answers: pd.DataFrame, eligible: np.ndarray) -> list[list[int]]:
    """The positions of each group of eligible completes with the same answer to every question."""
    positions = np.flatnonzero(eligible)
    keys = answer_keys(answers, positions)
    copies = pd.Series(keys).duplicated(keep=False).to_numpy()
    return [rows for _, rows in row_groups(keys[copies], positions[copies], range(len(answers)))]


def identical_submissions(answers: pd.DataFrame, eligible: np.ndarray, row_numbers: Sequence[int]) -> list[list[int]]:
    """The groups of eligible completes that give the same answer to every question, ids and times aside.

    A submission sent twice (a survey tool gives the copy a new id) or a row copied in a
    spreadsheet. Only completes: short disqualified forms agree by design.

    Args:
        answers: the normalised answers, one column per question.
        eligible: a boolean mask of the eligible completes over the rows.
        row_numbers: each row's number as the partner's program shows it.

    Returns:
        Each group's row numbers, in file order.
    """
    return [[row_numbers[p] for p in group] for group in _identical_positions(answers, eligible)]


def copies_problem(answers: pd.DataFrame, eligible: np.ndarray, ids: Sequence[object], id_column: str | None,
                   row_numbers: Sequence[int], row_word: str) -> list[Problem]:
    """Identical submissions under different ids refused, naming each group's rows and ids.

    A submission sent twice gets a new id from the survey tool, so a partner's export can
    be the study's data plus one respondent counted twice: every published count then
    differs from the study's by 0 or 1, and subtracting the two reports gives that
    respondent's answers (disclosure by differencing). Counting the copy, or dropping it,
    would be a choice made for the partner; the partner removes it, or marks it rejected in
    the survey tool's review (which the reader sets aside as no data).

    Args:
        answers: the normalised answers, one column per question (ids and times aside).
        eligible: a boolean mask of the eligible completes over the rows.
        ids: each row's respondent id, same order.
        id_column: the id column as headed in the file.
        row_numbers: each row's number as the partner's program shows it.
        row_word: "rows" or "cases".

    Returns:
        The refusal, or nothing when no two eligible completes agree on every answer.
    """
    groups = _identical_positions(answers, eligible)
    if not groups:
        return []
    shown = "; ".join(", ".join(f"{row_numbers[p]} (id {ids[p]})" for p in group) for group in groups[:SHOWN]) + (
        f"; and {len(groups) - SHOWN} more" if len(groups) > SHOWN else "")
    return [Problem(
        "{n} group(s) of eligible completes give the same answer to every question under different ids ({word} "
        "{shown}): most likely one submission sent again, which would be counted twice and would let a report "
        "built from this file, set beside the study's, give away that respondent's answers",
        rows=sorted(row_numbers[p] for group in groups for p in group), row_word=row_word, column=id_column,
        expected="each submission on one row",
        fix="delete the copies sent again (keep one row of each group), or mark them rejected in the survey "
            "tool's review (KoboToolbox validation status Not approved, ODK Central review state Rejected) and "
            "export again",
        args={"n": len(groups), "word": Text(row_word), "shown": shown})]
