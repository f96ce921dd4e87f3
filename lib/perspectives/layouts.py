"""How survey tools lay out an export of the study's form, as data: one table per quirk.

Purpose
    KoboToolbox, ODK Central/Briefcase, Ona, Excel and SPSS write the same answers in
    different shapes: system columns beside the answers, group paths in the headers
    (``about_you/gender``, ``about_you.gender``, ``about_you-gender``), also inside outer
    groups a partner's copy of the form adds, such as pages wrapping the form's groups
    (``page_2-about_you-gender``, ``page_2/about_you/gender``), select-multiple
    questions as one column, as one 0/1 column per option or both, option columns holding
    ``1``/``0``, ``True``/``False`` or ``1``/empty, and their own words for "no answer".
    This module holds those facts as tables and maps an export's header onto the
    instrument; the reader (:mod:`perspectives.readers`) applies them. A new tool or
    spelling is a new row here, not a new branch in the reader.

Inputs
    The header cells of an export (as written) and the :class:`~perspectives.instrument.Instrument`.

Outputs
    :func:`resolve_header` -> :class:`Header`: the role of every column (question, option
    column, form metadata, tool system column, unknown, blank), the tool recognised, the
    group separator seen, and :class:`~perspectives.problems.Problem` s for duplicated,
    renamed or label-only headers. :func:`header_score` rates a candidate header row (used
    to find the header in a workbook or under a title row).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from .instrument import Instrument
from .problems import Problem, Text, column_letter

# --------------------------------------------------------------------------- the tables


@dataclass(frozen=True)
class Tool:
    """A survey tool's export layout: how to recognise it and how to ask it for the right file.

    Attributes:
        name: the tool as a partner knows it.
        signature: columns only this tool writes; any one of them identifies the tool.
        system: the tool's own columns (submission ids, timestamps, review state ...): read
            as metadata, never as answers.
        names_export: how to get a file with the form's own names (XML values and headers)
            from this tool, in its own menu words.
    """

    name: str
    signature: tuple[str, ...]
    system: tuple[str, ...]
    names_export: str


TOOLS: tuple[Tool, ...] = (
    Tool(
        name="KoboToolbox",
        signature=("_uuid", "_submission_time", "_validation_status", "_index", "__version__", "_xform_id_string"),
        system=("_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by",
                "__version__", "_version_", "_tags", "_index", "_parent_index", "_parent_table_name", "_attachments",
                "_geolocation", "_xform_id_string", "_xform_id", "_media_count", "_total_media",
                "_media_all_received", "_edited", "_duration", "_bamboo_dataset_id", "meta/rootUuid",
                "meta/instanceID", "meta/deprecatedID", "meta/instanceName", "meta.rootUuid", "meta.instanceID",
                "meta.deprecatedID", "formhub/uuid", "formhub.uuid"),
        names_export=Text("in KoboToolbox open Data > Downloads and choose the value and header format "
                          "'XML values and headers', then export again"),
    ),
    Tool(
        name="ODK Central or Briefcase",
        signature=("SubmissionDate", "KEY", "ReviewState", "SubmitterID", "AttachmentsExpected"),
        system=("SubmissionDate", "KEY", "meta-instanceID", "meta-instanceName", "meta-deprecatedID", "meta-audit",
                "instanceID", "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected",
                "Status", "ReviewState", "DeviceID", "Edits", "FormVersion", "isValidated"),
        names_export=Text("ODK Central and Briefcase always write the form's names: export the CSV again from "
                          "the form's Submissions page (Download > CSV) and use that file unchanged"),
    ),
)

# A file that matches no tool: written by hand, by a spreadsheet or by a statistics program.
GENERIC_TOOL = Tool(name="a spreadsheet or statistics program (no survey-tool columns)", signature=(), system=(),
                    names_export=Text("write one column per question, headed by the question's name in the form"))

# XLSForm metadata question types: the form records them, nobody answers them.
FORM_METADATA_TYPES = ("start", "end", "today", "deviceid", "username", "simserial", "subscriberid",
                       "phonenumber", "audit", "start-geopoint", "background-audio", "email")

# How the survey tools tell the versions of one submission apart (OpenRosa metadata). An edit
# gives a submission a new instanceID (Kobo's _uuid too) and a deprecatedID naming the version
# it replaces; Kobo's rootUuid and ODK Central's KEY stay those of the first version. A tool
# exports each submission once, in its latest version: two rows of one submission mean two
# exports put together (perspectives.readers refuses them).
# (SPSS writes the group separator as '_': meta_rootUuid.)
VERSION_COLUMNS: dict[str, tuple[str, ...]] = {
    "root": ("meta/rootUuid", "meta.rootUuid", "meta-rootUuid", "meta_rootUuid", "rootUuid", "KEY"),
    "instance": ("meta/instanceID", "meta.instanceID", "meta-instanceID", "meta_instanceID", "instanceID", "_uuid"),
    "deprecated": ("meta/deprecatedID", "meta.deprecatedID", "meta-deprecatedID", "meta_deprecatedID", "deprecatedID"),
}

# Separators between a group and what it holds in a header: Kobo '/' (or '.' when chosen in
# its export settings), ODK Central and Briefcase '-'.
GROUP_SEPARATORS = ("/", ".", "-")
# Separators between a select-multiple question and an option code: Kobo and Ona use the
# group separator ('/' or '.'), ODK Central's split columns use '/'.
OPTION_SEPARATORS = ("/", ".")
# File kinds whose column names cannot hold '/' or '-': SPSS replaces them with '_' when it
# imports a CSV (services/legal -> services_legal, about_you-gender -> about_you_gender).
# Only there is '_' read as a separator: elsewhere 'services_other' may be a text column.
NAME_SAFE_SEPARATORS = {"SPSS data file": ("_",)}

# THE missing-value rule, for every file type. A cell holds no answer when it is empty
# (after removing spaces), when it holds one of these markers (exactly, after removing
# spaces), when SPSS marks it system-missing, or when the value is one the SPSS file itself
# declares user-missing. A marker that is also an answer code of the question is the code.
MISSING_MARKERS = ("NA", "N/A", "n/a", "-")

# Truth values in one-column-per-option layouts (0/1, True/False from Briefcase, Ona and
# pandas, TRUE/FALSE from Excel, 1.0/0.0 from pandas once a column held an empty cell).
# Empty = not ticked when the file never writes a false.
TRUE_VALUES = ("1", "True", "TRUE", "true", "1.0")
FALSE_VALUES = ("0", "False", "FALSE", "false", "0.0")

# Excel writes these for formulas that failed: a broken computation, never an answer.
EXCEL_ERRORS = ("#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!")

# Characters around a code that the reader removes (and counts): spaces, tabs, line breaks
# and the invisible ones spreadsheets carry over from copy-pasted text.
SPACES = " \t\r\n\u00a0\u2007\u202f\u200b\ufeff"


def strip_spaces(text: str) -> str:
    """The text without the :data:`SPACES` around it."""
    return text.strip(SPACES)


# The survey tools' review of a submission: the states each tool writes, and those in which
# a reviewer says it is not data: ODK Central's ReviewState 'rejected'; KoboToolbox's
# _validation_status 'not approved' (its XML-values export writes the code, its labels export
# the label). Compared without case and surrounding spaces; an empty cell is no review. The
# other states (approved, on hold, has issues, edited, received) are data; any other value
# is refused, since whether its row is data cannot be told.
REVIEW_STATES = {"ReviewState": frozenset({"received", "hasissues", "edited", "approved", "rejected"}),
                 "_validation_status": frozenset({"validation_status_approved", "validation_status_not_approved",
                                                  "validation_status_on_hold", "approved", "not approved",
                                                  "on hold"})}
REVIEW_REJECTED = {"ReviewState": frozenset({"rejected"}),
                   "_validation_status": frozenset({"validation_status_not_approved", "not approved"})}


def review_state(column: str, value: str | None) -> str | None:
    """What a review column's cell says of its submission: "rejected", "data", or None (a state the tool does not write)."""
    state = strip_spaces(value).casefold() if value is not None else ""
    if state in REVIEW_REJECTED[column]:
        return "rejected"
    return "data" if not state or state in REVIEW_STATES[column] else None


