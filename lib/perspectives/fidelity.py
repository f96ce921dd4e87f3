"""Fidelity of the regenerated reports to the published one: every printed claim, reproduced or not.

Purpose
    Each row of ``data/claims.csv`` carries a ``binding``: where the regenerated reports hold the
    number that should reproduce the claim. This module resolves every binding with the same
    library code that builds the reports (``analysis.run``, ``report.Section.sample_flow``,
    ``qualitative_counts.count_target``/``observed_range``, the params readers), compares the result
    with the printed number at its printed precision, and writes the fidelity report. The
    comparison claims (an order, the highest or lowest of a set, "no difference", a verbal
    quantifier) are judged on the same regenerated values, and the page shows what was compared.

Binding syntax (one per claim, in the ``binding`` column)
    ``value:NAME@REPORT``      a recorded value (``values.json`` of a build, or the same value
                               computed in-process); REPORT is ALL or an ISO3 code.
    ``test:PREFIX@REPORT``     a recorded test: ``PREFIX.stat``, ``.df`` (or ``.df1``/``.df2``), ``.p``.
    ``expr:...``               arithmetic over recorded values written ``{NAME@REPORT}``; a list
                               ``[{a@ALL}, {b@ALL}]`` gives several points (for printed ranges).
    ``count:conversations/ID`` a count of ``data/conversation_counts.yml`` via ``count_target``.
    ``count:KIND[:TARGET]@ISO3`` an ad-hoc ``CountTarget`` (e.g. ``count:participants@BIH``).
    ``range:COLUMN:min|max[@ISO3][:col=value]`` ``observed_range`` over the participants.
    ``fact:FILE#key.path``     a value kept in a params/data YAML file (dates become YYYYMMDD;
                               ``.year``, ``.month`` or ``.day`` after a date, or a YYYY-MM
                               month, is that part of it as a number).
    ``calc:NAME[(ARG)]``       a named computation in ``CALCS`` built from library functions:
                               each is generic (its question, grouping or file comes in ARG), for
                               what no recorded value or ``expr:`` can give (see ``CALCS``).
    ``none:REASON``            nothing in the data can regenerate the claim (``not-computable``).
    ``each(ITEMS):TEMPLATE [| TEST]`` / ``items(a=BINDING; b=BINDING) [| TEST]``
                               the items an ``order`` or ``extreme`` claim compares, each an
                               ordinary binding, and the test that makes it significant
                               (``claims.comparison_items``).

Comparison
    Shares and means: round half up (``fmt.round_half_up``) at the printed precision; exact if
    equal, close if within one unit of the last printed digit, else miss; a printed n must also
    match for exact. Counts and facts: exact if equal. Tests: exact if the statistic matches at
    the printed precision, the df match and the p agrees as printed; close if the statistic is
    within 2% with the same df and the same decision at .05. Ranges: exact if every point lies
    inside. Claims that the source contradicts (``claims.source_inconsistencies`` or the
    ``status_hint``) are ``source-inconsistent`` whatever is reproduced.
    ``order`` and ``extreme``: every pair the claim asserts (``claims.ranked_pairs``) is judged on
    the values rounded at the claim's precision: exact when each holds there, close when one
    only holds unrounded (a tie as printed), miss when one is reversed; "almost equal" (``~``)
    is exact within ``data/quantifiers.yml``'s tolerance and close within one more unit. A
    named test must be significant at .05. ``no_difference``: exact when the test gives
    p >= .05, else miss. ``quantifier``: exact when every value lies in the phrase's range,
    close when within one unit of it, else miss.

Withheld values (the page falls under the small-cell rule like any published output)
    A claim that reads a value the small-cell rule withholds (``values.json`` marks it; see
    ``recorded_value``), or a number computed here that the rule would withhold, gets the
    status ``withheld`` and reads "withheld", nothing else: no value and no verdict. A verdict
    ("matching", "exact", an order that holds) beside a withheld number would pin it within
    a unit of the printed claim, and so recover it. The withheld numbers are not computed at
    all. Numbers computed here rather than read from a build go through the same masks as the
    reports (a crosstab's share through :func:`perspectives.analysis.breakdown_mask`, a test
    only where its table withholds no cell); a count of conversation participants that no
    report publishes is shown only where the one-line rule allows it (0, all, or at least
    ``threshold`` with at least ``threshold`` left). ``fidelity/claims.disclosure.json``
    says, for every claim given a verdict, which recorded values and which cells it shows, so
    that the build's audit (:func:`perspectives.audit.audit_outputs`) reads this page with the
    rest of what was published; ``perspectives fidelity`` runs that audit and fails on a
    finding.

Inputs
    ``data/claims.csv``, ``data/quantifiers.yml``; values from ``<out>/*/sections/*/values.json``
    when a build exists, otherwise (and for any value a build lacks) computed in-process from the
    survey export (``data_path``) and the conversations.

Outputs
    ``evaluate`` -> DataFrame (claim_id, section, kind, published, reproduced, status, note);
    ``write_report`` -> ``<out>/fidelity/claims.csv`` and ``<out>/fidelity/index.html``
    (deterministic bytes); ``main(argv)`` for ``perspectives fidelity``.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import html
import io
import json
import math
import operator
import re
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import analysis, claims, fmt, qualitative, qualitative_counts, qualitative_recommendations, stats
from .escape import CONTENT_SECURITY_POLICY, frame_csv
from .fmt import round_half_up
from .project import Project, default
from .study import built_reports, read_yaml

__all__ = [
    "CALCS",
    "COLUMNS",
    "STATUSES",
    "WITHHELD",
    "Context",
    "Outcome",
    "Withheld",
    "collect_values",
    "evaluate",
    "main",
    "read_build_values",
    "recorded_value",
    "summarise",
    "summarise_kinds",
    "withheld_counts",
    "write_report",
]

COLUMNS: tuple[str, ...] = ("claim_id", "section", "kind", "published", "reproduced", "status", "note")
STATUSES: tuple[str, ...] = ("exact", "close", "miss", "withheld", "source-inconsistent", "not-computable")
COMPUTABLE: tuple[str, ...] = ("exact", "close", "miss")
WITHHELD_NOTE = "withheld under the small-cell rule: no value and no verdict are given"
WITHHELD_SOURCE_NOTE = f"the published report contradicts itself on this claim; {WITHHELD_NOTE}"
ALPHA = 0.05
STAT_TOLERANCE = 0.02  # a statistic within 2% (same df, same decision) is close
_REF = re.compile(r"\{([A-Za-z0-9_.]+)@([A-Z]{3})\}")
_NAME_AT = re.compile(r"^([A-Za-z0-9_.]+)@([A-Z]{3})$")


# --------------------------------------------------------------------------- withheld values

class _Withheld:
    """The one marker of a recorded value that the small-cell rule withholds."""

    _instance: _Withheld | None = None

    def __new__(cls) -> _Withheld:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "WITHHELD"


WITHHELD = _Withheld()


class Withheld(LookupError):
    """A binding read a withheld value; ``key`` is ``NAME@REPORT``."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key} is withheld by the small-cell rule")
        self.key = key


