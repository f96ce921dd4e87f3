"""The analyses' specs, and the row subsets every analysis reads, each computed once.

Purpose
    The lowest part of the analysis engine (:mod:`perspectives.analysis`): the specs of a
    study (``params/analyses.yml``, kept by its :class:`~perspectives.project.Project`), the
    survey's study and small-cell settings, and the cache of values derived from a survey
    frame (:func:`cached_for_frame`: populations, places, masks), warmed before the build's
    server forks its runs (:func:`warm_subsets`). Kept apart because the masks, the tables
    and the kinds of analysis all read it, and it reads none of them.

Inputs
    The eligible completes (a DataFrame), a study folder.

Outputs
    :func:`load_specs`, :func:`spec`, :func:`population`, :func:`cached_for_frame` and the
    places of a report.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from . import disclosure
from .project import Project, default
from .study import read_yaml

POOLED = "*"  # the pooled place in a mask's cell ids


def load_specs(path: Path | None = None, *, project: Project | None = None) -> dict[str, Any]:
    """All analysis specs, keyed by id; ``bands`` holds the slider bands.

    Args:
        path: an analyses file, read as it is now (default: the project's
            ``params/analyses.yml``, kept by the project; do not change it).
        project: the study folder (default: the one around the working directory).
    """
    return read_yaml(Path(path)) if path is not None else default(project).analyses


def spec(analysis_id: str, project: Project | None = None) -> dict[str, Any]:
    """One analysis spec of ``project`` (default: the study folder around the working directory).

    An unknown id is an error naming the known ones.
    """
    specs = load_specs(project=project)
    if analysis_id not in specs or analysis_id == "bands":
        raise KeyError(f"unknown analysis {analysis_id!r}; known: {sorted(k for k in specs if k != 'bands')}")
    return specs[analysis_id]


# --------------------------------------------------------------------------- helpers
def survey_project(survey) -> Project:
    """The study folder a survey was read against (the one around the working directory for one made by hand)."""
    return default(getattr(survey, "project", None))


def synthesis_code(survey) -> str:
    """The code of the report of every country together (``params/study.yml``) of a survey's study."""
    return survey_project(survey).study.synthesis_code


def specs_of(survey) -> dict[str, Any]:
    """The analysis specs of a survey's study."""
    return load_specs(project=survey_project(survey))


def rules_of(survey) -> disclosure.DisclosureSettings:
    """The small-cell rule's settings of a survey's study."""
    return disclosure.settings(project=survey_project(survey))


# Row subsets already computed, per source frame: (a weak reference to the source, subset).
_SUBSETS: dict[tuple[int, str, str], tuple[weakref.ref, Any]] = {}


def cached_for_frame(frame: pd.DataFrame, kind: str, key: str, compute: Callable[[], Any]) -> Any:
    """A value derived from ``frame`` (a row subset, a mask), computed once per process and frame.

    The analyses read the validated survey and its subsets and never modify them, and every
    run asks for the same few (five populations, each place, one mask per question); a fork
    of the warmed build server inherits those its warm-up computed. The weak reference tells
    a live source frame from a new one that happens to reuse the address of a freed one, and
    an entry goes when its source frame goes. A source frame changed in place would keep
    stale entries: the library never does that (the survey is read once and only read).
    """
    cache_key = (id(frame), kind, key)
    entry = _SUBSETS.get(cache_key)
    if entry is not None and entry[0]() is frame:
        return entry[1]
    rows = compute()
    _SUBSETS[cache_key] = (weakref.ref(frame), rows)
    weakref.finalize(frame, _SUBSETS.pop, cache_key, None)  # dropped with its source frame
    return rows


def population(data: pd.DataFrame, query: str | None) -> pd.DataFrame:
    """Rows the analysis is computed on (a pandas query on the eligible completes)."""
    if not query:
        return data
    return cached_for_frame(data, "query", query, lambda: data.query(query, engine="python"))


def country_rows(data: pd.DataFrame, country: str) -> pd.DataFrame:
    """A country's rows of ``data``, computed once per frame."""
    return cached_for_frame(data, "country", country, lambda: data[data["country"] == country])


def _places(data: pd.DataFrame, country: str, everyone: str) -> dict[str, pd.DataFrame]:
    """The report's own country first, then the pooled picture (the synthesis, ``everyone``, has only the latter)."""
    if country == everyone:
        return {everyone: data}
    return {country: country_rows(data, country), everyone: data}


def countries_present(survey) -> list[str]:
    """The study's countries with eligible respondents in the data, in the instrument's order."""
    present = set(survey.eligible["country"])
    return [c for c in survey.instrument.codes("country") if c in present]


def own_place(country: str, everyone: str) -> str:
    """A report's place in a mask: its country, or the pooled place for the synthesis."""
    return POOLED if country == everyone else country


def top_options(masks: dict[str, Any], codes: list[str], place: str, top: int) -> list[str]:
    """The ``top`` options most often ticked in a report's own place, most ticked first.

    A national report's "most often named" sentence and chart speak of its own country, the
    synthesis's of the pooled answers, so each ranks by its own place. The rank reads the counts
    the report publishes: a withheld count ranks last, so the choice of options says nothing
    about a small cell that the published figures do not already say.

    Args:
        masks: option code -> its disclosure mask (see :func:`option_mask`).
        codes: the options, in the form's order (which breaks a tie).
        place: the report's own place (an ISO3 code, or ``*`` for all countries).
        top: how many options to keep.

    Returns:
        Up to ``top`` option codes, the most ticked first.
    """
    counts = {code: masks[code].count(f"{place}|yes") for code in codes}
    ranked = sorted(codes, key=lambda code: -1 if counts[code] is None else -counts[code])
    return ranked[:top]


def warm_subsets(eligible: pd.DataFrame, countries: list[str], project: Project | None = None) -> None:
    """Compute each analysis population and each place's rows of it, ahead of the runs.

    The build's server calls this before forking them. ``project``: the study folder whose
    analyses are meant (default: the one around the working directory).
    """
    project = default(project)
    everyone = project.study.synthesis_code
    for analysis_id, spec_ in load_specs(project=project).items():
        if analysis_id == "bands":
            continue
        data = population(eligible, spec_.get("population"))
        for country in [*countries, everyone]:
            rows = _places(data, country, everyone)[country]
            for query in (spec_.get("populations") or {}).values():
                population(rows, query)
