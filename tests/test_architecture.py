"""The library's house rules that a reader of the code can check: no private name crosses a
module boundary, the build's modules stay small, and nothing of one machine is hard-coded.

The import layers and the absence of cycles are import-linter's contracts (``.importlinter``,
run by ``make test``); ruff's PLC2701 catches ``from perspectives.x import _y``. This test
adds what neither sees: relative imports of a private name (``from .x import _y``) and
attribute access to one (``x._y`` where ``x`` is a module of the library).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from perspectives.study import repo_root

PACKAGE = repo_root() / "lib" / "perspectives"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(current: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def private_crossings(path: Path) -> list[str]:
    """Private names of other library modules that ``path`` imports or reaches into."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    current, is_package = _module_name(path), path.name == "__init__.py"
    found: list[str] = []
    modules_bound: dict[str, str] = {}  # local name -> library module
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _resolve(current, is_package, node)
            if not source.startswith("perspectives") or source == current:
                continue
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"from {source} import {alias.name}")
                modules_bound[alias.asname or alias.name] = f"{source}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("perspectives"):
                    modules_bound[alias.asname or alias.name.split(".")[0]] = alias.name
    library = {_module_name(p) for p in MODULES}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            target = modules_bound.get(node.value.id)
            if target in library and target != current:
                found.append(f"{node.value.id}.{node.attr} ({target})")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_private_name_crosses_a_module_boundary(path: Path):
    assert private_crossings(path) == []


def test_the_check_finds_each_kind_of_crossing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    fake = tmp_path / "perspectives"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "other.py").write_text("def _hidden():\n    pass\n")
    (fake / "user.py").write_text("from .other import _hidden\nfrom perspectives import other\n"
                                  "import perspectives.other as o\nother._hidden()\no._hidden()\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    monkeypatch.setattr(__import__(__name__), "MODULES", sorted(fake.glob("*.py")))
    assert sorted(private_crossings(fake / "user.py")) == [
        "from perspectives.other import _hidden", "o._hidden (perspectives.other)",
        "other._hidden (perspectives.other)"]


@pytest.mark.parametrize("path", sorted((PACKAGE / "build").glob("*.py")), ids=lambda p: p.name)
def test_each_build_module_does_one_job_in_a_readable_length(path: Path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 600
