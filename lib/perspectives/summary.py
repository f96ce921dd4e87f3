"""The executive summary, in prose, from the values the section runs recorded.

Purpose
    From the values the other section runs of one report recorded (their ``values.json``,
    read by :func:`perspectives.report.read_upstream`), writes its executive
    summary: an opening paragraph, then one paragraph per heading of ``params/summary.yml``.
    A heading's ``topics`` are analyses whose options are ranked by their published shares
    (the order and the "most common" are computed from the data, never assumed; a list is in
    the order of its numbers); its ``findings`` are sentences of our own whose numbers are
    recorded values. The sentence forms are those of ``params/report_texts.yml``
    (``summary.*``), through :mod:`perspectives.texts`.

    A national report compares its first option with all countries together only where its
    data hold two or more countries (the pooled value's cells name them); the synthesis
    gives the range across countries and the test of the difference instead. A sentence
    whose value is missing or withheld for the report is left out, never guessed.

Inputs
    The report's recorded values, its code, a
    :class:`perspectives.texts.Texts` in the report's language, the option labels of each
    topic (from the instrument, in the report's language), ``params/summary.yml``,
    ``params/analyses.yml`` (each topic's kind) and ``data/quantifiers.yml`` (what "close"
    means).

Outputs
    Markdown (:func:`executive_summary`) and the number of values it used.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import fmt, locales
from .escape import markdown_text
from .locales import inside_sentence
from .project import Project, default
from .study import read_yaml
from .texts import Markdown, Texts

# The summary's headings, topics and findings, from the study folder's root.
SUMMARY_FILE = "params/summary.yml"
# The significance level the summary's sentences test against (as the claims check does).
ALPHA = 0.05

__all__ = ["executive_summary", "format_value", "inside_sentence", "key_findings", "option_labels", "quantifier_band",
           "Strands", "counted_themes", "raised_themes", "theme_bounds", "strand_sentences", "value_table"]


def _spec(spec_path: Path | None, project: Project | None = None) -> Any:
    """``params/summary.yml`` parsed: ``spec_path``, else ``project``'s (kept by it; default: the study folder around the working directory)."""
    return read_yaml(Path(spec_path)) if spec_path else default(project).yaml(SUMMARY_FILE)


def format_value(name: str, value: Any) -> str:
    """A recorded value as the narrative shows it (percent, mean, count)."""
    if name.endswith(".pct"):
        return fmt.fmt_pct(value)
    if name.endswith(".mean"):
        return fmt.fmt_number(value, 0)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def _pooled_own(item: Mapping[str, Any], country: str) -> bool:
    """Whether a pooled value pools only the report's own country (a comparison with itself)."""
    places = (item.get("cells") or {}).get("places")
    return bool(places) and set(places) <= {country}


def value_table(values: list[dict[str, Any]], country: str) -> dict[str, str]:
    """Name -> formatted value for the report's own country; ``name@CODE`` for another place's.

    A pooled value pooling the report's own country alone is left out (no self-comparison).
    """
    table: dict[str, str] = {}
    for item in values:
        if item.get("value") is None or item.get("suppressed") or not item.get("printed", True):
            continue  # withheld, or a count its table gives in words: no sentence states it
        if item.get("drawn") is False:
            continue  # an answer its chart draws only within a combination: a sentence names the combination
        name, text = item["name"], format_value(item["name"], item["value"])
        if "digits" in item:
            # A share the small-cell rule publishes only as an approximate figure (its count is
            # withheld; rounded to whole points or to the nearest ten): no table prints it, so a
            # sentence names it ``NAME.about`` and says "about" in its own words, or not at all.
            name, text = f"{name}.about", fmt.fmt_pct(item["value"], int(item["digits"]))
        if item.get("country") == country:
            table.setdefault(name, text)
        elif _pooled_own(item, country):
            continue
        # The synthesis's own values are also its all-country values.
        table.setdefault(f"{name}@{item.get('country')}", text)
    return table


