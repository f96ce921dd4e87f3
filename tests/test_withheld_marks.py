"""One withheld mark, explained wherever it appears; no table a reader cannot read (issue 26).

A section is run as a notebook runs it, with ``display`` captured: what a reader would see
(the table's CSV, its notes, a chart's caption and the words it draws) is read back. The
expected words are the catalogue's templates filled by hand, not the code's own output.
"""

from __future__ import annotations

import csv
from types import SimpleNamespace

import pandas as pd
import pytest

from perspectives import disclosure, report, report_display
from perspectives.fmt import WITHHELD_MARK
from perspectives.i18n import Translator


def _run(tmp_path, monkeypatch, section_id: str, analysis: str, lang: str = "en") -> list[dict]:
    shown: list[dict] = []

    def display(obj, metadata=None, **_):
        shown.append({"data": getattr(obj, "data", ""), **((metadata or {}).get("perspectives") or {})})

    monkeypatch.setattr(report_display, "display", display)
    section = report.Section(section_id, "MDA", lang, output_dir=str(tmp_path))
    section.run(analysis)
    return shown


def test_moldova_s_column_of_counts_without_shares_or_base_is_not_printed(tmp_path, monkeypatch) -> None:
    # Moldova's share of cases involving technology printed 29, 9, 9 beside withheld shares and
    # a withheld base; the pooled column beside it reads well and stays.
    shown = _run(tmp_path, monkeypatch, "csea_online", "tech_share")
    with (tmp_path / "tables" / "tech_share.csv").open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert header == ["", "All six countries n", "All six countries %"]
    table = next(item for item in shown if item.get("kind") == "table")
    # 53 of Moldova's 54 workers answered: the answers are not too few; the base is withheld because
    # it leaves one worker beside the 54 (rule 2). The note gives both reasons without saying which
    # (that would tell the base's size); issue 26 read "too few" beside large numbers.
    assert ("Moldova: not shown. The number who answered is withheld under the small-cell rule, and every share "
            "with it: it is small, or, with the other numbers the report gives, it would let a small number be "
            "worked out.") in table["notes"]
    assert not any("too few" in note for note in table["notes"]), table["notes"]
    moldova = report.survey_data(None).eligible.query("country == 'MDA'")
    assert (len(moldova), int(moldova["tech_share"].notna().sum())) == (54, 53)


def test_the_note_of_a_column_left_out_is_in_the_report_s_language(tmp_path, monkeypatch) -> None:
    shown = _run(tmp_path, monkeypatch, "csea_online", "tech_share", "ro")
    table = next(item for item in shown if item.get("kind") == "table")
    catalogue = Translator("ro").catalogue
    assert report_display.COLUMNS_TOO_FEW in catalogue
    assert any(note.endswith(": nu apare. Numărul celor care au răspuns este omis conform regulii celulelor mici, "
                             "și odată cu el toate procentele: este mic sau, împreună cu celelalte cifre din raport, "
                             "ar permite deducerea unui număr mic.") for note in table["notes"]), table["notes"]


def test_a_table_with_nothing_readable_is_one_sentence() -> None:
    counts = pd.DataFrame({"MDA": [29, 9, 9, 3]}, index=["a", "b", "c", "d"])
    mask = disclosure.suppress(disclosure.layout("share", counts, pooled=False, withheld=["MDA|*"]), threshold=5)
    tab = disclosure.table({("MDA", "n"): {c: mask.n(f"MDA|{c}") for c in "abcd"},
                            ("MDA", "%"): {c: mask.pct(f"MDA|{c}") for c in "abcd"}})
    section = SimpleNamespace(t=Translator("en"), lang="en")
    assert report_display.readable_part(section, tab) == (None, [])


def test_a_chart_that_writes_the_mark_explains_it_in_its_caption(tmp_path, monkeypatch) -> None:
    # Moldova's ratings of government action: each of eight questions has a rating withheld, drawn
    # as the mark where its segment would be; five bars are still readable, so the chart is drawn.
    # (Moldova's public awareness, read here before, now gives way to its table: of its answers
    # only "poor" is shown, one readable bar.)
    shown = _run(tmp_path, monkeypatch, "support", "government")
    figure = next(item for item in shown if item.get("kind") == "figure")
    assert WITHHELD_MARK in figure["texts"]
    assert figure["caption"].endswith(f"{WITHHELD_MARK}: not shown under the small-cell rule (the number is below 5, "
                                      "would let one below 5 be worked out, or is counted in a combined answer).")


@pytest.mark.parametrize("lang", ["ro", "es", "sq", "bs"])
def test_every_new_note_is_translated_and_marked_for_review(lang: str) -> None:
    from perspectives import report_themes

    catalogue = Translator(lang).catalogue
    for template in [*disclosure.NOTES.values(), report_display.CHART_MARK_NOTE, report_display.TABLE_TOO_FEW,
                     report_display.COLUMNS_TOO_FEW, report_themes.HEATMAP_WORDS_NOTE]:
        assert template in catalogue, (lang, template)
