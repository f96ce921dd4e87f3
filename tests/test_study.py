"""Tests of perspectives.study: loading params/ and validating notebook parameters.

Expected values come from reading the YAML files directly (an independent path to the same
facts), not from the code under test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from perspectives import study
from perspectives.project import Project

REPO = Path(__file__).resolve().parents[1]


def _raw(name: str) -> dict:
    return yaml.safe_load((REPO / "params" / name).read_text(encoding="utf-8"))


def test_repo_root_holds_params_and_lib() -> None:
    root = study.repo_root()
    assert (root / "params" / "study.yml").is_file()
    assert (root / "lib" / "perspectives" / "study.py").is_file()


def test_load_study_matches_yaml_and_its_project_keeps_it() -> None:
    raw = _raw("study.yml")
    st = study.load_study()
    assert st.codes == tuple(c["iso3"] for c in raw["countries"])
    assert st.synthesis_code == raw["study"]["synthesis_code"]
    assert st.report_codes[-1] == raw["study"]["synthesis_code"]
    no_conv = [c["iso3"] for c in raw["countries"] if not c["conversations"]]
    assert [c.iso3 for c in st.countries if not c.conversations] == no_conv
    assert st.seed == raw["build"]["seed"]
    project = Project.here()
    assert project.study == st and project.study is project.study  # one parse per version of the file


def test_report_name_counts_countries() -> None:
    st = study.load_study()
    assert st.report_name("MDA") == "Moldova"
    assert st.report_name(st.synthesis_code) == "All six countries (synthesis)"


def test_report_folder() -> None:
    raw = _raw("study.yml")
    assert study.report_folder("ALB") == "ALB"
    assert study.report_folder(raw["study"]["synthesis_code"]) == raw["study"]["synthesis_folder"]
    with pytest.raises(ValueError, match="XYZ.*ALB, BIH, COL, MDA, MEX, PER"):
        study.report_folder("XYZ")


def test_load_grid_and_report_order() -> None:
    raw = _raw("grid.yml")
    grid = study.load_grid()
    assert grid.section_ids == tuple(s["id"] for s in raw["sections"])
    assert "reports" not in raw  # the reports are the study's: countries, then the synthesis
    st = study.load_study()
    assert st.report_codes == (*(c["iso3"] for c in _raw("study.yml")["countries"]), st.synthesis_code)
    assert [p.name for p in grid.parameters] == list(raw["parameters"])
    firsts = [s["id"] for s in raw["sections"] if s.get("position") == "first"]
    assert [s.id for s in grid.report_order()][: len(firsts)] == firsts
    summary = grid.section("summary")
    assert set(summary.after) == set(next(s for s in raw["sections"] if s["id"] == "summary")["after"])
    with pytest.raises(ValueError, match="nope.*methods"):
        grid.section("nope")


def test_grid_refuses_a_report_list_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "grid.yml"
    path.write_text("sections:\n  - {id: a, notebook: a.ipynb}\nreports: [ALB, ALL]\n")
    with pytest.raises(ValueError, match="'reports' is not read.*params/study.yml"):
        study.load_grid(path)


def test_grid_rejects_cycles_and_unknown_after(tmp_path: Path) -> None:
    params = {"country": {"type": "str", "default": "ALL"}}
    cyc = {"sections": [{"id": "a", "notebook": "a.ipynb", "after": ["b"]},
                        {"id": "b", "notebook": "b.ipynb", "after": ["a"]}],
           "parameters": params}
    (tmp_path / "cyc.yml").write_text(yaml.safe_dump(cyc))
    with pytest.raises(ValueError, match="cycle"):
        study.load_grid(tmp_path / "cyc.yml")
    unknown = {"sections": [{"id": "a", "notebook": "a.ipynb", "after": ["zzz"]}],
               "parameters": params}
    (tmp_path / "unk.yml").write_text(yaml.safe_dump(unknown))
    with pytest.raises(ValueError, match="zzz"):
        study.load_grid(tmp_path / "unk.yml")


def test_validate_parameters_fills_defaults() -> None:
    raw = _raw("grid.yml")["parameters"]
    out = study.validate_parameters({"country": "PER"})
    assert out["country"] == "PER"
    for name, spec in raw.items():
        if name != "country":
            assert out[name] == spec["default"]
    assert set(out) == set(raw)


def test_validate_parameters_unknown_parameter_lists_allowed() -> None:
    with pytest.raises(ValueError) as exc:
        study.validate_parameters({"country": "ALB", "colour": "red"})
    msg = str(exc.value)
    assert "colour" in msg
    for name in _raw("grid.yml")["parameters"]:
        assert name in msg


def test_validate_parameters_unknown_country_lists_codes() -> None:
    with pytest.raises(ValueError) as exc:
        study.validate_parameters({"country": "FRA"})
    msg = str(exc.value)
    assert "FRA" in msg
    for code in ("ALB", "BIH", "COL", "MDA", "MEX", "PER", "ALL"):
        assert code in msg


def test_validate_parameters_language_and_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="xx.*en"):
        study.validate_parameters({"lang": "xx"})
    # Away from the study folder, the study and the grid are given (none is around tmp_path).
    st, grid = study.load_study(), study.load_grid()
    monkeypatch.chdir(tmp_path)
    out = study.validate_parameters({"data_path": "export.csv"}, st, grid)
    assert out["data_path"] == str(tmp_path.resolve() / "export.csv")
    assert Path(out["data_path"]).is_absolute()
    with pytest.raises(ValueError, match="data_path"):
        study.validate_parameters({"data_path": 3}, st, grid)


def test_figure_formats_come_from_the_study_and_must_keep_png(tmp_path: Path) -> None:
    raw = _raw("study.yml")
    assert study.load_study().figure_formats == tuple(raw["build"]["figure_formats"])
    with_svg = {**raw, "build": {**raw["build"], "figure_formats": ["png", "svg"]}}
    (tmp_path / "svg.yml").write_text(yaml.safe_dump(with_svg))
    assert study.load_study(tmp_path / "svg.yml").figure_formats == ("png", "svg")
    for i, bad in enumerate((["svg"], ["png", "gif"])):
        broken = {**raw, "build": {**raw["build"], "figure_formats": bad}}
        (tmp_path / f"bad{i}.yml").write_text(yaml.safe_dump(broken))
        with pytest.raises(ValueError, match="figure_formats"):
            study.load_study(tmp_path / f"bad{i}.yml")


def test_a_partner_may_be_named_per_language_and_the_cover_uses_the_reports_language(tmp_path: Path) -> None:
    """``partner_names`` gives the partner's name in a language; a language without one prints ``partner``."""
    from perspectives.i18n import Translator
    from perspectives.texts import cover

    raw = _raw("study.yml")
    english = next(c["partner"] for c in raw["countries"] if c["iso3"] == "MDA")
    romanian = "Centrul Internațional „La Strada” (nume de test)"
    countries = [{**c, "partner_names": {"ro": romanian}} if c["iso3"] == "MDA" else c for c in raw["countries"]]
    (tmp_path / "study.yml").write_text(yaml.safe_dump({**raw, "countries": countries}, allow_unicode=True),
                                        encoding="utf-8")
    loaded = study.load_study(tmp_path / "study.yml")
    mda = loaded.country("MDA")
    assert (mda.partner_in("ro"), mda.partner_in("es"), mda.partner_in("en")) == (romanian, english, english)
    ro_lines = " ".join(cover(loaded, Translator("ro"), "MDA", date=None, synthetic=False).lines)
    en_lines = " ".join(cover(loaded, Translator("en"), "MDA", date=None, synthetic=False).lines)
    assert romanian in ro_lines and english not in ro_lines
    assert english in en_lines and romanian not in en_lines
    bad = [{**c, "partner_names": {"Romanian!": romanian}} if c["iso3"] == "MDA" else c for c in raw["countries"]]
    (tmp_path / "bad.yml").write_text(yaml.safe_dump({**raw, "countries": bad}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="partner_names"):
        study.load_study(tmp_path / "bad.yml")
