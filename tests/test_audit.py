"""The in-build disclosure audit: planted violations of each kind are caught, clean outputs pass.

Each test writes a run folder by hand (a CSV table, its cell description and values.json, as
the reports write them) with the numbers of issue 15's examples or a hand-worked table, and
checks the finding the audit must make, naming the table. The audit module must not lean on
the suppression code: a test reads its imports.
"""

from __future__ import annotations

import ast
import csv
import json
from pathlib import Path

import pytest

from perspectives import audit

ROOT = Path(__file__).resolve().parents[1]
PLACES = ["ALB", "MDA"]
ANSWERS = ["female", "male", "other"]


def spec(places: list[str], categories: list[str], universe: str = "gender") -> dict:
    return {"universe": universe, "places": places, "categories": categories}


def write_table(folder: Path, stem: str, rows: list[list[str]], header: list[str], cells: list[dict]) -> None:
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    with (folder / "tables" / f"{stem}.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["", *header])
        writer.writerows(rows)
    (folder / "tables" / f"{stem}.disclosure.json").write_text(json.dumps(cells), encoding="utf-8")


def count_cell(i: int, j: int, place: str, answer: str | list[str]) -> dict:
    answers = answer if isinstance(answer, list) else [answer]
    return {"at": [i, j], "measure": "count", "cells": spec([place], answers)}


def pct_cell(i: int, j: int, place: str, answer: str) -> dict:
    return {"at": [i, j], "measure": "percent", "cells": spec([place], [answer]), "of": spec([place], ANSWERS)}


def moldova_table(folder: Path, shown: dict[str, str], pcts: dict[str, str] | None = None) -> None:
    """Moldova's gender table: n and % columns and the base row (54)."""
    pcts = pcts or {a: "–" for a in ANSWERS}
    rows = [[a, shown[a], pcts[a]] for a in ANSWERS] + [["Respondents", "54", ""]]
    cells = [count_cell(k, 0, "MDA", a) for k, a in enumerate(ANSWERS)]
    cells += [pct_cell(k, 1, "MDA", a) for k, a in enumerate(ANSWERS)]
    cells.append(count_cell(3, 0, "MDA", ANSWERS))
    write_table(folder, "gender", rows, ["Moldova n", "Moldova %"], cells)


def kinds(findings: list[audit.Finding]) -> set[tuple[str, str]]:
    return {(f.source, f.kind) for f in findings}


# --- the kinds of violation ----------------------------------------------------------------------

def test_clean_table_passes(tmp_path: Path) -> None:
    # 53 and 1 both withheld, the zero published: the withheld pair holds 54.
    moldova_table(tmp_path, {"female": "–", "male": "–", "other": "0"}, {"female": "–", "male": "–", "other": "0%"})
    assert audit.audit_run_folder(tmp_path, 5) == []


def test_subtraction_recovers_a_small_withheld_group(tmp_path: Path) -> None:
    # Issue 15: 53 women of 54 published, man and another gender withheld: together 1.
    moldova_table(tmp_path, {"female": "53", "male": "–", "other": "–"}, {"female": "98%", "male": "–", "other": "–"})
    found = audit.audit_run_folder(tmp_path, 5)
    assert ("tables/gender.csv", "small-group") in kinds(found)
    assert any("MDA/male" in f.detail and "MDA/other" in f.detail and "hold 1" in f.detail for f in found)


def test_a_published_percentage_with_its_n_gives_the_count(tmp_path: Path) -> None:
    # The count of women is withheld but the share is printed beside the base of 54: 98% is 53.
    moldova_table(tmp_path, {"female": "–", "male": "–", "other": "0"}, {"female": "98%", "male": "–", "other": "0%"})
    found = audit.audit_run_folder(tmp_path, 5)
    assert ("tables/gender.csv", "reveals") in kinds(found)
    assert ("tables/gender.csv", "small-group") in kinds(found)  # and then 54 - 53 - 0 = 1


def test_published_parts_that_do_not_add_up_to_their_total_are_found(tmp_path: Path) -> None:
    # 30 + 10 + 10 = 50, but the base row says 54: off by 4 (hand-worked).
    moldova_table(tmp_path, {"female": "30", "male": "10", "other": "10"},
                  {"female": "56%", "male": "19%", "other": "19%"})  # 30/54, 10/54 rounded
    found = audit.audit_run_folder(tmp_path, 5)
    assert ("tables/gender.csv", "sum") in kinds(found)
    assert any("do not add up" in f.detail and "off by 4" in f.detail for f in found)


def test_parts_that_add_up_pass(tmp_path: Path) -> None:
    moldova_table(tmp_path, {"female": "34", "male": "10", "other": "10"},
                  {"female": "63%", "male": "19%", "other": "19%"})  # 34/54, 10/54 rounded
    assert audit.audit_run_folder(tmp_path, 5) == []


def test_a_small_count_printed_is_found(tmp_path: Path) -> None:
    moldova_table(tmp_path, {"female": "50", "male": "3", "other": "1"})
    found = audit.audit_run_folder(tmp_path, 5)
    assert any(f.kind == "small-group" and "MDA/male] = 3" in f.detail for f in found)


def test_parts_that_do_not_add_up_to_their_base(tmp_path: Path) -> None:
    moldova_table(tmp_path, {"female": "40", "male": "10", "other": "0"}, {"female": "74%", "male": "19%", "other": "0%"})
    found = audit.audit_run_folder(tmp_path, 5)
    assert ("tables/gender.csv", "sum") in kinds(found)  # 40 + 10 + 0 = 50, not 54


def test_a_share_that_is_not_its_count_over_its_base(tmp_path: Path) -> None:
    rows = [["female", "74% (n=44)"], ["male", "–"], ["other", "–"], ["Respondents", "n=54"]]
    cells = [count_cell(0, 0, "MDA", "female"), pct_cell(0, 0, "MDA", "female"),
             count_cell(1, 0, "MDA", "male"), count_cell(2, 0, "MDA", "other"),
             count_cell(3, 0, "MDA", ANSWERS)]
    write_table(tmp_path, "gender_by_country", rows, ["Moldova"], cells)
    found = audit.audit_run_folder(tmp_path, 5)
    assert ("tables/gender_by_country.csv", "sum") in kinds(found)  # 44/54 is 81%, not 74%


def test_recorded_values_reveal_what_the_table_withholds(tmp_path: Path) -> None:
    moldova_table(tmp_path, {"female": "–", "male": "–", "other": "0"})
    values = [
        {"name": "gender.base", "value": 54, "n": 54, "measure": "count", "cells": spec(["MDA"], ANSWERS)},
        {"name": "gender.female.pct", "value": 98.148148, "n": 54, "measure": "percent", "suppressed": False,
         "cells": spec(["MDA"], ["female"]), "of": spec(["MDA"], ANSWERS)},
    ]
    (tmp_path / "values.json").write_text(json.dumps(values), encoding="utf-8")
    found = audit.audit_run_folder(tmp_path, 5)
    assert ("values.json", "reveals") in kinds(found)
    assert any(f.kind == "small-group" for f in found)


def test_a_test_statistic_beside_a_withheld_cell_of_its_table(tmp_path: Path) -> None:
    """A chi-square printed with the margins can be inverted: published beside a withheld
    cell of its table, it is a finding; withheld too, or on a table with none, it is not."""
    moldova_table(tmp_path, {"female": "–", "male": "–", "other": "0"})
    table = spec(["MDA"], ANSWERS)
    stat = {"name": "gender.chi2.stat", "value": 25.645, "n": 54, "measure": "test", "cells": table}
    (tmp_path / "values.json").write_text(json.dumps([stat]), encoding="utf-8")
    found = audit.audit_run_folder(tmp_path, 5)
    assert ("values.json", "reveals") in kinds(found)
    assert any("gender.chi2.stat" in f.detail for f in found)
    (tmp_path / "values.json").write_text(json.dumps([{**stat, "value": None, "suppressed": True}]), encoding="utf-8")
    assert not any("chi2" in f.detail for f in audit.audit_run_folder(tmp_path, 5))
    clean = tmp_path / "clean"
    moldova_table(clean, {"female": "30", "male": "20", "other": "4"}, {"female": "56%", "male": "37%", "other": "7%"})
    (clean / "values.json").write_text(json.dumps([stat]), encoding="utf-8")
    assert not any("chi2" in f.detail for f in audit.audit_run_folder(clean, 3))


def test_combining_a_country_with_the_pooled_column(tmp_path: Path) -> None:
    # Each column is safe on its own, but pooled minus Albania gives Moldova's man (1)
    # and Moldova's base minus its women gives the same 1.
    rows = [["female", "34", "87"], ["male", "16", "17"], ["other", "0", "0"], ["Respondents", "50", "104"]]
    cells = []
    for k, a in enumerate(ANSWERS):
        cells.append(count_cell(k, 0, "ALB", a))
        cells.append({"at": [k, 1], "measure": "count", "cells": spec(PLACES, [a])})
    cells.append(count_cell(3, 0, "ALB", ANSWERS))
    cells.append({"at": [3, 1], "measure": "count", "cells": spec(PLACES, ANSWERS)})
    write_table(tmp_path, "gender", rows, ["Albania n", "All n"], cells)
    found = audit.audit_run_folder(tmp_path, 5)
    assert any(f.kind == "small-group" and "MDA/male" in f.detail for f in found)


def test_a_table_without_its_description(tmp_path: Path) -> None:
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "loose.csv").write_text(",n\nWoman,53\nMan,1\n", encoding="utf-8")
    found = audit.audit_run_folder(tmp_path, 5)
    assert kinds(found) == {("tables/loose.csv", "undescribed")}


