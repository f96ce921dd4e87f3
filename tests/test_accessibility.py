"""Reports every reader can use: accessible tables, the report checks, and the built reports.

Three kinds of test:

* the pieces, on inputs written by hand (a pandas table with two header rows, whose cells'
  headers are known; Word and HTML documents with one planted fault each; PDFs Chromium prints
  from small pages), so that each check is seen to fail where it must;
* axe-core, run in the machine's Chromium on a page with known violations (it must name
  them) and on every report of the shared end-to-end build (it must find none);
* the built reports (conftest's ``two_builds``; one more report built in Spanish): every check
  of ``perspectives check-report`` passes, and each chart's numbers follow the published
  table's mask (a cell the table withholds is withheld in the chart's text, and a shown share
  is the table's own).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from pathlib import Path

import docx
import numpy as np
import pandas as pd
import pytest
from lxml import html as lxml_html
from shared_builds import remembering

from perspectives import pdf, reportcheck
from perspectives.alttext import Chart
from perspectives.assemble import ReportMeta, SectionDoc
from perspectives.assemble_tables import accessible_table
from perspectives.build import build
from perspectives.docx_report import build_reference, render_docx
from perspectives.fmt import fmt_pct
from perspectives.i18n import Translator

HAS_CHROMIUM = pdf.find_chromium() is not None
needs_chromium = pytest.mark.skipif(not HAS_CHROMIUM, reason="chromium is not installed (make pdf-tools)")
# A 1x1 white PNG.
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC")


def _axe_installed() -> None:
    if reportcheck.axe_script() is None:
        pytest.fail("axe-core is not installed: run `make env` (npm ci in tests/a11y)")


# --------------------------------------------------------------------------- tables


def _two_row_table() -> str:
    columns = pd.MultiIndex.from_tuples([("Moldova", "n"), ("Moldova", "%"), ("All six countries", "n"),
                                         ("All six countries", "%")])
    frame = pd.DataFrame([["53", "98%", "335", "81%"], ["<5", "–", "–", "–"]], index=["Woman", "Man"],
                         columns=columns)
    return frame.to_html(classes="report-table", na_rep="", border=0)


def test_two_header_rows_tie_every_data_cell_to_its_headers() -> None:
    table = lxml_html.fragment_fromstring(accessible_table(_two_row_table(), "Table 3. Gender — Moldova", "t3"))
    assert table.find("caption").text == "Table 3. Gender — Moldova"
    assert [g.get("span") for g in table.findall("colgroup")] == [None, "2", "2"]
    names = {th.get("id"): th.text_content().strip() for th in table.iter("th")}
    assert all(th.get("scope") in ("col", "colgroup", "row") for th in table.iter("th"))
    assert [th.get("scope") for th in table.find("thead").iter("th")] == ["colgroup", "colgroup", "col", "col", "col",
                                                                          "col"]
    assert not [th for th in table.iter("th") if not th.text_content().strip()]  # the corners are <td>
    cells = {td.text_content().strip(): {names[i] for i in td.get("headers").split()}
             for td in table.find("tbody").iter("td")}
    assert cells["98%"] == {"Woman", "Moldova", "%"}
    assert cells["335"] == {"Woman", "All six countries", "n"}
    assert cells["<5"] == {"Man", "Moldova", "n"}


def test_one_header_row_needs_scopes_only() -> None:
    frame = pd.DataFrame({"Responses": ["54", "50"], "%": ["33%", "30%"]}, index=["Eligible", "Partial"])
    out = accessible_table(frame.to_html(border=0), "Table 1. Responses", "t1")
    table = lxml_html.fragment_fromstring(out)
    assert [th.get("scope") for th in table.iter("th")] == ["col", "col", "row", "row"]
    assert "headers=" not in out and table.find("colgroup") is None
    assert "short" in table.get("class")
    assert accessible_table("<p>not a table</p>", "x", "p") == "<p>not a table</p>"


# --------------------------------------------------------------------------- HTML checks


def _page(body: str, lang: str = "en") -> str:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>T</title></head>'
            f"<body><main><h1>Report</h1>{body}</main></body></html>")


GOOD_FIGURE = (f'<figure><img src="data:image/png;base64,{PNG}" alt="Bar chart: T. Woman 98%, Man withheld.">'
               "<figcaption>Figure 1. Gender</figcaption></figure>"
               '<details><summary>Data for Figure 1</summary><table><caption>Data for Figure 1</caption>'
               '<thead><tr><td></td><th scope="col">Moldova</th></tr></thead>'
               '<tbody><tr><th scope="row">Woman</th><td>98%</td></tr></tbody></table></details>')
GOOD_TABLE = ('<table><caption>Table 1. Sample</caption><thead><tr><td></td><th scope="col">n</th></tr></thead>'
              '<tbody><tr><th scope="row">Eligible</th><td>54</td></tr></tbody></table>')


@pytest.mark.parametrize(("fault", "body", "rules"), [
    ("none", f"<h2>Part</h2>{GOOD_FIGURE}{GOOD_TABLE}", []),
    ("an image without alt", GOOD_FIGURE.replace('alt="Bar chart: T. Woman 98%, Man withheld."', 'alt=""'),
     ["img-alt"]),
    ("an alt without a number", GOOD_FIGURE.replace("Woman 98%, Man withheld", "women and men"), ["img-alt-numbers"]),
    ("a chart as a bare image, as before", f'<p><img src="data:image/png;base64,{PNG}" alt="A 5%"></p>'
                                           "<p><em>Figure 1. A</em></p>", ["chart-data", "figure"]),
    ("a chart without its data", GOOD_FIGURE.split("<details>")[0], ["chart-data"]),
    ("a skipped heading", f"<h3>Deep</h3>{GOOD_TABLE}", ["heading-skip"]),
    ("a header without scope", GOOD_TABLE.replace(' scope="row"', ""), ["th-scope"]),
    ("an empty header", GOOD_TABLE.replace("<td></td>", '<th scope="col"></th>'), ["empty-th"]),
    ("a table without caption", GOOD_TABLE.replace("<caption>Table 1. Sample</caption>", ""), ["table-caption"]),
    ("two header rows without headers", GOOD_TABLE.replace(
        "<thead>", '<thead><tr><td></td><th scope="col">Moldova</th></tr>'), ["headers-id"]),
    ("figures out of order", GOOD_FIGURE.replace("Figure 1. Gender", "Figure 5. Gender"), ["figures"]),
    ("a figure without a number", GOOD_FIGURE.replace("Figure 1. Gender", "Gender"), ["figures"]),
    ("tables out of order", GOOD_TABLE.replace("Table 1.", "Table 2."), ["tables"]),
])
def test_each_html_fault_is_found(tmp_path: Path, fault: str, body: str, rules: list[str]) -> None:
    path = tmp_path / "report.html"
    path.write_text(_page(body), encoding="utf-8")
    counts, findings, tr = reportcheck.check_html(path)
    assert sorted(f.rule for f in findings) == rules, fault
    assert tr.lang == "en"


def test_the_word_for_withheld_is_the_reports_language(tmp_path: Path) -> None:
    body = GOOD_FIGURE.replace("Bar chart: T. Woman 98%, Man withheld.", "Gráfico de barras: T. Hombre omitido.")
    path = tmp_path / "report.html"
    path.write_text(_page(body.replace("Figure 1.", "Figura 1."), lang="es"), encoding="utf-8")
    counts, findings, _ = reportcheck.check_html(path)
    assert findings == [] and counts["img_alt_with_numbers"] == 1 and counts["figure_numbers"] == [1]
    path.write_text(_page(body.replace("omitido", "withheld").replace("Figure 1.", "Figura 1."), lang="es"),
                    encoding="utf-8")
    assert [f.rule for f in reportcheck.check_html(path)[1]] == ["img-alt-numbers"]


# --------------------------------------------------------------------------- Word


def _run_folder(tmp_path: Path) -> Path:
    """A section run with a figure (and its chart data) and a table, as perspectives.report writes it."""
    import matplotlib.pyplot as plt

    run = tmp_path / "sections" / "methods"
    (run / "tables").mkdir(parents=True)
    (run / "figures").mkdir()
    (run / "tables" / "gender.csv").write_text(",Moldova n,Moldova %\nWoman,53,98%\nMan,<5,–\n", encoding="utf-8")
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.bar(["a"], [1])
    raw = io.BytesIO()
    fig.savefig(raw, format="png")
    plt.close(fig)
    (run / "figures" / "fig01_gender.png").write_bytes(raw.getvalue())
    chart = Chart.of("bars", pd.DataFrame({"Moldova": [98.1, np.nan]}, index=["Woman", "Man"]), "Gender — Moldova")
    figure_meta = {"kind": "figure", "png": "figures/fig01_gender.png", "chart": chart.to_json(),
                   "caption": "Figure 7. Gender — Moldova (n = 54)"}

    def display(data: dict, meta: dict) -> dict:
        return {"output_type": "display_data", "data": data, "metadata": {"perspectives": meta}}

    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "# Methods\n\n### Who answered"},
        {"cell_type": "code", "metadata": {}, "source": "", "outputs": [
            display({"image/png": base64.b64encode(raw.getvalue()).decode()}, figure_meta),
            display({"text/markdown": "*Figure 7. Gender — Moldova (n = 54)*"}, {"kind": "caption", "of": "figure"}),
            display({"text/markdown": "*Table: Gender — Moldova*"}, {"kind": "caption", "of": "table"}),
            display({"text/html": "<table></table>"}, {"kind": "table", "csv": "tables/gender.csv",
                                                       "caption": "Gender — Moldova"}),
        ]},
    ]
    (run / "executed.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                                    "nbformat_minor": 5}), encoding="utf-8")
    return run


def test_word_drawings_are_described_and_tables_have_header_rows(tmp_path: Path) -> None:
    run = _run_folder(tmp_path)
    meta = ReportMeta(code="MDA", name="Moldova", study_title="Study",
                      inputs=({"role": "survey", "name": "export.csv", "sha256": "ab" * 32},))
    data = render_docx(meta, [SectionDoc("methods", "Methods", run / "executed.ipynb")], Translator("en"),
                       build_reference(tmp_path / "reference.docx"))
    path = tmp_path / "report.docx"
    path.write_bytes(data)
    counts, findings, figures = reportcheck.check_docx(path)
    assert findings == [] and figures == [1]
    # The published table only: the inputs' digests are in the annex, a chart's numbers too (not after it).
    assert counts == {"drawings": 1, "drawings_with_descr": 1, "tables": 1, "tables_with_header_row": 1,
                      "heading_skips": 0, "figure_numbers": [1]}
    document = docx.Document(str(path))
    descr = document.element.body.xpath(".//wp:docPr/@descr")
    assert descr == ["Bar chart: Gender — Moldova. Share of respondents (%), n = 54. Woman 98%; withheld: Man."]
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    # The base held on one line (issue 26); the description above is never broken into lines.
    assert captions == ["Figure 1. Gender — Moldova (n\u00a0=\u00a054)", "Table 1. Gender — Moldova"]
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [("Heading 1", "Methods"), ("Heading 2", "Who answered")]  # was ### under #


def test_each_word_fault_is_found(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("Top", 1)
    document.add_heading("Too deep", 3)
    raw = io.BytesIO(base64.b64decode(PNG))
    document.add_picture(raw)
    document.add_paragraph("Figure 2. A chart", style="Caption")
    document.add_table(rows=2, cols=2)
    path = tmp_path / "bad.docx"
    document.save(str(path))
    _, findings, figures = reportcheck.check_docx(path)
    assert sorted(f.rule for f in findings) == ["descr", "docx-figures", "header-row", "heading-skip"]
    assert figures == [2]


# --------------------------------------------------------------------------- PDF


FIGURE_PAGE = _page(f'<h2>Part</h2><figure><img src="data:image/png;base64,{PNG}" width="200" height="100" '
                    'alt="Bar chart: T. A 50%."><figcaption>Figure 1. T</figcaption></figure>' + GOOD_TABLE)


@needs_chromium
def test_a_printed_report_page_passes_the_pdf_checks(tmp_path: Path) -> None:
    source = tmp_path / "page.html"
    source.write_text(FIGURE_PAGE, encoding="utf-8")
    with pdf.Printer() as printer:
        first = printer.print_pdf(source, tmp_path / "a.pdf").read_bytes()
        second = printer.print_pdf(source, tmp_path / "b.pdf").read_bytes()
    assert first == second  # the post-processing keeps the bytes reproducible
    counts, findings = reportcheck.check_pdf(tmp_path / "a.pdf", charts=1)
    assert findings == []
    assert counts["xmp_dc_title"] == "T" and counts["xmp_dc_language"] == "en" and counts["xmp_pdfuaid_part"] == "1"
    assert counts["figure_elements"] == counts["figure_elements_with_alt"] == 1
    assert counts["outline_items"] == 2 and counts["images_untagged"] == 0


@needs_chromium
def test_the_additions_are_an_incremental_update_or_a_rewrite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pikepdf

    source = tmp_path / "page.html"
    source.write_text(FIGURE_PAGE, encoding="utf-8")
    finish = pdf.make_accessible
    monkeypatch.setattr(pdf, "make_accessible", lambda data, info=None: data)
    with pdf.Printer() as printer:
        raw = printer.print_pdf(source, tmp_path / "raw.pdf").read_bytes()
    assert reportcheck.check_pdf(tmp_path / "raw.pdf", charts=1)[0]["figure_elements"] == 2  # <figure> and <img>
    done = finish(raw)
    assert done.startswith(raw) and done == finish(raw)  # Chromium's bytes kept; reproducible
    # A file laid out otherwise (a cross-reference stream, objects in object streams) is rewritten whole.
    packed = io.BytesIO()
    with pikepdf.open(io.BytesIO(raw)) as document:
        document.save(packed, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    rewritten = finish(packed.getvalue())
    for name, data in (("incremental.pdf", done), ("rewritten.pdf", rewritten)):
        path = tmp_path / name
        path.write_bytes(data)
        with pikepdf.open(path, attempt_recovery=False) as document:
            assert document.check_pdf_syntax() == []
        counts, findings = reportcheck.check_pdf(path, charts=1)
        assert findings == [], name
        assert counts["figure_elements"] == 1 and counts["xmp_pdfuaid_part"] == "1"


@needs_chromium
def test_each_pdf_fault_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Chromium as it printed before: no bookmarks, no post-processing, an image marked decorative.
    monkeypatch.setattr(pdf, "PRINT_OPTIONS", {k: v for k, v in pdf.PRINT_OPTIONS.items()
                                               if k != "generateDocumentOutline"})
    monkeypatch.setattr(pdf, "make_accessible", lambda data, info=None: data)
    source = tmp_path / "page.html"
    source.write_text(FIGURE_PAGE.replace("<h2>Part</h2>", f'<h2>Part</h2><img src="data:image/png;base64,{PNG}" '
                                                           'alt="" width="20" height="20">'), encoding="utf-8")
    with pdf.Printer() as printer:
        printer.print_pdf(source, tmp_path / "bad.pdf")
    _, findings = reportcheck.check_pdf(tmp_path / "bad.pdf", charts=2)
    assert sorted(f.rule for f in findings) == ["figure-alt", "figure-per-chart", "outlines", "untagged-image", "xmp",
                                                "xmp-dc-language", "xmp-dc-title", "xmp-pdfuaid"]


@needs_chromium
def test_a_row_left_alone_on_a_page_is_found_and_the_print_rules_prevent_it(tmp_path: Path) -> None:
    # A long table starting lower and lower on the first page: without the report's print
    # rules, Chromium leaves the header row (or it and one row) at the foot of the page.
    from perspectives.assemble import TEMPLATES

    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    rows = "".join(f'<tr><th scope="row">Row {i}</th><td>{i}</td></tr>' for i in range(60))
    table = (f'<div class="output"><table><caption>Table 1. Long</caption><thead><tr><td></td><th scope="col">n</th>'
             f"</tr></thead><tbody>{rows}</tbody></table></div>")
    orphans: dict[str, list[int]] = {"plain": [], "report": []}
    with pdf.Printer() as printer:
        for style in orphans:
            rules = css if style == "report" else "@page { size: A4; margin: 16mm }"
            for filler in range(200, 240, 5):
                source = tmp_path / f"{style}{filler}.html"
                source.write_text(_page(f'<div style="height:{filler}mm">filler</div>{table}').replace(
                    "<title>T</title>", f"<title>T</title><style>{rules}</style>"), encoding="utf-8")
                counts, findings = reportcheck.check_pdf(printer.print_pdf(source))
                assert (counts["orphaned_rows"] > 0) == ("orphaned-row" in {f.rule for f in findings})
                orphans[style].append(counts["orphaned_rows"])
    assert any(orphans["plain"]), orphans
    assert not any(orphans["report"]), orphans


# --------------------------------------------------------------------------- axe-core


@needs_chromium
def test_axe_core_names_the_violations_of_a_bad_page(tmp_path: Path) -> None:
    _axe_installed()
    bad = tmp_path / "bad.html"
    bad.write_text(_page(f'<h3>Skipped</h3><img src="data:image/png;base64,{PNG}">'
                         "<table><tr><th></th><th>n</th></tr><tr><td>a</td><td>1</td></tr></table>"), encoding="utf-8")
    good = tmp_path / "good.html"
    good.write_text(_page(f"<h2>Part</h2>{GOOD_FIGURE}{GOOD_TABLE}"), encoding="utf-8")
    found = reportcheck.run_axe([bad, good])
    assert {v["id"] for v in found[str(bad)]} >= {"image-alt", "empty-table-header", "heading-order"}
    assert found[str(good)] == []


# --------------------------------------------------------------------------- the built reports


@pytest.fixture(scope="module")
def built(two_builds) -> Path:
    return two_builds[0]


def _figures_drawn(report: Path) -> int:
    """How many figures the executed notebooks of a report displayed (their outputs' metadata)."""
    return sum(((output.get("metadata") or {}).get("perspectives") or {}).get("kind") == "figure"
               for notebook in Path(report).glob("sections/*/executed.ipynb")
               for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]
               for output in cell.get("outputs", []))


