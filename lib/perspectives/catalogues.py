"""A language's catalogue read and checked: its entries, their plural forms and genders.

Purpose
    ``params/i18n/<lang>.yml`` maps each English string to its translation: a text, plural
    forms by CLDR category, a gender, forms that agree with a field's gender, and whether a
    native speaker should review it. Each entry is checked where it is read (its forms, its
    placeholders against the English), and a blank entry is told apart from a missing one.
    Apart from :mod:`perspectives.i18n` (the :class:`~perspectives.i18n.Translator` that uses
    them), because this is the file, not its use.

Inputs
    ``params/i18n/<lang>.yml`` (or another folder's); the study's languages;
    ``params/languages.yml``, the rules of each language for words side by side.

Outputs
    :class:`Entry` per key (:func:`load_catalogue`), genders (:func:`load_genders`), the
    language's contractions (:func:`load_contractions`), the keys left blank
    (:func:`blank_keys`), the form's label column of a language (:func:`instrument_language`).
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import config, locales
from .project import Project, default
from .study import Study, read_yaml

DEFAULT_LANG = "en"
# Each language's rules for words a filled template puts side by side, under the study's params/.
LANGUAGE_RULES = "languages.yml"


@dataclass(frozen=True)
class Entry:
    """One translated string and whether a native speaker should review it.

    A phrase with a count (:data:`perspectives.locales.COUNT_PHRASES`) has ``forms``: its
    text by CLDR plural category of the language (``one``, ``few``, ``other``...) and
    optionally for an exact number (``"=2"``); ``text`` is then its ``other`` form.
    """

    text: str
    review: bool = False
    forms: tuple[tuple[str, str], ...] = ()
    # The grammatical gender of the translation, for a text inserted into other templates
    # ("grupo de edad": masculine); and a template's forms by the gender of one field's value
    # (the field, then gender -> forms), for languages whose words agree with it.
    gender: str = ""
    agree_field: str = ""
    agree: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()


def placeholders(template: str) -> set[str]:
    """The ``{field}`` names a template uses (translations must use exactly the same)."""
    names: set[str] = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None and name != "":
            names.add(name)
    return names


def load_catalogue(lang: str, folder: Path | None = None, *, project: Project | None = None) -> dict[str, Entry]:
    """The catalogue of ``lang`` (empty for English or a language without a file).

    Args:
        lang: the language.
        folder: the catalogues' folder (default: the project's ``params/i18n``); given
            without a project, the file is read as it is now.
        project: the study folder, which keeps the catalogue it read (default: the one
            around the working directory, unless ``folder`` is given).

    Returns:
        English key -> :class:`Entry` (shared when kept by a project: do not change it).

    Raises:
        ConfigError: the file's YAML, an entry's shape (checked where it is read,
            :mod:`perspectives.config`), a plural form outside CLDR's categories or a
            translation whose placeholders differ from the English, with the line.
    """
    return _language_file("catalogue", lang, folder, project, _read_catalogue)


def _read_catalogue(lang: str, path: Path) -> dict[str, Entry]:
    if lang == DEFAULT_LANG or not path.is_file():
        return {}
    raw = read_yaml(path, "catalogue") or {}
    catalogue: dict[str, Entry] = {}
    for key, value in raw.items():
        if _untranslated(value):
            continue  # a skeleton's blank entry (perspectives i18n init): falls back to English
        catalogue[str(key)] = _entry(path, str(key), value)
    return catalogue


def _entry(path: Path, key: str, value: str | dict[str, Any]) -> Entry:
    """One catalogue entry, its types already checked by the catalogue's schema."""
    if isinstance(value, dict) and ("gender" in value or "agree" in value):
        agree = value.get("agree") or {}
        by_gender = []
        for gender, form in agree.items():
            if gender == "field":
                continue
            forms = (("other", form),) if isinstance(form, str) else tuple((str(k), str(v or "")) for k, v in form.items())
            _check_placeholders(path, key, Entry(dict(forms).get("other", ""), forms=forms if len(forms) > 1 else ()))
            by_gender.append((str(gender), forms))
        rest = {k: v for k, v in value.items() if k not in ("gender", "agree")}
        return replace(_entry(path, key, rest), gender=str(value.get("gender") or ""),
                       agree_field=str(agree.get("field") or ""), agree=tuple(by_gender))
    if isinstance(value, str):
        entry = Entry(value)
    elif isinstance(value.get("text"), str):
        if set(value) - {"text", "review"}:
            raise config.error_at(path, [key], f"entry {key!r} has both a 'text' and plural forms",
                                  "keep `text:` for a plain translation, or plural forms with `other:`")
        entry = Entry(value["text"], value.get("review", False))
    elif isinstance(value.get("other"), str):
        forms = tuple((k, v) for k, v in value.items() if k != "review")
        unknown = [k for k, _ in forms if k not in locales.PLURAL_CATEGORIES and not _exact(k)]
        if unknown:
            raise config.error_at(path, [key], f"entry {key!r} has forms {unknown}",
                                  f"use CLDR plural categories {list(locales.PLURAL_CATEGORIES)} or an exact '=N'")
        entry = Entry(value["other"], value.get("review", False), tuple((k, v or "") for k, v in forms))
    else:
        raise config.error_at(path, [key], f"entry {key!r} needs a 'text' string (or plural forms with 'other')",
                              "write {text: \"...\"} or {one: \"...\", other: \"...\"}")
    _check_placeholders(path, key, entry)
    return entry


