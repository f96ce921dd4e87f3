"""Submissions the survey's reviewers rejected are set aside before the answer checks.

A partner discards a repeated submission in KoboToolbox by marking it "Not Approved" (in ODK
Central: "rejected"), and exports everything. Such a row is no data: it is counted in the
exclusion log and named by ``perspectives check``, and the checks that concern the rows that
are analysed (one id per response, answers the form would not have shown, codes of the form)
do not refuse the file for it. What could still reach an output is checked on it as on any
row (its country, which the exclusion log shows; control characters), and a review state that
is none of the tool's is refused, never guessed.

The exports are the partner fixtures (``tests/fixtures/partner_exports``) with rows copied or
edited here; the expected readings are the embedded export's own (``variants.reference``).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from variants import FIXTURES, embedded_table, reference

from perspectives.check import render, run_check
from perspectives.readers import DataError, load_survey

HURDLES = ["elig_adult", "elig_role12m", "elig_caseload12m", "elig_children", "elig_csea"]
# file -> the review column, a state meaning "rejected" as that tool writes it, the id column
REJECTING = {
    "kobo-system-columns.csv": ("_validation_status", "validation_status_not_approved", "_uuid"),
    "kobo-system-columns.csv (labels)": ("_validation_status", "Not Approved", "_uuid"),
    "odk-central-default.csv": ("ReviewState", "rejected", "KEY"),
}


def _fixture(case: str) -> tuple[str, list[str], list[list[str]]]:
    name = case.split(" ")[0]
    header, *rows = csv.reader(io.StringIO((FIXTURES / name).read_text(encoding="utf-8-sig")))
    return name, header, rows


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return path


def _eligible_positions() -> list[int]:
    """Rows of the embedded export that are eligible completes (the fixtures keep its row order)."""
    source_header, source_rows = embedded_table()
    col = {c: i for i, c in enumerate(source_header)}
    return [n for n, row in enumerate(source_rows)
            if all(row[col[h]] == "yes" for h in HURDLES) and row[col["completed"]] == "yes"]


def _with_one_more_rejected(survey_exclusions: pd.DataFrame, country: str) -> None:
    """The exclusion log is the embedded export's plus one rejected row of ``country``."""
    want = reference().exclusions
    assert len(survey_exclusions) == len(want) + 1
    rejected = survey_exclusions[survey_exclusions["outcome"] == "rejected"]
    assert rejected.to_dict("records") == [{"outcome": "rejected", "criterion": "", "country": country}]
    pd.testing.assert_frame_equal(survey_exclusions[survey_exclusions["outcome"] != "rejected"].reset_index(drop=True),
                                  want)


@pytest.mark.parametrize("case", sorted(REJECTING))
def test_a_copy_under_the_same_id_marked_rejected_is_set_aside_not_refused_as_a_duplicate_id(tmp_path, case):
    name, header, rows = _fixture(case)
    column, state, id_column = REJECTING[case]
    n = _eligible_positions()[3]
    copy = list(rows[n])
    copy[header.index(column)] = state
    rows.append(copy)  # the repeated submission, last, under the same id, rejected by the reviewers
    assert sum(r[header.index(id_column)] == copy[header.index(id_column)] for r in rows) == 2
    path = _write(tmp_path / name, header, rows)

    survey = load_survey(path)
    want = reference()
    pd.testing.assert_frame_equal(survey.eligible.drop(columns="respondent_id"),
                                  want.eligible.drop(columns="respondent_id"))
    _with_one_more_rejected(survey.exclusions, copy[header.index("country")])
    assert survey.read.review == {"column": column, "rejected": 1}
    assert survey.read.warnings == []  # the copy is no eligible complete: no identical submissions

    result = run_check(path)
    last_row = len(rows) + 1  # the header is row 1
    assert result["usable"], result["problems"]
    assert result["field_checks"]["duplicate_ids"] == []
    assert result["exclusions"]["rejected"] == 1 and result["exclusions"]["rejected_rows"] == [last_row]
    text = render(result)
    assert f"1 rejected by the survey's reviewers ({column})" in text
    assert f"rows {last_row})" in text
    assert "duplicate ids: none" in text


