"""Partner exports the synthetic generator never makes, for the attack: small and lopsided data.

Each function takes the study's synthetic export (every response, as text) and returns a new
one; nothing else of the project is used. What they make:

- :func:`tiny_country`: a country with only ``n`` eligible completed responses (its partial and
  disqualified responses kept as they are);
- :func:`single_answer`: one answer given by exactly one eligible respondent of one country and
  by nobody anywhere else in the export;
- :func:`all_but_one`: an optional question answered by every respondent it is asked of in a
  country except one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

ELIGIBLE = ("consent", "elig_adult", "elig_role12m", "elig_caseload12m", "elig_children", "elig_csea")


def read_export(path: Path) -> pd.DataFrame:
    """An export read as text, every cell as written."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def eligible_complete(frame: pd.DataFrame) -> pd.Series:
    """The rows analysed: consent and every criterion 'yes', and the form completed."""
    mask = frame["completed"].eq("yes")
    for column in ELIGIBLE:
        mask &= frame[column].eq("yes")
    return mask


def tiny_country(frame: pd.DataFrame, country: str, n: int) -> pd.DataFrame:
    """Keep only the first ``n`` eligible completed responses of ``country``."""
    keep = ~(eligible_complete(frame) & frame["country"].eq(country))
    first = frame.index[eligible_complete(frame) & frame["country"].eq(country)][:n]
    keep.loc[first] = True
    return frame[keep].copy()


def single_answer(frame: pd.DataFrame, question: str, answer: str, country: str, fallback: str) -> pd.DataFrame:
    """Exactly one eligible respondent of ``country`` gives ``answer``; everyone else ``fallback``."""
    out = frame.copy()
    rows = out.index[eligible_complete(out)]
    out.loc[out.index.isin(rows) & out[question].eq(answer), question] = fallback
    first = out.index[eligible_complete(out) & out["country"].eq(country)][0]
    out.loc[first, question] = answer
    return out


def all_but_one(frame: pd.DataFrame, question: str, country: str, asked: str, fill: str) -> pd.DataFrame:
    """Everyone of ``country`` asked ``question`` (``asked``: a pandas query) answers it but one."""
    out = frame.copy()
    pool = out[eligible_complete(out) & out["country"].eq(country)]
    asked_rows = pool.query(asked).index
    blank = asked_rows[asked_rows.isin(pool.index[pool[question].eq("")])]
    out.loc[blank, question] = fill
    out.loc[asked_rows[0], question] = ""
    return out


def write(frame: pd.DataFrame, path: Path) -> Path:
    """Write an export as a partner would upload it (CSV, header kept)."""
    frame.to_csv(path, index=False)
    return path


def build(repo: Path, export: Path, out: Path, reports: list[str], sections: list[str],
          *extra: str) -> subprocess.CompletedProcess[str]:
    """A partner's build of ``export`` by the command line (no PDF): its reports' sections into ``out``."""
    env = dict(os.environ, PERSPECTIVES_PDF="0")
    return subprocess.run([sys.executable, "-m", "perspectives.cli", "build", "--data", str(export), *extra,
                           "--country", *reports, "--section", *sections, "--out", str(out), "--jobs", "2"],
                          cwd=repo, env=env, capture_output=True, text=True, check=False)
