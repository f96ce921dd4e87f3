"""One run: a section notebook executed by papermill into its own folder, then checked.

Purpose
    :func:`execute` takes a :class:`RunTask` (the notebook, its parameters, the temporary
    folder it writes into) and returns a :class:`RunOutcome`. It runs in a worker process:
    a fork of the run server (:mod:`perspectives.build.forkserver`, with the in-process
    engine of :mod:`perspectives.build.engine`) or a process-pool worker starting a Jupyter
    kernel. It never raises for a failing notebook: the outcome says what failed, where.

    After papermill has written the executed notebook, no path of the building machine is
    left in it (:func:`publishable_notebook`): the run's folder becomes ``.``, the output
    folder ``<outputs>``, the checkout ``<repo>``, Python's own folders ``<python>``, the
    home folder ``<home>``, and an input given by path (``--data``, ``--conversations``)
    its file name, as the reports and ``stamp.json`` name inputs (there with their
    SHA-256). What differs between two runs of the same inputs (times, cell ids) is fixed
    (:func:`reproducible_notebook_text`). Then the run's files are checked against the
    output contract (:func:`check_run_folder`), which finds a local path in any form in any
    file, whatever rule should have kept it out.

    Running an executed notebook again: its injected parameters name the inputs by file
    name, so ``data_path = "export.csv"`` reads ``export.csv`` beside the notebook (the
    working directory of a notebook opened in JupyterLab), and a missing file stops the
    first cell. To run it with the file where it is, give the path again, as the build
    does: ``papermill executed.ipynb again.ipynb -p country MDA -p data_path /path/export.csv``
    (papermill replaces the injected cell), or ``perspectives build --data /path/export.csv``,
    which writes the same bytes. ``stamp.json`` beside the notebook lists each input's
    SHA-256, to check that a file is the one the report was built from.

Inputs
    A :class:`RunTask`; the notebook file; the kernel or engine named in it.

Outputs
    In ``task.tmp_dir``: ``executed.ipynb`` and whatever the notebook wrote; beside it
    ``<tmp_dir>.log`` (the kernel's stderr); a :class:`RunOutcome`.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from perspectives.files import write_atomic
from perspectives.hashing import sha256_bytes

__all__ = [
    "RunOutcome",
    "RunTask",
    "check_run_folder",
    "execute",
    "execute_payload",
    "reproducible_notebook_text",
    "scrub_paths",
]


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs to execute one run (JSON-ready: it crosses a pipe).

    Attributes:
        key: ``REPORT/section``.
        notebook: absolute path of the section notebook.
        tmp_dir: absolute path of the folder the run writes into (its ``output_dir``).
        parameters: the notebook parameters papermill injects.
        kernel_name: the Jupyter kernel (kernel engine).
        engine_name: papermill engine name; None for papermill's own (a kernel per run).
        cwd: working directory of the run (the notebook's folder, as in JupyterLab).
        timeout: per-cell timeout in seconds, or None.
        injected_before: index of the notebook's parameters cell (papermill injects its cell
            after it; error cell indices are given in the source notebook's numbering).
        country: the run's report code (what its recorded values may name).
        synthesis: the synthesis's code (a national run may also record pooled values).
        log_path: where the kernel's stderr goes.
        replacements: ``(local path, placeholder)`` pairs applied to what the run wrote,
            most specific first.
    """

    key: str
    notebook: str
    tmp_dir: str
    parameters: dict[str, Any]
    kernel_name: str
    engine_name: str | None
    cwd: str
    timeout: int | None
    injected_before: int | None
    country: str
    synthesis: str
    log_path: str
    replacements: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class RunOutcome:
    """What a worker reports back (JSON-ready).

    Attributes:
        key: the task's key.
        ok: True when the notebook ran through and its files honour the output contract.
        seconds: wall-clock time of papermill's execution.
        error: ``{"cell_index", "cell_source", "ename", "evalue"}`` when not ok (see
            :class:`perspectives.build.outcome.RunError`).
    """

    key: str
    ok: bool
    seconds: float
    error: dict[str, Any] | None = None


