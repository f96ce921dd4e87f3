"""Issue 24 broken again by a reviewer who did not write the fixes: each defect found, pinned.

Every test here failed on the code before its fix. They cover what a hostile or careless
partner's files, texts and configuration did to the machines that build reports and to the
people who read them: messages that named a partner's folders, look-alike participant ids
counted as two people, a configuration file that expanded without bound or read a number
other than the one written, terminal escape sequences in refusals, a notebook written in
place, a damaged run file that stopped the build with a traceback, a read-only report folder
found only after the run server had started, the preview living on with a dead browser or
run server, ``check-report`` letting a report's own scripts run and its requests leave, and
exports whose width, line length or member count was not bounded.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from perspectives import qualitative as q
from perspectives.study import repo_root

REPO_ROOT = repo_root()  # the checkout these tests read its embedded data from
DATA = REPO_ROOT / "data" / "synthetic"


def _conversations_copy(tmp_path: Path, folder: str = "partner data") -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    where = tmp_path / folder
    where.mkdir(parents=True)
    conv = pd.read_csv(DATA / "conversations.csv", dtype=str, keep_default_na=False)
    part = pd.read_csv(DATA / "participants.csv", dtype=str, keep_default_na=False)
    return where, conv, part


def _write(where: Path, conv: pd.DataFrame, part: pd.DataFrame) -> Path:
    conv.to_csv(where / "conversations.csv", index=False)
    part.to_csv(where / "participants.csv", index=False)
    return where / "conversations.csv"


# --------------------------------------------------------------------------- qualitative files


def test_a_refused_conversations_file_is_named_by_its_file_name_never_its_folder(tmp_path: Path) -> None:
    where, conv, part = _conversations_copy(tmp_path, "home of the partner")
    conv.loc[3, "country"] = "XKX"
    with pytest.raises(q.QualitativeDataError) as err:
        q.load_conversations(_write(where, conv, part))
    message = str(err.value)
    assert message.startswith("conversations.csv: column 'country': line(s) 5: unknown country")
    assert "home of the partner" not in message and str(tmp_path) not in message


def test_a_refusal_naming_the_codebook_names_it_by_its_file_name(tmp_path: Path) -> None:
    where, conv, part = _conversations_copy(tmp_path)
    conv.loc[3, "themes"] = "reporting.awareness_befor"
    with pytest.raises(q.QualitativeDataError) as err:
        q.load_conversations(_write(where, conv, part))
    assert "use codes defined in codebook.yml," in str(err.value)
    assert str(REPO_ROOT) not in str(err.value)


def test_a_participant_id_with_a_look_alike_character_is_refused_naming_the_character(tmp_path: Path) -> None:
    # "ALB‑01" with a non-breaking hyphen (U+2011) reads as ALB-01 but is another string: as a
    # second participant in both files it was counted, one person twice.
    where, conv, part = _conversations_copy(tmp_path)
    twin = "ALB\u201101"
    part = pd.concat([part, part[part["participant_id"] == "ALB-01"].assign(participant_id=twin)],
                     ignore_index=True)
    conv = pd.concat([conv, conv[conv["participant_id"] == "ALB-01"].head(1).assign(participant_id=twin)],
                     ignore_index=True)
    with pytest.raises(q.QualitativeDataError) as err:
        q.load_conversations(_write(where, conv, part))
    message = str(err.value)
    assert "participant_id" in message and "U+2011 NON-BREAKING HYPHEN" in message
    assert "'ALB\\u201101'" in message  # shown so that it can be told from ALB-01
    assert "A-Z" in message.split("Fix:")[1]


@pytest.mark.parametrize("pid", ["ALB-01\u200b", "\uff21LB-01", "ALB 01", "ALB-01 ", "-ALB-01", "ALB--01"])
def test_ids_that_only_look_plain_are_refused(tmp_path: Path, pid: str) -> None:
    where, conv, part = _conversations_copy(tmp_path)
    part.loc[part["participant_id"] == "ALB-01", "participant_id"] = pid
    conv.loc[conv["participant_id"] == "ALB-01", "participant_id"] = pid
    with pytest.raises(q.QualitativeDataError, match="participant id"):
        q.load_participants(_write(where, conv, part).parent / "participants.csv")


def test_plain_ids_are_read(tmp_path: Path) -> None:
    where, conv, part = _conversations_copy(tmp_path)
    for old, new in (("ALB-01", "alb_01.a"), ("ALB-02", "P7")):
        part.loc[part["participant_id"] == old, "participant_id"] = new
        conv.loc[conv["participant_id"] == old, "participant_id"] = new
    read = q.load_conversations(_write(where, conv, part))
    assert {"alb_01.a", "P7"} <= set(read["participant_id"])
    shutil.rmtree(where)


# --------------------------------------------------------------------------- configuration

STUDY = REPO_ROOT / "params" / "study.yml"


def _study_with(tmp_path: Path, old: str, new: str) -> Path:
    text = STUDY.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "params" / "study.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_a_yaml_alias_bomb_is_refused_before_anything_walks_it(tmp_path: Path) -> None:
    from perspectives import config

    # A million values from a dozen lines; a few more lines would be a billion, and every
    # reader after the parser (validation, a deep copy) walks them all.
    path = _study_with(tmp_path, "disclosure:\n", _bomb(6) + "disclosure:\n")
    with pytest.raises(config.ConfigError) as err:
        config.load(path, "study")
    assert str(err.value).startswith("params/study.yml: the file holds more than")
    assert "aliases" in str(err.value) and "Fix:" in str(err.value)


def test_a_yaml_document_nested_a_thousand_levels_is_refused_not_a_recursion_error(tmp_path: Path) -> None:
    from perspectives import config

    path = _study_with(tmp_path, "  reliability_min_n: 25", "  reliability_min_n: 25\n  deep: " + "[" * 990 + "]" * 990)
    with pytest.raises(config.ConfigError, match="levels deep"):
        config.load(path, "study")


@pytest.mark.parametrize(("written", "read"), [("010", 10), ("0x0A", 10), ("12", 12), ("+12", 12)])
def test_a_whole_number_is_read_as_written_in_decimal(tmp_path: Path, written: str, read: int) -> None:
    from perspectives import config

    # YAML 1.1 (PyYAML) reads 010 as 8: a threshold of ten silently became eight.
    path = _study_with(tmp_path, "  threshold: 5 ", f"  threshold: {written} ")
    assert config.load(path, "study")["disclosure"]["threshold"] == read


@pytest.mark.parametrize("written", ["1_0", "1:30", "0b101"])
def test_a_number_in_a_yaml_1_1_form_is_refused_not_read_as_another(tmp_path: Path, written: str) -> None:
    from perspectives import config

    # YAML 1.1 reads these as 10, 90 and 5.
    path = _study_with(tmp_path, "  threshold: 5 ", f"  threshold: {written} ")
    with pytest.raises(config.ConfigError) as err:
        config.load(path, "study")
    assert f'disclosure.threshold is "{written}" (text), not a whole number' in str(err.value)


@pytest.mark.parametrize("written", ["yes", "on", "y", "Yes"])
def test_only_true_and_false_are_yes_no_settings(tmp_path: Path, written: str) -> None:
    from perspectives import config

    path = _study_with(tmp_path, "    conversations: false", f"    conversations: {written}")
    with pytest.raises(config.ConfigError) as err:
        config.load(path, "study")
    assert f'conversations is "{written}" (text), not true or false' in str(err.value)


# --------------------------------------------------------------------------- terminal output

SURVEY = DATA / "survey_export.csv"
# Retitles the terminal, clears it, and turns what follows right to left; \x9b is the 8-bit
# form of ESC [ that some terminals act on.
SEQUENCES = "\x1b]0;pwned\x07\x1b[2J\u202e\x9b31m"


def _hidden(text: str) -> list[str]:
    from perspectives.escape import TERMINAL_HIDDEN

    return TERMINAL_HIDDEN.findall(text)


def _export_with_sequences(tmp_path: Path) -> Path:
    import csv

    with SURVEY.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[5][rows[0].index("gender")] = "female" + SEQUENCES  # an unknown answer code, quoted back
    rows[0].append("extra" + SEQUENCES)  # a column not in the form, listed
    for row in rows[1:]:
        row.append("")
    path = tmp_path / f"export{SEQUENCES[:8]}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


@pytest.mark.parametrize("json_output", [False, True])
def test_check_shows_control_characters_of_a_file_as_codes_never_sends_them(tmp_path: Path, capsys,
                                                                             json_output: bool) -> None:
    import json

    from perspectives import cli

    path = _export_with_sequences(tmp_path)
    assert cli.main(["check", str(path), *(["--json"] if json_output else [])]) == 2
    out, err = capsys.readouterr()
    assert _hidden(out + err) == []
    assert "\\u001b]0;pwned\\u0007\\u001b[2J\\u202e\\u009b31m" in out
    if json_output:  # still JSON, meaning the same characters
        assert json.loads(out)["file"] == path.name


def test_a_refusal_printed_by_build_shows_control_characters_as_codes(tmp_path: Path, capsys) -> None:
    from perspectives import cli

    path = _export_with_sequences(tmp_path)
    assert cli.main(["build", "--country", "MDA", "--data", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "unknown answer code" in err and _hidden(err) == []
    assert not (tmp_path / "out").exists()


def test_a_refiqda_refusal_shows_a_code_names_control_characters_as_codes(tmp_path: Path, capsys) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    import refiqda_tools as rt

    from perspectives import cli

    conversations = pd.read_csv(DATA / "conversations.csv", dtype=str, keep_default_na=False)
    participants = pd.read_csv(DATA / "participants.csv", dtype=str, keep_default_na=False)
    ids = ["ALB-01"]
    conversations = conversations[conversations["participant_id"].isin(ids)].reset_index(drop=True)
    participants = participants[participants["participant_id"].isin(ids)].reset_index(drop=True)
    codebook = q.load_codebook()
    used = [code for themes in conversations["themes"] for code in themes.split(";")]
    label = next(codebook.codes[c].label for c in used if codebook.codes[c].label.replace(" ", "").isalnum())
    # XML 1.0 admits C1 controls and bidi overrides in a name (not ESC itself).
    evil = "Evil \x9b2J\u202e name"

    def rename(qde: str) -> str:
        assert f'name="{label}"' in qde
        return qde.replace(f'name="{label}"', f'name="{evil}"', 1)

    project = rt.write_project(conversations, participants, rt.codebook_tree(codebook), rt.QUALCODER,
                               tmp_path / "p.qdpx", edit_qde=rename)
    assert cli.main(["check", "--conversations", str(project)]) == 2
    out, err = capsys.readouterr()
    assert "Evil \\u009b2J\\u202e name" in out + err
    assert _hidden(out + err) == []


# --------------------------------------------------------------------------- a run's notebook


def _tiny_run(tmp_path: Path) -> tuple[object, Path]:
    """A run of a two-cell notebook with the in-process engine, writing into ``tmp_path/run``."""
    import json

    from perspectives.build import run
    from perspectives.build.engine import ENGINE_NAME

    folder = tmp_path / "run"
    folder.mkdir()
    cells = [{"cell_type": "code", "execution_count": None, "id": "p", "metadata": {"tags": ["parameters"]},
              "outputs": [], "source": "country = 'ALL'\noutput_dir = None\n"},
             {"cell_type": "code", "execution_count": None, "id": "w", "metadata": {}, "outputs": [],
              "source": "import json, pathlib\n"
                        "pathlib.Path(output_dir, 'values.json').write_text(json.dumps([{'name': 'x', 'value': 1}]))\n"
                        "print('wrote', output_dir)\n"}]
    notebook = tmp_path / "tiny.ipynb"
    notebook.write_text(json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": "python3", "language":
                                    "python", "display_name": "Python 3"}}, "nbformat": 4, "nbformat_minor": 5}))
    task = run.RunTask(key="MDA/tiny", notebook=str(notebook), tmp_dir=str(folder),
                       parameters={"country": "MDA", "output_dir": str(folder)}, kernel_name="python3",
                       engine_name=ENGINE_NAME, cwd=str(tmp_path), timeout=None, injected_before=0, country="MDA",
                       synthesis="ALL", log_path=str(tmp_path / "run.log"),
                       replacements=[(str(folder), "."), (str(tmp_path), "<tmp>")])
    return task, folder


def test_a_run_that_cannot_write_its_scrubbed_notebook_fails_saying_why_and_keeps_no_path(
        tmp_path: Path, monkeypatch) -> None:
    import errno
    import pathlib
    import tempfile

    from perspectives.build import run

    task, folder = _tiny_run(tmp_path)
    assert run.execute(task).ok  # the run itself works
    assert "wrote ." in (folder / "executed.ipynb").read_text(encoding="utf-8")

    # The disk fills up just as the scrubbed notebook is written back (in place, or beside it).
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "executed.ipynb")

    real_write = pathlib.Path.write_text
    monkeypatch.setattr(pathlib.Path, "write_text",
                        lambda self, *a, **k: full() if self.name == "executed.ipynb" else real_write(self, *a, **k))
    real_mkstemp = tempfile.mkstemp
    monkeypatch.setattr(tempfile, "mkstemp",
                        lambda *a, **k: full() if ".executed.ipynb." in str(k.get("prefix", "")) else real_mkstemp(*a, **k))
    shutil.rmtree(folder)
    folder.mkdir()
    outcome = run.execute(task)  # never an exception: the outcome says what happened
    assert not outcome.ok and "[Errno 28]" in outcome.error["evalue"]
    # No notebook naming this machine's folders is left for the build to keep in failed/.
    for path in folder.rglob("*"):
        assert str(folder) not in path.read_text(encoding="utf-8", errors="replace"), path.name


# --------------------------------------------------------------------------- damaged run files


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stand-in project (sections alpha and beta; ALB and the synthesis) built once, without PDFs."""
    from stand_in import make_project

    root = make_project(tmp_path_factory.mktemp("stand_in") / "proj")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PERSPECTIVES_PDF", "0")
        result = _stand_in_build(root)
    assert result.ok, result.summary()
    return root


