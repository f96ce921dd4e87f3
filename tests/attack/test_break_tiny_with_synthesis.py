"""A country of five respondents, built with the synthesis it is part of: no withheld count is pinned small.

``test_hostile_attack`` builds a tiny country's report alone. A partner with the whole study's
export builds its own report and the synthesis (``--country MDA ALL``), so the two are published
side by side. With Moldova's eligible completes cut to five, the national report's tables and
the synthesis's together pinned withheld counts of Moldova below the threshold: the attack found
``se_share`` 26-50% and 75-100% in [0, 3] (the pooled mean beside the five other countries'
means bounds Moldova's sum of answers) and ``girls_online_share`` "none" in [0, 1] (a zero on
Moldova's small withheld base, taken as printed by the rule but printed nowhere, under the
pooled "none" printed alone at 9%), and ``perspectives audit`` over the same build reported no
finding. The attack imports nothing of
the project (``lp_attack`` reads the published files); the audit's test checks that the
project's own audit, over the same build, names every group the attack bounds.
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
    done = hx.build(REPO, export, out, [COUNTRY, "ALL"], ["csea_online"],
                    "--conversations", str(REPO / "data" / "synthetic" / "conversations.csv"))
    return done, out


@pytest.fixture(scope="module")
def attacked(tiny_with_synthesis) -> lp_attack.Report | None:
    """The outside attack over the whole build (every run it published), made once for both tests
    (it reads the published files only, so both read the same report); None when the build refused."""
    done, out = tiny_with_synthesis
    return lp_attack.attack([out], THRESHOLD) if done.returncode == 0 else None


def test_a_tiny_country_beside_its_synthesis_gives_no_withheld_count_away(tiny_with_synthesis, attacked) -> None:
    """Refused with a message, or built with no recoverable group and no withheld count known to be small."""
    done, _ = tiny_with_synthesis
    if done.returncode != 0:
        assert "Traceback" not in done.stderr and done.stderr.strip(), "a refusal names its reason"
        return
    report = attacked
    assert report.counts["withheld groups"] > 0
    assert [str(f) for f in report.findings] == []
    assert [str(f) for f in report.bounded] == []


def _leaf_names(findings: list[lp_attack.Finding]) -> set[str]:
    """The attack's groups as the audit names them (``universe [place/answer]``)."""
    names = set()
    for f in findings:
        universe, place, answer = f.group.split("/", 2) if f.group.count("/") == 2 else (f.group, "", "")
        names.add(f"{universe} [{place}/{answer}]" if place else f.group)
    return names


def test_the_audit_names_every_group_the_attack_bounds(tiny_with_synthesis, attacked) -> None:
    """``perspectives audit`` over the build finds at least what the outside attack finds.

    Before, the attack bounded three withheld Moldova counts below the threshold and the audit
    over the same build reported nothing.
    """
    from perspectives import audit

    done, out = tiny_with_synthesis
    if done.returncode != 0:
        return  # refused: nothing published (the other test checks the refusal's message)
    report = attacked
    details = [f.detail for f in audit.audit_outputs(out, THRESHOLD)]
    missed = sorted(name for name in _leaf_names(report.findings + report.bounded)
                    if not any(d.startswith(f"{name} ") for d in details))
    assert missed == [], details
