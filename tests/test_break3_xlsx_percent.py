"""A share typed as "100%" in Excel is read as 1, without a word.

The slider questions (``se_share``, ``tech_share``, ...) are shares from 0 to 100. A data officer
who corrects one answer in Excel by typing ``100%`` gets a cell holding the number 1 with the
number format ``0%``: Excel, LibreOffice and every reader of the sheet see "100%". The reader
takes the raw number and the respondent's share becomes 1 (per cent) instead of 100: a number
silently changed. The rule is to refuse what cannot be read exactly, naming file, question, rows
and fix (a CSV holding ``100%`` is refused today), or to read what the sheet shows (100).

The expected value comes from the workbook itself: what its cell shows under its own format.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from variants import table, write_xlsx

from perspectives.problems import DataError
from perspectives.readers import load_survey

QUESTION = "se_share"


def _one_cell_as_percent(tmp_path: Path) -> tuple[Path, str]:
    """The embedded export as a workbook in which one eligible answer of 100 was typed as "100%"."""
    header, rows = table()
    eligible = set(load_survey().eligible["respondent_id"])
    column = header.index(QUESTION)
    where = next(i for i, row in enumerate(rows) if row[0] in eligible and row[column] == "100")
    path = write_xlsx(header, rows, tmp_path / "export.xlsx")
    workbook = load_workbook(path)
    cell = workbook.active.cell(row=where + 2, column=column + 1)
    cell.value, cell.number_format = 1, "0%"  # what Excel stores when "100%" is typed
    workbook.save(path)
    return path, rows[where][0]


def test_a_share_typed_as_a_percentage_is_refused_or_read_as_shown(tmp_path: Path) -> None:
    path, respondent = _one_cell_as_percent(tmp_path)
    shown = load_workbook(path).active  # the sheet's own reading of the cell: 1 under "0%" is 100%
    column = [c.value for c in shown[1]].index(QUESTION) + 1
    row = next(r for r in range(2, shown.max_row + 1) if shown.cell(r, 1).value == respondent)
    assert shown.cell(row, column).number_format == "0%" and shown.cell(row, column).value * 100 == 100
    try:
        data = load_survey(path)
    except DataError as refused:
        assert QUESTION in str(refused), str(refused)
        # The refusal names the value as the sheet shows it and the fix (write 100, not 100%).
        assert "100%" in str(refused) and "% sign" in str(refused), str(refused)
        return
    read = data.eligible.set_index("respondent_id").loc[respondent, QUESTION]
    assert float(read) == 100, f"{QUESTION} of {respondent} read as {read!r}; the sheet shows 100%"
