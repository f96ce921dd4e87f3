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
    3. The respondent id is chosen (:func:`choose_id_column`); one submission on two rows, as
       versions before and after an edit (the tools' ``rootUuid``, ``KEY``, ``deprecatedID``),
       is refused naming the rows (:func:`perspectives.answer_checks.versions_problem`).
    4. Every cell is normalised by ONE rule for CSV, XLSX and SAV alike: spaces and
       non-breaking spaces around a code are removed; a cell that is empty, holds one of
       ``layouts.MISSING_MARKERS`` (``NA``, ``N/A``, ``n/a``, ``-``), is SPSS system-missing or
       holds a value the SPSS file declares user-missing holds no answer; SPSS value labels
       are mapped to the form's codes (a value that is a code labelled with another answer is
       refused); option columns' truth values (0/1, True/False,
       TRUE/FALSE, 1/empty) become ticked/not ticked. Each kind is counted
       (:mod:`perspectives.readers_cells`).
    5. Answers are checked against the form (codes, numbers, constraints); a required
       question left unanswered by an eligible respondent, where the form showed it, is
       refused naming the rows (:mod:`perspectives.answer_checks`).
    6. The study's inclusion rule (:mod:`perspectives.inclusion`) splits eligible completes
       from the exclusion log.

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

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .answer_checks import AnswerChecks, versions_problem
from .answer_copies import copies_warning
from .hashing import sha256_file
from .inclusion import RULE_COLUMNS, exclusion_log, outcomes
from .instrument import ELIGIBILITY, Instrument, load_instrument
from .layouts import (
    GENERIC_TOOL,
    REVIEW_STATES,
    Header,
    header_score,
    resolve_header,
    review_problem,
    review_state,
    strip_spaces,
)
from .problems import DataError, Problem, Text, column_letter
from .project import Project, default
from .rawtable import Column, FileFormat, Limits, RawTable, read_raw
from .rawtable_columns import SUPPORTED
from .readers_cells import (
    AnswerColumns,
    Normalisation,
    Tally,
    per_distinct,
    per_value,
    template_hint,
    tidy,
    tidy_tokens,
)
from .study import Study

__all__ = ["MULTI_SEP", "SUPPORTED", "DataError", "Normalisation", "ReadReport", "Reading", "SurveyData",
           "choose_id_column", "load_survey", "read_survey"]

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
        warnings: what a partner should look at in a usable file, said by ``check`` and the
            build alike (identical submissions under different ids), as phrases.
        review: the survey tool's review column, as headed in the file, and the submissions
            its reviewers rejected (``{"column": ..., "rejected": n}``; empty without one).
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
    review: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
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
        outcome: eligible / partial / disqualified / no_consent / rejected per row (None until known).
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



