"""The claims check's bindings: the named computations (``calc:``) and the resolving of every binding.

Held apart from :mod:`perspectives.fidelity` because it is the binding syntax of that
module's docstring made code: ``value:``, ``test:``, ``expr:`` (a small arithmetic
language, no ``eval``), ``count:``, ``range:``, ``fact:`` and ``calc:``, each resolved
with the library code that builds the reports. :data:`CALCS` is the public API of
:mod:`perspectives.fidelity`, which exports it.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from . import (
    analysis,
    analysis_masks,
    analysis_subsets,
    analysis_tables,
    claims,
    disclosure,
    qualitative_counts,
    qualitative_recommendations,
    stats,
)
from .fidelity_values import NAME_AT, REF, WITHHELD, Context, Withheld
from .project import Project
from .study import read_yaml

ALPHA = 0.05


# --------------------------------------------------------------------------- named computations

def _crosstab_mask(ctx: Context, question: str, option: str | None, by: str) -> Any:
    """The mask of a crosstab over every eligible respondent, as a notebook's ``crosstab`` publishes it."""
    query = _question_spec(question, ctx.project).get("population")
    mask = analysis_masks.breakdown_mask(ctx.survey, question, option, by, query, ctx.synthesis)
    ctx.show_mask(mask)
    return mask


def _crosstab_share(ctx: Context, question: str, option: str, by: str, groups: Sequence[str]) -> float:
    """The share ticking ``option`` among ``groups`` of ``by`` together, or ``Withheld``.

    Several groups are summed from their published counts: every part must be published.
    """
    mask = _crosstab_mask(ctx, question, option, by)
    ticked = base = 0
    for group in groups:
        of = analysis_masks.share_base(mask, group)
        count, total = mask.count(f"{group}|yes"), mask.count(of)
        if count is None or total is None:
            raise Withheld(f"{question}.{option} by {by}: {group}")
        ticked, base = ticked + count, base + total
    if not base:
        raise LookupError(f"no respondents in {groups} of {by}")
    return 100.0 * ticked / base


def _crosstab_test(ctx: Context, question: str, option: str | None, by: str) -> dict[str, float]:
    """The chi-square of a crosstab, or ``Withheld`` where its table withholds a cell."""
    mask = _crosstab_mask(ctx, question, option, by)
    if not analysis_tables.test_publishable([mask]):
        raise Withheld(f"test of {question}{'.' + option if option else ''} by {by}")
    groups = [g for g in mask.layout.places if g != analysis_masks.NO_ANSWER]
    rows = ["yes", "no"] if option else [c for c in mask.layout.categories if c != analysis_masks.OUTSIDE]
    return _test_dict(stats.chi_square(mask.layout.counts.loc[rows, groups]))


# The named computations (``calc:NAME(ARG)``). Each takes its question, grouping or list in ARG,
# so that a claim of another study binds to it in data/claims.csv; a computation written for one
# question of this study is a binding of a generic one instead (a crosstab share is
# ``multi_share(QUESTION, OPTION, BY=GROUP)``, a month of a date ``fact:FILE#KEY.month``). Each
# says why it is a computation and not an ``expr:`` over recorded values.


def _calc_mean_product(ctx: Context, arg: str) -> float:
    # Row by row (each worker's product of two shares, then the mean): no recorded mean holds it.
    # The share of all cases that is technology-facilitated exploitation, per worker, then averaged.
    first, second = (s.strip() for s in arg.split(","))
    data = ctx.survey.eligible
    both = data[[first, second]].apply(pd.to_numeric, errors="coerce").dropna()
    return float((both[first] * both[second] / 100.0).mean())


def _calc_countries_in_region(ctx: Context, arg: str) -> int:
    # A count over params/study.yml's country entries (by region): no run records it.
    return sum(c.region == arg for c in ctx.study.countries)


def _calc_conversation_countries(ctx: Context, arg: str) -> int:
    # Countries in the participants table; a report records the participants, not their countries.
    return int(ctx.participants["country"].nunique())


def _calc_languages(ctx: Context, arg: str) -> int:
    # A count over params/study.yml's languages ("all", or all but one): no run records it.
    languages = ctx.study.languages
    return len(languages) if arg == "all" else sum(code != arg for code in languages)


def _calc_eligibility_criteria(ctx: Context, arg: str) -> int:
    # The inclusion rule's hurdles live in one place, perspectives.instrument.ELIGIBILITY.
    from .instrument import ELIGIBILITY

    return len(ELIGIBILITY)


def _calc_options(ctx: Context, arg: str) -> int:
    # The answers a question offers: read from the form, not recorded by a run.
    return len(ctx.survey.instrument.codes(arg))


