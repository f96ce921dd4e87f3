"""The reader's cell rules (step 4 of :mod:`perspectives.readers`): one cell tidied, whole columns mapped.

Purpose
    Every cell of an export is normalised by one rule for CSV, XLSX and SAV alike, and every
    change is counted, never made silently. This module holds that rule and the column-wide
    steps that follow it: Excel error values refused, SPSS value labels mapped to the form's
    codes, and a select-multiple question's option columns (0/1) folded into one answer and
    cross-checked with the one-column answer when the tool wrote both. Apart from the reader's
    file handling and its answer checks (:mod:`perspectives.answer_checks`), so that each part
    reads on its own.

Inputs
    The columns of :class:`~perspectives.rawtable.RawTable`, the resolved header's names, the
    :class:`~perspectives.instrument.Instrument`.

Outputs
    Tidied answers, the :class:`Tally` of normalisations, problems in the style of
    :mod:`perspectives.problems`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .hints import command
from .instrument import Instrument, Question
from .layouts import EXCEL_ERRORS, FALSE_VALUES, MISSING_MARKERS, SPACES, TRUE_VALUES, strip_spaces
from .problems import Problem, Text, plain
from .rawtable import Column
from .study import Study


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


class Tally:
    """Counts of each normalisation, per column, in the order first met."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = {}

    def add(self, what: str, column: str, n: int = 1) -> None:
        """Count ``n`` cells (or rows) of ``column`` changed in the way ``what`` says."""
        if n:
            self.counts.setdefault(what, Counter())[column] += n

    def entries(self) -> list[Normalisation]:
        """The counts as the :class:`Normalisation` entries of a read report."""
        return [Normalisation(what, sum(c.values()), dict(c), plain(what)) for what, c in self.counts.items()]


