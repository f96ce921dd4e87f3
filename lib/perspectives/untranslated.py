"""What a reader of a translated report meets in English: measured on the report itself.

Purpose
    One honest measure of a translation, whatever route a string took to the page. After a
    report is built in a language other than English, its visible text is read back and every
    piece of English in it is named, with where it appears:

    * **what is read**: the HTML's text (paragraphs, headings, list items, table cells and
      captions, figure captions, the contents, the page title) and its text alternatives
      (``alt``, ``title`` and ``aria-label`` attributes); the Word file's paragraphs, table
      cells, drawings' descriptions, headers and footers; and the words each chart drew
      into its picture (axis labels, legends, titles), which the section run records beside
      the figure. The PDF is printed from the HTML and holds the same text. Quotations
      (``<blockquote>``: excerpts of the conversations and approved open answers, shown in
      the words they were given in) and code (``<code>``) are not prose to translate and are
      left out; everything else counts (:mod:`perspectives.visible_text`).
    * **how English is recognised**: by the English strings the reports are written from,
      every key :mod:`perspectives.msgids` finds (templates match with any text in their
      ``{fields}``), and by their translations in the report's language (the catalogue
      ``params/i18n/<lang>.yml``, the form's ``label::`` column). In each piece of text, the
      longest matching strings claim their words first, a translation before an English
      string of the same length, so that a short string never claims words of a longer one
      (:mod:`perspectives.english_matching`).
      An English string whose translation is identical (``"Total"``) counts as translated.
      Then the study's proper names (countries, in every language CLDR names them, the
      partner organisations, funders and licence of ``params/study.yml``, and the software
      packages the report's ``provenance.json`` says built it; a string claims a name whole or
      not at all), numbers and codes (a word with a digit,
      an underscore or inner dot, a word in capitals) are set aside. What is left and still
      holds an English word (a word of those English strings, of the parameter and data files
      they are written in, or a common English word, that no translation in the language
      uses) is English text no catalogue knows: text put together in code, which never passes
      a catalogue.
    * **what is counted**: each English string once however often it is printed: a key by
      its catalogue key (a template by its template, whatever filled it), text no catalogue
      knows by its words. Each comes with its status (``absent``: no catalogue entry;
      ``blank``: an entry left blank; ``bypassed``: the catalogue translates it, but the report
      printed the English; ``unknown``: no catalogue knows it), how often it appears and
      where. The strings a reader meets are the keys found in the report (in either language)
      plus the text no catalogue knows; coverage is the share of them that read translated.

    The build (:func:`report_missing`, called by the assembler), ``missing_translations.json``
    beside each report and ``perspectives i18n`` (:func:`main`) all give this one count.
    ``perspectives build --strict`` fails when it is not zero (:func:`strict_failures`).

Inputs
    A built report folder (``report.html``, ``report.docx``, ``sections/*/executed.ipynb``),
    the catalogues, the study, and the sources :mod:`perspectives.msgids` reads.

Outputs
    :class:`Audit` (JSON-safe through :meth:`Audit.to_json`); ``<REPORT>/missing_translations.json``;
    the build's warning on stderr; ``perspectives i18n`` prints coverage per language.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import i18n, locales, msgids
from .english_matching import WORD, Claims, Pattern, pattern
from .files import write_atomic
from .hints import shown_path
from .project import Project, default
from .study import Study, report_folder

# Segment and the *_segments readers are this module's public API (``__all__``), kept where
# callers have always found them.
from .visible_text import Segment, docx_segments, figure_segments, html_segments, normal, report_segments, visible

__all__ = [
    "MISSING_FILE",
    "Audit",
    "Auditor",
    "Finding",
    "Segment",
    "audit_report",
    "docx_segments",
    "figure_segments",
    "html_segments",
    "main",
    "partner_names_missing",
    "read_audit",
    "report_missing",
    "strict_failures",
]

MISSING_FILE = "missing_translations.json"
# Common English words (function words and the like), English in any report of the study's
# languages unless a translation in the language uses the word too.
ENGLISH_WORDS = frozenset("""
the of and with were was which their they this that these those from who whom whose have has had been by
or not are is be it its at an as to in on for than there what when where would should could will can may
our your his her him she he we you them some all any each other no yes but if so also only more most such
""".split())
# How many places a finding lists in the JSON (the count of occurrences is exact).
PLACES_KEPT = 8

# A token that is a code or a number, not a word: a digit, an underscore, an inner dot,
# slash, colon or at sign (file names, versions, digests, shares).
_CODE = re.compile(r"\S*(?:\d|_|\w[./:@]\w)\S*")
# Two capitals or more alone (ISO codes, PDF): an abbreviation, not a word to translate.
_CAPITALS = re.compile(r"(?<!\w)[^\W\d_]{2,}(?!\w)")



@dataclass
class Finding:
    """One English string of a report.

    Attributes:
        text: the catalogue key (a template as written), or the English words no catalogue knows.
        status: ``absent``, ``blank``, ``bypassed`` or ``unknown`` (see the module doc).
        occurrences: how many times a reader meets it.
        places: where (``HTML: <section> › <element>``), the first :data:`PLACES_KEPT` distinct ones.
    """

    text: str
    status: str
    occurrences: int = 0
    places: list[str] = field(default_factory=list)

    def seen(self, where: str) -> None:
        """Count one more occurrence at ``where``."""
        self.occurrences += 1
        if where not in self.places and len(self.places) < PLACES_KEPT:
            self.places.append(where)


@dataclass
class Audit:
    """The English a reader meets in one report.

    Attributes:
        lang: the report's language.
        findings: the English strings, in the order a reader first meets them.
        met: the strings a reader meets (keys found, either language, and text no catalogue knows).
        translated: how many of them read translated.
        review: how many of those are marked for review by a native speaker.
        flagged: the pieces of text in which English was found (kept in memory, not written).
    """

    lang: str
    findings: list[Finding]
    met: int
    translated: int
    review: int
    flagged: list[Segment] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many English strings a reader meets."""
        return len(self.findings)

    def to_json(self) -> dict[str, Any]:
        """What ``missing_translations.json`` holds."""
        return {"lang": self.lang, "count": self.count, "met": self.met, "translated": self.translated,
                "review": self.review, "missing": sorted(f.text for f in self.findings),
                "strings": [{"text": f.text, "status": f.status, "occurrences": f.occurrences, "where": f.places}
                            for f in self.findings]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Audit:
        """The audit :meth:`to_json` wrote."""
        findings = [Finding(str(s["text"]), str(s["status"]), int(s["occurrences"]), list(s["where"]))
                    for s in data.get("strings", [])]
        return cls(str(data["lang"]), findings, int(data["met"]), int(data["translated"]), int(data["review"]))



def _names(lang: str, study: Study) -> tuple[str, ...]:
    """Proper names a report prints as data: the study's countries (English, CLDR in ``lang``), partners, funders, licence.

    A licence is named by its official name in every edition (the annex's sentence around it is
    translated): a translated name would not be the legal text's.
    """
    head = study.raw.get("study") or {}
    names: set[str] = {*(head.get("funders") or ()), (head.get("licence") or {}).get("name") or ""}
    for country in study.countries:
        names |= {country.name, locales.country_name(country.iso3), locales.country_name(country.iso3, lang)}
        names |= {country.partner, country.partner_in(lang)}
    return tuple(sorted((normal(n) for n in names if n), key=len, reverse=True))


class Auditor:
    """Finds the English in reports of one language (the patterns are made once)."""

    def __init__(self, lang: str, folder: Path | None = None, project: Project | None = None,
                 keys: Mapping[str, msgids.Msgid] | None = None) -> None:
        """Make the auditor of ``lang``.

        Args:
            lang: the reports' language.
            folder: the catalogues' folder (default: the project's ``params/i18n``).
            project: the study folder whose strings are looked for (default: the one around
                the working directory).
            keys: the English strings (default: :func:`perspectives.msgids.extract` of ``project``).
        """
        project = default(project)
        self.lang = lang
        self.keys = dict(keys if keys is not None else msgids.extract(project))
        self.catalogue = i18n.load_catalogue(lang, folder, project=project)
        self.blank = i18n.blank_keys(lang, folder, project=project)
        column = i18n.instrument_language(lang, project.study)
        self.form = msgids.instrument_translations(column, project) if lang != i18n.DEFAULT_LANG else {}
        self.names = _names(lang, project.study)
        patterns: list[Pattern] = []
        own_words: set[str] = set()
        for key, msgid in self.keys.items():
            translations = self._translations(key)
            for text in translations:
                own_words |= {w.lower() for w in WORD.findall(msgids.literal(text))}
                # A label is also met inside a sentence, its first letter in lower case.
                pieces = {p: None for piece in visible(text) for p in (piece, locales.inside_sentence(piece))}
                patterns += filter(None, (pattern(key, piece, True) for piece in pieces))
            same = {normal(t) for t in translations}
            patterns += filter(None, (pattern(key, piece, False) for text in msgid.english
                                      if normal(text) not in same for piece in visible(text)))
        english_words = {w.lower() for m in self.keys.values() for t in m.english
                         for w in WORD.findall(msgids.literal(t))} | ENGLISH_WORDS | msgids.english_words(project)
        self.english_words = frozenset(w for w in english_words - own_words if len(w) > 1)
        patterns.sort(key=lambda p: (-p.size, not p.translated))
        self.order = {id(p): i for i, p in enumerate(patterns)}
        self.by_anchor: dict[str, list[Pattern]] = {}
        self.always: list[Pattern] = []
        for p in patterns:
            (self.by_anchor.setdefault(p.anchor, []) if p.anchor else self.always).append(p)

    def _translations(self, key: str) -> list[str]:
        """The texts of ``key`` in this language: the catalogue's (every form) and the form's column."""
        entry = self.catalogue.get(key)
        texts = [t for _, t in entry.forms] if entry is not None and entry.forms else \
            [entry.text] if entry is not None else []
        # The forms that agree with a field's gender are as much the translation as its own text.
        texts += [t for _, forms in (entry.agree if entry is not None else ()) for _, t in forms]
        return list(dict.fromkeys([*texts, *sorted(self.form.get(key, ()))]))

    def status(self, key: str) -> str:
        """Why a key reads English: ``bypassed``, ``blank`` or ``absent``."""
        if self._translations(key):
            return "bypassed"
        return "blank" if key in self.blank else "absent"

    def audit(self, segments: Iterable[Segment], names: Iterable[str] = ()) -> Audit:
        """The English strings among ``segments`` (see the module doc); ``names``: more proper names to set aside."""
        findings: dict[str, Finding] = {}
        met_translated: set[str] = set()
        flagged: list[Segment] = []
        names = tuple(sorted({*self.names, *(normal(n) for n in names if n.strip())}, key=len, reverse=True))
        for segment in segments:
            english = self._segment(segment.text, met_translated, names)
            for key, status in english:
                findings.setdefault(key, Finding(key, status)).seen(segment.where)
            if english:
                flagged.append(segment)
        translated = met_translated - set(findings)
        review = sum(1 for k in translated if k in self.catalogue and self.catalogue[k].review)
        return Audit(self.lang, list(findings.values()), len(translated) + len(findings), len(translated), review,
                     flagged)

    def _segment(self, text: str, met_translated: set[str], names: tuple[str, ...]) -> list[tuple[str, str]]:
        """``(key, status)`` of each English string in one piece of text, once per occurrence."""
        claims = Claims(text, names)
        tokens = {m.group() for m in WORD.finditer(text)}
        candidates = {id(p): p for t in tokens for p in self.by_anchor.get(t, ())}
        english: list[tuple[str, str]] = []
        for p in sorted([*candidates.values(), *self.always], key=lambda p: self.order[id(p)]):
            found = claims.find(p)
            if found and p.translated:
                met_translated.add(p.key)
            elif found:
                english += [(p.key, self.status(p.key))] * found
        for name in names:
            claims.find(Pattern(name, (name,), True, len(name), None))
        residue = self._english_residue(claims)
        return [*english, (residue, "unknown")] if residue else english

    def _english_residue(self, claims: Claims) -> str:
        """The English words left once strings, names, numbers and codes are set aside ('' if none)."""
        kept = []
        for stretch in claims.rest():
            words = _CAPITALS.sub(lambda m: " " if m.group().isupper() else m.group(), _CODE.sub(" ", stretch))
            found = WORD.findall(words)
            if any(w.lower() in self.english_words for w in found):
                kept.append(" ".join(normal(re.sub(r"[^\w'’-]+", " ", words)).split()))
        return " … ".join(k for k in kept if k)


# --------------------------------------------------------------------------- reports

def report_language(folder: Path, project: Project | None = None) -> str | None:
    """The language a built report was written in (of its HTML's ``lang``: ``ro`` of ``ro-MD``), None without a report."""
    path = Path(folder) / "report.html"
    if not path.is_file():
        return None
    head = path.read_bytes()[:4096].decode("utf-8", "replace")
    m = re.search(r'<html[^>]*\blang="([^"]+)"', head)
    return locales.language_of(m.group(1), default(project).study.languages) if m else i18n.DEFAULT_LANG


def _auditor(lang: str, project: Project) -> Auditor:
    """The project's auditor of ``lang``, made again when its catalogue or the strings change."""
    keys = tuple(sorted(msgids.extract(project)))
    return project.cached("auditor", (lang, keys), lambda: Auditor(lang, project=project),
                          [project.catalogues / f"{lang}.yml", project.study_file])


def audit_report(folder: Path, lang: str | None = None, auditor: Auditor | None = None,
                 project: Project | None = None) -> Audit | None:
    """The English a reader meets in the report in ``folder`` (None for an English report or none built).

    ``project``: the study folder whose catalogue and strings are meant (default: the one
    around the working directory).
    """
    lang = lang or report_language(folder, project)
    if lang is None or lang == i18n.DEFAULT_LANG:
        return None
    auditor = auditor or _auditor(lang, default(project))
    return auditor.audit(report_segments(folder), _provenance_names(Path(folder)))


def _provenance_names(folder: Path) -> list[str]:
    """Names the report's provenance declares (the packages that built it): printed as they are."""
    try:
        record = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [str(name) for name in record.get("packages", {})] if isinstance(record, dict) else []


def read_audit(folder: Path) -> Audit | None:
    """The audit the build wrote beside a report (None when it found no English or the report is English)."""
    path = Path(folder) / MISSING_FILE
    if not path.is_file():
        return None
    try:
        return Audit.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError):
        return None