def option_labels(topic: str, spec_path: Path | None = None, *, project: Project | None = None) -> dict[str, str]:
    """The English labels ``params/summary.yml`` gives a topic's options (``labels:``), if any.

    A topic whose options are questions (a rating battery) names them here in words that fit
    a sentence; other topics take their answers' labels from the instrument. The file is
    ``spec_path``, else ``project``'s (default: the study folder around the working directory).
    """
    for block in _spec(spec_path, project):
        given = (block.get("labels") or {}).get(topic)
        if given:
            return {str(k): str(v) for k, v in given.items()}
    return {}


def _template_names(template: str) -> list[str]:
    return [f[len("v["):-1] for _, f, _, _ in string.Formatter().parse(template) if f and f.startswith("v[")]


def key_findings(values: list[dict[str, Any]], country: str, place: str, spec_path: Path | None = None,
                 translate: Callable[..., str] | None = None) -> tuple[list[tuple[str, list[str]]], int]:
    """The ``findings`` sentences of ``params/summary.yml`` filled; those whose values are missing dropped.

    ``values`` are the report's recorded values (the section runs' ``values.json``);
    ``translate`` (a :class:`~perspectives.i18n.Translator`) maps an English heading or template
    to the report's language and fills it with the fields given; ``place`` is already Markdown.
    """
    tr = translate or (lambda text, **fields: text.format(**fields) if fields else text)
    table = value_table(values, country)
    used = 0
    out: list[tuple[str, list[str]]] = []
    for block in _spec(spec_path):
        sentences = []
        for template in block.get("findings") or []:
            names = _template_names(template)
            if all(name in table for name in names):
                sentences.append(fmt.opening(fmt.one_pair(tr(template, v=table, place=place))))
                used += len(names)
        out.append((tr(block["heading"]), sentences))
    return out, used


# --------------------------------------------------------------------------- ranked topics


@dataclass(frozen=True)
class Option:
    """One answer of a topic as the summary names it: its label and published share."""

    code: str
    label: str
    share: float | None     # None: withheld or missing for the report

    @property
    def text(self) -> str:
        return fmt.fmt_pct(self.share) if self.share is not None else ""


class _Values:
    """The report's recorded values by (name, country), published ones only."""

    def __init__(self, values: list[dict[str, Any]], code: str) -> None:
        self.code = code
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        for item in values:
            self.items.setdefault((item["name"], str(item.get("country"))), item)

    def drawn(self, name: str) -> bool | None:
        """Whether the report's chart draws a value (None: the value does not say, as for a result with no chart)."""
        item = self.items.get((name, self.code))
        return None if item is None or "drawn" not in item else bool(item["drawn"])

    def get(self, name: str, country: str | None = None) -> float | None:
        item = self.items.get((name, country or self.code))
        if item is None or item.get("suppressed") or item.get("value") is None:
            return None
        if "digits" in item:
            return None  # a share-only figure (its count withheld, no table prints it): no share to rank or compare
        return float(item["value"])

    def pooled(self, name: str, synthesis_code: str) -> float | None:
        """The all-country value beside a national one, unless it pools that country alone."""
        item = self.items.get((name, synthesis_code))
        if item is None or _pooled_own(item, self.code):
            return None
        return self.get(name, synthesis_code)


def _combined(options: list[Option], combine: Mapping[str, Any]) -> list[Option]:
    """The options a summary ranks, a declared combination standing in for its members where it is shown.

    Where every member of a combination is withheld and the combination is published, it
    is ranked in their place (Moldova's girls' exchanges: "all forms other than money",
    72%, before money, 28%); elsewhere its members are, and it is left out, so that no
    answer is counted twice in one list.
    """
    share = {o.code: o.share for o in options}
    out = []
    for option in options:
        members = (combine.get(option.code) or {}).get("members")
        if members is not None:
            if option.share is not None and all(share.get(str(m)) is None for m in members):
                out.append(option)
            continue
        within = any(share.get(name) is not None and str(option.code) in map(str, combo["members"])
                     and all(share.get(str(m)) is None for m in combo["members"])
                     for name, combo in combine.items())
        if not within:
            out.append(option)
    return out


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _share_name(topic: str, option: str, kind: str, rating: str = "bottom") -> str:
    return f"{topic}.{option}.{rating}.pct" if kind == "ratings" else f"{topic}.{option}.pct"


