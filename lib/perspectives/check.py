"""``perspectives check PATH``: read and validate a partner's export, build nothing, write nothing.

Purpose
    A partner checks a file before anything else happens. The command reads the export
    exactly as ``perspectives build --data`` would (:func:`perspectives.readers.read_survey`)
    and prints what it recognised (tool layout, encoding, separator, sheet, header row, id
    column), every normalisation with counts, the exclusion log, counts per country, and the
    checks a field team runs during data collection: duplicate ids, duplicate submissions
    with identical answers, straight-lining in rating grids, interview duration from the
    form's ``start``/``end``, and the range of every number.

Inputs
    ``PATH`` (any export ``load_survey`` reads), ``--json``, ``--id-column NAME``;
    ``--conversations PATH`` (our conversations CSV or a REFI-QDA ``.qdpx`` project), checked
    as ``perspectives build --conversations`` reads it (:func:`check_conversations`), and
    against the export's countries as the build checks them; ``--lang LANG`` (the language
    the commands it suggests build in; default: each country's own).

Outputs
    Text on stdout (or one JSON document with ``--json``); nothing is written to disk. A
    usable file ends with the commands that build the reports it holds, each runnable as
    printed from the folder the check ran in (:func:`next_commands`, :mod:`perspectives.hints`).
    Exit 0 when the file is usable, 2 when it is not (the problems are printed, never a
    traceback). Row numbers are the partner's own; respondent ids appear only for duplicated
    ids, which the partner needs to find the rows in their own file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .answer_copies import identical_submissions, row_groups
from .expressions import bounds
from .hints import command
from .instrument import ELIGIBILITY, Instrument, load_instrument
from .problems import SHOWN, DataError
from .project import Project, default
from .readers import Reading, ReadReport, read_survey
from .study import SOURCE_LANGUAGE, Study

EXIT_USABLE, EXIT_NOT_USABLE = 0, 2
# A rating grid: at least this many single-choice questions of one group sharing one answer
# list of at least this many options (an ordinal scale, not yes/no).
GRID_MIN_QUESTIONS, GRID_MIN_OPTIONS = 3, 4
# An interview shorter than this share of the median duration is worth a call to the interviewer.
SHORT_SHARE = 1 / 3
OUTCOMES = ("eligible", "partial", "disqualified", "no_consent")


def _rows_text(rows: Sequence[int], word: str) -> str:
    shown = ", ".join(map(str, rows[:SHOWN]))
    more = len(rows) - SHOWN
    return f"{word} {shown}" + (f" and {more} more" if more > 0 else "")


# --------------------------------------------------------------------------- field-team checks


def rating_grids(instrument: Instrument) -> dict[str, list[str]]:
    """Rating grids of the form: group -> its single-choice questions sharing one ordinal list.

    Args:
        instrument: the form.

    Returns:
        Group name -> question names (form order), for groups with at least
        ``GRID_MIN_QUESTIONS`` select-one questions on one list of at least
        ``GRID_MIN_OPTIONS`` options.
    """
    by_list: dict[tuple[str, str], list[str]] = {}
    for question in instrument.answer_questions():
        if question.is_select_one and question.group and question.name not in ELIGIBILITY:
            by_list.setdefault((question.group, question.list_name or ""), []).append(question.name)
    return {group: names for (group, list_name), names in by_list.items()
            if len(names) >= GRID_MIN_QUESTIONS and len(instrument.choices[list_name]) >= GRID_MIN_OPTIONS}


def field_checks(reading: Reading, instrument: Instrument) -> dict[str, Any]:
    """The checks a field team runs during collection (counts and row numbers only).

    Args:
        reading: what :func:`read_survey` read (possibly partial, from a refused file).
        instrument: the form.

    Returns:
        A dict with ``duplicate_ids``, ``identical_submissions``, ``straight_lining``,
        ``duration`` and ``numbers``; each holds counts and the partner's row numbers.
    """
    answers, word = reading.answers, reading.row_word
    eligible = (reading.outcome == "eligible") if reading.outcome is not None else pd.Series(True, index=answers.index)
    # Submissions the survey's reviewers rejected are no data: their ids and numbers are not checked.
    data = (reading.outcome != "rejected") if reading.outcome is not None else pd.Series(True, index=answers.index)
    ids = reading.ids.where(data)
    out: dict[str, Any] = {"row_word": word}

    duplicated = (ids.notna() & ids.duplicated(keep=False)).to_numpy()
    positions = np.flatnonzero(duplicated)
    out["duplicate_ids"] = [{"id": str(ids.iat[first]), "rows": rows}
                            for first, rows in row_groups(pd.factorize(ids.to_numpy()[duplicated])[0], positions,
                                                          reading.row_numbers)]

    # Same answer to every question (ids and timestamps aside): a submission sent twice or a
    # row copied in a spreadsheet. Only completes: short disqualified forms agree by design.
    out["identical_submissions"] = [{"rows": rows} for rows in identical_submissions(answers, eligible.to_numpy(),
                                                                                     reading.row_numbers)]

    lines = {}
    for group, names in rating_grids(instrument).items():
        grid = answers.loc[eligible, names]
        complete = grid.notna().all(axis=1)
        # every answer the same as the first: one answer to all (complete rows have no gap)
        same = complete & grid.eq(grid.iloc[:, 0], axis=0).all(axis=1)
        mask = pd.Series(False, index=answers.index)
        mask.loc[same[same].index] = True
        lines[group] = {"questions": names, "answered_all": int(complete.sum()), "one_answer_to_all": int(same.sum()),
                        "rows": reading.rows(mask)}
    out["straight_lining"] = lines
    out["duration"] = _duration(reading, eligible, instrument)
    out["numbers"] = _numbers(reading, instrument, data)
    return out


def _duration(reading: Reading, eligible: pd.Series, instrument: Instrument) -> dict[str, Any] | None:
    """Interview length from the form's start and end timestamps (eligible completes)."""
    starts = [q.name for q in instrument.questions.values() if q.type == "start"]
    ends = [q.name for q in instrument.questions.values() if q.type == "end"]
    meta = reading.metadata
    if not starts or not ends or starts[0] not in meta or ends[0] not in meta:
        return None
    start = pd.to_datetime(meta[starts[0]], errors="coerce", utc=True, format="ISO8601")
    end = pd.to_datetime(meta[ends[0]], errors="coerce", utc=True, format="ISO8601")
    minutes = (end - start).dt.total_seconds() / 60
    known = eligible & minutes.notna()
    if not known.any():
        return {"completes_timed": 0, "unreadable": int((eligible & minutes.isna()).sum())}
    values = minutes[known]
    median = float(values.median())
    short = known & (minutes < median * SHORT_SHARE) & (minutes >= 0)
    negative = known & (minutes < 0)
    return {
        "completes_timed": int(known.sum()),
        "unreadable": int((eligible & minutes.isna()).sum()),
        "median_minutes": round(median, 1),
        "quartiles_minutes": [round(float(values.quantile(0.25)), 1), round(float(values.quantile(0.75)), 1)],
        "short_limit_minutes": round(median * SHORT_SHARE, 1),
        "short_rows": reading.rows(short),
        "end_before_start_rows": reading.rows(negative),
        "longer_than_a_day": int((known & (minutes > 24 * 60)).sum()),
    }


