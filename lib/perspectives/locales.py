"""What depends on a language but is nobody's translation: names, counts and lists.

Purpose
    Country and language names, plural rules, numbers in words, numbers in figures
    (decimal and group marks) and lists joined with "and" come from maintained sources, never from tables kept here: Unicode CLDR through
    ``babel`` (territory and language names in every locale, the ISO 3166 alpha-3 to
    alpha-2 aliases, plural rules, list patterns) and ``num2words`` (numbers in words).
    The phrases that name the set of study countries ("All seven countries", "the 26
    countries") are declared once here, in English with their plural forms, and rendered
    for any number of countries; a catalogue gives each its forms in another language
    (:mod:`perspectives.i18n` reads them).

Inputs
    ISO3 country codes, language codes (``es``, ``th``...), counts.

Outputs
    Strings. Unknown country codes raise ``ValueError``; a language CLDR does not know falls
    back to English for names and plural rules (the report then lists what it could not
    translate, as for any missing string).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

__all__ = [
    "COUNT_PHRASES",
    "PLURAL_CATEGORIES",
    "alpha2",
    "count_text",
    "country_name",
    "decimal_mark",
    "decimal_text",
    "inside_sentence",
    "join",
    "known_language",
    "language_name",
    "language_of",
    "language_tag",
    "number_text",
    "percent_text",
    "percents_in_text",
    "plural_category",
    "plural_tags",
    "render_count",
    "NUMBER_WORDS",
    "select_form",
    "writing_locale",
]

ENGLISH = "en"
# The reports' English is British English ("organisation"): its dates read "26 July 2021".
ENGLISH_WRITING = "en_GB"
# A table cell holding one number as the analysis wrote it: an English decimal (11.9), a
# count grouped with commas (1,254), either with a closing percent sign.
_ENGLISH_NUMBER = re.compile(r"(-?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(%?)")
# A cell's marks after its number (the reliability mark: "12%†"), kept as they are.
# A cell that states a count in the house form (perspectives.fmt.COUNT_FORM): "41% (n = 171)",
# "n = 1,254"; each of its numbers is written as the language writes it, the form kept.
_WITH_COUNT = re.compile(r"(?:(?P<share>[^()]+?)\s+\()?n = (?P<count>\d{1,3}(?:,\d{3})+|\d+)(?P<close>\)?)")
_CELL_MARKS = re.compile(r"(.*?)([^\w\s%.,]*)")
# A share in English running text ("69%", "12.5%", the end of a range "26-74%"); not part of
# a longer number or a word.
_ENGLISH_PERCENT = re.compile(r"(?<![\w.,])(\d+)(?:\.(\d+))?%")
# Numbers up to this one are written in words (house style, as most English style guides);
# larger ones in figures.
WORDS_UP_TO = 9
# CLDR's plural categories; a catalogue's plural entry may also give an exact form "=N".
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")

# The catalogue entry giving a language's numbers up to WORDS_UP_TO in words, by exact form
# ("=6": "gjashtë"), for a language num2words does not know (Albanian, Bosnian); its ``other``
# form is the number in figures. The phrases with a count take their words from it.
NUMBER_WORDS = "{count} (in words)"

# The phrases that name the set of study countries, English forms by CLDR plural category.
# ``{count}`` is the number of countries, written by :func:`count_text`. The key is the
# catalogue key translators find in ``params/i18n/<lang>.yml``.
COUNT_PHRASES: dict[str, dict[str, str]] = {
    "All {count} countries": {"one": "The {count} country", "other": "All {count} countries"},
    "the {count} countries": {"one": "the {count} country", "other": "the {count} countries"},
    "All {count} countries (synthesis)": {"one": "The {count} country (synthesis)",
                                         "other": "All {count} countries (synthesis)"},
    "{count} countries": {"one": "{count} country", "other": "{count} countries"},
    "bottom, all {count} (%)": {"one": "bottom, the {count} country (%)", "other": "bottom, all {count} (%)"},
    "top, all {count} (%)": {"one": "top, the {count} country (%)", "other": "top, all {count} (%)"},
}


@functools.lru_cache(maxsize=64)
def _locale(lang: str):
    """The babel locale of ``lang``; English when CLDR does not know it."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(ENGLISH)


def writing_locale(lang: str) -> str:
    """The CLDR locale that writes dates and numbers in ``lang``'s running text (British for English)."""
    if lang == ENGLISH:
        return ENGLISH_WRITING
    return lang if known_language(lang) else ENGLISH_WRITING