class _Summary:
    """The summary's sentences for one report."""

    def __init__(self, texts: Texts, values: _Values, synthesis_code: str,
                 labels: Callable[[str], dict[str, str]], analyses: Mapping[str, Any]) -> None:
        self.texts, self.values, self.synthesis_code = texts, values, synthesis_code
        self.labels, self.analyses = labels, analyses
        self.used = 0
        # The answers and shares of the last even split said (two answers at 50% each), in its block.
        self.last_even: tuple[tuple[str, str], ...] | None = None
        self.previous_even: tuple[tuple[str, str], ...] | None = None

    @property
    def synthesis(self) -> bool:
        return self.values.code == self.synthesis_code

    def options(self, topic: str, exclude: set[str]) -> tuple[list[Option], bool]:
        """The topic's options, largest published share first, and whether one is withheld."""
        kind = self.analyses[topic]["kind"]
        names = {code: _share_name(topic, code, kind) for code in self.labels(topic) if code not in exclude}
        drawn = {code: self.values.drawn(name) for code, name in names.items()}
        # The answers the topic's chart draws, as its sentence names them (a combination in place
        # of its parts: analysis_tables.recoded_for_chart decides it); with no chart, the
        # combination where it alone is published.
        options = [Option(code, self.labels(topic)[code], self.values.get(name)) for code, name in names.items()
                   if drawn[code] is not False]
        if all(d is None for d in drawn.values()):
            options = _combined(options, self.analyses[topic].get("combine") or {})
        # An answer nobody gave is no "next most common" one: only shares above zero are ranked.
        shown = sorted((o for o in options if o.share), key=lambda o: -o.share)
        withheld = len(shown) < len(options)
        if withheld and kind == "single" and shown:
            # One answer each: the withheld answers together hold what the published leave,
            # so none of them can be larger than that remainder.
            rest = 100.0 - sum(o.share for o in options if o.share is not None)
            withheld = rest >= shown[0].share
        return shown, withheld

    def fields(self, topic: str) -> dict[str, Any]:
        entry = self.texts.node(f"summary.topics.{topic}")
        out: dict[str, Any] = {}
        for key in ("topic", "topic_plural", "question", "rating", "population"):
            if key in entry:
                out[key] = Markdown(self.texts.fill(entry[key]) or "")
        return out

    def ranked(self, topic: str, exclude: set[str]) -> str | None:
        """The topic's ranked sentence (or, when a withheld option could lead, the first's share)."""
        family = self.texts.node(f"summary.topics.{topic}")["sentence"]
        shown, withheld = self.options(topic, exclude)
        if not shown:
            return None
        fields = self.fields(topic)
        self.used += min(3, len(shown))
        if len(shown) >= 2 and self.combines(topic, shown):
            return self.shares(topic, family, shown, fields)
        if withheld:
            return self.quantified(family, shown[0], fields)
        if len(shown) >= 2 and shown[0].text == shown[1].text:
            text = self.texts.text(f"summary.tie.{family}", first=inside_sentence(shown[0].label),
                                   second=inside_sentence(shown[1].label), first_pct=shown[0].text, **fields)
            return _first_upper(text) if text else None
        count = ("one_option", "two_options", "three_options")[min(3, len(shown)) - 1]
        names = ("first", "second", "third")
        more = {}
        for name, option in zip(names, shown[:3], strict=False):
            more[name], more[f"{name}_pct"] = inside_sentence(option.label), option.text
        text = self.texts.text(f"summary.ranked.{family}.{count}", **more, **fields)
        return _first_upper(text) if text else None

    def combines(self, topic: str, shown: list[Option]) -> bool:
        """Whether a topic's ranking would set a combination of answers against single answers.

        A combination is never "the most common" answer: where one leads, even a band of a
        scale ("no degree or a bachelor's degree" before "master's degree or doctorate"), the
        shares are said plainly. A scale led by a single answer is ranked, its bands after it
        ("poor", then "fair", then "good or excellent"); any other combination is never ranked.
        """
        spec_ = self.analyses[topic]
        combined = spec_.get("combine") or {}
        if spec_.get("order") == "scale":
            return shown[0].code in combined
        return any(o.code in combined for o in shown)

    def shares(self, topic: str, family: str, shown: list[Option], fields: dict[str, Any]) -> str | None:
        """The options' shares said plainly, a combination as answers together: never ranked against one answer."""
        if not self.texts.has(f"summary.shares.{family}"):  # a family with no plain form says nothing
            return None
        combine = self.analyses[topic].get("combine") or {}
        names = [self.texts.text('sentences.combined_answer', answer=Markdown(label)) if o.code in combine else label
                 for o in shown[:3] if (label := markdown_text(inside_sentence(o.label)))]
        if len(shown) == 2 and shown[0].text == shown[1].text and self.texts.has(f"summary.even.{family}"):
            # An even split names its two answers in the form's order: no order of size to follow.
            form = list(self.labels(topic))
            pairs = sorted(zip(shown, names, strict=False), key=lambda pair: form.index(pair[0].code))
            return self.even(family, [o for o, _ in pairs], [n for _, n in pairs], fields)
        said = [f"{name} ({o.text})" for name, o in zip(names, shown, strict=False)]
        text = self.texts.text(f"summary.shares.{family}", answers=Markdown(locales.join(said, self.texts.tr.lang)),
                               **fields)
        return _first_upper(text) if text else None

    def even(self, family: str, shown: list[Option], names: list[str], fields: dict[str, Any]) -> str | None:
        """Two answers with equal printed shares: an even split, said once for topics split the same way in a row."""
        split = tuple((o.code, o.text) for o in shown)
        again = split == self.previous_even
        self.last_even = split
        if again:
            text = self.texts.text(f"summary.even_again.{family}", **fields)
        else:
            text = self.texts.text(f"summary.even.{family}", first=Markdown(names[0]), second=Markdown(names[1]),
                                   first_pct=shown[0].text, **fields)
        return _first_upper(text) if text else None

    def quantified(self, family: str, option: Option, fields: dict[str, Any]) -> str | None:
        """One option's share in words (the quantifier band holding it)."""
        band = quantifier_band(self.texts.node("summary.quantifiers"), option.share)
        if band is None:
            return None
        text = self.texts.text(f"summary.quantified.{family}", option=inside_sentence(option.label), pct=option.text,
                               quantifier=Markdown(self.texts.fill(band["text"]) or ""),
                               quantifier_inside=Markdown(self.texts.fill(band["inside"]) or ""), **fields)
        return _first_upper(text) if text else None

    def block(self, block: Mapping[str, Any], close_points: float) -> tuple[float | None, list[str]]:
        """A heading's ranked sentences, the topic whose first answer has the largest share first, and that share.

        A topic's comparison follows its own sentence; None: no topic of the block is ranked.
        """
        exclude = set(block.get("exclude") or [])
        compare = set(block.get("compare") or [])
        ranked: list[tuple[float, int, list[str]]] = []
        self.last_even = None
        for k, topic in enumerate(block.get("topics") or []):
            # Only the topic just before can have been split the same way: with the same share
            # first, the two sentences are sorted next to each other.
            self.previous_even, self.last_even = self.last_even, None
            sentence = self.ranked(topic, exclude)
            if sentence:
                lead = self.options(topic, exclude)[0][0].share or 0.0
                more = self.compared(topic, exclude, close_points) if topic in compare else []
                ranked.append((lead, k, [sentence, *more]))
        ranked.sort(key=lambda item: (-item[0], item[1]))
        return (ranked[0][0] if ranked else None), [s for _, _, said in ranked for s in said]

    def compared(self, topic: str, exclude: set[str], close_points: float) -> list[str]:
        """The first option beside all countries (national) or across countries (synthesis)."""
        shown, _ = self.options(topic, exclude)
        if not shown:
            return []
        first = shown[0]
        kind = self.analyses[topic]["kind"]
        if not self.synthesis:
            pooled = self.values.pooled(_share_name(topic, first.code, kind), self.synthesis_code)
            if pooled is None or "pooled" not in self.texts.conditions:
                return []
            # Compared as printed: two shares that print alike are the same whatever their decimals.
            own, other = fmt.round_half_up(first.share), fmt.round_half_up(pooled)
            way = "same" if own == other else "close" if abs(own - other) <= close_points else None
            way = way or ("higher" if own > other else "lower")
            text = self.texts.text(f"summary.with_pooled.{way}", option=inside_sentence(first.label),
                                   pooled_pct=fmt.fmt_pct(pooled))
            return [_first_upper(text)] if text else []
        return self.across(topic, first, kind)

    def across(self, topic: str, first: Option, kind: str) -> list[str]:
        """The synthesis: the first option's range across countries, and the test."""
        out = []
        by_country = {}
        for name, _country in self.values.items:
            parts = name.split(".")
            if name.startswith(f"{topic}.{first.code}.") and name.endswith(".pct") and len(parts) >= 4:
                place = parts[-2]
                if place.isupper() and (share := self.values.get(name)) is not None:
                    by_country[place] = share
        text = self.spread(first, by_country)
        if text:
            out.append(_first_upper(text))
        test = self.test(topic)
        if test is not None:
            words, p = test
            key = "significant" if p < ALPHA else "not_significant"
            text = self.texts.text(f"summary.synthesis.{key}", test=words)
            if text:
                out.append(text)
        return out

    def spread(self, first: Option, by_country: dict[str, float]) -> str | None:
        """The first option's range across countries, where it is wide enough to be a finding.

        Compared as printed (whole percentages). A range narrower than
        ``summary.synthesis.range_min_points`` (``params/report_texts.yml``) is no finding and
        is not said; the countries sharing the lowest or the highest share are all named.
        """
        printed = {country: fmt.round_half_up(share) for country, share in by_country.items()}
        if len(printed) < 2:
            return None
        low, high = min(printed.values()), max(printed.values())
        if high - low < float(self.texts.node("summary.synthesis.range_min_points")):
            return None
        order = list(by_country)  # the study's order, as the values were recorded

        def named(share: float) -> str:
            return locales.join([self.texts.tr.country(c) for c in order if printed[c] == share], self.texts.tr.lang)

        return self.texts.text("summary.synthesis.range", option=inside_sentence(first.label),
                               low_pct=fmt.fmt_pct(low), low_country=named(low),
                               high_pct=fmt.fmt_pct(high), high_country=named(high))

    def test(self, topic: str) -> tuple[str, float] | None:
        get = self.values.get
        if (p := get(f"{topic}.chi2.p")) is not None:
            stat, df = get(f"{topic}.chi2.stat"), get(f"{topic}.chi2.df")
            if stat is not None and df is not None:
                return fmt.fmt_chi2(stat, int(df), p, self.texts.tr.lang), p
        if (p := get(f"{topic}.anova.p")) is not None:
            stat, df1, df2 = get(f"{topic}.anova.stat"), get(f"{topic}.anova.df1"), get(f"{topic}.anova.df2")
            if stat is not None and df1 is not None and df2 is not None:
                return fmt.fmt_f(stat, int(df1), int(df2), p, self.texts.tr.lang), p
        return None


