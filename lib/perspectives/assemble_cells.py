"""The cells of a report's executed notebooks rendered as HTML.

Purpose
    One report's section notebooks to HTML, cell by cell (:class:`Renderer`): Markdown cells
    and a run's Markdown outputs through nbconvert's renderer made safe for text from data
    (raw HTML renders as text, links keep only safe schemes, images only embedded data, and
    Markdown that a run composed makes no link or image at all), a library's HTML kept to an
    allow-list, images embedded as data, figures and tables numbered by the report's outline,
    and every heading given a unique id and a level that follows from the one before.
    Separate from :mod:`perspectives.assemble`, which puts the rendered sections into the
    report's page and writes its files.

Inputs
    Executed notebooks (:class:`SectionDoc`), the report's :class:`perspectives.outline.Outline`
    and :class:`perspectives.i18n.Translator`.

Outputs
    HTML fragments, the table of contents (h1 and h2) and the cross-references that named
    nothing in the report. Same inputs give the same bytes.
"""

from __future__ import annotations

import base64
import functools
import html
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perspectives.alttext import describe
from perspectives.assemble_tables import accessible_table, chart_table
from perspectives.escape import OUTPUT_BLOCK_RULES_OFF, OUTPUT_INLINE_RULES_OFF, safe_image, safe_link, sanitize_html
from perspectives.i18n import Translator
from perspectives.outline import FigureItem, HeadingLevels, Outline, TableItem, shown_cells

__all__ = ["Renderer", "SectionDoc", "table_notes"]

# First available representation wins.
MIME_ORDER = ("text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown",
              "text/latex", "text/plain")
# Reprs carrying a memory address (or matplotlib's figure repr) are noise and not reproducible.
_NOISE_REPR = re.compile(r"^<.*(?: at 0x[0-9a-fA-F]+|Figure size [^>]*)>$", re.DOTALL)
_HEADING = re.compile(r"<h([1-6])([^>]*)>(.*?)</h\1>", re.DOTALL)
# An image's data in a notebook output is base64; anything else is not shown.
_BASE64 = re.compile(r"[A-Za-z0-9+/=]*")


@dataclass(frozen=True)
class SectionDoc:
    """One section of a report: its id, grid title and executed notebook."""

    id: str
    title: str
    notebook: Path


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "h"


