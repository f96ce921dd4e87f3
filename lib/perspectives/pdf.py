"""Print assembled HTML reports to PDF with one headless Chromium.

Purpose
    The PDF is the HTML report as a browser prints it (same content, same CSS print rules),
    so there is one layout to maintain. Chromium is a maintained converter that installs from
    the distribution's package registry on a fresh machine (Debian/Ubuntu:
    ``apt-get install -y chromium``). One browser serves a whole build: :class:`Printer`
    starts it once and drives it over the DevTools protocol on a pipe (no network port), a
    tab per report, so reports print side by side and no report pays for a browser start
    (about a CPU-second each). Where no Chromium is found the PDF is skipped with a note
    saying how to install it, never faked. The contents give the page each heading starts on:
    the page is printed, the headings' pages read from the print, and printed again with
    them (Chromium has no ``target-counter()``). Once printed, the PDF's bytes are made the same
    for the same HTML and it is tagged for assistive technology (PDF/UA) by
    :mod:`perspectives.pdf_bytes`.

    The browser prints what a partner's data put in a report, so it sees only the report: the
    page is served from an address that resolves nowhere (:data:`REPORT_ORIGIN`), never
    from a ``file://`` path, so it can read no local file; under a policy that allows only
    its inline styles and ``data:`` images and fonts (:data:`SANDBOX_POLICY`); with scripts
    off in the browser and in the tab; every other request it makes is failed by the printer,
    and every host name resolves to nothing. A page that does not print (a dialog, a crash,
    an attempt to leave the report, no answer in time) raises :class:`PrintError` naming
    the cause, and no PDF of it is written.

Inputs
    ``report.html`` (self-contained: CSS and images inline, no network needed); the browser
    from ``PERSPECTIVES_CHROMIUM`` or the first of ``chromium``, ``chromium-browser``,
    ``google-chrome`` on ``PATH``.

Outputs
    ``report.pdf`` beside the HTML (written to a temporary file, then renamed): tagged, with
    ``/Lang``, bookmarks, ``DisplayDocTitle`` and XMP metadata declaring PDF/UA-1.
    ``python -m perspectives.pdf REPORT.html [...]`` prints the given reports.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perspectives import pdf_contents
from perspectives.files import write_atomic
from perspectives.pdf_bytes import document_info, make_accessible, normalise
from perspectives.pdf_contents import CONTENTS_PASSES, contents_slots, destination_pages, fill_contents_pages
from perspectives.pdf_setting import pdf_wanted

__all__ = ["PdfUnavailable", "PrintError", "Printer", "find_chromium", "html_to_pdf", "main", "make_accessible",
           "pdf_expected", "pdf_wanted", "write_pdf"]

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = "install Chromium (Debian/Ubuntu: apt-get install -y chromium) or set PERSPECTIVES_CHROMIUM"
# Flags that keep a headless browser quiet, offline and independent of any user profile.
# Scripts are off in every page (the tab and the page's policy say so too), and every host
# name and address resolves to nothing, so that what the printer's answers to the page's
# requests do not see (a preconnect, a DNS prefetch) goes nowhere either.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-extensions", "--remote-debugging-pipe",
         "--blink-settings=scriptEnabled=false", "--host-resolver-rules=MAP * ~NOTFOUND")
# Where a report is served from while it prints. The name resolves nowhere (RFC 2606 reserves
# .invalid) and is never looked up: the printer answers the page's request for it. A web
# address, not a file:// one, gives the page a web origin, which may load no local file.
REPORT_ORIGIN = "https://report.invalid/"
# The policy the page is served under: inline styles, and images and fonts from data: URIs
# (a report is self-contained); nothing else, so no script, frame, plug-in or remote load.
# ``sandbox`` also stops a meta refresh, forms, pop-ups and downloads.
SANDBOX_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; sandbox"
# Seconds a tab may take to close after its page failed, before the browser is given up.
CLOSE_SECONDS = 10.0
# Page.printToPDF options: the page size and margins come from the report's CSS (@page); the
# PDF is tagged (structure tree from the accessibility tree) with bookmarks from the headings.
PRINT_OPTIONS = {"printBackground": True, "preferCSSPageSize": True, "displayHeaderFooter": False,
                 "generateTaggedPDF": True, "generateDocumentOutline": True}
# The PDF/UA part the XMP metadata declares (ISO 14289-1).
# A page with what a report has (serif and sans text, a table, an image), printed once by
# Printer.warm_up. The 1x1 PNG is white.
_WARM_PAGE = ("<!doctype html><html><head><meta charset=\"utf-8\"><style>{css}</style></head><body>"
              "<main><h1>Warm-up</h1><p>Text, <b>bold</b>, <i>italic</i>, <code>code</code>.</p>"
              "<table><thead><tr><th>Item</th><th>n</th></tr></thead><tbody><tr><td>One</td><td>1</td>"
              "</tr></tbody></table><img alt=\"\" src=\"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"
              "CAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC\"></main></body></html>")


class PdfUnavailable(RuntimeError):
    """No PDF converter on this machine (the message says how to get one)."""


class PrintError(RuntimeError):
    """A page did not print: a dialog, a crash, an attempt to leave the report, no answer in time.

    The message says why in one sentence. No PDF of the page is written.
    """


def find_chromium() -> str | None:
    """The Chromium executable to print with, or None."""
    explicit = os.environ.get("PERSPECTIVES_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else shutil.which(explicit)
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None




_MOVE_FDS_AND_EXEC = ("import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
                      "os.execvp(sys.argv[3], sys.argv[3:])")


def _fd_above(fd: int, floor: int) -> int:
    """``fd`` itself when above ``floor``, else a duplicate above it (the original is closed)."""
    if fd > floor:
        return fd
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, floor + 1)
    os.close(fd)
    return moved


def _where(url: str) -> str:
    """The scheme and host of ``url`` (never its path or query, which may hold data)."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else f"{parts.scheme}:"


