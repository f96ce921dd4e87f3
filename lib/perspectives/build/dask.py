"""Runs as tasks of a Dask cluster: ``perspectives build --executor dask [--scheduler ADDRESS]``.

Purpose
    :class:`DaskPool` hands each due run to a Dask cluster (``dask.distributed``) as one task,
    with ``Client.submit``, and gives finished runs back in the order they end
    (``distributed.as_completed``). Dask decides where and when each task runs; nothing here
    schedules. Without an address the build starts a ``LocalCluster`` on this machine
    (worker processes, one thread each, as many as ``--jobs``); with one it connects to a
    running scheduler (workers started by hand, by ``dask-jobqueue`` on SLURM, ...).

    A task carries the run's parameters and paths only (a :class:`perspectives.build.run.RunTask`
    as JSON), never data. On the worker, :func:`run_task` executes it exactly as the local
    executor does: a run server (:class:`perspectives.build.forkserver.ForkServer`, the
    library imported and the data loaded once per worker and build) forks one process for the
    run, which calls :func:`perspectives.build.run.execute_payload` and writes into the run's
    temporary folder in the build's output folder. The output folder (and the checkout) must
    therefore be at the same path on every worker: a shared file system. The build process
    then moves each finished run into place, as it does for a local run, so the results are
    the same bytes.

Inputs
    The run server's settings (:class:`ServerSettings`), the tasks, a scheduler address or
    none.

Outputs
    Each task's result (a :class:`perspectives.build.run.RunOutcome` as a JSON object); the
    run folders written by the workers.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from perspectives.build.forkserver import ForkServer

__all__ = ["DaskPool", "ServerSettings", "close_server", "run_task"]

# Variables whose value on the build's machine must be the runs' too, wherever they run: the
# executed notebooks state $SOURCE_DATE_EPOCH (or no time at all when it is unset).
FOLLOWED_ENV = ("SOURCE_DATE_EPOCH",)


@dataclass(frozen=True)
class ServerSettings:
    """What a worker's run server is started with (sent with every task: a few strings).

    Attributes:
        build: an id of the build; a worker keeps one server per build, so a server never
            outlives the checkout and data it loaded.
        function: the task function of the server's forks (``"module:function"``).
        env: the runs' environment (thread caps, ``PYTHONPATH``, hash seed), over the worker's.
        preload: library modules the server imports before forking.
        warm: the warm-up function and its keyword arguments, or None.
    """

    build: str
    function: str
    env: dict[str, str]
    preload: tuple[str, ...] = ()
    warm: tuple[str, dict[str, Any]] | None = None
    followed: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def of_this_build(cls, build: str, function: str, env: dict[str, str], preload: Iterable[str],
                      warm: tuple[str, dict[str, Any]] | None) -> ServerSettings:
        """Settings with the build machine's values of :data:`FOLLOWED_ENV`."""
        return cls(build, function, dict(env), tuple(sorted(set(preload))), warm,
                   {name: os.environ.get(name) for name in FOLLOWED_ENV})

    def base_environment(self) -> dict[str, str]:
        """This worker's environment, with the build machine's values of :data:`FOLLOWED_ENV`."""
        env = dict(os.environ)
        for name, value in self.followed.items():
            env.pop(name, None)
            if value is not None:
                env[name] = value
        return env


# --------------------------------------------------------------------------- worker side

_server: ForkServer | None = None
_server_build: str | None = None
_server_lock = threading.Lock()


def _worker_threads() -> int:
    """How many tasks this Dask worker runs at a time (its threads); 1 outside a worker."""
    try:
        from distributed import get_worker

        return int(get_worker().state.nthreads)
    except (ImportError, ValueError, AttributeError):
        return 1


def _server_for(settings: ServerSettings) -> ForkServer:
    """This worker's run server for the build, started on its first task (hold the lock)."""
    global _server, _server_build
    if _server is not None and (_server_build != settings.build or not _server.alive):
        _server.close(wait=False)
        _server = None
    if _server is None:
        server = ForkServer(_worker_threads(), settings.function, env=settings.env, preload=settings.preload,
                            warm=settings.warm, base_env=settings.base_environment())
        server.start()
        _server, _server_build = server, settings.build
    return _server


def run_task(payload: dict[str, Any], settings: ServerSettings) -> dict[str, Any]:
    """Execute one run on this worker (the function each Dask task calls).

    Args:
        payload: the run as JSON (:class:`perspectives.build.run.RunTask`, by ``asdict``).
        settings: the build's run server settings.

    Returns:
        The run's outcome as JSON; a failing notebook is an outcome, never an exception.
    """
    with _server_lock:
        future = _server_for(settings).submit(payload)
    return future.result()


def close_server(build: str | None = None) -> bool:
    """Stop this worker's run server (of ``build``, or any); True when one was running."""
    global _server, _server_build
    with _server_lock:
        if _server is None or (build is not None and _server_build != build):
            return False
        _server.close(wait=False)
        _server, _server_build = None, None
        return True


# --------------------------------------------------------------------------- client side


class DaskPool:
    """The build's side: runs submitted to a Dask cluster, finished ones as they end.

    Args:
        settings: the workers' run server settings.
        workers: worker processes of the LocalCluster started when no ``scheduler`` is given.
        scheduler: the address of a running scheduler (``tcp://host:8786``), or None.

    Use as a context manager: it connects (or starts the LocalCluster) on entry, stops the
    workers' run servers of this build and disconnects (or stops the cluster) on exit.
    """

    def __init__(self, settings: ServerSettings, workers: int, scheduler: str | None = None) -> None:
        self.settings = settings
        self.workers = max(1, workers)
        self.scheduler = scheduler
        self.ready_info: dict[str, Any] = {}
        self._cluster: Any = None
        self._client: Any = None
        self._done: Any = None

    def __enter__(self) -> DaskPool:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Connect to the scheduler, or start a LocalCluster of ``workers`` processes."""
        from distributed import Client, LocalCluster, as_completed

        t0 = time.perf_counter()
        if self.scheduler:
            self._client = Client(self.scheduler, set_as_default=False)
        else:
            # One thread per worker: a run is one process at a time. No dashboard (it needs
            # bokeh, and nobody watches a build's); the cluster's own logs only when they matter.
            self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                         dashboard_address=None, silence_logs=logging.ERROR)
            self._client = Client(self._cluster, set_as_default=False)
        threads = sum(self._client.nthreads().values())
        self.ready_info = {"seconds": time.perf_counter() - t0, "threads": threads,
                           "address": self._client.scheduler.address,
                           "local": self._cluster is not None}
        self._done = as_completed(loop=self._client.loop)

    @property
    def slots(self) -> int:
        """Tasks worth keeping in flight: the cluster's worker threads (at least one)."""
        return max(1, int(self.ready_info.get("threads") or self.workers))

    def submit(self, task: dict[str, Any]) -> Any:
        """Send one run to the cluster; its future."""
        future = self._client.submit(run_task, task, self.settings, pure=False,
                                     key=f"perspectives-run-{task['key']}-{self.settings.build}")
        self._done.add(future)
        return future

    def wait_any(self) -> list[Any]:
        """Block until a submitted run ends; every run that has ended by then."""
        first = next(self._done)
        return [first, *self._done.next_batch(block=False)]

    def close(self) -> None:
        """Stop the workers' run servers of this build, then disconnect (or stop the cluster)."""
        if self._client is None:
            return
        try:
            self._client.run(close_server, self.settings.build)
        except Exception:  # noqa: BLE001, S110 - a worker gone already has no server to stop
            pass
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None
