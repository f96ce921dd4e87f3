"""A country of five respondents, built with the synthesis it is part of: no withheld count is pinned small.

``test_hostile_attack`` builds a tiny country's report alone. A partner with the whole study's
export builds its own report and the synthesis (``--country MDA ALL``), so the two are published
side by side. With Moldova's eligible completes cut to five, the national report's tables and
the synthesis's together pin withheld counts of Moldova below the threshold: the attack finds
``se_share`` 26-50% and 75-100% in [0, 3] and ``girls_online_share`` "none" in [0, 1], and
``perspectives audit`` over the same build reports no finding. The attack imports nothing of
the project (``lp_attack`` reads the published files).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

import hostile_exports as hx  # noqa: E402
import lp_attack  # noqa: E402

THRESHOLD = 5
COUNTRY = "MDA"
RESPONDENTS = 5


@pytest.fixture(scope="module")
def tiny_with_synthesis(tmp_path_factory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Moldova (five eligible respondents) and the synthesis, from one export, one section each."""
    root = tmp_path_factory.mktemp("tiny_synthesis")
    frame = hx.read_export(REPO / "data" / "synthetic" / "survey_export.csv")
    frame = hx.tiny_country(frame, COUNTRY, RESPONDENTS)
    assert int((hx.eligible_complete(frame) & (frame["country"] == COUNTRY)).sum()) == RESPONDENTS
    export = hx.write(frame, root / "export.csv")
    out = root / "out"
    env = dict(os.environ, PERSPECTIVES_PDF="0")
    done = subprocess.run([sys.executable, "-m", "perspectives.cli", "build", "--data", str(export),
                           "--conversations", str(REPO / "data" / "synthetic" / "conversations.csv"),
                           "--country", COUNTRY, "ALL", "--section", "csea_online", "--out", str(out),
                           "--jobs", "2"], cwd=REPO, env=env, capture_output=True, text=True, check=False)
    return done, out


@pytest.mark.xfail(strict=True, reason="a national report of five beside its synthesis pins withheld counts below "
                                       "the threshold")
def test_a_tiny_country_beside_its_synthesis_gives_no_withheld_count_away(tiny_with_synthesis) -> None:
    """Refused with a message, or built with no recoverable group and no withheld count known to be small."""
    done, out = tiny_with_synthesis
    if done.returncode != 0:
        assert "Traceback" not in done.stderr and done.stderr.strip(), "a refusal names its reason"
        return
    report = lp_attack.attack([out], THRESHOLD)
    assert report.counts["withheld groups"] > 0
    assert [str(f) for f in report.findings] == []
    assert [str(f) for f in report.bounded] == []
