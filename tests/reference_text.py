"""Where the published report's text is, for the tests that keep its prose out of the project.

The text is never part of the repository. It is found through ``PERSPECTIVES_REFERENCE`` (a
file or a folder of ``*.txt``) or a ``shared/reference`` folder beside a parent of the
checkout; a test that needs it skips where it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def reference_files() -> list[Path]:
    """The published report's text files, or ``[]`` when this machine has none."""
    named = os.environ.get("PERSPECTIVES_REFERENCE")
    candidates = [Path(named)] if named else [p / "shared" / "reference" for p in REPO.parents]
    for candidate in candidates:
        if candidate.is_file():
            return [candidate]
        if candidate.is_dir() and sorted(candidate.glob("*.txt")):
            return sorted(candidate.glob("*.txt"))
    return []


def reference_text() -> str:
    """The published report's text, joined; skips the calling test when it is absent."""
    import pytest

    files = reference_files()
    if not files:
        pytest.skip("the published report's text is not on this machine")
    return "\n".join(f.read_text(encoding="utf-8") for f in files)
