"""Bad input through the command line: one clear message, a non-zero exit, nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import tiny_frame


def _run_build(data: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "perspectives.cli", "build", "--country", "MDA", "--data", str(data),
                           "--out", str(out), *extra], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("breakage, expected", [
    (lambda f: f.drop(columns="barriers"), ["barriers", "Which of these factors"]),
    (lambda f: f.assign(se_share=[140] + [40] * (len(f) - 1)), ["out of range", "rows 2"]),
])
def test_bad_export_stops_the_build_before_anything_is_written(tmp_path, breakage, expected):
    data = tmp_path / "partner_export.csv"
    breakage(tiny_frame()).to_csv(data, index=False)
    out = tmp_path / "outputs"
    result = _run_build(data, out)
    assert result.returncode == 2
    assert "partner_export.csv" in result.stderr and "Fix:" in result.stderr
    for fragment in expected:
        assert fragment in result.stderr
    assert not out.exists() or not any(out.rglob("*"))


def test_bad_conversations_file_stops_the_build(tmp_path):
    conversations = tmp_path / "conversations.csv"
    conversations.write_text("participant_id,country\nX-01,MDA\n", encoding="utf-8")
    out = tmp_path / "outputs"
    result = subprocess.run([sys.executable, "-m", "perspectives.cli", "build", "--country", "MDA",
                             "--conversations", str(conversations), "--out", str(out)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "conversations.csv" in result.stderr
    assert not out.exists() or not any(out.rglob("*"))