@needs_chromium
def test_every_report_of_the_build_passes_every_check(built: Path) -> None:
    _axe_installed()
    folders = [built / "BIH", built / "synthesis"]
    results = reportcheck.check_reports(folders)
    for folder, result in zip(folders, results, strict=True):
        assert [str(f) for f in result.findings] == [], result.folder
        html, pdf_counts, docx_counts = (result.counts[k] for k in ("html", "pdf", "docx"))
        charts = html["img"]
        # Every chart the report's notebooks drew is in the page (a chart with too little to show
        # gave way to its table in the notebook), each with its numbers and its data table.
        assert charts == _figures_drawn(folder) >= 15
        assert html["img_alt_with_numbers"] == charts == html["charts_with_data_table"]
        assert html["figure_numbers"] == list(range(1, charts + 1)) == docx_counts["figure_numbers"]
        assert pdf_counts["figure_elements_with_alt"] == charts and pdf_counts["outline_items"] > 20
        assert html["th_with_scope"] == html["th"] > 300 and html["th_empty"] == 0
        assert result.counts["axe"] == {}  # axe ran and found nothing


def _percent_cells(csv_path: Path) -> dict[tuple[str, str], str]:
    with csv_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    return {(row[0], header[c][:-2]): row[c] for row in rows[1:] for c in range(1, len(header))
            if header[c].endswith(" %")}


