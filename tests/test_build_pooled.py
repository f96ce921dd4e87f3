"""The synthesis's runs, the build's largest processes, run one at a time while other runs are ready."""

from __future__ import annotations

from types import SimpleNamespace

from perspectives.build.schedule import pooled_waits


def _run(report: str, section: str, deps: tuple[str, ...] = ()) -> SimpleNamespace:
    """A stand-in of a planned run (the rule reads its report and its upstream runs' keys)."""
    return SimpleNamespace(report=report, key=f"{report}/{section}", deps=deps)


def test_a_second_synthesis_run_waits_while_a_national_run_is_ready() -> None:
    running = [_run("ALL", "methods")]
    csea = _run("ALL", "csea_online")
    national = _run("MDA", "methods")
    assert pooled_waits(csea, running, [csea, national], {}, "ALL")  # type: ignore[arg-type]
    # The national run itself never waits for the synthesis.
    assert not pooled_waits(national, running, [csea, national], {}, "ALL")  # type: ignore[arg-type]


def test_the_synthesis_alone_still_runs_side_by_side() -> None:
    running = [_run("ALL", "methods")]
    csea = _run("ALL", "csea_online")
    # No other report's run, or none ready (its upstream runs not done): nothing would use the worker.
    assert not pooled_waits(csea, running, [csea], {}, "ALL")  # type: ignore[arg-type]
    summary = _run("MDA", "summary", deps=("MDA/methods",))
    assert not pooled_waits(csea, running, [csea, summary], {}, "ALL")  # type: ignore[arg-type]
    # Once its upstream run is done, the national summary is ready, and the synthesis waits.
    assert pooled_waits(csea, running, [csea, summary], {"MDA/methods": object()}, "ALL")  # type: ignore[arg-type]


def test_a_first_synthesis_run_starts_at_once() -> None:
    csea = _run("ALL", "csea_online")
    assert not pooled_waits(csea, [_run("MDA", "methods")], [csea, _run("BIH", "methods")], {}, "ALL")  # type: ignore[arg-type]
    assert not pooled_waits(csea, [_run("ALL", "methods")], [csea, _run("BIH", "methods")], {}, "")  # type: ignore[arg-type]
