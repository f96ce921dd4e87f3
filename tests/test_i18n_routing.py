"""Strings a translated report printed in English because they never reached a catalogue.

Each test names one route: the labels of declared combinations of small answers (rows of a
table), the country's name in a report's page title and Word properties, the annex's line on
what the small-cell rule withheld, the legend entry of a withheld segment in a stacked chart;
and one sentence of a translated synthesis that lost its numbers on the way.
"""

from __future__ import annotations

import csv
import re

import numpy as np
import pandas as pd

from perspectives import analysis_tables, assemble, figures, i18n, msgids, report_annex
from perspectives.project import Project
from perspectives.study import load_study


def test_combination_labels_are_catalogue_keys() -> None:
    labels = analysis_tables.combination_label_texts()
    assert "Over 40" in labels  # declared in params/analyses.yml (age_band)
    assert set(labels) <= set(msgids.extract())


def test_a_combination_row_reads_in_the_reports_language(tmp_path) -> None:
    """End to end through the Section a notebook uses: the table written has the translated row.

    Boys' facilitators: a table printed beside its chart's parts keeps the combination of "No"
    and "Don't know" as a subtotal row (a table shows what its chart draws, and a subtotal).
    """
    from perspectives import analysis, analysis_tables
    from perspectives.report import Section

    tr = i18n.Translator("bs")
    english = next(iter(analysis_tables.combination_labels("boys_facilitator").values()))
    translated = tr(english)
    assert translated != english  # the catalogue has it
    section = Section(analysis.load_specs()["boys_facilitator"]["section"], "BIH", "bs", output_dir=str(tmp_path))
    section.run("boys_facilitator")
    with (tmp_path / "tables" / "boys_facilitator.csv").open(encoding="utf-8") as handle:
        rows = [row[0] for row in csv.reader(handle)]
    # Printed beside its parts, the combined row is marked a subtotal, in the language too.
    assert tr("{label} (combined)", label=translated) in rows
    assert not [row for row in rows if english in row or "combined" in row]


def test_a_national_reports_name_is_the_countrys_name_in_its_language() -> None:
    study = load_study()
    meta = assemble._report_meta("BIH", study, [], "bs", Project.here())
    assert meta.name == i18n.Translator("bs").country("BIH") != "Bosnia and Herzegovina"
    assert assemble._report_meta("BIH", study, [], "en", Project.here()).name == "Bosnia and Herzegovina"


class _Recorder:
    """Stands in for :class:`perspectives.texts.Texts`: remembers each template it is asked to fill."""

    def __init__(self) -> None:
        self.templates: list[str] = []
        self.tr = i18n.Translator("en")  # the language whose digits the line is written in

    def fill(self, template: str, **fields: object) -> str:
        self.templates.append(template)
        return template.format(**fields)


def test_the_annex_line_on_withheld_counts_is_a_key() -> None:
    recorder = _Recorder()
    line = report_annex._loss_line(recorder, {"counts_published": 402, "counts_withheld": 70})  # noqa: SLF001
    assert line and recorder.templates
    assert set(recorder.templates) <= set(msgids.extract())


def test_a_withheld_segment_adds_no_legend_entry_and_is_drawn_as_the_one_mark() -> None:
    """The legend names the answers only (each a catalogue key); a withheld segment is the mark, no word to translate."""
    from perspectives import fmt

    shares = pd.DataFrame({"Yes": [60.0, np.nan], "No": [40.0, 70.0]}, index=["First", "Second"])
    fig = figures.stacked_shares(shares, "Title")
    try:
        legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        drawn = [t.get_text() for t in fig.axes[0].texts]
    finally:
        figures.plt.close(fig)
    assert legend == list(shares.columns)
    assert fmt.WITHHELD_MARK in drawn, drawn
    assert not [k for k in msgids.extract() if k.startswith("_")]  # matplotlib's hidden labels are no text


def _paragraphs(monkeypatch, section) -> list[str]:
    """The Markdown paragraphs ``section`` displays while it runs ``sample_country``."""
    from perspectives import report_display

    shown: list[str] = []
    monkeypatch.setattr(report_display, "display", lambda obj, **_: shown.append(getattr(obj, "data", "")))
    section.run("sample_country")
    return [text for text in shown if isinstance(text, str)]


def test_the_synthesis_sentence_on_countries_counts_them_in_a_translated_report(tmp_path, monkeypatch) -> None:
    """The Romanian synthesis printed "din 0 țări:  (413 în total)": its count read the translated fields."""
    from perspectives.report import Section

    english = _paragraphs(monkeypatch, Section("methods", "ALL", "en", output_dir=str(tmp_path / "en")))
    romanian = _paragraphs(monkeypatch, Section("methods", "ALL", "ro", output_dir=str(tmp_path / "ro")))
    said = next(p for p in english if "came from" in p)
    counts = re.findall(r"(\d+) in [A-Z]", said)
    assert len(counts) == len(load_study().countries), said
    sentence = next(p for p in romanian if "în total)" in p)
    # Each country's count, as the English build states it, and the number of countries.
    assert re.findall(r"(\d+) din ", sentence) == counts, sentence
    assert "0 țări" not in sentence