def quantifier_band(bands: list[Mapping[str, Any]], share: float) -> Mapping[str, Any] | None:
    """The band of ``summary.quantifiers`` (``params/report_texts.yml``) holding an unrounded share.

    The one place a share becomes words ("more than two thirds of"): the bands themselves
    follow one rule, the nearest simple fraction (the file says it), and this picks one.
    """
    return next((b for b in bands if _holds(b, share)), None)


def _holds(band: Mapping[str, Any], share: float) -> bool:
    low, high = float(band["min"]), float(band["max"])
    above = share > low if band.get("min_open") else share >= low
    below = share < high if band.get("max_open") else share <= high
    return above and below


def _opening(texts: Texts, synthesis: bool) -> str | None:
    conversations = "conversations" in texts.conditions
    key = "opening_synthesis" if synthesis else "opening_national"
    return texts.text(f"summary.{key}" if conversations else f"summary.{key}_no_conversations")


# --------------------------------------------------------------------------- the other strands

# Themes the summary names from the conversations, at most.
TOP_THEMES = 3


def theme_bounds(values: list[dict[str, Any]], code: str) -> dict[str, tuple[int, int, int | None]]:
    """Each conversation theme of the report's own place: the least and most its published cells allow, and its printed count.

    The bounds a reader can prove from the report's cells (:func:`perspectives.report_themes.published_bounds`);
    the count None where not printed (withheld, or said as some or all: ``printed: false``).
    """
    found: dict[str, tuple[int, int, int | None]] = {}
    for item in values:
        parts = str(item["name"]).split(".")
        if len(parts) not in (3, 4) or parts[0] != "themes" or parts[-1] != "n" or item.get("country") != code:
            continue  # a theme's row or a group's (its tables print both)
        shown = not item.get("suppressed") and item.get("value") is not None and item.get("printed", True)
        count = int(item["value"]) if shown else None
        low, high = item.get("bounds") or ((count, count) if count is not None else (0, int(item.get("n") or 0)))
        found.setdefault(".".join(parts[1:-1]), (int(low), int(high), count))
    return found