def review_problem(column: str, values: Sequence[object], rows: list[int], row_word: str) -> Problem:
    """The refusal of review states the survey tool does not write (``values``, at the partner's ``rows``)."""
    seen = list(dict.fromkeys(str(v) for v in values))
    return Problem(
        "the survey tool's review state {seen} is none of the states it writes", column=column, rows=rows,
        row_word=row_word, values=seen, expected="one of {states}, or an empty cell",
        fix="write the state as the survey tool exports it, or export the data again from the tool "
            "(a submission its reviewers rejected is left out; every other state is data)",
        args={"seen": ", ".join(repr(v) for v in seen[:5]), "states": ", ".join(sorted(REVIEW_STATES[column]))})


# --------------------------------------------------------------------------- header roles


@dataclass(frozen=True)
class Role:
    """What one column of an export holds.

    Attributes:
        kind: ``question`` (the answers), ``option`` (one option of a select-multiple),
            ``metadata`` (form metadata such as start/end), ``system`` (a tool's column),
            ``unknown`` or ``blank`` (no header).
        question: the instrument name for ``question``/``option``/``metadata``.
        code: the option code for ``option``.
        tool: the tool whose system column this is.
        separator: the group separator the header used, if any.
        outer: groups around the form's own path that the study's form does not have
            (a partner's pages wrapping the form's groups), outermost first.
    """

    kind: str
    question: str | None = None
    code: str | None = None
    tool: str | None = None
    separator: str | None = None
    outer: tuple[str, ...] = ()


