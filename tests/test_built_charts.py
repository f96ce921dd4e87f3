"""The charts of the built reports, as a reader meets them (issue 26).

Read from the shared build of the study (conftest's ``study_build``: every report, English):
the numbers each chart drew (its display metadata, as the runs recorded them), the HTML and
Word files written. The counts here are made from those files by hand, not by the code under
test:

* no chart with fewer than two readable bars: a chart almost all of whose values are withheld
  gives way to its table, and the figures are numbered without it in every format;
* a base ("(n = 54)") is never broken across two lines: its spaces are non-breaking in every
  text of every report, HTML and Word.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
import yaml
from lxml import html as lxml_html

from perspectives.study import repo_root

THEME = yaml.safe_load((repo_root() / "params" / "figure_theme.yml").read_text(encoding="utf-8"))["chart"]


def _reports(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.glob("*/report.html"))


def _charts(report: Path) -> list[dict]:
    """The numbers every chart of a report drew, with its file."""
    found = []
    for notebook in sorted(report.glob("sections/*/executed.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            for output in cell.get("outputs", []):
                meta = (output.get("metadata") or {}).get("perspectives") or {}
                if meta.get("kind") == "figure" and meta.get("chart"):
                    found.append({**meta["chart"], "png": meta["png"], "section": notebook.parent.name})
    return found


def _readable(chart: dict) -> int:
    """Readable bars, counted by hand: a bar with a number; a stacked bar mostly published.

    Bars side by side: every series needs its own bars (a place whose every bar is withheld,
    beside the pooled one, shows nothing of itself). A stacked bar: its published answers
    cover at least ``readable_share`` per cent of it.
    """
    values = chart["values"]
    if chart["kind"] == "stacked":
        return sum(sum(v for v in row if v is not None) >= THEME["readable_share"] for row in values)
    return min(sum(row[k] is not None for row in values) for k in range(len(chart["columns"])))


def charts_with_too_little(root: Path) -> list[str]:
    """Every chart of the built reports under ``root`` with fewer readable bars than the theme asks."""
    return [f"{report.name}/{chart['section']}/{chart['png']}: {_readable(chart)} readable"
            for report in _reports(root) for chart in _charts(report)
            if chart["kind"] in ("bars", "stacked", "means") and _too_few(chart)]


def _too_few(chart: dict) -> bool:
    """Fewer readable bars than the theme's least, or than its least share of the chart's bars."""
    readable = _readable(chart)
    return readable < THEME["min_readable_bars"] or readable * 100 < THEME["min_readable_bars_share"] * len(chart["values"])


# A base in the house form whose spaces are not both non-breaking: "n = 54", "n =\u00a054", "(n\u00a0= –)".
BROKEN_BASE = re.compile(r"(?<![\w])n(?: =[ \u00a0]|\u00a0= )(?=\d|–)")


def breakable_bases(root: Path) -> list[str]:
    """Each base of a built report's visible text (HTML and Word) that could break across lines."""
    found = []
    for report in _reports(root):
        page = lxml_html.fromstring((report / "report.html").read_bytes())
        for element in page.iter("style", "script"):
            element.drop_tree()
        texts = {"html": page.text_content()}
        with zipfile.ZipFile(report / "report.docx") as docx:
            texts["docx"] = "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>",
                                               docx.read("word/document.xml").decode("utf-8")))
        for kind, text in texts.items():
            found += [f"{report.name}/report.{kind}: …{text[max(0, m.start() - 40):m.end() + 6]}…"
                      for m in BROKEN_BASE.finditer(text)]
    return found


def figure_numbers(root: Path) -> dict[str, tuple[list[int], list[int]]]:
    """Each report's figure numbers as its HTML captions and its Word captions give them."""
    out = {}
    for report in _reports(root):
        page = lxml_html.fromstring((report / "report.html").read_bytes())
        html_numbers = [int(m.group(1)) for c in page.xpath("//main//figure/figcaption")
                        if (m := re.match(r"Figure (\d+)\.", " ".join(c.text_content().split())))]
        with zipfile.ZipFile(report / "report.docx") as docx:
            xml = docx.read("word/document.xml").decode("utf-8")
        paragraphs = re.findall(r"<w:p[ >].*?</w:p>", xml)
        word_numbers = [int(m.group(1)) for p in paragraphs if 'w:val="Caption"' in p
                        if (m := re.match(r"Figure (\d+)\.", "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", p))))]
        out[report.name] = (html_numbers, word_numbers)
    return out


@pytest.fixture(scope="module")
def built(study_build: Path) -> Path:
    return study_build


def test_no_chart_of_any_report_has_fewer_than_two_readable_bars(built: Path) -> None:
    # Issue 26: Moldova's Figure 1 drew marks only for Moldova, and Figure 16 one readable bar of five.
    assert sum(len(_charts(report)) for report in _reports(built)) > 50
    assert charts_with_too_little(built) == []


def test_a_chart_that_gave_way_leaves_its_table_in_the_body_and_the_numbers_run_on(built: Path) -> None:
    for name, (html_numbers, word_numbers) in figure_numbers(built).items():
        assert html_numbers == list(range(1, len(html_numbers) + 1)), name
        assert word_numbers == html_numbers, name
    body = lxml_html.fromstring((built / "MDA" / "report.html").read_bytes())
    # Moldova's gender, most of its shares withheld, is no figure. Its table's sentence in the body
    # (report_display.table_sentence) says nothing: Moldova's column and the six countries' publish
    # different answers, and one column's answer is never set beside another's.
    said = [" ".join(p.text_content().split()) for p in body.xpath("//main//p")]
    gender = [p for p in said if p.startswith("Gender of the frontline workers")]
    assert gender == [], gender
    assert not any(re.search(r"respondents in Moldova, \d+ \(\d+%\) answered", p) for p in said)
    figures = [" ".join(c.text_content().split()) for c in body.xpath("//main//figure/figcaption")]
    assert not any("Gender of the frontline workers" in c for c in figures)
    assert "Figure ?" not in body.text_content()


def test_no_base_breaks_across_lines_in_any_report(built: Path) -> None:
    # Issue 26: "(n =" ended a printed line, its number on the next.
    assert breakable_bases(built) == []
