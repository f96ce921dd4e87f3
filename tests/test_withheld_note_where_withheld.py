"""The note "Some numbers for ... are withheld" stands only by a chart or table that withholds one (review 3, item 9).

The synthesis printed it under Figure 16, a chart of means by country every bar of which is
drawn, and under the organisations' chart, whose tables withhold nothing. What each result
shows is read from its own published tables and means (independently of the note's code:
the withheld mark in a cell, a mean left out).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from perspectives import analysis, disclosure, report_analyses
from perspectives.readers import load_survey
from perspectives.report import Section
from perspectives.study import load_study

NAMES = {c.iso3: c.name for c in load_study().countries} | {"ALL": "All six countries"}


@pytest.fixture(scope="module")
def survey():
    return load_survey()


def _withholds(result) -> bool:
    frames = [t.frame for t in (result.table, *result.tables.values()) if t is not None]
    marked = any((frame.astype(str).apply(lambda c: c.str.strip()) == disclosure.WITHHELD_MARK).any().any()
                 for frame in frames)
    means = result.context.get("by_means")
    return marked or (means is not None and pd.Series(means).isna().any())


@pytest.mark.parametrize("analysis_id", ["girls_offender_female_share", "org_type", "area", "gender"])
def test_the_note_stands_only_where_a_value_is_withheld(tmp_path: Path, survey, analysis_id: str) -> None:
    result = analysis.run(analysis_id, survey, "ALL", NAMES)
    spec = analysis.load_specs()[analysis_id]
    section = Section(spec.get("section", "methods"), "ALL", output_dir=str(tmp_path / "run"), lang="en")
    note = report_analyses.withheld_note(section, result, spec, show_table=True)
    if _withholds(result):
        assert "withheld" in note, (analysis_id, note)
    else:
        assert note == "", (analysis_id, note)


def test_both_kinds_are_covered(survey) -> None:
    # The cases above include a result that withholds nothing and one that withholds something.
    kinds = {_withholds(analysis.run(a, survey, "ALL", NAMES)) for a in ("girls_offender_female_share", "gender")}
    assert kinds == {True, False}
