"""``perspectives app``: a page on this computer where a partner builds their national report.

Purpose
    For a partner's communications or M&E officer, who would not use a terminal:
    ``perspectives app`` serves one page on http://127.0.0.1 (and opens it in the browser)
    where they

    1. drop their export (CSV, Excel, SPSS or ZIP; a REFI-QDA ``.qdpx`` of the conversations
       too, if they have one), up to the size ``limits.max_upload_mb`` of ``params/study.yml``
       allows (:data:`perspectives.appwork.DEFAULT_UPLOAD_LIMIT_MB` MB when it says nothing);
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
    own names cleaned (:func:`perspectives.appwork.clean_name`), and are streamed to disk; a
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
import os
import secrets
import shutil
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tornado.httpserver
import tornado.netutil
import tornado.web

from perspectives import locales
from perspectives.appviews import (
    check_view,
    conversations_view,
    page_title,
    progress_text,
    refusal_text,
    size_text,
)
from perspectives.appwork import (
    CONVERSATION_SUFFIXES,
    EXPORT_SUFFIXES,
    FORM_OVERHEAD,
    MB,
    BuildJob,
    Upload,
    UploadReceiver,
    UploadRefused,
    Workspace,
    upload_limit,
)
from perspectives.escape import html_text
from perspectives.i18n import Translator
from perspectives.preview_server import host_allowed
from perspectives.project import Project, default
from perspectives.study import Study

__all__ = ["App", "main", "make_application"]

DEFAULT_PORT = 8765
TEMPLATES = Path(__file__).resolve().parent / "templates"
SESSION_COOKIE = "perspectives_session"
LANG_COOKIE = "perspectives_lang"
MAX_WORKSPACES = 16  # partners' sessions open at once (a browser opens one on its first upload)
ROOT_PREFIX = "perspectives-app-"
OWNER_FILE = "app.pid"
# Every response: nothing from elsewhere, no inline script or style, no frame, forms to itself.
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
          "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = (("Content-Security-Policy", POLICY), ("X-Content-Type-Options", "nosniff"),
           # same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" on its
           # own form posts, and the Origin check needs the page's own origin there.
           ("Referrer-Policy", "same-origin"), ("Cross-Origin-Resource-Policy", "same-origin"),
           ("Cross-Origin-Opener-Policy", "same-origin"), ("X-Frame-Options", "DENY"),
           ("Cache-Control", "no-store"), ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"))
ASSETS = {"app.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"}
DOWNLOAD_TYPES = {"pdf": "application/pdf",
                  "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


# --------------------------------------------------------------------------- the app


class App:
    """The page's state: the partners' workspaces, the one build running, the private folder.

    Args:
        study: the study (default: the repository's).
        sections: section ids every build is limited to (None: every section).
        limit: the largest upload in bytes (default: :func:`perspectives.appwork.upload_limit`).
        project: the study folder the page builds (default: the one around the working directory).
    """

    def __init__(self, study: Study | None = None, sections: list[str] | None = None,
                 limit: int | None = None, project: Project | None = None) -> None:
        self.project = default(project)
        self.study = study or self.project.study
        self.sections = sections
        self.limit = limit if limit is not None else upload_limit(self.study)
        self.languages = list(self.study.languages)
        base = _short_temporary_folder()
        _remove_leftovers(base)
        self.root = Path(tempfile.mkdtemp(prefix=ROOT_PREFIX, dir=base))  # mode 0700
        (self.root / OWNER_FILE).write_text(str(os.getpid()), encoding="utf-8")
        self.workspaces: dict[str, Workspace] = {}
        self.bound: tuple[Any, ...] = ("127.0.0.1", 0)
        self._lock = threading.Lock()
        self._closed = False

    @property
    def limit_text(self) -> str:
        """The upload limit in MB, for the page."""
        return f"{self.limit / MB:g}"

    def workspace(self, token: str | None) -> Workspace | None:
        """The workspace a session cookie names (None for none or an unknown one)."""
        if not token:
            return None
        return self.workspaces.get(token)

    def open_workspace(self) -> tuple[str, Workspace] | None:
        """A new workspace and its session token (None when :data:`MAX_WORKSPACES` are open)."""
        with self._lock:
            if len(self.workspaces) >= MAX_WORKSPACES or self._closed:
                return None
            token = secrets.token_urlsafe(32)
            ws = Workspace(Path(tempfile.mkdtemp(prefix="w", dir=self.root)))
            self.workspaces[token] = ws
            return token, ws

    def finish(self, token: str) -> None:
        """Remove a workspace: its build stopped, its folder deleted."""
        with self._lock:
            ws = self.workspaces.pop(token, None)
        if ws is not None:
            ws.remove()

    def running(self) -> BuildJob | None:
        """The build running now, in any workspace."""
        return next((job for ws in list(self.workspaces.values()) for job in ws.builds if job.running), None)

    def start_build(self, ws: Workspace, country: str, lang: str) -> BuildJob | None:
        """Start a build, or None when one is running already (one build at a time)."""
        with self._lock:
            if self.running() is not None:
                return None
            export = ws.uploads["export"]
            talks = ws.uploads.get("conversations")
            job = BuildJob(country, lang, export.path, talks.path if talks else None, ws.out_folder(lang),
                           sections=self.sections, source=export.name, hide=(ws.folder, self.root),
                           tmp=ws.folder / "t", project=self.project.root)
            ws.builds.append(job)
            job.start()
            return job

    def close(self) -> None:
        """Stop every build and delete every workspace and the app's folder (idempotent)."""
        with self._lock:
            self._closed = True
            tokens = list(self.workspaces)
        for token in tokens:
            self.finish(token)
        shutil.rmtree(self.root, ignore_errors=True)


# Chromium makes its process-singleton socket at $TMPDIR/org.chromium.Chromium.XXXXXX/SingletonSocket,
# and a socket's path holds at most 107 bytes: a build whose temporary folder is longer than
# this cannot print its PDF.
CHROMIUM_TMP_MAX = 107 - len("/org.chromium.Chromium.XXXXXX/SingletonSocket")


def _short_temporary_folder() -> Path:
    """Where the app's folder goes: the system's temporary folder, or /tmp when that is too long.

    A build's own temporary folder (``<app folder>/w.../t``, see :meth:`App.start_build`)
    must leave Chromium room for its socket (:data:`CHROMIUM_TMP_MAX`).
    """
    base = Path(tempfile.gettempdir())
    needed = len(str(base)) + len(f"/{ROOT_PREFIX}xxxxxxxx/wxxxxxxxx/t")
    if needed > CHROMIUM_TMP_MAX and os.access("/tmp", os.W_OK | os.X_OK):
        return Path("/tmp")
    return base


def _remove_leftovers(base: Path) -> None:
    """Delete the folders of app processes that ended without cleaning up (killed, a power cut)."""
    for folder in base.glob(ROOT_PREFIX + "*"):
        try:
            info = folder.lstat()
            pid = int((folder / OWNER_FILE).read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or _alive(pid):
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --------------------------------------------------------------------------- requests


class Refusal(tornado.web.HTTPError):
    """A request the page refuses, with the sentence it shows.

    Args:
        status: the HTTP status.
        reason: a key of :func:`refusal_text`.
        name: a file's name, for the sentence.
    """

    def __init__(self, status: int, reason: str, name: str = "") -> None:
        super().__init__(status, reason)
        self.reason_key = reason
        self.name = name


class Base(tornado.web.RequestHandler):
    """What every answer of the page does: the headers, the Host and Origin checks, errors."""

    app: App

    def initialize(self, app: App) -> None:
        """Keep the app's state."""
        self.app = app

    def set_default_headers(self) -> None:
        """The policy and protective headers, on every response (errors included)."""
        for name, value in HEADERS:
            self.set_header(name, value)
        self.clear_header("Server")

    def prepare(self) -> Any:
        """Refuse a request for another host (DNS rebinding) before anything else."""
        self.check_host()

    def check_host(self) -> None:
        """403 unless the request names this server by a localhost name (one ``Host`` header)."""
        hosts = self.request.headers.get_list("Host")
        if len(hosts) != 1 or not host_allowed(hosts[0], self.app.bound):
            raise Refusal(403, "host")

    def check_origin(self) -> None:
        """403 unless a POST comes from this page: its ``Origin`` is this server's own."""
        origins = self.request.headers.get_list("Origin")
        host = self.request.headers.get("Host", "")
        if len(origins) != 1:
            raise Refusal(403, "origin")
        parts = urlsplit(origins[0])
        if parts.scheme != "http" or parts.netloc.lower() != host.strip().lower() or parts.path not in ("", "/"):
            raise Refusal(403, "origin")

    def check_xsrf_cookie(self) -> None:
        """Host, then Origin, then the CSRF token (Tornado's ``_xsrf``), for every POST."""
        self.check_host()
        self.check_origin()
        try:
            super().check_xsrf_cookie()
        except tornado.web.HTTPError:
            raise Refusal(403, "token") from None

    @property
    def tr(self) -> Translator:
        """The page's language (its cookie, else English)."""
        if not hasattr(self, "_tr"):
            lang = self.get_cookie(LANG_COOKIE)
            self._tr = Translator(lang if lang in self.app.languages else "en", project=self.app.project)
        return self._tr

    def workspace(self) -> Workspace | None:
        """The partner's workspace, from the session cookie."""
        return self.app.workspace(self.get_cookie(SESSION_COOKIE))

    def render_template(self, name: str, **context: Any) -> None:
        """Render one of the page's templates (every value escaped as text from data)."""
        self.set_header("Content-Type", "text/html; charset=utf-8")
        tr = self.tr
        self.finish(_templates().get_template(name).render(tr=tr, lang=tr.lang, limit=self.app.limit_text,
                                                           **context))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """An error page: one sentence, in the page's language, nothing from the request."""
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, Refusal):
            message = refusal_text(error.reason_key, self.tr, error.name, self.app.limit_text)
        elif status_code == 404:
            message = refusal_text("not_found", self.tr)
        else:
            message = self.tr("Something went wrong on this page ({status}). The window where the program "
                              "runs says why.", status=status_code)
        if isinstance(error, Refusal) and error.reason_key == "host":
            self.set_header("Content-Type", "text/plain; charset=utf-8")  # nothing of the page for another site
            self.finish(message)
            return
        self.render_template("app_message.html.j2", title=self.tr("Not done"), message=message, alert=True)

    def compute_etag(self) -> None:
        """No ``Etag``: every answer is fresh (``no-store``)."""
        return None

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """Refusals are answers, not faults: only an unexpected error is logged."""
        if not isinstance(value, tornado.web.HTTPError):
            super().log_exception(typ, value, tb)


class PageHandler(Base):
    """``GET /``: the page, with the partner's files, checks, builds and downloads."""

    def get(self) -> None:
        """Render the page (``?lang=xx`` changes its language)."""
        lang = self.get_query_argument("lang", None)
        if lang is not None and lang in self.app.languages:
            self.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="Strict")
            self._tr = Translator(lang, project=self.app.project)
        render_page(self, self.workspace())


