"""A configuration file's mistake said in one sentence: the file, the line, the problem, the fix.

Purpose
    :class:`ConfigError` is the one message; a schema failure (``fastjsonschema``'s error) is
    turned into words for each rule (an unknown setting with the closest valid name, a wrong
    type, a value out of range ...), and the setting's place in the document is mapped back
    to a line through the nodes PyYAML composes, only when there is an error to report.
    Apart from :mod:`perspectives.config` (parsing, validation, caching), which raises these.

Inputs
    The file, the parsed document and the failure.

Outputs
    :class:`ConfigError`; :func:`error_at` (for a loader's own checks); :func:`schema_error`;
    :func:`display_name` (a file as messages name it).
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastjsonschema
import yaml

# PyYAML's safe loader, libyaml's when installed (ten times faster): config's parser extends it.
BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ConfigError(ValueError):
    """A configuration file that cannot be used as written.

    Attributes:
        file: the file as shown to the user (relative to the project, never absolute).
        line: the 1-based line, or None when no line can be named.
        problem: what is wrong.
        fix: what to write instead.
    """

    def __init__(self, file: str, line: int | None, problem: str, fix: str) -> None:
        self.file, self.line, self.problem, self.fix = file, line, problem, fix
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {problem}. Fix: {fix}")



def display_name(path: Path | str) -> str:
    """A file as messages name it: from the project folder that holds ``params/`` or ``data/``.

    Never an absolute path: messages reach logs and issue trackers.
    """
    p = Path(path)
    for parent in p.parents:
        if parent.name in ("params", "data"):
            return p.relative_to(parent.parent).as_posix()
    return p.name



_TYPE_WORDS = {"integer": "a whole number", "number": "a number", "boolean": "true or false", "string": "text",
               "array": "a list", "object": "a mapping (name: value)", "null": "empty"}


def _shown(value: Any) -> str:
    """A value as the user wrote it, roughly: YAML words for YAML's types."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}" (text)' if len(value) <= 60 else f'"{value[:57]}..." (text)'
    if isinstance(value, float):
        return repr(float(value))
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"{value.isoformat()} (a date, unquoted)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


_ID_KEYS = ("iso3", "id", "code", "phrase", "number", "heading")


def _where(doc: Any, path: Sequence[Any]) -> str:
    """A path in the document as a reader finds it: ``countries[MDA].conversations``."""
    if not path:
        return "the file"
    out, node = "", doc
    for part in path:
        if isinstance(node, list) and isinstance(part, int):
            item = node[part]
            label = next((item[k] for k in _ID_KEYS if isinstance(item, dict) and k in item), None)
            out += f"[{label}]" if isinstance(label, (str, int)) and not isinstance(label, bool) else f"[#{part + 1}]"
        else:
            name = str(part)
            name = name if re.fullmatch(r"[\w-]+", name) else f'"{name}"'
            out += f".{name}" if out else name
        node = node[part] if isinstance(node, (dict, list)) else None
    return out


def _path_of(doc: Any, name: str) -> list[Any]:
    """The document path of a fastjsonschema error name (``data.countries[3].iso3``).

    The name is built by joining keys with ``.``; keys may hold dots themselves (catalogue
    entries are English sentences), so the path is found by matching the document's own keys.
    """
    def walk(node: Any, rest: str) -> list[Any] | None:
        if not rest:
            return []
        if isinstance(node, list):
            m = re.match(r"\[(\d+)\]", rest)
            if m and int(m.group(1)) < len(node):
                tail = walk(node[int(m.group(1))], rest[m.end():])
                return None if tail is None else [int(m.group(1)), *tail]
        if isinstance(node, dict):
            for key in sorted(node, key=lambda k: -len(str(k))):
                if rest.startswith("." + str(key)):
                    tail = walk(node[key], rest[len(str(key)) + 1:])
                    if tail is not None:
                        return [key, *tail]
        return None

    return walk(doc, name[len("data"):]) or []


