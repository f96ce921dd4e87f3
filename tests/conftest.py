"""Shared fixtures: a tiny, hand-made raw export that follows the instrument, and the builds
several test files read, each made once for the whole run (``shared_builds.py``: under
pytest-xdist the first worker that needs one builds it, the others wait and reuse it):

* ``study_build``: the default study (every report, every section, English, the PDFs of
  Moldova and the synthesis, which tests read: ``STUDY_PDF_COUNTRIES``), its date fixed; read by test_disclosure_build.py, test_report_structure.py, test_sentences.py,
  test_differencing.py, test_one_country_invariance.py, test_partner_exports.py (the last
  three through a view of the reports or sections they built before) and
  attack/test_publication_attack.py (a copy of Moldova's report and the synthesis);
* ``romanian_build``: Moldova and the synthesis in Romanian (every section, PDFs, the same
  date), read by test_report_structure.py and test_i18n_coverage.py;
* ``moldova_partner_build``: Moldova's report from Moldova's rows alone (``--data``, no PDF),
  read by test_sentences.py and test_one_country_invariance.py;
* ``two_builds``: BIH and the synthesis built by the command line in two checkouts, read by
  test_e2e.py and test_accessibility.py;
* ``saved_decisions``: the small-cell rule's results for the embedded export, as a build's run
  server saves them in its output folder; ``romanian_build`` and the builds of
  test_i18n_coverage.py, test_accessibility.py, test_partner_exports.py, test_escaping.py,
  test_languages_side_by_side.py, test_notebook_analyses.py, test_refiqda.py,
  test_one_run_build.py and the reference and fully warmed server of test_resident_outputs.py
  start from them (``shared_builds.remembering``) rather than search every mask again: none
  of them is a test of the search. The other shared builds
  (``study_build``'s saved results are compared with these, ``moldova_partner_build``'s masks
  with the study's), every test of the masks, of a build's memory or its faults, and every
  test whose two builds each search before their files are compared (the saved results among
  them: test_e2e.py, test_dask_executor.py, the second test of test_resident_outputs.py and its
  first test's lightly warmed server), build from scratch; but for one search, made once for
  both: the warm-up that saves ``saved_decisions`` and the first checkout of ``two_builds``
  share the run's decisions cache (``PERSPECTIVES_DECISIONS_CACHE``, keyed by the content of
  what the search reads), so whichever comes second reads what the first found. Each of the
  suite's comparisons still sets two searches made apart side by side: the study's build
  against ``saved_decisions``, the second checkout (no cache) against the first.

A shared build is read-only; a test that changes one works on a copy (``private_copy``).
Files that build first run first (``HEAVY_FIRST``), so the longest stay off the end of a run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from shared_builds import SOURCE_DATE_EPOCH, check_unchanged, decisions_cache, remembering, shared
from stand_in import copy_checkout

from perspectives import qualitative as q
from perspectives.study import repo_root

ROOT = repo_root()
# The reports of the shared end-to-end build.
E2E_REPORTS = ["BIH", "ALL"]

os.environ.setdefault("MPLBACKEND", "Agg")
# No build of the suite keeps its run server for a next build (perspectives.build.resident):
# tests and CI leave no process behind. The tests of that server ask for it themselves.
os.environ["PERSPECTIVES_KEEP_SERVER"] = "0"
# Nor does it read a decisions cache a developer keeps (perspectives.build.warm.shared_decisions):
# the builds that share the run's own ask for it (``two_builds``, ``saved_decisions``).
os.environ.pop("PERSPECTIVES_DECISIONS_CACHE", None)


def _complete_row(i: int, country: str) -> dict[str, object]:
    row: dict[str, object] = {
        "respondent_id": f"T{i:03d}", "country": country, "consent": "yes",
        "elig_adult": "yes", "elig_role12m": "yes", "elig_caseload12m": "yes", "elig_children": "yes",
        "elig_csea": "yes", "gender": "female" if i % 3 else "male", "age_band": "31_40", "education": "bachelor",
        "experience": "0_5", "org_type": "government", "area": "urban", "services": "legal counselling_individual",
        "se_share": 40, "tech_share": 50, "supported_boys": "yes", "supported_girls": "yes",
        "boys_online_share": 10, "girls_online_share": 60, "boys_age": "11_15", "boys_offender_female_share": 20,
        "boys_offender_rel": "parent relative", "boys_exchange": "money", "boys_facilitator": "yes",
        "boys_forms": "grooming", "girls_age": "16_17", "girls_offender_female_share": 10,
        "girls_offender_rel": "parent", "girls_exchange": "goods", "girls_facilitator": "no",
        "girls_forms": "grooming self_generated", "offender_origin": "national", "beliefs": "stigma_shame",
        "barriers": "stigma_shame fear_response", "public_awareness": "poor", "completed": "yes",
    }
    for name in ("gov_funding", "gov_awareness", "gov_training", "gov_advocacy", "gov_legislation", "gov_services",
                 "gov_law_enforcement", "gov_coordination"):
        row[name] = "poor"
    for name in ("scen_victim", "scen_recording", "scen_flipped", "scen_viewer"):
        row[name] = "yes"
    row["scen_dating"] = "no"
    return row


def tiny_frame() -> pd.DataFrame:
    """Ten complete responses, two partial, two disqualified, in the instrument's columns."""
    from perspectives.instrument import export_columns, load_instrument

    rows = [_complete_row(i, ["ALB", "MDA"][i % 2]) for i in range(10)]
    partial = _complete_row(10, "ALB")
    partial.update({"completed": "", "public_awareness": "", "barriers": ""})
    rows.append(partial)
    rows.append({"respondent_id": "T011", "country": "MDA", "consent": "yes", "elig_adult": "yes",
                 "elig_role12m": "yes", "elig_caseload12m": "yes", "elig_children": "yes", "elig_csea": "yes"})
    rows.append({"respondent_id": "T012", "country": "ALB", "consent": "yes", "elig_adult": "yes",
                 "elig_role12m": "yes", "elig_caseload12m": "yes", "elig_children": "no"})
    rows.append({"respondent_id": "T013", "country": "MDA", "consent": "yes", "elig_adult": "no"})
    columns = export_columns(load_instrument())
    return pd.DataFrame(rows).reindex(columns=columns)


