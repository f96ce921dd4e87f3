"""The suite's shared builds (``shared_builds.py``): made once per run whatever the workers, never changed.

Workers are played by processes given what a pytest-xdist worker has: its own base folder
(``popen-gwN``) inside the run's folder, and ``PYTEST_XDIST_WORKER``. The build they share is a
stand-in that counts its calls and takes a second, so that both workers ask while it runs.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from shared_builds import check_unchanged, fingerprint, private_copy, shared, view

HERE = Path(__file__).resolve().parent

WORKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from shared_builds import shared

    class Factory:
        def getbasetemp(self):
            return Path(sys.argv[2])

    def make(folder):
        with open(Path(sys.argv[3]), "a") as calls:
            calls.write("built\\n")
        time.sleep(1)
        (folder / "MDA" / "sections" / "methods").mkdir(parents=True)
        (folder / "MDA" / "report.html").write_text("<p>report</p>")

    print(shared(Factory(), "study", make))
""")


class _Factory:
    def __init__(self, base: Path) -> None:
        self.base = base

    def getbasetemp(self) -> Path:
        return self.base


def _make(folder: Path) -> None:
    (folder / "MDA" / "sections" / "methods").mkdir(parents=True)
    (folder / "MDA" / "sections" / "methods" / "values.json").write_text("[]", encoding="utf-8")
    (folder / "ALB" / "sections" / "methods").mkdir(parents=True)


def test_two_workers_of_a_run_share_one_build(tmp_path: Path) -> None:
    run = tmp_path / "pytest-7"
    calls = tmp_path / "calls.txt"
    workers = []
    for name in ("gw0", "gw1"):
        (run / f"popen-{name}").mkdir(parents=True)
        workers.append(subprocess.Popen([sys.executable, "-c", WORKER, str(HERE), str(run / f"popen-{name}"), str(calls)],
                                        env={"PYTEST_XDIST_WORKER": name, "PATH": ""}, stdout=subprocess.PIPE,
                                        text=True))
    folders = {worker.communicate(timeout=60)[0].strip() for worker in workers}
    assert [worker.returncode for worker in workers] == [0, 0]
    assert calls.read_text() == "built\n"  # one build, the other worker waited for it
    assert folders == {str(run / "shared-builds" / "study")}
    assert (run / "shared-builds" / "study" / "MDA" / "report.html").read_text() == "<p>report</p>"


def test_outside_xdist_the_build_is_the_sessions_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    folder = shared(_Factory(tmp_path / "pytest-3"), "study", _make)
    assert folder == tmp_path / "pytest-3" / "shared-builds" / "study"


def test_a_failed_build_is_not_made_again_its_error_is_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    calls = []

    def broken(folder: Path) -> None:
        calls.append(folder)
        raise AssertionError("the build failed: report MDA")

    with pytest.raises(AssertionError):
        shared(_Factory(tmp_path / "popen-gw0"), "study", broken)
    with pytest.raises(pytest.fail.Exception, match="report MDA"):
        shared(_Factory(tmp_path / "popen-gw1"), "study", broken)
    assert len(calls) == 1


def test_a_write_into_a_shared_build_fails_the_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    factory = _Factory(tmp_path / "popen-gw0")
    folder = shared(factory, "study", _make)
    check_unchanged(factory, "study")  # read, not written: passes
    values = folder / "MDA" / "sections" / "methods" / "values.json"
    assert not values.stat().st_mode & 0o222  # read-only on disk
    values.chmod(0o644)  # as root writes anyway
    values.write_text("[1]", encoding="utf-8")
    with pytest.raises(AssertionError, match="MDA/sections/methods/values.json"):
        check_unchanged(factory, "study")


def test_a_private_copy_is_writable_and_leaves_the_shared_build_alone(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    factory = _Factory(tmp_path / "popen-gw0")
    folder = shared(factory, "study", _make)
    copy = private_copy(folder, tmp_path / "copy")
    (copy / "MDA" / "sections" / "methods" / "values.json").write_text("[1]", encoding="utf-8")
    (copy / "new.txt").write_text("x", encoding="utf-8")
    check_unchanged(factory, "study")


def test_a_view_shows_only_its_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    folder = shared(_Factory(tmp_path / "popen-gw0"), "study", _make)
    seen = view(folder, tmp_path / "view", ["MDA/sections/methods"])
    assert [p.relative_to(seen).as_posix() for p in seen.glob("*/sections/*/values.json")] == [
        "MDA/sections/methods/values.json"]
    assert sorted(fingerprint(seen)) == ["MDA", "MDA/sections", "MDA/sections/methods"]