class _Lines:
    """Lines of a file's keys, from the nodes PyYAML composes (read only when a message needs one)."""

    def __init__(self, path: Path) -> None:
        try:
            with open(path, encoding="utf-8") as fh:
                self.root: yaml.Node | None = yaml.compose(fh, Loader=BASE_LOADER)  # noqa: S506 - composing, safe
        except (OSError, yaml.YAMLError, UnicodeDecodeError):
            self.root = None

    def __call__(self, keys: Sequence[Any]) -> int | None:
        """1-based line of ``keys``: a mapping entry's key line, a list item's first line.

        Falls back to the deepest node found (a key the composed nodes spell differently
        still gets its parent's line).
        """
        node = self.root
        if node is None:
            return None
        line = node.start_mark.line
        for part in keys:
            if isinstance(node, yaml.MappingNode):
                found = next(((k, v) for k, v in node.value if _same_key(k, part)), None)
                if found is None:
                    break
                line, node = found[0].start_mark.line, found[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line
            else:
                break
        return line + 1


def _same_key(node: yaml.Node, key: Any) -> bool:
    """Whether a composed key node spells ``key`` (YAML 1.1 writes true as yes, on...)."""
    text = str(node.value)
    if isinstance(key, bool):
        return text.lower() in (("true", "yes", "on") if key else ("false", "no", "off"))
    return text == str(key)


def error_at(path: Path | str, keys: Sequence[Any], problem: str, fix: str) -> ConfigError:
    """A :class:`ConfigError` for a loader's own check (an unknown code, a cycle), with its line.

    Args:
        path: the file.
        keys: where in the document, as keys and list indexes (``["countries", 3, "iso3"]``).
        problem: what is wrong.
        fix: what to write instead.
    """
    return ConfigError(display_name(path), _Lines(Path(path))(list(keys)), problem, fix)


def _close(name: str, allowed: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.6)
    return found[0] if found else None


@dataclass
class _Failure:
    """One schema failure, as the message writers below see it."""

    where: str  # the place in the document, as a reader finds it
    keys: list[Any]  # the same as keys and indexes
    value: Any
    definition: dict[str, Any]
    lines: _Lines

    @property
    def wanted(self) -> str:
        """What the value must be, in the user's words."""
        return str(self.definition.get("description") or "a value of the documented form")


Message = tuple[str, str, "list[Any] | None"]  # problem, fix, keys whose line to name (None: the failure's)


def _unknown_key(f: _Failure) -> Message:
    allowed = list(f.definition.get("properties") or {})
    extra = [k for k in f.value if k not in allowed]
    key = min(extra, key=lambda k: f.lines([*f.keys, k]) or 0)  # the first in the file
    retired = (f.definition.get("x-retired") or {}).get(key)
    if retired:
        return retired, "remove the key", [*f.keys, key]
    inside = "at the top level" if not f.keys else f"in {f.where}"
    close = _close(str(key), allowed)
    listing = ", ".join(allowed)
    fix = (f"did you mean {close!r}? The settings {inside} are: {listing}" if close
           else f"remove it, or use one of the settings {inside}: {listing}")
    return f"unknown setting {key!r} {inside}", fix, [*f.keys, key]


def _missing_key(f: _Failure) -> Message:
    if isinstance(f.value, dict) and f.definition.get("additionalProperties") is False and any(
            k not in (f.definition.get("properties") or {}) for k in f.value):
        return _unknown_key(f)  # a misspelt name is why the right one is missing: say so
    missing = next(k for k in f.definition.get("required", []) if k not in f.value)
    wanted = (f.definition.get("properties") or {}).get(missing, {}).get("description", "its value")
    return f"{f.where} has no {missing!r}", f"add `{missing}:` with {wanted}", None


def _wrong_type(f: _Failure) -> Message:
    expected = f.definition.get("type")
    types = [expected] if isinstance(expected, str) else list(expected or [])
    words = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
    if f.value is None:
        return f"{f.where} is empty", f"write {f.definition.get('description') or words}", None
    if "integer" in types and isinstance(f.value, float):
        return (f"{f.where} is {float(f.value)!r}, not a whole number",
                f"write {f.definition.get('description') or words}; a number is never rounded for you", None)
    return f"{f.where} is {_shown(f.value)}, not {words}", f"write {f.definition.get('description') or words}", None


def _out_of_range(f: _Failure) -> Message:
    low = "minimum" in f.definition and f.value < f.definition["minimum"]
    limit = f.definition["minimum"] if low else f.definition.get("maximum")
    side = "below the smallest allowed" if low else "above the largest allowed"
    return f"{f.where} is {_shown(f.value)}, {side} ({limit})", f"write {f.wanted}", None


def _not_listed(f: _Failure) -> Message:
    options = ", ".join(str(o) for o in f.definition["enum"])
    return f"{f.where} is {_shown(f.value)}, not one of {options}", f"write one of {options}", None


def _bad_form(f: _Failure) -> Message:
    shown = f.value if isinstance(f.value, list) else _shown(f.value)
    return f"{f.where} is {shown}, not {f.wanted}", f"write {f.wanted}", None


def _bad_name(f: _Failure) -> Message:
    names = f.definition.get("propertyNames", {})
    bad = next((k for k in f.value if not re.search(names.get("pattern", ""), str(k))), next(iter(f.value), ""))
    return (f"{f.where} has the name {str(bad)!r}", f"use {names.get('description', 'another name')}",
            [*f.keys, bad])


def _empty_list(f: _Failure) -> Message:
    return f"{f.where} lists nothing", f"list at least one: {f.wanted}", None


def _twice(f: _Failure) -> Message:
    return f"{f.where} lists a value twice", "list each value once", None


_MESSAGES: dict[str, Callable[[_Failure], Message]] = {
    "additionalProperties": _unknown_key, "required": _missing_key, "type": _wrong_type,
    "minimum": _out_of_range, "maximum": _out_of_range, "enum": _not_listed, "const": _bad_form,
    "pattern": _bad_form, "contains": _bad_form, "items": _bad_form, "maxItems": _bad_form,
    "minLength": _bad_form, "propertyNames": _bad_name, "minItems": _empty_list, "uniqueItems": _twice,
}


def schema_error(path: Path, doc: Any, error: fastjsonschema.JsonSchemaValueException) -> ConfigError:
    """The :class:`ConfigError` for a schema failure: the rule's words, the setting's line."""
    keys = _path_of(doc, error.name or "data")
    definition = error.definition if isinstance(error.definition, dict) else {}
    failure = _Failure(_where(doc, keys), keys, error.value, definition, _Lines(path))
    writer = _MESSAGES.get(str(error.rule), _bad_form)
    problem, fix, at = writer(failure)
    return ConfigError(display_name(path), failure.lines(keys if at is None else at), problem, fix)
