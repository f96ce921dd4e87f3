"""The complexity ratchet: functions over McCabe 10 are listed, and the list may only shrink.

Purpose
    ruff's C901 (``ruff.toml``: ``max-complexity = 20``) is the hard gate: no function over 20.
    Between 10 and 20 a function is allowed only if ``.complexity-allowlist`` names it, at its
    complexity or above: a new function over 10 fails, an allowed one that got more complex
    fails, and an entry whose function is no longer over 10 (or is now simpler than listed)
    fails until the file is brought down to the code (``--update`` does that, and only that:
    it never adds an entry or raises one).

Inputs
    ``ruff check --select C901 --output-format json`` over ``lib``, ``tests`` and
    ``benchmarks`` with the threshold at 10, and ``.complexity-allowlist`` (``path:function
    complexity`` per line, ``#`` comments).

Outputs
    ``python tests/complexity_ratchet.py``: exit 0 and a one-line summary, or exit 1 naming
    each function and what to do. ``make lint`` runs it.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALLOWLIST = ROOT / ".complexity-allowlist"
PATHS = ("lib", "tests", "benchmarks")
LISTED_ABOVE = 10
_MESSAGE = re.compile(r"`(?P<name>[^`]+)` is too complex \((?P<complexity>\d+) > \d+\)")
_LINE = re.compile(r"(?P<key>\S+:\S+)\s+(?P<complexity>\d+)")

Key = str  # "path:function", the path relative to the repository
Listing = Counter  # (key, complexity) -> how many functions of that name and complexity


def measured(root: Path = ROOT, ruff: str | None = None) -> Listing:
    """The functions over 10 in the code, as ``(path:function, complexity)`` with their count."""
    ruff = ruff or str(Path(sys.executable).with_name("ruff"))
    done = subprocess.run(
        [ruff, "check", *PATHS, "--select", "C901", "--config", f"lint.mccabe.max-complexity = {LISTED_ABOVE}",
         "--output-format", "json", "--exit-zero", "--no-cache"],
        cwd=root, capture_output=True, text=True, check=True)
    found: Listing = Counter()
    for item in json.loads(done.stdout):
        match = _MESSAGE.search(item["message"])
        if item["code"] != "C901" or not match:
            continue
        path = Path(item["filename"]).resolve().relative_to(root.resolve()).as_posix()
        found[(f"{path}:{match['name']}", int(match["complexity"]))] += 1
    return found


def read_allowlist(path: Path = ALLOWLIST) -> Listing:
    """The allowed functions: ``path:function complexity`` per line.

    Raises:
        ValueError: a line of another shape, naming the line.
    """
    allowed: Listing = Counter()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        match = _LINE.fullmatch(text)
        if not match:
            raise ValueError(f"{path.name}:{number}: write 'path:function complexity', not {text!r}")
        allowed[(match["key"], int(match["complexity"]))] += 1
    return allowed


def _by_key(listing: Listing) -> dict[Key, list[int]]:
    """Each function name's complexities, largest first (a file may hold two of one name)."""
    grouped: dict[Key, list[int]] = {}
    for (key, complexity), count in listing.items():
        grouped.setdefault(key, []).extend([complexity] * count)
    return {key: sorted(values, reverse=True) for key, values in grouped.items()}


def problems(found: Listing, allowed: Listing) -> list[str]:
    """What breaks the ratchet, one sentence per function (empty: it holds).

    Args:
        found: the functions over 10 in the code.
        allowed: the allowlist.

    Returns:
        A function over 10 the list does not name, one more complex than listed, and a listed
        function that is no longer over 10 or is now simpler than listed.
    """
    now, listed = _by_key(found), _by_key(allowed)
    out = []
    for key in sorted(set(now) | set(listed)):
        have, may = now.get(key, []), listed.get(key, [])
        for k, complexity in enumerate(have):
            if k >= len(may):
                out.append(f"{key} has complexity {complexity} (over {LISTED_ABOVE}) and is not in "
                           f"{ALLOWLIST.name}: split it into named helpers")
            elif complexity > may[k]:
                out.append(f"{key} grew from {may[k]} to {complexity}: split it into named helpers")
            elif complexity < may[k]:
                out.append(f"{key} is down from {may[k]} to {complexity}: lower its entry "
                           "(python tests/complexity_ratchet.py --update)")
        for complexity in may[len(have):]:
            out.append(f"{key} ({complexity}) is no longer over {LISTED_ABOVE}: remove its entry "
                       "(python tests/complexity_ratchet.py --update)")
    return out


def shrunk(found: Listing, allowed: Listing) -> Listing:
    """The allowlist brought down to the code: entries removed or lowered, never added or raised."""
    now, listed = _by_key(found), _by_key(allowed)
    kept: Listing = Counter()
    for key, may in listed.items():
        for have, limit in zip(now.get(key, []), may, strict=False):
            kept[(key, min(have, limit))] += 1
    return kept


def render(listing: Listing, header: Iterable[str]) -> str:
    """The allowlist's text: the header, then one line per function, most complex first."""
    lines = [*header, *(f"{key} {complexity}" for (key, complexity), count in
                        sorted(listing.items(), key=lambda item: (-item[0][1], item[0][0])) for _ in range(count))]
    return "\n".join(lines) + "\n"


def _header(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")]


def summary(found: Mapping[tuple[Key, int], int]) -> str:
    """``N functions over 10, the most complex at C``."""
    total = sum(found.values())
    top = max((complexity for _, complexity in found), default=0)
    return f"{total} functions over {LISTED_ABOVE} (the most complex at {top}), none new or grown"


def main(argv: list[str] | None = None) -> int:
    """Check the ratchet (exit 1 on a problem), or with ``--update`` shrink the allowlist to the code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true",
                        help="remove and lower entries to match the code (never adds or raises one)")
    args = parser.parse_args(argv)
    found, allowed = measured(), read_allowlist()
    if args.update:
        ALLOWLIST.write_text(render(shrunk(found, allowed), _header(ALLOWLIST)), encoding="utf-8")
        allowed = read_allowlist()
    broken = problems(found, allowed)
    for line in broken:
        print(f"complexity: {line}", file=sys.stderr)
    if broken:
        return 1
    print(f"complexity: {summary(found)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
