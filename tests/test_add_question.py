"""A new question by data, as README's "Add a question" says, built in a copy of the study.

A researcher adds two questions to the form (``data/instrument/*.csv``): a ``select_one``
shown to workers outside the "other" organisations, and a ``select_multiple`` with a new
choice list, shown to those who answered "yes" to the first. Each gets an entry in
``params/analyses.yml`` (the first with a figure that has a caption and no number) and a
``section.run`` call in the prevention notebook. Then ``make data``'s generator runs in the
copy and one country's prevention section is built.

The checks: the generator answers both questions where the form shows them and nowhere
else, and leaves every column of the committed export as it was (so the published numbers
are regenerated unchanged); the report shows the new figure and tables; and the counts it
publishes are those an independent reading of the regenerated CSV gives (pandas, not the
library).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from stand_in import copy_checkout

from perspectives.study import repo_root

COUNTRY = "MDA"
ELIGIBILITY = ("elig_adult", "elig_role12m", "elig_caseload12m", "elig_children", "elig_csea")
CAMPAIGN_CAPTION = "Workers whose organisation ran an awareness campaign in the past year"
CHANNELS_CAPTION = "Channels the awareness campaigns used"
CHANNELS = {"school": "Schools", "social_media": "Social media", "radio_tv": "Radio or television",
            "community": "Community meetings"}
ANALYSES = f"""
awareness_campaign:
  section: prevention
  kind: single
  question: awareness_campaign
  population: "org_type != 'other'"
  by: country
  figure: {{caption: "{CAMPAIGN_CAPTION}"}}
  text: "In {{place}}, {{yes.pct_n}} of the workers asked said their organisation had run an awareness campaign in the past year."

campaign_channels:
  caption: "{CHANNELS_CAPTION}"
  section: prevention
  kind: multi
  question: campaign_channels
  population: "awareness_campaign == 'yes'"
  text: "Schools were used by {{school.pct_n}} of the campaigns in {{place}}."
"""


def _insert_rows(path: Path, rows: list[dict[str, str]], where: Callable[[list[dict[str, str]]], int]) -> None:
    """Insert rows into an XLSForm sheet at the index ``where`` picks from its rows."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, existing = list(reader.fieldnames or []), list(reader)
    at = where(existing)
    existing[at:at] = [{column: row.get(column, "") for column in header} for row in rows]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(existing)


def _end_of_government(rows: list[dict[str, str]]) -> int:
    """The government group's end_group row: the one just before the scenarios group begins."""
    return next(i for i, r in enumerate(rows) if r["type"] == "begin_group" and r["name"] == "scenarios") - 1


