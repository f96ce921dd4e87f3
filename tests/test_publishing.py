"""What a partner's communications officer would still change before publishing (issue 26, review).

Two kinds of test:

* the pieces, on inputs written here or read from ``params/``: one mark for a count in every
  language, never two pairs of parentheses side by side, the cover's date and funders from the
  study (never the clock), a table behind a chart in the chart's order, each survey finding
  stated once in the recommendations;
* Moldova's report in English and in Romanian (the suite's shared builds), read back as
  PDF pages, HTML and Word text: no page left nearly
  empty, no count written two ways, no theme's evidence left at "withheld" where the
  conversations are enough to say "some", no finding repeated, the annex's tables in their
  charts' order.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from lxml import html as lxml_html

from perspectives import disclosure as dc
from perspectives import fmt, locales, pdf, qualitative, qualitative_recommendations, report_annex, texts, untranslated
from perspectives.analysis_results import fill
from perspectives.i18n import Translator
from perspectives.study import load_study, repo_root, report_folder

ROOT = repo_root()
HAS_PDF_TOOLS = pdf.find_chromium() is not None and shutil.which("pdftoppm") is not None
COUNTRY = "MDA"
LANGS = ("en", "ro")
# A page whose content ends above this fraction of its height is nearly empty.
NEARLY_EMPTY = 0.25


# --------------------------------------------------------------------------- the pieces


def test_a_count_has_one_mark_in_every_language() -> None:
    assert fmt.fmt_n(54) == "n = 54"
    assert fmt.pct_with_n(171, 413) == "41% (n = 171)"
    # The same form in a translated table, its numbers written as the language writes them (CLDR).
    assert locales.number_text("41% (n = 171)", "ro") == "41\u00a0% (n = 171)"
    assert locales.number_text("n = 1,254", "ro") == "n = 1.254"
    assert locales.number_text("12.5%† (n = 30)", "es") == "12,5\u00a0%† (n = 30)"
    assert locales.number_text("41% (n = 171)", "en") == "41% (n = 171)"


def test_a_label_with_its_own_parentheses_takes_no_second_pair() -> None:
    said = fill("The most common barrier was {label} ({share}), then fear.", label="stigma (silence)",
                share="57%")
    assert said == "The most common barrier was stigma (silence; 57%), then fear."
    assert fmt.one_pair("care (faith-based or other) (70%, n = 38)") == "care (faith-based or other; 70%, n = 38)"
    assert fmt.one_pair("See Table 3 (annex). Then (a).") == "See Table 3 (annex). Then (a)."


def test_the_cover_dates_the_edition_and_names_the_funders_from_the_study() -> None:
    study = load_study()
    head = yaml.safe_load((ROOT / "params" / "study.yml").read_text(encoding="utf-8"))["study"]
    year, funders = str(head["publication_date"]), head["funders"]
    before = os.environ.pop("SOURCE_DATE_EPOCH", None)
    try:
        english = texts.cover(study, Translator("en"), COUNTRY, date=None, synthetic=False)
        romanian = texts.cover(study, Translator("ro"), COUNTRY, date=None, synthetic=False)
    finally:
        if before is not None:
            os.environ["SOURCE_DATE_EPOCH"] = before
    assert f"Published {year}" in english.lines
    assert any(all(f in line for f in funders) for line in english.lines)
    assert any(year in line and "Published" not in line for line in romanian.lines)
    assert any(all(f in line for f in funders) for line in romanian.lines)
    assert texts.edition_date("2022-07", "en") == "July 2022"
    assert texts.edition_date("2022-07-26", "ro") == "26 iulie 2022"


def test_a_table_behind_a_chart_follows_the_charts_order() -> None:
    counts = pd.DataFrame({"MDA": [6, 20, 12, 0]}, index=["a", "b", "c", "d"])
    mask = dc.suppress(dc.layout("q", counts), threshold=5)
    rows = {"a": mask.pct_n("MDA|a"), "b": mask.pct_n("MDA|b"), "c": mask.pct_n("MDA|c")}
    table = dc.table({"MDA": {**rows, "Respondents": mask.base_n("MDA|*", style="n")}})
    cells = {tuple(d["at"]): d["cells"] for d in table.describe()}
    ordered = table.rows_in_order(["b", "c", "a"])
    assert list(ordered.index) == ["b", "c", "a", "Respondents"]
    assert list(ordered.frame["MDA"]) == [table.frame.loc[r, "MDA"] for r in ["b", "c", "a", "Respondents"]]
    moved = {tuple(d["at"]): d["cells"] for d in ordered.describe()}
    assert moved[(0, 0)] == cells[(1, 0)] and moved[(2, 0)] == cells[(0, 0)] and moved[(3, 0)] == cells[(3, 0)]


def _finding_values(template: str) -> set[str]:
    return set(re.findall(r"\{v\[([^\]]+)\]\}", template))


def test_each_recommendation_states_its_own_evidence_in_full() -> None:
    """Reviewer item 5: no "given under recommendation 7" pointer, no evidence line said twice."""
    groups = yaml.safe_load((ROOT / "data" / "recommendations.yml").read_text(encoding="utf-8"))["groups"]
    templates = [str(f["text"]) for g in groups for r in g["items"] for f in r.get("findings") or []]
    values = [v for t in templates for v in _finding_values(t)]
    assert values and len(values) == len(set(values)), "a recorded value is a finding of two recommendations"

    def finding(result: str, template: str) -> str:
        return f"FINDING<{template}> See Figure [{result}]."

    evidence = qualitative_recommendations.Evidence(participants=0, theme_count=lambda code: None, finding=finding)
    markdown = qualitative_recommendations.render_recommendations(COUNTRY, evidence=evidence)
    said = re.findall(r"FINDING<(.*?)> See", markdown)
    assert sorted(said) == sorted(templates)  # every finding stated, in full, once
    assert "given under recommendation" not in markdown
    lines = [s for p in markdown.split("\n\n") if p.startswith("**Evidence:**")
             for s in re.split(r"(?<=\.) ", p.removeprefix("**Evidence:** "))]
    repeated = {line for line in lines if lines.count(line) > 1 and not line.startswith("The experts")}
    assert repeated == set()


def test_a_recommendations_file_giving_one_finding_to_two_recommendations_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load((ROOT / "data" / "recommendations.yml").read_text(encoding="utf-8"))
    items = [r for g in data["groups"] for r in g["items"]]
    first = next(r for r in items if r.get("findings"))
    later = next(r for r in items if int(r["number"]) > int(first["number"]))
    later["findings"] = [*(later.get("findings") or []), first["findings"][0]]
    path = tmp_path / "recommendations.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(qualitative.QualitativeDataError) as raised:
        qualitative_recommendations.load_recommendations(path)
    message = str(raised.value)
    assert f"recommendation {later['number']}" in message and f"recommendation {first['number']}" in message


def test_a_partner_without_a_name_in_the_language_is_said_not_silent() -> None:
    given = load_study()
    # The study as it would be without the Romanian name params/study.yml gives.
    country = dataclasses.replace(given.country(COUNTRY), partner_names=())
    study = dataclasses.replace(given, countries=tuple(country if c.iso3 == COUNTRY else c for c in given.countries))
    assert dict(given.country(COUNTRY).partner_names).get("ro") and not dict(country.partner_names).get("ro")
    said = untranslated.partner_names_missing(COUNTRY, "ro", study)
    assert len(said) == 1 and country.partner in said[0] and "partner_names: {ro:" in said[0]
    assert untranslated.partner_names_missing(COUNTRY, "en", study) == []
    named = dataclasses.replace(country, partner_names=(("ro", "Centrul Internațional La Strada"),))
    others = tuple(named if c.iso3 == COUNTRY else c for c in study.countries)
    assert untranslated.partner_names_missing(COUNTRY, "ro", dataclasses.replace(study, countries=others)) == []
    # The synthesis names each partner that has no name of its own in the language.
    assert len(untranslated.partner_names_missing(study.synthesis_code, "ro", study)) == sum(
        1 for c in study.countries if c.partner and not dict(c.partner_names).get("ro"))


# --------------------------------------------------------------------------- the built report


@pytest.fixture(scope="module")
def built(study_build: Path, romanian_build: Path) -> dict[str, Path]:
    """Moldova's report in English and in Romanian: the suite's shared builds, read only.

    The Romanian build's ``--strict`` verdict is checked by ``test_i18n_coverage``; the cover's
    date without ``SOURCE_DATE_EPOCH`` by the unit test above.
    """
    return {"en": study_build, "ro": romanian_build}


def _folder(built: dict[str, Path], lang: str) -> Path:
    return built[lang] / report_folder(COUNTRY, load_study(), lang)


def page_fill(report_pdf: Path, work: Path) -> list[float]:
    """How far down each page of a PDF its content reaches (0 blank, 1 to the foot), from its pixels."""
    subprocess.run(["pdftoppm", "-r", "20", "-gray", str(report_pdf), str(work / "page")], check=True)
    fills = []
    for page in sorted(work.glob("page-*.pgm"), key=lambda p: int(p.stem.split("-")[1])):
        data = page.read_bytes()
        header = data.split(b"\n", 3)
        width, height = map(int, header[1].split())
        pixels = np.frombuffer(header[3][:width * height], np.uint8).reshape(height, width)
        # The text area only: the page number sits in the bottom margin (16 mm of A4's 297).
        area = int(height * (1 - 16 / 297))
        inked = np.flatnonzero((pixels[:area] < 200).any(axis=1))
        fills.append(0.0 if inked.size == 0 else (inked[-1] + 1) / area)
    return fills


@pytest.mark.skipif(not HAS_PDF_TOOLS, reason="chromium and pdftoppm are needed (make pdf-tools)")
@pytest.mark.parametrize("lang", LANGS)
def test_every_printed_page_but_the_cover_shows_its_number(built: dict[str, Path], lang: str) -> None:
    pdf = _folder(built, lang) / "report.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    pages = text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
    last_lines = [next((line.strip() for line in reversed(page.splitlines()) if line.strip()), "") for page in pages]
    assert last_lines[0] != "1"
    assert last_lines[1:] == [str(k) for k in range(2, len(pages) + 1)]


@pytest.mark.skipif(not HAS_PDF_TOOLS, reason="chromium and pdftoppm are needed (make pdf-tools)")
@pytest.mark.parametrize("lang", LANGS)
def test_no_page_is_left_nearly_empty(built: dict[str, Path], lang: str, tmp_path: Path) -> None:
    fills = page_fill(_folder(built, lang) / "report.pdf", tmp_path)
    # The last page too: the report ended on a page holding the annex's last paragraph alone
    # (Moldova's page 44 in English, 46 in Romanian) until the back matter's short parts were
    # printed whole.
    empty = [(number, round(f, 2)) for number, f in enumerate(fills, 1) if f < NEARLY_EMPTY]
    assert not empty, f"pages whose content ends in the top quarter: {empty}"


def _body_text(folder: Path) -> list[str]:
    """The report's paragraphs and list items, as a reader sees them in the HTML."""
    page = lxml_html.fromstring((folder / "report.html").read_bytes())
    return [" ".join(" ".join(p.itertext()).split()) for p in page.xpath("//main//p | //main//li")]


