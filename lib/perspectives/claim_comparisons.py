"""What a comparison claim asserts, and whether the report's own printed numbers allow it.

Purpose
    The comparison kinds of ``data/claims.csv`` (``order``, ``extreme``, ``no_difference``,
    ``quantifier``; see :mod:`perspectives.claims` for how ``expected`` and ``binding`` are
    written): the one table from verbal quantifiers to share ranges (``data/quantifiers.yml``),
    a claim's ``expected`` parsed, its binding expanded into the items compared, and the
    checks of each comparison against the shares and tests the report prints. Apart from the
    registry's loading and its relations, because this is the grammar of comparisons, which
    the fidelity check reuses on the rebuilt numbers.

Inputs
    ``data/quantifiers.yml`` (:func:`load_wording`); the claims' rows.

Outputs
    :class:`Quantifier`, :class:`Ranking`, :class:`Comparison`; :class:`Check` verdicts of the
    printed comparisons.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from perspectives.claim_arithmetic import (
    ALPHA,
    Check,
    cell_number,
    half_unit,
    percent_interval,
    printed_decimals,
    recompute_p,
)
from perspectives.project import Project, default
from perspectives.study import read_yaml

WORDING_FILE = "data/quantifiers.yml"
COMPARISON_KINDS = frozenset({"order", "extreme", "no_difference", "quantifier"})


@dataclass(frozen=True)
class Quantifier:
    """The share range (percent) a verbal quantifier admits; bounds inclusive unless open."""

    phrase: str
    low: float
    high: float
    low_open: bool = False
    high_open: bool = False

    def admits(self, value: float) -> bool:
        """Does a share (percent) satisfy the phrase?"""
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return bool(above and below)

    def meets(self, low: float, high: float) -> bool:
        """Does some share in ``[low, high]`` (a printed number's rounding interval) satisfy it?"""
        if high < self.low or low > self.high:
            return False
        # The intervals touch only at an excluded bound: nothing in common.
        if self.low_open and high == self.low:
            return False
        return not (self.high_open and low == self.high)

    def distance(self, value: float) -> float:
        """Percentage points from ``value`` to the nearest admitted share (0 inside)."""
        if self.admits(value):
            return 0.0
        # On an excluded bound the share is outside by less than any printed unit, not inside.
        return max(self.low - value if value <= self.low else value - self.high, 1e-9)

    @property
    def text(self) -> str:
        """The range in words, e.g. ``above 50%`` or ``15-25%``."""
        if self.low == self.high:
            return f"{self.low:g}%"
        if self.high >= 100 and not self.high_open:
            return f"{'above' if self.low_open else 'at least'} {self.low:g}%"
        if self.low <= 0 and not self.low_open:
            return f"{'below' if self.high_open else 'at most'} {self.high:g}%"
        return f"{self.low:g}-{self.high:g}%"


@dataclass(frozen=True)
class Wording:
    """The verbal quantifier table and the tolerance of "almost equal"."""

    quantifiers: Mapping[str, Quantifier]
    almost_equal_points: float

    def quantifier(self, phrase: str) -> Quantifier:
        """The range of ``phrase`` (an entry or an alias); KeyError names the known phrases."""
        key = phrase.strip().lower()
        if key not in self.quantifiers:
            raise KeyError(f"unknown quantifier {phrase!r}; known: {sorted(self.quantifiers)}")
        return self.quantifiers[key]


def load_wording(path: str | Path | None = None, *, project: Project | None = None) -> Wording:
    """Read the verbal quantifier table (kept by the project: every comparison asks for it).

    Args:
        path: a YAML file shaped like ``data/quantifiers.yml`` (default: the project's).
        project: the study folder (default: the one around the working directory).

    Returns:
        :class:`Wording`: every phrase and alias (lower case) -> its :class:`Quantifier`
        (a share range in percent, 0-100), and the "almost equal" tolerance in percentage points.

    Raises:
        ValueError: a phrase listed twice, or bounds that are not a share range (0 <= min <= max <= 100).
    """
    project = default(project)
    file = Path(path).resolve() if path is not None else project.path(WORDING_FILE)
    return project.cached("wording", file, lambda: _read_wording(file), [file])


def _read_wording(path: Path) -> Wording:
    raw = read_yaml(path)
    table: dict[str, Quantifier] = {}
    for entry in raw["quantifiers"]:
        q = Quantifier(str(entry["phrase"]), float(entry["min"]), float(entry["max"]),
                       bool(entry.get("min_open", False)), bool(entry.get("max_open", False)))
        if not 0 <= q.low <= q.high <= 100:
            raise ValueError(f"quantifier {q.phrase!r}: bounds {q.low:g}-{q.high:g} are not a share range")
        for name in (q.phrase, *entry.get("aliases", [])):
            key = str(name).strip().lower()
            if key in table:
                raise ValueError(f"quantifier phrase {name!r} is listed twice")
            table[key] = q
    return Wording(table, float(raw["comparisons"]["almost_equal_points"]))


@dataclass(frozen=True)
class Ranking:
    """What an ``order`` or ``extreme`` claim asserts.

    ``groups`` from larger to smaller; ``ops[i]`` relates ``groups[i]`` to ``groups[i + 1]``
    (``>``, ``>=`` or ``~``). ``rest``: the last group is every item not named before. An
    extreme is read as an order: ``highest: a, b`` is ``a, b > *`` and ``lowest: a`` is
    ``* > a``; ``direction`` keeps which, for display.
    """

    groups: tuple[tuple[str, ...], ...]
    ops: tuple[str, ...]
    rest: int | None = None  # index of the group that stands for "every other item"
    direction: str | None = None

    @property
    def named(self) -> tuple[str, ...]:
        """The items the ranking names, in its order (the rest left out)."""
        return tuple(item for i, group in enumerate(self.groups) if i != self.rest for item in group)


_OPS = re.compile(r"\s*(>=|>|~)\s*")


def parse_expected(kind: str, text: str, wording: Wording | None = None) -> Ranking | Quantifier | None:
    """Parse what a claim asserts (its ``expected`` column).

    Args:
        kind: the claim's kind; only ``order``, ``extreme`` and ``quantifier`` assert something here.
        text: e.g. ``a > b, c >= *``, ``highest: BIH, MDA`` or ``more than half``.
        wording: the quantifier table (default: :func:`load_wording`).

    Returns:
        A :class:`Ranking` (order, extreme), a :class:`Quantifier` (quantifier) or None.

    Raises:
        ValueError: a malformed order or extreme, or text for a kind that asserts nothing there.
        KeyError: a quantifier phrase the table does not hold.
    """
    text = str(text).strip()
    if kind == "quantifier":
        return (wording or load_wording()).quantifier(text)
    if kind not in {"order", "extreme"}:
        if text:
            raise ValueError(f"a {kind} claim asserts nothing in 'expected' (got {text!r})")
        return None
    if kind == "extreme":
        m = re.fullmatch(r"(highest|lowest):\s*(.+)", text)
        if not m:
            raise ValueError(f"an extreme reads 'highest: a, b' or 'lowest: a' (got {text!r})")
        named = tuple(x.strip() for x in m.group(2).split(","))
        if m.group(1) == "highest":
            return Ranking((named, ("*",)), (">",), rest=1, direction="highest")
        return Ranking((("*",), named), (">",), rest=0, direction="lowest")
    parts = _OPS.split(text)
    groups = tuple(tuple(x.strip() for x in part.split(",")) for part in parts[::2])
    ops = tuple(parts[1::2])
    if not ops or any(not all(g) for g in groups):
        raise ValueError(f"an order names at least two groups, e.g. 'a > b' (got {text!r})")
    stars = [i for i, g in enumerate(groups) if "*" in g]
    if stars and (stars != [len(groups) - 1] or groups[-1] != ("*",) or ops[-1] == "~"):
        raise ValueError(f"'*' may only be the last group, after > or >= (got {text!r})")
    return Ranking(groups, ops, rest=stars[0] if stars else None)


def universe(name: str, project: Project | None = None) -> list[str]:
    """The items a universe stands for: ``@countries``, ``@conversation_countries``, ``@options:Q``.

    Args:
        name: the universe.
        project: the study folder whose countries and form are meant (default: the one around
            the working directory).
    """
    project = default(project)
    if name == "@countries":
        return list(project.study.codes)
    if name == "@conversation_countries":
        return [c.iso3 for c in project.study.countries if c.conversations]
    if name.startswith("@options:"):
        from perspectives.instrument import load_instrument

        return list(load_instrument(project=project).codes(name.split(":", 1)[1]))
    raise KeyError(f"unknown universe {name!r}")


@dataclass(frozen=True)
class Comparison:
    """The items an ``order`` or ``extreme`` claim compares: (name, binding), and its test."""

    items: tuple[tuple[str, str], ...]
    test: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The compared items' names, in the listed order."""
        return tuple(name for name, _ in self.items)


def comparison_items(binding: str, expand: Callable[[str], Sequence[str]] = universe) -> Comparison:
    """Split the binding of an ``order`` or ``extreme`` claim into its items and its test.

    Args:
        binding: ``each(ITEMS):TEMPLATE`` or ``items(a=BINDING; b=BINDING)``, optionally followed
            by `` | TEST`` (see the module header).
        expand: what a universe (``@countries``...) stands for; default :func:`universe`.

    Returns:
        :class:`Comparison`: (item name, its own binding) in the listed order, and the test binding.

    Raises:
        ValueError: any other shape, a template without ``{}``, or an item named twice.
    """
    body, _, test = (part.strip() for part in binding.partition(" | "))
    m = re.fullmatch(r"each\(([^)]*)\):(.+)", body)
    if m:
        listed = [x.strip() for x in m.group(1).split(",")]
        names = list(expand(listed[0])) if len(listed) == 1 and listed[0].startswith("@") else listed
        template = m.group(2)
        if "{}" not in template:
            raise ValueError(f"template without {{}}: {template!r}")
        items = tuple((name, template.replace("{}", name)) for name in names)
    else:
        m = re.fullmatch(r"items\((.+)\)", body)
        if not m:
            raise ValueError(f"a comparison binding reads each(...):TEMPLATE or items(a=B; b=B) (got {body!r})")
        pairs = [part.split("=", 1) for part in m.group(1).split(";")]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError(f"items(...) wants name=binding pairs separated by ';' (got {body!r})")
        items = tuple((name.strip(), bound.strip()) for name, bound in pairs)
    if len({name for name, _ in items}) != len(items):
        raise ValueError(f"items repeat in {binding!r}")
    return Comparison(items, test or None)


def ranked_pairs(ranking: Ranking, names: Sequence[str]) -> list[tuple[str, str, str]]:
    """Every pairwise statement a ranking makes over the items compared.

    Args:
        ranking: the parsed claim.
        names: every item compared, in binding order (``*`` stands for those not named).

    Returns:
        ``(a, op, b)`` meaning ``a op b`` (``op`` one of ``>``, ``>=``, ``~``), each item of a group
        against each item of the next group, in group and binding order.
    """
    named = set(ranking.named)
    groups = [tuple(n for n in names if n not in named) if i == ranking.rest else group
              for i, group in enumerate(ranking.groups)]
    return [(a, op, b) for (upper, op, lower) in zip(groups, ranking.ops, groups[1:], strict=False)
            for a in upper for b in lower]


def comparison_problems(claims: pd.DataFrame) -> list[tuple[str, str]]:
    """(claim id, problem) for comparison claims whose expected or binding does not parse."""
    wording = load_wording()
    problems = []
    for _, row in claims[claims["kind"].isin(COMPARISON_KINDS)].iterrows():
        if str(row["binding"]).startswith("none:") and not str(row["expected"]).strip():
            continue  # a comparison the report makes without naming a measure: not-computable
        try:
            ranking = parse_expected(row["kind"], row["expected"], wording)
            if isinstance(ranking, Ranking) and not str(row["binding"]).startswith("none:"):
                names = comparison_items(str(row["binding"])).names
                unknown = [n for n in ranking.named if n not in names]
                if unknown:
                    problems.append((row["claim_id"], f"named items {unknown} are not compared"))
        except (KeyError, ValueError) as error:
            problems.append((row["claim_id"], str(error)))
    for _, row in claims[~claims["kind"].isin(COMPARISON_KINDS) & (claims["expected"] != "")].iterrows():
        problems.append((row["claim_id"], f"a {row['kind']} claim has no 'expected'"))
    return problems


# --------------------------------------------------------------------------- comparisons on the printed numbers

def share_bounds(row: pd.Series) -> tuple[float, float]:
    """Interval a printed share (a share_range, a verbal quantifier) allows, in percent."""
    if row["kind"] == "share_range":
        return float(row["percent"]), float(row["statistic"])
    if row["kind"] == "quantifier":
        q = parse_expected("quantifier", str(row["expected"]))
        return q.low, q.high
    return percent_interval(float(row["percent"]), cell_number(row, "precision"))


def printed_intervals(claims: pd.DataFrame) -> dict[str, tuple[float, float, str]]:
    """What the report prints for each bound value, as an interval.

    A printed percent or mean stands for its rounding interval, a printed range for its bounds,
    a verbal quantifier said of the value for the range it admits; the first claim of the
    registry bound to a value is taken (repeats print the same).

    Args:
        claims: the registry (``load_claims``).

    Returns:
        binding -> (low, high, claim id); low and high in percent.
    """
    found: dict[str, tuple[float, float, str]] = {}
    for _, row in claims[claims["kind"].isin(["percent", "mean", "share_range", "quantifier"])].iterrows():
        if row["kind"] != "quantifier" and not np.isfinite(cell_number(row, "percent")):
            continue
        if row["binding"] in found or str(row["binding"]).startswith("none:"):
            continue
        low, high = share_bounds(row)
        found[str(row["binding"])] = (low, high, str(row["claim_id"]))
    return found


def _pair_possible(op: str, a: tuple[float, float], b: tuple[float, float], tolerance: float) -> bool:
    """Can two values inside the printed intervals ``a`` and ``b`` stand in relation ``op``?"""
    if op == ">":
        return a[1] > b[0]
    if op == ">=":
        return a[1] >= b[0]
    return max(a[0] - b[1], b[0] - a[1]) <= tolerance  # "~": the closest points are near enough


def check_ranking_printed(row: Mapping[str, object], printed: Mapping[str, tuple[float, float, str]],
                          wording: Wording | None = None) -> Check | None:
    """Do the report's own printed shares allow the order or extreme a claim states?

    A pair is judged when both items have a printed share (``printed_intervals``): ``a > b`` is
    impossible when the highest value ``a`` can hold is at most the lowest ``b`` can hold.

    Args:
        row: one registry row of kind ``order`` or ``extreme``.
        printed: ``printed_intervals`` of the registry.
        wording: the quantifier table, for the "almost equal" tolerance.

    Returns:
        A :class:`Check` naming the printed shares (and the impossible pairs), or None when the
        row is of another kind or no pair has two printed shares.
    """
    if str(row["kind"]) not in {"order", "extreme"} or str(row["binding"]).startswith("none:") \
            or not str(row["expected"]).strip():
        return None
    wording = wording or load_wording()
    ranking = parse_expected(str(row["kind"]), str(row["expected"]), wording)
    comparison = comparison_items(str(row["binding"]))
    known = {name: printed[b] for name, b in comparison.items if b in printed}
    pairs = [(a, op, b) for a, op, b in ranked_pairs(ranking, comparison.names) if a in known and b in known]
    if not pairs:
        return None
    shown = ", ".join(f"{name} {interval_text(known[name])} ({known[name][2]})" for name in comparison.names
                      if name in known)
    broken = [f"{a} {op} {b}" for a, op, b in pairs
              if not _pair_possible(op, known[a][:2], known[b][:2], wording.almost_equal_points)]
    if broken:
        return Check(False, f"printed shares {shown} cannot give {'; '.join(broken)}")
    return Check(True, f"printed shares {shown} allow it")


def interval_text(interval: tuple[float, ...]) -> str:
    """A printed interval as the report printed it: ``52%`` for a rounding interval, ``20-30%`` for a range."""
    low, high = interval[0], interval[1]
    return f"{(low + high) / 2:g}%" if high - low <= 1 + 1e-9 else f"{low:g}-{high:g}%"


def check_quantifier_printed(row: Mapping[str, object], wording: Wording | None = None) -> Check | None:
    """Does the share printed with a verbal quantifier lie in the range the phrase admits?

    The printed share stands for its rounding interval (``41`` is 40.5-41.5), so a quantifier is
    contradicted only when no value that prints so is admitted.

    Returns:
        A :class:`Check`, or None for another kind or a quantifier printed without a share.
    """
    if str(row["kind"]) != "quantifier" or not np.isfinite(cell_number(row, "percent")):
        return None
    q = parse_expected("quantifier", str(row["expected"]), wording)
    low, high = percent_interval(cell_number(row, "percent"), cell_number(row, "precision"))
    pct = cell_number(row, "percent")
    if q.meets(low, high):
        return Check(True, f"printed {pct:g}% fits '{row['expected']}' ({q.text})")
    return Check(False, f"printed {pct:g}% contradicts '{row['expected']}', which admits {q.text}")


def check_no_difference_printed(row: Mapping[str, object]) -> Check | None:
    """Is the test printed for a "no difference" not significant, as printed and as recomputed?

    The printed p must be at least .05; a printed statistic is recomputed (F when ``df2`` is
    printed, chi-square otherwise) at the end of its rounding interval that gives the largest p.

    Returns:
        A :class:`Check`, or None for another kind or when no p is printed.
    """
    if str(row["kind"]) != "no_difference" or not np.isfinite(cell_number(row, "p")):
        return None
    p, op = cell_number(row, "p"), str(row["p_op"])
    if _printed_significant(p, op):
        return Check(False, f"the printed p {op} {p:g} is significant, yet no difference is claimed")
    stat, df1, df2 = cell_number(row, "statistic"), cell_number(row, "df1"), cell_number(row, "df2")
    if not (np.isfinite(stat) and np.isfinite(df1)):
        return Check(True, f"printed p {op} {p:g} is not significant")
    kind = "anova" if np.isfinite(df2) else "chi2"
    h = half_unit(cell_number(row, "precision") if np.isfinite(cell_number(row, "precision")) else printed_decimals(stat))
    p_most = recompute_p(kind, max(stat - h, 0.0), df1, df2)
    if p_most < ALPHA:
        return Check(False, f"the printed statistic gives p at most {p_most:.4g}, significant at .05")
    return Check(True, f"printed p {op} {p:g}; the statistic recomputes to p = "
                       f"{recompute_p(kind, stat, df1, df2):.3g}, not significant either")


def _printed_significant(p: float, op: str) -> bool:
    return p <= ALPHA if op == "<" else p < ALPHA
