"""Reports a partner would publish (issue 26): the study's structure, no internal code, each result once.

Two kinds of test:

* built reports: Moldova and the synthesis, built in English and in Romanian (the country's
  language) from the embedded data, read back as HTML, Word and PDF text. The parts must come
  in the order a study's report has them (cover, acknowledgements, definitions, executive
  summary, introduction, methods, the findings, recommendations, annex); no text may show a
  column, code or value name; each chart appears once, its full table only in the annex and
  behind the chart in HTML; the withheld mark is one character, explained under every table
  that uses it; the Word file is A4 with its contents written in it;
* the pieces, on inputs written by hand: the executive summary's order comes from the numbers
  (and a national report never sets its country beside a pool of itself), the cover's logo is
  refused at load when its file is missing and shown (and checked) when present.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from lxml import etree
from lxml import html as lxml_html

from perspectives import pdf, reportcheck
from perspectives.build import build
from perspectives.i18n import Translator
from perspectives.study import load_grid, load_study, repo_root, report_folder
from perspectives.texts import load_texts

ROOT = repo_root()
HAS_CHROMIUM = pdf.find_chromium() is not None
needs_chromium = pytest.mark.skipif(not HAS_CHROMIUM, reason="chromium is not installed (make pdf-tools)")
REPORTS = {"MDA": "MDA", "ALL": "synthesis"}
LANGS = ("en", "ro")
# What an internal identifier looks like in running text: a dotted name (reporting.awareness_gap),
# a snake_case word (gov_training), or code in backticks.
IDENTIFIER = re.compile(r"\b[a-z_]+\.[a-z_]+\b|\b[a-z]+_[a-z_]+\b|`")
WITHHELD = "–"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """lang -> the output folder of Moldova and the synthesis built in that language."""
    out = {}
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1627257600"  # 26 July 2021: the cover and annex show a date
    try:
        for lang in LANGS:
            folder = tmp_path_factory.mktemp(f"reports-{lang}") / "outputs"
            result = build(countries=list(REPORTS), lang=lang, out=folder, jobs=2)
            assert result.ok
            out[lang] = folder
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before
    return out


CASES = [(lang, code) for lang in LANGS for code in REPORTS]


def _folder(built: dict[str, Path], lang: str, code: str) -> Path:
    return built[lang] / report_folder(code, load_study(), lang)


def _parts(lang: str) -> tuple[list[str], dict[str, list[str]]]:
    """The level-1 headings a report must have, in order, and the level-2 ones some of them hold.

    From the study's own definitions (params/report_texts.yml headings, params/grid.yml titles),
    in the report's language.
    """
    tr = Translator(lang)
    head = {k: tr(" ".join(v.split())) for k, v in load_texts()["headings"].items()}
    grid = load_grid()
    findings = [tr(s.title) for s in grid.sections if s.position != "first" and s.id != "recommendations"]
    recommendations = tr(grid.section("recommendations").title)
    order = [head["acknowledgements"], head["definitions"], head["summary"], head["introduction"], head["methods"],
             *findings, recommendations, head["annex"]]
    inside = {head["introduction"]: [head["objectives"]],
              head["methods"]: [head["survey"], head["conversations"], head["roundtable"], head["limitations"]],
              recommendations: [head["roundtable_insights"]],
              head["annex"]: [head["annex_tables"], head["provenance"]]}
    return order, inside


def _html(folder: Path) -> lxml_html.HtmlElement:
    return lxml_html.fromstring((folder / "report.html").read_bytes())


def _text(element: etree._Element) -> str:
    return " ".join(" ".join(element.itertext()).split())


def _pdf_text(folder: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(folder / "report.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout


def _input_files(folder: Path) -> list[str]:
    return [i["file"] for i in json.loads((folder / "provenance.json").read_text(encoding="utf-8"))["inputs"]]


# --------------------------------------------------------------------------- structure


@pytest.mark.parametrize(("lang", "code"), CASES)
def test_the_parts_of_a_study_report_in_html(built: dict[str, Path], lang: str, code: str) -> None:
    root = _html(_folder(built, lang, code))
    order, inside = _parts(lang)
    cover = root.find(".//header[@class='cover']")
    assert _text(cover.find("h1")) == Translator(lang)(load_study().title)
    assert "2021" in _text(cover)  # the build's date (SOURCE_DATE_EPOCH)
    main = root.find(".//main")
    h1 = [_text(h) for h in main.iter("h1")]
    assert h1 == order
    headings = [(h.tag, _text(h)) for h in main.iter("h1", "h2")]
    for parent, children in inside.items():
        start = headings.index(("h1", parent))
        end = next((i for i in range(start + 1, len(headings)) if headings[i][0] == "h1"), len(headings))
        assert [t for _, t in headings[start + 1:end] if t in children] == children, parent
    # The digests of the input files are in the annex, not on the cover.
    assert cover.find(".//table") is None
    assert root.get_element_by_id("section-annex").find(".//table[@class='provenance']") is not None


@pytest.mark.parametrize(("lang", "code"), CASES)
def test_the_parts_in_word_and_pdf_in_the_same_order(built: dict[str, Path], lang: str, code: str) -> None:
    folder = _folder(built, lang, code)
    order, _ = _parts(lang)
    document = docx.Document(str(folder / "report.docx"))
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"] == order
    title = next(p.text for p in document.paragraphs if p.style.name == "Title")
    assert title == Translator(lang)(load_study().title)
    text = _pdf_text(folder)
    # Each part's heading starts a line of the printed text, in order, after the contents page.
    body = text[text.index("\f", text.index(order[-1])):]
    position = 0
    for heading in order:
        # A long heading wraps: its words, on lines of their own.
        words = r"\s+".join(re.escape(w) for w in heading.split())
        found = re.search(rf"(?m)^[ \t\f]*{words}[ \t]*$", body[position:])
        assert found, heading
        position += found.end()


# --------------------------------------------------------------------------- no internal identifier


@pytest.mark.parametrize(("lang", "code"), CASES)
def test_no_internal_identifier_in_any_format(built: dict[str, Path], lang: str, code: str) -> None:
    folder = _folder(built, lang, code)
    files = _input_files(folder)  # the annex names the input files, by design
    root = _html(folder)
    for element in root.xpath("//style | //script | //table[@class='provenance']"):
        element.getparent().remove(element)
    html_text = " ".join(t.strip() for t in root.itertext())
    html_attributes = " ".join(root.xpath("//img/@alt"))
    document = docx.Document(str(folder / "report.docx"))
    word = [p.text for p in document.paragraphs]
    for table in document.tables:
        cells = [c.text for row in table.rows for c in row.cells]
        if not set(files) & set(cells):
            word += cells
    word_text = " ".join(word)
    pdf_text = _pdf_text(folder)
    for name in files:
        pdf_text = pdf_text.replace(name, "")
    for fmt, text in (("html", html_text), ("alt", html_attributes), ("docx", word_text), ("pdf", pdf_text)):
        found = sorted({m.group(0) for m in IDENTIFIER.finditer(text)})
        assert found == [], (fmt, found[:20])
    # The recommendations are prose: numbered headings, text and evidence, never a nested list.
    section = root.get_element_by_id("section-recommendations")
    assert section.find(".//ul//ul") is None and section.find(".//ol//ul") is None
    titles = [_text(h) for h in section.iter("h3")]
    assert [t.split(".")[0] for t in titles] == [str(n) for n in range(1, len(titles) + 1)] and len(titles) >= 13
    assert "some or none" not in html_text


# --------------------------------------------------------------------------- each result once


@pytest.mark.parametrize(("lang", "code"), CASES)
def test_each_chart_once_and_its_table_in_the_annex_and_behind_it(built: dict[str, Path], lang: str,
                                                                 code: str) -> None:
    folder = _folder(built, lang, code)
    root = _html(folder)
    figures = root.findall(".//figure")
    numbers = [f.get("id") for f in figures]
    assert len(numbers) == len(set(numbers)) > 5
    annex = root.get_element_by_id("section-annex")
    annex_captions = [_text(c) for c in annex.iter("caption") if c.getparent().get("class") != "provenance"]
    assert annex_captions and all(re.match(r"\S+ A\d+\. ", c) for c in annex_captions)
    behind = []
    for figure in figures:
        details = figure.getnext()
        assert details is not None and details.tag == "details"
        behind += [_text(c) for c in details.iter("caption")]
    # Every annex table is behind its chart, and no table of the body repeats one.
    assert set(annex_captions) <= set(behind)
    body = [_text(c) for c in root.find(".//main").iter("caption")
            if not any(a.tag == "details" for a in c.iterancestors()) and annex not in c.iterancestors()]
    assert not set(body) & set(annex_captions)
    # On paper: no "data for figure" table, each caption once.
    tr = Translator(lang)
    data_for = tr("Data for Figure {number}", number=1).rsplit(" ", 1)[0]
    text = _pdf_text(folder)
    assert data_for not in text
    label = tr("Figure {number}. {caption}", number="{n}", caption="").split("{n}")[0]
    printed = " ".join(text.split())
    for figure in figures:
        caption = _text(figure.find("figcaption"))
        assert printed.count(" ".join(caption.split()[:8])) == 1, caption
    document = docx.Document(str(folder / "report.docx"))
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert not [c for c in captions if c.startswith(data_for)]
    for n in range(1, len(figures) + 1):
        assert sum(c.startswith(f"{label}{n}. ") for c in captions) == 1, n
    annex_word = [c for c in captions if re.match(r"\S+ A\d+\. ", c)]
    assert annex_word == annex_captions


@pytest.mark.parametrize(("lang", "code"), CASES)
def test_one_withheld_mark_explained_under_every_table(built: dict[str, Path], lang: str, code: str) -> None:
    folder = _folder(built, lang, code)
    root = _html(folder)
    tr = Translator(lang)
    word = tr("withheld")
    marked = 0
    for table in root.iter("table"):
        if table.get("class") == "provenance":
            continue
        cells = [_text(c) for c in table.iter("td")]
        assert word not in cells and "withheld" not in cells  # the mark, never a word, in a cell
        if any(WITHHELD in c for c in cells):
            marked += 1
            note = table.getnext()
            while note is not None and note.tag == "table":
                note = note.getnext()
            assert note is not None and "table-note" in (note.get("class") or ""), _text(table.find("caption"))
            assert f"{WITHHELD}:" in _text(note)
        if any("†" in c for c in cells):
            assert "†:" in _text(table.getnext())
    assert marked > 3
    # Word: the same note under each table that uses the mark.
    document = docx.Document(str(folder / "report.docx"))
    body = list(document.element.body)
    for i, element in enumerate(body):
        if element.tag == f"{W}tbl" and any(t == WITHHELD for t in element.xpath(".//w:t/text()")):
            # The note under the table explains the mark, as in HTML (the combined answers' ↓ may come first).
            following = "".join(body[i + 1].xpath(".//w:t/text()")) if i + 1 < len(body) else ""
            assert f"{WITHHELD}:" in following, following[:160]


# --------------------------------------------------------------------------- Word


@pytest.mark.parametrize(("lang", "code"), CASES)
def test_word_is_a4_with_its_contents_written_in(built: dict[str, Path], lang: str, code: str) -> None:
    path = _folder(built, lang, code) / "report.docx"
    document = docx.Document(str(path))
    for section in document.sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    headings = [p.text for p in document.paragraphs if p.style.name in ("Heading 1", "Heading 2")]
    entries = [p.text for p in document.paragraphs if p.style.name in ("TOC 1", "TOC 2")]
    assert entries == headings and len(entries) > 20
    settings = zipfile.ZipFile(path).read("word/settings.xml").decode("utf-8")
    assert "updateFields" not in settings


@needs_chromium
def test_the_built_reports_pass_every_check(built: dict[str, Path]) -> None:
    folders = [_folder(built, lang, code) for lang, code in CASES]
    for check in reportcheck.check_reports(folders, axe=reportcheck.axe_script() is not None):
        assert [str(f) for f in check.findings] == [], check.folder


# --------------------------------------------------------------------------- the pieces


def _values(tmp_path: Path, shares: dict[str, float], pooled_places: list[str], pooled: dict[str, float]) -> Path:
    """A report folder whose one run recorded a multi-select question's shares, as runs record them."""
    run = tmp_path / "sections" / "disclosure"
    run.mkdir(parents=True)
    values = []
    for option, share in shares.items():
        cells = {"categories": ["yes"], "places": ["MDA"], "universe": f"barriers.{option}"}
        values.append({"name": f"barriers.{option}.pct", "value": share, "country": "MDA", "suppressed": False,
                       "cells": cells, "measure": "percent", "n": 54, "section": "disclosure"})
    for option, share in pooled.items():
        cells = {"categories": ["yes"], "places": pooled_places, "universe": f"barriers.{option}"}
        values.append({"name": f"barriers.{option}.pct", "value": share, "country": "ALL", "suppressed": False,
                       "cells": cells, "measure": "percent", "n": 413, "section": "disclosure"})
    (run / "values.json").write_text(json.dumps(values), encoding="utf-8")
    spec = tmp_path / "summary.yml"
    spec.write_text(yaml.safe_dump([{"heading": "Disclosure", "findings": [], "topics": ["barriers"],
                                     "compare": ["barriers"]}]), encoding="utf-8")
    return tmp_path


