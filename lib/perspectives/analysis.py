"""The analysis engine: one entry of ``params/analyses.yml`` in, a published result out.

Purpose
    Every number, table and figure of the report sections comes from here, so that each
    kind of analysis is written once: select-one and select-multiple frequencies, sliders
    (bands, thresholds, means), batteries of ratings, one option list asked of two
    populations, each optionally broken down by country (or another grouping) with its
    test. The same code serves a national report (its country beside the all-country
    picture) and the synthesis (every country, plus the cross-country test).

    Small cells: this module holds no rule of its own. For each question it builds the
    full answers-by-country table once (:func:`question_mask`), has
    :func:`perspectives.disclosure.suppress` compute its mask, and reads the table, the
    figure's shares, the narrative's numbers and the recorded values from that one mask. A
    national report therefore withholds exactly what the synthesis withholds in its column
    and in the pooled column; and as the rule decides each country's column on that
    country's rows alone, the same as a partner's build of that country alone. With one
    country in the data a national table has no pooled column (it would repeat the
    country's own).

    Bases (population differencing): every table's base is a set of a place's respondents
    (the analysis's population, those asked its question, those who answered an optional
    one), stated as atoms by :mod:`perspectives.populations`. :func:`population_mask`
    decides which bases are published, as the cells of one more table; each table's base
    cell follows it and is tied to its atoms (``same_as``). Tables whose base is withheld
    somewhere are protected together with the bases' mask, in the order of
    ``params/analyses.yml`` (:func:`_withheld_chain`). A crosstab written in a notebook
    counts, beside each group's answers, the group's respondents its question leaves out
    (a row never printed), tied to the grouping question's and the bases' masks.

    Sentences (``text`` in ``params/analyses.yml``, filled by :func:`fill`) take their orders
    from the data: :class:`Ranking` orders a question's answers by their published shares and
    says which leads only where the published numbers establish it; a withheld answer is never
    placed in a list. A share with its count never puts a pair of parentheses inside another.

    Declared combinations (``combine`` in ``params/analyses.yml``) replace their parts at a
    place where one part is small, before anything is withheld; the table's note says so.
    A mean is published on at least ``threshold`` respondents whether or not their count is
    (:func:`means_shown`).

Inputs
    The eligible completes (``SurveyData``), the analysis spec, the report code (ISO3 or
    ALL), the instrument for labels.

Outputs
    :class:`Result`: the published table (a :class:`perspectives.disclosure.PublishedTable`),
    the percentages drawn in the figure (NaN where withheld), the recorded values (name,
    value, n, country, and what cells they sum, for the audit), a narrative context whose
    fields format themselves through :mod:`perspectives.fmt`, and, in memory only, the
    values the mask withholds (``Result.withheld``).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import string
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import disclosure, fmt, i18n, locales, populations, stats
from .disclosure import Mask
from .escape import markdown_text
from .instrument import Instrument
from .study import load_study, read_yaml, repo_root

ROOT = repo_root()
ALL = load_study().synthesis_code  # the report of every country together (params/study.yml)
POOLED = "*"  # the pooled place in a mask's cell ids


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
class Withheld(str):
    """A narrative field whose number is withheld.

    It prints the mark, and marks its sentence for dropping (:meth:`Result.narrative` never
    prints a sentence holding one).
    """


WITHHELD = Withheld(disclosure.WITHHELD_MARK)


class Empty(str):
    """A narrative field with nothing to say (a list with no published item): its sentence is left out, unnoted."""


EMPTY = Empty("")


class Count(int):
    """A count a sentence prints with its digits grouped (``1,254``) and whose number picks a plural form."""

    def __format__(self, spec_: str) -> str:
        return f"{int(self):,}" if not spec_ else int.__format__(self, spec_)


@dataclass(frozen=True)
class Cell:
    """A count and its share as the narrative may show them: read from the one mask."""

    mask: Mask
    cell: str
    of: str | None = None  # the base of its share (default: the cell's place base)

    @property
    def hidden(self) -> bool:
        """Whether the cell is withheld."""
        return self.mask.count(self.cell) is None

    @property
    def count(self) -> int | None:
        """The published count, or None when withheld."""
        return self.mask.count(self.cell)

    @property
    def percent(self) -> float | None:
        """The published percentage of the cell's base, or None when withheld."""
        return self.mask.share(self.cell, self.of)

    @property
    def n(self) -> str:
        """The count as the narrative prints it (``1,254``), or the withheld mark."""
        count = self.count
        return WITHHELD if count is None else f"{count:,}"

    @property
    def pct(self) -> str:
        """The percentage as the narrative prints it, or the withheld mark."""
        share = self.percent
        return WITHHELD if share is None else fmt.fmt_pct(share)

    @property
    def pct_n(self) -> str:
        """Percentage and count together (``12% (n = 31)``); a share-only cell's share; or the withheld mark."""
        return self._with_n("{pct} (n = {n})")

    @property
    def pct_n_inner(self) -> str:
        """The same inside a sentence's own parentheses (``12%, n = 31``): never a pair inside a pair."""
        return self._with_n("{pct}, n = {n}")

    def _with_n(self, form: str) -> str:
        share, count = self.percent, self.count
        if share is not None and count is None:
            return fmt.fmt_pct(share)
        return WITHHELD if share is None or count is None else form.format(pct=fmt.fmt_pct(share), n=f"{count:,}")

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


# --------------------------------------------------------------------------- ranked answers
@dataclass(frozen=True)
class Answer:
    """One answer a sentence may name: its words, its published cell and its place in the form's order."""

    code: str
    label: str            # as the report prints it (the form's label in the report's language)
    english: str          # the English label: its catalogue key (a translation may give its gender)
    cell: Cell
    order: float = 0      # the form's order: withheld answers are named in it, never by size
    words: bool = False   # ``label`` is English words for inside a sentence, translated when the sentence is


class Label(str):
    """An answer's words as a sentence prints them, remembering its English label (for the gender of a translation)."""

    english: str = ""

    def __new__(cls, text: str, english: str = "") -> Label:  # noqa: D102
        made = super().__new__(cls, text)
        made.english = english
        return made


class Ranking:
    """The answers a sentence compares, in the order of their published shares.

    Orders and "most common" come from the data: the answers are ranked by their published
    shares, and the first is said to lead only where no withheld answer could be as large
    (:attr:`certain`). An answer of a single-choice question that is withheld can hold at
    most what the published answers leave (and at most its combination's share less its
    published parts, where that combination is shown); a withheld option of a multiple-choice
    question, or a withheld item of a battery, could hold anything. Answers shown only within
    a combination are listed as that combination; withheld answers are never placed by size:
    a sentence names them after itself, in the form's order.

    Args:
        answers: the answers compared (the form's order).
        combinations: declared combinations as answers (listed where all their parts are withheld).
        members: combination code -> its parts' codes.
        bounds: answer code -> the largest share a withheld answer could hold (absent: no bound).
        limit: at most this many answers in a list (None: all).
    """

    def __init__(self, answers: Sequence[Answer], combinations: Sequence[Answer] = (),
                 members: dict[str, list[str]] | None = None, bounds: dict[str, float] | None = None,
                 limit: int | None = None) -> None:
        members, bounds = members or {}, bounds or {}
        published = [a for a in answers if a.cell.percent is not None]
        hidden = [a for a in answers if a.cell.percent is None]
        codes = {a.code for a in answers}
        shown_combinations = [c for c in combinations if c.cell.percent is not None
                              and set(members.get(c.code, [])) & codes
                              and all(m not in {a.code for a in published} for m in members.get(c.code, []))]
        within = {m for c in shown_combinations for m in members.get(c.code, [])}
        self.withheld = sorted((a for a in hidden if a.code not in within), key=lambda a: a.order)
        # An answer nobody gave is in the table, not in a sentence's list.
        self.ranked = sorted((a for a in [*published, *shown_combinations] if a.cell.percent > 0),
                             key=lambda a: (-a.cell.percent, a.order))
        first = max((a.cell.percent for a in published), default=0.0)
        self.leaders = [a for a in published if a.cell.percent == first] if first > 0 else []
        self.certain = bool(self.leaders) and all(bounds.get(a.code, float("inf")) < first for a in hidden)
        self.limit = limit

    def field(self, role: str) -> RankingField:
        """The narrative field of one role: ``top``, ``then`` or ``ranked``."""
        return RankingField(self, role)


@dataclass(frozen=True)
class RankingField:
    """A ranking as one field of a sentence; filled in the report's language by :func:`fill`.

    ``{top}`` is the leading answer (``.label``, ``.pct``, ``.pct_n``, ``.n``; several when tied,
    joined; a plural entry counts them), withheld unless the published numbers establish it.
    ``{then}`` continues a sentence about the leader with the next answers in the order of their
    shares (", followed by ..."), or nothing. ``{ranked}`` lists the answers in that order.
    """

    ranking: Ranking
    role: str

    def bind(self, tr: i18n.Translator) -> Any:
        """The field's text in ``tr``'s language (escaped for Markdown)."""
        rank = self.ranking
        if self.role == "top":
            return _Top(rank, tr) if rank.certain else _WithheldTop()
        items = rank.ranked if self.role == "ranked" else [a for a in rank.ranked if a not in rank.leaders]
        if rank.limit is not None:
            items = items[:max(0, rank.limit - (0 if self.role == "ranked" else len(rank.leaders)))]
        if self.role == "then" and not rank.certain:
            return WITHHELD
        listed = locales.join([f"{_label(a, tr)} ({a.cell.pct})" for a in items], tr.lang)
        if self.role == "ranked":
            return listed if items else EMPTY
        if not items:
            return ""
        from .texts import Markdown, Texts

        return Texts(tr).text("sentences.followed_by", answers=Markdown(listed)) or ""


def _label(answer: Answer, tr: i18n.Translator) -> Label:
    """An answer's words inside a sentence, escaped for Markdown."""
    from .summary import inside_sentence

    words = tr(answer.label) if answer.words else answer.label
    return Label(markdown_text(inside_sentence(words)), answer.english)


