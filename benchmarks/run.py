"""Benchmark of the report build: ``make bench`` (``.venv/bin/python benchmarks/run.py``).

Purpose
    Measure, in one run on this machine, how long building the reports takes with
    ``perspectives build`` and how that compares with what a user would write (a plain
    sequential papermill loop) and with the cost of the work itself (the notebooks' code run
    in one Python process), plus peak memory, then how the build grows with the number of
    reports and of respondents. See benchmarks/README.md for what each figure means.

Inputs
    The repository's current commit, cloned first into a temporary folder with the notebook
    filter configured as ``make`` configures it: every measured process runs in that real
    clone (``.git`` included), as a user's would, and edits made meanwhile do not count.
    Uncommitted changes are not in the clone; the benchmark says so. Options:
    ``--skip-scale``, ``--skip-baseline`` (no papermill loop), ``--compare-engines ISO3``
    (also build one report with both engines and compare), ``--sizes`` (respondent counts for
    the scale runs), ``--jobs``, ``--repeat`` (timings of the small builds, median taken),
    ``--check-export-mb`` (size of the large export ``perspectives check`` reads, default 200;
    0 skips it), ``--check-export-only`` (that figure alone, into ``results/check-export.json``).

Outputs
    A table on stdout and ``benchmarks/results/latest.json`` with ``cold_s``,
    ``nochange_s``, ``one_section_s``, ``one_country_s``, ``papermill_sequential_s``, ``floor_s``,
    ``check_200mb_s`` (``perspectives check`` of a valid 200 MB export), ratios, peak memory per
    phase (``*_peak_rss_mb``: the peak of the summed resident memory of the phase's process tree,
    sampled every 50 ms; ``*_peak_pss_mb``: the same with proportional set sizes, the physical
    memory the tree holds; ``*_largest_process_mb``: the largest single process's ``VmHWM``; in
    ``network.json``, ``cold_largest_process_role`` names it and ``cold_memory_by_role`` gives each
    role's processes, largest process and PSS: build, run server, run, mask search, chromium), and
    the ``scale`` curves. All build outputs go to temporary
    folders that are removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
ROOT = REPO  # where the runs read from: a clone of REPO once main() has made it

# Like `make`: figures in files, no debugger warnings in kernels.
BASE_ENV = {"MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


@dataclass
class Measured:
    """One timed subprocess: wall seconds, its process tree's memory, its output."""

    seconds: float
    peak_rss_mb: float
    stdout: str
    stderr: str
    returncode: int
    largest_process_mb: float = 0.0
    peak_pss_mb: float = 0.0
    largest_process_role: str = ""
    roles: dict[str, dict[str, float]] = field(default_factory=dict)
    timeline: list[tuple[float, dict[str, int]]] | None = None


# How often the process tree's memory is sampled (seconds).
SAMPLE_EVERY = 0.05


class TreeMemory:
    """The peak of the summed resident memory of a process and all its descendants, by role.

    Sampled from /proc with psutil every :data:`SAMPLE_EVERY` seconds in a thread. Each
    process's own peak (``VmHWM`` of /proc/PID/status, read at each sample: it survives
    between samples) gives the largest single process. ``ru_maxrss`` from ``wait4`` is not
    used: Linux carries a process's peak across ``exec``, so a child's figure could be the
    benchmark runner's own. Shared pages (a fork's copy-on-write memory) count in each
    process that maps them, so the summed resident memory is an upper bound of what the tree
    needs: each fork of the run server counts the server's whole warm state again. The summed
    proportional set size (``Pss`` of /proc/PID/smaps_rollup: a shared page counts 1/k in each
    of the k processes that map it) is the physical memory the tree holds, and is sampled too
    (``peak_pss_bytes``).

    Every process is named by its role (:func:`process_role`: the build, its run server,
    a section run, a mask search, the browser...), and :meth:`roles` says, for each role, its
    largest process, the peak of its processes' summed PSS, and what it held when the tree's
    PSS peaked: where the memory is. ``timeline`` keeps each sample's PSS by role.
    """

    def __init__(self, pid: int, also: list[int] | None = None, timeline: bool = False) -> None:
        import threading

        import psutil

        self._root = psutil.Process(pid)
        # Other trees the phase uses: a run server kept by an earlier build, which is not the
        # build's child but does its runs (its forks count as the build's own would).
        self._also = []
        for other in also or []:
            with contextlib.suppress(psutil.Error):
                self._also.append(psutil.Process(other))
        self.peak_bytes = 0
        self.peak_pss_bytes = 0
        self.largest_bytes = 0
        self.largest_role = ""
        self._role_largest: dict[str, int] = {}
        self._role_peak: dict[str, int] = {}
        self._at_peak: dict[str, int] = {}
        self._pids: dict[str, set[int]] = {}
        self._t0 = time.perf_counter()
        self.timeline: list[tuple[float, dict[str, int]]] | None = [] if timeline else None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _processes(self) -> list[Any]:
        procs = [self._root, *self._root.children(recursive=True)]
        for other in self._also:
            with contextlib.suppress(Exception):
                procs += [other, *other.children(recursive=True)]
        return procs

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                procs = self._processes()
            except psutil.Error:
                return
            total = pss = 0
            by_role: dict[str, int] = {}
            for proc in procs:
                try:
                    role = process_role(proc, self._root.pid)
                    rss, own_pss, hwm = proc.memory_info().rss, _pss_bytes(proc.pid), _hwm_bytes(proc.pid)
                except (psutil.Error, OSError):
                    continue
                total += rss
                pss += own_pss
                by_role[role] = by_role.get(role, 0) + own_pss
                self._pids.setdefault(role, set()).add(proc.pid)
                self._role_largest[role] = max(self._role_largest.get(role, 0), hwm)
                if hwm > self.largest_bytes:
                    self.largest_bytes, self.largest_role = hwm, role
            for role, held in by_role.items():
                self._role_peak[role] = max(self._role_peak.get(role, 0), held)
            self.peak_bytes = max(self.peak_bytes, total)
            if pss > self.peak_pss_bytes:
                self.peak_pss_bytes, self._at_peak = pss, by_role
            if self.timeline is not None:
                self.timeline.append((round(time.perf_counter() - self._t0, 2), by_role))
            self._stop.wait(SAMPLE_EVERY)

    def roles(self) -> dict[str, dict[str, float]]:
        """Each role's memory, in MB.

        For each role: its processes, its largest process's peak (``VmHWM``), the peak of its
        processes' summed PSS, and their PSS when the whole tree's PSS peaked.
        """
        return {role: {"processes": len(self._pids[role]),
                       "largest_process_mb": round(self._role_largest.get(role, 0) / 2**20, 1),
                       "peak_pss_mb": round(self._role_peak.get(role, 0) / 2**20, 1),
                       "pss_at_tree_peak_mb": round(self._at_peak.get(role, 0) / 2**20, 1)}
                for role in sorted(self._pids)}

    def stop(self) -> None:
        """Stop sampling (call once the process has ended)."""
        self._stop.set()
        self._thread.join()


