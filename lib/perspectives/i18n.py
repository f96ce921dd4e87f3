"""Translation of the reports' fixed strings: one catalogue per language, English as fallback.

Purpose
    Headings, captions, table headers, narrative templates and the report frame are written
    in English in ``params/``, ``data/``, the notebooks and the library. A report built with
    ``lang="es"`` shows them through :class:`Translator`, which looks each English string up
    in ``params/i18n/<lang>.yml`` and falls back to English when the catalogue has no entry
    (or a blank one). Answer and question labels come from the XLSForm's
    ``label::<Language> (<code>)`` columns, and from the catalogue for a language the form has
    no column for.

    Which strings there are to translate is found where they are written
    (:mod:`perspectives.msgids`); how many of them a reader of a built report meets in
    English, whatever route they took to the page, is measured on the report itself
    (:mod:`perspectives.untranslated`, which ``perspectives i18n`` and the build use). The
    Translator's own record of what it looked up and did not find
    (:data:`FALLBACKS_FILE` in each run's folder) is a diagnostic of the code, not that
    measure: a string printed without asking the catalogue is never in it.

Inputs
    ``params/i18n/<lang>.yml``: a mapping ``English string -> {text: ..., review: bool}``
    (``review: true`` marks a translation a native speaker should check), or for a string
    with a count its forms by CLDR plural category (``{one: ..., few: ..., other: ...}``, the
    key being the English ``other`` form). Templates keep the English ``{placeholders}``
    unchanged. Grammatical gender, where a language needs it: an entry may say the gender of
    its translation (``"age group": {text: "grupo de edad", gender: masculine}``; an answer
    label whose words come from the form's column gives only ``{gender: feminine}``), and a
    template may give its forms by the gender of the text filling one of its fields
    (``agree: {field: topic, feminine: "La {topic} ..."}``: that field's text, or the English
    label it translates, is looked up; a gender without a form, or none known, keeps ``text``;
    a form may itself be plural forms). ``params/study.yml`` for the language names.
    ``params/languages.yml``: what a language does to the words a filled template puts side
    by side (Spanish "de el" -> "del"), applied where every template is filled
    (:meth:`Translator.joined`).
    A catalogue is read and checked by :mod:`perspectives.catalogues`.

Outputs
    Translated strings; :data:`FALLBACKS_FILE` per run; :func:`skeleton` and :func:`init`
    (``perspectives i18n init LANG``), a new language's catalogue with every key blank;
    :func:`catalogue_fill`, how many of the strings the reports can print a catalogue fills
    (these three in :mod:`perspectives.catalogue_init`, re-exported here).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from . import locales

# The names below are this module's public API (``__all__``), kept where callers have always
# found them: reading a catalogue (catalogues) and starting one (catalogue_init).
from .catalogue_init import catalogue_fill, catalogue_strings, every_key, init, instrument_strings, skeleton
from .catalogues import (
    DEFAULT_LANG,
    Entry,
    blank_keys,
    instrument_language,
    load_catalogue,
    load_contractions,
    load_genders,
    placeholders,
)
from .project import Project, default

# What a run's Translator looked up and did not find (a diagnostic; see the module doc).
FALLBACKS_FILE = "translation_fallbacks.json"

__all__ = [
    "DEFAULT_LANG",
    "FALLBACKS_FILE",
    "Entry",
    "Gender",
    "LocalisedInstrument",
    "LocalisedSurvey",
    "Translator",
    "blank_keys",
    "catalogue_fill",
    "catalogue_strings",
    "every_key",
    "init",
    "instrument_language",
    "instrument_strings",
    "load_catalogue",
    "load_contractions",
    "placeholders",
    "read_missing",
    "skeleton",
    "translate_fields",
    "translate_frame",
    "translate_words",
]



class Gender(str):
    """A grammatical gender passed as a field (``feminine``): it picks a translation's ``agree:`` form, never printed.

    A group of people takes its gender from the data (the conversations' participants are
    feminine where all of them are women); a catalogue entry that agrees with it names the
    field (``agree: {field: participants, feminine: ...}``) and gives the form for each gender
    its language needs, the entry's own text serving every other.
    """

    __slots__ = ()


# Opening quotation marks a contraction reads across: "de «el tabú»" is written "del «tabú»",
# the article leaving the quotation as it joins the preposition.
OPENING_QUOTES = "«“‘\"'"


def _meeting(words: str) -> re.Pattern[str]:
    """The words of a contraction as a filled text has them side by side (whole words, one line).

    Group 1 is the first word's first letter, matched in either case (the contraction keeps it);
    ``mark``, an opening quotation mark before the last word (which then takes the space after it).
    """
    first, *rest = words.split()
    between = "".join(rf"[^\S\n]+{re.escape(w)}" for w in rest[:-1])
    last = re.escape(rest[-1])
    return re.compile(rf"(?<!\w)({re.escape(first[0].lower())}|{re.escape(first[0].upper())}){re.escape(first[1:])}"
                      + between + rf"[^\S\n]+(?:(?P<mark>[{re.escape(OPENING_QUOTES)}]){last}[^\S\n]+|{last}(?!\w))")


def _contracted(found: re.Match[str], written: str) -> str:
    """The contraction of ``found`` (its first capital kept), with the quotation mark it read across."""
    text = written[:1].upper() + written[1:] if found.group(1).isupper() else written
    return f"{text} {found['mark']}" if found["mark"] else text


class Translator:
    """Looks strings up in one language's catalogue and remembers what fell back to English."""

    def __init__(self, lang: str = DEFAULT_LANG, folder: Path | None = None, *,
                 project: Project | None = None) -> None:
        """The translator of ``lang``.

        Args:
            lang: the report language.
            folder: the catalogues' folder (default: the project's ``params/i18n``).
            project: the study folder (default: the one around the working directory).
        """
        self.project = default(project)
        self.study = self.project.study
        instrument_language(lang, self.study)  # an unknown code is an error, not a silent English report
        self.lang = lang
        self.catalogue = load_catalogue(lang, folder, project=self.project)
        self.genders = load_genders(lang, folder, project=self.project)
        self._contractions = [(_meeting(words), written) for words, written in
                              (() if self.is_default else load_contractions(lang, project=self.project))]
        self.missing: set[str] = set()
        self._generated: dict[str, str] | None = None
        # The genders the report's own words agree with (``participants``: the young people in
        # the conversations), for text that comes with no fields of its own: notebook Markdown.
        self.agreement: dict[str, Gender] = {}

    @property
    def is_default(self) -> bool:
        """Whether this is the default language (English), which needs no catalogue."""
        return self.lang == DEFAULT_LANG

    @property
    def column(self) -> str:
        """The XLSForm label column of this language."""
        return instrument_language(self.lang, self.study)

    def __call__(self, text: str, **fields: Any) -> str:
        """``text`` in this language (English if untranslated), formatted with ``fields`` if given.

        Where the catalogue's entry gives forms by the gender of one of ``fields`` (``agree:``),
        the form for that field's gender is used (a :class:`Gender`, or a text the catalogue
        gives a gender).
        """
        entry = None if self.is_default else self.catalogue.get(text)
        if entry is not None and entry.agree and entry.agree_field in fields:
            out = self.template(text, None, lambda name: self.gender(fields.get(name)))
        else:
            out = self.lookup(text)
        return self.joined(out.format(**fields)) if fields else out

    def joined(self, text: str) -> str:
        """A filled template with the words it put side by side written as this language writes them.

        A template ending in a preposition, filled with a text that opens on an article, puts
        them side by side ("de {answers}" with "el miedo ..." reads "de el miedo"); the
        language's contractions (``params/languages.yml``) write them as one ("del miedo").
        Whole words only, within a line; the first word's capital is kept, and an opening
        quotation mark between them stays before the rest ("de «el tabú»": "del «tabú»").
        Every place a template is filled calls this once on what it filled.
        """
        for pattern, written in self._contractions:
            text = pattern.sub(lambda m, w=written: _contracted(m, w), text)
        return text

    def lookup(self, text: str) -> str:
        """``text`` in this language, or ``text`` itself (remembered as missing) if untranslated."""
        if self.is_default or not text or not text.strip():
            return text
        entry = self.catalogue.get(text)
        if entry is None:
            key = self.generated.get(text)
            if key is not None:  # a phrase naming the set of countries, as English renders it
                return self.plural(key, len(self.study.countries))
            self.missing.add(text)
            return text
        return entry.text

    @property
    def generated(self) -> dict[str, str]:
        """English text -> catalogue key of each country-set phrase at the study's count.

        The library and ``perspectives.study`` write these phrases in English
        ("All 26 countries (synthesis)", "top, all 26 (%)"); looking such a text up
        translates it with the phrase's plural forms in this language.
        """
        if self._generated is None:
            n = len(self.study.countries)
            self._generated = {locales.render_count(forms, n): key for key, forms in locales.COUNT_PHRASES.items()}
        return self._generated

    def plural(self, key: str, n: int, **fields: Any) -> str:
        """A phrase with a count, in this language's plural form for ``n``.

        Args:
            key: the phrase's catalogue key, one of :data:`perspectives.locales.COUNT_PHRASES`.
            n: the count (the number of countries, say).
            **fields: other placeholders of the phrase.

        Returns:
            The catalogue's form for ``n`` (an exact ``=n`` form, else ``n``'s CLDR plural
            category, else ``other``) with ``{count}`` in this language's words or figures;
            English when the catalogue lacks the phrase (recorded as missing).

        Raises:
            KeyError: ``key`` is not a declared phrase.
        """
        english = locales.COUNT_PHRASES[key]
        entry = None if self.is_default else self.catalogue.get(key)
        if entry is None:
            if not self.is_default:
                self.missing.add(key)
            return locales.render_count(english, n).format(**fields) if fields else locales.render_count(english, n)
        forms = dict(entry.forms) or {"other": entry.text}
        words = self.catalogue.get(locales.NUMBER_WORDS)  # a language num2words does not write in words
        text = locales.render_count(forms, n, self.lang, dict(words.forms) if words is not None else None)
        return self.joined(text.format(**fields)) if fields else text

    def forms(self, english: Mapping[str, str], count: int, /, **fields: Any) -> str:
        """A text whose grammar follows a count, in this language's plural form for ``count``.

        Args:
            english: the English forms by CLDR plural category; ``other`` is required and is
                the catalogue key (as in ``params/report_texts.yml``).
            count: the number that picks the form (it is in the text only as a field).
            **fields: the placeholders to fill.

        Returns:
            The catalogue's form for ``count`` (an exact ``=N`` form, else its CLDR category,
            else ``other``), or English's when the catalogue has no entry (recorded as missing).
        """
        key = english["other"]
        entry = None if self.is_default else self.catalogue.get(key)
        if entry is None:
            if not self.is_default:
                self.missing.add(key)
            forms, lang = english, DEFAULT_LANG
        else:
            forms, lang = dict(entry.forms) or {"other": entry.text}, self.lang
        text = locales.select_form(forms, count, lang)
        return self.joined(text.format(**fields)) if fields else text

    def template(self, english: str | Mapping[str, str], count: int | None = None,
                 gender: Callable[[str], str | None] | None = None) -> str:
        """A template in this language, unfilled: its plural form for ``count``, its gender form.

        Args:
            english: the English template, or its forms by CLDR plural category (``other``
                required: it is the catalogue key).
            count: the number that picks the plural form (None: the template has one form).
            gender: field name -> the grammatical gender of the text filling it. Where the
                catalogue's entry gives forms by the gender of a field (``agree:``), the form
                for that field's gender is used; any other gender (or none known) keeps the
                entry's own text.

        Returns:
            The template; English's when the catalogue has no entry (recorded as missing).
        """
        forms: dict[str, str] = {"other": english} if isinstance(english, str) else dict(english)
        key = forms["other"]
        entry = None if self.is_default else self.catalogue.get(key)
        lang = DEFAULT_LANG
        if entry is None:
            if not self.is_default and key.strip():
                self.missing.add(key)
        else:
            forms, lang = dict(entry.forms) or {"other": entry.text}, self.lang
            if entry.agree and gender is not None:
                chosen = dict(entry.agree).get(gender(entry.agree_field) or "")
                forms = dict(chosen) if chosen else forms
        return locales.select_form(forms, count, lang) if count is not None else forms["other"]

    def gender(self, text: str | None) -> str | None:
        """The grammatical gender the catalogue gives ``text`` (an English key or its translation), or None.

        A :class:`Gender` is its own gender.
        """
        if isinstance(text, Gender):
            return str(text)
        if self.is_default or not text:
            return None
        return self.genders.get(str(text))

    def country(self, iso3: str) -> str:
        """A study country's name in this language.

        The study's English name for English, CLDR's name in the language otherwise.
        """
        if self.is_default:
            return self.study.country(iso3).name
        return locales.country_name(iso3, self.lang)

    def note_missing(self, what: str) -> None:
        """Record a part of the report that is generated in English only (no catalogue key)."""
        if not self.is_default:
            self.missing.add(what)

    def label(self, labels: dict[str, str], english: str, name: str) -> str:
        """A label from the XLSForm's columns: this language's, else the catalogue's, else English (recorded)."""
        if self.is_default:
            return english
        text = labels.get(self.column)
        if text:
            return text
        # A form language without a column (a new language): its catalogue translates the form.
        entry = self.catalogue.get(english)
        if entry is not None:
            return entry.text
        self.missing.add(f"instrument label: {name}")
        return english

    def markdown(self, source: str) -> str:
        """Translate Markdown block by block (headings by their text), keeping the markup.

        A block or heading whose entry agrees with a field of :attr:`agreement` (``agree:``)
        takes the form for that field's gender, as a template filled with the field would.
        """
        if self.is_default:
            return source
        blocks = re.split(r"(\n\s*\n)", source)
        out = []
        for block in blocks:
            if not block.strip():
                out.append(block)
                continue
            lines = block.split("\n")
            if all(re.match(r"^\s*#{1,6}\s", ln) for ln in lines if ln.strip()):
                out.append("\n".join(self._heading(ln) for ln in lines))
            else:
                out.append(self._agreeing(block.strip()))
        return "".join(out)

    def _heading(self, line: str) -> str:
        m = re.match(r"^(\s*#{1,6}\s+)(.*?)\s*$", line)
        return m.group(1) + self._agreeing(m.group(2)) if m else line

    def _agreeing(self, text: str) -> str:
        """``text`` translated in the form that agrees with :attr:`agreement` where its entry has one."""
        entry = None if self.is_default else self.catalogue.get(text)
        if entry is not None and entry.agree and entry.agree_field in self.agreement:
            return self.template(text, None, lambda name: self.gender(self.agreement.get(name)))
        return self.lookup(text)

    def write_missing(self, folder: Path) -> Path | None:
        """Write the fallbacks of this run to ``folder/`` :data:`FALLBACKS_FILE` (None if none).

        A diagnostic of the code (which lookups found nothing); what a reader meets in English
        is measured on the built report (:mod:`perspectives.untranslated`).
        """
        path = Path(folder) / FALLBACKS_FILE
        if self.is_default or not self.missing:
            path.unlink(missing_ok=True)
            return None
        path.write_text(json.dumps({"lang": self.lang, "missing": sorted(self.missing)}, indent=1,
                                   ensure_ascii=False) + "\n", encoding="utf-8")
        return path


