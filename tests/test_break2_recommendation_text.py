"""Outside-breaker check: a recommendation's finding text from ``data/recommendations.yml`` is text.

``qualitative_recommendations`` says every text from the data files is written as text
(``escape.markdown_text``), and the project's rule is that text from data is code until
escaped. A finding's sentence (``findings: - text:``) is filled by
``report_narrative.evidence``'s ``finding`` and wrapped as ``Markdown`` unescaped: Markdown in
it is read as markup in the report (``**word**`` prints bold), where a theme label with the
same characters beside it prints as the characters it is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FINDING = ("text: \"In {place}, {v[government.gov_awareness.bottom.pct]} of the workers rated the government's "
           "awareness-raising")


def test_markdown_in_a_finding_text_is_printed_as_the_characters_it_is(tmp_path: Path) -> None:
    project = tmp_path / "project"
    for folder in ("data", "params", "notebooks"):
        shutil.copytree(REPO / folder, project / folder)
    recs = project / "data" / "recommendations.yml"
    text = recs.read_text(encoding="utf-8")
    assert text.count(FINDING) == 1
    recs.write_text(text.replace(FINDING, FINDING.replace("In {place}", "**BOLDMARK** In {place}")), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO / "lib"), PERSPECTIVES_PDF="0")
    done = subprocess.run([sys.executable, "-m", "perspectives.cli", "build", "--project", str(project), "--country",
                           "MDA", "--jobs", "2", "--keep-server", "0", "--out", str(tmp_path / "out")],
                          cwd=REPO, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    page = (tmp_path / "out" / "MDA" / "report.html").read_text(encoding="utf-8")
    assert "BOLDMARK" in page  # the finding is stated in Moldova's report (its figure is shown)
    assert "<strong>BOLDMARK" not in page
    assert "**BOLDMARK**" in page or "&#42;&#42;BOLDMARK&#42;&#42;" in page
