"""``perspectives diff``: the recorded values that moved between two builds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perspectives.diff import compare, format_value, load_values, main


def _build(root: Path, report: str, section: str, values: list[dict]) -> Path:
    folder = root / report / "sections" / section
    folder.mkdir(parents=True)
    (folder / "values.json").write_text(json.dumps(values), encoding="utf-8")
    return root


def _value(name: str, value, country: str = "MDA", **extra) -> dict:
    return {"name": name, "value": value, "n": 54, "country": country, "section": "knowledge", **extra}


@pytest.fixture
def builds(tmp_path: Path) -> tuple[Path, Path]:
    old = _build(tmp_path / "old", "MDA", "knowledge", [
        _value("scen_viewer.no.pct", 41.2), _value("scen_viewer.no.n", 22),
        _value("scen_viewer.no.pct", 38.0, country="ALL"), _value("scen_viewer.dont_know.pct", 10.0),
    ])
    new = _build(tmp_path / "new", "MDA", "knowledge", [
        _value("scen_viewer.no.pct", 43.0), _value("scen_viewer.no.n", 22),
        _value("scen_viewer.no.pct", 38.0, country="ALL"),
        _value("scen_viewer.dont_know.pct", None, suppressed=True), _value("scen_flipped.yes.pct", 70.0),
    ])
    return old, new


def test_lists_exactly_the_values_that_moved(builds: tuple[Path, Path]) -> None:
    old, new = builds
    changes = compare(load_values(old), load_values(new))
    moved = {(c.name, c.country): (c.old, c.new, c.kind) for c in changes}
    assert moved == {
        ("scen_viewer.no.pct", "MDA"): (41.2, 43.0, "changed"),
        ("scen_viewer.dont_know.pct", "MDA"): (10.0, None, "changed"),  # newly suppressed
        ("scen_flipped.yes.pct", "MDA"): (None, 70.0, "added"),
    }
    assert all(c.report == "MDA" and c.section == "knowledge" for c in changes)


def test_tolerance_ignores_small_moves(builds: tuple[Path, Path]) -> None:
    old, new = builds
    changes = compare(load_values(old), load_values(new), tolerance=2.0)
    assert ("scen_viewer.no.pct", "MDA") not in {(c.name, c.country) for c in changes}


def test_cli_prints_report_section_value_old_new(builds: tuple[Path, Path], capsys) -> None:
    old, new = builds
    assert main([str(old), str(new)]) == 1
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if "scen_viewer.no.pct" in ln)
    assert line.split()[:3] == ["MDA", "knowledge", "scen_viewer.no.pct"]
    assert line.endswith("41.2% to 43.0%")
    assert "2 changed, 1 new, 0 gone" in out


def test_identical_builds_exit_zero(builds: tuple[Path, Path], capsys) -> None:
    old, _ = builds
    assert main([str(old), str(old)]) == 0
    assert "no recorded value moved" in capsys.readouterr().out


def test_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    assert main([str(tmp_path / "nope"), str(tmp_path)]) == 2


def test_formats() -> None:
    assert format_value("x.pct", 41.24) == "41.2%"
    assert format_value("x.chi2.p", 0.0042) == "p = 0.004"
    assert format_value("sample.responses.n", 1254) == "1,254"
    assert format_value("x.pct", None) == "—"


def test_cli_subcommand_is_wired() -> None:
    from perspectives.cli import main as cli

    assert cli(["diff", "--help"]) in (0, 2)
