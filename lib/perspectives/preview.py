"""Live preview: edit a notebook, parameter or library file and see the report reload.

Purpose
    ``perspectives preview [--country ISO3 ...] [--lang LANG]`` builds the selected reports,
    serves ``outputs/`` on 127.0.0.1 and watches ``notebooks/``, ``params/``, ``lib/`` and
    ``data/`` (with ``watchfiles``). On a change it rebuilds: only the runs whose stamps
    changed execute (:func:`perspectives.build.build`), their reports are reassembled, and the
    open page reloads itself through a server-sent event as soon as its HTML is written,
    like ``quarto preview``, ``mkdocs serve`` or ``sphinx-autobuild``.

    What makes it fast is what it keeps warm between rebuilds: the run server (every library
    module and the heavy numerical libraries imported, the data loaded and validated, fonts
    ready) and the PDF browser. The run server is restarted when what it imported or loaded
    changes (a library module, a data or parameter file, the lock), so a run never sees stale
    code or data; an edited notebook, the common case, reuses it. The files written are the
    bytes a ``perspectives build`` writes (it is the same function); the reload script is
    added to pages as they are served, never to the files.

    Ctrl-C stops the watcher, the HTTP server, the run server and the browser.

    The server is for the browser of this machine and for the reports only. It answers only
    requests whose ``Host`` is ``localhost``, ``127.0.0.1`` or ``[::1]`` with its port (403
    otherwise: a page of another site that rebinds its own name to 127.0.0.1 gets nothing).
    It serves regular files below ``outputs/`` and follows no link (a link is refused even
    when it points inside: the build writes none, and following none leaves no moment
    between a check and the open when a swapped-in link could lead out); a folder without
    ``index.html`` is 404, never a listing; a FIFO or device is refused without being read.
    A malformed address (too long, a control character, ``..``, a backslash, a broken or
    double percent escape) gets 400 or 414; every failure gets a status. Each event stream
    ends within a second of its page closing, and at most ``MAX_STREAMS`` are open at once.
    Pages are served with a Content-Security-Policy that lets only the reload script run
    (by a nonce); a page's own ``<meta>`` policy is given the same nonce (see
    :func:`_with_reload`). The standard library's ``http.server`` with a strict handler of
    our own does this: a page's streams are few, so a thread each costs nothing.

Inputs
    The checkout, the command-line options (as for ``perspectives build``).

Outputs
    The reports under ``--out`` (default ``outputs/``); the URL and one line per rebuild on
    stderr; on ``/__events`` (server-sent events): ``ready`` when a page connects, ``reload``
    when a report's HTML is written, ``built`` when a rebuild is over.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import html
import io
import json
import mimetypes
import os
import queue
import re
import secrets
import select
import shutil
import socket
import stat
import sys
import threading
import time
import unicodedata
from collections.abc import Iterator, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

from perspectives.build import Warm, build, select_reports
from perspectives.build.plan import DATA_GLOBS, FileHasher, LibraryIndex, notebook_info
from perspectives.build.schedule import start_server
from perspectives.files import file_error
from perspectives.hashing import sha256_json
from perspectives.study import load_grid, load_study, repo_root, report_folder

__all__ = ["EVENTS_PATH", "Events", "Handler", "Preview", "Refused", "host_allowed", "main", "make_server",
           "open_served", "request_names", "serve"]

EVENTS_PATH = "/__events"
WATCHED = ("notebooks", "params", "lib", "data")
# Modules every run server of the preview imports ahead: a section may compute a test or
# draw a heatmap after any edit, and paying for scipy and seaborn in a fork would cost each
# rebuild half a second.
HEAVY_MODULES = ("scipy.stats", "seaborn")
# Added before </body> of every HTML page served (never written to a file), with a nonce
# that the page's Content-Security-Policy names: no other script of the page runs.
RELOAD_SCRIPT = (
    "<script nonce=\"{nonce}\">(function(){{var s=new EventSource('" + EVENTS_PATH + "');"
    "s.addEventListener('reload',function(e){{var d=JSON.parse(e.data),p=location.pathname;"
    "if(p.indexOf('/'+d.folder+'/')>=0||p==='/'||p.endsWith('/index.html'))location.reload();}});"
    # A failed rebuild leaves the page as it was: say so on it, not only in the terminal.
    "s.addEventListener('built',function(e){{var d=JSON.parse(e.data),b=document.getElementById('preview-failed');"
    "if(d.ok){{if(b)b.remove();return;}}if(!b){{b=document.createElement('div');b.id='preview-failed';"
    "b.setAttribute('role','alert');b.style.cssText='position:fixed;top:0;left:0;right:0;z-index:9;"
    "padding:.6em 1em;background:#8a1c1c;color:#fff;font:15px sans-serif';document.body.prepend(b);}}"
    "b.textContent='The last rebuild failed'+(d.error?': '+d.error:'')+'. This page shows the previous "
    "build; the terminal names the notebook and the cell.';}});"
    "}})();</script>"
)
# The policy of a served HTML page: its own styles and embedded images, the reload script
# (by its nonce) and its event stream; nothing else runs, loads, frames it or submits.
PAGE_POLICY = ("default-src 'none'; script-src 'nonce-{nonce}'; connect-src 'self'; img-src 'self' data:; "
               "style-src 'self' 'unsafe-inline'; font-src 'self' data:; base-uri 'none'; form-action 'none'; "
               "frame-ancestors 'none'")
# Any other file (an SVG opened on its own runs no script either). A PDF gets none: Chromium
# does not open its PDF viewer in a sandboxed document (crbug 413851) and its viewer's page
# has broken under default-src 'none' (crbug 271452).
FILE_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"
COMMON_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
                  ("Cross-Origin-Resource-Policy", "same-origin"), ("Cache-Control", "no-store"))
# The names a browser on this machine gives the server (DNS rebinding gives it any other).
LOCAL_NAMES = ("localhost", "127.0.0.1", "[::1]")
MAX_TARGET = 2048  # bytes of a request's path and query; a longer one is answered 414
MAX_STREAMS = 16  # event streams open at once (one per open page); more are answered 503
STREAM_POLL = 0.5  # seconds between checks that an event stream's page is still there
HEARTBEAT = 10.0  # seconds of silence after which a stream writes a comment (finds dead peers)
# Whether files can be opened relative to a directory without following links (POSIX).
_WALK = os.open in os.supports_dir_fd and os.stat in os.supports_dir_fd and hasattr(os, "O_NOFOLLOW")


class Events:
    """Server-sent events: every connected page gets every event.

    Args:
        limit: how many pages may listen at once.
    """

    def __init__(self, limit: int = MAX_STREAMS) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._clients: list[queue.Queue[str | None]] = []

    def __len__(self) -> int:
        with self._lock:
            return len(self._clients)

    def subscribe(self) -> queue.Queue[str | None] | None:
        """A new listener's queue, or None when ``limit`` pages listen already."""
        client: queue.Queue[str | None] = queue.Queue()
        with self._lock:
            if len(self._clients) >= self.limit:
                return None
            self._clients.append(client)
        return client

    def unsubscribe(self, client: queue.Queue[str | None]) -> None:
        """Forget a listener (its page closed)."""
        with self._lock:
            if client in self._clients:
                self._clients.remove(client)

    def send(self, event: str, data: dict[str, Any]) -> None:
        """Queue one event for every listener."""
        message = f"event: {event}\ndata: {json.dumps(data, sort_keys=True)}\n\n"
        with self._lock:
            for client in self._clients:
                client.put(message)

    def close(self) -> None:
        """End every stream."""
        with self._lock:
            for client in self._clients:
                client.put(None)


