"""Tests of perspectives.pdf: one browser prints several reports, reproducibly.

Expected values come from the PDF bytes themselves (signature, page objects, the text we put
in the HTML), not from the code under test. Skipped where Chromium is not installed.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from perspectives import pdf, pdf_bytes

pytestmark = pytest.mark.skipif(pdf.find_chromium() is None, reason="chromium is not installed (make pdf-tools)")


def _html(folder: Path, name: str, pages: int) -> Path:
    body = "".join(f'<section style="break-before: page"><h1>{name} part {i}</h1><p>Text.</p></section>'
                   for i in range(pages))
    path = folder / f"{name}.html"
    path.write_text(f"<!doctype html><html><head><title>{name}</title><style>@page {{ size: A4; }}</style>"
                    f"</head><body>{body}</body></html>", encoding="utf-8")
    return path


def test_one_browser_prints_reports_side_by_side_and_reproducibly(tmp_path: Path) -> None:
    sources = {name: _html(tmp_path, name, pages) for name, pages in (("alpha", 1), ("beta", 3), ("gamma", 2))}
    with pdf.Printer() as printer, ThreadPoolExecutor(3) as pool:
        written = list(pool.map(lambda item: printer.print_pdf(item[1], tmp_path / "a" / f"{item[0]}.pdf"),
                                sources.items()))
        again = printer.print_pdf(sources["beta"], tmp_path / "b" / "beta.pdf")
    assert [p.name for p in written] == ["alpha.pdf", "beta.pdf", "gamma.pdf"]
    for path, pages in zip(written, (1, 3, 2), strict=True):
        data = path.read_bytes()
        assert data.startswith(b"%PDF-")
        assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") == pages
        assert b"/CreationDate (" + pdf_bytes.FIXED_PDF_DATE in data  # the print date is fixed
    assert again.read_bytes() == (tmp_path / "a" / "beta.pdf").read_bytes()
    assert oct(os.stat(again).st_mode & 0o777) == "0o644"
    assert b"/Title (beta)" in again.read_bytes()  # the HTML's title is the document's title


def test_missing_html_is_an_error_and_the_browser_goes_on(tmp_path: Path) -> None:
    with pdf.Printer() as printer:
        with pytest.raises(RuntimeError, match="no such file"):
            printer.print_pdf(tmp_path / "absent.html")
        assert printer.print_pdf(_html(tmp_path, "after", 1)).read_bytes().startswith(b"%PDF-")


def test_a_low_descriptor_is_moved_above_the_browser_slots() -> None:
    # The browser reads fd 3 and writes fd 4: a pipe end sitting at or below 4 is moved up
    # first, or putting one end in place would overwrite the other.
    low = os.dup(0)
    moved = pdf._fd_above(low, low)
    try:
        assert moved > low
        with pytest.raises(OSError):
            os.fstat(low)  # the original descriptor was closed
    finally:
        os.close(moved)
    high = os.dup(0)
    try:
        assert pdf._fd_above(high, 0) == high  # already above: left as it is
    finally:
        os.close(high)


def test_a_warmed_browser_prints_the_same_bytes(tmp_path: Path) -> None:
    source = _html(tmp_path, "delta", 2)
    with pdf.Printer() as cold:
        cold_bytes = cold.print_pdf(source, tmp_path / "cold.pdf").read_bytes()
    with pdf.Printer() as warm:
        warm.warm_up("body { font-family: serif; }")
        warm_bytes = warm.print_pdf(source, tmp_path / "warm.pdf").read_bytes()
    assert warm_bytes == cold_bytes


def test_a_closed_printer_is_not_warmed_back_to_life() -> None:
    printer = pdf.Printer()
    with pytest.raises(RuntimeError, match="not running"):
        printer.warm_up()
    printer.start()
    printer.close()
    with pytest.raises(RuntimeError, match="not running"):
        printer.warm_up()
    assert printer._proc is None


def test_closing_after_the_browser_died_is_quiet(tmp_path: Path) -> None:
    import signal

    printer = pdf.Printer()
    printer.start()
    assert printer._proc is not None
    profile = Path(printer._profile.name)
    os.kill(printer._proc.pid, signal.SIGKILL)
    printer._proc.wait()
    printer.close()  # the reports it printed are written; closing must not fail the build
    assert not profile.exists()


def test_a_long_temporary_folder_still_prints_and_nothing_is_left_in_it(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # Chromium's singleton socket lives two folders below its temporary folder, and a Unix
    # socket's path holds at most 107 bytes: a long TMPDIR once meant no PDF at all.
    long_tmp = tmp_path / ("t" * 60) / ("u" * 40)
    long_tmp.mkdir(parents=True)
    monkeypatch.setenv("TMPDIR", str(long_tmp))
    monkeypatch.setattr(pdf.tempfile, "tempdir", None)  # read TMPDIR again
    source = _html(tmp_path, "long", 1)
    with pdf.Printer() as printer:
        assert printer.print_pdf(source, tmp_path / "long.pdf").read_bytes().startswith(b"%PDF-")
    assert list(long_tmp.iterdir()) == []


def test_the_browsers_own_temporary_files_go_with_the_printer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "t"
    base.mkdir()
    monkeypatch.setenv("TMPDIR", str(base))
    monkeypatch.setattr(pdf.tempfile, "tempdir", None)
    with pdf.Printer() as printer:
        printer.print_pdf(_html(tmp_path, "own", 1), tmp_path / "own.pdf")
    assert list(base.iterdir()) == []  # no org.chromium.Chromium.* folder, no profile
