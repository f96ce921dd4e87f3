"""The one mask of each table: every question's, option's and slider's counts by country, and the bases'.

Purpose
    For each question the full answers-by-country table is built once and
    :func:`perspectives.disclosure.suppress` computes its mask (:func:`question_mask`,
    :func:`option_mask`, :func:`numeric_mask`); :func:`population_mask` decides which bases
    are published, each table's base cells are tied to it, and tables on a base withheld
    somewhere are protected together in the order of ``params/analyses.yml``
    (``_withheld_chain``). :func:`breakdown_mask` links a crosstab to the masks of its two
    questions. Declared combinations (``combine``) replace their parts at a place where one
    part is small. Kept apart from what the analyses print from these masks
    (:mod:`perspectives.analysis_tables`, :mod:`perspectives.analysis_kinds`): here is
    every decision of what is withheld.

Inputs
    The eligible completes (``SurveyData``), the analysis specs, the instrument.

Outputs
    :class:`perspectives.disclosure.Mask` objects, cached per survey frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import disclosure, populations, stats
from .analysis_subsets import POOLED, cached_for_frame, load_specs, population, spec, survey_project, synthesis_code

# Helpers of the sibling modules are imported under the private names this module's code
# called them by before analysis was split: the code moved unchanged.
from .analysis_subsets import countries_present as _countries
from .analysis_subsets import country_rows as _country_rows
from .analysis_subsets import own_place as _own
from .analysis_subsets import rules_of as _rules
from .analysis_subsets import specs_of as _specs
from .disclosure import Mask
from .project import Project


# --------------------------------------------------------------------------- masks
def _count_table(values: pd.Series, groups: pd.Series, rows: list, cols: list) -> pd.DataFrame:
    """Count respondents by ``rows x cols`` in one pass (every mask starts here).

    Respondents missing either value are left out, as :func:`perspectives.stats.crosstab`
    counts them.
    """
    both = values.notna() & groups.notna()
    r = pd.Categorical(values[both], categories=rows).codes
    c = pd.Categorical(groups[both], categories=cols).codes
    if (r < 0).any() or (c < 0).any():
        raise ValueError(f"values outside the declared categories in {values.name!r} by {groups.name!r}")
    flat = np.bincount(r.astype(np.int64) * len(cols) + c, minlength=len(rows) * len(cols))
    return pd.DataFrame(flat.reshape(len(rows), len(cols)), index=list(rows), columns=list(cols))


def _groups(question: str, specs: dict[str, Any]) -> dict[str, list[str]]:
    """Published sums of a question's answers that some analysis shows (a rating's "poor or none")."""
    groups: dict[str, list[str]] = {}
    for analysis_id, spec_ in specs.items():
        if analysis_id == "bands" or spec_.get("kind") != "ratings" or question not in spec_["questions"]:
            continue
        for side in ("top", "bottom"):
            members = [str(m) for m in spec_.get(side) or []]
            if members and groups.setdefault(side, members) != members:
                raise ValueError(f"analyses give {question!r} two different {side!r} groups")
    return groups


def drops_empty(question: str, specs: dict[str, Any]) -> bool:
    """Whether an analysis of ``question`` leaves an answer nobody gave out of its table (``drop_empty``)."""
    return any(s.get("drop_empty") for k, s in specs.items()
               if k != "bands" and s.get("question") == question)


def declared_combinations(question: str, specs: dict[str, Any]) -> dict[str, list[str]]:
    """The combinations of small categories declared for a question (``combine`` in its analyses).

    Each is published as a total of its own in preference to its parts (the rule withholds a
    part before the total), so a small answer costs its neighbours less.
    """
    found: dict[str, list[str]] = {}
    for analysis_id, spec_ in specs.items():
        if analysis_id == "bands" or not asks_question(spec_, question) or spec_.get("kind") == "numeric":
            continue
        for name, combo in (spec_.get("combine") or {}).items():
            members = [str(m) for m in combo["members"]]
            if found.setdefault(str(name), members) != members:
                raise ValueError(f"analyses give {question!r} two different combinations named {name!r}")
    return found


def population_mask(survey) -> Mask:
    """The one mask of the bases: each place's respondents by atom, every base a cell of it.

    Every base a table publishes is a set of a place's eligible respondents
    (:mod:`perspectives.populations`); this mask decides which of them are published, so that
    no difference of published bases fixes a small group (population differencing). The
    eligible respondents of each place stay published (the sample flow prints them); the
    other bases are tried in the order of the cells resting on them, most first.
    """
    data = survey.eligible

    def compute() -> Mask:
        found = populations.structure(survey.instrument, _specs(survey))
        places = _countries(survey)
        counts = populations.counts(data, found, places, survey.instrument)
        first_use = {key: k for k, key in enumerate(_base_keys_in_order(survey))}
        order = sorted(found.sets, key=lambda key: (-found.weights[key], first_use.get(key, 0), key))
        lay = disclosure.layout(populations.POPULATION, counts, shown=[], groups={k: found.sets[k] for k in order},
                                base_order=order, published=[f"{p}|*" for p in [*places, POOLED]])
        return disclosure.suppress(lay, rules=_rules(survey))

    return cached_for_frame(data, "mask", "population", compute)


def _base_keys_in_order(survey) -> list[str]:
    """Every base's key, in the order the analyses first use it."""
    found = populations.structure(survey.instrument, _specs(survey))
    keys = []
    for _, base, _ in populations.base_questions(_specs(survey), survey.instrument):
        key = populations.base_key(populations.atoms_of(base, found, survey.instrument), found)
        if key not in keys:
            keys.append(key)
    return keys


