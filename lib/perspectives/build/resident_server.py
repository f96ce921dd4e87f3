"""The resident run server's own side: a run server that outlives the build that started it.

Purpose
    A build's run server (:mod:`perspectives.build.forkserver`) spends seconds importing
    pandas, matplotlib and the library and warming caches of the inputs before its first fork;
    for an edited section rebuilt from the command line that is most of the build. A resident
    server does that once and then waits, like Gradle's daemon or a Jupyter kernel, on a Unix
    socket (:mod:`perspectives.build.resident` finds it, starts it and talks to it): a later
    build whose fingerprint is the same (the library, the environment, the inputs its warm-up
    read) sends its runs there; each run is still a fresh fork of the warm process, so nothing
    a run does reaches another run or the server.

    It leaves, taking its children with it, when it has been idle (no build connected, no run
    going) for its idle time, when its socket file or the output folder it serves disappears
    or is replaced, when a build finds it stale (another fingerprint: it is told to stop) and
    when told to stop (``perspectives server stop``). A build that disconnects while its runs
    go on (killed, Ctrl-C) has them killed.

    It also keeps the build's browser (:class:`_Prints`): starting Chromium and printing its
    first page cost a build more CPU than its edited section's run. A build that the server
    took asks it to print each report (``print``: the HTML and the PDF's paths), and the
    server prints with :func:`perspectives.pdf.Printer.print_pdf`, the same function a
    build's own browser prints with, so the PDF has the same bytes. The browser is started
    (and warmed) when a build that wants PDFs says hello, and stops with the server.

    And it publishes the build's reports (``publish``: a report's code and language): their
    HTML and Word files assembled and their PDF printed in the server, which has imported and
    read what that takes, with the functions a build's own process calls
    (:mod:`perspectives.build.publish_report`), for a report folder of the folder it serves only.

Inputs
    The socket's path, the workers, the modules to preload (:data:`RESIDENT_COMMAND`'s arguments), and in the environment
    (:data:`RESIDENT_ENV`) its fingerprint, the folder it watches, its idle time and the
    function that says what a later build's warm-up still needs (``rewarm``).

Outputs
    One JSON line on stdout when it listens (the ready message of
    :func:`perspectives.build.forkserver.prepare`, with its ``pid``); then, on each
    connection, JSON lines: the answer to ``hello`` (``same``, the components that differ),
    ``ready`` once brought up to the build's needs, each task's result, ``status``, ``stopping``,
    and the answer to a ``print`` (``printed``, or the ``error`` and its ``kind``).
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from perspectives.build.forkserver import (
    WARM_ENV,
    call_warm_up,
    child_result,
    preload_modules,
    prepare,
    resolve,
    run_child,
    settle,
)
from perspectives.build.publish_report import Publishing
from perspectives.imports import import_jsonschema_quickly

__all__ = ["PROTOCOL", "RESIDENT_COMMAND", "RESIDENT_ENV", "resident_main"]

# What the server is told at start, as JSON: {"fingerprint": {component: digest}, "watch":
# folder, "idle": seconds, "rewarm": "module:function" (what a build's warm-up still needs),
# "digest": "module:function" (the digest of what the warm-up read that may change)}.
RESIDENT_ENV = "PERSPECTIVES_RESIDENT"
# The protocol's version: a server speaking another one is stale.
PROTOCOL = 2
# How a build starts it: ``python -c RESIDENT_COMMAND SOCKET WORKERS [MODULE...]``.
RESIDENT_COMMAND = ("import sys; from perspectives.build.resident_server import resident_main; "
                    "resident_main(sys.argv[1], int(sys.argv[2]), sys.argv[3:])")
# Seconds between the server's checks of its socket, its folder and its idle time.
POLL = 1.0


@dataclass
class _Conn:
    """One connected build (or a ``server stop``/``status`` command)."""

    sock: socket.socket
    inbox: bytes = b""
    environ: dict[str, str] | None = None


@dataclass
class _State:
    """What the server is and has loaded, and what it is serving."""

    path: str
    inode: int
    watch: str
    watch_inode: int
    idle: float
    fingerprint: dict[str, str]
    rewarm: str
    digest: str
    warm_spec: dict[str, Any]
    modules: set[str]
    workers: int
    warmed_inputs: str = ""  # the digest of what the warm-up read, as the warm-up left it
    started: float = field(default_factory=time.time)
    builds: int = 0
    leaving: bool = False
    prints: _Prints | None = None  # the browser kept with the server (made in resident_main)
    root: str = ""  # the study folder the server was started for (its reports are published here)
    publishing: Publishing | None = None  # the reports published for builds (made in resident_main)


def _inode(path: str) -> int:
    """The inode of ``path`` (not followed), or -1 when it is gone."""
    try:
        return os.lstat(path).st_ino
    except OSError:
        return -1


def _send(conn: _Conn, msg: dict[str, Any]) -> bool:
    """Send one JSON line; False when the build on the other end is gone."""
    try:
        conn.sock.sendall((json.dumps(msg, default=str) + "\n").encode())
    except OSError:
        return False
    return True


def _peer_is_us(sock: socket.socket) -> bool:
    """Whether the process on the other end runs as this user (Linux; elsewhere the folder's mode decides)."""
    if not hasattr(socket, "SO_PEERCRED"):
        return True
    import struct

    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1] == os.getuid()