def language_tag(lang: str, territory: str | None = None) -> str:
    """The BCP 47 tag of text written in ``lang`` for readers of ``territory`` (ISO 3166 alpha-2).

    English is the reports' British English (``en-GB``), wherever it is read; another language
    takes the territory when it names none of its own (``ro`` in ``MD``: ``ro-MD``).
    """
    if lang == ENGLISH:
        return ENGLISH_WRITING.replace("_", "-")
    tag = lang.replace("_", "-")
    return f"{tag}-{territory}" if territory and "-" not in tag else tag


def language_of(tag: str, languages: Iterable[str] = ()) -> str:
    """The report language a BCP 47 tag stands for: the longest of ``languages`` it starts with.

    ``ro-MD`` is ``ro``, ``en-GB`` is ``en``; a tag none of ``languages`` begins is its
    language subtag (its first).
    """
    known = {code.replace("_", "-").lower(): code for code in (ENGLISH, *languages)}
    parts = tag.split("-")
    for n in range(len(parts), 0, -1):
        found = known.get("-".join(parts[:n]).lower())
        if found:
            return found
    return parts[0].lower()


def decimal_mark(lang: str = ENGLISH) -> str:
    """The mark ``lang`` writes between a number's whole part and its decimals (CLDR): "." in English, "," in Romanian."""
    from babel.numbers import get_decimal_symbol

    return get_decimal_symbol(writing_locale(lang))


