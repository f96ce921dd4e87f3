"""The disclosure audit of a build's outputs, done from what was published and nothing else.

Purpose
    After each run the build calls :func:`audit_run_folder` on what the run wrote. The audit
    plays an outsider who has the run's tables (``tables/*.csv``) and recorded values
    (``values.json``) and tries to recover small groups of respondents. It does not import
    or call the code that chose what to withhold (:mod:`perspectives.disclosure`): it reads
    the published numbers and the descriptions published beside them, and works out on its
    own what they fix. :func:`audit_outputs` does the same for a whole build (every report,
    and the fidelity page), or for several builds at once (the study's and a partner's
    build of one country: their numbers go into the same equations).

    The checks, each a finding that names the table (or ``values.json``, or the fidelity
    page):

    - ``sum``: parts do not add up to their base (a count larger than its base, a base whose
      published parts, all shown, do not sum to it; a percentage that is not its count over
      its base within rounding).
    - ``small-group``: a group of respondents holding 1 to threshold-1 is fixed by the
      published numbers (a small count printed, or a withheld group worked out by
      subtraction or by combining totals, in one table, across tables, between two bases of
      sub-populations, or between two builds), or is known to lie within 1..threshold-1
      (rounded shares and whole, non-negative counts); a published base is not a finding,
      nor a group that is a published base.
    - ``reveals``: a number withheld in one place is published in another, e.g. a
      percentage which, with its shown n, gives a count the table withholds; a test
      statistic published on a table with a withheld cell (the statistic can be inverted);
      or a fidelity verdict on a withheld value (it pins the value within a unit of the
      printed claim).
    - ``undescribed``: a table without its description (``<stem>.disclosure.json``).
    - ``differencing``: two builds of different data (a partner's re-export of a country
      the study publishes, with a few respondents withdrawn) print one count 1 to
      threshold-1 apart: the respondents in one export and not the other are a small group,
      and every count both print tells their answers.

What the outputs carry
    Every recorded count or share in ``values.json`` has ``cells`` (``universe``,
    ``places``, ``categories``: the answers and countries it sums) and, for a share,
    ``of`` (its base) and ``n``; a withheld value has ``value: null`` and ``suppressed:
    true``; a share printed alone, rounded, has ``digits``; a part shown within its
    combination has ``combined: true``. A test's statistic, df and p have ``measure:
    "test"`` and the ``cells`` of the table it was computed on.
    ``tables/<stem>.disclosure.json`` lists, for each table cell that shows a count or a
    share, its position (0-based data row and column of the CSV) and the same
    ``cells``/``of``. A cell reading ``–`` is withheld; one also described ``combined: true``
    is a part shown within its combination (unknown here, as a withheld cell, and not counted
    among the counts a report sets out to give). ``same_as`` ties cells of two families
    that count the same respondents: every table's base is tied to the atoms of the
    ``population`` family (:mod:`perspectives.populations`), whose names say nothing of
    the data, so a difference of two bases of different tables is a group of atoms.
    ``fidelity/claims.disclosure.json`` lists, for each claim the fidelity page gives a
    value or a verdict, the recorded values, mask cells and participant counts it shows.

Method
    Published counts are linear equations on the finest counts (the leaves); ties are
    equations too. A 0/1 group of leaves is fixed exactly when it lies in the row space of
    the equations (orthogonal to their null space); its value is then the group's sum over
    any solution. Leaves fixed one by one are read off; among the others, the 0/1 vectors of
    the row space are enumerated through a reduced row echelon basis (or found by an integer
    program when the space is large), and any whose value is 1 to threshold-1 is a finding:
    this is the population-differencing attack of the Eurostat/ESSnet *Handbook on
    Statistical Disclosure Control* (Hundepool et al. 2012, Wiley, chapters 4 and 5) over
    every table at once, linked tables included. Shares printed alone give intervals: one
    whole solution of everything published is found, the intervals are taken as exact at
    it to list the groups they could fix, and an integer program gives each one's least and
    greatest value (the linear programming attack, made exact for whole counts).

Inputs
    A run folder (``values.json``, ``tables/``) or one or more output folders; the threshold
    (default ``disclosure.threshold`` of ``params/study.yml``).

Outputs
    A list of :class:`Finding` (empty: nothing found); :func:`loss`, a report's withheld
    counts out of the counts it sets out to give.

Parts
    This module runs the audit on a run folder, a build or several builds, and measures a
    report's loss; it exports the audit's public API. Reading what was published into
    observations on the leaves is :mod:`perspectives.audit_reading`; the checks (sums,
    small groups fixed by subtraction, intervals of rounded shares),
    :mod:`perspectives.audit_checks`; the 0/1 groups a row space holds,
    :mod:`perspectives.audit_groups`. None of them imports the rule's code.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .audit_checks import check
from .audit_reading import WITHHELD, Finding, Leaf, Run, leaf_set, parse_count

# The audit's public API is this module's: Finding (audit_reading) is exported from here.

__all__ = ["Finding", "Loss", "audit_outputs", "audit_run_folder", "loss", "main"]


# --------------------------------------------------------------------------- entry points
def _threshold(threshold: int | None) -> int:
    """The threshold given, else the study's around the working directory."""
    if threshold is not None:
        return int(threshold)
    from .project import default

    return int(default().study.disclosure["threshold"])


