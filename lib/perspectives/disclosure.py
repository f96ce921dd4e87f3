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
       cells are then all withheld (zeros too, as under a small withheld base), and the
       group "all of this base" is the base itself, which is not a disclosure.
    3. Where the base is shown, a published percentage is a published count. A withheld
       pooled count may still show its share, rounded to whole percent (``SHARE_DIGITS``),
       when the interval of counts that round to it pins no group within 1..t-1: the
       integer program below gives each group's least and greatest value with the intervals.
       Where the whole percent would, the share is tried at the coarser precisions of
       ``disclosure.share_digits`` in ``params/study.yml`` (-1: the nearest ten points),
       the first that pins nothing published; none: it is withheld with its count. It is
       recorded with its ``digits`` (``values.json``) and said, if at all, as an approximate
       figure ("about 80%"): a table, chart or ranking prints a share only beside its count
       (:meth:`Mask.share`); beside a withheld count it reads as the count given away.
       Rounding as protection: Hundepool et al. (2012), ch. 5; tau-ARGUS's protection interval.
    4. A statistic other than a count (a mean) is published on at least ``t`` respondents,
       whether or not their count is; the analysis withholds a pooled mean only where the
       places whose means are withheld hold together 1..t-1 respondents (their mean could
       then be worked out). A mean is published as the tables print it (``MEAN_DIGITS``), on
       a withheld base only from ``10**MEAN_DIGITS`` respondents (the decimals then allow
       every n), and only where, each answer within its band, it brings no group of withheld
       cells below ``t`` (:func:`means_published`, each place's sum of answers a variable). A
       share printed alone (rule 3) must not bring a withheld count's greatest value below ``t``
       either (upper protection).

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
    replaces its parts there (``combined``: the parts are withheld, shown with the one
    withheld mark and described as ``combined`` for the audit, not counted as counts the
    report sets out to give), and it is tried before any other cell,
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

Parts
    This module decides the masks (:func:`suppress`, with the results remembered between
    builds) and builds the published tables; it exports the rule's whole public API. The
    layout, the mask and its entries are in :mod:`perspectives.disclosure_cells`; the
    greedy search and the share-only cells in :mod:`perspectives.disclosure_search`; the
    attacker's null space and its search for small groups in
    :mod:`perspectives.disclosure_attacker`; rule 4 for means in
    :mod:`perspectives.disclosure_means`.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from perspectives import disclosure_attacker, disclosure_cells, disclosure_search
from perspectives.disclosure_cells import (
    RELIABILITY_MARK,
    SHARE_DIGITS,
    WITHHELD_MARK,
    Entry,
    Layout,
    Mask,
    layout,
    restrict,
)
from perspectives.disclosure_means import means_published
from perspectives.disclosure_search import DisclosureError, decide
from perspectives.files import write_atomic
from perspectives.project import Project, default
from perspectives.study import read_yaml

# The rule's public API is this module's: the cells' vocabulary (disclosure_cells), the search's
# error (disclosure_search) and the means' rule (disclosure_means) are exported from here.
__all__ = [
    "NOTES",
    "RELIABILITY_MARK",
    "SHARE_DIGITS",
    "WITHHELD_MARK",
    "DisclosureError",
    "DisclosureSettings",
    "Entry",
    "Layout",
    "Mask",
    "PublishedTable",
    "layout",
    "load_decisions",
    "means_published",
    "notes_for",
    "save_decisions",
    "settings",
    "statistic_shown",
    "suppress",
    "table",
    "text",
]


@dataclass(frozen=True)
class DisclosureSettings:
    """The small-cell threshold, the minimum base for an unmarked estimate, and a share's precisions.

    ``share_digits``: the decimals a pooled share printed alone may be rounded to, finest
    first (0 whole percent, -1 the nearest ten points); the first that pins no small group
    is used.
    """

    threshold: int = 5
    reliability_min_n: int = 25
    share_digits: tuple[int, ...] = (SHARE_DIGITS,)

    def __post_init__(self) -> None:
        if int(self.threshold) != self.threshold or self.threshold < 2:
            raise ValueError(f"disclosure threshold must be a whole number >= 2, got {self.threshold}")
        if int(self.reliability_min_n) != self.reliability_min_n or self.reliability_min_n < 1:
            raise ValueError(f"reliability_min_n must be a whole number >= 1, got {self.reliability_min_n}")
        digits = self.share_digits
        if not digits or digits[0] != SHARE_DIGITS or list(digits) != sorted(digits, reverse=True) \
                or len(set(digits)) != len(digits):
            raise ValueError(f"share_digits must start at {SHARE_DIGITS} (the precision every share "
                             f"is printed at) and go down, coarser each, such as [0, -1]; got {list(digits)}")


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
    digits = block.get("share_digits", [SHARE_DIGITS])
    return DisclosureSettings(threshold=int(block["threshold"]), reliability_min_n=int(block["reliability_min_n"]),
                              share_digits=tuple(int(d) for d in digits))


def statistic_shown(n: int | None, threshold: int | None = None) -> bool:
    """Whether a statistic other than a count (a mean) may be published on ``n`` respondents.

    Rule 4 of the module: only on a published base of at least the threshold (default: the
    study's around the working directory).
    """
    t = settings().threshold if threshold is None else int(threshold)
    return n is not None and int(n) >= t


# The rule's results already found, layout digest -> (cells withheld, share-only cells). A
# layout (with the masks linked to it) is all the rule reads (with the threshold); the digest
# also covers the rule's source and the numerical libraries, so a changed rule is searched
# again. A build's run server reads the previous build's results before computing the masks and
# writes those it used after (load_decisions, save_decisions): a build that changes one country's
# parameters does not search the masks of a hundred countries again. The audit still checks
# every run.
_DECISIONS: dict[str, tuple[tuple[str, ...], tuple[tuple[str, int], ...]]] = {}
_CHILDREN: dict[str, tuple[str, ...]] = {}  # a layout's key -> its places' keys (decided first)
_USED: set[str] = set()


@functools.lru_cache(maxsize=1)
def _rule_digest() -> str:
    import scipy

    h = hashlib.sha256()
    # The rule's source, in all its parts: a change to any of them searches the masks again.
    for module in (__file__, disclosure_cells.__file__, disclosure_search.__file__, disclosure_attacker.__file__):
        h.update(Path(module).read_bytes())
    h.update(f"numpy {np.__version__} scipy {scipy.__version__}".encode())
    return h.hexdigest()


def _layout_doc(lay: Layout) -> dict[str, Any]:
    return {"universe": lay.universe, "places": list(lay.places), "categories": list(lay.categories),
            "counts": lay.counts.to_numpy().tolist(),
            "cells": [[k, list(p), list(c)] for k, (p, c) in lay.cells.items()], "bases": list(lay.bases),
            "published": sorted(lay.published), "withheld": sorted(lay.withheld), "first": list(lay.first),
            "combined": sorted(lay.combined),
            "same_as": sorted([k, u, list(p), list(c)] for k, (u, p, c) in lay.same_as.items()),
            # Only when False, so that the decisions recorded for other layouts keep their keys.
            **({} if lay.shares_alone else {"shares_alone": False})}


def _layout_digest(lay: Layout, t: int, linked: Sequence[Mask] = (), share_digits: Sequence[int] = ()) -> str:
    doc = {"rule": _rule_digest(), "threshold": t, "share_digits": list(share_digits), "layout": _layout_doc(lay),
           "linked": [[_layout_doc(m.layout), sorted(m.hidden), sorted(m.share_only.items())] for m in linked]}
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
    try:
        read = {str(key): (tuple(str(c) for c in hidden), tuple((str(c), int(d)) for c, d in share_only),
                           tuple(str(c) for c in children)) for key, (hidden, share_only, children) in layouts.items()}
    except (TypeError, ValueError):
        return 0  # share-only cells without their decimals: written by another version of the rule
    for key, (hidden, share_only, children) in read.items():
        _DECISIONS[key] = (hidden, share_only)
        _CHILDREN[key] = children
    return len(layouts)


def save_decisions(path: Path | str) -> None:
    """Write the results this process used (found or remembered), sorted.

    The same layouts give the same bytes.
    """
    doc = {"rule": _rule_digest(), "layouts": {k: [list(_DECISIONS[k][0]), [list(c) for c in _DECISIONS[k][1]],
                                                    list(_CHILDREN.get(k, ()))] for k in sorted(_USED)}}
    write_atomic(Path(path), json.dumps(doc, indent=0, sort_keys=True) + "\n")



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
    key = _layout_digest(lay, t, linked, cfg.share_digits) + ("" if by_place else ":whole")
    if key not in _DECISIONS:
        national = _national_places(lay) if by_place else []
        if national:
            hidden: set[str] = set()
            children = []
            for place in national:
                own = [m.restricted(place) for m in linked if place in m.layout.places]
                sub = restrict(lay, place)
                children.append(_layout_digest(sub, t, own, cfg.share_digits))
                hidden |= suppress(sub, t, rel, own, rules=cfg).hidden
            _CHILDREN[key] = tuple(children)
            decided = {k for place in national for k in restrict(lay, place).cells}
            fixed = replace(lay, published=lay.published | (decided - hidden), withheld=lay.withheld | hidden)
            withheld, share_only = decide(fixed, t, linked, share_only=lay.shares_alone, share_digits=cfg.share_digits)
        else:
            withheld, share_only = decide(lay, t, linked, share_only=False)
        _DECISIONS[key] = (tuple(sorted(withheld)), tuple(sorted(share_only.items())))
    _mark_used(key)
    hidden_cells, share_cells = _DECISIONS[key]
    return Mask(lay, t, frozenset(hidden_cells), rel, dict(share_cells))


def _mark_used(key: str) -> None:
    """A decision used, with its places' decisions (kept beside it, so a remembered one keeps them)."""
    todo = [key]
    while todo:
        current = todo.pop()
        if current not in _USED:
            _USED.add(current)
            todo += [c for c in _CHILDREN.get(current, ()) if c in _DECISIONS]


# --------------------------------------------------------------------------- published tables

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

    def rows_in_order(self, order: Sequence[Any]) -> PublishedTable:
        """The table with the rows ``order`` names in that order, in the places those rows held.

        The other rows (the respondents, a combination's row) stay where they are; the entries
        move with their rows, so that what each published number sums is unchanged. A table
        whose row labels are not unique is returned as it is.
        """
        labels = list(self.frame.index)
        if len(set(labels)) != len(labels):
            return self
        chosen = [label for label in dict.fromkeys(order) if label in labels]
        slots = [i for i, label in enumerate(labels) if label in set(chosen)]
        placed = list(labels)
        for slot, label in zip(slots, chosen, strict=True):
            placed[slot] = label
        old = {label: i for i, label in enumerate(labels)}
        moved = {old[label]: new for new, label in enumerate(placed)}
        return PublishedTable(self.frame.iloc[[old[label] for label in placed]],
                              {(moved[i], j): entry for (i, j), entry in self.entries.items()}, self.notes)

    def unreadable(self) -> list[Any]:
        """The column groups a reader could read nothing from: every share and every base withheld.

        A group is a top-level column (a place's ``n`` and ``%``), or a column of a one-level
        header. It is unreadable when it holds shares and none of them is shown, nor any of
        the bases they are shares of, nor a statistic (a mean): counts without their base,
        beside withheld shares, say nothing a reader can weigh. A group without shares
        (counts, a test) is never one.
        """
        groups: dict[Any, list[int]] = {}
        for j, label in enumerate(self.frame.columns):
            groups.setdefault(label[0] if isinstance(label, tuple) else label, []).append(j)
        out = []
        for group, positions in groups.items():
            shares = [(mask, cell, of) for (_, j), entry in self.entries.items() if j in positions
                      for measure, mask, cell, of in entry.refs if measure == "percent"]
            # A statistic printed without refs (a mean) is something a reader can read.
            statistic = any(str(self.frame.iat[i, j]).strip() not in ("", WITHHELD_MARK)
                            for i in range(len(self.frame)) for j in positions if (i, j) not in self.entries)
            if shares and not statistic and all(mask.share(cell, of) is None and mask.count(of) is None
                                                for mask, cell, of in shares):
                out.append(group)
        return out

    def without(self, groups: Sequence[Any]) -> PublishedTable:
        """The table less the column groups ``groups`` (see :meth:`unreadable`); entries move with their columns."""
        keep = [j for j, label in enumerate(self.frame.columns)
                if (label[0] if isinstance(label, tuple) else label) not in set(groups)]
        moved = {old: new for new, old in enumerate(keep)}
        return PublishedTable(self.frame.iloc[:, keep],
                              {(i, moved[j]): entry for (i, j), entry in self.entries.items() if j in moved},
                              self.notes)

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
                if entry.text == WITHHELD_MARK and mask.is_combined(cell):
                    # The cell reads as any withheld one; the audit counts it as a part its
                    # combination replaced, not as a count the report set out to give.
                    item["combined"] = True
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
# One mark for every value not given (WITHHELD_MARK), so one note for it under a table: the one
# that says what its "–" cells are there (withheld, counted in a combined row, or either).
NOTES = {
    "withheld": "{mark}: withheld under the small-cell rule (see “Withheld number” in the definitions).",
    "combined": "{mark}: counted only in the subtotal below it (see “Combined answers” in the definitions).",
    "withheld_combined": "{mark}: withheld under the small-cell rule, or counted only in the subtotal below it (see "
                         "“Withheld number” and “Combined answers” in the definitions).",
    "reliability": "{mark}: based on fewer than {reliability_min_n} respondents; read as an indication only.",
}


def note_mark(name: str) -> str:
    """The mark a note of :data:`NOTES` explains."""
    return RELIABILITY_MARK if name == "reliability" else WITHHELD_MARK


def _withheld_kinds(tab: PublishedTable | pd.DataFrame) -> tuple[bool, bool]:
    """Whether a table shows the withheld mark for a part counted in its combination, and for any other cell."""
    frame = tab.frame if isinstance(tab, PublishedTable) else tab
    marked = {(i, j) for i, row in enumerate(frame.to_numpy()) for j, v in enumerate(row) if str(v) == WITHHELD_MARK}
    entries = tab.entries if isinstance(tab, PublishedTable) else {}
    combined = {at for at in marked if at in entries
                and all(mask.is_combined(cell) for _, mask, cell, _ in entries[at].refs)}
    return bool(combined), bool(marked - combined)


def notes_for(tables: Iterable[PublishedTable | pd.DataFrame], threshold: int, reliability_min_n: int) -> list[str]:
    """Plain-word notes (:data:`NOTES`, in English) for exactly the marks that appear in the tables."""
    combined = withheld = reliability = False
    for tab in tables:
        kinds = _withheld_kinds(tab)
        combined, withheld = combined or kinds[0], withheld or kinds[1]
        frame = tab.frame if isinstance(tab, PublishedTable) else tab
        reliability = reliability or any(RELIABILITY_MARK in str(v) for v in frame.to_numpy().ravel())
    names = [name for name, shown in (("withheld_combined", combined and withheld), ("combined", combined and not withheld),
                                      ("withheld", withheld and not combined), ("reliability", reliability)) if shown]
    fields = {"threshold": threshold, "reliability_min_n": reliability_min_n}
    return [NOTES[name].format(mark=note_mark(name), **fields) for name in names]