class Refused(Exception):
    """A request the server answers with an error status.

    Args:
        status: the HTTP status.
        explain: one sentence for the error page (never the request's own text).
    """

    def __init__(self, status: HTTPStatus, explain: str) -> None:
        super().__init__(explain)
        self.status = status
        self.explain = explain


class _Directory(Exception):
    """The path names a directory: its URL needs a final slash."""


_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")


def request_names(target: str) -> list[str]:
    """The path components a request target names below the served folder.

    The path is decoded once and must then be plain: printable ASCII on the wire, UTF-8 once
    decoded, no control character, backslash, ``.`` or ``..`` component, and no percent
    escape left over (a doubly encoded path). The query is ignored. A final empty component
    stands for a folder's ``index.html``.

    Args:
        target: the request line's target (``/ALB/report.html?t=1``).

    Returns:
        The components, in order (``["ALB", "report.html"]``); ``[""]`` for ``/``.

    Raises:
        Refused: 414 for a target longer than ``MAX_TARGET``, 400 for anything else above.
    """
    if len(target) > MAX_TARGET:  # http.server decodes the request line as Latin-1: one byte a character
        raise Refused(HTTPStatus.REQUEST_URI_TOO_LONG, "The address is too long.")
    path = target.partition("?")[0]
    if not path.startswith("/") or any(not 0x21 <= ord(c) <= 0x7E for c in target) or "#" in target:
        raise Refused(HTTPStatus.BAD_REQUEST, "The address is not a plain path.")
    if "%" in _PERCENT.sub("", path):
        raise Refused(HTTPStatus.BAD_REQUEST, "The address has a broken percent escape.")
    try:
        text = unquote_to_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(HTTPStatus.BAD_REQUEST, "The address is not UTF-8.") from None
    if any(unicodedata.category(c) == "Cc" for c in text) or "\\" in text or _PERCENT.search(text):
        raise Refused(HTTPStatus.BAD_REQUEST, "The address holds a control character, a backslash or an escape.")
    names = text.split("/")[1:]
    if any(name in (".", "..") for name in names):
        raise Refused(HTTPStatus.BAD_REQUEST, "The address climbs out of its folder.")
    return [name for name in names[:-1] if name] + names[-1:]


