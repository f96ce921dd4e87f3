"""How a section's run publishes an analysis: its sentence, table, figure, caption and test.

Purpose
    ``Section.run`` (an entry of ``params/analyses.yml``) and the analyses written in a
    notebook (``Section.crosstab``, ``Section.figure``) compute their result in
    :mod:`perspectives.analysis`; this module records its values for the run and shows it:
    the sentence, the caption with the base it rests on, the tables and charts, and the
    test's sentence or why it is withheld. Apart from :mod:`perspectives.report` so that the
    section object holds the run's state and this module how a result is presented.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from . import (
    alttext,
    analysis,
    analysis_kinds,
    analysis_masks,
    analysis_results,
    analysis_tables,
    disclosure,
    figures,
    fmt,
    i18n,
    locales,
    report_display,
)
from .escape import markdown_fields
from .escape import markdown_text as md


def run_analysis(section, analysis_id: str, spec: dict[str, Any], survey: Any, show_table: bool) -> analysis.Result:
    """Run one analysis of ``params/analyses.yml`` for the run, and publish it (see ``Section.run``)."""
    result = analysis.run(analysis_id, survey, section.country, section.names, lang=section.lang)
    for value in result.values:
        value["section"] = section.section
    section.values.extend(result.values)
    section.withheld.update(result.withheld)
    cells = result.context
    if not section.t.is_default:
        result.context = i18n.translate_fields(result.context, section.t,
                                               disclosure.settings(project=section.project).threshold)
    if spec.get("text"):
        if spec.get("question") == analysis_masks.COUNTRY_QUESTION and not section.t.is_default:
            # Counted on the analysis's own cells: the translated fields wrap them, and are no Cell.
            result.context.update(analysis_kinds.country_fields(cells, section.names, section.t, section.t.plural, section.lang,
                                                          study=section.study))
        # The sentence's fields (names, lists of countries) are text; its cells are numbers.
        narrated = dataclasses.replace(result, context=markdown_fields(result.context))
        said = narrated.narrative(spec["text"], md(section.place), withheld_note(section, result, spec, show_table),
                                  tr=section.t)
        section._paragraph(with_reading(section, result, spec, said))
    figure = spec.get("figure")
    caption_base = section.t(figure["caption"] if figure else spec.get("caption")
                          or analysis_id.replace("_", " ").capitalize())
    where = section.names[section.country]
    caption = caption_with_base(section, result, caption_base, where)
    if figure:
        # The reference report's figure number, when the entry gives one; the report's own
        # numbers are given at assembly (perspectives.outline), so a new figure needs none.
        number = figure.get("number")
        if number is not None:
            caption = section.t("Figure {number}. {caption}", number=number, caption=caption)
        draw(section, result, spec, figure_stem(analysis_id, spec), caption)
    # A breakdown by something other than country adds its cross-table; the pooled table is
    # shown by the analysis of that question already.
    breakdown_only = spec.get("by") not in (None, "country")
    if show_table and result.table is not None and not result.table.empty and not breakdown_only:
        titled = report_display.place_in_title(section, result.table, where)
        report_display.show_table(section, result.table, analysis_id, section.t("{caption} — {place}", caption=caption_base, place=titled),
                        result=analysis_id)
    by_country = spec.get("by") == analysis_masks.COUNTRY_QUESTION
    if section.is_synthesis and spec.get("by") and f"by_{spec['by']}" in result.tables:
        by_table = result.tables[f"by_{spec['by']}"]
        # Another breakdown is named by the analysis's own caption ("... by type of organisation").
        by_caption = (section.t("{caption} by country (counts and column %)", caption=caption_base) if by_country
                      else section.t("{caption} (counts and column %)", caption=caption_base))
        report_display.show_table(section, by_table, f"{analysis_id}_by_{spec['by']}", by_caption, result=analysis_id)
    if section.is_synthesis and "by_means" in result.context:
        draw_means(section, result, analysis_id, caption_base)
    if result.test is not None and not states_test(spec):
        say_test(section, result, section.t("countries") if by_country else section.t(spec["by"].replace("_", " ")))
    report_display.add_notes(section, result.notes)
    return result


def draw_means(section, result: analysis.Result, analysis_id: str, caption_base: str) -> None:
    """The synthesis's chart of a slider's mean by country, a country whose mean is withheld left out and named."""
    mean_caption = section.t("{caption}: mean by country", caption=caption_base)
    means, shown_caption = pd.Series(result.context["by_means"], dtype=float), mean_caption
    if len(means) <= section.study.many_countries:  # a dot plot leaves a withheld country out itself
        means, shown_caption = fillable_rows(section, means, mean_caption)
    report_display.show_figure(section, figures.country_means(means, mean_caption, section.t("Mean (%)"), section.study),
                               f"{analysis_id}_means", shown_caption, result=analysis_id)


def figure_stem(analysis_id: str, spec: dict[str, Any]) -> str:
    """The file stem of an analysis's figure (``figure:`` of its entry): ``fig16_government``, ``fig_x`` unnumbered."""
    number = (spec.get("figure") or {}).get("number")
    return f"fig{number:02d}_{analysis_id}" if number is not None else f"fig_{analysis_id}"