@pytest.fixture
def tiny_export(tmp_path):
    """Path to a valid tiny CSV export (10 eligible, 2 partial, 2 disqualified)."""
    path = tmp_path / "export.csv"
    tiny_frame().to_csv(path, index=False)
    return path


# --------------------------------------------------------------------------- the order of the files

# The files that take longest (their builds, the whole-build audit), longest first, from a
# measured run (--durations). `make test` hands the files to its workers in collection order
# (--no-loadscope-reorder); these first, so that a long file never starts last. The two first
# make the study's build and the two checkouts side by side at the start.
HEAVY_FIRST = [
    "test_disclosure_build.py", "test_e2e.py", "test_i18n_coverage.py", "test_one_country_invariance.py",
    "attack/test_break_tiny_with_synthesis.py", "attack/test_publication_attack.py", "test_refiqda.py",
    "test_partner_exports.py", "test_report_structure.py", "test_resident_outputs.py", "test_dask_executor.py",
    "test_partner_flow.py", "test_published_cells.py", "test_languages_side_by_side.py", "test_faults.py",
    "test_new_country.py", "test_notebook_analyses.py", "test_contents_pages.py", "test_jupyterlab.py", "test_app.py",
    "test_no_paths.py", "test_escaping.py", "test_one_run_build.py", "test_accessibility.py", "test_engine.py",
    "test_add_question.py", "test_sentences.py", "attack/test_hostile_attack.py", "test_built_charts.py",
    "test_summary_text.py", "test_publishing.py", "test_safety_review.py", "test_resident_server.py",
]


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put the items of the HEAVY_FIRST files first, in that order; the others keep theirs."""
    here = Path(__file__).resolve().parent
    missing = [name for name in HEAVY_FIRST if not (here / name).is_file()]
    if missing:  # a renamed file would silently lose its place
        raise pytest.UsageError(f"HEAVY_FIRST in tests/conftest.py names no file: {missing}")
    rank = {name: k for k, name in enumerate(HEAVY_FIRST)}

    def key(item: pytest.Item) -> int:
        try:
            name = item.path.resolve().relative_to(here).as_posix()
        except ValueError:
            return len(rank)
        return rank.get(name, len(rank))

    items.sort(key=key)  # stable: the order inside a file, and among the others, is kept


# --------------------------------------------------------------------------- the shared builds

# The countries of the study's build whose PDF a test reads, beside the synthesis's: Moldova's
# (test_report_structure.py, test_contents_pages.py, test_publishing.py and the attack's copy
# read Moldova's and the synthesis's PDFs; every other reader of the build reads its HTML, Word
# files and tables). The other reports are written without a PDF (``PERSPECTIVES_PDF``).
STUDY_PDF_COUNTRIES = ("MDA",)


def study_pdfs() -> str:
    """``PERSPECTIVES_PDF`` for the study's build: those countries and the synthesis, by the study's code."""
    from perspectives.study import load_study

    return ",".join([*STUDY_PDF_COUNTRIES, load_study().synthesis_code])


def _build_study(out: Path) -> None:
    from perspectives.build import build

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        patch.setenv("PERSPECTIVES_PDF", study_pdfs())
        result = build(out=out, jobs=2)
    assert result.ok, result.summary()


@pytest.fixture(scope="session")
def study_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The default study built once: every report and section, in English, with the PDFs tests read."""
    yield shared(tmp_path_factory, "study", _build_study)
    check_unchanged(tmp_path_factory, "study")


