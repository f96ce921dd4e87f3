"""The study and the run grid as typed, validated data: the one way code reads ``params/``.

Purpose
    Load ``params/study.yml`` (countries, partners, languages, data files, disclosure rules,
    build seed) and ``params/grid.yml`` (section notebooks, reports, the parameter schema
    every section notebook accepts) into frozen dataclasses, and validate the parameters a
    section notebook is run with. Nothing in these files is repeated in code.

Inputs
    ``<repo>/params/study.yml`` and ``<repo>/params/grid.yml`` (or explicit paths, for tests).

Outputs
    ``Study`` and ``Grid`` objects (cached per file path), ``report_folder(code)`` (the folder
    name of a report under ``outputs/``) and ``validate_parameters(params)`` (a complete,
    checked parameter dict; unknown names or codes raise ``ValueError`` listing the allowed
    ones).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import locales

__all__ = [
    "Country",
    "Grid",
    "GridSection",
    "ParamSpec",
    "Study",
    "load_grid",
    "load_study",
    "repo_root",
    "report_folder",
    "validate_parameters",
]


@functools.lru_cache(maxsize=1)
def repo_root() -> Path:
    """Return the repository root: the parent of ``lib/`` that holds this package."""
    # study.py lives at <root>/lib/perspectives/study.py
    return Path(__file__).resolve().parents[2]


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
    logo: str = ""    # the partner's logo for the report's cover, a path from the repository root


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
        """The synthesis's cover logo (``study.logo``), a path from the repository root, or ""."""
        return str((self.raw.get("study") or {}).get("logo") or "")

    def logo_of(self, code: str) -> Path | None:
        """The cover logo of a report (a country's ``logo``, the study's for the synthesis), or None."""
        given = self.logo if code == self.synthesis_code else self.country(code).logo
        return repo_root() / given if given else None

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

    def country(self, code: str) -> Country:
        """Return the country with ISO3 ``code``; ValueError listing the codes otherwise."""
        for c in self.countries:
            if c.iso3 == code:
                return c
        raise ValueError(f"unknown country {code!r}; allowed: {', '.join(self.codes)}")

    def report_name(self, code: str) -> str:
        """English name of a report: the country's name, or the synthesis's.

        The synthesis's says how many countries it pools ("All 26 countries (synthesis)"; a
        catalogue translates it).
        """
        if code == self.synthesis_code:
            return locales.render_count(locales.COUNT_PHRASES["All {count} countries (synthesis)"],
                                        len(self.countries))
        return self.country(code).name


@dataclass(frozen=True)
class GridSection:
    """One section notebook of the run grid.

    Not to be confused with the notebook's runtime, :class:`perspectives.report.Section`.
    """

    id: str
    notebook: str  # path relative to the repository root
    title: str
    after: tuple[str, ...] = ()
    position: str | None = None


@dataclass(frozen=True)
class ParamSpec:
    """One entry of the notebook parameter schema."""

    name: str
    type: str
    default: Any = None


@dataclass(frozen=True)
class Grid:
    """The run grid's sections and the notebook parameter schema.

    The reports each section runs for are not the grid's: they are the study's countries and
    the synthesis (:attr:`Study.report_codes`), from ``params/study.yml`` alone.
    """

    sections: tuple[GridSection, ...]
    parameters: tuple[ParamSpec, ...]

    @property
    def section_ids(self) -> tuple[str, ...]:
        """Section ids in grid order."""
        return tuple(s.id for s in self.sections)

    def section(self, section_id: str) -> GridSection:
        """Return a section by id; ValueError listing the ids otherwise."""
        for s in self.sections:
            if s.id == section_id:
                return s
        raise ValueError(
            f"unknown section {section_id!r}; allowed: {', '.join(self.section_ids)}"
        )

    def report_order(self) -> tuple[GridSection, ...]:
        """Sections in the order a report shows them (``position: first`` ones first)."""
        first = [s for s in self.sections if s.position == "first"]
        rest = [s for s in self.sections if s.position != "first"]
        return (*first, *rest)


