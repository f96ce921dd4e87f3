"""Tests of perspectives.build, .assemble and .cli on a tiny dummy project.

The project (tests/fixtures/build) has two dummy section notebooks importing a stand-in
package ``fakepersp`` (nothing heavy), a grid of 2 sections x 2 reports (ALB, ALL) and a grid
with a summary section that runs after the others. Each test works on a copy under tmp_path.
Notebooks really execute (papermill, python3 kernel), so the suite shares one cold build.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest
from stand_in import make_project

from perspectives import assemble, build, cli, hashing
from perspectives.build import plan, publish
from perspectives.study import load_grid, load_study

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "build"
REPO = Path(__file__).resolve().parents[1]
SURVEY = b"respondent_id,country\nT1,ALB\n"


def _make_project(dest: Path) -> Path:
    return make_project(dest, SURVEY)


def _build(root: Path, grid: str = "grid.yml", **kw: object) -> build.BuildResult:
    return build.build(root=root, out=root / "out", jobs=2, package="fakepersp",
                       grid=load_grid(root / "params" / grid), **kw)


def _executed(result: build.BuildResult) -> set[tuple[str, str]]:
    return {(r.report, r.section) for r in result.runs if r.status != "skipped"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One cold build of the 2 x 2 grid, shared by the tests that only read it."""
    root = _make_project(tmp_path_factory.mktemp("cold") / "proj")
    old = os.environ.get("PERSPECTIVES_TEST_PREFIX")
    # the alpha notebook compares the kernel's sys.prefix with this
    os.environ["PERSPECTIVES_TEST_PREFIX"] = sys.prefix
    try:
        t0 = time.perf_counter()
        result = _build(root)
        cold = time.perf_counter() - t0
    finally:
        if old is None:
            os.environ.pop("PERSPECTIVES_TEST_PREFIX", None)
        else:
            os.environ["PERSPECTIVES_TEST_PREFIX"] = old
    return {"root": root, "result": result, "seconds": cold}


def _copy_built(built: dict[str, object], dest: Path) -> Path:
    """A copy of the built project (stamps hold no absolute paths, so it is up to date)."""
    shutil.copytree(built["root"], dest)  # type: ignore[arg-type]
    return dest


# --------------------------------------------------------------------------- unit level


def test_unknown_country_or_section_raise_before_running(tmp_path: Path) -> None:
    root = _make_project(tmp_path / "p")
    with pytest.raises(ValueError, match="XXX.*ALB, ALL"):
        _build(root, countries=["XXX"])
    with pytest.raises(ValueError, match="nope.*alpha, beta"):
        _build(root, sections=["nope"])
    assert not (root / "out" / "ALB").exists()


