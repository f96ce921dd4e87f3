"""Population differencing (issue 25): no difference of published bases fixes a small group.

Every share a report prints rests on a base: the eligible workers of a country, the workers
who supported boys, those with boys' online cases, those asked about offenders (boys' or
girls' cases), those who answered an optional question. Two printed bases of one country fix
their difference; three fix the overlap of two. The checker here works that out from scratch:
it reads only the built reports' ``values.json`` (which bases were printed, and their values)
and, for each printed base, finds its respondents in the embedded export with pandas (the
analysis's population query of ``params/analyses.yml`` and who answered its question). It then
takes every difference of two nested printed bases, and every part of a union, as the
Eurostat handbook's differencing attack does, and requires each to hold 0 or at least the
threshold. It uses neither the suppression code nor the library's description of the bases.

A crosstab written in a notebook is checked the same way: a group's respondents to the
question (the crosstab's base for that group) against the group's count in the grouping
question's own table.
"""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import pandas as pd
import pytest
import yaml
from shared_builds import view

from perspectives import analysis
from perspectives.readers import load_survey
from perspectives.study import load_study, repo_root

ROOT = repo_root()
THRESHOLD = int(yaml.safe_load((ROOT / "params" / "study.yml").read_text(encoding="utf-8"))["disclosure"]["threshold"])
SPECS = yaml.safe_load((ROOT / "params" / "analyses.yml").read_text(encoding="utf-8"))
COUNTRIES = [c.iso3 for c in load_study().countries]
SECTIONS = ["methods", "csea_online"]


@pytest.fixture(scope="module")
def survey():
    return load_survey()


@pytest.fixture(scope="module")
def built(tmp_path_factory, study_build: Path) -> Path:
    """Every national report's sections that print bases of sub-populations: those runs of
    conftest's shared ``study_build`` (runs that follow no other section's), and nothing else."""
    parts = [f"{country}/sections/{section}" for country in COUNTRIES for section in SECTIONS]
    return view(study_build, tmp_path_factory.mktemp("outputs"), parts)


def _members(eligible: pd.DataFrame, country: str, query: str | None, column: str | None) -> frozenset:
    """The respondent ids of a base: a country's eligible rows, in the population, who answered."""
    rows = eligible[eligible["country"] == country]
    if query:
        rows = rows.query(query, engine="python")
    if column is not None:
        rows = rows[rows[column].notna()]
    return frozenset(rows["respondent_id"])


def published_bases(out: Path, eligible: pd.DataFrame) -> dict[str, dict[str, frozenset]]:
    """Country -> {record: respondent ids} for every base the national reports print (not withheld)."""
    found: dict[str, dict[str, frozenset]] = {}
    for path in sorted(out.glob("*/sections/*/values.json")):
        country = path.parents[2].name
        if country not in COUNTRIES:
            continue
        for item in json.loads(path.read_text(encoding="utf-8")):
            name, value = item["name"], item.get("value")
            if item.get("country") != country or value is None:
                continue
            head, _, rest = name.partition(".")
            spec = SPECS.get(head)
            if name == "sample.eligible.n":
                ids = _members(eligible, country, None, None)
            elif spec and rest == "base" and spec["kind"] in ("single", "numeric", "multi"):
                # a multi-select question is answered where any of its options' columns is
                column = spec["question"] if spec["kind"] != "multi" else \
                    next(c for c in eligible.columns if c.startswith(spec["question"] + "/"))
                ids = _members(eligible, country, spec.get("population"), column)
            elif spec and spec["kind"] == "compare_multi" and rest.endswith(".base"):
                ids = _members(eligible, country, spec["populations"][rest[:-5]], None)
            else:
                continue
            assert len(ids) == value, (country, name, len(ids), value)  # the checker reads the record right
            found.setdefault(country, {})[name] = ids
    return found