def _stand_in_build(root: Path, **kw: object):
    from perspectives import build
    from perspectives.study import load_grid

    return build.build(root=root, out=root / "out", jobs=1, package="fakepersp",
                       grid=load_grid(root / "params" / "grid.yml"), **kw)


def _digests(folder: Path) -> dict[str, str]:
    import hashlib

    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".build.lock"}


@pytest.mark.parametrize(("name", "content"), [
    ("executed.ipynb", b"[]"), ("executed.ipynb", b'{"cells": [1, 2]}'), ("executed.ipynb", b'{"cells": '),
    ("executed.ipynb", b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code"}]}'),
    ("translation_fallbacks.json", b"[]"), ("translation_fallbacks.json", b'{"missing": [1]}'),
])
def test_a_hand_damaged_run_file_costs_its_run_never_a_traceback(stand_in: Path, tmp_path: Path, monkeypatch,
                                                                 name: str, content: bytes) -> None:
    monkeypatch.setenv("PERSPECTIVES_PDF", "0")
    root = tmp_path / "proj"
    shutil.copytree(stand_in, root)
    out = root / "out"
    clean = _digests(out)
    (out / "ALB" / "sections" / "alpha" / name).write_bytes(content)
    # Another section of ALB redone: ALB is assembled again, reading alpha's files.
    result = _stand_in_build(root, countries=["ALB"], sections=["beta"], force=True)
    assert not result.ok
    assert "section alpha" in result.reports_not_written["ALB"] and name in result.reports_not_written["ALB"]
    assert (out / "ALB" / "report.html").read_bytes() == (stand_in / "out" / "ALB" / "report.html").read_bytes()
    repaired = _stand_in_build(root)  # the next build runs alpha again and writes ALB's report
    assert repaired.ok, repaired.summary()
    assert "ALB/alpha" in {f"{r.report}/{r.section}" for r in repaired.runs if r.status == "ok"}
    assert _digests(out) == clean


# --------------------------------------------------------------------------- a read-only report folder


def test_a_report_folder_that_cannot_be_written_stops_the_build_before_the_run_server_starts(
        stand_in: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    import errno
    import functools
    import tempfile

    from perspectives import build, cli
    from perspectives.study import load_grid

    root = tmp_path / "proj"
    shutil.copytree(stand_in, root)
    alb = root / "out" / "ALB"
    real_mkstemp = tempfile.mkstemp

    def read_only(*args, **kwargs):  # what a read-only mount of ALB/ answers (root ignores a chmod)
        if Path(kwargs.get("dir") or args[2]).resolve().is_relative_to(alb):
            raise OSError(errno.EROFS, "Read-only file system")
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    started: list[str] = []
    monkeypatch.setattr(build, "execute_all", lambda *a, **k: started.append("runs") or pytest.fail("runs started"))
    monkeypatch.setattr(build, "build", functools.partial(build.build, root=root, package="fakepersp",
                                                          grid=load_grid(root / "params" / "grid.yml")))
    monkeypatch.setenv("PERSPECTIVES_PDF", "0")
    code = cli.main(["build", "--project", str(root), "--out", str(root / "out"), "--jobs", "1", "--force"])
    err = capsys.readouterr().err
    assert code == 1 and started == []
    assert "stopped: the folder is on a read-only file system" in err and "ALB/sections" in err
    assert "Traceback" not in err
    assert _digests(root / "out") == _digests(stand_in / "out")


@pytest.mark.skipif(shutil.which("mount") is None, reason="needs mount(8)")
def test_on_a_real_read_only_mount_the_build_stops_at_once(stand_in: Path, tmp_path: Path, monkeypatch,
                                                             capsys) -> None:
    import functools
    import subprocess

    from perspectives import build, cli
    from perspectives.study import load_grid

    root = tmp_path / "proj"
    shutil.copytree(stand_in, root)
    alb = root / "out" / "ALB"
    bound = subprocess.run(["mount", "--bind", str(alb), str(alb)], capture_output=True)
    if bound.returncode != 0:
        pytest.skip("mounting is not allowed here")
    try:
        if subprocess.run(["mount", "-o", "remount,bind,ro", str(alb)], capture_output=True).returncode != 0:
            pytest.skip("remounting read-only is not allowed here")
        started: list[str] = []
        monkeypatch.setattr(build, "execute_all", lambda *a, **k: started.append("runs") or pytest.fail("runs"))
        monkeypatch.setattr(build, "build", functools.partial(build.build, root=root, package="fakepersp",
                                                              grid=load_grid(root / "params" / "grid.yml")))
        monkeypatch.setenv("PERSPECTIVES_PDF", "0")
        code = cli.main(["build", "--project", str(root), "--out", str(root / "out"), "--jobs", "1", "--force"])
        err = capsys.readouterr().err
    finally:
        subprocess.run(["umount", str(alb)], check=True)
    assert code == 1 and started == [] and "read-only file system" in err


# --------------------------------------------------------------------------- the preview's warm processes


def _wait_until(test, seconds: float = 30.0) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if test():
            return True
        time.sleep(0.05)
    return test()


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed (make pdf-tools)")
@pytest.mark.parametrize("dies", ["browser", "run server"])
def test_the_preview_starts_a_new_browser_or_run_server_when_its_own_died(stand_in: Path, tmp_path: Path,
                                                                          dies: str) -> None:
    import os
    import signal

    from perspectives.preview import Preview

    root = tmp_path / "proj"
    shutil.copytree(stand_in, root)
    preview = Preview({"out": root / "out", "jobs": 1, "force": True}, root=root, package="fakepersp")
    try:
        assert preview.rebuild().ok
        printer, server = preview._warm.printer, preview._warm.server
        assert printer is not None and server is not None
        # It dies (out of memory, a stray kill): with a dead browser every later PDF failed;
        # a dead run server's broken pipe ended the preview.
        process = printer._proc if dies == "browser" else server._proc
        os.killpg(process.pid, signal.SIGKILL)
        assert _wait_until(lambda: process.poll() is not None)
        (root / "out" / "ALB" / "report.pdf").unlink()
        result = preview.rebuild()
        assert result.ok, result.summary()
        assert (preview._warm.printer is not printer) == (dies == "browser")
        assert (preview._warm.server is not server) == (dies == "run server")
        assert (root / "out" / "ALB" / "report.pdf").read_bytes().startswith(b"%PDF-")
    finally:
        preview.close()


def test_a_rebuild_that_meets_a_full_disk_says_so_and_the_preview_keeps_watching(stand_in: Path, tmp_path: Path,
                                                                                 monkeypatch, capsys) -> None:
    import errno

    from perspectives import preview as preview_module

    monkeypatch.setenv("PERSPECTIVES_PDF", "0")
    root = tmp_path / "proj"
    shutil.copytree(stand_in, root)
    preview = preview_module.Preview({"out": root / "out", "jobs": 1}, root=root, package="fakepersp")
    heard: list[tuple[str, dict]] = []
    monkeypatch.setattr(preview.events, "send", lambda event, data: heard.append((event, data)))

    def full() -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(root / "out" / "ALB" / "report.html"))

    monkeypatch.setattr(preview, "rebuild", full)
    preview_module._rebuild(preview)  # used to raise, which ended the preview
    err = capsys.readouterr().err
    assert "preview: not rebuilt: stopped: the disk is full" in err and "Traceback" not in err
    assert heard and heard[-1][0] == "built" and heard[-1][1]["ok"] is False
    assert "the disk is full" in heard[-1][1]["error"]
    preview.close()


# --------------------------------------------------------------------------- check-report on a hostile report

PIXEL = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4"
         "AAAAAElFTkSuQmCC")