class _Top:
    """The leading answer(s) of a ranking, in one language."""

    def __init__(self, rank: Ranking, tr: i18n.Translator) -> None:
        leaders = rank.leaders
        labels = [_label(a, tr) for a in leaders]
        self.label = Label(locales.join(labels, tr.lang), leaders[0].english if len(leaders) == 1 else "")
        self.count = len(leaders)
        self.pct = leaders[0].cell.pct
        # Tied answers share the share; their counts are in the table.
        self.n = leaders[0].cell.n if len(leaders) == 1 else WITHHELD
        self.pct_n = leaders[0].cell.pct_n if len(leaders) == 1 else self.pct
        self.pct_n_inner = leaders[0].cell.pct_n_inner if len(leaders) == 1 else self.pct

    def __format__(self, spec_: str) -> str:
        return self.label


class _WithheldTop:
    """No answer can be said to lead: every part of ``{top}`` drops its sentence."""

    label = pct = n = pct_n = pct_n_inner = WITHHELD
    count = None


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_FORMATTER = string.Formatter()
PLURAL_KEY = "count"  # the key of a plural entry naming the field whose number picks the form


def template_texts(template: Any) -> list[str]:
    """Every English text of an analysis's ``text`` (a string, a plural entry, or a list of alternatives)."""
    if isinstance(template, list):
        return [t for item in template for t in template_texts(item)]
    if isinstance(template, dict):
        return [str(v) for k, v in template.items() if k != PLURAL_KEY]
    return [str(template)] if template else []


def fill(template: Any, note: str = "", *, translator: i18n.Translator | None = None, **fields: Any) -> str:
    """Fill a narrative template, dropping each sentence that would print a withheld number.

    Args:
        template: Sentences with ``str.format`` fields; or a plural entry (``count:`` names the
            field whose number picks the CLDR form, then the forms: ``one: ...``, ``other: ...``);
            or a list of alternatives, each either: the first whose every sentence can be
            filled is used (else the one that keeps the most).
        note: Said once in place of what was dropped (empty: nothing is said).
        translator: The report's language: the template is looked up in its catalogue (a
            translation may choose a form by the gender of an inserted answer), and the words
            the code puts in (lists, "followed by") are in it. None: the template is used as
            given, and those words are English.
        **fields: Values for the fields; a withheld one is a :class:`Withheld`, a
            :class:`RankingField` is filled in the language.

    Returns:
        The kept sentences, then ``note`` if a sentence was dropped for a withheld number, or
        else the sentence naming the answers a list left out because their numbers are withheld.
        A field inside the sentence's own parentheses prints its count without a second pair
        (``(57%, n = 31)``, never ``(57% (n=31))``).
    """
    tr = translator or i18n.Translator()
    values = {k: v.bind(tr) if isinstance(v, RankingField) else v for k, v in fields.items()}
    best: tuple[bool, int, list[str], bool, list[Ranking]] | None = None
    for alternative in template if isinstance(template, list) else [template]:
        text = _template_text(alternative, translator, values)
        if text is None:
            outcome = (False, 0, [], True, [])
        else:
            kept, withheld, empty, used = _sentences(text, fields, values)
            outcome = (not (withheld or empty), len(kept), kept, withheld, used)
        if best is None or outcome[:2] > best[:2]:
            best = outcome
        if outcome[0]:
            break
    _, _, kept, withheld, used = best or (True, 0, [], False, [])
    kept = list(kept)
    if withheld and note:
        kept.append(note)
    elif not withheld:
        left_out = [a for rank in used for a in rank.withheld]
        if left_out:
            from .texts import Markdown, Texts

            listed = locales.join([_label(a, tr) for a in dict.fromkeys(left_out)], tr.lang)
            said = Texts(tr).text("sentences.withheld_answers", answers=Markdown(listed),
                                  n_withheld=len(dict.fromkeys(left_out)))
            if said:
                kept.append(said)
    return " ".join(kept)


def _template_text(entry: Any, translator: i18n.Translator | None, values: dict[str, Any]) -> str | None:
    """The template of one alternative in the report's language; None when its count is withheld."""
    count = None
    if isinstance(entry, dict):
        count = _count_of(values.get(entry[PLURAL_KEY]))
        if count is None:
            return None
        english: Any = {k: " ".join(str(v).split()) for k, v in entry.items() if k != PLURAL_KEY}
    else:
        english = " ".join(str(entry).split())
    if translator is None:
        return locales.select_form(english, count, "en") if count is not None else english
    return translator.template(english, count, lambda name: translator.gender(_resolve(name, values)))


def _count_of(value: Any) -> int | None:
    """The number a plural entry's count field holds (a count, a cell's count, a ranking's leaders)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int(value)
    count = getattr(value, "count", None)
    return count if isinstance(count, int) and not isinstance(count, bool) else None


def _resolve(name: str, values: dict[str, Any]) -> str | None:
    """A field's value as the gender of a translation is looked up: its English label if it has one."""
    try:
        value, _ = _FORMATTER.get_field(name, (), values)
    except (KeyError, AttributeError, IndexError):
        return None
    return getattr(value, "english", "") or str(value)


def _sentences(text: str, fields: dict[str, Any],
               values: dict[str, Any]) -> tuple[list[str], bool, bool, list[Ranking]]:
    """The sentences of ``text`` filled: (kept, one dropped for a withheld number, one dropped empty, rankings used)."""
    kept, withheld, empty, used = [], False, False, []
    for sentence in _SENTENCE_END.split(text.strip()):
        out, depth, why, rankings = [], 0, "", []
        for literal, name, spec_, conversion in _FORMATTER.parse(sentence):
            out.append(literal)
            depth = max(0, depth + literal.count("(") - literal.count(")"))
            if name is None:
                continue
            value, _ = _FORMATTER.get_field(name, (), values)
            if isinstance(value, (Withheld, Empty)):
                why = "withheld" if isinstance(value, Withheld) else "empty"
                break
            root = fields.get(re.split(r"[.\[]", name, maxsplit=1)[0])
            if isinstance(root, RankingField):
                rankings.append(root.ranking)
            if depth > 0:
                value = _inner(name, value, values)
            out.append(_FORMATTER.format_field(_FORMATTER.convert_field(value, conversion), spec_))
        if why:
            withheld, empty = withheld or why == "withheld", empty or why == "empty"
            continue
        kept.append("".join(out))
        used += [r for r in rankings if r not in used]
    return kept, withheld, empty, used


def _inner(name: str, value: Any, values: dict[str, Any]) -> Any:
    """A field inside parentheses: a share with its count in the form that needs no second pair."""
    if name.endswith(".pct_n"):
        owner, _ = _FORMATTER.get_field(name[:-len(".pct_n")], (), values)
        return getattr(owner, "pct_n_inner", value)
    return getattr(value, "pct_n_inner", value) if not isinstance(value, str) else value


