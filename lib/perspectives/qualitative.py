"""Qualitative data model and analysis for the conversations with young survivors.

Purpose
    Load and validate the theme codebook, the coded conversation segments and the
    participants table; count how many participants raised each theme (the one counting rule
    every report uses); choose consented, screened excerpts; and render the expert
    roundtable's insights and the study's recommendations with their evidence.

Inputs
    ``data/codebook.yml``, ``data/synthetic/conversations.csv``,
    ``data/synthetic/participants.csv`` (or, for both, a REFI-QDA project ``.qdpx`` from a
    coding tool, read by :mod:`perspectives.refiqda` into the same tables), ``data/conversation_counts.yml``,
    ``data/roundtable.yml``, ``data/recommendations.yml`` and ``params/study.yml`` (countries,
    which of them held conversations, the synthesis code). Every loader takes an explicit path.

Outputs
    Validated data frames and dataclasses, count tables (``pd.Series``/``pd.DataFrame``) and
    Markdown strings (every text from the data files written as text:
    :func:`perspectives.escape.markdown_text`). Loaders raise :class:`QualitativeDataError` naming the file, the column,
    the row numbers (as line numbers in the file) and the fix.
"""

from __future__ import annotations

import random
import re
import string
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from perspectives import locales, refiqda
from perspectives.escape import markdown_text
from perspectives.hints import module_command
from perspectives.i18n import Translator
from perspectives.project import Project, default
from perspectives.rawtable import path_problem
from perspectives.screen import ScreenLog, screen_excerpts
from perspectives.study import Country, load_study

__all__ = [
    "QualitativeDataError",
    "Code",
    "Codebook",
    "CountTarget",
    "CONVERSATION_COLUMNS",
    "PARTICIPANT_COLUMNS",
    "SURVEY_ITEMS",
    "load_codebook",
    "load_participants",
    "load_conversations",
    "participants_source",
    "read_project",
    "load_counts",
    "load_roundtable",
    "load_recommendations",
    "roundtable_experts",
    "split_codes",
    "participants_raising",
    "participants_receiving",
    "count_target",
    "observed_range",
    "theme_matrix",
    "section_theme_summary",
    "select_excerpts",
    "conversations_note",
    "render_roundtable",
    "render_recommendations",
    "Evidence",
    "counted_evidence",
]

# The study's files this module reads, from the study folder's root (a function given no
# path reads its project's; the project is the study folder around the working directory
# when none is given).
CODEBOOK_FILE = "data/codebook.yml"
CONVERSATIONS_FILE = "data/synthetic/conversations.csv"
PARTICIPANTS_FILE = "data/synthetic/participants.csv"
COUNTS_FILE = "data/conversation_counts.yml"
ROUNDTABLE_FILE = "data/roundtable.yml"
RECOMMENDATIONS_FILE = "data/recommendations.yml"

CONVERSATION_COLUMNS: tuple[str, ...] = (
    "participant_id", "country", "gender", "age_band", "themes", "consent_to_quote", "excerpt",
)
PARTICIPANT_COLUMNS: tuple[str, ...] = (
    "participant_id", "country", "gender", "age_at_conversation", "age_first_targeted",
    "support_received", "conversation_mode",
)
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

# Item names of the frontline workers' survey instrument that evidence may cite.
SURVEY_ITEMS: tuple[str, ...] = (
    "country", "gender", "age_band", "education", "experience", "org_type", "area", "services",
    "se_share", "tech_share", "supported_boys", "supported_girls", "boys_online_share",
    "girls_online_share", "boys_age", "girls_age", "boys_offender_female_share",
    "girls_offender_female_share", "offender_origin", "boys_offender_rel", "girls_offender_rel",
    "boys_exchange", "girls_exchange", "boys_facilitator", "girls_facilitator", "boys_forms",
    "girls_forms", "beliefs", "barriers", "gov_funding", "gov_awareness", "gov_training",
    "gov_advocacy", "gov_legislation", "gov_services", "gov_law_enforcement", "gov_coordination",
    "public_awareness", "scen_victim", "scen_recording", "scen_flipped", "scen_viewer", "scen_dating",
)

_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_COUNT_KINDS = ("participants", "theme", "support", "attribute", "range")


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

def _read_yaml(path: Path) -> Any:
    if not path.exists():
        raise QualitativeDataError(path, "file not found", "check the path or regenerate the file")
    from .study import read_yaml

    try:
        return read_yaml(path)
    except yaml.YAMLError as exc:
        raise QualitativeDataError(path, f"not valid YAML ({exc})", "correct the YAML syntax") from exc


