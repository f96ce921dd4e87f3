"""What an outsider reads from one or more build folders, as linear facts on whole counts.

Purpose
    The attacker of ``lp_attack`` imports nothing of the project: this module reads the files a
    build publishes (``tables/*.csv`` with the ``*.disclosure.json`` printed beside them,
    ``values.json``, the fidelity page's ``claims.disclosure.json``) and the public
    questionnaire (``data/instrument/survey.csv``), and turns every number into a fact about
    *leaves*: the counts of respondents of one answer (category) of one question (universe) in
    one country (place), which the published descriptions name. A published count is an
    equation; a rounded share an interval on its count over its base (linear in both); a
    withheld cell an unknown to attack; a mean printed with its decimals an integer sum of
    answers, bounded by the answers' bands and tied to its base (so a mean printed without its
    ``n`` may still give the ``n`` away).

    Facts from several builds go into the same model: the leaves are named by country,
    question and answer, so the study's build, a partner's build of one country and a
    translated build speak of the same counts, and their differences are attacked together.

Inputs
    Build folders (as ``perspectives build --out DIR`` writes them); the threshold.

Outputs
    :class:`Model`: leaves, equations, intervals, the withheld groups (targets), the mean
    sums and what was read (counts of files, equations and cells).
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WITHHELD_MARKS = ("–",)  # the one mark of a value not given (a part counted in its combination shows it too)
Leaf = tuple[str, str, str]  # (universe, place, category)

_NUM = r"([0-9][0-9,]*(?:\.[0-9]+)?)"
_BAND = re.compile(r"^\s*(\d+)\s*%?\s*[-–]\s*(\d+)\s*%\s*$")
_POINT = re.compile(r"^\s*(\d+)\s*%\s*$")
# Rounding of a value printed with d decimals: the true value lies within half a unit of the
# last digit (inclusive both ends, so half-up and half-even are both covered).
_FLOAT_SLACK = 1e-9


def _half_unit(digits: int) -> float:
    return 0.5 * 10.0 ** (-digits)


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


VALUE_DECIMALS = 6  # values.json rounds every number to six decimals and drops trailing zeros


def value_decimals(value: float) -> int:
    """Decimals a value of ``values.json`` carries: six, whatever its shortest repr shows.

    Every unrounded value of the file has six decimals (62.510204, 18.282609); one written
    shorter (42.8) is one whose trailing decimals are zeros, so it is known to six decimals too.
    """
    return VALUE_DECIMALS


@dataclass
class Model:
    """Linear facts on leaves (whole, non-negative counts) and on integer sums of answers."""

    threshold: int
    names: list[str] = field(default_factory=list)           # variable names
    index: dict[Any, int] = field(default_factory=dict)      # leaf or sum key -> column
    is_sum: list[bool] = field(default_factory=list)          # a sum of answers (not a count)
    eq: list[tuple[dict[int, float], float, str]] = field(default_factory=list)
    ineq: list[tuple[dict[int, float], float, float, str]] = field(default_factory=list)
    targets: dict[frozenset[int], set[str]] = field(default_factory=lambda: defaultdict(set))
    mean_targets: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    published: dict[frozenset[int], set[tuple[float, str]]] = field(default_factory=lambda: defaultdict(set))
    universe_categories: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    bands: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    means: list[dict[str, Any]] = field(default_factory=list)
    tests: list[tuple[str, str, frozenset[int]]] = field(default_factory=list)
    undescribed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    read: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    places_all: set[str] = field(default_factory=set)
    aliases: dict[frozenset[int], set[frozenset[int]]] = field(default_factory=lambda: defaultdict(set))
    continuous: set[int] = field(default_factory=set)  # sums read as real numbers
    shares: list[tuple[frozenset[int], frozenset[int], float, float, str]] = field(default_factory=list)
    # Means without their n: (source, base, sum row, [(choice column, n, least sum, greatest sum)]).
    choices: list[tuple[str, frozenset[int], dict[int, float], list[tuple[int, int, int, int]]]] = field(
        default_factory=list)
    withheld_counts: set[frozenset[int]] = field(default_factory=set)

    # ------------------------------------------------------------------ variables
    def leaf(self, leaf: Leaf) -> int:
        """The column of one leaf (created on first use)."""
        if leaf not in self.index:
            self.index[leaf] = len(self.names)
            self.names.append("/".join(leaf))
            self.is_sum.append(False)
        self.universe_categories[leaf[0]].add(leaf[2])
        return self.index[leaf]

    def choice_var(self, key: str) -> int:
        """A 0/1 column: one of the choices a published number leaves (``choice <= 1`` is a row)."""
        if ("choice", key) not in self.index:
            col = self.index[("choice", key)] = len(self.names)
            self.names.append(f"choice({key})")
            self.is_sum.append(True)
            self.ineq.append(({col: 1.0}, 0.0, 1.0, key))
        return self.index[("choice", key)]

    def sum_var(self, question: str, place: str) -> int:
        """The column of the (integer) sum of a numeric question's answers in one place."""
        key = ("sum", question, place)
        if key not in self.index:
            self.index[key] = len(self.names)
            self.names.append(f"sum({question})/{place}")
            self.is_sum.append(True)
        return self.index[key]

    def cells(self, spec: dict[str, Any]) -> frozenset[int]:
        """The columns of a published ``cells`` description (universes x places x categories)."""
        universes = spec["universe"] if isinstance(spec["universe"], list) else [spec["universe"]]
        return frozenset(self.leaf((str(u), str(p), str(c))) for u in universes
                         for p in spec["places"] for c in spec["categories"])

    # ------------------------------------------------------------------ facts
    def equal(self, group: frozenset[int], value: float, source: str) -> None:
        """A published count of a group."""
        self.eq.append(({i: 1.0 for i in group}, float(value), source))
        self.published[group].add((float(value), source))
        self.read["equations"] += 1

    def tie(self, a: frozenset[int], b: frozenset[int], source: str) -> None:
        """Two descriptions of the same respondents."""
        if a == b:
            return
        row: dict[int, float] = defaultdict(float)
        for i in a:
            row[i] += 1.0
        for i in b:
            row[i] -= 1.0
        row = {i: v for i, v in row.items() if v}
        if row:
            self.eq.append((row, 0.0, source))
            self.read["ties"] += 1

    def share(self, part: frozenset[int], base: frozenset[int], pct: float, half: float, source: str) -> None:
        """A share printed as ``pct`` within ``half`` of its base (turned into rows by :meth:`finish`)."""
        self.shares.append((part, base, pct, half, source))
        self.read["share intervals"] += 1

    def finish(self) -> None:
        """Turn the shares into rows, once every published count is known.

        A share whose base is a published count bounds its count by whole numbers; one whose
        base is not is ``(pct-half)/100*base <= part <= (pct+half)/100*base``, linear in both.
        """
        for part, base, pct, half, source in self.shares:
            lo, hi = (pct - half) / 100.0, (pct + half) / 100.0
            known = self.published.get(base)
            if known:
                n = min(v for v, _ in known)
                low, high = math.ceil(lo * n - _FLOAT_SLACK), math.floor(hi * n + _FLOAT_SLACK)
                self.ineq.append(({i: 1.0 for i in part}, float(low), float(high), source))
                continue
            for bound, a, b in ((lo, -_FLOAT_SLACK, math.inf), (hi, -math.inf, _FLOAT_SLACK)):
                row: dict[int, float] = defaultdict(float)
                for i in part:
                    row[i] += 1.0
                for i in base:
                    row[i] -= bound
                self.ineq.append((dict(row), a, b, source))
        self.shares = []

    def withheld(self, group: frozenset[int], source: str, count: bool = True) -> None:
        """A number the build withholds: a group to attack (``count``: a count, not a share)."""
        self.targets[group].add(source)
        if count:
            self.withheld_counts.add(group)
        self.read["withheld cells"] += 1

    def spec_tie(self, spec: dict[str, Any], group: frozenset[int], source: str) -> None:
        """A ``same_as`` beside a description: the two groups count the same respondents."""
        if "same_as" in spec:
            other = self.cells(spec["same_as"])
            self.tie(group, other, source)
            self.aliases[group].add(other)
            self.aliases[other].add(group)