# --------------------------------------------------------------------------- results
@dataclass
class Result:
    """What one analysis publishes for one report."""

    analysis_id: str
    country: str
    table: disclosure.PublishedTable | None = None  # published strings (CSV and HTML)
    shares: pd.DataFrame | None = None               # numbers drawn in the figure (NaN = withheld)
    figure_kind: str = "bars"
    values: list[dict[str, Any]] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    test: Any = None
    # The test's table has a withheld cell: its statistic, which could reveal the cell, is
    # withheld too (kept in memory for the fidelity check, like any withheld value).
    test_withheld: bool = False
    base: int | None = 0
    base_text: str = ""                      # how a caption states the n when one number won't do
    # Where one number won't do: each group's base (None where withheld), by the word naming the group.
    group_bases: dict[str, int | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    tables: dict[str, disclosure.PublishedTable] = field(default_factory=dict)  # extra tables by stem suffix
    notes_extra: list[str] = field(default_factory=list)  # the table's own notes (declared combinations)
    # Values the mask withholds, (name, country) -> true value: in memory only, never recorded
    # or written (the fidelity check compares a published claim with them in-process).
    withheld: dict[tuple[str, str], Any] = field(default_factory=dict)
    lang: str = "en"  # the report's language: the words the code joins (a column's "or")

    def record(self, name: str, value: Any, n: int | None = None, country: str | None = None, **extra: Any) -> None:
        """Add one recorded value that is not a count of respondents (a mean, a test)."""
        if isinstance(value, (np.integer,)):
            value = int(value)
        elif isinstance(value, (np.floating, float)):
            value = None if np.isnan(value) else round(float(value), 6)
        self.values.append({"name": f"{self.analysis_id}.{name}", "value": value, "n": None if n is None else int(n),
                            "country": country or self.country, **extra})

    def record_cell(self, mask: Mask, cell: str, name: str, measure: str = "count", country: str | None = None,
                    of: str | None = None) -> None:
        """Record a count or share of a mask's cell as the mask publishes it (with its cells).

        ``of`` is the base of a share (default: the cell's place base).
        """
        country = country or self.country
        entry = mask.record(cell, f"{self.analysis_id}.{name}", measure, of=of, country=country)
        if entry["suppressed"]:
            true = mask.withheld_value(cell)
            base = mask.withheld_value(of or mask.base_of(cell))
            self.withheld[(entry["name"], country)] = (
                true if measure == "count" else (100.0 * true / base if base else float("nan")))
        self.values.append(entry)

    def narrative(self, template: Any, place: str, note: str = "", tr: i18n.Translator | None = None) -> str:
        """Fill the spec's text from computed values only; see :func:`fill`.

        ``tr`` is the report's language (the template is then looked up in its catalogue);
        without it the template is filled as given, in English words.
        """
        base = WITHHELD if self.base is None else Count(self.base)
        test = "" if self.test is None else WITHHELD if self.test_withheld else fmt.fmt_test(self.test)
        return fill(template, note, translator=tr, place=place, base=base, test=test, **self.context)


# --------------------------------------------------------------------------- helpers
# Row subsets already computed, per source frame: (a weak reference to the source, subset).
_SUBSETS: dict[tuple[int, str, str], tuple[weakref.ref, Any]] = {}


def cached_for_frame(frame: pd.DataFrame, kind: str, key: str, compute: Callable[[], Any]) -> Any:
    """A value derived from ``frame`` (a row subset, a mask), computed once per process and frame.

    The analyses read the validated survey and its subsets and never modify them, and every
    run asks for the same few (five populations, each place, one mask per question); a fork
    of the warmed build server inherits those its warm-up computed. The weak reference tells
    a live source frame from a new one that happens to reuse the address of a freed one, and
    an entry goes when its source frame goes. A source frame changed in place would keep
    stale entries: the library never does that (the survey is read once and only read).
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
    return cached_for_frame(data, "query", query, lambda: data.query(query, engine="python"))


def _country_rows(data: pd.DataFrame, country: str) -> pd.DataFrame:
    return cached_for_frame(data, "country", country, lambda: data[data["country"] == country])


def _places(data: pd.DataFrame, country: str) -> dict[str, pd.DataFrame]:
    """The report's own country first, then the pooled picture (the synthesis has only the latter)."""
    if country == ALL:
        return {ALL: data}
    return {country: _country_rows(data, country), ALL: data}


def _countries(survey) -> list[str]:
    """The study's countries with eligible respondents in the data, in the instrument's order."""
    present = set(survey.eligible["country"])
    return [c for c in survey.instrument.codes("country") if c in present]


def _own(country: str) -> str:
    return POOLED if country == ALL else country


def warm_subsets(eligible: pd.DataFrame, countries: list[str]) -> None:
    """Compute each analysis population and each place's rows of it, ahead of the runs.

    The build's server calls this before forking them.
    """
    for analysis_id, spec_ in load_specs().items():
        if analysis_id == "bands":
            continue
        data = population(eligible, spec_.get("population"))
        for country in [*countries, ALL]:
            rows = _places(data, country)[country]
            for query in (spec_.get("populations") or {}).values():
                population(rows, query)


def warm_masks(survey, workers: int = 1) -> None:
    """Compute every analysis's masks ahead of the runs (the build's server forks after this).

    Args:
        survey: the validated survey.
        workers: processes searching masks at once. With more than one (where ``os.fork``
            exists), forked children search a share of the questions each and hand the small-cell
            rule's results back (:func:`perspectives.disclosure.save_decisions`); the masks are
            then built here from them. No run starts before the masks are ready, so with many
            countries this is the start of every build's critical path.
    """
    names = {c: c for c in _countries(survey)} | {ALL: ALL}
    ids = [a for a, s in load_specs().items() if a != "bands" and not s.get("synthesis_only")]
    if workers > 1 and hasattr(os, "fork"):
        _search_in_parallel(_mask_tasks(survey, ids, names), workers)
    for analysis_id in ids:
        run(analysis_id, survey, ALL, names)


def _mask_tasks(survey, ids: list[str], names: dict[str, str]) -> list[Callable[[], Any]]:
    """Split the analyses into tasks, one per mask.

    An analysis with several masks (each question of a battery, each option of a multi-select
    question) gives one task per mask; any other analysis gives one task.
    """
    tasks: list[Callable[[], Any]] = []
    for analysis_id in ids:
        spec_ = load_specs()[analysis_id]
        query = spec_.get("population")
        if spec_.get("kind") == "ratings":
            tasks += [functools.partial(question_mask, survey, q, query) for q in spec_["questions"]]
        elif spec_.get("kind") == "multi":
            codes = spec_.get("options") or survey.instrument.codes(spec_["question"])
            tasks += [functools.partial(option_mask, survey, spec_["question"], c, query) for c in codes]
        else:
            tasks.append(functools.partial(run, analysis_id, survey, ALL, names))
    return tasks


def _search_in_parallel(tasks: list[Callable[[], Any]], workers: int) -> None:
    """Search the tasks' masks in ``workers`` processes.

    Every ``workers``-th task runs in each of ``workers - 1`` forked children and the rest
    here; the children's small-cell results come back. A child that fails costs only time:
    its masks are then searched here.
    """
    import tempfile

    children = []
    for k in range(1, workers):
        fd, path = tempfile.mkstemp(prefix="perspectives-masks-", suffix=".json")
        os.close(fd)
        pid = os.fork()
        if pid == 0:  # the child: its share, its results to the file, and out
            code = 1
            try:
                for task in tasks[k::workers]:
                    task()
                disclosure.save_decisions(path)
                code = 0
            finally:
                os._exit(code)
        children.append((pid, path))
    try:
        for task in tasks[0::workers]:
            task()
        for pid, path in children:
            os.waitpid(pid, 0)
            disclosure.load_decisions(path)
    finally:
        # A failed search or an interruption must not leave the children's files behind.
        for _pid, path in children:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)


# --------------------------------------------------------------------------- masks
def _count_table(values: pd.Series, groups: pd.Series, rows: list, cols: list) -> pd.DataFrame:
    """Count respondents by ``rows x cols`` in one pass (every mask starts here).

    Respondents missing either value are left out, as :func:`perspectives.stats.crosstab`
    counts them.
    """
    both = values.notna() & groups.notna()
    r = pd.Categorical(values[both], categories=rows).codes
    c = pd.Categorical(groups[both], categories=cols).codes
    if (r < 0).any() or (c < 0).any():
        raise ValueError(f"values outside the declared categories in {values.name!r} by {groups.name!r}")
    flat = np.bincount(r.astype(np.int64) * len(cols) + c, minlength=len(rows) * len(cols))
    return pd.DataFrame(flat.reshape(len(rows), len(cols)), index=list(rows), columns=list(cols))


def _groups(question: str) -> dict[str, list[str]]:
    """Published sums of a question's answers that some analysis shows (a rating's "poor or none")."""
    groups: dict[str, list[str]] = {}
    for analysis_id, spec_ in load_specs().items():
        if analysis_id == "bands" or spec_.get("kind") != "ratings" or question not in spec_["questions"]:
            continue
        for side in ("top", "bottom"):
            members = [str(m) for m in spec_.get(side) or []]
            if members and groups.setdefault(side, members) != members:
                raise ValueError(f"analyses give {question!r} two different {side!r} groups")
    return groups


def _drop_empty(question: str) -> bool:
    return any(s.get("drop_empty") for k, s in load_specs().items()
               if k != "bands" and s.get("question") == question)


def _combinations(question: str) -> dict[str, list[str]]:
    """The combinations of small categories declared for a question (``combine`` in its analyses).

    Each is published as a total of its own in preference to its parts (the rule withholds a
    part before the total), so a small answer costs its neighbours less.
    """
    found: dict[str, list[str]] = {}
    for analysis_id, spec_ in load_specs().items():
        if analysis_id == "bands" or not _asks(spec_, question) or spec_.get("kind") == "numeric":
            continue
        for name, combo in (spec_.get("combine") or {}).items():
            members = [str(m) for m in combo["members"]]
            if found.setdefault(str(name), members) != members:
                raise ValueError(f"analyses give {question!r} two different combinations named {name!r}")
    return found


def population_mask(survey) -> Mask:
    """The one mask of the bases: each place's respondents by atom, every base a cell of it.

    Every base a table publishes is a set of a place's eligible respondents
    (:mod:`perspectives.populations`); this mask decides which of them are published, so that
    no difference of published bases fixes a small group (population differencing). The
    eligible respondents of each place stay published (the sample flow prints them); the
    other bases are tried in the order of the cells resting on them, most first.
    """
    data = survey.eligible

    def compute() -> Mask:
        found = populations.structure(survey.instrument, load_specs())
        places = _countries(survey)
        counts = populations.counts(data, found, places, survey.instrument)
        first_use = {key: k for k, key in enumerate(_base_keys_in_order(survey))}
        order = sorted(found.sets, key=lambda key: (-found.weights[key], first_use.get(key, 0), key))
        lay = disclosure.layout(populations.POPULATION, counts, shown=[], groups={k: found.sets[k] for k in order},
                                base_order=order, published=[f"{p}|*" for p in [*places, POOLED]])
        return disclosure.suppress(lay)

    return cached_for_frame(data, "mask", "population", compute)


def _base_keys_in_order(survey) -> list[str]:
    """Every base's key, in the order the analyses first use it."""
    found = populations.structure(survey.instrument, load_specs())
    keys = []
    for _, base, _ in populations.base_questions(load_specs(), survey.instrument):
        key = populations.base_key(populations.atoms_of(base, found, survey.instrument), found)
        if key not in keys:
            keys.append(key)
    return keys


@dataclass(frozen=True)
class _Ties:
    """How a table's base cells stand to the population mask: forced states, ties, and the link."""

    published: list[str]
    withheld: list[str]
    same_as: dict[str, tuple[str, list[str], list[str]]]
    linked: list[Mask]


def _base_ties(survey, base: populations.Base, places: list[str], counts: pd.DataFrame,
               cells: dict[str, str] | None = None) -> _Ties:
    """Tie a table's base cells (each place's ``place|*`` and the pooled ``*|*``) to the bases' mask.

    Args:
        survey: the validated survey.
        base: the table's base (its population, question, and how it counts non-answers).
        places: the table's places.
        counts: the table's counts (categories x places), to check that they count the base.
        cells: the table's cells to tie, by place (default ``place|*``).

    Returns:
        Each tied cell published or withheld as the bases' mask decides, its ``same_as`` (the
        base's atoms, for the audit and for the rule), and the bases' mask to link to when a
        base is withheld somewhere (the table must then not give it back).

    Raises:
        RuntimeError: the table does not count the respondents its base describes (a bug in
            the bases' structure, caught here rather than published).
    """
    pop = population_mask(survey)
    key, atoms = populations.base_of(survey.instrument, load_specs(), base)
    group = populations.EVERYONE if key == populations.EVERYONE else key
    out = _Ties([], [], {}, [])
    # Each place's total once (a pandas selection per place was most of a hundred countries' warm-up).
    totals = dict(zip(counts.columns, counts.to_numpy().sum(axis=0).tolist(), strict=True))
    for place in [*places, POOLED]:
        cell = (cells or {}).get(place, f"{place}|*")
        own = places if place == POOLED else [place]
        expected = pop.layout.value(f"{place}|{group}")
        got = int(sum(totals[p] for p in own)) if cell.endswith("|*") else None
        if got is not None and got != expected:
            raise RuntimeError(f"{base}: the table counts {got} at {place}, its base's atoms {expected}")
        (out.published if pop.shown(f"{place}|{group}") else out.withheld).append(cell)
        out.same_as[cell] = (populations.POPULATION, own, list(atoms))
    if out.withheld:
        out.linked.append(pop)
    return out


