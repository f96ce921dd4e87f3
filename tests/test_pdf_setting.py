"""Which reports a build prints: ``PERSPECTIVES_PDF`` (perspectives.pdf_setting).

``1`` (or unset) prints every report, ``0`` none, a list of report codes only those. A build
on the stand-in project (ALB and the synthesis, real Chromium) prints only the report named,
writes the other without a PDF, and a later build that wants every PDF prints the one missing
and leaves the printed one as it was; a code that is no report of the study is refused before
anything is written.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from stand_in import make_project

from perspectives import build, pdf
from perspectives.pdf_setting import PDF_ENV, check_pdf_setting, pdf_reports, pdf_wanted
from perspectives.study import load_grid, load_study


@pytest.mark.parametrize(("value", "named"), [
    (None, None), ("1", None), ("", None), ("0", frozenset()),
    ("MDA,ALL", frozenset({"MDA", "ALL"})), (" mda , ALL ,", frozenset({"MDA", "ALL"})),
])
def test_the_setting_names_every_report_none_or_a_list(monkeypatch: pytest.MonkeyPatch, value: str | None,
                                                       named: frozenset[str] | None) -> None:
    if value is None:
        monkeypatch.delenv(PDF_ENV, raising=False)
    else:
        monkeypatch.setenv(PDF_ENV, value)
    assert pdf_reports() == named


def test_a_list_prints_only_the_reports_it_names(monkeypatch: pytest.MonkeyPatch) -> None:
    synthesis = load_study().synthesis_code
    monkeypatch.setenv(PDF_ENV, f"MDA,{synthesis}")
    assert [pdf_wanted(code) for code in ("MDA", synthesis, "ALB", "mda")] == [True, True, False, True]
    assert pdf_wanted()  # some report is printed: a build may start its browser
    monkeypatch.setenv(PDF_ENV, "0")
    assert not pdf_wanted() and not pdf_wanted("MDA")
    monkeypatch.setenv(PDF_ENV, "1")
    assert pdf_wanted() and pdf_wanted("ALB")


def test_a_code_that_is_no_report_of_the_study_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    study = load_study()
    monkeypatch.setenv(PDF_ENV, f"MDA,{study.synthesis_code},XYZ,synthesis")
    with pytest.raises(ValueError, match=r"PERSPECTIVES_PDF names SYNTHESIS, XYZ, which is no report") as caught:
        check_pdf_setting(study.report_codes)
    assert all(code in str(caught.value) for code in study.report_codes)
    monkeypatch.setenv(PDF_ENV, f"{study.codes[0].lower()},{study.synthesis_code}")
    check_pdf_setting(study.report_codes)  # the study's own codes pass, in either case


PARAMS = 'country = "ALL"\nlang = "en"\ndata_path = None\nconversations_path = None\noutput_dir = None'


def _project(dest: Path) -> Path:
    """The stand-in project (ALB and its synthesis) with one section, ``note``: a heading and its parameters."""
    make_project(dest, b"respondent_id,country\n")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Note section"),
                nbformat.v4.new_code_cell(PARAMS, metadata={"tags": ["parameters"]})]
    nbformat.write(nb, dest / "notebooks" / "note.ipynb")
    grid = (dest / "params" / "grid.yml").read_text(encoding="utf-8")
    (dest / "params" / "grid_note.yml").write_text(
        grid.split("sections:")[0] + "sections:\n  - id: note\n    notebook: notebooks/note.ipynb\n"
        "    title: Note section\n\nparameters:\n" + grid.split("parameters:\n", 1)[1], encoding="utf-8")
    return dest


def _build(root: Path) -> build.BuildResult:
    return build.build(root=root, out=root / "out", jobs=2, package="fakepersp", keep_server=0,
                       grid=load_grid(root / "params" / "grid_note.yml"))


def test_a_build_refuses_a_report_the_study_has_not_before_writing(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path / "p")
    monkeypatch.setenv(PDF_ENV, "ALL,MDA")  # the stand-in's study has ALB and the synthesis only
    with pytest.raises(ValueError, match="PERSPECTIVES_PDF names MDA.*ALB, ALL"):
        _build(root)
    assert not (root / "out").exists()


@pytest.mark.skipif(pdf.find_chromium() is None, reason="chromium is not installed (make pdf-tools)")
def test_only_the_named_report_is_printed_and_a_later_build_prints_the_other(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path / "p")
    synthesis = load_study(root / "params" / "study.yml").synthesis_code
    monkeypatch.setenv(PDF_ENV, synthesis)
    first = _build(root)
    assert first.ok, first.summary()
    out = root / "out"
    assert (out / "synthesis" / "report.pdf").is_file()
    assert not (out / "ALB" / "report.pdf").exists()
    assert (out / "ALB" / "report.html").is_file() and (out / "ALB" / "report.docx").is_file()
    printed = (out / "synthesis" / "report.pdf").read_bytes()
    monkeypatch.setenv(PDF_ENV, "1")
    second = _build(root)
    assert second.ok, second.summary()
    # The runs are current; the report built without its PDF is assembled and printed now,
    # the one printed before is current and left as it was.
    assert second.reports_written == ["ALB"] and second.reports_unchanged == [synthesis]
    assert (out / "ALB" / "report.pdf").read_bytes().startswith(b"%PDF-")
    assert (out / "synthesis" / "report.pdf").read_bytes() == printed
