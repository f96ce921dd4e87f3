"""The decisions cache builds into any output folder share (``PERSPECTIVES_DECISIONS_CACHE``).

A build's warm-up reads the small-cell rule's results from the cache's file for its inputs
and saves them there (perspectives.build.warm.shared_decisions). The file's name is the digest
of what the search reads, the data and parameter files hashed as a run's stamp hashes them
(the stand-in project, real files, no stubs): two checkouts of the same files in different
folders find the same file, as do builds of other reports or another language; a change to
the survey, a given export, a parameter file, a catalogue, a module of the library, the
environment's lock or the id column names another one, which a build does not find. The
results inside are keyed by each table's counts and the rule's source besides
(``disclosure.load_decisions``: a file of another rule is not read).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from stand_in import make_project

from perspectives.build import warm
from perspectives.project import Project
from perspectives.study import load_study

PACKAGE = "fakepersp"  # the stand-in's library
SURVEY = b"respondent_id,country\nT1,ALB\nT2,ALB\n"
PARAMS = {"country": "ALB", "lang": "en", "data_path": None, "conversations_path": None}


def _file(root: Path, params: dict | None = None) -> str | None:
    return warm.shared_decisions(Project.at(root), params or PARAMS, PACKAGE)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(warm.CACHE_ENV, str(folder))
    return folder


def test_no_cache_unless_a_folder_is_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "p", SURVEY)
    monkeypatch.delenv(warm.CACHE_ENV, raising=False)
    assert _file(root) is None
    monkeypatch.setenv(warm.CACHE_ENV, "")
    assert _file(root) is None


def test_two_checkouts_and_other_reports_or_languages_share_the_file(tmp_path: Path, cache: Path) -> None:
    first = make_project(tmp_path / "a" / "p", SURVEY)
    second = tmp_path / "elsewhere" / "longer" / "p"
    shutil.copytree(first, second)
    found = _file(first)
    assert found is not None and Path(found).parent == cache.resolve() and Path(found).name.startswith("decisions-")
    assert _file(second) == found
    synthesis = load_study(first / "params" / "study.yml").synthesis_code
    assert _file(first, {**PARAMS, "country": synthesis, "lang": "ro"}) == found


@pytest.mark.parametrize("change", ["survey", "export given", "parameters", "catalogue", "library", "environment",
                                    "id column"])
def test_a_change_to_any_input_misses_the_file(tmp_path: Path, cache: Path, change: str) -> None:
    root = make_project(tmp_path / "p", SURVEY)
    before = _file(root)
    params = dict(PARAMS)
    if change == "survey":
        survey = root / "data" / "synthetic" / "survey_export.csv"
        survey.write_bytes(survey.read_bytes().replace(b"T2,ALB", b"T3,ALB"))  # one cell, same size
    elif change == "export given":  # the embedded export's bytes, given as a partner's file
        export = tmp_path / "partner" / "export.csv"
        export.parent.mkdir()
        export.write_bytes(SURVEY)
        params["data_path"] = str(export)
    elif change == "parameters":
        with open(root / "params" / "study.yml", "a", encoding="utf-8") as fh:
            fh.write("# an edited study file\n")
    elif change == "catalogue":
        catalogue = sorted((root / "params" / "i18n").glob("*.yml"))[0]
        with open(catalogue, "a", encoding="utf-8") as fh:
            fh.write("\n# an edited catalogue\n")
    elif change == "library":  # a module no section imports: the library is taken whole
        with open(root / "lib" / "fakepersp" / "common.py", "a", encoding="utf-8") as fh:
            fh.write("\n# an edited module\n")
    elif change == "environment":
        (root / "requirements.lock").write_text("example==1.1\n")
    else:
        params["id_column"] = "respondent_id"
    after = _file(root, params)
    assert before is not None and after is not None and after != before


def test_the_warm_up_is_given_the_file_beside_the_output_folders(tmp_path: Path, cache: Path) -> None:
    from perspectives.build.plan import FileHasher, LibraryIndex, plan_runs
    from perspectives.study import load_grid

    root = make_project(tmp_path / "p", SURVEY)
    study, grid = load_study(root / "params" / "study.yml"), load_grid(root / "params" / "grid.yml")
    runs = plan_runs(root=root, study=study, sections=grid.sections, selected=[s.id for s in grid.sections],
                     reports=list(study.report_codes), params={code: {**PARAMS, "country": code}
                                                               for code in study.report_codes},
                     out=root / "out", library=LibraryIndex(root / "lib", PACKAGE, FileHasher()), environment="none")
    _, args = warm.warm_up(list(runs.values()), study, "perspectives", tmp_path / "out", Project.at(root))
    assert args["decisions"] == str(tmp_path / "out" / warm.DECISIONS_FILE)
    assert args["shared_decisions"] == warm.shared_decisions(Project.at(root), PARAMS, "perspectives")
