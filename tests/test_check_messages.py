"""The check's messages reach the partner's page in the page's language.

A problem's words are templates (catalogue keys) filled with the partner's own values (column
names, codes, rows): the page translates the template and fills it, so a translated catalogue
entry changes the words and never the values. The expected texts here are written by hand from
the file each test makes.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from perspectives import msgids
from perspectives.appviews import check_view
from perspectives.check import run_check
from perspectives.i18n import Translator
from perspectives.problems import Problem, Text, phrase, plain, translated
from perspectives.study import load_study, repo_root

SURVEY = repo_root() / "data" / "synthetic" / "survey_export.csv"


class Pseudo:
    """A translator that knows some templates: each known one comes back marked, filled."""

    def __init__(self, known: dict[str, str]) -> None:
        self.known = known
        self.asked: list[str] = []

    def __call__(self, text: str, **fields: str) -> str:
        self.asked.append(text)
        out = self.known.get(text, text)
        return out.format(**fields) if fields else out

    def country(self, code: str) -> str:
        return code

    def label(self, labels: dict[str, str], english: str, key: str) -> str:
        return english


def test_a_template_is_translated_then_filled_with_the_partners_values() -> None:
    problem = Problem("unknown answer code(s) {seen}", fix="correct these answers", expected="one of {codes}",
                      args={"seen": "'x1'", "codes": "a, b"})
    assert problem.problem == "unknown answer code(s) 'x1'" and problem.expected == "one of a, b"
    tr = Pseudo({"unknown answer code(s) {seen}": "coduri necunoscute: {seen}", "one of {codes}": "unul din {codes}"})
    texts = translated(problem.as_dict(), tr)
    assert texts == {"problem": "coduri necunoscute: 'x1'", "fix": "correct these answers", "expected": "unul din a, b"}


def test_a_phrase_inside_a_message_and_an_addition_are_translated_too() -> None:
    inner = Text("is a directory, not a file")
    problem = Problem("the path {what}", fix="give the file", args={"what": inner})
    problem.add(" (header read from row {row})", row=3)
    assert problem.problem == "the path is a directory, not a file (header read from row 3)"
    tr = Pseudo({"the path {what}": "calea {what}", "is a directory, not a file": "este un dosar",
                 " (header read from row {row})": " (antet pe rândul {row})"})
    assert translated(problem.as_dict(), tr)["problem"] == "calea este un dosar (antet pe rândul 3)"
    # A value of the partner's (a column name that happens to be a catalogue key) is never translated.
    named = Problem("column '{name}' is odd", fix="f", args={"name": "is a directory, not a file"})
    assert translated(named.as_dict(), tr)["problem"] == "column 'is a directory, not a file' is odd"
    assert phrase(plain(Text("'{marker}' read as no answer", marker="N/A")),
                  Pseudo({"'{marker}' read as no answer": "'{marker}' citit ca lipsă"})) == "'N/A' citit ca lipsă"


def _bad_export(tmp_path: Path) -> Path:
    """The embedded export with one answer code mistyped (the first eligible row's gender)."""
    rows = list(csv.DictReader(io.StringIO(SURVEY.read_text(encoding="utf-8"))))
    fields = list(rows[0])
    rows[0]["gender"] = "femalee"
    out = io.StringIO()
    writer = csv.DictWriter(out, fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "survey.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_the_pages_check_view_shows_the_problem_in_the_pages_language(tmp_path: Path) -> None:
    result = run_check(_bad_export(tmp_path))
    assert not result["usable"]
    tr = Pseudo({"unknown answer code(s) {seen}": "CODURI {seen}", "one of {codes}": "UNUL DIN {codes}",
                 "correct these answers to the form's codes (a typing error, or an answer added outside the form)":
                     "CORECTAȚI"})
    view = check_view(result, tr, load_study())
    problem = next(p for p in view["problems"] if "femalee" in p["problem"])
    assert problem["problem"] == "CODURI 'femalee'" and problem["fix"] == "CORECTAȚI"
    expected = dict(problem["where"])
    assert expected[tr("Expected")].startswith("UNUL DIN ")


def _word_runs(text: str, drop: list[str], size: int = 3) -> set[tuple[str, ...]]:
    """Every run of ``size`` words of ``text`` once the partner's own values (``drop``) are cut out."""
    for value in sorted(drop, key=len, reverse=True):
        text = text.replace(value, " ")
    words = re.findall(r"[^\W\d_]+", text.lower())
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


def test_the_bosnian_page_shows_a_mistyped_code_in_bosnian_with_the_partners_value_unchanged(
        tmp_path: Path) -> None:
    result = run_check(_bad_export(tmp_path))
    study = load_study()
    english = check_view(result, Translator("en"), study)["problems"]
    bosnian = check_view(result, Translator("bs"), study)["problems"]
    assert len(bosnian) == len(english) >= 1
    values = [str(v) for p in result["problems"] for v in [*p["args"].values(), *p["values"]] if isinstance(v, str)]
    for en, bs in zip(english, bosnian, strict=True):
        for part in ("problem", "fix"):
            assert bs[part] and bs[part] != en[part]
            shared = _word_runs(en[part], values) & _word_runs(bs[part], values)
            assert not shared, (part, bs[part], shared)
    tr = Translator("bs")
    typo = next(p for p in bosnian if "femalee" in p["problem"])
    where = dict(typo["where"])
    # The English reads "unknown answer code(s) 'femalee'": the value keeps its own quotes and spelling.
    assert typo["problem"].endswith(": 'femalee'") and where[tr("Values")] == "'femalee'"
    assert where[tr("Expected")].endswith(": female, male, other")
    # The question is named as the form's Bosnian column names it (data/instrument/survey.csv).
    import csv as _csv

    with open(repo_root() / "data" / "instrument" / "survey.csv", encoding="utf-8") as handle:
        row = next(r for r in _csv.DictReader(handle) if r["name"] == "gender")
    assert where[tr("Question")] == row["label::Bosnian (bs)"] != row["label::English (en)"]


@pytest.mark.parametrize("template", [
    "unknown answer code(s) {seen}", "the path {what}", "is a directory, not a file",
    " (header read from row {row})", "'{marker}' read as no answer",
    "option cells written '{value}' read as ticked",
    "the header '{name}' differs from the form's name '{target}' only in capitals",
])
def test_every_check_template_is_a_catalogue_key(template: str) -> None:
    found = msgids.extract()
    assert template in found and found[template].group == msgids.CHECK


def test_no_check_message_is_put_together_where_a_catalogue_cannot_see_it() -> None:
    # An f-string as a problem's words would reach the page in English whatever its language.
    import ast

    for path in sorted((repo_root() / "lib" / "perspectives").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("Problem", "_problem", "Text"):
                parts = ([node.args[0]] if node.args else []) + [k.value for k in node.keywords
                                                                 if k.arg in ("problem", "fix", "expected")]
                assert not any(isinstance(p, ast.JoinedStr) for p in parts), f"{path.name}:{node.lineno}"
