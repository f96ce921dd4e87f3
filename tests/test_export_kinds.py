"""Every kind of export partners' tools write, generated from the embedded export, read right or refused.

Each test writes a variant of the embedded synthetic export the way KoboToolbox, ODK Central,
Briefcase, Ona, Excel, pandas or SPSS writes it, and compares the reading with the embedded
export's own reading cell by cell (eligible completes with their dtypes, and the exclusion log),
or checks that the refusal names the true reason, the question, the rows and the fix.
"""

from __future__ import annotations

import codecs
import csv
import io

import pandas as pd
import pytest
from variants import (
    assert_same_reading,
    embedded_table,
    group_paths,
    kobo_system,
    option_columns,
    reference,
    select_multiple_codes,
    table,
    with_group_paths,
    write_text,
    write_xlsx,
    write_zip,
)

from perspectives.readers import DataError, load_survey
from perspectives.study import load_study, repo_root

EMBEDDED = repo_root() / load_study().data["survey"]


def _refused(path, *fragments: str, id_column: str | None = None) -> str:
    with pytest.raises(DataError) as caught:
        load_survey(path, id_column=id_column)
    message = str(caught.value)
    assert path.name in message and "Fix:" in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


def _eligible_rows(rows: list[list[str]], header: list[str]) -> list[int]:
    """Indexes of the embedded export's eligible completes (from the text, independently of the reader)."""
    col = {name: i for i, name in enumerate(header)}
    hurdles = ["elig_adult", "elig_role12m", "elig_caseload12m", "elig_children", "elig_csea"]
    return [n for n, row in enumerate(rows)
            if all(row[col[h]] == "yes" for h in hurdles) and row[col["completed"]] == "yes"]


# --------------------------------------------------------------------------- spreadsheet-saved text


@pytest.mark.parametrize("delimiter, encoding, newline, suffix", [
    (";", "cp1252", "\r\n", ".csv"),       # Excel, Western European locale
    (";", "cp1250", "\r\n", ".csv"),       # Excel, Central European locale
    ("\t", "utf-16", "\r\n", ".txt"),      # Excel's "Unicode text": UTF-16 with BOM, tabs
    ("\t", "utf-8", "\n", ".tsv"),
    (",", "utf-8-sig", "\r\n", ".csv"),    # Excel's "CSV UTF-8": BOM and CRLF
    (",", "utf-16-be", "\n", ".csv"),      # written below with its BOM
    (",", "utf-8", "\r", ".csv"),          # old Mac line endings
])
def test_separators_encodings_and_line_endings(tmp_path, delimiter, encoding, newline, suffix):
    header, rows = table()
    path = tmp_path / f"export{suffix}"
    write_text(header, rows, path, delimiter=delimiter, encoding=encoding, newline=newline)
    if encoding == "utf-16-be":
        path.write_bytes(codecs.BOM_UTF16_BE + path.read_bytes())
    survey = load_survey(path)
    assert_same_reading(survey)
    fmt = survey.read.format
    assert fmt.separator.startswith({";": "semicolon", "\t": "tab", ",": "comma"}[delimiter])
    assert fmt.line_endings == {"\r\n": "CRLF (Windows)", "\n": "LF", "\r": "CR (old Mac)"}[newline]
    if encoding.startswith("utf-16"):
        assert fmt.encoding == "UTF-16 with byte-order mark"
    if encoding == "utf-8-sig":
        assert fmt.encoding == "UTF-8 with byte-order mark"


