"""REFI-QDA projects and codebooks as careless or hostile teams send them (perspectives.refiqda).

Each project starts from one written the way a tool writes it (tests/refiqda_tools.py, validated
against the REFI-QDA schema) and is then broken the way a hand edit, a merge of two projects, a
tool's option or an attacker breaks it: repeated GUIDs and values, codings of codes that are
not there, positions that do not fit, texts in encodings the tools do not write, archives that
are corrupt, too large or hold links, XML with a DTD. Each is read as its authors meant or
refused naming the source, code or case and the fix; no refusal prints a participant's words,
and nothing of a refused project reaches a report.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from perspectives import check, refiqda, refiqda_archive, refiqda_codebook
from perspectives import qualitative as q
from perspectives.project import project_of

sys.path.insert(0, str(Path(__file__).parent))
import refiqda_tools as rt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "synthetic"
# Every excerpt of these projects carries this word: no refusal may print it.
MARKER = "Zorblat"
G = rt.Guids(False)
CONSENT = G("variable", "consent_to_quote")


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def small() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two participants' segments (each excerpt marked) and their participants rows."""
    conversations, participants = _csv("conversations.csv"), _csv("participants.csv")
    ids = ["ALB-01", "MDA-03"]
    keep = conversations[conversations["participant_id"].isin(ids)].reset_index(drop=True)
    keep = keep.assign(excerpt=keep["excerpt"].str.replace("The participant", f"{MARKER} participant", regex=False))
    return keep, participants[participants["participant_id"].isin(ids)].reset_index(drop=True)


@pytest.fixture(autouse=True)
def _fresh_readings():
    # Projects rewritten under one name within a test, possibly within the clock's tick and at
    # the same size, must be read again: the study folder forgets what it kept.
    project_of(None).forget()
    yield
    project_of(None).forget()


def _labels(codebook: q.Codebook) -> dict[str, str]:
    return {c: s.label for c, s in codebook.codes.items()}


def _read(path: Path, codebook: q.Codebook, mapping: dict[str, str] | None = None) -> refiqda.ProjectReading:
    return refiqda.read_project(path, _labels(codebook), q.PARTICIPANT_COLUMNS[1:], ("country",), mapping)


def _project(tmp_path: Path, small, codebook, style: rt.Style = rt.QUALCODER, name: str = "p", **kw) -> Path:
    conversations, participants = small
    return rt.write_project(conversations, participants, rt.codebook_tree(codebook), style,
                            tmp_path / f"{name}.qdpx", **kw)


def _refused(path: Path, codebook: q.Codebook, *expected: str) -> str:
    """The refusal message of reading ``path``; it names each of ``expected`` and never an excerpt."""
    with pytest.raises(refiqda.ProjectError) as err:
        _read(path, codebook)
    message = str(err.value)
    for text in expected:
        assert text in message, message
    assert "Fix:" in message
    assert MARKER not in message and "participant talked" not in message
    return message


def _first_selection(qde: str) -> re.Match:
    return re.search(r'<PlainTextSelection guid="([^"]+)" startPosition="(\d+)" endPosition="(\d+)"', qde)


# ------------------------------------------------------------------------------ codes and GUIDs

def test_coding_of_a_code_the_codebook_does_not_hold_is_refused(tmp_path, small, codebook) -> None:
    """A CodeRef to no code (a codebook and codings merged from two projects) used to drop the coding silently."""
    lost = "0a0b0c0d-0000-4000-8000-00000000dead"

    def dangle(qde: str) -> str:
        body = qde.split("<Sources>", 1)[1]
        code = re.search(r'<CodeRef targetGUID="([^"]+)"', body).group(1)
        return qde.replace(f'<CodeRef targetGUID="{code}" />', f'<CodeRef targetGUID="{lost}" />', 1)

    _refused(_project(tmp_path, small, codebook, edit_qde=dangle), codebook, lost, "not in the project's codebook",
             "source 'ALB-01 segment 001'")


def test_two_codes_with_one_guid_are_refused(tmp_path, small, codebook) -> None:
    """A second code under the GUID of a used one silently turned its codings into the second code's theme."""
    used = G("code", small[0]["themes"][0].split(";")[0])
    other = rt.e(codebook.label("fear.judgement"))
    project = _project(tmp_path, small, codebook, edit_qde=lambda x: x.replace(
        "</Codes>", f'<Code guid="{used}" name="{other}" isCodable="true" />\n</Codes>'))
    _refused(project, codebook, used, "two codes")