def _bring_up(state: _State, msg: dict[str, Any]) -> dict[str, Any]:
    """Import and warm what a build needs beyond what this server has; the ready message.

    A build may need modules this server has not imported, or more of the warm-up than it
    did (a whole build after one section's: every question's mask); the server's ``rewarm``
    function says which call of the warm-up brings it there, or None when nothing is missing.
    """
    t0 = time.perf_counter()
    wanted = [m for m in msg.get("preload", []) if m not in state.modules]
    failed = preload_modules(wanted)
    state.modules.update(wanted)
    warm_failed, call = None, None
    spec = msg.get("warm")
    if spec and state.rewarm:
        call, done = resolve(state.rewarm)(state.warm_spec.get("kwargs", {}), spec.get("kwargs", {}))
        if call is not None:
            warm_failed = call_warm_up(json.dumps({"function": spec["function"], "kwargs": call}))
        state.warm_spec = {**spec, "kwargs": done}
        if call is not None:
            state.warmed_inputs = _warmed_inputs(state)  # this warm-up may have rewritten them
    if wanted or call is not None:
        settle()
    return {"ready": True, "seconds": time.perf_counter() - t0, "preload_failed": failed,
            "warm_failed": warm_failed, "pid": os.getpid(), "started": state.started, "builds": state.builds,
            "brought_up": bool(wanted) or call is not None}


def _warmed_inputs(state: _State) -> str:
    """The digest of what the warm-up read that a build may rewrite, read now ("" when none is read).

    Taken right after each warm-up (the small-cell rule's saved results: the warm-up reads
    them, then may rewrite them with what it found), and kept as what the server holds.
    """
    if not state.digest:
        return ""
    return str(resolve(state.digest)(state.warm_spec.get("kwargs", {})))


def _held(state: _State) -> dict[str, str]:
    """The fingerprint of what the server holds: its inputs, and the saved results as its warm-up left them.

    A build compares it with the saved results as it finds them: a file changed since this
    server's warm-up (by a build with a server of its own, or by hand) means another server.
    """
    if not state.digest:
        return dict(state.fingerprint)
    return {**state.fingerprint, "warm_inputs": state.warmed_inputs}


def _hello(state: _State, conn: _Conn, msg: dict[str, Any]) -> None:
    """A build says who it is: serve it when it is the same, else say why not and leave."""
    mine = _held(state)
    theirs = msg.get("fingerprint") or {}
    differs = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
    if msg.get("hello") != PROTOCOL or differs:
        _send(conn, {"hello": PROTOCOL, "same": False, "differs": differs or ["protocol"], "pid": os.getpid()})
        state.leaving = True
        return
    _send(conn, {"hello": PROTOCOL, "same": True, "pid": os.getpid()})
    state.idle = float(msg.get("idle", state.idle))
    state.workers = max(1, int(msg.get("workers", state.workers)))
    conn.environ = msg.get("environ")
    state.builds += 1
    if msg.get("printer") and state.prints is not None:
        state.prints.warm()  # while the build's runs go on
    if msg.get("publisher") and state.publishing is not None:
        state.publishing.warm()
    ready = _bring_up(state, msg)
    _send(conn, ready)


