"""One report's files, assembled and printed: the steps a build and its kept run server share.

Purpose
    A report's HTML and Word files are assembled (:func:`perspectives.assemble.assemble_report`)
    and its PDF printed (:func:`perspectives.pdf.write_pdf`) either in the build's process
    (:class:`perspectives.build.publish.Publisher`) or, when a run server kept between builds
    took the build's runs (:mod:`perspectives.build.resident`), in that server, at the build's
    request (:class:`Publishing`). A command-line build's own process would otherwise import
    nbconvert, Jinja, python-docx and pikepdf, compile nbformat's schema and read the study's
    catalogues again in every build: more CPU than the run of the section a researcher edited.
    The server has done all that once, keeps the browser, and runs the same two functions
    (:func:`assemble` and :func:`print_pdf`), with the same library and inputs (its
    fingerprint), so the files have the same bytes wherever they were made.

    The server takes a request only for a report of the folder it serves: the request names a
    report's code and language, the server finds its folder in the study it was started for
    (:func:`report_of`) and refuses one that resolves outside the served folder. What the
    assembly and the print say on stderr (a cross-reference that names nothing, English left
    in a translation, a PDF skipped) is caught for the thread that said it (:class:`_Said`)
    and sent to the build, which says it as it would have.

Inputs
    A report's code, folder, study and grid, the study folder; for the server, each request
    (``publish``: ``code``, ``lang``, ``force``) and the browser it keeps.

Outputs
    The report's files (see :mod:`perspectives.assemble`); what became of them: the assembly's
    kind (``written``, ``unchanged``, ``not_written``) and the print's (``printed`` with its
    seconds, ``skipped``, ``not_printed`` with why). The server answers a request with two
    JSON lines: the assembly's outcome (``assembled``, ``message``, ``said``, ``printing``),
    then, when a PDF was queued, the print's, once the report is sealed; a request for the
    index (``index``) with one (``indexed``), the folder's ``index.html`` and manifest written.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

__all__ = ["Publishing", "assemble", "print_pdf", "report_of"]

# A print queued by the assembly: (code, the HTML's path, the seal to call once the PDF is in place).
QueuePrint = Callable[[str, Path, Callable[[], None]], None]


def assemble(code: str, folder: Path, study: Any, grid: Any, root: Path, forbidden: Sequence[str], force: bool,
             queue_print: QueuePrint) -> tuple[str, str]:
    """Assemble one report's HTML and Word files; (``written`` | ``unchanged`` | ``not_written``, why not).

    ``queue_print`` is called as soon as the HTML is written (see
    :func:`perspectives.assemble.assemble_report`). Errors other than
    :class:`~perspectives.assemble.AssemblyError` propagate: they fail the build loudly.
    """
    from perspectives import assemble as assembly

    try:
        written = assembly.assemble_report(code, folder, study, grid, root, forbidden=forbidden, force=force,
                                           print_pdf=queue_print)
    except assembly.AssemblyError as exc:
        return "not_written", str(exc)
    return ("written" if written else "unchanged"), ""


def print_pdf(code: str, html_path: Path, seal: Callable[[], None], printer: Any, no_printer: str | None
              ) -> dict[str, Any]:
    """Print a report's PDF with ``printer``, then ``seal`` it; what happened.

    Args:
        code: the report's code (named in messages).
        html_path: its ``report.html``.
        seal: called once the PDF is in place (or rightly absent), never when it failed.
        printer: a started printer (``print_pdf(html_path)``), or None: none (PDFs not
            wanted, or no browser: ``no_printer`` says why).
        no_printer: why there is no printer when PDFs are wanted.

    Returns:
        ``{"printed": seconds}``, ``{"skipped": why}`` (no browser), ``{"not_printed": why}``
        (not sealed: the next build prints it again), or ``{}`` (PDFs not wanted).
    """
    from perspectives import pdf

    done: dict[str, Any] = {}
    if printer is None and pdf.pdf_wanted(code):
        # No browser on this machine: the report is complete without a PDF, as said.
        html_path.with_suffix(".pdf").unlink(missing_ok=True)  # the print of an earlier HTML
        done = {"skipped": no_printer}
    else:
        started = time.perf_counter()
        try:
            printed = pdf.write_pdf(code, html_path, printer)
        except pdf.PrintError as exc:
            # The HTML and Word files are written but not stamped: the next build assembles
            # and prints the report again.
            return {"not_printed": f"report.pdf not printed: {exc}; the next build prints it again"}
        if printed:
            done = {"printed": time.perf_counter() - started}
    seal()
    return done


def report_of(served: str, root: str, request: Any) -> tuple[str, Path] | None:
    """The code and folder of the report a ``publish`` request names, when it is one of the served folder's.

    The folder is found from the code and the language in the study of ``root`` (never given
    by the request), and must resolve, links followed, to a folder inside ``served``.
    Anything else (an unknown code, a language that leads elsewhere, no such folder) is None.
    """
    from perspectives.project import Project
    from perspectives.study import report_folder

    try:
        code, lang = str(request["code"]), str(request["lang"])
        folder = Path(served) / report_folder(code, Project.at(root).study, lang)
        resolved, base = folder.resolve(), Path(served).resolve()
    except (KeyError, TypeError, ValueError, OSError, RuntimeError):
        return None
    if resolved == base or not resolved.is_relative_to(base) or not resolved.is_dir():
        return None
    return code, folder


class _Said:
    """``sys.stderr`` in the server: what a thread that publishes says is kept for its build.

    A thread that registered a list (:meth:`caught`) has its writes appended to it; any other
    thread writes to the server's log as before.
    """

    def __init__(self, real: Any) -> None:
        self.real = real
        self._local = threading.local()

    def write(self, text: str) -> int:
        lines = getattr(self._local, "lines", None)
        if lines is None:
            return self.real.write(text)
        lines.append(text)
        return len(text)

    def flush(self) -> None:
        if getattr(self._local, "lines", None) is None:
            self.real.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    @contextlib.contextmanager
    def caught(self, lines: list[str]) -> Iterator[None]:
        """What this thread says meanwhile goes to ``lines``."""
        self._local.lines = lines
        try:
            yield
        finally:
            self._local.lines = None


class _Browser:
    """The server's browser as :func:`perspectives.pdf.write_pdf` takes a printer."""

    def __init__(self, print_report: Callable[[Path, Path], Any]) -> None:
        self._print_report = print_report

    def print_pdf(self, html_path: Path, pdf_path: Path | None = None) -> Path:
        target = Path(pdf_path) if pdf_path else Path(html_path).with_suffix(".pdf")
        self._print_report(Path(html_path), target)
        return target


