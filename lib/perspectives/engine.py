"""A papermill engine that runs notebooks in forks of one pre-warmed Python process.

Purpose
    A papermill run through a Jupyter kernel pays, every time, for starting the kernel
    (~1.3 s), importing pandas/seaborn/scipy/matplotlib (~2.4 s) and, in the process that
    drives papermill, importing nbformat (which imports jsonschema, ~2 s more when the
    ``rfc3987-syntax`` package is installed: it builds a grammar at import). For our section
    notebooks that is most of the cost of a run. This module removes it while keeping
    papermill the executor and every run isolated:

    * :class:`InProcessEngine` is a papermill engine (registered as ``perspectives-fork``)
      that executes the cells in the current process with an IPython ``InteractiveShell``,
      capturing ``display()`` output, execution results, stdout/stderr and errors into
      nbformat outputs the way ipykernel would (Markdown, HTML, PNG/SVG mime bundles, with
      their metadata). Papermill still injects the parameters, writes the executed notebook
      and raises ``PapermillExecutionError`` (with the cell index) on a failing cell.
    * :class:`ForkServer` starts one server process that imports the heavy libraries, the
      library modules the notebooks use and papermill once, then ``os.fork()``\\s one child
      per run. The child executes the run (``perspectives.build._execute_run`` with this
      engine) in a fresh namespace and exits, so nothing a run does (globals, module state,
      caches, matplotlib state) can reach another run. At most ``workers`` children run at
      a time. ``submit`` returns a ``concurrent.futures.Future``, so the build waits on it
      exactly as on a process pool.

Inputs
    Tasks built by ``perspectives.build`` (notebook, parameters, temporary run folder...),
    the environment for the runs (thread caps, ``PYTHONPATH``), the modules to preload.

Outputs
    What ``_execute_run`` returns for each task (ok/error/seconds), plus the child's peak
    resident memory (``maxrss_kb``); the executed notebook and run files on disk.

Notes
    * Requires ``os.fork`` (Linux, macOS); elsewhere the build uses the kernel engine.
    * A forked child inherits numpy's global random state from the server; it is reseeded
      from the OS in each child, as a fresh kernel would be.
    * ``jsonschema`` is imported with ``rfc3987_syntax`` hidden (see
      :func:`import_jsonschema_quickly`): that package only adds checks of the ``iri`` /
      ``iri-reference`` string formats, which the notebook schema never uses.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import importlib
import io
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from typing import Any

__all__ = [
    "ENGINE_NAME",
    "ForkServer",
    "fork_available",
    "import_jsonschema_quickly",
    "register",
]

ENGINE_NAME = "perspectives-fork"

# Third-party modules imported once in the server before any fork, besides those the library
# modules import at their top (which come with the library: see ForkServer's ``preload``).
# Extra names can be given in $PERSPECTIVES_PRELOAD (comma-separated), e.g. for a library that
# imports something heavy inside a function. Missing ones are skipped.
PRELOAD_ENV = "PERSPECTIVES_PRELOAD"
# A warm-up call the server makes after its imports, before any fork (see ``_warm``); the
# build sets it to ``perspectives.report.warm_up`` with the runs' data paths.
WARM_ENV = "PERSPECTIVES_WARM"

# Modules of the execution machinery itself, also imported before forking.
MACHINERY_MODULES: tuple[str, ...] = (
    "papermill",
    "papermill.engines",
    "papermill.translators",
    "nbformat",
    "IPython",
    "IPython.display",
    "IPython.core.interactiveshell",
    "perspectives.build",
)


def fork_available() -> bool:
    """True where ``os.fork`` exists (POSIX): the fork engine needs it."""
    return hasattr(os, "fork") and sys.platform != "win32"


@contextlib.contextmanager
def _hidden_module(name: str) -> Iterator[None]:
    """Make ``import name`` fail with ImportError inside the block, then undo it."""
    present = name in sys.modules
    saved = sys.modules.get(name)
    if not present:
        sys.modules[name] = None  # type: ignore[assignment]  # None in sys.modules: ImportError
    try:
        yield
    finally:
        if not present:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = saved  # type: ignore[assignment]


def import_jsonschema_quickly() -> None:
    """Import ``jsonschema`` (which nbformat imports) without ``rfc3987_syntax``.

    jsonschema's format module tries ``import rfc3987_syntax`` at import time; when that
    package is installed (it comes with pytest-notebook's dependencies) building its grammar
    costs about 2 s per process. It only serves the ``iri``/``iri-reference`` format checks,
    which neither the notebook schema nor nbformat's validation uses. Once jsonschema is
    imported the block is lifted, so code importing ``rfc3987_syntax`` itself still gets it.
    Does nothing when jsonschema is already imported or not installed.
    """
    if "jsonschema" in sys.modules:
        return
    with _hidden_module("rfc3987_syntax"), contextlib.suppress(ImportError):
        importlib.import_module("jsonschema")


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


def _get_shell() -> Any:
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

    shell = _get_shell()
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

    Idempotent. This module imports nothing heavy at import time (the build process reads
    :func:`import_jsonschema_quickly` from it), so registration happens on first use.
    """
    global _ENGINE_CLASS
    from papermill.engines import papermill_engines

    if _ENGINE_CLASS is None:
        _ENGINE_CLASS = _make_engine_class()
    papermill_engines.register(ENGINE_NAME, _ENGINE_CLASS)
    return _ENGINE_CLASS


def __getattr__(name: str) -> Any:
    # ``perspectives.engine.InProcessEngine`` without importing papermill at module import
    if name == "InProcessEngine":
        return register()
    raise AttributeError(name)


# --------------------------------------------------------------------------- fork server


def _preload(modules: Iterable[str]) -> list[str]:
    """Import modules, skipping any that fail: the run that needs one reports the error."""
    failed = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a broken module must fail its runs, not the server
            failed.append(name)
    return failed


def _warm(spec: str) -> str | None:
    """Call the warm-up function named in ``spec`` (JSON ``{"function": "mod:name", "kwargs"}``).

    It fills caches every run would fill first (parsed parameters, the validated data, fonts)
    so that each fork inherits them. A failure is returned as text, never raised: the runs
    then do that work themselves and report any error where it belongs, in their notebook.
    """
    if not spec:
        return None
    try:
        doc = json.loads(spec)
        module, _, name = str(doc["function"]).partition(":")
        getattr(importlib.import_module(module), name)(**doc.get("kwargs", {}))
    except Exception as exc:  # noqa: BLE001 - see the docstring: the runs redo it and report
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


def _child(task: dict[str, Any], result_fd: int) -> None:
    """Body of a fork child: execute one run, write its result as JSON, never return."""
    code = 0
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        # the child never reads tasks nor writes the protocol; stdout is the run's business
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        os.close(devnull)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        # like a kernel, resolve imports from the working directory (papermill's cwd)
        if sys.path and sys.path[0] != "":
            sys.path.insert(0, "")
        np = sys.modules.get("numpy")
        if np is not None:
            np.random.seed()  # a fresh kernel starts from fresh entropy, not the server's state
        # A run is a short-lived process: collect cycles far less often than the default
        # (every 700 allocations), which is about 5% of a run's time with pandas and
        # matplotlib; whatever is left is freed when the process ends.
        gc.set_threshold(100_000, 50, 100)
        from perspectives.build import _execute_run

        result = _execute_run(task)
    except BaseException as exc:  # noqa: BLE001 - report anything, never run the server's loop
        code = 1
        result = {"key": task.get("key"), "ok": False, "seconds": 0.0,
                  "error": {"cell_index": None, "cell_source": "", "ename": type(exc).__name__,
                            "evalue": str(exc).splitlines()[0] if str(exc) else "",
                            "traceback": traceback.format_exc()[-2000:]}}
    try:
        data = json.dumps(result, default=str).encode()
        view = memoryview(data)
        while view:
            view = view[os.write(result_fd, view):]
    finally:
        os._exit(code)


def serve(workers: int, preload: list[str], proto_in: Any, proto_out: Any) -> None:
    """The server loop: read tasks (JSON lines), fork up to ``workers`` children, answer.

    Each answer line is ``{"id", "result", "maxrss_kb"}``; a child that dies without a
    result (killed, segfault) yields an error result naming the signal.
    """
    sel = selectors.DefaultSelector()
    sel.register(proto_in, selectors.EVENT_READ, "tasks")
    queue: list[dict[str, Any]] = []
    running: dict[int, tuple[Any, int, bytearray]] = {}  # fd -> (id, pid, buffer)
    inbox = b""
    open_input = True

    def send(msg: dict[str, Any]) -> None:
        proto_out.write((json.dumps(msg, default=str) + "\n").encode())
        proto_out.flush()

    def start(item: dict[str, Any]) -> None:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _child(item["task"], w)
        os.close(w)
        os.set_blocking(r, False)
        running[r] = (item["id"], pid, bytearray())
        sel.register(r, selectors.EVENT_READ, "child")

    while open_input or queue or running:
        while queue and len(running) < workers:
            start(queue.pop(0))
        for key, _ in sel.select():
            if key.data == "tasks":
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    open_input = False
                    sel.unregister(key.fd)
                    continue
                inbox += chunk
                *lines, inbox = inbox.split(b"\n")
                queue.extend(json.loads(line) for line in lines if line.strip())
            else:
                task_id, pid, buf = running[key.fd]
                chunk = os.read(key.fd, 1 << 16)
                if chunk:
                    buf.extend(chunk)
                    continue
                sel.unregister(key.fd)
                os.close(key.fd)
                del running[key.fd]
                _, status, usage = os.wait4(pid, 0)
                try:
                    result = json.loads(bytes(buf))
                except ValueError:
                    why = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
                           else f"exit code {os.WEXITSTATUS(status)}")
                    result = {"ok": False, "seconds": 0.0,
                              "error": {"cell_index": None, "cell_source": "",
                                        "ename": "WorkerDied",
                                        "evalue": f"the run's process ended with {why}"}}
                send({"id": task_id, "result": result, "maxrss_kb": usage.ru_maxrss})