@pytest.mark.parametrize("encoding, text", [
    ("cp1252", "Punonjëse sociale në Tiranë; niño pequeño; Bogotá"),
    ("cp1250", "Asistentă socială în Chişinău; Šćepan Đurić, Sarajevo"),
    ("utf-16", "Șčepan, Tiranë, Perú"),
])
def test_accented_open_text_is_decoded_as_written(tmp_path, encoding, text):
    """The same text in UTF-8 is the independent reading of the legacy code page."""
    header, rows = table()
    first = _eligible_rows(rows, header)[0]
    rows[first][header.index("comments_text")] = text
    utf8 = load_survey(write_text(header, rows, tmp_path / "utf8.csv"))
    legacy = load_survey(write_text(header, rows, tmp_path / "legacy.csv", delimiter=";", encoding=encoding))
    pd.testing.assert_frame_equal(legacy.eligible, utf8.eligible)
    assert text in set(legacy.eligible["comments_text"].dropna())


def test_utf16_without_byte_order_mark_is_refused_for_that_reason(tmp_path):
    header, rows = table()
    path = write_text(header, rows, tmp_path / "export.csv", encoding="utf-16-le")
    _refused(path, "UTF-16 text without a byte-order mark", "CSV UTF-8")


def test_trailing_and_inner_empty_rows_are_skipped_and_counted(tmp_path):
    header, rows = table()
    empty = ";" * (len(header) - 1)
    rows_with_gap = rows[:10] + [[""] * len(header)] + rows[10:]
    path = write_text(header, rows_with_gap, tmp_path / "export.csv", delimiter=";", newline="\r\n",
                      extra_lines=(empty, empty, "", ""))
    survey = load_survey(path)
    assert_same_reading(survey)
    counts = {n.what: n.cells for n in survey.read.normalisations}
    assert counts["empty rows at the end of the file skipped"] == 4
    assert any(what.startswith("empty rows between responses") and n == 1 for what, n in counts.items())


@pytest.mark.parametrize("cut", ["fewer", "more"])
def test_ragged_rows_are_refused_naming_the_rows(tmp_path, cut):
    header, rows = table()
    rows[4] = rows[4][:-3] if cut == "fewer" else rows[4] + ["x"]
    rows[700] = rows[700][:-1] if cut == "fewer" else rows[700] + ["", "y"]
    path = write_text(header, rows, tmp_path / "export.csv")
    _refused(path, "rows 6, 702", f"the header has {len(header)}")


def test_title_row_above_the_header_is_skipped_and_said(tmp_path):
    header, rows = table()
    path = write_text(header, rows, tmp_path / "export.csv", title="Frontline workers' survey - export of May 2021")
    survey = load_survey(path)
    assert_same_reading(survey)
    assert survey.read.format.header_row == 2


# --------------------------------------------------------------------------- whitespace and missing values


def test_spaces_and_nbsp_around_codes_are_removed_counted_and_never_change_eligibility(tmp_path):
    header, rows = table()
    col = {name: i for i, name in enumerate(header)}
    eligible = _eligible_rows(rows, header)
    changed = 0
    for n in eligible[:9]:
        rows[n][col["elig_csea"]] += " "                     # 'yes ' once moved respondents out
        rows[n][col["gender"]] += "\u00a0"                   # 'female' + NBSP once made a new category
        rows[n][col["respondent_id"]] = " " + rows[n][col["respondent_id"]]
        changed += 3
    for n in eligible[9:12]:
        rows[n][col["services"]] = rows[n][col["services"]].replace(" ", "\u00a0 ")
        rows[n][col["se_share"]] = f" {rows[n][col['se_share']]} "
        changed += 2
    survey = load_survey(write_text(header, rows, tmp_path / "export.csv"))
    assert_same_reading(survey)
    counts = {n.what: n for n in survey.read.normalisations}
    spaces = counts["spaces or non-breaking spaces around a code removed"]
    inner = counts["non-breaking or repeated spaces between select-multiple codes made single spaces"]
    assert spaces.cells + inner.cells == changed
    assert spaces.by_column["elig_csea"] == 9 and spaces.by_column["gender"] == 9