def counted_themes(values: list[dict[str, Any]], code: str) -> list[tuple[str, int]]:
    """The conversation themes the report's published counts rank, most raised first.

    A theme is ranked only where its printed count is at least the largest count any theme not
    ranked before it could have (:func:`theme_bounds`); a withheld count is never used (nor guessed).
    """
    bounds = theme_bounds(values, code)
    candidates = sorted(((t, b[2]) for t, b in bounds.items() if b[2]), key=lambda kv: (-kv[1], kv[0]))
    ranked: list[tuple[str, int]] = []
    for theme, n in candidates:
        done = {t for t, _ in ranked} | {theme}
        if any(high > n for t, (_, high, _) in bounds.items() if t not in done):
            break
        ranked.append((theme, n))
    return ranked


def raised_themes(values: list[dict[str, Any]], code: str) -> list[str]:
    """The themes the report's cells prove raised by the most young people (no ranking is claimed); none where that is one."""
    bounds = theme_bounds(values, code)
    return [t for t, (low, _, _) in sorted(bounds.items(), key=lambda kv: (-kv[1][0], kv[0])) if low > 1]


@dataclass(frozen=True)
class Strands:
    """What the summary says of the evidence besides the survey: the conversations, the roundtable and the recommendations.

    ``theme_label``: a theme code -> its English label (the codebook's); ``insights``: the
    roundtable's insight titles, in the data's order; ``recommendations``: each group's title
    and its recommendations' titles, in the data's order (English, translated here).
    """

    theme_label: Callable[[str], str]
    insights: list[str]
    recommendations: list[tuple[str, list[str]]]


