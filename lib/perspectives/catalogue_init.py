"""A new language's catalogue started: every string the reports print, grouped, with what is known.

Purpose
    ``perspectives i18n init LANG`` writes ``params/i18n/<lang>.yml`` with every English
    string the reports take from the parameter files, the form and the code (found by
    :mod:`perspectives.msgids`), filled where a translation is already known (the form's
    label column, an existing catalogue) and blank elsewhere. Apart from
    :mod:`perspectives.i18n`, because this writes a catalogue, where the rest reads one.

Inputs
    The study folder; the language.

Outputs
    The catalogue's text (:func:`skeleton`), the file (:func:`init`), and the strings
    per group (:func:`every_key`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import locales, msgids
from .catalogues import DEFAULT_LANG, blank_keys, instrument_language, load_catalogue
from .hints import command, shown_path
from .project import Project, default

# The parameter files whose strings every catalogue of the study translates (the sections'
# titles, the analyses' sentences and captions, the executive summary).
PARAMS_FILES = ("params/grid.yml", "params/analyses.yml", "params/summary.yml")


def catalogue_strings(project: Project | None = None) -> list[str]:
    """The English strings the reports take from ``params/`` (grid titles, analyses, summary)."""
    return [m.text for m in msgids.extract(project).values()
            if not m.neutral and any(o.startswith(PARAMS_FILES) for o in m.origins)]


def instrument_strings(project: Project | None = None) -> list[str]:
    """The instrument's English labels and hints (questions and answers, not the countries)."""
    return [m.text for m in msgids.extract(project).values() if m.group == msgids.INSTRUMENT]


def every_key(project: Project | None = None) -> dict[str, list[str]]:
    """Every string a catalogue can translate, by where it is written (:mod:`perspectives.msgids`)."""
    return {group: [m.text for m in items]
            for group, items in msgids.groups(msgids.extract(project).values()).items()}


def catalogue_fill(lang: str, folder: Path | None = None, project: Project | None = None) -> dict[str, Any]:
    """How many of the strings the reports can print ``lang``'s catalogue (or form) translates.

    This counts entries, not what a reader meets: a string filled here but printed without
    asking the catalogue still reads English (:mod:`perspectives.untranslated` measures that
    on a built report). Strings with nothing to translate (placeholders and marks) are left out.

    Returns:
        ``{"strings", "translated", "review", "blank", "absent"}`` counts, and ``"untranslated"``:
        the keys with no translation (blank or absent), in extraction order.
    """
    project = default(project)
    catalogue, blank = load_catalogue(lang, folder, project=project), blank_keys(lang, folder, project=project)
    column = msgids.instrument_translations(instrument_language(lang, project.study), project) \
        if lang != DEFAULT_LANG else {}
    wanted = [m for m in msgids.extract(project).values() if not m.neutral]
    done = [m.text for m in wanted if m.text in catalogue or m.text in column]
    missing = [m.text for m in wanted if m.text not in catalogue and m.text not in column]
    return {"strings": len(wanted), "translated": len(done),
            "review": sum(1 for k in done if k in catalogue and catalogue[k].review),
            "blank": sum(1 for k in missing if k in blank), "absent": sum(1 for k in missing if k not in blank),
            "untranslated": missing}
def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def skeleton(lang: str, project: Project | None = None) -> str:
    """A catalogue for ``lang`` with every key and nothing translated yet (YAML text).

    Every key :mod:`perspectives.msgids` finds, grouped by where it is written. Texts with a
    count (the country-set phrases, the plural entries of ``params/report_texts.yml``) get one
    blank form per CLDR plural category of the language (Thai: ``other``; Bosnian: ``one``,
    ``few``, ``other``). A blank entry falls back to
    English and is listed as missing, exactly as an absent one.

    Raises:
        ValueError: ``lang`` is English (the source language) or unknown to CLDR.
    """
    if lang == DEFAULT_LANG or not locales.known_language(lang):
        raise ValueError(f"cannot start a catalogue for {lang!r}: give a language code CLDR knows, not English")
    categories = [c for c in locales.PLURAL_CATEGORIES if c in locales.plural_tags(lang)]
    name = locales.language_name(lang)
    lines = [f"# {name} ({lang}) catalogue: English string -> {{text, review}}. Started by `perspectives i18n init "
             f"{lang}`:", "# fill in each text in our own words; leave a text blank to show the English (the build "
             "lists it).", "# Placeholders in {braces} are filled by the code and must stay as in the English; "
             "review: true marks", "# wording a native speaker should check. Phrases with a count take one form per "
             f"plural category of {name}", f"# ({', '.join(categories)}; see CLDR's plural rules), and may add an "
             "exact form such as \"=2\".", ""]
    for group, items in msgids.groups(msgids.extract(project).values()).items():
        lines.append(f"# --- {group} " + "-" * max(3, 86 - len(group)))
        for m in items:
            if m.forms:
                forms = ", ".join(f"{c}: \"\"" for c in categories)
                lines.append(f"{_quote(m.text)}: {{{forms}, review: true}}")
            else:
                lines.append(f"{_quote(m.text)}: {{text: \"\", review: true}}")
        lines.append("")
    return "\n".join(lines)


def init(lang: str, folder: Path | None = None, force: bool = False, *, project: Project | None = None) -> Path:
    """Write ``params/i18n/<lang>.yml`` as :func:`skeleton` makes it.

    Args:
        lang: the new language.
        folder: the catalogues' folder (default: the project's ``params/i18n``).
        force: write over a catalogue already there.
        project: the study folder (default: the one around the working directory).

    Raises:
        FileExistsError: the catalogue exists and ``force`` is not set.
        ValueError: see :func:`skeleton`.
    """
    project = default(project)
    path = Path(folder if folder is not None else project.catalogues) / f"{lang}.yml"
    if path.exists() and not force:
        raise FileExistsError(f"{shown_path(path)} exists; to start it again, run {command('i18n', 'init', lang, '--force', project=project.root)}")
    text = skeleton(lang, project)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
