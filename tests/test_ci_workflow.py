"""The hosted CI workflow (.github/workflows/ci.yml) does what the README promises of CI.

On a fresh runner it sets up the Python that ``environment.yml`` names (its version-reading
step is run here, in bash, and compared with the file as YAML reads it), caches pip, runs
``make test`` and then ``make reports``, and keeps ``outputs/`` as the run's artifact. Its
syntax and expressions are actionlint's to check (``make lint``).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


@pytest.fixture(scope="module")
def steps() -> list[dict]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    (job,) = workflow["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    return job["steps"]


def _uses(steps: list[dict], action: str) -> list[dict]:
    return [s for s in steps if str(s.get("uses", "")).split("@")[0] == action]


def _index(steps: list[dict], command: str) -> int:
    return next(k for k, s in enumerate(steps) if re.search(rf"(^|\n)\s*{re.escape(command)}\s*($|\n)", s.get("run", "")))


def test_python_is_the_version_environment_yml_names(steps: list[dict], tmp_path: Path) -> None:
    (setup,) = _uses(steps, "actions/setup-python")
    assert setup["with"]["cache"] == "pip"
    reference = re.fullmatch(r"\$\{\{ steps\.(\w+)\.outputs\.version \}\}", setup["with"]["python-version"])
    (reader,) = [s for s in steps if s.get("id") == reference.group(1)]
    output = tmp_path / "output"
    subprocess.run(["bash", "-c", reader["run"]], cwd=ROOT, env=dict(os.environ, GITHUB_OUTPUT=str(output)),
                   check=True)
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    (python,) = [d for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python=")]
    assert output.read_text().strip() == f"version={python.split('=', 1)[1]}"


def test_it_tests_then_builds_the_reports_and_keeps_them(steps: list[dict]) -> None:
    checkout = _uses(steps, "actions/checkout")
    assert checkout and steps.index(checkout[0]) == 0
    test, reports = _index(steps, "make test"), _index(steps, "make reports")
    assert test < reports
    (upload,) = _uses(steps, "actions/upload-artifact")
    assert steps.index(upload) > reports
    assert upload["with"]["path"].rstrip("/") == "outputs"
    assert "cancelled()" in upload["if"]  # a failed build's outputs are kept too


def test_every_action_is_a_release_of_githubs_own(steps: list[dict]) -> None:
    for step in steps:
        if "uses" in step:
            assert re.fullmatch(r"actions/[a-z-]+@v\d+", step["uses"]), step["uses"]
