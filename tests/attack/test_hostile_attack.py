"""A partner's export the generator never makes, attacked as an outsider: protect it or refuse it.

The export holds Moldova's rows with only six eligible completed responses (its partial and
disqualified responses kept). The partner builds the report of that country (two sections),
as a partner would; the build must either refuse (a non-zero exit naming the problem) or
publish nothing from which a small group can be worked out. The attack imports nothing of the
project (``lp_attack`` reads the published files).
"""

from __future__ import annotations

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
RESPONDENTS = 6


@pytest.fixture(scope="module")
def tiny_build(tmp_path_factory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The partner's build from an export whose country has six eligible respondents."""
    root = tmp_path_factory.mktemp("hostile")
    frame = hx.read_export(REPO / "data" / "synthetic" / "survey_export.csv")
    frame = hx.tiny_country(frame[frame["country"] == COUNTRY], COUNTRY, RESPONDENTS)
    assert int(hx.eligible_complete(frame).sum()) == RESPONDENTS
    export = hx.write(frame, root / "tiny_export.csv")
    out = root / "out"
    done = hx.build(REPO, export, out, [COUNTRY], ["methods", "csea_online"])
    return done, out


def test_a_tiny_country_is_protected_or_refused(tiny_build) -> None:
    """Refused with a message, or built with no recoverable group and no withheld count known to be small.

    Moldova's six: the girls' table prints 0 for 0% and 26-50% and withholds the rest and the
    base; ``girls_online_share.mean`` 42.8 (no n; values.json keeps six decimals, 42.800000) is
    a whole sum only for n = 5 (214) among the six, so one respondent supported no girls; five
    answers summing to 214 with none at 0 or 26-50% leave 1 to 3 of them at 1-25% (there are 3).
    ``se_share.mean`` 63.333333 over the six (a sum of 380, none at 0-25%) leaves at most 4 at
    75-100%.
    """
    done, out = tiny_build
    if done.returncode != 0:
        assert "Traceback" not in done.stderr and done.stderr.strip(), "a refusal names its reason"
        return
    report = lp_attack.attack([out], THRESHOLD)
    assert report.counts["withheld groups"] > 0
    assert [f for f in report.findings if f.kind == "inconsistent"] == []
    assert [str(f) for f in report.findings] == []
    assert [str(f) for f in report.bounded] == []
