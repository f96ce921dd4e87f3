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

from functools import lru_cache
from pathlib import Path
from typing import Any

from perspectives.study import read_yaml, repo_root

ROOT = repo_root()
TARGETS_PATH = ROOT / "data" / "synthetic_targets.yml"


@lru_cache(maxsize=4)
def _load(path: Path) -> dict[str, Any]:
    data = read_yaml(path, "synthetic_targets")  # validated where it is read (perspectives.config)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


def load_targets(path: Path | str | None = None) -> dict[str, Any]:
    """Return the whole targets file as a mapping (cached; do not mutate)."""
    return _load(Path(path) if path else TARGETS_PATH)


def published(block: str, path: Path | str | None = None) -> dict[str, Any]:
    """The values of ``block`` that were printed in the report."""
    return load_targets(path)[block].get("published", {})


def synthetic(block: str, path: Path | str | None = None) -> dict[str, Any]:
    """Our own choices for ``block`` (where the report prints nothing)."""
    return load_targets(path)[block].get("synthetic", {})
