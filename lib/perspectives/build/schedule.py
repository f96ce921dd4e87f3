"""Running the due runs: in parallel, dependents after their upstream runs, each atomically.

Purpose
    :func:`execute_all` hands the due runs to a pool of workers, at most ``jobs`` at a time,
    in the order given (a dependent that becomes ready goes next), waits for each and moves
    a successful run's folder into place with renames, so a reader never sees a half-written
    run. A failed run keeps its partial notebook in ``<report>/failed/`` and fails its
    dependents; the others go on, unless it failed on the output folder's file system (a
    full disk, a read-only folder: :func:`disk_trouble`), which stops the build. When a report's last run ends, the caller is told (its
    report can be assembled while other runs go on).

    Two pools on this machine (``ENGINES``): ``fork`` (default) sends the runs to a
    :class:`perspectives.build.forkserver.ForkServer`, whose forks execute them with the
    in-process papermill engine; ``kernel`` uses a process pool whose workers run papermill
    with a Jupyter kernel each (also where ``os.fork`` is missing). Beyond this machine
    (``EXECUTORS``), ``dask`` sends each run as a task to a Dask cluster
    (:mod:`perspectives.build.dask`), whose workers execute it in a fork of their own run
    server. All of them execute :func:`perspectives.build.run.execute`, so everything after
    execution (checks, the swap into place, the progress lines) is shared.

Inputs
    The due :class:`perspectives.build.plan.PlannedRun` objects, the output folder, the
    engine and its settings.

Outputs
    Run folders under ``<out>/<report folder>/sections/``, failure markers, one
    :class:`perspectives.build.outcome.RunResult` per run (in ``results``), the runs done
    out of the total with an estimate of the time left on stderr
    (:mod:`perspectives.build.progress`).
"""

from __future__ import annotations

import collections
import contextlib
import errno
import json
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict
from pathlib import Path
from typing import Any

from perspectives.build.forkserver import ForkServer, fork_available
from perspectives.build.outcome import RunError, RunResult
from perspectives.build.plan import PlannedRun
from perspectives.build.progress import RunCounter, RunProgress, progress
from perspectives.build.run import RunOutcome, RunTask, execute
from perspectives.files import write_atomic
from perspectives.hints import shown_path
from perspectives.study import Study

__all__ = [
    "DEFAULT_ENGINE",
    "DEFAULT_EXECUTOR",
    "ENGINES",
    "EXECUTORS",
    "ENGINE_ENV",
    "KERNEL_ENV",
    "KERNEL_NAME",
    "build_lock",
    "check_executor",
    "choose_engine",
    "clear_stale",
    "disk_trouble",
    "execute_all",
    "progress",
    "run_environment",
    "start_order",
    "start_server",
]

KERNEL_NAME = "python3"

# How runs execute: "fork" runs papermill with an in-process engine in forks of one
# pre-warmed process; "kernel" is papermill's standard engine, one Jupyter kernel per run.
# The build's ``engine`` argument, else this variable, else "fork".
ENGINE_ENV = "PERSPECTIVES_ENGINE"
ENGINES: tuple[str, ...] = ("fork", "kernel")
DEFAULT_ENGINE = "fork"
# Where runs execute: this machine's processes, or tasks of a Dask cluster.
EXECUTORS: tuple[str, ...] = ("local", "dask")
DEFAULT_EXECUTOR = "local"
# What the run server's forks call with each task.
TASK_FUNCTION = "perspectives.build.run:execute_payload"

# Parallel kernels must not each start one thread per core, or they fight for 2 cores.
KERNEL_ENV: dict[str, str] = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "MPLBACKEND": "Agg",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    # Set iteration order and hash() must not differ between builds.
    "PYTHONHASHSEED": "0",
}


