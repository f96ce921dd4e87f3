"""Accessibility checks of a built report, in HTML, PDF and Word: ``perspectives check-report``.

Purpose
    Say, for one report folder, whether every reader can use the report: each chart has a
    text alternative holding its numbers (or the word for withheld) and its data table;
    tables have captions, header cells with a scope and no empty header cell, and, where
    columns have two header rows, data cells naming their headers; heading levels never
    skip; figures and tables are numbered 1..N in reading order, the same in HTML and Word;
    the PDF is tagged, has a language, bookmarks, the document title shown, XMP metadata
    declaring PDF/UA, one described Figure per chart, tables tagged with header cells, no
    image drawn outside the tag tree, and no table row left alone on a page; every Word
    drawing has a description and every Word table a header row. With axe-core installed
    (``npm ci`` in ``tests/a11y``, which ``make env`` runs) the HTML is also checked by axe
    in Chromium at WCAG 2.1 A/AA, plus the best-practice rules ``empty-table-header`` and
    ``heading-order``. The counts behind each finding are printed too, so a before/after
    comparison is one command per folder.

    A report checked may come from anyone, so axe-core's browser sees only the report, as the
    PDF printer does: the page is served from an address that resolves nowhere, under a
    policy that runs none of its scripts and loads nothing, every other request is refused,
    and axe-core runs in an isolated world beside the page. A page that tries to leave is not
    checked, and says so.

Inputs
    A report folder (``outputs/MDA``, ``outputs/MDA/ro``): ``report.html``, ``report.pdf``,
    ``report.docx`` (whichever are present). On the command line a report folder also
    brings the report's other languages (``outputs/MDA/ro/`` with ``outputs/MDA``), and an
    output folder (``outputs``) every report in it (:func:`report_folders`); the report's language from the HTML's ``lang`` (the word for
    withheld and the caption templates come from its catalogue); axe-core's ``axe.min.js``
    (``PERSPECTIVES_AXE``, else ``tests/a11y/node_modules/axe-core``) and Chromium for axe.

Outputs
    :class:`ReportCheck` (counts and findings per format); ``perspectives check-report
    FOLDER [...] [--no-axe] [--json]`` prints them and exits 1 when there is a finding, 2 on
    a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perspectives.project import Project
from perspectives.reportcheck_axe import AXE_BEST_PRACTICE, AXE_TAGS, axe_script, run_axe
from perspectives.reportcheck_findings import Finding, numbers_in_order, short_numbers
from perspectives.reportcheck_markup import check_docx, check_html
from perspectives.reportcheck_pdf import check_pdf

# The check-report tool's public API; the checks of each format live in reportcheck_markup
# (HTML, Word), reportcheck_pdf and reportcheck_axe, the finding in reportcheck_findings.
__all__ = [
    "AXE_BEST_PRACTICE",
    "AXE_TAGS",
    "Finding",
    "ReportCheck",
    "axe_script",
    "check_docx",
    "check_html",
    "check_pdf",
    "check_report",
    "check_reports",
    "main",
    "numbers_in_order",
    "run_axe",
]


@dataclass
class ReportCheck:
    """The counts measured in one report folder and the findings."""

    folder: str
    counts: dict[str, dict[str, Any]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the check found nothing."""
        return not self.findings

    def to_json(self) -> dict[str, Any]:
        """The counts and findings as plain data (``--json``)."""
        return {"folder": self.folder, "counts": self.counts, "findings": [vars(f) for f in self.findings]}


# --------------------------------------------------------------------------- a report


