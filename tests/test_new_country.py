"""A partner's seventh country, end to end: Thailand added by parameters alone.

In a copy of the repository, one entry is added to ``params/study.yml`` (THA, its partner,
Thai, no conversations) and nothing else: no code, template, sentence or instrument sheet
is touched. The test then starts the Thai catalogue with ``perspectives i18n init th``,
writes the XLSForm, and builds Thailand's report and the synthesis (methods section) from a
small export holding the seven countries. It checks what a partner and a reader would:
the form offers Thailand with its names, the report names Thailand and its partner, and no
sentence, caption or header speaks of six countries where there are now seven.

The expected names are facts stated here (Thailand's English and Thai names, its ISO
codes), not computed with the library's own sources.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from html import unescape
from pathlib import Path

import pytest
import yaml

from perspectives.project import Project
from perspectives.study import repo_root

ROOT = repo_root()
THAILAND = {"iso3": "THA", "partner": "A partner organisation in Thailand (test)", "language": "th",
            "conversations": False}


def _copy(dest: Path) -> Path:
    """The checkout's tracked and untracked-but-not-ignored files (no outputs, no .git)."""
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, listed):
        source = ROOT / os.fsdecode(name)
        if source.is_file() and not os.fsdecode(name).startswith("outputs/"):
            target = dest / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest


def _run(repo: Path, *args: str) -> subprocess.CompletedProcess:
    # no PDF: the tests read the HTML, the catalogue and the form
    env = dict(os.environ, PYTHONPATH=str(repo / "lib"), MPLBACKEND="Agg", PERSPECTIVES_PDF="0")
    return subprocess.run([sys.executable, "-m", "perspectives.cli", *args], cwd=repo, env=env,
                          capture_output=True, text=True)


def _text(html: str) -> str:
    """The visible text of a report page (tags and scripts removed)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n", text) if s.strip()]


@pytest.fixture(scope="module")
def thailand(tmp_path_factory) -> Path:
    """A copy of the repository with Thailand added to the study, its form and its report built."""
    repo = _copy(tmp_path_factory.mktemp("partner") / "repo")
    study_file = repo / "params" / "study.yml"
    study = yaml.safe_load(study_file.read_text(encoding="utf-8"))
    study["countries"].append(THAILAND)
    study_file.write_text(yaml.safe_dump(study, allow_unicode=True, sort_keys=False), encoding="utf-8")
    done = _run(repo, "i18n", "init", "th")
    assert done.returncode == 0, done.stderr
    # A translator's first entry: the question the form opens with.
    catalogue = repo / "params" / "i18n" / "th.yml"
    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace(
        '"In which country do you work?": {text: ""', '"In which country do you work?": {text: "คุณทำงานในประเทศใด"'),
        encoding="utf-8")
    done = _run(repo, "instrument", str(repo / "form"))
    assert done.returncode == 0, done.stderr
    # A small export of the seven countries: ten eligible completes each, with partial and
    # disqualified rows, Thailand's resampled from a study country's.
    env = dict(os.environ, PYTHONPATH=str(repo / "lib"))
    script = ("import sys; from perspectives_synth import network as synth; from perspectives.study import load_study; "
              "synth.network_export(load_study().codes, eligible_per_country=10)"
              ".to_csv(sys.argv[1], index=False)")
    subprocess.run([sys.executable, "-c", script, str(repo / "export.csv")], cwd=repo, env=env, check=True)
    done = _run(repo, "build", "--country", "THA", "ALL", "--section", "methods", "--data",
                str(repo / "export.csv"), "--conversations", str(repo / "data" / "synthetic" / "conversations.csv"),
                "--jobs", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    return repo


def test_catalogue_skeleton_has_every_key_and_thai_plural_forms(thailand: Path) -> None:
    text = (thailand / "params" / "i18n" / "th.yml").read_text(encoding="utf-8")
    entries = yaml.safe_load(text)
    # Thai has one plural category (other): each phrase with a count gets that form alone.
    assert entries["All {count} countries"] == {"other": "", "review": True}
    assert entries["Who took part"] == {"text": "", "review": True}  # the methods section's title (grid.yml)
    # Every key the sources print, found where it is written (a key of another catalogue that
    # no source prints any more is not handed to a new translator).
    from perspectives import msgids

    assert set(entries) == set(msgids.extract(Project(thailand)))
    assert {"Evidence:", "Share of respondents (%)"} <= set(entries)  # composed in code, drawn in charts


def test_form_offers_thailand_in_every_form_language(thailand: Path) -> None:
    from openpyxl import load_workbook

    book = load_workbook(thailand / "form" / "instrument.xlsx", read_only=True)
    choices = [list(r) for r in book["choices"].iter_rows(values_only=True)]
    header, rows = choices[0], choices[1:]
    countries = [dict(zip(header, r, strict=True)) for r in rows if r[0] == "country"]
    assert [c["name"] for c in countries] == ["ALB", "BIH", "COL", "MDA", "MEX", "PER", "THA"]
    thai = countries[-1]
    assert thai["label::English (en)"] == "Thailand"
    assert thai["label::Thai (th)"] == "ไทย"
    assert thai["label::Spanish (es)"] == "Tailandia"
    survey = [list(r) for r in book["survey"].iter_rows(values_only=True)]
    first = dict(zip(survey[0], next(r for r in survey if r[1] == "country"), strict=True))
    assert first["label::Thai (th)"] == "คุณทำงานในประเทศใด"  # from the catalogue
    with zipfile.ZipFile(thailand / "form" / "instrument.xlsx") as z:
        assert z.testzip() is None


def test_thailand_report_and_synthesis_speak_of_seven_countries(thailand: Path) -> None:
    national = _text((thailand / "outputs" / "THA" / "report.html").read_text(encoding="utf-8"))
    synthesis = _text((thailand / "outputs" / "synthesis" / "report.html").read_text(encoding="utf-8"))
    assert "Thailand" in national and THAILAND["partner"] in national
    assert "All seven countries" in national  # the pooled column beside Thailand's own
    assert "Synthesis of the findings from seven countries" in synthesis  # its cover (params/report_texts.yml)
    methods = next(s for s in _sentences(synthesis) if s.startswith("Eligible completed surveys came from"))
    assert methods.startswith("Eligible completed surveys came from seven countries: 10 in Albania, ")
    assert methods.endswith("and 10 in Thailand (70 in all).")
    for text in (national, synthesis):
        # "six to ten years" of experience is no statement about the countries.
        about_six = [s for s in _sentences(text)
                     if re.search(r"\bsix[ -]countr|\b(all|the) six\b|\bsix\b[^.;:]*\bcountries\b", s, re.I)
                     and not re.search(r"six to ten years", s)]
        assert about_six == []
        assert "seven" in text.lower()


def test_no_conversations_in_thailand_said_plainly(thailand: Path) -> None:
    values = (thailand / "outputs" / "THA" / "sections" / "methods" / "values.json").read_text(encoding="utf-8")
    assert '"country": "THA"' in values
    national = _text((thailand / "outputs" / "THA" / "report.html").read_text(encoding="utf-8"))
    assert re.search(r"No conversations[^.]*Thailand", national)
