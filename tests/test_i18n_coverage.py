"""What a reader of a translated report meets in English, counted on the report itself.

The first tests hand the audit (``perspectives.untranslated``) small reports and catalogues
whose English is known by construction. The build tests make a Romanian report of Moldova in
a copy of the repository, and check the count against what does not depend on the audit: the
same report built in English (a piece of text the two builds print identically is English the
reader meets), and a translation added to the catalogue, which must take exactly that string
off the list. The last test builds one national report in each study language with ``--strict``
(Moldova's in Romanian is the one conftest's shared ``romanian_build`` holds).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from report_sentences import opening_on_a_digit
from shared_builds import remembering

from perspectives import i18n, msgids, untranslated
from perspectives.project import Project
from perspectives.report_upstream import runs_before
from perspectives.study import load_study, repo_root

ROOT = repo_root()


@pytest.fixture
def catalogues(tmp_path, monkeypatch):
    """An empty folder of catalogues that the library reads instead of params/i18n.

    The study folder keeps what it read by file: catalogues in another folder are read afresh.
    """
    folder = tmp_path / "i18n"
    folder.mkdir()
    monkeypatch.setattr(Project, "catalogues", property(lambda self: folder))
    yield folder


def _report(out: Path, body: str, lang: str = "ro", code: str = "MDA") -> Path:
    folder = out / code if lang == "en" else out / code / lang
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.html").write_text(f'<!DOCTYPE html><html lang="{lang}"><head><title>t</title></head>'
                                        f"<body>{body}</body></html>", encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- the coverage tool

def test_coverage_names_a_blank_entry_and_a_sentence_no_catalogue_knows(tmp_path, catalogues, capsys) -> None:
    # "Prevention" is translated; "Support services" has an entry left blank (it shows the English);
    # the last sentence is in no catalogue and in no source: it never passed a catalogue.
    (catalogues / "ro.yml").write_text('"Prevention": {text: "Prevenire", review: true}\n'
                                       '"Support services": {text: "", review: true}\n', encoding="utf-8")
    never = "The pilot group met twice before the fieldwork and shared their notes with the team."
    assert never not in msgids.extract()
    _report(tmp_path / "out", f"<h1>Prevenire</h1><p>Support services</p><p>{never}</p>"
                              "<blockquote>A participant's own words are shown as given.</blockquote>"
                              "<p>Republica Moldova: 54 <code>gov_funding</code></p>")
    code = untranslated.main(["ro", "--out", str(tmp_path / "out")])
    printed = capsys.readouterr().out
    assert code == 1  # a reader meets English
    assert "ro MDA: 1 of 3 strings a reader meets are translated (33%); 2 read English" in printed
    assert "[blank] Support services" in printed
    assert "[unknown] " + never.rstrip(".") in printed
    # The quotation, the country's name, the number and the code are no English to translate.
    assert "participant" not in printed and "gov_funding" not in printed


def test_a_language_without_a_built_report_gives_its_catalogue_fill(tmp_path, catalogues, capsys) -> None:
    (catalogues / "ro.yml").write_text('"Prevention": {text: "Prevenire"}\n"Support services": {text: ""}\n',
                                       encoding="utf-8")
    assert untranslated.main(["ro", "--out", str(tmp_path / "nothing")]) == 0
    printed = capsys.readouterr().out
    total = sum(1 for m in msgids.extract().values() if not m.neutral)
    form = len(msgids.instrument_translations(i18n.instrument_language("ro")))
    assert "no report built in 'ro'" in printed
    # The form's Romanian column translates its labels; the catalogue one string more, one blank.
    assert f"translate {form + 1} of the {total} strings the reports can print (1 left blank" in printed


def test_a_template_counts_once_whatever_fills_it_and_a_translation_claims_first(tmp_path, catalogues) -> None:
    (catalogues / "ro.yml").write_text('"Prevention": {text: "Prevenire"}\n'
                                       '"Support services": {text: "Servicii de sprijin"}\n', encoding="utf-8")
    keys = {k: msgids.Msgid(k) for k in ("Prevention", "Support services", "Support",
                                         "Conversations were held with {n} young survivors in {country}.")}
    auditor = untranslated.Auditor("ro", keys=keys)
    segments = [untranslated.Segment(text, "here") for text in (
        "Conversations were held with 10 young survivors in Moldova.",
        "Conversations were held with 7 young survivors in Albania.",
        "Servicii de sprijin",  # translated: holds no English string
        "Support services",  # printed in English although the catalogue translates it
    )]
    audit = auditor.audit(segments)
    found = {f.text: (f.status, f.occurrences) for f in audit.findings}
    assert found == {"Conversations were held with {n} young survivors in {country}.": ("absent", 2),
                     "Support services": ("bypassed", 1)}  # "Support" never claims a word of the longer string
    assert (audit.count, audit.met, audit.translated) == (2, 2, 0)


def test_a_proper_name_is_claimed_whole_and_the_licence_keeps_its_official_name(tmp_path, catalogues) -> None:
    """A partner's name holding "(IFS)" is not cut by the " (" of "{author} ({year})"; the licence is a name.

    Before, the citation's template claimed the name's " (" and left "International Forum of
    Solidarity" as English; the licence's official name (kept in every edition, the sentence
    around it translated) read as English text no catalogue knows.
    """
    (catalogues / "ro.yml").write_text(
        '"{author} ({year}). {title}. Edition in {language}.": '
        '{text: "{author} ({year}). {title}. Ediția în limba {language}."}\n'
        '"Published under the licence {licence_name}.": {text: "Publicat sub licența {licence_name}."}\n',
        encoding="utf-8")
    study = load_study()
    partner = next(c.partner for c in study.countries if "(" in c.partner)
    licence = study.raw["study"]["licence"]["name"]
    keys = {k: msgids.Msgid(k) for k in ("{author} ({year}). {title}. Edition in {language}.",
                                         "Published under the licence {licence_name}.")}
    audit = untranslated.Auditor("ro", keys=keys).audit([untranslated.Segment(text, "here") for text in (
        f"{partner} (2022). Perspective. Ediția în limba română.", f"Publicat sub licența {licence}.")])
    assert [f.text for f in audit.findings] == []
    assert (audit.count, audit.met, audit.translated) == (0, 2, 2)
    # The same words outside the study's names are still English.
    audit = untranslated.Auditor("ro", keys=keys).audit([untranslated.Segment(
        "International Forum of Solidarity (IFS) Help (2022). Perspective. Ediția în limba română.", "here")])
    assert [f.status for f in audit.findings] == ["unknown"]


def test_a_form_agreeing_with_the_participants_and_a_label_inside_a_sentence_read_translated(tmp_path,
                                                                                           catalogues) -> None:
    """What a reader meets is counted whichever form the report printed.

    A report whose participants are all women prints an entry's ``agree:`` form, and a theme's
    label runs in lower case inside a sentence: both are the catalogue's translation, met and
    read translated, not strings the count leaves out.
    """
    (catalogues / "ro.yml").write_text(
        '"The young people took part.": {text: "Tinerii au participat.", '
        'agree: {field: participants, feminine: "Tinerele au participat."}}\n'
        '"Raised: {themes}.": {text: "Teme abordate: {themes}."}\n'
        '"Difficult access": {text: "Acces dificil"}\n', encoding="utf-8")
    keys = {k: msgids.Msgid(k) for k in ("The young people took part.", "Raised: {themes}.", "Difficult access")}
    audit = untranslated.Auditor("ro", keys=keys).audit(
        [untranslated.Segment(text, "here") for text in ("Tinerele au participat.", "Teme abordate: acces dificil.")])
    assert (audit.count, audit.met, audit.translated) == (0, 3, 3)


def test_a_title_shown_without_its_closing_full_stop_is_named_by_its_key(tmp_path, catalogues) -> None:
    """A recommendation's title is a heading, and an insight's sits inside a sentence, without the stop."""
    (catalogues / "ro.yml").write_text('"Let children report anonymously.": {text: "Raportare anonimă."}\n',
                                       encoding="utf-8")
    keys = {k: msgids.Msgid(k) for k in ("Make reporting channels easy to find.", "Let children report anonymously.",
                                         "The experts at the roundtable made a related point: {insight_title}.")}
    auditor = untranslated.Auditor("ro", keys=keys)
    audit = auditor.audit([untranslated.Segment(text, "here") for text in (
        "1. Make reporting channels easy to find",
        "The experts at the roundtable made a related point: Raportare anonimă.",
        "The experts at the roundtable made a related point: Let children report anonymously.",
    )])
    found = {f.text: (f.status, f.occurrences) for f in audit.findings}
    assert found == {"Make reporting channels easy to find.": ("absent", 1),
                     "Let children report anonymously.": ("bypassed", 1),
                     "The experts at the roundtable made a related point: {insight_title}.": ("absent", 2)}
    assert (audit.count, audit.translated) == (3, 0)


def test_word_and_chart_text_are_read(tmp_path) -> None:
    from docx import Document

    folder = _report(tmp_path, "<p>Prevenire</p>")
    doc = Document()
    doc.add_heading("Recomandări", 1)
    doc.add_paragraph("Evidence:")
    doc.add_paragraph("A quotation", style="Quote")
    doc.save(folder / "report.docx")
    run = folder / "sections" / "prevention"
    run.mkdir(parents=True)
    figure = {"output_type": "display_data", "data": {}, "metadata": {"perspectives": {
        "kind": "figure", "png": "figures/fig01.png", "texts": ["Share of respondents (%)", "40"]}}}
    (run / "executed.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": [figure]}]}),
                                        encoding="utf-8")
    segments = untranslated.report_segments(folder)
    where = {s.text: s.where for s in segments}
    assert where["Evidence:"] == "Word: Recomandări › paragraph"
    assert where["Share of respondents (%)"] == "chart: figures/fig01.png"
    assert "A quotation" not in where


# --------------------------------------------------------------------------- the keys, found where written

def test_keys_are_found_in_parameters_notebooks_and_the_library(tmp_path) -> None:
    found = msgids.extract()
    texts = yaml.safe_load((ROOT / "params" / "report_texts.yml").read_text(encoding="utf-8"))
    plural = texts["methods"]["survey"]["received"]
    assert found[plural["other"]].forms == (("one", plural["one"]), ("other", plural["other"]))
    assert texts["fields"]["place"] not in found  # a description for editors, not report text
    recommendations = yaml.safe_load((ROOT / "data" / "recommendations.yml").read_text(encoding="utf-8"))
    item = recommendations["groups"][0]["items"][0]
    assert {item["title"], item["text"], recommendations["groups"][0]["title"]} <= set(found)
    codebook = (ROOT / "data" / "codebook.yml").read_text(encoding="utf-8")
    assert "Insensitive first contact" in codebook and "Insensitive first contact" in found
    # A translator called with a constant, through a subscript, and a chart's axis label.
    assert {"Bar chart", "Heat map", "Share of respondents (%)", "Evidence:"} <= set(found)
    # The summary's headings, sentences and words for options are text; the analyses and
    # options its blocks rank, compare or leave out are names.
    summary = yaml.safe_load((ROOT / "params" / "summary.yml").read_text(encoding="utf-8"))
    texts = {b["heading"] for b in summary} | {f for b in summary for f in b.get("findings") or []} | {
        words for b in summary for given in (b.get("labels") or {}).values() for words in given.values()}
    names = {n for b in summary for key in ("topics", "compare", "exclude") for n in b.get(key) or []}
    assert texts <= set(found) and "funding of the response" in texts
    assert names and not names & set(found), sorted(names & set(found))


def test_library_calls_resolve_constants_loops_and_defaults(tmp_path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "words.py").write_text('LABEL = "Figure {number}. {caption}"\n', encoding="utf-8")
    (lib / "user.py").write_text(
        "from .words import LABEL\n"
        'KINDS = {"bars": "Bar chart", "heat": "Heat map"}\n'
        'NOTES = ("First note.", "Second note.")\n'
        "def f(tr, kind, words=NOTES):\n"
        '    tr("Literal {x}", x=1)\n'
        "    tr(KINDS[kind]); tr(LABEL)\n"
        "    plain, other = ('A', 'B') if kind else ('C', 'D')\n"
        "    return [tr(w) for w in words]\n"
        "def g(speak: 'Translator'):\n"
        '    return speak("Through a parameter.")\n'
        "def h(lang):\n"
        "    words = Translator(lang)\n"
        '    return words("Through a local name.") + print("Not a translator.")\n', encoding="utf-8")
    found = [text for text, _ in msgids.library_strings(lib)]
    assert sorted(found) == sorted(["Literal {x}", "Bar chart", "Heat map", "Figure {number}. {caption}",
                                    "First note.", "Second note.", "Through a parameter.", "Through a local name."])


def test_skeleton_gives_report_texts_plural_forms_in_the_languages_categories() -> None:
    entries = yaml.safe_load(i18n.skeleton("bs"))
    texts = yaml.safe_load((ROOT / "params" / "report_texts.yml").read_text(encoding="utf-8"))
    key = texts["methods"]["survey"]["received"]["other"]
    assert entries[key] == {"one": "", "few": "", "other": "", "review": True}
    assert entries["Evidence:"] == {"text": "", "review": True}


def test_plural_forms_and_form_labels_from_the_catalogue(tmp_path, catalogues) -> None:
    (catalogues / "th.yml").write_text('"{n} young people took part.": {other: "{n} คน", review: true}\n'
                                       '"Woman": {text: "ผู้หญิง"}\n', encoding="utf-8")
    tr = i18n.Translator("th")
    english = {"one": "One young person took part.", "other": "{n} young people took part."}
    assert tr.forms(english, 1, n=1) == "1 คน"  # Thai has one form
    assert i18n.Translator("en").forms(english, 1, n=1) == "One young person took part."
    # The form has no Thai column: its labels come from the catalogue.
    assert tr.label({"English (en)": "Woman"}, "Woman", "gender/female") == "ผู้หญิง"


def test_strict_result_fails_and_names_the_strings(tmp_path) -> None:
    from perspectives.build.outcome import BuildResult

    folder = _report(tmp_path, "<p>x</p>")
    audit = untranslated.Audit("ro", [untranslated.Finding("Evidence:", "absent", 3, ["HTML: Recomandări › list item"])],
                               met=5, translated=4, review=4)
    (folder / untranslated.MISSING_FILE).write_text(json.dumps(audit.to_json()), encoding="utf-8")
    result = BuildResult(untranslated=untranslated.strict_failures({"MDA": folder}))
    assert not result.ok
    summary = result.summary()
    assert "UNTRANSLATED (--strict) MDA: 1 English string(s)" in summary
    assert "[absent] Evidence:" in summary and "3x: HTML: Recomandări › list item" in summary


def test_a_missing_translation_is_listed_without_its_control_characters(tmp_path) -> None:
    audit = untranslated.Audit("ro", [untranslated.Finding("label \x1b]0;title\x07 \x1b[2J cleared", "unknown", 1,
                                                           ["HTML: \x1b[31m"])], met=1, translated=0, review=0)
    text = "\n".join(untranslated.describe("MDA", audit, "MDA"))
    assert "label" in text and "cleared" in text
    assert "\x1b" not in text and "\x07" not in text


# --------------------------------------------------------------------------- a Romanian build of Moldova

def _copy(dest: Path) -> Path:
    """The checkout's files git tracks or would track (no outputs, no .git)."""
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, listed):
        source = ROOT / os.fsdecode(name)
        if source.is_file() and not os.fsdecode(name).startswith("outputs/"):
            target = dest / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest


