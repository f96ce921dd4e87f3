"""The survey instrument as data: one XLSForm, read by one function.

Purpose
    The frontline workers' questionnaire lives as plain-text XLSForm sheets in
    ``data/instrument/{survey,choices,settings}.csv`` (readable diffs) and is built into
    ``data/instrument.xlsx`` (what KoboToolbox and ODK import). Everything else in the
    project learns question names, types, answer codes and labels from here.

Inputs
    ``data/instrument/*.csv`` (the source of truth for the questions and answers);
    ``params/study.yml``, which the ``country`` choice list is generated from (one choice per
    study country, labelled in every form language from CLDR), and for a study language
    the sheets have no ``label::`` column for, ``params/i18n/<lang>.yml``: that column is
    added from the catalogue (English label -> translation; blank where untranslated, which
    survey tools show in the default language).

Outputs
    :class:`Instrument` (questions, choice lists, labels); ``build_xlsx`` writes a
    byte-reproducible ``.xlsx``; ``blank_template`` writes an empty data file with the
    columns a raw export must have; ``xform`` converts through pyxform (the validation
    used by the tests).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from perspectives import locales
from perspectives.ooxml import FIXED_TIME, normalise_zip
from perspectives.project import Project, default
from perspectives.study import Study, read_yaml

DEFAULT_LANGUAGE = "English (en)"
# The consent question: a response without 'yes' there is never counted nor analysed.
CONSENT = "consent"
# The form's completion column: 'yes' when a respondent reached the end, empty for a partial response.
COMPLETED = "completed"
ELIGIBILITY = ("elig_adult", "elig_role12m", "elig_caseload12m", "elig_children", "elig_csea")
# Question types that carry an answer in a data export (groups, notes and metadata do not).
ANSWER_TYPES = ("select_one", "select_multiple", "integer", "decimal", "text", "calculate")
# The choice list generated from the study's countries (the sheets must not hold it).
COUNTRY_LIST = "country"
# Columns carrying text in a form language, one per language (``label::Thai (th)``).
TEXT_COLUMNS = ("label", "hint")


@dataclass(frozen=True)
class Choice:
    """One answer option of a choice list."""

    name: str
    labels: dict[str, str]

    @property
    def label(self) -> str:
        """The English label (the choice name if there is none)."""
        return self.labels.get(DEFAULT_LANGUAGE, self.name)


@dataclass(frozen=True)
class Question:
    """One answerable row of the survey sheet."""

    name: str
    type: str
    list_name: str | None
    labels: dict[str, str]
    required: bool
    relevant: str
    constraint: str
    group: str | None
    note: str = ""
    # Enclosing groups, outermost first: how survey tools prefix the column (``about_you/gender``).
    group_path: tuple[str, ...] = ()
    calculation: str = ""

    @property
    def label(self) -> str:
        """The English label (the question name if there is none)."""
        return self.labels.get(DEFAULT_LANGUAGE, self.name)

    @property
    def is_select_one(self) -> bool:
        """Whether the question is a ``select_one``."""
        return self.type == "select_one"

    @property
    def is_select_multiple(self) -> bool:
        """Whether the question is a ``select_multiple``."""
        return self.type == "select_multiple"

    @property
    def is_numeric(self) -> bool:
        """Whether the question is an ``integer`` or a ``decimal``."""
        return self.type in ("integer", "decimal")


@dataclass
class Instrument:
    """The questionnaire: questions in form order and their choice lists."""

    questions: dict[str, Question]
    choices: dict[str, list[Choice]]
    settings: dict[str, str] = field(default_factory=dict)
    languages: tuple[str, ...] = (DEFAULT_LANGUAGE,)
    # Group name -> its ``relevant`` expression (empty when always shown).
    group_relevant: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Question:
        return self.questions[name]

    def codes(self, name: str) -> list[str]:
        """Answer codes of a select question, in form order."""
        question = self.questions[name]
        if question.list_name is None:
            raise ValueError(f"question {name!r} has no choice list")
        return [choice.name for choice in self.choices[question.list_name]]

    def choice_labels(self, name: str, language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
        """Code -> label for a select question (falls back to English, then the code)."""
        question = self.questions[name]
        return {
            choice.name: choice.labels.get(language) or choice.label
            for choice in self.choices[question.list_name or ""]
        }

    def label(self, name: str, language: str = DEFAULT_LANGUAGE) -> str:
        """The question's label, as a respondent saw it."""
        question = self.questions[name]
        return question.labels.get(language) or question.label

    def answer_questions(self) -> list[Question]:
        """Questions whose answers appear as columns of a data export."""
        return [q for q in self.questions.values() if q.type in ANSWER_TYPES]

    def relevance(self, name: str) -> list[str]:
        """Every ``relevant`` expression that must hold for a question to be shown.

        Args:
            name: the question's name.

        Returns:
            The enclosing groups' expressions (outermost first), then the question's own;
            empty ones left out. An empty list means the question is always shown.
        """
        question = self.questions[name]
        chain = [self.group_relevant.get(group, "") for group in question.group_path] + [question.relevant]
        return [expression for expression in chain if expression.strip()]


