"""No mixture after a fault: a report's files are of one build whenever its stamp calls it current.

A build can be stopped at any moment (a kill), run out of disk, meet a read-only folder, or
find a remembered file damaged. Whatever happens:

* a report's stamp (``.report-stamp.json``) is written only once its HTML, Word and PDF are
  all in place, and is removed before the first of them is replaced;
* a full disk or a read-only folder stops the build with one sentence naming the cause and
  a non-zero exit, never a traceback; reports finished before stay as they were;
* the next build repairs what was left, to the bytes a clean build writes;
* a stamp or cache of the wrong shape costs a recomputation, never a traceback.

Most tests use the stand-in project of test_build.py (two tiny sections, reports ALB and the
synthesis). Faults of the file system are simulated by making the build's one atomic write
raise the error a full disk or a read-only folder gives (tests run as root, where a chmod
stops nothing); ``perspectives build`` was also tried by hand on a full tmpfs and on a
read-only mount. The kill test runs ``perspectives build --country MDA`` on a copy of this
checkout and kills it at several points.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from pdf_text import pdf_text, squeezed
from stand_in import copy_checkout, make_project

import perspectives.pdf
from perspectives import build, cli, disclosure, files
from perspectives.study import load_grid

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPORT_FILES = ("report.html", "report.docx", "report.pdf")
chromium = pytest.mark.skipif(perspectives.pdf.find_chromium() is None,
                              reason="chromium is not installed (make pdf-tools)")


def _build(root: Path, **kw: object) -> build.BuildResult:
    return build.build(root=root, out=root / "out", jobs=2, package="fakepersp",
                       grid=load_grid(root / "params" / "grid.yml"), **kw)


def _digests(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` by relative path, as SHA-256 (the build lock left out)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".build.lock"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One clean build of the stand-in project (ALB and the synthesis, PDFs included)."""
    root = make_project(tmp_path_factory.mktemp("clean") / "proj")
    result = _build(root)
    assert result.ok, result.summary()
    return root


def _copy(built: Path, dest: Path) -> Path:
    shutil.copytree(built, dest)
    return dest


def _cli(root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         *args: str) -> tuple[int, str]:
    """``perspectives build ARGS`` on the stand-in project: the exit code and what it printed on stderr."""
    monkeypatch.setattr(build, "build", functools.partial(
        build.build, root=root, package="fakepersp", grid=load_grid(root / "params" / "grid.yml")))
    capsys.readouterr()
    code = cli.main(["build", "--project", str(root), "--out", str(root / "out"), "--jobs", "1", *args])
    return code, capsys.readouterr().err


# The modules that write with the one atomic write.
WRITERS = ("perspectives.assemble", "perspectives.pdf", "perspectives.provenance", "perspectives.disclosure",
           "perspectives.build.plan", "perspectives.build.schedule", "perspectives.build")


def _patch_writes(monkeypatch: pytest.MonkeyPatch, write: Callable[[Path, bytes | str], None]) -> None:
    """Give every module that writes with the one atomic write ``write`` instead."""
    for name in WRITERS:  # imported by the build when it needs them: here before it starts
        importlib.import_module(name)
    real = files.write_atomic
    for module in list(sys.modules.values()):
        if getattr(module, "write_atomic", None) is real:
            monkeypatch.setattr(module, "write_atomic", write)


def _strike(monkeypatch: pytest.MonkeyPatch, number: int, name: str) -> list[Path]:
    """Make every atomic write of a file called ``name`` fail as ``number`` (ENOSPC...) makes it fail.

    Returns:
        The files the build tried to write (filled in as it goes).
    """
    real = files.write_atomic
    struck: list[Path] = []

    def write_atomic(dest: Path, data: bytes | str) -> None:
        if Path(dest).name == name:
            struck.append(Path(dest))
            raise OSError(number, os.strerror(number), str(dest))
        real(dest, data)

    _patch_writes(monkeypatch, write_atomic)
    return struck


# --------------------------------------------------------------------------- the stamp comes last