def _refusal(exc: OSError) -> Refused:
    """The answer to a file-system error met while looking a file up."""
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return Refused(HTTPStatus.NOT_FOUND, "There is no such file.")
    if exc.errno == errno.ENAMETOOLONG:
        return Refused(HTTPStatus.REQUEST_URI_TOO_LONG, "The address is too long.")
    if exc.errno in (errno.ELOOP, errno.EACCES, errno.EPERM):
        return Refused(HTTPStatus.FORBIDDEN, "The file is not served.")
    return Refused(HTTPStatus.INTERNAL_SERVER_ERROR, "The file could not be read.")


def _kind(mode: int) -> str:
    """What a file is, as ``stat`` tells it: ``file``, ``folder``, ``link`` or ``other``."""
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    return "link" if stat.S_ISLNK(mode) else "other"


def _check_kind(kind: str, last: bool) -> None:
    """Refuse what is not served: a link (anywhere), or a device, FIFO or socket."""
    if kind == "link":
        raise Refused(HTTPStatus.FORBIDDEN, "Links are not followed.")
    if kind == "other":
        raise Refused(HTTPStatus.FORBIDDEN, "Only regular files are served.")
    if kind == "file" and not last:
        raise Refused(HTTPStatus.NOT_FOUND, "There is no such file.")
    if kind == "folder" and last:
        raise _Directory


def open_served(root: Path, names: list[str]) -> tuple[int, os.stat_result]:
    """Open a regular file below ``root`` for reading, following no link on the way.

    Each component is looked up (``lstat``) and opened relative to its folder's descriptor
    with ``O_NOFOLLOW``, so that no link is followed, even one swapped in during the request;
    the file is opened non-blocking and checked again on its descriptor (a FIFO never
    blocks the server). Where the system lacks that (Windows), each component is looked up
    by path and the opened file compared with what was looked up.

    Args:
        root: the served folder (resolved).
        names: path components from :func:`request_names`; ``""`` last means ``index.html``.

    Returns:
        The open descriptor and its ``fstat``; the caller closes it.

    Raises:
        Refused: 404 for a missing file or a folder without ``index.html`` (no listing),
            403 for a link or anything other than a regular file or folder.
        _Directory: the last component is a folder (its URL needs a final slash).
    """
    folder_url = names[-1] == ""
    names = [*names[:-1], names[-1] or "index.html"]
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        if _WALK:
            return _open_walking(root, names, flags)
        return _open_by_path(root, names, flags)
    except OSError as exc:
        raise _refusal(exc) from None
    except _Directory:
        if folder_url:  # a folder named index.html
            raise Refused(HTTPStatus.NOT_FOUND, "There is no such file.") from None
        raise