def _build_romanian(out: Path, decisions: Path) -> None:
    from perspectives.build import build

    # From the small-cell rule's results saved for the same data (``remembering``): the build
    # writes the bytes it writes from scratch; what its tests read is the Romanian text, and
    # the search is tested on the English build, which makes it from scratch.
    remembering(out, decisions)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        result = build(countries=list(ROMANIAN_REPORTS), lang="ro", out=out, jobs=2)
    assert result.ok, result.summary()


# The reports of the shared Romanian build: Moldova (whose language it is) and the synthesis.
ROMANIAN_REPORTS = ("MDA", "ALL")


@pytest.fixture(scope="session")
def romanian_build(tmp_path_factory: pytest.TempPathFactory, saved_decisions: Path) -> Iterator[Path]:
    """Moldova and the synthesis built in Romanian, every section, with PDFs, the study's date fixed."""
    yield shared(tmp_path_factory, "romanian", lambda out: _build_romanian(out, saved_decisions))
    check_unchanged(tmp_path_factory, "romanian")


def _build_moldova_partner(folder: Path) -> None:
    from perspectives.build import build
    from perspectives.study import load_study

    folder.mkdir(parents=True)
    frame = pd.read_csv(ROOT / load_study().data["survey"], dtype=str, keep_default_na=False)
    own = folder / "moldova_export.csv"
    frame[frame["country"] == "MDA"].to_csv(own, index=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PERSPECTIVES_PDF", "0")
        # The study's conversations named: a partner's export is never given them unasked.
        result = build(countries=["MDA"], data_path=own, conversations_path=ROOT / load_study().data["conversations"],
                       out=folder / "out", jobs=2)
    assert result.ok, result.summary()


@pytest.fixture(scope="session")
def moldova_partner_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Moldova's report built from Moldova's rows alone (every response of hers), no PDF: the output folder."""
    yield shared(tmp_path_factory, "moldova-partner", _build_moldova_partner) / "out"
    check_unchanged(tmp_path_factory, "moldova-partner")


def _cli_build(checkout: Path, cache: Path | None = None) -> Path:
    """``perspectives build --country BIH ALL`` run as a user runs it, inside ``checkout``.

    With ``cache``: the build reads and writes that decisions cache (``PERSPECTIVES_DECISIONS_CACHE``).
    """
    from perspectives.build.warm import CACHE_ENV

    env = dict(os.environ, PYTHONPATH=str(checkout / "lib"), **({CACHE_ENV: str(cache)} if cache else {}))
    env.pop("SOURCE_DATE_EPOCH", None)
    done = subprocess.run([sys.executable, "-m", "perspectives.cli", "build", "--country", *E2E_REPORTS,
                           "--jobs", "2"], cwd=checkout, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return checkout / "outputs"


# The two checkouts' folders: their paths differ, in length too.
CHECKOUTS = ("a/repo", "second-clone/elsewhere/perspectives")


def _two_checkouts(folder: Path, cache: Path) -> None:
    # The first shares its search with ``saved_decisions`` through the run's decisions cache;
    # the second searches on its own, and test_e2e.py compares every byte of the two.
    for checkout, shared_cache in zip(CHECKOUTS, (cache, None), strict=True):
        _cli_build(copy_checkout(folder / checkout), shared_cache)


@pytest.fixture(scope="session")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The same reports built in two checkouts whose paths differ (in length too): their outputs."""
    cache = decisions_cache(tmp_path_factory)
    folder = shared(tmp_path_factory, "two-checkouts", lambda out: _two_checkouts(out, cache))
    first, second = (folder / checkout / "outputs" for checkout in CHECKOUTS)
    yield first, second
    check_unchanged(tmp_path_factory, "two-checkouts")


def _save_decisions(folder: Path, cache: Path) -> None:
    """The run server's warm-up for the embedded export (:func:`perspectives.report.warm_up`),
    in a process of its own as a build's server runs it: it saves the rule's results in ``folder``.

    It reads and writes the run's decisions cache (``cache``) as a build with it set does: the
    first checkout of ``two_builds`` searched already, or finds what this one searched.
    """
    from perspectives.build.warm import CACHE_ENV, DECISIONS_FILE, shared_decisions
    from perspectives.project import Project

    folder.mkdir(parents=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENV, str(cache))
        shared_file = shared_decisions(Project.at(ROOT), {}, "perspectives")
    code = ("import sys; from perspectives.report import warm_up; "
            "warm_up(decisions=sys.argv[1], shared_decisions=sys.argv[2], gazetteer=False)")
    env = dict(os.environ, MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, "-c", code, str(folder / DECISIONS_FILE), str(shared_file)], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="session")