def _section_folders(out: Path) -> list[Path]:
    """Every finished section folder of every report, in every language (``R/sections/S``, ``R/ro/sections/S``).

    A hidden folder (a run still writing, or one an interruption left) is not published, so
    it is not read.
    """
    found = [*out.glob("*/sections/*"), *out.glob("*/*/sections/*")]
    return sorted(f for f in found if f.is_dir() and not any(part.startswith(".") for part in f.relative_to(out).parts))


def _read_folder(run: Run, folder: Path, prefix: str = "") -> None:
    if (folder / "values.json").exists():
        run.add_values(folder / "values.json", f"{prefix}values.json")
    for csv_path in sorted((folder / "tables").glob("*.csv")):
        run.add_table(csv_path, f"{prefix}tables/{csv_path.name}")


def audit_run_folder(folder: Path | str, threshold: int | None = None) -> list[Finding]:
    """Audit what one run wrote (its ``values.json`` and ``tables/``).

    Args:
        folder: The run's folder (``outputs/<REPORT>/sections/<section>`` or the build's
            temporary folder of the run).
        threshold: The small-cell threshold (default ``params/study.yml``).

    Returns:
        The findings, each naming its table (or ``values.json``); empty when none.
    """
    run = Run()
    _read_folder(run, Path(folder))
    run.resolve_percents()
    return check(run, _threshold(threshold))


def audit_outputs(out_dir: Path | str | Sequence[Path | str], threshold: int | None = None) -> list[Finding]:
    """Audit a whole build at once, as an outsider holding every report would; or several builds.

    Numbers from every report's runs go into one set of equations, so a national count that
    the synthesis's table lets one subtract is found too, and so is the fidelity page
    (``fidelity/claims.disclosure.json``: a verdict on a withheld value is a finding). Given
    several output folders (the study's build and a partner's build of one country), their
    numbers go into the same equations: two builds that withhold different cells of the same
    table are caught. Builds of different data (they print different values for one count)
    are audited apart, and each count they both print that differs by 1 to threshold-1 is a
    ``differencing`` finding. Sources are named ``<REPORT>/<section>:tables/<stem>.csv``,
    prefixed with the folder's position (``#2 ``) when there are several.
    """
    folders = [Path(out_dir)] if isinstance(out_dir, (str, Path)) else [Path(f) for f in out_dir]
    limit = _threshold(threshold)
    tags = {out: f"#{k + 1} " if len(folders) > 1 else "" for k, out in enumerate(folders)}
    findings: list[Finding] = []
    counts = {out: _published_counts(out) for out in folders} if len(folders) > 1 else {}
    groups = _same_data(folders, counts) if counts else [folders]
    for group in groups:
        run = Run()
        for out in group:
            _read_build(run, out, tags[out])
        run.resolve_percents()
        findings += check(run, limit)
    return findings + _differences(groups, counts, tags, limit)


