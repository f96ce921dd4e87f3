"""Build the reports: run every section notebook of the grid for every report, then assemble.

Purpose
    Execute the run grid (sections x reports from ``params/grid.yml``) with papermill, in
    parallel, re-running only what changed, keeping every run atomic, and assembling one
    ``report.html`` per report plus ``outputs/index.html``.

Inputs
    ``params/study.yml`` and ``params/grid.yml`` (via ``perspectives.study``), the section
    notebooks, the data files (``--data``/``--conversations`` or the synthetic defaults), the
    ``perspectives`` library sources and ``requirements.lock`` (these four are hashed to decide
    what to re-run).

Outputs (under ``out``, default ``outputs/``)
    ``<REPORT>/sections/<section_id>/``  one folder per successful run: ``executed.ipynb``,
        ``stamp.json`` and whatever the notebook wrote (``values.json``, ``figures/``,
        ``tables/``); ``<REPORT>`` is the ISO3 code or ``synthesis``.
    ``<REPORT>/failed/<section_id>.ipynb``  the partial executed notebook of a failed run
        (and ``<section_id>.log``, the kernel's stderr). A run executes in a hidden folder
        ``<REPORT>/sections/.<section_id>.tmp-*`` and replaces its run folder only on success.
    ``<REPORT>/report.html`` and ``index.html``  (see ``perspectives.assemble``).

The contract a section notebook follows
    1. Exactly one cell tagged ``parameters`` defining ``country``, ``lang``, ``data_path``,
       ``conversations_path`` and ``output_dir`` (the schema in ``params/grid.yml``; no other
       names). ``country`` is an ISO3 code or ``ALL`` (the synthesis). ``data_path`` and
       ``conversations_path`` are absolute paths or ``None`` (``None``: read the defaults named
       in ``study.yml``). The build always passes ``output_dir``, an absolute path to the run's
       own (temporary) folder; a notebook opened in JupyterLab gets ``None`` and should then
       write nowhere or to a scratch folder of its choice.
    2. Everything the run produces goes under ``output_dir``: ``values.json`` (a JSON list of
       objects with at least ``name`` and ``value``, plus ``n``, ``country``, ``section``...;
       a ``country`` given must be the run's country), ``figures/*.png|svg``,
       ``tables/*.csv``. Nothing is written elsewhere (outputs are pure functions of inputs).
    3. A section listed with ``after:`` in the grid reads the other sections' values from
       ``Path(output_dir).parent / <section_id> / "values.json"`` (the sibling run folders
       of the same report); the build runs it only once those runs have succeeded.
    4. Paths must never be shown: no printing of ``data_path``/``output_dir`` or of any file
       path in an output; the report shows outputs only (no code) and drops the
       ``parameters``/``injected-parameters`` cells and cells tagged ``remove`` (or
       ``remove-cell``); outputs of cells tagged ``remove-output`` are dropped. The assembler
       refuses to write a report containing the repository, output or home folder path.
    5. The working directory is the notebook's folder (as in JupyterLab); do not rely on it,
       locate repository files with ``perspectives.study.repo_root()``.
    6. Import library code as ``import perspectives.x`` / ``from perspectives import x`` /
       ``from perspectives.x import y``: these are read (with ``ast``) to know which library
       modules a notebook depends on. Dynamic imports make every module a dependency.
    7. Start with a markdown heading (``#``/``##``); they make the table of contents. A
       section without an h1 gets the grid title as its heading.
    8. No ``try/except: pass``: an error fails the run loudly, which is what we want.

Engines (how a run executes; ``build(engine=...)`` or ``$PERSPECTIVES_ENGINE``)
    ``fork`` (default): papermill with the in-process engine of ``perspectives.engine``, in
        forks of one server process that imported pandas/seaborn/scipy/matplotlib, the
        library modules the notebooks import and papermill once; one fresh fork per run, so
        runs share no state. Same executed notebooks as the kernel path (outputs equal
        modulo execution metadata); a failing cell still raises PapermillExecutionError.
    ``kernel``: papermill's standard engine, one Jupyter kernel per run, in a process pool
        (also used where ``os.fork`` does not exist).
    Both run at most ``jobs`` runs at a time (default: the CPU count) with numerical
    threads capped at one per run.

Rebuild rules
    A run is skipped only if its ``stamp.json`` matches the hashes of: the notebook (cells'
    type, source and tags only, so saving in Lab without edits does not count), the validated
    parameters without ``output_dir``, the data files, the library modules the notebook imports
    (transitively), ``requirements.lock``, and for ``after:`` sections the stamps of their
    upstream runs. A run whose previous attempt failed is always redone.
"""

from __future__ import annotations

import ast
import collections
import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perspectives.study import (
    Grid,
    Section,
    Study,
    load_grid,
    load_study,
    repo_root,
    report_folder,
    validate_parameters,
)

__all__ = [
    "BuildResult",
    "RunResult",
    "build",
    "library_dependencies",
    "notebook_hash",
]

STAMP_VERSION = 1
KERNEL_NAME = "python3"