def test_missing_markers_where_the_form_skipped_a_question_read_as_no_answer(tmp_path):
    header, rows = table()
    col = {name: i for i, name in enumerate(header)}
    markers = ["NA", "N/A", "n/a", "-"]
    placed = 0
    for n, row in enumerate(rows):
        for name in ("tech_share", "boys_forms", "girls_age", "comments_text"):
            if row[col[name]] == "" and n % 7 == 0:
                row[col[name]] = markers[placed % 4]
                placed += 1
    survey = load_survey(write_text(header, rows, tmp_path / "export.csv"))
    assert_same_reading(survey)
    total = sum(n.cells for n in survey.read.normalisations if n.what.endswith("read as no answer"))
    assert total == placed > 100


@pytest.mark.parametrize("kind", ["csv", "xlsx", "sav"])
def test_one_missing_value_rule_for_csv_xlsx_and_sav(tmp_path, kind):
    """'N/A' in a required number and 'NA' in a required answer of eligible respondents: refused alike."""
    import pyreadstat

    header, rows = table()
    col = {name: i for i, name in enumerate(header)}
    eligible = _eligible_rows(rows, header)
    for n in eligible[3:5]:
        rows[n][col["se_share"]] = "N/A"
    rows[eligible[8]][col["gender"]] = "NA"
    expected_rows = sorted(n + 2 for n in eligible[3:5])
    if kind == "csv":
        path = write_text(header, rows, tmp_path / "export.csv")
    elif kind == "xlsx":
        path = write_xlsx(header, rows, tmp_path / "export.xlsx")
    else:
        path = tmp_path / "export.sav"
        pyreadstat.write_sav(pd.DataFrame(rows, columns=header), str(path))
        expected_rows = [n - 1 for n in expected_rows]  # SPSS numbers cases from 1, without a header
    message = _refused(path, "required question", "se_share", "gender", "'N/A'", "'NA'")
    word = "cases" if kind == "sav" else "rows"
    assert f"{word} {expected_rows[0]}, {expected_rows[1]}" in message


def test_required_answer_left_empty_by_an_eligible_respondent_is_refused_with_rows(tmp_path):
    header, rows = table()
    col = {name: i for i, name in enumerate(header)}
    eligible = _eligible_rows(rows, header)
    rows[eligible[0]][col["barriers"]] = ""
    rows[eligible[1]][col["barriers"]] = ""
    _refused(write_text(header, rows, tmp_path / "export.csv"), "required question", "column barriers",
             f"rows {eligible[0] + 2}, {eligible[1] + 2}")


def test_excel_error_values_are_refused(tmp_path):
    header, rows = table()
    rows[eligible := _eligible_rows(rows, header)[0]][header.index("org_type")] = "#N/A"
    _refused(write_text(header, rows, tmp_path / "export.csv"), "Excel error values", f"rows {eligible + 2}")


# --------------------------------------------------------------------------- Kobo, ODK, Ona layouts


@pytest.mark.parametrize("separator", ["/", ".", "-"])
def test_group_paths_in_headers(tmp_path, separator):
    header, rows = table()
    survey = load_survey(write_text(with_group_paths(header, separator), rows, tmp_path / "export.csv"))
    assert_same_reading(survey)
    assert survey.read.group_separators == [separator]


@pytest.mark.parametrize("keep, expected_id", [
    (("_id", "_uuid", "_submission_time", "_validation_status", "_index"), "_uuid"),
    (("_id", "_submission_time"), "_id"),
    (("meta-instanceID", "KEY"), "KEY"),
    (("meta-instanceID",), "meta-instanceID"),
    (("instanceID",), "instanceID"),
])
def test_tool_ids_are_used_in_the_documented_order(tmp_path, keep, expected_id):
    header, rows = kobo_system(*table(), keep=keep)
    survey = load_survey(write_text(header, rows, tmp_path / "export.csv"))
    assert_same_reading(survey, same_ids=False)
    assert survey.read.id_column == expected_id
    ids = [row[header.index(expected_id)] for row in rows]
    assert set(survey.eligible["respondent_id"]) <= set(ids)


