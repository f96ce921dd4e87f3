"""The parts every kind of analysis assembles its result from, read from a mask.

Purpose
    A frequency table (an n and a % column per place, and the bases), the figure's shares,
    which places a report shows, the rows, labels and notes of declared combinations, the
    ranking of a single-choice question's answers for sentences, and whether and how a
    test's statistic is published (withheld with any cell of its table). Kept apart from the
    kinds (:mod:`perspectives.analysis_kinds`), which each combine these in their own way,
    and from the masks (:mod:`perspectives.analysis_masks`), which decide what is withheld.

Inputs
    Masks, the survey (for labels and its study), the analysis specs.

Outputs
    :class:`perspectives.disclosure.PublishedTable` objects, share frames, rankings and
    recorded test values.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

import pandas as pd

from . import disclosure, locales

# Helpers of the sibling modules are imported under the private names this module's code
# called them by before analysis was split: the code moved unchanged.
from .analysis_masks import asks_question as _asks
from .analysis_masks import declared_combinations as _combinations
from .analysis_masks import drops_empty as _drop_empty
from .analysis_results import Answer, Cell, Ranking, Result
from .analysis_subsets import POOLED, load_specs, survey_project, synthesis_code
from .analysis_subsets import countries_present as _countries
from .analysis_subsets import specs_of as _specs
from .disclosure import Mask
from .fmt import fmt_mean
from .project import Project


# --------------------------------------------------------------------------- tables
def place_columns(mask: Mask, cells: list[str], labels: dict[str, str], places: dict[str, str],
                   base_label: str = "Respondents") -> disclosure.PublishedTable:
    """A frequency table: for each place, an n and a % column; a row of bases."""
    columns: dict[tuple[str, str], dict[str, disclosure.Entry]] = {}
    for place, name in places.items():
        n_col = {labels.get(c, c): mask.n(f"{place}|{c}") for c in cells}
        p_col = {labels.get(c, c): mask.pct(f"{place}|{c}") for c in cells}
        n_col[base_label] = mask.base_n(f"{place}|*")
        p_col[base_label] = disclosure.text("")
        columns[(name, "n")] = n_col
        columns[(name, "%")] = p_col
    return disclosure.table(columns)


def place_map(country: str, names: dict[str, str], survey, mask: Mask | None = None) -> dict[str, str]:
    """Mask place -> column name: the report's own country, then the pooled picture.

    With one country in the data, a national report has no pooled column: it would repeat
    the country's own. Nor has it one where the table's population holds no respondent of
    another country (``mask``: the table's; the others' count is then zero, which may be
    published): a report never sets its country beside a figure that is its own by construction.
    """
    everyone = synthesis_code(survey)
    if country == everyone:
        return {POOLED: names[everyone]}
    if not pooled_shown(survey):
        return {country: names[country]}
    if mask is not None and mask.layout.value(f"{POOLED}|*") == mask.layout.value(f"{country}|*"):
        return {country: names[country]}
    return {country: names[country], POOLED: names[everyone]}


def pooled_shown(survey) -> bool:
    """Whether a national report shows the pooled picture beside its country (more than one country)."""
    return len(_countries(survey)) > 1


def rows_of(mask: Mask, question: str, specs: dict[str, Any]) -> list[str]:
    """A select-one table's rows: its answers (an empty one left out where asked), each combination after its parts."""
    codes = [c for c in mask.layout.categories
             if not (_drop_empty(question, specs) and mask.count(f"{POOLED}|{c}") == 0)]
    combinations = _combinations(question, specs)
    return combinations_below_parts([*codes, *combinations], combinations)


