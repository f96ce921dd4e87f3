"""The Word file's table of contents gives no page number that disagrees with the Word file's own layout.

The contents of ``report.docx`` are written into the file (issue: "the table of contents has
its entries written in the file"). They used to carry the PDF's page numbers (printed by
Chromium): Mexico's English report is 42 pages as PDF and 32 as Word (LibreOffice 7), and its
contents said "Recommendations 32", "Annex 37", "How this report was built 42" for headings that
fall on pages 24, 29 and 32 (Moldova's, in the suite's study build: 31, 36 and 42 for pages 23,
28 and 31), and the file set ``updateFields``, so Word asked to update fields on opening.

The entries are now the headings' words, each a link to its heading, without a page; a page
shown must be the one the heading is laid out on. The laid-out pages come from LibreOffice's own
rendering of the Word file (``soffice --convert-to pdf``), read with ``pdftotext``. On the old
code this fails (the listed pages are the PDF's).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

HEADINGS = ("Recommendations", "Annex", "How this report was built")


def contents_and_pages(docx: Path, work: Path) -> dict[str, tuple[int | None, int]]:
    """Heading -> (page the Word file's contents gives, None: none; page LibreOffice lays it out on)."""
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(docx)],
                   check=True, capture_output=True, timeout=300)
    pdf = work / (docx.stem + ".pdf")
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                           text=True).stdout.split("\f")
    found: dict[str, tuple[int | None, int]] = {}
    for heading in HEADINGS:
        # The entry must be there (the contents are written in the file), with or without a page.
        entry = next(m for page in pages[:3]
                     for m in [re.search(rf"^\s*{re.escape(heading)}(?:[ .]+(\d+))?\s*$", page, re.M)] if m)
        laid = next(i + 1 for i, page in enumerate(pages) if i > 2
                    and re.search(rf"^\s*{re.escape(heading)}\s*$", page, re.M))
        found[heading] = (int(entry.group(1)) if entry.group(1) else None, laid)
    return found


@pytest.mark.skipif(not shutil.which("soffice") or not shutil.which("pdftotext"), reason="needs LibreOffice and poppler")
def test_the_word_contents_give_no_page_but_the_word_files_own(study_build: Path, tmp_path: Path) -> None:
    # Moldova: the study build prints its PDF (a report built without one had no page numbers to copy).
    docx = study_build / "MDA" / "report.docx"
    found = contents_and_pages(docx, tmp_path)
    wrong = {h: p for h, p in found.items() if p[0] is not None and p[0] != p[1]}
    assert not wrong, f"heading: (contents says, page it is on) {wrong}"
    # Word does not ask to update the fields on opening (a prompt, and then another pagination).
    assert b"updateFields" not in zipfile.ZipFile(docx).read("word/settings.xml")
