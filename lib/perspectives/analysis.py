"""The analysis engine: one entry of ``params/analyses.yml`` in, a published result out.

Purpose
    Every number, table and figure of the report sections comes from here, so that each
    kind of analysis is written once: select-one and select-multiple frequencies, sliders
    (bands, thresholds, means), batteries of ratings, one option list asked of two
    populations, each optionally broken down by country (or another grouping) with its
    test. The same code serves a national report (its country beside the all-country
    picture) and the synthesis (every country, plus the cross-country test).

    Small cells: this module holds no rule of its own. For each question it builds the
    full answers-by-country table once (:func:`~perspectives.analysis_masks.question_mask`), has
    :func:`perspectives.disclosure.suppress` compute its mask, and reads the table, the
    figure's shares, the narrative's numbers and the recorded values from that one mask. A
    national report therefore withholds exactly what the synthesis withholds in its column
    and in the pooled column; and as the rule decides each country's column on that
    country's rows alone, the same as a partner's build of that country alone. With one
    country in the data a national table has no pooled column (it would repeat the
    country's own).

    Bases (population differencing): every table's base is a set of a place's respondents
    (the analysis's population, those asked its question, those who answered an optional
    one), stated as atoms by :mod:`perspectives.populations`. :func:`~perspectives.analysis_masks.population_mask`
    decides which bases are published, as the cells of one more table; each table's base
    cell follows it and is tied to its atoms (``same_as``). Tables whose base is withheld
    somewhere are protected together with the bases' mask, in the order of
    ``params/analyses.yml`` (``analysis_masks._withheld_chain``). A crosstab written in a notebook
    counts, beside each group's answers, the group's respondents its question leaves out
    (a row never printed), tied to the grouping question's and the bases' masks.

    Sentences (``text`` in ``params/analyses.yml``, filled by :func:`~perspectives.analysis_results.fill`) take their orders
    from the data: :class:`~perspectives.analysis_results.Ranking` orders a question's answers by their published shares and
    says which leads only where the published numbers establish it; a withheld answer is never
    placed in a list. A share with its count never puts a pair of parentheses inside another.

    Declared combinations (``combine`` in ``params/analyses.yml``) replace their parts at a
    place where one part is small, before anything is withheld; the table's note says so.
    A mean is published on at least ``threshold`` respondents whether or not their count is
    (:func:`~perspectives.analysis_kinds.means_shown`).

Parts
    This module is the entry point (:func:`run`, :func:`crosstab`, :func:`warm_masks`; and
    ``load_specs``, ``spec`` and ``Result``, defined in the parts below). The engine's parts,
    each a module of its own: :mod:`perspectives.analysis_kinds` (each kind of analysis),
    :mod:`perspectives.analysis_tables` (the tables, combinations, rankings and tests the
    kinds share), :mod:`perspectives.analysis_masks` (every table's mask),
    :mod:`perspectives.analysis_results` (the result and its sentences) and
    :mod:`perspectives.analysis_subsets` (the specs and the cached row subsets).

Inputs
    The eligible completes (``SurveyData``), the analysis spec, the report code (ISO3 or
    ALL), the instrument for labels.

Outputs
    :class:`~perspectives.analysis_results.Result`: the published table (a :class:`perspectives.disclosure.PublishedTable`),
    the percentages drawn in the figure (NaN where withheld), the recorded values (name,
    value, n, country, and what cells they sum, for the audit), a narrative context whose
    fields format themselves through :mod:`perspectives.fmt`, and, in memory only, the
    values the mask withholds (``Result.withheld``).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from . import disclosure, stats

# Helpers of the sibling modules are imported under the private names this module's code
# called them by before analysis was split: the code moved unchanged.
from .analysis_kinds import run_breakdown as _breakdown
from .analysis_kinds import run_compare_multi as _compare_multi
from .analysis_kinds import run_multi as _multi
from .analysis_kinds import run_numeric as _numeric
from .analysis_kinds import run_ratings as _ratings
from .analysis_kinds import run_single as _single
from .analysis_masks import (
    NO_ANSWER,
    OUTSIDE,
    TableKey,
    breakdown_mask,
    chain_tables,
    option_mask,
    question_mask,
    share_base,
    tables_of,
)
from .analysis_results import Cell, Result
from .analysis_subsets import POOLED, load_specs, spec, survey_project, synthesis_code
from .analysis_subsets import countries_present as _countries
from .analysis_subsets import specs_of as _specs
from .analysis_tables import record_test as _record_test
from .files import name_process
from .instrument import Instrument

# load_specs, spec (from analysis_subsets) and Result (from analysis_results) stay names of
# this module: the engine's entry points are described by them.
__all__ = ["load_specs", "spec", "Result", "run", "crosstab", "warm_masks"]


def warm_masks(survey, workers: int = 1, extra: Sequence[Callable[[], Any]] = ()) -> None:
    """Compute every analysis's masks ahead of the runs (the build's server forks after this).

    Args:
        survey: the validated survey.
        workers: processes searching masks at once. With more than one (where ``os.fork``
            exists), the search is split on the withheld chain (``analysis_masks._withheld_chain``,
            the masks of the tables on a base withheld somewhere, each linked to every one
            before it): this process searches the chain and the tasks resting on it, forked
            children the tasks that do not (each taking the next task left, as does this
            process once the chain is done), and hand the small-cell rule's results back
            (:func:`perspectives.disclosure.save_decisions`); the masks are then built here from
            them. Split any other way, each process searched the chain again. No run starts
            before the masks are ready, so this is the start of every build's critical path.
        extra: more mask searches (each a call, resting on no table of the analyses), shared out
            with the questions'; the caller builds those masks itself afterwards, from the
            results found.
    """
    everyone = synthesis_code(survey)
    names = {c: c for c in _countries(survey)} | {everyone: everyone}
    ids = [a for a, s in _specs(survey).items() if a != "bands" and not s.get("synthesis_only")]
    if workers > 1 and hasattr(os, "fork"):
        chain = chain_tables(survey)  # the bases' mask, searched once here, before any fork
        on_chain, alone = [], list(extra)
        for tables, task in _mask_tasks(survey, ids, names):
            (on_chain if tables is None or chain.intersection(tables) else alone).append(task)
        failed = _search_in_parallel(alone, workers, first=on_chain)
    else:
        failed = []
    for analysis_id in ids:
        run(analysis_id, survey, everyone, names)
    if failed:  # searched here instead: the masks are right, the time was lost; the caller says so
        raise RuntimeError("; ".join(failed))


def _mask_tasks(survey, ids: list[str], names: dict[str, str]) -> list[tuple[list[TableKey] | None, Callable[[], Any]]]:
    """Split the analyses into tasks, one per mask, each with the tables its masks rest on.

    An analysis with several masks (each question of a battery, each option of a multi-select
    question) gives one task per mask; any other analysis gives one task. The tables are the
    keys of ``analysis_masks`` (:func:`~perspectives.analysis_masks.tables_of`); None for an
    analysis of a kind whose masks may link to any (a breakdown's links to its questions').
    """
    tasks: list[tuple[list[TableKey] | None, Callable[[], Any]]] = []
    everyone = synthesis_code(survey)
    for analysis_id in ids:
        spec_ = _specs(survey)[analysis_id]
        query = spec_.get("population")
        if spec_.get("kind") == "ratings":
            tasks += [([("single", q, None, query, False)], functools.partial(question_mask, survey, q, query))
                      for q in spec_["questions"]]
        elif spec_.get("kind") == "multi":
            codes = spec_.get("options") or survey.instrument.codes(spec_["question"])
            tasks += [([("multi", spec_["question"], c, query, False)],
                       functools.partial(option_mask, survey, spec_["question"], c, query)) for c in codes]
        else:
            tables = tables_of(survey, analysis_id, spec_) if spec_.get("kind") in _KINDS_OF_TABLES else None
            tasks.append((tables, functools.partial(run, analysis_id, survey, everyone, names)))
    return tasks


# The kinds whose run masks only the tables ``tables_of`` names (and the bases' mask).
_KINDS_OF_TABLES = frozenset({"single", "multi", "numeric", "ratings", "compare_multi"})


def _search_in_parallel(tasks: list[Callable[[], Any]], workers: int,
                        first: Sequence[Callable[[], Any]] = ()) -> list[str]:
    """Search the masks of ``first`` here, and of ``tasks`` in ``workers`` processes.

    ``workers - 1`` forked children and, once ``first`` is done, this process each take the next
    task not yet taken (a counter shared across the fork), so no task is searched twice and no
    process waits while tasks are left; the children's small-cell results come back. A child
    that fails prints its error on stderr; its masks are then searched here.

    Returns:
        What failed, a sentence per failed child (none: empty).
    """
    import multiprocessing
    import tempfile

    taken = multiprocessing.get_context("fork").Value("i", 0)

    def take() -> None:
        while True:
            with taken.get_lock():
                k = taken.value
                taken.value += 1
            if k >= len(tasks):
                return
            tasks[k]()

    children = []
    for _ in range(1, workers):
        fd, path = tempfile.mkstemp(prefix="perspectives-masks-", suffix=".json")
        os.close(fd)
        pid = os.fork()
        if pid == 0:
            _search_child(take, path)
        children.append((pid, path))
    try:
        for task in first:
            task()
        take()
        failed = [why for why in (_collect(pid, path) for pid, path in children) if why]
    finally:
        # A failed search or an interruption must not leave the children's files behind.
        for _pid, path in children:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
    return failed


def _search_child(take: Callable[[], None], path: str) -> None:
    """A forked search process: tasks until none is left, its results to ``path``, and out (never returns)."""
    import sys
    import traceback

    code = 1
    name_process("mask-search")
    try:
        take()
        disclosure.save_decisions(path)
        code = 0
    except BaseException:  # noqa: BLE001 - said here; the parent searches what is missing
        traceback.print_exc(file=sys.stderr)
    finally:
        sys.stderr.flush()
        os._exit(code)


def _collect(pid: int, path: str) -> str | None:
    """Wait for a search process and take its results; what failed, or None."""
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    disclosure.load_decisions(path)
    return f"a mask search process failed (exit {code}); its masks were searched by the run server" if code else None


def crosstab(survey, question: str, by: str, country: str, place_names: dict[str, str], *,
             name: str | None = None, test: str | None = None) -> Result:
    """A crosstab written in a notebook: answers to ``question`` by the groups of ``by``.

    It is computed among the report's respondents (one country, or every country for the
    synthesis) and published through the same kind of mask as every analysis, linked to the
    masks of ``question`` and ``by`` (:func:`breakdown_mask`): its table, figure, sentences and
    recorded values read that one mask. A select-multiple ``question`` gives one row per
    option (the share of each group who ticked it); a select-one question one row per answer.

    Args:
        survey: the validated survey.
        question: a question of the form (select-one or select-multiple).
        by: a select-one question of the form (the columns).
        country: the report: an ISO3 code or the synthesis code.
        place_names: display names of the places.
        name: the recorded values' prefix (default ``<question>_by_<by>``): the values are
            ``NAME.ANSWER.GROUP.n`` and ``.pct``, and ``NAME.ANSWER.all.n``.
        test: ``"chi2"`` for Pearson's chi-square test of independence on the full table
            (withheld, like a cell, when its table has a withheld cell).

    Returns:
        The result: ``table`` (groups' n (%) and all groups), ``shares`` (answers x groups, NaN
        where withheld), ``values``, ``withheld`` (in memory only), ``context`` (a Cell per
        ``ANSWER.GROUP`` recorded name, for sentences) and ``test``.

    Raises:
        KeyError: an unknown question.
        ValueError: ``by`` is not a select-one question, or ``test`` is not ``"chi2"``.
    """
    instrument = survey.instrument
    name = name or f"{question}_by_{by}"
    for asked in (question, by):
        if asked not in instrument.questions:
            raise KeyError(f"crosstab: {asked!r} is not a question of the form")
    if instrument[by].type != "select_one":
        raise ValueError(f"crosstab: group by a select-one question; {by!r} is {instrument[by].type}")
    if test not in (None, "chi2"):
        raise ValueError(f"crosstab: test must be 'chi2' or None, not {test!r}")
    result = Result(name, country, synthesis=synthesis_code(survey))
    multi = instrument[question].type == "select_multiple"
    codes = instrument.codes(question)
    # Every eligible complete: a crosstab of a sub-population would leave its complement to be
    # found by subtraction from the question's own tables, which nothing here links to it.
    rows = {c: breakdown_mask(survey, question, c, by, None, country) for c in codes} if multi \
        else dict.fromkeys(codes, breakdown_mask(survey, question, None, by, None, country))
    cell_of = (lambda code, group: f"{group}|yes") if multi else (lambda code, group: f"{group}|{code}")
    any_mask = next(iter(rows.values()))
    groups = [g for g in any_mask.layout.places if g != NO_ANSWER]
    labels, group_labels = instrument.choice_labels(question), instrument.choice_labels(by)
    # A count and its share in columns of their own: a share whose base is withheld can leave
    # its count publishable, and each is shown as the mask says. A share is of the group's
    # respondents that the question counts (its own base within the group).
    columns: dict[tuple[str, str], dict[str, disclosure.Entry]] = {}
    for group in [*groups, POOLED]:
        heading = group_labels.get(group, group) if group != POOLED else place_names[country]
        of = share_base(any_mask, group)
        columns[(heading, "n")] = {labels.get(c, c): rows[c].n(cell_of(c, group)) for c in codes}
        columns[(heading, "%")] = {labels.get(c, c): rows[c].pct(cell_of(c, group), of=share_base(rows[c], group))
                                   for c in codes}
        columns[(heading, "n")]["Respondents"] = any_mask.base_n(of)
        columns[(heading, "%")]["Respondents"] = disclosure.text("")
    result.table = disclosure.table(columns)
    result.shares = pd.DataFrame({group_labels.get(g, g): [rows[c].share(cell_of(c, g), of=share_base(rows[c], g))
                                                           for c in codes] for g in groups},
                                 index=[labels.get(c, c) for c in codes], dtype=float)
    result.base = any_mask.count(share_base(any_mask, POOLED))
    for code in codes:
        for group in groups:
            cell, of = cell_of(code, group), share_base(rows[code], group)
            result.record_cell(rows[code], cell, f"{code}.{group}.n")
            result.record_cell(rows[code], cell, f"{code}.{group}.pct", "percent", of=of)
            result.context[f"{name}.{code}.{group}"] = Cell(rows[code], cell, of)
        result.record_cell(rows[code], cell_of(code, POOLED), f"{code}.all.n")
        result.context[f"{name}.{code}.all"] = Cell(rows[code], cell_of(code, POOLED), share_base(rows[code], POOLED))
    if test == "chi2":
        inner = ["yes", "no"] if multi else [c for c in any_mask.layout.categories if c != OUTSIDE]
        counts = (pd.DataFrame({c: rows[c].layout.counts.loc["yes", groups] for c in codes}).T if multi
                  else any_mask.layout.counts.loc[inner, groups])
        result.test = stats.chi_square(counts)
        _record_test(result, "chi2", list({id(m): m for m in rows.values()}.values()))
    return result


def run(analysis_id: str, survey, country: str, place_names: dict[str, str], lang: str = "en") -> Result:
    """Compute one analysis for one report (ISO3 or the synthesis code).

    Args:
        analysis_id: A key of the survey's study's ``params/analyses.yml``.
        survey: The validated survey (``readers.SurveyData`` or its localised view).
        country: ISO3 code of a national report, or the synthesis code (``ALL``).
        place_names: Display names of the places, the synthesis code's included.
        lang: The report's language (the words a table's header joins).

    Returns:
        The result; ``result.withheld`` maps (recorded name, country) to the true value of
        each recorded value the mask withholds, for in-process comparisons only.
    """
    project = survey_project(survey)
    spec_ = spec(analysis_id, project)
    result = Result(analysis_id, country, synthesis=project.study.synthesis_code, lang=lang)
    kind = spec_["kind"]
    if kind == "single":
        _single(result, spec_, survey, place_names)
    elif kind == "multi":
        _multi(result, spec_, survey, place_names)
    elif kind == "numeric":
        _numeric(result, spec_, survey, place_names)
    elif kind == "ratings":
        _ratings(result, spec_, survey, place_names)
    elif kind == "compare_multi":
        _compare_multi(result, spec_, survey, place_names)
    else:
        raise ValueError(f"analysis {analysis_id!r}: unknown kind {kind!r}")
    if spec_.get("by") and country == result.synthesis:
        instrument: Instrument = survey.instrument
        group_labels = place_names if spec_["by"] == "country" else instrument.choice_labels(spec_["by"])
        _breakdown(result, spec_, survey, place_names, group_labels)
    masks = [t for t in [result.table, *result.tables.values()] if t is not None]
    settings = disclosure.settings(project=project)
    result.notes = [*disclosure.notes_for(masks, settings.threshold, settings.reliability_min_n), *result.notes_extra]
    result.context.pop("_mask", None)
    result.context.pop("_masks", None)
    return result