def combinations_below_parts(rows: Sequence[Any], combinations: dict[Any, Sequence[Any]],
                             drawn: Collection[Any] = ()) -> list[Any]:
    """The one place of a combination's row: right below the last of its parts, as its note says.

    ``rows`` in their order; ``combinations``: each combination's row -> its parts' rows;
    ``drawn``: the rows a chart draws, whose order the table keeps. A combination the chart draws
    (in place of its withheld parts) keeps its place and its parts move right above it; any
    other combination moves right below the last of its parts. The other rows keep their order;
    a combination none of whose parts is a row goes last.
    """
    out = [row for row in rows if row not in combinations]
    for name, members in combinations.items():
        if name not in rows:
            continue
        if name in drawn:
            parts = [m for m in members if m in out and m not in drawn]
            out = [row for row in out if row not in parts]
            # its place among the other rows: after the rows that came before it in ``rows``
            before = [row for row in rows[:list(rows).index(name)] if row in out]
            at = out.index(before[-1]) + 1 if before else 0
            out[at:at] = [*parts, name]
            continue
        present = [out.index(m) for m in members if m in out]
        out.insert(max(present) + 1 if present else len(out), name)
    return out


def combination_labels(question: str, project: Project | None = None) -> dict[str, str]:
    """The label of each combination of a question's small categories (``combine`` in its analyses).

    ``project``: the study folder whose analyses are meant (default: the one around the
    working directory).
    """
    return {str(name): str(combo["label"]) for analysis_id, spec_ in load_specs(project=project).items()
            if analysis_id != "bands" and _asks(spec_, question) and spec_.get("kind") != "numeric"
            for name, combo in (spec_.get("combine") or {}).items()}


def combination_label_texts(project: Project | None = None) -> tuple[str, ...]:
    """Every declared combination's label that holds words, and every battery item's short label.

    From ``combine`` and ``items`` in ``params/analyses.yml`` of ``project``: the rows these
    labels head are words a translated table or chart looks up in its catalogue.
    """
    specs = load_specs(project=project)
    combined = (str(combo["label"]) for analysis_id, spec_ in specs.items()
                if analysis_id != "bands" for combo in (spec_.get("combine") or {}).values())
    items = (str(item["label"]) for spec_ in specs.values() for item in (spec_.get("items") or {}).values())
    return tuple(dict.fromkeys(label for label in (*combined, *items) if any(ch.isalpha() for ch in label)))


def combination_notes(question: str, labels: dict[str, str], project: Project | None = None,
                      shown: Collection[str] | None = None) -> list[str]:
    """The table note saying which categories are also shown combined, and why (``project``: see :func:`combination_labels`).

    ``shown``: the answer codes the table shows (default: every one); a combination not among them has no note.
    """
    notes = []
    for name, members in _combinations(question, load_specs(project=project)).items():
        if shown is not None and name not in shown:
            continue
        notes.append(combination_note(combination_labels(question, project)[name],
                                      [labels.get(m, m) for m in members]))
    return notes


def combination_note(label: str, parts: list[str]) -> str:
    """The note of one declared combination: what it counts together."""
    listed = locales.join([f"'{p}'" for p in parts], "en")
    return f"'{label}' counts {listed} together."


def place_shares(mask: Mask, cells: list[str], labels: dict[str, str], places: dict[str, str]) -> pd.DataFrame:
    """The shares a figure draws: a column per place, NaN where withheld."""
    frame = pd.DataFrame({name: [mask.share(f"{place}|{c}") for c in cells] for place, name in places.items()},
                         index=[labels.get(c, c) for c in cells], dtype=float)
    return frame


def chart_combinations(question: str, labels: dict[str, str], project: Project | None = None) -> dict[str, list[str]]:
    """A question's declared combinations by label: combination label -> its members' labels."""
    return {labels.get(name, name): [labels.get(m, m) for m in members]
            for name, members in _combinations(question, load_specs(project=project)).items()}


