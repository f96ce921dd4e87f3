"""The kept run server publishes a build's reports (perspectives.build.publish_report).

A command-line build whose runs a kept server took asks that server to assemble and print its
reports: the build's own process then never imports nbconvert, python-docx, Jinja or pikepdf,
and the files are byte for byte those the build's own process writes. The server takes a
request only for a report folder of the folder it serves.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from stand_in import make_project
from test_resident_server import PARAMS

from perspectives.build import forkserver, publish_report, resident
from perspectives.build import resident_server as rs

pytestmark = pytest.mark.skipif(not forkserver.fork_available(), reason="needs os.fork")

# The assembly's heavy imports: a build the kept server publishes for loads none of them.
HEAVY = ("nbconvert", "docx", "jinja2", "pikepdf", "mistune")

# A build of the stand-in project from a fresh process (as `perspectives build` is), printing
# its result, its run server's pid, and which heavy modules it imported.
BUILD = """
import json, sys
from pathlib import Path
from perspectives import build
root = Path(sys.argv[1])
result = build.build(root=root, out=root / "out", package="fakepersp", jobs=1, engine="fork",
                     keep_server=float(sys.argv[2]))
print(json.dumps({"ok": result.ok, "written": result.reports_written, "summary": result.summary(),
                  "heavy": sorted(m for m in sys.argv[3].split(",") if m in sys.modules)}))
"""


def _project(dest: Path) -> Path:
    """The stand-in project whose own grid (params/grid.yml) has one section, ``note``."""
    import nbformat

    make_project(dest, b"respondent_id,country\n")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# A note\n\nIt says *one* thing."),
                nbformat.v4.new_code_cell(PARAMS, metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("print(country)")]
    nbformat.write(nb, dest / "notebooks" / "note.ipynb")
    grid = (dest / "params" / "grid.yml").read_text()
    (dest / "params" / "grid.yml").write_text(
        grid.split("sections:")[0] + "sections:\n  - id: note\n    notebook: notebooks/note.ipynb\n"
        "    title: A note\n\nparameters:\n" + grid.split("parameters:\n", 1)[1])
    return dest


def _build(root: Path, minutes: float) -> dict:
    done = subprocess.run([sys.executable, "-c", BUILD, str(root), str(minutes), ",".join(HEAVY)], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PERSPECTIVES_KEEP_SERVER": str(minutes)})
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["ok"], answer["summary"] + done.stderr[-3000:]
    return {**answer, "stderr": done.stderr}


def _edit(root: Path, text: str) -> None:
    path = root / "notebooks" / "note.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"][0]["source"] = f"# A note\n\n{text}"
    path.write_text(json.dumps(nb), encoding="utf-8")


def _files(root: Path) -> dict[str, bytes]:
    out = root / "out"
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name in ("report.html", "report.docx", "report.pdf", "provenance.json",
                                          "index.html", "manifest.json", "executed.ipynb")}


@pytest.fixture
def kept(monkeypatch: pytest.MonkeyPatch):
    """Builds that keep their server (the suite's configuration keeps none); every server stopped after."""
    folder = tempfile.mkdtemp()  # short: a socket's path has at most ~100 characters
    monkeypatch.setenv("XDG_RUNTIME_DIR", folder)
    yield Path(folder)
    resident.stop_all()
    shutil.rmtree(folder, ignore_errors=True)


def test_a_kept_server_publishes_the_reports_and_the_build_imports_no_assembly(kept: Path, tmp_path: Path):
    root = _project(tmp_path / "p")
    _build(root, 5)  # starts the server
    _edit(root, "It says *two* things.")
    second = _build(root, 5)  # one section edited: its run, then its reports, through the kept server
    assert "run server reused" in second["stderr"]
    assert second["written"] == ["ALB", "ALL"]
    assert "ALB: report.html and report.docx written in" in second["stderr"]
    # the build's process assembled nothing itself: the server did, with what it had imported
    assert second["heavy"] == []
    assert "two" in (root / "out" / "ALB" / "report.html").read_text(encoding="utf-8")
    status = resident.status(root / "out")
    assert status is not None and status["builds"] == 2
    served = _files(root)
    assert any(name.endswith("report.docx") for name in served) and "index.html" in served
    # The same inputs published by the build's own process (no server kept): the same bytes.
    for stamp in (root / "out").rglob(".report-stamp.json"):
        stamp.unlink()
    (root / "out" / "index.html").unlink()
    assert resident.stop(root / "out") == status["pid"]
    alone = _build(root, 0)
    assert alone["written"] == ["ALB", "ALL"] and resident.status(root / "out") is None
    assert set(alone["heavy"]) >= {"nbconvert", "docx", "jinja2"}  # this time the build assembled them itself
    assert _files(root) == served


def _loop(watch: Path, root: Path) -> tuple[rs._Loop, socket.socket, list[tuple[str, dict]]]:
    state = rs._State(path=str(watch / "s.sock"), inode=0, watch=str(watch), watch_inode=0, idle=60.0,
                      fingerprint={}, rewarm="", digest="", warm_spec={}, modules=set(), workers=1, root=str(root))
    asked: list[tuple[str, dict]] = []

    class Recorder:
        def submit(self, conn: object, request: dict) -> None:
            asked.append(("publish", request))

    state.publishing = Recorder()  # type: ignore[assignment]
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    return rs._Loop(state, listener, lambda item: None), listener, asked


def test_a_publish_request_is_taken_only_with_the_servers_pid(tmp_path: Path):
    loop, listener, asked = _loop(tmp_path / "out", tmp_path)
    a, b = socket.socketpair()
    try:
        loop._handle(rs._Conn(a), {"publish": {"code": "ALB", "lang": "en"}, "pid": os.getpid() + 1})
        assert json.loads(b.recv(1 << 16).decode().splitlines()[0])["elsewhere"]
        loop._handle(rs._Conn(a), {"publish": {"code": "ALB", "lang": "en"}, "pid": os.getpid()})
    finally:
        a.close()
        b.close()
        listener.close()
    assert asked == [("publish", {"code": "ALB", "lang": "en"})]


def test_a_publish_request_names_only_a_report_folder_of_the_served_folder(tmp_path: Path):
    root = make_project(tmp_path / "p")
    served = tmp_path / "out"
    (served / "ALB" / "ro").mkdir(parents=True)
    (served / "synthesis").mkdir()
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "ALB").mkdir(parents=True)
    assert publish_report.report_of(str(served), str(root), {"code": "ALB", "lang": "en"}) == ("ALB", served / "ALB")
    assert publish_report.report_of(str(served), str(root), {"code": "ALB", "lang": "ro"}) == (
        "ALB", served / "ALB" / "ro")
    for request in ({"code": "ALB", "lang": "../../elsewhere/ALB"},  # a language that leads out
                    {"code": "XYZ", "lang": "en"},  # no report of the study
                    {"code": "ALB", "lang": "es"},  # no such folder
                    {"code": "ALB"}, {"lang": "en"}, {"code": ["ALB"], "lang": {}}):
        assert publish_report.report_of(str(served), str(root), request) is None, request
    shutil.rmtree(served / "synthesis")
    (served / "synthesis").symlink_to(elsewhere / "ALB")  # a report folder that is a link out
    assert publish_report.report_of(str(served), str(root), {"code": "ALL", "lang": "en"}) is None