def _numbers(reading: Reading, instrument: Instrument, data: pd.Series) -> dict[str, dict[str, Any]]:
    """Range of every numeric answer against the form's constraint (rows outside named), over the rows that are data."""
    out = {}
    for question in instrument.answer_questions():
        if not question.is_numeric:
            continue
        values = pd.to_numeric(reading.answers[question.name].where(data), errors="coerce")
        limits = bounds(question.constraint)
        entry: dict[str, Any] = {"answered": int(values.notna().sum())}
        if values.notna().any():
            entry.update(min=float(values.min()), max=float(values.max()))
        if limits:
            low, high = limits
            entry["allowed"] = [low, high]
            entry["outside_rows"] = reading.rows(values.notna() & ((values < low) | (values > high)))
        out[question.name] = entry
    return out


# --------------------------------------------------------------------------- summaries


def _exclusion_log(reading: Reading) -> dict[str, Any] | None:
    if reading.outcome is None:
        return None
    outcome = reading.outcome
    answers = reading.answers
    disqualified = outcome == "disqualified"
    criteria = {}
    for hurdle in ELIGIBILITY:
        unmet = disqualified & (answers[hurdle] != "yes")
        criteria[hurdle] = int(unmet.sum())
        disqualified = disqualified & ~unmet  # the earliest unmet criterion counts, as in the log
    if disqualified.any():
        criteria["not_answered"] = int(disqualified.sum())
    review = reading.report.review
    return {"responses": len(outcome), "row_word": reading.row_word, **{name: int((outcome == name).sum()) for name in OUTCOMES},
            "disqualified_by_criterion": {k: v for k, v in criteria.items() if v},
            "rejected": int((outcome == "rejected").sum()), "rejected_rows": reading.rows(outcome == "rejected"),
            "review_column": review.get("column")}


