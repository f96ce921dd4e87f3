"""Qualitative data model for the conversations with young survivors.

Purpose
    Load and validate the theme codebook, the coded conversation segments and the
    participants table (from the CSV files or a REFI-QDA project), and the study's countries
    they are checked against. The one counting rule every report uses, the printed counts,
    the theme tables and the excerpts are in :mod:`perspectives.qualitative_counts`; the
    expert roundtable's insights and the study's recommendations with their evidence in
    :mod:`perspectives.qualitative_recommendations`. Both read their data through this module.

Inputs
    ``data/codebook.yml``, ``data/synthetic/conversations.csv``,
    ``data/synthetic/participants.csv`` (or, for both, a REFI-QDA project ``.qdpx`` from a
    coding tool, read by :mod:`perspectives.refiqda` into the same tables) and
    ``params/study.yml`` (countries, which of them held conversations, the synthesis code).
    Every loader takes an explicit path.

Outputs
    Validated data frames and dataclasses. Loaders raise :class:`QualitativeDataError` naming
    the file, the column, the row numbers (as line numbers in the file) and the fix.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from perspectives import locales, refiqda
from perspectives.hints import module_command
from perspectives.project import Project, default
from perspectives.rawtable import path_problem
from perspectives.readers_cells import CONTROL_CHARACTERS, code_list_faults
from perspectives.study import Country, load_study

__all__ = [
    "QualitativeDataError",
    "Code",
    "Codebook",
    "CONVERSATION_COLUMNS",
    "PARTICIPANT_COLUMNS",
    "load_codebook",
    "load_participants",
    "load_conversations",
    "participants_source",
    "read_project",
    "split_codes",
    "SYNTHETIC_TAG",
    "excerpt_translations",
]

# The study's files this module reads, from the study folder's root (a function given no
# path reads its project's; the project is the study folder around the working directory
# when none is given).
CODEBOOK_FILE = "data/codebook.yml"
CONVERSATIONS_FILE = "data/synthetic/conversations.csv"
PARTICIPANTS_FILE = "data/synthetic/participants.csv"

CONVERSATION_COLUMNS: tuple[str, ...] = (
    "participant_id", "country", "gender", "age_band", "themes", "consent_to_quote", "excerpt",
)
PARTICIPANT_COLUMNS: tuple[str, ...] = (
    "participant_id", "country", "gender", "age_at_conversation", "age_first_targeted",
    "support_received", "conversation_mode",
)
# Optional columns of conversations.csv: an excerpt's translation into a report language,
# named as an XLSForm names a label's language (``excerpt::Romanian (ro)``, or ``excerpt::ro``).
# A blank cell is an excerpt not translated into that language.
EXCERPT_TRANSLATION = re.compile(r"excerpt::(?:[^()]*\(\s*)?([A-Za-z]{2,3})\s*\)?")
# How the synthetic generator marks each excerpt it writes (in every language). A report
# prints the mark in its own language (perspectives.report_themes).
SYNTHETIC_TAG = "[synthetic]"
GENDERS: tuple[str, ...] = ("female", "male", "other")
CONSENT_VALUES: tuple[str, ...] = ("yes", "no")
CONVERSATION_MODES: tuple[str, ...] = ("in_person", "hybrid")
# A participant id: ASCII letters and digits, separated by '-', '_' or '.' (ALB-01). Anything
# else (a non-breaking hyphen, a full-width letter, a zero-width space) can make two ids that
# look the same, and one person counted twice; such an id is refused, never folded.
PARTICIPANT_ID = re.compile(r"[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*")
AGE_AT_CONVERSATION = (18, 23)  # inclusion criterion of the conversations
AGE_BANDS: dict[str, tuple[int, int]] = {"18-20": (18, 20), "21-23": (21, 23)}
# Participants columns that may be blank (no support received); a project's case must give
# every other variable a value.
CASE_VALUES_MAY_BE_EMPTY: tuple[str, ...] = ("support_received",)

_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


class QualitativeDataError(ValueError):
    """A qualitative data file breaks a rule; the message says where and how to fix it."""

    def __init__(self, file: Path | str, problem: str, fix: str, column: str | None = None,
                 rows: Iterable[int] | None = None, places: Iterable[str] | None = None,
                 column_label: str | None = None) -> None:
        # rows: line numbers of a CSV; places: how a REFI-QDA project's rows are named
        # ("case 'ALB-01'"), with column_label naming the column there ("case variable 'gender'").
        # A file is named by its name, as every refusal names it: a path says where the
        # partner keeps data, and messages reach logs and issue trackers.
        self.file = Path(file).name
        self.column = column
        self.rows = sorted(set(rows)) if rows is not None else []
        self.places = list(dict.fromkeys(places)) if places is not None else []
        parts = [f"{self.file}:"]
        if column is not None:
            parts.append(f"{column_label or f'column {column!r}'}:")
        listed, word = (self.places, "") if self.places else ([str(r) for r in self.rows], "line(s) ")
        if listed:
            more = f" and {len(listed) - 20} more" if len(listed) > 20 else ""
            parts.append(f"{word}{', '.join(listed[:20])}{more}:")
        parts.append(f"{problem}. Fix: {fix}")
        super().__init__(" ".join(parts))


# ------------------------------------------------------------------------------ study file

def read_data_file(path: Path) -> Any:
    """A YAML data file of the study, read; a missing file or bad YAML is a :class:`QualitativeDataError`."""
    if not path.exists():
        raise QualitativeDataError(path, "file not found", "check the path or regenerate the file")
    from .study import read_yaml

    try:
        return read_yaml(path)
    except yaml.YAMLError as exc:
        raise QualitativeDataError(path, f"not valid YAML ({exc})", "correct the YAML syntax") from exc


def study_countries(study_path: Path | str | None = None, project: Project | None = None) -> tuple[tuple[Country, ...], str]:
    """Countries in study order and the synthesis code, of ``study_path`` or else of the project.

    They come from ``perspectives.study``, the one reader of ``params/study.yml`` (which
    resolves each country's name, CLDR's by default).

    Raises:
        QualitativeDataError: the study file named is missing.
    """
    if study_path is not None and not Path(study_path).exists():
        raise QualitativeDataError(Path(study_path), "file not found", "check the path or regenerate the file")
    study = load_study(study_path) if study_path is not None else default(project).study
    return study.countries, study.synthesis_code


def _country_map(study_path: Path | str | None, project: Project | None = None) -> dict[str, Country]:
    return {c.iso3: c for c in study_countries(study_path, project)[0]}


# ------------------------------------------------------------------------------ codebook

@dataclass(frozen=True)
class Code:
    """One theme code of the codebook."""

    code: str
    label: str
    section: str
    definition: str
    topic: str
    parent: str | None

    @property
    def level(self) -> int:
        """1 for a top-level theme, 2 for its children, and so on."""
        return self.code.count(".") + 1


@dataclass(frozen=True)
class Codebook:
    """Themes (in file order), report sections and support codes."""

    codes: dict[str, Code]
    sections: dict[str, str]
    support_codes: dict[str, str]
    path: str = ""

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def subtree(self, code: str) -> list[str]:
        """``code`` and all its descendants."""
        return [c for c in self.codes if c == code or c.startswith(code + ".")]

    def at_level(self, level: int) -> list[str]:
        """Codes at one depth of the tree (1: the top themes), in codebook order."""
        return [c for c, v in self.codes.items() if v.level == level]

    def in_section(self, section_id: str) -> list[str]:
        """Codes of a report section, in codebook order (KeyError for an unknown section)."""
        if section_id not in self.sections:
            raise KeyError(f"unknown section {section_id!r}; sections are {', '.join(self.sections)}")
        return [c for c, v in self.codes.items() if v.section == section_id]

    def label(self, code: str) -> str:
        """The theme's label (KeyError for an unknown code)."""
        return self.codes[code].label


