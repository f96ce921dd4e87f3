"""The identifying-details screen's rules for details with a shape: e-mail, web, user names, numbers, dates.

Purpose
    The rule families of :mod:`perspectives.screen` that look for a detail by its form more
    than by its words: ``email``, ``url``, ``handle``, ``id_number``, ``date`` and ``phone``
    (digits, numbering plans, and numbers spelled out in words). Kept apart from the rules
    about people and places, which read the words around a name.

Inputs
    A :class:`~perspectives.screen_tokens.Text`.

Outputs
    One function per family, each returning its hits (:class:`~perspectives.screen_tokens.Hit`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

import phonenumbers

from .screen_tokens import Hit, Text, cue_before, regex_hits
from .screen_words import cue_lists, fold

__all__ = ["date_hits", "email_hits", "handle_hits", "id_hits", "phone_hits", "url_hits"]

# Helplines such as 116 111 are six digits and identify nobody; personal numbers have more.
_PHONE_MIN_DIGITS = 7

# --------------------------------------------------------------------------- regular patterns

_URL_TLDS = "com|org|net|info|edu|gov|int|io|al|ba|co|md|mx|pe|ro|es|eu|uk|me|tv|ly|app|online|site|rs|hr"
_URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"')\]]+"
    rf"|(?<![@\w.])(?:[a-z0-9][a-z0-9-]*\.)+(?:{_URL_TLDS})\b(?:/[^\s<>\"')\]]*)?",
    re.IGNORECASE,
)
_AT_HANDLE_RE = re.compile(r"(?<![\w.@])@\s?[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?")
# A word shaped like a user name: letters with an underscore, or letters then two digits.
# No two repeats next to each other may match the same character ("[A-Za-z]{3,}[A-Za-z.]*"
# did: a word of n letters was tried in n * n ways, 38 s at 40,000 letters), so a match is
# found or refused in one pass over the word; the test checks the pattern's shape.
_USERNAME_RE = re.compile(
    r"(?<![\w@#./])(?:[A-Za-z][A-Za-z0-9.]*_[A-Za-z0-9_.]*[A-Za-z0-9]|[A-Za-z]{3}[A-Za-z.]*\d\d[A-Za-z0-9]*)(?![\w@])"
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
    return tuple(re.compile(p, re.IGNORECASE) for p in cue_lists()["id_formats"])


@functools.lru_cache(maxsize=8)
def _email_re(langs: tuple[str, ...]) -> re.Pattern[str]:
    """An e-mail address, written normally or spelled out ("x (at) hotmail (dot) com")."""
    del langs  # the words for "at" and "dot" of every language are short and distinctive
    cues = cue_lists()
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
    cues = cue_lists()
    dots = "|".join(re.escape(w.strip()) for w in sorted(cues["email_dot"], key=len, reverse=True))
    tlds = "|".join(sorted(cues["email_domains"], key=len, reverse=True))
    return re.compile(rf"@|(?:{dots})\s*[\)\]\}}]?\s*(?:{tlds})\b", re.IGNORECASE | re.UNICODE)


def email_hits(t: Text) -> list[Hit]:
    """E-mail addresses; a spelled-out one must use "at" and "dot" words or the @ sign."""
    hits = []
    if not _email_hint_re().search(t.text):
        return hits
    for h in regex_hits(_email_re(t.vocab.langs), "email", t.text, strip=" ."):
        if "@" in h.text or re.search(r"\s|\(|\[", h.text):
            hits.append(h)
    return hits


# --------------------------------------------------------------------------- handles

def handle_hits(t: Text) -> list[Hit]:
    """User names: ``@name``, a user-name-shaped word, or what follows a network or account word."""
    hits = [h for h in regex_hits(_AT_HANDLE_RE, "handle", t.text, strip=".") if len(h.text.strip("@ ")) >= 2]
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


def _display_name(t: Text, end: int) -> list[Hit]:
    """The display name after "sale como", "posts as", "e gjeni si" near a network's name."""
    j = t.next_word(end, ":\"“„«'")
    tok = t.word(j)
    if tok is None or not tok.word or t.function(tok.key) or len(tok.text) < 3:
        return []
    return [t.hit("handle", j, j + 1)]


