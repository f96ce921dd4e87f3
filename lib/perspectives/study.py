"""The study and the run grid as typed, validated data: the one way code reads ``params/``.

Purpose
    Load ``params/study.yml`` (countries, partners, languages, data files, disclosure rules,
    build seed) and ``params/grid.yml`` (section notebooks, reports, the parameter schema
    every section notebook accepts) into frozen dataclasses, and validate the parameters a
    section notebook is run with. Nothing in these files is repeated in code. Every YAML
    file is read through :func:`read_yaml`, which checks it where it enters
    (:mod:`perspectives.config`: syntax, types, names; one message with file, line and fix);
    the checks only code can make (a country CLDR does not know, a section listed twice, an
    ``after`` cycle) name their line the same way.

Inputs
    A study folder's ``params/study.yml`` and ``params/grid.yml`` (:class:`perspectives.project.Project`
    reads them once per version of each); given no path, those of the study folder around the
    working directory (:func:`find_root`).

Outputs
    ``Study`` and ``Grid`` objects (the grid's dataclasses and checks: :mod:`perspectives.grid`),
    ``report_folder(code, study, lang=...)``
    (the folder of a report in a language under ``outputs/``), :func:`built_reports` (every
    report folder a build wrote, in every language), ``Study.reports_for`` (the reports an
    export's countries allow) and ``validate_parameters(params)`` (a complete, checked
    parameter dict; unknown names or codes raise ``ValueError`` listing the allowed ones). A
    configuration mistake raises :class:`perspectives.config.ConfigError`, a ``ValueError``.

Where reports live (``outputs/``)
    ``<REPORT>/`` holds a report in English, the language every text of the project is written
    in (:data:`SOURCE_LANGUAGE`, the build's default); ``<REPORT>/<lang>/`` holds it in any
    other language (``MDA/ro/``), with the same files: ``report.html|docx|pdf``, ``sections/``,
    ``failed/``. ``<REPORT>`` is the ISO3 code or the synthesis folder (``synthesis``). A
    report's address therefore never depends on which other languages were built.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import config, locales

# Grid, GridSection and ParamSpec are this module's public API (``__all__``), kept where callers
# have always found them.
from .grid import Grid, GridSection, ParamSpec, grid_from

__all__ = [
    "Country",
    "Grid",
    "GridSection",
    "NoProjectError",
    "ParamSpec",
    "STUDY_FILE",
    "Study",
    "load_grid",
    "SOURCE_LANGUAGE",
    "SYNTHESIS_MIN_COUNTRIES",
    "BuiltReport",
    "built_reports",
    "find_root",
    "load_study",
    "repo_root",
    "report_folder",
    "validate_parameters",
]

# The language every text of the project is written in and translated from (the catalogues'
# keys, the build's default): its reports live in the report's folder itself, any other
# language's in a folder of its code below it.
SOURCE_LANGUAGE = "en"
# A synthesis pools countries: with fewer than this many in the data there is nothing to pool.
SYNTHESIS_MIN_COUNTRIES = 2


# The file that makes a folder a study folder.
STUDY_FILE = "params/study.yml"


def repo_root() -> Path:
    """The checkout this library was imported from: the parent of ``lib/`` that holds the package.

    Its tests, its lock and its development tools live there. It is never the study a command
    works on, which is the study folder around the working directory or the one given
    (:func:`find_root`, :class:`perspectives.project.Project`).
    """
    # study.py lives at <root>/lib/perspectives/study.py
    return Path(__file__).resolve().parents[2]


class NoProjectError(ValueError):
    """A folder that holds no study (no ``params/study.yml``), named with the fix."""


def find_root(start: Path | str | None = None) -> Path:
    """The study folder around ``start`` (default: the working directory).

    Args:
        start: a folder inside the study folder, or the study folder itself.

    Returns:
        The first of ``start`` and its parents that holds ``params/study.yml``, resolved.

    Raises:
        NoProjectError: none of them holds one.
    """
    here = Path(os.getcwd() if start is None else start).resolve()
    for folder in (here, *here.parents):
        if (folder / STUDY_FILE).is_file():
            return folder
    raise NoProjectError(f"no study folder at or above the working directory ({here.name or here}): none holds "
                         f"{STUDY_FILE}. Fix: run the command inside a study folder, or give it with --project DIR")


@dataclass(frozen=True)
class Country:
    """One participating country, as listed in study.yml.

    ``name`` is the English name the reports use: the entry's own ``name`` when the study
    keeps one (the published wording, e.g. "Bosnia and Herzegovina" where CLDR's English
    says "Bosnia & Herzegovina"), otherwise CLDR's. Other languages take CLDR's name in
    that language (:func:`perspectives.locales.country_name`).
    """

    iso3: str
    name: str
    partner: str
    language: str
    region: str
    conversations: bool
    alpha2: str = ""  # ISO 3166-1 alpha-2 (phone numbering plans, gazetteers, CLDR)
    logo: str = ""    # the partner's logo for the report's cover, a path from the study folder
    # The partner's name where a language writes it otherwise (``partner_names`` in study.yml).
    partner_names: tuple[tuple[str, str], ...] = ()

    def partner_in(self, lang: str) -> str:
        """The partner's name as a report in ``lang`` prints it: its name in that language, else ``partner``."""
        return dict(self.partner_names).get(lang) or self.partner


