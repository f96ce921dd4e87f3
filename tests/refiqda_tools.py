"""Write REFI-QDA projects the way coding tools write them, by hand, for the tests.

Not the library's code: each project is written as text, element by element, copying what
the tools' exports look like (QualCoder's export code in ``qualcoder/refi.py``; ATLAS.ti and
MAXQDA exports as they appear in public repositories; the NVivo for Mac sample project in
cproctor/qualitative-coding). Every ``project.qde`` is validated against the REFI-QDA schema
before the test uses it.

- ``qualcoder``: lower-case GUIDs; codes named by our labels and nested; one coding per
  selection, named by the text it selects (QualCoder writes ``name="{seltext}"``); one source
  per segment, its consent a variable of the source (a file attribute); ``sources/<guid>.txt``
  in UTF-8 with a byte-order mark and LF line ends (CRLF, or CR CR LF, when QualCoder runs on
  Windows or its "line ending for MAXQDA" option is on: positions still count QualCoder's own
  text, where a line ends with LF alone); numbers as ``FloatValue``; case variables named as a
  person types them ("Age at conversation").
- ``atlasti``: upper-case GUIDs; codes named by the last word of our code, nested under their
  parent; several codings in one selection; one source per participant holding all their
  segments, CRLF line ends without a byte-order mark, positions counting a CRLF as one
  character; consent a Boolean case variable; ages as ``IntegerValue``.
- options for the rest: text inline (``PlainTextContent``), a ``Sources/`` folder, UTF-16,
  MAXQDA's unnamed case carrying a document's variables, NVivo's cases coded as nodes.
"""

from __future__ import annotations

import html
import io
import uuid
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
XSD = {"project": ROOT / "data" / "refi-qda" / "Project-mrt2019.xsd",
       "codebook": ROOT / "data" / "refi-qda" / "Codebook-mrt2019.xsd"}
_NS = uuid.UUID("1b2e3c4d-0000-4000-8000-00000000abcd")

VARIABLE_NAMES = {  # our column -> how the person coding named the variable
    "country": "Country", "gender": "Gender", "age_at_conversation": "Age at conversation",
    "age_first_targeted": "Age first targeted", "support_received": "Support received",
    "conversation_mode": "Conversation mode", "consent_to_quote": "consent_to_quote",
}
NUMERIC = ("age_at_conversation", "age_first_targeted")


def validate(kind: str, data: bytes) -> None:
    """Raise AssertionError unless ``data`` validates against the REFI-QDA schema of ``kind``."""
    schema = etree.XMLSchema(etree.parse(str(XSD[kind])))
    doc = etree.fromstring(data)
    assert schema.validate(doc), f"{kind} does not validate: {schema.error_log}"


def e(text: object) -> str:
    return html.escape(str(text), quote=True)


@dataclass
class Style:
    """How one tool writes a project."""

    origin: str
    upper: bool = False  # GUIDs in upper case
    code_name: str = "label"  # label | last (last word of our code, nested) | code
    per_segment_sources: bool = True  # one source per segment, else one per participant
    consent_on: str = "source"  # source | case | carrier (MAXQDA: an unnamed case per document)
    one_coding_per_selection: bool = True
    encoding: str = "utf-8-sig"  # utf-8 | utf-8-sig | utf-16
    newline: str = "\n"
    crlf_counts_one: bool = False  # ATLAS.ti's positions
    inline: Callable[[int], bool] = field(default=lambda i: False)  # which sources are inline
    sources_folder: str = "sources"
    number_tag: str = "FloatValue"
    boolean_consent: bool = False
    cases_as_codes: bool = False  # NVivo: each case also a node coding its sources
    selection_name: str = ""  # "" | text (QualCoder: the selected text) | span (ATLAS.ti: "start-end")
    file_newline: str | None = None  # line ends written to the files, when not those positions count


QUALCODER = Style(origin="QualCoder 3.6", selection_name="text")
ATLASTI = Style(origin="ATLAS.ti Windows 23.4.0", upper=True, code_name="last", per_segment_sources=False,
                consent_on="case", one_coding_per_selection=False, encoding="utf-8", newline="\r\n",
                crlf_counts_one=True, number_tag="IntegerValue", boolean_consent=True, selection_name="span")


class Guids:
    def __init__(self, upper: bool) -> None:
        self.upper = upper

    def __call__(self, *key: object) -> str:
        g = str(uuid.uuid5(_NS, "|".join(map(str, key))))
        return g.upper() if self.upper else g


