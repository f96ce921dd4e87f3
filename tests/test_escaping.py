"""Text from data and configuration is text wherever a report shows it (issue 24, item 1).

Hostile texts (HTML tags, scripts, an ``<img onerror>``, an iframe on ``file:///etc/passwd``,
an SVG with a script, ``javascript:`` links, Markdown links and images, spreadsheet formulas)
are put where partners and configuration put text: an approved open-text answer, a consented
conversation excerpt, a section title, a catalogue string, a country's name and partner, a
theme label and an answer's label. A one-country report is built from them in a copy of the
checkout, and its HTML (parsed), its Word XML and its CSV tables are read back: no element,
attribute or URL from the texts is there, every text is shown as the characters it is, and
no cell a spreadsheet would run is left as it was. The unit tests below check each boundary
(Markdown, the renderers, library HTML, CSV, the pages' Content-Security-Policy, the live
preview's one allowed script) on its own.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from lxml import etree
from lxml import html as lxml_html
from shared_builds import remembering
from stand_in import copy_checkout

from perspectives import pdf
from perspectives.locales import language_of
from perspectives.report_themes import indented

HAS_CHROMIUM = pdf.find_chromium() is not None

# What a hostile partner, translator or configuration file might write. Every location gets
# these with its own marker word, and those that a table shows start with a formula.
MARKUP = ('<script>alert("x")</script><img src=x onerror=alert(1)> '
          '<iframe src=file:///etc/passwd></iframe><svg onload=alert(2)><script>alert(3)</script></svg> '
          '<a href="javascript:alert(4)">a</a> **bold** _it_ `code` [link](javascript:alert(5)) '
          '# not a heading $x$ | ~~s~~ &amp; &lt;b&gt;')
REMOTE = " ![img](http://example.invalid/a.png) <http://example.invalid/b>"
# Where the identifying-details screen reads the text (answers, excerpts), no web address.
SCREENED = MARKUP + " ![img](x.png)"
PAYLOADS = {
    "title": "=1+1 title " + MARKUP + REMOTE,
    "name": "@SUM(1+1) name " + MARKUP + REMOTE,
    "partner": "+1 partner " + MARKUP + REMOTE,
    "theme": "-2+3+cmd|' /C calc'!A0 theme " + MARKUP + REMOTE,
    "category": "=HYPERLINK(\"http://example.invalid\",\"category\") " + MARKUP + REMOTE,
    "answer": "answer " + SCREENED,
    "excerpt": "excerpt " + SCREENED,
    "catalogue": "=2+2 catalogue " + MARKUP + REMOTE,
}
# What no element of a report may be, and what an attribute may not hold.
FORBIDDEN_TAGS = {"script", "iframe", "svg", "object", "embed", "form", "input", "base", "link", "frame",
                  "frameset", "math", "video", "audio", "source", "button"}
# (looked for behind white space and invisible format characters, such as a sub-theme's indent)
FORMULA = re.compile(r"^[\s\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]*[=+\-@\t\r\n]")
NUMBER = re.compile(r"^[+-]?[\d,]*\.?\d+%?$")


def _norm(text: str) -> str:
    return " ".join(text.split())


def _strict_policy(page: str) -> dict[str, list[str]]:
    """The page's Content-Security-Policy, checked to allow no script and no remote load."""
    tree = lxml_html.document_fromstring(page)
    metas = tree.xpath('//meta[translate(@http-equiv, "CONTENTSCURIYPOL", "contentscuriypol")='
                       '"content-security-policy"]')
    assert len(metas) == 1, "the page has no Content-Security-Policy (or several)"
    assert metas[0].getparent().tag == "head"
    policy = {}
    for directive in metas[0].get("content").split(";"):
        name, *values = directive.split()
        policy[name] = values
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'none'"]
    assert policy["img-src"] == ["data:"]
    assert set(policy.get("style-src", [])) <= {"'unsafe-inline'"}
    values = [v for vs in policy.values() for v in vs]
    assert not any(v in ("*", "'self'", "http:", "https:", "'unsafe-eval'") or "://" in v for v in values)
    return policy


