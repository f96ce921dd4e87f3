"""The analysis engine: one entry of ``params/analyses.yml`` in, a published result out.

Purpose
    Every number, table and figure of the report sections comes from here, so that each
    kind of analysis is written once: select-one and select-multiple frequencies, sliders
    (bands, thresholds, means), batteries of ratings, one option list asked of two
    populations, each optionally broken down by country (or another grouping) with its
    test. The same code serves a national report (its country beside the six-country
    picture) and the synthesis (every country, plus the cross-country test).

Inputs
    The eligible completes (``SurveyData``), the analysis spec, the report code (ISO3 or
    ALL), the instrument for labels.

Outputs
    :class:`Result`: the published table (strings, after disclosure control), the
    percentages drawn in the figure, the recorded values (name, value, n, country), and a
    narrative context whose fields format themselves through :mod:`perspectives.fmt`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import disclosure, fmt, stats
from .instrument import Instrument
from .study import read_yaml

ROOT = Path(__file__).resolve().parents[2]
ALL = "ALL"


@lru_cache(maxsize=1)
def load_specs(path: Path | None = None) -> dict[str, Any]:
    """All analysis specs (``params/analyses.yml``), keyed by id; ``bands`` holds the slider bands."""
    return read_yaml(Path(path or ROOT / "params" / "analyses.yml"))


def spec(analysis_id: str) -> dict[str, Any]:
    """One analysis spec; an unknown id is an error naming the known ones."""
    specs = load_specs()
    if analysis_id not in specs or analysis_id == "bands":
        raise KeyError(f"unknown analysis {analysis_id!r}; known: {sorted(k for k in specs if k != 'bands')}")
    return specs[analysis_id]


# --------------------------------------------------------------------------- narrative cells
@dataclass(frozen=True)
class Cell:
    """A count and its share as the narrative shows them (already disclosure-checked)."""

    count: int | None
    base: int
    percent: float | None
    hidden: bool = False
    threshold: int = 5

    @property
    def _withheld(self) -> str:
        # A small count is said to be small; a larger one hidden so that a small one cannot be
        # worked out from the totals is only said to be withheld.
        if (self.count or 0) < self.threshold:
            return f"fewer than {self.threshold} respondents"
        return "a number withheld for privacy"

    @property
    def n(self) -> str:
        if self.hidden:
            return f"<{self.threshold}" if (self.count or 0) < self.threshold else "–"
        return f"{self.count:,}"

    @property
    def pct(self) -> str:
        if self.hidden:
            return self._withheld
        if self.percent is None or np.isnan(self.percent):
            return "n/a"
        return fmt.fmt_pct(self.percent)

    @property
    def pct_n(self) -> str:
        if self.hidden:
            return self._withheld
        return fmt.pct_with_n(self.count or 0, self.base)

    def __format__(self, spec_: str) -> str:
        return self.pct_n


class Fields(dict):
    """Attribute access for str.format: ``{female.pct}`` -> fields['female'].pct."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as error:
            raise AttributeError(name) from error

    def __format__(self, spec_: str) -> str:
        return str(self.get("_text", ""))


# --------------------------------------------------------------------------- results
@dataclass
class Result:
    """What one analysis publishes for one report."""

    analysis_id: str
    country: str
    table: pd.DataFrame                      # published strings (CSV and HTML)
    shares: pd.DataFrame | None = None       # numbers drawn in the figure (NaN = hidden)
    figure_kind: str = "bars"
    values: list[dict[str, Any]] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    test: Any = None
    base: int = 0
    base_text: str = ""                      # how a caption states the n when one number won't do
    notes: list[str] = field(default_factory=list)

    def record(self, name: str, value: Any, n: int | None = None, country: str | None = None, **extra: Any) -> None:
        """Add one recorded value; ``country`` defaults to the report's own."""
        if isinstance(value, (np.integer,)):
            value = int(value)
        elif isinstance(value, (np.floating, float)):
            value = None if np.isnan(value) else round(float(value), 6)
        self.values.append({"name": f"{self.analysis_id}.{name}", "value": value, "n": None if n is None else int(n),
                            "country": country or self.country, **extra})

    def narrative(self, template: str, place: str) -> str:
        """Fill the spec's text from computed values only."""
        return template.format(place=place, base=f"{self.base:,}",
                               test=fmt.fmt_test(self.test) if self.test is not None else "", **self.context)