def load_codebook(path: Path | str | None = None, *, project: Project | None = None) -> Codebook:
    """Read and validate the codebook (codes, hierarchy, sections, definitions).

    Args:
        path: the codebook (default: the project's ``data/codebook.yml``).
        project: the study folder (default: the one around the working directory).
    """
    project = default(project)
    path = Path(path) if path is not None else project.path(CODEBOOK_FILE)
    # Read and validated once per version of the file: every theme of every recommendation's
    # evidence asks for it, and the Codebook is frozen (its callers only read it).
    return project.cached("codebook", str(path.resolve()), lambda: _load_codebook(path), [path])


def _load_codebook(path: Path) -> Codebook:
    raw = read_data_file(path)
    if not isinstance(raw, dict) or "themes" not in raw or "sections" not in raw:
        raise QualitativeDataError(path, "missing 'sections' or 'themes'", "add both top-level keys")
    sections = {str(s["id"]): str(s.get("label", s["id"])) for s in raw["sections"]}
    support = {}
    for s in raw.get("support_codes", []) or []:
        code = str(s.get("code", ""))
        if not _CODE_RE.match(code) or "." in code:
            raise QualitativeDataError(path, f"support code {code!r} is not a snake_case word",
                                       "use lower-case letters, digits and underscores", column="support_codes")
        support[code] = str(s.get("label", code))
    codes: dict[str, Code] = {}

    def walk(nodes: list[dict[str, Any]], parent: str | None) -> None:
        for node in nodes:
            code = str(node.get("code", ""))
            where = f"theme {code!r}" if code else "a theme without a code"
            if not _CODE_RE.match(code):
                raise QualitativeDataError(path, f"{where}: code is not dot-separated snake_case",
                                           "write codes like 'reporting.awareness_before'", column="code")
            expected_parent = code.rsplit(".", 1)[0] if "." in code else None
            if expected_parent != parent:
                raise QualitativeDataError(
                    path, f"{where} sits under {parent!r} but its code implies parent {expected_parent!r}",
                    "nest each code under the code it extends by one word", column="code")
            if code in codes:
                raise QualitativeDataError(path, f"code {code!r} appears twice", "give each theme a unique code",
                                           column="code")
            for key in ("label", "definition", "section", "topic"):
                if not str(node.get(key, "") or "").strip():
                    raise QualitativeDataError(path, f"{where} has no {key}", f"add a {key}", column=key)
            if node["section"] not in sections:
                raise QualitativeDataError(path, f"{where} names unknown section {node['section']!r}",
                                           f"use one of {', '.join(sections)}", column="section")
            codes[code] = Code(code, str(node["label"]), str(node["section"]), str(node["definition"]),
                               str(node["topic"]), parent)
            walk(node.get("children", []) or [], code)

    walk(raw["themes"], None)
    return Codebook(codes=codes, sections=sections, support_codes=support, path=str(path))


