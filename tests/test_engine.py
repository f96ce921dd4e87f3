"""Tests of the run server (perspectives.build.forkserver) and the in-process papermill engine
(perspectives.build.engine).

What is checked, with real executions (papermill, IPython, forks; no stubs):
- runs are isolated: a notebook that leaves a global and a module attribute behind, and
  fails if it finds them, passes in every run of a build, and does fail when run twice in
  one process without the fork (so the check can fail);
- the outputs (stream, display_data with Markdown/HTML/PNG and metadata, execute_result,
  error) equal those papermill records with a Jupyter kernel, modulo execution metadata;
- a failing cell raises PapermillExecutionError with its index; a run whose process dies or
  times out fails alone, with a readable reason.
The notebooks are written by the tests into tmp_path, on a copy of the build fixture.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from stand_in import make_project

from perspectives import build
from perspectives.build import forkserver
from perspectives.study import load_grid

PARAMS = 'country = "ALL"\nlang = "en"\ndata_path = None\nconversations_path = None\noutput_dir = None'


def _notebook(path: Path, cells: list[str], title: str = "# Probe section") -> Path:
    """A section notebook: a heading, the parameters cell, then the given code cells."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(title),
                nbformat.v4.new_code_cell(PARAMS, metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(src) for src in cells]
    nbformat.write(nb, path)
    return path


def _project(dest: Path, cells: list[str]) -> Path:
    """A copy of the build fixture whose grid has one section, ``probe``, for ALB and ALL."""
    make_project(dest, b"respondent_id,country\n")
    _notebook(dest / "notebooks" / "probe.ipynb", cells)
    (dest / "params" / "grid_probe.yml").write_text(
        (dest / "params" / "grid.yml").read_text().split("sections:")[0]
        + "sections:\n  - id: probe\n    notebook: notebooks/probe.ipynb\n"
        "    title: Probe section\n\nparameters:\n"
        + (dest / "params" / "grid.yml").read_text().split("parameters:\n", 1)[1])
    return dest


def _build(root: Path, **kw: object) -> build.BuildResult:
    return build.build(root=root, out=root / "out", package="fakepersp",
                       grid=load_grid(root / "params" / "grid_probe.yml"), **kw)


# A run that fails if an earlier run's global or module state is visible, then leaves both.
LEAK_CELLS = [
    "import fakepersp.common as common\n"
    "assert 'LEFT_BEHIND' not in globals(), 'a global of another run is visible'\n"
    "assert not hasattr(common, 'touched_by'), f'module state of {common.touched_by} run'",
    "LEFT_BEHIND = country\ncommon.touched_by = country",
    "import json, pathlib\n"
    "pathlib.Path(output_dir, 'values.json').write_text(json.dumps("
    "[{'name': 'clean_start', 'value': True, 'country': country}]))",
]


