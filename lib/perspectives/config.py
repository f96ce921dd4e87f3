"""Every configuration file, checked where it is read: YAML syntax, types and names.

Purpose
    The study is steered by YAML files (``params/*.yml``, ``params/i18n/*.yml``,
    ``data/*.yml``). A mistake in one of them must stop the command that reads it with one
    sentence naming the file, the line and the fix, never a traceback and never a silent
    reading: a threshold of ``4.9`` is refused, not rounded; ``conversations: "maybe"`` is
    refused, not taken as true; a misspelt setting is refused with the closest valid name,
    not ignored; a key written twice is refused, not overwritten.

    Each file kind has a JSON Schema (draft 7) below, validated with ``fastjsonschema``
    (compiled once per process; importing it costs milliseconds, where ``jsonschema`` costs
    a second on the 2-core machine). JSON Schema calls ``5.0`` an integer: here a setting
    that must be a whole number is written as one. The error's place in the document is
    mapped back to a line through the nodes PyYAML composes (their ``start_mark``), only
    when there is an error to report.

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

import datetime
import difflib
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastjsonschema
import yaml

__all__ = [
    "RELATION_KINDS",
    "SCHEMAS",
    "ConfigError",
    "check_all",
    "display_name",
    "error_at",
    "kind_of",
    "load",
]


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


# ----------------------------------------------------------------------------- schemas
# Small builders keep the schemas readable. ``description`` is what a value must be, in
# the user's words: messages say "it must be <description>" and "Fix: write <description>".

def _text(description: str = "text", **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


def _text_or_empty(description: str = "text") -> dict[str, Any]:
    return {"type": ["string", "null"], "description": description}


def _whole(minimum: int | None = None, description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer"}
    if minimum is not None:
        schema["minimum"] = minimum
    schema["description"] = description or ("a whole number" if minimum is None
                                            else f"a whole number of at least {minimum}")
    return schema


def _number(minimum: float | None = None, maximum: float | None = None,
            description: str = "a number") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "number", "description": description}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


def _flag(description: str = "true or false, without quotes") -> dict[str, Any]:
    return {"type": "boolean", "description": description}


def _list(items: dict[str, Any], description: str = "a list", **extra: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, "description": description, **extra}


def _settings(properties: dict[str, Any], required: Sequence[str] = (), retired: dict[str, str] | None = None,
              description: str = "a mapping of settings (name: value)") -> dict[str, Any]:
    """A mapping with a fixed set of names: any other name is refused (a typo must not pass)."""
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False,
                              "description": description}
    if required:
        schema["required"] = list(required)
    if retired:
        schema["x-retired"] = retired  # names once read, with why they are not any more
    return schema


def _mapping(values: dict[str, Any], keys: dict[str, Any] | None = None,
             description: str = "a mapping (name: value)") -> dict[str, Any]:
    """A mapping whose names are data (ids, codes, English strings)."""
    schema: dict[str, Any] = {"type": "object", "additionalProperties": values, "description": description}
    if keys:
        schema["propertyNames"] = keys
    return schema


_NAMES = _text("names of letters, digits and underscores", pattern=r"^[A-Za-z0-9_]+$")
_CODES = _list(_text(), "a list of names, such as [a, b]")
_LANGUAGE = _text("a language code such as es, ro or th", pattern=r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_PATH = _text("a path relative to the repository, such as data/synthetic/survey_export.csv")

_STUDY = _settings({
    "study": _settings({
        "title": _text(), "short_title": _text(), "fieldwork": _text(),
        "fieldwork_start": _text("a month written YYYY-MM, in quotes", pattern=r"^\d{4}-(0[1-9]|1[0-2])$"),
        "fieldwork_end": _text("a month written YYYY-MM, in quotes", pattern=r"^\d{4}-(0[1-9]|1[0-2])$"),
        "page_size": {"enum": ["A4", "A5", "A3", "Letter", "Legal"], "description": "one of A4, A5, A3, Letter, Legal"},
        "logo": _text("a PNG or JPEG path from the repository root, such as params/logos/study.png"),
        "roundtable_date": _text("a date written YYYY-MM-DD, in quotes", pattern=r"^\d{4}-\d{2}-\d{2}$"),
        "synthesis_code": _text("a code of capital letters, such as ALL", pattern=r"^[A-Z][A-Z0-9_]*$"),
        "synthesis_folder": _text("a folder name of letters, digits, - and _", pattern=r"^[A-Za-z0-9_-]+$"),
    }),
    "countries": _list(_settings({
        "iso3": _text("an ISO 3166-1 alpha-3 code in capitals, such as MDA", pattern=r"^[A-Z]{3}$"),
        "name": _text(), "partner": _text(), "language": _LANGUAGE, "region": _text(),
        "partner_names": _mapping(_text(), _LANGUAGE, "the partner's name by language code, such as {ro: ...}"),
        "logo": _text("a PNG or JPEG path from the repository root, such as params/logos/partner.png"),
        "conversations": _flag("true or false (whether conversations with young survivors were held), "
                               "without quotes"),
    }, required=["iso3"]), "a list of countries, one `- iso3: ...` entry each", minItems=1),
    "languages": {"type": ["array", "object", "null"], "items": _LANGUAGE, "propertyNames": _LANGUAGE,
                  "additionalProperties": _text(), "description": "a list of language codes, such as [fr, th]"},
    "data": _settings({
        "survey": _PATH, "conversations": _PATH, "participants": _PATH, "instrument": _PATH,
        "id_column": _text("a column name"), "id_fallbacks": _list(_text("a column name"), "a list of column names"),
    }),
    "synthesis": _settings({"many_countries": _whole(1), "extremes": _whole(1)}),
    "limits": _settings({
        "max_uncompressed_mb": _whole(1, "a whole number of megabytes of at least 1, such as 256"),
        "max_compression_ratio": _whole(1, "a whole number of at least 1, such as 100"),
        "max_upload_mb": _whole(1, "a whole number of megabytes of at least 1, such as 256"),
    }),
    "disclosure": _settings({
        "threshold": _whole(2, "a whole number of at least 2, such as 5 (counts from 1 to one below it are "
                               "withheld)"),
        "reliability_min_n": _whole(1, "a whole number of at least 1, such as 25 (estimates on fewer "
                                       "respondents are marked)"),
    }, required=["threshold", "reliability_min_n"]),
    "build": _settings({
        "seed": _whole(0, "a whole number of at least 0"),
        "figure_formats": _list({"enum": ["png", "svg"], "description": "png or svg"},
                                "a list that includes png and may add svg, such as [png, svg]",
                                contains={"const": "png"}, uniqueItems=True),
    }),
}, required=["disclosure"])

_GRID = _settings({
    "sections": _list(_settings({
        "id": _NAMES, "notebook": _text("the notebook's path, such as notebooks/05_knowledge.ipynb"),
        "title": _text(), "after": _CODES,
        "position": {"enum": ["first"], "description": "first (or no position)"},
    }, required=["id", "notebook"]), "a list of sections, one `- id: ...` entry each", minItems=1),
    "parameters": _mapping(_settings({
        "type": {"enum": ["str", "path_or_null"], "description": "str or path_or_null"},
        "default": {"type": ["string", "null"], "description": "text, or null"},
    }, required=["type"]), _NAMES),
}, required=["sections"], retired={
    "reports": "'reports' is not read: the reports are the study's countries and the synthesis "
               "(params/study.yml)"})

# An analysis's sentence: a template, a plural entry picking its form by a field's number, or a
# list of alternatives (the first that can be filled whole is used).
_PLURAL_TEMPLATE = {"type": "object", "required": ["count", "other"],
                    "properties": {"count": _text("the field whose number picks the form")},
                    "propertyNames": _text("count or a plural form (zero, one, two, few, many, other, =N)",
                                           pattern=r"^(?:count|zero|one|two|few|many|other|=\d+)$"),
                    "additionalProperties": _text("the template of that plural form"),
                    "description": "plural forms {count: field, one: ..., other: ...}"}
_SENTENCE = {"anyOf": [_text(), _PLURAL_TEMPLATE],
             "description": "a template, or plural forms {count: field, one: ..., other: ...}"}
_ANALYSIS = _settings({
    "section": _NAMES, "caption": _text(),
    "text": {"anyOf": [_SENTENCE, _list(_SENTENCE, "a list of alternative templates", minItems=1)],
             "description": "a template, plural forms, or a list of alternatives"},
    "rank": _CODES, "exclude": _CODES, "list": _whole(1),
    "kind": {"enum": ["single", "multi", "numeric", "ratings", "compare_multi"],
             "description": "single, multi, numeric, ratings or compare_multi"},
    "question": _NAMES, "questions": {"type": ["array", "object"], "items": _NAMES, "additionalProperties": _NAMES,
                                      "description": "a list of questions, or population: question"},
    "population": _text("a query on the respondents, such as \"girls_online_share > 0\""),
    "populations": _mapping(_text("a query on the respondents")),
    "by": _NAMES, "test": {"enum": ["chi2", "anova"], "description": "chi2 or anova"},
    "figure": _settings({"number": _whole(1), "caption": _text()}, required=["caption"]),
    "thresholds": _mapping(_number(description="a number")),
    "bases_elsewhere": _mapping(_text("a query on the respondents")),
    "options": _CODES, "bottom": _CODES,
    "top": {"type": ["integer", "array"], "minimum": 1, "items": _NAMES,
            "description": "a whole number of at least 1, or a list of answers"},
    "scale": _NAMES, "bands": _NAMES, "synthesis_only": _flag(), "drop_empty": _flag(),
    "combine": _mapping(_settings({"members": _list(_NAMES), "label": _text()}, required=["members", "label"]),
                        _NAMES),
}, required=["kind"])

_BAND = {"type": "array", "items": [_NAMES, _whole(0), _whole(0)], "minItems": 3, "maxItems": 3,
         "description": "[name, lowest, highest], such as [up_to_quarter, 0, 25]"}
_ANALYSES = {"type": "object", "properties": {"bands": _mapping(_list(_BAND), _NAMES)},
             "additionalProperties": _ANALYSIS, "propertyNames": _NAMES,
             "description": "a mapping of analysis id: its settings"}

_SUMMARY = _list(_settings({
    "heading": _text(), "findings": _list(_text()), "topics": _list(_NAMES), "compare": _list(_NAMES),
    "exclude": _list(_NAMES), "labels": _mapping(_mapping(_text("the option's words inside a sentence"))),
}, required=["heading"]),
                 "a list of `- heading: ...` blocks")

_CHART = _settings({
    "width": _number(description="inches"), "font_size": _number(description="points"),
    "small_font_size": _number(description="points"), "min_printed_pt": _number(description="points"),
    "label_share": _number(description="a share of the width, such as 0.42"),
}, required=["width", "font_size", "small_font_size", "min_printed_pt", "label_share"])
_THEME = _settings({"rc": _mapping({}, _text("a matplotlib setting name")), "source": _text(), "chart": _CHART},
                   required=["rc"])

_CODE_NODE = _settings({
    "code": _text(), "label": _text(), "section": _text(), "definition": _text(), "topic": _text(),
    "children": _list({"$ref": "#/definitions/theme"}),
})
_CODEBOOK = {**_settings({
    "version": _whole(1),
    "sections": _list(_settings({"id": _NAMES, "label": _text()}, required=["id"])),
    "support_codes": _list(_settings({"code": _text(), "label": _text(), "definition": _text()})),
    "themes": _list({"$ref": "#/definitions/theme"}),
}), "definitions": {"theme": _CODE_NODE}}

_COUNTS = _settings({"counts": _list(_settings({
    "id": _NAMES, "country": _text(), "kind": _text(), "target": _text(),
    "count": _whole(0), "out_of": _whole(0), "min": _whole(), "max": _whole(), "line": _whole(1),
    "paraphrase": _text(), "eligible": _text(), "note": _text(), "subset_of": _text(), "disjoint_from": _CODES,
}))}, required=["counts"])

_LINKS = {"themes": _CODES, "survey_items": _CODES}
_FINDING = _settings({"result": _NAMES, "text": _text("a sentence whose numbers are recorded values, {v[name]}")},
                     required=["result", "text"])
_RECOMMENDATIONS = _settings({"groups": _list(_settings({
    "id": _NAMES, "title": _text(),
    "items": _list(_settings({"number": _whole(1), "title": _text(), "text": _text(), **_LINKS,
                              "findings": _list(_FINDING), "insights": _list(_NAMES),
                              "claim_ids": _list(_text())})),
}))}, required=["groups"])

_ROUNDTABLE = _settings({"experts": _whole(1, "a whole number of experts, such as 19"),
                         "insights": _list(_settings({"id": _NAMES, "title": _text(), "text": _text(), **_LINKS}))},
                        required=["insights"])

_SHARE = _number(0, 100, "a percentage from 0 to 100")
_QUANTIFIERS = _settings({
    "quantifiers": _list(_settings({
        "phrase": _text(), "aliases": _list(_text()), "min": _SHARE, "max": _SHARE,
        "min_open": _flag(), "max_open": _flag(),
    }, required=["phrase", "min", "max"])),
    "comparisons": _settings({"almost_equal_points": _number(0, description="a number of percentage points")},
                             required=["almost_equal_points"]),
    "unmapped": _list(_settings({"phrase": _text(), "why": _text()})),
}, required=["quantifiers", "comparisons"])

_TARGETS = _mapping(_settings({"published": _mapping({}), "synthetic": _mapping({})}), _NAMES)

# The relations between claims (data/claim_relations.yml): what perspectives.claims checks.
RELATION_KINDS = ("sum_counts", "sum_percents", "combine", "ratio", "parts_le_whole", "within_bounds",
                  "within_range", "subgroups_overall", "chi2_shares", "footnote_label")
_CLAIM_ID = _text("a claim id of data/claims.csv, such as M-SRV-001", pattern=r"^[A-Z]-[A-Z]+-\d{3}(-[A-Z0-9]+)*$")
_CLAIM_RELATIONS = _settings({
    "relations": _list(_settings({
        "kind": {"enum": list(RELATION_KINDS), "description": ", ".join(RELATION_KINDS)},
        "ids": _list(_CLAIM_ID, "a list of claim ids, such as [M-GEN-001, M-GEN-002]", minItems=1),
        "total": _CLAIM_ID, "blame": _list(_CLAIM_ID, "a list of claim ids"), "why": _text(),
        "percent": _CLAIM_ID, "lo": _CLAIM_ID, "hi": _CLAIM_ID, "overall": _CLAIM_ID, "population": _CLAIM_ID,
        "complement": _flag(), "groups": _whole(2), "levels": _whole(2), "label": _text(),
    }, required=["kind", "ids"]), minItems=1),
    "levels": _mapping(_whole(2, "a whole number of answer levels, at least 2"), _NAMES),
    "breakdowns": _mapping(_settings({"item": _NAMES, "groups": _whole(2)}), _NAMES),
}, required=["relations", "levels", "breakdowns"])

# One catalogue entry: a translation, left blank, {text, review} or plural forms and review.
_FORMS = r"^(?:zero|one|two|few|many|other|=\d+|text|review|gender|agree)$"
# A translation's forms by the grammatical gender of a field's value: {field: top.label, feminine: ...}.
_AGREE = {"type": "object", "required": ["field"], "properties": {"field": _text("the field whose gender decides")},
          "additionalProperties": {"type": ["string", "object"], "description": "the translation for that gender "
                                   "(or its plural forms)", "additionalProperties": _text_or_empty()},
          "description": "forms by gender: {field: name, <gender>: translation, ...}"}
_CATALOGUE = {"type": ["object", "null"], "description": "a mapping of English text: its translation",
              "additionalProperties": {
                  "type": ["string", "null", "object"],
                  "description": "a translation, {text: ..., review: true} or plural forms {one: ..., other: ...}",
                  "properties": {"review": _flag(), "text": _text_or_empty("the translation"),
                                 "gender": _text("the grammatical gender of the translation (masculine, "
                                                 "feminine, ...)"), "agree": _AGREE},
                  "propertyNames": _text("text, review, gender, agree, or a plural form (zero, one, two, few, many, "
                                         "other, =N)", pattern=_FORMS),
                  "additionalProperties": _text_or_empty("the translation of that plural form")}}

# The reports' fixed prose (params/report_texts.yml): its parts by name, each a template, a
# plural entry ({count, one, other, ...}), a list of paragraphs or a mapping of these.
_PROSE = {"type": ["string", "array", "object", "number", "boolean"],
          "description": "a template, a list or a mapping of templates (or a setting's number)",
          "items": {"$ref": "#/definitions/prose"}, "additionalProperties": {"$ref": "#/definitions/prose"}}
_REPORT_TEXTS = {**_settings({
    "version": _whole(1), "conditions": _mapping(_text()), "fields": _mapping(_text()),
    **{part: {"$ref": "#/definitions/prose"} for part in (
        "headings", "cover", "acknowledgements", "funders_named", "definitions", "introduction", "objectives",
        "methods", "limitations", "chapters", "survivors", "recommendations", "annex", "summary", "sentences")},
}, required=["version", "conditions", "fields"]), "definitions": {"prose": _PROSE}}

SCHEMAS: dict[str, Any] = {
    "study": _STUDY, "grid": _GRID, "analyses": _ANALYSES, "summary": _SUMMARY, "figure_theme": _THEME,
    "codebook": _CODEBOOK, "conversation_counts": _COUNTS, "recommendations": _RECOMMENDATIONS,
    "roundtable": _ROUNDTABLE, "quantifiers": _QUANTIFIERS, "synthetic_targets": _TARGETS,
    "claim_relations": _CLAIM_RELATIONS, "catalogue": _CATALOGUE, "report_texts": _REPORT_TEXTS,
}

# Where each kind lives in a project; a catalogue is any file of params/i18n/.
FILES: dict[str, str] = {
    "params/study.yml": "study", "params/grid.yml": "grid", "params/analyses.yml": "analyses",
    "params/summary.yml": "summary", "params/figure_theme.yml": "figure_theme",
    "params/report_texts.yml": "report_texts",
    "data/codebook.yml": "codebook", "data/conversation_counts.yml": "conversation_counts",
    "data/recommendations.yml": "recommendations", "data/roundtable.yml": "roundtable",
    "data/quantifiers.yml": "quantifiers", "data/synthetic_targets.yml": "synthetic_targets",
    "data/claim_relations.yml": "claim_relations",
}
CATALOGUES = "params/i18n"


def kind_of(path: Path | str) -> str | None:
    """The kind of a configuration file from its name (``study.yml`` -> ``study``); None if unknown.

    A file of an ``i18n`` folder is a catalogue. Loaders that know what they read pass the
    kind to :func:`load` instead (a test's ``grid_after.yml`` is a grid).
    """
    p = Path(path)
    if p.parent.name == "i18n" and p.suffix == ".yml":
        return "catalogue"
    return next((kind for rel, kind in FILES.items() if Path(rel).name == p.name), None)


def display_name(path: Path | str) -> str:
    """A file as messages name it: from the project folder that holds ``params/`` or ``data/``.

    Never an absolute path: messages reach logs and issue trackers.
    """
    p = Path(path)
    for parent in p.parents:
        if parent.name in ("params", "data"):
            return p.relative_to(parent.parent).as_posix()
    return p.name


# ----------------------------------------------------------------------------- parsing
_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser: ten times faster


class _Loader(_BASE):  # type: ignore[misc,valid-type]
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
    for first, resolvers in _BASE.yaml_implicit_resolvers.items()
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
        raise _schema_error(path, doc, error) from None


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
    paths = [(root / rel, kind) for rel, kind in FILES.items()]
    paths += [(p, "catalogue") for p in sorted((root / CATALOGUES).glob("*.yml"))]
    count = 0
    for path, kind in paths:
        if path.is_file():
            load(path, kind)
            count += 1
    return count


# ----------------------------------------------------------------------------- messages
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
                self.root: yaml.Node | None = yaml.compose(fh, Loader=_BASE)  # noqa: S506 - composing, safe
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


def _schema_error(path: Path, doc: Any, error: fastjsonschema.JsonSchemaValueException) -> ConfigError:
    keys = _path_of(doc, error.name or "data")
    definition = error.definition if isinstance(error.definition, dict) else {}
    failure = _Failure(_where(doc, keys), keys, error.value, definition, _Lines(path))
    writer = _MESSAGES.get(str(error.rule), _bad_form)
    problem, fix, at = writer(failure)
    return ConfigError(display_name(path), failure.lines(keys if at is None else at), problem, fix)