# The names the build gives the processes it forks (``/proc/PID/comm``, see
# ``perspectives.build.forkserver.name_process``), and the roles they play.
FORK_ROLES = {"section-run": "run", "mask-search": "mask search"}
# A run server's command line (a build's own, or one kept between builds).
SERVER_MARKS = ("server_main", "resident_main")


def process_role(proc: Any, root: int) -> str:
    """What a process of a build's tree does.

    ``build`` (the command itself), ``run server``, ``run`` (a fork of it executing one
    section), ``mask search`` (a fork of it searching masks in its warm-up), ``chromium``
    (the printer's browser and its helpers), else ``other <name>``.
    """
    if proc.pid == root:
        return "build"
    name = proc.name()
    if name in FORK_ROLES:
        return FORK_ROLES[name]
    if "chrom" in name.lower() or "headless" in name.lower():
        return "chromium"
    command = " ".join(proc.cmdline())
    if any(mark in command for mark in SERVER_MARKS):
        parent = proc.parent()
        parent_command = " ".join(parent.cmdline()) if parent is not None else ""
        # a fork that has not named itself yet is its server's child: a run about to start
        return "run" if any(mark in parent_command for mark in SERVER_MARKS) else "run server"
    return f"other {name}"


def _hwm_bytes(pid: int) -> int:
    """A process's peak resident memory so far (``VmHWM``), 0 when it has none or is gone."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _pss_bytes(pid: int) -> int:
    """A process's proportional set size now (``Pss`` of /proc/PID/smaps_rollup), 0 when gone."""
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    return 0


def measure(argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None,
            also: list[int] | None = None, timeline: bool = False) -> Measured:
    """Run ``argv`` to the end; time it and sample its process tree's memory (and the trees of ``also``).

    ``timeline``: keep every sample's PSS by role (``Measured.timeline``).
    """
    full_env = {**os.environ, **BASE_ENV, **(env or {})}
    out_f = tempfile.TemporaryFile()
    err_f = tempfile.TemporaryFile()
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=out_f, stderr=err_f, env=full_env, cwd=cwd or ROOT)
    memory = TreeMemory(proc.pid, also, timeline)
    # Sampled until the process is reaped: its children (servers, forks) end before it does.
    proc.wait()
    seconds = time.perf_counter() - t0
    memory.stop()
    out_f.seek(0)
    err_f.seek(0)
    return Measured(seconds, memory.peak_bytes / 2**20, out_f.read().decode(errors="replace"),
                    err_f.read().decode(errors="replace"), proc.returncode, memory.largest_bytes / 2**20,
                    memory.peak_pss_bytes / 2**20, memory.largest_role, memory.roles(), memory.timeline)


def perspectives_build(out: Path, *args: str, env: dict[str, str] | None = None,
                       python: str = sys.executable, cwd: Path | None = None) -> Measured:
    """``perspectives build --out OUT ...`` as a user runs it (a fresh process).

    A run server an earlier build kept for ``out`` (``perspectives.build.resident``) is part of
    what the build uses: its process tree's memory is sampled with the build's.
    """
    kept = server_pid(out)
    m = measure([python, "-m", "perspectives.cli", "build", "--out", str(out), *args],
                env=env, cwd=cwd, also=[kept] if kept else None)
    if m.returncode != 0:
        raise SystemExit(f"build failed ({m.returncode}):\n{m.stderr[-3000:]}")
    return m


# The environment of builds whose figures must not depend on a server an earlier build kept
# (a growth curve's cold builds, the network): each stops its server with the build.
KEEP_NONE = {"PERSPECTIVES_KEEP_SERVER": "0"}


def study_conversations() -> tuple[str, str]:
    """The ``--conversations`` option naming the clone's embedded conversations.

    A build given its own survey export (``--data``) refuses to print the study's
    conversations as that export's unless told which to use; the scaled and network exports
    are drawn from the study's survey, so its conversations go with them.
    """
    return ("--conversations", str(ROOT / "data" / "synthetic" / "conversations.csv"))


def _server_command(action: str, out: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "perspectives.cli", "server", action, "--out", str(out)],
                          cwd=ROOT, env={**os.environ, **BASE_ENV}, capture_output=True, text=True)
    return (done.stdout + done.stderr).strip()


def server_pid(out: Path) -> int | None:
    """The process id of the run server an earlier build kept for ``out``, or None."""
    found = re.match(r"run server (\d+) ", _server_command("status", out))
    return int(found.group(1)) if found else None


def server_prints(out: Path) -> int | None:
    """The reports the run server kept for ``out`` printed with its browser so far, or None (no server, no browser)."""
    found = re.search(r"its browser printed (\d+) reports", _server_command("status", out))
    return int(found.group(1)) if found else None


