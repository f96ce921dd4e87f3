"""The parts of a report written from its own texts and from its other sections' findings.

Purpose
    The report's fixed texts (``params/report_texts.yml``) filled for the run
    (:func:`report_texts`, ``Section.texts``), and the sections that state what the other
    sections published (read through ``Section.report_so_far``): the recommendations with
    their evidence, the roundtable's insights, the executive summary and the count of
    numbers the small-cell rule withheld. Apart from :mod:`perspectives.report` because they
    read finished runs rather than the data.
"""

from __future__ import annotations

import functools
import os
import string
from typing import Any

from . import analysis, disclosure, fmt, report_analyses, report_display, report_themes
from .escape import markdown_text as md
from .report_upstream import NOTHING_UPSTREAM, Upstream


def report_texts(section, upstream: Upstream = NOTHING_UPSTREAM):
    """The report's fixed texts (``params/report_texts.yml``) in its language, filled for it.

    Args:
        section: the run (:class:`perspectives.report.Section`).
        upstream: what the report's other sections published (``Section.report_so_far``), for
            the texts that state counts and the conditions they set; without it only the
            study's own facts fill the texts.

    Returns:
        A :class:`perspectives.texts.Texts`.
    """
    import datetime as dt

    from . import locales, qualitative_recommendations, summary, summary_counts, texts

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    date = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date() if epoch else None
    settings = disclosure.settings(project=section.project)
    values = upstream.values
    own = section.synthesis if section.is_synthesis else section.country
    conditions = texts.report_conditions(
        national=not section.is_synthesis, conversations=section._conversations_held,
        pooled=summary_counts.pooled_beside(values, own, section.synthesis), countries=len(section.study.countries),
        tests=summary_counts.prints_a_test(values, own), reliability=upstream.reliability,
        combined=upstream.combined)
    if texts.synthetic_survey(section.data_path, section.study):
        conditions.add("synthetic")
    report = texts.Texts(section.t, texts.report_fields(section.study, section.t, own, place=section.place, date=date),
                         conditions)
    texts.with_partners(report, section.study)
    groups = [section.t(g["title"]) for g in qualitative_recommendations.load_recommendations(project=section.project)]
    report.fields.update({
        "threshold": settings.threshold, "reliability_min_n": settings.reliability_min_n,
        "withheld_mark": disclosure.WITHHELD_MARK, "reliability_mark": disclosure.RELIABILITY_MARK,
        "alpha": texts.p_text(summary.ALPHA, section.lang), "p_floor": fmt.fmt_p(0.0, section.lang),
        "n_experts": qualitative_recommendations.roundtable_experts(project=section.project),
        "group_list": locales.join(groups, section.lang),
    })
    summary_counts.with_counts(report, values, own)
    if report.fields["participants"] == "mixed" and section._conversations_held:
        # A chapter's run reads no other section's counts: its texts on the young people agree
        # with them as the report's gender table publishes them, as the summary's do.
        report.fields["participants"] = report_themes.participants_gender(section)
    return report


def recommendations(section) -> None:
    """The recommendations, each with its evidence in words and the figure or table that shows it.

    Counts of young people go through the theme tables' masks (a withheld count is said
    to be withheld); a finding's numbers are values the other sections recorded, and it
    is kept only where the table of the result it cites shows them.
    """
    from . import qualitative_recommendations

    country = None if section.is_synthesis else section.country
    upstream = section.report_so_far()
    report = report_texts(section, upstream)
    section._paragraph(qualitative_recommendations.render_recommendations(country, texts=report,
                                                       evidence=evidence(section, upstream, report),
                                                       project=section.project))


def evidence(section, upstream: Upstream, report: Any):
    """What this report can state as evidence (:class:`perspectives.qualitative.Evidence`)."""
    from . import qualitative_counts, qualitative_recommendations
    from .qualitative import load_codebook
    from .summary import value_table
    from .texts import Markdown

    own = "*" if section.is_synthesis else section.country
    held = qualitative_counts.has_conversations(None if section.is_synthesis else section.country, project=section.project)
    people = section.participants if held else None
    if people is not None and not section.is_synthesis:
        people = people[people["country"] == section.country]
    n = int(people["participant_id"].nunique()) if people is not None else 0
    shown, values = upstream.shown, upstream.values
    table = value_table(values, section.synthesis if section.is_synthesis else section.country)
    by_name = {(v["name"], v.get("country")): v for v in values}
    code = section.synthesis if section.is_synthesis else section.country
    # The places a value of this report counts, for a value on no cells: in the synthesis, the
    # places pooled (the widest any of its values counts; a value by country counts one).
    places = frozenset({code}) if not section.is_synthesis else max(
        (frozenset(v["cells"]["places"]) for v in values if v.get("country") == code and (v.get("cells") or {}).get("places")),
        key=len, default=frozenset())

    def theme_count(theme: str) -> int | None:
        return report_themes.theme_masks(section, [theme])[theme].count(f"{own}|yes")

    def theme_table(theme: str) -> str | None:
        return _theme_table(section, shown, theme, held)

    def theme_presence(theme: str) -> str | None:
        # The word the theme's table prints in place of its count, so that the evidence says the same
        # (a theme no published table shows is not stated at all: see qualitative_recommendations).
        return report_themes.theme_presence(section, theme) if held else None

    def drawn(result: str) -> bool:
        # Cited by its figure where the run drew one; a chart with too little to show gave way to its table.
        spec = analysis.load_specs(project=section.project).get(result) or {}
        return bool(spec.get("figure")) and upstream.drew(report_analyses.figure_stem(result, spec))

    def finding(result: str, template: str) -> str | None:
        names = [f[len("v["):-1] for _, f, _, _ in string.Formatter().parse(template) if f and f.startswith("v[")]
        if result not in shown or not all(name in table for name in names):
            return None
        # Cite a result only for numbers its table prints (a top-five table leaves other options
        # out; a column whose every share and base are withheld is not printed).
        if not all(upstream.prints(result, by_name.get((name, code)) or {}, places) for name in names):
            return None
        # The sentence is text from a data file: filled first, then escaped whole (values and place too).
        text = Markdown(md(fmt.opening(section.t(template, v=table, place=section.place))))
        if drawn(result):
            return report.text("recommendations.evidence.survey_figure", finding=text,
                               figure_number=Markdown(f"[[figure:{result}]]"))
        return report.text("recommendations.evidence.survey_table", finding=text,
                           table_number=Markdown(f"[[table:{result}]]"))

    theme_figure = functools.partial(_theme_figure, section, upstream, load_codebook(project=section.project), held)
    # The sentences on the participants agree with their gender as the report's gender table publishes it.
    gender = report_themes.participants_gender(section) if held else None
    return qualitative_recommendations.Evidence(participants=n, theme_count=theme_count, theme_table=theme_table,
                                                theme_figure=theme_figure, theme_presence=theme_presence, finding=finding,
                                                gender=gender)


