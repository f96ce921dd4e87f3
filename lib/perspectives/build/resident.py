"""A run server kept between builds: found, checked, started and stopped from the build's side.

Purpose
    Starting a build's run server (imports of pandas, matplotlib, seaborn, papermill and the
    library, then the warm-up) costs seconds in any fresh process: most of an edited section's
    rebuild. As Gradle's daemon or a Jupyter kernel does, a build leaves its server running for
    an idle time (:func:`keep_minutes`: ``--keep-server MINUTES``, ``$PERSPECTIVES_KEEP_SERVER``,
    default 10; 0 stops it with the build), listening on a Unix socket named after the output
    folder (:func:`socket_for`), and the next build into that folder uses it when it is
    provably the same server a fresh start would give (:func:`fingerprint`): the library's
    files, the Python and its installed packages, the lock, the data and parameter files, the
    environment variables, the working folder, what the warm-up read. Anything else, or a
    server that does not answer, and a fresh one is started (the stale one told to stop). Each
    run is still a fresh fork of the server. The server side is
    :mod:`perspectives.build.resident_server`.

    The socket lives in a private folder of this user (``$XDG_RUNTIME_DIR/perspectives``,
    else ``perspectives-UID`` in the temporary folder), never in the output folder: a socket
    there would break a copy of the folder (``shutil.copytree`` cannot read one), would not
    work on a shared or network file system, and its path could pass the ~100 characters a
    socket's address may have.

Inputs
    The output folder, the idle time, the fingerprint's inputs the build already hashed
    (:class:`Keep`), and what a :class:`perspectives.build.forkserver.ForkServer` takes.

Outputs
    :class:`ResidentServer`, which a build uses as it uses a ``ForkServer`` (its
    ``ready_info`` says whether it was ``reused`` and adds a ``note``); :func:`connect_served`,
    through which the build has the server that took it publish and print its reports
    (:mod:`perspectives.build.publish`); :func:`stop`, :func:`stop_all` and :func:`status`
    for ``perspectives server``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perspectives.build.forkserver import TASK_ENV, WARM_ENV, ForkServer, deliver, fail_pending
from perspectives.build.plan import LibraryIndex, data_files
from perspectives.build.preflight import library_digest
from perspectives.build.resident_server import PROTOCOL, RESIDENT_COMMAND, RESIDENT_ENV
from perspectives.build.warm import warm_key

__all__ = ["DEFAULT_KEEP_MINUTES", "KEEP_ENV", "Keep", "Lines", "ResidentServer", "connect_served", "fingerprint",
           "keep_for", "keep_minutes", "socket_for", "status", "stop", "stop_all"]

# How long a build's run server waits for the next build, in minutes (0: it stops with the build).
KEEP_ENV = "PERSPECTIVES_KEEP_SERVER"
DEFAULT_KEEP_MINUTES = 10.0
# Variables a shell changes from one command to the next, which no import reads: left out
# of the fingerprint (a run still sees the build's own values).
VOLATILE = ("PWD", "OLDPWD", "SHLVL", "_", WARM_ENV, KEEP_ENV, RESIDENT_ENV)
# A socket's address is at most 108 bytes on Linux, 104 on macOS.
SOCKET_PATH_MAX = 100
# Seconds to wait for a server's first answer, and for a stopped one to be gone.
ANSWER_SECONDS = 10.0
# The server's own working functions (named, never imported by it).
REWARM = "perspectives.build.warm:rewarm"
DIGEST = "perspectives.build.warm:inputs_digest"
# Why a server was not reused, by the fingerprint component that differed.
WHY = {"library": "the library changed", "data": "a data or parameter file changed",
       "lock": "the environment's lock changed", "packages": "the installed packages changed",
       "python": "another Python", "environment": "the environment variables changed",
       "warm": "other data, language or study folder", "warm_inputs": "the small-cell rule's saved results changed",
       "cwd": "built from another folder", "function": "another task function", "protocol": "another version",
       "browser": "the browser changed"}


def keep_minutes(given: float | None = None) -> float:
    """The idle minutes a build's run server is kept: ``given``, else ``$PERSPECTIVES_KEEP_SERVER``, else 10.

    Raises:
        ValueError: a negative number, or a variable that is not a number.
    """
    if given is None:
        text = os.environ.get(KEEP_ENV, "").strip()
        try:
            given = float(text) if text else DEFAULT_KEEP_MINUTES
        except ValueError:
            raise ValueError(f"${KEEP_ENV} is {text!r}: give the run server's idle minutes as a number "
                             "(0 stops it with each build)") from None
    if given < 0 or given != given:
        raise ValueError(f"the run server's idle minutes must be 0 or more, not {given}")
    return float(given)


def _private_dir(folder: Path) -> Path:
    """``folder``, made if missing, when it is this user's alone (not a link, mode 700).

    Raises:
        OSError: it is not (another user's, a link, open to others).
    """
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    st = os.lstat(folder)
    import stat

    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise OSError(f"{folder} is not a private folder of this user")
    return folder


def _runtime_dir() -> Path:
    """This user's private folder for run servers' sockets and logs.

    Raises:
        OSError: none is usable.
    """
    tried: list[str] = []
    for base, name in ((os.environ.get("XDG_RUNTIME_DIR"), "perspectives"),
                       (tempfile.gettempdir(), f"perspectives-{os.getuid()}")):
        if not base or len(base) + len(name) + 30 > SOCKET_PATH_MAX:
            continue
        try:
            return _private_dir(Path(base) / name)
        except OSError as exc:
            tried.append(str(exc))
    raise OSError("no private folder for the run server's socket: " + "; ".join(tried or ["none short enough"]))


def socket_for(out: Path) -> Path:
    """The socket of the run server kept for builds into ``out`` (named by its resolved path).

    Raises:
        OSError: no private folder for it (:func:`_runtime_dir`).
    """
    name = hashlib.sha256(str(Path(out).resolve()).encode()).hexdigest()[:16]
    return _runtime_dir() / f"run-{name}.sock"


@dataclass
class Keep:
    """What a build gives to keep its run server for the next build.

    Attributes:
        out: the output folder (the server serves builds into it, and leaves when it goes).
        minutes: idle minutes (from :func:`keep_minutes`, more than 0).
        inputs: digests the build already made, by component: ``library`` (every file of the
            library package), ``lock``, ``data`` (the data and parameter files, the given
            export and conversations).
        prints: the build prints through the server: its hello has it warm its browser.
        server_pid: the server that took this build (None: none yet); only it prints for it.
        root: the study folder (a server started for it publishes its reports; None: none).
        publishes: the build publishes through the server: its hello has it get the assembly ready.
    """

    out: Path
    minutes: float
    inputs: dict[str, str] = field(default_factory=dict)
    prints: bool = False
    server_pid: int | None = None
    root: Path | None = None
    publishes: bool = False


def keep_for(minutes: float, out: Path, root: Path, library: LibraryIndex, lock: Path,
             given: dict[str, object]) -> Keep | None:
    """How a build's run server is kept for the next build, or None (``minutes`` is 0).

    With the digests a kept server's fingerprint takes from the build (every file of the
    library package, the lock, the data and parameter files and the given inputs), through
    the build's hasher: its stamps hashed most of them already.
    """
    if minutes <= 0:
        # None kept, and none left behind: a server an earlier build kept for this folder stops.
        stop(out)
        return None
    hasher = library.hasher
    data = {**data_files(root, hasher), **{k: hasher(Path(str(given[k]))) for k in ("data_path", "conversations_path")
                                          if given.get(k)}}
    return Keep(out, minutes, {"library": library_digest(library), "lock": hasher(lock) if lock.is_file() else "none",
                               "data": _digest(data)}, root=root)


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _packages() -> str:
    """The installed distributions (names and versions), as this Python's site folders list them.

    (Not ``sys.path``: its first entry is the folder of the script or the working folder,
    which differ between ``perspectives build`` and ``python -m perspectives.cli build``; the
    ``PYTHONPATH`` entries are in the environment's digest.)
    """
    import site

    names = []
    # by their real paths: the same environment reached through a link is the same
    for entry in {os.path.realpath(e) for e in [*site.getsitepackages(), site.getusersitepackages()]}:
        with contextlib.suppress(OSError):
            names += [f"{entry}/{n}" for n in os.listdir(entry) if n.endswith((".dist-info", ".egg-info", ".pth"))]
    return _digest(sorted(names))


def fingerprint(keep: Keep, env: dict[str, str], function: str, warm: tuple[str, dict[str, Any]] | None,
                python: str) -> dict[str, str]:
    """What a run server must share with a build to serve it, by component (each a digest).

    The Python (its path, version and prefix) and its installed packages, the environment the
    server starts with but the shell's :data:`VOLATILE` variables, the working folder, the task
    function, what the warm-up reads (:func:`perspectives.build.warm.warm_key`), and the
    build's own digests (``keep.inputs``). The saved results the warm-up read are compared
    when a build connects (``warm_inputs``: the file as the build finds it, against the file
    as the server's last warm-up left it).
    """
    return {"protocol": str(PROTOCOL),
            "python": _digest([os.path.realpath(python), sys.version, os.path.realpath(sys.prefix)]),
            "packages": _packages(),
            "environment": _digest({k: v for k, v in env.items() if k not in VOLATILE}),
            "cwd": _digest(os.getcwd()),
            "function": function,
            "warm": _digest(warm_key(warm)),
            "browser": _browser(),
            **keep.inputs}


def _browser() -> str:
    """The digest of the browser a server would print with (its path, size and time), or "none"."""
    from perspectives.pdf import find_chromium

    found = find_chromium() or ""
    with contextlib.suppress(OSError):  # none found (""), or gone
        st = os.stat(found)
        return _digest([os.path.realpath(found), st.st_size, st.st_mtime_ns])
    return "none"


def _connect(path: Path) -> socket.socket | None:
    """A connection to the server at ``path``, or None (no server; a dead one's socket file is removed)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(ANSWER_SECONDS)
    try:
        sock.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError):
        sock.close()
        with contextlib.suppress(OSError):
            if path.is_socket():
                path.unlink()  # a server that died: nobody listens
        return None
    except OSError:
        sock.close()
        return None
    return sock


class Lines:
    """JSON lines read from a socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.buf = sock, b""

    def read(self) -> dict[str, Any] | None:
        """The next message, or None when the other end closed."""
        while b"\n" not in self.buf:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)


def _ask(path: Path, msg: dict[str, Any]) -> dict[str, Any] | None:
    """Send one message to the server at ``path``; its answer (None: no server answered)."""
    sock = _connect(path)
    if sock is None:
        return None
    with sock:
        try:
            sock.sendall((json.dumps(msg) + "\n").encode())
            return Lines(sock).read()
        except (OSError, ValueError):
            return None


def _gone(pid: int, seconds: float = ANSWER_SECONDS) -> bool:
    """Wait until process ``pid`` has ended; whether it did in time."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        # a server this process started (an earlier build in the same process) is reaped here
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        time.sleep(0.02)
    return False


def status(out: Path) -> dict[str, Any] | None:
    """The state of the run server kept for ``out`` (pid, start time, builds served, idle seconds), or None."""
    try:
        path = socket_for(out)
    except OSError:
        return None
    return _ask(path, {"status": True})


def connect_served(keep: Keep) -> socket.socket | None:
    """A connection to the server that took the build of ``keep`` (None: none took it, or it is gone).

    Each request the build makes of it after the runs (a print, a report to publish) goes on
    a connection of its own and carries ``keep.server_pid``: another server answers ``elsewhere``.
    """
    if keep.server_pid is None:
        return None
    try:
        return _connect(socket_for(keep.out))
    except OSError:
        return None


def _stop_at(path: Path) -> int | None:
    answer = _ask(path, {"stop": True})
    if answer is None or "pid" not in answer:
        return None
    _gone(int(answer["pid"]))
    return int(answer["pid"])


def stop(out: Path) -> int | None:
    """Stop the run server kept for ``out``; its process id, or None when there was none."""
    try:
        path = socket_for(out)
    except OSError:
        return None
    return _stop_at(path)


def stop_all() -> list[int]:
    """Stop every run server of this user; their process ids."""
    try:
        folder = _runtime_dir()
    except OSError:
        return []
    return [pid for path in sorted(folder.glob("run-*.sock")) if (pid := _stop_at(path)) is not None]


def _ago(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


class ResidentServer:
    """A run server kept between builds, used as a :class:`~perspectives.build.forkserver.ForkServer` is.

    Entering it finds the server kept for the output folder and uses it when its fingerprint
    is the build's, else starts one (telling a stale one to stop); leaving it disconnects and
    leaves the server running for the next build. When no private folder can hold its socket
    it falls back to a server of this build alone, and says so.

    Args:
        workers: runs at a time.
        function: ``"module:function"`` each fork calls with its task.
        env: the runs' environment over this process's (thread caps, ``PYTHONPATH``).
        preload: the library modules the runs import.
        warm: the warm-up function and its arguments.
        keep: the output folder, the idle minutes and the build's digests.
        python: the interpreter (default: this one).
    """

    def __init__(self, workers: int, function: str, env: dict[str, str], preload: list[str],
                 warm: tuple[str, dict[str, Any]] | None, keep: Keep, python: str | None = None) -> None:
        self.workers = max(1, workers)
        self._function, self._preload, self._warm, self._keep = function, sorted(set(preload)), warm, keep
        self._python = python or sys.executable
        self._env = {**os.environ, **env, TASK_ENV: function}
        if warm is not None:
            self._env[WARM_ENV] = json.dumps({"function": warm[0], "kwargs": warm[1]})
        self._sock: socket.socket | None = None
        self._fallback: ForkServer | None = None
        self._futures: dict[int, Future[dict[str, Any]]] = {}
        self._next_id = 0
        self._lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self.ready_info: dict[str, Any] = {}
        self.maxrss_kb: dict[str, int] = {}

    def __enter__(self) -> ResidentServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(wait=exc[0] is None)

    @property
    def alive(self) -> bool:
        """Whether the server is there to take tasks."""
        if self._fallback is not None:
            return self._fallback.alive
        return self._sock is not None and self._reader is not None and self._reader.is_alive()

    def _hello(self, sock: socket.socket) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """Say who this build is; the server's ready message (None: it is not the same) and its first answer."""
        from perspectives.build.warm import inputs_digest

        fp = {**fingerprint(self._keep, self._env, self._function, self._warm, self._python),
              "warm_inputs": inputs_digest(self._warm[1] if self._warm else {})}
        msg = {"hello": PROTOCOL, "fingerprint": fp, "preload": self._preload, "environ": self._env,
               "warm": {"function": self._warm[0], "kwargs": self._warm[1]} if self._warm else None,
               "idle": self._keep.minutes * 60, "workers": self.workers, "printer": self._keep.prints,
               "publisher": self._keep.publishes}
        lines = Lines(sock)
        try:
            sock.sendall((json.dumps(msg) + "\n").encode())
            answer = lines.read() or {}
            if not answer.get("same"):
                return None, answer
            sock.settimeout(None)  # bringing it up may warm every mask
            return lines.read(), answer
        except (OSError, ValueError):
            return None, {}

    def start(self) -> None:
        """Use the server kept for the output folder, or start one (see the class)."""
        try:
            path = socket_for(self._keep.out)
        except OSError as exc:
            self._start_alone(f"; not kept for the next build: {exc}")
            return
        note = ""
        sock = _connect(path)
        if sock is not None:
            ready, answer = self._hello(sock)
            if ready is not None and ready.get("ready"):
                self._serve(sock, ready, reused=True)
                return
            sock.close()
            why = [WHY.get(k, k) for k in answer.get("differs", [])] or ["it did not answer"]
            note = f"; the one kept before was stopped: {', '.join(why)}"
            # Not waited for: it leaves on its own (told so, or finding its socket file gone),
            # and removes a socket file only while it is still its own.
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        self._start_kept(path, note)

    def _start_kept(self, path: Path, note: str) -> None:
        settings = {"fingerprint": fingerprint(self._keep, self._env, self._function, self._warm, self._python),
                    "watch": str(self._keep.out), "idle": self._keep.minutes * 60, "rewarm": REWARM,
                    "digest": DIGEST if self._warm else "", "root": str(self._keep.root or ""),
                    "publish": self._keep.publishes}
        log = open(path.with_suffix(".log"), "wb")  # noqa: SIM115 - the server's, closed here once it has it
        with log:
            proc = subprocess.Popen(
                [self._python, "-c", RESIDENT_COMMAND, str(path), str(self.workers), *self._preload],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, cwd=os.getcwd(),
                env={**self._env, RESIDENT_ENV: json.dumps(settings)}, start_new_session=True)
        assert proc.stdout is not None
        with proc.stdout:
            line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the run server did not start (exit code {proc.wait()}; its log: {path.with_suffix('.log')})")
        started = json.loads(line)
        sock = _connect(path)
        ready, _ = self._hello(sock) if sock is not None else (None, {})
        if sock is None or ready is None:
            raise RuntimeError("the run server started but did not take this build")
        minutes = f"{self._keep.minutes:g}"
        self._serve(sock, {**started, "note": f"; kept {minutes} min for the next build "
                                              f"(`perspectives server stop` stops it){note}"}, reused=False)

    def _start_alone(self, note: str) -> None:
        self._fallback = ForkServer(self.workers, self._function, env={k: v for k, v in self._env.items()},
                                    preload=self._preload, warm=self._warm, python=self._python, base_env={})
        self._fallback.start()
        self.ready_info = {**self._fallback.ready_info, "reused": False, "note": note}
        self.maxrss_kb = self._fallback.maxrss_kb

    def _serve(self, sock: socket.socket, ready: dict[str, Any], reused: bool) -> None:
        self._sock = sock
        if reused:
            ago = _ago(time.time() - float(ready.get("started", time.time())))
            more = "; it warmed what this build needs more" if ready.get("brought_up") else ""
            ready = {**ready, "note": f" (started {ago} ago, build {int(ready.get('builds', 0))} it serves{more})"}
        self.ready_info = {**ready, "reused": reused}
        if "pid" in ready:
            self._keep.server_pid = int(ready["pid"])  # the server this build checked: it may print
        self._reader = threading.Thread(target=self._read, name="resident-server-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._sock is not None
        lines = Lines(self._sock)
        while True:
            try:
                msg = lines.read()
            except (OSError, ValueError):
                msg = None
            if msg is None:
                break
            with self._lock:
                fut = self._futures.pop(msg["id"], None)
            if fut is None:
                continue
            deliver(fut, msg, self.maxrss_kb)
        with self._lock:
            pending, self._futures = self._futures, {}
        fail_pending(pending)

    def submit(self, task: dict[str, Any]) -> Future[dict[str, Any]]:
        """Queue one task for the server's function; the Future gets its result."""
        if self._fallback is not None:
            return self._fallback.submit(task)
        assert self._sock is not None
        fut: Future[dict[str, Any]] = Future()
        with self._lock:
            task_id = self._next_id
            self._next_id += 1
            self._futures[task_id] = fut
        try:
            self._sock.sendall((json.dumps({"id": task_id, "task": task}) + "\n").encode())
        except OSError as exc:
            with self._lock:
                self._futures.pop(task_id, None)
            fut.set_exception(RuntimeError(f"the run server stopped unexpectedly ({exc})"))
        return fut

    def close(self, wait: bool = True) -> None:
        """Disconnect; the server stays for the next build (when the build failed, its runs are killed)."""
        if self._fallback is not None:
            self._fallback.close(wait=wait)
            return
        if self._sock is None:
            return
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        if self._reader is not None:
            self._reader.join(timeout=10)
        self._sock = None