@pytest.mark.parametrize("lang", LANGS)
def test_sentences_have_one_pair_of_parentheses_at_a_time(built: dict[str, Path], lang: str) -> None:
    side_by_side = [p for p in _body_text(_folder(built, lang)) if re.search(r"\)\s+\(", p)]
    assert not side_by_side, side_by_side[:3]
    nested = [p for p in _body_text(_folder(built, lang)) if re.search(r"\([^()]*\(", p)]
    assert not nested, nested[:3]


def _page_text(folder: Path) -> str:
    """The HTML report's text as a reader sees it, its non-breaking spaces kept (``str.split`` counts them as spaces)."""
    page = lxml_html.fromstring((folder / "report.html").read_bytes())
    parts = page.xpath("//main//p | //main//li | //main//figcaption | //main//td | //main//th")
    return " ".join(re.sub(r"[ \t\r\n]+", " ", "".join(part.itertext())) for part in parts)


@pytest.mark.parametrize("lang", LANGS)
def test_a_count_is_written_one_way_in_every_format(built: dict[str, Path], lang: str) -> None:
    folder = _folder(built, lang)
    word = subprocess.run(["unzip", "-p", str(folder / "report.docx"), "word/document.xml"], capture_output=True,
                          check=True).stdout.decode("utf-8")
    for text in (_page_text(folder), re.sub(r"<[^>]+>", "", word)):
        # The house form, its spaces non-breaking where the text reflows (HTML, Word): "(n = 54)" never
        # splits across lines (issue 26).
        assert re.findall(r"\bn\u00a0=\u00a0\d", text), "the report states its counts"
        assert not re.findall(r"\bn[ \u00a0]?=\d|\bn=[ \u00a0]", text), "a count written without the house form's spaces"
        assert not re.findall(r"\bn[ \u00a0]=[ \u00a0]?[\d–]", text.replace("n\u00a0=\u00a0", "")), \
            "a base whose spaces could break across lines"
    if shutil.which("pdftotext") is None:
        pytest.skip("the PDF's text is read with pdftotext (poppler-utils), not installed here")
    # The printed page is laid out once: its text layer gives the same form with plain spaces, and
    # no base runs from the end of one line onto the next.
    printed = subprocess.run(["pdftotext", "-enc", "UTF-8", str(folder / "report.pdf"), "-"], capture_output=True,
                             check=True).stdout.decode("utf-8")
    assert re.findall(r"\bn = \d", printed), "the printed report states its counts"
    assert not re.findall(r"\bn ?=\d|\bn= ", printed), "a printed count without the house form's spaces"
    assert not re.findall(r"\bn\s*\n\s*=|\bn\s*=\s*\n\s*[\d–]", printed), "a printed base split across lines"