@pytest.mark.skipif(not forkserver.fork_available(), reason="needs os.fork")
def test_runs_share_no_state(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", LEAK_CELLS)
    # one worker: both runs are forks of the same server, one after the other
    result = _build(root, jobs=1, engine="fork")
    assert result.ok, result.summary()
    assert {(r.report, r.status) for r in result.runs} == {("ALB", "ok"), ("ALL", "ok")}
    for folder in ("ALB", "synthesis"):
        values = json.loads((root / "out" / folder / "sections" / "probe" / "values.json")
                            .read_text())
        assert values[0]["name"] == "clean_start"


def test_the_leak_check_fails_without_a_fresh_process(tmp_path: Path) -> None:
    """Two runs in one process (no fork): the second sees the first's module state."""
    root = _project(tmp_path / "p", LEAK_CELLS)
    nb = root / "notebooks" / "probe.ipynb"
    script = (
        "import json, sys, papermill as pm\n"
        "from papermill.exceptions import PapermillExecutionError\n"
        "from perspectives.build.engine import ENGINE_NAME, register\n"
        "register()\n"
        "seen = []\n"
        "for i, c in enumerate(['ALB', 'ALL']):\n"
        "    try:\n"
        f"        pm.execute_notebook({str(nb)!r}, {str(tmp_path)!r} + f'/out{{i}}.ipynb',\n"
        f"            parameters={{'country': c, 'output_dir': {str(tmp_path)!r}}},\n"
        "            engine_name=ENGINE_NAME, kernel_name='python3', progress_bar=False)\n"
        "        seen.append('ok')\n"
        "    except PapermillExecutionError as e:\n"
        "        seen.append([e.cell_index, e.ename, e.evalue])\n"
        "print(json.dumps(seen))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(root / "lib")}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, check=True, timeout=120)
    first, second = json.loads(out.stdout.strip().splitlines()[-1])
    assert first == "ok"
    # cell 3 of the executed notebook: heading, parameters, injected parameters, the check
    assert second == [3, "AssertionError", "module state of ALB run"]


RICH_CELLS = [
    "from IPython.display import HTML, Image, Markdown, display\n"
    "import base64\n"
    "PNG = base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk'\n"
    "                       '+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==')\n"
    "print('first line')\nprint('second line')",
    "display(Markdown('## A heading for ' + country))\n"
    "display(HTML('<table><tr><td>1</td></tr></table>'), metadata={'kind': {'csv': 't.csv'}})\n"
    "display(Image(data=PNG, format='png'), metadata={'kind': 'figure'})",
    "import sys\nprint('to stderr', file=sys.stderr)\n{'answer': 41 + 1}",
    "x = 1\nx;",
    "raise LookupError('planned failure in ' + country)",
    "print('never runs')",
]


def _comparable(nb_path: Path) -> list[dict[str, object]]:
    """Cell type, source and outputs; execution counts, timings and ids left out."""
    nb = json.loads(nb_path.read_text())
    cells = []
    for cell in nb["cells"]:
        outputs = []
        for out in cell.get("outputs", []):
            out = {k: v for k, v in out.items() if k != "execution_count"}
            if out["output_type"] == "error":
                # colouring and the frames of the executor differ; name and message must not
                out["traceback"] = []
            outputs.append(out)
        cells.append({"type": cell["cell_type"], "source": cell["source"], "outputs": outputs,
                      "ran": cell.get("execution_count") is not None})
    return cells


def test_outputs_equal_the_kernel_engine(tmp_path: Path) -> None:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    nb = _notebook(tmp_path / "rich.ipynb", RICH_CELLS)
    errors = {}
    for name in ("kernel", "fork"):
        script = (
            "import json, papermill as pm\n"
            "from papermill.exceptions import PapermillExecutionError\n"
            "from perspectives.build.engine import ENGINE_NAME, register\n"
            "register()\n"
            "try:\n"
            f"    pm.execute_notebook({str(nb)!r}, {str(tmp_path / name)!r} + '.ipynb',\n"
            "        parameters={'country': 'MDA'}, kernel_name='python3', progress_bar=False,\n"
            f"        engine_name={'ENGINE_NAME' if name == 'fork' else 'None'})\n"
            "except PapermillExecutionError as e:\n"
            "    print(json.dumps([e.cell_index, e.ename, e.evalue]))\n"
        )
        if name == "kernel":
            # the reference: papermill's own engine and a Jupyter kernel, in this process
            try:
                pm.execute_notebook(str(nb), str(tmp_path / "kernel.ipynb"),
                                    parameters={"country": "MDA"}, kernel_name="python3",
                                    progress_bar=False)
            except PapermillExecutionError as exc:
                errors[name] = [exc.cell_index, exc.ename, exc.evalue]
        else:
            env = {**os.environ, "MPLBACKEND": "Agg"}
            out = subprocess.run([sys.executable, "-c", script], capture_output=True,
                                 text=True, env=env, check=True, timeout=120)
            errors[name] = json.loads(out.stdout.strip().splitlines()[-1])
    assert errors["fork"] == errors["kernel"] == [7, "LookupError", "planned failure in MDA"]
    kernel, fork = _comparable(tmp_path / "kernel.ipynb"), _comparable(tmp_path / "fork.ipynb")
    assert fork == kernel
    # and the comparison is about something: the rich outputs are there
    shown = json.dumps(fork)
    for part in ("first line", "second line", "## A heading for MDA", "<table>", "image/png",
                 '"kind": "figure"', "to stderr", "'answer': 42", "LookupError"):
        assert part in shown, part
    executed = json.loads((tmp_path / "fork.ipynb").read_text())
    assert executed["metadata"]["papermill"]["exception"] is True
    assert executed["cells"][-1]["execution_count"] is None  # after the failure: not run


@pytest.mark.skipif(not forkserver.fork_available(), reason="needs os.fork")
def test_a_dying_or_hanging_run_fails_alone(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", [
        "import os, signal, time\n"
        "if country == 'ALB':\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n",
        "import json, pathlib\n"
        "pathlib.Path(output_dir, 'values.json').write_text(json.dumps("
        "[{'name': 'survived', 'value': True, 'country': country}]))",
        "if country == 'ALL':\n    time.sleep(60)",
    ])
    result = _build(root, jobs=2, engine="fork", timeout=2)
    by_report = {r.report: r for r in result.runs}
    assert by_report["ALB"].status == "failed"
    assert by_report["ALB"].error.ename == "WorkerDied"
    assert "signal 9" in by_report["ALB"].error.evalue
    assert by_report["ALL"].status == "failed"
    assert by_report["ALL"].error.cell_index == 4
    assert "timed out" in by_report["ALL"].error.evalue
    assert (root / "out" / "synthesis" / "failed" / "probe.ipynb").is_file()


def test_unknown_engine_is_refused(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", ["x = 1"])
    with pytest.raises(ValueError, match="unknown engine 'docker'.*fork, kernel"):
        _build(root, engine="docker")
    assert not (root / "out").exists()


def test_jsonschema_imports_without_rfc3987_syntax() -> None:
    code = ("import sys\nfrom perspectives.imports import import_jsonschema_quickly\n"
            "import_jsonschema_quickly()\nimport nbformat\n"
            "print('jsonschema' in sys.modules, 'rfc3987_syntax' in sys.modules)\n"
            "import importlib.util as u\nprint(u.find_spec('rfc3987_syntax') is not None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout.split()
    assert out[:2] == ["True", "False"]  # jsonschema loaded, the grammar package not
    if out[2] == "True":  # installed here: it is still importable by whoever wants it
        subprocess.run([sys.executable, "-c", code + "\nimport rfc3987_syntax"], check=True,
                       capture_output=True, timeout=60)


WARM_PROBE = [
    "import json, os, pathlib\nimport fakepersp.report as report\n"
    "state = getattr(report, 'WARMED', None)\n"
    "pathlib.Path(output_dir, 'values.json').write_text(json.dumps([{'name': 'warm', 'value': "
    "None if state is None else [state['pid'] != os.getpid(), state['kwargs']['lang']], 'country': country}]))",
]


@pytest.mark.skipif(not forkserver.fork_available(), reason="needs os.fork")
@pytest.mark.parametrize("fails", [False, True])
def test_the_server_warms_caches_once_and_a_failing_warm_up_only_costs_time(tmp_path: Path, fails: bool,
                                                                          capfd: pytest.CaptureFixture[str]) -> None:
    """A failing warm-up costs time and is said in the build's run server line (the server's log is read by no one)."""
    root = _project(tmp_path / "p", WARM_PROBE)
    body = "raise OSError('cannot read the data')" if fails else \
        "global WARMED\n    WARMED = {'pid': os.getpid(), 'kwargs': kwargs}"
    (root / "lib" / "fakepersp" / "report.py").write_text(
        f"import os\nWARMED = None\n\n\ndef warm_up(**kwargs):\n    {body}\n")
    result = _build(root, jobs=1, engine="fork", lang="es")
    assert result.ok, result.summary()
    for folder in ("ALB", "synthesis"):
        # a report in Spanish lives in its language's folder, beside the English one
        values = json.loads((root / "out" / folder / "es" / "sections" / "probe" / "values.json").read_text())
        # warmed in the server (another process), with the build's parameters; or not at all
        assert values[0]["value"] == (None if fails else [True, "es"])
    said = [line for line in capfd.readouterr().err.splitlines() if line.startswith("run server")]
    assert len(said) == 1, said
    assert ("its warm-up failed: OSError: cannot read the data" in said[0]) == fails, said
