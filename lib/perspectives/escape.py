r"""Text from data and configuration made safe at every boundary where a report shows it.

Purpose
    Answers, conversation excerpts, labels, country and partner names, section titles and
    catalogue strings come from partners' files and from configuration. Wherever a report
    shows one, it is text, never markup or a formula. This module is the one home of those
    rules:

    - Markdown (the notebooks' narrative, which the HTML, Word and PDF reports are rendered
      from): :func:`markdown_text` writes a text so that it renders as exactly that text,
      and :func:`markdown_fields` does it for the text fields a template is filled with.
      Markdown that a run composes makes no link and no image (:data:`OUTPUT_INLINE_RULES_OFF`);
      a link in a notebook's own Markdown keeps only a safe scheme (:func:`safe_link`) and
      an image only an embedded one (:func:`safe_image`).
    - HTML that our own pages write around text from data (the partners' page,
      ``perspectives app``): :func:`html_text` makes the text characters, never markup.
    - HTML that a library writes (pandas' tables): :func:`sanitize_html` keeps it to an
      allow-list of table and text elements (nh3, the Ammonia sanitizer).
    - CSV: :func:`csv_cell` neutralises a cell a spreadsheet would read as a formula, as
      OWASP's CSV-injection guidance says; :func:`frame_csv` writes a published table with it.
    - Every page a build writes carries :data:`CONTENT_SECURITY_POLICY` (no script, no
      remote load); the live preview widens it for its one reload script by a nonce (``perspectives.preview``).
    - A terminal: :func:`terminal_text` shows a control character (an escape sequence that
      would retitle, clear or recolour the terminal), an invisible character or a bidi
      override as its code (``\u001b``), never sends it; the command line writes
      everything through it.

Inputs
    Plain text, pandas frames of published strings, HTML fragments, pages' bytes.

Outputs
    Markdown, HTML, CSV text and the policy, each a pure function of its input.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "TERMINAL_HIDDEN",
    "FORMULA_TRIGGERS",
    "OUTPUT_BLOCK_RULES_OFF",
    "OUTPUT_INLINE_RULES_OFF",
    "csv_cell",
    "csv_cell_text",
    "frame_csv",
    "html_text",
    "markdown_fields",
    "markdown_text",
    "safe_image",
    "safe_link",
    "sanitize_html",
    "terminal_text",
]

# --------------------------------------------------------------------------- Markdown

# Characters that start or close a Markdown or HTML construct anywhere in a line, written as
# character references: CommonMark reads a reference as the character itself, never as
# markup, in every renderer (mistune, JupyterLab's marked), and inside nbconvert's math
# delimiters too, where a backslash escape is not read. '$' opens math; '|' and '~' make
# tables and strikethrough; '#' also closes a heading.
_EVERYWHERE = {"&": "&amp;", "<": "&lt;", ">": "&gt;",
               **{c: f"&#{ord(c)};" for c in "\\`*_[]#|~$"}}
_EVERYWHERE_RE = re.compile("|".join(re.escape(c) for c in _EVERYWHERE))
# At the start of a line a few more characters make blocks: a list item ("-", "+", "1." or
# "1)"), a setext underline ("="), a definition (":"). Line breaks in the text are made
# spaces, so only the text's own start can be a line's start. (A bare URL is not made a
# link in a report: the renderers read no autolink in Markdown a run composed.)
_LINE_START_RE = re.compile(r"^(?:[-+=:]|\d+[.)])")
_LINE_BREAKS = re.compile(r"\s*[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+\s*")
# Bidi embeddings, overrides and isolates make a text display in another order than it is
# stored ("\u202egpj.exe" shows as "exe.jpg"), so that a reader sees what the identifying-
# details screen did not: a text from data is shown in the order it is written.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def markdown_text(text: Any) -> str:
    """Plain text as Markdown that renders as exactly that text.

    Every character Markdown or HTML would read as markup is written as a character
    reference (``<`` as ``&lt;``, ``*`` as ``&#42;``), so tags, links, images, emphasis,
    headings, lists, code and math from data all render as the characters they are. Line
    breaks become spaces (the text is inserted into a sentence or a quote of the report), bidi
    embeddings, overrides and isolates are dropped (the text shows in the order it is written,
    the order the identifying-details screen read it) and the ends are trimmed.

    Args:
        text: the text (anything else is converted with ``str``).

    Returns:
        The Markdown.
    """
    flat = _LINE_BREAKS.sub(" ", _BIDI_CONTROLS.sub("", str(text))).strip()
    escaped = _EVERYWHERE_RE.sub(lambda m: _EVERYWHERE[m.group(0)], flat)
    start = _LINE_START_RE.match(escaped)
    if start:
        mark = start.group(0)[-1]
        escaped = start.group(0)[:-1] + f"&#{ord(mark)};" + escaped[start.end():]
    return escaped


def markdown_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A template's fields with each text made Markdown (:func:`markdown_text`).

    Only plain ``str`` values are texts: a subclass of ``str`` (the withheld mark, which
    tells :func:`perspectives.analysis_results.fill` to drop its sentence) and a number's cell keep
    their type; a mapping (``Fields``) has its texts escaped in a copy of the same type.
    """
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if type(value) is str:
            out[key] = markdown_text(value)
        elif isinstance(value, dict):
            out[key] = type(value)(markdown_fields(value))
        else:
            out[key] = value
    return out


# Markdown a run composes (its text/markdown outputs) holds data; none of it may become a
# link or an image, even where a catalogue's translation of a template writes one: these
# parsing rules are off for it (mistune's rule names), and a reference definition is text.
OUTPUT_INLINE_RULES_OFF = ("link", "link_close", "auto_link", "auto_email", "url_link")
OUTPUT_BLOCK_RULES_OFF = ("ref_link",)

# A link in a notebook's own Markdown: to the web, an e-mail address or a place in the page.
_SAFE_LINK = re.compile(r"(?:https?://|mailto:|#)", re.IGNORECASE)
# An image: embedded raster data only (a notebook's attachments are embedded so).
_SAFE_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*", re.IGNORECASE)
# Characters a browser drops from a URL before reading its scheme ("java\tscript:").
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]+")


