"""Identifying details an outsider's hostile or ordinary answers carry past the screen.

Each text below names a person or where one lives, in the way a worker types an open answer
or a transcriber writes an excerpt; each is one the screen already withholds in a close
variant (the variant is given beside it), so the miss is the screen's, not the policy's. The
expected verdicts are the screen's own on the variant: the same detail must be withheld.
"""

from __future__ import annotations

import pytest

from perspectives.screen import screen_text

# (text, language, the variant the screen withholds today)
MISSED = [
    # A given name the screen knows, followed by a common Moldovan surname, starts the sentence:
    # "Ion told me." and "Ana Popescu told me." are withheld, the full name is not.
    ("Ion Rusu told me.", "en", "Ion told me."),
    ("Ion Rusu mi-a spus.", "ro", "Ion told me."),
    # A name with where the person is from: "Sarah from school told me." is withheld.
    ("Maria from school told me.", "en", "Sarah from school told me."),
    ("Ana from school told me.", "en", "Sarah from school told me."),
    ("Maria de la școală mi-a spus.", "ro", "Sarah from school told me."),
    ("María del colegio me dijo.", "es", "Juan Pérez del colegio me dijo."),
    # Where a person lives, said with "from": "We had moved to Tirana by then." is withheld.
    ("A girl from Tirana.", "en", "We had moved to Tirana by then."),
    # A zero-width space (U+200B) for the space between given name and surname: the page
    # shows "AnaPopescu"; with the space it is withheld.
    ("Ana\u200bPopescu told me.", "en", "Ana Popescu told me."),
    # A surname alone, with a title it is withheld ("Mr Rusu told me.").
    ("Rusu told me.", "en", "Mr Rusu told me."),
]


@pytest.mark.parametrize(("text", "lang", "variant"), MISSED, ids=[m[0] for m in MISSED])
def test_the_variant_is_withheld_today(text: str, lang: str, variant: str) -> None:
    """The close variant each case is measured against is withheld (so the case is a miss)."""
    assert screen_text(variant, lang=lang).blocked


@pytest.mark.parametrize(("text", "lang", "variant"), MISSED, ids=[m[0] for m in MISSED])
def test_a_name_or_home_town_an_answer_gives_is_withheld(text: str, lang: str, variant: str) -> None:
    """A person's name, or the town a child is from, keeps an answer or excerpt out of a report."""
    assert screen_text(text, lang=lang).blocked
