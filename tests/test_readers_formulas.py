"""A workbook's formulas whose saved value is empty text are read as empty answers.

A partner's sheet often fills a column by formula, ``=IF(B2="", "", B2)``: where the formula
gives empty text, Excel and LibreOffice save ``<c t="str"><f>...</f><v></v></c>``. openpyxl
reads that cell as None, exactly as it reads a formula that no spreadsheet program ever
computed (a workbook written by a script: no ``<v>``, or openpyxl's own empty ``<v>`` without
``t="str"``). The first is an empty answer, as the partner saw it; the second is refused,
naming sheet, column, rows and the fix. The workbooks here are written by openpyxl and their
sheet XML edited as a spreadsheet program saves it; the expected reading is that of the same
answers written as plain values.
"""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from perspectives.readers import DataError, load_survey

COLUMN = "gender"  # answered by eligible respondents, empty (not asked) for the others


def _tiny_table() -> tuple[list[str], list[list[str]]]:
    from conftest import tiny_frame

    header, *rows = csv.reader(io.StringIO(tiny_frame().to_csv(index=False)))
    return header, rows


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "data"
    for row in rows:
        sheet.append([None if v == "" else v for v in row])
    workbook.save(path)
    return path


def _formula_workbook(path: Path, saved: dict[int, str | None]) -> tuple[Path, Path, list[int]]:
    """The tiny export with every answer of ``COLUMN`` a formula; ``saved``: row -> how it is saved.

    A row's formula is saved with its answer as text (``t="str"``), as empty text where the
    answer is empty, or (``saved[row]`` None) as a formula no program computed: no ``<v>``.
    Returns the workbook, the same answers as plain values, and the data rows' numbers.
    """
    header, rows = _tiny_table()
    at = header.index(COLUMN)
    plain = _workbook(path.parent / "plain.xlsx", [header, *rows])
    body = [[f'=IF(TRUE,"{v}","")' if j == at else v for j, v in enumerate(row)] for row in rows]
    written = _workbook(path.parent / "written.xlsx", [header, *body])
    numbers = list(range(2, len(rows) + 2))
    answers = {n: rows[n - 2][at] for n in numbers}

    def saved_value(match: re.Match[bytes]) -> bytes:
        reference, formula = match.group(1).decode(), match.group(2)
        row = int(re.sub(r"[A-Z]+", "", reference))
        if saved.get(row, "") is None:
            return f'<c r="{reference}" t="str"><f>'.encode() + formula + b"</f></c>"
        text = html.escape(answers[row], quote=False)
        return f'<c r="{reference}" t="str"><f>'.encode() + formula + f"</f><v>{text}</v></c>".encode()

    with zipfile.ZipFile(written) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data, n = re.subn(rb'<c r="([A-Z]+\d+)"><f>(IF\(TRUE,[^<]*)</f><v\s*(?:/>|></v>)</c>', saved_value, data)
                assert n == len(rows)
            target.writestr(info, data)
    return path, plain, numbers


def test_a_formula_whose_saved_value_is_empty_text_reads_as_an_empty_answer(tmp_path):
    path, plain, numbers = _formula_workbook(tmp_path / "formulas.xlsx", {})
    header, rows = _tiny_table()
    empty = [n for n in numbers if rows[n - 2][header.index(COLUMN)] == ""]
    assert empty and len(empty) < len(numbers)  # both kinds of saved value are in the sheet

    survey, expected = load_survey(path), load_survey(plain)
    pd.testing.assert_frame_equal(survey.eligible, expected.eligible)
    pd.testing.assert_frame_equal(survey.exclusions, expected.exclusions)
    counts = {n.what: n.by_column for n in survey.read.normalisations}
    said = [what for what in counts if what.startswith("formulas read as the value")]
    assert said and counts[said[0]] == {COLUMN: len(numbers)}  # every formula counted, the empty ones too


def test_a_formula_without_a_saved_value_beside_empty_text_ones_stays_refused(tmp_path):
    header, rows = _tiny_table()
    empty = [n for n in range(2, len(rows) + 2) if rows[n - 2][header.index(COLUMN)] == ""]
    answered = [n for n in range(2, len(rows) + 2) if rows[n - 2][header.index(COLUMN)] != ""]
    lost = [empty[0], answered[0]]
    path, _, _ = _formula_workbook(tmp_path / "formulas.xlsx", dict.fromkeys(lost))
    with pytest.raises(DataError) as caught:
        load_survey(path)
    [problem] = caught.value.problems
    assert problem.column == COLUMN and list(problem.rows) == sorted(lost)
    assert "formula without its computed value" in problem.problem and "sheet 'data'" in problem.problem
    assert "save it again" in problem.fix and "paste it as values" in problem.fix