@pytest.fixture
def listener():
    """A web server on this machine that counts what reaches it (the page's requests must not)."""
    import http.server
    import threading

    hits: list[str] = []

    class Count(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Count)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def _axe_ready() -> bool:
    from perspectives import reportcheck
    from perspectives.pdf import find_chromium

    return reportcheck.axe_script() is not None and find_chromium() is not None


@pytest.mark.skipif(not _axe_ready(), reason="axe-core or chromium is not installed (make env, make pdf-tools)")
def test_check_report_runs_none_of_a_reports_scripts_and_lets_no_request_leave(tmp_path: Path, listener) -> None:
    from perspectives import reportcheck

    base, hits = listener
    folder = tmp_path / "XYZ"
    folder.mkdir()
    (folder / "report.html").write_text(f"""<!doctype html><html lang="en"><head><title>Report</title>
<link rel="stylesheet" href="{base}/style.css"><link rel="dns-prefetch" href="//example.invalid"></head>
<body><main><h1>Report</h1><p>Text.</p>
<img id="no-alt" src="{PIXEL}">
<img alt="A chart: 5 of 10" src="{base}/remote.png">
<iframe title="frame" src="file:///etc/hostname"></iframe>
<script>document.getElementById('no-alt').remove(); fetch('{base}/fetch');</script>
<script src="{base}/script.js"></script>
</main></body></html>""", encoding="utf-8")
    result = reportcheck.check_reports([folder])[0]
    # The page's own script would have removed the image without a text alternative, and with
    # it the finding: axe-core sees the page as it is, its scripts not run.
    assert result.counts["axe"].get("image-alt") == 1, result.counts
    assert hits == []


