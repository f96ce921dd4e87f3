"""The run server's mask search in two processes searches the withheld chain once.

``analysis.warm_masks(survey, workers=2)`` (the build's warm-up on two cores) forks a child
that searches a share of the masks. The masks of the tables on a base withheld somewhere
form one chain (each linked to every one before it, ``analysis_masks._withheld_chain``); a
share that touched it made the child search the whole chain again, so both processes spent
its CPU time and the run server was ready no sooner. Now the server searches the chain and
the tasks resting on it, the child only tasks that do not.

Each check runs in a fresh interpreter (the small-cell rule's results and the masks are
caches of the process, and the search forks): the study's own survey, no stand-ins.
The processes meet through a file each appends a line to and through pipes, never a sleep.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the split search forks")


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "lib"), "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], cwd=ROOT / "notebooks",
                          env=env, capture_output=True, text=True, timeout=900)


_SEARCH = """
    import os, sys
    from perspectives import analysis, analysis_masks, disclosure, qualitative, report, report_themes

    log, workers, saved = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    compute_of = analysis_masks.cached_for_frame

    def counted(frame, kind, key, compute):
        # every time a process searches the chain (not when it finds it in its cache), its pid
        def logged():
            with open(log, "a") as f:
                f.write(f"{os.getpid()}\\n")
            return compute()
        return compute_of(frame, kind, key, logged if (kind, key) == ("mask", "withheld-chain") else compute)

    analysis_masks.cached_for_frame = counted
    study = report.project_of(None)
    survey = report.survey_data(None, None, study)
    themes = report_themes.mask_tasks(qualitative.load_conversations(None, project=study, shared=True), study)
    analysis.warm_masks(survey, workers=workers, extra=themes)
    for task in themes:
        task()
    disclosure.save_decisions(saved)
    print(os.getpid())
"""


def test_the_chain_is_searched_once_and_the_results_are_one_process_s(tmp_path: Path) -> None:
    """Two processes: the chain searched by the server alone; the same results as one process.

    On the code before, the child searched the chain too (two pids in the log).
    """
    found = {}
    for workers in (2, 1):
        log = tmp_path / f"chain-{workers}.log"
        done = _python(_SEARCH, str(log), str(workers), str(tmp_path / f"decisions-{workers}.json"))
        assert done.returncode == 0, done.stderr[-3000:]
        assert "mask search process failed" not in done.stderr
        server = done.stdout.split()[-1]
        assert log.read_text().split() == [server], f"{workers} worker(s): the chain searched by {log.read_text()!r}"
        found[workers] = (tmp_path / f"decisions-{workers}.json").read_bytes()
    assert found[2] == found[1]
    assert found[1].count(b"\n") > 100  # the study's search saved its results (hundreds of layouts)


_FAILING_CHILD = """
    import os
    from perspectives import analysis

    server = os.getpid()
    taken_r, taken_w = os.pipe()

    def fails_in_the_child():
        if os.getpid() != server:
            os.write(taken_w, b"x")  # the child took the only task: the server may go on
            raise RuntimeError("a search that broke")

    def wait_for_the_child():
        assert os.read(taken_r, 1) == b"x"

    print(analysis._search_in_parallel([fails_in_the_child], 2, first=[wait_for_the_child]))
"""


def test_a_failing_search_process_says_so() -> None:
    """A child that fails prints its error, and the search returns the failure for the caller to say.

    The server's only own task waits (on a pipe) until the child has taken the one shared
    task, so the child is the one that fails. On the code before, a failed child said nothing
    (and ``first`` did not exist).
    """
    done = _python(_FAILING_CHILD)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == str(["a mask search process failed (exit 1); its masks were searched by the run server"])
    assert "RuntimeError: a search that broke" in done.stderr