def _study(study_path: Path | str | None = None, project: Project | None = None) -> tuple[tuple[Country, ...], str]:
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
    return {c.iso3: c for c in _study(study_path, project)[0]}


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
    path = Path(path) if path is not None else default(project).path(CODEBOOK_FILE)
    raw = _read_yaml(path)
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


def _read_csv(path: Path, required: tuple[str, ...], exact: bool) -> pd.DataFrame:
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
    extra = [c for c in df.columns if c not in required]
    if exact and extra:
        raise QualitativeDataError(path, f"unexpected column(s) {', '.join(extra)}",
                                   f"keep exactly {', '.join(required)}", column=extra[0])
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


def _age_band(age: int) -> str:
    return next(band for band, (lo, hi) in AGE_BANDS.items() if lo <= age <= hi)


def load_conversations(path: Path | str | None = None, codebook: Codebook | None = None,
                       participants: pd.DataFrame | None = None,
                       study_path: Path | str | None = None, *, project: Project | None = None) -> pd.DataFrame:
    """Read and validate the coded segments against the codebook and the participants table.

    ``path`` is ``conversations.csv`` or a REFI-QDA project (``.qdpx``): the same table comes
    out of either (:mod:`perspectives.refiqda` says how a project maps to it), and the same
    rules are checked (default: the project's embedded table). ``participants`` defaults to
    ``participants.csv`` next to the CSV, or to the project's cases. As for
    :func:`load_participants`, unchanged files read with the project's defaults are read once.
    """
    project = default(project)
    path = Path(path) if path is not None else project.path(CONVERSATIONS_FILE)
    beside = participants_source(path)
    if (codebook is None and participants is None and study_path is None and path.is_file()
            and beside is not None and beside.is_file()):
        return project.cached("conversations", str(path.resolve()),
                              lambda: _load_conversations(path, None, None, None, project),
                              [*_inputs_of(path, project), beside.resolve()]).copy()
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
        df = _read_csv(path, CONVERSATION_COLUMNS, exact=True)
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


# ------------------------------------------------------------------------------ counting

def _raisers(conversations: pd.DataFrame) -> dict[str, dict[str, set[str]]]:
    """Code -> country -> the participants who raised that code or one of its descendants.

    Every code is filed under itself and each of its ancestors (``a.b.c`` under ``a``,
    ``a.b`` and ``a.b.c``), so a count per theme is one lookup rather than a scan of the
    notes for each theme.
    """
    index: dict[str, dict[str, set[str]]] = {}
    for pid, country, themes in conversations[["participant_id", "country", "themes"]].itertuples(index=False):
        for code in split_codes(themes):
            parts = code.split(".")
            for depth in range(1, len(parts) + 1):
                index.setdefault(".".join(parts[:depth]), {}).setdefault(country, set()).add(pid)
    return index


def _count_by_country(raisers: dict[str, dict[str, set[str]]], code: str, order: list[str]) -> pd.Series:
    by_country = raisers.get(code, {})
    return pd.Series([len(by_country.get(c, ())) for c in order], index=pd.Index(order, name="country"),
                     dtype="int64", name=code)


def _country_order(present: Iterable[str], study_path: Path | str | None = None,
                   project: Project | None = None) -> list[str]:
    present = set(present)
    return [c.iso3 for c in _study(study_path, project)[0] if c.iso3 in present]


def participants_raising(conversations: pd.DataFrame, code: str,
                         codebook: Codebook | None = None, *, project: Project | None = None) -> pd.Series:
    """Distinct participants per country who raised ``code`` or any of its descendants.

    Indexed by the countries present in ``conversations`` (study order); a country with no
    conversations is absent, never a zero. ``project``: the study folder (default: the one
    around the working directory), for the codebook and the countries' order.
    """
    codebook = codebook if codebook is not None else load_codebook(project=project)
    if code not in codebook:
        raise KeyError(f"unknown theme code {code!r}; see {codebook.path}")
    return _count_by_country(_raisers(conversations), code,
                             _country_order(conversations["country"], project=project))


def participants_receiving(participants: pd.DataFrame, support_code: str,
                           codebook: Codebook | None = None, *, project: Project | None = None) -> pd.Series:
    """Participants per country whose ``support_received`` includes ``support_code``."""
    codebook = codebook if codebook is not None else load_codebook(project=project)
    if support_code not in codebook.support_codes:
        raise KeyError(f"unknown support code {support_code!r}; see {codebook.path}")
    has = participants["support_received"].map(lambda v: support_code in split_codes(v))
    order = _country_order(participants["country"], project=project)
    counts = participants[has].groupby("country")["participant_id"].nunique()
    return counts.reindex(order, fill_value=0).astype(int).rename(support_code)