# ---------------------------------------------------------------------- parsing text
def parse_count(text: str) -> int | None:
    """A whole count as a cell prints it: ``34``, ``1,254``, ``n = 50``, ``68% (n = 34)`` (or ``n=50``)."""
    m = (re.search(r"\(n\s*=\s*" + _NUM + r"\)", text) or re.match(r"\s*n\s*=\s*" + _NUM + r"\s*$", text)
         or re.match(r"\s*" + _NUM + r"\s*$", text))
    return int(m.group(1).replace(",", "")) if m else None


def parse_percent(text: str) -> tuple[float, int] | None:
    """A share as a cell prints it (``68%``, ``44%†``, ``96``): the value and its decimals."""
    m = re.match(r"\s*" + _NUM + r"\s*%?", text)
    if not m:
        return None
    body = m.group(1).replace(",", "")
    return float(body), _decimals(body)


def is_withheld(text: str) -> bool:
    """A cell that reads as withheld (or shown only within its combination)."""
    return any(mark in text for mark in WITHHELD_MARKS) and not re.search(r"[0-9]", text)


def band_of(label: str) -> tuple[int, int] | None:
    """The answers a band's row label covers (``26-50%``, ``0%``)."""
    m = _BAND.match(label)
    if m:
        return int(m.group(1)), int(m.group(2))
    m = _POINT.match(label)
    return (int(m.group(1)), int(m.group(1))) if m else None


