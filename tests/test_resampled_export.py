"""A larger export resampled from the embedded one: the synthesis's crosstab and combinations pass the audit.

The export is the embedded export's rows drawn with replacement within each country (1,000
responses, the benchmark's scale step), so every answer is one the instrument accepts, but
the counts differ from the embedded ones. On it, two defects once made the build refuse
the synthesis (the build's own audit, which imports none of the rule, found them):

- the age by type of organisation table printed the withheld mark where the rule published
  a count (its group's base being withheld), while ``values.json`` recorded the count;
- the pooled age shares, published alone as rounded shares, with the crosstab's published
  cells pinned a withheld group of 2 to 4 respondents;
- the crosstab's published cells summed to a group's total across the countries, which
  the organisation table withholds; less the other countries' published counts of the
  group, it gave Albania's, and so Albania's other organisations (4).

Each section is run here as a notebook runs it (``Section``), and what it wrote is audited.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from perspectives.audit import audit_run_folder
from perspectives.report import Section
from perspectives.study import load_study, repo_root
from perspectives_synth.network import resampled_export

ROOT = repo_root()
STUDY = load_study()


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("resampled") / "export_1000.csv"
    resampled_export(ROOT / STUDY.data["survey"], 1000).to_csv(dest, index=False)
    return dest


def _run(export: Path, out: Path, section: str, analyses: list[str]) -> Path:
    run = Section(section, STUDY.synthesis_code, "en", str(export), None, str(out), "", str(ROOT))
    run.header()
    for name in analyses:
        run.run(name)
    run.finish()
    return out


@pytest.mark.parametrize(("section", "analyses"), [("methods", ["age_by_org"]),
                                                   ("methods", ["org_type", "age_by_org"]),
                                                   ("csea_online", ["girls_exchange"])])
def test_the_synthesis_of_a_resampled_export_passes_the_audit(export, tmp_path, section, analyses) -> None:
    out = _run(export, tmp_path / section, section, analyses)
    assert [str(f) for f in audit_run_folder(out)] == []


def test_a_count_the_rule_publishes_is_printed_unless_its_column_has_no_share_and_no_base(export, tmp_path) -> None:
    """Every count the rule publishes is in the table, but for a group whose every share and base are withheld.

    Such a column (counts beside withheld shares and a withheld base) told a reader nothing
    readable: the table leaves it out and says so; the counts stay in the recorded values.
    """
    out = _run(export, tmp_path / "methods", "methods", ["age_by_org"])
    recorded, shares = {}, {}
    for item in json.loads((out / "values.json").read_text(encoding="utf-8")):
        cells = item.get("cells", {})
        if len(cells.get("places", [])) != 1:
            continue
        key = (cells["places"][0], tuple(cells["categories"]))
        if item.get("measure") == "count" and not item.get("suppressed"):
            recorded[key] = item["value"]
        elif item.get("measure") == "percent":
            shares.setdefault(key[0], []).append(not item.get("suppressed"))
    table = out / "tables" / "age_by_org_by_org_type.csv"
    described = json.loads(table.with_name(table.stem + ".disclosure.json").read_text(encoding="utf-8"))
    with table.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    printed = set()
    for item in described:
        if item["measure"] != "count":
            continue
        key = (item["cells"]["places"][0], tuple(item["cells"]["categories"]))
        if key in recorded:
            i, j = item["at"]
            assert str(recorded[key]) in rows[i][j + 1].replace(",", ""), (key, rows[i][j + 1])
            printed.add(key)
    # The NGOs' four age bands from 21 up: the band under 21, which nobody in any group gave, is
    # no row of the table (drop_empty) and no recorded count.
    assert len(printed) >= 4 and all(group == "ngo" for group, _ in printed)
    left_out = {group for group, _ in set(recorded) - printed}
    assert left_out, "the resampled export has a group of counts without shares or base"
    assert all(not any(shares[group]) for group in left_out), (left_out, shares)