def recorded_value(entry: Mapping[str, Any]) -> Any:
    """The value of one recorded entry (a ``values.json`` item), or ``WITHHELD``.

    The convention today (``analysis.Result.record``): a withheld cell is recorded with value
    ``null`` and ``"suppressed": true``. This is the one place that reads it.
    """
    return WITHHELD if entry.get("suppressed") else entry.get("value")


# --------------------------------------------------------------------------- where values come from

def read_build_values(out: Path, records: dict[str, dict[str, Any]] | None = None,
                      project: Project | None = None) -> dict[str, Any]:
    """Recorded values of a build: ``name@REPORT`` -> value or ``WITHHELD``.

    ``records``, when given, receives each value's whole entry (what the audit reads).
    ``project``: the study folder that was built (default: the one around the working directory).

    Only values about a report's own place are read.

    National reports also record the pooled figure beside their own (country ALL); those are the
    synthesis's numbers and are taken from the synthesis, so they are skipped here.
    """
    study = default(project).study
    found: dict[str, Any] = {}
    # Numbers do not depend on the language: a report built in several languages is read
    # in English when it was built in English, else in its first other language.
    for report in built_reports(out, study, what="sections"):
        own: dict[str, Any] = {}
        kept: dict[str, Any] = {}
        for path in sorted((report.folder / "sections").glob("*/values.json")):
            if path.parent.name.startswith("."):
                continue  # a run being written (or left by a killed build): not a published value
            for entry in json.loads(path.read_text(encoding="utf-8")):
                if entry.get("country", report.code) == report.code:
                    own[f"{entry['name']}@{report.code}"] = recorded_value(entry)
                    kept[f"{entry['name']}@{report.code}"] = entry
        for key, value in own.items():
            if key not in found:
                found[key] = value
                if records is not None:
                    records[key] = kept[key]
    return found


