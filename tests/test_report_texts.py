"""Checks of params/report_texts.yml, the fixed prose of the reports, read as plain YAML.

Every template's fields are declared (a typo fails), each template's `# fields:` comment names
what it uses, plural entries are well formed, the keys agree with the study's other params
(grid sections, recommendation groups, analyses and their kinds), the summary's quantifier
bands agree with data/quantifiers.yml and cover every share once, and no ten-word run of the
published report's prose is shared with the file (when the report's text is at hand).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from reference_text import reference_files

REPO = Path(__file__).resolve().parents[1]
TEXTS = REPO / "params" / "report_texts.yml"
# Keys whose values are settings, not prose (the header of the file lists them).
NOT_TEXT = {"count", "show", "sentence", "quantifier", "min", "max", "min_open", "max_open"}
# Top-level blocks that hold no template: the field and condition declarations.
DECLARATIONS = {"version", "fields", "conditions"}
CLDR = {"zero", "one", "two", "few", "many", "other"}
FIELDS_COMMENT = re.compile(r"^\s*#\s*fields:\s*(.+?)\s*$")


def _load() -> dict:
    return yaml.safe_load(TEXTS.read_text(encoding="utf-8"))


def _params(name: str) -> object:
    return yaml.safe_load((REPO / name).read_text(encoding="utf-8"))


def _templates() -> Iterator[tuple[str, str, int]]:
    """(path, template, 0-based line where its value starts) for every template in the file."""
    root = yaml.compose(TEXTS.read_text(encoding="utf-8"))

    def walk(node: yaml.Node, path: str) -> Iterator[tuple[str, str, int]]:
        if isinstance(node, yaml.ScalarNode):
            yield path, str(node.value), node.start_mark.line
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                yield from walk(item, f"{path}[{i}]")
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if not path and key.value in DECLARATIONS:
                    continue
                if key.value in NOT_TEXT:
                    continue
                yield from walk(value, f"{path}.{key.value}" if path else key.value)

    yield from walk(root, "")


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _plural_entries(node: object, path: str = "") -> Iterator[tuple[str, dict]]:
    if isinstance(node, dict):
        if "count" in node:
            yield path, node
        for key, value in node.items():
            yield from _plural_entries(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _plural_entries(item, f"{path}[{i}]")


def _show_lists(node: object) -> Iterator[list]:
    if isinstance(node, dict):
        if "show" in node:
            yield node["show"]
        for value in node.values():
            yield from _show_lists(value)
    elif isinstance(node, list):
        for item in node:
            yield from _show_lists(item)


# --------------------------------------------------------------------------- fields


def test_every_template_uses_only_declared_fields() -> None:
    declared = set(_load()["fields"])
    unknown = {path: sorted(_fields(text) - declared) for path, text, _ in _templates() if _fields(text) - declared}
    assert unknown == {}


def test_every_declared_field_is_used() -> None:
    data = _load()
    used = set().union(*(_fields(text) for _, text, _ in _templates()))
    used |= {entry["count"] for _, entry in _plural_entries(data)}  # a count that only picks the form
    assert sorted(set(data["fields"]) - used) == []


def test_fields_are_plain_names_and_templates_format() -> None:
    declared = _load()["fields"]
    values = dict.fromkeys(declared, "x")
    for path, text, _ in _templates():
        for _, name, spec, conversion in string.Formatter().parse(text):
            if name is not None:
                assert name.isidentifier() and not spec and not conversion, (path, name)
        text.format(**values)  # a stray brace raises here


def test_each_template_has_a_fields_comment_naming_what_it_uses() -> None:
    lines = TEXTS.read_text(encoding="utf-8").splitlines()
    declared = set(_load()["fields"])
    wrong = {}
    for path, text, line in _templates():
        listed = None
        for previous in reversed(lines[:line + 1]):
            match = FIELDS_COMMENT.match(previous)
            if match:
                listed = set() if match.group(1) == "none" else {f.strip() for f in match.group(1).split(",")}
                break
        if listed is None or _fields(text) - listed or listed - declared:
            wrong[path] = (sorted(_fields(text)), None if listed is None else sorted(listed))
    assert wrong == {}


def test_no_nested_parentheses() -> None:
    nested = []
    for path, text, _ in _templates():
        depth = 0
        for char in text:
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth > 1 or depth < 0:
                nested.append(path)
                break
        else:
            if depth:
                nested.append(path)
    assert nested == []


# --------------------------------------------------------------------------- plural forms


def test_plural_entries_are_well_formed() -> None:
    data = _load()
    declared = set(data["fields"])
    entries = list(_plural_entries(data))
    assert entries, "the file has plural entries"
    for path, entry in entries:
        assert entry["count"] in declared and entry["count"].startswith("n_"), path
        assert set(entry) - {"count"} <= CLDR, path
        assert isinstance(entry.get("other"), str), path
        # The `other` form is the catalogue key: no form may use a field the key lacks.
        for form, text in entry.items():
            if form != "count":
                assert _fields(text) <= _fields(entry["other"]), (path, form)


def test_no_plural_forms_without_a_count() -> None:
    def walk(node: object, path: str) -> Iterator[str]:
        if isinstance(node, dict):
            if node.keys() & CLDR and "count" not in node:
                yield path
            for key, value in node.items():
                yield from walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, item in enumerate(node):
                yield from walk(item, f"{path}[{i}]")

    assert list(walk(_load(), "")) == []


# --------------------------------------------------------------------------- agreement with params


def test_show_conditions_are_declared() -> None:
    data = _load()
    used = [c for show in _show_lists(data) for c in show]
    assert used and set(used) <= set(data["conditions"])


def test_a_chapter_introduction_for_every_section_of_the_grid() -> None:
    grid = _params("params/grid.yml")
    assert set(_load()["chapters"]) == {s["id"] for s in grid["sections"]}


def test_a_sentence_for_every_recommendation_group() -> None:
    groups = _params("data/recommendations.yml")["groups"]
    assert set(_load()["recommendations"]["groups"]) == {g["id"] for g in groups}


def test_summary_topics_name_analyses_of_the_matching_kind() -> None:
    summary = _load()["summary"]
    analyses = _params("params/analyses.yml")
    kinds = {"most_common": "single", "most_answered": "single", "most_named": "multi", "most_rated": "ratings"}
    phrases = {"topic", "topic_plural", "question", "rating"}
    assert set(summary["ranked"]) == set(kinds) == set(summary["tie"]) == set(summary["quantified"])
    for analysis_id, topic in summary["topics"].items():
        family = topic["sentence"]
        assert analyses[analysis_id]["kind"] == kinds[family], analysis_id
        needed = set().union(*(_fields(t) for t in summary["ranked"][family].values()),
                             _fields(summary["tie"][family]), _fields(summary["quantified"][family]))
        assert needed & phrases == set(topic) - {"sentence", "population"}, analysis_id


def _quantifier_ranges() -> dict[str, dict]:
    table = _params("data/quantifiers.yml")["quantifiers"]
    ranges = {}
    for entry in table:
        for phrase in [entry["phrase"], *entry.get("aliases", [])]:
            ranges[phrase] = entry
    return ranges


def _holds(band: dict, x: float) -> bool:
    low_ok = x > band["min"] if band.get("min_open") else x >= band["min"]
    high_ok = x < band["max"] if band.get("max_open") else x <= band["max"]
    return low_ok and high_ok


def test_quantifier_bands_lie_within_data_quantifiers() -> None:
    ranges = _quantifier_ranges()
    for band in _load()["summary"]["quantifiers"]:
        allowed = ranges[band["quantifier"]]
        points = [band["min"], band["max"], (band["min"] + band["max"]) / 2]
        points += [band["min"] + 1e-6, band["max"] - 1e-6]
        for x in points:
            if _holds(band, x):
                assert _holds(allowed, x), (band["text"], x)


def test_quantifier_bands_cover_every_share_once() -> None:
    bands = _load()["summary"]["quantifiers"]
    edges = {b[k] for b in bands for k in ("min", "max")}
    points = {i / 20 for i in range(0, 2001)} | edges | {e + 1e-6 for e in edges} | {e - 1e-6 for e in edges}
    for x in sorted(p for p in points if 0 <= p <= 100):
        holding = [b["text"] for b in bands if _holds(b, x)]
        assert len(holding) == 1, (x, holding)


# --------------------------------------------------------------------------- no reference prose


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


def _runs(words: list[str], size: int) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


def test_no_ten_word_run_shared_with_the_reference() -> None:
    files = reference_files()
    if not files:
        pytest.skip("the published report's text is not on this machine (as in CI)")
    reference = set().union(*(_runs(_words(f.read_text(encoding="utf-8")), 10) for f in files))
    ours = _words(TEXTS.read_text(encoding="utf-8"))
    shared = [" ".join(ours[i:i + 10]) for i in range(len(ours) - 9) if tuple(ours[i:i + 10]) in reference]
    assert shared == []


def test_no_eight_word_run_shared_with_the_reference() -> None:
    # Stricter than the project's ten words: the file shares nothing longer than six, and those
    # are the subject's own name ("of online sexual exploitation and abuse").
    files = reference_files()
    if not files:
        pytest.skip("the published report's text is not on this machine (as in CI)")
    reference = set().union(*(_runs(_words(f.read_text(encoding="utf-8")), 8) for f in files))
    ours = _words(TEXTS.read_text(encoding="utf-8"))
    shared = [" ".join(ours[i:i + 8]) for i in range(len(ours) - 7) if tuple(ours[i:i + 8]) in reference]
    assert shared == []


@pytest.mark.parametrize(("lang", "written"), [
    ("en", "April 2021"), ("es", "abril de 2021"), ("ro", "aprilie 2021"), ("sq", "prill 2021"), ("bs", "april 2021"),
])
def test_a_month_is_written_as_each_language_writes_it(lang: str, written: str) -> None:
    import datetime as dt

    from perspectives.texts import month_year

    assert month_year(dt.date(2021, 4, 12), lang) == written
