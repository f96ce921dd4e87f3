"""REFI-QDA: coded conversations from NVivo, ATLAS.ti, MAXQDA or QualCoder, and the theme codebook for them.

Purpose
    Read a REFI-QDA project (``.qdpx``: a zip holding ``project.qde`` and the source texts)
    into the two tables the conversations CSV gives, so that everything after the reading
    (consent, the identifying-details screen, counts, reports) is the same code; write the
    theme codebook as a REFI-QDA codebook (``.qdc``) that coders import into their tool, and
    read a partner's codebook (or a project's) to name how it differs from ours.

    How a project maps to our tables:

    - a **code** maps to a theme of ``data/codebook.yml``: first by a mapping declared in
      ``params/code_mapping.yml``; then by the GUID or the ``Code:`` line our exported
      codebook gave it; then by its name written as our code (``fear.judgement``), as our label
      (``Worry about being judged``), or as the last word of our code nested under its parent
      (``judgement`` inside ``fear``). A code used in a coding that maps to none is refused.
    - a **case** is a participant (its name is the participant id); its variables are the
      participants table's columns (variable names are read case-blind, spaces as ``_``:
      "Age at conversation" is ``age_at_conversation``). A case without a name holding one
      source (as MAXQDA and Quirkos write variables of a document) gives that source variables.
    - the **coded selections** of a text source are the segments: selections of one source
      with the same start and end are one segment carrying all their codes. A segment belongs
      to the case that names the selection (``SelectionRef``), else the case that holds its
      source (``SourceRef``), else the case whose own coding (NVivo codes cases as nodes)
      spans it; exactly one case, or the segment is refused.
    - **consent to quote** is the variable ``consent_to_quote`` of the segment's source if it
      has one, else of its case (``yes``/``no``, or a Boolean variable); a segment with
      neither, or with two that disagree, is refused.

    Text as the tools write it: ``sources/<name>.txt`` in the zip (any case of ``sources``)
    or ``PlainTextContent`` inline; UTF-8 with or without a byte-order mark, or UTF-16 with
    one; LF, CRLF or CR line endings. Positions count characters of the text as stored, a
    CRLF being two (NVivo, MAXQDA and QualCoder count so), except in a project written by
    ATLAS.ti, which counts a CRLF as one (QualCoder's import makes the same distinction). A
    selection before which the text holds a character outside Unicode's Basic Multilingual
    Plane (an emoji) is refused: tools count such a character as one or as two, so its place
    cannot be read for certain.

Inputs
    A ``.qdpx`` or ``.qdc`` path; our codes and labels; ``params/code_mapping.yml``
    (optional); the schemas in ``data/refi-qda/`` (the export checks itself against them).

Outputs
    :class:`ProjectReading` (raw string tables, where each row came from, and what was
    recognised), :func:`write_codebook`'s bytes, :class:`Difference` lists. Every refusal is a
    :class:`ProjectError` naming the file, the code, case or source, and the fix.
"""

from __future__ import annotations

import re
import uuid
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
from lxml import etree

from .study import read_yaml, repo_root

__all__ = [
    "CODE_LINE",
    "CONSENT_VARIABLE",
    "DEFAULT_MAPPING",
    "SCHEMAS",
    "Difference",
    "ProjectError",
    "ProjectReading",
    "TheirCode",
    "code_guid",
    "compare_codebook",
    "load_code_mapping",
    "read_codebook",
    "read_project",
    "schema",
    "variable_key",
    "write_codebook",
]

NS_PROJECT = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
SCHEMAS = {"project": repo_root() / "data" / "refi-qda" / "Project-mrt2019.xsd",
           "codebook": repo_root() / "data" / "refi-qda" / "Codebook-mrt2019.xsd"}
DEFAULT_MAPPING = repo_root() / "params" / "code_mapping.yml"
CONSENT_VARIABLE = "consent_to_quote"
# Our exported codebook writes each theme's code on the last line of its description, so a
# tool that renames the code or gives it a new GUID (QualCoder does on export) still says it.
CODE_LINE = "Code: "
_CODE_LINE_RE = re.compile(r"(?m)^Code: ([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\s*$")
# Our codes' GUIDs are derived from the code, so two exports of one codebook are the same bytes.
_GUID_NAMESPACE = uuid.UUID("6f0b7c9e-2d4a-5b8e-9c1f-3a7d5e2b4c60")
_VALUE_TAGS = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue")
_TRUE, _FALSE = ("true", "1"), ("false", "0")
_SHOWN = 10