def test_two_sources_with_one_guid_are_refused(tmp_path, small, codebook) -> None:
    def repeat(qde: str) -> str:
        return qde.replace(f'guid="{G("source", 1)}" name=', f'guid="{G("source", 0)}" name=', 1)

    _refused(_project(tmp_path, small, codebook, edit_qde=repeat), codebook, G("source", 0), "two sources")


def test_partner_codebook_repeating_a_guid_is_refused(tmp_path, codebook) -> None:
    """Before: a repeated GUID was reported as a renamed and moved theme, exit 1."""
    ours = refiqda_codebook.write_codebook(codebook).decode("utf-8")
    guid = refiqda_codebook.code_guid("fear.judgement")
    partner = tmp_path / "partner.qdc"
    partner.write_text(ours.replace("</Codes>", f'<Code guid="{guid}" name="Another" isCodable="true"/></Codes>'),
                       encoding="utf-8")
    rt.validate("codebook", partner.read_bytes())  # the schema does not forbid it
    done = subprocess.run([str(Path(sys.executable).parent / "perspectives"), "codebook", "check", str(partner)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2, done.stdout
    assert guid in done.stderr and "two codes" in done.stderr and "Fix:" in done.stderr


# ------------------------------------------------------------------------------ variables and consent

def _value(variable: str, value: str) -> str:
    return f"<VariableValue>\n<VariableRef targetGUID=\"{variable}\" />\n<TextValue>{value}</TextValue>\n</VariableValue>\n"


def _after_consent_of_first_source(qde: str, extra: str) -> str:
    start = qde.index(f'guid="{G("source", 0)}"')
    at = qde.index(f'<VariableRef targetGUID="{CONSENT}" />', start)
    end = qde.index("</VariableValue>\n", at) + len("</VariableValue>\n")
    return qde[:end] + extra + qde[end:]


def test_two_consent_values_on_one_source_are_refused(tmp_path, small, codebook) -> None:
    """The source said no, then yes: the last one was read, and a refused quote became quotable."""
    assert small[0]["consent_to_quote"][0] == "no"
    project = _project(tmp_path, small, codebook,
                       edit_qde=lambda x: _after_consent_of_first_source(x, _value(CONSENT, "yes")))
    _refused(project, codebook, "source 'ALB-01 segment 001'", "consent_to_quote", "two different values")


def test_variables_whose_names_read_the_same_are_refused_when_they_disagree(tmp_path, small, codebook) -> None:
    """'Consent To Quote' and 'consent_to_quote' are one variable to us; which of their values counts is not guessed."""
    other = G("variable", "consent, again")

    def collide(qde: str) -> str:
        qde = qde.replace("</Variables>", f'<Variable guid="{other}" name="Consent To Quote" typeOfVariable="Text">\n'
                                          "<Description />\n</Variable>\n</Variables>")
        return _after_consent_of_first_source(qde, _value(other, "yes"))

    _refused(_project(tmp_path, small, codebook, edit_qde=collide), codebook, "source 'ALB-01 segment 001'",
             "consent_to_quote", "two different values")


def test_a_documents_case_that_disagrees_with_the_document_is_refused(tmp_path, small, codebook) -> None:
    """MAXQDA's unnamed case says no, the source's own variable yes: the source's used to win silently."""
    assert small[0]["consent_to_quote"][1] == "yes"
    carrier = (f'<Case guid="{G("carrier", "x")}">\n{_value(CONSENT, "no")}'
               f'<SourceRef targetGUID="{G("source", 1)}"/>\n</Case>\n')
    project = _project(tmp_path, small, codebook, edit_qde=lambda x: x.replace("</Cases>", carrier + "</Cases>"))
    _refused(project, codebook, "source 'ALB-01 segment 002'", "consent_to_quote", "two different values")


def test_the_same_value_twice_is_read(tmp_path, small, codebook) -> None:
    """Repeating a value (an export that writes it on the document and on its case) changes nothing."""
    carrier = (f'<Case guid="{G("carrier", "x")}">\n{_value(CONSENT, small[0]["consent_to_quote"][1])}'
               f'<SourceRef targetGUID="{G("source", 1)}"/>\n</Case>\n')
    project = _project(tmp_path, small, codebook, edit_qde=lambda x: x.replace("</Cases>", carrier + "</Cases>"))
    assert list(_read(project, codebook).segments["consent_to_quote"]) == list(small[0]["consent_to_quote"])


def test_a_selection_one_case_names_in_another_cases_source_is_refused(tmp_path, small, codebook) -> None:
    """Case MDA-03 names a selection of a source that case ALB-01 holds: the segment belonged to MDA-03 silently."""
    def claim(text: str) -> str:
        selection = re.search(rf'guid="{G("source", 0)}"[^>]*>\n<PlainTextSelection guid="([^"]+)"', text).group(1)
        mda = text.index('name="MDA-03">')
        end = text.index("</Case>", mda)
        return text[:end] + f'<SelectionRef targetGUID="{selection}"/>\n' + text[end:]

    _refused(_project(tmp_path, small, codebook, edit_qde=claim), codebook, "source 'ALB-01 segment 001'",
             "belongs to 2 cases")


# ------------------------------------------------------------------------------ positions

@pytest.mark.parametrize(("positions", "expected"), [
    (lambda s, e: (e, s), "ends before it starts"),
    (lambda s, e: (s, s), "selects no text"),
    (lambda s, e: (f"{s}.0", e), "not a whole number"),
    (lambda s, e: (0, -1), "ends before it starts"),  # read as the whole source before
    (lambda s, e: (-1, e), "outside its source"),
])
def test_positions_that_cannot_be_a_selection_are_refused(tmp_path, small, codebook, positions, expected) -> None:
    def move(qde: str) -> str:
        found = _first_selection(qde)
        start, end = positions(int(found.group(2)), int(found.group(3)))
        return qde.replace(found.group(0), f'<PlainTextSelection guid="{found.group(1)}" startPosition="{start}" '
                                           f'endPosition="{end}"', 1)

    _refused(_project(tmp_path, small, codebook, edit_qde=move), codebook, "source 'ALB-01 segment 001'", expected)


def test_selection_one_past_the_end_is_refused(tmp_path, small, codebook) -> None:
    def past(qde: str) -> str:
        found = _first_selection(qde)
        length = len(rt._sources(small[0], rt.QUALCODER, G)[0].text)
        return qde.replace(found.group(0), found.group(0).replace(f'endPosition="{found.group(3)}"',
                                                                  f'endPosition="{length + 1}"'), 1)

    _refused(_project(tmp_path, small, codebook, edit_qde=past), codebook, "outside its source")


@pytest.mark.parametrize("newline", ["\r\n", "\r\r\n"])
def test_qualcoder_on_windows_counts_its_own_line_ends(tmp_path, small, codebook, newline) -> None:
    """QualCoder keeps LF in its text and counts positions there; on Windows (and with its 'line ending
    for MAXQDA' option, CR CR LF) the files hold CRLF. Read as two characters, every excerpt after
    the first line end moved silently."""
    style = rt.Style(origin="QualCoder 3.6", selection_name="text", file_newline=newline)
    reading = _read(_project(tmp_path, small, codebook, style), codebook)
    assert list(reading.segments["excerpt"]) == list(small[0]["excerpt"])


def test_qualcoder_selection_whose_text_is_not_at_its_positions_is_refused(tmp_path, small, codebook) -> None:
    """QualCoder writes each selection's text as its name: positions that select other text are refused,
    and neither text is printed."""
    def shift(qde: str) -> str:
        found = _first_selection(qde)
        start, end = int(found.group(2)), int(found.group(3))
        return qde.replace(found.group(0), f'<PlainTextSelection guid="{found.group(1)}" startPosition="{start + 1}" '
                                           f'endPosition="{end + 1}"', 1)

    _refused(_project(tmp_path, small, codebook, edit_qde=shift), codebook, "source 'ALB-01 segment 001'",
             "not the text the project records for it")


def test_inline_text_whose_crlf_the_xml_reading_changed_is_refused(tmp_path, small, codebook) -> None:
    """project.qde written with CRLF (Windows): an XML reader turns each CRLF of an inline text into LF, so
    positions of a tool counting CRLF as two cannot be placed; the text used to be read shifted."""
    style = rt.Style(origin="NVivo 14", inline=lambda i: True, newline="\r\n")
    project = _project(tmp_path, small, codebook, style)
    assert b"\r\n" in zipfile.ZipFile(project).read("project.qde")
    _refused(project, codebook, "source 'ALB-01 segment 001'", "CRLF")
    # Written as character references (&#13;), the same text keeps its CRs and is read.
    referenced = rt.rewrite_members(project, tmp_path / "referenced.qdpx", lambda m: {
        **m, "project.qde": m["project.qde"].replace(b"\r", b"&#13;")})
    assert list(_read(referenced, codebook).segments["excerpt"]) == list(small[0]["excerpt"])


# ------------------------------------------------------------------------------ texts

def _sources_changed(project: Path, dest: Path, change) -> Path:
    return rt.rewrite_members(project, dest, lambda m: {k: change(v) if k.startswith("sources/") else v
                                                         for k, v in m.items()})


@pytest.mark.parametrize("encode", [
    lambda text: text.encode("utf-16-le"),  # UTF-16 without its byte-order mark
    lambda text: text.encode("utf-32"),  # UTF-32 (with a mark the UTF-16 one is a prefix of)
])
def test_text_in_an_encoding_the_tools_do_not_write_is_refused(tmp_path, small, codebook, encode) -> None:
    """Both decoded as UTF-8 or UTF-16 without error, into text full of NUL characters, and were read."""
    project = _sources_changed(_project(tmp_path, small, codebook), tmp_path / "enc.qdpx",
                               lambda data: encode(data.decode("utf-8-sig")))
    _refused(project, codebook, "source 'ALB-01 segment 001'", "not UTF-8 or UTF-16 text")


def test_windows_1252_text_is_refused_naming_the_source(tmp_path, small, codebook) -> None:
    project = _sources_changed(_project(tmp_path, small, codebook), tmp_path / "cp.qdpx",
                               lambda data: data.decode("utf-8-sig").replace("about", "abóut").encode("cp1252"))
    _refused(project, codebook, "source 'ALB-01 segment 001'", "not UTF-8 or UTF-16 text", "UTF-8")


def test_inline_text_and_file_that_differ_are_refused(tmp_path, small, codebook) -> None:
    """The schema allows one of PlainTextContent and plainTextPath; with both, the inline one was read silently."""
    def both(qde: str) -> str:
        at = qde.index(f'guid="{G("source", 0)}"')
        end = qde.index(">\n", at) + 2
        return qde[:end] + "<PlainTextContent>Other text entirely, longer than the notes themselves are, by far: " \
            + "x" * 200 + "</PlainTextContent>\n" + qde[end:]

    _refused(_project(tmp_path, small, codebook, edit_qde=both), codebook, "source 'ALB-01 segment 001'",
             "two different texts")


def test_text_path_with_the_folder_is_read(tmp_path, small, codebook) -> None:
    """internal://sources/<file> (some tools write the folder into the path) names the same member."""
    project = _project(tmp_path, small, codebook,
                       edit_qde=lambda x: x.replace('plainTextPath="internal://', 'plainTextPath="internal://sources/'))
    assert list(_read(project, codebook).segments["excerpt"]) == list(small[0]["excerpt"])


@pytest.mark.parametrize("reference", ["internal://../../../../etc/passwd", "absolute:///etc/passwd",
                                       "relative://../../etc/passwd", "file:///etc/passwd"])
def test_text_paths_outside_the_archive_are_never_read(tmp_path, small, codebook, reference) -> None:
    project = _project(tmp_path, small, codebook, edit_qde=lambda x: x.replace(
        f'plainTextPath="internal://{G("plain", 0)}.txt"', f'plainTextPath="{reference}"'))
    message = _refused(project, codebook, "source 'ALB-01 segment 001'")
    assert "root:" not in message


# ------------------------------------------------------------------------------ archives

def _corrupt(project: Path, dest: Path, member: str) -> Path:
    """Flip bytes inside ``member``'s compressed data, so that inflating it fails."""
    data = bytearray(project.read_bytes())
    with zipfile.ZipFile(project) as archive:
        info = archive.getinfo(member)
    at = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + info.compress_size // 3
    data[at] ^= 0xFF
    data[at + 1] ^= 0xFF
    dest.write_bytes(bytes(data))
    return dest


@pytest.mark.parametrize("which", ["project.qde", "source"])
def test_corrupt_archive_member_is_refused_not_a_traceback(tmp_path, small, codebook, which) -> None:
    """zlib.error used to escape, so `perspectives check` printed a traceback and exited 1."""
    project = _project(tmp_path, small, codebook)
    with zipfile.ZipFile(project) as archive:
        member = "project.qde" if which == "project.qde" else next(n for n in archive.namelist() if n.startswith("sources/"))
    broken = _corrupt(project, tmp_path / "broken.qdpx", member)
    result = check.check_conversations(broken)
    assert not result["usable"]
    assert any(member in p and "Fix:" in p for p in result["problems"]), result["problems"]


def test_archive_member_larger_than_the_limit_is_refused_before_it_is_read(tmp_path, small, codebook,
                                                                           monkeypatch) -> None:
    """A zip bomb: a project.qde of 600 MB of spaces compresses to 600 kB and was read whole (1.3 GB of memory).
    The limit is lowered here so that the test stays small."""
    project = _project(tmp_path, small, codebook)
    bomb = rt.rewrite_members(project, tmp_path / "bomb.qdpx", lambda m: {
        **m, "project.qde": m["project.qde"].replace(b"</Project>", b" " * (3 << 20) + b"</Project>")})
    assert bomb.stat().st_size < 1 << 20
    monkeypatch.setattr(refiqda_archive, "MAX_MEMBER_BYTES", 2 << 20)
    _refused(bomb, codebook, "project.qde", "larger than")
    monkeypatch.setattr(refiqda_archive, "MAX_MEMBER_BYTES", 64 << 20)
    assert len(_read(bomb, codebook).segments) == len(small[0])


def test_archive_naming_one_member_twice_is_refused(tmp_path, small, codebook) -> None:
    """Two members under one name: which one a reader takes is the zip library's choice, not the team's."""
    project = _project(tmp_path, small, codebook)
    twice = tmp_path / "twice.qdpx"
    twice.write_bytes(project.read_bytes())
    with zipfile.ZipFile(twice, "a") as archive:
        member = next(n for n in archive.namelist() if n.startswith("sources/"))
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr(member, b"Other text")
    _refused(twice, codebook, member, "twice")


def test_symbolic_link_in_the_archive_is_refused(tmp_path, small, codebook) -> None:
    project = _project(tmp_path, small, codebook)
    linked = tmp_path / "link.qdpx"
    with zipfile.ZipFile(project) as zin, zipfile.ZipFile(linked, "w") as zout:
        source = next(n for n in zin.namelist() if n.startswith("sources/"))
        for name in zin.namelist():
            if name == source:
                info = zipfile.ZipInfo(name)
                info.create_system = 3
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                zout.writestr(info, "/etc/passwd")
            else:
                zout.writestr(name, zin.read(name))
    _refused(linked, codebook, source, "symbolic link")


DTDS = {
    "external entity": ('<!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"),
    "internal entity": ('<!DOCTYPE Project [<!ENTITY x "yes">]>', "&x;"),
    "billion laughs": ('<!DOCTYPE Project [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                       '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>', "&c;"),
    "external DTD": ('<!DOCTYPE Project SYSTEM "file:///etc/passwd">', "no"),
    "parameter entity": ('<!DOCTYPE Project [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>', "no"),
}


@pytest.mark.parametrize("kind", sorted(DTDS))
def test_project_with_a_dtd_is_refused(tmp_path, small, codebook, kind) -> None:
    """No tool writes a DTD; with one, an entity could stand for a consent value (read as none, or as
    'yes') or for a file of this machine. Before, the external DTD and the parameter entity were read."""
    doctype, consent = DTDS[kind]

    def declare(qde: str) -> str:
        qde = qde.replace('<?xml version="1.0" encoding="utf-8"?>\n', f'<?xml version="1.0" encoding="utf-8"?>\n{doctype}\n')
        return qde.replace("<TextValue>no</TextValue>", f"<TextValue>{consent}</TextValue>", 1)

    message = _refused(_project(tmp_path, small, codebook, edit_qde=declare), codebook, "project.qde", "DTD")
    assert "root:" not in message


def test_xinclude_is_not_followed(tmp_path, small, codebook) -> None:
    def include(qde: str) -> str:
        return qde.replace("<Description>Conversation notes (synthetic)</Description>",
                           '<Description xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include '
                           'href="file:///etc/passwd" parse="text"/></Description>')

    reading = _read(_project(tmp_path, small, codebook, edit_qde=include), codebook)
    assert "root:" not in "\n".join(reading.recognised) + reading.segments.to_csv()


def test_xml_error_does_not_print_the_text_it_stopped_in(tmp_path, small, codebook) -> None:
    """An ampersand typed into an inline text ('&Zorblat;'): libxml2 names the entity, a word of the notes."""
    style = rt.Style(origin="NVivo 14", inline=lambda i: i == 0)
    project = _project(tmp_path, small, codebook, style,
                       edit_qde=lambda x: x.replace(f"{MARKER} participant", f"&{MARKER};", 1))
    _refused(project, codebook, "project.qde", "not well-formed XML", "line")


# ------------------------------------------------------------------------------ the declared mapping

@pytest.mark.parametrize(("text", "expected"), [
    ("codes:\n  'Being judged': [\n", "not readable YAML"),
    ("codes:\n\t'Being judged': fear.judgement\n", "not readable YAML"),
    ('codes:\n  "Being judged": fear.judgement\n  "Being judged": prevention\n', "twice"),
    ("codes:\n  yes: fear.judgement\n", "not a name"),  # YAML reads yes as true
    ("codes:\n  1.10: fear.judgement\n", "not a name"),  # and 1.10 as the number 1.1
    ("codes:\n  null: fear.judgement\n", "not a name"),
])
def test_mapping_file_that_cannot_be_read_as_written_is_refused(tmp_path, codebook, text, expected) -> None:
    """A YAML error escaped as a traceback; a duplicate name kept its last line; yes, 1.10 and null became
    the names 'True', '1.1' and 'None'."""
    mapping = tmp_path / "code_mapping.yml"
    mapping.write_text(text, encoding="utf-8")
    with pytest.raises(refiqda.ProjectError) as err:
        refiqda.load_code_mapping(mapping, codebook.codes)
    assert "code_mapping.yml" in str(err.value) and expected in str(err.value) and "Fix:" in str(err.value)
    assert str(tmp_path) not in str(err.value)


def test_check_reports_a_bad_mapping_file_instead_of_a_traceback(tmp_path, small, codebook, monkeypatch) -> None:
    mapping = tmp_path / "code_mapping.yml"
    mapping.write_text("codes:\n  'Being judged': [\n", encoding="utf-8")
    monkeypatch.setattr(refiqda, "MAPPING_FILE", str(mapping))
    result = check.check_conversations(_project(tmp_path, small, codebook))
    assert not result["usable"] and any("code_mapping.yml" in p for p in result["problems"])


# ------------------------------------------------------------------------------ stable bytes

def test_reading_is_the_same_bytes_in_two_processes(tmp_path, small, codebook) -> None:
    """Two readings with different hash seeds give the same tables, places and recognised lines."""
    project = _project(tmp_path, small, codebook, rt.ATLASTI, case_consent={"ALB-01": "yes", "MDA-03": "no"})
    code = ("import sys; from perspectives import qualitative as q; r = q.read_project(sys.argv[1]); "
            "sys.stdout.write(r.participants.to_csv() + r.segments.to_csv() + '|'.join(r.recognised "
            "+ r.segment_places + r.participant_places))")
    outputs = {subprocess.run([sys.executable, "-c", code, str(project)], capture_output=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}, cwd=ROOT).stdout for seed in ("1", "2")}
    assert len(outputs) == 1 and b"ALB-01" in outputs.pop()


def test_a_text_file_in_the_archive_twice_in_two_cases_is_refused(tmp_path, small, codebook) -> None:
    """sources/<f> and Sources/<f>, both: the first in the zip was read, whichever it was."""
    project = _project(tmp_path, small, codebook)
    file = f"{G('plain', 0)}.txt"
    both = rt.rewrite_members(project, tmp_path / "both.qdpx", lambda m: {
        **m, f"Sources/{file}": m[f"sources/{file}"].replace(b"Conversation", b"Other")})
    _refused(both, codebook, "source 'ALB-01 segment 001'", "more than once", f"Sources/{file}")


def test_codings_in_notes_are_said_not_to_be_read(tmp_path, small, codebook) -> None:
    """A memo coded with a theme is not a conversation: `perspectives check` says it was left out."""
    code = G("code", small[0]["themes"][0].split(";")[0])
    note = (f'<Notes>\n<Note guid="{G("note")}" name="memo"><PlainTextContent>A memo</PlainTextContent>'
            f'<PlainTextSelection guid="{G("note selection")}" startPosition="0" endPosition="4">'
            f'<Coding guid="{G("note coding")}"><CodeRef targetGUID="{code}"/></Coding></PlainTextSelection></Note>\n'
            "</Notes>\n")
    project = _project(tmp_path, small, codebook, edit_qde=lambda x: x.replace("<Description>Conversation notes",
                                                                              note + "<Description>Conversation notes"))
    rt.validate("project", zipfile.ZipFile(project).read("project.qde"))
    reading = _read(project, codebook)
    assert len(reading.segments) == len(small[0])
    assert any(line.startswith("1 coding(s) in notes (memos), not read") for line in reading.recognised)


def test_a_refused_project_leaves_no_trace_in_the_outputs(tmp_path, small, codebook) -> None:
    """A document's unnamed case saying no, the document yes: the build used to quote it. Now it stops
    before writing, and what the output folder held is untouched."""
    carrier = (f'<Case guid="{G("carrier", "x")}">\n{_value(CONSENT, "no")}'
               f'<SourceRef targetGUID="{G("source", 9)}"/>\n</Case>\n')
    project = _project(tmp_path, small, codebook, edit_qde=lambda x: x.replace("</Cases>", carrier + "</Cases>"))
    out = tmp_path / "out"
    (out / "MDA").mkdir(parents=True)
    (out / "MDA" / "earlier.txt").write_text("from an earlier build", encoding="utf-8")
    done = subprocess.run([str(Path(sys.executable).parent / "perspectives"), "build", "--country", "MDA",
                           "--section", "disclosure", "--conversations", str(project), "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "source 'MDA-03 segment 010'" in done.stderr and "consent_to_quote" in done.stderr
    assert MARKER not in done.stderr + done.stdout
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["MDA", "MDA/earlier.txt"]


def _patch_headers(path: Path, member: str, field: str, value: int) -> None:
    """Set a member's general-purpose flags or compression method in its local and central zip headers."""
    local, central = {"flags": (6, 8), "method": (8, 10)}[field]
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        offset = archive.getinfo(member).header_offset
    data[offset + local] |= value if field == "flags" else 0
    if field == "method":
        data[offset + local] = value
    at = data.index(b"PK\x01\x02")
    while data[at + 46:at + 46 + len(member)] != member.encode():
        at = data.index(b"PK\x01\x02", at + 4)
    data[at + central] = (data[at + central] | value) if field == "flags" else value
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(("field", "value"), [("flags", 0x1), ("method", 9)], ids=["encrypted", "deflate64"])
def test_member_encrypted_or_compressed_by_another_method_is_refused_saying_so(tmp_path, small, codebook,
                                                                              field, value) -> None:
    """A password, or Windows' Deflate64 (a .qdpx zipped again by hand): refused, not called damaged."""
    project = _project(tmp_path, small, codebook)
    with zipfile.ZipFile(project) as archive:
        source = next(n for n in archive.namelist() if n.startswith("sources/"))
    _patch_headers(project, source, field, value)
    _refused(project, codebook, source, "encrypted, or compressed by a method")


def test_a_used_code_without_a_name_is_named_by_its_guid(tmp_path, small, codebook) -> None:
    used = G("code", small[0]["themes"][0].split(";")[0])
    project = _project(tmp_path, small, codebook, edit_qde=lambda x: re.sub(
        f'(<Code guid="{used}" )name="[^"]*"', r'\1name=""', x))
    _refused(project, codebook, f"(no name, GUID {used})", "not in the theme codebook")
