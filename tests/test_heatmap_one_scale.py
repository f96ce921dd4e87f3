"""A heatmap of themes by country reads on one scale of labels (review 3, item 12).

The synthesis's heatmap drew Mexico's count "5" as a dark cell among cells reading "some",
"all" and "0" (its by-country table the same). Read from what the figure function is handed
and from the table's CSV: where any cell is a word, no cell is a count above 0.
"""

from __future__ import annotations

import pandas as pd
import pytest

from perspectives import figures, report, report_display


def _is_positive_count(text: str) -> bool:
    return text.strip().replace(",", "").isdigit() and int(text.strip().replace(",", "")) > 0


@pytest.mark.parametrize("section_id", ["csea_online", "disclosure", "support", "knowledge", "prevention"])
def test_words_and_counts_never_share_a_heatmap(tmp_path, monkeypatch, section_id: str) -> None:
    drawn = []
    real = figures.heatmap
    monkeypatch.setattr(report_display, "display", lambda *a, **k: None)
    monkeypatch.setattr(figures, "heatmap", lambda counts, title, words=None, sub=(): (
        drawn.append((counts, words)) or real(counts, title, words, sub)))
    out = tmp_path / section_id
    report.Section(section_id, "ALL", "en", None, None, str(out)).survivor_themes()
    for counts, words in drawn:
        said = words.map(lambda w: isinstance(w, str) and bool(w)) if words is not None else None
        if said is None or not said.any().any():
            continue
        numbers = counts.mask(said.to_numpy())
        assert not (numbers > 0).any().any(), numbers[(numbers > 0).any(axis=1)]
    table = out / "tables" / f"themes_{section_id}_by_country.csv"
    if table.exists():
        cells = pd.read_csv(table, dtype=str, keep_default_na=False).iloc[:, 1:].to_numpy().ravel()
        words = [c for c in cells if c.strip() and not c.strip().replace(",", "").isdigit() and c.strip() != "–"]
        if words:
            assert not any(_is_positive_count(c) for c in cells), sorted(set(cells))
