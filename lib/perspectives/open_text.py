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

import pandas as pd

from .rawtable import path_problem
from .screen import screen_excerpts

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


def select_open_text(eligible: pd.DataFrame, question: str, approvals: pd.DataFrame, id_column: str,
                     country: str | None = None, k: int = 3) -> OpenText:
    """Approved answers to ``question`` that pass the screen (at most ``k``, in id order)."""
    rows = eligible if country is None else eligible[eligible["country"] == country]
    answers = rows[[id_column, question]].dropna()
    answers = answers[answers[question].astype(str).str.strip() != ""]
    approved_ids = set(approvals.loc[approvals["question"] == question, "respondent_id"])
    approved = answers[answers[id_column].isin(approved_ids)].sort_values(id_column)
    passed, log = screen_excerpts(approved.rename(columns={question: "text"}), text_column="text")
    shown = tuple(str(t) for t in passed["text"].head(k))
    return OpenText(question, shown, received=len(answers), approved=len(approved), blocked=len(log))