def test_id_column_override_and_its_refusals(tmp_path):
    header, rows = kobo_system(*table(), keep=("_id", "_uuid", "_index"))
    path = write_text(header, rows, tmp_path / "export.csv")
    survey = load_survey(path, id_column="_index")
    assert_same_reading(survey, same_ids=False)
    assert survey.read.id_column == "_index" and survey.read.id_rule == "given with --id-column"
    _refused(path, "'folio' given with --id-column is not in the file", id_column="folio")
    _refused(path, "'gender' is a question of the form", id_column="gender")
    bare = write_text([h for h in header if h not in ("_id", "_uuid", "_index")],
                      [r[:-3] for r in rows], tmp_path / "bare.csv")
    _refused(bare, "no column identifies the responses", "--id-column")


def test_kobo_default_both_layouts_agree_and_disagreement_is_refused(tmp_path):
    header, rows = option_columns(*table(), keep_single=True)
    assert_same_reading(load_survey(write_text(header, rows, tmp_path / "both.csv")))
    eligible = _eligible_rows(rows, header)
    column = header.index("barriers/threats")
    for n in eligible[:2]:
        rows[n][column] = "1" if rows[n][column] == "0" else "0"
    _refused(write_text(header, rows, tmp_path / "disagree.csv"), "disagree", "column barriers",
             f"rows {eligible[0] + 2}, {eligible[1] + 2}")


@pytest.mark.parametrize("true, false", [("1", "0"), ("True", "False"), ("TRUE", "FALSE"), ("1", ""), ("1.0", "0.0")])
def test_option_columns_with_any_common_truth_values(tmp_path, true, false):
    header, rows = option_columns(*table(), true=true, false=false)
    survey = load_survey(write_text(header, rows, tmp_path / "options.csv"))
    assert_same_reading(survey)
    if true not in ("1",):
        assert any(f"'{true}' read as ticked" in n.what for n in survey.read.normalisations)


def test_option_columns_with_dot_paths_and_groups(tmp_path):
    """Kobo with '.' as its group separator writes about_you.services.legal."""
    header, rows = option_columns(*table(), separator=".")
    survey = load_survey(write_text(with_group_paths(header, "."), rows, tmp_path / "dots.csv"))
    assert_same_reading(survey)


def test_option_rows_half_filled_and_unknown_truth_values_are_refused(tmp_path):
    header, rows = option_columns(*table())
    eligible = _eligible_rows(rows, header)
    rows[eligible[0]][header.index("services/legal")] = ""
    _refused(write_text(header, rows, tmp_path / "half.csv"), "some option columns", f"rows {eligible[0] + 2}")
    header, rows = option_columns(*table())
    rows[eligible[1]][header.index("services/legal")] = "yes"
    _refused(write_text(header, rows, tmp_path / "yes.csv"), "ticked or not ticked", "'yes'")


def test_unknown_option_column_is_refused(tmp_path):
    header, rows = option_columns(*table())
    header[header.index("services/other")] = "services/others"
    _refused(write_text(header, rows, tmp_path / "export.csv"), "'others'", "services")


def test_odk_central_csv_zip_with_repeat_files(tmp_path):
    """Central's download: the form's CSV plus one CSV per repeat group (here an unrelated one first)."""
    header, rows = kobo_system(*table(), keep=("meta-instanceID", "KEY"))
    header = with_group_paths(header, "-")
    main = io.StringIO()
    csv.writer(main, lineterminator="\n").writerows([header, *rows])
    repeat = "PARENT_KEY,KEY,note\nuuid:1,uuid:1/r[1],x\n"
    path = write_zip({"frontline-visits.csv": repeat.encode(), "frontline.csv": main.getvalue().encode()},
                     tmp_path / "frontline.csv.zip")
    survey = load_survey(path)
    assert_same_reading(survey, same_ids=False)
    assert survey.read.id_column == "KEY" and survey.read.format.member.startswith("frontline.csv")


