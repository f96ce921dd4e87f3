"""An outsider's attack on one small build (issue 25's review): what it reads, and what it recovers.

The build is Moldova's report and the synthesis as the study publishes them: those two report
folders of the suite's shared study build (conftest's ``study_build``, made once per run with
``perspectives.build``), copied into a folder of their own. The attack imports nothing of
the project: it reads the published files only (``publish_reader``, ``lp_attack``,
``text_attack`` beside this file); it reads every table and values file of the two reports and
their HTML, Word and PDF text, and solves over the runs of ``SECTIONS``.
The fidelity page is attacked in ``tests/test_fidelity.py``, beside the page its tests write
(computing it again here would double the suite's longest fixture). Each finding is a strict xfail naming it, so the suite
stays green until the disclosure control is fixed, and turns red (XPASS) the day it is, so
that the mark is removed. ``make audit-attack`` runs the same attack over the whole study, a
partner's one-country build, its translation and a hostile export.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest
from shared_builds import private_copy

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import lp_attack  # noqa: E402
import publish_reader  # noqa: E402
import text_attack  # noqa: E402

THRESHOLD = 5
COUNTRY = "MDA"


@pytest.fixture(scope="module")
def build(tmp_path_factory, study_build: Path) -> Path:
    """Moldova's report and the synthesis, every section, as the study's build published them.

    Their two folders copied from the shared (read-only) study build into a folder of their
    own: the attack lists and reads only them, as it would read a build of those two reports.
    """
    out = tmp_path_factory.mktemp("attack") / "out"
    for report in (COUNTRY, "synthesis"):
        private_copy(study_build / report, out / report)
    return out


# The runs the linear/integer attack solves over: Moldova's sample, gender and caseloads, and the
# synthesis's gender by country (the first test reads the other tables too; ``make
# audit-attack`` solves over all of them).
SECTIONS = {(COUNTRY, "methods"), (COUNTRY, "csea_online"), ("synthesis", "methods")}


@pytest.fixture(scope="module")
def attacked(build) -> lp_attack.Report:
    """The linear/integer programming attack over those runs together."""
    return lp_attack.attack([build], THRESHOLD, sections=SECTIONS, fidelity=False)


def test_the_attack_reads_every_published_artefact(build, attacked) -> None:
    """Every table and values file is read, every number described, none contradicting."""
    model = publish_reader.Model(threshold=THRESHOLD)
    publish_reader.read_build(model, build, "build")
    publish_reader.add_mean_facts(model)
    model.finish()
    tables = list(build.rglob("tables/*.csv"))
    values = list(build.rglob("sections/*/values.json"))
    assert tables and values
    assert model.read["tables"] == len(tables)
    assert model.read["values files"] == len(values)
    # At least one published equation per table, and unknowns to solve for.
    assert model.read["equations"] >= len(tables)
    assert len(model.targets) > 0 and model.read["means"] > 0 and model.read["share intervals"] > 0
    # The published numbers agree with each other: a misreading would show as a contradiction.
    assert lp_attack.System(model).inconsistent == []
    # The only numbers no description covers are the means and the tests printed in tables
    # (values.json records both, and the attack reads them there).
    assert all("Mean (%)" in u or "χ²" in u for u in model.undescribed), model.undescribed
    # The solved part: its groups, and no contradiction there either.
    assert attacked.counts["groups attacked"] > attacked.counts["withheld groups"] > 0
    assert [f for f in attacked.findings if f.kind == "inconsistent"] == []
    # The rendered text (HTML with alt texts, Word) gives no number the tables do not.
    found, read = text_attack.unexplained(build)
    assert read > 100
    assert found == []


def _eligible(build: Path) -> int:
    """The country's eligible completed responses, as its sample flow publishes them."""
    items = json.loads((build / COUNTRY / "sections" / "methods" / "values.json").read_text(encoding="utf-8"))
    return int(next(i["value"] for i in items if i["name"] == "sample.eligible.n"))