# ------------------------------------------------------------------------------ tables

def split_codes(value: str) -> list[str]:
    """Split a ``;``-separated code cell into codes (blank cell: no codes)."""
    return [c.strip() for c in str(value).split(";") if c.strip()]


def excerpt_translations(columns: Iterable[str]) -> dict[str, str]:
    """Language code -> the column that holds the excerpts' translations into it (``excerpt::ro``)."""
    found = {}
    for column in columns:
        match = EXCERPT_TRANSLATION.fullmatch(str(column).strip())
        if match is not None:
            found[match.group(1).lower()] = str(column)
    return found


def _read_csv(path: Path, required: tuple[str, ...], exact: bool,
              optional: re.Pattern[str] | None = None) -> pd.DataFrame:
    if not path.exists() and not path.is_symlink():
        raise QualitativeDataError(path, "file not found",
                                   f"run `{module_command('perspectives_synth.conversations')}` "
                                   "or point to the real file")
    problem = path_problem(path)  # a folder, a pipe (never waited on), a device, a broken link
    if problem is not None:
        raise QualitativeDataError(path, problem.problem, problem.fix)
    # compression=None: a name ending in .zip or .gz is not unpacked unbounded behind the reader's back
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8", compression=None)
    except UnicodeDecodeError:
        raise QualitativeDataError(path, "not UTF-8 text (a letter is written in another encoding, such as "
                                   "Windows-1252)", "save the file as 'CSV UTF-8'") from None
    except pd.errors.EmptyDataError:
        raise QualitativeDataError(path, "the file is empty", f"write the header ({', '.join(required)}) and "
                                   "one row per entry") from None
    except pd.errors.ParserError as exc:  # a row of more fields than the header, a quote left open
        found = re.search(r"line (\d+), saw (\d+)", str(exc))
        what = (f"line {found.group(1)} has {found.group(2)} fields where the header has fewer" if found
                else "its rows cannot be split into the header's columns (a quote left open?)")
        raise QualitativeDataError(path, what, "quote every value that holds a comma, a quote or a line break, "
                                   "and give every row the header's columns") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise QualitativeDataError(path, f"missing column(s) {', '.join(missing)}",
                                   f"the header must contain {', '.join(required)}", column=missing[0])
    extra = [c for c in df.columns if c not in required
             and not (optional is not None and optional.fullmatch(str(c).strip()))]
    if exact and extra:
        also = " and, for translations of the excerpts, excerpt::LANGUAGE columns" if optional is not None else ""
        raise QualitativeDataError(path, f"unexpected column(s) {', '.join(extra)}",
                                   f"keep exactly {', '.join(required)}{also}", column=extra[0])
    # As in a survey export: a control character cannot be shown in a report, and dropping it
    # would change the text unseen.
    for column in df.columns:
        _check(path, df, column, df[column].str.contains(CONTROL_CHARACTERS, regex=True),
               "the text holds invisible control characters, which a report cannot show (pasted from "
               "another program, or a terminal's escape codes)",
               "delete those characters (retype the text if they cannot be seen); tabs and line breaks are fine")
    return df


