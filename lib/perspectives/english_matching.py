"""How the English strings of the reports are found in a piece of text: patterns and claims.

Purpose
    A string (a catalogue key, a template with ``{fields}``) becomes a pattern of its literal
    parts as a reader sees them; in each piece of text the longest patterns claim their
    characters first, at word boundaries, so that a short string never claims words of a
    longer one, and what no pattern claimed is left over. Apart from
    :mod:`perspectives.untranslated`, which decides what the strings are and what a left-over
    word says, because this is the matching alone.

Inputs
    Strings and their pieces; the text of a :class:`~perspectives.visible_text.Segment`.

Outputs
    :class:`Pattern`; :class:`Claims` (what is claimed, what is left).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from .visible_text import normal

# The fewest letters outside its fields by which a template is recognised (a string without
# fields is recognised by its words, however short).
MIN_LETTERS = 4

WORD = re.compile(r"[^\W\d_]+")
LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Pattern:
    """A string's literal parts, in order, as a reader sees them; its fields stand between them."""

    key: str
    literals: tuple[str, ...]
    translated: bool
    size: int
    anchor: str | None


def pattern(key: str, piece: str, translated: bool) -> Pattern | None:
    """The pattern of one piece of a string (None when no letter stands outside its fields)."""
    try:
        parsed = list(string.Formatter().parse(piece))
    except ValueError:  # a stray brace: the text as it is
        parsed = [(piece, None, None, None)]
    parts, current = [], ""
    for text, name, _, _ in parsed:
        current += text
        if name is not None:  # a field: any text stands between the parts around it
            parts.append(current)
            current = ""
    parts.append(current)
    # Whitespace as a reader sees it; a field may be empty or shown as code (left out), so the
    # space beside it is not required (word boundaries still are).
    literals = [normal(p) for p in parts]
    if len(literals[-1]) > 1 and literals[-1].endswith(".") and LETTER.match(literals[-1][-2]):
        # A title shown as a heading or inside a sentence drops its closing full stop
        # (perspectives.qualitative): the string is known without it.
        literals[-1] = literals[-1][:-1]
    letters = sum(len(LETTER.findall(p)) for p in literals)
    if not letters or (len(literals) > 1 and letters < MIN_LETTERS):
        # Nothing in it reads as any language; or too little to tell it from another string's
        # words (" in ", " by "): its English, if printed, is found as English words instead.
        return None
    words = [w for i, p in enumerate(literals) for w in complete_words(p, i, len(literals))]
    return Pattern(key, tuple(literals), translated, sum(len(p.strip()) for p in literals),
                    max(words, key=len) if words else None)


def complete_words(literal: str, index: int, count: int) -> list[str]:
    """Words of the ``index``-th of ``count`` literals that a reader's text shows whole (not glued to a field's text)."""
    words = []
    for m in WORD.finditer(literal):
        glued_left = m.start() == 0 and index > 0
        glued_right = m.end() == len(literal) and index < count - 1
        if not glued_left and not glued_right:
            words.append(m.group())
    return words


class Claims:
    """Which characters of a piece of text a string has claimed."""

    def __init__(self, text: str, names: tuple[str, ...] = ()) -> None:
        """Nothing claimed yet; ``names``: proper names a string claims whole or not at all."""
        self.text = text
        self.taken = bytearray(len(text))
        # A name is one piece: a template's literal (" (" of "{author} ({year})") that claimed
        # part of "Forum of Solidarity (IFS) Emmaus" would leave the rest of the name as English.
        self.names = [(m.start(), m.end()) for name in names
                      for m in re.finditer(re.escape(name), text) if self.bounded(m.start(), m.end())]

    def whole(self, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` cuts no proper name: it holds each it overlaps whole."""
        return all(e <= start or end <= s or (start <= s and e <= end) for s, e in self.names)

    def free(self, start: int, end: int) -> bool:
        """Whether no string has claimed a character of ``text[start:end]``."""
        return not any(self.taken[start:end])

    def take(self, start: int, end: int) -> None:
        """Claim ``text[start:end]``."""
        self.taken[start:end] = b"\x01" * (end - start)

    def bounded(self, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` starts and ends at word boundaries where it starts or ends with a letter."""
        text = self.text
        left = start == 0 or not (LETTER.match(text[start]) and LETTER.match(text[start - 1]))
        right = end == len(text) or not (LETTER.match(text[end - 1]) and LETTER.match(text[end]))
        return left and right

    def find(self, pattern: Pattern) -> int:
        """Claim every occurrence of ``pattern``'s literals, in order; returns how many."""
        found, start = 0, 0
        while True:
            spans, pos = [], start
            for literal in pattern.literals:
                if not literal:
                    continue
                at = self.text.find(literal, pos)
                while at >= 0 and not (self.free(at, at + len(literal)) and self.bounded(at, at + len(literal))
                                       and self.whole(at, at + len(literal))):
                    at = self.text.find(literal, at + 1)
                if at < 0:
                    return found
                spans.append((at, at + len(literal)))
                pos = at + len(literal)
            for a, b in spans:
                self.take(a, b)
            found += 1
            start = spans[-1][1]

    def rest(self) -> list[str]:
        """The unclaimed stretches of the text."""
        out, current = [], []
        for ch, taken in zip(self.text, self.taken, strict=True):
            if taken:
                if current:
                    out.append("".join(current))
                current = []
            else:
                current.append(ch)
        if current:
            out.append("".join(current))
        return out