@dataclass(frozen=True)
class CountTarget:
    """A count printed in the published report (see data/conversation_counts.yml)."""

    id: str
    country: str
    kind: str
    count: int
    out_of: int
    paraphrase: str
    line: int
    target: str = ""
    min: int | None = None
    max: int | None = None
    eligible: str = ""
    note: str = ""
    subset_of: str = ""
    disjoint_from: tuple[str, ...] = ()


def load_counts(path: Path | str | None = None, codebook: Codebook | None = None,
                study_path: Path | str | None = None, *, project: Project | None = None) -> list[CountTarget]:
    """Read and validate the report's printed counts (default: the project's ``data/conversation_counts.yml``)."""
    path = Path(path) if path is not None else default(project).path(COUNTS_FILE)
    codebook = codebook if codebook is not None else load_codebook(project=project)
    countries, synthesis = _study(study_path, project)
    valid_countries = {c.iso3 for c in countries} | {synthesis}
    out: list[CountTarget] = []
    for i, entry in enumerate(_read_yaml(path)["counts"], start=1):
        try:
            t = CountTarget(**{**entry, "disjoint_from": tuple(entry.get("disjoint_from", ()))})
        except TypeError as exc:
            raise QualitativeDataError(path, f"entry {i} has wrong fields ({exc})", "see the field list at the top") from exc
        where = f"entry {t.id!r}"
        if t.kind not in _COUNT_KINDS:
            raise QualitativeDataError(path, f"{where}: unknown kind {t.kind!r}", f"use one of {', '.join(_COUNT_KINDS)}")
        if t.country not in valid_countries:
            raise QualitativeDataError(path, f"{where}: unknown country {t.country!r}", "use an ISO3 code or the synthesis code")
        if t.kind == "theme" and t.target not in codebook:
            raise QualitativeDataError(path, f"{where}: unknown theme code {t.target!r}", "use a codebook code")
        if t.kind == "support" and t.target not in codebook.support_codes:
            raise QualitativeDataError(path, f"{where}: unknown support code {t.target!r}", "use a support code")
        if not 0 <= t.count <= t.out_of:
            raise QualitativeDataError(path, f"{where}: count {t.count} not within 0..{t.out_of}", "check the numbers")
        if t.kind == "range" and (t.min is None or t.max is None):
            raise QualitativeDataError(path, f"{where}: a range needs min and max", "add both")
        earlier = {o.id for o in out}
        refs = [r for r in (t.subset_of, *t.disjoint_from) if r]
        if any(r not in earlier for r in refs):
            raise QualitativeDataError(path, f"{where}: subset_of/disjoint_from names an id not listed earlier",
                                       "refer only to entries above this one")
        out.append(t)
    ids = [t.id for t in out]
    if len(ids) != len(set(ids)):
        raise QualitativeDataError(path, "duplicate ids", "give each entry a unique id")
    return out


def _scope(df: pd.DataFrame, country: str, synthesis: str) -> pd.DataFrame:
    return df if country == synthesis else df[df["country"] == country]


def _attribute_mask(participants: pd.DataFrame, expression: str) -> pd.Series:
    column, _, value = expression.partition("=")
    if column not in participants.columns:
        raise KeyError(f"no participants column {column!r}")
    return participants[column].astype(str) == value


def count_target(target: CountTarget, conversations: pd.DataFrame, participants: pd.DataFrame,
                 codebook: Codebook | None = None, study_path: Path | str | None = None, *,
                 project: Project | None = None) -> int:
    """Recompute one printed count from the data, with the same functions the reports use."""
    codebook = codebook if codebook is not None else load_codebook(project=project)
    synthesis = _study(study_path, project)[1]
    people = _scope(participants, target.country, synthesis)
    if target.kind == "participants":
        return int(people["participant_id"].nunique())
    if target.kind == "theme":
        series = participants_raising(_scope(conversations, target.country, synthesis), target.target, codebook,
                                      project=project)
        return int(series.sum())
    if target.kind == "support":
        return int(participants_receiving(people, target.target, codebook, project=project).sum())
    if target.kind == "attribute":
        return int(_attribute_mask(people, target.target).sum())
    if target.kind == "range":
        if target.eligible:
            people = people[_attribute_mask(people, target.eligible)]
        values = people[target.target].astype(int)
        return int(values.between(target.min, target.max).sum())
    raise ValueError(f"unknown count kind {target.kind!r}")


