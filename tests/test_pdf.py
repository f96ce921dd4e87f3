"""Tests of perspectives.pdf: one browser prints several reports, reproducibly.

Expected values come from the PDF bytes themselves (signature, page objects, the text we put
in the HTML), not from the code under test. Skipped where Chromium is not installed.
"""

from __future__ import annotations

import os
import warnings
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


def _contents_page(folder: Path, chapters: list[tuple[str, int]]) -> Path:
    """A report-like page: its contents (slots as the report's template writes them), then chapters.

    Each chapter is a heading followed by ``paragraphs`` paragraphs of text, so that the headings
    land on pages the test cannot know before printing: they are read back from the PDF's named
    destinations with pikepdf here, independently of the code under test.
    """
    from perspectives.assemble import TEMPLATES

    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    entries = "".join(f'<li class="h1"><a href="#c{i}"><span class="toc-text">{title}</span>'
                      f'<span class="toc-page" data-page-of="c{i}"></span></a></li>'
                      for i, (title, _) in enumerate(chapters))
    body = "".join(f'<h1 id="c{i}">{title}</h1>' + "<p>Some words of the chapter, again and again.</p>" * paragraphs
                   for i, (title, paragraphs) in enumerate(chapters))
    path = folder / "contents.html"
    path.write_text(f'<!doctype html><html lang="en-GB"><head><title>Contents</title><style>{css}</style></head>'
                    f'<body><div class="page"><header class="cover"><h1>Cover</h1></header>'
                    f'<nav class="toc"><h2>Contents</h2><ol>{entries}</ol></nav><main>{body}</main></div>'
                    "</body></html>", encoding="utf-8")
    return path


def test_the_contents_give_the_page_each_heading_starts_on(tmp_path: Path) -> None:
    import pikepdf
    from pdf_text import pdf_text, squeezed

    chapters = [("Alpha", 3), ("Beta", 70), ("Gamma", 1), ("Delta", 140), ("Epsilon", 2)]
    source = _contents_page(tmp_path, chapters)
    with pdf.Printer() as printer:
        first = printer.print_pdf(source, tmp_path / "first.pdf").read_bytes()
        second = printer.print_pdf(source, tmp_path / "second.pdf").read_bytes()
    assert first == second  # two prints (of two passes each) give the same bytes
    with pikepdf.open(tmp_path / "first.pdf") as document:
        number = {page.objgen: i for i, page in enumerate(document.pages, start=1)}
        where = {str(name).lstrip("/"): number[dest[0].objgen] for name, dest in document.Root.Dests.items()}
        with warnings.catch_warnings():  # the copy is read for its text alone
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            contents = pikepdf.Pdf.new()
            contents.pages.append(document.pages[1])
            contents.save(tmp_path / "contents.pdf")
        links = [str(a.Dest).lstrip("/") for a in document.pages[1].get("/Annots", []) if "/Dest" in a]
    pages = [where[f"c{i}"] for i in range(len(chapters))]
    assert pages[0] == 3 and len(set(pages)) >= 3  # the chapters start on several pages after the contents
    # The contents page reads each title followed by its page, and each entry links to its heading.
    # (The page's own number, at its foot, is drawn first.)
    expected = squeezed("Contents" + "".join(f"{title}{page}" for (title, _), page in zip(chapters, pages, strict=True)))
    assert squeezed(pdf_text(tmp_path / "contents.pdf")) == "2" + expected
    assert links == [f"c{i}" for i in range(len(chapters))]
    # The screen's HTML is left as it was: the numbers are the print's alone.
    assert 'data-page-of="c0"></span>' in source.read_text(encoding="utf-8")


def test_a_page_without_contents_is_printed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _html(tmp_path, "plain", 2)
    with pdf.Printer() as printer:
        calls = []
        original = printer._print_page
        monkeypatch.setattr(printer, "_print_page", lambda *args: calls.append(args) or original(*args))
        printer.print_pdf(source, tmp_path / "plain.pdf")
        assert len(calls) == 1
        contents = _contents_page(tmp_path, [("Alpha", 3), ("Beta", 60)])
        printer.print_pdf(contents, tmp_path / "contents.pdf")
        assert len(calls) == 3  # with contents: printed, then printed again with the pages


