"""Reading and cleaning raw exports: the inclusion rule, the layouts, and clear errors on bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import tiny_frame

from perspectives.readers import DataError, load_survey


def test_inclusion_rule_and_exclusion_log(tiny_export):
    survey = load_survey(tiny_export)
    assert len(survey.eligible) == 10
    outcomes = survey.exclusions["outcome"].value_counts().to_dict()
    assert outcomes == {"partial": 2, "disqualified": 2}
    criteria = sorted(survey.exclusions.query("outcome == 'disqualified'")["criterion"])
    assert criteria == ["elig_adult", "elig_children"]
    assert survey.source == {"file": "export.csv", "sha256": survey.source["sha256"], "responses": "14"}
    assert "/" not in survey.source["file"]


def test_multi_select_denominator_is_respondents(tiny_export):
    survey = load_survey(tiny_export)
    frame = survey.multi("barriers")
    assert frame["stigma_shame"].sum() == 10 and frame["fear_response"].sum() == 10
    assert frame["threats"].sum() == 0
    assert survey.eligible["se_share"].dtype.kind in "fi"


def test_one_column_per_option_layout_reads_the_same(tmp_path, tiny_export):
    frame = tiny_frame()
    from perspectives.instrument import load_instrument

    codes = load_instrument().codes("services")
    for code in codes:
        frame[f"services/{code}"] = frame["services"].map(
            lambda v, c=code: np.nan if pd.isna(v) else int(c in str(v).split()))
    frame = frame.drop(columns="services")
    path = tmp_path / "wide.csv"
    frame.to_csv(path, index=False)
    wide = load_survey(path).multi("services")
    long = load_survey(tiny_export).multi("services")
    pd.testing.assert_frame_equal(wide.astype(bool), long.astype(bool))


def test_xlsx_and_sav_exports(tmp_path, tiny_export):
    frame = tiny_frame()
    xlsx = tmp_path / "export.xlsx"
    frame.to_excel(xlsx, index=False)
    assert len(load_survey(xlsx).eligible) == 10
    import pyreadstat

    sav = tmp_path / "export.sav"
    pyreadstat.write_sav(frame.astype(str).replace({"nan": ""}), str(sav))
    assert len(load_survey(sav).eligible) == 10


@pytest.mark.parametrize("encoding, text", [
    ("utf-8-sig", "Punonjëse sociale në Tiranë, ñandú, Iași, Šćepan"),
    ("cp1252", "Punonjëse sociale në Tiranë; niño pequeño; Bogotá"),
    ("latin-1", "Shërbim për fëmijë; atención psicológica en Perú"),
])
def test_encodings_are_read_correctly(tmp_path, encoding, text):
    frame = tiny_frame()
    frame["comments_text"] = frame["comments_text"].astype(object)
    frame.loc[0, "comments_text"] = text
    path = tmp_path / "enc.csv"
    path.write_bytes(frame.to_csv(index=False).encode(encoding))
    survey = load_survey(path)
    assert survey.eligible.loc[0, "comments_text"] == text


def _expect_error(tmp_path, frame: pd.DataFrame | bytes, *fragments: str, name: str = "bad.csv"):
    path = tmp_path / name
    if isinstance(frame, bytes):
        path.write_bytes(frame)
    else:
        frame.to_csv(path, index=False)
    with pytest.raises(DataError) as caught:
        load_survey(path)
    message = str(caught.value)
    assert name in message and "Fix:" in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_missing_column(tmp_path):
    _expect_error(tmp_path, tiny_frame().drop(columns="gender"), "missing", "gender", "What is your gender?")


def test_renamed_column(tmp_path):
    _expect_error(tmp_path, tiny_frame().rename(columns={"area": "Area served"}), "missing", "area")


def test_unknown_code(tmp_path):
    frame = tiny_frame()
    frame.loc[3, "gender"] = "F"
    _expect_error(tmp_path, frame, "unknown answer code", "'F'", "rows 5", "column gender")


def test_value_out_of_range(tmp_path):
    frame = tiny_frame()
    frame.loc[2, "se_share"] = 140
    _expect_error(tmp_path, frame, "out of range", "rows 4", "se_share")


def test_duplicate_respondent_id(tmp_path):
    frame = tiny_frame()
    frame.loc[5, "respondent_id"] = frame.loc[4, "respondent_id"]
    _expect_error(tmp_path, frame, "duplicate", "rows 6, 7")


def test_malformed_multi_select(tmp_path):
    frame = tiny_frame()
    frame.loc[1, "barriers"] = "stigma_shame;fear_response"
    _expect_error(tmp_path, frame, "separated by single spaces", "rows 3", "barriers")


def test_unknown_multi_select_option(tmp_path):
    frame = tiny_frame()
    frame.loc[1, "barriers"] = "stigma_shame fear"
    _expect_error(tmp_path, frame, "unknown option", "fear", "rows 3")


def test_wrong_file_type(tmp_path):
    _expect_error(tmp_path, b"{}", "unsupported file type", name="export.json")


def test_empty_file(tmp_path):
    _expect_error(tmp_path, b"", "empty")


def test_header_only(tmp_path):
    _expect_error(tmp_path, tiny_frame().iloc[:0], "no responses")


def test_not_a_number(tmp_path):
    frame = tiny_frame()
    frame["se_share"] = frame["se_share"].astype(object)
    frame.loc[0, "se_share"] = "about half"
    _expect_error(tmp_path, frame, "not a number", "rows 2")


def test_central_european_code_page(tmp_path):
    frame = tiny_frame()
    frame["comments_text"] = frame["comments_text"].astype(object)
    frame.loc[0, "comments_text"] = "Asistentă socială în Chişinău; Šćepan Đurić, Sarajevo"
    path = tmp_path / "cp1250.csv"
    path.write_bytes(frame.to_csv(index=False).encode("cp1250"))
    assert load_survey(path).eligible.loc[0, "comments_text"] == frame.loc[0, "comments_text"]