# --------------------------------------------------------------------------- structure


@pytest.mark.parametrize("rename, fragment", [
    ("gender", "appears 2 times"),                  # exact duplicate
    ("gender ", "appears 2 times"),                 # the same once spaces are removed
    ("gender.1", "pandas"),                          # what pandas writes for a second 'gender'
    ("about_you/gender", "name the same question"),  # two spellings of one question
    ("Gender", "only in capitals"),
    ("gender_2", "second copy of question 'gender'"),
])
def test_duplicated_columns_are_refused_naming_the_column(tmp_path, rename, fragment):
    header, rows = table()
    position = header.index("gender")
    header.insert(position + 1, rename)
    for row in rows:
        row.insert(position + 1, "")
    _refused(write_text(header, rows, tmp_path / "export.csv"), fragment, "gender")


@pytest.mark.parametrize("with_groups", [False, True])
def test_labels_export_is_refused_saying_labels_were_exported(tmp_path, with_groups):
    """Kobo's labels export, with or without group labels in the headers ('Eligibility/Are you 18 ...')."""
    from perspectives.instrument import load_instrument

    instrument = load_instrument()
    header, rows = table()
    paths = group_paths()
    labelled = []
    for name in header:
        label = instrument.label(name) if name in instrument.questions else name
        if with_groups and paths.get(name):
            label = "/".join([*(g.replace("_", " ").title() for g in paths[name]), label])
        labelled.append(label)
    _refused(write_text(labelled, rows, tmp_path / "export.csv"), "labels were exported", "XML values")


def test_answers_written_as_labels_are_refused_saying_so(tmp_path):
    header, rows = table()
    column = header.index("gender")
    for row in rows:
        row[column] = {"female": "Woman", "male": "Man"}.get(row[column], row[column])
    _refused(write_text(header, rows, tmp_path / "export.csv"), "written as labels", "'Woman'", "XML values")


def test_numbers_that_are_not_whole_or_use_a_decimal_comma_are_refused(tmp_path):
    header, rows = table()
    eligible = _eligible_rows(rows, header)
    rows[eligible[0]][header.index("se_share")] = "12.5"
    _refused(write_text(header, rows, tmp_path / "a.csv"), "not a whole number", "'12.5'")
    rows[eligible[0]][header.index("se_share")] = "12,5"
    _refused(write_text(header, rows, tmp_path / "b.csv", delimiter=";"), "not a number", "whole numbers from 0 to 100")  # a share in percent (the form's constraint)


def test_completion_column_holds_only_what_the_form_writes(tmp_path):
    header, rows = table()
    eligible = _eligible_rows(rows, header)
    rows[eligible[0]][header.index("completed")] = "1"
    _refused(write_text(header, rows, tmp_path / "export.csv"), "'yes' or empty", "'1'")


# --------------------------------------------------------------------------- workbooks


@pytest.mark.parametrize("cover, title_rows, typed", [(True, 0, True), (False, 2, True), (True, 1, False)])
def test_workbook_sheet_and_header_row_are_found_and_said(tmp_path, cover, title_rows, typed):
    header, rows = table()
    path = write_xlsx(header, rows, tmp_path / "export.xlsx", typed=typed, cover=cover, title_rows=title_rows)
    survey = load_survey(path)
    assert_same_reading(survey)
    fmt = survey.read.format
    assert fmt.sheet == ("'data' (sheet 2 of 2)" if cover else "'data' (sheet 1 of 1)")
    assert fmt.header_row == title_rows + 1


def test_workbook_option_columns_as_excel_booleans(tmp_path):
    header, rows = option_columns(*table(), true="TRUE", false="FALSE")
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([{"TRUE": True, "FALSE": False}.get(v, v) if v != "" else None for v in row])
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    assert_same_reading(load_survey(path))


# --------------------------------------------------------------------------- SPSS


