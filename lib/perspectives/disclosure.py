"""Statistical disclosure control: the one rule, the one mask, and the only way to a published table.

Purpose
    Keep small groups of respondents from being singled out in a national report or the
    synthesis, whether a number is printed or can be worked out from the numbers printed:
    in one table, across the tables of every report (population differencing included),
    and across builds (the study's and a partner's own build of one country).

The rule (one rule for every table, figure, sentence and recorded value)
    Let ``t`` be the threshold (``disclosure.threshold`` in ``params/study.yml``, 5 by
    default). Every published count is a sum of *leaves*: the finest counts of a question,
    one per answer and place (country). A *withheld group* is any set of leaves whose total
    the published numbers fix, by subtraction or by combining several totals.

    1. No published count and no withheld group holds from 1 to ``t - 1`` respondents. A
       withheld group holds 0 or at least ``t``. In particular, within one base (a table's
       row or column, a single-choice question's answers, one option of a multi-select
       question against its base, a country against the pooled picture) the withheld cells
       together hold 0 or at least ``t``; when they do not, the next smallest published
       cell is withheld as well, up to the whole line.
    2. A base (the respondents a share is taken on) is a set of a place's respondents, and
       is a cell of one more table: the *population* table, whose leaves are the atoms of
       :mod:`perspectives.populations` (each respondent in exactly one, by which bases they
       belong to, as the form allows). So two bases fix their difference, three the overlap
       of two, and rule 1 holds of those groups too: the eligible workers (50) minus those
       asked about offenders (49) leave one worker, and one of the two is withheld (the one
       fewer cells rest on). A table whose base is withheld is linked to the population
       table (the ``same_as`` tie: its cells sum to the base's atoms), and the rule is
       applied to them together, so its cells cannot give the base back. A base is
       published even below ``t`` when no difference forbids it: the methods print it; its
       cells are then all withheld (zeros too), and the group "all of this base" is the
       base itself, which is not a disclosure.
    3. Where the base is shown, a published percentage is a published count. A withheld
       pooled count may still show its share, rounded to whole percent (``SHARE_DIGITS``),
       when the interval of counts that round to it pins no group within 1..t-1: the
       integer program below gives each group's least and greatest value with the intervals.
    4. A statistic other than a count (a mean) is published on at least ``t`` respondents,
       whether or not their count is; the analysis withholds a pooled mean only where the
       places whose means are withheld hold together 1..t-1 respondents (their mean could
       then be worked out). A mean is published as the tables print it (``MEAN_DIGITS``), on
       a withheld base only from ``10**MEAN_DIGITS`` respondents (the decimals then allow
       every n), and only where, each answer within its band, it brings no group of withheld
       cells below ``t`` (:func:`means_published`). A share printed alone (rule 3) must not
       bring a withheld count's greatest value below ``t`` either (upper protection).

    Withheld cells all carry one mark, ``–``. A separate "fewer than t" mark would give a
    withheld cell an interval (1 to t-1, and the others 0 or at least t) from which a small
    cell can be pinned: a withheld pair holding 6 = "<5" + "–" forces the "–" to 5 and the
    "<5" to 1.

Every place on its own rows, then the pooled cells (invariance between builds)
    :func:`suppress` decides each place's own cells (``MDA|...``) on that place's leaves
    alone, with the place's part of the linked tables: Moldova's pattern is a function of
    Moldova's rows, the instrument and the rule, and is the same in the study's build and in
    a partner's build of Moldova's rows only. Two builds that withheld different cells of
    one table would together give the withheld ones back (the issue's 1 of 1, 25, 28); with
    the same national patterns, a second build adds nothing about a country that the first
    did not publish. The pooled cells (the synthesis's, and the pooled column beside each
    country) are then decided with every place's cells fixed as decided: the synthesis may
    withhold more of its own cells (or show a share only), never ask for other national
    ones. A pooled cell counting the very respondents of a withheld cell (one country in
    the data) is withheld with it. Since every place's publication is safe on its own, and
    the places' respondents are disjoint, withholding every pooled cell would always be
    safe: the pooled step can only publish more.

Small answers combined before anything is withheld
    A layout's ``first`` cells are declared combinations of small answers
    (``params/analyses.yml``, ``combine``: adjacent bands, "no" with "don't know", the rarer
    answers together). Where one part holds 1..t-1 respondents at a place, the combination
    replaces its parts there (``combined``: the parts are withheld and marked ``↓``, not
    counted as counts the report sets out to give), and it is tried before any other cell,
    so a small answer costs its neighbours their detail rather than another answer its count.

Sources
    Primary suppression by the minimum-frequency (threshold) rule and secondary
    (complementary) suppression so that no sensitive cell, nor any sum of suppressed cells,
    can be recovered from the published margins: Hundepool, A. et al. (2012) *Statistical
    Disclosure Control*, Wiley, doi:10.1002/9781118348239, chapters 4 and 5 (tabular data
    and frequency tables: the threshold rule, secondary cell suppression, the attacker's
    problem, linked tables and disclosure by differencing), the book form of the ESSnet
    *Handbook on Statistical Disclosure Control* (Eurostat, 2010). Linked tables are
    protected as tau-ARGUS and sdcTable protect them: cells common to two tables (here a
    table's base and the population table's cell of the same respondents, tied by
    ``same_as``) carry one suppression state, and the tables are protected together
    (sdcTable ``protectLinkedTables``/``protect_linked_tables``, B. Meindl; tau-ARGUS's
    linked tables, driven from R by INSEE's rtauargus ``tab_multi_manager``; GaussSuppression
    ``SuppressLinkedTables``, global protection). Differencing of sub-populations (two
    published bases, one inside the other) is the handbook's "disclosure by differencing".
    The leaf-matrix formulation (each published cell a 0/1 sum of inner cells,
    ``yPublish = crossprod(x, yInner)``) and the care for sums of small suppressed cells and
    for zeros follow Langsrud, O. (2024) "Secondary cell suppression by Gaussian elimination:
    an algorithm suitable for handling issues with zeros and singletons", Privacy in
    Statistical Databases, LNCS, doi:10.1007/978-3-031-69651-0_6 (R package GaussSuppression).
    The output-checking view (differencing between tables of one release) is that of the
    Safe Data Access Professionals' *Handbook on Statistical Disclosure Control for Outputs*
    (UK Data Service, 2019).

How complementary cells are chosen (smallest information loss)
    Cells are published greedily after the bases (in the order given: the population
    table's bases by the number of cells resting on them) and the declared combinations,
    largest first: a cell is published when the rule still holds with it, otherwise it is
    withheld. The cost of a withheld cell is the number of respondents it holds (tau-ARGUS's
    default cost function), so the withheld cells are small ones where a small one will do;
    a zero is published whenever that is safe. The result is minimal in the sense that no
    withheld cell could be published alone.

How the rule is checked
    An attacker sees the published counts, and the ties between linked tables: linear
    equations on the leaves. A 0/1 group of leaves is fixed exactly when its indicator lies
    in the row space of those equations, i.e. is orthogonal to their null space. Only leaves
    holding fewer than ``t`` can be in a small group, so the search runs over the 0/1 vectors
    of that row space restricted to the small leaves not fixed one by one: after reducing a
    basis to row echelon form, every 0/1 vector of the space is the sum of the basis rows at
    its pivot positions, so ``2**q`` candidates cover a ``q``-dimensional space exactly (an
    integer program beyond ``q = 20``). A share published alone is an interval: the groups
    its exact count would fix are each given their least and greatest value by an integer
    program (whole, non-negative counts, every published equation and interval), and the
    share is refused if one of them lies within 1..t-1.

Inputs
    A :class:`Layout`: the leaves (counts), the cells that may be published (sets of
    leaves), which cells are bases, which cells another table publishes or withholds, the
    declared combinations and their parts combined, and the ties to other families; the
    masks of those families (``linked``). The threshold and ``reliability_min_n`` from
    ``params/study.yml``.

Outputs
    :class:`Mask` (computed once per layout; what each cell shows, its share, its recorded
    value, and, in memory only, the value withheld) and :class:`PublishedTable` (the only
    kind of table ``report.Section.show_table`` accepts), built with :func:`table` from
    :class:`Entry` objects that only a mask (or :func:`text`) makes.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from perspectives.files import write_atomic
from perspectives.fmt import fmt_n, fmt_number, fmt_pct, round_half_up
from perspectives.project import Project, default
from perspectives.study import read_yaml

__all__ = [
    "COMBINED_MARK",
    "RELIABILITY_MARK",
    "WITHHELD_MARK",
    "DisclosureError",
    "DisclosureSettings",
    "Entry",
    "Layout",
    "Mask",
    "PublishedTable",
    "layout",
    "load_decisions",
    "notes_for",
    "save_decisions",
    "settings",
    "statistic_shown",
    "suppress",
    "table",
    "text",
]

RELIABILITY_MARK = "†"
WITHHELD_MARK = "–"
# A part of a declared combination of small answers where the combination replaces its parts
# (one of them is small there): its count is in the combination's row, below.
COMBINED_MARK = "↓"
# A share-only cell's share is printed (and recorded) to this many decimals, as every share is
# printed: its count is then known only to the interval that rounds to it.
SHARE_DIGITS = 0
# Beyond this many dimensions the 0/1 search over a row space goes to an integer program.
_ENUMERATE_MAX = 20
# A block of the space (see _Attacker.violation) is searched by enumeration up to this many
# rows: the integer program answers whether a group in range exists as exactly, and past
# 2**16 sums it is the quicker.
_BLOCK_ENUMERATE_MAX = 16
# The integer program lists the groups in range one by one (each found one cut off), and a
# group that published small bases explain is passed over. After this many groups, every one
# explained, the search stops and answers "maybe": the cell tried is withheld. Listing on
# grows the work without bound on a small export (one step took a minute with 200 groups),
# and stopping with "none" would publish what was not proven safe.
_MILP_GROUPS_MAX = 12
_TOL = 1e-9
# Singular values below this are zero in the place-by-place search (:class:`_PlaceAttacker`):
# its matrices are rows of orthonormal bases, whose scale is one, and a part that vanishes
# leaves rounding noise, which a tolerance relative to the largest value would count.
_RANK_TOL = 1e-10
# Up to this many places a table linked to the population table may show pooled shares alone
# (see _decide); the study's twelve countries of a "few" (params/study.yml many_countries).
_LINKED_SHARES_MAX_PLACES = 12


class _SearchLimit(Exception):
    """The integer program listed :data:`_MILP_GROUPS_MAX` groups and did not finish."""


class DisclosureError(ValueError):
    """The numbers another table must publish already reveal a small group."""


@dataclass(frozen=True)
class DisclosureSettings:
    """The small-cell threshold and the minimum base for an unmarked estimate."""

    threshold: int = 5
    reliability_min_n: int = 25

    def __post_init__(self) -> None:
        if int(self.threshold) != self.threshold or self.threshold < 2:
            raise ValueError(f"disclosure threshold must be a whole number >= 2, got {self.threshold}")
        if int(self.reliability_min_n) != self.reliability_min_n or self.reliability_min_n < 1:
            raise ValueError(f"reliability_min_n must be a whole number >= 1, got {self.reliability_min_n}")


def settings(path: Path | str | None = None, *, project: Project | None = None) -> DisclosureSettings:
    """The disclosure settings of a study file (kept by the project: every published table asks).

    Args:
        path: a study file (default: the project's ``params/study.yml``).
        project: the study folder (default: the one around the working directory).
    """
    project = default(project)
    file = Path(path).resolve() if path is not None else project.study_file
    return project.cached("disclosure", file, lambda: _read_settings(file), [file])


def _read_settings(path: Path) -> DisclosureSettings:
    block = (read_yaml(path) or {}).get("disclosure")
    if not isinstance(block, dict):
        raise KeyError(f"{path} has no 'disclosure' block")
    return DisclosureSettings(threshold=int(block["threshold"]), reliability_min_n=int(block["reliability_min_n"]))


def statistic_shown(n: int | None, threshold: int | None = None) -> bool:
    """Whether a statistic other than a count (a mean) may be published on ``n`` respondents.

    Rule 4 of the module: only on a published base of at least the threshold (default: the
    study's around the working directory).
    """
    t = settings().threshold if threshold is None else int(threshold)
    return n is not None and int(n) >= t


# A mean is published as the tables print it (one decimal): ``mean * n`` is then a whole sum
# of answers for every n from 10**MEAN_DIGITS up, so its decimals cannot single out its base.
MEAN_DIGITS = 1
_MEAN_SUBSETS_MAX = 6  # withheld answers of one place tried in every combination up to this many


def means_published(mask: Mask, means: Mapping[str, float | None],
                    ranges: Mapping[str, tuple[float, float]]) -> dict[str, float | None]:
    """Each place's mean as it may be published (rounded to ``MEAN_DIGITS``), or None (rule 4).

    A mean is a sum of answers over its base: each answer lies within its band's range, so a
    published mean bounds the band counts (and, printed without its n, the base). It is
    published when its base holds at least the threshold, and where the base is withheld
    only if that base holds at least ``10**MEAN_DIGITS`` (the decimals then allow every n),
    and when, with the mean, no group of the place's withheld cells is fixed within
    1..t-1 or known to lie below ``t`` that was not so without it (an integer program over
    the mask's published cells and the means, each answer within its band: the attacker's
    linear programming, Hundepool et al. 2012, chapter 4). Each place is decided on its own
    cells (the invariance between builds); the pooled mean (``*``) last, with every
    national mean so published.

    Args:
        mask: The slider's mask (its bands by place).
        means: The true mean of each place (and ``*``), None where there is none.
        ranges: Each band (category) -> the least and greatest answer it holds; empty when
            the mask has no bands (its one category is then the base).

    Returns:
        Place -> the published (rounded) mean, or None where it is withheld.
    """
    t = mask.threshold
    out: dict[str, float | None] = {}
    accepted: list[tuple[str, float]] = []
    for place in [p for p in means if p != POOLED_PLACE] + [p for p in means if p == POOLED_PLACE]:
        mean, base = means[place], f"{place}|*"
        if mean is None or base not in mask.layout.cells or mask.layout.value(base) < t:
            out[place] = None
            continue
        rounded = round_half_up(float(mean), MEAN_DIGITS)
        if not mask.shown(base) and mask.layout.value(base) < 10 ** MEAN_DIGITS:
            out[place] = None
            continue
        own = mask if place == POOLED_PLACE else mask.restricted(place)
        trial = [*(a for a in accepted if place == POOLED_PLACE), (place, rounded)]
        safe = not ranges or not _mean_narrows(own, place, trial, ranges)
        out[place] = rounded if safe else None
        if safe:
            accepted.append((place, rounded))
    return out


def _mean_rows(lay: Layout, means: Sequence[tuple[str, float]], ranges: Mapping[str, tuple[float, float]],
               columns: Mapping[tuple[str, str], int]) -> list[tuple[np.ndarray, float, float]]:
    """Each mean as two linear bounds on the leaves: least answers <= (mean + half) * n, and so on."""
    half = 0.5 * 10.0 ** -MEAN_DIGITS
    rows = []
    for place, mean in means:
        places, cats = lay.cells[f"{place}|*"]
        low, high = np.zeros(len(columns)), np.zeros(len(columns))
        for p in places:
            for c in cats:
                lo, hi = ranges.get(c, (-np.inf, np.inf))
                low[columns[(c, p)]] = lo - (mean + half)   # sum of least answers <= (mean + half) n
                high[columns[(c, p)]] = hi - (mean - half)  # sum of greatest answers >= (mean - half) n
        rows += [(np.nan_to_num(low, neginf=-1e9, posinf=1e9), -np.inf, 0.0),
                 (np.nan_to_num(high, neginf=-1e9, posinf=1e9), 0.0, np.inf)]
    return rows


def _mean_narrows(mask: Mask, place: str, means: Sequence[tuple[str, float]],
                  ranges: Mapping[str, tuple[float, float]]) -> bool:
    """Whether the means bring a group of withheld cells into 1..t-1, or below ``t``, that was not."""
    lay, t = mask.layout, mask.threshold
    columns = {(c, p): k for k, (c, p) in enumerate(itertools.product(lay.categories, lay.places))}

    def vector(cell: str) -> np.ndarray:
        v = np.zeros(len(columns))
        places, cats = lay.cells[cell]
        for p in places:
            for c in cats:
                v[columns[(c, p)]] = 1.0
        return v

    known = [(vector(c), float(lay.value(c)), float(lay.value(c))) for c in sorted(lay.cells) if mask.shown(c)]
    for cell in sorted(mask.share_only):
        base = mask.base_of(cell)
        lo, hi = rounding_interval(mask.share(cell), lay.value(base))
        known.append((vector(cell), float(lo), float(hi)))
    with_means = [*known, *_mean_rows(lay, means, ranges, columns)]
    for group in _withheld_groups(mask, place, vector):
        if _small(group, with_means, t) and not _small(group, known, t):
            return True
    return False


def _withheld_groups(mask: Mask, place: str, vector: Any) -> list[np.ndarray]:
    """The withheld cells of ``place`` (all places for the pooled one), and unions of its withheld answers."""
    cells = [c for c in sorted(mask.layout.cells) if not mask.shown(c) and c not in mask.share_only
             and (place == POOLED_PLACE or c.startswith(f"{place}|"))]
    groups = [vector(c) for c in cells]
    single = [g for c, g in zip(cells, groups, strict=True) if len(mask.layout.cells[c][1]) == 1]
    if len(single) <= _MEAN_SUBSETS_MAX:
        for k in range(2, len(single) + 1):
            groups += [np.clip(sum(combo), 0, 1) for combo in itertools.combinations(single, k)]
    return groups


def _small(group: np.ndarray, rows: Sequence[tuple[np.ndarray, float, float]], t: int) -> bool:
    """Whether the greatest whole value ``rows`` allow ``group`` is 1..t-1 (pinned small, or known below ``t``)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    constraints = [LinearConstraint(np.array([r for r, _, _ in rows]), np.array([lo for _, lo, _ in rows]),
                                    np.array([hi for _, _, hi in rows]))] if rows else []
    res = milp(-group, constraints=constraints, integrality=np.ones(len(group)), bounds=Bounds(0, np.inf))
    if res.status != 0 or res.x is None:
        return False  # unbounded (or no whole solution): nothing is learnt
    return 1 <= float(group @ np.round(res.x)) <= t - 1


# --------------------------------------------------------------------------- layouts
@dataclass(frozen=True)
class Layout:
    """The leaves of one family of tables and the cells that may be published from them.

    Attributes:
        universe: Name of the leaf family (the question, e.g. ``"gender"``, or
            ``"barriers.stigma_shame"`` for one option of a multi-select question).
        places: Column keys (countries, or the groups of another question), in order.
        categories: Row keys (answer codes; ``["yes", "no"]`` for one option).
        counts: ``categories x places`` whole numbers (the leaves).
        cells: Cell id -> (places, categories) it sums. Ids are ``"place|category"``;
            ``"*"`` stands for "all": ``"MDA|*"`` is Moldova's base, ``"*|female"`` the
            pooled count, ``"*|*"`` the pooled base; groups use their own name.
        bases: Cell ids published first (the bases of shares).
        published: Cells another table publishes (they stay published here).
        withheld: Cells another table withholds (they stay withheld here).
        same_as: Cell id -> (universe, places, categories) of another family holding the
            same respondents (recorded for the audit; e.g. a population's base). Where that
            family's mask is passed to :func:`suppress` (``linked``), the rule uses the tie too.
        first: Cells tried right after the bases, in this order, before the others (the
            declared combinations of small categories: their total is published in
            preference to their parts).
        combined: Cells of the parts of a declared combination at a place where one part
            is small: the combination replaces them there (they are withheld, marked as
            combined rather than as withheld, and are not counts the report sets out to
            publish).
    """

    universe: str
    places: tuple[str, ...]
    categories: tuple[str, ...]
    counts: pd.DataFrame
    cells: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]
    bases: tuple[str, ...] = ()
    published: frozenset[str] = frozenset()
    withheld: frozenset[str] = frozenset()
    same_as: Mapping[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    first: tuple[str, ...] = ()
    combined: frozenset[str] = frozenset()

    def value(self, cell: str) -> int:
        """The true count of a cell (in memory only)."""
        return self._values[cell]

    @functools.cached_property
    def _values(self) -> dict[str, int]:
        # Read for every table cell, sentence and record: one pass instead of a pandas lookup each.
        grid = self.counts.to_numpy()
        rows = {c: i for i, c in enumerate(self.counts.index)}
        cols = {p: j for j, p in enumerate(self.counts.columns)}
        return {cell: int(grid[np.ix_([rows[c] for c in cats], [cols[p] for p in places])].sum())
                for cell, (places, cats) in self.cells.items()}


def layout(universe: str, counts: pd.DataFrame, *, shown: Sequence[str] | None = None,
           groups: Mapping[str, Sequence[str]] | None = None, pooled: bool = True,
           published: Iterable[str] = (), withheld: Iterable[str] = (),
           same_as: Mapping[str, tuple[str, Sequence[str], Sequence[str]]] | None = None,
           first: Sequence[str] = (), base_order: Sequence[str] = (), combined: Iterable[str] = ()) -> Layout:
    """The usual layout: answers (rows) by places (columns), with bases, pooled margins and groups.

    Args:
        universe: Leaf family name (see :class:`Layout`).
        counts: ``categories x places`` counts; whole numbers >= 0.
        shown: Categories whose counts may be shown (default all). One option of a
            multi-select question passes ``["yes"]``: its "no" count is never printed but is
            base minus "yes", so it is a leaf all the same.
        groups: Named sums of categories that are published too (a rating's "poor or
            none", a slider's "any"), per place and pooled.
        pooled: Whether the pooled column (all places together) is published.
        published: Cell ids another table's mask already published (they stay published).
        withheld: Cell ids another table's mask already withheld (they stay withheld).
        same_as: Cell id -> another family's (universe, places, categories).
        first: Group names whose cells are tried first after the bases (see :class:`Layout`).
        base_order: Group names whose cells are bases too, tried in this order after the
            places' own bases (a population's sub-populations: each is some table's base).
        combined: Cell ids replaced by their combination (see :class:`Layout`); withheld.

    Returns:
        The layout; every place's base (``"place|*"``) and the pooled base are bases.

    Raises:
        ValueError: counts that are not whole non-negative numbers, unknown group members.
    """
    values = counts.to_numpy(dtype="float64")
    if counts.empty:
        raise ValueError(f"{universe}: the count table is empty")
    if np.isnan(values).any() or (values < 0).any() or (values != np.round(values)).any():
        raise ValueError(f"{universe}: counts must be non-negative whole numbers without gaps")
    if not counts.index.is_unique or not counts.columns.is_unique:
        raise ValueError(f"{universe}: row and column labels must be unique")
    places = tuple(str(p) for p in counts.columns)
    cats = tuple(str(c) for c in counts.index)
    frame = pd.DataFrame(values.astype("int64"), index=list(cats), columns=list(places))
    shown_cats = tuple(str(c) for c in (shown if shown is not None else cats))
    cells: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    bases = []
    for place in places:
        cells[f"{place}|*"] = ((place,), cats)
        bases.append(f"{place}|*")
        for cat in shown_cats:
            cells[f"{place}|{cat}"] = ((place,), (cat,))
    if pooled:
        cells["*|*"] = (places, cats)
        bases.append("*|*")
        for cat in shown_cats:
            cells[f"*|{cat}"] = (places, (cat,))
    for name, members in (groups or {}).items():
        members = tuple(str(m) for m in members)
        if not set(members) <= set(cats):
            raise ValueError(f"{universe}: group {name!r} names unknown categories {sorted(set(members) - set(cats))}")
        for place in places:
            cells[f"{place}|{name}"] = ((place,), members)
        if pooled:
            cells[f"*|{name}"] = (places, members)
    fixed = {str(c) for c in published}
    hidden = {str(c) for c in withheld}
    unknown = (fixed | hidden) - set(cells)
    if unknown:
        raise ValueError(f"{universe}: published/withheld name unknown cells {sorted(unknown)}")
    links = {k: (u, tuple(p), tuple(c)) for k, (u, p, c) in (same_as or {}).items()}
    for name in base_order:
        bases += [f"{place}|{name}" for place in places] + ([f"*|{name}"] if pooled else [])
    order = tuple(f"{place}|{name}" for name in first for place in [*places, *(["*"] if pooled else [])])
    unknown = (set(bases) | set(order)) - set(cells)
    if unknown:
        raise ValueError(f"{universe}: first/base_order name unknown groups {sorted(unknown)}")
    joined = frozenset(str(c) for c in combined)
    if joined - set(cells):
        raise ValueError(f"{universe}: combined names unknown cells {sorted(joined - set(cells))}")
    return Layout(universe, places, cats, frame, cells, tuple(bases), frozenset(fixed), frozenset(hidden | joined),
                  links, order, joined)


# --------------------------------------------------------------------------- the attacker
def null_space(a: np.ndarray) -> np.ndarray:
    """An orthonormal basis (columns) of the null space of ``a``, as ``scipy.linalg.null_space``.

    Only the right singular vectors are needed: the left ones are computed no larger than
    ``a`` (scipy's full SVD of a tall matrix builds a square left factor, which made the
    mask search grow with the cube of the number of countries). LAPACK's divide-and-conquer
    driver fails to converge on some large rank-deficient matrices; the QR-iteration driver
    then gives the same factors.

    Args:
        a: an ``m x n`` matrix.

    Returns:
        An ``n x (n - rank)`` matrix with orthonormal columns spanning ``{y: a @ y = 0}``.
    """
    # scipy only here: a run that draws no mask need not import it (half a second)
    from scipy.linalg import LinAlgError, svd

    m, n = a.shape
    try:
        _, s, vh = svd(a, full_matrices=m < n, check_finite=False)
    except LinAlgError:
        _, s, vh = svd(a, full_matrices=m < n, check_finite=False, lapack_driver="gesvd")
    tol = (s.max(initial=0.0)) * np.finfo(float).eps * max(m, n)
    rank = int((s > tol).sum())
    return vh[rank:, :].T.conj()


def _without(basis: np.ndarray, coeffs: np.ndarray) -> np.ndarray:
    """``basis`` restricted to the combinations whose image under ``coeffs`` is zero.

    The same subspace as ``basis @ null_space(coeffs[None, :])``, with orthonormal columns,
    by one Householder reflection (which maps ``coeffs`` onto one coordinate axis; the other
    axes span its null space): a rank-one update instead of an SVD and a full product.
    """
    norm = float(np.linalg.norm(coeffs))
    j = int(np.argmax(np.abs(coeffs)))
    w = coeffs / norm
    w[j] += 1.0 if w[j] >= 0 else -1.0
    reflected = basis - np.outer(basis @ w, w) * (2.0 / float(w @ w))
    return np.delete(reflected, j, axis=1)


class _Attacker:
    """What the published counts fix about the leaves, kept as the null space of the equations.

    ``basis`` spans the leaf vectors the published cells cannot see (their null space); a
    0/1 group is fixed exactly when it is orthogonal to every column of ``basis``.
    """

    def __init__(self, values: np.ndarray, threshold: int, small_bases: list[np.ndarray],
                 known: Iterable[np.ndarray] = (), basis: Any = None) -> None:
        self.values = values
        self.t = threshold
        self.small_bases = small_bases  # published bases below t: their total is printed
        self.basis: Any = np.eye(len(values)) if basis is None else basis
        for row in known:
            self.basis = self.with_row(row)

    def with_row(self, row: np.ndarray) -> Any:
        """The null-space basis once ``row`` (a published cell) is known too."""
        return self.add(self.basis, row)

    def add(self, basis: Any, row: np.ndarray) -> Any:
        """``basis`` once ``row`` is known too (``basis`` itself when it implies the row already)."""
        return _with_row(basis, row)

    def violation(self, basis: np.ndarray, maybe: bool = True) -> np.ndarray | None:
        """A withheld group holding 1..t-1 that ``basis`` leaves fixed, or None.

        ``maybe``: where the search stops undecided (:data:`_MILP_GROUPS_MAX`), answer with
        the last group found (the caller then withholds); False answers only what is proven.
        """
        return next(self.violations(basis, maybe), None)

    def violations(self, basis: np.ndarray, maybe: bool = True) -> Iterable[np.ndarray]:
        """Every withheld group holding 1..t-1 that ``basis`` leaves fixed (the first ones first)."""
        x, t = self.values, self.t
        fixed_one = self._fixed_one(basis)
        for leaf in np.flatnonzero(fixed_one & (x >= 1) & (x < t)):
            group = np.zeros(len(x))
            group[leaf] = 1.0
            if not self._explained(group):
                yield group
        small = np.flatnonzero(~fixed_one & (x < t))
        if not len(small) or not basis.size:
            return
        yield from self._search(small, self._fixed_groups(basis, small), maybe)

    def _fixed_one(self, basis: np.ndarray) -> np.ndarray:
        """Which leaves ``basis`` fixes on their own (no free direction moves them)."""
        return np.abs(basis).max(axis=1, initial=0.0) < _TOL if basis.size else np.ones(len(self.values), bool)

    def _fixed_groups(self, basis: np.ndarray, small: np.ndarray) -> np.ndarray:
        """The space in which the 0/1 groups over ``small`` that ``basis`` fixes lie."""
        return null_space(basis[small].T)

    def _search(self, small: np.ndarray, space: np.ndarray, maybe: bool) -> Iterable[np.ndarray]:
        """The groups in 1..t-1 of ``space`` (columns: vectors over the leaves ``small``) not explained."""
        if space.shape[1] == 0:
            return
        reduced, _ = _rref(space.T)
        blocks = _blocks(reduced)
        if blocks:
            # The space is a sum of blocks on disjoint leaves; a 0/1 group of it is a sum of
            # 0/1 groups of the blocks, and its total (1..t-1, counts being >= 0) is at least
            # one block group's total, in 1..t-1 too. So a block search that finds no group
            # in range proves there is none, at the cost of a sum of 2**q_block instead of
            # the product; an unexplained one found is a violation. Only when every group in
            # range is explained by published small bases is the whole space searched.
            in_range = False  # (one block: the same search, by the quicker method for its size)
            unexplained = False
            for rows, cols in blocks:
                for found in self._unexplained(reduced[np.ix_(rows, cols)], small[cols], _BLOCK_ENUMERATE_MAX, maybe):
                    in_range = True
                    if found is not None:
                        unexplained = True
                        yield found
            if not in_range or unexplained:
                return
        yield from filter(lambda g: g is not None, self._unexplained(reduced, small, _ENUMERATE_MAX, maybe))

    def _unexplained(self, reduced: np.ndarray, leaves: np.ndarray, enumerate_max: int,
                     maybe: bool) -> Iterable[np.ndarray | None]:
        """Each group in range of the space ``reduced`` over ``leaves``: itself when unexplained, else None.

        Past :data:`_MILP_GROUPS_MAX` explained groups from the integer program, the last one
        is given as unexplained when ``maybe``: the search could not rule a disclosure out, so
        the caller withholds (the safe answer; see the constant).
        """
        x = self.values
        group = np.zeros(len(x))
        try:
            for found in _zero_one_in(reduced, x[leaves], self.t, enumerate_max):
                group = np.zeros(len(x))
                group[leaves] = found
                yield None if self._explained(group) else group
        except _SearchLimit:
            if maybe:
                yield group

    def _explained(self, group: np.ndarray) -> bool:
        """A group whose total is that of published small bases (plus nobody) discloses nothing."""
        rest = group.copy()
        for base in self.small_bases:
            if np.all(rest[base > 0] > 0.5):
                rest = rest - base
        return float(rest @ self.values) == 0.0 and bool((rest >= -_TOL).all())


@dataclass(frozen=True, eq=False)
class _Split:
    """A null space kept place by place: each place's own, then what rows across places remove.

    The null space is ``{(N_p c_p)_p : q.T @ c = 0}``: ``nulls[p]`` (``N_p``, orthonormal
    columns) spans what the rows within place ``p`` leave unknown of its leaves, and ``q``
    (orthonormal columns, in the coordinates ``c`` of all the ``N_p`` one after the other)
    what the rows across places tell of them.
    """

    nulls: tuple[np.ndarray, ...]
    q: np.ndarray

    @property
    def size(self) -> int:
        """The dimension of the space (0: every leaf is fixed)."""
        return sum(n.shape[1] for n in self.nulls) - self.q.shape[1]


def _sparse_rows(rows: Any, n: int) -> Iterable[tuple[np.ndarray, np.ndarray]]:
    """(columns, coefficients) of each row of a sparse matrix, or of a list of dense rows."""
    if hasattr(rows, "indptr"):
        for r in range(rows.shape[0]):
            lo, hi = rows.indptr[r], rows.indptr[r + 1]
            yield rows.indices[lo:hi].astype(np.intp), rows.data[lo:hi]
        return
    for row in rows:
        cols = np.flatnonzero(np.asarray(row)[:n])
        yield cols, np.asarray(row)[cols]


class _PlaceAttacker(_Attacker):
    """The attacker of :class:`_Attacker`, its null space kept place by place (:class:`_Split`).

    Every leaf belongs to one place, and most published cells and ties lie within one place;
    the pooled cells are the few rows across places. A dense basis of the null space has a
    column per unknown leaf of every place: with a hundred countries the population table's
    pooled step worked on 3,300 x 2,600 matrices (an SVD of that size for every cell tried).
    Kept place by place, the work is a small matrix per place and a few vectors across them.
    The spaces are the same, and so are the groups found: the fixed groups are searched in
    the reduced row echelon form of their space, which depends on the space alone.
    """

    def __init__(self, values: np.ndarray, threshold: int, small_bases: list[np.ndarray],
                 known: Iterable[np.ndarray], places: np.ndarray) -> None:
        self.blocks = [np.flatnonzero(places == p) for p in range(int(places.max(initial=-1)) + 1)]
        position = np.zeros(len(places), dtype=np.intp)  # a leaf's position in its place's block
        for block in self.blocks:
            position[block] = np.arange(len(block))
        local: list[list[np.ndarray]] = [[] for _ in self.blocks]
        across = []
        for cols, coefs in _sparse_rows(known, len(places)):
            keep = np.abs(coefs) > _TOL
            cols, coefs = cols[keep], coefs[keep]
            touched = np.unique(places[cols])
            if len(touched) == 1:
                row = np.zeros(len(self.blocks[int(touched[0])]))
                np.add.at(row, position[cols], coefs)
                local[int(touched[0])].append(row)
            elif len(touched):
                row = np.zeros(len(places))
                np.add.at(row, cols, coefs)
                across.append(row)
        nulls = tuple(null_space(np.vstack(rows)) if rows else np.eye(len(block))
                      for rows, block in zip(local, self.blocks, strict=True))
        self.starts = np.cumsum([0, *(n.shape[1] for n in nulls)])
        super().__init__(values, threshold, small_bases, across, _Split(nulls, np.zeros((int(self.starts[-1]), 0))))

    def _coords(self, split: _Split, row: np.ndarray) -> np.ndarray:
        return np.concatenate([row[block] @ n for block, n in zip(self.blocks, split.nulls, strict=True)])

    def add(self, basis: Any, row: np.ndarray) -> Any:
        """``basis`` once ``row`` is known too (``basis`` itself when it implies the row already)."""
        if not isinstance(basis, _Split):
            return _with_row(basis, row)
        z = self._coords(basis, row)
        for _ in range(2):  # twice: orthogonal to working precision
            z = z - basis.q @ (basis.q.T @ z)
        if np.abs(z).max(initial=0.0) < _TOL:
            return basis
        return _Split(basis.nulls, np.hstack([basis.q, (z / np.linalg.norm(z))[:, None]]))


    def _fixed_one(self, split: Any) -> np.ndarray:
        """The leaves the published cells fix one by one: those the null space does not reach."""
        if not isinstance(split, _Split):
            return super()._fixed_one(split)
        fixed = np.zeros(len(self.values), bool)
        q = split.q
        for p, (block, n) in enumerate(zip(self.blocks, split.nulls, strict=True)):
            lo, hi = self.starts[p], self.starts[p + 1]
            # A leaf's image in the null space: its row of N_p, less what the rows across places
            # tell of it (in its own place and, through them, in the others).
            c = n @ q[lo:hi]
            near = np.abs(n - c @ q[lo:hi].T).max(axis=1, initial=0.0) < _TOL
            if near.any():  # only a leaf its own place leaves unknown can be fixed: the rest is checked for those
                other = c[near] @ q.T
                other[:, lo:hi] = 0.0
                fixed[block[near]] = np.abs(other).max(axis=1, initial=0.0) < _TOL
        return fixed

    def _fixed_groups(self, split: Any, small: np.ndarray) -> np.ndarray:
        """A basis (columns, over ``small``) of the vectors on ``small`` the published cells fix.

        ``g`` is fixed when ``M_p g_p = q_p a`` for some ``a`` at every place ``p`` (``M_p``:
        the rows of ``N_p`` at the place's small leaves, transposed): the groups fixed within
        one place (``a = 0``), and for each ``a`` that every place can meet, one group across.
        """
        if not isinstance(split, _Split):
            return super()._fixed_groups(split, small)
        where = np.full(len(self.values), -1)
        where[small] = np.arange(len(small))
        q = split.q
        within, across_d, solve = [], [], []
        for p, (block, n) in enumerate(zip(self.blocks, split.nulls, strict=True)):
            lo, hi = self.starts[p], self.starts[p + 1]
            at = block[where[block] >= 0]
            m = n[np.isin(block, at)].T  # k_p x s_p
            qp = q[lo:hi]
            if m.size:
                u, s, vh = np.linalg.svd(m, full_matrices=True)
                rank = int((s > _RANK_TOL).sum())
            else:
                u, s, vh, rank = np.eye(m.shape[0]), np.zeros(0), np.eye(m.shape[1]), 0
            for v in vh[rank:]:
                g = np.zeros(len(small))
                g[where[at]] = v
                within.append(g)
            ur = u[:, :rank]
            across_d.append(qp - ur @ (ur.T @ qp))
            # M_p's pseudo-inverse applied to q_p: the place's part of a group across places
            solve.append((where[at], vh[:rank].T @ ((ur.T @ qp) / s[:rank, None])))
        vectors = within
        if q.shape[1]:
            # The a's every place can meet: the parts of q_p outside the range of M_p must vanish.
            _, s, vh = np.linalg.svd(np.vstack(across_d), full_matrices=True)
            for a in vh[int((s > _RANK_TOL).sum()):]:
                g = np.zeros(len(small))
                for at, part in solve:
                    g[at] = part @ a
                vectors.append(g)
        return np.array(vectors).T if vectors else np.zeros((len(small), 0))


def _rref(rows: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Reduced row echelon form (floats, partial pivoting) and the pivot columns."""
    a = rows.astype(float).copy()
    pivots: list[int] = []
    r = 0
    for col in range(a.shape[1]):
        if r == a.shape[0]:
            break
        best = r + int(np.argmax(np.abs(a[r:, col])))
        if abs(a[best, col]) < 1e-8:
            continue
        a[[r, best]] = a[[best, r]]
        a[r] /= a[r, col]
        for other in range(a.shape[0]):
            if other != r:
                a[other] -= a[other, col] * a[r]
        pivots.append(col)
        r += 1
    return a[:r], pivots


def _blocks(reduced: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Group the rows of a reduced row echelon form into blocks that share columns.

    Returns (rows, columns) of each block; blocks touch disjoint columns, and each one is in
    reduced form too.
    """
    q = reduced.shape[0]
    parent = list(range(q))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    nonzero = np.abs(reduced) > 1e-9
    for col in range(reduced.shape[1]):
        rows = np.flatnonzero(nonzero[:, col])
        for r in rows[1:]:
            a, b = find(int(rows[0])), find(int(r))
            if a != b:
                parent[b] = a
    members: dict[int, list[int]] = {}
    for r in range(q):
        members.setdefault(find(r), []).append(r)
    out = []
    for rows in members.values():
        idx = np.array(rows)
        out.append((idx, np.flatnonzero(nonzero[idx].any(axis=0))))
    return out


def _zero_one_vectors(span_rows: np.ndarray, values: np.ndarray, t: int) -> Iterable[np.ndarray]:
    """0/1 vectors of the row space of ``span_rows`` whose weighted sum is 1..t-1."""
    reduced, _ = _rref(span_rows)
    yield from _zero_one_in(reduced, values, t)


def _zero_one_in(reduced: np.ndarray, values: np.ndarray, t: int,
                 enumerate_max: int = _ENUMERATE_MAX) -> Iterable[np.ndarray]:
    """0/1 vectors of the row space of ``reduced`` whose weighted sum is 1..t-1.

    ``reduced`` is in reduced row echelon form, pivots first in each row. All vectors are
    enumerated up to ``enumerate_max`` rows; beyond that the integer program finds them.
    """
    q = reduced.shape[0]
    if q > enumerate_max:
        yield from _zero_one_vectors_milp(reduced, values, t)
        return
    # In reduced form a vector of the space is the sum of the rows at its pivots, and a 0/1
    # vector has 0 or 1 there: the 2**q sums of rows are all of them (checked in chunks).
    chunk = 1 << 14
    for start in range(1, 1 << q, chunk):
        codes = np.arange(start, min(start + chunk, 1 << q))
        choose = ((codes[:, None] >> np.arange(q)[None, :]) & 1).astype(float)
        vecs = choose @ reduced
        zero_one = np.all((np.abs(vecs) < 1e-7) | (np.abs(vecs - 1) < 1e-7), axis=1)
        totals = np.round(vecs) @ values
        for k in np.flatnonzero(zero_one & (totals >= 1) & (totals <= t - 1)):
            yield np.round(vecs[k])


def _zero_one_vectors_milp(reduced: np.ndarray, values: np.ndarray, t: int) -> Iterable[np.ndarray]:
    """The same search as an integer program, for spaces too large to enumerate.

    In reduced form a 0/1 vector of the space is the sum of the rows at its pivots: the
    program chooses those rows (0/1) and requires their sum to be 0/1 everywhere, an exact
    statement with the form's small whole coefficients. (Asking instead that the vector be
    orthogonal to a floating-point basis of the complement made the solver call feasible
    problems infeasible, and miss groups, with a hundred countries.)

    Raises:
        _SearchLimit: after :data:`_MILP_GROUPS_MAX` vectors, when more may remain.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    q, k = reduced.shape
    rows = np.where(np.abs(reduced) < 1e-9, 0.0, reduced)
    sums = np.hstack([-rows.T, np.eye(k)])  # vector - chosen rows' sum = 0
    cuts: list[np.ndarray] = []
    for _ in range(_MILP_GROUPS_MAX):
        constraints = [LinearConstraint(np.hstack([np.zeros(q), values])[None, :], 1, t - 1),
                       LinearConstraint(sums, -1e-9, 1e-9)]
        for cut in cuts:
            constraints.append(LinearConstraint(np.hstack([np.zeros(q), np.where(cut > 0.5, 1.0, -1.0)])[None, :],
                                                -np.inf, cut.sum() - 1))
        res = milp(np.zeros(q + k), constraints=constraints, integrality=np.ones(q + k), bounds=Bounds(0, 1))
        if res.x is None:
            return
        vec = np.round(res.x[q:])
        yield vec
        cuts.append(vec)
    raise _SearchLimit


# --------------------------------------------------------------------------- suppression
@dataclass(frozen=True, eq=False)
class Mask:
    """What one layout publishes: computed once by :func:`suppress`, read by everything else.

    The mask holds the true counts so that it can say what a withheld cell holds to code in
    the same process (the fidelity check compares a published claim with it); nothing of a
    withheld cell ever goes into a string, a figure or a recorded value from here except
    through :meth:`withheld_value`, which no writer calls.
    """

    layout: Layout
    threshold: int
    hidden: frozenset[str]
    reliability_min_n: int = 25
    # Withheld cells whose share alone is published, rounded (SHARE_DIGITS): the rounding
    # leaves the count an interval that pins no small group (see the module docstring).
    share_only: frozenset[str] = frozenset()
    # restricted()'s masks, by place: each table of a chain links to every one before it, so
    # a place's part of a mask is asked for again by every table after it.
    _places: dict[str, Mask] = field(default_factory=dict, repr=False, compare=False)

    @property
    def universe(self) -> str:
        """The leaf family name of the mask's layout."""
        return self.layout.universe

    def cell(self, place: str, category: str) -> str:
        """The cell id of ``category`` at ``place``.

        Raises:
            KeyError: the layout has no such cell.
        """
        key = f"{place}|{category}"
        if key not in self.layout.cells:
            raise KeyError(f"{self.universe}: no cell {key!r}")
        return key

    def shown(self, cell: str) -> bool:
        """Whether ``cell`` is in the layout and published."""
        return cell in self.layout.cells and cell not in self.hidden

    def count(self, cell: str) -> int | None:
        """The published count, or None when withheld."""
        return self.layout.value(cell) if self.shown(cell) else None

    def base_of(self, cell: str) -> str:
        """The base cell a share of ``cell`` is taken on by default (its place's base)."""
        place = cell.split("|", 1)[0]
        return f"{place}|*"

    def base(self, cell: str, of: str | None = None) -> int | None:
        """The published count of the base ``of`` (default the cell's place base), or None."""
        return self.count(of or self.base_of(cell))

    def share(self, cell: str, of: str | None = None) -> float | None:
        """Percentage of the base ``of`` (default the place's base).

        Rule 3: only when the count and its base are both published; a share-only cell's
        share (of its own base) is its rounded value.
        """
        count, base = self.count(cell), self.base(cell, of)
        if base is None or base == 0:
            return None
        if count is None:
            if cell in self.share_only and (of is None or of == self.base_of(cell)):
                return round_half_up(100.0 * self.layout.value(cell) / base, SHARE_DIGITS)
            return None
        return 100.0 * count / base

    def restricted(self, place: str) -> Mask:
        """The mask of one place's own cells (``place|...``), as :func:`suppress` decided them."""
        if place not in self._places:
            sub = _restrict(self.layout, place)
            self._places[place] = Mask(sub, self.threshold, frozenset(self.hidden & set(sub.cells)),
                                       self.reliability_min_n, frozenset(self.share_only & set(sub.cells)))
        return self._places[place]

    def withheld_value(self, cell: str) -> int:
        """The true count of a cell, in memory only (for an in-process comparison)."""
        return self.layout.value(cell)

    def spec(self, cell: str) -> dict[str, Any]:
        """How the audit finds a cell: its universe, places and categories."""
        places, cats = self.layout.cells[cell]
        out: dict[str, Any] = {"universe": self.universe, "places": list(places), "categories": list(cats)}
        if cell in self.layout.same_as:
            u, p, c = self.layout.same_as[cell]
            out["same_as"] = {"universe": u, "places": list(p), "categories": list(c)}
        return out

    # ---- display entries
    def _absent(self, cell: str) -> str:
        """The mark of a cell without its number: combined into a row below, or withheld."""
        return COMBINED_MARK if cell in self.layout.combined else WITHHELD_MARK

    def n(self, cell: str) -> Entry:
        """A count, or the withheld (or combined) mark."""
        count = self.count(cell)
        return Entry(self._absent(cell) if count is None else f"{count:,}", (("count", self, cell, None),))

    def base_n(self, cell: str, style: str = "plain") -> Entry:
        """A base as ``"54"`` or ``"n=54"`` (``style="n"``)."""
        count = self.count(cell)
        if count is None:
            return Entry(WITHHELD_MARK, (("count", self, cell, None),))
        return Entry(fmt_n(count) if style == "n" else f"{count:,}", (("count", self, cell, None),))

    def pct(self, cell: str, digits: int = 0, sign: bool = True, of: str | None = None) -> Entry:
        """A share (``"41%"``; ``"41"`` without ``sign``), marked ``†`` on a small base."""
        of = of or self.base_of(cell)
        share = self.share(cell, of)
        if share is None:
            empty = self.count(of) == 0 and self.shown(cell)
            return Entry("" if empty else self._absent(cell), (("percent", self, cell, of),))
        body = fmt_pct(share, digits) if sign else fmt_number(share, digits)
        return Entry(body + self._mark(of), (("percent", self, cell, of),))

    def pct_n(self, cell: str, digits: int = 0, of: str | None = None) -> Entry:
        """``"41% (n=171)"``, a share-only cell's ``"41%"``, or the withheld mark."""
        of = of or self.base_of(cell)
        share, count = self.share(cell, of), self.count(cell)
        refs = (("count", self, cell, None), ("percent", self, cell, of))
        if count is not None and self.count(of) == 0:
            return Entry(f"{count:,}", refs[:1])
        if share is not None and count is None:
            return Entry(fmt_pct(share, SHARE_DIGITS) + self._mark(of), refs[1:])
        if share is None or count is None:
            return Entry(self._absent(cell), refs)
        return Entry(f"{fmt_pct(share, digits)}{self._mark(of)} ({fmt_n(count)})", refs)

    def _mark(self, of: str) -> str:
        base = self.count(of)
        return RELIABILITY_MARK if base is not None and 0 < base < self.reliability_min_n else ""

    # ---- recorded values
    def record(self, cell: str, name: str, measure: str = "count", of: str | None = None,
               **extra: Any) -> dict[str, Any]:
        """A recorded value (``values.json`` entry) of a cell, self-describing for the audit.

        Args:
            cell: The mask's cell id.
            name: The recorded name.
            measure: ``"count"`` or ``"percent"`` (of ``of``, default the place's base).
            of: The base cell of a percentage.
            **extra: More keys (``country``).

        Returns:
            ``{name, value, n, suppressed, measure, cells[, of], ...}``: ``value`` is None when
            withheld (``suppressed`` true), ``n`` the published base (None when withheld);
            ``cells`` (and ``of``) name the question, places and answers summed.
        """
        of = of or self.base_of(cell)
        value: Any = self.count(cell) if measure == "count" else self.share(cell, of)
        withheld = value is None and not (measure == "percent" and self.count(of) == 0 and self.shown(cell))
        if isinstance(value, float):
            value = round(value, 6)
        entry = {"name": name, "value": value, "n": self.count(of), "suppressed": withheld,
                 "measure": measure, "cells": self.spec(cell), **extra}
        if measure == "percent":
            entry["of"] = self.spec(of)
            if value is not None and not self.shown(cell):
                entry["digits"] = SHARE_DIGITS  # a share-only cell: its count is an interval
        if cell in self.layout.combined:
            entry["combined"] = True  # replaced by its combination here: not a count the report sets out to give
        return entry


# The rule's results already found, layout digest -> (cells withheld, share-only cells). A
# layout (with the masks linked to it) is all the rule reads (with the threshold); the digest
# also covers this module's source and the numerical libraries, so a changed rule is searched
# again. A build's run server reads the previous build's results before computing the masks and
# writes those it used after (load_decisions, save_decisions): a build that changes one country's
# parameters does not search the masks of a hundred countries again. The audit still checks
# every run.
_DECISIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
_CHILDREN: dict[str, tuple[str, ...]] = {}  # a layout's key -> its places' keys (decided first)
_USED: set[str] = set()
POOLED_PLACE = "*"


@functools.lru_cache(maxsize=1)
def _rule_digest() -> str:
    import scipy

    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(f"numpy {np.__version__} scipy {scipy.__version__}".encode())
    return h.hexdigest()


def _layout_doc(lay: Layout) -> dict[str, Any]:
    return {"universe": lay.universe, "places": list(lay.places), "categories": list(lay.categories),
            "counts": lay.counts.to_numpy().tolist(),
            "cells": [[k, list(p), list(c)] for k, (p, c) in lay.cells.items()], "bases": list(lay.bases),
            "published": sorted(lay.published), "withheld": sorted(lay.withheld), "first": list(lay.first),
            "combined": sorted(lay.combined),
            "same_as": sorted([k, u, list(p), list(c)] for k, (u, p, c) in lay.same_as.items())}


def _layout_digest(lay: Layout, t: int, linked: Sequence[Mask] = ()) -> str:
    doc = {"rule": _rule_digest(), "threshold": t, "layout": _layout_doc(lay),
           "linked": [[_layout_doc(m.layout), sorted(m.hidden), sorted(m.share_only)] for m in linked]}
    return hashlib.sha256(json.dumps(doc, separators=(",", ":")).encode()).hexdigest()


def load_decisions(path: Path | str) -> int:
    """Remember the rule's results a previous build saved; return how many.

    None are read if the file is missing, unreadable or of another shape (they are searched again).
    """
    try:
        saved = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    if not isinstance(saved, dict) or saved.get("rule") != _rule_digest():
        return 0
    layouts = saved.get("layouts") or {}
    if not isinstance(layouts, dict) or not all(isinstance(v, list) and len(v) == 3 for v in layouts.values()):
        return 0  # damaged, or written by another version of the rule: searched again
    for key, (hidden, share_only, children) in layouts.items():
        _DECISIONS[str(key)] = (tuple(str(c) for c in hidden), tuple(str(c) for c in share_only))
        _CHILDREN[str(key)] = tuple(str(c) for c in children)
    return len(layouts)


def save_decisions(path: Path | str) -> None:
    """Write the results this process used (found or remembered), sorted.

    The same layouts give the same bytes.
    """
    doc = {"rule": _rule_digest(), "layouts": {k: [list(_DECISIONS[k][0]), list(_DECISIONS[k][1]),
                                                    list(_CHILDREN.get(k, ()))] for k in sorted(_USED)}}
    write_atomic(Path(path), json.dumps(doc, indent=0, sort_keys=True) + "\n")


def _restrict(lay: Layout, place: str) -> Layout:
    """One place's own cells (``place|...``) of a layout, on that place's leaves alone."""
    prefix = f"{place}|"
    cells = {k: v for k, v in lay.cells.items() if k.startswith(prefix) and v[0] == (place,)}
    return Layout(lay.universe, (place,), lay.categories, lay.counts[[place]], cells,
                  tuple(b for b in lay.bases if b in cells), frozenset(lay.published & set(cells)),
                  frozenset(lay.withheld & set(cells)), {k: v for k, v in lay.same_as.items() if k in cells},
                  tuple(c for c in lay.first if c in cells), frozenset(lay.combined & set(cells)))


def _national_places(lay: Layout) -> list[str]:
    """The places whose own cells are decided on their own leaves first (all, unless one place holds all)."""
    owners = {k.split("|", 1)[0] for k, (places, _) in lay.cells.items()
              if len(places) == 1 and k.startswith(f"{places[0]}|")}
    if set(lay.cells) <= {k for k in lay.cells if k.split("|", 1)[0] in owners} and len(owners) == 1:
        return []  # one place and nothing pooled: decided as it is
    return [p for p in lay.places if p in owners]


def suppress(lay: Layout, threshold: int | None = None, reliability_min_n: int | None = None,
             linked: Sequence[Mask] = (), by_place: bool = True, *, rules: DisclosureSettings | None = None) -> Mask:
    """Apply the module's rule to a layout and return its mask (the one mask of those tables).

    Each place's own cells (a country's column) are decided first on that place's leaves
    alone, with the place's part of the linked masks: a country's pattern depends only on its
    own rows. The pooled cells (and any other cell spanning places) are then decided with
    every place's cells fixed as decided; some may be published as a rounded share alone.

    Args:
        lay: The layout (see :func:`layout`).
        threshold: Overrides ``params/study.yml`` (tests; a study setting otherwise).
        reliability_min_n: Overrides ``params/study.yml``.
        linked: Masks of other families the layout's ``same_as`` ties to (a population's
            sub-populations): their published cells and the ties are known to the attacker,
            and their small leaves can be in a group too.
        by_place: Decide each place's own cells first, on its own leaves (False: the whole
            layout at once, for a table whose places are the groups of another question).
        rules: The study's settings (default: those of the study folder around the working
            directory); ``threshold`` and ``reliability_min_n`` override them.

    Returns:
        The mask: bases first, then the ``first`` cells, then every other cell from the
        largest down, each published when the rule still holds with it (see the module
        docstring).

    Raises:
        DisclosureError: the cells another table publishes already break the rule here.
    """
    cfg = rules if rules is not None else settings()
    t = cfg.threshold if threshold is None else DisclosureSettings(threshold=threshold).threshold
    rel = cfg.reliability_min_n if reliability_min_n is None else int(reliability_min_n)
    key = _layout_digest(lay, t, linked) + ("" if by_place else ":whole")
    if key not in _DECISIONS:
        national = _national_places(lay) if by_place else []
        if national:
            hidden: set[str] = set()
            children = []
            for place in national:
                own = [m.restricted(place) for m in linked if place in m.layout.places]
                sub = _restrict(lay, place)
                children.append(_layout_digest(sub, t, own))
                hidden |= suppress(sub, t, rel, own, rules=cfg).hidden
            _CHILDREN[key] = tuple(children)
            decided = {k for place in national for k in _restrict(lay, place).cells}
            fixed = replace(lay, published=lay.published | (decided - hidden), withheld=lay.withheld | hidden)
            withheld, share_only = _decide(fixed, t, linked, share_only=True)
        else:
            withheld, share_only = _decide(lay, t, linked, share_only=False)
        _DECISIONS[key] = (tuple(sorted(withheld)), tuple(sorted(share_only)))
    _mark_used(key)
    hidden_cells, share_cells = _DECISIONS[key]
    return Mask(lay, t, frozenset(hidden_cells), rel, frozenset(share_cells))


def _mark_used(key: str) -> None:
    """A decision used, with its places' decisions (kept beside it, so a remembered one keeps them)."""
    todo = [key]
    while todo:
        current = todo.pop()
        if current not in _USED:
            _USED.add(current)
            todo += [c for c in _CHILDREN.get(current, ()) if c in _DECISIONS]


@dataclass
class _Problem:
    """The attacker's view of one layout with the masks linked to it: leaves, cells, what is known.

    The equations are sparse (each names a few leaves): with a hundred countries a table of
    the chain of withheld bases is linked to the population table and to every table before
    it, tens of thousands of cells over as many leaves, which as dense rows held gigabytes.
    """

    leaves: list[tuple[str, str, str]]
    x: np.ndarray
    cells: list[str]                        # the layout's own cells, in the order of ``own``
    own: Any                                # their rows (sparse, cells x leaves)
    known: Any                              # linked published cells and ties (sparse rows)
    known_values: np.ndarray                # ... and their values
    small: Any                              # linked published bases below t (sparse rows)

    def __post_init__(self) -> None:
        self._at = {cell: k for k, cell in enumerate(self.cells)}

    def row(self, cell: str) -> np.ndarray:
        """One of the layout's cells as a dense row over the leaves."""
        return self.own[self._at[cell]].toarray().ravel()

    def leafset(self, cell: str) -> bytes:
        """The leaves a cell counts, as bytes (two cells of the same leaves give the same bytes)."""
        row = self.own[self._at[cell]]
        return np.sort(row.indices[row.data > 0.5]).astype(np.intp).tobytes()

    def rows_of(self, cells: Iterable[str]) -> Any:
        """Some of the layout's cells' rows (sparse)."""
        return self.own[[self._at[c] for c in cells]]


def _problem(lay: Layout, linked: Sequence[Mask], t: int) -> _Problem:
    from scipy.sparse import csr_matrix

    leaves: list[tuple[str, str, str]] = []
    values: list[float] = []
    for fam in [lay, *(m.layout for m in linked)]:
        grid = fam.counts.to_numpy(dtype=float)
        for i, c in enumerate(fam.categories):
            for j, p in enumerate(fam.places):
                leaves.append((fam.universe, p, c))
                values.append(grid[i, j])
    index = {leaf: i for i, leaf in enumerate(leaves)}

    def columns(universe: str, places: Iterable[str], cats: Iterable[str]) -> list[int]:
        return [index[(universe, p, c)] for c in cats for p in places]

    def matrix(rows: list[tuple[list[int], list[float]]]) -> Any:
        indptr = np.cumsum([0, *(len(cols) for cols, _ in rows)])
        cols = np.array([c for cols, _ in rows for c in cols], dtype=np.int64)
        data = np.array([v for _, vals in rows for v in vals], dtype=float)
        out = csr_matrix((data, cols, indptr), shape=(len(rows), len(leaves)))
        out.sum_duplicates()
        return out

    x = np.array(values)
    cells = list(lay.cells)
    own_cols = {cell: columns(lay.universe, *lay.cells[cell]) for cell in cells}
    known: list[tuple[list[int], list[float]]] = []
    known_values: list[float] = []
    small: list[tuple[list[int], list[float]]] = []
    universes = {m.universe: m for m in linked}
    for m in linked:
        for cell, (places, cats) in m.layout.cells.items():
            if m.shown(cell):
                cols = columns(m.universe, places, cats)
                value = float(x[cols].sum())
                known.append((cols, [1.0] * len(cols)))
                known_values.append(value)
                if cell in m.layout.bases and 1 <= value < t:
                    small.append((cols, [1.0] * len(cols)))
    for cell, (universe, places, cats) in lay.same_as.items():
        other = universes.get(universe)
        if other is not None and set(places) <= set(other.layout.places):
            theirs = columns(universe, places, cats)
            known.append((own_cols[cell] + theirs, [1.0] * len(own_cols[cell]) + [-1.0] * len(theirs)))
            known_values.append(0.0)
    prob = _Problem(leaves, x, cells, matrix([(own_cols[c], [1.0] * len(own_cols[c])) for c in cells]),
                    matrix(known), np.array(known_values), matrix(small))
    return _merged(prob)


def _merged(prob: _Problem) -> _Problem:
    """The same problem with the leaves that every equation treats alike merged into one.

    Two leaves whose columns are equal in every row (every cell the layout may publish,
    every linked cell and tie) are equal in every vector of any row space those rows span:
    a group the attacker can fix holds both or neither. Merging them (their counts added) is
    exact, and it makes the linked population table, whose atoms most cells do not tell
    apart, as small as the distinctions the published cells draw.
    """
    from scipy.sparse import vstack

    matrix = vstack([prob.own, prob.known, prob.small], format="csr")
    first, inverse = _same_columns(matrix)
    if len(first) == len(prob.x):
        return prob
    order = np.argsort(first)              # keep the leaves' first-seen order
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    group = rank[inverse]
    keep = first[order]
    x = np.bincount(group, weights=prob.x, minlength=len(keep))
    leaves = [prob.leaves[k] for k in keep]
    squeezed = matrix.tocsc()[:, keep].tocsr()
    k, n = prob.own.shape[0], prob.known.shape[0]
    return _Problem(leaves, x, prob.cells, squeezed[:k], squeezed[k:k + n], prob.known_values,
                    squeezed[k + n:])


def _same_columns(matrix: Any) -> tuple[np.ndarray, np.ndarray]:
    """Which columns of a sparse ``matrix`` are equal: each class's first column, and each column's class.

    The classes of ``np.unique`` of the columns (``return_index``, ``return_inverse``; numbered
    in another order, which :func:`_merged` does not read), without making the matrix dense
    or sorting its columns: with a hundred countries a chain table's problem has ten
    thousand columns of thousands of rows. The equations' coefficients are 0 and +-1, so each
    column gets three signatures, its sums with random whole weights below 2**20: every
    partial sum is a whole number below 2**53, exact in floating point whatever the order of
    the sum. Columns alike in all three are then compared entry by entry; a pair that
    differs (the signatures make it unlikely beyond measure) is told apart by its entries.
    """
    n_rows, n_cols = matrix.shape
    if not n_cols:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    weights = np.random.default_rng(20210726).integers(1, 2**20, size=(n_rows, 3)).astype(float)
    whole = bool(np.isin(matrix.data, (-1.0, 0.0, 1.0)).all()) and n_rows < 2**32
    signatures = np.asarray(matrix.T @ weights) if whole else np.zeros((n_cols, 3))
    _, first, inverse = np.unique(signatures, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    columns = matrix.tocsc()
    columns.sum_duplicates()
    columns.eliminate_zeros()

    def entries(j: int) -> tuple[bytes, bytes]:
        lo, hi = columns.indptr[j], columns.indptr[j + 1]
        return columns.indices[lo:hi].tobytes(), columns.data[lo:hi].tobytes()

    shared = np.bincount(inverse, minlength=len(first)) > 1
    if not shared.any():
        return first, inverse
    # Within a class of equal signatures, the columns' entries decide (almost always all alike).
    classes: dict[tuple[int, tuple[bytes, bytes]], int] = {}
    firsts: list[int] = []
    out = np.empty(n_cols, dtype=np.intp)
    for j in range(n_cols):
        key = (int(inverse[j]), entries(j) if shared[inverse[j]] else (b"", b""))
        if key not in classes:
            classes[key] = len(firsts)
            firsts.append(j)
        out[j] = classes[key]
    return np.array(firsts, dtype=np.intp), out


def _decide(lay: Layout, t: int, linked: Sequence[Mask], share_only: bool) -> tuple[set[str], set[str]]:
    """The greedy search of the module docstring: the cells withheld, and the share-only ones."""
    from scipy.sparse import vstack

    prob = _problem(lay, linked, t)
    x = prob.x
    values = {cell: int(round(float(v))) for cell, v in zip(prob.cells, prob.own @ x, strict=True)}
    known = vstack([prob.known, prob.rows_of(sorted(lay.published))], format="csr")
    places = _place_index(prob.leaves)
    small_bases = [row for row in prob.small.toarray()]
    attacker = _PlaceAttacker(x, t, small_bases, known, places) if places.max(initial=0) > 0 \
        else _Attacker(x, t, small_bases, known.toarray())
    published: set[str] = set()
    for cell in sorted(lay.published):
        published.add(cell)
        if cell in lay.bases and 1 <= values[cell] < t:
            attacker.small_bases.append(prob.row(cell))
    if lay.published or prob.known.shape[0]:
        # Cells that are published whatever this table does (the sample flow, other tables'):
        # only a proven group is an error here.
        group = attacker.violation(attacker.basis, maybe=False)
        if group is not None:
            raise DisclosureError(f"{lay.universe}: the cells other tables publish reveal a group of "
                                  f"{int(group @ x)} ({_describe(group, prob.leaves)})")
    # A cell counting the very respondents of a withheld cell is withheld with it (printing it
    # would publish what the other withholds, whether or not that is a small group).
    withheld_sets = {prob.leafset(c) for c in lay.withheld}
    first = [c for c in lay.first if c not in lay.bases]
    others = sorted((c for c in lay.cells if c not in lay.bases and c not in lay.first),
                    key=lambda c: (-values[c], c))
    # Linked to the population table with many places, the pooled cells are published only
    # where the published cells already fix them: the search over every place's atoms would
    # outgrow a build, and publishing what is known already is always safe.
    searched = not (share_only and linked and len(lay.places) > _LINKED_SHARES_MAX_PLACES)
    for cell in [*lay.bases, *first, *others]:
        if cell in published or cell in lay.withheld:
            continue
        leafset = prob.leafset(cell)
        small = cell not in lay.bases and 1 <= values[cell] < t  # a small count is never printed
        if leafset in withheld_sets or small:
            withheld_sets.add(leafset)
            continue
        small_base = cell in lay.bases and 1 <= values[cell] < t
        if small_base:  # a printed base is no disclosure (rule 2): a group that is the base is explained
            attacker.small_bases.append(prob.row(cell))
        trial = attacker.with_row(prob.row(cell))
        # A cell the published ones already fix adds nothing an attacker does not know.
        if trial is attacker.basis or (searched and attacker.violation(trial) is None):
            attacker.basis = trial
            published.add(cell)
        else:
            withheld_sets.add(leafset)
            if small_base:
                attacker.small_bases.pop()
    withheld = set(lay.cells) - published
    # Linked to the population table, a pooled share's interval is judged against the atoms
    # of every place: with many places that search outgrows a build, so such a table then
    # shows no share alone (it withholds, which is always safe).
    allowed = share_only and (not linked or len(lay.places) <= _LINKED_SHARES_MAX_PLACES)
    chosen = _share_only(lay, prob, attacker, published, values, t) if allowed else set()
    return withheld, chosen


def _place_index(leaves: Sequence[tuple[str, str, str]]) -> np.ndarray:
    """Each leaf's place, numbered in order of first appearance."""
    numbers: dict[str, int] = {}
    return np.array([numbers.setdefault(place, len(numbers)) for _, place, _ in leaves], dtype=int)


def rounding_interval(share: float, n: int, digits: int = SHARE_DIGITS) -> tuple[int, int]:
    """The counts out of ``n`` whose share rounds (half up) to ``share`` at ``digits`` decimals."""
    fits = [k for k in range(n + 1) if round_half_up(100.0 * k / n, digits) == share]
    return (min(fits), max(fits)) if fits else (0, -1)


def _share_only(lay: Layout, prob: _Problem, attacker: _Attacker, published: set[str], values: dict[str, int],
                t: int) -> set[str]:
    """Pooled cells withheld as counts whose rounded share alone can be published.

    A share of a published base, rounded as printed, tells the count only to an interval.
    The cell is taken when no group holding 1..t-1 that the exact count would fix is, with
    every interval so far, known to lie within 1..t-1 (the integer program's least and
    greatest value of the group, counts being whole and >= 0).
    """
    chosen: set[str] = set()
    intervals: list[tuple[np.ndarray, int, int]] = []
    candidates = sorted((c for c in lay.cells if c.startswith(f"{POOLED_PLACE}|") and c not in published
                         and c not in lay.withheld and c not in lay.bases and values[c] >= t),
                        key=lambda c: (-values[c], c))
    equalities = [*zip(prob.known.toarray(), prob.known_values, strict=True),
                  *((prob.row(c), float(values[c])) for c in sorted(published))]
    for cell in candidates:
        base = f"{cell.split('|', 1)[0]}|*"
        if base not in published or values[base] == 0:
            continue
        share = round_half_up(100.0 * values[cell] / values[base], SHARE_DIGITS)
        lo, hi = rounding_interval(share, values[base])
        if lo >= hi:
            continue  # the share gives the count itself, which the rule withholds
        trial = [*intervals, (prob.row(cell), lo, hi)]
        basis = attacker.basis
        for vec, _, _ in trial:
            basis = attacker.add(basis, vec)
        groups = itertools.islice(attacker.violations(basis), 64)
        if not any(_pinned(g, prob.x, equalities, trial, t) for g in groups) \
                and not _bounds_below(lay, prob, published | chosen, equalities, intervals, trial, t):
            chosen.add(cell)
            intervals = trial
    return chosen


def _bounds_below(lay: Layout, prob: _Problem, shown: set[str], equalities: list[tuple[np.ndarray, float]],
                  before: list[tuple[np.ndarray, int, int]], after: list[tuple[np.ndarray, int, int]], t: int) -> bool:
    """Whether the intervals ``after`` bring a withheld cell's greatest whole value to 1..t-1.

    A withheld count known to be below the threshold tells that it is small (tau-ARGUS: its
    protection interval must reach the threshold, the upper protection level). Only a cell
    the new interval brings there counts: one already there is not this share's doing.
    """
    for cell in sorted(set(lay.cells) - shown - set(lay.bases)):
        row = prob.row(cell)
        if 1 <= _greatest(row, prob.x, equalities, after) <= t - 1 \
                and not 1 <= _greatest(row, prob.x, equalities, before) <= t - 1:
            return True
    return False


def _greatest(group: np.ndarray, x: np.ndarray, equalities: list[tuple[np.ndarray, float]],
              intervals: list[tuple[np.ndarray, int, int]]) -> float:
    """The greatest whole, non-negative value of ``group`` under the equalities and intervals (inf: unbounded)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    rows = [(vec, value, value) for vec, value in equalities] + [(vec, float(lo), float(hi)) for vec, lo, hi in intervals]
    constraints = [LinearConstraint(np.array([r for r, _, _ in rows]), np.array([lo for _, lo, _ in rows]),
                                    np.array([hi for _, _, hi in rows]))] if rows else []
    res = milp(-group, constraints=constraints, integrality=np.ones(len(x)), bounds=Bounds(0, float(x.sum())))
    return float(group @ np.round(res.x)) if res.x is not None else float("inf")


def _with_row(basis: np.ndarray, row: np.ndarray) -> np.ndarray:
    coeffs = row @ basis
    return basis if np.abs(coeffs).max(initial=0.0) < _TOL else _without(basis, coeffs)


def _pinned(group: np.ndarray, x: np.ndarray, equalities: list[tuple[np.ndarray, float]],
            intervals: list[tuple[np.ndarray, int, int]], t: int) -> bool:
    """Whether every whole, non-negative solution puts ``group`` within 1..t-1."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    constraints = []
    if equalities:
        a = np.array([vec for vec, _ in equalities])
        b = np.array([value for _, value in equalities])
        constraints.append(LinearConstraint(a, b, b))
    if intervals:
        constraints.append(LinearConstraint(np.array([vec for vec, _, _ in intervals]),
                                            np.array([lo for _, lo, _ in intervals], dtype=float),
                                            np.array([hi for _, _, hi in intervals], dtype=float)))
    bounds = Bounds(0, float(x.sum()))
    ends = []
    for sign in (1.0, -1.0):
        res = milp(sign * group, constraints=constraints, integrality=np.ones(len(x)), bounds=bounds)
        if res.x is None:
            return False
        ends.append(float(group @ np.round(res.x)))
    low, high = ends
    return low >= 1 and high <= t - 1


def _describe(group: np.ndarray, leaves: list[tuple[str, str, str]]) -> str:
    return ", ".join(f"{u}:{p}/{c}" for (u, p, c), g in zip(leaves, group, strict=True) if g > 0.5)


# --------------------------------------------------------------------------- published tables
@dataclass(frozen=True)
class Entry:
    """One table cell's text and the mask cells it shows (empty for plain text)."""

    text: str
    refs: tuple[tuple[str, Mask, str, str | None], ...] = ()  # (measure, mask, cell, base cell)


def text(value: str) -> Entry:
    """Whether a table cell holds no count.

    Such a cell is a label, a test, or a mean (checked by :func:`statistic_shown`).
    """
    return Entry(str(value))


@dataclass(frozen=True)
class PublishedTable:
    """A table every number of which came from a mask: what ``Section.show_table`` accepts.

    ``frame`` holds the display strings; ``describe()`` lists, for each cell that shows a
    count or a share, where it is and what it sums, so that an auditor can read the CSV
    without having computed it.
    """

    frame: pd.DataFrame
    entries: Mapping[tuple[int, int], Entry]
    notes: tuple[str, ...] = ()

    def rename(self, index: Mapping | Any = None, columns: Mapping | Any = None) -> PublishedTable:
        """The table with its labels renamed (as :meth:`pandas.DataFrame.rename`); entries kept."""
        return PublishedTable(self.frame.rename(index=index, columns=columns), self.entries, self.notes)

    @property
    def empty(self) -> bool:
        """Whether the table has no cells."""
        return self.frame.empty

    @property
    def index(self) -> pd.Index:
        """The table's row labels."""
        return self.frame.index

    @property
    def columns(self) -> pd.Index:
        """The table's column labels."""
        return self.frame.columns

    def describe(self) -> list[dict[str, Any]]:
        """One record per published number: position, measure and the cells it sums (the audit's input)."""
        out = []
        for (i, j), entry in sorted(self.entries.items()):
            for measure, mask, cell, of in entry.refs:
                item: dict[str, Any] = {"at": [i, j], "measure": measure, "cells": mask.spec(cell),
                                        "threshold": mask.threshold}
                if measure == "percent":
                    item["of"] = mask.spec(of or mask.base_of(cell))
                out.append(item)
        return out


def table(columns: Mapping[Any, Mapping[Any, Entry]], index: Sequence[Any] | None = None,
          notes: Iterable[str] = ()) -> PublishedTable:
    """Assemble a published table from entries (column -> row -> entry).

    Args:
        columns: Column label (a tuple for a two-level header) -> {row label: entry}.
        index: Row order (default: first appearance).
        notes: Plain-word notes for the marks the table uses.

    Raises:
        TypeError: a cell that is not an :class:`Entry` (numbers reach a table only from a mask).
    """
    rows: list[Any] = list(index) if index is not None else []
    for col in columns.values():
        for label in col:
            if label not in rows:
                rows.append(label)
    cols = list(columns)
    data = []
    entries: dict[tuple[int, int], Entry] = {}
    for i, label in enumerate(rows):
        line = []
        for j, col in enumerate(cols):
            entry = columns[col].get(label, Entry(""))
            if not isinstance(entry, Entry):
                raise TypeError(f"table cell {label!r} x {col!r} is {type(entry).__name__}, not a disclosure Entry")
            line.append(entry.text)
            if entry.refs:
                entries[(i, j)] = entry
        data.append(line)
    header = pd.MultiIndex.from_tuples(cols) if cols and all(isinstance(c, tuple) for c in cols) else cols
    frame = pd.DataFrame(data, index=rows, columns=header, dtype=object)
    return PublishedTable(frame, entries, tuple(notes))


# The note that explains each mark, as a template (a report translates it through its catalogue).
NOTES = {
    WITHHELD_MARK: "{mark}: withheld under the small-cell rule: the number is below {threshold}, or it would let "
                   "a number below {threshold} be worked out from the totals.",
    RELIABILITY_MARK: "{mark}: based on fewer than {reliability_min_n} respondents; read as an indication only.",
    COMBINED_MARK: "{mark}: counted in the combined answer below it: where one of the answers it combines holds "
                   "fewer than {threshold} respondents, they are shown together, before anything is withheld.",
}


def notes_for(tables: Iterable[PublishedTable | pd.DataFrame], threshold: int, reliability_min_n: int) -> list[str]:
    """Plain-word notes (:data:`NOTES`, in English) for exactly the marks that appear in the tables."""
    texts: set[str] = set()
    for tab in tables:
        frame = tab.frame if isinstance(tab, PublishedTable) else tab
        texts.update(str(v) for v in frame.to_numpy().ravel())
    notes = []
    fields = {"threshold": threshold, "reliability_min_n": reliability_min_n}
    if any(v == COMBINED_MARK for v in texts):
        notes.append(NOTES[COMBINED_MARK].format(mark=COMBINED_MARK, **fields))
    if any(v == WITHHELD_MARK for v in texts):
        notes.append(NOTES[WITHHELD_MARK].format(mark=WITHHELD_MARK, **fields))
    if any(RELIABILITY_MARK in v for v in texts):
        notes.append(NOTES[RELIABILITY_MARK].format(mark=RELIABILITY_MARK, **fields))
    return notes
