"""The sentence said in place of a theme table that reads "some" in every row (review 2, R2 and R8).

It says no reason a count is withheld in the body (review 3, item 4): it points to the definition
"Some or all", which gives both (small, or would let a small one be worked out); and in the synthesis, where the chart by country follows, it points to it rather than listing every theme
with a count of countries ("in at least 4 of 5", unexplained, and one theme with none).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from perspectives import disclosure as dc
from perspectives import report_themes
from perspectives.report import Section


def _said(tmp_path: Path, published, country: str, lang: str = "en", word: str = "some",
          raised: dict[str, list[int]] | None = None) -> str:
    # Two themes raised by many participants (15 and 13 of 42): every count "some" in the table.
    places = ["ALB", "COL", "MDA"]
    raised = raised or {"telling": [9, 3, 3], "reporting": [7, 3, 3]}
    masks = {code: dc.suppress(dc.layout(code, pd.DataFrame({p: [yes[i], 14 - yes[i]] for i, p in enumerate(places)},
                                                            index=["yes", "no"])), threshold=5)
             for code, yes in raised.items()}
    labels = {"telling": "Telling someone", "reporting": "Formal reporting mechanisms"}
    table = dc.table({"Participants": {labels[c]: dc.text(word) for c in labels}})
    section = Section("csea_online", country, output_dir=str(tmp_path / "run"), lang=lang)
    assert report_themes.says_themes_instead(section, table, masks, list(labels), labels)
    return " ".join(data.get("text/markdown", "") for data in published)


def test_a_withheld_theme_count_points_to_the_definition_that_gives_both_reasons(tmp_path: Path, published) -> None:
    import yaml

    from perspectives.study import repo_root

    said = _said(tmp_path, published, "MDA")
    assert "telling someone" in said.lower() and "formal reporting mechanisms" in said.lower()
    assert "See “Some or all” in the definitions." in said and "below 5" not in said and "worked out" not in said
    terms = {entry["term"]: " ".join(entry["text"].split()) for entry in
             _glossary(yaml.safe_load((repo_root() / "params" / "report_texts.yml").read_text(encoding="utf-8")))}
    assert "below {threshold}" in terms["Some or all"] and "worked out" in terms["Some or all"]


def test_the_synthesis_points_to_the_chart_by_country_instead_of_listing_the_themes(tmp_path: Path, published) -> None:
    said = _said(tmp_path, published, "ALL")
    assert "of the 42 participants" in said and "“Some or all”" in said and "shown by country below" in said
    assert "telling someone" not in said.lower() and "at least" not in said and "countries)" not in said
    assert len(said.split()) < 70


def test_the_theme_sentences_are_translated(tmp_path: Path, published) -> None:
    said = _said(tmp_path, published, "ALL", lang="ro")
    assert "pe țări" in said and "Unii sau toți" in said and "definitions" not in said


def test_a_table_of_zeros_says_none_raised_them_not_that_counts_are_withheld(tmp_path: Path, published) -> None:
    """Colombia's knowledge themes: every cell 0 read "raised by 0 of the 9 participants ... withheld"."""
    none = {"telling": [9, 3, 0], "reporting": [7, 3, 0]}
    said = _said(tmp_path, published, "MDA", word="0", raised=none)
    assert "None of these themes was raised by any of the 14 participants" in said
    assert "telling someone" in said.lower() and "withheld" not in said and "by 0 of" not in said


def test_a_table_of_all_says_every_one_raised_them(tmp_path: Path, published) -> None:
    every = {"telling": [9, 3, 14], "reporting": [7, 3, 14]}
    said = _said(tmp_path, published, "MDA", word="all", raised=every)
    assert "raised by every one of the 14 participants" in said and "withheld" not in said


@pytest.mark.parametrize("lang", ["es", "ro", "sq", "bs"])
def test_the_none_sentence_is_translated_with_the_count(tmp_path: Path, published, lang: str) -> None:
    said = _said(tmp_path, published, "MDA", lang=lang, word="0", raised={"telling": [9, 3, 0], "reporting": [7, 3, 0]})
    assert "14" in said and " 0 " not in said and "participants" not in said


def test_notes_said_in_every_section_are_short_references_to_one_definition() -> None:
    # Review 2, R11: "Most counts by theme…" four times in Moldova's report, "The test across countries is
    # not shown…" and the heatmap caption's explanation five times in the synthesis. The explanation is
    # said once, in the definitions; each place refers to it.
    import inspect

    import yaml

    from perspectives import report_analyses
    from perspectives.study import repo_root

    terms = {entry["term"]: " ".join(entry["text"].split()) for entry in
             _glossary(yaml.safe_load((repo_root() / "params" / "report_texts.yml").read_text(encoding="utf-8")))}
    assert "worked out" in terms["Withheld test"] and "some or all" in terms["Some or all"]
    for note in (report_themes.THEMES_PRESENCE_NOTE, report_themes.PRESENCE_NOTE, report_themes.HEATMAP_WORDS_NOTE):
        assert "“Some or all” in the definitions" in note and "withheld" not in note and len(note) < 160, note
    assert "“Withheld test” in the definitions" in inspect.getsource(report_analyses.say_test)


def _glossary(raw: dict) -> list[dict]:
    """Every term the report defines: the study's terms in front, the marks and statistics in the methods."""
    return [*raw["definitions"], *raw["methods"]["reading"]]