def safe_link(url: str) -> bool:
    """Whether a Markdown link may keep its target: http(s), mailto or a fragment."""
    return bool(_SAFE_LINK.match(_URL_IGNORED.sub("", url)))


def safe_image(src: str) -> bool:
    """Whether an image source may be shown: embedded PNG, JPEG, GIF or WebP data."""
    return bool(_SAFE_IMAGE.fullmatch(src.strip()))


# --------------------------------------------------------------------------- HTML

# Characters a page must not pass on as they are: controls (a terminal's escape, a NUL) and
# the bidirectional marks, embeddings, overrides and isolates that make a text read in
# another order than it is written (a file name shown as "report.xlsx" that ends in ".exe").
# Tab, line feed and carriage return stay: they are whitespace in HTML.
_UNSHOWN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def html_text(value: Any) -> str:
    """Text from data as HTML that shows exactly its characters, in an element or an attribute.

    ``&``, ``<``, ``>`` and both quotes become character references, so no tag, attribute or
    entity is made from the text; a control character or a bidirectional control becomes
    U+FFFD, so it can neither hide nor reorder what follows it.

    Args:
        value: the text (anything else is converted with ``str``).

    Returns:
        The HTML.
    """
    return html.escape(_UNSHOWN.sub("\ufffd", str(value)), quote=True)


# What a library's HTML (pandas' table, a notebook's HTML output) may hold: table structure
# and inline text, with the attributes the report's tables use. No link, image, script,
# style, form or frame; no URL at all; comments dropped.
HTML_TAGS = frozenset({"table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td",
                       "p", "br", "span", "div", "b", "strong", "i", "em", "code", "pre", "sub", "sup",
                       "small", "ul", "ol", "li"})
HTML_ATTRIBUTES = {"*": {"class"}, "th": {"colspan", "rowspan", "scope", "headers"},
                   "td": {"colspan", "rowspan", "headers"}, "col": {"span"}, "colgroup": {"span"}}


def sanitize_html(fragment: str) -> str:
    """A library's HTML kept to the report's allow-list (elements' text is kept, markup not).

    Args:
        fragment: an HTML fragment (pandas' ``to_html``, a notebook's HTML output).

    Returns:
        The fragment with every element and attribute outside :data:`HTML_TAGS` and
        :data:`HTML_ATTRIBUTES` removed (a script's or a style's content with it).
    """
    import nh3

    return nh3.clean(fragment, tags=set(HTML_TAGS), attributes={k: set(v) for k, v in HTML_ATTRIBUTES.items()},
                     link_rel=None, url_schemes=set(), strip_comments=True)


# The policy of every page a build writes: nothing runs and nothing is fetched. Images are
# embedded (data: URIs) and the style is in the page; 'unsafe-inline' covers styles only.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; "
                           "form-action 'none'; img-src data:; style-src 'unsafe-inline'")
# --------------------------------------------------------------------------- CSV

