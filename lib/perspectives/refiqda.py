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
    member, or one larger than ``refiqda_archive.MAX_MEMBER_BYTES`` (the members read
    together, than ``MAX_ARCHIVE_BYTES``) is refused before it is inflated, and XML errors
    are reported without the text they stopped in. A GUID given to two codes, sources, cases
    or variables, and a coding of a code the codebook does not hold, are refused.

Inputs
    A ``.qdpx`` or ``.qdc`` path; our codes and labels; ``params/code_mapping.yml``
    (optional); the schemas in ``data/refi-qda/`` (the export checks itself against them).

Outputs
    :class:`ProjectReading` (raw string tables, where each row came from, and what was
    recognised); ``refiqda_codebook`` gives :func:`~perspectives.refiqda_codebook.write_codebook`'s
    bytes and :class:`~perspectives.refiqda_codebook.Difference` lists. Every refusal is a
    :class:`ProjectError` naming the file, the code, case or source, and the fix.

Where the parts live
    This module reads a project's cases, variables, segments and consent; ``refiqda_archive``
    opens the archive and its XML safely; ``refiqda_text`` reads the source texts and places
    the selections in them; ``refiqda_codebook`` writes, reads and compares codebooks and
    matches a tool's code to our theme.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .project import Project, default
from .refiqda_archive import (
    Problems,
    ProjectError,
    child_of,
    children_of,
    guid_of,
    listing,
    local_name,
    open_project,
    repeated_guids,
)
from .refiqda_codebook import Matcher, TheirCode, their_codes
from .refiqda_text import Selection, Source, check_span, excerpt_text, load_text, text_positions

# ProjectError lives in refiqda_archive; it stays a name of this module's public API, the
# refusal read_project and load_code_mapping raise.
__all__ = [
    "CONSENT_VARIABLE",
    "MAPPING_FILE",
    "ProjectError",
    "ProjectReading",
    "load_code_mapping",
    "read_project",
    "variable_key",
]

NS_PROJECT = "urn:QDA-XML:project:1.0"
# The declared mapping of a tool's code names to our codes (from the study folder's root).
MAPPING_FILE = "params/code_mapping.yml"
CONSENT_VARIABLE = "consent_to_quote"
_VALUE_TAGS = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue")


