"""The executive summary reads as a partner would publish it (issue 26).

* A verbal quantifier agrees with its number: one rule (the nearest simple fraction) in one
  place (``summary.quantifiers`` of ``params/report_texts.yml``, picked by
  :func:`perspectives.summary.quantifier_band`); checked on hand-worked shares and on every
  quantifier of the built reports.

* The sentence of a chart names the categories the chart draws (one source for both): where a
  chart draws a combination ("No or don't know", "11 to 17") in place of its parts, its
  sentence names the combination, not the parts; checked on every analysis with a chart and
  on the built national report.

Expected values are written here by hand (the fractions' values), not read from the code
under test.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import yaml
from report_sentences import (
    categories_not_drawn,
    labels_pasted,
    named_categories,
    quantifier_disagreements,
    summary_text,
)

from perspectives import analysis
from perspectives.readers import load_survey
from perspectives.study import load_study, report_folder
from perspectives.summary import counted_themes, quantifier_band

REPO = Path(__file__).resolve().parents[1]


def _bands() -> list[dict]:
    return yaml.safe_load((REPO / "params" / "report_texts.yml").read_text(encoding="utf-8"))["summary"]["quantifiers"]


# share (unrounded) -> the words a reader expects, worked by hand
HAND_WORKED = {
    0.0: "none of", 4.0: "less than a tenth of", 12.0: "fewer than a fifth of", 26.0: "about a quarter of",
    33.3: "about a third of", 41.0: "fewer than half of", 48.0: "about half of", 60.0: "more than half of",
    66.6: "more than half of", 70.0: "more than two thirds of", 74.1: "more than two thirds of",
    80.0: "a large majority of", 95.0: "almost all of", 100.0: "all of",
}


@pytest.mark.parametrize(("share", "words"), HAND_WORKED.items())
def test_a_share_takes_the_quantifier_of_its_nearest_fraction(share: float, words: str) -> None:
    band = quantifier_band(_bands(), share)
    assert band is not None
    assert band["inside"] == words


def test_no_quantifier_band_spans_more_than_one_step_of_fractions() -> None:
    # The steps of the rule are at most fifteen points apart (three quarters to nine tenths).
    wide = [(b["text"], b["max"] - b["min"]) for b in _bands() if b["max"] - b["min"] > 15]
    assert wide == []


@pytest.fixture(scope="module")
def built(study_build: Path) -> dict[str, Path]:
    """Moldova and the synthesis, English (conftest's shared ``study_build``)."""
    return {code: study_build / report_folder(code) for code in ("MDA", "ALL")}


@pytest.mark.parametrize("report", ["MDA", "ALL"])
def test_every_quantifier_in_a_built_report_agrees_with_its_share(built: dict[str, Path], report: str) -> None:
    wrong, checked = quantifier_disagreements(built[report] / "report.html")
    assert checked >= 1
    assert wrong == []


@pytest.mark.parametrize("report", ["MDA", "ALL"])
def test_every_category_a_sentence_names_is_drawn_in_its_chart(built: dict[str, Path], report: str) -> None:
    wrong, checked = categories_not_drawn(built[report] / "report.html")
    assert checked >= 10
    assert wrong == []


STUDY = load_study()
NAMES = {c.iso3: c.name for c in STUDY.countries} | {"ALL": "the six countries"}


@pytest.fixture(scope="module")
def survey():
    return load_survey()


@pytest.mark.parametrize("country", [c.iso3 for c in STUDY.countries])
def test_a_single_choice_sentence_names_only_what_its_chart_draws(survey, country: str) -> None:
    checked = 0
    for analysis_id, spec in analysis.load_specs().items():
        if not isinstance(spec, dict) or spec.get("kind") != "single" or not spec.get("figure"):
            continue
        result = analysis.run(analysis_id, survey, country, NAMES)
        if result.shares is None:
            continue
        text = result.narrative(spec["text"], NAMES[country])
        labels = {**survey.instrument.choice_labels(spec["question"]),
                  **{n: str(c["label"]) for n, c in (spec.get("combine") or {}).items()}}
        named = named_categories(text, set(labels.values()))
        checked += bool(named)
        assert named <= set(result.shares.index), (analysis_id, text, list(result.shares.index))
    assert checked >= 5


# --------------------------------------------------------------------------- every strand of the evidence


@functools.cache  # read once: the titles of each strand look it up one by one (pyyaml, a second a read)
def _catalogue(lang: str) -> dict:
    if lang == "en":
        return {}
    return yaml.safe_load((REPO / "params" / "i18n" / f"{lang}.yml").read_text(encoding="utf-8"))


def _say(text: str, lang: str) -> str:
    entry = _catalogue(lang).get(text)
    return str(entry["text"]) if isinstance(entry, dict) and "text" in entry else text


def _say_all(text: str, lang: str) -> list[str]:
    """Every form the catalogue gives ``text`` in ``lang``: its own and each gender's (``agree:``), else ``text``."""
    entry = _catalogue(lang).get(text)
    if not isinstance(entry, dict) or "text" not in entry:
        return [text]
    genders = [form for key, form in (entry.get("agree") or {}).items() if key != "field" and isinstance(form, str)]
    return [str(entry["text"]), *genders]


def _data(name: str) -> dict:
    return yaml.safe_load((REPO / "data" / name).read_text(encoding="utf-8"))


def strands_missing(summary: str, lang: str) -> list[str]:
    """The strands of evidence a built summary leaves out: the survey, the conversations, the roundtable, the recommendations.

    The survey by a share; the conversations by the words the summary uses for them (their
    catalogue's, in any gender form it gives); the roundtable by one of its insights' titles; the recommendations by one of
    their titles (each as its language writes it, compared without case or closing full stop).
    """
    said = summary.lower()
    insights = [_say(i["title"], lang) for i in _data("roundtable.yml")["insights"]]
    recommendations = [_say(r["title"], lang) for g in _data("recommendations.yml")["groups"] for r in g["items"]]
    conversations = [form.split("{")[0].strip().lower()[:30] for t in (
        "In the conversations, the young people raised these themes most often: {themes}.",
        "In the conversations, the young people raised, among other themes, {themes}; the published counts do not "
        "show which themes were raised most often.",
        "The conversations with young people are reported theme by theme in the chapters that follow; so few took "
        "part that how many raised each theme is not published, and the themes are not ranked here.")
        for form in _say_all(t, lang)]
    missing = []
    if "%" not in said:
        missing.append("survey")
    if not any(c and c in said for c in conversations):
        missing.append("conversations")
    if not any(t.rstrip(".").lower() in said for t in insights):
        missing.append("roundtable")
    if not any(t.rstrip(".").lower() in said for t in recommendations):
        missing.append("recommendations")
    return missing


@pytest.mark.parametrize("report", ["MDA", "ALL"])
def test_the_summary_names_each_strand_of_the_evidence(built: dict[str, Path], report: str) -> None:
    summary = summary_text(built[report] / "report.html")
    assert len(summary) > 500
    assert strands_missing(summary, "en") == []


@pytest.mark.parametrize("report", ["MDA", "ALL"])
def test_the_romanian_summary_names_each_strand_of_the_evidence(romanian_build: Path, report: str) -> None:
    summary = summary_text(romanian_build / report_folder(report, lang="ro") / "report.html", _say("Executive summary", "ro"))
    assert len(summary) > 500
    assert strands_missing(summary, "ro") == []


def test_the_themes_ranked_are_those_counted_and_published_most_raised_first() -> None:
    # hand-written recorded values: a withheld count is never ranked, nor a count of zero, nor another place's;
    # a group's row is a theme its table prints too (reviewer R1: "Telling someone"), ranked with the others
    values = [
        {"name": "themes.fear.n", "country": "ALL", "value": 30},
        {"name": "themes.fear.shame.n", "country": "ALL", "value": 6},
        {"name": "themes.fear.threats.n", "country": "ALL", "value": None, "suppressed": True},
        {"name": "themes.school.signs_missed.n", "country": "ALL", "value": 9},
        {"name": "themes.legal.late.n", "country": "ALL", "value": 0},
        {"name": "themes.legal.explained.n", "country": "MDA", "value": 12},
        {"name": "themes.family.support.n", "country": "ALL", "value": 6},
    ]
    assert counted_themes(values, "ALL")[:3] == [("fear", 30), ("school.signs_missed", 9), ("family.support", 6)]
    assert counted_themes(values, "PER") == []


def test_a_theme_count_its_table_gives_in_words_is_not_ranked() -> None:
    # Reviewer: the synthesis summary said "n = 18" where its theme table says "some".
    values = [
        {"name": "themes.fear.shame.n", "country": "ALL", "value": 18, "printed": False},
        {"name": "themes.school.signs_missed.n", "country": "ALL", "value": 9},
    ]
    assert counted_themes(values, "ALL") == [("school.signs_missed", 9)]


def test_a_share_whose_count_is_withheld_is_said_only_as_about(tmp_path: Path) -> None:
    # Reviewer: the synthesis summary printed "(86%)" where Table 6 withholds the count and
    # the share; a share-only figure (recorded with its ``digits``) is no share a table prints.
    from perspectives.summary import key_findings, value_table

    values = [
        {"name": "origin.national.pct", "country": "ALL", "value": 86.0, "digits": 0, "suppressed": False},
        {"name": "origin.foreign.pct", "country": "ALL", "value": 14.0, "suppressed": False},
    ]
    table = value_table(values, "ALL")
    assert "origin.national.pct" not in table and table["origin.national.pct.about"] == "86%"
    assert table["origin.foreign.pct"] == "14%"
    spec = tmp_path / "summary.yml"
    spec.write_text(yaml.safe_dump([{"heading": "H", "findings": [
        "Mostly national ({v[origin.national.pct]}).", "Foreign: {v[origin.foreign.pct]}."]}]), encoding="utf-8")
    found, _ = key_findings(values, "ALL", "all countries", spec)
    assert found == [("H", ["Foreign: 14%."])]


# --------------------------------------------------------------------------- labels in sentence form


def _form_labels() -> set[str]:
    from perspectives.qualitative import load_codebook

    survey = load_survey()
    instrument = survey.instrument
    answers = {c.label for choices in instrument.choices.values() for c in choices}
    codebook = load_codebook()
    # The countries are names: they keep their capitals in any sentence.
    names = {c.name for c in STUDY.countries}
    return (answers | {codebook.label(code) for code in codebook.codes}) - names


@pytest.mark.parametrize("report", ["MDA", "ALL"])
def test_no_form_label_is_pasted_inside_a_sentence(built: dict[str, Path], report: str) -> None:
    pasted = labels_pasted(built[report] / "report.html", _form_labels())
    assert pasted == []


def test_a_label_quoted_whole_is_cited_and_one_run_into_a_sentence_is_pasted(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(
        "<html><head><meta charset=\"utf-8\"></head><body>"
        "<p>Some of them raised the theme \u201cComplaint withdrawn\u201d.</p>"
        "<p class='table-note'>\u201cOver 40 (combined)\u201d is a subtotal: it adds up \u201c41 to 50\u201d and \u201cOver 50\u201d.</p>"
        "<p>Most workers answered Over 50 in Moldova.</p>"
        "<p>They said \u201cComplaint withdrawn twice\u201d.</p>"
        "</body></html>", encoding="utf-8")
    pasted = labels_pasted(page, {"Complaint withdrawn", "Over 50"})
    assert sorted(label for label, _ in pasted) == ["Complaint withdrawn", "Over 50"]
    assert {s for _, s in pasted} == {"Most workers answered Over 50 in Moldova.", "They said \u201cComplaint withdrawn twice\u201d."}


def test_a_sentence_naming_a_combined_answer_is_not_taken_for_naming_its_part(tmp_path: Path) -> None:
    rows = "".join(f"<tr><th scope='row'>{r}</th></tr>" for r in
                   ("No", "Don't know", "No or don't know (combined)", "Yes"))
    page = tmp_path / "report.html"
    page.write_text(
        "<html><head><meta charset=\"utf-8\"></head><body><p>Workers most often answered no or don't know (54%), followed by yes (46%).</p>"
        "<figure><img alt=\"Bar chart. No or don't know: Moldova 54%. Yes: Moldova 46%.\"></figure>"
        f"<details><table>{rows}</table></details>"
        "<p>Workers most often answered don't know (30%), followed by yes (46%).</p>"
        "<figure><img alt=\"Bar chart. No or don't know: Moldova 54%. Yes: Moldova 46%.\"></figure>"
        f"<details><table>{rows}</table></details>"
        "</body></html>", encoding="utf-8")
    wrong, checked = categories_not_drawn(page)
    assert checked == 2
    assert wrong == [("Don't know", "Workers most often answered don't know (30%), followed by yes (46%).")]
