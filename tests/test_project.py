"""One ``Project`` per study folder: nothing read at import, a study folder anywhere, two in one process.

The library reads a study's files only through a :class:`perspectives.project.Project` made
where a command, a build or a run starts; importing it reads nothing and fixes no path
(checked in a fresh interpreter whose working directory and ``PERSPECTIVES_*`` settings point
nowhere, with every file opening watched). A study folder copied out of this checkout builds
with the installed library, and a second one (another title) builds in the same process, each
report saying its own title.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from perspectives import cli
from perspectives.project import NoProjectError, Project, find_root, project_of
from perspectives.study import repo_root

ROOT = repo_root()
PACKAGE = ROOT / "lib" / "perspectives"

# Run in a fresh interpreter: every third-party module the library imports at module level is
# imported first (their own data files are theirs), then every opening of a file or listing of
# a folder is recorded, and open/read_text/read_bytes refuse, while each library module is
# imported. Python's own sources and bytecode, and the library's, are what importing reads.
IMPORT_ALL = r'''
import ast, builtins, importlib, io, json, os, pathlib, pkgutil, sys, sysconfig

package = pathlib.Path(sys.argv[1])
third = set()
for path in sorted(package.rglob("*.py")):
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            third |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            third.add(node.module)
for name in sorted(third):
    if name.split(".")[0] not in ("perspectives", "__future__"):
        importlib.import_module(name)
import matplotlib.pyplot  # noqa: F401  (figures selects its backend first; pyplot reads its rc file once)

python = [p for p in {*sysconfig.get_paths().values(), sys.prefix, sys.base_prefix} if p]
seen = []


def allowed(path):
    path = os.fspath(path) if not isinstance(path, int) else ""
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    inside = path.startswith(str(package)) or any(path.startswith(p) for p in python)
    return inside and (path.endswith((".py", ".pyc", ".so")) or "__pycache__" in path or os.path.isdir(path))


def hook(event, args):
    if event in ("open", "os.listdir", "os.scandir") and args and args[0] is not None and not allowed(args[0]):
        seen.append(f"{event} {args[0]}")


sys.addaudithook(hook)


def refuse(*args, **kwargs):
    raise OSError("a module read a file while it was imported")


for owner, name in ((builtins, "open"), (io, "open"), (pathlib.Path, "read_text"), (pathlib.Path, "read_bytes"),
                    (pathlib.Path, "open")):
    setattr(owner, name, refuse)
failed = {}
modules = [m.name for m in pkgutil.walk_packages([str(package)], "perspectives.")]
for name in ["perspectives", *modules]:
    try:
        importlib.import_module(name)
    except Exception as error:  # noqa: BLE001 - reported: the test names the module
        failed[name] = f"{type(error).__name__}: {error}"
fixed = []
for name in ["perspectives", *modules]:
    module = sys.modules.get(name)
    for attr, value in vars(module).items() if module else ():
        values = value.values() if isinstance(value, dict) else [value]
        for item in values:
            # A relative path names a file; an absolute one outside the package fixes a place.
            if isinstance(item, pathlib.PurePath) and item.is_absolute() and not str(item).startswith(str(package)):
                fixed.append(f"{name}.{attr} = {item}")
print(json.dumps({"modules": len(modules), "opened": seen, "failed": failed, "paths": fixed}))
'''


def test_importing_every_module_reads_no_file_and_fixes_no_path(tmp_path: Path):
    nowhere = tmp_path / "nowhere"
    nowhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERSPECTIVES_")}
    env.update({name: str(nowhere / "missing") for name in (
        "PERSPECTIVES_PRELOAD", "PERSPECTIVES_WARM", "PERSPECTIVES_TASK_FUNCTION", "PERSPECTIVES_ENGINE",
        "PERSPECTIVES_CHROMIUM", "PERSPECTIVES_AXE", "PERSPECTIVES_PDF")})
    env.update(PYTHONPATH=str(PACKAGE.parent), MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run([sys.executable, "-c", IMPORT_ALL, str(PACKAGE)], cwd=nowhere, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["modules"] > 60  # every module was imported, the build's steps too
    assert found["failed"] == {}
    assert found["opened"] == []
    assert found["paths"] == []


def test_the_default_project_is_the_study_folder_around_the_working_directory(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(ROOT / "notebooks")
    assert find_root() == ROOT
    assert project_of(None) is Project.at(ROOT) is Project.here(ROOT / "data")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NoProjectError, match="--project"):
        project_of(None)
    with pytest.raises(NoProjectError, match="params/study.yml"):
        Project(tmp_path)


def test_a_project_reads_a_file_again_once_it_changed(tmp_path: Path):
    folder = _copy_study(tmp_path / "study")
    project = Project(folder)
    first = project.study
    assert project.study is first  # read once
    study_file = folder / "params" / "study.yml"
    doc = yaml.safe_load(study_file.read_text(encoding="utf-8"))
    doc["study"]["title"] = "Edited title (test)"
    study_file.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    os.utime(study_file, ns=(first_ns := study_file.stat().st_mtime_ns + 10**9, first_ns))
    assert project.study.title == "Edited title (test)"
    assert project.study.root == folder.resolve()


def _copy_study(dest: Path, title: str | None = None) -> Path:
    """A study folder of its own: this checkout's params/, data/ and notebooks/ (nothing else)."""
    for name in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / name, dest / name)
    if title is not None:
        study_file = dest / "params" / "study.yml"
        doc = yaml.safe_load(study_file.read_text(encoding="utf-8"))
        doc["study"]["title"] = title
        study_file.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dest


def _title(report: Path) -> str:
    """The report's title as its page's <title> and cover say it."""
    from html import unescape

    text = report.read_text(encoding="utf-8")
    return unescape(text.split("<title>", 1)[1].split("</title>", 1)[0])


def test_two_study_folders_outside_the_checkout_build_in_one_process(tmp_path: Path, monkeypatch):
    """``perspectives build --project DIR``, twice, in this process: each report is its own study's.

    Each writes into its own study folder (``--out``; by default a build writes ``outputs`` in
    the working directory, as before).
    """
    original = yaml.safe_load((ROOT / "params" / "study.yml").read_text(encoding="utf-8"))["study"]["title"]
    first = _copy_study(tmp_path / "first study")
    second = _copy_study(tmp_path / "second" / "study", title="A second study of the same library (test)")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # neither study folder is around the working directory
    monkeypatch.setenv("PERSPECTIVES_PDF", "0")
    for folder in (first, second):
        code = cli.main(["build", "--project", str(folder), "--country", "MDA", "--section", "methods",
                         "--jobs", "1", "--out", str(folder / "outputs")])
        assert code == 0
    first_report, second_report = (f / "outputs" / "MDA" / "report.html" for f in (first, second))
    assert original in _title(first_report) and "second study" not in _title(first_report)
    assert "A second study of the same library (test)" in _title(second_report)
    assert original not in _title(second_report)
    # Each run was given its own study folder, named as a placeholder in what it published.
    notebook = json.loads((second / "outputs" / "MDA" / "sections" / "methods" / "executed.ipynb")
                          .read_text(encoding="utf-8"))
    injected = "".join(c for cell in notebook["cells"] if "injected-parameters" in cell["metadata"].get("tags", [])
                       for c in cell["source"])
    assert 'project = "<repo>"' in injected
    assert str(tmp_path) not in json.dumps(notebook)