def question_mask(survey, question: str, query: str | None) -> Mask:
    """The one mask of a select-one question: answers by country, with the pooled column.

    Every analysis of the question (its frequencies, a rating battery's groups, the
    synthesis's breakdown by country) reads this mask, computed once per process. Its bases
    are published or withheld as the bases' mask decides (:func:`population_mask`).
    """
    data = population(survey.eligible, query)

    def compute() -> Mask:
        codes = survey.instrument.codes(question)
        if question == COUNTRY_QUESTION:
            # The countries by country are a diagonal: each answer is its own place. The one
            # pooled column holds all there is to publish, with one leaf per country instead
            # of a square of places by countries (whose size grows with the square of the
            # number of countries, and the search with its cube).
            pooled = pd.Series(POOLED, index=data.index, name="country")
            counts = _count_table(data[question], pooled, codes, [POOLED])
            # Each country's count is its eligible respondents: all the atoms of its bases.
            atoms = list(populations.structure(survey.instrument, load_specs()).atoms)
            present = _countries(survey)
            same_as = {f"{POOLED}|{c}": (populations.POPULATION, [c], atoms) for c in present}
            same_as[f"{POOLED}|*"] = (populations.POPULATION, present, atoms)
            return disclosure.suppress(disclosure.layout(question, counts, pooled=False, same_as=same_as))
        return _protect(survey, ("single", question, None, query, False), *_question_layout(survey, question, query))

    return cached_for_frame(data, "mask", f"single:{question}", compute)


def _question_layout(survey, question: str, query: str | None) -> tuple[disclosure.Layout, _Ties]:
    data = population(survey.eligible, query)
    places = _countries(survey)
    counts = _count_table(data[question], data["country"], survey.instrument.codes(question), places)
    ties = _base_ties(survey, populations.Base(query, question), places, counts)
    combos = _combinations(question)
    lay = disclosure.layout(question, counts, groups={**_groups(question), **combos}, first=list(combos),
                            published=ties.published, withheld=ties.withheld, same_as=ties.same_as,
                            combined=_combined(counts, combos))
    return lay, ties


def _combined(counts: pd.DataFrame, combos: dict[str, list[str]]) -> list[str]:
    """The parts of each declared combination at the places where one part is small (1 to t-1).

    There the combination replaces its parts: a small answer is combined with its neighbours
    before anything is withheld. Each place is judged on its own counts (the pooled place on
    the pooled ones), so a country's table depends on its rows alone.
    """
    t = disclosure.settings().threshold
    cells = []
    for members in combos.values():
        members = [m for m in members if m in counts.index]
        small = [p for p in counts.columns if any(1 <= int(counts.at[m, p]) < t for m in members)]
        pooled = counts.loc[members].sum(axis=1)
        # The pooled column combines where it is small itself, or where exactly one country
        # combines: the others' parts are printed, so the pooled parts would give that country's
        # back. With several countries combining, the rule decides the pooled parts as any cell.
        if len(small) == 1 or any(1 <= int(v) < t for v in pooled):
            small.append(POOLED)
        cells += [f"{place}|{m}" for place in small for m in members]
    return cells


TableKey = tuple[str, str, str | None, str | None, bool]  # kind, question, option, population, whole population


def _protect(survey, key: TableKey, lay: disclosure.Layout, ties: _Ties) -> Mask:
    """A table's mask: alone where its base is published everywhere, else from the chain.

    A table of no analysis (a notebook's) on a withheld base is protected with the whole chain.
    """
    if not ties.withheld:
        return disclosure.suppress(lay)
    chain = _withheld_chain(survey)
    if key in chain:
        return chain[key]
    return disclosure.suppress(lay, linked=[population_mask(survey), *chain.values()])


def analysis_population(question: str) -> str | None:
    """The population the analyses ask ``question`` of (the first analysis of it), or None."""
    for analysis_id, spec_ in load_specs().items():
        if analysis_id != "bands" and _asks(spec_, question):
            return spec_.get("population")
    return None


def _tables_in_order(survey) -> list[TableKey]:
    """Every table of the analyses whose base is a sub-population, in the order of ``params/analyses.yml``."""
    keys: list[TableKey] = []
    for analysis_id, spec_ in load_specs().items():
        if analysis_id == "bands":
            continue
        kind, query = spec_.get("kind"), spec_.get("population")
        if kind == "compare_multi":
            for group, question in spec_["questions"].items():
                keys += [("multi", question, c, spec_["populations"][group], True)
                         for c in survey.instrument.codes(question)]
        elif kind == "ratings":
            keys += [("single", q, None, query, False) for q in spec_["questions"]]
        elif kind == "single" and spec_["question"] != COUNTRY_QUESTION:
            keys.append(("single", spec_["question"], None, query, False))
        elif kind == "multi":
            keys += [("multi", spec_["question"], c, query, False) for c in survey.instrument.codes(spec_["question"])]
        elif kind == "numeric":
            keys.append(("numeric", analysis_id, None, query, False))
    return list(dict.fromkeys(keys))


def _withheld_chain(survey) -> dict[TableKey, Mask]:
    """The masks of every table resting on a base the bases' mask withholds somewhere.

    They are protected together with the bases' mask, one after the other in a fixed order
    (``params/analyses.yml``), each with every one before it: two tables on one withheld base
    each give a sum of their own cells for it, and only together do they say what the
    attacker learns. The order and the set depend on the analyses, not on which table a run
    asks for first, so every run gets the same masks.
    """
    def compute() -> dict[TableKey, Mask]:
        done: dict[TableKey, Mask] = {}
        pop = population_mask(survey)
        for key in _tables_in_order(survey):
            kind, question, code, query, whole = key
            if kind == "single":
                lay, ties = _question_layout(survey, question, query)
            elif kind == "multi":
                lay, ties = _option_layout(survey, question, code, query, whole)
            else:
                lay, ties = _numeric_layout(survey, spec(question))
            if ties.withheld:
                done[key] = disclosure.suppress(lay, linked=[pop, *done.values()])
        return done

    return cached_for_frame(survey.eligible, "mask", "withheld-chain", compute)


def _band_counts(values: pd.Series, countries: pd.Series, bands: list[tuple], places: list[str]) -> pd.DataFrame:
    columns = {}
    for place in places:
        freq = stats.slider_bands(values[countries == place], bands)
        columns[place] = freq["n"].astype(int)
    return pd.DataFrame(columns).reindex(columns=places)


def numeric_mask(survey, spec_: dict) -> Mask:
    """The one mask of a slider: its bands by country, with its named thresholds as groups.

    A threshold must fall on a band boundary, so that it is a sum of bands (checked on the
    data). A threshold listed in ``bases_elsewhere`` counts the respondents of another
    population (the base of other analyses): it is tied to that base in the bases' mask, as
    the slider's own base is.
    """
    question = spec_["question"]
    data = population(survey.eligible, spec_.get("population"))
    analysis_id = next(k for k, v in load_specs().items() if v is spec_ or v == spec_)

    def compute() -> Mask:
        key = ("numeric", analysis_id, None, spec_.get("population"), False)
        return _protect(survey, key, *_numeric_layout(survey, spec_))

    return cached_for_frame(data, "mask", f"numeric:{question}", compute)


def _numeric_layout(survey, spec_: dict) -> tuple[disclosure.Layout, _Ties]:
    question, query = spec_["question"], spec_.get("population")
    data = population(survey.eligible, query)
    places = _countries(survey)
    values = pd.to_numeric(data[question], errors="coerce")
    keep = values.notna()
    if spec_.get("bands"):
        bands = [tuple(b) for b in load_specs()["bands"][spec_["bands"]]]
        counts = _band_counts(values[keep], data.loc[keep, "country"], bands, places)
    else:
        bands = []
        counts = pd.DataFrame([values[keep].groupby(data.loc[keep, "country"]).size()
                               .reindex(places, fill_value=0).astype(int)], index=["answered"])
    groups = {}
    for name, cut in (spec_.get("thresholds") or {}).items():
        members = [b[0] for b in bands if b[1] > cut]
        straddle = [b[0] for b in bands if b[1] <= cut < b[2]]
        if straddle or not bands:
            raise ValueError(f"{question}: threshold {name!r} ({cut}) does not fall on a band boundary")
        groups[name] = members
    ties = _base_ties(survey, populations.Base(query, question), places, counts)
    for name, elsewhere in (spec_.get("bases_elsewhere") or {}).items():
        more = _base_ties(survey, populations.Base(elsewhere, None), places, counts,
                          cells={p: f"{p}|{name}" for p in [*places, POOLED]})
        ties = _Ties(ties.published + more.published, ties.withheld + more.withheld,
                     {**ties.same_as, **more.same_as}, ties.linked or more.linked)
    combos = {name: list(combo["members"]) for name, combo in (spec_.get("combine") or {}).items()}
    lay = disclosure.layout(question, counts, groups={**groups, **combos}, first=list(combos),
                            published=ties.published, withheld=ties.withheld, same_as=ties.same_as,
                            combined=_combined(counts, combos))
    return lay, ties


def option_mask(survey, question: str, code: str, query: str | None, whole_population: bool = False) -> Mask:
    """The one mask of one option of a select-multiple question: ticked or not, by country.

    Only "ticked" is ever printed; "not ticked" is the base minus it, so it is a leaf too
    (a multi-select option is protected against its own base). The base is the respondents
    who answered the question, or with ``whole_population`` everyone in the population (a
    missing answer counted as not ticked, as the two-population comparison counts it); it
    is published or withheld as the bases' mask decides.
    """
    data = population(survey.eligible, query)

    def compute() -> Mask:
        key = ("multi", question, code, query, whole_population)
        return _protect(survey, key, *_option_layout(survey, question, code, query, whole_population))

    return cached_for_frame(data, "mask", f"multi:{question}:{code}:{whole_population}", compute)


def _option_layout(survey, question: str, code: str, query: str | None,
                   whole_population: bool) -> tuple[disclosure.Layout, _Ties]:
    data = population(survey.eligible, query)
    column = data[f"{question}/{code}"].astype("boolean")
    if whole_population:
        column = column.fillna(False)
    answered = column.notna()
    ticked = column[answered].astype(bool).map({True: "yes", False: "no"})
    places = _countries(survey)
    counts = _count_table(ticked, data.loc[answered, "country"], ["yes", "no"], places)
    ties = _base_ties(survey, populations.Base(query, question, whole_population), places, counts)
    lay = disclosure.layout(f"{question}.{code}", counts, shown=["yes"], published=ties.published,
                            withheld=ties.withheld, same_as=ties.same_as)
    return lay, ties


