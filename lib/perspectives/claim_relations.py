"""The relations between claims that the columns alone do not reveal (``data/claim_relations.yml``).

Purpose
    Parts that sum to a total, shares that sum to 100, a merged category and its parts, a
    subset and its set, values inside a stated range, subgroup shares against the overall
    share, a chi-square against the shares it compares, a footnote's test against its degrees
    of freedom: each relation kind is a function from the claims it names to a verdict. The
    relations themselves are data; this module reads them and judges each. Apart from the
    registry (:mod:`perspectives.claims`), which runs them with its other checks.

Inputs
    ``data/claim_relations.yml`` (:func:`load_relations`); the claims registry.

Outputs
    :class:`Relations`; a verdict (ok, reason, the claims it is about) per relation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from perspectives.claim_arithmetic import cell_number, chi2_range_from_shares, half_unit, rounds_to
from perspectives.claim_comparisons import share_bounds
from perspectives.config import display_name
from perspectives.project import Project, default
from perspectives.study import read_yaml

RELATIONS_FILE = "data/claim_relations.yml"
# A claim's id: section letter, topic, number, then the suffixes of its repeats (-ES, -R1, -Q).
CLAIM_ID = re.compile(r"^(?P<base>[A-Z]-[A-Z]+-\d{3})(?P<suffix>(-[A-Z0-9]+)*)$")


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



# --------------------------------------------------------------------------- relations

def _row(claims: pd.DataFrame, cid: str) -> pd.Series:
    sel = claims[claims["claim_id"] == cid]
    if sel.empty:
        raise KeyError(f"relation names unknown claim {cid}")
    return sel.iloc[0]


Verdict = tuple[bool, str, list[str]]  # ok, reason, the claims the verdict is about


def _sum_counts(rel: Relation, claims: pd.DataFrame, rows: list[pd.Series], total: pd.Series) -> Verdict:
    s = sum(float(r["n"]) for r in rows)
    return s == float(total["n"]), f"parts sum to {s:g}; total printed {float(total['n']):g}", _involved(rel)


def _sum_percents(rel: Relation, claims: pd.DataFrame, rows: list[pd.Series], total: pd.Series | None) -> Verdict:
    s = sum(float(r["percent"]) for r in rows)
    tol = sum(half_unit(cell_number(r, "precision") if np.isfinite(cell_number(r, "precision")) else 0) for r in rows)
    return abs(s - 100) <= tol, f"shares sum to {s:g} (rounding allows 100 +/- {tol:g})", _involved(rel)


def _combine(rel: Relation, claims: pd.DataFrame, rows: list[pd.Series], total: pd.Series) -> Verdict:
    s = sum(float(r["percent"]) for r in rows)
    tol = half_unit(cell_number(total, "precision")) + sum(half_unit(cell_number(r, "precision")) for r in rows)
    return (abs(s - float(total["percent"])) <= tol,
            f"parts give {s:g}; merged share printed {float(total['percent']):g}", _involved(rel))


def _ratio(rel: Relation, claims: pd.DataFrame, rows: list[pd.Series], total: pd.Series) -> Verdict:
    pct_row = _row(claims, str(rel.params["percent"]))
    prec = int(cell_number(pct_row, "precision"))
    v = 100.0 * float(rows[0]["n"]) / float(total["n"])
    ok = rounds_to(v, float(pct_row["percent"]), prec)
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
    lo, hi = share_bounds(total)
    bad = []
    for r in rows:
        plo, phi = share_bounds(r)
        if phi < lo or plo > hi:
            bad.append(f"{r['claim_id']}={float(r['percent']):g}")
    reason = f"outside {lo:g}-{hi:g}: {', '.join(bad)}" if bad else f"inside {lo:g}-{hi:g}"
    return not bad, reason, _involved(rel) if not bad else [rel.total]


def _subgroups_overall(rel: Relation, claims: pd.DataFrame, rows: list[pd.Series], total: pd.Series) -> Verdict:
    pop = float(total["denominator"])
    olo, ohi = share_bounds(total)
    if rel.params.get("complement"):
        # the subgroup share is of the complementary answer: compare against 100 - overall
        olo, ohi = 0.0, 100.0 - olo
    sizes = [float(r["denominator"]) for r in rows]
    rest = pop - sum(sizes)
    bounds = [share_bounds(r) for r in rows]
    least = sum(s * b[0] for s, b in zip(sizes, bounds, strict=True)) / pop
    most = (sum(s * b[1] for s, b in zip(sizes, bounds, strict=True)) + 100.0 * rest) / pop
    ok = most >= olo and least <= ohi
    return ok, (f"subgroups allow an overall share of {least:.1f}-{most:.1f}% "
                f"({rest:g} unaccounted); overall printed {olo:g}-{ohi:g}%"), _involved(rel) if ok else list(rel.ids)


def _chi2_shares(rel: Relation, claims: pd.DataFrame, rows: list[pd.Series], total: pd.Series) -> Verdict:
    groups = [(int(r["denominator"]), cell_number(r, "n"), float(r["percent"]), cell_number(r, "precision")) for r in rows]
    remainder, overall = 0, None
    if "population" in rel.params:
        remainder = int(_row(claims, str(rel.params["population"]))["n"]) - sum(g[0] for g in groups)
    if "overall" in rel.params:
        o = _row(claims, str(rel.params["overall"]))
        overall = (int(o["denominator"]), float(o["percent"]), cell_number(o, "precision"))
    rng = chi2_range_from_shares(groups, remainder, overall)
    stat = float(total["statistic"])
    h = half_unit(cell_number(total, "precision"))
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


def eval_relation(rel: Relation, claims: pd.DataFrame) -> Verdict:
    """Return (ok, reason, ids the verdict is about)."""
    if rel.kind not in _RELATION_CHECKS:
        raise ValueError(f"unknown relation kind {rel.kind}")
    rows = [_row(claims, i) for i in rel.ids]
    total = _row(claims, rel.total) if rel.total else None
    return _RELATION_CHECKS[rel.kind](rel, claims, rows, total)


def relation_ids(rel: Relation) -> list[str]:
    """Every claim id a relation reads, its parameters included."""
    named = [*rel.ids, *([rel.total] if rel.total else []), *rel.blame]
    return named + [v for v in rel.params.values() if isinstance(v, str) and CLAIM_ID.match(v)]