def tidy(value: str | None, tally: Tally | Events, column: str, coded: bool, codes: frozenset[str]
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


class Events:
    """The normalisations one value causes, to be counted once per cell holding it."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def add(self, what: str, column: str, n: int = 1) -> None:
        """Note that the value causes the normalisation ``what`` in ``column``."""
        self.seen.append((what, column))


def per_value(column: Column, tally: Tally, tidy: Callable[[str | None, Any], str | None]) -> Column:
    """``tidy`` applied to each distinct value once, its normalisations counted per cell.

    A column of 800,000 cells holds a few dozen distinct values. Values are visited in the
    order first met, so the tally lists normalisations in the order a cell-by-cell pass would.
    """
    counts = column.counts()
    position = {value: k for k, value in enumerate(column.values)}

    def change(value: str | None) -> str | None:
        events = Events()
        new = tidy(value, events)
        for what, name in events.seen:
            tally.add(what, name, int(counts[position[value]]))
        return new

    return column.map(change)


_INNER_SPACES = re.compile(f"[{SPACES}]+")
# Characters no report can hold: the C0 controls but tab, line feed and carriage return, DEL and
# the C1 controls (HTML and XML 1.0 forbid or discourage them all), lone surrogates and the
# noncharacters U+FFFE and U+FFFF. A workbook cannot hold them in its XML: Excel writes one as the
# escape _x001B_, which openpyxl leaves as written, so the escapes of the same characters are
# refused too (tab, line feed and carriage return, _x0009_, _x000A_, _x000D_, are text).
# With them, the invisible format characters that reorder or hide text: the bidi marks
# (U+061C, U+200E, U+200F), embeddings and overrides (U+202A-U+202E: "abc\u202edcba" shows as
# "abcabcd") and isolates (U+2066-U+2069), the word joiner and invisible operators
# (U+2060-U+2064) and the deprecated format characters (U+206A-U+206F). A report would show them
# reordered or drop them (a silent change to the answer). U+200B and U+FEFF are read as spaces
# (layouts.SPACES); the joiners U+200C and U+200D are parts of emoji and of some scripts' words.
CONTROL_CHARACTERS = ("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
                      "\u061c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f]")
_CONTROL = re.compile(CONTROL_CHARACTERS + "|_x(?:000[0-8BbCcEeFf]|001[0-9A-Fa-f]|007[Ff]|008[0-9A-Fa-f]|009[0-9A-Fa-f]|[Ff]{3}[EeFf])_")


def _code(found: str) -> str:
    """A control character, or its workbook escape, as its code point and name where it has one.

    U+001B (controls have no name), U+202E RIGHT-TO-LEFT OVERRIDE.
    """
    point = ord(found) if len(found) == 1 else int(found[2:6], 16)
    return f"U+{point:04X} {unicodedata.name(chr(point), '')}".rstrip()


def tidy_tokens(value: str | None, tally: Tally | Events, column: str) -> str | None:
    """A select-multiple answer with its codes separated by single spaces (counted when changed)."""
    if value is None:
        return None
    tidy = " ".join(token for token in _INNER_SPACES.split(value) if token)
    if tidy != value:
        tally.add("non-breaking or repeated spaces between select-multiple codes made single spaces", column)
    return tidy


def code_list_faults(cells: pd.Series) -> list[tuple[pd.Series, str, str]]:
    """What is wrong with cells of ``;``-separated codes (the coded notes' themes, support codes).

    A cell has a code in every place between separators, each code once. ``a;;b``, ``;a`` or
    ``a;`` may hold a code deleted by mistake, and ``a;a`` one typed in place of another: the
    reading the author meant cannot be told, so neither is read as the codes left. A blank
    cell holds no code.

    Returns:
        (rows at fault, the problem, the fix) for each fault found, as the conversations' own
        refusal (:class:`perspectives.qualitative.QualitativeDataError`) names them.
    """
    text = cells.astype(str)
    places = text.map(lambda v: [code.strip() for code in v.split(";")] if v.strip() else [])
    empty = places.map(lambda codes: "" in codes)
    repeated = places.map(lambda codes: len(codes) != len(set(codes))) & ~empty
    faults = []
    for bad, problem, fix in (
            (empty, "an empty place between ';' separators",
             "write one code between each two ';' and none before the first or after the last: delete the extra "
             "';', or write the code that was lost"),
            (repeated, "a code written twice in one cell",
             "write each code once per cell (a repeated code may stand for another one that was lost)")):
        if bad.any():
            seen = list(dict.fromkeys(text[bad]))
            shown = ", ".join(repr(v) for v in seen[:3]) + (f" and {len(seen) - 3} more" if len(seen) > 3 else "")
            faults.append((bad, f"{problem} ({shown})", fix))
    return faults


def problem_at(question: Question | None, column: str | None, reading_rows: list[int], row_word: str, **parts: Any
               ) -> Problem:
    """A problem of one question's column at the partner's rows (the reader's one message style)."""
    return Problem(question=question.name if question else None, label=question.label if question else None,
                   column=column, rows=reading_rows, row_word=row_word, **parts)


def distinct(values: pd.Series) -> list[str]:
    """The values as text, each once, in the order first met."""
    return list(dict.fromkeys(str(v) for v in values))


def fold(text: str) -> str:
    """Text compared without case and with single spaces (a label as a partner may type it)."""
    return " ".join(text.casefold().split())


def choice_by_label(instrument: Instrument, question: Question) -> dict[str, str]:
    """Folded code or label (any language) -> code, for mapping SPSS value labels and hints."""
    table: dict[str, str] = {}
    for choice in instrument.choices[question.list_name or ""]:
        table.setdefault(fold(choice.name), choice.name)
        for text in choice.labels.values():
            table.setdefault(fold(text), choice.name)
    return table


def template_hint(study: Study) -> str:
    """Where a blank template of the study's form's columns comes from: a command that runs as printed."""
    folder = "blank_form"
    return Text("`{command}` writes a blank template with every column ({folder}/data_template.csv)",
                command=command("instrument", folder, project=study.root), folder=folder)


def per_distinct(column: pd.Series, operation: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """An element-wise ``operation`` run once per distinct value of ``column`` (no answer included)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    result = operation(pd.Series(uniques, dtype=column.dtype)).to_numpy()
    return pd.Series(result[codes], index=column.index)


def _read_labels(labels: dict[str, str], codes: set[str], by_label: dict[str, str]
                 ) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """SPSS value labels sorted three ways, each value -> what its label says.

    Returns:
        (value -> the code its label names; value -> a label naming no answer of the form;
        value that is itself a code of the form -> a label naming another of its answers).
    """
    mapping: dict[str, str] = {}
    unmapped: dict[str, str] = {}
    contradicting: dict[str, str] = {}
    for value, label in labels.items():
        code = by_label.get(fold(label))
        if code is None:
            unmapped[value] = label
        elif value in codes and code != value:
            contradicting[value] = label
        else:
            mapping[value] = code
    return mapping, unmapped, contradicting


class AnswerColumns:
    """Whole answer columns of one export: Excel errors, SPSS value labels, option columns folded.

    Args:
        instrument: the form.
        names: the header's column names, as headed in the file.
        tally: the reading's normalisation counts.
        row_numbers: each data row's number as the partner's program shows it.
        row_word: "rows" or "cases".
        select_multiple: the read report's question -> layout, which this fills.
        value_labels: the read report's SPSS value -> code per question, which this fills.
        problems: the reading's problem list, which the value labels' problems join.
    """

    def __init__(self, instrument: Instrument, names: list[str], tally: Tally, row_numbers: list[int],
                 row_word: str, select_multiple: dict[str, str], value_labels: dict[str, dict[str, str]],
                 problems: list[Problem]) -> None:
        self.instrument = instrument
        self.names = names
        self.tally = tally
        self.row_numbers = row_numbers
        self.row_word = row_word
        self.select_multiple = select_multiple
        self.value_labels = value_labels
        self.problems = problems

    def _mask_rows(self, mask: np.ndarray) -> list[int]:
        """The partner's row numbers where ``mask`` (over the data rows) is true."""
        return [self.row_numbers[i] for i in np.flatnonzero(mask)]

    def excel_errors(self, question: Question, column: str, values: Column) -> list[Problem]:
        """Cells holding Excel's error values (``#N/A``, ``#DIV/0!`` ...) refused, naming the rows."""
        bad = values.where(lambda v: v in EXCEL_ERRORS)
        if not bad.any():
            return []
        shown = list(dict.fromkeys(values.values[c] for c in values.codes[bad]))
        return [problem_at(question, column, self._mask_rows(bad), self.row_word,
                           problem="cells hold Excel error values, left by formulas that failed",
                           values=[str(v) for v in shown],
                           expected="the answer itself", fix="correct the formulas, or paste the answers as values")]

    def control_characters(self, question: Question, column: str, values: Column) -> list[Problem]:
        """Answers holding control characters refused, naming the rows and the characters by their codes.

        A control character (other than tab, line feed and carriage return) is invisible in a
        spreadsheet and cannot be written into a report: HTML and Word's XML do not allow it
        (Word shows a replacement mark). Dropping it would change the answer unseen, so the
        partner removes it where the answer was typed or pasted.
        """
        bad = values.where(lambda v: v is not None and _CONTROL.search(v) is not None)
        if not bad.any():
            return []
        found = sorted({_code(char) for c in np.unique(values.codes[bad]) for char in _CONTROL.findall(values.values[c] or "")})
        return [problem_at(question, column, self._mask_rows(bad), self.row_word,
                           problem="answers hold invisible control characters, which a report cannot show "
                                   "(pasted from another program, or a terminal's escape codes)",
                           values=found,
                           expected="text without control characters (tabs and line breaks are fine)",
                           fix="delete those characters from the answers in the survey tool or the spreadsheet "
                               "(retype the answer if they cannot be seen), then export again")]

    def apply_value_labels(self, question: Question, column: str, values: list[str | None],
                           labels: dict[str, str]) -> list[str | None]:
        """SPSS numbers with value labels -> the form's codes, through the labels; unmappable or contradicting refused.

        A value that is itself one of the form's codes, labelled with another of the form's
        answers ('female' labelled "male", 1 labelled "No" where the form's 1 is "Yes"), says
        two things: whoever worked in SPSS saw the labels, the form reads the code, and the
        file cannot tell which was meant. Such a value is refused wherever a case holds it.
        """
        codes = set(self.instrument.codes(question.name))
        mapping, unmapped, contradicting = _read_labels(labels, codes, choice_by_label(self.instrument, question))
        out, bad, swapped = [], [], []
        for i, value in enumerate(values):
            if value in contradicting:
                out.append(value)
                swapped.append(i)
            elif value is None or value in codes:
                out.append(value)
            elif value in mapping:
                out.append(mapping[value])
                self.tally.add("SPSS values mapped to the form's codes through their value labels", column)
            else:
                out.append(value)
                if value in unmapped:
                    bad.append(i)
        if bad:
            shown = distinct(pd.Series([f"{values[i]} = '{unmapped[values[i]]}'" for i in bad]))
            self.problems.append(problem_at(
                question, column, [self.row_numbers[i] for i in bad], self.row_word,
                problem="SPSS value labels that match no answer of the form", values=shown,
                expected="labels naming one of the form's answers: {codes} (or their labels, e.g. '{example}')",
                fix="in SPSS, Variable View > Values: label each value with the form's code or answer label",
                args={"codes": ", ".join(sorted(codes)),
                      "example": self.instrument.choice_labels(question.name)[sorted(codes)[0]]}))
        if swapped:
            self._contradiction(question, column, values, swapped, contradicting)
        used = {value: code for value, code in mapping.items() if value in set(values)}
        if used:
            self.value_labels[question.name] = used
        return out

    def _contradiction(self, question: Question, column: str, values: list[str | None], rows: list[int],
                       contradicting: dict[str, str]) -> None:
        """The refusal of values that are form codes labelled with another answer (:meth:`apply_value_labels`)."""
        seen = list(dict.fromkeys(str(values[i]) for i in rows))
        pairs = [f"{value} = {contradicting[value]}" for value in seen]
        self.problems.append(problem_at(
            question, column, [self.row_numbers[i] for i in rows], self.row_word,
            problem="the SPSS value labels name another answer of the form than the values, which are the "
                    "form's own codes",
            values=pairs, expected="each value labelled with its own answer: {own}",
            fix="the file cannot say which was meant: if the values are right, correct the labels in SPSS "
                "(Variable View > Values); if the labels are right, recode the values to the codes the labels "
                "name (Transform > Recode into Same Variables); then save the file again",
            args={"own": ", ".join(f"{code} = '{label}'"
                                   for code, label in self.instrument.choice_labels(question.name).items())}))

    def fold_options(self, answers: dict[str, Column | list[str | None]], options: dict[str, dict[str, int]],
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
                name = self.names[i]
                column = [tidy(v, self.tally, name, True, frozenset()) for v in cells[i].cells()]
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
                problems.append(problem_at(
                    question, shown, [self.row_numbers[r] for r in sorted(bad_rows)], self.row_word,
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
            self.select_multiple[qname] = layout + (" (1 = ticked, empty = not ticked)" if ones_only else "")
            if missing_codes and single is None:
                problems.append(problem_at(
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
                problems.append(problem_at(
                    question, None, [self.row_numbers[r] for r in mixed], self.row_word,
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
            return [problem_at(question, column, [self.row_numbers[r] for r in disagree], self.row_word,
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



# A fix named for the way a number was written: "12,5" is 12.5 or 125; "100%" (typed so in a
# CSV, or a workbook's percentage cell as the sheet shows it) is 100 or 1. The first that matches wins.
_NOT_NUMBER_FIXES = ((r"-?\d+,\d+", "write the number with a point for decimals (12.5, not 12,5)"),
                     (r"-?\d+(\.\d+)?%", "write the number without a % sign (100, not 100%); in Excel, set "
                                           "such a cell's format to General or Number first"))


def not_number_fix(seen: Sequence[str]) -> str:
    """The fix said for answers to a number question that are not numbers (``seen``: the distinct values)."""
    return next((fix for pattern, fix in _NOT_NUMBER_FIXES if any(re.fullmatch(pattern, v) for v in seen)),
                "enter the number itself, or leave the cell empty when the question was not answered")