def _open_walking(root: Path, names: list[str], flags: int) -> tuple[int, os.stat_result]:
    folder = os.open(root, flags | os.O_DIRECTORY)
    try:
        for i, name in enumerate(names):
            last = i == len(names) - 1
            _check_kind(_kind(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode), last)
            if not last:
                child = os.open(name, flags | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
                os.close(folder)
                folder = child
        fd = os.open(names[-1], flags | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    finally:
        os.close(folder)
    return fd, _still_regular(fd)


def _open_by_path(root: Path, names: list[str], flags: int) -> tuple[int, os.stat_result]:
    if any(Path(name).drive or Path(name).root or ":" in name for name in names):  # C:, a stream
        raise Refused(HTTPStatus.NOT_FOUND, "There is no such file.")
    for i in range(1, len(names) + 1):
        _check_kind(_kind(os.lstat(root.joinpath(*names[:i])).st_mode), i == len(names))
    path = root.joinpath(*names)
    looked_up = os.lstat(path)
    fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0))
    opened = _still_regular(fd)
    if (opened.st_dev, opened.st_ino) != (looked_up.st_dev, looked_up.st_ino):
        os.close(fd)
        raise Refused(HTTPStatus.NOT_FOUND, "The file changed while it was opened.")
    return fd, opened


def _still_regular(fd: int) -> os.stat_result:
    """The descriptor's ``fstat``, once it is known to be a regular file (else closed, 403)."""
    opened = os.fstat(fd)
    if not stat.S_ISREG(opened.st_mode):
        os.close(fd)
        raise Refused(HTTPStatus.FORBIDDEN, "Only regular files are served.")
    return opened


def host_allowed(host: str | None, bound: tuple[Any, ...]) -> bool:
    """Whether a ``Host`` header names this server as a browser on this machine does.

    That is ``localhost``, ``127.0.0.1``, ``[::1]`` or the address the server is bound to,
    with its port (or none, on port 80): the check Jupyter Server and webpack-dev-server make
    against DNS rebinding, where a page of another site reaches this server by a name that
    its own DNS points at 127.0.0.1.

    Args:
        host: the request's ``Host`` header (None when absent).
        bound: the server's socket address (host, port, ...).
    """
    if not host:
        return False
    address, port = str(bound[0]), int(bound[1])
    names = {*LOCAL_NAMES, f"[{address}]" if ":" in address else address}
    names.discard("0.0.0.0")  # bound to every interface: that names no one address
    names.discard("[::]")
    allowed = {f"{name}:{port}" for name in names} | (names if port == 80 else set())
    return host.strip().lower() in allowed


def _with_reload(page: bytes, nonce: str) -> bytes:
    """The page with the reload script, and its own CSP (a ``<meta>``) allowing that script.

    A browser enforces every policy a page carries, the response header's and the page's
    ``<meta>`` both: the meta's ``script-src`` (and ``script-src-elem``) are replaced by the
    nonce and its ``connect-src`` by ``'self'`` (the event stream); its other directives stay.
    """
    text = page.decode("utf-8", "surrogateescape")
    head_end = text.lower().find("</head>")
    if head_end >= 0:  # a <meta> policy counts only in the head
        text = _META.sub(lambda m: _meta_allowing(m.group(0), nonce), text[:head_end]) + text[head_end:]
    script = RELOAD_SCRIPT.format(nonce=nonce)
    body_end = text.lower().rfind("</body>")
    text = text + script if body_end < 0 else text[:body_end] + script + text[body_end:]
    return text.encode("utf-8", "surrogateescape")


