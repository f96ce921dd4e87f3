"""Fidelity of the regenerated reports to the published one: every printed claim, reproduced or not.

Purpose
    Each row of ``data/claims.csv`` carries a ``binding``: where the regenerated reports hold the
    number that should reproduce the claim. This module resolves every binding with the same
    library code that builds the reports (``analysis.run``, ``report.Section.sample_flow``,
    ``qualitative_counts.count_target``/``observed_range``, the params readers), compares the result
    with the printed number at its printed precision, and writes the fidelity report. The
    comparison claims (an order, the highest or lowest of a set, "no difference", a verbal
    quantifier) are judged on the same regenerated values, and the page shows what was compared.

Binding syntax (one per claim, in the ``binding`` column)
    ``value:NAME@REPORT``      a recorded value (``values.json`` of a build, or the same value
                               computed in-process); REPORT is ALL or an ISO3 code.
    ``test:PREFIX@REPORT``     a recorded test: ``PREFIX.stat``, ``.df`` (or ``.df1``/``.df2``), ``.p``.
    ``expr:...``               arithmetic over recorded values written ``{NAME@REPORT}``; a list
                               ``[{a@ALL}, {b@ALL}]`` gives several points (for printed ranges).
    ``count:conversations/ID`` a count of ``data/conversation_counts.yml`` via ``count_target``.
    ``count:KIND[:TARGET]@ISO3`` an ad-hoc ``CountTarget`` (e.g. ``count:participants@BIH``).
    ``range:COLUMN:min|max[@ISO3][:col=value]`` ``observed_range`` over the participants.
    ``fact:FILE#key.path``     a value kept in a params/data YAML file (dates become YYYYMMDD;
                               ``.year``, ``.month`` or ``.day`` after a date, or a YYYY-MM
                               month, is that part of it as a number).
    ``calc:NAME[(ARG)]``       a named computation in ``CALCS`` built from library functions:
                               each is generic (its question, grouping or file comes in ARG), for
                               what no recorded value or ``expr:`` can give (see ``CALCS``).
    ``none:REASON``            nothing in the data can regenerate the claim (``not-computable``).
    ``each(ITEMS):TEMPLATE [| TEST]`` / ``items(a=BINDING; b=BINDING) [| TEST]``
                               the items an ``order`` or ``extreme`` claim compares, each an
                               ordinary binding, and the test that makes it significant
                               (``claims.comparison_items``).

Comparison
    Shares and means: round half up (``fmt.round_half_up``) at the printed precision; exact if
    equal, close if within one unit of the last printed digit, else miss; a printed n must also
    match for exact. A share published only rounded coarser than the claim is printed
    (``digits`` in ``values.json``: "about 80%") is judged on that figure alone: close when the
    claim's printed interval meets it, else miss, never exact; a quantifier, exact only when
    the whole published interval lies in its range. Counts and facts: exact if equal. Tests: exact if the statistic matches at
    the printed precision, the df match and the p agrees as printed; close if the statistic is
    within 2% with the same df and the same decision at .05. Ranges: exact if every point lies
    inside. Claims that the source contradicts (``claims.source_inconsistencies`` or the
    ``status_hint``) are ``source-inconsistent`` whatever is reproduced.
    ``order`` and ``extreme``: every pair the claim asserts (``claims.ranked_pairs``) is judged on
    the values rounded at the claim's precision: exact when each holds there, close when one
    only holds unrounded (a tie as printed), miss when one is reversed; "almost equal" (``~``)
    is exact within ``data/quantifiers.yml``'s tolerance and close within one more unit. A
    named test must be significant at .05. ``no_difference``: exact when the test gives
    p >= .05, else miss. ``quantifier``: exact when every value lies in the phrase's range,
    close when within one unit of it, else miss.

Withheld values (the page falls under the small-cell rule like any published output)
    A claim that reads a value the small-cell rule withholds (``values.json`` marks it; see
    ``recorded_value``), or a number computed here that the rule would withhold, gets the
    status ``withheld`` and reads "withheld", nothing else: no value and no verdict. A verdict
    ("matching", "exact", an order that holds) beside a withheld number would pin it within
    a unit of the printed claim, and so recover it. The withheld numbers are not computed at
    all. Numbers computed here rather than read from a build go through the same masks as the
    reports (a crosstab's share through :func:`perspectives.analysis_masks.breakdown_mask`, a test
    only where its table withholds no cell); a count of conversation participants that no
    report publishes is shown only where the one-line rule allows it (0, all, or at least
    ``threshold`` with at least ``threshold`` left). ``fidelity/claims.disclosure.json``
    says, for every claim given a verdict, which recorded values and which cells it shows, so
    that the build's audit (:func:`perspectives.audit.audit_outputs`) reads this page with the
    rest of what was published; ``perspectives fidelity`` runs that audit and fails on a
    finding.

Inputs
    ``data/claims.csv``, ``data/quantifiers.yml``; values from ``<out>/*/sections/*/values.json``
    when a build exists, otherwise (and for any value a build lacks) computed in-process from the
    survey export (``data_path``) and the conversations.

Outputs
    ``evaluate`` -> DataFrame (claim_id, section, kind, published, reproduced, status, note);
    ``write_report`` -> ``<out>/fidelity/claims.csv`` and ``<out>/fidelity/index.html``
    (deterministic bytes); ``main(argv)`` for ``perspectives fidelity``.

Parts
    This module evaluates every claim, counts the verdicts and writes the page; it exports
    the claims check's public API. Where a binding's values come from (a build's
    ``values.json``, the withheld marker, the values computed in-process, :class:`Context`)
    is :mod:`perspectives.fidelity_values`; the binding syntax and the named computations
    (:data:`CALCS`), :mod:`perspectives.fidelity_bindings`; the comparison of a printed
    number with the regenerated one, :mod:`perspectives.fidelity_compare`.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from . import claims
from .escape import CONTENT_SECURITY_POLICY, frame_csv
from .fidelity_bindings import CALCS
from .fidelity_compare import Outcome, judge, published_text
from .fidelity_values import WITHHELD, Context, Withheld, collect_values, read_build_values, recorded_value, value_refs
from .project import Project, default

# The claims check's public API is this module's: the values a binding reads (fidelity_values)
# and the named computations (fidelity_bindings) are exported from here, with the verdict.

__all__ = [
    "CALCS",
    "COLUMNS",
    "STATUSES",
    "WITHHELD",
    "Context",
    "Outcome",
    "Withheld",
    "collect_values",
    "evaluate",
    "main",
    "read_build_values",
    "recorded_value",
    "summarise",
    "summarise_kinds",
    "withheld_counts",
    "write_report",
]

COLUMNS: tuple[str, ...] = ("claim_id", "section", "kind", "published", "reproduced", "status", "note")
STATUSES: tuple[str, ...] = ("exact", "close", "miss", "withheld", "source-inconsistent", "not-computable")
COMPUTABLE: tuple[str, ...] = ("exact", "close", "miss")
WITHHELD_NOTE = "withheld under the small-cell rule: no value and no verdict are given"
WITHHELD_SOURCE_NOTE = f"the published report contradicts itself on this claim; {WITHHELD_NOTE}"


def _withheld_row(head: tuple[Any, ...], inconsistent: bool) -> tuple[Any, ...]:
    """A withheld claim's row: "withheld", and neither the registry's note nor what the data give.

    The notes of ``data/claims.csv`` are written about the regenerated numbers ("the single
    answer", "20 of 42"): beside a withheld number they tell what the page withholds. A claim
    the published report contradicts is still marked so (that is a fact of the source, not
    of the data), with a fixed note.
    """
    if inconsistent:
        return (*head, "withheld", "source-inconsistent", WITHHELD_SOURCE_NOTE)
    return (*head, "withheld", "withheld", WITHHELD_NOTE)


def _withheld_outcome(row: Mapping[str, Any], ctx: Context, first: Withheld) -> Outcome:
    """A claim that reads a withheld number: "withheld", and nothing else.

    No value and no verdict: a verdict beside a withheld number ("matching", or an order that
    holds) pins it within a unit of the printed claim.
    """
    del row, ctx, first  # which number it was is itself not said
    return Outcome("withheld", "withheld", WITHHELD_NOTE)


# --------------------------------------------------------------------------- the evaluation

def _inconsistencies(table: pd.DataFrame) -> dict[str, str]:
    found = claims.source_inconsistencies(table)
    reasons = dict(zip(found["claim_id"], found["reason"], strict=True))
    for _, row in table[table["status_hint"] == claims.SOURCE_INCONSISTENT].iterrows():
        reasons.setdefault(row["claim_id"], str(row["note"]))
    return reasons


def _join(*parts: str) -> str:
    return "; ".join(p.strip() for p in parts if p and p.strip())


def evaluate(values: Mapping[str, Any] | None = None, *, out: str | Path | None = None,
             data_path: str | Path | None = None, conversations_path: str | Path | None = None,
             claims_path: str | Path | None = None, project: Project | None = None) -> pd.DataFrame:
    """Evaluate every claim; columns ``COLUMNS`` in registry order.

    ``values``: recorded values (``name@REPORT`` -> value) to use. Without them, a build's
    ``values.json`` under ``out`` is read when there is one and whatever the bindings need that
    it lacks is computed in-process from ``data_path`` (default: the embedded synthetic export).
    ``project``: the study folder (default: the one around the working directory).
    """
    project = default(project)
    table = claims.load_claims(claims_path, project=project)
    bindings = [b for b in table["binding"] if b]
    unbound = table.loc[table["binding"] == "", "claim_id"].tolist()
    if unbound:
        raise ValueError(f"claims without a binding: {unbound[:10]}")
    failures: dict[str, str] = {}
    records: dict[str, dict[str, Any]] = {}
    if values is None:
        found = read_build_values(Path(out), records, project) if out is not None else {}
        missing = [b for b in bindings if any(f"{n}@{c}" not in found for n, c in value_refs(b, project))]
        computed = collect_values(missing, data_path, failures, records, project) if missing else {}
        values = {**computed, **found}
    ctx = Context(dict(values), data_path, conversations_path, failures, records=records, project=project)
    shown: dict[str, dict[str, Any]] = {}
    inconsistent = _inconsistencies(table)
    printed = claims.printed_intervals(table)
    rows = []
    for _, row in table.iterrows():
        binding = str(row["binding"])
        published = published_text(row, printed, project)
        registry_note = str(row["note"])
        head = (row["claim_id"], row["section"], row["kind"], published)
        ctx.shown = {}
        outcome = _outcome(row, binding, ctx)
        if outcome.status == "withheld":
            rows.append(_withheld_row(head, row["claim_id"] in inconsistent))  # no note, no verdict
            continue
        if ctx.shown:
            shown[str(row["claim_id"])] = _described(ctx.shown)
        if row["claim_id"] in inconsistent:
            # Reported, never forced: what the data give is shown beside the reason.
            reproduced_as = outcome.detail if outcome.status == "withheld" else outcome.status
            rows.append((*head, outcome.reproduced, "source-inconsistent",
                         _join(inconsistent[row["claim_id"]], f"reproduced: {reproduced_as}")))
            continue
        if outcome.status == "not-computable":
            rows.append((*head, "", outcome.status, _join(outcome.detail, registry_note)))
            continue
        note = _join(outcome.detail, registry_note) if outcome.status != "exact" else registry_note
        rows.append((*head, outcome.reproduced, outcome.status, note))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame.attrs["shown"] = shown
    return frame


def _outcome(row: Mapping[str, Any], binding: str, ctx: Context) -> Outcome:
    """One claim's verdict: not computable, withheld, judged, or a miss that says why."""
    if binding.startswith("none:"):
        return Outcome("not-computable", "", binding[5:])
    try:
        return judge(row, ctx)
    except Withheld as withheld:
        return _withheld_outcome(row, ctx, withheld)
    except (LookupError, ValueError, TypeError) as error:
        return Outcome("miss", "", f"could not reproduce: {error}")


def _described(shown: Mapping[str, Any]) -> dict[str, Any]:
    """What one claim shows, as the audit reads it: recorded values, mask cells, participant counts."""
    out: dict[str, Any] = {}
    if shown.get("values"):
        out["values"] = [shown["values"][key] for key in sorted(shown["values"])]
    masks = []
    for universe in sorted(shown.get("masks", {})):
        mask = shown["masks"][universe]
        cells = [{"cells": mask.spec(cell), "value": mask.count(cell)} for cell in sorted(mask.layout.cells)]
        masks.append({"universe": universe, "threshold": mask.threshold, "cells": cells})
    if masks:
        out["masks"] = masks
    if shown.get("counts"):
        out["counts"] = [{"what": w, "place": p, "count": c, "out_of": n} for w, p, c, n in shown["counts"]]
    return out


def summarise(result: pd.DataFrame) -> pd.DataFrame:
    """Counts by section x status, with a total row and column."""
    return _counts_by(result, "section")


def summarise_kinds(result: pd.DataFrame) -> pd.DataFrame:
    """Counts by claim kind x status, with a total row and column (kinds in registry order)."""
    return _counts_by(result, "kind")


def _counts_by(result: pd.DataFrame, column: str) -> pd.DataFrame:
    """Counts by ``column`` (in order of appearance) x status, with an "all" row and a "total" column."""
    order = list(dict.fromkeys(result[column]))
    counts = pd.crosstab(result[column], result["status"]).reindex(index=order, columns=list(STATUSES), fill_value=0)
    counts.loc["all"] = counts.sum()
    counts["total"] = counts.sum(axis=1)
    return counts.astype(int)


def withheld_counts(result: pd.DataFrame) -> dict[str, int]:
    """How many claims read a withheld number (they get no verdict)."""
    return {"withheld": int((result["status"] == "withheld").sum())}


def rates(result: pd.DataFrame) -> dict[str, float]:
    """Shares of the computable claims (exact, close, miss) that are exact, and exact or close."""
    computable = result[result["status"].isin(COMPUTABLE)]
    n = len(computable)
    exact = int((computable["status"] == "exact").sum())
    close = int((computable["status"] == "close").sum())
    return {"computable": n, "exact": exact / n if n else math.nan,
            "exact_or_close": (exact + close) / n if n else math.nan}


# --------------------------------------------------------------------------- writing

_CSS = """body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccc;padding:.25rem .5rem;
vertical-align:top;text-align:left}th{background:#f3f3f3}td.num{text-align:right}
.exact{background:#e6f4ea}.close{background:#fef7e0}.miss{background:#fce8e6}.withheld{background:#fff3e0}
.source-inconsistent{background:#e8eaf6}.not-computable{background:#f1f3f4}"""


def _counts_table(counts: pd.DataFrame, label: str) -> list[str]:
    e = html.escape
    parts = [f"<table><thead><tr><th>{e(label)}</th>"] + [f"<th>{e(c)}</th>" for c in counts.columns]
    parts.append("</tr></thead><tbody>")
    for name, row in counts.iterrows():
        cells = "".join(f'<td class="num">{int(v)}</td>' for v in row)
        parts.append(f"<tr><th>{e(str(name))}</th>{cells}</tr>")
    return [*parts, "</tbody></table>"]


def _html(result: pd.DataFrame, paraphrases: Mapping[str, str]) -> str:
    e = html.escape
    r = rates(result)
    w = withheld_counts(result)
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
             "<title>Fidelity to the published claims</title>", f"<style>{_CSS}</style></head><body>",
             "<h1>Fidelity to the published claims</h1>",
             f"<p>{len(result)} printed claims; {r['computable']} computable. Of those, "
             f"{100 * r['exact']:.1f}% are reproduced exactly and {100 * r['exact_or_close']:.1f}% exactly "
             "or closely (within one unit of the last printed digit; tests within 2% with the same "
             "decision).</p>",
             f"<p>{w['withheld']} claims read a number our small-cell rule withholds: they read \"withheld\", "
             "with no value and no verdict (a verdict beside a withheld number would pin it within a unit "
             "of the printed claim).</p>",
             "<p>A share the small-cell rule publishes only rounded coarser than the claim prints it "
             "(\"about 80%\", to the nearest ten points) is judged on that published figure alone: close when "
             "the printed claim lies within it, a miss when it does not, never exact (that would pin the share "
             "to the claim's own unit).</p>",
             "<p>Comparison claims (order, extreme, no_difference, quantifier) show what was compared: "
             "the published items, largest first, then the claim and its mark (✓ holds, ✗ does not).</p>",
             "<h2>Totals by section and status</h2>", *_counts_table(summarise(result), "Section"),
             "<h2>Totals by kind of claim and status</h2>", *_counts_table(summarise_kinds(result), "Kind"),
             "<h2>Claims</h2>",
             "<table><thead><tr><th>Claim</th><th>Section</th><th>Kind</th><th>What is claimed (paraphrase)</th>"
             "<th>Published</th><th>Reproduced</th><th>Status</th><th>Note</th></tr></thead><tbody>"]
    for row in result.itertuples(index=False):
        parts.append(f'<tr class="{e(row.status)}"><td>{e(row.claim_id)}</td><td>{e(row.section)}</td>'
                     f"<td>{e(row.kind)}</td><td>{e(paraphrases.get(row.claim_id, ''))}</td><td>{e(row.published)}</td>"
                     f"<td>{e(row.reproduced)}</td><td>{e(row.status)}</td><td>{e(row.note)}</td></tr>")
    parts += ["</tbody></table>", "</body></html>", ""]
    return "\n".join(parts)