def _run(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(repo / "lib"), MPLBACKEND="Agg", PERSPECTIVES_PDF="0")
    return subprocess.run([sys.executable, "-m", "perspectives.cli", *args], cwd=repo, env=env,
                          capture_output=True, text=True)


# The recommendations and the sections they state findings of (run before them: grid.yml's after).
SECTIONS = ("recommendations", *sorted(runs_before("recommendations")))


def _strings(node: object) -> set[str]:
    if isinstance(node, str):
        return {node}
    if isinstance(node, dict):
        return {s for v in node.values() for s in _strings(v)}
    if isinstance(node, list):
        return {s for v in node for s in _strings(v)}
    return set()


def _untranslate_recommendations(repo: Path) -> None:
    """The copy's Romanian catalogue without the recommendations' words: English a reader meets, on purpose."""
    path = repo / "params" / "i18n" / "ro.yml"
    catalogue = yaml.safe_load(path.read_text(encoding="utf-8"))
    gone = _strings(yaml.safe_load((repo / "data" / "recommendations.yml").read_text(encoding="utf-8")))
    gone |= {"Evidence:"} | {s.rstrip(".") for s in gone}
    kept = {k: v for k, v in catalogue.items() if k not in gone}
    assert len(kept) < len(catalogue)
    path.write_text("".join(f"{json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}\n"
                            for k, v in kept.items()), encoding="utf-8")