def _build_view(index: int, job: BuildJob, tr: Translator, app: App) -> dict[str, Any]:
    s = job.snapshot()
    sizes = {kind: size_text(path, tr) for kind, path in job.files.items()} if s.state == "done" else {}
    return {"index": index, "state": s.state, "country": tr.country(job.country),
            "language": locales.language_name(job.lang, tr.lang), "source": job.source,
            "progress": progress_text(s, tr), "done": s.done, "total": s.total, "message": s.message,
            "failures": s.failures, "files": sizes}


def render_page(handler: Base, ws: Workspace | None, notice: str = "", status: int = 200) -> None:
    """The page for a workspace (or for a partner who has dropped nothing yet)."""
    tr, study = handler.tr, handler.app.study
    export = ws.uploads.get("export") if ws else None
    talks = ws.uploads.get("conversations") if ws else None
    export_view = check_view(export.check, tr, study) if export and export.check else None
    talks_view = conversations_view(talks.check, tr, study) if talks and talks.check else None
    builds = [_build_view(i, job, tr, handler.app) for i, job in enumerate(ws.builds)] if ws else []
    running = handler.app.running()
    handler.set_status(status)
    handler.render_template(
        "app.html.j2", xsrf=handler.xsrf_token.decode(), notice=notice, export=export_view, talks=talks_view,
        builds=builds, running=running is not None, own_running=bool(ws and ws.running),
        countries=[(code, tr.country(code)) for code in (export_view or {}).get("buildable", [])],
        languages=[(code, locales.language_name(code, tr.lang)) for code in handler.app.languages],
        page_languages=[(code, locales.language_name(code, code)) for code in handler.app.languages],
        accept=",".join(EXPORT_SUFFIXES + CONVERSATION_SUFFIXES), limit_bytes=handler.app.limit,
        title=page_title(tr, export_view, builds))


