"""``perspectives app``, the partners' report page, end to end: in Chromium and over plain HTTP.

The page runs as a partner starts it (``perspectives app``, here on a free port, without
opening a browser, with a small upload limit) with its own temporary folder, so that what
it keeps and removes can be looked at. Playwright drives Debian's Chromium (never a
download), as in ``test_jupyterlab.py``.

* A Moldova-only export (the embedded synthetic export's MDA rows, written as XLSX) is
  dropped, checked, built in Romanian, followed and downloaded; while it builds, a second
  build is refused, on the page and over HTTP.
* A refused partner export shows its message; text from a file is shown as text.
* Refusals: another Host (DNS rebinding), a POST from another origin or without the CSRF
  token, an upload over the limit (declared, streamed, and in the browser before sending),
  without the process holding it in memory.
* "Finish and remove my data" deletes the partner's folder; stopping the program deletes
  everything, a build in progress included.
* axe-core finds nothing on the page in its states.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pikepdf
import pytest

from perspectives import pdf, reportcheck_axe
from perspectives.appwork import parse_progress
from perspectives.appwork_uploads import UploadReceiver, UploadRefused, clean_name, upload_limit
from perspectives.escape import html_text
from perspectives.qualitative import load_codebook
from perspectives.study import load_study, repo_root

sys.path.insert(0, str(Path(__file__).parent))
import refiqda_tools as rt  # noqa: E402 - the tests' own helper, beside this file

ROOT = repo_root()
CHROMIUM = pdf.find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make pdf-tools)")
BROWSER_FLAGS = list(reportcheck_axe.BROWSER_FLAGS)
PERSPECTIVES = str(Path(sys.executable).with_name("perspectives"))
EXPORTS = ROOT / "tests" / "fixtures" / "partner_exports"
LIMIT_MB = 24
BUSY = "A report is being built"


# --------------------------------------------------------------------------- the program


@dataclass
class Server:
    """A running ``perspectives app`` and the temporary folder it was given."""

    proc: subprocess.Popen[bytes]
    url: str
    tmp: Path
    log: Path
    port: int = field(init=False)

    def __post_init__(self) -> None:
        self.port = int(re.search(r":(\d+)/", self.url).group(1))

    def workspaces(self) -> list[Path]:
        """The partners' folders the program holds now."""
        return sorted(self.tmp.glob("perspectives-app-*/w*"))

    def uploads(self, name: str) -> list[Path]:
        """Where a file of this name is kept, in any partner's folder."""
        return sorted(self.tmp.glob(f"perspectives-app-*/w*/uploads/*/{name}"))


def start_app(tmp: Path, *options: str) -> Server:
    """``perspectives app`` on a free port with ``tmp`` as its temporary folder."""
    tmp.mkdir(parents=True, exist_ok=True)
    log = tmp.parent / f"{tmp.name}.log"
    proc = subprocess.Popen([PERSPECTIVES, "app", "--port", "0", "--no-browser", *options],
                            env=dict(os.environ, TMPDIR=str(tmp)), stdout=subprocess.DEVNULL,
                            stderr=open(log, "w"))  # noqa: SIM115 - the program writes to it until it ends
    deadline = time.time() + 60
    while time.time() < deadline:
        found = re.search(r"http://127\.0\.0\.1:\d+/", log.read_text())
        if found:
            return Server(proc, found.group(0), tmp, log)
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    pytest.fail("perspectives app did not start:\n" + log.read_text()[-2000:])


def stop_app(server: Server) -> int:
    """Stop it as a terminal's window closing does (SIGTERM); its exit code."""
    server.proc.send_signal(signal.SIGTERM)
    try:
        return server.proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        raise


@contextlib.contextmanager
def app_running(tmp: Path, *options: str) -> Iterator[Server]:
    """The program, stopped at the end whatever happened (a test may stop it itself first)."""
    running = start_app(tmp, *options)
    try:
        yield running
    finally:
        if running.proc.poll() is None:
            stop_app(running)