def _lines(mask: pd.Series) -> list[int]:
    """File line numbers of the flagged rows (line 1 is the header)."""
    return [int(i) + 2 for i in mask[mask].index]


def _check(path: Path, df: pd.DataFrame, column: str, bad: pd.Series, problem: str, fix: str) -> None:
    if bad.any():
        # A table read from a REFI-QDA project names its rows by case or source (df.attrs).
        places = df.attrs.get("places")
        if places is not None:
            raise QualitativeDataError(path, problem, fix, column=column,
                                       places=[places[i] for i in bad[bad].index],
                                       column_label=df.attrs.get("columns", {}).get(column))
        raise QualitativeDataError(path, problem, fix, column=column, rows=_lines(bad))


def _id_problem(ids: Iterable[str]) -> str | None:
    """Why participant ids are not plain (:data:`PARTICIPANT_ID`): the ids and their odd characters, named."""
    odd = sorted(set(ids))
    if not odd:
        return None
    chars = sorted({c for pid in odd for c in pid if not (c.isascii() and (c.isalnum() or c in "._-"))})
    names = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, 'a control or unnamed character')}" for c in chars)
    shown = ", ".join(ascii(pid) for pid in odd[:10]) + (f" and {len(odd) - 10} more" if len(odd) > 10 else "")
    return (f"participant id(s) {shown} hold a character other than the letters A-Z, digits, '-', '_' and '.' "
            f"({names or 'a leading or trailing separator'}): a look-alike of another id would count the same "
            "person twice")


def _check_common(path: Path, df: pd.DataFrame, countries: dict[str, Country]) -> None:
    for col in ("participant_id", "country", "gender"):
        _check(path, df, col, df[col].str.strip() == "", "empty value", f"fill in {col}")
    odd = ~df["participant_id"].map(lambda pid: bool(PARTICIPANT_ID.fullmatch(pid)))
    _check(path, df, "participant_id", odd, str(_id_problem(df.loc[odd, "participant_id"])),
           "write each id with the letters A-Z, digits and the separators - _ . only (ALB-01), typed on one "
           "keyboard: a non-breaking hyphen, a full-width letter or an invisible space only looks the same")
    _check(path, df, "country", ~df["country"].isin(list(countries)),
           f"unknown country code(s) {sorted(set(df['country']) - set(countries))}",
           f"use an ISO3 code from params/study.yml ({', '.join(countries)})")
    no_conv = [c for c, v in countries.items() if not v.conversations]
    _check(path, df, "country", df["country"].isin(no_conv),
           f"country without conversations ({', '.join(sorted(set(df['country']) & set(no_conv)))})",
           "remove these rows, or set conversations: true for the country in params/study.yml")
    _check(path, df, "gender", ~df["gender"].isin(GENDERS), "gender not recognised",
           f"use one of {', '.join(GENDERS)}")
    for column in ("themes", "support_received"):  # the ';'-separated codes either table holds
        for bad, problem, fix in code_list_faults(df[column]) if column in df else ():
            _check(path, df, column, bad, problem, fix)


