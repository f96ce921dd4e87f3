"""Translated editions read as the language writes: counts agree with their nouns, marks are the language's.

Every template whose grammar follows a number (a plural entry of ``params/report_texts.yml``
or ``params/analyses.yml``, a country-set phrase of :mod:`perspectives.locales`) is rendered
through the translator for each count from 0 to 120 in each edition's language. The expected
category of each count comes straight from Babel's CLDR data (``Locale.plural_form``), not
from :mod:`perspectives.locales`; the Bosnian noun forms expected after a number are written
here by hand from the grammar (nominative singular after 1, 21, 31...; the paucal after 2-4,
22-24...; genitive plural otherwise).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import yaml
from babel import Locale

from perspectives import catalogues, locales, msgids
from perspectives.i18n import Translator
from perspectives.study import repo_root

LANGUAGES = ("ro", "es", "sq", "bs")
COUNTS = range(121)
PARAMS = repo_root() / "params"


def _cldr(lang: str, n: int) -> str:
    """Babel's CLDR plural category of ``n`` in ``lang``: the independent expectation."""
    return Locale.parse(lang).plural_form(n)


def _count_fields() -> dict[str, str]:
    """Catalogue key (a plural entry's ``other``) -> the field whose number picks its form."""
    found = {key: "count" for key in locales.COUNT_PHRASES}

    def walk(node: object) -> Iterator[tuple[str, str]]:
        if isinstance(node, dict):
            if isinstance(node.get("count"), str) and isinstance(node.get("other"), str):
                yield node["other"], node["count"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    for name in ("report_texts.yml", "analyses.yml"):
        found.update(walk(yaml.safe_load((PARAMS / name).read_text(encoding="utf-8"))))
    return found


def _plural_msgids() -> dict[str, dict[str, str]]:
    """Catalogue key -> English forms, for every string whose grammar follows a count."""
    out = {key: dict(m.forms) for key, m in msgids.extract().items() if m.forms}
    out.update(locales.COUNT_PHRASES)
    return out


def test_the_plural_templates_are_found() -> None:
    plural, fields = _plural_msgids(), _count_fields()
    assert len(plural) > 20
    assert set(plural) <= set(fields)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_count_picks_the_form_of_its_cldr_category(lang: str) -> None:
    """From 0 to 120, the form rendered is the catalogue's form for Babel's category (or for that exact count).

    A catalogue that lacks a category its language uses would print ``other`` for it (Bosnian
    21 with the form of 25): that is a break too.
    """
    tr = Translator(lang)
    catalogue = catalogues.load_catalogue(lang)
    breaks = []
    for key, english in _plural_msgids().items():
        entry = catalogue.get(key)
        assert entry is not None, (lang, key)
        forms = dict(entry.forms)
        if not forms:
            continue  # one text for every count: the next test checks no count stands before a noun there
        for n in COUNTS:
            exact, category = forms.get(f"={n}"), _cldr(lang, n)
            expected = exact if exact is not None else forms.get(category)
            if expected is None:
                breaks.append((key[:50], n, f"no {category} form"))
            elif tr.template(english, n) != expected:
                breaks.append((key[:50], n, "another form"))
    assert breaks == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_text_with_one_form_puts_no_count_before_a_noun(lang: str) -> None:
    """A translation of a plural entry given as one text must keep its count away from a noun.

    One text serves 1, 2 and 5 alike only where the number agrees with nothing: in
    parentheses ("(ukupno {base})") or after a colon, never as "{base} profesionales".
    """
    catalogue = catalogues.load_catalogue(lang)
    fields = _count_fields()
    breaks = []
    for key in _plural_msgids():
        entry = catalogue[key]
        if entry.forms:
            continue
        for match in re.finditer(r"\{" + re.escape(fields[key]) + r"\}[ \u00a0]+[^\W\d_]", entry.text):
            before = entry.text[:match.start()]
            if before.count("(") <= before.count(")"):  # in parentheses it agrees with nothing
                breaks.append(key[:60])
    assert breaks == []


# Bosnian nouns (and the adjective of "mlada osoba") that a template puts after a count:
# the form after a count of each CLDR category, in the nominative or accusative.
BOSNIAN = {
    "zemlja": ("zemlja", "zemlje", "zemalja"),
    "stručnjak": ("stručnjak", "stručnjaka", "stručnjaka"),
    "odgovor": ("odgovor", "odgovora", "odgovora"),
    "ispitanik": ("ispitanik", "ispitanika", "ispitanika"),
    "ekspert": ("ekspert", "eksperta", "eksperata"),
    "mlada": ("mlada", "mlade", "mladih"),
    "učesnik": ("učesnik", "učesnika", "učesnika"),
    "učesnica": ("učesnica", "učesnice", "učesnica"),
    "godina": ("godina", "godine", "godina"),
    "osoba": ("osoba", "osobe", "osoba"),
    "žena": ("žena", "žene", "žena"),
    "ćelija": ("ćelija", "ćelije", "ćelija"),
    "grupa": ("grupa", "grupe", "grupa"),
    "slanje": ("slanje", "slanja", "slanja"),
}
# After "od" ("of", "than") or "do" ("up to") the count and its noun are in the genitive: the genitive singular
# after a count in "one" and "few" ("od 21 / 22 mlade osobe"), the genitive plural otherwise.
GENITIVE = {
    "zemlja": ("zemlje", "zemlje", "zemalja"),
    "stručnjak": ("stručnjaka",) * 3,
    "odgovor": ("odgovora",) * 3,
    "ispitanik": ("ispitanika",) * 3,
    "ekspert": ("eksperta", "eksperta", "eksperata"),
    "mlada": ("mlade", "mlade", "mladih"),
    "učesnik": ("učesnika",) * 3,
    "učesnica": ("učesnice", "učesnice", "učesnica"),
    "godina": ("godine", "godine", "godina"),
    "osoba": ("osobe", "osobe", "osoba"),
    "žena": ("žene", "žene", "žena"),
    "ćelija": ("ćelije", "ćelije", "ćelija"),
    "grupa": ("grupe", "grupe", "grupa"),
    "slanje": ("slanja",) * 3,
}
_FORM_OF = {form: lemma for table in (BOSNIAN, GENITIVE) for lemma, forms in table.items() for form in forms}
# A count after "od" or "do", directly or after "ukupno" ("in all"): the genitive.
_COUNT_NOUN = re.compile(r"(?i:(?:(\b(?:od|do)(?:[ \u00a0]+ukupno)?)[ \u00a0]+)?)(?<![\w.,])(\d+)[ \u00a0]+([^\W\d_]+)")


def _bosnian_breaks(text: str) -> list[str]:
    """Each "<count> <noun>" of ``text`` whose noun is not the form Babel's category of the count takes."""
    out = []
    for before, number, word in _COUNT_NOUN.findall(text):
        lemma = _FORM_OF.get(word)
        if lemma is None:
            continue
        expected = (GENITIVE if before else BOSNIAN)[lemma][("one", "few", "other").index(_cldr("bs", int(number)))]
        if word != expected:
            out.append(f"{number} {word}")
    return out


def test_the_bosnian_check_reads_babels_categories() -> None:
    assert _bosnian_breaks("21 zemlja, 22 zemlje, 25 zemalja, 111 zemalja, 101 stručnjak, 12 eksperata") == []
    assert _bosnian_breaks("21 zemalja, 12 zemlje, 3 eksperata, 5 ćelija, 2 ćelija") == ["21 zemalja", "12 zemlje",
                                                                                       "3 eksperata", "2 ćelija"]
    assert _bosnian_breaks("manje od 21 ispitanika, od ukupno 21 mlade osobe, od 25 mladih osoba") == []
    assert _bosnian_breaks("od ukupno 21 mladih osoba") == ["21 mladih"]


# The fields filled with a count outside the plural entries (a threshold, a message's number).
NUMBERS = {"n", "threshold", "reliability_min_n", "out_of", "budget", "total", "twice", "age_min", "age_max"}


def _bosnian_texts() -> Iterator[tuple[str, str, str | dict[str, str]]]:
    """(key, field, English) of each Bosnian translation that puts a count field straight before a listed noun."""
    catalogue = catalogues.load_catalogue("bs")
    plural = _plural_msgids()
    numbers = NUMBERS | set(_count_fields().values())
    numbers |= {f for f in yaml.safe_load((PARAMS / "report_texts.yml").read_text(encoding="utf-8"))["fields"]
                if f.startswith("n_")}
    pattern = re.compile(r"\{(\w+)\}[ \u00a0]+([^\W\d_]+)")
    for key, entry in catalogue.items():
        texts = [entry.text, *dict(entry.forms).values()] + [t for _, forms in entry.agree for _, t in forms]
        fields = {m.group(1) for t in texts for m in pattern.finditer(t) if m.group(2) in _FORM_OF and m.group(1) in numbers}
        for field in sorted(fields):
            yield key, field, plural.get(key, key)


def test_bosnian_nouns_after_a_count_agree_with_it_from_0_to_120() -> None:
    tr = Translator("bs")
    catalogue = catalogues.load_catalogue("bs")
    checked, breaks = 0, []
    for key, field, english in _bosnian_texts():
        entry = catalogue[key]
        genders = [None, *(gender for gender, _ in entry.agree)]
        for n in COUNTS:
            count = n if isinstance(english, dict) else None
            templates = [tr.template(english, count, lambda _field, g=g: g) for g in genders]
            for template in templates:
                said = re.sub(r"\{" + field + r"\}", str(n), template)
                checked += 1
                breaks += [(key[:50], b) for b in _bosnian_breaks(said)]
    assert checked > 1000
    assert sorted(set(breaks)) == []


def test_a_bosnian_form_without_its_count_does_not_read_as_a_singular() -> None:
    """Bosnian "one" holds 21, 31 and 101 as well as 1: a form that leaves the count out cannot agree
    with it, so it reads as the language's other forms do, and a singular wording is the exact "=1".
    """
    catalogue, fields = catalogues.load_catalogue("bs"), _count_fields()
    breaks = []
    for key in _plural_msgids():
        entry = catalogue[key]
        for forms in [dict(entry.forms), *(dict(f) for _, f in entry.agree)]:
            one = forms.get("one")
            if one is not None and "{" + fields[key] + "}" not in one and one not in (forms.get("few"), forms["other"]):
                breaks.append(key[:60])
    assert breaks == []


# --------------------------------------------------------------------------- Spanish sentences


def test_no_spanish_sentence_puts_a_comma_between_its_subject_and_verb() -> None:
    """"las respuestas de los profesionales de Perú, fueron:" splits the subject from its verb."""
    catalogue = catalogues.load_catalogue("es")
    breaks = [key[:60] for key, entry in catalogue.items()
              for text in [entry.text, *dict(entry.forms).values()]
              if re.search(r"\b(?:las respuestas|los temas|las personas)\b[^.;:,]*\}, (?:fue|fueron|era|eran)\b", text)]
    assert breaks == []


def test_the_spanish_conversations_sentence_agrees_with_the_participants_gender() -> None:
    """The young people "guided" the conversations themselves: "ellas mismas" where all are women."""
    from perspectives.i18n import Gender

    key = ("Young people who had experienced sexual exploitation or abuse with an online element as children took "
           "part in one-to-one conversations that they led, with trained facilitators from the partner organisations. "
           "The conversations asked about support and reporting, not about the abuse itself.")
    tr = Translator("es")
    said = {g: tr(key, participants=Gender(g)) for g in ("feminine", "masculine", "mixed")}
    assert "ellas mismas" in said["feminine"] and "ellos" not in said["feminine"]
    assert "ellos mismos" in said["masculine"]
    assert "ellos mismos" not in said["mixed"] and "ellas mismas" not in said["mixed"]


# --------------------------------------------------------------------------- quotation marks

_MARKS = "“”„«»‘’‚‹›"


def _pair(text: str) -> tuple[str, str]:
    """The opening and closing mark of a quotation template ("«{label}»": "«", "»")."""
    before, _, after = text.partition("{label}")
    return before.strip(), after.strip()


def _quote_breaks(text: str, primary: tuple[str, str], secondary: tuple[str, str]) -> list[str]:
    """The marks of ``text`` that are not the language's: another pair's, or a secondary pair outside a primary one."""
    depth, out = 0, []
    for ch in text:
        if ch not in _MARKS:
            continue
        if ch == primary[0]:
            depth += 1
        elif ch == primary[1]:
            depth -= 1
        elif ch == secondary[0] and depth <= 0:
            out.append(f"{ch} outside {primary[0]}{primary[1]}")
        elif ch not in secondary:
            out.append(ch)
    return out


def test_the_quote_check_reads_nesting() -> None:
    assert _quote_breaks("«a “b” c»", ("«", "»"), ("“", "”")) == []
    assert _quote_breaks("“b” „c”", ("«", "»"), ("“", "”")) == ["“ outside «»", "„"]
    assert _quote_breaks("„ne“ i „‚da‘ ili ne“", ("„", "“"), ("‚", "‘")) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_translation_quotes_with_the_languages_own_marks(lang: str) -> None:
    """Every quotation mark a translation types is the language's, the secondary pair only inside the primary.

    The catalogue translates the house's quotation marks (``i18n.QUOTES``) into the language's
    primary and secondary pairs; a text typed with another pair (Bosnian „ne”, closing on the
    English mark; Albanian „jo” or “jo” for «jo») mixes two styles in one report.
    """
    from perspectives import i18n

    catalogue = catalogues.load_catalogue(lang)
    primary, secondary = (_pair(catalogue[template].text) for template in i18n.QUOTES)
    breaks = [(key[:50], b) for key, entry in catalogue.items() if key not in i18n.QUOTES
              for text in [entry.text, *dict(entry.forms).values(), *(t for _, f in entry.agree for _, t in f)]
              for b in _quote_breaks(text, primary, secondary)]
    assert breaks == []


# --------------------------------------------------------------------------- headings


def test_printed_headings_and_captions_keep_one_word_off_their_last_line() -> None:
    """Chromium balances the lines of a heading given ``text-wrap: balance`` and keeps a lone word
    off the last line of a caption given ``text-wrap: pretty`` (CSS Text 4)."""
    css = (repo_root() / "lib" / "perspectives" / "templates" / "report.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    wrapped: dict[str, set[str]] = {"balance": set(), "pretty": set()}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        for how in re.findall(r"text-wrap\s*:\s*(balance|pretty)", body):
            wrapped[how] |= {s.strip() for s in selectors.split(",")}
    assert {"h1", "h2", "h3", "h4"} <= wrapped["balance"]
    assert {"table caption", "figure.chart figcaption"} <= wrapped["pretty"]


# --------------------------------------------------------------------------- participants' gender

# The words each language's definition of "Some or all" uses for the participants, as a group of
# women (hand-written from each language's grammar; the catalogues' mixed form uses the others).
FEMININE_SOME_OR_ALL = {"es": "algunas o todas las participantes", "ro": "unele sau toate participantele",
                        "sq": "të gjitha pjesëmarrëset", "bs": "neke ili sve učesnice"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_some_or_all_definition_agrees_with_a_group_of_women(lang: str) -> None:
    from perspectives import texts
    from perspectives.i18n import Gender

    tr = Translator(lang)
    said = {}
    for gender in ("feminine", "mixed"):
        report = texts.Texts(tr, {"threshold": 5, "participants": Gender(gender), "place": "X"}, {"national", "conversations"})
        [entry] = [d for d in report.node("methods.reading") if d.get("term") == "Some or all"]
        said[gender] = report.fill(entry["text"])
    assert FEMININE_SOME_OR_ALL[lang] in said["feminine"]
    assert FEMININE_SOME_OR_ALL[lang] not in said["mixed"]
