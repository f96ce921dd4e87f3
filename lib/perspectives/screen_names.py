"""The identifying-details screen's rule for personal names.

Purpose
    The ``name`` family of :mod:`perspectives.screen`: given names in any case and their
    inflected forms; a given name that is also an ordinary word only where the sentence makes
    it a person; unknown capitalised words that a title, a role or an age marks as a person.
    Kept apart because it weighs a word's neighbours, which no other family does.

Inputs
    A :class:`~perspectives.screen_tokens.Text`.

Outputs
    :func:`name_hits`.
"""

from __future__ import annotations

from .screen_places import gazetteer_match, is_age, not_a_person_or_place
from .screen_tokens import Hit, Text, cue_word
from .screen_words import cue_lists, given_names, name_forms, name_words

__all__ = ["name_hits"]


def name_hits(t: Text) -> list[Hit]:
    """Personal names, in any case and inflected; see :func:`_is_name`."""
    hits = []
    for i, tok in enumerate(t.toks):
        if tok.alpha and _is_name(t, i):
            hits.append(t.hit("name", i, i + 1))
    return hits


def _known_name(t: Text, key: str) -> bool:
    """Whether a folded word is a given name, in some case form (hyphenated names part by part)."""
    names = given_names()
    parts = [p for p in key.split("-") if p]
    return any(f in names for f in name_forms(key, t.vocab.langs)) or (
        len(parts) > 1 and all(any(f in names for f in name_forms(p, t.vocab.langs)) for p in parts))


def _is_name(t: Text, i: int) -> bool:
    """Whether token ``i`` is a person's name.

    A given name of five letters or more that is no ordinary word of the text's language is
    a name wherever it stands and however it is written. A shorter one ("ana", "dan") is a
    name when capitalised inside a sentence or when its neighbours make it a person, "with"
    included. One that is also an ordinary word ("Hope", "zora", "soledad") is a name when
    capitalised inside a sentence, or when the sentence makes it a person
    (:func:`_person_context`). A word that is no known name is one when capitalised and
    marked as a person by a title, a role or an age, or by its surname ending. A capitalised
    given name with a capitalised word after it that is no ordinary word is a full name,
    both words (:func:`_in_full_name`); an unknown capitalised word opening a sentence before
    a verb of a person is its subject (:func:`_opening_subject`).
    """
    tok = t.toks[i]
    key = tok.key
    if len(key) < int(cue_lists()["min_name_letters"]) or t.function(key):
        return False
    if _after_title(t, i):
        return True
    if _not_a_name(t, i):
        return False
    if _in_full_name(t, i):
        return True
    prev = t.word(i - 1)
    if _known_name(t, key):
        ordinary = any(key in name_words()[lang] for lang in t.guess)
        after_article = prev is not None and prev.key in {"la", "el", "the", "los", "las", "lo"}
        capitalised = tok.cap and not tok.initial and not after_article
        if not ordinary:
            return len(key) >= 5 or capitalised or _person_context(t, i) or _after_with(t, i)
        return capitalised or _person_context(t, i)
    if tok.cap and not tok.initial:
        if gazetteer_match(t, i, t.gazetteer) is not None:
            return False
        return _person_context(t, i, known=False) or _surname_like(t, i)
    return _named_by_cue(t, i) or _surname_like(t, i) or _opening_subject(t, i)


def _not_a_name(t: Text, i: int) -> bool:
    """Whether token ``i`` is known not to be a name: an ordinary word, a number, a cue word, part of a law's or an institution's name."""
    tok, key = t.toks[i], t.toks[i].key
    if not_a_person_or_place(t, i, name=_known_name(t, key)):
        return True
    if key in t.vocab.numbers or cue_word(t, key, "person_nouns", "professions", "relatives", "unique_roles", "person_verbs"):
        return True
    prev = t.word(i - 1)
    if prev is not None and prev.word and t.vocab.law_cues.has(prev.key):
        return True  # a law's popular name ("Ley Olimpia")
    # part of an institution's name ("Procuratura Generală")
    return bool(tok.cap and prev is not None and prev.cap and t.vocab.institution_words.has(prev.key))