def withheld_note(section, result: analysis.Result, spec: dict[str, Any], show_table: bool) -> str:
    """The note said where an analysis's sentence is dropped for a withheld number, or "" for none.

    Not said where the table the run shows next leaves the report's place out (its column,
    every share and base withheld, or the whole table): that table's own note says so, and
    the sentence, in front of its caption, would read as one on the table above it, which
    may withhold nothing. Elsewhere it stands by the chart or table that lost the numbers, and
    only where that one shows a withheld value: under a chart or table that shows every value
    (a chart of means, every bar drawn), a sentence left out says nothing is missing from it.
    Nor where that table is said in a sentence because most of it is withheld: the sentence
    says so itself, and the note would stand under the chart above it.
    """
    if not shows_withheld(result):
        return ""
    breakdown_only = spec.get("by") not in (None, analysis_masks.COUNTRY_QUESTION)
    if spec.get("figure") is None and show_table and result.table is not None and not result.table.empty \
            and not breakdown_only:
        printed, _ = report_display.readable_part(section, result.table)
        if printed is None or section.names[section.country] in result.table.unreadable():
            return ""
        # Said in a sentence for its withheld cells (show_table): that sentence says so itself.
        if analysis_tables.study_sentence_rule(section.study, printed.frame) == analysis_tables.WITHHELD_RULE:
            return ""
    return section._withheld_note()


def shows_withheld(result: analysis.Result) -> bool:
    """Whether any table of the result (the pooled one, one by country or group) shows a value withheld.

    The run's charts draw these tables' numbers (a withheld one is not drawn), so a result
    none of whose tables withholds a value shows every value it has, in its chart as in its tables.
    """
    tables = [t for t in (result.table, *result.tables.values()) if t is not None]
    means = result.context.get("by_means")  # a chart of means by country: a withheld one is NaN
    return (means is not None and bool(pd.Series(means).isna().any())) or any(
        str(v).strip() == disclosure.WITHHELD_MARK for t in tables
        for v in (t.frame if hasattr(t, "frame") else t).to_numpy().ravel())


def caption_with_base(section, result: analysis.Result, caption: str, where: str) -> str:
    """A result's caption with the base it rests on: ``(n = 54)``, or each group's (:func:`group_bases`)."""
    if result.group_bases:
        return section.t("{caption} — {place} ({bases})", caption=caption, place=where,
                      bases=group_bases(section, result.group_bases))
    n_text = disclosure.WITHHELD_MARK if result.base is None else f"{result.base:,}"
    return section.t("{caption} — {place} (n = {n})", caption=caption, place=where, n=n_text)