def test_cli_usage_errors_exit_2(capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli.main(["build", "--country", "XXX"]) == 2
    err = capsys.readouterr().err
    assert "XXX" in err and "ALB" in err and "PER" in err
    assert cli.main(["build", "--jobs", "0"]) == 2
    monkeypatch.setitem(cli.DELEGATED, "diff", ("perspectives.no_such_module", "x"))
    assert cli.main(["diff", "--anything"]) == 2
    assert "not available yet" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        cli.main(["build", "--no-such-flag"])
    assert exc.value.code == 2


def test_notebook_hash_ignores_outputs_but_not_source(tmp_path: Path) -> None:
    src = FIXTURE / "notebooks" / "beta.ipynb"
    nb = json.loads(src.read_text())
    base = hashing.notebook_hash(src)
    nb["cells"][3]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x"}]
    nb["cells"][3]["execution_count"] = 5
    nb["cells"][3]["metadata"]["collapsed"] = True
    nb["cells"][3]["id"] = "other-id"
    (tmp_path / "a.ipynb").write_text(json.dumps(nb))
    assert hashing.notebook_hash(tmp_path / "a.ipynb") == base
    nb["cells"][3]["source"] = "row = None"
    (tmp_path / "b.ipynb").write_text(json.dumps(nb))
    assert hashing.notebook_hash(tmp_path / "b.ipynb") != base


def test_library_dependencies_follow_imports_transitively(tmp_path: Path) -> None:
    lib = FIXTURE / "lib"
    nbs = FIXTURE / "notebooks"
    assert build.library_dependencies(nbs / "alpha.ipynb", lib, "fakepersp") == [
        "__init__.py", "common.py", "mod_a.py"]
    assert build.library_dependencies(nbs / "beta.ipynb", lib, "fakepersp") == [
        "__init__.py", "mod_b.py"]
    assert build.library_dependencies(nbs / "summary.ipynb", lib, "fakepersp") == []
    # a dynamic import cannot be followed: every module counts
    nb = json.loads((nbs / "summary.ipynb").read_text())
    nb["cells"][2]["source"] = "import importlib\nm = importlib.import_module(name)\n%matplotlib inline"
    (tmp_path / "dyn.ipynb").write_text(json.dumps(nb))
    assert build.library_dependencies(tmp_path / "dyn.ipynb", lib, "fakepersp") == [
        "__init__.py", "common.py", "mod_a.py", "mod_b.py"]


def test_stamp_reason_names_what_changed() -> None:
    old = {"version": plan.STAMP_VERSION, "notebook": "n", "parameters": "p",
           "data": {"data/a.csv": "1"}, "library": {"stats.py": "1", "fmt.py": "1"},
           "environment": "e", "upstream": {}}
    assert plan.stamp_reason(None, old) == "new"
    assert plan.stamp_reason(old, dict(old)) is None
    assert plan.stamp_reason(old, {**old, "inputs": ["shown only"]}) is None
    assert plan.stamp_reason(old, {**old, "parameters": "q"}) == "parameters changed"
    assert plan.stamp_reason(old, {**old, "environment": "f"}) == "environment changed"
    assert plan.stamp_reason(old, {**old, "data": {"data/a.csv": "2"}}) == "data changed: data/a.csv"
    assert plan.stamp_reason(old, {**old, "library": {"stats.py": "2", "fmt.py": "1"}}) \
        == "library changed: stats.py"
    # a module no longer imported counts as a change too
    assert plan.stamp_reason(old, {**old, "library": {"fmt.py": "1"}}) == "library changed: stats.py"


# --------------------------------------------------------------------------- builds


def test_cold_build_runs_every_notebook_in_the_venv_kernel(built: dict[str, object]) -> None:
    result: build.BuildResult = built["result"]  # type: ignore[assignment]
    root: Path = built["root"]  # type: ignore[assignment]
    assert result.ok, result.summary()
    assert _executed(result) == {("ALB", "alpha"), ("ALB", "beta"), ("ALL", "alpha"), ("ALL", "beta")}
    assert {r.reason for r in result.runs} == {"new"}
    out = root / "out"
    for folder, code in (("ALB", "ALB"), ("synthesis", "ALL")):
        values = json.loads((out / folder / "sections" / "alpha" / "values.json").read_text())
        assert {"name": "kernel_in_venv", "value": True, "country": code} in values
        assert (out / folder / "sections" / "beta" / "stamp.json").is_file()
        assert (out / folder / "report.html").is_file()
    assert not (out / ".tmp").exists()
    index = (out / "index.html").read_text()
    assert 'href="ALB/report.html"' in index and 'href="synthesis/report.html"' in index
    print(f"\ncold build of 2 sections x 2 reports: {built['seconds']:.1f}s")


def test_report_shows_outputs_not_code_or_paths(built: dict[str, object]) -> None:
    root: Path = built["root"]  # type: ignore[assignment]
    html = (root / "out" / "ALB" / "report.html").read_text()
    assert "National report: Albania" in html and "In partnership with" in html  # the cover
    assert "report ALB" in html  # the HTML table output of alpha
    assert "alpha stdout line" in html and "beta value 3" in html
    # An SVG output is shown as an image (a script or link inside it does nothing), never inline.
    assert '<img src="data:image/svg+xml;base64,' in html and "<svg" not in html
    for absent in ("SECRET_CODE_MARKER", "import json", "output_dir", "hidden output",
                   "In [", "Out[", str(root), str(Path.home()) + "/"):
        assert absent not in html, absent
    # table of contents links to unique heading ids, in section order
    assert html.index('href="#alpha-alpha-section"') < html.index('href="#alpha-alpha-details"') \
        < html.index('href="#beta-beta-section"') < html.index('href="#beta-beta-overview"')
    assert 'id="alpha-alpha-details"' in html
    # the data it was built from: name and sha256, not the folder
    # (a reader compares a short fingerprint; the full digest is in the manifest beside the reports)
    from perspectives import report_annex

    assert "survey_export.csv" in html and hashlib.sha256(SURVEY).hexdigest()[:report_annex.FINGERPRINT] in html
    assert "data/synthetic" not in html
    executed = (root / "out" / "ALB" / "sections" / "alpha" / "executed.ipynb").read_text()
    assert str(root) not in executed and ".tmp" not in executed
    synth = (root / "out" / "synthesis" / "report.html").read_text()
    name = load_study(root / "params" / "study.yml").report_name("ALL")
    # The synthesis is named by the study's report name in the index; its own page by its cover.
    assert name in (root / "out" / "index.html").read_text()
    assert "<title>" in synth and f"<title>{name}" not in synth
    assert "report ALL" in synth


def test_noop_build_executes_nothing_and_starts_no_server_or_browser(
        built: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its speed is measured by the benchmark; here, that it does no work it need not do."""
    from perspectives import pdf
    from perspectives.build import forkserver

    def refuse(what: str):  # noqa: ANN202
        def start(*args: object, **kwargs: object) -> None:
            raise AssertionError(f"a no-change build started {what}")
        return start

    root = _copy_built(built, tmp_path / "p")
    before = (root / "out" / "ALB" / "report.html").read_bytes()
    monkeypatch.setattr(forkserver.ForkServer, "start", refuse("the run server"))
    monkeypatch.setattr(pdf.Printer, "start", refuse("a browser"))
    monkeypatch.setattr(build.schedule.ProcessPoolExecutor, "__init__", refuse("a process pool"))
    result = _build(root)
    assert result.ok
    assert _executed(result) == set()
    assert result.reports_written == [] and sorted(result.reports_unchanged) == ["ALB", "ALL"]
    assert (root / "out" / "ALB" / "report.html").read_bytes() == before


def test_library_edit_reruns_only_importing_notebooks(built: dict[str, object], tmp_path: Path) -> None:
    root = _copy_built(built, tmp_path / "p")
    common = root / "lib" / "fakepersp" / "common.py"
    common.write_text(common.read_text().replace('f"report {country}"', 'f"Report {country}"'))
    result = _build(root)
    assert result.ok, result.summary()
    assert _executed(result) == {("ALB", "alpha"), ("ALL", "alpha")}
    assert {r.reason for r in result.runs if r.status == "ok"} == {"library changed: common.py"}
    assert "Report ALB" in (root / "out" / "ALB" / "report.html").read_text()
    # a notebook edit that only touches outputs does not count; a source edit does
    nb_path = root / "notebooks" / "beta.ipynb"
    nb = json.loads(nb_path.read_text())
    nb["cells"][3]["execution_count"] = 9
    nb_path.write_text(json.dumps(nb))
    assert _executed(_build(root)) == set()
    nb["cells"][0]["source"] = "# Beta section\n\n## Beta overview\n\nEdited text."
    nb_path.write_text(json.dumps(nb))
    result = _build(root, countries=["ALB"])
    assert _executed(result) == {("ALB", "beta")}
    assert result.runs[-1].reason == "notebook changed"


def test_remembered_imports_are_reused_and_a_changed_module_is_read_again(
        built: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The library's imports are kept between builds by content; an edit that adds one is followed."""
    root = _copy_built(built, tmp_path / "p")
    assert (root / "out" / build.IMPORTS_FILE).is_file()
    parsed: list[str] = []
    real = plan.LibraryIndex.imports_in

    def imports_in(self: plan.LibraryIndex, tree: object, current: str | None = None,
                   is_pkg: bool = False) -> tuple[set[str], bool]:
        if current is not None:  # a library module (None: a notebook's own cells)
            parsed.append(current)
        return real(self, tree, current, is_pkg)

    monkeypatch.setattr(plan.LibraryIndex, "imports_in", imports_in)
    assert _executed(_build(root)) == set() and parsed == []
    mod_b = root / "lib" / "fakepersp" / "mod_b.py"
    mod_b.write_text(mod_b.read_text() + "\nfrom fakepersp import common  # noqa: E402,F401\n")
    result = _build(root)
    assert parsed == ["fakepersp.mod_b"]
    # beta imported __init__ and mod_b; it now imports common too, through mod_b
    assert _executed(result) == {("ALB", "beta"), ("ALL", "beta")}
    assert {r.reason for r in result.runs if r.status == "ok"} == {"library changed: common.py, mod_b.py"}


def test_forced_build_reassembles_its_reports(built: dict[str, object], tmp_path: Path) -> None:
    """A forced run keeps its stamp; its report is assembled again all the same."""
    root = _copy_built(built, tmp_path / "p")
    before = (root / "out" / "ALB" / "report.html").read_bytes()
    result = _build(root, countries=["ALB"], force=True)
    assert result.ok and _executed(result) == {("ALB", "alpha"), ("ALB", "beta")}
    assert result.reports_written == ["ALB"]
    assert (root / "out" / "ALB" / "report.html").read_bytes() == before  # the same inputs, the same bytes


def test_damaged_files_a_build_remembers_are_ignored(built: dict[str, object], tmp_path: Path) -> None:
    """Hand-edited or broken caches cost a recomputation, never a crash or a missed dependency."""
    root = _copy_built(built, tmp_path / "p")
    imports = root / "out" / build.IMPORTS_FILE
    doc = json.loads(imports.read_text())
    layout = doc["layout"]
    module = "fakepersp.mod_a"
    digest = doc["modules"][module][0]
    for entry in (5, [digest, None, False], [digest, "fakepersp.common", False], [digest, [1, [2]], False]):
        imports.write_text(json.dumps({"layout": layout, "modules": {module: entry}}))
        result = _build(root)
        assert result.ok and _executed(result) == set(), entry
        assert json.loads(imports.read_text())["modules"][module] == [digest, ["fakepersp", "fakepersp.common"],
                                                                     False]
    imports.write_text(json.dumps({"layout": layout, "modules": "xy"}))
    (root / "out" / "ALB" / "provenance.json").write_bytes(b"\xff\xfe not text")
    (root / "out" / "synthesis" / ".report-stamp.json").write_text("[1]")
    result = _build(root)
    assert result.ok and _executed(result) == set()
    assert result.reports_written == ["ALL"]  # its stamp unreadable: assembled again
    json.loads((root / "out" / "ALB" / "provenance.json").read_text(encoding="utf-8"))


def test_failing_run_is_contained(built: dict[str, object], tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    root = _copy_built(built, tmp_path / "p")
    out = root / "out"
    alb_report = (out / "ALB" / "report.html").read_bytes()
    alb_beta_stamp = (out / "ALB" / "sections" / "beta" / "stamp.json").read_bytes()
    all_report = (out / "synthesis" / "report.html").read_bytes()
    mod_b = root / "lib" / "fakepersp" / "mod_b.py"
    good = mod_b.read_text()
    mod_b.write_text(good.replace(
        '    return {"name"',
        '    if country == "ALB":\n        raise LookupError("dummy failure for ALB")\n    return {"name"'
    ).replace("len(country)", "len(country) + 100"))
    result = _build(root)
    assert not result.ok
    assert [(r.report, r.section) for r in result.failed] == [("ALB", "beta")]
    assert ("ALL", "beta") in _executed(result)
    failure = result.failed[0]
    assert failure.error.cell_index == 3  # index in the source notebook
    assert failure.error.cell_source == "row = mod_b.value(country)"
    assert failure.error.ename == "LookupError"
    summary = result.summary()
    for part in ("ALB", "beta", "notebooks/beta.ipynb", "cell 3", "row = mod_b.value(country)",
                 "LookupError", "dummy failure for ALB"):
        assert part in summary, part
    # the failed run's notebook is kept for inspection, named so that it opens from this folder;
    # the good run and report are untouched
    assert (out / "ALB" / "failed" / "beta.ipynb").is_file()
    assert Path(failure.failed_notebook).resolve() == (out / "ALB" / "failed" / "beta.ipynb").resolve()
    assert f"partial notebook: {failure.failed_notebook}" in summary
    assert (out / "ALB" / "sections" / "beta" / "stamp.json").read_bytes() == alb_beta_stamp
    assert (out / "ALB" / "report.html").read_bytes() == alb_report
    assert "ALB" in result.reports_not_written and "ALL" in result.reports_written
    assert (out / "synthesis" / "report.html").read_bytes() != all_report
    assert "beta value 103" in (out / "synthesis" / "report.html").read_text()
    # the CLI exits 1 and re-runs only the failed run
    monkeypatch.setattr(build, "build", functools.partial(
        build.build, root=root, package="fakepersp", grid=load_grid(root / "params" / "grid.yml")))
    capsys.readouterr()
    assert cli.main(["build", "--project", str(root), "--out", str(out), "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "[1/1] ALB beta FAILED" in err and "previous run failed" in err
    # fixed: the run succeeds, the report is rebuilt and the failure marker goes away
    mod_b.write_text(good)
    result = _build(root)
    assert result.ok, result.summary()
    assert ("ALB", "beta") in _executed(result)
    assert not (out / "ALB" / "failed").exists()
    # The fixed code gives the run it gave before the failure, byte for byte: the report
    # already shows it, so it is kept as it is, not rewritten.
    assert "ALB" in result.reports_unchanged and "ALB" not in result.reports_not_written
    assert (out / "ALB" / "report.html").read_bytes() == alb_report


def test_after_section_runs_last_and_follows_upstream(built: dict[str, object], tmp_path: Path) -> None:
    root = _copy_built(built, tmp_path / "p")
    result = _build(root, grid="grid_after.yml", countries=["ALB"])
    # alpha/beta of ALB are up to date from the copied build; the summary is new
    assert _executed(result) == {("ALB", "summary")}
    values = json.loads((root / "out" / "ALB" / "sections" / "summary" / "values.json").read_text())
    assert values == [{"name": "values_seen", "value": 3, "country": "ALB"}]
    html = (root / "out" / "ALB" / "report.html").read_text()
    assert html.index("summary saw 3 values") < html.index("report ALB")  # position: first
    mod_b = root / "lib" / "fakepersp" / "mod_b.py"
    mod_b.write_text(mod_b.read_text().replace('"n": 7', '"n": 8'))
    result = _build(root, grid="grid_after.yml", countries=["ALB"])
    reasons = {r.section: r.reason for r in result.runs if r.status == "ok"}
    assert reasons == {"beta": "library changed: mod_b.py", "summary": "upstream changed: beta"}


def test_each_report_is_assembled_once_its_own_runs_are_done(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    root = _make_project(tmp_path / "p")
    calls: list[tuple[str, list[str]]] = []
    original = publish.Publisher._assemble_one

    def spy(self: publish.Publisher, code: str) -> str:
        folder = root / "out" / ("synthesis" if code == "ALL" else code) / "sections"
        calls.append((code, sorted(p.parent.name for p in folder.glob("*/stamp.json"))))
        return original(self, code)

    monkeypatch.setattr(publish.Publisher, "_assemble_one", spy)
    result = _build(root, grid="grid_after.yml")  # both reports: ALB and the synthesis
    assert result.ok, result.summary()
    # once per report, every run of it already in place (which report's last run ends first
    # is a matter of timing, though the synthesis starts first)
    assert sorted(calls) == [("ALB", ["alpha", "beta", "summary"]), ("ALL", ["alpha", "beta", "summary"])]
    assert result.reports_written == ["ALB", "ALL"]  # reported in grid order all the same


@pytest.mark.parametrize("pdf_setting", ["0", "1"])
def test_prepare_warms_a_browser_only_when_pdfs_are_wanted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           pdf_setting: str) -> None:
    from perspectives import pdf

    monkeypatch.setenv("PERSPECTIVES_PDF", pdf_setting)
    warmed: list[str] = []
    monkeypatch.setattr(pdf.Printer, "start", lambda self: warmed.append("start"))
    monkeypatch.setattr(pdf.Printer, "warm_up", lambda self, css="": warmed.append("warm_up"))
    monkeypatch.setattr(pdf.Printer, "close", lambda self: warmed.append("close"))
    assembler = publish.Publisher(build.BuildResult(), [], tmp_path, REPO, load_study(), load_grid(), 1)
    assembler.prepare()
    assembler.finish(set())
    assert warmed == ([] if pdf_setting == "0" else ["start", "warm_up", "close"])


def test_assembly_is_deterministic(built: dict[str, object], tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    root = _copy_built(built, tmp_path / "p")
    folder = root / "out" / "ALB"
    study = load_study(root / "params" / "study.yml")
    grid = load_grid(root / "params" / "grid.yml")
    first = (folder / "report.html").read_bytes()
    assert assemble.assemble_report("ALB", folder, study, grid, force=True) is True
    assert (folder / "report.html").read_bytes() == first
    assert assemble.assemble_report("ALB", folder, study, grid) is False  # inputs unchanged
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1627257600")
    assert assemble.assemble_report("ALB", folder, study, grid) is True
    dated = (folder / "report.html").read_bytes()
    # The annex states the build's date, in British English; the cover the study's own edition date.
    assert b"Built on 26 July 2021" in dated
    assert b"Published 2022" in dated and b"Version of" not in dated
    assemble.assemble_report("ALB", folder, study, grid, force=True)
    assert (folder / "report.html").read_bytes() == dated


def test_report_refuses_to_show_a_local_path(built: dict[str, object], tmp_path: Path) -> None:
    root = _copy_built(built, tmp_path / "p")
    folder = root / "out" / "ALB"
    before = (folder / "report.html").read_bytes()
    study = load_study(root / "params" / "study.yml")
    grid = load_grid(root / "params" / "grid.yml")
    with pytest.raises(assemble.AssemblyError, match="local path"):
        # "report ALB" is shown in the alpha output: treat it as if it were a folder name
        assemble.assemble_report("ALB", folder, study, grid, forbidden=["report ALB"], force=True)
    assert (folder / "report.html").read_bytes() == before


def test_a_changed_source_date_epoch_redoes_the_runs(built: dict[str, object], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """An executed notebook states $SOURCE_DATE_EPOCH: setting or changing it makes runs due."""
    root = _copy_built(built, tmp_path / "p")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1617235200")
    result = _build(root, dry_run=True)
    assert {r.reason for r in result.runs} == {"clock changed"}


def test_a_notebook_that_is_not_json_fails_its_runs_naming_it(built: dict[str, object], tmp_path: Path) -> None:
    root = _copy_built(built, tmp_path / "p")
    (root / "notebooks" / "beta.ipynb").write_text("{not json", encoding="utf-8")
    result = _build(root)
    assert {(r.section, r.error.ename) for r in result.failed} == {("beta", "ContractError")}
    assert all("beta.ipynb is not a notebook" in r.error.evalue for r in result.failed)
    assert ("ALB", "alpha") not in {(r.report, r.section) for r in result.failed}


def test_what_an_interrupted_build_left_is_cleared_under_the_lock(built: dict[str, object], tmp_path: Path) -> None:
    root = _copy_built(built, tmp_path / "p")
    stale = root / "out" / "ALB" / "sections" / ".alpha.tmp-abc123"
    stale.mkdir()
    (stale.parent / ".alpha.tmp-abc123.log").write_text("kernel chatter")
    result = _build(root)  # nothing to run: the leftovers go all the same
    assert result.ok and not stale.exists() and not (stale.parent / ".alpha.tmp-abc123.log").exists()
