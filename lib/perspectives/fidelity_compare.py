"""The claims check's comparison: a claim's printed number against what the data give, at its precision.

Held apart from :mod:`perspectives.fidelity` (which evaluates every claim and writes the
page) because it is one job, the "Comparison" section of that module's docstring: the
printed quantity as text, the verdict of a number, a test or a range, and the comparison
claims (an order, an extreme, "no difference", a verbal quantifier) judged on the
regenerated values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import claims, fmt
from .fidelity_bindings import ALPHA, resolve
from .fidelity_values import NAME_AT, Context, Withheld
from .fmt import round_half_up
from .project import Project

STAT_TOLERANCE = 0.02  # a statistic within 2% (same df, same decision) is close


# --------------------------------------------------------------------------- comparing

@dataclass(frozen=True)
class Outcome:
    """One claim's verdict."""

    status: str
    reproduced: str
    detail: str


def _num(row: Mapping[str, Any], col: str) -> float:
    v = row.get(col)
    return float(v) if v is not None and v == v else math.nan


def _prec(row: Mapping[str, Any]) -> int:
    p = _num(row, "precision")
    return int(p) if math.isfinite(p) else 0


def _g(x: float, digits: int) -> str:
    return f"{round_half_up(float(x), digits):.{digits}f}"


def published_text(row: Mapping[str, Any], printed: Mapping[str, tuple[float, float, str]] | None = None,
                   project: Project | None = None) -> str:
    """The printed quantity as a compact string.

    For a comparison: what it asserts and the printed values of its items (``printed``:
    ``claims.printed_intervals``). ``project``: the study folder whose universes a binding
    names (default: the one around the working directory).
    """
    kind, prec = str(row["kind"]), _prec(row)
    if kind in {"order", "extreme"}:
        if str(row["binding"]).startswith("none:"):
            return str(row["expected"]) or "(no measure named)"
        items = claims.comparison_items(str(row["binding"]), lambda name: claims.universe(name, project)).items
        known = [f"{name} {claims.interval_text(printed[b])}" for name, b in items if printed and b in printed]
        return str(row["expected"]) + (f" (printed: {', '.join(known)})" if known else "")
    if kind == "quantifier":
        pct, n = _num(row, "percent"), _num(row, "n")
        shown = [f"{_g(pct, prec)}%"] if math.isfinite(pct) else []
        shown += [f"n={n:g}"] if math.isfinite(n) else []
        return str(row["expected"]) + (f" ({', '.join(shown)})" if shown else "")
    if kind == "no_difference":
        if not math.isfinite(_num(row, "p")):
            return "no difference (no test printed)"
        name = "F" if math.isfinite(_num(row, "df2")) else "chi2"
        df = f"{_num(row, 'df1'):g}" + (f", {_num(row, 'df2'):g}" if name == "F" else "")
        stat = f" = {_g(_num(row, 'statistic'), prec)}" if math.isfinite(_num(row, "statistic")) else ""
        return f"no difference ({name}({df}){stat}, p {row['p_op']} {_num(row, 'p'):g})"
    if kind in {"chi2", "anova"}:
        df = f"{_num(row, 'df1'):g}" + (f", {_num(row, 'df2'):g}" if math.isfinite(_num(row, "df2")) else "")
        name = "chi2" if kind == "chi2" else "F"
        return f"{name}({df}) = {_g(_num(row, 'statistic'), prec)}, p {row['p_op']} {_num(row, 'p'):g}"
    if kind == "share_range":
        return f"{_num(row, 'percent'):g}-{_num(row, 'statistic'):g}%"
    if kind in {"percent", "mean"}:
        n = _num(row, "n")
        return f"{_g(_num(row, 'percent'), prec)}%" + (f" (n={n:g})" if math.isfinite(n) else "")
    return f"{_num(row, 'n'):g}"