OUTSIDE = "~outside"   # a crosstab's row of the respondents its question's base leaves out
NO_ANSWER = "~none"    # a crosstab's column of the respondents who did not answer its grouping
ANSWERED = "answered"  # a crosstab's group of the rows its question's base counts


def breakdown_mask(survey, question: str, code: str | None, by: str, query: str | None, place: str = ALL) -> Mask:
    """Answers (or one option) by another question's groups, linked to the country masks.

    Args:
        survey: the validated survey.
        question: the question whose answers are the rows.
        code: one option of a select-multiple ``question`` (rows: ticked or not), or None.
        by: the select-one question whose groups are the columns.
        query: the population (a pandas query on the eligible completes) of ``question``'s
            own tables, or None.
        place: the respondents of one country (its ISO3 code), or ``ALL`` for every country.

    Returns:
        The mask, over every eligible respondent of the place: the question's answers, and a
        row (never printed) of those its base leaves out; a column per group, and one (never
        printed) of those who did not answer ``by``. Its "all groups" cells are the place's
        cells in the question's own mask, each group's total is that group's cell in the
        grouping question's mask, and the question's base is the bases' mask's cell: whatever
        those withhold is withheld here, whatever they publish stays published, so no
        difference between this table and theirs (nor between a group and the part of it the
        question counts) reveals a withheld count. Shares are of a group's ``answered`` cell.
    """
    data = survey.eligible if place == ALL else _country_rows(survey.eligible, place)
    own = _own(place)
    # The question's own tables are those of its analysis: on its population.
    query = query if query is not None else analysis_population(question)

    def compute() -> Mask:
        instrument = survey.instrument
        main = question_mask(survey, question, query) if code is None else option_mask(survey, question, code, query)
        key, atoms = populations.base_of(instrument, load_specs(),
                                         populations.Base(query, question) if code is None
                                         else populations.Base(query, question))
        inside = population(data, query) if query else data
        member = pd.Series(False, index=data.index)
        if code is None:
            member[inside.index[inside[question].notna()]] = True
            rows = pd.Series(np.where(member, data[question].astype(object), OUTSIDE), index=data.index)
            categories = [*main.layout.categories, OUTSIDE]
        else:
            column = inside[f"{question}/{code}"].astype("boolean")
            member[column.index[column.notna()]] = True
            ticked = data[f"{question}/{code}"].astype("boolean")
            rows = pd.Series(np.where(member, np.where(ticked.fillna(False), "yes", "no"), OUTSIDE), index=data.index)
            categories = ["yes", "no", OUTSIDE]
        groups = [g for g in instrument.codes(by) if (data[by] == g).any()]
        columns = data[by].where(data[by].notna(), NO_ANSWER)
        if (columns == NO_ANSWER).any():
            groups.append(NO_ANSWER)
        counts = _count_table(rows, columns, categories, groups)
        if not counts.loc[OUTSIDE].any() and key == populations.EVERYONE:
            counts = counts.drop(index=OUTSIDE)
        shown = [c for c in categories if c != OUTSIDE and (code is None or c == "yes")]
        inner = [c for c in categories if c != OUTSIDE]
        by_mask = question_mask(survey, by, None)
        pop = population_mask(survey)
        published, withheld, same_as = ["*|*"], [], {}
        universe = f"{main.universe}/{by}" + ("" if place == ALL else f"@{place}")
        main_places = list(main.layout.places) if place == ALL else [place]
        for category in shown:
            cell = f"*|{category}"
            (published if main.shown(f"{own}|{category}") else withheld).append(cell)
            same_as[cell] = (main.universe, main_places, [str(category)])
        base_cell = f"*|{ANSWERED}" if OUTSIDE in counts.index else "*|*"
        (published if main.shown(f"{own}|*") else withheld).append(base_cell)
        same_as[base_cell] = (populations.POPULATION, main_places, list(atoms))
        for group in groups:
            if group != NO_ANSWER:
                (published if by_mask.shown(f"{own}|{group}") else withheld).append(f"{group}|*")
                same_as[f"{group}|*"] = (by_mask.universe, main_places, [group])
        lay = disclosure.layout(universe, counts, shown=shown, published=sorted(set(published)),
                                withheld=sorted(set(withheld) - set(published)), same_as=same_as,
                                groups={ANSWERED: inner} if OUTSIDE in counts.index else None)
        group = "*" if key == populations.EVERYONE else key
        # The groups are not places of their own: the table is decided as one, with the place's
        # part of the bases' mask where its base is withheld (a national table reads no other
        # country's rows).
        linked = [] if pop.shown(f"{own}|{group}") else [pop if place == ALL else pop.restricted(place)]
        return disclosure.suppress(lay, linked=linked, by_place=False)

    return cached_for_frame(data, "mask", f"by:{question}:{code}:{by}:{query}", compute)


def share_base(mask: Mask, group: str) -> str:
    """The cell a crosstab's share of ``group`` is taken on: the group's respondents its question counts."""
    cell = f"{group}|{ANSWERED}"
    return cell if cell in mask.layout.cells else f"{group}|*"


def crosstab(survey, question: str, by: str, country: str, place_names: dict[str, str], *,
             name: str | None = None, test: str | None = None) -> Result:
    """A crosstab written in a notebook: answers to ``question`` by the groups of ``by``.

    It is computed among the report's respondents (one country, or every country for the
    synthesis) and published through the same kind of mask as every analysis, linked to the
    masks of ``question`` and ``by`` (:func:`breakdown_mask`): its table, figure, sentences and
    recorded values read that one mask. A select-multiple ``question`` gives one row per
    option (the share of each group who ticked it); a select-one question one row per answer.

    Args:
        survey: the validated survey.
        question: a question of the form (select-one or select-multiple).
        by: a select-one question of the form (the columns).
        country: the report: an ISO3 code or ``ALL``.
        place_names: display names of the places.
        name: the recorded values' prefix (default ``<question>_by_<by>``): the values are
            ``NAME.ANSWER.GROUP.n`` and ``.pct``, and ``NAME.ANSWER.all.n``.
        test: ``"chi2"`` for Pearson's chi-square test of independence on the full table
            (withheld, like a cell, when its table has a withheld cell).

    Returns:
        The result: ``table`` (groups' n (%) and all groups), ``shares`` (answers x groups, NaN
        where withheld), ``values``, ``withheld`` (in memory only), ``context`` (a Cell per
        ``ANSWER.GROUP`` recorded name, for sentences) and ``test``.

    Raises:
        KeyError: an unknown question.
        ValueError: ``by`` is not a select-one question, or ``test`` is not ``"chi2"``.
    """
    instrument = survey.instrument
    name = name or f"{question}_by_{by}"
    for asked in (question, by):
        if asked not in instrument.questions:
            raise KeyError(f"crosstab: {asked!r} is not a question of the form")
    if instrument[by].type != "select_one":
        raise ValueError(f"crosstab: group by a select-one question; {by!r} is {instrument[by].type}")
    if test not in (None, "chi2"):
        raise ValueError(f"crosstab: test must be 'chi2' or None, not {test!r}")
    result = Result(name, country)
    multi = instrument[question].type == "select_multiple"
    codes = instrument.codes(question)
    # Every eligible complete: a crosstab of a sub-population would leave its complement to be
    # found by subtraction from the question's own tables, which nothing here links to it.
    rows = {c: breakdown_mask(survey, question, c, by, None, country) for c in codes} if multi \
        else dict.fromkeys(codes, breakdown_mask(survey, question, None, by, None, country))
    cell_of = (lambda code, group: f"{group}|yes") if multi else (lambda code, group: f"{group}|{code}")
    any_mask = next(iter(rows.values()))
    groups = [g for g in any_mask.layout.places if g != NO_ANSWER]
    labels, group_labels = instrument.choice_labels(question), instrument.choice_labels(by)
    # A count and its share in columns of their own: a share whose base is withheld can leave
    # its count publishable, and each is shown as the mask says. A share is of the group's
    # respondents that the question counts (its own base within the group).
    columns: dict[tuple[str, str], dict[str, disclosure.Entry]] = {}
    for group in [*groups, POOLED]:
        heading = group_labels.get(group, group) if group != POOLED else place_names[country]
        of = share_base(any_mask, group)
        columns[(heading, "n")] = {labels.get(c, c): rows[c].n(cell_of(c, group)) for c in codes}
        columns[(heading, "%")] = {labels.get(c, c): rows[c].pct(cell_of(c, group), of=share_base(rows[c], group))
                                   for c in codes}
        columns[(heading, "n")]["Respondents"] = any_mask.base_n(of)
        columns[(heading, "%")]["Respondents"] = disclosure.text("")
    result.table = disclosure.table(columns)
    result.shares = pd.DataFrame({group_labels.get(g, g): [rows[c].share(cell_of(c, g), of=share_base(rows[c], g))
                                                           for c in codes] for g in groups},
                                 index=[labels.get(c, c) for c in codes], dtype=float)
    result.base = any_mask.count(share_base(any_mask, POOLED))
    for code in codes:
        for group in groups:
            cell, of = cell_of(code, group), share_base(rows[code], group)
            result.record_cell(rows[code], cell, f"{code}.{group}.n")
            result.record_cell(rows[code], cell, f"{code}.{group}.pct", "percent", of=of)
            result.context[f"{name}.{code}.{group}"] = Cell(rows[code], cell, of)
        result.record_cell(rows[code], cell_of(code, POOLED), f"{code}.all.n")
        result.context[f"{name}.{code}.all"] = Cell(rows[code], cell_of(code, POOLED), share_base(rows[code], POOLED))
    if test == "chi2":
        inner = ["yes", "no"] if multi else [c for c in any_mask.layout.categories if c != OUTSIDE]
        counts = (pd.DataFrame({c: rows[c].layout.counts.loc["yes", groups] for c in codes}).T if multi
                  else any_mask.layout.counts.loc[inner, groups])
        result.test = stats.chi_square(counts)
        _record_test(result, "chi2", list({id(m): m for m in rows.values()}.values()))
    return result