def test_threshold_matters(tmp_path: Path) -> None:
    # Withheld pair of 7: safe at 5, a small group at 10.
    moldova_table(tmp_path, {"female": "47", "male": "–", "other": "–"}, {"female": "87%", "male": "–", "other": "–"})
    assert audit.audit_run_folder(tmp_path, 5) == []
    assert ("tables/gender.csv", "small-group") in kinds(audit.audit_run_folder(tmp_path, 10))


def test_a_published_small_base_is_not_a_finding(tmp_path: Path) -> None:
    # Seven participants in Albania: the base is printed; its cells are withheld.
    rows = [["Albania", "–", "–", "7"]]
    cells = [count_cell(0, 0, "ALB", "female"), count_cell(0, 1, "ALB", "male"),
             count_cell(0, 2, "ALB", ["female", "male"])]
    write_table(tmp_path, "conversation_participants", rows, ["Young women", "Young men", "All"], cells)
    assert audit.audit_run_folder(tmp_path, 10) == []
    rows = [["Albania", "7", "0", "7"]]
    write_table(tmp_path, "conversation_participants", rows, ["Young women", "Young men", "All"], cells)
    assert kinds(audit.audit_run_folder(tmp_path, 10)) == {("tables/conversation_participants.csv", "small-group")}


def test_values_of_two_families_tied_by_same_as(tmp_path: Path) -> None:
    # Workers who supported girls (45) and those with online girls' cases (42, the base of
    # another question): 3 had none, though no table prints 3.
    slider = {"universe": "girls_online_share", "places": ["ALB"], "categories": ["none", "some"]}
    online = {"universe": "girls_online_share", "places": ["ALB"], "categories": ["some"]}
    values = [
        {"name": "girls_online_share.base", "value": 45, "n": 45, "measure": "count", "cells": slider},
        {"name": "girls_online_share.none.n", "value": None, "suppressed": True, "n": 45, "measure": "count",
         "cells": {**slider, "categories": ["none"]}},
        {"name": "girls_age.base", "value": 42, "n": 42, "measure": "count",
         "cells": {"universe": "girls_age", "places": ["ALB"], "categories": ["under_11", "11_15"],
                   "same_as": online}},
    ]
    (tmp_path / "values.json").write_text(json.dumps(values), encoding="utf-8")
    found = audit.audit_run_folder(tmp_path, 5)
    assert any(f.kind == "small-group" and "ALB/none" in f.detail for f in found)


