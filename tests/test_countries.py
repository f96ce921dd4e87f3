"""Countries and languages by data: names, plural forms, the phrases naming the set of
countries, the generated country choices, the many-country charts and the screen's
gazetteer and phone plans for any country.

Expected values are facts stated here (CLDR's names as published, grammar of the
languages, the figure bytes of the six-country study), not recomputed with the library.
"""

from __future__ import annotations

import dataclasses
import io
import re

import numpy as np
import pandas as pd
import pytest

from perspectives import figures, i18n, locales, screen, screen_places, screen_words
from perspectives.project import Project
from perspectives.study import load_study


# --------------------------------------------------------------------------- names and counts
@pytest.mark.parametrize(("iso3", "lang", "name"), [
    ("BIH", "en", "Bosnia & Herzegovina"),  # CLDR's English: why the study keeps its own
    ("BIH", "bs", "Bosna i Hercegovina"),
    ("MDA", "ro", "Republica Moldova"),
    ("THA", "th", "ไทย"),
    ("THA", "es", "Tailandia"),
    ("MEX", "sq", "Meksikë"),
])
def test_country_names_come_from_cldr(iso3: str, lang: str, name: str) -> None:
    assert locales.country_name(iso3, lang) == name


def test_iso3_codes_map_to_alpha2_and_unknown_codes_are_refused() -> None:
    assert [locales.alpha2(c) for c in ("ALB", "BIH", "COL", "MDA", "MEX", "PER", "THA")] == \
        ["AL", "BA", "CO", "MD", "MX", "PE", "TH"]
    with pytest.raises(ValueError, match="unknown country code 'XYZ'"):
        locales.alpha2("XYZ")


def test_the_study_keeps_its_english_name_only_where_cldr_differs() -> None:
    study = load_study()
    assert [c.name for c in study.countries] == ["Albania", "Bosnia and Herzegovina", "Colombia", "Moldova",
                                                 "Mexico", "Peru"]
    assert study.languages == {"en": "English", "sq": "Albanian", "bs": "Bosnian", "es": "Spanish",
                               "ro": "Romanian"}


@pytest.mark.parametrize(("n", "english"), [
    (1, "The one country"), (6, "All six countries"), (7, "All seven countries"), (26, "All 26 countries"),
    (104, "All 104 countries"),
])
def test_english_count_phrase(n: int, english: str) -> None:
    assert locales.render_count(locales.COUNT_PHRASES["All {count} countries"], n) == english


@pytest.mark.parametrize(("lang", "n", "text"), [
    # Bosnian: one (1, 21), few (2-4, 22-24), other (5-20, 25...): three forms of the noun.
    # Up to nine in the language's words, as the catalogue gives them (num2words has no Bosnian).
    ("bs", 3, "Sve tri zemlje"), ("bs", 6, "Svih šest zemalja"), ("bs", 22, "Sve 22 zemlje"),
    ("bs", 104, "Sve 104 zemlje"), ("bs", 25, "Svih 25 zemalja"), ("bs", 1, "Jedina zemlja"),
    # 21 takes the noun's "one" form, but is not "the only country" (=1 is its own form).
    ("bs", 21, "Sve zemlje (21)"),
    # Romanian: "de" from 20 on, and the exact form for two.
    ("ro", 2, "Ambele țări"), ("ro", 6, "Toate cele șase țări"), ("ro", 19, "Toate cele 19 țări"),
    ("ro", 26, "Toate cele 26 de țări"),
    # Spanish: the number in words up to nine.
    ("es", 6, "Los seis países"), ("es", 104, "Los 104 países"),
])
def test_count_phrase_by_the_language_plural_rules(lang: str, n: int, text: str) -> None:
    assert i18n.Translator(lang).plural("All {count} countries", n) == text


def test_library_wording_of_the_study_count_is_translated_by_lookup() -> None:
    # The study's report name and the pooled headers are written in English by the library;
    # a catalogue translates them as phrases with the study's count.
    study = load_study()
    assert study.report_name("ALL") == "All six countries (synthesis)"
    assert i18n.Translator("es").lookup(study.report_name("ALL")) == "Los seis países (síntesis)"
    frame = pd.DataFrame({"top, all six (%)": ["50%"]}, index=["Funding"])
    assert list(i18n.translate_frame(frame, i18n.Translator("ro")).columns) == \
        ["capătul superior, toate cele șase țări (%)"]