def test_each_chart_follows_the_mask_of_its_published_table(built: Path) -> None:
    """A bar chart and the table after it come from different code paths (the figure's shares,
    the table's strings through disclosure control): a share the table withholds must be
    withheld in the chart's data, and a shown share must read as the table prints it.

    Every report of the build is read (the synthesis's charts draw the pooled column), and every
    share the table withholds for a place the chart draws is looked up in the chart: drawn as
    withheld (None), or its answer not drawn at all (a chart draws a combination instead of its
    withheld members, and a chart with too little to show gives way to its table)."""
    compared = withheld = left_out = 0
    for notebook in sorted(built.glob("*/sections/*/executed.ipynb")):
        for chart, cells in _bar_charts_with_tables(notebook):
            left_out += sum(1 for (row, place), printed in cells.items()
                            if place in chart.columns and row not in chart.rows
                            and not re.fullmatch(r"\d+%", printed.rstrip("†")))  # withheld, and no bar draws it
            drawn, drawn_withheld = _compare_drawn(notebook.parent.name, chart, cells)
            compared, withheld = compared + drawn, withheld + drawn_withheld
    # Both ways a chart withholds a share are met (drawn as withheld, left out for its combination).
    assert compared > 100 and withheld >= 1 and withheld + left_out >= 5, (compared, withheld, left_out)