@dataclass(frozen=True)
class _Ties:
    """How a table's base cells stand to the population mask: forced states, ties, and the link."""

    published: list[str]
    withheld: list[str]
    same_as: dict[str, tuple[str, list[str], list[str]]]
    linked: list[Mask]


def _base_ties(survey, base: populations.Base, places: list[str], counts: pd.DataFrame,
               cells: dict[str, str] | None = None) -> _Ties:
    """Tie a table's base cells (each place's ``place|*`` and the pooled ``*|*``) to the bases' mask.

    Args:
        survey: the validated survey.
        base: the table's base (its population, question, and how it counts non-answers).
        places: the table's places.
        counts: the table's counts (categories x places), to check that they count the base.
        cells: the table's cells to tie, by place (default ``place|*``).

    Returns:
        Each tied cell published or withheld as the bases' mask decides, its ``same_as`` (the
        base's atoms, for the audit and for the rule), and the bases' mask to link to when a
        base is withheld somewhere (the table must then not give it back).

    Raises:
        RuntimeError: the table does not count the respondents its base describes (a bug in
            the bases' structure, caught here rather than published).
    """
    pop = population_mask(survey)
    key, atoms = populations.base_of(survey.instrument, _specs(survey), base)
    group = populations.EVERYONE if key == populations.EVERYONE else key
    out = _Ties([], [], {}, [])
    # Each place's total once (a pandas selection per place was most of a hundred countries' warm-up).
    totals = dict(zip(counts.columns, counts.to_numpy().sum(axis=0).tolist(), strict=True))
    for place in [*places, POOLED]:
        cell = (cells or {}).get(place, f"{place}|*")
        own = places if place == POOLED else [place]
        expected = pop.layout.value(f"{place}|{group}")
        got = int(sum(totals[p] for p in own)) if cell.endswith("|*") else None
        if got is not None and got != expected:
            raise RuntimeError(f"{base}: the table counts {got} at {place}, its base's atoms {expected}")
        (out.published if pop.shown(f"{place}|{group}") else out.withheld).append(cell)
        out.same_as[cell] = (populations.POPULATION, own, list(atoms))
    if out.withheld:
        out.linked.append(pop)
    return out


def question_mask(survey, question: str, query: str | None) -> Mask:
    """The one mask of a select-one question: answers by country, with the pooled column.

    Every analysis of the question (its frequencies, a rating battery's groups, the
    synthesis's breakdown by country) reads this mask, computed once per process. Its bases
    are published or withheld as the bases' mask decides (:func:`population_mask`).
    """
    data = population(survey.eligible, query)

    def compute() -> Mask:
        codes = survey.instrument.codes(question)
        if question == COUNTRY_QUESTION:
            # The countries by country are a diagonal: each answer is its own place. The one
            # pooled column holds all there is to publish, with one leaf per country instead
            # of a square of places by countries (whose size grows with the square of the
            # number of countries, and the search with its cube).
            pooled = pd.Series(POOLED, index=data.index, name="country")
            counts = _count_table(data[question], pooled, codes, [POOLED])
            # Each country's count is its eligible respondents: all the atoms of its bases.
            atoms = list(populations.structure(survey.instrument, _specs(survey)).atoms)
            present = _countries(survey)
            same_as = {f"{POOLED}|{c}": (populations.POPULATION, [c], atoms) for c in present}
            same_as[f"{POOLED}|*"] = (populations.POPULATION, present, atoms)
            return disclosure.suppress(disclosure.layout(question, counts, pooled=False, same_as=same_as),
                                       rules=_rules(survey))
        return _protect(survey, ("single", question, None, query, False), *_question_layout(survey, question, query))

    return cached_for_frame(data, "mask", f"single:{question}", compute)


