"""The twelve partner exports of ``tests/fixtures/partner_exports``: each gives its README's outcome.

The files are the embedded synthetic export rewritten as KoboToolbox, ODK Central, Excel and
SPSS write it (synthetic data only). A readable file must read exactly as the embedded export
does: the same eligible completes cell by cell (ids too, unless the tool replaces them), the
same exclusion log. A refused file must be refused for its true reason, through the reader,
through ``perspectives check`` (exit 2) and through ``perspectives build --data`` (exit 2, before
anything is written). Two real builds of the synthesis check that recorded values are identical.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from shared_builds import remembering, view
from variants import FIXTURES, assert_same_reading

from perspectives.build import build
from perspectives.build.preflight import preflight
from perspectives.cli import main
from perspectives.readers import DataError, load_survey
from perspectives.study import load_study, repo_root, report_folder

# file -> the id column the reader must pick (None: the study's own respondent_id)
READABLE = {
    "kobo-system-columns.csv": "_uuid",
    "kobo-both-multiselect-layouts.csv": None,
    "kobo-group-paths.csv": None,
    "odk-central-default.csv": "KEY",
    "excel-semicolon-cp1252.csv": None,
    "excel-trailing-spaces.csv": None,
    "spss-skipped-as-empty.sav": None,
    "split-columns-true-false.csv": None,
    "xlsx-cover-sheet.xlsx": None,
}
# file -> fragments the refusal must hold (the true reason, the question, the rows)
REFUSED = {
    "duplicate-column.csv": ["question 'What is your gender?' (column gender)", "appears 2 times", "columns I and J"],
    "kobo-labels-export.csv": ["labels were exported", "XML values and headers"],
    "missing-markers.xlsx": ["question 'What is your gender?' (column gender), rows 172, 287, 597",
                             "column se_share), rows 188, 199, 363, 754, 1222", "'NA'", "'N/A'", "required question"],
}
ALL_FILES = sorted(p.name for p in FIXTURES.iterdir() if p.name != "README.md")


def test_the_fixtures_are_the_twelve_files_of_the_readme():
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    listed = sorted(line.split("`")[1] for line in readme.splitlines() if line.startswith("| `"))
    assert listed == ALL_FILES == sorted([*READABLE, *REFUSED])


@pytest.mark.parametrize("name", sorted(READABLE))
def test_readable_export_reads_as_the_embedded_export(name):
    survey = load_survey(FIXTURES / name)
    expected_id = READABLE[name]
    assert_same_reading(survey, same_ids=expected_id is None)
    assert survey.read.id_column == (expected_id or "respondent_id")


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_export_is_refused_for_its_true_reason(name):
    with pytest.raises(DataError) as caught:
        load_survey(FIXTURES / name)
    message = str(caught.value)
    assert message.startswith(name) and "Fix:" in message
    for fragment in REFUSED[name]:
        assert fragment in message, message


def test_what_the_readme_says_each_file_needed():
    """The specific quirks are recognised and counted, not merely survived."""
    spaces = load_survey(FIXTURES / "excel-trailing-spaces.csv").read
    assert {n.what: n.cells for n in spaces.normalisations} == {
        "spaces or non-breaking spaces around a code removed": 24}
    sheet = load_survey(FIXTURES / "xlsx-cover-sheet.xlsx").read
    assert sheet.format.sheet == "'data' (sheet 2 of 2)" and sheet.format.header_row == 1
    semicolon = load_survey(FIXTURES / "excel-semicolon-cp1252.csv").read
    assert semicolon.format.separator == "semicolon (';')" and semicolon.format.line_endings == "CRLF (Windows)"
    odk = load_survey(FIXTURES / "odk-central-default.csv").read
    assert odk.tool == "ODK Central or Briefcase" and odk.group_separators == ["-"]
    both = load_survey(FIXTURES / "kobo-both-multiselect-layouts.csv").read
    assert set(both.select_multiple.values()) == {"both, cross-checked"}
    spss = load_survey(FIXTURES / "spss-skipped-as-empty.sav")
    assert spss.eligible["boys_forms"].notna().sum() == 177


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    """The command line in this process (the same entry point as the installed ``perspectives``)."""
    # Run from a folder of the partner's, outside the study folder: the study is named.
    code = main(["--project", str(repo_root()), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("name", ALL_FILES)
def test_check_command_gives_the_outcome_and_writes_nothing(tmp_path, monkeypatch, capsys, name):
    before = sorted(FIXTURES.iterdir())
    monkeypatch.chdir(tmp_path)
    code, out, err = _cli(capsys, "check", "--json", str(FIXTURES / name))
    assert "Traceback" not in err
    report = json.loads(out)
    if name in REFUSED:
        assert code == 2 and report["usable"] is False
        messages = " ".join(p["message"] for p in report["problems"])
        for fragment in REFUSED[name]:
            assert fragment in messages
    else:
        assert code == 0 and report["usable"] is True and report["problems"] == []
        assert report["exclusions"]["eligible"] == 413
        assert report["exclusions"]["partial"] == 408 and report["exclusions"]["disqualified"] == 433
    assert list(tmp_path.iterdir()) == [] and sorted(FIXTURES.iterdir()) == before


@pytest.mark.parametrize("name", sorted(READABLE))
def test_build_preflight_accepts_each_readable_export(name):
    """``build --data`` validates the export with this call before any run starts."""
    preflight(FIXTURES / name, None)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_build_refuses_each_refused_export_before_writing_anything(tmp_path, capsys, name):
    out = tmp_path / "outputs"
    code, _, err = _cli(capsys, "build", "--country", "ALL", "--data", str(FIXTURES / name), "--out", str(out))
    assert code == 2 and "Traceback" not in err
    assert REFUSED[name][0] in err
    assert not out.exists() or not any(out.rglob("*"))


def _values(out: Path) -> dict[tuple[str, str, str], object]:
    values = {}
    for path in sorted((out / "synthesis" / "sections").glob("*/values.json")):
        for item in json.loads(path.read_text(encoding="utf-8")):
            values[(path.parent.name, item["name"], item["country"])] = (item["value"], item["n"])
    return values


@pytest.fixture(scope="module")
def embedded_build(tmp_path_factory, study_build: Path) -> Path:
    """The synthesis built from the embedded export: that of conftest's shared ``study_build``, alone."""
    return view(study_build, tmp_path_factory.mktemp("embedded"), [report_folder("ALL")])


