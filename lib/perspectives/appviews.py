"""What the partners' page (``perspectives app``) says, in the page's language.

Purpose
    The page's sentences that carry data: an export's check (:func:`check_view`, from
    :func:`perspectives.check.run_check`'s result, not re-derived), the conversations' check
    (:func:`conversations_view`), a build's progress (:func:`progress_text`), the page's
    title (:func:`page_title`) and why something was refused (:func:`refusal_text`). Every
    fixed word goes through the project's catalogues (:class:`perspectives.i18n.Translator`);
    the words of a check's message (the reader's problem and fix) are the reader's own, in
    English until the readers' messages are catalogued. What comes from the partner's file is
    left as text here: the page's templates escape every value they print.

Inputs
    The checks' results, a build's state, a :class:`~perspectives.i18n.Translator`.

Outputs
    Plain data (strings, pairs, dicts) for the page's templates.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from perspectives.appwork_uploads import MB
from perspectives.i18n import Translator
from perspectives.problems import phrase, translated
from perspectives.study import Study

__all__ = ["check_view", "conversations_view", "page_title", "progress_text", "refusal_text", "size_text"]

SHOWN = 5  # rows, values and names a message lists before saying how many more


def refusal_text(reason: str, tr: Translator, name: str = "", limit: str = "") -> str:
    """The sentence the page shows for a refused upload or action, in the page's language."""
    texts = {
        "too_large": tr("The file {name} is larger than the {limit} MB this page accepts. Export fewer columns or "
                        "a part of the rows, or ask the person who runs this page to raise the limit.",
                        name=name or tr("you chose"), limit=limit),
        "no_file": tr("No file was received. Choose or drop a file, then press Check the file."),
        "empty": tr("The file {name} is empty. Export it again from your survey tool.", name=name),
        "file_type": tr("{name} is not a file this page reads. Drop a CSV, Excel (.xlsx), SPSS (.sav) or ZIP "
                        "export of the survey, or a REFI-QDA project (.qdpx) of the conversations.", name=name),
        "two_files": tr("Drop one file at a time."),
        "bad_form": tr("The file did not arrive whole. Try again."),
        "busy": tr("A report is being built. Wait until it is done, then build the next one."),
        "no_export": tr("Drop your survey export first: the report is built from it."),
        "not_usable": tr("The export cannot be used yet: fix what the check names, then drop the fixed file."),
        "conversations_not_usable": tr("The conversations cannot be used yet: fix what their check names, "
                                       "drop the fixed project, or remove it."),
        "choice": tr("Choose a country of your file and one of the languages offered."),
        "session": tr("This page has no files of yours: it was finished, or the program was restarted. "
                      "Drop your file again."),
        "host": tr("This page answers only to this computer's own addresses (localhost, 127.0.0.1)."),
        "origin": tr("This form came from another page. Open the report page again and use its own buttons."),
        "token": tr("The page was out of date. Open it again and repeat what you did."),
        "full": tr("Too many report pages are open. Finish one of them first."),
        "not_found": tr("There is no such page or file here."),
    }
    return texts[reason]


def _listing(items: Sequence[Any], tr: Translator) -> str:
    shown = ", ".join(str(x) for x in items[:SHOWN])
    more = len(items) - SHOWN
    return shown + (" " + tr("and {n} more", n=more) if more > 0 else "")


