"""The preview's HTTP server: the reports below one folder, each page with its reload script.

Purpose
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
    our own does this: a page's streams are few, so a thread each costs nothing. The file a
    request names is found and opened by :mod:`perspectives.preview_files`.

    Kept apart from :mod:`perspectives.preview`, which watches the sources and rebuilds,
    because this is what a page, hostile or not, talks to.

Inputs
    The folder served and the preview's :class:`Events`.

Outputs
    :func:`make_server`: a bound server; on ``/__events`` (server-sent events): ``ready``
    when a page connects, then what the preview sends (``reload``, ``built``).
"""

from __future__ import annotations

import contextlib
import html
import json
import mimetypes
import os
import queue
import re
import secrets
import select
import shutil
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from perspectives.preview_files import Directory, Refused, open_served, request_names

__all__ = ["EVENTS_PATH", "Events", "Handler", "host_allowed", "make_server"]

EVENTS_PATH = "/__events"
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
MAX_STREAMS = 16  # event streams open at once (one per open page); more are answered 503
STREAM_POLL = 0.5  # seconds between checks that an event stream's page is still there
HEARTBEAT = 10.0  # seconds of silence after which a stream writes a comment (finds dead peers)


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
        except Directory:
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