# --------------------------------------------------------------------------- tables
def _place_columns(mask: Mask, cells: list[str], labels: dict[str, str], places: dict[str, str],
                   base_label: str = "Respondents") -> disclosure.PublishedTable:
    """A frequency table: for each place, an n and a % column; a row of bases."""
    columns: dict[tuple[str, str], dict[str, disclosure.Entry]] = {}
    for place, name in places.items():
        n_col = {labels.get(c, c): mask.n(f"{place}|{c}") for c in cells}
        p_col = {labels.get(c, c): mask.pct(f"{place}|{c}") for c in cells}
        n_col[base_label] = mask.base_n(f"{place}|*")
        p_col[base_label] = disclosure.text("")
        columns[(name, "n")] = n_col
        columns[(name, "%")] = p_col
    return disclosure.table(columns)


def _place_map(country: str, names: dict[str, str], survey=None, mask: Mask | None = None) -> dict[str, str]:
    """Mask place -> column name: the report's own country, then the pooled picture.

    With one country in the data, a national report has no pooled column: it would repeat
    the country's own. Nor has it one where the table's population holds no respondent of
    another country (``mask``: the table's; the others' count is then zero, which may be
    published): a report never sets its country beside a figure that is its own by construction.
    """
    if country == ALL:
        return {POOLED: names[ALL]}
    if survey is not None and not pooled_shown(survey):
        return {country: names[country]}
    if mask is not None and mask.layout.value(f"{POOLED}|*") == mask.layout.value(f"{country}|*"):
        return {country: names[country]}
    return {country: names[country], POOLED: names[ALL]}


def pooled_shown(survey) -> bool:
    """Whether a national report shows the pooled picture beside its country (more than one country)."""
    return len(_countries(survey)) > 1


def _rows_of(mask: Mask, question: str) -> list[str]:
    """A select-one table's rows: its answers (an empty one left out where asked), each combination after its parts."""
    codes = [c for c in mask.layout.categories
             if not (_drop_empty(question) and mask.count(f"{POOLED}|{c}") == 0)]
    for name, members in _combinations(question).items():
        last = max(codes.index(m) for m in members if m in codes) if any(m in codes for m in members) else len(codes) - 1
        codes.insert(last + 1, name)
    return codes


def combination_labels(question: str) -> dict[str, str]:
    """The label of each combination of a question's small categories (``combine`` in its analyses)."""
    return {str(name): str(combo["label"]) for analysis_id, spec_ in load_specs().items()
            if analysis_id != "bands" and _asks(spec_, question) and spec_.get("kind") != "numeric"
            for name, combo in (spec_.get("combine") or {}).items()}


def combination_label_texts() -> tuple[str, ...]:
    """Every declared combination's label that holds words (``combine`` in ``params/analyses.yml``).

    The rows these labels head are words a translated table looks up in its catalogue.
    """
    return tuple(dict.fromkeys(str(combo["label"]) for analysis_id, spec_ in load_specs().items()
                               if analysis_id != "bands" for combo in (spec_.get("combine") or {}).values()
                               if any(ch.isalpha() for ch in str(combo["label"]))))


def _asks(spec_: dict, question: str) -> bool:
    """Whether an analysis counts the answers to ``question`` (its one question, or one of a battery's)."""
    return spec_.get("question") == question or (spec_.get("kind") == "ratings"
                                                 and question in (spec_.get("questions") or []))


def combination_notes(question: str, labels: dict[str, str]) -> list[str]:
    """The table note saying which categories are also shown combined, and why."""
    notes = []
    for name, members in _combinations(question).items():
        notes.append(combination_note(combination_labels(question)[name], [labels.get(m, m) for m in members]))
    return notes


def combination_note(label: str, parts: list[str]) -> str:
    """The note of one declared combination: what it counts together."""
    listed = locales.join([f"'{p}'" for p in parts], "en")
    return f"'{label}' counts {listed} together."


