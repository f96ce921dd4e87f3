"""Tables a partner would publish (issue 26, review items 3, 8, 9, 10 and 15).

A table's title names only places it shows; a combined row printed beside its parts is marked
as a subtotal, with a note true for every column; a table that is mostly withheld, or whose
every cell reads the same word, is said in one sentence (one rule, in params/study.yml); the
withheld mark's note under each table is one short line that refers to the definitions.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from lxml import html as lxml_html

from perspectives import analysis_tables, report_display
from perspectives import disclosure as dc
from perspectives.assemble_tables import accessible_table
from perspectives.report import Section
from perspectives.study import load_study, repo_root

COUNTRY = "MDA"


def _place_table(mask: dc.Mask, rows: list[str], places: list[str]) -> dc.PublishedTable:
    columns = {}
    for place in places:
        columns[(place, "n")] = {r: mask.n(f"{place}|{r}") for r in rows} | {"Respondents": mask.base_n(f"{place}|*")}
        columns[(place, "%")] = {r: mask.pct(f"{place}|{r}") for r in rows} | {"Respondents": dc.text("")}
    return dc.table(columns)


def _combined_mask() -> dc.Mask:
    # Moldova's parts 26-50% and 51-89% hold 6 and 3: the combination (9) replaces them there;
    # elsewhere the parts are large and printed beside their total.
    counts = pd.DataFrame({"MDA": [8, 13, 6, 3, 6], "ALB": [66, 83, 35, 66, 23]},
                          index=["none", "low", "mid", "high", "top"])
    return dc.suppress(dc.layout("online", counts, groups={"mid_high": ["mid", "high"]}, first=["mid_high"],
                                 combined=["MDA|mid", "MDA|high"]), threshold=5)


def test_a_combined_row_beside_its_parts_is_found_from_what_its_cells_count() -> None:
    mask = _combined_mask()
    rows = ["none", "low", "mid", "high", "mid_high", "top"]
    table = _place_table(mask, rows, ["MDA", "*"])
    # row 4 (mid_high) adds up rows 2 and 3; the base row ("Respondents", every answer) is no subtotal
    assert analysis_tables.subtotals(table) == {4: [2, 3]}
    # a table of the parts alone has none
    assert analysis_tables.subtotals(_place_table(mask, ["none", "low", "mid"], ["MDA"])) == {}


def test_the_notes_on_the_withheld_mark_are_short_true_for_every_column_and_refer_to_the_definitions() -> None:
    # Issue: "... because one of the answers combined holds fewer than 5 respondents" stood under
    # a table whose other column prints those parts (41 and 69), and the full paragraph was
    # repeated under every table (14 times in the synthesis).
    mask = _combined_mask()
    table = _place_table(mask, ["none", "low", "mid", "high", "mid_high", "top"], ["MDA", "*"])
    notes = dc.notes_for([table], 5, 25)
    assert len(notes) == 1
    assert "fewer than" not in notes[0] and "subtotal" in notes[0] and "definitions" in notes[0]
    for note in dc.NOTES.values():
        assert len(note) < 200, note  # a reference to the one explanation, not the explanation again
    withheld = dc.NOTES["withheld"]
    assert "definitions" in withheld and "worked out" not in withheld


def test_the_definitions_explain_the_marks_the_short_notes_refer_to() -> None:
    raw = yaml.safe_load((repo_root() / "params" / "report_texts.yml").read_text(encoding="utf-8"))
    # The marks and statistics are defined in the methods (review of 2026-12-07, item 11).
    terms = {entry["term"]: entry for entry in raw["methods"]["reading"]}
    assert terms["Withheld number"]["show"] == ["always"]
    assert "Combined answers" in terms


def test_the_sentence_rule_is_data_in_params_and_decides_by_the_share_withheld_and_the_readings() -> None:
    study = load_study()
    raw = yaml.safe_load((repo_root() / "params" / "study.yml").read_text(encoding="utf-8"))
    share, distinct = analysis_tables.table_rule(study)
    assert (share, distinct) == (raw["tables"]["max_withheld_share"], raw["tables"]["min_distinct_cells"])
    mark = dc.WITHHELD_MARK
    # synthesis Table 6 as it was: both answers withheld, only the 381 respondents printed (4 of 5)
    six = pd.DataFrame({("All", "n"): [mark, mark, "381"], ("All", "%"): [mark, mark, ""]})
    assert analysis_tables.withheld_share(six) == pytest.approx(0.8)
    assert analysis_tables.sentence_rule(six, share, distinct) == analysis_tables.WITHHELD_RULE
    # a theme table that says "some" in every row
    some = pd.DataFrame({"Participants": ["some"] * 5})
    assert analysis_tables.sentence_rule(some, share, distinct) == analysis_tables.UNIFORM_RULE
    # half withheld (Table 17), or words that differ: printed
    half = pd.DataFrame({"Participants": ["12", mark, "7", mark], "%": ["29%", mark, "17%", mark]})
    assert analysis_tables.sentence_rule(half, share, distinct) is None
    mixed = pd.DataFrame({"Participants": ["some", "0", "some"]})
    assert analysis_tables.sentence_rule(mixed, share, distinct) is None


@pytest.fixture
def published():
    """What a run's display calls publish: (data, metadata) of each, as the notebook would hold them."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    out: list[tuple[dict, dict]] = []
    shell.display_pub.publish = lambda data, metadata=None, **_: out.append((data, metadata or {}))
    yield out
    InteractiveShell.clear_instance()


