"""Shares as each language writes them (CLDR percent patterns): "69%" in English, "69 %" in Romanian.

Expected texts come from Babel's own ``format_percent`` with each locale's default pattern,
not from the code under test; a report section is run in each catalogue language and every
share it prints in prose, captions, notes and chart labels is checked against them.
"""

from __future__ import annotations

import re

import pytest
from babel.numbers import format_percent

from perspectives import locales, report, report_display

LANGS = ("en", "ro", "es", "sq", "bs")
CLDR = {"en": "en_GB", "ro": "ro", "es": "es", "sq": "sq", "bs": "bs"}


@pytest.mark.parametrize("lang", LANGS)
def test_a_share_takes_the_languages_percent_pattern(lang: str) -> None:
    assert locales.percent_text(69, 0, lang) == format_percent(0.69, locale=CLDR[lang])
    assert locales.percent_text(12.5, 1, lang) == format_percent(0.125, format=_one_decimal(lang), locale=CLDR[lang])
    sentence = "Workers answered (69%), then 12.5%; bands 26-74%."
    written = locales.percents_in_text(sentence, lang)
    assert written == (sentence.replace("69%", format_percent(0.69, locale=CLDR[lang]))
                       .replace("12.5%", format_percent(0.125, format=_one_decimal(lang), locale=CLDR[lang]))
                       .replace("74%", format_percent(0.74, locale=CLDR[lang])))


def _one_decimal(lang: str) -> str:
    """Each locale's CLDR percent pattern (babel's ``Locale.percent_formats``) with one decimal, written out."""
    return {"en": "#,##0.0%", "ro": "#,##0.0\u00a0%", "es": "#,##0.0\u00a0%", "sq": "#,##0.0%", "bs": "#,##0.0%"}[lang]


def test_a_quote_is_left_as_recorded() -> None:
    text = "Shares: 40%.\n\n> A participant's words: 50% of the time."
    assert locales.percents_in_text(text, "ro") == "Shares: 40\u00a0%.\n\n> A participant's words: 50% of the time."


@pytest.mark.parametrize("lang", LANGS)
def test_a_section_writes_every_share_as_its_language_does(tmp_path, monkeypatch, lang: str) -> None:
    """Prose, captions, table notes and the values drawn on the bars: one percent form per language."""
    shown: list[str] = []

    def display(obj, metadata=None, **_):
        meta = (metadata or {}).get("perspectives") or {}
        shown.extend([str(getattr(obj, "data", "")) if isinstance(getattr(obj, "data", None), str) else "",
                      meta.get("caption", ""), *meta.get("notes", []), *meta.get("texts", [])])

    monkeypatch.setattr(report_display, "display", display)
    section = report.Section("prevention", "MDA", lang, output_dir=str(tmp_path))
    section.run("public_awareness")
    section.run("scen_viewer")
    text = "\n".join(s for s in shown if "<table" not in s)
    sign = format_percent(0.5, locale=CLDR[lang]).removeprefix("50")  # "%" or " %"
    shares = re.findall(r"\d+(\s?%)", text)
    assert shares and set(shares) == {sign}, (lang, sorted(set(shares)))