def observed_range(participants: pd.DataFrame, column: str, country: str | None = None) -> tuple[int, int]:
    """Smallest and largest value of a numeric participants column (optionally one country)."""
    people = participants if country is None else participants[participants["country"] == country]
    values = people[column].astype(int)
    return int(values.min()), int(values.max())


# ------------------------------------------------------------------------------ tables for reports

def theme_matrix(conversations: pd.DataFrame, codebook: Codebook, level: int | None = 1, *,
                 project: Project | None = None) -> pd.DataFrame:
    """Themes x countries: distinct participants raising each theme (descendants included).

    ``level`` picks codebook depth (1: top-level themes); ``None`` lists every code. Only
    countries with conversations in the data appear as columns, in the order of ``project``'s
    study (default: the one around the working directory); absent countries are absent, not
    zero-filled.
    """
    codes = list(codebook.codes) if level is None else codebook.at_level(level)
    if not codes:
        raise ValueError(f"the codebook has no codes at level {level}")
    order = _country_order(conversations["country"], project=project)
    raisers = _raisers(conversations)
    matrix = pd.DataFrame([_count_by_country(raisers, code, order).to_numpy() for code in codes],
                          index=codes, columns=order, dtype="int64")
    matrix.index.name = "theme"
    matrix.columns.name = "country"
    return matrix


def section_theme_summary(conversations: pd.DataFrame, codebook: Codebook, section_id: str,
                          country: str | None = None, *, project: Project | None = None) -> pd.DataFrame:
    """For one report section: each theme, its label, participants raising it and out of how many.

    ``country`` None is the synthesis (``project``'s synthesis code; default: the study folder
    around the working directory).
    """
    codes = codebook.in_section(section_id)
    scope = conversations if country is None else conversations[conversations["country"] == country]
    if country is not None and scope.empty:
        raise ValueError(f"no conversations for {country}; use conversations_note({country!r}) instead")
    raisers = _raisers(scope)
    out_of = int(scope["participant_id"].nunique())
    rows = [
        {
            "code": code,
            "label": codebook.label(code),
            "level": codebook.codes[code].level,
            "participants": len(set().union(*raisers.get(code, {}).values())),
            "out_of": out_of,
            "country": country if country is not None else _study(None, project)[1],
        }
        for code in codes
    ]
    return pd.DataFrame(rows, columns=["code", "label", "level", "participants", "out_of", "country"])


def select_excerpts(conversations: pd.DataFrame, theme: str, country: str | None = None, k: int = 3,
                    seed: int = 20210726, codebook: Codebook | None = None, *,
                    project: Project | None = None) -> tuple[list[str], ScreenLog]:
    """Up to ``k`` excerpts on ``theme`` with consent to quote that pass the identifying-details screen.

    The choice is seeded, so a build repeats it exactly. The log says how many were
    considered, lacked consent, were blocked and were eligible; it holds no excerpt text.
    ``project``: the study folder (default: the one around the working directory), whose
    codebook and countries (the screen's places) apply.
    """
    project = default(project)
    codebook = codebook if codebook is not None else load_codebook(project=project)
    if theme not in codebook:
        raise KeyError(f"unknown theme code {theme!r}; see {codebook.path}")
    if k < 0:
        raise ValueError("k must be zero or more")
    scope = conversations if country is None else conversations[conversations["country"] == country]
    on_theme = scope[scope["themes"].map(lambda v: any(c == theme or c.startswith(theme + ".") for c in split_codes(v)))]
    consented = on_theme[on_theme["consent_to_quote"] == "yes"]
    passed, log = screen_excerpts(consented, study=project.study)
    rng = random.Random(seed)
    labels = sorted(passed.index)
    chosen = sorted(rng.sample(labels, min(k, len(labels))))
    excerpts = [str(passed.loc[i, "excerpt"]) for i in chosen]
    screen_log = ScreenLog(considered=len(on_theme), without_consent=len(on_theme) - len(consented),
                           blocked=len(log), passed=len(passed), log=log)
    return excerpts, screen_log


# ------------------------------------------------------------------------------ notes and rendering

