"""Each kind of analysis: select-one, select-multiple, slider, ratings battery, two populations, breakdown.

Purpose
    One function per ``kind`` of ``params/analyses.yml`` fills a :class:`Result` for one
    report from its masks: the published table, the figure's shares, the recorded values and
    the narrative's fields; :func:`run_breakdown` adds the synthesis's table by country (or
    another grouping) and its test. :func:`published_means` and :func:`means_shown` say which
    slider means are printed. Kept apart from the entry point (:mod:`perspectives.analysis`),
    which picks the kind, and from the parts they share (:mod:`perspectives.analysis_tables`).

Inputs
    A result to fill, the analysis spec, the validated survey, the places' display names.

Outputs
    The filled :class:`Result` (in place).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import disclosure, fmt, locales, stats
from .analysis_masks import (
    COUNTRY_QUESTION,
    NO_ANSWER,
    OUTSIDE,
    breakdown_mask,
    declared_combinations,
    drops_empty,
    numeric_mask,
    option_mask,
    question_mask,
    share_base,
)
from .analysis_results import WITHHELD, Answer, Cell, Fields, Ranking, Result
from .analysis_subsets import POOLED, cached_for_frame, load_specs, population, survey_project, top_options

# Helpers of the sibling modules are imported under the private names this module's code
# called them by before analysis was split: the code moved unchanged.
from .analysis_subsets import country_rows as _country_rows
from .analysis_subsets import own_place as _own
from .analysis_subsets import specs_of as _specs
from .analysis_tables import (
    MEAN_ROW,
    beside_chart,
    chart_combinations,
    combination_labels,
    combination_note,
    combination_notes,
    combinations_below_parts,
    drawn_codes,
    mean_entry,
    recoded_for_chart,
    redundant_combinations,
    single_ranking,
    with_means,
)
from .analysis_tables import compared_answers as _compared
from .analysis_tables import english_labels as _english_labels
from .analysis_tables import place_columns as _place_columns
from .analysis_tables import place_map as _place_map
from .analysis_tables import place_shares as _shares
from .analysis_tables import rank_fields as _rank
from .analysis_tables import record_test as _record_test
from .analysis_tables import rows_of as _rows_of
from .disclosure import Mask
from .project import Project, default
from .study import Study


# --------------------------------------------------------------------------- kinds
def run_single(result: Result, spec_: dict, survey, place_names: dict[str, str]) -> None:
    """A select-one question: its answers by place, their shares and sentences."""
    question = spec_["question"]
    mask = question_mask(survey, question, spec_.get("population"))
    project = survey_project(survey)
    labels = {**survey.instrument.choice_labels(question), **combination_labels(question, project)}
    codes = _rows_of(mask, question, _specs(survey)) if question != COUNTRY_QUESTION else list(mask.layout.categories)
    own = _own(result.country, result.synthesis)
    places = _place_map(result.country, place_names, survey, mask)
    result.table = _place_columns(mask, codes, labels, places)
    # The chart draws what the table shows, one set of answers for every series: a combination
    # of small answers is a bar of its own where it stands for them.
    result.shares = _chart_shares(result, spec_, survey, mask, codes, labels, places, place_names)
    result.base = mask.count(f"{own}|*")
    result.context.update({code: Cell(mask, f"{own}|{code}") for code in codes})
    result.record_cell(mask, f"{own}|*", "base")
    for code in codes:
        result.record_cell(mask, f"{own}|{code}", f"{code}.n")
        result.record_cell(mask, f"{own}|{code}", f"{code}.pct", "percent")
    if result.country != result.synthesis and POOLED in places:
        for code in codes:
            result.record_cell(mask, f"{POOLED}|{code}", f"{code}.pct", "percent", country=result.synthesis)
    result.notes_extra = combination_notes(question, labels, project)
    result.context["_mask"] = mask
    if question == COUNTRY_QUESTION:
        result.context.update(country_fields(result.context, place_names, study=project.study))
    else:
        # The sentence names the answers the chart draws (a combination in place of its parts),
        # and so do the summary and the evidence (the values of the others marked not drawn).
        drawn = drawn_codes(result.shares, {c: labels.get(c, c) for c in codes}) if spec_.get("figure") else None
        if drawn is not None:
            result.mark_not_drawn([c for c in codes if c not in drawn])
            # The table beside the chart follows the same decision (one rule: what the chart draws).
            result.table = beside_chart(result.table, [labels.get(c, c) for c in codes if c not in drawn])
            result.notes_extra = combination_notes(question, labels, project, shown=drawn)
        _rank(result, single_ranking(survey, spec_, mask, question, own, drawn), spec_,
              {c: labels.get(c, c) for c in codes}, declared_combinations(question, _specs(survey)))


def _chart_shares(result: Result, spec_: dict, survey, mask: Mask, codes: list[str], labels: dict[str, str],
                  places: dict[str, str], place_names: dict[str, str]) -> pd.DataFrame:
    """A select-one question's chart shares, every series the report draws deciding its answers at once.

    The synthesis draws the question by country (:func:`run_breakdown` orders that chart, kept
    in ``by_safe_shares``): its countries and its pooled column decide together which answers
    every chart of the question draws (:func:`perspectives.analysis_tables.recoded_for_chart`),
    so that the sentence, which names the pooled answers, names what the chart by country draws.
    """
    question = spec_["question"]
    combinations = chart_combinations(question, labels, survey_project(survey))
    shares = _shares(mask, codes, labels, places)
    if (result.country != result.synthesis or spec_.get("by") != COUNTRY_QUESTION or question == COUNTRY_QUESTION
            or not spec_.get("figure")):
        return recoded_for_chart(shares, combinations)
    groups = [g for g in mask.layout.places if g != NO_ANSWER]
    by_country = pd.DataFrame({place_names.get(g, g): [mask.share(f"{g}|{c}", of=share_base(mask, g)) for c in codes]
                               for g in groups}, index=[labels.get(c, c) for c in codes], dtype=float)
    kept = recoded_for_chart(pd.concat([shares, by_country], axis=1), combinations).index
    result.context["by_safe_shares"] = by_country.loc[kept]
    return shares.loc[kept]


def country_fields(cells: dict[str, Any], names: dict[str, str], say: Callable[..., str] | None = None,
                   plural: Callable[[str, int], str] | None = None, lang: str = "en", *,
                   study: Study | None = None) -> dict[str, Any]:
    """``{countries}`` and ``{by_country}`` for a sentence on the country question.

    Args:
        cells: the analysis's narrative cells, ISO3 -> :class:`Cell` (others ignored).
        names: ISO3 -> the country's name in the report's language.
        say: fills a template in the report's language (default: English ``str.format``).
        plural: a country-set phrase for a count in that language (default: English).
        lang: the language whose list pattern joins the items (CLDR).
        study: the study, whose countries' order is followed (default: the one around the
            working directory).

    Returns:
        ``countries``: how many countries have answers ("26 countries");
        ``by_country``: each one's count, the largest first (the study's order between equal
        counts), "91 in Mexico, ..., and 49 in Bosnia and Herzegovina". Both are :data:`WITHHELD` when a count is withheld, so that the
        sentence holding them is dropped.
    """
    say = say or (lambda template, **fields: template.format(**fields))
    plural = plural or (lambda key, n: locales.render_count(locales.COUNT_PHRASES[key], n))
    found = []
    for order, country in enumerate((study or default().study).countries):
        cell = cells.get(country.iso3)
        if not isinstance(cell, Cell) or cell.count == 0:
            continue
        if cell.hidden:
            return {"countries": WITHHELD, "by_country": WITHHELD}
        found.append((-cell.count, order, say("{n} in {country}", n=cell.n, country=names.get(country.iso3, country.name))))
    # A list in the order of its numbers: the most respondents first (the study's order breaks a tie).
    items = [text for _, _, text in sorted(found)]
    return {"countries": plural("{count} countries", len(items)), "by_country": locales.join(items, lang)}


def run_multi(result: Result, spec_: dict, survey, place_names: dict[str, str]) -> None:
    """A select-multiple question: each option ticked, by place."""
    question = spec_["question"]
    query = spec_.get("population")
    codes = spec_.get("options") or survey.instrument.codes(question)
    labels = survey.instrument.choice_labels(question)
    masks = {code: option_mask(survey, question, code, query) for code in codes}
    own = _own(result.country, result.synthesis)
    shown = list(codes)
    if spec_.get("top"):
        shown = top_options(masks, codes, own, spec_["top"])
    places = _place_map(result.country, place_names, survey, next(iter(masks.values())))
    columns: dict[tuple[str, str], dict[str, disclosure.Entry]] = {}
    shares = {}
    for place, name in places.items():
        columns[(name, "n")] = {labels.get(c, c): masks[c].n(f"{place}|yes") for c in shown}
        columns[(name, "%")] = {labels.get(c, c): masks[c].pct(f"{place}|yes") for c in shown}
        first = masks[shown[0]] if shown else next(iter(masks.values()))
        columns[(name, "n")]["Respondents"] = first.base_n(f"{place}|*")
        columns[(name, "%")]["Respondents"] = disclosure.text("")
        shares[name] = [masks[c].share(f"{place}|yes") for c in shown]
    result.table = disclosure.table(columns)
    result.shares = pd.DataFrame(shares, index=[labels.get(c, c) for c in shown], dtype=float)
    any_mask = next(iter(masks.values()))
    result.base = any_mask.count(f"{own}|*")
    result.record_cell(any_mask, f"{own}|*", "base")
    for code in codes:
        result.context[code] = Cell(masks[code], f"{own}|yes")
        result.record_cell(masks[code], f"{own}|yes", f"{code}.n")
        result.record_cell(masks[code], f"{own}|yes", f"{code}.pct", "percent")
        if result.country != result.synthesis and POOLED in places:
            result.record_cell(masks[code], f"{POOLED}|yes", f"{code}.pct", "percent", country=result.synthesis)
    result.context["_masks"] = masks
    # Several answers each: a withheld option could hold any share, so none leads past it.
    english = _english_labels(survey, question)
    # The sentence speaks of the options its table and chart show (``top``), and of no other,
    # each in the words it reads by inside a sentence where params/summary.yml gives them
    # (a form's label "Sex and sexuality are taboo subjects" reads badly mid-sentence).
    compared = [c for c in _compared(spec_, codes) if c in shown]
    words = _sentence_words(result.analysis_id, survey_project(survey))
    _rank(result, Ranking([Answer(c, words.get(c, labels.get(c, c)), words.get(c, english.get(c, c)), result.context[c], k,
                                  words=c in words)
                           for k, c in enumerate(codes) if c in compared], limit=spec_.get("list")),
          spec_, {c: labels.get(c, c) for c in shown})


def run_numeric(result: Result, spec_: dict, survey, place_names: dict[str, str]) -> None:
    """A slider: its bands and thresholds, or its mean, by place."""
    mask = numeric_mask(survey, spec_)
    data = population(survey.eligible, spec_.get("population"))
    own = _own(result.country, result.synthesis)
    places = _place_map(result.country, place_names, survey, mask)
    result.base = mask.count(f"{own}|*")
    result.record_cell(mask, f"{own}|*", "base")
    means = published_means(mask, data, spec_, survey_project(survey))
    mean = means[own]
    result.context["mean"] = WITHHELD if mean is None else fmt.fmt_mean(mean)
    result.record("mean", mean, n=result.base, suppressed=mean is None)
    if result.country != result.synthesis and POOLED in places:
        result.record("mean", means[POOLED], n=mask.count("*|*"), country=result.synthesis,
                      suppressed=means[POOLED] is None)
    for name in spec_.get("thresholds") or {}:
        result.context[name] = Cell(mask, f"{own}|{name}")
        result.record_cell(mask, f"{own}|{name}", f"{name}.n")
        result.record_cell(mask, f"{own}|{name}", f"{name}.pct", "percent")
    if spec_.get("bands"):
        bands = _specs(survey)["bands"][spec_["bands"]]
        labels = {b[0]: f"{b[1]:g}-{b[2]:g}%" if b[1] != b[2] else f"{b[1]:g}%" for b in bands}
        combos = spec_.get("combine") or {}
        labels.update({name: str(combo["label"]) for name, combo in combos.items()})
        codes = [b[0] for b in bands]
        rows = list(codes)
        for name, combo in combos.items():
            rows.insert(max(rows.index(m) for m in combo["members"]) + 1, name)
        result.table = _place_columns(mask, rows, labels, places)
        result.shares = recoded_for_chart(_shares(mask, rows, labels, places),
                                          {labels[name]: [labels[m] for m in combo["members"]]
                                           for name, combo in combos.items()})
        result.context.update({code: Cell(mask, f"{own}|{code}") for code in rows})
        for code in rows:
            result.record_cell(mask, f"{own}|{code}", f"{code}.pct", "percent")
        # Without a chart, a combination none of whose parts any column withholds is no row.
        unprinted = set() if spec_.get("figure") else set(redundant_combinations(mask, combos, places))
        result.notes_extra = [combination_note(str(combo["label"]), [labels[m] for m in combo["members"]])
                              for name, combo in combos.items() if name not in unprinted and (
                                  not spec_.get("figure") or str(combo["label"]) in set(result.shares.index))]
        if spec_.get("figure"):  # the table beside the chart follows what it draws (beside_chart)
            unprinted = {c for c in rows if labels[c] not in set(result.shares.index)}
        result.table = beside_chart(result.table, [labels[c] for c in rows if c in unprinted])
        # The mean the sentence gives is a row of the table: one decision (published_means) for both.
        result.table = with_means(result.table, {name: means[place] for place, name in places.items()})
    else:
        columns = {}
        for place, name in places.items():
            columns[name] = {MEAN_ROW: mean_entry(means[place]), "Respondents": mask.base_n(f"{place}|*")}
        result.table = disclosure.table(columns)
        result.shares = None
        result.figure_kind = "means"
    result.context["_mask"] = mask


def published_means(mask: Mask, data: pd.DataFrame, spec_: dict, project: Project | None = None) -> dict[str, float | None]:
    """Each place's mean of a slider (and the pooled ``*``) as published: rounded, or None (rule 4).

    :func:`means_shown` first (the threshold, and the pooled mean's rule), then
    :func:`perspectives.disclosure.means_published` (rounded as the tables print it, and
    withheld where it would bound a withheld group or give a base away). Computed once per
    mask: the national report and the synthesis ask for the same means.
    """
    question = spec_["question"]

    def compute() -> dict[str, float | None]:
        shown_at = means_shown(mask)
        raw: dict[str, float | None] = {}
        for place in [*mask.layout.places, POOLED]:
            rows = data if place == POOLED else _country_rows(data, place)
            values = pd.to_numeric(rows[question], errors="coerce").dropna()
            raw[place] = float(values.mean()) if shown_at.get(place) and len(values) else None
        bands = load_specs(project=project)["bands"][spec_["bands"]] if spec_.get("bands") else []
        return disclosure.means_published(mask, raw, {b[0]: (float(b[1]), float(b[2])) for b in bands})

    return cached_for_frame(data, "means", f"{question}:{spec_.get('bands')}", compute)


def means_shown(mask: Mask) -> dict[str, bool]:
    """Where a slider's mean may be published: place -> whether (the pooled place ``*`` too).

    A mean is published on at least ``threshold`` respondents, whether or not their count
    is (rule 4): a mean over fewer would describe a small group's answers. The pooled mean
    is published only when the places whose means are withheld hold, together, none or at
    least ``threshold`` respondents: otherwise the pooled mean and the others' means and
    counts would give the mean of that small group.
    """
    t = mask.threshold
    bases = {p: mask.layout.value(f"{p}|*") for p in mask.layout.places}
    shown = {p: n >= t for p, n in bases.items()}
    hidden = sum(n for p, n in bases.items() if not shown[p])
    shown[POOLED] = sum(bases.values()) >= t and (hidden == 0 or hidden >= t)
    return shown


def run_ratings(result: Result, spec_: dict, survey, place_names: dict[str, str]) -> None:
    """A battery of ratings: each item's answers and its top and bottom groups."""
    questions = spec_["questions"]
    own = _own(result.country, result.synthesis)
    codes = survey.instrument.codes(questions[0])
    labels = survey.instrument.choice_labels(questions[0])
    sides = [s for s in ("bottom", "top") if spec_.get(s)]
    # A column names the answers it counts ("Poor or no action at all (%)"), never the side's code.
    headers = {side: f"{_answers_or([labels[c] for c in spec_[side]], result.lang)} (%)" for side in sides}
    places = _place_map(result.country, place_names, survey,
                        question_mask(survey, questions[0], spec_.get("population")))
    distribution = {}
    columns: dict[tuple[str, str], dict[str, disclosure.Entry]] = {}
    words = _sentence_words(result.analysis_id, survey_project(survey))
    # A row's label: the battery's short one (``items:``), else the question as asked.
    rows = {q: (spec_.get("items") or {}).get(q, {}).get("label") or survey.instrument.label(q) for q in questions}
    answers = []
    for k, question in enumerate(questions):
        mask = question_mask(survey, question, spec_.get("population"))
        label = rows[question]
        fields = Fields({code: Cell(mask, f"{own}|{code}") for code in mask.layout.categories})
        distribution[label] = [mask.share(f"{own}|{code}") if code in mask.layout.categories else np.nan
                               for code in codes]
        for side in sides:
            cell = Cell(mask, f"{own}|{side}")
            fields[side] = cell
            fields[f"{side}_pct"] = cell.pct
            fields[f"{side}_pct_n"] = cell.pct_n
            result.record_cell(mask, f"{own}|{side}", f"{question}.{side}.pct", "percent")
            result.record_cell(mask, f"{own}|{side}", f"{question}.{side}.n")
            columns.setdefault((places[own], headers[side]), {})[label] = mask.pct(f"{own}|{side}", sign=False)
        for code in mask.layout.categories:
            result.record_cell(mask, f"{own}|{code}", f"{question}.{code}.pct", "percent")
        columns.setdefault((places[own], "Respondents"), {})[label] = mask.base_n(f"{own}|*")
        if POOLED in places and own != POOLED:
            for side in sides:
                result.record_cell(mask, f"{POOLED}|{side}", f"{question}.{side}.pct", "percent",
                                   country=result.synthesis)
                columns.setdefault((places[POOLED], headers[side]), {})[label] = mask.pct(f"{POOLED}|{side}",
                                                                                          sign=False)
        result.context[question] = fields
        if result.base == 0:
            result.base = mask.count(f"{own}|*")
        if sides:
            answers.append(Answer(question, words.get(question, label), words.get(question, label),
                                  fields[sides[0]], k, words=question in words))
    result.figure_kind = "stacked"
    result.shares, result.answers, drawn = _ratings_chart(spec_, survey, own, codes, labels, distribution, result.lang)
    if spec_.get("figure"):
        result.mark_not_drawn([c for c in codes if c not in drawn], items=questions)
    result.table = disclosure.table(columns)
    # Items of a battery rank by the share of the first side; a withheld one could hold any share.
    compared = _compared(spec_, questions)
    _rank(result, Ranking([a for a in answers if a.code in compared], limit=spec_.get("list")), spec_,
          rows)


def _ratings_chart(spec_: dict, survey, own: str, codes: list[str], labels: dict[str, str],
                   distribution: dict[str, list[float | None]], lang: str
                   ) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """A battery's stacked chart: an item per row, a segment per answer, as its sentence counts them.

    The sentence ranks the items by a side of the scale (``bottom: [poor, none]``: "poor or
    absent"), so the chart draws that side as one segment in place of its answers; a declared
    combination of the question's answers (``combine``) is drawn in place of its members as a
    select-one chart draws it (:func:`perspectives.analysis_tables.recoded_for_chart`). Every
    segment is a share the mask publishes.

    Args:
        spec_: the battery's entry of ``params/analyses.yml``.
        survey: the validated survey.
        own: the report's place in the masks.
        codes: the scale's answers, in its order.
        labels: answer code -> label.
        distribution: item label -> each answer's share (``codes``' order; NaN withheld).
        lang: the report's language (the words joining a side's answers).

    Returns:
        The shares (item rows, answer columns; a side or combination where its answers
        stood), the answers code -> label in the colours' order, and the codes drawn.
    """
    questions = spec_["questions"]
    sides = {side: [str(c) for c in spec_[side]] for side in ("bottom", "top") if len(spec_.get(side) or []) > 1}
    combos = {name: members for name, members in declared_combinations(questions[0], _specs(survey)).items()
              if not {str(m) for m in members} & {c for side in sides.values() for c in side}}
    names = {**labels, **{side: _answers_or([labels[c] for c in members], lang) for side, members in sides.items()},
             **combination_labels(questions[0], survey_project(survey))}
    extra = [*sides, *combos]
    order = combinations_below_parts([*codes, *extra], {**sides, **combos})
    rows = {}
    for k, (item, shares) in enumerate(distribution.items()):
        mask = question_mask(survey, questions[k], spec_.get("population"))
        rows[item] = dict(zip(codes, shares, strict=True)) | {c: mask.share(f"{own}|{c}") for c in extra}
    frame = pd.DataFrame(rows, index=order, dtype=float)
    # The side the sentence counts is drawn whole; a combination where the rule asks for it.
    frame = frame.drop(index=[m for members in sides.values() for m in members])
    kept = recoded_for_chart(frame.rename(index=names), {names[c]: [names[m] for m in members]
                                                          for c, members in combos.items()}).index
    drawn = [c for c in frame.index if names[c] in set(kept)]
    # The scale's answers keep the colours they have in every chart; a side or combination comes after them.
    return frame.loc[drawn].rename(index=names).T, {c: names[c] for c in [*codes, *extra]}, drawn


def _answers_or(labels: Sequence[str], lang: str) -> str:
    """Answers joined as the language joins alternatives ("Poor or no action at all")."""
    from babel.lists import format_list

    from .locales import inside_sentence

    words = [labels[0], *(inside_sentence(label) for label in labels[1:])]
    return format_list(list(words), style="or", locale=lang if locales.known_language(lang) else "en")


def _sentence_words(analysis_id: str, project: Project) -> dict[str, str]:
    """A battery's items as they read inside a sentence (``labels:`` in ``params/summary.yml``), in English."""
    from .summary import option_labels

    return option_labels(analysis_id, project=project)


def run_compare_multi(result: Result, spec_: dict, survey, place_names: dict[str, str]) -> None:
    """One option list asked of two populations, side by side (and their test in the synthesis)."""
    groups = spec_["questions"]
    own = _own(result.country, result.synthesis)
    first = next(iter(groups.values()))
    codes = survey.instrument.codes(first)
    labels = survey.instrument.choice_labels(first)
    masks = {group: {code: option_mask(survey, question, code, spec_["populations"][group], whole_population=True)
                     for code in codes} for group, question in groups.items()}
    columns: dict[tuple[str, str], dict[str, disclosure.Entry]] = {}
    shares = {}
    bases = {}
    for group in groups:
        name = group.capitalize()
        columns[(name, "n")] = {labels[c]: masks[group][c].n(f"{own}|yes") for c in codes}
        columns[(name, "%")] = {labels[c]: masks[group][c].pct(f"{own}|yes") for c in codes}
        shares[name] = [masks[group][c].share(f"{own}|yes") for c in codes]
        base_mask = masks[group][codes[0]]
        bases[group] = base_mask.count(f"{own}|*")
        for code in codes:
            result.context.setdefault(code, Fields())[group] = Cell(masks[group][code], f"{own}|yes")
            result.record_cell(masks[group][code], f"{own}|yes", f"{code}.{group}.pct", "percent")
            result.record_cell(masks[group][code], f"{own}|yes", f"{code}.{group}.n")
        result.record_cell(base_mask, f"{own}|*", f"{group}.base")
    if spec_.get("test") == "chi2" and result.country == result.synthesis:
        tests = {}
        for code in codes:
            counts = {g: (masks[g][code].withheld_value("*|yes"), masks[g][code].withheld_value("*|*")) for g in groups}
            tab = pd.DataFrame({g: [k, n - k] for g, (k, n) in counts.items()}, index=["yes", "no"])
            test = stats.chi_square(tab)
            # The two-by-two table is the groups' pooled "yes" counts and bases.
            shown = all(masks[g][code].shown(cell) for g in groups for cell in ("*|yes", "*|*"))
            written = fmt.fmt_test(test, result.lang) if shown else disclosure.WITHHELD_MARK
            tests[labels[code]] = disclosure.text(written)
            extra = {"measure": "test", "cells": {"universe": sorted(masks[g][code].universe for g in groups),
                                                  "places": ["*"], "categories": ["yes", "no"]}}
            for part, value in (("stat", test.statistic), ("df", test.df), ("p", test.p)):
                name = f"{code}.chi2.{part}"
                if shown:
                    result.record(name, value, n=test.n if part == "stat" else None, **extra)
                else:
                    result.record(name, None, suppressed=True, **extra)
                    result.withheld[(f"{result.analysis_id}.{name}", result.country)] = value
        columns[("Test", "girls vs boys")] = tests
    result.table = disclosure.table(columns)
    result.shares = pd.DataFrame(shares, index=[labels[c] for c in codes], dtype=float)
    result.base = None if any(b is None for b in bases.values()) else sum(bases.values())
    # Groups named as the table's columns name them (fixed words a report translates).
    result.group_bases = {group.capitalize(): bases[group] for group in groups}
    result.base_text = "; ".join(f"{group.capitalize()} "
                                 f"{disclosure.WITHHELD_MARK if bases[group] is None else f'{bases[group]:,}'}"
                                 for group in groups)


def run_breakdown(result: Result, spec_: dict, survey, place_names: dict[str, str], group_labels: dict[str, str]) -> None:
    """Synthesis only: categories by group (country or another question) and the test."""
    by = spec_["by"]
    question = spec_.get("question")
    query = spec_.get("population")
    data = population(survey.eligible, query)
    if spec_["kind"] == "numeric":
        mask = result.context["_mask"]
        values = pd.to_numeric(data[question], errors="coerce")
        keep = values.notna() & data[by].isin(list(mask.layout.places))
        groups = list(mask.layout.places)
        published = published_means(mask, data, spec_, survey_project(survey))
        means = pd.Series({g: published[g] for g in groups}, dtype=float)
        shown = {g: published[g] is not None for g in groups}
        for group in groups:
            result.record(f"{group}.mean", published[group], n=mask.count(f"{group}|*"), country=result.synthesis,
                          suppressed=not shown[group])
        result.context["by"] = Fields({g: fmt.fmt_mean(means[g]) if shown[g] else WITHHELD for g in groups})
        result.context["by_means"] = means.where(pd.Series({g: shown[g] for g in groups})).rename(index=group_labels)
        if spec_.get("test") == "anova":
            # Means and spreads, not counts: an F statistic pins no cell of respondents.
            result.test = stats.anova_oneway(values[keep], data.loc[keep, by])
            _record_test(result, "anova")
        return
    if spec_["kind"] == "multi":
        codes = spec_.get("options") or survey.instrument.codes(question)
        for code in codes:
            mask = (option_mask(survey, question, code, query) if by == "country"
                    else breakdown_mask(survey, question, code, by, query))
            groups = [g for g in mask.layout.places if g != NO_ANSWER]
            for group in groups:
                result.record_cell(mask, f"{group}|yes", f"{code}.{group}.pct", "percent",
                                   country=result.synthesis, of=share_base(mask, group))
            if spec_.get("test") == "chi2":
                test = stats.chi_square(mask.layout.counts.loc[["yes", "no"], groups])
                shown = _record_test(result, "chi2", [mask], prefix=f"{code}.", test=test)
                written = fmt.fmt_test(test, result.lang) if shown else WITHHELD
                result.context.setdefault("tests", Fields())[code] = written
        return
    mask = (question_mask(survey, question, query) if by == "country"
            else breakdown_mask(survey, question, None, by, query))
    labels = {**survey.instrument.choice_labels(question), **combination_labels(question, survey_project(survey))}
    answers = [c for c in mask.layout.categories if c != OUTSIDE]
    groups = [g for g in mask.layout.places if g != NO_ANSWER]
    # An answer nobody gave in any group is left out where the analyses ask it (``drop_empty``),
    # by a breakdown as by country: a row of zeros in every column says nothing.
    codes = (_rows_of(mask, question, _specs(survey)) if by == "country" else
             [c for c in answers if not (drops_empty(question, _specs(survey))
                                         and all(mask.count(f"{g}|{c}") == 0 for g in groups))])
    # The table by country shows what its chart draws (the select-one run decided it: beside_chart).
    charted = result.context.get("by_safe_shares") if by == "country" else None
    rows = codes if charted is None else [c for c in codes if labels.get(c, c) in set(charted.index)]
    columns = {}
    for group in groups:
        of = share_base(mask, group)
        column = {labels.get(c, c): mask.pct_n(f"{group}|{c}", of=of) for c in rows}
        column["Respondents"] = mask.base_n(of, style="n")
        columns[group_labels.get(group, group)] = column
    if by == "country" and len(groups) > survey_project(survey).study.many_countries:
        # Many countries: one row each (a table pages down; a column per country would
        # run off the page sideways).
        result.tables["by_" + by] = disclosure.table(
            {label: {group: column[label] for group, column in columns.items()} for label in
             [*(labels.get(c, c) for c in rows), "Respondents"]})
    else:
        result.tables["by_" + by] = disclosure.table(columns)
    _order_chart_by(result, mask, answers, codes, labels, groups, group_labels, by)
    for code in codes:
        for group in groups:
            result.record_cell(mask, f"{group}|{code}", f"{code}.{group}.pct", "percent", country=result.synthesis,
                               of=share_base(mask, group))
            result.record_cell(mask, f"{group}|{code}", f"{code}.{group}.n", country=result.synthesis)
    if by != "country":
        # The pooled column of this table is the question's own pooled column: recorded
        # with the cells it shares with the country table, for the audit to join the two.
        for code in codes:
            result.record_cell(mask, f"{POOLED}|{code}", f"{code}.all.n", country=result.synthesis)
    if spec_.get("test") == "chi2":
        result.test = stats.chi_square(mask.layout.counts.loc[answers, groups])
        _record_test(result, "chi2", [mask])


def _order_chart_by(result: Result, mask: Mask, answers: list[str], codes: list[str], labels: dict[str, str],
                    groups: list[str], group_labels: dict[str, str], by: str) -> None:
    """The synthesis's chart by group (``by_safe_shares``), its answers in the order the sentence lists them.

    By country, the select-one run decided which answers it draws (a combination in place of
    its parts where a country withholds one: :func:`run_single`); a combination is coloured
    after the answers, which keep the colours they have in every chart. By another question,
    the chart draws the answers.
    """
    charted = result.context.get("by_safe_shares") if by == "country" else None
    if charted is None:
        charted = pd.DataFrame(
            {group_labels.get(g, g): [mask.share(f"{g}|{c}", of=share_base(mask, g)) for c in answers] for g in groups},
            index=[labels.get(c, c) for c in answers], dtype=float)
        result.answers = {c: labels.get(c, c) for c in answers}
    else:
        result.answers = {c: labels.get(c, c) for c in [*answers, *(c for c in codes if c not in answers)]}
    # The answers in the order the sentence lists them (the chart's segments and legend).
    result.context["by_safe_shares"] = charted.loc[result.chart_rows({c: label for c, label in result.answers.items()
                                                                      if label in charted.index})]
