"""The environment installs on any machine: the lock holds registry pins only, and no committed
configuration names a file or folder of the machine that wrote it.

A lock that pinned a wheel in a temporary folder (``name @ file:///tmp/...``) once made both
README commands fail on every machine but the one that wrote it; these tests keep that from
coming back. They read the files as committed text, so they fail on the line at fault.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from perspectives.study import repo_root

ROOT = repo_root()
LOCK = ROOT / "requirements.lock"

# name==version, optionally with an environment marker, then the line continuation.
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!_-]+(\s*;[^\\]+)?\s*\\$")
HASH = re.compile(r"^\s+--hash=sha256:[0-9a-f]{64}(\s*\\)?$")
# A path or URL that exists on one machine only.
MACHINE_PATH = re.compile(r"file://|(?<![\w.])/(?:tmp|root|home)/")


def _lock_entries(text: str) -> list[tuple[int, str, list[str]]]:
    """(line number, pin line, hash lines) of every requirement in a uv/pip-compile lock."""
    entries: list[tuple[int, str, list[str]]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith((" ", "\t")):
            if not entries:
                raise AssertionError(f"requirements.lock:{number}: continuation before any requirement")
            entries[-1][2].append(line)
        else:
            entries.append((number, line, []))
    return entries


def test_every_lock_line_is_a_registry_pin_with_hashes():
    entries = _lock_entries(LOCK.read_text(encoding="utf-8"))
    assert len(entries) > 100  # the whole environment, not a stub
    for number, pin, hashes in entries:
        assert PIN.match(pin), f"requirements.lock:{number} is not a registry pin (name==version): {pin[:80]}"
        assert hashes, f"requirements.lock:{number} ({pin.split('==')[0]}) has no --hash"
        for h in hashes:
            assert HASH.match(h), f"requirements.lock: {pin.split('==')[0]} has a line that is not a hash: {h.strip()[:80]}"


def test_the_check_rejects_what_broke_installs():
    """The pattern tests above must fail on the lines that broke a fresh machine."""
    bad = ["phonenumbers @ file:///tmp/pn/phonenumbers-9.0.43-py2.py3-none-any.whl#sha256=34 \\",
           "perspectives @ git+https://example.org/x.git \\", "-e ./lib", "pandas>=2.1 \\"]
    for line in bad:
        assert not PIN.match(line), line
    assert MACHINE_PATH.search("file:///tmp/pn/x.whl") and MACHINE_PATH.search("cd /home/alice/repo")
    assert not MACHINE_PATH.search("data/raw/tmp/export.csv")


def _committed_config() -> list[Path]:
    files = [LOCK, ROOT / "lib" / "pyproject.toml", ROOT / "environment.yml", ROOT / "Makefile",
             ROOT / ".ci" / "run"]
    files += sorted(p for p in (ROOT / "params").rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml"))
    return [p for p in files if p.is_file()]


@pytest.mark.parametrize("path", _committed_config(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_committed_configuration_names_a_path_of_one_machine(path: Path):
    text = path.read_text(encoding="utf-8", errors="replace")
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()[:80]}"
             for n, line in enumerate(text.splitlines(), 1) if MACHINE_PATH.search(line)]
    assert not found, "names a path that exists on one machine only:\n" + "\n".join(found)
