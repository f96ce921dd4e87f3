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

    The pages are served by :mod:`perspectives.preview_server` (for this machine's browser
    and the reports only, with a policy that lets only the reload script run), each file
    opened by :mod:`perspectives.preview_files` (regular files below ``outputs/``, no link
    followed).

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
import io
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from perspectives.build import Warm, build, select_reports
from perspectives.build.plan import DATA_GLOBS, FileHasher, LibraryIndex, library_folder, notebook_info
from perspectives.build.schedule import start_server
from perspectives.files import file_error
from perspectives.hashing import sha256_json
from perspectives.preview_server import Events, make_server
from perspectives.project import Project, project_of
from perspectives.study import report_folder

__all__ = ["Preview", "main", "serve"]

WATCHED = ("notebooks", "params", "lib", "data")
# Modules every run server of the preview imports ahead: a section may compute a test or
# draw a heatmap after any edit, and paying for scipy and seaborn in a fork would cost each
# rebuild half a second.
HEAVY_MODULES = ("scipy.stats", "seaborn")


class Preview:
    """The builds of a preview session and the warm processes kept between them.

    Args:
        build_options: keyword arguments of :func:`perspectives.build.build` (countries,
            lang, data_path, conversations_path, jobs, out, timeout).
        root: the study folder (default: the one around the working directory; tests use a
            stand-in project).
        package: the library package (tests use a stand-in).
    """

    def __init__(self, build_options: dict[str, Any], root: Path | None = None,
                 package: str = "perspectives") -> None:
        self.options = dict(build_options)
        self.project: Project = project_of(root)
        self.root = self.project.root
        self.package = package
        self.out = Path(self.options.get("out") or "outputs").resolve()
        self.options["out"] = self.out
        self.events = Events()
        self.study = self.project.study
        self.grid = self.project.grid
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
        library = LibraryIndex(library_folder(self.root, self.package), self.package, FileHasher())
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
                 **({"id_column": self.options["id_column"]} if self.options.get("id_column") else {}),
                 **({"project": str(self.root)} if self.package == "perspectives" else {})})
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


def main(argv: Sequence[str] | None = None, project: Project | None = None) -> int:
    """``perspectives preview``: see the module docstring. Exit 0 after Ctrl-C, 2 on bad usage.

    ``project``: the study folder (default: the one around the working directory).
    """
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
        preview = Preview(options, project.root if project is not None else None)
        serve(preview, args.port, args.open)
    except (ValueError, RuntimeError, OSError) as exc:
        print(f"perspectives preview: {exc}", file=sys.stderr)
        return 2
    return 0
