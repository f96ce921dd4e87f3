"""The section notebooks: thin, stripped, one parameters cell; one regression-tested with pytest-notebook."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from perspectives.study import load_grid, repo_root

ROOT = repo_root()
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
REGRESSION = ROOT / "tests" / "notebooks" / "knowledge_MDA.ipynb"


def test_every_section_of_the_grid_has_its_notebook():
    grid = load_grid()
    assert {ROOT / s.notebook for s in grid.sections} == set(NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_are_committed_thin_and_stripped(path: Path):
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code)
    tagged = [cell for cell in code if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1
    names = {line.split("=")[0].strip() for line in tagged[0].source.splitlines() if "=" in line}
    assert names == {p.name for p in load_grid().parameters}
    # Thin: logic lives in the library; no cell is long and none swallows errors.
    for cell in code:
        assert len(cell.source.splitlines()) <= 12, cell.source
        assert "except" not in cell.source


def _regression_notebook() -> nbformat.NotebookNode:
    """The knowledge section, parameterised for Moldova, as a plain notebook pytest-notebook can run."""
    notebook = nbformat.read(ROOT / "notebooks" / "05_knowledge.ipynb", as_version=4)
    for cell in notebook.cells:
        if "parameters" in cell.metadata.get("tags", []):
            cell.source = cell.source.replace('country = "ALL"', 'country = "MDA"')
    return notebook


def test_regression_notebook_is_the_section_notebook_with_moldova_parameters():
    stored = nbformat.read(REGRESSION, as_version=4)
    fresh = _regression_notebook()
    assert [c.source for c in stored.cells] == [c.source for c in fresh.cells], \
        "regenerate with PERSPECTIVES_REGEN=1 pytest tests/test_notebooks.py"


def test_knowledge_section_regression():
    """Re-execute the stored notebook and compare every output (volatile parts ignored)."""
    from pytest_notebook.nb_regression import NBRegressionFixture

    if os.environ.get("PERSPECTIVES_REGEN"):
        nbformat.write(_regression_notebook(), REGRESSION)
    fixture = NBRegressionFixture(
        exec_timeout=180,
        exec_cwd=str(ROOT / "notebooks"),
        diff_ignore=(
            "/metadata/language_info",
            "/metadata/kernelspec",
            "/cells/*/execution_count",
            "/cells/*/metadata",
            "/cells/*/outputs/*/metadata",
            "/cells/*/outputs/*/execution_count",
        ),
        force_regen=bool(os.environ.get("PERSPECTIVES_REGEN")),
    )
    fixture.diff_color_words = False
    fixture.check(str(REGRESSION))