@pytest.mark.skipif(not _axe_ready(), reason="axe-core or chromium is not installed (make env, make pdf-tools)")
def test_check_report_says_it_did_not_check_a_page_that_leaves_and_the_page_goes_nowhere(tmp_path: Path,
                                                                                         listener) -> None:
    from perspectives import reportcheck

    base, hits = listener
    folder = tmp_path / "XYZ"
    folder.mkdir()
    (folder / "report.html").write_text(f"""<!doctype html><html lang="en"><head><title>Report</title>
<meta http-equiv="refresh" content="0;url={base}/away"></head><body><main><h1>Report</h1>
<img alt="A chart: 5 of 10" src="{PIXEL}"></main></body></html>""", encoding="utf-8")
    result = reportcheck.check_reports([folder])[0]
    assert [f.rule for f in result.findings if f.format == "axe"] == ["not-run"]
    assert hits == []


# --------------------------------------------------------------------------- exports: width, lines, parts

# `perspectives check` in a child process, printing its own peak memory (kB) last.
# VmHWM, not ru_maxrss: Linux carries a process's ru_maxrss across exec, so a child started
# from a large pytest process would report pytest's peak; VmHWM belongs to the child's own memory.
CHECK_CHILD = ("import re, sys\nfrom pathlib import Path\nfrom perspectives.cli import main\n"
               "code = main(sys.argv[1:])\n"
               "hwm = re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text()).group(1)\n"
               "print('PEAK_KB', hwm, file=sys.stderr)\nsys.exit(code)")