def scrub_paths(text: str, replacements: list[tuple[str, str]]) -> str:
    """``text`` with each local path replaced by its placeholder, in the order given."""
    for old, new in replacements:
        if old:
            text = text.replace(old, new)
    return text


# Placeholders for the machine's folders: what a published file may show instead of a path.
PLACEHOLDERS = ("<repo>", "<outputs>", "<python>", "<home>", "<inputs>")


def python_folders() -> list[str]:
    """The running Python's folders (standard library, site-packages, prefixes).

    A warning or traceback a notebook prints names them; ``/usr`` and other one-level
    folders are left out (replacing them would touch text that is not a path).
    """
    import site
    import sys
    import sysconfig

    paths = sysconfig.get_paths()
    found = [paths.get(k, "") for k in ("stdlib", "platstdlib", "purelib", "platlib")]
    found += [site.getusersitepackages(), sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix]
    return sorted({p for p in found if os.path.isabs(p) and len(Path(p).parts) > 2})


def local_replacements(task: RunTask) -> list[tuple[str, str]]:
    """Every local path a run may print, with what replaces it, most specific first.

    The task's own (its folder, the output folder, the checkout, the home folder), each input
    parameter given as an absolute path (its file name; files beside it by their names too)
    and Python's folders (:func:`python_folders`).
    """
    pairs = {old: new for old, new in task.replacements}
    for name, value in sorted(task.parameters.items()):
        if name == "output_dir" or not isinstance(value, str) or not os.path.isabs(value):
            continue
        pairs.setdefault(value, os.path.basename(value))
        folder = os.path.dirname(value)
        if folder not in pairs and len(Path(folder).parts) > 1:
            pairs.setdefault(folder + os.sep, "")
            pairs.setdefault(folder, "<inputs>")
    for folder in python_folders():
        pairs.setdefault(folder, "<python>")
    return sorted(((old, new) for old, new in pairs.items() if old not in ("", os.sep)), key=lambda t: -len(t[0]))


def _scrub_tree(node: Any, replacements: list[tuple[str, str]]) -> Any:
    if isinstance(node, str):
        return scrub_paths(node, replacements)
    if isinstance(node, list):
        return [_scrub_tree(v, replacements) for v in node]
    if isinstance(node, dict):
        return {k: _scrub_tree(v, replacements) for k, v in node.items()}
    return node


INJECTED_COMMENT = "Parameters (inputs by file name: stamp.json beside this notebook gives their SHA-256)"


def publishable_notebook(text: str, replacements: list[tuple[str, str]], order: Sequence[str] = ()) -> str:
    """An executed notebook's JSON with no local path and reproducible bytes.

    Every string (sources, outputs, papermill's metadata) has its local paths replaced on
    the parsed JSON, so escaping cannot hide one; the injected parameters cell is written
    again from the replaced parameters by papermill's own translator (a path holding a quote
    is escaped there), in ``order`` (the task's); then :func:`reproducible_notebook_text`.

    Raises:
        ValueError: ``text`` is not JSON.
    """
    nb = _scrub_tree(json.loads(text), replacements)
    meta = nb.get("metadata", {})
    params = (meta.get("papermill") or {}).get("parameters")
    for cell in nb.get("cells", []):
        if "injected-parameters" in (cell.get("metadata", {}).get("tags") or []) and isinstance(params, dict):
            from papermill.translators import translate_parameters

            kernel = (meta.get("kernelspec") or {}).get("name", "python3")
            language = (meta.get("kernelspec") or {}).get("language") or (meta.get("language_info") or {}).get(
                "name", "python")
            names = [*(k for k in order if k in params), *sorted(k for k in params if k not in order)]
            ordered = {k: params[k] for k in names}
            source = translate_parameters(kernel, language, ordered, INJECTED_COMMENT)
            cell["source"] = source.splitlines(keepends=True) if isinstance(cell.get("source"), list) else source
    return reproducible_notebook_text(json.dumps(nb))