class LocalisedInstrument:
    """The instrument as one language sees it: labels from that language's XLSForm columns.

    Wraps an :class:`perspectives.instrument.Instrument` without changing it (the survey is
    cached and shared), so the analysis engine labels tables and figures in the report's
    language while codes, questions and choice lists stay those of the one instrument.
    """

    def __init__(self, instrument: Any, translator: Translator) -> None:
        self._instrument = instrument
        self._tr = translator

    def __getattr__(self, name: str) -> Any:
        return getattr(self._instrument, name)

    def __getitem__(self, name: str) -> Any:
        return self._instrument[name]

    def choice_labels(self, name: str, language: str | None = None) -> dict[str, str]:
        """Choice name -> label of question ``name``'s list in this language (``language`` unused)."""
        question = self._instrument.questions[name]
        return {choice.name: self._tr.label(choice.labels, choice.label, f"{question.list_name}/{choice.name}")
                for choice in self._instrument.choices[question.list_name or ""]}

    def label(self, name: str, language: str | None = None) -> str:
        """The label of question ``name`` in this language (``language`` unused)."""
        question = self._instrument.questions[name]
        return self._tr.label(question.labels, question.label, name)


class LocalisedSurvey:
    """A survey whose ``instrument`` speaks the report's language (everything else as is)."""

    def __init__(self, survey: Any, translator: Translator) -> None:
        self._survey = survey
        self.instrument = LocalisedInstrument(survey.instrument, translator)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._survey, name)


