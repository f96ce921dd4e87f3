"""The run server a build keeps for the next one (perspectives.build.resident).

What is checked, with real servers, sockets and forks on the stand-in project (no stubs):
- a second build into the same output folder reuses the first build's server (same process),
  and each of its runs is still a fresh fork: a run that fails when it finds an earlier run's
  global or module state passes in every build;
- a changed library file, data file or environment variable, or a server that died, means a
  fresh server, and the stale one is gone;
- a server leaves by itself when idle, when its output folder goes, and when told to stop
  (``perspectives server stop``); 0 minutes keeps none;
- the warm-up's levels: a light server is brought up to a whole build's warm-up, a full one
  serves a light build as it is (``warm.rewarm``).
The byte-for-byte check of a reused server's outputs on the real study is in
test_resident_outputs.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from stand_in import make_project

from perspectives import build, pdf
from perspectives.build import forkserver, resident
from perspectives.build.warm import rewarm
from perspectives.study import load_grid

pytestmark = pytest.mark.skipif(not forkserver.fork_available(), reason="needs os.fork")

PARAMS = 'country = "ALL"\nlang = "en"\ndata_path = None\nconversations_path = None\noutput_dir = None'

# A run that records its process and its server's, fails if an earlier run's state is visible,
# then leaves some behind.
PROBE = [
    "import json, os, pathlib\nimport fakepersp.common as common\nimport fakepersp.report as report\n"
    "assert 'LEFT_BEHIND' not in globals(), 'a global of another run is visible'\n"
    "assert not hasattr(common, 'touched_by'), f'module state of {common.touched_by} run'\n"
    "LEFT_BEHIND = country\ncommon.touched_by = country\n"
    "pathlib.Path(output_dir, 'values.json').write_text(json.dumps([{'name': 'probe', 'country': country, "
    "'value': [os.getppid(), report.WARMED, os.environ.get('PROBE_VARIABLE')]}]))",
]


def _project(dest: Path) -> Path:
    """The stand-in project with one section, ``probe``, for ALB and ALL."""
    import nbformat

    make_project(dest, b"respondent_id,country\n")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Probe section"),
                nbformat.v4.new_code_cell(PARAMS, metadata={"tags": ["parameters"]}),
                *[nbformat.v4.new_code_cell(src) for src in PROBE]]
    nbformat.write(nb, dest / "notebooks" / "probe.ipynb")
    grid = (dest / "params" / "grid.yml").read_text()
    (dest / "params" / "grid_probe.yml").write_text(
        grid.split("sections:")[0] + "sections:\n  - id: probe\n    notebook: notebooks/probe.ipynb\n"
        "    title: Probe section\n\nparameters:\n" + grid.split("parameters:\n", 1)[1])
    (dest / "lib" / "fakepersp" / "report.py").write_text(
        "import os\nWARMED = None\n\n\ndef warm_up(**kwargs):\n    global WARMED\n    WARMED = os.getpid()\n")
    return dest


@pytest.fixture
def kept(monkeypatch: pytest.MonkeyPatch):
    """Builds that keep their server (the suite's configuration keeps none); every server stopped after."""
    folder = tempfile.mkdtemp()  # short: a socket's path has at most ~100 characters
    monkeypatch.setenv("XDG_RUNTIME_DIR", folder)
    monkeypatch.setenv("PERSPECTIVES_PDF", "0")
    yield Path(folder)
    resident.stop_all()
    shutil.rmtree(folder, ignore_errors=True)


def _build(root: Path, minutes: float = 5, **kw: object) -> tuple[build.BuildResult, list[dict]]:
    result = build.build(root=root, out=root / "out", package="fakepersp", jobs=2, engine="fork",
                         grid=load_grid(root / "params" / "grid_probe.yml"), keep_server=minutes, force=True, **kw)
    assert result.ok, result.summary()
    values = [json.loads((root / "out" / folder / "sections" / "probe" / "values.json").read_text())[0]["value"]
              for folder in ("ALB", "synthesis")]
    return result, values


def _server_pid(values: list[dict]) -> int:
    pids = {v[0] for v in values}
    assert len(pids) == 1  # both runs forked by one server
    return pids.pop()


def _alive(pid: int) -> bool:
    try:  # a server started by a build of this process is its child: reaped here once it ended
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_gone(pid: int, seconds: float = 15) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_a_second_build_reuses_the_server_and_each_run_is_a_fresh_fork(kept: Path, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]):
    root = _project(tmp_path / "p")
    _, first = _build(root)
    said = capsys.readouterr().err
    assert "run server ready in" in said and "kept 5 min for the next build" in said
    server = _server_pid(first)
    assert _alive(server)  # the build is over, its server is not
    assert first[0][1] == server  # warmed in the server itself
    _, second = _build(root)
    assert "run server reused, ready in" in capsys.readouterr().err
    assert _server_pid(second) == server
    # the leak probe passed in both builds (result.ok): every run started from the server's state
    assert resident.status(root / "out")["builds"] == 2


