"""REFI-QDA projects (.qdpx) and codebooks (.qdc) for the conversations stream (perspectives.refiqda).

The projects are written by hand the way QualCoder and ATLAS.ti write them (tests/refiqda_tools.py,
not the library's writer), each validated against the REFI-QDA schema, from the embedded synthetic
conversations. What they must give is the CSV's own reading: the same tables, and the same report
sections (values.json, tables, figures and the text shown, excerpts included) for two countries and
the synthesis; one country is also built end to end from the command line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree
from shared_builds import remembering

from perspectives import qualitative as q
from perspectives import refiqda, refiqda_codebook, report, report_display

sys.path.insert(0, str(Path(__file__).parent))
import refiqda_tools as rt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "synthetic"
BIN = Path(sys.executable).parent
CONVERSATION_SECTIONS = {"methods": "conversations_sample", "csea_online": "survivor_themes",
                         "disclosure": "survivor_themes", "support": "survivor_themes",
                         "knowledge": "survivor_themes", "prevention": "survivor_themes",
                         "recommendations": ("recommendations", "roundtable")}


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    return _csv("conversations.csv"), _csv("participants.csv")


def _csv_pair(folder: Path, conversations: pd.DataFrame, participants: pd.DataFrame) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    conversations.to_csv(folder / "conversations.csv", index=False)
    participants.to_csv(folder / "participants.csv", index=False)
    return folder / "conversations.csv"


def _first_consent(conversations: pd.DataFrame) -> dict[str, str]:
    """One consent per participant (their first segment's), for tools that keep it on the case."""
    return conversations.groupby("participant_id", sort=False)["consent_to_quote"].first().to_dict()


@pytest.fixture(scope="module")
def projects(tmp_path_factory, tables, codebook) -> dict[str, tuple[Path, Path]]:
    """Each tool's project and the CSV it is equivalent to."""
    conversations, participants = tables
    base = tmp_path_factory.mktemp("refi")
    tree = rt.codebook_tree(codebook)
    qualcoder = rt.write_project(conversations, participants, tree, rt.QUALCODER, base / "qualcoder.qdpx")
    consent = _first_consent(conversations)
    atlas = rt.write_project(conversations, participants, tree, rt.ATLASTI, base / "atlasti.qdpx", case_consent=consent)
    per_case = conversations.assign(consent_to_quote=conversations["participant_id"].map(consent))
    return {"qualcoder": (qualcoder, DATA / "conversations.csv"),
            "atlasti": (atlas, _csv_pair(base / "atlasti_csv", per_case, participants))}


# ------------------------------------------------------------------------------ (a) the same tables

def _as_a_project_holds(conversations: pd.DataFrame) -> pd.DataFrame:
    """A conversations table without its translations (``excerpt::LANG``): a REFI-QDA project has none."""
    return conversations[[c for c in conversations.columns if "::" not in c]]


@pytest.mark.parametrize("tool", ["qualcoder", "atlasti"])
def test_a_project_gives_the_tables_of_its_csv(projects, tool: str) -> None:
    project, csv = projects[tool]
    pd.testing.assert_frame_equal(q.load_participants(project), q.load_participants(csv.parent / "participants.csv"))
    pd.testing.assert_frame_equal(q.load_conversations(project), _as_a_project_holds(q.load_conversations(csv)))


def test_what_was_recognised_says_tool_formats_and_matching(projects) -> None:
    qualcoder = q.read_project(projects["qualcoder"][0]).recognised
    atlas = q.read_project(projects["atlasti"][0]).recognised
    assert any("QualCoder" in line for line in qualcoder)
    assert any("250 source(s): sources/ file, UTF-8 with BOM, line endings LF" in line for line in qualcoder)
    assert any("94 by name is our label" in line for line in qualcoder)
    assert any("source variable consent_to_quote" in line for line in qualcoder)
    assert any("CRLF as one character (ATLAS.ti)" in line for line in atlas)
    assert any("42 source(s): sources/ file, UTF-8, line endings CRLF" in line for line in atlas)
    assert any("nested names are our code" in line for line in atlas)
    assert any("case variable consent_to_quote" in line for line in atlas)


def _subset(tables, ids: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    conversations, participants = tables
    keep = conversations[conversations["participant_id"].isin(ids)].reset_index(drop=True)
    return keep, participants[participants["participant_id"].isin(ids)].reset_index(drop=True)


VARIANTS = {
    # inline PlainTextContent for every other source, NVivo's capitalised Sources/ folder, UTF-16
    "inline_utf16": rt.Style(origin="NVivo 14", inline=lambda i: i % 2 == 0, sources_folder="Sources",
                             encoding="utf-16"),
    # MAXQDA's line-ending option in QualCoder: CRLF stored, positions counting it as two characters
    "crlf_two": rt.Style(origin="MAXQDA 2022 (Release 22.4.0)", upper=True, per_segment_sources=False,
                         consent_on="case", newline="\r\n", encoding="utf-8", code_name="code"),
    # MAXQDA and Quirkos: a document's variables on an unnamed case holding that one document
    "carrier": rt.Style(origin="MAXQDA 24 (Release 24.7.0)", upper=True, consent_on="carrier"),
    # NVivo: each case is also a node coding its sources (no SourceRef)
    "cases_as_codes": rt.Style(origin="NVivo for Mac 15.0.0", cases_as_codes=True, code_name="code"),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_other_ways_tools_write_give_the_same_tables(tmp_path, tables, codebook, variant: str) -> None:
    conversations, participants = _subset(tables, ["ALB-01", "MDA-03", "PER-02"])
    style = VARIANTS[variant]
    consent = _first_consent(conversations) if style.consent_on == "case" else None
    if consent:
        conversations = conversations.assign(consent_to_quote=conversations["participant_id"].map(consent))
    project = rt.write_project(conversations, participants, rt.codebook_tree(codebook), style,
                               tmp_path / f"{variant}.qdpx", case_consent=consent)
    csv = _csv_pair(tmp_path / "csv", conversations, participants)
    pd.testing.assert_frame_equal(q.load_conversations(project), _as_a_project_holds(q.load_conversations(csv)))
    pd.testing.assert_frame_equal(q.load_participants(project), q.load_participants(csv.parent / "participants.csv"))


def test_crlf_positions_follow_the_tool(tmp_path, tables, codebook) -> None:
    """The same CRLF file read as ATLAS.ti's (CRLF one character) and as another tool's (two)."""
    conversations, participants = _subset(tables, ["COL-01"])
    consent = _first_consent(conversations)
    atlas = rt.write_project(conversations, participants, rt.codebook_tree(codebook), rt.ATLASTI,
                             tmp_path / "atlas.qdpx", case_consent=consent)
    # The very bytes ATLAS.ti wrote, said to come from MAXQDA: positions now fall elsewhere.
    other = tmp_path / "other.qdpx"
    rt.rewrite_origin(atlas, other, "MAXQDA 2022 (Release 22.4.0)")
    expected = list(conversations["excerpt"])
    assert list(refiqda.read_project(atlas, {c: s.label for c, s in codebook.codes.items()},
                                     q.PARTICIPANT_COLUMNS[1:], ()).segments["excerpt"]) == expected
    shifted = refiqda.read_project(other, {c: s.label for c, s in codebook.codes.items()},
                                   q.PARTICIPANT_COLUMNS[1:], ()).segments["excerpt"]
    assert list(shifted) != expected


def _capture(monkeypatch) -> list[str]:
    shown: list[str] = []

    def display(*objects, **_):
        for obj in objects:
            data = getattr(obj, "data", obj)
            shown.append(data if isinstance(data, str) else repr(type(obj)) + str(len(data)))

    monkeypatch.setattr(report_display, "display", display)
    return shown


def _run_sections(conversations_path: Path, country: str, out: Path, monkeypatch) -> dict[str, object]:
    """The conversation parts of every section, in process, as the notebooks call them."""
    shown = _capture(monkeypatch)
    result: dict[str, object] = {}
    for section_id, methods in CONVERSATION_SECTIONS.items():
        section = report.Section(section_id, country, "en", None, str(conversations_path), str(out / section_id))
        for method in (methods if isinstance(methods, tuple) else (methods,)):
            getattr(section, method)()
        section.finish()
    result["shown"] = list(shown)
    result["files"] = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    return result


@pytest.mark.parametrize("tool", ["qualcoder", "atlasti"])
@pytest.mark.parametrize("country", ["MDA", "COL", "ALL"])
def test_report_sections_from_a_project_equal_those_from_its_csv(projects, tmp_path, monkeypatch, tool, country):
    project, csv = projects[tool]
    from_csv = _run_sections(csv, country, tmp_path / "csv", monkeypatch)
    from_project = _run_sections(project, country, tmp_path / "qdpx", monkeypatch)
    values = [name for name in from_csv["files"] if name.endswith("values.json")]
    assert len(values) == len(CONVERSATION_SECTIONS)
    assert any(json.loads(from_csv["files"][v]) for v in values)  # the sections recorded something
    assert from_project["files"] == from_csv["files"]
    assert from_project["shown"] == from_csv["shown"]
    if tool == "qualcoder":  # the embedded CSV itself: its excerpts are shown
        # shown as Markdown, where the excerpt's brackets are escaped (it is text from data)
        assert any("&#91;synthetic&#93; The participant" in text for text in from_csv["shown"])


def _build(out: Path, conversations: Path, decisions: Path) -> dict[str, bytes]:
    env = dict(os.environ, PERSPECTIVES_PDF="0")  # the section's values and tables are compared, not the report
    # From the small-cell rule's results saved for the same survey (the conversations are not
    # what it searches): the subject is the conversations read, not the search.
    remembering(out, decisions)
    done = subprocess.run([str(BIN / "perspectives"), "build", "--country", "MDA", "--section", "disclosure",
                           "--conversations", str(conversations), "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600, env=env)
    assert done.returncode == 0, done.stderr
    folder = out / "MDA" / "sections" / "disclosure"
    return {name: (folder / name).read_bytes() for name in ("values.json",)} | {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted((folder / "tables").glob("themes_*"))}


def test_build_from_a_project_equals_build_from_the_csv(projects, tmp_path, saved_decisions) -> None:
    from_project = _build(tmp_path / "qdpx", projects["qualcoder"][0], saved_decisions)
    from_csv = _build(tmp_path / "csv", DATA / "conversations.csv", saved_decisions)
    assert any(name.startswith("tables/themes_") for name in from_csv)
    assert from_project == from_csv


# ------------------------------------------------------------------------------ (b) codebooks

def test_exported_codebook_validates_round_trips_and_repeats(tmp_path, codebook) -> None:
    done = subprocess.run([str(BIN / "perspectives"), "codebook", "export", str(tmp_path / "ours.qdc")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    data = (tmp_path / "ours.qdc").read_bytes()
    rt.validate("codebook", data)
    assert refiqda_codebook.write_codebook(codebook) == data  # the same bytes every time
    theirs = refiqda_codebook.read_codebook(tmp_path / "ours.qdc")
    assert [c.name for c in theirs] == [s.label for s in codebook.codes.values()]
    by_guid = {c.guid: c for c in theirs}
    for code, spec in codebook.codes.items():
        mine = by_guid[refiqda_codebook.code_guid(code)]
        assert mine.description.splitlines() == [spec.definition, f"Code: {code}"]
        assert (by_guid[mine.parent].description.splitlines()[-1] if mine.parent else None) == \
            (f"Code: {spec.parent}" if spec.parent else None)
    sets = etree.fromstring(data).findall("{urn:QDA-XML:codebook:1.0}Sets/{urn:QDA-XML:codebook:1.0}Set")
    assert {s.get("name") for s in sets} == {codebook.sections[c.section] for c in codebook.codes.values()}
    assert refiqda_codebook.compare_codebook(codebook, theirs) == []


def test_partner_codebook_differences_are_named(tmp_path, codebook) -> None:
    """A partner removed one theme, added a code of their own and renamed a label."""
    ns = "{urn:QDA-XML:codebook:1.0}"
    root = etree.fromstring(refiqda_codebook.write_codebook(codebook))
    codes = {c.get("guid"): c for c in root.iter(f"{ns}Code")}
    gone = codes[refiqda_codebook.code_guid("fear.judgement")]
    gone.getparent().remove(gone)
    for member in root.iter(f"{ns}MemberCode"):
        if member.get("guid") == refiqda_codebook.code_guid("fear.judgement"):
            member.getparent().remove(member)
    codes[refiqda_codebook.code_guid("prevention")].set("name", "Keeping children safe")
    extra = etree.SubElement(root.find(f"{ns}Codes"), f"{ns}Code", guid="0A1B2C3D-0000-4000-8000-000000000001",
                             name="Online games", isCodable="true")
    del extra  # appended at the top level
    partner = tmp_path / "partner.qdc"
    partner.write_bytes(b"\xef\xbb\xbf" + etree.tostring(root, xml_declaration=True, encoding="utf-8"))  # BOM, as QualCoder
    rt.validate("codebook", partner.read_bytes()[3:])
    done = subprocess.run([str(BIN / "perspectives"), "codebook", "check", str(partner)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1, done.stderr
    judged = codebook.label("fear.judgement")
    assert f"'{judged}' (fear.judgement) is not in their codebook" in done.stdout
    assert "'Online games' is not in our codebook" in done.stdout
    assert f"'{codebook.label('prevention')}' (prevention) is named 'Keeping children safe' there" in done.stdout
    kinds = sorted(d.kind for d in refiqda_codebook.compare_codebook(codebook, refiqda_codebook.read_codebook(partner)))
    assert kinds == ["extra", "missing", "renamed"]


def test_codebook_nested_differently_is_named_moved(tmp_path, codebook) -> None:
    ns = "{urn:QDA-XML:codebook:1.0}"
    root = etree.fromstring(refiqda_codebook.write_codebook(codebook))
    codes = {c.get("guid"): c for c in root.iter(f"{ns}Code")}
    child = codes[refiqda_codebook.code_guid("fear.judgement")]
    root.find(f"{ns}Codes").append(child)  # moved to the top
    moved = [d for d in refiqda_codebook.compare_codebook(codebook, _codes_of(root, tmp_path)) if d.kind == "moved"]
    assert [d.code for d in moved] == ["fear.judgement"]


def _codes_of(root, tmp_path: Path) -> list[refiqda_codebook.TheirCode]:
    path = tmp_path / "moved.qdc"
    path.write_bytes(etree.tostring(root))
    return refiqda_codebook.read_codebook(path)


# ------------------------------------------------------------------------------ (c) refusals

def _check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "perspectives"), "check", "--conversations", str(path)],
                          capture_output=True, text=True, cwd=ROOT)


@pytest.fixture
def small(tables) -> tuple[pd.DataFrame, pd.DataFrame]:
    return _subset(tables, ["ALB-01", "MDA-03"])


def test_unknown_code_refused_unless_mapped(tmp_path, small, codebook, monkeypatch) -> None:
    conversations, participants = small
    tree = rt.codebook_tree(codebook)
    renamed = dict(tree)
    renamed["fear.judgement"] = ("Being judged", tree["fear.judgement"][1])
    uses = conversations["themes"].str.contains("fear.judgement").any()
    assert uses
    project = rt.write_project(conversations, participants, renamed, rt.QUALCODER, tmp_path / "renamed.qdpx")
    done = _check(project)
    assert done.returncode == 2
    assert "code 'Worry" not in done.stdout and "code '" in done.stdout
    line = next(x for x in done.stdout.splitlines() if "not in the theme codebook" in x)
    assert "Being judged" in line and "params/code_mapping.yml" in line
    mapping = tmp_path / "code_mapping.yml"
    mapping.write_text('codes:\n  "Being judged": fear.judgement\n', encoding="utf-8")
    monkeypatch.setattr(refiqda, "MAPPING_FILE", str(mapping))
    expected = _as_a_project_holds(q.load_conversations(_csv_pair(tmp_path / "csv", conversations, participants)))
    pd.testing.assert_frame_equal(q.load_conversations(project), expected)


def test_mapping_to_a_code_we_do_not_have_is_refused(tmp_path, codebook) -> None:
    mapping = tmp_path / "code_mapping.yml"
    mapping.write_text('codes:\n  "Being judged": fear.judged\n', encoding="utf-8")
    with pytest.raises(refiqda.ProjectError, match="'Being judged' -> 'fear.judged'"):
        refiqda.load_code_mapping(mapping, codebook.codes)


@pytest.mark.parametrize("variable", ["country", "consent_to_quote"])
def test_case_without_country_or_consent_refused(tmp_path, small, codebook, variable) -> None:
    conversations, participants = small
    consent = _first_consent(conversations)
    conversations = conversations.assign(consent_to_quote=conversations["participant_id"].map(consent))
    project = rt.write_project(conversations, participants, rt.codebook_tree(codebook), rt.ATLASTI,
                               tmp_path / "missing.qdpx", case_consent=consent,
                               drop_variable_values=[("MDA-03", variable)])
    done = _check(project)
    assert done.returncode == 2
    assert "MDA-03" in done.stdout and "Fix:" in done.stdout
    assert variable in done.stdout
    assert "ALB-01" not in done.stdout.split("Problems")[1]


def test_selection_outside_its_source_refused(tmp_path, small, codebook) -> None:
    conversations, participants = small
    project = rt.write_project(conversations, participants, rt.codebook_tree(codebook), rt.QUALCODER,
                               tmp_path / "outside.qdpx",
                               edit_qde=lambda x: x.replace('endPosition="', 'endPosition="9', 1))
    done = _check(project)
    assert done.returncode == 2
    assert "source 'ALB-01 segment 001'" in done.stdout
    assert "outside its source, which holds" in done.stdout and "Fix:" in done.stdout


def test_check_accepts_a_good_project(projects) -> None:
    done = _check(projects["atlasti"][0])
    assert done.returncode == 0, done.stdout
    assert "ATLAS.ti" in done.stdout and "Conversations: usable" in done.stdout
    counts = q.load_conversations(projects["atlasti"][0]).groupby("country").size()
    participants = q.load_participants(projects["atlasti"][0]).groupby("country").size()
    assert any(line.split()[:3] == ["MDA", str(participants["MDA"]), str(counts["MDA"])]
               for line in done.stdout.splitlines() if line.strip())


def test_consent_that_disagrees_is_refused(tmp_path, small, codebook) -> None:
    """Consent on the sources and on the case, saying different things: which one is meant is not guessed."""
    conversations, participants = small
    style = rt.Style(origin="QualCoder 3.6", consent_on="source")
    flipped = {pid: "yes" for pid in participants["participant_id"]}
    project = rt.write_project(conversations, participants, rt.codebook_tree(codebook), style, tmp_path / "both.qdpx",
                               edit_qde=lambda x: _case_consent(x, flipped))
    with pytest.raises(refiqda.ProjectError) as err:
        q.read_project(project)
    assert "the source says consent_to_quote 'no' and case 'ALB-01' says 'yes'" in str(err.value)


def _case_consent(qde: str, consent: dict[str, str]) -> str:
    guid = rt.Guids(False)
    for pid, value in consent.items():
        qde = qde.replace(f'name="{pid}">\n<Description />\n',
                          f'name="{pid}">\n<Description />\n' + rt._value_xml(rt.QUALCODER, "consent_to_quote", value, guid))
    rt.validate("project", qde.encode("utf-8"))
    return qde


def test_build_refuses_a_bad_project_before_writing(tmp_path, small, codebook) -> None:
    conversations, participants = small
    project = rt.write_project(conversations, participants, rt.codebook_tree(codebook), rt.QUALCODER,
                               tmp_path / "outside.qdpx",
                               edit_qde=lambda x: x.replace('endPosition="', 'endPosition="9', 1))
    out = tmp_path / "out"
    done = subprocess.run([str(BIN / "perspectives"), "build", "--country", "MDA", "--conversations", str(project),
                           "--out", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 2
    assert "outside.qdpx" in done.stderr and "outside its source" in done.stderr
    assert not (out / "MDA").exists()


def test_our_rules_name_the_case(tmp_path, small, codebook) -> None:
    """A value our rules refuse (as for the CSV) is named by case and variable, not by a line."""
    conversations, participants = small
    participants = participants.assign(gender=participants["gender"].str.capitalize())
    project = rt.write_project(conversations, participants, rt.codebook_tree(codebook), rt.QUALCODER,
                               tmp_path / "gender.qdpx")
    with pytest.raises(q.QualitativeDataError) as err:
        q.load_participants(project)
    assert "case variable 'gender'" in str(err.value) and "case 'ALB-01'" in str(err.value)
    assert "line" not in str(err.value)


# ------------------------------------------------------------------------------ (d) consent and the screen

def test_consent_and_screen_apply_as_for_the_csv(tmp_path, tables, codebook, monkeypatch) -> None:
    conversations, participants = tables
    conversations = conversations.copy()
    mda = conversations.index[conversations["country"] == "MDA"]
    secret = "[synthetic] The participant talked about a topic nobody consented to quote, marker QX7."
    # Every MDA segment on the disclosure themes: one without consent (unique text), one consented
    # but identifying (an e-mail address), so the screen must withhold it.
    refused, identifying = mda[0], mda[1]
    conversations.loc[refused, ["excerpt", "consent_to_quote"]] = [secret, "no"]
    conversations.loc[identifying, ["excerpt", "consent_to_quote"]] = [
        "[synthetic] The participant talked about writing to ana.popescu@example.md for help.", "yes"]
    for i in (refused, identifying):
        conversations.loc[i, "themes"] = "disclosure.experience"
    csv = _csv_pair(tmp_path / "csv", conversations, participants)
    project = rt.write_project(conversations, participants, rt.codebook_tree(codebook), rt.QUALCODER,
                               tmp_path / "screen.qdpx")
    from_csv = _run_sections(csv, "MDA", tmp_path / "out_csv", monkeypatch)
    from_project = _run_sections(project, "MDA", tmp_path / "out_qdpx", monkeypatch)
    assert from_project == from_csv
    everything = "\n".join(from_project["shown"]) + b"".join(from_project["files"].values()).decode("utf-8", "replace")
    assert "QX7" not in everything and "example.md" not in everything
    values = json.loads(from_project["files"]["disclosure/values.json"])
    # One excerpt held back: a count under the threshold, withheld in values.json and the report
    blocked = next(v for v in values if v["name"] == "excerpts.disclosure.blocked")
    assert blocked["value"] is None and blocked["suppressed"] is True
    assert "Some excerpts on these themes are not shown" in "\n".join(from_project["shown"])
    # and the project really holds both texts, consent as written
    segments = q.load_conversations(project)
    assert segments.loc[segments["excerpt"] == secret, "consent_to_quote"].tolist() == ["no"]


def test_codebook_as_nvivo_writes_it(tmp_path, codebook) -> None:
    """NVivo's .qdc: its own namespace version, upper-case GUIDs of its own, no descriptions, one line."""
    guid = rt.Guids(True)
    children: dict[str | None, list[str]] = {}
    for code, spec in codebook.codes.items():
        children.setdefault(spec.parent, []).append(code)
    renamed = {"prevention": "Keeping children safe"}

    def node(code: str) -> str:
        name = rt.e(renamed.get(code, codebook.label(code)))
        inner = "".join(node(c) for c in children.get(code, []))
        head = f'<Code guid="{guid("nvivo", code)}" isCodable="true" name="{name}"'
        return f"{head}>{inner}</Code>" if inner else f"{head}/>"

    text = ('<?xml version="1.0" encoding="UTF-8" standalone="no" ?><CodeBook origin="NVivo 14" '
            'xmlns="urn:QDA-XML:codebook:1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="urn:QDA-XML:codebook:1.0 Codebook.xsd"><Codes>'
            + "".join(node(c) for c in children[None]) + "</Codes></CodeBook>")
    rt.validate("codebook", text.encode("utf-8"))
    path = tmp_path / "nvivo.qdc"
    path.write_text(text, encoding="utf-8")
    differences = refiqda_codebook.compare_codebook(codebook, refiqda_codebook.read_codebook(path))
    # Without our GUIDs or Code: lines a renamed label cannot be told from a new code: both are named.
    assert [(d.kind, d.code) for d in differences] == [("extra", ""), ("missing", "prevention")]
    assert "'Keeping children safe' is not in our codebook" in differences[0].detail
