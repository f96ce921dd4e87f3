"""``perspectives check --data FILE`` checks the file, as ``perspectives build --data FILE`` reads it.

Partners are told to check, then build: ``check`` took the export only as a positional
argument, so the same words as the build (``--data FILE``) stopped at "unrecognized
arguments: --data" with a usage message.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perspectives.check import main

REPO = Path(__file__).resolve().parents[1]
EXPORT = REPO / "data" / "synthetic" / "survey_export.csv"


def test_check_takes_the_export_as_the_build_names_it(capsys) -> None:
    """``--data FILE`` gives the same document as ``FILE``."""
    assert main([str(EXPORT), "--json"]) == 0
    positional = json.loads(capsys.readouterr().out)
    assert main(["--data", str(EXPORT), "--json"]) == 0
    named = json.loads(capsys.readouterr().out)
    assert named == positional
    assert named["countries"]["MDA"]["eligible"] == 54


def test_two_different_exports_are_refused(capsys, tmp_path: Path) -> None:
    """Naming two files (one each way) is a mistake said as such, never one of them chosen."""
    other = tmp_path / "other.csv"
    other.write_text("respondent_id\n", encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        main([str(other), "--data", str(EXPORT)])
    assert stop.value.code == 2
    assert "once" in capsys.readouterr().err