def _countries(reading: Reading) -> dict[str, dict[str, int]] | None:
    if reading.outcome is None:
        return None
    country = reading.answers["country"].fillna("(none)")
    # Submissions the reviewers rejected get a column of their own, where there are any.
    columns = [*OUTCOMES, *(["rejected"] if (reading.outcome == "rejected").any() else [])]
    table = pd.crosstab(country, reading.outcome).reindex(columns=columns, fill_value=0)
    return {str(c): {k: int(v) for k, v in row.items()} for c, row in table.iterrows()}


def run_check(path: Path, id_column: str | None = None, project: Project | None = None) -> dict[str, Any]:
    """Read an export and gather everything the command prints.

    Args:
        path: the export.
        id_column: ``--id-column`` (None: the study's rule).
        project: the study folder whose form reads it (default: the one around the working directory).

    Returns:
        A JSON-ready dict: ``file``, ``usable``, ``recognised``, ``problems``, ``exclusions``,
        ``countries``, ``field_checks``.
    """
    project = default(project)
    instrument = load_instrument(project=project)
    problems, reading, report = [], None, None
    try:
        reading = read_survey(path, instrument, id_column, project=project)
        report = reading.report
    except DataError as error:
        problems = error.problems
        reading, report = error.reading, error.report
    result: dict[str, Any] = {
        "file": Path(path).name,
        "usable": not problems,
        "recognised": report.as_dict() if isinstance(report, ReadReport) else None,
        "problems": [{"message": p.text(Path(path).name), **p.as_dict()} for p in problems],
        "exclusions": _exclusion_log(reading) if reading is not None else None,
        "countries": _countries(reading) if reading is not None else None,
        "field_checks": field_checks(reading, instrument) if reading is not None else None,
    }
    return result


# --------------------------------------------------------------------------- text


def _normalisation_lines(recognised: dict[str, Any]) -> list[str]:
    lines = []
    for item in recognised["normalisations"]:
        columns = sorted(item["by_column"].items(), key=lambda kv: -kv[1])
        where = "" if list(item["by_column"]) in (["(file)"], ["(header)"]) else \
            " (" + ", ".join(f"{c} {n}" for c, n in columns[:6]) + (f", and {len(columns) - 6} more columns"
                                                                     if len(columns) > 6 else "") + ")"
        lines.append(f"  {item['cells']:>6}  {item['what']}{where}")
    return lines or ["  none: every cell was read as written"]


