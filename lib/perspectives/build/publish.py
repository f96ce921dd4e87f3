"""Publishing the reports of a build: assembly (HTML, Word) and printing (PDF) as runs end.

Purpose
    :class:`Publisher` assembles each report as soon as all its runs are done, while other
    runs go on: the HTML and Word files in one thread of the build process
    (:func:`perspectives.assemble.assemble_report`), the PDF in a few more, printed by one
    browser for the whole build (:class:`perspectives.pdf.Printer`, a tab per report). A
    report one of whose runs failed is not written (its previous version is kept). A report's
    stamp, which tells the next build it is current, is written only once its HTML, Word file
    and PDF are all in place; a report whose page did not print
    (:class:`perspectives.pdf.PrintError`) is not stamped, counts as not written (the build
    exits non-zero) and is printed again by the next build. :meth:`Publisher.finish` waits
    for everything and writes the index.

Inputs
    The run folders of each report, the study and grid, the build's result (filled in).

Outputs
    ``<out>/<report folder>/report.html|docx|pdf`` (see :mod:`perspectives.assemble`; the
    report folder is the language's, ``study.report_folder``) and ``<out>/index.html``; the
    reports written, unchanged and not written, in the result; a line on stderr for each
    report assembled and each printed, with its time.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from perspectives.build.outcome import BuildResult
from perspectives.build.progress import progress
from perspectives.build.resident import Keep, ServerPrinter
from perspectives.study import SOURCE_LANGUAGE, Grid, Study, report_folder

__all__ = ["Publisher"]


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

    def report_done(self, code: str, failed: bool) -> None:
        """Every run of ``code`` has finished: assemble it now (or record why not)."""
        if code in self._pending or code in self._outcome:
            return
        if failed:
            self._outcome[code] = ("not_written", "a run failed; previous report.html kept")
            return
        self._pending[code] = self._html.submit(self._assemble_one, code)

    def print_through(self, keep: Keep | None, served: bool) -> None:
        """Print with the browser of the run server kept by ``keep`` (:class:`~perspectives.build.resident.ServerPrinter`).

        Only where the build's runs go to that server (``served``: the fork engine on this
        machine) and PDFs are wanted: the server starts its browser while the runs go on, and
        keeps it for the next build. Called before :meth:`prepare`, which then starts no
        browser of the build's own.
        """
        if keep is None or not served or not self._prints() or not self._own_printer:
            return
        keep.prints = True
        self._printer = ServerPrinter(keep)

    def prepare(self) -> None:
        """Get assembly ready while the runs' server starts and one CPU would be idle.

        It imports the assembly's libraries, and starts the browser and prints a first page
        (see ``Printer.warm_up``), unless the build prints through a kept server's browser.
        """
        from perspectives import assemble

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
        from perspectives import assemble

        started = time.perf_counter()
        try:
            # The PDF starts printing as soon as the HTML is written, while the Word file is made.
            written = assemble.assemble_report(code, self.folder(code),
                                               self.study, self.grid, self.root, forbidden=self.forbidden,
                                               force=self._force, print_pdf=self._queue_print)
        except assemble.AssemblyError as exc:
            self._outcome[code] = ("not_written", str(exc))
            return "not_written"
        self._outcome[code] = ("written" if written else "unchanged", "")
        if written:
            progress(f"{self._label(code)}: report.html and report.docx written in "
                     f"{time.perf_counter() - started:.1f}s")
        return "written" if written else "unchanged"

    def _queue_print(self, code: str, html_path: Path, seal: Callable[[], None]) -> None:
        self._pdfs.append(self._pdf.submit(self._print, code, html_path, seal))
        if self._on_html is not None:
            self._on_html(code)  # the HTML is written: the preview reloads it

    def _print(self, code: str, html_path: Path, seal: Callable[[], None]) -> None:
        """Print a report's PDF; only then may its stamp say the report is current (``seal``)."""
        from perspectives import pdf

        printer = self._get_printer() if pdf.pdf_wanted(code) else None
        if printer is None and pdf.pdf_wanted(code):
            # No browser on this machine: the report is complete without a PDF, as said.
            html_path.with_suffix(".pdf").unlink(missing_ok=True)  # the print of an earlier HTML
            progress(f"{self._label(code)}: report.pdf skipped: {self._no_printer}")
        else:
            started = time.perf_counter()
            try:
                printed = pdf.write_pdf(code, html_path, printer)
            except pdf.PrintError as exc:
                # The HTML and Word files are written but not stamped: the next build
                # assembles and prints the report again.
                self._not_printed[code] = f"report.pdf not printed: {exc}; the next build prints it again"
                return
            if printed:
                progress(f"{self._label(code)}: report.pdf printed in {time.perf_counter() - started:.1f}s")
        seal()

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
            from perspectives import assemble

            assemble.write_index(self.out, self.study, self.grid)