# What `check` of a small file needs, imports included, is about 100 MB (tests/test_hostile_files.py).
MEMORY_BOUND_MB = 350


def _check_child(path: Path, *command: str) -> tuple[int, str, float]:
    import re
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", CHECK_CHILD, *(command or ("check",)), str(path)],
                          capture_output=True, text=True, timeout=600)
    peak = re.search(r"PEAK_KB (\d+)", done.stderr)
    assert peak and "Traceback" not in done.stderr, done.stderr[-2000:]
    return done.returncode, done.stdout + done.stderr, int(peak.group(1)) / 1024


def test_an_export_wider_than_a_spreadsheet_is_refused_within_bounded_memory(tmp_path: Path) -> None:
    # A million and a half columns in 3 MB: read as columns, a gigabyte.
    path = tmp_path / "wide.csv"
    path.write_bytes(b"a," * 1_500_000 + b"a\n" + b"1," * 1_500_000 + b"1\n")
    code, said, peak = _check_child(path)
    assert code == 2 and "1,500,001 columns, more than a spreadsheet holds (16,384)" in said
    assert peak < MEMORY_BOUND_MB


def test_a_line_longer_than_any_export_is_refused_before_it_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "one-line.csv"
    path.write_bytes(SURVEY.read_bytes().split(b"\n", 1)[0] + b"\n" + b"x" * (6 << 20))
    code, said, peak = _check_child(path)
    assert code == 2 and "line 2 is longer than 4 million characters without a line break" in said
    assert peak < MEMORY_BOUND_MB


