"""The registry of the published report's quantitative claims, and checks that they hold together.

Purpose
    Load ``data/claims.csv`` (every number the reference report prints: sample facts, shares
    with their n, test statistics, conversation counts, roundtable facts) and check it the way
    statcheck checks a paper: recompute each p-value from its statistic and degrees of freedom,
    recompute each percentage from its n and base, and test the relations between claims
    (parts that sum to totals, shares that sum to 100, degrees of freedom against the groups
    and respondents, chi-squares against the shares they compare, subgroup shares against the
    overall share, repeats against the claim they repeat). Claims that cannot hold together
    are the report's own inconsistencies; the lead reports them instead of reproducing them.
    The comparison kinds (``order``, ``extreme``, ``no_difference``, ``quantifier``) are run over
    the report's own printed numbers as well: an order that the printed shares contradict, a
    "no difference" whose printed test is significant, a quantifier whose printed share lies
    outside the range the phrase admits.

Inputs
    ``data/claims.csv`` (one row per claim; columns in ``COLUMNS``). Cross-claim relations that
    cannot be read off the columns, and the answer levels the degrees-of-freedom check needs,
    are data beside it: ``data/claim_relations.yml`` (``load_relations``).
    ``data/quantifiers.yml``: the one table from verbal quantifiers to share ranges, and the
    tolerance of "almost equal" (``load_wording``).

Outputs
    ``load_claims`` -> validated DataFrame; ``check_test`` -> ``TestCheck``;
    ``consistency_report`` -> one row per (claim, check); ``source_inconsistencies`` -> one row
    per claim that fails any check, with the reasons; ``parse_expected``,
    ``comparison_items`` and ``ranked_pairs`` -> the parsed comparison a claim makes.

Reading conventions of the CSV
    ``share_range`` rows hold their lower bound in ``percent`` and their upper bound in
    ``statistic``. Repeats of a claim carry its id plus a suffix (``-ES`` for the executive
    summary, ``-R1``... for repeats in the body, ``-Q`` for the verbal quantifier said of a
    printed number) and must print the same quantity. A summary claim without a body claim of
    the same id names the body claim it restates in its note (``restates X``) or says it has
    no body counterpart.

    ``expected`` says what a comparison claim asserts:
      ``order``      groups of items from larger to smaller, ``a > b, c >= d ~ e > *``: each
                     item of a group against each item of the next; ``>`` strictly larger,
                     ``>=`` larger or tied, ``~`` almost equal (``data/quantifiers.yml``); ``*``
                     (last group only) is every item of the binding not named before.
      ``extreme``    ``highest: a, b`` or ``lowest: a``: the named items above (below) every
                     other item of the binding; their order among themselves is not claimed.
      ``quantifier`` a phrase of ``data/quantifiers.yml``; ``percent`` (and ``n``) hold the share
                     printed with it, if any.
      ``no_difference`` empty; the printed test, if any, is in ``statistic``/``df1``/``df2``/
                     ``p_op``/``p``.
    The binding of an ``order`` or ``extreme`` claim lists the items compared,
    ``each(ITEMS):TEMPLATE`` (``{}`` in the template becomes the item; ITEMS are codes or a
    universe: ``@countries``, ``@conversation_countries``, ``@options:QUESTION``) or
    ``items(name=BINDING; name=BINDING)``, optionally followed by `` | TEST`` where TEST is the
    binding of the test that makes the comparison significant.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

from perspectives.config import display_name
from perspectives.fmt import round_half_up
from perspectives.project import Project, default
from perspectives.stats import chi_square
from perspectives.study import read_yaml

__all__ = [
    "ALLOWED_KINDS",
    "ALLOWED_SECTIONS",
    "COLUMNS",
    "COMPARISON_KINDS",
    "Check",
    "Comparison",
    "Quantifier",
    "Ranking",
    "Relation",
    "Relations",
    "TestCheck",
    "Wording",
    "check_df",
    "check_no_difference_printed",
    "check_percent_vs_n",
    "check_quantifier_printed",
    "check_ranking_printed",
    "check_test",
    "chi2_range_from_shares",
    "comparison_items",
    "consistency_report",
    "implied_denominators",
    "interval_text",
    "load_claims",
    "load_relations",
    "load_wording",
    "parse_expected",
    "printed_decimals",
    "printed_intervals",
    "ranked_pairs",
    "recompute_p",
    "source_inconsistencies",
    "universe",
]

# The registry, the quantifier table and the relations between claims, from the study folder's root.
CLAIMS_FILE = "data/claims.csv"
WORDING_FILE = "data/quantifiers.yml"
RELATIONS_FILE = "data/claim_relations.yml"

COLUMNS: tuple[str, ...] = (
    "claim_id", "section", "figure", "line", "paraphrase", "population", "denominator",
    "country", "kind", "n", "percent", "statistic", "df1", "df2", "p_op", "p", "precision",
    "variable", "category", "expected", "binding", "status_hint", "note",
)
ALLOWED_SECTIONS = frozenset({
    "methods", "csea_online", "disclosure", "support", "knowledge", "prevention",
    "recommendations", "summary",
})
COMPARISON_KINDS = frozenset({"order", "extreme", "no_difference", "quantifier"})
ALLOWED_KINDS = frozenset({"count", "percent", "chi2", "anova", "mean", "share_range", "fact"}) | COMPARISON_KINDS
NUMERIC = ("line", "denominator", "n", "percent", "statistic", "df1", "df2", "p", "precision")
SOURCE_INCONSISTENT = "source-inconsistent"
ALPHA = 0.05
_ID = re.compile(r"^(?P<base>[A-Z]-[A-Z]+-\d{3})(?P<suffix>(-[A-Z0-9]+)*)$")

@dataclass(frozen=True)
class TestCheck:
    """Outcome of recomputing one printed test."""

    __test__ = False  # not a pytest class, despite the name

    recomputed_p: float
    consistent: bool
    gross: bool
    reason: str


@dataclass(frozen=True)
class Check:
    """Outcome of one check: ``ok`` and why."""

    ok: bool
    reason: str


@dataclass(frozen=True)
class Relation:
    """A relation between claims that the columns alone do not reveal.

    kind: ``sum_counts`` (parts' n sum to the total's n), ``sum_percents`` (a single-select
    distribution sums to 100 within rounding), ``combine`` (a merged category equals the sum of
    its parts), ``ratio`` (count / count rounds to the printed percent), ``parts_le_whole``
    (a subset cannot outnumber its set), ``within_bounds`` (values lie between a min and a max
    claim), ``within_range`` (points lie inside a share_range claim), ``subgroups_overall``
    (subgroup shares can average to the overall share), ``chi2_shares`` (a chi-square can come
    from some table matching the printed shares), ``footnote_label`` (the test the footnote
    names would have the printed df).
    """

    kind: str
    ids: tuple[str, ...]
    total: str | None = None
    blame: tuple[str, ...] = ()  # ids to mark when it fails; empty: the kind's default
    params: Mapping[str, object] = field(default_factory=dict)
    why: str = ""


# The settings each kind of relation reads besides its ids (data/claim_relations.yml).
_NEEDS: Mapping[str, tuple[str, ...]] = {
    "sum_counts": ("total",), "sum_percents": (), "combine": ("total",), "ratio": ("total", "percent"),
    "parts_le_whole": ("total",), "within_bounds": ("lo", "hi"), "within_range": ("total",),
    "subgroups_overall": ("total",), "chi2_shares": ("total",), "footnote_label": ("groups", "levels", "label"),
}
_PARAMS = ("percent", "lo", "hi", "overall", "population", "complement", "groups", "levels", "label")


@dataclass(frozen=True)
class Relations:
    """``data/claim_relations.yml``: the relations, and what the df check knows of the items.

    ``levels``: answer levels of each item that appears in a chi-square. ``breakdowns``: a
    breakdown named in a claim's ``country`` column -> ``{"item": ITEM}`` (the item's levels
    make the groups) or ``{"groups": N}``.
    """

    relations: tuple[Relation, ...]
    levels: Mapping[str, int]
    breakdowns: Mapping[str, Mapping[str, object]]


def load_relations(path: str | Path | None = None, *, project: Project | None = None) -> Relations:
    """Read the relations between claims (kept by the project).

    Args:
        path: a YAML file shaped like ``data/claim_relations.yml`` (default: the project's).
        project: the study folder (default: the one around the working directory).

    Returns:
        :class:`Relations`, in the file's order.

    Raises:
        perspectives.config.ConfigError: the file does not fit its schema (a setting's type
            or name, a claim id's form).
        ValueError: a relation lacks a setting its kind reads, or a breakdown names neither
            an item with levels nor a number of groups.
    """
    project = default(project)
    file = Path(path).resolve() if path is not None else project.path(RELATIONS_FILE)
    return project.cached("relations", file, lambda: _read_relations(file), [file])


def _read_relations(path: Path) -> Relations:
    """Read and check ``path`` (:func:`load_relations`)."""
    raw = read_yaml(path)
    relations = []
    for k, entry in enumerate(raw["relations"], start=1):
        missing = [key for key in _NEEDS[entry["kind"]] if key not in entry]
        if missing:
            raise ValueError(f"{display_name(path)}: relation {k} ({entry['kind']}, {entry['ids'][0]}) "
                             f"needs {', '.join(missing)}")
        relations.append(Relation(entry["kind"], tuple(entry["ids"]), entry.get("total"), tuple(entry.get("blame", ())),
                                  {key: entry[key] for key in _PARAMS if key in entry}, entry.get("why", "")))
    levels = {str(item): int(n) for item, n in raw["levels"].items()}
    for name, spec in raw["breakdowns"].items():
        if len(spec) != 1 or ("item" in spec and spec["item"] not in levels):
            raise ValueError(f"{display_name(path)}: breakdown {name} needs either `item` (one of levels) "
                             "or `groups`")
    return Relations(tuple(relations), levels, dict(raw["breakdowns"]))


# --------------------------------------------------------------------------- loading

def load_claims(path: str | Path | None = None, *, project: Project | None = None) -> pd.DataFrame:
    """Read and validate the claims registry (default: the project's ``data/claims.csv``).

    ``project`` is the study folder (default: the one around the working directory). Raises
    ``ValueError`` on duplicate ids, unknown sections or kinds, wrong columns, or non-numeric
    values in numeric columns.
    """
    path = Path(path) if path is not None else default(project).path(CLAIMS_FILE)
    # Read as text first so a stray word in a numeric column is caught, not coerced to NaN.
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    if tuple(raw.columns) != COLUMNS:
        raise ValueError(f"claims columns differ from the contract: {list(raw.columns)}")
    dup = raw["claim_id"][raw["claim_id"].duplicated()]
    if not dup.empty:
        raise ValueError(f"duplicate claim ids: {sorted(set(dup))}")
    bad_id = raw["claim_id"][~raw["claim_id"].str.match(_ID)]
    if not bad_id.empty:
        raise ValueError(f"malformed claim ids: {list(bad_id)}")
    for col, allowed in (("section", ALLOWED_SECTIONS), ("kind", ALLOWED_KINDS)):
        bad = raw[col][~raw[col].isin(allowed)]
        if not bad.empty:
            raise ValueError(f"unknown {col}: {sorted(set(bad))}")
    bad_op = raw["p_op"][~raw["p_op"].isin({"", "=", "<"})]
    if not bad_op.empty:
        raise ValueError(f"unknown p_op: {sorted(set(bad_op))}")
    out = raw.copy()
    for col in NUMERIC:
        text = raw[col].str.strip()
        num = pd.to_numeric(text.where(text != ""), errors="coerce")
        if (num.isna() & (text != "")).any():
            raise ValueError(f"non-numeric values in {col}: {list(text[num.isna() & (text != '')])}")
        out[col] = num.astype("float64")
    problems = [f"{cid}: {why}" for cid, why in _comparison_problems(out)]
    if problems:
        raise ValueError("malformed comparison claims: " + "; ".join(problems[:10]))
    return out


# --------------------------------------------------------------------------- quantifiers and comparisons

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


def _comparison_problems(claims: pd.DataFrame) -> list[tuple[str, str]]:
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
        if row["kind"] != "quantifier" and not np.isfinite(_num(row, "percent")):
            continue
        if row["binding"] in found or str(row["binding"]).startswith("none:"):
            continue
        low, high = _share_bounds(row)
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
    if str(row["kind"]) != "quantifier" or not np.isfinite(_num(row, "percent")):
        return None
    q = parse_expected("quantifier", str(row["expected"]), wording)
    low, high = _pct_interval(_num(row, "percent"), _num(row, "precision"))
    pct = _num(row, "percent")
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
    if str(row["kind"]) != "no_difference" or not np.isfinite(_num(row, "p")):
        return None
    p, op = _num(row, "p"), str(row["p_op"])
    if _printed_significant(p, op):
        return Check(False, f"the printed p {op} {p:g} is significant, yet no difference is claimed")
    stat, df1, df2 = _num(row, "statistic"), _num(row, "df1"), _num(row, "df2")
    if not (np.isfinite(stat) and np.isfinite(df1)):
        return Check(True, f"printed p {op} {p:g} is not significant")
    kind = "anova" if np.isfinite(df2) else "chi2"
    h = _half_unit(_num(row, "precision") if np.isfinite(_num(row, "precision")) else printed_decimals(stat))
    p_most = recompute_p(kind, max(stat - h, 0.0), df1, df2)
    if p_most < ALPHA:
        return Check(False, f"the printed statistic gives p at most {p_most:.4g}, significant at .05")
    return Check(True, f"printed p {op} {p:g}; the statistic recomputes to p = "
                       f"{recompute_p(kind, stat, df1, df2):.3g}, not significant either")


def _printed_significant(p: float, op: str) -> bool:
    return p <= ALPHA if op == "<" else p < ALPHA


# --------------------------------------------------------------------------- tests

def recompute_p(kind: str, statistic: float, df1: float, df2: float | None = None) -> float:
    """Upper-tail p of a chi-square (``chi2``) or F (``anova``) statistic."""
    if kind == "chi2":
        return float(sps.chi2.sf(statistic, df1))
    if kind == "anova":
        if df2 is None or not np.isfinite(df2):
            raise ValueError("an F test needs df2")
        return float(sps.f.sf(statistic, df1, df2))
    raise ValueError(f"no p-value for kind {kind!r}")


def printed_decimals(x: float) -> int:
    """Decimals in the shortest printed form of ``x`` (0.004 -> 3, 0.81 -> 2)."""
    exp = Decimal(repr(float(x))).normalize().as_tuple().exponent
    return max(0, -int(exp))


def _half_unit(precision: float) -> float:
    return 0.5 * 10.0 ** (-int(precision))


def _num(row: Mapping[str, object], col: str) -> float:
    v = row.get(col)
    return float(v) if v is not None and v == v else math.nan  # v == v is False for NaN


def check_test(row: Mapping[str, object]) -> TestCheck:
    """Recompute a printed chi-square or F test and compare it with the printed p.

    The statistic is printed rounded, so p is computed at statistic +/- half a unit in its
    last digit; an ``=`` p is consistent when that interval meets the printed p's own rounding
    interval, a ``<`` p when the smallest reachable p is below the bound. Gross means the
    verdict at .05 flips.
    """
    kind, stat = str(row["kind"]), _num(row, "statistic")
    df1, df2 = _num(row, "df1"), _num(row, "df2")
    prec = _num(row, "precision")
    h = _half_unit(prec if np.isfinite(prec) else printed_decimals(stat))
    p_mid = recompute_p(kind, stat, df1, df2)
    p_lo, p_hi = recompute_p(kind, stat + h, df1, df2), recompute_p(kind, max(stat - h, 0.0), df1, df2)
    p, op = _num(row, "p"), str(row["p_op"])
    if op == "<":
        consistent = p_lo < p
        printed_sig = p <= ALPHA
    else:
        hp = _half_unit(printed_decimals(p))
        consistent = p_lo <= p + hp and p_hi >= p - hp
        printed_sig = p < ALPHA
    gross = (not consistent) and printed_sig != (p_mid < ALPHA)
    reason = (f"recomputed p={p_mid:.4g} (range {p_lo:.4g}-{p_hi:.4g} over the statistic's "
              f"rounding) vs printed p {op} {p:g}")
    if not consistent:
        reason = ("gross: significance flips; " if gross else "inconsistent: ") + reason
    return TestCheck(p_mid, bool(consistent), bool(gross), reason)


# --------------------------------------------------------------------------- percentages

def _pct_interval(percent: float, precision: float) -> tuple[float, float]:
    h = _half_unit(precision if np.isfinite(precision) else 0)
    return percent - h, percent + h


def _rounds_to(value: float, percent: float, precision: int) -> bool:
    return round_half_up(value, precision) == round_half_up(percent, precision)


def check_percent_vs_n(row: Mapping[str, object]) -> Check | None:
    """Does n / denominator round (half up) to the printed percent? None if not checkable.

    Rounding is taken once, as a reader would redo it. A percent reached only by rounding to
    one more decimal first (38.499 -> 38.5 -> 39) fails, and the reason says so: double
    rounding would also excuse 70.46 -> 71 and so hide real base mismatches.
    """
    n, d, pct = _num(row, "n"), _num(row, "denominator"), _num(row, "percent")
    if str(row["kind"]) != "percent" or not (np.isfinite(n) and np.isfinite(d) and np.isfinite(pct)) or d <= 0:
        return None
    prec = int(_num(row, "precision")) if np.isfinite(_num(row, "precision")) else 0
    exact = 100.0 * n / d
    if _rounds_to(exact, pct, prec):
        return Check(True, f"{n:g}/{d:g} = {exact:.3f}% rounds to {pct:g}")
    bases = implied_denominators(n, pct, prec)
    where = f"; bases that give it: {bases[0]}-{bases[-1]}" if bases else ""
    double = " (only by double rounding)" if _rounds_to(round_half_up(exact, prec + 1), pct, prec) else ""
    return Check(False, f"{n:g}/{d:g} = {exact:.3f}% does not round to {pct:g}{double}{where}")


def implied_denominators(n: float, percent: float, precision: int = 0, max_base: int = 100_000) -> list[int]:
    """All whole bases D >= n for which n / D rounds (half up) to ``percent``."""
    lo, hi = _pct_interval(percent, precision)
    if hi <= 0:
        return []
    first = max(int(n), math.floor(100.0 * n / hi))
    last = min(max_base, math.ceil(100.0 * n / lo)) if lo > 0 else max_base
    return [d for d in range(max(first, 1), last + 1) if _rounds_to(100.0 * n / d, percent, precision)]


# --------------------------------------------------------------------------- degrees of freedom

def _base(cid: str) -> str:
    m = _ID.match(cid)
    return m.group("base") if m else cid


def _groups(breakdown: str, claims: pd.DataFrame, known: Relations) -> int | None:
    if breakdown == "by_country":
        # the per-country completes: count claims on the country item for one named country
        sel = claims[(claims["variable"] == "country") & (claims["kind"] == "count")
                     & (claims["category"] == claims["country"])]
        return int(sel["category"].nunique()) or None
    spec = known.breakdowns.get(breakdown)
    if spec is None:
        return None
    return known.levels[str(spec["item"])] if "item" in spec else int(spec["groups"])


def _completes(claims: pd.DataFrame) -> float:
    sel = claims[(claims["variable"] == "status") & (claims["category"] == "complete")]
    return float(sel["n"].iloc[0]) if not sel.empty else math.nan


def check_df(row: Mapping[str, object], claims: pd.DataFrame, known: Relations | None = None) -> Check | None:
    """Degrees of freedom against the groups compared and the respondents.

    ANOVA: df1 = groups - 1; df2 = respondents - groups when the base is known, and never more
    than the survey's completes minus the groups. Chi-square: df = (levels - 1)(groups - 1).
    The levels and breakdowns come from ``known`` (default: :func:`load_relations`).
    """
    kind, breakdown = str(row["kind"]), str(row["country"])
    if kind not in {"chi2", "anova"}:
        return None
    known = known or load_relations()
    g = _groups(breakdown, claims, known)
    if g is None:
        return None
    df1, df2 = _num(row, "df1"), _num(row, "df2")
    if kind == "chi2":
        levels = known.levels.get(str(row["variable"]))
        if levels is None:
            return None
        want = (levels - 1) * (g - 1)
        return Check(df1 == want, f"df {df1:g} vs ({levels}-1)x({g}-1) = {want}")
    problems = []
    if df1 != g - 1:
        problems.append(f"df1 {df1:g} but {g} groups need {g - 1}")
    cap = _completes(claims) - g
    if np.isfinite(cap) and df2 > cap:
        problems.append(f"df2 {df2:g} exceeds completes minus groups ({cap:g})")
    d = _num(row, "denominator")
    if np.isfinite(d) and df2 != d - g:
        problems.append(f"df2 {df2:g} but {d:g} respondents in {g} groups give {d - g:g}")
    if problems:
        return Check(False, "; ".join(problems))
    return Check(True, f"df ({df1:g}, {df2:g}) fit {g} groups")


# --------------------------------------------------------------------------- chi-square from shares

def _count_options(n: float, d: int, percent: float, precision: float) -> list[int]:
    if np.isfinite(n):
        return [int(n)]
    lo, hi = _pct_interval(percent, precision)
    return [k for k in range(d + 1) if lo <= 100.0 * k / d <= hi]


def _yates_2x2(obs: np.ndarray) -> float:
    n = obs.sum()
    r, c = obs.sum(axis=1), obs.sum(axis=0)
    num = n * max(abs(obs[0, 0] * obs[1, 1] - obs[0, 1] * obs[1, 0]) - n / 2, 0.0) ** 2
    return float(num / (r[0] * r[1] * c[0] * c[1]))


def chi2_range_from_shares(
    groups: Sequence[tuple[int, float, float, float]],
    remainder: int = 0,
    overall: tuple[int, float, float] | None = None,
) -> tuple[float, float] | None:
    """Smallest and largest chi-square of any yes/no-by-group table matching printed shares.

    ``groups``: (size, printed n or NaN, printed percent, precision) per group. ``remainder``:
    size of a further group whose share is unprinted (any count allowed). ``overall``:
    (population, percent, precision) that the yes total must round to. Pearson without
    correction, plus Yates for 2x2 tables, so either convention the authors used is covered.
    """
    options = [_count_options(n, size, pct, prec) for size, n, pct, prec in groups]
    sizes = [size for size, *_ in groups]
    if remainder:
        options.append(list(range(remainder + 1)))
        sizes.append(remainder)
    found: list[float] = []
    for ks in itertools.product(*options):
        if overall is not None:
            pop, pct, prec = overall
            lo, hi = _pct_interval(pct, prec)
            if not lo <= 100.0 * sum(ks) / pop <= hi:
                continue
        obs = np.array([[k, s - k] for k, s in zip(ks, sizes, strict=True)], dtype=float)
        try:
            found.append(chi_square(pd.DataFrame(obs)).statistic)
        except ValueError:  # a table with an empty margin has no statistic
            continue
        if obs.shape == (2, 2):
            found.append(_yates_2x2(obs))
    return (min(found), max(found)) if found else None


# --------------------------------------------------------------------------- relations

def _row(claims: pd.DataFrame, cid: str) -> pd.Series:
    sel = claims[claims["claim_id"] == cid]
    if sel.empty:
        raise KeyError(f"relation names unknown claim {cid}")
    return sel.iloc[0]


def _share_bounds(row: pd.Series) -> tuple[float, float]:
    """Interval a printed share (a share_range, a verbal quantifier) allows, in percent."""
    if row["kind"] == "share_range":
        return float(row["percent"]), float(row["statistic"])
    if row["kind"] == "quantifier":
        q = parse_expected("quantifier", str(row["expected"]))
        return q.low, q.high
    return _pct_interval(float(row["percent"]), _num(row, "precision"))


Verdict = tuple[bool, str, list[str]]  # ok, reason, the claims the verdict is about


def _sum_counts(rel: Relation, claims: pd.DataFrame, rows: list[pd.Series], total: pd.Series) -> Verdict:
    s = sum(float(r["n"]) for r in rows)
    return s == float(total["n"]), f"parts sum to {s:g}; total printed {float(total['n']):g}", _involved(rel)


def _sum_percents(rel: Relation, claims: pd.DataFrame, rows: list[pd.Series], total: pd.Series | None) -> Verdict:
    s = sum(float(r["percent"]) for r in rows)
    tol = sum(_half_unit(_num(r, "precision") if np.isfinite(_num(r, "precision")) else 0) for r in rows)
    return abs(s - 100) <= tol, f"shares sum to {s:g} (rounding allows 100 +/- {tol:g})", _involved(rel)


def _combine(rel: Relation, claims: pd.DataFrame, rows: list[pd.Series], total: pd.Series) -> Verdict:
    s = sum(float(r["percent"]) for r in rows)
    tol = _half_unit(_num(total, "precision")) + sum(_half_unit(_num(r, "precision")) for r in rows)
    return (abs(s - float(total["percent"])) <= tol,
            f"parts give {s:g}; merged share printed {float(total['percent']):g}", _involved(rel))


def _ratio(rel: Relation, claims: pd.DataFrame, rows: list[pd.Series], total: pd.Series) -> Verdict:
    pct_row = _row(claims, str(rel.params["percent"]))
    prec = int(_num(pct_row, "precision"))
    v = 100.0 * float(rows[0]["n"]) / float(total["n"])
    ok = _rounds_to(v, float(pct_row["percent"]), prec)
    return ok, (f"{float(rows[0]['n']):g}/{float(total['n']):g} = {v:.2f}% vs printed "
                f"{float(pct_row['percent']):g}%"), _involved(rel) + [pct_row["claim_id"]]


def _parts_le_whole(rel: Relation, claims: pd.DataFrame, rows: list[pd.Series], total: pd.Series) -> Verdict:
    s = sum(float(r["n"]) for r in rows)
    why = f" ({rel.why})" if rel.why else ""
    return s <= float(total["n"]), f"subset {s:g} vs set {float(total['n']):g}{why}", _involved(rel)


def _within_bounds(rel: Relation, claims: pd.DataFrame, rows: list[pd.Series], total: pd.Series | None) -> Verdict:
    lo_row, hi_row = _row(claims, str(rel.params["lo"])), _row(claims, str(rel.params["hi"]))
    lo, hi = float(lo_row["n"]), float(hi_row["n"])
    vals = [float(r["n"]) for r in rows]
    # Both sides of a broken range are named: the stated bound and each value outside it.
    outside = [r["claim_id"] for r, v in zip(rows, vals, strict=True) if v < lo or v > hi]
    blame = ([lo_row["claim_id"]] if min(vals) < lo else []) + ([hi_row["claim_id"]] if max(vals) > hi else [])
    blame = blame + outside if blame else blame
    ids = blame if blame else _involved(rel) + [lo_row["claim_id"], hi_row["claim_id"]]
    return not blame, f"values {', '.join(f'{v:g}' for v in vals)} vs stated range {lo:g}-{hi:g}", ids


def _within_range(rel: Relation, claims: pd.DataFrame, rows: list[pd.Series], total: pd.Series) -> Verdict:
    lo, hi = _share_bounds(total)
    bad = []
    for r in rows:
        plo, phi = _share_bounds(r)
        if phi < lo or plo > hi:
            bad.append(f"{r['claim_id']}={float(r['percent']):g}")
    reason = f"outside {lo:g}-{hi:g}: {', '.join(bad)}" if bad else f"inside {lo:g}-{hi:g}"
    return not bad, reason, _involved(rel) if not bad else [rel.total]


def _subgroups_overall(rel: Relation, claims: pd.DataFrame, rows: list[pd.Series], total: pd.Series) -> Verdict:
    pop = float(total["denominator"])
    olo, ohi = _share_bounds(total)
    if rel.params.get("complement"):
        # the subgroup share is of the complementary answer: compare against 100 - overall
        olo, ohi = 0.0, 100.0 - olo
    sizes = [float(r["denominator"]) for r in rows]
    rest = pop - sum(sizes)
    bounds = [_share_bounds(r) for r in rows]
    least = sum(s * b[0] for s, b in zip(sizes, bounds, strict=True)) / pop
    most = (sum(s * b[1] for s, b in zip(sizes, bounds, strict=True)) + 100.0 * rest) / pop
    ok = most >= olo and least <= ohi
    return ok, (f"subgroups allow an overall share of {least:.1f}-{most:.1f}% "
                f"({rest:g} unaccounted); overall printed {olo:g}-{ohi:g}%"), _involved(rel) if ok else list(rel.ids)


def _chi2_shares(rel: Relation, claims: pd.DataFrame, rows: list[pd.Series], total: pd.Series) -> Verdict:
    groups = [(int(r["denominator"]), _num(r, "n"), float(r["percent"]), _num(r, "precision")) for r in rows]
    remainder, overall = 0, None
    if "population" in rel.params:
        remainder = int(_row(claims, str(rel.params["population"]))["n"]) - sum(g[0] for g in groups)
    if "overall" in rel.params:
        o = _row(claims, str(rel.params["overall"]))
        overall = (int(o["denominator"]), float(o["percent"]), _num(o, "precision"))
    rng = chi2_range_from_shares(groups, remainder, overall)
    stat = float(total["statistic"])
    h = _half_unit(_num(total, "precision"))
    if rng is None:
        return False, "no table matches the printed shares", [rel.total]
    ok = rng[0] - h <= stat <= rng[1] + h
    reason = f"tables matching the printed shares give chi2 {rng[0]:.2f}-{rng[1]:.2f}; printed {stat:g}"
    return ok, reason, _involved(rel) if ok else [rel.total]


def _footnote_label(rel: Relation, claims: pd.DataFrame, rows: list[pd.Series], total: pd.Series | None) -> Verdict:
    want = (int(rel.params["groups"]) - 1) * (int(rel.params["levels"]) - 1)
    df1 = float(rows[0]["df1"])
    return df1 == want, (f"footnote names a test ({rel.params['label']}) with df {want}; "
                         f"printed df {df1:g} fits the country comparison in the text"), list(rel.ids)


_RELATION_CHECKS: Mapping[str, Callable[[Relation, pd.DataFrame, list[pd.Series], pd.Series], Verdict]] = {
    "sum_counts": _sum_counts, "sum_percents": _sum_percents, "combine": _combine, "ratio": _ratio,
    "parts_le_whole": _parts_le_whole, "within_bounds": _within_bounds, "within_range": _within_range,
    "subgroups_overall": _subgroups_overall, "chi2_shares": _chi2_shares, "footnote_label": _footnote_label,
}


def _involved(rel: Relation) -> list[str]:
    """The claims a relation relates: its ids and its total."""
    return list(rel.ids) + ([rel.total] if rel.total else [])


def _eval_relation(rel: Relation, claims: pd.DataFrame) -> Verdict:
    """Return (ok, reason, ids the verdict is about)."""
    if rel.kind not in _RELATION_CHECKS:
        raise ValueError(f"unknown relation kind {rel.kind}")
    rows = [_row(claims, i) for i in rel.ids]
    total = _row(claims, rel.total) if rel.total else None
    return _RELATION_CHECKS[rel.kind](rel, claims, rows, total)


def _relation_ids(rel: Relation) -> list[str]:
    """Every claim id a relation reads, its parameters included."""
    named = [*rel.ids, *([rel.total] if rel.total else []), *rel.blame]
    return named + [v for v in rel.params.values() if isinstance(v, str) and _ID.match(v)]


def _repeat_checks(claims: pd.DataFrame) -> list[dict]:
    """Repeats (summary or body) must print what the claim they repeat prints."""
    out = []
    bases = claims["claim_id"].map(_base)
    cols = ["n", "percent", "statistic", "df1", "df2", "p"]
    wording = load_wording()
    for base, grp in claims.groupby(bases, sort=True):
        if len(grp) < 2:
            continue
        ref = grp[grp["claim_id"] == base]
        if ref.empty:  # no unsuffixed claim: the first body repeat is the reference
            body = grp[grp["section"] != "summary"]
            ref = body if not body.empty else grp
        ref_row = ref.iloc[0]
        for _, r in grp.iterrows():
            if r["claim_id"] == ref_row["claim_id"]:
                continue
            # A repeat may leave out a number (a summary restating a test without printing it);
            # only numbers printed in both places must agree.
            diffs = [f"{c} {r[c]:g} vs {ref_row[c]:g}" for c in cols
                     if not (pd.isna(r[c]) or pd.isna(ref_row[c])) and r[c] != ref_row[c]]
            claimed, ref_claimed = _asserted(r, wording), _asserted(ref_row, wording)
            if r["kind"] == ref_row["kind"] and claimed is not None and ref_claimed is not None \
                    and claimed != ref_claimed:
                diffs.append(f"asserts '{r['expected']}' vs '{ref_row['expected']}'")
            out.append({"claim_id": r["claim_id"], "check": "repeat", "ok": not diffs,
                        "reason": (f"differs from {ref_row['claim_id']}: " + "; ".join(diffs)) if diffs
                        else f"matches {ref_row['claim_id']}"})
    return out


def _asserted(row: pd.Series, wording: Wording) -> object:
    """What a comparison claim asserts, comparable across wordings (a quantifier by its range)."""
    if row["kind"] not in COMPARISON_KINDS or not str(row["expected"]).strip():
        return None
    parsed = parse_expected(row["kind"], row["expected"], wording)
    if isinstance(parsed, Quantifier):
        return (parsed.low, parsed.high, parsed.low_open, parsed.high_open)
    return parsed


# --------------------------------------------------------------------------- reports

def consistency_report(claims: pd.DataFrame | None = None, relations: Iterable[Relation] | None = None,
                       known: Relations | None = None, *, project: Project | None = None) -> pd.DataFrame:
    """Every check on every claim: columns claim_id, check, ok, reason.

    A relation is checked when every claim it names is in ``claims``; the full registry names
    them all (tests/test_claims.py holds it to that). ``claims``, ``relations`` and ``known``
    default to ``project``'s (:func:`load_claims`, :func:`load_relations`; default: the study
    folder around the working directory).
    """
    claims = load_claims(project=project) if claims is None else claims
    known = known or load_relations(project=project)
    relations = known.relations if relations is None else relations
    out: list[dict] = []
    printed = printed_intervals(claims)
    wording = load_wording(project=project)
    for _, row in claims.iterrows():
        if row["kind"] in {"chi2", "anova"}:
            t = check_test(row)
            out.append({"claim_id": row["claim_id"], "check": "test_p", "ok": t.consistent, "reason": t.reason})
            d = check_df(row, claims, known)
            if d is not None:
                out.append({"claim_id": row["claim_id"], "check": "df", "ok": d.ok, "reason": d.reason})
        c = check_percent_vs_n(row)
        if c is not None:
            out.append({"claim_id": row["claim_id"], "check": "percent_vs_n", "ok": c.ok, "reason": c.reason})
        for name, check in (("printed_ranking", check_ranking_printed(row, printed, wording)),
                            ("printed_quantifier", check_quantifier_printed(row, wording)),
                            ("printed_no_difference", check_no_difference_printed(row))):
            if check is not None:
                out.append({"claim_id": row["claim_id"], "check": name, "ok": check.ok, "reason": check.reason})
    out.extend(_repeat_checks(claims))
    present = set(claims["claim_id"])
    for rel in relations:
        if not set(_relation_ids(rel)) <= present:
            continue  # a part of the registry (a test's own few claims): the relation is not about it
        ok, reason, ids = _eval_relation(rel, claims)
        targets = ids if ok or not rel.blame else list(rel.blame)
        for cid in dict.fromkeys(targets):
            out.append({"claim_id": cid, "check": rel.kind, "ok": bool(ok), "reason": reason})
    return pd.DataFrame(out, columns=["claim_id", "check", "ok", "reason"])


def source_inconsistencies(claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """Claims that fail at least one check: columns claim_id, checks, reason."""
    report = consistency_report(claims)
    bad = report[~report["ok"].astype(bool)]  # typed: an empty object column would select columns
    rows = [{"claim_id": cid, "checks": ", ".join(dict.fromkeys(g["check"])), "reason": " | ".join(g["reason"])}
            for cid, g in bad.groupby("claim_id", sort=True)]
    return pd.DataFrame(rows, columns=["claim_id", "checks", "reason"])
