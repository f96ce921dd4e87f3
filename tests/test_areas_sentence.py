"""The sentence on the areas the workers' organisations served (review 3, item 8).

It read "The areas the organisations of the workers in the six countries served: urban areas
only (63%) and ..." (no verb), and Peru's "58% and 43%" added up to 101 on the page without a
word. The shares are the data's own (pandas, on the embedded export); where their rounded values
do not add up to 100, the sentence says what they add up to and points to the definition of
rounding, and never changes a printed share.
"""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from perspectives import analysis
from perspectives.readers import load_survey
from perspectives.study import load_study

NAMES = {c.iso3: c.name for c in load_study().countries} | {"ALL": "All six countries"}


@pytest.fixture(scope="module")
def survey():
    return load_survey()


def _said(survey, place: str) -> tuple[str, list[int]]:
    result = analysis.run("area", survey, place, NAMES)
    text = result.narrative(analysis.load_specs()["area"]["text"], NAMES[place], "NOTE")
    data = survey.eligible if place == "ALL" else survey.eligible[survey.eligible["country"] == place]
    counts = data["area"].value_counts()
    # Whole percents rounded half up, exactly, as the reports print them (46 of 80 is 57.5%, printed 58%).
    urban, total = int(counts.get("urban", 0)), int(counts.sum())
    urban, rural = (int(Fraction(100 * part, total) + Fraction(1, 2)) for part in (urban, total - urban))
    return text, [urban, rural]


@pytest.mark.parametrize("place", ["ALL", "PER", "MDA", "COL"])
def test_the_areas_sentence_has_a_verb_and_says_what_its_shares_add_up_to(survey, place: str) -> None:
    text, (urban, rural) = _said(survey, place)
    if "served" not in text:
        pytest.skip(f"{place}: the sentence with the shares is not the one said ({text})")
    assert f"in {NAMES[place]} served " in text and "served:" not in text, text
    printed = [int(v) for v in re.findall(r"\((\d+)%\)", text)]
    assert printed == [urban, rural], (text, urban, rural)
    if sum(printed) != 100:
        assert f"add up to {sum(printed)}%" in text and "“n and percentages”" in text, text
    else:
        assert "add up to" not in text, text


def test_peru_says_its_shares_add_up_to_101(survey) -> None:
    # The reviewer's page: Peru, 58% and 43%.
    text, shares = _said(survey, "PER")
    assert sum(shares) == 101, shares
    assert "rounded, these shares add up to 101%" in text, text