def test_a_theme_without_a_table_is_said_in_words_not_withheld(built: dict[str, Path]) -> None:
    folder = _folder(built, "en")
    values = [v for p in (folder / "sections").glob("*/values.json")
              for v in json.loads(p.read_text(encoding="utf-8"))]
    participants = next(v["value"] for v in values if v["name"] == "conversations.participants.n")
    assert participants >= int(load_study().disclosure["threshold"])  # enough to say "some" of a withheld count
    evidence = [p for p in _body_text(folder) if p.startswith("Evidence:")]
    assert evidence
    assert not [p for p in evidence if "withheld" in p], "a theme's evidence reads 'withheld'"


def test_a_finding_is_stated_once_across_the_recommendations(built: dict[str, Path]) -> None:
    evidence = [p for p in _body_text(_folder(built, "en")) if p.startswith("Evidence:")]
    sentences = [s for p in evidence for s in re.split(r"(?<=\.) (?=[A-Z0-9])", p) if "%" in s]
    repeated = {s for s in sentences if sentences.count(s) > 1}
    assert not repeated, sorted(repeated)
    # Each recommendation states its own evidence: none sends the reader to another one.
    assert sentences and not [p for p in evidence if "under recommendation" in p]


def _figure_alts(page: lxml_html.HtmlElement) -> dict[str, str]:
    """Figure number -> the text alternative of its chart, which names the bars in the order drawn."""
    out = {}
    for figure in page.xpath("//main//figure[figcaption]"):
        found = re.match(r"\S+ (\d+)\.", " ".join(figure.xpath("figcaption")[0].text_content().split()))
        alts = figure.xpath(".//img/@alt")
        if found and alts:
            out.setdefault(found.group(1), " ".join(alts[0].split()))
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_the_annex_tables_follow_their_charts_order(built: dict[str, Path], lang: str) -> None:
    page = lxml_html.fromstring((_folder(built, lang) / "report.html").read_bytes())
    alts = _figure_alts(page)
    annex = page.xpath("//section[@id='section-annex']//table[caption]")
    assert annex and alts
    checked = 0
    for table in annex:
        caption = " ".join(table.xpath("caption")[0].text_content().split())
        figure = re.search(r"\(\S+ (\d+)\)$", caption)
        if figure is None or figure.group(1) not in alts:
            continue
        alt = alts[figure.group(1)]
        rows = [" ".join(th.text_content().split()) for th in table.xpath("tbody/tr/th")]
        drawn = [(alt.find(f"{row}:"), row) for row in rows if f"{row}:" in alt]
        if len(drawn) < 2:  # noqa: PLR2004 - an order needs two bars
            continue
        checked += 1
        assert [row for _, row in drawn] == [row for _, row in sorted(drawn)], caption
    assert checked >= len(alts) // 2


