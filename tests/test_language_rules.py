"""A language's rules for the words a filled template puts side by side (params/languages.yml).

Spanish never writes "de el" or "a el": the preposition and the masculine article contract
("del", "al"). A template ending in "de" and filled with a text that carries its article
("de {place}" with "el único país", "de {answers}" with "el miedo a ...") put them side by
side, and one template had been reworded to avoid it while the others kept the defect. The
rule is the language's, declared once, and applied wherever a template is filled.
"""

from __future__ import annotations

import re
import string
from types import SimpleNamespace
from typing import Any

import pytest

from perspectives import analysis_results, i18n, summary, texts

# Spanish as the RAE writes it: "de" or "a" before the article "el" (lower case: "de El
# Salvador" is a name, written as it is) is a mistake in running text.
UNCONTRACTED = re.compile(r"(?<!\w)(?:de|a)\s+[«“‘\"']?el(?!\w)", re.IGNORECASE)
# An article-bearing text such as the catalogue's own labels give ("el estigma y la vergüenza ...").
FILLER = "el miedo"


class _Anything:
    """A field value for any placeholder (``{top.label}``, ``{v[name]}``): prints as a text opening on "el"."""

    def __getattr__(self, name: str) -> _Anything:
        return self

    def __getitem__(self, key: Any) -> _Anything:
        return self

    def __format__(self, spec: str) -> str:
        return FILLER


def _uncontracted(text: str) -> list[str]:
    return [text[max(0, m.start() - 30):m.end() + 15] for m in UNCONTRACTED.finditer(text)]


def _fields(template: str) -> dict[str, Any]:
    names = {re.split(r"[.\[]", name, maxsplit=1)[0] for _, name, _, _ in string.Formatter().parse(template) if name}
    return {name: _Anything() for name in names}


def _spanish_templates() -> list[tuple[str, str]]:
    """(key, template) for every form of every Spanish entry with a field: its text, plural and gender forms."""
    out = []
    for key, entry in i18n.load_catalogue("es").items():
        forms = [entry.text, *(t for _, t in entry.forms), *(t for _, fs in entry.agree for _, t in fs)]
        out += [(key, form) for form in dict.fromkeys(forms) if i18n.placeholders(form)]
    return out


def test_spanish_declares_its_contractions_in_params() -> None:
    """The rule is data of the language, read from the study's params, not a branch of the code."""
    assert dict(i18n.load_contractions("es")) == {"de el": "del", "a el": "al"}
    assert i18n.load_contractions("ro") == () and i18n.load_contractions("en") == ()


def test_every_spanish_template_filled_with_an_article_contracts() -> None:
    """Every form of every Spanish template, each field filled with a text opening on "el"."""
    templates = _spanish_templates()
    assert len(templates) > 300  # the whole catalogue, not a sample
    tr = i18n.Translator("es")
    found = {key: _uncontracted(tr.joined(form.format(**_fields(form)))) for key, form in templates}
    assert {k: v for k, v in found.items() if v} == {}
    # Where a field follows "de" or "a", the contraction is written (the test reaches every junction).
    junctions = {key: form for key, form in templates if re.search(r"(?<!\w)(?:de|a) «?\{", form)}
    assert len(junctions) > 100
    short = {key: form for key, form in junctions.items()
             if len(re.findall(r"(?<!\w)(?:del|al) «?miedo", tr.joined(form.format(**_fields(form)))))
             < len(re.findall(r"(?<!\w)(?:de|a) «?\{", form))}
    assert short == {}


def test_no_spanish_text_writes_the_words_uncontracted() -> None:
    """A translation's own words never hold "de el" or "a el" (the rule is for fields, not a patch for them)."""
    catalogue = i18n.load_catalogue("es")
    written = {key: _uncontracted(text) for key, entry in catalogue.items()
               for text in [entry.text, *(t for _, t in entry.forms)] if _uncontracted(text)}
    assert written == {}


def test_the_translators_fills_contract() -> None:
    """Each way the Translator fills a template: a plain entry, a count phrase's forms, a gendered form."""
    tr = i18n.Translator("es")
    key = "The survey received {n_received} responses from {place}."
    assert tr.forms({"one": "The survey received one response from {place}.", "other": key}, 1,
                    place="el único país") == "La encuesta recibió una respuesta del único país."
    assert tr(", followed by {answers}", answers="el miedo") == ", y después el miedo"
    said = tr("{caption} — {place}", caption="Edad", place="el único país")
    assert said == "Edad — el único país"  # no preposition: nothing to contract
    assert tr("{n} in {country}", n=4, country="el único país") == "4 del único país"
    # An article inside a quotation joins the preposition, the quotation mark staying before the rest
    # (Colombia's summary: "seguida de «el tabú de hablar de sexo y sexualidad»").
    assert tr.joined("seguida de «el tabú de hablar» (60 %)") == "seguida del «tabú de hablar» (60 %)"
    # A name that carries its article with a capital keeps it: "de El Salvador".
    assert tr("{n} in {country}", n=4, country="El Salvador") == "4 de El Salvador"
    # English, and a language without the rule, are left as they are.
    assert i18n.Translator("en").joined("de el") == "de el"
    assert i18n.Translator("ro").joined("de el") == "de el"


