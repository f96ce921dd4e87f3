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
      to the cases that name the selection (``SelectionRef``) or hold its source
      (``SourceRef``), else to the case whose own coding (NVivo codes cases as nodes) spans
      it; exactly one case, or the segment is refused.
    - **consent to quote** is the variable ``consent_to_quote`` of the segment's source if it
      has one, else of its case (``yes``/``no``, or a Boolean variable); a segment with
      neither, or with two that disagree, is refused. So is any element carrying two different
      values for one variable (a value written twice, two variables whose names read the same,
      a document's unnamed case and the document itself): which one the team meant is not guessed.

    Text as the tools write it: ``sources/<name>.txt`` in the zip (any case of ``sources``; the
    path may name the folder) or ``PlainTextContent`` inline (both, only if they hold the same
    text); UTF-8 with or without a byte-order mark, or UTF-16 with one (a text holding NUL
    characters, as UTF-16 without its mark or UTF-32 decode, is refused); LF, CRLF or CR line
    endings. Positions count characters of the text as stored, a CRLF being two (NVivo and
    MAXQDA count so), except in a project written by ATLAS.ti, which counts a CRLF as one
    (QualCoder's import makes the same distinction), and by QualCoder, whose own text has no CR
    at all (it writes CRLF on Windows, and CR CR LF with its "line ending for MAXQDA" option,
    without moving a position), so a CR counts as nothing. QualCoder writes each selection's
    text as its ``name``: a selection whose positions select another text is refused. An
    inline text whose CRLF the XML reading turned into LF (project.qde written with CRLF, not
    ``&#13;``) is refused when the tool counts a CRLF as two. A selection before which the text
    holds a character outside Unicode's Basic Multilingual Plane (an emoji) is refused: tools
    count such a character as one or as two, so its place cannot be read for certain.

    Files from outside are data, never instructions: a ``project.qde`` or ``.qdc`` with a DTD
    (entities, external files) is refused, XInclude is not followed, only members of the zip
    are read (never a path of this machine), a member named twice, a symbolic link, a corrupt
    member, or one larger than :data:`MAX_MEMBER_BYTES` (the members read together, than
    :data:`MAX_ARCHIVE_BYTES`) is refused before it is inflated, and XML errors are reported
    without the text they stopped in. A GUID given to two codes, sources, cases or variables,
    and a coding of a code the codebook does not hold, are refused.

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
import zlib
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import yaml
from lxml import etree

from .rawtable import MAX_ZIP_DIRECTORY, zip_directory_bytes
from .study import repo_root

__all__ = [
    "CODE_LINE",
    "CONSENT_VARIABLE",
    "DEFAULT_MAPPING",
    "MAX_ARCHIVE_BYTES",
    "MAX_MEMBER_BYTES",
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
# What one member of a project (project.qde, a source text) and all the members read may hold,
# inflated: a zip bomb is refused by the sizes its archive declares (zipfile never inflates a
# member past its declared size), before anything is inflated.
MAX_MEMBER_BYTES = 256 << 20
MAX_ARCHIVE_BYTES = 1 << 30
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


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
    # No entity expansion, no DTD, no network: a project is data from outside (and a DTD is refused).
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           remove_comments=True, remove_pis=True, huge_tree=False)


def _parse_xml(data: bytes, file: str, where: str, fix: str) -> Any:
    """The root element of an XML document from outside; refused if it is not well-formed or has a DTD.

    The parser's message is given without the text it quotes (an entity's or a tag's name
    can be a word of a participant's notes); its line and column say where to look.
    """
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        said = re.sub(r"'[^']*'", "'…'", str(exc.msg or "").split(", line ")[0])
        raise ProjectError(file, [(where, f"not well-formed XML at line {exc.lineno}, column {exc.offset} ({said})",
                                   fix)]) from exc
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise ProjectError(file, [(where, "the XML declares a DTD (<!DOCTYPE ...>), which no coding tool writes: "
                                          "its entities could stand for values or for files of this computer",
                                   "export the file again from the tool, unedited")])
    return root


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
        """How a message names the code: its path of names (its GUID, when it has no name)."""
        return " > ".join(self.path) if self.name else " > ".join((*self.path[:-1], f"(no name, GUID {self.guid})"))


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
    raw = _mapping_yaml(path) or {}
    mapping = raw.get("codes", {}) if isinstance(raw, dict) else None
    if not isinstance(mapping, dict):
        raise ProjectError(path.name, [("", "'codes' is not a mapping of names to codes",
                                        "write `codes:` then one `\"their name\": our.code` line per code")])
    unnamed = sorted(repr(k) for k in mapping if not isinstance(k, str) or not k.strip())
    if unnamed:
        raise ProjectError(path.name, [("codes", f"{_listing(unnamed)} is not a name (YAML reads yes, no, true, "
                                        "false, null and numbers as such, not as the text written)",
                                        "put each name in quotes: `\"1.10\": our.code`")])
    known = set(codes)
    bad = sorted(f"'{k}' -> '{v}'" for k, v in mapping.items() if not isinstance(v, str) or known and v not in known)
    if bad:
        raise ProjectError(path.name, [("codes", f"mapping to code(s) not in the codebook: {_listing(bad)}",
                                        "map each name to a code of data/codebook.yml")])
    return {k.strip(): v for k, v in mapping.items()}


class _RepeatedKey(Exception):  # noqa: N818 - a reason, caught in _mapping_yaml
    """A YAML mapping that names one key twice; ``args`` are ``(key, line)``."""


class _MappingLoader(yaml.SafeLoader):
    """The safe loader, refusing a key written twice (PyYAML keeps the last one silently)."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable):
                if key in seen:
                    raise _RepeatedKey(key, key_node.start_mark.line + 1)
                seen.add(key)
        return super().construct_mapping(node, deep)


def _mapping_yaml(path: Path) -> Any:
    """The mapping file parsed; its errors name the line, never this machine's path."""
    fix = "write `codes:` then one `\"their name\": our.code` line per code, indented by spaces"
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_MappingLoader)  # noqa: S506 - a SafeLoader
    except _RepeatedKey as exc:
        raise ProjectError(path.name, [(f"line {exc.args[1]}", f"the name {exc.args[0]!r} is written twice",
                                        "keep one line per name")]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise ProjectError(path.name, [(f"line {mark.line + 1}" if mark else "", f"not readable YAML ({problem})",
                                        fix)]) from exc
    except UnicodeDecodeError as exc:
        raise ProjectError(path.name, [("", "not UTF-8 text", "save the file as UTF-8")]) from exc


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
    lost_cr: bool = False  # an inline text whose literal CRs the XML reading turned into LF
    counted: str | None = None  # the text as the tool counts positions in it
    first_astral: int | None = None  # where in ``counted`` the first character outside the BMP is


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
    start: int | None  # None: not a whole number (``raw`` says what was written)
    end: int | None
    codes: list[str]  # their code GUIDs, in coding order
    raw: str = ""  # "start-end" as written, to name the selection
    whole: bool = False  # a coding of the whole source (no selection)
    recorded: str = ""  # the selection's name: QualCoder writes the selected text there


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


class _Unreadable(Exception):  # noqa: N818 - a reason, caught where the member is named
    """A member of a project's archive that cannot be read; ``args`` are ``(problem, fix)``."""


class _Archive:
    """A project's zip, its members indexed once, read within the limits (module docstring)."""

    def __init__(self, path: Path) -> None:
        self.name = path.name
        try:
            with open(path, "rb") as handle:  # its list of parts is weighed before zipfile reads it
                directory = zip_directory_bytes(handle)
            if directory is not None and directory > MAX_ZIP_DIRECTORY:
                raise ProjectError(path.name, [("", f"the archive lists parts in {directory >> 20} MB, more than "
                                                f"{MAX_ZIP_DIRECTORY >> 20} MB (hundreds of thousands of parts): a "
                                                "project holds its project.qde and one file per source",
                                                "export the project again from the tool")])
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ProjectError(path.name, [("", f"not a REFI-QDA project (not a zip archive: {exc})",
                                            "export the project from the tool as a REFI-QDA project (.qdpx)")]) from exc
        infos = self.zip.infolist()
        counts = Counter(i.filename for i in infos)  # counted once: names.count() per name was quadratic
        twice = sorted(n for n, times in counts.items() if times > 1)
        if twice:
            self.zip.close()
            raise ProjectError(path.name, [(f"member(s) {_listing(twice)}", "the archive holds a member under the same "
                                            "name twice, and which one is meant cannot be told",
                                            "export the project again from the tool")])
        self.infos = {i.filename: i for i in infos}
        self.folded: dict[str, list[str]] = {}
        for info in infos:
            self.folded.setdefault(info.filename.lower(), []).append(info.filename)
        self.read_bytes = 0

    def close(self) -> None:
        """Close the zip."""
        self.zip.close()

    def __enter__(self) -> _Archive:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def project(self) -> tuple[str, bytes]:
        """The name and bytes of ``project.qde`` (or of the one ``.qde`` at the top of the zip)."""
        names = [n for n in self.infos if "/" not in n.strip("/") and n.lower().endswith(".qde")]
        chosen = [n for n in names if n.strip("/").lower() == "project.qde"] or names
        if len(chosen) != 1:
            raise ProjectError(self.name, [("", f"{'no' if not chosen else 'more than one'} project.qde in the archive",
                                            "export the project again from the tool as one .qdpx")])
        try:
            return chosen[0], self.read(chosen[0])
        except _Unreadable as exc:
            raise ProjectError(self.name, [(chosen[0], *exc.args)]) from exc

    def members(self, reference: str) -> list[str]:
        """The members an ``internal://`` path names (more than one is ambiguous).

        ``sources/<path>`` in any case (NVivo writes ``Sources/``), else ``<path>`` itself (some
        tools write the folder into the path).
        """
        wanted = reference.split("internal://", 1)[1].lstrip("/").lower()
        for key in (f"sources/{wanted}", wanted):
            if wanted and key in self.folded:
                return self.folded[key]
        return []

    def read(self, name: str) -> bytes:
        """A member's bytes; raises :class:`_Unreadable` for a link, a corrupt or too large member."""
        info = self.infos[name]
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise _Unreadable("is a symbolic link, not a file", "export the project again from the tool")
        if info.file_size > MAX_MEMBER_BYTES or self.read_bytes + info.file_size > MAX_ARCHIVE_BYTES:
            raise _Unreadable(f"is larger than the {MAX_MEMBER_BYTES >> 20} MB a member may hold (or the members "
                              f"together, than {MAX_ARCHIVE_BYTES >> 20} MB), inflated",
                              "split the project, or export it again if it is not that large in the tool")
        self.read_bytes += info.file_size
        try:
            return self.zip.read(info)
        except (NotImplementedError, RuntimeError) as exc:  # zipfile's words for a password, or Deflate64
            raise _Unreadable("is encrypted, or compressed by a method this reader does not know",
                              "export the project again from the tool, and do not zip it again yourself") from exc
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error) as exc:
            raise _Unreadable("cannot be read from the archive: its compressed data is damaged",
                              "export the project again from the tool") from exc


def _open_project(path: Path) -> tuple[_Archive, Any, bool]:
    """The archive, the parsed ``project.qde``, and whether its bytes hold a CR (a literal one, not ``&#13;``)."""
    archive = _Archive(path)
    try:
        name, data = archive.project()
        root = _parse_xml(data, path.name, name, "export the project again from the tool")
        if _local(root) != "Project":
            raise ProjectError(path.name, [(name, f"the root element is {_local(root)!r}, not 'Project'",
                                            "export a REFI-QDA project (.qdpx), not another XML file")])
    except ProjectError:
        archive.close()
        raise
    encoding = root.getroottree().docinfo.encoding or "utf-8"
    try:
        has_cr = "\r" in data.decode(encoding, errors="replace")
    except LookupError:
        has_cr = b"\r" in data
    return archive, root, has_cr


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


def _put(values: dict[str, str], name: str, value: str, where: str, problems: _Problems) -> None:
    """Set a variable's value; a second, different value for it is refused (which one is meant is not guessed)."""
    if name in values and values[name] != value:
        problems.add(where, f"two different values for the variable '{name}'",
                     "keep one value per variable: remove the repeated value, or rename one of two variables whose "
                     "names read the same once case, spaces and punctuation are set aside, or make a document's "
                     "value and its unnamed case's agree")
        return
    values[name] = value


def _values(element: Any, variables: Mapping[str, str], where: str, problems: _Problems) -> dict[str, str]:
    out: dict[str, str] = {}
    for vv in _children(element, "VariableValue"):
        ref = _child(vv, "VariableRef")
        name = variables.get(_guid(ref.get("targetGUID"))) if ref is not None else None
        if name:
            _put(out, name, _value(vv), where, problems)
    return out


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


def _file_text(source: _Source, reference: str, archive: _Archive, problems: _Problems) -> str | None:
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
                     f"its text file {reference} is in the archive more than once ({_listing(found)})",
                     "export the project again with its sources")
        return None
    member = found[0]
    try:
        text, source.encoding = _decode(archive.read(member))
    except _Unreadable as exc:
        problems.add(f"{where}, member {member}", *exc.args)
        return None
    except UnicodeDecodeError:
        problems.add(where, f"its text file {member} is not UTF-8 or UTF-16 text",
                     "save the source as UTF-8 text in the tool and export again")
        return None
    return text


def _load_text(source: _Source, archive: _Archive, problems: _Problems, xml_had_cr: bool) -> None:
    """Fill ``source.text`` from its inline content or its file; refusals name the source."""
    where = f"source '{source.name}'"
    content = _child(source.element, "PlainTextContent")
    reference = (source.element.get("plainTextPath") or "").strip()
    if content is not None:
        source.text, source.encoding, source.inline = content.text or "", "inline", True
        source.line_endings = _line_endings(source.text)
        # XML reading turns a literal CRLF (or CR) into LF: a text written so has lost its CRs.
        source.lost_cr = xml_had_cr and "\n" in source.text
        if reference:
            in_file = _file_text(source, reference, archive, _Problems(archive.name))
            if in_file is not None and in_file != source.text:
                problems.add(where, "it holds two different texts, one inline (PlainTextContent) and one in its "
                             "file (plainTextPath), and the positions count one of them",
                             "export the project again from the tool (the standard allows one of the two)")
        return
    text = _file_text(source, reference, archive, problems)
    if text is not None:
        source.text = text
        source.line_endings = _line_endings(text)


def _collect_sources(root: Any, variables: Mapping[str, str],
                     problems: _Problems) -> tuple[list[_Source], list[_Selection], list[str]]:
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
        source = _Source(_guid(element.get("guid")), name, element,
                         variables=_values(element, variables, f"source '{name}'", problems))
        sources.append(source)
        for sel in _children(element, "PlainTextSelection"):
            start, end = sel.get("startPosition") or "", sel.get("endPosition") or ""
            selections.append(_Selection(_guid(sel.get("guid")), source.guid, _int(start), _int(end),
                                         _code_refs(sel), raw=f"{start.strip()}-{end.strip()}",
                                         recorded=sel.get("name") or ""))
        # A coding of the whole source (no selection), as the schema allows.
        whole = _code_refs(element)
        if whole:
            selections.append(_Selection(source.guid, source.guid, 0, None, whole, raw="(the whole source)", whole=True))
    return sources, selections, other


def _code_refs(element: Any) -> list[str]:
    """The code GUIDs of an element's codings, in order."""
    return [_guid(c.get("targetGUID")) for coding in _children(element, "Coding") for c in _children(coding, "CodeRef")]


def _int(value: str) -> int | None:
    """A position as written; None when it is not a whole number (refused where the selection is named)."""
    try:
        return int(value.strip())
    except ValueError:
        return None


def _collect_cases(root: Any, variables: Mapping[str, str], sources: dict[str, _Source],
                   problems: _Problems) -> list[_Case]:
    """Named cases (participants); an unnamed case with one source gives that source variables."""
    cases: list[_Case] = []
    block = _child(root, "Cases")
    for element in (_children(block, "Case") if block is not None else []):
        refs = {_guid(r.get("targetGUID")) for r in _children(element, "SourceRef")}
        picked = {_guid(r.get("targetGUID")) for r in _children(element, "SelectionRef")}
        name = (element.get("name") or "").strip()
        target = sources.get(next(iter(refs))) if not name and len(refs) == 1 and not picked else None
        if target is not None:
            where = f"source '{target.name}' (and its unnamed case)"
            for key, value in _values(element, variables, where, problems).items():
                _put(target.variables, key, value, where, problems)
            continue
        values = _values(element, variables, f"case '{name}'" if name else f"case {element.get('guid')}", problems)
        if not name:
            if not refs or len(refs) > 1 or picked:
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


def _repeated_guids(kind: str, items: Iterable[tuple[str, str]], problems: _Problems) -> None:
    """Refuse a GUID given to two ``kind`` (codes, sources, cases, variables): references to it are ambiguous."""
    named: dict[str, list[str]] = {}
    for guid, name in items:
        if guid:
            named.setdefault(guid, []).append(repr(name))
    for guid, names in named.items():
        if len(names) > 1:
            problems.add(f"GUID {guid}", f"{'two' if len(names) == 2 else len(names)} {kind} share this GUID "
                         f"({_listing(names)})", "export the project again from the tool; a project merged from "
                         "two, or edited by hand, can repeat a GUID")


def _crlf_is_one(origin: str) -> bool:
    """Whether the tool counts a CRLF as one character: ATLAS.ti, and QualCoder (whose text has no CR)."""
    return origin.upper().startswith(("ATLAS", "QUALCODER"))


def _text_positions(source: _Source, origin: str) -> str:
    """The text that selection positions count in (computed once per source).

    ATLAS.ti counts a CRLF as one character; QualCoder keeps LF alone in its own text, so each
    CR of its files (CRLF on Windows, CR CR LF with its MAXQDA option) counts as nothing.
    """
    if source.counted is None:
        text = source.text or ""
        if origin.upper().startswith("QUALCODER"):
            text = text.replace("\r", "")
        elif _crlf_is_one(origin):
            text = text.replace("\r\n", "\n")
        source.counted = text
        found = _ASTRAL.search(text)
        source.first_astral = found.start() if found else None
    return source.counted


def _span_problem(sel: _Selection, length: int) -> str:
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


def _check_span(sel: _Selection, source: _Source, origin: str, problems: _Problems) -> bool:
    """Whether the selection can be read from its source; if not, the refusal is added."""
    text = _text_positions(source, origin)
    if sel.whole:
        sel.end = len(text)
    where = f"source '{source.name}', selection {sel.raw}"
    if source.lost_cr and not _crlf_is_one(origin):
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


def _owner(sel_guids: set[str], source: str, start: int, end: int, ctx: _Context,
           case_spans: dict[str, list[tuple[int, int, _Case]]]) -> list[_Case]:
    """The cases a segment belongs to: those naming its selection or holding its source, else coding its span."""
    named = [c for c in ctx.cases if c.selections & sel_guids or source in c.sources]
    if named:
        return named
    return [c for s, e, c in case_spans.get(source, []) if s <= start and end <= e]


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
        if not _check_span(sel, source, ctx.origin, problems):
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
        owners = _owner(guids, src, start, end, ctx, case_spans)
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
    archive, root, xml_had_cr = _open_project(path)
    with archive:
        origin = (root.get("origin") or "").strip()
        declared = _variables(root)
        source_list, selections, other = _collect_sources(root, declared, problems)
        sources = {s.guid: s for s in source_list}
        cases = _collect_cases(root, declared, sources, problems)
        used = {g for sel in selections for g in sel.codes}
        coded = {sel.source for sel in selections}
        for source in source_list:
            if source.guid in coded:
                _load_text(source, archive, problems, xml_had_cr)
    for name in other:
        problems.add(name, "a coded source that is not text", "code the conversation notes as text sources")
    book = _child(root, "CodeBook")
    their = _codes(_child(book, "Codes") if book is not None else None)
    case_guids = {c.guid for c in cases}
    _check_references(root, their, source_list, cases, selections, problems)
    theme_of, rules = _theme_codes(their, used, _Matcher(labels, dict(mapping or {})), case_guids, problems)
    ctx = _Context(origin, sources, cases, theme_of, {c.guid: c for c in cases})
    participants, participant_places = _participants(cases, variables, required, set(declared.values()) - {""},
                                                     problems)
    segments, segment_places = _segments(selections, ctx, problems)
    problems.raise_if_any()
    recognised = _recognised(root, origin, source_list, coded, cases, segments, rules, their, theme_of, case_guids)
    return ProjectReading(path.name, origin, participants, participant_places, segments, segment_places, recognised)


def _check_references(root: Any, their: list[TheirCode], sources: list[_Source], cases: list[_Case],
                      selections: list[_Selection], problems: _Problems) -> None:
    """Refuse repeated GUIDs, and codings of codes the codebook does not hold (a case coded as a node is one)."""
    block = _child(root, "Variables")
    variables = _children(block, "Variable") if block is not None else []
    _repeated_guids("codes", [(c.guid, c.shown) for c in their], problems)
    _repeated_guids("sources", [(s.guid, s.name) for s in sources], problems)
    _repeated_guids("cases", [(c.guid, c.name) for c in cases], problems)
    _repeated_guids("variables", [(_guid(v.get("guid")), v.get("name") or "") for v in variables], problems)
    known = {c.guid for c in their} | {c.guid for c in cases}
    names = {s.guid: s.name for s in sources}
    for sel in selections:
        for guid in (g for g in sel.codes if g not in known):
            problems.add(f"source '{names[sel.source]}', selection {sel.raw}",
                         f"a coding refers to code {guid or '(no GUID)'}, which is not in the project's codebook",
                         "export the project again from the tool; a project whose codebook and codings come from "
                         "different projects cannot say which code was meant")


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
             + ("; positions count a CRLF as one character (ATLAS.ti)" if origin.upper().startswith("ATLAS") else "")
             + ("; positions count no CR (QualCoder's own text has none)" if origin.upper().startswith("QUALCODER")
                else ""),
             f"{len(cases)} cases, {len(read)} coded text sources, {len(segments)} segments",
             *(f"  {n} source(s): {k}" for k, n in sorted(formats.items())),
             "codes matched: " + (", ".join(f"{n} by {rule}" for rule, n in sorted(rules.items())) or "none"),
             f"consent to quote read from the {' and the '.join(consent_at) or 'nowhere'} variable consent_to_quote"]
    if unused:
        lines.append(f"codes not in the theme codebook and never used (not read): {_listing(unused)}")
    notes = _child(root, "Notes")
    in_notes = sum(1 for _ in notes.iter("{*}Coding")) if notes is not None else 0
    if in_notes:
        lines.append(f"{in_notes} coding(s) in notes (memos), not read: the conversations are the coded sources")
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
        ProjectError: the file is not a readable REFI-QDA codebook or project, or gives two
            codes one GUID.
    """
    path = Path(path)
    fix = "export the codebook from the tool as a REFI-QDA codebook (.qdc)"
    if path.suffix.lower() == ".qdpx":
        archive, root, _ = _open_project(path)
        archive.close()
        book = _child(root, "CodeBook")
        codes = _codes(_child(book, "Codes") if book is not None else None)
    else:
        try:
            if path.stat().st_size > MAX_MEMBER_BYTES:
                raise ProjectError(path.name, [("", f"larger than the {MAX_MEMBER_BYTES >> 20} MB a codebook may hold",
                                                fix)])
            data = path.read_bytes()
        except OSError as exc:
            raise ProjectError(path.name, [("", f"not a readable codebook ({exc.strerror or exc})", fix)]) from exc
        root = _parse_xml(data, path.name, "", fix)
        if _local(root) != "CodeBook":
            raise ProjectError(path.name, [("", f"the root element is {_local(root)!r}, not 'CodeBook'", fix)])
        codes = _codes(_child(root, "Codes"))
    problems = _Problems(path.name)
    _repeated_guids("codes", [(c.guid, c.shown) for c in codes], problems)
    problems.raise_if_any()
    return codes


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
