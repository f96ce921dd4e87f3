"""What the partners' page (``perspectives app``) does with a partner's files, apart from the web.

Purpose
    :mod:`perspectives.app` is the page; this module is the work behind it, testable without
    a browser or a server:

    - :class:`UploadReceiver` takes a ``multipart/form-data`` request body chunk by chunk (as
      the server receives it) and writes the one file it carries straight to disk, counting
      its bytes: a file over the limit is refused and its part removed as soon as the count
      passes the limit, so an upload is never whole in memory. :func:`clean_name` keeps a
      file's own name (the check and the report name the file) without any character that
      could act on a path or a page.
    - :class:`Workspace` is one partner's private folder (``uploads/`` and ``reports/``, mode
      0700, under the app's own temporary folder) with the files, their checks and the builds.
      :meth:`Workspace.remove` deletes all of it: "Finish and remove my data", and the app's
      shutdown.
    - :class:`BuildJob` runs one build in a child process (:func:`build_child`, which calls
      :func:`perspectives.build.build` exactly as ``perspectives build --country ISO3 --lang
      LANG --data FILE`` does) and follows what it says: runs done out of the total, the
      report's HTML written and its PDF printing, the result or the one-sentence reason it
      failed. A child process, not a thread: the page stays responsive, a build can be
      stopped at once (Finish, shutdown) with its run server and browser, and the build's
      own lines on stderr are its progress, as in a terminal. Its temporary folder (``TMPDIR``,
      which its run server and Chromium inherit) is inside the workspace, so that what they
      leave there goes with the workspace.
    - :func:`report_files` finds a built report's PDF and Word file through
      :func:`perspectives.study.report_folder`, in the language's folder when the build keeps
      languages side by side, so the page never hard-codes the output layout.

Inputs
    Request body chunks, the uploaded files, ``params/study.yml`` (``limits.max_upload_mb``).

Outputs
    Files in the workspace only; the build's outputs in ``<workspace>/reports/<lang>/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perspectives.project import default
from perspectives.rawtable_columns import SUPPORTED
from perspectives.study import Study, report_folder

__all__ = [
    "CONVERSATION_SUFFIXES",
    "DEFAULT_UPLOAD_LIMIT_MB",
    "EXPORT_SUFFIXES",
    "FORM_OVERHEAD",
    "MB",
    "BuildJob",
    "Upload",
    "UploadReceiver",
    "UploadRefused",
    "Workspace",
    "build_child",
    "clean_name",
    "parse_progress",
    "report_files",
    "upload_limit",
]

# The largest file the page accepts when params/study.yml says nothing (limits.max_upload_mb).
# A 200 MB CSV (the size `perspectives check` is measured on) fits.
DEFAULT_UPLOAD_LIMIT_MB = 256
MB = 1 << 20
# What a form adds around its file: the multipart boundaries and part headers, and the
# form's few small fields. A request body may exceed the file limit by this much.
FORM_OVERHEAD = 64 * 1024
# Exports the readers take (their own list), and the conversations as a REFI-QDA project.
EXPORT_SUFFIXES = tuple(SUPPORTED)
CONVERSATION_SUFFIXES = (".qdpx",)
MAX_NAME = 120  # characters of a file's name kept (its extension always kept)
FIELD_PART_LIMIT = 4096  # bytes of a form field other than the file (none is read)
STOP_WAIT = 20.0  # seconds a build has to stop (run server and browser included) before it is killed


# --------------------------------------------------------------------------- the limit


def upload_limit(study: Study | None = None) -> int:
    """The largest upload in bytes: ``limits.max_upload_mb`` of ``params/study.yml`` (MiB).

    Args:
        study: the study (default: the one around the working directory).

    Returns:
        The limit in bytes (:data:`DEFAULT_UPLOAD_LIMIT_MB` MiB when the study sets none).

    Raises:
        ValueError: the setting is not a whole number of at least 1.
    """
    st = study or default().study
    section = st.raw.get("limits") or {}
    value = section.get("max_upload_mb", DEFAULT_UPLOAD_LIMIT_MB) if isinstance(section, dict) else section
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"params/study.yml: limits.max_upload_mb must be a whole number of at least 1, such as "
                         f"{DEFAULT_UPLOAD_LIMIT_MB}, not {value!r}")
    return value * MB


# --------------------------------------------------------------------------- receiving a file


class UploadRefused(Exception):
    """An upload the page does not keep.

    Args:
        status: the HTTP status to answer (400, 413).
        reason: a key of the page's messages (``too_large``, ``no_file``, ``file_type``,
            ``two_files``, ``bad_form``, ``empty``).
        name: the file's name as cleaned, when known.
    """

    def __init__(self, status: int, reason: str, name: str = "") -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.name = name


def clean_name(raw: str) -> str:
    """A file's name as the partner's program shows it, safe as one name in a folder.

    The last component only (any folder a browser sends is dropped), in NFC; letters,
    digits, spaces and ``. - _ ( ) [ ] , +`` are kept and anything else (a slash, a control
    or bidirectional character, a quote, ``<``) becomes ``_``; no leading dot or space; at
    most :data:`MAX_NAME` characters, the extension kept.

    Returns:
        The name, or "" when nothing usable is left.
    """
    base = unicodedata.normalize("NFC", re.split(r"[\\/]", raw)[-1])
    kept = "".join(c if unicodedata.category(c)[0] in "LN" or c in " .-_()[],+" else "_" for c in base)
    kept = re.sub(r"\s+", " ", kept).strip().lstrip(". ")
    if len(kept) > MAX_NAME:
        stem, dot, suffix = kept.rpartition(".")
        kept = (stem[: MAX_NAME - len(suffix) - 1] + dot + suffix) if dot and len(suffix) < 12 else kept[:MAX_NAME]
    return kept if kept.strip("._ ") else ""


def upload_kind(name: str) -> str | None:
    """``export``, ``conversations`` or None (a type the page does not read), by the extension."""
    suffix = Path(name).suffix.lower()
    if suffix in EXPORT_SUFFIXES:
        return "export"
    if suffix in CONVERSATION_SUFFIXES:
        return "conversations"
    return None


@dataclass
class Upload:
    """A file a partner dropped, kept in their workspace.

    Attributes:
        name: its name (:func:`clean_name`).
        path: where it is kept.
        size: its bytes.
        kind: ``export`` or ``conversations``.
        check: what the check said (:func:`perspectives.check.run_check` or
            :func:`perspectives.check.check_conversations`), once it ran.
    """

    name: str
    path: Path
    size: int
    kind: str
    check: dict[str, Any] | None = None

    @property
    def usable(self) -> bool:
        """Whether the check found the file usable."""
        return bool(self.check and self.check.get("usable"))


class UploadReceiver:
    """Writes the one file of a ``multipart/form-data`` body to disk as its chunks arrive.

    Args:
        folder: an empty folder of the workspace to write the file in.
        boundary: the body's multipart boundary (from its ``Content-Type``).
        limit: the largest file, in bytes.

    The file part's bytes go to disk as they are parsed (python-multipart's streaming
    parser); the count is checked on every chunk, so a file over ``limit`` stops the
    receiving with :class:`UploadRefused` (413) and its part is removed. Other fields are
    read up to :data:`FIELD_PART_LIMIT` bytes and ignored.
    """

    def __init__(self, folder: Path, boundary: bytes, limit: int) -> None:
        from python_multipart.multipart import MultipartParser

        self.folder = folder
        self.limit = limit
        self.received = 0  # bytes of the file
        self.body_bytes = 0  # bytes of the whole body
        self.name = ""
        self.kind: str | None = None
        self._path: Path | None = None
        self._fd: int | None = None
        self._header: list[bytes] = [b"", b""]
        self._headers: dict[bytes, bytes] = {}
        self._part_bytes = 0
        self._files = 0
        self._parser = MultipartParser(boundary, {
            "on_part_begin": self._part_begin, "on_header_field": self._header_field,
            "on_header_value": self._header_value, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished, "on_part_data": self._part_data,
            "on_part_end": self._part_end})

    # The parser's callbacks --------------------------------------------------------------

    def _part_begin(self) -> None:
        self._headers, self._part_bytes = {}, 0

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header[0] += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._header[1] += data[start:end]

    def _header_end(self) -> None:
        name, value = self._header
        self._headers[name.strip().lower()] = value.strip()
        self._header = [b"", b""]

    def _headers_finished(self) -> None:
        from python_multipart.multipart import parse_options_header

        # Browsers write the name in UTF-8; Latin-1 keeps those bytes as they are to split the header.
        _, options = parse_options_header(self._headers.get(b"content-disposition", b"").decode("latin-1"))
        if b"filename" not in options:
            return  # a field, not a file
        self._files += 1
        if self._files > 1:
            raise UploadRefused(400, "two_files")
        self.name = clean_name(options[b"filename"].decode("utf-8", "replace"))
        if not self.name:
            raise UploadRefused(400, "no_file")
        self.kind = upload_kind(self.name)
        if self.kind is None:
            raise UploadRefused(400, "file_type", self.name)
        self._path = self.folder / self.name
        self._fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        self._part_bytes += end - start
        if self._fd is None:
            if self._part_bytes > FIELD_PART_LIMIT:
                raise UploadRefused(400, "bad_form")
            return
        self.received += end - start
        if self.received > self.limit:
            raise UploadRefused(413, "too_large", self.name)
        view = memoryview(data)[start:end]
        while view:
            view = view[os.write(self._fd, view):]

    def _part_end(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    # What the server calls ----------------------------------------------------------------

    def write(self, chunk: bytes) -> None:
        """Parse one chunk of the body (its file bytes go to disk).

        Raises:
            UploadRefused: the file is over the limit, of a type the page does not read, or
                the body is not a form the page sent; the partial file is already removed.
        """
        from python_multipart.exceptions import FormParserError

        self.body_bytes += len(chunk)
        try:
            if self.body_bytes > self.limit + FORM_OVERHEAD:
                raise UploadRefused(413, "too_large", self.name)
            self._parser.write(chunk)
        except UploadRefused:
            self.discard()
            raise
        except FormParserError:
            self.discard()
            raise UploadRefused(400, "bad_form", self.name) from None

    def finish(self) -> Upload:
        """The received file, once the whole body is parsed.

        Raises:
            UploadRefused: no file, an empty one, or a body cut short.
        """
        from python_multipart.exceptions import FormParserError

        try:
            self._parser.finalize()
        except FormParserError:
            self.discard()
            raise UploadRefused(400, "bad_form", self.name) from None
        if self._path is None or self.kind is None:
            self.discard()
            raise UploadRefused(400, "no_file")
        if self._fd is not None:  # the body ended inside the file's part
            self.discard()
            raise UploadRefused(400, "bad_form", self.name)
        if self.received == 0:
            self.discard()
            raise UploadRefused(400, "empty", self.name)
        return Upload(self.name, self._path, self.received, self.kind)

    def discard(self) -> None:
        """Close and remove the partial file (idempotent)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
        if self._path is not None:
            with contextlib.suppress(OSError):
                self._path.unlink()


