"""A share typed "1,5" is refused with a fix that leads straight into a second refusal.

The slider questions take whole numbers (0 to 100; the form's type is ``integer``). A share
typed "1,5" (a decimal comma, as a European-locale spreadsheet writes it) is refused, rightly,
but the message reads "Expected: a whole number. Fix: write the number with a point for decimals
(12.5, not 12,5)". A data officer who follows it writes 1.5 and is refused again: "not a whole
number ... the form accepts whole numbers only". The fix must say what the question accepts
(a whole number from 0 to 100: decide whether 1,5 meant 1, 2 or 15), not how to write a decimal.

The expected wording is read from the form itself: the question's type in the XLSForm sheet.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from variants import SURVEY_SHEET, table, write_text

from perspectives.problems import DataError
from perspectives.readers import load_survey

QUESTION = "se_share"


def _form_field(question: str, column: str) -> str:
    with SURVEY_SHEET.open(encoding="utf-8", newline="") as handle:
        return next(row[column] for row in csv.DictReader(handle) if row["name"] == question)


def _form_type(question: str) -> str:
    return _form_field(question, "type")


def test_a_decimal_comma_in_a_whole_number_question_gets_a_fix_that_works(tmp_path: Path) -> None:
    assert _form_type(QUESTION) == "integer"
    header, rows = table()
    eligible = set(load_survey().eligible["respondent_id"])
    row = next(r for r in rows if r[0] in eligible)
    row[header.index(QUESTION)] = "1,5"
    path = write_text(header, rows, tmp_path / "export.csv", delimiter=";")
    with pytest.raises(DataError) as refused:
        load_survey(path)
    message = str(refused.value)
    assert QUESTION in message and "1,5" in message, message
    fix = message[message.index("Fix:"):]
    assert "point for decimals" not in fix and "12.5" not in fix, fix
    # The range the fix names is the form's own constraint (". >= 0 and . <= 100").
    low, high = re.fullmatch(r"\. >= (\d+) and \. <= (\d+)", _form_field(QUESTION, "constraint")).groups()
    assert f"whole numbers from {low} to {high}" in fix, fix