# Control characters (C0 but tab, C1) of a text printed on the terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def _shown(text: str, width: int = 100) -> str:
    """A string as the terminal gets it: control characters shown as U+FFFD, long ones cut."""
    text = _CONTROL.sub("\ufffd", text)
    return text if len(text) <= width else text[:width - 3] + "..."


def describe(code: str, audit: Audit, listed_in: str, shown: int | None = 25) -> list[str]:
    """The lines that tell a reader's English in one report.

    Args:
        code: the report's code.
        audit: what the reader meets in English.
        listed_in: the list's path as the user can open it from where they ran the command.
        shown: how many strings to name (None: all).
    """
    lines = [f"{code}: {audit.count} English string(s) a reader meets in the '{audit.lang}' report "
             f"({audit.translated} of {audit.met} strings read translated; listed in {listed_in}):"]
    for finding in audit.findings[:shown]:
        lines.append(f"    [{finding.status}] {_shown(finding.text)}")
        where = ", ".join(_shown(p, 70) for p in finding.places[:2])
        more = finding.occurrences - min(2, len(finding.places))
        lines.append(f"        {finding.occurrences}x: {where}" + (f" and {more} more" if more > 0 else ""))
    if shown is not None and audit.count > shown:
        lines.append(f"    ... and {audit.count - shown} more")
    return lines


