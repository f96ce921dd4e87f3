"""Writing a file so that a reader sees the old bytes or the new, never half of them.

Purpose
    One home for the atomic write every output and every remembered file of the build uses:
    the bytes go to a temporary file in the destination's folder, which then replaces the
    destination (``os.replace``, atomic on POSIX within one file system). An interrupted build
    leaves the previous file, not a truncated one.

Inputs
    A destination path and its bytes (or text, written as UTF-8).

Outputs
    The destination file, mode 0644 (readable by the web server or the partner who copies
    ``outputs/``), whatever the process's umask gave the temporary file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(dest: Path, data: bytes | str) -> None:
    """Replace ``dest`` with ``data`` in one step, creating its folder if needed.

    Args:
        dest: the file to write.
        data: its new content; text is encoded as UTF-8.

    Raises:
        OSError: the folder or the file cannot be written (the temporary file is removed).
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