@dataclass
class Header:
    """An export's header mapped onto the instrument.

    Attributes:
        names: the header cells with surrounding spaces removed, one per column.
        roles: one :class:`Role` per column.
        tool: the tool whose layout the header shows (:data:`GENERIC_TOOL` when none).
        separators: group separators seen in the headers.
        trimmed: how many header cells had spaces around them.
        problems: duplicated, renamed or label-only headers (each refuses the file).
        labels_export: the headers are the questions' labels (a "labels" export).
        outer_groups: the outer groups seen around the form's paths (``page_2``), joined
            by the header's separator, in order of appearance.
    """

    names: list[str]
    roles: list[Role]
    tool: Tool
    separators: list[str] = field(default_factory=list)
    trimmed: int = 0
    problems: list[Problem] = field(default_factory=list)
    labels_export: bool = False
    outer_groups: list[str] = field(default_factory=list)

    def columns_of(self, kind: str) -> list[int]:
        """Indexes of the columns of one kind."""
        return [i for i, role in enumerate(self.roles) if role.kind == kind]


def _fold(text: str) -> str:
    """Labels compared loosely: Unicode-normalised, case-folded, inner spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _lookup(instrument: Instrument, extra: tuple[str, ...] = ()) -> dict[str, Role]:
    """Every header spelling of every column of the form -> its role (ambiguous ones left out)."""
    table: dict[str, Role | None] = {}

    def add(key: str, role: Role) -> None:
        if key in table and table[key] != role:
            table[key] = None  # two meanings: never matched
        else:
            table[key] = role

    for question in instrument.questions.values():
        if question.type in FORM_METADATA_TYPES:
            kind = "metadata"
        elif question in instrument.answer_questions():
            kind = "question"
        else:
            continue
        paths = {None: question.name}
        if question.group_path:
            for sep in (*GROUP_SEPARATORS, *extra):
                paths[sep] = sep.join((*question.group_path, question.name))
        for sep, path in paths.items():
            add(path, Role(kind, question.name, separator=sep))
            if question.is_select_multiple:
                for code in instrument.codes(question.name):
                    for osep in (*OPTION_SEPARATORS, *extra):
                        add(f"{path}{osep}{code}", Role("option", question.name, code, separator=sep))
    return {key: role for key, role in table.items() if role is not None}


def _is_label(name: str, labels: dict[str, str]) -> bool:
    """A header that is a question's label, alone or after its group labels ('About you/What is ...')."""
    return _fold(name) in labels or any(_fold(name.split(sep)[-1]) in labels for sep in GROUP_SEPARATORS
                                        if sep in name)