def partner_names_missing(code: str, lang: str, study: Study) -> list[str]:
    """The lines saying which partners a report in ``lang`` names as ``partner`` reads, for want of their own name.

    A partner's name is the organisation's to write (``partner_names`` in ``params/study.yml``),
    so the build never translates it; where none is given for the report's language the cover
    prints ``partner``, and the build says so, naming the line to add. Not counted as English
    by ``--strict``: many organisations write their name the same way in every language.
    """
    if lang == locales.ENGLISH:
        return []
    countries = study.countries if code == study.synthesis_code else [study.country(code)]
    return [f"{code}: the partner of {c.iso3} is named as params/study.yml's `partner` gives it "
            f"({c.partner!r}), with no name of its own in {lang}; if it writes its name otherwise, add "
            f"`partner_names: {{{lang}: \"...\"}}` to {c.iso3}'s entry" for c in countries
            if c.partner and not dict(c.partner_names).get(lang)]


def report_missing(code: str, folder: Path, lang: str, project: Project | None = None) -> Audit | None:
    """After assembly: audit the report, write ``missing_translations.json``, warn on stderr.

    An English report, or one where a reader meets no English, has no such file. A partner
    named without a name of its own in the report's language is said on stderr
    (:func:`partner_names_missing`). ``project``: see :func:`audit_report`.
    """
    for line in partner_names_missing(code, lang, default(project).study):
        print(line, file=sys.stderr)
    path = Path(folder) / MISSING_FILE
    audit = audit_report(folder, lang, project=project)
    if audit is None or not audit.count:
        path.unlink(missing_ok=True)
        return audit
    write_atomic(path, json.dumps(audit.to_json(), indent=1, ensure_ascii=False) + "\n")
    print("\n".join(describe(code, audit, shown_path(path))), file=sys.stderr)
    return audit


