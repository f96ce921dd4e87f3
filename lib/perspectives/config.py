"""Every configuration file, checked where it is read: YAML syntax, types and names.

Purpose
    The study is steered by YAML files (``params/*.yml``, ``params/i18n/*.yml``,
    ``data/*.yml``). A mistake in one of them must stop the command that reads it with one
    sentence naming the file, the line and the fix, never a traceback and never a silent
    reading: a threshold of ``4.9`` is refused, not rounded; ``conversations: "maybe"`` is
    refused, not taken as true; a misspelt setting is refused with the closest valid name,
    not ignored; a key written twice is refused, not overwritten.

    Each file kind has a JSON Schema (draft 7, :mod:`perspectives.config_schemas`),
    validated with ``fastjsonschema`` (compiled once per process; importing it costs
    milliseconds, where ``jsonschema`` costs a second on the 2-core machine). JSON Schema
    calls ``5.0`` an integer: here a setting that must be a whole number is written as one.
    The error's place in the document is mapped back to a line through the nodes PyYAML
    composes (their ``start_mark``), only when there is an error to report
    (:mod:`perspectives.config_messages`).

Inputs
    A file path and, optionally, its kind (one of :data:`SCHEMAS`); otherwise the kind
    follows from the file's name (:func:`kind_of`).

Outputs
    :func:`load` (the parsed, validated document, cached per version of the file),
    :func:`check_all` (every configuration file of a project, before anything runs),
    :func:`error_at` (a :class:`ConfigError` for a loader's own check, with its line) and
    :class:`ConfigError`, a ``ValueError`` whose text is the one message.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fastjsonschema
import yaml

# ConfigError, display_name, error_at, RELATION_KINDS and SCHEMAS are this module's public API
# (``__all__``), kept where callers have always found them.
from .config_messages import BASE_LOADER, ConfigError, display_name, error_at, schema_error
from .config_schemas import CATALOGUES, FILES, RELATION_KINDS, SCHEMAS

__all__ = [
    "RELATION_KINDS",
    "SCHEMAS",
    "ConfigError",
    "check_all",
    "display_name",
    "error_at",
    "kind_of",
    "load",
    "load_files",
]


def kind_of(path: Path | str) -> str | None:
    """The kind of a configuration file from its name (``study.yml`` -> ``study``); None if unknown.

    A file of an ``i18n`` folder is a catalogue. Loaders that know what they read pass the
    kind to :func:`load` instead (a test's ``grid_after.yml`` is a grid).
    """
    p = Path(path)
    if p.parent.name == "i18n" and p.suffix == ".yml":
        return "catalogue"
    return next((kind for rel, kind in FILES.items() if Path(rel).name == p.name), None)



# ----------------------------------------------------------------------------- parsing


class _Loader(BASE_LOADER):  # type: ignore[misc,valid-type]
    """PyYAML's safe loader, refusing a key written twice in one mapping (PyYAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node.start_mark.line)
            except TypeError:
                continue  # an unhashable key: the base constructor says why
            if first != key_node.start_mark.line:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is written twice (first on line {first + 1})", key_node.start_mark)
        return super().construct_mapping(node, deep)


# Plain scalars read as YAML 1.2's core schema reads them, not as YAML 1.1 (PyYAML's default):
# there `010` is 8 (octal), `1_0` is 10, `1:30` is 90 (base 60), and yes, no, on, off, y and n
# are booleans, each a number or a flag other than the one written. Here only `true`/`false`
# are booleans and a whole number is decimal (`010` is ten), or 0x/0o; anything else is text,
# which the schema then refuses where a number or a flag is expected, naming it as written.
_CORE_SCHEMA = (
    ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
    ("tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+)$"), "-+0123456789"),
    ("tag:yaml.org,2002:float", re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                                           r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"), "-+.0123456789"),
)
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for first, resolvers in BASE_LOADER.yaml_implicit_resolvers.items()
}
for _tag, _regexp, _first in _CORE_SCHEMA:
    _Loader.add_implicit_resolver(_tag, _regexp, list(_first))


def _core_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    """A whole number as YAML 1.2 reads it: decimal whatever its leading zeros, or 0x, 0o."""
    text = str(loader.construct_scalar(node))
    base = {"0x": 16, "0o": 8}.get(text[:2].lower(), 10)
    try:
        return int(text[2:] if base != 10 else text, base)
    except ValueError:  # an explicit !!int tag on what is not a whole number
        raise yaml.constructor.ConstructorError(None, None, f"{text!r} is not a whole number",
                                                node.start_mark) from None


_Loader.add_constructor("tag:yaml.org,2002:int", _core_int)

_SYNTAX_FIXES = (
    ("written twice", "keep one of the two"),
    ("mapping values are not allowed", "put the value in quotes when it holds ': ', and check the indentation"),
    ("cannot start any token", "indent with spaces, not tabs, and quote a value that starts with @ or `"),
    ("could not find expected ':'", "write each setting as `name: value`"),
    ("expected <block end>", "start the items of one list or mapping in the same column"),
    ("found undefined alias", "quote a value that starts with *"),
    ("found unknown escape character", "use single quotes around text holding a backslash"),
    ("while scanning a quoted scalar", "close the quotes"),
)