def _spss_frame() -> pd.DataFrame:
    header, rows = embedded_table()
    return pd.DataFrame([list(r) for r in rows], columns=list(header))


def test_spss_numeric_codes_with_value_labels_map_to_the_form(tmp_path):
    """gender as 1/2/3 labelled with the form's answer labels; age_band labelled with the codes."""
    import pyreadstat

    frame = _spss_frame()
    gender_codes = {"female": 1, "male": 2, "other": 3}
    frame["gender"] = frame["gender"].map(gender_codes).astype(float)  # '' -> NaN: system-missing
    bands = ["under_21", "21_30", "31_40", "41_50", "51_plus"]
    frame["age_band"] = frame["age_band"].map({b: i for i, b in enumerate(bands, 1)}).astype(float)
    for name in ("se_share", "tech_share", "boys_online_share"):
        frame[name] = pd.to_numeric(frame[name].replace("", None))
    path = tmp_path / "export.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels={
        "gender": {1: "Woman", 2: "Man", 3: "Another gender or prefer to self-describe"},
        "age_band": {i: b for i, b in enumerate(bands, 1)}})
    survey = load_survey(path)
    assert_same_reading(survey)
    assert survey.read.value_labels["gender"] == {"1": "female", "2": "male", "3": "other"}


def test_spss_unmappable_value_labels_and_unlabelled_numbers_are_refused(tmp_path):
    import pyreadstat

    frame = _spss_frame()
    frame["gender"] = frame["gender"].map({"female": 1, "male": 2, "other": 9}).astype(float)
    path = tmp_path / "export.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"gender": {1: "Woman", 2: "Man", 9: "Refused"}})
    if (frame["gender"] == 9).any():
        _refused(path, "value labels that match no answer", "9 = 'Refused'")
    frame["gender"] = frame["gender"].replace(9, 2)
    pyreadstat.write_sav(frame, str(path))
    _refused(path, "unknown answer code", "'1'", "value label")


def test_spss_user_missing_values_and_empty_strings_read_as_no_answer(tmp_path):
    """-99 declared missing in skipped numbers; empty strings in skipped select-multiples."""
    import pyreadstat

    frame = _spss_frame()
    skipped = frame["tech_share"] == ""
    frame["tech_share"] = pd.to_numeric(frame["tech_share"].where(~skipped, "-99"))
    path = tmp_path / "export.sav"
    pyreadstat.write_sav(frame, str(path), missing_ranges={"tech_share": [-99]})
    survey = load_survey(path)
    assert_same_reading(survey)
    counts = {n.what: n.cells for n in survey.read.normalisations}
    assert counts["values the SPSS file declares user-missing read as no answer"] == int(skipped.sum())
    assert reference().eligible["boys_forms"].notna().sum() == survey.eligible["boys_forms"].notna().sum() == 177


def test_every_select_multiple_is_in_the_generated_layouts():
    """The generators cover every select-multiple question of the form (so each test above covers them all)."""
    from perspectives.instrument import load_instrument

    multi = [q.name for q in load_instrument().answer_questions() if q.is_select_multiple]
    assert sorted(multi) == sorted(select_multiple_codes())


@pytest.mark.parametrize("separator", ["_", "."])
def test_spss_option_columns_and_group_paths_with_the_names_spss_allows(tmp_path, separator):
    """SPSS names cannot hold '/' or '-': option columns arrive as services_legal or services.legal."""
    import pyreadstat

    plain, _ = table()
    header, rows = option_columns(*table(), separator=separator)
    options = [i for i, name in enumerate(header) if name not in plain]
    header = with_group_paths(header, separator) if separator == "." else header
    frame = pd.DataFrame(rows, columns=header)
    for i in options:
        frame[header[i]] = pd.to_numeric(frame[header[i]].replace("", None)).astype(float)
    path = tmp_path / "export.sav"
    pyreadstat.write_sav(frame, str(path))
    assert_same_reading(load_survey(path))


