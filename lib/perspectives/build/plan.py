"""Planning a build: which runs are selected, what each depends on, and which are due.

Purpose
    For every selected (report, section) run, compute its stamp: the hashes of everything
    the run depends on. A run is due when its stamp differs from the one its last successful
    run left (``stamp.json`` in its folder), when its last attempt failed, or when forced;
    the reason is kept to be printed. Nothing here executes a notebook.

    A stamp holds (``STAMP_COMPONENTS``, in the order a reason is reported):
    ``notebook`` (cells' type, source and tags: :func:`perspectives.hashing.notebook_hash`),
    ``parameters`` (the validated parameters, ``output_dir`` left out), ``data`` (every
    file a notebook may read unasked, ``DATA_GLOBS``, plus the given data files),
    ``library`` (the library modules the notebook imports, followed transitively with
    ``ast``; a dynamic import makes every module a dependency), ``environment`` (the lock),
    ``clock`` (``$SOURCE_DATE_EPOCH``, which the executed notebook states) and ``upstream``
    (the stamps of the sections an ``after:`` section reads).

Inputs
    The repository (``root``): notebooks, ``lib/<package>``, data and parameter files,
    ``requirements.lock``; the study and grid; the previous stamps under the output folder.

Outputs
    :class:`PlannedRun` objects (one per selected run, due or not) and
    :func:`library_dependencies` for a notebook.
"""

from __future__ import annotations

import ast
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perspectives.files import read_json, write_atomic
from perspectives.hashing import notebook_hash, sha256_file, sha256_json
from perspectives.study import GridSection, Study

__all__ = [
    "DATA_GLOBS",
    "STAMP_COMPONENTS",
    "STAMP_VERSION",
    "FileHasher",
    "LibraryIndex",
    "NotebookInfo",
    "PlannedRun",
    "data_stamp",
    "environment_lock",
    "library_dependencies",
    "library_folder",
    "notebook_info",
    "parameters_cell",
    "read_json",
    "stamp_reason",
    "topological",
]

STAMP_VERSION = 1

# Files a notebook may read without being told: hashed into every stamp.
DATA_GLOBS: tuple[str, ...] = (
    "data/synthetic/**/*",
    "data/instrument/**/*",
    "data/*.yml",
    "data/*.yaml",
    "data/*.csv",
    "data/*.xlsx",
    "data/*.json",
    "params/*.yml",
    "params/*.yaml",
    # The catalogues: a run writes its sentences in the report's language.
    "params/i18n/*.yml",
)

# Stamp components, in the order a reason for re-running is reported.
STAMP_COMPONENTS = ("notebook", "parameters", "data", "library", "environment", "clock", "upstream")


class FileHasher:
    """SHA-256 of files, computed once per build however many runs share a file."""

    def __init__(self) -> None:
        self._memo: dict[Path, str] = {}
        self._resolved: dict[Path, Path] = {}

    def __call__(self, path: Path) -> str:
        """The file's SHA-256 (64 hexadecimal characters); OSError when it cannot be read."""
        # Resolving a path costs a system call per component; a network build asks for the
        # same few hundred paths tens of thousands of times.
        real = self._resolved.get(path)
        if real is None:
            real = self._resolved[path] = path.resolve()
        if real not in self._memo:
            self._memo[real] = sha256_file(real)
        return self._memo[real]


def _cell_tags(cell: dict[str, Any]) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []) or [])


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def parameters_cell(nb: dict[str, Any]) -> tuple[int | None, str | None]:
    """Index of the single cell tagged ``parameters``, or None and what breaks the contract."""
    idx = [i for i, c in enumerate(nb.get("cells", [])) if "parameters" in _cell_tags(c)]
    if len(idx) != 1:
        return None, f"the notebook must have exactly one cell tagged 'parameters' (has {len(idx)})"
    return idx[0], None


# --------------------------------------------------------------------------- library deps


def _strip_magics(code: str) -> str:
    """Drop IPython magics and shell escapes so the rest parses as Python."""
    if code.lstrip().startswith("%%"):
        return ""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines()
    )