def _bar_charts_with_tables(notebook: Path) -> list[tuple[Chart, dict]]:
    """Each bar chart of an executed notebook, with the percent cells of the table that follows it."""
    found = []
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        outputs = [(o.get("metadata") or {}).get("perspectives") or {} for o in cell.get("outputs", [])]
        for i, meta in enumerate(outputs):
            if meta.get("kind") != "figure" or meta["chart"]["kind"] != "bars":
                continue
            table = next((m for m in outputs[i + 1:] if m.get("kind") == "table"), None)
            if table is not None:
                found.append((Chart.from_json(meta["chart"]), _percent_cells(notebook.parent / table["csv"])))
    return found


def _compare_drawn(section: str, chart: Chart, cells: dict) -> tuple[int, int]:
    """Each bar the chart draws against its table's cell: (bars compared, bars drawn as withheld)."""
    compared = withheld = 0
    for r, row in enumerate(chart.rows):
        for c, place in enumerate(chart.columns):
            if (row, place) not in cells:
                continue
            printed, value = cells[(row, place)].rstrip("†"), chart.values[r][c]
            if value is None:
                assert not re.fullmatch(r"\d+%", printed), (section, row, place)
                withheld += 1
            else:
                assert printed == fmt_pct(value), (section, row, place)
            compared += 1
    return compared, withheld