def variable_key(name: str) -> str:
    """A variable's name as our column names write it: lower case, spaces and punctuation as ``_``."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().casefold()).strip("_")


def load_code_mapping(path: Path | str | None = None, codes: Iterable[str] = (), *,
                      project: Project | None = None) -> dict[str, str]:
    """The declared mapping of a tool's code names to our codes (``params/code_mapping.yml``).

    Args:
        path: the mapping file (default: the project's ``params/code_mapping.yml``); a missing
            file maps nothing.
        codes: our codes; a mapping to any other code is refused.
        project: the study folder (default: the one around the working directory).

    Returns:
        Their code's name, or its path of names joined by `` > ``, -> our code.

    Raises:
        ProjectError: the file is not a mapping of names to our codes.
    """
    path = Path(path) if path is not None else default(project).path(MAPPING_FILE)
    if not path.is_file():
        return {}
    raw = _mapping_yaml(path) or {}
    mapping = raw.get("codes", {}) if isinstance(raw, dict) else None
    if not isinstance(mapping, dict):
        raise ProjectError(path.name, [("", "'codes' is not a mapping of names to codes",
                                        "write `codes:` then one `\"their name\": our.code` line per code")])
    unnamed = sorted(repr(k) for k in mapping if not isinstance(k, str) or not k.strip())
    if unnamed:
        raise ProjectError(path.name, [("codes", f"{listing(unnamed)} is not a name (YAML reads yes, no, true, "
                                        "false, null and numbers as such, not as the text written)",
                                        "put each name in quotes: `\"1.10\": our.code`")])
    known = set(codes)
    bad = sorted(f"'{k}' -> '{v}'" for k, v in mapping.items() if not isinstance(v, str) or known and v not in known)
    if bad:
        raise ProjectError(path.name, [("codes", f"mapping to code(s) not in the codebook: {listing(bad)}",
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
class _Case:
    guid: str
    name: str
    variables: dict[str, str]
    sources: set[str]
    selections: set[str]


def _variables(root: Any) -> dict[str, str]:
    """Variable GUID -> our column name for it."""
    block = child_of(root, "Variables")
    return {guid_of(v.get("guid")): variable_key(v.get("name") or "")
            for v in (children_of(block, "Variable") if block is not None else [])}


def _value(variable_value: Any) -> str:
    for tag in _VALUE_TAGS:
        element = child_of(variable_value, tag)
        if element is not None:
            text = (element.text or "").strip()
            return {"true": "yes", "1": "yes", "false": "no", "0": "no"}.get(text, text) \
                if tag == "BooleanValue" else text
    return ""


def _put(values: dict[str, str], name: str, value: str, where: str, problems: Problems) -> None:
    """Set a variable's value; a second, different value for it is refused (which one is meant is not guessed)."""
    if name in values and values[name] != value:
        problems.add(where, f"two different values for the variable '{name}'",
                     "keep one value per variable: remove the repeated value, or rename one of two variables whose "
                     "names read the same once case, spaces and punctuation are set aside, or make a document's "
                     "value and its unnamed case's agree")
        return
    values[name] = value


def _values(element: Any, variables: Mapping[str, str], where: str, problems: Problems) -> dict[str, str]:
    out: dict[str, str] = {}
    for vv in children_of(element, "VariableValue"):
        ref = child_of(vv, "VariableRef")
        name = variables.get(guid_of(ref.get("targetGUID"))) if ref is not None else None
        if name:
            _put(out, name, _value(vv), where, problems)
    return out


def _collect_sources(root: Any, variables: Mapping[str, str],
                     problems: Problems) -> tuple[list[Source], list[Selection], list[str]]:
    """Text sources with their selections (document order); other coded sources are named."""
    sources: list[Source] = []
    selections: list[Selection] = []
    other: list[str] = []
    block = child_of(root, "Sources")
    for element in (list(block) if block is not None else []):
        kind, name = local_name(element), element.get("name") or element.get("guid") or ""
        if kind != "TextSource":
            if any(True for _ in element.iter("{*}Coding")):
                other.append(f"{kind} '{name}'")
            continue
        source = Source(guid_of(element.get("guid")), name, element,
                         variables=_values(element, variables, f"source '{name}'", problems))
        sources.append(source)
        for sel in children_of(element, "PlainTextSelection"):
            start, end = sel.get("startPosition") or "", sel.get("endPosition") or ""
            selections.append(Selection(guid_of(sel.get("guid")), source.guid, _int(start), _int(end),
                                         _code_refs(sel), raw=f"{start.strip()}-{end.strip()}",
                                         recorded=sel.get("name") or ""))
        # A coding of the whole source (no selection), as the schema allows.
        whole = _code_refs(element)
        if whole:
            selections.append(Selection(source.guid, source.guid, 0, None, whole, raw="(the whole source)", whole=True))
    return sources, selections, other


def _code_refs(element: Any) -> list[str]:
    """The code GUIDs of an element's codings, in order."""
    return [guid_of(c.get("targetGUID")) for coding in children_of(element, "Coding") for c in children_of(coding, "CodeRef")]


def _int(value: str) -> int | None:
    """A position as written; None when it is not a whole number (refused where the selection is named)."""
    try:
        return int(value.strip())
    except ValueError:
        return None


def _collect_cases(root: Any, variables: Mapping[str, str], sources: dict[str, Source],
                   problems: Problems) -> list[_Case]:
    """Named cases (participants); an unnamed case with one source gives that source variables."""
    cases: list[_Case] = []
    block = child_of(root, "Cases")
    for element in (children_of(block, "Case") if block is not None else []):
        refs = {guid_of(r.get("targetGUID")) for r in children_of(element, "SourceRef")}
        picked = {guid_of(r.get("targetGUID")) for r in children_of(element, "SelectionRef")}
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
        cases.append(_Case(guid_of(element.get("guid")), name, values, refs, picked))
    names = [c.name for c in cases]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        problems.add(f"case(s) {listing([repr(n) for n in twice])}", "the same case name is used twice",
                     "give each participant one case")
    return cases


@dataclass
class _Context:
    """What resolving the segments of a project needs."""

    origin: str
    sources: dict[str, Source]
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


def _consent(case: _Case, source: Source, problems: Problems) -> str:
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


def _segments(selections: list[Selection], ctx: _Context,
              problems: Problems) -> tuple[pd.DataFrame, list[str]]:
    """One row per segment (source, start, end), in document order."""
    case_spans: dict[str, list[tuple[int, int, _Case]]] = {}
    grouped: dict[tuple[str, int, int], tuple[list[str], set[str]]] = {}
    order = {guid: i for i, guid in enumerate(ctx.sources)}
    for sel in selections:
        source = ctx.sources[sel.source]
        if source.text is None or not any(g in ctx.theme_of or g in ctx.case_codes for g in sel.codes):
            continue
        if not check_span(sel, source, ctx.origin, problems):
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
                         f"the segment belongs to {len(owners)} cases ({listing([o.name for o in owners])})",
                         "put each coded source (or selection) in exactly one participant's case")
            continue
        case = owners[0]
        rows.append({"participant_id": case.name, "themes": ";".join(codes),
                     "consent_to_quote": _consent(case, source, problems),
                     "excerpt": excerpt_text(text_positions(source, ctx.origin)[start:end])})
        places.append(where)
    frame = pd.DataFrame(rows, columns=["participant_id", "themes", "consent_to_quote", "excerpt"], dtype=str)
    return frame, places