def conversations_note(country: str | None, participants: pd.DataFrame | None = None,
                       study_path: Path | str | None = None, translate: Translator | None = None, *,
                       project: Project | None = None) -> str:
    """One plain sentence on the conversations held in ``country`` (None or the synthesis code: all).

    In ``translate``'s language (English without one), the countries named as that language names them.
    """
    tr = translate or Translator(project=project)
    countries, synthesis = _study(study_path, project)

    def name(c: Country) -> str:
        return c.name if tr.is_default else tr.country(c.iso3)

    participants = participants if participants is not None else load_participants(study_path=study_path,
                                                                                    project=project)
    # The countries whose conversations the data hold (a partner's file may hold fewer than the study).
    present = set(participants["country"])
    held = [c for c in countries if c.conversations and c.iso3 in present]
    if country is None or country == synthesis:
        n = int(participants["participant_id"].nunique())
        none = [name(c) for c in countries if not c.conversations]
        names = locales.join([name(c) for c in held], tr.lang)
        if none:
            return tr("Conversations were held with {n} young survivors in {countries}; none were held in {others}.",
                      n=n, countries=names, others=locales.join(none, tr.lang))
        return tr("Conversations were held with {n} young survivors in {countries}.", n=n, countries=names)
    by_code = {c.iso3: c for c in countries}
    if country not in by_code:
        raise KeyError(f"unknown country {country!r}; use an ISO3 code from params/study.yml")
    c = by_code[country]
    if not c.conversations:
        return tr("No conversations with young survivors were held in {country}, so this report draws only on the "
                  "frontline workers' survey and the expert roundtable.", country=name(c))
    n = int(participants.loc[participants["country"] == country, "participant_id"].nunique())
    return tr("Conversations were held with {n} young survivors in {country}.", n=n, country=name(c))


@dataclass(frozen=True)
class Evidence:
    """What one report can state as the evidence behind a recommendation.

    A report builds it from what its runs published (:meth:`perspectives.report.Section.recommendations`):
    every count goes through the theme tables' small-cell masks, every finding is a sentence
    whose numbers the section runs recorded.

    Attributes:
        participants: young people who held a conversation in the report's place (0: none held).
        theme_count: a theme code -> how many of them raised it, or None when withheld.
        theme_table: a theme code -> the stem of the table that shows its count (for
            ``[[table:STEM]]``), or None.
        finding: (result, template) -> the finding filled and followed by where it is shown
            (Markdown), or None when its values are withheld or not shown there.
    """

    participants: int
    theme_count: Callable[[str], int | None]
    theme_table: Callable[[str], str | None] = lambda code: None
    finding: Callable[[str, str], str | None] = lambda result, template: None


def counted_evidence(country: str | None, conversations: pd.DataFrame, participants: pd.DataFrame,
                     study_path: Path | str | None = None, *, project: Project | None = None) -> Evidence:
    """Evidence from the conversations as they are, counts unmasked (for use outside a report).

    A report never uses this: its counts go through the theme tables' masks.
    """
    _, synthesis = _study(study_path, project)
    whole = country is None or country == synthesis
    scope = conversations if whole else conversations[conversations["country"] == country]
    people = participants if whole else participants[participants["country"] == country]
    raisers, order = _raisers(scope), _country_order(scope["country"], study_path, project)
    return Evidence(participants=int(people["participant_id"].nunique()),
                    theme_count=lambda code: int(_count_by_country(raisers, code, order).sum()))


def _label(text: str) -> str:
    """A title as a heading or inside a sentence: without its closing full stop."""
    return text.strip().rstrip(".")


def _theme_lines(texts: Any, themes: list[str], evidence: Evidence, codebook: Codebook) -> list[str]:
    """What young people in the report's place raised, each theme with its count, then those withheld.

    A theme nobody there raised is left out (it is no evidence for the recommendation; the
    theme tables show the zero). Consecutive themes shown in the same table end with one
    reference to it. The themes whose counts are withheld are named together in one
    sentence after the others, with the tables that show them: a sentence each would say
    the same thing again and again where a country's conversations are few.
    """
    lines: list[tuple[str, str | None]] = []
    withheld: list[tuple[str, str | None]] = []
    for code in themes:
        k = evidence.theme_count(code)
        theme = texts.tr(codebook.label(code))
        if k is None:
            withheld.append((theme, evidence.theme_table(code)))
        elif k > 0:  # a theme nobody raised there is no evidence for the recommendation
            line = texts.fill(texts.node("recommendations.evidence.theme"), theme=theme, n_raised=k,
                              n_participants=evidence.participants)
            if line:
                lines.append((line, evidence.theme_table(code)))
    out = []
    for i, (line, table) in enumerate(lines):
        following = lines[i + 1][1] if i + 1 < len(lines) else None
        out.append(_see_tables(texts, line, [table]) if table is not None and table != following else line)
    if withheld:
        line = texts.fill(texts.node("recommendations.evidence.themes_withheld"), n_themes=len(withheld),
                          themes=locales.join([theme for theme, _ in withheld], texts.tr.lang))
        if line:
            out.append(_see_tables(texts, line, [table for _, table in withheld]))
    return out