def test_a_catalogue_form_outside_cldr_categories_is_refused(tmp_path) -> None:
    (tmp_path / "xx.yml").write_text('"All {count} countries": {several: "x", other: "y"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="plural"):
        i18n.load_catalogue("xx", tmp_path)


def test_a_skeleton_lists_every_key_blank_and_falls_back(tmp_path) -> None:
    path = i18n.init("sw", tmp_path)
    text = path.read_text(encoding="utf-8")
    assert '"All {count} countries": {one: "", other: "", review: true}' in text  # Swahili: one, other
    assert '"In which country do you work?": {text: "", review: true}' in text
    with pytest.raises(FileExistsError):
        i18n.init("sw", tmp_path)
    assert i18n.load_catalogue("sw", tmp_path) == {}  # nothing translated yet: all English
    with pytest.raises(ValueError):
        i18n.skeleton("en")


# --------------------------------------------------------------------------- instrument
def test_country_choices_are_the_study_and_a_hand_list_is_refused(tmp_path) -> None:
    from perspectives import instrument

    form = instrument.load_instrument()
    assert form.codes("country") == list(load_study().codes)
    assert form.choice_labels("country", "Spanish (es)")["MEX"] == "México"
    source = Project.here().instrument_sources
    for sheet in ("survey", "choices", "settings"):
        (tmp_path / f"{sheet}.csv").write_text((source / f"{sheet}.csv").read_text(encoding="utf-8"),
                                               encoding="utf-8")
    with (tmp_path / "choices.csv").open("a", encoding="utf-8") as handle:
        handle.write("country,THA,Thailand,Tailandia,Thailanda,Tajlandë,Tajland\n")
    with pytest.raises(ValueError, match="come from params/study.yml"):
        instrument.load_instrument(tmp_path)


# --------------------------------------------------------------------------- many countries
def _shares(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    first = rng.uniform(10, 90, n).round()
    frame = pd.DataFrame({"Women": first, "Men": 100 - first}, index=[f"Country {i:03d}" for i in range(n)])
    frame.iloc[3, :] = np.nan  # a withheld country
    return frame


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    figures.plt.close(fig)
    return buffer.getvalue()


def test_few_countries_keep_the_stacked_bars() -> None:
    shares = _shares(6)
    assert _png(figures.country_shares(shares, "t")) == _png(figures.stacked_shares(shares, "t"))


def test_many_countries_become_a_sorted_dot_plot_of_the_extremes() -> None:
    shares = _shares(104)
    fig = figures.country_shares(shares, "Gender by country")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ranked = shares["Women"].dropna().sort_values(ascending=False, kind="mergesort")
    assert labels == [*ranked.index[:15], "…", *ranked.index[-15:]]
    assert "15 highest and 15 lowest of 104 countries" in fig.axes[0].get_title(loc="left")
    figures.plt.close(fig)
    fig = figures.country_shares(shares.iloc[:26], "Gender by country")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == 25 and "Country 003" not in labels  # every country but the withheld one
    figures.plt.close(fig)


# --------------------------------------------------------------------------- the screen
def test_gazetteer_of_any_country_with_its_own_script() -> None:
    places = screen_words.places_of((("THA", "TH", "th"),), ("en",))
    assert "chiang mai" in places.cased
    assert "เชียงใหม่" in places.caseless
    assert "thailand" not in places.cased and "thailand" in places.countries


def test_caseless_place_names_are_found_where_a_pattern_would_find_them() -> None:
    # Independent source: the re module's own search for the escaped name.
    cases = [("aa", "aaaaa"), ("เชียงใหม่", "ไปเชียงใหม่แล้วเชียงใหม่"), ("北京", "我在北京，北京很大"),
             ("é", "cafe\u0301 é"), ("ab", "xyz"), ("مدينة", "مدينة مدينةمدينة")]
    for name, text in cases:
        expected = [(m.start(), m.end()) for m in re.finditer(re.escape(name), text)]
        assert screen_places.literal_spans(name, text) == expected, (name, text)
    with pytest.raises(ValueError):
        screen_places.literal_spans("", "text")


def test_screening_compiles_no_pattern_per_caseless_place_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """A network's gazetteer holds thousands of names in scripts without capitals (7,875 at 104
    countries): one pattern compiled per name and excerpt, past the re module's cache, made the
    national runs of countries with conversations minutes long. The work must not grow with them."""
    own = screen_words.places()
    compiled: list[str] = []
    real = re._compile

    def counting(pattern, flags):  # noqa: ANN001, ANN202 - re's private signature
        compiled.append(pattern if isinstance(pattern, str) else "")
        return real(pattern, flags)

    def screened(n_names: int) -> tuple[int, bool]:
        names = tuple(f"เมือง{chr(0x4E00 + i)}" for i in range(n_names))
        monkeypatch.setattr(screen, "places", lambda study=None: dataclasses.replace(own, caseless=names))
        compiled.clear()
        monkeypatch.setattr(re, "_compile", counting)
        try:
            verdict = screen.screen_text(f"She lives in {names[-1]} with her aunt.")
        finally:
            monkeypatch.setattr(re, "_compile", real)
        return len(compiled), verdict.blocked

    screened(20)  # the screen's own patterns compiled once, whatever the gazetteer
    few, many = screened(20), screened(2000)
    assert few[1] and many[1]  # the place is found either way
    assert many[0] == few[0]


def test_screen_places_and_phones_follow_the_study() -> None:
    assert screen_words.phone_regions() == ("AL", "BA", "CO", "MD", "MX", "PE")
    assert screen.screen_text("We met in Kukës.").blocked  # a town (a large city alone points to no one)
    assert screen.screen_text("Ella vive en Pachuca ahora.").blocked
    assert not screen.screen_text("She moved to another town in Moldova.").blocked