def _label_lookup(instrument: Instrument) -> dict[str, str]:
    """Folded question label (any language of the form) -> question name."""
    labels: dict[str, str] = {}
    for question in instrument.answer_questions():
        for text in question.labels.values():
            labels.setdefault(_fold(text), question.name)
    return labels


_SYSTEM = {name: tool for tool in TOOLS for name in tool.system}
_PANDAS_RENAME = re.compile(r"^(?P<base>.+)\.(?P<n>[1-9]\d*)$")
# A second copy of a question under a near name: 'gender_2', 'gender (2)', 'gender v2', 'gender_new'.
_COPY = re.compile(r"^(?P<base>.+?)[\s_\-]*(?:\(?\d+\)?|v\d+|new|old|copy)$", re.IGNORECASE)


def header_score(cells: Sequence[object], instrument: Instrument, kind: str = "") -> int:
    """How many cells of a candidate header row name a column of the form (or its label).

    Args:
        cells: one row's cells as read (any type).
        instrument: the form.
        kind: the file's kind (:attr:`FileFormat.kind`), for :data:`NAME_SAFE_SEPARATORS`.

    Returns:
        The number of cells that are a question, option, metadata or tool column, or a
        question label; 0 for a row of data or a title.
    """
    lookup, labels = _lookup_cached(instrument, NAME_SAFE_SEPARATORS.get(kind, ()))
    score = 0
    for cell in cells:
        if not isinstance(cell, str):
            continue
        name = strip_spaces(cell)
        if name in lookup or name in _SYSTEM or _is_label(name, labels) or _nested(name, lookup, instrument):
            score += 1
    return score


def _nested(name: str, lookup: dict[str, Role], instrument: Instrument) -> Role | None:
    """The role of a header that is one of the form's paths inside outer groups, or None.

    ODK Central joins every enclosing group with '-' (``page_2-about_you-gender``, options
    ``page_2-about_you-services/legal``); Kobo with '/' (or '.'). A partner whose copy of
    the form wraps the study's groups in pages therefore writes the study's path after one
    or more outer group names. The rule: after removing leading segments, all joined by the
    same separator and holding no other separator, what is left must be a header the
    study's form itself gives, with its own groups: ``page_2-gender`` is not read as the
    form's ``about_you/gender``, and a question the form has outside any group may sit
    directly in a page (``page_1-country``).
    """
    for sep in GROUP_SEPARATORS:
        if sep not in name:
            continue
        parts = name.split(sep)
        for k in range(1, len(parts)):
            outer = parts[:k]
            if not all(part and not any(other in part for other in GROUP_SEPARATORS) for part in outer):
                break
            role = lookup.get(sep.join(parts[k:]))
            if role is None or role.kind not in ("question", "option", "metadata"):
                continue
            if role.separator is None and instrument[role.question or ""].group_path:
                continue  # the form's own group is missing from the path
            if role.separator not in (None, sep):
                continue  # one separator joins every group of a path
            return Role(role.kind, role.question, role.code, separator=sep, outer=tuple(outer))
    return None


# Per instrument object (kept alive here while kept, so its id is never reused) and extra
# separators: a memo of what an instrument object (immutable) gives, holding no study's state.
# The few most recent are kept (a long-lived process reads edited forms, and other studies').
_CACHE: dict[tuple[int, tuple[str, ...]], tuple[Instrument, dict[str, Role], dict[str, str]]] = {}
_KEPT = 8


def _lookup_cached(instrument: Instrument, extra: tuple[str, ...] = ()) -> tuple[dict[str, Role], dict[str, str]]:
    key = (id(instrument), extra)
    if key not in _CACHE or _CACHE[key][0] is not instrument:
        _CACHE.pop(key, None)
        while len(_CACHE) >= _KEPT:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = (instrument, _lookup(instrument, extra), _label_lookup(instrument))
    return _CACHE[key][1], _CACHE[key][2]