@pytest.fixture(scope="module")
def moldova(tmp_path_factory, saved_decisions: Path) -> dict[str, object]:
    """In a copy of the repository: Moldova's recommendations and what they rest on, in English and in Romanian.

    Both builds start from the small-cell rule's results a build of the embedded export saved
    (conftest's ``saved_decisions``): their masks are not what is tested here.
    """
    repo = _copy(tmp_path_factory.mktemp("i18n") / "repo")
    _untranslate_recommendations(repo)
    for out in ("out-en", "out-ro"):
        remembering(repo / out, saved_decisions)
    english = _run(repo, "build", "--country", "MDA", "--section", *SECTIONS, "--out", "out-en", "--jobs", "2")
    assert english.returncode == 0, english.stderr[-3000:]
    romanian = _run(repo, "build", "--country", "MDA", "--section", *SECTIONS, "--lang", "ro", "--out", "out-ro",
                    "--jobs", "2", "--strict")
    return {"repo": repo, "strict": romanian}


_BLOCK = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "caption", "figcaption", "summary", "dt", "dd",
          "pre", "ul", "ol", "table", "thead", "tbody", "tr", "div", "section", "figure", "details", "nav", "header",
          "footer", "main", "body"}


def _pieces(path: Path) -> list[str]:
    """The text of each block of a page (nested blocks apart), quotations and code left out."""
    from lxml import html

    root = html.fromstring(path.read_bytes())
    for element in root.xpath("//blockquote|//code|//script|//style"):
        element.drop_tree()

    def own(element) -> str:
        parts = [element.text or ""]
        for child in element:
            parts += ["" if child.tag in _BLOCK else child.text_content(), child.tail or ""]
        return " ".join("".join(parts).split())

    return [own(e) for e in root.iter() if isinstance(e.tag, str) and e.tag in _BLOCK and own(e)]