def _codes_xml(codebook: Mapping[str, tuple[str, str | None]], style: Style, guid: Guids) -> str:
    children: dict[str | None, list[str]] = {}
    for code, (_, parent) in codebook.items():
        children.setdefault(parent, []).append(code)

    def name(code: str) -> str:
        label = codebook[code][0]
        return {"label": label, "last": code.rsplit(".", 1)[-1], "code": code}[style.code_name]

    def walk(code: str, depth: int) -> str:
        pad = " " * depth
        kids = children.get(code, [])
        head = f'{pad}<Code guid="{guid("code", code)}" name="{e(name(code))}" isCodable="true" color="#4a7ab5"'
        if not kids:
            return head + " />\n"
        return head + ">\n" + "".join(walk(k, depth + 1) for k in kids) + f"{pad}</Code>\n"

    return "<CodeBook>\n<Codes>\n" + "".join(walk(c, 1) for c in children.get(None, [])) + "</Codes>\n</CodeBook>\n"


def _value_xml(style: Style, column: str, value: str, guid: Guids) -> str:
    ref = f'<VariableRef targetGUID="{guid("variable", column)}" />'
    if column in NUMERIC:
        tag = style.number_tag
    elif column == "consent_to_quote" and style.boolean_consent:
        value, tag = ("true" if value == "yes" else "false"), "BooleanValue"
    else:
        tag = "TextValue"
    return f"<VariableValue>\n{ref}\n<{tag}>{e(value)}</{tag}>\n</VariableValue>\n"


@dataclass
class _Src:
    guid: str
    file_guid: str
    name: str
    participant: str
    text: str  # the text as stored (newlines as the tool writes them)
    selections: list[tuple[int, int, list[str]]]
    excerpts: list[str]  # the text each selection selects
    consent: str | None


def _sources(conversations: pd.DataFrame, style: Style, guid: Guids) -> list[_Src]:
    out: list[_Src] = []
    nl = style.newline
    groups = ([[i] for i in conversations.index] if style.per_segment_sources
              else [list(g.index) for _, g in conversations.groupby("participant_id", sort=False)])
    for n, rows in enumerate(groups):
        pid = conversations.loc[rows[0], "participant_id"]
        text = f"Conversation notes{nl}Participant {pid}{nl}{nl}"
        selections, excerpts = [], []
        for i in rows:
            excerpt = conversations.loc[i, "excerpt"]
            count_from = text.replace("\r\n", "\n") if style.crlf_counts_one else text
            start = len(count_from)
            selections.append((start, start + len(excerpt), conversations.loc[i, "themes"].split(";")))
            excerpts.append(excerpt)
            text += excerpt + nl
        text += f"{nl}End of notes{nl}"
        consent = conversations.loc[rows[0], "consent_to_quote"] if style.per_segment_sources else None
        name = f"{pid} segment {n + 1:03d}" if style.per_segment_sources else f"{pid} notes"
        out.append(_Src(guid("source", n), guid("plain", n), name, pid, text, selections, excerpts, consent))
    return out


def _source_xml(src: _Src, style: Style, guid: Guids, user: str, inline: bool) -> str:
    path = "" if inline else f'plainTextPath="internal://{src.file_guid}.txt" '
    xml = (f'<TextSource {path}creatingUser="{user}" creationDateTime="2024-05-02T10:00:00Z" '
           f'guid="{src.guid}" name="{e(src.name)}">\n')
    if inline:
        xml += f"<PlainTextContent>{e(src.text)}</PlainTextContent>\n"
    for k, (start, end, codes) in enumerate(src.selections):
        selected = src.excerpts[k] if k < len(src.excerpts) else ""
        name = {"": "", "text": e(selected), "span": f"{start}-{end}"}[style.selection_name]
        if style.one_coding_per_selection:
            for code in codes:
                xml += (f'<PlainTextSelection guid="{guid("sel", src.guid, k, code)}" startPosition="{start}" '
                        f'endPosition="{end}" name="{name}" creatingUser="{user}" creationDateTime="2024-05-02T10:05:00Z">\n'
                        f'<Coding guid="{guid("coding", src.guid, k, code)}" creatingUser="{user}" >\n'
                        f'<CodeRef targetGUID="{guid("code", code)}" />\n</Coding>\n</PlainTextSelection>\n')
        else:
            codings = "".join(f' <Coding creatingUser="{user}" guid="{guid("coding", src.guid, k, code)}">\n'
                              f'  <CodeRef targetGUID="{guid("code", code)}"/>\n </Coding>\n' for code in codes)
            xml += (f'<PlainTextSelection endPosition="{end}" name="{name}" creatingUser="{user}" '
                    f'startPosition="{start}" guid="{guid("sel", src.guid, k)}">\n{codings}</PlainTextSelection>\n')
    if style.consent_on == "source" and src.consent is not None:
        xml += _value_xml(style, "consent_to_quote", src.consent, guid)
    return xml + "</TextSource>\n"


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-16":
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode(encoding)