def stop_server(out: Path) -> str:
    """Stop the run server kept for ``out`` (``perspectives server stop``); what it said."""
    return _server_command("stop", out)


def server_line(stderr: str) -> str:
    """The build's line about its run server (started, or reused from an earlier build), or ""."""
    found = re.search(r"^run server .*$", stderr, re.M)
    return found.group(0) if found else ""


def phases(m: Measured) -> dict[str, Any]:
    """A build's own per-phase lines: its run server, its runs, its report's files."""
    def seconds(pattern: str) -> list[float]:
        return [float(x) for x in re.findall(pattern, m.stderr, re.M)]

    return {"seconds": round(m.seconds, 2), "server": server_line(m.stderr),
            "server_reused": "run server reused" in m.stderr,
            "runs_s": seconds(r"^\[\d+/\d+\] \S+ \S+ ([\d.]+)s"),
            "html_docx_s": seconds(r"report\.html and report\.docx written in ([\d.]+)s"),
            "pdf_s": seconds(r"report\.pdf printed in ([\d.]+)s"),
            "build_s": seconds(r"; reports written: .*\(([\d.]+)s\)$")}


def executed_runs(stderr: str) -> list[tuple[str, str, str]]:
    """(report, section, reason) of every run a build's progress lines say it executed."""
    # "[3/16] MDA methods 1.5s (reason: new); about 40 s left": the estimate is optional
    return re.findall(r"^\[\d+/\d+\] (\S+) (\S+) [\d.]+s \(reason: (.*?)\)(?:; about .* left)?$", stderr, re.M)


# --------------------------------------------------------------------------- baselines

# A plain sequential papermill loop over the grid: what a user would write without the build.
PAPERMILL_LOOP = r'''
import sys, yaml, papermill as pm
from pathlib import Path
repo, out = Path(sys.argv[1]), Path(sys.argv[2])
grid = yaml.safe_load((repo / "params" / "grid.yml").read_text())
study = yaml.safe_load((repo / "params" / "study.yml").read_text())
# the reports: the study's countries, then the synthesis (grid.yml lists sections only)
reports = [c["iso3"] for c in study["countries"]] + [study["study"].get("synthesis_code", "ALL")]
for report in reports:
    for sec in grid["sections"]:  # grid order: the summary comes after its upstream sections
        run = out / report / sec["id"]
        run.mkdir(parents=True)
        pm.execute_notebook(str(repo / sec["notebook"]), str(run / "executed.ipynb"),
                            parameters={"country": report, "output_dir": str(run)},
                            kernel_name="python3", progress_bar=False,
                            cwd=str(repo / "notebooks"))
'''

# The floor: the same notebooks' code, one run after another, in one process whose
# libraries are imported once; each run executes its code cells in a fresh dict namespace,
# with its parameters assigned after the parameters cell (as papermill injects them).
FLOOR_LOOP = r'''
import contextlib, io, json, os, sys, time, yaml
from pathlib import Path
import pandas, scipy.stats, seaborn, matplotlib.pyplot  # imported once for every run
import perspectives.report
repo, out = Path(sys.argv[1]), Path(sys.argv[2])
grid = yaml.safe_load((repo / "params" / "grid.yml").read_text())
study = yaml.safe_load((repo / "params" / "study.yml").read_text())
reports = [c["iso3"] for c in study["countries"]] + [study["study"].get("synthesis_code", "ALL")]
os.chdir(repo / "notebooks")
t0 = time.perf_counter()
for report in reports:
    for sec in grid["sections"]:
        run = out / report / sec["id"]
        run.mkdir(parents=True)
        nb = json.loads((repo / sec["notebook"]).read_text())
        ns = {"__name__": "__main__"}
        params = {"country": report, "output_dir": str(run)}
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            src = "".join(cell["source"])
            # display() without a shell prints a repr: cheap, and nothing is shown
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(src, sec["notebook"], "exec"), ns)
            if "parameters" in cell["metadata"].get("tags", []):
                ns.update(params)
print(json.dumps({"work_s": time.perf_counter() - t0}))
'''


def run_script(code: str, *args: str, env: dict[str, str] | None = None) -> Measured:
    """Run ``code`` in a fresh interpreter and measure it; stop the benchmark if it fails."""
    m = measure([sys.executable, "-c", code, *args], env=env)
    if m.returncode != 0:
        raise SystemExit(f"script failed ({m.returncode}):\n{m.stderr[-3000:]}")
    return m


# --------------------------------------------------------------------------- scale


def scaled_export(n_rows: int, dest: Path, seed: int = 20210726) -> Path:
    """A synthetic export of ``n_rows`` responses resampled from the committed one, written to ``dest``.

    See :func:`perspectives_synth.network.resampled_export` (rows drawn with replacement within
    each country, in its proportions, with new respondent ids).
    """
    from perspectives_synth.network import resampled_export

    resampled_export(ROOT / "data" / "synthetic" / "survey_export.csv", n_rows, seed).to_csv(dest, index=False)
    return dest


# --------------------------------------------------------------------------- a large export

# The goals for `perspectives check` of a valid 200 MB export on the 2-core machine.
CHECK_EXPORT_GOALS = {"seconds": 60.0, "peak_rss_mb": 1024.0}