def _mean_bases(build: Path) -> list[dict[str, object]]:
    """Each national mean printed without its n, and the n its decimals allow, from the files alone.

    ``mean * n`` is a whole sum of answers: within half a unit of the mean's last decimal, few n
    between the bands the table prints and the country's eligible responses allow it.
    """
    eligible = _eligible(build)
    out = []
    for values in sorted((build / COUNTRY / "sections").glob("*/values.json")):
        for item in json.loads(values.read_text(encoding="utf-8")):
            if not (str(item["name"]).endswith(".mean") and item.get("n") is None and item.get("value") is not None):
                continue
            question = str(item["name"]).split(".")[0]
            table = values.parent / "tables" / question
            with table.with_suffix(".csv").open(encoding="utf-8", newline="") as fh:
                rows = list(csv.reader(fh))[1:]
            cells = json.loads(table.with_suffix(".disclosure.json").read_text(encoding="utf-8"))
            national = [c for c in cells if c["measure"] == "count" and c["cells"]["places"] == [COUNTRY]]
            text = [rows[c["at"][0]][c["at"][1] + 1] for c in national]
            sizes = [len(c["cells"]["categories"]) for c in national]
            # A country's column whose every share and base are withheld is not printed (issue 26):
            # its base is then as unknown to the outsider as a withheld one, and no band is shown.
            base_text = text[sizes.index(max(sizes))] if sizes else publish_reader.WITHHELD_MARKS[0]
            shown = sum(publish_reader.parse_count(t) or 0 for t, k in zip(text, sizes, strict=True)
                        if k == 1 and not publish_reader.is_withheld(t))
            value = float(item["value"])
            half = 0.5 * 10.0 ** -publish_reader.value_decimals(value)
            candidates = [n for n in range(max(shown, 1), eligible + 1) if abs(value * n - round(value * n)) <= half * n + 1e-9]
            out.append({"question": question, "mean": value, "base withheld": publish_reader.is_withheld(base_text),
                        "bands shown": shown, "eligible": eligible, "n": candidates})
    return out


def test_a_mean_does_not_give_its_withheld_base_away(build) -> None:
    """The outsider's divisor attack on a mean whose table withholds its base.

    Moldova's ``girls_online_share.mean`` is 62.510204 with no n; its table withholds the base
    and the 0% band and prints the other bands (9, 5, 12, 20: 46 workers). From 46 to Moldova's
    54 eligible workers, only n = 49 makes 62.510204 * n a whole number (3063): the base is 49
    and the 0% band holds 3. ``tech_share.mean`` 30.471698 gives n = 53 (a sum of 1615): one of
    the 54 eligible workers did not answer the optional question. Since issue 26 Moldova's column
    of those tables (counts beside withheld shares and a withheld base) is not printed at all:
    the outsider then has no band, and the base is as unknown as a withheld one.
    """
    found = [m for m in _mean_bases(build) if m["base withheld"]]
    assert found, "no mean beside a withheld base: nothing for this attack"
    recovered = [m for m in found if len(m["n"]) == 1]
    assert recovered == [], f"withheld bases recovered from the means' decimals: {recovered}"


def test_no_small_group_is_recoverable(attacked) -> None:
    """No group of 1..threshold-1 respondents is fixed by everything the build publishes."""
    assert [str(f) for f in attacked.findings if f.kind in ("pinned", "interval")] == []


def test_a_withheld_count_is_not_known_to_be_below_the_threshold(attacked) -> None:
    """A withheld count whose greatest possible value is below the threshold tells it is small.

    The synthesis prints 77 men and women as 81% of 413 (333 to 336 women); by country it prints
    the women of every country but Moldova (282 together), and Moldova's "another gender" as 0
    of 54. Moldova's women are then 51 to 54, its men 0 to 3: the build withholds them because
    they are 1, and a reader learns they are fewer than the threshold. τ-ARGUS calls this a
    protection interval that does not reach the threshold (the upper protection level).
    """
    assert [str(f) for f in attacked.bounded] == []