def test_underscore_is_not_an_option_separator_in_text_files(tmp_path):
    """In a CSV, 'services_legal' may be anything (Kobo's 'other, specify' text is 'services_other')."""
    header, rows = option_columns(*table(), separator="_")
    _refused(write_text(header, rows, tmp_path / "export.csv"), "questions are missing", "'services'")


def test_a_workbook_refused_at_its_header_says_which_sheet_and_row_were_read(tmp_path):
    header, rows = table()
    header[header.index("area")] = "Area served"
    path = write_xlsx(header, rows, tmp_path / "export.xlsx", cover=True, title_rows=1)
    _refused(path, "'area'", "header read from row 2 of sheet 'data' (sheet 2 of 2)")


def test_codes_in_another_case_are_refused_for_that_reason(tmp_path):
    """'Male' for 'male', 'mda' for 'MDA': not labels but codes in another case, refused so."""
    frame = pd.read_csv(EMBEDDED, dtype=str, keep_default_na=False)
    frame.loc[frame["gender"] == "male", "gender"] = "Male"
    path = tmp_path / "case.csv"
    frame.to_csv(path, index=False)
    _refused(path, "another case ('Male' for 'male')", "case-sensitive")


def test_numbers_written_otherwise_are_read_and_said(tmp_path):
    """'056' or '56.0' is 56, and the reading says it changed the writing."""
    from perspectives.readers import read_survey

    frame = pd.read_csv(EMBEDDED, dtype=str, keep_default_na=False)
    given = frame["se_share"] != ""
    frame.loc[given, "se_share"] = frame.loc[given, "se_share"].map(lambda v: v.zfill(3) if len(v) < 3 else v + ".0")
    path = tmp_path / "numbers.csv"
    frame.to_csv(path, index=False)
    reading = read_survey(path)
    said = {n.what: n.by_column for n in reading.report.normalisations}
    assert any("leading zeros" in what and cols.get("se_share") == int(given.sum()) for what, cols in said.items())
    embedded = read_survey(EMBEDDED).survey.eligible["se_share"]
    assert reading.survey.eligible["se_share"].equals(embedded)


# --------------------------------------------------------------------------- two tables, formulas


def _tiny_table() -> tuple[list[str], list[list[str]]]:
    """The tiny export of the tests' conftest as header and text rows (empty string: no answer)."""
    from conftest import tiny_frame

    header, *rows = csv.reader(io.StringIO(tiny_frame().to_csv(index=False)))
    return header, rows


def _workbook(path, sheets: dict[str, list[list[object]]]):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append([None if v == "" else v for v in row])
    workbook.save(path)
    return path


def test_two_sheets_under_the_forms_header_are_refused_naming_both(tmp_path):
    header, rows = _tiny_table()
    path = _workbook(tmp_path / "waves.xlsx", {"wave 1": [header, *rows[:7]], "wave 2": [header, *rows[7:]]})
    message = _refused(path, "2 sheets carry the form's header", "'wave 1', 'wave 2'", "one sheet under one header")
    assert "rows" not in message.split(":")[0]


def test_a_kobo_repeat_sheet_beside_the_data_sheet_is_not_a_second_table(tmp_path):
    header, rows = _tiny_table()
    repeat = [["case_age", "case_note", "_index", "_parent_table_name", "_parent_index"],
              *[[str(10 + i), "", i, "data", i] for i in range(1, 9)]]
    path = _workbook(tmp_path / "kobo.xlsx", {"data": [header, *rows], "cases_repeat": repeat})
    survey = load_survey(path)
    assert len(survey.eligible) == 10 and survey.read.format.sheet == "'data' (sheet 1 of 2)"