def _is_project(path: Path) -> bool:
    """Whether ``path`` is a REFI-QDA project (``.qdpx``) rather than our CSV layout."""
    return path.suffix.lower() == ".qdpx"


def participants_source(conversations_path: Path | str | None) -> Path | None:
    """Where the participants of a conversations file are: the project itself, or ``participants.csv`` beside it.

    None (the embedded data) gives None: :func:`load_participants` then reads its default.
    """
    if conversations_path is None:
        return None
    path = Path(conversations_path)
    return path if _is_project(path) else path.parent / "participants.csv"


def _inputs_of(path: Path, project: Project) -> list[Path]:
    """The files a reading of ``path`` with the project's defaults depends on.

    The file; for a REFI-QDA project the declared code mapping; the codebook and the study it
    is checked against.
    """
    mapping = [project.path(refiqda.MAPPING_FILE)] if _is_project(path) else []
    return [path.resolve(), *mapping, project.path(CODEBOOK_FILE), project.study_file]


def read_project(path: Path | str, codebook: Codebook | None = None, *,
                 project: Project | None = None) -> refiqda.ProjectReading:
    """A REFI-QDA project read against the codebook and ``params/code_mapping.yml`` (once per version of each).

    The tables are as written (strings); :func:`load_participants` and
    :func:`load_conversations` check them by the rules the CSV files follow.

    Args:
        path: the ``.qdpx`` project.
        codebook: our codebook (default: the project's).
        project: the study folder, which keeps the reading (default: the one around the working directory).

    Raises:
        refiqda.ProjectError: the project cannot be read as its authors meant (the message names
            the code, case or source and the fix).
    """
    path = Path(path)
    project = default(project)
    codebook = codebook if codebook is not None else load_codebook(project=project)
    problem = path_problem(path)  # a folder, a pipe (never waited on), a device, a broken link
    if problem is not None:
        raise QualitativeDataError(path, problem.problem, problem.fix or "check the path to the .qdpx project")
    codes = {code: spec.label for code, spec in codebook.codes.items()}

    def read() -> refiqda.ProjectReading:
        return refiqda.read_project(path, codes, PARTICIPANT_COLUMNS[1:],
                                    [c for c in PARTICIPANT_COLUMNS[1:] if c not in CASE_VALUES_MAY_BE_EMPTY],
                                    refiqda.load_code_mapping(codes=codes, project=project))

    return project.cached("qdpx", (str(path.resolve()), tuple(codes.items())), read,
                          [path.resolve(), project.path(refiqda.MAPPING_FILE)], keep=4)


def _project_participants(path: Path, codebook: Codebook, project: Project) -> pd.DataFrame:
    reading = read_project(path, codebook, project=project)
    df = reading.participants.reindex(columns=list(PARTICIPANT_COLUMNS)).copy()
    df.attrs = {"places": list(reading.participant_places),
                "columns": {c: f"case variable '{c}'" for c in PARTICIPANT_COLUMNS[1:]} | {"participant_id": "case"}}
    return df


def _project_conversations(path: Path, codebook: Codebook, participants: pd.DataFrame,
                           project: Project) -> pd.DataFrame:
    """The project's segments with the columns of ``conversations.csv``, country and gender from each case."""
    reading = read_project(path, codebook, project=project)
    df = reading.segments.copy()
    known = participants.set_index("participant_id")
    for column in ("country", "gender"):
        df[column] = df["participant_id"].map(known[column]).fillna("")
    # A case's own age band is checked against its age; without one the band is derived from the age.
    bands = known["age_at_conversation"].map(_age_band)
    own = reading.participants.set_index("participant_id").get("age_band")
    if own is not None:
        bands = own.reindex(bands.index).where(lambda v: v.fillna("") != "", bands)
    df["age_band"] = df["participant_id"].map(bands).fillna("")
    df = df.reindex(columns=list(CONVERSATION_COLUMNS)).astype(str)
    df.attrs = {"places": list(reading.segment_places),
                "columns": {"participant_id": "case", "country": "case variable 'country'",
                            "gender": "case variable 'gender'", "age_band": "case variable 'age_band'",
                            "themes": "codes", "consent_to_quote": "variable 'consent_to_quote' (source or case)",
                            "excerpt": "coded text"}}
    return df