class LibraryIndex:
    """The modules of one package and the package-internal imports of each (via ``ast``).

    ``remembered``: a file where the imports found are kept between builds, by module and
    file content (a hidden file of the output folder): parsing the library's modules with
    ``ast`` is most of a no-change build's planning. Read when given; :meth:`remember` writes it.
    """

    def __init__(self, lib_dir: Path, package: str, hasher: FileHasher, remembered: Path | None = None) -> None:
        self.lib_dir = lib_dir
        self.package = package
        self.hasher = hasher
        self.modules: dict[str, Path] = {}
        pkg_dir = lib_dir / package
        for p in sorted(pkg_dir.rglob("*.py")) if pkg_dir.is_dir() else []:
            if "__pycache__" in p.parts:
                continue
            rel = p.relative_to(lib_dir).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            self.modules[".".join(parts)] = p
        self._imports: dict[str, tuple[set[str], bool]] = {}
        self._hashes: dict[frozenset[str] | None, dict[str, str]] = {}
        self._remembered = remembered
        # Imports depend on the module's text, its name, the package's module list, and the
        # code that reads them (this file) under this Python's grammar.
        self._layout = sha256_json({"modules": sorted(self.modules), "reader": sha256_file(Path(__file__)),
                                    "python": list(sys.version_info[:2])})
        self._known: dict[str, list[Any]] = {}
        previous = read_json(remembered) if remembered is not None else None
        if isinstance(previous, dict) and previous.get("layout") == self._layout:
            entries = previous.get("modules")
            self._known = {m: e for m, e in entries.items() if self._valid_entry(e)} if isinstance(entries, dict) else {}
        self._found: dict[str, list[Any]] = {}

    def _valid_entry(self, entry: Any) -> bool:
        """A remembered entry as :meth:`remember` writes it: [digest, [module, ...], unsure]."""
        return (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[0], str)
                and isinstance(entry[1], list) and all(isinstance(m, str) and m in self.modules for m in entry[1])
                and isinstance(entry[2], bool))

    def rel(self, module: str) -> str:
        """Path of a module relative to the package folder, e.g. ``stats.py``."""
        return self.modules[module].relative_to(self.lib_dir / self.package).as_posix()

    def _is_pkg(self, module: str) -> bool:
        return self.modules[module].name == "__init__.py"

    def imports_in(
        self, tree: ast.AST, current: str | None = None, is_pkg: bool = False
    ) -> tuple[set[str], bool]:
        """Package modules imported by ``tree``; the flag is True when unsure (dynamic)."""
        pkg = self.package
        found: set[str] = set()
        unsure = False

        def add(name: str) -> None:
            parts = name.split(".")
            # importing a.b.c executes a/__init__, a/b/__init__ and a/b/c
            for i in range(1, len(parts) + 1):
                found.add(".".join(parts[:i]))

        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == pkg or alias.name.startswith(pkg + "."):
                        add(alias.name)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    if current is None:
                        continue
                    base_parts = current.split(".") if is_pkg else current.split(".")[:-1]
                    if node.level > 1:
                        base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                    base = ".".join(base_parts + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                if not (base == pkg or base.startswith(pkg + ".")):
                    continue
                add(base)
                for alias in node.names:
                    if alias.name == "*":
                        # a star import from a package may pull in any submodule
                        if base in self.modules and self._is_pkg(base):
                            unsure = True
                    elif f"{base}.{alias.name}" in self.modules:
                        add(f"{base}.{alias.name}")
            elif isinstance(node, ast.Call):
                fn = node.func
                name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
                if name in ("import_module", "__import__"):
                    arg = node.args[0] if node.args else None
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        if arg.value.startswith(pkg):
                            add(arg.value)
                    else:
                        unsure = True
        return found, unsure

    def _module_imports(self, module: str) -> tuple[set[str], bool]:
        if module not in self._imports:
            digest = self.hasher(self.modules[module])
            known = self._known.get(module)
            if known is not None and known[0] == digest:
                self._imports[module] = (set(known[1]), bool(known[2]))
            else:
                try:
                    tree = ast.parse(self.modules[module].read_text(encoding="utf-8"))
                except SyntaxError:
                    self._imports[module] = (set(), True)
                else:
                    self._imports[module] = self.imports_in(tree, module, self._is_pkg(module))
            found, unsure = self._imports[module]
            self._found[module] = [digest, sorted(found), unsure]
        return self._imports[module]

    def remember(self) -> None:
        """Write the imports found to the ``remembered`` file when they differ from it (atomically)."""
        merged = {**self._known, **self._found}
        if self._remembered is None or merged == self._known:
            return
        write_atomic(self._remembered,
                     json.dumps({"layout": self._layout, "modules": dict(sorted(merged.items()))}, indent=1) + "\n")

    def closure(self, code_cells: Iterable[str]) -> set[str] | None:
        """Modules the code imports, transitively; None means "unsure: all of them"."""
        todo: set[str] = set()
        for code in code_cells:
            try:
                tree = ast.parse(_strip_magics(code))
            except SyntaxError:
                return None
            found, unsure = self.imports_in(tree)
            if unsure:
                return None
            todo |= found
        seen: set[str] = set()
        while todo:
            mod = todo.pop()
            if mod in seen:
                continue
            seen.add(mod)
            if mod in self.modules:
                found, unsure = self._module_imports(mod)
                if unsure:
                    return None
                todo |= found - seen
        return {m for m in seen if m in self.modules}

    def hashes(self, modules: set[str] | frozenset[str] | None) -> dict[str, str]:
        """sha256 per module file (all modules when ``modules`` is None)."""
        key = None if modules is None else frozenset(modules)
        if key not in self._hashes:  # one per notebook, asked for once per report
            mods = self.modules if key is None else key
            self._hashes[key] = {self.rel(m): self.hasher(self.modules[m]) for m in sorted(mods)}
        return dict(self._hashes[key])


def library_folder(root: Path, package: str) -> Path:
    """The folder holding the library package a build follows: the study folder's ``lib/`` when it holds it.

    Otherwise the folder the package is imported from (an installed library serving a study
    folder of its own).
    """
    if (root / "lib" / package).is_dir():
        return root / "lib"
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ValueError(f"the library package {package!r} is neither in {root.name}/lib nor installed")
    return Path(spec.origin).resolve().parents[1]


def environment_lock(root: Path, lib_dir: Path) -> Path:
    """The lock of the environment a build runs in: the study folder's, else the library checkout's.

    A path that may not exist (the stamps then record no lock).
    """
    for folder in (root, lib_dir.parent):
        if (folder / "requirements.lock").is_file():
            return folder / "requirements.lock"
    return root / "requirements.lock"


def library_dependencies(
    notebook: Path, lib_dir: Path | None = None, package: str = "perspectives"
) -> list[str]:
    """Library files a notebook depends on, followed through imports.

    ``lib_dir``: the folder holding the package (default: the one it is imported from).

    Returns:
        Paths relative to the package folder (``stats.py``), sorted; every module of the
        package when an import cannot be followed (a dynamic import, a syntax error).
    """
    index = LibraryIndex(lib_dir or library_folder(notebook.parent, package), package, FileHasher())
    nb = read_json(notebook) or {}
    code = [_source(c) for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    mods = index.closure(code)
    return sorted(index.rel(m) for m in (index.modules if mods is None else mods))


@dataclass(frozen=True)
class NotebookInfo:
    """What planning needs of a section notebook, read once per build.

    Attributes:
        hash: :func:`perspectives.hashing.notebook_hash` of the file.
        modules: library modules its code imports (transitively); None means all of them.
        parameters_index: index of its ``parameters`` cell (None when the contract fails).
        contract_error: what breaks the notebook contract, or None.
    """

    hash: str
    modules: frozenset[str] | None
    parameters_index: int | None
    contract_error: str | None


def notebook_info(path: Path, library: LibraryIndex) -> NotebookInfo:
    """Read a section notebook once: its content hash, imports and parameters cell.

    A file that is not a notebook (not JSON) gives a contract error naming it: its runs fail
    with that message, the others go on.
    """
    try:
        digest = notebook_hash(path)
    except ValueError as error:
        return NotebookInfo(sha256_file(path), frozenset(), None,
                            f"{path.name} is not a notebook: it is not valid JSON ({error})")
    nb = read_json(path) or {}
    code = [_source(c) for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    p_idx, p_err = parameters_cell(nb)
    mods = library.closure(code)
    return NotebookInfo(digest, None if mods is None else frozenset(mods), p_idx, p_err)


# --------------------------------------------------------------------------- stamps


@dataclass
class PlannedRun:
    """One selected run: what it depends on and whether (and why) it is due.

    Attributes:
        report: report code (ISO3 or the synthesis code).
        section: its section of the grid.
        params: the validated notebook parameters (``output_dir`` is added at execution).
        notebook: absolute path of the section notebook.
        run_dir: the run's folder under ``outputs/<report folder>/sections/`` (the report
            folder is the language's: ``study.report_folder``).
        stamp: the stamp this run writes when it succeeds.
        reason: why it is due; None when it is up to date.
        deps: keys of upstream runs that execute in this build (``after:``).
        pre_error: a contract error found before running (the run fails with it).
        modules: library modules the notebook imports (None: all of them).
        parameters_index: index of the notebook's ``parameters`` cell.
    """

    report: str
    section: GridSection
    params: dict[str, Any]
    notebook: Path
    run_dir: Path
    stamp: dict[str, Any]
    reason: str | None
    deps: list[str]
    pre_error: str | None = None
    modules: frozenset[str] | None = frozenset()
    parameters_index: int | None = None

    @property
    def key(self) -> str:
        """``REPORT/section``: the run's name in progress lines and dependencies."""
        return f"{self.report}/{self.section.id}"


def data_files(root: Path, hasher: FileHasher) -> dict[str, str]:
    """SHA-256 of every data and parameter file a run may read (:data:`DATA_GLOBS`), by path under ``root``."""
    return {p.relative_to(root).as_posix(): hasher(p)
            for pattern in DATA_GLOBS for p in sorted(root.glob(pattern)) if p.is_file()}


def data_stamp(
    root: Path, study: Study, params: dict[str, Any], hasher: FileHasher
) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Hashes of every data file a run may read, and the primary inputs named in reports."""
    data = data_files(root, hasher)
    for name in ("data_path", "conversations_path"):
        if params.get(name):
            data[name] = hasher(Path(params[name]))
    # Files a run reads beside the given ones: a change to either makes the run due.
    for name, path in _beside(params).items():
        if path.is_file():
            data[name] = hasher(path)
    # What the report header shows: file name and hash, never a folder.
    roles = {"survey": "data_path", "conversations": "conversations_path"}
    inputs: list[dict[str, str]] = []
    for role, rel in study.data.items():
        if not isinstance(rel, str) or "/" not in rel and "." not in rel:
            continue  # e.g. id_column: a setting, not a file
        given = params.get(roles.get(role, ""), None)
        p = Path(given) if given else root / rel
        if p.is_file():
            inputs.append({"role": role, "name": p.name, "sha256": hasher(p)})
    return data, inputs


def _beside(params: dict[str, Any]) -> dict[str, Path]:
    """The files a run reads next to a partner's inputs, by stamp name.

    The approved open-text answers beside the export (:data:`perspectives.open_text.APPROVALS_FILE`)
    and the participants beside a conversations CSV (``participants.csv``; a REFI-QDA project
    holds its own).
    """
    if not params.get("data_path") and not params.get("conversations_path"):
        return {}  # the embedded data: nothing beside it (nor the readers' import of pandas before a run starts)
    from perspectives.open_text import APPROVALS_FILE
    from perspectives.qualitative import participants_source

    found: dict[str, Path] = {}
    if params.get("data_path"):
        found["approvals_path"] = Path(params["data_path"]).parent / APPROVALS_FILE
    participants = participants_source(params.get("conversations_path"))
    if participants is not None and participants != Path(params["conversations_path"]):
        found["participants_path"] = participants
    return found


def stamp_reason(old: Any, new: dict[str, Any]) -> str | None:
    """Why a run must be redone given its previous stamp; None when it is up to date.

    A previous stamp of another shape than a stamp's (a hand edit, a damaged file) makes
    the run due, like a missing one.
    """
    if old is None:
        return "new"
    if not isinstance(old, dict):
        return "its stamp.json is damaged"
    if old.get("version") != new.get("version"):
        return "build format changed"
    for comp in STAMP_COMPONENTS:
        if old.get(comp) == new.get(comp):
            continue
        if comp in ("data", "library", "upstream"):
            a, b = old.get(comp), new.get(comp) or {}
            a = a if isinstance(a, dict) else {}
            changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            label = "data" if comp == "data" else comp
            return f"{label} changed: {', '.join(changed)}"
        return f"{comp} changed"
    return None


def topological(sections: Iterable[GridSection]) -> list[GridSection]:
    """Sections in grid order, each after the sections it reads (``after:``)."""
    secs = list(sections)
    ids = {s.id for s in secs}
    done: set[str] = set()
    order: list[GridSection] = []
    while len(order) < len(secs):
        for s in secs:
            if s.id not in done and all(a in done or a not in ids for a in s.after):
                order.append(s)
                done.add(s.id)
    return order



def plan_runs(*, root: Path, study: Study, sections: Iterable[GridSection], selected: Iterable[str],
              reports: Iterable[str], params: dict[str, dict[str, Any]], out: Path, library: LibraryIndex,
              environment: str, force: bool = False) -> dict[str, PlannedRun]:
    """Stamp every selected run and decide which are due.

    Args:
        root: repository root (notebooks, data and parameter files are read from it).
        study: the study (report folders, the data files a report names).
        sections: every section of the grid, in grid order.
        selected: the ids of the sections to plan.
        reports: the selected report codes, already validated.
        params: report code -> its validated notebook parameters.
        out: the output folder (previous stamps and failure markers are read there).
        library: the library's modules and imports.
        environment: the hash of the environment lock.
        force: every run is due ("forced").

    Returns:
        ``REPORT/section`` -> :class:`PlannedRun`, reports in the given order and sections
        in dependency order.
    """
    from perspectives.study import report_folder

    hasher = library.hasher
    infos: dict[Path, NotebookInfo] = {}
    notebooks: dict[str, Path] = {}
    data_cache: dict[str, tuple[dict[str, str], list[dict[str, str]]]] = {}
    runs: dict[str, PlannedRun] = {}
    wanted = set(selected)
    order = [s for s in topological(sections) if s.id in wanted]
    for report in reports:
        report_params = params[report]
        # A report in each language has its own folder, so their stamps never meet.
        folder = out / report_folder(report, study, report_params.get("lang"))
        for sec in order:
            nb_path = notebooks.get(sec.id)
            if nb_path is None:
                nb_path = notebooks[sec.id] = (root / sec.notebook).resolve()
            run_dir = folder / "sections" / sec.id
            pre_error = None
            p_idx = None
            if not nb_path.is_file():
                pre_error = f"notebook not found: {sec.notebook}"
                nb_h, mods = "missing", frozenset()
            else:
                if nb_path not in infos:
                    infos[nb_path] = notebook_info(nb_path, library)
                info = infos[nb_path]
                nb_h, mods, pre_error, p_idx = info.hash, info.modules, info.contract_error, info.parameters_index
            dkey = sha256_json(report_params)
            if dkey not in data_cache:
                data_cache[dkey] = data_stamp(root, study, report_params, hasher)
            data, inputs = data_cache[dkey]
            upstream: dict[str, str] = {}
            deps: list[str] = []
            for a in sec.after:
                key = f"{report}/{a}"
                if key in runs:
                    upstream[a] = sha256_json(runs[key].stamp)
                    if runs[key].reason is not None:
                        deps.append(key)
                else:
                    prev = read_json(folder / "sections" / a / "stamp.json")
                    if prev is None:
                        pre_error = pre_error or (
                            f"upstream section {a!r} of {report} has not been built; "
                            f"build it first (or drop --section)"
                        )
                        upstream[a] = "missing"
                    else:
                        upstream[a] = sha256_json(prev)
            stamp = {
                "version": STAMP_VERSION,
                "notebook": nb_h,
                # Where the run writes and which folder holds the study are not inputs: the
                # study's files are stamped by their content (two checkouts build the same).
                "parameters": sha256_json({k: v for k, v in report_params.items()
                                           if k not in ("output_dir", "project")}),
                "data": data,
                "library": library.hashes(None if mods is None else set(mods)),
                "environment": environment,
                # An executed notebook states $SOURCE_DATE_EPOCH (or no time at all).
                "clock": os.environ.get("SOURCE_DATE_EPOCH"),
                "upstream": upstream,
                "inputs": inputs,  # shown in the report header; not compared
                "lang": report_params["lang"],  # likewise
            }
            failed_marker = folder / "failed" / f"{sec.id}.ipynb"
            if force:
                reason: str | None = "forced"
            elif failed_marker.exists():
                reason = "previous run failed"
            else:
                reason = stamp_reason(read_json(run_dir / "stamp.json"), stamp)
            if pre_error:
                reason = reason or "contract error"
            runs[f"{report}/{sec.id}"] = PlannedRun(report, sec, dict(report_params), nb_path, run_dir,
                                                    stamp, reason, deps, pre_error, mods, p_idx)
    return runs
