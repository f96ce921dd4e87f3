"""The study folder a command, a build or a run works on: its paths, its files read, its caches.

Purpose
    One :class:`Project` object stands for one study folder: ``params/`` (the study, the grid,
    the analyses, the catalogues), ``data/`` (the instrument, the embedded exports, the claims),
    ``notebooks/`` and ``outputs/``. It is made where a command starts (:mod:`perspectives.cli`,
    ``--project DIR``), where a build starts and where a notebook run starts (the notebook's
    ``project`` parameter), and passed down: a function that reads the study's files takes the
    project (or the one object it needs, such as the study). Nothing is read or fixed when a
    module is imported.

    Every file read for the project, and everything computed from those files that is worth
    keeping, is kept in the project (:meth:`Project.cached`), keyed by what was asked and
    checked against the version (size and modification time) of the files it came from: an
    edited file is read again, and no test has a cache to clear. Two study folders served by
    one installed library in one process have their own projects and share nothing.

    The default project is the study folder around the working directory (the first folder,
    going up, that holds ``params/study.yml``; :func:`find_root`), never the checkout the
    library was imported from; :func:`default` is the one place a function given no project
    takes it. :meth:`Project.at` gives one project per folder and process, so that a run
    started in the build's pre-warmed process finds what the warm-up read.

Inputs
    A folder holding ``params/study.yml`` (and, as the study needs them, ``params/grid.yml``
    and the other files of ``params/`` and ``data/``).

Outputs
    :class:`Project`: its paths, its :attr:`~Project.study`, :attr:`~Project.grid` and every
    file read for it; :class:`NoProjectError` (a ``ValueError``) for a folder that is no study.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from .study import STUDY_FILE, Grid, NoProjectError, Study, find_root, load_grid, load_study, read_yaml

__all__ = ["NoProjectError", "Project", "STUDY_FILE", "default", "find_root", "project_of"]

T = TypeVar("T")


def _version(path: Path) -> tuple[int, int] | None:
    """What tells one version of a file from the next: its size and modification time (None: absent)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns)