@dataclass(frozen=True)
class Study:
    """The study settings from study.yml."""

    title: str
    short_title: str
    synthesis_code: str
    synthesis_folder: str
    countries: tuple[Country, ...]
    languages: dict[str, str] = field(hash=False)
    data: dict[str, str] = field(hash=False)
    disclosure: dict[str, Any] = field(hash=False)
    seed: int
    raw: dict[str, Any] = field(hash=False, repr=False)
    figure_formats: tuple[str, ...] = ("png",)
    # The study folder its paths (data files, logos) are named from.
    root: Path = field(default=Path("."), hash=False, compare=False, repr=False)

    @property
    def codes(self) -> tuple[str, ...]:
        """ISO3 codes of the countries, in study order."""
        return tuple(c.iso3 for c in self.countries)

    @property
    def report_codes(self) -> tuple[str, ...]:
        """Every valid report code: the countries, then the synthesis code."""
        return (*self.codes, self.synthesis_code)

    @property
    def page_size(self) -> str:
        """The printed page of the reports (Word and PDF): ``study.page_size``, A4 by default."""
        return str((self.raw.get("study") or {}).get("page_size") or "A4")

    @property
    def logo(self) -> str:
        """The synthesis's cover logo (``study.logo``), a path from the study folder, or ""."""
        return str((self.raw.get("study") or {}).get("logo") or "")

    def logo_of(self, code: str) -> Path | None:
        """The cover logo of a report (a country's ``logo``, the study's for the synthesis), or None."""
        given = self.logo if code == self.synthesis_code else self.country(code).logo
        return self.root / given if given else None

    @property
    def many_countries(self) -> int:
        """Above this many countries, the synthesis's by-country charts and tables change form.

        ``synthesis.many_countries``, default 12: dot plots, countries as rows.
        """
        return int((self.raw.get("synthesis") or {}).get("many_countries", 12))

    @property
    def extremes(self) -> int:
        """How many highest and lowest countries a many-country chart draws.

        ``synthesis.extremes``, default 15.
        """
        return int((self.raw.get("synthesis") or {}).get("extremes", 15))

    def present(self, counts: dict[str, int]) -> tuple[str, ...]:
        """The study's countries (study order) with at least one response counted in ``counts``.

        Args:
            counts: responses by ISO3 code (an export's eligible completes); other keys, such
                as ``(none)``, are ignored.
        """
        return tuple(code for code in self.codes if counts.get(code, 0) > 0)

    def reports_for(self, countries: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """The reports an export holding ``countries`` builds: each one's, and the synthesis from two on.

        Args:
            countries: the ISO3 codes present in the export (see :meth:`present`).

        Returns:
            Report codes in study order, the synthesis last when there are at least
            :data:`SYNTHESIS_MIN_COUNTRIES` countries.
        """
        own = tuple(code for code in self.codes if code in set(countries))
        return (*own, self.synthesis_code) if len(own) >= SYNTHESIS_MIN_COUNTRIES else own

    def conversations_problem(self, reports: tuple[str, ...] | list[str], survey: set[str] | frozenset[str],
                              conversations: set[str] | frozenset[str]) -> str | None:
        """Why a conversations file cannot go with these reports, or None when it can.

        A national report reads only its own country's conversations, so conversations of a
        country the survey lacks are simply not reported there, and a country that held none
        (``conversations: false``) gets the report's words for that. Two cases are refused
        rather than guessed: a country a report speaks of (its own report, or the synthesis
        for every country of the survey) that held conversations (``conversations: true``)
        whose rows the file lacks (the report would say either nothing or that none were held,
        both untrue), and a synthesis over conversations of countries whose survey rows are
        absent (it would pool people from outside the export).

        Args:
            reports: the reports planned.
            survey: the countries present in the survey export.
            conversations: the countries the conversations file holds.

        Returns:
            One clause naming the countries and the fix (the caller names the file), or None.
        """
        # Whose conversations the reports speak of: each national report its own country's; the
        # synthesis every country of the survey.
        spoken = {code for code in reports if code != self.synthesis_code}
        if self.synthesis_code in reports:
            spoken |= set(survey)
        lacking = [code for code in self.codes if code in spoken and self.country(code).conversations
                   and code not in conversations]
        if lacking:
            codes = " ".join(lacking)
            return (f"holds no conversations from {', '.join(lacking)}, which params/study.yml says held them "
                    f"(conversations: true); give the file that holds them, build the other countries "
                    f"only, or set conversations: false for {codes} in params/study.yml if none were held")
        extra = [code for code in self.codes if code in conversations and code not in survey]
        if self.synthesis_code in reports and extra:
            return (f"holds conversations from {', '.join(extra)}, whose survey rows the export lacks, and the "
                    f"synthesis ({self.synthesis_code}) would pool them; give the conversations of "
                    f"{', '.join(c for c in self.codes if c in survey)} only, or build the national reports "
                    f"alone (--country {' '.join(c for c in reports if c != self.synthesis_code)})")
        return None

    def reports_with_conversations(self, reports: Sequence[str]) -> list[str]:
        """The reports that speak of conversations: the synthesis, and those of countries that held them."""
        return [code for code in reports
                if code == self.synthesis_code or (code in self.codes and self.country(code).conversations)]

    def partner_conversations_problem(self, reports: Sequence[str]) -> str | None:
        """Why a partner's export cannot be built without its own conversations file, or None when it can.

        The study's conversations file (``data.conversations``) goes with the study's survey
        (``data.survey``; in this repository both are synthetic): a report of a partner's
        survey built beside it would print the study's counts, themes and excerpts as the
        partner's. So with an export and no conversations file, a report that speaks of
        conversations (a country with ``conversations: true``, or the synthesis) is refused;
        a country that held none (``conversations: false``) reads no conversations and is
        built as it is.

        Args:
            reports: the reports planned.

        Returns:
            One sentence naming the reports and the fix, or None.
        """
        speaking = self.reports_with_conversations(reports)
        if not speaking:
            return None
        return (f"a survey export of your own (--data) without --conversations: the reports of "
                f"{', '.join(speaking)} would print the study's conversations "
                f"({Path(self.data['conversations']).name}, which go with the study's survey) as yours: give "
                f"--conversations PATH (your "
                f"conversations.csv, with participants.csv beside it, or a REFI-QDA project .qdpx); if none were "
                f"held, say so with conversations: false for the country in params/study.yml "
                f"(--project DIR: a study folder of your own), or build the countries that held none only")

    def country(self, code: str) -> Country:
        """Return the country with ISO3 ``code``; ValueError listing the codes otherwise."""
        for c in self.countries:
            if c.iso3 == code:
                return c
        raise ValueError(f"unknown country {code!r}; allowed: {', '.join(self.codes)}")

    def language_tag(self, code: str, lang: str) -> str:
        """The BCP 47 tag of report ``code`` written in ``lang`` (its HTML's ``lang``, its PDF's and Word file's).

        A national report in its country's language is that language as written there
        (``ro-MD``, ``es-CO``); English is the reports' British English (``en-GB``); any
        other edition (the synthesis, a country's report in a language not its own) the
        language alone (``es``).
        """
        own = code != self.synthesis_code and code in self.codes and self.country(code).language == lang
        return locales.language_tag(lang, locales.alpha2(code) if own else None)

    def report_name(self, code: str) -> str:
        """English name of a report: the country's name, or the synthesis's.

        The synthesis's says how many countries it pools ("All 26 countries (synthesis)"; a
        catalogue translates it).
        """
        if code == self.synthesis_code:
            return locales.render_count(locales.COUNT_PHRASES["All {count} countries (synthesis)"],
                                        len(self.countries))
        return self.country(code).name


def read_yaml(path: Path | str, kind: str | None = None) -> Any:
    """Parse a YAML data or parameter file, validated, once per version of the file.

    The file is checked where it enters (:func:`perspectives.config.load`): YAML syntax, a
    key written twice, and for the project's configuration files (by name, or ``kind``)
    every setting's type and name, so a mistake is one :class:`~perspectives.config.ConfigError`
    naming the file, the line and the fix. Callers get their own deep copy and may change it.
    """
    import copy

    return copy.deepcopy(config.load(path, kind))


def _read_yaml(path: Path, kind: str) -> dict[str, Any]:
    doc = read_yaml(path, kind)
    if not isinstance(doc, dict):
        raise config.error_at(path, [], "the file is not a mapping of settings (name: value)",
                              "start from the file as the repository holds it")
    return doc


# Page sizes the Word and PDF reports know (CSS @page names; Word's sizes in millimetres).
PAGE_SIZES = {"A4": (210, 297), "A5": (148, 210), "A3": (297, 420), "Letter": (215.9, 279.4),
              "Legal": (215.9, 355.6)}
# Logo files a cover can show (the HTML embeds them as data; Word takes PNG and JPEG).
LOGO_SUFFIXES = frozenset({".png", ".jpg", ".jpeg"})


def _check_logo(path: Path, keys: list[Any], value: Any) -> str:
    """A cover logo's path, checked to name a PNG or JPEG file of the study folder.

    Args:
        path: the study file (``<study folder>/params/study.yml``).
        keys: where the logo is named in it.
        value: the logo's path, from the study folder.

    Raises:
        ConfigError: not a PNG or JPEG named from the study folder, or no such file (naming its line).
    """
    if value in (None, ""):
        return ""
    if Path(value).is_absolute() or Path(value).suffix.lower() not in LOGO_SUFFIXES:
        raise config.error_at(path, keys, f"logo {value!r} is not a PNG or JPEG file named from the repository root",
                              "write a path such as params/logos/partner.png")
    if not (_root_of(path) / value).is_file():
        raise config.error_at(path, keys, f"logo file {value!r} not found",
                              "put the image there, or remove the logo key (the cover is then printed without one)")
    return value


def _root_of(path: Path) -> Path:
    """The study folder of a file of its ``params/`` (``<root>/params/study.yml`` -> ``<root>``)."""
    return path.parent.parent


def _read_study(path: Path) -> Study:
    doc = _read_yaml(path, "study")  # types and names checked against config.SCHEMAS["study"]
    head = doc.get("study") or {}
    countries = tuple(_country(path, i, c) for i, c in enumerate(doc.get("countries") or []))
    if not countries:
        raise config.error_at(path, ["countries"] if "countries" in doc else [], "no countries listed",
                              "list each country under `countries:` as `- iso3: ...`")
    seen: set[str] = set()
    for i, c in enumerate(countries):
        if c.iso3 in seen:
            raise config.error_at(path, ["countries", i, "iso3"], f"{c.iso3} is listed twice",
                                  "keep one entry per country")
        seen.add(c.iso3)
    build = doc.get("build") or {}
    page = head.get("page_size", "A4")
    if page not in PAGE_SIZES:
        raise config.error_at(path, ["study", "page_size"], f"study.page_size is {page!r}",
                              f"use one of {', '.join(PAGE_SIZES)}")
    _check_logo(path, ["study", "logo"], head.get("logo"))
    return Study(
        title=str(head.get("title", "")),
        short_title=str(head.get("short_title", "")),
        synthesis_code=str(head.get("synthesis_code", "ALL")),
        synthesis_folder=str(head.get("synthesis_folder", "synthesis")),
        countries=countries,
        languages=_languages(countries, doc.get("languages")),
        data=dict(doc.get("data") or {}),
        disclosure=dict(doc["disclosure"]),
        seed=int(build.get("seed", 0)),
        raw=doc,
        figure_formats=tuple(build.get("figure_formats", ["png"])),
        root=_root_of(path),
    )


def _country(path: Path, index: int, entry: dict[str, Any]) -> Country:
    """One ``countries`` entry: ISO3, partner, language and conversations; name and region optional.

    The entry's types and names are the schema's (:mod:`perspectives.config`); the ISO3 code
    and the language are checked against CLDR here, so a typo stops the study from loading
    instead of giving a report without a name.

    Raises:
        ConfigError: an ISO3 code or a language CLDR does not know, naming its line.
    """
    iso3 = entry["iso3"]
    try:
        code = locales.alpha2(iso3)
    except ValueError as error:
        raise config.error_at(path, ["countries", index, "iso3"], str(error),
                              "write the country's ISO 3166-1 alpha-3 code, such as MDA") from None
    language = entry.get("language") or "en"
    if not locales.known_language(language):
        raise config.error_at(path, ["countries", index, "language"],
                              f"{iso3}: unknown language code {language!r}", "write a code such as es or th")
    return Country(
        iso3=iso3,
        name=entry.get("name") or locales.country_name(iso3, "en"),
        partner=entry.get("partner", ""),
        language=language,
        region=entry.get("region", ""),
        conversations=entry.get("conversations", False),
        alpha2=code,
        logo=_check_logo(path, ["countries", index, "logo"], entry.get("logo")),
        partner_names=tuple(sorted((str(k), str(v)) for k, v in (entry.get("partner_names") or {}).items())),
    )


def _languages(countries: tuple[Country, ...], extra: Any) -> dict[str, str]:
    """Report languages, code -> English name (CLDR).

    English, each country's language in study order, then any ``languages`` the study lists
    besides (codes, or code -> name).
    """
    codes = ["en", *(c.language for c in countries)]
    names: dict[str, str] = {}
    if isinstance(extra, dict):
        codes += [str(k) for k in extra]
        names = {str(k): str(v) for k, v in extra.items()}
    elif extra:
        codes += [str(k) for k in extra]
    return {code: names.get(code) or locales.language_name(code) for code in dict.fromkeys(codes)}


def load_study(path: Path | str | None = None) -> Study:
    """Read a study file (default: ``params/study.yml`` of the study folder around the working directory).

    Each call reads the file (its YAML is parsed once per version of the file); a
    :class:`perspectives.project.Project` keeps the study it read.

    Raises:
        ConfigError: a mistake in the file, naming its line and the fix.
        NoProjectError: no path given and no study folder around the working directory.
    """
    p = Path(path) if path is not None else find_root() / STUDY_FILE
    return _read_study(p.resolve())


def _read_grid(path: Path) -> Grid:
    return grid_from(_read_yaml(path, "grid"), path)  # types and names checked against config.SCHEMAS["grid"]


def load_grid(path: Path | str | None = None) -> Grid:
    """Read a grid file (default: ``params/grid.yml`` of the study folder around the working directory).

    Raises:
        ConfigError: a mistake in the file, naming its line and the fix.
        NoProjectError: no path given and no study folder around the working directory.
    """
    p = Path(path) if path is not None else find_root() / "params" / "grid.yml"
    return _read_grid(p.resolve())


def report_folder(code: str, study: Study | None = None, lang: str | None = None) -> str:
    """Folder of a report under outputs/, as a POSIX path.

    The ISO3 code, or the synthesis folder for the synthesis code; in a language other than
    :data:`SOURCE_LANGUAGE`, that language's folder below it (``MDA/ro``).

    Raises:
        ValueError: an unknown report code (the message lists the allowed ones).
    """
    st = study or load_study()
    if code == st.synthesis_code:
        base = st.synthesis_folder
    else:
        st.country(code)  # raises with the list of allowed codes
        base = code
    return base if lang in (None, SOURCE_LANGUAGE) else f"{base}/{lang}"


@dataclass(frozen=True)
class BuiltReport:
    """A report folder a build wrote: its code, its language and where it is.

    Attributes:
        code: the report code (ISO3 or the synthesis code).
        lang: its language.
        folder: its folder (``out / report_folder(code, study, lang)``).
    """

    code: str
    lang: str
    folder: Path


def built_reports(out: Path | str, study: Study, what: str = "report.html") -> list[BuiltReport]:
    """Every report folder under ``out`` holding ``what``, in every language.

    Args:
        out: an output folder.
        study: the study (the report codes and the synthesis folder).
        what: a file or folder a report folder must hold (``report.html``, ``sections``).

    Returns:
        Reports in study order; for each, the source language first, then the others by code.
    """
    found: list[BuiltReport] = []
    for code in study.report_codes:
        base = Path(out) / report_folder(code, study)
        if not base.is_dir():
            continue
        if (base / what).exists():
            found.append(BuiltReport(code, SOURCE_LANGUAGE, base))
        for sub in sorted(base.iterdir()):
            # A language's folder is named by its code; sections/ and failed/ are not codes.
            if (sub.name not in ("sections", "failed") and sub.is_dir() and locales.known_language(sub.name)
                    and (sub / what).exists()):
                found.append(BuiltReport(code, sub.name, sub))
    return found


def validate_parameters(
    params: dict[str, Any], study: Study | None = None, grid: Grid | None = None
) -> dict[str, Any]:
    """Check notebook parameters against the grid's schema and fill in defaults.

    Unknown parameter names, unknown country/report codes and unknown languages raise
    ``ValueError`` naming the offending value and listing the allowed ones. Paths are made
    absolute (the notebook's working directory is not the caller's).
    """
    st = study or load_study()
    gr = grid or load_grid()
    schema = {p.name: p for p in gr.parameters}
    unknown = sorted(set(params) - set(schema))
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {', '.join(unknown)}; allowed: {', '.join(schema)}"
        )
    out: dict[str, Any] = {}
    for name, spec in schema.items():
        value = params.get(name, spec.default)
        if spec.type == "str":
            if not isinstance(value, str):
                raise ValueError(f"parameter {name} must be a string, got {value!r}")
        elif spec.type == "path_or_null":
            if value is not None:
                if not isinstance(value, (str, Path)) or str(value) == "":
                    raise ValueError(f"parameter {name} must be a path or null, got {value!r}")
                value = str(Path(value).expanduser().resolve())
        else:
            raise ValueError(f"grid.yml: parameter {name} has unknown type {spec.type!r}")
        out[name] = value
    if "country" in out and out["country"] not in st.report_codes:
        raise ValueError(
            f"unknown country {out['country']!r}; allowed: {', '.join(st.report_codes)}"
        )
    # A report language is the study's, or any other CLDR knows (its texts fall back to
    # English where no catalogue translates them, and the build lists what fell back).
    if "lang" in out and out["lang"] not in st.languages and not locales.known_language(out["lang"]):
        raise ValueError(
            f"unknown language {out['lang']!r}; the study's: {', '.join(st.languages)}, or another "
            "language code such as th"
        )
    return out