def _assert_no_markup_from_data(tree: etree._Element) -> None:
    """No element, attribute or URL in the page that a text could have brought."""
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in FORBIDDEN_TAGS, etree.tostring(element)[:200]
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            if name in ("href", "src", "action", "formaction", "xlink:href", "srcset", "data"):
                assert value.startswith(("#", "data:image/png;", "data:image/jpeg;", "data:image/svg+xml;")), \
                    (element.tag, name, value[:80])
    assert not tree.xpath("//a[not(starts-with(@href, '#'))]")


# --------------------------------------------------------------------------- Markdown boundary

EDGE_TEXTS = [MARKUP + REMOTE, "1. not a list", "2) nor this", "- nor this", "+ nor this", "=== not a heading",
              ": not a definition", "> not a quote", "    not code", "--- not a rule", "***", "<http://x.example>",
              "http://example.invalid www.example.invalid x@example.invalid", "a\n\n# b\n- c\n\n    d",
              "\\*escaped\\* &copy; &#42; &#x2a; &", "$\\alpha$ $$x$$ \\(y\\)", "[r]: http://example.invalid",
              "| a | b |\n|---|---|\n| 1 | 2 |", "```\ncode\n```", "term\n: definition", "- [ ] task"]


def _render(markdown: str, composed: bool = True) -> etree._Element:
    from perspectives.assemble_cells import Renderer

    return lxml_html.fragment_fromstring(Renderer().markdown(markdown, composed=composed), create_parent="div")


@pytest.mark.parametrize("text", EDGE_TEXTS)
@pytest.mark.parametrize(("context", "tags", "before"), [
    ("Said: {}", {"p"}, "Said: "), ("> {}", {"blockquote", "p"}, ""), ("# {}", {"h1"}, ""),
    ("*{}*", {"p", "em"}, ""), ("- x {}", {"ul", "li"}, "x ")])
def test_a_text_written_as_markdown_renders_as_itself(text: str, context: str, tags: set[str], before: str):
    from perspectives.escape import markdown_text

    tree = _render(context.format(markdown_text(text)))
    found = {e.tag for e in tree.iter() if isinstance(e.tag, str)} - {"div"}
    assert found == tags
    assert all(not e.attrib for e in tree.iter() if isinstance(e.tag, str))
    assert _norm(tree.text_content()) == before + _norm(text)


@pytest.mark.parametrize("text", EDGE_TEXTS)
def test_word_shows_escaped_markdown_as_the_same_text(text: str):
    from docx import Document

    from perspectives.docx_text import write_markdown
    from perspectives.escape import markdown_text

    doc = Document()
    write_markdown(doc, "> " + markdown_text(text) + "\n\nSaid: **" + markdown_text(text) + "**")
    quote, said = doc.paragraphs
    assert quote.text == _norm(text)
    assert said.text == "Said: " + _norm(text)
    assert [run.bold for run in said.runs] == [None, True]
    assert b"hyperlink" not in etree.tostring(doc.element.body)


def test_markdown_fields_escape_texts_and_keep_numbers_and_the_withheld_mark():
    from perspectives.analysis_results import WITHHELD, Fields, fill
    from perspectives.escape import markdown_fields

    fields = markdown_fields({"label": "<b>x</b>", "mark": WITHHELD, "n": 3, "by": Fields({"a": "*a*"})})
    assert fields["label"] == "&lt;b&gt;x&lt;/b&gt;" and fields["n"] == 3 and fields["mark"] is WITHHELD
    assert isinstance(fields["by"], Fields) and fields["by"].a == "&#42;a&#42;"
    # A sentence holding the withheld mark is still dropped.
    assert fill("A {label}. B {mark}.", "note", **fields) == "A &lt;b&gt;x&lt;/b&gt;. note"


