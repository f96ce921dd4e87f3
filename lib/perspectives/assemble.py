"""Assemble each report's executed section notebooks into one self-contained HTML report.

Purpose
    Turn the executed notebooks of a report (``outputs/<REPORT>/sections/*/executed.ipynb``)
    into ``outputs/<REPORT>/report.html``: outputs only (no code, no prompts), sections in
    grid order (``position: first`` sections first), a table of contents from the h1/h2
    headings, and a header naming the report and the data files it was built from (file name
    and sha256, never a path). Also writes ``outputs/index.html`` linking every report present
    in every language built, with its HTML, PDF and Word files and the fidelity page.
    Everything runs in the calling process; nbconvert's markdown renderer is imported once.
    Text from data is never markup here (:mod:`perspectives.escape`): Markdown renders raw
    HTML as text, links keep only safe schemes, images only embedded data, Markdown that a
    run composed makes no link or image at all, a library's HTML is kept to an allow-list,
    and every page carries a Content-Security-Policy that allows no script and no remote load.
    Beside the HTML: ``report.docx`` (:mod:`perspectives.docx_report`) and ``report.pdf``
    (:mod:`perspectives.pdf`, Chromium printing the HTML; skipped with a note when Chromium is
    absent or ``PERSPECTIVES_PDF=0``). The report frame and the notebooks' Markdown cells are
    shown in the report's language (:mod:`perspectives.i18n`); the English a reader meets in
    the written report is measured on it and listed on stderr (:mod:`perspectives.untranslated`).
    The cells are rendered by :mod:`perspectives.assemble_cells`, the tables made accessible by
    :mod:`perspectives.assemble_tables`; :class:`SectionDoc`, the input of :func:`render_report`,
    is re-exported from the former.

Inputs
    The run folders written by ``perspectives.build`` (``executed.ipynb`` and ``stamp.json``
    of each section), ``Study``/``Grid`` from ``perspectives.study``, the templates in
    ``perspectives/templates/``, ``params/reference.docx``, ``params/i18n/<lang>.yml``.
    ``SOURCE_DATE_EPOCH`` (optional) sets the date shown.

Outputs
    ``<REPORT>/report.html`` (written to a temporary file, then ``os.replace``d),
    ``<REPORT>/report.docx``, ``<REPORT>/report.pdf`` (when Chromium is present),
    ``<REPORT>/missing_translations.json`` (the English a reader meets in a translated report,
    :mod:`perspectives.untranslated`),
    ``<REPORT>/.report-stamp.json`` (hash of the assembly's inputs, so unchanged reports are
    not re-rendered) and ``index.html``. Same inputs give the same bytes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from perspectives.assemble_cells import Renderer, SectionDoc
from perspectives.escape import CONTENT_SECURITY_POLICY
from perspectives.files import read_json, write_atomic
from perspectives.fmt import unbroken_bases
from perspectives.hashing import sha256_json
from perspectives.i18n import FALLBACKS_FILE, Gender, Translator
from perspectives.locales import language_name
from perspectives.outline import Outline
from perspectives.pdf import PrintError, pdf_expected, write_pdf
from perspectives.project import Project, project_of
from perspectives.report_annex import Block
from perspectives.study import Grid, Study, built_reports
from perspectives.texts import Cover
from perspectives.untranslated import report_missing

__all__ = [
    "AssemblyError",
    "ReportMeta",
    "SectionDoc",
    "assemble_report",
    "damaged_run",
    "find_leaks",
    "render_report",
    "write_index",
]

TEMPLATES = Path(__file__).parent / "templates"


class AssemblyError(RuntimeError):
    """A report cannot be assembled (nothing built, or it would leak a local path)."""


@dataclass(frozen=True)
class ReportMeta:
    """What the report header states."""

    code: str
    name: str
    study_title: str
    partner: str | None = None
    lang: str = "en"
    inputs: tuple[dict[str, str], ...] = ()
    warnings: tuple[str, ...] = field(default=())
    # The edition's BCP 47 tag (ro-MD), which the HTML, the PDF and the Word file state; "": ``lang``.
    language_tag: str = ""


def prepare() -> None:
    """Import what assembly needs (nbconvert's Markdown, Jinja, python-docx, provenance).

    A build calls this in its assembly thread while the runs' server starts, when one CPU
    is otherwise idle, so the first report to be assembled does not pay for the imports.
    """
    from perspectives.imports import import_jsonschema_quickly

    import_jsonschema_quickly()  # nbconvert imports nbformat, hence jsonschema
    import jinja2  # noqa: F401
    from nbconvert.filters import markdown_mistune  # noqa: F401

    from perspectives import docx_report, pdf, provenance  # noqa: F401


def _env() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )


def _built_on() -> str | None:
    """Date to show: from SOURCE_DATE_EPOCH only, so builds stay byte-reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).strftime("%Y-%m-%d")


