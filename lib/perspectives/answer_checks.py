"""The reader's answer checks (step 5 of :mod:`perspectives.readers`): every answer against the form.

Purpose
    Once the cells are tidied, each answer is checked against the form: codes and option
    codes, numbers and whole numbers, calculated columns, constraints; every response has
    one id of its own; a required question the form showed to an eligible respondent has an
    answer; an eligible response's country is the study's. Every problem is collected, so a
    partner reads them all at once. Apart from how the export is opened and its cells
    tidied, because this is the form's side of the reading.

Inputs
    The normalised answers (text, None = no answer), the ids, the resolved header and the
    :class:`~perspectives.instrument.Instrument`.

Outputs
    Problems appended to the reading's list, checks that could not run in the read report,
    the numeric answers as numbers, and the refusal of one submission on two
    rows, as versions before and after an edit (:func:`versions_problem`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import readers_cells
from .expressions import UnsupportedExpression, bounds, evaluate, names_in
from .inclusion import LOGGED_COLUMNS
from .instrument import COMPLETED, CONSENT, Instrument, Question
from .layouts import GENERIC_TOOL, VERSION_COLUMNS, Header
from .problems import SHOWN, Problem, Text
from .rawtable import Column, RawTable
from .readers_cells import Tally, choice_by_label, distinct, fold, per_distinct, problem_at, template_hint
from .study import Study


class AnswerChecks:
    """The checks of one export's answers; each problem found joins ``problems``.

    Args:
        instrument: the form.
        study: the study (its countries, where a blank template comes from).
        header: the resolved header.
        raw: the raw reading (the file's kind, row numbers, SPSS value labels).
        skipped_checks: the read report's form rules that could not be checked, which this extends.
        tally: the reading's normalisation counts (a marker read as no answer is named).
        answers: the normalised answers, one column per answer question.
        ids: the respondent ids, same index.
        id_index: the id column's position in the header.
        problems: the reading's problem list.
        analysed: a boolean mask of the rows that are data (every row but those the survey
            tool's reviewers rejected); None: every row.
    """

    def __init__(self, instrument: Instrument, study: Study, header: Header, raw: RawTable,
                 skipped_checks: list[str], tally: Tally, answers: pd.DataFrame, ids: pd.Series, id_index: int,
                 problems: list[Problem], analysed: np.ndarray | None = None) -> None:
        self.instrument = instrument
        self.study = study
        self.header = header
        self.raw = raw
        self.skipped_checks = skipped_checks
        self.tally = tally
        self.answers = answers
        self.ids = ids
        self.id_index = id_index
        self.row_word = raw.row_word
        self.problems = problems
        self.analysed = pd.Series(True if analysed is None else analysed, index=answers.index, dtype=bool)
        self.numbers: dict[str, pd.Series] = {}
        self._shown: dict[str, pd.Series] = {}  # relevance by expression: a group's condition evaluated once

    def validate(self) -> dict[str, pd.Series]:
        """Check every answer against the form (problems collected); the numeric answers as numbers.

        Returns:
            question -> its answers as numbers (NaN where none), for the reader's typed answers.
        """
        answers = self.answers
        for question in self.instrument.answer_questions():
            column = answers[question.name]
            # An answer is checked on the rows that are data, and where an excluded row's log shows it.
            present = column.notna() & (self.analysed | (question.name in LOGGED_COLUMNS))
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
        return self.numbers

    def _condition(self, expression: str) -> pd.Series:
        """Where a relevance expression holds (raises UnsupportedExpression), evaluated once per expression."""
        if expression not in self._shown:
            self._shown[expression] = evaluate(expression, self.answers)
        return self._shown[expression]

    def check_relevance(self) -> None:
        """No answer to a question the form did not show: the platform discards those, so one is an edit.

        A blank eligibility answer followed by answers, a 'no' to consent followed by answers,
        a 'no' to a filter with its block answered: each means an answer was lost or changed
        after the export (or the form changed during collection), and reading the row as it
        stands would count it where its author did not. One problem per broken condition and
        rows, naming every question answered there and the condition's answers left empty.
        """
        # A condition reading an answer already refused (an unknown code, a required answer
        # lost) breaks as a consequence: that problem is the one to fix, so it is not repeated.
        refused = {problem.question for problem in self.problems if problem.question}
        broken: dict[str, tuple[pd.Series, list[Question]]] = {}
        for question in self.instrument.answer_questions():
            chain = self.instrument.relevance(question.name)
            if not chain:
                continue
            column = self.answers[question.name]
            answered = column.notna() & (column != "") & self.analysed
            if not answered.any():
                continue
            try:
                hidden = answered & ~pd.concat([self._condition(e) for e in chain], axis=1).all(axis=1)
            except UnsupportedExpression as error:
                self.skipped_checks.append(f"answers to {question.name} where the form hides it not checked ({error})")
                continue
            if not hidden.any():
                continue
            # The outermost condition that fails on these rows names the answer that was lost or changed.
            rule = next(e for e in chain if not self._condition(e)[hidden].all())
            if refused & set(names_in(rule)):
                continue
            rows, questions = broken.get(rule, (hidden & False, []))
            broken[rule] = (rows | hidden, [*questions, question])
        for rule, (mask, questions) in broken.items():
            self._hidden_answers(rule, mask, questions)

    def _hidden_answers(self, rule: str, mask: pd.Series, questions: list[Question]) -> None:
        names = names_in(rule)
        args = {"rule": rule, "questions": ", ".join(q.name for q in questions[:8]) + (" ..." if len(questions) > 8 else "")}
        if CONSENT in names:
            problem = ("respondents who did not agree to take part hold answers to {questions}, which the form "
                       "asks only when {rule}")
            fix = ("people who did not consent are never counted nor analysed: if they withdrew, delete their "
                   "rows from the export; if their consent answer was entered wrongly, copy it back from the "
                   "survey tool's original export")
        else:
            problem = "answers to {questions}, which the form shows only when {rule}, on rows where that is false"
            fix = ("the survey tool discards answers to a question it does not show, so these were entered or "
                   "changed after the export, or the form changed during collection: export the data again from "
                   "the survey tool, or correct these rows from its original export (the answers the condition "
                   "reads, or the answers it hides)")
        first = questions[0]
        found = problem_at(first, self._header_of(first.name), self._rows(mask), self.row_word, problem=problem,
                           expected="no answer where the form does not show the question", fix=fix, args=args)
        empty = [name for name in names if name in self.answers and self.answers[name][mask].fillna("").eq("").all()]
        if empty:
            found.add(" ({empty} empty on these rows)", empty=", ".join(empty))
        self.problems.append(found)

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
        seen = distinct(column[bad])
        by_label = choice_by_label(self.instrument, question)
        as_labels = [v for v in seen if fold(v) in by_label and v not in codes]
        by_case = {code.casefold(): code for code in codes}
        other_case = [v for v in seen if v.casefold() in by_case]
        args = {"codes": ", ".join(codes), "seen": ", ".join(repr(v) for v in seen[:5]),
                "how": self.header.tool.names_export, "template": template_hint(self.study)}
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
                self.raw.format.kind == "SPSS data file" and all(re.fullmatch(r"-?\d+(\.\d+)?", v) for v in seen)):
            # Numbers where the form has codes: an SPSS file saved without its value labels.
            problem = "unknown answer code(s) {seen} and no value label maps them"
            fix = "in SPSS, give these values value labels naming the form's answers, or recode them to the codes"
        else:
            problem = "unknown answer code(s) {seen}"
            fix = "correct these answers to the form's codes (a typing error, or an answer added outside the form)"
        self.problems.append(problem_at(question, header, self._rows(bad), self.row_word, problem=problem,
                                        values=seen, expected="one of {codes}", fix=fix, args=args))

    def _check_tokens(self, question: Question, header: str, column: pd.Series, present: pd.Series) -> None:
        codes = set(self.instrument.codes(question.name))
        text = column.where(present, "")
        malformed = present & per_distinct(text, lambda values: values.str.contains(r"[,;|]", regex=True))
        if malformed.any():
            self.problems.append(problem_at(
                question, header, self._rows(malformed), self.row_word,
                problem="select-multiple answers must be separated by single spaces",
                values=distinct(column[malformed]), expected="codes separated by spaces, e.g. 'legal medical'",
                fix="export select-multiple as space-separated codes or as one column per option"))
            return
        self._check_repeats(question, header, column, present)
        bad = per_distinct(text, lambda values: values.map(lambda value: bool(set(value.split()) - codes)))
        if bad.any():
            seen = sorted({t for value in text[bad].unique() for t in value.split()} - codes)
            self.problems.append(problem_at(
                question, header, self._rows(bad), self.row_word,
                problem="unknown option code(s) {seen}", values=seen, expected="options of the form: {codes}",
                fix="correct the answers to the form's option codes",
                args={"seen": ", ".join(repr(v) for v in seen[:5]),
                      "codes": ", ".join(self.instrument.codes(question.name))}))

    def _check_repeats(self, question: Question, header: str, column: pd.Series, present: pd.Series) -> None:
        """A select-multiple answer names each option once: a survey tool never writes one twice."""
        text = column.where(present, "")
        repeated = present & per_distinct(text, lambda values: values.map(
            lambda value: len(value.split()) != len(set(value.split()))))
        if not repeated.any():
            return
        self.problems.append(problem_at(
            question, header, self._rows(repeated), self.row_word,
            problem="select-multiple answers name an option more than once", values=distinct(column[repeated]),
            expected="each ticked option once, codes separated by spaces, e.g. 'legal medical'",
            fix="the survey tool writes each ticked option once, so these answers were typed or joined by hand "
                "(a repeated code may stand for another option that was lost): copy them back from the survey "
                "tool's export, or export the data again"))

    def _check_numbers(self, question: Question, header: str, column: pd.Series, present: pd.Series) -> pd.Series:
        numbers = pd.to_numeric(column.where(present), errors="coerce")
        not_number = present & numbers.isna()
        if not_number.any():
            seen = distinct(column[not_number])
            self.problems.append(problem_at(
                question, header, self._rows(not_number), self.row_word, problem="not a number", values=seen,
                expected="a whole number" if question.type == "integer" else "a number",
                **_not_number_fix(question, seen)))
        if question.type == "integer":
            fraction = numbers.notna() & (numbers != numbers.round())
            if fraction.any():
                self.problems.append(problem_at(
                    question, header, self._rows(fraction), self.row_word, problem="not a whole number",
                    values=distinct(column[fraction]), expected="a whole number (the form asks for an integer)",
                    fix="correct the answers; the form accepts whole numbers only"))
        if question.constraint:
            self._check_constraint(question, header, column, numbers.notna())
        # A number written otherwise than plainly ('056', '56.0', '5.6e1') is read as its value, and said.
        read = numbers.notna()
        plain = per_distinct(column[read], lambda values: values.str.fullmatch(r"-?(0|[1-9]\d*)(\.\d*[1-9])?"))
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
            self.problems.append(problem_at(
                question, header, self._rows(bad), self.row_word,
                problem="the form sets this column to '{value}' or leaves it empty",
                values=distinct(column[bad]), expected="'{value}' or empty",
                fix="export the column as the tool wrote it: '{value}' for a completed form, "
                    "empty for a partial one", args={"value": match.group(1)}))

    def _check_constraint(self, question: Question, header: str, column: pd.Series, present: pd.Series) -> None:
        try:
            ok = evaluate(question.constraint, self.answers, current=question.name)
        except UnsupportedExpression as error:
            self.skipped_checks.append(f"constraint of {question.name} not checked ({error})")
            return
        bad = present & ~ok
        if bad.any():
            limits = bounds(question.constraint)
            self.problems.append(problem_at(
                question, header, self._rows(bad), self.row_word,
                problem="value out of range" if limits else "answer breaks the form's constraint",
                values=distinct(column[bad]),
                expected="a value from {low} to {high}" if limits else "answers satisfying the form's constraint {rule}",
                fix="correct these answers; the form would not have accepted them",
                args={"low": f"{limits[0]:g}", "high": f"{limits[1]:g}"} if limits else {"rule": question.constraint}))


    def check_ids(self) -> None:
        """Every response that is data has an id, and no id is on two of them (a rejected copy is set aside)."""
        ids = self.ids.where(self.analysed)
        column = self.header.names[self.id_index]
        empty = self.ids.isna() & self.analysed
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
        """A required question the form showed to an eligible respondent must have an answer; then :meth:`check_relevance`.

        A partial response (no 'yes' in ``completed``) that answered every required question
        the form showed it, to the last, reached the end: its ``completed`` was lost after the
        export (:meth:`_check_completed`).
        """
        eligible = (outcome == "eligible").to_numpy()
        markers = {match.group(1): what for what in self.tally.counts
                   if (match := re.fullmatch(r"'(.+)' read as no answer", what))}
        to_the_end: pd.Series | None = pd.Series(True, index=self.answers.index)
        for question in self.instrument.answer_questions():
            if not question.required:
                continue
            try:
                shown = pd.Series(True, index=self.answers.index)
                for expression in self.instrument.relevance(question.name):
                    shown &= self._condition(expression)
            except UnsupportedExpression as error:
                self.skipped_checks.append(f"required answer to {question.name} not checked ({error})")
                to_the_end = None
                continue
            column = self.answers[question.name]
            empty = column.isna() | (column == "")
            if to_the_end is not None:
                to_the_end &= ~(empty & shown)
            bad = empty & shown & eligible
            if not bad.any():
                continue
            header = self._header_of(question.name)
            marked = [marker for marker, what in markers.items() if self.tally.counts[what].get(header)]
            problem = problem_at(
                question, header, self._rows(bad), self.row_word,
                problem="a required question is unanswered by eligible respondents to whom the form showed it",
                expected="an answer (the form does not let a respondent skip it)",
                fix="the survey tool does not let a respondent skip this question, so the answers were lost "
                    "or replaced after the export: export the data again from the survey tool, or copy these "
                    "answers back from its original export")
            if marked:
                problem.add(" (cells holding {markers} count as no answer)", markers=", ".join(repr(m) for m in marked))
            self.problems.append(problem)
        if to_the_end is None:
            self.skipped_checks.append("'completed' on responses that answered every required question not checked")
        else:
            self._check_completed(to_the_end & (outcome == "partial").to_numpy())
        self.check_relevance()

    def _check_completed(self, full: pd.Series) -> None:
        """A response the rule reads as partial although it answered every required question to the end."""
        if not full.any():
            return
        self.problems.append(problem_at(
            self.instrument[COMPLETED], self._header_of(COMPLETED), self._rows(full), self.row_word,
            problem="'{name}' is empty on responses that answered every required question to the end of the form",
            expected="'yes' (the form sets it when a respondent reaches the end)",
            fix="the value was lost after the export, and these responses would be read as partial and left out: "
                "export the data again from the survey tool, or copy '{name}' back from its original export",
            args={"name": COMPLETED}))

    def check_countries(self, outcome: pd.Series) -> None:
        """An eligible response's country is one of the study's."""
        known = {country.iso3 for country in self.study.countries}
        country = self.answers["country"]
        bad = (outcome == "eligible") & ~country.isin(known)
        if bad.any():
            self.problems.append(problem_at(
                self.instrument["country"], self._header_of("country"), self._rows(bad), self.row_word,
                problem="country code not in params/study.yml", values=distinct(country[bad]),
                expected="one of {codes}", fix="use the ISO3 codes listed in params/study.yml",
                args={"codes": ", ".join(sorted(known))}))


def _not_number_fix(question: Question, seen: Sequence[str]) -> dict[str, object]:
    """The fix (and its fields) for answers to a number question that are not numbers.

    A decimal comma ("1,5") in a question of whole numbers is not fixed by a decimal point,
    which is refused in turn: the fix says what the question takes, read from the form (its
    type ``integer`` and the range of its constraint), and that the author decides.
    """
    if question.type != "integer" or not any(re.fullmatch(r"-?\d+,\d+", v) for v in seen):
        return {"fix": readers_cells.not_number_fix(seen)}
    limits = bounds(question.constraint) if question.constraint else None
    if limits:
        return {"fix": "the question takes whole numbers from {low} to {high}: write the whole number the "
                       "respondent meant, without a decimal comma or point (ask whoever entered the answer)",
                "args": {"low": f"{limits[0]:g}", "high": f"{limits[1]:g}"}}
    return {"fix": "the question takes whole numbers only: write the whole number the respondent meant, "
                   "without a decimal comma or point (ask whoever entered the answer)"}


def _submission_keys(column: Column) -> tuple[np.ndarray, np.ndarray]:
    """A column's distinct ids as the tools write them (without the ``uuid:`` some add), and each row's index.

    The rows are returned as indexes into the distinct ids (-1: no id), so that a large
    export's ids are compared as integers: two rows hold one id when their indexes are equal.
    """
    keys = [None if v is None else (v.strip().removeprefix("uuid:") or None) for v in column.values]
    if not keys:
        return np.empty(0, dtype=object), column.codes
    codes, uniques = pd.factorize(np.asarray(keys, dtype=object))
    return np.asarray(uniques, dtype=object), codes[column.codes]


class _Versions:
    """Rows joined as versions of one submission (a union-find over the few rows concerned)."""

    def __init__(self, keep: np.ndarray) -> None:
        self.keep = keep  # the rows that are data
        self.parent: dict[int, int] = {}
        self.superseded: set[int] = set()  # rows a later row of the file replaces, by its deprecatedID

    def find(self, row: int) -> int:
        root = self.parent.setdefault(row, row)
        while root != self.parent[root]:
            root = self.parent[root]
        self.parent[row] = root
        return root

    def join(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)

    def join_equal(self, rows: np.ndarray) -> None:
        """Join the rows holding one id (``rows``: each row's id as an index; only repeats are visited)."""
        held = self.keep & (rows >= 0)
        if not held.any():  # the column is there but empty on every row (Kobo leaves rootUuid so)
            return
        counts = np.bincount(rows[held], minlength=int(rows.max(initial=-1)) + 1)
        first: dict[int, int] = {}
        for row in np.flatnonzero(held & (counts[np.maximum(rows, 0)] > 1)).tolist():
            self.join(row, first.setdefault(int(rows[row]), row))

    def groups(self) -> list[list[int]]:
        """The rows of each submission seen on more than one row, in file order."""
        grouped: dict[int, list[int]] = {}
        for row in sorted(self.parent):
            grouped.setdefault(self.find(row), []).append(row)
        return [rows for rows in grouped.values() if len(rows) > 1]


def _linked(versions: _Versions, names: Sequence[str], cells: Sequence[Column]) -> list[str]:
    """Join each row to the row whose instanceID its deprecatedID names; the deprecatedID columns that did."""
    replaced: dict[str, dict[int, str]] = {}
    for i, name in enumerate(names):
        if name in VERSION_COLUMNS["deprecated"]:
            keys, rows = _submission_keys(cells[i])
            replaced[name] = {row: keys[rows[row]] for row in np.flatnonzero(versions.keep & (rows >= 0)).tolist()}
    wanted = {value for by_row in replaced.values() for value in by_row.values()}
    instances: dict[str, int] = {}  # only the versions some row says it replaces
    for i, name in enumerate(names if wanted else ()):
        if name in VERSION_COLUMNS["instance"]:
            keys, rows = _submission_keys(cells[i])
            named = np.asarray([k in wanted for k in keys], dtype=bool)
            for row in np.flatnonzero(versions.keep & (rows >= 0) & named[np.maximum(rows, 0)]).tolist():
                instances.setdefault(keys[rows[row]], row)
    used = []
    for name, by_row in replaced.items():
        links = [(row, instances[value]) for row, value in by_row.items() if instances.get(value, row) != row]
        for row, earlier in links:
            versions.join(row, earlier)
            versions.superseded.add(earlier)
        used += [name] if links else []
    return used


def versions_problem(names: Sequence[str], cells: Sequence[Column], id_index: int, rejected: np.ndarray | None,
                     row_numbers: Sequence[int], row_word: str) -> list[Problem]:
    """Rows that are versions of one submission (before and after an edit), refused, naming them.

    KoboToolbox and ODK Central give an edited submission a new ``instanceID`` (Kobo a new
    ``_uuid``) and a ``deprecatedID`` naming the version it replaces, and keep the first
    version's id (Kobo ``meta/rootUuid``, Central ``KEY``); each exports a submission once, in
    its latest version. Two rows of one submission come from two exports put together: which
    version the author meant to count is theirs to say (an earlier one may have been kept on
    purpose, and ``deprecatedID`` names only the version just before, so a missing middle one
    breaks the chain), so the file is refused rather than one row dropped.

    Args:
        names: the header's column names, as headed in the file.
        cells: the raw columns, same order (:data:`perspectives.layouts.VERSION_COLUMNS` are read).
        id_index: the respondent id column's position: its repeats are the duplicate-id check's.
        rejected: the rows the survey tool's reviewers rejected, set aside (None: none).
        row_numbers: each row's number as the partner's program shows it.
        row_word: "rows" or "cases".

    Returns:
        The problem, or nothing when every submission is on one row.
    """
    versions = _Versions(np.ones(len(row_numbers), dtype=bool) if rejected is None else ~rejected)
    for i, name in enumerate(names):
        if i != id_index and (name in VERSION_COLUMNS["root"] or name in VERSION_COLUMNS["instance"]):
            versions.join_equal(_submission_keys(cells[i])[1])
    used = _linked(versions, names, cells)
    groups = versions.groups()
    if groups:  # rows under one id are the duplicate-id check's to name
        ids = cells[id_index].cells()
        groups = [rows for rows in groups if len({ids[r] for r in rows}) > 1]
    if not groups:
        return []
    named = [name for kind in ("root", "instance", "deprecated") for name in names if name in VERSION_COLUMNS[kind]]
    return [_versions_refusal(groups, versions.superseded, used, named, row_numbers, row_word)]


def _versions_refusal(groups: list[list[int]], superseded: set[int], used: list[str], named: list[str],
                      row_numbers: Sequence[int], row_word: str) -> Problem:
    """The refusal of :func:`versions_problem`: each submission's rows, and the earlier ones where the file says."""
    shown = "; ".join(", ".join(str(row_numbers[r]) for r in rows) for rows in groups[:SHOWN]) + (
        f"; and {len(groups) - SHOWN} more" if len(groups) > SHOWN else "")
    rows = sorted(row for group in groups for row in group)
    earlier = [row_numbers[r] for r in rows if r in superseded]
    undecided = sum(1 for group in groups if not superseded.intersection(group))
    which: str = Text(" (by {column}, the earlier versions are on {word} {rows})", column=", ".join(used),
                      word=Text(row_word), rows=", ".join(map(str, earlier))) if earlier else ""
    if undecided:
        which = Text("{which}; for {n} of them the file does not say which version is the latest: ask the person "
                     "who edited the submissions", which=which, n=undecided)
    return Problem(
        "{n} submission(s) are on more than one row, as versions before and after an edit ({word} {shown}): the "
        "survey tool's ids ({columns}) name one submission, which would be counted once per row",
        rows=[row_numbers[r] for r in rows], row_word=row_word, column=named[0],
        expected="each submission on one row, in its latest version",
        fix="a survey tool exports each submission once, in its latest version, so this file joins more than "
            "one export: export the data again from the survey tool, or delete the rows of the earlier "
            "versions{which}",
        args={"n": len(groups), "word": Text(row_word), "shown": shown, "columns": ", ".join(named), "which": which})
