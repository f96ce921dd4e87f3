"""The text a rule of the identifying-details screen reads: its tokens, languages and hits.

Purpose
    Every rule family of :mod:`perspectives.screen` (``screen_patterns``, ``screen_places``,
    ``screen_names``) looks at one :class:`Text`: the string, its folded tokens, the cue
    families of its languages and the study's gazetteer, and reports its hits (:class:`Hit`). Kept
    apart so that the rules share one reading of a text and one notion of a hit.

Inputs
    A string, and the cue families and gazetteer of ``screen_words``.

Outputs
    :class:`Text` (built by :func:`tokens` and :func:`guess_languages`), :class:`Hit`, and
    the small lookups several rule families use (:func:`regex_hits`, :func:`cue_before`,
    :func:`cue_word`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

from .screen_words import TOKEN_RE, Places, Vocab, fold, name_forms

__all__ = ["Hit", "Text", "Tok", "cue_before", "cue_word", "guess_languages", "regex_hits", "tokens"]


@dataclass(frozen=True)
class Hit:
    """One identifying detail: its kind, character span in the text, and the matched text."""

    kind: str
    span: tuple[int, int]
    text: str


# --------------------------------------------------------------------------- tokens

_OPENERS = frozenset("\"'“”‘’«»„(¿¡-–—*")
_SENTENCE_ENDS = frozenset(".!?;\n…")


@dataclass(frozen=True)
class Tok:
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


def _sentence_end(matches: list[re.Match[str]], k: int, after: str) -> bool:
    """Whether token ``k`` ends a sentence: "!", "?", ";", a line break, or a full stop.

    A full stop ends one unless it closes an abbreviation or a number ("No. 3", "str.",
    "10. juna"), or the next word (``after``, "" when none follows) starts in lower case.
    """
    s = matches[k].group(0)
    if s != ".":
        return s in _SENTENCE_ENDS
    before = matches[k - 1].group(0) if k > 0 else ""
    if before[:1].isalpha() and len(before) <= 3:
        return not after
    if before.isdigit():
        return not after or after[0].isupper()
    return not after or not after[0].islower()


def _next_words(matches: list[re.Match[str]]) -> list[str]:
    """For each token, the first word token after it ("" when none): one pass from the end."""
    following = [""] * len(matches)
    word = ""
    for k in range(len(matches) - 1, -1, -1):
        following[k] = word
        s = matches[k].group(0)
        if s[0].isalnum():
            word = s
    return following


def tokens(text: str) -> list[Tok]:
    """The words and punctuation of ``text``, folded, with where each sentence opens."""
    matches = list(TOKEN_RE.finditer(text))
    following = _next_words(matches)
    toks: list[Tok] = []
    initial = True
    for k, m in enumerate(matches):
        s = m.group(0)
        word = s[0].isalnum()
        if "\n" in text[matches[k - 1].end() if k else 0:m.start()]:
            initial = True
        key = fold(s)
        if word and (key.endswith("'s") or key.endswith("s'")) and len(key) > 3:
            key = key[:-2] if key.endswith("'s") else key[:-1]
        end = not word and _sentence_end(matches, k, following[k])
        if end:
            key = "\n"  # one key for every sentence end
        toks.append(Tok(s, m.start(), m.end(), key, word, initial and word))
        if word:
            initial = False
        elif end:
            initial = True
    return toks


# --------------------------------------------------------------------------- the analysed text

@dataclass
class Text:
    """A text with its tokens, the languages whose words apply, and where its sentences end."""

    text: str
    toks: list[Tok]
    vocab: Vocab
    guess: tuple[str, ...]
    gazetteer: Places
    regions: tuple[str, ...] = ()  # the numbering plans of the study's countries (alpha-2)
    # What a rule works out once per text and then asks of many tokens (see :meth:`per_token`).
    _memo: dict[str, list[int]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def keys(self) -> list[str]:
        """Folded tokens."""
        return self._keys

    def __post_init__(self) -> None:
        self._keys = [t.key for t in self.toks]
        self._ends = [t.end for t in self.toks]

    def last_before(self, char: int) -> int:
        """Index of the last token ending at or before character ``char`` (-1 when none).

        Token ends grow along the text, so this is a bisection, not a pass over the tokens:
        a rule asking it of every token of a long answer stays linear.
        """
        return bisect_right(self._ends, char) - 1

    def sentence_start(self, i: int) -> int:
        """Index of the first token of the sentence of token ``i`` (the token after the last sentence end)."""
        starts = self._memo.get("sentence_start")
        if starts is None:
            starts, a = [], 0
            for j, tok in enumerate(self.toks):
                starts.append(a)
                if tok.key == "\n":
                    a = j + 1
            self._memo["sentence_start"] = starts
        return starts[i]

    def run_start(self, name: str, test: Callable[[int], bool], i: int) -> int:
        """Index of the first of the unbroken run of tokens passing ``test`` that ends just before token ``i``.

        ``i`` itself when token ``i - 1`` fails (or ``i`` is 0). Worked out once per ``name``,
        which must always stand for the same ``test``.
        """
        starts = self._memo.get(name)
        if starts is None:
            starts, a = [0], 0
            for j in range(len(self.toks)):
                if not test(j):
                    a = j + 1
                starts.append(a)
            self._memo[name] = starts
        return starts[i]

    def count_before(self, name: str, test: Callable[[int], bool], i: int) -> int:
        """How many tokens before token ``i`` pass ``test`` (a running count, worked out once per ``name``).

        Lets a rule ask "is there such a token between a and b?" of every token of a long
        answer in constant time: ``count_before(name, test, b) - count_before(name, test, a)``.
        ``name`` must always stand for the same ``test``.
        """
        counts = self._memo.get(name)
        if counts is None:
            counts = [0]
            for j in range(len(self.toks)):
                counts.append(counts[-1] + bool(test(j)))
            self._memo[name] = counts
        return counts[i]

    def word(self, i: int) -> Tok | None:
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


def guess_languages(toks: list[Tok], vocab: Vocab) -> tuple[str, ...]:
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


# --------------------------------------------------------------------------- lookups several rules share

def regex_hits(pattern: re.Pattern[str], kind: str, text: str, strip: str = "") -> list[Hit]:
    """A hit of ``kind`` for each match of ``pattern``, without the trailing characters in ``strip``."""
    hits = []
    for m in pattern.finditer(text):
        s, e = m.start(), m.end()
        while strip and e > s and text[e - 1] in strip:
            e -= 1
        if e > s:
            hits.append(Hit(kind, (s, e), text[s:e]))
    return hits


def cue_before(t: Text, family: str, start_char: int, words: int = 6) -> bool:
    """Whether a cue of ``family`` ends within ``words`` tokens before character ``start_char``."""
    last = t.last_before(start_char)
    if last < 0:
        return False
    phrases = getattr(t.vocab, family)
    for i in range(max(0, last - words + 1), last + 1):
        if phrases.end(t.keys, i):
            return True
    return False


def cue_word(t: Text, key: str, *families: str) -> bool:
    """Whether a word, in any of its case forms, is a one-word cue of ``families`` ("nanom": nana)."""
    forms = name_forms(key, t.vocab.langs)
    return any(getattr(t.vocab, family).has(f) for family in families for f in forms)

