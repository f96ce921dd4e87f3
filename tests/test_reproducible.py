"""Same inputs, same bytes: what differs between two runs of one build is fixed or removed.

The end-to-end test builds twice in two checkouts and compares every file; these tests pin
down each source of difference found there (papermill's clock and cell ids, the PDF's
structure ids) and the uncommitted-changes flag, which must not depend on git's notebook
filter (a fresh clone ran it on every notebook, seconds per build).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import nbformat
import pytest

from perspectives import pdf_bytes, provenance
from perspectives.build.run import reproducible_notebook_text


def _executed(start: str, end: str, injected_id: str) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1", id="keep-me"),
                nbformat.v4.new_code_cell("country = 'MDA'", id=injected_id),
                nbformat.v4.new_markdown_cell("## Heading", id="2")]
    timing = {"start_time": start, "end_time": end, "duration": 0.25, "exception": False, "status": "completed"}
    nb.metadata["papermill"] = {**timing, "parameters": {"country": "MDA"}, "version": "2.7.0"}
    for cell in nb.cells:
        cell.metadata["papermill"] = dict(timing)
        cell.metadata["execution"] = {"iopub.status.busy": start}
    return nbformat.writes(nb)


def test_two_runs_of_a_notebook_write_the_same_bytes(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = reproducible_notebook_text(_executed("2026-11-30T01:00:00Z", "2026-11-30T01:00:01Z", "a1b2c3d4"))
    second = reproducible_notebook_text(_executed("2026-12-01T09:30:00Z", "2026-12-01T09:30:04Z", "ffee0011"))
    assert first == second
    nb = json.loads(first)
    assert nb["metadata"]["papermill"]["start_time"] is None and nb["metadata"]["papermill"]["duration"] is None
    assert all("execution" not in c["metadata"] for c in nb["cells"])
    ids = [c["id"] for c in nb["cells"]]
    assert len(set(ids)) == 3 and "ffee0011" not in ids
    nbformat.validate(nbformat.reads(first, as_version=4))  # still a valid notebook


def test_cell_ids_follow_content_and_position():
    text = _executed("t0", "t1", "x")
    nb = json.loads(text)
    nb["cells"][0]["source"] = "x = 2"
    changed = reproducible_notebook_text(json.dumps(nb))
    same = reproducible_notebook_text(text)
    assert json.loads(changed)["cells"][0]["id"] != json.loads(same)["cells"][0]["id"]
    assert json.loads(changed)["cells"][1]["id"] == json.loads(same)["cells"][1]["id"]


def test_source_date_epoch_clamps_the_times(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1617235200")  # 2021-04-01T00:00:00Z
    nb = json.loads(reproducible_notebook_text(_executed("now", "later", "x")))
    assert nb["metadata"]["papermill"]["start_time"] == "2021-04-01T00:00:00+00:00"
    assert nb["cells"][0]["metadata"]["papermill"]["end_time"] == "2021-04-01T00:00:00+00:00"


def test_pdf_structure_ids_are_renumbered_in_order_keeping_every_offset():
    # Two prints of one page whose renderer counted from different places (another tab's
    # nodes interleaved): same order, different numbers.
    page = b"%%PDF-1.4 /ID (node%08d) /K [ (node%08d) (node%08d) ] /Names [(node%08d) 1 0 R]"
    first = page % (104, 230, 231, 104)
    second = page % (7, 9, 15, 7)
    assert pdf_bytes._renumber_nodes(first) == pdf_bytes._renumber_nodes(second) == page % (0, 1, 2, 0)
    assert len(pdf_bytes._renumber_nodes(first)) == len(first)
    reversed_order = page % (231, 230, 104, 231)
    assert pdf_bytes._renumber_nodes(reversed_order) == page % (2, 1, 0, 2)


# --------------------------------------------------------------------------- uncommitted changes


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with a notebook behind a clean filter that must never run."""
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q")
    _git(root, "config", "user.email", "test@example.org")
    _git(root, "config", "user.name", "Test")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print(1)", id="0"), nbformat.v4.new_markdown_cell("# Title", id="1")]
    (root / "section.ipynb").write_text(nbformat.writes(nb), encoding="utf-8")
    (root / "module.py").write_text("X = 1\n", encoding="utf-8")
    (root / ".gitattributes").write_text("*.ipynb filter=strip\n", encoding="utf-8")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "start")
    # From now on the filter leaves a trace whenever git runs it.
    _git(root, "config", "filter.strip.clean", f"sh -c 'touch {root.parent / 'filter-ran'}; cat'")
    _git(root, "config", "filter.strip.smudge", "cat")
    return root


def _changed(repo: Path) -> bool:
    return provenance._differs_from_commit(repo)


def test_a_checkout_as_committed_is_clean_and_the_filter_never_runs(repo: Path):
    (repo / "section.ipynb").touch()  # what a checkout or an editor leaves: new times, same bytes
    assert _changed(repo) is False
    assert not (repo.parent / "filter-ran").exists()
    _git(repo, "status", "--porcelain")  # git itself passes such a file through the filter
    assert (repo.parent / "filter-ran").exists()


def test_outputs_saved_in_a_notebook_are_not_a_code_change(repo: Path):
    nb = nbformat.read(repo / "section.ipynb", as_version=4)
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    nb.cells[0].execution_count = 1
    nbformat.write(nb, repo / "section.ipynb")
    assert _changed(repo) is False
    assert not (repo.parent / "filter-ran").exists()


@pytest.mark.parametrize("change", ["notebook source", "module", "staged new file", "deleted file"])
def test_code_changes_are_seen(repo: Path, change: str):
    if change == "notebook source":
        nb = nbformat.read(repo / "section.ipynb", as_version=4)
        nb.cells[0].source = "print(2)"
        nbformat.write(nb, repo / "section.ipynb")
    elif change == "module":
        (repo / "module.py").write_text("X = 2\n", encoding="utf-8")
    elif change == "staged new file":
        (repo / "new.py").write_text("Y = 1\n", encoding="utf-8")
        _git(repo, "add", "new.py")
    else:
        (repo / "module.py").unlink()
    assert _changed(repo) is True
