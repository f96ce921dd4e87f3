"""A REFI-QDA project's source texts, and where its selections fall in them.

Purpose
    How :mod:`perspectives.refiqda` gets each coded text (a file in the archive or inline,
    in the encodings and line endings the tools write) and turns a selection's positions
    into characters, as the tool that wrote the project counts them (a CRLF as one or two, a
    character outside the Basic Multilingual Plane refused). Kept apart because each tool's
    way of counting is a small study of its own, and the module docstring of ``refiqda``
    says what it is.

Inputs
    A source element of ``project.qde``, the open :class:`~perspectives.refiqda_archive.Archive`
    and the tool's name (the project's ``origin``).

Outputs
    :class:`Source` and :class:`Selection`, :func:`load_text`, :func:`text_positions`,
    :func:`check_span` and :func:`excerpt_text`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .refiqda_archive import Archive, Problems, Unreadable, child_of, listing

__all__ = ["Selection", "Source", "check_span", "crlf_is_one", "excerpt_text", "load_text", "text_positions"]

_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


@dataclass
class Source:
    """A text source of the project: its element, its text as stored and as the tool counts it."""

    guid: str
    name: str
    element: Any
    text: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    encoding: str = ""
    line_endings: str = ""
    inline: bool = False
    lost_cr: bool = False  # an inline text whose literal CRs the XML reading turned into LF
    counted: str | None = None  # the text as the tool counts positions in it
    first_astral: int | None = None  # where in ``counted`` the first character outside the BMP is


@dataclass
class Selection:
    """A coded selection of a text source: its positions as written and its codes."""

    guid: str
    source: str
    start: int | None  # None: not a whole number (``raw`` says what was written)
    end: int | None
    codes: list[str]  # their code GUIDs, in coding order
    raw: str = ""  # "start-end" as written, to name the selection
    whole: bool = False  # a coding of the whole source (no selection)
    recorded: str = ""  # the selection's name: QualCoder writes the selected text there


def _decode(data: bytes) -> tuple[str, str]:
    """Text of a source file and its encoding, as the tools write them (BOM sniffed, else UTF-8).

    Raises:
        UnicodeDecodeError: not UTF-8 nor UTF-16 with its mark (a NUL character is taken for
            the sign of another encoding: UTF-16 without its mark, UTF-32).
    """
    for bom, codec, name in ((b"\xef\xbb\xbf", "utf-8", "UTF-8 with BOM"), (b"\xff\xfe", "utf-16-le", "UTF-16 LE"),
                             (b"\xfe\xff", "utf-16-be", "UTF-16 BE")):
        if data.startswith(bom):
            text, found = data[len(bom):].decode(codec), name
            break
    else:
        text, found = data.decode("utf-8"), "UTF-8"
    if "\x00" in text:
        raise UnicodeDecodeError(found, data[:1], 0, 1, "a NUL character: another encoding")
    return text, found


def _line_endings(text: str) -> str:
    crlf = text.count("\r\n")
    kinds = [k for k, n in (("CRLF", crlf), ("LF", text.count("\n") - crlf), ("CR", text.count("\r") - crlf)) if n]
    return "+".join(kinds) or "none"


def _file_text(source: Source, reference: str, archive: Archive, problems: Problems) -> str | None:
    """The text of a source's ``internal://`` file; None (with the refusal added) when there is none to read."""
    where = f"source '{source.name}'"
    if not reference.startswith("internal://"):
        fix = ("export the project with its sources inside the .qdpx" if reference
               else "export the source as text (a plain-text representation) from the tool")
        problems.add(where, f"its text is not inside the project ({reference or 'no plainTextPath'})", fix)
        return None
    found = archive.members(reference)
    if len(found) != 1:
        problems.add(where, f"its text file {reference} is missing from the archive" if not found else
                     f"its text file {reference} is in the archive more than once ({listing(found)})",
                     "export the project again with its sources")
        return None
    member = found[0]
    try:
        text, source.encoding = _decode(archive.read(member))
    except Unreadable as exc:
        problems.add(f"{where}, member {member}", *exc.args)
        return None
    except UnicodeDecodeError:
        problems.add(where, f"its text file {member} is not UTF-8 or UTF-16 text",
                     "save the source as UTF-8 text in the tool and export again")
        return None
    return text


