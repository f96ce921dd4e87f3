"""A national summary says the six-country share is "the same as" its own when both print alike.

Reviewer (list 4, #10): the Mexico summary read "Across the six countries, the share for stigma
and shame was close to that in Mexico, at 58%" where Mexico's share was 58% too. Two shares that
print the same are the same to the reader; "close" is kept for shares a point or two apart.

The shares below are hand-written (58.4 and 57.6 both print 58; 60.0 and 58.0 do not), so the
expected word follows from the printed figures alone.
"""

from __future__ import annotations

import pytest
import yaml

from perspectives import analysis
from perspectives.i18n import Translator
from perspectives.study import repo_root
from perspectives.summary import executive_summary
from perspectives.texts import Texts


def _value(country: str, value: float) -> dict:
    return {"name": "barriers.stigma.pct", "value": value, "country": country, "suppressed": False,
            "measure": "percent", "n": 91}


def _summary(tmp_path, own: float, pooled: float, lang: str = "en") -> str:
    spec = tmp_path / "summary.yml"
    spec.write_text(yaml.safe_dump([{"heading": "Disclosure", "findings": [], "topics": ["barriers"],
                                     "compare": ["barriers"]}]), encoding="utf-8")
    texts = Texts(Translator(lang), {"place": "Mexico", "country_name": "Mexico", "pooled_place": "the six countries"},
                  {"always", "national", "pooled"})
    labels = {"stigma": "Stigma and shame"}
    text, _ = executive_summary(texts, [_value("MEX", own), _value("ALL", pooled)], "MEX", "ALL",
                                lambda topic: labels, analysis.load_specs(), spec_path=spec)
    return text


def test_shares_that_print_alike_are_said_to_be_the_same(tmp_path) -> None:
    text = _summary(tmp_path, 58.4, 57.6)
    assert "the same as in Mexico, at 58%" in text, text
    assert "close to" not in text, text


def test_shares_two_points_apart_are_still_close(tmp_path) -> None:
    text = _summary(tmp_path, 60.0, 58.0)
    assert "close to that in Mexico, at 58%" in text, text


SAME = "Across {pooled_place}, the share for {option} was the same as in {country_name}, at {pooled_pct}."


@pytest.mark.parametrize("lang", ["ro", "es", "sq", "bs"])
def test_each_language_says_the_same_in_its_own_words(tmp_path, lang: str) -> None:
    catalogue = yaml.safe_load((repo_root() / "params" / "i18n" / f"{lang}.yml").read_text(encoding="utf-8"))
    # The words between the option and the country: where "the same as" differs from "close to".
    words = catalogue[SAME]["text"].split("{option}")[1].split("{country_name}")[0].strip(" »”“")
    same, close = _summary(tmp_path, 58.4, 57.6, lang), _summary(tmp_path, 60.0, 58.0, lang)
    assert words in same, (words, same)
    assert words not in close, (words, close)