# libyaml's C loader parses about ten times faster than the pure-Python one; the section
# runs read the codebook, counts and catalogues many times, so parsing dominated a run.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.lru_cache(maxsize=64)
def _parse_cached(path: str, mtime_ns: int, size: int) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LOADER)  # noqa: S506 - a safe loader


def read_yaml(path: Path | str) -> Any:
    """Parse a YAML data or parameter file (safe loader), once per version of the file.

    The cache is keyed by the file's modification time and size, so an edited file is read
    again; callers get their own deep copy and may change it freely.
    """
    import copy

    stat = Path(path).stat()
    return copy.deepcopy(_parse_cached(str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size))


def _read_yaml(path: Path) -> dict[str, Any]:
    doc = read_yaml(path)
    if not isinstance(doc, dict):
        # a malformed parameter file is a bad value, as for every other check here
        raise ValueError(f"{path.name}: expected a mapping at the top level")  # noqa: TRY004
    return doc


FIGURE_FORMATS = frozenset({"png", "svg"})
# Page sizes the Word and PDF reports know (CSS @page names; Word's sizes in millimetres).
PAGE_SIZES = {"A4": (210, 297), "A5": (148, 210), "A3": (297, 420), "Letter": (215.9, 279.4),
              "Legal": (215.9, 355.6)}
# Logo files a cover can show (the HTML embeds them as data; Word takes PNG and JPEG).
LOGO_SUFFIXES = frozenset({".png", ".jpg", ".jpeg"})


def _check_logo(file: str, owner: str, value: Any) -> str:
    """A cover logo's path, checked to name an image file of the repository.

    Raises:
        ValueError: not a string, not a PNG or JPEG, or no such file (the message says how to fix it).
    """
    if value in (None, ""):
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{file}: {owner}: logo must be a path such as params/logos/partner.png; got {value!r}")
    path = repo_root() / value
    if Path(value).is_absolute() or Path(value).suffix.lower() not in LOGO_SUFFIXES:
        raise ValueError(f"{file}: {owner}: logo {value!r} must be a PNG or JPEG file named from the "
                         "repository root, such as params/logos/partner.png")
    if not path.is_file():
        raise ValueError(f"{file}: {owner}: logo file {value!r} not found; put the image there or remove "
                         "the logo key (the cover is then printed without a logo)")
    return value


@functools.lru_cache(maxsize=8)
def _load_study_cached(path: Path) -> Study:
    doc = _read_yaml(path)
    head = doc.get("study", {})
    countries = tuple(_country(path.name, c) for c in doc.get("countries", []) or [])
    if not countries:
        raise ValueError(f"{path.name}: no countries listed")
    codes = [c.iso3 for c in countries]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise ValueError(f"{path.name}: countries listed twice: {dupes}")
    build = doc.get("build", {}) or {}
    formats = tuple(str(f) for f in build.get("figure_formats", ["png"]))
    # The reports embed the PNG, so it is always written; SVG is an optional vector copy.
    if "png" not in formats or not set(formats) <= FIGURE_FORMATS:
        raise ValueError(f"{path.name}: build.figure_formats must include png and may add "
                         f"{', '.join(sorted(FIGURE_FORMATS - {'png'}))}; got {list(formats)}")
    page = head.get("page_size", "A4")
    if page not in PAGE_SIZES:
        raise ValueError(f"{path.name}: study.page_size is {page!r}; use one of {', '.join(PAGE_SIZES)}")
    _check_logo(path.name, "study", head.get("logo"))
    return Study(
        title=str(head.get("title", "")),
        short_title=str(head.get("short_title", "")),
        synthesis_code=str(head.get("synthesis_code", "ALL")),
        synthesis_folder=str(head.get("synthesis_folder", "synthesis")),
        countries=countries,
        languages=_languages(countries, doc.get("languages")),
        data=dict(doc.get("data", {})),
        disclosure=dict(doc.get("disclosure", {})),
        seed=int(build.get("seed", 0)),
        raw=doc,
        figure_formats=formats,
    )