def _columns_text(indexes: list[int]) -> str:
    letters = [column_letter(i) for i in indexes]
    return " and ".join([", ".join(letters[:-1]), letters[-1]]) if len(letters) > 1 else letters[0]


def _duplicates(names: list[str], cells: list[str], roles: list[Role], instrument: Instrument) -> list[Problem]:
    """The same header twice (exactly, or once spaces are removed), and two spellings of one question."""
    problems = []
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        if name:
            positions.setdefault(name, []).append(i)
    for name, where in positions.items():
        # A repeated column the study never reads (a tool's note, say) changes nothing.
        if len(where) > 1 and roles[where[0]].kind != "unknown":
            written = sorted({repr(cells[i]) for i in where})
            problem = _duplicate(name, where, instrument, roles[where[0]])
            if len(written) > 1:
                problem.add(" (written {written}; spaces around a header are ignored)", written=", ".join(written))
            problems.append(problem)

    # Two spellings of one question or option ('gender' and 'about_you/gender').
    meaning: dict[tuple[str, str | None, str | None], list[int]] = {}
    for i, role in enumerate(roles):
        if role.kind in ("question", "option", "metadata"):
            meaning.setdefault((role.kind, role.question, role.code), []).append(i)
    for (_kind, question, _code), where in meaning.items():
        if len({names[i] for i in where}) > 1:
            problem = _duplicate(question or "", where, instrument, roles[where[0]])
            problem.add(" (headers {headers} name the same question)", headers=", ".join(repr(names[i]) for i in where))
            problems.append(problem)

    return problems


