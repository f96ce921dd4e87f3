"""The Albanian (and Bosnian) edition: numbers in words, the partner's own name, participants' gender; short battery labels.

Expected values are worked by hand: Albanian writes six "gjashtë" and Bosnian "šest" (the
languages' own number words, which num2words does not know); the government battery's
questions ("How would you rate your government's funding of the response to ...") are long,
and its chart and table rows take the short labels ``items:`` in params/analyses.yml gives.
On the old code each of these tests fails: "Të 6 vendet", the English partner name, "të rinj"
where every participant is a young woman, and the question texts as row labels.
"""

from __future__ import annotations

import pytest

from perspectives import analysis
from perspectives.i18n import Gender, Translator
from perspectives.readers import load_survey
from perspectives.study import load_study


@pytest.mark.parametrize(("lang", "key", "expected"), [
    ("sq", "All {count} countries", "Të gjashtë vendet"),
    ("sq", "{count} countries", "gjashtë vende"),
    ("sq", "the {count} countries", "të gjashtë vendet"),
    ("bs", "All {count} countries", "Svih šest zemalja"),
    ("es", "All {count} countries", "Los seis países"),
])
def test_the_count_of_countries_is_written_in_the_languages_words(lang: str, key: str, expected: str) -> None:
    assert Translator(lang).plural(key, 6) == expected


def test_a_number_past_nine_stays_in_figures() -> None:
    assert Translator("sq").plural("{count} countries", 12) == "12 vende"


def test_every_partner_has_its_name_in_its_countrys_language() -> None:
    study = load_study()
    albania = study.country("ALB")
    assert albania.partner_in("sq") != albania.partner and "Shqipëri" in albania.partner_in("sq")
    missing = [c.iso3 for c in study.countries if c.partner and c.language != "en" and not dict(c.partner_names).get(c.language)]
    assert not missing


SAID_OF_PARTICIPANTS = (
    "The results draw on three sources: a survey of frontline workers, conversations with young people who "
    "experienced online sexual exploitation or abuse as children, and a roundtable of international experts.",
    "hear from young people who experienced online sexual exploitation or abuse as children about the help they "
    "received and what should change, so that their views inform the decisions that affect children;",
)


@pytest.mark.parametrize("english", SAID_OF_PARTICIPANTS)
def test_albanian_names_participants_who_are_all_women_as_women(english: str) -> None:
    tr = Translator("sq")
    tr.agreement = {"participants": Gender("feminine")}
    feminine = tr.markdown(english)
    assert "të reja" in feminine and "të rinj" not in feminine, feminine
    tr.agreement = {"participants": Gender("masculine")}
    assert "të rinj" in tr.markdown(english)  # a mixed group: the generic form


def test_the_government_ratings_rows_are_short_labels() -> None:
    survey = load_survey()
    result = analysis.run("government", survey, "ALB", {"ALB": "Albania", "ALL": "All six countries"})
    questions = [survey.instrument.label(q) for q in survey.instrument.questions if q.startswith("gov_")]
    rows = list(result.shares.index)
    assert len(rows) == 8 and "Funding of the response" in rows
    assert not set(rows) & set(questions)  # no row is the question as asked
    assert max(len(r) for r in rows) <= 45
    sq = Translator("sq")
    assert all(sq.lookup(r) != r for r in rows), "every short label has its Albanian"
