"""Builds the suite shares: each made once per test run, read by every test file that needs it.

``make test`` runs the suite's files in several pytest-xdist workers, each a process with its
own session fixtures, so a build made in a session fixture would be made once per worker. A
shared build is made under the run's common temporary folder (``getbasetemp().parent`` in a
worker), guarded by a file lock: the first worker that needs it builds it, the others wait
and read it (pytest-xdist's documented pattern for session data). Without xdist it is made
in the session's own temporary folder.

A shared build is read-only: its files are made read-only on disk, and their sizes and times
are recorded; each worker compares them again when its session ends, so a test that changed
one fails loudly even as root (who writes through read-only bits). A test that must change a
build works on :func:`private_copy`; a test that reads part of a build (some reports, some
sections) reads :func:`view`, a folder of links to those parts.

A build's run server spends most of its warm-up searching the small-cell rule's masks, the
same for every build of the same data whatever its reports or language, and saves what it
found in its output folder for the next build there (``perspectives.build.warm``). A test
whose subject is not that search starts its build's output folder with what an earlier build
of the same data saved (:func:`remembering`): the build then writes the bytes it writes
from scratch (test_resident_outputs.py, test_one_run_build.py), without the search.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from filelock import FileLock

# The date the study's shared build shows on its covers and annexes (26 July 2021).
SOURCE_DATE_EPOCH = "1627257600"


def _root(factory: pytest.TempPathFactory) -> Path:
    base = factory.getbasetemp()
    # In a worker the base is the run's folder's popen-gwN: the run's folder is common to the
    # workers of this run and to no other run.
    common = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    root = common / "shared-builds"
    root.mkdir(parents=True, exist_ok=True)
    return root


def decisions_cache(factory: pytest.TempPathFactory) -> Path:
    """The run's decisions cache folder (``PERSPECTIVES_DECISIONS_CACHE``), for the builds that ask for it."""
    return _root(factory) / "decisions-cache"


def fingerprint(folder: Path) -> dict[str, list[int]]:
    """Every file and folder under ``folder``: relative path -> [size, modification time in ns]."""
    found = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        found[path.relative_to(folder).as_posix()] = [0 if path.is_dir() else info.st_size, info.st_mtime_ns]
    return found


def _read_only(folder: Path) -> None:
    for path in [*folder.rglob("*"), folder]:
        if not path.is_symlink():
            mode = path.stat().st_mode
            path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def shared(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """The folder ``name`` that ``make(folder)`` fills, made once for the whole run.

    A build that failed is not tried again by the next worker: its error is given again.
    """
    root = _root(factory)
    folder, done, failed = root / name, root / f"{name}.done.json", root / f"{name}.failed"
    with FileLock(str(root / f"{name}.lock")):
        if failed.exists():
            pytest.fail(f"the shared build {name!r} failed in another worker:\n{failed.read_text(encoding='utf-8')}")
        if not done.exists():
            try:
                make(folder)
            except BaseException:
                failed.write_text(traceback.format_exc()[-6000:], encoding="utf-8")
                raise
            _read_only(folder)
            done.write_text(json.dumps(fingerprint(folder)), encoding="utf-8")
    return folder


def check_unchanged(factory: pytest.TempPathFactory, name: str) -> None:
    """Fail if a file of the shared build ``name`` was added, removed or written since it was made."""
    root = _root(factory)
    recorded = json.loads((root / f"{name}.done.json").read_text(encoding="utf-8"))
    now = fingerprint(root / name)
    changed = sorted(k for k in recorded.keys() | now.keys() if recorded.get(k) != now.get(k))
    assert not changed, f"a test changed the shared build {name!r} (copy it first: private_copy): {changed[:10]}"


def private_copy(source: Path, dest: Path) -> Path:
    """A writable copy of (part of) a shared build, for a test that changes it."""
    shutil.copytree(source, dest, symlinks=True)
    for path in [dest, *dest.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return dest


def remembering(out: Path, decisions: Path) -> Path:
    """``out``, made if missing, holding ``decisions``: the small-cell rule's results a build saved.

    ``decisions`` is the file a build of the same data left in its output folder
    (conftest's ``saved_decisions``); the build into ``out`` reads it as the next build into
    that folder would, and rewrites it. A writable copy: the shared one stays as it was made.
    """
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(decisions, out / decisions.name)
    return out


def view(source: Path, dest: Path, parts: Iterable[str]) -> Path:
    """A folder holding only ``parts`` of a build (``MDA``, ``ALB/sections/methods``), as links.

    What a test reads through it is the shared build's (read-only) files; a reader that lists
    the folder sees only those parts, as in a build of those reports or sections alone.
    """
    for part in parts:
        link = dest / part
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(source / part, target_is_directory=True)
    return dest
