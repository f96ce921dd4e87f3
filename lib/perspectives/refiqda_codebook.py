"""The theme codebook in REFI-QDA: our export (``.qdc``), a tool's codes, and how they differ.

Purpose
    Writes our theme codebook as a REFI-QDA codebook that coders import into NVivo,
    ATLAS.ti, MAXQDA or QualCoder (each theme's code on the last line of its description, a
    GUID derived from the code), reads the codes of a partner's codebook or project, matches
    a tool's code to our theme (declared mapping, GUID, ``Code:`` line, name or label), and
    names how a partner's codebook differs from ours. Kept apart from the reading of a
    project's conversations, which only asks it which theme a code is.

Inputs
    Our codebook (codes, labels, definitions, sections), a ``.qdc`` or ``.qdpx`` path, and the
    REFI schemas of the study folder (``data/refi-qda/``).

Outputs
    :func:`write_codebook`'s bytes, :func:`read_codebook`'s :class:`TheirCode` list,
    :func:`compare_codebook`'s :class:`Difference` list, and :class:`Matcher`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from lxml import etree

from .project import Project, default
from .refiqda_archive import (
    MAX_MEMBER_BYTES,
    Problems,
    ProjectError,
    child_of,
    children_of,
    guid_of,
    local_name,
    open_project,
    parse_xml,
    repeated_guids,
)

__all__ = [
    "CODE_LINE",
    "NS_CODEBOOK",
    "SCHEMA_FILES",
    "Difference",
    "Matcher",
    "TheirCode",
    "code_guid",
    "compare_codebook",
    "read_codebook",
    "schema",
    "their_codes",
    "write_codebook",
]

NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
# REFI's schemas, kept in the study folder (from its root).
SCHEMA_FILES = {"project": "data/refi-qda/Project-mrt2019.xsd", "codebook": "data/refi-qda/Codebook-mrt2019.xsd"}
# Our exported codebook writes each theme's code on the last line of its description, so a
# tool that renames the code or gives it a new GUID (QualCoder does on export) still says it.
CODE_LINE = "Code: "
_CODE_LINE_RE = re.compile(r"(?m)^Code: ([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\s*$")
# Our codes' GUIDs are derived from the code, so two exports of one codebook are the same bytes.
_GUID_NAMESPACE = uuid.UUID("6f0b7c9e-2d4a-5b8e-9c1f-3a7d5e2b4c60")
_TRUE, _FALSE = ("true", "1"), ("false", "0")


def code_guid(code: str) -> str:
    """The GUID our exported codebook gives a theme code (the same for every export)."""
    return str(uuid.uuid5(_GUID_NAMESPACE, f"theme {code}"))


def set_guid(section: str) -> str:
    return str(uuid.uuid5(_GUID_NAMESPACE, f"section {section}"))


def schema(kind: str, project: Project | None = None) -> etree.XMLSchema:
    """The REFI-QDA schema of ``kind`` (``project`` or ``codebook``), as published by REFI.

    Args:
        kind: ``project`` or ``codebook``.
        project: the study folder that keeps the schemas (default: the one around the working directory).
    """
    return etree.XMLSchema(etree.parse(str(default(project).path(SCHEMA_FILES[kind]))))




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


def their_codes(codes_element: Any) -> list[TheirCode]:
    """Every code under a ``Codes`` element, depth first, with its path of names and its parent."""
    out: list[TheirCode] = []

    def walk(element: Any, path: tuple[str, ...], parent: str | None) -> None:
        for node in children_of(element, "Code"):
            name = (node.get("name") or "").strip()
            here = (*path, name)
            description = child_of(node, "Description")
            guid = guid_of(node.get("guid"))
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
class Matcher:
    """Finds our code for a code of theirs, and says by which rule."""

    labels: Mapping[str, str]  # our code -> label
    mapping: Mapping[str, str]  # their name or path -> our code (params/code_mapping.yml)

    def match(self, code: TheirCode) -> tuple[str | None, str]:
        """Our code for ``code`` (None when none) and the rule that found it."""
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



# ------------------------------------------------------------------------------ codebooks

def write_codebook(codebook: _CodebookLike, origin: str = "perspectives", project: Project | None = None) -> bytes:
    """Our theme codebook as a REFI-QDA codebook (``.qdc``), checked against the published schema.

    Each theme is a codable ``Code`` named by its label and nested as in ``data/codebook.yml``,
    with a GUID derived from its code (:func:`code_guid`) and a description holding its
    definition and, on its last line, ``Code: <code>``; each report section is a ``Set`` of
    its themes. Two exports of one codebook are the same bytes. ``project`` keeps the schema
    (default: the study folder around the working directory).

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
        element = etree.SubElement(sets, f"{ns}Set", guid=set_guid(section), name=label)
        etree.SubElement(element, f"{ns}Description").text = f"Themes of the report section '{section}'"
        for code in members:
            etree.SubElement(element, f"{ns}MemberCode", guid=code_guid(code.code))
    if not len(sets):
        root.remove(sets)
    check = schema("codebook", project)
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
        archive, root, _ = open_project(path)
        archive.close()
        book = child_of(root, "CodeBook")
        codes = their_codes(child_of(book, "Codes") if book is not None else None)
    else:
        try:
            if path.stat().st_size > MAX_MEMBER_BYTES:
                raise ProjectError(path.name, [("", f"larger than the {MAX_MEMBER_BYTES >> 20} MB a codebook may hold",
                                                fix)])
            data = path.read_bytes()
        except OSError as exc:
            raise ProjectError(path.name, [("", f"not a readable codebook ({exc.strerror or exc})", fix)]) from exc
        root = parse_xml(data, path.name, "", fix)
        if local_name(root) != "CodeBook":
            raise ProjectError(path.name, [("", f"the root element is {local_name(root)!r}, not 'CodeBook'", fix)])
        codes = their_codes(child_of(root, "Codes"))
    problems = Problems(path.name)
    repeated_guids("codes", [(c.guid, c.shown) for c in codes], problems)
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

    A code of theirs is matched to ours as a project's codes are (:class:`Matcher`). A code
    that is not codable (a folder or category) and matches none of ours is not counted as extra.
    """
    labels = {c: v.label for c, v in ours.codes.items()}
    matcher = Matcher(labels, dict(mapping or {}))
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
