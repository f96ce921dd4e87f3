"""What the identifying-details screen must let through, and the readings its name rules add.

The name rules read a full name ("Ion Rusu"), a name before a short phrase and its verb
("Maria de la școală mi-a spus"), an unknown capitalised subject ("Rusu told me") and the
place a person comes from ("a girl from Tirana"). Each of these could withhold ordinary
sentences that identify nobody; the sentences below, written for this test in English,
Romanian and Spanish as workers and young people say such things, must still pass.
"""

from __future__ import annotations

import pytest

from perspectives.screen import screen_text

# (text, language): people in general, roles and relatives, adverbs opening a sentence whose
# subject is dropped, and short phrases before the verb. None names anyone or anyone's home.
ORDINARY = [
    ("Facilitators told me little.", "en"),
    ("School staff from the town hall came.", "en"),
    ("Staff told us nothing about it.", "en"),
    ("Friends from school told me to block him.", "en"),
    ("Teachers from the school said nothing.", "en"),
    ("Girls from school told me the same.", "en"),
    ("Others from my class said it happened to them too.", "en"),
    ("Then told me to delete the photos.", "en"),
    ("Cousins told me.", "en"),
    ("Usually asked for photos first.", "en"),
    ("Many girls from Tirana use these apps.", "en"),
    ("People from the city told us about the helpline.", "en"),
    ("Colegii de la școală mi-au spus.", "ro"),
    ("Apoi mi-a spus că nu mai vrea.", "ro"),
    ("Ieri mi-a spus totul.", "ro"),
    ("Prietenii din clasă au spus același lucru.", "ro"),
    ("Profesoara de la școală mi-a spus să vorbesc.", "ro"),
    ("Ayer me dijo que no quería hablar.", "es"),
    ("Luego me dijo que lo bloqueara.", "es"),
    ("Entonces me dijo que sí.", "es"),
    ("Realmente me dijo que no.", "es"),
    ("Mis amigas del colegio me dijeron lo mismo.", "es"),
    ("La profesora del colegio me dijo que hablara.", "es"),
    ("Los compañeros de clase me dijeron que era normal.", "es"),
]


@pytest.mark.parametrize(("text", "lang"), ORDINARY, ids=[o[0] for o in ORDINARY])
def test_a_sentence_that_identifies_nobody_passes(text: str, lang: str) -> None:
    """Roles, groups, adverbs and short phrases before a verb are no name and no home town."""
    result = screen_text(text, lang=lang)
    assert not result.blocked, result.hits


# (text, language, the words withheld as a name or place)
WITHHELD = [
    # A full name anywhere, the given name an ordinary word ("ion") and the surname unknown.
    ("We met Ion Rusu at the centre.", "en", ["Ion", "Rusu"]),
    ("Ana Rusu is in my class.", "en", ["Ana", "Rusu"]),
    # Past a short phrase to the verb: "din" and "de", not only "from".
    ("Ana din clasa noastră mi-a spus.", "ro", ["Ana"]),
    ("Ana de la escuela me dijo.", "es", ["Ana"]),
    # Where a person comes from, a large city included, in the study's languages.
    ("A girl from Chișinău told us.", "en", ["Chișinău"]),
    ("O fată din Chișinău ne-a scris.", "ro", ["Chișinău"]),
    ("Una niña de Bogotá nos escribió.", "es", ["Bogotá"]),
]


@pytest.mark.parametrize(("text", "lang", "words"), WITHHELD, ids=[w[0] for w in WITHHELD])
def test_a_name_or_home_town_is_withheld(text: str, lang: str, words: list[str]) -> None:
    """The new readings withhold the name or place, and name exactly those words."""
    result = screen_text(text, lang=lang)
    assert [h.text for h in result.hits] == words


def test_a_zero_width_space_between_two_names_is_a_word_break() -> None:
    """ "Ana<ZWSP>Rusu" is Ana Rusu to a search or a copy; joined, "AnaRusu" is one unknown word."""
    result = screen_text("Ana\u200bRusu is in my class.", lang="en")
    assert [h.text for h in result.hits] == ["Ana", "Rusu"]
    # The span points into the text as given: a space for the zero-width space keeps its length.
    assert [h.span for h in result.hits] == [(0, 3), (4, 8)]