def _clause(title: str) -> str:
    """A title as it reads inside a sentence: no closing full stop, its first letter lower-cased."""
    return inside_sentence(title.strip().rstrip("."))


def strand_sentences(texts: Texts, values: list[dict[str, Any]], code: str, strands: Strands) -> list[str]:
    """The summary's sentences on the conversations, the roundtable and the recommendations (``summary.strands``)."""
    tr, lang, out = texts.tr, texts.tr.lang, []
    if "conversations" in texts.conditions:
        counted = counted_themes(values, code)[:TOP_THEMES]
        raised = raised_themes(values, code)[:TOP_THEMES]
        if counted:
            named = [texts.text("summary.strands.theme_count", theme=_clause(tr(strands.theme_label(theme))), n_raised=n)
                     for theme, n in counted]
            out.append(texts.text("summary.strands.conversations_counted",
                                  themes=Markdown(locales.join([markdown_text(t or "") for t in named], lang))))
        elif raised:
            named = [markdown_text(_clause(tr(strands.theme_label(theme)))) for theme in raised]
            out.append(texts.text("summary.strands.conversations_unranked", themes=Markdown(locales.join(named, lang))))
        else:
            out.append(texts.text("summary.strands.conversations_withheld"))
    if strands.insights:
        titles = [markdown_text(_clause(tr(t))) for t in strands.insights[:TOP_THEMES]]
        out.append(texts.text("summary.strands.roundtable", insights=Markdown(locales.join(titles, lang)),
                              count=len(strands.insights)))
    if strands.recommendations:
        # The first recommendation of each group: the data list a group's recommendations by priority.
        firsts = [markdown_text(_clause(tr(items[0]))) for _, items in strands.recommendations if items]
        total = sum(len(items) for _, items in strands.recommendations)
        out.append(texts.text("summary.strands.recommendations", count=total,
                              main=Markdown(locales.join(firsts, lang))))
    return [_first_upper(s) for s in out if s]


