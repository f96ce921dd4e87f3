"""The identifying-details screen reads a long answer in time proportional to its length.

An open-text answer may be a whole page without a full stop: one sentence of thousands of
words, with towns, names and capitalised words all along it. A rule that walks back to the
start of the sentence, or compares a hit with every other hit, from each of its words makes
the screen quadratic (80,000 characters took 81 s). No timing here (timings belong in
``make bench``): the work is counted as the lines of the screen's modules Python runs, which
grow four times for a text four times as long when the screen is linear, and about ten times
when it is quadratic. The verdicts themselves are the labelled set's and the excerpts' tests.
"""

from __future__ import annotations

import random
import sys

import pytest

from perspectives.screen import screen_text, warm_up
from perspectives.screen_words import given_names, places


def _long_answer(chars: int) -> str:
    """One sentence of towns, given names, capitalised words and short words (the same for every call)."""
    rnd = random.Random(3)
    gazetteer = places()
    towns = sorted(w for w in gazetteer.cased if " " not in w and w not in gazetteer.large)[:300]
    names = sorted(given_names())[:300]
    short = "she went to with and the my friend in de la en of".split()
    parts: list[str] = []
    while sum(map(len, parts)) + len(parts) < chars:
        r = rnd.random()
        if r < 0.2:
            parts.append(rnd.choice(towns).capitalize())
        elif r < 0.4:
            parts.append(rnd.choice(names).capitalize())
        else:
            parts.append(rnd.choice(short))
    return " ".join(parts)


def _lines_run(text: str) -> int:
    """How many lines of the screen's modules Python runs to screen ``text``."""
    count = 0

    def tracer(frame, event, arg):  # noqa: ARG001 (sys.settrace's signature)
        nonlocal count
        if "perspectives/screen" in frame.f_code.co_filename.replace("\\", "/"):
            count += event == "line"
            return tracer
        return None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        result = screen_text(text)
    finally:
        sys.settrace(previous)
    assert result.blocked  # the towns and names are found: the text was screened, not skipped
    return count


@pytest.mark.skipif(sys.gettrace() is not None, reason="a coverage or debugging tracer is counting lines already")
def test_screening_a_long_answer_grows_linearly_with_its_length():
    warm_up()
    short, long = _lines_run(_long_answer(2000)), _lines_run(_long_answer(8000))
    # Four times the text: about four times the work when linear (measured 3.8 at 3,000 and
    # 12,000 characters), about ten times when quadratic (9.8 before the screen was made linear).
    assert long < 5.5 * short, (short, long)