_META = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+)""")


def _meta_allowing(tag: str, nonce: str) -> str:
    attributes = {name.lower(): html.unescape(value[1:-1] if value[0] in "\"'" else value)
                  for name, value in _ATTRIBUTE.findall(tag)}
    if attributes.get("http-equiv", "").strip().lower() != "content-security-policy":
        return tag
    kept = [d.strip() for d in attributes.get("content", "").split(";")
            if d.strip() and d.split()[0].lower() not in ("script-src", "script-src-elem", "connect-src")]
    policy = "; ".join([*kept, f"script-src 'nonce-{nonce}'", "connect-src 'self'"])
    content = html.escape(policy, quote=False).replace('"', "&quot;")
    return f'<meta http-equiv="Content-Security-Policy" content="{content}">'


def _stream_gone(sock: socket.socket) -> bool:
    """Whether an event stream's page went away: its socket has something to read, or failed.

    A page never writes on its event stream; what it sends is its end (EOF) or a reset.
    """
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class Handler(BaseHTTPRequestHandler):
    """Serves the regular files below one folder, and the event stream.

    Every response carries ``nosniff``, ``no-referrer``, a same-origin resource policy and
    ``no-store``; an HTML page also a Content-Security-Policy that lets only the reload
    script run (by a nonce fresh for each response). A request for another host (DNS
    rebinding) is answered 403, one with a malformed address 400 or 414, and any failure
    with a status: the connection is never dropped without one.
    """

    server_version = "perspectives-preview"
    timeout = 10  # seconds a client may stay silent while sending its request
    root: Path
    events: Events
    _policy: str | None = FILE_POLICY
    _responded = False

    def version_string(self) -> str:
        """The ``Server`` header: the name alone, no Python version."""
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """Say nothing per request: the terminal shows rebuilds."""

    def send_response(self, code: int, message: str | None = None) -> None:
        """Start a response (remembered: a failure after it can only close the connection)."""
        self._responded = True
        super().send_response(code, message)

    def end_headers(self) -> None:
        """Add the headers every response carries, then end them."""
        for name, value in COMMON_HEADERS:
            self.send_header(name, value)
        if self._policy:
            self.send_header("Content-Security-Policy", self._policy)
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        """Answer a GET: a file, the event stream or an error status."""
        self._answer(body=True)

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's name
        """Answer a HEAD: a GET's status and headers."""
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        self._policy, self._responded = FILE_POLICY, False
        try:
            hosts = self.headers.get_all("Host") or []
            if len(hosts) != 1:
                raise Refused(HTTPStatus.BAD_REQUEST, "The request must name one host.")
            if not host_allowed(hosts[0], self.server.server_address):
                raise Refused(HTTPStatus.FORBIDDEN, "The preview answers only to localhost.")
            names = request_names(self.path)
            if body and names == EVENTS_PATH.split("/")[1:]:
                self._stream()
                return
            self._send_file(names, body)
        except Refused as refused:
            self._error(refused.status, refused.explain)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True  # the client went away
        except Exception as exc:  # a bug of ours: answered 500 and said in the terminal
            print(f"preview: {self.command} failed: {exc!r}", file=sys.stderr, flush=True)
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "The preview failed; the terminal says why.")

    def _error(self, status: HTTPStatus, explain: str) -> None:
        """An error status, unless a response has begun (then the connection just closes)."""
        self.close_connection = True
        if not self._responded:
            self._policy = FILE_POLICY
            with contextlib.suppress(OSError):
                self.send_error(status, explain=explain)

    def _send_file(self, names: list[str], body: bool) -> None:
        try:
            fd, info = open_served(self.root, names)
        except _Directory:
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", self.path.partition("?")[0] + "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with os.fdopen(fd, "rb") as file:
            name = names[-1] or "index.html"
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            if kind == "text/html":
                nonce = secrets.token_urlsafe(18)
                data = _with_reload(file.read(), nonce)
                self._policy = PAGE_POLICY.format(nonce=nonce)
                self._headers_for(kind, len(data))
                if body:
                    self.wfile.write(data)
                return
            self._policy = None if kind == "application/pdf" else FILE_POLICY
            self._headers_for(kind, info.st_size)
            if body:
                shutil.copyfileobj(file, self.wfile)

    def _headers_for(self, kind: str, length: int) -> None:
        self.send_response(HTTPStatus.OK)
        charset = "; charset=utf-8" if kind.startswith("text/") or kind.endswith(("json", "xml")) else ""
        self.send_header("Content-Type", kind + charset)
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def _stream(self) -> None:
        """The event stream, until the preview stops or the page goes away."""
        client = self.events.subscribe()
        if client is None:
            self.send_response(HTTPStatus.SERVICE_UNAVAILABLE)
            self.send_header("Retry-After", "5")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            self.wfile.write(b"event: ready\ndata: {}\n\n")
            self.wfile.flush()
            quiet_since = time.monotonic()
            while not _stream_gone(self.connection):
                try:
                    message = client.get(timeout=STREAM_POLL)
                except queue.Empty:
                    if time.monotonic() - quiet_since < HEARTBEAT:
                        continue
                    message = ": still here\n\n"  # a comment: a page ignores it
                if message is None:
                    return
                self.wfile.write(message.encode())
                self.wfile.flush()
                quiet_since = time.monotonic()
        except OSError:
            return
        finally:
            self.close_connection = True
            self.events.unsubscribe(client)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a stream still open never holds the process at exit

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One line, not a traceback, for a connection that failed outside a request."""
        print(f"preview: a connection failed: {sys.exc_info()[1]!r}", file=sys.stderr, flush=True)


def make_server(root: Path, events: Events, port: int = 0, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """An HTTP server for the regular files below ``root`` and the event stream.

    Args:
        root: the folder served (``outputs/``).
        events: where the event stream's events come from.
        port: the port (0 picks a free one).
        host: the address to bind (a loopback address: the preview is for this machine).

    Returns:
        The server, bound and not yet serving (``serve_forever`` in a thread).
    """
    handler = type("PreviewHandler", (Handler,), {"root": Path(root).resolve(), "events": events})
    server_class = type("PreviewServer", (_Server,), {"address_family": socket.AF_INET6 if ":" in host
                                                      else socket.AF_INET})
    return server_class((host, port), handler)


class Preview:
    """The builds of a preview session and the warm processes kept between them.

    Args:
        build_options: keyword arguments of :func:`perspectives.build.build` (countries,
            lang, data_path, conversations_path, jobs, out, timeout).
        root: the checkout (tests use a stand-in project).
        package: the library package (tests use a stand-in).
    """

    def __init__(self, build_options: dict[str, Any], root: Path | None = None,
                 package: str = "perspectives") -> None:
        self.options = dict(build_options)
        self.root = (root or repo_root()).resolve()
        self.package = package
        self.out = Path(self.options.get("out") or "outputs").resolve()
        self.options["out"] = self.out
        self.events = Events()
        self.study = load_study(self.root / "params" / "study.yml")
        self.grid = load_grid(self.root / "params" / "grid.yml")
        self._warm = Warm(on_html=self._html_written)
        self._fingerprint: str | None = None

    def folder(self, code: str) -> str:
        """The folder of report ``code`` under the output folder, in the preview's language (``MDA/ro``)."""
        return report_folder(code, self.study, self.options.get("lang"))

    def _html_written(self, code: str) -> None:
        self.events.send("reload", {"report": code, "folder": self.folder(code), "at": time.time()})

    def fingerprint(self) -> str:
        """Hash of what a run server imports and loads.

        That is the library, the data and parameter files, the given data files and the lock.
        """
        hasher, files = FileHasher(), {}
        patterns = (f"lib/{self.package}/**/*.py", *DATA_GLOBS, "requirements.lock")
        for pattern in patterns:
            for path in sorted(self.root.glob(pattern)):
                if path.is_file() and "__pycache__" not in path.parts:
                    files[path.relative_to(self.root).as_posix()] = hasher(path)
        for key in ("data_path", "conversations_path"):
            if self.options.get(key):
                files[key] = hasher(Path(self.options[key]))
        return sha256_json(files)

    def _ensure_server(self) -> None:
        """Start the run server, or restart it when what it imported or loaded changed."""
        fingerprint = self.fingerprint()
        # A server that died (killed, out of memory) is started again, never reused.
        if self._warm.server is not None and self._warm.server.alive and fingerprint == self._fingerprint:
            return
        self._stop_server()
        library = LibraryIndex(self.root / "lib", self.package, FileHasher())
        preload: set[str] = set()
        for section in self.grid.sections:
            path = self.root / section.notebook
            mods = notebook_info(path, library).modules if path.is_file() else frozenset()
            preload |= set(library.modules) if mods is None else set(mods)
        countries = [c for c in self._reports() if c != self.study.synthesis_code]
        data = {k: (str(Path(self.options[k]).resolve()) if self.options.get(k) else None)
                for k in ("data_path", "conversations_path")}
        warm = (f"{self.package}.report:warm_up",
                {**data, "lang": self.options.get("lang", "en"), "countries": sorted(countries),
                 **({"id_column": self.options["id_column"]} if self.options.get("id_column") else {})})
        self._warm.server = start_server(max(1, self.options.get("jobs") or os.cpu_count() or 1),
                                         library.lib_dir, [*sorted(preload), *HEAVY_MODULES], warm)
        self._fingerprint = fingerprint

    def _reports(self) -> list[str]:
        """The reports the builds make: those asked for, or those of the export's countries.

        The build says what it read; here it is read quietly (or its record is), for the run
        server to warm up the places of the reports the builds will make.
        """
        if self.options.get("countries") or not self.options.get("data_path"):
            return list(self.options.get("countries") or self.study.report_codes)
        keys = ("countries", "data_path", "conversations_path", "lang", "id_column", "out")
        with contextlib.redirect_stderr(io.StringIO()):
            return select_reports(**{k: v for k, v in self.options.items() if k in keys}, root=self.root,
                                  study=self.study, grid=self.grid, package=self.package)

    def _stop_server(self) -> None:
        if self._warm.server is not None:
            self._warm.server.close(wait=False)
            self._warm.server = None

    def rebuild(self) -> Any:
        """One build of the selected reports with the warm processes; its result."""
        self._ensure_server()
        self._ensure_printer()
        return build(root=self.root, package=self.package, warm=self._warm, **self.options)

    def _ensure_printer(self) -> None:
        """Start the browser, or start it again when it died or stopped answering."""
        from perspectives import pdf

        if self._warm.printer is not None and not self._warm.printer.alive:
            self._warm.printer.close()  # every PDF after it would fail: a new browser instead
            self._warm.printer = None
        if self._warm.printer is None and pdf.pdf_wanted():
            printer = pdf.Printer()
            try:
                printer.start()
                self._warm.printer = printer
            except (pdf.PdfUnavailable, OSError) as exc:
                printer.close()
                print(f"preview: no PDFs ({exc})", file=sys.stderr)

    def close(self) -> None:
        """Stop the run server and the browser; tell the pages the preview is over."""
        self._stop_server()
        if self._warm.printer is not None:
            self._warm.printer.close()
            self._warm.printer = None
        self.events.close()


