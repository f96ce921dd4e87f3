"""Synthetic raw export of the frontline workers' survey, calibrated to the published report.

Purpose
    The project's default data: a Kobo/ODK-style raw export of the frontline workers' survey
    (1254 submissions: 413 eligible completes, 408 partial responses, 433 disqualified) whose
    eligible completes reproduce the counts, percentages and test statistics printed in the
    2022 report, so that every report notebook runs end to end without real data.

Calibration method
    Each published finding is a small table or a set of group means. For a crosstab (for
    example area by country) we start from a random integer table with the required margins
    and improve it by seeded random moves that add one to two opposite corners of a 2x2
    rectangle of cells and take one from the other two, which keeps every margin; a move is
    kept when it does not worsen the distance between the table's Pearson chi-square and the
    printed value, plus penalties for any published cell (fixed counts, "highest in X").
    For a one-way ANOVA we draw the pooled slider values with the published band counts,
    then swap values between respondents of different countries: a swap leaves the pooled
    distribution (hence every band count) unchanged and moves only the group means, so the
    search stops when F equals the printed value to three decimals and the named country means
    round to the printed ones. Small two-by-two and two-by-three tables are solved by
    enumerating every integer table that rounds to the printed percentages. The resulting
    cells are then handed to respondents by a seeded shuffle within each stratum. Partial
    responses copy whole sections from completes of the same country and stop at a random
    question; disqualified submissions answer 'yes' up to the hurdle they fail. The searches
    are :mod:`perspectives_synth.calibration`'s, the published blocks
    :mod:`perspectives_synth.completes`'; this module adds the partial and disqualified
    submissions and writes the export (:mod:`perspectives_synth.network` resamples it for
    the scale measurements).

Questions no published figure calibrates
    A question added to the form has no target:
    :func:`perspectives_synth.other_questions.fill_other_questions` answers it for
    the eligible completes from its XLSForm type, choices, relevance and constraint, from a
    random stream of its own (the seed and its name), so the calibrated columns keep every
    value and the published numbers are regenerated as before.

Inputs
    ``data/synthetic_targets.yml`` (through :mod:`perspectives.targets`), the instrument
    (:func:`perspectives.instrument.load_instrument`), the study seed (``params/study.yml``).

Outputs
    :func:`generate_survey` returns the export as a DataFrame (columns of
    :func:`perspectives.instrument.export_columns`); :func:`write_default` writes
    ``data/synthetic/survey_export.csv`` byte for byte the same on every run
    (``python -m perspectives_synth.survey``). Open-text answers are always empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from perspectives.instrument import ELIGIBILITY, Instrument, export_columns, load_instrument
from perspectives.project import Project, default
from perspectives.targets import load_targets
from perspectives_synth.calibration import apportion, labels_from_counts
from perspectives_synth.completes import build_completes
from perspectives_synth.other_questions import fill_other_questions

# The embedded synthetic export, from the study folder's root.
DEFAULT_FILE = "data/synthetic/survey_export.csv"
ID_COLUMN = "respondent_id"


# ---------------------------------------------------------------------------------------------
# Partials, disqualified and the export


def _partials(completes: pd.DataFrame, instrument: Instrument, targets: Mapping[str, Any], codes: Sequence[str],
              rng: np.random.Generator, calibrated: frozenset[str]) -> pd.DataFrame:
    """Partial responses: sections copied from completes of the same country, cut at a random question.

    A response stops at a calibrated question only (``calibrated``): a question added to the
    form later is copied with its section but never moves where the published partials stop.
    """
    syn = targets["sample"]["synthetic"]
    n = targets["sample"]["published"]["partials"]
    country = np.repeat(np.array(codes, dtype=object),
                        apportion(n, [syn["partials_country_weight"][c] for c in codes]))
    blocks = syn["partials_blocks"]
    block_cols = {b: [q.name for q in instrument.answer_questions() if q.group in groups]
                  for b, groups in blocks.items()}
    # A response stops at a question that carries an answer (open text is always empty here),
    # so every partial leaves at least one answer of its section blank.
    stops = {b: [c for c in cols if instrument[c].type != "text" and c in calibrated]
             for b, cols in block_cols.items()}
    stop_section = labels_from_counts(syn["partials_stop_section"], rng)
    completes = completes.reindex(columns=[*completes.columns, *(
        q.name for q in instrument.answer_questions() if q.name not in completes.columns)])
    order = [c for b in blocks for c in block_cols[b]]
    rows = []
    for c, section in zip(country, stop_section, strict=True):
        donors = completes.index[completes["country"] == c].to_numpy()
        row: dict[str, Any] = {"country": c}
        for b in blocks:
            donor = rng.choice(donors)
            row.update(completes.loc[donor, block_cols[b]].to_dict())
        stop = order.index(rng.choice(stops[section]))
        for col in order[stop:]:
            row[col] = None
        rows.append(row)
    return _only_shown(pd.DataFrame(rows), instrument, order)


def _only_shown(frame: pd.DataFrame, instrument: Instrument, order: Sequence[str]) -> pd.DataFrame:
    """A partial's answers to questions the form would not have shown it, blanked.

    Its sections come from different completes, so a question of one section may hang on an
    answer of another that its donor gave differently (a later question's ``relevant``
    reading an earlier section): the survey tool would not have shown it, and the reader
    refuses such an answer. Questions in the form's order, so a blanked answer hides what
    hangs on it in turn; a condition on a question outside the partials' sections is left.
    """
    from perspectives.expressions import evaluate, names_in

    def as_text() -> pd.DataFrame:
        return frame.astype(object).where(frame.notna(), None).map(lambda v: None if v is None else _as_text(v))

    text = as_text()
    for name in order:
        chain = [e for e in instrument.relevance(name) if all(n in frame.columns for n in names_in(e))]
        if not chain:
            continue
        hidden = ~np.all([evaluate(e, text).to_numpy(dtype=bool) for e in chain], axis=0) & frame[name].notna().to_numpy()
        if hidden.any():  # the text the next conditions read changes only where an answer is blanked
            frame.loc[hidden, name] = None
            text = as_text()
    return frame


def _as_text(value: Any) -> str:
    """An answer as the export writes it (a whole number without its decimal point)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _disqualified(targets: Mapping[str, Any], codes: Sequence[str], rng: np.random.Generator) -> pd.DataFrame:
    """Submissions that answered 'no' at one hurdle (and 'yes' at the ones before it)."""
    syn = targets["sample"]["synthetic"]
    n = targets["sample"]["published"]["disqualified"]
    country = rng.permutation(np.repeat(np.array(codes, dtype=object),
                                        apportion(n, [syn["disqualified_country_weight"][c] for c in codes])))
    failed = labels_from_counts(syn["disqualified_at"], rng)
    rows = []
    for c, hurdle in zip(country, failed, strict=True):
        row: dict[str, Any] = {"country": c}
        for question in ELIGIBILITY:
            row[question] = "no" if question == hurdle else "yes"
            if question == hurdle:
                break
        rows.append(row)
    return pd.DataFrame(rows)