def _see_tables(texts: Any, line: str, tables: list[str | None]) -> str:
    """A sentence followed by the tables that show what it states (none, one or several)."""
    stems = list(dict.fromkeys(t for t in tables if t is not None))
    if not stems:
        return line
    markers = [_markdown(f"[[table:{stem}]]") for stem in stems]
    if len(markers) == 1:
        referenced = texts.text("recommendations.evidence.survey_table", finding=_markdown(line),
                                table_number=markers[0])
    else:
        referenced = texts.text("recommendations.evidence.survey_tables", finding=_markdown(line),
                                table_numbers=_markdown(locales.join(markers, texts.tr.lang)))
    return referenced or line


def _markdown(text: str) -> Any:
    from perspectives.texts import Markdown

    return Markdown(text)


def _evidence(texts: Any, entry: dict[str, Any], evidence: Evidence, codebook: Codebook,
              insights: dict[str, dict[str, Any]]) -> str | None:
    """The evidence behind a recommendation, in sentences: young people first, then the survey, then the experts."""
    said = _theme_lines(texts, entry.get("themes", []), evidence, codebook) if evidence.participants else []
    for finding in entry.get("findings", []) or []:
        filled = evidence.finding(str(finding["result"]), str(finding["text"]))
        if filled:
            said.append(filled)
    for insight in entry.get("insights", []) or []:
        line = texts.text("recommendations.evidence.roundtable", insight_title=_label(texts.tr(insights[insight]["title"])))
        if line:
            said.append(line)
    if not said:
        return None
    return f"**{markdown_text(texts.tr('Evidence:'))}** " + " ".join(said)


def _default_texts(country: str | None, study_path: Path | str | None, project: Project | None = None) -> Any:
    """English texts for a rendering outside a report (the report passes its own)."""
    from perspectives.i18n import Translator
    from perspectives.texts import Texts, report_fields

    project = default(project)
    study = load_study(study_path) if study_path else project.study
    tr = Translator("en", project=project)
    code = country or study.synthesis_code
    place = tr.country(code) if code != study.synthesis_code else tr.plural(
        "the {count} countries", sum(1 for c in study.countries if c.conversations))
    from perspectives.disclosure import WITHHELD_MARK

    texts = Texts(tr, report_fields(study, tr, code, place=place))
    texts.fields["withheld_mark"] = WITHHELD_MARK
    return texts


def _check_findings(path: Path, rec: dict[str, Any]) -> None:
    """A recommendation's findings: each a result and a sentence whose fields are recorded values or the place."""
    for finding in rec.get("findings", []) or []:
        if not isinstance(finding, dict) or not str(finding.get("result", "")).strip() or not str(
                finding.get("text", "")).strip():
            raise QualitativeDataError(path, f"recommendation {rec['number']}: a finding needs a result and a text",
                                       "write `- result: <analysis id>` and `text: \"...\"`", column="findings")
        fields = {name for _, name, _, _ in string.Formatter().parse(str(finding["text"])) if name is not None}
        bad = sorted(f for f in fields if f != "place" and not (f.startswith("v[") and f.endswith("]")))
        if bad:
            raise QualitativeDataError(path, f"recommendation {rec['number']}: a finding uses {bad}",
                                       "use {place} and recorded values as {v[name]}", column="findings")


def _check_links(path: Path, entry_id: str, entry: dict[str, Any], codebook: Codebook) -> None:
    bad = [t for t in entry.get("themes", []) if t not in codebook]
    if bad:
        raise QualitativeDataError(path, f"{entry_id}: unknown theme code(s) {bad}", "use codes from the codebook",
                                   column="themes")
    bad = [s for s in entry.get("survey_items", []) if s not in SURVEY_ITEMS]
    if bad:
        raise QualitativeDataError(path, f"{entry_id}: unknown survey item(s) {bad}",
                                   "use the instrument's item names", column="survey_items")


def load_roundtable(path: Path | str | None = None, codebook: Codebook | None = None, *,
                    project: Project | None = None) -> list[dict[str, Any]]:
    """Read and validate the roundtable insights and their evidence links (default: the project's file)."""
    path = Path(path) if path is not None else default(project).path(ROUNDTABLE_FILE)
    codebook = codebook if codebook is not None else load_codebook(project=project)
    insights = _read_yaml(path)["insights"]
    ids = [str(item.get("id", "")) for item in insights]
    if len(set(ids)) != len(ids):
        raise QualitativeDataError(path, "two insights share an id", "give each insight its own id", column="id")
    for item in insights:
        for key in ("id", "title", "text"):
            if not str(item.get(key, "")).strip():
                raise QualitativeDataError(path, f"an insight has no {key}", f"add {key}", column=key)
        _check_links(path, item["id"], item, codebook)
    return insights


