"""The run grid as data: the section notebooks, their order, the parameters each accepts.

Purpose
    ``params/grid.yml`` lists the section notebooks (an id, the notebook, a title, the
    sections it runs after, its place in the report) and the parameter schema every section
    notebook accepts. This module holds the frozen dataclasses and the checks only code can
    make on a parsed grid (a section listed twice, an ``after`` naming no section or making a
    cycle). Apart from :mod:`perspectives.study`, which reads the file and validates a run's
    parameters against the schema, because the grid is the build's data, not the study's.

Inputs
    A parsed ``grid.yml`` (checked against :data:`perspectives.config.SCHEMAS` ``["grid"]``).

Outputs
    :class:`Grid`, :class:`GridSection`, :class:`ParamSpec`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import config


@dataclass(frozen=True)
class GridSection:
    """One section notebook of the run grid.

    Not to be confused with the notebook's runtime, :class:`perspectives.report.Section`.
    """

    id: str
    notebook: str  # path relative to the repository root
    title: str
    after: tuple[str, ...] = ()
    position: str | None = None


@dataclass(frozen=True)
class ParamSpec:
    """One entry of the notebook parameter schema."""

    name: str
    type: str
    default: Any = None


@dataclass(frozen=True)
class Grid:
    """The run grid's sections and the notebook parameter schema.

    The reports each section runs for are not the grid's: they are the study's countries and
    the synthesis (:attr:`Study.report_codes`), from ``params/study.yml`` alone.
    """

    sections: tuple[GridSection, ...]
    parameters: tuple[ParamSpec, ...]

    @property
    def section_ids(self) -> tuple[str, ...]:
        """Section ids in grid order."""
        return tuple(s.id for s in self.sections)

    def section(self, section_id: str) -> GridSection:
        """Return a section by id; ValueError listing the ids otherwise."""
        for s in self.sections:
            if s.id == section_id:
                return s
        raise ValueError(
            f"unknown section {section_id!r}; allowed: {', '.join(self.section_ids)}"
        )

    def report_order(self) -> tuple[GridSection, ...]:
        """Sections in the order a report shows them (``position: first`` ones first)."""
        first = [s for s in self.sections if s.position == "first"]
        rest = [s for s in self.sections if s.position != "first"]
        return (*first, *rest)


def grid_from(doc: dict[str, Any], path: Path) -> Grid:
    """The grid a parsed, schema-checked ``grid.yml`` describes, after the checks only code makes.

    Raises:
        ConfigError: a section id used twice, an ``after`` naming no section, or an ``after``
            cycle, naming the line.
    """
    entries = doc["sections"]
    sections = tuple(
        GridSection(id=s["id"], notebook=s["notebook"], title=s.get("title", s["id"]),
                    after=tuple(s.get("after") or ()), position=s.get("position"))
        for s in entries
    )
    ids = [s.id for s in sections]
    for i, s in enumerate(sections):
        if s.id in ids[:i]:
            raise config.error_at(path, ["sections", i, "id"], f"section id {s.id!r} is used twice",
                                  "give each section its own id")
        for j, a in enumerate(s.after):
            if a not in ids:
                raise config.error_at(path, ["sections", i, "after", j], f"section {s.id!r} runs after unknown {a!r}",
                                      f"name sections of the grid: {', '.join(ids)}")
    _check_acyclic(path, sections)
    params = tuple(
        ParamSpec(name=k, type=v["type"], default=v.get("default"))
        for k, v in (doc.get("parameters") or {}).items()
    )
    return Grid(sections=sections, parameters=params)


def _check_acyclic(path: Path, sections: tuple[GridSection, ...]) -> None:
    """Reject ``after`` cycles, which would leave runs waiting for ever."""
    deps = {s.id: set(s.after) for s in sections}
    done: set[str] = set()
    while deps:
        ready = [k for k, v in deps.items() if v <= done]
        if not ready:
            first = next(i for i, s in enumerate(sections) if s.id in deps)
            raise config.error_at(path, ["sections", first, "after"],
                                  f"grid: 'after' cycle among sections {sorted(deps)}",
                                  "make sure no section runs after itself, directly or through others")
        for k in ready:
            done.add(k)
            del deps[k]