def test_markdown_a_run_composed_makes_no_link_image_or_tag_whatever_it_holds():
    """Defence in depth: Markdown with markup nobody escaped (a hostile catalogue template)."""
    tree = _render(MARKUP + REMOTE + "\n\n<div onclick=x>block</div>\n\n```mermaid\n<img src=x onerror=alert(6)>\n```",
                   composed=True)
    _assert_no_markup_from_data(tree)
    assert not tree.xpath("//a | //img")
    text = _norm(tree.text_content())
    for shown in ('<script>alert("x")</script>', "[link](javascript:alert(5))", "![img](http://example.invalid/a.png)",
                  "<div onclick=x>block</div>", "<img src=x onerror=alert(6)>"):
        assert shown in text


def test_a_notebook_markdown_cell_keeps_safe_links_and_embedded_images_only():
    from perspectives.assemble_cells import Renderer

    png = "iVBORw0KGgo="
    out = Renderer().markdown("[ok](https://example.org/a) [mail](mailto:a@example.org) [in](#x) "
                               "[bad](javascript:alert(1)) [bad2](java\tscript:alert(2)) [f](file:///etc/passwd) "
                               "[d](data:text/html;base64,PHNjcmlwdD4=) ![remote](http://example.invalid/a.png) "
                               "![att](attachment:a.png) <b onclick=x>raw</b>",
                               attachments={"a.png": {"image/png": png}})
    tree = lxml_html.fragment_fromstring(out, create_parent="div")
    assert [a.get("href") for a in tree.iter("a")] == ["https://example.org/a", "mailto:a@example.org", "#x"]
    assert [img.get("src") for img in tree.iter("img")] == [f"data:image/png;base64,{png}"]
    assert "remote" in tree.text_content() and "<b onclick=x>raw</b>" in tree.text_content()
    assert not tree.xpath("//b")


# --------------------------------------------------------------------------- library HTML, images


def test_library_html_is_kept_to_the_allow_list():
    from perspectives.assemble_cells import Renderer

    hostile = ('<table class="report-table"><thead><tr><th onclick="x()">h</th></tr></thead><tbody><tr>'
               '<td><script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:x">a</a>'
               '<iframe src="file:///etc/passwd"></iframe><svg><script>alert(3)</script></svg>cell</td>'
               '</tr></tbody></table><style>body{background:url(http://example.invalid/x)}</style>')
    renderer = Renderer()
    shown = renderer.output({"output_type": "display_data", "data": {"text/html": hostile}})
    tree = lxml_html.fragment_fromstring(shown, create_parent="div")
    _assert_no_markup_from_data(tree)
    assert not tree.xpath("//img | //a | //style")
    assert tree.xpath("//td")[0].text_content() == "acell"
    assert tree.xpath("//table/@class") == ["report-table"]


def test_an_svg_output_is_an_image_never_inline_markup():
    from perspectives.assemble_cells import Renderer

    svg = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
    shown = Renderer().output({"output_type": "display_data", "data": {"image/svg+xml": svg}})
    tree = lxml_html.fragment_fromstring(shown, create_parent="div")
    assert [e.tag for e in tree.iter() if e.tag != "div"] == ["img"]
    assert tree[0].get("src").startswith("data:image/svg+xml;base64,")
    bad = Renderer().output({"output_type": "display_data", "data": {"image/png": 'x" onerror="alert(1)'}})
    assert bad is None


# --------------------------------------------------------------------------- CSV


