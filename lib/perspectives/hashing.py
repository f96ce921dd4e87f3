"""Content hashes: of files, of JSON-ready objects, of a notebook's content, of a git blob.

Purpose
    One home for the digests the build compares (run stamps, report stamps), the reports show
    (input files by name and SHA-256) and provenance uses (is the checkout what its commit
    says?). Importing this module costs nothing: it uses the standard library only.

Inputs
    Files and bytes; notebooks as nbformat JSON (version 4).

Outputs
    Lower-case hexadecimal digests (``str``): SHA-256 (64 characters) everywhere but
    :func:`git_blob_id`, which is git's SHA-1 object id (40 characters).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

__all__ = [
    "git_blob_id",
    "notebook_content",
    "notebook_hash",
    "notebook_hash_bytes",
    "sha256_bytes",
    "sha256_file",
    "sha256_json",
]

_CHUNK = 1 << 20  # 1 MiB: files are streamed, never read whole


def sha256_bytes(data: bytes) -> str:
    """SHA-256 of ``data``, as 64 hexadecimal characters."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB chunks.

    Raises:
        OSError: the file cannot be read.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_json(obj: Any) -> str:
    """SHA-256 of ``obj`` serialised as JSON with sorted keys (``str()`` for other types)."""
    return sha256_bytes(json.dumps(obj, sort_keys=True, default=str).encode())


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def notebook_content(nb: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """What a notebook says, as opposed to what a run of it printed.

    Returns:
        One ``(cell_type, source, sorted tags)`` per cell, in order. Outputs, execution counts,
        cell ids and metadata other than tags are left out: saving a notebook in JupyterLab,
        running it, or stripping it for git does not change this.
    """
    return [(str(c.get("cell_type")), _source(c), sorted(c.get("metadata", {}).get("tags", []) or []))
            for c in nb.get("cells", [])]


def notebook_hash_bytes(data: bytes) -> str:
    """:func:`notebook_hash` of a notebook given as its file's bytes.

    Raises:
        ValueError: ``data`` is not JSON.
    """
    return sha256_json(notebook_content(json.loads(data)))


def notebook_hash(path: str | Path) -> str:
    """SHA-256 of a notebook's content (:func:`notebook_content`): cell types, sources and tags.

    Raises:
        OSError: the file cannot be read.
        ValueError: the file is not JSON.
    """
    return notebook_hash_bytes(Path(path).read_bytes())


def git_blob_id(data: bytes) -> str:
    r"""The id git gives a file with these bytes (SHA-1 of ``b"blob <size>\0" + data``).

    Comparing it with ``git ls-tree`` tells whether a file is as committed without running
    git's content filters (which for notebooks start a Python process per file).
    """
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
