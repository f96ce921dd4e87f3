"""Which reports of a build are printed to PDF: the ``PERSPECTIVES_PDF`` setting, read in one place.

Purpose
    Printing is most of the time of assembling a report (two prints each, for the contents'
    pages). A researcher's quick loop skips every PDF; a build that needs only some (a test
    reading one country's PDF and the synthesis's) names those reports, and the others are
    written without a PDF, as with ``0``. A report's stamp records whether its PDF was expected
    (:func:`perspectives.pdf.pdf_expected`), so a later build that wants it prints it.

Inputs
    ``PERSPECTIVES_PDF``: unset or ``1``, every report's PDF; ``0``, none; else report codes
    as ``perspectives build --country`` takes them (ISO3, and the study's own code for the
    synthesis), separated by commas: ``MDA,ALL``.

Outputs
    :func:`pdf_wanted` (is a report, or any report, printed) and :func:`check_pdf_setting`,
    which refuses a code that is no report of the study before a build starts.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

__all__ = ["PDF_ENV", "check_pdf_setting", "pdf_reports", "pdf_wanted"]

PDF_ENV = "PERSPECTIVES_PDF"
# The values that are not a list of reports: every report's PDF, and none.
ALL_PDFS, NO_PDFS = "1", "0"


def pdf_reports() -> frozenset[str] | None:
    """The report codes ``PERSPECTIVES_PDF`` names: None for every report, empty for none."""
    value = os.environ.get(PDF_ENV, ALL_PDFS).strip()
    if value in ("", ALL_PDFS):
        return None
    if value == NO_PDFS:
        return frozenset()
    return frozenset(part.strip().upper() for part in value.split(",") if part.strip())


def pdf_wanted(code: str | None = None) -> bool:
    """Whether report ``code``'s PDF is printed; without a code, whether any report's may be."""
    named = pdf_reports()
    if named is None:
        return True
    return bool(named) if code is None else code.upper() in named


def check_pdf_setting(report_codes: Iterable[str]) -> None:
    """Refuse a ``PERSPECTIVES_PDF`` naming a report the study does not have.

    Args:
        report_codes: every report code of the study (``Study.report_codes``: ISO3 codes and
            the synthesis's code).

    Raises:
        ValueError: a named code is no report of the study; the message names it and the
            values the setting takes.
    """
    named = pdf_reports()
    known = list(report_codes)
    unknown = sorted((named or frozenset()) - {code.upper() for code in known})
    if unknown:
        raise ValueError(f"{PDF_ENV} names {', '.join(unknown)}, which is no report of this study: give "
                         f"{ALL_PDFS} (every report's PDF), {NO_PDFS} (none) or report codes among "
                         f"{', '.join(known)} separated by commas")