def large_export(megabytes: int, dest: Path) -> int:
    """A valid export of about ``megabytes`` MB: the embedded export's rows repeated, each with a new id.

    Every row keeps its answers (so the reader's validation applies as to the real file) and
    gets an id never used before; returns the number of rows written.
    """
    lines = (ROOT / "data" / "synthetic" / "survey_export.csv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], [line.split(",", 1)[1] for line in lines[1:]]  # the id is the first column
    target, written, n = megabytes * 2**20, 0, 0
    with dest.open("w", encoding="utf-8", newline="") as out:
        out.write(header + "\n")
        while written < target:
            for rest in rows:
                n += 1
                line = f"L{n:08d},{rest}\n"
                out.write(line)
                written += len(line)
                if written >= target:
                    break
    return n


def check_large_export(work: Path, megabytes: int) -> dict[str, Any]:
    """``perspectives check`` of a valid export of ``megabytes`` MB: wall seconds and peak memory."""
    print(f"check of a {megabytes} MB export ...", file=sys.stderr, flush=True)
    path = work / f"export_{megabytes}mb.csv"
    rows = large_export(megabytes, path)
    m = measure([sys.executable, "-m", "perspectives.cli", "check", str(path)])
    if m.returncode != 0:
        raise SystemExit(f"check of the large export failed ({m.returncode}):\n{m.stdout[-3000:]}{m.stderr[-3000:]}")
    key = f"check_{megabytes}mb"
    return {f"{key}_s": round(m.seconds, 2), f"{key}_peak_rss_mb": round(m.peak_rss_mb, 1),
            f"{key}_rows": rows, f"{key}_bytes": path.stat().st_size}


# --------------------------------------------------------------------------- engines


def real_clone(dest: Path) -> Path:
    """Clone the repository's current commit to ``dest`` and run everything from the clone.

    A user's checkout is a git clone whose notebooks pass through the nbstripout filter that
    ``make`` configures; a copy without ``.git`` once hid a 10 s no-change build behind a
    0.2 s figure. The clone also keeps edits made while the benchmark runs (by a colleague,
    an editor, a git pull) out of the stamps. ``PYTHONPATH`` makes every process import the
    clone's library, so ``repo_root()`` is the clone too.
    """
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(dest)], check=True)
    for key, value in (("filter.nbstripout.clean", f"{sys.executable} -m nbstripout"),
                       ("filter.nbstripout.smudge", "cat"),
                       ("diff.ipynb.textconv", f"{sys.executable} -m nbstripout -t")):
        subprocess.run(["git", "config", key, value], cwd=dest, check=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                           capture_output=True, text=True).stdout.strip()
    if dirty:
        print("note: uncommitted changes are not in the benchmark (it measures the commit)",
              file=sys.stderr)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(dest / "lib")] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    global ROOT
    ROOT = dest
    return dest


def _machine() -> dict[str, Any]:
    """The machine's facts and the start time, the head of every results file."""
    return {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "platform": platform.platform(), "loadavg_at_start": list(os.getloadavg())},
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def _clone_commit(work: Path) -> str:
    """Clone the repository into ``work/repo`` (:func:`real_clone`); the commit measured."""
    real_clone(work / "repo")
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def edit_section(notebook: Path, mark: int) -> None:
    """Change one section the way a researcher does: its last Markdown cell gets new text.

    A new closing line changes the notebook (its runs are due), the report's text (it is
    reassembled) and its pages (the PDF is reprinted).
    """
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cell = [c for c in nb["cells"] if c["cell_type"] == "markdown"][-1]
    source = "".join(cell["source"]).split("\n\nBenchmark edit")[0].rstrip("\n")
    cell["source"] = f"{source}\n\nBenchmark edit {mark}.\n"
    notebook.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def preview_edit_to_reload(repeat: int) -> list[float]:
    """Seconds from a saved edit of one section to the preview's reload event for its report.

    ``perspectives preview --country ALB`` runs in the clone as a researcher runs it (a
    foreground process: Ctrl-C reaches it); the benchmark listens on the page's event stream,
    edits the prevention notebook's Markdown, and stops the clock at the reload event for
    ALB. Each repetition waits for the previous rebuild, PDF included, to finish.
    """
    import signal
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-m", "perspectives.cli", "preview", "--country", "ALB",
                             "--port", "0"], cwd=ROOT, env={**os.environ, **BASE_ENV},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert proc.stderr is not None
        url = None
        for line in proc.stderr:
            found = re.search(r"serving (http://127\.0\.0\.1:\d+/)", line)
            if found:
                url = found.group(1)
                break
        if url is None:
            raise SystemExit("the preview did not start")
        stream = urllib.request.urlopen(url + "__events", timeout=120)

        def next_event() -> tuple[str, dict[str, Any]]:
            event = ""
            for raw in stream:
                text = raw.decode().strip()
                if text.startswith("event:"):
                    event = text.split(":", 1)[1].strip()
                elif text.startswith("data:") and event:
                    return event, json.loads(text.split(":", 1)[1])
            raise SystemExit("the preview's event stream ended")

        next_event()  # ready
        seconds = []
        for i in range(repeat):
            time.sleep(3)  # the previous rebuild's PDF is printed by now
            t0 = time.perf_counter()
            edit_section(ROOT / "notebooks" / "06_prevention.ipynb", 1000 + i)
            while True:
                event, data = next_event()
                if event == "reload" and data.get("folder") == "ALB":
                    seconds.append(time.perf_counter() - t0)
                    break
        return seconds
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        subprocess.run(["git", "checkout", "--quiet", "--", "notebooks/06_prevention.ipynb"], cwd=ROOT, check=True)