# A cell a spreadsheet reads as a formula starts with one of these (OWASP, CSV Injection),
# or with one after leading spaces, which spreadsheets skip.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Leading characters a formula can hide behind: white space (non-breaking too) and the
# invisible format characters (a word joiner indents a sub-theme's row) that a reader's
# clean-up, or a spreadsheet, may drop before it reads the cell.
_LEADING_BLANK = re.compile(r"[\s\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]*")
# A number stays a number: a signed decimal, possibly with thousands separators or a percent.
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?%?|[+-]?\.\d+%?")
# A field is quoted when it holds the separator, a quote or a line break (RFC 4180), or the
# other separators a spreadsheet may split on (';' in many European locales, a tab).
_QUOTED = re.compile(r'[,;"\t\r\n]')


def _formula_like(text: str) -> bool:
    # Leading apostrophes are looked through, so that csv_cell_text can undo csv_cell exactly.
    body = text.lstrip("'")
    if _NUMBER.fullmatch(body.strip()):
        return False
    return body[:1] in FORMULA_TRIGGERS or body[_LEADING_BLANK.match(body).end():][:1] in FORMULA_TRIGGERS


def csv_cell(value: Any) -> Any:
    """A CSV cell as a spreadsheet must read it: text as text, a number as a number.

    A text that a spreadsheet would read as a formula (its first character, or its first
    after leading white space and invisible format characters, is ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a
    line feed) gets a leading apostrophe, which spreadsheets read as "this cell is text"
    (OWASP, CSV Injection). A number, in a number type or written as one (``-3``,
    ``1,254``, ``-12%``), is left as it is.

    Args:
        value: the cell.

    Returns:
        The cell to write.
    """
    if isinstance(value, str) and _formula_like(value):
        return "'" + value
    return value


def csv_cell_text(cell: str) -> str:
    """The text a :func:`csv_cell` cell stands for (its apostrophe removed), to show elsewhere."""
    if cell.startswith("'") and _formula_like(cell[1:]):
        return cell[1:]
    return cell


def _field(value: Any) -> str:
    import pandas as pd

    if not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value):
        return ""  # as pandas writes a missing value
    text = str(csv_cell(value)) if isinstance(value, str) else str(value)
    return '"' + text.replace('"', '""') + '"' if _QUOTED.search(text) else text


def frame_csv(frame: Any, index: bool = True, index_label: str = "") -> str:
    """A table as CSV text, every cell, header and row label through :func:`csv_cell`.

    Written as pandas' ``to_csv`` writes a table of one header row (a row label of several
    levels takes a column per level), with a field also quoted when it holds a ``;`` or a
    tab, on which a spreadsheet in many locales splits cells.

    Args:
        frame: a pandas DataFrame with one header row (flatten a column MultiIndex first).
        index: whether to write the row labels as the first column(s).
        index_label: the header of the first of those columns.

    Returns:
        The CSV text, one line (ending in a line feed) per row.
    """
    levels = getattr(frame.index, "nlevels", 1) if index else 0
    header = ([index_label] + [""] * (levels - 1) if index else []) + list(frame.columns)
    rows = [header]
    for label, row in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        labels = list(label) if levels > 1 else [label] if index else []
        rows.append(labels + list(row))
    return "".join(",".join(_field(v) for v in row) + "\n" for row in rows)


# --------------------------------------------------------------------------- terminal

# What a terminal acts on or hides rather than shows: C0 controls but tab and line feed (ESC
# starts a sequence that retitles, clears or recolours it; CR overwrites a line), DEL, C1
# controls (U+009B is an 8-bit escape sequence), and the characters that hide or reorder text
# (zero-width, bidi marks, embeddings, overrides and isolates, line separators, tags).
TERMINAL_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e"
                             "\u2060-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]")


def _code(match: re.Match[str]) -> str:
    point = ord(match.group(0))
    if point > 0xFFFF:  # as JSON writes it, so that a JSON document stays valid
        point -= 0x10000
        return f"\\u{0xD800 + (point >> 10):04x}\\u{0xDC00 + (point & 0x3FF):04x}"
    return f"\\u{point:04x}"


def terminal_text(text: str) -> str:
    r"""Text to print on a terminal: every character of :data:`TERMINAL_HIDDEN` as its code.

    ``"\x1b[2J"`` prints as ``\u001b[2J``: the partner sees what their file holds, and the
    terminal is not cleared. A JSON document stays valid JSON with the same meaning (the code
    is JSON's own escape), and tabs and line breaks are kept.

    Args:
        text: what is about to be printed.

    Returns:
        The text to print.
    """
    return TERMINAL_HIDDEN.sub(_code, text)
