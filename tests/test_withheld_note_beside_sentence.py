"""No "Some numbers ... are withheld" note before a table said in a sentence because it is mostly withheld (review 3, item 9).

In the synthesis the note stood under Figure 16, a chart of means every bar of which is drawn:
it belonged to the next analysis, "Where offenders were mostly from", whose table is said in one
sentence that itself says its numbers are withheld. Read independently of the rule's code: the
share of the table's cells that read the withheld mark, counted here, against the study's
``tables.max_withheld_share`` (params/study.yml).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from perspectives import analysis, disclosure, report_analyses
from perspectives.readers import load_survey
from perspectives.report import Section
from perspectives.study import load_study

NAMES = {c.iso3: c.name for c in load_study().countries} | {"ALL": "All six countries"}


def _withheld_share(frame) -> float:
    cells = [str(v).strip() for v in frame.to_numpy().ravel()]
    cells = [c for c in cells if c]
    return sum(c == disclosure.WITHHELD_MARK for c in cells) / len(cells)


@pytest.fixture(scope="module")
def survey():
    return load_survey()


def test_a_mostly_withheld_table_said_in_a_sentence_gets_no_note_before_it(tmp_path: Path, survey) -> None:
    result = analysis.run("offender_origin", survey, "ALL", NAMES)
    spec = analysis.load_specs()["offender_origin"]
    limit = float((load_study().raw.get("tables") or {}).get("max_withheld_share", 0.5))
    assert spec.get("figure") is None
    # The case is the one the reviewer saw: a table mostly withheld, so said in a sentence.
    assert _withheld_share(result.table.frame) > limit
    section = Section(spec.get("section", "methods"), "ALL", output_dir=str(tmp_path / "run"), lang="en")
    assert report_analyses.withheld_note(section, result, spec, show_table=True) == ""