def _sibling_n(binding: str, ctx: Context) -> Any:
    """The count recorded beside a bound share (``x.pct`` -> ``x.n``), if there is one."""
    m = NAME_AT.match(binding.partition(":")[2]) if binding.startswith("value:") else None
    if not m or not m.group(1).endswith(".pct"):
        return None
    name, code = f"{m.group(1)[:-4]}.n", m.group(2)
    if f"{name}@{code}" not in ctx.values:
        return None
    try:
        return ctx.value(name, code)
    except Withheld:  # the share itself is published: its withheld count is simply not compared
        return None


def _share_outcome(row: Mapping[str, Any], x: float, ctx: Context) -> Outcome:
    """A share or mean against its printed value: exact, close (one unit off, or another n) or miss."""
    prec = _prec(row)
    unit = 10.0 ** (-prec)
    published = _num(row, "percent")
    shown = round_half_up(x, prec)
    n_printed, n_got = _num(row, "n"), _sibling_n(str(row["binding"]), ctx)
    text = f"{_g(x, prec)}%" + (f" (n={n_got})" if n_got is not None and math.isfinite(n_printed) else "")
    diff = abs(shown - published)
    n_ok = not math.isfinite(n_printed) or n_got is None or float(n_got) == n_printed
    if diff < unit / 2 and n_ok:
        return Outcome("exact", text, f"{x:.3f} rounds to the printed {published:g}")
    if diff <= unit + 1e-9:
        extra = "" if n_ok else f"; n {n_got} vs printed {n_printed:g}"
        return Outcome("close", text, f"{x:.3f} rounds to {shown:g}, printed {published:g}{extra}")
    return Outcome("miss", text, f"{x:.3f} rounds to {shown:g}, printed {published:g}")


def _coarse_outcome(printed: float, prec: int, published: float, digits: int) -> Outcome:
    """A claim judged on a share published coarser than it is printed: from the published figure only.

    The published share (``about 80%``, to ``digits`` decimals) and the printed claim (81%)
    are each an interval; the verdict says whether they meet: "close" (consistent at the
    published precision), or "miss". Never "exact": a verdict at the claim's own precision
    would pin the share to the claim's interval, and so the small group the coarse figure
    protects (Hundepool et al. 2012, ch. 5: a rounded figure's protection interval).
    """
    unit, half = 10.0 ** (-digits), 0.5 * 10.0 ** (-prec)
    text = f"about {fmt.fmt_pct(published, digits)}"
    meets = printed - half <= published + unit / 2 and published - unit / 2 <= printed + half
    if meets:
        return Outcome("close", text, f"published to the nearest {unit:g} points, as the small-cell rule "
                                      f"allows; the printed {_g(printed, prec)}% lies within it")
    return Outcome("miss", text, f"published to the nearest {unit:g} points; the printed "
                                 f"{_g(printed, prec)}% lies outside it")


def _significant(p: float, op: str = "=") -> bool:
    return p <= ALPHA if op == "<" else p < ALPHA