@pytest.mark.parametrize("name, id_column", [("odk-central-default.csv", None), ("kobo-system-columns.csv", "_id")])
def test_synthesis_built_from_a_partner_export_records_the_same_values(tmp_path, monkeypatch, embedded_build, name,
                                                                       id_column, saved_decisions):
    # From the small-cell rule's results a build of the embedded export saved: a table whose
    # cells the partner's export reads otherwise is another layout, its mask searched afresh.
    out = remembering(tmp_path / "outputs", saved_decisions)
    monkeypatch.setenv("PERSPECTIVES_PDF", "0")  # the values and the text files are compared, not the PDF
    # The study's conversations named: a partner's export is never given them unasked.
    result = build(countries=["ALL"], data_path=FIXTURES / name, out=out, jobs=2, id_column=id_column,
                   conversations_path=repo_root() / load_study().data["conversations"])
    assert result.ok, result.summary()
    expected, got = _values(embedded_build), _values(out)
    assert len(expected) > 1000 and got == expected
    # The tool's ids identify rows for the reader only: no output shows one.
    survey = load_survey(FIXTURES / name, id_column=id_column)
    ids = set(survey.eligible["respondent_id"]) | set(load_survey(FIXTURES / name).eligible["respondent_id"])
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".csv", ".md", ".txt"):
            text = path.read_text(encoding="utf-8", errors="replace")
            leaked = [i for i in ids if len(i) > 6 and i in text]
            assert not leaked, f"{path.name} shows respondent ids"


def test_an_export_validated_by_a_previous_build_is_not_read_again(tmp_path, monkeypatch, capsys):
    """The build's record of a validated export: counts only, and read again on any change."""
    from perspectives import readers
    from perspectives.build.plan import FileHasher, LibraryIndex
    from perspectives.build.preflight import VALIDATED_FILE
    from perspectives.study import repo_root

    root, out = repo_root(), tmp_path / "outputs"
    out.mkdir()
    export = tmp_path / "export.csv"
    export.write_bytes((FIXTURES / "excel-trailing-spaces.csv").read_bytes())

    def context() -> dict[str, object]:  # what build() passes: a fresh hasher per build
        return {"out": out, "root": root, "library": LibraryIndex(root / "lib", "perspectives", FileHasher()),
                "lock": root / "requirements.lock"}

    reads: list[object] = []
    real = readers.load_survey
    monkeypatch.setattr(readers, "load_survey", lambda *a, **k: reads.append(a) or real(*a, **k))
    preflight(export, None, **context()).remember()
    said = capsys.readouterr().err
    # The fixture's README: spaces left after codes in 24 answers, read as the clean codes.
    assert "read export.csv: 1254 responses" in said
    assert "normalised: spaces or non-breaking spaces around a code removed (24)" in said
    assert len(reads) == 1
    record = (out / VALIDATED_FILE).read_text(encoding="utf-8")
    assert json.loads(record)["lines"] == said.strip().splitlines() and not re.search(r"R\d{4}", record)

    again = preflight(export, None, **context())
    again.remember()
    assert len(reads) == 1 and capsys.readouterr().err == said  # not read; the same summary

    preflight(export, None, "respondent_id", **context()).remember()  # another id column asked for
    export.write_bytes(export.read_bytes().replace(b"yes ", b"yes", 1))  # another byte
    preflight(export, None, **context()).remember()
    assert len(reads) == 3
    assert "around a code removed (23)" in capsys.readouterr().err

    # The same bytes under another name: the name is part of what was validated (its
    # extension chooses the parser, and the summary names the file).
    renamed = tmp_path / "renamed.csv"
    renamed.write_bytes(export.read_bytes())
    preflight(renamed, None, **context()).remember()
    assert len(reads) == 4 and "read renamed.csv: 1254 responses" in capsys.readouterr().err
    as_dat = tmp_path / "export.dat"
    as_dat.write_bytes(export.read_bytes())
    with pytest.raises(DataError, match="unsupported file type"):
        preflight(as_dat, None, **context())

    refused = tmp_path / "refused.csv"
    refused.write_bytes((FIXTURES / "duplicate-column.csv").read_bytes())
    before = (out / VALIDATED_FILE).read_bytes()
    with pytest.raises(DataError):
        preflight(refused, None, **context())
    assert (out / VALIDATED_FILE).read_bytes() == before


