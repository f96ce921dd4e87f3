"""Text a translated report prints passes its catalogue, and the coverage tool counts it.

Each test names one place where a Spanish report printed English (or a wrong sentence)
although the catalogue translated the words: the answers the study combines, the
colophon's loss line, the legend of withheld segments, and the sentence on the sample's
countries in a translated synthesis.
"""

from __future__ import annotations

from perspectives import i18n, msgids
from perspectives.report import Section


def test_every_string_a_report_prints_through_the_catalogue_is_a_key() -> None:
    keys = msgids.extract()
    # A declared combination's label (params/analyses.yml, combine).
    assert "Over 40" in keys and "No or don't know" in keys
    # A text the colophon fills through Texts.fill.
    assert ("Withheld under the small-cell rule: {withheld} of the {published} counts this report sets out to "
            "give ({share}).") in keys
    # A legend entry a chart draws (label=), but not matplotlib's hidden "_" labels.
    assert "Withheld or combined (small-cell rule)" in keys
    assert "_withheld" not in keys


def test_combined_answers_read_in_the_report_language(tmp_path) -> None:
    catalogue = i18n.load_catalogue("es")
    section = Section("methods", "COL", "es", output_dir=str(tmp_path))
    result = section.run("age_band")
    assert catalogue["Over 40"].text in result.table.index
    assert "Over 40" not in result.table.index


def test_a_translated_synthesis_names_the_countries_of_its_sample(tmp_path) -> None:
    section = Section("methods", "ALL", "es", output_dir=str(tmp_path))
    result = section.run("sample_country")
    # Every country of the study is listed with its count, in Spanish.
    assert result.context["countries"] == section.t.plural("{count} countries", len(section.study.countries))
    for iso3 in ("ALB", "COL", "PER"):
        assert section.names[iso3] in result.context["by_country"]