def _changes(root: Path, stop: threading.Event) -> Iterator[set[str]]:
    """Batches of changed paths under the watched folders (outputs and caches left out).

    The first batch is empty and comes once the watcher is in place (its first idle period):
    a change made after it is seen; one made before it is the caller's to catch up on. Later
    empty batches (idle periods) are not yielded.
    """
    import watchfiles

    def relevant(change: Any, path: str) -> bool:
        parts = Path(path).parts
        return not any(p in ("__pycache__", ".ipynb_checkpoints", "outputs") or p.startswith(".")
                       for p in parts[len(root.parts):])

    folders = [str(root / f) for f in WATCHED if (root / f).is_dir()]
    watching = False
    # A 50 ms quiet period groups an editor's save (write, rename) into one change.
    for batch in watchfiles.watch(*folders, watch_filter=relevant, debounce=1600, step=50,
                                  stop_event=stop, yield_on_timeout=True, rust_timeout=200):
        if batch or not watching:
            watching = True
            yield {path for _, path in batch}


def _rebuild(preview: Preview) -> None:
    """One rebuild; the pages hear ``built`` when it is over (failed or not)."""
    try:
        result = preview.rebuild()
        failed = [f"{r.report} {r.section}" for r in result.failed]
        preview.events.send("built", {"ok": result.ok, "at": time.time(),
                                      **({"error": "runs failed: " + ", ".join(failed[:5])} if failed else {})})
    except (ValueError, RuntimeError, OSError) as exc:  # bad input, a full disk: say so, keep watching
        message = file_error(exc) if isinstance(exc, OSError) else str(exc)
        print(f"preview: not rebuilt: {message}", file=sys.stderr, flush=True)
        preview.events.send("built", {"ok": False, "error": message, "at": time.time()})