def _after_title(t: Text, i: int) -> bool:
    """A word right after a title ("Mrs Rusu", "doamna rusu", "la profesora gomez"), in any case.

    After a form of address (``titles`` in ``cues.yml``) any word is a name; after a
    teacher's or doctor's title (``role_titles``) a lower-case one only where it ends its
    clause or a verb of a person follows (:func:`_ends_or_acts`). The word is no name when it
    is a country, a month, a number or a cue for a person, a profession, a relative or a verb
    ("la profesora explicó"), or when it opens a sentence.
    """
    v = t.vocab
    key = t.keys[i]
    if t.toks[i].initial or key in v.territories or key in v.months or key in v.numbers or v.not_names.has(key):
        return False
    if cue_word(t, key, "person_nouns", "professions", "relatives", "unique_roles", "person_verbs", "titles",
                "role_titles", "honorifics", "clitics", "institution_words"):
        return False
    prev = t.word(i - 1)
    j = i - 2 if prev is not None and prev.text == "." else i - 1
    starts = range(max(0, j - 2), j + 1)
    if any(t.toks[k].word and v.titles.end(t.keys, k) == j + 1 for k in starts):
        return True
    return any(t.toks[k].word and v.role_titles.end(t.keys, k) == j + 1 for k in starts) and (
        t.toks[i].cap or _ends_or_acts(t, i))


def _ends_or_acts(t: Text, i: int) -> bool:
    """Whether token ``i`` ends its clause, or a verb of a person follows it (after clitics)."""
    v = t.vocab
    j = i + 1
    while j < len(t.toks) and t.toks[j].word and v.clitics.has(t.keys[j]):
        j += 1
    return j >= len(t.toks) or not t.toks[j].word or v.person_verbs.has(t.keys[j])


def _after_with(t: Text, i: int) -> bool:
    """A word right after "with" ("con ana", "cu ion", "sa amrom") or after a verb of a person."""
    prev = t.word(i - 1)
    return prev is not None and (prev.key in {"with", "con", "cu", "me", "sa", "s"} or t.vocab.person_verbs.has(prev.key))


def _surname_like(t: Text, i: int) -> bool:
    """A word with a surname ending (``surname_endings`` in ``cues.yml``: -escu in any case, -ić capitalised)."""
    tok = t.toks[i]
    endings = cue_lists()["surname_endings"]
    if len(tok.key) <= 4 or t.function(tok.key) or (tok.initial and not tok.text.islower()):
        return False
    return tok.key.endswith(tuple(endings["any_case"])) or (
        tok.cap and not tok.initial and tok.key.endswith(tuple(endings["capitalised"])))


def _named_by_cue(t: Text, i: int) -> bool:
    """A word right after "se llama", "quhet" or "cazul lui" (any case), or after "called" if capitalised."""
    v = t.vocab
    for j in range(max(0, i - 4), i):
        if v.naming_cues.end(t.keys, j) == i:
            return True
        if v.naming_words.end(t.keys, j) == i and (t.toks[i].cap or _known_name(t, t.keys[i])):
            return True
    prev = t.word(i - 1)
    return prev is not None and prev.key == "lui" and "ro" in v.langs


def _person_context(t: Text, i: int, known: bool = True) -> bool:
    """Whether the words around token ``i`` make it a person.

    Before it: a naming word, a title, a role or person noun ("Socijalna radnica Senada"), the
    case of, or a verb and "a" (Spanish "le preguntó a X"). After it: an age, a comma and a
    person noun ("Esperanza, la niña"), "and her brother", a possessive and a relative, or a
    verb of a person after any clitics ("Speranța ne-a spus", "Zora je pristala").
    """
    return _context_before(t, i) or _context_after(t, i, known)


def _context_before(t: Text, i: int) -> bool:
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


def _context_after(t: Text, i: int, known: bool) -> bool:
    v = t.vocab
    j = i + 1
    if j < len(t.toks) and t.toks[j].text in ",(":
        k = t.next_word(j + 1, "")
        if k < len(t.toks) and (is_age(t, k) or _age_phrase_at(t, k)):
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


def _person_noun_at(t: Text, k: int) -> bool:
    v = t.vocab
    if k < len(t.toks) and t.keys[k] in {"la", "el", "the", "a", "an", "un", "una", "o"}:
        k += 1
    return k < len(t.toks) and bool(v.person_nouns.end(t.keys, k) or v.relatives.end(t.keys, k))