def _csv_rows(folder: Path, stem: str) -> list[str]:
    return [line.split(",")[0] for line in (folder / "tables" / f"{stem}.csv").read_text(encoding="utf-8").splitlines()]


def test_a_mostly_withheld_table_is_said_in_a_sentence_with_only_what_it_publishes(tmp_path: Path, published) -> None:
    counts = pd.DataFrame({COUNTRY: [1, 52]}, index=["same", "other"])
    counts["ALB"] = [2, 40]
    mask = dc.suppress(dc.layout("origin", counts), threshold=5)
    table = _place_table(mask, ["same", "other"], ["*"])
    assert analysis_tables.withheld_share(table.frame) > 0.5
    section = Section("csea_online", COUNTRY, output_dir=str(tmp_path / "run"))
    report_display.show_table(section, table, "origin", "Where offenders were mostly from — All")
    said = " ".join(data.get("text/markdown", "") for data, _ in published)
    # only the base is printed: the sentence says plainly the table is not shown, and points to the definition
    assert "Where offenders were mostly from — All: not shown (see “Withheld number”" in said, said
    assert "Respondents" not in said and "It publishes" not in said
    assert not (tmp_path / "run" / "tables" / "origin.csv").exists()  # no table: nothing for a reference to cite
    # the withheld counts appear nowhere (the 3 pooled, nor the 92 that would give it)
    assert mask.count("*|same") is None and " 3" not in said and "92" not in said


def test_a_subtotal_is_labelled_noted_and_styled_in_every_format(tmp_path: Path, published) -> None:
    mask = _combined_mask()
    rows = ["none", "low", "mid", "high", "mid_high", "top"]
    labels = {"none": "0%", "low": "1-25%", "mid": "26-50%", "high": "51-89%", "mid_high": "26-89%", "top": "90-100%"}
    table = _place_table(mask, rows, [COUNTRY, "*"]).rename(index=labels)
    section = Section("csea_online", COUNTRY, output_dir=str(tmp_path / "run"))
    report_display.show_table(section, table, "online", "Share of boys' cases with an online element")
    # the CSV (and the Word table built from it) names the row as a subtotal
    assert "26-89% (combined)" in _csv_rows(tmp_path / "run", "online")
    # the display metadata says which row, and the HTML gives it the subtotal class
    fragment = table.frame.to_html()
    rendered = accessible_table(fragment, "Table 1. x", "table-1", subtotals=[4])
    rows_html = lxml_html.fragment_fromstring(rendered).findall(".//tbody/tr")
    assert [r.get("class") for r in rows_html].index("subtotal") == 4


def test_the_subtotal_note_and_metadata_go_under_the_table(tmp_path: Path, published) -> None:
    mask = _combined_mask()
    table = _place_table(mask, ["none", "low", "mid", "high", "mid_high", "top"], [COUNTRY, "*"])
    section = Section("csea_online", COUNTRY, output_dir=str(tmp_path / "run"))
    report_display.show_table(section, table, "online", "Online share")
    meta = next(m["perspectives"] for _, m in published if (m.get("perspectives") or {}).get("kind") == "table")
    assert meta["subtotals"] == [4]
    assert any(note.startswith("“mid_high (combined)” is a subtotal: it adds up “mid” and “high”") for note in meta["notes"])
    assert json.dumps(meta["notes"]).count("fewer than") == 0