def roundtable_experts(path: Path | str | None = None, *, project: Project | None = None) -> int | None:
    """How many experts took part in the roundtable (``experts:``), or None when not recorded."""
    path = Path(path) if path is not None else default(project).path(ROUNDTABLE_FILE)
    experts = _read_yaml(path).get("experts")
    if experts is None:
        return None
    if isinstance(experts, bool) or not isinstance(experts, int) or experts < 1:
        raise QualitativeDataError(path, f"experts is {experts!r}", "write the number of experts, e.g. experts: 19",
                                   column="experts")
    return experts


def load_recommendations(path: Path | str | None = None, codebook: Codebook | None = None, *,
                         project: Project | None = None) -> list[dict[str, Any]]:
    """Read and validate the recommendations: groups of numbered items with evidence links."""
    path = Path(path) if path is not None else default(project).path(RECOMMENDATIONS_FILE)
    codebook = codebook if codebook is not None else load_codebook(project=project)
    groups = _read_yaml(path)["groups"]
    numbers = []
    for group in groups:
        for rec in group["items"]:
            for key in ("number", "title", "text"):
                if not str(rec.get(key, "")).strip():
                    raise QualitativeDataError(path, f"a recommendation has no {key}", f"add {key}", column=key)
            if not isinstance(rec.get("claim_ids", []), list):
                raise QualitativeDataError(path, f"recommendation {rec['number']}: claim_ids is not a list",
                                           "write claim_ids: []", column="claim_ids")
            _check_links(path, f"recommendation {rec['number']}", rec, codebook)
            _check_findings(path, rec)
            numbers.append(int(rec["number"]))
    if numbers != list(range(1, len(numbers) + 1)):
        raise QualitativeDataError(path, f"recommendations are numbered {numbers}", "number them 1, 2, 3 ... in order")
    return groups


def _inputs(conversations: pd.DataFrame | None, participants: pd.DataFrame | None,
            codebook: Codebook | None, project: Project | None) -> tuple[pd.DataFrame, pd.DataFrame, Codebook]:
    codebook = codebook if codebook is not None else load_codebook(project=project)
    participants = participants if participants is not None else load_participants(codebook=codebook,
                                                                                   project=project)
    conversations = conversations if conversations is not None else load_conversations(
        codebook=codebook, participants=participants, project=project)
    return conversations, participants, codebook


def render_roundtable(country: str | None = None, *, texts: Any = None, path: Path | str | None = None,
                      study_path: Path | str | None = None, project: Project | None = None) -> str:
    """Markdown of the roundtable's insights: a heading, a sentence, each insight as a paragraph.

    The insights apply across the study's countries, so a national report shows the same ones.
    """
    texts = texts or _default_texts(country, study_path, project)
    out = [f"## {texts.heading('roundtable_insights')}", texts.text("recommendations.roundtable_intro") or ""]
    for item in load_roundtable(path, project=project):
        out.append(f"**{markdown_text(_label(texts.tr(item['title'])))}.** {markdown_text(texts.tr(item['text']))}")
    return "\n\n".join(p for p in out if p) + "\n"