def render(result: dict[str, Any]) -> str:
    """The check's report as text (what ``perspectives check`` prints)."""
    out = [f"perspectives check: {result['file']}", ""]
    rec = result["recognised"]
    if rec:
        fmt = rec["format"]
        described = ", ".join(str(v) for v in (fmt["kind"], fmt["encoding"], fmt["separator"] and
                                                f"separator {fmt['separator']}", fmt["line_endings"] and
                                                f"line endings {fmt['line_endings']}") if v)
        out += ["What was recognised", f"  file          {described}"]
        if fmt["member"]:
            out.append(f"  read          {fmt['member']}")
        if fmt["sheet"]:
            out.append(f"  sheet         {fmt['sheet']}")
        if fmt["header_row"]:
            above = f" ({fmt['skipped_above']} row(s) above it skipped)" if fmt["skipped_above"] else ""
            out.append(f"  header        row {fmt['header_row']}{above}")
        else:
            out.append("  header        SPSS variable names")
        seps = ", ".join(f"'{s}'" for s in rec["group_separators"]) or "none"
        outer = rec.get("outer_groups") or []
        pages = (f"; inside the form's own paths, outer groups it does not have: {', '.join(outer[:8])}"
                 + (f" and {len(outer) - 8} more" if len(outer) > 8 else "")) if outer else ""
        out.append(f"  layout        {rec['tool']}; group paths in headers: {seps}{pages}")
        if rec["id_column"]:
            out.append(f"  id column     {rec['id_column']}: {rec['id_rule']}")
        for question, layout in rec["select_multiple"].items():
            out.append(f"  options       {question}: {layout}")
        for question, mapping in rec["value_labels"].items():
            pairs = ", ".join(f"{v}={c}" for v, c in list(mapping.items())[:8])
            out.append(f"  value labels  {question}: {pairs}")
        if rec.get("review"):
            review = rec["review"]
            out.append(f"  review        {review['column']}: the survey tool's review, read; {review['rejected']} "
                       "submission(s) rejected by its reviewers are not data")
        for reason, names in rec["ignored"].items():
            shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
            out.append(f"  not read      {reason} ({len(names)}): {shown}")
        for note in rec["skipped_checks"]:
            out.append(f"  not checked   {note}")
        out += ["", "What was normalised (counts of cells)", *_normalisation_lines(rec)]
    if result["problems"]:
        out += ["", f"Problems: the file cannot be used until {'these are' if len(result['problems']) > 1 else 'this is'} "
                    "fixed"]
        out += [f"  {i}. {p['message']}" for i, p in enumerate(result["problems"], 1)]
    out += _exclusion_lines(result["exclusions"], result["countries"])
    if result["field_checks"]:
        out += ["", "Field-team checks", *_field_lines(result["field_checks"])]
    verdict = "usable" if result["usable"] else "NOT usable"
    out += ["", f"Result: {verdict} (exit {EXIT_USABLE if result['usable'] else EXIT_NOT_USABLE}). Nothing was written."]
    return "\n".join(out)


def _exclusion_lines(log: dict[str, Any] | None, countries: dict[str, dict[str, int]] | None) -> list[str]:
    """The exclusion log's counts, and the responses by country and outcome."""
    out = []
    if log:
        out += ["", "Responses (the exclusion log)",
                f"  {log['responses']} responses: {log['eligible']} eligible and complete, {log['partial']} partial, "
                f"{log['disqualified']} disqualified, {log['no_consent']} did not consent"]
        if log["disqualified_by_criterion"]:
            out.append("  disqualified by the first criterion not met: " +
                       ", ".join(f"{k} {v}" for k, v in log["disqualified_by_criterion"].items()))
        if log.get("rejected"):
            out.append(f"  {log['rejected']} rejected by the survey's reviewers ({log['review_column']}): not data, "
                       "left out of the analysis and of its answer checks, and counted in the exclusion log "
                       f"(whatever their answers; {_rows_text(log['rejected_rows'], log['row_word'])})")
    if countries:
        names = list(next(iter(countries.values())))
        out += ["", f"  {'country':<8}" + "".join(f"{name:>14}" for name in names)]
        out += [f"  {country:<8}" + "".join(f"{row[name]:>14}" for name in names) for country, row in countries.items()]
    return out