def _server_main(argv: list[str]) -> int:
    """``python -m perspectives.engine serve WORKERS [MODULE...]``: the fork server."""
    workers = int(argv[1])
    # The protocol goes over the original stdout; anything printed by imports or runs must
    # not corrupt it, so fd 1 now points at stderr.
    proto_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    import_jsonschema_quickly()
    t0 = time.perf_counter()
    failed = _preload(list(MACHINERY_MODULES) + argv[2:] + [
        m for m in os.environ.get(PRELOAD_ENV, "").split(",") if m.strip()])
    register()
    _get_shell()  # built once here so no child pays for it
    # nbformat compiles its JSON-schema validator on first use (~0.1 s); papermill validates
    # every notebook it reads, so compile it here, for the current format, once.
    import nbformat.validator

    nbformat.validator.get_validator(version=nbformat.v4.nbformat, version_minor=nbformat.v4.nbformat_minor)
    warm_failed = _warm(os.environ.get(WARM_ENV, ""))
    gc.collect()
    # Objects that exist now are shared with every child copy-on-write; freezing keeps the
    # collector from touching (and so copying) them in each child.
    gc.freeze()
    proto_out.write((json.dumps({"ready": True, "seconds": time.perf_counter() - t0,
                                 "preload_failed": failed, "warm_failed": warm_failed,
                                 "threads": threading.active_count()}) + "\n").encode())
    proto_out.flush()
    serve(workers, argv[2:], sys.stdin.buffer, proto_out)
    return 0


