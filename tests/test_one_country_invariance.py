"""A country's published cells depend on its own rows only (issue 25).

A partner builds its national report from an export holding its country's rows alone; the
study builds the same report from every country's rows. The two must print exactly the same
national numbers and withhold the same ones: if they withheld different cells of one table
(the issue's Moldova: the study's build withheld the 1 and the 28 of 1, 25, 28 with no degree,
a bachelor's and a postgraduate degree; the partner's build the 1 and the 25), the two
reports together would give the 1 back.

The test filters the embedded export to Moldova's rows (every response: eligible, partial and
disqualified), builds Moldova's report from it with ``--data`` and from the embedded export,
and compares every value each records for Moldova, and every table's Moldova column. The
one-country build has no pooled column (it would repeat Moldova). The two builds together
are audited as one publication.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from shared_builds import view

from perspectives.audit import audit_outputs

COUNTRY = "MDA"
NAME = "Moldova"
# Values that say something about the whole report rather than one number of it.
ABOUT_THE_REPORT = ("summary.", "disclosure.counts.")


@pytest.fixture(scope="module")
def builds(tmp_path_factory, study_build: Path, moldova_partner_build: Path) -> tuple[Path, Path]:
    """Moldova's report built from the study's export and from Moldova's rows alone.

    The first is Moldova's report of conftest's shared ``study_build``, seen alone (a folder
    linking to it and to no other report, as a build of Moldova alone holds); the second is
    conftest's shared ``moldova_partner_build``.
    """
    return view(study_build, tmp_path_factory.mktemp("one-country") / "study", [COUNTRY]), moldova_partner_build


def national_values(out: Path) -> dict[tuple[str, str], tuple[object, bool]]:
    """(section, name) -> (value, withheld) of every value Moldova's report records about Moldova."""
    found = {}
    for path in sorted((out / COUNTRY / "sections").glob("*/values.json")):
        for item in json.loads(path.read_text(encoding="utf-8")):
            if item.get("country") == COUNTRY and not item["name"].startswith(ABOUT_THE_REPORT):
                found[(path.parent.name, item["name"])] = (item.get("value"), bool(item.get("suppressed")))
    return found


def national_columns(out: Path) -> dict[tuple[str, str, str, str], str]:
    """(section, table, row, column) -> text of every cell in a Moldova column of Moldova's tables."""
    found = {}
    for path in sorted((out / COUNTRY / "sections").glob("*/tables/*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        header = rows[0]
        for row in rows[1:]:
            for name, text in zip(header[1:], row[1:], strict=True):
                if name.startswith(NAME):
                    found[(path.parents[1].name, path.stem, row[0], name)] = text
    return found


def test_the_national_values_are_the_same_in_both_builds(builds: tuple[Path, Path]) -> None:
    study, partner = (national_values(b) for b in builds)
    assert len(study) > 300 and set(study) == set(partner)
    differ = {k: (study[k], partner[k]) for k in study if study[k] != partner[k]}
    assert not differ, list(differ.items())[:10]
    # and the rule had work to do in Moldova: some national numbers are withheld in both
    assert sum(withheld for _, withheld in study.values()) > 20


def test_the_national_columns_of_every_table_are_the_same(builds: tuple[Path, Path]) -> None:
    study, partner = (national_columns(b) for b in builds)
    common = set(study) & set(partner)
    assert len(common) > 150  # enough cells for the comparison to mean something (tables show what charts draw)
    differ = {k: (study[k], partner[k]) for k in common if study[k] != partner[k]}
    assert not differ, list(differ.items())[:10]
    # Moldova's education: the 1 without a degree is combined with the bachelors in both
    education = {k[2]: v for k, v in study.items() if k[1] == "education" and k[3].endswith(" n")}
    assert education["Master's degree or doctorate"] == "28"


def test_a_one_country_build_has_no_pooled_column(builds: tuple[Path, Path]) -> None:
    _, partner = builds
    for path in sorted((partner / COUNTRY / "sections").glob("*/tables/*.csv")):
        header = path.read_text(encoding="utf-8").splitlines()[0]
        assert "countries" not in header and "All " not in header, (path.name, header)
    pooled = [item["name"] for path in sorted((partner / COUNTRY / "sections").glob("*/values.json"))
              for item in json.loads(path.read_text(encoding="utf-8")) if item.get("country") == "ALL"]
    assert pooled == []


def test_the_two_builds_together_reveal_no_small_group(builds: tuple[Path, Path]) -> None:
    assert audit_outputs(list(builds)) == []
