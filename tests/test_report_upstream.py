"""A run reads other sections' outputs only where the build has finished them.

A build runs a report's sections in parallel, each writing in a hidden ``.<id>.tmp-*``
folder beside the others until it is moved into place; ``params/grid.yml``'s ``after``
is what makes a run wait for another. So a run may read only the finished runs of the
sections listed there (:func:`perspectives.report.read_upstream`): a folder being written
is never looked at, and reading a section not run before it is refused, not raced.

A run being written is stood in for by files whose listing succeeds and whose reading
fails (links to nothing), as when the build moves the folder away between the two.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from perspectives import report, report_display
from perspectives.project import Project
from perspectives.report import Section
from perspectives.report_upstream import UpstreamError, runs_before
from perspectives.study import load_grid

FINDINGS = ["methods", "csea_online", "disclosure", "support", "knowledge", "prevention"]
ELIGIBLE = {"name": "sample.eligible.n", "value": 40, "n": 40, "country": "MDA", "section": "methods"}


def _being_written(sections: Path, section: str) -> None:
    """A run of ``section`` in the middle of being moved: its files are listed, then gone."""
    tmp = sections / f".{section}.tmp-k3x9"
    (tmp / "tables").mkdir(parents=True)
    for name in ("values.json", "tables/government.csv", "tables/government.disclosure.json"):
        (tmp / name).symlink_to(tmp / "moved-away")


def _finished(sections: Path, section: str, values: list[dict] | None = None) -> None:
    (sections / section / "tables").mkdir(parents=True)
    (sections / section / "values.json").write_text(json.dumps(values or []), encoding="utf-8")


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The Markdown a section displays, as text."""
    texts: list[str] = []
    monkeypatch.setattr(report_display, "display", lambda obj, **_: texts.append(str(getattr(obj, "data", obj))))
    return texts


def test_a_chapter_reads_no_other_run_so_one_being_written_beside_it_does_not_matter(
        tmp_path: Path, shown: list[str]) -> None:
    sections = tmp_path / "sections"
    _being_written(sections, "support")
    Section("prevention", "MDA", output_dir=str(sections / ".prevention.tmp-a1b2")).header()
    assert shown[0] == "# Prevention" and len(shown) == 2, shown  # the title, then the chapter's opening


def test_the_recommendations_read_the_finished_runs_before_them_and_nothing_else(
        tmp_path: Path, shown: list[str]) -> None:
    sections = tmp_path / "sections"
    for name in FINDINGS:
        _finished(sections, name, [ELIGIBLE] if name == "methods" else [])
    _being_written(sections, "support")
    # A summary left by an earlier build runs after the recommendations: never theirs to read.
    _finished(sections, "summary", [{**ELIGIBLE, "value": 999, "section": "summary"}])
    section = Section("recommendations", "MDA", output_dir=str(sections / ".recommendations.tmp-c3d4"))
    section.recommendations()
    assert len(shown) == 1 and "what young people raised in the conversations comes first" in shown[0], shown
    assert section.report_so_far().values == [ELIGIBLE]
    assert section.texts(section.report_so_far()).fields["n_eligible"] == 40


def test_the_reliability_mark_is_looked_for_in_the_runs_read(tmp_path: Path) -> None:
    sections = tmp_path / "sections"
    for name in FINDINGS:
        _finished(sections, name)
    mark = report.disclosure.RELIABILITY_MARK
    (sections / "knowledge" / "tables" / "scenarios.csv").write_text(f"Answer,%\nYes,40{mark}\n", encoding="utf-8")
    upstream = report.read_upstream(sections, "recommendations", "MDA", FINDINGS)
    assert upstream.reliability
    (sections / "knowledge" / "tables" / "scenarios.csv").write_text("Answer,%\nYes,40\n", encoding="utf-8")
    assert not report.read_upstream(sections, "recommendations", "MDA", FINDINGS).reliability


def test_reading_a_section_the_grid_does_not_run_before_is_refused(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    grid = load_grid()
    narrowed = tuple(dataclasses.replace(s, after=tuple(a for a in s.after if a != "prevention"))
                     if s.id == "recommendations" else s for s in grid.sections)
    # The run's study folder gives the narrowed grid (the project is where a run reads its grid).
    monkeypatch.setattr(Project, "grid", property(lambda self: dataclasses.replace(grid, sections=narrowed)))
    sections = tmp_path / "sections"
    for name in FINDINGS:
        _finished(sections, name)
    section = Section("recommendations", "MDA", output_dir=str(sections / ".recommendations.tmp-e5f6"))
    with pytest.raises(UpstreamError) as caught:
        section.report_so_far()
    message = str(caught.value)
    for fragment in ("'recommendations' reads the outputs of 'prevention'", "params/grid.yml",
                     "could be read while they are being written", "Fix: add them to 'recommendations''s after:"):
        assert fragment in message, message


def test_a_section_run_before_but_not_built_is_named(tmp_path: Path) -> None:
    sections = tmp_path / "sections"
    for name in FINDINGS:
        if name != "knowledge":
            _finished(sections, name)
    _being_written(sections, "knowledge")
    with pytest.raises(UpstreamError, match="reads section 'knowledge', which has not been run for MDA. Fix: "):
        report.read_upstream(sections, "recommendations", "MDA", FINDINGS)


def test_the_grid_runs_every_section_the_summary_and_recommendations_read_before_them() -> None:
    """What the report's opening and closing state comes from every other chapter, finished."""
    before = {s.id: runs_before(s.id) for s in load_grid().sections}
    assert before["recommendations"] == set(FINDINGS)
    assert before["summary"] == {*FINDINGS, "recommendations"}
    assert all(not before[name] for name in FINDINGS)
