"""An approvals file the export cannot honour is refused, never silently read as "none approved".

A researcher approves open answers for publication in ``approved_open_text.csv`` beside the
export. An approval that names a question the form does not have (a typing error:
``comment_text`` for ``comments_text``), or a respondent the export does not hold (an id
copied with a space, from another export), matches nothing: today the build goes on, and the
report says that no answer "has been approved for publication", which is not what the
researcher wrote. The rule: input the code cannot read as meant is refused, naming the file,
the line and the fix, before anything runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from perspectives.build.preflight import preflight
from perspectives.open_text import APPROVALS_FILE

REPO = Path(__file__).resolve().parents[1]
EXPORT = REPO / "data" / "synthetic" / "survey_export.csv"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """A partner's copy of the embedded export, in a folder of its own."""
    path = tmp_path / "export.csv"
    shutil.copyfile(EXPORT, path)
    return path


def test_a_well_formed_approval_passes_preflight(export: Path) -> None:
    """An approval naming an open question and a respondent of the export is accepted."""
    (export.parent / APPROVALS_FILE).write_text("respondent_id,question\nR0010,training_text\n", encoding="utf-8")
    assert preflight(export, None) is not None


@pytest.mark.parametrize("line", ["R0010,comment_text", "R9999,training_text", " R0010,training_text", "R0001,training_text"],
                         ids=["misspelled question", "unknown respondent", "id with a space", "excluded respondent"])
def test_an_approval_that_matches_nothing_is_refused(export: Path, line: str) -> None:
    """The approval names the file and the line; the build stops before any run."""
    (export.parent / APPROVALS_FILE).write_text(f"respondent_id,question\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=APPROVALS_FILE) as refused:
        preflight(export, None)
    assert "line 2" in str(refused.value) and "Fix:" in str(refused.value)