def resolve_header(cells: list[str], instrument: Instrument, kind: str = "") -> Header:
    """Map an export's header onto the form's questions, options, metadata and tool columns.

    Args:
        cells: the header row as written (text; empty string for an empty cell).
        instrument: the form.
        kind: the file's kind (:attr:`FileFormat.kind`), for :data:`NAME_SAFE_SEPARATORS`.

    Returns:
        A :class:`Header`. Its ``problems`` list, when not empty, means the file cannot be
        read as it is: a column given twice (exactly, after removing spaces, in capitals
        only, or under two spellings of one question's path), a column pandas renamed
        ``name.1``, a near-copy of a question (``gender_2``), or labels instead of names.
    """
    extra = NAME_SAFE_SEPARATORS.get(kind, ())
    lookup, labels = _lookup_cached(instrument, extra)
    names = [strip_spaces(cell) for cell in cells]
    trimmed = sum(name != cell for name, cell in zip(names, cells, strict=True))
    roles: list[Role] = []
    for name in names:
        if not name:
            roles.append(Role("blank"))
        elif name in lookup:
            roles.append(lookup[name])
        elif name in _SYSTEM:
            roles.append(Role("system", tool=_SYSTEM[name].name))
        else:
            roles.append(_nested(name, lookup, instrument) or Role("unknown"))
    problems: list[Problem] = _duplicates(names, cells, roles, instrument)

    # Capitals only ('Gender' beside or instead of 'gender'); pandas' renames; near-copies.
    folded = {name.casefold(): name for name in lookup}
    for i, name in enumerate(names):
        if roles[i].kind != "unknown":
            continue
        if name.casefold() in folded:
            target = folded[name.casefold()]
            problems.append(Problem(
                problem="the header '{name}' differs from the form's name '{target}' only in capitals",
                column=name, question=lookup[target].question,
                label=_label(instrument, lookup[target].question),
                expected="the header '{target}', written exactly as in the form",
                fix="rename column {letter} to '{target}' (names in the form are case-sensitive)",
                args={"name": name, "target": target, "letter": column_letter(i)}))
            continue
        renamed = _PANDAS_RENAME.match(name)
        if renamed and (renamed["base"] in names or renamed["base"] in lookup):
            base = renamed["base"]
            question = lookup[base].question if base in lookup else None
            problems.append(Problem(
                problem="'{name}' is the name pandas gives a second column called '{base}': "
                        "the export had '{base}' twice",
                column=name, question=question, label=_label(instrument, question),
                expected="one column '{base}'",
                fix="keep the answers in one '{base}' column (merge the two copies if each holds different "
                    "respondents' answers) and delete column {letter}",
                args={"name": name, "base": base, "letter": column_letter(i)}))
            continue
        option = _unknown_option(name, lookup, instrument, extra)
        if option:
            question, code = option
            problem = Problem(
                problem="column '{name}' is an option column for '{code}', which is not an option of "
                        "question '{question}' in this form",
                column=name, question=question, label=_label(instrument, question), values=[code],
                expected="one of the options {options}",
                fix="export the data of this form's current version, or rename the column to the form's option code",
                args={"name": name, "code": code, "question": question,
                      "options": ", ".join(instrument.codes(question))})
            problems.append(problem)
            continue
        copy = _COPY.match(name)
        if copy and copy["base"] in lookup and lookup[copy["base"]].kind == "question":
            base = copy["base"]
            problems.append(Problem(
                problem="column '{name}' looks like a second copy of question '{base}'",
                column=name, question=lookup[base].question, label=_label(instrument, lookup[base].question),
                expected="every answer to '{base}' in the one column '{base}'",
                fix="if column {letter} holds answers to '{base}' (for example from another "
                    "version of the form), move them into the '{base}' column and delete it; "
                    "otherwise rename it so that it does not start with '{base}'",
                args={"name": name, "base": base, "letter": column_letter(i)}))

    # A labels export: headers are question texts, not names.
    label_hits = [i for i, name in enumerate(names) if roles[i].kind == "unknown" and _is_label(name, labels)]
    question_hits = [i for i, role in enumerate(roles) if role.kind == "question"]
    tool = _recognise(names)
    labels_export = len(label_hits) >= 3 and len(label_hits) > len(question_hits)
    if labels_export:
        shown = [names[i] for i in label_hits[:3]]
        problems.insert(0, Problem(
            problem="labels were exported: the headers are the questions' texts "
                    "({shown} ...) and the answers are likely their labels, "
                    "not the form's names and codes",
            values=shown, expected="the form's own column names and answer codes (an 'XML values and headers' export)",
            fix="{first}; from ODK, {odk}",
            args={"shown": "; ".join(repr(s) for s in shown),
                  "first": tool.names_export if tool is not GENERIC_TOOL else TOOLS[0].names_export,
                  "odk": TOOLS[1].names_export}))
    separators = sorted({role.separator for role in roles if role.separator})
    outer = list(dict.fromkeys((role.separator or "").join(role.outer) for role in roles if role.outer))
    return Header(names, roles, tool, separators, trimmed, problems, labels_export, outer)


def _unknown_option(name: str, lookup: dict[str, Role], instrument: Instrument,
                    extra: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """(question, code) when a header is a select-multiple's path, a separator and an unknown code."""
    for osep in (*OPTION_SEPARATORS, *extra):
        path, sep, code = name.rpartition(osep)
        role = (lookup.get(path) or _nested(path, lookup, instrument)) if sep else None
        if role and role.kind == "question" and instrument[role.question].is_select_multiple and code:
            return role.question, code
    return None


def _label(instrument: Instrument, question: str | None) -> str | None:
    return instrument.label(question) if question and question in instrument.questions else None


def _duplicate(name: str, where: list[int], instrument: Instrument, role: Role) -> Problem:
    question = role.question if role.kind in ("question", "option", "metadata") else None
    return Problem(
        problem="the column '{name}' appears {n} times, in columns {columns}",
        args={"name": name, "n": len(where), "columns": _columns_text(where)},
        column=name, question=question, label=_label(instrument, question),
        expected="each question in exactly one column",
        fix="keep one column per question: if the copies hold answers of different respondents (for example "
            "from two versions of the form), move them into one column; then delete the other copies")


def _recognise(names: list[str]) -> Tool:
    """The tool whose signature columns the header holds most of (generic when none)."""
    present = set(names)
    hits = Counter({tool.name: len(present & set(tool.signature)) for tool in TOOLS})
    best, count = hits.most_common(1)[0]
    return next(tool for tool in TOOLS if tool.name == best) if count else GENERIC_TOOL
