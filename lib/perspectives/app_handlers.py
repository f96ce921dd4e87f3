"""The partners' page's answers to each request: the page, uploads, builds, downloads, finishing.

Purpose
    One Tornado handler per address of the page (:mod:`perspectives.app` routes them), and
    :class:`Base`, what every answer does: the strict policy and protective headers, the
    Host check against DNS rebinding (:func:`perspectives.preview_server.host_allowed`), the
    Origin and CSRF checks of every POST, error pages of one sentence in the page's language,
    and templates that escape every value as text from data. Kept apart from the app's entry
    point and state (:mod:`perspectives.app_state`) because this is the surface a browser,
    hostile or not, reaches.

Inputs
    HTTP requests, the app's state (:class:`perspectives.app_state.App`) and the page's
    templates (``templates/app*.j2``, ``app.css``, ``app.js`` beside the library).

Outputs
    HTML pages, JSON status, the built reports as attachments.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tornado.web

from perspectives import locales
from perspectives.app_state import App
from perspectives.appviews import (
    check_view,
    conversations_view,
    page_title,
    progress_text,
    refusal_text,
    size_text,
)
from perspectives.appwork import BuildJob, Workspace
from perspectives.appwork_uploads import (
    CONVERSATION_SUFFIXES,
    EXPORT_SUFFIXES,
    FORM_OVERHEAD,
    Upload,
    UploadReceiver,
    UploadRefused,
)
from perspectives.escape import html_text
from perspectives.i18n import Translator
from perspectives.preview_server import host_allowed
from perspectives.project import Project

TEMPLATES = Path(__file__).resolve().parent / "templates"
SESSION_COOKIE = "perspectives_session"
LANG_COOKIE = "perspectives_lang"
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