# file -> the survey tool's review column, its value for a submission the reviewers rejected, one that stays data
REVIEWED = {
    "odk-central-default.csv": ("ReviewState", "rejected", "approved"),
    "kobo-system-columns.csv": ("_validation_status", "validation_status_not_approved", "validation_status_approved"),
}


@pytest.mark.parametrize("name", sorted(REVIEWED))
def test_submissions_the_reviewers_rejected_are_not_data_but_counted_in_the_exclusion_log(tmp_path, name):
    import csv
    import io

    from variants import embedded_table, reference

    from perspectives.check import render, run_check

    column, rejected, approved = REVIEWED[name]
    header, *rows = csv.reader(io.StringIO((FIXTURES / name).read_text(encoding="utf-8-sig")))
    at = header.index(column)
    # Which rows to mark, from the embedded export's text (the fixtures keep its rows in order).
    source_header, source_rows = embedded_table()
    col = {c: i for i, c in enumerate(source_header)}
    hurdles = ["elig_adult", "elig_role12m", "elig_caseload12m", "elig_children", "elig_csea"]
    eligible = [n for n, row in enumerate(source_rows)
                if all(row[col[h]] == "yes" for h in hurdles) and row[col["completed"]] == "yes"]
    mda_eligible = [n for n in eligible if source_rows[n][col["country"]] == "MDA"][:5]
    mda_partial = [n for n, row in enumerate(source_rows) if n not in eligible and row[col["country"]] == "MDA"
                   and row[col["elig_csea"]] == "yes"][:2]
    for n in mda_eligible + mda_partial:
        assert rows[n][header.index("country")] == "MDA"
        rows[n][at] = rejected
    for n in eligible[100:110]:
        rows[n][at] = approved  # an approved submission is data like any other
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows([header, *rows])

    survey = load_survey(path)
    want = reference()
    kept = [k for k, n in enumerate(eligible) if n not in mda_eligible]
    expected = want.eligible.iloc[kept].reset_index(drop=True).drop(columns="respondent_id")
    pd.testing.assert_frame_equal(survey.eligible.drop(columns="respondent_id"), expected)
    got = survey.exclusions.groupby(["outcome", "country"]).size().to_dict()
    before = want.exclusions.groupby(["outcome", "country"]).size().to_dict()
    assert got[("rejected", "MDA")] == 7 and sum(v for (o, _), v in got.items() if o == "rejected") == 7
    assert got[("partial", "MDA")] == before[("partial", "MDA")] - 2
    assert len(survey.exclusions) == len(want.exclusions) + 5
    assert survey.read.review == {"column": column, "rejected": 7}

    result = run_check(path)
    assert result["usable"] and result["exclusions"]["rejected"] == 7
    assert result["countries"]["MDA"]["rejected"] == 7
    text = render(result)
    assert f"7 rejected by the survey's reviewers ({column})" in text
    assert column not in " ".join(line for line in text.splitlines() if "not read" in line)

    # The methods section's flow of responses has them as their own row: received = all five.
    from perspectives.report_samples import sample_mask

    mask = sample_mask(survey, load_study())
    assert "rejected" in mask.layout.categories
    assert mask.count("MDA|rejected") == 7
    assert mask.count("MDA|*") == int((survey.exclusions["country"] == "MDA").sum()
                                      + (survey.eligible["country"] == "MDA").sum())
    assert "rejected" not in sample_mask(reference(), load_study()).layout.categories
