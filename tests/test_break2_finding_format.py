"""Outside-breaker check: a finding's field with a format spec silently changes the number it states.

``data/recommendations.yml`` findings state recorded values as ``{v[name]}``; the loader checks the
field *names* (``_check_findings``) but not what follows them. ``{v[name]:.1}`` (a typo, or a
spreadsheet habit) is accepted, and the report then prints the value cut to its first character:
"In Moldova, 5 of the workers ..." where the recorded value is 59%. Input the code cannot read as
its author meant must be refused naming the file, the entry and the fix, never printed changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from perspectives.qualitative import QualitativeDataError
from perspectives.qualitative_recommendations import load_recommendations

REPO = Path(__file__).resolve().parents[1]
FIELD = "{v[government.gov_awareness.bottom.pct]}"


@pytest.mark.parametrize("changed", ["{v[government.gov_awareness.bottom.pct]:.1}",
                                     "{v[government.gov_awareness.bottom.pct]!r}"])
def test_a_finding_field_with_a_format_spec_is_refused(tmp_path: Path, changed: str) -> None:
    text = (REPO / "data" / "recommendations.yml").read_text(encoding="utf-8")
    assert text.count(FIELD) == 1
    path = tmp_path / "recommendations.yml"
    path.write_text(text.replace(FIELD, changed), encoding="utf-8")
    assert "{:.1}".format("59%") == "5"  # what the report then prints of the recorded value
    with pytest.raises(QualitativeDataError, match="recommendations.yml"):
        load_recommendations(path)