def check_reports(folders: Sequence[Path], axe: bool = True, project: Project | None = None) -> list[ReportCheck]:
    """Check several report folders, axe-core running in one browser for all of them.

    Args:
        folders: report folders (see :func:`check_report`).
        axe: run axe-core as well (a finding says so when it cannot run).
        project: the study folder that built them (see :func:`check_html`).

    Returns:
        One :class:`ReportCheck` per folder, in order.
    """
    pages = [Path(f) / "report.html" for f in folders if (Path(f) / "report.html").is_file()]
    violations: dict[str, list[dict[str, Any]] | str] | str | None = None
    if axe and pages:
        try:
            violations = run_axe(pages)
        except RuntimeError as exc:
            violations = str(exc)
    return [check_report(folder, axe=axe, violations=violations, project=project) for folder in folders]


def _with_languages(folder: Path) -> list[Path]:
    """A report folder holding ``report.html``, and its languages' folders below it that hold one."""
    own = [folder] if (folder / "report.html").is_file() else []
    return own + [sub for sub in sorted(folder.iterdir()) if sub.is_dir() and (sub / "report.html").is_file()]


def report_folders(folder: Path) -> list[Path]:
    """The report folders a folder given on the command line stands for.

    A report folder and the folders of its other languages below it (``MDA/``, ``MDA/ro/``);
    an output folder: every report folder in it, in every language. A folder holding none
    stands for itself, so that the missing report is a finding.
    """
    folder = Path(folder)
    if (folder / "report.html").is_file() or (folder / "sections").is_dir():  # a report's folder
        found = _with_languages(folder)
    else:  # an output folder (or a report's folder holding only its other languages)
        found = [f for child in sorted(folder.iterdir()) if child.is_dir() for f in _with_languages(child)]
    return found or [folder]


def _label(folder: Path) -> str:
    """A report folder's name in messages: ``MDA``, or ``MDA/ro`` for a language's folder."""
    parent = folder.parent
    if (parent / "report.html").is_file() or (parent / "sections").is_dir():
        return f"{parent.name}/{folder.name}"
    return folder.name


def check_report(folder: Path, axe: bool = True,
                 violations: dict[str, list[dict[str, Any]] | str] | str | None = None,
                 project: Project | None = None) -> ReportCheck:
    """Check every format of one report folder (see the module's docstring).

    Args:
        folder: a report folder with ``report.html`` and, when built, ``report.pdf`` and
            ``report.docx``.
        axe: run axe-core as well (a finding says so when it cannot run).
        violations: axe-core's results already gathered (:func:`run_axe`, keyed by the HTML
            path), or the reason it could not run; None runs it here.
        project: the study folder that built it (see :func:`check_html`).

    Returns:
        The :class:`ReportCheck`; a missing ``report.html`` is a finding.
    """
    folder = Path(folder)
    result = ReportCheck(_label(folder))
    html_path, pdf_path, docx_path = (folder / f"report.{ext}" for ext in ("html", "pdf", "docx"))
    if not html_path.is_file():
        result.findings.append(Finding("html", "missing", f"no report.html in {result.folder}"))
        return result
    counts, findings, tr = check_html(html_path, project)
    # The PDF tags every image as a Figure with its /Alt: the charts and the cover's logo.
    result.counts["html"], charts = counts, counts["img"] + counts.get("logos", 0)
    result.findings += findings
    if pdf_path.is_file():
        try:
            result.counts["pdf"], found = check_pdf(pdf_path, charts)
        except Exception as exc:  # noqa: BLE001 - a damaged file is a finding, whatever the reader raises
            found = [_unreadable("pdf", pdf_path, exc)]
        result.findings += found
    if docx_path.is_file():
        try:
            _within_limits(docx_path)
            counts_docx, found, figures = check_docx(docx_path, tr)
        except Exception as exc:  # noqa: BLE001 - as for the PDF
            result.findings.append(_unreadable("docx", docx_path, exc))
        else:
            result.counts["docx"] = counts_docx
            result.findings += found
            if figures != result.counts["html"]["figure_numbers"]:
                result.findings.append(Finding("numbering", "formats",
                                               "the Word figure numbers differ from the HTML's"))
    if axe:
        if violations is None:
            try:
                violations = run_axe([html_path])
            except RuntimeError as exc:
                violations = str(exc)
        found = violations if isinstance(violations, str) else violations[str(html_path)]
        if isinstance(found, str):  # axe-core could not run, or not on this page: why
            result.findings.append(Finding("axe", "not-run", found))
        else:
            result.counts["axe"] = {v["id"]: v["nodes"] for v in found}
            for v in found:
                result.findings.append(Finding("axe", v["id"], f"{v['help']} ({v['nodes']} elements, {v['impact']})"))
    return result