def median(values: list[float]) -> float:
    """The median of ``values`` (the middle one, or the mean of the middle two)."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def compare_engines(country: str, work: Path) -> dict[str, Any]:
    """Build one report with each engine (from the clone) and compare the results.

    Returns whether ``report.html`` is byte-identical and whether the executed notebooks'
    outputs match once execution counts are set aside.
    """
    times = {}
    for engine in ("fork", "kernel"):
        m = perspectives_build(work / engine, "--country", country,
                               env={"PERSPECTIVES_ENGINE": engine, **KEEP_NONE})
        times[engine] = round(m.seconds, 1)
    rel = Path("synthesis" if country == "ALL" else country)
    same_html = (work / "fork" / rel / "report.html").read_bytes() == \
        (work / "kernel" / rel / "report.html").read_bytes()
    differing = []
    for nb in sorted((work / "fork" / rel / "sections").glob("*/executed.ipynb")):
        other = work / "kernel" / nb.relative_to(work / "fork")
        if _outputs(nb) != _outputs(other):
            differing.append(nb.parent.name)
    return {"country": country, "report_html_identical": same_html,
            "notebooks_with_different_outputs": differing, "build_s": times}


def _outputs(path: Path) -> list[Any]:
    nb = json.loads(path.read_text())
    return [[{k: v for k, v in o.items() if k != "execution_count"}
             for o in c.get("outputs", [])] for c in nb["cells"]]


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the table; write results/latest.json."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-scale", action="store_true", help="no growth curves")
    ap.add_argument("--skip-baseline", action="store_true",
                    help="no sequential papermill loop (it is the slowest part)")
    ap.add_argument("--compare-engines", metavar="ISO3",
                    help="also build this report with both engines and compare")
    ap.add_argument("--sizes", default="1000,10000,100000",
                    help="respondent counts for the scale runs (default: 1000,10000,100000)")
    ap.add_argument("--jobs", type=int, help="parallel runs for the builds (default: cores)")
    ap.add_argument("--repeat", type=int, default=5,
                    help="timings of the no-change and one-section builds (median reported)")
    ap.add_argument("--results", type=Path, default=None,
                    help="default: results/latest.json (results/network.json with --network)")
    ap.add_argument("--network", action="store_true",
                    help="only the network-wide growth curve: 7, 26, 52 and 104 countries, 8 runs each")
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="with --network: copy the largest synthesis's report.pdf and .html here")
    ap.add_argument("--network-sizes", default=",".join(map(str, NETWORK_SIZES)),
                    help="countries of each network point (default: 7,26,52,104)")
    ap.add_argument("--check-export-mb", type=int, default=200, metavar="MB",
                    help="size of the valid export `perspectives check` reads (default 200; 0 skips it)")
    ap.add_argument("--check-export-only", action="store_true",
                    help="only the check of the large export (results/check-export.json)")
    args = ap.parse_args(argv)
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    if args.network:
        return main_network(args, jobs)
    if args.check_export_only:
        return main_check_export(args)
    args.results = args.results or RESULTS / "latest.json"
    res = _machine()
    work = Path(tempfile.mkdtemp(prefix="perspectives-bench-"))
    try:
        res["commit"] = _clone_commit(work)
        out = ROOT / "outputs"  # where a user's build writes: inside the clone
        # A cold build starts its own run server: any server kept for this folder is stopped
        # first (a fresh clone has none; said all the same).
        res["cold_server_before"] = stop_server(out)
        print(f"cold build ({res['cold_server_before']}) ...", file=sys.stderr, flush=True)
        cold = perspectives_build(out, *jobs)
        res["cold_server"] = server_line(cold.stderr)
        n_runs = len(executed_runs(cold.stderr))
        print("no-change builds ...", file=sys.stderr, flush=True)
        nochanges = [perspectives_build(out, *jobs) for _ in range(args.repeat)]
        noch = nochanges[-1]
        # One section edited (a Markdown cell of the prevention notebook), then rebuilt for
        # one report, as a researcher does: the run, the report's HTML and Word files and its
        # PDF, reprinted. Each repetition makes a new edit. Nothing is started by hand: the
        # run server the cold build kept (the default of perspectives build) serves them when
        # nothing it loaded changed, and the figures say whether it did.
        print("one-section builds ...", file=sys.stderr, flush=True)
        sections, section_runs, reprinted, by_server = [], set(), 0, 0
        pdf = out / "ALB" / "report.pdf"
        for i in range(args.repeat):
            before = pdf.stat().st_mtime_ns if pdf.is_file() else None
            edit_section(ROOT / "notebooks" / "06_prevention.ipynb", i)
            printed_before = server_prints(out)
            m = perspectives_build(out, "--country", "ALB", "--section", "prevention", *jobs)
            sections.append(m)
            section_runs.add(tuple(executed_runs(m.stderr)))
            reprinted += pdf.is_file() and pdf.stat().st_mtime_ns != before
            # printed by the kept server's browser (warm), not one the build started
            by_server += printed_before is not None and (server_prints(out) or 0) > printed_before
        subprocess.run(["git", "checkout", "--quiet", "--", "notebooks/06_prevention.ipynb"], cwd=ROOT, check=True)
        perspectives_build(out, "--country", "ALB", "--section", "prevention", *jobs)
        res.update({
            "nochange_s": round(median([m.seconds for m in nochanges]), 2),
            "nochange_s_all": [round(m.seconds, 2) for m in nochanges],
            "nochange_runs_executed": max(len(executed_runs(m.stderr)) for m in nochanges),
            "one_section_s": round(median([m.seconds for m in sections]), 2),
            "one_section_s_all": [round(m.seconds, 2) for m in sections],
            "one_section_runs": sorted({f"{r} {s} ({why})" for runs in section_runs for r, s, why in runs}),
            "one_section_pdf_reprinted": f"{reprinted} of {args.repeat}",
            "one_section_printed_by_server": f"{by_server} of {args.repeat}",
            "one_section_peak_rss_mb": round(max(m.peak_rss_mb for m in sections), 1),
            "one_section_server_reused": f"{sum(phases(m)['server_reused'] for m in sections)} of {args.repeat}",
            "one_section_phases": [phases(m) for m in sections],
            "one_section_loadavg": list(os.getloadavg()),
        })
        # One country's parameters changed: the stamps of MDA's runs are rewritten as if the
        # previous build had used other parameters for MDA (the build compares stamps, so
        # this is what a parameter change looks like to it); the other reports keep theirs.
        for stamp in (out / "MDA" / "sections").glob("*/stamp.json"):
            doc = json.loads(stamp.read_text())
            doc["parameters"] = "0" * 64
            stamp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
        print("one-country build ...", file=sys.stderr, flush=True)
        one = perspectives_build(out, *jobs)
        one_runs = executed_runs(one.stderr)
        res.update({
            "runs": n_runs,
            "cold_s": round(cold.seconds, 2),
            "one_country_s": round(one.seconds, 2),
            "one_country_runs": sorted({f"{r} {s}" for r, s, _ in one_runs}),
            "one_country_reasons": sorted({why for _, _, why in one_runs}),
            "one_country_server": server_line(one.stderr),
            "cold_peak_rss_mb": round(cold.peak_rss_mb, 1),
            "cold_peak_pss_mb": round(cold.peak_pss_mb, 1),
            "cold_largest_process_mb": round(cold.largest_process_mb, 1),
            "nochange_peak_rss_mb": round(noch.peak_rss_mb, 1),
            "one_country_peak_rss_mb": round(one.peak_rss_mb, 1),
        })
        res["server_stopped_after_builds"] = stop_server(out)  # the phases below measure other things
        print("preview: edit to reload ...", file=sys.stderr, flush=True)
        reloads = preview_edit_to_reload(args.repeat)
        res["preview_edit_to_reload_s"] = round(median(reloads), 2)
        res["preview_edit_to_reload_s_all"] = [round(x, 2) for x in reloads]
        print("floor (one process) ...", file=sys.stderr, flush=True)
        floor = run_script(FLOOR_LOOP, str(ROOT), str(work / "floor"),
                           env={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
        res["floor_s"] = round(floor.seconds, 2)
        res["floor_work_only_s"] = round(json.loads(floor.stdout.splitlines()[-1])["work_s"], 2)
        res["floor_peak_rss_mb"] = round(floor.peak_rss_mb, 1)
        if not args.skip_baseline:
            print("plain sequential papermill loop ...", file=sys.stderr, flush=True)
            seq = run_script(PAPERMILL_LOOP, str(ROOT), str(work / "papermill"))
            res["papermill_sequential_s"] = round(seq.seconds, 2)
            res["papermill_sequential_peak_rss_mb"] = round(seq.peak_rss_mb, 1)
            res["speedup_vs_papermill_sequential"] = round(seq.seconds / cold.seconds, 2)
        res["cold_over_floor"] = round(cold.seconds / floor.seconds, 2)
        if args.compare_engines:
            print(f"engine comparison on {args.compare_engines} ...", file=sys.stderr, flush=True)
            res["engine_comparison"] = compare_engines(args.compare_engines, work / "compare")
        if args.check_export_mb:
            res.update(check_large_export(work, args.check_export_mb))
        if not args.skip_scale:
            res["scale"] = scale(work, [int(s) for s in args.sizes.split(",")], jobs)
        res["loadavg_at_end"] = list(os.getloadavg())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(res, indent=1) + "\n")
    print(table(res))
    print(f"\nwritten: {args.results.relative_to(REPO) if args.results.is_relative_to(REPO) else args.results}")
    return 0


def main_check_export(args: argparse.Namespace) -> int:
    """``--check-export-only``: the check of the large export alone, from a real clone."""
    results = args.results or RESULTS / "check-export.json"
    res = _machine()
    work = Path(tempfile.mkdtemp(prefix="perspectives-check-"))
    try:
        res["commit"] = _clone_commit(work)
        res.update(check_large_export(work, args.check_export_mb or 200))
        res["loadavg_at_end"] = list(os.getloadavg())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(res, indent=1) + "\n")
    print(table(res))
    print(f"\nwritten: {results.relative_to(REPO) if results.is_relative_to(REPO) else results}")
    return 0


def main_network(args: argparse.Namespace, jobs: list[str]) -> int:
    """``--network``: the growth curve over the network's countries, from a real clone."""
    results = args.results or RESULTS / "network.json"
    res = _machine()
    work = Path(tempfile.mkdtemp(prefix="perspectives-network-"))
    try:
        res["commit"] = _clone_commit(work)
        res["network"] = network(work, [int(s) for s in args.network_sizes.split(",")], jobs,
                                 max(1, min(args.repeat, 3)), args.keep)
        res["loadavg_at_end"] = list(os.getloadavg())
        res["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n")
    print(network_table(res))
    print(f"\nwritten: {results.relative_to(REPO) if results.is_relative_to(REPO) else results}")
    return 0