def differences(bases: dict[str, frozenset]) -> list[tuple[str, int]]:
    """Every group two or three printed bases fix: nested differences, and the parts of a union."""
    out = []
    for (a, sa), (b, sb) in combinations(sorted(bases.items()), 2):
        if sa <= sb:
            out.append((f"{b} - {a}", len(sb - sa)))
        elif sb <= sa:
            out.append((f"{a} - {b}", len(sa - sb)))
    for (a, sa), (b, sb), (u, su) in ((x, y, z) for x, y, z in combinations(sorted(bases.items()), 3)):
        for (p, sp), (q, sq), (w, sw) in (((a, sa), (b, sb), (u, su)), ((a, sa), (u, su), (b, sb)),
                                          ((b, sb), (u, su), (a, sa))):
            if sp | sq == sw and not (sp <= sq or sq <= sp):
                out += [(f"{w} - {p}", len(sw - sp)), (f"{w} - {q}", len(sw - sq)),
                        (f"{p} + {q} - {w}", len(sp & sq))]
    return out


def test_the_checker_finds_the_issue_example() -> None:
    # 50 eligible, 49 asked about offenders: 1 worker with no online case.
    everyone = frozenset(range(50))
    asked = frozenset(range(1, 50))
    assert ("offenders - eligible", 1) not in differences({"eligible": everyone, "offenders": asked})
    assert ("eligible - offenders", 1) in differences({"eligible": everyone, "offenders": asked})
    # boys' 30, girls' 46, either 49: 49 - 46 = 3 had boys' cases only.
    boys, girls = frozenset(range(30)), frozenset(range(3, 49))
    assert ("either - girls", 3) in differences({"boys": boys, "girls": girls, "either": boys | girls})


def test_no_difference_of_printed_bases_is_a_small_group(built: Path, survey) -> None:
    bases = published_bases(built, survey.eligible)
    assert set(bases) == set(COUNTRIES)
    checked, small = 0, []
    for country, found in bases.items():
        assert "sample.eligible.n" in found  # the eligible count is printed in every report
        for what, size in differences(found):
            checked += 1
            if 1 <= size < THRESHOLD:
                small.append((country, what, size))
    assert checked > 100  # the reports print many bases, and many are nested
    assert not small, small[:10]


def test_some_bases_are_withheld_where_their_difference_would_be_small(built: Path, survey) -> None:
    """The rule had work to do: in the embedded data, a country's eligible workers minus those
    asked about offenders is small somewhere; that base is then not printed there."""
    eligible = survey.eligible
    offenders = SPECS["offender_origin"]["population"]
    gaps = {c: len(_members(eligible, c, None, None) - _members(eligible, c, offenders, "offender_origin"))
            for c in COUNTRIES}
    small = [c for c, gap in gaps.items() if 1 <= gap < THRESHOLD]
    assert small  # e.g. Albania: 50 eligible, 49 asked
    bases = published_bases(built, eligible)
    for country in small:
        assert "offender_origin.base" not in bases[country], country


@pytest.mark.parametrize("question", ["offender_origin", "boys_age", "girls_exchange", "boys_forms"])
def test_a_crosstab_in_a_notebook_leaves_no_small_group_by_difference(survey, question: str) -> None:
    """A group's respondents to a question asked of a sub-population, against the group's count
    in the grouping question's own table: the difference holds 0 or at least the threshold
    wherever both are printed (the old crosstab printed, e.g., Bosnia's 38 women against the 35
    of them asked about offenders)."""
    eligible = survey.eligible
    names = {c: c for c in [*COUNTRIES, load_study().synthesis_code]}
    multi = survey.instrument[question].type == "select_multiple"
    column = f"{question}/{survey.instrument.codes(question)[0]}" if multi else question
    checked = 0
    for country in COUNTRIES:
        gender = {v["name"]: v["value"] for v in analysis.run("gender", survey, country, names).values
                  if v["country"] == country}
        result = analysis.crosstab(survey, question, "gender", country, names)
        frame = result.table.frame
        labels = survey.instrument.choice_labels("gender")
        rows = eligible[eligible["country"] == country]
        for group, label in labels.items():
            if (label, "n") not in frame.columns:
                continue
            text = str(frame.loc["Respondents", (label, "n")])
            answered = int(((rows["gender"] == group) & rows[column].notna()).sum())
            if text.replace(",", "").isdigit():
                assert int(text.replace(",", "")) == answered  # the checker reads the right base
            in_table = gender.get(f"gender.{group}.n")
            if text.replace(",", "").isdigit() and in_table is not None:
                checked += 1
                assert not 1 <= in_table - answered < THRESHOLD, (country, group, in_table, answered)
    assert checked