def test_a_report_printed_over_its_previous_pdf_is_printed_once_with_the_same_bytes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # One section edited and rebuilt: its headings land where the previous PDF says, so its
    # pages are the first print's guess, and the one print gives the bytes two would.
    contents = _contents_page(tmp_path, [("Alpha", 3), ("Beta", 60)])
    with pdf.Printer() as printer:
        printer.print_pdf(contents, tmp_path / "fresh.pdf")  # printed twice, nothing to guess from
        first = (tmp_path / "fresh.pdf").read_bytes()
        calls = []
        original = printer._print_page
        monkeypatch.setattr(printer, "_print_page", lambda *args: calls.append(args) or original(*args))
        printer.print_pdf(contents, tmp_path / "fresh.pdf")
        assert len(calls) == 1
        assert (tmp_path / "fresh.pdf").read_bytes() == first
        # A previous PDF whose pages are wrong (another report's) costs prints, never bytes.
        (tmp_path / "other.pdf").write_bytes(first)
        (tmp_path / "other").mkdir()
        other = _contents_page(tmp_path / "other", [("Alpha", 40), ("Beta", 2)])
        printer.print_pdf(other, tmp_path / "other.pdf")
        printer.print_pdf(other, tmp_path / "clean.pdf")
        assert (tmp_path / "other.pdf").read_bytes() == (tmp_path / "clean.pdf").read_bytes()


def _chart_page(folder: Path) -> tuple[Path, bytes]:
    """A page with contents and charts (PNGs of several sizes, as the assembler embeds them) and the first PNG."""
    import base64
    import io

    from PIL import Image

    charts = []
    for i, (width, height) in enumerate(((700, 300), (640, 900), (500, 500))):
        # Drawn noise, not one colour: a chart's pixels, which take room in the page.
        image = Image.merge("RGB", [Image.effect_noise((width, height), 40 + 10 * i)] * 3)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", dpi=(110, 110))
        charts.append(buffer.getvalue())
    page = _contents_page(folder, [("Alpha", 3), ("Beta", 30), ("Gamma", 2), ("Delta", 40)])
    figures = "".join(f'<figure class="chart"><img alt="" src="data:image/png;base64,{base64.b64encode(c).decode()}">'
                      "</figure>" for c in charts)
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("<p>", figures + "<p>", 1).replace('<h1 id="c3">', figures + '<h1 id="c3">'),
                    encoding="utf-8")
    return page, charts[0]


def test_a_layout_copy_keeps_each_charts_size_and_blanks_its_pixels(tmp_path: Path) -> None:
    import base64
    import io
    import re

    from PIL import Image

    from perspectives import pdf_contents

    page, chart = _chart_page(tmp_path)
    body = page.read_bytes()
    copy = pdf_contents.layout_copy(body)
    found = re.findall(rb'src="data:image/png;base64,([^"]+)"', copy)
    assert len(found) == 6 and len(copy) < len(body)
    blank = Image.open(io.BytesIO(base64.b64decode(found[0])))
    original = Image.open(io.BytesIO(chart))
    assert blank.size == original.size == (700, 300)
    assert blank.info.get("dpi") == original.info.get("dpi")  # the resolution chunk is kept
    assert blank.convert("RGB").getextrema() == ((0, 0), (0, 0), (0, 0))  # every pixel zero
    # Everything but the pictures is the page's own.
    assert re.sub(rb"base64,[^\"]+", b"", copy) == re.sub(rb"base64,[^\"]+", b"", body)
    # What is not a PNG it can read is left alone.
    odd = b'<img src="data:image/png;base64,bm90IGEgcG5n">'
    assert pdf_contents.layout_copy(odd) == odd


def test_a_page_with_contents_and_no_previous_pdf_is_first_printed_for_its_layout_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A cold build: no previous PDF to guess from. The first print only finds where the
    # headings land: untagged, its charts blank; the PDF is the second print, of the report itself.
    page, _ = _chart_page(tmp_path)
    with pdf.Printer() as printer:
        calls = []
        original = printer._print_page
        monkeypatch.setattr(printer, "_print_page", lambda *args: calls.append(args) or original(*args))
        data = printer.print_pdf(page, tmp_path / "report.pdf").read_bytes()
        assert len(calls) == 2
        (_, first_body, first_options), (_, second_body, *rest) = calls
        assert first_options["generateTaggedPDF"] is False and first_options["generateDocumentOutline"] is False
        assert len(first_body) < len(page.read_bytes())  # the charts blank
        assert rest in ([], [pdf.PRINT_OPTIONS]) and pdf.PRINT_OPTIONS["generateTaggedPDF"] is True
        # The layout print's headings land where the report's own print puts them.
        full = original("report.html", page.read_bytes())
        cheap = original("report.html", first_body, first_options)
        assert pdf.destination_pages(cheap) == pdf.destination_pages(full)
        # The PDF is the one a print over the previous PDF (one pass, guessed right) gives.
        again = printer.print_pdf(page, tmp_path / "report.pdf").read_bytes()
        assert len(calls) == 3 and again == data
    assert b"/StructTreeRoot" in data  # the PDF itself is tagged
