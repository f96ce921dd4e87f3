"""A table prints a combination of bands only where a column withholds one of its parts.

Reviewer (list 4, #12): Mexico's Table 4 (the share of boys' cases that were online) printed a
"26-89% (combined)" row although both of its parts, 26-50% and 51-89%, were printed in both
columns. The combination exists for the columns that withhold a part (Albania, Moldova); where
none does, the row only repeats a sum.

The expectation is read from the table's own printed parts: the combination's row is there
exactly when some column prints the withheld mark in a part's row.
"""

from __future__ import annotations

import pytest

from perspectives import analysis
from perspectives.fmt import WITHHELD_MARK
from perspectives.readers import load_survey
from perspectives.study import load_study

STUDY = load_study()
NAMES = {c.iso3: c.name for c in STUDY.countries} | {"ALL": "the six countries"}
ANALYSIS = "boys_online_share"


@pytest.fixture(scope="module")
def survey():
    return load_survey()


@pytest.mark.parametrize("country", [c.iso3 for c in STUDY.countries])
def test_a_combined_row_is_printed_only_beside_a_withheld_part(survey, country: str) -> None:
    spec = analysis.load_specs()[ANALYSIS]
    bands = {b[0]: f"{b[1]:g}-{b[2]:g}%" for b in analysis.load_specs()["bands"][spec["bands"]]}
    frame = analysis.run(ANALYSIS, survey, country, NAMES).table.frame
    for combo in spec["combine"].values():
        parts = frame.loc[[bands[m] for m in combo["members"]]]
        withheld = (parts.astype(str) == WITHHELD_MARK).any().any()
        assert (combo["label"] in frame.index) == withheld, frame.to_string()
