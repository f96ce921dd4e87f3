"""A partner's own report end to end: a one-country export builds its own report, hints run as printed.

The partner here is Moldova's: its export is the embedded export's MDA rows (as CSV and as an
Excel workbook, as Kobo or a spreadsheet would give them). Expected counts are read from the
export with pandas; every command the tools print is split with ``shlex`` and run as printed,
from another folder than the repository's. The build's progress (the runs done and the time
left) and the conversations a partner brings are checked on the way.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from perspectives import cli
from perspectives.study import load_study, repo_root

ROOT = repo_root()
STUDY = load_study()
HURDLES = ["elig_adult", "elig_role12m", "elig_caseload12m", "elig_children", "elig_csea"]
SCRIPT = Path(sys.executable).with_name("perspectives")  # the venv's console script
# The study a partner builds, named from the partner's own folder (outside the study folder);
# the commands the tools print name it too, so that they run as printed.
STUDY_FOLDER = ("--project", str(ROOT))


def _raw() -> pd.DataFrame:
    return pd.read_csv(ROOT / STUDY.data["survey"], dtype=str, keep_default_na=False)


def _eligible(raw: pd.DataFrame) -> pd.Series:
    """Eligible completes, read from the export's columns (as tests/test_check.py counts them)."""
    return raw[HURDLES].eq("yes").all(axis=1) & raw["completed"].eq("yes")


@pytest.fixture(scope="module")
def partner(tmp_path_factory) -> Path:
    """A partner's folder: ``data/`` holds Moldova's rows (CSV, and XLSX with a space in its
    name), MDA and BIH together, and conversations files of their own."""
    folder = tmp_path_factory.mktemp("partner")
    data = folder / "data"
    data.mkdir()
    raw = _raw()
    mda = raw[raw["country"] == "MDA"]
    assert len(mda) and _eligible(mda).sum() > 0
    mda.to_csv(data / "moldova.csv", index=False)
    mda.to_excel(data / "moldova export.xlsx", index=False)
    raw[raw["country"].isin(["MDA", "BIH"])].to_csv(data / "two.csv", index=False)
    conversations = pd.read_csv(ROOT / STUDY.data["conversations"], dtype=str, keep_default_na=False)
    people = pd.read_csv(ROOT / STUDY.data["participants"], dtype=str, keep_default_na=False)
    # Moldova's own conversations, seven of its ten participants.
    kept = [f"MDA-0{i}" for i in range(1, 8)]
    for name, rows in (("mda_conversations", lambda f: f["participant_id"].isin(kept)),
                       ("alb_conversations", lambda f: f["country"] == "ALB")):
        (data / name).mkdir()
        conversations[rows(conversations)].to_csv(data / name / "conversations.csv", index=False)
        people[rows(people)].to_csv(data / name / "participants.csv", index=False)
    return folder


def _env() -> dict[str, str]:
    """The environment a partner's shell has; PDFs off, to keep the builds short."""
    env = dict(os.environ, PERSPECTIVES_PDF="0")
    env.pop("SOURCE_DATE_EPOCH", None)
    return env


