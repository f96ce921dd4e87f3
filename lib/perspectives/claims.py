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

Inputs
    ``data/claims.csv`` (one row per claim; columns in ``COLUMNS``). Cross-claim relations that
    cannot be read off the columns are declared as data in ``RELATIONS``.

Outputs
    ``load_claims`` -> validated DataFrame; ``check_test`` -> ``TestCheck``;
    ``consistency_report`` -> one row per (claim, check); ``source_inconsistencies`` -> one row
    per claim that fails any check, with the reasons.

Reading conventions of the CSV
    ``share_range`` rows hold their lower bound in ``percent`` and their upper bound in
    ``statistic``. Repeats of a claim carry its id plus a suffix (``-ES`` for the executive
    summary, ``-R1``... for repeats in the body) and must print the same quantity.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

from perspectives.fmt import round_half_up
from perspectives.stats import chi_square

__all__ = [
    "ALLOWED_KINDS",
    "ALLOWED_SECTIONS",
    "COLUMNS",
    "Check",
    "RELATIONS",
    "Relation",
    "TestCheck",
    "check_df",
    "check_percent_vs_n",
    "check_test",
    "chi2_range_from_shares",
    "consistency_report",
    "implied_denominators",
    "load_claims",
    "recompute_p",
    "source_inconsistencies",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PATH = REPO_ROOT / "data" / "claims.csv"

COLUMNS: tuple[str, ...] = (
    "claim_id", "section", "figure", "line", "paraphrase", "population", "denominator",
    "country", "kind", "n", "percent", "statistic", "df1", "df2", "p_op", "p", "precision",
    "variable", "category", "binding", "status_hint", "note",
)
ALLOWED_SECTIONS = frozenset({
    "methods", "csea_online", "disclosure", "support", "knowledge", "prevention",
    "recommendations", "summary",
})
ALLOWED_KINDS = frozenset({"count", "percent", "chi2", "anova", "mean", "share_range", "fact"})
NUMERIC = ("line", "denominator", "n", "percent", "statistic", "df1", "df2", "p", "precision")
SOURCE_INCONSISTENT = "source-inconsistent"
ALPHA = 0.05
_ID = re.compile(r"^(?P<base>[A-Z]-[A-Z]+-\d{3})(?P<suffix>(-[A-Z0-9]+)*)$")

# Answer levels of the instrument items that appear in a chi-square. A test on one option of a
# multi-select item (a service offered, a form seen) is a yes/no table, hence 2. The exchange
# item's 5 levels are what df = 20 across six countries implies; the instrument is not yet in
# the repository to confirm it.
LEVELS: Mapping[str, int] = {
    "gender": 3, "age_band": 4, "area": 3, "org_type": 3, "services": 2, "girls_forms": 2,
    "boys_forms": 2, "scen_flipped": 3, "scen_viewer": 3, "boys_exchange": 5,
    "girls_exchange": 5,
}
# Breakdowns named in the ``country`` column, with the item whose levels make the groups.
# ``by_country`` is counted from the registry itself (the per-country completes).
BREAKDOWN_ITEM: Mapping[str, str] = {
    "NGO_vs_government": "org_type", "by_gender": "gender",
}
BREAKDOWN_FIXED: Mapping[str, int] = {"by_child_gender": 2}


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


R = Relation
_SRV = "M-SRV-001"
RELATIONS: tuple[Relation, ...] = (
    # counts that make up totals
    R("sum_counts", ("M-SRV-004", "M-SRV-005", "M-SRV-006", "M-SRV-007", "M-SRV-008", "M-SRV-009"), total=_SRV),
    R("sum_counts", ("M-CNV-006", "M-CNV-007", "M-CNV-008", "M-CNV-009", "M-CNV-010", "M-CNV-011"), total="M-CNV-001"),
    R("sum_counts", ("M-CNV-002", "M-CNV-005"), total="M-CNV-001"),
    R("sum_counts", ("M-CNV-003", "M-CNV-004"), total="M-CNV-002"),
    R("sum_counts", ("M-CNV-022", "M-CNV-023"), total="M-CNV-009"),
    R("sum_counts", ("M-GEN-001", "M-GEN-002", "M-GEN-003"), total=_SRV),
    R("sum_counts", ("M-AGE-001", "M-AGE-002", "M-AGE-003", "M-AGE-004"), total=_SRV),
    R("sum_counts", ("M-EDU-001", "M-EDU-002", "M-EDU-003"), total=_SRV),
    R("sum_counts", ("M-EXP-001", "M-EXP-002", "M-EXP-003", "M-EXP-004"), total=_SRV),
    R("sum_counts", ("M-ORG-001", "M-ORG-002", "M-ORG-003"), total=_SRV),
    R("sum_counts", ("M-AREA-001", "M-AREA-002", "M-AREA-003"), total=_SRV),
    R("sum_counts", ("C-GEN-001", "C-GEN-002"), total=_SRV),
    R("sum_counts", ("C-GEN-013", "C-GEN-014"), total=_SRV),
    R("sum_counts", ("D-CNV-002", "D-CNV-003", "D-CNV-004", "D-CNV-005"), total="D-CNV-001"),
    R("sum_counts", ("R-REC-002", "R-REC-003"), total="R-REC-001"),
    # single-select distributions
    R("sum_percents", ("M-GEN-001", "M-GEN-002")),
    R("sum_percents", ("M-AGE-001", "M-AGE-002", "M-AGE-003", "M-AGE-004")),
    R("sum_percents", ("M-EDU-001", "M-EDU-002", "M-EDU-003")),
    R("sum_percents", ("M-EXP-001", "M-EXP-002", "M-EXP-003", "M-EXP-004")),
    R("sum_percents", ("M-ORG-001", "M-ORG-002", "M-ORG-003")),
    R("sum_percents", ("M-AREA-001", "M-AREA-002", "M-AREA-003")),
    R("sum_percents", ("C-GEN-009", "C-GEN-010")),
    R("sum_percents", ("C-GEN-018", "C-GEN-019", "C-GEN-020")),
    R("sum_percents", ("C-OFF-005", "C-OFF-006-ES")),
    R("sum_percents", ("P-AWR-003", "P-AWR-004", "P-AWR-005", "P-AWR-006")),
    R("combine", ("P-AWR-003", "P-AWR-004"), total="P-AWR-002"),
    R("combine", ("P-AWR-006",), total="P-AWR-001"),
    # a share of a printed count
    R("ratio", ("C-GEN-008",), total="C-GEN-001", params={"percent": "C-GEN-003"}),
    # subsets
    R("parts_le_whole", ("D-CNV-016",), total="D-CNV-015",
      blame=("D-CNV-015", "D-CNV-016", "D-CNV-016-ES"),
      why="participants whose details were published are said to be among those who raised it"),
    R("parts_le_whole", ("M-CNV-007", "M-CNV-020"), total="M-CNV-017", blame=("M-CNV-017",),
      why="Moldovan participants plus Moldovan decliners were all approached"),
    R("parts_le_whole", ("D-CNV-001",), total="M-CNV-008"),
    R("parts_le_whole", ("S-CNV-001",), total="M-CNV-007"),
    R("parts_le_whole", ("S-CNV-003",), total="M-CNV-007"),
    R("parts_le_whole", ("K-CNV-001",), total="M-CNV-010"),
    R("parts_le_whole", ("S-CNV-008",), total="M-CNV-009"),
    R("parts_le_whole", ("S-CNV-009",), total="M-CNV-009"),
    # ranges
    R("within_bounds", ("C-GEN-023", "C-GEN-011", "C-GEN-012"),
      params={"lo": "M-CNV-032", "hi": "M-CNV-033"}),
    R("within_range", ("M-AGE-001",), total="M-AGE-005"),
    R("within_range", ("M-EXP-001",), total="M-EXP-005"),
    R("within_range", ("M-ORG-001",), total="M-ORG-004"),
    R("within_range", ("M-AREA-001",), total="M-AREA-004"),
    R("within_range", ("C-CASE-007", "C-CASE-008"), total="C-CASE-010"),
    # subgroup shares against the overall share
    R("subgroups_overall", ("M-SVC-016", "M-SVC-017"), total="M-SVC-001"),
    R("subgroups_overall", ("M-SVC-007", "M-SVC-008"), total="M-SVC-001"),
    R("subgroups_overall", ("M-SVC-010", "M-SVC-011"), total="M-SVC-004"),
    R("subgroups_overall", ("M-SVC-013", "M-SVC-014"), total="M-SVC-005"),
    R("subgroups_overall", ("M-AGE-006", "M-AGE-007"), total="M-AGE-002"),
    R("subgroups_overall", ("M-EDU-004", "M-EDU-005", "M-EDU-006"), total="M-EDU-002"),
    R("subgroups_overall", ("M-GEN-004", "M-GEN-005"), total="M-GEN-001"),
    R("subgroups_overall", ("M-AREA-005", "M-AREA-006"), total="M-AREA-003"),
    R("subgroups_overall", ("M-EXP-006",), total="M-EXP-001"),
    R("subgroups_overall", ("M-ORG-005", "M-ORG-006"), total="M-ORG-001"),
    R("subgroups_overall", ("K-SCN-007",), total="K-SCN-005", params={"complement": True}),
    # chi-squares against the shares they compare
    R("chi2_shares", ("M-SVC-007", "M-SVC-008"), total="M-SVC-009",
      params={"overall": "M-SVC-001", "population": _SRV}),
    R("chi2_shares", ("M-SVC-010", "M-SVC-011"), total="M-SVC-012",
      params={"overall": "M-SVC-004", "population": _SRV}),
    R("chi2_shares", ("M-SVC-013", "M-SVC-014"), total="M-SVC-015",
      params={"overall": "M-SVC-005", "population": _SRV}),
    R("chi2_shares", ("M-SVC-016", "M-SVC-017"), total="M-SVC-018", params={"population": _SRV}),
    R("chi2_shares", ("C-FRM-005", "C-FRM-006"), total="C-FRM-004"),
    # footnotes whose label names a different test
    R("footnote_label", ("K-SCN-004",), params={"groups": 2, "levels": 2,
                                                "label": "by child gender, grooming"}),
    R("footnote_label", ("K-SCN-008",), params={"groups": 2, "levels": 2,
                                                "label": "by child gender, grooming"}),
)
del R


# --------------------------------------------------------------------------- loading

def load_claims(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate the claims registry.

    Raises ``ValueError`` on duplicate ids, unknown sections or kinds, wrong columns, or
    non-numeric values in numeric columns.
    """
    path = Path(path) if path is not None else DEFAULT_PATH
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
    return out


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


def _decimals(x: float) -> int:
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
    h = _half_unit(prec if np.isfinite(prec) else _decimals(stat))
    p_mid = recompute_p(kind, stat, df1, df2)
    p_lo, p_hi = recompute_p(kind, stat + h, df1, df2), recompute_p(kind, max(stat - h, 0.0), df1, df2)
    p, op = _num(row, "p"), str(row["p_op"])
    if op == "<":
        consistent = p_lo < p
        printed_sig = p <= ALPHA
    else:
        hp = _half_unit(_decimals(p))
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


def _groups(breakdown: str, claims: pd.DataFrame) -> int | None:
    if breakdown == "by_country":
        # the per-country completes: count claims on the country item for one named country
        sel = claims[(claims["variable"] == "country") & (claims["kind"] == "count")
                     & (claims["category"] == claims["country"])]
        return int(sel["category"].nunique()) or None
    if breakdown in BREAKDOWN_ITEM:
        return LEVELS[BREAKDOWN_ITEM[breakdown]]
    return BREAKDOWN_FIXED.get(breakdown)


def _completes(claims: pd.DataFrame) -> float:
    sel = claims[(claims["variable"] == "status") & (claims["category"] == "complete")]
    return float(sel["n"].iloc[0]) if not sel.empty else math.nan


def check_df(row: Mapping[str, object], claims: pd.DataFrame) -> Check | None:
    """Degrees of freedom against the groups compared and the respondents.

    ANOVA: df1 = groups - 1; df2 = respondents - groups when the base is known, and never more
    than the survey's completes minus the groups. Chi-square: df = (levels - 1)(groups - 1).
    """
    kind, breakdown = str(row["kind"]), str(row["country"])
    g = _groups(breakdown, claims)
    if kind not in {"chi2", "anova"} or g is None:
        return None
    df1, df2 = _num(row, "df1"), _num(row, "df2")
    if kind == "chi2":
        levels = LEVELS.get(str(row["variable"]))
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
    """Interval a printed share (or a share_range) allows, in percent."""
    if row["kind"] == "share_range":
        return float(row["percent"]), float(row["statistic"])
    return _pct_interval(float(row["percent"]), _num(row, "precision"))


def _eval_relation(rel: Relation, claims: pd.DataFrame) -> tuple[bool, str, list[str]]:
    """Return (ok, reason, ids the verdict is about)."""
    rows = [_row(claims, i) for i in rel.ids]
    total = _row(claims, rel.total) if rel.total else None
    involved = list(rel.ids) + ([rel.total] if rel.total else [])
    if rel.kind == "sum_counts":
        s = sum(float(r["n"]) for r in rows)
        return s == float(total["n"]), f"parts sum to {s:g}; total printed {float(total['n']):g}", involved
    if rel.kind == "sum_percents":
        s = sum(float(r["percent"]) for r in rows)
        tol = sum(_half_unit(_num(r, "precision") if np.isfinite(_num(r, "precision")) else 0) for r in rows)
        return abs(s - 100) <= tol, f"shares sum to {s:g} (rounding allows 100 +/- {tol:g})", involved
    if rel.kind == "combine":
        s = sum(float(r["percent"]) for r in rows)
        tol = _half_unit(_num(total, "precision")) + sum(_half_unit(_num(r, "precision")) for r in rows)
        return abs(s - float(total["percent"])) <= tol, f"parts give {s:g}; merged share printed {float(total['percent']):g}", involved
    if rel.kind == "ratio":
        pct_row = _row(claims, str(rel.params["percent"]))
        prec = int(_num(pct_row, "precision"))
        v = 100.0 * float(rows[0]["n"]) / float(total["n"])
        ok = _rounds_to(v, float(pct_row["percent"]), prec)
        return ok, f"{float(rows[0]['n']):g}/{float(total['n']):g} = {v:.2f}% vs printed {float(pct_row['percent']):g}%", involved + [pct_row["claim_id"]]
    if rel.kind == "parts_le_whole":
        s = sum(float(r["n"]) for r in rows)
        why = f" ({rel.why})" if rel.why else ""
        return s <= float(total["n"]), f"subset {s:g} vs set {float(total['n']):g}{why}", involved
    if rel.kind == "within_bounds":
        lo_row, hi_row = _row(claims, str(rel.params["lo"])), _row(claims, str(rel.params["hi"]))
        lo, hi = float(lo_row["n"]), float(hi_row["n"])
        vals = [float(r["n"]) for r in rows]
        # Both sides of a broken range are named: the stated bound and each value outside it.
        outside = [r["claim_id"] for r, v in zip(rows, vals, strict=True) if v < lo or v > hi]
        blame = ([lo_row["claim_id"]] if min(vals) < lo else []) + ([hi_row["claim_id"]] if max(vals) > hi else [])
        blame = blame + outside if blame else blame
        ok = not blame
        ids = blame if blame else involved + [lo_row["claim_id"], hi_row["claim_id"]]
        return ok, f"values {', '.join(f'{v:g}' for v in vals)} vs stated range {lo:g}-{hi:g}", ids
    if rel.kind == "within_range":
        lo, hi = _share_bounds(total)
        bad = []
        for r in rows:
            plo, phi = _share_bounds(r)
            if phi < lo or plo > hi:
                bad.append(f"{r['claim_id']}={float(r['percent']):g}")
        reason = f"outside {lo:g}-{hi:g}: {', '.join(bad)}" if bad else f"inside {lo:g}-{hi:g}"
        return not bad, reason, involved if not bad else [rel.total]
    if rel.kind == "subgroups_overall":
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
                    f"({rest:g} unaccounted); overall printed {olo:g}-{ohi:g}%"), involved if ok else list(rel.ids)
    if rel.kind == "chi2_shares":
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
        return ok, reason, involved if ok else [rel.total]
    if rel.kind == "footnote_label":
        want = (int(rel.params["groups"]) - 1) * (int(rel.params["levels"]) - 1)
        df1 = float(rows[0]["df1"])
        return df1 == want, (f"footnote names a test ({rel.params['label']}) with df {want}; "
                             f"printed df {df1:g} fits the country comparison in the text"), list(rel.ids)
    raise ValueError(f"unknown relation kind {rel.kind}")


def _relation_ids(rel: Relation) -> list[str]:
    """Every claim id a relation reads, its parameters included."""
    named = [*rel.ids, *([rel.total] if rel.total else []), *rel.blame]
    return named + [v for v in rel.params.values() if isinstance(v, str) and _ID.match(v)]


def _repeat_checks(claims: pd.DataFrame) -> list[dict]:
    """Repeats (summary or body) must print what the claim they repeat prints."""
    out = []
    bases = claims["claim_id"].map(_base)
    cols = ["n", "percent", "statistic", "df1", "df2", "p"]
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
            diffs = [f"{c} {r[c]:g} vs {ref_row[c]:g}" for c in cols
                     if not (pd.isna(r[c]) and pd.isna(ref_row[c])) and r[c] != ref_row[c]]
            out.append({"claim_id": r["claim_id"], "check": "repeat", "ok": not diffs,
                        "reason": (f"differs from {ref_row['claim_id']}: " + "; ".join(diffs)) if diffs
                        else f"matches {ref_row['claim_id']}"})
    return out


# --------------------------------------------------------------------------- reports

def consistency_report(claims: pd.DataFrame | None = None, relations: Iterable[Relation] = RELATIONS) -> pd.DataFrame:
    """Every check on every claim: columns claim_id, check, ok, reason.

    A relation is checked when every claim it names is in ``claims``; the full registry names
    them all (tests/test_claims.py holds it to that).
    """
    claims = load_claims() if claims is None else claims
    out: list[dict] = []
    for _, row in claims.iterrows():
        if row["kind"] in {"chi2", "anova"}:
            t = check_test(row)
            out.append({"claim_id": row["claim_id"], "check": "test_p", "ok": t.consistent, "reason": t.reason})
            d = check_df(row, claims)
            if d is not None:
                out.append({"claim_id": row["claim_id"], "check": "df", "ok": d.ok, "reason": d.reason})
        c = check_percent_vs_n(row)
        if c is not None:
            out.append({"claim_id": row["claim_id"], "check": "percent_vs_n", "ok": c.ok, "reason": c.reason})
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