class ForkServer:
    """Client side of the fork server: ``submit(task)`` returns a Future of its result.

    The server is a child process started with ``env`` (thread caps, ``PYTHONPATH``);
    ``preload`` names extra modules (the library modules the notebooks import) to import
    before forking; ``warm`` is a function (``"module:name"``) and its keyword arguments,
    called once before forking to fill caches every run would fill (see ``_warm``). Use as
    a context manager; leaving it waits for the running tasks.
    """

    def __init__(self, workers: int, env: dict[str, str] | None = None,
                 preload: Iterable[str] = (), python: str | None = None,
                 warm: tuple[str, dict[str, Any]] | None = None) -> None:
        self.workers = max(1, workers)
        self._env = {**os.environ, **(env or {})}
        if warm is not None:
            self._env[WARM_ENV] = json.dumps({"function": warm[0], "kwargs": warm[1]})
        self._preload = sorted(set(preload))
        self._python = python or sys.executable
        self._proc: subprocess.Popen[bytes] | None = None
        self._futures: dict[int, Future[dict[str, Any]]] = {}
        self._next_id = 0
        self._lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self.ready_info: dict[str, Any] = {}
        self.maxrss_kb: dict[str, int] = {}  # task key -> the child's peak RSS

    def __enter__(self) -> ForkServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(wait=exc[0] is None)

    def start(self) -> None:
        """Start the server and wait until it has imported everything."""
        self._proc = subprocess.Popen(
            [self._python, "-m", "perspectives.engine", "serve", str(self.workers),
             *self._preload],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=self._env,
            # its own process group: stopping the build can then stop the server and every
            # fork it made at once, and Ctrl-C reaches the build, which decides
            start_new_session=True,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            code = self._proc.wait()
            raise RuntimeError(f"the fork server did not start (exit code {code})")
        self.ready_info = json.loads(line)
        self._reader = threading.Thread(target=self._read, name="fork-server-reader",
                                        daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            msg = json.loads(line)
            with self._lock:
                fut = self._futures.pop(msg["id"])
            key = msg["result"].get("key")
            if key:
                self.maxrss_kb[key] = int(msg.get("maxrss_kb", 0))
            fut.set_result(msg["result"])
        # the server went away: every task still pending fails
        with self._lock:
            pending, self._futures = self._futures, {}
        for fut in pending.values():
            fut.set_exception(RuntimeError("the fork server stopped unexpectedly"))

    def submit(self, task: dict[str, Any]) -> Future[dict[str, Any]]:
        """Queue one run (a task for ``perspectives.build._execute_run``)."""
        assert self._proc is not None and self._proc.stdin is not None
        fut: Future[dict[str, Any]] = Future()
        with self._lock:
            task_id = self._next_id
            self._next_id += 1
            self._futures[task_id] = fut
        self._proc.stdin.write((json.dumps({"id": task_id, "task": task}) + "\n").encode())
        self._proc.stdin.flush()
        return fut

    def close(self, wait: bool = True) -> None:
        """Stop accepting tasks; wait for the server (or kill it when ``wait`` is False)."""
        if self._proc is None:
            return
        with contextlib.suppress(OSError):
            assert self._proc.stdin is not None
            self._proc.stdin.close()
        if not wait:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGKILL)
        self._proc.wait()
        if self._reader is not None:
            self._reader.join(timeout=10)
        self._proc = None


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "serve":
        # Run the server from the importable module, not from this ``__main__`` copy: the
        # engine registration, the shell and the child code must be one and the same.
        from perspectives.engine import _server_main as _main

        sys.exit(_main(sys.argv[1:]))
    print("usage: python -m perspectives.engine serve WORKERS [MODULE...]", file=sys.stderr)
    sys.exit(2)
