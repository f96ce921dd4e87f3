"""Print an assembled HTML report to PDF with a headless Chromium.

Purpose
    The PDF is the HTML report as a browser prints it (same content, same CSS print rules),
    so there is one layout to maintain. Chromium is a maintained converter that installs from
    the distribution's package registry on a fresh machine (Debian/Ubuntu:
    ``apt-get install -y chromium``); it prints a report in about a second and a half.
    Where no Chromium is found the PDF is skipped with a note saying how to install it, never
    faked. The date and document id Chromium stamps into every PDF are replaced by fixed
    values of the same length, so the same HTML gives the same bytes.

Inputs
    ``report.html`` (self-contained: CSS and images inline, no network needed); the browser
    from ``PERSPECTIVES_CHROMIUM`` or the first of ``chromium``, ``chromium-browser``,
    ``google-chrome`` on ``PATH``.

Outputs
    ``report.pdf`` beside the HTML (written to a temporary file, then renamed).
    ``python -m perspectives.pdf REPORT.html [...]`` prints the given reports.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["PdfUnavailable", "find_chromium", "html_to_pdf", "main"]

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = "install Chromium (Debian/Ubuntu: apt-get install -y chromium) or set PERSPECTIVES_CHROMIUM"
# Flags that keep a headless print quiet, offline and independent of any user profile.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-extensions", "--no-pdf-header-footer")
FIXED_PDF_DATE = b"D:20210401000000"


class PdfUnavailable(RuntimeError):
    """No PDF converter on this machine (the message says how to get one)."""


def find_chromium() -> str | None:
    """The Chromium executable to print with, or None."""
    explicit = os.environ.get("PERSPECTIVES_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else shutil.which(explicit)
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _normalise(pdf: bytes) -> bytes:
    """Fix the creation/modification dates and the /ID so that equal HTML gives equal bytes.

    Replacements keep every byte length, so the cross-reference offsets stay valid.
    """
    def date(m: re.Match[bytes]) -> bytes:
        value = m.group(2)
        # Keep the time-zone tail as written: only the date and time digits change.
        fixed = FIXED_PDF_DATE + value[len(FIXED_PDF_DATE):] if len(value) >= len(FIXED_PDF_DATE) else value
        return m.group(1) + fixed + m.group(3)

    pdf = re.sub(rb"(/(?:CreationDate|ModDate)\s*\()([^)]*)(\))", date, pdf)
    return re.sub(rb"(/ID\s*\[\s*<)([0-9A-Fa-f]+)(>\s*<)([0-9A-Fa-f]+)(>)",
                  lambda m: m.group(1) + b"0" * len(m.group(2)) + m.group(3) + b"0" * len(m.group(4))
                  + m.group(5), pdf)


def html_to_pdf(html_path: Path, pdf_path: Path | None = None, timeout: int = 120) -> Path:
    """Print ``html_path`` to ``pdf_path`` (default: same name, ``.pdf``); return the PDF's path."""
    html_path = Path(html_path).resolve()
    target = Path(pdf_path) if pdf_path else html_path.with_suffix(".pdf")
    browser = find_chromium()
    if browser is None:
        raise PdfUnavailable(f"no Chromium found; {INSTALL_HINT}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="perspectives-chromium-") as profile:
        tmp_pdf = Path(profile) / "out.pdf"
        command = [browser, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={tmp_pdf}",
                   html_path.as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0 or not tmp_pdf.is_file() or tmp_pdf.stat().st_size == 0:
            last = (done.stderr or "").strip().splitlines()[-1:] or ["no output"]
            raise RuntimeError(f"Chromium could not print {html_path.name} (exit {done.returncode}): {last[0]}")
        data = _normalise(tmp_pdf.read_bytes())
    if not data.startswith(b"%PDF-"):
        raise RuntimeError(f"Chromium wrote something that is not a PDF for {html_path.name}")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    return target


def main(argv: list[str] | None = None) -> int:
    """``python -m perspectives.pdf REPORT.html [...]``: print each report beside itself."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m perspectives.pdf REPORT.html [...]", file=sys.stderr)
        return 2
    for name in args:
        try:
            print(f"wrote {html_to_pdf(Path(name)).name} for {Path(name).parent.name}")
        except PdfUnavailable as exc:
            print(f"PDF skipped: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