def _masked(text: str, names: list[str]) -> str:
    for name in names:
        text = text.replace(name, "NAME")
    return re.sub(r"\d+", "#", text)


def test_strict_build_fails_and_names_each_english_string_and_where(moldova) -> None:
    done = moldova["strict"]
    assert done.returncode == 1, done.stderr[-2000:]
    recommendations = yaml.safe_load((ROOT / "data" / "recommendations.yml").read_text(encoding="utf-8"))
    first = recommendations["groups"][0]["items"][0]["title"]
    assert re.search(r"UNTRANSLATED \(--strict\) MDA: \d+ English string\(s\)", done.stderr)
    # Each recommendation is a heading, its title without the closing full stop: named as its key.
    assert f"[absent] {first}" in done.stderr and "HTML: Recomandări › heading" in done.stderr


def test_every_piece_the_english_build_prints_identically_is_named(moldova) -> None:
    repo = moldova["repo"]
    study = load_study()
    names = sorted({n for c in study.countries for n in (c.name, c.partner or "")} |
                   {"Republica Moldova", "Moldova"}, key=len, reverse=True)
    english = {_masked(p, names) for p in _pieces(repo / "out-en" / "MDA" / "report.html")}
    romanian = _pieces(repo / "out-ro" / "MDA" / "ro" / "report.html")
    from perspectives.instrument import load_instrument

    catalogue = i18n.load_catalogue("ro", repo / "params" / "i18n")
    same_words = {k for k, e in catalogue.items() if e.text == k}
    form = load_instrument()
    same_words |= {item.label for item in [*form.questions.values(), *(c for cs in form.choices.values() for c in cs)]
                   if item.labels.get("Romanian (ro)") == item.label}
    # English a reader meets: printed alike in both builds, with a word of three letters or more
    # once names, numbers and codes (file names, digests) are set aside, and not a translation
    # identical to its English.
    # A piece whose every word the Romanian translations (catalogue and form) also use
    # ("instrument") reads as Romanian too.
    items = [*form.questions.values(), *(c for cs in form.choices.values() for c in cs)]
    romanian_texts = [e.text for e in catalogue.values()] + [i.labels.get("Romanian (ro)", "") for i in items]
    romanian_words = {w.lower() for text in romanian_texts for w in re.findall(r"[^\W\d_]+", text)}
    alike = set()
    for p in romanian:
        words = re.findall(r"[A-Za-z]{3,}", _masked(re.sub(r"\S*(?:[\d_]|\w[./:@]\w)\S*", "", p), names)
                           .replace("NAME", ""))
        if _masked(p, names) in english and p not in same_words and {w.lower() for w in words} - romanian_words:
            alike.add(p)
    audit = untranslated.audit_report(repo / "out-ro" / "MDA" / "ro")
    flagged = {s.text for s in audit.flagged if s.where.startswith("HTML")}
    assert alike, "the Romanian report still prints English (today: the recommendations)"
    assert sorted(alike - flagged) == []
    # And nothing is named that the English build does not print.
    english_text = " ".join(_pieces(repo / "out-en" / "MDA" / "report.html"))
    english_words = set(re.findall(r"[^\W\d_]+", english_text))
    for finding in audit.findings:
        if any(place.startswith("chart") for place in finding.places):
            continue  # drawn into a picture: not in the page's text
        if finding.status == "unknown":  # words no catalogue knows, each printed by the English build
            assert set(re.findall(r"[^\W\d_]+", finding.text)) <= english_words, finding
            continue
        # A title shown as a heading drops its closing full stop.
        chunks = [c.strip().removesuffix(".") for piece in untranslated.visible(finding.text)
                  for c in re.split(r"\{[^}]*\}", piece)]
        assert any(len(c) > 3 and c in english_text for c in chunks), finding


