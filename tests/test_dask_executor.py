"""``perspectives build --executor dask``: each run a task of a Dask cluster, the same bytes.

One country and two sections are built with the local executor, then with the Dask executor
(a LocalCluster of two worker processes, one thread each), into other folders; every file
the builds wrote, hidden ones included, must be byte for byte the same. A second build goes
to a LocalCluster the test starts itself, given by its scheduler's address, and the
scheduler's own record of the tasks it ran must name the runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from perspectives import cli
from perspectives.build.dask import ServerSettings, close_server
from perspectives.build.schedule import check_executor
from perspectives.study import repo_root

ROOT = repo_root()
COUNTRY = "MDA"
SECTIONS = ["methods", "knowledge"]


def _cli_build(out: Path, *extra: str, sections: list[str] = SECTIONS) -> subprocess.CompletedProcess[str]:
    """``perspectives build`` for the test's country and sections, as a user runs it."""
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env.update(MPLBACKEND="Agg", PYDEVD_DISABLE_FILE_VALIDATION="1")
    done = subprocess.run([sys.executable, "-m", "perspectives.cli", "build", "--country", COUNTRY,
                           "--section", *sections, "--jobs", "2", "--out", str(out), *extra],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) by its path inside it; the build's lock aside."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".build.lock"}


@pytest.fixture(scope="module")
def local_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local") / "outputs"
    _cli_build(out)
    return out


def test_a_dask_build_writes_the_bytes_the_local_build_writes(local_build: Path, tmp_path: Path):
    out = tmp_path / "outputs"
    done = _cli_build(out, "--executor", "dask")
    assert "dask: 2 worker threads of a LocalCluster ready" in done.stderr
    # the build's progress lines, a line per run in a log
    for section in SECTIONS:
        assert f"{COUNTRY} {section} " in done.stderr and "(reason: new)" in done.stderr
    local, remote = _files(local_build), _files(out)
    assert sorted(remote) == sorted(local)
    assert f"{COUNTRY}/report.html" in local and f"{COUNTRY}/sections/methods/executed.ipynb" in local
    assert [name for name in local if local[name] != remote[name]] == []


def test_the_runs_are_tasks_of_the_scheduler_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from distributed import Client, LocalCluster, get_task_stream

    # The cluster's worker processes start with multiprocessing's spawn, which reads
    # __main__.__spec__; a pytest-xdist worker runs as ``python -c`` and its __main__ has
    # none (a script's is None, which spawn accepts).
    monkeypatch.setattr(sys.modules["__main__"], "__spec__", None, raising=False)
    monkeypatch.setenv("PERSPECTIVES_PDF", "0")  # the scheduler's record of the runs is checked, not the report

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        # the scheduler's own record of the tasks its workers ran meanwhile
        with get_task_stream(client) as stream:
            done = _cli_build(tmp_path / "outputs", "--executor", "dask", "--scheduler", cluster.scheduler_address,
                              sections=["prevention"])
        # no run server is left on the workers once the build is over
        left = client.run(close_server)
    assert f"worker threads of the cluster at {cluster.scheduler_address}" in done.stderr
    runs = sorted(str(task["key"]) for task in stream.data if str(task["key"]).startswith("perspectives-run-"))
    assert [key.split("-")[2] for key in runs] == [f"{COUNTRY}/prevention"]
    assert set(left.values()) == {False}


def test_the_runs_follow_the_build_machines_source_date_epoch(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    settings = ServerSettings.of_this_build("b", "m:f", {}, [], None)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert settings.base_environment()["SOURCE_DATE_EPOCH"] == "1700000000"
    unset = ServerSettings.of_this_build("b", "m:f", {}, [], None)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1")  # the worker's own value must not reach the runs
    assert "SOURCE_DATE_EPOCH" not in unset.base_environment()


@pytest.mark.parametrize(("executor", "engine", "scheduler", "words"), [
    ("cloud", "fork", None, "unknown executor"),
    ("local", "fork", "tcp://127.0.0.1:8786", "--executor dask"),
    ("dask", "kernel", None, "fork engine"),
])
def test_an_executor_that_cannot_run_is_refused_before_anything_runs(executor, engine, scheduler, words):
    with pytest.raises(ValueError, match=words):
        check_executor(executor, engine, scheduler)


def test_the_command_line_refuses_the_dask_executor_with_kernels(tmp_path: Path, capsys):
    code = cli.main(["build", "--country", COUNTRY, "--executor", "dask", "--engine", "kernel",
                     "--out", str(tmp_path / "out")])
    assert code == cli.EXIT_USAGE
    assert "fork engine" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