def _run(line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A printed command, run as printed (split as a POSIX shell splits it) in ``cwd``."""
    return subprocess.run(shlex.split(line), cwd=cwd, env=_env(), capture_output=True, text=True, timeout=900)


def _next_commands(text: str) -> list[str]:
    """The commands a tool printed after "Next:" (on the lines below it, or on the line itself)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Next:"):
            below = [x.strip() for x in lines[i + 1:] if x.startswith("  ")]
            rest = line.split(":", 1)[1].strip()
            return below if rest.endswith(":") or not rest else [rest]
    return []


def _cli(monkeypatch, capsys, cwd: Path, *args: str) -> tuple[int, str]:
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("PERSPECTIVES_PDF", "0")
    code = cli.main([*STUDY_FOLDER, *args])
    return code, capsys.readouterr().err


# --------------------------------------------------------------------------- item 1: the reports it holds


@pytest.mark.parametrize("name", ["moldova.csv", "moldova export.xlsx"])
def test_a_moldova_export_builds_only_moldova_without_being_told(partner, tmp_path, monkeypatch, capsys, name):
    out = tmp_path / "outputs"
    code, err = _cli(monkeypatch, capsys, partner, "build", "--data", f"data/{name}", "--conversations",
                     "data/mda_conversations/conversations.csv", "--section", "methods",
                     "knowledge", "--out", str(out), "--jobs", "2")
    assert code == 0, err[-3000:]
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["MDA"]  # no other country, no synthesis
    assert (out / "MDA" / "report.html").is_file()
    raw = _raw()
    expected = int(_eligible(raw[raw["country"] == "MDA"]).sum())
    assert f"eligible responses by country: MDA {expected}" in err
    assert "REPORT NOT WRITTEN" not in err and "KeyError" not in err
    # Progress: the runs done out of the total, the first with an estimate of the time left.
    assert re.search(r"^\[1/2\] MDA \S+ [\d.]+s \(reason: new\); about \d+ (s|min) left$", err, re.M), err
    assert re.search(r"^\[2/2\] MDA \S+ [\d.]+s \(reason: new\)$", err, re.M), err
    assert re.search(r"^MDA: report\.html and report\.docx written in [\d.]+s$", err, re.M), err


@pytest.mark.parametrize("asked, refused", [(["ALB"], "ALB"), (["ALL"], "ALL"), (["MDA", "ALL"], "ALL")])
def test_a_report_the_export_cannot_give_is_refused_before_any_run(partner, tmp_path, monkeypatch, capsys,
                                                                    asked, refused):
    out = tmp_path / "outputs"
    code, err = _cli(monkeypatch, capsys, partner, "build", "--data", "data/moldova export.xlsx", "--conversations",
                     "data/mda_conversations/conversations.csv", "--country", *asked, "--section", "methods",
                     "--out", str(out))
    assert code == 2
    message = err.strip().splitlines()[-1]
    assert message.startswith("perspectives build: moldova export.xlsx holds eligible responses from Moldova (MDA) "
                              "only, so it cannot build " + refused)
    assert "[1/" not in err and not out.exists()  # nothing ran, nothing was written
    if refused == "ALL":
        assert "pools at least 2 countries" in message
    command = message.split("build what it holds with: ", 1)[1]
    assert shlex.split(command)[-8:-1] == ["--country", "MDA", "--lang", "en", "--section", "methods", "--out"]
    if refused != "ALB":
        return
    # The command it gives runs as printed, from the partner's folder, and builds Moldova.
    done = _run(command, partner)
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["MDA"]


def test_without_an_export_every_report_is_planned(tmp_path, capsys):
    from perspectives.build import select_reports

    assert select_reports(out=tmp_path) == list(STUDY.report_codes)
    assert select_reports(["MDA", "ALL"], out=tmp_path) == ["MDA", "ALL"]


# --------------------------------------------------------------------------- conversations a partner brings


def test_a_partners_conversations_are_counted_in_the_report(partner, tmp_path, monkeypatch, capsys):
    out = tmp_path / "outputs"
    code, err = _cli(monkeypatch, capsys, partner, "build", "--data", "data/moldova.csv", "--conversations",
                     "data/mda_conversations/conversations.csv", "--section", "methods", "--out", str(out))
    assert code == 0, err[-3000:]
    people = pd.read_csv(partner / "data" / "mda_conversations" / "participants.csv", dtype=str)
    n = people.loc[people["country"] == "MDA", "participant_id"].nunique()
    assert n == 7
    html = (out / "MDA" / "report.html").read_text(encoding="utf-8")
    # the partner's participants, not the study's ten
    assert f"Conversations were held with {n} young survivors in Moldova." in html


def test_conversations_without_the_countrys_rows_are_refused(partner, tmp_path, monkeypatch, capsys):
    out = tmp_path / "outputs"
    code, err = _cli(monkeypatch, capsys, partner, "build", "--data", "data/moldova.csv", "--conversations",
                     "data/alb_conversations/conversations.csv", "--section", "methods", "--out", str(out))
    assert code == 2 and not out.exists()
    assert ("conversations.csv holds no conversations from MDA, which params/study.yml says held them "
            "(conversations: true)") in err


def test_a_synthesis_never_pools_conversations_of_countries_the_export_lacks():
    both = frozenset({"MDA", "BIH"})
    # The study's own conversations (five countries) with a two-country export: refused for the synthesis.
    problem = STUDY.conversations_problem(["BIH", "MDA", "ALL"], both, frozenset({"ALB", "COL", "MDA", "MEX", "PER"}))
    assert problem is not None and "ALB, COL, MEX, PER" in problem and "--country BIH MDA" in problem
    # The national reports read their own country's only: fine.
    assert STUDY.conversations_problem(["BIH", "MDA"], both, frozenset({"ALB", "MDA"})) is None
    # BIH held none (conversations: false): its rows are not needed.
    assert STUDY.conversations_problem(["BIH", "MDA", "ALL"], both, frozenset({"MDA"})) is None


# --------------------------------------------------------------------------- item 2: hints run as printed


@pytest.mark.skipif(not SCRIPT.is_file(), reason="the perspectives command is not installed (make env)")
def test_the_checks_hint_runs_as_printed_from_another_folder(partner):
    done = subprocess.run([str(SCRIPT), *STUDY_FOLDER, "check", "data/moldova export.xlsx", "--conversations",
                           "data/mda_conversations/conversations.csv"], cwd=partner, env=_env(),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    commands = _next_commands(done.stdout)
    assert len(commands) == 1, done.stdout[-1500:]
    words = shlex.split(commands[0])
    assert words[words.index("--project") + 1] == str(ROOT)  # the study it builds, named
    assert words[words.index("--data") + 1] == "data/moldova export.xlsx"  # the folder as typed
    assert words[words.index("--country") + 1:words.index("--lang")] == ["MDA"]
    assert words[words.index("--lang") + 1] == STUDY.country("MDA").language == "ro"
    built = _run(commands[0], partner)
    assert built.returncode == 0, built.stderr[-3000:]
    page = (partner / "outputs" / "MDA" / "ro" / "report.html").read_text(encoding="utf-8")
    assert '<html lang="ro-MD"' in page  # Romanian as written in Moldova
    # The build's own hint, where untranslated strings are listed, names a file from this folder.
    listed = re.search(r"listed in (\S+)\):", built.stderr)
    assert listed and (partner / listed.group(1)).is_file(), built.stderr[-2000:]


def test_the_checks_hints_for_two_countries_and_their_conversations(partner, monkeypatch, capsys):
    monkeypatch.chdir(partner)
    code = cli.main([*STUDY_FOLDER, "check", "data/two.csv", "--conversations", "data/mda_conversations/conversations.csv"])
    out = capsys.readouterr().out
    assert code == 0, out[-2000:]
    commands = [shlex.split(c) for c in _next_commands(out)]
    by_lang = {w[w.index("--lang") + 1]: w[w.index("--country") + 1:w.index("--lang")] for w in commands}
    # each country in its language from params/study.yml, the synthesis (two countries) in English
    assert by_lang == {"bs": ["BIH"], "ro": ["MDA"], "en": ["ALL"]}
    from perspectives.hints import program

    for words in commands:
        assert words[:len(program())] == program()
        assert words[words.index("--conversations") + 1] == "data/mda_conversations/conversations.csv"
    # The language asked: one command for every report.
    cli.main([*STUDY_FOLDER, "check", "data/two.csv", "--conversations", "data/mda_conversations/conversations.csv",
              "--lang", "en"])
    (single,) = _next_commands(capsys.readouterr().out)
    assert shlex.split(single)[-6:] == ["--country", "BIH", "MDA", "ALL", "--lang", "en"]
    # Every one of them is accepted by the build as printed (planned without running: --dry-run).
    for words in commands:
        done = subprocess.run([*words, "--dry-run"], cwd=partner, env=_env(), capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0 and "would run" in done.stderr, done.stderr[-2000:]


def test_the_check_refuses_conversations_that_lack_the_countrys_rows(partner, monkeypatch, capsys):
    monkeypatch.chdir(partner)
    code = cli.main([*STUDY_FOLDER, "check", "data/moldova.csv", "--conversations", "data/alb_conversations/conversations.csv"])
    out = capsys.readouterr().out
    assert code == 2
    assert "holds no conversations from MDA" in out and "Next:" not in out


def test_the_codebook_hint_runs_as_printed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main([*STUDY_FOLDER, "codebook", "export", "ours.qdc"]) == 0
    assert "wrote ours.qdc" in capsys.readouterr().out
    theirs = tmp_path / "theirs.qdc"
    text = (tmp_path / "ours.qdc").read_text(encoding="utf-8")
    assert 'name="Family had to be told first"' in text
    theirs.write_text(text.replace('name="Family had to be told first"', 'name="Told the family"'), encoding="utf-8")
    assert cli.main([*STUDY_FOLDER, "codebook", "check", "theirs.qdc"]) == 1
    printed = capsys.readouterr().out
    command = printed.strip().splitlines()[-1].strip()
    done = _run(command, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "themes.qdc").read_bytes() == (tmp_path / "ours.qdc").read_bytes()


def test_the_blank_template_hint_of_a_refused_file_runs_as_printed(tmp_path, monkeypatch, capsys):
    raw = _raw()
    raw.drop(columns=["gender", "education"]).to_csv(tmp_path / "short.csv", index=False)
    monkeypatch.chdir(tmp_path)
    assert cli.main([*STUDY_FOLDER, "check", "short.csv"]) == 2
    out = capsys.readouterr().out
    command = re.search(r"`([^`]*instrument[^`]*)` writes a blank template", out)
    assert command, out[-2000:]
    done = _run(command.group(1), tmp_path)
    assert done.returncode == 0, done.stderr
    template = pd.read_csv(tmp_path / "blank_form" / "data_template.csv", dtype=str)
    assert {"gender", "education"} <= set(template.columns)


def test_the_program_is_named_as_it_was_run(tmp_path, monkeypatch):
    from perspectives import hints

    script = tmp_path / "bin" / "perspectives"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(script), "check"])
    monkeypatch.setenv("PATH", "/nonexistent")
    assert hints.program() == ["bin/perspectives"]  # not on PATH: as run, from this folder
    monkeypatch.setenv("PATH", str(script.parent))
    assert hints.program() == ["perspectives"]  # the name on PATH is this very program
    monkeypatch.setattr(sys, "argv", [str(ROOT / "lib" / "perspectives" / "cli.py")])
    assert hints.program() == [sys.executable, "-m", "perspectives.cli"]  # run as a module: this interpreter
    assert hints.command("build", "--data", "my data/x.csv").endswith(" build --data 'my data/x.csv'")
    assert hints.shown_path(tmp_path / "outputs" / "MDA") == "outputs/MDA"
    assert hints.shown_path("-odd.csv") == "./-odd.csv"


# --------------------------------------------------------------------------- item 4: progress


class _Stream(io.StringIO):
    def __init__(self, terminal: bool) -> None:
        super().__init__()
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


def test_the_estimate_is_the_time_per_run_so_far_times_the_runs_left():
    from perspectives.build.progress import duration_text, estimate

    assert estimate(0, 4, 5.0) is None and estimate(4, 4, 40.0) is None
    assert estimate(1, 4, 10.0) == 30.0 and estimate(3, 4, 30.0) == 10.0
    assert [duration_text(s) for s in (4.2, 31, 150, 4000)] == ["about 4 s", "about 30 s", "about 2 min",
                                                                "about 1 h 7 min"]


@pytest.mark.parametrize("terminal", [False, True])
def test_runs_done_are_counted_with_the_time_left(monkeypatch, terminal):
    from perspectives.build.progress import Console, RunCounter

    stream = _Stream(terminal)
    monkeypatch.setattr(sys, "stderr", stream)
    ticks = iter([0.0, 10.0, 20.0, 45.0])
    seen = []
    counter = RunCounter(3, seen.append, clock=lambda: next(ticks), console=Console())
    counter.start()  # t = 0
    counter.finished("MDA", "methods", 9.5, "new", failed=False)  # t = 10: 2 left at 10 s each
    counter.finished("MDA", "knowledge", 8.0, "new", failed=True)  # t = 20: 1 left
    counter.finished("ALL", "summary", 4.0, "new", failed=False)  # t = 45: done
    counter.close()
    assert [(e.done, e.total, e.seconds_left) for e in seen] == [(1, 3, 20.0), (2, 3, 10.0), (3, 3, None)]
    first = "[1/3] MDA methods 9.5s (reason: new); about 20 s left"
    failed = "[2/3] MDA knowledge FAILED 8.0s (reason: new); about 10 s left"
    last = "[3/3] ALL summary 4.0s (reason: new)"
    text = stream.getvalue()
    if not terminal:
        assert text.splitlines() == [first, failed, last]
    else:
        # one line rewritten in place; the failure written above it, kept; the last count left as a line
        erase = "\r\x1b[K"
        assert text == f"{erase}{first}{erase}{failed}\n{first}{erase}{last}\n"
