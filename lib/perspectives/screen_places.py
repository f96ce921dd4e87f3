"""The identifying-details screen's rules about where: places, addresses, schools and roles.

Purpose
    The rule families of :mod:`perspectives.screen` that find a person through a place:
    ``place`` (a town smaller than a large city, a village word with its name, any place
    where someone lives or a person comes from), ``address``, ``organisation`` (a named school or children's home)
    and ``role`` (a post one person holds in a named place). Kept apart from the patterns
    and from the names, which ask these rules whether a word is a place.

Inputs
    A :class:`~perspectives.screen_tokens.Text`, whose gazetteer names the study's places.

Outputs
    One function per family, each returning its hits (:class:`~perspectives.screen_tokens.Hit`),
    and the place lookups the name rule shares (:func:`gazetteer_match`,
    :func:`not_a_person_or_place`, :func:`is_age`).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

from .screen_tokens import Hit, Text, cue_before, cue_word
from .screen_words import Places, cue_lists, fold, given_names, name_forms, name_words

__all__ = [
    "address_hits",
    "gazetteer_match",
    "is_age",
    "names_outside_places",
    "not_a_person_or_place",
    "place_candidates",
    "place_hits",
    "role_hits",
    "school_hits",
]


@dataclass(frozen=True)
class _Place:
    """A place named in the text: tokens ``a`` to ``b - 1``."""

    a: int
    b: int
    large: bool
    known: bool   # in the gazetteer (otherwise a capitalised word a locality word introduces)


def gazetteer_match(t: Text, i: int, gazetteer: Places) -> _Place | None:
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


def place_candidates(t: Text) -> list[_Place]:
    """Places named in the text: from the gazetteer, or introduced by a locality word."""
    gazetteer = t.gazetteer
    found: list[_Place] = []
    i = 0
    while i < len(t.toks):
        tok = t.toks[i]
        slot = (tok.cap and not tok.initial) or _lower_place_slot(t, i)
        lower = not slot and _lower_small_place(t, i)
        place = gazetteer_match(t, i, gazetteer) if slot or lower else None
        if place is not None and lower:
            # A town typed in lower case with nothing before it that makes it a place may be
            # an ordinary word ("el programa progreso"): like a large city, it is withheld only
            # where it is someone's (a name, an age or "lives in" near it).
            place = _Place(place.a, place.b, True, True)
        if place is None:
            place = _after_locality_word(t, i)
        if place is not None:
            found.append(place)
            i = place.b
        else:
            i += 1
    return found


def _lower_place_slot(t: Text, i: int) -> bool:
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


def _lower_small_place(t: Text, i: int) -> bool:
    """A lower-case word that is itself a town smaller than a large city ("soroca", "ungheni").

    Typed on a phone a town is often in lower case. Only a word of ``min_lower_place_letters``
    or more that no list of the screen knows as an ordinary word (a function, number or cue
    word, a month, a country, a given name that is a word of the text's language) is read so.
    """
    tok = t.toks[i]
    key = tok.key
    if not tok.text.islower() or len(key) < int(cue_lists()["min_lower_place_letters"]):
        return False
    if key not in t.gazetteer.cased or key in t.gazetteer.large or key in t.vocab.numbers or key in t.vocab.months:
        return False
    if any(key in name_words()[lang] for lang in t.guess) or not_a_person_or_place(t, i):
        return False
    return not any(getattr(t.vocab, family).has(key) for family in _WORD_FAMILIES)


# Cue families whose words are ordinary words, never a town typed in lower case.
_WORD_FAMILIES = ("person_nouns", "professions", "relatives", "unique_roles", "person_verbs", "locatives",
                  "locality_words", "street_words", "school_words", "region_words", "workplace_words", "age_words",
                  "clitics", "titles", "role_titles", "honorifics")


def _after_locality_word(t: Text, i: int) -> _Place | None:
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


def _age_near(t: Text, i: int, distance: int) -> bool:
    """Whether an age ("13 años", "(15)", "16 ani") is within ``distance`` tokens of token ``i``."""
    for j in range(max(0, i - distance), min(len(t.toks), i + distance + 1)):
        if t.toks[j].digits and is_age(t, j):
            return True
    return False


def is_age(t: Text, j: int) -> bool:
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


def _region_near(t: Text, place: _Place) -> bool:
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


def names_outside_places(t: Text, names: list[Hit], places: list[_Place]) -> list[Hit]:
    """Drop the names that are part of a known place's name ("Luka" in "Banja Luka").

    A one-word place keeps its name hit only when the word itself, not a case form of it, is
    a given name ("Victoria"): "ne tirane" is Tirana, not a name "Tira" inflected.
    """
    # Each known place is filed under the tokens it spans: a place holding a character
    # spans the last token starting at or before it, so a name looks at that token's places
    # only, not at every place of a long answer.
    by_token: dict[int, list[_Place]] = {}
    for place in places:
        if place.known:
            for k in range(place.a, place.b):
                by_token.setdefault(k, []).append(place)
    starts = [tok.start for tok in t.toks]
    kept = []
    for h in names:
        filed = by_token.get(bisect_right(starts, h.span[0]) - 1, ())
        place = next((p for p in filed if t.toks[p.a].start <= h.span[0] < t.toks[p.b - 1].end), None)
        if place is None or (place.b - place.a == 1 and fold(h.text) in given_names()):
            kept.append(h)
    return kept


def place_hits(t: Text, names: list[Hit], candidates: list[_Place]) -> list[Hit]:
    """Small places; large ones only where someone lives, comes from, or is described."""
    hits = []
    if t.gazetteer.caseless:
        normal = unicodedata.normalize("NFC", t.text)
        if len(normal) == len(t.text):  # spans would not point into the text otherwise
            for name in t.gazetteer.caseless:
                hits.extend(Hit("place", span, t.text[span[0]:span[1]]) for span in literal_spans(name, t.text))
    near = sorted(h.span[0] for h in names)
    for place in candidates:
        start = t.toks[place.a].start
        personal = cue_before(t, "residence_cues", start, 4) or _age_near(t, place.a, 6) or _name_within(
            near, start, 60) or _where_one_is_from(t, place.a)
        large = place.large or _region_near(t, place)
        if place.known and not large or personal or (not place.known and _person_in_sentence(t, place.a)):
            hits.append(t.hit("place", place.a, place.b))
    hits.extend(_unknown_place_hits(t))
    return hits


def literal_spans(name: str, text: str) -> list[tuple[int, int]]:
    """Where ``name`` occurs in ``text`` as written: left to right, not overlapping.

    The spans ``re.finditer(re.escape(name), text)`` finds, for a name of at least one
    character, without compiling a pattern per name: a network's gazetteer holds thousands
    of names in scripts without capitals, more than the ``re`` module's cache of compiled
    patterns, so every excerpt screened compiled each of them again (most of a national run
    of a country with conversations at a hundred countries).

    Raises:
        ValueError: ``name`` is empty (it would match between every two characters).
    """
    if not name:
        raise ValueError("an empty place name matches everywhere")
    spans = []
    at = text.find(name)
    while at >= 0:
        spans.append((at, at + len(name)))
        at = text.find(name, at + len(name))
    return spans


def _where_one_is_from(t: Text, a: int) -> bool:
    """Whether the place at token ``a`` is where a person comes from ("a girl from Tirana", "o fată din Orhei").

    A word of ``origin_words`` stands right before the place, and a person noun or a relative
    at most four words before that word, in the same sentence: the place is someone's home,
    withheld even when it is a large city.
    """
    v = t.vocab
    for k in range(max(0, a - 2), a):
        if t.toks[k].word and v.origin_words.end(t.keys, k) == a:
            return any(t.toks[j].word and (v.person_nouns.end(t.keys, j) or v.relatives.end(t.keys, j))
                       for j in range(max(t.sentence_start(k), k - 4), k))
    return False


def _name_within(starts: list[int], char: int, distance: int) -> bool:
    """Whether one of the sorted name starts is fewer than ``distance`` characters from ``char``."""
    k = bisect_right(starts, char - distance)
    return k < len(starts) and starts[k] < char + distance


def _unknown_place_hits(t: Text) -> list[Hit]:
    """A capitalised word after a locative in a sentence about a person: a place too small to list."""
    hits = []
    gazetteer = t.gazetteer
    for i, tok in enumerate(t.toks):
        prev = t.word(i - 1)
        if not (tok.cap and not tok.initial and prev is not None and prev.word and t.vocab.locatives.has(prev.key)):
            continue
        if not_a_person_or_place(t, i) or gazetteer_match(t, i, gazetteer) is not None:
            continue
        if cue_word(t, tok.key, "person_nouns", "professions", "relatives", "unique_roles") or _in_institution_name(t, i - 1):
            continue
        if _person_in_sentence(t, i):
            hits.append(t.hit("place", i, i + 1))
    return hits


def _in_institution_name(t: Text, i: int) -> bool:
    """Whether the capitalised words before token ``i`` name an institution ("Fiscalía de Familia").

    The words run back from token ``i - 1`` over capitalised and function words; the run and
    the institution words in it are counted once per text, so that a long answer of
    capitalised words is not walked back from every one of them.
    """
    def in_name(j: int) -> bool:
        return t.toks[j].word and (t.toks[j].cap or t.function(t.keys[j]))

    def institution(j: int) -> bool:
        return in_name(j) and t.toks[j].cap and t.vocab.institution_words.has(t.keys[j])

    a = t.run_start("institution_name", in_name, i)
    return t.count_before("institution_word", institution, i) > t.count_before("institution_word", institution, a)


def _person_in_sentence(t: Text, i: int) -> bool:
    """Whether the sentence of token ``i`` is about one person (a role, a relative, an age...).

    The sentence runs from its start to the end of the clause of ``i`` (at most 60 tokens on).
    Which tokens mark a person is counted once per text: a long answer without a full stop
    is one sentence, and is not read again for every place in it.
    """
    v = t.vocab

    def marks_person(j: int) -> bool:
        return any(p.end(t.keys, j) for p in (v.person_nouns, v.relatives, v.unique_roles, v.honorifics)) or (
            t.toks[j].digits and is_age(t, j))

    a = t.sentence_start(i)
    b = t.clause_end(i, 60)
    return t.count_before("person_marks", marks_person, b) > t.count_before("person_marks", marks_person, a)


def not_a_person_or_place(t: Text, i: int, name: bool = False) -> bool:
    """Capitalised words that name an institution, a country, a language, a month or an app.

    ``name``: the word itself is a given name, which no case ending of a country or a
    language hides ("Maria" is no inflected "Mari", a language of Russia).
    """
    key = t.keys[i]
    v = t.vocab
    return (key in v.territories or key in v.months or v.not_names.has(key) or v.institution_words.has(key)
            or (not name and any(f in v.territories for f in name_forms(key, v.langs))) or t.function(key)
            or bool(_territory_end(t, i, inflected=not name)))


# --------------------------------------------------------------------------- addresses, schools, roles

def address_hits(t: Text) -> list[Hit]:
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


def school_hits(t: Text) -> list[Hit]:
    """A school, children's home or day centre with its name, number, ordinal or small place."""
    hits = []
    v = t.vocab
    for i in range(len(t.toks)):
        end = v.school_words.end(t.keys, i)
        if not end:
            continue
        prev = t.word(i - 1)
        ordinal = prev is not None and (v.ordinals.has(prev.key) or (prev.cap and not prev.initial and
                                                                       not not_a_person_or_place(t, i - 1)))
        spec = _school_specifier(t, end)
        if ordinal or spec:
            a = i - 1 if ordinal else i
            hits.append(t.hit("organisation", a, max(end, spec or end)))
    return hits


def _school_specifier(t: Text, end: int) -> int:
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
        if tok.cap and not not_a_person_or_place(t, j) and t.text[tok.start - 1:tok.start] not in ("#", "@"):
            return j + 1  # the school's own name ("Gimnazija Mostar", "primaria Benito Juárez")
    for k in range(end, stop - 1):
        nxt = t.toks[k + 1]
        if t.toks[k].word and t.vocab.locatives.has(t.keys[k]) and nxt.cap and not not_a_person_or_place(t, k + 1):
            place = gazetteer_match(t, k + 1, t.gazetteer)
            if place is None or not place.large:
                return k + 2
    return 0


def role_hits(t: Text) -> list[Hit]:
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


def _located_place(t: Text, end: int, small_only: bool) -> int:
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
            place = gazetteer_match(t, j, t.gazetteer)
            if place is not None and not (small_only and (place.large or _region_near(t, place))):
                return place.b
            if tok.cap and not tok.initial and not not_a_person_or_place(t, j) and place is None:
                return j + 1
        located = located or v.locatives.has(tok.key) or v.locality_words.has(tok.key)
    return 0


def _territory_end(t: Text, j: int, inflected: bool = True) -> int:
    """Index after a country, region or language name of one to three words at ``j`` (0 when none).

    ``inflected``: a single word counts in its case forms too ("Srbiji").
    """
    for n in (3, 2, 1):
        if j + n <= len(t.toks) and all(w.word for w in t.toks[j:j + n]):
            name = " ".join(t.keys[j:j + n])
            if name in t.vocab.territories or (n == 1 and inflected and any(
                    f in t.vocab.territories for f in name_forms(name, t.vocab.langs))):
                return j + n
    return 0


def _only_one(t: Text, i: int) -> int:
    """Index after "the only <profession or role>" starting at token ``i`` (0 when none)."""
    v = t.vocab
    end = v.only_words.end(t.keys, i)
    for j in range(end, min(end + 3, len(t.toks))) if end else ():
        role = v.professions.end(t.keys, j) or v.unique_roles.end(t.keys, j) or v.person_nouns.end(t.keys, j)
        if role:
            return role
    return 0


def _only_one_person(t: Text, i: int) -> int:
    """Index after "the only one" ("i vetmi", "jedina osoba") starting at token ``i`` (0 when none)."""
    v = t.vocab
    end = v.only_words.end(t.keys, i)
    for j in range(end, min(end + 3, len(t.toks))) if end else ():
        one = v.one_words.end(t.keys, j)
        if one:
            return one
    return 0


def _relative_post(t: Text, i: int) -> int:
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
