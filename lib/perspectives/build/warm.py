"""The run server's warm-up: what every run of a build shares, loaded once before the runs.

The data (the first run's paths and language are every run's), the places of the due runs,
and the small-cell rule's results the previous build saved in the output folder, or that a
build of the same inputs saved in the decisions cache (``PERSPECTIVES_DECISIONS_CACHE``, a
folder builds into any output folder share: :func:`shared_decisions`).

A resident run server (:mod:`perspectives.build.resident`) serves later builds too, so its
warm-up is keyed in two parts: what it read (:func:`warm_key`, the data and language, and
:func:`inputs_digest`, the saved results as they are now), which must be a later build's for
the server to serve it at all, and how far it went (``light``, ``gazetteer``), which a later
build may need more of: :func:`rewarm` says which call of the warm-up brings the server
there. So a server warmed for a whole build serves one section's, and one warmed for one
section's is brought up to a whole build's before its runs start.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perspectives.hashing import sha256_json

if TYPE_CHECKING:
    from perspectives.build.plan import PlannedRun
    from perspectives.project import Project
    from perspectives.study import Study

__all__ = ["CACHE_ENV", "DECISIONS_FILE", "LIGHT_WARM_UP_RUNS", "inputs_digest", "rewarm", "shared_decisions",
           "warm_key", "warm_up"]


# The small-cell rule's results of the previous build's warm-up (a hidden file of the
# output folder, rewritten by each build with the results it used): with a hundred
# countries, searching every question's mask again is most of a one-country rebuild.
DECISIONS_FILE = ".disclosure-decisions.json"

# A folder of the small-cell rule's results that builds into any output folder share (unset:
# none), a file for each content of what the search reads (:func:`shared_decisions`): a build
# in a fresh output folder (a test's, a second checkout's) starts from a build of the same inputs.
CACHE_ENV = "PERSPECTIVES_DECISIONS_CACHE"


def shared_decisions(project: Project, params: dict[str, Any], package: str) -> str | None:
    """The file of the decisions cache (``PERSPECTIVES_DECISIONS_CACHE``) for a build's inputs.

    Its name is the digest of what the masks are searched from: every data and parameter
    file by content, as a run's stamp records them (:func:`perspectives.build.plan.data_stamp`:
    a given export and conversations among them, wherever they lie), every module of the
    library package, the environment's lock and the id column; not which reports, sections or
    language are built, so that a build of one section finds the results of a whole build. A
    change to any of them names another file, which a build does not find: it searches, and
    saves its results there. Inside the file each result is keyed by its table's counts, the
    threshold and the rule's source (``disclosure.load_decisions``), so a file cannot change
    a mask: it spares the search.

    Args:
        project: the study folder built.
        params: a run's parameters (``data_path``, ``conversations_path`` and ``id_column``
            are read; None or absent: the embedded data, the reader's id rule).
        package: the library package (the study folder's ``lib/<package>``, or the installed one).

    Returns:
        The file's absolute path (it may not exist yet); None when the setting is unset.
    """
    folder = os.environ.get(CACHE_ENV, "").strip()
    if not folder:
        return None
    from perspectives.build.plan import FileHasher, LibraryIndex, data_stamp, environment_lock, library_folder

    hasher, lib_dir = FileHasher(), library_folder(project.root, package)
    lock = environment_lock(project.root, lib_dir)
    given = {name: params.get(name) for name in ("data_path", "conversations_path")}
    key = sha256_json({"data": data_stamp(project.root, project.study, given, hasher)[0],
                       "environment": hasher(lock) if lock.is_file() else "none",
                       "library": LibraryIndex(lib_dir, package, hasher).hashes(None),
                       "id_column": params.get("id_column") or ""})
    return str(Path(folder).expanduser().resolve() / f"decisions-{key}.json")


def warm_up(todo: list[PlannedRun], study: Study, package: str,
            out: Path | None = None, project: Project | None = None) -> tuple[str, dict[str, object]]:
    """The run server's warm-up function and its arguments.

    Every run of a build reads the same data (the first run's data paths and language are
    every run's): the server loads them once, for the places of the runs due, and starts from
    the small-cell rule's results the previous build saved in ``out`` and those of the
    decisions cache for its inputs (:func:`shared_decisions`); the runs open the study
    folder the warm-up read (``project``).
    """
    first = todo[0].params
    args: dict[str, object] = {
        **{k: first[k] for k in ("data_path", "conversations_path", "lang", "id_column") if k in first},
        "countries": sorted({r.report for r in todo} - {study.synthesis_code})}
    if out is not None and package == "perspectives":
        args["decisions"] = str(out / DECISIONS_FILE)
        shared = shared_decisions(project, first, package) if project is not None else None
        if shared is not None:
            args["shared_decisions"] = shared
        if project is not None:
            args["project"] = str(project.root)
        # Only the synthesis and countries that held conversations screen excerpts.
        args["gazetteer"] = any(r.report == study.synthesis_code or study.country(r.report).conversations
                                for r in todo)
        # One run due (an edited section): it builds only the masks it publishes.
        args["light"] = len(todo) <= LIGHT_WARM_UP_RUNS
    return (f"{package}.report:warm_up", args)


# Up to this many due runs the run server loads the data but leaves the masks to the runs.
LIGHT_WARM_UP_RUNS = 1


# The warm-up's arguments that say how far it went rather than what it read: a server that
# went further serves a build that needs less (its runs find more in their caches, with the
# same results), and one that went less far is brought up by :func:`rewarm`. ``countries`` is
# not read by the warm-up.
LEVEL_ARGS = ("countries", "light", "gazetteer")


def warm_key(warm: tuple[str, dict[str, Any]] | None) -> dict[str, Any]:
    """What a warm-up read, which a resident server must share with a build to serve it.

    The function and its arguments but those of :data:`LEVEL_ARGS`: the data and
    conversations files, the language, the id column, the study folder, the saved results' file.
    """
    if warm is None:
        return {}
    return {"function": warm[0], "kwargs": {k: v for k, v in sorted(warm[1].items()) if k not in LEVEL_ARGS}}


def rewarm(done: dict[str, Any], wanted: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The warm-up call that brings a server warmed with ``done`` up to ``wanted``, and what it then holds.

    Both share :func:`warm_key` (the server's fingerprint says so). A light warm-up left the
    masks to the runs: a build with more runs due has them warmed now (the full warm-up,
    which also saves the small-cell rule's results, as a fresh server's does). A warm-up
    without the gazetteer is given it when the build's runs screen excerpts.

    Returns:
        The keyword arguments to call the warm-up with (None: nothing is missing), and the
        arguments the server's warm-up is then equivalent to.
    """
    done_light, wanted_light = bool(done.get("light", False)), bool(wanted.get("light", False))
    done_gazetteer, wanted_gazetteer = bool(done.get("gazetteer", True)), bool(wanted.get("gazetteer", True))
    masks = done_light and not wanted_light
    gazetteer = wanted_gazetteer and not done_gazetteer
    holds = {**wanted, "light": done_light and wanted_light, "gazetteer": done_gazetteer or wanted_gazetteer}
    if not masks and not gazetteer:
        return None, holds
    return {**wanted, "light": not masks, "gazetteer": gazetteer}, holds


def inputs_digest(kwargs: dict[str, Any]) -> str:
    """The digest of what the warm-up read that a build may rewrite: the small-cell rule's saved results.

    A resident server records it after each warm-up and a build compares it with the file
    as it finds it; "" when the warm-up reads none, "missing" when the file is not there.
    """
    decisions = kwargs.get("decisions")
    if not decisions:
        return ""
    from perspectives.hashing import sha256_file

    try:
        return sha256_file(Path(str(decisions)))
    except OSError:
        return "missing"