def _theme_codes(their: list[TheirCode], used: set[str], matcher: Matcher, cases: set[str],
                 problems: Problems) -> tuple[dict[str, str], dict[str, int]]:
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
                  problems: Problems) -> tuple[pd.DataFrame, list[str]]:
    missing = [v for v in variables if v not in declared]
    if missing:
        problems.add("variables", f"the project has no case variable(s) {listing(missing)}",
                     f"add case variables named {', '.join(variables)} (upper case and spaces for '_' are read too)")
    for variable in (v for v in required if v in declared):
        empty = [c.name for c in cases if not c.variables.get(variable, "").strip()]
        if empty:
            problems.add(f"case(s) {listing([repr(n) for n in empty])}", f"no value for the case variable '{variable}'",
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
    problems = Problems(path.name)
    archive, root, xml_had_cr = open_project(path)
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
                load_text(source, archive, problems, xml_had_cr)
    for name in other:
        problems.add(name, "a coded source that is not text", "code the conversation notes as text sources")
    book = child_of(root, "CodeBook")
    their = their_codes(child_of(book, "Codes") if book is not None else None)
    case_guids = {c.guid for c in cases}
    _check_references(root, their, source_list, cases, selections, problems)
    theme_of, rules = _theme_codes(their, used, Matcher(labels, dict(mapping or {})), case_guids, problems)
    ctx = _Context(origin, sources, cases, theme_of, {c.guid: c for c in cases})
    participants, participant_places = _participants(cases, variables, required, set(declared.values()) - {""},
                                                     problems)
    segments, segment_places = _segments(selections, ctx, problems)
    problems.raise_if_any()
    recognised = _recognised(root, origin, source_list, coded, cases, segments, rules, their, theme_of, case_guids)
    return ProjectReading(path.name, origin, participants, participant_places, segments, segment_places, recognised)


def _check_references(root: Any, their: list[TheirCode], sources: list[Source], cases: list[_Case],
                      selections: list[Selection], problems: Problems) -> None:
    """Refuse repeated GUIDs, and codings of codes the codebook does not hold (a case coded as a node is one)."""
    block = child_of(root, "Variables")
    variables = children_of(block, "Variable") if block is not None else []
    repeated_guids("codes", [(c.guid, c.shown) for c in their], problems)
    repeated_guids("sources", [(s.guid, s.name) for s in sources], problems)
    repeated_guids("cases", [(c.guid, c.name) for c in cases], problems)
    repeated_guids("variables", [(guid_of(v.get("guid")), v.get("name") or "") for v in variables], problems)
    known = {c.guid for c in their} | {c.guid for c in cases}
    names = {s.guid: s.name for s in sources}
    for sel in selections:
        for guid in (g for g in sel.codes if g not in known):
            problems.add(f"source '{names[sel.source]}', selection {sel.raw}",
                         f"a coding refers to code {guid or '(no GUID)'}, which is not in the project's codebook",
                         "export the project again from the tool; a project whose codebook and codings come from "
                         "different projects cannot say which code was meant")


def _recognised(root: Any, origin: str, sources: list[Source], coded: set[str], cases: list[_Case],
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
        lines.append(f"codes not in the theme codebook and never used (not read): {listing(unused)}")
    notes = child_of(root, "Notes")
    in_notes = sum(1 for _ in notes.iter("{*}Coding")) if notes is not None else 0
    if in_notes:
        lines.append(f"{in_notes} coding(s) in notes (memos), not read: the conversations are the coded sources")
    return lines