# ---------------------------------------------------------------------- reading files
def read_table(model: Model, csv_path: Path, label: str) -> None:
    """One published table and the description of its cells."""
    side = csv_path.with_name(csv_path.stem + ".disclosure.json")
    with csv_path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    model.read["tables"] += 1
    if not side.exists():
        model.undescribed.append(f"{label}: no description")
        return
    body = rows[1:]
    described: set[tuple[int, int]] = set()
    pending_shares = []
    for item in json.loads(side.read_text(encoding="utf-8")):
        i, j = item["at"]
        described.add((i, j))
        text = body[i][j + 1]
        group = model.cells(item["cells"])
        model.spec_tie(item["cells"], group, label)
        cats = item["cells"]["categories"]
        if item["measure"] == "count" and len(cats) == 1:
            band = band_of(body[i][0])
            if band is not None:
                model.bands[(item["cells"]["universe"], cats[0])] = band
        if is_withheld(text):
            model.withheld(group, f"{label} [{body[i][0]!r}, {rows[0][j + 1]!r}]", item["measure"] == "count")
            continue
        if item["measure"] == "count":
            count = parse_count(text)
            if count is None:
                model.undescribed.append(f"{label}: count cell {i},{j} reads {text!r}")
                continue
            model.equal(group, count, label)
            model.read["table counts"] += 1
        else:
            base = model.cells(item["of"])
            model.spec_tie(item["of"], base, label)
            if not text.strip():
                continue
            parsed = parse_percent(text)
            if parsed is None:
                model.undescribed.append(f"{label}: share cell {i},{j} reads {text!r}")
                continue
            pending_shares.append((group, base, parsed))
            count = parse_count(text) if re.search(r"\(n\s*=", text) else None
            if count is not None:
                model.equal(group, count, label)
            model.read["table shares"] += 1
    for group, base, (pct, digits) in pending_shares:
        model.share(group, base, pct, _half_unit(digits), label)
    for i, row in enumerate(body):
        for j, text in enumerate(row[1:]):
            if (i, j) not in described and re.search(r"[0-9]", text):
                model.undescribed.append(f"{label}: undescribed number {text!r} at {i},{j} ({row[0]!r})")