@dataclass
class _Tab:
    """One page being printed: what it is served, and how far it got.

    Attributes:
        target: the tab's target id (also its main frame's id).
        url: the address the page is served at (under :data:`REPORT_ORIGIN`).
        body: the report's HTML, the one response the page gets.
        served: whether the page's document was served (it is served once).
        loaded: whether the page's load event came.
        failure: why the page cannot print (a dialog, a crash, a navigation), in one sentence.
    """

    target: str
    url: str
    body: bytes
    served: bool = False
    loaded: bool = False
    failure: str | None = None


# A Unix socket's path holds at most 107 bytes, and Chromium makes its singleton socket two
# folders below its temporary folder: under a long TMPDIR it cannot start, and no PDF is made.
SOCKET_SAFE_BASE = 40


def _short_temp_base() -> str | None:
    """A temporary folder short enough for Chromium's socket (None: the system's own will do)."""
    base = tempfile.gettempdir()
    if len(base) <= SOCKET_SAFE_BASE:
        return None
    for candidate in ("/tmp", "/var/tmp"):
        if os.path.isdir(candidate) and os.access(candidate, os.W_OK | os.X_OK):
            return candidate
    return None


def _landed(name: str, data: bytes) -> dict[str, int]:
    """The page each heading of the print ``data`` of ``name`` landed on (its named destinations)."""
    try:
        return destination_pages(data)
    except Exception as exc:  # noqa: BLE001 - pikepdf's errors are not RuntimeErrors: said as one
        raise PrintError(f"the PDF of {name} could not be read for its contents' pages ({exc})") from exc