def _syntax_error(path: Path, error: yaml.YAMLError) -> ConfigError:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    context = getattr(error, "context", None)
    text = f"{problem} ({context})" if context and "written twice" not in str(problem) else str(problem)
    fix = next((f for needle, f in _SYNTAX_FIXES if needle in str(error)),
               "correct the YAML on that line (indentation with spaces, quotes, `name: value`)")
    column = f", column {mark.column + 1}" if mark is not None else ""
    return ConfigError(display_name(path), mark.line + 1 if mark is not None else None,
                       f"not valid YAML{column}: {text}", fix)


# How large and how deep a configuration file may be once its aliases are written out. The
# largest file of the project (a catalogue) holds some ten thousand values, six levels deep; an
# alias that repeats an alias ("billion laughs") grows tenfold a line, and a document nested a
# thousand levels deep stops Python's recursion.
MAX_VALUES = 200_000
MAX_DEPTH = 64


def _parse(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.load(fh, Loader=_Loader)  # noqa: S506 - a safe loader
    except UnicodeDecodeError as error:
        raise ConfigError(display_name(path), None, f"not UTF-8 text ({error.reason})",
                          "save the file as UTF-8") from None
    except yaml.YAMLError as error:
        raise _syntax_error(path, error) from None
    _check_extent(path, doc)
    return doc


def _check_extent(path: Path, doc: Any) -> None:
    """Refuse a document that is too large once its aliases are expanded, or too deep.

    PyYAML shares an aliased value rather than copying it, so an alias bomb loads at once;
    every reader after it (validation, a deep copy, a loop over it) would walk the expanded
    document. The walk here stops as soon as a limit is passed.

    Raises:
        ConfigError: more than :data:`MAX_VALUES` values or more than :data:`MAX_DEPTH` levels.
    """
    pending: list[tuple[Any, int]] = [(doc, 1)]
    seen = 0
    while pending:
        node, depth = pending.pop()
        seen += 1
        if seen > MAX_VALUES:
            raise ConfigError(display_name(path), None,
                              f"the file holds more than {MAX_VALUES:,} values once its aliases (*name) are written "
                              "out", "write the values out without anchors and aliases (&name, *name), or use fewer")
        if depth > MAX_DEPTH:
            raise ConfigError(display_name(path), None, f"the file nests lists or mappings more than {MAX_DEPTH} "
                              "levels deep", "write the settings as the file's comments show, a few levels deep")
        if isinstance(node, dict):
            pending.extend((value, depth + 1) for value in node.values())
        elif isinstance(node, list):
            pending.extend((value, depth + 1) for value in node)


# ----------------------------------------------------------------------------- validation
@functools.cache
def _validator(kind: str) -> Callable[[Any], Any]:
    return fastjsonschema.compile(SCHEMAS[kind], use_default=False)


class _NotWhole(float):
    """A float written with a decimal point: JSON Schema would call ``5.0`` an integer."""

    def is_integer(self) -> bool:
        return False


def _strict(node: Any) -> Any:
    """A copy of ``node`` for validation, in which no float passes for a whole number."""
    if isinstance(node, dict):
        return {k: _strict(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_strict(v) for v in node]
    if isinstance(node, float):
        return _NotWhole(node)
    return node


def validate(doc: Any, kind: str, path: Path) -> None:
    """Check a parsed document against the schema of ``kind``.

    Raises:
        ConfigError: the first setting that does not fit, with its line.
    """
    try:
        _validator(kind)(_strict(doc))
    except fastjsonschema.JsonSchemaValueException as error:
        raise schema_error(path, doc, error) from None


@functools.lru_cache(maxsize=64)
def _load_cached(path: str, kind: str | None, mtime_ns: int, size: int) -> Any:
    doc = _parse(Path(path))
    if kind is not None:
        validate(doc, kind, Path(path))
    return doc


def load(path: Path | str, kind: str | None = None) -> Any:
    """Parse and validate a configuration file, once per version of the file (do not mutate).

    Args:
        path: the file.
        kind: its kind (a key of :data:`SCHEMAS`); default: :func:`kind_of` its name. A file
            of no known kind is parsed (syntax and duplicate keys checked) without a schema.

    Raises:
        ConfigError: invalid YAML, a key written twice, or a setting of the wrong type or name.
        FileNotFoundError: no such file.
    """
    p = Path(path).resolve()
    stat = p.stat()
    return _load_cached(str(p), kind or kind_of(p), stat.st_mtime_ns, stat.st_size)


def check_all(root: Path) -> int:
    """Validate every configuration file of the project at ``root``; how many were read.

    Called before anything runs (``perspectives build``, ``check``, ``fidelity``, ``preview``,
    ``i18n``), so that a mistake stops the command at once, whatever reads the file later.

    Raises:
        ConfigError: the first file with a mistake.
    """
    return load_files(root, catalogues=True)


def load_files(root: Path, catalogues: bool = False) -> int:
    """Parse and validate the project's configuration files (and its catalogues); how many were read.

    Each is kept (once per version of the file) with its schema's compiled validator, so a
    process that forks the runs after calling this gives every run the files read.

    Raises:
        ConfigError: the first file with a mistake.
    """
    paths = [(root / rel, kind) for rel, kind in FILES.items()]
    if catalogues:
        paths += [(p, "catalogue") for p in sorted((root / CATALOGUES).glob("*.yml"))]
    count = 0
    for path, kind in paths:
        if path.is_file():
            load(path, kind)
            count += 1
    return count


