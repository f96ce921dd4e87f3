"""A right-to-left override in a text answer is taken without a word, while an escape code is refused.

A text answer holding U+001B (a terminal's escape code) is refused, naming the question, the
rows and the character: no report can show it. U+202E (RIGHT-TO-LEFT OVERRIDE), pasted from a
messaging app or planted on purpose, is no more showable: it reverses the display of what follows
("abc\u202edcba" shows as "abcabcd"), the trick behind file names such as "invoice\u202excod.exe".
``perspectives check`` says the file is usable and lists no change; in a conversation excerpt the
build then deletes the character from the report, again without a word (a silent change to the
text). The same rule as U+001B is expected: refused, named by its code.

The expected reading comes from the library's own refusal of U+001B in the same cell.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from variants import table, write_text

from perspectives.problems import DataError
from perspectives.readers import load_survey

QUESTION = "training_text"


def _export_with(tmp_path: Path, text: str) -> Path:
    header, rows = table()
    eligible = set(load_survey().eligible["respondent_id"])
    row = next(r for r in rows if r[0] in eligible)
    row[header.index(QUESTION)] = text
    return write_text(header, rows, tmp_path / "export.csv")


def test_an_escape_code_is_refused_by_its_code(tmp_path: Path) -> None:
    with pytest.raises(DataError) as refused:
        load_survey(_export_with(tmp_path, "abc\x1bdcba"))
    assert QUESTION in str(refused.value) and "U+001B" in str(refused.value), str(refused.value)


def test_a_right_to_left_override_is_refused_by_its_code(tmp_path: Path) -> None:
    with pytest.raises(DataError) as refused:
        load_survey(_export_with(tmp_path, "abc\u202edcba"))
    assert QUESTION in str(refused.value) and "U+202E" in str(refused.value), str(refused.value)


@pytest.mark.parametrize("char", ["\u202a", "\u202d", "\u2066", "\u2069", "\u200f", "\u2060"])
def test_every_bidi_control_and_invisible_format_character_is_refused_by_its_name(tmp_path: Path, char: str) -> None:
    with pytest.raises(DataError) as refused:
        load_survey(_export_with(tmp_path, f"abc{char}dcba"))
    named = f"U+{ord(char):04X} {unicodedata.name(char)}"
    assert QUESTION in str(refused.value) and named in str(refused.value), str(refused.value)