def test_an_archive_of_a_hundred_thousand_parts_is_refused_before_its_list_is_read(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "many.csv.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("export.csv", SURVEY.read_bytes())
        for i in range(120_000):  # 8.5 MB of directory, each entry about a kilobyte once read
            archive.writestr(f"media/attachment-{i:07d}.jpg", b"")
    code, said, peak = _check_child(path)
    assert code == 2 and "the archive's list of parts takes 8.5 MB, more than 8 MB" in said
    assert peak < MEMORY_BOUND_MB


def test_an_archive_of_many_csv_files_is_refused_before_each_is_opened(tmp_path: Path) -> None:
    import zipfile

    from perspectives.problems import DataError
    from perspectives.readers import load_survey

    path = tmp_path / "many-csv.csv.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.csv", SURVEY.read_bytes())
        for i in range(150):
            archive.writestr(f"repeat-{i}.csv", b"a,b\n1,2\n")
    with pytest.raises(DataError, match="holds 151 CSV files"):
        load_survey(path)


def _small_project(tmp_path: Path) -> Path:
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    import refiqda_tools as rt

    conversations = pd.read_csv(DATA / "conversations.csv", dtype=str, keep_default_na=False)
    participants = pd.read_csv(DATA / "participants.csv", dtype=str, keep_default_na=False)
    keep = ["ALB-01", "MDA-03"]
    return rt.write_project(conversations[conversations["participant_id"].isin(keep)].reset_index(drop=True),
                            participants[participants["participant_id"].isin(keep)].reset_index(drop=True),
                            rt.codebook_tree(q.load_codebook()), rt.QUALCODER, tmp_path / "p.qdpx")


def _with_parts(project: Path, dest: Path, extra: int, twice: str | None = None) -> Path:
    import zipfile

    with zipfile.ZipFile(project) as source, zipfile.ZipFile(dest, "w", zipfile.ZIP_STORED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info.filename))
        for i in range(extra):
            archive.writestr(f"sources/empty-{i:07d}.txt", b"")
        if twice:
            archive.writestr(twice, b"")
    return dest


def test_a_refiqda_project_of_a_hundred_thousand_parts_is_refused_before_its_list_is_read(tmp_path: Path) -> None:
    from perspectives import refiqda

    path = _with_parts(_small_project(tmp_path), tmp_path / "many.qdpx", 150_000)
    with pytest.raises(refiqda.ProjectError, match=r"lists parts in \d+ MB, more than 8 MB"):
        refiqda.read_project(path, {c: s.label for c, s in q.load_codebook().codes.items()},
                             q.PARTICIPANT_COLUMNS[1:], ("country",))


def test_a_part_named_twice_among_thousands_is_named(tmp_path: Path) -> None:
    # Each name used to be counted by a pass over all names: 60,000 parts took a minute.
    from perspectives import refiqda

    path = _with_parts(_small_project(tmp_path), tmp_path / "twice.qdpx", 20_000, twice="sources/empty-0000007.txt")
    with pytest.raises(refiqda.ProjectError, match="sources/empty-0000007.txt: the archive holds a member under the "
                                                   "same name twice"):
        refiqda.read_project(path, {c: s.label for c, s in q.load_codebook().codes.items()},
                             q.PARTICIPANT_COLUMNS[1:], ("country",))


# --------------------------------------------------------------------------- paths