# The report frame's words (template labels), translated per report.
FRAME_WORDS = ("Contents", "Partner organisation:", "Built on", "Built from:", "Input", "File")


def default_cover(meta: ReportMeta, tr: Translator) -> Cover:
    """A cover from the header's facts alone (a report rendered without the study's texts)."""
    lines = (tr("Partner organisation: {partner}", partner=meta.partner),) if meta.partner else ()
    return Cover(title=meta.study_title, subtitle=meta.name, lines=lines, notice=None, logo=None, logo_alt=None)


def logo_image(cover: Cover) -> str:
    """The cover's logo as an embedded ``<img>`` (PNG or JPEG data), or ""."""
    if cover.logo is None:
        return ""
    mime = "image/jpeg" if cover.logo.suffix.lower() in (".jpg", ".jpeg") else "image/png"
    data = base64.b64encode(cover.logo.read_bytes()).decode("ascii")
    return f'<img class="logo" src="data:{mime};base64,{data}" alt="{html.escape(cover.logo_alt or "")}">'


def render_blocks(r: Renderer, blocks: Sequence[Block], section_id: str) -> str:
    """HTML of a part the assembler adds (the annex), its headings in the report's outline."""
    parts = []
    whole = False  # inside a part printed on one page (a <div class="whole"> opened by its heading)
    for block in blocks:
        if block.kind == "heading":
            parts.append("</div>" if whole else "")
            whole = block.whole
            parts.append(('<div class="whole">' if whole else "") + f"<h{block.level}>{html.escape(block.text)}</h{block.level}>")
        elif block.kind == "paragraph":
            parts.append(r.markdown(block.text, composed=True))
        elif block.kind == "table":
            parts.append(f'<div class="output">{r.table(block.table)}</div>')
        elif block.kind == "inputs":
            head, *rows = block.rows
            cells = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in head)
            body = "".join("<tr>" + f'<th scope="row">{html.escape(row[0])}</th>'
                           + "".join(f"<td>{html.escape(v)}</td>" for v in row[1:]) + "</tr>" for row in rows)
            parts.append(f'<table class="provenance"><caption>{html.escape(r.tr("Input files"))}</caption>'
                         f"<thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>")
    parts.append("</div>" if whole else "")
    return r.headings("\n".join(p for p in parts if p), section_id)


def render_report(meta: ReportMeta, sections: Sequence[SectionDoc],
                  translator: Translator | None = None, footer: Sequence[str] = (),
                  outline: Outline | None = None, cover: Cover | None = None,
                  annex: Sequence[Block] = (), page_size: str = "A4", unresolved: list[str] | None = None,
                  contents: list[dict[str, Any]] | None = None) -> str:
    """Render a report to an HTML string (deterministic for the same inputs).

    Args:
        meta: what the header states.
        sections: the sections in report order.
        translator: the report's language (default: ``meta.lang``).
        footer: lines printed at the foot of the page (none: provenance is in the annex).
        outline: the figure and table numbers (:class:`perspectives.outline.Outline` of
            ``sections``); made here when not given. The assembler makes one for all formats.
        cover: what the cover states (:func:`perspectives.texts.cover`); by default the
            header's facts.
        annex: the annex's blocks (:func:`perspectives.report_annex.annex`), after the sections.
        page_size: the printed page (a CSS ``@page`` size: A4, Letter...).
        unresolved: a list to which the cross-references that name nothing in the report are
            added (they are shown as "?").
        contents: a list to which the contents' entries are added, in order (``level``, the
            heading's ``id`` and ``text``).

    Returns:
        The report's HTML.
    """
    from markupsafe import Markup

    from perspectives.provenance import generator

    tr = translator or Translator(meta.lang)
    r = Renderer(tr, outline or Outline([s.notebook for s in sections], tr))
    bodies = [{"id": s.id, "body": Markup(r.section(s))} for s in sections]
    if annex:
        bodies.append({"id": "annex", "body": Markup(render_blocks(r, annex, "annex"))})
    if unresolved is not None:
        unresolved.extend(r.unresolved)
    if contents is not None:
        contents.extend(r.toc)
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    # The page size is the study's; the stylesheet's @page rule states A4.
    css = css.replace("@page { size: A4;", f"@page {{ size: {page_size};")
    cover = cover or default_cover(meta, tr)
    return _text_outside_tags(_env().get_template("report.html.j2").render(
        lang=meta.language_tag or meta.lang, name=meta.name, study_title=meta.study_title, cover=cover,
        logo=Markup(logo_image(cover)),
        warnings=list(meta.warnings), toc=r.toc, sections=bodies, css=Markup(css),
        words={w: tr(w) for w in FRAME_WORDS}, footer=list(footer), csp=Markup(CONTENT_SECURITY_POLICY),
        generator=generator(),
    ), unbroken_bases)