def _label_columns(header: list[str], prefix: str) -> list[str]:
    return [column for column in header if column.startswith(prefix + "::")]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [dict(row) for row in csv.DictReader(handle)]


def _sheet_rows(source_dir: Path, study: Study, catalogues: Path) -> dict[str, list[dict[str, str]]]:
    """The three sheets as the form is built (``catalogues``: the study's ``params/i18n``).

    The CSVs, plus the study's countries as the ``country`` choices and a text column for
    each study language the CSVs lack.

    Raises:
        ValueError: ``choices.csv`` lists ``country`` choices by hand.
    """
    sheets = {sheet: _read_csv(source_dir / f"{sheet}.csv") for sheet in ("survey", "choices", "settings")}
    if any(row["list_name"] == COUNTRY_LIST for row in sheets["choices"]):
        raise ValueError(f"{source_dir.name}/choices.csv: the {COUNTRY_LIST!r} choices come from "
                         "params/study.yml; remove them from the sheet")
    header = list(sheets["survey"][0]) if sheets["survey"] else []
    have = {column.split("::", 1)[1] for column in header if column.startswith("label::")}
    added = [f"{name} ({code})" for code, name in study.languages.items() if f"{name} ({code})" not in have]
    columns = [*(c for c in header if c.startswith("label::")), *(f"label::{lang}" for lang in added)]
    countries = []
    for country in study.countries:
        row = {"list_name": COUNTRY_LIST, "name": country.iso3}
        for column in columns:
            code = _language_code(column)
            row[column] = country.name if code == "en" else locales.country_name(country.iso3, code)
        countries.append(row)
    sheets["choices"] = countries + sheets["choices"]
    for language in added:
        catalogue = _catalogue_texts(catalogues / f"{_language_code(f'label::{language}')}.yml")
        for sheet in ("survey", "choices"):
            for row in sheets[sheet]:
                for kind in TEXT_COLUMNS:
                    english = row.get(f"{kind}::{DEFAULT_LANGUAGE}")
                    if f"{kind}::{DEFAULT_LANGUAGE}" in row and f"{kind}::{language}" not in row:
                        row[f"{kind}::{language}"] = catalogue.get(english or "", "") if english else ""
    return sheets


def _language_code(column: str) -> str:
    """``label::Spanish (es)`` -> ``es``."""
    return column.rsplit("(", 1)[-1].rstrip(")").strip()


def _catalogue_texts(path: Path) -> dict[str, str]:
    """English -> translation of a language's catalogue (``params/i18n/<lang>.yml``).

    The texts only; empty without a catalogue. The reports read the same file through
    :mod:`perspectives.i18n`.
    """
    if not path.is_file():
        return {}
    texts = {}
    for key, value in (read_yaml(path) or {}).items():
        text = value.get("text") if isinstance(value, dict) else value
        if isinstance(text, str) and text:
            texts[str(key)] = text
    return texts


def _sources(project: Project, source_dir: Path) -> list[Path]:
    """The files a form is made from: its sheets, the study and the study languages' catalogues."""
    return [*(source_dir / f"{sheet}.csv" for sheet in ("survey", "choices", "settings")), project.study_file,
            *(project.catalogues / f"{code}.yml" for code in project.study.languages)]


def load_instrument(source_dir: Path | None = None, *, project: Project | None = None) -> Instrument:
    """The study's XLSForm as an :class:`Instrument`, read once per version of its files.

    Args:
        source_dir: the sheets' folder (default: the project's ``data/instrument``).
        project: the study folder (default: the one around the working directory).
    """
    project = default(project)
    folder = Path(source_dir).resolve() if source_dir else project.instrument_sources
    return project.cached("instrument", folder, lambda: _read_instrument(folder, project),
                          _sources(project, folder))


