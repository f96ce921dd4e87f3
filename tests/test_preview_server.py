"""The preview's HTTP server, attacked as a hostile page or a careless user would.

Requests are real HTTP on a real socket (raw bytes where a client library would refuse to
send them). The server serves a temporary folder standing for ``outputs/``, with a secret
beside it that no request may read.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import struct
import threading
import time
from pathlib import Path

import pytest

from perspectives import preview_files, preview_server

SECRET = "not-for-the-browser-4f1c"
PAGE = ('<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        'style-src \'unsafe-inline\'; img-src data:">'
        '<title>R</title><style>p{color:#222}</style></head>'
        '<body><p id="text">report</p></body></html>')


@pytest.fixture
def site(tmp_path: Path):
    """A served folder with a page, a PDF, an SVG, a sub-folder; a secret file beside it."""
    out = tmp_path / "outputs"
    (out / "ALB").mkdir(parents=True)
    (out / "ALB" / "report.html").write_text(PAGE, encoding="utf-8")
    (out / "ALB" / "report.pdf").write_bytes(b"%PDF-1.7\n%%EOF\n")
    (out / "ALB" / "chart.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    (out / "empty").mkdir()
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "secret.txt").write_text(SECRET, encoding="utf-8")
    events = preview_server.Events()
    server = preview_server.make_server(out, events, 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield {"out": out, "tmp": tmp_path, "port": server.server_address[1], "events": events, "server": server}
    events.close()
    server.shutdown()
    server.server_close()


def _request(port: int, raw: bytes, timeout: float = 10) -> tuple[int | None, dict[str, str], bytes]:
    """Send raw bytes, read the answer (its first MB): (status or None, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        data = b""
        while len(data) < 2**20 and (chunk := sock.recv(65536)):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    found = re.match(r"HTTP/1\.[01] (\d{3}) ", lines[0])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return (int(found.group(1)) if found else None), headers, body


def _get(port: int, target: str, host: str = "localhost", timeout: float = 10):
    """GET ``target`` as a browser on this machine asks for it (Host: ``host``:port)."""
    request = f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
    return _request(port, request.encode("latin-1"), timeout)


def _handlers() -> int:
    """Threads of the server handling a connection (socketserver names them after their target)."""
    return sum("process_request_thread" in thread.name for thread in threading.enumerate())


# --------------------------------------------------------------------------- files


@pytest.fixture(params=["walk", "by-path"])
def opener(request, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways of opening a file: the descriptor walk (POSIX) and the by-path fallback."""
    if request.param == "by-path":
        monkeypatch.setattr(preview_files, "_WALK", False)
    return request.param


def test_the_served_files_are_served(site, opener):
    status, headers, body = _get(site["port"], "/ALB/report.html")
    assert status == 200 and b'<p id="text">report</p>' in body
    status, headers, body = _get(site["port"], "/ALB/report.pdf")
    assert status == 200 and body == b"%PDF-1.7\n%%EOF\n" and headers["content-type"] == "application/pdf"


def test_a_link_out_of_outputs_is_not_followed(site, opener):
    out, tmp = site["out"], site["tmp"]
    os.symlink(tmp / "secret.txt", out / "ALB" / "notes.txt")
    os.symlink(tmp / "private", out / "private")
    os.symlink("../../secret.txt", out / "ALB" / "relative.txt")
    for target in ("/ALB/notes.txt", "/private/secret.txt", "/private/", "/ALB/relative.txt"):
        status, _, body = _get(site["port"], target)
        assert status in (403, 404), target
        assert SECRET.encode() not in body, target


def test_a_link_inside_outputs_is_refused_too(site, opener):
    # The build writes no link; following none leaves no window for a swapped-in one.
    os.symlink("report.html", site["out"] / "ALB" / "latest.html")
    assert _get(site["port"], "/ALB/latest.html")[0] == 403


def test_a_folder_is_never_listed(site, opener):
    for target in ("/", "/empty/", "/ALB/"):  # no index.html in any of them
        status, _, body = _get(site["port"], target)
        assert status == 404, target
        assert b"report.html" not in body and b"secret" not in body
    status, headers, _ = _get(site["port"], "/ALB")
    assert status == 301 and headers["location"] == "/ALB/"  # relative links of its index work
    (site["out"] / "index.html").write_text("<html><body>index</body></html>", encoding="utf-8")
    status, _, body = _get(site["port"], "/")
    assert status == 200 and b"index" in body


def test_a_fifo_is_refused_without_blocking_the_server(site, opener):
    os.mkfifo(site["out"] / "ALB" / "pipe.csv")
    status, _, _ = _get(site["port"], "/ALB/pipe.csv", timeout=5)  # today: no answer at all
    assert status == 403
    assert _get(site["port"], "/ALB/report.html")[0] == 200


def test_a_device_is_refused(site, opener):
    if not Path("/dev/null").exists():
        pytest.skip("no /dev/null")
    os.symlink("/dev/zero", site["out"] / "zero")
    assert _get(site["port"], "/zero", timeout=5)[0] == 403


# --------------------------------------------------------------------------- Host


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "LocalHost"])
def test_localhost_names_are_answered(site, host):
    assert _get(site["port"], "/ALB/report.html", host=host)[0] == 200


@pytest.mark.parametrize("host", [
    "evil.example",  # DNS rebinding: the attacker's name, resolved to 127.0.0.1
    "evil.example:{port}",
    "localhost.evil.example:{port}",
    "127.0.0.1.nip.io:{port}",
    "localhost:1",  # another port
    "127.0.0.2:{port}",  # another loopback address than the one bound
    "localhost:{port}@evil.example",
    "",
])
def test_any_other_host_is_refused(site, host):
    status, _, body = _request(site["port"], f"GET /ALB/report.html HTTP/1.1\r\nHost: {host.format(port=site['port'])}\r\n"
                               "Connection: close\r\n\r\n".encode())
    assert status == 403 or status == 400
    assert b"report</p>" not in body


def test_a_request_without_one_host_is_refused(site):
    port = site["port"]
    assert _request(port, b"GET /ALB/report.html HTTP/1.0\r\n\r\n")[0] == 400
    two = f"GET /ALB/report.html HTTP/1.1\r\nHost: localhost:{port}\r\nHost: evil.example\r\n\r\n"
    assert _request(port, two.encode())[0] == 400


def test_the_address_bound_is_a_local_name(tmp_path: Path):
    (tmp_path / "a.txt").write_text("a", encoding="utf-8")
    try:
        server = preview_server.make_server(tmp_path, preview_server.Events(), 0, host="127.0.0.2")
    except OSError:
        pytest.skip("127.0.0.2 cannot be bound here")
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    port = server.server_address[1]
    try:
        def get(host: str) -> int | None:
            with socket.create_connection(("127.0.0.2", port), timeout=10) as sock:
                sock.sendall(f"GET /a.txt HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
                return int(sock.recv(100).split()[1])
        assert get(f"127.0.0.2:{port}") == 200
        assert get(f"localhost:{port}") == 200
        assert get(f"127.0.0.3:{port}") == 403
    finally:
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------- bad addresses


@pytest.mark.parametrize(("target", "status"), [
    ("/ALB/" + "a" * 5000 + ".html", 414),  # today: the connection drops (file name too long)
    ("/" + "a/" * 1100, 414),
    ("/ALB/report.html?" + "q" * 3000, 414),
    ("/ALB/report%00.html", 400),  # today: dropped (embedded null byte)
    ("/ALB/%00", 400),
    ("/ALB/report.html%00.txt", 400),
    ("/ALB/report%01.html", 400),
    ("/ALB/report%0a.html", 400),
    ("/ALB/report%0d%0aSet-Cookie:%20x=1", 400),
    ("/ALB/report%7f.html", 400),
    ("/ALB/report%c2%85.html", 400),  # a C1 control character
    ("/../secret.txt", 400),
    ("/ALB/../../secret.txt", 400),
    ("/%2e%2e/secret.txt", 400),
    ("/%2E%2E%2Fsecret.txt", 400),
    ("/.%2e/secret.txt", 400),
    ("/%252e%252e/secret.txt", 400),  # double-encoded
    ("/%252e%252e%252fsecret.txt", 400),
    ("/%c0%ae%c0%ae/secret.txt", 400),  # overlong UTF-8 for "."
    ("/ALB/./report.html", 400),
    ("/..\\secret.txt", 400),
    ("/%5c..%5csecret.txt", 400),
    ("/ALB\\report.html", 400),
    ("/ALB/report%zz.html", 400),
    ("/ALB/report%4", 400),
    ("/ALB/%", 400),
    ("/ALB/%ff.html", 400),  # not UTF-8
    ("http://127.0.0.1/ALB/report.html", 400),
    ("*", 400),
])
def test_a_bad_address_gets_a_4xx(site, target, status):
    got, headers, body = _get(site["port"], target)
    assert got == status, (target[:60], got)
    assert SECRET.encode() not in body and "set-cookie" not in headers


def test_a_raw_control_character_or_a_huge_request_line_gets_a_status(site):
    port = site["port"]
    for raw in (f"GET /ALB/r\x01eport.html HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n".encode("latin-1"),
                f"GET /ALB/r\xe9port.html HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n".encode("latin-1"),
                b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n",
                b"GET /ALB/report.html HTTP/1.1\r\nHost: localhost\r\nX: " + b"x" * 70_000 + b"\r\n\r\n"):
        status = _request(port, raw)[0]
        assert status is not None and 400 <= status < 500, raw[:40]


def test_a_failure_of_the_server_is_a_500_not_a_dropped_connection(site, monkeypatch: pytest.MonkeyPatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(preview_server, "_with_reload", broken)
    assert _get(site["port"], "/ALB/report.html")[0] == 500


# --------------------------------------------------------------------------- headers


def test_every_response_says_nosniff_and_no_store(site):
    for target in ("/ALB/report.html", "/ALB/report.pdf", "/ALB/chart.svg", "/missing", "/%00"):
        _, headers, _ = _get(site["port"], target)
        assert headers.get("x-content-type-options") == "nosniff", target
        assert headers.get("cache-control") == "no-store", target
        assert headers.get("referrer-policy") == "no-referrer", target


def test_a_page_lets_only_its_reload_script_run(site):
    _, first, body = _get(site["port"], "/ALB/report.html")
    policy = first["content-security-policy"]
    nonce = re.search(r"script-src 'nonce-([A-Za-z0-9_-]{16,})'", policy).group(1)
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert "unsafe-eval" not in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    text = body.decode()
    scripts = re.findall(r"<script\b[^>]*>", text)
    assert scripts == [f'<script nonce="{nonce}">']  # the reload script, and it carries the nonce
    # The page's own policy is kept and gets the same nonce: the browser enforces both.
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', text).group(1)
    assert "default-src 'none'" in meta and "style-src 'unsafe-inline'" in meta and "img-src data:" in meta
    assert f"script-src 'nonce-{nonce}'" in meta and "connect-src 'self'" in meta
    assert _get(site["port"], "/ALB/report.html")[1]["content-security-policy"] != policy  # fresh nonce
    assert "<script" not in (site["out"] / "ALB" / "report.html").read_text(encoding="utf-8")  # only served


@pytest.mark.parametrize("meta", [
    """<meta http-equiv="content-security-policy" content="script-src 'none'; connect-src 'none'; img-src data:">""",
    """<META HTTP-EQUIV='Content-Security-Policy' CONTENT="default-src 'none'; script-src-elem 'none'">""",
    """<meta content="default-src &#39;none&#39;" http-equiv=Content-Security-Policy>""",
])
def test_every_spelling_of_a_meta_policy_gets_the_nonce(meta):
    page = f"<html><head>{meta}</head><body>x</body></html>".encode()
    served = preview_server._with_reload(page, "N0nceN0nceN0nce1").decode()
    content = re.search(r'content="([^"]*)"', served).group(1)
    directives = {d.split()[0]: d for d in content.split("; ")}
    assert directives["script-src"] == "script-src 'nonce-N0nceN0nceN0nce1'"
    assert directives["connect-src"] == "connect-src 'self'" and "script-src-elem" not in directives
    assert served.index('<script nonce="N0nceN0nceN0nce1">') < served.index("</body>")


def test_other_files_run_no_script(site):
    assert "sandbox" in _get(site["port"], "/ALB/chart.svg")[1]["content-security-policy"]
    # Chromium's PDF viewer does not open under default-src 'none'; a PDF runs no page script.
    assert "content-security-policy" not in _get(site["port"], "/ALB/report.pdf")[1]


# --------------------------------------------------------------------------- event streams


def _open_stream(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(f"GET /__events HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n".encode())
    data = b""
    while b"event: ready" not in data:  # the stream's first event, sent on connecting
        data += sock.recv(4096)
    assert re.match(rb"HTTP/1\.[01] 200 ", data), data[:40]
    return sock


def _wait_for(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_a_closed_event_stream_frees_its_thread(site):
    port, events = site["port"], site["events"]
    assert _get(port, "/ALB/report.html")[0] == 200
    assert _wait_for(lambda: _handlers() == 0)
    streams = [_open_stream(port) for _ in range(6)]
    assert _wait_for(lambda: _handlers() == 6 and len(events) == 6)
    for sock in streams:
        sock.close()
    # Pages closed: every stream's thread ends within seconds, with no event sent to notice it.
    assert _wait_for(lambda: _handlers() == 0), _handlers()
    assert len(events) == 0


def test_a_stream_whose_page_vanished_frees_its_thread(site):
    sock = _open_stream(site["port"])
    assert _wait_for(lambda: _handlers() == 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()  # a reset, as when a browser is killed
    assert _wait_for(lambda: _handlers() == 0 and len(site["events"]) == 0)


def test_event_streams_are_bounded(tmp_path: Path):
    events = preview_server.Events(limit=3)
    server = preview_server.make_server(tmp_path, events, 0)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    port = server.server_address[1]
    try:
        streams = [_open_stream(port) for _ in range(3)]
        status, headers, _ = _get(port, "/__events")
        assert status == 503 and headers["retry-after"]
        streams.pop().close()
        assert _wait_for(lambda: len(events) == 2)
        streams.append(_open_stream(port))  # room again once a page closed
        for sock in streams:
            sock.close()
    finally:
        events.close()
        server.shutdown()
        server.server_close()


def test_an_open_stream_gets_the_events(site):
    sock = _open_stream(site["port"])
    with sock:
        assert _wait_for(lambda: len(site["events"]) == 1)
        site["events"].send("reload", {"folder": "ALB"})
        data = b""
        while b'"folder": "ALB"' not in data:
            data += sock.recv(4096)
        assert data.startswith(b"event: reload\ndata: ")


# --------------------------------------------------------------------------- in a browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE = ('<!DOCTYPE html><html><head><meta charset="utf-8">'
           '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">'
           '<title>R</title></head><body><p>report</p>'
           # What a report must never run, were escaping to fail somewhere.
           '<script>window.hostile = 1</script><img src="x" onerror="window.hostile = 2">'
           '<script nonce="guess">window.hostile = 3</script></body></html>')


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make pdf-tools)")
@pytest.mark.parametrize("meta", [True, False], ids=["with-meta-policy", "header-only"])
def test_in_a_browser_the_reload_script_runs_and_nothing_else(site, meta: bool):
    from playwright.sync_api import sync_playwright

    page_html = HOSTILE if meta else re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", HOSTILE)
    (site["out"] / "ALB" / "report.html").write_text(page_html, encoding="utf-8")
    url = f"http://127.0.0.1:{site['port']}/ALB/report.html"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.goto(url)
            assert _wait_for(lambda: len(site["events"]) == 1, 10)  # the reload script connected
            site["events"].send("built", {"ok": False, "error": "section x failed"})
            page.wait_for_selector("#preview-failed", timeout=10_000)
            assert "section x failed" in page.inner_text("#preview-failed")
            assert page.evaluate("() => window.hostile") is None  # no script of the page ran
            page.evaluate("() => { window.marker = 1; }")
            site["events"].send("reload", {"folder": "ALB"})
            page.wait_for_function("() => window.marker === undefined", timeout=10_000)  # reloaded
        finally:
            browser.close()
    assert _wait_for(lambda: len(site["events"]) == 0)  # the browser gone, its stream is freed