class Publishing:
    """The kept run server's side of publishing: each requested report assembled, printed and sealed.

    One report is assembled at a time (in a thread of its own, as a build does), while the
    PDFs of the ones before print in the browser's threads. The server forks no run while a
    report is assembled (:attr:`fork_lock`): a fork made while this thread imports a module
    would leave the run waiting forever for that module's import lock.

    Args:
        served: the output folder the server serves.
        root: the study folder it was started for.
        print_report: prints a page with the server's browser (``(html, pdf)``; raises
            :class:`perspectives.pdf.PdfUnavailable` without a browser).
        print_pool: the threads the prints run in.
        send: sends one answer on a connection; False when the build is gone.
    """

    def __init__(self, served: str, root: str, print_report: Callable[[Path, Path], Any], print_pool: Any,
                 send: Callable[[Any, dict[str, Any]], bool]) -> None:
        self.served, self.root = served, root
        self._browser = _Browser(print_report)
        self._print_pool, self._send = print_pool, send
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="publish")
        self._said: _Said | None = None
        self.fork_lock = threading.Lock()  # held while the assembly works; the server forks only without it

    def _stderr(self) -> _Said:
        if self._said is None:
            self._said = sys.stderr if isinstance(sys.stderr, _Said) else _Said(sys.stderr)
            sys.stderr = self._said
        return self._said

    def warm(self) -> None:
        """A build that publishes through the server starts it or says hello: get the assembly ready (in its thread).

        The code's state (its commit, whether files differ from it) is read once per build,
        as a build's own process reads it: forgotten here, read again by the first report.
        """
        self._pool.submit(self._warm)

    def _warm(self) -> None:
        from perspectives.provenance import code_state

        with self.fork_lock, contextlib.suppress(Exception):  # a failed warm-up costs time only: the assembly says why
            from perspectives import assemble as assembly

            code_state.cache_clear()
            assembly.prepare()

    def submit(self, conn: Any, request: dict[str, Any]) -> None:
        """Publish the report ``request`` names for the build on ``conn`` (in the assembly's thread).

        A request for no report of the served folder (:func:`report_of`) is answered
        ``elsewhere``: the build publishes it itself.
        """
        self._stderr()
        self._pool.submit(self._index if request.get("index") else self._publish, conn, request)

    def _index(self, conn: Any, request: dict[str, Any]) -> None:
        """Write the served folder's index (``index``: after the reports this thread published before)."""
        from perspectives import assemble as assembly
        from perspectives.project import Project

        said: list[str] = []
        try:
            with self.fork_lock, self._stderr().caught(said):
                project = Project.at(self.root)
                answer: dict[str, Any] = {"indexed": assembly.write_index(Path(self.served), project.study,
                                                                          project.grid)}
        except Exception as exc:  # noqa: BLE001 - said to the build, which fails loudly as its own would
            traceback.print_exc()
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        self._send(conn, {**answer, "said": "".join(said), "pid": os.getpid()})

    def _publish(self, conn: Any, request: dict[str, Any]) -> None:
        from perspectives.project import Project

        found = report_of(self.served, self.root, request)
        if found is None:
            self._send(conn, {"elsewhere": True, "pid": os.getpid()})
            return
        code, folder = found
        force = bool(request.get("force"))
        said: list[str] = []
        queued: list[Any] = []
        assembled = threading.Event()

        def queue(code: str, html_path: Path, seal: Callable[[], None]) -> None:
            queued.append(self._print_pool.submit(self._print, conn, code, html_path, seal, assembled))

        try:
            with self.fork_lock, self._stderr().caught(said):
                project = Project.at(self.root)
                forbidden = [self.served, str(project.root), str(Path.home())]
                kind, message = assemble(code, folder, project.study, project.grid, project.root, forbidden, force,
                                         queue)
            answer: dict[str, Any] = {"assembled": kind, "message": message}
        except Exception as exc:  # noqa: BLE001 - said to the build, which fails loudly as its own assembly would
            traceback.print_exc()
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        self._send(conn, {**answer, "said": "".join(said), "printing": bool(queued), "pid": os.getpid()})
        assembled.set()

    def _print(self, conn: Any, code: str, html_path: Path, seal: Callable[[], None],
               assembled: threading.Event) -> None:
        from perspectives import pdf

        said: list[str] = []
        try:
            with self._stderr().caught(said):
                done = print_pdf(code, html_path, seal, self._browser if pdf.pdf_wanted(code) else None, None)
        except Exception as exc:  # noqa: BLE001 - said to the build, which fails loudly
            traceback.print_exc()
            done = {"error": f"{type(exc).__name__}: {exc}"}
        assembled.wait()  # the assembly's answer goes first
        self._send(conn, {**done, "said": "".join(said), "pid": os.getpid()})

    def close(self) -> None:
        """Take no more reports."""
        self._pool.shutdown(wait=False, cancel_futures=True)