class Project:
    """One study folder: its paths, the files read from it, and every cache of them.

    Attributes:
        root: the study folder (resolved).
    """

    def __init__(self, root: Path | str) -> None:
        """Open the study folder ``root``.

        Raises:
            NoProjectError: ``root`` holds no ``params/study.yml``.
        """
        root = Path(root).expanduser().resolve()
        if not (root / STUDY_FILE).is_file():
            raise NoProjectError(f"{root.name or root} is not a study folder: it holds no {STUDY_FILE}. Fix: give "
                                 "the folder that holds params/, data/ and notebooks/")
        self.root = root
        self._cache: dict[Hashable, OrderedDict[Hashable, tuple[tuple[Any, ...], Any]]] = {}

    def __repr__(self) -> str:
        return f"Project({str(self.root)!r})"

    # ------------------------------------------------------------------ one per folder
    @classmethod
    def at(cls, root: Path | str) -> Project:
        """The project of the folder ``root`` in this process (made on first use).

        A build's run server reads the study's files once before forking its runs: a run that
        opens its project with ``at`` finds them read.

        Raises:
            NoProjectError: ``root`` holds no ``params/study.yml``.
        """
        key = Path(root).expanduser().resolve()
        found = _OPEN.get(key)
        if found is None:
            found = _OPEN[key] = cls(key)
        return found

    @classmethod
    def here(cls, start: Path | str | None = None) -> Project:
        """The project of the study folder around ``start`` (default: the working directory).

        Raises:
            NoProjectError: no folder at or above ``start`` holds ``params/study.yml``.
        """
        return cls.at(find_root(start))

    # ------------------------------------------------------------------ paths
    def path(self, relative: str | Path) -> Path:
        """A path of the study folder given from its root (``params/summary.yml``)."""
        return self.root / relative

    @property
    def params(self) -> Path:
        """``params/``: the study, the grid, the analyses, the texts, the catalogues."""
        return self.root / "params"

    @property
    def data(self) -> Path:
        """``data/``: the instrument, the embedded exports, the codebook, the claims."""
        return self.root / "data"

    @property
    def notebooks(self) -> Path:
        """``notebooks/``: one notebook per report section."""
        return self.root / "notebooks"

    @property
    def outputs(self) -> Path:
        """``outputs/``: the default output folder of a build."""
        return self.root / "outputs"

    @property
    def catalogues(self) -> Path:
        """``params/i18n/``: one catalogue per report language."""
        return self.params / "i18n"

    @property
    def instrument_sources(self) -> Path:
        """``data/instrument/``: the XLSForm's sheets as plain text."""
        return self.data / "instrument"

    @property
    def instrument_form(self) -> Path:
        """``data/instrument.xlsx``: the XLSForm written from the sheets."""
        return self.data / "instrument.xlsx"

    @property
    def study_file(self) -> Path:
        """``params/study.yml``."""
        return self.root / STUDY_FILE

    @property
    def grid_file(self) -> Path:
        """``params/grid.yml``."""
        return self.params / "grid.yml"

    # ------------------------------------------------------------------ files read
    def cached(self, kind: str, key: Hashable, compute: Callable[[], T], files: Iterable[Path] = (),
               keep: int = 8) -> T:
        """What ``compute`` gives, kept in this project until one of ``files`` changes.

        The one cache of the project's files and of what is computed from them: a value is
        computed again when a file it came from is written, added or removed, so a long-lived
        process (the preview, the report page) never serves a stale study.

        Args:
            kind: what is kept (``"study"``, ``"catalogue"``...): each kind keeps its own values.
            key: which one of the kind (a language, a path); hashable.
            compute: makes the value.
            files: the files the value is read from.
            keep: how many values of the kind are kept (the least recently used goes first).

        Returns:
            The value (shared: do not change it).
        """
        files = tuple(files)
        stamp = tuple(_version(p) for p in files)
        shelf = self._cache.setdefault(kind, OrderedDict())
        hit = shelf.get(key)
        if hit is not None and hit[0] == stamp:
            shelf.move_to_end(key)
            return hit[1]
        value = compute()
        shelf[key] = (stamp, value)
        shelf.move_to_end(key)
        while len(shelf) > keep:
            shelf.popitem(last=False)
        return value

    def forget(self) -> None:
        """Let go of everything kept: the next request reads the files again.

        A file written twice within the file system's clock tick, at the same size, looks
        unchanged; whoever rewrites files that fast (a test) says so here.
        """
        self._cache.clear()

    def yaml(self, relative: str, kind: str | None = None) -> Any:
        """A YAML file of the study folder, parsed and checked (:func:`perspectives.study.read_yaml`).

        Shared by every caller: do not change it (``read_yaml`` gives a copy to change).
        """
        path = self.path(relative)
        return self.cached("yaml", (relative, kind), lambda: read_yaml(path, kind), [path], keep=64)

    @property
    def study(self) -> Study:
        """The study (``params/study.yml``)."""
        return self.cached("study", None, lambda: load_study(self.study_file), [self.study_file])

    @property
    def grid(self) -> Grid:
        """The run grid (``params/grid.yml``)."""
        return self.cached("grid", None, lambda: load_grid(self.grid_file), [self.grid_file])

    @property
    def analyses(self) -> dict[str, Any]:
        """The analysis specs (``params/analyses.yml``), by id; ``bands`` holds the slider bands."""
        return self.yaml("params/analyses.yml")

    @property
    def figure_theme(self) -> dict[str, Any] | None:
        """Matplotlib's settings of the study's figures (``params/figure_theme.yml``), or None without the file."""
        path = self.path("params/figure_theme.yml")
        return self.yaml("params/figure_theme.yml", "figure_theme")["rc"] if path.is_file() else None


# One project per folder and process (Project.at): a run opens the project its warm-up read.
_OPEN: dict[Path, Project] = {}


def default(project: Project | None = None) -> Project:
    """``project``, or the project of the study folder around the working directory.

    The one place a function given no project takes one.

    Raises:
        NoProjectError: no project given and none around the working directory.
    """
    return project if project is not None else Project.here()


def project_of(where: Project | Path | str | None) -> Project:
    """The project a caller names: a :class:`Project`, a study folder, or None for the one around the working directory.

    What a notebook's ``project`` parameter gives (a folder as text, or None).

    Raises:
        NoProjectError: the folder holds no ``params/study.yml``, or none is given and no
            folder around the working directory holds one.
    """
    if isinstance(where, Project):
        return where
    return Project.at(where) if where not in (None, "") else Project.here()
