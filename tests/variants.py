"""Exports of the embedded synthetic data rewritten the way partners' tools and programs write them.

Each function takes the embedded export (``data/synthetic/survey_export.csv``) as rows of text
and writes one variant into a temporary folder: another separator, encoding or line ending,
group paths, tool system columns, select-multiple as option columns with various truth values,
a workbook with a cover sheet or a title row, an SPSS file with numeric codes and value labels.
The tests then read the variant and compare it, cell by cell, with the reading of the embedded
export itself: the only independent source of the right reading.

Group paths are taken from the XLSForm's text source with the csv module here, not from
``perspectives.instrument``, so a mistake in the library's group bookkeeping cannot hide itself.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
import zipfile
from functools import lru_cache
from pathlib import Path

import pandas as pd

from perspectives.readers import SurveyData, load_survey
from perspectives.study import repo_root

ROOT = repo_root()
EMBEDDED = ROOT / "data" / "synthetic" / "survey_export.csv"
SURVEY_SHEET = ROOT / "data" / "instrument" / "survey.csv"
CHOICES_SHEET = ROOT / "data" / "instrument" / "choices.csv"
FIXTURES = Path(__file__).parent / "fixtures" / "partner_exports"

Rows = list[list[str]]


@lru_cache(maxsize=1)
def embedded_table() -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """(header, rows) of the embedded export, as text."""
    with EMBEDDED.open(encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    return tuple(records[0]), tuple(tuple(r) for r in records[1:])


def table() -> tuple[list[str], Rows]:
    """A fresh, mutable copy of the embedded export's header and rows."""
    header, rows = embedded_table()
    return list(header), [list(r) for r in rows]


@lru_cache(maxsize=1)
def reference() -> SurveyData:
    """The reading of the embedded export: what every readable variant must reproduce."""
    return load_survey(EMBEDDED)


def assert_same_reading(survey: SurveyData, same_ids: bool = True) -> None:
    """Eligible completes cell by cell (dtypes included) and the exclusion log, as the embedded export's."""
    expected = reference()
    got, want = survey.eligible, expected.eligible
    if not same_ids:
        got, want = got.drop(columns="respondent_id"), want.drop(columns="respondent_id")
    pd.testing.assert_frame_equal(got, want)
    pd.testing.assert_frame_equal(survey.exclusions, expected.exclusions)


@lru_cache(maxsize=1)
def group_paths() -> dict[str, tuple[str, ...]]:
    """Question name -> enclosing groups, read from the XLSForm's survey sheet."""
    paths: dict[str, tuple[str, ...]] = {}
    stack: list[str] = []
    with SURVEY_SHEET.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            kind = row["type"].split(" ")[0]
            if kind == "begin_group":
                stack.append(row["name"])
            elif kind == "end_group":
                stack.pop()
            elif row["name"]:
                paths[row["name"]] = tuple(stack)
    return paths


@lru_cache(maxsize=1)
def select_multiple_codes() -> dict[str, list[str]]:
    """Select-multiple question -> its option codes in form order, from the XLSForm sheets."""
    lists: dict[str, list[str]] = {}
    with CHOICES_SHEET.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            lists.setdefault(row["list_name"], []).append(row["name"])
    out = {}
    with SURVEY_SHEET.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            kind, _, list_name = row["type"].partition(" ")
            if kind == "select_multiple":
                out[row["name"]] = lists[list_name]
    return out


# --------------------------------------------------------------------------- writers