def _read_build(run: Run, out: Path, tag: str) -> None:
    """Every published number of one build (its reports' runs and its fidelity page) into ``run``."""
    for folder in _section_folders(out):
        report = folder.parents[1].relative_to(out).as_posix()
        _read_folder(run, folder, f"{tag}{report}/{folder.name}:")
    fidelity = out / "fidelity" / "claims.disclosure.json"
    if fidelity.is_file():
        run.add_fidelity(fidelity, f"{tag}fidelity/claims.csv")
    if (out / "fidelity" / "claims.csv").is_file():
        run.add_fidelity_rows(out / "fidelity" / "claims.csv", f"{tag}fidelity/claims.csv")


def _same_data(folders: list[Path], counts: dict[Path, dict[frozenset[Leaf], tuple[float, str]]]) -> list[list[Path]]:
    """The builds grouped by whether they count the same respondents, in the order given.

    Builds of the same data (the study's build and a partner's build of one country's rows
    of the same export) print the same value wherever they print the same count: their
    numbers are equations on the same leaves and go into one set. Builds that print
    different values for one count read different data (a partner's re-export after
    withdrawals): their leaves are other people, so they are audited apart, and their
    differences are read (:func:`_differences`). Builds that print no count in common are
    taken for the same data only when their runs read the same survey file (their stamps'
    SHA-256): two sections of different exports would otherwise pass for one.
    """
    digests = {out: _survey_digests(out) for out in folders}
    groups: list[list[Path]] = []
    for out in folders:
        home = next((g for g in groups if all(_alike(counts[out], counts[o], digests[out], digests[o]) for o in g)),
                    None)
        if home is None:
            groups.append([out])
        else:
            home.append(out)
    return groups


def _alike(a: dict[frozenset[Leaf], tuple[float, str]], b: dict[frozenset[Leaf], tuple[float, str]],
           a_digests: frozenset[str], b_digests: frozenset[str]) -> bool:
    shared = a.keys() & b.keys()
    if not shared:
        return a_digests == b_digests
    return all(a[cells][0] == b[cells][0] for cells in shared)