def choose_engine(engine: str | None) -> str:
    """The engine to use: the argument, else ``$PERSPECTIVES_ENGINE``, else the default.

    Raises:
        ValueError: an unknown engine name (the message lists the known ones).
    """
    chosen = engine or os.environ.get(ENGINE_ENV) or DEFAULT_ENGINE
    if chosen not in ENGINES:
        raise ValueError(f"unknown engine {chosen!r}; allowed: {', '.join(ENGINES)}")
    if chosen == "fork" and not fork_available():
        return "kernel"  # no fork on this platform: the standard path still works
    return chosen


def check_executor(executor: str, engine: str, scheduler: str | None) -> None:
    """Refuse an executor this build cannot use, before anything runs.

    Raises:
        ValueError: an unknown executor, a scheduler address without the Dask executor, or
            the Dask executor with the kernel engine (its workers run the fork engine).
    """
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; allowed: {', '.join(EXECUTORS)}")
    if scheduler and executor != "dask":
        raise ValueError("--scheduler names a Dask scheduler: give it with --executor dask")
    if executor == "dask" and engine != "fork":
        raise ValueError("the dask executor runs each run in a fork of its worker's run server (the fork "
                         "engine): leave out --engine kernel")


@contextlib.contextmanager
def build_lock(out: Path) -> Iterator[None]:
    """One build at a time per output folder: runs swap folders under ``out/``.

    Raises:
        RuntimeError: another build holds the folder.
    """
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".build.lock", "w") as fh:
        try:
            import fcntl

            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # pragma: no cover - not POSIX
            pass
        except OSError as exc:
            raise RuntimeError(f"another build is running in {out.name}/") from exc
        yield


def clear_stale(folders: Iterable[Path]) -> None:
    """Remove what an interrupted build left in these ``sections/`` folders.

    That is hidden temporary run folders (``.<section>.tmp-*``) and their logs. Call it
    holding the build lock.
    """
    for folder in folders:
        for stale in folder.glob(".*.tmp-*"):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)


def _swap_in(tmp: Path, target: Path, trash_dir: Path) -> None:
    """Replace ``target`` by ``tmp`` with renames, so a reader never sees a half-written run."""
    target.parent.mkdir(parents=True, exist_ok=True)
    trash = None
    if target.exists():
        trash = trash_dir / f".{target.name}.tmp-old-{uuid.uuid4().hex}"
        os.replace(target, trash)
    os.replace(tmp, target)
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)


def run_environment(lib_dir: Path) -> dict[str, str]:
    """The environment runs execute in.

    Numerical threads are capped at one per run, and the library of this checkout comes first
    on ``PYTHONPATH`` (tests use a stand-in package).
    """
    env = dict(KERNEL_ENV)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(lib_dir)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


def start_server(workers: int, lib_dir: Path, preload: list[str],
                 warm: tuple[str, dict[str, Any]] | None) -> ForkServer:
    """A started run server whose forks execute :func:`perspectives.build.run.execute`."""
    server = ForkServer(workers, TASK_FUNCTION, env=run_environment(lib_dir), preload=preload, warm=warm)
    server.start()
    return server


def start_order(todo: list[PlannedRun], study: Study) -> list[PlannedRun]:
    """The due runs in the order they start: the heaviest reports first, each in grid order.

    A report's last two runs (recommendations, then the summary) wait for all its other
    sections, and its assembly and print wait for them: whichever report finishes its
    sections last ends the build with that chain while the other workers have nothing left
    to do. So the synthesis (it pools every country) goes first, then the countries that held
    conversations (``conversations: true`` in ``params/study.yml``: their runs code and
    screen excerpts, and their recommendations are the longest national runs), then the
    others, whose short runs fill the workers while the last long chain ends. Within a
    weight, reports keep the study's order and runs the grid's (the sort is stable).
    """
    codes = set(study.codes)

    def weight(report: str) -> int:
        if report == study.synthesis_code:
            return 0
        return 1 if report in codes and study.country(report).conversations else 2

    return sorted(todo, key=lambda r: weight(r.report))