def serve(preview: Preview, port: int = 8000, open_browser: bool = False) -> None:
    """Build, serve and rebuild on every change until interrupted (Ctrl-C)."""
    preview.rebuild()
    httpd = make_server(preview.out, preview.events, port)
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    threading.Thread(target=httpd.serve_forever, name="preview-http", daemon=True).start()
    stop = threading.Event()
    changes = _changes(preview.root, stop)
    try:
        next(changes)  # the watcher is in place
        # What changed while the first build ran and the watcher started: nothing to do, usually.
        result = preview.rebuild()
        pages = [f"{url}{preview.folder(code)}/report.html"
                 for code in preview.study.report_codes if code in {*result.reports_written, *result.reports_unchanged}]
        print(f"preview: serving {url} ({'ok' if result.ok else 'with failures'})"
              + (f"; the report{'s' if len(pages) > 1 else ''}: {' '.join(pages[:8])}" if pages else "")
              + "; watching notebooks/, params/, lib/, data/; Ctrl-C stops", file=sys.stderr, flush=True)
        if open_browser:
            import webbrowser

            webbrowser.open(url)
        for changed in changes:
            names = sorted(Path(p).relative_to(preview.root).as_posix() for p in changed)
            print(f"preview: changed {', '.join(names[:5])}{' ...' if len(names) > 5 else ''}",
                  file=sys.stderr, flush=True)
            _rebuild(preview)
    except KeyboardInterrupt:
        print("preview: stopping", file=sys.stderr)
    finally:
        stop.set()
        preview.close()
        httpd.shutdown()
        httpd.server_close()


