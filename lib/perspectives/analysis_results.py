"""What one analysis publishes: the :class:`Result`, and the cells, rankings and sentences of its narrative.

Purpose
    The narrative reads its numbers from the one mask of each question: a :class:`Cell` prints
    a count and its share as the mask publishes them, or the withheld mark; :class:`Ranking`
    orders a question's answers by their published shares and says which leads only where
    the published numbers establish it; :func:`fill` fills a sentence template in the
    report's language and drops each sentence that would print a withheld number. Kept
    apart from the masks (:mod:`perspectives.analysis_masks`) and the kinds of analysis
    (:mod:`perspectives.analysis_kinds`), which build these from the data: nothing here
    reads the survey.

Inputs
    Masks (:class:`perspectives.disclosure.Mask`), templates from ``params/analyses.yml``.

Outputs
    :class:`Result`, :class:`Cell`, :class:`Fields`, :class:`Ranking`, :func:`fill` and the
    markers :data:`WITHHELD` and :data:`EMPTY`.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import disclosure, fmt, i18n, locales
from .disclosure import Mask
from .escape import markdown_text


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
    def about(self) -> str:
        """A share published only as an approximate figure (``80%``, to the nearest ten points), or the withheld mark.

        The small-cell rule publishes some pooled shares coarser than the tables print
        shares (``disclosure.share_digits``): a sentence says it as "about 80%", with the
        words of its own template, and the other fields (``pct``, ``pct_n``) read it as
        withheld, so that no sentence prints it as a whole percent.
        """
        found = self.mask.approximate(self.cell, self.of)
        if found is None or found[1] >= disclosure.SHARE_DIGITS:
            return WITHHELD
        return fmt.fmt_pct(*found)

    @property
    def rounded_to(self) -> str:
        """The points an approximate share is rounded to (``10``), or the withheld mark."""
        found = self.mask.approximate(self.cell, self.of)
        if found is None or found[1] >= disclosure.SHARE_DIGITS:
            return WITHHELD
        return f"{10 ** -found[1]:,}"

    @property
    def pct_n(self) -> str:
        """Percentage and count together (``12% (n = 31)``), or the withheld mark."""
        return self._with_n("{pct} (" + fmt.COUNT_FORM + ")")

    @property
    def pct_n_inner(self) -> str:
        """The same inside a sentence's own parentheses (``12%, n = 31``): never a pair inside a pair."""
        return self._with_n("{pct}, " + fmt.COUNT_FORM)

    def _with_n(self, form: str) -> str:
        share, count = self.percent, self.count
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
    combined: bool = False  # several answers of the form together, not bands of a scale: never ranked against one


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
        # A combination listed with single answers is no ranking ("all forms other than money" before
        # "money", which may still be the most common single answer): the shares are said plainly.
        self.combined = len(self.ranked) > 1 and any(a.combined for a in self.ranked)
        if self.combined:
            self.certain = False
        self.limit = limit

    def order(self, codes: Sequence[str]) -> list[str]:
        """The order a chart draws ``codes`` in: the one its sentence lists them in.

        The answers the sentence ranks come first, in the order of their published shares
        (:attr:`ranked`, the sentence's own list); the rest (withheld, given by nobody, or
        not compared) follow in the order ``codes`` gives them (the form's). One order for
        the sentence and its chart, computed here once.
        """
        first = [a.code for a in self.ranked if a.code in codes]
        return first + [c for c in codes if c not in first]

    def field(self, role: str) -> RankingField:
        """The narrative field of one role: ``top``, ``then`` or ``ranked``."""
        return RankingField(self, role)


@dataclass(frozen=True)
class RankingField:
    """A ranking as one field of a sentence; filled in the report's language by :func:`fill`.

    ``{shares}`` says the answers with their shares, without an order, where a combination is
    among them (and no other field does: a combination is never ranked against single answers).
    ``{top}`` is the leading answer (``.label``, ``.pct``, ``.pct_n``, ``.n``; several when tied,
    joined; a plural entry counts them), withheld unless the published numbers establish it.
    ``{then}`` continues a sentence about the leader with the next answers in the order of their
    shares (", followed by ..."), or nothing. ``{ranked}`` lists the answers in that order, two
    or more (with one, its sentence is left out: a list of one would read as plural).
    """

    ranking: Ranking
    role: str

    def bind(self, tr: i18n.Translator) -> Any:
        """The field's text in ``tr``'s language (escaped for Markdown)."""
        rank = self.ranking
        if self.role == "top":
            return _Top(rank, tr) if rank.certain else _WithheldTop()
        if self.role == "shares":
            return _shares(rank, tr) if rank.combined else WITHHELD
        if rank.combined:
            return WITHHELD
        items = rank.ranked if self.role == "ranked" else [a for a in rank.ranked if a not in rank.leaders]
        if rank.limit is not None:
            items = items[:max(0, rank.limit - (0 if self.role == "ranked" else len(rank.leaders)))]
        if self.role == "then" and not rank.certain:
            return WITHHELD
        listed = locales.join([f"{_label(a, tr)} ({a.cell.pct})" for a in items], tr.lang)
        if self.role == "ranked":
            # A list of one is no list: "in the order of their shares: X" leaves its sentence out,
            # with the note on withheld numbers where they are why the list is so short.
            return listed if len(items) > 1 else WITHHELD if rank.withheld else EMPTY
        if not items:
            return ""
        from .texts import Markdown, Texts

        return Texts(tr).text("sentences.followed_by", answers=Markdown(listed)) or ""


