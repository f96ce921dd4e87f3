"""Translation catalogue: lookups, English fallback (recorded), placeholders, XLSForm columns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perspectives import i18n
from perspectives.instrument import load_instrument


def _catalogue(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "es.yml").write_text(body, encoding="utf-8")
    return folder


def test_translated_string_and_english_fallback_is_recorded(tmp_path: Path) -> None:
    folder = _catalogue(tmp_path / "i18n", '"Contents": {text: "Contenido"}\n'
                                           '"{k} of {n}": {text: "{k} de {n}", review: true}\n')
    tr = i18n.Translator("es", folder)
    assert tr("Contents") == "Contenido"
    assert tr("{k} of {n}", k=3, n=9) == "3 de 9"
    assert tr("Prevention") == "Prevention"  # no entry: English
    assert tr.missing == {"Prevention"}
    path = tr.write_missing(tmp_path)
    assert json.loads(path.read_text(encoding="utf-8")) == {"lang": "es", "missing": ["Prevention"]}
    assert i18n.read_missing([tmp_path]) == ["Prevention"]


def test_english_never_records_or_changes(tmp_path: Path) -> None:
    tr = i18n.Translator("en")
    assert tr("Test across {by}: {test}.", by="country", test="χ²(10) = 1.0") == "Test across country: χ²(10) = 1.0."
    assert tr.missing == set()
    assert tr.write_missing(tmp_path) is None and not (tmp_path / i18n.FALLBACKS_FILE).exists()


def test_markdown_blocks_and_headings_are_looked_up(tmp_path: Path) -> None:
    folder = _catalogue(tmp_path / "i18n", '"Caseloads": {text: "Casos atendidos"}\n"Body.": {text: "Cuerpo."}\n')
    tr = i18n.Translator("es", folder)
    assert tr.markdown("## Caseloads\n\nBody.\n\nOther.") == "## Casos atendidos\n\nCuerpo.\n\nOther."
    assert tr.missing == {"Other."}


def test_a_translation_must_keep_the_placeholders(tmp_path: Path) -> None:
    folder = _catalogue(tmp_path / "i18n", '"{k} of {n}": {text: "{k} de {total}"}\n')
    with pytest.raises(ValueError, match="placeholders"):
        i18n.load_catalogue("es", folder)


def test_unknown_language_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        i18n.Translator("xx")


@pytest.mark.parametrize("lang", ["es", "ro", "sq", "bs"])
def test_project_catalogues_load_and_keep_placeholders(lang: str) -> None:
    catalogue = i18n.load_catalogue(lang)  # raises on a placeholder mismatch
    assert catalogue["Contents"].text != "Contents"
    # Every non-Spanish entry is written by a non-native speaker: all marked for review.
    if lang != "es":
        assert all(entry.review for entry in catalogue.values())


def test_spanish_covers_every_string_from_params() -> None:
    catalogue = i18n.load_catalogue("es")
    missing = [s for s in i18n.catalogue_strings() if s not in catalogue]
    assert missing == []


def test_localised_instrument_uses_the_xlsform_column_and_falls_back() -> None:
    instrument = load_instrument()
    assert "Spanish (es)" in instrument.languages and "Bosnian (bs)" in instrument.languages
    tr = i18n.Translator("es")
    local = i18n.LocalisedInstrument(instrument, tr)
    assert local.choice_labels("gender")["female"] == "Mujer"
    assert local.codes("gender") == instrument.codes("gender")
    # A form whose Bosnian label for one answer is missing: English is shown and the gap recorded.
    import dataclasses

    from perspectives.instrument import Choice

    gap = {**instrument.choices, "education": [
        Choice(c.name, {k: v for k, v in c.labels.items() if not (c.name == "bachelor" and k == "Bosnian (bs)")})
        for c in instrument.choices["education"]]}
    partial = dataclasses.replace(instrument, choices=gap)
    bs = i18n.Translator("bs")
    labels = i18n.LocalisedInstrument(partial, bs).choice_labels("education")
    assert labels["bachelor"] == instrument.choice_labels("education")["bachelor"]
    assert labels["postgraduate"] != instrument.choice_labels("education")["postgraduate"]
    assert "instrument label: education/bachelor" in bs.missing


def test_table_words_are_translated_but_cells_are_not() -> None:
    import pandas as pd

    tr = i18n.Translator("es")
    table = pd.DataFrame({("Colombia", "n"): ["12", "40"], ("Colombia", "%"): ["30%", ""]},
                         index=["Respondents", "Woman"])
    out = i18n.translate_frame(table, tr)
    assert list(out.index) == ["Personas que respondieron", "Woman"]
    assert list(out.columns) == [("Colombia", "n"), ("Colombia", "%")]
    assert out.iloc[0, 0] == "12"


def test_a_spanish_section_shows_the_instruments_spanish_labels(tmp_path):
    """End to end through the Section a notebook uses: answer labels come from label::Español."""
    from perspectives.report import Section

    section = Section("methods", "COL", "es", output_dir=str(tmp_path))
    result = section.run("gender")
    assert "Mujer" in result.table.index
    assert section.names["COL"] == "Colombia" and section.title != "Methods and sample"


def test_markdown_agrees_with_the_translators_agreement(tmp_path: Path) -> None:
    """Reviewer R10: a notebook heading stayed masculine in a report whose participants are all women."""
    folder = _catalogue(tmp_path / "i18n", '"What survivors said": {text: "Lo que dijeron los sobrevivientes", '
                                           'agree: {field: participants, feminine: "Lo que dijeron las sobrevivientes"}}\n'
                                           '"Body.": {text: "Cuerpo."}\n')
    tr = i18n.Translator("es", folder)
    source = "## What survivors said\n\nBody."
    assert tr.markdown(source) == "## Lo que dijeron los sobrevivientes\n\nCuerpo."  # no gender known
    tr.agreement = {"participants": i18n.Gender("feminine")}
    assert tr.markdown(source) == "## Lo que dijeron las sobrevivientes\n\nCuerpo."
    tr.agreement = {"participants": i18n.Gender("mixed")}
    assert tr.markdown(source) == "## Lo que dijeron los sobrevivientes\n\nCuerpo."