def recoded_for_chart(shares: pd.DataFrame, combinations: dict[str, list[str]]) -> pd.DataFrame:
    """A chart's rows with each combination drawn instead of its members in every series, or not at all.

    The one rule of what a chart of combined answers draws; the sentence beside it names what
    it draws (:func:`single_ranking`'s ``drawn``, the ``drawn: false`` of the values not drawn,
    which the summary and the recommendations' evidence read). A table may show a combination
    beside its members: a country whose members are withheld publishes their combination,
    while the pooled column publishes the members too. A chart compares its series answer by
    answer, so every series draws the same answers, and each series' bars must add up to its
    whole: where any series has a member withheld while the combination is published, every
    series draws the combination and none its members (global recoding, Hundepool et al. 2012,
    4.2), so that no bar is left short of what the sentence states; where none needs it, the
    chart draws the members. The table keeps every row. Every value drawn is one the table
    publishes, so the chart tells nothing the table does not.

    Args:
        shares: the chart's shares, a row per answer label, a column per series (NaN: withheld).
        combinations: combination label -> its members' labels.

    Returns:
        ``shares`` less the rows not drawn, in the same order.
    """
    dropped: set[str] = set()
    for label, members in combinations.items():
        parts = [m for m in members if m in shares.index]
        if label not in shares.index or not parts:
            continue
        dropped.update(parts if draws_combination(shares.loc[label], shares.loc[parts]) else [label])
    return shares.loc[[row for row in shares.index if row not in dropped]]


def draws_combination(whole: pd.Series, parts: pd.DataFrame) -> bool:
    """Whether a chart draws a combination in place of its parts (see :func:`recoded_for_chart`).

    Args:
        whole: the combination's share in each series (NaN: withheld).
        parts: its parts' shares, a row per part, the same series as columns.
    """
    return bool((whole.notna() & parts.isna().any()).any())


def redundant_combinations(mask: Mask, combos: dict[str, Any], places: Collection[str]) -> list[str]:
    """The combinations a table need not print: every part published in every column.

    A combination stands in for parts a small cell would withhold; where no column withholds
    any of them, its row only repeats their sum (Mexico's boys' caseload: "26-89%" printed
    beside 26-50% and 51-89% in both columns). Leaving it out publishes nothing new.

    Args:
        mask: the question's disclosure mask (cells ``place|code``).
        combos: combination code -> its spec (``members``: the parts' codes).
        places: the table's places (mask place codes, ``*`` for all countries).

    Returns:
        The codes of the combinations whose parts are all shown in every place.
    """
    return [name for name, combo in combos.items()
            if all(mask.shown(f"{place}|{member}") for place in places for member in combo["members"])]


def beside_chart(table: disclosure.PublishedTable, not_drawn: Collection[Any]) -> disclosure.PublishedTable:
    """The table a chart stands for: less the rows of the answers its chart does not draw.

    One decision says what a chart of combined answers draws (:func:`recoded_for_chart`, global
    recoding): the table follows it, so that a chart and its table (beside it in HTML, in the
    annex) never disagree about what is combined. A combination the chart draws in place of its
    parts is a row of the table and its parts are not (none of them in any column: a country
    whose parts are published shows them nowhere a reader would set them against the chart); a
    combination the chart does not draw (its parts drawn) is no row. Leaving rows out publishes
    nothing new: every value kept was published before, so no small cell becomes recoverable.

    Args:
        table: the published table, a row per answer label (and the bases' row).
        not_drawn: the labels of the rows the chart does not draw.

    Returns:
        ``table`` less those rows; the entries move with their rows.
    """
    dropped = set(not_drawn)
    keep = [i for i, label in enumerate(table.frame.index) if label not in dropped]
    moved = {old: new for new, old in enumerate(keep)}
    return disclosure.PublishedTable(table.frame.iloc[keep],
                                     {(moved[i], j): entry for (i, j), entry in table.entries.items() if i in moved},
                                     table.notes)


def drawn_codes(shares: pd.DataFrame | None, rows: dict[str, str]) -> list[str] | None:
    """The answer codes a chart draws (``rows``: code -> the label heading its row), None without a chart."""
    if shares is None:
        return None
    return [code for code, label in rows.items() if label in set(shares.index)]


# --------------------------------------------------------------------------- means
MEAN_ROW = "Mean (%)"


def mean_entry(mean: float | None) -> disclosure.Entry:
    """A published mean as a table prints it (:func:`perspectives.analysis_kinds.published_means`): the house formatter's mean, or the withheld mark."""
    return disclosure.text(disclosure.WITHHELD_MARK if mean is None else fmt_mean(mean))


