"""An SPSS file whose value labels contradict its values is refused, never read one way silently.

A string variable ``gender`` holds the form's codes (``female``, ``male``), and the file's value
labels say the opposite (``female`` is labelled "male", ``male`` "female"): whoever worked in
SPSS saw and recoded by the labels. Which reading was meant cannot be told from the file; the
values won without a word (``perspectives check`` said every cell was read as written), so every
respondent's gender could be swapped in the report. Now the file is refused, naming the variable,
the cases, each value with its label, the form's answers and both ways to fix it. The export's own labels are the
independent reading here: they disagree with the values on every answered row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from perspectives.instrument import Choice, Instrument, Question
from perspectives.readers import read_survey
from perspectives.readers_cells import AnswerColumns, Tally

REPO = Path(__file__).resolve().parents[1]
EXPORT = REPO / "data" / "synthetic" / "survey_export.csv"
NUMBERS = ["se_share", "tech_share", "boys_online_share", "girls_online_share", "boys_offender_female_share",
           "girls_offender_female_share"]


def _write_sav(path: Path, labels: dict[str, dict[str, str]]) -> Path:
    """The embedded export as an SPSS file (numbers as numbers), with ``labels`` as value labels."""
    import pyreadstat

    frame = pd.read_csv(EXPORT, dtype=str, keep_default_na=False)
    for column in NUMBERS:
        frame[column] = pd.to_numeric(frame[column].replace("", np.nan))
    pyreadstat.write_sav(frame, str(path), variable_value_labels=labels)
    return path


def test_labels_that_agree_with_the_codes_are_read(tmp_path: Path) -> None:
    """Labels naming each value's own answer change nothing."""
    sav = _write_sav(tmp_path / "agree.sav", {"gender": {"female": "female", "male": "male"}})
    eligible = read_survey(sav).survey.eligible
    expected = pd.read_csv(EXPORT, dtype=str, keep_default_na=False)
    assert sorted(eligible["gender"].dropna()) == sorted(expected.set_index("respondent_id").loc[
        eligible["respondent_id"], "gender"])


def test_labels_that_swap_the_codes_are_refused(tmp_path: Path) -> None:
    """The reader names the question and the contradiction instead of choosing the values."""
    sav = _write_sav(tmp_path / "swapped.sav", {"gender": {"female": "male", "male": "female"}})
    with pytest.raises(ValueError, match="gender"):
        read_survey(sav)


def test_the_refusal_names_the_file_the_variable_the_contradiction_the_cases_and_the_fix(tmp_path: Path) -> None:
    """Yes/no answers whose labels say the opposite: every case holding them is named, with both readings."""
    from perspectives.problems import DataError

    sav = _write_sav(tmp_path / "consent.sav", {"consent": {"yes": "No", "no": "Yes"}})
    with pytest.raises(DataError) as caught:
        read_survey(sav)
    problem = next(p for p in caught.value.problems if p.column == "consent")
    expected = pd.read_csv(EXPORT, dtype=str, keep_default_na=False)
    # SPSS numbers cases from 1: the export's n-th data row is case n.
    assert list(problem.rows) == [i + 1 for i in expected.index[expected["consent"] != ""]]
    text = problem.text(sav.name)
    assert text.startswith("consent.sav, question ") and "(column consent)" in text
    # Every respondent consented: the one value held, 'yes', is the one named.
    assert "(values 'yes = No')" in text and "Expected: each value labelled with its own answer: yes = 'Yes'" in text
    assert "Fix: the file cannot say which was meant" in text


def test_labels_naming_the_values_own_answer_in_a_form_language_are_read(tmp_path: Path) -> None:
    """A label in one of the form's languages (Romanian 'Femeie' for female) agrees with its value."""
    sav = _write_sav(tmp_path / "ro.sav", {"gender": {"female": "Femeie", "male": "Bărbat"}})
    eligible = read_survey(sav).survey.eligible
    expected = pd.read_csv(EXPORT, dtype=str, keep_default_na=False).set_index("respondent_id")
    assert list(eligible["gender"]) == list(expected.loc[eligible["respondent_id"], "gender"])


def _numbered_form() -> Instrument:
    """A form whose answer codes are numbers (1 = Yes, 2 = No), as many codebooks have them."""
    english, romanian = "English (en)", "Romanian (ro)"  # the form's label::<language> columns
    choices = [Choice("1", {english: "Yes", romanian: "Da"}), Choice("2", {english: "No", romanian: "Nu"})]
    question = Question("helped", "select_one", "yes_no", {english: "Were you helped?"}, False, "", "", None)
    return Instrument({"helped": question}, {"yes_no": choices}, languages=(english, romanian))


@pytest.mark.parametrize(("labels", "refused"), [
    ({"1": "No", "2": "Yes"}, ["1 = No", "2 = Yes"]),  # the labels swap the codebook's answers
    ({"1": "Yes", "2": "Nu"}, []),  # each value's own answer (in English, or in Romanian)
    ({"1": "Yes", "2": "Yes"}, ["2 = Yes"]),  # one value labelled with the other's answer
])
def test_numeric_codes_against_their_labels(labels: dict[str, str], refused: list[str]) -> None:
    """Values 1 and 2 that are the codebook's codes are read only when their labels name the same answers."""
    problems: list = []
    columns = AnswerColumns(_numbered_form(), ["helped"], Tally(), [1, 2, 3, 4], "cases", {}, {}, problems)
    out = columns.apply_value_labels(_numbered_form()["helped"], "helped", ["1", "2", None, "1"], labels)
    assert out == ["1", "2", None, "1"]  # never recoded one way or the other
    if not refused:
        assert problems == []
        return
    (problem,) = problems
    assert problem.column == "helped" and problem.question == "helped" and problem.values == refused
    assert list(problem.rows) == ([1, 2, 4] if "1 = No" in refused else [2])
    assert problem.expected == "each value labelled with its own answer: 1 = 'Yes', 2 = 'No'"
    assert "recode the values" in problem.fix and "correct the labels" in problem.fix
