"""The disclosure audit's reading: what a build published, as observations on the leaves.

Held apart from :mod:`perspectives.audit` (which runs the audit on run folders and builds)
because it is one job, the section "What the outputs carry" of that module's docstring:
reading ``values.json``, each table's CSV with its ``.disclosure.json``, and the fidelity
page into published (or withheld) numbers about sets of leaves, their ties, and the
findings the reading itself makes (a table without its description, a mean printed with
too many decimals, a verdict on a withheld value, or one on a share published only rounded
that its published figure does not give). :class:`Finding` is the public API of
:mod:`perspectives.audit`, which exports it. Like :mod:`perspectives.audit`, it imports
none of the rule's code (:mod:`perspectives.disclosure` and its parts).
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from .fmt import WITHHELD_MARK

# The one mark of a value not given (perspectives.fmt, the house style the audit reads tables
# in; not the rule's code). A part counted in its combination's row shows it too: unknown
# here, as a withheld cell is; its description says ``combined``.
WITHHELD = WITHHELD_MARK
MEAN_DIGITS = 1  # a mean's decimals in values.json: as the tables print it
# What a withheld claim's note on the fidelity page may say (nothing of the number).
WITHHELD_NOTES = ("withheld under the small-cell rule: no value and no verdict are given",
                  "the published report contradicts itself on this claim; "
                  "withheld under the small-cell rule: no value and no verdict are given")

Leaf = tuple[str, str, str]  # (universe, place, category)


@dataclass(frozen=True)
class Finding:
    """One problem: where it is (a table or values.json), its kind and what was found."""

    source: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.source}: {self.kind}: {self.detail}"


@dataclass
class Obs:
    """One published (or withheld) number about a set of leaves."""

    source: str
    leaves: frozenset[Leaf]
    count: float | None      # the count it fixes; None: withheld, or not exactly known
    withheld: bool
    is_percent: bool = False


def leaf_set(spec: dict[str, Any]) -> frozenset[Leaf]:
    """The leaves a described cell sums: its universes x places x categories."""
    universes = spec["universe"] if isinstance(spec["universe"], list) else [spec["universe"]]
    # The product in the nested loops' order, so the set is built in the same order.
    return frozenset(itertools.product(map(str, universes), map(str, spec["places"]), map(str, spec["categories"])))


def _round_half_up(x: float, digits: int) -> float:
    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def counts_for_percent(p: float, digits: int, n: int) -> list[int]:
    """The counts out of ``n`` that print as ``p`` percent with ``digits`` decimals.

    Rounding half up moves a share by at most half a unit of its last digit, so only the
    counts whose share lies within that of ``p`` can print as it: those (and two more on
    each side, against the floating-point share) are tried, not every count up to ``n``.
    """
    candidates = range(n + 1)
    if n > 0 and math.isfinite(p):
        half = 0.5 * 10.0 ** -digits
        candidates = range(max(0, math.floor(n * (p - half) / 100.0) - 2),
                           min(n, math.ceil(n * (p + half) / 100.0) + 2) + 1)
    return [k for k in candidates if _round_half_up(100.0 * k / n, digits) == p]


_NUM = r"([0-9][0-9,]*(?:\.[0-9]+)?)"


def parse_count(text: str) -> int | None:
    """The count a table cell prints (``54``, ``n = 54``, ``41% (n = 54)``; ``n=54`` as before), or None."""
    m = (re.search(r"\(n\s*=\s*" + _NUM + r"\)", text) or re.match(r"\s*n\s*=\s*" + _NUM, text)
         or re.match(r"\s*" + _NUM + r"\s*$", text))
    return int(float(m.group(1).replace(",", ""))) if m else None


def _parse_percent(text: str) -> tuple[float, int] | None:
    m = re.match(r"\s*" + _NUM + r"\s*%?", text)
    if not m:
        return None
    body = m.group(1).replace(",", "")
    return float(body), len(body.split(".")[1]) if "." in body else 0


# --------------------------------------------------------------------------- reading
class Run:
    """Everything one or more run folders publish, as observations on leaves."""

    def __init__(self) -> None:
        self.obs: list[Obs] = []
        self.relations: list[tuple[frozenset[Leaf], frozenset[Leaf], str]] = []
        self.bases: set[frozenset[Leaf]] = set()
        self.findings: list[Finding] = []
        # Table shares, resolved once every published count is known: (source, cells, base
        # cells, percent or None when withheld, decimals, text).
        self.pending: list[tuple[str, frozenset[Leaf], frozenset[Leaf], float | None, int, str]] = []
        # Published test statistics: (source, the name, the leaves of the test's table).
        self.tests: list[tuple[str, str, frozenset[Leaf]]] = []
        # Shares whose rounding leaves their count an interval: (source, cells, least, greatest).
        self.intervals: list[tuple[str, frozenset[Leaf], int, int]] = []
        # Fidelity claims resting on a share published coarser than a whole percent: claim id
        # -> (the value's name, the published share, its decimals).
        self.coarse_claims: dict[str, tuple[str, float, int]] = {}
        # Shares withheld with their base (a country's column left out): no count is observed,
        # but their counts are groups an attacker names, as any withheld number.
        self.unknown: list[tuple[str, frozenset[Leaf]]] = []

    def add_values(self, path: Path, label: str) -> None:
        """Read a run's ``values.json`` (``label``: how a finding names it)."""
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        for item in doc if isinstance(doc, list) else []:
            if isinstance(item, dict) and "cells" in item:
                self.add_item(item, label)
            elif isinstance(item, dict) and str(item.get("name", "")).endswith(".mean"):
                self.check_mean(item, label)

    def check_mean(self, item: dict[str, Any], label: str) -> None:
        """A mean printed with more decimals than the tables print gives its base away.

        ``mean * n`` is a whole sum of answers: with many decimals only one n (or few) fits,
        which pins a withheld base and, with the bands, bounds the withheld ones (the divisor
        attack of the issue 25 review). One decimal leaves every n from ten up.
        """
        value = item.get("value")
        if value is None or item.get("suppressed"):
            return
        decimals = len(repr(float(value)).split(".")[1].rstrip("0"))
        if decimals > MEAN_DIGITS:
            self.findings.append(Finding(label, "reveals", f"{item.get('name')}@{item.get('country')} = {value} "
                                         f"has {decimals} decimals: mean x n is a whole sum for few n, which "
                                         f"gives its base away (print it with {MEAN_DIGITS})"))

    def add_fidelity_rows(self, path: Path, label: str) -> None:
        """The fidelity page's rows: a withheld claim reads "withheld" and a fixed note, nothing else."""
        try:
            with path.open(encoding="utf-8", newline="") as fh:
                rows = list(csv.DictReader(fh))
        except OSError:
            return
        for row in rows:
            if row.get("reproduced") == "withheld" and row.get("note", "") not in WITHHELD_NOTES:
                self.findings.append(Finding(label, "reveals", f"claim {row.get('claim_id')} is withheld but its "
                                             f"note says more: {row.get('note', '')[:80]!r}"))
            self.check_coarse_verdict(row, label)

    def check_coarse_verdict(self, row: dict[str, str], label: str) -> None:
        """A verdict on a share published coarser than its claim is printed must follow from the published figure.

        "about 80%" (to the nearest ten points) against a printed 81%: the two intervals meet,
        so the verdict is "close"; had they not, "miss". An "exact" (or any other verdict)
        could only come from the unrounded share, and pins it to the claim's own interval
        (81%: 80.5..81.5), which the coarse figure was published to avoid.
        """
        cid = row.get("claim_id", "")
        if cid not in self.coarse_claims or row.get("kind") not in {"percent", "mean"} \
                or row.get("status") in {"withheld", "source-inconsistent", "not-computable"}:
            return
        name, value, digits = self.coarse_claims[cid]
        printed = _parse_percent(row.get("published", ""))
        if printed is None or printed[1] <= digits:
            return  # a claim printed no finer than the published figure: any verdict follows from it
        unit, half = 10.0 ** (-digits), 0.5 * 10.0 ** (-printed[1])
        meets = printed[0] - half <= value + unit / 2 and value - unit / 2 <= printed[0] + half
        expected = "close" if meets else "miss"
        if row.get("status") != expected:
            self.findings.append(Finding(label, "reveals", f"claim {cid} reads {row.get('status')!r} on {name}, "
                                         f"published only as about {value:g}% (to {unit:g} points): the "
                                         f"published figure gives {expected!r}; a finer verdict pins the share"))

    def add_fidelity(self, path: Path, label: str) -> None:
        """What the fidelity page shows: the recorded values, mask cells and counts each verdict rests on.

        A verdict on a withheld value is itself a finding: it pins the value within a unit of
        the printed claim.
        """
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.findings.append(Finding(label, "undescribed", f"{path.name} cannot be read"))
            return
        for claim in doc if isinstance(doc, list) else []:
            cid = claim.get("claim_id", "?")
            for item in claim.get("values", []):
                if item.get("suppressed") or item.get("value") is None:
                    self.findings.append(Finding(label, "reveals", f"claim {cid} gives a verdict on "
                                                 f"{item.get('name')}@{item.get('country')}, which is withheld"))
                    continue
                if "digits" in item:
                    self.coarse_claims[cid] = (f"{item.get('name')}@{item.get('country')}", float(item["value"]),
                                               int(item["digits"]))
                if "cells" in item:
                    self.add_item(item, label)
            for mask in claim.get("masks", []):
                for cell in mask.get("cells", []):
                    leaves = leaf_set(cell["cells"])
                    self._same_as(cell["cells"], leaves, label)
                    value = cell.get("value")
                    self.obs.append(Obs(label, leaves, None if value is None else float(value), value is None))
            for count in claim.get("counts", []):
                universe = f"fidelity:{count['what']}"
                spec = {"universe": universe, "places": [count["place"]], "categories": ["yes"]}
                base = {**spec, "categories": ["yes", "no"]}
                self.obs.append(Obs(label, leaf_set(spec), float(count["count"]), False))
                self.obs.append(Obs(label, leaf_set(base), float(count["out_of"]), False))
                self.bases.add(leaf_set(base))

    def add_item(self, item: dict[str, Any], label: str) -> None:
        """One recorded value (a ``values.json`` entry) as observations on leaves."""
        cells = leaf_set(item["cells"])
        withheld = bool(item.get("suppressed")) or item.get("value") is None
        if item.get("measure") == "test":
            if not withheld:
                self.tests.append((label, str(item.get("name")), cells))
            return
        self._same_as(item["cells"], cells, label)
        n = item.get("n")
        if item.get("measure") == "percent":
            of = leaf_set(item["of"])
            self._same_as(item["of"], of, label)
            self.bases.add(of)
            if n is not None:
                self.obs.append(Obs(label, of, float(n), False))
            if withheld:
                if n is not None:  # with its base withheld, a withheld share says nothing of the count
                    self.obs.append(Obs(label, cells, None, True, True))
                else:
                    self.unknown.append((label, cells))
            elif "digits" in item:
                # A share printed as rounded (its count withheld): the counts it allows.
                self.pending.append((label, cells, of, float(item["value"]), int(item["digits"]),
                                     f"{item['name']} = {item['value']}%"))
            elif n is not None:
                exact = float(item["value"]) * int(n) / 100.0
                if abs(exact - round(exact)) > 1e-3 * max(1, int(n)):
                    self.findings.append(Finding(label, "sum", f"{item['name']} = {item['value']}% is no "
                                                 f"whole count of its base n={n}"))
                self.obs.append(Obs(label, cells, float(round(exact)), False, True))
        else:
            self.obs.append(Obs(label, cells, None if withheld else float(item["value"]), withheld))

    def _same_as(self, spec: dict[str, Any], cells: frozenset[Leaf], label: str) -> None:
        if "same_as" in spec:
            self.relations.append((cells, leaf_set(spec["same_as"]), label))

    def add_table(self, csv_path: Path, label: str) -> None:
        """Read a table's CSV with its ``.disclosure.json`` (``label``: how a finding names it)."""
        side = csv_path.with_name(csv_path.stem + ".disclosure.json")
        if not side.exists():
            self.findings.append(Finding(label, "undescribed", "no description of its cells "
                                         f"({side.name}); the audit cannot check it"))
            return
        with csv_path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))[1:]
        for item in json.loads(side.read_text(encoding="utf-8")):
            i, j = item["at"]
            try:
                text = rows[i][j + 1]
            except IndexError:
                self.findings.append(Finding(label, "undescribed", f"described cell {i},{j} is not in the table"))
                continue
            cells = leaf_set(item["cells"])
            self._same_as(item["cells"], cells, label)
            withheld = WITHHELD in text and not re.search(r"[0-9]", text)
            if item["measure"] == "count":
                if withheld:
                    self.obs.append(Obs(label, cells, None, True))
                    continue
                count = parse_count(text)
                if count is None:
                    self.findings.append(Finding(label, "undescribed", f"cell {i},{j} ({text!r}) is no count"))
                    continue
                self.obs.append(Obs(label, cells, float(count), False))
            else:
                of = leaf_set(item["of"])
                self.bases.add(of)
                if withheld:
                    self.pending.append((label, cells, of, None, 0, text))
                    continue
                if not text.strip():
                    continue  # a base of nobody: no share
                parsed = _parse_percent(text)
                if parsed is None:
                    self.findings.append(Finding(label, "undescribed", f"cell {i},{j} ({text!r}) is no share"))
                    continue
                count = parse_count(text) if "(n=" in text else None
                self.pending.append((label, cells, of, parsed[0], parsed[1], text))
                if count is not None:
                    self.obs.append(Obs(label, cells, float(count), False))

    def resolve_percents(self) -> None:
        """Turn table percentages into counts where their base is published and the count unique."""
        known: dict[frozenset[Leaf], float] = {}
        for o in self.obs:
            if o.count is not None:
                known.setdefault(o.leaves, o.count)
        for label, cells, of, p, digits, text in self.pending:
            n = known.get(of)
            if n is None:
                continue  # without its base a share fixes no count, nor withholds one
            if p is None:
                self.obs.append(Obs(label, cells, None, True, True))
                continue
            if n == 0:
                continue
            candidates = counts_for_percent(p, digits, int(n))
            exact = known.get(cells)
            if not candidates or (exact is not None and int(exact) not in candidates):
                self.findings.append(Finding(label, "sum", f"{text!r} is not a count of {sorted(cells)[0][0]} "
                                             f"over its base {int(n)} within rounding"))
                continue
            if len(candidates) == 1:
                self.obs.append(Obs(label, cells, float(candidates[0]), False, True))
            else:
                self.intervals.append((label, cells, min(candidates), max(candidates)))