# Timing metadata papermill and nbclient write into an executed notebook: cleared or clamped.
_TIME_KEYS = ("start_time", "end_time")


def reproducible_notebook_text(text: str) -> str:
    """An executed notebook's JSON with what differs between two runs of the same inputs fixed.

    Papermill stamps the notebook and each cell with wall-clock start and end times and
    durations, and gives the cell it injects a random id; nbclient may add per-message times
    under ``metadata.execution``. Times become ``$SOURCE_DATE_EPOCH`` (ISO 8601, UTC) when
    it is set and None otherwise; durations become None; ``metadata.execution`` goes; every
    cell id becomes a digest of the cell's position, type and source, so two builds of the
    same inputs write the same bytes (nbformat's own layout: one-space indent, sorted keys).

    Raises:
        ValueError: ``text`` is not JSON.
    """
    nb = json.loads(text)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = (time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(int(epoch))) if epoch else None)

    def clamp(meta: dict[str, Any] | None) -> None:
        if not isinstance(meta, dict):
            return
        for key in _TIME_KEYS:
            if key in meta:
                meta[key] = when
        if "duration" in meta:
            meta["duration"] = None

    clamp(nb.get("metadata", {}).get("papermill"))
    for position, cell in enumerate(nb.get("cells", [])):
        meta = cell.setdefault("metadata", {})
        clamp(meta.get("papermill"))
        meta.pop("execution", None)
        if "id" in cell:
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else str(source)
            cell["id"] = sha256_bytes(f"{position}\0{cell.get('cell_type')}\0{source}".encode())[:16]
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def _error(ename: str, evalue: str, cell_index: int | None = None, cell_source: str = "") -> dict[str, Any]:
    return {"cell_index": cell_index, "cell_source": cell_source, "ename": ename, "evalue": evalue}