@contextlib.contextmanager
def short_folder() -> Iterator[Path]:
    """A temporary folder with a short path, as /tmp is: the program then keeps its folder there
    (under a long one it would move to /tmp, where Chromium's socket path fits)."""
    folder = Path(tempfile.mkdtemp(prefix="pa", dir="/tmp"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    with short_folder() as folder:
        yield folder


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with short_folder() as folder, app_running(folder / "tmp", "--upload-limit-mb", str(LIMIT_MB)) as running:
        yield running


@pytest.fixture(scope="module")
def mda_xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A partner's one-country export: the embedded export's Moldova rows, as an Excel workbook."""
    frame = pd.read_csv(ROOT / load_study().data["survey"], dtype=str, keep_default_na=False)
    path = tmp_path_factory.mktemp("export") / "moldova.xlsx"
    frame[frame["country"] == "MDA"].to_excel(path, index=False)
    return path


def _mda_conversations() -> tuple[pd.DataFrame, pd.DataFrame]:
    data = ROOT / "data" / "synthetic"
    talks = pd.read_csv(data / "conversations.csv", dtype=str, keep_default_na=False)
    people = pd.read_csv(data / "participants.csv", dtype=str, keep_default_na=False)
    return talks[talks["country"] == "MDA"], people[people["country"] == "MDA"]


@pytest.fixture(scope="module")
def mda_qdpx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Moldova conversations as QualCoder exports them (REFI-QDA), coded with our themes."""
    talks, people = _mda_conversations()
    return rt.write_project(talks, people, rt.codebook_tree(load_codebook()), rt.QUALCODER,
                            tmp_path_factory.mktemp("talks") / "moldova.qdpx")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_FLAGS)
        yield chromium
        chromium.close()


# --------------------------------------------------------------------------- HTTP, by hand


class Client:
    """A partner's session over plain HTTP (cookies kept), with any header we want to send."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.cookies: dict[str, str] = {}

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=120)
        sent = {"Host": f"127.0.0.1:{self.server.port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";")[0]
        text = response.read().decode("utf-8", "replace")
        conn.close()
        return response.status, text

    def token(self) -> str:
        status, page = self.request("GET", "/")
        assert status == 200
        return re.search(r'name="_xsrf" value="([^"]+)"', page).group(1)

    def post(self, path: str, fields: dict[str, str], origin: str | None = "") -> tuple[int, str]:
        body = "&".join(f"{quote(k)}={quote(v)}" for k, v in fields.items()).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if origin is not None:
            headers["Origin"] = origin or self.origin
        return self.request("POST", path, body, headers)

    def upload(self, name: str, data: bytes, token: str | None = None, origin: str | None = "") -> tuple[int, str]:
        token = self.token() if token is None else token
        body, boundary = multipart(name, data)
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        if origin is not None:
            headers["Origin"] = origin or self.origin
        return self.request("POST", f"/upload?_xsrf={quote(token)}", body, headers)


def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    """A form as a browser sends it: one file field."""
    boundary = "----perspectives-test-boundary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), boundary


# --------------------------------------------------------------------------- (1) and (3): a report, built once


def _upload_in_page(page, path: Path) -> None:
    page.set_input_files("#upload-file", str(path))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_selector("#export-heading")


def test_a_one_country_export_is_checked_built_followed_and_downloaded(server, browser, mda_xlsx, mda_qdpx,
                                                                      tmp_path):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(server.url)
    assert page.title().startswith("Drop your file")
    _upload_in_page(page, mda_xlsx)
    check = page.locator("#check").locator("xpath=..")
    assert "This file can be used." in check.inner_text()
    # What was recognised, in the check's own words, and the file's counts (the check's reading: 54 eligible).
    assert "Excel workbook" in check.inner_text()
    assert page.locator("table.counts tbody tr").all_inner_texts() == ["Moldova\t54\t50\t60\t0"]
    # The conversations too, as a coding tool exports them: checked, counted, to be used.
    page.set_input_files("#upload-file", str(mda_qdpx))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_selector("#talks-heading")
    talks = page.locator("#talks-heading").locator("xpath=..").inner_text()
    assert "These conversations can be used" in talks and "Moldova\t10\t48\t40" in talks
    assert "This file can be used." in page.locator("#export-heading").locator("xpath=..").inner_text()
    # Only the country the file holds can be built.
    assert page.locator("#build-country option").all_inner_texts() == ["Moldova"]
    page.select_option("#build-lang", "ro")
    page.get_by_role("button", name="Build the report").click()
    page.wait_for_selector("#progress-text")
    assert page.title().startswith("Building the report")

    # (3) While it builds, a second build is refused cleanly: from a second tab of the same
    # partner, shown on the page; and from another partner's session, over HTTP.
    second = context.new_page()
    second.goto(server.url)
    with second.expect_response(lambda r: r.url.endswith("/build")) as answered:
        second.get_by_role("button", name="Build the report").click()
    assert answered.value.status == 409
    assert BUSY in second.get_by_role("alert").inner_text()
    other = Client(server)
    assert other.upload("moldova.xlsx", mda_xlsx.read_bytes())[0] == 303
    status, text = other.post("/build", {"_xsrf": other.token(), "country": "MDA", "lang": "en"})
    assert status == 409 and BUSY in text
    second.close()

    # The page follows the build by itself: runs done out of the total, then the downloads.
    seen: list[str] = []
    deadline = time.time() + 600
    while time.time() < deadline:
        with contextlib.suppress(Exception):  # the page reloads itself when the build ends
            seen.append(page.locator("#progress-text").inner_text(timeout=1000))
            if page.locator("#progress").get_attribute("data-state", timeout=1000) in ("done", "failed", "stopped"):
                break
        page.wait_for_timeout(250)
    assert page.locator("#progress").get_attribute("data-state") == "done", page.locator("#progress").inner_text()
    assert page.locator(".downloads a").count() == 2
    assert any(re.fullmatch(r"\d of 8 parts of the report done…", text) for text in seen), seen
    assert page.locator("#progress-text").inner_text() == "The report is ready to download."
    assert page.title().startswith("Report ready")
    assert "Moldova, in Romanian, built from moldova.xlsx" in page.locator(".downloads").inner_text()

    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="PDF").click()
    with page.expect_download() as word_download:
        page.get_by_role("link", name="Word").click()
    pdf_path, word_path = tmp_path / "report.pdf", tmp_path / "report.docx"
    pdf_download.value.save_as(pdf_path)
    word_download.value.save_as(word_path)
    assert pdf_download.value.suggested_filename == "MDA-ro-report.pdf"
    assert pdf_path.read_bytes()[:5] == b"%PDF-"
    with pikepdf.open(pdf_path) as document:
        assert str(document.Root.Lang) == "ro-MD" and len(document.pages) > 10  # the whole report, in Moldova's Romanian
    with zipfile.ZipFile(word_path) as word:
        body = word.read("word/document.xml").decode("utf-8")
    assert "Cuprins" in body and "Moldova" in body  # Romanian "Contents"

    # A download names a report of the partner's own workspace by its number, never a path:
    # another session gets nothing, and an address that climbs out is no download at all.
    stranger = Client(server)
    for address in ("/download/0/pdf", "/download/0/../../app.js", "/download/0/pdf/..%2f..%2fapp.pid",
                    "/download/1/pdf", "/download/-1/pdf", "/download/0/html"):
        assert stranger.request("GET", address)[0] == 404, address

    _axe(browser, context, server.url + "#downloads")
    context.close()


# --------------------------------------------------------------------------- (2) a refused file


def test_a_refused_export_shows_its_message_and_no_build(server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url)
    _upload_in_page(page, EXPORTS / "duplicate-column.csv")
    result = page.locator("section.result")
    assert "This file cannot be used yet." in result.inner_text()
    problem = page.locator("ol.problems li").inner_text()
    assert "the column 'gender' appears 2 times, in columns I and J" in problem
    assert "How to fix it: keep one column per question" in problem
    assert "What is your gender?" in problem  # the question by its label
    assert page.title().startswith("File checked: it cannot be used yet")
    # The keyboard and a screen reader continue from the check's heading, where the page was sent.
    assert page.evaluate("document.activeElement.id") == "check"
    assert page.get_by_role("button", name="Build the report").count() == 0
    _axe(browser, context, server.url + "#check")
    context.close()


def test_refused_conversations_show_their_message_and_can_be_removed(server, tmp_path):
    talks, people = _mda_conversations()
    first = people["participant_id"].iloc[0]
    project = rt.write_project(talks, people, rt.codebook_tree(load_codebook()), rt.QUALCODER,
                               tmp_path / "notes.qdpx", drop_variable_values=[(first, "country")])
    client = Client(server)
    assert client.upload("notes.qdpx", project.read_bytes())[0] == 303
    page = client.request("GET", "/")[1]
    assert "These conversations cannot be used yet." in page
    assert first in page and "country" in page  # the case, and what it lacks
    kept = server.uploads("notes.qdpx")
    assert len(kept) == 1
    assert client.post("/remove-conversations", {"_xsrf": client.token()})[0] == 303
    assert "talks-heading" not in client.request("GET", "/")[1] and not kept[0].exists()


def test_text_from_the_file_is_shown_as_text(server, browser, tmp_path):
    frame = pd.read_csv(ROOT / load_study().data["survey"], dtype=str, keep_default_na=False)
    rows = frame[frame["country"] == "MDA"].copy()
    rows.loc[rows.index[0], "gender"] = '<b id="injected">x</b>'
    rows['<img src=x id="injected2" onerror="document.title=1">'] = "<script>document.title=2</script>"
    path = tmp_path / "odd.csv"
    rows.to_csv(path, index=False)
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url)
    _upload_in_page(page, path)
    text = page.locator("section.result").inner_text()
    assert '<b id="injected">x</b>' in text
    assert '<img src=x id="injected2" onerror="document.title=1">' in text
    assert page.locator("#injected, #injected2").count() == 0
    assert page.title().startswith("File checked")
    # A name that would be markup or a path is kept as a plain name.
    page.set_input_files("#upload-file", files=[{"name": '<i id="n">..\\na\u202eme.csv', "mimeType": "text/csv",
                                                 "buffer": path.read_bytes()}])
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_selector("#export-heading")
    shown = page.locator("#export-heading").inner_text()
    assert re.fullmatch(r"Survey export: [\w .()\[\],+-]*na_me\.csv", shown), shown
    assert page.locator("#n").count() == 0
    context.close()


def test_the_page_speaks_the_partners_language(server, mda_xlsx):
    client = Client(server)
    assert client.upload("moldova.xlsx", mda_xlsx.read_bytes())[0] == 303
    status, page = client.request("GET", "/?lang=ro")
    assert status == 200 and '<html lang="ro">' in page
    # A word the Romanian catalogue holds, on the page and on every page after (a cookie).
    assert "<h4>Răspunsuri</h4>" in page and "<h4>Responses</h4>" not in page
    assert '<html lang="ro">' in client.request("GET", "/")[1]
    assert '<html lang="ro">' in client.request("GET", "/?lang=xx")[1]  # not a language of the study: kept
    assert '<html lang="en">' in client.request("GET", "/?lang=en")[1]


# --------------------------------------------------------------------------- (4) Host and CSRF


def test_another_host_is_refused_before_anything(server):
    client = Client(server)
    for host in (f"evil.example:{server.port}", f"127.0.0.1.evil.example:{server.port}", "127.0.0.1", ""):
        status, text = client.request("GET", "/", headers={"Host": host})
        assert status == 403, host
        assert "localhost" in text and "<form" not in text
    assert client.request("GET", "/", headers={"Host": f"localhost:{server.port}"})[0] == 200
    # Two Host headers are refused too (Tornado reads the request as malformed: 400).
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest("GET", "/", skip_host=True)
    conn.putheader("Host", f"127.0.0.1:{server.port}")
    conn.putheader("Host", f"evil.example:{server.port}")
    conn.endheaders()
    response = conn.getresponse()
    assert response.status in (400, 403) and b"<form" not in response.read()
    conn.close()


def test_a_post_needs_this_pages_origin_and_token(server):
    client = Client(server)
    assert client.upload("dup.csv", (EXPORTS / "duplicate-column.csv").read_bytes())[0] == 303
    kept = server.uploads("dup.csv")
    token = client.token()
    refused = [
        client.post("/finish", {"_xsrf": token}, origin="http://evil.example"),
        client.post("/finish", {"_xsrf": token}, origin=f"http://localhost:{server.port}.evil.example"),
        client.post("/finish", {"_xsrf": token}, origin=None),  # no Origin at all
        client.post("/finish", {}),  # no token
        client.post("/finish", {"_xsrf": "2|00000000|" + "0" * 32 + "|1"}),  # another token
    ]
    assert [status for status, _ in refused] == [403] * 5
    assert "another page" in refused[0][1] and "out of date" in refused[3][1]
    assert server.uploads("dup.csv") == kept  # nothing was removed
    # An upload from another origin is refused before its body is read: nothing more is kept.
    assert client.upload("elsewhere.csv", b"a,b\n1,2\n", origin="http://evil.example")[0] == 403
    assert client.upload("no-token.csv", b"a,b\n1,2\n", token="")[0] == 403
    assert server.uploads("elsewhere.csv") == server.uploads("no-token.csv") == []
    # The same POST from the page itself is done.
    assert client.post("/finish", {"_xsrf": token})[0] == 303
    assert [p for p in kept if p.exists()] == []


# --------------------------------------------------------------------------- (5) bounded uploads


def _peak_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))


def test_an_upload_over_the_limit_is_refused_without_being_held_in_memory(server):
    client = Client(server)
    token = client.token()
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    boundary = "b0undary"
    head = (f"POST /upload?_xsrf={quote(token)} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Origin: {client.origin}\r\nCookie: {cookie}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n")

    # Declared too large: answered 413 from the headers alone.
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall((head + f"Content-Length: {10 << 30}\r\n\r\n").encode())
        assert sock.recv(4096).startswith(b"HTTP/1.1 413")

    # Streamed without a length (chunked): refused once the file passes the limit, its part
    # removed, and the program's peak memory grows by far less than what it received.
    try:
        Path(f"/proc/{server.proc.pid}/clear_refs").write_text("5")  # reset the peak (Linux)
    except OSError:
        pytest.skip("this kernel does not let a process's peak memory be reset")
    before = _peak_kb(server.proc.pid)
    sent, answer = 0, b""
    chunk = b"x" * (1 << 20)
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall((head + "Transfer-Encoding: chunked\r\n\r\n").encode())
        part = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n').encode()
        sock.sendall(b"%x\r\n%s\r\n" % (len(part), part))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            while sent < 3 * LIMIT_MB << 20:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
        with contextlib.suppress(ConnectionResetError, TimeoutError):
            answer = sock.recv(4096)
    grew = _peak_kb(server.proc.pid) - before
    assert sent >= LIMIT_MB << 20  # the limit was reached before the refusal
    assert answer.startswith(b"HTTP/1.1 413") or answer == b"", answer[:200]
    assert grew < (LIMIT_MB << 10) // 2, f"peak memory grew by {grew} kB for a {LIMIT_MB} MB limit"
    assert server.uploads("big.csv") == []


def test_the_page_refuses_a_file_over_the_limit_before_sending_it(server, browser, tmp_path):
    big = tmp_path / "big-export.csv"
    with big.open("wb") as handle:
        handle.truncate((LIMIT_MB << 20) + 1)  # sparse: no disk used
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.set_input_files("#upload-file", str(big))
    page.get_by_role("button", name="Check the file").click()
    status = page.locator("#upload-status")
    status.wait_for()
    page.wait_for_function("() => document.getElementById('upload-status').textContent.length > 0")
    assert f"larger than the {LIMIT_MB} MB this page accepts" in status.inner_text()
    assert status.get_attribute("role") == "status"
    assert not [url for url in requests if url.endswith("/upload") or "/upload?" in url]
    assert server.uploads("big-export.csv") == []
    context.close()


def test_the_upload_receiver_streams_to_disk_and_stops_at_the_limit(tmp_path):
    body, boundary = multipart("export.csv", b"x" * 5000)
    receiver = UploadReceiver(tmp_path, boundary.encode(), limit=5000)
    for start in range(0, len(body), 7):  # any cut of the body, even inside the boundary
        receiver.write(body[start:start + 7])
    upload = receiver.finish()
    assert (upload.name, upload.size, upload.kind) == ("export.csv", 5000, "export")
    assert upload.path.read_bytes() == b"x" * 5000

    folder = tmp_path / "second"
    folder.mkdir()
    body, boundary = multipart("export.csv", b"x" * 5001)
    receiver = UploadReceiver(folder, boundary.encode(), limit=5000)
    with pytest.raises(UploadRefused) as refused:
        receiver.write(body)
    assert refused.value.status == 413 and list(folder.iterdir()) == []

    for name, reason in (("notes.docx", "file_type"), ("../", "no_file")):
        folder = tmp_path / reason
        folder.mkdir()
        body, boundary = multipart(name, b"data")
        with pytest.raises(UploadRefused) as refused:
            UploadReceiver(folder, boundary.encode(), limit=5000).write(body)
        assert refused.value.reason == reason and list(folder.iterdir()) == []


def test_names_and_limits():
    assert clean_name("C:\\Users\\me\\Export (2).xlsx") == "Export (2).xlsx"
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name(".hidden.csv") == "hidden.csv"
    assert clean_name("exp\u202eslx.csv") == "exp_slx.csv"
    assert clean_name("țară—date.csv") == "țară_date.csv"
    assert clean_name("..") == ""
    assert html_text('<a href="x">\u202e') == "&lt;a href=&quot;x&quot;&gt;\ufffd"
    assert parse_progress("perspectives build: 8 runs, 6 to execute, 2 up to date") == (0, 6)
    assert parse_progress("[3/6] MDA knowledge 0.3s (reason: new)") == (3, 6)
    assert parse_progress("run server ready in 4.4s") is None


def test_the_limit_comes_from_the_study(tmp_path):
    text = (ROOT / "params" / "study.yml").read_text(encoding="utf-8")
    assert re.search(r"(?m)^  max_upload_mb: 256\b", text)
    assert upload_limit(load_study()) == 256 << 20  # the study's own setting
    block = re.compile(r"(?m)^limits:\n(  .*\n)+")
    for setting, expected in (("  max_upload_mb: 3\n", 3 << 20), ("  {}\n", 256 << 20)):
        path = tmp_path / f"study-{expected}.yml"
        path.write_text(block.sub("limits:\n" + setting, text), encoding="utf-8")
        assert upload_limit(load_study(path)) == expected
    for bad in ("0", "true", "'256'", "2.5"):
        path = tmp_path / f"bad-{bad.strip(chr(39))}.yml"
        path.write_text(block.sub(f"limits:\n  max_upload_mb: {bad}\n", text), encoding="utf-8")
        with pytest.raises(ValueError, match="limits.max_upload_mb"):
            upload_limit(load_study(path))


# --------------------------------------------------------------------------- (6) finishing, stopping


def test_finish_removes_the_partners_folder(server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url)
    _upload_in_page(page, EXPORTS / "kobo-labels-export.csv")
    kept = server.uploads("kobo-labels-export.csv")
    assert len(kept) == 1 and kept[0].is_file()
    workspace = kept[0].parents[2]
    assert workspace in server.workspaces()
    page.get_by_role("button", name="Finish and remove my data").click()
    page.wait_for_url("**/finished")
    assert page.get_by_role("heading", level=1).inner_text() == "Your data were removed"
    assert not workspace.exists()
    page.goto(server.url)
    assert "Nothing checked yet." in page.content()
    _axe(browser, context, server.url + "finished")
    context.close()


def _processes_under(folder: Path) -> list[int]:
    """Processes whose environment names ``folder`` (the app's children inherit its TMPDIR)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        with contextlib.suppress(OSError):
            if str(folder).encode() in environ.read_bytes():
                found.append(int(environ.parent.name))
    return found


def test_stopping_the_program_removes_everything_even_mid_build(short_tmp, mda_xlsx, mda_qdpx):
    with app_running(short_tmp / "tmp") as running:
        client = Client(running)
        assert client.upload("moldova.xlsx", mda_xlsx.read_bytes())[0] == 303
        # Moldova's conversations too: a partner's survey is never built with the study's own.
        assert client.upload("moldova.qdpx", mda_qdpx.read_bytes())[0] == 303
        assert client.post("/build", {"_xsrf": client.token(), "country": "MDA", "lang": "en"})[0] == 303
        deadline, state = time.time() + 180, {}
        while time.time() < deadline and not state.get("done"):
            state = json.loads(client.request("GET", "/status")[1])
            time.sleep(0.2)
        assert state["state"] == "running" and 1 <= state["done"] < state["total"], state  # runs under way
        assert len(_processes_under(running.tmp)) >= 3  # the app, the build, its run server (and its forks)
        assert stop_app(running) == 0
    deadline = time.time() + 30
    while _processes_under(running.tmp) and time.time() < deadline:
        time.sleep(0.2)
    assert _processes_under(running.tmp) == []
    assert list(running.tmp.iterdir()) == []
    assert "the files dropped on the page were removed" in running.log.read_text()


def test_a_folder_left_by_a_killed_program_is_removed_at_the_next_start(short_tmp):
    leftover = short_tmp / "tmp" / "perspectives-app-old"
    (leftover / "x" / "workspace").mkdir(parents=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (leftover / "app.pid").write_text(str(dead.pid))
    alive = short_tmp / "tmp" / "perspectives-app-alive"
    alive.mkdir()
    (alive / "app.pid").write_text(str(os.getpid()))
    with app_running(short_tmp / "tmp"):
        assert not leftover.exists() and alive.exists()


# --------------------------------------------------------------------------- accessibility


def _axe(browser, context, url: str) -> None:
    """axe-core on the page as this partner sees it (WCAG 2.1 A/AA and the report checks' extras)."""
    script = reportcheck_axe.axe_script()
    if script is None:
        pytest.fail("axe-core is not installed: run `make env` (npm ci in tests/a11y)")
    # The page's policy runs only its own script: axe is added past it, as a tool, in a tab
    # of its own that shares the partner's session.
    checker = browser.new_context(bypass_csp=True, storage_state=context.storage_state())
    page = checker.new_page()
    page.goto(url)
    page.add_script_tag(content=script.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async ([tags, extra]) => {
            const ids = axe.getRules(tags).map(r => r.ruleId).concat(extra);
            const out = await axe.run(document, {runOnly: {type: 'rule', values: ids}, resultTypes: ['violations']});
            return out.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.html)}));
        }""", [list(reportcheck_axe.AXE_TAGS), list(reportcheck_axe.AXE_BEST_PRACTICE)])
    checker.close()
    assert found == [], found


def test_the_empty_page_passes_axe(server, browser):
    context = browser.new_context()
    _axe(browser, context, server.url)
    context.close()
