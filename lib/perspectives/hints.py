"""Commands and paths the tools print for the user to run or open: exactly as they will work.

Purpose
    A hint ("Next: perspectives build --data ...", "partial notebook: outputs/MDA/failed/...")
    is only useful if it works when copied into the same terminal. Three rules make that so:

    * the program is named as it was run: ``perspectives`` when that name on ``PATH`` is the
      program running, otherwise the path it was run by (``.venv/bin/perspectives``), or
      ``python -m perspectives.cli`` with the running interpreter when the tool was started
      as a module (:func:`program`);
    * a path is shown as the user gave it (a relative path stays relative to their folder),
      and a path the tools made is shown relative to the current folder when it lies below
      it, absolute otherwise (:func:`shown_path`);
    * every word is quoted for a POSIX shell (:func:`shlex.join`), so a name with a space or
      a quote still runs.

Inputs
    ``sys.argv[0]``, ``sys.executable``, ``PATH`` and the current folder.

Outputs
    Strings for messages; nothing is written.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

__all__ = ["command", "module_command", "program", "shown_path"]

# The console script's name (lib/pyproject.toml, [project.scripts]) and the module behind it.
SCRIPT = "perspectives"
MODULE = "perspectives.cli"


def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def program() -> list[str]:
    """The words that run ``perspectives`` again, as the user ran it, from their current folder."""
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
    if Path(argv0).name == SCRIPT and Path(argv0).is_file():
        found = shutil.which(SCRIPT)
        if found and _same_file(found, argv0):
            return [SCRIPT]
        shown = shown_path(argv0)
        # A program named without a folder would be looked up on PATH: ./ names this one.
        return [shown if "/" in shown else f"./{shown}"]
    # Run as a module (python -m perspectives.cli, python -m perspectives.check) or from
    # another program (the test suite, a notebook): the interpreter that is running, which has
    # the library installed.
    return [shown_path(sys.executable), "-m", MODULE]


def shown_path(path: str | Path) -> str:
    """A path as a command in the current folder takes it.

    A relative path is kept as given (it is relative to the current folder already); an
    absolute one below the current folder is shown relative to it; any other is kept whole.
    """
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.relative_to(Path.cwd())
        except ValueError:
            return str(p)
    text = str(p)
    # A name starting with - would be read as an option.
    return f"./{text}" if text.startswith("-") else text


def command(*words: str | Path, project: str | Path | None = None) -> str:
    """``perspectives WORDS...`` as a shell runs it: the program as run, each word quoted.

    ``project`` is the study folder the command works on: named (``--project DIR``) when it
    is not the one around the current folder, so that the command runs as printed.
    """
    return shlex.join([*program(), *_project_option(project), *(str(w) for w in words)])


def _project_option(project: str | Path | None) -> list[str]:
    if project is None:
        return []
    from .study import NoProjectError, find_root

    try:
        here = find_root()
    except NoProjectError:
        here = None
    return [] if Path(project).resolve() == here else ["--project", shown_path(project)]


def module_command(module: str, *words: str | Path) -> str:
    """``python -m MODULE WORDS...`` with the running interpreter (which has the library), each word quoted."""
    return shlex.join([shown_path(sys.executable), "-m", module, *(str(w) for w in words)])
