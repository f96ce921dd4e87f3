"""Provenance: what built a report, stated in its footer and in ``outputs/manifest.json``.

Purpose
    A reader of a report (or an auditor of a folder of outputs) must be able to tell which
    inputs, code, parameters, disclosure settings and package versions produced it. Nothing
    here names a local path, a user or a host.

Inputs
    The run stamps the build writes (input files by name and SHA-256, language), the git
    state of the repository, ``params/study.yml`` and the installed packages.

Outputs
    :func:`provenance` (a JSON-ready dict for one report) and :func:`write_manifest`
    (``outputs/manifest.json`` for every report present, written only when it changes).
"""

from __future__ import annotations

import json
import os
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from .files import write_atomic
from .hashing import git_blob_id, notebook_hash_bytes
from .study import Study, repo_root

PACKAGES = ("perspectives", "pandas", "numpy", "scipy", "statsmodels", "seaborn", "matplotlib", "papermill",
            "nbconvert", "nbformat", "ipykernel", "pyxform", "python-docx")


@lru_cache(maxsize=1)
@lru_cache(maxsize=1)
def generator() -> str:
    """The program that wrote a report (``perspectives 0.1.0``), as its HTML, PDF and Word metadata name it."""
    return f"perspectives {metadata.version('perspectives')}"


def code_state(root: Path | None = None) -> dict[str, Any]:
    """Project version, commit and whether tracked files differ from that commit.

    Returns:
        ``{"version": str, "commit": str | None, "uncommitted_changes": bool | None}``; the
        commit and the flag are None outside a git checkout (an unpacked release: the version
        alone then identifies the code) or where git is missing.
    """
    root = root or repo_root()
    state: dict[str, Any] = {"version": metadata.version("perspectives"), "commit": None, "uncommitted_changes": None}
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        if commit.returncode == 0:
            state["commit"] = commit.stdout.strip()
            state["uncommitted_changes"] = _differs_from_commit(root)
    except (OSError, subprocess.SubprocessError):
        pass
    return state


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    done = subprocess.run(["git", *args], cwd=root, input=stdin, capture_output=True, timeout=30, check=True)
    return done.stdout


def _differs_from_commit(root: Path) -> bool:
    """True when a tracked (or staged) file's content differs from ``HEAD``.

    The comparison is made here, from git's object ids, rather than by ``git status``: git
    would pass every notebook whose index entry looks stale (all of them in a fresh clone)
    through the nbstripout clean filter, a Python start per notebook and seconds per build.
    A notebook counts as changed only when its cells' types, sources or tags differ
    (:func:`perspectives.hashing.notebook_content`), which is also all the filter keeps of it;
    outputs saved by JupyterLab are not a change to the code.
    """
    head: dict[str, tuple[bytes, str]] = {}
    for entry in _git(root, "ls-tree", "-r", "-z", "--full-tree", "HEAD").split(b"\0"):
        if entry:
            meta, path = entry.split(b"\t", 1)
            mode, kind, oid = meta.split()
            if kind == b"blob":
                head[path.decode("utf-8", "surrogateescape")] = (mode, oid.decode())
    tracked = {p.decode("utf-8", "surrogateescape") for p in _git(root, "ls-files", "-z").split(b"\0") if p}
    notebooks: list[tuple[str, bytes]] = []
    for path in sorted(tracked | set(head)):
        if path not in head or path not in tracked:
            return True  # staged but not committed, or deleted from the index
        mode, oid = head[path]
        file = root / path
        try:
            data = os.readlink(file).encode() if mode == b"120000" else file.read_bytes()
        except OSError:
            return True  # deleted from the working tree
        if git_blob_id(data) == oid:
            continue
        if not path.endswith(".ipynb"):
            return True
        notebooks.append((oid, data))
    if not notebooks:
        return False
    # One git process for every notebook to compare: their committed bytes, in order.
    batch = _git(root, "cat-file", "--batch", stdin=b"".join(oid.encode() + b"\n" for oid, _ in notebooks))
    for _oid, data in notebooks:
        header, _, batch = batch.partition(b"\n")
        size = int(header.split()[2])
        committed, batch = batch[:size], batch[size + 1:]
        try:
            if notebook_hash_bytes(committed) != notebook_hash_bytes(data):
                return True
        except ValueError:
            return True  # not JSON on one side: certainly not the committed notebook
    return False


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    """Versions of the packages whose behaviour shapes the numbers and the rendering."""
    import platform

    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def disclosure_loss(folder: Path | None) -> dict[str, int] | None:
    """The report's count of withheld counts, as its summary section recorded it, or None.

    ``{"withheld": k, "published": n}``: the distinct counts the report sets out to give, and
    how many of them the small-cell rule withholds (``perspectives.audit.loss``).
    """
    if folder is None:
        return None
    found: dict[str, int] = {}
    for path in sorted(Path(folder).glob("sections/*/values.json")):
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and str(entry.get("name", "")).startswith("disclosure.counts."):
                found[str(entry["name"]).rsplit(".", 1)[1]] = int(entry["value"])
    return found if {"withheld", "published"} <= set(found) else None


def loss_line(folders: list[Path]) -> str | None:
    """One line for a build: the counts withheld across its reports, or None when none recorded it."""
    losses = [x for x in (disclosure_loss(f) for f in folders) if x]
    if not losses:
        return None
    withheld, published = sum(x["withheld"] for x in losses), sum(x["published"] for x in losses)
    share = 100.0 * withheld / published if published else 0.0
    return (f"small-cell rule: {withheld:,} of {published:,} counts withheld ({share:.1f}%) across "
            f"{len(losses)} report(s)")


def provenance(code: str, stamps: list[dict[str, Any]], folder: Path | None = None,
               study: Study | None = None) -> dict[str, Any]:
    """Everything that built one report, from its runs' stamps (and, given its folder, its loss).

    ``study``: the report's study, whose disclosure settings are recorded (default: the one
    around the working directory).
    """
    inputs: dict[tuple[str, str, str], None] = {}
    for stamp in stamps:
        for item in stamp.get("inputs", []):
            inputs[(item["role"], item["name"], item["sha256"])] = None
    # Read from the study file directly: importing the disclosure module would pull in
    # pandas and scipy, seconds that a no-change build must not pay.
    if study is None:
        from .project import default

        study = default().study
    cfg = study.disclosure
    # whole numbers already: params/study.yml is validated where it is read (perspectives.config)
    disclosure: dict[str, Any] = {"threshold": cfg["threshold"], "reliability_min_n": cfg["reliability_min_n"]}
    counted = disclosure_loss(folder)
    if counted:
        disclosure.update({"counts_published": counted["published"], "counts_withheld": counted["withheld"]})
    return {
        "report": code,
        "inputs": [{"role": r, "file": n, "sha256": s} for r, n, s in inputs],
        "parameters": {"country": code, "lang": str(stamps[0].get("lang", "en")) if stamps else "en",
                       "data": sorted({n for r, n, _ in inputs if r == "survey"}),
                       "conversations": sorted({n for r, n, _ in inputs if r == "conversations"})},
        "disclosure": disclosure,
        "code": code_state(),
        "packages": package_versions(),
    }


def write_manifest(out: Path, records: list[dict[str, Any]]) -> bool:
    """Write ``out/manifest.json`` (reports in a fixed order); False when unchanged."""
    text = json.dumps({"reports": sorted(records, key=lambda r: r["report"])}, indent=1, sort_keys=True) + "\n"
    dest = Path(out) / "manifest.json"
    if dest.is_file() and dest.read_text(encoding="utf-8") == text:
        return False
    write_atomic(dest, text)
    return True
