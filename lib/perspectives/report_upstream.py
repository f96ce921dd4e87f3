"""What a section's run reads of the sections the grid runs before it.

Purpose
    The run order (``after:`` in ``params/grid.yml``) and the record of what finished runs
    published (:class:`Upstream`), which :func:`perspectives.report.read_upstream` fills and the
    report's texts, summary and recommendations read. Kept apart from the section runtime so
    that the parts of it that write from other sections' findings share one definition.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from .project import default
from .study import Grid


def runs_before(section: str, grid: Grid | None = None) -> set[str]:
    """The sections the grid runs before ``section``: its ``after``, and theirs.

    ``grid``: the run grid (default: that of the study folder around the working directory).
    """
    grid = {s.id: s for s in (grid or default().grid).sections}
    before: set[str] = set()
    todo = list(grid[section].after)
    while todo:
        name = todo.pop()
        if name not in before:
            before.add(name)
            todo.extend(grid[name].after)
    return before


class UpstreamError(RuntimeError):
    """A run read a section that ``params/grid.yml`` does not run before it, or one not built."""


@dataclasses.dataclass(frozen=True)
class Upstream:
    """What the finished runs of the sections a run reads published, for the report's texts.

    Attributes:
        values: their recorded values (``values.json``), section by section in grid order.
        shown: each published table (by CSV stem) and the questions and themes its cells count.
        reliability: whether one of their tables shows the reliability mark.
        folders: their run folders, finished.
        combined: whether one of their tables shows the mark of an answer counted in a combined one.
    """

    values: list[dict[str, Any]]
    shown: dict[str, set[str]]
    reliability: bool
    folders: tuple[Path, ...] = ()
    combined: bool = False


NOTHING_UPSTREAM = Upstream(values=[], shown={}, reliability=False)