def load_participants(path: Path | str | None = None, codebook: Codebook | None = None,
                      study_path: Path | str | None = None, *, project: Project | None = None) -> pd.DataFrame:
    """Read and validate the participants table; ages become integers.

    ``path`` is ``participants.csv`` or a REFI-QDA project (``.qdpx``), whose cases are the
    participants (default: the project's embedded table). With the project's codebook and
    study, a file read before (unchanged since) is not read again: a report section asks for
    it several times. Each caller gets its own copy. ``project``: the study folder (default:
    the one around the working directory).
    """
    project = default(project)
    path = Path(path) if path is not None else project.path(PARTICIPANTS_FILE)
    if codebook is None and study_path is None and path.is_file():
        return project.cached("participants", str(path.resolve()),
                              lambda: _load_participants(path, None, None, project),
                              _inputs_of(path, project)).copy()
    return _load_participants(path, codebook, study_path, project)


def _load_participants(path: Path, codebook: Codebook | None, study_path: Path | str | None,
                       project: Project) -> pd.DataFrame:
    codebook = codebook if codebook is not None else load_codebook(project=project)
    countries = _country_map(study_path, project)
    df = _project_participants(path, codebook, project) if _is_project(path) else _read_csv(
        path, PARTICIPANT_COLUMNS, exact=False)
    _check_common(path, df, countries)
    dup = df["participant_id"].duplicated(keep=False)
    _check(path, df, "participant_id", dup, f"duplicate participant id(s) {sorted(set(df.loc[dup, 'participant_id']))}",
           "give each participant one row and a unique id")
    for col, lo, hi in (("age_at_conversation", *AGE_AT_CONVERSATION), ("age_first_targeted", 0, 17)):
        num = pd.to_numeric(df[col], errors="coerce")
        _check(path, df, col, num.isna() | (num != num.round()), "not a whole number", "write ages as whole years")
        _check(path, df, col, (num < lo) | (num > hi), f"outside {lo}-{hi}", f"ages must lie within {lo}-{hi}")
        df[col] = num.astype(int)
    _check(path, df, "age_first_targeted", df["age_first_targeted"] >= df["age_at_conversation"],
           "age first targeted is not below the age at the conversation", "check both ages")
    unknown = df["support_received"].map(lambda v: [c for c in split_codes(v) if c not in codebook.support_codes])
    _check(path, df, "support_received", unknown.map(bool),
           f"unknown support code(s) {sorted({c for u in unknown for c in u})}",
           f"use codes from the codebook's support_codes ({', '.join(codebook.support_codes)}), separated by ';'")
    _check(path, df, "conversation_mode", ~df["conversation_mode"].isin(CONVERSATION_MODES),
           "conversation mode not recognised", f"use one of {', '.join(CONVERSATION_MODES)}")
    df.attrs = {}
    return df


def _check_translations(path: Path, df: pd.DataFrame) -> None:
    """The excerpts' translation columns: each a known language, named once.

    Their text passed the control-character check with every column as it was read; the
    identifying-details screen and the consent flag apply to them with their excerpt's row
    (:func:`perspectives.qualitative_counts.select_excerpts`).
    """
    seen: dict[str, str] = {}
    for column in df.columns:
        match = EXCERPT_TRANSLATION.fullmatch(str(column).strip())
        if match is None:
            continue
        code = match.group(1).lower()
        if not locales.known_language(code):
            raise QualitativeDataError(path, f"column {column!r} names no language CLDR knows ({code!r})",
                                       "name the language by its code, as in excerpt::Romanian (ro) or excerpt::ro",
                                       column=str(column))
        if code in seen:
            raise QualitativeDataError(path, f"columns {seen[code]!r} and {column!r} both translate the excerpts "
                                       f"into {code!r}", "keep one column per language", column=str(column))
        seen[code] = str(column)