@pytest.mark.parametrize("inside", ["data/synthetic/out", "data", "params", "notebooks/out", "lib"])
def test_an_output_folder_inside_what_the_build_reads_is_refused_before_anything_is_written(
        tmp_path: Path, monkeypatch, capsys, inside: str) -> None:
    # Inside data/, every output was hashed as data: each build found its own reports changed
    # and ran every run again, and the preview, which watches data/, rebuilt for ever.
    import functools

    from stand_in import make_project

    from perspectives import build, cli
    from perspectives.study import load_grid

    monkeypatch.setenv("PERSPECTIVES_PDF", "0")
    root = make_project(tmp_path / "proj")
    before = _digests(root)
    monkeypatch.setattr(build, "build", functools.partial(build.build, root=root, package="fakepersp",
                                                          grid=load_grid(root / "params" / "grid.yml")))
    assert cli.main(["build", "--project", str(root), "--out", str(root / inside), "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert f"is inside {inside.split('/')[0]}/, which the build reads as its input" in err
    assert _digests(root) == before


# --------------------------------------------------------------------------- a killed build's run server

SLOW_TASK = '''
import pathlib, time

def run(task):
    pathlib.Path(task["marker"]).write_text("started")
    time.sleep(task["seconds"])
    pathlib.Path(task["marker"]).write_text("finished")
    return {"key": task["key"], "ok": True}
'''

A_BUILD = '''
import os, sys, time
from perspectives.build.forkserver import ForkServer
folder = sys.argv[1]
server = ForkServer(1, "slowtask:run", env={"PYTHONPATH": folder + os.pathsep + os.environ.get("PYTHONPATH", "")})
server.start()
for i in range(3):
    server.submit({"key": str(i), "marker": f"{folder}/run-{i}", "seconds": 2})
print(server._proc.pid, flush=True)
time.sleep(600)
'''


def test_the_run_server_of_a_killed_build_stops_its_runs_and_leaves_without_a_word(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    (tmp_path / "slowtask.py").write_text(SLOW_TASK, encoding="utf-8")
    errors = tmp_path / "stderr.txt"
    with errors.open("wb") as err:
        build = subprocess.Popen([sys.executable, "-c", A_BUILD, str(tmp_path)], stdout=subprocess.PIPE, stderr=err)
        server = int(build.stdout.readline())
        assert _wait_until(lambda: (tmp_path / "run-0").exists())
        build.kill()  # SIGKILL: the build says nothing, and its server is left behind
        build.wait()

        def gone() -> bool:
            try:
                os.kill(server, 0)
            except ProcessLookupError:
                return True
            with open(f"/proc/{server}/stat", encoding="ascii") as stat:
                return stat.read().split(")")[-1].split()[0] == "Z"

        try:
            assert _wait_until(gone, seconds=60)
        finally:
            if not gone():
                os.kill(server, signal.SIGKILL)
    # The runs still queued never started, the one running was stopped, nothing was said.
    assert not (tmp_path / "run-1").exists() and not (tmp_path / "run-2").exists()
    assert (tmp_path / "run-0").read_text() == "started"
    assert "Traceback" not in errors.read_text(errors="replace")


STARTING_BUILD = '''
import os, subprocess, sys, time
from perspectives.build import forkserver
folder = sys.argv[1]
env = {**os.environ, "PYTHONPATH": folder + os.pathsep + os.environ.get("PYTHONPATH", ""),
       forkserver.TASK_ENV: "slowtask:run"}
# The run server as ForkServer.start starts it; the build dies before the server's first word.
server = subprocess.Popen([sys.executable, "-c", "import sys; from perspectives.build.forkserver import "
                           "server_main; sys.exit(server_main(sys.argv[1:]))", "serve", "1"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, start_new_session=True)
print(server.pid, flush=True)
time.sleep(600)
'''


def test_a_run_server_whose_build_was_killed_while_it_started_leaves_without_a_word(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    (tmp_path / "slowtask.py").write_text(SLOW_TASK, encoding="utf-8")
    errors = tmp_path / "stderr.txt"
    with errors.open("wb") as err:
        build = subprocess.Popen([sys.executable, "-c", STARTING_BUILD, str(tmp_path)], stdout=subprocess.PIPE,
                                 stderr=err)
        server = int(build.stdout.readline())
        build.kill()  # at once: the server is still importing
        build.wait()

        def gone() -> bool:
            try:
                os.kill(server, 0)
            except ProcessLookupError:
                return True
            with open(f"/proc/{server}/stat", encoding="ascii") as stat:
                return stat.read().split(")")[-1].split()[0] == "Z"

        try:
            assert _wait_until(gone, seconds=120)
        finally:
            if not gone():
                os.kill(server, signal.SIGKILL)
    said = errors.read_text(errors="replace")
    assert "Traceback" not in said and "BrokenPipeError" not in said, said


@pytest.mark.parametrize("damage", ["not a zip", "entity bomb", "deflate bomb", "pdf"])
def test_check_report_names_a_damaged_or_hostile_file_as_a_finding_in_bounded_memory(tmp_path: Path,
                                                                                     damage: str) -> None:
    import zipfile

    from stand_in import make_project

    from perspectives import build
    from perspectives.study import load_grid

    root = make_project(tmp_path / "proj")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PERSPECTIVES_PDF", "0")
        assert build.build(root=root, out=root / "out", jobs=1, package="fakepersp", countries=["ALB"],
                           grid=load_grid(root / "params" / "grid.yml")).ok
    folder = root / "out" / "ALB"
    docx = folder / "report.docx"
    if damage == "not a zip":
        docx.write_bytes(b"cut short")
    elif damage == "pdf":
        (folder / "report.pdf").write_bytes(b"%PDF-1.7\ncut short")
    else:
        with zipfile.ZipFile(docx) as source:
            parts = {info.filename: source.read(info.filename) for info in source.infolist()}
        if damage == "entity bomb":
            tens = [f"&a{i - 1}; " * 10 for i in range(1, 9)]  # each entity ten of the one before
            entities = "".join(f'<!ENTITY a{i} "{ten}">' for i, ten in enumerate(tens, start=1))
            xml = parts["word/document.xml"].decode().split("?>", 1)[1]
            parts["word/document.xml"] = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a0 "lol">{entities}]>'
                                          + xml.replace("<w:t>", "<w:t>&a8;", 1)).encode()
        with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in parts.items():
                archive.writestr(name, data)
            if damage == "deflate bomb":  # 1 GB of zeros in a megabyte: python-docx reads every part whole
                with archive.open("word/media/image99.png", "w", force_zip64=True) as member:
                    block = bytes(1 << 24)
                    for _ in range(64):
                        member.write(block)
    code, said, peak = _check_child(folder, "check-report", "--no-axe")
    assert code == 1 and "unreadable: report." in said, said
    assert peak < MEMORY_BOUND_MB


# --------------------------------------------------------------------------- the screen reads what a reader sees


@pytest.mark.parametrize("hidden", ["\u200b", "\u00ad", "\u2060", "\u200d", "\ufeff"])
def test_a_name_written_with_an_invisible_character_inside_is_still_a_name(hidden: str) -> None:
    from perspectives.screen import screen_text

    # A page shows "Ma<soft hyphen>ria Pope<soft hyphen>scu" as Maria Popescu: it passed the screen.
    text = f"My teacher Ma{hidden}ria Pope{hidden}scu helped me a lot."
    assert screen_text(text.replace(hidden, "")).blocked
    assert screen_text(text).blocked


def test_a_text_shows_in_the_order_it_is_written_never_reordered_by_bidi_controls() -> None:
    from perspectives.escape import markdown_text

    # "\u202e" (right-to-left override) makes "3002p_airam@ si atsni ym" display reversed:
    # the screen read one text and the reader would see another.
    assert markdown_text("my insta is \u202e3002p_airam@") == "my insta is 3002p&#95;airam@"
    assert markdown_text("a\u2066b\u2069c\u202ad\u202ce") == "abcde"


@pytest.mark.parametrize(("damage", "said"), [
    ("latin-1", "not UTF-8 text"), ("ragged", "line 5 has 9 fields where the header has fewer"),
    ("empty", "the file is empty"),
])
def test_a_conversations_file_a_csv_reader_cannot_split_is_refused_not_a_traceback(tmp_path: Path, capsys,
                                                                                   damage: str, said: str) -> None:
    from perspectives import cli

    where, conv, part = _conversations_copy(tmp_path)
    path = _write(where, conv, part)
    text = path.read_text(encoding="utf-8")
    if damage == "latin-1":
        # One Latin-1 byte in UTF-8 text (the other languages' excerpts have letters Latin-1 lacks).
        path.write_bytes(text.encode("utf-8").replace(b"talked about", b"talked about the caf\xe9", 1))
    elif damage == "ragged":
        lines = text.split("\n")
        lines[4] += ",one,two"
        said = f"line 5 has {len(lines[0].split(',')) + 2} fields where the header has fewer"
        path.write_text("\n".join(lines), encoding="utf-8")
    else:
        path.write_text("", encoding="utf-8")
    with pytest.raises(q.QualitativeDataError, match=said):
        q.load_conversations(path)
    assert cli.main(["check", "--conversations", str(path)]) == 2
    out, err = capsys.readouterr()
    assert said in out + err and "Traceback" not in out + err


# --------------------------------------------------------------------------- approvals beside an export


@pytest.mark.parametrize(("make", "said"), [
    ("folder", "the path is a directory"), ("pipe", "the path is a named pipe"),
    ("latin-1", "not UTF-8 text"), ("ragged", "line(s) 2: its rows cannot be split"), ("empty", "the file is empty"),
])
def test_approvals_a_reader_cannot_use_are_refused_before_any_run(tmp_path: Path, monkeypatch, capsys,
                                                                 make: str, said: str) -> None:
    import functools
    import os

    from stand_in import make_project

    from perspectives import build, cli
    from perspectives.study import load_grid

    root = make_project(tmp_path / "proj")
    partner = tmp_path / "partner"
    partner.mkdir()
    export = partner / "export.csv"
    # The stand-in study holds Albania alone: its export holds Albania's rows (read against its study).
    rows = pd.read_csv(SURVEY, dtype=str, keep_default_na=False)
    rows[rows["country"] == "ALB"].to_csv(export, index=False)
    approvals = partner / "approved_open_text.csv"
    if make == "folder":
        approvals.mkdir()
    elif make == "pipe":  # a run reading it waited for ever
        os.mkfifo(approvals)
    elif make == "latin-1":
        approvals.write_bytes("respondent_id,question\nR\u00e9001,training_text\n".encode("latin-1"))
    elif make == "ragged":
        approvals.write_text("respondent_id,question\nR001,training_text,extra,fields\n", encoding="utf-8")
    else:
        approvals.write_text("", encoding="utf-8")
    monkeypatch.setenv("PERSPECTIVES_PDF", "0")
    monkeypatch.setattr(build, "build", functools.partial(build.build, root=root, package="fakepersp",
                                                          grid=load_grid(root / "params" / "grid.yml")))
    assert cli.main(["build", "--project", str(root), "--data", str(export), "--out", str(tmp_path / "out"),
                     "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert f"approved_open_text.csv: {said}" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
