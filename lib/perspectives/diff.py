"""What changed between two builds: the recorded numbers that moved, not a notebook diff.

Purpose
    A reviewer compares two builds' output folders (``perspectives diff OLD NEW``) and reads
    one line per number that moved — report, section, value, old, new — e.g.
    ``MDA  knowledge  scen_viewer.no.pct  41.2% to 43.0%``. Values that appear or disappear
    (a new analysis, a cell newly suppressed) are listed too. Percentages are shown with one
    decimal and a % sign, p-values with three decimals, counts as whole numbers.

Inputs
    Two output folders written by ``perspectives build`` (``<REPORT>/sections/<id>/values.json``,
    and ``<REPORT>/<lang>/sections/<id>/values.json`` for the reports in another language than
    English, each a list of ``{name, value, n, country, section, suppressed?}``). A report is
    named by its folder (``MDA``, ``MDA/ro``).

Outputs
    A table on stdout (or JSON with ``--json``). Exit code 0 when nothing moved, 1 when some
    value changed, appeared or disappeared, 2 for a usage error (as ``diff`` does).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["Change", "compare", "format_value", "load_values", "main"]

# (report, section, value name, country the value is for)
Key = tuple[str, str, str, str]


@dataclass(frozen=True)
class Change:
    """One recorded value that differs between the two builds."""

    report: str
    section: str
    name: str
    country: str
    old: Any
    new: Any
    kind: str  # "changed", "added" or "removed"


def load_values(out_dir: Path) -> dict[Key, Any]:
    """Every recorded value of a build folder, keyed by report, section, name and country."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise FileNotFoundError(f"not a build folder: {out_dir.name or out_dir}")
    values: dict[Key, Any] = {}
    # A report in English is <REPORT>/, in another language <REPORT>/<lang>/: both are read,
    # and named by their folder (MDA, MDA/ro), so languages are compared with themselves.
    paths = [*out_dir.glob("*/sections/*/values.json"), *out_dir.glob("*/*/sections/*/values.json")]
    # A hidden folder (a run still writing, or one an interruption left) is not a published report.
    for path in sorted(p for p in paths if not any(part.startswith(".") for part in p.relative_to(out_dir).parts)):
        report = path.relative_to(out_dir).parent.parent.parent.as_posix()
        section = path.parts[-2]
        for item in json.loads(path.read_text(encoding="utf-8")):
            # A suppressed value is recorded as None: that is what was published.
            value = None if item.get("suppressed") else item.get("value")
            key = (report, str(item.get("section") or section), str(item["name"]),
                   str(item.get("country") or report.split("/")[0]))
            values[key] = value
    return values


def _same(a: Any, b: Any, tolerance: float) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        return abs(float(a) - float(b)) <= tolerance
    return a == b


def compare(old: dict[Key, Any], new: dict[Key, Any], tolerance: float = 0.0) -> list[Change]:
    """The values that changed (beyond ``tolerance``), appeared or disappeared, in key order."""
    changes: list[Change] = []
    for key in sorted(set(old) | set(new)):
        if key not in new:
            changes.append(Change(*key, old=old[key], new=None, kind="removed"))
        elif key not in old:
            changes.append(Change(*key, old=None, new=new[key], kind="added"))
        elif not _same(old[key], new[key], tolerance):
            changes.append(Change(*key, old=old[key], new=new[key], kind="changed"))
    return changes


def format_value(name: str, value: Any) -> str:
    """A value as a reviewer reads it: ``41.2%``, ``p = 0.004``, ``1,254``, or ``suppressed``."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    last = name.rsplit(".", 1)[-1]
    if last == "pct":
        return f"{value:.1f}%"
    if last == "p":
        return f"p = {value:.3f}"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _lines(changes: list[Change]) -> list[str]:
    rows = [("report", "section", "value", "change")]
    for c in changes:
        where = c.report if c.country == c.report.split("/")[0] else f"{c.report} ({c.country})"
        if c.kind == "changed":
            text = f"{format_value(c.name, c.old)} to {format_value(c.name, c.new)}"
        elif c.kind == "added":
            text = f"new: {format_value(c.name, c.new)}"
        else:
            text = f"gone (was {format_value(c.name, c.old)})"
        rows.append((where, c.section, c.name, text))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return ["  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row)).rstrip()
            for row in rows]


def main(argv: list[str] | None = None) -> int:
    """``perspectives diff OLD NEW [--tolerance X] [--json]``."""
    parser = argparse.ArgumentParser(prog="perspectives diff",
                                     description="List the recorded values that moved between two builds.")
    parser.add_argument("old", type=Path, help="output folder of the earlier build")
    parser.add_argument("new", type=Path, help="output folder of the later build")
    parser.add_argument("--tolerance", type=float, default=0.0,
                        help="ignore numeric changes up to this size (default: 0, every change)")
    parser.add_argument("--json", action="store_true", help="print the changes as JSON")
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:
        return int(exc.code or 0) and 2
    try:
        old, new = load_values(args.old), load_values(args.new)
    except FileNotFoundError as exc:
        print(f"perspectives diff: {exc}", file=sys.stderr)
        return 2
    if not old and not new:
        print("perspectives diff: neither folder holds any values.json", file=sys.stderr)
        return 2
    changes = compare(old, new, args.tolerance)
    if args.json:
        print(json.dumps([asdict(c) for c in changes], indent=1, ensure_ascii=False))
    elif changes:
        print("\n".join(_lines(changes)))
        kinds = {k: sum(1 for c in changes if c.kind == k) for k in ("changed", "added", "removed")}
        print(f"\n{kinds['changed']} changed, {kinds['added']} new, {kinds['removed']} gone "
              f"(of {len(set(old) | set(new))} recorded values)")
    else:
        print(f"no recorded value moved ({len(new)} values compared)")
    return 1 if changes else 0


if __name__ == "__main__":
    raise SystemExit(main())
