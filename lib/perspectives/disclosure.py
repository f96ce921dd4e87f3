"""Statistical disclosure control: the one gate every published table passes through.

Purpose
    Keep small groups of respondents from being singled out in a national report or the
    synthesis. Three rules, applied in this order:

    1. Primary suppression. A count from 1 to ``threshold - 1`` is hidden and shown as
       ``"<threshold"`` (e.g. ``"<5"``), together with any percentage built on it. A true
       zero is shown: "nobody chose this" does not point at a person.
    2. Small bases. In a row or column whose published base (its total) is from 1 to
       ``threshold - 1`` every cell is hidden, zeros included. Otherwise the line would show
       a share of 0% or 100% in a tiny group ("all three workers in X said ..."), and its
       non-zero cell could be read off as base minus the zeros. These cells are shown as
       ``"<threshold"`` too, which is true of them. A base of 0 publishes nothing to hide.
    3. Complementary suppression. In every additive line (a row or column whose cells sum
       to a published total) a single hidden cell could be recovered by subtraction, so the
       next smallest non-zero visible cell of that line is hidden as well (a zero only when
       nothing else is left), repeating until no additive line has exactly one hidden cell.
       A final algebraic check (see :func:`audit`) looks for a hidden cell that could still
       be pinned down by combining several lines, and hides more cells until none can.
       Multi-select tables are not additive, so they only get rules 1 and 2.

    Reliability marks follow the DHS programme: a share computed on fewer than
    ``reliability_min_n`` respondents is marked ``"†"`` and a note says what the mark means.

    Totals (the bases) are treated as published: they are what the methods section prints
    per country. To protect a table across reports (a national table and the synthesis
    table with the same cells), suppress the full country-by-category table once and cut
    the national tables from its mask.

Inputs
    A count table (``pd.DataFrame`` of non-negative whole numbers: categories x groups, or
    categories x ``["n"]`` for a frequency table), whether its rows/columns are additive,
    and optional published totals; the defaults ``disclosure.threshold`` and
    ``disclosure.reliability_min_n`` from ``params/study.yml``.

Outputs
    :class:`Suppression` (mask, reason and safe counts), :class:`Published` (display strings
    and plain-word notes for the marks) and :func:`audit`'s list of recoverable cells.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from perspectives.fmt import fmt_n, fmt_pct
from perspectives.study import read_yaml, repo_root

__all__ = [
    "RELIABILITY_MARK",
    "WITHHELD_MARK",
    "DisclosureSettings",
    "Published",
    "Suppression",
    "audit",
    "publish",
    "publish_frequency",
    "repo_root",
    "settings",
    "suppress",
]

RELIABILITY_MARK = "†"
WITHHELD_MARK = "–"

# Reasons recorded per cell in Suppression.reason.
SHOWN, PRIMARY, SMALL_BASE, COMPLEMENTARY = "", "primary", "small_base", "complementary"


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


@dataclass(frozen=True)
class Suppression:
    """Which cells of a count table may be published, and why the others may not."""

    mask: pd.DataFrame  # True = hidden
    reason: pd.DataFrame  # "", "primary", "small_base" or "complementary"
    safe_counts: pd.DataFrame  # float counts, NaN where hidden
    threshold: int
    additive_rows: bool
    additive_cols: bool
    row_totals: pd.Series | None  # published row bases (None: rows have no base)
    col_totals: pd.Series | None  # published column bases


@dataclass(frozen=True)
class Published:
    """Display strings of a table after disclosure control, with notes for its marks."""

    table: pd.DataFrame
    notes: list[str]
    suppression: Suppression


def settings(path: Path | str | None = None) -> DisclosureSettings:
    """Read the disclosure defaults from ``params/study.yml`` (or ``path``)."""
    if path is None:
        return _default_settings()
    return _read_settings(Path(path))


@functools.lru_cache(maxsize=1)
def _default_settings() -> DisclosureSettings:
    # Every published table asks for the defaults; parse the study file once per process.
    return _read_settings(repo_root() / "params" / "study.yml")


def _read_settings(path: Path) -> DisclosureSettings:
    block = (read_yaml(path) or {}).get("disclosure")
    if not isinstance(block, dict):
        raise KeyError(f"{path} has no 'disclosure' block")
    return DisclosureSettings(
        threshold=int(block["threshold"]), reliability_min_n=int(block["reliability_min_n"])
    )


def _resolve(threshold: int | None, reliability_min_n: int | None) -> DisclosureSettings:
    """Arguments override the defaults in params/; validation happens in the dataclass."""
    if threshold is not None and reliability_min_n is not None:
        return DisclosureSettings(threshold, reliability_min_n)
    base = settings()
    return DisclosureSettings(
        threshold if threshold is not None else base.threshold,
        reliability_min_n if reliability_min_n is not None else base.reliability_min_n,
    )


def _whole_counts(counts: pd.DataFrame) -> np.ndarray:
    """Counts as an int array; fractions, NaN and negatives are errors, not roundable."""
    if counts.empty:
        raise ValueError("the count table is empty")
    if not counts.index.is_unique or not counts.columns.is_unique:
        raise ValueError("row and column labels must be unique")
    values = counts.to_numpy(dtype="float64")
    if np.isnan(values).any() or (values < 0).any() or (values != np.round(values)).any():
        raise ValueError("counts must be non-negative whole numbers without gaps")
    return values.astype("int64")


def _totals(
    values: np.ndarray, given: pd.Series | None, labels: pd.Index, additive: bool, axis: int, what: str
) -> np.ndarray | None:
    """Published bases for one orientation, checked against the cells."""
    sums = values.sum(axis=axis)
    if given is None:
        return sums if additive else None
    given = pd.Series(given)
    if set(given.index) != set(labels):
        raise ValueError(f"{what} totals must be given for exactly the table's {what}s")
    tot = given.reindex(labels).to_numpy(dtype="float64")
    if np.isnan(tot).any() or (tot != np.round(tot)).any():
        raise ValueError(f"{what} totals must be whole numbers")
    tot = tot.astype("int64")
    if additive and (tot != sums).any():
        raise ValueError(f"{what} totals differ from the sums of an additive table: {tot} vs {sums}")
    if (values.max(axis=axis) > tot).any():
        raise ValueError(f"a cell exceeds its {what} total")
    return tot


def _lines(shape: tuple[int, int], additive_rows: bool, additive_cols: bool) -> list[list[tuple[int, int]]]:
    """The cells of every additive line: the constraints an attacker can subtract with."""
    r, c = shape
    lines = []
    if additive_rows:
        lines += [[(i, j) for j in range(c)] for i in range(r)]
    if additive_cols:
        lines += [[(i, j) for i in range(r)] for j in range(c)]
    return lines


def _determined(hidden: np.ndarray, lines: list[list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """Hidden cells whose value follows from the line totals by any linear combination.

    A hidden cell is fixed exactly when its unit vector lies in the row space of the
    constraint matrix restricted to hidden cells (adding it does not raise the rank). This
    catches what repeated subtraction catches and more (e.g. a hidden cell bridging two
    otherwise protected blocks).
    """
    cells = [tuple(ij) for ij in np.argwhere(hidden)]
    if not cells or not lines:
        return []
    pos = {cell: k for k, cell in enumerate(cells)}
    rows = []
    for line in lines:
        vec = np.zeros(len(cells))
        for cell in line:
            if cell in pos:
                vec[pos[cell]] = 1.0
        if vec.any():
            rows.append(vec)
    if not rows:
        return []
    a = np.vstack(rows)
    rank = np.linalg.matrix_rank(a)
    found = []
    for cell, k in pos.items():
        unit = np.zeros(len(cells))
        unit[k] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            found.append(cell)
    return found


def _pick(
    line: list[tuple[int, int]], values: np.ndarray, hidden: np.ndarray, along_rows: bool
) -> tuple[int, int] | None:
    """The visible cell to hide next in ``line``: smallest non-zero first.

    Among equally small cells we prefer one whose crossing line already has a single hidden
    cell (one choice then protects two lines), then one whose crossing line has any hidden
    cell (no new line to repair), then table order, so the result is deterministic.
    """
    visible = [cell for cell in line if not hidden[cell]]
    if not visible:
        return None
    nonzero = [cell for cell in visible if values[cell] > 0]
    pool = nonzero or visible  # a zero only when it is the last thing left to hide

    def crossing_hidden(cell: tuple[int, int]) -> int:
        i, j = cell
        return int(hidden[:, j].sum()) if along_rows else int(hidden[i, :].sum())

    def key(cell: tuple[int, int]) -> tuple:
        h = crossing_hidden(cell)
        return (values[cell], 0 if h == 1 else 1 if h > 1 else 2, cell)

    return min(pool, key=key)


def suppress(
    counts: pd.DataFrame,
    *,
    additive_rows: bool,
    additive_cols: bool,
    threshold: int | None = None,
    row_totals: pd.Series | None = None,
    col_totals: pd.Series | None = None,
    force: pd.DataFrame | None = None,
) -> Suppression:
    """Apply primary, small-base and complementary suppression to a count table.

    ``force`` (same shape, True = hide) marks cells that another published table withholds,
    e.g. the synthesis's country breakdown seen from one country's report; they are hidden as
    complementary cells and the lines around them are protected like any other.

    ``additive_rows``/``additive_cols`` say whether each row/column sums to a published
    total (single-select categories by group: yes; multi-select options: no). Totals default
    to the sums of additive lines; pass them to give a non-additive line its base (e.g. the
    respondents who answered a multi-select question). ``threshold`` defaults to
    ``params/study.yml``.
    """
    t = settings().threshold if threshold is None else DisclosureSettings(threshold=threshold).threshold
    values = _whole_counts(counts)
    rt = _totals(values, row_totals, counts.index, additive_rows, axis=1, what="row")
    ct = _totals(values, col_totals, counts.columns, additive_cols, axis=0, what="column")

    reason = np.full(values.shape, SHOWN, dtype=object)
    small = np.zeros(values.shape, dtype=bool)
    if rt is not None:
        small |= ((rt > 0) & (rt < t))[:, None]
    if ct is not None:
        small |= ((ct > 0) & (ct < t))[None, :]
    reason[small] = SMALL_BASE
    reason[(values >= 1) & (values < t)] = PRIMARY  # a small count is primary whatever its base
    if force is not None:
        forced = force.reindex(index=counts.index, columns=counts.columns).fillna(False).to_numpy(dtype=bool)
        reason[forced & (reason == SHOWN)] = COMPLEMENTARY
    hidden = reason != SHOWN

    lines = _lines(values.shape, additive_rows, additive_cols)
    n_row_lines = values.shape[0] if additive_rows else 0
    # Each pass closes every single-hidden line, then the algebraic check; a pass only ever
    # hides cells, so the loop ends within as many passes as the table has cells.
    for _ in range(values.size + 1):
        changed = True
        while changed:
            changed = False
            for k, line in enumerate(lines):
                if sum(hidden[cell] for cell in line) != 1:
                    continue
                cell = _pick(line, values, hidden, along_rows=k < n_row_lines)
                if cell is None:
                    raise ValueError(
                        "a line with a single cell cannot hide it: its total gives it away; "
                        "do not publish that total"
                    )
                hidden[cell], reason[cell] = True, COMPLEMENTARY
                changed = True
        exposed = _determined(hidden, lines)
        if not exposed:
            break
        # Open a new route around the first exposed cell: hide the smallest visible cell
        # in one of its additive lines; the next pass repairs what that creates.
        i, j = exposed[0]
        options = [
            (line, k < n_row_lines) for k, line in enumerate(lines) if (i, j) in line
        ]
        picks = [p for p in (_pick(line, values, hidden, r) for line, r in options) if p is not None]
        if not picks:
            raise ValueError(f"cell {counts.index[i]!r} x {counts.columns[j]!r} cannot be protected")
        cell = min(picks, key=lambda c: (values[c], c))
        hidden[cell], reason[cell] = True, COMPLEMENTARY
    else:  # pragma: no cover - the loop always ends: hiding everything is safe
        raise RuntimeError("suppression did not converge")

    mask = pd.DataFrame(hidden, index=counts.index, columns=counts.columns)
    safe = pd.DataFrame(
        np.where(hidden, np.nan, values.astype("float64")), index=counts.index, columns=counts.columns
    )
    return Suppression(
        mask=mask,
        reason=pd.DataFrame(reason, index=counts.index, columns=counts.columns),
        safe_counts=safe,
        threshold=t,
        additive_rows=additive_rows,
        additive_cols=additive_cols,
        row_totals=None if rt is None else pd.Series(rt, index=counts.index),
        col_totals=None if ct is None else pd.Series(ct, index=counts.columns),
    )


def audit(
    mask: pd.DataFrame | Suppression,
    counts: pd.DataFrame,
    *,
    additive_rows: bool | None = None,
    additive_cols: bool | None = None,
) -> list[str]:
    """Play the attacker: list every hidden cell that can be recovered from the totals.

    The attacker sees the visible cells and the totals of the additive lines. First, any
    additive line with a single unknown cell gives that cell away (repeated until nothing
    new is learnt); second, the rank test of :func:`_determined` finds cells fixed by
    combining lines. An empty list means the pattern is safe against exact recovery.
    (Bounds from ``"<5"`` labels and from non-negativity are not used by this check.)
    """
    if isinstance(mask, Suppression):
        additive_rows = mask.additive_rows if additive_rows is None else additive_rows
        additive_cols = mask.additive_cols if additive_cols is None else additive_cols
        mask = mask.mask
    if additive_rows is None or additive_cols is None:
        raise ValueError("say whether rows and columns are additive (or pass a Suppression)")
    if not (mask.index.equals(counts.index) and mask.columns.equals(counts.columns)):
        raise ValueError("mask and counts must have the same labels")
    values = _whole_counts(counts)
    hidden = mask.to_numpy(dtype=bool)
    lines = _lines(values.shape, additive_rows, additive_cols)

    def name(cell: tuple[int, int]) -> str:
        return f"{counts.index[cell[0]]} x {counts.columns[cell[1]]} = {values[cell]}"

    unknown = hidden.copy()
    found: list[str] = []
    progress = True
    while progress:
        progress = False
        for line in lines:
            open_cells = [cell for cell in line if unknown[cell]]
            if len(open_cells) == 1:
                cell = open_cells[0]
                total = sum(values[c] for c in line)
                known = sum(values[c] for c in line if not unknown[c])
                assert total - known == values[cell]  # the attacker's arithmetic, checked
                found.append(f"{name(cell)} (by subtraction)")
                unknown[cell] = False
                progress = True
    by_subtraction = {tuple(c) for c in np.argwhere(hidden & ~unknown)}
    for cell in _determined(hidden, lines):
        if cell not in by_subtraction:
            found.append(f"{name(cell)} (by combining totals)")
    return found


def _cell_text(count: int, reason: str, share: float | None, base: int | None,
               t: int, rel: int, digits: int) -> str:
    """One crosstab cell: ``"41% (n=171)"``, ``"41%† (n=12)"``, ``"<5"`` or ``"–"``."""
    if reason in (PRIMARY, SMALL_BASE):
        return f"<{t}"
    if reason == COMPLEMENTARY:
        return WITHHELD_MARK
    if share is None:
        return f"{count:,}"
    if base == 0:
        return f"{count:,}"
    mark = RELIABILITY_MARK if base is not None and base < rel else ""
    return f"{fmt_pct(share, digits)}{mark} ({fmt_n(count)})"


def _notes(reasons: pd.DataFrame, t: int, rel: int, marked: bool, share_hidden: bool) -> list[str]:
    """Plain-word notes for exactly the marks that appear in the table."""
    flat = set(reasons.to_numpy().ravel())
    notes = []
    if PRIMARY in flat or SMALL_BASE in flat:
        text = (f"<{t}: fewer than {t} respondents; the exact number is not shown so that no "
                "one can be identified.")
        if SMALL_BASE in flat:
            text += (f" Where a whole group has fewer than {t} respondents, all its numbers "
                     "are shown this way, zeros included.")
        notes.append(text)
    if COMPLEMENTARY in flat or share_hidden:
        notes.append(f"{WITHHELD_MARK}: not shown, either because it rests on a number withheld "
                     "for privacy or so that withheld numbers cannot be worked out from the totals.")
    if marked:
        notes.append(f"{RELIABILITY_MARK}: based on fewer than {rel} respondents; read as an "
                     "indication only.")
    return notes


def publish(
    counts: pd.DataFrame,
    *,
    additive_rows: bool,
    additive_cols: bool,
    row_totals: pd.Series | None = None,
    col_totals: pd.Series | None = None,
    percent: Literal["col", "row", "none"] = "col",
    percent_digits: int = 0,
    threshold: int | None = None,
    reliability_min_n: int | None = None,
    total_label: str | None = "Total",
) -> Published:
    """Display strings for a count crosstab after :func:`suppress`, with notes.

    With ``percent="col"`` (or ``"row"``) each visible cell reads ``"41% (n=171)"`` on its
    column (row) base, marked ``"†"`` when that base is below ``reliability_min_n``. Hidden
    cells read ``"<threshold"`` (small counts and small bases) or ``"–"`` (complementary).
    ``total_label`` adds a row (or column) with the bases.
    """
    cfg = _resolve(threshold, reliability_min_n)
    sup = suppress(counts, additive_rows=additive_rows, additive_cols=additive_cols,
                   threshold=cfg.threshold, row_totals=row_totals, col_totals=col_totals)
    bases = {"col": sup.col_totals, "row": sup.row_totals, "none": None}[percent]
    if percent != "none" and bases is None:
        raise ValueError(f"{percent} percentages need {percent} totals (or an additive {percent})")
    values = _whole_counts(counts)
    out = pd.DataFrame("", index=counts.index, columns=counts.columns, dtype=object)
    marked = False
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            base = None if bases is None else int(bases.iloc[j if percent == "col" else i])
            share = None if base is None else (100.0 * values[i, j] / base if base else float("nan"))
            reason = sup.reason.iat[i, j]
            out.iat[i, j] = _cell_text(int(values[i, j]), reason, share, base, cfg.threshold,
                                       cfg.reliability_min_n, percent_digits)
            marked |= RELIABILITY_MARK in out.iat[i, j]
    if total_label is not None and bases is not None:
        if percent == "col":
            if total_label in out.index:
                raise ValueError(f"total_label {total_label!r} is already a row label")
            out.loc[total_label] = [fmt_n(int(b)) for b in bases]
        else:
            if total_label in out.columns:
                raise ValueError(f"total_label {total_label!r} is already a column label")
            out[total_label] = [fmt_n(int(b)) for b in bases]
    return Published(out, _notes(sup.reason, cfg.threshold, cfg.reliability_min_n, marked, False), sup)


def publish_frequency(
    freq: pd.DataFrame,
    *,
    additive: bool | None = None,
    percent_digits: int = 0,
    threshold: int | None = None,
    reliability_min_n: int | None = None,
    total_label: str | None = "Total",
    force: pd.Series | None = None,
) -> Published:
    """Display strings for a frequency table from :mod:`perspectives.stats`.

    ``freq`` has columns ``n`` and ``percent`` and its base in ``attrs["base"]``;
    ``additive`` defaults to ``attrs["additive"]`` (single-select True, multi-select False).
    The result has columns ``n`` and ``%``; hidden counts read ``"<threshold"`` or ``"–"``
    and their percentages ``"–"``; all shares are marked ``"†"`` on a base below
    ``reliability_min_n``.
    """
    cfg = _resolve(threshold, reliability_min_n)
    if "base" not in freq.attrs:
        raise KeyError("the frequency table carries no attrs['base']")
    base = int(freq.attrs["base"])
    if additive is None:
        if "additive" not in freq.attrs:
            raise ValueError("say whether the categories add up to the base (additive=...)")
        additive = bool(freq.attrs["additive"])
    counts = freq[["n"]]
    sup = suppress(counts, additive_rows=False, additive_cols=additive, threshold=cfg.threshold,
                   force=None if force is None else force.to_frame("n"),
                   col_totals=pd.Series({"n": base}))
    mark = RELIABILITY_MARK if 0 < base < cfg.reliability_min_n else ""
    n_text, p_text = [], []
    for label, count in counts["n"].items():
        reason = sup.reason.at[label, "n"]
        if reason in (PRIMARY, SMALL_BASE):
            n_text.append(f"<{cfg.threshold}")
        elif reason == COMPLEMENTARY:
            n_text.append(WITHHELD_MARK)
        else:
            n_text.append(f"{int(count):,}")
        if reason != SHOWN:
            p_text.append(WITHHELD_MARK)
        elif base == 0:
            p_text.append("")  # no respondents: there is no share to show
        else:
            p_text.append(fmt_pct(100.0 * int(count) / base, percent_digits) + mark)
    out = pd.DataFrame({"n": n_text, "%": p_text}, index=freq.index, dtype=object)
    if total_label is not None:
        if total_label in out.index:
            raise ValueError(f"total_label {total_label!r} is already a category")
        # A single-select column sums to 100%; multi-select shares do not, so none is shown.
        whole = fmt_pct(100.0, percent_digits) if additive and base > 0 else ""
        out.loc[total_label] = [f"{base:,}", whole]
    hidden_any = bool(sup.mask.to_numpy().any())
    notes = _notes(sup.reason, cfg.threshold, cfg.reliability_min_n, bool(mark) and base > 0
                   and any(RELIABILITY_MARK in p for p in p_text), hidden_any)
    return Published(out, notes, sup)