_TAG = re.compile(r"(<[^>]*>)")


def _text_outside_tags(page: str, change: Callable[[str], str]) -> str:
    """``page`` (HTML) with ``change`` applied to the text between its tags (attributes are left alone)."""
    return "".join(part if part.startswith("<") else change(part) for part in _TAG.split(page))


def find_leaks(text: str, forbidden: Sequence[str]) -> list[str]:
    """Which forbidden strings (local folders, host names) occur in ``text``."""
    return [f for f in forbidden if f and f not in ("/", ".") and f in text]


def _assembler_digest(project: Project) -> str:
    """Hash of this module and the templates, and of the study's files they show: changing the look re-renders reports.

    Kept by the project for the same files (name, size, modification time): a build asks
    for it once per report, and the preview keeps asking after edits.
    """
    here = Path(__file__).parent
    params = project.params
    # The Word and PDF renderers, the catalogues and the reference document shape the outputs too.
    files = [Path(__file__), *sorted(TEMPLATES.glob("*")), here / "assemble_cells.py", here / "assemble_tables.py",
             here / "docx_report.py", here / "docx_text.py", here / "docx_contents.py", here / "pdf.py", here / "pdf_bytes.py", here / "pdf_contents.py", here / "i18n.py", here / "catalogues.py", here / "alttext.py",
             here / "outline.py", here / "escape.py", here / "untranslated.py", here / "visible_text.py",
             here / "english_matching.py", here / "msgids.py", here / "code_strings.py", here / "texts.py", here / "report_annex.py",
             here / "locales.py",
             params / "reference.docx", params / "report_texts.yml", params / "study.yml", params / "languages.yml",
             *sorted((params / "i18n").glob("*.yml"))]

    def digest() -> str:
        h = hashlib.sha256(Path(__file__).read_bytes())
        for p in files[1:]:
            if p.is_file():
                h.update(p.name.encode() + p.read_bytes())
        return h.hexdigest()

    return project.cached("assembler digest", None, digest, files, keep=1)


# --------------------------------------------------------------------------- reports


# What each input file is, as a reader is told (params/study.yml names them by a key).
INPUT_ROLES = {"survey": "Survey export", "conversations": "Conversations", "participants": "Conversation participants",
               "instrument": "Survey form"}


def _report_meta(code: str, study: Study, stamps: list[dict[str, Any]], lang: str, project: Project) -> ReportMeta:
    seen: dict[tuple[str, str, str], None] = {}
    for stamp in stamps:
        for item in stamp.get("inputs", []):
            seen[(item["role"], item["name"], item["sha256"])] = None
    tr = Translator(lang, project=project)
    inputs = tuple({"role": tr(INPUT_ROLES.get(r, r)), "name": n, "sha256": s} for r, n, s in seen)
    roles = [r for r, _, _ in seen]
    partner = None if code == study.synthesis_code else study.country(code).partner_in(lang)
    warnings = tuple(tr("Sections of this report were built from different versions of the {role} data.",
                        role=tr(INPUT_ROLES.get(role, role))) for role in dict.fromkeys(roles) if roles.count(role) > 1)
    name = tr(study.report_name(code)) if code == study.synthesis_code else tr.country(code)
    return ReportMeta(code=code, name=name, study_title=tr(study.title), partner=partner, lang=lang,
                      inputs=inputs, warnings=warnings, language_tag=study.language_tag(code, lang))


