"""The report's outline (perspectives.outline): one numbering of figures and tables across the
sections, captions read back from the run's templates, and heading levels that never skip.

The notebooks are written by hand in the shape an executed section has (the display metadata
perspectives.report attaches), with the reference report's own figure numbers out of order, as
the analyses carry them; the expected numbers are counted by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perspectives.i18n import Translator
from perspectives.outline import FigureItem, HeadingLevels, Outline, TableItem, unformat

CHART = {"kind": "bars", "title": "T", "rows": ["a"], "columns": ["x"], "values": [[50.0]]}


def _display(data: dict, meta: dict | None = None) -> dict:
    return {"output_type": "display_data", "data": data, "metadata": {"perspectives": meta} if meta else {}}


def _figure(caption: str, chart: dict | None = CHART) -> list[dict]:
    meta = {"kind": "figure", "png": "figures/x.png", "caption": caption, **({"chart": chart} if chart else {})}
    return [_display({"image/png": "iVBOR"}, meta),
            _display({"text/markdown": f"*{caption}*"}, {"kind": "caption", "of": "figure"})]


def _table(caption: str, run_caption: str) -> list[dict]:
    return [_display({"text/markdown": f"*{run_caption}*"}, {"kind": "caption", "of": "table"}),
            _display({"text/html": "<table></table>"}, {"kind": "table", "csv": "tables/t.csv", "caption": caption})]


def _notebook(folder: Path, name: str, cells: list[dict]) -> Path:
    path = folder / name / "executed.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    return path


def _code(outputs: list[dict], tags: list[str] | None = None) -> dict:
    return {"cell_type": "code", "metadata": {"tags": tags or []}, "source": "", "outputs": outputs}


def test_unformat_reads_a_template_backwards() -> None:
    assert unformat("Figure {number}. {caption}", "Figure 12. Age — Peru (n = 5)") == {
        "number": "12", "caption": "Age — Peru (n = 5)"}
    assert unformat("Figure {number}. {caption}", "Table 3. Age") is None
    assert unformat("{caption} — {place} (n = {n})", "Age — Peru (n = 89) Blank segments are withheld.",
                    whole=False) == {"caption": "Age", "place": "Peru", "n": "89"}
    with pytest.raises(ValueError, match="once"):
        unformat("{a} and {a}", "x and x")


def test_figures_and_tables_are_numbered_once_in_reading_order(tmp_path: Path) -> None:
    first = _notebook(tmp_path, "methods", [
        _code([], ["parameters"]),
        _code(_table("Sample — Peru", "Table: Sample — Peru")),
        _code(_figure("Figure 1. Gender — Peru (n = 89)") + _table("Gender — Peru", "Table: Gender — Peru")
              + _figure("Figure 5. Age — Peru (n = 89)")),
    ])
    second = _notebook(tmp_path, "knowledge", [
        _code(_figure("Figure 2. Education — Peru (n = 42)")),
        _code(_figure("Ratings: mean by country", chart=None), ["remove-output"]),  # not shown: not numbered
        _code(_figure("Caseload: mean by country")),
    ])
    outline = Outline([first, second], Translator("en"))
    assert [(f.number, f.caption) for f in outline.figures] == [
        (1, "Gender — Peru (n = 89)"), (2, "Age — Peru (n = 89)"), (3, "Education — Peru (n = 42)"),
        (4, "Caseload: mean by country")]
    assert [t.label for t in outline.tables] == ["Table 1. Sample — Peru", "Table 2. Gender — Peru"]
    assert [f.base for f in outline.figures] == ["89", "89", "42", None]
    figure = outline.item(first, 2, 0)
    assert isinstance(figure, FigureItem) and figure.label == "Figure 1. Gender — Peru (n = 89)"
    assert figure.chart is not None and figure.chart.values == ((50.0,),)
    assert outline.absorbed(first, 2, 1) and outline.absorbed(first, 2, 2)  # both captions
    assert isinstance(outline.item(first, 2, 3), TableItem)
    assert not outline.absorbed(first, 2, 0) and outline.item(first, 0, 0) is None


def test_numbers_and_captions_in_the_report_language(tmp_path: Path) -> None:
    nb = _notebook(tmp_path, "methods", [_code(_figure("Figura 7. Edad — Perú (n = 89)")
                                               + _table("Edad — Perú", "Tabla: Edad — Perú"))])
    outline = Outline([nb], Translator("es"))
    assert [f.label for f in outline.figures] == ["Figura 1. Edad — Perú (n = 89)"]
    assert [t.label for t in outline.tables] == ["Tabla 1. Edad — Perú"]


def test_legacy_italic_captions_are_still_paired(tmp_path: Path) -> None:
    # Notebooks executed before captions carried metadata: an italic line after an image.
    nb = _notebook(tmp_path, "s", [_code([_display({"image/png": "iVBOR"}), _display({"text/markdown": "*Figure 4. Old*"}),
                                          _display({"text/markdown": "Narrative, not a caption."})])])
    outline = Outline([nb], Translator("en"))
    assert [f.label for f in outline.figures] == ["Figure 1. Old"]
    assert outline.absorbed(nb, 0, 1) and not outline.absorbed(nb, 0, 2)


@pytest.mark.parametrize(("given", "written", "last"), [
    ([1, 3, 3, 1, 2, 3, 3, 2], [1, 2, 2, 1, 2, 3, 3, 2], 0),   # the Summary and Recommendations shapes
    ([3, 1, 4, 2], [1, 1, 2, 2], 0),
    ([1, 3, 2, 4], [1, 2, 2, 3], 1),
    ([3, 3, 1], [2, 2, 1], 1),                                # under the page's h1 title
    ([1, 2, 3, 4, 5, 6, 6], [1, 2, 3, 4, 5, 6, 6], 0),          # nothing to change
])
def test_heading_levels_never_skip_and_keep_siblings(given: list[int], written: list[int], last: int) -> None:
    levels = HeadingLevels(last)
    out = [levels(level) for level in given]
    assert out == written
    previous = [last] + out[:-1]
    assert all(b <= a + 1 for a, b in zip(previous, out, strict=True))


def _result_table(caption: str, stem: str, result: str | None) -> list[dict]:
    meta = {"kind": "table", "csv": f"tables/{stem}.csv", "caption": caption, **({"result": result} if result else {})}
    return [_display({"text/markdown": f"*Table: {caption}*"}, {"kind": "caption", "of": "table"}),
            _display({"text/html": "<table></table>"}, meta)]


def _result_figure(caption: str, result: str) -> list[dict]:
    meta = {"kind": "figure", "png": "figures/x.png", "caption": caption, "chart": CHART, "result": result}
    return [_display({"image/png": "iVBOR"}, meta),
            _display({"text/markdown": f"*{caption}*"}, {"kind": "caption", "of": "figure"})]


def test_a_charted_results_tables_go_to_the_annex_numbered_by_their_figures(tmp_path: Path) -> None:
    nb = _notebook(tmp_path, "methods", [
        _code(_result_table("Sample — Peru", "sample_flow", None)),                      # no chart: body
        _code(_result_figure("Figure 5. Age — Peru (n = 89)", "age")                        # chart first
              + _result_table("Age — Peru", "age", "age")),
        _code(_result_table("Gender — Peru", "gender", "gender")                         # table first
              + _result_figure("Figure 1. Gender — Peru (n = 89)", "gender")
              + _result_table("Gender by country", "gender_by_country", "gender")
              + _result_figure("Gender: mean by country", "gender")),
        _code(_result_table("Themes — Peru", "themes_methods", "themes_methods")),          # a result without chart
    ])
    outline = Outline([nb], Translator("en"))
    assert [t.label for t in outline.tables if not t.annex] == ["Table 1. Sample — Peru", "Table 2. Themes — Peru"]
    # Annex tables follow their figures' order (age is Figure 1 here, gender Figure 2).
    assert [t.label for t in outline.annex] == ["Table A1. Age — Peru (Figure 1)", "Table A2. Gender — Peru (Figure 2)",
                                                "Table A3. Gender by country (Figure 2)"]
    figures = {f.number: outline.figure_tables(f) for f in outline.figures}
    assert [[t.number for t in tables] for tables in figures.values()] == [["A1"], ["A2", "A3"], ["A2", "A3"]]
    assert outline.output(outline.annex[0])["metadata"]["perspectives"]["csv"] == "tables/age.csv"
    text, unresolved = outline.resolve("See Figure [[figure:gender]], Table [[table:themes_methods]], "
                                       "Table [[table:gender_by_country]] and [[figure:nothing]].")
    assert text == "See Figure 2, Table 2, Table A3 and ?." and unresolved == ["[[figure:nothing]]"]
