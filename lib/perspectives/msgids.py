"""Every English string a report can print, found where it is written: the catalogues' keys.

Purpose
    A catalogue (``params/i18n/<lang>.yml``) translates English strings; this module finds
    which strings there are to translate, by reading the places they are written rather than
    a list kept by hand, so that a new sentence in a parameter file, a notebook or the library
    is a new key at once (``perspectives i18n init LANG`` writes them all, and the coverage a
    reader sees, :mod:`perspectives.untranslated`, recognises them in a built report):

    * the prose and labels of ``params/`` and ``data/`` (:data:`SOURCES`: which keys of which
      file hold report text; a mapping with an ``other`` form is a plural entry, its key the
      ``other`` form);
    * the notebooks' Markdown cells, block by block and headings by their text, as
      :meth:`perspectives.i18n.Translator.markdown` looks them up, and the literal texts their
      code cells pass to ``say``, ``figure`` or a ``caption=``;
    * the library's fixed words: the literal first argument of each call to a translator
      (:data:`TRANSLATOR_CALLS`: ``self.t("...")``, ``tr("...")``...), and, where that argument
      names a module-level constant (directly, through a subscript, a loop or comprehension
      over it, a local assignment from it or a parameter's default), every string of that
      constant (a mapping's values, not its keys);
    * the phrases with a count (:data:`perspectives.locales.COUNT_PHRASES`);
    * the instrument's English labels and hints (questions and answers but the countries,
      which CLDR names): the XLSForm's ``label::<language>`` columns translate them, and a
      catalogue does for a form language without a column.

    The notebooks and the library's code are read by :mod:`perspectives.code_strings`.

    Text put together in code (an f-string) is not found here: it never passes a catalogue,
    and the reader's audit (:mod:`perspectives.untranslated`) names it as English text no
    catalogue knows.

Inputs
    The study folder's ``params/``, ``data/`` and ``notebooks/`` (a
    :class:`perspectives.project.Project`), the library's own modules (:data:`LIBRARY_DIR`),
    and the study's instrument (:func:`perspectives.instrument.load_instrument`).

Outputs
    :func:`extract`: English text -> :class:`Msgid` (its plural forms, where it was found),
    in a stable order (by group, then as found).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import locales

# TRANSLATOR_CALLS, markdown_blocks and the *_strings readers are this module's public API
# (``__all__``), kept where callers have always found them.
from .code_strings import (
    LIBRARY_DIR,
    TRANSLATOR_CALLS,
    library_strings,
    markdown_blocks,
    notebook_strings,
    problem_strings,
)
from .project import Project, default

__all__ = [
    "GROUPS",
    "SOURCES",
    "TRANSLATOR_CALLS",
    "Msgid",
    "Source",
    "english_words",
    "extract",
    "fallback_captions",
    "groups",
    "instrument_translations",
    "is_plural",
    "library_strings",
    "problem_strings",
    "literal",
    "markdown_blocks",
    "notebook_strings",
]

# Group names, in the order a catalogue skeleton lists them.
PHRASES, REPORT_TEXTS, PARAMS, DATA, NOTEBOOKS, LIBRARY, INSTRUMENT, CHECK = (
    "country-set phrases", "report texts (params/report_texts.yml)", "params", "codebook, recommendations, roundtable",
    "notebooks", "library", "instrument", "the check's messages (the partner's page)")
GROUPS = (PHRASES, REPORT_TEXTS, PARAMS, DATA, NOTEBOOKS, LIBRARY, INSTRUMENT, CHECK)

# Keys whose values are settings, never report text (params/report_texts.yml declares them).
NOT_TEXT = frozenset({"count", "show", "sentence", "quantifier", "min", "max", "min_open", "max_open", "review"})


@dataclass(frozen=True)
class Source:
    """A parameter or data file and where in it report text lives.

    Attributes:
        path: the file, relative to the repository root.
        group: the skeleton's group for its strings.
        keys: the keys whose string values (or lists of strings) are report text; None for
            every string value but those under :data:`NOT_TEXT` and ``skip``.
        skip: keys whose values are never report text (descriptions for editors, settings).
        derived: key -> how the code turns its value into the text it looks up (a value
            that is a code elsewhere, such as an analysis's ``by: org_type``).
    """

    path: str
    group: str
    keys: frozenset[str] | None = None
    skip: frozenset[str] = frozenset()
    derived: tuple[tuple[str, str], ...] = ()


def _words_of_code(value: str) -> str:
    """How ``perspectives.report`` names a breakdown in a caption: ``org_type`` -> ``org type``."""
    return value.replace("_", " ")


DERIVATIONS = {"words_of_code": _words_of_code}

# Where report text is written in params/ and data/ (the instrument, notebooks and library
# are read by their own functions below).
SOURCES: tuple[Source, ...] = (
    Source("params/report_texts.yml", REPORT_TEXTS, skip=frozenset({"conditions", "fields", "version"})),
    Source("params/grid.yml", PARAMS, keys=frozenset({"title"})),
    Source("params/study.yml", PARAMS, keys=frozenset({"title", "citation"})),
    Source("params/analyses.yml", PARAMS, keys=frozenset({"text", "caption", "label"}), derived=(("by", "words_of_code"),)),
    # Its topics, comparisons and exclusions name analyses and options: codes, not text.
    Source("params/summary.yml", PARAMS, skip=frozenset({"topics", "compare", "exclude"})),
    Source("data/codebook.yml", DATA, keys=frozenset({"label"})),
    Source("data/recommendations.yml", DATA, keys=frozenset({"title", "text"})),
    Source("data/roundtable.yml", DATA, keys=frozenset({"title", "text"})),
)



@dataclass(frozen=True)
class Msgid:
    """One English string a catalogue can translate.

    Attributes:
        text: the catalogue key (a plural entry's ``other`` form).
        forms: a plural entry's English forms by CLDR category; empty for a plain string.
        origins: where it is written (``params/analyses.yml``, ``library: report.py``...).
        group: the skeleton group it is listed under (its first origin's).
    """

    text: str
    forms: tuple[tuple[str, str], ...] = ()
    origins: tuple[str, ...] = ()
    group: str = PARAMS

    @property
    def neutral(self) -> bool:
        """Whether no letter stands outside its placeholders (``"{caption} — {place}"``).

        Nothing in it reads as English: a catalogue may still reorder it, but a report never
        shows it untranslated.
        """
        return not any(re.search(r"[^\W\d_]", literal(text)) for text in self.english)

    @property
    def english(self) -> tuple[str, ...]:
        """Every English text of the entry: its forms, or the text alone."""
        return tuple(dict.fromkeys(text for _, text in self.forms)) if self.forms else (self.text,)


def is_plural(value: Any) -> bool:
    """Whether a YAML value is a plural entry: a mapping with an ``other`` form and only forms."""
    if not isinstance(value, dict) or not isinstance(value.get("other"), str):
        return False
    return all(k in locales.PLURAL_CATEGORIES or k in NOT_TEXT or (str(k).startswith("=") and str(k)[1:].isdigit())
               for k in value)


def _plural_forms(value: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), " ".join(str(v).split()) if "\n" in str(v) else str(v)) for k, v in value.items()
                 if k not in NOT_TEXT and isinstance(v, str))


class _Collector:
    """Msgids in the order found, merging the origins of a string found twice."""

    def __init__(self) -> None:
        self.found: dict[str, Msgid] = {}

    def add(self, text: str, origin: str, group: str, forms: tuple[tuple[str, str], ...] = ()) -> None:
        if not isinstance(text, str) or not text.strip():
            return
        known = self.found.get(text)
        if known is None:
            self.found[text] = Msgid(text, forms, (origin,), group)
        elif origin not in known.origins:
            self.found[text] = Msgid(text, known.forms or forms, (*known.origins, origin), known.group)


def _walk(node: Any, source: Source, key: str | None, out: _Collector) -> None:
    """Add the report text of one YAML node (``key``: the key it is the value of)."""
    if isinstance(node, dict):
        if is_plural(node) and (source.keys is None or key in source.keys):
            out.add(node["other"], source.path, source.group, _plural_forms(node))
            return
        for k, value in node.items():
            if k in source.skip or k in NOT_TEXT:
                continue
            derive = dict(source.derived).get(k)
            if derive is not None and isinstance(value, str):
                out.add(DERIVATIONS[derive](value), source.path, source.group)
                continue
            _walk(value, source, str(k), out)
    elif isinstance(node, list):
        for item in node:
            _walk(item, source, key, out)
    elif isinstance(node, str) and (source.keys is None or key in source.keys):
        out.add(node, source.path, source.group)


def fallback_captions(analyses: dict[str, Any]) -> list[str]:
    """The captions :meth:`perspectives.report.Section.run` makes from the id of an analysis without one."""
    return [key.replace("_", " ").capitalize() for key, spec in analyses.items()
            if isinstance(spec, dict) and "section" in spec and not spec.get("figure") and not spec.get("caption")]


# --------------------------------------------------------------------------- instrument

def _instrument_entries(project: Project) -> Iterator[tuple[str, dict[str, str]]]:
    """``(English text, labels by form language)`` of each question, answer and hint of the study's form."""
    import csv

    from .instrument import COUNTRY_LIST, DEFAULT_LANGUAGE, load_instrument

    instrument = load_instrument(project=project)
    for question in instrument.questions.values():
        if question.label != question.name:
            yield question.label, question.labels
    for list_name, choices in instrument.choices.items():
        if list_name != COUNTRY_LIST:
            yield from ((c.label, c.labels) for c in choices if c.label != c.name)
    with (project.instrument_sources / "survey.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            english = row.get(f"hint::{DEFAULT_LANGUAGE}", "")
            if english:
                yield english, {k.split("::", 1)[1]: v for k, v in row.items() if k.startswith("hint::") and v}


def instrument_translations(column: str, project: Project | None = None) -> dict[str, set[str]]:
    """English label or hint -> its texts in one form language's column (``Spanish (es)``).

    Args:
        column: the form language (``Spanish (es)``).
        project: the study folder (default: the one around the working directory).
    """
    out: dict[str, set[str]] = {}
    for english, labels in _instrument_entries(default(project)):
        if labels.get(column):
            out.setdefault(english, set()).add(labels[column])
    return out


# --------------------------------------------------------------------------- all together

def _read_files(project: Project) -> list[Path]:
    """The files extraction reads: a change to one extracts again."""
    root = project.root
    paths = [root / s.path for s in SOURCES] + [project.params / "analyses.yml"]
    paths += sorted(project.notebooks.glob("*.ipynb")) + sorted(LIBRARY_DIR.rglob("*.py"))
    paths += sorted(project.instrument_sources.glob("*.csv")) + [project.study_file]
    paths += sorted(project.catalogues.glob("*.yml"))  # a language the form lacks takes its labels from them
    return paths


def extract(project: Project | None = None) -> dict[str, Msgid]:
    """Every English string a report can print through a catalogue, by its catalogue key.

    Args:
        project: the study folder (default: the one around the working directory); the
            library's strings are this library's.

    Returns:
        Key -> :class:`Msgid`, ordered by :data:`GROUPS`, then as found.
    """
    project = default(project)
    return dict(project.cached("msgids", None, lambda: _extract(project), _read_files(project), keep=1))


def _extract(project: Project) -> tuple[tuple[str, Msgid], ...]:
    root = project.root
    out = _Collector()
    for key, forms in locales.COUNT_PHRASES.items():
        out.add(key, "perspectives.locales", PHRASES, tuple(forms.items()))
    out.add(locales.NUMBER_WORDS, "perspectives.locales", PHRASES)  # a table of words, not a phrase with a count
    for source in SOURCES:
        path = root / source.path
        if path.is_file():
            _walk(yaml.safe_load(path.read_text(encoding="utf-8")), source, None, out)
    analyses = root / "params" / "analyses.yml"
    if analyses.is_file():
        for text in fallback_captions(yaml.safe_load(analyses.read_text(encoding="utf-8"))):
            out.add(text, "params/analyses.yml (an entry without a caption)", PARAMS)
    for text, notebook in notebook_strings(root / "notebooks"):
        out.add(text, f"notebooks/{notebook}", NOTEBOOKS)
    for text, module in library_strings(LIBRARY_DIR):
        out.add(text, f"library: {module}.py", LIBRARY)
    for text, _ in _instrument_entries(project):
        out.add(text, "instrument", INSTRUMENT)
    for text, module in problem_strings(LIBRARY_DIR):
        out.add(text, f"library: {module}.py", CHECK)
    order = {group: i for i, group in enumerate(GROUPS)}
    return tuple((m.text, m) for m in sorted(out.found.values(), key=lambda m: order[m.group]))


def english_words(project: Project | None = None) -> frozenset[str]:
    """Every word (lower case) of the English the parameter and data files are written in.

    Their texts, keys and comments: a lexicon of the project's English, wider than the
    strings themselves, for telling English text that no catalogue knows
    (:mod:`perspectives.untranslated`). The catalogues are not read, nor ``params/study.yml``,
    whose partner organisations are named in their own languages, nor ``params/languages.yml``,
    whose words are the other languages' ("del").
    """
    project = default(project)
    paths = [p for p in sorted(project.params.glob("*.yml")) + sorted(project.data.glob("*.yml"))
             if p.name not in ("study.yml", "languages.yml") and p.is_file()]
    return project.cached("english words", None, lambda: _english_words(paths), paths, keep=1)


def _english_words(paths: list[Path]) -> frozenset[str]:
    words: set[str] = set()
    for path in paths:
        words |= {w.lower() for w in re.findall(r"[^\W\d_]{2,}", path.read_text(encoding="utf-8"))}
    return frozenset(words)


def literal(template: str) -> str:
    """A template's text without its ``{fields}`` (each field becomes a space)."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        return template
    return " ".join(text for text, _, _, _ in parts)


def groups(msgids: Iterable[Msgid]) -> dict[str, list[Msgid]]:
    """Msgids by skeleton group, in :data:`GROUPS` order (empty groups left out)."""
    out: dict[str, list[Msgid]] = {}
    for m in msgids:
        out.setdefault(m.group, []).append(m)
    return {g: out[g] for g in GROUPS if g in out}
