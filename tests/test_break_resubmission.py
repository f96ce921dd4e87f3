"""A submission the survey tool's own id names twice is not counted twice without a word.

KoboToolbox keeps the id of a submission's first version in ``meta/rootUuid`` (and its
``meta/instanceID``), whatever ``_id`` and ``_uuid`` a copy gets: two exports merged by hand
(before and after a reviewer's edit) hold the same submission twice under two ``_uuid``. Exact
copies were flagged ("identical submissions"); a copy whose one answer was edited was not:
``perspectives check`` said "duplicate ids: none" and "identical submissions: none", and the
respondent was counted twice. The export's own ``meta/rootUuid`` (and ``meta/deprecatedID``,
which names the version an edit replaces) is the independent reading. A survey tool exports
each submission once, in its latest version, so the file is refused rather than one version
chosen for the partner.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pandas as pd

from perspectives.check import run_check


def _export(tmp_path: Path, edit: bool) -> tuple[Path, list[int]]:
    """The embedded export as Kobo writes it, with three Moldovan submissions in it twice."""
    frame = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "synthetic" / "survey_export.csv",
                        dtype=str, keep_default_na=False)
    frame.insert(len(frame.columns), "_id", [str(100000 + i) for i in range(len(frame))])
    frame.insert(len(frame.columns), "_uuid", [str(uuid.UUID(int=i + 1)) for i in range(len(frame))])
    frame = frame.drop(columns=["respondent_id"])
    frame["meta/rootUuid"] = "uuid:" + frame["_uuid"]
    eligible = frame[(frame["country"] == "MDA") & (frame["completed"] == "yes") & (frame["elig_csea"] == "yes")]
    copies = eligible.head(3).copy()
    copies["_id"] = ["900001", "900002", "900003"]
    copies["_uuid"] = [str(uuid.UUID(int=10**6 + i)) for i in range(3)]
    if edit:  # a reviewer corrected one answer in the later export
        copies["experience"] = copies["experience"].map(lambda v: "11_20" if v != "11_20" else "6_10")
    rows = [int(i) + 2 for i in copies.index] + [len(frame) + 2 + k for k in range(3)]
    path = tmp_path / "kobo.csv"
    pd.concat([frame, copies]).to_csv(path, index=False)
    return path, sorted(rows)


def _flagged_rows(result: dict) -> set[int]:
    checks = result["field_checks"]
    groups = checks["duplicate_ids"] + checks["identical_submissions"]
    return {row for group in groups for row in (group["rows"] if isinstance(group, dict) else group)}


def test_exact_copies_under_new_ids_are_flagged(tmp_path: Path) -> None:
    """The copies that match every answer are named today (the control)."""
    path, rows = _export(tmp_path, edit=False)
    assert set(rows) <= _flagged_rows(run_check(path))


def test_an_edited_copy_of_one_submission_is_named(tmp_path: Path) -> None:
    """The rows sharing one ``meta/rootUuid`` are named (or the file refused), not counted twice silently."""
    path, rows = _export(tmp_path, edit=True)
    result = run_check(path)
    assert not result["usable"] or set(rows) <= _flagged_rows(result)


def _problem(result: dict, fragment: str) -> dict:
    return next(p for p in result["problems"] if fragment in p["message"])


def test_the_refusal_names_the_file_the_id_column_the_rows_and_the_fix(tmp_path: Path) -> None:
    """The file is refused (no version is chosen for the partner), naming both rows of each submission."""
    path, rows = _export(tmp_path, edit=True)
    result = run_check(path)
    assert not result["usable"]
    problem = _problem(result, "more than one row")
    assert problem["column"] == "meta/rootUuid" and sorted(problem["rows"]) == rows
    message = problem["message"]
    assert message.startswith("kobo.csv, column meta/rootUuid, rows ") and "3 submission(s)" in message
    assert all(str(row) in message for row in rows)
    # Nothing in the file says which copy is the later one: the fix says so instead of choosing.
    assert "export the data again" in message and "does not say which version is the latest" in message


def _odk_versions(tmp_path: Path, rejected: bool = False) -> tuple[Path, list[int], list[int]]:
    """ODK Central's layout (no rootUuid) with three submissions edited: the later rows name the earlier ones."""
    frame = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "synthetic" / "survey_export.csv",
                        dtype=str, keep_default_na=False)
    frame["meta-instanceID"] = [f"uuid:{uuid.UUID(int=i + 1)}" for i in range(len(frame))]
    frame["meta-deprecatedID"] = ""
    frame["ReviewState"] = ""
    eligible = frame[(frame["completed"] == "yes") & (frame["elig_csea"] == "yes")]
    later = eligible.head(3).copy()
    later["respondent_id"] = [f"EDIT{k}" for k in range(3)]
    later["meta-deprecatedID"] = later["meta-instanceID"]
    later["meta-instanceID"] = [f"uuid:{uuid.UUID(int=10**6 + k)}" for k in range(3)]
    if rejected:  # the reviewers rejected the first versions: only the edits are data
        frame.loc[later.index, "ReviewState"] = "rejected"
    earlier_rows = [int(i) + 2 for i in later.index]
    later_rows = [len(frame) + 2 + k for k in range(3)]
    path = tmp_path / "central.csv"
    pd.concat([frame, later]).to_csv(path, index=False)
    return path, earlier_rows, later_rows