def test_a_rejected_row_is_not_refused_for_answers_the_form_hides_nor_for_unknown_codes(tmp_path):
    name, header, rows = _fixture("kobo-system-columns.csv")
    col = {c: i for i, c in enumerate(header)}
    n = next(k for k, row in enumerate(rows) if row[col["elig_adult"]] == "no")
    assert rows[n][col["gender"]] == "" and rows[n][col["training_text"]] == ""
    rows[n][col["gender"]] = "female"  # asked only of eligible respondents: an edit, on a row that is data
    rows[n][col["education"]] = "doctorate_of_everything"  # no code of the form
    rows[n][col["elig_children"]] = "maybe"  # no code of the eligibility question
    rows[n][col["_validation_status"]] = "validation_status_not_approved"
    path = _write(tmp_path / name, header, rows)

    survey = load_survey(path)
    pd.testing.assert_frame_equal(survey.eligible.drop(columns="respondent_id"),
                                  reference().eligible.drop(columns="respondent_id"))
    assert survey.read.review["rejected"] == 1
    assert (survey.exclusions["outcome"] == "rejected").sum() == 1
    assert len(survey.exclusions) == len(reference().exclusions)  # a disqualified row became a rejected one

    # The same edits on a row the reviewers did not reject are refused, each for its reason.
    rows[n][col["_validation_status"]] = "validation_status_approved"
    with pytest.raises(DataError) as refused:
        load_survey(_write(tmp_path / name, header, rows))
    text = str(refused.value)
    assert "doctorate_of_everything" in text and "'maybe'" in text


@pytest.mark.parametrize("edit, fragments", [
    ({"country": "XYZ"}, ["column country", "'XYZ'"]),
    ({"training_text": "a note\x1b[31m in red"}, ["control characters", "column training_text"]),
])
def test_what_could_still_reach_an_output_is_checked_on_a_rejected_row(tmp_path, edit, fragments):
    name, header, rows = _fixture("kobo-system-columns.csv")
    col = {c: i for i, c in enumerate(header)}
    n = _eligible_positions()[5]
    for column, value in edit.items():
        rows[n][col[column]] = value
    rows[n][col["_validation_status"]] = "Not Approved"
    with pytest.raises(DataError) as refused:
        load_survey(_write(tmp_path / name, header, rows))
    text = str(refused.value)
    assert f"rows {n + 2}:" in text
    for fragment in fragments:
        assert fragment in text


@pytest.mark.parametrize("case, value", [
    ("kobo-system-columns.csv", "Not Aproved"),
    ("kobo-system-columns.csv", "#N/A"),
    ("odk-central-default.csv", "rejectd"),
])
def test_a_review_state_the_tool_does_not_write_is_refused_never_guessed(tmp_path, case, value):
    name, header, rows = _fixture(case)
    column = REJECTING[case][0]
    n = _eligible_positions()[7]
    rows[n][header.index(column)] = value
    path = _write(tmp_path / name, header, rows)
    with pytest.raises(DataError) as refused:
        load_survey(path)
    text = str(refused.value)
    assert f"column {column}" in text and f"rows {n + 2}:" in text and repr(value) in text
    assert "review state" in text
    result = run_check(path)
    assert not result["usable"]


def test_known_review_states_that_are_data_are_read_as_data(tmp_path):
    name, header, rows = _fixture("odk-central-default.csv")
    at = header.index("ReviewState")
    eligible = _eligible_positions()
    for n, state in zip(eligible[:5], ["hasIssues", "edited", "approved", " Approved ", ""], strict=True):
        rows[n][at] = state
    survey = load_survey(_write(tmp_path / name, header, rows))
    pd.testing.assert_frame_equal(survey.eligible.drop(columns="respondent_id"),
                                  reference().eligible.drop(columns="respondent_id"))
    assert survey.read.review == {"column": "ReviewState", "rejected": 0}
