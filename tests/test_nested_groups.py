"""Exports of a form whose pages wrap the study's groups read as the flat export does.

A partner's copy of the form may show the questions page by page, each page a group wrapping
the study's own groups (``p3_profile`` around ``about_you``). ODK Central then names every
column by its full path joined with '-' (``p3_profile-about_you-gender``; its backend builds the
header from each field's path, ``lib/data/briefcase.js``), Kobo with '/' or '.'. The exports are
written here the way the tools write them (``variants.odk_central``, ``variants.with_nested_paths``,
group paths taken from the XLSForm's text, not from the library) and must read, cell by cell, as
the embedded export and as the same tool's export of the flat form.
"""

from __future__ import annotations

import pandas as pd
import pytest
from variants import (
    PAGES,
    assert_same_reading,
    kobo_system,
    odk_central,
    option_columns,
    table,
    with_nested_paths,
    write_text,
)

from perspectives.check import render, run_check
from perspectives.readers import DataError, load_survey


def test_odk_central_export_of_a_form_whose_pages_wrap_groups_reads_as_the_flat_one(tmp_path):
    flat = load_survey(write_text(*odk_central(*table()), tmp_path / "flat.csv"))
    header, rows = odk_central(*table(), pages=PAGES)
    assert "p3_profile-about_you-gender" in header and "p1_start-country" in header  # as Central writes them
    nested = load_survey(write_text(header, rows, tmp_path / "nested.csv"))
    assert_same_reading(nested, same_ids=False)
    pd.testing.assert_frame_equal(nested.eligible, flat.eligible)  # the ids too: both come from KEY
    pd.testing.assert_frame_equal(nested.exclusions, flat.exclusions)
    assert nested.read.id_column == "KEY" and nested.read.group_separators == ["-"]
    assert nested.read.outer_groups == ["p1_start", "p2_screening", "p3_profile", "p4_cases", "p5_views"]
    assert "columns not in the form" not in nested.read.ignored


@pytest.mark.parametrize("separator", ["/", ".", "-"])
def test_nested_group_paths_with_option_columns_read_as_the_embedded_export(tmp_path, separator):
    # Kobo's default layout (one column and one 0/1 column per option) under pages.
    header, rows = kobo_system(*option_columns(*table(), keep_single=True, separator="/" if separator != "." else "."))
    nested = [h if h in ("_id", "_uuid") else path for h, path in zip(header, with_nested_paths(header, separator),
                                                                        strict=True)]
    if separator == ".":  # Kobo's '.' setting writes the option after a '.' too
        nested = [h.replace("/", ".") for h in nested]
    assert f"p3_profile{separator}about_you{separator}services" in nested
    survey = load_survey(write_text(nested, rows, tmp_path / "nested.csv"))
    assert_same_reading(survey, same_ids=False)
    assert survey.read.select_multiple["services"].startswith("both, cross-checked")


def test_check_says_which_outer_groups_it_read_through(tmp_path):
    path = write_text(*odk_central(*table(), pages=PAGES), tmp_path / "nested.csv")
    result = run_check(path)
    assert result["usable"]
    assert "outer groups it does not have: p1_start, p2_screening, p3_profile, p4_cases, p5_views" in render(result)


def test_a_path_without_the_forms_own_group_is_not_guessed(tmp_path):
    # 'p3_profile-gender' could be another question called gender: the form's own group
    # (about_you) is missing from the path, so the column is not read as the form's gender.
    header, rows = odk_central(*table(), pages=PAGES)
    header = [h.replace("p3_profile-about_you-", "p3_profile-") for h in header]
    with pytest.raises(DataError) as caught:
        load_survey(write_text(header, rows, tmp_path / "renamed.csv"))
    message = str(caught.value)
    assert "questions are missing" in message and "'gender'" in message


def test_a_nested_and_a_flat_copy_of_one_question_are_refused_as_a_duplicate(tmp_path):
    header, rows = odk_central(*table(), pages=PAGES)
    where = header.index("p3_profile-about_you-gender")
    header.append("about_you-gender")
    for row in rows:
        row.append(row[where])
    with pytest.raises(DataError) as caught:
        load_survey(write_text(header, rows, tmp_path / "twice.csv"))
    assert "name the same question" in str(caught.value)