def _shares(mask: Mask, cells: list[str], labels: dict[str, str], places: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame({name: [mask.share(f"{place}|{c}") for c in cells] for place, name in places.items()},
                         index=[labels.get(c, c) for c in cells], dtype=float)
    return frame


# --------------------------------------------------------------------------- rankings for sentences
def _english_labels(survey, question: str) -> dict[str, str]:
    """A select question's English answer labels (the catalogue's keys), whatever the report's language."""
    instrument = survey.instrument
    return {choice.name: choice.label for choice in instrument.choices[instrument[question].list_name or ""]}


def _compared(spec_: dict, codes: Sequence[str]) -> list[str]:
    """The answers a sentence compares: ``rank:`` (else every answer), less ``exclude:``."""
    chosen = [str(c) for c in spec_.get("rank") or codes]
    unknown = sorted(set(chosen) - set(codes))
    if unknown:
        raise ValueError(f"rank: {unknown} are not answers of the analysis; known: {list(codes)}")
    return [c for c in chosen if c not in {str(e) for e in spec_.get("exclude") or []}]


def _rank(result: Result, ranking: Ranking) -> None:
    """Give a result's sentence its ``{top}``, ``{then}`` and ``{ranked}`` fields."""
    result.context.update({role: ranking.field(role) for role in ("top", "then", "ranked")})


def single_ranking(survey, spec_: dict, mask: Mask, question: str, own: str) -> Ranking:
    """A single-choice question's answers ranked at a place (``own``: a country, or ``*`` pooled).

    One answer each: a withheld answer holds at most what the published answers leave, and at
    most what its combination holds beyond its published parts where the combination is shown.
    """
    codes = survey.instrument.codes(question)
    labels, english = survey.instrument.choice_labels(question), _english_labels(survey, question)
    answers = [Answer(c, labels[c], english.get(c, labels[c]), Cell(mask, f"{own}|{c}"), k)
               for k, c in enumerate(codes) if c in _compared(spec_, codes)]
    shares = {c: mask.share(f"{own}|{c}") for c in codes}
    rest = 100.0 - sum(s for s in shares.values() if s is not None)
    members = _combinations(question)
    names = combination_labels(question)
    bounds = {c: rest for c in codes if shares[c] is None}
    combos = []
    for name, parts in members.items():
        cell = Cell(mask, f"{own}|{name}")
        order = max(codes.index(p) for p in parts) + 0.5
        combos.append(Answer(name, names[name], names[name], cell, order, words=True))
        if cell.percent is not None:
            beyond = cell.percent - sum(shares[p] or 0.0 for p in parts)
            bounds.update({p: min(bounds[p], beyond) for p in parts if p in bounds})
    return Ranking(answers, combos, members, bounds, spec_.get("list"))



# --------------------------------------------------------------------------- kinds
def _single(result: Result, spec_: dict, survey, place_names: dict[str, str]) -> None:
    question = spec_["question"]
    mask = question_mask(survey, question, spec_.get("population"))
    labels = {**survey.instrument.choice_labels(question), **combination_labels(question)}
    codes = _rows_of(mask, question) if question != COUNTRY_QUESTION else list(mask.layout.categories)
    own = _own(result.country)
    places = _place_map(result.country, place_names, survey, mask)
    result.table = _place_columns(mask, codes, labels, places)
    # The chart draws what the table shows: a combination of small answers is a bar of its own.
    result.shares = _shares(mask, codes, labels, places)
    result.base = mask.count(f"{own}|*")
    result.context.update({code: Cell(mask, f"{own}|{code}") for code in codes})
    result.record_cell(mask, f"{own}|*", "base")
    for code in codes:
        result.record_cell(mask, f"{own}|{code}", f"{code}.n")
        result.record_cell(mask, f"{own}|{code}", f"{code}.pct", "percent")
    if result.country != ALL and POOLED in places:
        for code in codes:
            result.record_cell(mask, f"{POOLED}|{code}", f"{code}.pct", "percent", country=ALL)
    result.notes_extra = combination_notes(question, labels)
    result.context["_mask"] = mask
    if question == COUNTRY_QUESTION:
        result.context.update(country_fields(result.context, place_names))
    else:
        _rank(result, single_ranking(survey, spec_, mask, question, own))


# The question whose answers are the study's countries (its choices come from params/study.yml).
COUNTRY_QUESTION = "country"


def country_fields(cells: dict[str, Any], names: dict[str, str], say: Callable[..., str] | None = None,
                   plural: Callable[[str, int], str] | None = None, lang: str = "en") -> dict[str, Any]:
    """``{countries}`` and ``{by_country}`` for a sentence on the country question.

    Args:
        cells: the analysis's narrative cells, ISO3 -> :class:`Cell` (others ignored).
        names: ISO3 -> the country's name in the report's language.
        say: fills a template in the report's language (default: English ``str.format``).
        plural: a country-set phrase for a count in that language (default: English).
        lang: the language whose list pattern joins the items (CLDR).

    Returns:
        ``countries``: how many countries have answers ("26 countries");
        ``by_country``: each one's count, the largest first (the study's order between equal
        counts), "91 in Mexico, ..., and 49 in Bosnia and Herzegovina". Both are :data:`WITHHELD` when a count is withheld, so that the
        sentence holding them is dropped.
    """
    say = say or (lambda template, **fields: template.format(**fields))
    plural = plural or (lambda key, n: locales.render_count(locales.COUNT_PHRASES[key], n))
    found = []
    for order, country in enumerate(load_study().countries):
        cell = cells.get(country.iso3)
        if not isinstance(cell, Cell) or cell.count == 0:
            continue
        if cell.hidden:
            return {"countries": WITHHELD, "by_country": WITHHELD}
        found.append((-cell.count, order, say("{n} in {country}", n=cell.n, country=names.get(country.iso3, country.name))))
    # A list in the order of its numbers: the most respondents first (the study's order breaks a tie).
    items = [text for _, _, text in sorted(found)]
    return {"countries": plural("{count} countries", len(items)), "by_country": locales.join(items, lang)}


def _multi(result: Result, spec_: dict, survey, place_names: dict[str, str]) -> None:
    question = spec_["question"]
    query = spec_.get("population")
    codes = spec_.get("options") or survey.instrument.codes(question)
    labels = survey.instrument.choice_labels(question)
    masks = {code: option_mask(survey, question, code, query) for code in codes}
    own = _own(result.country)
    shown = list(codes)
    if spec_.get("top"):
        # Rank by the pooled picture so a national report shows the same options as the synthesis.
        pooled = pd.Series({c: masks[c].withheld_value("*|yes") for c in codes})
        shown = list(pooled.sort_values(ascending=False, kind="stable").index[: spec_["top"]])
    places = _place_map(result.country, place_names, survey, next(iter(masks.values())))
    columns: dict[tuple[str, str], dict[str, disclosure.Entry]] = {}
    shares = {}
    for place, name in places.items():
        columns[(name, "n")] = {labels.get(c, c): masks[c].n(f"{place}|yes") for c in shown}
        columns[(name, "%")] = {labels.get(c, c): masks[c].pct(f"{place}|yes") for c in shown}
        first = masks[shown[0]] if shown else next(iter(masks.values()))
        columns[(name, "n")]["Respondents"] = first.base_n(f"{place}|*")
        columns[(name, "%")]["Respondents"] = disclosure.text("")
        shares[name] = [masks[c].share(f"{place}|yes") for c in shown]
    result.table = disclosure.table(columns)
    result.shares = pd.DataFrame(shares, index=[labels.get(c, c) for c in shown], dtype=float)
    any_mask = next(iter(masks.values()))
    result.base = any_mask.count(f"{own}|*")
    result.record_cell(any_mask, f"{own}|*", "base")
    for code in codes:
        result.context[code] = Cell(masks[code], f"{own}|yes")
        result.record_cell(masks[code], f"{own}|yes", f"{code}.n")
        result.record_cell(masks[code], f"{own}|yes", f"{code}.pct", "percent")
        if result.country != ALL and POOLED in places:
            result.record_cell(masks[code], f"{POOLED}|yes", f"{code}.pct", "percent", country=ALL)
    result.context["_masks"] = masks
    # Several answers each: a withheld option could hold any share, so none leads past it.
    english = _english_labels(survey, question)
    compared = _compared(spec_, codes)
    _rank(result, Ranking([Answer(c, labels.get(c, c), english.get(c, c), result.context[c], k)
                           for k, c in enumerate(codes) if c in compared], limit=spec_.get("list")))


def _numeric(result: Result, spec_: dict, survey, place_names: dict[str, str]) -> None:
    question = spec_["question"]
    mask = numeric_mask(survey, spec_)
    data = population(survey.eligible, spec_.get("population"))
    own = _own(result.country)
    places = _place_map(result.country, place_names, survey, mask)
    result.base = mask.count(f"{own}|*")
    result.record_cell(mask, f"{own}|*", "base")
    means = {}
    shown_at = means_shown(mask)
    for place in places:
        rows = data if place == POOLED else _country_rows(data, place)
        values = pd.to_numeric(rows[question], errors="coerce").dropna()
        means[place] = float(values.mean()) if shown_at[place] and len(values) else None
    mean = means[own]
    result.context["mean"] = WITHHELD if mean is None else fmt.fmt_number(mean, 0)
    result.record("mean", mean, n=result.base, suppressed=mean is None)
    if result.country != ALL and POOLED in places:
        result.record("mean", means[POOLED], n=mask.count("*|*"), country=ALL, suppressed=means[POOLED] is None)
    for name in spec_.get("thresholds") or {}:
        result.context[name] = Cell(mask, f"{own}|{name}")
        result.record_cell(mask, f"{own}|{name}", f"{name}.n")
        result.record_cell(mask, f"{own}|{name}", f"{name}.pct", "percent")
    if spec_.get("bands"):
        bands = load_specs()["bands"][spec_["bands"]]
        labels = {b[0]: f"{b[1]:g}-{b[2]:g}%" if b[1] != b[2] else f"{b[1]:g}%" for b in bands}
        combos = spec_.get("combine") or {}
        labels.update({name: str(combo["label"]) for name, combo in combos.items()})
        codes = [b[0] for b in bands]
        rows = list(codes)
        for name, combo in combos.items():
            rows.insert(max(rows.index(m) for m in combo["members"]) + 1, name)
        result.table = _place_columns(mask, rows, labels, places)
        result.shares = _shares(mask, rows, labels, places)
        result.context.update({code: Cell(mask, f"{own}|{code}") for code in rows})
        for code in rows:
            result.record_cell(mask, f"{own}|{code}", f"{code}.pct", "percent")
        result.notes_extra = [combination_note(str(combo["label"]), [labels[m] for m in combo["members"]])
                              for combo in combos.values()]
    else:
        columns = {}
        for place, name in places.items():
            shown_mean = means[place]
            columns[name] = {"Mean (%)": disclosure.text(disclosure.WITHHELD_MARK if shown_mean is None
                                                         else f"{shown_mean:.1f}"),
                             "Respondents": mask.base_n(f"{place}|*")}
        result.table = disclosure.table(columns)
        result.shares = None
        result.figure_kind = "means"
    result.context["_mask"] = mask


def means_shown(mask: Mask) -> dict[str, bool]:
    """Where a slider's mean may be published: place -> whether (the pooled place ``*`` too).

    A mean is published on at least ``threshold`` respondents, whether or not their count
    is (rule 4): a mean over fewer would describe a small group's answers. The pooled mean
    is published only when the places whose means are withheld hold, together, none or at
    least ``threshold`` respondents: otherwise the pooled mean and the others' means and
    counts would give the mean of that small group.
    """
    t = mask.threshold
    bases = {p: mask.layout.value(f"{p}|*") for p in mask.layout.places}
    shown = {p: n >= t for p, n in bases.items()}
    hidden = sum(n for p, n in bases.items() if not shown[p])
    shown[POOLED] = sum(bases.values()) >= t and (hidden == 0 or hidden >= t)
    return shown


def _ratings(result: Result, spec_: dict, survey, place_names: dict[str, str]) -> None:
    questions = spec_["questions"]
    own = _own(result.country)
    codes = survey.instrument.codes(questions[0])
    labels = survey.instrument.choice_labels(questions[0])
    sides = [s for s in ("bottom", "top") if spec_.get(s)]
    # A column names the answers it counts ("Poor or no action at all (%)"), never the side's code.
    headers = {side: f"{_answers_or([labels[c] for c in spec_[side]], result.lang)} (%)" for side in sides}
    places = _place_map(result.country, place_names, survey,
                        question_mask(survey, questions[0], spec_.get("population")))
    distribution = {}
    columns: dict[tuple[str, str], dict[str, disclosure.Entry]] = {}
    words = _sentence_words(result.analysis_id)
    answers = []
    for k, question in enumerate(questions):
        mask = question_mask(survey, question, spec_.get("population"))
        label = survey.instrument.label(question)
        fields = Fields({code: Cell(mask, f"{own}|{code}") for code in mask.layout.categories})
        distribution[label] = [mask.share(f"{own}|{code}") if code in mask.layout.categories else np.nan
                               for code in codes]
        for side in sides:
            cell = Cell(mask, f"{own}|{side}")
            fields[side] = cell
            fields[f"{side}_pct"] = cell.pct
            fields[f"{side}_pct_n"] = cell.pct_n
            result.record_cell(mask, f"{own}|{side}", f"{question}.{side}.pct", "percent")
            result.record_cell(mask, f"{own}|{side}", f"{question}.{side}.n")
            columns.setdefault((places[own], headers[side]), {})[label] = mask.pct(f"{own}|{side}", sign=False)
        for code in mask.layout.categories:
            result.record_cell(mask, f"{own}|{code}", f"{question}.{code}.pct", "percent")
        columns.setdefault((places[own], "Respondents"), {})[label] = mask.base_n(f"{own}|*")
        if POOLED in places and own != POOLED:
            for side in sides:
                result.record_cell(mask, f"{POOLED}|{side}", f"{question}.{side}.pct", "percent", country=ALL)
                columns.setdefault((places[POOLED], headers[side]), {})[label] = mask.pct(f"{POOLED}|{side}",
                                                                                          sign=False)
        result.context[question] = fields
        if result.base == 0:
            result.base = mask.count(f"{own}|*")
        if sides:
            answers.append(Answer(question, words.get(question, label), words.get(question, label),
                                  fields[sides[0]], k, words=question in words))
    shares = pd.DataFrame(distribution, index=[labels[c] for c in codes], dtype=float).T
    result.shares = shares
    result.figure_kind = "stacked"
    result.table = disclosure.table(columns)
    # Items of a battery rank by the share of the first side; a withheld one could hold any share.
    compared = _compared(spec_, questions)
    _rank(result, Ranking([a for a in answers if a.code in compared], limit=spec_.get("list")))


def _answers_or(labels: Sequence[str], lang: str) -> str:
    """Answers joined as the language joins alternatives ("Poor or no action at all")."""
    from babel.lists import format_list

    from .summary import inside_sentence

    words = [labels[0], *(inside_sentence(label) for label in labels[1:])]
    return format_list(list(words), style="or", locale=lang if locales.known_language(lang) else "en")


def _sentence_words(analysis_id: str) -> dict[str, str]:
    """A battery's items as they read inside a sentence (``labels:`` in ``params/summary.yml``), in English."""
    from .summary import option_labels

    return option_labels(analysis_id)


def _compare_multi(result: Result, spec_: dict, survey, place_names: dict[str, str]) -> None:
    groups = spec_["questions"]
    own = _own(result.country)
    first = next(iter(groups.values()))
    codes = survey.instrument.codes(first)
    labels = survey.instrument.choice_labels(first)
    masks = {group: {code: option_mask(survey, question, code, spec_["populations"][group], whole_population=True)
                     for code in codes} for group, question in groups.items()}
    columns: dict[tuple[str, str], dict[str, disclosure.Entry]] = {}
    shares = {}
    bases = {}
    for group in groups:
        name = group.capitalize()
        columns[(name, "n")] = {labels[c]: masks[group][c].n(f"{own}|yes") for c in codes}
        columns[(name, "%")] = {labels[c]: masks[group][c].pct(f"{own}|yes") for c in codes}
        shares[name] = [masks[group][c].share(f"{own}|yes") for c in codes]
        base_mask = masks[group][codes[0]]
        bases[group] = base_mask.count(f"{own}|*")
        for code in codes:
            result.context.setdefault(code, Fields())[group] = Cell(masks[group][code], f"{own}|yes")
            result.record_cell(masks[group][code], f"{own}|yes", f"{code}.{group}.pct", "percent")
            result.record_cell(masks[group][code], f"{own}|yes", f"{code}.{group}.n")
        result.record_cell(base_mask, f"{own}|*", f"{group}.base")
    if spec_.get("test") == "chi2" and result.country == ALL:
        tests = {}
        for code in codes:
            counts = {g: (masks[g][code].withheld_value("*|yes"), masks[g][code].withheld_value("*|*")) for g in groups}
            tab = pd.DataFrame({g: [k, n - k] for g, (k, n) in counts.items()}, index=["yes", "no"])
            test = stats.chi_square(tab)
            # The two-by-two table is the groups' pooled "yes" counts and bases.
            shown = all(masks[g][code].shown(cell) for g in groups for cell in ("*|yes", "*|*"))
            tests[labels[code]] = disclosure.text(fmt.fmt_test(test) if shown else disclosure.WITHHELD_MARK)
            extra = {"measure": "test", "cells": {"universe": sorted(masks[g][code].universe for g in groups),
                                                  "places": ["*"], "categories": ["yes", "no"]}}
            for part, value in (("stat", test.statistic), ("df", test.df), ("p", test.p)):
                name = f"{code}.chi2.{part}"
                if shown:
                    result.record(name, value, n=test.n if part == "stat" else None, **extra)
                else:
                    result.record(name, None, suppressed=True, **extra)
                    result.withheld[(f"{result.analysis_id}.{name}", result.country)] = value
        columns[("Test", "girls vs boys")] = tests
    result.table = disclosure.table(columns)
    result.shares = pd.DataFrame(shares, index=[labels[c] for c in codes], dtype=float)
    result.base = None if any(b is None for b in bases.values()) else sum(bases.values())
    # Groups named as the table's columns name them (fixed words a report translates).
    result.group_bases = {group.capitalize(): bases[group] for group in groups}
    result.base_text = "; ".join(f"{group.capitalize()} "
                                 f"{disclosure.WITHHELD_MARK if bases[group] is None else f'{bases[group]:,}'}"
                                 for group in groups)


def _breakdown(result: Result, spec_: dict, survey, place_names: dict[str, str], group_labels: dict[str, str]) -> None:
    """Synthesis only: categories by group (country or another question) and the test."""
    by = spec_["by"]
    question = spec_.get("question")
    query = spec_.get("population")
    data = population(survey.eligible, query)
    if spec_["kind"] == "numeric":
        mask = result.context["_mask"]
        values = pd.to_numeric(data[question], errors="coerce")
        keep = values.notna() & data[by].isin(list(mask.layout.places))
        groups = list(mask.layout.places)
        means = values[keep].groupby(data.loc[keep, by]).mean().reindex(groups)
        shown = means_shown(mask)
        for group in groups:
            result.record(f"{group}.mean", float(means[group]) if shown[group] else None,
                          n=mask.count(f"{group}|*"), country=ALL, suppressed=not shown[group])
        result.context["by"] = Fields({g: fmt.fmt_number(means[g], 0) if shown[g] else WITHHELD for g in groups})
        result.context["by_means"] = means.where(pd.Series({g: shown[g] for g in groups})).rename(index=group_labels)
        if spec_.get("test") == "anova":
            # Means and spreads, not counts: an F statistic pins no cell of respondents.
            result.test = stats.anova_oneway(values[keep], data.loc[keep, by])
            _record_test(result, "anova")
        return
    if spec_["kind"] == "multi":
        codes = spec_.get("options") or survey.instrument.codes(question)
        for code in codes:
            mask = (option_mask(survey, question, code, query) if by == "country"
                    else breakdown_mask(survey, question, code, by, query))
            groups = [g for g in mask.layout.places if g != NO_ANSWER]
            for group in groups:
                result.record_cell(mask, f"{group}|yes", f"{code}.{group}.pct", "percent", country=ALL,
                                   of=share_base(mask, group))
            if spec_.get("test") == "chi2":
                test = stats.chi_square(mask.layout.counts.loc[["yes", "no"], groups])
                shown = _record_test(result, "chi2", [mask], prefix=f"{code}.", test=test)
                result.context.setdefault("tests", Fields())[code] = fmt.fmt_test(test) if shown else WITHHELD
        return
    mask = (question_mask(survey, question, query) if by == "country"
            else breakdown_mask(survey, question, None, by, query))
    labels = {**survey.instrument.choice_labels(question), **combination_labels(question)}
    answers = [c for c in mask.layout.categories if c != OUTSIDE]
    codes = _rows_of(mask, question) if by == "country" else answers
    groups = [g for g in mask.layout.places if g != NO_ANSWER]
    columns = {}
    for group in groups:
        of = share_base(mask, group)
        column = {labels.get(c, c): mask.pct_n(f"{group}|{c}", of=of) for c in codes}
        column["Respondents"] = mask.base_n(of, style="n")
        columns[group_labels.get(group, group)] = column
    if by == "country" and len(groups) > load_study().many_countries:
        # Many countries: one row each (a table pages down; a column per country would
        # run off the page sideways).
        rows = {label: {group: column[label] for group, column in columns.items()} for label in
                [*(labels.get(c, c) for c in codes), "Respondents"]}
        result.tables["by_" + by] = disclosure.table(rows)
    else:
        result.tables["by_" + by] = disclosure.table(columns)
    result.context["by_safe_shares"] = pd.DataFrame(
        {group_labels.get(g, g): [mask.share(f"{g}|{c}", of=share_base(mask, g)) for c in answers] for g in groups},
        index=[labels.get(c, c) for c in answers], dtype=float)
    for code in codes:
        for group in groups:
            result.record_cell(mask, f"{group}|{code}", f"{code}.{group}.pct", "percent", country=ALL,
                               of=share_base(mask, group))
            result.record_cell(mask, f"{group}|{code}", f"{code}.{group}.n", country=ALL)
    if by != "country":
        # The pooled column of this table is the question's own pooled column: recorded
        # with the cells it shares with the country table, for the audit to join the two.
        for code in codes:
            result.record_cell(mask, f"{POOLED}|{code}", f"{code}.all.n", country=ALL)
    if spec_.get("test") == "chi2":
        result.test = stats.chi_square(mask.layout.counts.loc[answers, groups])
        _record_test(result, "chi2", [mask])


def test_publishable(masks: Iterable[Mask]) -> bool:
    """Whether a test over these masks' tables may be published.

    A test statistic is a function of every cell of its table: with the published margins,
    a statistic printed to two decimals has been shown to pin a withheld cell of 1 exactly
    (one table of counts fits both). So a test is published only when every cell and base
    of its table is published; otherwise it is withheld like the cells.
    """
    for mask in masks:
        lay = mask.layout
        for place in lay.places:
            for cell in [f"{place}|*", *(f"{place}|{c}" for c in lay.categories)]:
                if cell in lay.cells and not mask.shown(cell):
                    return False
    return True


def test_cells(masks: Sequence[Mask]) -> dict[str, Any]:
    """What a test's table counts, as a recorded value's ``cells`` (for the audit)."""
    lay = masks[0].layout
    return {"universe": lay.universe if len(masks) == 1 else sorted({m.universe for m in masks}),
            "places": list(lay.places), "categories": sorted({c for m in masks for c in m.layout.categories})}


def _record_test(result: Result, name: str, masks: Sequence[Mask] = (), prefix: str = "",
                 test: Any = None) -> bool:
    """Record a test's statistic, df and p; return whether it is published.

    The test is withheld when its table has a withheld cell. ``test`` defaults to
    ``result.test``.
    """
    test = result.test if test is None else test
    shown = test_publishable(masks)
    parts = {"stat": test.statistic}
    if hasattr(test, "df_between"):
        parts.update(df1=test.df_between, df2=test.df_within)
    else:
        parts["df"] = test.df
    parts["p"] = test.p
    extra = {"measure": "test", "cells": test_cells(masks)} if masks else {}
    for part, value in parts.items():
        full = f"{prefix}{name}.{part}"
        if shown:
            result.record(full, value, n=test.n if part == "stat" else None, country=ALL, **extra)
        else:
            result.record(full, None, n=None, country=ALL, suppressed=True, **extra)
            result.withheld[(f"{result.analysis_id}.{full}", ALL)] = value
    if test is result.test:
        result.test_withheld = not shown
    return shown


def run(analysis_id: str, survey, country: str, place_names: dict[str, str], lang: str = "en") -> Result:
    """Compute one analysis for one report (ISO3 or ALL).

    Args:
        analysis_id: A key of ``params/analyses.yml``.
        survey: The validated survey (``readers.SurveyData`` or its localised view).
        country: ISO3 code of a national report, or ``"ALL"`` for the synthesis.
        place_names: Display names of the places, ``"ALL"`` included.
        lang: The report's language (the words a table's header joins).

    Returns:
        The result; ``result.withheld`` maps (recorded name, country) to the true value of
        each recorded value the mask withholds, for in-process comparisons only.
    """
    spec_ = spec(analysis_id)
    result = Result(analysis_id, country, lang=lang)
    kind = spec_["kind"]
    if kind == "single":
        _single(result, spec_, survey, place_names)
    elif kind == "multi":
        _multi(result, spec_, survey, place_names)
    elif kind == "numeric":
        _numeric(result, spec_, survey, place_names)
    elif kind == "ratings":
        _ratings(result, spec_, survey, place_names)
    elif kind == "compare_multi":
        _compare_multi(result, spec_, survey, place_names)
    else:
        raise ValueError(f"analysis {analysis_id!r}: unknown kind {kind!r}")
    if spec_.get("by") and country == ALL:
        instrument: Instrument = survey.instrument
        group_labels = place_names if spec_["by"] == "country" else instrument.choice_labels(spec_["by"])
        _breakdown(result, spec_, survey, place_names, group_labels)
    masks = [t for t in [result.table, *result.tables.values()] if t is not None]
    settings = disclosure.settings()
    result.notes = [*disclosure.notes_for(masks, settings.threshold, settings.reliability_min_n), *result.notes_extra]
    result.context.pop("_mask", None)
    result.context.pop("_masks", None)
    return result
