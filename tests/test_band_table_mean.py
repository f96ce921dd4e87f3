"""A banded slider's table prints the mean its sentence gives (review 3, item 6).

Peru's report said "48%" for the mean share of cases involving technology while its table left
Peru's column out as unreadable (every share and the base withheld). The mean is published
(rule 4: a mean on at least the threshold's respondents), so the table prints it, and Peru's
column stays. Expected values are computed here from the survey with pandas, not through the
library's own means.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from perspectives import analysis, disclosure
from perspectives.readers import load_survey
from perspectives.study import load_study

NAMES = {c.iso3: c.name for c in load_study().countries} | {"ALL": "All six countries"}

def _half_up(value: float) -> str:
    """A share in whole units, halves rounded up: how a report prints a mean (independent of its formatter)."""
    return str(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))



@pytest.fixture(scope="module")
def survey():
    return load_survey()


def _mean(survey, country: str, question: str) -> float:
    rows = survey.eligible[survey.eligible["country"] == country]
    return float(pd.to_numeric(rows[question], errors="coerce").mean())


def test_the_table_prints_the_mean_the_sentence_gives(survey) -> None:
    result = analysis.run("tech_share", survey, "PER", NAMES)
    expected = _mean(survey, "PER", "tech_share")
    frame = result.table.frame
    assert "Mean (%)" in frame.index
    assert frame.loc["Mean (%)", ("Peru", "%")] == _half_up(expected)  # the sentence's whole number
    # The sentence's mean is the same number, rounded to a whole per cent.
    assert result.context["mean"] == _half_up(expected)


def test_a_column_with_a_published_mean_is_not_left_out(survey) -> None:
    result = analysis.run("tech_share", survey, "PER", NAMES)
    frame = result.table.frame
    # Every share of Peru's column and its base are withheld (read from the printed frame) ...
    shares = [str(v).strip() for label, v in frame[("Peru", "%")].items() if label not in ("Mean (%)", "Respondents")]
    assert set(shares) == {disclosure.WITHHELD_MARK}
    assert str(frame.loc["Respondents", ("Peru", "n")]).strip() == disclosure.WITHHELD_MARK
    # ... yet the column prints the mean, so it is not dropped as unreadable.
    assert "Peru" not in result.table.unreadable()
