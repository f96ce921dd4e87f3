"""The run server: one pre-warmed Python process that forks a child per run.

Purpose
    A papermill run through a Jupyter kernel pays, every time, for starting the kernel
    (~1.3 s) and importing pandas, matplotlib and the library; for our section notebooks
    that is most of the cost of a run. :class:`ForkServer` starts one server process that
    imports the execution machinery and the modules the runs need once (and calls a warm-up
    that fills caches of input files), then ``os.fork()``s one child per task. The child
    calls the server's task function (``"module:function"``, given at start; the build gives
    :func:`perspectives.build.run.execute_payload`) in a fresh process and exits, so nothing a
    run does (globals, module state, caches, matplotlib state) can reach another run. At most
    ``workers`` children run at a time; ``submit`` returns a ``concurrent.futures.Future``.

    This module knows nothing of the build that uses it: tasks and results are JSON objects,
    and the function they go to is named, not imported (papermill's engines likewise never
    call back into ``execute_notebook``).

Inputs
    The task function's name, the modules to preload, an optional warm-up function and its
    arguments, the environment for the runs (thread caps, ``PYTHONPATH``).

Outputs
    Each task's result (a JSON object) and the child's peak resident memory (``maxrss_kb``).

Notes:
    * Requires ``os.fork`` (Linux, macOS); elsewhere the build uses papermill's kernel engine.
    * A forked child inherits numpy's global random state from the server; it is reseeded
      from the OS in each child, as a fresh kernel would be.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import Any

from perspectives.build.engine import get_shell, register
from perspectives.files import name_process
from perspectives.imports import import_jsonschema_quickly

__all__ = ["WARM_ENV", "TASK_ENV", "ForkServer", "call_warm_up", "child_result", "deliver", "fail_pending", "fork_available",
           "prepare", "preload_modules", "resolve", "run_child", "settle"]

# Third-party modules imported once in the server before any fork, besides those the library
# modules import at their top (which come with the library: see ForkServer's ``preload``).
# Extra names can be given in $PERSPECTIVES_PRELOAD (comma-separated), e.g. for a library that
# imports something heavy inside a function. Missing ones are skipped.
PRELOAD_ENV = "PERSPECTIVES_PRELOAD"
# A warm-up call the server makes after its imports, before any fork (see ``call_warm_up``); the
# build sets it to ``perspectives.report.warm_up`` with the runs' data paths.
WARM_ENV = "PERSPECTIVES_WARM"
# What a run's process calls itself (``ps``, the benchmark's memory by process).
RUN_PROCESS_NAME = "section-run"
# The function every child calls with its task ("module:function").
TASK_ENV = "PERSPECTIVES_TASK_FUNCTION"

# Modules of the execution machinery itself, also imported before forking.
MACHINERY_MODULES: tuple[str, ...] = (
    "papermill",
    "papermill.engines",
    "papermill.translators",
    "nbformat",
    "IPython",
    "IPython.display",
    "IPython.core.interactiveshell",
)


def fork_available() -> bool:
    """True where ``os.fork`` exists (POSIX): the run server needs it."""
    return hasattr(os, "fork") and sys.platform != "win32"


def resolve(spec: str) -> Callable[..., Any]:
    """The function named ``"module:function"``."""
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def preload_modules(modules: Iterable[str]) -> list[str]:
    """Import modules, skipping any that fail: the run that needs one reports the error."""
    failed = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a broken module must fail its runs, not the server
            failed.append(name)
    return failed


def call_warm_up(spec: str) -> str | None:
    """Call the warm-up function named in ``spec`` (JSON ``{"function": "mod:name", "kwargs"}``).

    It fills caches every run would fill first (parsed parameters, the validated data, fonts)
    so that each fork inherits them. A failure is returned as text, never raised: the runs
    then do that work themselves and report any error where it belongs, in their notebook.
    """
    if not spec:
        return None
    try:
        doc = json.loads(spec)
        resolve(str(doc["function"]))(**doc.get("kwargs", {}))
    except Exception as exc:  # noqa: BLE001 - see the docstring: the runs redo it and report
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


def run_child(task: dict[str, Any], result_fd: int, function: Callable[[dict[str, Any]], Any],
           environ: dict[str, str] | None = None) -> None:
    """Body of a fork child: execute one run, write its result as JSON, never return.

    ``environ``: the environment of the build that sent the task (a resident server's
    children see the variables of the build they run for, as a fresh server's would).
    """
    code = 0
    try:
        name_process(RUN_PROCESS_NAME)
        if environ is not None:
            os.environ.clear()
            os.environ.update(environ)
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
        result = function(task)
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


def serve(workers: int, function: Callable[[dict[str, Any]], Any], proto_in: Any, proto_out: Any) -> None:
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
    client = os.getppid()

    def client_gone() -> None:
        """The build that started this server was killed: stop its runs and leave, saying nothing.

        Its runs would go on in the background for minutes, and the first answer would end
        in a broken pipe's traceback on the terminal of a build that is no more.
        """
        for _, pid, _ in running.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        os._exit(0)

    def send(msg: dict[str, Any]) -> None:
        try:
            proto_out.write((json.dumps(msg, default=str) + "\n").encode())
            proto_out.flush()
        except (BrokenPipeError, ConnectionResetError):
            client_gone()

    def start(item: dict[str, Any]) -> None:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            run_child(item["task"], w, function)
        os.close(w)
        os.set_blocking(r, False)
        running[r] = (item["id"], pid, bytearray())
        sel.register(r, selectors.EVENT_READ, "child")

    while open_input or queue or running:
        if os.getppid() != client:  # the build died (SIGKILL): this process was given to another parent
            client_gone()
        while queue and len(running) < workers:
            start(queue.pop(0))
        for key, _ in sel.select(timeout=CLIENT_POLL):
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
                send({"id": task_id, "result": child_result(buf, status), "maxrss_kb": usage.ru_maxrss})


def child_result(buf: bytes | bytearray, status: int) -> dict[str, Any]:
    """A finished child's result: the JSON it wrote, or a ``WorkerDied`` failure naming how it ended."""
    try:
        return json.loads(bytes(buf))
    except ValueError:
        why = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
               else f"exit code {os.WEXITSTATUS(status)}")
        return {"ok": False, "seconds": 0.0,
                "error": {"cell_index": None, "cell_source": "", "ename": "WorkerDied",
                          "evalue": f"the run's process ended with {why}"}}


