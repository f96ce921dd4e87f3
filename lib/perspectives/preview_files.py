"""Which file a preview request names, and opening it below the served folder without following a link.

Purpose
    The preview serves regular files below ``outputs/`` and nothing else. A request's path is
    decoded once and must then be plain (:func:`request_names`); the file is opened one
    component at a time relative to its folder, following no link, even one swapped in
    during the request, and refusing a FIFO or device without reading it
    (:func:`open_served`). Kept apart from the HTTP handler
    (:mod:`perspectives.preview_server`) because it is the part that guards the file system.

Inputs
    A request target and the served folder.

Outputs
    Path components, an open descriptor, or :class:`Refused` with the status to answer.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata
from http import HTTPStatus
from pathlib import Path
from urllib.parse import unquote_to_bytes

__all__ = ["MAX_TARGET", "Directory", "Refused", "open_served", "request_names"]

MAX_TARGET = 2048  # bytes of a request's path and query; a longer one is answered 414
# Whether files can be opened relative to a directory without following links (POSIX).
_WALK = os.open in os.supports_dir_fd and os.stat in os.supports_dir_fd and hasattr(os, "O_NOFOLLOW")


class Refused(Exception):
    """A request the server answers with an error status.

    Args:
        status: the HTTP status.
        explain: one sentence for the error page (never the request's own text).
    """

    def __init__(self, status: HTTPStatus, explain: str) -> None:
        super().__init__(explain)
        self.status = status
        self.explain = explain


class Directory(Exception):
    """The path names a directory: its URL needs a final slash."""


_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")


def request_names(target: str) -> list[str]:
    """The path components a request target names below the served folder.

    The path is decoded once and must then be plain: printable ASCII on the wire, UTF-8 once
    decoded, no control character, backslash, ``.`` or ``..`` component, and no percent
    escape left over (a doubly encoded path). The query is ignored. A final empty component
    stands for a folder's ``index.html``.

    Args:
        target: the request line's target (``/ALB/report.html?t=1``).

    Returns:
        The components, in order (``["ALB", "report.html"]``); ``[""]`` for ``/``.

    Raises:
        Refused: 414 for a target longer than ``MAX_TARGET``, 400 for anything else above.
    """
    if len(target) > MAX_TARGET:  # http.server decodes the request line as Latin-1: one byte a character
        raise Refused(HTTPStatus.REQUEST_URI_TOO_LONG, "The address is too long.")
    path = target.partition("?")[0]
    if not path.startswith("/") or any(not 0x21 <= ord(c) <= 0x7E for c in target) or "#" in target:
        raise Refused(HTTPStatus.BAD_REQUEST, "The address is not a plain path.")
    if "%" in _PERCENT.sub("", path):
        raise Refused(HTTPStatus.BAD_REQUEST, "The address has a broken percent escape.")
    try:
        text = unquote_to_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(HTTPStatus.BAD_REQUEST, "The address is not UTF-8.") from None
    if any(unicodedata.category(c) == "Cc" for c in text) or "\\" in text or _PERCENT.search(text):
        raise Refused(HTTPStatus.BAD_REQUEST, "The address holds a control character, a backslash or an escape.")
    names = text.split("/")[1:]
    if any(name in (".", "..") for name in names):
        raise Refused(HTTPStatus.BAD_REQUEST, "The address climbs out of its folder.")
    return [name for name in names[:-1] if name] + names[-1:]


def _refusal(exc: OSError) -> Refused:
    """The answer to a file-system error met while looking a file up."""
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return Refused(HTTPStatus.NOT_FOUND, "There is no such file.")
    if exc.errno == errno.ENAMETOOLONG:
        return Refused(HTTPStatus.REQUEST_URI_TOO_LONG, "The address is too long.")
    if exc.errno in (errno.ELOOP, errno.EACCES, errno.EPERM):
        return Refused(HTTPStatus.FORBIDDEN, "The file is not served.")
    return Refused(HTTPStatus.INTERNAL_SERVER_ERROR, "The file could not be read.")


def _kind(mode: int) -> str:
    """What a file is, as ``stat`` tells it: ``file``, ``folder``, ``link`` or ``other``."""
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    return "link" if stat.S_ISLNK(mode) else "other"


def _check_kind(kind: str, last: bool) -> None:
    """Refuse what is not served: a link (anywhere), or a device, FIFO or socket."""
    if kind == "link":
        raise Refused(HTTPStatus.FORBIDDEN, "Links are not followed.")
    if kind == "other":
        raise Refused(HTTPStatus.FORBIDDEN, "Only regular files are served.")
    if kind == "file" and not last:
        raise Refused(HTTPStatus.NOT_FOUND, "There is no such file.")
    if kind == "folder" and last:
        raise Directory


def open_served(root: Path, names: list[str]) -> tuple[int, os.stat_result]:
    """Open a regular file below ``root`` for reading, following no link on the way.

    Each component is looked up (``lstat``) and opened relative to its folder's descriptor
    with ``O_NOFOLLOW``, so that no link is followed, even one swapped in during the request;
    the file is opened non-blocking and checked again on its descriptor (a FIFO never
    blocks the server). Where the system lacks that (Windows), each component is looked up
    by path and the opened file compared with what was looked up.

    Args:
        root: the served folder (resolved).
        names: path components from :func:`request_names`; ``""`` last means ``index.html``.

    Returns:
        The open descriptor and its ``fstat``; the caller closes it.

    Raises:
        Refused: 404 for a missing file or a folder without ``index.html`` (no listing),
            403 for a link or anything other than a regular file or folder.
        Directory: the last component is a folder (its URL needs a final slash).
    """
    folder_url = names[-1] == ""
    names = [*names[:-1], names[-1] or "index.html"]
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        if _WALK:
            return _open_walking(root, names, flags)
        return _open_by_path(root, names, flags)
    except OSError as exc:
        raise _refusal(exc) from None
    except Directory:
        if folder_url:  # a folder named index.html
            raise Refused(HTTPStatus.NOT_FOUND, "There is no such file.") from None
        raise


def _open_walking(root: Path, names: list[str], flags: int) -> tuple[int, os.stat_result]:
    folder = os.open(root, flags | os.O_DIRECTORY)
    try:
        for i, name in enumerate(names):
            last = i == len(names) - 1
            _check_kind(_kind(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode), last)
            if not last:
                child = os.open(name, flags | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
                os.close(folder)
                folder = child
        fd = os.open(names[-1], flags | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    finally:
        os.close(folder)
    return fd, _still_regular(fd)


def _open_by_path(root: Path, names: list[str], flags: int) -> tuple[int, os.stat_result]:
    if any(Path(name).drive or Path(name).root or ":" in name for name in names):  # C:, a stream
        raise Refused(HTTPStatus.NOT_FOUND, "There is no such file.")
    for i in range(1, len(names) + 1):
        _check_kind(_kind(os.lstat(root.joinpath(*names[:i])).st_mode), i == len(names))
    path = root.joinpath(*names)
    looked_up = os.lstat(path)
    fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0))
    opened = _still_regular(fd)
    if (opened.st_dev, opened.st_ino) != (looked_up.st_dev, looked_up.st_ino):
        os.close(fd)
        raise Refused(HTTPStatus.NOT_FOUND, "The file changed while it was opened.")
    return fd, opened


def _still_regular(fd: int) -> os.stat_result:
    """The descriptor's ``fstat``, once it is known to be a regular file (else closed, 403)."""
    opened = os.fstat(fd)
    if not stat.S_ISREG(opened.st_mode):
        os.close(fd)
        raise Refused(HTTPStatus.FORBIDDEN, "Only regular files are served.")
    return opened
