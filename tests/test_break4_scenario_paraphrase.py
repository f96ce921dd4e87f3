"""The report says workers were asked whether the viewer "commits an offence"; the form asked something else.

The scenario question ``scen_viewer`` reads "Another adult watches the video call while the
child undresses. Has this viewer committed online sexual exploitation or abuse?" (the form's
label). The report turns it into a legal question: the figure's caption "Is a person who watches
the video call committing an offence?", the sentence "Asked whether a person who watches the
video call commits an offence, workers in Mexico answered: yes (69%) and no or don't know
together (31%)", the executive summary and recommendation 13's evidence. Whether an act is an
offence depends on each country's law; a worker may see abuse and not know the law, or the
reverse. A reader quoting "31% did not know it is an offence" would misreport the survey.

The expected wording comes from the form: every text written about ``scen_viewer`` speaks of
an offence only if the question's own label does.
"""

from __future__ import annotations

import csv
import re

from perspectives.study import repo_root

ROOT = repo_root()
TEXTS = ("params/analyses.yml", "params/summary.yml", "data/recommendations.yml")


def _label(question: str) -> str:
    with (ROOT / "data" / "instrument" / "survey.csv").open(encoding="utf-8", newline="") as handle:
        return next(row["label::English (en)"] for row in csv.DictReader(handle) if row["name"] == question)


def _texts_about_the_viewer() -> list[str]:
    """Lines of the report's templates that speak of the viewer scenario."""
    found = []
    for name in TEXTS:
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            if re.search(r"watches (the|a child undress on a) video call", line):
                found.append(f"{name}: {line.strip()[:140]}")
    return found


def test_the_viewer_scenario_is_reported_as_the_form_asked_it() -> None:
    label = _label("scen_viewer")
    assert "online sexual exploitation or abuse" in label, label
    texts = _texts_about_the_viewer()
    assert texts, "no template speaks of the viewer scenario"
    if "offence" not in label:
        legal = [t for t in texts if "offence" in t]
        assert not legal, "\n".join(legal)