# How runs execute (see perspectives.engine): "fork" runs papermill with an in-process engine
# in forks of one pre-warmed process; "kernel" is papermill's standard engine, one Jupyter
# kernel per run. The build's ``engine`` argument, else this variable, else "fork".
ENGINE_ENV = "PERSPECTIVES_ENGINE"
ENGINES: tuple[str, ...] = ("fork", "kernel")
DEFAULT_ENGINE = "fork"

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
)

# Parallel kernels must not each start one thread per core, or they fight for 2 cores.
KERNEL_ENV: dict[str, str] = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "MPLBACKEND": "Agg",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    # Set iteration order and hash() must not differ between builds.
    "PYTHONHASHSEED": "0",
}

# Stamp components, in the order a reason for re-running is reported.
_COMPONENTS = ("notebook", "parameters", "data", "library", "environment", "upstream")


# --------------------------------------------------------------------------- results


@dataclass
class RunResult:
    """What happened to one run (report x section)."""

    report: str
    section: str
    notebook: str  # relative to the repository root
    status: str  # "ok", "skipped" or "failed"
    reason: str | None = None  # why it was (re)run; None when skipped
    seconds: float = 0.0
    error: dict[str, Any] | None = None  # cell_index, cell_source, ename, evalue
    failed_notebook: str | None = None  # relative to the output folder

    def describe_failure(self) -> str:
        """One readable paragraph naming the notebook, report and failing cell."""
        err = self.error or {}
        where = ""
        if err.get("cell_index") is not None:
            where = f", cell {err['cell_index']}: `{err.get('cell_source', '')}`"
        line = (
            f"FAILED {self.report} {self.section} ({self.notebook}){where}\n"
            f"    {err.get('ename', 'Error')}: {err.get('evalue', '')}"
        )
        if self.failed_notebook:
            line += f"\n    partial notebook: {self.failed_notebook}"
        return line


@dataclass
class BuildResult:
    """Outcome of a build: every run, and which reports were (re)assembled."""

    runs: list[RunResult] = field(default_factory=list)
    reports_written: list[str] = field(default_factory=list)
    reports_unchanged: list[str] = field(default_factory=list)
    reports_not_written: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def executed(self) -> list[RunResult]:
        """Runs that were due (executed, or failed before or while executing)."""
        return [r for r in self.runs if r.status != "skipped"]

    @property
    def failed(self) -> list[RunResult]:
        """Runs that failed."""
        return [r for r in self.runs if r.status == "failed"]

    @property
    def ok(self) -> bool:
        """True when no run failed and every selected report could be written."""
        return not self.failed and not self.reports_not_written

    def summary(self) -> str:
        """Multi-line summary for the end of a build."""
        n_ok = sum(r.status == "ok" for r in self.runs)
        n_skip = sum(r.status == "skipped" for r in self.runs)
        lines = [
            f"{len(self.runs)} runs: {n_ok} executed, {n_skip} up to date, "
            f"{len(self.failed)} failed; reports written: "
            f"{', '.join(self.reports_written) or 'none'}"
            + (f"; unchanged: {', '.join(self.reports_unchanged)}" if self.reports_unchanged else "")
            + f" ({self.seconds:.1f}s)"
        ]
        lines += [r.describe_failure() for r in self.failed]
        lines += [f"REPORT NOT WRITTEN {k}: {v}" for k, v in self.reports_not_written.items()]
        return "\n".join(lines)


# --------------------------------------------------------------------------- hashing


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sha256_json(obj: Any) -> str:
    return _sha256_bytes(json.dumps(obj, sort_keys=True, default=str).encode())


class _FileHasher:
    """sha256 of files, computed once per build however many runs share a file."""

    def __init__(self) -> None:
        self._memo: dict[Path, str] = {}

    def __call__(self, path: Path) -> str:
        path = path.resolve()
        if path not in self._memo:
            h = hashlib.sha256()
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
            self._memo[path] = h.hexdigest()
        return self._memo[path]


def _read_notebook_json(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _cell_tags(cell: dict[str, Any]) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []) or [])


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def notebook_hash(path: Path) -> str:
    """Hash of a notebook's content: cell type, source and tags; outputs and ids ignored."""
    nb = _read_notebook_json(path)
    cells = [(c.get("cell_type"), _source(c), sorted(_cell_tags(c))) for c in nb.get("cells", [])]
    return _sha256_json(cells)


# --------------------------------------------------------------------------- library deps


def _strip_magics(code: str) -> str:
    """Drop IPython magics and shell escapes so the rest parses as Python."""
    if code.lstrip().startswith("%%"):
        return ""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines()
    )


class _LibraryIndex:
    """The modules of one package and the package-internal imports of each (via ``ast``)."""

    def __init__(self, lib_dir: Path, package: str, hasher: _FileHasher) -> None:
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
            try:
                tree = ast.parse(self.modules[module].read_text(encoding="utf-8"))
            except SyntaxError:
                self._imports[module] = (set(), True)
            else:
                self._imports[module] = self.imports_in(tree, module, self._is_pkg(module))
        return self._imports[module]

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

    def hashes(self, modules: set[str] | None) -> dict[str, str]:
        """sha256 per module file (all modules when ``modules`` is None)."""
        mods = self.modules if modules is None else modules
        return {self.rel(m): self.hasher(self.modules[m]) for m in sorted(mods)}