def decimal_text(value: float, digits: int, lang: str = ENGLISH) -> str:
    """A number with ``digits`` decimals as ``lang`` writes it (17.4 in English, 17,4 in Romanian)."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(round(value, digits), format=pattern, locale=writing_locale(lang))


def percent_text(value: float, digits: int = 0, lang: str = ENGLISH) -> str:
    """A share in percent as ``lang`` writes it, by its CLDR percent pattern (69%, 69 % in Romanian)."""
    from babel.numbers import format_percent

    pattern = _locale(writing_locale(lang)).percent_formats[None].pattern
    if digits > 0:
        pattern = re.sub(r"0(?!.*0)", "0." + "0" * digits, pattern, count=1)
    return format_percent(round(value, digits) / 100, format=pattern, locale=writing_locale(lang))


def number_text(cell: str, lang: str = ENGLISH) -> str:
    """A table cell written the English way (11.9, 1,254, 12.5%) as ``lang`` writes it; other text unchanged.

    A cell in the house form with its count (``41% (n = 171)``, ``n = 1,254``) keeps that form,
    its numbers written as the language writes them (``41 % (n = 171)`` in Romanian).

    Only a cell that is one number (and the marks after it) is rewritten: a label, a range
    (0-25%), a test or a mark stays as it is. A share takes the language's percent pattern.
    Its decimals are kept, its value never rounded.
    """
    counted = _WITH_COUNT.fullmatch(cell.strip())
    if counted and lang != ENGLISH and bool(counted["share"]) == bool(counted["close"]):
        count = decimal_text(float(counted["count"].replace(",", "")), 0, lang)
        return f"{number_text(counted['share'], lang)} (n = {count})" if counted["share"] else f"n = {count}"
    body, marks = _CELL_MARKS.fullmatch(cell.strip()).groups()
    found = _ENGLISH_NUMBER.fullmatch(body)
    if lang == ENGLISH or found is None or not (found.group(3) or found.group(4) or "," in found.group(2)):
        return cell
    sign, whole, decimals, percent = found.groups()
    value = float(whole.replace(",", "") + ("." + decimals if decimals else ""))
    if percent:
        return sign + percent_text(value, len(decimals or ""), lang) + marks
    return sign + decimal_text(value, len(decimals or ""), lang) + marks


def percents_in_text(text: str, lang: str = ENGLISH) -> str:
    """Running text (Markdown) with each English share ("69%") as ``lang`` writes it ("69 %").

    A quoted line (Markdown's ``>``) is left as it is: an excerpt is shown as recorded.
    """
    if lang == ENGLISH or "%" not in text:
        return text

    def local(found: re.Match[str]) -> str:
        whole, decimals = found.groups()
        return percent_text(float(whole + ("." + decimals if decimals else "")), len(decimals or ""), lang)

    return "\n".join(line if line.lstrip().startswith(">") else _ENGLISH_PERCENT.sub(local, line)
                     for line in text.split("\n"))


def known_language(lang: str) -> bool:
    """Whether CLDR has data for ``lang`` (a code such as ``th`` or ``pt_BR``)."""
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


@functools.lru_cache(maxsize=1024)
def alpha2(iso3: str) -> str:
    """The ISO 3166-1 alpha-2 code of an alpha-3 code, from CLDR's territory aliases.

    Args:
        iso3: three upper-case letters, e.g. ``"BIH"``.

    Returns:
        Two letters, e.g. ``"BA"``.

    Raises:
        ValueError: ``iso3`` is not a current ISO 3166-1 alpha-3 code CLDR names.
    """
    from babel.core import get_global

    aliases = get_global("territory_aliases")
    target = aliases.get(str(iso3))
    names = _locale(ENGLISH).territories
    if not target or len(target) != 1 or target[0] not in names:
        raise ValueError(f"unknown country code {iso3!r}: expected an ISO 3166-1 alpha-3 code such as THA")
    return target[0]


def country_name(iso3: str, lang: str = ENGLISH) -> str:
    """The country's name in ``lang`` (CLDR), English when the locale has none.

    Raises:
        ValueError: an unknown country code.
    """
    code = alpha2(iso3)
    return _locale(lang).territories.get(code) or _locale(ENGLISH).territories[code]


def language_name(code: str, in_lang: str = ENGLISH) -> str:
    """A language's name (CLDR), e.g. ``th`` -> ``Thai``; the code itself if CLDR has none."""
    return _locale(in_lang).languages.get(code) or _locale(ENGLISH).languages.get(code) or code


def plural_tags(lang: str) -> frozenset[str]:
    """The CLDR plural categories ``lang`` distinguishes (always including ``other``)."""
    return frozenset(_locale(lang).plural_form.tags) | {"other"}


def plural_category(n: int, lang: str) -> str:
    """The CLDR plural category of ``n`` in ``lang``: one of :data:`PLURAL_CATEGORIES`."""
    return _locale(lang).plural_form(n)


@functools.lru_cache(maxsize=256)
def count_text(n: int, lang: str = ENGLISH) -> str:
    """``n`` as running text writes it.

    In words up to nine where ``num2words`` knows the language, otherwise in figures with the
    locale's grouping (``1,254``).
    """
    if 0 < n <= WORDS_UP_TO:
        from num2words import CONVERTER_CLASSES, num2words

        if lang in CONVERTER_CLASSES:
            return num2words(n, lang=lang)
    from babel.numbers import format_decimal

    return format_decimal(n, locale=_locale(lang))


def select_form(forms: Mapping[str, str], n: int, lang: str) -> str:
    """The form of a plural entry for ``n``.

    An exact ``=n`` form, else ``n``'s CLDR category, else ``other``.

    Raises:
        KeyError: ``forms`` has neither the category nor ``other``.
    """
    exact = forms.get(f"={n}")
    if exact is not None:
        return exact
    category = plural_category(n, lang)
    return forms[category] if category in forms else forms["other"]


def render_count(forms: Mapping[str, str], n: int, lang: str = ENGLISH, words: Mapping[str, str] | None = None) -> str:
    """A plural entry filled for ``n`` (``{count}`` in words or figures, per :func:`count_text`).

    ``words``: the catalogue's :data:`NUMBER_WORDS` forms, whose exact form for ``n`` (up to
    :data:`WORDS_UP_TO`) is the word written in place of :func:`count_text`'s.
    """
    word = (words or {}).get(f"={n}") if 0 < n <= WORDS_UP_TO else None
    return select_form(forms, n, lang).format(count=word or count_text(n, lang))


def inside_sentence(label: str) -> str:
    """A label inside a sentence: its first letter lower-cased, unless it is an acronym.

    The analyses' sentences (:mod:`perspectives.analysis`) name answers by this rule, the
    recommendations' evidence names themes by it, and the check for English in a translated
    report (:mod:`perspectives.untranslated`) knows a translated label so written.
    """
    first = label.split(" ", 1)[0]
    # An acronym keeps its capitals ("NGO staff"); a one-letter first word is no acronym
    # (Romanian "A vorbi despre ..." read "apoi A vorbi" mid-sentence).
    acronym = len(first) > 1 and any(ch.isupper() for ch in first[1:])
    return label if acronym else label[:1].lower() + label[1:]


def join(items: Iterable[str], lang: str = ENGLISH) -> str:
    """Items joined as the language lists them (CLDR list pattern: ``a, b, and c``)."""
    from babel.lists import format_list

    return format_list(list(items), locale=_locale(lang))
