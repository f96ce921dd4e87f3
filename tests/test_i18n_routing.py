"""Strings a translated report printed in English although a catalogue could hold them.

The labels of declared combinations (``combine`` in ``params/analyses.yml``), the lines the
annex fills through ``texts.fill`` and the legend of withheld segments reach the reader; they
must be catalogue keys, and a table row holding a combination's label must take the
catalogue's translation. A translated report names its country, and its synthesis lists the
countries, in the report's language.
"""

from __future__ import annotations

import csv
import re

from perspectives import analysis, i18n, msgids


def _combination_labels_with_words() -> set[str]:
    labels = {str(combo["label"]) for spec in analysis.load_specs().values() if isinstance(spec, dict)
              for combo in (spec.get("combine") or {}).values()}
    return {label for label in labels if re.search(r"[^\W\d_]", label)}


def test_combination_labels_filled_annex_lines_and_the_withheld_legend_are_catalogue_keys() -> None:
    keys = msgids.extract()
    labels = _combination_labels_with_words()
    assert "Over 40" in labels  # the reading of params/analyses.yml found what the file declares
    assert labels <= set(keys), sorted(labels - set(keys))
    # texts.fill translates a literal template: the loss line of the annex is one.
    assert "Withheld under the small-cell rule: {withheld} of the {published} counts this report sets out to give " \
           "({share})." in keys
    assert "Packages: {packages}." in keys
    # The legend a stacked chart draws for its withheld segments.
    assert "Withheld or combined (small-cell rule)" in keys


def test_a_combined_answer_row_reads_in_the_report_language(tmp_path) -> None:
    from perspectives.report import Section

    translated = i18n.load_catalogue("sq")["Over 40"].text
    assert translated != "Over 40"
    section = Section("methods", "ALB", "sq", output_dir=str(tmp_path))
    section.run("age_band")
    with (tmp_path / "tables" / "age_band.csv").open(encoding="utf-8", newline="") as handle:
        rows = [row[0] for row in csv.reader(handle)]
    # ALB's 41-50 and over-50 bands are combined (one of them is small): the row is printed.
    assert translated in rows and "Over 40" not in rows


def test_a_translated_synthesis_names_the_countries_the_answers_came_from(tmp_path) -> None:
    from perspectives.report import Section
    from perspectives.study import load_study

    study = load_study()
    section = Section("methods", study.synthesis_code, "sq", output_dir=str(tmp_path))
    context = section.run("sample_country").context
    # Every country of the embedded data has eligible answers: the list names each one.
    names = [section.names[c.iso3] for c in study.countries]
    assert str(context["countries"]) == section.t.plural("{count} countries", len(names))
    assert all(name in str(context["by_country"]) for name in names)


def test_a_national_report_is_named_in_its_language() -> None:
    from perspectives import assemble, locales
    from perspectives.study import load_study

    study = load_study()
    meta = assemble._report_meta("ALB", study, [], "sq")
    # The page title and the Word file's title carry this name: CLDR's, not the study's English one.
    assert meta.name == locales.country_name("ALB", "sq") != study.country("ALB").name
