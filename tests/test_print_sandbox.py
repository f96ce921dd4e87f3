"""Printing sees only the report: no script, no network, no local file; a page that does not
print fails at once, naming the cause.

The pages are raw HTML given to :class:`perspectives.pdf.Printer` (the assembler's escaping is
tested elsewhere): each holds what a partner's text could smuggle into a report. What the
PDF shows is read back with pikepdf (``pdf_text``), and a local HTTP server counts every
connection the browser opens. A page that does not print is played by a stand-in browser
(``fixtures/stand_in_browser.py``) speaking the DevTools protocol, since Chromium, locked
down as the printer runs it, no longer lets a page open a dialog, crash or leave.
"""

from __future__ import annotations

import http.server
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pdf_text import pdf_text, squeezed

from perspectives import pdf

FIXTURES = Path(__file__).resolve().parent / "fixtures"
chromium = pytest.mark.skipif(pdf.find_chromium() is None, reason="chromium is not installed (make pdf-tools)")


class _Counted(http.server.ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 that records every connection and request it gets."""

    daemon_threads = True

    def __init__(self) -> None:
        self.connections: list[tuple[str, int]] = []
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the standard library's name
                server.requests.append(self.path)
                body = b"h1 { color: red } /* fetched */"
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    def verify_request(self, request: object, client_address: tuple[str, int]) -> bool:  # type: ignore[override]
        self.connections.append(client_address)
        return True


@pytest.fixture()
def server() -> Iterator[_Counted]:
    httpd = _Counted()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def printer() -> Iterator[pdf.Printer]:
    if pdf.find_chromium() is None:
        pytest.skip("chromium is not installed (make pdf-tools)")
    # A dialog used to hold the page's load until the print timed out: 30 s is a bound
    # for the test, not a goal.
    with pdf.Printer(timeout=30) as shared:
        yield shared


def _print(printer: pdf.Printer, folder: Path, body: str, head: str = "") -> str:
    """Print a page to PDF and return its text without white space."""
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "report.html"
    page.write_text(f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hostile</title>{head}'
                    f"</head><body><h1>Report</h1><p>Own words of the report.</p>{body}</body></html>",
                    encoding="utf-8")
    written = printer.print_pdf(page)
    text = squeezed(pdf_text(written))
    assert "Ownwordsofthereport." in text  # the page itself printed, not an error page
    return text


@chromium
def test_a_script_in_the_report_does_not_run(printer: pdf.Printer, tmp_path: Path) -> None:
    text = _print(printer, tmp_path, """
        <p id="target">Before.</p>
        <script>document.getElementById("target").textContent = "Scriptwrotethis";
                document.body.insertAdjacentHTML("beforeend", "<p>Scriptaddedthis</p>");</script>
        <img src="data:image/png;base64,iVBORw0KGgo=" alt="" onerror="document.title='x';
             document.body.insertAdjacentHTML('beforeend', '<p>Handlerranthis</p>')">
        <svg><script>document.body.append("Svg" + "scriptranthis")</script></svg>""")
    assert "Before." in text
    for effect in ("Scriptwrotethis", "Scriptaddedthis", "Handlerranthis", "Svgscriptranthis"):
        assert effect not in text


@chromium
def test_a_dialog_in_the_report_neither_opens_nor_holds_the_print(printer: pdf.Printer, tmp_path: Path) -> None:
    text = _print(printer, tmp_path, '<script>alert("Dialogtext"); document.write("Afterdialog");</script>'
                                     '<p>Last paragraph.</p>')
    assert "Lastparagraph." in text and "Afterdialog" not in text and "Dialogtext" not in text


@chromium
def test_the_report_reads_no_local_file(printer: pdf.Printer, tmp_path: Path) -> None:
    beside = tmp_path / "secret.txt"
    beside.write_text("Besidethereportsecret", encoding="utf-8")
    hostname = Path("/etc/hostname").read_text(encoding="utf-8").strip() if Path("/etc/hostname").is_file() else ""
    text = _print(printer, tmp_path, f"""
        <img src="file:///etc/hostname" alt="">
        <iframe src="file:///etc/passwd"></iframe>
        <object data="file:///etc/passwd" type="text/plain"></object>
        <embed src="file:///etc/passwd" type="text/plain">
        <iframe src="secret.txt"></iframe>
        <iframe src="{beside.as_uri()}"></iframe>
        <link rel="stylesheet" href="{beside.as_uri()}">""")
    assert "root:x:0:0" not in text and "/bin/" not in text
    assert "Besidethereportsecret" not in text
    if len(hostname) >= 4:
        assert hostname not in text
    raw = (tmp_path / "report.pdf").read_bytes()
    assert str(tmp_path).encode() not in raw and b"file:" not in raw  # not even the report's own path


@chromium
def test_the_report_reaches_no_network(printer: pdf.Printer, tmp_path: Path, server: _Counted) -> None:
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    head = f"""
        <link rel="stylesheet" href="{origin}/style.css">
        <link rel="preconnect" href="{origin}/">
        <link rel="dns-prefetch" href="{origin}/">
        <link rel="prefetch" href="{origin}/prefetch">
        <link rel="preload" as="image" href="{origin}/preload.png">
        <link rel="icon" href="{origin}/favicon.ico">
        <meta http-equiv="refresh" content="0;url={origin}/refresh">
        <style>@import url("{origin}/import.css");
               @font-face {{ font-family: Remote; src: url("{origin}/font.woff2"); }}
               body {{ background: url("{origin}/background.png"); font-family: Remote, serif; }}</style>"""
    text = _print(printer, tmp_path, f"""
        <img src="{origin}/image.png" alt="" srcset="{origin}/image2x.png 2x">
        <picture><source srcset="{origin}/source.png"><img src="{origin}/picture.png" alt=""></picture>
        <iframe src="{origin}/frame"></iframe>
        <video poster="{origin}/poster.png" src="{origin}/video.mp4"></video>
        <audio src="{origin}/audio.mp3" autoplay></audio>
        <object data="{origin}/object"></object>
        <svg><image href="{origin}/svg-image.png" width="10" height="10"/></svg>
        <p>Still here.</p>""", head=head)
    assert "Stillhere." in text
    assert server.requests == []
    assert server.connections == []  # not even a connection (a preconnect opens one)


# --------------------------------------------------------------------------- a page that does not print


def _stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str) -> Path:
    """Make the stand-in browser the printer's Chromium, in ``mode``; the file it logs commands to."""
    browser = tmp_path / "stand-in-chromium"
    browser.write_text(f"#!/bin/sh\nexec '{sys.executable}' '{FIXTURES / 'stand_in_browser.py'}' \"$@\"\n",
                       encoding="utf-8")
    browser.chmod(0o755)
    log = tmp_path / "commands.log"
    monkeypatch.setenv("PERSPECTIVES_CHROMIUM", str(browser))
    monkeypatch.setenv("STAND_IN_BROWSER", mode)
    monkeypatch.setenv("STAND_IN_LOG", str(log))
    return log


@pytest.mark.parametrize(("mode", "cause", "answered"), [
    ("dialog", "the page opened a dialog (alert)", "Page.handleJavaScriptDialog"),
    ("crash", "the browser's page process crashed", "Target.closeTarget"),
    ("leave", "the page tried to leave the report for http://elsewhere.invalid", "Fetch.failRequest"),
    ("exit", "Chromium stopped", None),
])
def test_a_page_that_does_not_print_fails_at_once_naming_the_cause(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str, cause: str, answered: str | None) -> None:
    log = _stand_in(tmp_path, monkeypatch, mode)
    page = tmp_path / "report.html"
    page.write_text("<!doctype html><title>t</title><p>Text.</p>", encoding="utf-8")
    # A generous timeout: each of these must fail on its event, long before it.
    with pdf.Printer(timeout=600) as printer:
        with pytest.raises(pdf.PrintError) as raised:
            printer.print_pdf(page)
        # The printer answers the page from a thread of its own: give the answer time to arrive.
        for _ in range(100):
            if answered is None or answered in log.read_text(encoding="utf-8").split():
                break
            time.sleep(0.1)
    message = str(raised.value)
    assert message.startswith(cause)
    assert "\n" not in message and "who=1" not in message  # one sentence; no URL's path or query
    assert not (tmp_path / "report.pdf").exists()
    commands = log.read_text(encoding="utf-8").split()
    # The page was navigated to under the printer's rules (scripts off, every request answered).
    assert commands.index("Emulation.setScriptExecutionDisabled") < commands.index("Page.navigate")
    assert commands.index("Fetch.enable") < commands.index("Page.navigate")
    if answered is not None:
        assert answered in commands


def test_a_page_that_never_loads_fails_when_its_time_is_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = _stand_in(tmp_path, monkeypatch, "hang")
    page = tmp_path / "report.html"
    page.write_text("<!doctype html><title>t</title><p>Text.</p>", encoding="utf-8")
    with pdf.Printer(timeout=1) as printer:
        with pytest.raises(pdf.PrintError, match=r"^the page did not print within 1 s"):
            printer.print_pdf(page)
        assert "Target.closeTarget" in log.read_text(encoding="utf-8").split()  # its tab is closed


def test_write_pdf_removes_the_pdf_of_an_earlier_html_when_a_page_does_not_print(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _stand_in(tmp_path, monkeypatch, "dialog")
    page = tmp_path / "report.html"
    page.write_text("<!doctype html><title>t</title><p>Text.</p>", encoding="utf-8")
    (tmp_path / "report.pdf").write_bytes(b"%PDF- the print of an earlier report.html")
    with pdf.Printer(timeout=600) as printer, pytest.raises(pdf.PrintError, match="dialog"):
        pdf.write_pdf("XYZ", page, printer)
    assert not (tmp_path / "report.pdf").exists()
