"""A partner's upload on the report page: its limit, its name, and its bytes streamed to disk.

Purpose
    :class:`UploadReceiver` takes a ``multipart/form-data`` request body chunk by chunk (as
    the server receives it) and writes the one file it carries straight to disk, counting
    its bytes: a file over the limit (:func:`upload_limit`) is refused and its part removed
    as soon as the count passes the limit, so an upload is never whole in memory.
    :func:`clean_name` keeps a file's own name (the check and the report name the file)
    without any character that could act on a path or a page. Kept apart from
    :mod:`perspectives.appwork` (the workspace and the build) because this is where a
    partner's bytes first arrive, testable without a server.

Inputs
    Request body chunks, ``params/study.yml`` (``limits.max_upload_mb``).

Outputs
    The file in the workspace's upload folder, and its :class:`Upload`; or
    :class:`UploadRefused` naming why, the partial file removed.
"""

from __future__ import annotations

import contextlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perspectives.project import default
from perspectives.rawtable_columns import SUPPORTED
from perspectives.study import Study

__all__ = [
    "CONVERSATION_SUFFIXES",
    "DEFAULT_UPLOAD_LIMIT_MB",
    "EXPORT_SUFFIXES",
    "FORM_OVERHEAD",
    "MB",
    "Upload",
    "UploadReceiver",
    "UploadRefused",
    "clean_name",
    "upload_kind",
    "upload_limit",
]

# The largest file the page accepts when params/study.yml says nothing (limits.max_upload_mb).
# A 200 MB CSV (the size `perspectives check` is measured on) fits.
DEFAULT_UPLOAD_LIMIT_MB = 256
MB = 1 << 20
# What a form adds around its file: the multipart boundaries and part headers, and the
# form's few small fields. A request body may exceed the file limit by this much.
FORM_OVERHEAD = 64 * 1024
# Exports the readers take (their own list), and the conversations as a REFI-QDA project.
EXPORT_SUFFIXES = tuple(SUPPORTED)
CONVERSATION_SUFFIXES = (".qdpx",)
MAX_NAME = 120  # characters of a file's name kept (its extension always kept)
FIELD_PART_LIMIT = 4096  # bytes of a form field other than the file (none is read)


def upload_limit(study: Study | None = None) -> int:
    """The largest upload in bytes: ``limits.max_upload_mb`` of ``params/study.yml`` (MiB).

    Args:
        study: the study (default: the one around the working directory).

    Returns:
        The limit in bytes (:data:`DEFAULT_UPLOAD_LIMIT_MB` MiB when the study sets none).

    Raises:
        ValueError: the setting is not a whole number of at least 1.
    """
    st = study or default().study
    section = st.raw.get("limits") or {}
    value = section.get("max_upload_mb", DEFAULT_UPLOAD_LIMIT_MB) if isinstance(section, dict) else section
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"params/study.yml: limits.max_upload_mb must be a whole number of at least 1, such as "
                         f"{DEFAULT_UPLOAD_LIMIT_MB}, not {value!r}")
    return value * MB


class UploadRefused(Exception):
    """An upload the page does not keep.

    Args:
        status: the HTTP status to answer (400, 413).
        reason: a key of the page's messages (``too_large``, ``no_file``, ``file_type``,
            ``two_files``, ``bad_form``, ``empty``).
        name: the file's name as cleaned, when known.
    """

    def __init__(self, status: int, reason: str, name: str = "") -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.name = name


def clean_name(raw: str) -> str:
    """A file's name as the partner's program shows it, safe as one name in a folder.

    The last component only (any folder a browser sends is dropped), in NFC; letters,
    digits, spaces and ``. - _ ( ) [ ] , +`` are kept and anything else (a slash, a control
    or bidirectional character, a quote, ``<``) becomes ``_``; no leading dot or space; at
    most :data:`MAX_NAME` characters, the extension kept.

    Returns:
        The name, or "" when nothing usable is left.
    """
    base = unicodedata.normalize("NFC", re.split(r"[\\/]", raw)[-1])
    kept = "".join(c if unicodedata.category(c)[0] in "LN" or c in " .-_()[],+" else "_" for c in base)
    kept = re.sub(r"\s+", " ", kept).strip().lstrip(". ")
    if len(kept) > MAX_NAME:
        stem, dot, suffix = kept.rpartition(".")
        kept = (stem[: MAX_NAME - len(suffix) - 1] + dot + suffix) if dot and len(suffix) < 12 else kept[:MAX_NAME]
    return kept if kept.strip("._ ") else ""


def upload_kind(name: str) -> str | None:
    """``export``, ``conversations`` or None (a type the page does not read), by the extension."""
    suffix = Path(name).suffix.lower()
    if suffix in EXPORT_SUFFIXES:
        return "export"
    if suffix in CONVERSATION_SUFFIXES:
        return "conversations"
    return None