def render_next(steps: dict[str, Any]) -> str:
    """The commands that build what the files hold (what ``perspectives check`` prints last)."""
    commands = steps.get("commands") or []
    lines = [f"Note: {note}" for note in steps.get("notes", [])]
    if commands:
        what = "the report" if len(commands) == 1 and len(steps.get("reports", [])) == 1 else "the reports"
        lines.append(f"Next: build {what} of what the file holds (each command runs as printed, from this folder):")
        lines += [f"  {c}" for c in commands]
    elif not lines:
        lines.append("Next: nothing to build: no report can be made from what the files hold.")
    return "\n".join(lines)


def _field_lines(checks: dict[str, Any]) -> list[str]:
    word = checks["row_word"]
    lines = []
    dups = checks["duplicate_ids"]
    lines.append("  duplicate ids: " + ("none" if not dups else
                 "; ".join(f"'{d['id']}' ({_rows_text(d['rows'], word)})" for d in dups[:SHOWN]) +
                 (f" and {len(dups) - SHOWN} more ids" if len(dups) > SHOWN else "")))
    same = checks["identical_submissions"]
    lines.append("  identical submissions (eligible completes with the same answer to every question): " +
                 ("none" if not same else f"{len(same)} group(s): " +
                  "; ".join(_rows_text(g["rows"], word) for g in same[:SHOWN])))
    for group, info in checks["straight_lining"].items():
        rows = f" ({_rows_text(info['rows'], word)})" if info["rows"] else ""
        lines.append(f"  straight-lining in the '{group}' grid ({len(info['questions'])} questions): "
                     f"{info['one_answer_to_all']} of {info['answered_all']} eligible gave one answer to all{rows}")
    duration = checks["duration"]
    if duration is None:
        lines.append("  interview duration: the file has no start/end columns")
    elif not duration.get("completes_timed"):
        lines.append(f"  interview duration: start/end unreadable for {duration['unreadable']} eligible completes")
    else:
        short = duration["short_rows"]
        lines.append(f"  interview duration (eligible completes, start to end): median {duration['median_minutes']} "
                     f"min, middle half {duration['quartiles_minutes'][0]}-{duration['quartiles_minutes'][1]} min; "
                     f"{len(short)} shorter than {duration['short_limit_minutes']} min"
                     + (f" ({_rows_text(short, word)})" if short else "")
                     + f"; {len(duration['end_before_start_rows'])} ending before they start"
                     + f"; {duration['longer_than_a_day']} longer than a day"
                     + (f"; {duration['unreadable']} without readable times" if duration["unreadable"] else ""))
    for name, info in checks["numbers"].items():
        if not info.get("answered"):
            continue
        seen = f"{info['min']:g}-{info['max']:g}"
        if "allowed" in info:
            outside = info["outside_rows"]
            status = "all within" if not outside else f"{len(outside)} outside ({_rows_text(outside, word)})"
            lines.append(f"  numbers: {name} {seen} over {info['answered']} answers; allowed "
                         f"{info['allowed'][0]:g}-{info['allowed'][1]:g}: {status}")
        else:
            lines.append(f"  numbers: {name} {seen} over {info['answered']} answers")
    return lines


# --------------------------------------------------------------------------- conversations


