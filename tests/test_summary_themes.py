"""The executive summary ranks the conversations' themes only where the published cells prove the order.

Reviewer (build c73f10d): the synthesis summary said the young people raised "educating
caregivers (n = 11)" most often, while its table by country marks "Telling someone" as "all"
of Colombia's 9 participants and "some" in four other countries, at least 13. A reader can add
lower bounds ("all" is the place's participants, "some" at least 1) and upper bounds ("some" at
most one fewer than them, a withheld cell at most them); a theme is ranked above another only
where its printed count is at least the other's largest possible count.

The bounds here are worked out from the printed CSV tables and the conversations file's
participants, independently of the code under test.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from perspectives import qualitative as q
from perspectives import report, report_display
from perspectives.summary import counted_themes, raised_themes

SECTIONS = ["csea_online", "disclosure", "support", "knowledge", "prevention"]


def test_a_printed_count_is_not_ranked_above_a_theme_whose_words_prove_more() -> None:
    # The reviewer's case, by hand: 11 printed; "all" of 9 + "some" in four countries >= 13.
    values = [
        {"name": "themes.prevention.caregiver_education.n", "country": "ALL", "value": 11, "bounds": [11, 11]},
        {"name": "themes.disclosure.telling.n", "country": "ALL", "value": 14, "printed": False, "bounds": [13, 38]},
        {"name": "themes.support.workers.n", "country": "ALL", "value": 12, "bounds": [12, 12]},
    ]
    assert counted_themes(values, "ALL") == []
    assert raised_themes(values, "ALL") == ["disclosure.telling", "support.workers", "prevention.caregiver_education"]
    # "some" alone (at least one) singles no theme out: the summary says the counts are not published.
    assert raised_themes([{"name": "themes.a.b.n", "country": "MDA", "value": 3, "printed": False, "bounds": [1, 9]}],
                         "MDA") == []


def test_the_ranking_stops_where_a_theme_said_in_words_could_be_larger() -> None:
    values = [
        {"name": "themes.a.first.n", "country": "ALL", "value": 15, "bounds": [15, 15]},
        {"name": "themes.a.second.n", "country": "ALL", "value": 9, "bounds": [9, 9]},
        {"name": "themes.a.some.n", "country": "ALL", "value": 4, "printed": False, "bounds": [1, 12]},
        {"name": "themes.a.withheld.n", "country": "ALL", "value": None, "suppressed": True, "bounds": [0, 3]},
    ]
    assert counted_themes(values, "ALL") == [("a.first", 15)]
    # With the "some" bounded at 9, the second is at least as large as anything left.
    values[2]["bounds"] = [1, 9]
    assert counted_themes(values, "ALL") == [("a.first", 15), ("a.second", 9)]


def _cell_bounds(cell: str, base: int) -> tuple[int, int]:
    cell = cell.strip()
    if cell.isdigit():
        return int(cell), int(cell)
    return {"all": (base, base), "some": (1, base - 1)}.get(cell, (0, base))


@pytest.mark.parametrize("place", ["ALL", "COL"])
def test_every_theme_the_summary_ranks_is_proven_by_the_printed_cells(tmp_path: Path, monkeypatch, place: str) -> None:
    monkeypatch.setattr(report_display, "display", lambda *_, **__: None)
    codebook = q.load_codebook()
    conversations = q.load_conversations(codebook=codebook, participants=q.load_participants(codebook=codebook))
    by_place = conversations.groupby("country")["participant_id"].nunique()
    total = int(conversations["participant_id"].nunique()) if place == "ALL" else int(by_place[place])
    values, bounds = [], {}
    for section_id in SECTIONS:
        section = report.Section(section_id, place, "en", output_dir=str(tmp_path / section_id))
        section.survivor_themes()
        values += section.values
        tables = section.output_dir / "tables"
        own = tables / f"themes_{section_id}.csv"
        if not own.is_file():
            continue  # said in a sentence instead: no cell to rank by
        own_cells = pd.read_csv(own, index_col=0, dtype=str, keep_default_na=False).iloc[:, 0]
        by = tables / f"themes_{section_id}_by_country.csv"
        countries = pd.read_csv(by, index_col=0, dtype=str, keep_default_na=False) if by.is_file() else None
        iso = {name: code for code, name in section.names.items()}
        for label, cell in own_cells.items():
            low, high = _cell_bounds(cell, total)
            if countries is not None:
                parts = [_cell_bounds(countries.at[label, name], int(by_place[iso[name]])) for name in countries.columns]
                low, high = max(low, sum(p[0] for p in parts)), min(high, sum(p[1] for p in parts))
            bounds[(section_id, label.strip())] = (low, high)
    ranked = counted_themes(values, place)
    assert bounds
    seen: set[str] = set()
    for theme, n in ranked:
        label = codebook.label(theme)
        seen.add(label)
        others = [high for (_, other), (_, high) in bounds.items() if other not in seen]
        assert all(n >= high for high in others), (theme, n, max(others))
