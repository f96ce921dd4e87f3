"""Strings a translated report printed in English because they never reached a catalogue.

Each test names one route: the labels of declared combinations of small answers (rows of a
table), the country's name in a report's page title and Word properties, the lines the annex
fills through ``texts.fill``, the legend of withheld segments, and the list of countries a
translated synthesis names.
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


def test_filled_annex_lines_and_the_withheld_legend_are_catalogue_keys() -> None:
    keys = msgids.extract()
    # texts.fill translates a literal template: the loss line of the annex is one.
    assert "Withheld under the small-cell rule: {withheld} of the {published} counts this report sets out to give " \
           "({share})." in keys
    assert "Packages: {packages}." in keys
    # The legend a stacked chart draws for its withheld segments.
    assert "Withheld or combined (small-cell rule)" in keys


def test_a_translated_synthesis_names_the_countries_the_answers_came_from(tmp_path) -> None:
    from perspectives.report import Section

    study = load_study()
    section = Section("methods", study.synthesis_code, "sq", output_dir=str(tmp_path))
    context = section.run("sample_country").context
    # Every country of the embedded data has eligible answers: the list names each one.
    names = [section.names[c.iso3] for c in study.countries]
    assert str(context["countries"]) == section.t.plural("{count} countries", len(names))
    assert all(name in str(context["by_country"]) for name in names)