def check_conversations(path: Path | str, project: Project | None = None) -> dict[str, Any]:
    """Read and validate conversations as ``perspectives build --conversations`` would.

    Args:
        path: our ``conversations.csv`` (with ``participants.csv`` beside it) or a REFI-QDA
            project (``.qdpx``).
        project: the study folder whose codebook and study check them (default: the one
            around the working directory).

    Returns:
        ``file``, ``recognised`` (for a project: the tool, sources, formats, how codes were
        matched, where consent was read), ``problems`` (messages naming the code, case or
        source and the fix), ``by_country`` (participants, segments, segments with consent to
        quote: counts only, never a participant's words) and ``usable``.
    """
    from . import qualitative, refiqda

    path = Path(path)
    result: dict[str, Any] = {"file": path.name, "recognised": [], "problems": [], "by_country": {}, "usable": False}
    try:
        if path.suffix.lower() == ".qdpx":
            result["recognised"] = list(qualitative.read_project(path, project=project).recognised)
        else:
            result["recognised"] = ["our CSV layout (conversations.csv with participants.csv beside it)"]
        people = qualitative.load_participants(qualitative.participants_source(path), project=project)
        segments = qualitative.load_conversations(path, project=project)
    except refiqda.ProjectError as exc:
        result["problems"] = [f"{exc.file}: {where}: {problem}. Fix: {fix}" if where else
                              f"{exc.file}: {problem}. Fix: {fix}" for where, problem, fix in exc.problems]
        return result
    except qualitative.QualitativeDataError as exc:
        result["problems"] = [str(exc)]
        return result
    for country, group in segments.groupby("country", sort=False):
        result["by_country"][str(country)] = {
            "participants": int((people["country"] == country).sum()), "segments": int(len(group)),
            "consented": int((group["consent_to_quote"] == "yes").sum())}
    result["usable"] = True
    return result


def render_conversations(result: dict[str, Any]) -> str:
    """The conversations check as text."""
    out = [f"perspectives check --conversations: {result['file']}", "", "What was recognised",
           *(f"  {line}" for line in result["recognised"])]
    if result["problems"]:
        out += ["", "Problems: the conversations cannot be used until "
                    f"{'these are' if len(result['problems']) > 1 else 'this is'} fixed"]
        out += [f"  {i}. {p}" for i, p in enumerate(result["problems"], 1)]
    if result["by_country"]:
        out += ["", f"  {'country':<8}{'participants':>14}{'segments':>10}{'consented':>11}"]
        out += [f"  {c:<8}{v['participants']:>14}{v['segments']:>10}{v['consented']:>11}"
                for c, v in result["by_country"].items()]
    verdict = "usable" if result["usable"] else "NOT usable"
    out += ["", f"Conversations: {verdict}. Nothing was written."]
    return "\n".join(out)


# --------------------------------------------------------------------------- what to run next


def _conversation_countries(path: Path | None, project: Project | None) -> frozenset[str]:
    """The countries a conversations file holds (None: the study's own file)."""
    from . import qualitative

    return frozenset(qualitative.load_conversations(path, project=project)["country"])


def next_commands(study: Study, result: dict[str, Any], path: Path | None, conversations: Path | None,
                  id_column: str | None, lang: str | None, project: Project | None = None) -> dict[str, Any]:
    """The build commands for what the checked files hold, as they run from the current folder.

    The reports are those ``perspectives build`` plans for the files (:meth:`Study.reports_for`
    of the export's countries, or the countries of the conversations file alone), each in
    its country's language from ``params/study.yml`` unless ``lang`` is asked (the synthesis
    in English). Conversations that do not go with those reports
    (:meth:`Study.conversations_problem`) are a problem of the conversations when they were
    given, or leave the synthesis out (with a note) when they are the study's own.

    Args:
        study: the study.
        result: what :func:`run_check` (and ``check_conversations`` under ``conversations``)
            found; a conversations problem found here is added to it.
        path: the export as given on the command line (None: only conversations were checked).
        conversations: the conversations as given (None: the study's own).
        id_column: ``--id-column`` as given.
        lang: ``--lang`` as given.
        project: the study folder (default: the one around the working directory).

    Returns:
        ``reports`` (codes), ``commands`` (shell lines) and ``notes``.
    """
    conv = result.get("conversations")
    if path is not None:
        counts = {str(c): int(row["eligible"]) for c, row in (result.get("countries") or {}).items()}
        survey = study.present(counts)
        reports = list(study.reports_for(survey))
    else:
        survey = study.codes  # the study's own export holds every country
        reports = [c for c in study.codes if c in set(conv["by_country"])]
    notes: list[str] = []
    if reports and (conversations is not None or study.synthesis_code in reports):
        problem = study.conversations_problem(reports, frozenset(survey),
                                              _conversation_countries(conversations, project))
        if problem and conversations is not None:
            conv["problems"].append(f"{conv['file']} {problem}")
            conv["usable"] = False
            reports = []
        elif problem:
            notes.append(f"the synthesis is left out: {Path(study.data['conversations']).name} (the study's own "
                         f"conversations) {problem}")
            reports = [c for c in reports if c != study.synthesis_code]
    if path is not None and conversations is None and (needed := study.partner_conversations_problem(reports)):
        # The build refuses these reports without the partner's conversations: no command is printed for them.
        notes.append(needed)
        speaking = set(study.reports_with_conversations(reports))
        reports = [c for c in reports if c not in speaking]
    words: list[str | Path] = ["build"]
    for option, value in (("--data", path), ("--conversations", conversations), ("--id-column", id_column)):
        if value:
            words += [option, value]
    groups: dict[str, list[str]] = {}
    for code in reports:
        language = lang or (SOURCE_LANGUAGE if code == study.synthesis_code else study.country(code).language)
        groups.setdefault(language, []).append(code)
    root = project.root if project is not None else None
    commands = [command(*words, "--country", *codes, "--lang", language, project=root)
                for language, codes in groups.items()]
    return {"reports": reports, "commands": commands, "notes": notes}