def write_report(result: pd.DataFrame, out: str | Path, claims_path: str | Path | None = None,
                 project: Project | None = None) -> Path:
    """Write ``<out>/fidelity/claims.csv``, ``index.html`` and ``claims.disclosure.json``; returns the folder.

    ``claims.disclosure.json`` lists, for each claim shown with a value or a verdict, the
    recorded values, the mask cells and the participant counts it shows (as
    :func:`evaluate` noted them), for the disclosure audit.
    """
    folder = Path(out) / "fidelity"
    folder.mkdir(parents=True, exist_ok=True)
    # Claims' texts come from data/claims.csv: a cell a spreadsheet would run is neutralised.
    (folder / "claims.csv").write_bytes(frame_csv(result, index=False).encode("utf-8"))
    described = result.attrs.get("shown", {})
    (folder / "claims.disclosure.json").write_text(
        json.dumps([{"claim_id": cid, **described[cid]} for cid in result["claim_id"] if cid in described],
                   indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    table = claims.load_claims(claims_path, project=project)
    paraphrases = dict(zip(table["claim_id"], table["paraphrase"], strict=True))
    (folder / "index.html").write_text(_html(result, paraphrases), encoding="utf-8")
    return folder


def main(argv: Sequence[str] | None = None, project: Project | None = None) -> int:
    """``perspectives fidelity [--out DIR] [--data PATH] [--conversations PATH]`` on ``project``.

    ``project``: the study folder (default: the one around the working directory).
    """
    parser = argparse.ArgumentParser(prog="perspectives fidelity",
                                     description="Compare the regenerated values with the published claims.")
    parser.add_argument("--out", type=Path, default=Path("outputs"), metavar="DIR",
                        help="build folder to read values from and to write fidelity/ into (default: outputs)")
    parser.add_argument("--data", type=Path, metavar="PATH", help="survey export (default: the embedded data)")
    parser.add_argument("--conversations", type=Path, metavar="PATH", help="conversations file")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    project = default(project)
    result = evaluate(out=args.out, data_path=args.data, conversations_path=args.conversations, project=project)
    folder = write_report(result, args.out, project=project)
    from perspectives.assemble import write_index

    write_index(args.out, project.study)  # the reports' index links the fidelity page
    totals = summarise(result).loc["all"]
    r = rates(result)
    w = withheld_counts(result)
    print(f"perspectives fidelity: {folder / 'index.html'}: " + ", ".join(f"{s} {int(totals[s])}" for s in STATUSES)
          + f"; exact {100 * r['exact']:.1f}%, exact or close {100 * r['exact_or_close']:.1f}% of "
          f"{r['computable']} computable; {w['withheld']} withheld, with no verdict", file=sys.stderr)
    from .audit import audit_outputs

    findings = audit_outputs(args.out, int(project.study.disclosure["threshold"]))
    for finding in findings:
        print(f"perspectives fidelity: disclosure audit: {finding}", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