class StatusHandler(Base):
    """``GET /status``: the partner's latest build, as JSON, for the page's script."""

    def get(self) -> None:
        """Answer the latest build's state, runs done and total, and its sentence."""
        ws = self.workspace()
        if ws is None or not ws.builds:
            self.finish({"state": "none"})
            return
        s = ws.builds[-1].snapshot()
        self.finish({"state": s.state, "done": s.done, "total": s.total, "text": progress_text(s, self.tr),
                     "finished": s.finished})


@tornado.web.stream_request_body
class UploadHandler(Base):
    """``POST /upload``: one file, streamed to the partner's workspace, then checked."""

    receiver: UploadReceiver | None = None
    refusal: UploadRefused | None = None

    def prepare(self) -> Any:
        """Decide before the body arrives: session, a build running, the declared size, the form."""
        super().prepare()
        ws = self.workspace()
        if ws is None:
            opened = self.app.open_workspace()
            if opened is None:
                raise Refusal(503, "full")
            token, ws = opened
            self.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Strict")
        self.ws = ws
        if ws.running is not None:
            raise Refusal(409, "busy")
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > self.app.limit + FORM_OVERHEAD):
            raise Refusal(413, "too_large")
        from python_multipart.multipart import parse_options_header

        kind, options = parse_options_header(self.request.headers.get("Content-Type", ""))
        if kind != b"multipart/form-data" or not options.get(b"boundary"):
            raise Refusal(400, "bad_form")
        # Tornado's own cap (100 MB by default) would cut a larger upload that the study allows;
        # set above our count (which refuses at the limit, with the page's 413), it stays a backstop.
        self.request.connection.set_max_body_size(2 * (self.app.limit + FORM_OVERHEAD))
        self.receiver = UploadReceiver(ws.new_upload_folder(), options[b"boundary"], self.app.limit)

    def data_received(self, chunk: bytes) -> None:
        """Write the chunk's file bytes to disk; past the limit, answer at once and stop reading."""
        if self._finished or self.receiver is None:
            return
        try:
            self.receiver.write(chunk)
        except UploadRefused as refused:
            self.refusal = refused
            self.send_error(refused.status, exc_info=(Refusal, Refusal(refused.status, refused.reason,
                                                                       refused.name), None))

    async def post(self) -> None:
        """Keep the file and check it, then show the page at the check."""
        if self._finished or self.receiver is None:
            return
        try:
            upload = self.receiver.finish()
        except UploadRefused as refused:
            render_page(self, self.ws, refusal_text(refused.reason, self.tr, refused.name, self.app.limit_text),
                        status=refused.status)
            return
        upload.check = await asyncio.get_running_loop().run_in_executor(None, _check, upload, self.app.project)
        self.ws.keep(upload)
        self.redirect("/#check", status=303)

    def on_connection_close(self) -> None:
        """The browser went away mid-upload: remove what arrived."""
        if self.receiver is not None and not self._finished:
            self.receiver.discard()


