"""Strings a translated report printed in English because they never reached a catalogue.

Each test names one route: the labels of declared combinations of small answers (rows of a
table), the country's name in a report's page title and Word properties, the texts the colophon
fills and the legend of withheld segments, and the list of countries in a translated synthesis.
"""

from __future__ import annotations

import csv

from perspectives import analysis, assemble, i18n, msgids
from perspectives.study import load_study


def test_combination_labels_are_catalogue_keys() -> None:
    labels = analysis.combination_label_texts()
    assert "Over 40" in labels  # declared in params/analyses.yml (age_band)
    assert set(labels) <= set(msgids.extract())


def test_a_combination_row_reads_in_the_reports_language(tmp_path) -> None:
    """End to end through the Section a notebook uses: the table written has the translated row."""
    from perspectives.report import Section

    tr = i18n.Translator("bs")
    translated = tr("Over 40")
    assert translated != "Over 40"  # the catalogue has it
    section = Section("methods", "BIH", "bs", output_dir=str(tmp_path))
    section.run("age_band")
    with (tmp_path / "tables" / "age_band.csv").open(encoding="utf-8") as handle:
        rows = [row[0] for row in csv.reader(handle)]
    assert translated in rows
    assert "Over 40" not in rows


def test_a_national_reports_name_is_the_countrys_name_in_its_language() -> None:
    study = load_study()
    meta = assemble._report_meta("BIH", study, [], "bs")
    assert meta.name == i18n.Translator("bs").country("BIH") != "Bosnia and Herzegovina"
    assert assemble._report_meta("BIH", study, [], "en").name == "Bosnia and Herzegovina"


def test_texts_the_colophon_fills_and_legend_labels_are_catalogue_keys() -> None:
    keys = msgids.extract()
    # A text the colophon fills through Texts.fill.
    assert ("Withheld under the small-cell rule: {withheld} of the {published} counts this report sets out to "
            "give ({share}).") in keys
    # A legend entry a chart draws (label=), but not matplotlib's hidden "_" labels.
    assert "Withheld or combined (small-cell rule)" in keys
    assert "_withheld" not in keys


def test_a_translated_synthesis_names_the_countries_of_its_sample(tmp_path) -> None:
    """The sentence on the sample's countries read the cells after they were wrapped: '0 países:'."""
    from perspectives.report import Section

    section = Section("methods", "ALL", "es", output_dir=str(tmp_path))
    result = section.run("sample_country")
    assert result.context["countries"] == section.t.plural("{count} countries", len(section.study.countries))
    for iso3 in ("ALB", "COL", "PER"):
        assert section.names[iso3] in result.context["by_country"]
