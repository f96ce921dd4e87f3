"""Who is counted, and what a partner's report says about conversations.

Each export here is the embedded one with a few Moldovan eligible completes edited as a
partner's file can be: consent set to 'no' with the answers kept, an eligibility answer
emptied on a row that goes on, 'completed' emptied on a row that answered to the end, a
filter answered 'no' with its block kept. The form (``data/instrument/survey.csv``) shows
the eligibility group only after consent 'yes', each eligibility question only after a 'yes'
to the one before, and the boys' share only after ``supported_boys = yes``; the embedded
export's own reading (413 eligible completes, 54 in Moldova) is the reference.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from perspectives.inclusion import outcomes
from perspectives.problems import DataError
from perspectives.readers import read_survey
from perspectives.study import load_study, repo_root

ROOT = repo_root()
SURVEY = ROOT / "data" / "synthetic" / "survey_export.csv"


def _raw() -> pd.DataFrame:
    return pd.read_csv(SURVEY, dtype=str, keep_default_na=False)


def _edited(tmp_path: Path, edit, where=None) -> tuple[Path, list[int]]:
    """The embedded export with ``edit`` applied to three Moldovan eligible completes; their file rows."""
    raw = _raw()
    chosen = raw[(raw["country"] == "MDA") & (raw["completed"] == "yes") & (where(raw) if where else True)].index[:3]
    assert len(chosen) == 3
    for index in chosen:
        edit(raw, index)
    path = tmp_path / "export.csv"
    raw.to_csv(path, index=False)
    return path, [int(i) + 2 for i in chosen]  # the header is row 1


def _refusal(path: Path, column: str) -> str:
    with pytest.raises(DataError) as caught:
        read_survey(path)
    texts = [p.text(path.name) for p in caught.value.problems if p.column == column]
    assert texts, [p.text(path.name) for p in caught.value.problems]
    return texts[0]


def test_the_embedded_export_reads_as_before() -> None:
    reading = read_survey(SURVEY)
    eligible = reading.survey.eligible
    assert len(eligible) == 413 and int((eligible["country"] == "MDA").sum()) == 54
    assert reading.report.skipped_checks == []


# ------------------------------------------------------------------ D3: consent 'no'

def test_a_respondent_who_did_not_consent_is_refused_with_the_rows_and_the_fix(tmp_path) -> None:
    path, rows = _edited(tmp_path, lambda raw, i: raw.__setitem__("consent", raw["consent"].where(raw.index != i, "no")))
    text = _refusal(path, "elig_adult")
    assert f"rows {', '.join(map(str, rows))}" in text
    assert "did not agree to take part" in text and "${consent} = 'yes'" in text
    assert "delete their rows" in text


def test_the_inclusion_rule_never_counts_a_no_to_consent() -> None:
    yes = {h: "yes" for h in ("elig_adult", "elig_role12m", "elig_caseload12m", "elig_children", "elig_csea")}
    rows = pd.DataFrame([{**yes, "consent": "no", "completed": "yes", "country": "MDA"},
                         {**yes, "consent": None, "completed": "yes", "country": "MDA"},
                         {**yes, "consent": "yes", "completed": "yes", "country": "MDA"},
                         {**yes, "elig_adult": "no", "consent": None, "completed": None, "country": "MDA"}])
    assert list(outcomes(rows)) == ["no_consent", "no_consent", "eligible", "disqualified"]


# ------------------------------------------------------------------ D1b: a blank eligibility answer, a blank 'completed'

@pytest.mark.parametrize("blank", ["", "NA"])
def test_a_blank_eligibility_answer_on_a_row_that_goes_on_is_refused(tmp_path, blank) -> None:
    path, rows = _edited(tmp_path, lambda raw, i: raw.__setitem__("elig_children",
                                                                  raw["elig_children"].where(raw.index != i, blank)))
    text = _refusal(path, "elig_csea")
    assert f"rows {', '.join(map(str, rows))}" in text
    assert "${elig_children} = 'yes'" in text and "elig_children empty on these rows" in text


def test_a_blank_completed_on_a_row_that_answered_to_the_end_is_refused(tmp_path) -> None:
    path, rows = _edited(tmp_path, lambda raw, i: raw.__setitem__("completed", raw["completed"].where(raw.index != i, "")))
    text = _refusal(path, "completed")
    assert f"rows {', '.join(map(str, rows))}" in text and "every required question" in text


# ------------------------------------------------------------------ D5: an answer where the form hides the question

def test_an_answer_the_forms_relevance_hides_is_refused(tmp_path) -> None:
    def no_boys(raw: pd.DataFrame, i: int) -> None:
        raw.loc[i, "supported_boys"] = "no"

    path, rows = _edited(tmp_path, no_boys, where=lambda raw: raw["supported_boys"] == "yes")
    text = _refusal(path, "boys_online_share")
    assert f"rows {', '.join(map(str, rows))}" in text and "${supported_boys} = 'yes'" in text


# ------------------------------------------------------------------ D9: a partner's export and the study's conversations

def test_a_partners_export_without_conversations_is_refused_for_reports_that_speak_of_them() -> None:
    study = load_study()
    problem = study.partner_conversations_problem(["MDA"])
    assert problem is not None and "--conversations PATH" in problem and "MDA" in problem
    assert "ALL" in (study.partner_conversations_problem(["MDA", study.synthesis_code]) or "")
    # Bosnia and Herzegovina held none (params/study.yml): its report reads no conversations.
    assert study.partner_conversations_problem(["BIH"]) is None


def test_build_refuses_a_partners_export_without_conversations_before_any_run(tmp_path) -> None:
    from perspectives.build import build

    raw = _raw()
    export = tmp_path / "moldova.csv"
    raw[raw["country"] == "MDA"].to_csv(export, index=False)
    with pytest.raises(ValueError, match=r"without --conversations: the reports of MDA"):
        build(countries=["MDA"], sections=["methods"], data_path=export, out=tmp_path / "out", dry_run=True)
    assert not (tmp_path / "out" / "MDA").exists()


# ------------------------------------------------------------------ D0: three conversation participants

def test_three_participants_ages_are_withheld(tmp_path, monkeypatch) -> None:
    from perspectives.report import Section

    data = ROOT / "data" / "synthetic"
    talks = pd.read_csv(data / "conversations.csv", dtype=str, keep_default_na=False)
    people = pd.read_csv(data / "participants.csv", dtype=str, keep_default_na=False)
    kept = people[(people["country"] != "MDA") | people["participant_id"].isin(
        people.loc[people["country"] == "MDA", "participant_id"].head(3))]
    folder = tmp_path / "conv3"
    folder.mkdir()
    kept.to_csv(folder / "participants.csv", index=False)
    talks[talks["participant_id"].isin(kept["participant_id"])].to_csv(folder / "conversations.csv", index=False)
    shown: list[str] = []
    monkeypatch.setattr("perspectives.report_display.paragraph", lambda text, lang: shown.append(text))
    section = Section("methods", "MDA", conversations_path=str(folder / "conversations.csv"),
                      output_dir=str(tmp_path / "sections" / ".methods.tmp-a1b2"))
    section.conversations_sample()
    recorded = {v["name"]: v for v in section.values}
    mda = people[people["country"] == "MDA"].head(3)
    ages = {int(a) for a in mda["age_at_conversation"]} | {int(a) for a in mda["age_first_targeted"]}
    for name in ("age_at_conversation.min", "age_at_conversation.max", "age_first_targeted.min",
                 "age_first_targeted.max"):
        assert recorded[f"conversations.{name}"]["value"] is None and recorded[f"conversations.{name}"]["suppressed"]
    text = " ".join(shown)
    assert "ages are not shown" in text and "at least 5" in text
    assert not any(f" {age} " in text or f" {age}." in text or f" {age};" in text for age in ages)


def test_the_check_prints_no_build_command_the_build_would_refuse(tmp_path) -> None:
    from perspectives.check import next_commands

    study = load_study()
    result = {"countries": {"MDA": {"eligible": 54}, "BIH": {"eligible": 40}}, "conversations": None}
    found = next_commands(study, result, tmp_path / "export.csv", None, None, None)
    # Moldova held conversations (params/study.yml): its report needs the partner's; Bosnia held none.
    assert [c for c in found["reports"]] == ["BIH"]
    assert all("MDA" not in command for command in found["commands"]) and len(found["commands"]) == 1
    assert any("--conversations PATH" in note for note in found["notes"])