def with_means(table: disclosure.PublishedTable, means: dict[str, float | None]) -> disclosure.PublishedTable:
    """A banded slider's table with a last row of each place's mean, in its % column.

    The sentence gives the report's place's mean where :func:`perspectives.analysis_kinds.published_means` publishes it;
    the table prints the same value, so that a place whose bands and base are all withheld
    still shows the one number the text gives (and its column is readable:
    :meth:`perspectives.disclosure.PublishedTable.unreadable`).

    Args:
        table: the bands' table, columns ``(place name, "n")`` and ``(place name, "%")``.
        means: place name -> its published mean (%), None where withheld.
    """
    row = [mean_entry(means.get(col[0])).text if col[1] == "%" else "" for col in table.frame.columns]
    frame = pd.concat([table.frame, pd.DataFrame([row], index=[MEAN_ROW], columns=table.frame.columns, dtype=object)])
    return disclosure.PublishedTable(frame, dict(table.entries), table.notes)


# --------------------------------------------------------------------------- rankings for sentences
def english_labels(survey, question: str) -> dict[str, str]:
    """A select question's English answer labels (the catalogue's keys), whatever the report's language."""
    instrument = survey.instrument
    return {choice.name: choice.label for choice in instrument.choices[instrument[question].list_name or ""]}


def compared_answers(spec_: dict, codes: Sequence[str]) -> list[str]:
    """The answers a sentence compares: ``rank:`` (else every answer), less ``exclude:``."""
    chosen = [str(c) for c in spec_.get("rank") or codes]
    unknown = sorted(set(chosen) - set(codes))
    if unknown:
        raise ValueError(f"rank: {unknown} are not answers of the analysis; known: {list(codes)}")
    return [c for c in chosen if c not in {str(e) for e in spec_.get("exclude") or []}]


SCALE_ORDER = "scale"  # ``order: scale``: the answers are a scale, drawn in its order


def rank_fields(result: Result, ranking: Ranking, spec_: dict, rows: dict[str, str],
                combinations: dict[str, list[str]] | None = None) -> None:
    """Give a result's sentence its ``{top}``, ``{then}`` and ``{ranked}`` fields, and its chart their order.

    Args:
        result: the analysis's result; its ``shares`` (one row per answer) and its table's
            answer rows are put in the sentence's order, unless the entry keeps its scale's
            order (``order: scale``).
        ranking: the answers the sentence compares, ranked.
        spec_: the analysis's entry of ``params/analyses.yml``.
        rows: answer code -> the label heading its row of ``result.shares``, in the form's order.
        combinations: the declared combinations among ``rows`` (code -> its parts' codes).
    """
    result.context.update({role: ranking.field(role) for role in ("top", "then", "ranked", "shares")})
    if spec_.get("order") != SCALE_ORDER:
        result.ranking = ranking
    if result.shares is not None:
        result.shares = result.shares.loc[[r for r in result.chart_rows(rows) if r in result.shares.index]]
    if result.table is not None and result.ranking is not None:
        # The table behind the chart (the annex's, and the one beside it in HTML) in the chart's
        # order, but for a combination's row the chart does not draw: below its parts, where its
        # note says it is. A combination the chart draws keeps the chart's place.
        drawn = set(result.shares.index) if result.shares is not None else set()
        labels = {rows[name]: [rows[m] for m in members if m in rows]
                  for name, members in (combinations or {}).items() if name in rows}
        result.table = result.table.rows_in_order(combinations_below_parts(result.chart_rows(rows), labels, drawn))


