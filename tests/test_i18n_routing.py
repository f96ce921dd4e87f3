"""Report words that reached a translated report in English: each now a catalogue key, and looked up.

Found by building Moldova's report in Romanian with ``--strict``: the labels of combined
answers (``combine`` in ``params/analyses.yml``) in the tables, the annex's line on what the
small-cell rule withheld, and the legend entry of a withheld segment in a stacked chart.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import yaml

from perspectives import figures, i18n, msgids, texts
from perspectives.study import repo_root


def _combined_labels() -> set[str]:
    analyses = yaml.safe_load((repo_root() / "params" / "analyses.yml").read_text(encoding="utf-8"))
    return {str(combo["label"]) for spec in analyses.values() if isinstance(spec, dict)
            for combo in (spec.get("combine") or {}).values()}


def test_combined_answer_labels_are_keys_and_a_table_shows_them_translated(tmp_path) -> None:
    labels = _combined_labels()
    assert labels, "params/analyses.yml declares no combined answer"
    assert labels <= set(msgids.extract())
    label = sorted(labels)[0]
    (tmp_path / "ro.yml").write_text(f'{json.dumps(label)}: {{text: "Tradus", review: true}}\n', encoding="utf-8")
    i18n.load_catalogue.cache_clear()
    try:
        table = pd.DataFrame({("Moldova", "n"): ["12", "40"]}, index=[label, "Femeie"])
        out = i18n.translate_frame(table, i18n.Translator("ro", folder=tmp_path))
    finally:
        i18n.load_catalogue.cache_clear()
    # The combined answer's label is translated; a label already in the report's language is left as it is.
    assert list(out.index) == ["Tradus", "Femeie"]
    assert out.iloc[0, 0] == "12"


class _Recorder:
    """Stands in for :class:`perspectives.texts.Texts`: remembers each template it is asked to fill."""

    def __init__(self) -> None:
        self.templates: list[str] = []

    def fill(self, template: str, **fields: object) -> str:
        self.templates.append(template)
        return template.format(**fields)


def test_the_annex_line_on_withheld_counts_is_a_key() -> None:
    recorder = _Recorder()
    line = texts._loss_line(recorder, {"counts_published": 402, "counts_withheld": 70})  # noqa: SLF001
    assert line and recorder.templates
    assert set(recorder.templates) <= set(msgids.extract())


def test_the_legend_entry_of_a_withheld_segment_is_a_key() -> None:
    shares = pd.DataFrame({"Yes": [60.0, np.nan], "No": [40.0, 70.0]}, index=["First", "Second"])
    fig = figures.stacked_shares(shares, "Title")
    try:
        legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    finally:
        figures.plt.close(fig)
    withheld = [t for t in legend if t not in shares.columns]
    assert withheld, legend
    keys = msgids.extract()
    assert set(withheld) <= set(keys)
    assert not [k for k in keys if k.startswith("_")]  # matplotlib's hidden labels are no text


def _paragraphs(monkeypatch, section) -> list[str]:
    """The Markdown paragraphs ``section`` displays while it runs ``sample_country``."""
    from perspectives import report

    shown: list[str] = []
    monkeypatch.setattr(report, "display", lambda obj, **_: shown.append(getattr(obj, "data", "")))
    section.run("sample_country")
    return [text for text in shown if isinstance(text, str)]


def test_the_synthesis_sentence_on_countries_counts_them_in_a_translated_report(tmp_path, monkeypatch) -> None:
    """The Romanian synthesis printed "din 0 țări:  (413 în total)": its count read the translated fields."""
    from perspectives.report import Section
    from perspectives.study import load_study

    english = _paragraphs(monkeypatch, Section("methods", "ALL", "en", output_dir=str(tmp_path / "en")))
    romanian = _paragraphs(monkeypatch, Section("methods", "ALL", "ro", output_dir=str(tmp_path / "ro")))
    said = next(p for p in english if "came from" in p)
    counts = re.findall(r"(\d+) in [A-Z]", said)
    assert len(counts) == len(load_study().countries), said
    sentence = next(p for p in romanian if "în total)" in p)
    # Each country's count, as the English build states it, and the number of countries.
    assert re.findall(r"(\d+) din ", sentence) == counts, sentence
    assert "0 țări" not in sentence