def test_a_deprecated_id_chain_is_named_as_the_earlier_versions_rows(tmp_path: Path) -> None:
    """Without a rootUuid, deprecatedID -> instanceID joins the versions; the fix names the earlier rows."""
    path, earlier, later = _odk_versions(tmp_path)
    result = run_check(path)
    assert not result["usable"]
    problem = _problem(result, "more than one row")
    assert sorted(problem["rows"]) == sorted(earlier + later)
    assert f"by meta-deprecatedID, the earlier versions are on rows {', '.join(map(str, earlier))}" in \
        problem["message"]


def test_earlier_versions_the_reviewers_rejected_are_set_aside(tmp_path: Path) -> None:
    """A rejected version is no data (as for duplicate ids): one version of each submission remains."""
    path, _, _ = _odk_versions(tmp_path, rejected=True)
    result = run_check(path)
    assert result["usable"], result["problems"]


def test_an_export_of_edited_submissions_each_on_one_row_is_read(tmp_path: Path) -> None:
    """The tool's own export: edited submissions carry a deprecatedID naming a version not in the file."""
    path, rows = _export(tmp_path, edit=False)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False).iloc[: -3]
    frame["meta/instanceID"] = "uuid:" + frame["_uuid"]
    frame["meta/deprecatedID"] = ["uuid:" + str(uuid.UUID(int=5 * 10**6 + i)) if i % 7 == 0 else ""
                                  for i in range(len(frame))]
    frame.to_csv(path, index=False)
    result = run_check(path)
    assert result["usable"], result["problems"]
    expected = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "synthetic" / "survey_export.csv",
                           dtype=str, keep_default_na=False)
    assert sum(result["countries"][c]["eligible"] for c in result["countries"]) == int(
        ((expected["completed"] == "yes") & (expected[["consent", "elig_adult", "elig_role12m", "elig_caseload12m",
                                                        "elig_children", "elig_csea"]] == "yes").all(axis=1)).sum())


def test_a_copy_under_the_same_id_is_named_once_as_a_duplicate_id(tmp_path: Path) -> None:
    """Copies keeping their _uuid are the duplicate-id check's: the same rows are not refused twice."""
    path, rows = _export(tmp_path, edit=True)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[frame.index[-3:], "_uuid"] = frame.loc[[row - 2 for row in rows[:3]], "_uuid"].to_numpy()
    frame.to_csv(path, index=False)
    messages = [problem["message"] for problem in run_check(path)["problems"]]
    assert [m for m in messages if "duplicate respondent ids" in m] and not [m for m in messages
                                                                             if "more than one row" in m]


def test_ids_written_with_and_without_uuid_prefix_are_one_submission(tmp_path: Path) -> None:
    """Kobo saved an edit's rootUuid without its namespace before 2025: 'abc' and 'uuid:abc' name one submission."""
    path, rows = _export(tmp_path, edit=True)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[frame.index[-3:], "meta/rootUuid"] = frame.loc[frame.index[-3:], "meta/rootUuid"].str.removeprefix(
        "uuid:")
    frame.to_csv(path, index=False)
    assert sorted(_problem(run_check(path), "more than one row")["rows"]) == rows
