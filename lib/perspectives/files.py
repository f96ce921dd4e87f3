"""Writing a file so that a reader sees the old bytes or the new, never half of them.

Purpose
    One home for the atomic write every output and every remembered file of the build uses:
    the bytes go to a temporary file in the destination's folder, which then replaces the
    destination (``os.replace``, atomic on POSIX within one file system). An interrupted build
    leaves the previous file, not a truncated one. And one home for reading back a JSON file
    the build wrote, which a person, a full disk or another program may have damaged: it is
    then missing to the reader, never an error. And the name a forked process gives itself
    (``/proc/self/comm``), so that ``ps``, ``top`` and the benchmark tell a section's run
    from the run server it was forked from.

Inputs
    A destination path and its bytes (or text, written as UTF-8); a JSON file to read.

Outputs
    The destination file, mode 0644 (readable by the web server or the partner who copies
    ``outputs/``), whatever the process's umask gave the temporary file.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["FILE_ERRORS", "check_writable", "file_error", "name_process", "read_json", "write_atomic"]


def write_atomic(dest: Path, data: bytes | str) -> None:
    """Replace ``dest`` with ``data`` in one step, creating its folder if needed.

    Args:
        dest: the file to write.
        data: its new content; text is encoded as UTF-8.

    Raises:
        OSError: the folder or the file cannot be written (a full disk, a read-only folder);
            its ``filename`` is ``dest`` (not the temporary file), the previous ``dest`` is
            left as it was and the temporary file is removed.
    """
    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    except OSError as exc:
        raise _about(exc, dest) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _about(exc, dest) from exc
        raise


def check_writable(folder: Path) -> None:
    """Make sure a file can be written in ``folder`` (made if missing), as :func:`write_atomic` writes one.

    A read-only, full or forbidden folder is found before work that would be lost is started.

    Raises:
        OSError: the folder cannot be made or written in; its ``filename`` is ``folder``.
    """
    folder = Path(folder)
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".write-check.", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(b"\n")  # a full disk still makes an empty file: a byte needs a block
    except OSError as exc:
        raise _about(exc, folder) from exc
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _about(exc: OSError, dest: Path) -> OSError:
    """The same error (same class and errno) naming the file that was being written."""
    return OSError(exc.errno, exc.strerror or str(exc), str(dest))


def read_json(path: Path) -> Any | None:
    """The JSON document in ``path``, or None when it is missing, unreadable or not JSON.

    The caller checks the document's shape: a file of the wrong shape costs a recomputation.
    """
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None


# What a failed file operation means to the person building, by errno.
FILE_ERRORS: dict[int, str] = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the folder is on a read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "the operation is not permitted",
}


def file_error(exc: OSError) -> str:
    """One sentence for a file operation that failed: the cause, the file, and what happens next."""
    cause = FILE_ERRORS.get(exc.errno or -1) or exc.strerror or str(exc)
    where = ""
    if exc.filename:
        path = Path(os.fsdecode(exc.filename))
        with contextlib.suppress(ValueError):
            path = path.relative_to(Path.cwd())
        where = f" ({path})"
    return (f"stopped: {cause}{where}; the reports finished before it are intact, and the next build "
            "finishes the rest")


def name_process(name: str) -> None:
    """Name this process ``name`` (at most 15 characters) where the system allows it (Linux).

    A fork keeps its parent's name and command line: without its own name a section's run
    and the run server it was forked from look alike in ``ps`` and in the benchmark's
    memory by process. Elsewhere, or when the name cannot be written, nothing happens.
    """
    with contextlib.suppress(OSError):
        Path("/proc/self/comm").write_text(name[:15], encoding="ascii")