def saved_decisions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The small-cell rule's results for the embedded export, as a build saves them: the file."""
    from perspectives.build.warm import DECISIONS_FILE

    cache = decisions_cache(tmp_path_factory)
    yield shared(tmp_path_factory, "decisions", lambda out: _save_decisions(out, cache)) / DECISIONS_FILE
    check_unchanged(tmp_path_factory, "decisions")


@pytest.fixture
def resident_runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A private folder for kept run servers' sockets; every server stopped after."""
    from perspectives.build import resident

    folder = tempfile.mkdtemp()  # short: a socket's path has at most ~100 characters
    monkeypatch.setenv("XDG_RUNTIME_DIR", folder)
    yield
    resident.stop_all()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def published():
    """What a run's display calls publish (each output's data), as the notebook would hold them; a test file may
    define its own with more (tests/test_table_sentences.py keeps the metadata too)."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    out: list[dict] = []
    shell.display_pub.publish = lambda data, metadata=None, **_: out.append(data)
    yield out
    InteractiveShell.clear_instance()


# The embedded conversations, read once per test module that asks (the codebook, then who took
# part, then the coded conversations): one home for what several test files read alike.

@pytest.fixture(scope="module")
def codebook() -> q.Codebook:
    return q.load_codebook()


@pytest.fixture(scope="module")
def participants(codebook: q.Codebook) -> pd.DataFrame:
    return q.load_participants(codebook=codebook)


@pytest.fixture(scope="module")
def conversations(codebook: q.Codebook, participants: pd.DataFrame) -> pd.DataFrame:
    return q.load_conversations(codebook=codebook, participants=participants)
