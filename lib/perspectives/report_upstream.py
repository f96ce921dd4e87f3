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
        printed: each published table (by CSV stem) and the cells it prints, each as
            :func:`printed_cell` writes it (what a reader can find in it, after the small-cell
            rule and the columns left out: see :meth:`prints`).
    """

    values: list[dict[str, Any]]
    shown: dict[str, set[str]]
    reliability: bool
    folders: tuple[Path, ...] = ()
    combined: bool = False
    printed: dict[str, set[tuple[Any, ...]]] = dataclasses.field(default_factory=dict)

    def drew(self, stem: str) -> bool:
        """Whether one of the runs drew the figure ``stem`` (a chart with too little to show gives way to its table)."""
        return any((folder / "figures" / f"{stem}.png").is_file() for folder in self.folders)

    def prints(self, stem: str, value: dict[str, Any], places: frozenset[str]) -> bool:
        """The one rule for citing a table: whether table ``stem`` prints the recorded ``value``.

        A recorded count or share (a ``values.json`` entry with its cells) is printed when the
        table shows a cell of the same question, places, answers and measure: a table whose
        column of the place is left out (every share and base withheld), or whose cell is
        withheld, does not print it, whatever the value recorded. A value counted on no cells
        (a mean) is printed where the table shows a cell of its report's ``places`` (the
        respondents it is the mean of).
        """
        cells = self.printed.get(stem, set())
        own = value.get("cells") or {}
        if own:
            return printed_cell(own, value.get("measure", "count")) in cells
        return any(where == places for _, where, _, _ in cells)


def printed_cell(cells: dict[str, Any], measure: str) -> tuple[Any, ...]:
    """A printed cell as :meth:`Upstream.prints` compares it: question, places, answers and measure."""
    return (cells.get("universe"), frozenset(map(str, cells.get("places") or ())),
            frozenset(map(str, cells.get("categories") or ())), measure)


NOTHING_UPSTREAM = Upstream(values=[], shown={}, reliability=False)