def test_a_title_names_only_the_places_its_table_shows(tmp_path: Path) -> None:
    # Issue: "Where offenders were mostly from — Moldova" had no Moldova column (every share
    # and its base withheld there): it is titled by the column it prints.
    counts = pd.DataFrame({COUNTRY: [29, 9, 9, 3], "ALB": [30, 20, 25, 25]}, index=["a", "b", "c", "d"])
    mask = dc.suppress(dc.layout("share", counts, withheld=[f"{COUNTRY}|*"]), threshold=5)
    section = Section("csea_online", COUNTRY, output_dir=str(tmp_path / "run"))
    names = section.names
    columns = {}
    for place in [COUNTRY, "ALB"]:
        name = names[place]
        columns[(name, "n")] = {c: mask.n(f"{place}|{c}") for c in "abcd"} | {"All": mask.base_n(f"{place}|*")}
        columns[(name, "%")] = {c: mask.pct(f"{place}|{c}") for c in "abcd"}
    table = dc.table(columns)
    assert names[COUNTRY] in table.unreadable()
    assert report_display.place_in_title(section, table, names[COUNTRY]) == names["ALB"]
    # where its column is printed, the title names it as before
    shown = dc.suppress(dc.layout("share", counts), threshold=5)
    columns = {(names[COUNTRY], "n"): {c: shown.n(f"{COUNTRY}|{c}") for c in "abcd"},
               (names[COUNTRY], "%"): {c: shown.pct(f"{COUNTRY}|{c}") for c in "abcd"}}
    assert report_display.place_in_title(section, dc.table(columns), names[COUNTRY]) == names[COUNTRY]


def test_a_mostly_withheld_table_that_publishes_shares_says_them_as_prose_from_printed_cells_only(
        tmp_path: Path, published) -> None:
    # Review 2, R3: "It publishes: Moldova, Another gender…: 0 (0%); … All six countries, Man: 77 (19%)"
    # read as a data dump. Moldova's answers are all small; the pooled column prints one answer.
    counts = pd.DataFrame({COUNTRY: [1, 2, 51], "ALB": [76, 3, 280]}, index=["man", "other", "woman"])
    mask = dc.suppress(dc.layout("gender", counts), threshold=5)
    section = Section("csea_online", COUNTRY, output_dir=str(tmp_path / "run"))
    names = {COUNTRY: section.names[COUNTRY], "*": section.names[section.synthesis]}
    table = _place_table(mask, ["man", "other", "woman"], [COUNTRY, "*"]).rename(columns=names)
    assert analysis_tables.withheld_share(table.frame) > 0.5
    report_display.show_table(section, table, "gender", "Gender of the workers")
    said = " ".join(data.get("text/markdown", "") for data, _ in published)
    assert "(some numbers withheld; see “Withheld number” in the definitions)" in said, said
    assert "Of the 413 respondents in the six countries, 77 (19%) answered “man”." in said
    # no data dump, and Moldova (nothing but its base printed) gets no sentence of its own
    assert "It publishes" not in said and "Respondents" not in said and "54" not in said
    # nothing withheld, nor what would give it back (Moldova's 1, 2, 51; pooled 5, 331 and their shares)
    for withheld in (" 1 ", " 2 ", "51", " 5 ", "331", "80%"):
        assert withheld not in said, withheld


def test_the_sentence_in_place_of_a_table_is_translated(tmp_path: Path, published) -> None:
    counts = pd.DataFrame({COUNTRY: [1, 2, 51], "ALB": [76, 3, 280]}, index=["man", "other", "woman"])
    mask = dc.suppress(dc.layout("gender", counts), threshold=5)
    section = Section("csea_online", COUNTRY, output_dir=str(tmp_path / "run"), lang="ro")
    table = _place_table(mask, ["man", "other", "woman"], ["*"]).rename(columns={"*": section.names[section.synthesis]})
    report_display.show_table(section, table, "gender", "Genul lucrătorilor")
    said = " ".join(data.get("text/markdown", "") for data, _ in published)
    assert "(unele cifre sunt omise; vezi „Cifră omisă” în definiții)" in said and "Dintre respondenții din cele șase țări, în număr de 413," in said
    assert "answered" not in said and "respondents" not in said


def test_a_table_of_one_column_per_country_says_each_country_that_publishes_a_share(tmp_path: Path, published) -> None:
    # Synthesis, swapped-gender scenario: cells "86% (n = 42)", a base "n = 50", one column per country.
    counts = pd.DataFrame({"ALB": [48, 2], "BIH": [42, 7], "MDA": [52, 2], "PER": [1, 60], "MEX": [3, 70]},
                          index=["yes", "no"])
    mask = dc.suppress(dc.layout("scenario", counts), threshold=5)
    section = Section("csea_online", "ALL", output_dir=str(tmp_path / "run"))
    columns = {section.names[p]: {r: mask.pct_n(f"{p}|{r}") for r in ["yes", "no"]} | {"Respondents": mask.base_n(f"{p}|*", style="n")}
               for p in ["ALB", "BIH", "MDA", "PER", "MEX"]}
    table = dc.table(columns)
    assert analysis_tables.withheld_share(table.frame) > 0.5
    report_display.show_table(section, table, "scenario", "Answers to the scenario by country")
    said = " ".join(data.get("text/markdown", "") for data, _ in published)
    assert "Of the 49 respondents in Bosnia and Herzegovina, 42 (86%) answered “yes” and 7 (14%) answered “no”." in said
    assert "Albania" not in said and "Moldova" not in said and "Peru" not in said and "n = " not in said