def compare(row: Mapping[str, Any], got: Any, ctx: Context) -> Outcome:
    """Verdict for one claim given its reproduced quantity."""
    kind, prec = str(row["kind"]), _prec(row)
    unit = 10.0 ** (-prec)
    if kind in {"chi2", "anova"}:
        if not isinstance(got, Mapping):
            raise TypeError("a test claim needs a test binding")
        stat, p = float(got["stat"]), float(got["p"])
        dfs = (got.get("df1"), got.get("df2"))
        printed_dfs = (_num(row, "df1"), _num(row, "df2"))
        df_ok = float(dfs[0]) == printed_dfs[0] and (
            not math.isfinite(printed_dfs[1]) or (dfs[1] is not None and float(dfs[1]) == printed_dfs[1]))
        df_text = f"{float(dfs[0]):g}" + (f", {float(dfs[1]):g}" if dfs[1] is not None else "")
        name = "chi2" if kind == "chi2" else "F"
        p_text = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
        text = f"{name}({df_text}) = {_g(stat, prec)}, {p_text}"
        printed_stat, printed_p, op = _num(row, "statistic"), _num(row, "p"), str(row["p_op"])
        if op == "<":
            p_ok = p < printed_p
        else:
            digits = claims.printed_decimals(printed_p)
            p_ok = round_half_up(p, digits) == round_half_up(printed_p, digits)
        same_decision = _significant(p) == _significant(printed_p, op)
        stat_exact = round_half_up(stat, prec) == round_half_up(printed_stat, prec)
        rel = abs(stat - printed_stat) / printed_stat if printed_stat else math.inf
        if stat_exact and df_ok and p_ok:
            return Outcome("exact", text, "statistic, df and p as printed")
        if df_ok and rel <= STAT_TOLERANCE and same_decision:
            return Outcome("close", text, f"statistic within {100 * rel:.2f}% of the printed one; same decision at .05")
        why = [] if df_ok else ["df differ"]
        why += [] if rel <= STAT_TOLERANCE else [f"statistic off by {100 * rel:.1f}%"]
        why += [] if same_decision else ["the decision at .05 differs"]
        return Outcome("miss", text, "; ".join(why))
    points = got if isinstance(got, list) else [got]
    coarse = getattr(got, "digits", None)  # a share published only rounded (fidelity_values.Rounded)
    points = [float(x) for x in points]
    if kind == "share_range":
        lo, hi = _num(row, "percent"), _num(row, "statistic")
        shown = [round_half_up(x, prec) for x in points]
        text = "; ".join(_g(x, prec) for x in points) + "%"
        if all(lo <= s <= hi for s in shown):
            return Outcome("exact", text, f"inside {lo:g}-{hi:g}")
        if all(lo - unit <= s <= hi + unit for s in shown):
            return Outcome("close", text, f"within one unit of {lo:g}-{hi:g}")
        return Outcome("miss", text, f"outside {lo:g}-{hi:g}")
    if len(points) != 1:
        raise TypeError("a single-number claim got several values")
    x = points[0]
    if kind in {"percent", "mean"}:
        if coarse is not None and coarse < prec:
            return _coarse_outcome(_num(row, "percent"), prec, x, coarse)
        return _share_outcome(row, x, ctx)
    printed = _num(row, "n")
    text = f"{x:g}"
    if x == printed:
        return Outcome("exact", text, "equal")
    return Outcome("miss", text, f"{x:g} vs printed {printed:g}")


# --------------------------------------------------------------------------- comparison claims

_RANK = {"exact": 0, "close": 1, "miss": 2}


def _worst(statuses: Iterable[str]) -> str:
    return max(statuses, key=_RANK.__getitem__, default="exact")


def _pair_status(a: float, op: str, b: float, digits: int, tolerance: float) -> str:
    """``a op b`` judged as printed (rounded at ``digits``): exact, close (holds only unrounded) or miss."""
    shown_a, shown_b = round_half_up(a, digits), round_half_up(b, digits)
    if op == ">":
        return "exact" if shown_a > shown_b else "close" if a > b else "miss"
    if op == ">=":
        return "exact" if shown_a >= shown_b else "miss"
    gap = abs(a - b)
    return "exact" if gap <= tolerance else "close" if gap <= tolerance + 10.0 ** -digits else "miss"


def _unit(binding: str) -> str:
    # Counts print bare, shares and mean shares with a percent sign.
    return "" if binding.startswith("count:") or re.search(r"\.n@[A-Z]{3}$", binding) else "%"


def _test_text(test: Mapping[str, Any]) -> str:
    df2 = test.get("df2")
    name = "F" if df2 is not None else "chi2"
    df = f"{float(test['df1']):g}" + (f", {float(df2):g}" if df2 is not None else "")
    what = f"; {test['what']}" if test.get("what") else ""
    return f"{name}({df}) = {float(test['stat']):.2f}, {fmt.fmt_p(float(test['p']))}{what}"


def _number(value: Any) -> float:
    if value is None or isinstance(value, (list, Mapping)):
        raise TypeError(f"a compared item needs one number, got {value!r}")
    return float(value)


