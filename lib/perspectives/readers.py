"""Read a partner's survey export, validate it against the instrument, apply the inclusion rule.

Purpose
    One entry point, :func:`load_survey`, for every shape in which KoboToolbox, ODK Central,
    Briefcase, Ona, Excel and SPSS write the study's data (see :mod:`perspectives.layouts`
    for the tables of tool layouts). An export is read right or refused for its true reason,
    and no answer is ever changed without being counted in the :class:`ReadReport`:

    1. :mod:`perspectives.rawtable` opens the file (encoding, separator, sheet, header row),
       refusing what is not a regular file and archives or workbooks that unpack beyond
       ``limits`` of ``params/study.yml``, and keeps the cells column by column.
    2. :mod:`perspectives.layouts` maps the header onto the form (group paths, option
       columns, tool columns) and refuses duplicated or label-only headers.
    3. The respondent id is chosen (:func:`choose_id_column`).
    4. Every cell is normalised by ONE rule for CSV, XLSX and SAV alike: spaces and
       non-breaking spaces around a code are removed; a cell that is empty, holds one of
       ``layouts.MISSING_MARKERS`` (``NA``, ``N/A``, ``n/a``, ``-``), is SPSS system-missing or
       holds a value the SPSS file declares user-missing holds no answer; SPSS value labels
       are mapped to the form's codes; option columns' truth values (0/1, True/False,
       TRUE/FALSE, 1/empty) become ticked/not ticked. Each kind is counted.
    5. Answers are checked against the form (codes, numbers, constraints); a required
       question left unanswered by an eligible respondent, where the form showed it, is
       refused naming the rows.
    6. The study's inclusion rule splits eligible completes from the exclusion log.

    Every problem found at one stage is reported together, in the one message style of
    :mod:`perspectives.problems`.

Inputs
    A path to the export; the :class:`~perspectives.instrument.Instrument`; optionally the
    name of the id column (``--id-column``); ``params/study.yml`` (``data.id_column``,
    ``data.id_fallbacks``).

Outputs
    :class:`SurveyData`: ``eligible`` (one row per eligible complete; the id under the
    study's id column name; select-multiple answers as boolean columns ``<question>/<code>``
    plus the code set), ``exclusions`` (the exclusion log: partial responses and
    disqualified ones by unmet criterion), ``source`` (file name and SHA-256, never the
    path) and ``read`` (the :class:`ReadReport`: what was recognised and normalised, counts
    only). :func:`read_survey` also returns the normalised answers for ``perspectives check``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .expressions import UnsupportedExpression, bounds, evaluate
from .hashing import sha256_file
from .hints import command
from .instrument import ELIGIBILITY, Instrument, Question, load_instrument
from .layouts import (
    EXCEL_ERRORS,
    FALSE_VALUES,
    GENERIC_TOOL,
    MISSING_MARKERS,
    SPACES,
    TRUE_VALUES,
    Header,
    header_score,
    resolve_header,
    strip_spaces,
)
from .problems import DataError, Problem, Text, column_letter, plain
from .project import Project, default
from .rawtable import Column, FileFormat, Limits, RawTable, read_raw
from .rawtable_columns import SUPPORTED
from .study import Study

__all__ = ["MULTI_SEP", "SUPPORTED", "DataError", "Normalisation", "ReadReport", "Reading", "SurveyData",
           "apply_inclusion", "choose_id_column", "exclusion_summary", "load_survey", "read_survey"]

MULTI_SEP = "/"  # between a select-multiple question and its option in SurveyData.eligible
DEFAULT_ID_FALLBACKS = ("_uuid", "_id", "KEY", "meta-instanceID", "instanceID")
# Question types whose answers are codes: spaces around them are never meaningful.
_CODED = ("select_one", "select_multiple", "integer", "decimal", "calculate")


@dataclass
class SurveyData:
    """A validated export: the eligible completes, the exclusion log and the source stamp.

    ``project`` is the study folder whose form and study it was read against (None for a
    survey put together by hand: the one around the working directory is then meant).
    """

    eligible: pd.DataFrame
    exclusions: pd.DataFrame
    source: dict[str, str]
    instrument: Instrument
    read: ReadReport | None = None
    project: Project | None = None

    def multi(self, question: str) -> pd.DataFrame:
        """Boolean frame (one column per option) for a select-multiple question; NaN row = not asked."""
        codes = self.instrument.codes(question)
        frame = self.eligible[[f"{question}{MULTI_SEP}{code}" for code in codes]].copy()
        frame.columns = codes
        return frame


@dataclass
class Normalisation:
    """One kind of change the reader made to cells, with counts (never the cells themselves).

    Attributes:
        what: the change, in the partner's words.
        cells: how many cells (or rows, for row-level changes) it touched.
        by_column: the same count per column as headed in the file.
        phrase: ``what`` as a catalogue template and its fields (:func:`perspectives.problems.plain`),
            which the partner's page translates.
    """

    what: str
    cells: int
    by_column: dict[str, int] = field(default_factory=dict)
    phrase: Any = None


@dataclass
class ReadReport:
    """What the reader recognised in an export and every normalisation it applied.

    Attributes:
        file: the file's name.
        format: encoding, separator, line endings, sheet and header row (:class:`FileFormat`).
        tool: the survey tool whose layout the header shows.
        group_separators: separators seen in group paths of headers ('/', '.', '-').
        outer_groups: groups the partner's form wraps around the study's own paths (pages),
            as the headers name them.
        id_column: the column used as respondent id, as headed in the file.
        id_rule: why that column.
        select_multiple: question -> layout ("one column", "option columns", "both, cross-checked").
        ignored: what was not read, by reason -> column names.
        normalisations: every change made to cells, with counts.
        value_labels: SPSS value -> form code, per question, where labels were used.
        responses: data rows read.
        skipped_checks: form rules that could not be checked, with the reason.
    """

    file: str
    format: FileFormat
    tool: str = GENERIC_TOOL.name
    group_separators: list[str] = field(default_factory=list)
    outer_groups: list[str] = field(default_factory=list)
    id_column: str | None = None
    id_rule: str = ""
    select_multiple: dict[str, str] = field(default_factory=dict)
    ignored: dict[str, list[str]] = field(default_factory=dict)
    normalisations: list[Normalisation] = field(default_factory=list)
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    responses: int = 0
    skipped_checks: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return asdict(self)


@dataclass
class Reading:
    """Everything :func:`read_survey` learnt, for ``perspectives check`` (no row leaves this object).

    Attributes:
        report: the :class:`ReadReport`.
        answers: normalised answers as text (None = no answer), one column per answer
            question, one row per data row of the file (index 0..n-1).
        ids: the respondent ids (text), same index.
        row_numbers: each row's number as the partner's program shows it.
        row_word: "rows" or "cases".
        metadata: form metadata columns (``start``, ``end`` ...) as text, same index.
        outcome: eligible / partial / disqualified / no_consent per row (None until known).
        survey: the :class:`SurveyData` when the file is usable.
    """

    report: ReadReport
    answers: pd.DataFrame
    ids: pd.Series
    row_numbers: Sequence[int]
    row_word: str
    metadata: pd.DataFrame
    outcome: pd.Series | None = None
    survey: SurveyData | None = None

    def rows(self, mask: pd.Series | np.ndarray) -> list[int]:
        """The partner's row numbers where ``mask`` is true."""
        flags = np.asarray(mask, dtype=bool)
        return [self.row_numbers[i] for i in np.flatnonzero(flags)]