def read_item(model: Model, item: dict[str, Any], label: str) -> None:
    """One recorded value (a ``values.json`` entry, or one the fidelity page rests on)."""
    name = str(item.get("name", "?"))
    source = f"{label}: {name}@{item.get('country')}"
    if "cells" not in item:
        if name.endswith(".mean"):
            model.means.append({**item, "source": source})
        return
    group = model.cells(item["cells"])
    withheld = bool(item.get("suppressed")) or item.get("value") is None
    if item.get("measure") == "test":
        if not withheld:
            model.tests.append((source, name, group))
        return
    model.spec_tie(item["cells"], group, source)
    n = item.get("n")
    if item.get("measure") == "percent":
        base = model.cells(item["of"])
        model.spec_tie(item["of"], base, source)
        if n is not None:
            model.equal(base, n, source)
        if withheld:
            model.withheld(group, source, count=False)
            return
        value = float(item["value"])
        digits = int(item["digits"]) if "digits" in item else value_decimals(value)
        half = _half_unit(digits)
        if n is None:
            model.share(group, base, value, half, source)
        else:  # its base is known: the whole counts the share allows, as bounds on the count
            lo = math.ceil((value - half) * n / 100.0 - _FLOAT_SLACK)
            hi = math.floor((value + half) * n / 100.0 + _FLOAT_SLACK)
            if lo == hi:
                model.equal(group, lo, source)
            else:
                model.ineq.append(({i: 1.0 for i in group}, float(lo), float(hi), source))
        model.read["value shares"] += 1
        return
    if withheld:
        model.withheld(group, source)
        return
    model.equal(group, float(item["value"]), source)
    model.read["value counts"] += 1


def read_values(model: Model, path: Path, label: str) -> None:
    """A run's ``values.json``."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    model.read["values files"] += 1
    for item in doc if isinstance(doc, list) else []:
        if isinstance(item, dict):
            read_item(model, item, label)
            for spec in (item.get("cells"), item.get("of")):
                if isinstance(spec, dict) and len(spec.get("places", [])) > 1:
                    model.places_all.update(spec["places"])


def read_fidelity(model: Model, path: Path, label: str) -> None:
    """The fidelity page's description: the values, mask cells and counts each claim shows."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    model.read["fidelity files"] += 1
    for claim in doc if isinstance(doc, list) else []:
        cid = claim.get("claim_id", "?")
        for item in claim.get("values", []):
            read_item(model, item, f"{label} {cid}")
        for mask in claim.get("masks", []):
            for cell in mask.get("cells", []):
                group = model.cells(cell["cells"])
                model.spec_tie(cell["cells"], group, f"{label} {cid}")
                if cell.get("value") is None:
                    model.withheld(group, f"{label} {cid}")
                else:
                    model.equal(group, float(cell["value"]), f"{label} {cid}")
        for count in claim.get("counts", []):
            universe = f"fidelity:{count['what']}"
            yes = model.cells({"universe": universe, "places": [count["place"]], "categories": ["yes"]})
            both = model.cells({"universe": universe, "places": [count["place"]], "categories": ["yes", "no"]})
            model.equal(yes, count["count"], f"{label} {cid}")
            model.equal(both, count["out_of"], f"{label} {cid}")
            _link_fidelity_count(model, count, yes, both, f"{label} {cid}")


def _link_fidelity_count(model: Model, count: dict[str, Any], yes: frozenset[int], both: frozenset[int],
                         source: str) -> None:
    """What a reader knows a fidelity count counts: a theme's or a gender's participants.

    ``theme:NAME`` at a place is the participants the conversations' tables count under
    ``themes.NAME`` there, ``attribute:gender=G`` those of gender G, and ``out_of`` all the
    place's participants (every conversations country for ``ALL``).
    """
    places = sorted({leaf[1] for leaf in model.index if leaf[0] == "conversations.gender"})
    where = places if count["place"] == "ALL" else [count["place"]]
    if not where:
        return
    everyone = model.cells({"universe": "conversations.gender", "places": where, "categories": ["female", "male"]})
    what = str(count["what"])
    if what.startswith("theme:"):
        model.tie(yes, model.cells({"universe": f"themes.{what[len('theme:'):]}", "places": where,
                                    "categories": ["yes"]}), source)
    elif what.startswith("attribute:gender="):
        model.tie(yes, model.cells({"universe": "conversations.gender", "places": where,
                                    "categories": [what.split("=", 1)[1]]}), source)
    else:
        return
    model.tie(both, everyone, source)
    model.read["fidelity counts tied to tables"] += 1


def build_folders(root: Path) -> list[Path]:
    """Every run folder (one section of one report, any language) under a build folder."""
    return sorted(p.parent for p in root.rglob("values.json") if p.parent.parent.name == "sections")


