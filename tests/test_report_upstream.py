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
    assert len(shown) == 1 and "Under each recommendation, the themes raised by the 10 young" in shown[0], shown
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


def test_a_table_prints_a_recorded_number_only_where_a_reader_can_find_it(tmp_path: Path, shown: list[str]) -> None:
    # Issue: a recommendation stated Moldova's 31% with "See Table 4", whose Moldova column is
    # not printed (every share and its base withheld): a finding cites a table only for the
    # numbers its printed cells show.
    import pandas as pd

    from perspectives import disclosure as dc

    sections = tmp_path / "sections"
    for name in FINDINGS:
        _finished(sections, name)
    counts = pd.DataFrame({"MDA": [29, 9, 9, 3], "ALB": [30, 20, 25, 3]}, index=["a", "b", "c", "d"])
    mask = dc.suppress(dc.layout("share", counts, withheld=["MDA|*"]), threshold=5)
    columns = {}
    for place in ["MDA", "ALB"]:
        columns[(place, "n")] = {c: mask.n(f"{place}|{c}") for c in "abcd"} | {"All": mask.base_n(f"{place}|*")}
        columns[(place, "%")] = {c: mask.pct(f"{place}|{c}") for c in "abcd"}
    section = Section("csea_online", "MDA", output_dir=str(sections / "csea_online"))
    report_display.show_table(section, dc.table(columns), "share", "Share")
    upstream = report.read_upstream(sections, "recommendations", "MDA", FINDINGS)

    def value(place: str, code: str, measure: str) -> dict:
        return {"cells": mask.spec(f"{place}|{code}"), "measure": measure, "country": place,
                "value": mask.withheld_value(f"{place}|{code}")}

    # Moldova's 29 is published by the rule, but its column is left out of the table.
    assert mask.count("MDA|a") == 29 and not upstream.prints("share", value("MDA", "a", "count"), frozenset({"MDA"}))
    assert upstream.prints("share", value("ALB", "a", "count"), frozenset({"ALB"}))
    assert upstream.prints("share", value("ALB", "a", "percent"), frozenset({"ALB"}))
    # A withheld cell of a printed column prints the mark, not the number.
    assert mask.count("ALB|d") is None and not upstream.prints("share", value("ALB", "d", "count"), frozenset({"ALB"}))
    # A mean (no cells) is printed only beside a printed column of its place.
    assert not upstream.prints("share", {"name": "share.mean", "value": 31, "country": "MDA"}, frozenset({"MDA"}))
    assert upstream.prints("share", {"name": "share.mean", "value": 26, "country": "ALB"}, frozenset({"ALB"}))
    assert not upstream.prints("other", value("ALB", "a", "count"), frozenset({"ALB"}))
