"""An analysis written in a notebook cell reaches the reports through the same disclosure control.

A researcher adds a section notebook with a crosstab (barriers to disclosure by the worker's
gender, with its chi-square test) and a sentence quoting one of its numbers. Built for two
countries in a copy of the checkout, each report shows the table; every published count is
the count an independent reading of the embedded export gives (pandas on the CSV, not the
library); no published count is a small cell; within each row, the withheld cells together
hold 0 or at least the threshold (so subtraction recovers nothing); the values are recorded
under searchable names; and the notebook's words go through the language's catalogue.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from shared_builds import remembering
from stand_in import copy_checkout

from perspectives.study import load_study

COUNTRIES = ("MDA", "MEX")
NAME = "barriers_by_gender"
SENTENCE = "In {place}, {v[barriers_by_gender.stigma_shame.all].pct_n} of workers named stigma and shame."
CELLS = [
    'country = "ALL"\nlang = "en"\ndata_path = None\nconversations_path = None\noutput_dir = None\nid_column = ""',
    "from perspectives.report import Section\n\n"
    "section = Section(\"custom\", country, lang, data_path, conversations_path, output_dir, id_column)\n"
    "section.header()",
    f'result = section.crosstab("barriers", by="gender", test="chi2", name="{NAME}")',
    f"section.say({SENTENCE!r})",
    "section.finish();",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, saved_decisions: Path) -> Path:
    root = copy_checkout(tmp_path_factory.mktemp("custom") / "repo")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(CELLS[0], metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(src) for src in CELLS[1:]]
    nbformat.write(nb, root / "notebooks" / "90_custom.ipynb")
    grid = yaml.safe_load((root / "params" / "grid.yml").read_text(encoding="utf-8"))
    grid["sections"].append({"id": "custom", "notebook": "notebooks/90_custom.ipynb", "title": "A custom analysis"})
    (root / "params" / "grid.yml").write_text(yaml.safe_dump(grid, sort_keys=False), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(root / "lib"), PERSPECTIVES_PDF="0")
    for lang in ("en", "es"):
        # From the small-cell rule's results a warm-up saved for the same data: the subject is
        # the custom notebook's analyses, not the search (a table it adds is searched afresh).
        out = remembering(root / f"out-{lang}", saved_decisions)
        done = subprocess.run([sys.executable, "-m", "perspectives.cli", "build", "--country", *COUNTRIES,
                               "--section", "custom", "--lang", lang, "--out", str(out), "--jobs", "2"],
                              cwd=root, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
    return root


def _independent_counts(root: Path, country: str) -> pd.DataFrame:
    """Barriers ticked (rows) by gender (columns) among the country's eligible completes, read
    from the CSV with pandas only: consent, the five eligibility answers and completion."""
    data = pd.read_csv(root / load_study().data["survey"], dtype=str, keep_default_na=False)
    eligible = (data["consent"] == "yes") & (data["completed"] == "yes")
    for column in ("elig_adult", "elig_role12m", "elig_caseload12m", "elig_children", "elig_csea"):
        eligible &= data[column] == "yes"
    rows = data[eligible & (data["country"] == country) & (data["barriers"] != "")]
    pairs = rows.assign(barrier=rows["barriers"].str.split()).explode("barrier")
    return pd.crosstab(pairs["barrier"], pairs["gender"])


@pytest.mark.parametrize("country", COUNTRIES)
def test_the_crosstab_is_in_the_report_suppressed_correctly(built: Path, country: str):
    folder = built / "out-en" / country
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "A custom analysis" in html and "Stigma and shame" in html
    values = json.loads((folder / "sections" / "custom" / "values.json").read_text(encoding="utf-8"))
    mine = {v["name"]: v for v in values if v["name"].startswith(f"{NAME}.")}
    assert f"{NAME}.chi2.stat" in mine and f"{NAME}.stigma_shame.all.n" in mine  # searchable names
    truth = _independent_counts(built, country)
    threshold = load_study().disclosure["threshold"]
    published = withheld = 0
    for option in truth.index:
        groups = [g for g in truth.columns]
        hidden_sum = 0
        for group in groups:
            entry = mine[f"{NAME}.{option}.{group}.n"]
            if entry["value"] is None:
                withheld += 1
                hidden_sum += int(truth.loc[option, group])
            else:
                published += 1
                assert entry["value"] == int(truth.loc[option, group]), (option, group)
                assert not 0 < entry["value"] < threshold, (option, group)
        total = mine[f"{NAME}.{option}.all.n"]["value"]
        if total is None:  # withheld itself: the row's cells are all that could reveal it
            assert 0 < int(truth.loc[option].sum()) < threshold or hidden_sum >= threshold, option
        else:  # published: the withheld cells it fixes by subtraction must not be a small cell
            assert total == int(truth.loc[option].sum())
            assert hidden_sum == 0 or hidden_sum >= threshold, (option, hidden_sum)
    assert published and withheld  # both kinds occur, so both branches were checked
    assert "of workers named stigma and shame" in html


def test_the_notebooks_words_go_through_the_catalogue(built: Path):
    missing = json.loads((built / "out-es" / "MEX" / "es" / "missing_translations.json").read_text(encoding="utf-8"))
    assert SENTENCE in missing["missing"]  # a new sentence is listed for the translators
    html = (built / "out-es" / "MEX" / "es" / "report.html").read_text(encoding="utf-8")
    assert "según" in html  # the caption's fixed words ("{question} by {by}") are Spanish


def test_numbers_reach_a_sentence_only_through_the_masks(tmp_path: Path):
    import contextlib
    import io

    from perspectives.report import Section

    section = Section("knowledge", country="MDA", output_dir=str(tmp_path))
    with contextlib.redirect_stdout(io.StringIO()):
        with pytest.raises(TypeError, match="k is a number"):
            section.say("{k} respondents gave another gender.", k=1)
        with pytest.raises(TypeError):
            section.crosstab("gender", by="org_type", population="area != 'rural'")  # no sub-populations
    assert not hasattr(section, "record") and not hasattr(section, "table")