def read_build(model: Model, root: Path, label: str, fidelity: bool = True,
               sections: set[tuple[str, str]] | None = None) -> None:
    """Everything a build folder publishes: tables, values and (``fidelity``) the fidelity page.

    ``sections``: only these (report folder, section) runs, e.g. ``{("MDA", "methods")}``.
    """
    for run in build_folders(root):
        if sections is not None and (run.parent.parent.name, run.name) not in sections:
            continue
        rel = f"{label}:{run.relative_to(root)}"
        read_values(model, run / "values.json", rel)
        for csv_path in sorted((run / "tables").glob("*.csv")):
            read_table(model, csv_path, f"{rel}/{csv_path.name}")
    page = root / "fidelity" / "claims.disclosure.json"
    if fidelity and page.exists():
        read_fidelity(model, page, f"{label}:fidelity")


# ---------------------------------------------------------------------- the questionnaire
def read_instrument(path: Path) -> dict[str, dict[str, str]]:
    """The public questionnaire's rows by question name (type, required, constraint)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["name"]: row for row in csv.DictReader(fh) if row.get("name")}


def add_instrument_facts(model: Model, instrument: dict[str, dict[str, str]]) -> None:
    """What the questionnaire itself says: at most k options ticked of a select-multiple."""
    per_question: dict[tuple[str, str], list[int]] = defaultdict(list)
    bases: dict[tuple[str, str], frozenset[int]] = {}
    for leaf, col in model.index.items():
        if leaf[0] in ("sum", "choice"):
            continue
        universe, place, category = leaf
        question, _, option = universe.partition(".")
        if not option or "/" in option or question not in instrument:
            continue
        if category == "yes":
            per_question[(question, place)].append(col)
        if (question, place) not in bases and {"yes", "no"} <= model.universe_categories[universe]:
            bases[(question, place)] = frozenset({model.index[(universe, place, "yes")],
                                                  model.leaf((universe, place, "no"))})
    for (question, place), cols in per_question.items():
        m = re.search(r"count-selected\(\.\)\s*<=\s*(\d+)", instrument[question].get("constraint", ""))
        if m and (question, place) in bases:
            row: dict[int, float] = defaultdict(float)
            for c in cols:
                row[c] += 1.0
            for c in bases[(question, place)]:
                row[c] -= float(m.group(1))
            model.ineq.append((dict(row), -math.inf, 0.0, f"instrument: {question} at most {m.group(1)}"))
            model.read["instrument limits"] += 1


MAX_CHOICES = 40  # a mean whose decimals allow more bases than this is kept as a linear bound only


def _eligible(model: Model, place: str) -> int | None:
    """A place's eligible respondents as its sample flow publishes them."""
    col = model.index.get(("sample", place, "eligible"))
    values = model.published.get(frozenset({col})) if col is not None else None
    return int(min(v for v, _ in values)) if values else None


def _mean_without_n(model: Model, item: dict[str, Any], base: frozenset[int], sums: dict[int, float],
                    value: float, half: float, places: list[str]) -> None:
    """A mean printed without its n: the bases its decimals allow, as a choice among whole numbers.

    ``mean * n`` is a whole sum of answers only for few n; each allowed n (up to the places'
    eligible respondents) is one 0/1 choice fixing the base and the sum (integer coefficients
    only: an integer program solves it). With too many allowed n (few decimals, large bases)
    the mean is kept as the linear bound ``(mean - half) * n <= sum <= (mean + half) * n``, the
    sums then read as real numbers.
    """
    limits = [_eligible(model, p) for p in places]
    top = sum(limits) if all(v is not None for v in limits) else None
    if top is None:  # a place's own flow is not published: every place's eligible together bound it
        pooled = frozenset(model.index[k] for k in (("sample", p, "eligible") for p in model.places_all) if k in model.index)
        known = model.published.get(pooled)
        top = int(min(v for v, _ in known)) if known else None
    choices = []
    if top is not None:
        for n in range(1, top + 1):
            lo, hi = math.ceil((value - half) * n - _FLOAT_SLACK), math.floor((value + half) * n + _FLOAT_SLACK)
            if lo <= hi:
                choices.append((n, lo, hi))
    if top is None or len(choices) > MAX_CHOICES:
        for bound, lo, hi in ((value - half, -_FLOAT_SLACK, math.inf), (value + half, -math.inf, _FLOAT_SLACK)):
            row = dict(sums)
            for c in base:
                row[c] = row.get(c, 0.0) - bound
            model.ineq.append((row, lo, hi, item["source"]))
        model.continuous.update(sums)
        return
    pick = [model.choice_var(f"{item['source']}#{n}") for n, _, _ in choices]
    model.eq.append(({z: 1.0 for z in pick}, 1.0, item["source"]))          # one n
    row = {c: 1.0 for c in base}
    for z, (n, _, _) in zip(pick, choices, strict=True):
        row[z] = -float(n)
    model.eq.append((row, 0.0, item["source"]))                             # the base is that n
    low, high = dict(sums), dict(sums)
    for z, (_, lo, hi) in zip(pick, choices, strict=True):
        low[z] = -float(lo)
        high[z] = -float(hi)
    model.ineq.append((low, 0.0, math.inf, item["source"]))                 # its sum in range
    model.ineq.append((high, -math.inf, 0.0, item["source"]))
    model.choices.append((item["source"], base, dict(sums),
                          [(z, n, lo, hi) for z, (n, lo, hi) in zip(pick, choices, strict=True)]))
    model.read["mean bases by choice"] += 1