@needs_chromium
def test_a_report_in_spanish_passes_every_check(tmp_path: Path, saved_decisions: Path) -> None:
    _axe_installed()
    # from the small-cell rule's saved results of the same data (the checks read the report, not its masks)
    result = build(countries=["BIH"], lang="es", out=remembering(tmp_path / "outputs", saved_decisions), jobs=2)
    assert result.ok
    # A report in Spanish lives in the language's folder, beside the English one.
    check = reportcheck.check_reports([tmp_path / "outputs" / "BIH" / "es"])[0]
    assert [str(f) for f in check.findings] == []
    assert check.counts["html"]["lang"] == "es" and check.counts["pdf"]["xmp_dc_language"] == "es"
    text = (tmp_path / "outputs" / "BIH" / "es" / "report.html").read_text(encoding="utf-8")
    assert "Figura 1. " in text and "Tabla 1. " in text and 'alt="Gráfico de barras: ' in text
    assert "omitido" in text and "Datos de la figura 1" in text


def test_the_command_says_what_it_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from perspectives.cli import main

    folder = tmp_path / "MDA"
    folder.mkdir()
    (folder / "report.html").write_text(_page(GOOD_FIGURE.replace("Woman 98%, Man withheld", "")), encoding="utf-8")
    assert main(["check-report", str(folder), "--no-axe"]) == 1
    out = capsys.readouterr().out
    assert "FINDING html: img-alt-numbers" in out and "img=1" in out
    (folder / "report.html").write_text(_page(f"<h2>Part</h2>{GOOD_FIGURE}{GOOD_TABLE}"), encoding="utf-8")
    assert main(["check-report", str(folder), "--no-axe", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["findings"] == []
    assert main(["check-report", str(tmp_path / "absent")]) == 2
