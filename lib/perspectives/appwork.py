"""What the partners' page (``perspectives app``) does with a partner's files, apart from the web.

Purpose
    :mod:`perspectives.app` is the page; this module is the work behind it, testable without
    a browser or a server:

    - :mod:`perspectives.appwork_uploads` receives the files: a request body streamed to
      disk with a counter, refused past the limit, the file's own name kept safe.
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
    The uploaded files (received by :mod:`perspectives.appwork_uploads`), the study.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perspectives.appwork_uploads import Upload
from perspectives.study import Study, report_folder

__all__ = [
    "BuildJob",
    "Workspace",
    "build_child",
    "parse_progress",
    "report_files",
]

STOP_WAIT = 20.0  # seconds a build has to stop (run server and browser included) before it is killed


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