def _theme_figure(section, upstream: Upstream, codebook: Any, held: bool, theme: str) -> str | None:
    """The result of the chart whose data table is ``theme``'s table, where the report drew it, or None.

    The synthesis draws its themes by country as heatmaps, their tables in the annex: the
    evidence cites the chart (``[[figure:RESULT]]``).
    """
    table = _theme_table(section, upstream.shown, theme, held)
    code = codebook.codes[theme].section if theme in codebook.codes else None
    if table is None or code is None:
        return None
    stem, result = report_themes.heatmap_names(code)
    return result if table == result and upstream.drew(stem) else None


def _theme_table(section, shown: dict[str, set[str]], theme: str, held: bool) -> str | None:
    """The stem of the published theme table that shows ``theme`` (for ``[[table:STEM]]``), or None."""
    counted = next((stem for stem, universes in shown.items()
                    if stem.startswith("themes_") and f"themes.{theme}" in universes), None)
    if counted is not None or not held:
        return counted
    # A table of none, some or all counts no cells, but lists the theme all the same.
    stem = report_themes.theme_table_stem(section, theme)
    return stem if stem in shown else None


def roundtable(section) -> None:
    """The expert roundtable's insights (the same in every report)."""
    from . import qualitative_recommendations

    section._paragraph(qualitative_recommendations.render_roundtable(None if section.is_synthesis else section.country,
                                                  texts=report_texts(section), project=section.project))


def write_summary(section) -> None:
    """The executive summary, in prose, from the values the other sections of this report recorded."""
    from .claim_comparisons import load_wording
    from .summary import SUMMARY_FILE, executive_summary

    upstream = section.report_so_far()
    report = report_texts(section, upstream)
    report_display.markdown(f"# {report.heading('summary')}")
    intro = report.text(f"chapters.summary.{'synthesis' if section.is_synthesis else 'national'}")
    text, used = executive_summary(report, upstream.values, section.synthesis if section.is_synthesis else section.country,
                                   section.synthesis, functools.partial(summary_labels, section), analysis.load_specs(project=section.project),
                                   spec_path=section.project.path(SUMMARY_FILE),
                                   close_points=load_wording(project=section.project).almost_equal_points,
                                   strands=summary_strands(section))
    for part in (intro, text):
        if part:
            section._paragraph(part)
    section._record("summary.values_used", used)
    record_loss(section, upstream)


def summary_strands(section):
    """The conversations' theme labels, the roundtable's insights and the recommendations, for the summary."""
    from .qualitative import load_codebook
    from .qualitative_recommendations import load_recommendations, load_roundtable
    from .summary import Strands

    codebook = load_codebook(project=section.project)
    groups = load_recommendations(codebook=codebook, project=section.project)
    return Strands(theme_label=codebook.label,
                   insights=[str(item["title"]) for item in load_roundtable(codebook=codebook, project=section.project)],
                   recommendations=[(str(g["title"]), [str(r["title"]) for r in g["items"]]) for g in groups])


def summary_labels(section, topic: str) -> dict[str, str]:
    """A summary topic's options and their labels in the report's language."""
    from .summary import SUMMARY_FILE, option_labels

    spec = analysis.spec(topic, section.project)
    given = option_labels(topic, section.project.path(SUMMARY_FILE))
    if given:
        return {code: section.t(label) for code, label in given.items()}
    # A declared combination is an answer of its own where it stands in for its members
    # (the summary keeps it only there: summary._Summary.options).
    combined = {name: section.t(str(combo["label"])) for name, combo in (spec.get("combine") or {}).items()}
    return {**section.survey.instrument.choice_labels(spec["question"]), **combined}


def record_loss(section, upstream: Upstream) -> None:
    """Record how many of the report's counts the small-cell rule withholds (the colophon says it).

    The summary runs after every other section, so it counts them all: each distinct count
    the report sets out to give (in its tables and recorded values), and those withheld
    (:func:`perspectives.audit.loss`), read from the finished runs only. The counts are of
    cells, not of people: recorded without ``cells``, so no audit reads them as a count of
    respondents.
    """
    from .audit import loss

    found = loss(upstream.folders)
    section._record("disclosure.counts.published", found.published)
    section._record("disclosure.counts.withheld", found.withheld)