@pytest.mark.parametrize(("cell", "written"), [
    ("=1+1", "'=1+1"), ("+x", "'+x"), ("+1", "+1"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("\n=1", "'\n=1"), ("  =1", "'  =1"), ("\u00a0=1", "'\u00a0=1"), ("'=1", "''=1"),
    ("-5", "-5"), ("+3.5", "+3.5"), ("-12%", "-12%"), ("1,254", "1,254"), ("–", "–"), ("Yes", "Yes"),
    ("'quoted", "'quoted"), ("", ""),
])
def test_a_cell_a_spreadsheet_would_run_is_neutralised(cell: str, written: str):
    from perspectives.escape import csv_cell, csv_cell_text

    assert csv_cell(cell) == written
    assert csv_cell_text(csv_cell(cell)) == cell
    assert csv_cell(5) == 5 and csv_cell(-2.5) == -2.5


def test_a_table_written_as_csv_reads_back_neutralised_and_quoted():
    from perspectives.escape import csv_cell_text, frame_csv

    frame = pd.DataFrame({"=n": ["=1+2", "-3"], "@%": ['a;=1+2"', "12%"]}, index=["+x", "plain"])
    text = frame_csv(frame, index_label="")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["", "'=n", "'@%"], ["'+x", "'=1+2", 'a;=1+2"'], ["plain", "-3", "12%"]]
    assert 'a;=1+2' in text and '"a;=1+2"""' in text  # a ';' is inside quotes for a ';' locale
    assert [[csv_cell_text(c) for c in row] for row in rows][1] == ["+x", "=1+2", 'a;=1+2"']
    for row in rows:
        for cell in row:
            assert not FORMULA.match(cell) or NUMBER.match(cell.strip()), cell


def test_the_fidelity_claims_csv_and_page_are_safe(tmp_path: Path):
    from perspectives import fidelity

    result = pd.DataFrame([{"claim_id": "M-X-001", "section": "methods", "kind": "count",
                            "published": "=HYPERLINK(\"http://example.invalid\")", "reproduced": "-1",
                            "status": "exact", "note": "@x <script>alert(1)</script>"}])
    folder = fidelity.write_report(result, tmp_path)
    rows = list(csv.reader((folder / "claims.csv").open(encoding="utf-8", newline="")))
    assert rows[1][3] == "'=HYPERLINK(\"http://example.invalid\")" and rows[1][4] == "-1"
    assert rows[1][6] == "'@x <script>alert(1)</script>"
    page = (folder / "index.html").read_text(encoding="utf-8")
    _strict_policy(page)
    assert not lxml_html.document_fromstring(page).xpath("//script")


# --------------------------------------------------------------------------- Word


def _notebook(path: Path, outputs: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "source": "", "outputs": outputs}],
                                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    return path


def test_word_reads_no_markup_or_field_from_data(tmp_path: Path):
    from perspectives.assemble import ReportMeta, SectionDoc
    from perspectives.docx_report import render_docx
    from perspectives.escape import frame_csv, markdown_text

    text = "=1+1 <w:fldSimple w:instr=\"HYPERLINK x\"/> { HYPERLINK \"http://example.invalid\" } " + MARKUP + "\x01"
    run = tmp_path / "sections" / "s"
    (run / "tables").mkdir(parents=True)
    (run / "tables" / "t.csv").write_text(frame_csv(pd.DataFrame({"A": [text]}, index=[text])), encoding="utf-8")
    nb = _notebook(run / "executed.ipynb", [
        {"output_type": "display_data", "metadata": {}, "data": {"text/markdown": "> " + markdown_text(text)}},
        {"output_type": "display_data", "metadata": {"perspectives": {"kind": "table", "csv": "tables/t.csv",
                                                                       "caption": text}},
         "data": {"text/html": "<table></table>"}}])
    meta = ReportMeta(code="MDA", name=text, study_title="S", partner=text)
    data = render_docx(meta, [SectionDoc("s", text, nb)])
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
    body = etree.fromstring(xml.encode("utf-8"))
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    shown = _norm(text.replace("\x01", "\ufffd"))
    paragraphs = ["".join(p.itertext()) for p in body.iterfind(".//w:p", ns)]
    assert sum(_norm(p) == shown for p in paragraphs) >= 3  # title, the quote, a table cell
    assert any(_norm(p) == "Partner organisation: " + shown for p in paragraphs)
    _only_contents_links(body, ns)
    assert not body.findall(".//w:fldSimple", ns)
    _only_contents_fields(body, ns)