def single_ranking(survey, spec_: dict, mask: Mask, question: str, own: str,
                   drawn: Collection[str] | None = None) -> Ranking:
    """A single-choice question's answers ranked at a place (``own``: a country, or ``*`` pooled).

    One answer each: a withheld answer holds at most what the published answers leave, and at
    most what its combination holds beyond its published parts where the combination is shown.
    ``drawn``: the answer codes the result's chart draws (None: no chart). A combination the
    chart draws in place of its parts is the one answer the sentence names for them, so that
    the sentence and the chart speak of the same categories (the parts stay in the table).
    """
    codes = survey.instrument.codes(question)
    labels, english = survey.instrument.choice_labels(question), english_labels(survey, question)
    members = _combinations(question, _specs(survey))
    names = combination_labels(question, survey_project(survey))
    instead = {name: parts for name, parts in members.items()
               if drawn is not None and name in drawn and not set(parts) & set(drawn)}
    hidden_parts = {p for parts in instead.values() for p in parts}
    answers = [Answer(c, labels[c], english.get(c, labels[c]), Cell(mask, f"{own}|{c}"), k)
               for k, c in enumerate(codes) if c in compared_answers(spec_, codes) and c not in hidden_parts]
    shares = {c: mask.share(f"{own}|{c}") for c in codes}
    rest = 100.0 - sum(s for s in shares.values() if s is not None)
    bounds = {c: rest for c in codes if shares[c] is None}
    combos = []
    for name, parts in members.items():
        cell = Cell(mask, f"{own}|{name}")
        order = max(codes.index(p) for p in parts) + 0.5
        # Bands of a scale together are a band of it; other answers together are no one answer.
        combined = spec_.get("order") != SCALE_ORDER
        if name in instead:
            answers.append(Answer(name, names[name], names[name], cell, order, words=True, combined=combined))
            if cell.percent is None:
                bounds[name] = rest
            continue
        combos.append(Answer(name, names[name], names[name], cell, order, words=True, combined=combined))
        if cell.percent is not None:
            beyond = cell.percent - sum(shares[p] or 0.0 for p in parts)
            bounds.update({p: min(bounds[p], beyond) for p in parts if p in bounds})
    return Ranking(answers, combos, members, bounds, spec_.get("list"))


# --------------------------------------------------------------------------- tests
def test_publishable(masks: Iterable[Mask]) -> bool:
    """Whether a test over these masks' tables may be published.

    A test statistic is a function of every cell of its table: with the published margins,
    a statistic printed to two decimals has been shown to pin a withheld cell of 1 exactly
    (one table of counts fits both). So a test is published only when every cell and base
    of its table is published; otherwise it is withheld like the cells.
    """
    for mask in masks:
        lay = mask.layout
        for place in lay.places:
            for cell in [f"{place}|*", *(f"{place}|{c}" for c in lay.categories)]:
                if cell in lay.cells and not mask.shown(cell):
                    return False
    return True


def test_cells(masks: Sequence[Mask]) -> dict[str, Any]:
    """What a test's table counts, as a recorded value's ``cells`` (for the audit)."""
    lay = masks[0].layout
    return {"universe": lay.universe if len(masks) == 1 else sorted({m.universe for m in masks}),
            "places": list(lay.places), "categories": sorted({c for m in masks for c in m.layout.categories})}


def record_test(result: Result, name: str, masks: Sequence[Mask] = (), prefix: str = "",
                 test: Any = None) -> bool:
    """Record a test's statistic, df and p; return whether it is published.

    The test is withheld when its table has a withheld cell. ``test`` defaults to
    ``result.test``.
    """
    test = result.test if test is None else test
    shown = test_publishable(masks)
    parts = {"stat": test.statistic}
    if hasattr(test, "df_between"):
        parts.update(df1=test.df_between, df2=test.df_within)
    else:
        parts["df"] = test.df
    parts["p"] = test.p
    extra = {"measure": "test", "cells": test_cells(masks)} if masks else {}
    for part, value in parts.items():
        full = f"{prefix}{name}.{part}"
        if shown:
            result.record(full, value, n=test.n if part == "stat" else None, country=result.synthesis, **extra)
        else:
            result.record(full, None, n=None, country=result.synthesis, suppressed=True, **extra)
            result.withheld[(f"{result.analysis_id}.{full}", result.synthesis)] = value
    if test is result.test:
        result.test_withheld = not shown
    return shown


# --------------------------------------------------------------------------- what a table says
WITHHELD_RULE = "withheld"   # most of its numbers read the withheld mark (``tables.max_withheld_share``)
UNIFORM_RULE = "uniform"     # every cell reads the same (``tables.min_distinct_cells``)


def _readings(frame: pd.DataFrame) -> list[str]:
    """The table's cells as a reader reads them, less the empty ones (a base row's share column)."""
    return [str(v).strip() for v in frame.to_numpy().ravel() if str(v).strip() not in ("", "nan")]