def test_a_chart_draws_one_set_of_answers_in_every_series() -> None:
    # Moldova's table withholds "41 to 50" and "Over 50" and shows "Over 40"; the pooled
    # column shows all three. Every series of the chart draws "Over 40" and not its members,
    # so each adds up to its whole; where no series needs the combination, the members are drawn.
    from perspectives.analysis_tables import recoded_for_chart

    nan = float("nan")
    rows = ["21 to 30", "31 to 40", "41 to 50", "Over 50", "Over 40"]
    shares = pd.DataFrame({"Moldova": [37, 35, nan, nan, 28], "All": [24, 41, 25, 9, 34]}, index=rows)
    drawn = recoded_for_chart(shares, {"Over 40": ["41 to 50", "Over 50"]})
    assert list(drawn.index) == ["21 to 30", "31 to 40", "Over 40"]
    assert list(drawn.sum()) == [100, 99]
    published = pd.DataFrame({"Moldova": [37, 35, 20, 8, 28], "All": [24, 41, 25, 9, 34]}, index=rows)
    assert list(recoded_for_chart(published, {"Over 40": ["41 to 50", "Over 50"]}).index) == rows[:4]


def test_no_chart_of_the_study_draws_a_combination_beside_its_members(study_build: Path) -> None:
    # The figure's alt text lists what it draws: no combined answer there next to its members.

    page = lxml_html.fromstring((study_build / "MDA" / "report.html").read_bytes())
    alts = " ".join(img.get("alt", "") for img in page.iter("img"))
    assert "Over 40" in alts, "Moldova's age chart draws the combined answer"
    assert "41 to 50" not in alts and "Over 50" not in alts