def _only_contents_links(body: etree._Element, ns: dict[str, str]) -> None:
    """The only links are the contents' entries, each to a bookmark on a heading (never a data link)."""
    bookmarks = set(body.xpath(".//w:bookmarkStart/@w:name", namespaces=ns))
    for link in body.iterfind(".//w:hyperlink", ns):
        anchor = link.get(f"{{{ns['w']}}}anchor") or ""
        assert re.fullmatch(r"_Toc\d+", anchor) and anchor in bookmarks
        assert not [k for k in link.attrib if k.endswith("}id")]  # no relationship: no external target


def _only_contents_fields(body: etree._Element, ns: dict[str, str]) -> None:
    """The only field is the contents' own: one TOC field, whose result holds the entries (links
    to bookmarks on headings, without page numbers) and no field.

    A field from data would be a field outside the TOC's result, a second top-level field, or a
    field inside the contents."""
    w = f"{{{ns['w']}}}"
    headings = {b.get(w + "name") for b in body.iterfind(".//w:bookmarkStart", ns)
                if b.getparent().xpath("string(w:pPr/w:pStyle/@w:val)", namespaces=ns).startswith("Heading")}
    fields: list[tuple[int, str, etree._Element]] = []  # (depth, instruction, first element)
    depth, open_fields = 0, []
    for element in body.iter(w + "fldChar", w + "instrText"):
        kind = element.get(w + "fldCharType")
        if kind == "begin":
            assert not open_fields or open_fields[-1][3], "a field inside another's code"
            depth += 1
            open_fields.append([depth, "", element, False])
        elif kind == "separate":
            open_fields[-1][3] = True
        elif kind == "end":
            done = open_fields.pop()
            fields.append((done[0], done[1].strip(), done[2]))
            depth -= 1
        else:
            assert open_fields and not open_fields[-1][3], "an instruction outside a field's code"
            open_fields[-1][1] += element.text or ""
    assert depth == 0 and not open_fields
    assert [f[1].split()[0] for f in fields if f[0] == 1] == ["TOC"]
    assert len(fields) == 1, "a field besides the contents' TOC"
    links = list(body.iterfind(".//w:hyperlink", ns))
    assert links and all(link.get(w + "anchor") in headings for link in links)


# --------------------------------------------------------------------------- figures


def test_a_label_with_dollar_signs_is_drawn_as_text():
    import matplotlib.pyplot as plt

    from perspectives import figures

    label = r"$\notacommand{x}$ costs 5 dollars"
    fig = figures.share_bars(pd.DataFrame({"t": [50.0]}, index=[label]), r"$\notacommand$ title")
    fig.savefig(io.BytesIO(), format="png")  # mathtext would fail here on the unknown command
    assert _norm(label) in [_norm(t.get_text()) for t in fig.axes[0].get_yticklabels()]
    plt.close(fig)


# --------------------------------------------------------------------------- pages and the preview


def test_the_report_and_index_pages_carry_a_strict_policy(tmp_path: Path):
    from perspectives.assemble import ReportMeta, SectionDoc, render_report, write_index
    from perspectives.study import load_grid, load_study

    nb = _notebook(tmp_path / "s" / "executed.ipynb", [
        {"output_type": "display_data", "metadata": {}, "data": {"text/markdown": "Hello"}}])
    page = render_report(ReportMeta(code="MDA", name="M", study_title="S"), [SectionDoc("s", "T", nb)])
    _strict_policy(page)
    write_index(tmp_path, load_study(), load_grid())
    _strict_policy((tmp_path / "index.html").read_text(encoding="utf-8"))