def withheld_share(frame: pd.DataFrame) -> float:
    """The share of a table's printed cells that read the withheld mark (0 for a table of no cells)."""
    cells = _readings(frame)
    return sum(c == disclosure.WITHHELD_MARK for c in cells) / len(cells) if cells else 0.0


def table_rule(study: Any) -> tuple[float, int]:
    """The study's rule for a table said in a sentence (``tables`` in ``params/study.yml``).

    Returns:
        ``max_withheld_share`` (default 0.5) and ``min_distinct_cells`` (default 2).
    """
    block = study.raw.get("tables") or {}
    return float(block.get("max_withheld_share", 0.5)), int(block.get("min_distinct_cells", 2))


def study_sentence_rule(study: Any, frame: pd.DataFrame) -> str | None:
    """:func:`sentence_rule` under the study's own settings (:func:`table_rule`): the one call of the reports."""
    return sentence_rule(frame, *table_rule(study))


def sentence_rule(frame: pd.DataFrame, max_withheld_share: float, min_distinct_cells: int) -> str | None:
    """Why a table in the body is said in a sentence rather than printed, or None to print it.

    The one rule (``tables`` in ``params/study.yml``): a table more than ``max_withheld_share``
    of whose cells read the withheld mark (:data:`WITHHELD_RULE`), or whose two or more cells
    read fewer than ``min_distinct_cells`` different things, "some" in every row
    (:data:`UNIFORM_RULE`). Either way the reader learns more from one sentence.
    """
    cells = _readings(frame)
    if not cells:
        return None
    if withheld_share(frame) > max_withheld_share:
        return WITHHELD_RULE
    if len(cells) >= 2 and len(set(cells)) < min_distinct_cells:
        return UNIFORM_RULE
    return None


def _row_categories(table: disclosure.PublishedTable) -> dict[int, tuple[str, frozenset[str]]]:
    """Each row's question and the answers its cells count (a base's row left out)."""
    out: dict[int, tuple[str, frozenset[str]]] = {}
    for (i, _), entry in sorted(table.entries.items()):
        for _, mask, cell, _ in entry.refs:
            if cell.rpartition("|")[2] == "*" or cell not in mask.layout.cells:
                continue
            out.setdefault(i, (mask.universe, frozenset(mask.layout.cells[cell][1])))
    return out


def subtotals(table: disclosure.PublishedTable) -> dict[int, list[int]]:
    """The rows that add up other rows of the table (a combination printed beside its parts), with those rows.

    Read from what the cells count, not from labels: row ``i`` is a subtotal where its cells
    count two or more answers of a question and other rows of the table count some of them.

    Returns:
        Row position -> the positions of the rows it adds up, in the table's order.
    """
    rows = _row_categories(table)
    out: dict[int, list[int]] = {}
    for i, (universe, answers) in rows.items():
        if len(answers) < 2:
            continue
        parts = [k for k, (u, a) in sorted(rows.items()) if k != i and u == universe and a < answers]
        if parts:
            out[i] = parts
    return out


def published_cells(frame: pd.DataFrame, places: Collection[str] = ()) -> list[tuple[str, str, list[str]]]:
    """What a table publishes, for the sentence said in its place: (column group, row, its printed cells).

    A column group is the first level of a table's columns; in a table of one level, a column
    named by one of ``places`` is its own group and the others (a count and its share) one, named "".

    Only cells the table prints (neither the withheld mark nor empty), so the sentence
    gives no number the table would not have given.
    """
    groups: dict[str, list[int]] = {}
    for j, label in enumerate(frame.columns):
        name = str(label[0]) if isinstance(label, tuple) else str(label) if str(label) in places else ""
        groups.setdefault(name, []).append(j)
    out = []
    for group, positions in groups.items():
        for i, row in enumerate(frame.index):
            values = [str(frame.iat[i, j]).strip() for j in positions]
            shown = [v for v in values if v not in ("", "nan", disclosure.WITHHELD_MARK)]
            if shown:
                out.append((group, str(row).replace("\u2060", "").strip(), shown))
    return out