# What a Word report may unpack to before it is read: a report holds a few megabytes; a part
# packed a thousand times tighter would be read whole into memory by python-docx.
MAX_DOCX_UNPACKED = 256 << 20


def _within_limits(path: Path) -> None:
    """Unpack every part of a Word file through a counter, a megabyte at a time, keeping nothing.

    Raises:
        ValueError: the parts unpack to more than :data:`MAX_DOCX_UNPACKED`, or list more
            than :data:`perspectives.rawtable_archives.MAX_ZIP_DIRECTORY` of parts.
    """
    import zipfile

    from perspectives.rawtable_archives import MAX_ZIP_DIRECTORY, zip_directory_bytes

    with open(path, "rb") as handle:
        directory = zip_directory_bytes(handle)
        if directory is not None and directory > MAX_ZIP_DIRECTORY:
            raise ValueError(f"its list of parts takes more than {MAX_ZIP_DIRECTORY >> 20} MB")
        total = 0
        with zipfile.ZipFile(handle) as archive:
            for info in archive.infolist():
                with archive.open(info) as part:
                    while chunk := part.read(1 << 20):
                        total += len(chunk)
                        if total > MAX_DOCX_UNPACKED:
                            raise ValueError(f"it unpacks to more than {MAX_DOCX_UNPACKED >> 20} MB")


def _unreadable(fmt: str, path: Path, exc: Exception) -> Finding:
    """The finding for a report file that cannot be read (damaged, cut short, hostile)."""
    why = str(exc).replace(str(path), path.name).splitlines()[0][:200] if str(exc) else ""
    return Finding(fmt, "unreadable", f"{path.name} could not be read ({type(exc).__name__}: {why})")


def _print(result: ReportCheck, out: Any) -> None:
    print(f"{result.folder}:", file=out)
    for fmt, counts in result.counts.items():
        shown = ", ".join(f"{k}={short_numbers(v) if isinstance(v, list) else v}" for k, v in counts.items())
        print(f"  {fmt}: {shown or 'no violations'}", file=out)
    if result.ok:
        print("  no findings", file=out)
    for finding in result.findings:
        print(f"  FINDING {finding}", file=out)


def main(argv: list[str] | None = None, project: Project | None = None) -> int:
    """``perspectives check-report FOLDER [...] [--no-axe] [--json]``; exit 1 on any finding.

    ``project``: the study folder that built the reports (default: the one around the working directory).
    """
    parser = argparse.ArgumentParser(prog="perspectives check-report",
                                     description="Check that a built report is accessible (HTML, PDF, Word).")
    parser.add_argument("folders", nargs="+", type=Path, metavar="FOLDER",
                        help="report folder, e.g. outputs/MDA (its other languages too, outputs/MDA/ro), or an "
                             "output folder (every report in it)")
    parser.add_argument("--no-axe", action="store_true", help="skip axe-core (HTML checked by the other rules only)")
    parser.add_argument("--json", action="store_true", help="print the counts and findings as JSON")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    missing = [f for f in args.folders if not f.is_dir()]
    if missing:
        print(f"perspectives check-report: not a folder: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    folders = list(dict.fromkeys(f for given in args.folders for f in report_folders(given)))
    results = check_reports(folders, axe=not args.no_axe, project=project)
    if args.json:
        json.dump([r.to_json() for r in results], sys.stdout, indent=1, ensure_ascii=False)
        print()
    else:
        for result in results:
            _print(result, sys.stdout)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