def _recognised(rec: dict[str, Any], tr: Translator) -> list[tuple[str, str]]:
    """What the reader recognised, as (label, value) pairs."""
    fmt = rec["format"]
    rows = [(tr("File type"), ", ".join(str(v) for v in (fmt["kind"], fmt["encoding"], fmt["separator"],
                                                           fmt["line_endings"]) if v))]
    if fmt["member"]:
        rows.append((tr("File read in the archive"), fmt["member"]))
    if fmt["sheet"]:
        rows.append((tr("Sheet read"), fmt["sheet"]))
    if fmt["header_row"]:
        skipped = fmt["skipped_above"]
        rows.append((tr("Header row"), str(fmt["header_row"]) + (
            " (" + tr("{n} rows above it skipped", n=skipped) + ")" if skipped else "")))
    rows.append((tr("Written by"), rec["tool"]))
    if rec["id_column"]:
        rows.append((tr("Respondent id column"), f"{rec['id_column']} ({rec['id_rule']})"))
    rows.append((tr("Responses read"), str(rec["responses"])))
    if rec["select_multiple"]:
        rows.append((tr("Questions with several answers"),
                     _listing([f"{q}: {layout}" for q, layout in rec["select_multiple"].items()], tr)))
    for reason, names in rec["ignored"].items():
        rows.append((tr("Columns not read"), f"{reason}: {_listing(names, tr)}"))
    for note in rec["skipped_checks"]:
        rows.append((tr("Not checked"), note))
    return rows


def _problem_view(problem: dict[str, Any], tr: Translator) -> dict[str, Any]:
    """A problem as the page shows it, in the page's language: what is wrong, where, and the fix.

    A question of the form is named by its label in the page's language (the XLSForm's own
    column for it, English where the form has none).
    """
    texts = translated(problem, tr)
    shown = {**problem, "expected": texts["expected"]}
    if problem.get("question"):
        from perspectives.i18n import LocalisedInstrument
        from perspectives.instrument import load_instrument

        form = load_instrument()
        if problem["question"] in form.questions:
            shown["label"] = LocalisedInstrument(form, tr).label(problem["question"])
    return {"problem": texts["problem"], "where": _where(shown, tr), "fix": texts["fix"]}


def _where(problem: dict[str, Any], tr: Translator) -> list[tuple[str, str]]:
    """Where a problem is, as (label, value) pairs: question, column, rows, values."""
    out = []
    if problem.get("label") or problem.get("question"):
        out.append((tr("Question"), str(problem.get("label") or problem.get("question"))))
    if problem.get("column"):
        out.append((tr("Column"), str(problem["column"])))
    rows = list(problem.get("rows") or [])
    if rows:
        word = tr("Cases") if problem.get("row_word") == "cases" else tr("Rows")
        more = int(problem.get("rows_total", len(rows))) - min(len(rows), SHOWN)
        shown = ", ".join(map(str, rows[:SHOWN]))
        out.append((word, shown + (" " + tr("and {n} more", n=more) if more > 0 else "")))
    values = list(problem.get("values") or [])
    if values:
        out.append((tr("Values"), _listing([f"'{v}'" for v in values], tr)))
    if problem.get("expected"):
        out.append((tr("Expected"), str(problem["expected"])))
    return out


def _warnings(checks: dict[str, Any] | None, tr: Translator) -> list[str]:
    """The field-team checks worth a look (the counts and rows the check found)."""
    if not checks:
        return []
    word = tr("cases") if checks.get("row_word") == "cases" else tr("rows")
    out = []
    if checks["duplicate_ids"]:
        out.append(tr("{n} respondent ids appear more than once: {ids}.", n=len(checks["duplicate_ids"]),
                      ids=_listing([d["id"] for d in checks["duplicate_ids"]], tr)))
    if checks["identical_submissions"]:
        out.append(tr("{n} groups of complete answers are identical (a form sent twice?), {word} {rows}.",
                      n=len(checks["identical_submissions"]), word=word,
                      rows=_listing([g["rows"][0] for g in checks["identical_submissions"]], tr)))
    for name, info in checks["numbers"].items():
        if info.get("outside_rows"):
            out.append(tr("{question}: {n} answers outside {low} to {high}, {word} {rows}.", question=name,
                          n=len(info["outside_rows"]), low=f"{info['allowed'][0]:g}", high=f"{info['allowed'][1]:g}",
                          word=word, rows=_listing(info["outside_rows"], tr)))
    duration = checks.get("duration") or {}
    if duration.get("short_rows"):
        out.append(tr("{n} interviews took less than {minutes} minutes, {word} {rows}.", n=len(duration["short_rows"]),
                      minutes=duration["short_limit_minutes"], word=word, rows=_listing(duration["short_rows"], tr)))
    return out


