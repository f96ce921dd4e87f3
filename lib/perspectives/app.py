"""``perspectives app``: a page on this computer where a partner builds their national report.

Purpose
    For a partner's communications or M&E officer, who would not use a terminal:
    ``perspectives app`` serves one page on http://127.0.0.1 (and opens it in the browser)
    where they

    1. drop their export (CSV, Excel, SPSS or ZIP; a REFI-QDA ``.qdpx`` of the conversations
       too, if they have one), up to the size ``limits.max_upload_mb`` of ``params/study.yml``
       allows (:data:`perspectives.appwork_uploads.DEFAULT_UPLOAD_LIMIT_MB` MB when it says nothing);
    2. read the check in plain words, in the page's language: what was recognised, what was
       changed, and what is wrong and how to fix it (the results of
       :func:`perspectives.check.run_check` and :func:`perspectives.check.check_conversations`,
       the code behind ``perspectives check``, put in words by :mod:`perspectives.appviews`);
    3. pick the country (of those the file holds) and the report's language, build, and follow
       the progress: runs done out of the total, then printing
       (:class:`perspectives.appwork.BuildJob` runs :func:`perspectives.build.build`, the code
       behind ``perspectives build``);
    4. download the PDF and the Word file;
    5. press "Finish and remove my data": the file, its check and everything built from it are
       deleted from this computer. Stopping the app (Ctrl-C, closing its window) does the same.
       Only the reports they downloaded stay.

    One build runs at a time, on the whole app: a second one is refused with a sentence
    saying a build is running, until it ends.

    This module starts the page and routes its addresses; what it keeps between requests
    (the workspaces, the one build, the private folder) is :mod:`perspectives.app_state`'s,
    and each address's answer :mod:`perspectives.app_handlers`'.

Why Tornado, and not a Voilà app
    A Jupyter project would reach for Voilà (a notebook with ipywidgets served as a page) or
    for the server Jupyter itself runs on, Tornado. Weighed for this page:

    - Uploads. ipywidgets' ``FileUpload`` sends the file's whole content to the kernel over
      the widget's websocket, as one message held in memory (and Jupyter Server caps such
      messages); a bounded upload streamed to disk cannot be written with it. Tornado's
      ``stream_request_body`` hands the body over chunk by chunk, so the file goes to disk
      with a counter and is refused the moment it passes the limit.
    - Hardening. A Voilà page runs the widgets' JavaScript and a kernel that executes code;
      its policy must allow scripts it does not control. A page of our own needs only its
      one script file (``script-src 'self'``), and Tornado has the CSRF token (``_xsrf``)
      built in; the Host check is the preview's (:func:`perspectives.preview_server.host_allowed`).
    - Accessibility. We write the HTML: labelled controls, real buttons and headings, the
      keyboard order of the page, status messages in ``aria-live`` regions, each message in
      the page's language through the project's catalogues (:class:`perspectives.i18n.Translator`).
      ipywidgets' controls give less of this to adjust.
    - Dependencies and start-up. Tornado is already installed (JupyterLab runs on it; it is
      declared directly since we import it); Voilà would be new and starts a kernel for
      each visit (seconds), where this page answers at once.
    - Tests. Plain HTTP requests and a browser driven by Playwright, against the same code.

Safety
    Nothing uploaded leaves the machine: the page loads nothing from elsewhere, and the build
    runs here. Every response carries a strict Content-Security-Policy (its own script and
    stylesheet only; no frame, no other origin), ``nosniff``, a same-origin referrer policy and
    ``no-store``. A request whose ``Host`` is not one of localhost's names is refused (403:
    DNS rebinding); a POST must carry the page's CSRF token and an ``Origin`` of this page
    (403 otherwise). Every text from a partner's file (names, columns, values, messages) is
    escaped where the page shows it (:func:`perspectives.escape.html_text`, applied to every
    value a template prints). Uploads go to a private temporary folder (mode 0700) with their
    own names cleaned (:func:`perspectives.appwork_uploads.clean_name`), and are streamed to disk; a
    download names a built report by its number in the workspace, never by a path.

Inputs
    ``--port`` (default 8765; 0 picks a free one), ``--no-browser``, ``--section ID``
    (build only these sections: a quicker trial), ``--upload-limit-mb N`` (instead of the
    study's), and the files a partner drops.

Outputs
    The page; the reports in the workspace until the partner finishes. On stderr: the
    address, and each build's progress lines, as ``perspectives build`` prints them.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import signal
import sys
from collections.abc import Sequence

import tornado.httpserver
import tornado.netutil
import tornado.web

from perspectives.app_handlers import (
    AssetHandler,
    BuildHandler,
    DownloadHandler,
    FinishedHandler,
    FinishHandler,
    NoIconHandler,
    NotFoundHandler,
    PageHandler,
    RemoveConversationsHandler,
    StatusHandler,
    UploadHandler,
)
from perspectives.app_state import App
from perspectives.appwork_uploads import MB
from perspectives.project import Project, default

__all__ = ["App", "main", "make_application"]

DEFAULT_PORT = 8765


def make_application(app: App) -> tornado.web.Application:
    """The Tornado application of the page, over the app's state."""
    routes = [
        (r"/", PageHandler), (r"/status", StatusHandler), (r"/upload", UploadHandler), (r"/build", BuildHandler),
        (r"/remove-conversations", RemoveConversationsHandler), (r"/finish", FinishHandler),
        (r"/finished", FinishedHandler), (r"/download/(\d{1,4})/(pdf|docx)", DownloadHandler),
        (r"/(app\.css|app\.js)", AssetHandler), (r"/favicon\.ico", NoIconHandler),
    ]
    return tornado.web.Application(
        [(pattern, handler, {"app": app}) for pattern, handler in routes],
        default_handler_class=NotFoundHandler, default_handler_args={"app": app},
        xsrf_cookies=True, xsrf_cookie_kwargs={"httponly": True, "samesite": "Strict"},
        cross_origin_protection=True, compress_response=False, serve_traceback=False,
        log_function=lambda handler: None)


