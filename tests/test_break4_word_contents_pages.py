"""The Word file's table of contents carries the PDF's page numbers, not the Word file's.

The contents of ``report.docx`` are written into the file (issue: "the table of contents has
its entries written in the file"), but each entry's page number is the one the PDF printed by
Chromium gives. The Word file lays out on its own: Mexico's English report is 42 pages as PDF
and 32 as Word (LibreOffice 7), and its contents say "Recommendations 32", "Annex 37",
"How this report was built 42" for headings that fall on pages 24, 29 and 32 (Moldova's, in
the suite's study build: 31, 36 and 42 for pages 23, 28 and 31). A reader who opens
the file in LibreOffice, Google Docs, a phone's viewer or Word without accepting the prompt to
update fields sees wrong page numbers (the file sets ``updateFields``, so Word asks first).

The expected pages come from LibreOffice's own rendering of the Word file (``soffice
--convert-to pdf``), read with ``pdftotext``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

HEADINGS = ("Recommendations", "Annex", "How this report was built")


def contents_and_pages(docx: Path, work: Path) -> dict[str, tuple[int, int]]:
    """Heading -> (page the Word file's contents gives, page LibreOffice lays it out on)."""
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(docx)],
                   check=True, capture_output=True, timeout=300)
    pdf = work / (docx.stem + ".pdf")
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                           text=True).stdout.split("\f")
    found: dict[str, tuple[int, int]] = {}
    for heading in HEADINGS:
        listed = next(int(m.group(1)) for page in pages[:3]
                      for m in [re.search(rf"^\s*{re.escape(heading)}[ .]+(\d+)\s*$", page, re.M)] if m)
        laid = next(i + 1 for i, page in enumerate(pages) if i > 2
                    and re.search(rf"^\s*{re.escape(heading)}\s*$", page, re.M))
        found[heading] = (listed, laid)
    return found


@pytest.mark.skipif(not shutil.which("soffice") or not shutil.which("pdftotext"), reason="needs LibreOffice and poppler")
@pytest.mark.xfail(strict=True, reason="the Word file's contents carry the PDF's page numbers")
def test_the_word_contents_give_the_word_files_own_pages(study_build: Path, tmp_path: Path) -> None:
    # Moldova: the study build prints its PDF (a report built without one has no page numbers to copy).
    found = contents_and_pages(study_build / "MDA" / "report.docx", tmp_path)
    wrong = {h: p for h, p in found.items() if p[0] != p[1]}
    assert not wrong, f"heading: (contents says, page it is on) {wrong}"