def _add_questions(root: Path) -> None:
    instrument = root / "data" / "instrument"
    # In the government group, after the question on public awareness.
    _insert_rows(instrument / "survey.csv", [
        {"type": "select_one yes_no_dk", "name": "awareness_campaign", "required": "yes",
         "label::English (en)": "Has your organisation run an awareness campaign in the past year?",
         "relevant": "${org_type} != 'other'"},
        {"type": "select_multiple campaign_channel", "name": "campaign_channels", "required": "yes",
         "label::English (en)": "Which channels did the campaign use?",
         "relevant": "${awareness_campaign} = 'yes'", "constraint": "count-selected(.) <= 3"},
    ], _end_of_government)
    _insert_rows(instrument / "choices.csv", [
        {"list_name": "campaign_channel", "name": code, "label::English (en)": label}
        for code, label in CHANNELS.items()], len)
    with (root / "params" / "analyses.yml").open("a", encoding="utf-8") as handle:
        handle.write(ANALYSES)
    notebook = root / "notebooks" / "06_prevention.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if 'section.run("public_awareness")' in c.source) + 1
    nb.cells.insert(at, nbformat.v4.new_code_cell('section.run("awareness_campaign")\nsection.run("campaign_channels");'))
    nbformat.write(nb, notebook)


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the study with the two questions added, its data regenerated and MDA's prevention built."""
    root = copy_checkout(tmp_path_factory.mktemp("question") / "repo")
    _add_questions(root)
    env = dict(os.environ, PYTHONPATH=str(root / "lib"), PERSPECTIVES_PDF="0", MPLBACKEND="Agg")
    for command in (["-m", "perspectives.cli", "instrument"], ["-m", "perspectives_synth.survey"],
                    ["-m", "perspectives.cli", "build", "--country", COUNTRY, "--section", "prevention",
                     "--out", str(root / "out"), "--jobs", "1"]):
        done = subprocess.run([sys.executable, *command], cwd=root, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{command}: {done.stderr[-3000:]}"
    return root


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _eligible(data: pd.DataFrame) -> pd.Series:
    keep = (data["consent"] == "yes") & (data["completed"] == "yes")
    for column in ELIGIBILITY:
        keep &= data[column] == "yes"
    return keep


def test_the_generator_answers_the_new_questions_where_the_form_shows_them(study: Path) -> None:
    data = _read(study / "data" / "synthetic" / "survey_export.csv")
    complete = data[_eligible(data)]
    asked = complete["org_type"] != "other"
    assert (complete.loc[asked, "awareness_campaign"] != "").all()
    assert (complete.loc[~asked, "awareness_campaign"] == "").all()
    assert set(complete.loc[asked, "awareness_campaign"]) == {"yes", "no", "dont_know"}
    said_yes = complete["awareness_campaign"] == "yes"
    channels = complete["campaign_channels"]
    assert (channels[said_yes] != "").all() and (channels[~said_yes] == "").all()
    ticked = channels[said_yes].str.split()
    assert ticked.map(len).between(1, 3).all()  # the constraint count-selected(.) <= 3
    assert set(ticked.explode()) == set(CHANNELS)
    # Options in form order, as a survey tool exports them.
    order = list(CHANNELS)
    assert ticked.map(lambda codes: codes == sorted(codes, key=order.index)).all()


def test_every_column_of_the_committed_export_keeps_its_values(study: Path) -> None:
    before = _read(repo_root() / "data" / "synthetic" / "survey_export.csv")
    after = _read(study / "data" / "synthetic" / "survey_export.csv")
    assert [c for c in after.columns if c not in before.columns] == ["awareness_campaign", "campaign_channels"]
    pd.testing.assert_frame_equal(after[list(before.columns)], before)


def test_the_report_shows_the_new_question(study: Path) -> None:
    folder = study / "out" / COUNTRY
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert CAMPAIGN_CAPTION in html and CHANNELS_CAPTION in html
    assert "Social media" in html  # a label of the new choice list
    run = folder / "sections" / "prevention"
    figures = sorted(p.name for p in (run / "figures").glob("*awareness_campaign*"))
    assert figures, "the figure without a number is drawn"
    values = {v["name"]: v for v in json.loads((run / "values.json").read_text(encoding="utf-8"))
              if v.get("country", COUNTRY) == COUNTRY}
    data = _read(study / "data" / "synthetic" / "survey_export.csv")
    mine = data[_eligible(data) & (data["country"] == COUNTRY)]
    asked = mine[mine["org_type"] != "other"]
    published = 0
    for answer in ("yes", "no", "dont_know"):
        count, share = values[f"awareness_campaign.{answer}.n"], values[f"awareness_campaign.{answer}.pct"]
        if count.get("suppressed"):
            assert share.get("suppressed")
            continue
        expected = int((asked["awareness_campaign"] == answer).sum())
        assert (count["value"], count["n"], share["n"]) == (expected, len(asked), len(asked))
        assert share["value"] == pytest.approx(100 * expected / len(asked), abs=1e-4)
        published += 1
    assert published >= 2
    users = asked[asked["awareness_campaign"] == "yes"]
    for code in CHANNELS:
        count = values[f"campaign_channels.{code}.n"]
        if not count.get("suppressed"):
            expected = int(users["campaign_channels"].str.split().map(lambda codes, c=code: c in codes).sum())
            assert (count["value"], count["n"]) == (expected, len(users))


@pytest.fixture
def specs(monkeypatch: pytest.MonkeyPatch) -> dict:
    """The study's analyses, to which a test adds entries (every reader asks the project for them)."""
    from perspectives import analysis
    from perspectives.project import Project

    entries = dict(analysis.load_specs())
    monkeypatch.setattr(Project, "analyses", property(lambda self: entries))
    return entries


def test_a_figure_without_a_number_is_drawn_unnumbered(specs: dict, tmp_path: Path) -> None:
    from perspectives.report import Section

    # The area workers serve: three answers with a bar to read in each series, so the chart is
    # drawn (Moldova's public awareness, used before, shows one answer and gives way to its table).
    specs["area_new"] = {"section": "prevention", "kind": "single", "question": "area",
                         "figure": {"caption": "Areas served, drawn again"}}
    section = Section("prevention", "MDA", output_dir=str(tmp_path))
    section.run("area_new")
    assert [p.name for p in (tmp_path / "figures").glob("*.png")] == ["fig_area_new.png"]


def test_a_failing_analysis_is_named(specs: dict, tmp_path: Path) -> None:
    from perspectives.report import AnalysisError, Section

    specs["misspelt"] = {"section": "prevention", "kind": "single", "question": "public_awarenes"}
    section = Section("prevention", "MDA", output_dir=str(tmp_path))
    with pytest.raises(AnalysisError, match=r"analysis 'misspelt' of params/analyses.yml failed: KeyError"):
        section.run("misspelt")