def _question_layout(survey, question: str, query: str | None) -> tuple[disclosure.Layout, _Ties]:
    data = population(survey.eligible, query)
    places = _countries(survey)
    counts = _count_table(data[question], data["country"], survey.instrument.codes(question), places)
    ties = _base_ties(survey, populations.Base(query, question), places, counts)
    combos = declared_combinations(question, _specs(survey))
    lay = disclosure.layout(question, counts, groups={**_groups(question, _specs(survey)), **combos},
                            first=list(combos), published=ties.published, withheld=ties.withheld,
                            same_as=ties.same_as, combined=_combined(counts, combos, _rules(survey).threshold),
                            shares_alone=question not in broken_down(_specs(survey)))
    return lay, ties


def _combined(counts: pd.DataFrame, combos: dict[str, list[str]], t: int) -> list[str]:
    """The parts of each declared combination at the places where one part is small (1 to ``t``-1).

    There the combination replaces its parts: a small answer is combined with its neighbours
    before anything is withheld. Each place is judged on its own counts (the pooled place on
    the pooled ones), so a country's table depends on its rows alone.
    """
    cells = []
    for members in combos.values():
        members = [m for m in members if m in counts.index]
        small = [p for p in counts.columns if any(1 <= int(counts.at[m, p]) < t for m in members)]
        pooled = counts.loc[members].sum(axis=1)
        # The pooled column combines where it is small itself, or where exactly one country
        # combines: the others' parts are printed, so the pooled parts would give that country's
        # back. With several countries combining, the rule decides the pooled parts as any cell.
        if len(small) == 1 or any(1 <= int(v) < t for v in pooled):
            small.append(POOLED)
        cells += [f"{place}|{m}" for place in small for m in members]
    return cells


TableKey = tuple[str, str, str | None, str | None, bool]  # kind, question, option, population, whole population


def _protect(survey, key: TableKey, lay: disclosure.Layout, ties: _Ties) -> Mask:
    """A table's mask: alone where its base is published everywhere, else from the chain.

    A table of no analysis (a notebook's) on a withheld base is protected with the whole chain.
    """
    if not ties.withheld:
        return disclosure.suppress(lay, rules=_rules(survey))
    chain = _withheld_chain(survey)
    if key in chain:
        return chain[key]
    return disclosure.suppress(lay, linked=[population_mask(survey), *chain.values()], rules=_rules(survey))


def analysis_population(question: str, project: Project | None = None) -> str | None:
    """The population the analyses ask ``question`` of (the first analysis of it), or None.

    ``project``: the study folder whose analyses are meant (default: the one around the
    working directory).
    """
    for analysis_id, spec_ in load_specs(project=project).items():
        if analysis_id != "bands" and asks_question(spec_, question):
            return spec_.get("population")
    return None


def tables_of(survey, analysis_id: str, spec_: dict) -> list[TableKey]:
    """The tables of one analysis whose base is a sub-population (none for a kind of no such table)."""
    kind, query = spec_.get("kind"), spec_.get("population")
    if kind == "compare_multi":
        return [("multi", question, c, spec_["populations"][group], True)
                for group, question in spec_["questions"].items() for c in survey.instrument.codes(question)]
    if kind == "ratings":
        return [("single", q, None, query, False) for q in spec_["questions"]]
    if kind == "single" and spec_["question"] != COUNTRY_QUESTION:
        return [("single", spec_["question"], None, query, False)]
    if kind == "multi":
        return [("multi", spec_["question"], c, query, False) for c in survey.instrument.codes(spec_["question"])]
    if kind == "numeric":
        return [("numeric", analysis_id, None, query, False)]
    return []


def _tables_in_order(survey) -> list[TableKey]:
    """Every table of the analyses whose base is a sub-population, in the order of ``params/analyses.yml``."""
    keys: list[TableKey] = []
    for analysis_id, spec_ in _specs(survey).items():
        if analysis_id != "bands":
            keys += tables_of(survey, analysis_id, spec_)
    return list(dict.fromkeys(keys))