def _summary(folder: Path, conditions: set[str]) -> str:
    from perspectives.summary import executive_summary
    from perspectives.texts import Texts

    texts = Texts(Translator("en"), {"place": "Moldova", "country_name": "Moldova", "pooled_place": "the six countries"},
                  conditions | {"always", "national"})
    labels = {"stigma_shame": "Stigma and shame", "fear_response": "Fear of how others will react",
              "sex_taboo": "Sex is a taboo subject"}
    values = json.loads((folder / "sections" / "disclosure" / "values.json").read_text(encoding="utf-8"))
    text, _ = executive_summary(texts, values, "MDA", "ALL", lambda topic: labels,
                                {"barriers": {"kind": "multi"}}, spec_path=folder / "summary.yml")
    return text


def test_the_summary_ranks_by_the_numbers_and_compares_only_with_other_countries(tmp_path: Path) -> None:
    shares = {"stigma_shame": 57.4, "fear_response": 70.4, "sex_taboo": 48.1}
    text = _summary(_values(tmp_path / "a", shares, ["ALB", "MDA"], {"fear_response": 51.0}), {"pooled"})
    # Fear (70%) before stigma (57%) before taboo (48%): the order of the numbers, whatever the form's.
    assert ("most often named by the workers in Moldova was fear of how others will react (70%), followed by "
            "stigma and shame (57%) and sex is a taboo subject (48%).") in text
    assert "above the figure for the six countries, 51%" in text
    # A pool of Moldova alone (a partner's export of one country) is no comparison.
    alone = _summary(_values(tmp_path / "b", shares, ["MDA"], {"fear_response": 70.4}), {"pooled"})
    assert "six countries" not in alone and "figure for" not in alone
    from perspectives.summary import pooled_beside

    values = json.loads((tmp_path / "b" / "sections" / "disclosure" / "values.json").read_text())
    assert not pooled_beside(values, "MDA", "ALL")