def scale(work: Path, sizes: list[int], jobs: list[str]) -> dict[str, Any]:
    """Growth with reports (cold builds of 1, 3 and 7 reports) and with respondents."""
    curves: dict[str, Any] = {"reports": [], "respondents": []}
    import yaml

    countries = [c["iso3"] for c in yaml.safe_load((ROOT / "params" / "study.yml").read_text())["countries"]]
    for codes in (countries[:1], countries[:3]):
        print(f"scale: cold build of {len(codes)} report(s) ...", file=sys.stderr, flush=True)
        m = perspectives_build(work / f"reports{len(codes)}", "--country", *codes, *jobs, env=KEEP_NONE)
        curves["reports"].append({"reports": len(codes), "runs": len(executed_runs(m.stderr)),
                                  "seconds": round(m.seconds, 2),
                                  "peak_rss_mb": round(m.peak_rss_mb, 1)})
    # The heaviest sections (methods, csea_online) for the synthesis: all rows at once.
    for n in sizes:
        print(f"scale: synthesis runs on {n:,} respondents ...", file=sys.stderr, flush=True)
        data = scaled_export(n, work / f"export_{n}.csv")
        m = perspectives_build(work / f"resp{n}", "--country", "ALL", "--section", "methods",
                               "csea_online", "--data", str(data), *study_conversations(), *jobs, env=KEEP_NONE)
        per_run = {s: float(t) for _, s, t in re.findall(
            r"^\[\d+/\d+\] (\S+) (\S+) ([\d.]+)s", m.stderr, re.M)}
        curves["respondents"].append({"respondents": n, "seconds": round(m.seconds, 2),
                                      "run_seconds": per_run,
                                      "peak_rss_mb": round(m.peak_rss_mb, 1)})
    return curves