@pytest.mark.skipif(not HAS_CHROMIUM, reason="chromium is not installed (make pdf-tools)")
def test_in_chromium_the_preview_script_runs_and_no_other(tmp_path: Path):
    """A served page runs the preview's reload script (it shows a failed rebuild) and nothing else."""
    from playwright.sync_api import sync_playwright

    from perspectives import preview_server
    from perspectives.assemble import ReportMeta, SectionDoc, render_report
    from perspectives.reportcheck_axe import BROWSER_FLAGS

    nb = _notebook(tmp_path / "s" / "executed.ipynb", [
        {"output_type": "display_data", "metadata": {}, "data": {"text/markdown": "Hello"}}])
    page = render_report(ReportMeta(code="MDA", name="M", study_title="S"), [SectionDoc("s", "T", nb)])
    # As if a text had slipped past every escape: the policy still stops it.
    page = page.replace("</main>", '<script>document.body.dataset.ran = "yes"</script>'
                                   '<img src=x onerror="document.body.dataset.img=1"></main>')
    (tmp_path / "MDA").mkdir()
    (tmp_path / "MDA" / "report.html").write_text(page, encoding="utf-8")
    events = preview_server.Events()
    server = preview_server.make_server(tmp_path, events)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    violations: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=pdf.find_chromium(), headless=True,
                                                 args=list(BROWSER_FLAGS))
            try:
                tab = browser.new_page()
                tab.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
                tab.goto(f"http://127.0.0.1:{server.server_address[1]}/MDA/report.html")
                for _ in range(100):  # the page connects to the events when its script runs
                    if len(events):
                        break
                    tab.wait_for_timeout(50)
                events.send("built", {"ok": False, "error": "boom"})
                tab.wait_for_selector("#preview-failed", timeout=10_000)
                assert "boom" in tab.inner_text("#preview-failed")
                assert tab.evaluate("() => [document.body.dataset.ran, document.body.dataset.img]") == [None, None]
            finally:
                browser.close()
    finally:
        events.close()
        server.shutdown()
    assert violations  # the page's own script was refused by the policy, and said so


# --------------------------------------------------------------------------- a hostile one-country build


def _set_csv_cells(path: Path, match, column: str, value: str) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, changed = rows[0], 0
    for row in rows[1:]:
        record = dict(zip(header, row, strict=True))
        if match(record):
            row[header.index(column)] = value
            changed += 1
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return changed


def _hostile_checkout(repo: Path, export_dir: Path) -> Path:
    """Put every payload where a partner or a translator would; returns the export to build from."""
    grid_path = repo / "params" / "grid.yml"
    grid = yaml.safe_load(grid_path.read_text(encoding="utf-8"))
    next(s for s in grid["sections"] if s["id"] == "methods")["title"] = PAYLOADS["title"]
    grid_path.write_text(yaml.safe_dump(grid, allow_unicode=True, sort_keys=False), encoding="utf-8")
    study_path = repo / "params" / "study.yml"
    study = yaml.safe_load(study_path.read_text(encoding="utf-8"))
    mda = next(c for c in study["countries"] if c["iso3"] == "MDA")
    mda.update(name=PAYLOADS["name"], partner=PAYLOADS["partner"])
    # Every theme table printed as a table (the rule is data): the hostile theme label below is
    # in Moldova's knowledge table, which reads "some" in every row and would be one sentence.
    study["tables"] = {**(study.get("tables") or {}), "min_distinct_cells": 1}
    study_path.write_text(yaml.safe_dump(study, allow_unicode=True, sort_keys=False), encoding="utf-8")
    ro_path = repo / "params" / "i18n" / "ro.yml"
    ro = yaml.safe_load(ro_path.read_text(encoding="utf-8"))
    ro["What frontline workers know"] = {"text": PAYLOADS["catalogue"]}
    ro_path.write_text(yaml.safe_dump(ro, allow_unicode=True, sort_keys=False), encoding="utf-8")
    codebook_path = repo / "data" / "codebook.yml"
    codebook = codebook_path.read_text(encoding="utf-8")
    assert codebook.count("label: Insensitive first contact\n") == 1
    codebook_path.write_text(codebook.replace("label: Insensitive first contact\n",
                                              f"label: {json.dumps(PAYLOADS['theme'])}\n"), encoding="utf-8")
    choices = repo / "data" / "instrument" / "choices.csv"
    # An answer a chart draws as a bar of its own in Moldova's report (the area workers serve), so
    # that its label reaches a figure's text alternative too, not only tables (an answer a chart
    # draws only inside a combined answer, as "don't know" is, names the combination instead).
    for column in ("label::English (en)", "label::Romanian (ro)"):
        assert _set_csv_cells(choices, lambda r: (r["list_name"], r["name"]) == ("area", "urban"),
                              column, PAYLOADS["category"]) == 1
    conversations = repo / "data" / "synthetic" / "conversations.csv"
    assert _set_csv_cells(conversations, lambda r: r["country"] == "MDA", "consent_to_quote", "yes") > 0
    _set_csv_cells(conversations, lambda r: r["country"] == "MDA", "excerpt", PAYLOADS["excerpt"])
    # The partner's export: one eligible Moldovan's answer to the training question, approved.
    from perspectives.readers import load_survey

    eligible = load_survey(str(repo / "data" / "synthetic" / "survey_export.csv")).eligible
    respondent = sorted(eligible.loc[eligible["country"] == "MDA", "respondent_id"])[0]
    export_dir.mkdir(parents=True)
    export = export_dir / "export.csv"
    export.write_bytes((repo / "data" / "synthetic" / "survey_export.csv").read_bytes())
    assert _set_csv_cells(export, lambda r: r["respondent_id"] == respondent, "training_text", PAYLOADS["answer"]) == 1
    (export_dir / "approved_open_text.csv").write_text(f"respondent_id,question\n{respondent},training_text\n",
                                                       encoding="utf-8")
    return export


