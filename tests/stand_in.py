"""The stand-in project the build and engine tests build: tiny notebooks importing ``fakepersp``.

``tests/fixtures/build`` holds the notebooks, a stand-in library package and the grids; the
study is the real ``params/study.yml`` cut down to one country (ALB), so its reports are ALB
and the synthesis.
"""

from __future__ import annotations

import shutil
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
    (dest / "requirements.lock").write_text("example==1.0\n")
    (dest / "data" / "synthetic").mkdir(parents=True)
    (dest / "data" / "synthetic" / "survey_export.csv").write_bytes(survey)
    return dest