class Printer:
    """One headless Chromium, driven over ``--remote-debugging-pipe``; thread-safe.

    ``print_pdf(html, pdf)`` may be called from several threads at once: each call opens
    its own tab, serves it the report, waits for the page's load event, prints, and closes
    the tab. The page runs no script, reaches no network and reads no file: it is served
    from :data:`REPORT_ORIGIN` under :data:`SANDBOX_POLICY`, scripts are off in the browser
    (a launch flag) and in the tab, every request the page makes is answered here (failed,
    but its document), and every host name resolves nowhere. A page that does not print (a
    dialog, a crash, an attempt to leave the report, no answer within ``timeout`` seconds)
    raises :class:`PrintError` at once. Use as a context manager; the browser is started on
    entry and closed on exit.
    """

    def __init__(self, timeout: float = 120) -> None:
        """Make a printer (not started).

        Args:
            timeout: the seconds one page may take from its tab's opening to its PDF.
        """
        self.timeout = timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._profile: tempfile.TemporaryDirectory[str] | None = None
        self._write_lock = threading.Lock()
        self._cond = threading.Condition()
        self._replies: dict[int, dict[str, Any]] = {}
        self._unanswered: set[int] = set()  # commands whose replies nobody waits for
        self._tabs: dict[str, _Tab] = {}  # by session id
        self._answers: queue.SimpleQueue[tuple[str, dict[str, Any], str] | None] = queue.SimpleQueue()
        self._next_id = 0
        self._closed = False
        self._stuck: str | None = None
        self._to_browser: Any = None
        self._from_browser: Any = None
        self._log: Any = None

    def __enter__(self) -> Printer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        """Whether the browser is running and answering: a printer that is not prints no more."""
        return self._proc is not None and self._proc.poll() is None and not self._closed and self._stuck is None

    def start(self) -> None:
        """Start the browser; :class:`PdfUnavailable` when there is none."""
        browser = find_chromium()
        if browser is None:
            raise PdfUnavailable(f"no Chromium found; {INSTALL_HINT}")
        self._profile = tempfile.TemporaryDirectory(prefix="perspectives-chromium-", dir=_short_temp_base())
        # The browser's messages go to a file in its profile: the last one explains a failure.
        self._log = open(Path(self._profile.name) / "chromium.log", "wb")  # noqa: SIM115 - closed in close()
        # The browser reads commands on fd 3 and writes replies on fd 4.
        cmd_read, cmd_write = os.pipe()
        reply_read, reply_write = os.pipe()
        # The browser's ends must not already be fds 3 or 4, or moving one there would
        # overwrite the other: move them above first.
        cmd_read, reply_write = (_fd_above(fd, 4) for fd in (cmd_read, reply_write))
        command = [browser, *FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"]
        # A small Python step moves the pipe ends to fds 3 and 4, then becomes the browser
        # (a shell cannot: dash takes single-digit descriptors only).
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _MOVE_FDS_AND_EXEC, str(cmd_read), str(reply_write), *command],
            pass_fds=(cmd_read, reply_write), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=self._log, start_new_session=True,
            # Chromium's own temporary files (its singleton socket folder) go inside the
            # profile, which close() removes, instead of piling up in the system's folder.
            env={**os.environ, "TMPDIR": self._profile.name})
        os.close(cmd_read)
        os.close(reply_write)
        self._to_browser = os.fdopen(cmd_write, "wb")
        self._from_browser = os.fdopen(reply_read, "rb")
        threading.Thread(target=self._read, name="chromium-reader", daemon=True).start()
        # The page's requests and dialogs are answered from a thread of their own: the reader
        # must never wait on a write to the browser, which may be waiting for its reads.
        threading.Thread(target=self._answer_pages, name="chromium-answers", daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        try:
            while chunk := self._from_browser.read1(1 << 16):
                buffer += chunk
                *messages, buffer = buffer.split(b"\0")
                with self._cond:
                    for raw in messages:
                        msg = json.loads(raw)
                        if "id" not in msg:
                            self._on_event(msg)
                        elif msg["id"] in self._unanswered:
                            self._unanswered.discard(msg["id"])
                        else:
                            self._replies[msg["id"]] = msg
                    self._cond.notify_all()
        except (OSError, ValueError):
            pass  # the pipe closed under the reader, or the browser wrote what is not JSON: it is gone
        finally:
            # Whatever ended the reading, every print waiting on the browser hears it now.
            with self._cond:
                self._closed = True
                self._cond.notify_all()
            self._answers.put(None)

    def _on_event(self, msg: dict[str, Any]) -> None:
        """Follow a page's events (called holding the condition's lock)."""
        method, params = msg.get("method", ""), msg.get("params", {})
        if method == "Target.detachedFromTarget":  # a browser-level event naming the session
            gone = self._tabs.get(params.get("sessionId", ""))
            if gone is not None and gone.failure is None:
                gone.failure = "the page closed before it printed"
            return
        session = msg.get("sessionId", "")
        tab = self._tabs.get(session)
        if tab is None:
            return
        if method == "Page.loadEventFired":
            tab.loaded = True
        elif method == "Fetch.requestPaused":
            self._answer_request(tab, session, params)
        elif method == "Page.javascriptDialogOpening":
            tab.failure = tab.failure or f"the page opened a dialog ({params.get('type', 'alert')})"
            self._answers.put(("Page.handleJavaScriptDialog", {"accept": False}, session))
        elif method == "Inspector.targetCrashed":
            tab.failure = tab.failure or "the browser's page process crashed"

    def _answer_request(self, tab: _Tab, session: str, params: dict[str, Any]) -> None:
        """Serve the page its document once; fail every other request it makes."""
        url = str(params.get("request", {}).get("url", ""))
        document = params.get("resourceType") == "Document"
        if document and not tab.served and url == tab.url:
            tab.served = True
            self._answers.put(("Fetch.fulfillRequest", {
                "requestId": params["requestId"], "responseCode": 200,
                "responseHeaders": [{"name": "Content-Type", "value": "text/html; charset=utf-8"},
                                    {"name": "Content-Security-Policy", "value": SANDBOX_POLICY}],
                "body": base64.b64encode(tab.body).decode("ascii")}, session))
            return
        if document and params.get("frameId") == tab.target:
            tab.failure = tab.failure or f"the page tried to leave the report for {_where(url)}"
        self._answers.put(("Fetch.failRequest", {"requestId": params["requestId"], "errorReason": "BlockedByClient"},
                           session))

    def _answer_pages(self) -> None:
        while (answer := self._answers.get()) is not None:
            method, params, session = answer
            with contextlib.suppress(RuntimeError):  # the browser is gone: the print says so
                self._send(method, params, session, wait=False)

    def _send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
              wait: bool = True) -> int:
        with self._write_lock:
            self._next_id += 1
            msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
            if session:
                msg["sessionId"] = session
            if not wait:
                with self._cond:
                    self._unanswered.add(self._next_id)
            try:
                self._to_browser.write(json.dumps(msg).encode() + b"\0")
                self._to_browser.flush()
            except (BrokenPipeError, ValueError) as exc:  # ValueError: the pipe was closed here
                raise PrintError(f"Chromium stopped ({method}): {self._last_message()}") from exc
            return self._next_id

    def _wait(self, ready: Any, what: str, deadline: float, tab: _Tab | None = None) -> None:
        """Wait until ``ready()``, the tab's failure, the browser's end or the deadline.

        Raises:
            PrintError: the tab failed, the browser stopped, or the deadline passed.
        """
        with self._cond:
            self._cond.wait_for(lambda: ready() or self._closed or (tab is not None and tab.failure is not None),
                                timeout=max(0.0, deadline - time.monotonic()))
            done = ready()
            failure = tab.failure if tab is not None else None
        if failure is not None:
            raise PrintError(failure)
        if done:
            return
        if self._closed:
            raise PrintError(f"Chromium stopped ({what}): {self._last_message()}")
        raise PrintError(f"the page did not print within {self.timeout:g} s (no answer to {what})")

    def _last_message(self) -> str:
        """The browser's last message that is not about the (absent) system bus."""
        try:
            lines = (Path(self._log.name).read_text(errors="replace")).splitlines()
        except (OSError, AttributeError):
            return "no message"
        useful = [ln for ln in lines if ln.strip() and "dbus" not in ln]
        return useful[-1].strip()[:300] if useful else "no message"

    def _call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None, *,
              deadline: float, tab: _Tab | None = None) -> dict[str, Any]:
        msg_id = self._send(method, params, session)
        self._wait(lambda: msg_id in self._replies, method, deadline, tab)
        with self._cond:
            reply = self._replies.pop(msg_id)
        if "error" in reply:
            raise PrintError(f"Chromium refused {method}: {reply['error'].get('message', reply['error'])}")
        return reply.get("result", {})

    def print_pdf(self, html_path: Path, pdf_path: Path | None = None) -> Path:
        """Print ``html_path`` to ``pdf_path`` (default: same name, ``.pdf``); return its path.

        Raises:
            PrintError: the page did not print; the message says why, in one sentence. No PDF
                is written.
        """
        html_path = Path(html_path)
        target = Path(pdf_path) if pdf_path else html_path.with_suffix(".pdf")
        try:
            body = html_path.read_bytes()
        except FileNotFoundError as exc:
            raise PrintError(f"Chromium could not print {html_path.name}: no such file") from exc
        except OSError as exc:
            raise PrintError(f"Chromium could not print {html_path.name}: {exc.strerror}") from exc
        data = self._print_with_contents_pages(html_path.name, body, pdf_contents.previous_pages(target))
        data = normalise(data)
        if not data.startswith(b"%PDF-"):
            raise PrintError(f"Chromium wrote something that is not a PDF for {html_path.name}")
        try:
            data = make_accessible(data, document_info(body))
        except Exception as exc:  # noqa: BLE001 - pikepdf's errors are not RuntimeErrors: said as one
            raise PrintError(f"the PDF of {html_path.name} could not be completed ({exc})") from exc
        write_atomic(target, data)
        return target

    def _print_with_contents_pages(self, name: str, body: bytes, guess: dict[str, int] | None = None) -> bytes:
        """The PDF of the page ``body`` whose contents give the page each heading starts on.

        Chromium has no ``target-counter()``: the page is printed once with its contents'
        page slots empty, for its layout alone (:func:`~perspectives.pdf_contents.layout_copy`), the
        page of each heading is read from the print's named destinations (:func:`destination_pages`), and the page is
        printed again with the numbers written in. A slot's width is fixed by the stylesheet,
        so the numbers move nothing; should a page still move, the page is printed again with
        the new numbers, up to :data:`CONTENTS_PASSES` prints in all. A page without
        contents is printed once.

        ``guess`` (the previous PDF's, :func:`~perspectives.pdf_contents.previous_pages`): printed first; kept where right.

        Raises:
            PrintError: the page did not print, or its numbers did not settle.
        """
        slots = contents_slots(body)
        if not slots:
            return self._print_page(name, body)
        cold = guess is None or any(slot not in guess for slot in slots)
        if cold:  # nothing to guess from: a cheaper print, for the headings' pages alone
            guess = _landed(name, self._print_page(name, pdf_contents.layout_copy(body), {**PRINT_OPTIONS, **pdf_contents.LAYOUT_PRINT}))
        pages = guess
        for _ in range(CONTENTS_PASSES - 1 if cold else CONTENTS_PASSES):
            data = self._print_page(name, fill_contents_pages(body, pages))
            printed = _landed(name, data)
            if all(printed.get(slot) == pages.get(slot) for slot in slots):
                return data
            pages = printed
        raise PrintError(f"the page numbers of {name}'s contents did not settle in {CONTENTS_PASSES} prints")

    def _print_page(self, name: str, body: bytes, options: dict[str, Any] | None = None) -> bytes:
        """The PDF Chromium prints of ``body`` (``options``: default :data:`PRINT_OPTIONS`) as ``name``, in a tab of its own."""
        if self._stuck is not None:
            raise PrintError(self._stuck)
        deadline = time.monotonic() + self.timeout
        tab_id = self._call("Target.createTarget", {"url": "about:blank"}, deadline=deadline)["targetId"]
        session = None
        try:
            session = self._call("Target.attachToTarget", {"targetId": tab_id, "flatten": True},
                                 deadline=deadline)["sessionId"]
            tab = _Tab(tab_id, REPORT_ORIGIN + urllib.parse.quote(name), body)
            with self._cond:
                self._tabs[session] = tab
            for method, params in (("Emulation.setScriptExecutionDisabled", {"value": True}),
                                   ("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}),
                                   ("Inspector.enable", {}), ("Page.enable", {})):
                self._call(method, params, session, deadline=deadline, tab=tab)
            nav = self._call("Page.navigate", {"url": tab.url}, session, deadline=deadline, tab=tab)
            if nav.get("errorText"):
                raise PrintError(f"Chromium could not load {name}: {nav['errorText']}")
            self._wait(lambda: tab.loaded, "the page's load", deadline, tab)
            data = self._call("Page.printToPDF", options or PRINT_OPTIONS, session, deadline=deadline, tab=tab)["data"]
            return base64.b64decode(data)
        finally:
            with self._cond:
                self._tabs.pop(session or "", None)
            self._close_tab(tab_id)

    def _close_tab(self, tab_id: str) -> None:
        """Close a tab; a browser that does not answer within seconds prints no more pages."""
        try:
            self._call("Target.closeTarget", {"targetId": tab_id},
                       deadline=time.monotonic() + min(self.timeout, CLOSE_SECONDS))
        except PrintError as exc:
            if not self._closed:
                self._stuck = f"Chromium stopped answering after an earlier page failed ({exc})"

    def warm_up(self, css: str = "") -> None:
        """Print a small page styled with ``css`` and discard it.

        The browser's first page starts its renderer and print processes and loads the fonts,
        which made the first report's print take about twice as long as the next. A build
        calls this while a CPU is otherwise idle (its runs' server is still importing).
        """
        if self._proc is None or self._profile is None:
            raise RuntimeError("the browser is not running (start() first; a closed printer stays closed)")
        page = Path(self._profile.name) / "warm-up.html"
        page.write_text(_WARM_PAGE.format(css=css), encoding="utf-8")
        self.print_pdf(page, page.with_suffix(".pdf"))

    def close(self) -> None:
        """Close the browser (and its profile folder)."""
        if self._proc is not None:
            # Every print has been written (or reported by print_pdf) and the profile is thrown
            # away: the browser's processes are stopped at once rather than asked to shut
            # down, which takes it a tenth of a second and a build waits for it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, signal.SIGKILL)  # its own session: all its processes
            self._proc.wait()
            for handle in (self._to_browser, self._from_browser):
                with contextlib.suppress(OSError):
                    handle.close()
            self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._profile is not None:
            self._profile.cleanup()
            self._profile = None


def html_to_pdf(html_path: Path, pdf_path: Path | None = None, timeout: int = 120) -> Path:
    """Print one report with a browser of its own (a build shares one :class:`Printer`)."""
    with Printer(timeout) as printer:
        return printer.print_pdf(html_path, pdf_path)


def pdf_expected(code: str | None = None) -> bool:
    """Whether a build prints report ``code``'s PDF: it is wanted (:func:`pdf_wanted`) and a browser is installed.

    A report's stamp records it, so that a report built without a PDF is printed once a
    browser is installed or its PDF is wanted.
    """
    return pdf_wanted(code) and find_chromium() is not None


def write_pdf(code: str, html_path: Path, printer: Printer | None = None) -> bool:
    """Print a report's HTML to the PDF beside it, or say on stderr why there is none.

    Afterwards ``report.pdf`` is the print of this HTML or absent: a PDF of an earlier HTML
    is removed when no new one is printed.

    Args:
        code: the report's code, to name it in messages (and to know whether its PDF is wanted).
        html_path: ``report.html``; the PDF is written beside it.
        printer: a shared :class:`Printer` (one browser for a build); without one, a browser
            is started for this report alone.

    Returns:
        True when the PDF was printed; False when it was skipped (its PDF not wanted, see
        :mod:`perspectives.pdf_setting`; no browser: said on stderr).

    Raises:
        PrintError: the page did not print (the message says why).
    """
    stale = Path(html_path).with_suffix(".pdf")
    if not pdf_wanted(code):
        stale.unlink(missing_ok=True)
        return False
    try:
        if printer is None:
            html_to_pdf(html_path)
        else:
            printer.print_pdf(html_path)
    except PdfUnavailable as exc:
        stale.unlink(missing_ok=True)
        print(f"{code}: report.pdf skipped: {exc}", file=sys.stderr)
        return False
    except PrintError:
        stale.unlink(missing_ok=True)
        raise
    return True


def main(argv: list[str] | None = None) -> int:
    """``python -m perspectives.pdf REPORT.html [...]``: print each report beside itself."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m perspectives.pdf REPORT.html [...]", file=sys.stderr)
        return 2
    failed = 0
    for name in args:
        try:
            print(f"wrote {html_to_pdf(Path(name)).name} for {Path(name).parent.name}")
        except PdfUnavailable as exc:
            print(f"PDF skipped: {exc}", file=sys.stderr)
            return 1
        except PrintError as exc:
            print(f"{name}: not printed: {exc}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