class ProjectError(ValueError):
    """A project or codebook that cannot be read as its authors meant; ``str()`` says what to fix.

    Attributes:
        file: the file's name (never its folder).
        problems: ``(where, problem, fix)`` triples, ``where`` naming the code, case or source.
    """

    def __init__(self, file: str, problems: Sequence[tuple[str, str, str]]) -> None:
        self.file = file
        self.problems = list(problems)
        lines = [f"{file}: {where}: {problem}. Fix: {fix}" if where else f"{file}: {problem}. Fix: {fix}"
                 for where, problem, fix in self.problems]
        if len(lines) == 1:
            message = lines[0]
        else:
            message = f"{file}: {len(lines)} problems to fix before the project can be used:\n" + "\n".join(
                f"  {i}. {line}" for i, line in enumerate(lines, 1))
        super().__init__(message)


def _listing(items: Sequence[str]) -> str:
    shown = ", ".join(items[:_SHOWN])
    return shown + (f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


def variable_key(name: str) -> str:
    """A variable's name as our column names write it: lower case, spaces and punctuation as ``_``."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().casefold()).strip("_")


def code_guid(code: str) -> str:
    """The GUID our exported codebook gives a theme code (the same for every export)."""
    return str(uuid.uuid5(_GUID_NAMESPACE, f"theme {code}"))


def _set_guid(section: str) -> str:
    return str(uuid.uuid5(_GUID_NAMESPACE, f"section {section}"))


def schema(kind: str) -> etree.XMLSchema:
    """The REFI-QDA schema of ``kind`` (``project`` or ``codebook``), as published by REFI."""
    return etree.XMLSchema(etree.parse(str(SCHEMAS[kind])))


def _parser() -> etree.XMLParser:
    # No entity expansion, no network: a project is data from outside.
    return etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False)


def _local(element: Any) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element: Any, name: str) -> list[Any]:
    """Child elements by local name: tools write the namespace in more than one version."""
    return [child for child in element if _local(child) == name]


def _child(element: Any, name: str) -> Any | None:
    found = _children(element, name)
    return found[0] if found else None


def _guid(value: str | None) -> str:
    """GUIDs compare case-blind and with or without braces (MAXQDA writes upper case)."""
    return (value or "").strip().strip("{}").lower()


# ------------------------------------------------------------------------------ codes

@dataclass(frozen=True)
class TheirCode:
    """A code as a tool wrote it (in a project's or a codebook's ``Codes``)."""

    guid: str
    name: str
    path: tuple[str, ...]
    codable: bool
    description: str
    parent: str | None  # the parent code's GUID

    @property
    def shown(self) -> str:
        """How a message names the code: its path of names."""
        return " > ".join(self.path)


def _codes(codes_element: Any) -> list[TheirCode]:
    out: list[TheirCode] = []

    def walk(element: Any, path: tuple[str, ...], parent: str | None) -> None:
        for node in _children(element, "Code"):
            name = (node.get("name") or "").strip()
            here = (*path, name)
            description = _child(node, "Description")
            guid = _guid(node.get("guid"))
            out.append(TheirCode(guid, name, here, (node.get("isCodable") or "true").strip() in _TRUE,
                                 (description.text or "") if description is not None else "", parent))
            walk(node, here, guid)

    if codes_element is not None:
        walk(codes_element, (), None)
    return out


class _CodeLike(Protocol):
    code: str
    label: str
    definition: str
    section: str
    parent: str | None


class _CodebookLike(Protocol):
    codes: Mapping[str, _CodeLike]
    sections: Mapping[str, str]


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class _Matcher:
    """Finds our code for a code of theirs, and says by which rule."""

    labels: Mapping[str, str]  # our code -> label
    mapping: Mapping[str, str]  # their name or path -> our code (params/code_mapping.yml)

    def match(self, code: TheirCode) -> tuple[str | None, str]:
        for key in (" > ".join(code.path), code.name):
            if key in self.mapping:
                return self.mapping[key], "declared mapping"
        by_guid = {code_guid(c): c for c in self.labels}
        if code.guid in by_guid:
            return by_guid[code.guid], "our GUID"
        marker = _CODE_LINE_RE.findall(code.description)
        if marker and marker[-1] in self.labels:
            return marker[-1], "our 'Code:' line"
        if code.name in self.labels:
            return code.name, "name is our code"
        by_label = [c for c, label in self.labels.items() if _fold(label) == _fold(code.name)]
        if len(by_label) == 1:
            return by_label[0], "name is our label"
        dotted = ".".join(code.path)
        if dotted in self.labels:
            return dotted, "nested names are our code"
        return None, ""


def load_code_mapping(path: Path | str | None = None, codes: Iterable[str] = ()) -> dict[str, str]:
    """The declared mapping of a tool's code names to our codes (``params/code_mapping.yml``).

    Args:
        path: the mapping file (default ``params/code_mapping.yml``); a missing file maps nothing.
        codes: our codes; a mapping to any other code is refused.

    Returns:
        Their code's name, or its path of names joined by `` > ``, -> our code.

    Raises:
        ProjectError: the file is not a mapping of names to our codes.
    """
    path = Path(path) if path is not None else DEFAULT_MAPPING
    if not path.is_file():
        return {}
    raw = read_yaml(path) or {}
    mapping = raw.get("codes", {}) if isinstance(raw, dict) else None
    if not isinstance(mapping, dict):
        raise ProjectError(path.name, [("", "'codes' is not a mapping of names to codes",
                                        "write `codes:` then one `\"their name\": our.code` line per code")])
    known = set(codes)
    bad = sorted(f"'{k}' -> '{v}'" for k, v in mapping.items() if known and str(v) not in known)
    if bad:
        raise ProjectError(path.name, [("codes", f"mapping to code(s) not in the codebook: {_listing(bad)}",
                                        "map each name to a code of data/codebook.yml")])
    return {str(k).strip(): str(v) for k, v in mapping.items()}


# ------------------------------------------------------------------------------ project

@dataclass
class ProjectReading:
    """A project read into the conversations tables, before our data rules are checked.

    Attributes:
        file: the project's file name.
        origin: the tool that wrote it (the project's ``origin``), or "".
        participants: one row per named case: ``participant_id`` and each case variable
            (by :func:`variable_key`), values as written (strings; "" where a case has none).
        participant_places: how a message names each participants row (``case 'ALB-01'``).
        segments: one row per segment: ``participant_id``, ``themes`` (``;``-joined, in the
            order first coded), ``consent_to_quote`` (``yes``/``no`` as written), ``excerpt``.
        segment_places: how a message names each segment (source and character positions).
        recognised: what was read and how (for ``perspectives check``), no participant's text.
    """

    file: str
    origin: str
    participants: pd.DataFrame
    participant_places: list[str]
    segments: pd.DataFrame
    segment_places: list[str]
    recognised: list[str] = field(default_factory=list)


@dataclass
class _Source:
    guid: str
    name: str
    element: Any
    text: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    encoding: str = ""
    line_endings: str = ""
    inline: bool = False


@dataclass
class _Case:
    guid: str
    name: str
    variables: dict[str, str]
    sources: set[str]
    selections: set[str]


@dataclass
class _Selection:
    guid: str
    source: str
    start: int
    end: int
    codes: list[str]  # their code GUIDs, in coding order


class _Problems:
    """Collects refusals so that one message lists them all, each once with how many times it occurs."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: dict[tuple[str, str, str], int] = {}

    def add(self, where: str, problem: str, fix: str) -> None:
        key = (where, problem, fix)
        self.items[key] = self.items.get(key, 0) + 1

    def raise_if_any(self) -> None:
        if self.items:
            raise ProjectError(self.file, [(where, f"{problem} ({n} segments)" if n > 1 else problem, fix)
                                           for (where, problem, fix), n in self.items.items()])


def _open_project(path: Path) -> tuple[zipfile.ZipFile, Any]:
    """The zip and the parsed ``project.qde`` (or the one ``.qde`` at the top of the zip)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ProjectError(path.name, [("", f"not a REFI-QDA project (not a zip archive: {exc})",
                                        "export the project from the tool as a REFI-QDA project (.qdpx)")]) from exc
    names = [n for n in archive.namelist() if "/" not in n.strip("/") and n.lower().endswith(".qde")]
    chosen = [n for n in names if n.lower() == "project.qde"] or names
    if len(chosen) != 1:
        raise ProjectError(path.name, [("", f"{'no' if not chosen else 'more than one'} project.qde in the archive",
                                        "export the project again from the tool as one .qdpx")])
    try:
        root = etree.fromstring(archive.read(chosen[0]), _parser())
    except etree.XMLSyntaxError as exc:
        raise ProjectError(path.name, [(chosen[0], f"not well-formed XML ({exc})",
                                        "export the project again from the tool")]) from exc
    if _local(root) != "Project":
        raise ProjectError(path.name, [(chosen[0], f"the root element is {_local(root)!r}, not 'Project'",
                                        "export a REFI-QDA project (.qdpx), not another XML file")])
    return archive, root


def _variables(root: Any) -> dict[str, str]:
    """Variable GUID -> our column name for it."""
    block = _child(root, "Variables")
    return {_guid(v.get("guid")): variable_key(v.get("name") or "")
            for v in (_children(block, "Variable") if block is not None else [])}


def _value(variable_value: Any) -> str:
    for tag in _VALUE_TAGS:
        element = _child(variable_value, tag)
        if element is not None:
            text = (element.text or "").strip()
            return {"true": "yes", "1": "yes", "false": "no", "0": "no"}.get(text, text) \
                if tag == "BooleanValue" else text
    return ""


def _values(element: Any, variables: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for vv in _children(element, "VariableValue"):
        ref = _child(vv, "VariableRef")
        name = variables.get(_guid(ref.get("targetGUID"))) if ref is not None else None
        if name:
            out[name] = _value(vv)
    return out


def _decode(data: bytes) -> tuple[str, str]:
    """Text of a source file and its encoding, as the tools write them (BOM sniffed, else UTF-8)."""
    for bom, codec, name in ((b"\xef\xbb\xbf", "utf-8", "UTF-8 with BOM"), (b"\xff\xfe", "utf-16-le", "UTF-16 LE"),
                             (b"\xfe\xff", "utf-16-be", "UTF-16 BE")):
        if data.startswith(bom):
            return data[len(bom):].decode(codec), name
    return data.decode("utf-8"), "UTF-8"


def _line_endings(text: str) -> str:
    crlf = text.count("\r\n")
    kinds = [k for k, n in (("CRLF", crlf), ("LF", text.count("\n") - crlf), ("CR", text.count("\r") - crlf)) if n]
    return "+".join(kinds) or "none"


def _source_member(archive: zipfile.ZipFile, reference: str) -> str | None:
    """The zip member of an ``internal://`` path: under ``sources/`` (NVivo writes ``Sources/``)."""
    wanted = reference.split("internal://", 1)[1].lstrip("/")
    for member in archive.namelist():
        folder, _, name = member.rpartition("/")
        if name == wanted and folder.lower() in ("sources", ""):
            return member
    return None


def _load_text(source: _Source, archive: zipfile.ZipFile, problems: _Problems) -> None:
    """Fill ``source.text`` from its inline content or its file; refusals name the source."""
    where = f"source '{source.name}'"
    content = _child(source.element, "PlainTextContent")
    if content is not None:
        source.text, source.encoding, source.inline = content.text or "", "inline", True
        source.line_endings = _line_endings(source.text)
        return
    reference = (source.element.get("plainTextPath") or "").strip()
    if not reference.startswith("internal://"):
        fix = ("export the project with its sources inside the .qdpx" if reference
               else "export the source as text (a plain-text representation) from the tool")
        problems.add(where, f"its text is not inside the project ({reference or 'no plainTextPath'})", fix)
        return
    member = _source_member(archive, reference)
    if member is None:
        problems.add(where, f"its text file {reference} is missing from the archive",
                     "export the project again with its sources")
        return
    try:
        source.text, source.encoding = _decode(archive.read(member))
    except UnicodeDecodeError:
        problems.add(where, f"its text file {member} is not UTF-8 or UTF-16 text",
                     "save the source as UTF-8 text in the tool and export again")
        return
    source.line_endings = _line_endings(source.text)


def _collect_sources(root: Any, variables: Mapping[str, str]) -> tuple[list[_Source], list[_Selection], list[str]]:
    """Text sources with their selections (document order); other coded sources are named."""
    sources: list[_Source] = []
    selections: list[_Selection] = []
    other: list[str] = []
    block = _child(root, "Sources")
    for element in (list(block) if block is not None else []):
        kind, name = _local(element), element.get("name") or element.get("guid") or ""
        if kind != "TextSource":
            if any(True for _ in element.iter("{*}Coding")):
                other.append(f"{kind} '{name}'")
            continue
        source = _Source(_guid(element.get("guid")), name, element, variables=_values(element, variables))
        sources.append(source)
        for sel in _children(element, "PlainTextSelection"):
            refs = [_guid(c.get("targetGUID")) for coding in _children(sel, "Coding")
                    for c in _children(coding, "CodeRef")]
            selections.append(_Selection(_guid(sel.get("guid")), source.guid, _int(sel.get("startPosition")),
                                         _int(sel.get("endPosition")), refs))
        # A coding of the whole source (no selection), as the schema allows.
        whole = [_guid(c.get("targetGUID")) for coding in _children(element, "Coding")
                 for c in _children(coding, "CodeRef")]
        if whole:
            selections.append(_Selection(source.guid, source.guid, 0, -1, whole))
    return sources, selections, other


def _int(value: str | None) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        return -2  # refused below as outside its source


def _collect_cases(root: Any, variables: Mapping[str, str], sources: dict[str, _Source],
                   problems: _Problems) -> list[_Case]:
    """Named cases (participants); an unnamed case with one source gives that source variables."""
    cases: list[_Case] = []
    block = _child(root, "Cases")
    for element in (_children(block, "Case") if block is not None else []):
        refs = {_guid(r.get("targetGUID")) for r in _children(element, "SourceRef")}
        picked = {_guid(r.get("targetGUID")) for r in _children(element, "SelectionRef")}
        values = _values(element, variables)
        name = (element.get("name") or "").strip()
        if not name and len(refs) == 1 and not picked:
            target = sources.get(next(iter(refs)))
            if target is not None:
                target.variables = {**values, **target.variables}
            continue
        if not name:
            problems.add(f"case {element.get('guid')}", "a case without a name",
                         "name each case with the participant's id (e.g. ALB-01)")
            continue
        cases.append(_Case(_guid(element.get("guid")), name, values, refs, picked))
    names = [c.name for c in cases]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        problems.add(f"case(s) {_listing([repr(n) for n in twice])}", "the same case name is used twice",
                     "give each participant one case")
    return cases


def _text_positions(source: _Source, origin: str) -> str:
    """The text that selection positions count in: ATLAS.ti counts a CRLF as one character."""
    text = source.text or ""
    return text.replace("\r\n", "\n") if origin.upper().startswith("ATLAS") else text


def _check_span(sel: _Selection, source: _Source, text: str, problems: _Problems) -> bool:
    where = f"source '{source.name}', selection {sel.start}-{sel.end}"
    if sel.end == -1 and sel.start == 0:
        sel.end = len(text)
    if not 0 <= sel.start < sel.end <= len(text):
        problems.add(where, f"the selection lies outside its source, which holds {len(text)} characters"
                     + (" (it selects no text)" if 0 <= sel.start == sel.end else ""),
                     "code the segment again in the tool and export again; a project edited by hand or "
                     "converted between tools can lose its positions")
        return False
    astral = [ch for ch in text[:sel.end] if ord(ch) > 0xFFFF]
    if astral:
        problems.add(where, f"the text before the selection's end holds {len(astral)} character(s) outside "
                     "Unicode's Basic Multilingual Plane (such as emoji), which tools count as one or as two "
                     "characters, so the selected text cannot be read for certain",
                     "replace those characters in the source (e.g. '[emoji]') before coding, then export again")
        return False
    return True


def _excerpt(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


@dataclass
class _Context:
    """What resolving the segments of a project needs."""

    origin: str
    sources: dict[str, _Source]
    cases: list[_Case]
    theme_of: dict[str, str]  # their code GUID -> our code
    case_codes: dict[str, _Case]  # their code GUID that is a case (NVivo) -> the case


def _owner(sel_guids: set[str], sel: _Selection, ctx: _Context,
           case_spans: dict[str, list[tuple[int, int, _Case]]]) -> list[_Case]:
    by_selection = [c for c in ctx.cases if c.selections & sel_guids]
    if by_selection:
        return by_selection
    by_source = [c for c in ctx.cases if sel.source in c.sources]
    if by_source:
        return by_source
    return [c for start, end, c in case_spans.get(sel.source, []) if start <= sel.start and sel.end <= end]


def _consent(case: _Case, source: _Source, problems: _Problems) -> str:
    where = f"case '{case.name}', source '{source.name}'"
    own, general = source.variables.get(CONSENT_VARIABLE, ""), case.variables.get(CONSENT_VARIABLE, "")
    if own and general and own != general:
        problems.add(where, f"the source says consent_to_quote '{own}' and case '{case.name}' says '{general}'",
                     "record consent in one place: the case (one value for all its sources) or each source")
        return own
    if not own and not general:
        problems.add(where, f"no consent value: neither the source nor case '{case.name}' has the variable "
                     "consent_to_quote", "give the case (or each of its sources) consent_to_quote yes or no")
    return own or general


def _segments(selections: list[_Selection], ctx: _Context,
              problems: _Problems) -> tuple[pd.DataFrame, list[str]]:
    """One row per segment (source, start, end), in document order."""
    case_spans: dict[str, list[tuple[int, int, _Case]]] = {}
    grouped: dict[tuple[str, int, int], tuple[list[str], set[str]]] = {}
    order = {guid: i for i, guid in enumerate(ctx.sources)}
    for sel in selections:
        source = ctx.sources[sel.source]
        if source.text is None or not any(g in ctx.theme_of or g in ctx.case_codes for g in sel.codes):
            continue
        if not _check_span(sel, source, _text_positions(source, ctx.origin), problems):
            continue
        for guid in sel.codes:
            if guid in ctx.case_codes:
                case_spans.setdefault(sel.source, []).append((sel.start, sel.end, ctx.case_codes[guid]))
        themes = [ctx.theme_of[g] for g in sel.codes if g in ctx.theme_of]
        if themes:
            codes, guids = grouped.setdefault((sel.source, sel.start, sel.end), ([], set()))
            codes.extend(t for t in themes if t not in codes)
            guids.add(sel.guid)
    rows, places = [], []
    for (src, start, end), (codes, guids) in sorted(grouped.items(), key=lambda kv: (order[kv[0][0]], *kv[0][1:])):
        source = ctx.sources[src]
        where = f"source '{source.name}', selection {start}-{end}"
        owners = _owner(guids, _Selection("", src, start, end, []), ctx, case_spans)
        if len(owners) != 1:
            problems.add(where, "the segment belongs to no case" if not owners else
                         f"the segment belongs to {len(owners)} cases ({_listing([o.name for o in owners])})",
                         "put each coded source (or selection) in exactly one participant's case")
            continue
        case = owners[0]
        rows.append({"participant_id": case.name, "themes": ";".join(codes),
                     "consent_to_quote": _consent(case, source, problems),
                     "excerpt": _excerpt(_text_positions(source, ctx.origin)[start:end])})
        places.append(where)
    frame = pd.DataFrame(rows, columns=["participant_id", "themes", "consent_to_quote", "excerpt"], dtype=str)
    return frame, places


def _theme_codes(their: list[TheirCode], used: set[str], matcher: _Matcher, cases: set[str],
                 problems: _Problems) -> tuple[dict[str, str], dict[str, int]]:
    """Their code GUID -> our code, for codes not standing for a case; unknown codes in use are refused."""
    theme_of: dict[str, str] = {}
    rules: dict[str, int] = {}
    unknown = []
    for code in their:
        if code.guid in cases:
            continue
        ours, rule = matcher.match(code)
        if ours is None:
            if code.guid in used:
                unknown.append(code)
            continue
        theme_of[code.guid] = ours
        rules[rule] = rules.get(rule, 0) + 1
    for code in unknown:
        problems.add(f"code '{code.shown}'", "a code used in the coding that is not in the theme codebook "
                     "(by code, label, nesting or GUID)",
                     "rename it in the tool to our code or label (perspectives codebook export writes them), or "
                     "declare which of our codes it is in params/code_mapping.yml")
    return theme_of, rules


def _participants(cases: list[_Case], variables: Sequence[str], required: Sequence[str], declared: set[str],
                  problems: _Problems) -> tuple[pd.DataFrame, list[str]]:
    missing = [v for v in variables if v not in declared]
    if missing:
        problems.add("variables", f"the project has no case variable(s) {_listing(missing)}",
                     f"add case variables named {', '.join(variables)} (upper case and spaces for '_' are read too)")
    for variable in (v for v in required if v in declared):
        empty = [c.name for c in cases if not c.variables.get(variable, "").strip()]
        if empty:
            problems.add(f"case(s) {_listing([repr(n) for n in empty])}", f"no value for the case variable '{variable}'",
                         f"give each participant's case a value for '{variable}'")
    columns = ["participant_id", *sorted(declared)]
    frame = pd.DataFrame([{"participant_id": c.name, **{k: c.variables.get(k, "") for k in declared}}
                          for c in cases], columns=columns, dtype=str)
    return frame, [f"case '{c.name}'" for c in cases]


def read_project(path: Path | str, labels: Mapping[str, str], variables: Sequence[str], required: Sequence[str],
                 mapping: Mapping[str, str] | None = None) -> ProjectReading:
    """Read a REFI-QDA project into the participants and segments tables (module docstring: how).

    Args:
        path: the ``.qdpx`` file.
        labels: our theme codes -> their labels (``data/codebook.yml``).
        variables: the case variables the project must declare (our participants columns).
        required: those of them every case must give a value (a case without one is refused).
        mapping: declared names -> our codes (:func:`load_code_mapping`).

    Returns:
        The tables as written (strings) with where each row came from; our data rules (known
        countries, genders, ages ...) are checked by the caller, as for the CSV.

    Raises:
        ProjectError: every refusal found (unknown codes in use, cases without a country or a
            consent value, selections outside their source, text that cannot be read ...).
    """
    path = Path(path)
    problems = _Problems(path.name)
    archive, root = _open_project(path)
    with archive:
        origin = (root.get("origin") or "").strip()
        declared = _variables(root)
        source_list, selections, other = _collect_sources(root, declared)
        sources = {s.guid: s for s in source_list}
        cases = _collect_cases(root, declared, sources, problems)
        used = {g for sel in selections for g in sel.codes}
        coded = {sel.source for sel in selections}
        for source in source_list:
            if source.guid in coded:
                _load_text(source, archive, problems)
    for name in other:
        problems.add(name, "a coded source that is not text", "code the conversation notes as text sources")
    book = _child(root, "CodeBook")
    their = _codes(_child(book, "Codes") if book is not None else None)
    case_guids = {c.guid for c in cases}
    theme_of, rules = _theme_codes(their, used, _Matcher(labels, dict(mapping or {})), case_guids, problems)
    ctx = _Context(origin, sources, cases, theme_of, {c.guid: c for c in cases})
    participants, participant_places = _participants(cases, variables, required, set(declared.values()) - {""},
                                                     problems)
    segments, segment_places = _segments(selections, ctx, problems)
    problems.raise_if_any()
    recognised = _recognised(root, origin, source_list, coded, cases, segments, rules, their, theme_of, case_guids)
    return ProjectReading(path.name, origin, participants, participant_places, segments, segment_places, recognised)


def _recognised(root: Any, origin: str, sources: list[_Source], coded: set[str], cases: list[_Case],
                segments: pd.DataFrame, rules: Mapping[str, int], their: list[TheirCode],
                theme_of: Mapping[str, str], case_guids: set[str]) -> list[str]:
    """What ``perspectives check`` says was read: counts and formats, never a participant's text."""
    read = [s for s in sources if s.guid in coded]
    formats: dict[str, int] = {}
    for s in read:
        key = f"{'inline text' if s.inline else 'sources/ file'}, {s.encoding}, line endings {s.line_endings}"
        formats[key] = formats.get(key, 0) + 1
    consent_at = sorted({"source" for s in read if s.variables.get(CONSENT_VARIABLE)}
                        | {"case" for c in cases if c.variables.get(CONSENT_VARIABLE)})
    unused = [c.shown for c in their if c.guid not in theme_of and c.guid not in case_guids and c.codable]
    lines = [f"project '{root.get('name') or ''}' written by {origin or 'an unnamed tool'}"
             + ("; positions count a CRLF as one character (ATLAS.ti)" if origin.upper().startswith("ATLAS") else ""),
             f"{len(cases)} cases, {len(read)} coded text sources, {len(segments)} segments",
             *(f"  {n} source(s): {k}" for k, n in sorted(formats.items())),
             "codes matched: " + (", ".join(f"{n} by {rule}" for rule, n in sorted(rules.items())) or "none"),
             f"consent to quote read from the {' and the '.join(consent_at) or 'nowhere'} variable consent_to_quote"]
    if unused:
        lines.append(f"codes not in the theme codebook and never used (not read): {_listing(unused)}")
    return lines


# ------------------------------------------------------------------------------ codebooks

def write_codebook(codebook: _CodebookLike, origin: str = "perspectives") -> bytes:
    """Our theme codebook as a REFI-QDA codebook (``.qdc``), checked against the published schema.

    Each theme is a codable ``Code`` named by its label and nested as in ``data/codebook.yml``,
    with a GUID derived from its code (:func:`code_guid`) and a description holding its
    definition and, on its last line, ``Code: <code>``; each report section is a ``Set`` of
    its themes. Two exports of one codebook are the same bytes.

    Raises:
        ValueError: the document does not validate against the schema (a defect of this code).
    """
    ns = f"{{{NS_CODEBOOK}}}"
    root = etree.Element(f"{ns}CodeBook", nsmap={None: NS_CODEBOOK}, origin=origin)
    codes_element = etree.SubElement(root, f"{ns}Codes")
    parents: dict[str | None, Any] = {None: codes_element}
    for code in codebook.codes.values():
        element = etree.SubElement(parents[code.parent], f"{ns}Code", guid=code_guid(code.code), name=code.label,
                                   isCodable="true")
        etree.SubElement(element, f"{ns}Description").text = f"{code.definition}\n{CODE_LINE}{code.code}"
        parents[code.code] = element
    sets = etree.SubElement(root, f"{ns}Sets")
    for section, label in codebook.sections.items():
        members = [c for c in codebook.codes.values() if c.section == section]
        if not members:
            continue
        element = etree.SubElement(sets, f"{ns}Set", guid=_set_guid(section), name=label)
        etree.SubElement(element, f"{ns}Description").text = f"Themes of the report section '{section}'"
        for code in members:
            etree.SubElement(element, f"{ns}MemberCode", guid=code_guid(code.code))
    if not len(sets):
        root.remove(sets)
    check = schema("codebook")
    if not check.validate(root):
        raise ValueError(f"the exported codebook does not validate: {check.error_log.last_error}")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def read_codebook(path: Path | str) -> list[TheirCode]:
    """The codes of a ``.qdc`` codebook or of a ``.qdpx`` project's codebook, as the tool wrote them.

    Raises:
        ProjectError: the file is not a readable REFI-QDA codebook or project.
    """
    path = Path(path)
    if path.suffix.lower() == ".qdpx":
        archive, root = _open_project(path)
        archive.close()
        book = _child(root, "CodeBook")
        return _codes(_child(book, "Codes") if book is not None else None)
    try:
        root = etree.fromstring(path.read_bytes(), _parser())
    except (etree.XMLSyntaxError, OSError) as exc:
        raise ProjectError(path.name, [("", f"not a readable codebook ({exc})",
                                        "export the codebook from the tool as a REFI-QDA codebook (.qdc)")]) from exc
    if _local(root) != "CodeBook":
        raise ProjectError(path.name, [("", f"the root element is {_local(root)!r}, not 'CodeBook'",
                                        "export the codebook from the tool as a REFI-QDA codebook (.qdc)")])
    return _codes(_child(root, "Codes"))


@dataclass(frozen=True)
class Difference:
    """One way a partner's codebook differs from ours.

    ``kind`` is ``missing`` (our theme is not there), ``extra`` (their code is none of
    ours), ``renamed`` (our theme under another name) or ``moved`` (our theme under another
    parent); ``code`` is our code ("" for an extra code); ``detail`` says it in words.
    """

    kind: str
    code: str
    detail: str


def compare_codebook(ours: _CodebookLike, theirs: Sequence[TheirCode],
                     mapping: Mapping[str, str] | None = None) -> list[Difference]:
    """How ``theirs`` differs from ``ours``: missing, extra, renamed and moved codes, in codebook order.

    A code of theirs is matched to ours as a project's codes are (:class:`_Matcher`). A code
    that is not codable (a folder or category) and matches none of ours is not counted as extra.
    """
    labels = {c: v.label for c, v in ours.codes.items()}
    matcher = _Matcher(labels, dict(mapping or {}))
    matched: dict[str, str] = {}
    found: dict[str, list[TheirCode]] = {}
    out: list[Difference] = []
    for code in theirs:
        code_ours, _ = matcher.match(code)
        if code_ours is None:
            if code.codable:
                out.append(Difference("extra", "", f"'{code.shown}' is not in our codebook"))
            continue
        matched[code.guid] = code_ours
        found.setdefault(code_ours, []).append(code)
    by_guid = {c.guid: c for c in theirs}
    for code, spec in ours.codes.items():
        if code not in found:
            out.append(Difference("missing", code, f"'{spec.label}' ({code}) is not in their codebook"))
            continue
        for their in found[code]:
            if their.name not in (spec.label, code) and _fold(their.name) != _fold(spec.label) \
                    and ".".join(their.path) != code:
                out.append(Difference("renamed", code, f"'{spec.label}' ({code}) is named '{their.name}' there"))
            known, parent = _mapped_parent(their, by_guid, matched)
            if known and parent != spec.parent:
                there = f"under '{labels[parent]}' ({parent})" if parent else "at the top"
                here = f"under '{labels[spec.parent]}' ({spec.parent})" if spec.parent else "at the top"
                out.append(Difference("moved", code, f"'{spec.label}' ({code}) is {there} there, {here} here"))
    return out


def _mapped_parent(code: TheirCode, by_guid: Mapping[str, TheirCode],
                   matched: Mapping[str, str]) -> tuple[bool, str | None]:
    """Our code of the nearest ancestor that maps to one of ours; folders (not codable) are skipped.

    Returns ``(False, None)`` when that ancestor is a codable code of theirs that is none of ours:
    it is named as extra already, and where its children sit says nothing more.
    """
    parent = code.parent
    while parent is not None:
        if parent in matched:
            return True, matched[parent]
        if parent in by_guid and by_guid[parent].codable:
            return False, None
        parent = by_guid[parent].parent if parent in by_guid else None
    return True, None