# Fixed words the analysis engine puts into table headers and row labels.
# The pooled columns' headers ("top, all 26 (%)") are country-set phrases: looked up too.
TABLE_WORDS = ("Respondents", "Mean (%)", "n", "%", "Girls", "Boys", "Test", "girls vs boys",
               "bottom (%)", "top (%)")


def translate_frame(frame: Any, translator: Translator, words: Iterable[str] = TABLE_WORDS) -> Any:
    """A copy of a table with its fixed header and row words translated (cells untouched)."""
    import pandas as pd

    if translator.is_default or frame is None:
        return frame

    def word(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if value in translator.generated:
            return translator.lookup(value)
        return next((translator.lookup(w) for w in words if w == value), value)

    out = frame.copy()
    out.index = [word(v) for v in out.index]
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = pd.MultiIndex.from_tuples([tuple(word(p) for p in col) for col in out.columns])
    else:
        out.columns = [word(v) for v in out.columns]
    return out


def translate_words(text: str, translator: Translator, words: Iterable[str] = TABLE_WORDS) -> str:
    """``text`` with each fixed word of ``words`` it holds (whole words: "Girls 46; Boys 28") translated."""
    if translator.is_default or not text:
        return text
    for w in words:
        pattern = re.compile(rf"(?<!\w){re.escape(w)}(?!\w)")
        if pattern.search(text):
            text = pattern.sub(lambda _, w=w: translator.lookup(w), text)
    return text


# Phrases the narrative cells say in place of a withheld number (perspectives.analysis_results.Cell).
CELL_PHRASES = ("n/a", "a number withheld for privacy", "fewer than {threshold} respondents")


def translate_fields(value: Any, translator: Translator, threshold: int) -> Any:
    """Narrative fields with the withheld-number phrases in the report's language.

    Cells format themselves in English; a cell that prints one of the fixed phrases is
    replaced by its translated text, every other value is returned as it is.
    """
    if translator.is_default:
        return value
    phrases = {p.format(threshold=threshold): translator(p, threshold=threshold) if "{" in p
               else translator(p) for p in CELL_PHRASES}
    if isinstance(value, dict):
        out = type(value)()
        for key, item in value.items():
            out[key] = translate_fields(item, translator, threshold)
        return out
    if isinstance(value, str):
        return phrases.get(value, value)
    for attr in ("pct", "pct_n", "n"):
        if not hasattr(value, attr):
            return value
    return _LocalCell(value, phrases)


class _LocalCell:
    """A narrative cell whose withheld-number phrases come out translated."""

    def __init__(self, cell: Any, phrases: dict[str, str]) -> None:
        self._cell, self._phrases = cell, phrases

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._cell, name)
        return self._phrases.get(value, value) if isinstance(value, str) else value

    def __format__(self, spec: str) -> str:
        return self.pct_n