def load_text(source: Source, archive: Archive, problems: Problems, xml_had_cr: bool) -> None:
    """Fill ``source.text`` from its inline content or its file; refusals name the source."""
    where = f"source '{source.name}'"
    content = child_of(source.element, "PlainTextContent")
    reference = (source.element.get("plainTextPath") or "").strip()
    if content is not None:
        source.text, source.encoding, source.inline = content.text or "", "inline", True
        source.line_endings = _line_endings(source.text)
        # XML reading turns a literal CRLF (or CR) into LF: a text written so has lost its CRs.
        source.lost_cr = xml_had_cr and "\n" in source.text
        if reference:
            in_file = _file_text(source, reference, archive, Problems(archive.name))
            if in_file is not None and in_file != source.text:
                problems.add(where, "it holds two different texts, one inline (PlainTextContent) and one in its "
                             "file (plainTextPath), and the positions count one of them",
                             "export the project again from the tool (the standard allows one of the two)")
        return
    text = _file_text(source, reference, archive, problems)
    if text is not None:
        source.text = text
        source.line_endings = _line_endings(text)

def crlf_is_one(origin: str) -> bool:
    """Whether the tool counts a CRLF as one character: ATLAS.ti, and QualCoder (whose text has no CR)."""
    return origin.upper().startswith(("ATLAS", "QUALCODER"))


def text_positions(source: Source, origin: str) -> str:
    """The text that selection positions count in (computed once per source).

    ATLAS.ti counts a CRLF as one character; QualCoder keeps LF alone in its own text, so each
    CR of its files (CRLF on Windows, CR CR LF with its MAXQDA option) counts as nothing.
    """
    if source.counted is None:
        text = source.text or ""
        if origin.upper().startswith("QUALCODER"):
            text = text.replace("\r", "")
        elif crlf_is_one(origin):
            text = text.replace("\r\n", "\n")
        source.counted = text
        found = _ASTRAL.search(text)
        source.first_astral = found.start() if found else None
    return source.counted


def _span_problem(sel: Selection, length: int) -> str:
    """Why a selection's positions cannot select text of a source of ``length`` characters, or ""."""
    start, end = sel.start, sel.end
    if start is None or end is None:
        return "a position of the selection is not a whole number"
    if end < start:
        return "the selection ends before it starts"
    if not (0 <= start and end <= length):
        return f"the selection lies outside its source, which holds {length} characters"
    if start == end:
        return "the selection selects no text"
    return ""


def check_span(sel: Selection, source: Source, origin: str, problems: Problems) -> bool:
    """Whether the selection can be read from its source; if not, the refusal is added."""
    text = text_positions(source, origin)
    if sel.whole:
        sel.end = len(text)
    where = f"source '{source.name}', selection {sel.raw}"
    if source.lost_cr and not crlf_is_one(origin):
        problems.add(f"source '{source.name}'", "its text is inline in project.qde, written with CRLF line ends: "
                     "reading XML turns each CRLF into LF, and this tool counts a CRLF as two characters, so the "
                     "positions cannot be placed", "export the project with its sources as files (sources/ in the "
                     ".qdpx), or with the line ends of inline texts written as &#13;")
        return False
    problem = _span_problem(sel, len(text))
    if problem:
        problems.add(where, problem, "code the segment again in the tool and export again; a project edited by "
                     "hand or converted between tools can lose its positions")
        return False
    if source.first_astral is not None and source.first_astral < sel.end:
        problems.add(where, "the text before the selection's end holds a character outside Unicode's Basic "
                     "Multilingual Plane (such as an emoji), which tools count as one or as two characters, so the "
                     "selected text cannot be read for certain",
                     "replace those characters in the source (e.g. '[emoji]') before coding, then export again")
        return False
    selected = text[sel.start:sel.end]
    if sel.recorded and origin.upper().startswith("QUALCODER") and sel.recorded.split() != selected.split():
        problems.add(where, "the text at the selection's positions is not the text the project records for it "
                     "(QualCoder writes the selected text as the selection's name)",
                     "export the project again from QualCoder; if this repeats, code the segment again")
        return False
    return True


def excerpt_text(text: str) -> str:
    """A selection's text as an excerpt: line endings as LF, without surrounding blanks."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()