def _status(state: _State) -> dict[str, Any]:
    return {"status": True, "pid": os.getpid(), "started": state.started, "builds": state.builds,
            "idle": state.idle, "watch": state.watch, "workers": state.workers,
            "light": bool(state.warm_spec.get("kwargs", {}).get("light")),
            **(state.prints.status() if state.prints is not None else {})}


def servable(served: str, request: Any) -> bool:
    """Whether a print request names a report of the served output folder, printed beside itself.

    The pid a request carries is no secret (``status`` tells it), so the request itself is
    checked: its page is a ``report.html`` inside ``served`` (symbolic links followed, so one
    cannot point outside), and its PDF is that page's own ``report.pdf``. Anything else (a
    local file, another folder's report, a PDF written elsewhere) is refused.
    """
    try:
        html = Path(str(request["html"])).resolve()
        pdf = Path(str(request["pdf"])).resolve()
        root = Path(served).resolve()
    except (KeyError, TypeError, OSError, RuntimeError):
        return False
    return (html.name == "report.html" and pdf == html.with_suffix(".pdf") and html.is_relative_to(root)
            and html.is_file())


class _Prints:
    """The browser the server keeps for its builds' PDFs, and the threads that print with it.

    The browser is started on the first request (a build's hello that wants PDFs warms it
    while the runs go on), started again if it stopped, and closed with the server. Each
    print runs in a thread of its own (the server's loop goes on), through
    :meth:`perspectives.pdf.Printer.print_pdf`, and answers on the connection that asked.
    """

    def __init__(self) -> None:
        self._printer: Any = None
        self._lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1), thread_name_prefix="print")
        self.imports: Any = contextlib.nullcontext()  # held while the warm-up imports (the forks wait)
        self.started = 0  # browsers started
        self.printed = 0  # reports printed

    def _browser(self) -> Any:
        """The running browser, started (again) when there is none.

        Raises:
            PdfUnavailable: no Chromium on this machine.
        """
        from perspectives import pdf

        with self._lock:
            if self._printer is None or not self._printer.alive:
                if self._printer is not None:
                    self._printer.close()
                    self._printer = None
                printer = pdf.Printer()
                printer.start()
                self._printer = printer
                self.started += 1
            return self._printer

    def warm(self) -> None:
        """Start the browser and print a first page styled as the reports are (in a thread)."""
        self.pool.submit(self._warm)

    def _warm(self) -> None:
        with self.imports:  # no fork while this thread imports (see Publishing.fork_lock)
            from perspectives import pdf  # noqa: F401 - imported here, before any fork may want it
            from perspectives.assemble import TEMPLATES

        with contextlib.suppress(Exception):  # a failed warm-up costs time only: the print says why
            fresh = self._printer is None or not self._printer.alive
            printer = self._browser()
            if fresh:
                printer.warm_up((TEMPLATES / "report.css").read_text(encoding="utf-8"))

    def submit(self, conn: _Conn, request: dict[str, Any]) -> None:
        """Print one report for the build on ``conn`` (in a thread); the answer goes back on ``conn``."""
        self.pool.submit(self._print, conn, request)

    def print_report(self, html: Path, pdf: Path) -> None:
        """Print ``html`` to ``pdf`` with the browser (started when there is none).

        Raises:
            PdfUnavailable: no Chromium on this machine.
            PrintError: the page did not print.
        """
        self._browser().print_pdf(html, pdf)
        with self._lock:
            self.printed += 1

    def _print(self, conn: _Conn, request: dict[str, Any]) -> None:
        from perspectives import pdf

        answer: dict[str, Any]
        try:
            self.print_report(Path(request["html"]), Path(request["pdf"]))
            answer = {"printed": True}
        except pdf.PdfUnavailable as exc:
            answer = {"error": str(exc), "kind": "unavailable"}
        except pdf.PrintError as exc:
            answer = {"error": str(exc), "kind": "print"}
        except Exception as exc:  # noqa: BLE001 - said to the build, which fails the report loudly
            answer = {"error": f"{type(exc).__name__}: {exc}", "kind": "print"}
        _send(conn, {**answer, "pid": os.getpid()})

    def status(self) -> dict[str, Any]:
        """Whether a browser is running, how many were started, the reports printed."""
        printer = self._printer
        return {"browser_running": printer is not None and printer.alive, "browsers_started": self.started,
                "reports_printed": self.printed}

    def close(self) -> None:
        """Stop printing and close the browser."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            if self._printer is not None:
                self._printer.close()
                self._printer = None


class _Loop:
    """The server's loop: connections, their tasks, the forks running them."""

    def __init__(self, state: _State, listener: socket.socket, function: Callable[[dict[str, Any]], Any]) -> None:
        self.state, self.listener, self.function = state, listener, function
        self.sel = selectors.DefaultSelector()
        self.sel.register(listener, selectors.EVENT_READ, "listen")
        self.conns: dict[int, _Conn] = {}
        self.queue: list[tuple[_Conn, dict[str, Any]]] = []
        self.running: dict[int, tuple[_Conn, Any, int, bytearray]] = {}  # fd -> (conn, id, pid, buffer)
        self.last_active = time.monotonic()

    def wanted(self) -> bool:
        """Whether the server should go on: its socket and folder are there, it was not told to leave, not idle."""
        st = self.state
        if st.leaving or _inode(st.path) != st.inode or _inode(st.watch) != st.watch_inode:
            return False
        if self.conns or self.running:
            self.last_active = time.monotonic()
            return True
        return time.monotonic() - self.last_active < st.idle

    def run(self) -> None:
        while self.wanted():
            while self.queue and len(self.running) < self.state.workers:
                self._start(*self.queue.pop(0))
            for key, _ in self.sel.select(timeout=POLL):
                if key.data == "listen":
                    self._accept()
                elif key.data == "conn":
                    self._read_conn(key.fd)
                else:
                    self._reap(key.fd)
        self.close()

    def _accept(self) -> None:
        try:
            sock, _ = self.listener.accept()
        except OSError:
            return
        if not _peer_is_us(sock):
            sock.close()
            return
        sock.setblocking(True)
        self.conns[sock.fileno()] = _Conn(sock)
        self.sel.register(sock, selectors.EVENT_READ, "conn")

    def _drop(self, conn: _Conn) -> None:
        """A build left: its queued tasks go, its running forks are killed."""
        fd = conn.sock.fileno()
        with contextlib.suppress(KeyError, ValueError):
            self.sel.unregister(conn.sock)
        self.conns.pop(fd, None)
        conn.sock.close()
        self.queue = [(c, item) for c, item in self.queue if c is not conn]
        for owner, _, pid, _ in self.running.values():
            if owner is conn:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def _read_conn(self, fd: int) -> None:
        conn = self.conns[fd]
        try:
            chunk = conn.sock.recv(1 << 16)
        except OSError:
            chunk = b""
        if not chunk:
            self._drop(conn)
            return
        conn.inbox += chunk
        *lines, conn.inbox = conn.inbox.split(b"\n")
        for line in lines:
            if line.strip():
                self._handle(conn, json.loads(line))

    def _handle(self, conn: _Conn, msg: dict[str, Any]) -> None:
        if "hello" in msg:
            _hello(self.state, conn, msg)
        elif "task" in msg:
            self.queue.append((conn, msg))
        elif "publish" in msg:
            publishing = self.state.publishing
            if publishing is not None and msg.get("pid") == os.getpid() and isinstance(msg["publish"], dict):
                publishing.submit(conn, msg["publish"])
            else:  # asked of one another build checked: the build publishes it itself
                _send(conn, {"elsewhere": True, "pid": os.getpid()})
        elif "print" in msg and self.state.prints is not None:
            if msg.get("pid") == os.getpid() and servable(self.state.watch, msg["print"]):
                self.state.prints.submit(conn, msg["print"])
            else:  # not this server's report, or asked of one another build checked: the build prints itself
                _send(conn, {"elsewhere": True, "pid": os.getpid()})
        elif msg.get("stop"):
            _send(conn, {"stopping": True, "pid": os.getpid()})
            self.state.leaving = True
        elif msg.get("status"):
            _send(conn, _status(self.state))

    def _start(self, conn: _Conn, item: dict[str, Any]) -> None:
        r, w = os.pipe()
        publishing = self.state.publishing
        # Not while a report is assembled: the fork would copy a held import lock (see Publishing).
        with publishing.fork_lock if publishing is not None else contextlib.nullcontext():
            pid = os.fork()
        if pid == 0:
            os.close(r)
            with contextlib.suppress(OSError):
                self.listener.close()
                for other in self.conns.values():
                    other.sock.close()
            run_child(item["task"], w, self.function, conn.environ)
        os.close(w)
        os.set_blocking(r, False)
        self.running[r] = (conn, item["id"], pid, bytearray())
        self.sel.register(r, selectors.EVENT_READ, "child")

    def _reap(self, fd: int) -> None:
        conn, task_id, pid, buf = self.running[fd]
        chunk = os.read(fd, 1 << 16)
        if chunk:
            buf.extend(chunk)
            return
        self.sel.unregister(fd)
        os.close(fd)
        del self.running[fd]
        _, status, usage = os.wait4(pid, 0)
        result = child_result(buf, status)
        if conn.sock.fileno() in self.conns and not _send(conn, {"id": task_id, "result": result,
                                                                  "maxrss_kb": usage.ru_maxrss}):
            self._drop(conn)

    def close(self) -> None:
        """Leave: forks killed, connections closed, the socket file removed when it is still this server's."""
        for _, _, pid, _ in self.running.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.state.publishing is not None:
            self.state.publishing.close()
        if self.state.prints is not None:
            self.state.prints.close()
        for conn in list(self.conns.values()):
            conn.sock.close()
        if _inode(self.state.path) == self.state.inode:
            with contextlib.suppress(OSError):
                os.unlink(self.state.path)
                log = os.path.splitext(self.state.path)[0] + ".log"
                if os.path.getsize(log) == 0:
                    os.unlink(log)  # nothing was said: no file left behind
        self.listener.close()


