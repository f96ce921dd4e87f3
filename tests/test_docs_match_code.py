"""The documents describe the code as it is.

ARCHITECTURE.md's layer table places every module of the library, and names no module that
is gone, in the layers ``.importlinter`` holds the code to. In ARCHITECTURE.md and
benchmarks/README.md, every backticked name of the library (``pdf.Printer``,
``build.plan.plan_runs``, ``Printer.warm_up``) resolves to something the library defines, and
every backticked path of the repository (``lib/...``, ``tests/...``, ``benchmarks/...``,
``params/...``, ``data/...``, ``notebooks/...``) exists.
"""

from __future__ import annotations

import configparser
import importlib
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lib" / "perspectives"
MODULES = sorted({p.stem for p in PACKAGE.glob("*.py")} - {"__init__"} | {"build"})
BUILD_STEPS = sorted({p.stem for p in (PACKAGE / "build").glob("*.py")} - {"__init__"})
DOCUMENTS = ("ARCHITECTURE.md", "benchmarks/README.md")
# A backticked token ending so is a file name (``report.html``), not a name of the library.
FILE_ENDINGS = {"html", "json", "csv", "docx", "pdf", "py", "yml", "yaml", "txt", "ipynb", "png", "md", "qdc",
                "qdpx", "xlsx", "zip", "sav", "lock", "toml", "svg"}
# Written by a command, not committed: `make bench` writes its results here.
GENERATED = ("benchmarks/results/",)
_DOTTED = re.compile(r"`((?:perspectives\.)?[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)(?:\(\))?`")
_PATH = re.compile(r"`((?:lib|tests|benchmarks|params|data|notebooks)/[\w./-]*)`")
_IN_FILE = re.compile(r"`((?:lib|tests|benchmarks)/[\w/.-]+\.py): (\w+)`")


def _layer_table() -> str:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    return text.split("## The layers", 1)[1].split("\n\n", 2)[2].split("\n\n", 1)[0]


def test_the_layer_table_places_every_module_once() -> None:
    rows = [line for line in _layer_table().splitlines() if line.startswith("| ") and "---" not in line][1:]
    named = [name for row in rows for name in re.findall(r"`(\w+)`", row.split("|")[2])]
    assert sorted(named) == sorted([*MODULES, "perspectives_synth"])


def test_the_layers_contract_holds_every_module() -> None:
    contracts = configparser.ConfigParser()
    contracts.read(ROOT / ".importlinter")
    layered = set(re.findall(r"perspectives\.(\w+)", contracts["importlinter:contract:layers"]["layers"]))
    assert layered == set(MODULES)


def _module(name: str) -> ModuleType | None:
    if name in MODULES:
        return importlib.import_module(f"perspectives.{name}")
    if name in BUILD_STEPS:
        return importlib.import_module(f"perspectives.build.{name}")
    return None


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    if parts[0] == "perspectives":
        parts = parts[1:]
    module = _module(parts[0])
    if module is None:  # a class first (``Printer.warm_up``): some module of the library defines it
        owners = [m for m in map(_module, [*MODULES, *BUILD_STEPS]) if hasattr(m, parts[0])]
        if not owners:
            return False
        node: object = getattr(owners[0], parts[0])
    else:
        node = module
    for part in parts[1:]:
        if isinstance(node, ModuleType) and not hasattr(node, part) and part in BUILD_STEPS:
            node = importlib.import_module(f"{node.__name__}.{part}")
            continue
        if not hasattr(node, part):
            return False
        node = getattr(node, part)
    return True


def _library_names(text: str) -> list[str]:
    names = []
    for dotted in _DOTTED.findall(text):
        parts = dotted.split(".")
        first = parts[1] if parts[0] == "perspectives" else parts[0]
        if parts[-1] in FILE_ENDINGS:
            continue
        # A class is capitalised (``Printer``); a placeholder is in capitals (``ANALYSIS.ANSWER``).
        if first in MODULES or first in BUILD_STEPS or parts[0] == "perspectives" or (
                first[0].isupper() and not first.isupper()):
            names.append(dotted)
    return names


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_name_and_path_a_document_gives_exists(document: str) -> None:
    text = (ROOT / document).read_text(encoding="utf-8")
    names = _library_names(text)
    assert names  # the document does name the library's parts
    assert [name for name in names if not _resolves(name)] == []
    assert [p for p in _PATH.findall(text) if not (ROOT / p).exists() and not p.startswith(GENERATED)] == []
    for path, function in _IN_FILE.findall(text):
        assert re.search(rf"^def {function}\(", (ROOT / path).read_text(encoding="utf-8"), re.M), (path, function)


def test_the_reader_finds_names_that_are_gone() -> None:
    assert _resolves("pdf.Printer.warm_up") and _resolves("build.plan.plan_runs") and _resolves("plan.LibraryIndex")
    assert _resolves("perspectives.imports.import_jsonschema_quickly")
    assert not _resolves("perspectives.engine.import_jsonschema_quickly")  # a module that is not there
    assert not _resolves("build._Assembler")  # a name the module no longer defines
    assert _library_names("`report.html`, `cold_s`, `gc.set_threshold`, `Study.reports_for`, `fmt.pct`") == [
        "Study.reports_for", "fmt.pct"]
