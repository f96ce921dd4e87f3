"""A reused run server writes the bytes a fresh one writes, on the real study.

Builds from the command line, as a researcher runs them, of Moldova's knowledge and
prevention sections (Word and HTML; in the first test the PDF too, which a kept server prints
with its own browser and a fresh build with one of its own, where Chromium is installed):

* fresh: each build with a server of its own (``--keep-server 0``), the reference;
* a server warmed for the two sections' build (every mask) kept and reused by a build of
  prevention alone (one run due: a build that would have warmed lightly);
* a server warmed lightly for prevention alone kept, then brought up to the two sections'
  warm-up (the masks, the saved results of the small-cell rule) by the next build.

Every file of the output folder must have the same bytes as the reference's.

In the first test the reference and the fully warmed server start from the small-cell rule's
results a warm-up saved for the same data (conftest's ``saved_decisions``): their subject is
the kept server, not the search, which the study's build makes from scratch and
test_disclosure_build.py compares with those results byte for byte. The lightly warmed server
starts from nothing, so that the masks it is brought up to are still searched in a kept
server. The second test's two folders start from those results too; the half of them it
drops is what both its servers must search again, as before.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from shared_builds import remembering

from perspectives.build import forkserver
from perspectives.pdf import find_chromium
from perspectives.study import repo_root

ROOT = repo_root()
# The PDFs are compared where a browser prints them (a kept server prints with its own).
PDFS = find_chromium() is not None
pytestmark = pytest.mark.skipif(not forkserver.fork_available(), reason="needs os.fork")


def _build(out: Path, minutes: int, *args: str, pdfs: bool = False) -> str:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env.update(MPLBACKEND="Agg", PYDEVD_DISABLE_FILE_VALIDATION="1", PERSPECTIVES_PDF="1" if pdfs else "0")
    done = subprocess.run([sys.executable, "-m", "perspectives.cli", "build", "--country", "MDA", "--jobs", "2",
                           "--out", str(out), "--keep-server", str(minutes), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr


def _server(said: str) -> str:
    return next((line for line in said.splitlines() if line.startswith("run server")), "")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".build.lock"}


def _same(folder: Path, reference: Path) -> None:
    got, want = _files(folder), _files(reference)
    assert sorted(got) == sorted(want)
    assert [name for name in want if want[name] != got[name]] == []


def test_a_reused_server_writes_the_bytes_of_a_fresh_one(resident_runtime: None, tmp_path: Path,
                                                         saved_decisions: Path):
    both = ("--section", "knowledge", "prevention")
    fresh = remembering(tmp_path / "fresh", saved_decisions)
    _build(fresh, 0, *both, pdfs=PDFS)
    _build(fresh, 0, "--section", "prevention", "--force", pdfs=PDFS)

    full_first = remembering(tmp_path / "full-first", saved_decisions)
    said = _build(full_first, 5, *both, pdfs=PDFS)
    assert "kept 5 min for the next build" in said and "one run due" not in said
    said = _build(full_first, 5, "--section", "prevention", "--force", pdfs=PDFS)
    assert _server(said).startswith("run server reused, ready in"), _server(said)
    assert "[1/1] MDA prevention" in said
    _same(full_first, fresh)  # report.pdf too: printed by the kept server's browser, and by the build's own

    light_first = tmp_path / "light-first"
    said = _build(light_first, 5, "--section", "prevention", pdfs=PDFS)
    assert "(one run due: the data loaded, its masks left to it)" in said
    said = _build(light_first, 5, *both, "--force", pdfs=PDFS)
    assert _server(said).startswith("run server reused, ready in"), _server(said)
    assert "it warmed what this build needs more" in said
    _build(light_first, 5, "--section", "prevention", "--force", pdfs=PDFS)
    _same(light_first, fresh)


def _drop_half_the_decisions(out: Path) -> None:
    """Rewrite the saved small-cell decisions without half of them, as a build with a server of its own or a person could."""
    import json

    decisions = out / ".disclosure-decisions.json"
    saved = json.loads(decisions.read_text(encoding="utf-8"))
    layouts = sorted(saved["layouts"])
    assert len(layouts) > 1
    saved["layouts"] = {key: saved["layouts"][key] for key in layouts[::2]}
    decisions.write_text(json.dumps(saved), encoding="utf-8")


def test_decisions_rewritten_between_builds_are_read_again_and_the_bytes_stay_a_fresh_servers(resident_runtime: None,
                                                                                                tmp_path: Path,
                                                                                                saved_decisions: Path):
    both = ("--section", "knowledge", "prevention")
    fresh = remembering(tmp_path / "fresh", saved_decisions)
    _build(fresh, 0, *both)
    _drop_half_the_decisions(fresh)
    _build(fresh, 0, *both, "--force")

    kept = remembering(tmp_path / "kept", saved_decisions)
    _build(kept, 5, *both)
    _drop_half_the_decisions(kept)
    said = _build(kept, 5, *both, "--force")
    assert not _server(said).startswith("run server reused"), _server(said)
    assert "the small-cell rule's saved results changed" in said
    _same(kept, fresh)  # the decisions file included: searched again where missing, saved whole
