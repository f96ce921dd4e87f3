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

from .problems import SHOWN, Text


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
    positions = np.flatnonzero(eligible)
    keys = answer_keys(answers, positions)
    copies = pd.Series(keys).duplicated(keep=False).to_numpy()
    return [rows for _, rows in row_groups(keys[copies], positions[copies], row_numbers)]


def copies_warning(answers: pd.DataFrame, eligible: np.ndarray, row_numbers: Sequence[int], row_word: str) -> list[Text]:
    """What a usable file holds that the partner should look at: identical submissions under different ids.

    Counted as they are (two respondents), never dropped: a copy is the partner's to remove,
    but the build says so as ``check`` does. Not refused: two people can give the same answer
    to every question of a short form, so identical answers alone do not prove a copy (a
    partner's build that differs from the study's by one such copy is an open disclosure
    question, see tests/test_break4_partner_differencing.py).
    """
    copies = identical_submissions(answers, eligible, row_numbers)
    if not copies:
        return []
    shown = "; ".join(", ".join(map(str, rows)) for rows in copies[:SHOWN]) + (
        f"; and {len(copies) - SHOWN} more groups" if len(copies) > SHOWN else "")
    return [Text("{n} group(s) of eligible completes give the same answer to every question under different ids "
                 "({word} {rows}): each is counted as a respondent; if they are one submission sent twice, "
                 "delete the copies and export again", n=len(copies), word=Text(row_word), rows=shown)]
