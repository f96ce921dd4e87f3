"""A mean printed in a table reads as the sentence beside it says it.

Reviewer (list 4, #12): Mexico's Tables 6 and 7 printed the share of female offenders as "18.8"
while the sentence said "19%". The report's one formatter of a printed mean
(:func:`perspectives.fmt.fmt_mean`) now serves the table, the chart's labels and the sentence.

The expected figure is the answers' mean counted here with pandas and rounded half up to a whole
percent, not read from the library.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from perspectives import analysis
from perspectives.readers import load_survey
from perspectives.study import load_study

STUDY = load_study()
NAMES = {c.iso3: c.name for c in STUDY.countries} | {"ALL": "the six countries"}
MEANS = ["boys_offender_female_share", "girls_offender_female_share"]


@pytest.fixture(scope="module")
def survey():
    return load_survey()


@pytest.mark.parametrize("analysis_id", MEANS)
@pytest.mark.parametrize("country", ["MEX", "ALB"])
def test_the_table_prints_the_mean_its_sentence_says(survey, analysis_id: str, country: str) -> None:
    spec = analysis.load_specs()[analysis_id]
    data = survey.eligible.query(spec["population"])
    answers = data[data["country"] == country][spec["question"]].dropna().astype(float)
    expected = str(Decimal(str(answers.mean())).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    result = analysis.run(analysis_id, survey, country, NAMES)
    sentence = result.narrative(spec["text"], NAMES[country])
    printed = str(result.table.frame.loc["Mean (%)", NAMES[country]])
    assert f"{expected}%" in sentence, (expected, sentence)
    assert printed == expected, (printed, sentence)