def read_missing(folders: Iterable[Path]) -> list[str]:
    """The union of the fallbacks the runs in ``folders`` recorded (sorted; a diagnostic)."""
    seen: set[str] = set()
    for folder in folders:
        path = Path(folder) / FALLBACKS_FILE
        if path.is_file():
            seen.update(json.loads(path.read_text(encoding="utf-8")).get("missing", []))
    return sorted(seen)




# A name quoted inside a sentence or a note: the language's primary quotation marks, then its
# secondary ones (each catalogue gives the language's marks as its translation of these).
QUOTES = ("“{label}”", "‘{label}’")


def quotes_for(tr: Callable[[str], str], label: str) -> str:
    """The quotation marks to set ``label`` between, as the English template the caller fills (``{label}``).

    The language's primary marks, unless ``label`` holds their closing mark, which would end
    the quote early (a theme named ``Said "no" twice`` in a language closing on ``"``): then its
    secondary marks; where the label holds both closing marks, the primary ones. The caller
    fills and escapes the label as it does any field.

    Args:
        tr: the report's translator (a template in, the language's template out).
        label: the name to quote, as it will be printed.
    """
    for template in QUOTES:
        closing = tr(template).rpartition("{label}")[2].strip()
        if not closing or closing not in label:
            return template
    return QUOTES[0]
