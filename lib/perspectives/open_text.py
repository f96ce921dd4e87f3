"""Open-text answers from the survey: shown only when approved and screened.

Purpose
    The survey's open questions (training, trends, facilitators, comments) can carry names,
    places and case details. An answer reaches a report only if (1) a researcher approved it
    for publication, in an approvals file kept beside the confidential export, and (2) it
    passes the same identifying-details screen as the conversation excerpts. Everything else
    is counted, never shown.

Inputs
    The eligible completes (with the respondent id column), the open question's name, the
    approvals file (``approved_open_text.csv`` beside the export: columns ``respondent_id``
    and ``question``), the report's country.

Outputs
    :class:`OpenText`: the answers that may be shown (text only, no id) and counts of answers
    received, approved and blocked by the screen.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .rawtable import path_problem
from .screen import screen_excerpts
from .study import Study

if TYPE_CHECKING:
    from .readers import SurveyData

APPROVALS_FILE = "approved_open_text.csv"


@dataclass(frozen=True)
class OpenText:
    """What a report may show of one open question."""

    question: str
    shown: tuple[str, ...]
    received: int
    approved: int
    blocked: int


def load_approvals(data_path: str | Path | None) -> pd.DataFrame:
    """The approvals kept beside an export; none for the embedded synthetic data."""
    if data_path is None:
        return pd.DataFrame(columns=["respondent_id", "question"])
    path = Path(data_path).parent / APPROVALS_FILE
    if not path.exists() and not path.is_symlink():
        return pd.DataFrame(columns=["respondent_id", "question"])
    problem = path_problem(path)  # a folder, a named pipe (never waited on), a device, a broken link
    if problem is not None:
        raise ValueError(f"{path.name}: {problem.problem}. Fix: {problem.fix}")
    fix = "list approved answers as respondent_id,question, one per line, saved as 'CSV UTF-8'"
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:  # Excel's 'CSV UTF-8' starts with a BOM
            rows = [row for row in csv.reader(handle) if row]
    except UnicodeDecodeError:
        raise ValueError(f"{path.name}: not UTF-8 text. Fix: {fix}") from None
    except csv.Error as exc:
        raise ValueError(f"{path.name}: not readable as CSV ({exc}). Fix: {fix}") from None
    if not rows:
        raise ValueError(f"{path.name}: the file is empty. Fix: {fix}, or remove the file")
    ragged = [number for number, row in enumerate(rows[1:], start=2) if len(row) != len(rows[0])]
    if ragged:  # pandas would have read the extra fields as an index, shifting every value
        raise ValueError(f"{path.name}: line(s) {', '.join(map(str, ragged[:5]))}: its rows cannot be split into "
                         f"its header's {len(rows[0])} columns. Fix: {fix}")
    approvals = pd.DataFrame(rows[1:], columns=rows[0], dtype=str)
    missing = {"respondent_id", "question"} - set(approvals.columns)
    if missing:
        raise ValueError(f"{path.name}: missing column(s) {sorted(missing)}; "
                         "Fix: list approved answers as respondent_id,question")
    return approvals


def check_approvals(approvals: pd.DataFrame, survey: SurveyData, id_column: str, file: str = APPROVALS_FILE) -> None:
    """Refuse approvals that match no answer a report could show: every line must name one.

    An approval naming a question that is no open (``text``) question of the form, or a
    respondent who is no eligible complete of the export (an id typed with a space, copied
    from another export, or of an excluded response), approves nothing: read as it is, the
    report would say that no answer was approved, which is not what the researcher wrote.

    Args:
        approvals: :func:`load_approvals`' frame, one row per line after the header.
        survey: the export the approvals sit beside, as read.
        id_column: the eligible frame's respondent id column.
        file: the approvals file's name, for the message.

    Raises:
        ValueError: naming the file, each line that matches nothing (up to five) and the fix.
    """
    open_questions = [q.name for q in survey.instrument.questions.values() if q.type == "text"]
    ids = set(survey.eligible[id_column].astype(str)) if id_column in survey.eligible.columns else set()
    problems = []
    for line, (respondent, question) in enumerate(zip(approvals["respondent_id"], approvals["question"],
                                                      strict=True), start=2):
        if question not in open_questions:
            problems.append(f"line {line}: {question!r} is no open question of the form")
        elif respondent not in ids:
            spaced = respondent.strip() != respondent and respondent.strip() in ids
            problems.append(f"line {line}: {respondent!r} is no eligible complete response of the export"
                            + (" (it has spaces around it)" if spaced else ""))
    if problems:
        raise ValueError(f"{file}: {len(problems)} approval(s) match no answer: {'; '.join(problems[:5])}. "
                         f"Fix: name an eligible respondent's id exactly as in the export and one of the open "
                         f"questions {', '.join(open_questions)}, or remove the line")


def select_open_text(eligible: pd.DataFrame, question: str, approvals: pd.DataFrame, id_column: str,
                     country: str | None = None, k: int = 3, study: Study | None = None) -> OpenText:
    """Approved answers to ``question`` that pass the screen (at most ``k``, in id order).

    ``study``: the study whose countries the screen knows the places of (default: the one
    around the working directory).
    """
    rows = eligible if country is None else eligible[eligible["country"] == country]
    answers = rows[[id_column, question]].dropna()
    answers = answers[answers[question].astype(str).str.strip() != ""]
    approved_ids = set(approvals.loc[approvals["question"] == question, "respondent_id"])
    approved = answers[answers[id_column].isin(approved_ids)].sort_values(id_column)
    passed, log = screen_excerpts(approved.rename(columns={question: "text"}), text_column="text", study=study)
    shown = tuple(str(t) for t in passed["text"].head(k))
    return OpenText(question, shown, received=len(answers), approved=len(approved), blocked=len(log))
