"""The JSON Schemas of every configuration file, and where each file lives in a project.

Purpose
    One schema (draft 7) per file kind, written with small builders so that each reads as
    the file does; ``description`` is what a value must be, in the user's words, which the
    messages of :mod:`perspectives.config_messages` quote. Apart from :mod:`perspectives.config`
    (which parses, validates and caches), because this is data about the study's files, and
    the longest part of the configuration's code.

Inputs
    None (read by :mod:`perspectives.config` when a file is validated).

Outputs
    :data:`SCHEMAS` (kind -> schema), :data:`FILES` (a project's file -> its kind),
    :data:`CATALOGUES` (the folder of catalogues), :data:`RELATION_KINDS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
        "publication_date": _text("a year, month or day written YYYY, YYYY-MM or YYYY-MM-DD, in quotes",
                                  pattern=r"^\d{4}(-(0[1-9]|1[0-2])(-\d{2})?)?$"),
        "funders": _list(_text("an organisation's name"), "a list of the organisations' names, such as [A, B]"),
        "citation": _text("a sentence with {author}, {year}, {title}, {report} and {language}, in quotes"),
        "licence": _settings({"name": _text("the licence's name, such as CC BY 4.0"),
                              "url": _text("the licence's address, such as https://creativecommons.org/licenses/by/4.0/",
                                           pattern=r"^https?://")}, required=["name", "url"]),
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
    "tables": _settings({
        "max_withheld_share": _number(0, 1, "a share between 0 and 1, such as 0.5 (a table in the body more of "
                                            "whose numbers are withheld is said in a sentence)"),
        "min_distinct_cells": _whole(1, "a whole number of at least 1, such as 2 (a table whose cells read "
                                        "fewer different things is said in a sentence)"),
    }),
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
        "share_digits": _list({"type": "integer", "maximum": 0, "description": "0 or a negative whole number"},
                              "a list of decimals, finest first, starting at 0, such as [0, -1] (-1: the "
                              "nearest ten points)", minItems=1, uniqueItems=True),
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
    "items": _mapping(_settings({"label": _text()}, required=["label"]), description=(
        "a battery's questions by name, each with the short label its chart and table rows show")),
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
    "order": {"enum": ["scale"], "description": "scale (the answers are a scale: the chart keeps its order)"},
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
    "sample": _flag("true: the block describes who answered, said after the findings"),
}, required=["heading"]),
                 "a list of `- heading: ...` blocks")

_CHART = _settings({
    "width": _number(description="inches"), "font_size": _number(description="points"),
    "small_font_size": _number(description="points"), "min_printed_pt": _number(description="points"),
    "label_share": _number(description="a share of the width, such as 0.42"),
    "min_readable_bars": _number(description="bars, such as 2"),
    "min_readable_bars_share": _number(description="per cent of a chart's bars, such as 50"),
    "readable_share": _number(description="per cent of a stacked bar, such as 50"),
}, required=["width", "font_size", "small_font_size", "min_printed_pt", "label_share"])
_PALETTE = _settings({
    "categories": _list(_text("a colour, such as '#2f5d8a'")),
    "fixed": _mapping(_text("a colour, such as '#9e9e9e'"), _text("an answer's code in the form")),
})
_THEME = _settings({"rc": _mapping({}, _text("a matplotlib setting name")), "source": _text(), "chart": _CHART,
                    "palette": _PALETTE},
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

# What a language does to the words a filled template puts side by side (params/languages.yml):
# per language code, its contractions ("de el": del).
_WORDS = _text("two or more words, such as de el", pattern=r"^\w+(?: \w+)+$")
_LANGUAGE_RULES = {"type": ["object", "null"], "description": "a mapping of language code: its rules",
                   "propertyNames": _LANGUAGE, "additionalProperties": _settings({
                       "contractions": _mapping(_text("the words as the language writes them, such as del"), _WORDS,
                                                "a mapping of words as they meet: as written, such as {\"de el\": del}"),
                   })}

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
    "languages": _LANGUAGE_RULES,
}

# Where each kind lives in a project; a catalogue is any file of params/i18n/.
FILES: dict[str, str] = {
    "params/study.yml": "study", "params/grid.yml": "grid", "params/analyses.yml": "analyses",
    "params/summary.yml": "summary", "params/figure_theme.yml": "figure_theme",
    "params/report_texts.yml": "report_texts", "params/languages.yml": "languages",
    "data/codebook.yml": "codebook", "data/conversation_counts.yml": "conversation_counts",
    "data/recommendations.yml": "recommendations", "data/roundtable.yml": "roundtable",
    "data/quantifiers.yml": "quantifiers", "data/synthetic_targets.yml": "synthetic_targets",
    "data/claim_relations.yml": "claim_relations",
}
CATALOGUES = "params/i18n"