def strict_failures(folders: Mapping[str, Path]) -> dict[str, list[str]]:
    """Report code -> the lines naming every English string and where, for the reports that have some."""
    out: dict[str, list[str]] = {}
    for code, folder in folders.items():
        audit = read_audit(folder)
        if audit is not None and audit.count:
            out[code] = describe(code, audit, shown_path(Path(folder) / MISSING_FILE), shown=None)
    return out


# --------------------------------------------------------------------------- perspectives i18n

def coverage(out: Path, langs: Sequence[str], project: Project | None = None) -> dict[str, dict[str, Any]]:
    """Per language: the reports built in it under ``out`` and what their readers meet in English.

    ``project``: the study folder (default: the one around the working directory).

    Returns:
        ``lang -> {"reports": {code: Audit}, "findings": [Finding]}``: each report's audit, and
        the English strings of all of them (a string in two reports counts once).
    """
    project = default(project)
    study = project.study
    result: dict[str, dict[str, Any]] = {}
    for lang in langs:
        reports: dict[str, Audit] = {}
        for code in study.report_codes:
            folder = Path(out) / report_folder(code, study, lang)
            if report_language(folder, project) == lang:
                audit = audit_report(folder, lang, project=project)
                if audit is not None:
                    reports[code] = audit
        findings: dict[str, Finding] = {}
        for audit in reports.values():
            for f in audit.findings:
                known = findings.setdefault(f.text, Finding(f.text, f.status))
                known.occurrences += f.occurrences
                known.places += [p for p in f.places if p not in known.places][:PLACES_KEPT - len(known.places)]
        result[lang] = {"reports": reports, "findings": list(findings.values())}
    return result