# --------------------------------------------------------------------------- a build


def report_files(out: Path, code: str, lang: str, study: Study | None = None) -> dict[str, Path]:
    """The PDF and Word file of a built report, by kind (``pdf``, ``docx``).

    Looks in the report's folder (:func:`perspectives.study.report_folder`) for the language
    (``MDA/ro/`` when languages are kept side by side), then in the report's folder itself.

    Args:
        out: the build's output folder.
        code: the report's code (ISO3).
        lang: the report's language.
        study: the study (default: the repository's).

    Returns:
        The files found, by kind (empty when the report was not written).
    """
    folder = Path(out) / report_folder(code, study)
    for place in (folder / lang, folder):
        found = {kind: place / f"report.{kind}" for kind in ("pdf", "docx") if (place / f"report.{kind}").is_file()}
        if found:
            return found
    return {}


_RUNS = re.compile(r"^perspectives build: (\d+) runs?, (\d+) to execute")
_DONE = re.compile(r"^\[(\d+)/(\d+)\]")


def parse_progress(line: str) -> tuple[int, int] | None:
    """Runs done and runs due, from one of the build's progress lines (None for another line).

    ``perspectives build: 8 runs, 8 to execute, 0 up to date`` gives ``(0, 8)``;
    ``[3/8] MDA knowledge 0.3s (reason: new)`` gives ``(3, 8)``.
    """
    match = _DONE.match(line)
    if match:
        return int(match.group(1)), int(match.group(2))
    match = _RUNS.match(line)
    if match:
        return 0, int(match.group(2))
    return None