def test_the_report_stamp_goes_before_its_files_change_and_comes_back_after_all_three(
        built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _copy(built, tmp_path / "p")
    folder = root / "out" / "ALB"
    real = files.write_atomic
    seen: list[tuple[str, bool]] = []  # (file written, whether the report's stamp existed then)
    lock = threading.Lock()

    def write_atomic(dest: Path, data: bytes | str) -> None:
        with lock:
            if Path(dest).parent == folder:
                seen.append((Path(dest).name, (folder / ".report-stamp.json").exists()))
        real(dest, data)

    _patch_writes(monkeypatch, write_atomic)
    result = _build(root, countries=["ALB"], force=True)
    assert result.ok and result.reports_written == ["ALB"], result.summary()
    names = [name for name, _ in seen]
    assert names[-1] == ".report-stamp.json" and names.count(".report-stamp.json") == 1
    assert set(REPORT_FILES) <= set(names[:-1])  # all three in place before the stamp
    # no file of the report was replaced while the previous stamp still called it current
    assert [name for name, stamped in seen if stamped and name in REPORT_FILES] == []


def _stand_in_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    browser = tmp_path / "stand-in-chromium"
    browser.write_text(f"#!/bin/sh\nexec '{sys.executable}' '{FIXTURES / 'stand_in_browser.py'}' \"$@\"\n",
                       encoding="utf-8")
    browser.chmod(0o755)
    monkeypatch.setenv("PERSPECTIVES_CHROMIUM", str(browser))
    monkeypatch.setenv("STAND_IN_BROWSER", mode)


@chromium
def test_a_report_whose_pdf_did_not_print_fails_and_is_printed_by_the_next_build(
        built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = _copy(built, tmp_path / "p")
    folder = root / "out" / "ALB"
    before = {name: (folder / name).read_bytes() for name in REPORT_FILES}
    _stand_in_browser(tmp_path, monkeypatch, "dialog")  # every page opens a dialog
    code, err = _cli(root, monkeypatch, capsys, "--country", "ALB", "--force")
    assert code == 1
    assert "REPORT NOT WRITTEN ALB: report.pdf not printed: the page opened a dialog (alert)" in err
    assert "Traceback" not in err
    assert not (folder / ".report-stamp.json").exists()  # nothing calls it current
    assert not (folder / "report.pdf").exists()  # the print of an earlier HTML is not left beside it
    assert (folder / "report.html").read_bytes() == before["report.html"]
    monkeypatch.delenv("PERSPECTIVES_CHROMIUM")  # the machine's Chromium again
    result = _build(root, countries=["ALB"])
    assert result.ok and result.reports_written == ["ALB"], result.summary()
    assert {name: (folder / name).read_bytes() for name in REPORT_FILES} == before
    assert (folder / ".report-stamp.json").is_file()


# --------------------------------------------------------------------------- full disk, read-only folder


@pytest.mark.parametrize(("name", "number", "cause"), [
    ("report.docx", errno.ENOSPC, "the disk is full"),
    ("report.pdf", errno.EROFS, "the folder is on a read-only file system"),
    (".report-stamp.json", errno.EACCES, "permission denied"),
    ("stamp.json", errno.ENOSPC, "the disk is full"),  # a run's stamp, as the run is moved into place
])
def test_a_full_disk_or_read_only_folder_stops_the_build_in_one_sentence_and_the_next_build_repairs(
        built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        name: str, number: int, cause: str) -> None:
    root = _copy(built, tmp_path / "p")
    out = root / "out"
    clean = _digests(out)
    # The report files of a clean build of the same inputs (the copy's own, built clean).
    struck = _strike(monkeypatch, number, name)
    if name == "report.pdf" and perspectives.pdf.find_chromium() is None:
        pytest.skip("chromium is not installed (make pdf-tools)")
    code, err = _cli(root, monkeypatch, capsys, "--country", "ALB", "--force")
    assert struck, "the fault was never met"
    assert code == 1
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"perspectives build: stopped: {cause} (") and name in last
    assert last.count(". ") == 0  # one sentence
    # The synthesis, outside this build, is as it was; ALB is either as it was or unstamped.
    assert {k: v for k, v in _digests(out).items() if k.startswith("synthesis/")} == \
        {k: v for k, v in clean.items() if k.startswith("synthesis/")}
    stamp = out / "ALB" / ".report-stamp.json"
    if stamp.exists():
        assert {k: v for k, v in _digests(out).items() if k.startswith("ALB/") and "/sections/" not in k} == \
            {k: v for k, v in clean.items() if k.startswith("ALB/") and "/sections/" not in k}
    monkeypatch.undo()  # the disk has room again
    result = _build(root)
    assert result.ok, result.summary()
    assert _digests(out) == clean


def test_a_run_that_fails_on_a_full_disk_stops_the_build_in_one_sentence(
        built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A notebook meets the full disk first: the build stops there, rather than listing every run it fails."""
    root = _copy(built, tmp_path / "p")
    mod_b = root / "lib" / "fakepersp" / "mod_b.py"
    good = mod_b.read_text()
    mod_b.write_text(good.replace('    return {"name"', '    raise OSError(28, "No space left on device")\n'
                                                         '    return {"name"'))
    code, err = _cli(root, monkeypatch, capsys, "--country", "ALB")
    assert code == 1 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("perspectives build: stopped: the disk is full (")
    mod_b.write_text(good)
    assert _build(root).ok


# --------------------------------------------------------------------------- remembered files of the wrong shape


# Files of the wrong shape: JSON of another type (the issue's ``[]``), JSON cut short (a
# write that a full disk stopped, in a program other than the build), bytes that are not text.
WRONG_SHAPES = [b"[]", b'{"version": 1, "da', b"\xff\xfe not text"]


@pytest.mark.parametrize("content", [*WRONG_SHAPES, b'{"version": 1, "data": 5, "library": [1], "upstream": "x"}'])
def test_a_run_stamp_of_the_wrong_shape_only_costs_the_run(built: Path, tmp_path: Path, content: bytes) -> None:
    root = _copy(built, tmp_path / "p")
    out = root / "out"
    clean = _digests(out)
    (out / "ALB" / "sections" / "alpha" / "stamp.json").write_bytes(content)
    result = _build(root)
    assert result.ok, result.summary()
    assert {(r.report, r.section) for r in result.executed} == {("ALB", "alpha")}
    assert _digests(out) == clean


@pytest.mark.parametrize("content", [*WRONG_SHAPES, b"{}", b'{"version": 1, "inputs": 5}'])
def test_a_run_stamp_of_the_wrong_shape_outside_the_build_leaves_the_section_out_not_the_build(
        built: Path, tmp_path: Path, content: bytes) -> None:
    """Assembling ALB reads the stamps of sections this build does not run: one damaged is a section not built."""
    root = _copy(built, tmp_path / "p")
    out = root / "out"
    (out / "ALB" / "sections" / "beta" / "stamp.json").write_bytes(content)
    result = _build(root, countries=["ALB"], sections=["alpha"], force=True)
    assert result.ok, result.summary()
    assert "Sections not built yet: Beta section." in (out / "ALB" / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [".report-stamp.json", "provenance.json"])
@pytest.mark.parametrize("content", [*WRONG_SHAPES, b'{"digest": 5}'])
def test_a_report_file_of_the_wrong_shape_only_costs_its_assembly(
        built: Path, tmp_path: Path, name: str, content: bytes) -> None:
    root = _copy(built, tmp_path / "p")
    out = root / "out"
    clean = _digests(out)
    (out / "ALB" / name).write_bytes(content)
    # A build of the synthesis alone writes the index and manifest from every report's record.
    assert _build(root, countries=["ALL"]).ok
    result = _build(root)
    assert result.ok, result.summary()
    assert _digests(out) == clean


@pytest.mark.parametrize("content", [*WRONG_SHAPES, b'{"layout": 5, "modules": []}'])
def test_remembered_imports_of_the_wrong_shape_are_read_again(built: Path, tmp_path: Path, content: bytes) -> None:
    root = _copy(built, tmp_path / "p")
    out = root / "out"
    clean = _digests(out)
    (out / build.IMPORTS_FILE).write_bytes(content)
    result = _build(root)
    assert result.ok and result.executed == [], result.summary()
    assert _digests(out) == clean


def test_remembered_disclosure_decisions_of_the_wrong_shape_are_searched_again(tmp_path: Path) -> None:
    path = tmp_path / build.DECISIONS_FILE
    disclosure.save_decisions(path)
    rule = json.loads(path.read_text(encoding="utf-8"))["rule"]  # the rule's digest, as the build wrote it
    for content in [*WRONG_SHAPES, json.dumps({"rule": rule, "layouts": [1]}).encode(),
                    json.dumps({"rule": rule, "layouts": {"some-layout": 5}}).encode()]:
        path.write_bytes(content)
        assert disclosure.load_decisions(path) == 0, content


def test_a_remembered_export_validation_of_the_wrong_shape_reads_the_export_again(
        tmp_path: Path, tiny_export: Path) -> None:
    from perspectives.build.plan import FileHasher, LibraryIndex
    from perspectives.build.preflight import VALIDATED_FILE, preflight
    from perspectives.study import repo_root

    root = repo_root()
    out = tmp_path / "out"
    out.mkdir()
    library = LibraryIndex(root / "lib", "perspectives", FileHasher())
    lock = root / "requirements.lock"
    first = preflight(tiny_export, None, out=out, root=root, library=library, lock=lock)
    assert first is not None and first.new
    first.remember()
    assert not preflight(tiny_export, None, out=out, root=root, library=library, lock=lock).new
    for content in [*WRONG_SHAPES, json.dumps({"key": first.key, "lines": [1, 2]}).encode()]:
        (out / VALIDATED_FILE).write_bytes(content)
        again = preflight(tiny_export, None, out=out, root=root, library=library, lock=lock)
        assert again is not None and again.new and again.lines == first.lines, content


# --------------------------------------------------------------------------- kills


MARKER = "Kestrelquill"  # a word found nowhere else, added to one section's text
# A section that runs after no other (params/grid.yml), so it builds alone, with a Markdown cell.
NOTEBOOK, SECTION = "notebooks/06_prevention.ipynb", "prevention"


def _mark(checkout: Path) -> None:
    """Add a sentence with :data:`MARKER` to the section's first Markdown cell."""
    path = checkout / NOTEBOOK
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cell = next(c for c in notebook["cells"] if c["cell_type"] == "markdown")
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    cell["source"] = source + f" {MARKER} marks this build."
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _command(checkout: Path) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ, PYTHONPATH=str(checkout / "lib"), PYTHONUNBUFFERED="1")
    env.pop("SOURCE_DATE_EPOCH", None)
    env.pop("PERSPECTIVES_CHROMIUM", None)
    # One section of one report: the report is assembled and printed all the same (it says
    # which sections are not built yet), and each build takes seconds.
    return [sys.executable, "-m", "perspectives.cli", "build", "--country", "MDA", "--section", SECTION,
            "--jobs", "2"], env


def _cli_build(checkout: Path) -> str:
    command, env = _command(checkout)
    done = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started (its direct children)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _build_killed(checkout: Path, when: Callable[[list[str]], bool]) -> list[str]:
    """Run the build in ``checkout`` and SIGKILL it as soon as ``when(progress lines)`` holds.

    Its own children (the run server, the browser) are left to notice it is gone, as after a
    real kill; they are waited for (and stopped if they linger) before the next build.
    """
    command, env = _command(checkout)
    process = subprocess.Popen(command, cwd=checkout, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stderr.readline, "")), daemon=True)
    reader.start()
    children: set[int] = set()
    try:
        while not when(lines):
            assert process.poll() is None, "the build ended before the kill point:\n" + "".join(lines[-20:])
            children.update(_children(process.pid))
            time.sleep(0.005)
        children.update(_children(process.pid))
        process.kill()
    finally:
        process.kill()
        process.wait()
        reader.join()
        for _ in range(600):  # they notice their pipe closed within seconds
            if not any(_alive(pid) for pid in children):
                break
            time.sleep(0.05)
        for pid in children:  # each is the leader of its own process group
            if _alive(pid):
                os.killpg(pid, signal.SIGKILL)
    return lines


