"""Answers for the questions no published figure calibrates.

Purpose
    A question added to the form has no target in ``data/synthetic_targets.yml``: it is
    answered for the eligible completes from its XLSForm type, choices, relevance and
    constraint (:func:`fill_other_questions`), each from a random stream of its own, so that
    the calibrated columns keep every value. Kept apart from the calibration because it reads
    the form's expressions and nothing of the published report.

Inputs
    The completes with the calibrated questions answered, the instrument and the study seed.

Outputs
    The completes with a column for each other question.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from perspectives.expressions import UnsupportedExpression, bounds, evaluate
from perspectives.instrument import Instrument, Question

# A numeric question without a range constraint is answered within these bounds.
DEFAULT_RANGE = (0, 100)
# Each option of a select_multiple question is ticked with this chance (at least one is).
TICK_CHANCE = 0.4
# Answers that break the question's constraint are drawn again this many times at most.
REDRAWS = 200
_LITERAL = re.compile(r"\s*'([^']*)'\s*")


def question_rng(seed: int, name: str) -> np.random.Generator:
    """A random stream of one question's own: the seed and the question's name.

    Adding, removing or reordering other questions leaves its answers as they were, and the
    calibrated questions' stream is never touched.
    """
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


def _as_text(frame: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """The answers as the form's expressions read them: text or number, ``None`` for no answer."""
    view = frame.reindex(columns=list(names)).astype(object)
    return view.where(view.notna(), None)


def _draw(question: Question, instrument: Instrument, n: int, rng: np.random.Generator) -> list[Any]:
    """``n`` answers of the question's type, from its choices or its range."""
    if question.is_select_one:
        codes = instrument.codes(question.name)
        return [codes[i] for i in rng.integers(0, len(codes), n)]
    if question.is_select_multiple:
        codes = instrument.codes(question.name)
        ticks = rng.random((n, len(codes))) < TICK_CHANCE
        ticks[np.arange(n), rng.integers(0, len(codes), n)] = True  # at least one option
        return [" ".join(code for code, on in zip(codes, row, strict=True) if on) for row in ticks]
    low, high = bounds(question.constraint) or DEFAULT_RANGE
    if question.type == "integer":
        return [int(v) for v in rng.integers(int(np.ceil(low)), int(np.floor(high)) + 1, n)]
    return [float(v) for v in np.round(rng.uniform(low, high, n), 1)]


def _fill_question(frame: pd.DataFrame, question: Question, instrument: Instrument, seed: int) -> pd.Series:
    """One question's answers for every row of ``frame``: drawn where the form shows it.

    Raises:
        ValueError: the question's relevance or constraint cannot be read, or no drawn answer
            satisfies its constraint; the message names the question.
    """
    names = [q.name for q in instrument.answer_questions()]
    view = _as_text(frame, names)
    try:
        shown = pd.Series(True, index=frame.index)
        for expression in instrument.relevance(question.name):
            shown &= evaluate(expression, view)
    except UnsupportedExpression as error:
        raise ValueError(f"synthetic data: the relevance of question {question.name!r} cannot be read "
                         f"({error}); simplify it or fill the column by hand") from error
    answers = pd.Series(None, index=frame.index, dtype=object)
    if question.type == "calculate":
        literal = _LITERAL.fullmatch(question.calculation)
        # A computed value other than a constant is left empty, as an export without it would be.
        if literal:
            answers[shown] = literal.group(1)
        return answers
    rng = question_rng(seed, question.name)
    pending = shown.copy()
    for _round in range(REDRAWS):
        if not pending.any():
            return answers
        answers[pending] = _draw(question, instrument, int(pending.sum()), rng)
        if not question.constraint:
            return answers
        view[question.name] = answers.where(shown, None)
        try:
            pending = shown & ~evaluate(question.constraint, view, current=question.name)
        except UnsupportedExpression as error:
            raise ValueError(f"synthetic data: the constraint of question {question.name!r} cannot be read "
                             f"({error}); simplify it or fill the column by hand") from error
    raise ValueError(f"synthetic data: no answer drawn for question {question.name!r} satisfies its constraint "
                     f"{question.constraint!r} in {REDRAWS} draws; widen it or fill the column by hand")


def fill_other_questions(frame: pd.DataFrame, instrument: Instrument, calibrated: frozenset[str],
                         seed: int) -> pd.DataFrame:
    """Answer, for the eligible completes, every question no published figure calibrates.

    A question added to the form (a new row of ``data/instrument/survey.csv``) gets answers
    drawn from its type: a ``select_one`` one of its choices, a ``select_multiple`` some of
    them, an ``integer`` or ``decimal`` a number within its range constraint (0 to 100 without
    one), a ``calculate`` its constant; where its relevance (the enclosing groups' and its own)
    holds, and obeying its constraint. Open text stays empty, as everywhere in the synthetic
    data. Each question draws from its own stream (:func:`question_rng`), in form order so
    that a relevance may read an added question before it.

    Args:
        frame: the completes, with the calibrated questions answered.
        instrument: the form.
        calibrated: the questions answered already; they are left exactly as they are.
        seed: the study seed.

    Returns:
        ``frame`` with a column for each added question.
    """
    out = frame.copy()
    for question in instrument.answer_questions():
        if question.name in calibrated or question.type == "text":
            continue
        out[question.name] = _fill_question(out, question, instrument, seed)
    return out