def execute(task: RunTask) -> RunOutcome:
    """Execute one notebook with papermill into ``task.tmp_dir`` (in a worker process).

    Returns:
        The outcome; a failing cell, a papermill error or a broken output contract give
        ``ok=False`` with the error, never an exception.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    tmp = Path(task.tmp_dir)
    out_nb = tmp / "executed.ipynb"
    t0 = time.perf_counter()
    error: dict[str, Any] | None = None
    # Kernels inherit this process's stderr and chatter on it (e.g. ipykernel's transport
    # warning); send that to a log beside the run so the progress display stays one line a run.
    log_path = Path(task.log_path)
    saved_fd = os.dup(2)
    log_fh = open(log_path, "w")  # noqa: SIM115 - closed in the finally below
    os.dup2(log_fh.fileno(), 2)
    if task.engine_name:
        from perspectives.build.engine import register

        register()  # a no-op in the run server's forks, which have it already
    try:
        pm.execute_notebook(
            task.notebook,
            str(out_nb),
            parameters=task.parameters,
            kernel_name=task.kernel_name,
            engine_name=task.engine_name,
            progress_bar=False,
            log_output=False,
            cwd=task.cwd,
            execution_timeout=task.timeout,
        )
    except PapermillExecutionError as exc:
        # papermill counts its injected-parameters cell; report the index in the source file
        idx = exc.cell_index
        if task.injected_before is not None and idx > task.injected_before:
            idx -= 1
        lines = [ln for ln in (exc.source or "").splitlines() if ln.strip()]
        error = _error(exc.ename, exc.evalue, idx, lines[0].strip() if lines else "")
    except Exception as exc:  # noqa: BLE001 - any failure must be reported, not raised
        error = _error(type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
    finally:
        os.dup2(saved_fd, 2)
        os.close(saved_fd)
        log_fh.close()
    seconds = time.perf_counter() - t0
    replacements = local_replacements(task)
    for path in (out_nb, log_path):
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path is out_nb:
            try:
                text = publishable_notebook(text, replacements, list(task.parameters))
            except ValueError:
                text = scrub_paths(text, replacements)  # not JSON: the check below still reads it
        else:
            text = scrub_paths(text, replacements)
        try:
            # Replaced in one step: never a notebook cut short, nor one half scrubbed.
            write_atomic(path, text)
        except OSError as exc:  # a full disk: the run fails saying so, keeping no unscrubbed file
            path.unlink(missing_ok=True)
            error = error or _error("OSError", str(exc))
    if error is None:
        error = check_run_folder(tmp, task.country, [old for old, _ in replacements], task.synthesis)
    if error is not None:
        error["evalue"] = scrub_paths(str(error.get("evalue", "")), replacements)
    return RunOutcome(task.key, error is None, seconds, error)


def execute_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """:func:`execute` for a task sent as JSON (what the run server's forks call)."""
    task = RunTask(**{**payload, "replacements": [tuple(r) for r in payload.get("replacements", [])]})
    return asdict(execute(task))


def check_run_folder(tmp: Path, country: str, forbidden: list[str], synthesis: str) -> dict[str, Any] | None:
    """Check what a run wrote: a well-formed ``values.json``, the audit, and no local path.

    Args:
        tmp: the run's folder.
        country: the run's report code; a recorded value may name it or the synthesis.
        forbidden: local paths (the run's folder, the checkout, the inputs' folders...) that
            must not appear in any file the run wrote; paths in any other form are found too
            (:func:`find_local_path`).
        synthesis: the synthesis's code.

    Returns:
        None when the contract holds, else an error (``ename`` ``OutputContractError``).
    """
    if bad := _values_problem(tmp / "values.json", country, synthesis):
        return _error("OutputContractError", bad)
    # The disclosure audit reads what the run published, independently of the suppression.
    from perspectives.audit import audit_run_folder

    if findings := audit_run_folder(tmp):
        return _error("DisclosureAuditError", "; ".join(str(f) for f in findings[:5]))
    for p in sorted(tmp.rglob("*")):
        data_file = any(p.relative_to(tmp).match(pattern) for pattern in _DATA_FILES)
        if p.is_file() and (found := find_local_path(p, forbidden, data_file)):
            return _error("OutputContractError", f"{p.relative_to(tmp).as_posix()} contains {found}")
    return None


def _values_problem(values: Path, country: str, synthesis: str) -> str | None:
    """What is wrong with a run's ``values.json``, or None (no file is fine)."""
    if not values.exists():
        return None
    try:
        doc = json.loads(values.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        doc = None
    if not isinstance(doc, list):
        return "values.json must be a JSON list of {name, value, ...} objects"
    for i, item in enumerate(doc):
        if not isinstance(item, dict) or "name" not in item or "value" not in item:
            return f"values.json item {i} lacks 'name' or 'value'"
        # A national run may also record the all-country value it shows beside its own.
        if "country" in item and item["country"] not in (country, synthesis):
            return f"values.json item {item['name']!r} is for country {item['country']!r}, the run is for {country!r}"
    return None


# --------------------------------------------------------------------------- local paths
# A path of the building machine, in the forms text can carry it. Placeholders are taken
# out first (``<repo>/notebooks/x.ipynb`` is not a path); ``data:`` URIs hold base64, whose
# alphabet includes "/".
_LOCAL_PATH_FORMS = (
    ("a file: URL", re.compile(r"\bfile:/[^\s\"'<>)]*", re.IGNORECASE)),
    ("a home-relative path", re.compile(r"(?<![\w$.~-])~[\w.-]*/[\w.@+-]")),
    ("an absolute path", re.compile(r"(?<![\w.:/\\~-])/(?:[\w.@+-]+/)+[\w.@+-]*")),
    ("a Windows path", re.compile(r"(?<![\w])[A-Za-z]:\\{1,2}[\w .-]+\\")),
)
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\\\s]*")
_TEXT_SUFFIXES = frozenset({".json", ".csv", ".tsv", ".svg", ".txt", ".md", ".html", ".htm", ".log", ".xml",
                            ".tex", ".yml", ".yaml", ".ipynb"})
_ZIP_SUFFIXES = frozenset({".docx", ".xlsx", ".pptx", ".odt", ".zip"})
# Notebook outputs held as base64 (their bytes are checked for the known paths only).
_BINARY_MIME = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf")


def local_path_in_text(text: str, forbidden: list[str] = (), forms: bool = True) -> str | None:  # type: ignore[assignment]
    """What kind of local path ``text`` holds (``"an absolute path"``...), or None.

    ``forbidden`` are known local folders, found verbatim; with ``forms``, the forms of
    :data:`_LOCAL_PATH_FORMS` are found whatever folder they name.
    """
    if any(f and f in text for f in forbidden):
        return "a local folder of this build"
    if not forms:
        return None
    text = _DATA_URI.sub("", _PLACEHOLDER.sub("_", text))
    return next((what for what, pattern in _LOCAL_PATH_FORMS if pattern.search(text)), None)


# What a run shows from data: its Markdown and HTML displays and the records the library keeps
# with them (captions, charts' labels), its tables and recorded values.
# A respondent may write anything, a path included; such text is published as text (escaped),
# so these are searched for the known local folders only. Code's own text (sources, metadata,
# streams, tracebacks, plain reprs, other files) is searched for every form.
_DATA_MIME = ("text/markdown", "text/html", "perspectives")  # the last: the library's captions and chart records
_DATA_FILES = ("values.json", "tables/*.csv", "tables/*.json", "missing_translations.json", "translation_fallbacks.json")


def _notebook_text(raw: bytes) -> tuple[str, str]:
    """The strings of a notebook: code's own, and those shown from data; base64 outputs left out."""
    def strings(node: Any, shown: bool) -> Iterator[tuple[bool, str]]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key not in _BINARY_MIME:
                    yield from strings(value, shown or key in _DATA_MIME)
        elif isinstance(node, list):
            for value in node:
                yield from strings(value, shown)
        elif isinstance(node, str):
            yield shown, node

    try:
        found = list(strings(json.loads(raw), False))
    except ValueError:
        return raw.decode("utf-8", "replace"), ""
    return "\n".join(t for shown, t in found if not shown), "\n".join(t for shown, t in found if shown)


def find_local_path(path: Path, forbidden: list[str], data_file: bool = False) -> str | None:
    """Which kind of local path a published file holds, or None.

    Text files (an executed notebook by its strings) are searched for every form; Word and
    other zip files member by member; any other file (a PNG, a PDF) for the known local
    folders, as bytes. What a run shows from data (``data_file``, and a notebook's Markdown
    and HTML displays) is searched for the known local folders only: a respondent's answer
    that names a path is data, published escaped, not a leak of this machine.
    """
    raw = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".ipynb":
        code, shown = _notebook_text(raw)
        return local_path_in_text(code, forbidden) or local_path_in_text(shown, forbidden, forms=False)
    if suffix in _TEXT_SUFFIXES and data_file:
        return local_path_in_text(raw.decode("utf-8", "replace"), forbidden, forms=False)
    if suffix in _TEXT_SUFFIXES:
        return local_path_in_text(raw.decode("utf-8", "replace"), forbidden)
    if suffix in _ZIP_SUFFIXES:
        import io
        import zipfile

        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                for name in archive.namelist():
                    found = local_path_in_text(archive.read(name).decode("utf-8", "replace"), forbidden)
                    if found:
                        return f"{found} (in {name})"
        except zipfile.BadZipFile:
            pass
    needles = [f.encode(enc) for f in forbidden if f for enc in ("utf-8", "utf-16-le")]
    return "a local folder of this build" if any(n in raw for n in needles) else None