def assemble_report(
    code: str,
    folder: Path,
    study: Study,
    grid: Grid,
    root: Path | None = None,
    forbidden: Sequence[str] = (),
    force: bool = False,
    print_pdf: Callable[[str, Path, Callable[[], None]], None] | None = None,
) -> bool:
    """Write ``folder/report.html`` from the section runs in ``folder/sections``.

    With ``print_pdf`` the PDF is not printed here: ``print_pdf(code, html_path, seal)`` is
    called as soon as the HTML is written, before the Word file, so that the caller can print
    it with the browser it shares between reports meanwhile (``perspectives.build`` does); the
    caller calls ``seal()`` once the PDF is written (or rightly absent: PDFs not wanted, no
    browser), and never when it failed.

    The report's stamp (``.report-stamp.json``, which says its files are those of these
    inputs) is removed before the first of them is replaced and written again only once the
    HTML, the Word file and the PDF are all in place: an interrupted or failed report has no
    stamp, and the next build writes it again.

    ``root`` is the study folder (default: the study's own, :attr:`perspectives.study.Study.root`).

    Returns False (and writes nothing) when the inputs are those of the existing report.
    Raises ``AssemblyError`` when no section was built, the HTML would show a local path
    (the previous report is then left as it was) or, without ``print_pdf``, the PDF did not
    print.
    """
    project = project_of(root if root is not None else study.root)
    docs: list[SectionDoc] = []
    stamps: list[dict[str, Any]] = []
    missing: list[str] = []
    for sec in grid.report_order():
        run = folder / "sections" / sec.id
        stamp = read_json(run / "stamp.json") if (run / "executed.ipynb").is_file() else None
        if _usable_stamp(stamp):
            damaged = damaged_run(run)
            if damaged is not None:  # edited by hand, cut short: the run is redone, never read as it is
                (run / "stamp.json").unlink(missing_ok=True)
                raise AssemblyError(f"{code}: section {sec.id}: {damaged}; the report is kept as it was and the "
                                    "next build runs the section again")
            docs.append(SectionDoc(sec.id, sec.title, run / "executed.ipynb"))
            stamps.append(stamp)
        else:  # never built, or its stamp damaged (the next build of it runs it again)
            missing.append(sec.title)
    if not docs:
        raise AssemblyError(f"no section of {code} has been built")
    # the language the runs were built in (all sections of a report share it)
    lang = str(stamps[0].get("lang", "en"))
    meta = _report_meta(code, study, stamps, lang, project)
    if missing:
        words = Translator(lang, project=project)
        meta = ReportMeta(**{**meta.__dict__, "warnings": meta.warnings + (
            words("Sections not built yet: {sections}.", sections=", ".join(words(m) for m in missing)),)})
    from perspectives.provenance import provenance

    record = provenance(code, stamps, folder, study)
    recorded = (json.dumps(record, indent=1, sort_keys=True) + "\n").encode("utf-8")
    prov_path = folder / "provenance.json"
    try:
        unchanged = prov_path.read_bytes() == recorded
    except OSError:
        unchanged = False
    if not unchanged:
        write_atomic(prov_path, recorded)
    logo = study.logo_of(code)
    digest = hashlib.sha256(json.dumps({
        "provenance": record,
        "assembler": _assembler_digest(project),
        "meta": meta.__dict__,
        # The cover's logo is shown by its bytes; the texts and the study are in the assembler's digest.
        "logo": hashlib.sha256(logo.read_bytes()).hexdigest() if logo else None,
        # A run's folder (its notebook with its stamp) is swapped in whole by the build, and
        # its notebook is a function of its stamp: the stamps stand for the notebooks'
        # bytes, which at a hundred reports cost a tenth of a no-change build to hash. A run
        # redone with the same stamp (--force) reassembles through ``force``.
        "sections": [(d.id, d.title, sha256_json(stamp)) for d, stamp in zip(docs, stamps, strict=True)],
        "date": _built_on(),
        "pdf": pdf_expected(code),
    }, sort_keys=True, default=list).encode()).hexdigest()
    dest = folder / "report.html"
    stamp_path = folder / ".report-stamp.json"
    if not force and dest.is_file() and stamp_path.is_file():
        try:
            previous = json.loads(stamp_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = None
        if isinstance(previous, dict) and previous.get("digest") == digest:
            return False
    tr = Translator(lang, project=project)
    tr.agreement = _agreement(code, docs)
    # One numbering of figures and tables for the HTML, Word and PDF of this report.
    outline = Outline([d.notebook for d in docs], tr)
    cover, annex = _frame(code, study, tr, record, outline)
    unresolved: list[str] = []
    text = render_report(meta, docs, tr, outline=outline, cover=cover, annex=annex, page_size=study.page_size,
                         unresolved=unresolved)
    if unresolved:
        # A section a recommendation cites was not built (or shows the result no more).
        print(f"{code}: {len(unresolved)} cross-reference(s) name no figure or table of this report and read '?': "
              f"{', '.join(sorted(set(unresolved)))}", file=sys.stderr)
    leaks = find_leaks(text, forbidden)
    if leaks:
        # Name what kind of thing leaked without printing it into more files.
        raise AssemblyError(f"{code}: the report would show a local path "
                            f"({len(leaks)} occurrence kind(s)); fix the notebook output")
    stamp_path.unlink(missing_ok=True)
    write_atomic(dest, text)
    from perspectives.docx_report import REFERENCE_FILE, render_docx

    seal = _Seal(stamp_path, json.dumps({"digest": digest}) + "\n", parts=1 if print_pdf is None else 2)
    if print_pdf is not None:
        print_pdf(code, dest, seal)
    write_atomic(folder / "report.docx", render_docx(meta, docs, tr, reference=project.path(REFERENCE_FILE),
                                                     outline=outline, cover=cover, annex=annex,
                                                     page_size=study.page_size))
    if print_pdf is None:
        try:
            write_pdf(code, dest)
        except PrintError as exc:
            raise AssemblyError(f"{code}: report.pdf not printed: {exc}") from exc
    report_missing(code, folder, lang, project)
    seal()
    return True


def _agreement(code: str, docs: Sequence[SectionDoc]) -> dict[str, Gender]:
    """The genders the notebooks' Markdown agrees with: the participants' as the runs' recorded counts publish it.

    The same rule as the chapters' own texts (:func:`perspectives.summary_counts.participants_gender`),
    read from the values the section runs recorded, so a heading and the sentence under it agree.
    """
    from perspectives.summary_counts import participants_gender

    values: list[dict[str, Any]] = []
    for doc in docs:
        path = Path(doc.notebook).parent / "values.json"
        if path.is_file():
            values += read_json(path) or []
    return {"participants": participants_gender(values, code)}


def damaged_run(run: Path) -> str | None:
    """Why a run folder's files cannot be assembled as the build wrote them; None when they can.

    Its ``executed.ipynb`` must be a notebook (nbformat's schema, checked by fastjsonschema in
    a millisecond) and its ``translation_fallbacks.json``, when there is one, a list of texts.
    """
    from nbformat.validator import get_validator

    notebook = read_json(run / "executed.ipynb")
    minor = notebook.get("nbformat_minor") if isinstance(notebook, dict) else None
    validator = get_validator(4, minor if isinstance(minor, int) and 0 <= minor <= 5 else 5, name="fastjsonschema")
    try:
        if not isinstance(notebook, dict) or notebook.get("nbformat") != 4 or validator is None:
            raise ValueError
        validator.validate(notebook)
    except Exception:  # noqa: BLE001 - fastjsonschema's and nbformat's errors alike: it is damaged
        return "its executed.ipynb is damaged (not a notebook as the build writes it)"
    if (run / FALLBACKS_FILE).exists():
        missing = read_json(run / FALLBACKS_FILE)
        if not (isinstance(missing, dict) and isinstance(missing.get("missing"), list)
                and all(isinstance(text, str) for text in missing["missing"])):
            return f"its {FALLBACKS_FILE} is damaged (not a list of texts)"
    return None


def _usable_stamp(stamp: Any) -> bool:
    """A run's stamp as the build writes it, as far as assembly reads it (its inputs, its language)."""
    if not isinstance(stamp, dict) or "version" not in stamp or not isinstance(stamp.get("lang", "en"), str):
        return False
    inputs = stamp.get("inputs", [])
    return isinstance(inputs, list) and all(
        isinstance(item, dict) and all(isinstance(item.get(k), str) for k in ("role", "name", "sha256"))
        for item in inputs)


class _Seal:
    """Writes a report's stamp once the last of its parts is in place.

    The parts finish in two threads (the Word file in the assembly's, the PDF in a printer's):
    each calls the seal once, and the last call writes the stamp.
    """

    def __init__(self, path: Path, text: str, parts: int) -> None:
        self._path, self._text, self._left = path, text, parts
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            self._left -= 1
            if self._left == 0:
                write_atomic(self._path, self._text)


def _frame(code: str, study: Study, tr: Translator, record: dict[str, Any],
           outline: Outline) -> tuple[Cover, list[Block]]:
    """The report's cover and annex, from the study, its texts and what built it."""
    from perspectives import report_annex, texts

    epoch = _built_on()
    date = dt.date.fromisoformat(epoch) if epoch else None
    synthetic = any(i["role"] == "survey" and report_annex.synthetic_input(i["file"], i["sha256"], study)
                    for i in record.get("inputs", []))
    cover = texts.cover(study, tr, code, date=date, synthetic=synthetic)
    place = tr.country(code) if code != study.synthesis_code else tr.plural("the {count} countries",
                                                                             len(study.countries))
    report = texts.Texts(tr, texts.report_fields(study, tr, code, place=place, date=date))
    return cover, report_annex.annex(report, outline.annex, record)


# The files of a report the index links to, in the order it lists them.
INDEX_FORMATS = (("html", "report.html", "HTML"), ("pdf", "report.pdf", "PDF"), ("docx", "report.docx", "Word"))
# The page of the claims' check (``perspectives fidelity``), under the output folder.
FIDELITY_PAGE = "fidelity/index.html"


def _href(folder: Path, out: Path, name: str) -> str:
    """A link from ``out/index.html`` to ``folder/name``: each folder's name quoted, never a scheme."""
    parts = folder.relative_to(out).parts
    return "/".join(quote(part, safe="") for part in (*parts, name))


def write_index(out: Path, study: Study, grid: Grid | None = None) -> bool:
    """Write ``out/index.html`` listing every report in every built language; False when unchanged.

    Each report (study order) lists its languages (English first, the others by code), each
    named in its own language (CLDR) with links to its HTML, PDF and Word files, whichever
    are present, and the fidelity page when ``perspectives fidelity`` wrote it. The manifest
    (``manifest.json``) gathers the provenance of the same reports.

    Args:
        out: the output folder.
        study: the study (the reports and their names).
        grid: not read (the index lists what was built, whatever the sections); kept for
            the callers that pass it.
    """
    from markupsafe import Markup

    out = Path(out)
    found = built_reports(out, study)
    entries: list[dict[str, Any]] = []
    for item in found:
        if not entries or entries[-1]["code"] != item.code:
            entries.append({"code": item.code, "name": study.report_name(item.code), "languages": []})
        files = [{"label": label, "kind": kind, "href": _href(item.folder, out, name)}
                 for kind, name, label in INDEX_FORMATS if (item.folder / name).is_file()]
        entries[-1]["languages"].append({"lang": item.lang, "name": language_name(item.lang, item.lang),
                                         "files": files})
    fidelity = FIDELITY_PAGE if (out / FIDELITY_PAGE).is_file() else None
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    text = _env().get_template("index.html.j2").render(
        study_title=study.title, entries=entries, fidelity=fidelity, css=Markup(css),
        csp=Markup(CONTENT_SECURITY_POLICY))
    from perspectives.provenance import write_manifest

    records = [read_json(item.folder / "provenance.json") for item in found]
    # A damaged record (rewritten when its report is next assembled) is left out meanwhile.
    write_manifest(out, [r for r in records if isinstance(r, dict) and "report" in r])
    dest = out / "index.html"
    if dest.is_file() and dest.read_text(encoding="utf-8") == text:
        return False
    write_atomic(dest, text)
    return True
