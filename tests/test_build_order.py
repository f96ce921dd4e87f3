"""The order in which a build starts its due runs (``schedule.start_order``): no timings, only the order."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from perspectives.build.schedule import start_order
from perspectives.study import load_study

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("methods", "csea_online", "recommendations", "summary")


def _runs(reports: list[str]) -> list[SimpleNamespace]:
    """Stand-ins of planned runs (the order reads only their report), in study then grid order."""
    return [SimpleNamespace(report=r, key=f"{r}/{s}") for r in reports for s in SECTIONS]


def test_synthesis_first_then_countries_with_conversations_then_the_others() -> None:
    study = load_study(ROOT / "params" / "study.yml")
    without = [c for c in study.codes if not study.country(c).conversations]
    with_conv = [c for c in study.codes if study.country(c).conversations]
    assert without and with_conv, "the study's countries: some held conversations, some did not"
    runs = _runs(list(study.codes) + [study.synthesis_code])
    order = [r.key for r in start_order(runs, study)]  # type: ignore[arg-type]
    expected = [r.key for r in _runs([study.synthesis_code, *with_conv, *without])]
    assert order == expected
    # Each report's runs stay in grid order, so its summary still comes after its sections.
    for code in study.codes:
        mine = [k for k in order if k.startswith(f"{code}/")]
        assert mine == [f"{code}/{s}" for s in SECTIONS]


def test_a_report_asked_alone_keeps_its_grid_order() -> None:
    study = load_study(ROOT / "params" / "study.yml")
    code = next(c for c in study.codes if not study.country(c).conversations)
    runs = _runs([code])
    assert start_order(runs, study) == runs  # type: ignore[arg-type]