def check_view(result: dict[str, Any], tr: Translator, study: Study) -> dict[str, Any]:
    """What the page shows of an export's check (:func:`perspectives.check.run_check`).

    Args:
        result: the check's result.
        tr: the page's language.
        study: the study (its countries are the ones a report can be built for).

    Returns:
        ``file``, ``usable``, ``recognised`` (label, value), ``changes`` (count, what,
        columns), ``problems`` (``problem``, ``where``, ``fix``), ``responses`` (a sentence),
        ``countries`` (name and counts), ``buildable`` (ISO3 codes of the study's countries
        with eligible respondents in the file), ``warnings`` and ``text`` (the check's own
        text, as the command line prints it).
    """
    from perspectives.check import render

    rec = result.get("recognised")
    changes = [(item["cells"], phrase(item.get("phrase") or item["what"], tr),
                _listing([f"{c} ({n})" for c, n in sorted(item["by_column"].items(), key=lambda kv: -kv[1])
                          if c not in ("(file)", "(header)")], tr))
               for item in (rec or {}).get("normalisations", [])]
    log = result.get("exclusions")
    codes = {c.iso3 for c in study.countries}
    countries = []
    for code, row in (result.get("countries") or {}).items():
        countries.append({"code": code, "name": tr.country(code) if code in codes else code, **row})
    return {
        "file": result["file"], "usable": bool(result["usable"]),
        "recognised": _recognised(rec, tr) if rec else [],
        "changes": changes,
        "problems": [_problem_view(p, tr) for p in result["problems"]],
        "responses": tr("{responses} responses: {eligible} eligible and complete, {partial} partial, "
                        "{disqualified} not eligible, {no_consent} did not consent.", **log) if log else "",
        "countries": countries,
        "buildable": [c["code"] for c in countries if c["code"] in codes and c.get("eligible", 0) > 0],
        "warnings": _warnings(result.get("field_checks"), tr),
        "text": render(result),
    }


def conversations_view(result: dict[str, Any], tr: Translator, study: Study) -> dict[str, Any]:
    """What the page shows of the conversations' check (:func:`perspectives.check.check_conversations`)."""
    codes = {c.iso3 for c in study.countries}
    return {"file": result["file"], "usable": bool(result["usable"]), "recognised": list(result["recognised"]),
            "problems": list(result["problems"]),
            "countries": [{"name": tr.country(code) if code in codes else code, **row}
                          for code, row in result["by_country"].items()]}


def page_title(tr: Translator, export: dict[str, Any] | None, builds: list[dict[str, Any]]) -> str:
    """The page's title says where the partner is (a screen reader reads it first)."""
    if builds and builds[-1]["state"] in ("starting", "running", "printing"):
        state = tr("Building the report")
    elif builds and builds[-1]["state"] == "done":
        state = tr("Report ready")
    elif export is not None:
        state = tr("File checked: it can be used") if export["usable"] else tr("File checked: it cannot be used yet")
    else:
        state = tr("Drop your file")
    return f"{state} – {tr('Your national report')}"


def size_text(path: Path, tr: Translator) -> str:
    """A file's size, in MB or kB (empty when it is gone)."""
    try:
        size = path.stat().st_size
    except OSError:
        return ""
    return tr("{size} MB", size=f"{size / MB:.1f}") if size >= MB / 10 else tr("{size} kB", size=f"{size / 1024:.0f}")


def progress_text(s: Any, tr: Translator) -> str:
    """One sentence on where a build is (:class:`perspectives.appwork.BuildState`), in the page's language."""
    if s.state == "starting":
        return tr("Reading your file and starting the build…")
    if s.state == "running":
        if s.total == 0:
            return tr("Nothing to run again: writing the report…")
        return tr("{done} of {total} parts of the report done…", done=s.done, total=s.total)
    if s.state == "printing":
        return tr("All parts done; writing the report and printing the PDF…")
    if s.state == "done":
        return tr("The report is ready to download.")
    if s.state == "stopped":
        return tr("The build was stopped.")
    return tr("The report could not be built.")