def write_text(header: list[str], rows: Rows, path: Path, delimiter: str = ",", encoding: str = "utf-8",
               newline: str = "\n", extra_lines: tuple[str, ...] = (), title: str | None = None) -> Path:
    """A delimited text file; ``extra_lines`` are appended verbatim (e.g. empty rows)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    if title is not None:
        buffer.write(title + newline)
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue() + "".join(line + newline for line in extra_lines)
    path.write_bytes(text.encode(encoding))
    return path


def with_group_paths(header: list[str], separator: str) -> list[str]:
    """Headers as Kobo ('/' or '.') or ODK Central ('-') write questions inside groups."""
    paths = group_paths()
    return [separator.join((*paths.get(name, ()), name)) if paths.get(name) else name for name in header]


# A partner's copy of the form whose pages (groups shown one screen at a time) wrap the study's
# own groups, and two of its ungrouped questions: page -> what it wraps (a group or a question).
PAGES = {"country": "p1_start", "consent": "p1_start", "eligibility": "p2_screening", "about_you": "p3_profile",
         "caseload": "p3_profile", "boys_cases": "p4_cases", "girls_cases": "p4_cases", "offenders": "p4_cases",
         "context": "p5_views", "government": "p5_views", "scenarios": "p5_views"}


def with_nested_paths(header: list[str], separator: str, pages: dict[str, str] | None = None,
                      drop_group: str | None = None) -> list[str]:
    """Headers as the tools write a form whose pages wrap its groups: the full path of every column.

    ODK Central joins the page, the group and the name with '-' (``p3_profile-about_you-gender``);
    Kobo with '/' or '.'. An option column (``services/legal``) keeps its option after the path.
    ``drop_group`` leaves that group out of the paths (a form that renamed it away).
    """
    paths, multi = group_paths(), select_multiple_codes()
    pages = PAGES if pages is None else pages
    out = []
    for name in header:
        base, slash, code = name.partition("/")
        if not (slash and base in multi):
            base, code = name, ""
        groups = paths.get(base, ())
        page = pages.get(groups[0] if groups else base)
        kept = tuple(g for g in groups if g != drop_group)
        path = separator.join((*((page,) if page else ()), *kept, base))
        out.append(f"{path}/{code}" if code else path)
    return out


def odk_central(header: list[str], rows: Rows, pages: dict[str, str] | None = None) -> tuple[list[str], Rows]:
    """ODK Central's CSV export as its backend writes it (``lib/data/briefcase.js`` of central-backend).

    ``SubmissionDate`` first; every field under its full group path, groups joined with '-'
    (the outer pages of ``pages`` included); ``meta-instanceID``, ``KEY`` and Central's own
    columns last. The study's ``respondent_id`` is not a field of the form, so it is left out: the
    reader takes ``KEY`` (derived here from the study's id, so that two exports match row by row).
    """
    index = header.index("respondent_id")
    fields = [h for i, h in enumerate(header) if i != index]
    central = ["SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState",
               "DeviceID", "Edits", "FormVersion"]
    names = ["SubmissionDate", *with_nested_paths(fields, "-", pages if pages is not None else {}),
             "meta-instanceID", "KEY", *central]
    out = []
    for n, row in enumerate(rows):
        rid = row[index]
        key = f"uuid:{uuid.uuid5(uuid.NAMESPACE_URL, rid)}"
        out.append([f"2021-05-{1 + n % 28:02d}T10:00:00.000Z", *(v for i, v in enumerate(row) if i != index), key, key,
                    "7", "Field team", "0", "0", "", "approved", "", "0", "2021050101"])
    return names, out


def kobo_system(header: list[str], rows: Rows, keep: tuple[str, ...] = ("_id", "_uuid")) -> tuple[list[str], Rows]:
    """Kobo's layout: no study id, start/end first, Kobo's own columns last (ids derived from the study's)."""
    index = header.index("respondent_id")
    names = ["start", "end"] + [h for i, h in enumerate(header) if i != index]
    system = {"_id": lambda n, rid: str(1000 + n), "_uuid": lambda n, rid: str(uuid.uuid5(uuid.NAMESPACE_OID, rid)),
              "_submission_time": lambda n, rid: "2021-05-01T10:00:00", "_validation_status": lambda n, rid: "",
              "_index": lambda n, rid: str(n + 1), "meta/instanceID": lambda n, rid: f"uuid:{rid}",
              "KEY": lambda n, rid: f"uuid:{uuid.uuid5(uuid.NAMESPACE_URL, rid)}",
              "meta-instanceID": lambda n, rid: f"uuid:{uuid.uuid5(uuid.NAMESPACE_X500, rid)}",
              "instanceID": lambda n, rid: f"uuid:{uuid.uuid5(uuid.NAMESPACE_DNS, rid)}"}
    out = []
    for n, row in enumerate(rows):
        rid = row[index]
        minute = n % 50
        start = f"2021-05-01T09:{minute:02d}:00.000+02:00"
        end = f"2021-05-01T10:{(minute + 12) % 60:02d}:00.000+02:00"
        out.append([start, end] + [v for i, v in enumerate(row) if i != index] + [system[k](n, rid) for k in keep])
    return names + list(keep), out


def option_columns(header: list[str], rows: Rows, true: str = "1", false: str = "0", keep_single: bool = False,
                   separator: str = "/") -> tuple[list[str], Rows]:
    """Each select-multiple as one column per option (``false=''`` gives the 1/empty style)."""
    codes = select_multiple_codes()
    new_header: list[str] = []
    plan: list[tuple[int, str | None]] = []
    for i, name in enumerate(header):
        if name in codes:
            if keep_single:
                new_header.append(name)
                plan.append((i, None))
            for code in codes[name]:
                new_header.append(f"{name}{separator}{code}")
                plan.append((i, code))
        else:
            new_header.append(name)
            plan.append((i, None))
    out = []
    for row in rows:
        cells = []
        for i, code in plan:
            if code is None:
                cells.append(row[i])
            else:
                ticked = row[i].split()
                cells.append("" if not row[i] else (true if code in ticked else false))
        out.append(cells)
    return new_header, out


def write_zip(members: dict[str, bytes], path: Path) -> Path:
    """A zip archive such as ODK Central's ``.csv.zip``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def write_xlsx(header: list[str], rows: Rows, path: Path, typed: bool = True, cover: bool = False,
               title_rows: int = 0, sheet: str = "data") -> Path:
    """A workbook as Excel saves one: numbers as numbers, optional cover sheet and title rows."""
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    if cover:
        first.title = "README"
        first.append(["Survey export prepared by the data officer"])
        first.append(["The data are on the next sheet."])
        data = workbook.create_sheet(sheet)
    else:
        first.title = sheet
        data = first
    for n in range(title_rows):
        data.append([f"Frontline workers' survey, export {n + 1}"])
    data.append(header)
    for row in rows:
        data.append([_typed(v) if typed else (v if v != "" else None) for v in row])
    workbook.save(path)
    return path


def _typed(value: str) -> object:
    """A cell as Excel stores it: whole numbers as numbers (never codes such as '0_5'), the rest as text."""
    if value == "":
        return None
    return int(value) if re.fullmatch(r"-?\d+", value) else value