def render_recommendations(country: str | None = None, *, texts: Any = None, evidence: Evidence | None = None,
                           conversations: pd.DataFrame | None = None, participants: pd.DataFrame | None = None,
                           codebook: Codebook | None = None, path: Path | str | None = None,
                           roundtable_path: Path | str | None = None,
                           study_path: Path | str | None = None, project: Project | None = None) -> str:
    """Markdown of the recommendations: by group, each a heading, its text and its evidence in words.

    Args:
        country: the report's country, or None (or the synthesis code) for the synthesis.
        texts: the report's texts (:class:`perspectives.texts.Texts`); English by default.
        evidence: what the report can state (:class:`Evidence`); by default the conversations'
            counts as they are, with no survey findings (outside a report only).
        conversations: the coded conversation segments (default: the study's).
        participants: the conversation participants (default: the study's).
        codebook: the theme codebook (default: the study's).
        path: the recommendations file (default ``data/recommendations.yml``).
        roundtable_path: the roundtable's insights, which recommendations name (default ``data/roundtable.yml``).
        study_path: the study file.
        project: the study folder (default: the one around the working directory).

    Raises:
        QualitativeDataError: a recommendation names an insight the roundtable file does not have.

    Returns:
        Markdown: a level-2 heading per group with its sentence, a level-3 heading per
        recommendation, its text, then a paragraph of evidence (theme counts, findings with
        the figure or table that shows them, related points of the roundtable). No theme,
        item or value is named by its code.
    """
    conversations, participants, codebook = _inputs(conversations, participants, codebook, project)
    texts = texts or _default_texts(country, study_path, project)
    evidence = evidence or counted_evidence(country, conversations, participants, study_path, project=project)
    insights = {i["id"]: i for i in load_roundtable(roundtable_path, codebook, project=project)}
    groups = load_recommendations(path, codebook, project=project)
    unknown = sorted({str(i) for g in groups for r in g["items"] for i in r.get("insights", []) or []} - set(insights))
    if unknown:
        raise QualitativeDataError(Path(path or default(project).path(RECOMMENDATIONS_FILE)),
                                   f"unknown roundtable insight(s) {unknown}",
                                   "use ids of data/roundtable.yml", column="insights")
    out = []
    if evidence.participants and texts.has("recommendations.young_people_intro"):
        out.append(texts.text("recommendations.young_people_intro") or "")
    for group in groups:
        out.append(f"## {markdown_text(texts.tr(group['title']))}")
        sentence = f"recommendations.groups.{group['id']}"
        if texts.has(sentence):
            out.append(texts.text(sentence) or "")
        for rec in group["items"]:
            out.append(f"### {int(rec['number'])}. {markdown_text(_label(texts.tr(rec['title'])))}")
            out.append(markdown_text(texts.tr(rec["text"])))
            said = _evidence(texts, rec, evidence, codebook, insights)
            if said:
                out.append(said)
    return "\n\n".join(p for p in out if p) + "\n"


# ------------------------------------------------------------------------------ report glue

def has_conversations(country: str | None, study_path: Path | str | None = None, *,
                      project: Project | None = None) -> bool:
    """Whether conversations were held in ``country`` (the synthesis always has some)."""
    countries, synthesis = _study(study_path, project)
    if country is None or country == synthesis:
        return any(c.conversations for c in countries)
    return any(c.iso3 == country and c.conversations for c in countries)


def participant_summary(participants: pd.DataFrame, country: str | None = None
                        ) -> tuple[pd.DataFrame, list[tuple[str, int, int]]]:
    """Counts the report prints about who took part: by country and gender, and age ranges.

    Returns a table (country x gender counts, before disclosure control) and the values to
    record as ``(name, value, n)``. Ages are reported as ranges only.
    """
    scope = participants if country is None else participants[participants["country"] == country]
    if scope.empty:
        return pd.DataFrame(), []
    table = pd.crosstab(scope["country"], scope["gender"]).reindex(columns=["female", "male"], fill_value=0)
    table["total"] = table.sum(axis=1)
    values: list[tuple[str, int, int]] = []
    n = int(len(scope))
    values.append(("conversations.participants.n", n, n))
    for gender in ("female", "male"):
        values.append((f"conversations.{gender}.n", int((scope["gender"] == gender).sum()), n))
    for iso3, row in table.iterrows():
        values.append((f"conversations.{iso3}.n", int(row["total"]), n))
    for column in ("age_at_conversation", "age_first_targeted"):
        values.append((f"conversations.{column}.min", int(scope[column].min()), n))
        values.append((f"conversations.{column}.max", int(scope[column].max()), n))
    return table, values


def section_excerpts(conversations: pd.DataFrame, codebook: Codebook, section_id: str, country: str | None = None,
                     k: int = 3, seed: int = 20210726, *, project: Project | None = None
                     ) -> tuple[list[str], pd.DataFrame]:
    """Up to ``k`` screened, consented excerpts for a section (one per top theme at most).

    Returns the excerpts and a log with one row per theme: considered, without consent,
    blocked, passed (no excerpt text).
    """
    excerpts: list[str] = []
    rows = []
    scope = conversations if country is None else conversations[conversations["country"] == country]
    top_level = [code for code in codebook.in_section(section_id) if codebook.codes[code].level == 1]
    for theme in top_level or codebook.in_section(section_id):
        chosen, log = select_excerpts(scope, theme, None, k=1, seed=seed, codebook=codebook, project=project)
        rows.append({"theme": theme, "considered": log.considered, "without_consent": log.without_consent,
                     "blocked": log.blocked, "passed": log.passed})
        for text in chosen:
            if text not in excerpts and len(excerpts) < k:
                excerpts.append(text)
    return excerpts, pd.DataFrame(rows, columns=["theme", "considered", "without_consent", "blocked", "passed"])
