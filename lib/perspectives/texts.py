"""The reports' fixed prose: ``params/report_texts.yml`` read, chosen and filled.

Purpose
    A report a partner publishes has parts no analysis writes: acknowledgements, definitions,
    an introduction with the objectives, the methods and their limits, an opening paragraph
    for each chapter, the annex's words. They are templates in our own words, kept in
    ``params/report_texts.yml``; this module is the one place that reads them. It picks the
    paragraphs a report shows (``show:`` conditions, variants), picks a plural form by CLDR
    rules for the report's language, translates each template through the catalogue (a
    plural entry by its ``other`` form) and fills its fields.

    A template is left out whole when a field it needs is missing for the report (a value
    withheld under the small-cell rule, a setting the study does not give): never filled with
    a blank. Fields are text in the report's language; a text from data or configuration is
    escaped for Markdown as it goes in (:func:`perspectives.escape.markdown_text`); a field
    that is itself Markdown this library composed is passed as :class:`Markdown`.

Inputs
    ``params/report_texts.yml`` (or another path), a :class:`perspectives.i18n.Translator`,
    the report's fields (:func:`report_fields`) and conditions (:func:`report_conditions`).

Outputs
    Markdown strings: paragraphs, headings, lists (:class:`Texts`), and the chapter openings
    (:func:`chapter_intro`).
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perspectives import locales
from perspectives.escape import markdown_text
from perspectives.fmt import one_pair, p_number
from perspectives.i18n import Translator
from perspectives.project import Project, default
from perspectives.study import Study, read_yaml

__all__ = [
    "FRONT_CHAPTERS",
    "FRONT_PARTS",
    "SYNTHETIC_FOLDER",
    "edition_date",
    "TEXTS_FILE",
    "Markdown",
    "Texts",
    "acknowledgements",
    "chapter_intro",
    "count_text",
    "definitions",
    "introduction",
    "load_texts",
    "long_date",
    "methods",
    "month_year",
    "p_text",
    "reading_notes",
    "report_conditions",
    "report_fields",
    "synthetic_survey",
    "with_partners",
]

TEXTS_FILE = "params/report_texts.yml"
# The parts the summary run writes before the findings chapters, in this order; the chapters
# whose opening paragraph one of them shows (the others' openings come with their heading).
FRONT_PARTS = ("acknowledgements", "definitions", "summary", "introduction", "methods")
FRONT_CHAPTERS = ("summary", "methods")
# The embedded synthetic data live here (from the study folder's root): a report built from
# them says so on its cover.
SYNTHETIC_FOLDER = "data/synthetic"
# The language the synthetic conversations' excerpts are written in (lib/perspectives_synth).
SYNTHETIC_EXCERPTS_LANGUAGE = "en"
# Keys of a template mapping that are settings, not text (the file's header lists them).
PLURAL_KEY = "count"


class Markdown(str):
    """A field that is already Markdown this library composed: inserted as it is."""

    __slots__ = ()


def load_texts(path: Path | str | None = None, *, project: Project | None = None) -> dict[str, Any]:
    """The parsed texts file (a fresh copy; read once per version of the file).

    Args:
        path: the texts file (default: the project's ``params/report_texts.yml``).
        project: the study folder (default: the one around the working directory).

    Raises:
        ValueError: the file is not a mapping with a ``version``.
    """
    file = Path(path) if path else default(project).path(TEXTS_FILE)
    doc = read_yaml(file)
    if not isinstance(doc, dict) or "version" not in doc:
        raise ValueError(f"{file.name}: expected a mapping with a 'version' key")
    return doc


def long_date(day: dt.date, lang: str) -> str:
    """A date as the language writes it in running text (CLDR's long form: 26 July 2021)."""
    from babel.dates import format_date

    return format_date(day, format="long", locale=locales.writing_locale(lang))


def month_year(day: dt.date, lang: str) -> str:
    """A month and year as the language writes them in running text (April 2021, abril de 2021).

    CLDR's ``yMMMM`` skeleton gives each language its own pattern; a closing full stop (the
    Bosnian ordinal year, "april 2021.") is dropped, since a template's own punctuation follows.
    """
    from babel.dates import format_skeleton

    return format_skeleton("yMMMM", day, locale=locales.writing_locale(lang)).removesuffix(".")


def edition_date(written: str, lang: str) -> str:
    """The study's publication date as the language writes it, at the precision it was given.

    ``2022`` stays a year; ``2022-07`` is a month and year (:func:`month_year`); ``2022-07-26``
    a long date (:func:`long_date`).
    """
    parts = written.split("-")
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:  # noqa: PLR2004 - a year and a month
        return month_year(dt.date.fromisoformat(f"{written}-01"), lang)
    return long_date(dt.date.fromisoformat(written), lang)


def p_text(p: float, lang: str = locales.ENGLISH) -> str:
    """A significance level as the reports write p-values in ``lang`` (.05; 0,05 in Romanian)."""
    return p_number(p, 2, lang)


def synthetic_survey(data_path: str | Path | None, study: Study) -> bool:
    """Whether a report's survey is the embedded synthetic export (never a partner's file)."""
    survey = Path(data_path) if data_path else study.root / study.data.get("survey", "")
    try:
        return survey.resolve().is_relative_to((study.root / SYNTHETIC_FOLDER).resolve())
    except OSError:
        return False


def count_text(n: int, lang: str) -> str:
    """A count in running text: figures with the language's grouping (1,254; 1.254)."""
    from babel.numbers import format_decimal

    return format_decimal(n, locale=locales.writing_locale(lang))


@dataclass
class Texts:
    """The report texts of one report: chosen by its conditions, filled with its fields.

    Args:
        tr: the report's language.
        fields: field name -> value: ``str`` (text, escaped when filled), :class:`Markdown`
            (inserted as it is), ``int`` (a count: picks plural forms and is written in
            figures), or None (unknown for this report: a template needing it is left out).
        conditions: the ``show:`` conditions that hold for this report (``always`` always does).
        spec: the parsed texts file (default: :func:`load_texts` of the translator's project).
        plain: fill with plain text (a cover line, a Word run) instead of Markdown.
    """

    tr: Translator
    fields: dict[str, Any] = field(default_factory=dict)
    conditions: set[str] = field(default_factory=set)
    spec: dict[str, Any] = field(default_factory=dict)
    plain: bool = False

    def __post_init__(self) -> None:
        if not self.spec:
            self.spec = load_texts(project=getattr(self.tr, "project", None))

    def node(self, path: str) -> Any:
        """The entry at a dotted ``path`` (``"methods.survey.design"``).

        Raises:
            KeyError: no such entry (a typo in the library, not in a partner's data).
        """
        current: Any = self.spec
        for part in path.split("."):
            if not isinstance(current, dict) or part not in current:
                raise KeyError(f"params/report_texts.yml has no entry {path!r}")
            current = current[part]
        return current

    def has(self, path: str) -> bool:
        """Whether the texts file has an entry at ``path``."""
        try:
            self.node(path)
        except KeyError:
            return False
        return True

    def text(self, path: str, **more: Any) -> str | None:
        """The template at ``path`` filled (Markdown), or None when a field is missing."""
        return self.fill(self.node(path), **more)

    def plain_text(self, path: str, **more: Any) -> str:
        """A template with no field that can be missing (a heading, a term): always text."""
        filled = self.text(path, **more)
        if filled is None:
            raise KeyError(f"params/report_texts.yml: {path!r} needs a field this report does not have")
        return filled

    def heading(self, key: str) -> str:
        """A fixed heading (``headings.<key>``), as Markdown text."""
        return self.plain_text(f"headings.{key}")

    def fill(self, template: Any, **more: Any) -> str | None:
        """A template (a string, or a plural mapping) translated and filled, as Markdown.

        Args:
            template: the entry: a ``str``, or a mapping with ``count`` and CLDR forms.
            **more: fields for this template only (beside the report's own).

        Returns:
            The Markdown, or None when a field the template uses has no value.
        """
        values = {**self.fields, **more}
        if isinstance(template, Mapping):
            text = self._plural(template, values)
            if text is None:
                return None
        else:
            # A translation may choose its form by the gender of a field's text (i18n `agree:`).
            text = self.tr.template(" ".join(str(template).split()), None,
                                    lambda name: self.tr.gender(values.get(name)))
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name]
        if any(values.get(name) is None for name in names):
            return None
        return one_pair(self.tr.joined(text.format(**{name: self._field(values[name]) for name in names})))

    def shown(self, path: str, **more: Any) -> list[str]:
        """The paragraphs of a list of ``{show, text}`` entries whose conditions all hold."""
        out = []
        for entry in self.node(path):
            if set(entry.get("show", ["always"])) <= self.conditions | {"always"}:
                filled = self.fill(entry["text"], **more)
                if filled is not None:
                    out.append(filled)
        return out

    def _plural(self, template: Mapping[str, Any], values: Mapping[str, Any]) -> str | None:
        """The form of a plural entry for its count, in the report's language."""
        n = values.get(template[PLURAL_KEY])
        if n is None:
            return None
        english = {k: " ".join(str(v).split()) for k, v in template.items() if k != PLURAL_KEY}
        return self.tr.template(english, int(n), lambda name: self.tr.gender(values.get(name)))

    def _field(self, value: Any) -> str:
        if isinstance(value, Markdown):
            return str(value)
        if isinstance(value, bool):
            raise TypeError("a report text's field cannot be a truth value")
        if isinstance(value, int):
            return count_text(value, self.tr.lang)
        return str(value) if self.plain else markdown_text(value)


# --------------------------------------------------------------------------- what a report has


def report_conditions(*, national: bool, conversations: bool, pooled: bool, countries: int,
                      tests: bool = False, reliability: bool = False, combined: bool = False) -> set[str]:
    """The ``show:`` conditions that hold for a report (see ``conditions:`` in the file).

    Args:
        national: a country's report (else the synthesis).
        conversations: the report draws on conversations.
        pooled: a national report printing a figure for two or more countries together beside
            its own (never the synthesis, never a study or data set of one country).
        countries: how many countries the study lists.
        tests: the report prints a statistical test.
        reliability: the report prints the reliability mark.
        combined: the report prints the mark of an answer counted in a combined one.
    """
    held = {"always", "national" if national else "synthesis"}
    if conversations:
        held.add("conversations")
    elif national:
        held.add("no_conversations")
    if pooled and national:
        held.add("pooled")
    if countries >= 2:
        held.add("several_countries")
    if tests:
        held.add("tests")
    if reliability:
        held.add("reliability")
    if combined:
        held.add("combined")
    return held


def report_fields(study: Study, tr: Translator, code: str, *, place: str,
                  date: dt.date | None = None) -> dict[str, Any]:
    """The fields every report text may use that come from the study alone.

    Args:
        study: the study.
        tr: the report's language.
        code: the report's code (a country's ISO3, or the synthesis code).
        place: how the report's sentences name its place (the country, or the countries).
        date: the build's date (``SOURCE_DATE_EPOCH``), if fixed.

    Returns:
        Field name -> value; values a report needs from its recorded numbers are added by the
        caller (``n_eligible``, ``n_participants``...).
    """
    n = len(study.countries)
    held = [c for c in study.countries if c.conversations]
    not_held = [c for c in study.countries if not c.conversations]
    national = code != study.synthesis_code
    country = study.country(code) if national else None
    head = study.raw.get("study", {}) or {}
    fields: dict[str, Any] = {
        "study_title": tr(study.title),
        "country_name": tr.country(code) if national else None,
        "place": place,
        "partner": country.partner_in(tr.lang) if country else None,
        "n_partners": n,
        "countries": tr.plural("{count} countries", n),
        "n_countries": n,
        "country_list": locales.join([tr.country(c.iso3) for c in study.countries], tr.lang),
        "pooled_place": tr.plural("the {count} countries", n),
        "pooled_label": tr.plural("All {count} countries", n),
        "conversation_countries": locales.join([tr.country(c.iso3) for c in held], tr.lang) if held else None,
        "no_conversation_countries": locales.join([tr.country(c.iso3) for c in not_held], tr.lang) if not_held else None,
        "date": long_date(date, tr.lang) if date else None,
        "funders": locales.join(list(head.get("funders", [])), tr.lang) if head.get("funders") else None,
        "published": edition_date(str(head["publication_date"]), tr.lang) if head.get("publication_date") else None,
    }
    for key in ("fieldwork_start", "fieldwork_end"):
        value = head.get(key)
        fields[key] = month_year(dt.date.fromisoformat(f"{value}-01"), tr.lang) if value else None
    roundtable = head.get("roundtable_date")
    fields["roundtable_date"] = long_date(dt.date.fromisoformat(str(roundtable)), tr.lang) if roundtable else None
    fields["citation"] = _citation(head, tr, fields)
    licence = head.get("licence") or {}
    fields["licence_name"], fields["licence_url"] = licence.get("name"), licence.get("url")
    return fields


def with_partners(texts: Texts, study: Study) -> None:
    """Add ``partners``: each partner with its country (``cover.partner_in_country``), joined."""
    items = [texts.fill(texts.node("cover.partner_in_country"), partner=c.partner_in(texts.tr.lang),
                        country_name=texts.tr.country(c.iso3)) for c in study.countries]
    texts.fields["partners"] = Markdown(locales.join([i for i in items if i], texts.tr.lang))


# --------------------------------------------------------------------------- the parts


def _section(heading: str, level: int, paragraphs: Iterable[str | None]) -> str:
    body = [p for p in paragraphs if p]
    return "\n\n".join([f"{'#' * level} {heading}", *body]) if body else ""


def acknowledgements(texts: Texts) -> str:
    """The acknowledgements, as Markdown (a level-1 heading and its paragraphs)."""
    paragraphs = texts.shown("acknowledgements")
    if texts.fields.get("funders") is not None and texts.has("funders_named.text"):
        # The funders are named where the study names them, in place of the plain thanks.
        plain = texts.fill(texts.node("acknowledgements")[-1]["text"])
        paragraphs = [p for p in paragraphs if p != plain] + [texts.text("funders_named.text")]
    return _section(texts.heading("acknowledgements"), 1, paragraphs)


def _glossary(texts: Texts, path: str) -> list[str]:
    """The entries of a glossary (``definitions``, ``methods.reading``) shown in this report: term in bold, then text."""
    entries = []
    for entry in texts.node(path) if texts.has(path) else []:
        if not set(entry.get("show", ["always"])) <= texts.conditions | {"always"}:
            continue
        text = texts.fill(entry["text"])
        if text is not None:
            entries.append(f"**{texts.fill(entry['term'])}.** {text}")
    return entries


def definitions(texts: Texts) -> str:
    """The glossary of the study's terms, as Markdown: each term in bold, then its definition.

    The marks and statistics a reader meets in the tables are defined in the methods
    (:func:`reading_notes`); the glossary ends by pointing there when they are.
    """
    entries = _glossary(texts, "definitions")
    if _glossary(texts, "methods.reading"):
        entries.append(texts.text("methods.reading_pointer"))
    return _section(texts.heading("definitions"), 1, entries)


def reading_notes(texts: Texts, level: int = 2) -> str:
    """How to read the report's marks and statistics, as a subsection of the methods (Markdown)."""
    return _section(texts.heading("reading"), level, _glossary(texts, "methods.reading"))


def introduction(texts: Texts, *, synthesis: bool, conversations: bool) -> str:
    """The introduction and the objectives, as Markdown."""
    scope = "scope_synthesis" if synthesis else "scope_national"
    if synthesis:
        sources = "sources_synthesis" if conversations else "sources_synthesis_no_conversations"
    else:
        sources = "sources_national" if conversations else "sources_national_no_conversations"
    first = " ".join(p for p in (texts.text("introduction.context"),) if p)
    second = " ".join(p for p in (texts.text("introduction.study"), texts.text(f"introduction.{scope}"),
                                  texts.text(f"introduction.{sources}")) if p)
    objectives = texts.node("objectives")
    items = [f"- {texts.fill(item)}" for item in objectives["items"]]
    return "\n\n".join([
        _section(texts.heading("introduction"), 1, [first, second]),
        _section(texts.heading("objectives"), 2, [texts.text("objectives.lead"), "\n".join(items)]),
    ])


def methods(texts: Texts, *, synthesis: bool, conversations: bool, limitations: bool = True) -> str:
    """The methods (survey, conversations, roundtable, analysis) and the limitations, as Markdown."""
    def joined(*paths: str) -> str:
        return " ".join(t for t in (texts.text(p) for p in paths) if t)

    survey = [texts.text("methods.survey.design"), texts.text("methods.survey.recruitment"),
              texts.text("methods.survey.eligibility"),
              joined("methods.survey.fieldwork", "methods.survey.received", "methods.survey.analysed",
                     "methods.survey.excluded")]
    if conversations:
        # With the embedded synthetic data, the excerpts are said to be synthetic instead.
        excerpts = "methods.conversations.excerpts_synthetic" if "synthetic" in texts.conditions else \
            "methods.conversations.excerpts"
        participants = joined("methods.conversations.participants",
                              *(["methods.conversations.not_everywhere"] if synthesis else []))
        talks = [texts.text("methods.conversations.approach"), texts.text("methods.conversations.facilitation"),
                 texts.text("methods.conversations.recruitment"), participants,
                 joined("methods.conversations.analysis", excerpts)]
    else:
        talks = [texts.text("methods.conversations.none_national")]
    held = "methods.roundtable.held" if texts.fields.get("n_experts") is not None else "methods.roundtable.held_no_count"
    roundtable = [joined(held, "methods.roundtable.purpose")]
    analysis = [texts.text("methods.analysis.weights"),
                *([texts.text("methods.analysis.tests")] if "tests" in texts.conditions else []),
                joined("methods.analysis.small_cells", "methods.analysis.no_rows")]
    parts = [_section(texts.heading("methods"), 1, [texts.text("chapters.methods.intro")]),
             _section(texts.heading("survey"), 2, survey),
             _section(texts.heading("conversations"), 2, talks),
             _section(texts.heading("roundtable"), 2, roundtable),
             _section(texts.heading("analysis"), 2, analysis),
             reading_notes(texts)]
    if limitations:
        parts.append(_section(texts.heading("limitations"), 2, texts.shown("limitations")))
    return "\n\n".join(p for p in parts if p)


def chapter_intro(texts: Texts, section_id: str, *, synthesis: bool, conversations: bool,
                  skip: Iterable[str] = ()) -> str | None:
    """The opening paragraph of a findings chapter (``chapters.<section_id>``), or None.

    ``intro`` (or the variant for a national report or the synthesis), then
    ``with_conversations`` where the report draws on conversations; a national report without
    conversations takes ``intro_no_conversations`` where the chapter has one. Chapters whose
    opening another part of the report already shows are named in ``skip``.
    """
    if section_id in set(skip) or not texts.has(f"chapters.{section_id}"):
        return None
    entry = texts.node(f"chapters.{section_id}")
    if not conversations and not synthesis and "intro_no_conversations" in entry:
        first = entry["intro_no_conversations"]
    elif "intro" in entry:
        first = entry["intro"]
    else:
        first = entry.get("synthesis" if synthesis else "national")
    parts = [texts.fill(first)] if first is not None else []
    if conversations and "with_conversations" in entry:
        parts.append(texts.fill(entry["with_conversations"]))
    text = " ".join(p for p in parts if p)
    return text or None


# --------------------------------------------------------------------------- cover (the annex: perspectives.report_annex)


@dataclass(frozen=True)
class Cover:
    """What a report's cover states, as plain text (each format escapes it its own way)."""

    title: str
    subtitle: str
    lines: tuple[str, ...]          # the partner(s), the date
    notice: str | None              # the synthetic-data notice, on reports built from them
    logo: Path | None               # the partner's (or the study's) logo file, if any
    logo_alt: str | None
    author: str | None = None       # who publishes it (the partner; the funders for the synthesis)
    issued: str | None = None       # the publication date as the study gives it (ISO 8601: 2022, 2022-07)


def cover(study: Study, tr: Translator, code: str, *, date: dt.date | None, synthetic: bool) -> Cover:
    """The cover of a report: title, subtitle, partner, date, logo and notice, filled as plain text."""
    national = code != study.synthesis_code
    place = tr.country(code) if national else tr.plural("the {count} countries", len(study.countries))
    texts = Texts(tr, report_fields(study, tr, code, place=place, date=date), plain=True)
    with_partners(texts, study)
    subtitle = texts.text("cover.subtitle_national" if national else "cover.subtitle_synthesis")
    partner = texts.text("cover.partner_national" if national else "cover.partner_synthesis")
    # The edition's date comes from the study; the build's date only stands in where it gives none.
    dated = texts.text("cover.published_line") if texts.fields.get("published") else texts.text("cover.date_line")
    lines = tuple(line for line in (partner, dated, texts.text("cover.funders_line")) if line)
    logo = study.logo_of(code)
    return Cover(title=texts.plain_text("cover.title"), subtitle=subtitle or "", lines=lines,
                 notice=texts.text("cover.synthetic_notice") if synthetic else None, logo=logo,
                 logo_alt=texts.text("cover.logo_alt") if logo and national else
                 (tr(study.title) if logo else None),
                 author=texts.fields.get("partner") or texts.fields.get("funders"),
                 issued=_issued(study))


def _issued(study: Study) -> str | None:
    """The study's publication date as written in ``params/study.yml`` (``2022``, ``2022-07``...)."""
    written = (study.raw.get("study", {}) or {}).get("publication_date")
    return str(written) if written else None


def _citation(head: Mapping[str, Any], tr: Translator, fields: Mapping[str, Any]) -> str | None:
    """The study's suggested citation (``study.citation``) translated and filled, or None.

    The author is the report's partner (the synthesis names the study's funders), the year is
    the publication date's, the place the country or the countries, the language the
    edition's own, named in it.
    """
    template = head.get("citation")
    year = str(head.get("publication_date", ""))[:4]
    values = {"author": fields.get("partner") or fields.get("funders"), "year": year or None,
              "title": fields.get("study_title"), "report": fields.get("country_name") or fields.get("pooled_label"),
              "language": locales.language_name(tr.lang, tr.lang)}
    if not template or any(v is None for v in values.values()):
        return None
    return tr(str(template), **values)
