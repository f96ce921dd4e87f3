"""The calibration targets of the synthetic survey, read from one YAML file.

Purpose
    ``data/synthetic_targets.yml`` holds, as data, the numbers the synthetic frontline
    workers' survey is calibrated to: values printed in the 2022 report (``published``) and
    our own choices where the report is silent (``synthetic``). This module is the one
    function that reads it, so the generator never repeats a number in code.

Inputs
    ``data/synthetic_targets.yml``.

Outputs
    ``load_targets()``: the parsed mapping (block name -> ``{"published": ..., "synthetic": ...}``);
    ``published(block)`` / ``synthetic(block)``: one side of one block.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from perspectives.project import Project, default
from perspectives.study import read_yaml

TARGETS_FILE = "data/synthetic_targets.yml"


def _load(path: Path) -> dict[str, Any]:
    data = read_yaml(path, "synthetic_targets")  # validated where it is read (perspectives.config)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


def load_targets(path: Path | str | None = None, *, project: Project | None = None) -> dict[str, Any]:
    """Return the whole targets file as a mapping (kept by the project; do not mutate).

    Args:
        path: a targets file (default: the project's ``data/synthetic_targets.yml``).
        project: the study folder (default: the one around the working directory).
    """
    project = default(project)
    file = Path(path).resolve() if path else project.path(TARGETS_FILE)
    return project.cached("targets", file, lambda: _load(file), [file])


def published(block: str, path: Path | str | None = None, *, project: Project | None = None) -> dict[str, Any]:
    """The values of ``block`` that were printed in the report."""
    return load_targets(path, project=project)[block].get("published", {})


def synthetic(block: str, path: Path | str | None = None, *, project: Project | None = None) -> dict[str, Any]:
    """Our own choices for ``block`` (where the report prints nothing)."""
    return load_targets(path, project=project)[block].get("synthetic", {})
