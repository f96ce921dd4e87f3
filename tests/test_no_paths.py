"""No path of the building machine in any output, whatever --data, --conversations or --out say.

A build reads its inputs from, and writes into, a temporary folder whose name holds a marker
no output may contain; every file it writes is then searched as bytes, Word files member by
member and PDFs stream by stream (decompressed), for the marker and for this checkout's path.
The check each run passes (``run.check_run_folder``) is tested apart, on every form a path
takes in text (absolute, ``file:`` URL, home-relative) and in every kind of file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

from perspectives.build import run

REPO = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- the run's check

def _notebook(*, output_text: str = "", source: str = "x = 1") -> str:
    nb = {"cells": [{"cell_type": "code", "execution_count": 1, "id": "a", "metadata": {}, "source": source,
                     "outputs": [{"output_type": "stream", "name": "stderr", "text": output_text},
                                 {"output_type": "display_data", "metadata": {},
                                  "data": {"image/png": "iVBORw0KGgo/abc/def+/ghi/xyz=", "text/plain": "<Figure>"}}]}],
          "metadata": {"papermill": {"input_path": "<repo>/notebooks/01_methods_sample.ipynb",
                                     "output_path": "./executed.ipynb"}},
          "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb)


CLEAN_TEXT = ("See <repo>/notebooks/01_methods_sample.ipynb and <outputs>/MDA/report.html; answers yes/no/dk; "
              "26/07/2021; https://example.org/a/b/c; <td>12%</td></tr>; a ~ b; data:image/png;base64,/9j/ab/cd")


def test_a_clean_run_folder_passes(tmp_path):
    (tmp_path / "executed.ipynb").write_text(_notebook(output_text=CLEAN_TEXT), encoding="utf-8")
    (tmp_path / "notes.md").write_text(CLEAN_TEXT, encoding="utf-8")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "fig.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><path d="M 0 0 L 1 1"/>'
                                                  "</svg>", encoding="utf-8")
    assert run.check_run_folder(tmp_path, "MDA", ["/nowhere/else"], "ALL") is None


@pytest.mark.parametrize("leak", [
    "/home/ann/partner/export.csv",
    "file:///srv/reports/MDA/report.html",
    "FILE:/srv/reports/x.png",
    "~/Downloads/export.csv",
    "~ann/export.csv",
    "<td>/var/data/x.csv</td>",
    "C:\\Users\\ann\\export.csv",
])
def test_the_run_check_finds_a_path_in_an_executed_notebook(tmp_path, leak):
    (tmp_path / "executed.ipynb").write_text(_notebook(output_text=f"Warning: {leak} is old\n"), encoding="utf-8")
    error = run.check_run_folder(tmp_path, "MDA", [], "ALL")
    assert error is not None and error["ename"] == "OutputContractError"
    assert "executed.ipynb contains a" in error["evalue"]
    assert leak not in error["evalue"]  # the message names the file and the form, never the path


@pytest.mark.parametrize("name", ["notes.txt", "values.log", "figures/fig.svg", "page.html", "extra.yml"])
def test_the_run_check_reads_every_text_file(tmp_path, name):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("built from /tmp/partner-7/export.csv\n", encoding="utf-8")
    error = run.check_run_folder(tmp_path, "MDA", [], "ALL")
    assert error is not None and error["evalue"].startswith(f"{name} contains an absolute path")


def test_the_run_check_reads_binary_and_zipped_files(tmp_path):
    secret = "/srv/partner-7"
    (tmp_path / "figures").mkdir()
    png = tmp_path / "figures" / "fig.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00tEXtSource\x00" + secret.encode() + b"/export.csv\x00")
    error = run.check_run_folder(tmp_path, "MDA", [secret], "ALL")
    assert error is not None and error["evalue"] == "figures/fig.png contains a local folder of this build"
    png.unlink()
    with zipfile.ZipFile(tmp_path / "extra.docx", "w") as docx:
        docx.writestr("word/document.xml", "<w:t>file:///home/ann/x.csv</w:t>")
    error = run.check_run_folder(tmp_path, "MDA", [], "ALL")
    assert error is not None and "extra.docx contains a file: URL (in word/document.xml)" == error["evalue"]


def test_a_path_written_by_a_respondent_is_data_but_a_folder_of_this_build_is_not(tmp_path):
    """What a run shows from data may name any path (published as escaped text); this machine's folders never."""
    answer = "We send reports to file:///srv/portal/form and keep copies in /etc/reports/2021"
    nb = json.loads(_notebook())
    nb["cells"][0]["outputs"].append({"output_type": "display_data", "metadata": {},
                                      "data": {"text/markdown": answer, "text/plain": "<Markdown>"}})
    (tmp_path / "executed.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    (tmp_path / "values.json").write_text(json.dumps([{"name": "x", "value": 1, "label": answer}]), encoding="utf-8")
    assert run.check_run_folder(tmp_path, "MDA", ["/nowhere/else"], "ALL") is None
    table = tmp_path / "t.csv"  # a table's cells (the run's check also audits tables: checked alone here)
    table.write_text(f",n\n{answer},7\n", encoding="utf-8")
    assert run.find_local_path(table, ["/nowhere/else"], data_file=True) is None
    assert run.find_local_path(table, ["/etc/reports"], data_file=True) == "a local folder of this build"
    table.unlink()
    for name in ("executed.ipynb", "values.json"):  # the known folders are found in each
        text = (tmp_path / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace("/etc/reports", "/srv/build-7/out"), encoding="utf-8")
        error = run.check_run_folder(tmp_path, "MDA", ["/srv/build-7"], "ALL")
        assert error is not None and error["evalue"] == f"{name} contains a local folder of this build"
        (tmp_path / name).write_text(text, encoding="utf-8")
    # Code's own output is still searched for every form.
    (tmp_path / "executed.ipynb").write_text(_notebook(output_text="Warning: /etc/reports/x.csv"), encoding="utf-8")
    assert run.check_run_folder(tmp_path, "MDA", [], "ALL")["evalue"].startswith("executed.ipynb contains an")


def test_the_published_notebook_names_inputs_by_file_name(tmp_path):
    """Paths holding a quote or a backslash are escaped in JSON and in the injected Python: the
    parameters are replaced on the parsed notebook and the injected cell is written again."""
    data = str(tmp_path / 'odd "folder"' / "export.csv")
    nb = json.loads(_notebook(output_text=f"reading {data}\n"))
    params = {"country": "MDA", "data_path": data, "output_dir": str(tmp_path / "run")}
    injected = ["# Parameters\n", "country = \"MDA\"\n", f"data_path = {json.dumps(data)}\n",
                f"output_dir = \"{tmp_path / 'run'}\"\n"]
    nb["cells"].insert(0, {"cell_type": "code", "execution_count": 1, "id": "b", "outputs": [],
                           "metadata": {"tags": ["injected-parameters"]}, "source": injected})
    nb["metadata"]["papermill"]["parameters"] = params
    nb["metadata"]["kernelspec"] = {"name": "python3", "language": "python"}
    task = run.RunTask(key="MDA/methods", notebook="", tmp_dir=str(tmp_path / "run"), parameters=params,
                       kernel_name="python3", engine_name=None, cwd="", timeout=None, injected_before=None,
                       country="MDA", synthesis="ALL", log_path="",
                       replacements=[(str(tmp_path / "run"), ".")])
    text = run.publishable_notebook(json.dumps(nb), run.local_replacements(task), list(params))
    assert str(tmp_path) not in text and "odd" not in text
    out = json.loads(text)
    assert out["metadata"]["papermill"]["parameters"] == {"country": "MDA", "data_path": "export.csv",
                                                          "output_dir": "."}
    source = "".join(out["cells"][0]["source"])
    assert 'data_path = "export.csv"' in source and source.index("country") < source.index("data_path")
    assert "reading export.csv" in "".join(out["cells"][1]["outputs"][0]["text"])
    (tmp_path / "executed.ipynb").write_text(text, encoding="utf-8")
    assert run.find_local_path(tmp_path / "executed.ipynb", [str(tmp_path)]) is None


def test_python_folders_in_a_warning_become_a_placeholder(tmp_path):
    import sysconfig

    site_packages = sysconfig.get_paths()["purelib"]
    task = run.RunTask(key="MDA/methods", notebook="", tmp_dir=str(tmp_path), parameters={}, kernel_name="python3",
                       engine_name=None, cwd="", timeout=None, injected_before=None, country="MDA", synthesis="ALL",
                       log_path="", replacements=[])
    warning = f"{site_packages}/pandas/core/frame.py:12: FutureWarning: soon\n"
    scrubbed = run.scrub_paths(warning, run.local_replacements(task))
    assert scrubbed == "<python>/pandas/core/frame.py:12: FutureWarning: soon\n"
    assert run.local_path_in_text(scrubbed) is None and run.local_path_in_text(warning) is not None


# ----------------------------------------------------------------------------- a whole build

def _every_text(path: Path) -> list[tuple[str, bytes]]:
    """A file's bytes, plus each zip member's and each decompressed PDF stream's."""
    raw = path.read_bytes()
    parts = [(path.name, raw)]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            parts += [(f"{path.name}:{name}", archive.read(name)) for name in archive.namelist()]
    if raw.startswith(b"%PDF"):
        import pikepdf

        with pikepdf.open(path) as pdf:
            for i, obj in enumerate(pdf.objects):
                if isinstance(obj, pikepdf.Stream):
                    try:
                        parts.append((f"{path.name}:stream {i}", obj.read_bytes()))
                    except pikepdf.PdfError:
                        parts.append((f"{path.name}:stream {i} (raw)", obj.read_raw_bytes()))
            parts.append((f"{path.name}:info", repr(pdf.docinfo).encode()))
    return parts


@pytest.fixture(scope="module")
def marked_build(tmp_path_factory) -> tuple[Path, str]:
    """One national report built from inputs in, and into, a folder whose name holds a marker."""
    marker = f"MARK{uuid.uuid4().hex[:12]}"
    base = tmp_path_factory.mktemp("paths") / f"partner {marker} files"
    inputs = base / "in"
    inputs.mkdir(parents=True)
    shutil.copy2(REPO / "data" / "synthetic" / "survey_export.csv", inputs / "export.csv")
    shutil.copy2(REPO / "data" / "synthetic" / "conversations.csv", inputs / "conversations.csv")
    shutil.copy2(REPO / "data" / "synthetic" / "participants.csv", inputs / "participants.csv")
    out = base / "out"
    result = subprocess.run(
        [sys.executable, "-m", "perspectives.cli", "build", "--project", str(REPO), "--country", "MDA",
         "--data", str(inputs / "export.csv"),
         "--conversations", str(inputs / "conversations.csv"), "--out", str(out), "--jobs", "2"],
        cwd=base, capture_output=True, text=True, timeout=900, env={**os.environ, "MPLBACKEND": "Agg"})
    assert result.returncode == 0, result.stderr[-3000:]
    return out, marker


def test_no_output_names_a_folder_of_the_building_machine(marked_build):
    out, marker = marked_build
    needles = {"marker": marker.encode(), "checkout": str(REPO).encode(),
               "checkout (UTF-16)": str(REPO).encode("utf-16-le")}
    files = [p for p in sorted(out.rglob("*")) if p.is_file()]
    notebooks = [p for p in files if p.name == "executed.ipynb"]
    assert len(notebooks) == 8 and any(p.name == "report.docx" for p in files)
    scanned = 0
    for path in files:
        for part, data in _every_text(path):
            scanned += 1
            for what, needle in needles.items():
                assert needle not in data, f"{path.relative_to(out)} ({part}) holds the {what}"
    assert scanned > len(files)  # zip members and PDF streams were read too


def test_executed_notebooks_name_inputs_by_file_name_and_the_stamp_by_sha256(marked_build):
    out, _ = marked_build
    digest = hashlib.sha256((REPO / "data" / "synthetic" / "survey_export.csv").read_bytes()).hexdigest()
    for notebook in sorted(out.glob("MDA/sections/*/executed.ipynb")):
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        params = nb["metadata"]["papermill"]["parameters"]
        assert (params["data_path"], params["conversations_path"]) == ("export.csv", "conversations.csv")
        injected = next(c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
        assert 'data_path = "export.csv"' in "".join(injected["source"])
        stamp = json.loads((notebook.parent / "stamp.json").read_text(encoding="utf-8"))
        assert {"name": "export.csv", "role": "survey", "sha256": digest} in stamp["inputs"]