def _check(upload: Upload, project: Project) -> dict[str, Any]:
    """Run the check for an upload, as ``perspectives check`` does (in a worker thread)."""
    from perspectives.check import check_conversations, run_check

    if upload.kind == "conversations":
        return check_conversations(upload.path, project)
    return run_check(upload.path, project=project)


class BuildHandler(Base):
    """``POST /build``: start the build of the chosen country in the chosen language."""

    def post(self) -> None:
        """Start it and show the page at its progress, or show why not."""
        ws = self.workspace()
        if ws is None:
            raise Refusal(403, "session")
        if self.app.running() is not None:
            render_page(self, ws, refusal_text("busy", self.tr), status=409)
            return
        reason = _why_not(ws, self.get_body_argument("country", ""), self.get_body_argument("lang", ""),
                          self.app, self.tr)
        if reason:
            render_page(self, ws, refusal_text(reason, self.tr), status=409 if reason != "choice" else 400)
            return
        job = self.app.start_build(ws, self.get_body_argument("country"), self.get_body_argument("lang"))
        if job is None:
            render_page(self, ws, refusal_text("busy", self.tr), status=409)
            return
        self.redirect("/#progress", status=303)


def _why_not(ws: Workspace, country: str, lang: str, app: App, tr: Translator) -> str:
    """Why a build cannot start (a key of :func:`refusal_text`), or "" when it can."""
    export = ws.uploads.get("export")
    if export is None or export.check is None:
        return "no_export"
    if not export.usable:
        return "not_usable"
    talks = ws.uploads.get("conversations")
    if talks is not None and not talks.usable:
        return "conversations_not_usable"
    buildable = check_view(export.check, tr, app.study)["buildable"]
    if country not in buildable or lang not in app.languages:
        return "choice"
    return ""