def write_project(conversations: pd.DataFrame, participants: pd.DataFrame,
                  codebook: Mapping[str, tuple[str, str | None]], style: Style, path: Path,
                  case_consent: Mapping[str, str] | None = None, drop_variable_values: Sequence[tuple[str, str]] = (),
                  edit_qde: Callable[[str], str] | None = None) -> Path:
    """Write ``conversations`` (the CSV's columns) and ``participants`` as ``style``'s tool would.

    ``case_consent`` gives each participant's consent when the style keeps it on the case;
    ``drop_variable_values`` leaves (participant, column) values out; ``edit_qde`` changes the
    XML text before it is zipped (to make a broken project); the result is validated first
    unless edited.
    """
    guid = Guids(style.upper)
    user = guid("user", "coder")
    sources = _sources(conversations, style, guid)
    columns = [c for c in VARIABLE_NAMES if c != "consent_to_quote" or style.consent_on != "none"]
    variables = "".join(
        f'<Variable guid="{guid("variable", c)}" name="{VARIABLE_NAMES[c]}" '
        f'typeOfVariable="{("Float" if style.number_tag == "FloatValue" else "Integer") if c in NUMERIC else ("Boolean" if c == "consent_to_quote" and style.boolean_consent else "Text")}">\n'
        f"<Description />\n</Variable>\n" for c in columns)
    cases = ""
    for _, person in participants.iterrows():
        pid = person["participant_id"]
        values = "".join(_value_xml(style, c, person[c], guid) for c in VARIABLE_NAMES
                         if c in person.index and (pid, c) not in drop_variable_values)
        if style.consent_on == "case" and case_consent and pid in case_consent \
                and (pid, "consent_to_quote") not in drop_variable_values:
            values += _value_xml(style, "consent_to_quote", case_consent[pid], guid)
        refs = "" if style.cases_as_codes else "".join(
            f'<SourceRef targetGUID="{s.guid}"/>\n' for s in sources if s.participant == pid)
        cases += f'<Case guid="{guid("case", pid)}" name="{e(pid)}">\n<Description />\n{values}{refs}</Case>\n'
    if style.consent_on == "carrier":
        for s in sources:
            if s.consent is not None:
                cases += (f'<Case guid="{guid("carrier", s.guid)}">\n'
                          f'{_value_xml(style, "consent_to_quote", s.consent, guid)}'
                          f'<SourceRef targetGUID="{s.guid}"/>\n</Case>\n')
    codes = _codes_xml(codebook, style, guid)
    if style.cases_as_codes:
        # NVivo: each case is also a node (same GUID), coding the whole of each of its sources.
        nodes = "".join(f'<Code guid="{guid("case", pid)}" name="{e(pid)}" isCodable="true" />\n'
                        for pid in participants["participant_id"])
        codes = codes.replace("</Codes>", nodes + "</Codes>")
        for s in sources:
            s.selections.append((0, len(s.text), [f"@case:{s.participant}"]))
    src_xml = "".join(_source_xml(s, style, guid, user, style.inline(i)) for i, s in enumerate(sources))
    if style.cases_as_codes:
        for pid in participants["participant_id"]:
            src_xml = src_xml.replace(f'targetGUID="{guid("code", "@case:" + pid)}"', f'targetGUID="{guid("case", pid)}"')
    qde = ('<?xml version="1.0" encoding="utf-8"?>\n'
           '<Project xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           f'name="Conversations" origin="{e(style.origin)}" creatingUserGUID="{user}" '
           'creationDateTime="2024-05-02T09:00:00Z" xmlns="urn:QDA-XML:project:1.0">\n'
           f'<Users>\n<User guid="{user}" name="coder" />\n</Users>\n{codes}'
           f"<Variables>\n{variables}</Variables>\n<Cases>\n{cases}</Cases>\n<Sources>\n{src_xml}</Sources>\n"
           "<Description>Conversation notes (synthetic)</Description>\n</Project>")
    if edit_qde is not None:
        qde = edit_qde(qde)
    else:
        validate("project", qde.encode("utf-8"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", qde.encode("utf-8"))
        for i, s in enumerate(sources):
            if not style.inline(i):
                text = s.text if style.file_newline is None else s.text.replace(style.newline, style.file_newline)
                z.writestr(f"{style.sources_folder}/{s.file_guid}.txt", _encode(text, style.encoding))
    path.write_bytes(buffer.getvalue())
    return path


def rewrite_members(source: Path, dest: Path, change: Callable[[dict[str, bytes]], dict[str, bytes]]) -> Path:
    """Copy a project with its members (name -> bytes) changed by ``change`` (to make a broken archive)."""
    with zipfile.ZipFile(source) as zin:
        members = {item.filename: zin.read(item.filename) for item in zin.infolist()}
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in change(members).items():
            zout.writestr(name, data)
    return dest


def codebook_tree(codebook) -> dict[str, tuple[str, str | None]]:
    """Our codebook as code -> (label, parent), in file order."""
    return {code: (spec.label, spec.parent) for code, spec in codebook.codes.items()}


def rewrite_origin(source: Path, dest: Path, origin: str) -> Path:
    """Copy a project, its bytes untouched but for the tool named in ``origin``."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "project.qde":
                root = etree.fromstring(data)
                root.set("origin", origin)
                data = etree.tostring(root, xml_declaration=True, encoding="utf-8")
                validate("project", data)
            zout.writestr(item.filename, data)
    return dest