def _print_language(lang: str, info: dict[str, Any], out: Path, verbose: bool, project: Project) -> None:
    reports: dict[str, Audit] = info["reports"]
    if not reports:
        fill = i18n.catalogue_fill(lang, project=project)
        print(f"{lang}: no report built in '{lang}' under {out.name}/ (build one: perspectives build --country "
              f"ISO3 --lang {lang}). Its catalogue and form translate {fill['translated']} of the "
              f"{fill['strings']} strings the reports can print ({fill['blank']} left blank, "
              f"{fill['absent']} absent).")
        return
    for code, audit in reports.items():
        share = f"{100 * audit.translated / audit.met:.0f}%" if audit.met else "-"
        print(f"{lang} {code}: {audit.translated} of {audit.met} strings a reader meets are translated ({share}); "
              f"{audit.count} read English; {audit.review} translated strings are marked for review "
              f"by a native speaker")
    if len(reports) > 1:
        print(f"{lang}: {len(info['findings'])} English string(s) across its {len(reports)} reports")
    for finding in info["findings"] if verbose or len(info["findings"]) <= 40 else info["findings"][:40]:
        print(f"    [{finding.status}] {_shown(finding.text)}  ({finding.occurrences}x: "
              f"{_shown(finding.places[0], 70) if finding.places else ''})")
    if not verbose and len(info["findings"]) > 40:
        print(f"    ... and {len(info['findings']) - 40} more (--all lists every one)")


