"""Assemble each report's executed section notebooks into one self-contained HTML report.

Purpose
    Turn the executed notebooks of a report (``outputs/<REPORT>/sections/*/executed.ipynb``)
    into ``outputs/<REPORT>/report.html``: outputs only (no code, no prompts), sections in
    grid order (``position: first`` sections first), a table of contents from the h1/h2
    headings, and a header naming the report and the data files it was built from (file name
    and sha256, never a path). Also writes ``outputs/index.html`` linking the reports present.
    Everything runs in the calling process; nbconvert's markdown renderer is imported once.
    Beside the HTML: ``report.docx`` (:mod:`perspectives.docx_report`) and ``report.pdf``
    (:mod:`perspectives.pdf`, Chromium printing the HTML; skipped with a note when Chromium is
    absent or ``PERSPECTIVES_PDF=0``). The report frame and the notebooks' Markdown cells are
    shown in the report's language (:mod:`perspectives.i18n`); strings that fell back to
    English in any run or in the assembly are gathered and listed on stderr.

Inputs
    The run folders written by ``perspectives.build`` (``executed.ipynb`` and ``stamp.json``
    of each section), ``Study``/``Grid`` from ``perspectives.study``, the templates in
    ``perspectives/templates/``, ``params/reference.docx``, ``params/i18n/<lang>.yml``.
    ``SOURCE_DATE_EPOCH`` (optional) sets the date shown.

Outputs
    ``<REPORT>/report.html`` (written to a temporary file, then ``os.replace``d),
    ``<REPORT>/report.docx``, ``<REPORT>/report.pdf`` (when Chromium is present),
    ``<REPORT>/missing_translations.json`` (when a translation fell back to English),
    ``<REPORT>/.report-stamp.json`` (hash of the assembly's inputs, so unchanged reports are
    not re-rendered) and ``index.html``. Same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perspectives.alttext import Chart, data_table, describe
from perspectives.files import write_atomic
from perspectives.hashing import sha256_json
from perspectives.i18n import MISSING_FILE, Translator, read_missing
from perspectives.outline import FigureItem, HeadingLevels, Outline, TableItem, shown_cells
from perspectives.pdf import pdf_wanted, write_pdf
from perspectives.study import Grid, Study, report_folder

__all__ = [
    "AssemblyError",
    "ReportMeta",
    "SectionDoc",
    "assemble_report",
    "find_leaks",
    "render_report",
    "write_index",
]

TEMPLATES = Path(__file__).parent / "templates"

# First available representation wins.
MIME_ORDER = ("text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown",
              "text/latex", "text/plain")
# Reprs carrying a memory address (or matplotlib's figure repr) are noise and not reproducible.
_NOISE_REPR = re.compile(r"^<.*(?: at 0x[0-9a-fA-F]+|Figure size [^>]*)>$", re.DOTALL)
_HEADING = re.compile(r"<h([1-6])([^>]*)>(.*?)</h\1>", re.DOTALL)


class AssemblyError(RuntimeError):
    """A report cannot be assembled (nothing built, or it would leak a local path)."""


@dataclass(frozen=True)
class SectionDoc:
    """One section of a report: its id, grid title and executed notebook."""

    id: str
    title: str
    notebook: Path


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


# --------------------------------------------------------------------------- rendering


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "h"


def _strip_tags(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


class _Renderer:
    """Renders the cells of one report.

    Renders cells of one report; keeps heading ids unique and heading levels unbroken across its
    sections, and shows figures and tables as the report's outline numbers them.
    """

    def __init__(self, translator: Translator | None = None, outline: Outline | None = None) -> None:
        self.tr = translator or Translator()
        self.outline = outline or Outline([], self.tr)
        # The report's title (the page header's h1) comes before every section heading.
        self.levels = HeadingLevels(last=1)
        # nbconvert is imported once per process, here, for every report assembled.
        from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

        self._md_cls = MarkdownWithMath
        self._renderer_cls = IPythonRenderer
        self.ids: set[str] = set()
        self.toc: list[dict[str, Any]] = []

    def markdown(self, source: str, attachments: dict[str, Any] | None = None) -> str:
        renderer = self._renderer_cls(escape=False, exclude_anchor_links=True,
                                      attachments=attachments or {})
        return self._md_cls(renderer=renderer).render(source)

    def headings(self, fragment: str, section_id: str) -> str:
        """Give every heading a unique id and record h1/h2 in the table of contents."""

        def repl(m: re.Match[str]) -> str:
            level, attrs, inner = self.levels(int(m.group(1))), m.group(2), m.group(3)
            text = _strip_tags(inner)
            base = f"{section_id}-{_slug(text)}"
            hid, i = base, 2
            while hid in self.ids:
                hid, i = f"{base}-{i}", i + 1
            self.ids.add(hid)
            attrs = re.sub(r'\s+id="[^"]*"', "", attrs)
            if level <= 2:
                self.toc.append({"level": level, "id": hid, "text": text})
            return f'<h{level}{attrs} id="{hid}">{inner}</h{level}>'

        return _HEADING.sub(repl, fragment)

    def output(self, out: dict[str, Any]) -> str | None:
        kind = out.get("output_type")
        if kind == "stream":
            # stderr carries warnings, which name files; only stdout is report material
            if out.get("name") != "stdout":
                return None
            text = _join(out.get("text", ""))
            return f'<pre class="text">{html.escape(text)}</pre>' if text.strip() else None
        if kind not in ("display_data", "execute_result"):
            return None  # errors cannot be in a successful run unless tagged to be allowed
        data = out.get("data", {})
        for mime in MIME_ORDER:
            if mime not in data:
                continue
            value = _join(data[mime])
            if mime == "text/html":
                return value
            if mime == "image/svg+xml":
                return re.sub(r"^\s*<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>)?\s*", "", value)
            if mime in ("image/png", "image/jpeg"):
                b64 = value.replace("\n", "")
                return f'<img src="data:{mime};base64,{b64}" alt="">'
            if mime == "text/markdown":
                return self.markdown(value)
            if mime == "text/latex":
                return f'<div class="math">{html.escape(value)}</div>'
            if _NOISE_REPR.match(value.strip()):
                return None
            return f'<pre class="text">{html.escape(value)}</pre>'
        return None

    def figure(self, out: dict[str, Any], item: FigureItem) -> str:
        """A chart as a figure.

        The image with its text alternative, the numbered caption, and the chart's numbers as a
        table one click away.
        """
        data = out.get("data", {})
        mime = "image/png" if "image/png" in data else "image/jpeg"
        b64 = _join(data.get(mime, "")).replace("\n", "")
        # Without chart data (an image a notebook showed itself) the caption is all there is.
        alt = describe(item.chart, self.tr, item.base) if item.chart else item.label
        parts = [f'<figure class="chart" id="figure-{item.number}">',
                 f'<img src="data:{mime};base64,{b64}" alt="{html.escape(alt)}">',
                 f"<figcaption>{html.escape(item.label)}</figcaption>", "</figure>"]
        if item.chart is not None:
            summary = html.escape(self.tr("Data for Figure {number}", number=item.number))
            parts += ['<details class="chart-data">', f"<summary>{summary}</summary>",
                      chart_table(item.chart, self.tr, summary, f"figure-{item.number}-data"), "</details>"]
        return "\n".join(parts)

    def section(self, doc: SectionDoc) -> str:
        """Body HTML of one section (no code, no parameters, no removed cells)."""
        nb = self.outline.notebook(doc.notebook)
        parts: list[str] = []
        for index, cell in shown_cells(nb):
            if cell.get("cell_type") == "markdown":
                parts.append(self.markdown(self.tr.markdown(_join(cell.get("source", ""))),
                                           cell.get("attachments")))
                continue
            for i, out in enumerate(cell.get("outputs", [])):
                if self.outline.absorbed(doc.notebook, index, i):
                    continue
                item = self.outline.item(doc.notebook, index, i)
                if isinstance(item, FigureItem):
                    rendered = self.figure(out, item)
                elif isinstance(item, TableItem) and "text/html" in out.get("data", {}):
                    rendered = accessible_table(_join(out["data"]["text/html"]), item.label,
                                                f"table-{item.number}")
                else:
                    rendered = self.output(out)
                if rendered:
                    parts.append(f'<div class="output">{rendered}</div>')
        body = "\n".join(parts)
        if not re.search(r"<h1[\s>]", body):
            body = f"<h1>{html.escape(self.tr(doc.title))}</h1>\n{body}"
        return self.headings(body, doc.id)


def _join(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


# --------------------------------------------------------------------------- tables

# Presentational attributes pandas writes that HTML does not define or the stylesheet replaces.
_DROP_TABLE_ATTRIBUTES = ("halign", "border", "style", "valign")
# A table of at most this many body rows is printed whole on one page (class "short"): moved
# to the next page rather than split, so that none of its rows is left alone on a page.
SHORT_TABLE_ROWS = 16


def _cell_text(cell: Any) -> str:
    return "".join(cell.itertext()).strip()


def accessible_table(fragment: str, caption: str, prefix: str) -> str:
    """A published table as a screen reader can follow it.

    The table gets ``caption`` as its ``<caption>``; every header cell a ``scope`` (``col``,
    ``colgroup`` over several columns, ``row``); an empty header cell becomes a data cell
    (a header that names nothing is noise to a screen reader); and where the columns have
    two or more header rows (country over n and %), every header cell an ``id`` and every
    data cell the ``headers`` it falls under, with ``<colgroup>`` elements matching the
    spanning headers.

    Args:
        fragment: one ``<table>`` element as pandas' ``to_html`` writes it (a thead of one or
            more header rows, a tbody whose rows start with a row header).
        caption: the numbered caption (``"Table 3. ..."``), plain text.
        prefix: a document-unique prefix for the ids (``"table-3"``).

    Returns:
        The table's HTML; a fragment that is not one table comes back unchanged.
    """
    from lxml import etree
    from lxml import html as lxml_html

    try:
        table = lxml_html.fragment_fromstring(fragment.strip())
    except (etree.ParserError, ValueError):
        return fragment
    if table.tag != "table":
        return fragment
    for element in table.iter():
        for name in _DROP_TABLE_ATTRIBUTES:
            element.attrib.pop(name, None)
    head = table.find("thead")
    body = table.find("tbody")
    head_rows = head.findall("tr") if head is not None else []
    # Which header cells cover each column, one list per header row (columns counted with colspan).
    columns: list[dict[int, str]] = []
    spans: list[int] = []
    for r, row in enumerate(head_rows):
        covered: dict[int, str] = {}
        position = 0
        for c, cell in enumerate(row):
            span = int(cell.get("colspan", "1") or 1)
            if cell.tag == "th" and not _cell_text(cell):
                cell.tag = "td"
            elif cell.tag == "th":
                cell.set("scope", "colgroup" if span > 1 else "col")
                cell.set("id", f"{prefix}-h{r}-{c}")
                for k in range(position, position + span):
                    covered[k] = cell.get("id")
            if r == 0:
                spans.append(span)
            position += span
        columns.append(covered)
    several = len([cov for cov in columns if cov]) >= 2
    for r, row in enumerate(body.findall("tr") if body is not None else []):
        position = 0
        row_headers: list[str] = []
        for c, cell in enumerate(row):
            span = int(cell.get("colspan", "1") or 1)
            if cell.tag == "th" and not _cell_text(cell):
                cell.tag = "td"
            elif cell.tag == "th":
                cell.set("scope", "row")
                if several:
                    cell.set("id", f"{prefix}-r{r}-{c}")
                    row_headers.append(cell.get("id"))
            elif several:
                over = [cov[k] for cov in columns for k in range(position, position + span) if k in cov]
                ids = list(dict.fromkeys(row_headers + over))
                if ids:
                    cell.set("headers", " ".join(ids))
            position += span
    if several:
        # A header below a spanning one falls under it too.
        for r, row in enumerate(head_rows[1:], start=1):
            position = 0
            for cell in row:
                span = int(cell.get("colspan", "1") or 1)
                above = [columns[q][k] for q in range(r) for k in range(position, position + span)
                         if k in columns[q]]
                if cell.tag == "th" and above:
                    cell.set("headers", " ".join(dict.fromkeys(above)))
                position += span
        if any(span > 1 for span in spans):
            for span in reversed(spans):
                group = etree.Element("colgroup")
                if span > 1:
                    group.set("span", str(span))
                table.insert(0, group)
    element = etree.Element("caption")
    element.text = caption
    table.insert(0, element)
    if body is not None and len(body) <= SHORT_TABLE_ROWS:
        table.set("class", " ".join(filter(None, [table.get("class"), "short"])))
    return lxml_html.tostring(table, encoding="unicode")


def chart_table(chart: Chart, tr: Translator, caption: str, prefix: str) -> str:
    """A chart's numbers (:func:`perspectives.alttext.data_table`) as an accessible table.

    ``caption`` is already HTML-escaped; ``prefix`` keeps the table's ids unique in the page.
    """
    header, rows = data_table(chart, tr)
    head = "".join(f'<th scope="col">{html.escape(label)}</th>' if label else "<td></td>" for label in header)
    body = "".join("<tr>" + f'<th scope="row">{html.escape(row[0])}</th>'
                   + "".join(f"<td>{html.escape(value)}</td>" for value in row[1:]) + "</tr>" for row in rows)
    short = " short" if len(rows) <= SHORT_TABLE_ROWS else ""
    return (f'<table class="report-table chart-data{short}" id="{prefix}"><caption>{caption}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


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


def render_report(meta: ReportMeta, sections: Sequence[SectionDoc],
                  translator: Translator | None = None, footer: Sequence[str] = (),
                  outline: Outline | None = None) -> str:
    """Render a report to an HTML string (deterministic for the same inputs).

    Args:
        meta: what the header states.
        sections: the sections in report order.
        translator: the report's language (default: ``meta.lang``).
        footer: the provenance lines.
        outline: the figure and table numbers (:class:`perspectives.outline.Outline` of
            ``sections``); made here when not given. The assembler makes one for all formats.

    Returns:
        The report's HTML.
    """
    from markupsafe import Markup

    tr = translator or Translator(meta.lang)
    r = _Renderer(tr, outline or Outline([s.notebook for s in sections], tr))
    bodies = [{"id": s.id, "body": Markup(r.section(s))} for s in sections]
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    return _env().get_template("report.html.j2").render(
        lang=meta.lang, name=meta.name, study_title=meta.study_title, partner=meta.partner,
        inputs=list(meta.inputs), warnings=list(meta.warnings), built_on=_built_on(),
        toc=r.toc, sections=bodies, css=Markup(css), words={w: tr(w) for w in FRAME_WORDS},
        footer=list(footer),
    )


def find_leaks(text: str, forbidden: Sequence[str]) -> list[str]:
    """Which forbidden strings (local folders, host names) occur in ``text``."""
    return [f for f in forbidden if f and f not in ("/", ".") and f in text]


_ASSEMBLER_DIGEST: dict[tuple[tuple[str, int, int], ...], str] = {}


def _assembler_digest() -> str:
    """Hash of this module and the templates: changing the look re-renders reports.

    Computed once per process for the same files (name, size, modification time): a build
    asks for it once per report, and the preview keeps asking after edits.
    """
    here = Path(__file__).parent
    params = here.parents[1] / "params"
    # The Word and PDF renderers, the catalogues and the reference document shape the outputs too.
    files = [Path(__file__), *sorted(TEMPLATES.glob("*")),
             here / "docx_report.py", here / "pdf.py", here / "i18n.py", here / "alttext.py", here / "outline.py",
             params / "reference.docx", *sorted((params / "i18n").glob("*.yml"))]
    present = [(p, p.stat()) for p in files if p.is_file()]
    signature = tuple((str(p), st.st_size, st.st_mtime_ns) for p, st in present)
    if signature not in _ASSEMBLER_DIGEST:
        h = hashlib.sha256(Path(__file__).read_bytes())
        for p, _ in present[1:]:
            h.update(p.name.encode() + p.read_bytes())
        _ASSEMBLER_DIGEST.clear()
        _ASSEMBLER_DIGEST[signature] = h.hexdigest()
    return _ASSEMBLER_DIGEST[signature]


# --------------------------------------------------------------------------- reports


def _report_meta(code: str, study: Study, stamps: list[dict[str, Any]], lang: str) -> ReportMeta:
    seen: dict[tuple[str, str, str], None] = {}
    for stamp in stamps:
        for item in stamp.get("inputs", []):
            seen[(item["role"], item["name"], item["sha256"])] = None
    inputs = tuple({"role": r, "name": n, "sha256": s} for r, n, s in seen)
    roles = [r for r, _, _ in seen]
    warnings = tuple(
        f"Sections of this report were built from different versions of the {role} data."
        for role in dict.fromkeys(roles) if roles.count(role) > 1
    )
    partner = None if code == study.synthesis_code else study.country(code).partner
    tr = Translator(lang)
    return ReportMeta(code=code, name=tr(study.report_name(code)), study_title=tr(study.title),
                      partner=partner, lang=lang, inputs=inputs,
                      warnings=tuple(tr(w) for w in warnings))


def assemble_report(
    code: str,
    folder: Path,
    study: Study,
    grid: Grid,
    root: Path | None = None,
    forbidden: Sequence[str] = (),
    force: bool = False,
    print_pdf: Callable[[str, Path], None] | None = None,
) -> bool:
    """Write ``folder/report.html`` from the section runs in ``folder/sections``.

    With ``print_pdf`` the PDF is not printed here: ``print_pdf(code, html_path)`` is called
    as soon as the HTML is written, before the Word file, so that the caller can print it
    with the browser it shares between reports meanwhile (``perspectives.build`` does).

    Returns False (and writes nothing) when the inputs are those of the existing report.
    Raises ``AssemblyError`` when no section was built or the HTML would show a local path
    (the previous report is then left as it was).
    """
    docs: list[SectionDoc] = []
    stamps: list[dict[str, Any]] = []
    missing: list[str] = []
    for sec in grid.report_order():
        run = folder / "sections" / sec.id
        if (run / "executed.ipynb").is_file() and (run / "stamp.json").is_file():
            docs.append(SectionDoc(sec.id, sec.title, run / "executed.ipynb"))
            stamps.append(json.loads((run / "stamp.json").read_text(encoding="utf-8")))
        else:
            missing.append(sec.title)
    if not docs:
        raise AssemblyError(f"no section of {code} has been built")
    # the language the runs were built in (all sections of a report share it)
    lang = str(stamps[0].get("lang", "en"))
    meta = _report_meta(code, study, stamps, lang)
    if missing:
        words = Translator(lang)
        meta = ReportMeta(**{**meta.__dict__, "warnings": meta.warnings + (
            words("Sections not built yet: {sections}.", sections=", ".join(words(m) for m in missing)),)})
    from perspectives.provenance import footer_lines, provenance

    record = provenance(code, stamps, folder)
    recorded = (json.dumps(record, indent=1, sort_keys=True) + "\n").encode("utf-8")
    prov_path = folder / "provenance.json"
    try:
        unchanged = prov_path.read_bytes() == recorded
    except OSError:
        unchanged = False
    if not unchanged:
        write_atomic(prov_path, recorded)
    digest = hashlib.sha256(json.dumps({
        "provenance": record,
        "assembler": _assembler_digest(),
        "meta": meta.__dict__,
        # A run's folder (its notebook with its stamp) is swapped in whole by the build, and
        # its notebook is a function of its stamp: the stamps stand for the notebooks'
        # bytes, which at a hundred reports cost a tenth of a no-change build to hash. A run
        # redone with the same stamp (--force) reassembles through ``force``.
        "sections": [(d.id, d.title, sha256_json(stamp)) for d, stamp in zip(docs, stamps, strict=True)],
        "date": _built_on(),
        "pdf": pdf_wanted(),
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
    tr = Translator(lang)
    # One numbering of figures and tables for the HTML, Word and PDF of this report.
    outline = Outline([d.notebook for d in docs], tr)
    text = render_report(meta, docs, tr, footer=footer_lines(record), outline=outline)
    leaks = find_leaks(text, forbidden)
    if leaks:
        # Name what kind of thing leaked without printing it into more files.
        raise AssemblyError(f"{code}: the report would show a local path "
                            f"({len(leaks)} occurrence kind(s)); fix the notebook output")
    write_atomic(dest, text)
    if print_pdf is not None and pdf_wanted():
        print_pdf(code, dest)
    from perspectives.docx_report import render_docx

    write_atomic(folder / "report.docx", render_docx(meta, docs, tr, outline=outline))
    if print_pdf is None:
        write_pdf(code, dest)
    _report_missing(code, folder, docs, tr)
    write_atomic(stamp_path, json.dumps({"digest": digest}) + "\n")
    return True


def _report_missing(code: str, folder: Path, docs: Sequence[SectionDoc], tr: Translator) -> None:
    """Gather the English fallbacks of the runs and of the assembly; list them on stderr."""
    path = folder / MISSING_FILE
    missing = sorted(set(read_missing(d.notebook.parent for d in docs)) | tr.missing)
    if tr.is_default or not missing:
        path.unlink(missing_ok=True)
        return
    write_atomic(path, json.dumps({"lang": tr.lang, "missing": missing}, indent=1, ensure_ascii=False) + "\n")
    print(f"{code}: {len(missing)} string(s) have no '{tr.lang}' translation and are shown in English "
          f"(listed in {folder.name}/{MISSING_FILE}):", file=sys.stderr)
    shown = 25  # the file holds the full list; the terminal gets enough to act on
    for text in missing[:shown]:
        short = text if len(text) <= 100 else text[:97] + "..."
        print(f"    {short}", file=sys.stderr)
    if len(missing) > shown:
        print(f"    ... and {len(missing) - shown} more", file=sys.stderr)


def write_index(out: Path, study: Study, grid: Grid) -> bool:
    """Write ``out/index.html`` listing the reports present; False when unchanged."""
    entries = []
    for code in study.report_codes:
        folder = report_folder(code, study)
        if (out / folder / "report.html").is_file():
            entries.append({"code": code, "name": study.report_name(code),
                            "href": f"{folder}/report.html"})
    from markupsafe import Markup

    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    text = _env().get_template("index.html.j2").render(
        study_title=study.title, entries=entries, css=Markup(css))
    from perspectives.provenance import write_manifest

    write_manifest(out, [json.loads((out / report_folder(e["code"], study) / "provenance.json").read_text(
        encoding="utf-8")) for e in entries if (out / report_folder(e["code"], study) / "provenance.json").is_file()])
    dest = out / "index.html"
    if dest.is_file() and dest.read_text(encoding="utf-8") == text:
        return False
    write_atomic(dest, text)
    return True