def _shares(rank: Ranking, tr: i18n.Translator) -> str:
    """The published answers with their shares, a combination marked as answers taken together; no order claimed."""
    from .texts import Markdown, Texts

    texts = Texts(tr)
    said = [f"{texts.text('sentences.combined_answer', answer=Markdown(_label(a, tr))) if a.combined else _label(a, tr)}"
            f" ({a.cell.pct})" for a in rank.ranked]
    listed = locales.join(said, tr.lang)
    total = rounded_total(rank.ranked)
    if total is None or total == 100:
        return listed
    # Every respondent is in one of the answers, yet their printed shares add up to 99 or 101:
    # said with the pointer to the definition of rounding, never by changing a printed share.
    return texts.text("sentences.rounded_shares", answers=Markdown(listed), share=fmt.fmt_pct(total))


def rounded_total(answers: list[Answer]) -> int | None:
    """What the answers' printed shares add up to, where the answers count every respondent of their base once.

    None where they do not (a withheld answer, answers left out, several answers each, or a
    share printed otherwise than as a whole percent): their shares then need not add up to 100.
    """
    if not answers or any(a.cell.count is None for a in answers):
        return None
    first = answers[0].cell
    base = first.mask.count(first.of or first.mask.base_of(first.cell))
    printed = [re.fullmatch(r"(\d+)%", a.cell.pct) for a in answers]
    if base is None or sum(a.cell.count for a in answers) != base or not all(printed):
        return None
    return sum(int(m.group(1)) for m in printed)


def _label(answer: Answer, tr: i18n.Translator) -> Label:
    """An answer's words inside a sentence, escaped for Markdown."""
    from .locales import inside_sentence

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
    return fmt.one_pair(tr.joined(" ".join(kept)))


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
        kept.append(fmt.opening("".join(out)))
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
    # The code of the report of every country together (a pooled value is recorded under it).
    synthesis: str
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
    # The order of the answers its sentence lists (None: no ranking, or a scale kept in its order).
    ranking: Ranking | None = None
    # The answers a stacked chart's segments are, code -> label in the form's order: their
    # colours follow it (perspectives.figures.answer_colours). Empty: the chart's columns are series.
    answers: dict[str, str] = field(default_factory=dict)

    def mark_not_drawn(self, codes: Iterable[str], items: Iterable[str] = ("",)) -> None:
        """Mark the recorded values of answers the result's chart does not draw (``drawn: false``).

        A sentence names only what its chart draws (:func:`perspectives.analysis_tables.recoded_for_chart`
        decides it): the summary and the recommendations' evidence leave such a value out, and say
        the combination the chart draws in its place. ``items``: the battery's questions whose
        answers these are (``""``: the analysis's own answers).
        """
        prefixes = tuple(f"{self.analysis_id}.{item}{'.' if item else ''}{code}." for item in items for code in codes)
        for value in self.values:
            if prefixes and str(value["name"]).startswith(prefixes):
                value["drawn"] = False

    def chart_rows(self, rows: dict[str, str]) -> list[str]:
        """A chart's row labels (``rows``: answer code -> label, in the form's order) in its sentence's order.

        A chart of answers is drawn in the order its sentence lists them (:meth:`Ranking.order`);
        an entry whose answers form a scale (``order: scale``) keeps the scale's order, and its
        caption says so.
        """
        codes = list(rows) if self.ranking is None else self.ranking.order(list(rows))
        return [rows[c] for c in codes]

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
        lang = tr.lang if tr else self.lang
        test = "" if self.test is None else WITHHELD if self.test_withheld else fmt.fmt_test(self.test, lang)
        return fill(template, note, translator=tr, place=place, base=base, test=test, **self.context)