def _needed_reports(bindings: Iterable[str], project: Project) -> dict[str, set[str]]:
    """Report code -> analysis ids (and ``sample``) that the bindings read."""
    specs = {k for k in analysis.load_specs(project=project) if k != "bands"}
    need: dict[str, set[str]] = {}
    for binding in bindings:
        for name, code in _value_refs(binding, project):
            head = name.split(".", 1)[0]
            if head in specs or head == "sample":
                need.setdefault(code, set()).add(head)
    return need


def collect_values(bindings: Iterable[str], data_path: str | Path | None = None,
                   failures: dict[str, str] | None = None,
                   records: dict[str, dict[str, Any]] | None = None, project: Project | None = None) -> dict[str, Any]:
    """Compute in-process the recorded values the bindings need, as a build would record them.

    Analyses go through ``analysis.run`` and the sample flow through ``report.Section.sample_flow``
    (the functions the section notebooks call); only the analyses and reports actually referenced
    are run, which keeps a full evaluation to a few seconds. An analysis that raises is noted in
    ``failures`` (``analysis@REPORT`` -> error) and its values stay missing. ``project``: the
    study folder (default: the one around the working directory).
    """
    from .report import Section

    project = default(project)
    values: dict[str, Any] = {}
    failures = {} if failures is None else failures
    need = _needed_reports(bindings, project)
    with tempfile.TemporaryDirectory() as tmp:
        for code in sorted(need):
            section = Section("methods", country=code, data_path=str(data_path) if data_path else None,
                              output_dir=str(Path(tmp) / code), project=project)
            for analysis_id in sorted(need[code]):
                if analysis_id == "sample":
                    # Outside a notebook IPython's display prints object reprs; nothing of it is wanted.
                    with contextlib.redirect_stdout(io.StringIO()):
                        section.sample_flow()
                    continue
                try:
                    result = analysis.run(analysis_id, section.survey, code, section.names)
                except Exception as error:  # a broken analysis is a finding: its claims become misses
                    failures[f"{analysis_id}@{code}"] = f"{type(error).__name__}: {error}"
                    continue
                section.values.extend(result.values)
            for entry in section.values:
                if entry.get("country", code) == code:
                    values[f"{entry['name']}@{code}"] = recorded_value(entry)
                    if records is not None:
                        records[f"{entry['name']}@{code}"] = entry
    return values


# --------------------------------------------------------------------------- evaluation context