def _build(repo: Path, *args: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(repo / "lib"), PERSPECTIVES_PDF="0")
    env.pop("SOURCE_DATE_EPOCH", None)
    done = subprocess.run([sys.executable, "-m", "perspectives.cli", "build", "--country", "MDA", "--jobs", "2",
                           *args], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, saved_decisions: Path) -> dict[str, Path]:
    """MDA built in English (two sections) and in Romanian (one) from the hostile texts."""
    base = tmp_path_factory.mktemp("hostile")
    repo = copy_checkout(base / "repo")
    export = _hostile_checkout(repo, base / "partner")
    # From the small-cell rule's results saved for the embedded data (``remembering``): the
    # hostile texts change no count, and a table whose counts differ is searched afresh.
    remembering(repo / "outputs", saved_decisions)
    _build(repo, "--section", "methods", "knowledge", "--data", str(export),
           "--conversations", str(repo / "data" / "synthetic" / "conversations.csv"))
    _build(repo, "--section", "knowledge", "--lang", "ro", "--out", str(remembering(base / "ro", saved_decisions)))
    return {"en": repo / "outputs", "ro": base / "ro"}


def test_hostile_texts_are_text_in_the_html_report(hostile):
    page = (hostile["en"] / "MDA" / "report.html").read_text(encoding="utf-8")
    _strict_policy(page)
    tree = lxml_html.document_fromstring(page)
    _assert_no_markup_from_data(tree)
    # Each text is shown whole, as its characters, where the report puts it.
    title = _norm(PAYLOADS["title"])
    assert title in [_norm(h.text_content()) for h in tree.iter("h1")]
    assert title in [_norm(a.text_content()) for a in tree.xpath("//nav//a")]
    # The page's title is the cover's: the study's title, then the report's (ending with the country's name).
    assert _norm(tree.findtext(".//title")).endswith(_norm(PAYLOADS["name"]))
    # The cover names the partner (params/report_texts.yml, cover.partner_national).
    assert "In partnership with " + _norm(PAYLOADS["partner"]) in [_norm(p.text_content()) for p in tree.iter("p")]
    cells = [_norm(c.text_content()) for c in tree.xpath("//table//th | //table//td")]
    # The theme's code is a sub-theme: its row is indented under its theme (report_themes.indented).
    assert _norm(PAYLOADS["category"]) in cells and _norm(indented(PAYLOADS["theme"])) in cells
    assert any(c.startswith(_norm(PAYLOADS["name"])) for c in cells)  # the country's column
    quotes = [_norm(q.text_content()) for q in tree.iter("blockquote")]
    assert _norm(PAYLOADS["answer"]) in quotes and _norm(PAYLOADS["excerpt"]) in quotes
    # The figure's text alternative and its data table name the answer's label as text too.
    assert any(_norm(PAYLOADS["category"]) in _norm(img.get("alt", "")) for img in tree.iter("img"))
    index = (hostile["en"] / "index.html").read_text(encoding="utf-8")
    _strict_policy(index)
    index_tree = lxml_html.document_fromstring(index)
    _assert_no_markup_from_data_index(index_tree)
    assert _norm(PAYLOADS["name"]) in _norm(index_tree.text_content())


