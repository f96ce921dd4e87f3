"""The run server's warm-up: what every run of a build shares, loaded once before the runs.

The data (the first run's paths and language are every run's), the places of the due runs,
and the small-cell rule's results the previous build saved in the output folder.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from perspectives.build.plan import PlannedRun
    from perspectives.project import Project
    from perspectives.study import Study

__all__ = ["DECISIONS_FILE", "LIGHT_WARM_UP_RUNS", "warm_up"]


# The small-cell rule's results of the previous build's warm-up (a hidden file of the
# output folder, rewritten by each build with the results it used): with a hundred
# countries, searching every question's mask again is most of a one-country rebuild.
DECISIONS_FILE = ".disclosure-decisions.json"


def warm_up(todo: list[PlannedRun], study: Study, package: str,
            out: Path | None = None, project: Project | None = None) -> tuple[str, dict[str, object]]:
    """The run server's warm-up function and its arguments.

    Every run of a build reads the same data (the first run's data paths and language are
    every run's): the server loads them once, for the places of the runs due, and starts from
    the small-cell rule's results the previous build saved in ``out``; the runs open the
    study folder the warm-up read (``project``).
    """
    first = todo[0].params
    args: dict[str, object] = {
        **{k: first[k] for k in ("data_path", "conversations_path", "lang", "id_column") if k in first},
        "countries": sorted({r.report for r in todo} - {study.synthesis_code})}
    if out is not None and package == "perspectives":
        args["decisions"] = str(out / DECISIONS_FILE)
        if project is not None:
            args["project"] = str(project.root)
        # Only the synthesis and countries that held conversations screen excerpts.
        args["gazetteer"] = any(r.report == study.synthesis_code or study.country(r.report).conversations
                                for r in todo)
        # One run due (an edited section): it builds only the masks it publishes.
        args["light"] = len(todo) <= LIGHT_WARM_UP_RUNS
    return (f"{package}.report:warm_up", args)


# Up to this many due runs the run server loads the data but leaves the masks to the runs.
LIGHT_WARM_UP_RUNS = 1
