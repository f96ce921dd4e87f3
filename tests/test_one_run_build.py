"""A build with one run due (an edited section) warms its run server lightly, with the same bytes.

The run server of such a build loads the parameters, the survey and the small-cell rule's
saved results, and leaves the populations, places and masks to the run, which builds only
those it publishes (``report.warm_up(light=True)``). What the run writes must not change:
one section is built again alone (``--force``) into a copy of a build made with the full
warm-up, and every file must keep its bytes.

The full build starts from the small-cell rule's results a warm-up saved for the same data
(conftest's ``saved_decisions``, :func:`shared_builds.remembering`): its subject is the light
warm-up against the full one, not the search, which the study's build makes from scratch and
test_disclosure_build.py compares with those saved results byte for byte.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from shared_builds import remembering

from perspectives.study import repo_root

ROOT = repo_root()


def _build(out: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env.update(MPLBACKEND="Agg", PYDEVD_DISABLE_FILE_VALIDATION="1")
    done = subprocess.run([sys.executable, "-m", "perspectives.cli", "build", "--country", "MDA", "--jobs", "2",
                           "--out", str(out), *args], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".build.lock"}


def test_one_section_built_again_alone_keeps_every_byte(tmp_path: Path, saved_decisions: Path):
    full = remembering(tmp_path / "full", saved_decisions)
    stderr = _build(full, "--section", "knowledge", "prevention")
    assert "run server ready in" in stderr and "one run due" not in stderr  # two runs: the full warm-up
    again = tmp_path / "again"
    shutil.copytree(full, again)
    stderr = _build(again, "--section", "prevention", "--force")
    assert "(one run due: the data loaded, its masks left to it)" in stderr
    assert "[1/1] MDA prevention" in stderr
    before, after = _files(full), _files(again)
    assert sorted(after) == sorted(before)
    assert [name for name in before if before[name] != after[name]] == []