# --------------------------------------------------------------------------- the id rule


def choose_id_column(header: Header, study_id: str, fallbacks: tuple[str, ...] | list[str],
                     override: str | None, instrument: Instrument, file: str) -> tuple[int, str]:
    """The column that identifies each response, and why it was chosen.

    The rule: ``--id-column NAME`` when given; else the study's own id column when the
    export has it; else the first of the survey tools' ids (``_uuid``, ``_id``, ``KEY``,
    ``meta-instanceID``, ``instanceID`` by default, from ``params/study.yml``) it has.

    Args:
        header: the resolved header.
        study_id: the study's id column name (``data.id_column``).
        fallbacks: the tools' id columns, in order of preference (``data.id_fallbacks``).
        override: the name given with ``--id-column``, or None.
        instrument: the form (an id may not be one of its questions).
        file: the file's name, for messages.

    Returns:
        (column index, the reason in words).

    Raises:
        DataError: the named column is missing or is a question, or no id column exists.
    """
    position = {name: i for i, name in reversed(list(enumerate(header.names)))}
    if override:
        name = strip_spaces(override)
        if name not in position:
            shown = [n for n in header.names if n and header.roles[header.names.index(n)].kind != "question"][:8]
            raise DataError(file, Problem(
                "the id column '{name}' given with --id-column is not in the file",
                expected="a column of the file such as {shown}" if shown else "a column of the file",
                fix="give the exact header of the column that identifies each response",
                args={"name": name, "shown": ", ".join(repr(s) for s in shown)}))
        role = header.roles[position[name]]
        if role.kind in ("question", "option"):
            raise DataError(file, Problem(
                "'{name}' is a question of the form, not an id", column=name, question=role.question,
                label=instrument.label(role.question) if role.question else None,
                fix="give the column that identifies each response (for example _uuid or KEY)", args={"name": name}))
        return position[name], "given with --id-column"
    if study_id in position:
        return position[study_id], "the study's id column"
    for name in fallbacks:
        if name in position:
            tool = header.tool.name if header.tool is not GENERIC_TOOL else "the survey tool"
            return position[name], f"{tool}'s own id (the file has no '{study_id}' column)"
    raise DataError(file, Problem(
        "no column identifies the responses",
        expected="a '{id}' column, or one of the survey tools' ids: {fallbacks}",
        fix="export the tool's id column with the data (Kobo: _uuid; ODK Central: KEY), add a '{id}' "
            "column, or name the column that identifies each response with --id-column NAME",
        args={"id": study_id, "fallbacks": ", ".join(fallbacks)}))


# --------------------------------------------------------------------------- normalising cells


class _Tally:
    """Counts of each normalisation, per column, in the order first met."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = {}

    def add(self, what: str, column: str, n: int = 1) -> None:
        if n:
            self.counts.setdefault(what, Counter())[column] += n

    def entries(self) -> list[Normalisation]:
        return [Normalisation(what, sum(c.values()), dict(c), plain(what)) for what, c in self.counts.items()]


def _tidy(value: str | None, tally: _Tally | _Events, column: str, coded: bool, codes: frozenset[str]
          ) -> str | None:
    """One cell under the missing-value rule; spaces around codes removed and counted."""
    if value is None:
        return None
    stripped = strip_spaces(value)
    if not stripped:
        return None
    if coded and stripped != value:
        tally.add("spaces or non-breaking spaces around a code removed", column)
    if stripped in MISSING_MARKERS and stripped not in codes:
        tally.add(Text("'{marker}' read as no answer", marker=stripped), column)
        return None
    return stripped if coded else value


class _Events:
    """The normalisations one value causes, to be counted once per cell holding it."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def add(self, what: str, column: str, n: int = 1) -> None:
        self.seen.append((what, column))


def _per_value(column: Column, tally: _Tally, tidy: Callable[[str | None, Any], str | None]) -> Column:
    """``tidy`` applied to each distinct value once, its normalisations counted per cell.

    A column of 800,000 cells holds a few dozen distinct values. Values are visited in the
    order first met, so the tally lists normalisations in the order a cell-by-cell pass would.
    """
    counts = column.counts()
    position = {value: k for k, value in enumerate(column.values)}

    def change(value: str | None) -> str | None:
        events = _Events()
        new = tidy(value, events)
        for what, name in events.seen:
            tally.add(what, name, int(counts[position[value]]))
        return new

    return column.map(change)


_INNER_SPACES = re.compile(f"[{SPACES}]+")


def _tidy_tokens(value: str | None, tally: _Tally | _Events, column: str) -> str | None:
    """A select-multiple answer with its codes separated by single spaces (counted when changed)."""
    if value is None:
        return None
    tidy = " ".join(token for token in _INNER_SPACES.split(value) if token)
    if tidy != value:
        tally.add("non-breaking or repeated spaces between select-multiple codes made single spaces", column)
    return tidy


