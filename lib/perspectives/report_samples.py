"""Who a report's numbers rest on: the survey's sample flow, the conversations' participants, open answers.

Purpose
    The counts a report gives of its sources before its findings: the responses received,
    excluded (partial, disqualified by criterion, no consent) and analysed, through the one
    mask of the sample flow (:func:`sample_mask`, which the build's run server computes
    before forking); who took part in the conversations, by gender, with their ages; and how
    many answered an open question, with the approved, screened answers. Apart from
    :mod:`perspectives.report` so that the section object holds the run's state and this
    module these counts.
"""

from __future__ import annotations

import pandas as pd

from . import analysis_results, analysis_subsets, disclosure, report_display, report_themes
from .escape import markdown_text as md


def sample_mask(survey, study) -> disclosure.Mask:
    """The one mask of the sample flow: outcome (and first unmet criterion) by country.

    The eligible counts are the base of every other table, so they stay published here.
    Computed once per process and survey (the build's run server does it before forking:
    with a hundred countries its search takes seconds, which every methods run would pay).
    """
    from .inclusion import exclusion_summary
    from .instrument import ELIGIBILITY

    log, eligible = survey.exclusions, survey.eligible

    def compute() -> disclosure.Mask:
        places = [c.iso3 for c in study.countries
                  if (eligible["country"] == c.iso3).any() or (log["country"] == c.iso3).any()]
        countries = log["country"].where(log["country"].isin(places), "(none)")
        if (countries == "(none)").any():
            places.append("(none)")  # exclusions without a country: in the pooled column only
        # Every criterion of the form, in its order, whatever the data: a country's rows (and
        # so its pattern) must not depend on which criteria other countries' entrants failed.
        criteria = [f"criterion:{c}" for c in (*ELIGIBILITY, "not_answered")]
        # Submissions the survey tool's reviewers rejected have their own row wherever the
        # export holds any (every country's, zero or not); an export without (the study's, or a
        # tool's whose review column is empty) reads as it always did.
        reviewed = ["rejected"] if survey.read is not None and survey.read.review.get("rejected") else []
        columns, categories = {}, ["eligible", "partial", "no_consent", *reviewed, *criteria]
        for place in places:
            summary = exclusion_summary(log[countries == place])
            by_criterion = summary.query("outcome == 'disqualified' and criterion != ''")
            column = {"eligible": int((eligible["country"] == place).sum()),
                      "partial": int(summary.query("outcome == 'partial'")["n"].sum()),
                      "no_consent": int(summary.query("outcome == 'no_consent'")["n"].sum()),
                      **{key: int(summary.query(f"outcome == '{key}'")["n"].sum()) for key in reviewed}}
            for criterion, n in zip(by_criterion["criterion"], by_criterion["n"], strict=True):
                if f"criterion:{criterion}" not in criteria:
                    raise ValueError(f"an entrant was disqualified for {criterion!r}, which is no criterion of the form")
                column[f"criterion:{criterion}"] = int(n)
            columns[place] = column
        counts = pd.DataFrame(columns).reindex(categories).fillna(0).astype(int)
        published = [f"{p}|eligible" for p in [*places, "*"]]
        lay = disclosure.layout("sample", counts, groups={"disqualified": criteria}, published=published)
        return disclosure.suppress(lay, rules=disclosure.settings(project=analysis_subsets.survey_project(survey)))

    return analysis_subsets.cached_for_frame(eligible, "mask", "sample", compute)


def sample_flow(section) -> None:
    """Responses received, excluded (partial; disqualified by criterion) and analysed, as tables.

    The flow is told in words once, in the methods chapter (``params/report_texts.yml``,
    ``methods.survey``); here it is counted, not told again.
    """
    mask = sample_mask(section.survey, section.study)
    own = "*" if section.is_synthesis else section.country
    criteria = [c for c in mask.layout.categories if c.startswith("criterion:")]
    t = section.t
    rows = {t("Eligible and complete (analysed)"): "eligible", t("Partial responses"): "partial",
            t("Disqualified by an eligibility question"): "disqualified", t("Did not consent"): "no_consent"}
    if "rejected" in mask.layout.categories:
        rows[t("Rejected by the survey's reviewers")] = "rejected"
    total = t("All responses received")
    table = disclosure.table({
        t("Responses"): {**{label: mask.n(f"{own}|{key}") for label, key in rows.items()},
                         total: mask.base_n(f"{own}|*")},
        "%": {**{label: mask.pct(f"{own}|{key}") for label, key in rows.items()}, total: disclosure.text("")},
    })
    report_display.show_table(section, table, "sample_flow", t("What happened to the responses — {place}", place=section.names[section.country]))
    labels = {name: section.survey.instrument.label(name.split(":", 1)[1]) for name in criteria
              if name.split(":", 1)[1] in section.survey.instrument.questions}
    labels["criterion:not_answered"] = t("Stopped at the eligibility questions")
    # Every criterion is listed, zero or not: leaving out the zeros would tell a withheld
    # cell from a zero.
    present = criteria
    if present:
        of = f"{own}|disqualified"
        crit_table = disclosure.table({
            t("Disqualified"): {labels.get(c, c): mask.n(f"{own}|{c}") for c in present},
            "%": {labels.get(c, c): mask.pct(f"{own}|{c}", of=of) for c in present},
        })
        report_display.show_table(section, crit_table, "disqualified_by_criterion", t("First eligibility criterion not met"))
    for name, key in (("responses", "*"), ("eligible", "eligible"), ("partial", "partial"),
                      ("disqualified", "disqualified")):
        section.values.append(section._cell_value(mask, f"{own}|{key}", f"sample.{name}.n", of=f"{own}|*"))
    for criterion in criteria:
        section.values.append(section._cell_value(mask, f"{own}|{criterion}",
                                            f"sample.disqualified.{criterion.split(':', 1)[1]}.n",
                                            of=f"{own}|disqualified"))


