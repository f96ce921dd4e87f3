"""The partners' page's state: their workspaces, the one build running, the app's private folder.

Purpose
    :class:`App` holds what the page (:mod:`perspectives.app`) keeps between requests: a
    workspace per partner's session (at most :data:`MAX_WORKSPACES`), one build at a time on
    the whole app, and the private temporary folder everything goes in (mode 0700, short
    enough for Chromium's socket), with the folders of app processes that ended without
    cleaning up removed at start. Kept apart from the request handlers
    (:mod:`perspectives.app_handlers`), which only read and change it.

Inputs
    The study folder (:class:`perspectives.project.Project`), the sections a build is
    limited to and the upload limit.

Outputs
    The workspaces (:class:`perspectives.appwork.Workspace`) and builds
    (:class:`perspectives.appwork.BuildJob`); everything deleted by :meth:`App.close`.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import tempfile
import threading
from pathlib import Path
from typing import Any

from perspectives.appwork import BuildJob, Workspace
from perspectives.appwork_uploads import MB, upload_limit
from perspectives.project import Project, default
from perspectives.study import Study

__all__ = ["App"]

MAX_WORKSPACES = 16  # partners' sessions open at once (a browser opens one on its first upload)
ROOT_PREFIX = "perspectives-app-"
OWNER_FILE = "app.pid"


class App:
    """The page's state: the partners' workspaces, the one build running, the private folder.

    Args:
        study: the study (default: the repository's).
        sections: section ids every build is limited to (None: every section).
        limit: the largest upload in bytes (default: :func:`perspectives.appwork_uploads.upload_limit`).
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