# --------------------------------------------------------------------------- helpers
# Row subsets already computed, per source frame: (a weak reference to the source, subset).
_SUBSETS: dict[tuple[int, str, str], tuple[weakref.ref, pd.DataFrame]] = {}


def _subset(frame: pd.DataFrame, kind: str, key: str, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """A row subset of ``frame``, computed once per process and frame.

    The analyses read the validated survey and its subsets and never modify them, and every
    run asks for the same few (five populations, seven places); a fork of the warmed build
    server inherits those its warm-up computed. The weak reference tells a live source
    frame from a new one that happens to reuse the address of a freed one, and an entry
    goes when its source frame goes. A source frame changed in place would keep stale
    subsets: the library never does that (the survey is read once and only read).
    """
    cache_key = (id(frame), kind, key)
    entry = _SUBSETS.get(cache_key)
    if entry is not None and entry[0]() is frame:
        return entry[1]
    rows = compute()
    _SUBSETS[cache_key] = (weakref.ref(frame), rows)
    weakref.finalize(frame, _SUBSETS.pop, cache_key, None)  # dropped with its source frame
    return rows


def population(data: pd.DataFrame, query: str | None) -> pd.DataFrame:
    """Rows the analysis is computed on (a pandas query on the eligible completes)."""
    if not query:
        return data
    return _subset(data, "query", query, lambda: data.query(query, engine="python"))


def _country_rows(data: pd.DataFrame, country: str) -> pd.DataFrame:
    return _subset(data, "country", country, lambda: data[data["country"] == country])


def _places(data: pd.DataFrame, country: str) -> dict[str, pd.DataFrame]:
    """The report's own country first, then the pooled picture (the synthesis has only the latter)."""
    if country == ALL:
        return {ALL: data}
    return {country: _country_rows(data, country), ALL: data}


def warm_subsets(eligible: pd.DataFrame, countries: list[str]) -> None:
    """Compute each analysis population and each place's rows of it, ahead of the runs
    (the build's server calls this before forking them)."""
    for analysis_id, spec_ in load_specs().items():
        if analysis_id == "bands":
            continue
        data = population(eligible, spec_.get("population"))
        for country in [*countries, ALL]:
            rows = _places(data, country)[country]
            for query in (spec_.get("populations") or {}).values():
                population(rows, query)


def _threshold() -> int:
    return disclosure.settings().threshold


def _cells(counts: pd.Series, base: int, hidden: pd.Series | None = None) -> Fields:
    threshold = _threshold()
    fields = Fields()
    for code, count in counts.items():
        # Options left out of a top-k table still follow the small-cell rule in the narrative.
        is_hidden = (bool(hidden[code]) if hidden is not None and code in hidden.index
                     else bool(0 < int(count) < threshold))
        percent = fmt.pct(int(count), base) if base else float("nan")
        fields[str(code)] = Cell(int(count), base, percent, is_hidden, threshold)
    return fields


def _hidden_small(counts: pd.Series) -> pd.Series:
    threshold = _threshold()
    return (counts > 0) & (counts < threshold)


def publish_counts(counts: pd.Series, base: int, additive: bool,
                   force_hidden: pd.Series | None = None) -> pd.DataFrame:
    """Counts of one place through disclosure control: columns ``n`` and ``percent`` (strings),
    ``attrs['safe_percent']`` (numbers for figures, NaN where hidden) and ``attrs['notes']``.

    ``force_hidden`` marks cells another published table withholds; they are hidden here too,
    and complementary suppression treats them like small cells.
    """
    freq = pd.DataFrame({"n": counts.astype(int)})
    freq["percent"] = [fmt.pct(int(c), base) if base else float("nan") for c in freq["n"]]
    freq.attrs["base"] = int(base)
    forced = (force_hidden.reindex(freq.index).fillna(False).astype(bool) if force_hidden is not None
              else None)
    published = disclosure.publish_frequency(freq, additive=additive, total_label=None, force=forced)
    table = published.table.rename(columns={"%": "percent"})
    safe = published.suppression.safe_counts["n"] / base * 100 if base else freq["percent"] * float("nan")
    table.attrs["safe_percent"] = safe.astype(float)
    table.attrs["notes"] = list(published.notes)
    table.attrs["hidden"] = published.suppression.mask["n"].astype(bool).to_dict()
    return table


def _publish_frequency(freqs: dict[str, pd.DataFrame], labels: dict[str, str], additive: bool,
                       place_names: dict[str, str], force_hidden: dict[str, pd.Series] | None = None
                       ) -> tuple[pd.DataFrame, pd.DataFrame, list[str], dict[str, pd.Series]]:
    """One frequency table per place -> published strings and the shares for the figure."""
    columns: dict[str, pd.Series] = {}
    shares: dict[str, pd.Series] = {}
    notes: list[str] = []
    hidden: dict[str, pd.Series] = {}
    for place, freq in freqs.items():
        base = int(freq.attrs["base"])
        counts = freq["n"].astype(int)
        published = publish_counts(counts, base, additive, (force_hidden or {}).get(place))
        name = place_names[place]
        columns[(name, "n")] = published["n"]
        columns[(name, "%")] = published["percent"]
        shares[name] = published.attrs["safe_percent"]
        hidden[place] = pd.Series(published.attrs["hidden"])
        notes.extend(n for n in published.attrs.get("notes", []) if n not in notes)
        columns[(name, "n")].loc["Respondents"] = f"{base:,}"
        columns[(name, "%")].loc["Respondents"] = ""
    table = pd.DataFrame(columns)
    table.index = [labels.get(str(code), str(code)) for code in table.index]
    share_frame = pd.DataFrame(shares)
    share_frame.index = [labels.get(str(code), str(code)) for code in share_frame.index]
    return table, share_frame, notes, hidden


# --------------------------------------------------------------------------- kinds
def _single_or_multi(result: Result, spec_: dict, data: pd.DataFrame, instrument: Instrument,
                     place_names: dict[str, str], multi_frame) -> None:
    question = spec_["question"]
    labels = instrument.choice_labels(question)
    codes = spec_.get("options") or instrument.codes(question)
    freqs: dict[str, pd.DataFrame] = {}
    for place, rows in _places(data, result.country).items():
        if spec_["kind"] == "multi":
            selected = multi_frame(rows, question)[codes]
            freq = stats.multi_frequency(selected, codes)
        else:
            freq = stats.frequency(rows[question], categories=codes)
            if spec_.get("drop_empty"):
                keep = stats.frequency(data[question], categories=codes)["n"] > 0
                freq = freq[keep.reindex(freq.index).fillna(False).to_numpy()]
        freqs[place] = freq
    own = freqs[result.country]
    result.base = int(own.attrs["base"])
    if spec_["kind"] == "multi" and spec_.get("top"):
        # Rank by the pooled picture so a national report shows the same options as the synthesis.
        order = freqs[ALL]["n"].sort_values(ascending=False, kind="stable").index[: spec_["top"]]
        freqs = {place: _keep_attrs(freq.loc[order], freq) for place, freq in freqs.items()}
    additive = spec_["kind"] == "single"
    force_hidden = None
    if additive and spec_.get("by") == "country" and result.country != ALL:
        groups = [g for g in instrument.codes("country") if (data["country"] == g).any()]
        _, synthesis = publish_breakdown(data, question, "country", groups, instrument, bool(spec_.get("drop_empty")))
        force_hidden = {result.country: synthesis.suppression.mask[result.country]}
    table, shares, notes, hidden_by_place = _publish_frequency(freqs, labels, additive, place_names, force_hidden)
    result.table, result.shares, result.notes = table, shares, notes
    own_counts = own["n"].astype(int)
    hidden = hidden_by_place[result.country]
    result.context.update(_cells(own_counts, result.base, hidden))
    result.record("base", result.base, n=result.base)
    for code, count in own_counts.items():
        is_hidden = bool(hidden[code]) if code in hidden.index else bool(0 < int(count) < _threshold())
        result.record(f"{code}.n", None if is_hidden else int(count), n=result.base, suppressed=is_hidden)
        result.record(f"{code}.pct", None if is_hidden else fmt.pct(int(count), result.base), n=result.base,
                      suppressed=is_hidden)
    if result.country != ALL:
        pooled = freqs[ALL]
        pooled_hidden = hidden_by_place[ALL]
        for code, count in pooled["n"].astype(int).items():
            # Recorded values follow the published mask: a withheld cell is recorded as withheld.
            withheld = bool(pooled_hidden.get(code, 0 < int(count) < _threshold()))
            result.record(f"{code}.pct", None if withheld else fmt.pct(int(count), int(pooled.attrs["base"])),
                          n=int(pooled.attrs["base"]), country=ALL, suppressed=withheld)


def _keep_attrs(new: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    new = new.copy()
    new.attrs.update(old.attrs)
    return new


def _breakdown(result: Result, spec_: dict, data: pd.DataFrame, instrument: Instrument,
               group_labels: dict[str, str], multi_frame) -> None:
    """Synthesis only: categories by group (country or another question) and the test."""
    by = spec_["by"]
    question = spec_.get("question")
    groups = [g for g in (instrument.codes(by) if by in instrument.questions else sorted(data[by].dropna().unique()))
              if (data[by] == g).any()]
    if spec_["kind"] == "numeric":
        values = pd.to_numeric(data[question], errors="coerce")
        keep = values.notna() & data[by].isin(groups)
        means = values[keep].groupby(data.loc[keep, by]).mean().reindex(groups)
        sizes = values[keep].groupby(data.loc[keep, by]).size().reindex(groups).fillna(0).astype(int)
        for group in groups:
            result.record(f"{group}.mean", float(means[group]), n=int(sizes[group]), country=ALL)
        result.context["by"] = Fields({g: fmt.fmt_number(means[g], 0) for g in groups})
        result.context["by_means"] = means.rename(index=group_labels)
        if spec_.get("test") == "anova":
            result.test = stats.anova_oneway(values[keep], data.loc[keep, by])
            _record_test(result, "anova")
        return
    if spec_["kind"] == "multi":
        codes = spec_.get("options") or instrument.codes(question)
        frame = multi_frame(data, question)
        asked = frame.notna().all(axis=1)
        for code in codes:
            counts = stats.crosstab(frame.loc[asked, code].astype(bool).map({True: "yes", False: "no"}),
                                    data.loc[asked, by], row_order=["yes", "no"], col_order=groups)
            shares = stats.column_percent(counts)
            for group in groups:
                result.record(f"{code}.{group}.pct", float(shares.loc["yes", group]), n=int(counts[group].sum()),
                              country=ALL)
            if spec_.get("test") == "chi2":
                test = stats.chi_square(counts)
                result.record(f"{code}.chi2.stat", test.statistic, n=test.n, country=ALL)
                result.record(f"{code}.chi2.df", test.df, country=ALL)
                result.record(f"{code}.chi2.p", test.p, country=ALL)
                result.context.setdefault("tests", Fields())[code] = fmt.fmt_test(test)
        return
    counts, published = publish_breakdown(data, question, by, groups, instrument, bool(spec_.get("drop_empty")))
    shares = stats.column_percent(counts)
    safe_shares = published.suppression.safe_counts / counts.sum() * 100
    result.context["by_table"] = published.table.rename(index=instrument.choice_labels(question),
                                                        columns=group_labels)
    result.context["by_safe_shares"] = safe_shares.rename(index=instrument.choice_labels(question),
                                                          columns=group_labels)
    result.notes.extend(n for n in published.notes if n not in result.notes)
    mask = published.suppression.mask
    for code in counts.index:
        for group in groups:
            withheld = bool(mask.loc[code, group])
            result.record(f"{code}.{group}.pct", None if withheld else float(shares.loc[code, group]),
                          n=int(counts[group].sum()), country=ALL, suppressed=withheld)
            result.record(f"{code}.{group}.n", None if withheld else int(counts.loc[code, group]),
                          n=int(counts[group].sum()), country=ALL, suppressed=withheld)
    if spec_.get("test") == "chi2":
        result.test = stats.chi_square(counts)
        _record_test(result, "chi2")


def publish_breakdown(data: pd.DataFrame, question: str, by: str, groups: list[str], instrument: Instrument,
                      drop_empty: bool) -> tuple[pd.DataFrame, disclosure.Published]:
    """Categories by group (e.g. by country) through disclosure control, with its totals.

    The synthesis publishes this table; a national report shows one of its columns, so it
    hides at least what this table hides (otherwise a cell withheld here could be read
    there).
    """
    counts = stats.crosstab(data[question], data[by], row_order=instrument.codes(question), col_order=groups)
    if drop_empty:
        counts = counts[counts.sum(axis=1) > 0]
    published = disclosure.publish(counts, additive_rows=True, additive_cols=True, row_totals=counts.sum(axis=1),
                                   col_totals=counts.sum(), percent="col", total_label=None)
    return counts, published


def _record_test(result: Result, name: str) -> None:
    test = result.test
    result.record(f"{name}.stat", test.statistic, n=test.n, country=ALL)
    if name == "chi2":
        result.record(f"{name}.df", test.df, country=ALL)
    else:
        result.record(f"{name}.df1", test.df_between, country=ALL)
        result.record(f"{name}.df2", test.df_within, country=ALL)
    result.record(f"{name}.p", test.p, country=ALL)


def _numeric(result: Result, spec_: dict, data: pd.DataFrame, instrument: Instrument,
             place_names: dict[str, str]) -> None:
    question = spec_["question"]
    bands = [tuple(b) for b in load_specs()["bands"][spec_["bands"]]] if spec_.get("bands") else None
    freqs: dict[str, pd.DataFrame] = {}
    for place, rows in _places(data, result.country).items():
        values = pd.to_numeric(rows[question], errors="coerce").dropna()
        if bands:
            freq = stats.slider_bands(values, bands)
        else:
            freq = stats.frequency(pd.Series(dtype=object), categories=[])
            freq.attrs["base"] = len(values)
        freq.attrs["mean"] = float(values.mean()) if len(values) else float("nan")
        freq.attrs["values"] = values
        freqs[place] = freq
    own = freqs[result.country]
    result.base = int(own.attrs["base"])
    mean = own.attrs["mean"]
    small = result.country != ALL and result.base < _threshold()
    result.context["mean"] = "n/a" if small or np.isnan(mean) else fmt.fmt_number(mean, 0)
    result.record("base", result.base, n=result.base)
    result.record("mean", None if small else mean, n=result.base, suppressed=small)
    if result.country != ALL:
        result.record("mean", freqs[ALL].attrs["mean"], n=int(freqs[ALL].attrs["base"]), country=ALL)
    values = own.attrs["values"]
    for name, cut in (spec_.get("thresholds") or {}).items():
        count = int((values > cut).sum())
        hidden = result.country != ALL and 0 < count < _threshold()
        result.context[name] = Cell(count, result.base, fmt.pct(count, result.base), hidden, _threshold())
        result.record(f"{name}.n", None if hidden else count, n=result.base, suppressed=hidden)
        result.record(f"{name}.pct", None if hidden else fmt.pct(count, result.base), n=result.base, suppressed=hidden)
    if bands:
        labels = {b[0]: f"{b[1]:g}-{b[2]:g}%" if b[1] != b[2] else f"{b[1]:g}%" for b in bands}
        table, shares, notes, hidden_by_place = _publish_frequency(freqs, labels, True, place_names)
        result.table, result.shares, result.notes = table, shares, notes
        counts = own["n"].astype(int)
        hidden = hidden_by_place[result.country]
        result.context.update(_cells(counts, result.base, hidden))
        for code, count in counts.items():
            is_hidden = bool(hidden[code]) if code in hidden.index else bool(0 < int(count) < _threshold())
            result.record(f"{code}.pct", None if is_hidden else fmt.pct(int(count), result.base), n=result.base,
                          suppressed=is_hidden)
    else:
        rows = {place_names[p]: [f"{f.attrs['mean']:.1f}" if f.attrs["base"] >= _threshold() else "–",
                                 f"{int(f.attrs['base']):,}"] for p, f in freqs.items()}
        result.table = pd.DataFrame(rows, index=["Mean (%)", "Respondents"])
        result.shares = None
        result.figure_kind = "means"


def _ratings(result: Result, spec_: dict, data: pd.DataFrame, instrument: Instrument,
             place_names: dict[str, str]) -> None:
    questions = spec_["questions"]
    rows_for_place = _places(data, result.country)
    own_rows = rows_for_place[result.country]
    codes = instrument.codes(questions[0])
    labels = instrument.choice_labels(questions[0])
    distribution = {}
    summary_rows = {}
    for question in questions:
        freq = stats.frequency(own_rows[question], categories=codes)
        base = int(freq.attrs["base"])
        counts = freq["n"].astype(int)
        published = publish_counts(counts, base, True)
        distribution[instrument.label(question)] = published.attrs["safe_percent"]
        hidden = _hidden_small(counts) if result.country != ALL else pd.Series(False, index=counts.index)
        fields = _cells(counts, base, hidden)
        for side in ("bottom", "top"):
            chosen = spec_.get(side) or []
            if not chosen:
                continue
            count = int(counts[chosen].sum())
            is_hidden = result.country != ALL and 0 < count < _threshold()
            cell = Cell(count, base, fmt.pct(count, base), is_hidden, _threshold())
            fields[f"{side}_pct"] = cell.pct
            fields[f"{side}_pct_n"] = cell.pct_n
            fields[side] = cell
            result.record(f"{question}.{side}.pct", None if is_hidden else cell.percent, n=base, suppressed=is_hidden)
            result.record(f"{question}.{side}.n", None if is_hidden else count, n=base, suppressed=is_hidden)
            summary_rows.setdefault(instrument.label(question), {})[f"{side} (%)"] = (
                "<" + str(_threshold()) if is_hidden else fmt.fmt_number(cell.percent, 0))
        for code, count in counts.items():
            result.record(f"{question}.{code}.pct", None if hidden[code] else fmt.pct(int(count), base), n=base,
                          suppressed=bool(hidden[code]))
        summary_rows.setdefault(instrument.label(question), {})["Respondents"] = f"{base:,}"
        result.context[question] = fields
        if result.country != ALL:
            pooled = stats.frequency(data[question], categories=codes)
            chosen = spec_.get("bottom") or spec_.get("top")
            side = "bottom" if spec_.get("bottom") else "top"
            result.record(f"{question}.{side}.pct", fmt.pct(int(pooled["n"][chosen].sum()), int(pooled.attrs["base"])),
                          n=int(pooled.attrs["base"]), country=ALL)
            summary_rows[instrument.label(question)][f"{side}, all six (%)"] = fmt.fmt_number(
                fmt.pct(int(pooled["n"][chosen].sum()), int(pooled.attrs["base"])), 0)
    result.base = int(own_rows[questions[0]].notna().sum())
    shares = pd.DataFrame(distribution).T
    shares.columns = [labels[c] for c in shares.columns]
    result.shares = shares
    result.figure_kind = "stacked"
    result.table = pd.DataFrame(summary_rows).T


def _compare_multi(result: Result, spec_: dict, data: pd.DataFrame, instrument: Instrument,
                   place_names: dict[str, str], multi_frame) -> None:
    groups = spec_["questions"]
    rows = _places(data, result.country)[result.country]
    first = next(iter(groups.values()))
    codes = instrument.codes(first)
    labels = instrument.choice_labels(first)
    counts = {}
    bases = {}
    for group, question in groups.items():
        members = population(rows, spec_["populations"][group])
        frame = multi_frame(members, question)
        bases[group] = len(members)
        counts[group] = frame.fillna(False).astype(bool).sum().reindex(codes).astype(int)
    table_cols = {}
    shares = {}
    for group in groups:
        published = publish_counts(counts[group], bases[group], False)
        table_cols[(group.capitalize(), "n")] = published["n"]
        table_cols[(group.capitalize(), "%")] = published["percent"]
        shares[group.capitalize()] = published.attrs["safe_percent"]
        hidden = _hidden_small(counts[group]) if result.country != ALL else pd.Series(False, index=codes)
        for code in codes:
            cell = Cell(int(counts[group][code]), bases[group], fmt.pct(int(counts[group][code]), bases[group]),
                        bool(hidden[code]), _threshold())
            result.context.setdefault(code, Fields())[group] = cell
            result.record(f"{code}.{group}.pct", None if cell.hidden else cell.percent, n=bases[group],
                          suppressed=cell.hidden)
            result.record(f"{code}.{group}.n", None if cell.hidden else cell.count, n=bases[group],
                          suppressed=cell.hidden)
        result.record(f"{group}.base", bases[group], n=bases[group])
    table = pd.DataFrame(table_cols)
    if spec_.get("test") == "chi2" and result.country == ALL:
        tests = []
        for code in codes:
            tab = pd.DataFrame({g: [counts[g][code], bases[g] - counts[g][code]] for g in groups},
                               index=["yes", "no"])
            test = stats.chi_square(tab)
            tests.append(fmt.fmt_test(test))
            result.record(f"{code}.chi2.stat", test.statistic, n=test.n)
            result.record(f"{code}.chi2.df", test.df)
            result.record(f"{code}.chi2.p", test.p)
        table[("Test", "girls vs boys")] = tests
    table.index = [labels[c] for c in table.index]
    result.table = table
    result.shares = pd.DataFrame(shares).rename(index=labels)
    result.base = sum(bases.values())
    result.base_text = "; ".join(f"{group} {bases[group]:,}" for group in groups)


def run(analysis_id: str, survey, country: str, place_names: dict[str, str]) -> Result:
    """Compute one analysis for one report (ISO3 or ALL)."""
    spec_ = spec(analysis_id)
    instrument = survey.instrument
    data = population(survey.eligible, spec_.get("population"))
    result = Result(analysis_id, country, table=pd.DataFrame())

    def multi_frame(rows: pd.DataFrame, question: str) -> pd.DataFrame:
        columns = [f"{question}/{code}" for code in instrument.codes(question)]
        frame = rows[columns].astype("boolean")
        frame.columns = instrument.codes(question)
        return frame

    kind = spec_["kind"]
    if kind in ("single", "multi"):
        _single_or_multi(result, spec_, data, instrument, place_names, multi_frame)
    elif kind == "numeric":
        _numeric(result, spec_, data, instrument, place_names)
    elif kind == "ratings":
        _ratings(result, spec_, data, instrument, place_names)
    elif kind == "compare_multi":
        _compare_multi(result, spec_, data, instrument, place_names, multi_frame)
    else:
        raise ValueError(f"analysis {analysis_id!r}: unknown kind {kind!r}")
    if spec_.get("by") and country == ALL:
        group_labels = place_names if spec_["by"] == "country" else instrument.choice_labels(spec_["by"])
        _breakdown(result, spec_, data, instrument, group_labels, multi_frame)
    return result