def test_the_report_texts_fill_contracts() -> None:
    """params/report_texts.yml's templates (cover, methods, summary) filled in Spanish."""
    tr = i18n.Translator("es")
    filled = texts.Texts(tr, {"place": "el único país", "n_received": 1}).fill(
        {"count": "n_received", "one": "The survey received one response from {place}.",
         "other": "The survey received {n_received} responses from {place}."})
    assert filled == "La encuesta recibió una respuesta del único país."


def test_the_analyses_narrative_fill_contracts() -> None:
    """params/analyses.yml's sentences, filled with the recorded values in Spanish."""
    tr = i18n.Translator("es")
    said = analysis_results.fill("Money was the most common form of exchange in boys' cases for {money.pct_n} of "
                                 "workers in {place}.", translator=tr,
                                 money=SimpleNamespace(pct_n="el 40 %"), place="el único país")
    assert "de los profesionales del único país" in said and not _uncontracted(said)


def test_the_summarys_findings_fill_contracts(tmp_path) -> None:
    """params/summary.yml's findings, filled with the report's values in Spanish."""
    spec = tmp_path / "summary.yml"
    spec.write_text('- heading: "Summary"\n  findings:\n    - "About {v[gender.female.pct.about]} of the workers '
                    'in {place} who answered the survey were women."\n', encoding="utf-8")
    values = [{"name": "gender.female.pct", "country": "ALL", "value": 80.0, "digits": -1}]
    blocks, _ = summary.key_findings(values, "ALL", "el único país", spec, i18n.Translator("es"))
    assert blocks[0][1] == ["Alrededor del 80% de los profesionales del único país que respondieron la encuesta "
                            "eran mujeres."]


def test_a_synthesis_of_one_country_names_it_without_de_el() -> None:
    """The count phrase "the {count} countries" of one country opens on "el" in Spanish."""
    tr = i18n.Translator("es")
    place = tr.plural("the {count} countries", 1)
    assert place.startswith("el ")
    assert tr("{n} in {country}", n=3, country=place) == "3 del único país"


def _forms(entry: i18n.Entry) -> list[str]:
    return [entry.text, *(t for _, t in entry.forms), *(t for _, fs in entry.agree for _, t in fs)]


# A country's name fills {place} (and its like) as the study writes it, in the nominative:
# "Bosna i Hercegovina", "Shqipëri". After a preposition that governs another case the name
# would have to change ("u Bosni i Hercegovini", "për Shqipërinë"), which a filled template
# cannot do; the Bosnian and Albanian templates put the name where it stays as it is (Bosnian
# "Bosna i Hercegovina: ...", Albanian "në Shqipëri", whose indefinite form is the name's own).
PLACE_FIELDS = r"\{(?:place|country|country_name|column_place)\}"
DECLINING = {"bs": ("u", "za", "iz", "od", "o", "na", "prema", "kod", "s", "sa", "po", "do", "bez", "među"),
             "sq": ("për", "nga", "te", "tek", "prej", "mbi", "drejt", "pa")}


@pytest.mark.parametrize("lang", sorted(DECLINING))
def test_no_country_name_follows_a_preposition_that_would_decline_it(lang: str) -> None:
    """Review of the built Bosnian and Albanian reports: "Od 49 ispitanika u Bosna i Hercegovina", "Për Shqipëri"."""
    pattern = re.compile(rf"(?<!\w)(?:{'|'.join(DECLINING[lang])})\s+{PLACE_FIELDS}", re.IGNORECASE)
    found = {key: pattern.findall(form) for key, entry in i18n.load_catalogue(lang).items()
             for form in _forms(entry) if pattern.search(form)}
    assert found == {}


def test_albanian_agrees_with_the_participants_wherever_romanian_does() -> None:
    """Both languages write a group of young women in the feminine ("supraviețuitoarele", "të mbijetuarat").

    Albania's report named its seven young women "të mbijetuarit" (masculine) under four headings
    and in the methods, where Moldova's said "supraviețuitoarele".
    """
    ro, sq = i18n.load_catalogue("ro"), i18n.load_catalogue("sq")
    gendered = [key for key, entry in ro.items() if entry.agree_field == "participants"]
    assert len(gendered) > 40
    assert [key for key in gendered if key in sq and sq[key].agree_field != "participants"] == []
    tr = i18n.Translator("sq")
    tr.agreement = {"participants": i18n.Gender("feminine")}
    assert tr.markdown("## What survivors said") == "## Çfarë thanë të mbijetuarat"