def _calc_recommendations(ctx: Context, arg: str) -> int:
    # Counts over data/recommendations.yml (groups, all items, or one group's): no run records them.
    groups = qualitative_recommendations.load_recommendations(codebook=ctx.codebook, project=ctx.project)
    if arg == "groups":
        return len(groups)
    if arg == "all":
        return sum(len(g["items"]) for g in groups)
    return next(len(g["items"]) for g in groups if g["id"] == arg)


def _args(arg: str) -> list[str]:
    return [part.strip() for part in arg.split(",")]


def _question_spec(question: str, project: Project) -> dict[str, Any]:
    """The first analysis of ``params/analyses.yml`` asked on ``question`` (its population applies)."""
    for analysis_id, spec in analysis.load_specs(project=project).items():
        if analysis_id != "bands" and spec.get("question") == question:
            return spec
    raise LookupError(f"no analysis asks {question!r}")


def _test_dict(test: stats.ChiSquareResult | stats.AnovaResult) -> dict[str, float]:
    if isinstance(test, stats.AnovaResult):
        return {"stat": test.statistic, "df1": test.df_between, "df2": test.df_within, "p": test.p}
    return {"stat": test.statistic, "df1": test.df, "p": test.p}


def _calc_multi_share(ctx: Context, arg: str) -> float:
    # Share (percent) of respondents ticking one option, in a subgroup (column=value or column!=value).
    # A subgroup's share is a crosstab no analysis records, published through the crosstab's own mask.
    question, option, *where = _args(arg)
    if not where:
        mask = analysis_masks.option_mask(ctx.survey, question, option,
                                    _question_spec(question, ctx.project).get("population"))
        ctx.show_mask(mask)
        # The share as the rule publishes it: beside its count, or alone at a whole percent
        # (recorded so, never printed in a table: Mask.share).
        cell = f"{analysis_subsets.POOLED}|yes"
        alone = mask.approximate(cell)
        share = alone[0] if alone is not None and alone[1] >= disclosure.SHARE_DIGITS else mask.share(cell)
        if share is None:
            raise Withheld(f"{question}.{option}")
        return share
    column, negate, value = re.fullmatch(r"(\w+)\s*(!?)=\s*(\w+)", where[0]).groups()
    codes = ctx.survey.instrument.codes(column)
    groups = [c for c in codes if c != value] if negate else [value]
    return _crosstab_share(ctx, question, option, column, groups)


def _calc_multi_chi2(ctx: Context, arg: str) -> dict[str, float]:
    # A test no analysis runs, on the crosstab's mask (withheld when its table withholds a cell).
    # One option of a multi-select question (ticked or not) by a grouping: the test a "significantly
    # higher in ..." sentence implies when it prints none.
    question, option, by = _args(arg)
    return _crosstab_test(ctx, question, option, by)


def _calc_single_chi2(ctx: Context, arg: str) -> dict[str, float]:
    # A test no analysis runs (two single-select questions), on the crosstab's mask.
    question, by = _args(arg)
    return _crosstab_test(ctx, question, None, by)


def _calc_anova(ctx: Context, arg: str) -> dict[str, float]:
    # The one-way ANOVA by country of an analysis that records its country means but no test.
    spec = analysis.spec(arg.strip(), ctx.project)
    rows = analysis_subsets.population(ctx.survey.eligible, spec.get("population"))
    return _test_dict(stats.anova_oneway(pd.to_numeric(rows[spec["question"]], errors="coerce"), rows["country"]))


def _calc_child_gender_tests(ctx: Context, arg: str) -> dict[str, Any]:
    # Girls' against boys' cases, one 2x2 chi-square per option, as the forms comparison does
    # (analysis kind compare_multi): the base is every worker of the population. The smallest p
    # decides whether any difference is significant; it is withheld if any option's table is.
    girls, boys = _args(arg)
    found = []
    for option in ctx.survey.instrument.codes(girls):
        cells, masks = {}, []
        for question in (girls, boys):
            mask = analysis_masks.option_mask(ctx.survey, question, option, _question_population(question, ctx.project),
                                        True)
            ctx.show_mask(mask)
            masks.append(mask)
            if not (mask.shown("*|yes") and mask.shown("*|*")):
                raise Withheld(f"test of {girls} against {boys}: {option}")
            cells[question] = [mask.count("*|yes"), mask.count("*|*") - mask.count("*|yes")]
        found.append((option, stats.chi_square(pd.DataFrame(cells, index=["yes", "no"]))))
    option, test = min(found, key=lambda pair: (pair[1].p, pair[0]))
    return {**_test_dict(test), "what": f"smallest p: {option}"}


def _question_population(question: str, project: Project) -> str | None:
    """The population a compared question is asked of (the compare_multi analysis that holds it)."""
    for analysis_id, spec in analysis.load_specs(project=project).items():
        if analysis_id != "bands" and spec.get("kind") == "compare_multi":
            for group, name in spec["questions"].items():
                if name == question:
                    return spec["populations"][group]
    return _question_spec(question, project).get("population")