def test_a_combined_row_stays_below_its_parts_when_a_table_takes_its_charts_order() -> None:
    # Issue: "No or don't know" was printed above "No" and "Don't know" (the chart ranks it
    # second), while the note under the table says the parts are counted in the combined answer below.
    from perspectives.analysis_results import Answer, Cell, Ranking, Result
    from perspectives.analysis_tables import rank_fields

    counts = pd.DataFrame({"MDA": [33, 9, 4, 13]}, index=["yes", "no", "dont_know", "no_or_unsure"])
    mask = dc.suppress(dc.layout("q", counts), threshold=5)
    labels = {"yes": "Yes", "no": "No", "dont_know": "Don't know", "no_or_unsure": "No or don't know"}
    table = dc.table({"MDA": {labels[c]: mask.pct_n(f"MDA|{c}") for c in labels}})
    result = Result("q", "MDA", "ALL", table=table)
    ranking = Ranking([Answer(c, labels[c], labels[c], Cell(mask, f"MDA|{c}")) for c in ("yes", "no_or_unsure")])
    rank_fields(result, ranking, {}, labels, {"no_or_unsure": ["no", "dont_know"]})
    assert result.chart_rows(labels)[:2] == ["Yes", "No or don't know"]  # the chart keeps the sentence's order
    assert list(result.table.index) == ["Yes", "No", "Don't know", "No or don't know"]
    assert result.table.frame.loc["No or don't know", "MDA"] == table.frame.loc["No or don't know", "MDA"]
    note = dc.NOTES["combined"]
    assert "below it" in note  # what the note says, and so where the row must be