def _after_account_word(t: Text, end: int, platform: bool = False) -> list[Hit]:
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


def _personal_number(t: Text, s: int, e: int) -> bool:
    """Whether digits at ``s:e`` may be someone's phone number (not a count, years or a helpline)."""
    raw = t.text[s:e].strip()
    if _YEARS_RE.match(raw) or cue_before(t, "helpline_cues", s) or cue_before(t, "law_cues", s, 6):
        return False
    if any(p.fullmatch(raw.rstrip(".")) for p in _NUMERIC_DATE_RES):
        return False  # a date (kept or dropped by the date rule)
    if re.sub(r"\D", "", raw).startswith(("800", "0800", "080")):
        return False  # toll-free lines
    return not (_THOUSANDS_RE.match(raw) and not raw.startswith("0") and not cue_before(t, "phone_cues", s))


def phone_hits(t: Text) -> list[Hit]:
    """Phone numbers in digits (the study countries' numbering plans, long digit runs) or spelled out."""
    text = t.text
    spans: set[tuple[int, int]] = set()
    # A personal number has at least _PHONE_MIN_DIGITS digits: a text with fewer has none,
    # and needs no numbering plan (a hundred plans are tried otherwise, for every text).
    if sum(c.isdigit() for c in text) >= _PHONE_MIN_DIGITS:
        for region in t.regions:
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


def _number_items(t: Text) -> Iterator[tuple[int, int, str, int, int]]:
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


def _spelled_phone_hits(t: Text) -> list[Hit]:
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
            if _personal_number(t, s, s) or not cue_before(t, "helpline_cues", s):
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


def id_hits(t: Text) -> list[Hit]:
    """Identity and case-file numbers: after their word, or in a country's own format."""
    hits = []
    for p in _id_formats():
        hits.extend(regex_hits(p, "id_number", t.text))
    for i in range(len(t.toks)):
        end = t.vocab.id_cues.end(t.keys, i)
        if end:
            hits.extend(_id_after_cue(t, end))
    for m in _MIXED_ID_RE.finditer(t.text):
        hits.append(Hit("id_number", m.span(), m.group(0)))
    return hits


def _id_after_cue(t: Text, end: int) -> list[Hit]:
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


def date_hits(t: Text) -> list[Hit]:
    """Full dates (day, month, year) and a day and month after a word for birth.

    A year, a month or a season alone points to no one, nor does a date in a law's title.
    """
    hits = []
    for pattern in _NUMERIC_DATE_RES:
        hits.extend(regex_hits(pattern, "date", t.text, strip=" ,."))
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
        elif cue_before(t, "birth_cues", t.toks[day].start, 5):
            hits.append(t.hit("date", day, i + 1))
    return [h for h in hits if not cue_before(t, "law_cues", h.span[0], 6)]


def _day_before(t: Text, i: int) -> int | None:
    """Index of a day number just before the month at ``i`` ("14 March", "3 de mayo", "10. juna")."""
    j = i - 1
    while j >= 0 and (t.toks[j].key in {".", "de", "of", "e", "the", "º", "°"}):
        j -= 1
    if j >= 0 and re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)?", t.toks[j].text) and 1 <= int(re.match(r"\d+", t.toks[j].text)[0]) <= 31:
        return j
    return None


def _year_after(t: Text, i: int) -> int | None:
    """Index of a year just after the month at ``i``."""
    j = i + 1
    while j < len(t.toks) and t.toks[j].key in {".", ",", "de", "del", "of", "e", "din"}:
        j += 1
    if j < len(t.toks) and re.fullmatch(r"(?:19|20)\d{2}", t.toks[j].text):
        return j
    return None


def url_hits(t: Text) -> list[Hit]:
    """Web addresses, without the punctuation that ends their sentence."""
    return regex_hits(_URL_RE, "url", t.text, strip=".,;:!?")