def main(argv: Sequence[str] | None = None, project: Project | None = None) -> int:
    """``perspectives check [PATH | --data PATH] [--conversations PATH] [--json] [--id-column NAME] [--lang LANG]``; 0 usable, 2 not.

    ``project``: the study folder (default: the one around the working directory).
    """
    parser = argparse.ArgumentParser(prog="perspectives check",
                                     description="Read and validate a survey export and/or the conversations; "
                                                 "build and write nothing.")
    parser.add_argument("path", type=Path, nargs="?", help="the export (CSV, CSV in a zip, XLSX or SPSS .sav)")
    parser.add_argument("--data", type=Path, metavar="PATH",
                        help="the export, named as `perspectives build --data PATH` names it (the same as PATH)")
    parser.add_argument("--conversations", type=Path, metavar="PATH",
                        help="the conversations: our conversations.csv (participants.csv beside it) or a REFI-QDA "
                             "project (.qdpx) from NVivo, ATLAS.ti, MAXQDA or QualCoder")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    parser.add_argument("--id-column", metavar="NAME",
                        help="the column identifying each response (default: the study's id column, else "
                             "_uuid, _id, KEY, meta-instanceID, instanceID)")
    parser.add_argument("--lang", metavar="LANG",
                        help="the language of the reports the suggested commands build (default: each "
                             "country's language in params/study.yml)")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.data is not None:  # a partner checks with the words the build takes
        if args.path is not None and args.path != args.data:
            parser.error("give the export once: PATH or --data PATH")
        args.path = args.data
    if args.path is None and args.conversations is None:
        parser.error("give a survey export, --conversations PATH, or both")
    project = default(project)
    study = project.study
    if args.lang is not None and args.lang not in study.languages:
        from .locales import known_language

        if not known_language(args.lang):
            parser.error(f"unknown language {args.lang!r}; the study's: {', '.join(study.languages)}")
    result: dict[str, Any] = run_check(args.path, args.id_column, project) if args.path is not None else {}
    if args.conversations is not None:
        result["conversations"] = check_conversations(args.conversations, project)
    if result.get("usable", True) and result.get("conversations", {}).get("usable", True):
        result["next"] = next_commands(study, result, args.path, args.conversations, args.id_column, args.lang,
                                       project)
    usable = result.get("usable", True) and result.get("conversations", {}).get("usable", True)
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False, default=_jsonable))
    else:
        texts = ([render(result)] if args.path is not None else []) + (
            [render_conversations(result["conversations"])] if args.conversations is not None else []) + (
            [render_next(result["next"])] if usable and result.get("next") else [])
        print("\n\n".join(texts))
    return EXIT_USABLE if usable else EXIT_NOT_USABLE


def _jsonable(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


if __name__ == "__main__":
    raise SystemExit(main())