# --- independence and the real build ----------------------------------------------------------------

@pytest.mark.parametrize("module", sorted(p.name for p in (ROOT / "lib" / "perspectives").glob("audit*.py")))
def test_audit_does_not_import_the_suppression_code(module: str) -> None:
    # the audit and each of its parts (audit_reading, audit_checks, audit_groups)
    tree = ast.parse((ROOT / "lib" / "perspectives" / module).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported |= {f"{node.module}.{alias.name}" if node.module else alias.name for alias in node.names}
            imported.add(node.module or "")
    assert not any("disclosure" in name or "analysis" in name or "report" in name for name in imported), imported


@pytest.mark.parametrize("threshold", [5, 10])
def test_default_threshold_comes_from_the_study(tmp_path: Path, threshold: int, monkeypatch) -> None:
    moldova_table(tmp_path, {"female": "47", "male": "–", "other": "–"}, {"female": "87%", "male": "–", "other": "–"})
    from perspectives.project import Project

    class Stub:
        disclosure = {"threshold": threshold}

    # The study of the study folder around the working directory says the threshold.
    monkeypatch.setattr(Project, "study", property(lambda self: Stub()))
    assert bool(audit.audit_run_folder(tmp_path)) is (threshold == 10)


# --- issue 25: the audit's teeth, one planted leak of each kind ------------------------------------
# Each folder below holds numbers a report could print; each is clean on its own (or without the
# one number that leaks), and the audit must find the small group the leak lets anyone work out.

ATOMS = ["no_online", "boys_only", "girls_only", "both"]  # a country's respondents by population


def population(atoms: list[str], place: str = "ALB") -> dict:
    return {"universe": "population", "places": [place], "categories": atoms}


def base_record(name: str, universe: str, categories: list[str], value: int, atoms: list[str]) -> dict:
    """A table's base as values.json records it: its own cells, the same respondents as some atoms."""
    return {"name": name, "value": value, "n": value, "measure": "count", "suppressed": False,
            "cells": {**spec(["ALB"], categories, universe), "same_as": population(atoms)}}


def test_planted_base_difference_is_found(tmp_path: Path) -> None:
    # The issue's example: 50 eligible workers, 49 asked about offenders (workers with boys' or
    # girls' online cases): the one worker with no online case is 50 - 49. No table prints 1.
    values = [base_record("gender.base", "gender", ANSWERS, 50, ATOMS),
              base_record("offender_origin.base", "offender_origin", ["national", "foreign"], 49, ATOMS[1:])]
    (tmp_path / "values.json").write_text(json.dumps(values), encoding="utf-8")
    found = audit.audit_run_folder(tmp_path, 5)
    assert any(f.kind == "small-group" and "population" in f.detail and "ALB/no_online" in f.detail
               and "= 1" in f.detail for f in found), found
    # Withheld, the base of 49 leaves the difference unknown.
    values[1] = {**values[1], "value": None, "suppressed": True}
    (tmp_path / "values.json").write_text(json.dumps(values), encoding="utf-8")
    assert audit.audit_run_folder(tmp_path, 5) == []


def test_planted_difference_of_two_sub_populations_is_found(tmp_path: Path) -> None:
    # Boys' online cases (30), girls' (46) and either (49): 49 - 46 leaves the 3 workers with
    # boys' cases only, 49 - 30 the 19 with girls' only, and 30 + 46 - 49 the 27 with both.
    values = [base_record("boys_age.base", "boys_age", ["young", "old"], 30, ["boys_only", "both"]),
              base_record("girls_age.base", "girls_age", ["young", "old"], 46, ["girls_only", "both"]),
              base_record("offender_origin.base", "offender_origin", ["national", "foreign"], 49, ATOMS[1:])]
    (tmp_path / "values.json").write_text(json.dumps(values), encoding="utf-8")
    found = audit.audit_run_folder(tmp_path, 5)
    assert any(f.kind == "small-group" and "ALB/boys_only" in f.detail and "= 3" in f.detail for f in found), found


def write_build(out: Path, report: str, section: str, rows: list[list[str]], values: list[dict] | None = None) -> Path:
    """One report's run folder of a build, with Moldova's education table (n column and base)."""
    folder = out / report / "sections" / section
    answers = ["below_bachelor", "bachelor", "postgraduate"]
    cells = [count_cell(k, 0, "MDA", a) for k, a in enumerate(answers)] + [count_cell(3, 0, "MDA", answers)]
    cells = [{**c, "cells": {**c["cells"], "universe": "education"}} for c in cells]
    write_table(folder, "education", rows, ["Moldova n"], cells)
    if values is not None:
        (folder / "values.json").write_text(json.dumps(values), encoding="utf-8")
    return out


def test_planted_difference_between_two_builds_is_found(tmp_path: Path) -> None:
    # Issue 25's Moldova: 1 without a degree, 25 bachelors, 28 postgraduates. The study's build
    # withholds the 1 and the 28; a partner's build, on Moldova's rows alone, the 1 and the 25.
    # Each is safe; together they print 25 and 28 of 54, which leaves the 1.
    study = write_build(tmp_path / "study", "MDA", "methods",
                        [["No degree", "–"], ["Bachelor", "25"], ["Postgraduate", "–"], ["Respondents", "54"]])
    partner = write_build(tmp_path / "partner", "MDA", "methods",
                          [["No degree", "–"], ["Bachelor", "–"], ["Postgraduate", "28"], ["Respondents", "54"]])
    assert audit.audit_outputs(study, 5) == [] and audit.audit_outputs(partner, 5) == []
    found = audit.audit_outputs([study, partner], 5)
    assert any(f.kind == "small-group" and "MDA/below_bachelor" in f.detail and "= 1" in f.detail
               for f in found), found
    assert all(f.source.startswith(("#1 ", "#2 ")) for f in found)


def _study_and_reexport(tmp_path: Path) -> tuple[Path, Path]:
    """Moldova's education table in the study's build, and in a partner's re-export three postgraduates short."""
    study = write_build(tmp_path / "study", "MDA", "methods",
                        [["No degree", "6"], ["Bachelor", "20"], ["Postgraduate", "28"], ["Respondents", "54"]])
    partner = write_build(tmp_path / "partner", "MDA", "methods",
                          [["No degree", "6"], ["Bachelor", "20"], ["Postgraduate", "25"], ["Respondents", "51"]])
    return study, partner


def test_a_partners_reexport_a_few_respondents_short_is_found_by_differencing(tmp_path: Path) -> None:
    # A partner re-exports Moldova after three postgraduates withdrew: 54 -> 51, postgraduates
    # 28 -> 25. Each build is safe alone; side by side, the two tables tell that the three
    # are all postgraduates. They are different data: no equation joins them, so no "sum"
    # contradiction either.
    study, partner = _study_and_reexport(tmp_path)
    assert audit.audit_outputs(study, 5) == [] and audit.audit_outputs(partner, 5) == []
    found = audit.audit_outputs([study, partner], 5)
    assert {f.kind for f in found} == {"differencing"}, found
    details = " | ".join(f.detail for f in found)
    assert "postgraduate: 28 in one build, 25 in the other" in details, details
    assert "54 in one build, 51 in the other" in details, details
    assert not any("bachelor:" in f.detail for f in found)


def test_builds_of_different_data_far_apart_are_no_finding(tmp_path: Path) -> None:
    # Twenty respondents fewer: every difference is at least the threshold.
    study = write_build(tmp_path / "study", "MDA", "methods",
                        [["No degree", "6"], ["Bachelor", "20"], ["Postgraduate", "28"], ["Respondents", "54"]])
    other = write_build(tmp_path / "other", "MDA", "methods",
                        [["No degree", "6"], ["Bachelor", "10"], ["Postgraduate", "18"], ["Respondents", "34"]])
    assert audit.audit_outputs([study, other], 5) == []


def test_the_audit_command_reads_several_builds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from perspectives import cli

    study, partner = _study_and_reexport(tmp_path)
    assert cli.main(["audit", str(study)]) == 0
    assert cli.main(["audit", str(partner), str(study)]) == 1
    out = capsys.readouterr().out
    assert "differencing" in out and "postgraduate: 25 in one build, 28 in the other" in out
    assert cli.main(["audit", str(tmp_path / "nothing")]) == 2


def test_a_report_in_another_language_is_part_of_the_union_and_a_hidden_folder_is_not(tmp_path: Path) -> None:
    # The same two patterns, one in Moldova's English report and one in its Romanian report
    # (MDA/ro/): a reader holding both recovers the 1. An unfinished run's hidden folder is
    # not published, so what it holds is not read.
    out = write_build(tmp_path / "out", "MDA", "methods",
                      [["No degree", "–"], ["Bachelor", "25"], ["Postgraduate", "–"], ["Respondents", "54"]])
    write_build(tmp_path / "out" / "MDA", "ro", "methods",
                [["No degree", "–"], ["Bachelor", "–"], ["Postgraduate", "28"], ["Respondents", "54"]])
    found = audit.audit_outputs(out, 5)
    assert any(f.kind == "small-group" and "MDA/below_bachelor" in f.detail for f in found), found
    assert any(f.source.startswith("MDA/ro/methods:") for f in found), found
    hidden = write_build(tmp_path / "hidden", "MDA", "methods",
                         [["No degree", "–"], ["Bachelor", "25"], ["Postgraduate", "–"], ["Respondents", "54"]])
    write_build(tmp_path / "hidden", "MDA", ".methods.tmp-unfinished",
                [["No degree", "–"], ["Bachelor", "–"], ["Postgraduate", "28"], ["Respondents", "54"]])
    assert (hidden / "MDA" / "sections" / ".methods.tmp-unfinished" / "tables" / "education.csv").is_file()
    assert audit.audit_outputs(hidden, 5) == []


def test_planted_fidelity_verdict_on_a_withheld_value_is_found(tmp_path: Path) -> None:
    # The fidelity page said "withheld and matching" beside a claim of 1 man in Moldova: the
    # verdict pins the withheld count. The audit reads the page's description with the build.
    withheld = {"name": "gender.male.n", "value": None, "n": 54, "country": "MDA", "measure": "count",
                "suppressed": True, "cells": spec(["MDA"], ["male"])}
    write_build(tmp_path, "MDA", "methods",
                [["No degree", "–"], ["Bachelor", "25"], ["Postgraduate", "–"], ["Respondents", "54"]], [withheld])
    assert audit.audit_outputs(tmp_path, 5) == []
    (tmp_path / "fidelity").mkdir()
    page = tmp_path / "fidelity" / "claims.disclosure.json"
    page.write_text(json.dumps([{"claim_id": "M-GEN-003", "values": [withheld]}]), encoding="utf-8")
    found = audit.audit_outputs(tmp_path, 5)
    assert [(f.source, f.kind) for f in found] == [("fidelity/claims.csv", "reveals")]
    assert "M-GEN-003" in found[0].detail and "gender.male.n@MDA" in found[0].detail
    # A count of participants the page prints is a count like any other: 1 is a small group.
    page.write_text(json.dumps([{"claim_id": "M-CNV-003", "counts": [
        {"what": "attribute:male", "place": "MEX", "count": 1, "out_of": 10}]}]), encoding="utf-8")
    found = audit.audit_outputs(tmp_path, 5)
    assert any(f.kind == "small-group" and "MEX/yes" in f.detail and "= 1" in f.detail for f in found), found


def test_planted_rounding_recovery_is_found(tmp_path: Path) -> None:
    # 150 respondents: 140 answered c, a and b (withheld) hold 10 together. a's share alone is
    # printed, 5% rounded: a is 7 or 8 (no single count), so b is 2 or 3. Not fixed, but known to
    # lie between 1 and 4: only the integer program over the intervals finds it.
    rows = [["a", "–", "5%"], ["b", "–", "–"], ["c", "140", "93%"], ["Respondents", "150", ""]]
    answers = ["a", "b", "c"]
    cells = [count_cell(k, 0, "MDA", x) for k, x in enumerate(answers)] + [count_cell(3, 0, "MDA", answers)]
    cells += [{"at": [k, 1], "measure": "percent", "cells": spec(["MDA"], [x]), "of": spec(["MDA"], answers)}
              for k, x in enumerate(answers)]
    write_table(tmp_path, "q", rows, ["n", "%"], cells)
    found = audit.audit_run_folder(tmp_path, 5)
    assert any(f.kind == "small-group" and "MDA/b" in f.detail and "between 2 and 3" in f.detail for f in found), found
    # Printed as 3%, a's share leaves a at 4 or 5 and b at 5 or 6: neither known to be small.
    rows[0][2] = "3%"
    write_table(tmp_path, "q", rows, ["n", "%"], cells)
    assert audit.audit_run_folder(tmp_path, 5) == []


def test_loss_counts_each_count_once_and_the_withheld_ones(tmp_path: Path) -> None:
    # Moldova's gender: two of four counts withheld (the table's cells and the recorded base are
    # the same counts as the values'); the withheld mark and null are withheld, a value recorded
    # as combined is not (not a count the report sets out to give).
    run = tmp_path / "MDA" / "sections" / "methods"
    moldova_table(run, {"female": "–", "male": "–", "other": "0"})
    values = [{"name": "gender.base", "value": 54, "measure": "count", "cells": spec(["MDA"], ANSWERS)},
              {"name": "gender.male.n", "value": None, "suppressed": True, "measure": "count",
               "cells": spec(["MDA"], ["male"])},
              {"name": "age.41_50.n", "value": None, "suppressed": True, "combined": True, "measure": "count",
               "cells": spec(["MDA"], ["41_50"], "age_band")}]
    (run / "values.json").write_text(json.dumps(values), encoding="utf-8")
    found = audit.loss([run])
    assert (found.withheld, found.published) == (2, 4)
    assert found.share == 0.5


def test_a_combined_part_reads_as_withheld_and_its_description_keeps_it_out_of_the_loss(tmp_path: Path) -> None:
    # Issue 26: a part counted in its combination's row printed "↓"; it now prints the one
    # withheld mark, and its description (combined: true) says it is such a part, so the loss
    # still leaves it out, and the audit reads it as unknown, as any withheld cell.
    run = tmp_path / "MDA" / "sections" / "methods"
    rows = [["41 to 50", "–"], ["Over 50", "–"], ["Over 40", "15"], ["Respondents", "54"]]
    cells = [{**count_cell(0, 0, "MDA", "41_50"), "combined": True}, {**count_cell(1, 0, "MDA", "51_up"),
                                                                       "combined": True},
             count_cell(2, 0, "MDA", ["41_50", "51_up"]), count_cell(3, 0, "MDA", ["41_50", "51_up", "under"])]
    write_table(run, "age", rows, ["Moldova n"], cells)
    (run / "values.json").write_text("[]", encoding="utf-8")
    found = audit.loss([run])
    assert (found.withheld, found.published) == (0, 2)
    assert audit.audit_run_folder(run, 5) == []
    # Without the description's word, the same cells are withheld counts of the report.
    for cell in cells[:2]:
        cell.pop("combined")
    write_table(run, "age", rows, ["Moldova n"], cells)
    assert (audit.loss([run]).withheld, audit.loss([run]).published) == (2, 4)


# --- issue 25 review: the leaks the outsider's attack found, one planted leak of each kind -------

def test_planted_mean_with_all_its_decimals_is_found(tmp_path: Path) -> None:
    # Moldova's girls' online share printed as 62.510204 with no n: only n = 49 makes it a whole
    # sum (3063), which gives the withheld base away. As the tables print it (62.5), every n fits.
    item = {"name": "girls_online_share.mean", "value": 62.510204, "n": None, "country": "MDA"}
    (tmp_path / "values.json").write_text(json.dumps([item]), encoding="utf-8")
    found = audit.audit_run_folder(tmp_path, 5)
    assert [(f.kind, "girls_online_share.mean@MDA" in f.detail) for f in found] == [("reveals", True)], found
    (tmp_path / "values.json").write_text(json.dumps([{**item, "value": 62.5}]), encoding="utf-8")
    assert audit.audit_run_folder(tmp_path, 5) == []


def test_planted_withheld_count_bounded_below_the_threshold_is_found(tmp_path: Path) -> None:
    # The pooled gender table: 77 men of 413 printed, the women's count withheld but its share
    # printed (81%: 333 to 336), "another gender" withheld. Women and the other gender hold 336
    # together, so the other gender is 0 to 3: not pinned, but known to be below the threshold.
    rows = [["Woman", "–", "81%"], ["Man", "77", "19%"], ["Other", "–", "–"], ["Respondents", "413", ""]]
    cells = [count_cell(k, 0, "*", a) for k, a in enumerate(ANSWERS)] + [count_cell(3, 0, "*", ANSWERS)]
    cells += [{"at": [k, 1], "measure": "percent", "cells": spec(["*"], [a]), "of": spec(["*"], ANSWERS)}
              for k, a in enumerate(ANSWERS)]
    write_table(tmp_path, "gender", rows, ["n", "%"], cells)
    found = audit.audit_run_folder(tmp_path, 5)
    assert any(f.kind == "small-group" and "*/other" in f.detail and "at most 3" in f.detail for f in found), found
    # Without the women's share the other gender may hold up to 336: nothing is known.
    rows[0][2] = "–"
    write_table(tmp_path, "gender", rows, ["n", "%"], cells)
    assert audit.audit_run_folder(tmp_path, 5) == []


def test_planted_note_beside_a_withheld_claim_is_found(tmp_path: Path) -> None:
    # The fidelity page printed the registry's note beside a withheld claim: "the single 'other'
    # gender answer" tells the withheld count is 1. The audit reads the page's rows too.
    from perspectives import fidelity

    folder = tmp_path / "fidelity"
    folder.mkdir()
    header = "claim_id,section,kind,published,reproduced,status,note\n"
    clean = [f"M-GEN-006,methods,chi2,x,withheld,withheld,{fidelity.WITHHELD_NOTE}",
             f'C-X-001,methods,percent,x,withheld,source-inconsistent,"{fidelity.WITHHELD_SOURCE_NOTE}"']
    (folder / "claims.csv").write_text(header + "\n".join(clean) + "\n", encoding="utf-8")
    assert audit.audit_outputs(tmp_path, 5) == []
    leak = "M-GEN-003,methods,count,1,withheld,withheld,\"the single 'other' gender answer is a small cell\""
    (folder / "claims.csv").write_text(header + "\n".join([*clean, leak]) + "\n", encoding="utf-8")
    found = audit.audit_outputs(tmp_path, 5)
    assert [(f.source, f.kind) for f in found] == [("fidelity/claims.csv", "reveals")], found
    assert "M-GEN-003" in found[0].detail


# --- issue 25: the headline share of women, published to the nearest ten points ---------------

def _pooled_gender(folder: Path, share: float, digits: int) -> None:
    """The pooled gender table as the default build prints it (77 men of 413; the women's count
    and share withheld, "another gender" withheld) and the women's share recorded alone."""
    rows = [["Woman", "–", "–"], ["Man", "77", "19%"], ["Other", "–", "–"], ["Respondents", "413", ""]]
    cells = [count_cell(k, 0, "*", a) for k, a in enumerate(ANSWERS)] + [count_cell(3, 0, "*", ANSWERS)]
    cells += [{"at": [k, 1], "measure": "percent", "cells": spec(["*"], [a]), "of": spec(["*"], ANSWERS)}
              for k, a in enumerate(ANSWERS)]
    write_table(folder, "gender", rows, ["n", "%"], cells)
    item = {"name": "gender.female.pct", "value": share, "n": 413, "suppressed": False, "measure": "percent",
            "country": "ALL", "digits": digits, "cells": spec(["*"], ["female"]), "of": spec(["*"], ANSWERS)}
    (folder / "values.json").write_text(json.dumps([item]), encoding="utf-8")


def test_planted_headline_share_at_a_whole_percent_is_found(tmp_path: Path) -> None:
    # Women and the other gender hold 413 - 77 = 336. "About 80%" (digits -1: 310 to 351 women)
    # leaves the other gender at 0 to 26: nothing known. The same share planted at a whole
    # percent (81%: 333 to 336) leaves it at 0 to 3, known to be below the threshold.
    _pooled_gender(tmp_path, 80.0, -1)
    assert audit.audit_run_folder(tmp_path, 5) == []
    _pooled_gender(tmp_path, 81.0, 0)
    found = audit.audit_run_folder(tmp_path, 5)
    assert any(f.kind == "small-group" and "*/other" in f.detail and "at most 3" in f.detail for f in found), found


def test_planted_exact_verdict_on_a_coarse_share_is_found(tmp_path: Path) -> None:
    # The fidelity page judged the printed 81% against the share published as about 80%: only
    # "close" follows from the published figure (75..85 meets 80.5..81.5). "exact" would say
    # the share lies within 80.5..81.5, pinning the small group the coarse figure protects; a
    # "miss" where the intervals meet could only come from the unrounded share too.
    _pooled_gender(tmp_path / "ALL" / "sections" / "methods", 80.0, -1)
    item = json.loads((tmp_path / "ALL" / "sections" / "methods" / "values.json").read_text(encoding="utf-8"))[0]
    folder = tmp_path / "fidelity"
    folder.mkdir()
    (folder / "claims.disclosure.json").write_text(json.dumps([{"claim_id": "M-GEN-001", "values": [item]}]),
                                                   encoding="utf-8")
    header = "claim_id,section,kind,published,reproduced,status,note\n"

    def page(status: str, published: str = "81% (n=413)") -> list[audit.Finding]:
        row = f"M-GEN-001,methods,percent,{published},about 80%,{status},published to the nearest 10 points"
        (folder / "claims.csv").write_text(header + row + "\n", encoding="utf-8")
        return audit.audit_outputs(tmp_path, 5)

    assert page("close") == []
    for planted in ("exact", "miss"):
        found = page(planted)
        assert [(f.source, f.kind) for f in found] == [("fidelity/claims.csv", "reveals")], found
        assert "M-GEN-001" in found[0].detail and "gender.female.pct@ALL" in found[0].detail
    # A printed 91% lies outside 75..85: the published figure gives "miss", and "close" is the leak.
    assert page("miss", "91% (n=413)") == []
    assert page("close", "91% (n=413)") != []


def test_counts_for_percent_are_those_of_every_count() -> None:
    """The counts a printed share allows are the same whether every count up to n is tried or only those near it."""
    from decimal import ROUND_HALF_UP, Decimal

    from perspectives.audit_reading import counts_for_percent

    for n in (1, 2, 3, 7, 12, 25, 99, 100, 101, 413, 997):
        for digits in (-1, 0, 1, 2):
            unit = Decimal(1).scaleb(-digits)
            # Every count's printed share, by hand: Decimal's half-up rounding of each k/n.
            shown = [float(Decimal(repr(100.0 * k / n)).quantize(unit, rounding=ROUND_HALF_UP)) for k in range(n + 1)]
            for p in sorted(set(shown)) + [-5.0, 0.5, 33.3, 50.0, 66.7, 99.95, 100.0, 105.0, 1e9, float("nan")]:
                assert counts_for_percent(p, digits, n) == [k for k, v in enumerate(shown) if v == p], (p, digits, n)


def test_the_intervals_pass_solves_only_the_families_a_share_touches(tmp_path: Path, monkeypatch) -> None:
    """The second pass (rounded shares taken as exact) solves only the families their intervals touch.

    The other families hold the same equations as in the first pass, which found no small
    group in them; the planted rounding recovery is still found.
    """
    from perspectives import audit_checks

    rows = [["a", "–", "5%"], ["b", "–", "–"], ["c", "140", "93%"], ["Respondents", "150", ""]]
    answers = ["a", "b", "c"]
    cells = [count_cell(k, 0, "MDA", x) for k, x in enumerate(answers)] + [count_cell(3, 0, "MDA", answers)]
    cells += [{"at": [k, 1], "measure": "percent", "cells": spec(["MDA"], [x]), "of": spec(["MDA"], answers)}
              for k, x in enumerate(answers)]
    write_table(tmp_path, "q", rows, ["n", "%"], cells)
    # An unrelated table of another question, clean: its own family of leaves, no share printed.
    area = [["urban", "40", ""], ["rural", "60", ""], ["Respondents", "100", ""]]
    area_cells = [{"at": [k, 0], "measure": "count", "cells": spec(["ALB"], [x], "area")}
                  for k, x in enumerate(["urban", "rural"])]
    area_cells.append({"at": [2, 0], "measure": "count", "cells": spec(["ALB"], ["urban", "rural"], "area")})
    write_table(tmp_path, "area", area, ["n", "%"], area_cells)

    solved: list[tuple[bool, set[str]]] = []
    passes: list[bool] = []
    check, component = audit_checks.check, audit_checks._check_component

    def tracked_check(run, t, intervals=True, **kw):
        passes.append(intervals)
        try:
            return check(run, t, intervals, **kw)
        finally:
            passes.pop()

    def tracked_component(a_mat, b_vec, sources, leaves, run, t):
        # The audit calls the first pass by its own name for it; the second goes through the module.
        solved.append((passes[-1] if passes else True, {leaf[0] for leaf in leaves}))
        return component(a_mat, b_vec, sources, leaves, run, t)

    monkeypatch.setattr(audit_checks, "check", tracked_check)
    monkeypatch.setattr(audit_checks, "_check_component", tracked_component)
    found = audit.audit_run_folder(tmp_path, 5)
    assert any(f.kind == "small-group" and "MDA/b" in f.detail and "between 2 and 3" in f.detail for f in found), found
    first = [universes for intervals, universes in solved if intervals]
    second = [universes for intervals, universes in solved if not intervals]
    assert {"area"} in first and second, solved  # both families solved once; the second pass ran
    assert all("area" not in universes for universes in second), solved


def test_builds_of_different_exports_with_no_count_in_common_are_audited_apart(tmp_path: Path) -> None:
    # The study publishes Moldova's methods, a partner the support section of a re-export:
    # no count in common, so only their stamps tell that they read different files. Joined,
    # the population's ties made the study's own methods look inconsistent (a "sum" finding).
    study = write_build(tmp_path / "study", "MDA", "methods",
                        [["No degree", "6"], ["Bachelor", "20"], ["Postgraduate", "28"], ["Respondents", "54"]])
    partner = write_build(tmp_path / "partner", "MDA", "support",
                          [["No degree", "6"], ["Bachelor", "20"], ["Postgraduate", "25"], ["Respondents", "51"]])
    # Other answers in the partner's table: no leaf in common with the study's.
    side = partner / "MDA" / "sections" / "support" / "tables" / "education.disclosure.json"
    side.write_text(side.read_text(encoding="utf-8").replace('"education"', '"support_education"'), encoding="utf-8")
    for out, digest in ((study, "a" * 64), (partner, "b" * 64)):
        folder = next(out.glob("MDA/sections/*"))
        (folder / "stamp.json").write_text(json.dumps({"inputs": [{"role": "survey", "sha256": digest}]}))
    assert audit._same_data([study, partner], {study: audit._published_counts(study),
                                               partner: audit._published_counts(partner)}) == [[study], [partner]]
    same = json.dumps({"inputs": [{"role": "survey", "sha256": "a" * 64}]})
    (next(partner.glob("MDA/sections/*")) / "stamp.json").write_text(same)
    assert len(audit._same_data([study, partner], {study: audit._published_counts(study),
                                                   partner: audit._published_counts(partner)})) == 1


def test_a_count_withheld_with_its_base_is_bounded_below_the_threshold_by_another_reports_share(tmp_path: Path) -> None:
    # Moldova's report withholds its column of question q and its base (values.json records the
    # share of "none" withheld, n withheld). The synthesis prints Albania's 17 "none" and 178
    # "some" (195), the pooled base 200, and the pooled "none" count withheld but its share
    # printed alone, 9%. Worked by hand: Moldova's base is 200 - 195 = 5, so without the share
    # its "none" may hold all 5; with it, 17 <= pooled none < 19 (8.5% to 9.5% of 200, whole),
    # so Moldova's "none" is 0 or 1: known to be below the threshold. The old audit asked only
    # about withheld numbers with a count observed, never this one.
    universe = ["none", "some"]
    pooled = {"universe": "q", "places": ["ALB", "MDA"], "categories": ["none"]}
    base_all = {**pooled, "categories": universe}
    synthesis = tmp_path / "synthesis" / "sections" / "s"
    cells = [{"at": [0, 0], "measure": "count", "cells": pooled},
             {"at": [0, 1], "measure": "percent", "cells": pooled, "of": base_all},
             {"at": [1, 0], "measure": "count", "cells": {**pooled, "categories": ["some"]}},
             {"at": [2, 0], "measure": "count", "cells": base_all},
             {"at": [0, 2], "measure": "count", "cells": spec(["ALB"], ["none"], "q")},
             {"at": [1, 2], "measure": "count", "cells": spec(["ALB"], ["some"], "q")},
             {"at": [2, 2], "measure": "count", "cells": spec(["ALB"], universe, "q")}]
    write_table(synthesis, "q", [["none", "–", "9%", "17"], ["some", "–", "", "178"], ["Respondents", "200", "", "195"]],
                ["All n", "All %", "Albania n"], cells)
    moldova = tmp_path / "MDA" / "sections" / "s"
    moldova.mkdir(parents=True)
    (moldova / "values.json").write_text(json.dumps([
        {"name": "q.none.pct", "value": None, "suppressed": True, "n": None, "measure": "percent",
         "cells": spec(["MDA"], ["none"], "q"), "of": spec(["MDA"], universe, "q")}]), encoding="utf-8")
    found = audit.audit_outputs(tmp_path, 5)
    assert [f.detail for f in found if "MDA/none" in f.detail] == [
        "q [MDA/none] is withheld but at most 1: the rounded shares tell it is below 5"], found
    # Without the pooled share, it may hold all five: nothing is known.
    write_table(synthesis, "q", [["none", "–", "–", "17"], ["some", "–", "", "178"], ["Respondents", "200", "", "195"]],
                ["All n", "All %", "Albania n"], cells)
    assert audit.audit_outputs(tmp_path, 5) == []