def listen(app: App, port: int = DEFAULT_PORT) -> tuple[tornado.httpserver.HTTPServer, str]:
    """Serve the page on 127.0.0.1 (only there: the partner's data are for this computer).

    Returns:
        The server and the page's address.
    """
    sockets = tornado.netutil.bind_sockets(port, address="127.0.0.1")
    app.bound = sockets[0].getsockname()
    server = tornado.httpserver.HTTPServer(make_application(app), xheaders=False, idle_connection_timeout=60,
                                           body_timeout=600)
    server.add_sockets(sockets)
    return server, f"http://127.0.0.1:{app.bound[1]}/"


async def _serve(app: App, port: int, open_browser: bool) -> None:
    server, url = listen(app, port)
    print(f"perspectives app: the report page is at {url} (open it in your browser). Ctrl-C stops the "
          "program and removes every file dropped on the page.", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if open_browser:
        import webbrowser

        loop.run_in_executor(None, webbrowser.open, url)
    await stop.wait()
    server.stop()


def main(argv: Sequence[str] | None = None, project: Project | None = None) -> int:
    """``perspectives app``: see the module docstring. Exit 0 when stopped, 2 on bad usage.

    ``project``: the study folder the page builds (default: the one around the working directory).
    """
    ap = argparse.ArgumentParser(prog="perspectives app", description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"0 picks a free port (default: {DEFAULT_PORT})")
    ap.add_argument("--no-browser", action="store_true", help="do not open the page in the browser")
    ap.add_argument("--section", action="extend", nargs="+", metavar="ID", dest="sections",
                    help="build only these sections of params/grid.yml (a quicker trial; default: all)")
    ap.add_argument("--upload-limit-mb", type=int, metavar="N",
                    help="largest file the page accepts, in MB (default: limits.max_upload_mb of params/study.yml)")
    args = ap.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        project = default(project)
        if args.sections:
            grid = project.grid
            for section in args.sections:
                grid.section(section)  # an unknown id names the known ones
        if args.upload_limit_mb is not None and args.upload_limit_mb < 1:
            raise ValueError("--upload-limit-mb must be at least 1")
        app = App(sections=args.sections, limit=args.upload_limit_mb * MB if args.upload_limit_mb else None,
                  project=project)
    except (ValueError, KeyError) as exc:
        print(f"perspectives app: {exc}", file=sys.stderr)
        return 2
    atexit.register(app.close)
    try:
        asyncio.run(_serve(app, args.port, not args.no_browser))
    except OSError as exc:
        print(f"perspectives app: cannot serve on port {args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    finally:
        with contextlib.suppress(Exception):
            app.close()
    print("perspectives app: stopped; the files dropped on the page were removed.", file=sys.stderr)
    return 0