def _calc_significant_share(ctx: Context, arg: str) -> float:
    # Of the options an analysis shows (its top k by the pooled count), crossed with each
    # grouping, the share (percent) of chi-squares with p < .05; withheld if any test is.
    question, groupings = _args(arg)
    query = _question_spec(question, ctx.project).get("population")
    codes = ctx.survey.instrument.codes(question)
    pooled = {c: analysis_masks.option_mask(ctx.survey, question, c, query) for c in codes}
    counts = pd.Series({c: m.layout.value("*|yes") for c, m in pooled.items()})
    top = _question_spec(question, ctx.project).get("top")
    options = list(counts.sort_values(ascending=False, kind="stable").index[:top])
    tests = [_crosstab_test(ctx, question, option, by) for option in options for by in groupings.split("+")]
    return 100.0 * sum(t["p"] < ALPHA for t in tests) / len(tests)


def _ad_hoc_count(ctx: Context, spec: str) -> int:
    """Participants an ad-hoc ``CountTarget`` written ``KIND[:TARGET][@ISO3]`` counts."""
    what, _, country = spec.partition("@")
    kind, _, target = what.partition(":")
    count_target = qualitative_counts.CountTarget(id=spec, country=country or ctx.synthesis, kind=kind, count=0, out_of=0,
                                           paraphrase="", line=0, target=target)
    return int(qualitative_counts.count_target(count_target, ctx.conversations, ctx.participants, codebook=ctx.codebook,
                                        project=ctx.project))


def _participants_with(ctx: Context, spec: str) -> tuple[int, int]:
    """(participants counted by ``KIND:TARGET[@ISO3]``, participants in that place)."""
    place = spec.partition("@")[2] or ctx.synthesis
    people = ctx.participants if place == ctx.synthesis else ctx.participants[ctx.participants["country"] == place]
    return _ad_hoc_count(ctx, spec), len(people)


def _calc_participant_share(ctx: Context, arg: str) -> float:
    # Share (percent) of participants a count target covers; "!" in front: the share it does not.
    # A count of the conversations' own kind (qualitative_counts.count_target), shown only where the rule allows.
    negate = arg.startswith("!")
    count, people = _participants_with(ctx, arg.lstrip("!"))
    if not people:
        raise LookupError(f"no participants for {arg!r}")
    _shown_count(ctx, arg.lstrip("!"), count, people)
    share = 100.0 * count / people
    return 100.0 - share if negate else share


def _shown_count(ctx: Context, spec: str, count: int, people: int) -> None:
    """Let a count of participants be shown, or raise ``Withheld``.

    A count no report publishes is shown where the one-line rule allows it: 0, all of them,
    or at least ``threshold`` with at least ``threshold`` left. A theme's count that a report
    publishes or withholds follows that report.
    """
    from .disclosure import settings

    what, _, place = spec.partition("@")
    kind, _, target = what.partition(":")
    place = place or ctx.synthesis
    if kind == "theme":
        key = f"themes.{target}.n@{place}"
        if ctx.values.get(key) is WITHHELD:
            raise Withheld(key)
    t = settings(project=ctx.project).threshold
    if count not in (0, people) and not t <= count <= people - t:
        raise Withheld(f"count:{spec}")
    ctx.show_count(what, place, count, people)


def _calc_countries_with(ctx: Context, arg: str) -> float:
    # Share (percent) of the countries that held conversations where at least one participant is counted.
    # Counted per country from the participants, including counts no report publishes.
    places = claims.universe("@conversation_countries", ctx.project)
    return 100.0 * sum(_participants_with(ctx, f"{arg}@{code}")[0] > 0 for code in places) / len(places)


CALCS: Mapping[str, Callable[[Context, str], Any]] = {
    "mean_product": _calc_mean_product,
    "countries_in_region": _calc_countries_in_region,
    "conversation_countries": _calc_conversation_countries,
    "languages": _calc_languages,
    "eligibility_criteria": _calc_eligibility_criteria,
    "options": _calc_options,
    "recommendations": _calc_recommendations,
    "multi_share": _calc_multi_share,
    "multi_chi2": _calc_multi_chi2,
    "single_chi2": _calc_single_chi2,
    "anova": _calc_anova,
    "child_gender_tests": _calc_child_gender_tests,
    "significant_share": _calc_significant_share,
    "participant_share": _calc_participant_share,
    "countries_with": _calc_countries_with,
}


# --------------------------------------------------------------------------- resolving bindings

_BINOPS: Mapping[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
}
_CMPOPS: Mapping[type, Callable[[Any, Any], Any]] = {ast.Lt: operator.lt, ast.Gt: operator.gt,
                                                     ast.LtE: operator.le, ast.GtE: operator.ge}


