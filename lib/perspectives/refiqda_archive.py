"""Opening a REFI-QDA file safely: the zip, its XML, and the refusals that name what to fix.

Purpose
    What :mod:`perspectives.refiqda` does before it reads anything a project says: a
    ``.qdpx`` archive opened member by member within size limits (a zip bomb, a member named
    twice, a symbolic link or a corrupt member refused before it is inflated), XML parsed
    without DTDs, entities, XInclude or the network, and the refusals of one file collected
    into one :class:`ProjectError`. Kept apart because it is the boundary with files from
    outside, which the codebook reader shares with the project reader.

Inputs
    A ``.qdpx`` or ``.qdc`` path, or the bytes of an XML member.

Outputs
    :class:`Archive`, :func:`open_project`, :func:`parse_xml` and the element helpers
    (:func:`local_name`, :func:`children_of`, :func:`child_of`, :func:`guid_of`); :class:`Problems` and
    :class:`ProjectError`.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from lxml import etree

from .rawtable_archives import MAX_ZIP_DIRECTORY, zip_directory_bytes

__all__ = [
    "MAX_ARCHIVE_BYTES",
    "MAX_MEMBER_BYTES",
    "Archive",
    "Problems",
    "ProjectError",
    "Unreadable",
    "child_of",
    "children_of",
    "guid_of",
    "listing",
    "local_name",
    "open_project",
    "parse_xml",
    "repeated_guids",
]

_SHOWN = 10
# What one member of a project (project.qde, a source text) and all the members read may hold,
# inflated: a zip bomb is refused by the sizes its archive declares (zipfile never inflates a
# member past its declared size), before anything is inflated.
MAX_MEMBER_BYTES = 256 << 20
MAX_ARCHIVE_BYTES = 1 << 30


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


def listing(items: Sequence[str]) -> str:
    """The first items joined by commas, and how many more there are."""
    shown = ", ".join(items[:_SHOWN])
    return shown + (f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


def _parser() -> etree.XMLParser:
    # No entity expansion, no DTD, no network: a project is data from outside (and a DTD is refused).
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           remove_comments=True, remove_pis=True, huge_tree=False)


def parse_xml(data: bytes, file: str, where: str, fix: str) -> Any:
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


def local_name(element: Any) -> str:
    """An element's tag without its namespace ("" for a comment or processing instruction)."""
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def children_of(element: Any, name: str) -> list[Any]:
    """Child elements by local name: tools write the namespace in more than one version."""
    return [child for child in element if local_name(child) == name]


def child_of(element: Any, name: str) -> Any | None:
    """The first child element of that local name, or None."""
    found = children_of(element, name)
    return found[0] if found else None


def guid_of(value: str | None) -> str:
    """GUIDs compare case-blind and with or without braces (MAXQDA writes upper case)."""
    return (value or "").strip().strip("{}").lower()


class Problems:
    """Collects refusals so that one message lists them all, each once with how many times it occurs."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: dict[tuple[str, str, str], int] = {}

    def add(self, where: str, problem: str, fix: str) -> None:
        """Note one refusal (counted when it recurs)."""
        key = (where, problem, fix)
        self.items[key] = self.items.get(key, 0) + 1

    def raise_if_any(self) -> None:
        """Raise every refusal noted so far as one :class:`ProjectError`."""
        if self.items:
            raise ProjectError(self.file, [(where, f"{problem} ({n} segments)" if n > 1 else problem, fix)
                                           for (where, problem, fix), n in self.items.items()])


class Unreadable(Exception):  # noqa: N818 - a reason, caught where the member is named
    """A member of a project's archive that cannot be read; ``args`` are ``(problem, fix)``."""


class Archive:
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
            raise ProjectError(path.name, [(f"member(s) {listing(twice)}", "the archive holds a member under the same "
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

    def __enter__(self) -> Archive:
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
        except Unreadable as exc:
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
        """A member's bytes; raises :class:`Unreadable` for a link, a corrupt or too large member."""
        info = self.infos[name]
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise Unreadable("is a symbolic link, not a file", "export the project again from the tool")
        if info.file_size > MAX_MEMBER_BYTES or self.read_bytes + info.file_size > MAX_ARCHIVE_BYTES:
            raise Unreadable(f"is larger than the {MAX_MEMBER_BYTES >> 20} MB a member may hold (or the members "
                              f"together, than {MAX_ARCHIVE_BYTES >> 20} MB), inflated",
                              "split the project, or export it again if it is not that large in the tool")
        self.read_bytes += info.file_size
        try:
            return self.zip.read(info)
        except (NotImplementedError, RuntimeError) as exc:  # zipfile's words for a password, or Deflate64
            raise Unreadable("is encrypted, or compressed by a method this reader does not know",
                              "export the project again from the tool, and do not zip it again yourself") from exc
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error) as exc:
            raise Unreadable("cannot be read from the archive: its compressed data is damaged",
                              "export the project again from the tool") from exc


def open_project(path: Path) -> tuple[Archive, Any, bool]:
    """The archive, the parsed ``project.qde``, and whether its bytes hold a CR (a literal one, not ``&#13;``)."""
    archive = Archive(path)
    try:
        name, data = archive.project()
        root = parse_xml(data, path.name, name, "export the project again from the tool")
        if local_name(root) != "Project":
            raise ProjectError(path.name, [(name, f"the root element is {local_name(root)!r}, not 'Project'",
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

def repeated_guids(kind: str, items: Iterable[tuple[str, str]], problems: Problems) -> None:
    """Refuse a GUID given to two ``kind`` (codes, sources, cases, variables): references to it are ambiguous."""
    named: dict[str, list[str]] = {}
    for guid, name in items:
        if guid:
            named.setdefault(guid, []).append(repr(name))
    for guid, names in named.items():
        if len(names) > 1:
            problems.add(f"GUID {guid}", f"{'two' if len(names) == 2 else len(names)} {kind} share this GUID "
                         f"({listing(names)})", "export the project again from the tool; a project merged from "
                         "two, or edited by hand, can repeat a GUID")
