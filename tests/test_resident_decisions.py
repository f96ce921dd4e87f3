"""A kept run server serves a build only with the small-cell decisions it warmed up with.

The warm-up reads the small-cell rule's saved decisions from the output folder and rewrites
them with what it found; a resident server keeps them in memory for the builds it serves.
When the file changes after its warm-up (a build with a server of its own, or a person,
rewrote it), the next build must not be served from the decisions the server holds: it
starts a fresh server, which reads the file as it is. A real resident server, socket and
forks, with a warm-up that holds the file's text and a task that returns it (no stubs of the
server); the real study's outputs either way are checked in test_resident_outputs.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import perspectives
from perspectives.build import forkserver
from perspectives.build.resident import Keep, ResidentServer

pytestmark = pytest.mark.skipif(not forkserver.fork_available(), reason="needs os.fork")

# The warm-up holds the decisions it read and, like the real one, saves them again with what it
# found; a run returns what its server holds.
PROBE = '''import os
from pathlib import Path

HELD = None


def warm_up(decisions):
    global HELD
    HELD = Path(decisions).read_text()
    Path(decisions).write_text(HELD + " +found")


def run(task):
    return {"key": task["key"], "ok": True, "held": HELD, "server": os.getppid()}
'''


def _build(tmp_path: Path, decisions: Path) -> tuple[dict, dict]:
    """One build's use of the kept server: its ready message and one run's answer."""
    lib = Path(perspectives.__file__).resolve().parent.parent
    env = {"PYTHONPATH": os.pathsep.join([str(tmp_path / "code"), str(lib)])}
    server = ResidentServer(1, "decisions_probe:run", env, ["decisions_probe"],
                            ("decisions_probe:warm_up", {"decisions": str(decisions)}),
                            Keep(tmp_path / "out", 5, {}))
    with server:
        answer = server.submit({"key": "probe"}).result(timeout=120)
    return server.ready_info, answer


def test_decisions_changed_after_the_warm_up_mean_a_fresh_server_that_reads_them(resident_runtime: None, tmp_path: Path):
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "decisions_probe.py").write_text(PROBE)
    (tmp_path / "out").mkdir()
    decisions = tmp_path / "out" / ".disclosure-decisions.json"
    decisions.write_text("first")

    ready, answer = _build(tmp_path, decisions)
    assert not ready["reused"] and answer["held"] == "first"
    server = answer["server"]

    # The server's own warm-up rewrote the file: the next build is served by it.
    assert decisions.read_text() == "first +found"
    ready, answer = _build(tmp_path, decisions)
    assert ready["reused"] and answer["server"] == server and answer["held"] == "first"

    # Rewritten since (by hand, or by a build with a server of its own): a fresh server reads it.
    decisions.write_text("second")
    ready, answer = _build(tmp_path, decisions)
    assert not ready["reused"], ready
    assert "the small-cell rule's saved results changed" in ready["note"]
    assert answer["server"] != server and answer["held"] == "second"

    # And that one serves the build after, as the file is what its warm-up left.
    ready, again = _build(tmp_path, decisions)
    assert ready["reused"] and again["server"] == answer["server"] and again["held"] == "second"