def executive_summary(texts: Texts, values: list[dict[str, Any]], code: str, synthesis_code: str,
                      labels: Callable[[str], dict[str, str]], analyses: Mapping[str, Any],
                      spec_path: Path | None = None, close_points: float = 2.0,
                      strands: Strands | None = None) -> tuple[str, int]:
    """The executive summary as Markdown, and how many recorded values it used.

    Args:
        texts: the report's texts (its language, fields and conditions).
        values: the recorded values of the report's other section runs (their ``values.json``).
        code: the report's code.
        synthesis_code: the synthesis's code.
        labels: a topic's options (analysis id -> {option code: label in the report's language}).
        analyses: ``params/analyses.yml`` (each topic's kind).
        spec_path: the summary's headings, topics and findings (default ``params/summary.yml``).
        close_points: shares this many points apart or less are "close" (``data/quantifiers.yml``).
        strands: the conversations' themes, the roundtable's insights and the recommendations,
            for the summary's closing paragraph (None: none).
    """
    summary = _Summary(texts, _Values(values, code), synthesis_code, labels, analyses)
    place = markdown_text(texts.fields.get("place") or "")
    findings, used = key_findings(values, code, place, spec_path, texts.tr)
    found: list[tuple[float | None, int, str]] = []
    sample: list[str] = []
    for k, (block, (heading, sentences)) in enumerate(zip(_spec(spec_path), findings, strict=True)):
        lead, said = summary.block(block, close_points)
        said.extend(sentences)
        if said:
            text = f"## {markdown_text(heading)}\n\n" + " ".join(said)
            if block.get("sample"):
                sample.append(text)
            else:
                found.append((lead, k, text))
    # The findings first, the block whose leading share is largest first (computed, never
    # assumed; a block with no ranked topic after, in the file's order); who answered after them.
    found.sort(key=lambda item: (item[0] is None, -(item[0] or 0.0), item[1]))
    parts = [_opening(texts, summary.synthesis) or "", *(text for _, _, text in found)]
    if strands is not None:
        said = strand_sentences(texts, values, code, strands)
        if said:
            parts.append(f"## {markdown_text(texts.heading('summary_strands'))}\n\n" + " ".join(said))
    parts.extend(sample)
    return "\n\n".join(p for p in parts if p), used + summary.used