# --------------------------------------------------------------------------- network

NETWORK_SIZES = (7, 26, 52, 104)
NETWORK_GOALS = {"cold_s": 600.0, "one_country_s": 15.0, "nochange_s": 1.0}


def _in_clone(code: str, *args: str) -> str:
    """Run Python ``code`` with the clone's library; return its stdout."""
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **BASE_ENV})
    if done.returncode != 0:
        raise SystemExit(f"script failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


# The network: the study's countries, then the most populous others (perspectives_synth.network),
# and one export of them all (about 100 eligible respondents each, with partial and
# disqualified rows, resampled from the embedded export; deterministic for the study seed).
NETWORK_DATA = r'''
import json, sys
from pathlib import Path
from perspectives_synth import network as synth
entries = synth.network_countries(int(sys.argv[1]))
Path(sys.argv[2]).write_text(json.dumps(entries, ensure_ascii=False))
synth.network_export([e["iso3"] for e in entries]).to_csv(sys.argv[3], index=False)
'''


def _folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def network(work: Path, sizes: list[int], jobs: list[str], repeat: int, keep: Path | None = None) -> dict[str, Any]:
    """The growth curve over the network's countries, one study per size.

    Each size ``k`` (the network's first ``k`` countries) is built cold, again with no change,
    and after one country's parameters changed; with peak memory and the size of what was
    written. Each size is its own ``params/study.yml`` in the clone and its own export (those
    countries' rows), as a network would run it.
    """
    import csv

    top = max(sizes)
    entries_path, export_path = work / "network.json", work / "network_export.csv"
    print(f"network: {top} countries and their export ...", file=sys.stderr, flush=True)
    _in_clone(NETWORK_DATA, str(top), str(entries_path), str(export_path))
    entries = json.loads(entries_path.read_text(encoding="utf-8"))
    study_file = ROOT / "params" / "study.yml"
    original = study_file.read_text(encoding="utf-8")
    with export_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    at = header.index("country")
    points = []
    try:
        for k in sizes:
            chosen = entries[:k]
            codes = {e["iso3"] for e in chosen}
            _write_study(study_file, original, chosen)
            data = work / f"export_{k}.csv"
            with data.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(header)
                writer.writerows(r for r in rows if r[at] in codes)
            out = work / f"network_{k}"
            print(f"network {k}: cold build of {k + 1} reports ...", file=sys.stderr, flush=True)
            load = list(os.getloadavg())
            # No run server kept between the network's builds: its one-country figure stays
            # comparable with the curve's earlier runs (each build warms its own server).
            cold = perspectives_build(out, "--data", str(data), *study_conversations(), *jobs, env=KEEP_NONE)
            print(f"network {k}: no-change builds ...", file=sys.stderr, flush=True)
            nochanges = [perspectives_build(out, "--data", str(data), *study_conversations(), *jobs, env=KEEP_NONE) for _ in range(repeat)]
            # One country's parameters changed: its runs' stamps rewritten as a parameter
            # change looks to the build (as for the 7-report figure); the last country's.
            changed = chosen[-1]["iso3"]
            for stamp in (out / changed / "sections").glob("*/stamp.json"):
                doc = json.loads(stamp.read_text())
                doc["parameters"] = "0" * 64
                stamp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
            print(f"network {k}: one country ({changed}) changed ...", file=sys.stderr, flush=True)
            one = perspectives_build(out, "--data", str(data), *study_conversations(), *jobs, env=KEEP_NONE)
            point = {
                "countries": k, "reports": k + 1, "runs": len(executed_runs(cold.stderr)),
                "respondents_eligible_approx": 100 * k, "export_rows": sum(1 for r in rows if r[at] in codes),
                "cold_s": round(cold.seconds, 1), "cold_peak_rss_mb": round(cold.peak_rss_mb, 1),
                "cold_peak_pss_mb": round(cold.peak_pss_mb, 1),
                "cold_largest_process_mb": round(cold.largest_process_mb, 1),
                "cold_largest_process_role": cold.largest_process_role,
                "cold_memory_by_role": cold.roles,
                "nochange_s": round(median([m.seconds for m in nochanges]), 2),
                "nochange_s_all": [round(m.seconds, 2) for m in nochanges],
                "nochange_runs_executed": max(len(executed_runs(m.stderr)) for m in nochanges),
                "nochange_peak_rss_mb": round(max(m.peak_rss_mb for m in nochanges), 1),
                "one_country": changed, "one_country_s": round(one.seconds, 1),
                "one_country_runs": len(executed_runs(one.stderr)),
                "one_country_peak_rss_mb": round(one.peak_rss_mb, 1),
                "output_mb": round(_folder_bytes(out) / 1e6, 1),
                "loadavg_before_cold": [round(x, 2) for x in load],
                "warm_up_s": _warm_up_seconds(cold.stderr),
            }
            print("network: " + json.dumps(point), file=sys.stderr, flush=True)
            points.append(point)
            if keep is not None and k == max(sizes):  # the largest synthesis, to look at
                keep.mkdir(parents=True, exist_ok=True)
                for name in ("report.pdf", "report.html"):
                    if (out / "synthesis" / name).is_file():
                        shutil.copy2(out / "synthesis" / name, keep / f"synthesis_{k}_{name}")
            shutil.rmtree(out, ignore_errors=True)
    finally:
        study_file.write_text(original, encoding="utf-8")
    return {"points": points, "goals": NETWORK_GOALS}


def _write_study(path: Path, original: str, entries: list[dict[str, Any]]) -> None:
    """``params/study.yml`` with ``entries`` as its countries (everything else kept)."""
    import yaml

    doc = yaml.safe_load(original)
    doc["countries"] = entries
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _warm_up_seconds(stderr: str) -> float | None:
    found = re.search(r"run server ready in ([\d.]+)s", stderr)
    return float(found.group(1)) if found else None


def network_table(res: dict[str, Any]) -> str:
    """The growth curve and the four goal figures, as printed at the end."""
    points = res["network"]["points"]
    lines = [f"{'countries':>9}{'reports':>8}{'runs':>6}{'cold s':>9}{'PSS MB':>8}{'RSS MB':>8}{'no-change s':>13}"
             f"{'one-country s':>15}{'output MB':>11}{'load at start':>16}", "-" * 103]
    for p in points:
        lines.append(f"{p['countries']:>9}{p['reports']:>8}{p['runs']:>6}{p['cold_s']:>9.1f}"
                     f"{p.get('cold_peak_pss_mb', 0):>8.0f}{p['cold_peak_rss_mb']:>8.0f}{p['nochange_s']:>13.2f}"
                     f"{p['one_country_s']:>15.1f}{p['output_mb']:>11.1f}{p['loadavg_before_cold'][0]:>16.2f}")
    for p in points:
        if p.get("cold_memory_by_role"):
            held = ", ".join(f"{role} {r['pss_at_tree_peak_mb']:.0f}" for role, r in p["cold_memory_by_role"].items()
                             if r["pss_at_tree_peak_mb"] >= 1)
            lines.append(f"{p['countries']:>9} countries: largest process {p['cold_largest_process_mb']:.0f} MB "
                         f"({p['cold_largest_process_role']}); PSS MB by role at the peak: {held}")
    last = points[-1]
    # The goal is judged on the tree's physical memory (summed PSS): summed RSS counts the run
    # server's warm state once more in each of its forks.
    peaks = [p.get("cold_peak_pss_mb") or p["cold_peak_rss_mb"] for p in points]
    lines += ["-" * 96, f"goals at {last['countries']} countries on {res['machine']['cpus']} cores:",
              f"  cold build          {last['cold_s']:>8.1f} s   (goal < 600 s)   "
              f"{'met' if last['cold_s'] < 600 else 'NOT met'}",
              f"  one country changed {last['one_country_s']:>8.1f} s   (goal < 15 s)    "
              f"{'met' if last['one_country_s'] < 15 else 'NOT met'}",
              f"  no change           {last['nochange_s']:>8.2f} s   (goal < 1 s)     "
              f"{'met' if last['nochange_s'] < 1 else 'NOT met'}",
              f"  peak memory (PSS)   {peaks[0]:.0f} MB at {points[0]['countries']}, {peaks[-1]:.0f} MB at "
              f"{last['countries']} countries: {peaks[-1] / peaks[0]:.2f}x (goal <= 1.5x)   "
              f"{'met' if peaks[-1] <= 1.5 * peaks[0] else 'NOT met'}"]
    return "\n".join(lines)


def table(res: dict[str, Any]) -> str:
    """The human-readable summary printed at the end."""
    rows = [
        ("cold_s", "full build from nothing (56 runs + assembly)", res.get("cold_s"),
         res.get("cold_peak_rss_mb")),
        ("nochange_s", "same build again (nothing to run), median", res.get("nochange_s"),
         res.get("nochange_peak_rss_mb")),
        ("one_section_s", f"ALB prevention edited, server reused {res.get('one_section_server_reused', '?')}",
         res.get("one_section_s"), res.get("one_section_peak_rss_mb")),
        ("preview_edit_to_reload_s", "preview: ALB section edited -> page reload", res.get("preview_edit_to_reload_s"),
         None),
        ("one_country_s", "MDA's parameters changed", res.get("one_country_s"),
         res.get("one_country_peak_rss_mb")),
        ("papermill_sequential_s", "plain papermill loop, one kernel per run",
         res.get("papermill_sequential_s"), res.get("papermill_sequential_peak_rss_mb")),
        ("floor_s", "notebooks' code in one process, imports once", res.get("floor_s"),
         res.get("floor_peak_rss_mb")),
    ]
    lines = [f"{'figure':<24}{'what':<48}{'seconds':>9}{'peak MB':>9}", "-" * 90]
    for key, what, sec, mb in rows:
        if sec is not None:
            lines.append(f"{key:<24}{what:<48}{sec:>9.1f}{(mb or 0):>9.0f}")
    lines.append("-" * 90)
    if "cold_s" in res:
        lines.append(f"cold / floor = {res.get('cold_over_floor')}   papermill loop / cold = "
                     f"{res.get('speedup_vs_papermill_sequential')}   one-country runs: "
                     f"{len(res.get('one_country_runs', []))} "
                     f"({', '.join(res.get('one_country_reasons', []))})")
    for key in sorted(k for k in res if re.fullmatch(r"check_\d+mb_s", k)):
        base = key[:-len("_s")]
        mb, seconds, peak = key.split("_")[1], res[key], res[f"{base}_peak_rss_mb"]
        goals = CHECK_EXPORT_GOALS
        met = seconds < goals["seconds"] and peak < goals["peak_rss_mb"]
        lines.append(f"perspectives check of a valid {mb} export ({res[f'{base}_rows']:,} rows): "
                     f"{seconds:.1f} s, peak {peak:.0f} MB (goal for 200mb: < {goals['seconds']:.0f} s and "
                     f"< {goals['peak_rss_mb']:.0f} MB) {'met' if met else 'NOT met'}")
    if "engine_comparison" in res:
        lines.append(f"engines: {json.dumps(res['engine_comparison'])}")
    for kind, pts in res.get("scale", {}).items():
        for p in pts:
            lines.append(f"scale {kind}: " + ", ".join(f"{k}={v}" for k, v in p.items()))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