def _assert_no_markup_from_data_index(tree: etree._Element) -> None:
    for element in tree.iter():
        if isinstance(element.tag, str):
            assert element.tag not in FORBIDDEN_TAGS
            assert not any(name.startswith("on") for name in element.attrib)
    # the index links only the report's own files (HTML, PDF when printed, Word), nothing from data
    hrefs = tree.xpath("//a/@href")
    assert hrefs[0] == "MDA/report.html" and set(hrefs) <= {"MDA/report.html", "MDA/report.pdf", "MDA/report.docx"}


def test_a_hostile_catalogue_string_is_text_in_the_translated_report(hostile):
    page = (hostile["ro"] / "MDA" / "ro" / "report.html").read_text(encoding="utf-8")
    _strict_policy(page)
    tree = lxml_html.document_fromstring(page)
    _assert_no_markup_from_data(tree)
    assert _norm(PAYLOADS["catalogue"]) in [_norm(h.text_content()) for h in tree.iter("h1")]
    # The page's language is a BCP 47 tag of the edition (Romanian as written in Moldova: ro-MD).
    assert language_of(tree.get("lang"), ["ro"]) == "ro"


def test_hostile_texts_are_plain_runs_in_the_word_report(hostile):
    xml = zipfile.ZipFile(hostile["en"] / "MDA" / "report.docx").read("word/document.xml")
    body = etree.fromstring(xml)
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    paragraphs = {_norm("".join(p.itertext())) for p in body.iterfind(".//w:p", ns)}
    for key in ("title", "name", "category", "answer", "excerpt"):
        assert _norm(PAYLOADS[key]) in paragraphs, key
    assert _norm(indented(PAYLOADS["theme"])) in paragraphs  # a sub-theme's row, indented
    assert "In partnership with " + _norm(PAYLOADS["partner"]) in paragraphs
    _only_contents_links(body, ns)
    assert not body.findall(".//w:fldSimple", ns)
    _only_contents_fields(body, ns)


def test_hostile_texts_are_neutralised_in_every_csv_table(hostile):
    cells: list[str] = []
    for path in sorted((hostile["en"] / "MDA" / "sections").glob("*/tables/*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            cells += [cell for row in csv.reader(handle) for cell in row]
    assert len(cells) > 100
    risky = [c for c in cells if FORMULA.match(c) and not NUMBER.match(c.strip())]
    assert risky == []
    # The sub-theme's indent (a word joiner, non-breaking spaces) hides no formula: the cell is still text.
    assert "'" + PAYLOADS["category"] in cells and "'" + indented(PAYLOADS["theme"]) in cells
    assert any(c.startswith("'" + PAYLOADS["name"]) for c in cells)  # the country's column header


def test_a_missing_translation_is_listed_without_its_control_characters(tmp_path: Path, capsys):
    from perspectives.untranslated import Audit, Finding, describe

    # What a reader meets in English is listed by perspectives.untranslated (the build prints it).
    audit = Audit("ro", [Finding("label \x1b]0;title\x07 \x1b[2J cleared", "unknown", 1, ["HTML: \x1b[31m"])],
                  met=1, translated=0, review=0)
    err = "\n".join(describe("MDA", audit, "MDA"))
    assert "label" in err and "cleared" in err
    assert "\x1b" not in err and "\x07" not in err