class RemoveConversationsHandler(Base):
    """``POST /remove-conversations``: forget the conversations project (its file deleted)."""

    def post(self) -> None:
        """Remove it and show the page."""
        ws = self.workspace()
        if ws is None:
            raise Refusal(403, "session")
        if ws.running is not None:
            render_page(self, ws, refusal_text("busy", self.tr), status=409)
            return
        talks = ws.uploads.pop("conversations", None)
        if talks is not None:
            shutil.rmtree(talks.path.parent, ignore_errors=True)
        self.redirect("/#check", status=303)


class FinishHandler(Base):
    """``POST /finish``: stop any build, delete the partner's files and reports, end the session."""

    async def post(self) -> None:
        """Remove the workspace, then say so."""
        token = self.get_cookie(SESSION_COOKIE)
        if token and self.app.workspace(token) is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.app.finish, token)
        self.clear_cookie(SESSION_COOKIE)
        self.redirect("/finished", status=303)


class FinishedHandler(Base):
    """``GET /finished``: what was removed and what stays."""

    def get(self) -> None:
        """The closing page."""
        self.render_template("app_message.html.j2", title=self.tr("Your data were removed"), finished=True,
                             message=self.tr("The files you dropped, their checks and the reports built from them "
                                             "were deleted from this computer. The reports you downloaded stay "
                                             "where you saved them."), alert=False)


class DownloadHandler(Base):
    """``GET /download/N/pdf|docx``: a built report of the partner's workspace, as an attachment."""

    async def get(self, index: str, kind: str) -> None:
        """Send the file, named after the report and its language; 404 for anything else."""
        ws = self.workspace()
        number = int(index)
        if ws is None or number >= len(ws.builds) or ws.builds[number].snapshot().state != "done":
            raise Refusal(404, "not_found")
        job = ws.builds[number]
        path = job.files.get(kind)
        if path is None or ws.folder.resolve() not in path.resolve().parents:
            raise Refusal(404, "not_found")
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            raise Refusal(404, "not_found") from None
        with os.fdopen(fd, "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise Refusal(404, "not_found")
            self.set_header("Content-Type", DOWNLOAD_TYPES[kind])
            self.set_header("Content-Length", str(info.st_size))
            self.set_header("Content-Disposition", f'attachment; filename="{job.country}-{job.lang}-report.{kind}"')
            while chunk := file.read(256 * 1024):
                self.write(chunk)
                await self.flush()
        self.finish()


class AssetHandler(Base):
    """``GET /app.css``, ``GET /app.js``: the page's own stylesheet and script."""

    def get(self, name: str) -> None:
        """Send one of :data:`ASSETS`."""
        self.set_header("Content-Type", ASSETS[name])
        self.finish((TEMPLATES / name).read_bytes())


class NoIconHandler(Base):
    """``GET /favicon.ico``: none (204), so that a browser's request for one is not an error."""

    def get(self) -> None:
        """No content."""
        self.set_status(204)
        self.finish()


class NotFoundHandler(Base):
    """Every other address: 404, with the same headers and checks."""

    def prepare(self) -> Any:
        """Host first, then 404."""
        super().prepare()
        raise Refusal(404, "not_found")


def _templates() -> Any:
    """The page's Jinja environment: every value a template prints is escaped as text from data."""
    global _ENV
    if _ENV is None:
        import jinja2
        from markupsafe import Markup

        def shown(value: Any) -> Any:
            if value is None:
                return ""
            if isinstance(value, Markup):
                return value
            return Markup(html_text(value))

        _ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                                  finalize=shown, trim_blocks=True, lstrip_blocks=True)
    return _ENV


_ENV: Any = None


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