def _read_instrument(source_dir: Path, project: Project) -> Instrument:
    """Read the XLSForm sheets from their plain-text source into an :class:`Instrument`."""
    sheets = _sheet_rows(source_dir, project.study, project.catalogues)
    survey, choice_rows = sheets["survey"], sheets["choices"]
    label_cols = _label_columns(list(survey[0]), "label")
    languages = tuple(column.split("::", 1)[1] for column in label_cols)

    choices: dict[str, list[Choice]] = {}
    for row in choice_rows:
        labels = {column.split("::", 1)[1]: row[column] for column in label_cols if row.get(column)}
        choices.setdefault(row["list_name"], []).append(Choice(row["name"], labels))

    questions: dict[str, Question] = {}
    groups: list[str] = []  # the open groups, outermost first
    group_relevant: dict[str, str] = {}
    for row in survey:
        kind, _, list_name = row["type"].partition(" ")
        if kind == "begin_group":
            groups.append(row["name"])
            group_relevant[row["name"]] = row.get("relevant", "")
            continue
        if kind == "end_group":
            if groups:
                groups.pop()
            continue
        if not row["name"]:
            continue
        labels = {column.split("::", 1)[1]: row[column] for column in label_cols if row.get(column)}
        questions[row["name"]] = Question(
            name=row["name"],
            type=kind,
            list_name=list_name or None,
            labels=labels,
            required=row.get("required", "").strip().lower() == "yes",
            relevant=row.get("relevant", ""),
            constraint=row.get("constraint", ""),
            group=groups[-1] if groups else None,
            note=row.get("design_note", ""),
            group_path=tuple(groups),
            calculation=row.get("calculation", ""),
        )
    unknown_lists = {q.list_name for q in questions.values() if q.list_name} - set(choices)
    if unknown_lists:
        raise ValueError(f"instrument: choice lists used but not defined: {sorted(unknown_lists)}")
    settings = sheets["settings"][0] if sheets["settings"] else {}
    return Instrument(questions, choices, settings, languages, group_relevant)


def workbook_bytes(project: Project, source_dir: Path | None = None) -> bytes:
    """The XLSForm workbook's bytes (reproducible), from the project's sheets or ``source_dir``."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    sheets = _sheet_rows(Path(source_dir) if source_dir else project.instrument_sources, project.study,
                         project.catalogues)
    for sheet, rows in sheets.items():
        worksheet = workbook.create_sheet(sheet)
        header = list(rows[0]) if rows else []
        worksheet.append(header)
        for row in rows:
            worksheet.append([row.get(column, "") for column in header])
    workbook.properties.creator = "perspectives"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    raw = io.BytesIO()
    workbook.save(raw)
    return normalise_zip(raw.getvalue())


def build_xlsx(path: Path | None = None, source_dir: Path | None = None, *, project: Project | None = None) -> Path:
    """Write the XLSForm workbook (survey, choices, settings) reproducibly; return its path.

    Args:
        path: where (default: the project's ``data/instrument.xlsx``).
        source_dir: the sheets' folder (default: the project's ``data/instrument``).
        project: the study folder (default: the one around the working directory).
    """
    project = default(project)
    target = Path(path) if path else project.instrument_form
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(workbook_bytes(project, source_dir))
    return target


def xform(path: Path | None = None, *, project: Project | None = None) -> tuple[str, list[str]]:
    """Convert the XLSForm with pyxform; return the XForm XML and pyxform's warnings.

    Args:
        path: the workbook (default: the project's ``data/instrument.xlsx``).
        project: the study folder (default: the one around the working directory).
    """
    from pyxform.xls2xform import convert

    warnings: list[str] = []
    result = convert(xlsform=str(path or default(project).instrument_form), warnings=warnings)
    return result.xform, warnings


def export_columns(instrument: Instrument, id_column: str = "respondent_id") -> list[str]:
    """Columns of a raw export in the instrument's own names (select_multiple as one column)."""
    return [id_column] + [q.name for q in instrument.answer_questions()]


def blank_template(path: Path, instrument: Instrument | None = None, id_column: str = "respondent_id", *,
                   project: Project | None = None) -> Path:
    """Write an empty CSV with the columns a partner's export must have (the project's form by default)."""
    instrument = instrument or load_instrument(project=project)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(export_columns(instrument, id_column))
    return path


def main(argv: list[str] | None = None, project: Project | None = None) -> int:
    """``python -m perspectives.instrument [OUT_DIR]``: write the XLSForm and a blank template.

    Args:
        argv: the arguments after the command.
        project: the study folder (default: the one around the working directory).
    """
    import sys

    from .hints import shown_path

    project = default(project)
    args = sys.argv[1:] if argv is None else argv
    if args:
        out = Path(args[0])
        xlsx = build_xlsx(out / "instrument.xlsx", project=project)
        template = blank_template(out / "data_template.csv", project=project)
    else:
        xlsx = build_xlsx(project=project)
        template = None
    print(f"wrote {shown_path(xlsx)}" + (f" and {shown_path(template)}" if template else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
