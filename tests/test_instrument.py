"""The instrument: a valid XLSForm, in sync with its text source, covering what the report analyses."""

from __future__ import annotations

import hashlib

from perspectives.instrument import ELIGIBILITY, load_instrument, workbook_bytes, xform
from perspectives.project import Project

# Items the reference report analyses (its Figures 1-19 and the text around them).
ANALYSED = [
    "country", "consent", *ELIGIBILITY, "gender", "age_band", "education", "experience", "org_type", "area",
    "services", "se_share", "tech_share", "supported_boys", "supported_girls", "boys_online_share",
    "girls_online_share", "boys_age", "girls_age", "boys_offender_female_share", "girls_offender_female_share",
    "offender_origin", "boys_offender_rel", "girls_offender_rel", "boys_exchange", "girls_exchange",
    "boys_facilitator", "girls_facilitator", "boys_forms", "girls_forms", "beliefs", "barriers", "gov_funding",
    "gov_awareness", "gov_training", "gov_advocacy", "public_awareness", "scen_victim", "scen_recording",
    "scen_flipped", "scen_viewer", "scen_dating", "training_text", "trends_text", "facilitator_text",
    "comments_text", "completed",
]


def test_pyxform_converts_the_form_without_warnings():
    xml, warnings = xform()
    assert warnings == []
    assert "<h:title>" in xml and 'nodeset="/data/barriers"' in xml.replace("csea_frontline_workers", "data") or \
        "barriers" in xml


def test_xlsx_is_built_from_the_text_source_byte_for_byte():
    project = Project.here()
    committed = hashlib.sha256(project.instrument_form.read_bytes()).hexdigest()
    rebuilt = hashlib.sha256(workbook_bytes(project)).hexdigest()
    assert committed == rebuilt, "run `make instrument` after editing data/instrument/*.csv"


def test_every_item_the_report_analyses_is_in_the_form():
    instrument = load_instrument()
    missing = [name for name in ANALYSED if name not in instrument.questions]
    assert missing == []


def test_published_shapes_of_the_answer_lists():
    instrument = load_instrument()
    assert len(instrument.codes("barriers")) == 18  # the report's list of 18 barriers
    assert len(instrument.codes("boys_exchange")) == 5  # chi-square with 20 df over 6 countries
    assert len(instrument.codes("gender")) == 3  # chi-square with 10 df over 6 countries
    assert len(instrument.codes("org_type")) == 3  # chi-square with 2 df for services by organisation
    assert set(instrument.codes("girls_forms")) == {"grooming", "csam", "livestream", "self_generated"}
    assert instrument.codes("country") == ["ALB", "BIH", "COL", "MDA", "MEX", "PER"]


def test_eligibility_questions_chain_in_order():
    instrument = load_instrument()
    for previous, current in zip(ELIGIBILITY, ELIGIBILITY[1:], strict=False):
        assert previous in instrument[current].relevant


def test_every_select_question_has_labels():
    instrument = load_instrument()
    for question in instrument.answer_questions():
        if question.type == "calculate":
            continue
        assert question.label and question.label != question.name
        if question.list_name:
            assert all(label for label in instrument.choice_labels(question.name).values())