@dataclass
class BuildState:
    """What the page shows of a build.

    Attributes:
        state: ``starting``, ``running``, ``printing``, ``done``, ``failed`` or ``stopped``.
        done: runs finished.
        total: runs due (None until the build has planned).
        message: why it failed, in one paragraph (paths of this machine removed).
        failures: each failed run, as the build describes it.
    """

    state: str = "starting"
    done: int = 0
    total: int | None = None
    message: str = ""
    failures: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        """Whether the build is over (done, failed or stopped)."""
        return self.state in ("done", "failed", "stopped")


class BuildJob:
    """One build of one report in one language, in a child process.

    Args:
        country: the report's ISO3 code.
        lang: the report's language.
        data_path: the partner's export.
        conversations_path: the partner's conversations (a ``.qdpx``), or None.
        out: the output folder (private to the workspace).
        sections: section ids to build (None: every section).
        source: the export's name, for the page.
        hide: folders whose paths never reach the page (the workspace).
        tmp: the temporary folder of the build and its browser (None: the system's).
        project: the study folder to build (None: the one around the working directory).
    """

    def __init__(self, country: str, lang: str, data_path: Path, conversations_path: Path | None, out: Path,
                 sections: list[str] | None = None, source: str = "", hide: tuple[Path, ...] = (),
                 tmp: Path | None = None, project: Path | None = None) -> None:
        self.country, self.lang, self.out, self.source, self.tmp = country, lang, Path(out), source, tmp
        self.options = {"country": country, "lang": lang, "data_path": str(data_path),
                        "conversations_path": str(conversations_path) if conversations_path else None,
                        "out": str(out), "sections": sections, "project": str(project) if project else None}
        self._hide = tuple(str(p) for p in hide if str(p) not in ("", "/"))
        self._lock = threading.Lock()
        self._state = BuildState()
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self.files: dict[str, Path] = {}

    def start(self) -> None:
        """Start the child process and the thread that follows it."""
        self.out.mkdir(parents=True, exist_ok=True, mode=0o700)
        env = dict(os.environ)
        if self.tmp is not None:
            # What the build and its browser put in a temporary folder stays in the workspace,
            # and goes with it when the partner finishes.
            self.tmp.mkdir(parents=True, exist_ok=True, mode=0o700)
            env.update(TMPDIR=str(self.tmp), TEMP=str(self.tmp), TMP=str(self.tmp))
        self._proc = subprocess.Popen(
            [sys.executable, "-c", "from perspectives.appwork import build_child; build_child()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
            # its own session: the terminal's Ctrl-C reaches the app, which stops the build itself
            start_new_session=True)
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(self.options).encode())
        self._proc.stdin.close()
        self._reader = threading.Thread(target=self._follow, name="app-build", daemon=True)
        self._reader.start()

    def snapshot(self) -> BuildState:
        """A copy of the build's state, for the page."""
        with self._lock:
            s = self._state
            return BuildState(s.state, s.done, s.total, s.message, list(s.failures))

    def _follow(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for raw in self._proc.stdout:
            try:
                event = json.loads(raw)
            except ValueError:
                continue
            if isinstance(event, dict):
                self._apply(event)
        code = self._proc.wait()
        with self._lock:
            if not self._state.finished:
                self._state.state = "failed"
                self._state.message = f"The build stopped unexpectedly (exit code {code})."

    def _apply(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        with self._lock:
            s = self._state
            if kind == "line":
                counts = parse_progress(str(event.get("text", "")))
                if counts is not None:
                    s.done, s.total = counts
                    s.state = "running" if s.state == "starting" else s.state
            elif kind == "html":
                s.state = "printing"
            elif kind == "done":
                self.files = report_files(self.out, self.country, self.lang)
                s.failures = [self._hidden(str(f)) for f in event.get("failures", [])]
                not_written = event.get("not_written") or {}
                s.message = self._hidden(" ".join(f"{k}: {v}" for k, v in not_written.items()))
                s.state = "done" if event.get("ok") and "pdf" in self.files and "docx" in self.files else "failed"
            elif kind == "error":
                s.state, s.message = "failed", self._hidden(str(event.get("message", "")))
            elif kind == "stopped":
                s.state = "stopped"

    def _hidden(self, text: str) -> str:
        for path in self._hide:
            text = text.replace(path + os.sep, "").replace(path, "")
        return text

    def stop(self, wait: float = STOP_WAIT) -> None:
        """Stop the build (as Ctrl-C stops ``perspectives build``), then kill what is left.

        The child is asked to stop (SIGTERM: the build stops its run server and browser and
        keeps nothing half-written); after ``wait`` seconds its process group is killed.
        """
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if self._reader is not None:
            self._reader.join(timeout=5)
        with self._lock:
            if not self._state.finished:
                self._state.state = "stopped"

    @property
    def running(self) -> bool:
        """Whether the child process is still there."""
        return self._proc is not None and self._proc.poll() is None


class _Lines:
    """A text stream that hands each complete line to a function (thread-safe)."""

    def __init__(self, each: Callable[[str], None]) -> None:
        self._each = each
        self._lock = threading.Lock()
        self._pending = ""

    def write(self, text: str) -> int:
        with self._lock:
            lines = (self._pending + text).split("\n")
            self._pending = lines.pop()
            for line in lines:
                self._each(line)
        return len(text)

    def flush(self) -> None:
        """Nothing to flush: lines go out whole."""

    def isatty(self) -> bool:
        """Never a terminal."""
        return False


def _interrupted(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def build_child() -> None:
    """The child process of a :class:`BuildJob`: one build, told to the page as JSON lines.

    Reads the options (JSON) on stdin and calls :func:`perspectives.build.build` as
    ``perspectives build --country ISO3 --lang LANG --data FILE --out DIR`` does. Writes one
    JSON object per line on its stdout: ``line`` (each line the build prints, its progress),
    ``html`` (a report's HTML is written; its PDF is printing), then ``done``, ``error`` or
    ``stopped``. Anything else that writes to the standard output (the run server, a library)
    goes to stderr, so that the page's channel holds only these lines. SIGTERM stops the
    build as Ctrl-C does.
    """
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    lock = threading.Lock()

    def send(event: str, **data: Any) -> None:
        with lock:
            channel.write(json.dumps({"event": event, **data}) + "\n")
            channel.flush()

    signal.signal(signal.SIGTERM, _interrupted)
    options = json.loads(sys.stdin.read())
    terminal = sys.stderr

    def line(text: str) -> None:
        send("line", text=text)
        print(text, file=terminal, flush=True)

    sys.stderr = _Lines(line)  # type: ignore[assignment]
    try:
        from perspectives.build import Warm, build

        result = build(countries=[options["country"]], sections=options.get("sections"),
                       data_path=options["data_path"], conversations_path=options.get("conversations_path"),
                       lang=options["lang"], out=Path(options["out"]),
                       root=Path(options["project"]) if options.get("project") else None,
                       warm=Warm(on_html=lambda code: send("html", report=code)))
    except KeyboardInterrupt:
        send("stopped")
    except OSError as exc:
        send("error", message=f"{exc.strerror or exc}" + (f" ({Path(os.fsdecode(exc.filename)).name})"
                                                         if exc.filename else ""))
    except (ValueError, RuntimeError) as exc:
        send("error", message=str(exc))
    else:
        send("done", ok=result.ok, written=result.reports_written, unchanged=result.reports_unchanged,
             not_written=result.reports_not_written, failures=[r.describe_failure() for r in result.failed])
    finally:
        sys.stderr = terminal


# --------------------------------------------------------------------------- a partner's workspace


class Workspace:
    """One partner's private folder, files, checks and builds.

    Args:
        folder: an empty folder of this workspace's own (``tempfile.mkdtemp``: mode 0700).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.uploads: dict[str, Upload] = {}  # by kind: "export", "conversations"
        self.builds: list[BuildJob] = []
        self._count = 0

    def new_upload_folder(self) -> Path:
        """An empty folder for the next upload (each upload keeps its own name in its own folder)."""
        self._count += 1
        path = self.folder / "uploads" / str(self._count)
        path.mkdir(parents=True, mode=0o700)
        return path

    def keep(self, upload: Upload) -> None:
        """Keep an upload in place of the previous one of its kind (whose file is removed)."""
        before = self.uploads.get(upload.kind)
        self.uploads[upload.kind] = upload
        if before is not None and before.path != upload.path:
            shutil.rmtree(before.path.parent, ignore_errors=True)

    def out_folder(self, lang: str) -> Path:
        """The build's output folder for one language (one per language: no build overwrites another's)."""
        return self.folder / "reports" / lang

    @property
    def running(self) -> BuildJob | None:
        """The build of this workspace still running, if any."""
        return next((job for job in self.builds if job.running), None)

    def remove(self) -> None:
        """Stop any build and delete the folder and everything in it."""
        for job in self.builds:
            job.stop()
        self.uploads.clear()
        for _ in range(5):  # a dying build's last file may land while the tree is removed
            shutil.rmtree(self.folder, ignore_errors=True)
            if not self.folder.exists():
                return
            time.sleep(0.2)
        shutil.rmtree(self.folder)  # say why, the last time