def add_mean_facts(model: Model, digits: int | None = None) -> None:
    """Each mean printed with its decimals: an integer sum of answers, within its bands' bounds.

    ``sum = mean * n`` within half a unit of the last decimal times n; with ``n`` withheld the
    same holds with n the (unknown) count of the mean's base, which stays linear. The sum of a
    place lies between the least and greatest answers its bands allow. ``digits``: read each
    mean as rounded to that many decimals (as the report's text prints it) instead of all it has.
    """
    places_all = sorted(model.places_all)
    seen_places: set[tuple[str, str]] = set()
    for item in model.means:
        name = item["name"]
        question = name.split(".")[0]
        country = str(item.get("country"))
        middle = name[len(question) + 1:-len(".mean")]
        if middle:  # e.g. tech_share.MDA.mean in the synthesis
            country = middle
        places = places_all if country == "ALL" else [country]
        categories = sorted(model.universe_categories.get(question, set()))
        if not categories:
            model.notes.append(f"{item['source']}: no cells known for {question}")
            continue
        base = frozenset(model.leaf((question, p, c)) for p in places for c in categories)
        sums = [model.sum_var(question, p) for p in places]
        for p in places:
            seen_places.add((question, p))
        value = item.get("value")
        if value is None or item.get("suppressed"):
            for s in sums:
                model.mean_targets[s].add(item["source"])
            continue
        if digits is not None:
            value = round(float(value), digits)
        half = _half_unit(value_decimals(float(value)) if digits is None else digits)
        n = item.get("n")
        row_lo: dict[int, float] = defaultdict(float)
        for s in sums:
            row_lo[s] += 1.0
        if n is not None:
            lo, hi = (float(value) - half) * n - _FLOAT_SLACK, (float(value) + half) * n + _FLOAT_SLACK
            if math.floor(hi) == math.ceil(lo):  # one whole sum of answers: an equation
                model.eq.append((dict(row_lo), float(math.ceil(lo)), item["source"]))
            else:
                model.ineq.append((dict(row_lo), lo, hi, item["source"]))
            model.equal(base, n, item["source"])
        else:
            _mean_without_n(model, item, base, row_lo, float(value), half, places)
        model.read["means"] += 1
    for question, place in sorted(seen_places):
        s = model.sum_var(question, place)
        lo_row: dict[int, float] = {s: 1.0}
        hi_row: dict[int, float] = {s: 1.0}
        for c in sorted(model.universe_categories[question]):
            col = model.leaf((question, place, c))
            lo, hi = model.bands.get((question, c), (0, 100))
            lo_row[col] = lo_row.get(col, 0.0) - lo
            hi_row[col] = hi_row.get(col, 0.0) - hi
        model.ineq.append((lo_row, 0.0, math.inf, f"bands of {question}@{place}"))
        model.ineq.append((hi_row, -math.inf, 0.0, f"bands of {question}@{place}"))
