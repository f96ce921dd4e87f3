"""``perspectives check``: what it recognises, counts and flags; exit 0/2; nothing written.

Expected values come from the embedded export's text, counted here with pandas, and from the
changes each test makes to it (a duplicated id, a copied submission, straight-lined grids,
timestamps with known durations).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from variants import EMBEDDED, FIXTURES, kobo_system, table, write_text, write_xlsx

from perspectives.check import rating_grids, render, run_check
from perspectives.cli import main
from perspectives.instrument import load_instrument
from perspectives.study import repo_root

GOV = ["gov_funding", "gov_awareness", "gov_training", "gov_advocacy", "gov_legislation", "gov_services",
       "gov_law_enforcement", "gov_coordination"]
HURDLES = ["elig_adult", "elig_role12m", "elig_caseload12m", "elig_children", "elig_csea"]


def _raw() -> pd.DataFrame:
    return pd.read_csv(EMBEDDED, dtype=str, keep_default_na=False)


def _eligible_mask(raw: pd.DataFrame) -> pd.Series:
    return raw[HURDLES].eq("yes").all(axis=1) & raw["completed"].eq("yes")


def test_counts_per_country_and_exclusion_log_match_the_export(tmp_path):
    raw = _raw()
    eligible = _eligible_mask(raw)
    hurdles_yes = raw[HURDLES].eq("yes").all(axis=1)
    result = run_check(EMBEDDED)
    assert result["usable"] and result["problems"] == []
    for country, group in raw.groupby("country"):
        row = result["countries"][country]
        assert row["eligible"] == int(eligible[group.index].sum())
        assert row["partial"] == int((hurdles_yes & ~eligible)[group.index].sum())
        assert row["disqualified"] == int((~hurdles_yes)[group.index].sum())
    first_unmet = raw[HURDLES].ne("yes").idxmax(axis=1)[~hurdles_yes]
    assert result["exclusions"]["disqualified_by_criterion"] == first_unmet.value_counts().to_dict()


def test_text_says_what_was_recognised_and_normalised(tmp_path, capsys):
    header, rows = kobo_system(*table(), keep=("_id", "_uuid", "_submission_time"))
    rows[0][header.index("gender")] += "\u00a0"
    path = write_text(header, rows, tmp_path / "kobo.csv", delimiter=";", encoding="utf-16", newline="\r\n")
    assert main(["check", str(path)]) == 0
    text = capsys.readouterr().out
    for fragment in ("UTF-16 with byte-order mark", "separator semicolon (';')", "line endings CRLF (Windows)",
                     "header        row 1", "layout        KoboToolbox", "id column     _uuid",
                     "1  spaces or non-breaking spaces around a code removed (gender 1)",
                     "413 eligible and complete", "Result: usable (exit 0)"):
        assert fragment in text, text


def test_workbook_sheet_and_header_row_are_printed(tmp_path, capsys):
    header, rows = table()
    path = write_xlsx(header, rows, tmp_path / "book.xlsx", cover=True, title_rows=2)
    assert main(["check", str(path)]) == 0
    text = capsys.readouterr().out
    assert "sheet         'data' (sheet 2 of 2)" in text and "header        row 3 (2 row(s) above it skipped)" in text


def test_duplicate_ids_are_listed_with_rows_and_the_file_is_not_usable(tmp_path, capsys):
    header, rows = table()
    rows[5][0] = rows[4][0]
    path = write_text(header, rows, tmp_path / "dup.csv")
    assert main(["check", str(path)]) == 2
    text = capsys.readouterr().out
    assert f"duplicate ids: '{rows[4][0]}' (rows 6, 7)" in text
    assert "duplicate respondent ids" in text and "Result: NOT usable (exit 2)" in text


def test_identical_submissions_are_flagged_not_refused(tmp_path):
    header, rows = table()
    raw = _raw()
    first, second = [int(i) for i in raw.index[_eligible_mask(raw)][:2]]
    copy = list(rows[first])
    copy[0] = "R9999"
    rows.append(copy)
    result = run_check(write_text(header, rows, tmp_path / "copy.csv"))
    assert result["usable"]
    assert result["field_checks"]["identical_submissions"] == [{"rows": [first + 2, len(rows) + 1]}]
    assert second + 2 not in result["field_checks"]["identical_submissions"][0]["rows"]


def test_straight_lining_in_the_rating_grid(tmp_path):
    assert rating_grids(load_instrument()) == {"government": GOV}
    header, rows = table()
    raw = _raw()
    eligible = raw[_eligible_mask(raw)]
    already = eligible[GOV].nunique(axis=1).eq(1)
    targets = [int(i) for i in eligible.index[~already][:3]]
    for n in targets:
        for name in GOV:
            rows[n][header.index(name)] = "poor"
    result = run_check(write_text(header, rows, tmp_path / "grid.csv"))
    grid = result["field_checks"]["straight_lining"]["government"]
    assert grid["answered_all"] == len(eligible)
    assert grid["one_answer_to_all"] == int(already.sum()) + 3
    assert {n + 2 for n in targets} <= set(grid["rows"])


def test_interview_duration_from_start_and_end(tmp_path):
    header, rows = kobo_system(*table(), keep=("_uuid",))
    raw = _raw()
    eligible = [int(i) for i in raw.index[_eligible_mask(raw)]]
    start, end = header.index("start"), header.index("end")
    for row in rows:
        row[start] = "2021-05-03T09:00:00.000+02:00"
        row[end] = "2021-05-03T09:20:00.000+02:00"
    rows[eligible[0]][end] = "2021-05-03T09:03:00.000+02:00"   # 3 minutes: too short
    rows[eligible[1]][end] = "2021-05-03T08:50:00.000+02:00"   # ends before it starts
    rows[eligible[2]][end] = "2021-05-05T09:00:00.000+02:00"   # two days
    result = run_check(write_text(header, rows, tmp_path / "timed.csv"))
    duration = result["field_checks"]["duration"]
    assert duration["completes_timed"] == len(eligible) and duration["median_minutes"] == 20.0
    assert duration["short_rows"] == [eligible[0] + 2]
    assert duration["end_before_start_rows"] == [eligible[1] + 2]
    assert duration["longer_than_a_day"] == 1


def test_out_of_range_numbers_are_listed_and_refused(tmp_path):
    header, rows = table()
    raw = _raw()
    n = int(raw.index[_eligible_mask(raw)][0])
    rows[n][header.index("se_share")] = "140"
    result = run_check(write_text(header, rows, tmp_path / "range.csv"))
    assert not result["usable"]
    assert result["field_checks"]["numbers"]["se_share"]["outside_rows"] == [n + 2]
    assert "value out of range" in result["problems"][0]["message"]
    assert "Expected: a value from 0 to 100" in result["problems"][0]["message"]


def test_json_and_text_report_the_same_problems(tmp_path, capsys):
    assert main(["check", "--json", str(FIXTURES / "missing-markers.xlsx")]) == 2
    data = json.loads(capsys.readouterr().out)
    text = render(data)
    assert [p["rows"] for p in data["problems"]] == [[172, 287, 597], [188, 199, 363, 754, 1222]]
    for problem in data["problems"]:
        assert problem["message"] in text


def test_id_column_option(tmp_path):
    header, rows = kobo_system(*table(), keep=("_id", "_uuid"))
    path = write_text(header, rows, tmp_path / "kobo.csv")
    assert run_check(path, id_column="_id")["recognised"]["id_column"] == "_id"
    refused = run_check(path, id_column="nope")
    assert not refused["usable"] and "--id-column" in refused["problems"][0]["message"]


@pytest.mark.parametrize("content, fragment", [
    (b"", "the file is empty"),
    (b"respondent_id,country\n\x00\x01garbage", "zero bytes"),
])
def test_the_installed_command_never_shows_a_traceback_for_a_data_problem(tmp_path, content, fragment):
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    # Run away from the study folder, which is named: nothing may be written where the command runs.
    result = subprocess.run([sys.executable, "-m", "perspectives.cli", "check", "--project", str(repo_root()),
                             str(path)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr + result.stdout
    assert fragment in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.csv"]


def test_identical_submissions_under_new_ids_are_said_by_the_build_as_by_check(tmp_path, capsys):
    from conftest import tiny_frame

    from perspectives.build.preflight import preflight
    from perspectives.readers import load_survey

    frame = tiny_frame()
    frame["comments_text"] = [f"note {i}" if i < 10 else None for i in range(len(frame))]  # no two completes alike
    copies = frame.iloc[[1, 4]].assign(respondent_id=["T101", "T104"])  # sent twice: new ids, same answers
    path = tmp_path / "export.csv"
    pd.concat([frame, copies]).to_csv(path, index=False)
    # Spreadsheet rows: the header is row 1, tiny rows 1 and 4 are rows 3 and 6, the copies rows 16 and 17.
    survey = load_survey(path)
    assert len(survey.eligible) == 12  # counted, never dropped
    assert [str(w) for w in survey.read.warnings] == [
        "2 group(s) of eligible completes give the same answer to every question under different ids (rows 3, 16; "
        "6, 17): each is counted as a respondent; if they are one submission sent twice, delete the copies and "
        "export again"]
    checked = run_check(path)
    assert [g["rows"] for g in checked["field_checks"]["identical_submissions"]] == [[3, 16], [6, 17]]
    capsys.readouterr()
    preflight(path, None)
    err = capsys.readouterr().err
    assert "warning: 2 group(s) of eligible completes give the same answer" in err and "(rows 3, 16; 6, 17)" in err
