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

Inputs
    The checkout, the command-line options (as for ``perspectives build``).

Outputs
    The reports under ``--out`` (default ``outputs/``); the URL and one line per rebuild on
    stderr; on ``/__events`` (server-sent events): ``ready`` when a page connects, ``reload``
    when a report's HTML is written, ``built`` when a rebuild is over.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from perspectives.build import Warm, build
from perspectives.build.plan import DATA_GLOBS, FileHasher, LibraryIndex, notebook_info
from perspectives.build.schedule import start_server
from perspectives.escape import csp_allowing_script
from perspectives.hashing import sha256_json
from perspectives.study import load_grid, load_study, repo_root, report_folder

__all__ = ["EVENTS_PATH", "Preview", "main"]

EVENTS_PATH = "/__events"
WATCHED = ("notebooks", "params", "lib", "data")
# Modules every run server of the preview imports ahead: a section may compute a test or
# draw a heatmap after any edit, and paying for scipy and seaborn in a fork would cost each
# rebuild half a second.
HEAVY_MODULES = ("scipy.stats", "seaborn")
# Added before </body> of every HTML page served (never written to a file).
RELOAD_SCRIPT = (
    "<script>(function(){var s=new EventSource('" + EVENTS_PATH + "');"
    "s.addEventListener('reload',function(e){var d=JSON.parse(e.data),p=location.pathname;"
    "if(p.indexOf('/'+d.folder+'/')>=0||p==='/'||p.endsWith('/index.html'))location.reload();});"
    # A failed rebuild leaves the page as it was: say so on it, not only in the terminal.
    "s.addEventListener('built',function(e){var d=JSON.parse(e.data),b=document.getElementById('preview-failed');"
    "if(d.ok){if(b)b.remove();return;}if(!b){b=document.createElement('div');b.id='preview-failed';"
    "b.setAttribute('role','alert');b.style.cssText='position:fixed;top:0;left:0;right:0;z-index:9;"
    "padding:.6em 1em;background:#8a1c1c;color:#fff;font:15px sans-serif';document.body.prepend(b);}"
    "b.textContent='The last rebuild failed'+(d.error?': '+d.error:'')+'. This page shows the previous "
    "build; the terminal names the notebook and the cell.';});"
    "})();</script>"
)


class _Events:
    """Server-sent events: every connected page gets every event."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: list[queue.Queue[str | None]] = []

    def subscribe(self) -> queue.Queue[str | None]:
        client: queue.Queue[str | None] = queue.Queue()
        with self._lock:
            self._clients.append(client)
        return client

    def unsubscribe(self, client: queue.Queue[str | None]) -> None:
        with self._lock:
            if client in self._clients:
                self._clients.remove(client)

    def send(self, event: str, data: dict[str, Any]) -> None:
        message = f"event: {event}\ndata: {json.dumps(data, sort_keys=True)}\n\n"
        with self._lock:
            for client in self._clients:
                client.put(message)

    def close(self) -> None:
        with self._lock:
            for client in self._clients:
                client.put(None)


def _handler(out: Path, events: _Events) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(out), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
            pass  # the terminal shows rebuilds, not every request

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.path.split("?")[0] == EVENTS_PATH:
                self._stream()
                return
            path = Path(self.translate_path(self.path))
            if path.is_dir():
                path = path / "index.html"
            if path.suffix == ".html" and path.is_file():
                # The page's policy allows no script; it is widened for this one script only.
                page = csp_allowing_script(path.read_bytes(), RELOAD_SCRIPT)
                body = page.replace(b"</body>", RELOAD_SCRIPT.encode() + b"</body>", 1)
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)
                return
            super().do_GET()

        def _stream(self) -> None:
            client = events.subscribe()
            try:
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(b"event: ready\ndata: {}\n\n")
                self.wfile.flush()
                while True:
                    message = client.get()
                    if message is None:
                        return
                    self.wfile.write(message.encode())
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return
            finally:
                events.unsubscribe(client)

    return Handler


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
        self.events = _Events()
        self.study = load_study(self.root / "params" / "study.yml")
        self.grid = load_grid(self.root / "params" / "grid.yml")
        self._warm = Warm(on_html=self._html_written)
        self._fingerprint: str | None = None

    def _html_written(self, code: str) -> None:
        self.events.send("reload", {"report": code, "folder": report_folder(code, self.study),
                                    "at": time.time()})

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
        if self._warm.server is not None and fingerprint == self._fingerprint:
            return
        self._stop_server()
        library = LibraryIndex(self.root / "lib", self.package, FileHasher())
        preload: set[str] = set()
        for section in self.grid.sections:
            path = self.root / section.notebook
            mods = notebook_info(path, library).modules if path.is_file() else frozenset()
            preload |= set(library.modules) if mods is None else set(mods)
        countries = [c for c in (self.options.get("countries") or self.study.codes)
                     if c != self.study.synthesis_code]
        data = {k: (str(Path(self.options[k]).resolve()) if self.options.get(k) else None)
                for k in ("data_path", "conversations_path")}
        warm = (f"{self.package}.report:warm_up",
                {**data, "lang": self.options.get("lang", "en"), "countries": sorted(countries),
                 **({"id_column": self.options["id_column"]} if self.options.get("id_column") else {})})
        self._warm.server = start_server(max(1, self.options.get("jobs") or os.cpu_count() or 1),
                                         library.lib_dir, [*sorted(preload), *HEAVY_MODULES], warm)
        self._fingerprint = fingerprint

    def _stop_server(self) -> None:
        if self._warm.server is not None:
            self._warm.server.close(wait=False)
            self._warm.server = None

    def rebuild(self) -> Any:
        """One build of the selected reports with the warm processes; its result."""
        self._ensure_server()
        if self._warm.printer is None:
            from perspectives import pdf

            if pdf.pdf_wanted():
                printer = pdf.Printer()
                try:
                    printer.start()
                    self._warm.printer = printer
                except (pdf.PdfUnavailable, OSError) as exc:
                    print(f"preview: no PDFs ({exc})", file=sys.stderr)
        return build(root=self.root, package=self.package, warm=self._warm, **self.options)

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
    except (ValueError, RuntimeError) as exc:  # bad input or parameters: say so, keep watching
        print(f"preview: not rebuilt: {exc}", file=sys.stderr, flush=True)
        preview.events.send("built", {"ok": False, "error": str(exc), "at": time.time()})


def serve(preview: Preview, port: int = 8000, open_browser: bool = False) -> None:
    """Build, serve and rebuild on every change until interrupted (Ctrl-C)."""
    preview.rebuild()
    httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler(preview.out, preview.events))
    httpd.daemon_threads = True
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    threading.Thread(target=httpd.serve_forever, name="preview-http", daemon=True).start()
    stop = threading.Event()
    changes = _changes(preview.root, stop)
    try:
        next(changes)  # the watcher is in place
        # What changed while the first build ran and the watcher started: nothing to do, usually.
        result = preview.rebuild()
        print(f"preview: serving {url} ({'ok' if result.ok else 'with failures'}); "
              "watching notebooks/, params/, lib/, data/; Ctrl-C stops", file=sys.stderr, flush=True)
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