def _check_placeholders(path: Path, key: str, entry: Entry) -> None:
    """A translation that drops or invents a placeholder would fail (or lie) at format time.

    A plural form may leave the count out ("the only country").
    """
    for _, text in entry.forms or (("", entry.text),):
        if placeholders(text) - placeholders(key) or (not entry.forms and placeholders(key) != placeholders(text)):
            raise config.error_at(path, [key], f"entry {key!r} uses the placeholders {sorted(placeholders(text))}",
                                  f"use exactly the English placeholders {sorted(placeholders(key))}")


def load_genders(lang: str, folder: Path | None = None, *, project: Project | None = None) -> dict[str, str]:
    """The grammatical gender ``lang``'s catalogue gives its texts: English key -> gender.

    An entry may give only a gender (``"Money": {gender: masculine}``) where the translation
    itself comes from the form's own column; each translated text is a key too, so that the
    gender of a text already in the language is found.

    Args:
        lang: the language.
        folder: the catalogues' folder (default: the project's ``params/i18n``); given
            without a project, the file is read as it is now.
        project: the study folder, which keeps what it read (default: the one around the
            working directory, unless ``folder`` is given).
    """
    return _language_file("genders", lang, folder, project, _read_genders)


def _language_file(kind: str, lang: str, folder: Path | str | None, project: Project | None,
                   read: Callable[[str, Path], Any]) -> Any:
    """``read(lang, <folder>/<lang>.yml)``, kept by the project (a folder given alone is read as it is now)."""
    if folder is not None and project is None:
        return read(lang, Path(folder) / f"{lang}.yml")
    project = default(project)
    path = (Path(folder) if folder is not None else project.catalogues).resolve() / f"{lang}.yml"
    return project.cached(kind, (lang, path), lambda: read(lang, path), [path], keep=16)


def _read_genders(lang: str, path: Path) -> dict[str, str]:
    if lang == DEFAULT_LANG or not path.is_file():
        return {}
    genders: dict[str, str] = {}
    for key, value in (read_yaml(path, "catalogue") or {}).items():
        if isinstance(value, dict) and value.get("gender"):
            genders[str(key)] = str(value["gender"])
            if value.get("text"):
                genders.setdefault(str(value["text"]), str(value["gender"]))
    return genders


def load_contractions(lang: str, *, project: Project | None = None) -> tuple[tuple[str, str], ...]:
    """The words ``lang`` contracts where they meet (``params/languages.yml``): (as they meet, as written).

    Spanish: ``("de el", "del")``, ``("a el", "al")``. None for a language the file does not
    name, or without the file.

    Args:
        lang: the language.
        project: the study folder (default: the one around the working directory).

    Raises:
        ConfigError: the file's YAML or a rule's shape, with the line.
    """
    project = default(project)
    path = project.params / LANGUAGE_RULES

    def read() -> tuple[tuple[str, str], ...]:
        rules = (read_yaml(path, "languages") or {}) if path.is_file() else {}
        given = (rules.get(lang) or {}).get("contractions") or {}
        return tuple((" ".join(str(k).split()), str(v)) for k, v in given.items())

    return project.cached("contractions", (lang, path), read, [path], keep=16)


def blank_keys(lang: str, folder: Path | None = None, *, project: Project | None = None) -> frozenset[str]:
    """The keys of ``lang``'s catalogue that are there but left blank (they show the English).

    Args:
        lang: the language.
        folder: the catalogues' folder (default: the project's ``params/i18n``).
        project: the study folder (default: the one around the working directory).
    """
    path = Path(folder if folder is not None else default(project).catalogues) / f"{lang}.yml"
    if lang == DEFAULT_LANG or not path.is_file():
        return frozenset()
    return frozenset(str(k) for k, v in (read_yaml(path) or {}).items() if _untranslated(v))


def _untranslated(value: Any) -> bool:
    """A catalogue entry left blank: empty text, or plural forms whose ``other`` is empty."""
    if value is None or value == "":
        return True
    if isinstance(value, dict):
        text = value.get("text", value.get("other"))
        return text is None or text == ""
    return False


def _exact(form: str) -> bool:
    return form.startswith("=") and form[1:].isdigit()


def instrument_language(lang: str, study: Study | None = None) -> str:
    """The XLSForm label column suffix of a language: ``es`` -> ``Spanish (es)``.

    Args:
        lang: the language.
        study: the study, whose languages may name it (default: the one around the working directory).
    """
    names = dict((study or default().study).languages)
    if lang not in names and not locales.known_language(lang):
        raise ValueError(f"unknown language {lang!r}; use one of {sorted(names)} or another language code")
    return f"{names.get(lang) or locales.language_name(lang)} ({lang})"