def _problem(question: Question | None, column: str | None, reading_rows: list[int], row_word: str, **parts: Any
             ) -> Problem:
    return Problem(question=question.name if question else None, label=question.label if question else None,
                   column=column, rows=reading_rows, row_word=row_word, **parts)


def _distinct(values: pd.Series) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values))


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _choice_by_label(instrument: Instrument, question: Question) -> dict[str, str]:
    """Folded code or label (any language) -> code, for mapping SPSS value labels and hints."""
    table: dict[str, str] = {}
    for choice in instrument.choices[question.list_name or ""]:
        table.setdefault(_fold(choice.name), choice.name)
        for text in choice.labels.values():
            table.setdefault(_fold(text), choice.name)
    return table


def _template_hint(study: Study) -> str:
    """Where a blank template of the study's form's columns comes from: a command that runs as printed."""
    folder = "blank_form"
    return Text("`{command}` writes a blank template with every column ({folder}/data_template.csv)",
                command=command("instrument", folder, project=study.root), folder=folder)


class _Reader:
    """One reading of one export (the steps of the module docstring)."""

    def __init__(self, path: Path, instrument: Instrument, id_override: str | None, study: Study) -> None:
        self.path = path
        self.file = path.name
        self.instrument = instrument
        self.study = study
        self.id_override = id_override
        self.tally = _Tally()
        self.problems: list[Problem] = []

    # ----------------------------------------------------------------- steps 1 to 3
    def _count_skipped(self, raw: RawTable) -> None:
        """Count the rows and columns the raw reading left out (each a normalisation the partner sees)."""
        if raw.format.skipped_above:
            self.tally.add("rows above the header skipped (a title or a note)", "(file)", raw.format.skipped_above)
        last = max(raw.row_numbers, default=0)
        inner = [n for n in raw.empty_rows if n < last]
        trailing = len(raw.empty_rows) - len(inner)
        if trailing:
            self.tally.add("empty rows at the end of the file skipped", "(file)", trailing)
        if inner:
            self.tally.add(Text("empty rows between responses skipped ({word} {rows})",
                                word=Text(raw.row_word), rows=", ".join(map(str, inner[:5])) + (
                                    " ..." if len(inner) > 5 else "")), "(file)", len(inner))
        if raw.empty_columns:
            self.tally.add("columns with neither a header nor a value dropped", "(file)", raw.empty_columns)
        for column, n in raw.user_missing.items():
            self.tally.add("values the SPSS file declares user-missing read as no answer", column, n)
        for column, n in raw.empty_strings.items():
            self.tally.add("empty SPSS strings read as no answer", column, n)

    def open(self) -> None:
        limits = Limits.from_settings(self.study.raw.get("limits"))
        raw = read_raw(self.path, lambda cells, kind: header_score(cells, self.instrument, kind), limits)
        self.raw: RawTable = raw
        self.report = ReadReport(self.file, raw.format, responses=raw.n_rows)
        self.row_word = raw.row_word
        self._count_skipped(raw)

        header = resolve_header(raw.header, self.instrument, raw.format.kind)
        self.header = header
        self.report.tool = header.tool.name
        self.report.group_separators = header.separators
        self.report.outer_groups = header.outer_groups
        if header.trimmed:
            self.tally.add("spaces around header names removed", "(header)", header.trimmed)
        problems = list(header.problems)
        for i in header.columns_of("blank"):
            filled = self._mask_rows(raw.columns[i].where(lambda v: v not in (None, "")))
            if filled:
                problems.append(Problem("column {letter} has no header but holds values",
                                        rows=filled, row_word=self.row_word,
                                        expected="a header naming the question on every column that holds answers",
                                        fix="write the question's name at the top of column {letter}, "
                                            "or delete the column", args={"letter": column_letter(i)}))
        problems += self._missing_columns()
        if problems:
            where = self._header_place()
            for problem in problems:
                if where is not None:
                    problem.add(where.template, **where.args)
            self._fail(problems)
        try:
            self.id_index, rule = choose_id_column(
                header, str(self.study.data.get("id_column", "respondent_id")),
                tuple(self.study.data.get("id_fallbacks", DEFAULT_ID_FALLBACKS)), self.id_override,
                self.instrument, self.file)
        except DataError as error:
            self._fail(error.problems)
        self.report.id_column = header.names[self.id_index]
        self.report.id_rule = rule
        self._note_ignored()

    def _header_place(self) -> Text | None:
        """Where the header was read, unless simply the first row of a text file."""
        fmt = self.raw.format
        if fmt.sheet:
            return Text(" (header read from row {row} of sheet {sheet})", row=fmt.header_row, sheet=fmt.sheet)
        if fmt.header_row and fmt.header_row > 1:
            return Text(" (header read from row {row})", row=fmt.header_row)
        return None

    def _missing_columns(self) -> list[Problem]:
        present = {(r.kind, r.question) for r in self.header.roles}
        missing = [q for q in self.instrument.answer_questions()
                   if ("question", q.name) not in present and ("option", q.name) not in present]
        if not missing or self.header.labels_export:
            return []
        shown = "; ".join(f"'{q.name}' ({q.label})" for q in missing[:5])
        return [Problem(
            "{n} of the form's {total} questions are missing (no column): {shown}",
            values=[q.name for q in missing], expected="one column per question, headed by its name in the form "
                                                      "(group paths such as about_you/gender are fine)",
            fix="export with the form's own column names: {how}; {template}",
            args={"n": len(missing), "total": len(self.instrument.answer_questions()),
                  "shown": shown + (" ..." if len(missing) > 5 else ""), "how": self.header.tool.names_export,
                  "template": _template_hint(self.study)})]

    def _note_ignored(self) -> None:
        ignored: dict[str, list[str]] = defaultdict(list)
        for i, (name, role) in enumerate(zip(self.header.names, self.header.roles, strict=True)):
            if i == self.id_index:
                continue
            if role.kind == "system":
                ignored[f"{role.tool} columns"].append(name)
            elif role.kind == "metadata":
                ignored["form metadata, read for the interview duration only"].append(name)
            elif role.kind == "unknown":
                ignored["columns not in the form"].append(name)
        self.report.ignored = dict(ignored)

    def _fail(self, problems: list[Problem], reading: Reading | None = None) -> None:
        self.report.normalisations = self.tally.entries()
        raise DataError(self.file, problems, report=self.report, reading=reading)

    # ----------------------------------------------------------------- step 4
    def normalise(self) -> None:
        raw, header = self.raw, self.header
        n = raw.n_rows
        cells = raw.columns
        answers: dict[str, Column | list[str | None]] = {}
        options: dict[str, dict[str, int]] = defaultdict(dict)
        errors: list[Problem] = []
        for i, (name, role) in enumerate(zip(header.names, header.roles, strict=True)):
            if role.kind == "option":
                options[role.question][role.code] = i
                continue
            if role.kind != "question":
                continue
            question = self.instrument[role.question]
            codes = frozenset(self.instrument.codes(question.name)) if question.list_name else frozenset()
            coded = question.type in _CODED
            column = _per_value(cells[i], self.tally,
                                lambda v, events, name=name, coded=coded, codes=codes: _tidy(v, events, name, coded, codes))
            errors += self._excel_errors(question, name, column)
            if question.is_select_multiple:
                column = _per_value(column, self.tally, lambda v, events, name=name: _tidy_tokens(v, events, name))
            if question.is_select_one and name in raw.value_labels:
                answers[question.name] = self._apply_value_labels(question, name, column.cells(),
                                                                  raw.value_labels[name])
            else:
                answers[question.name] = column
        ids = _per_value(cells[self.id_index], self.tally,
                         lambda v, events: _tidy(v, events, header.names[self.id_index], True, frozenset()))
        self.ids = pd.Series(ids.array(), dtype=object)
        self.metadata = pd.DataFrame(
            {header.names[i]: pd.Series(_per_value(cells[i], self.tally,
                                                   lambda v, events, i=i: _tidy(v, events, header.names[i], False,
                                                                                 frozenset())).array(), dtype=object)
             for i in header.columns_of("metadata")},
            index=range(n))
        errors += self._fold_options(answers, options, cells)
        if errors:
            self._fail(errors)
        # One block of objects filled column by column: a frame built from a dict of columns
        # would hold every answer twice while it copies them into its block.
        names = [q.name for q in self.instrument.answer_questions()]
        block = np.empty((len(names), n), dtype=object)
        for k, name in enumerate(names):
            cells = answers.pop(name)
            if isinstance(cells, Column):
                cells.array(out=block[k])
            else:
                block[k] = cells
        self.answers = pd.DataFrame(block.T, columns=names, index=range(n), dtype=object, copy=False)
        raw.columns = []  # every cell is now in the answers, ids and metadata: the raw codes are let go

    def _mask_rows(self, mask: np.ndarray) -> list[int]:
        """The partner's row numbers where ``mask`` (over the data rows) is true."""
        return [self.raw.row_numbers[i] for i in np.flatnonzero(mask)]

    def _excel_errors(self, question: Question, column: str, values: Column) -> list[Problem]:
        bad = values.where(lambda v: v in EXCEL_ERRORS)
        if not bad.any():
            return []
        shown = list(dict.fromkeys(values.values[c] for c in values.codes[bad]))
        return [_problem(question, column, self._mask_rows(bad), self.row_word,
                         problem="cells hold Excel error values, left by formulas that failed",
                         values=[str(v) for v in shown],
                         expected="the answer itself", fix="correct the formulas, or paste the answers as values")]

    def _apply_value_labels(self, question: Question, column: str, values: list[str | None],
                            labels: dict[str, str]) -> list[str | None]:
        """SPSS numbers with value labels -> the form's codes, through the labels; unmappable refused."""
        codes = set(self.instrument.codes(question.name))
        by_label = _choice_by_label(self.instrument, question)
        mapping: dict[str, str] = {}
        unmapped: dict[str, str] = {}
        for value, label in labels.items():
            code = by_label.get(_fold(label))
            if code is not None:
                mapping[value] = code
            else:
                unmapped[value] = label
        out, bad = [], []
        for i, value in enumerate(values):
            if value is None or value in codes:
                out.append(value)
            elif value in mapping:
                out.append(mapping[value])
                self.tally.add("SPSS values mapped to the form's codes through their value labels", column)
            else:
                out.append(value)
                if value in unmapped:
                    bad.append(i)
        if bad:
            shown = _distinct(pd.Series([f"{values[i]} = '{unmapped[values[i]]}'" for i in bad]))
            self.problems.append(_problem(
                question, column, [self.raw.row_numbers[i] for i in bad], self.row_word,
                problem="SPSS value labels that match no answer of the form", values=shown,
                expected="labels naming one of the form's answers: {codes} (or their labels, e.g. '{example}')",
                fix="in SPSS, Variable View > Values: label each value with the form's code or answer label",
                args={"codes": ", ".join(sorted(codes)),
                      "example": self.instrument.choice_labels(question.name)[sorted(codes)[0]]}))
        used = {value: code for value, code in mapping.items() if value in set(values)}
        if used:
            self.report.value_labels[question.name] = used
        return out

    def _fold_options(self, answers: dict[str, Column | list[str | None]], options: dict[str, dict[str, int]],
                      cells: list[Column]) -> list[Problem]:
        """One 0/1 column per option -> the space-separated answer; cross-checked when both exist."""
        problems: list[Problem] = []
        truth: dict[str, bool] = {**dict.fromkeys(TRUE_VALUES, True), **dict.fromkeys(FALSE_VALUES, False)}
        parsed: dict[str, dict[str, list[bool | None]]] = {}
        any_false = False
        for qname, columns in options.items():
            question = self.instrument[qname]
            parsed[qname] = {}
            bad_rows: set[int] = set()
            bad_values: list[str] = []
            bad_columns: list[str] = []
            for code, i in columns.items():
                name = self.header.names[i]
                column = [_tidy(v, self.tally, name, True, frozenset()) for v in cells[i].cells()]
                flags: list[bool | None] = []
                for r, value in enumerate(column):
                    if value is None:
                        flags.append(None)
                    elif value in truth:
                        flags.append(truth[value])
                        if value not in ("0", "1"):
                            self.tally.add(Text("option cells written '{value}' read as ticked" if truth[value]
                                                else "option cells written '{value}' read as not ticked",
                                                value=value), name)
                    else:
                        flags.append(None)
                        bad_rows.add(r)
                        bad_values.append(value)
                        if name not in bad_columns:
                            bad_columns.append(name)
                any_false = any_false or any(flag is False for flag in flags)
                parsed[qname][code] = flags
            if bad_rows:
                shown = ", ".join(bad_columns[:3]) + (f" and {len(bad_columns) - 3} more" if len(bad_columns) > 3 else "")
                problems.append(_problem(
                    question, shown, [self.raw.row_numbers[r] for r in sorted(bad_rows)], self.row_word,
                    problem="option columns must say ticked or not ticked",
                    values=list(dict.fromkeys(bad_values)),
                    expected="1 or 0 (True/False, TRUE/FALSE, or 1 and empty are read too)",
                    fix="mark each ticked option with 1 and each other option with 0"))
        if problems:
            return problems
        # A file that never writes a false marks ticked options with 1 and leaves the rest
        # empty: there, empty means not ticked, and a row with no 1 was not asked.
        ones_only = not any_false and bool(parsed)
        for qname, by_code in parsed.items():
            question = self.instrument[qname]
            codes = self.instrument.codes(qname)
            single = answers.get(qname)
            if isinstance(single, Column):
                single = single.cells()
            missing_codes = [c for c in codes if c not in by_code]
            layout = "both, cross-checked" if single is not None else "option columns"
            self.report.select_multiple[qname] = layout + (" (1 = ticked, empty = not ticked)" if ones_only else "")
            if missing_codes and single is None:
                problems.append(_problem(
                    question, None, [], self.row_word,
                    problem="option columns are missing for {missing}",
                    values=missing_codes, expected="one column per option: {codes}",
                    fix="export all option columns (or the one-column answer) of this question",
                    args={"missing": ", ".join(missing_codes), "codes": ", ".join(codes)}))
                continue
            n = len(next(iter(by_code.values())))
            folded: list[str | None] = []
            mixed = []
            for r in range(n):
                row = {code: flags[r] for code, flags in by_code.items()}
                filled = [v for v in row.values() if v is not None]
                if ones_only:
                    ticked = [c for c in codes if row.get(c)]
                    folded.append(" ".join(ticked) if ticked else None)
                    if ticked and len(filled) < len(row):
                        self.tally.add("empty option cells read as not ticked (the file writes only 1s)",
                                       qname, len(row) - len(filled))
                elif not filled:
                    folded.append(None)
                elif len(filled) < len(row):
                    folded.append(None)
                    mixed.append(r)
                else:
                    folded.append(" ".join(c for c in codes if row.get(c)))
            if mixed:
                problems.append(_problem(
                    question, None, [self.raw.row_numbers[r] for r in mixed], self.row_word,
                    problem="some option columns of the question are empty and others hold 0 or 1 in the same row",
                    expected="every option column filled (1 or 0) when the question was asked, all empty when not",
                    fix="fill the empty option cells with 0 where the question was asked, or empty the row's "
                        "option cells where it was not"))
                continue
            if single is None:
                answers[qname] = folded
                continue
            problems += self._cross_check(question, single, folded, by_code, answers)
        return problems

    def _cross_check(self, question: Question, single: list[str | None], folded: list[str | None],
                     by_code: dict[str, list[bool | None]], answers: dict[str, Column | list[str | None]]
                     ) -> list[Problem]:
        """Kobo's default writes both layouts: they must say the same thing, row by row."""
        checked = set(by_code)
        disagree, asked_none = [], []
        for r, (one, many) in enumerate(zip(single, folded, strict=True)):
            one_set = {t for t in (one or "").split() if t in checked}
            many_set = set((many or "").split())
            if one is None and many == "":
                asked_none.append(r)
            elif (one is None) != (many is None) or one_set != many_set:
                disagree.append(r)
        if disagree:
            column = question.name
            return [_problem(question, column, [self.raw.row_numbers[r] for r in disagree], self.row_word,
                             problem="the one-column answer and the option columns of this question disagree",
                             expected="the same options ticked in both layouts",
                             fix="export again from the survey tool without editing either layout, or delete one "
                                 "of the two layouts (the one-column answer or the option columns)")]
        if asked_none:
            merged = list(single)
            for r in asked_none:
                merged[r] = ""
            answers[question.name] = merged
            self.tally.add("one-column answer empty and every option column 0: read as asked, nothing ticked",
                           question.name, len(asked_none))
        return []

    # ----------------------------------------------------------------- step 5
    def validate(self) -> None:
        """Check every answer against the form (problems collected); numbers kept for :meth:`typed`."""
        answers = self.answers
        self.numbers: dict[str, pd.Series] = {}
        for question in self.instrument.answer_questions():
            column = answers[question.name]
            present = column.notna()
            header = self._header_of(question.name)
            if question.is_select_one:
                self._check_codes(question, header, column, present)
            elif question.is_select_multiple:
                self._check_tokens(question, header, column, present)
            elif question.is_numeric:
                self.numbers[question.name] = self._check_numbers(question, header, column, present)
            elif question.type == "calculate":
                self._check_calculation(question, header, column, present)
            if question.constraint and not question.is_numeric:
                self._check_constraint(question, header, column, present)

    def typed(self, rows: np.ndarray | None = None, names: list[str] | None = None,
              ids: pd.Series | None = None) -> pd.DataFrame:
        """The answers with their types (numbers as numbers, no answer as NaN), for some rows.

        Built only for the rows that need it (the eligible completes, or every row for the
        few columns of the inclusion rule), so a large export is never held typed whole.

        Args:
            rows: a boolean mask over the rows (None: every row); the result is indexed 0..k-1.
            names: the questions (None: every answer question, in form order).
            ids: the respondent ids of those rows, put first (under the Series' name).
        """
        size = len(self.answers) if rows is None else int(np.count_nonzero(rows))
        typed: dict[str, pd.Series] = {} if ids is None else {str(ids.name): ids.reset_index(drop=True)}
        for question in self.instrument.answer_questions():
            if names is not None and question.name not in names:
                continue
            if question.is_numeric:
                column = self.numbers[question.name]
                typed[question.name] = (column if rows is None else column[rows]).reset_index(drop=True)
                continue
            # No answer becomes NaN; every text stays the one object the answers hold (a
            # pandas `where` would make a new object for every empty cell of a large export).
            values = self.answers[question.name].to_numpy(dtype=object)
            values = values[rows] if rows is not None else values.copy()
            values[pd.isna(values)] = np.nan
            typed[question.name] = pd.Series(values, dtype=object if question.is_select_one else "str")
        return pd.DataFrame(typed, index=pd.RangeIndex(size), copy=False)

    def _header_of(self, name: str) -> str:
        for header, role in zip(self.header.names, self.header.roles, strict=True):
            if role.kind == "question" and role.question == name:
                return header
        return name  # option columns only

    def _rows(self, mask: pd.Series) -> list[int]:
        return [self.raw.row_numbers[i] for i in np.flatnonzero(mask.to_numpy(dtype=bool))]

    def _check_codes(self, question: Question, header: str, column: pd.Series, present: pd.Series) -> None:
        codes = self.instrument.codes(question.name)
        bad = present & ~column.isin(codes)
        if not bad.any():
            return
        seen = _distinct(column[bad])
        by_label = _choice_by_label(self.instrument, question)
        as_labels = [v for v in seen if _fold(v) in by_label and v not in codes]
        by_case = {code.casefold(): code for code in codes}
        other_case = [v for v in seen if v.casefold() in by_case]
        args = {"codes": ", ".join(codes), "seen": ", ".join(repr(v) for v in seen[:5]),
                "how": self.header.tool.names_export, "template": _template_hint(self.study)}
        if other_case and len(other_case) == len(seen):
            # 'Male' for 'male', 'mda' for 'MDA': the code in another case, not a label.
            problem = "answer codes are written in another case ({pairs})"
            args["pairs"] = ", ".join(f"'{v}' for '{by_case[v.casefold()]}'" for v in other_case[:3])
            fix = "write the codes exactly as the form does (codes are case-sensitive)"
        elif as_labels and len(as_labels) * 2 >= len(seen):
            problem = "answers are written as labels ({labels}), not as the form's codes"
            args["labels"] = ", ".join(f"'{v}'" for v in as_labels[:3])
            fix = ("export 'XML values' rather than labels: {how}; {template}" if self.header.tool is GENERIC_TOOL
                   else "export 'XML values' rather than labels: {how}")
        elif header in self.raw.value_labels or (
                self.report.format.kind == "SPSS data file" and all(re.fullmatch(r"-?\d+(\.\d+)?", v) for v in seen)):
            # Numbers where the form has codes: an SPSS file saved without its value labels.
            problem = "unknown answer code(s) {seen} and no value label maps them"
            fix = "in SPSS, give these values value labels naming the form's answers, or recode them to the codes"
        else:
            problem = "unknown answer code(s) {seen}"
            fix = "correct these answers to the form's codes (a typing error, or an answer added outside the form)"
        self.problems.append(_problem(question, header, self._rows(bad), self.row_word, problem=problem,
                                      values=seen, expected="one of {codes}", fix=fix, args=args))

    def _check_tokens(self, question: Question, header: str, column: pd.Series, present: pd.Series) -> None:
        codes = set(self.instrument.codes(question.name))
        text = column.where(present, "")
        malformed = present & _per_distinct(text, lambda values: values.str.contains(r"[,;|]", regex=True))
        if malformed.any():
            self.problems.append(_problem(
                question, header, self._rows(malformed), self.row_word,
                problem="select-multiple answers must be separated by single spaces",
                values=_distinct(column[malformed]), expected="codes separated by spaces, e.g. 'legal medical'",
                fix="export select-multiple as space-separated codes or as one column per option"))
            return
        bad = _per_distinct(text, lambda values: values.map(lambda value: bool(set(value.split()) - codes)))
        if bad.any():
            seen = sorted({t for value in text[bad].unique() for t in value.split()} - codes)
            self.problems.append(_problem(
                question, header, self._rows(bad), self.row_word,
                problem="unknown option code(s) {seen}", values=seen, expected="options of the form: {codes}",
                fix="correct the answers to the form's option codes",
                args={"seen": ", ".join(repr(v) for v in seen[:5]),
                      "codes": ", ".join(self.instrument.codes(question.name))}))

    def _check_numbers(self, question: Question, header: str, column: pd.Series, present: pd.Series) -> pd.Series:
        numbers = pd.to_numeric(column.where(present), errors="coerce")
        not_number = present & numbers.isna()
        if not_number.any():
            seen = _distinct(column[not_number])
            comma = any(re.fullmatch(r"-?\d+,\d+", v) for v in seen)
            self.problems.append(_problem(
                question, header, self._rows(not_number), self.row_word, problem="not a number", values=seen,
                expected="a whole number" if question.type == "integer" else "a number",
                fix="write the number with a point for decimals (12.5, not 12,5)" if comma else
                    "enter the number itself, or leave the cell empty when the question was not answered"))
        if question.type == "integer":
            fraction = numbers.notna() & (numbers != numbers.round())
            if fraction.any():
                self.problems.append(_problem(
                    question, header, self._rows(fraction), self.row_word, problem="not a whole number",
                    values=_distinct(column[fraction]), expected="a whole number (the form asks for an integer)",
                    fix="correct the answers; the form accepts whole numbers only"))
        if question.constraint:
            self._check_constraint(question, header, column, numbers.notna())
        # A number written otherwise than plainly ('056', '56.0', '5.6e1') is read as its value:
        # same number, but said, like every other change the reader makes.
        read = numbers.notna()
        plain = _per_distinct(column[read], lambda values: values.str.fullmatch(r"-?(0|[1-9]\d*)(\.\d*[1-9])?"))
        self.tally.add("numbers written with leading zeros, trailing decimal zeros or an exponent read as "
                       "their value", header, int((~plain).sum()))
        return numbers

    def _check_calculation(self, question: Question, header: str, column: pd.Series, present: pd.Series) -> None:
        """A calculate column holds what the form computes (``'yes'``) or nothing."""
        match = re.fullmatch(r"\s*'([^']*)'\s*", question.calculation)
        if not match:
            return
        bad = present & (column != match.group(1))
        if bad.any():
            self.problems.append(_problem(
                question, header, self._rows(bad), self.row_word,
                problem="the form sets this column to '{value}' or leaves it empty",
                values=_distinct(column[bad]), expected="'{value}' or empty",
                fix="export the column as the tool wrote it: '{value}' for a completed form, "
                    "empty for a partial one", args={"value": match.group(1)}))

    def _check_constraint(self, question: Question, header: str, column: pd.Series, present: pd.Series) -> None:
        try:
            ok = evaluate(question.constraint, self.answers, current=question.name)
        except UnsupportedExpression as error:
            self.report.skipped_checks.append(f"constraint of {question.name} not checked ({error})")
            return
        bad = present & ~ok
        if bad.any():
            limits = bounds(question.constraint)
            self.problems.append(_problem(
                question, header, self._rows(bad), self.row_word,
                problem="value out of range" if limits else "answer breaks the form's constraint",
                values=_distinct(column[bad]),
                expected="a value from {low} to {high}" if limits else "answers satisfying the form's constraint {rule}",
                fix="correct these answers; the form would not have accepted them",
                args={"low": f"{limits[0]:g}", "high": f"{limits[1]:g}"} if limits else {"rule": question.constraint}))

    # ----------------------------------------------------------------- step 6
    def include(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
        """The inclusion rule: (eligible completes, exclusion log, outcome of every row)."""
        study_id = str(self.study.data.get("id_column", "respondent_id"))
        ids = pd.Series(self.ids.to_numpy(dtype=object), dtype="str", name=study_id)
        rule = self.typed(names=[*ELIGIBILITY, *_RULE_COLUMNS])
        outcome = _outcomes(rule)
        log = _exclusion_log(rule, outcome.to_numpy(dtype=object))
        chosen = (outcome == "eligible").to_numpy()
        return self.typed(chosen, ids=ids[chosen]), log, outcome

    def check_ids(self) -> None:
        ids = self.ids
        column = self.header.names[self.id_index]
        empty = ids.isna()
        if empty.any():
            self.problems.append(Problem("the respondent id is empty", column=column, rows=self._rows(empty),
                                         row_word=self.row_word, expected="an id on every response",
                                         fix="every response needs its own id; export the tool's id column "
                                             "(_uuid, KEY) or fill the missing ids"))
        duplicated = ids.notna() & ids.duplicated(keep=False)
        if duplicated.any():
            groups = ids[duplicated].groupby(ids[duplicated], sort=False)
            shown = [f"'{value}' ({self.row_word} {', '.join(map(str, self._rows(ids == value)))})"
                     for value, _ in list(groups)[:5]]
            self.problems.append(Problem(
                "duplicate respondent ids: {n} id(s) used more than once: {shown}",
                column=column, rows=self._rows(duplicated), row_word=self.row_word,
                expected="each id on one response",
                fix="remove repeated submissions of the same response, or give each response its own id",
                args={"n": groups.ngroups, "shown": "; ".join(shown) + (" ..." if groups.ngroups > 5 else "")}))

    def check_required(self, outcome: pd.Series) -> None:
        """A required question the form showed to an eligible respondent must have an answer."""
        eligible = (outcome == "eligible").to_numpy()
        markers = {match.group(1): what for what in self.tally.counts
                   if (match := re.fullmatch(r"'(.+)' read as no answer", what))}
        relevant: dict[str, pd.Series] = {}  # questions of one group share its condition: evaluated once
        for question in self.instrument.answer_questions():
            if not question.required:
                continue
            try:
                shown = pd.Series(True, index=self.answers.index)
                for expression in self.instrument.relevance(question.name):
                    if expression not in relevant:
                        relevant[expression] = evaluate(expression, self.answers)
                    shown &= relevant[expression]
            except UnsupportedExpression as error:
                self.report.skipped_checks.append(f"required answer to {question.name} not checked ({error})")
                continue
            column = self.answers[question.name]
            empty = column.isna() | (column == "")
            bad = empty & shown & eligible
            if not bad.any():
                continue
            header = self._header_of(question.name)
            marked = [marker for marker, what in markers.items() if self.tally.counts[what].get(header)]
            problem = _problem(
                question, header, self._rows(bad), self.row_word,
                problem="a required question is unanswered by eligible respondents to whom the form showed it",
                expected="an answer (the form does not let a respondent skip it)",
                fix="the survey tool does not let a respondent skip this question, so the answers were lost "
                    "or replaced after the export: export the data again from the survey tool, or copy these "
                    "answers back from its original export")
            if marked:
                problem.add(" (cells holding {markers} count as no answer)", markers=", ".join(repr(m) for m in marked))
            self.problems.append(problem)

    def check_countries(self, outcome: pd.Series) -> None:
        known = {country.iso3 for country in self.study.countries}
        country = self.answers["country"]
        bad = (outcome == "eligible") & ~country.isin(known)
        if bad.any():
            self.problems.append(_problem(
                self.instrument["country"], self._header_of("country"), self._rows(bad), self.row_word,
                problem="country code not in params/study.yml", values=_distinct(country[bad]),
                expected="one of {codes}", fix="use the ISO3 codes listed in params/study.yml",
                args={"codes": ", ".join(sorted(known))}))


# The columns the inclusion rule reads besides the eligibility questions.
_RULE_COLUMNS = ("consent", "completed", "country")


def _outcomes(typed: pd.DataFrame) -> pd.Series:
    """Eligible / partial / disqualified / no_consent for every row (the rule of :func:`apply_inclusion`)."""
    hurdle_yes = pd.concat([typed[h] == "yes" for h in ELIGIBILITY], axis=1).all(axis=1)
    completed = _per_distinct(typed["completed"], lambda column: column.astype(str).str.strip().str.lower() == "yes")
    which = np.where(~hurdle_yes & typed["consent"].eq("no"), 0,
                     np.where(~hurdle_yes, 1, np.where(~completed, 2, 3)))
    # One shared text per outcome, not one per row (a large export has a million rows).
    return pd.Series(_OUTCOME_WORDS[which], index=typed.index, dtype="str")


_OUTCOME_WORDS = np.array(["no_consent", "disqualified", "partial", "eligible"], dtype=object)


def _per_distinct(column: pd.Series, operation: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """An element-wise ``operation`` run once per distinct value of ``column`` (no answer included)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    result = operation(pd.Series(uniques, dtype=column.dtype)).to_numpy()
    return pd.Series(result[codes], index=column.index)


def _exclusion_log(typed: pd.DataFrame, reason: np.ndarray) -> pd.DataFrame:
    """The exclusion log: outcome, the first eligibility criterion not met, country (no id)."""
    # Object arrays filled by masks: one shared text per criterion, not one per row.
    first_unmet = np.full(len(typed), "not_answered", dtype=object)
    for hurdle in reversed(ELIGIBILITY):  # reversed so the earliest unmet criterion wins
        first_unmet[(typed[hurdle] != "yes").to_numpy()] = hurdle
    criterion = np.full(len(typed), "", dtype=object)
    disqualified = reason == "disqualified"
    criterion[disqualified] = first_unmet[disqualified]
    log = pd.DataFrame({
        "outcome": pd.Series(reason, index=typed.index, dtype="str"),
        "criterion": pd.Series(criterion, index=typed.index, dtype="str"),
        "country": typed["country"].fillna("unknown"),
    }, index=typed.index)
    return log[log["outcome"] != "eligible"].reset_index(drop=True)


def apply_inclusion(typed: pd.DataFrame, id_column: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The study's rule: complete and 'yes' on all five hurdles; everything else goes to the log.

    Args:
        typed: validated answers, one row per response (id column included).
        id_column: the id column's name (kept in ``eligible``, never in the log).

    Returns:
        (eligible completes, exclusion log with outcome, unmet criterion and country).
    """
    reason = _outcomes(typed).to_numpy(dtype=object)
    eligible = typed[reason == "eligible"].reset_index(drop=True)
    return eligible, _exclusion_log(typed, reason)


def exclusion_summary(exclusions: pd.DataFrame) -> pd.DataFrame:
    """Counts by outcome and, for the disqualified, by unmet criterion (no row-level data)."""
    by_outcome = exclusions.groupby("outcome").size().rename("n")
    disq = exclusions[exclusions["outcome"] == "disqualified"].groupby("criterion").size().rename("n")
    rows = [{"outcome": o, "criterion": "", "n": int(n)} for o, n in by_outcome.items()]
    rows += [{"outcome": "disqualified", "criterion": c, "n": int(n)} for c, n in disq.items()]
    return pd.DataFrame(rows, columns=["outcome", "criterion", "n"])


def _expand_multi(eligible: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Add boolean ``question/code`` columns (NaN where the question was not asked)."""
    added = {}
    for question in instrument.answer_questions():
        if not question.is_select_multiple:
            continue
        asked = eligible[question.name].notna()
        text = eligible[question.name].fillna("").astype(str)
        for code in instrument.codes(question.name):
            ticked = _per_distinct(text, lambda values, c=code: values.str.split().apply(lambda ts: c in ts))
            added[f"{question.name}{MULTI_SEP}{code}"] = ticked.astype("boolean").where(asked, pd.NA)
    return pd.concat([eligible, pd.DataFrame(added, index=eligible.index)], axis=1)


def read_survey(path: Path | str, instrument: Instrument | None = None, id_column: str | None = None, *,
                project: Project | None = None) -> Reading:
    """Read and validate an export; return everything learnt about it.

    Args:
        path: the export (CSV/TSV/TXT, CSV in a zip, XLSX/XLSM, SAV/ZSAV).
        instrument: the form (default: the study's).
        id_column: the column identifying each response (``--id-column``); None applies the
            rule of :func:`choose_id_column`.
        project: the study folder (default: the one around the working directory).

    Returns:
        A :class:`Reading` whose ``survey`` is the validated :class:`SurveyData`.

    Raises:
        DataError: the file cannot be used as it is. ``error.problems`` lists every problem
            found at the stage that stopped; ``error.report`` is what was recognised so far;
            ``error.reading`` is the partial :class:`Reading` once the answers were read.
    """
    path = Path(path)
    project = default(project)
    instrument = instrument or load_instrument(project=project)
    reader = _Reader(path, instrument, id_column, project.study)
    reader.open()
    reader.normalise()
    reading = Reading(reader.report, reader.answers, reader.ids, reader.raw.row_numbers, reader.row_word,
                      reader.metadata)
    reader.check_ids()
    reader.validate()
    eligible, exclusions, outcome = reader.include()
    reading.outcome = outcome
    reader.check_required(outcome)
    reader.check_countries(outcome)
    reader.report.normalisations = reader.tally.entries()
    if reader.problems:
        raise DataError(path.name, reader.problems, report=reader.report, reading=reading)
    if eligible.empty:
        raise DataError(path.name, Problem("no eligible complete response",
                                           expected="at least one response with 'yes' to the five eligibility "
                                                    "questions and 'yes' in 'completed'",
                                           fix="check the eligibility answers and the completion column 'completed'"),
                        report=reader.report, reading=reading)
    eligible = _expand_multi(eligible, instrument)
    source = {"file": path.name, "sha256": sha256_file(path), "responses": str(len(reader.answers))}
    reading.survey = SurveyData(eligible, exclusions, source, instrument, reader.report, project)
    return reading


def load_survey(path: Path | str | None = None, instrument: Instrument | None = None,
                id_column: str | None = None, *, project: Project | None = None) -> SurveyData:
    """Read, validate and clean a raw export; default: the embedded synthetic data.

    Args:
        path: the export; None reads ``data.survey`` of ``params/study.yml``.
        instrument: the form (default: the study's).
        id_column: the column identifying each response (``--id-column``); None or "" applies
            the study's rule (its own id column, else the tools' ids).
        project: the study folder (default: the one around the working directory).

    Returns:
        The validated :class:`SurveyData`.

    Raises:
        DataError: the export cannot be used as it is (one message naming file, question,
            rows, values, what was expected and the fix).
    """
    project = default(project)
    path = Path(path) if path else project.path(project.study.data["survey"])
    reading = read_survey(path, instrument, id_column or None, project=project)
    assert reading.survey is not None  # read_survey raises otherwise
    return reading.survey