def _changed(path: Path, before: bytes | None) -> Callable[[list[str]], bool]:
    def check(lines: list[str]) -> bool:
        try:
            return path.read_bytes() != before
        except OSError:
            return False
    return check


def _report_words(folder: Path) -> dict[str, bool]:
    """For each of the report's files: whether it shows :data:`MARKER` (is of the new build)."""
    with zipfile.ZipFile(folder / "report.docx") as docx:
        word = docx.read("word/document.xml").decode("utf-8")
    return {"report.html": MARKER in (folder / "report.html").read_text(encoding="utf-8"),
            "report.docx": MARKER in word,
            "report.pdf": MARKER in squeezed(pdf_text(folder / "report.pdf"))}


@chromium
def test_a_build_killed_at_any_point_leaves_no_stamped_mixture_and_the_next_build_repairs_it(
        tmp_path: Path) -> None:
    # The reference: the marked checkout built clean.
    reference = copy_checkout(tmp_path / "reference")
    _mark(reference)
    _cli_build(reference)
    expected = _digests(reference / "outputs")
    expected_stamp = (reference / "outputs" / "MDA" / ".report-stamp.json").read_bytes()
    assert all(_report_words(reference / "outputs" / "MDA").values())
    # The checkout the kills happen in: built before the mark, then marked.
    checkout = copy_checkout(tmp_path / "killed")
    _cli_build(checkout)
    outputs = checkout / "outputs"
    before = tmp_path / "before"
    shutil.copytree(outputs, before)
    _mark(checkout)
    folder = outputs / "MDA"
    kill_points = {
        "a run done": lambda lines: any(line.startswith("[1/") for line in lines),
        "the new report.html written": _changed(folder / "report.html", (before / "MDA" / "report.html").read_bytes()),
        "the report's stamp written again": _changed(folder / ".report-stamp.json",
                                                     (before / "MDA" / ".report-stamp.json").read_bytes()),
    }
    for point, when in kill_points.items():
        shutil.rmtree(outputs)
        shutil.copytree(before, outputs)
        _build_killed(checkout, when)
        stamp = folder / ".report-stamp.json"
        if stamp.is_file() and stamp.read_bytes() == expected_stamp:
            # The stamp calls the report current: every one of its files is of the new build.
            assert _report_words(folder) == dict.fromkeys(REPORT_FILES, True), point
        _cli_build(checkout)
        assert _digests(outputs) == expected, point