def _layout_of(survey, key: TableKey) -> tuple[disclosure.Layout, _Ties]:
    kind, question, code, query, whole = key
    if kind == "single":
        return _question_layout(survey, question, query)
    if kind == "multi":
        return _option_layout(survey, question, code, query, whole)
    return _numeric_layout(survey, spec(question, survey_project(survey)))


def chain_tables(survey) -> frozenset[TableKey]:
    """The tables whose masks the withheld chain holds (:func:`_withheld_chain`), without searching it.

    A table is in the chain when the bases' mask withholds its base somewhere: read from its
    layout's ties to :func:`population_mask` (computed here when missing). A mask search that
    stays off these tables never searches the chain (the build's warm-up splits its search on it).
    """
    return cached_for_frame(survey.eligible, "tables", "withheld-chain",
                            lambda: frozenset(k for k in _tables_in_order(survey) if _layout_of(survey, k)[1].withheld))


def _withheld_chain(survey) -> dict[TableKey, Mask]:
    """The masks of every table resting on a base the bases' mask withholds somewhere.

    They are protected together with the bases' mask, one after the other in a fixed order
    (``params/analyses.yml``), each with every one before it: two tables on one withheld base
    each give a sum of their own cells for it, and only together do they say what the
    attacker learns. The order and the set depend on the analyses, not on which table a run
    asks for first, so every run gets the same masks.
    """
    def compute() -> dict[TableKey, Mask]:
        done: dict[TableKey, Mask] = {}
        pop = population_mask(survey)
        for key in _tables_in_order(survey):
            lay, ties = _layout_of(survey, key)
            if ties.withheld:
                done[key] = disclosure.suppress(lay, linked=[pop, *done.values()], rules=_rules(survey))
        return done

    return cached_for_frame(survey.eligible, "mask", "withheld-chain", compute)


def _band_counts(values: pd.Series, countries: pd.Series, bands: list[tuple], places: list[str]) -> pd.DataFrame:
    columns = {}
    for place in places:
        freq = stats.slider_bands(values[countries == place], bands)
        columns[place] = freq["n"].astype(int)
    return pd.DataFrame(columns).reindex(columns=places)


def numeric_mask(survey, spec_: dict) -> Mask:
    """The one mask of a slider: its bands by country, with its named thresholds as groups.

    A threshold must fall on a band boundary, so that it is a sum of bands (checked on the
    data). A threshold listed in ``bases_elsewhere`` counts the respondents of another
    population (the base of other analyses): it is tied to that base in the bases' mask, as
    the slider's own base is.
    """
    question = spec_["question"]
    data = population(survey.eligible, spec_.get("population"))
    analysis_id = next(k for k, v in _specs(survey).items() if v is spec_ or v == spec_)

    def compute() -> Mask:
        key = ("numeric", analysis_id, None, spec_.get("population"), False)
        return _protect(survey, key, *_numeric_layout(survey, spec_))

    return cached_for_frame(data, "mask", f"numeric:{question}", compute)


def _numeric_layout(survey, spec_: dict) -> tuple[disclosure.Layout, _Ties]:
    question, query = spec_["question"], spec_.get("population")
    data = population(survey.eligible, query)
    places = _countries(survey)
    values = pd.to_numeric(data[question], errors="coerce")
    keep = values.notna()
    if spec_.get("bands"):
        bands = [tuple(b) for b in _specs(survey)["bands"][spec_["bands"]]]
        counts = _band_counts(values[keep], data.loc[keep, "country"], bands, places)
    else:
        bands = []
        counts = pd.DataFrame([values[keep].groupby(data.loc[keep, "country"]).size()
                               .reindex(places, fill_value=0).astype(int)], index=["answered"])
    groups = {}
    for name, cut in (spec_.get("thresholds") or {}).items():
        members = [b[0] for b in bands if b[1] > cut]
        straddle = [b[0] for b in bands if b[1] <= cut < b[2]]
        if straddle or not bands:
            raise ValueError(f"{question}: threshold {name!r} ({cut}) does not fall on a band boundary")
        groups[name] = members
    ties = _base_ties(survey, populations.Base(query, question), places, counts)
    for name, elsewhere in (spec_.get("bases_elsewhere") or {}).items():
        more = _base_ties(survey, populations.Base(elsewhere, None), places, counts,
                          cells={p: f"{p}|{name}" for p in [*places, POOLED]})
        ties = _Ties(ties.published + more.published, ties.withheld + more.withheld,
                     {**ties.same_as, **more.same_as}, ties.linked or more.linked)
    combos = {name: list(combo["members"]) for name, combo in (spec_.get("combine") or {}).items()}
    lay = disclosure.layout(question, counts, groups={**groups, **combos}, first=list(combos),
                            published=ties.published, withheld=ties.withheld, same_as=ties.same_as,
                            combined=_combined(counts, combos, _rules(survey).threshold))
    return lay, ties