@dataclass
class Context:
    """Everything a binding may read; the survey and conversations load lazily, once."""

    values: dict[str, Any]
    data_path: str | Path | None = None
    conversations_path: str | Path | None = None
    failures: dict[str, str] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # name@REPORT -> its values.json entry
    shown: dict[str, Any] = field(default_factory=dict)  # what the claim being judged shows (for the audit)
    project: Project | None = None  # the study folder (None: the one around the working directory)

    def __post_init__(self) -> None:
        self.project = default(self.project)

    @property
    def synthesis(self) -> str:
        """The code of the report of every country together."""
        return self.study.synthesis_code

    @property
    def study(self):
        """The study."""
        return self.project.study

    def items(self, binding: str) -> claims.Comparison:
        """The items a comparison binding compares, its universes (``@countries``) this study's."""
        return claims.comparison_items(binding, lambda name: claims.universe(name, self.project))

    def value(self, name: str, code: str) -> Any:
        """The recorded value ``name`` of report ``code``.

        Raises:
            LookupError: no such value (or its analysis failed).
            Withheld: the value is withheld (it is never computed, nor judged).
        """
        key = f"{name}@{code}"
        if key not in self.values:
            failed = self.failures.get(f"{name.split('.', 1)[0]}@{code}")
            raise LookupError(f"analysis {name.split('.', 1)[0]} failed ({failed})" if failed
                              else f"no recorded value {key}")
        value = self.values[key]
        if value is WITHHELD:
            raise Withheld(key)
        if key in self.records:
            self.shown.setdefault("values", {})[key] = self.records[key]
        return value

    def show_mask(self, mask: Any) -> None:
        """Note a mask whose numbers the claim being judged shows: its cells go to the audit."""
        self.shown.setdefault("masks", {})[mask.universe] = mask

    def show_count(self, what: str, place: str, count: int, out_of: int) -> None:
        """Note a count of participants the claim being judged shows, with what it is out of."""
        self.shown.setdefault("counts", []).append((what, place, count, out_of))

    @property
    def survey(self):
        """The validated survey, read once."""
        if "survey" not in self._cache:
            from .report import survey_data  # the loader (and cache) the report sections use

            self._cache["survey"] = survey_data(str(self.data_path) if self.data_path else None, None, self.project)
        return self._cache["survey"]

    @property
    def codebook(self) -> qualitative.Codebook:
        """The theme codebook, read once."""
        # Loaded once: count_target would otherwise read and validate it for every claim.
        if "codebook" not in self._cache:
            self._cache["codebook"] = qualitative.load_codebook(project=self.project)
        return self._cache["codebook"]

    @property
    def participants(self) -> pd.DataFrame:
        """The conversation participants, read once."""
        if "participants" not in self._cache:
            source = qualitative.participants_source(self.conversations_path)
            self._cache["participants"] = qualitative.load_participants(source, codebook=self.codebook,
                                                                        project=self.project)
        return self._cache["participants"]

    @property
    def conversations(self) -> pd.DataFrame:
        """The coded conversation segments, read once."""
        if "conversations" not in self._cache:
            self._cache["conversations"] = qualitative.load_conversations(
                self.conversations_path, codebook=self.codebook, participants=self.participants, project=self.project)
        return self._cache["conversations"]

    @property
    def counts(self) -> dict[str, qualitative_counts.CountTarget]:
        """The printed conversation counts by id, read once."""
        if "counts" not in self._cache:
            self._cache["counts"] = {t.id: t for t in qualitative_counts.load_counts(codebook=self.codebook,
                                                                              project=self.project)}
        return self._cache["counts"]


# --------------------------------------------------------------------------- named computations

def _crosstab_mask(ctx: Context, question: str, option: str | None, by: str) -> Any:
    """The mask of a crosstab over every eligible respondent, as a notebook's ``crosstab`` publishes it."""
    query = _question_spec(question, ctx.project).get("population")
    mask = analysis.breakdown_mask(ctx.survey, question, option, by, query, ctx.synthesis)
    ctx.show_mask(mask)
    return mask


