"""Projects the tests build: the stand-in project and copies of this checkout.

``tests/fixtures/build`` holds tiny notebooks importing a stand-in library package
(``fakepersp``) and the grids; its study is the real ``params/study.yml`` cut down to one
country (ALB), so its reports are ALB and the synthesis, with the real report texts, Word
styles, catalogues and form (a study folder holds what its reports show). :func:`copy_checkout` makes a second
checkout of the real project, as a second clone would be.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import yaml

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "build"
REPO = Path(__file__).resolve().parents[1]


def make_project(dest: Path, survey: bytes = b"respondent_id,country\nT1,ALB\n") -> Path:
    """Copy the stand-in project to ``dest`` with its study, a lock and a survey file."""
    shutil.copytree(FIXTURE, dest)
    study = yaml.safe_load((REPO / "params" / "study.yml").read_text(encoding="utf-8"))
    study["countries"] = [c for c in study["countries"] if c["iso3"] == "ALB"]
    (dest / "params" / "study.yml").write_text(yaml.safe_dump(study, allow_unicode=True), encoding="utf-8")
    # What the assembler shows from the study folder: the report's fixed texts, the Word styles,
    # the catalogues (the stand-in's notebooks are the project's own).
    for name in ("report_texts.yml", "reference.docx"):
        shutil.copy2(REPO / "params" / name, dest / "params" / name)
    shutil.copytree(REPO / "params" / "i18n", dest / "params" / "i18n")
    shutil.copytree(REPO / "data" / "instrument", dest / "data" / "instrument")  # the form its catalogues translate
    (dest / "requirements.lock").write_text("example==1.0\n")
    (dest / "data" / "synthetic").mkdir(parents=True)
    (dest / "data" / "synthetic" / "survey_export.csv").write_bytes(survey)
    return dest


def copy_checkout(dest: Path) -> Path:
    """A second checkout at ``dest``: this one's files as they are now, and its git metadata.

    The files are those git tracks or would track (committed or not, so that a developer's
    uncommitted change is what gets built); ``.git`` is copied so that both checkouts state
    the same commit and the same uncommitted-changes flag, as two clones of one commit do.
    """
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, listed):
        source = REPO / os.fsdecode(name)
        if source.is_file():
            target = dest / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git = REPO / ".git"
    if git.is_dir():
        shutil.copytree(git, dest / ".git", symlinks=True)
    elif git.is_file():  # a linked worktree: .git names the shared repository
        shutil.copy2(git, dest / ".git")
    return dest
