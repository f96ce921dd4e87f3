"""Publishing the reports of a build: assembly (HTML, Word) and printing (PDF) as runs end.

Purpose
    :class:`Publisher` assembles each report as soon as all its runs are done, while other
    runs go on: the HTML and Word files in one thread of the build process
    (:func:`perspectives.assemble.assemble_report`), the PDF in a few more, printed by one
    browser for the whole build (:class:`perspectives.pdf.Printer`, a tab per report). When
    a run server kept between builds took the build's runs (:mod:`perspectives.build.resident`),
    that server assembles and prints each report instead, at the build's request, with the
    same functions (:mod:`perspectives.build.publish_report`): it has imported and read what
    assembly takes, which the build's own process would do again in every build. A
    report one of whose runs failed is not written (its previous version is kept). A report's
    stamp, which tells the next build it is current, is written only once its HTML, Word file
    and PDF are all in place; a report whose page did not print
    (:class:`perspectives.pdf.PrintError`) is not stamped, counts as not written (the build
    exits non-zero) and is printed again by the next build. :meth:`Publisher.finish` waits
    for everything and writes the index.

Inputs
    The run folders of each report, the study and grid, the build's result (filled in); the
    kept run server, when one took the build.

Outputs
    ``<out>/<report folder>/report.html|docx|pdf`` (see :mod:`perspectives.assemble`; the
    report folder is the language's, ``study.report_folder``) and ``<out>/index.html``; the
    reports written, unchanged and not written, in the result; a line on stderr for each
    report assembled and each printed, with its time.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from perspectives.build import publish_report
from perspectives.build.outcome import BuildResult
from perspectives.build.progress import progress
from perspectives.build.resident import ANSWER_SECONDS, Keep, Lines, connect_served
from perspectives.study import SOURCE_LANGUAGE, Grid, Study, report_folder

__all__ = ["Publisher", "ServerPrinter"]

# Seconds a kept run server may take to assemble one report, or to print and seal it, before
# the build gives up on it (a local build has no such limit; a server that died answers at once).
SERVED_SECONDS = 1800.0


class Publisher:
    """Assembles each report as soon as its runs are done, while other runs go on.

    Report assembly (HTML and Word, one report at a time) runs in one thread of the build
    process and PDF printing in a few more (one browser for the build, a tab per report),
    so that assembling the first reports overlaps the runs of the later ones instead of
    waiting for the whole grid. A report one of whose runs failed is not written (its previous
    report is kept); one whose PDF did not print is not stamped. :meth:`finish` waits for
    everything, then writes the index.
    """

    def __init__(self, result: BuildResult, reports: list[str], out: Path, root: Path,
                 study: Study, grid: Grid, jobs: int | None, printer: Any = None,
                 on_html: Callable[[str], None] | None = None, force: bool = False,
                 lang: str = SOURCE_LANGUAGE) -> None:
        """Make a publisher for one build.

        Args:
            result: the build's result; the reports' outcomes are added to it.
            reports: the selected report codes, in study order.
            out: the output folder.
            root: the repository root (a report naming it is refused).
            study: the study.
            grid: the run grid (the sections' order in a report).
            jobs: PDFs printed at a time (default: the CPU count).
            printer: a started :class:`perspectives.pdf.Printer` the caller keeps across
                builds (the preview); it is used and left open. None: one is started on
                first use and closed at the end.
            on_html: called with a report's code as soon as its HTML is written (before its
                Word and PDF files), e.g. to reload it in a browser.
            force: assemble and print every report again (``build --force``): a forced run
                keeps its stamp, and a report is otherwise compared by its runs' stamps.
            lang: the reports' language (their folders are the language's).
        """
        self._own_printer = printer is None
        self._on_html = on_html
        self._force = force
        self.lang = lang
        self.result, self.reports, self.out, self.root = result, reports, out, root
        self.study, self.grid = study, grid
        self.forbidden = [str(out), str(root), str(Path.home())]
        self._html = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assemble")
        self._pdf = ThreadPoolExecutor(max_workers=max(1, jobs or os.cpu_count() or 1),
                                       thread_name_prefix="pdf")
        self._pending: dict[str, Future[Any]] = {}
        self._pdfs: list[Future[None]] = []
        self._outcome: dict[str, tuple[str, str]] = {}  # report -> (kind, message)
        self._printer_lock = threading.Lock()
        self._printer: Any = printer
        self._no_printer: str | None = None
        self._not_printed: dict[str, str] = {}  # report -> why its PDF was not printed
        self._served: Keep | None = None  # the kept run server that publishes the reports (None: this process)

    def report_done(self, code: str, failed: bool) -> None:
        """Every run of ``code`` has finished: assemble it now (or record why not)."""
        if code in self._pending or code in self._outcome:
            return
        if failed:
            self._outcome[code] = ("not_written", "a run failed; previous report.html kept")
            return
        self._pending[code] = self._html.submit(self._assemble_one, code)

    def print_through(self, keep: Keep | None, served: bool, own_study: bool = False) -> None:
        """Publish and print through the run server kept by ``keep``.

        Only where the build's runs go to that server (``served``: the fork engine on this
        machine). Its browser prints the PDFs (:class:`ServerPrinter`) when they are wanted:
        it starts while the runs go on, and stays for the next build. With ``own_study`` (the
        study and grid are the project's own files, which the server reads too) the server
        also assembles each report (:meth:`_assemble_served`); a report it does not take is
        assembled here. Called before :meth:`prepare`, which then imports nothing and starts
        no browser of the build's own.
        """
        if keep is None or not served or not self._own_printer:
            return
        if own_study and keep.root is not None:
            keep.publishes = True
            self._served = keep
        if self._prints():
            keep.prints = True
            self._printer = ServerPrinter(keep)

    def prepare(self) -> None:
        """Get assembly ready while the runs' server starts and one CPU would be idle.

        It imports the assembly's libraries, and starts the browser and prints a first page
        (see ``Printer.warm_up``), unless the build prints through a kept server's browser.
        """
        from perspectives import assemble

        if self._served is None:
            self._pending["(prepare)"] = self._html.submit(assemble.prepare)
        if self._prints() and self._own_printer and self._printer is None:
            self._pdfs.append(self._pdf.submit(self._warm_printer))

    def _prints(self) -> bool:
        """Whether a report of the build may be printed (``PERSPECTIVES_PDF`` may name others only)."""
        from perspectives import pdf_setting

        return pdf_setting.pdf_reports() is None or any(pdf_setting.pdf_wanted(code) for code in self.reports)

    def _get_printer(self) -> Any:
        """The build's one browser, started on first use; None when there is none."""
        from perspectives import pdf

        with self._printer_lock:
            if self._printer is None and self._no_printer is None:
                printer = pdf.Printer()
                try:
                    printer.start()
                    self._printer = printer
                except (pdf.PdfUnavailable, OSError) as exc:
                    self._no_printer = str(exc)
            return self._printer

    def _warm_printer(self) -> None:
        from perspectives import assemble

        printer = self._get_printer()
        if printer is None:
            return
        try:
            printer.warm_up((assemble.TEMPLATES / "report.css").read_text(encoding="utf-8"))
        except Exception as exc:  # noqa: BLE001 - a failed warm-up (or an abort during it) costs
            # only time: each report's own print says loudly if the browser fails.
            progress(f"note: the PDF printer's warm-up failed ({exc})")

    def folder(self, code: str) -> Path:
        """The folder of report ``code`` in the build's language."""
        return self.out / report_folder(code, self.study, self.lang)

    def _label(self, code: str) -> str:
        """How the progress lines name a report: its folder under the output folder (``MDA/ro``)."""
        return report_folder(code, self.study, self.lang)

    def _assemble_one(self, code: str) -> str:
        started = time.perf_counter()
        kind = self._assemble_served(code) if self._served is not None else None
        if kind is None:
            # The PDF starts printing as soon as the HTML is written, while the Word file is made.
            kind, message = publish_report.assemble(code, self.folder(code), self.study, self.grid, self.root,
                                                    self.forbidden, self._force, self._queue_print)
            self._outcome[code] = (kind, message)
        if kind == "written":
            progress(f"{self._label(code)}: report.html and report.docx written in "
                     f"{time.perf_counter() - started:.1f}s")
        return kind

    def _assemble_served(self, code: str) -> str | None:
        """Have the kept run server assemble report ``code`` and print it; what became of it.

        None when no server took it (:meth:`_ask_served`): the build assembles it itself. The
        server's second answer, once the report is printed and sealed, is awaited in a PDF
        thread (:meth:`_await_print`).

        Raises:
            RuntimeError: the server's assembly failed unexpectedly (as the build's own would fail it).
        """
        asked = self._ask_served({"code": code, "lang": self.lang, "force": self._force})
        if asked is None:
            return None
        sock, lines, answer = asked
        kind = str(answer["assembled"])
        self._outcome[code] = (kind, str(answer.get("message", "")))
        if not answer.get("printing"):
            sock.close()
        else:
            if self._on_html is not None:
                self._on_html(code)
            self._pdfs.append(self._pdf.submit(self._await_print, code, sock, lines))
        return kind

    def _await_print(self, code: str, sock: Any, lines: Lines) -> None:
        """The kept server's answer once it printed and sealed report ``code``, said as the build's own print says it."""
        with sock:
            try:
                answer = lines.read()
            except (OSError, ValueError):
                answer = None
        if answer is None:
            self._not_printed[code] = ("report.pdf not printed: the run server stopped before it was; "
                                       "the next build prints it again")
            return
        _say(answer)
        if "error" in answer:
            raise RuntimeError(f"{self._label(code)}: the run server could not print the report: {answer['error']}")
        self._printed(code, answer)

    def _printed(self, code: str, done: dict[str, Any]) -> None:
        """Say what became of a report's PDF (:func:`perspectives.build.publish_report.print_pdf`'s answer)."""
        if "not_printed" in done:
            self._not_printed[code] = str(done["not_printed"])
        elif "skipped" in done:
            progress(f"{self._label(code)}: report.pdf skipped: {done['skipped']}")
        elif "printed" in done:
            progress(f"{self._label(code)}: report.pdf printed in {float(done['printed']):.1f}s")

    def _queue_print(self, code: str, html_path: Path, seal: Callable[[], None]) -> None:
        self._pdfs.append(self._pdf.submit(self._print, code, html_path, seal))
        if self._on_html is not None:
            self._on_html(code)  # the HTML is written: the preview reloads it

    def _print(self, code: str, html_path: Path, seal: Callable[[], None]) -> None:
        """Print a report's PDF; only then may its stamp say the report is current (``seal``)."""
        from perspectives import pdf

        printer = self._get_printer() if pdf.pdf_wanted(code) else None
        self._printed(code, publish_report.print_pdf(code, html_path, seal, printer, self._no_printer))

    def abort(self) -> None:
        """Drop the assembly not yet started and close the browser (the build is stopping)."""
        self._html.shutdown(wait=False, cancel_futures=True)
        self._pdf.shutdown(wait=False, cancel_futures=True)
        with self._printer_lock:
            if self._printer is not None and self._own_printer:
                self._printer.close()
                self._printer = None
            self._no_printer = "the build stopped"

    def finish(self, failed_reports: set[str]) -> None:
        """Assemble what is left, wait for every report and PDF, write the index."""
        try:
            for code in self.reports:
                self.report_done(code, code in failed_reports)
            for fut in list(self._pending.values()):
                fut.result()  # an unexpected error in assembly fails the build loudly
            self._html.shutdown(wait=True)
            for pdf in self._pdfs:
                pdf.result()
        finally:
            self._html.shutdown(wait=True)
            self._pdf.shutdown(wait=True)
            if self._printer is not None and self._own_printer:
                self._printer.close()
        for code in self.reports:  # in report order, whatever order they finished in
            kind, message = self._outcome.get(code, ("", ""))
            if code in self._not_printed:
                kind, message = "not_written", self._not_printed[code]
            if kind == "written":
                self.result.reports_written.append(code)
            elif kind == "unchanged":
                self.result.reports_unchanged.append(code)
            elif kind == "not_written":
                self.result.reports_not_written[code] = message
        if any(code not in failed_reports for code in self.reports):
            self._write_index()

    def _write_index(self) -> None:
        """Write the output folder's index: by the kept run server that published the reports, else here."""
        if not self._index_served():
            from perspectives import assemble

            assemble.write_index(self.out, self.study, self.grid)

    def _ask_served(self, request: dict[str, Any]) -> tuple[Any, Lines, dict[str, Any]] | None:
        """Send ``request`` to the kept run server that took the build; its connection and first answer.

        None when no server took the build, or it is gone, or it is not the one this build
        checked, or it does not take the request (``elsewhere``): the build does the work itself.
        """
        sock = connect_served(self._served) if self._served is not None else None
        if sock is None or self._served is None:
            return None
        lines = Lines(sock)
        try:
            sock.settimeout(SERVED_SECONDS)
            sock.sendall((json.dumps({"publish": request, "pid": self._served.server_pid}) + "\n").encode())
            answer = lines.read()
        except (OSError, ValueError):
            answer = None
        if answer is None or answer.get("elsewhere") or answer.get("pid") != self._served.server_pid:
            sock.close()
            return None
        _say(answer)
        if "error" in answer:
            sock.close()
            raise RuntimeError(f"the run server could not publish {request}: {answer['error']}")
        return sock, lines, answer

    def _index_served(self) -> bool:
        """Have the kept run server write the index (after the reports it published); whether it did."""
        asked = self._ask_served({"index": True})
        if asked is None:
            return False
        asked[0].close()
        return True


def _say(answer: dict[str, Any]) -> None:
    """Say on the build's stderr what the kept server's assembly or print said on its own."""
    if answer.get("said"):
        sys.stderr.write(str(answer["said"]))
        sys.stderr.flush()


class ServerPrinter:
    """Prints a build's reports with the browser of the run server that took the build.

    Used as a :class:`perspectives.pdf.Printer` is. The server prints with ``Printer.print_pdf``
    too, with the same library and browser (in its fingerprint): the same bytes, without the
    browser's start and first page. Where no server took the build (``keep.server_pid`` is
    None), or it does not answer, a browser of the build's own prints.
    """

    def __init__(self, keep: Keep, timeout: float = 120) -> None:
        """Print through the server of ``keep``; ``timeout``: seconds one page may take."""
        self._keep, self.timeout = keep, timeout
        self._own: Any = None
        self._lock = threading.Lock()

    def print_pdf(self, html_path: Path, pdf_path: Path | None = None) -> Path:
        """Print ``html_path`` to ``pdf_path`` (default: beside it, ``.pdf``); its path.

        Raises:
            PrintError: the page did not print (the message says why).
            PdfUnavailable: no browser on this machine.
        """
        from perspectives import pdf

        target = Path(pdf_path) if pdf_path else Path(html_path).with_suffix(".pdf")
        answer = self._ask(Path(html_path), target)
        if answer is None:
            return self._own_printer().print_pdf(html_path, target)
        if answer.get("printed"):
            return target
        if answer.get("kind") == "unavailable":
            raise pdf.PdfUnavailable(str(answer.get("error")))
        raise pdf.PrintError(str(answer.get("error")))

    def _ask(self, html_path: Path, target: Path) -> dict[str, Any] | None:
        """The server's answer to one print, or None (no server took the build, or it is gone)."""
        pid = self._keep.server_pid
        sock = connect_served(self._keep)
        if sock is None:
            return None
        with sock:
            # The server's browser has the page's own deadline; this one only outlives it.
            sock.settimeout(self.timeout * 2 + ANSWER_SECONDS)
            try:
                sock.sendall((json.dumps({"print": {"html": str(html_path.resolve()), "pdf": str(target.resolve())},
                                          "pid": pid}) + "\n").encode())
                answer = Lines(sock).read()
            except (OSError, ValueError):
                return None
        if answer is None or answer.get("elsewhere") or answer.get("pid") != pid:
            return None  # not the server this build checked: it is not trusted with the print
        return answer

    def _own_printer(self) -> Any:
        from perspectives import pdf

        with self._lock:
            if self._own is None:
                printer = pdf.Printer(self.timeout)
                printer.start()
                self._own = printer
            return self._own

    def close(self) -> None:
        """Close the browser of the build's own, if one was started (the server's stays)."""
        with self._lock:
            if self._own is not None:
                self._own.close()
                self._own = None