def _crosstab_share(ctx: Context, question: str, option: str, by: str, groups: Sequence[str]) -> float:
    """The share ticking ``option`` among ``groups`` of ``by`` together, or ``Withheld``.

    Several groups are summed from their published counts: every part must be published.
    """
    mask = _crosstab_mask(ctx, question, option, by)
    ticked = base = 0
    for group in groups:
        of = analysis.share_base(mask, group)
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
    if not analysis.test_publishable([mask]):
        raise Withheld(f"test of {question}{'.' + option if option else ''} by {by}")
    groups = [g for g in mask.layout.places if g != analysis.NO_ANSWER]
    rows = ["yes", "no"] if option else [c for c in mask.layout.categories if c != analysis.OUTSIDE]
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
        mask = analysis.option_mask(ctx.survey, question, option,
                                    _question_spec(question, ctx.project).get("population"))
        ctx.show_mask(mask)
        share = mask.share(f"{analysis.POOLED}|yes")
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
    rows = analysis.population(ctx.survey.eligible, spec.get("population"))
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
            mask = analysis.option_mask(ctx.survey, question, option, _question_population(question, ctx.project),
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
    pooled = {c: analysis.option_mask(ctx.survey, question, c, query) for c in codes}
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


def _value_refs(binding: str, project: Project | None = None) -> list[tuple[str, str]]:
    """(name, report) pairs of recorded values a binding reads (``@countries`` and the like: the project's)."""
    project = default(project)
    if binding.startswith(("each(", "items(")):
        comparison = claims.comparison_items(binding, lambda name: claims.universe(name, project))
        bound = [b for _, b in comparison.items] + ([comparison.test] if comparison.test else [])
        return [ref for b in bound for ref in _value_refs(b, project)]
    kind, _, body = binding.partition(":")
    if kind == "value":
        m = _NAME_AT.match(body)
        return [(m.group(1), m.group(2))] if m else []
    if kind == "test":
        m = _NAME_AT.match(body)
        if not m:
            return []
        return [(f"{m.group(1)}.{part}", m.group(2)) for part in ("stat", "df", "df1", "df2", "p")]
    if kind == "expr":
        return _REF.findall(body)
    return []


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
        m = _NAME_AT.match(body)
        if not m:
            raise ValueError(f"malformed value binding {binding!r}")
        value = ctx.value(m.group(1), m.group(2))
        if value is None:
            raise LookupError(f"{body} is withheld (suppressed) in the regenerated report")
        return value
    if kind == "test":
        m = _NAME_AT.match(body)
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

        return _arith(ast.parse(_REF.sub(sub, body), mode="eval"), refs)
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
    m = _NAME_AT.match(binding.partition(":")[2]) if binding.startswith("value:") else None
    if not m or not m.group(1).endswith(".pct"):
        return None
    name, code = f"{m.group(1)[:-4]}.n", m.group(2)
    if f"{name}@{code}" not in ctx.values:
        return None
    try:
        return ctx.value(name, code)
    except Withheld:  # the share itself is published: its withheld count is simply not compared
        return None


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
    points = [_number(x) for x in (got if isinstance(got, list) else [got])]
    digits = _prec(row)
    far = max(q.distance(x) for x in points)
    status = "exact" if far == 0 else "close" if far <= 10.0 ** -digits else "miss"
    shown = "; ".join(f"{_g(x, digits)}%" for x in points)
    mark = "✓" if status != "miss" else "✗"
    detail = "" if status == "exact" else f"{far:.2f} points outside {q.text}"
    return Outcome(status, f"{shown} → {row['expected']} ({q.text}) {mark}", detail)


def _judge(row: Mapping[str, Any], ctx: Context) -> Outcome:
    """The verdict on one claim from the values in ``ctx`` (raises ``Withheld`` on a withheld value)."""
    kind = str(row["kind"])
    if kind in {"order", "extreme"}:
        return _rank_outcome(row, ctx)
    if kind == "no_difference":
        return _no_difference_outcome(row, ctx)
    if kind == "quantifier":
        return _quantifier_outcome(row, ctx)
    return compare(row, resolve(str(row["binding"]), ctx), ctx)


def _withheld_row(head: tuple[Any, ...], inconsistent: bool) -> tuple[Any, ...]:
    """A withheld claim's row: "withheld", and neither the registry's note nor what the data give.

    The notes of ``data/claims.csv`` are written about the regenerated numbers ("the single
    answer", "20 of 42"): beside a withheld number they tell what the page withholds. A claim
    the published report contradicts is still marked so (that is a fact of the source, not
    of the data), with a fixed note.
    """
    if inconsistent:
        return (*head, "withheld", "source-inconsistent", WITHHELD_SOURCE_NOTE)
    return (*head, "withheld", "withheld", WITHHELD_NOTE)


def _withheld_outcome(row: Mapping[str, Any], ctx: Context, first: Withheld) -> Outcome:
    """A claim that reads a withheld number: "withheld", and nothing else.

    No value and no verdict: a verdict beside a withheld number ("matching", or an order that
    holds) pins it within a unit of the printed claim.
    """
    del row, ctx, first  # which number it was is itself not said
    return Outcome("withheld", "withheld", WITHHELD_NOTE)


# --------------------------------------------------------------------------- the evaluation

def _inconsistencies(table: pd.DataFrame) -> dict[str, str]:
    found = claims.source_inconsistencies(table)
    reasons = dict(zip(found["claim_id"], found["reason"], strict=True))
    for _, row in table[table["status_hint"] == claims.SOURCE_INCONSISTENT].iterrows():
        reasons.setdefault(row["claim_id"], str(row["note"]))
    return reasons


def _join(*parts: str) -> str:
    return "; ".join(p.strip() for p in parts if p and p.strip())


def evaluate(values: Mapping[str, Any] | None = None, *, out: str | Path | None = None,
             data_path: str | Path | None = None, conversations_path: str | Path | None = None,
             claims_path: str | Path | None = None, project: Project | None = None) -> pd.DataFrame:
    """Evaluate every claim; columns ``COLUMNS`` in registry order.

    ``values``: recorded values (``name@REPORT`` -> value) to use. Without them, a build's
    ``values.json`` under ``out`` is read when there is one and whatever the bindings need that
    it lacks is computed in-process from ``data_path`` (default: the embedded synthetic export).
    ``project``: the study folder (default: the one around the working directory).
    """
    project = default(project)
    table = claims.load_claims(claims_path, project=project)
    bindings = [b for b in table["binding"] if b]
    unbound = table.loc[table["binding"] == "", "claim_id"].tolist()
    if unbound:
        raise ValueError(f"claims without a binding: {unbound[:10]}")
    failures: dict[str, str] = {}
    records: dict[str, dict[str, Any]] = {}
    if values is None:
        found = read_build_values(Path(out), records, project) if out is not None else {}
        missing = [b for b in bindings if any(f"{n}@{c}" not in found for n, c in _value_refs(b, project))]
        computed = collect_values(missing, data_path, failures, records, project) if missing else {}
        values = {**computed, **found}
    ctx = Context(dict(values), data_path, conversations_path, failures, records=records, project=project)
    shown: dict[str, dict[str, Any]] = {}
    inconsistent = _inconsistencies(table)
    printed = claims.printed_intervals(table)
    rows = []
    for _, row in table.iterrows():
        binding = str(row["binding"])
        published = published_text(row, printed, project)
        registry_note = str(row["note"])
        head = (row["claim_id"], row["section"], row["kind"], published)
        ctx.shown = {}
        if binding.startswith("none:"):
            outcome = Outcome("not-computable", "", binding[5:])
        else:
            try:
                outcome = _judge(row, ctx)
            except Withheld as withheld:
                outcome = _withheld_outcome(row, ctx, withheld)
            except (LookupError, ValueError, TypeError) as error:
                outcome = Outcome("miss", "", f"could not reproduce: {error}")
        if outcome.status == "withheld":
            rows.append(_withheld_row(head, row["claim_id"] in inconsistent))  # no note, no verdict
            continue
        if ctx.shown:
            shown[str(row["claim_id"])] = _described(ctx.shown)
        if row["claim_id"] in inconsistent:
            # Reported, never forced: what the data give is shown beside the reason.
            reproduced_as = outcome.detail if outcome.status == "withheld" else outcome.status
            rows.append((*head, outcome.reproduced, "source-inconsistent",
                         _join(inconsistent[row["claim_id"]], f"reproduced: {reproduced_as}")))
            continue
        if outcome.status == "not-computable":
            rows.append((*head, "", outcome.status, _join(outcome.detail, registry_note)))
            continue
        note = _join(outcome.detail, registry_note) if outcome.status != "exact" else registry_note
        rows.append((*head, outcome.reproduced, outcome.status, note))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame.attrs["shown"] = shown
    return frame


def _described(shown: Mapping[str, Any]) -> dict[str, Any]:
    """What one claim shows, as the audit reads it: recorded values, mask cells, participant counts."""
    out: dict[str, Any] = {}
    if shown.get("values"):
        out["values"] = [shown["values"][key] for key in sorted(shown["values"])]
    masks = []
    for universe in sorted(shown.get("masks", {})):
        mask = shown["masks"][universe]
        cells = [{"cells": mask.spec(cell), "value": mask.count(cell)} for cell in sorted(mask.layout.cells)]
        masks.append({"universe": universe, "threshold": mask.threshold, "cells": cells})
    if masks:
        out["masks"] = masks
    if shown.get("counts"):
        out["counts"] = [{"what": w, "place": p, "count": c, "out_of": n} for w, p, c, n in shown["counts"]]
    return out


def summarise(result: pd.DataFrame) -> pd.DataFrame:
    """Counts by section x status, with a total row and column."""
    return _counts_by(result, "section")


def summarise_kinds(result: pd.DataFrame) -> pd.DataFrame:
    """Counts by claim kind x status, with a total row and column (kinds in registry order)."""
    return _counts_by(result, "kind")


def _counts_by(result: pd.DataFrame, column: str) -> pd.DataFrame:
    """Counts by ``column`` (in order of appearance) x status, with an "all" row and a "total" column."""
    order = list(dict.fromkeys(result[column]))
    counts = pd.crosstab(result[column], result["status"]).reindex(index=order, columns=list(STATUSES), fill_value=0)
    counts.loc["all"] = counts.sum()
    counts["total"] = counts.sum(axis=1)
    return counts.astype(int)


def withheld_counts(result: pd.DataFrame) -> dict[str, int]:
    """How many claims read a withheld number (they get no verdict)."""
    return {"withheld": int((result["status"] == "withheld").sum())}


def rates(result: pd.DataFrame) -> dict[str, float]:
    """Shares of the computable claims (exact, close, miss) that are exact, and exact or close."""
    computable = result[result["status"].isin(COMPUTABLE)]
    n = len(computable)
    exact = int((computable["status"] == "exact").sum())
    close = int((computable["status"] == "close").sum())
    return {"computable": n, "exact": exact / n if n else math.nan,
            "exact_or_close": (exact + close) / n if n else math.nan}


# --------------------------------------------------------------------------- writing

_CSS = """body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccc;padding:.25rem .5rem;
vertical-align:top;text-align:left}th{background:#f3f3f3}td.num{text-align:right}
.exact{background:#e6f4ea}.close{background:#fef7e0}.miss{background:#fce8e6}.withheld{background:#fff3e0}
.source-inconsistent{background:#e8eaf6}.not-computable{background:#f1f3f4}"""


def _counts_table(counts: pd.DataFrame, label: str) -> list[str]:
    e = html.escape
    parts = [f"<table><thead><tr><th>{e(label)}</th>"] + [f"<th>{e(c)}</th>" for c in counts.columns]
    parts.append("</tr></thead><tbody>")
    for name, row in counts.iterrows():
        cells = "".join(f'<td class="num">{int(v)}</td>' for v in row)
        parts.append(f"<tr><th>{e(str(name))}</th>{cells}</tr>")
    return [*parts, "</tbody></table>"]


def _html(result: pd.DataFrame, paraphrases: Mapping[str, str]) -> str:
    e = html.escape
    r = rates(result)
    w = withheld_counts(result)
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
             "<title>Fidelity to the published claims</title>", f"<style>{_CSS}</style></head><body>",
             "<h1>Fidelity to the published claims</h1>",
             f"<p>{len(result)} printed claims; {r['computable']} computable. Of those, "
             f"{100 * r['exact']:.1f}% are reproduced exactly and {100 * r['exact_or_close']:.1f}% exactly "
             "or closely (within one unit of the last printed digit; tests within 2% with the same "
             "decision).</p>",
             f"<p>{w['withheld']} claims read a number our small-cell rule withholds: they read \"withheld\", "
             "with no value and no verdict (a verdict beside a withheld number would pin it within a unit "
             "of the printed claim).</p>",
             "<p>Comparison claims (order, extreme, no_difference, quantifier) show what was compared: "
             "the published items, largest first, then the claim and its mark (✓ holds, ✗ does not).</p>",
             "<h2>Totals by section and status</h2>", *_counts_table(summarise(result), "Section"),
             "<h2>Totals by kind of claim and status</h2>", *_counts_table(summarise_kinds(result), "Kind"),
             "<h2>Claims</h2>",
             "<table><thead><tr><th>Claim</th><th>Section</th><th>Kind</th><th>What is claimed (paraphrase)</th>"
             "<th>Published</th><th>Reproduced</th><th>Status</th><th>Note</th></tr></thead><tbody>"]
    for row in result.itertuples(index=False):
        parts.append(f'<tr class="{e(row.status)}"><td>{e(row.claim_id)}</td><td>{e(row.section)}</td>'
                     f"<td>{e(row.kind)}</td><td>{e(paraphrases.get(row.claim_id, ''))}</td><td>{e(row.published)}</td>"
                     f"<td>{e(row.reproduced)}</td><td>{e(row.status)}</td><td>{e(row.note)}</td></tr>")
    parts += ["</tbody></table>", "</body></html>", ""]
    return "\n".join(parts)