class _Reader:
    """One reading of one export (the steps of the module docstring)."""

    def __init__(self, path: Path, instrument: Instrument, id_override: str | None, study: Study) -> None:
        self.path = path
        self.file = path.name
        self.instrument = instrument
        self.study = study
        self.id_override = id_override
        self.tally = Tally()
        self.problems: list[Problem] = []
        self.numbers: dict[str, pd.Series] = {}  # the numeric answers as numbers, once checked
        self.rejected: np.ndarray | None = None  # the rows the survey tool's reviewers rejected
        self.review_index = -1  # the review column's index, where there is one

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
        for column, n in raw.formula_values.items():
            self.tally.add("formulas read as the value the spreadsheet program computed and saved (what the sheet "
                           "showed its author)", column, n)

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
        self.rejected = self._review()
        self.problems += versions_problem(header.names, raw.columns, self.id_index, self.rejected, raw.row_numbers,
                                          self.row_word)
        self._note_ignored()

    def _review(self) -> np.ndarray | None:
        """The rows the survey tool's reviewers rejected, or None without a review column; unknown states refused."""
        for i, name in enumerate(self.header.names):
            if name not in REVIEW_STATES or i == self.id_index:
                continue
            column = self.raw.columns[i]
            unknown = column.where(lambda v, n=name: review_state(n, v) is None)
            if unknown.any():
                self._fail([review_problem(name, column.array()[unknown], self._mask_rows(unknown), self.row_word)])
            rejected = column.where(lambda v, n=name: review_state(n, v) == "rejected")
            self.review_index = i
            self.report.review = {"column": name, "rejected": int(rejected.sum())}
            return rejected
        return None

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
                  "template": template_hint(self.study)})]

    def _note_ignored(self) -> None:
        ignored: dict[str, list[str]] = defaultdict(list)
        for i, (name, role) in enumerate(zip(self.header.names, self.header.roles, strict=True)):
            if i == self.id_index or (self.rejected is not None and i == self.review_index):
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
        columns = AnswerColumns(self.instrument, header.names, self.tally, raw.row_numbers, self.row_word,
                                self.report.select_multiple, self.report.value_labels, self.problems)
        for i, (name, role) in enumerate(zip(header.names, header.roles, strict=True)):
            if role.kind == "option":
                options[role.question][role.code] = i
                continue
            if role.kind != "question":
                continue
            question = self.instrument[role.question]
            codes = frozenset(self.instrument.codes(question.name)) if question.list_name else frozenset()
            coded = question.type in _CODED
            column = per_value(cells[i], self.tally,
                               lambda v, events, name=name, coded=coded, codes=codes: tidy(v, events, name, coded, codes))
            errors += columns.excel_errors(question, name, column)
            if not coded:  # a code or a number holding one is refused as no code or number of the form
                errors += columns.control_characters(question, name, column)
            if question.is_select_multiple:
                column = per_value(column, self.tally, lambda v, events, name=name: tidy_tokens(v, events, name))
            if question.is_select_one and name in raw.value_labels:
                answers[question.name] = columns.apply_value_labels(question, name, column.cells(),
                                                                    raw.value_labels[name])
            else:
                answers[question.name] = column
        ids = per_value(cells[self.id_index], self.tally,
                        lambda v, events: tidy(v, events, header.names[self.id_index], True, frozenset()))
        self.ids = pd.Series(ids.array(), dtype=object)
        self.metadata = pd.DataFrame(
            {header.names[i]: pd.Series(per_value(cells[i], self.tally,
                                                  lambda v, events, i=i: tidy(v, events, header.names[i], False,
                                                                              frozenset())).array(), dtype=object)
             for i in header.columns_of("metadata")},
            index=range(n))
        errors += columns.fold_options(answers, options, cells)
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

    # ----------------------------------------------------------------- step 5
    def checks(self) -> AnswerChecks:
        """The answer checks over what was read (:mod:`perspectives.answer_checks`)."""
        analysed = None if self.rejected is None else ~self.rejected
        return AnswerChecks(self.instrument, self.study, self.header, self.raw, self.report.skipped_checks,
                            self.tally, self.answers, self.ids, self.id_index, self.problems, analysed)

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

    # ----------------------------------------------------------------- step 6
    def include(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
        """The inclusion rule: (eligible completes, exclusion log, outcome of every row)."""
        study_id = str(self.study.data.get("id_column", "respondent_id"))
        ids = pd.Series(self.ids.to_numpy(dtype=object), dtype="str", name=study_id)
        rule = self.typed(names=[*ELIGIBILITY, *RULE_COLUMNS])
        outcome = outcomes(rule)
        if self.rejected is not None and self.rejected.any():
            # A submission the reviewers rejected is not data, whatever its answers: it goes to
            # the exclusion log as its own outcome, counted, never among the eligible.
            values = outcome.to_numpy(dtype=object).copy()
            values[self.rejected] = "rejected"
            outcome = pd.Series(values, index=outcome.index, dtype="str")
        log = exclusion_log(rule, outcome.to_numpy(dtype=object))
        chosen = (outcome == "eligible").to_numpy()
        return self.typed(chosen, ids=ids[chosen]), log, outcome


def _expand_multi(eligible: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Add boolean ``question/code`` columns (NaN where the question was not asked)."""
    added = {}
    for question in instrument.answer_questions():
        if not question.is_select_multiple:
            continue
        asked = eligible[question.name].notna()
        text = eligible[question.name].fillna("").astype(str)
        for code in instrument.codes(question.name):
            ticked = per_distinct(text, lambda values, c=code: values.str.split().apply(lambda ts: c in ts))
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
    checks = reader.checks()
    checks.check_ids()
    reader.numbers = checks.validate()
    eligible, exclusions, outcome = reader.include()
    reading.outcome = outcome
    checks.check_required(outcome)
    checks.check_countries(outcome)
    reader.report.normalisations = reader.tally.entries()
    if reader.problems:
        raise DataError(path.name, reader.problems, report=reader.report, reading=reading)
    if eligible.empty:
        raise DataError(path.name, Problem("no eligible complete response",
                                           expected="at least one response with 'yes' to the five eligibility "
                                                    "questions and 'yes' in 'completed'",
                                           fix="check the eligibility answers and the completion column 'completed'"),
                        report=reader.report, reading=reading)
    reader.report.warnings += copies_warning(reader.answers, (outcome == "eligible").to_numpy(),
                                             reader.raw.row_numbers, reader.row_word)
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
