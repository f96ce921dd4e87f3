"""Outside-breaker checks of the refusal of edited resubmissions (answer_checks.versions_problem).

- A real KoboToolbox export whose ``meta/rootUuid`` column is there but empty on every row
  (submissions made before the tool wrote it, none edited) is a readable file: reading it
  must not stop with a traceback.
- The same export read into SPSS has its column names made SPSS-safe (``meta/rootUuid`` ->
  ``meta_rootUuid``, as ``layouts.NAME_SAFE_SEPARATORS`` says the reader knows for answer
  columns): two versions of one submission are then counted twice without a word.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from perspectives.check import run_check

REPO = Path(__file__).resolve().parents[1]
EXPORT = REPO / "data" / "synthetic" / "survey_export.csv"
NUMBERS = ["se_share", "tech_share", "boys_online_share", "girls_online_share", "boys_offender_female_share",
           "girls_offender_female_share"]


def _with_versions(root: str, instance: str) -> pd.DataFrame:
    """The embedded export with three Moldovan submissions twice: before and after an edit (same root id)."""
    frame = pd.read_csv(EXPORT, dtype=str, keep_default_na=False)
    frame[instance] = [str(uuid.UUID(int=i + 1)) for i in range(len(frame))]
    frame[root] = "uuid:" + frame[instance]
    eligible = frame[(frame["country"] == "MDA") & (frame["completed"] == "yes") & (frame["elig_csea"] == "yes")]
    copies = eligible.head(3).copy()
    copies["respondent_id"] = [f"{v}-edited" for v in copies["respondent_id"]]
    copies[instance] = [str(uuid.UUID(int=10**6 + i)) for i in range(3)]
    copies["experience"] = copies["experience"].map(lambda v: "11_20" if v != "11_20" else "6_10")
    return pd.concat([frame, copies], ignore_index=True)


def test_an_export_whose_root_id_column_is_empty_is_read(tmp_path: Path) -> None:
    frame = pd.read_csv(EXPORT, dtype=str, keep_default_na=False)
    frame["_uuid"] = [str(uuid.UUID(int=i + 1)) for i in range(len(frame))]
    frame["meta/rootUuid"] = ""
    path = tmp_path / "kobo.csv"
    frame.to_csv(path, index=False)
    result = run_check(path)  # raises IndexError today
    assert result["usable"]


def test_versions_of_one_submission_in_an_spss_file_are_refused(tmp_path: Path) -> None:
    import pyreadstat

    frame = _with_versions("meta_rootUuid", "meta_instanceID")
    for column in NUMBERS:
        frame[column] = pd.to_numeric(frame[column].replace("", np.nan))
    path = tmp_path / "kobo.sav"
    pyreadstat.write_sav(frame, str(path))
    csv = tmp_path / "kobo.csv"
    _with_versions("meta/rootUuid", "meta/instanceID").to_csv(csv, index=False)
    assert not run_check(csv)["usable"]  # the control: the same rows as a CSV are refused
    result = run_check(path)
    assert not result["usable"]
    assert any("more than one row" in p["message"] for p in result["problems"])