def _age_band(age: int) -> str:
    return next(band for band, (lo, hi) in AGE_BANDS.items() if lo <= age <= hi)


def load_conversations(path: Path | str | None = None, codebook: Codebook | None = None,
                       participants: pd.DataFrame | None = None,
                       study_path: Path | str | None = None, *, project: Project | None = None,
                       shared: bool = False) -> pd.DataFrame:
    """Read and validate the coded segments against the codebook and the participants table.

    ``path`` is ``conversations.csv`` or a REFI-QDA project (``.qdpx``): the same table comes
    out of either (:mod:`perspectives.refiqda` says how a project maps to it), and the same
    rules are checked (default: the project's embedded table). ``participants`` defaults to
    ``participants.csv`` next to the CSV, or to the project's cases. As for
    :func:`load_participants`, unchanged files read with the project's defaults are read once.
    Each call gets its own copy, unless ``shared``: then such a file's one frame, kept by the
    project, which the caller reads and never changes. What the library derives from a frame
    (the theme matrix, a mask per theme) is cached by frame, so readers of the one frame share
    it: a report section, and every run a warmed build server forks.
    """
    project = default(project)
    path = Path(path) if path is not None else project.path(CONVERSATIONS_FILE)
    beside = participants_source(path)
    if (codebook is None and participants is None and study_path is None and path.is_file()
            and beside is not None and beside.is_file()):
        frame = project.cached("conversations", str(path.resolve()),
                               lambda: _load_conversations(path, None, None, None, project),
                               [*_inputs_of(path, project), beside.resolve()])
        return frame if shared else frame.copy()
    return _load_conversations(path, codebook, participants, study_path, project)


def _load_conversations(path: Path, codebook: Codebook | None, participants: pd.DataFrame | None,
                        study_path: Path | str | None, project: Project) -> pd.DataFrame:
    given_codebook = codebook  # None: the default, whose participants table is read once
    codebook = codebook if codebook is not None else load_codebook(project=project)
    countries = _country_map(study_path, project)
    if _is_project(path):
        if participants is None:
            participants = load_participants(path, given_codebook, study_path, project=project)
        df = _project_conversations(path, codebook, participants, project)
    else:
        df = _read_csv(path, CONVERSATION_COLUMNS, exact=True, optional=EXCERPT_TRANSLATION)
        _check_translations(path, df)
    _check_common(path, df, countries)
    for col in ("themes", "excerpt"):
        _check(path, df, col, df[col].str.strip() == "", "empty value", f"fill in {col}")
    unknown = df["themes"].map(lambda v: [c for c in split_codes(v) if c not in codebook])
    _check(path, df, "themes", unknown.map(bool), f"unknown theme code(s) {sorted({c for u in unknown for c in u})}",
           f"use codes defined in {Path(codebook.path).name}, separated by ';'")
    _check(path, df, "consent_to_quote", ~df["consent_to_quote"].isin(CONSENT_VALUES),
           "consent flag is not yes/no", "write exactly 'yes' or 'no' (lower case)")
    _check(path, df, "age_band", ~df["age_band"].isin(list(AGE_BANDS)), "age band not recognised",
           f"use one of {', '.join(AGE_BANDS)}")
    if participants is None:
        participants = load_participants(participants_source(path), given_codebook, study_path, project=project)
    known = participants.set_index("participant_id")
    orphan = ~df["participant_id"].isin(known.index)
    _check(path, df, "participant_id", orphan,
           f"participant(s) {sorted(set(df.loc[orphan, 'participant_id']))} not in the participants table",
           "add them to participants.csv or correct the id")
    for col in ("country", "gender"):
        bad = df[col] != df["participant_id"].map(known[col])
        _check(path, df, col, bad, f"{col} differs from the participants table", "make both files agree")
    bands = df["participant_id"].map(known["age_at_conversation"].map(_age_band))
    _check(path, df, "age_band", df["age_band"] != bands, "age band does not match age_at_conversation",
           "derive the band from the participants table")
    df.attrs = {}
    return df

