"""The benchmark names the process that holds memory: each process of a build's tree by its role.

A network point of ``benchmarks/run.py`` records, for each role (the build, its run server, a
section's run, a mask search, the browser), its largest process and its PSS, so that a
measurement says where the memory is. These tests run a small tree of real processes.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from perspectives.build import forkserver
from perspectives.files import name_process

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


# A stand-in of a build: it starts a "run server" (its command line is the server's) which forks
# one child that names itself as a run's fork does; each holds a few MB and waits to be killed.
TREE = r'''
import os, subprocess, sys, time
server = ("import os, sys, time\n"
          "from perspectives.files import name_process\n"
          "pid = os.fork()\n"
          "if pid == 0:\n"
          "    name_process(sys.argv[1]); held = bytearray(30 << 20); time.sleep(60); os._exit(0)\n"
          "held = bytearray(10 << 20)\n"
          "print('ready', flush=True); time.sleep(60)\n"
          "# server" + "_main")  # the server's mark, which the build's own command must not hold
child = subprocess.Popen([sys.executable, "-c", server, sys.argv[1]], stdout=subprocess.PIPE)
child.stdout.readline()
print("ready", flush=True)
time.sleep(60)
'''


def test_a_fork_names_itself(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "import sys; from perspectives.files import name_process; "
                           "name_process(sys.argv[1]); print(open('/proc/self/comm').read().strip())",
                           forkserver.RUN_PROCESS_NAME], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "lib")})
    if not Path("/proc/self/comm").exists():
        pytest.skip("no /proc on this system: processes keep their name")
    assert done.stdout.strip() == forkserver.RUN_PROCESS_NAME


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux's /proc")
def test_the_benchmark_records_memory_by_role(bench) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "lib")}
    proc = subprocess.Popen([sys.executable, "-c", TREE, forkserver.RUN_PROCESS_NAME], stdout=subprocess.PIPE,
                            env=env)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        memory = bench.TreeMemory(proc.pid)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and set(memory.roles()) < {"build", "run server", "run"}:
            time.sleep(0.1)
        memory.stop()
    finally:
        for child in psutil.Process(proc.pid).children(recursive=True):
            child.kill()
        proc.kill()
        proc.wait()
    roles = memory.roles()
    assert {"build", "run server", "run"} <= set(roles), roles
    assert all(roles[r]["processes"] == 1 for r in ("build", "run server", "run"))
    # The run's fork holds 30 MB of its own, more than its server (10 MB) and the build: it is
    # the largest process, and the benchmark names it.
    assert memory.largest_role == "run"
    assert roles["run"]["largest_process_mb"] >= roles["run server"]["largest_process_mb"]
    assert roles["run"]["largest_process_mb"] == max(r["largest_process_mb"] for r in roles.values())
    assert all(r["pss_at_tree_peak_mb"] <= r["peak_pss_mb"] for r in roles.values())


def test_roles_of_the_builds_processes(bench) -> None:
    class Fake:
        def __init__(self, pid: int, name: str, command: list[str], parent: Fake | None = None) -> None:
            self.pid, self._name, self._command, self._parent = pid, name, command, parent

        def name(self) -> str:
            return self._name

        def cmdline(self) -> list[str]:
            return self._command

        def parent(self) -> Fake | None:
            return self._parent

    build = Fake(1, "python", ["python", "-m", "perspectives.cli", "build"])
    server = Fake(2, "python", ["python", "-c", "from perspectives.build.forkserver import server_main"], build)
    resident = Fake(3, "python", ["python", "-c", "from perspectives.build.resident_server import resident_main"])
    unnamed_fork = Fake(4, "python", server.cmdline(), server)
    assert bench.process_role(build, 1) == "build"
    assert bench.process_role(server, 1) == "run server"
    assert bench.process_role(resident, 1) == "run server"
    assert bench.process_role(Fake(5, forkserver.RUN_PROCESS_NAME, server.cmdline(), server), 1) == "run"
    assert bench.process_role(unnamed_fork, 1) == "run"
    assert bench.process_role(Fake(6, "mask-search", server.cmdline(), server), 1) == "mask search"
    assert bench.process_role(Fake(7, "chromium", ["/usr/lib/chromium/chromium", "--type=renderer"]), 1) == "chromium"
    assert bench.process_role(Fake(8, "headless_shell", ["headless_shell"]), 1) == "chromium"
    assert bench.process_role(Fake(9, "sh", ["sh"]), 1) == "other sh"


def test_name_process_is_silent_where_it_cannot(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise PermissionError("no")

    monkeypatch.setattr(Path, "write_text", refuse)
    name_process("anything")  # no error