def deliver(fut: Future[dict[str, Any]], msg: dict[str, Any], maxrss_kb: dict[str, int]) -> None:
    """Give a task's future the server's answer, noting the child's peak memory under its key."""
    key = msg["result"].get("key")
    if key:
        maxrss_kb[key] = int(msg.get("maxrss_kb", 0))
    fut.set_result(msg["result"])


def fail_pending(pending: dict[Any, Future[dict[str, Any]]]) -> None:
    """The server went away: every task still pending fails."""
    for fut in pending.values():
        fut.set_exception(RuntimeError("the run server stopped unexpectedly"))


# Seconds between the server's checks that the build which started it is still there.
CLIENT_POLL = 1.0

# How the client starts the server: a plain import (``python -m`` on a module of a package
# whose __init__ already imported it would run a second copy of it).
_SERVER_COMMAND = ("import sys; from perspectives.build.forkserver import server_main; "
                   "sys.exit(server_main(sys.argv[1:]))")


def prepare(modules: list[str]) -> tuple[Callable[[dict[str, Any]], Any], dict[str, Any]]:
    """Get a server process ready to fork: imports, the task function, the warm-up.

    Returns:
        The task function and the ready message (``seconds``, ``preload_failed``,
        ``warm_failed``, ``threads``).
    """
    import_jsonschema_quickly()
    t0 = time.perf_counter()
    failed = preload_modules(list(MACHINERY_MODULES) + modules + [
        m for m in os.environ.get(PRELOAD_ENV, "").split(",") if m.strip()])
    function = resolve(os.environ[TASK_ENV])
    register()
    get_shell()  # built once here so no child pays for it
    # nbformat compiles its JSON-schema validator on first use (~0.1 s); papermill validates
    # every notebook it reads, so compile it here, for the current format, once.
    import nbformat.validator

    nbformat.validator.get_validator(version=nbformat.v4.nbformat, version_minor=nbformat.v4.nbformat_minor)
    warm_failed = call_warm_up(os.environ.get(WARM_ENV, ""))
    settle()
    return function, {"ready": True, "seconds": time.perf_counter() - t0, "preload_failed": failed,
                      "warm_failed": warm_failed, "threads": threading.active_count()}


def settle() -> None:
    """Freeze what exists now: shared with every child copy-on-write, never touched by its collector."""
    gc.collect()
    # Objects that exist now are shared with every child copy-on-write; freezing keeps the
    # collector from touching (and so copying) them in each child.
    gc.freeze()


def server_main(argv: list[str]) -> int:
    """The server process: ``serve WORKERS [MODULE...]`` (started by :class:`ForkServer`)."""
    workers = int(argv[1])
    # The protocol goes over the original stdout; anything printed by imports or runs must
    # not corrupt it, so fd 1 now points at stderr.
    proto_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    function, info = prepare(argv[2:])
    try:
        proto_out.write((json.dumps(info) + "\n").encode())
        proto_out.flush()
    except (BrokenPipeError, ConnectionResetError):
        os._exit(0)  # the build was killed while this server started: nothing to say to anyone
    serve(workers, function, sys.stdin.buffer, proto_out)
    return 0


class ForkServer:
    """Client side of the run server: ``submit(task)`` returns a Future of its result.

    Args:
        workers: children running at a time (at least 1).
        function: ``"module:function"`` each child calls with its task (a JSON object); it
            returns the task's result (a JSON object).
        env: environment of the server (thread caps, ``PYTHONPATH``), over this process's.
        preload: extra modules (the library modules the tasks import) imported before
            forking.
        python: the interpreter (default: this one).
        warm: a function (``"module:name"``) and its keyword arguments, called once before
            forking to fill caches every task would fill (see ``call_warm_up``).
        base_env: the environment ``env`` is put over (default: this process's).

    Use as a context manager; leaving it waits for the running tasks.
    """

    def __init__(self, workers: int, function: str, env: dict[str, str] | None = None,
                 preload: Iterable[str] = (), python: str | None = None,
                 warm: tuple[str, dict[str, Any]] | None = None,
                 base_env: dict[str, str] | None = None) -> None:
        self.workers = max(1, workers)
        self._env = {**(os.environ if base_env is None else base_env), **(env or {}), TASK_ENV: function}
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

    @property
    def alive(self) -> bool:
        """Whether the server process is running (a killed server takes no more tasks)."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Start the server and wait until it has imported everything."""
        self._proc = subprocess.Popen(
            [self._python, "-c", _SERVER_COMMAND, "serve", str(self.workers), *self._preload],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=self._env,
            # its own process group: stopping the build can then stop the server and every
            # fork it made at once, and Ctrl-C reaches the build, which decides
            start_new_session=True,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            code = self._proc.wait()
            raise RuntimeError(f"the run server did not start (exit code {code})")
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
            deliver(fut, msg, self.maxrss_kb)
        with self._lock:
            pending, self._futures = self._futures, {}
        fail_pending(pending)

    def submit(self, task: dict[str, Any]) -> Future[dict[str, Any]]:
        """Queue one task for the server's function; the Future gets its result."""
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