def option_mask(survey, question: str, code: str, query: str | None, whole_population: bool = False) -> Mask:
    """The one mask of one option of a select-multiple question: ticked or not, by country.

    Only "ticked" is ever printed; "not ticked" is the base minus it, so it is a leaf too
    (a multi-select option is protected against its own base). The base is the respondents
    who answered the question, or with ``whole_population`` everyone in the population (a
    missing answer counted as not ticked, as the two-population comparison counts it); it
    is published or withheld as the bases' mask decides.
    """
    data = population(survey.eligible, query)

    def compute() -> Mask:
        key = ("multi", question, code, query, whole_population)
        return _protect(survey, key, *_option_layout(survey, question, code, query, whole_population))

    return cached_for_frame(data, "mask", f"multi:{question}:{code}:{whole_population}", compute)


def _option_layout(survey, question: str, code: str, query: str | None,
                   whole_population: bool) -> tuple[disclosure.Layout, _Ties]:
    data = population(survey.eligible, query)
    column = data[f"{question}/{code}"].astype("boolean")
    if whole_population:
        column = column.fillna(False)
    answered = column.notna()
    ticked = column[answered].astype(bool).map({True: "yes", False: "no"})
    places = _countries(survey)
    counts = _count_table(ticked, data.loc[answered, "country"], ["yes", "no"], places)
    ties = _base_ties(survey, populations.Base(query, question, whole_population), places, counts)
    lay = disclosure.layout(f"{question}.{code}", counts, shown=["yes"], published=ties.published,
                            withheld=ties.withheld, same_as=ties.same_as,
                            shares_alone=question not in broken_down(_specs(survey)))
    return lay, ties


OUTSIDE = "~outside"   # a crosstab's row of the respondents its question's base leaves out
NO_ANSWER = "~none"    # a crosstab's column of the respondents who did not answer its grouping
ANSWERED = "answered"  # a crosstab's group of the rows its question's base counts


