"""Partner files are bounded: archive and workbook bombs, and paths that are not files.

Each hostile file is made here, small on disk: a zip member of highly compressible rows, a
workbook whose sheet or shared strings unpack to tens of megabytes from a few hundred
kilobytes, a sheet whose declared dimension or stray cells would make a reader pad millions
of empty cells, and a folder, a named pipe, a device, a socket and a broken link given as the
export. The reader must refuse each for its true reason (the file, the part, the sizes, the
fix) without filling memory: the command runs in a child process whose peak memory is read
from the system (no timing is measured), and a named pipe must never make it wait.
"""

from __future__ import annotations

import os
import random
import re
import socket
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from variants import EMBEDDED, table, write_text, write_xlsx

from perspectives.cli import main
from perspectives.instrument import load_instrument
from perspectives.layouts import header_score
from perspectives.problems import DataError
from perspectives.readers import load_survey
from perspectives.study import load_study

# The command in a child process, printing its own peak resident memory (kB) last. That is
# the high-water mark of its memory (VmHWM), not getrusage's ru_maxrss: a process started by
# vfork and exec (as subprocess starts it) inherits in ru_maxrss the peak of the process it
# was started from, so a test run grown past the bound would be counted as the command's.
CHILD = ("import sys\nfrom perspectives.cli import main\ncode = main(sys.argv[1:])\n"
         "status = open('/proc/self/status', encoding='ascii').read()\n"
         "print('PEAK_KB', status.split('VmHWM:')[1].split()[0], file=sys.stderr)\nsys.exit(code)")
# What `perspectives check` of a small file needs (imports included) is about 100 MB; a bomb
# read naively needs gigabytes. The bound leaves room for a slow machine's allocator.
MEMORY_BOUND_MB = 350
ROW = (b"R0001,PER,yes,yes,yes,yes,yes,yes,female,41_50,bachelor,0_5,ngo,both,legal,,56,86,yes,yes,64,63,,11_15,"
       b"97,parent,,,,,,,,,,,,,,,,,,,,,,,,,,,,yes\n")


def _check(*args: str, timeout: int = 120) -> tuple[int, str, float]:
    """(exit code, what was printed, peak memory in MB) of ``perspectives ARGS`` in a child process."""
    try:
        done = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`perspectives {' '.join(args)}` did not finish within {timeout} s")
    peak = re.search(r"PEAK_KB (\d+)", done.stderr)
    assert peak, done.stderr[-2000:]
    assert "Traceback" not in done.stderr + done.stdout
    return done.returncode, done.stdout + done.stderr, int(peak.group(1)) / 1024


def test_the_peak_read_is_the_commands_own_whatever_the_process_it_was_started_from(tmp_path):
    """A caller holding more than the bound does not make a small check look big."""
    small = tmp_path / "export.csv"
    small.write_bytes(b"".join(EMBEDDED.read_bytes().splitlines(keepends=True)[:40]))
    held = bytearray((MEMORY_BOUND_MB + 100) * 2**20)
    held[::4096] = b"\x01" * len(held[::4096])  # resident, page by page
    try:
        code, out, peak = _check("check", str(small))
    finally:
        del held
    assert code == 0, out
    assert peak < MEMORY_BOUND_MB, f"{peak:.0f} MB"


def _header() -> bytes:
    return EMBEDDED.read_bytes().split(b"\n", 1)[0] + b"\n"


def _zip_member(path: Path, name: str, chunks: Iterable[bytes], level: int = 9) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive, \
            archive.open(name, "w") as member:
        for chunk in chunks:
            member.write(chunk)
    return path