def library_dependencies(
    notebook: Path, lib_dir: Path | None = None, package: str = "perspectives"
) -> list[str]:
    """Library files (relative to the package folder) a notebook depends on, sorted."""
    index = _LibraryIndex(lib_dir or repo_root() / "lib", package, _FileHasher())
    nb = _read_notebook_json(notebook)
    code = [_source(c) for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    mods = index.closure(code)
    return sorted(index.rel(m) for m in (index.modules if mods is None else mods))


# --------------------------------------------------------------------------- planning


@dataclass
class _Run:
    report: str
    section: Section
    params: dict[str, Any]
    notebook: Path
    run_dir: Path
    stamp: dict[str, Any]
    reason: str | None
    deps: list[str]  # keys of upstream runs executed in this build
    pre_error: str | None = None

    @property
    def key(self) -> str:
        return f"{self.report}/{self.section.id}"


def _data_stamp(
    root: Path, study: Study, params: dict[str, Any], hasher: _FileHasher
) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Hashes of every data file a run may read, and the primary inputs named in reports."""
    data: dict[str, str] = {}
    for pattern in DATA_GLOBS:
        for p in sorted(root.glob(pattern)):
            if p.is_file():
                data[p.relative_to(root).as_posix()] = hasher(p)
    for name in ("data_path", "conversations_path"):
        if params.get(name):
            data[name] = hasher(Path(params[name]))
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


def _stamp_reason(old: dict[str, Any] | None, new: dict[str, Any]) -> str | None:
    """Why a run must be redone given its previous stamp; None when it is up to date."""
    if old is None:
        return "new"
    if old.get("version") != new.get("version"):
        return "build format changed"
    for comp in _COMPONENTS:
        if old.get(comp) == new.get(comp):
            continue
        if comp in ("data", "library", "upstream"):
            a, b = old.get(comp) or {}, new.get(comp) or {}
            changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            label = "data" if comp == "data" else comp
            return f"{label} changed: {', '.join(changed)}"
        return f"{comp} changed"
    return None


def _read_json(path: Path) -> Any | None:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def _topological(sections: Iterable[Section]) -> list[Section]:
    secs = list(sections)
    ids = {s.id for s in secs}
    done: set[str] = set()
    order: list[Section] = []
    while len(order) < len(secs):
        for s in secs:
            if s.id not in done and all(a in done or a not in ids for a in s.after):
                order.append(s)
                done.add(s.id)
    return order


# --------------------------------------------------------------------------- execution (worker)


def _init_worker(env: dict[str, str]) -> None:
    """Runs once in each worker process: the kernels it starts inherit this environment."""
    os.environ.update(env)


def _scrub_paths(text: str, replacements: list[tuple[str, str]]) -> str:
    for old, new in replacements:
        if old:
            text = text.replace(old, new)
    return text


def _execute_run(task: dict[str, Any]) -> dict[str, Any]:
    """Execute one notebook with papermill into ``task['tmp_dir']`` (in a worker process).

    ``task['engine_name']`` None means papermill's kernel engine; otherwise the named engine
    (the fork server's children run this function with ``perspectives-fork``).
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    tmp = Path(task["tmp_dir"])
    out_nb = tmp / "executed.ipynb"
    t0 = time.perf_counter()
    error: dict[str, Any] | None = None
    # Kernels inherit this process's stderr and chatter on it (e.g. ipykernel's transport
    # warning); send that to a log beside the run so the progress display stays one line a run.
    log_path = Path(task["log_path"])
    saved_fd = os.dup(2)
    log_fh = open(log_path, "w")  # noqa: SIM115 - closed in the finally below
    os.dup2(log_fh.fileno(), 2)
    engine_name = task.get("engine_name")
    if engine_name:
        from perspectives.engine import register

        register()  # a no-op in the fork server's children, which have it already
    try:
        pm.execute_notebook(
            task["notebook"],
            str(out_nb),
            parameters=task["parameters"],
            kernel_name=task["kernel_name"],
            engine_name=engine_name,
            progress_bar=False,
            log_output=False,
            cwd=task["cwd"],
            execution_timeout=task["timeout"],
        )
    except PapermillExecutionError as exc:
        # papermill counts its injected-parameters cell; report the index in the source file
        idx = exc.cell_index
        if task["injected_before"] is not None and idx > task["injected_before"]:
            idx -= 1
        lines = [ln for ln in (exc.source or "").splitlines() if ln.strip()]
        error = {
            "cell_index": idx,
            "cell_source": lines[0].strip() if lines else "",
            "ename": exc.ename,
            "evalue": exc.evalue,
        }
    except Exception as exc:  # noqa: BLE001 - any failure must be reported, not raised
        error = {"cell_index": None, "cell_source": "", "ename": type(exc).__name__,
                 "evalue": str(exc).splitlines()[0] if str(exc) else ""}
    finally:
        os.dup2(saved_fd, 2)
        os.close(saved_fd)
        log_fh.close()
    seconds = time.perf_counter() - t0
    replacements = [(r[0], r[1]) for r in task["replacements"]]
    for path in (out_nb, log_path):
        if not path.exists():
            continue
        # papermill records absolute paths (metadata, injected cell): keep them out of outputs
        text = path.read_text(encoding="utf-8", errors="replace")
        path.write_text(_scrub_paths(text, replacements), encoding="utf-8")
    if error is None:
        error = _check_run_folder(tmp, task["country"], [r[0] for r in replacements])
    if error is not None:
        error["evalue"] = _scrub_paths(str(error.get("evalue", "")), replacements)
    return {"key": task["key"], "ok": error is None, "seconds": seconds, "error": error}


def _check_run_folder(tmp: Path, country: str, forbidden: list[str]) -> dict[str, Any] | None:
    """Check what a run wrote: a well-formed values.json and no local paths in text files."""
    values = tmp / "values.json"
    if values.exists():
        doc = _read_json(values)
        bad = None
        if not isinstance(doc, list):
            bad = "values.json must be a JSON list of {name, value, ...} objects"
        else:
            for i, item in enumerate(doc):
                if not isinstance(item, dict) or "name" not in item or "value" not in item:
                    bad = f"values.json item {i} lacks 'name' or 'value'"
                    break
                # A national run may also record the six-country value it shows beside its own.
                if "country" in item and item["country"] not in (country, "ALL"):
                    bad = (f"values.json item {item['name']!r} is for country "
                           f"{item['country']!r}, the run is for {country!r}")
                    break
        if bad:
            return {"cell_index": None, "cell_source": "", "ename": "OutputContractError",
                    "evalue": bad}
    for p in sorted(tmp.rglob("*")):
        if p.is_file() and p.suffix in (".json", ".csv", ".svg", ".txt", ".md", ".html"):
            if p.name == "executed.ipynb":
                continue
            text = p.read_text(encoding="utf-8", errors="replace")
            if any(f and f in text for f in forbidden):
                return {"cell_index": None, "cell_source": "", "ename": "OutputContractError",
                        "evalue": f"{p.relative_to(tmp).as_posix()} contains a local file path"}
    return None


# --------------------------------------------------------------------------- build


def _preflight(data_path: str | Path | None, conversations_path: str | Path | None,
               id_column: str | None = None) -> None:
    """Validate a partner's inputs once, before any run starts or any file is written.

    A bad export raises ``readers.DataError`` (or ``qualitative.QualitativeDataError``), both
    ``ValueError``: the command line prints the one message and exits 2. The embedded default
    data are validated by the test suite, so they are not read again here.
    """
    if data_path is not None:
        from perspectives.readers import load_survey

        load_survey(data_path, id_column=id_column)
    if conversations_path is not None:
        from perspectives.qualitative import load_conversations

        load_conversations(conversations_path)


@contextlib.contextmanager
def _build_lock(out: Path) -> Iterator[None]:
    """One build at a time per output folder: runs swap folders under out/."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".build.lock", "w") as fh:
        try:
            import fcntl

            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # pragma: no cover - not POSIX
            pass
        except OSError as exc:
            raise RuntimeError(f"another build is running in {out.name}/") from exc
        yield


def _parameters_cell(nb: dict[str, Any]) -> tuple[int | None, str | None]:
    """Index of the single cell tagged ``parameters`` and an error if the contract fails."""
    idx = [i for i, c in enumerate(nb.get("cells", [])) if "parameters" in _cell_tags(c)]
    if len(idx) != 1:
        return None, f"the notebook must have exactly one cell tagged 'parameters' (has {len(idx)})"
    return idx[0], None


def _progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _swap_in(tmp: Path, target: Path, trash_dir: Path) -> None:
    """Replace ``target`` by ``tmp`` with renames, so a reader never sees a half-written run."""
    target.parent.mkdir(parents=True, exist_ok=True)
    trash = None
    if target.exists():
        trash = trash_dir / f".{target.name}.tmp-old-{uuid.uuid4().hex}"
        os.replace(target, trash)
    os.replace(tmp, target)
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)


def _choose_engine(engine: str | None) -> str:
    """The engine to use: the argument, else ``$PERSPECTIVES_ENGINE``, else the default."""
    chosen = engine or os.environ.get(ENGINE_ENV) or DEFAULT_ENGINE
    if chosen not in ENGINES:
        raise ValueError(f"unknown engine {chosen!r}; allowed: {', '.join(ENGINES)}")
    if chosen == "fork" and not (hasattr(os, "fork") and sys.platform != "win32"):
        return "kernel"  # no fork on this platform: the standard path still works
    return chosen


def _check_kernel(kernel_name: str) -> None:
    """Warn when the kernel would not run this interpreter (the venv's)."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        argv0 = KernelSpecManager().get_kernel_spec(kernel_name).argv[0]
    except Exception as exc:  # noqa: BLE001 - a missing kernel fails every run anyway
        _progress(f"warning: kernel {kernel_name!r} not found ({type(exc).__name__})")
        return
    # jupyter_client substitutes sys.executable for a bare "python"/"python3"
    if Path(argv0).name not in ("python", "python3", f"python3.{sys.version_info[1]}") and \
            Path(argv0).resolve() != Path(sys.executable).resolve():
        _progress(f"warning: kernel {kernel_name!r} runs {argv0}, not {sys.executable}; "
                  f"run `{sys.executable} -m ipykernel install --sys-prefix`")


def build(
    countries: Iterable[str] | None = None,
    sections: Iterable[str] | None = None,
    data_path: str | Path | None = None,
    conversations_path: str | Path | None = None,
    lang: str = "en",
    jobs: int | None = None,
    out: Path | str = Path("outputs"),
    force: bool = False,
    *,
    root: Path | None = None,
    grid: Grid | None = None,
    study: Study | None = None,
    package: str = "perspectives",
    timeout: int | None = None,
    dry_run: bool = False,
    kernel_name: str = KERNEL_NAME,
    engine: str | None = None,
    id_column: str | None = None,
) -> BuildResult:
    """Run the grid for the selected reports and sections, then assemble their reports.

    ``countries`` are report codes (ISO3 or the synthesis code); ``sections`` are section ids;
    None selects all. ``root`` (repository root), ``grid``, ``study`` and ``package`` exist
    for tests. ``id_column`` names the column identifying each response of ``data_path``
    (None: the reader's rule). ``engine`` is ``"fork"`` or ``"kernel"`` (default: ``$PERSPECTIVES_ENGINE``,
    else fork; kernel where ``os.fork`` is missing). Unknown codes, sections, engines or
    parameters raise ``ValueError`` before anything runs.
    """
    t_start = time.perf_counter()
    engine = _choose_engine(engine)
    root = (root or repo_root()).resolve()
    st = study or load_study(root / "params" / "study.yml")
    gr = grid or load_grid(root / "params" / "grid.yml")
    out = Path(out)
    out = (out if out.is_absolute() else Path.cwd() / out).resolve()

    reports = list(gr.reports)
    if countries:
        wanted = list(dict.fromkeys(countries))
        for c in wanted:
            if c not in reports:
                raise ValueError(f"unknown country {c!r}; allowed: {', '.join(reports)}")
        reports = [r for r in reports if r in wanted]
    sel_ids = list(gr.section_ids)
    if sections:
        wanted_s = list(dict.fromkeys(sections))
        for s in wanted_s:
            gr.section(s)  # raises listing the allowed ids
        sel_ids = [s for s in sel_ids if s in wanted_s]
    for p in (data_path, conversations_path):
        if p is not None and not Path(p).is_file():
            raise ValueError(f"data file not found: {Path(p).name}")

    hasher = _FileHasher()
    lib = _LibraryIndex(root / "lib", package, hasher)
    lock = root / "requirements.lock"
    env_hash = hasher(lock) if lock.is_file() else "none"
    nb_cache: dict[Path, tuple[str, set[str] | None, int | None, str | None]] = {}

    def notebook_info(path: Path) -> tuple[str, set[str] | None, int | None, str | None]:
        if path not in nb_cache:
            nb = _read_notebook_json(path)
            code = [_source(c) for c in nb.get("cells", []) if c.get("cell_type") == "code"]
            p_idx, p_err = _parameters_cell(nb)
            nb_cache[path] = (notebook_hash(path), lib.closure(code), p_idx, p_err)
        return nb_cache[path]

    data_cache: dict[str, tuple[dict[str, str], list[dict[str, str]]]] = {}
    runs: dict[str, _Run] = {}
    order = _topological(gr.sections)
    for report in reports:
        folder = out / report_folder(report, st)
        for sec in order:
            if sec.id not in sel_ids:
                continue
            params = validate_parameters(
                {"country": report, "lang": lang, "data_path": data_path,
                 "conversations_path": conversations_path, **({"id_column": id_column} if id_column else {})},
                st, gr,
            )
            nb_path = (root / sec.notebook).resolve()
            run_dir = folder / "sections" / sec.id
            pre_error = None
            if not nb_path.is_file():
                pre_error = f"notebook not found: {sec.notebook}"
                nb_h, mods, p_err = "missing", set(), None
            else:
                nb_h, mods, _, p_err = notebook_info(nb_path)
            pre_error = pre_error or p_err
            dkey = _sha256_json(params)
            if dkey not in data_cache:
                data_cache[dkey] = _data_stamp(root, st, params, hasher)
            data, inputs = data_cache[dkey]
            upstream: dict[str, str] = {}
            deps: list[str] = []
            for a in sec.after:
                key = f"{report}/{a}"
                if key in runs:
                    upstream[a] = _sha256_json(runs[key].stamp)
                    if runs[key].reason is not None:
                        deps.append(key)
                else:
                    prev = _read_json(folder / "sections" / a / "stamp.json")
                    if prev is None:
                        pre_error = pre_error or (
                            f"upstream section {a!r} of {report} has not been built; "
                            f"build it first (or drop --section)"
                        )
                        upstream[a] = "missing"
                    else:
                        upstream[a] = _sha256_json(prev)
            stamp = {
                "version": STAMP_VERSION,
                "notebook": nb_h,
                "parameters": _sha256_json({k: v for k, v in params.items() if k != "output_dir"}),
                "data": data,
                "library": lib.hashes(mods),
                "environment": env_hash,
                "upstream": upstream,
                "inputs": inputs,  # shown in the report header; not compared
                "lang": params["lang"],  # likewise
            }
            failed_marker = folder / "failed" / f"{sec.id}.ipynb"
            if force:
                reason: str | None = "forced"
            elif failed_marker.exists():
                reason = "previous run failed"
            else:
                reason = _stamp_reason(_read_json(run_dir / "stamp.json"), stamp)
            if pre_error:
                reason = reason or "contract error"
            runs[f"{report}/{sec.id}"] = _Run(report, sec, params, nb_path, run_dir, stamp,
                                              reason, deps, pre_error)

    result = BuildResult()
    todo = [r for r in runs.values() if r.reason is not None]
    n_todo = len(todo)
    _progress(f"perspectives build: {len(runs)} runs, {n_todo} to execute, "
              f"{len(runs) - n_todo} up to date")
    results: dict[str, RunResult] = {}
    for r in runs.values():
        if r.reason is None:
            results[r.key] = RunResult(r.report, r.section.id, r.section.notebook, "skipped")
    if dry_run:
        for r in todo:
            _progress(f"would run {r.report} {r.section.id} (reason: {r.reason})")
        result.runs = [results.get(k) or RunResult(r.report, r.section.id, r.section.notebook,
                                                   "skipped", r.reason) for k, r in runs.items()]
        return result

    if todo:
        _preflight(data_path, conversations_path, id_column)
    with _build_lock(out):
        assembler = _Assembler(result, reports, out, root, st, gr, jobs)
        if todo:
            # the server imports, once, every library module the runs' notebooks import
            preload: set[str] = set()
            for r in todo:
                mods = notebook_info(r.notebook)[1] if r.notebook.is_file() else set()
                preload |= set(lib.modules) if mods is None else mods
            # The synthesis pools every country and is the slowest report: started first,
            # its assembly overlaps the country runs instead of ending the build.
            todo.sort(key=lambda r: r.report != st.synthesis_code)
            # Every run of a build reads the same data: the fork server loads it once.
            first = todo[0].params
            warm = (f"{package}.report:warm_up",
                    {k: first[k] for k in ("data_path", "conversations_path", "lang", "id_column") if k in first})
            try:
                assembler.prepare()
                _execute_all(todo, results, out, root, lib.lib_dir, jobs, timeout, kernel_name,
                             engine, sorted(preload), on_report_done=assembler.report_done,
                             warm=warm)
            except BaseException:
                # Interrupted (Ctrl-C) or broken: stop assembling and close the browser;
                # reports already written stay, the rest keep their previous version.
                assembler.abort()
                raise
        result.runs = [results[k] for k in runs]
        failed_reports = {r.report for r in result.runs if r.status == "failed"}
        assembler.finish(failed_reports)
    result.seconds = time.perf_counter() - t_start
    _progress(result.summary())
    return result


def _execute_all(
    todo: list[_Run],
    results: dict[str, RunResult],
    out: Path,
    root: Path,
    lib_dir: Path,
    jobs: int | None,
    timeout: int | None,
    kernel_name: str,
    engine: str = DEFAULT_ENGINE,
    preload: list[str] | None = None,
    on_report_done: Callable[[str, bool], None] | None = None,
    warm: tuple[str, dict[str, Any]] | None = None,
) -> None:
    """Execute runs in parallel, dependents once their upstream runs succeeded.

    Runs start in ``todo`` order, at most ``workers`` at a time, so a dependent that becomes
    ready (a report's summary) goes next rather than behind every queued run; when the last
    run of a report finishes, ``on_report_done(report, any_failed)`` is called.

    With the fork engine the runs go to a :class:`perspectives.engine.ForkServer` (one
    pre-warmed process, one fork per run); with the kernel engine to a process pool whose
    workers run papermill with a Jupyter kernel each. Both hand back futures of the same
    result dictionaries, so everything after execution is shared.
    """
    # Runs execute in hidden folders beside their target (same filesystem, so the final
    # rename is atomic, and output_dir's parent is the report's sections/ folder, where an
    # `after:` section finds its siblings). Leftovers of an interrupted build go first.
    for run in todo:
        for stale in run.run_dir.parent.glob(".*.tmp-*"):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)
    n_total = len(todo)
    done_count = 0
    home = str(Path.home())
    # Replacements applied to executed notebooks: longest (most specific) first.
    base_repl = sorted(
        [(str(out), "<outputs>"), (str(root), "<repo>"), (home, "~")],
        key=lambda t: -len(t[0]),
    )
    base_repl = [t for t in base_repl if t[0] not in ("", "/")]

    left_in_report = collections.Counter(r.report for r in todo)
    failed_in_report: set[str] = set()

    def finish(run: _Run, res: RunResult) -> None:
        nonlocal done_count
        done_count += 1
        results[run.key] = res
        state = "" if res.status == "ok" else " FAILED"
        _progress(f"[{done_count}/{n_total}] {run.report} {run.section.id}{state} "
                  f"{res.seconds:.1f}s (reason: {run.reason})")
        if res.status != "ok":
            failed_in_report.add(run.report)
        left_in_report[run.report] -= 1
        if left_in_report[run.report] == 0 and on_report_done is not None:
            on_report_done(run.report, run.report in failed_in_report)

    def fail_marker(run: _Run) -> Path:
        return out / report_folder_of(run) / "failed" / f"{run.section.id}.ipynb"

    def report_folder_of(run: _Run) -> str:
        return run.run_dir.parent.parent.name

    waiting = list(todo)
    for run in [r for r in waiting if r.pre_error]:
        waiting.remove(run)
        finish(run, RunResult(run.report, run.section.id, run.section.notebook, "failed",
                              run.reason, 0.0, {"cell_index": None, "cell_source": "",
                                                "ename": "ContractError",
                                                "evalue": run.pre_error}))
    if not waiting:
        return
    env = dict(KERNEL_ENV)
    # The kernel must import the library from this root (tests use a stand-in package).
    env["PYTHONPATH"] = os.pathsep.join(
        [str(lib_dir)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    workers = max(1, min(jobs or os.cpu_count() or 1, len(waiting)))
    futures: dict[Future[dict[str, Any]], tuple[_Run, Path]] = {}
    pool: Any
    if engine == "fork":
        from perspectives.engine import ENGINE_NAME, ForkServer

        engine_name: str | None = ENGINE_NAME
        pool = ForkServer(workers, env=env, preload=preload or (), warm=warm)
        submit = pool.submit
    else:
        _check_kernel(kernel_name)
        engine_name = None  # papermill's default: nbclient and a kernel
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                                   initargs=(env,))

        def submit(task: dict[str, Any]) -> Future[dict[str, Any]]:
            return pool.submit(_execute_run, task)

    with pool:

        def submit_ready() -> None:
            for run in list(waiting):
                if len(futures) >= workers:
                    return
                dep_res = [results.get(d) for d in run.deps]
                if any(d is not None and d.status == "failed" for d in dep_res):
                    waiting.remove(run)
                    bad = [d for d, r in zip(run.deps, dep_res, strict=True) if r and r.status == "failed"]
                    finish(run, RunResult(run.report, run.section.id, run.section.notebook,
                                          "failed", run.reason, 0.0,
                                          {"cell_index": None, "cell_source": "",
                                           "ename": "UpstreamFailed",
                                           "evalue": f"upstream run(s) failed: {', '.join(bad)}"}))
                elif all(d is not None for d in dep_res):
                    waiting.remove(run)
                    run.run_dir.parent.mkdir(parents=True, exist_ok=True)
                    tmp = Path(tempfile.mkdtemp(prefix=f".{run.section.id}.tmp-",
                                                dir=run.run_dir.parent))
                    os.chmod(tmp, 0o755)
                    params = dict(run.params, output_dir=str(tmp))
                    nb = _read_notebook_json(run.notebook)
                    p_idx, _ = _parameters_cell(nb)
                    task = {
                        "key": run.key,
                        "notebook": str(run.notebook),
                        "tmp_dir": str(tmp),
                        "parameters": params,
                        "kernel_name": kernel_name,
                        "engine_name": engine_name,
                        "cwd": str(run.notebook.parent),
                        "timeout": timeout,
                        "injected_before": p_idx,
                        "country": run.report,
                        "log_path": str(tmp) + ".log",
                        "replacements": [(str(tmp), ".")] + base_repl,
                    }
                    futures[submit(task)] = (run, tmp)

        submit_ready()
        while futures:
            finished, _ = wait(list(futures), return_when=FIRST_COMPLETED)
            for fut in finished:
                run, tmp = futures.pop(fut)
                try:
                    res = fut.result()
                except Exception as exc:  # noqa: BLE001 - a dead worker fails one run only
                    res = {"ok": False, "seconds": 0.0,
                           "error": {"cell_index": None, "cell_source": "",
                                     "ename": type(exc).__name__, "evalue": str(exc)}}
                marker = fail_marker(run)
                log = Path(str(tmp) + ".log")
                if res["ok"]:
                    (tmp / "stamp.json").write_text(
                        json.dumps(run.stamp, indent=1, sort_keys=True) + "\n", encoding="utf-8")
                    _swap_in(tmp, run.run_dir, run.run_dir.parent)
                    marker.unlink(missing_ok=True)
                    marker.with_suffix(".log").unlink(missing_ok=True)
                    with contextlib.suppress(OSError):
                        marker.parent.rmdir()  # only when no other failure is kept there
                    rr = RunResult(run.report, run.section.id, run.section.notebook, "ok",
                                   run.reason, res["seconds"])
                else:
                    marker.parent.mkdir(parents=True, exist_ok=True)
                    partial = tmp / "executed.ipynb"
                    if partial.exists():
                        os.replace(partial, marker)
                    else:
                        # nothing executed: leave a marker so the next build redoes the run
                        marker.write_text(json.dumps({"error": res["error"]}), encoding="utf-8")
                    shutil.rmtree(tmp, ignore_errors=True)
                    if log.exists():
                        os.replace(log, marker.with_suffix(".log"))
                    rr = RunResult(run.report, run.section.id, run.section.notebook, "failed",
                                   run.reason, res["seconds"], res["error"],
                                   marker.relative_to(out).as_posix())
                log.unlink(missing_ok=True)
                finish(run, rr)
            submit_ready()


class _Assembler:
    """Assembles each report as soon as its runs are done, while other runs go on.

    Report assembly (HTML and Word, one report at a time) runs in one thread of the build
    process and PDF printing in a few more (one browser for the build, a tab per report),
    so that assembling the first reports overlaps the runs of the later ones instead of
    waiting for the whole grid. A report one of whose runs failed is not written (its previous
    report is kept). :meth:`finish` waits for everything, then writes the index.
    """

    def __init__(self, result: BuildResult, reports: list[str], out: Path, root: Path,
                 study: Study, grid: Grid, jobs: int | None) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.result, self.reports, self.out, self.root = result, reports, out, root
        self.study, self.grid = study, grid
        self.forbidden = [str(out), str(root), str(Path.home())]
        self._html = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assemble")
        self._pdf = ThreadPoolExecutor(max_workers=max(1, jobs or os.cpu_count() or 1),
                                       thread_name_prefix="pdf")
        self._pending: dict[str, Future[Any]] = {}
        self._pdfs: list[Future[None]] = []
        self._outcome: dict[str, tuple[str, str]] = {}  # report -> (kind, message)
        self._printer_lock = threading.Lock()
        self._printer: Any = None
        self._no_printer: str | None = None

    def report_done(self, code: str, failed: bool) -> None:
        """Every run of ``code`` has finished: assemble it now (or record why not)."""
        if code in self._pending or code in self._outcome:
            return
        if failed:
            self._outcome[code] = ("not_written", "a run failed; previous report.html kept")
            return
        self._pending[code] = self._html.submit(self._assemble_one, code)

    def prepare(self) -> None:
        """Get assembly ready while the runs' server starts and one CPU would be idle: import
        its libraries, and start the browser and print a first page (see ``Printer.warm_up``)."""
        from perspectives import assemble

        self._pending["(prepare)"] = self._html.submit(assemble.prepare)
        if assemble._pdf_wanted():
            self._pdfs.append(self._pdf.submit(self._warm_printer))

    def _get_printer(self) -> Any:
        """The build's one browser, started on first use; None when there is none."""
        from perspectives import pdf

        with self._printer_lock:
            if self._printer is None and self._no_printer is None:
                printer = pdf.Printer()
                try:
                    printer.start()
                    self._printer = printer
                except (pdf.PdfUnavailable, OSError) as exc:
                    self._no_printer = str(exc)
            return self._printer

    def _warm_printer(self) -> None:
        from perspectives import assemble

        printer = self._get_printer()
        if printer is None:
            return
        try:
            printer.warm_up((assemble.TEMPLATES / "report.css").read_text(encoding="utf-8"))
        except Exception as exc:  # noqa: BLE001 - a failed warm-up (or an abort during it) costs
            # only time: each report's own print says loudly if the browser fails.
            print(f"note: the PDF printer's warm-up failed ({exc})", file=sys.stderr)

    def _assemble_one(self, code: str) -> str:
        from perspectives import assemble

        try:
            # The PDF starts printing as soon as the HTML is written, while the Word file is made.
            written = assemble.assemble_report(code, self.out / report_folder(code, self.study),
                                               self.study, self.grid, self.root,
                                               forbidden=self.forbidden, print_pdf=self._queue_print)
        except assemble.AssemblyError as exc:
            self._outcome[code] = ("not_written", str(exc))
            return "not_written"
        self._outcome[code] = ("written" if written else "unchanged", "")
        return "written" if written else "unchanged"

    def _queue_print(self, code: str, html_path: Path) -> None:
        self._pdfs.append(self._pdf.submit(self._print, code, html_path))

    def _print(self, code: str, html_path: Path) -> None:
        from perspectives import assemble

        printer = self._get_printer()
        if printer is None:
            print(f"{code}: report.pdf skipped: {self._no_printer}", file=sys.stderr)
            return
        assemble._write_pdf(code, html_path, printer)

    def abort(self) -> None:
        """Drop the assembly not yet started and close the browser (the build is stopping)."""
        self._html.shutdown(wait=False, cancel_futures=True)
        self._pdf.shutdown(wait=False, cancel_futures=True)
        with self._printer_lock:
            if self._printer is not None:
                self._printer.close()
                self._printer = None
            self._no_printer = "the build stopped"

    def finish(self, failed_reports: set[str]) -> None:
        """Assemble what is left, wait for every report and PDF, write the index."""
        try:
            for code in self.reports:
                self.report_done(code, code in failed_reports)
            for fut in list(self._pending.values()):
                fut.result()  # an unexpected error in assembly fails the build loudly
            self._html.shutdown(wait=True)
            for pdf in self._pdfs:
                pdf.result()
        finally:
            self._html.shutdown(wait=True)
            self._pdf.shutdown(wait=True)
            if self._printer is not None:
                self._printer.close()
        for code in self.reports:  # in report order, whatever order they finished in
            kind, message = self._outcome.get(code, ("", ""))
            if kind == "written":
                self.result.reports_written.append(code)
            elif kind == "unchanged":
                self.result.reports_unchanged.append(code)
            elif kind == "not_written":
                self.result.reports_not_written[code] = message
        if any(code not in failed_reports for code in self.reports):
            from perspectives import assemble

            assemble.write_index(self.out, self.study, self.grid)
