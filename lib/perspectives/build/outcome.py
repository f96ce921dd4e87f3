"""What a build did: one :class:`RunResult` per run of the grid and a :class:`BuildResult`.

Purpose
    The typed results the build returns and prints; a failed run carries a :class:`RunError`
    naming the notebook cell that failed.

Inputs / Outputs
    Built by :mod:`perspectives.build.schedule` and :func:`perspectives.build.build`;
    ``BuildResult.summary()`` is what the command line prints at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["BuildResult", "RunError", "RunResult"]


@dataclass(frozen=True)
class RunError:
    """Why a run failed.

    Attributes:
        ename: the exception's class name (``LookupError``), or the build's own kind of
            failure (``ContractError``, ``UpstreamFailed``, ``OutputContractError``,
            ``WorkerDied``).
        evalue: its message, with local paths replaced.
        cell_index: index of the failing cell in the source notebook (papermill's injected
            parameters cell not counted); None when no cell was running.
        cell_source: first non-blank line of that cell.
    """

    ename: str
    evalue: str = ""
    cell_index: int | None = None
    cell_source: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunError:
        """The error as it crosses a process boundary (JSON), back into its type."""
        return cls(ename=str(data.get("ename", "Error")), evalue=str(data.get("evalue", "")),
                   cell_index=data.get("cell_index"), cell_source=str(data.get("cell_source", "")))


@dataclass
class RunResult:
    """What happened to one run (report x section).

    Attributes:
        report: report code (ISO3 or the synthesis code).
        section: section id from ``params/grid.yml``.
        notebook: the section notebook, relative to the repository root.
        status: ``"ok"``, ``"skipped"`` (up to date) or ``"failed"``.
        reason: why it was (re)run; None when skipped.
        seconds: wall-clock time of its execution.
        error: why it failed (None unless ``status == "failed"``).
        failed_notebook: the kept partial notebook, relative to the output folder.
    """

    report: str
    section: str
    notebook: str
    status: str
    reason: str | None = None
    seconds: float = 0.0
    error: RunError | None = None
    failed_notebook: str | None = None

    def describe_failure(self) -> str:
        """One readable paragraph naming the notebook, report and failing cell."""
        err = self.error or RunError("Error")
        where = f", cell {err.cell_index}: `{err.cell_source}`" if err.cell_index is not None else ""
        line = (f"FAILED {self.report} {self.section} ({self.notebook}){where}\n"
                f"    {err.ename}: {err.evalue}")
        if self.failed_notebook:
            line += f"\n    partial notebook: {self.failed_notebook}"
        return line


@dataclass
class BuildResult:
    """Outcome of a build: every run, and which reports were (re)assembled.

    Attributes:
        runs: one result per selected run, in grid order.
        reports_written: reports assembled anew, in study order.
        reports_unchanged: reports whose inputs were those of the report on disk.
        reports_not_written: report -> why it was not written (a run failed, a leak...).
        untranslated: with ``--strict``, report -> the lines naming each English string a
            reader of the translated report meets, and where (empty: none, or not strict).
        seconds: wall-clock time of the whole build.
    """

    runs: list[RunResult] = field(default_factory=list)
    reports_written: list[str] = field(default_factory=list)
    reports_unchanged: list[str] = field(default_factory=list)
    reports_not_written: dict[str, str] = field(default_factory=dict)
    untranslated: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def executed(self) -> list[RunResult]:
        """Runs that were due (executed, or failed before or while executing)."""
        return [r for r in self.runs if r.status != "skipped"]

    @property
    def failed(self) -> list[RunResult]:
        """Runs that failed."""
        return [r for r in self.runs if r.status == "failed"]

    @property
    def ok(self) -> bool:
        """True when no run failed, every selected report could be written and (strict) reads translated."""
        return not self.failed and not self.reports_not_written and not self.untranslated

    def summary(self) -> str:
        """Multi-line summary for the end of a build."""
        n_ok = sum(r.status == "ok" for r in self.runs)
        n_skip = sum(r.status == "skipped" for r in self.runs)
        lines = [
            f"{len(self.runs)} runs: {n_ok} executed, {n_skip} up to date, "
            f"{len(self.failed)} failed; reports written: "
            f"{', '.join(self.reports_written) or 'none'}"
            + (f"; unchanged: {', '.join(self.reports_unchanged)}" if self.reports_unchanged else "")
            + f" ({self.seconds:.1f}s)"
        ]
        lines += [r.describe_failure() for r in self.failed]
        lines += [f"REPORT NOT WRITTEN {k}: {v}" for k, v in self.reports_not_written.items()]
        for lines_of_report in self.untranslated.values():
            lines += ["UNTRANSLATED (--strict) " + lines_of_report[0], *lines_of_report[1:]]
        return "\n".join(lines)
