"""The cold build does less than it did where the notebooks' own work does not need it (issue 29, item 4).

Each behaviour is shown without timing: what the run server's warm-up holds before it forks
the runs, so that no run reads or builds it again.
"""

from __future__ import annotations

import os
import subprocess
import sys

from perspectives.study import repo_root

ROOT = repo_root()

# The run server's warm-up (light: no masks), then every YAML parse refused: the files the runs
# read (the report's texts, the recommendations, the roundtable) come from
# what the warm-up read, so a fork of the server parses none of them again.
READ_AFTER_WARM_UP = r"""
import sys, yaml
from perspectives import qualitative_recommendations, report, texts
from perspectives.project import Project

report.warm_up(gazetteer=False, light=True, project=sys.argv[1])


def refuse(*args, **kwargs):
    raise AssertionError("a configuration file was parsed again after the warm-up")


yaml.load = refuse
project = Project.at(sys.argv[1])
assert texts.load_texts(project=project)["version"]
assert qualitative_recommendations.load_recommendations(project=project)
qualitative_recommendations.roundtable_experts(project=project)
print("read from the warm-up")
"""


def test_the_run_servers_warm_up_reads_every_configuration_file_the_runs_read() -> None:
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT / "lib"))
    done = subprocess.run([sys.executable, "-c", READ_AFTER_WARM_UP, str(ROOT)], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "read from the warm-up"


def test_the_screens_warm_up_builds_every_languages_word_lists() -> None:
    from perspectives import screen
    from perspectives.screen_words import LANGUAGES, vocabulary
    from perspectives.study import load_study

    vocabulary.cache_clear()
    screen.warm_up(load_study(ROOT / "params" / "study.yml"))
    built = vocabulary.cache_info().misses
    for lang in LANGUAGES:  # as a run screens an excerpt in each language
        screen.screen_text("Nothing identifying here.", lang=lang)
    assert vocabulary.cache_info().misses == built