def _rank_outcome(row: Mapping[str, Any], ctx: Context) -> Outcome:
    """Judge an ``order`` or ``extreme`` claim; the text lists the published items, largest first."""
    wording = claims.load_wording(project=ctx.project)
    ranking = claims.parse_expected(str(row["kind"]), str(row["expected"]), wording)
    comparison = ctx.items(str(row["binding"]))
    digits = _prec(row)
    values: dict[str, float] = {}
    for name, bound in comparison.items:
        values[name] = _number(resolve(bound, ctx))  # a withheld item makes the whole claim withheld
    tolerance = wording.almost_equal_points
    pairs = claims.ranked_pairs(ranking, comparison.names)
    judged = [(a, op, b, _pair_status(values[a], op, values[b], digits, tolerance)) for a, op, b in pairs]
    status = _worst(j[3] for j in judged)
    why = [f"tie as printed: {a} {op} {b}" for a, op, b, v in judged if v == "close"]
    why += [f"reversed: {a} {op} {b} does not hold" for a, op, b, v in judged if v == "miss"]
    test_text = ""
    if comparison.test:
        test = resolve(comparison.test, ctx)
        test_text = f"; {_test_text(test)}"
        if not _significant(float(test["p"])):
            status = "miss"
            why.append("the test that should make it significant gives p >= .05")
    unit = _unit(comparison.items[0][1])
    shown = sorted(comparison.names, key=lambda n: (-values[n], n))
    listed = ", ".join(f"{name} {_g(values[name], digits)}{unit}" for name in shown)
    if ranking.direction:
        claim = f"{ranking.direction} in {', '.join(ranking.named)}"
    else:
        claim = str(row["expected"])
    mark = "✓" if status != "miss" else "✗"
    return Outcome(status, f"{listed} → {claim} {mark}{test_text}", "; ".join(why))


def _no_difference_outcome(row: Mapping[str, Any], ctx: Context) -> Outcome:
    test = resolve(str(row["binding"]), ctx)
    if not isinstance(test, Mapping):
        raise TypeError("a no_difference claim needs a test binding")
    holds = not _significant(float(test["p"]))
    text = f"{_test_text(test)} → no difference {'✓' if holds else '✗'}"
    return Outcome("exact" if holds else "miss", text, "" if holds else "the test is significant at .05")


def _quantifier_outcome(row: Mapping[str, Any], ctx: Context) -> Outcome:
    q = claims.parse_expected("quantifier", str(row["expected"]), claims.load_wording(project=ctx.project))
    got = resolve(str(row["binding"]), ctx)
    digits = _prec(row)
    coarse = getattr(got, "digits", None)
    if coarse is not None and coarse < digits:
        # A share published only rounded ("about 80%": 75 to 85): judged on that whole interval,
        # exact only if all of it lies in the phrase's range, never on the unrounded share.
        unit = 10.0 ** -coarse
        ends = [float(got) - unit / 2, float(got) + unit / 2 - 1e-9]
        far = max(q.distance(x) for x in ends)
        status = "exact" if far == 0 else "close" if min(q.distance(x) for x in ends) == 0 else "miss"
        mark = "✓" if status != "miss" else "✗"
        detail = "" if status == "exact" else f"published to the nearest {unit:g} points: {ends[0]:g}-{got + unit / 2:g}%"
        return Outcome(status, f"about {fmt.fmt_pct(got, coarse)} → {row['expected']} ({q.text}) {mark}", detail)
    points = [_number(x) for x in (got if isinstance(got, list) else [got])]
    far = max(q.distance(x) for x in points)
    status = "exact" if far == 0 else "close" if far <= 10.0 ** -digits else "miss"
    shown = "; ".join(f"{_g(x, digits)}%" for x in points)
    mark = "✓" if status != "miss" else "✗"
    detail = "" if status == "exact" else f"{far:.2f} points outside {q.text}"
    return Outcome(status, f"{shown} → {row['expected']} ({q.text}) {mark}", detail)


def judge(row: Mapping[str, Any], ctx: Context) -> Outcome:
    """The verdict on one claim from the values in ``ctx`` (raises ``Withheld`` on a withheld value)."""
    kind = str(row["kind"])
    if kind in {"order", "extreme"}:
        return _rank_outcome(row, ctx)
    if kind == "no_difference":
        return _no_difference_outcome(row, ctx)
    if kind == "quantifier":
        return _quantifier_outcome(row, ctx)
    return compare(row, resolve(str(row["binding"]), ctx), ctx)

