"""What a build says while it works: a line per step, and the runs done with the time left.

Purpose
    Every step of a build that takes more than a moment says so on stderr: the export read,
    the run server started, each run done out of the total with an estimate of the time left,
    each report assembled and printed with its time. On a terminal the runs' count is one
    line rewritten in place (other lines are written above it); elsewhere (a log, CI, a pipe)
    it is a line per run, ``[3/16] MDA methods 1.5s (reason: new); about 40 s left``.

    The estimate is the time the runs done so far took, wall clock from the first run's start
    (so it counts the parallel workers), spread over the runs left: no guess before a run is
    done, none once all are.

Inputs
    The build's events (:class:`RunCounter`, :func:`progress`).

Outputs
    Text on stderr; :class:`RunProgress` to a caller's ``on_progress`` (a web page follows
    the build with it).
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

__all__ = ["CONSOLE", "Console", "RunCounter", "RunProgress", "duration_text", "estimate", "progress"]

# Erase the terminal line the cursor is on, back to its start (ECMA-48 CR, EL).
_ERASE = "\r\x1b[K"


class Console:
    """The build's stderr: lines, and on a terminal one status line kept below them.

    While a status line is shown, anything written to ``sys.stderr`` through
    :meth:`keep_status` (a library's warning, another thread's message) first erases it and
    then draws it again, so no line is written into the middle of it.
    """

    def __init__(self) -> None:
        """A console with no status line shown."""
        self._lock = threading.RLock()
        self._status = ""
        self._stream: TextIO | None = None  # where the status line is drawn

    @staticmethod
    def _real() -> TextIO:
        err = sys.stderr
        return err.real if isinstance(err, _Guarded) else err

    def is_terminal(self) -> bool:
        """Whether stderr is a terminal (a status line can be rewritten in place)."""
        try:
            return bool(self._real().isatty())
        except (AttributeError, ValueError):
            return False

    def line(self, text: str) -> None:
        """One line, above the status line if one is shown."""
        with self._lock:
            stream = self._real()
            if self._status and stream is self._stream:
                stream.write(_ERASE + text + "\n" + self._status)
            else:
                stream.write(text + "\n")
            stream.flush()

    def status(self, text: str) -> None:
        """The status line: rewritten in place on a terminal, a line of its own elsewhere."""
        with self._lock:
            if not self.is_terminal():
                self.line(text)
                return
            stream = self._real()
            stream.write(_ERASE + text)
            stream.flush()
            self._status, self._stream = text, stream

    def end_status(self) -> None:
        """Leave the last status line as a line of its own."""
        with self._lock:
            if self._status and self._stream is not None:
                self._stream.write("\n")
                self._stream.flush()
            self._status, self._stream = "", None

    def write_around_status(self, real: TextIO, text: str) -> None:
        """Write ``text`` to ``real`` (stderr), keeping the status line below it."""
        with self._lock:
            if self._status and real is self._stream:
                real.write(_ERASE + text)
                if text.endswith("\n"):
                    real.write(self._status)
                else:  # the text's line is still open: the status line comes back after it ends
                    self._status, self._stream = "", None
            else:
                real.write(text)

    @contextlib.contextmanager
    def keep_status(self) -> Iterator[None]:
        """While it lasts, other writes to ``sys.stderr`` go above the status line (terminals only)."""
        if not self.is_terminal() or isinstance(sys.stderr, _Guarded):
            yield
            return
        real = sys.stderr
        sys.stderr = _Guarded(real, self)
        try:
            yield
        finally:
            self.end_status()
            if isinstance(sys.stderr, _Guarded):
                sys.stderr = real


class _Guarded:
    """``sys.stderr`` while a status line is shown: writes go above it."""

    def __init__(self, real: TextIO, console: Console) -> None:
        self.real, self._console = real, console

    def write(self, text: str) -> int:
        self._console.write_around_status(self.real, text)
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


CONSOLE = Console()


def progress(msg: str) -> None:
    """One progress line on stderr (above the runs' count on a terminal)."""
    CONSOLE.line(msg)


def estimate(done: int, total: int, elapsed: float) -> float | None:
    """Seconds left when ``done`` of ``total`` runs took ``elapsed`` seconds; None before the first or after the last."""
    if done <= 0 or done >= total or elapsed <= 0:
        return None
    return elapsed / done * (total - done)


def duration_text(seconds: float) -> str:
    """A duration as a person reads it: ``about 40 s``, ``about 3 min``, ``about 1 h 10 min``."""
    if seconds < 60:
        return f"about {max(1, round(seconds / 5) * 5 if seconds >= 10 else round(seconds))} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} min"
    return f"about {minutes // 60} h {minutes % 60} min"


@dataclass(frozen=True)
class RunProgress:
    """Where a build's runs are, for a caller following it (``build(on_progress=...)``).

    Attributes:
        done: runs finished (succeeded or failed).
        total: runs to execute in this build.
        seconds_left: the estimate of the time left; None before the first run is done and
            once all are.
        report: the report of the run just finished.
        section: its section.
        failed: whether it failed.
        line: what the build printed for it.
    """

    done: int
    total: int
    seconds_left: float | None
    report: str
    section: str
    failed: bool
    line: str


class RunCounter:
    """Counts the runs as they end and says how many are done and how long the rest will take."""

    def __init__(self, total: int, on_progress: Callable[[RunProgress], None] | None = None,
                 clock: Callable[[], float] = time.monotonic, console: Console = CONSOLE) -> None:
        """A counter of ``total`` runs.

        Args:
            total: the runs to execute.
            on_progress: called after each run with a :class:`RunProgress`.
            clock: seconds, monotonic (tests give their own).
            console: where the lines go.
        """
        self.total, self.done = total, 0
        self._on_progress, self._clock, self._console = on_progress, clock, console
        self._start: float | None = None

    def start(self) -> None:
        """The first run starts now (the estimate counts from here); later calls do nothing."""
        if self._start is None:
            self._start = self._clock()

    def finished(self, report: str, section: str, seconds: float, reason: str | None, failed: bool) -> RunProgress:
        """A run ended: say so with the count and the estimate; what was said."""
        self.done += 1
        self.start()
        assert self._start is not None
        left = estimate(self.done, self.total, self._clock() - self._start)
        state = " FAILED" if failed else ""
        text = f"[{self.done}/{self.total}] {report} {section}{state} {seconds:.1f}s (reason: {reason})"
        if left is not None:
            text += f"; {duration_text(left)} left"
        if failed:
            self._console.line(text)  # a failure stays on screen
        else:
            self._console.status(text)
        event = RunProgress(self.done, self.total, left, report, section, failed, text)
        if self._on_progress is not None:
            self._on_progress(event)
        return event

    def close(self) -> None:
        """The runs are over: the last count stays as a line."""
        self._console.end_status()
