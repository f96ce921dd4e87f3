"""Shared fixtures: a tiny, hand-made raw export that follows the instrument, and the one
end-to-end build (BIH and the synthesis, in two checkouts) that test_e2e.py and
test_accessibility.py share."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from stand_in import copy_checkout

from perspectives.study import repo_root

ROOT = repo_root()
# The reports of the shared end-to-end build.
E2E_REPORTS = ["BIH", "ALL"]

os.environ.setdefault("MPLBACKEND", "Agg")


def _complete_row(i: int, country: str) -> dict[str, object]:
    row: dict[str, object] = {
        "respondent_id": f"T{i:03d}", "country": country, "consent": "yes",
        "elig_adult": "yes", "elig_role12m": "yes", "elig_caseload12m": "yes", "elig_children": "yes",
        "elig_csea": "yes", "gender": "female" if i % 3 else "male", "age_band": "31_40", "education": "bachelor",
        "experience": "0_5", "org_type": "government", "area": "urban", "services": "legal counselling_individual",
        "se_share": 40, "tech_share": 50, "supported_boys": "yes", "supported_girls": "yes",
        "boys_online_share": 10, "girls_online_share": 60, "boys_age": "11_15", "boys_offender_female_share": 20,
        "boys_offender_rel": "parent relative", "boys_exchange": "money", "boys_facilitator": "yes",
        "boys_forms": "grooming", "girls_age": "16_17", "girls_offender_female_share": 10,
        "girls_offender_rel": "parent", "girls_exchange": "goods", "girls_facilitator": "no",
        "girls_forms": "grooming self_generated", "offender_origin": "national", "beliefs": "stigma_shame",
        "barriers": "stigma_shame fear_response", "public_awareness": "poor", "completed": "yes",
    }
    for name in ("gov_funding", "gov_awareness", "gov_training", "gov_advocacy", "gov_legislation", "gov_services",
                 "gov_law_enforcement", "gov_coordination"):
        row[name] = "poor"
    for name in ("scen_victim", "scen_recording", "scen_flipped", "scen_viewer"):
        row[name] = "yes"
    row["scen_dating"] = "no"
    return row


def tiny_frame() -> pd.DataFrame:
    """Ten complete responses, two partial, two disqualified, in the instrument's columns."""
    from perspectives.instrument import export_columns, load_instrument

    rows = [_complete_row(i, ["ALB", "MDA"][i % 2]) for i in range(10)]
    partial = _complete_row(10, "ALB")
    partial.update({"completed": "", "public_awareness": "", "barriers": ""})
    rows.append(partial)
    rows.append({"respondent_id": "T011", "country": "MDA", "consent": "yes", "elig_adult": "yes",
                 "elig_role12m": "yes", "elig_caseload12m": "yes", "elig_children": "yes", "elig_csea": "yes"})
    rows.append({"respondent_id": "T012", "country": "ALB", "consent": "yes", "elig_adult": "yes",
                 "elig_role12m": "yes", "elig_caseload12m": "yes", "elig_children": "no"})
    rows.append({"respondent_id": "T013", "country": "MDA", "consent": "yes", "elig_adult": "no"})
    columns = export_columns(load_instrument())
    return pd.DataFrame(rows).reindex(columns=columns)


@pytest.fixture
def tiny_export(tmp_path):
    """Path to a valid tiny CSV export (10 eligible, 2 partial, 2 disqualified)."""
    path = tmp_path / "export.csv"
    tiny_frame().to_csv(path, index=False)
    return path


# --------------------------------------------------------------------------- end-to-end build


def _cli_build(checkout: Path) -> Path:
    """``perspectives build --country BIH ALL`` run as a user runs it, inside ``checkout``."""
    env = dict(os.environ, PYTHONPATH=str(checkout / "lib"))
    env.pop("SOURCE_DATE_EPOCH", None)
    done = subprocess.run([sys.executable, "-m", "perspectives.cli", "build", "--country", *E2E_REPORTS,
                           "--jobs", "2"], cwd=checkout, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return checkout / "outputs"


@pytest.fixture(scope="session")
def two_builds(tmp_path_factory) -> tuple[Path, Path]:
    """The same reports built in two checkouts whose paths differ (in length too)."""
    first = copy_checkout(tmp_path_factory.mktemp("a") / "repo")
    second = copy_checkout(tmp_path_factory.mktemp("second-clone") / "elsewhere" / "perspectives")
    return _cli_build(first), _cli_build(second)