def conversations_sample(section) -> None:
    """Who took part in the conversations (counts only), or a plain note where none were held."""
    from . import qualitative_counts

    country = None if section.is_synthesis else section.country
    held = qualitative_counts.has_conversations(country, project=section.project)
    gender = report_themes.participants_gender(section) if held and country is not None else None
    section._paragraph(md(qualitative_counts.conversations_note(country, section.participants, translate=section.t,
                                                             project=section.project, gender=gender)))
    if not held:
        return
    participants = section.participants
    places = [c.iso3 for c in section.study.countries if (participants["country"] == c.iso3).any()]
    mask = report_themes.gender_mask(section)
    rows = places if section.is_synthesis else [section.country]
    women, men, everyone = section.t("Young women"), section.t("Young men"), section.t("All")
    table = disclosure.table({
        women: {section.names.get(p, p): mask.n(f"{p}|female") for p in rows},
        men: {section.names.get(p, p): mask.n(f"{p}|male") for p in rows},
        everyone: {section.names.get(p, p): mask.base_n(f"{p}|*") for p in rows},
    })
    # A table none of whose counts by gender is published would say only "not shown": the note
    # above already gives the participants and their gender in words, so no table is written.
    if any(mask.count(f"{p}|{g}") is not None for p in rows for g in ("female", "male")):
        report_display.show_table(section, table, "conversation_participants",
                                  section.t("Conversation participants by gender — {place}",
                                            place=section.names[section.country]))
    _, values = qualitative_counts.participant_summary(participants, country)
    # The youngest and oldest are single participants' ages: a statistic published on at least
    # the threshold of participants (rule 4 of perspectives.disclosure), else withheld.
    rules = disclosure.settings(project=section.project)
    ages_shown = disclosure.statistic_shown(dict((n, v) for n, v, _ in values)["conversations.participants.n"],
                                            rules.threshold)
    if ages_shown:
        low, high = (dict((n, v) for n, v, _ in values)[f"conversations.{c}"]
                     for c in ("age_at_conversation.min", "age_at_conversation.max"))
        first_low, first_high = (dict((n, v) for n, v, _ in values)[f"conversations.{c}"]
                                 for c in ("age_first_targeted.min", "age_first_targeted.max"))
        report = section.texts()
        section._paragraph(section.t("Participants were aged {ages} at the time of the conversation; the ages at "
                                     "which they were first targeted ranged from {first_ages}.",
                                     ages=report.text("sentences.ages", age_min=low, age_max=high, n_years=high),
                                     first_ages=report.text("sentences.ages", age_min=first_low, age_max=first_high,
                                                                 n_years=first_high),
                                     participants=report_themes.participants_gender(section)))
    else:
        section._paragraph(section.t("The participants' ages are not shown: the youngest and the oldest are single "
                                     "people's ages, shown only where at least {threshold} took part.",
                                     threshold=rules.threshold))
    own = "*" if section.is_synthesis else section.country
    # Counts of people go through the mask; the age ranges are recorded as they are.
    section.values.append(section._cell_value(mask, f"{own}|*", "conversations.participants.n"))
    for gender in ("female", "male"):
        section.values.append(section._cell_value(mask, f"{own}|{gender}", f"conversations.{gender}.n"))
    for place in (places if section.is_synthesis else [section.country]):
        section.values.append(section._cell_value(mask, f"{place}|*", f"conversations.{place}.n"))
    for name, value, n in values:
        if ".age_" in name:
            section._record(name, value if ages_shown else None, n=n, **({} if ages_shown else {"suppressed": True}))


def open_text(section, question: str, k: int = 3) -> None:
    """Approved, screened answers to an open question; otherwise only how many were received."""
    from .open_text import load_approvals, select_open_text

    chosen = select_open_text(section.survey.eligible, question, load_approvals(section.data_path),
                              section.study.data.get("id_column", "respondent_id"),
                              None if section.is_synthesis else section.country, k, section.study)
    eligible = section.survey.eligible
    answered = eligible[question].notna() & (eligible[question].astype(str).str.strip() != "")
    places = [c for c in section.survey.instrument.codes("country") if (eligible["country"] == c).any()]
    counts = pd.crosstab(answered.map({True: "yes", False: "no"}), eligible["country"]).reindex(
        index=["yes", "no"], columns=places, fill_value=0)
    mask = analysis_subsets.cached_for_frame(eligible, "mask", f"open_text:{question}", lambda: disclosure.suppress(
        disclosure.layout(f"open_text.{question}", counts, shown=["yes"]),
        rules=disclosure.settings(project=section.project)))
    own = "*" if section.is_synthesis else section.country
    section.values.append(section._cell_value(mask, f"{own}|yes", f"open_text.{question}.received"))
    # How many approved answers the screen held back is printed nowhere; recorded, it would be
    # a count of 1 to 4 beside the masked ones, so it is not (D11).
    if chosen.received == 0:
        return
    label = section.survey.instrument.label(question)
    if chosen.shown:
        section._paragraph(section.t("Answers to the open question '{label}', approved for publication and screened for "
                        "identifying details:", label=md(label)) + "\n\n" +
                 "\n\n".join(f"> {md(text)}" for text in chosen.shown))
    else:
        section._paragraph(analysis_results.fill(
            section.t("Of the workers, {n} answered the open question '{label}'; no answer is shown because none "
                   "has been approved for publication and passed the identifying-details screen."),
            section.t("No answer to the open question '{label}' is shown: none has been approved for "
                   "publication and passed the identifying-details screen.", label=md(label)),
            n=analysis_results.Cell(mask, f"{own}|yes").n, label=md(label)))