def _arith(node: ast.AST, refs: Mapping[str, Any]) -> Any:
    """Evaluate the small arithmetic language of ``expr:`` (numbers, + - * /, < >, lists, min/max)."""
    if isinstance(node, ast.Expression):
        return _arith(node.body, refs)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.Name) and node.id in refs:
        value = refs[node.id]
        if value is None:
            raise LookupError("a referenced value is suppressed or missing")
        return value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return _BINOPS[type(node.op)](_arith(node.left, refs), _arith(node.right, refs))
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMPOPS:
        return int(_CMPOPS[type(node.ops[0])](_arith(node.left, refs), _arith(node.comparators[0], refs)))
    if isinstance(node, ast.List):
        return [_arith(e, refs) for e in node.elts]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"min", "max"}:
        return {"min": min, "max": max}[node.func.id](_arith(a, refs) for a in node.args)
    raise ValueError(f"unsupported expression element {ast.dump(node)[:60]}")


_DATE_PARTS = ("year", "month", "day")
_DATE = re.compile(r"\d{4}-\d{2}(-\d{2})?")


def _fact(spec: str, project: Project) -> Any:
    file, _, key = spec.partition("#")
    node: Any = read_yaml(project.path(file))
    for part in key.split("."):
        if isinstance(node, str) and _DATE.fullmatch(node) and part in _DATE_PARTS:
            # A part of a date (2021-04-01) or a month (2021-04): ``study.fieldwork_start.month``.
            fields = node.split("-")
            if _DATE_PARTS.index(part) >= len(fields):
                raise LookupError(f"{node} has no {part}")
            node = int(fields[_DATE_PARTS.index(part)])
            continue
        node = node[part]
    if isinstance(node, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", node):
        return int(node.replace("-", ""))
    return node


def resolve(binding: str, ctx: Context) -> Any:
    """The reproduced quantity of one binding: a number, a list of numbers, or a test dict."""
    kind, _, body = binding.partition(":")
    if kind == "value":
        m = NAME_AT.match(body)
        if not m:
            raise ValueError(f"malformed value binding {binding!r}")
        value = ctx.value(m.group(1), m.group(2))
        if value is None:
            raise LookupError(f"{body} is withheld (suppressed) in the regenerated report")
        return value
    if kind == "test":
        m = NAME_AT.match(body)
        if not m:
            raise ValueError(f"malformed test binding {binding!r}")
        prefix, code = m.groups()
        out = {"stat": ctx.value(f"{prefix}.stat", code), "p": ctx.value(f"{prefix}.p", code)}
        if f"{prefix}.df@{code}" in ctx.values:
            out["df1"] = ctx.value(f"{prefix}.df", code)
        else:
            out["df1"], out["df2"] = ctx.value(f"{prefix}.df1", code), ctx.value(f"{prefix}.df2", code)
        return out
    if kind == "expr":
        refs: dict[str, Any] = {}

        def sub(m: re.Match[str]) -> str:
            key = f"v{len(refs)}"
            refs[key] = ctx.value(m.group(1), m.group(2))
            return key

        return _arith(ast.parse(REF.sub(sub, body), mode="eval"), refs)
    if kind == "count":
        if not body.startswith("conversations/"):
            count, people = _participants_with(ctx, body)
            if body.partition("@")[0] != "participants":
                _shown_count(ctx, body, count, people)
            return count
        target = ctx.counts[body.split("/", 1)[1]]
        count = qualitative_counts.count_target(target, ctx.conversations, ctx.participants, codebook=ctx.codebook,
                                         project=ctx.project)
        if target.kind != "participants":
            spec = f"{target.kind}:{target.target}@{target.country}" if target.country != ctx.synthesis \
                else f"{target.kind}:{target.target}"
            _shown_count(ctx, spec, count, _participants_with(ctx, f"participants@{target.country}")[1]
                         if target.country != ctx.synthesis else len(ctx.participants))
        return count
    if kind == "range":
        parts = body.split(":")
        column, end = parts[0], parts[1]
        end, _, country = end.partition("@")
        people = ctx.participants
        if len(parts) > 2:
            col, _, val = parts[2].partition("=")
            people = people[people[col].astype(str) == val]
        low, high = qualitative_counts.observed_range(people, column, country or None)
        return low if end == "min" else high
    if kind == "fact":
        return _fact(body, ctx.project)
    if kind == "calc":
        m = re.fullmatch(r"([a-z_0-9]+)(?:\((.*)\))?", body)
        if not m or m.group(1) not in CALCS:
            raise ValueError(f"unknown computation {body!r}; known: {sorted(CALCS)}")
        return CALCS[m.group(1)](ctx, m.group(2) or "")
    raise ValueError(f"unknown binding kind {kind!r} in {binding!r}")