@dataclass
class Upload:
    """A file a partner dropped, kept in their workspace.

    Attributes:
        name: its name (:func:`clean_name`).
        path: where it is kept.
        size: its bytes.
        kind: ``export`` or ``conversations``.
        check: what the check said (:func:`perspectives.check.run_check` or
            :func:`perspectives.check.check_conversations`), once it ran.
    """

    name: str
    path: Path
    size: int
    kind: str
    check: dict[str, Any] | None = None

    @property
    def usable(self) -> bool:
        """Whether the check found the file usable."""
        return bool(self.check and self.check.get("usable"))


class UploadReceiver:
    """Writes the one file of a ``multipart/form-data`` body to disk as its chunks arrive.

    Args:
        folder: an empty folder of the workspace to write the file in.
        boundary: the body's multipart boundary (from its ``Content-Type``).
        limit: the largest file, in bytes.

    The file part's bytes go to disk as they are parsed (python-multipart's streaming
    parser); the count is checked on every chunk, so a file over ``limit`` stops the
    receiving with :class:`UploadRefused` (413) and its part is removed. Other fields are
    read up to :data:`FIELD_PART_LIMIT` bytes and ignored.
    """

    def __init__(self, folder: Path, boundary: bytes, limit: int) -> None:
        from python_multipart.multipart import MultipartParser

        self.folder = folder
        self.limit = limit
        self.received = 0  # bytes of the file
        self.body_bytes = 0  # bytes of the whole body
        self.name = ""
        self.kind: str | None = None
        self._path: Path | None = None
        self._fd: int | None = None
        self._header: list[bytes] = [b"", b""]
        self._headers: dict[bytes, bytes] = {}
        self._part_bytes = 0
        self._files = 0
        self._parser = MultipartParser(boundary, {
            "on_part_begin": self._part_begin, "on_header_field": self._header_field,
            "on_header_value": self._header_value, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished, "on_part_data": self._part_data,
            "on_part_end": self._part_end})

    # The parser's callbacks --------------------------------------------------------------

    def _part_begin(self) -> None:
        self._headers, self._part_bytes = {}, 0

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header[0] += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._header[1] += data[start:end]

    def _header_end(self) -> None:
        name, value = self._header
        self._headers[name.strip().lower()] = value.strip()
        self._header = [b"", b""]

    def _headers_finished(self) -> None:
        from python_multipart.multipart import parse_options_header

        # Browsers write the name in UTF-8; Latin-1 keeps those bytes as they are to split the header.
        _, options = parse_options_header(self._headers.get(b"content-disposition", b"").decode("latin-1"))
        if b"filename" not in options:
            return  # a field, not a file
        self._files += 1
        if self._files > 1:
            raise UploadRefused(400, "two_files")
        self.name = clean_name(options[b"filename"].decode("utf-8", "replace"))
        if not self.name:
            raise UploadRefused(400, "no_file")
        self.kind = upload_kind(self.name)
        if self.kind is None:
            raise UploadRefused(400, "file_type", self.name)
        self._path = self.folder / self.name
        self._fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        self._part_bytes += end - start
        if self._fd is None:
            if self._part_bytes > FIELD_PART_LIMIT:
                raise UploadRefused(400, "bad_form")
            return
        self.received += end - start
        if self.received > self.limit:
            raise UploadRefused(413, "too_large", self.name)
        view = memoryview(data)[start:end]
        while view:
            view = view[os.write(self._fd, view):]

    def _part_end(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    # What the server calls ----------------------------------------------------------------

    def write(self, chunk: bytes) -> None:
        """Parse one chunk of the body (its file bytes go to disk).

        Raises:
            UploadRefused: the file is over the limit, of a type the page does not read, or
                the body is not a form the page sent; the partial file is already removed.
        """
        from python_multipart.exceptions import FormParserError

        self.body_bytes += len(chunk)
        try:
            if self.body_bytes > self.limit + FORM_OVERHEAD:
                raise UploadRefused(413, "too_large", self.name)
            self._parser.write(chunk)
        except UploadRefused:
            self.discard()
            raise
        except FormParserError:
            self.discard()
            raise UploadRefused(400, "bad_form", self.name) from None

    def finish(self) -> Upload:
        """The received file, once the whole body is parsed.

        Raises:
            UploadRefused: no file, an empty one, or a body cut short.
        """
        from python_multipart.exceptions import FormParserError

        try:
            self._parser.finalize()
        except FormParserError:
            self.discard()
            raise UploadRefused(400, "bad_form", self.name) from None
        if self._path is None or self.kind is None:
            self.discard()
            raise UploadRefused(400, "no_file")
        if self._fd is not None:  # the body ended inside the file's part
            self.discard()
            raise UploadRefused(400, "bad_form", self.name)
        if self.received == 0:
            self.discard()
            raise UploadRefused(400, "empty", self.name)
        return Upload(self.name, self._path, self.received, self.kind)

    def discard(self) -> None:
        """Close and remove the partial file (idempotent)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
        if self._path is not None:
            with contextlib.suppress(OSError):
                self._path.unlink()