def breakdown_mask(survey, question: str, code: str | None, by: str, query: str | None,
                   place: str | None = None) -> Mask:
    """Answers (or one option) by another question's groups, linked to the country masks.

    Args:
        survey: the validated survey.
        question: the question whose answers are the rows.
        code: one option of a select-multiple ``question`` (rows: ticked or not), or None.
        by: the select-one question whose groups are the columns.
        query: the population (a pandas query on the eligible completes) of ``question``'s
            own tables, or None.
        place: the respondents of one country (its ISO3 code), or the synthesis code (or None)
            for every country.

    Returns:
        The mask, over every eligible respondent of the place: the question's answers, and a
        row (never printed) of those its base leaves out; a column per group, and one (never
        printed) of those who did not answer ``by``. Its "all groups" cells are the place's
        cells in the question's own mask, each group's total is that group's cell in the
        grouping question's mask, and the question's base is the bases' mask's cell: whatever
        those withhold is withheld here, whatever they publish stays published, so no
        difference between this table and theirs (nor between a group and the part of it the
        question counts) reveals a withheld count. Shares are of a group's ``answered`` cell.
    """
    everyone = synthesis_code(survey)
    place = everyone if place is None else place
    data = survey.eligible if place == everyone else _country_rows(survey.eligible, place)
    own = _own(place, everyone)
    # The question's own tables are those of its analysis: on its population.
    query = query if query is not None else analysis_population(question, survey_project(survey))

    def compute() -> Mask:
        instrument = survey.instrument
        main = question_mask(survey, question, query) if code is None else option_mask(survey, question, code, query)
        key, atoms = populations.base_of(instrument, _specs(survey),
                                         populations.Base(query, question) if code is None
                                         else populations.Base(query, question))
        inside = population(data, query) if query else data
        member = pd.Series(False, index=data.index)
        if code is None:
            member[inside.index[inside[question].notna()]] = True
            rows = pd.Series(np.where(member, data[question].astype(object), OUTSIDE), index=data.index)
            categories = [*main.layout.categories, OUTSIDE]
        else:
            column = inside[f"{question}/{code}"].astype("boolean")
            member[column.index[column.notna()]] = True
            ticked = data[f"{question}/{code}"].astype("boolean")
            rows = pd.Series(np.where(member, np.where(ticked.fillna(False), "yes", "no"), OUTSIDE), index=data.index)
            categories = ["yes", "no", OUTSIDE]
        groups = [g for g in instrument.codes(by) if (data[by] == g).any()]
        columns = data[by].where(data[by].notna(), NO_ANSWER)
        if (columns == NO_ANSWER).any():
            groups.append(NO_ANSWER)
        counts = _count_table(rows, columns, categories, groups)
        if not counts.loc[OUTSIDE].any() and key == populations.EVERYONE:
            counts = counts.drop(index=OUTSIDE)
        shown = [c for c in categories if c != OUTSIDE and (code is None or c == "yes")]
        inner = [c for c in categories if c != OUTSIDE]
        by_mask = question_mask(survey, by, None)
        pop = population_mask(survey)
        published, withheld, same_as = ["*|*"], [], {}
        universe = f"{main.universe}/{by}" + ("" if place == everyone else f"@{place}")
        main_places = list(main.layout.places) if place == everyone else [place]
        for category in shown:
            cell = f"*|{category}"
            (published if main.shown(f"{own}|{category}") else withheld).append(cell)
            same_as[cell] = (main.universe, main_places, [str(category)])
        base_cell = f"*|{ANSWERED}" if OUTSIDE in counts.index else "*|*"
        (published if main.shown(f"{own}|*") else withheld).append(base_cell)
        same_as[base_cell] = (populations.POPULATION, main_places, list(atoms))
        for group in groups:
            if group != NO_ANSWER:
                (published if by_mask.shown(f"{own}|{group}") else withheld).append(f"{group}|*")
                same_as[f"{group}|*"] = (by_mask.universe, main_places, [group])
        lay = disclosure.layout(universe, counts, shown=shown, published=sorted(set(published)),
                                withheld=sorted(set(withheld) - set(published)), same_as=same_as,
                                groups={ANSWERED: inner} if OUTSIDE in counts.index else None)
        group = "*" if key == populations.EVERYONE else key
        # The groups are not places of their own: the table is decided as one, with the place's
        # part of the bases' mask where its base is withheld (a national table reads no other
        # country's rows).
        # The question's and the grouping question's own masks are linked too: the sums of
        # this table's published cells are their cells, and with their other places' published
        # cells they fix that place's (a group's total across countries, less the other
        # countries' published counts of the group, gives the last country's).
        linked = [m if place == everyone else m.restricted(place) for m in (main, by_mask)]
        if not pop.shown(f"{own}|{group}"):
            linked.append(pop if place == everyone else pop.restricted(place))
        return disclosure.suppress(lay, linked=linked, by_place=False, rules=_rules(survey))

    return cached_for_frame(data, "mask", f"by:{question}:{code}:{by}:{query}", compute)


def share_base(mask: Mask, group: str) -> str:
    """The cell a crosstab's share of ``group`` is taken on: the group's respondents its question counts."""
    cell = f"{group}|{ANSWERED}"
    return cell if cell in mask.layout.cells else f"{group}|*"


# The question whose answers are the study's countries (its choices come from params/study.yml).
COUNTRY_QUESTION = "country"


def broken_down(specs: dict[str, Any]) -> frozenset[str]:
    """The questions an analysis crosses with another's groups (both sides of each crosstab).

    Their pooled cells publish no share alone (:class:`perspectives.disclosure.Layout`
    ``shares_alone``): the crosstab's table is decided on the published counts only, and a
    share's interval together with the groups' cells could pin a withheld one. A crosstab a
    notebook writes is not declared here; the build's audit checks it like every table.
    """
    out: set[str] = set()
    for spec_ in specs.values():
        by = spec_.get("by")
        if not by or by == COUNTRY_QUESTION:
            continue
        out.add(by)
        out.update(q for q in [spec_.get("question"), *(spec_.get("questions") or [])] if q)
    return frozenset(out)


def asks_question(spec_: dict, question: str) -> bool:
    """Whether an analysis counts the answers to ``question`` (its one question, or one of a battery's)."""
    return spec_.get("question") == question or (spec_.get("kind") == "ratings"
                                                 and question in (spec_.get("questions") or []))
