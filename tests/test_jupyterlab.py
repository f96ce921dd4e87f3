"""JupyterLab in a real browser: a researcher opens a section notebook, sets the country,
runs every cell and reads the tables and figures inline; an executed notebook of a build
opens as well.

JupyterLab runs from this environment on a free local port with a token; Playwright drives
Debian's Chromium (the system browser, never a download). The notebook is a copy in a
temporary folder, so nothing of the checkout is saved over.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from perspectives.build import build
from perspectives.study import load_study, repo_root

ROOT = repo_root()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make pdf-tools)")
BROWSER_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-extensions"]
NOTEBOOK = "05_knowledge.ipynb"
COUNTRY = "MDA"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    """A JupyterLab server on a folder holding a copy of a section notebook."""
    home = tmp_path_factory.mktemp("lab")
    work = home / "work"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, work / NOTEBOOK)
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_CONFIG_DIR=str(home / "config"),
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    jupyter = Path(sys.executable).with_name("jupyter")
    server = subprocess.Popen(
        [str(jupyter), "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}", "--LabApp.expose_app_in_browser=True",
         f"--LabApp.workspaces_dir={home / 'workspaces'}", f"--LabApp.user_settings_dir={home / 'settings'}",
         "--LabApp.news_url=", "--ServerApp.open_browser=False", "--ServerApp.allow_root=True"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(home / "lab.log", "w"))  # noqa: SIM115
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    else:
        server.kill()
        pytest.fail("JupyterLab did not start:\n" + (home / "lab.log").read_text()[-2000:])
    yield {"base": base, "token": token, "work": work, "home": home}
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


@pytest.fixture(scope="module")
def page(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_FLAGS)
        yield browser.new_page(viewport={"width": 1400, "height": 1000})
        browser.close()


def _open(page, lab, name: str) -> None:
    page.goto(f"{lab['base']}/lab/tree/{name}?token={lab['token']}")
    page.wait_for_function(
        "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " return w && w.content && w.content.model && w.sessionContext && w.sessionContext.isReady; }",
        timeout=90_000)


OUTPUT_KINDS = """() => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const kinds = [];
  for (const cell of nb.widgets) {
    if (cell.model.type !== 'code') continue;
    for (let i = 0; i < cell.model.outputs.length; i++) kinds.push(cell.model.outputs.get(i).type);
  }
  return kinds;
}"""


def test_a_section_notebook_runs_for_one_country_in_jupyterlab(lab, page):
    _open(page, lab, NOTEBOOK)
    scratch = lab["home"] / "scratch"
    parameters = (f'country = "{COUNTRY}"\nlang = "en"\ndata_path = None\nconversations_path = None\n'
                  f'output_dir = {json.dumps(str(scratch))}\nid_column = ""\n'
                  # The copy sits outside any study folder: it names the study it runs on, as a build does.
                  f'project = {json.dumps(str(ROOT))}')
    editor = page.locator(".jp-Notebook .jp-CodeCell .cm-content").first  # the parameters cell
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(parameters)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " const cells = w.content.widgets.filter(c => c.model.type === 'code');"
        " const kernel = w.sessionContext.session && w.sessionContext.session.kernel;"
        " const failed = cells.some(c => { for (let i = 0; i < c.model.outputs.length; i++)"
        "   if (c.model.outputs.get(i).type === 'error') return true; return false; });"
        " return kernel && kernel.status === 'idle' && (failed || cells.every(c => c.model.executionCount !== null)); }",
        timeout=180_000)
    kinds = page.evaluate(OUTPUT_KINDS)
    assert kinds and "error" not in kinds, kinds
    # the scenario tables and a figure, inline (rendered once the kernel has sent them)
    page.wait_for_function(
        "() => document.querySelectorAll('.jp-OutputArea-output table').length >= 2"
        " && document.querySelectorAll('.jp-OutputArea-output img').length >= 1", timeout=60_000)
    outputs = page.locator(".jp-OutputArea-output")
    name = load_study().country(COUNTRY).name
    assert name in outputs.all_inner_texts().__str__()
    assert (scratch / "values.json").is_file()  # the run wrote where its parameters said


def test_an_executed_notebook_of_a_build_opens_readable(lab, page, tmp_path_factory, monkeypatch):
    out = tmp_path_factory.mktemp("built")
    monkeypatch.setenv("PERSPECTIVES_PDF", "0")  # the test opens the run's notebook, not the report
    result = build(countries=[COUNTRY], sections=["knowledge"], out=out, jobs=1)
    assert result.ok, result.summary()
    shutil.copy(out / COUNTRY / "sections" / "knowledge" / "executed.ipynb", lab["work"] / "executed.ipynb")
    _open(page, lab, "executed.ipynb")
    assert page.locator(".jp-Dialog").count() == 0  # no "file load error"
    # JupyterLab renders a notebook's outputs cell by cell after the first: wait for the
    # tables and the figure themselves (on a loaded machine they come seconds after the first).
    page.wait_for_function(
        "() => document.querySelectorAll('.jp-OutputArea-output table').length >= 2"
        " && document.querySelectorAll('.jp-OutputArea-output img').length >= 1", timeout=60_000)
    assert "error" not in page.evaluate(OUTPUT_KINDS)