def group_bases(section, bases: dict[str, int | None]) -> str:
    """Each group's base as a caption states it: ``girls n = 46; boys n = 28``, in the report's language.

    A group is named by its word as a table heads it (``Girls``), in the report's
    language and, inside the caption's parentheses, with a small first letter.
    """
    parts = []
    for word, n in bases.items():
        group = section.t(word)
        parts.append(section.t("{group} n = {n}", group=group[:1].lower() + group[1:],
                            n=disclosure.WITHHELD_MARK if n is None else locales.decimal_text(n, 0, section.lang)))
    return "; ".join(parts)


def states_test(spec: dict[str, Any]) -> bool:
    """Whether an analysis's own sentence prints its test (``{test}``), which then needs no line of its own."""
    return any("{test}" in t for t in analysis_results.template_texts(spec.get("text")))


def with_reading(section, result: analysis.Result, spec: dict[str, Any], said: str) -> str:
    """An analysis's sentence, followed by its test's p in plain words where the sentence prints the test."""
    if said and result.test is not None and not result.test_withheld and states_test(spec):
        return f"{said} {p_reading(section, result.test.p)}"
    return said


def say_test(section, result: analysis.Result, by: str) -> None:
    """The test's sentence, or why it is not shown (its table has withheld cells)."""
    if result.test_withheld:
        # Said for each such test, so short: the definitions ("Withheld test") explain why, once.
        section._paragraph(section.t("The test across {by} is not shown (see “Withheld test” in the definitions).",
                                     by=md(by)))
        return
    template = ("Test across {by}: {test} (some expected counts are small; read with care)."
                if getattr(result.test, "small_expected", False) else "Test across {by}: {test}.")
    line = section.t(template, by=md(by), test=md(fmt.fmt_test(result.test, section.lang)))
    section._paragraph(f"{line} {p_reading(section, result.test.p)}")


# What a test's p says, in plain words, after the test's line: below the significance level
# or not (the same level and the same comparison as the executive summary's).
TEST_READINGS = {
    True: "The differences seen are larger than chance alone would often give: p is below {alpha}.",
    False: "The differences seen could be down to chance alone: p is not below {alpha}.",
}


def p_reading(section, p: float) -> str:
    """A test's p read in plain words in the report's language, with the significance level as the report writes it."""
    from . import summary, texts

    return section.t(TEST_READINGS[bool(p < summary.ALPHA)], alpha=texts.p_text(summary.ALPHA, section.lang))


def draw_shares(section, result: analysis.Result, caption: str, kind: str = "bars") -> None:
    """Draw a result's shares as grouped (``bars``) or stacked bars, and show the chart."""
    title = section.t("{caption} — {place}", caption=caption, place=section.names[section.country])
    shares, shown_caption = fillable_rows(section, result.shares if kind == "bars" else result.shares.T, title,
                                          kind=kind)
    fig = figures.share_bars(shares, title) if kind == "bars" else figures.stacked_shares(shares, title)
    report_display.show_figure(section, fig, f"{result.analysis_id}_{kind}", shown_caption, result=result.analysis_id)


def publish(section, result: analysis.Result, caption: str, figure: bool) -> None:
    """Record, show and (optionally) draw a result computed for this run."""
    for value in result.values:
        value["section"] = section.section
    section.values.extend(result.values)
    section.withheld.update(result.withheld)
    section.v.update({k: v for k, v in result.context.items() if isinstance(v, analysis_results.Cell)})
    n_text = disclosure.WITHHELD_MARK if result.base is None else f"{result.base:,}"
    where = report_display.place_in_title(section, result.table, section.names[section.country])
    report_display.show_table(section, result.table, result.analysis_id,
                    section.t("{caption} — {place} (n = {n})", caption=caption, place=where, n=n_text),
                    result=result.analysis_id)
    if figure and result.shares is not None:
        draw_shares(section, result, caption)