def test_two_exports_of_the_form_in_one_zip_are_refused_naming_both(tmp_path):
    header, rows = _tiny_table()

    def text(part):
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([header, *part])
        return out.getvalue().encode()

    repeat = b"PARENT_KEY,KEY,note\nuuid:1,uuid:1/r[1],x\n"
    path = write_zip({"wave1.csv": text(rows[:7]), "visits.csv": repeat, "wave2.csv": text(rows[7:])},
                     tmp_path / "waves.csv.zip")
    _refused(path, "2 CSV files carry the form's header", "'wave1.csv', 'wave2.csv'", "one CSV file")


def _formulas(path, column: str, cached: bool):
    """The tiny export as a workbook whose ``column`` holds formulas, with their computed values or without."""
    import re
    import zipfile

    header, rows = _tiny_table()
    at = header.index(column)
    body = [[f"={v}" if j == at and v != "" else v for j, v in enumerate(row)] for row in rows]
    written = _workbook(path.parent / "written.xlsx", {"data": [header, *body]})
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if cached and info.filename.startswith("xl/worksheets/"):
                # What a spreadsheet program saves: the formula and, beside it, the value it computed.
                data, n = re.subn(rb"<f>([0-9.]+)</f><v></v>", rb"<f>\1</f><v>\1</v>", data)
                assert n or "sheet" not in info.filename
            target.writestr(info, data)
    return path, [n + 2 for n, row in enumerate(rows) if row[at] != ""]


def test_formulas_without_their_computed_values_are_refused_naming_column_and_rows(tmp_path):
    path, filled = _formulas(tmp_path / "formulas.xlsx", "tech_share", cached=False)
    with pytest.raises(DataError) as caught:
        load_survey(path)
    problem = caught.value.problems[0]
    assert problem.column == "tech_share" and list(problem.rows) == filled
    assert "formula without its computed value" in problem.problem and "sheet 'data'" in problem.problem
    assert "save it again" in problem.fix and "paste it as values" in problem.fix


def test_formulas_with_their_saved_values_are_read_as_those_values_and_counted(tmp_path):
    path, filled = _formulas(tmp_path / "formulas.xlsx", "tech_share", cached=True)
    header, rows = _tiny_table()
    plain = _workbook(tmp_path / "values.xlsx", {"data": [header, *rows]})
    survey, reference_survey = load_survey(path), load_survey(plain)
    pd.testing.assert_frame_equal(survey.eligible, reference_survey.eligible)
    counts = {n.what: n.by_column for n in survey.read.normalisations}
    said = [what for what in counts if what.startswith("formulas read as the value")]
    assert said and counts[said[0]] == {"tech_share": len(filled)}


@pytest.mark.parametrize("kind", ["csv", "sav", "xlsx"])
def test_control_characters_in_answers_are_refused_naming_question_rows_and_characters(tmp_path, kind):
    header, rows = _tiny_table()
    at = header.index("comments_text")
    rows[0][at] = "see the note \x1b]0;title\x07 here"
    rows[3][at] = "pasted\x0ctext"
    rows[4][at] = "tab\tand\nline breaks are text"
    if kind == "csv":
        path = tmp_path / "export.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows([header, *rows])
    elif kind == "sav":
        import pyreadstat

        path = tmp_path / "export.sav"
        pyreadstat.write_sav(pd.DataFrame(rows, columns=header), str(path))
    else:
        # Excel writes a control character in a cell as the escape _x001B_, which openpyxl reads back.
        path = _workbook(tmp_path / "export.xlsx", {"data": [header, *[
            [v.replace("\x1b", "_x001B_").replace("\x07", "_x0007_").replace("\x0c", "_x000C_") for v in row]
            for row in rows]]})
    with pytest.raises(DataError) as caught:
        load_survey(path)
    problem = caught.value.problems[0]
    word = "cases" if kind == "sav" else "rows"
    assert problem.question == "comments_text" and problem.row_word == word
    assert list(problem.rows) == ([1, 4] if kind == "sav" else [2, 5])
    assert list(problem.values) == ["U+0007", "U+000C", "U+001B"]
    assert "control characters" in problem.problem and "\x1b" not in str(caught.value)
