"""The complexity gate: ruff's C901 over 20, and the ratchet of .complexity-allowlist between 10 and 20.

Expected verdicts are worked by hand on small listings; ``measured`` is checked on a small
package whose complexities are counted here by McCabe's rule (decision points + 1).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import complexity_ratchet as ratchet
import pytest


def _listing(*entries: tuple[str, int]) -> Counter:
    return Counter(entries)


def test_the_code_holds_the_ratchet() -> None:
    assert ratchet.problems(ratchet.measured(), ratchet.read_allowlist()) == []


def test_nothing_is_over_twenty() -> None:
    assert all(complexity <= 20 for _, complexity in ratchet.measured())


def test_each_way_of_breaking_the_ratchet_is_named() -> None:
    allowed = _listing(("lib/a.py:grows", 12), ("lib/a.py:same", 15), ("lib/a.py:gone", 11),
                       ("lib/a.py:simpler", 17))
    found = _listing(("lib/a.py:grows", 13), ("lib/a.py:same", 15), ("lib/b.py:new", 11),
                     ("lib/a.py:simpler", 14))
    assert ratchet.problems(found, allowed) == [
        "lib/a.py:gone (11) is no longer over 10: remove its entry (python tests/complexity_ratchet.py --update)",
        "lib/a.py:grows grew from 12 to 13: split it into named helpers",
        "lib/a.py:simpler is down from 17 to 14: lower its entry (python tests/complexity_ratchet.py --update)",
        "lib/b.py:new has complexity 11 (over 10) and is not in .complexity-allowlist: split it into named helpers",
    ]
    assert ratchet.problems(_listing(("lib/a.py:same", 15)), _listing(("lib/a.py:same", 15))) == []


def test_two_functions_of_one_name_in_a_file_are_counted_apart() -> None:
    # Two methods called ``run`` in one module: the list allows one at 14 and one at 11.
    allowed = _listing(("lib/a.py:run", 14), ("lib/a.py:run", 11))
    assert ratchet.problems(_listing(("lib/a.py:run", 14), ("lib/a.py:run", 11)), allowed) == []
    assert ratchet.problems(_listing(("lib/a.py:run", 12), ("lib/a.py:run", 12)), allowed) == [
        "lib/a.py:run is down from 14 to 12: lower its entry (python tests/complexity_ratchet.py --update)",
        "lib/a.py:run grew from 11 to 12: split it into named helpers"]
    assert ratchet.problems(_listing(("lib/a.py:run", 14), ("lib/a.py:run", 11), ("lib/a.py:run", 11)),
                            allowed)[0].startswith("lib/a.py:run has complexity 11 (over 10) and is not in")


def test_update_only_removes_and_lowers() -> None:
    allowed = _listing(("lib/a.py:lower", 17), ("lib/a.py:gone", 11), ("lib/a.py:grew", 12))
    found = _listing(("lib/a.py:lower", 14), ("lib/a.py:grew", 13), ("lib/b.py:new", 11))
    assert ratchet.shrunk(found, allowed) == _listing(("lib/a.py:lower", 14), ("lib/a.py:grew", 12))
    # so what grew or is new still fails after an update
    assert len(ratchet.problems(found, ratchet.shrunk(found, allowed))) == 2


def test_the_allowlist_is_read_strictly(tmp_path: Path) -> None:
    path = tmp_path / ".complexity-allowlist"
    path.write_text("# comment\nlib/a.py:f 12  # why\n\nlib/a.py:g 11\n", encoding="utf-8")
    assert ratchet.read_allowlist(path) == _listing(("lib/a.py:f", 12), ("lib/a.py:g", 11))
    path.write_text("lib/a.py:f twelve\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"\.complexity-allowlist:1: write 'path:function complexity'"):
        ratchet.read_allowlist(path)


def test_measured_reads_ruffs_json(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    branches = "\n".join(f"    if x == {k}:\n        return {k}" for k in range(11))
    (tmp_path / "lib" / "m.py").write_text(
        f"def eleven_ifs(x):\n{branches}\n    return -1\n\n\ndef simple(x):\n    return x\n", encoding="utf-8")
    # 11 decisions + 1 = 12; the simple function is not listed.
    assert ratchet.measured(tmp_path) == _listing(("lib/m.py:eleven_ifs", 12))


MODULE_LINES_MAX = 600


def _long_modules(root: Path) -> list[str]:
    """Modules of ``root`` (any depth) over :data:`MODULE_LINES_MAX` lines, as ``path: lines``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MODULE_LINES_MAX:
            found.append(f"{path.relative_to(root.parent).as_posix()}: {lines}")
    return found


def test_no_module_of_the_library_is_over_600_lines() -> None:
    lib = Path(__file__).resolve().parents[1] / "lib"
    assert _long_modules(lib / "perspectives") + _long_modules(lib / "perspectives_synth") == []


def test_a_long_module_is_named_with_its_length(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "short.py").write_text("x = 1\n" * MODULE_LINES_MAX, encoding="utf-8")
    (package / "sub" / "long.py").write_text("x = 1\n" * (MODULE_LINES_MAX + 1), encoding="utf-8")
    assert _long_modules(package) == ["pkg/sub/long.py: 601"]