def _age_phrase_at(t: Text, j: int) -> bool:
    """An age right here, possibly after a verb that gives it ("tiene 12 añitos", "aged 16")."""
    if j < len(t.toks) and t.vocab.age_verbs.has(t.keys[j]):
        j += 1
    return j < len(t.toks) and t.toks[j].digits and is_age(t, j)


def _verb_after(t: Text, i: int, participles: bool) -> bool:
    """A verb of a person after token ``i`` as its subject, once clitics and negations are skipped.

    The word must open its clause (a sentence, a comma, "and", "but"), as a subject does. A
    short phrase may stand between them ("Ana from school told me", "María del colegio me
    dijo"): see :func:`_verb_past_phrase`.
    """
    prev = t.word(i - 1)
    if prev is not None and prev.word and prev.key not in _CLAUSE_OPENERS:
        return False
    return _verb_at(t, i + 1, participles) or _verb_past_phrase(t, i + 1, participles)


def _verb_past_phrase(t: Text, j: int, participles: bool) -> bool:
    """A verb of a person after a short phrase at token ``j``: a word of ``subject_phrase_words`` and one to three words.

    ("from school", "de la școală", "del colegio"). The words of the phrase stay in the clause:
    punctuation ends the search.
    """
    end = t.vocab.subject_phrase_words.end(t.keys, j)
    if not end:
        return False
    for k in range(end + 1, min(end + 4, len(t.toks))):
        if not t.toks[k - 1].word:
            return False
        if _verb_at(t, k, participles):
            return True
    return False


def _verb_at(t: Text, j: int, participles: bool) -> bool:
    """A verb of a person at token ``j`` once up to three clitics and negations are skipped."""
    v = t.vocab
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


def _ordinary_word(t: Text, i: int) -> bool:
    """Whether token ``i`` is a word the screen's lists know as no name of a person.

    A function word, a number, a cue word of any family of ``cues.yml`` (people in general,
    adverbs, roles, institutions, places...), or a country, month or app (:func:`_not_a_name`).
    """
    key = t.keys[i]
    return t.function(key) or _not_a_name(t, i) or any(p.has(key) for p in t.vocab.phrases.values())


def _surname_at(t: Text, j: int) -> bool:
    """Whether token ``j`` can be the surname after a given name: capitalised, a space before it, no ordinary word."""
    tok = t.word(j)
    if tok is None or j == 0 or not (tok.alpha and tok.cap) or len(tok.key) < int(cue_lists()["min_name_letters"]):
        return False
    gap = t.text[t.toks[j - 1].end:tok.start]
    return gap.strip() == "" and "\n" not in gap and not _ordinary_word(t, j)


def _in_full_name(t: Text, i: int) -> bool:
    """Whether token ``i`` is part of a full name: a capitalised given name and a surname after it ("Ion Rusu").

    Wherever it stands, opening a sentence included: "Ion" alone may be an ordinary word
    ("ion" in English and Romanian), a given name followed by a capitalised word that is none
    is not. The surname may be no known name (:func:`_surname_at`).
    """
    def given(k: int) -> bool:
        tok = t.toks[k]
        return tok.alpha and tok.cap and _known_name(t, tok.key) and not _not_a_name(t, k)

    if given(i) and _surname_at(t, i + 1):
        return True
    return i > 0 and given(i - 1) and _surname_at(t, i)


def _opening_subject(t: Text, i: int) -> bool:
    """An unknown capitalised word opening a sentence before a verb of a person ("Rusu told me.").

    A word of people in general ("Facilitators", "Staff"), an adverb ("Ayer me dijo", a word
    with an ending of ``adverb_endings``: "Usually", "Realmente") or any other word the lists
    know (:func:`_ordinary_word`) is not.
    """
    tok = t.toks[i]
    if not (tok.cap and tok.initial and tok.alpha) or _ordinary_word(t, i):
        return False
    endings = cue_lists()["adverb_endings"]
    if any(tok.key.endswith(tuple(endings.get(lang) or ())) for lang in t.vocab.langs):
        return False
    return _verb_after(t, i, False)
