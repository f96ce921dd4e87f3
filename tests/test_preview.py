"""The live preview, run as a researcher runs it: a process serving the stand-in project.

An edited notebook reaches the open page as a reload event once its report's HTML is
written; an edited library module restarts the run server so that the new code runs; the
files written are those a build writes; Ctrl-C stops the preview and every process it
started. How fast an edit reaches the page is the benchmark's (``make bench``).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from stand_in import make_project

from perspectives import build
from perspectives.study import load_grid

SERVE = """
import sys
from pathlib import Path
from perspectives.preview import Preview, serve
root = Path(sys.argv[1])
serve(Preview({"out": root / "out", "jobs": 1}, root=root, package="fakepersp"), port=0)
"""


def _events(url: str) -> Iterator[tuple[str, dict]]:
    stream = urllib.request.urlopen(url + "__events", timeout=120)
    event = None
    for raw in stream:
        line = raw.decode().strip()
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event:
            yield event, json.loads(line.split(":", 1)[1])
            event = None


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory):
    root = make_project(tmp_path_factory.mktemp("preview") / "proj")
    env = dict(os.environ, PYTHONPATH=str(root / "lib"), PERSPECTIVES_PDF="0")
    # A shell's background job ignores SIGINT; a terminal's foreground process does not.
    process = subprocess.Popen([sys.executable, "-c", SERVE, str(root)], env=env, stderr=subprocess.PIPE,
                               text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines: list[str] = []
    url = None
    assert process.stderr is not None
    for line in process.stderr:
        lines.append(line)
        found = re.search(r"serving (http://127\.0\.0\.1:\d+/)", line)
        if found:
            url = found.group(1)
            break
    assert url, "".join(lines)
    threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True).start()  # type: ignore[arg-type]
    yield {"root": root, "url": url, "process": process, "log": lines}
    if process.poll() is None:
        process.kill()
        process.wait()


def test_the_report_addresses_it_prints_open_as_printed(preview):
    line = next(x for x in preview["log"] if "serving" in x)
    pages = re.findall(r"http://127\.0\.0\.1:\d+/\S+/report\.html", line)
    assert pages == [preview["url"] + "ALB/report.html", preview["url"] + "synthesis/report.html"]
    for page in pages:
        with urllib.request.urlopen(page, timeout=30) as answer:
            assert answer.status == 200 and b"<html" in answer.read()


def _edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_an_edited_notebook_reloads_its_report(preview):
    root, events = preview["root"], _events(preview["url"])
    assert next(events)[0] == "ready"
    served = urllib.request.urlopen(preview["url"] + "ALB/report.html", timeout=30).read().decode()
    on_disk = (root / "out" / "ALB" / "report.html").read_text(encoding="utf-8")
    assert "EventSource" in served and "EventSource" not in on_disk  # the script is only served
    _edit(root / "notebooks" / "alpha.ipynb", "This dummy section shows one small table.",
          "This dummy section, edited, shows one small table.")
    seen = {}
    while True:
        event, data = next(events)
        if event == "reload":
            seen[data["folder"]] = data
        if event == "built":
            break
    assert set(seen) == {"ALB", "synthesis"}
    assert "edited" in (root / "out" / "ALB" / "report.html").read_text(encoding="utf-8")


def test_a_library_edit_restarts_the_run_server_and_its_code_runs(preview):
    root, events = preview["root"], _events(preview["url"])
    assert next(events)[0] == "ready"
    _edit(root / "lib" / "fakepersp" / "mod_b.py", 'len(country)', 'len(country) + 1000')
    while True:
        event, data = next(events)
        if event == "reload" and data["folder"] == "ALB":
            break
    values = json.loads((root / "out" / "ALB" / "sections" / "beta" / "values.json").read_text())
    assert values[0]["value"] == 1003  # len("ALB") + 1000: the new module ran, not the preloaded one
    while next(events)[0] != "built":
        pass  # the rest of the rebuild (the synthesis) is over before the next test reads


def test_what_the_preview_wrote_is_what_a_build_writes(preview, tmp_path: Path):
    root = preview["root"]
    env_pdf = os.environ.get("PERSPECTIVES_PDF")
    os.environ["PERSPECTIVES_PDF"] = "0"
    try:
        result = build.build(root=root, out=tmp_path / "out", package="fakepersp",
                             grid=load_grid(root / "params" / "grid.yml"), jobs=1)
    finally:
        if env_pdf is None:
            os.environ.pop("PERSPECTIVES_PDF")
        else:
            os.environ["PERSPECTIVES_PDF"] = env_pdf
    assert result.ok
    for name in ("ALB/report.html", "synthesis/report.html", "ALB/report.docx", "ALB/sections/beta/values.json"):
        assert (root / "out" / name).read_bytes() == (tmp_path / "out" / name).read_bytes(), name


def test_the_running_preview_answers_only_localhost_and_serves_only_its_files(preview, tmp_path: Path):
    url, out = preview["url"], preview["root"] / "out"
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    (tmp_path / "secret.txt").write_text("not for the browser", encoding="utf-8")
    os.symlink(tmp_path / "secret.txt", out / "ALB" / "secret.txt")
    try:
        statuses = {}
        for name, host, path in (("page", f"localhost:{port}", "/ALB/report.html"),
                                 ("rebinding", f"evil.example:{port}", "/ALB/report.html"),
                                 ("link out", f"127.0.0.1:{port}", "/ALB/secret.txt"),
                                 ("null byte", f"127.0.0.1:{port}", "/ALB/report%00.html")):
            with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
            assert b"not for the browser" not in answer
            statuses[name] = answer.split(b" ", 2)[1] if answer else None
        assert statuses == {"page": b"200", "rebinding": b"403", "link out": b"403", "null byte": b"400"}
    finally:
        (out / "ALB" / "secret.txt").unlink()


def test_ctrl_c_stops_the_preview_and_everything_it_started(preview):
    process = preview["process"]
    children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
    assert children, "the run server should be running"
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    time.sleep(0.5)
    for pid in children:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