def draw(section, result: analysis.Result, spec: dict, stem: str, caption: str) -> None:
    """Draw an analysis's figure (``figure:`` of its entry) in the shape its result asks for, and show it."""
    title = section.t("{caption} — {place}", caption=section.t(spec["figure"]["caption"]), place=section.names[section.country])
    # A combined answer a chart draws takes the report's language, as in the tables.
    combined = analysis_tables.combination_label_texts(section.project)
    answers = result.answers if section.t.is_default else {
        code: section.t.lookup(label) if label in combined else label for code, label in result.answers.items()}
    if result.figure_kind == "stacked" and result.shares is not None:
        shares, caption = fillable_rows(section, i18n.translate_frame(result.shares, section.t, combined), caption,
                                        kind="stacked")
        fig = figures.stacked_shares(shares, title, answers)
    elif section.is_synthesis and "by_safe_shares" in result.context and spec.get("by") == "country":
        shares = i18n.translate_frame(result.context["by_safe_shares"].T, section.t, combined)
        if len(shares) <= section.study.many_countries:  # a dot plot leaves a withheld country out itself
            shares, caption = fillable_rows(section, shares, caption, kind="stacked")
        fig = figures.country_shares(shares, title, section.study, answers)
        if shares.isna().any().any() and len(shares) > section.study.many_countries:
            # Many countries are drawn as dots (figures.country_shares), a withheld one left out;
            # fewer are bars, which write the withheld mark (its note goes with the caption).
            caption += ". " + section.t("Withheld values are not drawn (small-cell rule).")
    elif result.shares is not None:
        # Series named by fixed words (Girls, Boys) and combined answers take the report's
        # language, as in the tables.
        shares = i18n.translate_frame(result.shares, section.t, (*i18n.TABLE_WORDS, *analysis_tables.combination_label_texts(section.project)))
        shares, caption = fillable_rows(section, shares, caption)
        fig = figures.share_bars(shares, title)
    else:
        return
    if spec.get("order") == analysis_tables.SCALE_ORDER:
        # The sentence lists the answers by their shares; the chart keeps the scale's order.
        caption += ". " + section.t("The answers are drawn in the order of their scale, not by size.")
    report_display.show_figure(section, fig, stem, caption, result=result.analysis_id)


# Said in a chart's caption where rows the chart would draw have no published number at all.
NOT_DRAWN = "Not drawn because their numbers are withheld under the small-cell rule: {rows}."


def fillable_rows(section, shares: pd.DataFrame | pd.Series, caption: str,
                  kind: str = "bars") -> tuple[pd.DataFrame | pd.Series, str]:
    """A chart's rows less those it cannot fill, and its caption saying once which were left out.

    A row (an answer, a scenario, a country) every value of which is withheld would be drawn
    as an empty row with the withheld mark: it is not drawn, and the caption names it. In a
    stacked chart a published 0 draws nothing either (a segment of no width, no label): a row
    with no share above 0 is left out the same way (its 0 stays in the table). A row
    with some values published keeps its place (the marks in it are explained under the chart).
    Whether the chart is shown at all is decided on every row first
    (:func:`perspectives.figures.too_little_to_show`): a chart that gives way to its table stays so.

    Args:
        section: the run (its translator and place names).
        shares: a row per chart row, a column per series (a Series: one value per row); NaN: withheld.
        caption: the chart's caption, in the report's language.
        kind: the chart's shape, as :class:`perspectives.alttext.Chart` names it (``bars``,
            ``stacked``: each row's values in one bar, ``means``).

    Returns:
        ``shares`` less the empty rows, and ``caption`` with the note when any was left out.
    """
    values = shares.to_frame() if isinstance(shares, pd.Series) else shares
    empty = [label for label, row in values.iterrows()
             if (not (row > 0).any() if kind == "stacked" else row.isna().all())]
    if not empty or figures.too_little_to_show(alttext.Chart.of(kind, shares, caption)):
        return shares, caption
    places = set(section.names.values())
    named = [str(r) if str(r) in places else section.t(i18n.quotes_for(section.t, str(r)), label=str(r))
             for r in empty]
    note = section.t(NOT_DRAWN, rows=locales.join(named, section.lang))
    joined = caption.rstrip() + (" " if caption.rstrip().endswith(".") else ". ") + note
    return shares.loc[[r for r in values.index if r not in set(empty)]], joined
