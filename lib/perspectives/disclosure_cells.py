"""The small-cell rule's cells: the layout of a family of tables, its mask and the entries it makes.

Held apart from :mod:`perspectives.disclosure` (which decides the masks and builds the
published tables) because it is the vocabulary every part of the rule shares: the search
(:mod:`perspectives.disclosure_search`) reads layouts and linked masks, the means
(:mod:`perspectives.disclosure_means`) read a mask, and the report reads what a mask
shows. :class:`Layout`, :func:`layout`, :class:`Mask`, :class:`Entry` and the marks are
the public API of :mod:`perspectives.disclosure`, which exports them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from perspectives.fmt import WITHHELD_MARK, fmt_n, fmt_number, fmt_pct, round_half_up

# A share shown, but on a base below ``reliability_min_n``: not a withheld value (the number is
# given), a caveat on one that is, so a mark of its own, explained under every table using it.
RELIABILITY_MARK = "†"
# A part of a declared combination of small answers where the combination replaces its parts
# (one of them is small there) is not given either: it shows WITHHELD_MARK, the one mark of a
# value not given (its count is in the combination's row, which the table's note says).
# A share-only cell's share is printed (and recorded) to this many decimals, as every share is
# printed: its count is then known only to the interval that rounds to it. A share may be
# published coarser (``disclosure.share_digits`` in params/study.yml: -1 is the nearest ten
# points) where this precision would pin a small group: it is then an approximate figure.
SHARE_DIGITS = 0
# The place id of the pooled cells (``*|...``: all places together).
POOLED_PLACE = "*"


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
        shares_alone: Whether a pooled cell withheld as a count may still be published as a
            rounded share alone. False for a question another table breaks down by a group:
            that table is decided without the share's interval, which, with the groups'
            published cells, can pin a withheld group (the build's audit found it so).
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
    shares_alone: bool = True

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
           first: Sequence[str] = (), base_order: Sequence[str] = (), combined: Iterable[str] = (),
           shares_alone: bool = True) -> Layout:
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
        shares_alone: Whether a pooled cell withheld as a count may be published as a rounded
            share alone (see :class:`Layout`).

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
                  links, order, joined, shares_alone)


def restrict(lay: Layout, place: str) -> Layout:
    """One place's own cells (``place|...``) of a layout, on that place's leaves alone."""
    prefix = f"{place}|"
    cells = {k: v for k, v in lay.cells.items() if k.startswith(prefix) and v[0] == (place,)}
    return Layout(lay.universe, (place,), lay.categories, lay.counts[[place]], cells,
                  tuple(b for b in lay.bases if b in cells), frozenset(lay.published & set(cells)),
                  frozenset(lay.withheld & set(cells)), {k: v for k, v in lay.same_as.items() if k in cells},
                  tuple(c for c in lay.first if c in cells), frozenset(lay.combined & set(cells)))


def rounding_interval(share: float, n: int, digits: int = SHARE_DIGITS) -> tuple[int, int]:
    """The counts out of ``n`` whose share rounds (half up) to ``share`` at ``digits`` decimals."""
    fits = [k for k in range(n + 1) if round_half_up(100.0 * k / n, digits) == share]
    return (min(fits), max(fits)) if fits else (0, -1)


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
    # Withheld cells whose share alone is published, rounded, with the decimals it is rounded
    # to (SHARE_DIGITS, or coarser: -1 is the nearest ten points): the rounding leaves the
    # count an interval that pins no small group (see the module docstring of disclosure).
    share_only: Mapping[str, int] = field(default_factory=dict)
    # restricted()'s masks, by place: each table of a chain links to every one before it, so
    # a place's part of a mask is asked for again by every table after it.
    _places: dict[str, Mask] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.share_only, Mapping):  # a set of cells: shares at the usual precision
            object.__setattr__(self, "share_only", dict.fromkeys(self.share_only, SHARE_DIGITS))

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

        Rule 3: only when the count and its base are both published. A share-only cell (a
        withheld count whose rounded share the rule publishes, :meth:`approximate`) has none
        here: a table, a figure, a ranking and a sentence's share print a share only where its
        count is printed too, since a share beside a withheld count reads as the count given
        away (on its base it gives the count to within the rounding). Its rounded share is
        recorded (:meth:`record`, with its decimals) and said only as an approximate figure.
        """
        count, base = self.count(cell), self.base(cell, of)
        if count is None or base is None or base == 0:
            return None
        return 100.0 * count / base

    def approximate(self, cell: str, of: str | None = None) -> tuple[float, int] | None:
        """A share-only cell's published share and the decimals it is rounded to (-1: ten points); else None."""
        if cell not in self.share_only or (of is not None and of != self.base_of(cell)):
            return None
        base = self.base(cell)
        if base is None or base == 0 or self.shown(cell):
            return None
        digits = self.share_only[cell]
        return round_half_up(100.0 * self.layout.value(cell) / base, digits), digits

    def restricted(self, place: str) -> Mask:
        """The mask of one place's own cells (``place|...``), as :func:`suppress` decided them."""
        if place not in self._places:
            sub = restrict(self.layout, place)
            self._places[place] = Mask(sub, self.threshold, frozenset(self.hidden & set(sub.cells)),
                                       self.reliability_min_n,
                                       {c: d for c, d in self.share_only.items() if c in sub.cells})
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
    def is_combined(self, cell: str) -> bool:
        """Whether a cell is a part its combination replaces here (withheld, counted in the combined row)."""
        return cell in self.layout.combined

    def n(self, cell: str) -> Entry:
        """A count, or the withheld mark (a part counted within its combination's row is withheld too)."""
        count = self.count(cell)
        return Entry(WITHHELD_MARK if count is None else f"{count:,}", (("count", self, cell, None),))

    def base_n(self, cell: str, style: str = "plain") -> Entry:
        """A base as ``"54"`` or ``"n = 54"`` (``style="n"``)."""
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
            return Entry("" if empty else WITHHELD_MARK, (("percent", self, cell, of),))
        body = fmt_pct(share, digits) if sign else fmt_number(share, digits)
        return Entry(body + self._mark(of), (("percent", self, cell, of),))

    def pct_n(self, cell: str, digits: int = 0, of: str | None = None) -> Entry:
        """``"41% (n = 171)"``, the count alone where its base is withheld, or the withheld mark."""
        of = of or self.base_of(cell)
        share, count = self.share(cell, of), self.count(cell)
        refs = (("count", self, cell, None), ("percent", self, cell, of))
        if count is not None and self.count(of) == 0:
            return Entry(f"{count:,}", refs[:1])
        if count is not None and share is None and self.count(of) is None:
            # The rule publishes the count but withholds its base (and so the share): the
            # table prints what values.json records, the count, never less than it.
            return Entry(fmt_n(count), refs[:1])
        if share is None or count is None:
            return Entry(WITHHELD_MARK, refs)
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
        approximate = self.approximate(cell, of) if measure == "percent" else None
        value: Any = self.count(cell) if measure == "count" else self.share(cell, of)
        if approximate is not None:
            value = approximate[0]
        withheld = value is None and not (measure == "percent" and self.count(of) == 0 and self.shown(cell))
        if isinstance(value, float):
            value = round(value, 6)
        entry = {"name": name, "value": value, "n": self.count(of), "suppressed": withheld,
                 "measure": measure, "cells": self.spec(cell), **extra}
        if measure == "percent":
            entry["of"] = self.spec(of)
            if approximate is not None:
                entry["digits"] = approximate[1]  # a share-only cell: its count is an interval
        if cell in self.layout.combined:
            entry["combined"] = True  # replaced by its combination here: not a count the report sets out to give
        return entry


@dataclass(frozen=True)
class Entry:
    """One table cell's text and the mask cells it shows (empty for plain text)."""

    text: str
    refs: tuple[tuple[str, Mask, str, str | None], ...] = ()  # (measure, mask, cell, base cell)