@pytest.mark.parametrize("change", ["library", "data", "environment", "killed"])
def test_a_changed_input_or_a_dead_server_means_a_fresh_one(kept: Path, tmp_path: Path, change: str,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]):
    root = _project(tmp_path / "p")
    _, first = _build(root)
    old = _server_pid(first)
    if change == "library":
        with open(root / "lib" / "fakepersp" / "common.py", "a") as fh:
            fh.write("\nADDED = 1\n")
    elif change == "data":
        with open(root / "params" / "study.yml", "a") as fh:
            fh.write("\n# edited\n")
    elif change == "environment":
        monkeypatch.setenv("PROBE_VARIABLE", "new value")
    else:
        os.kill(old, 9)
        assert _wait_gone(old)
    capsys.readouterr()
    _, second = _build(root)
    said = capsys.readouterr().err
    new = _server_pid(second)
    assert new != old and "reused" not in said
    assert _wait_gone(old)  # the stale one was told to stop
    if change == "environment":
        assert second[0][2] == "new value"
        assert "the environment variables changed" in said
    if change == "library":
        assert "the library changed" in said


def test_runs_see_the_environment_of_their_own_build(kept: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = _project(tmp_path / "p")
    monkeypatch.setenv("PWD", "/somewhere")  # a shell variable left out of the fingerprint
    _, first = _build(root)
    monkeypatch.setenv("PWD", "/elsewhere")
    monkeypatch.setenv("OLDPWD", "/somewhere")
    _, second = _build(root)
    assert _server_pid(second) == _server_pid(first)


def test_a_server_leaves_when_idle_when_its_folder_goes_and_when_told(kept: Path, tmp_path: Path):
    root = _project(tmp_path / "p")
    _, values = _build(root, minutes=0.02)  # 1.2 s
    assert _wait_gone(_server_pid(values))
    _, values = _build(root)
    pid = _server_pid(values)
    subprocess.run(["rm", "-rf", str(root / "out")], check=True)
    assert _wait_gone(pid)
    _, values = _build(root)
    pid = _server_pid(values)
    done = subprocess.run([sys.executable, "-m", "perspectives.cli", "server", "stop", "--out", str(root / "out")],
                          capture_output=True, text=True, cwd=root, env=os.environ)
    assert done.returncode == 0 and f"stopped run server {pid}" in done.stderr
    assert not _alive(pid)
    assert resident.status(root / "out") is None


def test_no_server_is_kept_with_zero_minutes(kept: Path, tmp_path: Path):
    root = _project(tmp_path / "p")
    _, values = _build(root, minutes=0)
    assert not _alive(_server_pid(values))
    assert resident.status(root / "out") is None
    assert list(kept.glob("perspectives/*.sock")) == []


def test_zero_minutes_also_stops_a_server_an_earlier_build_kept(kept: Path, tmp_path: Path):
    root = _project(tmp_path / "p")
    _, first = _build(root)
    earlier = _server_pid(first)
    assert _alive(earlier)
    _build(root, minutes=0)
    assert _wait_gone(earlier)
    assert resident.status(root / "out") is None


def test_the_socket_stays_out_of_the_output_folder_and_its_path_short(kept: Path, tmp_path: Path):
    assert resident.socket_for(tmp_path).parent == kept / "perspectives"
    out = tmp_path / ("a-long-folder-name" * 8) / "outputs"
    path = resident.socket_for(out)
    assert len(str(path)) < resident.SOCKET_PATH_MAX
    assert out not in path.parents
    assert (path.parent.stat().st_mode & 0o777) == 0o700


def test_the_suite_keeps_no_server():
    assert resident.keep_minutes() == 0  # set by conftest.py: tests and CI leave no server behind


def test_warm_up_levels():
    full = {"data_path": None, "lang": "en", "light": False, "gazetteer": True, "countries": ["ALB"]}
    light = {**full, "light": True, "gazetteer": False, "countries": ["MDA"]}
    # a server warmed for a whole build serves one section's as it is
    assert rewarm(full, light) == (None, {**light, "light": False, "gazetteer": True})
    # one warmed for one section's is given the masks before a whole build's runs
    call, holds = rewarm(light, full)
    assert call == {**full, "light": False, "gazetteer": True}
    assert holds["light"] is False and holds["gazetteer"] is True
    # only the gazetteer missing: the light call that reads it, no masks warmed again
    call, _ = rewarm({**full, "gazetteer": False}, full)
    assert call["light"] is True and call["gazetteer"] is True


def test_a_configuration_check_passed_on_the_same_inputs_is_not_made_again(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch):
    from perspectives.config import ConfigError

    root = _project(tmp_path / "p")
    monkeypatch.setenv("PERSPECTIVES_PDF", "0")
    _build(root, minutes=0)  # checks the configuration, and remembers it passed
    checked = []
    real = build.check_configuration
    monkeypatch.setattr(build, "check_configuration", lambda *a, **k: checked.append(a) or real(*a, **k))
    _build(root, minutes=0)
    assert checked == []  # nothing it reads changed: not made again
    with open(root / "params" / "i18n" / "es.yml", "a", encoding="utf-8") as fh:
        fh.write("\n\"Broken entry\": [\n")
    with pytest.raises(ConfigError, match="es.yml"):
        _build(root, minutes=0)
    assert len(checked) == 1  # a changed catalogue is checked again, and its mistake stops the build


@pytest.mark.skipif(pdf.find_chromium() is None or not Path("/proc").is_dir(), reason="needs Chromium and /proc")
def test_the_kept_server_prints_with_one_browser_warm_from_build_to_build(kept: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PERSPECTIVES_PDF", "1")
    root = _project(tmp_path / "p")
    _, first = _build(root)
    server = _server_pid(first)
    held = resident.status(root / "out")
    assert held["browsers_started"] == 1 and held["reports_printed"] == 2  # ALB and the synthesis
    assert held["browser_running"]
    browsers = _browsers_of(server)
    assert len(browsers) == 1  # the server's own, not the finished build's
    with open(root / "notebooks" / "probe.ipynb", encoding="utf-8") as fh:
        nb = json.load(fh)
    nb["cells"][0]["source"] = "# Probe section, edited"
    with open(root / "notebooks" / "probe.ipynb", "w", encoding="utf-8") as fh:
        json.dump(nb, fh)
    _build(root)
    again = resident.status(root / "out")
    assert again["browsers_started"] == 1 and _browsers_of(server) == browsers  # the same browser, kept
    assert again["reports_printed"] == 4
    for folder in ("ALB", "synthesis"):
        report = root / "out" / folder / "report.pdf"
        assert "Probe section, edited" in _bookmarks(report)  # printed again, from the edited page
        # the bytes a browser of the build's own prints of the same page
        own = pdf.html_to_pdf(report.with_suffix(".html"), tmp_path / f"{folder}.pdf")
        assert own.read_bytes() == report.read_bytes()


def _browsers_of(server: int) -> list[int]:
    """The Chromium processes whose parent is ``server`` (read from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text(encoding="utf-8")
        except OSError:
            continue
        name, rest = text.split("(", 1)[1].rsplit(")", 1)
        if "chrom" in name.lower() and int(rest.split()[1]) == server:
            found.append(int(stat.parent.name))
    return found


def _bookmarks(report: Path) -> list[str]:
    import pikepdf

    with pikepdf.open(report) as doc, doc.open_outline() as outline:
        return [str(item.title) for item in outline.root]


def test_a_build_from_the_command_line_starts_without_numpy():
    # Everything a rebuild of one section imports before its first run is waited for; the
    # reader's numpy is needed only when a partner's export is given (build.select checks it).
    code = ("import sys\nimport perspectives.cli, perspectives.build\n"
            "from perspectives.build import plan, publish, resident, schedule\n"
            "print('numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.split() == ["False"]
