"""A breakdown's table leaves out an answer nobody gave, where its analysis asks it (review 3, item 14).

The synthesis's "Age of the workers by type of organisation" (``age_by_org``, ``drop_empty: true``)
printed "Under 21: 0% (n = 0)" in every column: the rule was applied to tables by country only.
Who gave each answer is counted here with pandas on the embedded export.
"""

from __future__ import annotations

import pytest

from perspectives import analysis
from perspectives.readers import load_survey
from perspectives.study import load_study

NAMES = {c.iso3: c.name for c in load_study().countries} | {"ALL": "All six countries"}


@pytest.fixture(scope="module")
def survey():
    return load_survey()


def test_an_age_band_nobody_gave_is_no_row_of_the_table_by_type_of_organisation(survey) -> None:
    spec = analysis.load_specs()["age_by_org"]
    assert spec.get("drop_empty") and spec["by"] == "org_type"
    data = survey.eligible
    given = set(data.loc[data[spec["by"]].notna(), spec["question"]].dropna())
    labels = survey.instrument.choice_labels(spec["question"])
    nobody = [labels[c] for c in labels if c not in given]
    assert nobody, "the embedded export has no age band that nobody gave: nothing to check"
    result = analysis.run("age_by_org", survey, "ALL", NAMES)
    frame = result.tables["by_org_type"].frame
    rows = [str(r).strip() for r in frame.index]
    assert not set(nobody) & set(rows), (nobody, rows)
    assert {labels[c] for c in given if c in labels} <= set(rows), rows
