"""One run: a section notebook executed by papermill into its own folder, then checked.

Purpose
    :func:`execute` takes a :class:`RunTask` (the notebook, its parameters, the temporary
    folder it writes into) and returns a :class:`RunOutcome`. It runs in a worker process:
    a fork of the run server (:mod:`perspectives.build.forkserver`, with the in-process
    engine of :mod:`perspectives.build.engine`) or a process-pool worker starting a Jupyter
    kernel. It never raises for a failing notebook: the outcome says what failed, where.

    After papermill has written the executed notebook, local paths are replaced by
    placeholders (``<repo>``, ``<outputs>``, ``~``, ``.``) and what differs between two
    runs of the same inputs (times, cell ids) is fixed (:func:`reproducible_notebook_text`);
    then the run's files are checked against the output contract (:func:`check_run_folder`).

Inputs
    A :class:`RunTask`; the notebook file; the kernel or engine named in it.

Outputs
    In ``task.tmp_dir``: ``executed.ipynb`` and whatever the notebook wrote; beside it
    ``<tmp_dir>.log`` (the kernel's stderr); a :class:`RunOutcome`.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

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
    replacements = [(r[0], r[1]) for r in task.replacements]
    for path in (out_nb, log_path):
        if not path.exists():
            continue
        # papermill records absolute paths (metadata, injected cell): keep them out of outputs
        text = scrub_paths(path.read_text(encoding="utf-8", errors="replace"), replacements)
        if path is out_nb:
            # after the scrub: the injected cell's id derives from its source, which held paths
            text = reproducible_notebook_text(text)
        path.write_text(text, encoding="utf-8")
    if error is None:
        error = check_run_folder(tmp, task.country, [r[0] for r in replacements], task.synthesis)
    if error is not None:
        error["evalue"] = scrub_paths(str(error.get("evalue", "")), replacements)
    return RunOutcome(task.key, error is None, seconds, error)


def execute_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """:func:`execute` for a task sent as JSON (what the run server's forks call)."""
    task = RunTask(**{**payload, "replacements": [tuple(r) for r in payload.get("replacements", [])]})
    return asdict(execute(task))


def check_run_folder(tmp: Path, country: str, forbidden: list[str], synthesis: str) -> dict[str, Any] | None:
    """Check what a run wrote: a well-formed ``values.json`` and no local paths in text files.

    Args:
        tmp: the run's folder.
        country: the run's report code; a recorded value may name it or the synthesis.
        forbidden: local paths that must not appear in any text file the run wrote.
        synthesis: the synthesis's code.

    Returns:
        None when the contract holds, else an error (``ename`` ``OutputContractError``).
    """
    values = tmp / "values.json"
    if values.exists():
        try:
            doc = json.loads(values.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            doc = None
        bad = None
        if not isinstance(doc, list):
            bad = "values.json must be a JSON list of {name, value, ...} objects"
        else:
            for i, item in enumerate(doc):
                if not isinstance(item, dict) or "name" not in item or "value" not in item:
                    bad = f"values.json item {i} lacks 'name' or 'value'"
                    break
                # A national run may also record the all-country value it shows beside its own.
                if "country" in item and item["country"] not in (country, synthesis):
                    bad = (f"values.json item {item['name']!r} is for country "
                           f"{item['country']!r}, the run is for {country!r}")
                    break
        if bad:
            return _error("OutputContractError", bad)
    # The disclosure audit reads what the run published, independently of the suppression.
    from perspectives.audit import audit_run_folder

    if findings := audit_run_folder(tmp):
        return _error("DisclosureAuditError", "; ".join(str(f) for f in findings[:5]))
    for p in sorted(tmp.rglob("*")):
        if p.is_file() and p.suffix in (".json", ".csv", ".svg", ".txt", ".md", ".html"):
            if p.name == "executed.ipynb":
                continue
            text = p.read_text(encoding="utf-8", errors="replace")
            if any(f and f in text for f in forbidden):
                return _error("OutputContractError", f"{p.relative_to(tmp).as_posix()} contains a local file path")
    return None
