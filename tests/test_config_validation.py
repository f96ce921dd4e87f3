"""Configuration is validated where it enters: one message naming file, line and fix.

Each test breaks one setting of a copy of the project's own files, the way a careless edit
would, and checks that the loader (or the command line, exit 2) refuses it with the file and
the line of the broken setting, found here by searching the broken text, and a fix; never a
traceback, never a silent reading (a threshold of 4.9 used as 4, "maybe" used as true).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from perspectives import claims, config, disclosure, i18n, qualitative, qualitative_recommendations, study

REPO = Path(__file__).resolve().parents[1]


def _broken(tmp_path: Path, rel: str, old: str, new: str, count: int = 1) -> tuple[Path, int]:
    """A copy of the project's file ``rel`` under ``tmp_path`` with ``old`` written as ``new``.

    Returns the copy and the 1-based line where ``new`` starts.
    """
    text = (REPO / rel).read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not in {rel}"
    broken = text.replace(old, new, count)
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(broken, encoding="utf-8")
    return path, broken[: broken.index(new)].count("\n") + 1


def _refused(load, path: Path, line: int, *fragments: str) -> str:
    with pytest.raises(config.ConfigError) as caught:
        load(path)
    message = str(caught.value)
    assert re.match(rf"(params|data)/(i18n/)?{re.escape(Path(path).name)}:{line}: ", message), message
    assert "Fix: " in message
    for fragment in fragments:
        assert fragment in message, message
    return message


THRESHOLD = "  threshold: 5 "


@pytest.mark.parametrize("written, fragment", [
    ('"five"', '"five" (text), not a whole number'),
    ("", "is empty"),
    ("4.9", "4.9, not a whole number"),
    ("5.0", "5.0, not a whole number"),
    ("1", "below the smallest allowed (2)"),
    ("true", "true, not a whole number"),
])
def test_the_threshold_is_a_whole_number_of_at_least_two(tmp_path, written, fragment):
    path, line = _broken(tmp_path, "params/study.yml", THRESHOLD, f"  threshold: {written} ")
    message = _refused(study.load_study, path, line, "disclosure.threshold", fragment, "at least 2")
    # the rule reading the same file refuses it too, instead of rounding or coercing
    with pytest.raises(ValueError, match=re.escape(message)):
        disclosure.settings(path)


MDA_CONVERSATIONS = "    language: ro\n    region: Eastern Europe\n    conversations: true"


@pytest.mark.parametrize("written", ['"maybe"', '"yes"', "1", '"true"', "0"])
def test_conversations_must_be_a_yaml_boolean(tmp_path, written):
    new = MDA_CONVERSATIONS.replace("true", written)
    path, line = _broken(tmp_path, "params/study.yml", MDA_CONVERSATIONS, new)
    _refused(study.load_study, path, line + 2, "countries[MDA].conversations", "not true or false",
             "without quotes")


def test_a_misspelt_setting_is_refused_with_the_closest_name(tmp_path):
    path, line = _broken(tmp_path, "params/study.yml", "  reliability_min_n:", "  reliabilty_min_n:")
    _refused(study.load_study, path, line, "unknown setting 'reliabilty_min_n' in disclosure",
             "did you mean 'reliability_min_n'?")
    path, line = _broken(tmp_path, "params/study.yml", "  figure_formats:", "  figure_format:")
    _refused(study.load_study, path, line, "did you mean 'figure_formats'?")


@pytest.mark.parametrize("written, fragment", [('"lots"', '"lots" (text), not a whole number'),
                                              ("2.5", "2.5, not a whole number"), ("0", "below the smallest")])
def test_the_partner_file_limits_are_whole_numbers(tmp_path, written, fragment):
    path, line = _broken(tmp_path, "params/study.yml", "  max_compression_ratio: 100 ",
                         f"  max_compression_ratio: {written} ")
    _refused(study.load_study, path, line, "limits.max_compression_ratio", fragment)


def test_a_key_written_twice_is_refused(tmp_path):
    path, line = _broken(tmp_path, "params/study.yml", "  reliability_min_n: 25",
                         "  reliability_min_n: 25\n  threshold: 10")
    _refused(study.load_study, path, line + 1, "'threshold' is written twice")


@pytest.mark.parametrize("rel, old, new, offset, fragment", [
    ("params/study.yml", '  title: "Online', '  title: "Online: "x', 0, "not valid YAML"),
    ("params/study.yml", "  seed: 20210726", "\tseed: 20210726", 0, "spaces, not tabs"),
    ("params/grid.yml", "    title: Prevention", "    title: Prevention: a: b", 0, "not valid YAML"),
])
def test_a_yaml_syntax_error_names_its_line(tmp_path, rel, old, new, offset, fragment):
    path, line = _broken(tmp_path, rel, old, new)
    load = study.load_study if rel.endswith("study.yml") else study.load_grid
    with pytest.raises(config.ConfigError) as caught:
        load(path)
    message = str(caught.value)
    got = int(re.match(rf"params/{re.escape(path.name)}:(\d+): ", message).group(1))
    assert line + offset <= got <= line + offset + 1, message  # the parser may see it at the next token
    assert fragment in message and "Fix: " in message


def test_grid_types_and_names(tmp_path):
    path, line = _broken(tmp_path, "params/grid.yml", "    notebook: notebooks/06_prevention.ipynb",
                         "    notbook: notebooks/06_prevention.ipynb")
    _refused(study.load_grid, path, line, "did you mean 'notebook'?")
    path, line = _broken(tmp_path, "params/grid.yml", "    after: [methods, csea_online, disclosure, support, knowledge, "
                         "prevention, recommendations]", "    after: methods")
    _refused(study.load_grid, path, line, "sections[summary].after is \"methods\" (text), not a list")


def test_each_data_file_is_checked_by_its_loader(tmp_path):
    path, line = _broken(tmp_path, "data/codebook.yml", "    topic: the conditions under which they agreed",
                         "    topik: the conditions under which they agreed")
    _refused(qualitative.load_codebook, path, line, "did you mean 'topic'?")
    path, line = _broken(tmp_path, "data/quantifiers.yml", "    min_open: true", '    min_open: "yes"')
    _refused(claims.load_wording, path, line, "min_open", "not true or false")
    path, line = _broken(tmp_path, "data/recommendations.yml", "      - number: 2", "      - number: two")
    _refused(lambda p: qualitative_recommendations.load_recommendations(p, codebook=qualitative.load_codebook()), path, line,
             '"two" (text), not a whole number')
    path, line = _broken(tmp_path, "data/roundtable.yml", "    survey_items: [barriers]\n",
                         "    survey_items: barriers\n")
    _refused(lambda p: qualitative_recommendations.load_roundtable(p, codebook=qualitative.load_codebook()), path, line,
             "survey_items", "not a list")


def test_analyses_summary_and_theme(tmp_path):
    from perspectives import analysis, summary

    path, line = _broken(tmp_path, "params/analyses.yml", "  synthesis_only: true", '  synthesis_only: "yes"')
    _refused(analysis.load_specs, path, line, "sample_country.synthesis_only", "not true or false")
    path, line = _broken(tmp_path, "params/analyses.yml", "  test: chi2", "  test: chi")
    _refused(analysis.load_specs, path, line, "gender.test", "not one of chi2, anova")
    # Each key of a summary block, written wrong where the summary reads it.
    def findings(p: Path) -> object:
        return summary.key_findings([], "MDA", "Moldova", spec_path=p)

    path, line = _broken(tmp_path, "params/summary.yml", '  findings:\n    - "In {place}, {v[gender', '  finding:\n    - "In {place}, {v[gender')
    _refused(findings, path, line, "unknown setting 'finding' in [Profile of the workers surveyed]", "did you mean 'findings'?")
    path, line = _broken(tmp_path, "params/summary.yml", "  topics: [age_band, education, org_type]",
                         "  topics: age_band")
    _refused(findings, path, line, '[Profile of the workers surveyed].topics is "age_band" (text), not a list')
    path, line = _broken(tmp_path, "params/summary.yml", "  topics: [barriers, beliefs, government]",
                         "  topics: [barriers, 7, government]")
    _refused(findings, path, line, "[Disclosure and support].topics[#2] is 7, not text")
    path, line = _broken(tmp_path, "params/summary.yml", "  compare: [barriers, government]", "  compare: barriers")
    _refused(findings, path, line, '[Disclosure and support].compare is "barriers" (text), not a list')
    path, line = _broken(tmp_path, "params/summary.yml", "  exclude: [other]", "  exclude: other")
    _refused(findings, path, line, '[Profile of the workers surveyed].exclude is "other" (text), not a list')
    path, line = _broken(tmp_path, "params/summary.yml", '      gov_funding: "funding of the response"',
                         "      gov_funding: [funding]")
    _refused(lambda p: summary.option_labels("government", spec_path=p), path, line,
             "[Disclosure and support].labels.government.gov_funding is a list, not text")
    path, line = _broken(tmp_path, "params/summary.yml", "- heading: Profile of the workers surveyed",
                         "- headline: Profile of the workers surveyed")
    _refused(findings, path, line, "'heading'")
    # A block may have no findings: its topics are its sentences.
    path, _ = _broken(tmp_path, "params/summary.yml", "  findings: []\n", "")
    headings = [heading for heading, _ in findings(path)[0]]
    assert "Disclosure and support" in headings
    path, line = _broken(tmp_path, "params/figure_theme.yml", "rc:", "rcc:")
    _refused(config.load, path, line, "did you mean 'rc'?")


def test_the_report_texts_refuse_a_misspelt_part_where_it_is_written(tmp_path):
    from perspectives import texts

    path, line = _broken(tmp_path, "params/report_texts.yml", "\nannex:", "\nanex:")
    _refused(texts.load_texts, path, line + 1, "unknown setting 'anex'", "did you mean 'annex'?")
    path, line = _broken(tmp_path, "params/report_texts.yml", "\nversion: 1", "\nversion: one")
    _refused(texts.load_texts, path, line + 1, "version")


def test_a_catalogue_entry_of_the_wrong_shape(tmp_path):
    rel = "params/i18n/es.yml"
    path, line = _broken(tmp_path, rel, '"Contents": {text: "Contenido"}', '"Contents": {text: "Contenido", review: "si"}')
    _refused(lambda p: i18n.load_catalogue("es", p.parent), path, line, "review", "not true or false")
    path, line = _broken(tmp_path, rel, '"Contents": {text: "Contenido"}', '"Contents": {txt: "Contenido"}')
    _refused(lambda p: i18n.load_catalogue("es", p.parent), path, line, "'txt'")


def test_study_checks_name_their_line(tmp_path):
    path, line = _broken(tmp_path, "params/study.yml", "  - iso3: PER", "  - iso3: PEX")
    _refused(study.load_study, path, line, "PEX")
    path, _ = _broken(tmp_path, "params/study.yml", "  - iso3: PER", "  - iso3: MDA")
    text = path.read_text(encoding="utf-8")
    second = text[: text.rindex("  - iso3: MDA")].count("\n") + 1  # PER's line, now a second MDA
    _refused(study.load_study, path, second, "MDA is listed twice")


def test_the_projects_own_files_are_valid():
    assert config.check_all(REPO) == len(config.FILES) + len(list((REPO / "params" / "i18n").glob("*.yml")))


# ----------------------------------------------------------------------------- command line

@pytest.fixture()
def project(tmp_path) -> Path:
    """A copy of the project (library, parameters, data, notebooks) the command line runs from."""
    root = tmp_path / "project"
    for name in ("lib", "params", "data", "notebooks"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO / "requirements.lock", root / "requirements.lock")
    return root


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root / "lib")}  # the copy's library, so its repo_root
    return subprocess.run([sys.executable, "-m", "perspectives.cli", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=180)


def _break(root: Path, rel: str, old: str, new: str) -> int:
    text = (root / rel).read_text(encoding="utf-8")
    assert old in text
    broken = text.replace(old, new, 1)
    (root / rel).write_text(broken, encoding="utf-8")
    return broken[: broken.index(new)].count("\n") + 1


@pytest.mark.parametrize("command", [
    ["build", "--country", "MDA"], ["check", "data/synthetic/survey_export.csv"], ["fidelity"], ["preview"],
    ["i18n"], ["instrument", "instrument_out"],
])
def test_every_command_refuses_a_bad_threshold_before_it_runs(project, command):
    line = _break(project, "params/study.yml", THRESHOLD, "  threshold: 4.9 ")
    result = _cli(project, *command, *(["--out", str(project / "out")] if command[0] == "build" else []))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"params/study.yml:{line}: disclosure.threshold is 4.9, not a whole number. Fix: " in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (project / "out").exists() and not (project / "instrument_out").exists()


@pytest.mark.parametrize("rel, old, new, fragment", [
    ("params/grid.yml", "    title: Prevention", "    title: Prevention: a: b", "not valid YAML"),
    ("params/study.yml", '  title: "Online', '  title: "Online: "x', "not valid YAML"),
    ("params/study.yml", THRESHOLD, '  threshold: "five" ', '"five" (text), not a whole number'),
    ("params/study.yml", THRESHOLD, "  threshold: ", "disclosure.threshold is empty"),
    ("params/study.yml", MDA_CONVERSATIONS, MDA_CONVERSATIONS.replace("true", '"maybe"'), "not true or false"),
    ("params/analyses.yml", "  kind: multi", "  knd: multi", "did you mean 'kind'?"),
    ("data/codebook.yml", "version: 1", "version: one", "not a whole number"),
])
def test_a_build_stops_on_any_configuration_mistake(project, rel, old, new, fragment):
    line = _break(project, rel, old, new) + (2 if old == MDA_CONVERSATIONS else 0)
    result = _cli(project, "build", "--country", "MDA", "--out", str(project / "out"))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{rel}:" in result.stderr and fragment in result.stderr and "Fix: " in result.stderr
    got = int(re.search(rf"{re.escape(rel)}:(\d+): ", result.stderr).group(1))
    assert line <= got <= line + (1 if "YAML" in fragment else 0), result.stderr
    # nothing ran: no run folder, no report
    assert not list((project / "out").glob("*/sections/*/executed.ipynb"))
