"""An SPSS file whose value labels contradict its values is refused, never read one way silently.

A string variable ``gender`` holds the form's codes (``female``, ``male``), and the file's value
labels say the opposite (``female`` is labelled "male", ``male`` "female"): whoever worked in
SPSS saw and recoded by the labels. Which reading was meant cannot be told from the file; today
the values win without a word (``perspectives check`` says every cell was read as written), so
every respondent's gender may be swapped in the report. The export's own labels are the
independent reading here: they disagree with the values on every answered row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from perspectives.readers import read_survey

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


@pytest.mark.xfail(strict=True, reason="an SPSS string value that is a form code wins over a value label naming "
                                       "another answer, without a word")
def test_labels_that_swap_the_codes_are_refused(tmp_path: Path) -> None:
    """The reader names the question and the contradiction instead of choosing the values."""
    sav = _write_sav(tmp_path / "swapped.sav", {"gender": {"female": "male", "male": "female"}})
    with pytest.raises(ValueError, match="gender"):
        read_survey(sav)
