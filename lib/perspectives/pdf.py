"""Print assembled HTML reports to PDF with one headless Chromium.

Purpose
    The PDF is the HTML report as a browser prints it (same content, same CSS print rules),
    so there is one layout to maintain. Chromium is a maintained converter that installs from
    the distribution's package registry on a fresh machine (Debian/Ubuntu:
    ``apt-get install -y chromium``). One browser serves a whole build: :class:`Printer`
    starts it once and drives it over the DevTools protocol on a pipe (no network port), a
    tab per report, so reports print side by side and no report pays for a browser start
    (about a CPU-second each). Where no Chromium is found the PDF is skipped with a note
    saying how to install it, never faked. The dates and document id Chromium stamps into
    every PDF are replaced by fixed values of the same length, so the same HTML gives the
    same bytes.

    The PDF is tagged for assistive technology: Chromium writes the structure tree from the
    page's accessibility tree (headings, lists, tables with their header cells and scopes,
    an image's ``alt`` as its Figure's ``/Alt``) and the bookmarks from the headings
    (``generateTaggedPDF``, ``generateDocumentOutline``). :func:`make_accessible` then adds
    what Chromium does not write, with pikepdf: the XMP metadata stream (``dc:title``,
    ``dc:language``, ``pdfuaid:part``), and it turns the Figure Chromium makes of an HTML
    ``<figure>`` around an image into a ``/Div``, so that each chart is one Figure with its
    ``/Alt`` (a Figure without ``/Alt`` around it would hide the caption from a screen reader
    or be read as a second, undescribed figure). The changes are appended to Chromium's bytes
    as an incremental update (a few milliseconds; rewriting the file took a tenth of a second
    a report) with no timestamp of their own, so the bytes stay reproducible.

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
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from perspectives.files import write_atomic

__all__ = ["PdfUnavailable", "Printer", "find_chromium", "html_to_pdf", "main", "make_accessible", "pdf_wanted",
           "write_pdf"]

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = "install Chromium (Debian/Ubuntu: apt-get install -y chromium) or set PERSPECTIVES_CHROMIUM"
# Flags that keep a headless browser quiet, offline and independent of any user profile.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-extensions", "--remote-debugging-pipe")
FIXED_PDF_DATE = b"D:20210401000000"
# Page.printToPDF options: the page size and margins come from the report's CSS (@page); the
# PDF is tagged (structure tree from the accessibility tree) with bookmarks from the headings.
LOAD_EVENT = "Page.loadEventFired"
PRINT_OPTIONS = {"printBackground": True, "preferCSSPageSize": True, "displayHeaderFooter": False,
                 "generateTaggedPDF": True, "generateDocumentOutline": True}
# The PDF/UA part the XMP metadata declares (ISO 14289-1).
PDFUA_PART = "1"
# A page with what a report has (serif and sans text, a table, an image), printed once by
# Printer.warm_up. The 1x1 PNG is white.
_WARM_PAGE = ("<!doctype html><html><head><meta charset=\"utf-8\"><style>{css}</style></head><body>"
              "<main><h1>Warm-up</h1><p>Text, <b>bold</b>, <i>italic</i>, <code>code</code>.</p>"
              "<table><thead><tr><th>Item</th><th>n</th></tr></thead><tbody><tr><td>One</td><td>1</td>"
              "</tr></tbody></table><img alt=\"\" src=\"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"
              "CAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC\"></main></body></html>")


class PdfUnavailable(RuntimeError):
    """No PDF converter on this machine (the message says how to get one)."""


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


def _normalise(pdf: bytes) -> bytes:
    """Fix the creation/modification dates and the /ID so that equal HTML gives equal bytes.

    Replacements keep every byte length, so the cross-reference offsets stay valid.
    """
    def date(m: re.Match[bytes]) -> bytes:
        value = m.group(2)
        # Keep the time-zone tail as written: only the date and time digits change.
        fixed = FIXED_PDF_DATE + value[len(FIXED_PDF_DATE):] if len(value) >= len(FIXED_PDF_DATE) else value
        return m.group(1) + fixed + m.group(3)

    pdf = re.sub(rb"(/(?:CreationDate|ModDate)\s*\()([^)]*)(\))", date, pdf)
    pdf = _renumber_nodes(pdf)
    return re.sub(rb"(/ID\s*\[\s*<)([0-9A-Fa-f]+)(>\s*<)([0-9A-Fa-f]+)(>)",
                  lambda m: m.group(1) + b"0" * len(m.group(2)) + m.group(3) + b"0" * len(m.group(4))
                  + m.group(5), pdf)


# The structure tree (tagged PDF) names elements after the renderer's DOM node ids, which
# count every node made in the browser's renderer process: two reports printed in tabs at
# once interleave their counts, and the same report gets other numbers from build to build.
_NODE_ID = re.compile(rb"node(\d{8})")


def _renumber_nodes(pdf: bytes) -> bytes:
    """Number the structure elements' ids 0, 1, 2... in the order the renderer made them.

    The ids are only keys of the PDF's ``/IDTree`` (a sorted name tree): a renumbering that
    keeps their order and their length (eight digits) keeps the tree valid and every byte
    offset in place.
    """
    ids = sorted(set(_NODE_ID.findall(pdf)))
    if len(ids) > 10**8:
        raise RuntimeError("more structure elements than eight-digit ids can number")
    rank = {old: b"%08d" % i for i, old in enumerate(ids)}
    return _NODE_ID.sub(lambda m: b"node" + rank[m.group(1)], pdf)


def make_accessible(pdf: bytes) -> bytes:
    """Add to a tagged PDF from Chromium what PDF/UA asks for and Chromium does not write.

    * XMP metadata: the document information (title, dates, producer, creator) as XMP,
      ``dc:language`` from the catalogue's ``/Lang`` and the PDF/UA identification
      (``pdfuaid:part``).
    * One Figure per chart: a ``/Figure`` element with no ``/Alt`` whose children include a
      ``/Figure`` with ``/Alt`` (HTML's ``<figure>`` around an ``<img alt>``) becomes a
      ``/Div``; the image's own Figure keeps its ``/Alt`` and the caption stays readable.
    * The catalogue says the file is tagged (``/MarkInfo``) and that viewers show the
      document's title, not its file name (``DisplayDocTitle``).

    The changed objects (the catalogue, the renamed elements, the new metadata stream) are
    appended as an incremental update, which leaves Chromium's bytes as they are and costs a
    few milliseconds; rewriting the whole file cost a tenth of a second a report. A PDF not
    laid out as Chromium writes it (no classic cross-reference table) is rewritten whole by
    qpdf instead, with a content-derived ``/ID``.

    Args:
        pdf: a PDF Chromium printed (after :func:`_normalise`).

    Returns:
        The PDF's bytes; no timestamp of this step is added, so the same input gives the same
        bytes.

    Raises:
        pikepdf.PdfError: ``pdf`` is not a readable PDF.
    """
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        root = document.Root
        changed = []
        for element in _figure_wrappers(document, pdf):
            element.S = pikepdf.Name.Div
            changed.append(element)
        mark = root.get("/MarkInfo")
        if mark is None or not mark.get("/Marked"):
            root.MarkInfo = pikepdf.Dictionary(Marked=True)
        preferences = root.get("/ViewerPreferences")
        if preferences is None:
            root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
        elif not preferences.get("/DisplayDocTitle"):
            preferences.DisplayDocTitle = True
            if preferences.is_indirect:
                changed.append(preferences)
        xmp = _xmp_packet(document)
        previous = _classic_xref(pdf)
        if previous is None:
            metadata = document.make_indirect(pikepdf.Stream(document, xmp))
            metadata.Type, metadata.Subtype = pikepdf.Name.Metadata, pikepdf.Name.XML
            root.Metadata = metadata
            out = io.BytesIO()
            document.save(out, deterministic_id=True)
            return out.getvalue()
        # The metadata stream takes the next free object number. (pikepdf's make_indirect
        # would find one too, but by loading every object of the file: most of this step's time.)
        number = int(document.trailer.Size)
        if "/Metadata" in root:
            del root.Metadata
        catalog = root.unparse(resolved=True)
        catalog = catalog[:catalog.rindex(b">>")] + b"/Metadata %d 0 R >>" % number
        objects = [(*root.objgen, catalog), *((*obj.objgen, obj.unparse(resolved=True)) for obj in changed),
                   (number, 0, b"<< /Length %d /Subtype /XML /Type /Metadata >>\nstream\n%s\nendstream"
                    % (len(xmp), xmp))]
        return pdf + _incremental_update(len(pdf), previous, document.trailer, objects)


# A structure element of type Figure as Chromium (Skia) writes it, and the object header just
# before it. (Searched for in two steps: a pattern that starts with the digits of an object
# number is tried at every digit of the file's binary streams, fifty times slower.)
_FIGURE_ELEMENT = re.compile(rb"<</Type /StructElem\s*/S /Figure\b")
_OBJECT_HEADER = re.compile(rb"(\d+) (\d+) obj\s*$")
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


def _figure_wrappers(document: Any, pdf: bytes) -> list[Any]:
    """The ``/Figure`` elements without ``/Alt`` that hold a ``/Figure`` with ``/Alt``.

    Candidates are found in the bytes (Chromium writes each element as a plain object), so
    that a report's thousands of elements need not be walked one by one in Python; a PDF whose
    elements are not found that way is walked.
    """
    import pikepdf

    figure = pikepdf.Name.Figure
    candidates = []
    for found in _FIGURE_ELEMENT.finditer(pdf):
        header = _OBJECT_HEADER.search(pdf, max(0, found.start() - 32), found.start())
        if header:
            candidates.append(document.get_object(int(header.group(1)), int(header.group(2))))
    if not candidates and "/StructTreeRoot" in document.Root:
        candidates = _struct_elements_of(document.Root.StructTreeRoot, figure)
    wrappers = []
    for element in candidates:
        kids = element.get("/K")
        children = [k for k in (kids if isinstance(kids, pikepdf.Array) else [kids])
                    if isinstance(k, pikepdf.Dictionary)]
        if element.get("/S") == figure and "/Alt" not in element and any(
                k.get("/S") == figure and "/Alt" in k for k in children):
            wrappers.append(element)
    return wrappers


def _struct_elements_of(tree: Any, kind: Any) -> list[Any]:
    """Every structure element of type ``kind`` under ``tree`` (iteratively: trees are deep)."""
    import pikepdf

    found, pending = [], [tree]
    while pending:
        element = pending.pop()
        if element.get("/S") == kind:
            found.append(element)
        kids = element.get("/K")
        pending.extend(k for k in (kids if isinstance(kids, pikepdf.Array) else [kids])
                       if isinstance(k, pikepdf.Dictionary) and "/S" in k)
    return found


def _classic_xref(pdf: bytes) -> int | None:
    """The offset of the PDF's last cross-reference table, or None.

    If it ends otherwise (a cross-reference stream, or no ``startxref``).
    """
    found = _STARTXREF.search(pdf[-64:])
    if not found:
        return None
    offset = int(found.group(1))
    return offset if pdf[offset:offset + 4] == b"xref" else None


def _incremental_update(size: int, previous: int, trailer: Any, objects: list[tuple[int, int, bytes]]) -> bytes:
    """The bytes appended to a PDF of ``size`` bytes to replace or add ``objects``.

    Each object (number, generation, its serialised value) is written under its number, then
    a cross-reference section for them alone and a trailer pointing back to the previous one
    (ISO 32000-1, 7.5.6: an incremental update).
    """
    out = bytearray(b"\n")
    offsets: dict[int, tuple[int, int]] = {}
    for number, generation, value in objects:
        offsets[number] = (size + len(out), generation)
        out += b"%d %d obj\n%s\nendobj\n" % (number, generation, value)
    xref = size + len(out)
    out += b"xref\n"
    for number in sorted(offsets):
        offset, generation = offsets[number]
        out += b"%d 1\n%010d %05d n \n" % (number, offset, generation)
    trailer.Size = max(int(trailer.Size), max(offsets) + 1)
    trailer.Prev = previous
    out += b"trailer\n%s\nstartxref\n%d\n%%%%EOF\n" % (trailer.unparse(resolved=True), xref)
    return bytes(out)


_PDF_DATE = re.compile(r"D:(\d{4})(\d\d)?(\d\d)?(\d\d)?(\d\d)?(\d\d)?(?:(Z)|([+-])(\d\d)'?(\d\d)?'?)?")


def _xmp_date(value: str) -> str | None:
    """A PDF date (``D:20210401000000+00'00'``) as an XMP date (``2021-04-01T00:00:00+00:00``)."""
    found = _PDF_DATE.match(value)
    if not found:
        return None
    year, month, day, hour, minute, second, zulu, sign, tz_hour, tz_minute = found.groups()
    zone = "Z" if zulu else (f"{sign}{tz_hour}:{tz_minute or '00'}" if sign else "")
    return (f"{year}-{month or '01'}-{day or '01'}T{hour or '00'}:{minute or '00'}:{second or '00'}{zone}")


def _xmp_packet(document: Any) -> bytes:
    """The XMP metadata of ``document``.

    Its information dictionary as XMP, its language and the PDF/UA identification. Written out here
    (a few lines of fixed XML) rather than through pikepdf's metadata editor, which took longer than
    the rest of this step.
    """
    from xml.sax.saxutils import escape

    info = document.docinfo if "/Info" in document.trailer else {}
    text = {key: str(info[key]) for key in ("/Title", "/Producer", "/Creator", "/CreationDate", "/ModDate")
            if key in info}
    fields = []
    if "/Title" in text:
        fields.append('<dc:title><rdf:Alt><rdf:li xml:lang="x-default">'
                      f"{escape(text['/Title'])}</rdf:li></rdf:Alt></dc:title>")
    if "/Lang" in document.Root:
        fields.append(f"<dc:language><rdf:Bag><rdf:li>{escape(str(document.Root.Lang))}</rdf:li></rdf:Bag>"
                      "</dc:language>")
    fields.append("<dc:format>application/pdf</dc:format>")
    if "/Producer" in text:
        fields.append(f"<pdf:Producer>{escape(text['/Producer'])}</pdf:Producer>")
    if "/Creator" in text:
        fields.append(f"<xmp:CreatorTool>{escape(text['/Creator'])}</xmp:CreatorTool>")
    for key, name in (("/CreationDate", "xmp:CreateDate"), ("/ModDate", "xmp:ModifyDate")):
        date = _xmp_date(text.get(key, ""))
        if date:
            fields.append(f"<{name}>{date}</{name}>")
    fields.append(f"<pdfuaid:part>{PDFUA_PART}</pdfuaid:part>")
    body = "\n".join(f"   {field}" for field in fields)
    packet = ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
              '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
              ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
              '  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"'
              ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
              ' xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">\n'
              f"{body}\n"
              "  </rdf:Description>\n"
              " </rdf:RDF>\n"
              "</x:xmpmeta>\n"
              '<?xpacket end="w"?>')
    return packet.encode("utf-8")


_MOVE_FDS_AND_EXEC = ("import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
                      "os.execvp(sys.argv[3], sys.argv[3:])")


def _fd_above(fd: int, floor: int) -> int:
    """``fd`` itself when above ``floor``, else a duplicate above it (the original is closed)."""
    if fd > floor:
        return fd
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, floor + 1)
    os.close(fd)
    return moved


class Printer:
    """One headless Chromium, driven over ``--remote-debugging-pipe``; thread-safe.

    ``print_pdf(html, pdf)`` may be called from several threads at once: each call opens
    its own tab, waits for the page's load event, prints, and closes the tab. Use as a
    context manager; the browser is started on entry and closed on exit.
    """

    def __init__(self, timeout: float = 120) -> None:
        self.timeout = timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._profile: tempfile.TemporaryDirectory[str] | None = None
        self._write_lock = threading.Lock()
        self._cond = threading.Condition()
        self._replies: dict[int, dict[str, Any]] = {}
        self._events: list[dict[str, Any]] = []
        self._next_id = 0
        self._closed = False
        self._to_browser: Any = None
        self._from_browser: Any = None
        self._log: Any = None

    def __enter__(self) -> Printer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the browser; :class:`PdfUnavailable` when there is none."""
        browser = find_chromium()
        if browser is None:
            raise PdfUnavailable(f"no Chromium found; {INSTALL_HINT}")
        self._profile = tempfile.TemporaryDirectory(prefix="perspectives-chromium-")
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
            stdout=subprocess.DEVNULL, stderr=self._log, start_new_session=True)
        os.close(cmd_read)
        os.close(reply_write)
        self._to_browser = os.fdopen(cmd_write, "wb")
        self._from_browser = os.fdopen(reply_read, "rb")
        threading.Thread(target=self._read, name="chromium-reader", daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        while True:
            chunk = self._from_browser.read1(1 << 16)
            if not chunk:
                break
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            with self._cond:
                for raw in messages:
                    msg = json.loads(raw)
                    if "id" in msg:
                        self._replies[msg["id"]] = msg
                    elif msg.get("method") == LOAD_EVENT:
                        # the only event waited for; the browser sends many others
                        self._events.append(msg)
                self._cond.notify_all()
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> int:
        with self._write_lock:
            self._next_id += 1
            msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
            if session:
                msg["sessionId"] = session
            try:
                self._to_browser.write(json.dumps(msg).encode() + b"\0")
                self._to_browser.flush()
            except BrokenPipeError as exc:
                raise RuntimeError(f"Chromium stopped ({method}): {self._last_message()}") from exc
            return self._next_id

    def _wait(self, take: Any, what: str) -> Any:
        """Wait until ``take()`` (which removes what it returns) gives something."""
        got: list[Any] = []

        def ready() -> bool:
            if not got:
                value = take()
                if value is not None:
                    got.append(value)
            return bool(got) or self._closed

        with self._cond:
            if not self._cond.wait_for(ready, timeout=self.timeout):
                raise RuntimeError(f"Chromium did not answer in {self.timeout:.0f} s ({what})")
        if not got:
            raise RuntimeError(f"Chromium stopped ({what}): {self._last_message()}")
        return got[0]

    def _last_message(self) -> str:
        """The browser's last message that is not about the (absent) system bus."""
        try:
            lines = (Path(self._log.name).read_text(errors="replace")).splitlines()
        except (OSError, AttributeError):
            return "no message"
        useful = [ln for ln in lines if ln.strip() and "dbus" not in ln]
        return useful[-1].strip()[:300] if useful else "no message"

    def _call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        msg_id = self._send(method, params, session)
        reply = self._wait(lambda: self._replies.pop(msg_id, None), method)
        if "error" in reply:
            raise RuntimeError(f"Chromium refused {method}: {reply['error'].get('message', reply['error'])}")
        return reply.get("result", {})

    def _event(self, method: str, session: str) -> dict[str, Any]:
        def take() -> dict[str, Any] | None:
            for i, event in enumerate(self._events):
                if event.get("method") == method and event.get("sessionId") == session:
                    return self._events.pop(i)
            return None

        return self._wait(take, method)

    def print_pdf(self, html_path: Path, pdf_path: Path | None = None) -> Path:
        """Print ``html_path`` to ``pdf_path`` (default: same name, ``.pdf``); return its path."""
        html_path = Path(html_path).resolve()
        target = Path(pdf_path) if pdf_path else html_path.with_suffix(".pdf")
        if not html_path.is_file():
            raise RuntimeError(f"Chromium could not print {html_path.name}: no such file")
        tab = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        try:
            session = self._call("Target.attachToTarget", {"targetId": tab, "flatten": True})["sessionId"]
            self._call("Page.enable", session=session)
            nav = self._call("Page.navigate", {"url": html_path.as_uri()}, session=session)
            if nav.get("errorText"):
                raise RuntimeError(f"Chromium could not load {html_path.name}: {nav['errorText']}")
            self._event(LOAD_EVENT, session)
            data = base64.b64decode(self._call("Page.printToPDF", PRINT_OPTIONS, session=session)["data"])
        finally:
            with contextlib.suppress(RuntimeError, OSError):
                self._call("Target.closeTarget", {"targetId": tab})
        data = _normalise(data)
        if not data.startswith(b"%PDF-"):
            raise RuntimeError(f"Chromium wrote something that is not a PDF for {html_path.name}")
        try:
            data = make_accessible(data)
        except Exception as exc:  # noqa: BLE001 - pikepdf's errors are not RuntimeErrors: said as one
            raise RuntimeError(f"the PDF of {html_path.name} could not be completed ({exc})") from exc
        write_atomic(target, data)
        return target

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


def pdf_wanted() -> bool:
    """PDFs are printed unless ``PERSPECTIVES_PDF=0`` (a researcher's quick loop may skip them)."""
    return os.environ.get("PERSPECTIVES_PDF", "1") != "0"


def write_pdf(code: str, html_path: Path, printer: Printer | None = None) -> None:
    """Print a report's HTML to PDF, or say on stderr why there is none.

    A missing browser or a failed print never loses the HTML and Word files already written;
    it is said loudly instead.

    Args:
        code: the report's code, to name it in messages.
        html_path: ``report.html``; the PDF is written beside it.
        printer: a shared :class:`Printer` (one browser for a build); without one, a browser
            is started for this report alone.
    """
    if not pdf_wanted():
        return
    try:
        if printer is None:
            html_to_pdf(html_path)
        else:
            printer.print_pdf(html_path)
    except PdfUnavailable as exc:
        print(f"{code}: report.pdf skipped: {exc}", file=sys.stderr)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"{code}: report.pdf not written: {exc}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """``python -m perspectives.pdf REPORT.html [...]``: print each report beside itself."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m perspectives.pdf REPORT.html [...]", file=sys.stderr)
        return 2
    for name in args:
        try:
            print(f"wrote {html_to_pdf(Path(name)).name} for {Path(name).parent.name}")
        except PdfUnavailable as exc:
            print(f"PDF skipped: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