def pooled_waits(run: PlannedRun, running: Iterable[PlannedRun], waiting: Iterable[PlannedRun],
                 results: dict[str, RunResult], synthesis: str) -> bool:
    """Whether ``run``, of the synthesis, waits for the synthesis's run in progress to end.

    A synthesis run holds every country's numbers (its tables, its audit's equations): the
    largest process of a build, growing with the countries. Two at once made the build's peak
    memory twice that. So one runs at a time while another report's run is ready to use the
    worker; a build with nothing else ready (the synthesis alone) still runs them side by side.
    """
    if not synthesis or run.report != synthesis or not any(r.report == synthesis for r in running):
        return False
    return any(other.report != synthesis and all(results.get(d) is not None for d in other.deps)
               for other in waiting)


def _check_kernel(kernel_name: str) -> None:
    """Warn when the kernel would not run this interpreter (the venv's)."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        argv0 = KernelSpecManager().get_kernel_spec(kernel_name).argv[0]
    except Exception as exc:  # noqa: BLE001 - a missing kernel fails every run anyway
        progress(f"warning: kernel {kernel_name!r} not found ({type(exc).__name__})")
        return
    # jupyter_client substitutes sys.executable for a bare "python"/"python3"
    if Path(argv0).name not in ("python", "python3", f"python3.{sys.version_info[1]}") and \
            Path(argv0).resolve() != Path(sys.executable).resolve():
        progress(f"warning: kernel {kernel_name!r} runs {argv0}, not {sys.executable}; "
                 f"run `{sys.executable} -m ipykernel install --sys-prefix`")


def _init_worker(env: dict[str, str]) -> None:
    """Runs once in each worker process: the kernels it starts inherit this environment."""
    os.environ.update(env)


def _temporary_run_folder(run: PlannedRun) -> Path:
    """A new hidden folder beside the run's folder, for the run to write in.

    Raises:
        OSError: it cannot be made (a full disk, a read-only folder), naming the
            ``sections/`` folder rather than the temporary name tried.
    """
    sections = run.run_dir.parent
    try:
        sections.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{run.section.id}.tmp-", dir=sections))
        os.chmod(tmp, 0o755)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(sections)) from exc
    return tmp


def _failure(run: PlannedRun, ename: str, evalue: str) -> RunResult:
    return RunResult(run.report, run.section.id, run.section.notebook, "failed", run.reason, 0.0,
                     RunError(ename, evalue))


class _Pool:
    """Where the runs execute, behind one interface: submit a task, wait for any to end.

    ``local`` with the fork engine: a run server's forks (the caller's server, or one started
    here); ``local`` with the kernel engine: a process pool whose workers start a kernel per
    run; ``dask``: tasks of a Dask cluster (:class:`perspectives.build.dask.DaskPool`), each
    executed on its worker by a fork of the worker's own run server.
    """

    def __init__(self, engine: str, executor: str, workers: int, lib_dir: Path, preload: list[str],
                 warm: tuple[str, dict[str, Any]] | None, server: ForkServer | None, scheduler: str | None,
                 kernel_name: str, keep: Any = None) -> None:
        env = run_environment(lib_dir)
        self.slots, self.ready_line, self.executor = workers, "", executor
        self._light = bool(warm and warm[1].get("light"))
        self._own = server is None or executor == "dask"
        self._pool: Any
        if executor == "dask":
            from perspectives.build.dask import DaskPool, ServerSettings
            from perspectives.build.engine import ENGINE_NAME

            self.engine_name: str | None = ENGINE_NAME
            settings = ServerSettings.of_this_build(uuid.uuid4().hex, TASK_FUNCTION, env, preload, warm)
            self._pool = DaskPool(settings, workers, scheduler)
        elif engine == "fork":
            from perspectives.build.engine import ENGINE_NAME

            self.engine_name = ENGINE_NAME
            if server is None and keep is not None:
                # kept for the next build (perspectives.build.resident), or one kept before reused
                from perspectives.build.resident import ResidentServer

                self._pool = ResidentServer(workers, TASK_FUNCTION, env, preload, warm, keep)
            else:
                self._pool = server or ForkServer(workers, TASK_FUNCTION, env=env, preload=preload, warm=warm)
            if server is not None:
                self.slots = server.workers
        else:
            _check_kernel(kernel_name)
            self.engine_name = None  # papermill's default: nbclient and a kernel
            self._pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(env,))

    def __enter__(self) -> _Pool:
        if not self._own:
            return self
        self._pool.__enter__()
        ready = getattr(self._pool, "ready_info", None) or {}
        if self.executor == "dask":
            where = "a LocalCluster" if ready.get("local") else f"the cluster at {ready.get('address')}"
            self.slots = self._pool.slots
            self.ready_line = (f"dask: {ready.get('threads')} worker threads of {where} ready in "
                               f"{float(ready.get('seconds', 0.0)):.1f}s")
        elif "seconds" in ready:
            # Imports and warm-up (the masks of every question, the fonts, the gazetteer):
            # before it no run can start, so a build's critical path begins with it.
            reused = bool(ready.get("reused"))
            light = " (one run due: the data loaded, its masks left to it)" if self._light and not reused else ""
            # A warm-up that failed costs time (the runs do its work and report any error in
            # their notebooks), and is said: the server's log is read by no one.
            failed = f"; its warm-up failed: {ready['warm_failed']}" if ready.get("warm_failed") else ""
            self.ready_line = (f"run server {'reused, ' if reused else ''}ready in {float(ready['seconds']):.1f}s"
                               f"{light}{failed}{ready.get('note', '')}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._own:
            self._pool.__exit__(*exc)

    def submit(self, task: RunTask) -> Any:
        """Start one run; its future."""
        if isinstance(self._pool, ProcessPoolExecutor):
            return self._pool.submit(execute, task)
        return self._pool.submit(asdict(task))

    def wait_any(self, futures: Iterable[Any]) -> list[Any]:
        """Block until one of ``futures`` ends; those that have ended."""
        if self.executor == "dask":
            return self._pool.wait_any()
        finished, _ = wait(list(futures), return_when=FIRST_COMPLETED)
        return list(finished)


def _startable(run: PlannedRun, dep_res: list[RunResult | None], running: list[PlannedRun],
               waiting: list[PlannedRun], results: dict[str, RunResult], synthesis: str) -> bool:
    """Whether ``run`` starts now: every upstream run done, and no pooled run it must wait for (:func:`pooled_waits`)."""
    return all(d is not None for d in dep_res) and not pooled_waits(run, running, waiting, results, synthesis)


def execute_all(
    todo: list[PlannedRun],
    results: dict[str, RunResult],
    out: Path,
    root: Path,
    lib_dir: Path,
    jobs: int | None,
    timeout: int | None,
    kernel_name: str,
    engine: str = DEFAULT_ENGINE,
    preload: list[str] | None = None,
    on_report_done: Callable[[str, bool], None] | None = None,
    warm: tuple[str, dict[str, Any]] | None = None,
    server: ForkServer | None = None,
    synthesis: str = "",
    on_progress: Callable[[RunProgress], None] | None = None,
    executor: str = DEFAULT_EXECUTOR,
    scheduler: str | None = None,
    before_runs: Callable[[], None] | None = None,
    keep: Any = None,
) -> None:
    """Execute runs in parallel, dependents once their upstream runs succeeded.

    Args:
        todo: the due runs, in the order they should start.
        results: filled with one result per run, by key (``REPORT/section``).
        out: the output folder.
        root: the repository root (replaced by ``<repo>`` in what runs write).
        lib_dir: the folder holding the library package (put first on ``PYTHONPATH``).
        jobs: runs at a time (default: the CPU count).
        timeout: per-cell timeout in seconds, or None.
        kernel_name: the Jupyter kernel of the kernel engine.
        engine: ``"fork"`` or ``"kernel"``.
        preload: library modules the run server imports before forking.
        on_report_done: called with ``(report, any_run_failed)`` when a report's last run ends.
        warm: the run server's warm-up function and arguments.
        server: a run server already started, kept by the caller across builds (the
            preview); the fork engine then uses it and leaves it running. Its preload and
            warm-up are the caller's business.
        synthesis: the synthesis's code (what a national run's pooled values name).
        on_progress: called after each run with the count and the estimate of the time left.
        executor: ``"local"`` (this machine's processes) or ``"dask"`` (tasks of a Dask
            cluster, :mod:`perspectives.build.dask`; the fork engine on every worker).
        scheduler: with ``dask``, the address of a running scheduler; None starts a
            LocalCluster of ``jobs`` worker processes.
        before_runs: called once the workers are ready and before the first run starts (the
            build checks its configuration meanwhile); what it raises stops the build.
        keep: with the fork engine and no ``server``, a :class:`perspectives.build.resident.Keep`:
            the run server is kept for the next build, or one kept by an earlier build is used.
    """
    # Runs execute in hidden folders beside their target (same filesystem, so the final
    # rename is atomic, and output_dir's parent is the report's sections/ folder, where an
    # `after:` section finds its siblings). Leftovers of an interrupted build go first.
    clear_stale({run.run_dir.parent for run in todo})
    counter = RunCounter(len(todo), on_progress)
    home = str(Path.home())
    # Replacements applied to executed notebooks: longest (most specific) first.
    base_repl = sorted(
        [(str(out), "<outputs>"), (str(root), "<repo>"), (home, "<home>")],
        key=lambda t: -len(t[0]),
    )
    base_repl = [t for t in base_repl if t[0] not in ("", "/")]

    left_in_report = collections.Counter(r.report for r in todo)
    failed_in_report: set[str] = set()

    def finish(run: PlannedRun, res: RunResult) -> None:
        results[run.key] = res
        counter.finished(run.report, run.section.id, res.seconds, run.reason, res.status != "ok")
        if res.status != "ok":
            failed_in_report.add(run.report)
        left_in_report[run.report] -= 1
        if left_in_report[run.report] == 0 and on_report_done is not None:
            on_report_done(run.report, run.report in failed_in_report)

    def fail_marker(run: PlannedRun) -> Path:
        # <report folder>/failed/, beside sections/ (a language's folder has its own)
        return run.run_dir.parent.parent / "failed" / f"{run.section.id}.ipynb"

    waiting = list(todo)
    for run in [r for r in waiting if r.pre_error]:
        waiting.remove(run)
        finish(run, _failure(run, "ContractError", str(run.pre_error)))
    if not waiting:
        if before_runs is not None:
            before_runs()
        counter.close()
        return
    workers = max(1, min(jobs or os.cpu_count() or 1, len(waiting)))
    pool = _Pool(engine, executor, workers, lib_dir, preload or [], warm, server, scheduler, kernel_name,
                 keep if executor == "local" else None)
    futures: dict[Any, tuple[PlannedRun, Path]] = {}

    with pool:
        if before_runs is not None:
            before_runs()
        if pool.ready_line:
            progress(pool.ready_line)

        def submit_ready() -> None:
            for run in list(waiting):
                if len(futures) >= pool.slots:
                    return
                dep_res = [results.get(d) for d in run.deps]
                if any(d is not None and d.status == "failed" for d in dep_res):
                    waiting.remove(run)
                    bad = [d for d, r in zip(run.deps, dep_res, strict=True) if r and r.status == "failed"]
                    finish(run, _failure(run, "UpstreamFailed", f"upstream run(s) failed: {', '.join(bad)}"))
                elif _startable(run, dep_res, [r for r, _ in futures.values()], waiting, results, synthesis):
                    waiting.remove(run)
                    tmp = _temporary_run_folder(run)
                    task = RunTask(
                        key=run.key,
                        notebook=str(run.notebook),
                        tmp_dir=str(tmp),
                        parameters=dict(run.params, output_dir=str(tmp)),
                        kernel_name=kernel_name,
                        engine_name=pool.engine_name,
                        cwd=str(run.notebook.parent),
                        timeout=timeout,
                        injected_before=run.parameters_index,
                        country=run.report,
                        synthesis=synthesis,
                        log_path=str(tmp) + ".log",
                        replacements=[(str(tmp), "."), *base_repl],
                    )
                    futures[pool.submit(task)] = (run, tmp)
                    counter.start()

        submit_ready()
        while futures:
            for fut in pool.wait_any(futures):
                run, tmp = futures.pop(fut)
                try:
                    got = fut.result()
                    outcome = got if isinstance(got, RunOutcome) else RunOutcome(
                        key=str(got.get("key", run.key)), ok=bool(got["ok"]),
                        seconds=float(got.get("seconds", 0.0)), error=got.get("error"))
                except Exception as exc:  # noqa: BLE001 - a dead worker fails one run only
                    outcome = RunOutcome(run.key, False, 0.0, {"cell_index": None, "cell_source": "",
                                                               "ename": type(exc).__name__, "evalue": str(exc)})
                finish(run, _settle(run, tmp, outcome, fail_marker(run)))
            submit_ready()
    counter.close()


# A run that failed on the output folder's file system stops the build: every run after it
# would fail the same way. Its errors, by number, and the free space below which a failed run
# is taken for a full disk (a notebook writing a truncated file fails on that, not on ENOSPC).
DISK_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)
DISK_FREE_MIN = 1 << 20


def disk_trouble(folder: Path, error: dict[str, Any] | None) -> OSError | None:
    """The file-system error a failed run in ``folder`` met, or None when it failed otherwise.

    Args:
        folder: the run's ``sections/`` folder.
        error: the run's error (``ename``, ``evalue``), as the run reported it.
    """
    text = str((error or {}).get("evalue", ""))
    for number in DISK_ERRNOS:
        if f"[Errno {number}]" in text:
            return OSError(number, os.strerror(number), str(folder))
    try:
        fs = os.statvfs(folder)
    except OSError:
        return None
    if fs.f_bavail * fs.f_frsize < DISK_FREE_MIN:
        return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder))
    return None


def _settle(run: PlannedRun, tmp: Path, outcome: RunOutcome, marker: Path) -> RunResult:
    """Move a finished run's folder into place, or keep what a failed run left; its result."""
    log = Path(str(tmp) + ".log")
    if outcome.ok:
        write_atomic(tmp / "stamp.json", json.dumps(run.stamp, indent=1, sort_keys=True) + "\n")
        _swap_in(tmp, run.run_dir, run.run_dir.parent)
        marker.unlink(missing_ok=True)
        marker.with_suffix(".log").unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            marker.parent.rmdir()  # only when no other failure is kept there
        result = RunResult(run.report, run.section.id, run.section.notebook, "ok", run.reason, outcome.seconds)
    else:
        marker.parent.mkdir(parents=True, exist_ok=True)
        partial = tmp / "executed.ipynb"
        if partial.exists():
            os.replace(partial, marker)
        else:
            # nothing executed: leave a marker so the next build redoes the run
            write_atomic(marker, json.dumps({"error": outcome.error}))
        shutil.rmtree(tmp, ignore_errors=True)
        if log.exists():
            os.replace(log, marker.with_suffix(".log"))
        trouble = disk_trouble(run.run_dir.parent, outcome.error)
        if trouble is not None:
            raise trouble
        # Named as the person building opens it: from their folder (the output folder as given).
        result = RunResult(run.report, run.section.id, run.section.notebook, "failed", run.reason,
                           outcome.seconds, RunError.from_dict(outcome.error or {}), shown_path(marker))
    log.unlink(missing_ok=True)
    return result