def _strip_tags(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


@functools.cache
def _markdown_renderer() -> type:
    """The report's Markdown renderer: nbconvert's, made safe for text from data (made once).

    Raw HTML renders as text; a character reference renders as its character (CommonMark;
    :func:`perspectives.escape.markdown_text` relies on it); a link keeps its target only
    with a safe scheme, else shows its text; an image shows only embedded data (a notebook
    attachment), else its alt text; a mermaid block is shown as code, never as markup.
    """
    from mistune.renderers.html import HTMLRenderer
    from mistune.util import safe_entity
    from nbconvert.filters.markdown_mistune import IPythonRenderer

    class SafeRenderer(IPythonRenderer):
        def __init__(self, attachments: dict[str, Any]) -> None:
            super().__init__(escape=True, allow_harmful_protocols=False, exclude_anchor_links=True,
                             attachments=attachments)

        def text(self, text: str) -> str:
            return safe_entity(text)

        def link(self, text: str, url: str, title: str | None = None) -> str:
            return super().link(text, url, title) if safe_link(url) else text

        def image(self, text: str, url: str, title: str | None = None) -> str:
            src = self._embed_image_or_attachment(url)
            return HTMLRenderer.image(self, text, src, title) if safe_image(src) else text

        def block_mermaidjs(self, code: str) -> str:
            return HTMLRenderer.block_code(self, code)

    return SafeRenderer


def _data_image(mime: str, b64: str, alt: str = "") -> str | None:
    """An ``<img>`` of base64 image data, or None when the data is not base64."""
    data = b64.replace("\n", "")
    if not _BASE64.fullmatch(data):
        return None
    return f'<img src="data:{mime};base64,{data}" alt="{html.escape(alt)}">'


class Renderer:
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
        from nbconvert.filters.markdown_mistune import MarkdownWithMath

        self._md_cls = MarkdownWithMath
        self._renderer_cls = _markdown_renderer()
        self.ids: set[str] = set()
        self.toc: list[dict[str, Any]] = []
        # Cross-references a run wrote that name no figure or table of this report.
        self.unresolved: list[str] = []

    def markdown(self, source: str, attachments: dict[str, Any] | None = None, composed: bool = False) -> str:
        """HTML of a Markdown text: a notebook's Markdown cell, or (``composed``) a run's output.

        A run's Markdown output mixes the library's templates with text from data: no link
        or image is made from it, whatever it holds.
        """
        md = self._md_cls(renderer=self._renderer_cls(attachments or {}))
        if composed:
            md.inline.rules = [r for r in md.inline.rules if r not in OUTPUT_INLINE_RULES_OFF]
            md.block.rules = [r for r in md.block.rules if r not in OUTPUT_BLOCK_RULES_OFF]
        return md.render(source)

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
        """HTML of one output of a code cell (its first representation shown), or None when it shows nothing."""
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
                return sanitize_html(value)
            if mime == "image/svg+xml":
                # As an image, never inline: a script or a link inside an SVG then does nothing.
                return _data_image(mime, base64.b64encode(value.encode("utf-8")).decode("ascii"))
            if mime in ("image/png", "image/jpeg"):
                return _data_image(mime, value)
            if mime == "text/markdown":
                value, unresolved = self.outline.resolve(value)
                self.unresolved.extend(unresolved)
                return self.markdown(value, composed=True)
            if mime == "text/latex":
                return f'<div class="math">{html.escape(value)}</div>'
            if _NOISE_REPR.match(value.strip()):
                return None
            return f'<pre class="text">{html.escape(value)}</pre>'
        return None

    def figure(self, out: dict[str, Any], item: FigureItem) -> str:
        """A chart as a figure.

        The image with its text alternative, the numbered caption, and the chart's numbers one
        click away: the full tables the annex prints for it (or, for a chart without a
        published table, the numbers it drew).
        """
        data = out.get("data", {})
        mime = "image/png" if "image/png" in data else "image/jpeg"
        # Without chart data (an image a notebook showed itself) the caption is all there is.
        alt = describe(item.chart, self.tr, item.base) if item.chart else item.label
        parts = [f'<figure class="chart" id="figure-{item.number}">',
                 _data_image(mime, _join(data.get(mime, "")), alt) or "",
                 f"<figcaption>{html.escape(item.label)}</figcaption>", "</figure>"]
        tables = self.outline.figure_tables(item)
        if tables or item.chart is not None:
            summary = html.escape(self.tr("Data for Figure {number}", number=item.number))
            parts += ['<details class="chart-data">', f"<summary>{summary}</summary>"]
            if tables:
                parts += [self.table(t, f"figure-{item.number}-{t.anchor}") for t in tables]
            else:
                parts.append(chart_table(item.chart, self.tr, summary, f"figure-{item.number}-data"))
            parts.append("</details>")
        return "\n".join(parts)

    def table(self, item: TableItem, prefix: str | None = None) -> str:
        """A published table with its numbered caption and the notes on the marks it uses."""
        out = self.outline.output(item)
        meta = (out.get("metadata") or {}).get("perspectives") or {}
        rendered = accessible_table(sanitize_html(_join(out["data"]["text/html"])), item.label, prefix or item.anchor,
                                    lang=self.tr.lang, subtotals=[int(r) for r in meta.get("subtotals") or []])
        return rendered + table_notes(out)

    def section(self, doc: SectionDoc) -> str:
        """Body HTML of one section (no code, no parameters, no removed cells).

        A table the annex prints (the numbers of a chart) is not repeated here; the notes on
        the tables' marks come under each table, not at the section's end.
        """
        nb = self.outline.notebook(doc.notebook)
        parts: list[str] = []
        for index, cell in shown_cells(nb):
            if cell.get("cell_type") == "markdown":
                parts.append(self.markdown(self.tr.markdown(_join(cell.get("source", ""))),
                                           cell.get("attachments")))
                continue
            for i, out in enumerate(cell.get("outputs", [])):
                if self.outline.absorbed(doc.notebook, index, i) or _kind(out) == "notes":
                    continue
                item = self.outline.item(doc.notebook, index, i)
                if isinstance(item, TableItem) and item.annex:
                    continue
                if isinstance(item, FigureItem):
                    rendered = self.figure(out, item)
                elif isinstance(item, TableItem) and "text/html" in out.get("data", {}):
                    rendered = self.table(item)
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


def _kind(out: dict[str, Any]) -> str | None:
    return ((out.get("metadata") or {}).get("perspectives") or {}).get("kind")


def table_notes(out: dict[str, Any]) -> str:
    """The notes on the marks a table's own cells use (from its display metadata), as HTML."""
    notes = ((out.get("metadata") or {}).get("perspectives") or {}).get("notes") or []
    return f'<p class="table-note">{html.escape(" ".join(str(n) for n in notes))}</p>' if notes else ""
