"""Open-text answers: only approved answers that pass the identifying-details screen are shown."""

from __future__ import annotations

import pandas as pd

from perspectives.open_text import load_approvals, select_open_text


def _answers() -> pd.DataFrame:
    return pd.DataFrame({
        "respondent_id": ["R1", "R2", "R3", "R4"],
        "country": ["MDA", "MDA", "MDA", "ALB"],
        "trends_text": [
            "Cases increasingly start on social networks and move to messaging apps.",  # approved, clean
            "A girl from the school in Chisinau was contacted on 12 March by +373 69 123 456.",  # approved, identifying
            "More boys are coming forward than before.",  # not approved
            "Families often learn about it late.",  # other country
        ],
    })


def test_only_approved_and_screened_answers_are_shown(tmp_path):
    data = tmp_path / "export.csv"
    data.write_text("", encoding="utf-8")
    pd.DataFrame({"respondent_id": ["R1", "R2", "R4"], "question": ["trends_text"] * 3}).to_csv(
        tmp_path / "approved_open_text.csv", index=False)
    approvals = load_approvals(data)
    chosen = select_open_text(_answers(), "trends_text", approvals, "respondent_id", country="MDA")
    assert chosen.shown == ("Cases increasingly start on social networks and move to messaging apps.",)
    assert (chosen.received, chosen.approved, chosen.blocked) == (3, 2, 1)
    pooled = select_open_text(_answers(), "trends_text", approvals, "respondent_id")
    assert len(pooled.shown) == 2 and pooled.received == 4


def test_nothing_is_shown_without_an_approvals_file():
    chosen = select_open_text(_answers(), "trends_text", load_approvals(None), "respondent_id")
    assert chosen.shown == () and chosen.received == 4 and chosen.approved == 0


def test_the_count_the_screen_held_back_is_not_recorded(tmp_path):
    """D11: how many approved answers the screen withheld is printed nowhere, so values.json holds none.

    It was recorded unmasked beside the masked counts (1 to 4 in a partner's build); the
    masked count of answers received stays.
    """
    from perspectives import report

    section = report.Section("methods", "MDA", "en", None, None, str(tmp_path / "methods"))
    section.open_text("training_text")
    names = [v["name"] for v in section.values]
    assert "open_text.training_text.received" in names
    assert not [n for n in names if n.endswith(".blocked")], names
