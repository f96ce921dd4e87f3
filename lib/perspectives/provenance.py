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
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from .study import load_study, repo_root

PACKAGES = ("perspectives", "pandas", "numpy", "scipy", "statsmodels", "seaborn", "matplotlib", "papermill",
            "nbconvert", "nbformat", "ipykernel", "pyxform", "python-docx")


@lru_cache(maxsize=1)
def code_state(root: Path | None = None) -> dict[str, Any]:
    """Project version, commit and whether the working tree had uncommitted changes."""
    root = root or repo_root()
    state: dict[str, Any] = {"version": metadata.version("perspectives"), "commit": None, "uncommitted_changes": None}
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        if commit.returncode == 0:
            state["commit"] = commit.stdout.strip()
            # Only tracked files and untracked files outside outputs/ count as changes to the code.
            status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                    capture_output=True, text=True, timeout=10)
            state["uncommitted_changes"] = bool(status.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass  # not a git checkout (e.g. an unpacked release): the version alone identifies the code
    return state


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


def provenance(code: str, stamps: list[dict[str, Any]]) -> dict[str, Any]:
    """Everything that built one report, from its runs' stamps."""
    inputs: dict[tuple[str, str, str], None] = {}
    for stamp in stamps:
        for item in stamp.get("inputs", []):
            inputs[(item["role"], item["name"], item["sha256"])] = None
    # Read from the study file directly: importing the disclosure module would pull in
    # pandas and scipy, seconds that a no-change build must not pay.
    cfg = load_study().disclosure
    return {
        "report": code,
        "inputs": [{"role": r, "file": n, "sha256": s} for r, n, s in inputs],
        "parameters": {"country": code, "lang": str(stamps[0].get("lang", "en")) if stamps else "en",
                       "data": sorted({n for r, n, _ in inputs if r == "survey"}),
                       "conversations": sorted({n for r, n, _ in inputs if r == "conversations"})},
        "disclosure": {"threshold": int(cfg["threshold"]), "reliability_min_n": int(cfg["reliability_min_n"])},
        "code": code_state(),
        "packages": package_versions(),
    }


def footer_lines(record: dict[str, Any]) -> list[str]:
    """The footer's sentences (English; the assembler translates the fixed words)."""
    code = record["code"]
    commit = (code["commit"] or "unknown")[:12]
    dirty = " with uncommitted changes" if code["uncommitted_changes"] else ""
    packages = ", ".join(f"{k} {v}" for k, v in record["packages"].items() if k != "perspectives")
    cfg = record["disclosure"]
    return [
        f"Built by perspectives {code['version']} at commit {commit}{dirty}.",
        f"Disclosure control: counts below {cfg['threshold']} withheld; estimates on fewer than "
        f"{cfg['reliability_min_n']} respondents marked.",
        f"Packages: {packages}.",
    ]


def write_manifest(out: Path, records: list[dict[str, Any]]) -> bool:
    """Write ``out/manifest.json`` (reports in a fixed order); False when unchanged."""
    text = json.dumps({"reports": sorted(records, key=lambda r: r["report"])}, indent=1, sort_keys=True) + "\n"
    dest = Path(out) / "manifest.json"
    if dest.is_file() and dest.read_text(encoding="utf-8") == text:
        return False
    tmp = dest.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(dest)
    return True
