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

Parts
    :mod:`perspectives.claim_arithmetic` (a test's p, a share's n and base, a chi-square from
    shares), :mod:`perspectives.claim_comparisons` (quantifiers, the comparison kinds and their
    checks on the printed numbers), :mod:`perspectives.claim_relations` (the relations between
    claims). This module loads the registry, checks degrees of freedom and repeats, runs every
    check, and re-exports the parts' public names listed in ``__all__``.

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

import math
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

# The names below are this module's public API (``__all__``), kept where callers have always
# found them; each lives in the part of the claims check it belongs to.
from perspectives.claim_arithmetic import (
    Check,
    TestCheck,
    cell_number,
    check_percent_vs_n,
    check_test,
    chi2_range_from_shares,
    implied_denominators,
    printed_decimals,
    recompute_p,
)
from perspectives.claim_comparisons import (
    COMPARISON_KINDS,
    Comparison,
    Quantifier,
    Ranking,
    Wording,
    check_no_difference_printed,
    check_quantifier_printed,
    check_ranking_printed,
    comparison_items,
    comparison_problems,
    interval_text,
    load_wording,
    parse_expected,
    printed_intervals,
    ranked_pairs,
    universe,
)
from perspectives.claim_relations import CLAIM_ID, Relation, Relations, eval_relation, load_relations, relation_ids
from perspectives.project import Project, default

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

# The registry, from the study folder's root (the quantifier table and the relations between
# claims are read by claim_comparisons and claim_relations).
CLAIMS_FILE = "data/claims.csv"

COLUMNS: tuple[str, ...] = (
    "claim_id", "section", "figure", "line", "paraphrase", "population", "denominator",
    "country", "kind", "n", "percent", "statistic", "df1", "df2", "p_op", "p", "precision",
    "variable", "category", "expected", "binding", "status_hint", "note",
)
ALLOWED_SECTIONS = frozenset({
    "methods", "csea_online", "disclosure", "support", "knowledge", "prevention",
    "recommendations", "summary",
})
ALLOWED_KINDS = frozenset({"count", "percent", "chi2", "anova", "mean", "share_range", "fact"}) | COMPARISON_KINDS
NUMERIC = ("line", "denominator", "n", "percent", "statistic", "df1", "df2", "p", "precision")
SOURCE_INCONSISTENT = "source-inconsistent"


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
    bad_id = raw["claim_id"][~raw["claim_id"].str.match(CLAIM_ID)]
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
    problems = [f"{cid}: {why}" for cid, why in comparison_problems(out)]
    if problems:
        raise ValueError("malformed comparison claims: " + "; ".join(problems[:10]))
    return out


# --------------------------------------------------------------------------- degrees of freedom

def _base(cid: str) -> str:
    m = CLAIM_ID.match(cid)
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
    df1, df2 = cell_number(row, "df1"), cell_number(row, "df2")
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
    d = cell_number(row, "denominator")
    if np.isfinite(d) and df2 != d - g:
        problems.append(f"df2 {df2:g} but {d:g} respondents in {g} groups give {d - g:g}")
    if problems:
        return Check(False, "; ".join(problems))
    return Check(True, f"df ({df1:g}, {df2:g}) fit {g} groups")


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
        if not set(relation_ids(rel)) <= present:
            continue  # a part of the registry (a test's own few claims): the relation is not about it
        ok, reason, ids = eval_relation(rel, claims)
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
