"""Mexico's barriers sentence and figure leave out the country's second and third barriers.

A ``multi`` analysis with ``top: 5`` (``params/analyses.yml``: ``barriers``) keeps the five options
most often ticked *across the six countries* (``analysis_kinds.run_multi``: "rank by the pooled
picture"), then writes the national sentence "named most often was X, followed by Y and Z" and
the figure "The five factors most often said to stop children from disclosing — Mexico" from
those five only. In Mexico, "fear of being treated as an offender" (41 of 91, 45%) and "police
refuse or fail to act" (38, 42%) rank second and third but are not among the pooled five, so the
body says "followed by fear of how others will react (43%) and the taboo on sex and sexuality
(40%)" while the executive summary of the same report says "followed by fear of being treated as
an offender (45%) and fear of how others will react (43%)". (English Mexico report, p. 23 and p. 5.)

Expected values are counted here from the export with pandas, not by the library.
"""

from __future__ import annotations

import re
from pathlib import Path

from perspectives.readers import load_survey
from perspectives.report import Section


def _mexico_barrier_order() -> list[str]:
    """Barrier codes in Mexico, most ticked first, counted from the eligible answers themselves."""
    eligible = load_survey().eligible
    mexico = eligible[eligible["country"] == "MEX"]["barriers"].dropna().astype(str)
    counts: dict[str, int] = {}
    for answer in mexico:
        for code in answer.split():
            counts[code] = counts.get(code, 0) + 1
    return sorted(counts, key=lambda code: -counts[code])


def test_the_national_barriers_sentence_follows_the_countrys_own_order(tmp_path: Path, published) -> None:
    order = _mexico_barrier_order()
    section = Section("disclosure", "MEX", "en", output_dir=str(tmp_path / "run"))
    labels = section.survey.instrument.choice_labels("barriers")
    section.run("barriers")
    text = " ".join(str(d.get("text/markdown", "")) for d in published)
    sentence = next(s for s in re.split(r"(?<=\.)\s", text) if "barrier to disclosure" in s and "followed by" in s)
    second = labels[order[1]].split(" (")[0].lower()
    # The sentence's "followed by" names the country's own second barrier.
    assert second in sentence.lower(), (order[:3], sentence)