def test_a_missing_logo_is_refused_when_the_study_loads(tmp_path: Path) -> None:
    from perspectives.study import load_study as load

    raw = yaml.safe_load((ROOT / "params" / "study.yml").read_text(encoding="utf-8"))
    path = tmp_path / "params" / "study.yml"
    path.parent.mkdir()

    def written(logo: str) -> int:
        """The study with ALB's logo at ``logo``; the line of that setting."""
        raw["countries"][0]["logo"] = logo
        text = yaml.safe_dump(raw)
        path.write_text(text, encoding="utf-8")
        return text[: text.index(f"logo: {logo}")].count("\n") + 1

    # Named as every configuration error is: the file from the project, its line, the fix.
    line = written("params/logos/nowhere.png")
    with pytest.raises(ValueError, match=rf"^params/study\.yml:{line}: logo file 'params/logos/nowhere\.png' not "
                                         r"found\. Fix: put the image there, or remove the logo key"):
        load(path)
    line = written("params/study.yml")
    with pytest.raises(ValueError, match=rf"^params/study\.yml:{line}: logo 'params/study\.yml' is not a PNG or "
                                         r"JPEG file named from the repository root\. Fix: write a path such as "):
        load(path)


def test_a_logo_is_on_the_cover_and_the_reports_still_pass_their_checks(tmp_path: Path) -> None:
    from test_docx import _display, _png

    from perspectives.assemble import ReportMeta, SectionDoc, render_report
    from perspectives.docx_report import build_reference, render_docx
    from perspectives.texts import Cover

    logo = tmp_path / "logo.png"
    logo.write_bytes(_png())
    run = tmp_path / "sections" / "s"
    run.mkdir(parents=True)
    cells = [{"cell_type": "code", "metadata": {}, "source": "",
              "outputs": [_display({"text/markdown": "# Findings\n\nSome words."})]}]
    (run / "executed.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                                    "nbformat_minor": 5}), encoding="utf-8")
    meta = ReportMeta(code="MDA", name="Moldova", study_title="Study", partner="Partner")
    cover = Cover("Study", "National report: Moldova", ("In partnership with Partner",), None, logo, "Logo of Partner")
    sections = [SectionDoc("s", "Findings", run / "executed.ipynb")]
    page = render_report(meta, sections, Translator("en"), cover=cover)
    (tmp_path / "report.html").write_text(page, encoding="utf-8")
    img = lxml_html.fromstring(page).find(".//header[@class='cover']/img")
    assert img.get("alt") == "Logo of Partner" and img.get("src").startswith("data:image/png;base64,")
    counts, findings, _ = reportcheck.check_html(tmp_path / "report.html")
    assert findings == [] and counts["logos"] == 1 and counts["img"] == 0
    data = render_docx(meta, sections, Translator("en"), build_reference(tmp_path / "reference.docx"), cover=cover)
    (tmp_path / "report.docx").write_bytes(data)
    document = docx.Document(str(tmp_path / "report.docx"))
    header = document.sections[0].first_page_header
    assert document.sections[0].different_first_page_header_footer
    assert header._element.xpath(".//wp:docPr/@descr") == ["Logo of Partner"]
    counts, findings, _ = reportcheck.check_docx(tmp_path / "report.docx")
    assert findings == [] and counts["drawings"] == 0