def test_the_note_on_a_dropped_sentence_stands_only_by_a_table_that_lost_something_unsaid(tmp_path: Path) -> None:
    # Issue: "Some numbers for Moldova are withheld ..." was said before a table that leaves
    # Moldova's column out (its own note says so), right under a table that withholds nothing.
    from perspectives.analysis_results import Result
    from perspectives.report import Section
    from perspectives.report_analyses import withheld_note

    section = Section("csea_online", COUNTRY, output_dir=str(tmp_path / "run"))
    place = section.names[COUNTRY]
    note = section._withheld_note()
    counts = pd.DataFrame({COUNTRY: [29, 9, 9, 3], "ALB": [30, 20, 25, 25]}, index=["a", "b", "c", "d"])

    def result(withheld: list[str]) -> Result:
        mask = dc.suppress(dc.layout("share", counts, withheld=withheld), threshold=5)
        columns = {}
        for code in [COUNTRY, "ALB"]:
            name = section.names[code]
            columns[(name, "n")] = {c: mask.n(f"{code}|{c}") for c in "abcd"} | {"All": mask.base_n(f"{code}|*")}
            columns[(name, "%")] = {c: mask.pct(f"{code}|{c}") for c in "abcd"}
        return Result("share", COUNTRY, "ALL", table=dc.table(columns))

    left_out = result([f"{COUNTRY}|*"])
    assert left_out.table.unreadable() == [place]
    assert withheld_note(section, left_out, {"kind": "single"}, True) == ""
    # A table that prints the place's column with a withheld cell: the note stands by it.
    printed = result([])
    assert printed.table.unreadable() == [] and dc.WITHHELD_MARK in printed.table.frame.to_string()
    assert withheld_note(section, printed, {"kind": "single"}, True) == note
    # Before a chart, or where no table is shown, the note is the only word on what was lost.
    assert withheld_note(section, left_out, {"kind": "single", "figure": {"caption": "x"}}, True) == note
    assert withheld_note(section, left_out, {"kind": "single"}, False) == note


def test_no_analysis_sentence_points_to_a_table_without_its_number() -> None:
    # Issue: the synthesis said the services by type of organisation "are in the table", and
    # no table of them is printed. A sentence names a table by number ([[table:STEM]]) or not at all.
    specs = yaml.safe_load((ROOT / "params" / "analyses.yml").read_text(encoding="utf-8"))
    said = {name: json.dumps(spec.get("text"), ensure_ascii=False) for name, spec in specs.items()
            if isinstance(spec, dict) and spec.get("text")}
    assert len(said) > 20
    assert [name for name, text in said.items() if re.search(r"\b(?:in|see) the tables?\b", text, re.I)] == []


def test_a_combined_row_the_chart_draws_keeps_the_charts_place_with_its_parts_right_above() -> None:
    # Issue: Table A11 moved "Something other than money" below "Money", which its chart draws
    # after it; the chart draws the combination in place of its withheld parts.
    from perspectives.analysis_tables import combinations_below_parts

    rows = ["Goods", "Something other than money", "Money", "Gifts", "Favours"]
    combos = {"Something other than money": ["Gifts", "Favours"]}
    drawn = {"Goods", "Something other than money", "Money"}
    placed = combinations_below_parts(rows, combos, drawn)
    assert placed == ["Goods", "Gifts", "Favours", "Something other than money", "Money"]
    assert [r for r in placed if r in drawn] == [r for r in rows if r in drawn]
    # Not drawn: below the last of its parts, as before.
    assert combinations_below_parts(rows, combos) == ["Goods", "Money", "Gifts", "Favours", "Something other than money"]


