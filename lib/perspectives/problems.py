"""One message style for every reason a partner's export is refused.

Purpose
    Whatever is wrong with an export (an unreadable file, a duplicated column, an unknown
    answer code, a required question left empty), the partner reads one kind of message:
    the file, the question by its label and its column, the rows (the first few, then how
    many more), the offending values, what was expected, and the fix in the partner's terms.
    :class:`Problem` holds those parts; :class:`DataError` carries one or more problems to
    the command line, which prints them without a traceback.

Inputs
    Built by :mod:`perspectives.rawtable`, :mod:`perspectives.layouts` and :mod:`perspectives.readers`.

Outputs
    Text (:meth:`Problem.text`, ``str(DataError)``) and plain dicts for ``--json``.
    Row numbers are the partner's own: the spreadsheet row (header included) of a CSV or
    workbook, the case number of an SPSS file. Respondent ids appear only where the partner
    needs them to find a row (a duplicated id), never in a report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

# How many rows and values a message lists before saying how many more there are.
SHOWN = 5


def column_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _listing(items: Sequence[Any], quote: bool = False) -> str:
    shown = [f"'{item}'" if quote else str(item) for item in items[:SHOWN]]
    more = len(items) - SHOWN
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


@dataclass
class Problem:
    """One reason an export cannot be used as it is.

    Attributes:
        problem: what is wrong, in the partner's words.
        fix: what to do about it in the partner's tool or spreadsheet.
        question: the form's name of the question concerned, if any.
        label: the question's label (as respondents saw it).
        column: the column as headed in the file.
        rows: the rows concerned, as the partner's program numbers them.
        row_word: "rows" (CSV, workbook) or "cases" (SPSS).
        values: the offending values as written (distinct, in order of appearance).
        expected: what the reader expected instead.
    """

    problem: str
    fix: str
    question: str | None = None
    label: str | None = None
    column: str | None = None
    rows: Sequence[int] = field(default_factory=list)
    row_word: str = "rows"
    values: Sequence[str] = field(default_factory=list)
    expected: str = ""

    def where(self) -> str:
        """The question, column and rows concerned, e.g. ``question 'X' (column x), rows 2, 5``."""
        parts = []
        if self.question or self.label:
            part = f"question '{self.label or self.question}'"
            if self.column:
                part += f" (column {self.column})"
            parts.append(part)
        elif self.column:
            parts.append(f"column {self.column}")
        if self.rows:
            parts.append(f"{self.row_word} {_listing(list(self.rows))}")
        return ", ".join(parts)

    def text(self, file: str) -> str:
        """The whole message, one paragraph, starting with the file's name."""
        where = self.where()
        message = f"{file}{', ' + where if where else ''}: {self.problem}"
        if self.values and not all(f"'{value}'" in self.problem for value in self.values[:SHOWN]):
            message += f" (values {_listing(list(self.values), quote=True)})"
        if self.expected:
            message += f". Expected: {self.expected}"
        return f"{message}. Fix: {self.fix}"

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        data = asdict(self)
        data["rows_total"] = len(self.rows)
        data["rows"] = list(self.rows)[:50]
        data["values"] = list(self.values)[:50]
        return data


class DataError(ValueError):
    """An export that cannot be used as it is; ``str()`` says what to fix.

    Attributes:
        file: the file's name (never its folder).
        problems: every problem found at the stage that stopped the reading.
        report: what was recognised up to that point (a ``readers.ReadReport`` or None).
        reading: the partial reading, for the checks a field team runs (or None).
    """

    def __init__(self, file: str, problems: Problem | Sequence[Problem], report: Any = None,
                 reading: Any = None) -> None:
        self.file = file
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        self.report = report
        self.reading = reading
        super().__init__(self._message())

    # The first problem's parts, for callers that look at one.
    @property
    def column(self) -> str | None:
        """The first problem's column, as headed in the file."""
        return self.problems[0].column if self.problems else None

    @property
    def rows(self) -> list[int]:
        """The first problem's rows (as numbered in the file)."""
        return list(self.problems[0].rows) if self.problems else []

    @property
    def fix(self) -> str:
        """What to do about the first problem."""
        return self.problems[0].fix if self.problems else ""

    def _message(self) -> str:
        if len(self.problems) == 1:
            return self.problems[0].text(self.file)
        lines = [f"{self.file}: {len(self.problems)} problems to fix before the file can be used:"]
        lines += [f"  {i}. {problem.text(self.file)}" for i, problem in enumerate(self.problems, 1)]
        return "\n".join(lines)