def main(argv: Sequence[str] | None = None) -> int:
    """``perspectives preview``: see the module docstring. Exit 0 after Ctrl-C, 2 on bad usage."""
    ap = argparse.ArgumentParser(prog="perspectives preview", description=__doc__.splitlines()[0])
    ap.add_argument("--country", action="extend", nargs="+", metavar="ISO3", dest="countries",
                    help="report code(s): ISO3 or the synthesis code (default: every report)")
    ap.add_argument("--lang", default="en", help="report language (default: en)")
    ap.add_argument("--data", type=Path, dest="data_path", metavar="PATH", help="survey export to use")
    ap.add_argument("--conversations", type=Path, dest="conversations_path", metavar="PATH")
    ap.add_argument("--id-column", dest="id_column", metavar="NAME", help="the export's respondent id column")
    ap.add_argument("--out", type=Path, default=Path("outputs"), metavar="DIR")
    ap.add_argument("--jobs", type=int, metavar="N")
    ap.add_argument("--port", type=int, default=8000, help="0 picks a free port (default: 8000)")
    ap.add_argument("--open", action="store_true", help="open the index in the default browser")
    args = ap.parse_args(list(sys.argv[1:] if argv is None else argv))
    options = {k: v for k, v in vars(args).items() if k not in ("port", "open") and v is not None}
    try:
        preview = Preview(options)
        serve(preview, args.port, args.open)
    except (ValueError, RuntimeError, OSError) as exc:
        print(f"perspectives preview: {exc}", file=sys.stderr)
        return 2
    return 0
