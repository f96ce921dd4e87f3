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

from collections.abc import Callable, Mapping, Sequence
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


class Text(str):
    """A phrase of our own words inside a problem's ``args``: translated with it on the partner's page.

    The value is the English text; ``template`` (a catalogue key) and ``args`` (which may hold
    further ``Text``) are kept so that another language translates the template, then fills it.
    Other ``args`` values (column names, codes, counts, file names) are the partner's own and
    are shown as they are.
    """

    template: str
    args: dict[str, Any]

    def __new__(cls, template: str, **args: Any) -> Text:
        """The phrase ``template`` filled from ``args`` (English)."""
        text = super().__new__(cls, template.format(**args) if args else template)
        text.template, text.args = template, args
        return text


def plain(value: Any) -> Any:
    """An ``args`` value as plain data: a Text as its English, template and args; the rest as text."""
    if isinstance(value, Text):
        return {"text": str(value), "template": value.template,
                "args": {k: plain(v) for k, v in value.args.items()}}
    return str(value)


def phrase(value: Any, tr: Callable[..., str]) -> str:
    """A :func:`plain` value in the translator's language (a plain string is shown as written)."""
    return _phrase(value, tr) if isinstance(value, dict) else str(value)


def _fields(args: Mapping[str, Any], tr: Callable[..., str]) -> dict[str, str]:
    """Plain ``args`` as the translator's language shows them: each phrase translated, the rest as written."""
    return {k: _phrase(v, tr) if isinstance(v, dict) else str(v) for k, v in args.items()}


def _phrase(value: dict[str, Any], tr: Callable[..., str]) -> str:
    fields = _fields(value.get("args") or {}, tr)
    return tr(value["template"], **fields) if fields else tr(value["template"])


def translated(problem: Mapping[str, Any], tr: Callable[..., str]) -> dict[str, str]:
    """A problem's ``problem``, ``fix`` and ``expected`` in a translator's language.

    Args:
        problem: :meth:`Problem.as_dict` (as the check's JSON carries it).
        tr: a :class:`perspectives.i18n.Translator` (or a callable of that shape: text, **fields).

    Returns:
        The three texts, each translated where the catalogue has its template, English where not.
    """
    keys = problem.get("msgids") or {part: problem.get(part) or "" for part in ("problem", "fix", "expected")}
    fields = _fields(problem.get("args") or {}, tr)
    out = {part: (tr(key, **fields) if fields else tr(key)) if key else "" for part, key in keys.items()}
    for template, more in problem.get("additions") or []:
        extra = _fields(more, tr)
        out["problem"] += tr(template, **extra) if extra else tr(template)
    return out


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
        args: the fields of ``problem``, ``fix`` and ``expected`` when those are templates
            (``{name}``); a :class:`Text` field is our own words and is translated too.
        msgids: the three templates as written (the catalogue keys), set from the arguments.
        additions: phrases appended by :meth:`add`, as (template, fields).
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
    args: Mapping[str, Any] = field(default_factory=dict)
    msgids: dict[str, str] = field(default_factory=dict, init=False)
    additions: list[tuple[str, dict[str, Any]]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        # problem, fix and expected are catalogue keys; with ``args`` they are templates whose
        # {names} the args fill. The English text is formatted here; the templates are kept
        # (msgids) so that a page in another language translates the template, then fills it.
        self.msgids = {"problem": self.problem, "fix": self.fix, "expected": self.expected}
        if self.args:
            self.problem, self.fix, self.expected = (
                text.format(**self.args) for text in (self.problem, self.fix, self.expected))

    def add(self, template: str, **args: Any) -> None:
        """Append a phrase to the problem's text (a template, filled from ``args``, and translated alike)."""
        self.problem += template.format(**args) if args else template
        self.additions.append((template, args))

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
        data["args"] = {k: plain(v) for k, v in self.args.items()}
        data["additions"] = [[t, {k: plain(v) for k, v in a.items()}] for t, a in self.additions]
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
