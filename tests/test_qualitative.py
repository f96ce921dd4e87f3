"""Tests for perspectives.qualitative, qualitative_counts, qualitative_recommendations and perspectives_synth.conversations: validation errors,
the report's printed counts reproduced by the synthetic data, the counting rule on a hand-worked
table, excerpt selection, and rendering of the roundtable and recommendations."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from reference_text import reference_text

from perspectives import locales
from perspectives import qualitative as q
from perspectives import qualitative_counts as qc
from perspectives import qualitative_recommendations as qr
from perspectives.study import repo_root
from perspectives_synth.conversations import generate

REPO_ROOT = repo_root()  # the checkout these tests read its embedded data from
DATA = REPO_ROOT / "data"


# --------------------------------------------------------------------------- codebook

def test_codebook_covers_required_themes_and_sections(codebook: q.Codebook) -> None:
    assert list(codebook.sections) == ["methods", "csea_online", "disclosure", "support", "knowledge",
                                       "prevention", "recommendations"]
    for code in ("reporting.awareness_before", "support_awareness", "disclosure.enablers", "fear.self_blame",
                 "institutions.revictimisation", "anonymity.breach", "legal", "psychological", "medical",
                 "school", "family", "prevention", "own_recommendations"):
        assert code in codebook
    assert {codebook.codes[c].section for c in codebook.codes} == set(codebook.sections)
    assert set(codebook.support_codes) >= {"legal", "psychological", "medical", "ngo_referral"}


def _write_codebook(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "codebook.yml"
    path.write_text(text, encoding="utf-8")
    return path


_SECTIONS = "sections:\n  - {id: disclosure}\nthemes:\n"


@pytest.mark.parametrize(
    ("themes", "message"),
    [
        ("  - {code: Reporting, label: a, section: disclosure, definition: d, topic: t}\n", "snake_case"),
        ("  - {code: a, label: a, section: nowhere, definition: d, topic: t}\n", "unknown section"),
        ("  - {code: a, label: a, section: disclosure, definition: d, topic: t,\n"
         "     children: [{code: b.c, label: x, section: disclosure, definition: d, topic: t}]}\n", "implies parent"),
        ("  - {code: a, label: a, section: disclosure, definition: '', topic: t}\n", "no definition"),
        ("  - {code: a, label: a, section: disclosure, definition: d, topic: t}\n"
         "  - {code: a, label: b, section: disclosure, definition: d, topic: t}\n", "appears twice"),
    ],
)
def test_codebook_errors(tmp_path: Path, themes: str, message: str) -> None:
    path = _write_codebook(tmp_path, _SECTIONS + themes)
    with pytest.raises(q.QualitativeDataError, match=message) as err:
        q.load_codebook(path)
    # Named by its file name, as every refusal names a file: never its folder.
    assert str(err.value).startswith(f"{path.name}:") and str(path.parent) not in str(err.value)
    assert "Fix:" in str(err.value)


# --------------------------------------------------------------------------- table validation

def _copy_tables(tmp_path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    conv = pd.read_csv(DATA / "synthetic" / "conversations.csv", dtype=str, keep_default_na=False)
    part = pd.read_csv(DATA / "synthetic" / "participants.csv", dtype=str, keep_default_na=False)
    return conv, part


def _load(tmp_path: Path, conv: pd.DataFrame, part: pd.DataFrame) -> pd.DataFrame:
    conv.to_csv(tmp_path / "conversations.csv", index=False)
    part.to_csv(tmp_path / "participants.csv", index=False)
    return q.load_conversations(tmp_path / "conversations.csv")


def _mutate_conv(column: str, value: str, row: int = 3):
    def f(conv: pd.DataFrame, part: pd.DataFrame) -> None:
        conv.loc[row, column] = value
    return f


def _drop_conv_column(conv: pd.DataFrame, part: pd.DataFrame) -> None:
    del conv["consent_to_quote"]


def _duplicate_participant(conv: pd.DataFrame, part: pd.DataFrame) -> None:
    part.loc[1, "participant_id"] = part.loc[0, "participant_id"]


def _bad_support(conv: pd.DataFrame, part: pd.DataFrame) -> None:
    part.loc[2, "support_received"] = "legal;housing"


def _bad_age(conv: pd.DataFrame, part: pd.DataFrame) -> None:
    part.loc[4, "age_at_conversation"] = "25"


@pytest.mark.parametrize(
    ("mutate", "file", "column", "line", "message"),
    [
        (_mutate_conv("themes", "reporting.awareness_befor"), "conversations.csv", "themes", 5, "unknown theme code"),
        (_mutate_conv("country", "XKX"), "conversations.csv", "country", 5, "unknown country"),
        (_mutate_conv("country", "BIH"), "conversations.csv", "country", 5, "without conversations"),
        (_mutate_conv("consent_to_quote", "Yes"), "conversations.csv", "consent_to_quote", 5, "yes/no"),
        (_mutate_conv("participant_id", "ALB-99"), "conversations.csv", "participant_id", 5,
         "not in the participants table"),
        (_mutate_conv("gender", "male", row=0), "conversations.csv", "gender", 2, "differs"),
        (_drop_conv_column, "conversations.csv", "consent_to_quote", None, "missing column"),
        (_duplicate_participant, "participants.csv", "participant_id", 2, "duplicate participant"),
        (_bad_support, "participants.csv", "support_received", 4, "unknown support code"),
        (_bad_age, "participants.csv", "age_at_conversation", 6, "outside 18-23"),
        (_mutate_conv("excerpt", "[synthetic] a terminal's \x1b]0;title\x07 escape"), "conversations.csv", "excerpt", 5,
         "control characters"),
    ],
)
def test_validation_errors_name_file_column_rows_and_fix(tmp_path: Path, mutate, file: str, column: str,
                                                         line: int | None, message: str) -> None:
    conv, part = _copy_tables(tmp_path)
    mutate(conv, part)
    with pytest.raises(q.QualitativeDataError, match=message) as err:
        _load(tmp_path, conv, part)
    text = str(err.value)
    assert file in text and f"column '{column}'" in text and "Fix:" in text
    assert err.value.column == column
    if line is not None:
        assert line in err.value.rows


def test_unmodified_copy_loads(tmp_path: Path) -> None:
    conv, part = _copy_tables(tmp_path)
    assert len(_load(tmp_path, conv, part)) == len(conv)


def test_reloading_an_unchanged_file_gives_a_fresh_copy_and_a_changed_file_is_read_again(tmp_path: Path) -> None:
    conv, part = _copy_tables(tmp_path)
    first = _load(tmp_path, conv, part)
    first.loc[first.index[0], "themes"] = "changed by a caller"
    second = q.load_conversations(tmp_path / "conversations.csv")
    assert second is not first and second["themes"].iloc[0] == conv["themes"].iloc[0]
    # an edit of either file is seen (the segments are checked against the participants)
    part.loc[0, "gender"] = "male" if part.loc[0, "gender"] == "female" else "female"
    part.to_csv(tmp_path / "participants.csv", index=False)
    with pytest.raises(q.QualitativeDataError, match="differs from the participants table"):
        q.load_conversations(tmp_path / "conversations.csv")
    fewer = conv.iloc[:-1]
    _load(tmp_path, fewer, _copy_tables(tmp_path)[1])
    assert len(q.load_conversations(tmp_path / "conversations.csv")) == len(conv) - 1


# --------------------------------------------------------------------------- the printed counts

COUNTS = qc.load_counts()


def test_counts_file_is_complete_and_cites_the_reference() -> None:
    lines = reference_text().splitlines()
    assert 20 <= sum(t.kind in ("theme", "support") for t in COUNTS) <= 40
    for t in COUNTS:
        assert 1 <= t.line <= len(lines)
        assert t.paraphrase.strip()


@pytest.mark.parametrize("target", COUNTS, ids=[t.id for t in COUNTS])
def test_synthetic_data_reproduces_printed_count(target: qc.CountTarget, conversations: pd.DataFrame,
                                                 participants: pd.DataFrame, codebook: q.Codebook) -> None:
    assert qc.count_target(target, conversations, participants, codebook) == target.count
    if target.kind == "range":
        scope = participants[qc._attribute_mask(participants, target.eligible)] if target.eligible else participants
        assert qc.observed_range(scope, target.target) == (target.min, target.max)


def test_key_counts_match_the_report_by_hand(conversations: pd.DataFrame, participants: pd.DataFrame) -> None:
    # Typed from the report, independently of conversation_counts.yml.
    assert participants.groupby("country").size().to_dict() == {"ALB": 7, "COL": 9, "MDA": 10, "MEX": 10, "PER": 6}
    males = participants[participants["gender"] == "male"].groupby("country").size().to_dict()
    assert males == {"COL": 5, "MEX": 1}
    assert qc.participants_raising(conversations, "disclosure.experience")["COL"] == 7
    assert qc.participants_raising(conversations, "reporting.awareness_before")["ALB"] == 0
    assert qc.participants_raising(conversations, "anonymity.breach")["ALB"] == 4
    assert qc.participants_raising(conversations, "knowledge.gender_expectations")["PER"] == 5
    assert qc.participants_receiving(participants, "legal")["MDA"] == 8
    assert qc.participants_receiving(participants, "ngo_referral")["MDA"] == 8


def test_generator_is_reproducible_and_matches_committed_files(tmp_path: Path) -> None:
    part, conv = generate()
    part.to_csv(tmp_path / "p.csv", index=False, lineterminator="\n")
    conv.to_csv(tmp_path / "c.csv", index=False, lineterminator="\n")
    assert (tmp_path / "p.csv").read_bytes() == (DATA / "synthetic" / "participants.csv").read_bytes()
    assert (tmp_path / "c.csv").read_bytes() == (DATA / "synthetic" / "conversations.csv").read_bytes()
    other_part, _ = generate(seed=1)
    assert not other_part.equals(part)


def test_every_excerpt_is_marked_synthetic(conversations: pd.DataFrame) -> None:
    assert conversations["excerpt"].str.startswith("[synthetic] The participant ").all()


# --------------------------------------------------------------------------- counting rule

@pytest.fixture()
def tiny() -> pd.DataFrame:
    rows = [
        ("A1", "ALB", "reporting.awareness_before.from_teacher"),
        ("A1", "ALB", "reporting.awareness_gap;fear.shame"),
        ("A2", "ALB", "fear.shame"),
        ("M1", "MDA", "reporting.awareness_gap"),
        ("M1", "MDA", "reporting.awareness_gap"),
    ]
    df = pd.DataFrame(rows, columns=["participant_id", "country", "themes"])
    return df.assign(gender="female", age_band="18-20", consent_to_quote="yes", excerpt="x")


def test_participants_raising_hand_worked(tiny: pd.DataFrame, codebook: q.Codebook) -> None:
    # reporting: A1 (twice) and M1 (twice) -> one participant each; descendants count for the parent.
    assert qc.participants_raising(tiny, "reporting", codebook).to_dict() == {"ALB": 1, "MDA": 1}
    assert qc.participants_raising(tiny, "fear.shame", codebook).to_dict() == {"ALB": 2, "MDA": 0}
    assert qc.participants_raising(tiny, "reporting.awareness_before", codebook).to_dict() == {"ALB": 1, "MDA": 0}
    with pytest.raises(KeyError):
        qc.participants_raising(tiny, "reporting.awareness", codebook)


def test_theme_matrix_leaves_absent_countries_out(tiny: pd.DataFrame, codebook: q.Codebook,
                                                  conversations: pd.DataFrame) -> None:
    m = qc.theme_matrix(tiny, codebook, level=1)
    assert list(m.columns) == ["ALB", "MDA"]
    assert m.loc["reporting"].to_dict() == {"ALB": 1, "MDA": 1}
    assert m.loc["fear"].to_dict() == {"ALB": 2, "MDA": 0}
    full = qc.theme_matrix(conversations, codebook, level=2)
    assert "BIH" not in full.columns and list(full.columns) == ["ALB", "COL", "MDA", "MEX", "PER"]
    assert full.loc["anonymity.breach", "ALB"] == 4


def test_section_theme_summary(conversations: pd.DataFrame, codebook: q.Codebook) -> None:
    s = qc.section_theme_summary(conversations, codebook, "support", country="MDA")
    assert set(s["code"]) == set(codebook.in_section("support"))
    assert (s["out_of"] == 10).all()
    assert s.set_index("code").loc["legal", "participants"] == qc.participants_raising(conversations, "legal")["MDA"]
    with pytest.raises(KeyError):
        qc.section_theme_summary(conversations, codebook, "nowhere")
    with pytest.raises(ValueError, match="conversations_note"):
        qc.section_theme_summary(conversations, codebook, "support", country="BIH")


# --------------------------------------------------------------------------- excerpts

def test_select_excerpts_consent_and_screen(conversations: pd.DataFrame, codebook: q.Codebook) -> None:
    codes = sorted({c for v in conversations["themes"] for c in q.split_codes(v)})
    blocked_total = 0
    for code in codes:
        excerpts, log = qc.select_excerpts(conversations, code, k=3, seed=7, codebook=codebook)
        allowed = set(conversations.loc[conversations["consent_to_quote"] == "yes", "excerpt"])
        assert set(excerpts) <= allowed
        assert len(excerpts) == min(3, log.passed)
        assert log.considered == log.without_consent + log.blocked + log.passed
        assert "excerpt" not in log.log.columns
        blocked_total += log.blocked
        assert excerpts == qc.select_excerpts(conversations, code, k=3, seed=7, codebook=codebook)[0]
    assert blocked_total >= 5  # the planted rows are blocked wherever their theme is asked for


def test_select_excerpts_by_country(conversations: pd.DataFrame) -> None:
    excerpts, log = qc.select_excerpts(conversations, "school", country="ALB", k=50)
    alb = conversations[conversations["country"] == "ALB"]
    assert set(excerpts) <= set(alb["excerpt"])
    assert len(excerpts) == log.passed


# --------------------------------------------------------------------------- notes and rendering

def test_conversations_note(participants: pd.DataFrame) -> None:
    assert "No conversations" in qc.conversations_note("BIH", participants)
    assert "Bosnia and Herzegovina" in qc.conversations_note("BIH", participants)
    assert "7 young survivors in Albania" in qc.conversations_note("ALB", participants)
    assert "42 young survivors" in qc.conversations_note(None, participants)
    with pytest.raises(KeyError):
        qc.conversations_note("XKX", participants)


def test_recommendations_structure(codebook: q.Codebook) -> None:
    groups = qr.load_recommendations(codebook=codebook)
    assert [[r["number"] for r in g["items"]] for g in groups] == [list(range(1, 10)), list(range(10, 14))]
    for g in groups:
        for r in g["items"]:
            # Platform design (9) has no survey question and legal duties on platforms (8) no theme
            # of the conversations: each names some evidence, if not every kind.
            assert isinstance(r["survey_items"], list) and r["claim_ids"] == []
            assert r["themes"] or r["findings"]


def _recommendations_file(tmp_path: Path, edit: Callable[[dict[int, dict]], None]) -> Path:
    """The study's recommendations with one edit, written to a file of the test's own."""
    import yaml

    data = yaml.safe_load((DATA / "recommendations.yml").read_text(encoding="utf-8"))
    edit({r["number"]: r for g in data["groups"] for r in g["items"]})
    path = tmp_path / "recommendations.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("number, theme", [(4, "reporting.awareness_gap"),  # rec 1's own, cited again
                                           (12, "anonymity")])  # above rec 7's "anonymity.breach"
def test_a_theme_is_cited_under_one_recommendation(tmp_path: Path, codebook: q.Codebook, number: int,
                                                   theme: str) -> None:
    """Reviewer R6: "Complaint withdrawn" was cited under recommendations 6 and 8, the same young people twice."""
    path = _recommendations_file(tmp_path, lambda recs: recs[number]["themes"].append(theme))
    with pytest.raises(q.QualitativeDataError, match=rf"recommendation {number}: the theme {theme} repeats"):
        qr.load_recommendations(path, codebook)


def test_each_recommendation_cites_evidence_that_bears_on_it(codebook: q.Codebook) -> None:
    """Reviewer R6: evidence that argued the other way or was about something else, by recommendation.

    Workers' own recognition of offences is evidence for training them (13), not for platform
    design (9); what organisations offer is no case for funding (11); teachers are not the social
    support workers of 13; "still called it abuse" argues against a training need whatever else it
    says; the laws are the case for legal duties on platforms (8), not for informing children (6).
    """
    recs = {r["number"]: r for g in qr.load_recommendations(codebook=codebook) for r in g["items"]}

    def values(number: int) -> set[str]:
        return {v for f in recs[number]["findings"] for v in qr._finding_values(f["text"])}

    assert not any(v.startswith(("scen", "scenarios.")) for v in values(9))
    assert {"scen_viewer.no.pct", "scen_viewer.no_or_unsure.pct"} <= values(13)
    assert not any(v.startswith("scenarios.") for v in values(13))  # "still called it abuse"
    assert "school.teachers_untrained" not in recs[13]["themes"]
    assert not any(v.startswith("services.") for v in values(11))
    assert "government.gov_legislation.bottom.pct" in values(8) and not any(
        v.startswith("tech_share.") for v in values(8))
    assert values(6) and "government.gov_legislation.bottom.pct" not in values(6)


def test_a_recommendation_without_evidence_of_its_own_says_so(conversations: pd.DataFrame,
                                                                participants: pd.DataFrame) -> None:
    """Reviewer R6: recommendation 8 stood with no evidence at all; it now says what it rests on."""
    evidence = qr.Evidence(participants=0, theme_count=lambda code: None, finding=lambda result, text: None)
    text = qr.render_recommendations("MDA", evidence=evidence, conversations=conversations, participants=participants)
    eighth = text.split("### 8.")[1].split("### 9.")[0]
    assert ("**Evidence:** This recommendation draws on the study as a whole and on the expert roundtable: no "
            "survey result for Moldova and no theme of the conversations held there bears on it directly.") in eighth
    assert text.count("**Evidence:**") == 13
    # The experts' point alone is where a recommendation comes from, not "a related point" (review 3, item 3).
    ninth = text.split("### 9.")[1].split("### 10.")[0]
    assert "comes from the expert roundtable, where the experts made the point: " in ninth
    assert "related point" not in ninth


def test_a_recommendation_without_evidence_says_which_countries_each_source_covers(
        conversations: pd.DataFrame, participants: pd.DataFrame) -> None:
    """Review 3, item 3: "no survey result in the five countries": the survey covered six, the conversations five.

    The countries are read from the study (its entries' ``conversations`` flags), never typed.
    """
    from perspectives import locales
    from perspectives.i18n import Translator
    from perspectives.study import load_study

    study, tr = load_study(), Translator("en")
    held = [tr.country(c.iso3) for c in study.countries if c.conversations]
    assert 0 < len(held) < len(study.countries)  # the case the review found: some countries held none
    evidence = qr.Evidence(participants=0, theme_count=lambda code: None, finding=lambda result, text: None)
    text = qr.render_recommendations(None, evidence=evidence, conversations=conversations, participants=participants)
    eighth = " ".join(text.split("### 8.")[1].split("### 9.")[0].split())
    surveyed = tr.plural("{count} countries", len(study.countries))
    assert (f"no survey result for the {surveyed} and no theme of the conversations, held in "
            f"{locales.join(held, 'en')}, bears on it directly.") in eighth
    assert tr.plural("{count} countries", len(held)) not in eighth


IDENTIFIER = re.compile(r"\b[a-z_]+\.[a-z_]+\b|\b[a-z]+_[a-z_]+\b|`")


def test_render_recommendations_synthesis_national_and_bih(conversations: pd.DataFrame,
                                                           participants: pd.DataFrame) -> None:
    kw = {"conversations": conversations, "participants": participants}
    synth = qr.render_recommendations(**kw)
    assert synth.count("\n### ") == 13 and synth.count("**Evidence:**") == 13
    assert not IDENTIFIER.search(synth)  # no theme code, item name or value name, no code span
    k = int(qc.participants_raising(conversations, "institutions.untrained").sum())
    assert f"“Officials lack skills with children” ({k} of 42)" in synth
    alb = qr.render_recommendations("ALB", **kw)
    k = int(qc.participants_raising(conversations, "anonymity.breach")["ALB"])
    assert k > 0 and f"“Raised a breach of anonymity” ({k} of 7)" in alb
    assert "In the conversations, young people raised the theme" in alb
    bih = qr.render_recommendations("BIH", **kw)
    assert "raised the theme" not in bih and "**Evidence:**" in bih  # the experts' related points remain
    assert not IDENTIFIER.search(alb) and not IDENTIFIER.search(bih)


def test_evidence_states_findings_and_where_they_are_shown(conversations: pd.DataFrame,
                                                          participants: pd.DataFrame) -> None:
    """A report's evidence: masked counts, withheld ones left out, findings with their figure or table."""
    counts = {"reporting.awareness_gap": None, "own_recommendations.clear_messages": 0}
    evidence = qr.Evidence(
        participants=10, theme_count=lambda code: counts.get(code, 6),
        theme_table=lambda code: "themes_disclosure" if code.startswith(("reporting.", "institutions.")) else None,
        finding=lambda result, text: f"FOUND {result}. See Figure [[figure:{result}]]." if result == "government"
        else None)
    text = qr.render_recommendations("MDA", evidence=evidence, conversations=conversations, participants=participants)
    first = text.split("### 2.")[0].split("### 1.")[1]
    # withheld: left out (a count the reader cannot see is no evidence); a theme raised by nobody: left out
    assert "Young people do not know how to report" not in first and "withheld" not in first
    assert "Plain, direct messages" not in first
    assert "FOUND government. See Figure [[figure:government]]." in first and "public_awareness" not in first
    assert "The experts at the roundtable made a related point: widen the ways to seek help." in first
    third = text.split("### 3.")[1].split("### 4.")[0]
    assert ("In the conversations, young people raised the themes “Officials lack skills with children” (6 of 10) "
            "and “Dismissive or mocking officials” (6 of 10). See Table [[table:themes_disclosure]].") in third
    # A theme no table of the report shows is not stated, though 6 raised it: nothing to cite.
    assert "Trained responders" not in third


def test_a_sentence_citing_a_table_names_only_the_themes_that_table_shows(codebook: q.Codebook) -> None:
    """Issue 26: "Trained responders" was named before "See Table 16", which has no row for it."""
    shown = {"themes_disclosure": [c for c in codebook.codes if c.startswith(("reporting.", "institutions.",
                                                                                "anonymity."))],
             "themes_support": [c for c in codebook.codes if c.startswith(("support_awareness", "psychological.",
                                                                             "school", "family"))]}
    table_of = {code: stem for stem, codes in shown.items() for code in codes}
    groups = qr.load_recommendations(codebook=codebook)
    for presence in ("some", None):  # a table of words, and one of counts (a withheld count is not stated)
        evidence = qr.Evidence(participants=10, theme_count=lambda code: 6, theme_table=table_of.get,
                               theme_presence=lambda code, word=presence: word)
        text = qr.render_recommendations("MDA", evidence=evidence)
        paragraphs = [p for p in text.split("\n\n") if p.startswith("**Evidence:**")]
        named = 0
        for rec, paragraph in zip([r for g in groups for r in g["items"]], paragraphs, strict=False):
            labels = {codebook.label(code): code for code in rec["themes"]}
            # Each run of sentences up to a reference names only the themes of the tables it cites.
            for part in re.split(r"(?<=\]\]\.)", paragraph):
                cited = set(re.findall(r"\[\[table:(\w+)\]\]", part))
                for label, code in labels.items():
                    if label in part:
                        named += 1
                        assert table_of.get(code) in cited, (rec["number"], label, part)
            # and a theme no table shows is named nowhere in the evidence
            assert [lb for lb, code in labels.items() if code not in table_of and lb in paragraph] == []
        assert named >= 5


def test_theme_evidence_is_a_sentence_that_names_the_theme_not_a_pasted_label(
        conversations: pd.DataFrame, participants: pd.DataFrame, codebook: q.Codebook) -> None:
    """Reviewer item 6: "Complaint withdrawn: raised by ..." pasted a label as if it were a sentence."""
    text = qr.render_recommendations("MDA", conversations=conversations, participants=participants)
    labels = {codebook.label(c) for g in qr.load_recommendations(codebook=codebook) for r in g["items"]
              for c in r["themes"]}
    sentences = [s for p in text.split("\n\n") if p.startswith("**Evidence:**")
                 for s in re.split(r"(?<=\.) ", p.removeprefix("**Evidence:** "))]
    named = [label for label in labels if f"“{label}”" in text]
    assert len(named) >= 5
    # No sentence opens on a label; each label is named inside a sentence, quoted.
    assert [s for s in sentences if any(s.startswith(label) for label in labels)] == []
    assert [label for label in labels if label in text and f"“{label}”" not in text] == []


def test_theme_evidence_agrees_with_the_participants_in_romanian(codebook: q.Codebook) -> None:
    """The Romanian sentences name the young women in the feminine, and quote the theme the Romanian way."""
    from perspectives.i18n import Translator
    from perspectives.study import load_study
    from perspectives.texts import Texts, report_fields

    tr = Translator("ro")
    texts = Texts(tr, report_fields(load_study(), tr, "MDA", place=tr.country("MDA")))
    for gender, young in (("feminine", "tinerele participante"), (None, "tinerii participanți")):
        evidence = qr.Evidence(participants=10, theme_count=lambda code: 3, cites_tables=False, gender=gender)
        text = qr.render_recommendations("MDA", texts=texts, evidence=evidence)
        assert f"În conversații, {young.split()[0]} au adus în discuție temele „" in text and "(3 din 10)" in text
        assert "raised" not in text and "“" not in text


def test_render_roundtable(conversations: pd.DataFrame, participants: pd.DataFrame) -> None:
    insights = qr.load_roundtable()
    assert 10 <= len(insights) <= 14
    text = qr.render_roundtable("MDA")
    assert text.startswith("## What the experts added\n\n")
    assert text.count("\n**") == len(insights) and not IDENTIFIER.search(text)
    assert qr.roundtable_experts() == 19


def test_bad_evidence_link_rejected(tmp_path: Path, codebook: q.Codebook) -> None:
    path = tmp_path / "roundtable.yml"
    path.write_text("insights:\n  - {id: x, title: t, text: y, themes: [fear], survey_items: [gov_money]}\n")
    with pytest.raises(q.QualitativeDataError, match="unknown survey item"):
        qr.load_roundtable(path, codebook)


# --------------------------------------------------------------------------- no reference prose

def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


@pytest.mark.parametrize("name", ["codebook.yml", "roundtable.yml", "recommendations.yml",
                                  "conversation_counts.yml", "synthetic/conversations.csv"])
def test_no_ten_word_run_shared_with_reference(name: str) -> None:
    ref = _words(reference_text())
    runs = {tuple(ref[i:i + 10]) for i in range(len(ref) - 9)}
    ours = _words((DATA / name).read_text(encoding="utf-8"))
    shared = [" ".join(ours[i:i + 10]) for i in range(len(ours) - 9) if tuple(ours[i:i + 10]) in runs]
    assert shared == []


# --------------------------------------------------------------------------- national theme tables

def _shown(monkeypatch) -> list[tuple[object, dict]]:
    """What a section displays, with each output's metadata."""
    from perspectives import report_display

    shown: list[tuple[object, dict]] = []
    monkeypatch.setattr(report_display, "display", lambda obj, metadata=None, **_: shown.append((obj, metadata or {})))
    return shown


def _theme_tables(tmp_path: Path, monkeypatch, section_id: str, country: str,
                  conversations_path: Path | None = None) -> tuple[list[tuple[object, dict]], Path]:
    from perspectives import report

    shown = _shown(monkeypatch)
    out = tmp_path / section_id
    section = report.Section(section_id, country, "en", None, str(conversations_path) if conversations_path else None,
                             str(out))
    section.survivor_themes()
    return shown, out / "tables" / f"themes_{section_id}.csv"


@pytest.mark.parametrize("section_id", ["csea_online", "disclosure", "support", "knowledge", "prevention"])
def test_a_national_theme_table_is_not_a_table_of_withheld_cells(tmp_path, monkeypatch, conversations, codebook,
                                                                   section_id) -> None:
    """Moldova's ten participants: most counts by theme would be withheld, so the table says 0, some or all.

    Each word is checked against the participants counted by hand from the conversations.
    """
    shown, csv = _theme_tables(tmp_path, monkeypatch, section_id, "MDA")
    mda = conversations[conversations["country"] == "MDA"]
    base = mda["participant_id"].nunique()
    codes = [c for c in codebook.in_section(section_id) if codebook.codes[c].level <= 2]
    if not csv.exists():
        # Every cell would read "some" (issue 26 review, item 9): one sentence names the themes
        # instead, each raised by some but not all of the participants, as counted by hand.
        said = " ".join(str(getattr(obj, "data", "")) for obj, _ in shown)
        assert f"Each of these themes was raised by some of the {base} participants" in said
        for code in codes:
            raised = mda[mda["themes"].map(lambda v, code=code: any(t == code or t.startswith(code + ".")
                                                                     for t in q.split_codes(v)))]
            assert 0 < raised["participant_id"].nunique() < base, code
            assert locales.inside_sentence(codebook.label(code)) in said, code
        return
    table = pd.read_csv(csv, index_col=0, dtype=str, keep_default_na=False)
    cells = table.to_numpy().ravel().tolist()
    assert cells.count("–") * 2 < len(cells), table
    # A sub-theme's row is indented under its theme (issue 26): the labels are the codebook's.
    table.index = [label.lstrip("\u2060").strip() for label in table.index]
    assert list(table.index) == [codebook.label(c) for c in codes]
    for code in codes:
        raised = mda[mda["themes"].map(lambda v, code=code: any(t == code or t.startswith(code + ".")
                                                                 for t in q.split_codes(v)))]
        count = raised["participant_id"].nunique()
        row = table.loc[codebook.label(code)].tolist()
        if len(row) == 1:  # 0, some or all (zero is printed as the count it is, as in every table)
            assert row == ["0" if count == 0 else "all" if count == base else "some"], code
        else:  # counts, where at least half of them can be published
            assert row[0] in ("–", str(count)), code
    notes = " ".join(" ".join(meta["perspectives"].get("notes") or []) for _, meta in shown
                     if meta.get("perspectives", {}).get("kind") == "table")
    assert (table.shape[1] == 1) == ("whether some or all of the participants raised each theme, and 0 where none "
                                     "did" in notes)
    assert "none, some or all" not in notes


def test_a_synthesis_theme_table_of_some_in_every_row_is_one_sentence_that_points_to_the_countries(
        tmp_path, monkeypatch, conversations, codebook) -> None:
    """Issue 26 review, item 9: a table that read "some" in every row said nothing. One sentence
    says so, with the participants counted by hand, gives both reasons a count is withheld, and
    points to the display by country beside it; it no longer lists every theme again (the second
    review found that list, about 180 words, repeated the heatmap beside it)."""
    shown, csv = _theme_tables(tmp_path, monkeypatch, "csea_online", "ALL")
    assert not csv.exists()
    said = " ".join(str(getattr(obj, "data", "")) for obj, _ in shown)
    participants = conversations["participant_id"].nunique()
    assert f"Each theme of this section was raised by some of the {participants} participants." in said
    assert "See “Some or all” in the definitions." in said and "worked out" not in said
    assert "by country below" in said
    assert not re.search(r"\(in (at least )?\d+ of \d+ countries\)", said)
    codes = [c for c in codebook.in_section("csea_online") if codebook.codes[c].level <= 2]
    for code in codes:  # each theme was indeed raised by some, not all, of the participants (hand count)
        raised = conversations[conversations["themes"].map(
            lambda v, code=code: any(t == code or t.startswith(code + ".") for t in q.split_codes(v)))]
        assert 0 < raised["participant_id"].nunique() < participants, code


def test_a_theme_table_whose_every_cell_is_withheld_is_one_sentence(tmp_path, monkeypatch, conversations) -> None:
    """Four participants in a country: every count by theme is withheld, and one sentence says so."""
    folder = tmp_path / "data"
    folder.mkdir()
    people = pd.read_csv(DATA / "synthetic" / "participants.csv", dtype=str, keep_default_na=False)
    keep = set(people.loc[people["country"] == "MDA", "participant_id"].iloc[:4])
    people = people[(people["country"] != "MDA") | people["participant_id"].isin(keep)]
    people.to_csv(folder / "participants.csv", index=False)
    rows = pd.read_csv(DATA / "synthetic" / "conversations.csv", dtype=str, keep_default_na=False)
    rows[rows["participant_id"].isin(set(people["participant_id"]))].to_csv(folder / "conversations.csv", index=False)
    shown, csv = _theme_tables(tmp_path, monkeypatch, "disclosure", "MDA", folder / "conversations.csv")
    assert not csv.exists()
    texts = [getattr(obj, "data", "") for obj, _ in shown]
    assert any("are not shown" in str(t) and "Moldova" in str(t) for t in texts), texts


# --------------------------------------------------------------------------- the excerpts' language

def _paragraphs(tmp_path: Path, monkeypatch, lang: str, data_path: Path | None = None) -> list[str]:
    from perspectives import report

    shown = _shown(monkeypatch)
    report.Section("disclosure", "MDA", lang, str(data_path) if data_path else None, None,
                   str(tmp_path / lang)).survivor_themes()
    return [str(getattr(obj, "data", "")) for obj, meta in shown if not meta]


@pytest.mark.parametrize(("lang", "tag"), [("ro", "[sintetic]"), ("es", "[sintético]"), ("sq", "[sintetik]"),
                                         ("bs", "[sintetički]")])
def test_synthetic_excerpts_are_printed_in_the_edition_language_with_its_mark(tmp_path, monkeypatch, conversations,
                                                                             lang, tag) -> None:
    """A translated report prints the generator's version of each synthetic excerpt in its language, marked in it.

    The generator writes every report language's version (``excerpt::Language (code)``);
    the edition prints that column's text with the catalogue's word for the synthetic mark,
    and no note on another language, since none is quoted in one.
    """
    column = next(c for c in conversations.columns if c.endswith(f"({lang})"))
    written = {text.removeprefix(q.SYNTHETIC_TAG).strip() for text in conversations[column] if text}
    paragraphs = _paragraphs(tmp_path, monkeypatch, lang)
    at = next(i for i, p in enumerate(paragraphs) if "\n> " in p)
    quoted = [html.unescape(line[2:]) for line in paragraphs[at].split("\n") if line.startswith("> ")]
    assert quoted and all(line.startswith(f"{tag} ") for line in quoted), quoted
    assert all(line.removeprefix(f"{tag} ") in written for line in quoted)
    assert not any("synthetic" in line for line in quoted)
    from perspectives.locales import language_name

    note = i18n_text(lang, "survivors.excerpts_language_synthetic", language=language_name("en", lang))
    assert note not in paragraphs
    assert not any("synthetic excerpts above" in p for p in _paragraphs(tmp_path / "en", monkeypatch, "en"))


def test_real_excerpts_are_said_to_be_shown_as_recorded(tmp_path, monkeypatch) -> None:
    """A build from a partner's export says its excerpts are in the language they were recorded in."""
    import shutil

    export = tmp_path / "export" / "survey_export.csv"
    export.parent.mkdir()
    shutil.copy(DATA / "synthetic" / "survey_export.csv", export)
    paragraphs = _paragraphs(tmp_path, monkeypatch, "en", export)
    at = next(i for i, p in enumerate(paragraphs) if "\n> " in p)
    assert paragraphs[at + 1] == i18n_text("en", "survivors.excerpts_as_recorded")


def i18n_text(lang: str, path: str, **fields: str) -> str:
    """A report text as the catalogue gives it, read from the files, not through the code under test."""
    import yaml

    node = yaml.safe_load((REPO_ROOT / "params" / "report_texts.yml").read_text(encoding="utf-8"))
    for key in path.split("."):
        node = node[key]
    english = " ".join(str(node).split())
    if lang == "en":
        return english.format(**fields)
    catalogue = yaml.safe_load((REPO_ROOT / "params" / "i18n" / f"{lang}.yml").read_text(encoding="utf-8"))
    return catalogue[english]["text"].format(**fields)


def test_a_sub_theme_reads_under_its_theme_in_the_tables_and_the_heatmap(tmp_path, monkeypatch, codebook) -> None:
    """Issue 26: a sub-theme's row stood flush with its theme's, so a reader could not tell them apart.

    The levels are read from the codebook: in the table a sub-theme's row is indented (spaces that
    neither HTML, the PDF nor Word collapse), in the heatmap its label is drawn after a mark.
    """
    from perspectives import figures

    shown, csv = _theme_tables(tmp_path, monkeypatch, "disclosure", "MDA")
    rows = pd.read_csv(csv, index_col=0, dtype=str, keep_default_na=False).index.tolist()
    level = {codebook.codes[c].label: codebook.codes[c].level for c in codebook.in_section("disclosure")}
    bare = {r: r.lstrip("\u2060").strip() for r in rows}
    assert {level[p] for p in bare.values()} == {1, 2}
    for row in rows:
        # Indented by spaces HTML and Word keep (non-breaking), after a character no writer trims.
        assert row.lstrip("\u2060").startswith("\u00a0" * 2) == (level[bare[row]] == 2), row
        assert not row.startswith(" ")
    html = next(str(obj.data) for obj, meta in shown if (meta.get("perspectives") or {}).get("kind") == "table")
    assert "\u00a0\u00a0Described their own disclosure</th>" in html
    drawn = []
    monkeypatch.setattr(figures, "heatmap", lambda counts, title, words=None, sub=(), _real=figures.heatmap: (
        drawn.append((list(counts.index), list(sub))) or _real(counts, title, words, sub)))
    _theme_tables(tmp_path / "all", monkeypatch, "disclosure", "ALL")
    (plain, sub), = drawn
    # The chart's numbers keep the plain labels; the sub-themes are those of level 2.
    assert plain == [r.lstrip("\u2060").strip() for r in rows] and sub == [r for r in plain if level[r] == 2] and sub