def generate_survey(seed: int | None = None, project: Project | None = None) -> pd.DataFrame:
    """The synthetic raw export (1254 rows, instrument columns); ``seed`` defaults to the study seed.

    ``project``: the study folder (default: the one around the working directory).
    """
    project = default(project)
    study = project.study
    rng = np.random.default_rng(study.seed if seed is None else seed)
    targets = load_targets(project=project)
    instrument = load_instrument(project=project)
    codes = study.codes
    completes = build_completes(targets, codes, rng)
    for question in ELIGIBILITY:
        completes[question] = "yes"
    completes["completed"] = "yes"
    completes["consent"] = "yes"
    calibrated = frozenset(completes.columns)
    completes = fill_other_questions(completes, instrument, calibrated, study.seed if seed is None else seed)
    partials = _partials(completes, instrument, targets, codes, rng, calibrated)
    for question in ELIGIBILITY:
        partials[question] = "yes"
    frames = [completes, partials, _disqualified(targets, codes, rng)]
    out = pd.concat(frames, ignore_index=True)
    out["consent"] = "yes"
    columns = export_columns(instrument, ID_COLUMN)
    # Ids are handed out in a seeded random order so that the three kinds of submission mix.
    ids = rng.permutation(len(out)) + 1
    out[ID_COLUMN] = [f"R{i:04d}" for i in ids]
    out = out.reindex(columns=columns).sort_values(ID_COLUMN).reset_index(drop=True)
    for q in instrument.answer_questions():
        if q.type == "integer":
            out[q.name] = pd.to_numeric(out[q.name]).astype("Int64")
        elif q.type == "decimal":
            out[q.name] = pd.to_numeric(out[q.name]).astype("Float64")
        elif q.is_select_multiple:
            # Exports list ticked options in form order.
            order = {code: k for k, code in enumerate(instrument.codes(q.name))}
            out[q.name] = [v if not isinstance(v, str) else " ".join(sorted(v.split(), key=order.__getitem__))
                           for v in out[q.name]]
        elif q.type == "text":
            out[q.name] = pd.Series(pd.NA, index=out.index, dtype=object)
        else:
            out[q.name] = out[q.name].astype(object).where(out[q.name].notna(), None)
    return out


def write_default(path: Path | str | None = None, seed: int | None = None, project: Project | None = None) -> Path:
    """Write the export CSV (UTF-8, comma, LF, empty for missing); return its path.

    Args:
        path: where (default: the project's ``data/synthetic/survey_export.csv``).
        seed: the random seed (default: the study's).
        project: the study folder (default: the one around the working directory).
    """
    project = default(project)
    target = Path(path) if path else project.path(DEFAULT_FILE)
    target.parent.mkdir(parents=True, exist_ok=True)
    generate_survey(seed, project).to_csv(target, index=False, encoding="utf-8", lineterminator="\n", na_rep="")
    return target


def main(project: Project | None = None) -> int:
    """``python -m perspectives_synth.survey``: regenerate the default synthetic export of ``project``."""
    project = default(project)
    path = write_default(project=project)
    print(f"wrote {path.relative_to(project.root) if path.is_relative_to(project.root) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
