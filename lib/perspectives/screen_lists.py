"""Rebuild the identifying-details screen's name lists from the packages that keep them.

Purpose
    The screen (:mod:`perspectives.screen`) recognises given names in any case from a list,
    and needs to know which of them are also ordinary words of each study language ("Zora"
    is "dawn", "soledad" is "loneliness") so that it asks the sentence before it withholds
    them. Both lists are data files in ``screen_data/``; this module writes them from
    maintained sources, so that nobody types names by hand.

Inputs
    - ``gender-guesser``'s copy of Jörg Michael's first-name dictionary (``nam_dict.txt``,
      GNU FDL): every name with a frequency in a country whose language is a study language
      or close to it (``_NAM_DICT_COUNTRIES``).
    - Faker's person providers (MIT) for the locales of the study's languages
      (``_FAKER_LOCALES``): first names, Latin-American ones included.
    - ``simplemma``'s lexicons (see its licences): which folded word forms of each study
      language are ordinary words (a lower-case entry whose lemma is lower-case too).

    These three packages are needed only here, not to build reports; install them into the
    environment first (``pip install gender-guesser faker simplemma``).

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
import importlib.resources
from collections.abc import Iterable
from pathlib import Path

from perspectives.screen import DATA_DIR, LANGUAGES, fold, name_forms

__all__ = ["nam_dict_names", "faker_names", "ordinary_words", "name_words", "write", "main"]

# Countries of nam_dict.txt (its column names, in order) whose names the study's languages use.
_NAM_DICT_COLUMNS = (
    "great_britain ireland usa italy malta portugal spain france belgium luxembourg the_netherlands "
    "east_frisia germany austria swiss iceland denmark norway sweden finland estonia latvia lithuania "
    "poland czech_republic slovakia hungary romania bulgaria bosnia_and_herzegovina croatia kosovo "
    "macedonia montenegro serbia slovenia albania greece russia belarus moldova ukraine armenia "
    "azerbaijan georgia the_stans turkey arabia israel china india japan korea vietnam other_countries"
).split()
_NAM_DICT_COUNTRIES = frozenset({
    "great_britain", "ireland", "usa", "spain", "romania", "moldova", "bosnia_and_herzegovina", "croatia",
    "serbia", "montenegro", "kosovo", "albania", "macedonia",
})
_FAKER_LOCALES = ("en_US", "en_GB", "es", "es_CO", "es_MX", "es_ES", "ro_RO", "hr_HR")
# simplemma's name for each study language's lexicon (Bosnian is in its Serbo-Croatian one).
_LEXICONS = {"en": "en", "es": "es", "ro": "ro", "sq": "sq", "bs": "hbs"}


def nam_dict_names() -> set[str]:
    """Folded first names of ``nam_dict.txt`` with a frequency in the countries above."""
    text = importlib.resources.files("gender_guesser").joinpath("data/nam_dict.txt").read_text(encoding="utf-8")
    names = set()
    for line in text.splitlines():
        # Lines with '+' in column 30 repeat a name with expanded umlauts (the file's own note).
        if not line or line[0] in "#=" or (len(line) > 29 and line[29] == "+"):
            continue
        frequencies = line[30:30 + len(_NAM_DICT_COLUMNS)]
        if any(f.strip() for f, country in zip(frequencies, _NAM_DICT_COLUMNS, strict=False)
               if country in _NAM_DICT_COUNTRIES):
            for name in line[3:29].strip().replace("+", "-").split():
                names.add(fold(name))
    return names


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
    names = {n for n in nam_dict_names() | faker_names() if n and not any(c.isdigit() for c in n)}
    versions = ", ".join(f"{p} {importlib.metadata.version(p)}" for p in ("gender-guesser", "faker", "simplemma"))
    head = ("# Folded given names for perspectives.screen, written by perspectives.screen_lists from\n"
            f"# nam_dict.txt (Jörg Michael, GNU FDL 1.2+, via gender-guesser) and Faker (MIT); {versions}.\n")
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