def _survey_digests(out: Path) -> frozenset[str]:
    """The SHA-256 of the survey data a build's runs read (their ``stamp.json``); empty when none says."""
    digests: set[str] = set()
    for folder in _section_folders(out):
        try:
            stamp = json.loads((folder / "stamp.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        inputs = stamp.get("inputs") if isinstance(stamp, dict) else None
        digests.update(str(i["sha256"]) for i in inputs or []
                       if isinstance(i, dict) and i.get("role") == "survey" and i.get("sha256"))
    return frozenset(digests)


def _differences(groups: list[list[Path]], counts: dict[Path, dict[frozenset[Leaf], tuple[float, str]]],
                 tags: dict[Path, str], threshold: int) -> list[Finding]:
    """Counts of the same cells published by builds of different data, 1 to threshold-1 apart.

    Two exports of one country that differ by a few respondents (a partner's re-export after
    withdrawals, a cleaned file) make every pair of published counts of the same answers a
    subtraction: their difference counts the respondents in one export and not the other, by
    answer. Each such difference below the threshold is a ``differencing`` finding (Hundepool
    et al. 2012, ch. 4: disclosure by differencing of overlapping releases).
    """
    findings: list[Finding] = []
    for i, first in enumerate(groups):
        for a_out, b_out in ((a, b) for second in groups[i + 1:] for a in first for b in second):
            findings += _small_differences(counts[a_out], counts[b_out], f"{tags[a_out]}and {tags[b_out]}".strip(),
                                           threshold)
    return findings


def _published_counts(out: Path) -> dict[frozenset[Leaf], tuple[float, str]]:
    """A build's published counts: the leaves each sums -> (its value, where it is printed)."""
    counts: dict[frozenset[Leaf], tuple[float, str]] = {}
    for folder in _section_folders(out):
        where = f"{folder.parents[1].relative_to(out).as_posix()}/{folder.name}"
        for cells, value in _count_cells(folder):
            if value is not None:
                counts.setdefault(cells, (value, where))
    return counts


def _small_differences(a: dict[frozenset[Leaf], tuple[float, str]], b: dict[frozenset[Leaf], tuple[float, str]],
                       pair: str, threshold: int) -> list[Finding]:
    found = []
    for cells in sorted(a.keys() & b.keys(), key=lambda c: sorted(c)):
        (x, where_a), (y, where_b) = a[cells], b[cells]
        if 0 < abs(x - y) < threshold:
            found.append(Finding(f"{pair} {where_a}", "differencing",
                                 f"{_describe(cells)}: {x:g} in one build, {y:g} in the other ({where_b}): "
                                 f"the {abs(x - y):g} respondent(s) in one export and not the other are "
                                 "a small group, and every count both builds publish gives them away"))
    return found


def _describe(cells: frozenset[Leaf]) -> str:
    """A short name of a set of leaves: its universes, places and categories."""
    universes, places, categories = (sorted({leaf[k] for leaf in cells}) for k in range(3))
    shown = [", ".join(universes), ", ".join(places), ", ".join(categories[:4]) + (" ..." if len(categories) > 4 else "")]
    return " / ".join(shown)


@dataclass(frozen=True)
class Loss:
    """How many of a report's counts are withheld, of how many it sets out to publish."""

    withheld: int
    published: int

    @property
    def share(self) -> float:
        """The withheld share (0 when nothing is published)."""
        return self.withheld / self.published if self.published else 0.0


def loss(runs: Iterable[Path | str]) -> Loss:
    """A report's loss: its distinct count cells (``values.json`` and tables), and those withheld.

    ``runs`` are the report's finished run folders (a folder being written is never read). A count cell is one set of leaves a count is described as summing (a table's cell and the
    recorded value of the same answers and places are one count); it is withheld where no
    table or value of the report shows it. Shares are not counted (a share is of a count).
    """
    shown: dict[frozenset[Leaf], bool] = {}
    for folder in sorted(Path(run) for run in runs):
        for cells, value in _count_cells(folder):
            shown[cells] = shown.get(cells, False) or value is not None
    return Loss(sum(not v for v in shown.values()), len(shown))


def _count_cells(folder: Path) -> Iterable[tuple[frozenset[Leaf], float | None]]:
    """Every count a run folder describes: (its leaves, its value or None where withheld)."""
    try:
        doc = json.loads((folder / "values.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        doc = []
    for item in doc if isinstance(doc, list) else []:
        if isinstance(item, dict) and item.get("measure") == "count" and "cells" in item and not item.get("combined"):
            withheld = bool(item.get("suppressed")) or item.get("value") is None
            yield leaf_set(item["cells"]), None if withheld else float(item["value"])
    for side in sorted((folder / "tables").glob("*.disclosure.json")):
        with side.with_name(side.name.replace(".disclosure.json", ".csv")).open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))[1:]
        for item in json.loads(side.read_text(encoding="utf-8")):
            if item.get("measure") != "count":
                continue
            i, j = item["at"]
            text = rows[i][j + 1] if i < len(rows) and j + 1 < len(rows[i]) else ""
            if item.get("combined"):
                continue  # shown within its combination: not a count the report sets out to give
            yield leaf_set(item["cells"]), None if WITHHELD in text and not re.search(r"[0-9]", text) \
                else parse_count(text)


# --------------------------------------------------------------------------- command line
def main(argv: Sequence[str] | None = None, project: object = None) -> int:
    """``perspectives audit OUT [OUT ...]``: audit one build, or several published side by side.

    Prints each finding and returns 1 when there is any, else 0. A partner runs it on its own
    build next to the study's build before publishing: ``perspectives audit outputs STUDY_OUT``.
    """
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="perspectives audit",
        description="Audit published outputs for small groups that can be worked out: one build, or several "
                    "published side by side (a partner's build next to the study's).")
    parser.add_argument("out", nargs="+", type=Path, metavar="OUT", help="an output folder of `perspectives build`")
    parser.add_argument("--threshold", type=int, metavar="N",
                        help="the small-cell threshold (default: the study's disclosure.threshold)")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    missing = [str(o) for o in args.out if not _section_folders(o)]
    if missing:
        print(f"perspectives audit: no built report in {', '.join(missing)}; give the folder a build wrote (--out)",
              file=sys.stderr)
        return 2
    threshold = args.threshold
    if threshold is None and project is not None:
        threshold = int(project.study.disclosure["threshold"])  # type: ignore[attr-defined]
    findings = audit_outputs(args.out, threshold)
    for finding in findings:
        print(f"perspectives audit: {finding}")
    print(f"perspectives audit: {len(findings)} finding(s) in {len(args.out)} build(s)", file=sys.stderr)
    return 1 if findings else 0
