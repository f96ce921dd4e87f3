"""A papermill engine that executes a notebook's cells in the current Python process.

Purpose
    :class:`InProcessEngine` (registered with papermill as ``perspectives-fork``) executes
    the cells with an IPython ``InteractiveShell`` whose display publisher, display hook and
    stdout/stderr record nbformat outputs the way ipykernel would (Markdown, HTML, PNG/SVG
    mime bundles with their metadata, execution results, streams, errors). Papermill still
    injects the parameters, writes the executed notebook and raises
    ``PapermillExecutionError`` (with the cell index) on a failing cell. Use it only in a
    process of its own, as the run server's forks are (:mod:`perspectives.build.forkserver`):
    a notebook can change module state, and only a process boundary keeps that from the next
    run. Nothing here knows about the build.

Inputs
    Papermill's notebook manager (``nb_man``): the notebook with its parameters injected.

Outputs
    The executed cells' outputs and execution counts, in ``nb_man.nb``.
"""

from __future__ import annotations

import base64
import io
import json
import signal
import sys
import time
from typing import Any

__all__ = ["ENGINE_NAME", "get_shell", "register"]

ENGINE_NAME = "perspectives-fork"


# --------------------------------------------------------------------------- the engine


def _json_mimebundle(data: dict[str, Any]) -> dict[str, Any]:
    """A display mime bundle as ipykernel sends it: binary data base64-encoded."""
    out: dict[str, Any] = {}
    for mime, value in data.items():
        if isinstance(value, bytes | bytearray):
            # ipykernel's encode_images does the same for image/png, image/jpeg, PDF...
            out[mime] = base64.b64encode(bytes(value)).decode("ascii")
        else:
            out[mime] = value
    return out


class _Outputs:
    """The outputs of the cell being executed, shared by the capture objects."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self._clear_on_next = False

    def reset(self) -> None:
        self.items = []
        self._clear_on_next = False

    def add(self, output: dict[str, Any]) -> None:
        if self._clear_on_next:
            self.items = []
            self._clear_on_next = False
        self.items.append(output)

    def stream(self, name: str, text: str) -> None:
        if not text:
            return
        if self._clear_on_next:
            self.items = []
            self._clear_on_next = False
        # ipykernel buffers a cell's prints into one stream message: merge the same way
        if self.items and self.items[-1].get("output_type") == "stream" \
                and self.items[-1].get("name") == name:
            self.items[-1]["text"] += text
        else:
            self.items.append({"output_type": "stream", "name": name, "text": text})

    def clear(self, wait: bool = False) -> None:
        if wait:
            self._clear_on_next = True
        else:
            self.items = []


class _StreamCapture(io.TextIOBase):
    """sys.stdout / sys.stderr during a cell: text becomes stream outputs."""

    def __init__(self, outputs: _Outputs, name: str) -> None:
        super().__init__()
        self._outputs = outputs
        self.name_ = name

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:  # type: ignore[override]
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._outputs.stream(self.name_, text)
        return len(text)


def _make_shell() -> Any:
    """An InteractiveShell whose display machinery records nbformat outputs."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class CapturePublisher(DisplayPublisher):
        """display(): display_data outputs, as ipykernel's ZMQDisplayPublisher sends them."""

        outputs: _Outputs

        def publish(self, data: dict[str, Any], metadata: dict[str, Any] | None = None,
                    source: Any = None, *, transient: dict[str, Any] | None = None,
                    update: bool = False, **kwargs: Any) -> None:
            bundle = _json_mimebundle(data)
            meta = metadata or {}
            display_id = (transient or {}).get("display_id")
            if update and display_id:
                # update_display: rewrite the earlier output with that id (as nbclient does)
                for out in self.outputs.items:
                    if out.get("_display_id") == display_id:
                        out["data"], out["metadata"] = bundle, meta
                return
            out = {"output_type": "display_data", "data": bundle, "metadata": meta}
            if display_id:
                out["_display_id"] = display_id
            self.outputs.add(out)

        def clear_output(self, wait: bool = False) -> None:
            self.outputs.clear(wait)

    class CaptureDisplayHook(DisplayHook):
        """A cell's last expression: an execute_result output instead of a print."""

        outputs: _Outputs

        def write_output_prompt(self) -> None:
            pass

        def write_format_data(self, format_dict: dict[str, Any],
                              md_dict: dict[str, Any] | None = None) -> None:
            self.outputs.add({"output_type": "execute_result",
                              "data": _json_mimebundle(format_dict),
                              "metadata": md_dict or {},
                              "execution_count": self.shell.execution_count})

        def finish_displayhook(self) -> None:
            pass

    class CaptureShell(InteractiveShell):
        """InteractiveShell recording outputs; errors become ``error`` outputs."""

        displayhook_class = CaptureDisplayHook
        display_pub_class = CapturePublisher
        outputs: _Outputs

        def _showtraceback(self, etype: type, evalue: BaseException, stb: list[str]) -> None:
            self.outputs.add({"output_type": "error", "ename": etype.__name__,
                              "evalue": str(evalue), "traceback": list(stb)})

        def enable_gui(self, gui: str | None = None) -> None:
            pass  # no event loop: figures are only ever shown inline

    config = Config()
    # Runs must not share (or contend for) the SQLite history, and no history thread may
    # exist when the server forks.
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    # instance(): display() only publishes when an InteractiveShell singleton exists
    shell = CaptureShell.instance(config=config)
    outputs = _Outputs()
    shell.outputs = outputs
    shell.display_pub.outputs = outputs
    shell.displayhook.outputs = outputs
    return shell