def test_the_build_the_file_and_the_tool_give_one_count_and_a_translation_removes_its_string(moldova) -> None:
    repo = moldova["repo"]
    stored = json.loads((repo / "out-ro" / "MDA" / "ro" / "missing_translations.json").read_text(encoding="utf-8"))
    count = stored["count"]
    assert count == len(stored["strings"]) > 0
    assert f"MDA: {count} English string(s) a reader meets in the 'ro' report" in moldova["strict"].stderr
    tool = _run(repo, "i18n", "ro", "--out", "out-ro")
    assert tool.returncode == 1
    assert f"; {count} read English;" in tool.stdout
    # Translate two of the strings it names; rebuild: exactly those two leave the list.
    chosen = ["Evidence:", yaml.safe_load((repo / "data" / "recommendations.yml").read_text(
        encoding="utf-8"))["groups"][0]["items"][0]["title"]]
    assert set(chosen) <= set(stored["missing"])
    path = repo / "params" / "i18n" / "ro.yml"
    path.write_text(path.read_text(encoding="utf-8") + '"Evidence:": {text: "Dovezi:", review: true}\n'
                    + json.dumps(chosen[1], ensure_ascii=False) + ': {text: "Canale de raportare ușor de găsit.", '
                    "review: true}\n", encoding="utf-8")
    # Both are printed by the recommendations alone: the sections they read stay as built.
    again = _run(repo, "build", "--country", "MDA", "--section", "recommendations", "--lang", "ro", "--out", "out-ro",
                 "--jobs", "2")
    assert again.returncode == 0, again.stderr[-3000:]
    after = json.loads((repo / "out-ro" / "MDA" / "ro" / "missing_translations.json").read_text(encoding="utf-8"))
    assert after["count"] == count - 2
    assert sorted(after["missing"]) == sorted(set(stored["missing"]) - set(chosen))
    html = (repo / "out-ro" / "MDA" / "ro" / "report.html").read_text(encoding="utf-8")
    assert "<strong>Dovezi:</strong>" in html and ">1. Canale de raportare ușor de găsit</h3>" in html


