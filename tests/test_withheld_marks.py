"""One withheld mark, explained wherever it appears; no table a reader cannot read (issue 26).

A section is run as a notebook runs it, with ``display`` captured: what a reader would see
(the table's CSV, its notes, a chart's caption and the words it draws) is read back. The
expected words are the catalogue's templates filled by hand, not the code's own output.
"""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import pandas as pd
import pytest

from perspectives import disclosure, report, report_display
from perspectives.fmt import WITHHELD_MARK
from perspectives.i18n import Translator


def _half_up(value: float) -> str:
    """A share in whole units, halves rounded up: how a report prints a mean (independent of its formatter)."""
    return str(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))



def _run(tmp_path, monkeypatch, section_id: str, analysis: str, lang: str = "en") -> list[dict]:
    shown: list[dict] = []

    def display(obj, metadata=None, **_):
        shown.append({"data": getattr(obj, "data", ""), **((metadata or {}).get("perspectives") or {})})

    monkeypatch.setattr(report_display, "display", display)
    section = report.Section(section_id, "MDA", lang, output_dir=str(tmp_path))
    section.run(analysis)
    return shown


def test_moldova_s_column_prints_the_mean_its_sentence_gives(tmp_path, monkeypatch) -> None:
    # Moldova's share of cases involving technology: its shares and base are withheld (53 of its
    # 54 workers answered: the base would leave one worker beside the 54, rule 2), yet its mean is
    # published and the sentence gives it. Review 3, item 6: the table prints that mean, so
    # Moldova's column stays (it was left out, the sentence giving a number no table showed).
    shown = _run(tmp_path, monkeypatch, "csea_online", "tech_share")
    with (tmp_path / "tables" / "tech_share.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["", "Moldova n", "Moldova %", "All six countries n", "All six countries %"]
    moldova = report.survey_data(None).eligible.query("country == 'MDA'")
    assert (len(moldova), int(moldova["tech_share"].notna().sum())) == (54, 53)
    mean = float(pd.to_numeric(moldova["tech_share"], errors="coerce").mean())
    # Printed whole from the published one-decimal mean (values.json keeps that decimal, so the
    # whole number must be a function of it): 30.49 -> 30.5 -> 31.
    published = float(Decimal(repr(mean)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    assert next(r for r in rows if r[0] == "Mean (%)")[2] == _half_up(published)
    assert next(r for r in rows if r[0] == "Respondents")[1] == WITHHELD_MARK
    table = next(item for item in shown if item.get("kind") == "table")
    assert not any("not shown. The number who answered" in note for note in table["notes"]), table["notes"]


def _left_out_table() -> disclosure.PublishedTable:
    """Two places: MDA's every share and base withheld (no mean), the pooled column readable."""
    counts = pd.DataFrame({"MDA": [29, 9, 9, 3], "ALL": [60, 40, 30, 20]}, index=["a", "b", "c", "d"])
    mask = disclosure.suppress(disclosure.layout("share", counts, pooled=False, withheld=["MDA|*"]), threshold=5)
    return disclosure.table({(place, kind): {c: (mask.n if kind == "n" else mask.pct)(f"{place}|{c}") for c in "abcd"}
                             for place in ("MDA", "ALL") for kind in ("n", "%")})


def test_the_note_of_a_column_left_out_is_in_the_report_s_language() -> None:
    catalogue = Translator("ro").catalogue
    assert report_display.COLUMNS_TOO_FEW in catalogue
    section = SimpleNamespace(t=Translator("ro"), lang="ro")
    printed, notes = report_display.readable_part(section, _left_out_table())
    assert printed is not None and "MDA" not in {c[0] for c in printed.frame.columns}
    assert any(note.endswith(": nu apare. Numărul celor care au răspuns este omis conform regulii celulelor mici, "
                             "și odată cu el toate procentele: este mic sau, împreună cu celelalte cifre din raport, "
                             "ar permite deducerea unui număr mic.") for note in notes), notes


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
