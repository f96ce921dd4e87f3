"""Outside-breaker checks of the kept run server's ``print`` message (perspectives.build.resident_server).

The server prints whatever page a request names, to whatever path it names: the only check is
that the request carries the server's pid, which the server itself tells anyone who asks
(``status``, ``hello``). So another local process, or a build for another output folder, can
have it print a file that is not a report of the folder it serves, or overwrite another
folder's ``report.pdf``. These tests drive the server's own request handler with a recording
printer (no browser needed).
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

from perspectives.build import resident_server as rs


class _Recorder:
    """Stands for the server's browser: records each print it is asked for."""

    def __init__(self) -> None:
        self.asked: list[dict[str, Any]] = []

    def submit(self, conn: Any, request: dict[str, Any]) -> None:
        self.asked.append(request)

    def status(self) -> dict[str, Any]:
        return {}


def _loop(watch: Path) -> tuple[rs._Loop, _Recorder, socket.socket]:
    state = rs._State(path=str(watch / "s.sock"), inode=0, watch=str(watch), watch_inode=0, idle=60.0,
                      fingerprint={}, rewarm="", digest="", warm_spec={}, modules=set(), workers=1)
    rec = _Recorder()
    state.prints = rec  # type: ignore[assignment]
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    return rs._Loop(state, listener, lambda item: None), rec, listener


def test_a_print_request_for_a_page_outside_the_served_folder_is_refused(tmp_path: Path):
    served = tmp_path / "out"
    served.mkdir()
    other = tmp_path / "other-out" / "MDA"
    other.mkdir(parents=True)
    secret = tmp_path / "notes.html"
    secret.write_text("<p>row-level data</p>", encoding="utf-8")
    loop, rec, listener = _loop(served)
    a, b = socket.socketpair()
    try:
        conn = rs._Conn(a)
        # Anyone connected learns the pid from a status answer ...
        loop._handle(conn, {"status": True})
        pid = json.loads(b.recv(1 << 16).decode().splitlines()[0])["pid"]
        assert pid == os.getpid()
        # ... and with it asks for a file that is not a report of this folder, written into another folder.
        loop._handle(conn, {"print": {"html": str(secret), "pdf": str(other / "report.pdf")}, "pid": pid})
    finally:
        a.close()
        b.close()
        listener.close()
    assert rec.asked == []  # refused: not a report.html under the folder the server serves


def test_a_print_request_for_a_report_of_the_served_folder_is_taken(tmp_path: Path):
    served = tmp_path / "out" / "MDA"
    served.mkdir(parents=True)
    (served / "report.html").write_text("<p>report</p>", encoding="utf-8")
    outside = tmp_path / "elsewhere.html"
    outside.write_text("<p>x</p>", encoding="utf-8")
    (served / "link").mkdir()
    (served / "link" / "report.html").symlink_to(outside)
    root = str(tmp_path / "out")
    assert rs.servable(root, {"html": str(served / "report.html"), "pdf": str(served / "report.pdf")})
    assert not rs.servable(root, {"html": str(served / "report.html"), "pdf": str(tmp_path / "report.pdf")})
    assert not rs.servable(root, {"html": str(served / "link" / "report.html"),
                                  "pdf": str(served / "link" / "report.pdf")})
    assert not rs.servable(root, {"html": str(outside), "pdf": str(outside.with_suffix(".pdf"))})
    assert not rs.servable(root, {"html": 3})