# --------------------------------------------------------------------------- every string through a catalogue

_ACCENTED = str.maketrans("aeiouAEIOUcnsCNS", "àéîöûÀÉÎÖÛçñšÇÑŠ")


def _pseudo(template: str) -> str:
    """A stand-in translation: every letter accented, fields, Markdown and code kept as they are."""
    import string

    if not re.search(r"[^\W\d_]{2}", template):
        return template  # "n", "%": nothing a translation would change
    out = []
    for text, name, spec, conversion in string.Formatter().parse(template):
        out.append("".join(part if part.startswith("`") else part.translate(_ACCENTED)
                           for part in re.split(r"(`[^`]*`)", text)).replace("{", "{{").replace("}", "}}"))
        if name is not None:
            out.append("{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}")
    return "".join(out)


def test_with_every_key_translated_no_english_is_left_and_strict_passes(tmp_path_factory, saved_decisions) -> None:
    """Every key :mod:`perspectives.msgids` finds, given a stand-in Romanian translation.

    What a reader then meets in English is text that never passed a catalogue: there must be none.
    The build starts from the small-cell rule's saved results (its masks are not tested here).
    """
    from perspectives import locales

    repo = _copy(tmp_path_factory.mktemp("pseudo") / "repo")
    categories = [c for c in locales.PLURAL_CATEGORIES if c in locales.plural_tags("ro")]
    lines = []
    for key, msgid in msgids.extract().items():
        forms = dict(msgid.forms)
        entry = ({c: _pseudo(forms.get(c, forms["other"])) for c in categories} if forms
                 else {"text": _pseudo(key)})
        lines.append(f"{json.dumps(key, ensure_ascii=False)}: {json.dumps(entry, ensure_ascii=False)}")
    (repo / "params" / "i18n" / "ro.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # A country with conversations, one without, and the synthesis: each has its own code paths.
    reports = {"MDA": "MDA", "BIH": "BIH", "ALL": load_study().synthesis_folder}
    remembering(repo / "out", saved_decisions)
    done = _run(repo, "build", "--country", *reports, "--lang", "ro", "--out", "out", "--jobs", "2", "--strict")
    assert done.returncode == 0, done.stderr[-4000:]
    for folder in reports.values():
        assert not (repo / "out" / folder / "ro" / untranslated.MISSING_FILE).exists()
    assert "Évîdéñçé:" in (repo / "out" / "MDA" / "ro" / "report.html").read_text(encoding="utf-8")
    tool = _run(repo, "i18n", "ro", "--out", "out")
    assert tool.returncode == 0, tool.stdout
    assert len(re.findall(r"; 0 read English;", tool.stdout)) == len(reports)


# --------------------------------------------------------------------------- every study language

# The national reports a shared build of conftest holds already in that language, made as a
# --strict build makes them (the verdict of --strict is read from the report folder after it).
SHARED = {("MDA", "ro"): "romanian_build"}


@pytest.mark.parametrize(("country", "lang"), [("MDA", "ro"), ("COL", "es"), ("ALB", "sq"), ("BIH", "bs")])
def test_each_national_report_reads_translated_with_strict(tmp_path, request, country: str, lang: str) -> None:
    if (country, lang) in SHARED:
        folder = request.getfixturevalue(SHARED[(country, lang)]) / country / lang
        # what --strict decides once the build has written the report
        assert untranslated.strict_failures({country: folder}) == {}
    else:
        # from the small-cell rule's saved results: the words are tested, not the masks
        remembering(tmp_path / "out", request.getfixturevalue("saved_decisions"))
        env = dict(os.environ, MPLBACKEND="Agg", PERSPECTIVES_PDF="0")
        done = subprocess.run([sys.executable, "-m", "perspectives.cli", "build", "--country", country, "--lang",
                               lang, "--out", str(tmp_path / "out"), "--jobs", "2", "--strict"], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-4000:]
        folder = tmp_path / "out" / country / lang
    assert not (folder / untranslated.MISSING_FILE).exists()
    with zipfile.ZipFile(folder / "report.docx") as z:
        assert z.testzip() is None
    # No sentence opens on a numeral in any language ("74 % dintre ...": issue 26).
    assert opening_on_a_digit(folder / "report.html") == []