def resident_main(path: str, workers: int, modules: list[str]) -> NoReturn:
    """The resident server process (``listen SOCKET WORKERS [MODULE...]``, see the module's docstring)."""
    proto_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # its own session; only a stop, a timeout or a signal ends it
    settings = json.loads(os.environ.pop(RESIDENT_ENV))
    prints = _Prints()
    publishing = None
    if settings.get("root"):
        publishing = Publishing(settings["watch"], settings["root"], prints.print_report, prints.pool, _send)
        prints.imports = publishing.fork_lock
        if settings.get("publish"):
            import_jsonschema_quickly()  # before two threads import: it hides a module meanwhile
            publishing.warm()  # its imports while the server's own go on; no fork before they are done
    function, info = prepare(modules)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listener.bind(path)
    finally:
        os.umask(old)
    listener.listen(8)
    state = _State(path=path, inode=_inode(path), watch=settings["watch"], watch_inode=_inode(settings["watch"]),
                   idle=float(settings["idle"]), fingerprint=settings["fingerprint"], rewarm=settings.get("rewarm", ""),
                   digest=settings.get("digest", ""), warm_spec=json.loads(os.environ.get(WARM_ENV) or "{}"), modules=set(modules), workers=workers,
                   prints=prints, root=settings.get("root", ""), publishing=publishing)
    state.warmed_inputs = _warmed_inputs(state)  # as the warm-up in prepare() left them
    try:
        proto_out.write((json.dumps({**info, "pid": os.getpid()}) + "\n").encode())
        proto_out.flush()
        proto_out.close()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the build that started it is gone: it still serves the next one, or leaves when idle
    _Loop(state, listener, function).run()
    sys.stdout.flush()
    sys.stderr.flush()
    # Leave at once: tearing down the interpreter's modules and caches took a second or more.
    os._exit(0)