# --------------------------------------------------------------------------- provenance and citation

_DIGEST = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
_RECORD = {"inputs": [{"role": "survey", "file": "survey_export.csv", "sha256": _DIGEST}],
           "code": {"version": "1.0", "commit": "0123456789abcdef0123", "uncommitted_changes": False},
           "disclosure": {"threshold": 5, "reliability_min_n": 25},
           "packages": {"python": "3.11.0", "pandas": "2.2.0"}}


def _annex_text(lang: str, code: str = COUNTRY) -> str:
    tr = Translator(lang)
    study = load_study()
    place = tr.country(code) if code != study.synthesis_code else "—"
    report = texts.Texts(tr, texts.report_fields(study, tr, code, place=place))
    blocks = report_annex.annex(report, [], _RECORD)
    return "\n".join(block.text or " | ".join(" ".join(row) for row in block.rows) for block in blocks)


@pytest.mark.parametrize("lang", ["en", "ro", "es", "sq", "bs"])
def test_the_provenance_annex_reads_for_a_reader_with_a_short_fingerprint(lang: str) -> None:
    """Reviewer item 13: the annex printed raw 64-character SHA-256 digests and a list of packages."""
    said = _annex_text(lang)
    assert _DIGEST not in said and not re.search(r"\b[0-9a-f]{40,}\b", said)
    assert _DIGEST[:12] in said  # the short fingerprint a reader compares
    assert "manifest.json" in said and "sha256sum" in said  # where the full digest is, and how to check
    assert "pandas 2.2.0" not in said  # package versions live in the manifest


def test_the_manifest_keeps_the_full_digests() -> None:
    from perspectives.provenance import provenance

    record = provenance(COUNTRY, [{"inputs": [{"role": "survey", "name": "survey_export.csv", "sha256": _DIGEST}]}],
                        study=load_study())
    assert record["inputs"] == [{"role": "survey", "file": "survey_export.csv", "sha256": _DIGEST}]


@pytest.mark.parametrize("lang", ["en", "ro", "es", "sq", "bs"])
def test_every_report_gives_a_suggested_citation_and_its_licence(lang: str) -> None:
    """Reviewer item 14: the citation and licence come from params/study.yml, in every language."""
    study = load_study()
    head = yaml.safe_load((ROOT / "params" / "study.yml").read_text(encoding="utf-8"))["study"]
    for code in (COUNTRY, study.synthesis_code):
        said = _annex_text(lang, code)
        year = str(head["publication_date"])[:4]
        assert f"({year})" in said and head["licence"]["url"] in said and head["licence"]["name"] in said
        author = study.country(COUNTRY).partner_in(lang) if code == COUNTRY else head["funders"][0]
        assert author in said
        assert locales.language_name(lang, lang) in said
        if lang != "en":
            assert "Suggested citation" not in said and "published under the licence" not in said


def test_a_heading_is_stranded_when_what_follows_it_starts_the_next_page() -> None:
    from pdf_text import stranded

    pieces = [("/H1", 1), ("/P", 1), ("/H2", 1), ("/H2", 1), ("/P", 2), ("/H3", 2), ("/P", 2), ("/H3", 2), ("/H3", 3)]
    assert stranded(pieces) == [("/H2", 1), ("/H3", 2)]


@pytest.mark.skipif(not HAS_PDF_TOOLS, reason="chromium and pdftoppm are needed (make pdf-tools)")
@pytest.mark.parametrize("lang", LANGS)
def test_no_heading_is_left_at_the_foot_of_a_printed_page(built: dict[str, Path], lang: str) -> None:
    """Reviewer item 11, read from the tagged PDF's reading order (a heading, then the next page)."""
    from pdf_text import stranded_headings

    assert stranded_headings(_folder(built, lang) / "report.pdf") == []