def _country(file: str, entry: dict[str, Any]) -> Country:
    """One ``countries`` entry: ISO3, partner, language and conversations; name and region optional.

    The ISO3 code and the language are checked against CLDR here, so a typo stops the study
    from loading instead of giving a report without a name.

    Raises:
        ValueError: a missing or unknown ISO3 code, or a language CLDR does not know.
    """
    if not isinstance(entry, dict) or not entry.get("iso3"):
        raise ValueError(f"{file}: every country needs an iso3 code; got {entry!r}")
    iso3 = str(entry["iso3"])
    try:
        code = locales.alpha2(iso3)
    except ValueError as error:
        raise ValueError(f"{file}: {error}") from None
    language = str(entry.get("language") or "en")
    if not locales.known_language(language):
        raise ValueError(f"{file}: {iso3}: unknown language code {language!r} (a code such as es or th)")
    return Country(
        iso3=iso3,
        name=str(entry.get("name") or locales.country_name(iso3, "en")),
        partner=str(entry.get("partner", "")),
        language=language,
        region=str(entry.get("region", "")),
        conversations=bool(entry.get("conversations", False)),
        alpha2=code,
        logo=_check_logo(file, iso3, entry.get("logo")),
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
    """Load study.yml (default ``<repo>/params/study.yml``); cached per resolved path."""
    p = Path(path) if path is not None else repo_root() / "params" / "study.yml"
    return _load_study_cached(p.resolve())


@functools.lru_cache(maxsize=8)
def _load_grid_cached(path: Path) -> Grid:
    doc = _read_yaml(path)
    if "reports" in doc:
        raise ValueError(f"{path.name}: 'reports' is not read: the reports are the study's countries and "
                         "the synthesis (params/study.yml); remove the key")
    sections = tuple(
        GridSection(
            id=str(s["id"]),
            notebook=str(s["notebook"]),
            title=str(s.get("title", s["id"])),
            after=tuple(str(a) for a in s.get("after", []) or []),
            position=s.get("position"),
        )
        for s in doc.get("sections", [])
    )
    ids = [s.id for s in sections]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"{path.name}: duplicate section ids {dupes}")
    for s in sections:
        for a in s.after:
            if a not in ids:
                raise ValueError(f"{path.name}: section {s.id!r} runs after unknown {a!r}")
    _check_acyclic(sections)
    params = tuple(
        ParamSpec(name=str(k), type=str(v.get("type", "str")), default=v.get("default"))
        for k, v in (doc.get("parameters") or {}).items()
    )
    return Grid(sections=sections, parameters=params)


def _check_acyclic(sections: tuple[GridSection, ...]) -> None:
    """Reject ``after`` cycles, which would leave runs waiting for ever."""
    deps = {s.id: set(s.after) for s in sections}
    done: set[str] = set()
    while deps:
        ready = [k for k, v in deps.items() if v <= done]
        if not ready:
            raise ValueError(f"grid: 'after' cycle among sections {sorted(deps)}")
        for k in ready:
            done.add(k)
            del deps[k]


def load_grid(path: Path | str | None = None) -> Grid:
    """Load grid.yml (default ``<repo>/params/grid.yml``); cached per resolved path."""
    p = Path(path) if path is not None else repo_root() / "params" / "grid.yml"
    return _load_grid_cached(p.resolve())


def report_folder(code: str, study: Study | None = None) -> str:
    """Folder of a report under outputs/: the ISO3 code, or the synthesis folder for ALL."""
    st = study or load_study()
    if code == st.synthesis_code:
        return st.synthesis_folder
    st.country(code)  # raises with the list of allowed codes
    return code


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