_SHELL: Any = None


def get_shell() -> Any:
    """The process's capture shell (created once; the fork server creates it pre-fork)."""
    global _SHELL
    if _SHELL is None:
        _SHELL = _make_shell()
    return _SHELL


class _CellTimeout(Exception):
    """A cell ran longer than the build's ``--timeout``."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise _CellTimeout("cell execution timed out")


def _execute_cells(nb_man: Any, execution_timeout: int | None, autosave_every: float) -> None:
    """Run the notebook's code cells in order in a fresh namespace, stopping at an error."""
    from nbformat import from_dict

    shell = get_shell()
    # A fresh namespace, as a new kernel has; in a fork child this is the only run anyway.
    shell.reset(new_session=False)
    shell.execution_count = 1
    outputs: _Outputs = shell.outputs
    output_path = nb_man.output_path
    # papermill saves the whole notebook at every cell start and end (two nbformat
    # validations and writes per cell); save on papermill's autosave period instead, and
    # always at the end (notebook_complete), which is what a reader of the result needs.
    nb_man.output_path = None
    last_save = time.monotonic()
    saved_out, saved_err = sys.stdout, sys.stderr
    sys.stdout = _StreamCapture(outputs, "stdout")
    sys.stderr = _StreamCapture(outputs, "stderr")
    old_handler = signal.signal(signal.SIGALRM, _on_alarm) if execution_timeout else None
    try:
        for index, cell in enumerate(nb_man.nb.cells):
            # papermill's own client marks every cell (markdown too) started and completed
            nb_man.cell_start(cell, index)
            tags = cell.get("metadata", {}).get("tags", []) or []
            failed = False
            if cell.get("cell_type") == "code" and "skip-execution" not in tags \
                    and cell.source.strip():
                outputs.reset()
                try:
                    if execution_timeout:
                        signal.setitimer(signal.ITIMER_REAL, float(execution_timeout))
                    result = shell.run_cell(cell.source, store_history=True, silent=False)
                finally:
                    if execution_timeout:
                        signal.setitimer(signal.ITIMER_REAL, 0)
                    cell.execution_count = shell.execution_count - 1
                    cell.outputs = [from_dict({k: v for k, v in o.items() if not k.startswith("_")})
                                    for o in outputs.items]
                if not result.success and "raises-exception" not in tags:
                    failed = True
                    nb_man.cell_exception(cell, index)
            nb_man.cell_complete(cell, index)
            if time.monotonic() - last_save > autosave_every and output_path:
                nb_man.output_path = output_path
                nb_man.save()
                nb_man.output_path = None
                last_save = time.monotonic()
            if failed:
                break
    finally:
        if old_handler is not None:
            signal.signal(signal.SIGALRM, old_handler)
        sys.stdout, sys.stderr = saved_out, saved_err
        nb_man.output_path = output_path


_LANGUAGE_INFO: dict[str, Any] = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
    "version": ".".join(map(str, sys.version_info[:3])),
}


def _make_engine_class() -> type:
    """Build the engine class (papermill is imported only when an engine is needed)."""
    from papermill.engines import Engine

    class InProcessEngine(Engine):
        """Papermill engine executing cells in this process with a capturing InteractiveShell.

        Use it in a process of its own (a fork child of :class:`ForkServer`): a notebook
        can change module state, and only a process boundary keeps that from the next run.
        """

        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str,
                                     log_output: bool = False,
                                     execution_timeout: int | None = None,
                                     autosave_cell_every: float = 30, **kwargs: Any) -> Any:
            """Execute ``nb_man.nb`` (papermill calls this between notebook start and end)."""
            _execute_cells(nb_man, execution_timeout, autosave_cell_every)
            # what nbclient records from the kernel's kernel_info reply
            nb_man.nb.metadata["language_info"] = json.loads(json.dumps(_LANGUAGE_INFO))
            return nb_man.nb

    return InProcessEngine


_ENGINE_CLASS: type | None = None


def register() -> type:
    """Register the engine with papermill under :data:`ENGINE_NAME`; returns its class.

    Idempotent. Papermill is imported here, on first use, not when the module is imported.
    """
    global _ENGINE_CLASS
    from papermill.engines import papermill_engines

    if _ENGINE_CLASS is None:
        _ENGINE_CLASS = _make_engine_class()
    papermill_engines.register(ENGINE_NAME, _ENGINE_CLASS)
    return _ENGINE_CLASS


def __getattr__(name: str) -> Any:
    # ``perspectives.build.engine.InProcessEngine`` without importing papermill at module import
    if name == "InProcessEngine":
        return register()
    raise AttributeError(name)