def write_report(result: pd.DataFrame, out: str | Path, claims_path: str | Path | None = None,
                 project: Project | None = None) -> Path:
    """Write ``<out>/fidelity/claims.csv``, ``index.html`` and ``claims.disclosure.json``; returns the folder.

    ``claims.disclosure.json`` lists, for each claim shown with a value or a verdict, the
    recorded values, the mask cells and the participant counts it shows (as
    :func:`evaluate` noted them), for the disclosure audit.
    """
    folder = Path(out) / "fidelity"
    folder.mkdir(parents=True, exist_ok=True)
    # Claims' texts come from data/claims.csv: a cell a spreadsheet would run is neutralised.
    (folder / "claims.csv").write_bytes(frame_csv(result, index=False).encode("utf-8"))
    described = result.attrs.get("shown", {})
    (folder / "claims.disclosure.json").write_text(
        json.dumps([{"claim_id": cid, **described[cid]} for cid in result["claim_id"] if cid in described],
                   indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    table = claims.load_claims(claims_path, project=project)
    paraphrases = dict(zip(table["claim_id"], table["paraphrase"], strict=True))
    (folder / "index.html").write_text(_html(result, paraphrases), encoding="utf-8")
    return folder


def main(argv: Sequence[str] | None = None, project: Project | None = None) -> int:
    """``perspectives fidelity [--out DIR] [--data PATH] [--conversations PATH]`` on ``project``.

    ``project``: the study folder (default: the one around the working directory).
    """
    parser = argparse.ArgumentParser(prog="perspectives fidelity",
                                     description="Compare the regenerated values with the published claims.")
    parser.add_argument("--out", type=Path, default=Path("outputs"), metavar="DIR",
                        help="build folder to read values from and to write fidelity/ into (default: outputs)")
    parser.add_argument("--data", type=Path, metavar="PATH", help="survey export (default: the embedded data)")
    parser.add_argument("--conversations", type=Path, metavar="PATH", help="conversations file")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    project = default(project)
    result = evaluate(out=args.out, data_path=args.data, conversations_path=args.conversations, project=project)
    folder = write_report(result, args.out, project=project)
    from perspectives.assemble import write_index

    write_index(args.out, project.study)  # the reports' index links the fidelity page
    totals = summarise(result).loc["all"]
    r = rates(result)
    w = withheld_counts(result)
    print(f"perspectives fidelity: {folder / 'index.html'}: " + ", ".join(f"{s} {int(totals[s])}" for s in STATUSES)
          + f"; exact {100 * r['exact']:.1f}%, exact or close {100 * r['exact_or_close']:.1f}% of "
          f"{r['computable']} computable; {w['withheld']} withheld, with no verdict", file=sys.stderr)
    from .audit import audit_outputs

    findings = audit_outputs(args.out, int(project.study.disclosure["threshold"]))
    for finding in findings:
        print(f"perspectives fidelity: disclosure audit: {finding}", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