def _rows(megabytes: int) -> Iterator[bytes]:
    yield _header()
    block = ROW * 10_000
    for _ in range(megabytes * 2**20 // len(block) + 1):
        yield block


# --------------------------------------------------------------------------- zip archives


def test_a_zip_member_that_unpacks_beyond_the_size_limit_is_refused_at_once(tmp_path):
    bomb = _zip_member(tmp_path / "export.csv.zip", "export.csv", _rows(300), level=1)
    assert bomb.stat().st_size < 5 * 2**20  # a few MB on disk, 300 MB inside
    code, out, peak = _check("check", str(bomb))
    assert code == 2, out
    for fragment in ("export.csv.zip", "'export.csv' inside the archive", "unpacks to 300", "packed: ",
                     "at most 256 MB unpacked (limits.max_uncompressed_mb in params/study.yml)", "Fix: "):
        assert fragment in out, out
    assert peak < MEMORY_BOUND_MB, f"{peak:.0f} MB"


def test_a_zip_member_packed_more_tightly_than_exports_are_is_refused_at_once(tmp_path):
    bomb = _zip_member(tmp_path / "export.csv.zip", "data/export.csv", _rows(60))
    code, out, peak = _check("check", str(bomb))
    assert code == 2, out
    for fragment in ("'data/export.csv' inside the archive", "more than 100 times its packed size",
                     "limits.max_compression_ratio in params/study.yml", "Fix: "):
        assert fragment in out, out
    assert peak < MEMORY_BOUND_MB, f"{peak:.0f} MB"


def test_a_zip_whose_directory_understates_a_member_is_refused_without_reading_past_it(tmp_path):
    """The directory says 1 MB; the member holds 200 MB of rows: reading stops at 1 MB."""
    path = _zip_member(tmp_path / "export.csv.zip", "export.csv", _rows(200), level=1)
    data = bytearray(path.read_bytes())
    central = data.rindex(b"PK\x01\x02")  # the member's entry in the central directory
    data[central + 24:central + 28] = (2**20).to_bytes(4, "little")  # its uncompressed size
    path.write_bytes(bytes(data))
    code, out, peak = _check("check", str(path))
    assert code == 2 and "export.csv" in out, out
    assert peak < MEMORY_BOUND_MB, f"{peak:.0f} MB"


def test_the_counter_stops_an_archive_whose_parts_pass_the_limit_together(tmp_path):
    """Each part is small and says so; what is unpacked from all of them is counted and stopped."""
    from perspectives.rawtable import Limits, read_raw

    rng = random.Random(7)
    with zipfile.ZipFile(tmp_path / "many.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(40):
            archive.writestr(f"part{n:02d}.csv", "".join(f"{rng.getrandbits(64):x}," for _ in range(8000)))
    instrument = load_instrument()
    with pytest.raises(DataError) as caught:
        read_raw(tmp_path / "many.zip", lambda cells, kind: header_score(cells, instrument, kind),
                 Limits(max_uncompressed_mb=1))
    assert "the archive's parts unpack to more than 1 MB together" in str(caught.value)


def test_the_limits_are_read_from_study_yml_with_documented_defaults():
    from perspectives.rawtable import Limits

    assert Limits.from_settings(load_study().raw.get("limits")) == Limits()
    assert Limits.from_settings({"max_uncompressed_mb": 1024}) == Limits(max_uncompressed_mb=1024)
    assert Limits.from_settings(None) == Limits()
    for bad in ("five", 0, -3, 2.5, True):
        with pytest.raises(ValueError, match="limits.max_compression_ratio must be a whole number"):
            Limits.from_settings({"max_compression_ratio": bad})


# --------------------------------------------------------------------------- workbooks


def _workbook(tmp_path: Path, rows: int = 60) -> Path:
    header, data = table()
    return write_xlsx(header, data[:rows], tmp_path / "base.xlsx")


def _rewrite(src: Path, dest: Path, part: str, content: Iterable[bytes] | None = None,
             edit=None) -> Path:
    """A copy of a workbook with one part replaced by ``content`` or changed by ``edit(text)``."""
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            if item.filename != part:
                new.writestr(item, old.read(item.filename))
            elif edit is not None:
                new.writestr(item, edit(old.read(part).decode("utf-8")).encode("utf-8"))
            else:
                with new.open(part, "w") as member:
                    for chunk in content or ():
                        member.write(chunk)
    return dest


def test_a_sheet_that_is_huge_when_unpacked_is_refused_at_once(tmp_path):
    def sheet() -> Iterator[bytes]:
        yield (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
               b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
        row = b"<row>" + b'<c s="0"/>' * 50 + b"</row>"
        for _ in range(120_000):  # 60 MB of empty styled cells
            yield row
        yield b"</sheetData></worksheet>"

    bomb = _rewrite(_workbook(tmp_path), tmp_path / "export.xlsx", "xl/worksheets/sheet1.xml", sheet())
    assert bomb.stat().st_size < 2**20
    code, out, peak = _check("check", str(bomb))
    assert code == 2, out
    for fragment in ("export.xlsx", "'xl/worksheets/sheet1.xml' inside the workbook", "times its packed size",
                     "limits.max_compression_ratio", "'CSV UTF-8'"):
        assert fragment in out, out
    assert peak < MEMORY_BOUND_MB, f"{peak:.0f} MB"


def test_shared_strings_that_are_huge_when_unpacked_are_refused_at_once(tmp_path):
    def strings() -> Iterator[bytes]:
        yield (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats'
               b'.org/spreadsheetml/2006/main">')
        for _ in range(4000):
            yield b"<si><t>respondent_id</t></si>" * 500
        yield b"</sst>"

    # openpyxl writes text inline; the table of shared strings Excel writes is added and declared.
    base = _rewrite(_workbook(tmp_path), tmp_path / "declared.xlsx", "[Content_Types].xml", edit=lambda xml: xml.replace(
        "</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                    'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    base = _rewrite(base, tmp_path / "related.xlsx", "xl/_rels/workbook.xml.rels", edit=lambda xml: xml.replace(
        "</Relationships>", '<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/officeDocument/'
                            '2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'))
    with zipfile.ZipFile(base, "a", zipfile.ZIP_DEFLATED) as archive, archive.open("xl/sharedStrings.xml", "w") as part:
        for chunk in strings():
            part.write(chunk)
    bomb = base.rename(tmp_path / "export.xlsx")
    code, out, peak = _check("check", str(bomb))
    assert code == 2 and "'xl/sharedStrings.xml' inside the workbook" in out, out
    assert peak < MEMORY_BOUND_MB, f"{peak:.0f} MB"


def test_a_sheet_declaring_the_whole_grid_reads_as_its_cells_say(tmp_path):
    """``<dimension ref="A1:XFD1048576"/>`` is not trusted: the rows are read as they are."""
    base = _workbook(tmp_path)
    huge = _rewrite(base, tmp_path / "export.xlsx", "xl/worksheets/sheet1.xml",
                    edit=lambda xml: re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', xml))
    want, got = load_survey(base), load_survey(huge)
    pd.testing.assert_frame_equal(got.eligible, want.eligible)
    pd.testing.assert_frame_equal(got.exclusions, want.exclusions)
    assert got.read.normalisations == want.read.normalisations  # no 16,000 "empty columns dropped"


def test_a_sheet_whose_rows_reach_column_xfd_is_refused_before_padding_them(tmp_path):
    """A styled empty cell at XFD on every row would make 16,384 cells of each."""
    base = _workbook(tmp_path, rows=300)
    stray = _rewrite(base, tmp_path / "export.xlsx", "xl/worksheets/sheet1.xml",
                     edit=lambda xml: re.sub(r'<row r="(\d+)"(.*?)</row>',
                                             lambda m: f'<row r="{m[1]}"{m[2]}<c r="XFD{m[1]}" s="0"/></row>', xml,
                                             flags=re.S))
    code, out, peak = _check("check", str(stray))
    assert code == 2, out
    assert "sheet 'data' spreads over more than 2,000,000 cells" in out and "Fix: " in out, out
    assert peak < MEMORY_BOUND_MB, f"{peak:.0f} MB"


def test_a_packed_spss_file_that_unpacks_far_beyond_its_size_is_refused_before_its_cases_are_read(tmp_path):
    import numpy as np
    import pyreadstat

    frame = pd.DataFrame(np.zeros((50_000, 100)), columns=[f"v{i}" for i in range(100)])
    path = tmp_path / "export.zsav"
    pyreadstat.write_sav(frame, str(path), compress=True)
    assert path.stat().st_size < 400_000  # 40 MB of cases in a few hundred kilobytes
    code, out, peak = _check("check", str(path))
    assert code == 2, out
    for fragment in ("export.zsav", "50,000 cases of 800 bytes each", "more than 100 times its own size",
                     "limits.max_compression_ratio"):
        assert fragment in out, out
    assert peak < MEMORY_BOUND_MB, f"{peak:.0f} MB"


# --------------------------------------------------------------------------- not a file


def _export(tmp_path: Path) -> Path:
    return write_text(*table(), tmp_path / "good.csv")


@pytest.mark.parametrize("kind, fragment", [
    ("directory", "the path is a directory, not a file"),
    ("device", "the path is a character device, not a file"),
    ("socket", "the path is a socket, not a file"),
    ("broken link", "the path is a symbolic link to something that does not exist"),
])
def test_what_is_not_a_regular_file_is_refused_for_what_it_is(tmp_path, kind, fragment):
    path = tmp_path / "export.csv"
    held = None
    if kind == "directory":
        path.mkdir()
    elif kind == "device":
        path.symlink_to("/dev/null")
    elif kind == "socket":
        held = socket.socket(socket.AF_UNIX)
        held.bind(str(path))
    else:
        path.symlink_to(tmp_path / "gone.csv")
    try:
        with pytest.raises(DataError) as caught:
            load_survey(path)
        message = str(caught.value)
        assert message.startswith("export.csv: ") and fragment in message and "Fix: " in message, message
        assert "empty" not in message and "not found" not in message
    finally:
        if held is not None:
            held.close()


def test_a_named_pipe_is_refused_and_never_waited_on(tmp_path):
    fifo = tmp_path / "export.csv"
    os.mkfifo(fifo)
    code, out, _ = _check("check", str(fifo), timeout=60)
    assert code == 2 and "export.csv: the path is a named pipe (FIFO), not a file" in out, out


@pytest.mark.parametrize("option", ["--data", "--conversations"])
def test_build_refuses_a_folder_or_a_pipe_given_as_an_input_for_what_it_is(tmp_path, capsys, option):
    folder = tmp_path / "exports"
    folder.mkdir()
    fifo = tmp_path / "export.csv"
    os.mkfifo(fifo)
    out = tmp_path / "out"
    assert main(["build", option, str(folder), "--country", "MDA", "--out", str(out)]) == 2
    assert "exports: the path is a directory, not a file" in capsys.readouterr().err
    assert main(["build", option, str(fifo), "--country", "MDA", "--out", str(out)]) == 2
    assert "export.csv: the path is a named pipe (FIFO)" in capsys.readouterr().err
    assert not out.exists()


def test_the_conversations_reader_refuses_a_pipe_without_waiting(tmp_path):
    fifo = tmp_path / "conversations.csv"
    os.mkfifo(fifo)
    code = ("import sys\nfrom perspectives.qualitative import QualitativeDataError, load_conversations\n"
            "try:\n    load_conversations(sys.argv[1])\nexcept QualitativeDataError as error:\n    print(error)\n")
    try:  # in a child process: a reader that opened the pipe would wait for a writer forever
        done = subprocess.run([sys.executable, "-c", code, str(fifo)], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("reading the conversations waited on a named pipe")
    assert "the path is a named pipe (FIFO), not a file" in done.stdout, done.stdout + done.stderr


def test_a_regular_file_behind_a_link_is_read(tmp_path):
    link = tmp_path / "linked.csv"
    link.symlink_to(_export(tmp_path))
    assert len(load_survey(link).eligible) == 413