def main(argv: list[str] | None = None, project: Project | None = None) -> int:
    """``perspectives i18n``: what a reader meets in English, per language; ``i18n init LANG`` starts a catalogue.

    ``perspectives i18n [LANG ...] [--out DIR] [--all] [--json]`` audits the reports built
    under ``DIR`` (default ``outputs``) in each language (default: the study's languages but
    English) and prints their coverage with the English strings; a language with no report
    built says so and gives its catalogue's fill instead. Exit 1 when a reader meets English.
    ``project`` is the study folder (default: the one around the working directory).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    project = default(project)
    if args and args[0] == "init":
        return _init(args[1:], project)
    parser = argparse.ArgumentParser(prog="perspectives i18n", description=main.__doc__.splitlines()[0])
    parser.add_argument("langs", nargs="*", metavar="LANG")
    parser.add_argument("--out", type=Path, default=Path("outputs"), help="output folder (default: outputs)")
    parser.add_argument("--all", action="store_true", help="list every English string")
    parser.add_argument("--json", action="store_true", help="print the audits as JSON")
    ns = parser.parse_args(args[1:] if args and args[0] == "coverage" else args)
    langs = ns.langs or [code for code in dict(project.study.languages) if code != i18n.DEFAULT_LANG]
    result = coverage(ns.out, langs, project)
    if ns.json:
        print(json.dumps({lang: {code: a.to_json() for code, a in info["reports"].items()}
                          for lang, info in result.items()}, indent=1, ensure_ascii=False))
    else:
        for lang, info in result.items():
            _print_language(lang, info, ns.out, ns.all, project)
    return 1 if any(info["findings"] for info in result.values()) else 0


def _init(args: list[str], project: Project) -> int:
    rest = [a for a in args if a != "--force"]
    if len(rest) != 1:
        print("usage: perspectives i18n init LANG [--force]", file=sys.stderr)
        return 2
    try:
        path = i18n.init(rest[0], force="--force" in args, project=project)
    except (FileExistsError, ValueError) as error:
        print(f"perspectives i18n init: {error}", file=sys.stderr)
        return 2
    keys = sum(len(v) for v in i18n.every_key(project).values())
    print(f"wrote params/i18n/{path.name}: {keys} strings to translate")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
